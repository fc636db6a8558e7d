/* test-elementwise.c: element-wise kernels against ref-elementwise.c.
 *
 * Bounds.  Inputs are rounded to the storage type before the double
 * reference, whose result is rounded to the output type as the kernel's is.
 *  - add, mul: one rounding of an exact fp32 result: equal, bound 0;
 *  - f32 activations and affine maps: a few fp32 ulp (exp, fused or separate
 *    multiply-add), NMSE ~1e-14; 1e-10 still catches any wrong constant;
 *  - f16/bf16: at most one rounding step apart where fp32 and double fall on
 *    two sides of a boundary: NMSE <= (2^-10)^2 ~ 1e-6 for f16 and
 *    (2^-7)^2 ~ 6e-5 for bf16 even if every element were one step off.
 */
#include "harness.h"

#include <string.h>

#define BOUND_F32 1e-10
#define BOUND_F16 1e-6
#define BOUND_BF16 6e-5

static double
bound_for (ae_dtype dtype)
{
  return th_bound (dtype, BOUND_F32, BOUND_F16, BOUND_BF16);
}

static void
check_binary (ae_context *ctx, ae_dtype dtype, int op, int64_t rows, int64_t cols, bool broadcast)
{
  ae_error error = { 0 };
  int64_t shape[2] = { rows, cols };
  int64_t nb = broadcast ? cols : rows * cols;
  size_t n = (size_t) (rows * cols);
  float *a = th_random (n, 10 + rows, -2, 2, dtype);
  float *b = th_random (nb, 20 + cols, -2, 2, dtype);
  float *ref = malloc (n * sizeof *ref);
  char what[128];

  (op == 0 ? ae_ref_add : ae_ref_mul) (ref, a, b, n, nb);
  th_round (ref, n, dtype);
  ae_tensor *ta = th_upload (ctx, dtype, 2, shape, a);
  ae_tensor *tb = th_upload (ctx, dtype, broadcast ? 1 : 2, broadcast ? &shape[1] : shape, b);
  ae_tensor *out = th_new_guarded (ctx, dtype, 2, shape);
  ae_stream *s = ae_stream_new (ctx, &error);
  th_ok ((op == 0 ? ae_op_add : ae_op_mul) (s, out, ta, tb, &error), &error, "op");
  th_finish_stream (s);
  float *got = th_download (out);
  snprintf (what, sizeof what, "%s %s [%lld, %lld]%s", op == 0 ? "add" : "mul", ae_dtype_name (dtype), (long long) rows,
            (long long) cols, broadcast ? " + row" : "");
  /* One rounding of an exact fp32 result: equal to the rounded reference. */
  th_check (what, ref, got, n, 0);
  th_expect (th_guard_intact (out), "%s: nothing written past the output", what);
  ae_stream_free (s);
  th_free_guarded (out);
  ae_tensor_free (ta);
  ae_tensor_free (tb);
  free (a);
  free (b);
  free (ref);
  free (got);
}

static ae_stream *
stream_on (ae_context *ctx, ae_path path)
{
  ae_error error = { 0 };
  ae_stream *s = ae_stream_new (ctx, &error);
  th_ok (s != NULL, &error, "stream");
  th_ok (ae_stream_set_path (s, path), &error, "path");
  return s;
}

enum
{
  GELU,
  SILU,
  SCALE_SHIFT,
  GATED_GELU,
};

static const char *const unary_names[] = { "gelu_tanh", "silu", "scale_shift", "gated_gelu" };

