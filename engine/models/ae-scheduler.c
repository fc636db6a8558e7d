/* ae-scheduler.c: Euler-Ancestral sampling and Philox noise (spec 4). */
#include <math.h>
#include <string.h>

#include "ae-scheduler.h"

/* torch.linspace in float32: the first half counts up from start, the second
 * down from end, as PyTorch's CPU kernel does. */
static void
linspace_f32 (float *out, int64_t n, float start, float end)
{
  if (n == 1)
    {
      out[0] = start;
      return;
    }
  const float step = (end - start) / (float) (n - 1);
  const int64_t half = n / 2;
  for (int64_t i = 0; i < n; i++)
    out[i] = i < half ? start + step * (float) i : end - step * (float) (n - 1 - i);
}

ae_scheduler *
ae_scheduler_new (const ae_scheduler_config *config, ae_error *error)
{
  const int64_t n = config->num_train_timesteps;
  ae_scheduler *sched;

  if (n < 2 || n > 100000)
    {
      ae_set_error (error, AE_ERROR_INVALID, "Scheduler: num_train_timesteps is %lld; expected 2 to 100000.",
                    (long long) n);
      return NULL;
    }
  if (strcmp (config->prediction_type, "epsilon") != 0 && strcmp (config->prediction_type, "v_prediction") != 0)
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED,
                    "Scheduler: prediction_type \"%s\" is not supported "
                    "(epsilon or v_prediction).",
                    config->prediction_type);
      return NULL;
    }
  if (config->rescale_betas_zero_snr)
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED, "Scheduler: rescale_betas_zero_snr is not supported.");
      return NULL;
    }
  sched = calloc (1, sizeof *sched);
  sched->config = *config;
  sched->num_train_timesteps = n;
  sched->betas = malloc ((size_t) n * sizeof (float));
  sched->alphas_cumprod = malloc ((size_t) n * sizeof (float));
  if (strcmp (config->beta_schedule, "linear") == 0)
    linspace_f32 (sched->betas, n, (float) config->beta_start, (float) config->beta_end);
  else if (strcmp (config->beta_schedule, "scaled_linear") == 0)
    {
      linspace_f32 (sched->betas, n, sqrtf ((float) config->beta_start), sqrtf ((float) config->beta_end));
      for (int64_t i = 0; i < n; i++)
        sched->betas[i] *= sched->betas[i];
    }
  else
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED,
                    "Scheduler: beta_schedule \"%s\" is not supported "
                    "(linear or scaled_linear).",
                    config->beta_schedule);
      ae_scheduler_free (sched);
      return NULL;
    }
  float acp = 1.0f;
  for (int64_t i = 0; i < n; i++)
    {
      acp *= 1.0f - sched->betas[i];
      sched->alphas_cumprod[i] = acp;
    }
  return sched;
}

void
ae_scheduler_free (ae_scheduler *sched)
{
  if (sched == NULL)
    return;
  free (sched->betas);
  free (sched->alphas_cumprod);
  free (sched->timesteps);
  free (sched->sigmas);
  free (sched);
}

bool
ae_scheduler_set_timesteps (ae_scheduler *sched, int64_t steps, ae_error *error)
{
  const int64_t n_train = sched->num_train_timesteps;
  const char *spacing = sched->config.timestep_spacing;
  double *t = NULL, *s_full = NULL;

  if (steps < 1 || steps > n_train)
    {
      ae_set_error (error, AE_ERROR_INVALID, "Scheduler: %lld steps asked; between 1 and %lld are possible.",
                    (long long) steps, (long long) n_train);
      return false;
    }
  t = malloc ((size_t) steps * sizeof (double));
  if (strcmp (spacing, "linspace") == 0)
    {
      /* np.linspace (0, n - 1, steps, dtype=float32)[::-1]: float64 maths, then rounded to f32. */
      for (int64_t i = 0; i < steps; i++)
        {
          double v = steps == 1 ? 0.0 : (double) (n_train - 1) * (double) i / (double) (steps - 1);
          if (i == steps - 1)
            v = (double) (n_train - 1);
          t[steps - 1 - i] = (double) (float) v;
        }
    }
  else if (strcmp (spacing, "leading") == 0)
    {
      const int64_t ratio = n_train / steps;
      for (int64_t i = 0; i < steps; i++)
        t[steps - 1 - i] = (double) (float) (i * ratio + sched->config.steps_offset);
    }
  else if (strcmp (spacing, "trailing") == 0)
    {
      const double ratio = (double) n_train / (double) steps;
      for (int64_t i = 0; i < steps; i++)
        t[i] = (double) (float) (round ((double) n_train - ratio * (double) i) - 1.0);
    }
  else
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED,
                    "Scheduler: timestep_spacing \"%s\" is not supported "
                    "(linspace, leading or trailing).",
                    spacing);
      free (t);
      return false;
    }

  /* sigmas: sqrt ((1 - acp) / acp) in f32 (torch), interpolated at the
   * timesteps in f64 (np.interp), a final 0 appended, rounded to f32. */
  s_full = malloc ((size_t) n_train * sizeof (double));
  for (int64_t i = 0; i < n_train; i++)
    {
      const float acp = sched->alphas_cumprod[i];
      s_full[i] = (double) sqrtf ((1.0f - acp) / acp);
    }
  free (sched->timesteps);
  free (sched->sigmas);
  sched->steps = steps;
  sched->timesteps = malloc ((size_t) steps * sizeof (float));
  sched->sigmas = malloc ((size_t) (steps + 1) * sizeof (float));
  for (int64_t i = 0; i < steps; i++)
    {
      double x = t[i], v;
      if (x <= 0)
        v = s_full[0];
      else if (x >= (double) (n_train - 1))
        v = s_full[n_train - 1];
      else
        {
          int64_t j = (int64_t) floor (x);
          double f = x - (double) j;
          v = s_full[j] + (s_full[j + 1] - s_full[j]) * f;
        }
      sched->timesteps[i] = (float) x;
      sched->sigmas[i] = (float) v;
    }
  sched->sigmas[steps] = 0.0f;
  float max_sigma = 0.0f;
  for (int64_t i = 0; i <= steps; i++)
    max_sigma = fmaxf (max_sigma, sched->sigmas[i]);
  if (strcmp (spacing, "linspace") == 0 || strcmp (spacing, "trailing") == 0)
    sched->init_noise_sigma = max_sigma;
  else
    sched->init_noise_sigma = sqrtf (max_sigma * max_sigma + 1.0f);
  free (t);
  free (s_full);
  return true;
}

