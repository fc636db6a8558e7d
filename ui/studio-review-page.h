/* studio-review-page.h: the Review view. */
#pragma once

#include <adwaita.h>

#include "studio-session.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_REVIEW_PAGE (studio_review_page_get_type ())
G_DECLARE_FINAL_TYPE (StudioReviewPage, studio_review_page, STUDIO, REVIEW_PAGE, AdwBin)

StudioReviewPage *studio_review_page_new (StudioSession *session);

G_END_DECLS
