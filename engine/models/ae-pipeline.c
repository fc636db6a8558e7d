/* ae-pipeline.c: AllegroPipeline.__call__ (spec 2) over the engine. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ae-dit.h"
#include "ae-model-common.h"
#include "ae-pipeline.h"
#include "ae-scheduler.h"
#include "ae-t5.h"
#include "ae-tokenizer.h"
#include "ae-vae.h"

struct ae_pipeline
{
  ae_context *ctx;
  ae_model_folder *folder;
  ae_pipeline_params params;
  ae_tokenizer *tokenizer;
  ae_t5 *t5;
  ae_dit *dit;
  ae_vae *vae;
  ae_vae_tiling tiling;
  bool tiling_set;
};

ae_pipeline *
ae_pipeline_new (ae_context *ctx, const char *model_dir, const ae_pipeline_params *params, ae_error *error)
{
  ae_pipeline *p = calloc (1, sizeof *p);
  p->ctx = ctx;
  if (params != NULL)
    p->params = *params;
  p->folder = ae_model_folder_open (model_dir, error);
  if (p->folder == NULL)
    {
      free (p);
      return NULL;
    }
  p->tokenizer = ae_tokenizer_open (p->folder->tokenizer_dir, error);
  if (p->tokenizer == NULL)
    {
      ae_pipeline_free (p);
      return NULL;
    }
  return p;
}

void
ae_pipeline_free (ae_pipeline *p)
{
  if (p == NULL)
    return;
  ae_t5_free (p->t5);
  ae_dit_free (p->dit);
  ae_vae_free (p->vae);
  ae_tokenizer_free (p->tokenizer);
  ae_model_folder_free (p->folder);
  free (p);
}

const ae_model_folder *
ae_pipeline_folder (const ae_pipeline *p)
{
  return p->folder;
}

void
ae_pipeline_set_vae_tiling (ae_pipeline *p, const ae_vae_tiling *tiling)
{
  p->tiling = *tiling;
  p->tiling_set = true;
  if (p->vae != NULL)
    ae_vae_set_tiling (p->vae, tiling);
}

void
ae_video_clear (ae_video *v)
{
  free (v->rgb);
  free (v->decoded);
  free (v->latents);
  free (v->prompt_ids);
  free (v->negative_ids);
  memset (v, 0, sizeof *v);
}

static void
latent_size (const ae_model_folder *folder, int64_t frames, int64_t height, int64_t width, int64_t *t, int64_t *h,
             int64_t *w)
{
  const int64_t r = folder->vae.temporal_compression_ratio;
  /* Even frame counts: ceil (F / r); odd: ceil ((F - 1) / r) + 1. */
  *t = frames % 2 == 0 ? (frames + r - 1) / r : (frames - 1 + r - 1) / r + 1;
  *h = height / 8;
  *w = width / 8;
}

void
ae_pipeline_latent_size (const ae_pipeline *p, int64_t frames, int64_t height, int64_t width, int64_t *t, int64_t *h,
                         int64_t *w)
{
  latent_size (p->folder, frames, height, width, t, h, w);
}

/* The stages' models, loaded on demand. */
static bool
ensure_t5 (ae_pipeline *p, ae_error *error)
{
  if (p->t5 == NULL)
    p->t5 = ae_t5_load (p->ctx, &p->folder->t5, p->folder->t5_weights, p->params.t5_dtype, error);
  return p->t5 != NULL;
}

static bool
ensure_dit (ae_pipeline *p, ae_error *error)
{
  if (p->dit == NULL)
    p->dit = ae_dit_load (p->ctx, &p->folder->dit, p->folder->dit_weights, p->params.dit_dtype, error);
  return p->dit != NULL;
}

static bool
ensure_vae (ae_pipeline *p, ae_error *error)
{
  if (p->vae == NULL)
    {
      p->vae = ae_vae_load (p->ctx, &p->folder->vae, p->folder->vae_weights, p->params.vae_dtype, error);
      if (p->vae != NULL && p->tiling_set)
        ae_vae_set_tiling (p->vae, &p->tiling);
    }
  return p->vae != NULL;
}

