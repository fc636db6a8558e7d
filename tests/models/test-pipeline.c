/* test-pipeline.c: the pipeline's behaviour on the tiny fixture model, on a
 * real Vulkan device: the VAE's extra tiles cover what the reference's leave
 * at zero and change nothing else; cancellation keeps the latents and
 * resuming from them gives exactly the uninterrupted video; progress reports
 * every step with a preview; refine runs the strength's share of the steps
 * at the larger size; the seed decides the noise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae-engine.h"
#include "ae-pipeline.h"
#include "ae-scheduler.h"
#include "ae-vae.h"

static int passed, failed;

static bool
expect (bool ok, const char *what)
{
  printf ("%s %s\n", ok ? "ok  " : "FAIL", what);
  if (ok)
    passed++;
  else
    failed++;
  return ok;
}

static void
must (bool ok, const ae_error *error, const char *what)
{
  if (!ok)
    {
      printf ("FAIL %s: %s\n", what, error->message);
      exit (1);
    }
}

static char model_dir[4096];

/* ---- VAE tiling coverage ---- */

static void
test_tiling (ae_context *ctx)
{
  ae_error error = { 0 };
  ae_model_folder *folder = ae_model_folder_open (model_dir, &error);
  must (folder != NULL, &error, "open the tiny model");
  ae_vae *vae = ae_vae_load (ctx, &folder->vae, folder->vae_weights, AE_F32, &error);
  must (vae != NULL, &error, "load the VAE");
  ae_stream *s = ae_stream_new (ctx, &error);

  /* Fixture tiles: pixels 24 x 32 x 32, stride 16 x 16 x 16, i.e. latents
   * 6 x 4 x 4, stride 4 x 2 x 2.  A latent of 8 x 7 x 5 leaves frames 24..31,
   * rows 48..55 and columns 32..39 outside the reference's tiles. */
  const int64_t T = 8, H = 7, W = 5, C = folder->vae.latent_channels;
  const int64_t zshape[5] = { 1, C, T, H, W }, vshape[5] = { 1, 3, 4 * T, 8 * H, 8 * W };
  const int64_t nz = C * T * H * W, nv = 3 * 4 * T * 64 * H * W;
  float *z = malloc ((size_t) nz * sizeof (float));
  ae_random_normal (11, 0, z, nz);
  ae_tensor *zt = ae_tensor_new (ctx, AE_F32, 5, zshape, "z", &error);
  ae_tensor *ours = ae_tensor_new (ctx, AE_F32, 5, vshape, "ours", &error);
  ae_tensor *reference = ae_tensor_new (ctx, AE_F32, 5, vshape, "reference", &error);
  must (zt && ours && reference && ae_tensor_upload_f32 (zt, z, &error), &error, "tensors");

  ae_vae_tiling tiling = { .kernel = { 24, 32, 32 }, .stride = { 16, 16, 16 } };
  ae_vae_set_tiling (vae, &tiling);
  must (ae_vae_decode (vae, s, ours, zt, &error), &error, "decode with full coverage");
  tiling.reference_only = true;
  ae_vae_set_tiling (vae, &tiling);
  must (ae_vae_decode (vae, s, reference, zt, &error), &error, "decode with the reference's tiles only");
  float *a = malloc ((size_t) nv * sizeof (float)), *b = malloc ((size_t) nv * sizeof (float));
  must (ae_tensor_download_f32 (ours, a, &error) && ae_tensor_download_f32 (reference, b, &error), &error, "download");

  double max_ref = 0, max_diff_covered = 0, max_ref_uncovered = 0, sum_ours_uncovered = 0;
  int64_t n_uncovered = 0;
  bool finite = true;
  const int64_t F = 4 * T, PH = 8 * H, PW = 8 * W;
  for (int64_t c = 0; c < 3; c++)
    for (int64_t f = 0; f < F; f++)
      for (int64_t y = 0; y < PH; y++)
        for (int64_t x = 0; x < PW; x++)
          {
            const int64_t i = ((c * F + f) * PH + y) * PW + x;
            const bool covered = f < 24 && y < 48 && x < 32;
            finite = finite && isfinite (a[i]);
            if (covered)
              {
                max_ref = fmax (max_ref, fabs (b[i]));
                max_diff_covered = fmax (max_diff_covered, fabs (a[i] - b[i]));
              }
            else
              {
                max_ref_uncovered = fmax (max_ref_uncovered, fabs (b[i]));
                sum_ours_uncovered += fabs (a[i]);
                n_uncovered++;
              }
          }
  printf ("     covered: max|ours - reference| %.3e of max %.3e; uncovered: %lld values, mean |ours| %.3e\n",
          max_diff_covered, max_ref, (long long) n_uncovered, sum_ours_uncovered / (double) n_uncovered);
  expect (finite, "tiling: every decoded value is finite");
  expect (max_diff_covered == 0.0, "tiling: equal to the reference's tiles wherever they reach");
  expect (max_ref_uncovered == 0.0, "tiling: the reference's tiles leave the borders at exactly 0");
  expect (sum_ours_uncovered / (double) n_uncovered > 1e-2, "tiling: ours fills those borders");

  free (z);
  free (a);
  free (b);
  ae_tensor_free (zt);
  ae_tensor_free (ours);
  ae_tensor_free (reference);
  ae_stream_free (s);
  ae_vae_free (vae);
  ae_model_folder_free (folder);
}

