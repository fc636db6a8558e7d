/* ae-ops-layout.h: data movement and position encodings.
 *
 * Copies between layouts and dtypes (copy, permute, patchify, unpatchify),
 * embedding lookup, the T5 relative-position bias and Allegro's 3D RoPE,
 * plus the host helpers that build RoPE tables and the timestep sinusoid
 * exactly as diffusers does (allegro-spec.md 3.3, 5.2, 5.3, 5.5).
 *
 * Shapes are written outermost first; "contiguous" means row-major with no
 * gaps.  Float tensors may be f32, f16 or bf16 on either side of every op
 * below unless a dtype is named: values are converted through fp32 on the
 * way (f32 -> f16/bf16 rounds to nearest even where the driver does).
 */
#pragma once

#include "ae-engine.h"

/* ---- copies ---- */

/* out[i...] = in[i...] for every index of their (equal) shapes, up to 5-D.
 * `in` may be any strided view (a permuted, sliced or broadcast one); `out`
 * is usually contiguous, but any view whose elements do not overlap works.
 * Both float (any of f32/f16/bf16, converted: this is also the dtype cast) or
 * both i32 (copied bit for bit).  Tensors past the device's binding range are
 * copied in several dispatches. */
bool ae_op_copy (ae_stream *s, ae_tensor *out, const ae_tensor *in, ae_error *error);

/* out = in permuted: out.shape[k] = in.shape[perm[k]] and
 * out[i_0, ..., i_n-1] = in[j] with j[perm[k]] = i_k (torch.permute's
 * meaning).  perm has in->ndim entries, a permutation of 0..ndim-1.  dtypes
 * and layouts as for ae_op_copy. */
bool ae_op_permute (ae_stream *s, ae_tensor *out, const ae_tensor *in, const int *perm, ae_error *error);

/* ---- DiT patch embedding input and output (spec 5.2, 5.5) ---- */

/* Cuts video [B, C, T, H, W] into patches of patch_t x patch x patch:
 *   tokens [B, N, C * patch_t * patch * patch], N = (T/patch_t) * (H/patch) * (W/patch),
 *   tokens[b][(t * (H/patch) + i) * (W/patch) + j][((c * patch_t + kt) * patch + ky) * patch + kx]
 *     = video[b][c][t * patch_t + kt][i * patch + ky][j * patch + kx].
 * Tokens run over (t, h, w) row-major, as the DiT orders them; inside a patch
 * the order (c, kt, ky, kx) is how PyTorch flattens a Conv2d/Conv3d weight
 * [D, C, (kt,) ky, kx].  So the patch embedding Conv2d(C -> D, k = s = patch)
 * is exactly tokens x W^T with the weight viewed as [D, C * patch * patch]
 * (a plain matmul, bias added after).  Allegro: patch 2, patch_t 1, C 4.
 * T, H, W must be multiples of the patch sizes.  video may be a strided view;
 * tokens may be a view too (e.g. the first N rows of a padded buffer). */
bool ae_op_patchify (ae_stream *s, ae_tensor *tokens, const ae_tensor *video, int patch, int patch_t, ae_error *error);

/* The DiT output's inverse: proj [B, N, patch_t * patch * patch * C] (the
 * proj_out result) -> video [B, C, T, H, W] with
 *   video[b][c][t * patch_t + kt][i * patch + py][j * patch + px]
 *     = proj[b][(t * (H/patch) + i) * (W/patch) + j][((kt * patch + py) * patch + px) * C + c],
 * channel fastest inside the patch vector (unlike ae_op_patchify's order), as
 * diffusers' reshape (B, T, H/p, W/p, p_t, p, p, C) + permute(0,7,1,4,2,5,3,6)
 * does.  C and the video size come from video's shape; proj must have exactly
 * N tokens (pass a view of the first N rows when tokens are padded). */
bool ae_op_unpatchify (ae_stream *s, ae_tensor *video, const ae_tensor *proj, int patch, int patch_t, ae_error *error);

/* ---- embedding lookup ---- */

/* out[n][d] = table[ids[n]][d] for ids i32 of any shape (numel N, e.g. [B, L]),
 * table [V, D] and out [N, D] or ids.shape + [D]; all contiguous.  The ids
 * live on the GPU, so they cannot be checked when the op is recorded: an id
 * outside [0, V) gives a row of zeros (PyTorch would raise).  Tables larger
 * than one binding (T5's [32128, 4096] f32 on lavapipe) are read in several
 * dispatches. */
bool ae_op_embedding (ae_stream *s, ae_tensor *out, const ae_tensor *ids, const ae_tensor *table, ae_error *error);

/* ---- T5 relative-position bias (spec 3.3) ---- */

