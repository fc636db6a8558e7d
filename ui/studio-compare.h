/* studio-compare.h: two takes side by side in a GtkPaned, played in step:
 * the right-hand player follows the left-hand one's frame, so the left
 * player's controls (and keys) drive both. */
#pragma once

#include <gtk/gtk.h>

#include "studio-player.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_COMPARE (studio_compare_get_type ())
G_DECLARE_FINAL_TYPE (StudioCompare, studio_compare, STUDIO, COMPARE, GtkWidget)

GtkWidget *studio_compare_new (void);

/* Paths may be NULL (that side shows an empty player); titles are plain text. */
void studio_compare_set_takes (StudioCompare *self, const char *left_path, const char *left_title,
                               const char *right_path, const char *right_title);
/* 0: the left (leading) player, 1: the right (following) one. */
StudioPlayer *studio_compare_get_player (StudioCompare *self, guint index);

G_END_DECLS
