/* bench-elementwise.c: benchmarks of the element-wise kernels.
 *
 * Memory-bound: flops are 0 and bytes count every operand read once and the
 * output written once, so GB/s compares with the device's copy bandwidth.
 * The DiT's shapes (79,232 tokens x 2304, its 9216-wide feed-forward) run on
 * GPUs only and not in --quick; CPU devices and --quick get small ones.
 */
#include "bench/ae-bench.h"

#include <stdio.h>
#include <string.h>

typedef enum
{
  KIND_ADD,
  KIND_GELU_TANH,
  KIND_SILU,
  KIND_SCALE_SHIFT,
  KIND_GATED_GELU,
  KIND_MODULATE,
  KIND_GATED_RESIDUAL,
} elementwise_kind;

static const char *const kind_names[] = {
  "add", "gelu_tanh", "silu", "scale_shift", "gated_gelu", "modulate", "gated_residual",
};

typedef struct
{
  elementwise_kind kind;
  ae_tensor *out, *a, *b, *table, *rows[3];
} elementwise_state;

static bool
record_elementwise (ae_stream *s, void *state, ae_error *error)
{
  elementwise_state *e = state;

  switch (e->kind)
    {
    case KIND_ADD:
      return ae_op_add (s, e->out, e->a, e->b, error);
    case KIND_GELU_TANH:
      return ae_op_gelu_tanh (s, e->out, e->a, error);
    case KIND_SILU:
      return ae_op_silu (s, e->out, e->a, error);
    case KIND_SCALE_SHIFT:
      return ae_op_scale_shift (s, e->out, e->a, 0.5f, 0.25f, error);
    case KIND_GATED_GELU:
      return ae_op_gated_gelu (s, e->out, e->a, e->b, error);
    case KIND_MODULATE:
      return ae_op_modulate (s, e->out, e->a, e->rows[1], e->rows[0], error);
    /* In place on h, as the DiT runs it. */
    case KIND_GATED_RESIDUAL:
      return ae_op_gated_residual (s, e->a, e->a, e->b, e->rows[2], error);
    default:
      return false;
    }
}

static void
free_state (elementwise_state *e)
{
  ae_tensor_free (e->out);
  ae_tensor_free (e->a);
  ae_tensor_free (e->b);
  for (int j = 0; j < 3; j++)
    ae_tensor_free (e->rows[j]);
  ae_tensor_free (e->table);
  memset (e, 0, sizeof *e);
}

/* One op on a tensor of `shape`; binary ops get a second operand of the same
 * shape, except add, whose b is one row (a bias, as most adds are), and the
 * per-batch ops, which get rows of a [B, 6, C] adaLN table. */
static bool
bench_op (ae_bench *b, elementwise_kind kind, ae_dtype dtype, int ndim, const int64_t *shape, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  elementwise_state e = { .kind = kind };
  int64_t cols = shape[ndim - 1];
  bool two = kind == KIND_GATED_GELU || kind == KIND_GATED_RESIDUAL;
  bool per_batch = kind == KIND_MODULATE || kind == KIND_GATED_RESIDUAL;
  char op[64];
  bool ok;

  e.a = ae_tensor_new (ctx, dtype, ndim, shape, "bench a", error);
  ok = e.a != NULL;
  if (ok && kind != KIND_GATED_RESIDUAL)
    ok = (e.out = ae_tensor_new (ctx, dtype, ndim, shape, "bench out", error)) != NULL;
  if (ok && two)
    ok = (e.b = ae_tensor_new (ctx, dtype, ndim, shape, "bench b", error)) != NULL;
  if (ok && kind == KIND_ADD)
    ok = (e.b = ae_tensor_new (ctx, dtype, 1, &cols, "bench bias", error)) != NULL;
  if (ok && per_batch)
    {
      int64_t tshape[3] = { shape[0], 6, cols }, vshape[2] = { shape[0], cols }, vstride[2] = { 6 * cols, 1 };
      ok = (e.table = ae_tensor_new (ctx, dtype, 3, tshape, "bench adaLN table", error)) != NULL;
      for (int j = 0; ok && j < 3; j++)
        ok = (e.rows[j] = ae_tensor_view (e.table, j * cols, 2, vshape, vstride, "bench row", error)) != NULL;
    }
  if (ok)
    {
      double n = (double) ae_tensor_numel (e.a);
      ae_bench_case c = {
        .op = op,
        .dtype = dtype,
        .flops = 0,
        .bytes = n * (double) ae_dtype_size (dtype) * (two ? 3 : 2),
        .record = record_elementwise,
        .state = &e,
      };
      snprintf (op, sizeof op, "%s%s", kind_names[kind], kind == KIND_GATED_RESIDUAL ? " (in place)" : "");
      ae_bench_shape_text (c.shape, sizeof c.shape, ndim, shape);
      ok = ae_bench_time (b, &c, error);
    }
  free_state (&e);
  return ok;
}

bool
ae_bench_elementwise (ae_bench *b, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  bool gpu = ae_context_device (ctx)->type != AE_DEVICE_CPU;
  bool full = gpu && !ae_bench_quick (b);

  if (!ae_bench_wants (b, "elementwise"))
    return true;

  /* The DiT per CFG half: h [2, 39,616, 2304] (79,232 tokens), its
   * feed-forward hidden [79,232, 9216]; T5's gated GELU on [512, 10240]. */
  int64_t tokens = full ? 39616 : gpu ? 4096 : 256;
  int64_t hidden[3] = { 2, tokens, 2304 }, ff[2] = { 2 * tokens, 9216 }, t5[2] = { 512, full ? 10240 : 1024 };
  int64_t video[5] = { 1, 128, full ? 24 : 4, full ? 90 : 16, full ? 160 : 16 };
  return bench_op (b, KIND_ADD, AE_F32, 3, hidden, error) && bench_op (b, KIND_MODULATE, AE_F32, 3, hidden, error)
         && bench_op (b, KIND_GATED_RESIDUAL, AE_F32, 3, hidden, error)
         && bench_op (b, KIND_GELU_TANH, AE_F16, 2, ff, error)
         && bench_op (b, KIND_SCALE_SHIFT, AE_F32, 3, hidden, error)
         && bench_op (b, KIND_GATED_GELU, AE_BF16, 2, t5, error) && bench_op (b, KIND_SILU, AE_F32, 5, video, error);
}
