/* studio-label.c: the disclosure labels, drawn with our own 5x9 bitmap font
 * (only the characters of "AI-generated" and "DRAFT"). */
#define G_LOG_DOMAIN "studio-media"

#include "studio-label.h"

#include <string.h>

typedef struct
{
  char character;
  guint8 rows[STUDIO_LABEL_GLYPH_HEIGHT];
} Glyph;

/* Rows top to bottom, bit 4 = left column; rows 7 and 8 are the descender. */
static const Glyph font[] = {
  { 'A', { 0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11, 0x00, 0x00 } },
  { 'D', { 0x1e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1e, 0x00, 0x00 } },
  { 'F', { 0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10, 0x00, 0x00 } },
  { 'I', { 0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e, 0x00, 0x00 } },
  { 'R', { 0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11, 0x00, 0x00 } },
  { 'T', { 0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x00 } },
  { '-', { 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00 } },
  { 'a', { 0x00, 0x00, 0x0e, 0x01, 0x0f, 0x11, 0x0f, 0x00, 0x00 } },
  { 'd', { 0x01, 0x01, 0x0d, 0x13, 0x11, 0x11, 0x0f, 0x00, 0x00 } },
  { 'e', { 0x00, 0x00, 0x0e, 0x11, 0x1f, 0x10, 0x0e, 0x00, 0x00 } },
  { 'g', { 0x00, 0x00, 0x0f, 0x11, 0x11, 0x11, 0x0f, 0x01, 0x0e } },
  { 'n', { 0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11, 0x00, 0x00 } },
  { 'r', { 0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10, 0x00, 0x00 } },
  { 't', { 0x08, 0x08, 0x1e, 0x08, 0x08, 0x09, 0x06, 0x00, 0x00 } },
};

const guint8 *
studio_label_glyph (char c)
{
  for (gsize i = 0; i < G_N_ELEMENTS (font); i++)
    if (font[i].character == c)
      return font[i].rows;
  return NULL;
}

const char *
studio_label_font_characters (void)
{
  return "ADFIRT-adegnrt";
}

static int
text_width (const char *text, int scale)
{
  int n = (int) strlen (text);
  return n == 0 ? 0 : ((n - 1) * STUDIO_LABEL_ADVANCE + STUDIO_LABEL_GLYPH_WIDTH) * scale;
}

gboolean
studio_label_layout (int width, int height, StudioLabelFlags label, StudioLabelLayout *layout)
{
  const char *text = label == STUDIO_LABEL_DRAFT ? "DRAFT" : "AI-generated";
  int shortest = MIN (width, height);
  int margin = MAX (2, shortest / 40);
  int available = width - 2 * margin;
  int scale, padding, widest;

  memset (layout, 0, sizeof *layout);
  /* Text about 3.5% of the short side high: 4x at 720p, 2x at 352, 1x at 64. */
  scale = MAX (1, (shortest + 100) / 200);
  for (;; scale--)
    {
      padding = 2 * scale;
      if (text_width (text, scale) + 2 * padding <= available || scale == 1)
        break;
    }
  layout->scale = scale;
  layout->n_lines = 1;
  g_strlcpy (layout->lines[0], text, sizeof layout->lines[0]);
  widest = text_width (text, scale);
  if (widest + 2 * padding > available)
    {
      /* Too narrow even at 1x: break after the hyphen ("AI-" / "generated"). */
      const char *hyphen = strchr (text, '-');
      if (hyphen == NULL)
        return FALSE;
      layout->n_lines = 2;
      g_strlcpy (layout->lines[0], text, MIN ((gsize) (hyphen - text) + 2, sizeof layout->lines[0]));
      g_strlcpy (layout->lines[1], hyphen + 1, sizeof layout->lines[1]);
      widest = MAX (text_width (layout->lines[0], 1), text_width (layout->lines[1], 1));
      if (widest + 2 * padding > available)
        return FALSE;
    }
  layout->box_width = widest + 2 * padding;
  layout->box_height
      = ((layout->n_lines - 1) * STUDIO_LABEL_LINE_HEIGHT + STUDIO_LABEL_GLYPH_HEIGHT) * scale + 2 * padding;
  if (layout->box_height + 2 * margin > height)
    return FALSE;
  if (label == STUDIO_LABEL_DRAFT)
    {
      layout->box_x = margin;
      layout->box_y = margin;
    }
  else
    {
      layout->box_x = width - margin - layout->box_width;
      layout->box_y = height - margin - layout->box_height;
    }
  layout->text_x = layout->box_x + padding;
  layout->text_y = layout->box_y + padding;
  return TRUE;
}

static void
burn_one (guint8 *rgb, int width, int height, gsize stride, StudioLabelFlags label)
{
  StudioLabelLayout layout;
  /* The backing box: the picture darkened to a quarter (black label) or
   * tinted dark red (DRAFT), so white text reads on any background. */
  const int keep = 64; /* of 256 */
  const guint8 tint[3] = { 0, 0, 0 };
  const guint8 draft_tint[3] = { 150, 0, 0 };
  const guint8 *box_tint = label == STUDIO_LABEL_DRAFT ? draft_tint : tint;

  if (!studio_label_layout (width, height, label, &layout))
    return;
  for (int y = layout.box_y; y < layout.box_y + layout.box_height; y++)
    {
      guint8 *row = rgb + (gsize) y * stride;
      for (int x = layout.box_x; x < layout.box_x + layout.box_width; x++)
        for (int c = 0; c < 3; c++)
          row[3 * x + c] = (guint8) ((row[3 * x + c] * keep + box_tint[c] * (256 - keep)) >> 8);
    }
  for (int line = 0; line < layout.n_lines; line++)
    {
      const char *text = layout.lines[line];
      int top = layout.text_y + line * STUDIO_LABEL_LINE_HEIGHT * layout.scale;

      for (int i = 0; text[i] != '\0'; i++)
        {
          const guint8 *glyph = studio_label_glyph (text[i]);
          int left = layout.text_x + i * STUDIO_LABEL_ADVANCE * layout.scale;

          if (glyph == NULL)
            continue;
          for (int gy = 0; gy < STUDIO_LABEL_GLYPH_HEIGHT; gy++)
            for (int gx = 0; gx < STUDIO_LABEL_GLYPH_WIDTH; gx++)
              {
                if (!(glyph[gy] & (1 << (STUDIO_LABEL_GLYPH_WIDTH - 1 - gx))))
                  continue;
                for (int sy = 0; sy < layout.scale; sy++)
                  {
                    guint8 *pixel = rgb + (gsize) (top + gy * layout.scale + sy) * stride
                                    + 3 * (gsize) (left + gx * layout.scale);
                    memset (pixel, 255, 3 * (gsize) layout.scale);
                  }
              }
        }
    }
}

void
studio_label_burn (guint8 *rgb, int width, int height, gsize stride, StudioLabelFlags flags)
{
  if (flags & STUDIO_LABEL_DRAFT)
    burn_one (rgb, width, height, stride, STUDIO_LABEL_DRAFT);
  if (flags & STUDIO_LABEL_AI_GENERATED)
    burn_one (rgb, width, height, stride, STUDIO_LABEL_AI_GENERATED);
}
