/* studio-review-page.h: the Review view: the takes that need review across
 * projects, a frame-exact player with notes pinned to frames, the draft side
 * by side, the decision, its note and the clearance checklist. */
#pragma once

#include <adwaita.h>

#include "studio-player.h"
#include "studio-session.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_REVIEW_PAGE (studio_review_page_get_type ())
G_DECLARE_FINAL_TYPE (StudioReviewPage, studio_review_page, STUDIO, REVIEW_PAGE, AdwBin)

StudioReviewPage *studio_review_page_new (StudioSession *session);

/* Shows take TAKE_ID (loaded off the main thread; 0 for none), e.g. when
 * another view opens a take for review. */
void studio_review_page_select_take (StudioReviewPage *self, gint64 take_id);
/* "loaded-take": the id of the take shown once loaded; 0 for none. */
gint64 studio_review_page_get_take_id (StudioReviewPage *self);
/* The take shown, as last read from the library (NULL for none); it is
 * replaced after every write.  Properties: "decision" (string, "" or a
 * decision name), "compare" and "show-all" (booleans), "busy" (boolean,
 * while a Record is written). */
const StudioTake *studio_review_page_get_take (StudioReviewPage *self);
StudioPlayer *studio_review_page_get_player (StudioReviewPage *self);
StudioPlayer *studio_review_page_get_draft_player (StudioReviewPage *self);

G_END_DECLS
