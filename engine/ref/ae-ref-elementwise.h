/* ae-ref-elementwise.h: references for ae-ops-elementwise.h. */
#pragma once

#include <stddef.h>

/* out[i] = a[i] + b[i % nb], i < n. */
void ae_ref_add (float *out, const float *a, const float *b, size_t n, size_t nb);
/* out[i] = a[i] * b[i % nb], i < n. */
void ae_ref_mul (float *out, const float *a, const float *b, size_t n, size_t nb);
/* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), evaluated as written, in double. */
void ae_ref_gelu_tanh (float *out, const float *x, size_t n);
/* x / (1 + e^-x). */
void ae_ref_silu (float *out, const float *x, size_t n);
/* x * alpha + beta. */
void ae_ref_scale_shift (float *out, const float *x, size_t n, float alpha, float beta);
/* gelu_tanh(a) * b. */
void ae_ref_gated_gelu (float *out, const float *a, const float *b, size_t n);
/* out[b][r][c] = x[b][r][c] * (1 + scale[b][c]) + shift[b][c]; scale and shift [batch][cols]. */
void ae_ref_modulate (float *out, const float *x, const float *scale, const float *shift, size_t batch, size_t rows,
                      size_t cols);
/* out[b][r][c] = h[b][r][c] + gate[b][c] * y[b][r][c]; gate [batch][cols]. */
void ae_ref_gated_residual (float *out, const float *h, const float *y, const float *gate, size_t batch, size_t rows,
                            size_t cols);
