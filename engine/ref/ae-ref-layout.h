/* ae-ref-layout.h: references for ae-ops-layout.h.
 *
 * Shapes are outermost first; arrays are contiguous unless strides are given.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* out (contiguous, `shape`) = in read through in_stride (elements, >= 0)
 * starting at in[0]: the copy of a strided view.  ndim 1 to 8. */
void ae_ref_copy_strided (float *out, const float *in, int ndim, const int64_t *shape, const int64_t *in_stride);

/* out = contiguous in [in_shape] permuted as torch.permute(perm) does. */
void ae_ref_permute (float *out, const float *in, int ndim, const int64_t *in_shape, const int *perm);

/* tokens [B, N, C*pt*p*p] from video [B, C, T, H, W]; see ae_op_patchify. */
void ae_ref_patchify (float *tokens, const float *video, int64_t b, int64_t c, int64_t t, int64_t h, int64_t w,
                      int patch, int patch_t);

/* video [B, C, T, H, W] from proj [B, N, pt*p*p*C]; see ae_op_unpatchify. */
void ae_ref_unpatchify (float *video, const float *proj, int64_t b, int64_t c, int64_t t, int64_t h, int64_t w,
                        int patch, int patch_t);

/* out [n][dim] = table[ids[i]] (table [vocab][dim]); ids outside [0, vocab) give zeros. */
void ae_ref_embedding (float *out, const int32_t *ids, int64_t n, const float *table, int64_t vocab, int64_t dim);

/* transformers' T5 _relative_position_bucket for one relative position
 * (key - query), with its float32 log. */
int ae_ref_t5_bucket (int64_t relative_position, int num_buckets, int max_distance, bool bidirectional);

/* The full bias out [heads][n_queries][n_keys] = weight[bucket(j - i)][h]
 * for weight [num_buckets][heads], as T5's compute_bias makes it. */
void ae_ref_t5_bias (float *out, const float *weight, int64_t heads, int64_t n_queries, int64_t n_keys, int num_buckets,
                     int max_distance, bool bidirectional);

/* x, out [b][n][heads][head_dim] (contiguous), n = gt * gh * gw tokens in
 * (t, h, w) order; cos_t/sin_t [gt][head_dim/3] etc. are the per-axis tables
 * of ae_rope_1d_table.  Per chunk of d = head_dim/3: out = x*cos + rotate_half(x)*sin
 * in float32 (products, then the sum, each rounded). */
void ae_ref_rope_3d (float *out, const float *x, int64_t b, int64_t heads, int64_t head_dim, int64_t gt, int64_t gh,
                     int64_t gw, const float *cos_t, const float *sin_t, const float *cos_h, const float *sin_h,
                     const float *cos_w, const float *sin_w);
