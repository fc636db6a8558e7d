/* studio-label.h: visible labels burned into frames on export: the
 * "AI-generated" disclosure (bottom-right corner) and "DRAFT" (top-left), in
 * a built-in bitmap font scaled to the frame, white on a dark backing box so
 * they read on any picture, from 64x64 up to 4K. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  STUDIO_LABEL_NONE = 0,
  STUDIO_LABEL_AI_GENERATED = 1 << 0,
  STUDIO_LABEL_DRAFT = 1 << 1,
} StudioLabelFlags;

/* The font's cell: 5 columns; 7 rows above the baseline and 2 below. */
#define STUDIO_LABEL_GLYPH_WIDTH 5
#define STUDIO_LABEL_GLYPH_HEIGHT 9
/* Pixels (before scaling) from one character or line to the next. */
#define STUDIO_LABEL_ADVANCE 6
#define STUDIO_LABEL_LINE_HEIGHT 10

/* Where one label goes on a frame. */
typedef struct
{
  int box_x, box_y, box_width, box_height; /* the backing box */
  int text_x, text_y;                      /* top-left of the first character cell */
  int scale;                               /* font pixels are scale x scale */
  int n_lines;                             /* 1, or 2 when wrapped after the hyphen */
  char lines[2][16];
} StudioLabelLayout;

/* The layout of LABEL (one flag) on a WIDTH x HEIGHT frame; FALSE when the
 * frame is too small to hold it (under about 40 pixels). */
gboolean studio_label_layout (int width, int height, StudioLabelFlags label, StudioLabelLayout *layout);

/* Burns the labels in FLAGS into packed 8-bit RGB. */
void studio_label_burn (guint8 *rgb, int width, int height, gsize stride, StudioLabelFlags flags);

/* The bitmap of C: STUDIO_LABEL_GLYPH_HEIGHT rows, bit 4 the left column;
 * NULL for characters the font lacks (it has those of the labels). */
const guint8 *studio_label_glyph (char c);
/* The characters the font has. */
const char *studio_label_font_characters (void);

G_END_DECLS
