/* bench-layout.c: benchmarks of the layout kernels.
 *
 * All of them move memory and do (almost) no arithmetic: flops are 0 and
 * bytes count what is read plus what is written, so the report's GB/s is the
 * figure to compare with the device's copy bandwidth.  The DiT's own shapes
 * ([2, 79200, 24, 96] q/k/v, CFG batch) run on GPUs only and not in --quick;
 * CPU devices and --quick get ones that finish in seconds.
 */
#include "bench/ae-bench.h"

#include <stdio.h>
#include <string.h>

typedef struct
{
  ae_tensor *out, *in, *aux;
  int perm[AE_MAX_DIMS];
  int kind; /* see record_layout */
  int patch;
  ae_rope_3d_params rope;
  ae_t5_bias_params t5;
  int64_t n_queries;
} layout_state;

enum
{
  KIND_COPY,
  KIND_PERMUTE,
  KIND_ROPE,
  KIND_PATCHIFY,
  KIND_UNPATCHIFY,
  KIND_EMBEDDING,
  KIND_T5_BIAS,
};

static bool
record_layout (ae_stream *s, void *state, ae_error *error)
{
  layout_state *l = state;

  switch (l->kind)
    {
    case KIND_COPY:
      return ae_op_copy (s, l->out, l->in, error);
    case KIND_PERMUTE:
      return ae_op_permute (s, l->out, l->in, l->perm, error);
    case KIND_ROPE:
      return ae_op_rope_3d (s, l->out, l->in, l->aux, &l->rope, error);
    case KIND_PATCHIFY:
      return ae_op_patchify (s, l->out, l->in, l->patch, 1, error);
    case KIND_UNPATCHIFY:
      return ae_op_unpatchify (s, l->out, l->in, l->patch, 1, error);
    case KIND_EMBEDDING:
      return ae_op_embedding (s, l->out, l->in, l->aux, error);
    case KIND_T5_BIAS:
      return ae_op_t5_bias (s, l->out, l->aux, l->n_queries, l->n_queries, &l->t5, error);
    default:
      return false;
    }
}

static void
free_state (layout_state *l)
{
  ae_tensor_free (l->out);
  ae_tensor_free (l->in);
  ae_tensor_free (l->aux);
  memset (l, 0, sizeof *l);
}

static bool
time_case (ae_bench *b, const char *op, ae_dtype dtype, const char *shape, double bytes, layout_state *l,
           ae_error *error)
{
  ae_bench_case c = {
    .op = op,
    .dtype = dtype,
    .flops = 0,
    .bytes = bytes,
    .record = record_layout,
    .state = l,
  };
  snprintf (c.shape, sizeof c.shape, "%s", shape);
  return ae_bench_time (b, &c, error);
}

/* A permute of `shape` by perm, in one dtype or cast; with a cast, also the
 * plain (contiguous) cast of the same tensor. */
static bool
bench_permute (ae_bench *b, const char *label, ae_dtype from, ae_dtype to, int ndim, const int64_t *shape,
               const int *perm, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  layout_state l = { .kind = KIND_PERMUTE };
  int64_t out_shape[AE_MAX_DIMS];
  char text[96], op[64];
  bool ok;

  for (int k = 0; k < ndim; k++)
    {
      l.perm[k] = perm[k];
      out_shape[k] = shape[perm[k]];
    }
  l.in = ae_tensor_new (ctx, from, ndim, shape, "bench in", error);
  l.out = l.in ? ae_tensor_new (ctx, to, ndim, out_shape, "bench out", error) : NULL;
  if (l.out == NULL)
    {
      free_state (&l);
      return false;
    }
  ae_bench_shape_text (text, sizeof text, ndim, shape);
  double bytes = (double) ae_tensor_numel (l.in) * (double) (ae_dtype_size (from) + ae_dtype_size (to));
  snprintf (op, sizeof op, "permute %s %s->%s", label, ae_dtype_name (from), ae_dtype_name (to));
  ok = time_case (b, op, to, text, bytes, &l, error);
  if (ok && from != to)
    {
      ae_tensor_free (l.out);
      l.out = ae_tensor_new (ctx, to, ndim, shape, "bench out", error);
      l.kind = KIND_COPY;
      snprintf (op, sizeof op, "copy %s->%s", ae_dtype_name (from), ae_dtype_name (to));
      ok = l.out != NULL && time_case (b, op, to, text, bytes, &l, error);
    }
  free_state (&l);
  return ok;
}

