/* bench-attention.c: benchmarks of the attention kernels (written with the kernels).
 *
 * The DiT's self-attention (2 x 24 heads x 96 over 16,384 tokens here, a
 * fifth of the real 79,200) and T5's (64 heads x 64, 512 tokens, unscaled,
 * position bias and padding mask), q, k, v and out as views of [B, N, H*D]
 * projections the way the model passes them, on each kernel path the
 * device runs.  CPU devices and --quick get small shapes that run in
 * seconds. */
#include "bench/ae-bench.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct
{
  ae_tensor *q_base, *k_base, *v_base, *out_base;
  ae_tensor *q, *k, *v, *out;
  ae_tensor *key_bias, *position_bias;
  ae_attention_params params;
} attention_state;

static bool
record_attention (ae_stream *s, void *state, ae_error *error)
{
  attention_state *st = state;
  return ae_op_attention (s, st->out, st->q, st->k, st->v, &st->params, error);
}

static void
state_free (attention_state *st)
{
  ae_tensor *all[] = { st->q,      st->k,      st->v,        st->out,      st->q_base,
                       st->k_base, st->v_base, st->out_base, st->key_bias, st->position_bias };
  for (size_t i = 0; i < AE_N_ELEMENTS (all); i++)
    ae_tensor_free (all[i]);
}

