/* test-elementwise.c: element-wise kernels against ref-elementwise.c. */
#include "harness.h"

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
  snprintf (what, sizeof what, "%s %s [%lld, %lld]%s", op == 0 ? "add" : "mul", ae_dtype_name (dtype),
            (long long) rows, (long long) cols, broadcast ? " + row" : "");
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

int
main (void)
{
  ae_context *ctx = th_context ();
  static const int64_t sizes[] = { 1, 13, 127, 512 };
  ae_error error = { 0 };

  for (int d = AE_F32; d <= AE_BF16; d++)
    for (int op = 0; op < 2; op++)
      for (size_t i = 0; i < AE_N_ELEMENTS (sizes); i++)
        {
          check_binary (ctx, (ae_dtype) d, op, sizes[i], sizes[AE_N_ELEMENTS (sizes) - 1 - i], false);
          check_binary (ctx, (ae_dtype) d, op, sizes[i], 13, true);
        }

  /* Mismatched shapes are refused with a sentence naming both tensors. */
  int64_t s1[2] = { 4, 5 }, s2[1] = { 4 };
  float zeros[20] = { 0 };
  ae_tensor *a = th_upload (ctx, AE_F32, 2, s1, zeros), *b = th_upload (ctx, AE_F32, 1, s2, zeros);
  ae_stream *s = ae_stream_new (ctx, &error);
  th_expect (!ae_op_add (s, a, a, b, &error) && error.code == AE_ERROR_INVALID, "bad broadcast: %s", error.message);
  ae_tensor *h = ae_tensor_new (ctx, AE_F16, 2, s1, "half", &error);
  th_expect (!ae_op_add (s, h, a, a, &error) && error.code == AE_ERROR_INVALID, "mixed dtypes: %s", error.message);
  ae_stream_free (s);
  ae_tensor_free (a);
  ae_tensor_free (b);
  ae_tensor_free (h);
  ae_context_free (ctx);
  return th_summary ();
}