/* `in_place` writes the result over the first input. */
static void
check_unary (ae_context *ctx, ae_path path, ae_dtype dtype, int op, int64_t n, bool in_place)
{
  ae_error error = { 0 };
  int64_t shape[1] = { n };
  float *x = th_random ((size_t) n, 30 + (uint64_t) n, -6, 6, dtype);
  float *y = th_random ((size_t) n, 40 + (uint64_t) n, -2, 2, dtype);
  float *ref = malloc ((size_t) n * sizeof *ref);
  char what[128];
  bool ok = false;

  /* Values where a naive tanh or exp overflows. */
  static const float extremes[] = { -100, -40, -20, -10, 0, 10, 20, 40, 100 };
  if (n > 64)
    for (size_t i = 0; i < AE_N_ELEMENTS (extremes); i++)
      x[i * 7] = ae_round_to_dtype (extremes[i], dtype);

  switch (op)
    {
    case GELU:
      ae_ref_gelu_tanh (ref, x, (size_t) n);
      break;
    case SILU:
      ae_ref_silu (ref, x, (size_t) n);
      break;
    case SCALE_SHIFT:
      ae_ref_scale_shift (ref, x, (size_t) n, 0.13f, -0.25f);
      break;
    default:
      ae_ref_gated_gelu (ref, x, y, (size_t) n);
      break;
    }
  th_round (ref, (size_t) n, dtype);
  ae_tensor *tx = th_upload (ctx, dtype, 1, shape, x);
  ae_tensor *ty = th_upload (ctx, dtype, 1, shape, y);
  ae_tensor *out = in_place ? tx : th_new_guarded (ctx, dtype, 1, shape);
  ae_stream *s = stream_on (ctx, path);
  switch (op)
    {
    case GELU:
      ok = ae_op_gelu_tanh (s, out, tx, &error);
      break;
    case SILU:
      ok = ae_op_silu (s, out, tx, &error);
      break;
    case SCALE_SHIFT:
      ok = ae_op_scale_shift (s, out, tx, 0.13f, -0.25f, &error);
      break;
    default:
      ok = ae_op_gated_gelu (s, out, tx, ty, &error);
      break;
    }
  th_ok (ok, &error, unary_names[op]);
  th_finish_stream (s);
  float *got = th_download (out);
  snprintf (what, sizeof what, "%s %s %s [%lld]%s", unary_names[op], ae_path_name (path), ae_dtype_name (dtype),
            (long long) n, in_place ? " in place" : "");
  th_check (what, ref, got, (size_t) n, bound_for (dtype));
  if (!in_place)
    {
      th_expect (th_guard_intact (out), "%s: nothing written past the output", what);
      th_free_guarded (out);
    }
  ae_stream_free (s);
  ae_tensor_free (tx);
  ae_tensor_free (ty);
  free (x);
  free (y);
  free (ref);
  free (got);
}

/* scale, shift and gate are rows 1, 0 and 2 of a [batch, 6, cols] table, as
 * in the DiT; with shared_row, one [cols] row serves every batch. */
