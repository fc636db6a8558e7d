/* studio-draft-card.h: one take in the Create view's grids: its poster,
 * which plays on hover (one card at a time), its seed and its state.
 *
 * StudioDraftItem wraps a StudioTake summary for list models.
 *
 * Main thread only; posters and frames are decoded on worker threads. */
#pragma once

#include <adwaita.h>

#include "studio-library.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_DRAFT_ITEM (studio_draft_item_get_type ())
G_DECLARE_FINAL_TYPE (StudioDraftItem, studio_draft_item, STUDIO, DRAFT_ITEM, GObject)

/* Takes a copy of TAKE. */
StudioDraftItem *studio_draft_item_new (const StudioTake *take);
const StudioTake *studio_draft_item_get_take (StudioDraftItem *self);

#define STUDIO_TYPE_DRAFT_CARD (studio_draft_card_get_type ())
G_DECLARE_FINAL_TYPE (StudioDraftCard, studio_draft_card, STUDIO, DRAFT_CARD, AdwBin)

GtkWidget *studio_draft_card_new (void);
/* Shows TAKE (NULL: nothing), its media read from LIBRARY, which must
 * outlive the card's use of it.  Stops any playback. */
void studio_draft_card_set_take (StudioDraftCard *self, StudioLibrary *library, const StudioTake *take);
/* Plays the take's video in the poster's place (what hovering does after a
 * short dwell); only one card plays at a time. */
void studio_draft_card_set_playing (StudioDraftCard *self, gboolean playing);
gboolean studio_draft_card_get_playing (StudioDraftCard *self);
/* How many frames of the video have been decoded for playback so far. */
guint studio_draft_card_get_n_frames (StudioDraftCard *self);
/* The poster's texture once loaded, or NULL. */
GdkTexture *studio_draft_card_get_poster (StudioDraftCard *self);

G_END_DECLS