static char *
prepare_prompt (const char *text, bool templated, ae_error *error)
{
  char *filled = NULL, *out;
  if (templated)
    {
      filled = ae_prompt_apply_template (text, error);
      if (filled == NULL)
        return NULL;
      text = filled;
    }
  out = ae_prompt_preprocess (text, error);
  free (filled);
  return out;
}

/* A fixed linear map of the latent channels to RGB: a rough but stable
 * picture of the current x0 estimate, for progress previews. */
static void
latent_preview (uint8_t *rgb, const float *x0, int64_t channels, int64_t n)
{
  static const float map[4][3]
      = { { 0.30f, 0.25f, 0.20f }, { 0.10f, 0.25f, 0.05f }, { -0.15f, 0.05f, 0.30f }, { -0.10f, -0.20f, -0.25f } };
  for (int64_t i = 0; i < n; i++)
    for (int c = 0; c < 3; c++)
      {
        float v = 0.5f;
        for (int64_t k = 0; k < channels && k < 4; k++)
          v += map[k][c] * x0[k * n + i] * 0.13f;
        v = v < 0 ? 0 : v > 1 ? 1 : v;
        rgb[i * 3 + c] = (uint8_t) lrintf (v * 255.0f);
      }
}

#define FAIL(...)                                                                                                      \
  do                                                                                                                   \
    {                                                                                                                  \
      ae_set_error (error, AE_ERROR_INVALID, __VA_ARGS__);                                                             \
      goto out;                                                                                                        \
    }                                                                                                                  \
  while (0)

#define CHECK(x)                                                                                                       \
  do                                                                                                                   \
    {                                                                                                                  \
      if (!(x))                                                                                                        \
        goto out;                                                                                                      \
    }                                                                                                                  \
  while (0)