/* ---- generation ---- */

typedef struct
{
  int64_t calls, last_step, total, cancel_after;
  bool preview_ok;
} progress_log;

static bool
on_progress (const ae_progress *p, void *user_data)
{
  progress_log *log = user_data;
  log->calls++;
  log->last_step = p->step;
  log->total = p->total;
  log->preview_ok
      = log->preview_ok && p->preview != NULL && p->preview_frames > 0 && p->elapsed >= 0 && p->remaining >= 0;
  return log->cancel_after == 0 || p->step < log->cancel_after;
}

static bool
same_bytes (const uint8_t *a, const uint8_t *b, size_t n)
{
  return a != NULL && b != NULL && memcmp (a, b, n) == 0;
}

static void
test_generate (ae_context *ctx)
{
  ae_error error = { 0 };
  ae_pipeline_params params = { .keep_loaded = true };
  ae_pipeline *p = ae_pipeline_new (ctx, model_dir, &params, &error);
  must (p != NULL, &error, "open the pipeline");
  const ae_generate_params base = {
    .prompt = "a blue circle growing",
    .seed = 42,
    .steps = 4,
    .frames = 16,
    .width = 48,
    .height = 48,
    .max_sequence_length = 32,
  };
  ae_video full = { 0 }, part = { 0 }, resumed = { 0 }, other = { 0 }, refined = { 0 };

  progress_log log = { .preview_ok = true };
  ae_generate_params gp = base;
  gp.progress = on_progress;
  gp.progress_user_data = &log;
  must (ae_pipeline_generate (p, &gp, false, &full, &error), &error, "generate");
  const size_t bytes = (size_t) (full.frames * full.height * full.width * 3);
  expect (full.frames == 16 && full.width == 48 && full.height == 48, "generate: 16 frames of 48x48");
  expect (log.calls == 4 && log.last_step == 4 && log.total == 4 && log.preview_ok,
          "progress: called after each of the 4 steps, with a preview and times");

  /* Cancel from the progress callback after step 2; the latents stay. */
  progress_log stop = { .preview_ok = true, .cancel_after = 2 };
  gp.progress_user_data = &stop;
  bool ok = ae_pipeline_generate (p, &gp, false, &part, &error);
  expect (!ok && error.code == AE_ERROR_CANCELLED && part.steps_done == 2 && part.latents != NULL,
          "cancel: stops after step 2 with AE_ERROR_CANCELLED and the latents reached");
  expect (part.rgb == NULL, "cancel: no video");

  /* Resume from those latents: the same video as the uninterrupted run. */
  gp = base;
  gp.start_latents = part.latents;
  gp.start_step = part.steps_done;
  must (ae_pipeline_generate (p, &gp, false, &resumed, &error), &error, "resume");
  expect (same_bytes (full.rgb, resumed.rgb, bytes), "resume: bit-identical to the uninterrupted video");

  gp = base;
  gp.seed = 43;
  must (ae_pipeline_generate (p, &gp, false, &other, &error), &error, "another seed");
  expect (!same_bytes (full.rgb, other.rgb, bytes), "seed: another seed, another video");

  /* Refine: the draft's latent resized to a final twice as large, 60%. */
  int64_t T, H, W;
  ae_pipeline_latent_size (p, 16, 96, 96, &T, &H, &W);
  const int64_t C = full.latent_shape[0];
  float *start = malloc ((size_t) (C * T * H * W) * sizeof (float));
  ae_pipeline_resize_latents (full.latents, C, full.latent_shape[1], full.latent_shape[2], full.latent_shape[3], start,
                              T, H, W);
  progress_log refine_log = { .preview_ok = true };
  gp = base;
  gp.width = gp.height = 96;
  gp.steps = 5;
  gp.start_latents = start;
  gp.strength = 0.6f;
  gp.progress = on_progress;
  gp.progress_user_data = &refine_log;
  must (ae_pipeline_generate (p, &gp, false, &refined, &error), &error, "refine");
  expect (refined.width == 96 && refined.height == 96 && refined.frames == 16, "refine: 16 frames of 96x96");
  expect (refine_log.calls == 3 && refine_log.last_step == 5, "refine: strength 0.6 runs the last 3 of 5 steps");

  /* The draft's video back to a latent through the VAE encoder. */
  float *encoded = NULL;
  int64_t shape[4];
  must (ae_pipeline_encode_video (p, full.rgb, full.frames, full.height, full.width, &encoded, shape, &error), &error,
        "encode a draft's video");
  expect (shape[0] == C && shape[1] == 4 && shape[2] == 6 && shape[3] == 6,
          "encode: 16 frames of 48x48 give a [4, 4, 6, 6] latent");
  bool finite = true;
  for (int64_t i = 0; i < C * 4 * 36; i++)
    finite = finite && isfinite (encoded[i]);
  expect (finite, "encode: finite");

  /* Resize keeps a constant field constant and matches at the same size. */
  float flat[2 * 2 * 3 * 3], big[2 * 4 * 6 * 6];
  for (int i = 0; i < 36; i++)
    flat[i] = 0.25f;
  ae_pipeline_resize_latents (flat, 2, 2, 3, 3, big, 4, 6, 6);
  bool constant = true;
  for (int i = 0; i < 2 * 4 * 36; i++)
    constant = constant && fabsf (big[i] - 0.25f) < 1e-6f;
  expect (constant, "resize: a constant latent stays constant");

  free (start);
  free (encoded);
  ae_video_clear (&full);
  ae_video_clear (&part);
  ae_video_clear (&resumed);
  ae_video_clear (&other);
  ae_video_clear (&refined);
  ae_pipeline_free (p);
}

