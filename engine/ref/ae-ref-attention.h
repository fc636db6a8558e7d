/* ae-ref-attention.h: reference for ae-ops-attention.h. */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct
{
  int64_t batch, heads, nq, nk, head_dim;
  /* The multiplier of q.k as the kernel uses it (already resolved from 0). */
  float scale;
  /* Optional [batch][nk] and [heads][nq + nk - 1], contiguous, or NULL. */
  const float *key_bias;
  const float *position_bias;
  /* Keys attended: 0 .. kv_len-1 (0 means nk). */
  int64_t kv_len;
} ae_ref_attention_params;

/* out = softmax(scale * q k^T + key_bias + position_bias) v, with q, out
 * [batch][heads][nq][head_dim] and k, v [batch][heads][nk][head_dim], all
 * contiguous.  Scores of one query row are kept in double; keys past kv_len
 * or with key_bias <= -1e30 take no part, and a row left with no key is 0. */
void ae_ref_attention (float *out, const float *q, const float *k, const float *v,
                       const ae_ref_attention_params *params);