bool
ae_pipeline_generate (ae_pipeline *p, const ae_generate_params *gp, bool want_decoded, ae_video *video, ae_error *error)
{
  const ae_model_folder *f = p->folder;
  const int64_t C = f->dit.in_channels;
  const int64_t steps = gp->steps > 0 ? gp->steps : ae_model_folder_steps (f);
  const float guidance = gp->guidance_scale > 0 ? gp->guidance_scale : (float) ae_model_folder_guidance (f);
  const bool templates = !gp->raw_prompts && f->prompt_templates;
  const bool cfg = guidance > 1.0f;
  const int64_t batch = cfg ? 2 : 1;
  int64_t frames = gp->frames > 0 ? gp->frames : f->dit.sample_frames * 4;
  int64_t height = gp->height > 0 ? gp->height : f->dit.sample_height * 8;
  int64_t width = gp->width > 0 ? gp->width : f->dit.sample_width * 8;
  int64_t L = gp->max_sequence_length > 0 ? gp->max_sequence_length : f->tokenizer_max_length;
  int64_t T, h, w, n_latent;
  char *pos = NULL, *neg = NULL;
  int32_t *ids = NULL, *mask = NULL;
  float *x = NULL, *x_in = NULL, *eps = NULL, *guided = NULL, *noise = NULL, *x0 = NULL, *decoded = NULL;
  uint8_t *preview = NULL;
  ae_scheduler *sched = NULL;
  ae_stream *s = NULL;
  ae_tensor *context = NULL, *x_dev = NULL, *eps_dev = NULL, *z_dev = NULL, *video_dev = NULL;
  bool ok = false;
  double t0;

  memset (video, 0, sizeof *video);
  if (gp->prompt == NULL)
    FAIL ("Generate: no prompt.");
  if (height % 8 != 0 || width % 8 != 0 || frames < 1 || height < 16 || width < 16)
    FAIL ("Generate: width and height must be multiples of 8 (at least 16) and frames at least 1; got %lldx%lld, "
          "%lld frames.",
          (long long) width, (long long) height, (long long) frames);
  ae_pipeline_latent_size (p, frames, height, width, &T, &h, &w);
  if (h % f->dit.patch_size != 0 || w % f->dit.patch_size != 0)
    FAIL ("Generate: width and height must be multiples of %lld (the transformer's patches); got %lldx%lld.",
          (long long) (8 * f->dit.patch_size), (long long) width, (long long) height);
  if (steps > 1000 || L < 2 || L > 4096)
    FAIL ("Generate: %lld steps or a text length of %lld is out of range.", (long long) steps, (long long) L);
  n_latent = C * T * h * w;

  ae_memory_plan plan;
  CHECK (ae_pipeline_plan (p, gp, &plan, error));
  if (!plan.fits)
    {
      ae_set_error (error, AE_ERROR_OUT_OF_MEMORY,
                    "Generate: %lldx%lld with %lld frames needs about %.1f GB of device memory at its peak; the device "
                    "offers %.1f GB.  Try a smaller size or fewer frames.",
                    (long long) width, (long long) height, (long long) frames, (double) plan.peak / 1e9,
                    (double) plan.budget / 1e9);
      goto out;
    }
  const bool keep = p->params.keep_loaded && plan.keep_all;
  CHECK ((s = ae_stream_new (p->ctx, error)) != NULL);
  if (gp->cancel != NULL)
    ae_stream_set_cancel (s, gp->cancel);

  /* ---- text ---- */
  t0 = ae_monotonic_seconds ();
  CHECK ((pos = prepare_prompt (gp->prompt, templates, error)) != NULL);
  if (gp->negative_prompt != NULL)
    CHECK ((neg = prepare_prompt (gp->negative_prompt, false, error)) != NULL);
  else
    CHECK ((neg = prepare_prompt (ae_model_folder_negative_prompt (f, templates), false, error)) != NULL);
  ids = calloc ((size_t) (2 * L), sizeof (int32_t));
  mask = calloc ((size_t) (2 * L), sizeof (int32_t));
  /* [negative, positive]: the unconditional half first, as the reference. */
  CHECK (ae_tokenizer_encode (p->tokenizer, neg, (int) L, ids, mask, NULL, error));
  CHECK (ae_tokenizer_encode (p->tokenizer, pos, (int) L, ids + L, mask + L, NULL, error));
  video->text_length = L;
  video->negative_ids = malloc ((size_t) L * sizeof (int32_t));
  video->prompt_ids = malloc ((size_t) L * sizeof (int32_t));
  memcpy (video->negative_ids, ids, (size_t) L * sizeof (int32_t));
  memcpy (video->prompt_ids, ids + L, (size_t) L * sizeof (int32_t));

  CHECK (ensure_t5 (p, error));
  CHECK (
      (context = ae_tensor_new (p->ctx, AE_F32, 3, (int64_t[]){ batch, L, f->t5.d_model }, "pipeline.context", error))
      != NULL);
  CHECK (ae_t5_encode (p->t5, s, context, cfg ? ids : ids + L, cfg ? mask : mask + L, batch, L, error));
  CHECK (ae_stream_finish (s, error));
  if (!keep)
    ae_clear_pointer (&p->t5, ae_t5_free);
  video->seconds_text = ae_monotonic_seconds () - t0;

  /* ---- denoising ---- */
  t0 = ae_monotonic_seconds ();
  CHECK ((sched = ae_scheduler_new (&f->scheduler, error)) != NULL);
  CHECK (ae_scheduler_set_timesteps (sched, steps, error));
  x = malloc ((size_t) n_latent * sizeof (float));
  x0 = malloc ((size_t) n_latent * sizeof (float));
  noise = malloc ((size_t) n_latent * sizeof (float));
  x_in = malloc ((size_t) (batch * n_latent) * sizeof (float));
  eps = malloc ((size_t) (batch * n_latent) * sizeof (float));
  guided = malloc ((size_t) n_latent * sizeof (float));
  preview = malloc ((size_t) (T * h * w * 3));

  int64_t first_step = 0;
  if (gp->start_latents != NULL && gp->strength > 0.0f)
    {
      /* Refine: the clean latent noised to the strength's step (SDEdit). */
      int64_t kept_steps = (int64_t) llroundf ((float) steps * AE_MIN (gp->strength, 1.0f));
      first_step = steps - AE_MAX (kept_steps, 1);
      ae_random_normal (gp->seed, 0, noise, n_latent);
      for (int64_t i = 0; i < n_latent; i++)
        x[i] = gp->start_latents[i] + noise[i] * sched->sigmas[first_step];
    }
  else if (gp->start_latents != NULL)
    {
      if (gp->start_step < 0 || gp->start_step >= steps)
        FAIL ("Generate: cannot resume after step %lld of %lld.", (long long) gp->start_step, (long long) steps);
      first_step = gp->start_step;
      memcpy (x, gp->start_latents, (size_t) n_latent * sizeof (float));
    }
  else
    {
      if (gp->initial_latents != NULL)
        memcpy (x, gp->initial_latents, (size_t) n_latent * sizeof (float));
      else
        ae_random_normal (gp->seed, 0, x, n_latent);
      for (int64_t i = 0; i < n_latent; i++)
        x[i] *= sched->init_noise_sigma;
    }

  CHECK (ensure_dit (p, error));
  CHECK ((x_dev = ae_tensor_new (p->ctx, AE_F32, 5, (int64_t[]){ batch, C, T, h, w }, "pipeline.latent_input", error))
         != NULL);
  CHECK ((eps_dev = ae_tensor_new (p->ctx, AE_F32, 5, (int64_t[]){ batch, f->dit.out_channels, T, h, w },
                                   "pipeline.noise_pred", error))
         != NULL);
  double loop_start = ae_monotonic_seconds ();
  video->steps_done = first_step;
  for (int64_t i = first_step; i < steps; i++)
    {
      if (gp->cancel != NULL && atomic_load (gp->cancel))
        {
          ae_set_error (error, AE_ERROR_CANCELLED, "Generation cancelled after %lld of %lld steps.", (long long) i,
                        (long long) steps);
          goto out;
        }
      const float scale = ae_scheduler_input_scale (sched, i);
      for (int64_t b = 0; b < batch; b++)
        for (int64_t j = 0; j < n_latent; j++)
          x_in[b * n_latent + j] = x[j] * scale;
      float timesteps[2] = { sched->timesteps[i], sched->timesteps[i] };
      CHECK (ae_tensor_upload_f32 (x_dev, x_in, error));
      CHECK (ae_dit_forward (p->dit, s, eps_dev, x_dev, context, cfg ? mask : mask + L, timesteps, error));
      CHECK (ae_stream_finish (s, error));
      CHECK (ae_tensor_download_f32 (eps_dev, eps, error));
      const float *e = eps;
      if (cfg)
        {
          for (int64_t j = 0; j < n_latent; j++)
            guided[j] = eps[j] + guidance * (eps[n_latent + j] - eps[j]);
          e = guided;
        }
      if (gp->noise_func != NULL)
        gp->noise_func (i, noise, n_latent, gp->noise_user_data);
      else
        ae_random_normal (gp->seed, (uint64_t) i + 1, noise, n_latent);
      ae_scheduler_step (sched, i, x, e, noise, x0, n_latent);
      video->steps_done = i + 1;
      if (gp->progress != NULL)
        {
          const double elapsed = ae_monotonic_seconds () - loop_start;
          const int64_t done = i + 1 - first_step;
          latent_preview (preview, x0, C, T * h * w);
          ae_progress pr = {
            .step = i + 1,
            .total = steps,
            .elapsed = elapsed,
            .remaining = elapsed / (double) done * (double) (steps - i - 1),
            .preview = preview,
            .preview_frames = T,
            .preview_height = h,
            .preview_width = w,
          };
          if (!gp->progress (&pr, gp->progress_user_data))
            {
              if (gp->cancel != NULL)
                atomic_store (gp->cancel, 1);
              if (i + 1 < steps)
                {
                  ae_set_error (error, AE_ERROR_CANCELLED, "Generation cancelled after %lld of %lld steps.",
                                (long long) (i + 1), (long long) steps);
                  goto out;
                }
            }
        }
    }
  ae_clear_pointer (&x_dev, ae_tensor_free);
  ae_clear_pointer (&eps_dev, ae_tensor_free);
  ae_clear_pointer (&context, ae_tensor_free);
  if (!keep)
    ae_clear_pointer (&p->dit, ae_dit_free);
  video->seconds_denoise = ae_monotonic_seconds () - t0;

  /* ---- decode ---- */
  t0 = ae_monotonic_seconds ();
  CHECK (ensure_vae (p, error));
  for (int64_t j = 0; j < n_latent; j++)
    x0[j] = x[j] / (float) f->vae.scaling_factor;
  const int64_t r = f->vae.temporal_compression_ratio;
  const int64_t OF = T * r, OH = h * 8, OW = w * 8;
  CHECK ((z_dev = ae_tensor_new (p->ctx, AE_F32, 5, (int64_t[]){ 1, C, T, h, w }, "pipeline.z", error)) != NULL);
  CHECK ((video_dev = ae_tensor_new (p->ctx, AE_F32, 5, (int64_t[]){ 1, f->vae.out_channels, OF, OH, OW },
                                     "pipeline.video", error))
         != NULL);
  CHECK (ae_tensor_upload_f32 (z_dev, x0, error));
  CHECK (ae_vae_decode (p->vae, s, video_dev, z_dev, error));
  decoded = malloc ((size_t) (f->vae.out_channels * OF * OH * OW) * sizeof (float));
  CHECK (ae_tensor_download_f32 (video_dev, decoded, error));
  if (!keep)
    ae_clear_pointer (&p->vae, ae_vae_free);

  /* Crop to the asked size; (x / 2 + 0.5).clamp (0, 1), then round (x 255). */
  frames = AE_MIN (frames, OF);
  video->frames = frames;
  video->height = height;
  video->width = width;
  video->rgb = malloc ((size_t) (frames * height * width * 3));
  for (int64_t c = 0; c < 3 && c < f->vae.out_channels; c++)
    for (int64_t t = 0; t < frames; t++)
      for (int64_t y = 0; y < height; y++)
        for (int64_t xx = 0; xx < width; xx++)
          {
            float v = decoded[((c * OF + t) * OH + y) * OW + xx] * 0.5f + 0.5f;
            v = v < 0 ? 0 : v > 1 ? 1 : v;
            video->rgb[((t * height + y) * width + xx) * 3 + c] = (uint8_t) nearbyintf (v * 255.0f);
          }
  if (want_decoded)
    video->decoded = ae_steal_pointer (&decoded);
  video->seconds_decode = ae_monotonic_seconds () - t0;
  ok = true;

out:
  if (x != NULL)
    {
      /* The latents reached, also on failure or cancellation (to resume). */
      video->latents = ae_steal_pointer (&x);
      video->latent_shape[0] = C;
      video->latent_shape[1] = T;
      video->latent_shape[2] = h;
      video->latent_shape[3] = w;
    }
  ae_tensor_free (context);
  ae_tensor_free (x_dev);
  ae_tensor_free (eps_dev);
  ae_tensor_free (z_dev);
  ae_tensor_free (video_dev);
  ae_stream_free (s);
  ae_scheduler_free (sched);
  free (pos);
  free (neg);
  free (ids);
  free (mask);
  free (x0);
  free (x_in);
  free (eps);
  free (guided);
  free (noise);
  free (decoded);
  free (preview);
  return ok;
}

