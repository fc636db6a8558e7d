/* ae-pipeline.h: text to video with Allegro (spec section 2): prompt ->
 * tokens -> T5 -> the DiT loop with classifier-free guidance and the
 * Euler-Ancestral sampler -> tiled VAE decode -> RGB8 frames.
 *
 * Memory plan.  The stages run one after the other; a model is loaded when
 * its stage starts and, unless the whole set fits the device's budget with
 * room to spare, freed when it ends (T5 is 19 GB in f32, 9.5 GB in bf16), so
 * the peak is the largest stage, not the sum.  ae_pipeline_plan says what a
 * generation will hold at each stage without loading anything.
 *
 * Thread-safety: one generation at a time per pipeline; the progress
 * callback runs on the generating thread.
 */
#pragma once

#include <stdatomic.h>

#include "ae-model-folder.h"
#include "ae-vae.h"

typedef struct ae_pipeline ae_pipeline;

typedef struct
{
  ae_dtype t5_dtype;  /* 0 (f32) by default; bf16 for the real model */
  ae_dtype dit_dtype; /* f32, f16 or bf16 */
  ae_dtype vae_dtype; /* f32 by default (the reference's advice) */
  /* Keep every model loaded between generations when they fit the budget
   * (the app's default); false frees each after its stage. */
  bool keep_loaded;
} ae_pipeline_params;

/* Opens the folder (configs and weight files); loads nothing yet. */
ae_pipeline *ae_pipeline_new (ae_context *ctx, const char *model_dir, const ae_pipeline_params *params,
                              ae_error *error);
void ae_pipeline_free (ae_pipeline *pipeline);
const ae_model_folder *ae_pipeline_folder (const ae_pipeline *pipeline);

typedef struct
{
  int64_t step, total;       /* step done (1-based) of total */
  double elapsed, remaining; /* seconds; remaining estimated from the mean step */
  /* A cheap preview of the current prediction of the clean video: RGB8,
   * preview_frames x preview_height x preview_width x 3 (latent resolution,
   * a fixed linear map of the 4 latent channels), or NULL. */
  const uint8_t *preview;
  int64_t preview_frames, preview_height, preview_width;
} ae_progress;

/* Return false to cancel (as setting the cancel flag does). */
typedef bool (*ae_progress_func) (const ae_progress *progress, void *user_data);

typedef struct
{
  const char *prompt;
  const char *negative_prompt; /* NULL: the reference's default negative prompt (with templates) or "" */
  bool raw_prompts;            /* true: no templates, only the lower().strip() preprocessing */
  uint64_t seed;
  int64_t steps;                 /* 0: 100 */
  float guidance_scale;          /* 0: 7.5; <= 1 turns guidance off */
  int64_t width, height, frames; /* 0: the transformer's sample size x 8 (x 4 frames) */
  int64_t max_sequence_length;   /* 0: the tokenizer's (512) */

  /* Optional inputs (fixtures, resumption, refinement). */
  const float *initial_latents; /* unscaled N(0,1) latents [4, T, H/8, W/8] instead of our generator's */
  /* The ancestral noise of step i instead of our generator's (fixtures). */
  void (*noise_func) (int64_t step, float *out, int64_t n, void *user_data);
  void *noise_user_data;
  /* Resume: latents after `start_step` steps (the saved latent of a cancelled
   * job), or, for refine, a clean latent noised to `strength`. */
  const float *start_latents;
  int64_t start_step;
  float strength; /* refine: 0 < strength <= 1; start_latents is then the clean (x0) latent */

  ae_progress_func progress;
  void *progress_user_data;
  atomic_int *cancel;
} ae_generate_params;

typedef struct
{
  int64_t frames, height, width;
  uint8_t *rgb;   /* frames x height x width x 3, malloc'ed */
  float *decoded; /* optional (want_decoded): [3, 4 T, 8 h, 8 w] before crop and clamp */
  float *latents; /* final latents [4, T, h, w], malloc'ed */
  int64_t latent_shape[4];
  /* Prompt tokens as encoded (for the record and the fixtures). */
  int32_t *prompt_ids, *negative_ids;
  int64_t text_length;
  double seconds_text, seconds_denoise, seconds_decode;
  int64_t steps_done; /* < steps when cancelled */
} ae_video;

void ae_video_clear (ae_video *video);

/* Generates; on cancellation returns false with AE_ERROR_CANCELLED and
 * leaves the latents reached in video->latents (steps_done says after how
 * many steps), so the job can resume.  want_decoded keeps the raw VAE output. */
bool ae_pipeline_generate (ae_pipeline *pipeline, const ae_generate_params *params, bool want_decoded, ae_video *video,
                           ae_error *error);

/* The latent size for a pixel size (spec 2.4). */
void ae_pipeline_latent_size (const ae_pipeline *pipeline, int64_t frames, int64_t height, int64_t width, int64_t *t,
                              int64_t *h, int64_t *w);

/* ---- memory plan ---- */

typedef struct
{
  uint64_t t5_weights, t5_work;
  uint64_t dit_weights, dit_work;
  uint64_t vae_weights, vae_work;
  uint64_t peak;   /* the largest stage, with what stays resident */
  uint64_t budget; /* the device's */
  bool keep_all;   /* every model fits at once */
  bool fits;
} ae_memory_plan;

/* Computed from the configs and dtypes alone: nothing is loaded.  Works on
 * a folder whose weight files are absent (model_dir with configs only) when
 * built with ae_pipeline_plan_configs. */
bool ae_pipeline_plan (const ae_pipeline *pipeline, const ae_generate_params *params, ae_memory_plan *plan,
                       ae_error *error);

/* The same from a folder's configs alone (its weight sets may be NULL):
 * weights counted from the shapes the configs imply, workspaces from the
 * sizes.  budget: the device's (ae_memory_stats.budget). */
bool ae_memory_plan_compute (const ae_model_folder *folder, const ae_pipeline_params *params,
                             const ae_generate_params *gp, uint64_t budget, ae_memory_plan *plan, ae_error *error);

/* Tests and fixtures: the VAE's tile geometry (the reference hard-codes it;
 * the fixtures override it). */
void ae_pipeline_set_vae_tiling (ae_pipeline *pipeline, const ae_vae_tiling *tiling);

/* ---- refine ---- */

/* A draft's latent [C, t, h, w] resized to the latent of a final of
 * frames x height x width (trilinear, align_corners=False, as
 * F.interpolate), into out (C x T x H x W floats of the final's latent
 * size, see ae_pipeline_latent_size).  Feed it to ae_pipeline_generate as
 * start_latents with a strength to refine. */
void ae_pipeline_resize_latents (const float *draft, int64_t channels, int64_t t, int64_t h, int64_t w, float *out,
                                 int64_t T, int64_t H, int64_t W);

/* A draft's video back to a clean latent through the VAE encoder (the
 * distribution's mean times the scaling factor): rgb frames x height x
 * width x 3; frames a multiple of 4 (the last frame is repeated to get
 * there), height and width multiples of 8.  *latents is malloc'ed
 * [C, frames / 4, height / 8, width / 8]. */
bool ae_pipeline_encode_video (ae_pipeline *pipeline, const uint8_t *rgb, int64_t frames, int64_t height, int64_t width,
                               float **latents, int64_t shape[4], ae_error *error);
