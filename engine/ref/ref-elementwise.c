/* ref-elementwise.c */
#include "ref/ae-ref.h"

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