float
ae_scheduler_input_scale (const ae_scheduler *sched, int64_t step)
{
  const float sigma = sched->sigmas[step];
  return 1.0f / sqrtf (sigma * sigma + 1.0f);
}

void
ae_scheduler_step (const ae_scheduler *sched, int64_t step, float *x, const float *model_output, const float *noise,
                   float *pred_original, int64_t n)
{
  const float sigma = sched->sigmas[step], sigma_to = sched->sigmas[step + 1];
  const float sigma_up = sqrtf (sigma_to * sigma_to * (sigma * sigma - sigma_to * sigma_to) / (sigma * sigma));
  const float sigma_down = sqrtf (sigma_to * sigma_to - sigma_up * sigma_up);
  const float dt = sigma_down - sigma;
  const bool v_prediction = strcmp (sched->config.prediction_type, "v_prediction") == 0;
  const float v_a = -sigma / sqrtf (sigma * sigma + 1.0f), v_b = sigma * sigma + 1.0f;

  for (int64_t i = 0; i < n; i++)
    {
      const float sample = x[i];
      float x0;
      if (v_prediction)
        x0 = model_output[i] * v_a + sample / v_b;
      else
        x0 = sample - sigma * model_output[i];
      const float derivative = (sample - x0) / sigma;
      float next = sample + derivative * dt;
      next = next + noise[i] * sigma_up;
      x[i] = next;
      if (pred_original != NULL)
        pred_original[i] = x0;
    }
}

/* ---- Philox-4x32-10 ---- */

static inline void
philox_round (uint32_t c[4], const uint32_t k[2])
{
  const uint64_t p0 = (uint64_t) 0xD2511F53u * c[0];
  const uint64_t p1 = (uint64_t) 0xCD9E8D57u * c[2];
  const uint32_t hi0 = (uint32_t) (p0 >> 32), lo0 = (uint32_t) p0;
  const uint32_t hi1 = (uint32_t) (p1 >> 32), lo1 = (uint32_t) p1;
  const uint32_t n0 = hi1 ^ c[1] ^ k[0], n2 = hi0 ^ c[3] ^ k[1];
  c[0] = n0;
  c[1] = lo1;
  c[2] = n2;
  c[3] = lo0;
}

static void
philox4x32_10 (uint64_t seed, uint64_t stream, uint64_t block, uint32_t out[4])
{
  uint32_t c[4] = { (uint32_t) block, (uint32_t) (block >> 32), (uint32_t) stream, (uint32_t) (stream >> 32) };
  uint32_t k[2] = { (uint32_t) seed, (uint32_t) (seed >> 32) };
  for (int r = 0; r < 10; r++)
    {
      if (r > 0)
        {
          k[0] += 0x9E3779B9u;
          k[1] += 0xBB67AE85u;
        }
      philox_round (c, k);
    }
  memcpy (out, c, sizeof c);
}

void
ae_random_normal (uint64_t seed, uint64_t stream, float *out, int64_t n)
{
  const double two_pi = 6.283185307179586476925286766559;
  for (int64_t base = 0; base < n; base += 4)
    {
      uint32_t w[4];
      double z[4];
      philox4x32_10 (seed, stream, (uint64_t) base / 4, w);
      for (int pair = 0; pair < 2; pair++)
        {
          const double u1 = ((double) w[2 * pair] + 1.0) / 4294967296.0;
          const double u2 = (double) w[2 * pair + 1] / 4294967296.0;
          const double r = sqrt (-2.0 * log (u1));
          z[2 * pair] = r * cos (two_pi * u2);
          z[2 * pair + 1] = r * sin (two_pi * u2);
        }
      for (int j = 0; j < 4 && base + j < n; j++)
        out[base + j] = (float) z[j];
    }
}