/* RoPE on q [B, N, H, Dh] of the grid, in place or into another dtype. */
static bool
bench_rope (ae_bench *b, ae_dtype from, ae_dtype to, int64_t batch, int64_t gt, int64_t gh, int64_t gw, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  layout_state l = { .kind = KIND_ROPE, .rope = { gt, gh, gw, 2.2, 2.0, 2.0, 10000.0 } };
  int64_t shape[4] = { batch, gt * gh * gw, 24, 96 };
  int64_t table_shape[3] = { gt + gh + gw, 2, 32 };
  char text[96], op[64];
  bool ok;

  float *table = malloc ((size_t) ae_rope_3d_table_size (&l.rope, 96) * sizeof *table);
  l.in = ae_tensor_new (ctx, from, 4, shape, "bench q", error);
  l.aux = l.in ? ae_tensor_new (ctx, AE_F32, 3, table_shape, "bench rope table", error) : NULL;
  l.out = l.aux == NULL ? NULL : from == to ? NULL : ae_tensor_new (ctx, to, 4, shape, "bench out", error);
  ok = table != NULL && l.aux != NULL && (from == to || l.out != NULL) && ae_rope_3d_table (table, &l.rope, 96, error)
       && ae_tensor_upload_f32 (l.aux, table, error);
  free (table);
  if (!ok)
    {
      free_state (&l);
      return false;
    }
  if (from == to)
    {
      /* In place, as the DiT applies it. */
      l.out = l.in;
      l.in = NULL;
      l.in = ae_tensor_view (l.out, 0, 4, shape, l.out->stride, NULL, error);
    }
  ae_bench_shape_text (text, sizeof text, 4, shape);
  double n = (double) ae_tensor_numel (l.out);
  snprintf (op, sizeof op, "rope_3d %s->%s%s", ae_dtype_name (from), ae_dtype_name (to), from == to ? " in place" : "");
  ok = l.in != NULL && time_case (b, op, to, text, n * (double) (ae_dtype_size (from) + ae_dtype_size (to)), &l, error);
  free_state (&l);
  return ok;
}

/* The DiT's patchify of the CFG latents and unpatchify of proj_out. */
static bool
bench_patch (ae_bench *b, ae_dtype dtype, int64_t t, int64_t h, int64_t w, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  int64_t video[5] = { 2, 4, t, h, w }, tokens[3] = { 2, t * (h / 2) * (w / 2), 16 };
  layout_state l = { .kind = KIND_PATCHIFY, .patch = 2 };
  char text[96];
  bool ok;

  l.in = ae_tensor_new (ctx, dtype, 5, video, "bench video", error);
  l.out = l.in ? ae_tensor_new (ctx, dtype, 3, tokens, "bench tokens", error) : NULL;
  if (l.out == NULL)
    {
      free_state (&l);
      return false;
    }
  double bytes = 2.0 * (double) ae_tensor_numel (l.in) * (double) ae_dtype_size (dtype);
  ae_bench_shape_text (text, sizeof text, 5, video);
  ok = time_case (b, "patchify 2x2", dtype, text, bytes, &l, error);
  ae_tensor *swap = l.in;
  l.in = l.out;
  l.out = swap;
  l.kind = KIND_UNPATCHIFY;
  ok = ok && time_case (b, "unpatchify 2x2", dtype, text, bytes, &l, error);
  free_state (&l);
  return ok;
}

