/* studio-take-card.h: one take in the Browse grid: its poster (loaded on a
 * worker thread and cached), a status badge, rating stars and the
 * shortlist mark.  Built once per grid cell and re-bound as it scrolls. */
#pragma once

#include <gtk/gtk.h>

#include "studio-library.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_TAKE_CARD (studio_take_card_get_type ())
G_DECLARE_FINAL_TYPE (StudioTakeCard, studio_take_card, STUDIO, TAKE_CARD, GtkWidget)

GtkWidget *studio_take_card_new (void);
/* Shows TAKE (copied what is needed; NULL to unbind, which cancels the
 * poster's loading).  LIBRARY resolves media names. */
void studio_take_card_set_take (StudioTakeCard *self, const StudioTake *take, StudioLibrary *library);
gint64 studio_take_card_get_take_id (StudioTakeCard *self);
/* The poster shown, NULL while loading or when there is none. */
GdkTexture *studio_take_card_get_poster (StudioTakeCard *self);

/* "★★★★☆" for RATING rounded to whole stars (0..5). */
char *studio_take_card_format_stars (double rating);

G_END_DECLS
