/* ref-elementwise.c */
#include "ref/ae-ref.h"

#include <math.h>

void
ae_ref_add (float *out, const float *a, const float *b, size_t n, size_t nb)
{
  for (size_t i = 0; i < n; i++)
    out[i] = a[i] + b[i % nb];
}

void
ae_ref_mul (float *out, const float *a, const float *b, size_t n, size_t nb)
{
  for (size_t i = 0; i < n; i++)
    out[i] = a[i] * b[i % nb];
}

static double
gelu_tanh (double x)
{
  return 0.5 * x * (1 + tanh (sqrt (2 / M_PI) * (x + 0.044715 * x * x * x)));
}

void
ae_ref_gelu_tanh (float *out, const float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    out[i] = (float) gelu_tanh (x[i]);
}

void
ae_ref_silu (float *out, const float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    out[i] = (float) (x[i] / (1 + exp (-(double) x[i])));
}

void
ae_ref_scale_shift (float *out, const float *x, size_t n, float alpha, float beta)
{
  for (size_t i = 0; i < n; i++)
    out[i] = (float) ((double) x[i] * alpha + beta);
}

void
ae_ref_gated_gelu (float *out, const float *a, const float *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    out[i] = (float) (gelu_tanh (a[i]) * b[i]);
}

void
ae_ref_modulate (float *out, const float *x, const float *scale, const float *shift, size_t batch, size_t rows,
                 size_t cols)
{
  for (size_t b = 0; b < batch; b++)
    for (size_t r = 0; r < rows; r++)
      for (size_t c = 0; c < cols; c++)
        {
          size_t i = (b * rows + r) * cols + c;
          out[i] = (float) ((double) x[i] * (1.0 + scale[b * cols + c]) + shift[b * cols + c]);
        }
}

void
ae_ref_gated_residual (float *out, const float *h, const float *y, const float *gate, size_t batch, size_t rows,
                       size_t cols)
{
  for (size_t b = 0; b < batch; b++)
    for (size_t r = 0; r < rows; r++)
      for (size_t c = 0; c < cols; c++)
        {
          size_t i = (b * rows + r) * cols + c;
          out[i] = (float) (h[i] + (double) gate[b * cols + c] * y[i]);
        }
}