bool
ae_memory_plan_compute (const ae_model_folder *f, const ae_pipeline_params *params, const ae_generate_params *gp,
                        uint64_t budget, ae_memory_plan *plan, ae_error *error)
{
  const int64_t frames = gp->frames > 0 ? gp->frames : f->dit.sample_frames * 4;
  const int64_t height = gp->height > 0 ? gp->height : f->dit.sample_height * 8;
  const int64_t width = gp->width > 0 ? gp->width : f->dit.sample_width * 8;
  const int64_t L = gp->max_sequence_length > 0 ? gp->max_sequence_length : f->tokenizer_max_length;
  const int64_t batch = (gp->guidance_scale > 0 ? gp->guidance_scale : ae_model_folder_guidance (f)) > 1.0 ? 2 : 1;
  int64_t T, h, w;
  ae_t5 *t5;
  ae_dit *dit;
  ae_vae *vae;

  memset (plan, 0, sizeof *plan);
  latent_size (f, frames, height, width, &T, &h, &w);
  /* Shape-only models: the weights' sizes without files or memory. */
  if ((t5 = ae_t5_load (NULL, &f->t5, NULL, params->t5_dtype, error)) == NULL)
    return false;
  plan->t5_weights = ae_t5_weight_bytes (t5);
  ae_t5_free (t5);
  if ((dit = ae_dit_load (NULL, &f->dit, NULL, params->dit_dtype, error)) == NULL)
    return false;
  plan->dit_weights = ae_dit_weight_bytes (dit);
  ae_dit_free (dit);
  if ((vae = ae_vae_load (NULL, &f->vae, NULL, params->vae_dtype, error)) == NULL)
    return false;
  plan->vae_weights = ae_vae_weight_bytes (vae);
  plan->vae_work = ae_vae_decode_workspace_bytes (vae, T, h, w);
  ae_vae_free (vae);

  const uint64_t context = (uint64_t) batch * L * f->t5.d_model * 4;
  const uint64_t latents = (uint64_t) batch * f->dit.in_channels * T * h * w * 4 * 2;
  plan->t5_work = ae_t5_workspace_bytes (&f->t5, params->t5_dtype, batch, L) + context;
  plan->dit_work = ae_dit_workspace_bytes (&f->dit, params->dit_dtype, batch, T, h, w, L) + context + latents;
  plan->budget = budget;

  const uint64_t text = plan->t5_weights + plan->t5_work;
  const uint64_t denoise = plan->dit_weights + plan->dit_work;
  const uint64_t decode = plan->vae_weights + plan->vae_work;
  const uint64_t largest_work = AE_MAX (plan->t5_work, AE_MAX (plan->dit_work, plan->vae_work));
  const uint64_t all = plan->t5_weights + plan->dit_weights + plan->vae_weights + largest_work;
  /* The arena hands out 256 MiB blocks: keep a tenth of the budget spare. */
  const uint64_t usable = budget - budget / 10;

  plan->keep_all = all <= usable;
  plan->peak = plan->keep_all ? all : AE_MAX (text, AE_MAX (denoise, decode));
  plan->fits = plan->peak <= usable;
  return true;
}

