/* ae-ops-attention.h: scaled dot-product attention (flash attention).
 *
 * One kernel serves the DiT's self- and cross-attention (24 heads x 96,
 * up to 79,200 tokens) and T5's encoder (64 heads x 64, 512 tokens,
 * unscaled, relative-position bias).  It never materialises the Nq x Nk
 * score matrix: keys are visited in blocks with an online softmax.
 */
#pragma once

#include "ae-engine.h"

/* The largest head dimension the kernels keep in registers. */
#define AE_ATTENTION_MAX_HEAD_DIM 128

/* Logits below this key bias mean "no key here" (T5 pads keys with
 * finfo(f32).min): such keys are skipped, not weighted by e^-huge. */
#define AE_ATTENTION_SKIP_BIAS (-1e30f)

/* What is added to the logits, and which keys take part.  A zeroed struct
 * (or NULL) is plain softmax(q k^T / sqrt(D)) v over all keys. */
typedef struct
{
  /* Multiplier of q.k.  0 means 1/sqrt(D).  T5 attention is unscaled: give
   * exactly 1.0f.  Must be finite. */
  float scale;
  /* Optional f32 [B, Nk], any strides: key_bias[b][j] is added to every
   * logit of key j in batch entry b (every head and query).  The DiT's
   * cross-attention passes (1 - mask) * -10000 here.  A key whose bias is
   * <= AE_ATTENTION_SKIP_BIAS (T5's finfo(f32).min padding) is left out of
   * the softmax altogether. */
  const ae_tensor *key_bias;
  /* Optional f32 [H, Nq + Nk - 1], any strides: position_bias[h][(j - i) + (Nq - 1)]
   * is added to the logit of query i and key j of head h, for every batch
   * entry (T5's relative-position bias, one row per head and offset). */
  const ae_tensor *position_bias;
  /* Attend only to keys 0 .. kv_len-1 (0 means all Nk).  Right-padded text
   * gives the same result with kv_len = the valid tokens, for less work. */
  int64_t kv_len;
} ae_attention_params;

/* out = softmax(scale * q k^T + key_bias + position_bias) v, per batch entry
 * and head.
 *
 * q:   [B, H, Nq, D]      k, v: [B, H, Nk, D]      out: [B, H, Nq, D]
 *
 * All four are 4-D with any non-negative element strides, so the model
 * passes views of its [B, N, H*D] projections without a permute: a view
 * with shape [B, H, N, D] and strides (N*H*D, D, H*D, 1).  Strides of zero
 * broadcast q, k or v (not out, whose elements must not overlap).
 * q, k, v and out share one dtype: f32, f16 or bf16; arithmetic is fp32
 * except on the nv_cm path, where f16 and bf16 operands and the softmax
 * weights P feed the tensor cores as fp16 (bf16 -> fp16 is exact up to
 * +-65504, clamped beyond); f32 storage runs the tiled kernel there, since
 * rounding large (T5) logits' operands to fp16 would cost ~1e-3.
 * D is any head dimension from 1 to AE_ATTENTION_MAX_HEAD_DIM; multiples of
 * 4 (24, 64, 96, 128), unit D strides and 16-byte aligned rows get vector
 * loads.
 *
 * A query row whose keys are all skipped (kv_len, or key_bias <=
 * AE_ATTENTION_SKIP_BIAS) gets zeros.  Tensors larger than one storage
 * binding are split over batch entries, heads and query rows; a single
 * head whose keys or values exceed the binding range is refused with an
 * error saying so.
 *
 * params may be NULL for the defaults. */
bool ae_op_attention (ae_stream *s, ae_tensor *out, const ae_tensor *q, const ae_tensor *k, const ae_tensor *v,
                      const ae_attention_params *params, ae_error *error);

/* Tests only: ae_op_attention through the nv_cm kernel with its cooperative
 * matrix operations emulated (shared memory and shuffles), on any device, so
 * that CI without tensor cores checks that kernel's tiling, staging, masks
 * and lazy rescaling.  f16 and bf16 only; slow. */
bool ae_op_attention_emulated_cm (ae_stream *s, ae_tensor *out, const ae_tensor *q, const ae_tensor *k,
                                  const ae_tensor *v, const ae_attention_params *params, ae_error *error);
