/* ae-ref-norm.h: references for ae-ops-norm.h.
 *
 * Tensors are plain row-major float arrays; sums are taken in double and in
 * two passes (mean, then squared deviations).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Layer norm of `rows` rows of `cols`; weight and bias [cols] or NULL. */
void ae_ref_layer_norm (float *out, const float *x, const float *weight, const float *bias, size_t rows, size_t cols,
                        float eps);
/* Layer norm (no affine) then out = n * (1 + scale[b]) + shift[b], x [batch][rows][cols],
 * scale and shift [batch][cols]. */
void ae_ref_layer_norm_modulate (float *out, const float *x, const float *scale, const float *shift, size_t batch,
                                 size_t rows, size_t cols, float eps);
/* out = x * rsqrt(mean(x^2) + eps) * weight; weight [cols] or NULL. */
void ae_ref_rms_norm (float *out, const float *x, const float *weight, size_t rows, size_t cols, float eps);
/* Softmax over each row of `cols`. */
void ae_ref_softmax (float *out, const float *x, size_t rows, size_t cols);
/* Group norm of x [batch][channels][frames][pixels] (pixels = H * W) in
 * `groups` groups, statistics per frame or over all frames; weight and bias
 * [channels] or NULL; SiLU after when silu. */
void ae_ref_group_norm (float *out, const float *x, const float *weight, const float *bias, size_t batch,
                        size_t channels, size_t frames, size_t pixels, size_t groups, float eps, bool per_frame,
                        bool silu);
