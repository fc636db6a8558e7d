/* bench-norm.c: benchmarks of the norm kernels.
 *
 * All of them are memory-bound: flops are 0 and bytes count one read of the
 * input and one write of the output (what an ideal kernel moves), so the
 * report's GB/s compares directly with the device's copy bandwidth.  The
 * model's own shapes (the DiT's 79,232 x 2304 rows, a VAE decoder tile) run
 * on GPUs only and not in --quick; CPU devices and --quick get small ones.
 */
#include "bench/ae-bench.h"

#include <stdio.h>
#include <string.h>

typedef enum
{
  KIND_LAYER_NORM,
  KIND_LAYER_NORM_MODULATE,
  KIND_RMS_NORM,
  KIND_SOFTMAX,
  KIND_GROUP_NORM,
} norm_kind;

typedef struct
{
  norm_kind kind;
  ae_tensor *out, *x, *weight, *bias, *table, *scale, *shift, *workspace;
  ae_group_norm_params group;
} norm_state;

static bool
record_norm (ae_stream *s, void *state, ae_error *error)
{
  norm_state *n = state;

  switch (n->kind)
    {
    case KIND_LAYER_NORM:
      return ae_op_layer_norm (s, n->out, n->x, n->weight, n->bias, 1e-6f, error);
    case KIND_LAYER_NORM_MODULATE:
      return ae_op_layer_norm_modulate (s, n->out, n->x, n->scale, n->shift, 1e-6f, error);
    case KIND_RMS_NORM:
      return ae_op_rms_norm (s, n->out, n->x, n->weight, 1e-6f, error);
    case KIND_SOFTMAX:
      return ae_op_softmax (s, n->out, n->x, error);
    case KIND_GROUP_NORM:
      return ae_op_group_norm (s, n->out, n->x, n->weight, n->bias, n->workspace, &n->group, error);
    default:
      return false;
    }
}

static void
free_state (norm_state *n)
{
  ae_tensor_free (n->out);
  ae_tensor_free (n->x);
  ae_tensor_free (n->weight);
  ae_tensor_free (n->bias);
  ae_tensor_free (n->scale);
  ae_tensor_free (n->shift);
  ae_tensor_free (n->table);
  ae_tensor_free (n->workspace);
  memset (n, 0, sizeof *n);
}

static bool
time_case (ae_bench *b, const char *op, ae_dtype dtype, int ndim, const int64_t *shape, norm_state *n, ae_error *error)
{
  ae_bench_case c = {
    .op = op,
    .dtype = dtype,
    .flops = 0,
    .bytes = (double) ae_tensor_numel (n->x) * (double) (ae_dtype_size (n->x->dtype) + ae_dtype_size (n->out->dtype)),
    .record = record_norm,
    .state = n,
  };
  ae_bench_shape_text (c.shape, sizeof c.shape, ndim, shape);
  return ae_bench_time (b, &c, error);
}

/* Rows of the last dimension: layer norm (plain, and fused with the DiT's
 * modulation from a [B, 6, C] table), RMS norm with T5's weight, or softmax. */
static bool
bench_rows (ae_bench *b, norm_kind kind, ae_dtype from, ae_dtype to, int64_t batch, int64_t rows, int64_t cols,
            ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  int64_t shape[3] = { batch, rows, cols }, wshape[1] = { cols }, tshape[3] = { batch, 6, cols };
  int64_t vshape[2] = { batch, cols }, vstride[2] = { 6 * cols, 1 };
  norm_state n = { .kind = kind };
  static const char *const names[] = { "layer_norm", "layer_norm_modulate", "rms_norm", "softmax" };
  char op[64];
  bool ok;

  n.x = ae_tensor_new (ctx, from, 3, shape, "bench x", error);
  n.out = n.x ? ae_tensor_new (ctx, to, 3, shape, "bench out", error) : NULL;
  ok = n.out != NULL;
  if (ok && kind == KIND_RMS_NORM)
    ok = (n.weight = ae_tensor_new (ctx, from, 1, wshape, "bench weight", error)) != NULL;
  if (ok && kind == KIND_LAYER_NORM_MODULATE)
    {
      n.table = ae_tensor_new (ctx, from, 3, tshape, "bench adaLN table", error);
      n.shift = n.table ? ae_tensor_view (n.table, 0, 2, vshape, vstride, "bench shift", error) : NULL;
      n.scale = n.table ? ae_tensor_view (n.table, cols, 2, vshape, vstride, "bench scale", error) : NULL;
      ok = n.scale != NULL && n.shift != NULL;
    }
  snprintf (op, sizeof op, "%s %s->%s", names[kind], ae_dtype_name (from), ae_dtype_name (to));
  ok = ok && time_case (b, op, to, 3, shape, &n, error);
  free_state (&n);
  return ok;
}

