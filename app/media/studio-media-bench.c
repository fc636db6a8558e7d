/* studio-media-bench.c: times encoding a take and seeking in it. */
#define G_LOG_DOMAIN "studio-media"

#include "studio-media-bench.h"
#include "studio-media.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void
studio_media_synthetic_frame (guint8 *rgb, int width, int height, gsize stride, gint64 index)
{
  double cx = width * (0.2 + 0.6 * (0.5 + 0.5 * sin (index * 0.07)));
  double cy = height * (0.3 + 0.4 * (0.5 + 0.5 * cos (index * 0.05)));
  double radius = MIN (width, height) * 0.15;

  for (int y = 0; y < height; y++)
    {
      guint8 *row = rgb + (gsize) y * stride;
      for (int x = 0; x < width; x++)
        {
          double dx = x - cx, dy = y - cy;
          double inside = CLAMP (radius - sqrt (dx * dx + dy * dy), 0.0, 1.0);
          double r = 40 + 150.0 * x / width + 20 * sin ((y + index * 2) * 0.03);
          double g = 60 + 120.0 * y / height;
          double b = 90 + 60 * sin ((x + y + index * 3) * 0.01);
          row[3 * x + 0] = (guint8) lround (r * (1 - inside) + 230 * inside);
          row[3 * x + 1] = (guint8) lround (g * (1 - inside) + 200 * inside);
          row[3 * x + 2] = (guint8) lround (b * (1 - inside) + 40 * inside);
        }
    }
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

int
studio_media_bench_run (const StudioMediaBenchParams *params)
{
  int frames = params->frames > 0 ? params->frames : 88;
  int width = params->width > 0 ? params->width : 1280;
  int height = params->height > 0 ? params->height : 720;
  int seeks = params->seeks > 0 ? params->seeks : 60;
  g_autoptr (GError) error = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *path = NULL;
  g_autofree guint8 *rgb = NULL;
  g_autofree guint8 *rgba = NULL;
  g_autofree double *latencies = NULL;
  g_autoptr (StudioEncoder) encoder = NULL;
  g_autoptr (StudioDecoder) decoder = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (20241015);
  gsize stride = (gsize) width * 3;
  gint64 start, synthesis = 0, encode_us, open_us, sequential_us;
  const char *codec;
  double mean = 0, max = 0, median, file_mb;
  GStatBuf st;

  folder = g_dir_make_tmp ("allegro-bench-media-XXXXXX", &error);
  if (folder == NULL)
    {
      fprintf (stderr, "allegro-studio: bench media: %s\n", error->message);
      return 1;
    }
  path = g_build_filename (folder, "bench.mp4", NULL);
  rgb = g_malloc (stride * height);

  /* Encoding: frames are made one at a time (as generation delivers them);
   * making them is timed separately and left out of the rate. */
  start = g_get_monotonic_time ();
  encoder = studio_encoder_open (path, width, height, 15, STUDIO_MEDIA_FORMAT_MP4, STUDIO_ENCODER_QUALITY_DEFAULT, NULL,
                                 &error);
  for (int i = 0; encoder != NULL && i < frames; i++)
    {
      gint64 t = g_get_monotonic_time ();
      studio_media_synthetic_frame (rgb, width, height, stride, i);
      synthesis += g_get_monotonic_time () - t;
      if (!studio_encoder_push_frame (encoder, rgb, stride, &error))
        break;
    }
  if (error == NULL)
    studio_encoder_finish (encoder, &error);
  encode_us = g_get_monotonic_time () - start - synthesis;
  if (error != NULL)
    {
      fprintf (stderr, "allegro-studio: bench media: %s\n", error->message);
      g_rmdir (folder);
      return 1;
    }
  codec = studio_encoder_get_codec_name (encoder);
  file_mb = g_stat (path, &st) == 0 ? st.st_size / 1e6 : 0;

  start = g_get_monotonic_time ();
  decoder = studio_decoder_open (path, &error);
  open_us = g_get_monotonic_time () - start;
  rgba = g_malloc ((gsize) width * 4 * height);
  latencies = g_new (double, seeks);
  for (int i = 0; decoder != NULL && i < seeks; i++)
    {
      gint64 index = g_rand_int_range (rand, 0, frames);
      start = g_get_monotonic_time ();
      if (!studio_decoder_read_frame (decoder, index, rgba, (gsize) width * 4, &error))
        break;
      latencies[i] = (g_get_monotonic_time () - start) / 1000.0;
      mean += latencies[i] / seeks;
      max = MAX (max, latencies[i]);
    }
  start = g_get_monotonic_time ();
  for (int i = 0; error == NULL && i < frames; i++)
    studio_decoder_read_frame (decoder, i, rgba, (gsize) width * 4, &error);
  sequential_us = g_get_monotonic_time () - start;
  g_unlink (path);
  g_rmdir (folder);
  if (error != NULL)
    {
      fprintf (stderr, "allegro-studio: bench media: %s\n", error->message);
      return 1;
    }
  qsort (latencies, seeks, sizeof (double), compare_doubles);
  median = latencies[seeks / 2];

  if (params->json)
    {
      printf ("{\"encoder\": \"%s\", \"frames\": %d, \"width\": %d, \"height\": %d, "
              "\"encode_seconds\": %.3f, \"encode_fps\": %.2f, \"file_mb\": %.3f, \"open_ms\": %.2f, "
              "\"seeks\": %d, \"seek_mean_ms\": %.2f, \"seek_median_ms\": %.2f, \"seek_max_ms\": %.2f, "
              "\"sequential_fps\": %.2f}\n",
              codec, frames, width, height, encode_us / 1e6, frames / (encode_us / 1e6), file_mb, open_us / 1000.0,
              seeks, mean, median, max, frames / (sequential_us / 1e6));
      return 0;
    }
  printf ("media: %d frames of %dx%d, H.264 MP4 with %s (CRF 18, preset medium)\n", frames, width, height, codec);
  printf ("  encode        %8.2f s   %8.2f frames/s   %.2f MB\n", encode_us / 1e6, frames / (encode_us / 1e6), file_mb);
  printf ("  open          %8.2f ms  (index every frame, decode the first)\n", open_us / 1000.0);
  printf ("  seek (random) %8.2f ms mean, %.2f ms median, %.2f ms max over %d exact seeks to RGBA\n", mean, median, max,
          seeks);
  printf ("  play (in order) %6.2f frames/s decoded to RGBA\n", frames / (sequential_us / 1e6));
  return 0;
}