static void
check_per_batch (ae_context *ctx, ae_path path, ae_dtype dtype, bool residual, int64_t batch, int64_t tokens,
                 int64_t cols, bool shared_row)
{
  ae_error error = { 0 };
  int64_t shape[3] = { batch, tokens, cols }, tshape[3] = { batch, 6, cols };
  int64_t vshape[2] = { batch, cols }, vstride[2] = { 6 * cols, 1 };
  int64_t rshape[1] = { cols }, rstride[1] = { 1 };
  size_t n = (size_t) (batch * tokens * cols), nv = (size_t) (batch * cols);
  float *x = th_random (n, 50 + (uint64_t) n, -3, 3, dtype);
  float *y = th_random (n, 60 + (uint64_t) n, -3, 3, dtype);
  float *table = th_random ((size_t) (batch * 6 * cols), 70 + (uint64_t) cols, -1, 1, dtype);
  float *rows[3];
  float *ref = malloc (n * sizeof *ref);
  char what[160];

  for (int j = 0; j < 3; j++)
    {
      rows[j] = malloc (nv * sizeof *rows[j]);
      for (int64_t b = 0; b < batch; b++)
        memcpy (rows[j] + b * cols, table + ((shared_row ? 0 : b) * 6 + j) * cols, (size_t) cols * sizeof (float));
    }
  if (residual)
    ae_ref_gated_residual (ref, x, y, rows[2], (size_t) batch, (size_t) tokens, (size_t) cols);
  else
    ae_ref_modulate (ref, x, rows[1], rows[0], (size_t) batch, (size_t) tokens, (size_t) cols);
  th_round (ref, n, dtype);

  ae_tensor *tx = th_upload (ctx, dtype, 3, shape, x);
  ae_tensor *ty = th_upload (ctx, dtype, 3, shape, y);
  ae_tensor *tt = th_upload (ctx, dtype, 3, tshape, table);
  ae_tensor *views[3];
  for (int j = 0; j < 3; j++)
    views[j] = shared_row ? ae_tensor_view (tt, j * cols, 1, rshape, rstride, "row", &error)
                          : ae_tensor_view (tt, j * cols, 2, vshape, vstride, "row", &error);
  /* The gated residual runs in place on h, as the DiT does. */
  ae_tensor *out = residual ? tx : th_new_guarded (ctx, dtype, 3, shape);
  ae_stream *s = stream_on (ctx, path);
  if (residual)
    th_ok (ae_op_gated_residual (s, out, tx, ty, views[2], &error), &error, "gated_residual");
  else
    th_ok (ae_op_modulate (s, out, tx, views[1], views[0], &error), &error, "modulate");
  th_finish_stream (s);
  float *got = th_download (out);
  snprintf (what, sizeof what, "%s %s %s [%lld, %lld, %lld]%s", residual ? "gated_residual (in place)" : "modulate",
            ae_path_name (path), ae_dtype_name (dtype), (long long) batch, (long long) tokens, (long long) cols,
            shared_row ? " one row" : "");
  th_check (what, ref, got, n, bound_for (dtype));
  if (!residual)
    {
      th_expect (th_guard_intact (out), "%s: nothing written past the output", what);
      th_free_guarded (out);
    }
  ae_stream_free (s);
  for (int j = 0; j < 3; j++)
    {
      ae_tensor_free (views[j]);
      free (rows[j]);
    }
  ae_tensor_free (tx);
  ae_tensor_free (ty);
  ae_tensor_free (tt);
  free (x);
  free (y);
  free (table);
  free (ref);
  free (got);
}

static void
check_bad_inputs (ae_context *ctx)
{
  ae_error error = { 0 };
  int64_t s3[3] = { 2, 4, 5 }, s2[2] = { 4, 5 }, s1[1] = { 4 }, sr[2] = { 3, 5 };
  float zeros[40] = { 0 };
  ae_tensor *a = th_upload (ctx, AE_F32, 2, s2, zeros), *b = th_upload (ctx, AE_F32, 1, s1, zeros);
  ae_tensor *h = ae_tensor_new (ctx, AE_F16, 2, s2, "half", &error);
  ae_tensor *x3 = th_upload (ctx, AE_F32, 3, s3, zeros);
  ae_tensor *r3 = th_upload (ctx, AE_F32, 2, sr, zeros);
  ae_tensor *i32 = ae_tensor_new (ctx, AE_I32, 2, s2, "integers", &error);
  ae_stream *s = ae_stream_new (ctx, &error);

  /* Mismatched shapes are refused with a sentence naming both tensors. */
  th_expect (!ae_op_add (s, a, a, b, &error) && error.code == AE_ERROR_INVALID, "bad broadcast: %s", error.message);
  th_expect (!ae_op_add (s, h, a, a, &error) && error.code == AE_ERROR_INVALID, "mixed dtypes: %s", error.message);
  th_expect (!ae_op_gated_gelu (s, a, a, b, &error) && error.code == AE_ERROR_INVALID,
             "gated_gelu, b of another shape: %s", error.message);
  th_expect (!ae_op_silu (s, i32, i32, &error) && error.code == AE_ERROR_INVALID, "silu of integers: %s",
             error.message);
  th_expect (!ae_op_gelu_tanh (s, h, a, &error) && error.code == AE_ERROR_INVALID, "gelu_tanh, f32 in, f16 out: %s",
             error.message);
  th_expect (!ae_op_modulate (s, x3, x3, r3, r3, &error) && error.code == AE_ERROR_INVALID,
             "modulate, 3 rows for 2 batches: %s", error.message);
  th_expect (!ae_op_modulate (s, a, a, b, b, &error) && error.code == AE_ERROR_INVALID, "modulate, 2-D x: %s",
             error.message);
  th_expect (!ae_op_gated_residual (s, x3, x3, x3, NULL, &error) && error.code == AE_ERROR_INVALID,
             "gated_residual without a gate: %s", error.message);
  th_expect (ae_stream_dispatch_count (s) == 0, "refused ops record nothing");
  ae_stream_free (s);
  ae_tensor_free (a);
  ae_tensor_free (b);
  ae_tensor_free (h);
  ae_tensor_free (x3);
  ae_tensor_free (r3);
  ae_tensor_free (i32);
}