static void
test_noise (void)
{
  float a[1000], b[1000], c[1000];
  ae_random_normal (5, 1, a, 1000);
  ae_random_normal (5, 1, b, 1000);
  ae_random_normal (5, 2, c, 1000);
  double mean = 0, var = 0;
  for (int i = 0; i < 1000; i++)
    mean += a[i];
  mean /= 1000;
  for (int i = 0; i < 1000; i++)
    var += (a[i] - mean) * (a[i] - mean);
  var /= 999;
  expect (memcmp (a, b, sizeof a) == 0, "noise: the same seed and stream give the same numbers");
  expect (memcmp (a, c, sizeof a) != 0, "noise: another stream, other numbers");
  printf ("     mean %.4f, variance %.4f\n", mean, var);
  expect (fabs (mean) < 0.1 && fabs (var - 1.0) < 0.1, "noise: standard normal (mean and variance of 1000 draws)");
  /* A prefix of a longer draw is the shorter draw (resumable streams). */
  float prefix[7];
  ae_random_normal (5, 1, prefix, 7);
  expect (memcmp (prefix, a, sizeof prefix) == 0, "noise: element j does not depend on the count drawn");
}

int
main (void)
{
  const char *data = getenv ("ALLEGRO_TEST_DATA");
  ae_error error = { 0 };
  if (data == NULL)
    {
      printf ("FAIL: ALLEGRO_TEST_DATA is not set\n");
      return 1;
    }
  snprintf (model_dir, sizeof model_dir, "%s/allegro-tiny/model", data);
  ae_context_params cp = { 0 };
  ae_context *ctx = ae_context_new (&cp, &error);
  if (ctx == NULL)
    {
      printf ("SKIP: no Vulkan device: %s\n", error.message);
      return 77;
    }
  test_noise ();
  test_tiling (ctx);
  test_generate (ctx);
  ae_context_free (ctx);
  printf ("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
