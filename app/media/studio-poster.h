/* studio-poster.h: still images for the library and the gallery: a poster
 * (one frame) and a preview strip (a grid of frames), as PNG. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* PNG of packed 8-bit RGB. */
GBytes *studio_png_encode_rgb (const guint8 *rgb, int width, int height, gsize stride, GError **error);

/* Writes frame FRAME of VIDEO (-1: the middle frame) as PNG_PATH, scaled so
 * its longer side is at most MAX_SIZE pixels (0: full size).  Atomic. */
gboolean studio_poster_write (const char *video, gint64 frame, int max_size, const char *png_path, GError **error);

/* Writes COUNT frames of VIDEO, evenly spaced from the first to the last, as
 * one PNG grid of COLUMNS columns, each tile TILE_WIDTH pixels wide (height by
 * the video's aspect ratio).  Atomic. */
gboolean studio_preview_strip_write (const char *video, int count, int columns, int tile_width, const char *png_path,
                                     GError **error);

G_END_DECLS
