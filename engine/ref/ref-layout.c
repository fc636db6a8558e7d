/* ref-layout.c: naive references for the layout kernels. */
#include "ref/ae-ref.h"

#include <math.h>
#include <string.h>

void
ae_ref_copy_strided (float *out, const float *in, int ndim, const int64_t *shape, const int64_t *in_stride)
{
  int64_t idx[8] = { 0 };
  int64_t n = 1;

  for (int k = 0; k < ndim; k++)
    n *= shape[k];
  for (int64_t e = 0; e < n; e++)
    {
      int64_t rest = e, offset = 0;
      for (int k = ndim - 1; k >= 0; k--)
        {
          idx[k] = rest % shape[k];
          rest /= shape[k];
          offset += idx[k] * in_stride[k];
        }
      out[e] = in[offset];
    }
}

void
ae_ref_permute (float *out, const float *in, int ndim, const int64_t *in_shape, const int *perm)
{
  int64_t in_stride[8], shape[8], stride[8];
  int64_t s = 1;

  for (int k = ndim - 1; k >= 0; k--)
    {
      in_stride[k] = s;
      s *= in_shape[k];
    }
  for (int k = 0; k < ndim; k++)
    {
      shape[k] = in_shape[perm[k]];
      stride[k] = in_stride[perm[k]];
    }
  ae_ref_copy_strided (out, in, ndim, shape, stride);
}

void
ae_ref_patchify (float *tokens, const float *video, int64_t b, int64_t c, int64_t t, int64_t h, int64_t w, int patch,
                 int patch_t)
{
  int64_t gt = t / patch_t, gh = h / patch, gw = w / patch;
  int64_t vector = c * patch_t * patch * patch;

  for (int64_t ib = 0; ib < b; ib++)
    for (int64_t it = 0; it < gt; it++)
      for (int64_t i = 0; i < gh; i++)
        for (int64_t j = 0; j < gw; j++)
          {
            float *row = tokens + ((ib * gt + it) * gh * gw + i * gw + j) * vector;
            for (int64_t ic = 0; ic < c; ic++)
              for (int kt = 0; kt < patch_t; kt++)
                for (int ky = 0; ky < patch; ky++)
                  for (int kx = 0; kx < patch; kx++)
                    {
                      int64_t frame = it * patch_t + kt, y = i * patch + ky, x = j * patch + kx;
                      row[((ic * patch_t + kt) * patch + ky) * patch + kx]
                          = video[(((ib * c + ic) * t + frame) * h + y) * w + x];
                    }
          }
}

void
ae_ref_unpatchify (float *video, const float *proj, int64_t b, int64_t c, int64_t t, int64_t h, int64_t w, int patch,
                   int patch_t)
{
  int64_t gt = t / patch_t, gh = h / patch, gw = w / patch;
  int64_t vector = c * patch_t * patch * patch;

  for (int64_t ib = 0; ib < b; ib++)
    for (int64_t ic = 0; ic < c; ic++)
      for (int64_t frame = 0; frame < t; frame++)
        for (int64_t y = 0; y < h; y++)
          for (int64_t x = 0; x < w; x++)
            {
              int64_t it = frame / patch_t, kt = frame % patch_t;
              int64_t i = y / patch, py = y % patch, j = x / patch, px = x % patch;
              int64_t token = (it * gh + i) * gw + j;
              video[(((ib * c + ic) * t + frame) * h + y) * w + x]
                  = proj[(ib * gt * gh * gw + token) * vector + ((kt * patch + py) * patch + px) * c + ic];
            }
}

void
ae_ref_embedding (float *out, const int32_t *ids, int64_t n, const float *table, int64_t vocab, int64_t dim)
{
  for (int64_t i = 0; i < n; i++)
    {
      if (ids[i] < 0 || ids[i] >= vocab)
        memset (out + i * dim, 0, (size_t) dim * sizeof *out);
      else
        memcpy (out + i * dim, table + (int64_t) ids[i] * dim, (size_t) dim * sizeof *out);
    }
}

/* Written as transformers writes it: each tensor op is one float32 operation,
 * the Python scalars converted to float32 first. */
int
ae_ref_t5_bucket (int64_t relative_position, int num_buckets, int max_distance, bool bidirectional)
{
  int64_t bucket = 0, r;

  if (bidirectional)
    {
      num_buckets /= 2;
      if (relative_position > 0)
        bucket += num_buckets;
      r = relative_position < 0 ? -relative_position : relative_position;
    }
  else
    r = relative_position < 0 ? -relative_position : 0;
  int max_exact = num_buckets / 2;
  if (r < max_exact)
    return (int) (bucket + r);
  float scaled = logf ((float) r / (float) max_exact);
  scaled = scaled / (float) log ((double) max_distance / (double) max_exact);
  scaled = scaled * (float) (num_buckets - max_exact);
  int64_t large = max_exact + (int64_t) scaled;
  if (large > num_buckets - 1)
    large = num_buckets - 1;
  return (int) (bucket + large);
}

void
ae_ref_t5_bias (float *out, const float *weight, int64_t heads, int64_t n_queries, int64_t n_keys, int num_buckets,
                int max_distance, bool bidirectional)
{
  for (int64_t i = 0; i < n_queries; i++)
    for (int64_t j = 0; j < n_keys; j++)
      {
        int bucket = ae_ref_t5_bucket (j - i, num_buckets, max_distance, bidirectional);
        for (int64_t h = 0; h < heads; h++)
          out[(h * n_queries + i) * n_keys + j] = weight[bucket * heads + h];
      }
}

void
ae_ref_rope_3d (float *out, const float *x, int64_t b, int64_t heads, int64_t head_dim, int64_t gt, int64_t gh,
                int64_t gw, const float *cos_t, const float *sin_t, const float *cos_h, const float *sin_h,
                const float *cos_w, const float *sin_w)
{
  int64_t d = head_dim / 3, half = d / 2, n = gt * gh * gw;

  for (int64_t ib = 0; ib < b; ib++)
    for (int64_t token = 0; token < n; token++)
      {
        int64_t pos[3] = { token / (gh * gw), token / gw % gh, token % gw };
        const float *cos_rows[3] = { cos_t, cos_h, cos_w }, *sin_rows[3] = { sin_t, sin_h, sin_w };
        for (int64_t head = 0; head < heads; head++)
          for (int c = 0; c < 3; c++)
            {
              const float *cs = cos_rows[c] + pos[c] * d, *sn = sin_rows[c] + pos[c] * d;
              int64_t base = ((ib * n + token) * heads + head) * head_dim + c * d;
              for (int64_t k = 0; k < d; k++)
                {
                  float rotated = k < half ? -x[base + k + half] : x[base + k - half];
                  float a = x[base + k] * cs[k];
                  float r = rotated * sn[k];
                  out[base + k] = a + r;
                }
            }
      }
}
