/* ref-norm.c */
#include "ref/ae-ref.h"

#include <math.h>

static void
row_stats (const float *x, size_t n, bool center, double *mean, double *rstd, float eps)
{
  double sum = 0, sq = 0;

  for (size_t i = 0; i < n; i++)
    sum += x[i];
  *mean = center ? sum / (double) n : 0;
  for (size_t i = 0; i < n; i++)
    sq += (x[i] - *mean) * (x[i] - *mean);
  *rstd = 1 / sqrt (sq / (double) n + eps);
}

void
ae_ref_layer_norm (float *out, const float *x, const float *weight, const float *bias, size_t rows, size_t cols,
                   float eps)
{
  for (size_t r = 0; r < rows; r++)
    {
      const float *xr = x + r * cols;
      double mean, rstd;
      row_stats (xr, cols, true, &mean, &rstd, eps);
      for (size_t c = 0; c < cols; c++)
        {
          double y = (xr[c] - mean) * rstd;
          if (weight != NULL)
            y *= weight[c];
          if (bias != NULL)
            y += bias[c];
          out[r * cols + c] = (float) y;
        }
    }
}

void
ae_ref_layer_norm_modulate (float *out, const float *x, const float *scale, const float *shift, size_t batch,
                            size_t rows, size_t cols, float eps)
{
  for (size_t b = 0; b < batch; b++)
    for (size_t r = 0; r < rows; r++)
      {
        size_t row = b * rows + r;
        const float *xr = x + row * cols;
        double mean, rstd;
        row_stats (xr, cols, true, &mean, &rstd, eps);
        for (size_t c = 0; c < cols; c++)
          out[row * cols + c] = (float) ((xr[c] - mean) * rstd * (1.0 + scale[b * cols + c]) + shift[b * cols + c]);
      }
}

void
ae_ref_rms_norm (float *out, const float *x, const float *weight, size_t rows, size_t cols, float eps)
{
  for (size_t r = 0; r < rows; r++)
    {
      const float *xr = x + r * cols;
      double mean, rstd;
      row_stats (xr, cols, false, &mean, &rstd, eps);
      for (size_t c = 0; c < cols; c++)
        out[r * cols + c] = (float) (xr[c] * rstd * (weight != NULL ? weight[c] : 1.0));
    }
}

void
ae_ref_softmax (float *out, const float *x, size_t rows, size_t cols)
{
  for (size_t r = 0; r < rows; r++)
    {
      const float *xr = x + r * cols;
      double m = -INFINITY, sum = 0;
      for (size_t c = 0; c < cols; c++)
        m = fmax (m, xr[c]);
      for (size_t c = 0; c < cols; c++)
        sum += exp (xr[c] - m);
      for (size_t c = 0; c < cols; c++)
        out[r * cols + c] = (float) (exp (xr[c] - m) / sum);
    }
}

void
ae_ref_group_norm (float *out, const float *x, const float *weight, const float *bias, size_t batch, size_t channels,
                   size_t frames, size_t pixels, size_t groups, float eps, bool per_frame, bool silu)
{
  size_t per_group = channels / groups;
  size_t segs = per_frame ? frames : 1;
  size_t seg_frames = per_frame ? 1 : frames;

  for (size_t b = 0; b < batch; b++)
    for (size_t g = 0; g < groups; g++)
      for (size_t t0 = 0; t0 < segs; t0++)
        {
          double sum = 0, sq = 0, n = (double) (per_group * seg_frames * pixels);
          for (int pass = 0; pass < 3; pass++)
            {
              double mean = sum / n, rstd = 1 / sqrt (sq / n + eps);
              for (size_t c = g * per_group; c < (g + 1) * per_group; c++)
                for (size_t t = t0 * seg_frames; t < (t0 + 1) * seg_frames; t++)
                  for (size_t i = 0; i < pixels; i++)
                    {
                      size_t at = ((b * channels + c) * frames + t) * pixels + i;
                      if (pass == 0)
                        sum += x[at];
                      else if (pass == 1)
                        sq += (x[at] - mean) * (x[at] - mean);
                      else
                        {
                          double y = (x[at] - mean) * rstd;
                          if (weight != NULL)
                            y *= weight[c];
                          if (bias != NULL)
                            y += bias[c];
                          if (silu)
                            y = y / (1 + exp (-y));
                          out[at] = (float) y;
                        }
                    }
            }
        }
}
