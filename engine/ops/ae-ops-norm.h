/* ae-ops-norm.h: normalisations and softmax (reductions over part of a tensor).
 *
 * Statistics are fp32 whatever the storage type; layer norm and group norm
 * are exactly two-pass (mean, then the sum of squared deviations), so a
 * large common offset (|mean| >> std) costs no accuracy.  Reductions add in a
 * fixed order and use no atomics: results are reproducible run to run.
 */
#pragma once

#include "ae-engine.h"

/* Layer norm over the last dimension:
 *   out = (x - mean) / sqrt(var + eps) * weight + bias
 * with mean and (biased) var over the last dimension C of x.
 * x: any shape [..., C], contiguous; out: x's shape, contiguous.
 * Dtypes: out has x's dtype, or x is f32 and out f16/bf16 (the fp16 operand
 * of the next GEMM written straight from the fp32 residual stream).
 * weight, bias: NULL (no affine, as in the DiT) or [C] in x's dtype with
 * unit stride (views allowed).  out may not alias x. */
bool ae_op_layer_norm (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *weight, const ae_tensor *bias,
                       float eps, ae_error *error);

/* The DiT's norm then adaLN modulation, fused:
 *   out[b][n][c] = LN(x[b][n])[c] * (1 + scale[b][c]) + shift[b][c]
 * (LN without affine).  x: [B, N, C] contiguous; out: as ae_op_layer_norm.
 * scale, shift: [B, C] in x's dtype with any strides (rows of the (B, 6, C)
 * adaLN table are views), or [1, C] / [C] for one row shared by every batch. */
bool ae_op_layer_norm_modulate (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *scale,
                                const ae_tensor *shift, float eps, ae_error *error);

/* RMS norm over the last dimension (T5):
 *   out = x * rsqrt(mean(x^2) + eps) * weight
 * with no mean subtraction and no bias; the mean of squares is fp32.
 * Shapes and dtypes as ae_op_layer_norm; weight NULL or [C] in x's dtype. */
bool ae_op_rms_norm (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *weight, float eps,
                     ae_error *error);

/* Softmax over the last dimension: out = e^(x - max) / sum e^(x - max).
 * x: [..., C] contiguous, f32, f16 or bf16; out: x's shape and dtype.  A row
 * of -inf gives NaN, as in PyTorch. */
bool ae_op_softmax (ae_stream *s, ae_tensor *out, const ae_tensor *x, ae_error *error);

/* Group norm of NCDHW video. */
typedef struct
{
  int64_t groups; /* G: C must be a multiple of it (the VAE: 32) */
  float eps;      /* the VAE: 1e-6 in its 2D resnets, 1e-5 in its temporal layers */
  /* true: statistics over (C/G, H, W) for each frame, as the VAE's 2D
   * resnets (run per frame) need; false: over (C/G, T, H, W), all frames
   * together, as in its temporal conv layers. */
  bool per_frame;
  bool silu; /* SiLU after the norm (the VAE always follows GN with it) */
} ae_group_norm_params;

/* f32 elements of the workspace the group norm needs for x of this shape
 * ([B, C, T, H, W] or [B, C, H, W]); 0 when the shape or the groups are
 * invalid.  Its first B * G * S * 4 floats are the statistics, S being T in
 * per-frame mode and 1 otherwise, for a consumer that applies the norm
 * itself (a conv's input gather): batch b, group g, segment t has
 * (mean, rstd, mean_low, 0) at [((b * G + g) * S + t) * 4], the exact mean
 * being mean + mean_low ((x - mean) - mean_low keeps every digit when
 * |mean| >> std; x - mean alone loses |mean| * 2^-24).  Partials follow. */
int64_t ae_group_norm_workspace_numel (int ndim, const int64_t *shape, const ae_group_norm_params *params);

/* Group norm:
 *   out[b][c][t][h][w] = (x - mean) * rstd * weight[c] + bias[c]   (then SiLU)
 * with (mean, rstd = 1 / sqrt(var + eps)) of the group of c, and of frame t
 * in per-frame mode.  x: [B, C, T, H, W] or [B, C, H, W] (T = 1), contiguous;
 * out: x's shape and dtype, contiguous (out may be x: in place).
 * weight, bias: NULL or [C] in x's dtype with unit stride.
 * workspace: f32, contiguous, at least ae_group_norm_workspace_numel
 * elements, owned by the caller (it must live until the stream has run);
 * it holds the statistics afterwards.  Groups of ~1e7 values are reduced
 * by many workgroups (chunk statistics merged with Chan's formula), not one. */
bool ae_op_group_norm (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *weight, const ae_tensor *bias,
                       ae_tensor *workspace, const ae_group_norm_params *params, ae_error *error);

/* Only the statistics of ae_op_group_norm, into the workspace (layout above). */
bool ae_op_group_norm_stats (ae_stream *s, ae_tensor *workspace, const ae_tensor *x, const ae_group_norm_params *params,
                             ae_error *error);
