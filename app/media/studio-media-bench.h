/* studio-media-bench.h: `allegro-studio bench media`: encoding speed and
 * seek latency, printed. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  int frames; /* 88 when 0: one Allegro take */
  int width;  /* 1280 x 720 when 0 */
  int height;
  int seeks; /* random seeks timed; 60 when 0 */
  gboolean json;
} StudioMediaBenchParams;

/* Returns the process exit status; reports errors on stderr. */
int studio_media_bench_run (const StudioMediaBenchParams *params);

/* The synthetic test picture used by the benchmark (and the tests): smooth
 * gradients and a moving disc, different for each INDEX. */
void studio_media_synthetic_frame (guint8 *rgb, int width, int height, gsize stride, gint64 index);

G_END_DECLS
