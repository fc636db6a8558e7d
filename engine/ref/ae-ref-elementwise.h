/* ae-ref-elementwise.h: references for ae-ops-elementwise.h. */
#pragma once

#include <stddef.h>

/* out[i] = a[i] + b[i % nb], i < n. */
void ae_ref_add (float *out, const float *a, const float *b, size_t n, size_t nb);
/* out[i] = a[i] * b[i % nb], i < n. */
void ae_ref_mul (float *out, const float *a, const float *b, size_t n, size_t nb);
