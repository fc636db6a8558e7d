/* ae-ops-elementwise.h: element-wise arithmetic and activations.
 *
 * Every op here reads and writes each element in one invocation, so out may
 * be the same tensor as an input (in place).  Tensors past the device's
 * binding range are split into several dispatches. */
#pragma once

#include "ae-engine.h"

/* out[i] = a[i] + b[i % numel(b)]: b's shape must be a suffix of a's (a
 * bias, a per-channel vector), equal to it, or a single element.  out, a, b share one dtype. */
bool ae_op_add (ae_stream *s, ae_tensor *out, const ae_tensor *a, const ae_tensor *b, ae_error *error);
/* out[i] = a[i] * b[i % numel(b)], shapes as for ae_op_add. */
bool ae_op_mul (ae_stream *s, ae_tensor *out, const ae_tensor *a, const ae_tensor *b, ae_error *error);

/* out = GELU(x), tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
 * (T5's gelu_new, the DiT's "gelu-approximate").  out and x: one shape and
 * dtype (f32, f16, bf16), contiguous. */
bool ae_op_gelu_tanh (ae_stream *s, ae_tensor *out, const ae_tensor *x, ae_error *error);
/* out = x * sigmoid(x), shapes and dtypes as ae_op_gelu_tanh. */
bool ae_op_silu (ae_stream *s, ae_tensor *out, const ae_tensor *x, ae_error *error);
/* out = x * alpha + beta with scalar alpha, beta; shapes and dtypes as ae_op_gelu_tanh. */
bool ae_op_scale_shift (ae_stream *s, ae_tensor *out, const ae_tensor *x, float alpha, float beta, ae_error *error);
/* T5's gated feed-forward activation: out = GELU_tanh(a) * b, with out, a
 * and b of one shape and dtype, contiguous. */
bool ae_op_gated_gelu (ae_stream *s, ae_tensor *out, const ae_tensor *a, const ae_tensor *b, ae_error *error);

/* adaLN modulation: out[b][n][c] = x[b][n][c] * (1 + scale[b][c]) + shift[b][c].
 * x, out: [B, N, C] contiguous, one dtype.  scale, shift: [B, C] in that
 * dtype with any strides (rows of the DiT's (B, 6, C) table are views), or
 * [1, C] / [C] for one row shared by every batch.  (ae_op_layer_norm_modulate
 * fuses this with the norm before it.) */
bool ae_op_modulate (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *scale, const ae_tensor *shift,
                     ae_error *error);
/* Gated residual: out[b][n][c] = h[b][n][c] + gate[b][c] * y[b][n][c].
 * out, h, y: [B, N, C] contiguous, one dtype; out may be h (h += gate * y).
 * gate: as scale in ae_op_modulate. */
bool ae_op_gated_residual (ae_stream *s, ae_tensor *out, const ae_tensor *h, const ae_tensor *y, const ae_tensor *gate,
                           ae_error *error);