bool
ae_pipeline_plan (const ae_pipeline *p, const ae_generate_params *gp, ae_memory_plan *plan, ae_error *error)
{
  ae_memory_stats stats;
  ae_context_memory_stats (p->ctx, &stats);
  return ae_memory_plan_compute (p->folder, &p->params, gp, stats.budget, plan, error);
}

/* Source coordinate of output index i for a resize from n_in to n_out
 * (PyTorch's align_corners=False): (i + 0.5) n_in / n_out - 0.5, clamped. */
static void
linear_taps (int64_t i, int64_t n_in, int64_t n_out, int64_t *i0, int64_t *i1, float *frac)
{
  double x = ((double) i + 0.5) * (double) n_in / (double) n_out - 0.5;
  if (x < 0)
    x = 0;
  *i0 = (int64_t) floor (x);
  if (*i0 > n_in - 1)
    *i0 = n_in - 1;
  *i1 = AE_MIN (*i0 + 1, n_in - 1);
  *frac = (float) (x - (double) *i0);
}

void
ae_pipeline_resize_latents (const float *draft, int64_t channels, int64_t t, int64_t h, int64_t w, float *out,
                            int64_t T, int64_t H, int64_t W)
{
  for (int64_t c = 0; c < channels; c++)
    for (int64_t a = 0; a < T; a++)
      {
        int64_t a0, a1;
        float fa;
        linear_taps (a, t, T, &a0, &a1, &fa);
        for (int64_t b = 0; b < H; b++)
          {
            int64_t b0, b1;
            float fb;
            linear_taps (b, h, H, &b0, &b1, &fb);
            for (int64_t d = 0; d < W; d++)
              {
                int64_t d0, d1;
                float fd;
                linear_taps (d, w, W, &d0, &d1, &fd);
#define AT(x, y, z) draft[((c * t + (x)) * h + (y)) * w + (z)]
                float v0 = (AT (a0, b0, d0) * (1 - fd) + AT (a0, b0, d1) * fd) * (1 - fb)
                           + (AT (a0, b1, d0) * (1 - fd) + AT (a0, b1, d1) * fd) * fb;
                float v1 = (AT (a1, b0, d0) * (1 - fd) + AT (a1, b0, d1) * fd) * (1 - fb)
                           + (AT (a1, b1, d0) * (1 - fd) + AT (a1, b1, d1) * fd) * fb;
#undef AT
                out[((c * T + a) * H + b) * W + d] = v0 * (1 - fa) + v1 * fa;
              }
          }
      }
}

