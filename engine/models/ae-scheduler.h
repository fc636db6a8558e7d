/* ae-scheduler.h: the Euler-Ancestral discrete scheduler (diffusers'
 * EulerAncestralDiscreteScheduler, spec section 4) as configured by
 * scheduler_config.json, and the engine's own seeded Gaussian noise.
 *
 * The sampler's arithmetic is small (a few million floats per step) and runs
 * on the host in f32, in the reference's order of operations.
 *
 * Thread-safety: a scheduler belongs to one generation at a time.
 */
#pragma once

#include "ae-model-folder.h"

typedef struct
{
  ae_scheduler_config config;
  int64_t num_train_timesteps;
  float *betas;          /* [num_train_timesteps] */
  float *alphas_cumprod; /* [num_train_timesteps] */
  int64_t steps;         /* after ae_scheduler_set_timesteps */
  float *timesteps;      /* [steps], fractional for "linspace" spacing */
  float *sigmas;         /* [steps + 1], the last one 0 */
  float init_noise_sigma;
} ae_scheduler;

/* Builds the training tables (betas, alphas_cumprod) from the config. */
ae_scheduler *ae_scheduler_new (const ae_scheduler_config *config, ae_error *error);
void ae_scheduler_free (ae_scheduler *scheduler);

/* set_timesteps (steps): timesteps and sigmas for that many steps. */
bool ae_scheduler_set_timesteps (ae_scheduler *scheduler, int64_t steps, ae_error *error);

/* scale_model_input: x / sqrt (sigma_i^2 + 1); returns that factor's
 * denominator's inverse so callers can scale on the device. */
float ae_scheduler_input_scale (const ae_scheduler *scheduler, int64_t step);

/* One step i on the host, in place: x (n floats) becomes x_{i+1} from the
 * model's output (epsilon or v, per prediction_type) and the ancestral
 * noise (n standard normal floats; ignored where sigma_up is 0, but always
 * given, as the reference always draws it).  pred_original (n floats) may be
 * NULL; otherwise it receives x0, the current estimate of the clean latent
 * (the pipeline's cheap preview). */
void ae_scheduler_step (const ae_scheduler *scheduler, int64_t step, float *x, const float *model_output,
                        const float *noise, float *pred_original, int64_t n);

/* ---- noise ----
 *
 * The engine's own generator, so the same seed gives the same video on
 * every machine: Philox-4x32-10 (Salmon et al., SC'11) keyed by the 64-bit
 * seed, with a 64-bit stream number and a 64-bit block counter; each block's
 * four 32-bit words become four standard normals by the Box-Muller transform
 * (u1 = (w0 + 1) / 2^32, u2 = w1 / 2^32, in double precision).  Element j of
 * stream s is normal number j of that stream.  The pipeline draws its initial
 * latents from stream 0 and the ancestral noise of step i from stream i + 1,
 * so a resumed generation draws exactly what an uninterrupted one would. */
void ae_random_normal (uint64_t seed, uint64_t stream, float *out, int64_t n);