/* A 4 KiB binding range and 16 workgroups per axis: the ops split and fold. */
static void
check_split (void)
{
  ae_context *ctx = th_context_with_limits (4096, 16);
  th_expect (ae_context_max_binding_range (ctx) == 4096, "binding range faked to 4 KiB");
  check_unary (ctx, AE_PATH_LVP, AE_F32, GELU, 10007, false);
  check_unary (ctx, AE_PATH_LVP, AE_BF16, GATED_GELU, 10007, false);
  check_per_batch (ctx, AE_PATH_LVP, AE_F32, false, 2, 40, 96, false);
  check_per_batch (ctx, AE_PATH_LVP, AE_F16, true, 2, 40, 96, false);
  ae_context_free (ctx);
}

int
main (void)
{
  ae_context *ctx = th_context ();
  static const int64_t sizes[] = { 1, 13, 127, 512 };

  for (int d = AE_F32; d <= AE_BF16; d++)
    for (int op = 0; op < 2; op++)
      for (size_t i = 0; i < AE_N_ELEMENTS (sizes); i++)
        {
          check_binary (ctx, (ae_dtype) d, op, sizes[i], sizes[AE_N_ELEMENTS (sizes) - 1 - i], false);
          check_binary (ctx, (ae_dtype) d, op, sizes[i], 13, true);
        }

  for (int p = 0; p < AE_N_PATHS; p++)
    {
      ae_path path = (ae_path) p;
      if (!ae_path_supported (ctx, path))
        {
          printf ("skip %s: not supported by this device\n", ae_path_name (path));
          continue;
        }
      for (int d = AE_F32; d <= AE_BF16; d++)
        {
          ae_dtype dtype = (ae_dtype) d;
          for (int op = GELU; op <= GATED_GELU; op++)
            {
              for (size_t i = 0; i < AE_N_ELEMENTS (sizes); i++)
                check_unary (ctx, path, dtype, op, sizes[i] * sizes[i], false);
              /* T5's feed-forward row (10,240) and the DiT's (9,216). */
              check_unary (ctx, path, dtype, op, 3 * 10240, false);
              check_unary (ctx, path, dtype, op, 9216 + 1, true);
            }
          check_per_batch (ctx, path, dtype, false, 1, 1, 1, false);
          check_per_batch (ctx, path, dtype, false, 2, 13, 127, false);
          check_per_batch (ctx, path, dtype, false, 2, 5, 2304, false);
          check_per_batch (ctx, path, dtype, false, 2, 7, 513, true);
          check_per_batch (ctx, path, dtype, true, 1, 1, 1, false);
          check_per_batch (ctx, path, dtype, true, 2, 13, 127, false);
          check_per_batch (ctx, path, dtype, true, 2, 5, 2304, false);
          check_per_batch (ctx, path, dtype, true, 3, 4, 512, true);
        }
    }

  check_bad_inputs (ctx);
  ae_context_free (ctx);
  check_split ();
  return th_summary ();
}