typedef struct
{
  int num_buckets;    /* relative_attention_num_buckets: 32 for T5; even, 4 to 64 (to 34 when one-way) */
  int max_distance;   /* relative_attention_max_distance: 128 for T5 */
  bool bidirectional; /* true in an encoder */
} ae_t5_bias_params;

/* bias f32 [H, n_queries + n_keys - 1] from weight [num_buckets, H]
 * (relative_attention_bias.weight):
 *   bias[h][(j - i) + (n_queries - 1)] = weight[bucket(j - i)][h]
 * is the bias of query i and key j for head h (the attention kernel reads this
 * layout).  bucket() is transformers' _relative_position_bucket: with
 * n = num_buckets / 2 when bidirectional (else num_buckets), max_exact = n / 2,
 * distances below max_exact are exact, the others take
 * max_exact + trunc(log(r / max_exact) / log(max_distance / max_exact) * (n - max_exact))
 * in float32, capped at n - 1.  The float32 log is evaluated on the host (into
 * bucket thresholds), so the GPU reproduces PyTorch's buckets bit for bit.
 * weight contiguous f32/f16/bf16, bias contiguous f32. */
bool ae_op_t5_bias (ae_stream *s, ae_tensor *bias, const ae_tensor *weight, int64_t n_queries, int64_t n_keys,
                    const ae_t5_bias_params *params, ae_error *error);

/* ---- 3D RoPE (spec 5.3) ---- */

typedef struct
{
  int64_t t, h, w;                  /* the token grid: T, H / patch, W / patch */
  double scale_t, scale_h, scale_w; /* interpolation scales: 2.2, 2.0, 2.0 for Allegro */
  double theta;                     /* 10000 */
} ae_rope_3d_params;

/* One axis's tables as diffusers' get_1d_rotary_pos_embed (use_real,
 * repeat_interleave_real=False) makes them, in float32:
 *   ang_j = (float) p / (float) scale * (1 / theta^((2j) / dim)), j < dim / 2,
 *   cos[p] = [cos(ang_0..), cos(ang_0..)], sin[p] likewise (halves repeated,
 *   not interleaved); cos and sin are [n][dim], dim even. */
void ae_rope_1d_table (float *cos, float *sin, int64_t n, int dim, double scale, double theta);

/* Floats in the packed table ae_op_rope_3d reads: (t + h + w) * 2 * head_dim / 3. */
int64_t ae_rope_3d_table_size (const ae_rope_3d_params *params, int head_dim);

/* Fills the packed table, f32 [t + h + w, 2, head_dim / 3]: the t-axis rows,
 * then h, then w; in each row the cos half then the sin half of that axis's
 * ae_rope_1d_table row.  Upload it into an f32 tensor of that shape once per
 * video size.  Fails when head_dim is not a positive multiple of 6. */
bool ae_rope_3d_table (float *table, const ae_rope_3d_params *params, int head_dim, ae_error *error);

/* Rotates q or k, x [B, N, H, Dh] (a strided view of [B, N, H * Dh], e.g. of
 * a fused qkv output, is fine; the last dimension must be contiguous), with
 * N = t * h * w tokens in (t, h, w) order.  Dh splits into three chunks
 * [t | h | w] of d = Dh / 3, and per chunk, with the token's position p on
 * that axis and c, s its cos and sin table rows:
 *   out[k] = x[k] * c[k] + rotate_half(x)[k] * s[k],
 *   rotate_half(x) = cat(-x[d/2:], x[:d/2]),
 * in fp32 (two products and a sum, each rounded, as PyTorch computes it).
 * out has x's shape and may be x itself (in place) or any non-overlapping
 * view; x and out may differ in float dtype.  table is ae_rope_3d_table's, in
 * an f32 tensor [t + h + w, 2, Dh / 3]; of params, only the grid is read here
 * (the scales are already in the table). */
bool ae_op_rope_3d (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *table,
                    const ae_rope_3d_params *params, ae_error *error);

/* ---- timestep sinusoid (spec 5.2), on the host ---- */

/* out [n][dim] = diffusers' get_timestep_embedding (timesteps, dim,
 * flip_sin_to_cos, downscale_freq_shift, scale = 1, max_period), in float32:
 *   f_j = exp(-ln(max_period) * j / (dim/2 - downscale_freq_shift)), j < dim/2,
 *   row = [sin(t f), cos(t f)], or [cos(t f), sin(t f)] when flip_sin_to_cos,
 * zero-padded by one column when dim is odd.  Allegro: dim 256, flip true,
 * shift 0, max_period 10000; timesteps are fractional. */
void ae_timestep_embedding (float *out, const float *timesteps, int64_t n, int dim, bool flip_sin_to_cos,
                            double downscale_freq_shift, double max_period);