/* A [b, n, h*d] tensor of small values and its [b, h, n, d] view. */
static ae_tensor *
projection (ae_context *ctx, ae_dtype dtype, int64_t b, int64_t h, int64_t n, int64_t d, const char *name,
            ae_tensor **base, ae_error *error)
{
  int64_t shape[3] = { b, n, h * d };
  int64_t vshape[4] = { b, h, n, d }, vstride[4] = { n * h * d, d, h * d, 1 };

  *base = ae_tensor_new (ctx, dtype, 3, shape, name, error);
  if (*base == NULL)
    return NULL;
  size_t count = (size_t) (b * n * h * d);
  float *data = malloc (count * sizeof *data);
  for (size_t i = 0; i < count; i++)
    data[i] = (float) ((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
  bool ok = ae_tensor_upload_f32 (*base, data, error);
  free (data);
  if (!ok)
    return NULL;
  return ae_tensor_view (*base, 0, 4, vshape, vstride, name, error);
}

/* T5's mask: keys past `valid` of each batch entry get finfo(f32).min. */
static bool
upload_key_bias (ae_tensor *t, int64_t batch, int64_t nk, int64_t valid, ae_error *error)
{
  float *data = malloc ((size_t) (batch * nk) * sizeof *data);
  for (int64_t i = 0; i < batch * nk; i++)
    data[i] = i % nk < valid ? 0.0f : -3.4028235e38f;
  bool ok = ae_tensor_upload_f32 (t, data, error);
  free (data);
  return ok;
}

static bool
upload_small (ae_tensor *t, int64_t n, ae_error *error)
{
  float *data = malloc ((size_t) n * sizeof *data);
  for (int64_t i = 0; i < n; i++)
    data[i] = (float) (i % 17) * 0.25f - 2.0f;
  bool ok = ae_tensor_upload_f32 (t, data, error);
  free (data);
  return ok;
}

/* One shape, timed on each path in `paths`. */
static bool
bench_shape (ae_bench *b, ae_dtype dtype, int64_t batch, int64_t heads, int64_t nq, int64_t nk, int64_t d, bool t5,
             const char *const *paths, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  attention_state st = { 0 };
  bool ok = false;

  st.q = projection (ctx, dtype, batch, heads, nq, d, "bench q", &st.q_base, error);
  st.k = projection (ctx, dtype, batch, heads, nk, d, "bench k", &st.k_base, error);
  st.v = projection (ctx, dtype, batch, heads, nk, d, "bench v", &st.v_base, error);
  st.out = projection (ctx, dtype, batch, heads, nq, d, "bench out", &st.out_base, error);
  if (st.q == NULL || st.k == NULL || st.v == NULL || st.out == NULL)
    goto out;
  if (t5)
    {
      /* 3/4 of the prompt is text, the rest finfo.min padding. */
      int64_t kb_shape[2] = { batch, nk }, pb_shape[2] = { heads, nq + nk - 1 };
      st.key_bias = ae_tensor_new (ctx, AE_F32, 2, kb_shape, "bench key bias", error);
      st.position_bias = ae_tensor_new (ctx, AE_F32, 2, pb_shape, "bench position bias", error);
      if (st.key_bias == NULL || st.position_bias == NULL
          || !upload_key_bias (st.key_bias, batch, nk, nk * 3 / 4, error)
          || !upload_small (st.position_bias, heads * (nq + nk - 1), error))
        goto out;
      st.params = (ae_attention_params){ .scale = 1.0f, .key_bias = st.key_bias, .position_bias = st.position_bias };
    }

  for (const char *const *path = paths; *path != NULL; path++)
    {
      ae_bench_case c = {
        .op = "flash_attention",
        .variant = *path,
        .dtype = dtype,
        .flops = 4.0 * (double) (batch * heads) * (double) nq * (double) nk * (double) d,
        .bytes = (double) ae_dtype_size (dtype) * (double) (batch * heads * d) * (2.0 * (double) (nq + nk)),
        .record = record_attention,
        .state = &st,
      };
      int used = snprintf (c.shape, sizeof c.shape, "%lldx%lldx%lldx%lld", (long long) batch, (long long) heads,
                           (long long) nq, (long long) d);
      if (nk != nq)
        used += snprintf (c.shape + used, sizeof c.shape - (size_t) used, " kv%lld", (long long) nk);
      if (t5)
        snprintf (c.shape + used, sizeof c.shape - (size_t) used, " t5");
      /* A failed case is noted in the report; the others still run. */
      ae_bench_time (b, &c, error);
    }
  ok = true;
out:
  state_free (&st);
  return ok;
}

bool
ae_bench_attention (ae_bench *b, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  bool cpu = ae_context_device (ctx)->type == AE_DEVICE_CPU;
  static const char *const cpu_paths[] = { "lvp", "tiled", NULL };
  const char *gpu_paths[3] = { "tiled", NULL, NULL };

  if (!ae_bench_wants (b, "attention"))
    return true;
  /* On the nv_cm path attention runs the tiled kernel unless the (known
   * faulty) tensor-core one is asked for: a second row would repeat the first. */
  if (ae_path_supported (ctx, AE_PATH_NV_CM) && getenv ("ALLEGRO_EXPERIMENTAL_ATTENTION_CM") != NULL)
    gpu_paths[1] = "nv_cm";
  const char *const *paths = cpu ? cpu_paths : gpu_paths;

  if (cpu || ae_bench_quick (b))
    {
      /* DiT-like and T5-like heads on a few hundred tokens. */
      return bench_shape (b, AE_F16, 1, 2, 256, 256, 96, false, paths, error)
             && bench_shape (b, AE_F32, 1, 2, 256, 256, 96, false, paths, error)
             && bench_shape (b, AE_F16, 1, 4, 128, 128, 64, true, paths, error);
    }
  /* The DiT's self-attention on a fifth of its tokens, its cross-attention
   * to 512 text tokens, and T5's encoder attention. */
  return bench_shape (b, AE_F16, 2, 24, 16384, 16384, 96, false, paths, error)
         && bench_shape (b, AE_BF16, 2, 24, 16384, 16384, 96, false, paths, error)
         && bench_shape (b, AE_F16, 2, 24, 16384, 512, 96, false, paths, error)
         && bench_shape (b, AE_F16, 2, 64, 512, 512, 64, true, paths, error)
         && bench_shape (b, AE_F32, 2, 64, 512, 512, 64, true, paths, error);
}