static bool
bench_group_norm (ae_bench *b, ae_dtype dtype, const int64_t shape[5], bool per_frame, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  norm_state n = {
    .kind = KIND_GROUP_NORM,
    .group = { .groups = 32, .eps = per_frame ? 1e-6f : 1e-5f, .per_frame = per_frame, .silu = true },
  };
  int64_t cshape[1] = { shape[1] };
  int64_t wshape[1] = { ae_group_norm_workspace_numel (5, shape, &n.group) };
  char op[64];
  bool ok;

  n.x = ae_tensor_new (ctx, dtype, 5, shape, "bench x", error);
  n.out = n.x ? ae_tensor_new (ctx, dtype, 5, shape, "bench out", error) : NULL;
  n.weight = n.out ? ae_tensor_new (ctx, dtype, 1, cshape, "bench weight", error) : NULL;
  n.bias = n.weight ? ae_tensor_new (ctx, dtype, 1, cshape, "bench bias", error) : NULL;
  n.workspace = n.bias ? ae_tensor_new (ctx, AE_F32, 1, wshape, "bench workspace", error) : NULL;
  snprintf (op, sizeof op, "group_norm+silu %s", per_frame ? "per-frame" : "all-frames");
  /* Pass 1 reads x, pass 3 reads it again and writes out: 3 tensor passes,
   * of which the report counts the ideal 2. */
  ok = n.workspace != NULL && time_case (b, op, dtype, 5, shape, &n, error);
  free_state (&n);
  return ok;
}

bool
ae_bench_norm (ae_bench *b, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  bool gpu = ae_context_device (ctx)->type != AE_DEVICE_CPU;
  bool full = gpu && !ae_bench_quick (b);

  if (!ae_bench_wants (b, "norm"))
    return true;

  /* The DiT: 79,232 tokens (79,200 padded) x 2304 per CFG half, fp32
   * residual in, the fp16 GEMM operand out; T5: 512 tokens x 4096. */
  int64_t dit_rows = full ? 79232 : gpu ? 8192 : 512;
  if (!bench_rows (b, KIND_LAYER_NORM, AE_F32, AE_F16, 1, dit_rows, 2304, error)
      || !bench_rows (b, KIND_LAYER_NORM, AE_F32, AE_F32, 1, dit_rows, 2304, error)
      || !bench_rows (b, KIND_LAYER_NORM_MODULATE, AE_F32, AE_F16, 2, dit_rows / 2, 2304, error)
      || !bench_rows (b, KIND_RMS_NORM, AE_F32, AE_F32, 1, 512, 4096, error)
      || !bench_rows (b, KIND_RMS_NORM, AE_F32, AE_BF16, 1, 512, 4096, error)
      || !bench_rows (b, KIND_SOFTMAX, AE_F32, AE_F32, 1,
                      full  ? 64 * 512
                      : gpu ? 4096
                            : 256,
                      512, error))
    return false;

  /* VAE group norms: a latent-resolution video, and a decoder tile at full
   * resolution (128 channels x 24 frames x 320 x 320: 1.26 GB in fp32). */
  int64_t video[5] = { 1, 128, 24, 90, 160 }, tile[5] = { 1, 128, 24, 320, 320 };
  int64_t small[5] = { 1, 128, gpu ? 8 : 4, 32, gpu ? 64 : 32 };
  if (full)
    return bench_group_norm (b, AE_F32, video, true, error) && bench_group_norm (b, AE_F32, video, false, error)
           && bench_group_norm (b, AE_F32, tile, true, error) && bench_group_norm (b, AE_F32, tile, false, error);
  return bench_group_norm (b, AE_F32, small, true, error) && bench_group_norm (b, AE_F32, small, false, error);
}