bool
ae_pipeline_encode_video (ae_pipeline *p, const uint8_t *rgb, int64_t frames, int64_t height, int64_t width,
                          float **latents, int64_t shape[4], ae_error *error)
{
  const ae_model_folder *f = p->folder;
  const int64_t r = f->vae.temporal_compression_ratio, C = f->vae.latent_channels;
  const int64_t F = AE_DIV_UP (frames, r) * r;
  ae_stream *s = NULL;
  ae_tensor *video = NULL, *moments = NULL;
  float *pixels = NULL, *m = NULL;
  bool ok = false;

  *latents = NULL;
  if (frames < 1 || height % 8 != 0 || width % 8 != 0)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "Encode: the video must have frames and sides that are multiples of 8 "
                    "(got %lldx%lld).",
                    (long long) width, (long long) height);
      return false;
    }
  if (!ensure_vae (p, error))
    return false;
  pixels = malloc ((size_t) (3 * F * height * width) * sizeof (float));
  for (int64_t c = 0; c < 3; c++)
    for (int64_t t = 0; t < F; t++)
      for (int64_t i = 0; i < height * width; i++)
        pixels[(c * F + t) * height * width + i]
            = (float) rgb[(AE_MIN (t, frames - 1) * height * width + i) * 3 + c] / 127.5f - 1.0f;
  const int64_t T = F / r, h = height / 8, w = width / 8;
  if ((s = ae_stream_new (p->ctx, error)) == NULL
      || (video = ae_tensor_new (p->ctx, AE_F32, 5, (int64_t[]){ 1, 3, F, height, width }, "encode.video", error))
             == NULL
      || (moments = ae_tensor_new (p->ctx, AE_F32, 5, (int64_t[]){ 1, 2 * C, T, h, w }, "encode.moments", error))
             == NULL
      || !ae_tensor_upload_f32 (video, pixels, error) || !ae_vae_encode (p->vae, s, moments, video, error))
    goto out;
  m = malloc ((size_t) (2 * C * T * h * w) * sizeof (float));
  if (!ae_tensor_download_f32 (moments, m, error))
    goto out;
  *latents = malloc ((size_t) (C * T * h * w) * sizeof (float));
  for (int64_t i = 0; i < C * T * h * w; i++)
    (*latents)[i] = m[i] * (float) f->vae.scaling_factor;
  shape[0] = C;
  shape[1] = T;
  shape[2] = h;
  shape[3] = w;
  ok = true;
out:
  free (pixels);
  free (m);
  ae_tensor_free (video);
  ae_tensor_free (moments);
  ae_stream_free (s);
  return ok;
}