/* T5: token embedding of 2 x 512 ids and the relative-position bias. */
static bool
bench_t5 (ae_bench *b, ae_dtype table_type, int64_t dim, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  int64_t ids_shape[2] = { 2, 512 }, table_shape[2] = { 32128, dim }, out_shape[3] = { 2, 512, dim };
  layout_state l = { .kind = KIND_EMBEDDING };
  char text[96];
  bool ok;

  int32_t *ids = malloc (1024 * sizeof *ids);
  for (int i = 0; ids != NULL && i < 1024; i++)
    ids[i] = (int32_t) ((uint32_t) i * 2654435761u % 32100u);
  l.in = ae_tensor_new (ctx, AE_I32, 2, ids_shape, "bench ids", error);
  l.aux = l.in ? ae_tensor_new (ctx, table_type, 2, table_shape, "bench table", error) : NULL;
  l.out = l.aux ? ae_tensor_new (ctx, AE_F32, 3, out_shape, "bench rows", error) : NULL;
  ok = ids != NULL && l.out != NULL && ae_tensor_upload (l.in, ids, 1024 * sizeof *ids, error);
  free (ids);
  if (!ok)
    {
      free_state (&l);
      return false;
    }
  snprintf (text, sizeof text, "1024 ids x %lld", (long long) dim);
  ok = time_case (b, "embedding", table_type, text,
                  1024.0 * (4.0 + (double) dim * (double) (ae_dtype_size (table_type) + 4)), &l, error);
  free_state (&l);
  if (!ok)
    return false;

  int64_t weight_shape[2] = { 32, 64 }, bias_shape[2] = { 64, 1023 };
  l = (layout_state){ .kind = KIND_T5_BIAS, .t5 = { 32, 128, true }, .n_queries = 512 };
  l.aux = ae_tensor_new (ctx, table_type, 2, weight_shape, "bench relative_attention_bias", error);
  l.out = l.aux ? ae_tensor_new (ctx, AE_F32, 2, bias_shape, "bench bias1d", error) : NULL;
  ok = l.out != NULL
       && time_case (b, "t5_bias", table_type, "64x1023", 64.0 * 1023.0 * (4.0 + (double) ae_dtype_size (table_type)),
                     &l, error);
  free_state (&l);
  return ok;
}

bool
ae_bench_layout (ae_bench *b, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  bool gpu = ae_context_device (ctx)->type != AE_DEVICE_CPU;
  bool full = gpu && !ae_bench_quick (b);

  if (!ae_bench_wants (b, "layout"))
    return true;

  /* The DiT's q/k/v with CFG: 2 x 79,200 tokens x 24 heads x 96. */
  int64_t dit_qkv[4] = { 2, 79200, 24, 96 }, small_qkv[4] = { 1, full ? 79200 : gpu ? 8192 : 1024, 24, 96 };
  const int64_t *qkv = full ? dit_qkv : small_qkv;
  const int heads_first[4] = { 0, 2, 1, 3 }, channels_last[5] = { 0, 2, 3, 4, 1 };
  /* A VAE activation to channels-last (the transposing kernel on GPUs). */
  int64_t vae_full[5] = { 1, 128, 8, 180, 320 }, vae_small[5] = { 1, 128, 4, 40, 40 };
  if (!bench_permute (b, "0213", AE_BF16, AE_BF16, 4, qkv, heads_first, error)
      || !bench_permute (b, "0213", AE_F32, AE_BF16, 4, qkv, heads_first, error)
      || !bench_permute (b, "NCDHW->NDHWC", AE_F16, AE_F16, 5, full ? vae_full : vae_small, channels_last, error))
    return false;
  if (full)
    {
      if (!bench_rope (b, AE_BF16, AE_BF16, 2, 22, 45, 80, error)
          || !bench_rope (b, AE_F32, AE_F16, 2, 22, 45, 80, error) || !bench_patch (b, AE_F32, 22, 90, 160, error)
          || !bench_t5 (b, AE_BF16, 4096, error))
        return false;
    }
  else
    {
      /* 4 x 8 x 32 = 1024 tokens (8192 on a GPU's --quick). */
      if (!bench_rope (b, AE_BF16, AE_BF16, 1, gpu ? 8 : 4, gpu ? 16 : 8, gpu ? 64 : 32, error)
          || !bench_patch (b, AE_F32, 4, 30, 40, error) || !bench_t5 (b, AE_BF16, gpu ? 4096 : 256, error))
        return false;
    }
  return true;
}
