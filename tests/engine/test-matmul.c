/* test-matmul.c: ae_op_matmul on every path the device runs, against ref-matmul.c. */
#include "harness.h"

#include <string.h>

#define MAX_LEAD 3

typedef struct
{
  ae_dtype x, w; /* x and out share x's dtype */
  int bias;      /* an ae_dtype, or -1 for none */
  int n_lead;    /* leading dims of x (and of w when w_batched) */
  int64_t lead[MAX_LEAD];
  bool w_batched;
  int64_t n, m, k;
  int64_t x_offset; /* x is a view this many elements into a larger tensor */
} mm_case;

/* NMSE bounds.  Inputs are rounded to their storage types before the
 * reference, so what remains is:
 *  - fp32 accumulation in another order: relative error ~ sqrt(K) 2^-24 per
 *    output, NMSE ~ K 2^-48 ~ 3e-11 at K = 9216 (seen: ~1e-13 at K = 512);
 *  - the output's rounding: f16 keeps 11 significant bits, mean squared
 *    relative error ~ (2^-11)^2 / 3 ~ 8e-8; bf16 keeps 8, ~ 5e-6;
 *  - nv_cm rounds f32 operands to fp16 (bf16 and f16 values fit exactly):
 *    two roundings per product, NMSE ~ 2 (2^-11)^2 / 3 ~ 1.6e-7.
 * Each bound sits a few times above its expected value and far below ggml's
 * MUL_MAT ceiling of 5e-4, so a wrong row or a lost k term still fails. */
static double
bound_for (ae_path path, const mm_case *c)
{
  double operands = path == AE_PATH_NV_CM && (c->x == AE_F32 || c->w == AE_F32) ? 1e-6 : 0;
  return operands + th_bound (c->x, 1e-10, 1e-6, 2e-5);
}

static void
describe_case (char *buf, size_t size, ae_path path, const mm_case *c)
{
  int used = snprintf (buf, size, "%-5s x %s w %s", ae_path_name (path), ae_dtype_name (c->x), ae_dtype_name (c->w));
  if (c->bias >= 0)
    used += snprintf (buf + used, size - used, " b %s", ae_dtype_name ((ae_dtype) c->bias));
  used += snprintf (buf + used, size - used, " [");
  for (int i = 0; i < c->n_lead; i++)
    used += snprintf (buf + used, size - used, "%lld,", (long long) c->lead[i]);
  used += snprintf (buf + used, size - used, "%lld,%lld]x%s[%lld,%lld]", (long long) c->n, (long long) c->k,
                    c->w_batched ? "B" : "", (long long) c->m, (long long) c->k);
  if (c->x_offset)
    snprintf (buf + used, size - used, " +%lld", (long long) c->x_offset);
}

static void
check_case (ae_context *ctx, ae_stream *s, ae_path path, const mm_case *c)
{
  ae_error error = { 0 };
  int64_t batch = 1;
  int64_t xshape[MAX_LEAD + 2], wshape[MAX_LEAD + 2], oshape[MAX_LEAD + 2];
  int nd = c->n_lead + 2, wnd = c->w_batched ? nd : 2;
  char what[160];

  for (int i = 0; i < c->n_lead; i++)
    {
      batch *= c->lead[i];
      xshape[i] = oshape[i] = wshape[i] = c->lead[i];
    }
  xshape[nd - 2] = oshape[nd - 2] = c->n;
  xshape[nd - 1] = c->k;
  oshape[nd - 1] = c->m;
  wshape[wnd - 2] = c->m;
  wshape[wnd - 1] = c->k;
  size_t nx = (size_t) (batch * c->n * c->k), nw = (size_t) ((c->w_batched ? batch : 1) * c->m * c->k);
  size_t no = (size_t) (batch * c->n * c->m);
  uint64_t seed = (uint64_t) (c->n * 1000003 + c->m * 1009 + c->k + 7 * c->x + 13 * c->w);
  float *x = th_random (nx + (size_t) c->x_offset, seed, -1, 1, c->x);
  float *w = th_random (nw, seed + 1, -1, 1, c->w);
  float *b = c->bias >= 0 ? th_random ((size_t) c->m, seed + 2, -1, 1, (ae_dtype) c->bias) : NULL;
  float *ref = malloc (AE_MAX (no, 1) * sizeof *ref);

  ae_ref_matmul (ref, x + c->x_offset, w, b, c->w_batched ? batch : 1, c->w_batched ? c->n : batch * c->n, c->m, c->k,
                 c->w_batched);

  int64_t base_shape[1] = { (int64_t) nx + c->x_offset };
  ae_tensor *tx_base = th_upload (ctx, c->x, 1, base_shape, x);
  int64_t xstride[MAX_LEAD + 2];
  xstride[nd - 1] = 1;
  for (int i = nd - 2; i >= 0; i--)
    xstride[i] = xstride[i + 1] * xshape[i + 1];
  ae_tensor *tx = ae_tensor_view (tx_base, c->x_offset, nd, xshape, xstride, "x", &error);
  th_ok (tx != NULL, &error, "view");
  ae_tensor *tw = th_upload (ctx, c->w, wnd, wshape, w);
  int64_t bshape[1] = { c->m };
  ae_tensor *tb = b != NULL ? th_upload (ctx, (ae_dtype) c->bias, 1, bshape, b) : NULL;
  ae_tensor *out = th_new_guarded (ctx, c->x, nd, oshape);

  describe_case (what, sizeof what, path, c);
  th_ok (ae_op_matmul (s, out, tx, tw, tb, &error), &error, what);
  th_finish_stream (s);
  float *got = th_download (out);
  th_check (what, ref, got, no, bound_for (path, c));
  th_expect (th_guard_intact (out), "%s: nothing written past the output", what);

  th_free_guarded (out);
  ae_tensor_free (tx);
  ae_tensor_free (tx_base);
  ae_tensor_free (tw);
  ae_tensor_free (tb);
  free (x);
  free (w);
  free (b);
  free (ref);
  free (got);
}

/* The storage combinations the table builds: (x and out, w). */
static const ae_dtype combos[][2] = {
  { AE_F32, AE_F32 },  { AE_F32, AE_F16 },  { AE_F32, AE_BF16 },  { AE_F16, AE_F16 },
  { AE_F16, AE_BF16 }, { AE_BF16, AE_F16 }, { AE_BF16, AE_BF16 },
};

static void
check_path (ae_context *ctx, ae_path path)
{
  ae_error error = { 0 };
  ae_stream *s = ae_stream_new (ctx, &error);
  th_ok (s != NULL, &error, "stream");
  if (!ae_stream_set_path (s, path))
    {
      printf ("skip %s: this device cannot run it\n", ae_path_name (path));
      ae_stream_free (s);
      return;
    }

  /* Every storage combination: odd K (scalar loads), with a bias of each
   * dtype in turn; and an aligned shape without bias. */
  for (size_t i = 0; i < AE_N_ELEMENTS (combos); i++)
    {
      mm_case odd = { combos[i][0], combos[i][1], (int) (i % 3), .n = 13, .m = 127, .k = 67 };
      mm_case aligned = { combos[i][0], combos[i][1], -1, .n = 70, .m = 96, .k = 128 };
      check_case (ctx, s, path, &odd);
      check_case (ctx, s, path, &aligned);
    }

  /* Shapes: 1, 13, 127, 512 crossed, and tile edges +- 1 (lvp 6 x 32, tiled
   * 32 and 64, nv_cm 64 and 128 x 256). */
  static const int64_t shapes[][3] = {
    { 1, 1, 1 },      { 1, 13, 127 },    { 13, 127, 1 },    { 127, 13, 512 },  { 512, 127, 13 },
    { 13, 512, 127 }, { 127, 512, 512 }, { 6, 32, 4 },      { 7, 33, 5 },      { 5, 31, 3 },
    { 63, 65, 33 },   { 127, 129, 96 },  { 128, 128, 128 }, { 129, 127, 136 }, { 257, 255, 40 },
  };
  for (size_t i = 0; i < AE_N_ELEMENTS (shapes); i++)
    for (int d = 0; d < 2; d++)
      {
        mm_case c = { d == 0 ? AE_F32 : AE_F16, d == 0 ? AE_F32 : AE_F16, i % 2 ? AE_F32 : -1,
                      .n = shapes[i][0],        .m = shapes[i][1],        .k = shapes[i][2] };
        check_case (ctx, s, path, &c);
      }

  /* The model's widths with few tokens: attention 2304 -> 2304, FF 9216 ->
   * 2304, adaLN 2304 -> 13824, proj_out 2304 -> 16, T5 4096 -> caption 2304. */
  static const int64_t model[][3] = {
    { 13, 2304, 2304 }, { 5, 2304, 9216 }, { 2, 13824, 2304 }, { 127, 16, 2304 }, { 7, 2304, 4096 },
  };
  for (size_t i = 0; i < AE_N_ELEMENTS (model); i++)
    {
      mm_case c = { i % 2 ? AE_F16 : AE_F32, AE_BF16, AE_BF16, .n = model[i][0], .m = model[i][1], .k = model[i][2] };
      check_case (ctx, s, path, &c);
    }

  /* GPUs only: enough tiles for the large tiled and nv_cm blocks (they are
   * chosen when they fill the SMs), with ragged edges on every side. */
  if (ae_context_device (ctx)->type != AE_DEVICE_CPU)
    {
      mm_case large[] = {
        { AE_F16, AE_F16, AE_F32, .n = 2100, .m = 2304, .k = 264 },
        { AE_F32, AE_BF16, AE_BF16, .n = 2049, .m = 2310, .k = 259 },
        { AE_BF16, AE_BF16, -1, .n = 4099, .m = 1000, .k = 136 },
      };
      for (size_t i = 0; i < AE_N_ELEMENTS (large); i++)
        check_case (ctx, s, path, &large[i]);
    }

  /* Batched weights, 3-D and 4-D; one matrix shared by a batch (2-D, and
   * [1, M, K]); views at offsets that break 4- and 8-element alignment. */
  mm_case batched[] = {
    { AE_F32, AE_F32, AE_F32, 1, { 3 }, true, 13, 29, 67 },
    { AE_F16, AE_F16, -1, 2, { 2, 2 }, true, 33, 40, 64 },
    { AE_BF16, AE_BF16, AE_BF16, 1, { 4 }, true, 70, 65, 96 },
    { AE_F32, AE_BF16, -1, 1, { 3 }, false, 13, 29, 67 },
    { AE_F16, AE_F16, AE_F16, 2, { 2, 3 }, false, 21, 64, 32 },
    { AE_F32, AE_F32, AE_F32, 0, { 0 }, false, 40, 70, 64, 3 },
    { AE_F16, AE_BF16, -1, 0, { 0 }, false, 40, 70, 64, 4 },
    { AE_F32, AE_F16, AE_F32, 1, { 2 }, true, 17, 70, 64, 1 },
  };
  for (size_t i = 0; i < AE_N_ELEMENTS (batched); i++)
    check_case (ctx, s, path, &batched[i]);

  /* w [1, M, K]: leading dims of 1 mean one shared matrix. */
  {
    float *x = th_random (3 * 13 * 67, 91, -1, 1, AE_F32), *w = th_random (29 * 67, 92, -1, 1, AE_F32);
    float *ref = malloc (3 * 13 * 29 * sizeof *ref);
    int64_t xs[3] = { 3, 13, 67 }, ws[3] = { 1, 29, 67 }, os[3] = { 3, 13, 29 };
    ae_ref_matmul (ref, x, w, NULL, 1, 39, 29, 67, false);
    ae_tensor *tx = th_upload (ctx, AE_F32, 3, xs, x), *tw = th_upload (ctx, AE_F32, 3, ws, w);
    ae_tensor *out = th_new_guarded (ctx, AE_F32, 3, os);
    th_ok (ae_op_matmul (s, out, tx, tw, NULL, &error), &error, "w [1, M, K]");
    th_finish_stream (s);
    float *got = th_download (out);
    char what[96];
    snprintf (what, sizeof what, "%-5s x f32 [3,13,67] x [1,29,67] shared", ae_path_name (path));
    mm_case c = { AE_F32, AE_F32, -1 };
    th_check (what, ref, got, 3 * 13 * 29, bound_for (path, &c));
    th_free_guarded (out);
    ae_tensor_free (tx);
    ae_tensor_free (tw);
    free (x);
    free (w);
    free (ref);
    free (got);
  }
  ae_stream_free (s);
}

/* A second context whose bindings hold 64 KiB and whose grids fold at 16
 * workgroups per axis: the row, batch and whole-batch splits all run. */
static void
check_split (void)
{
  ae_context *ctx = th_context_with_limits (65536, 16);
  ae_error error = { 0 };

  for (int p = 0; p < AE_N_PATHS; p++)
    {
      ae_stream *s = ae_stream_new (ctx, &error);
      th_ok (s != NULL, &error, "stream");
      if (!ae_stream_set_path (s, (ae_path) p))
        {
          ae_stream_free (s);
          continue;
        }
      uint64_t before = ae_stream_dispatch_count (s);
      /* x 300 x 256 f32 = 300 KiB: 63 rows per binding, 5 dispatches. */
      mm_case rows = { AE_F32, AE_F16, AE_F32, .n = 300, .m = 40, .k = 256 };
      check_case (ctx, s, (ae_path) p, &rows);
      uint64_t after = ae_stream_dispatch_count (s);
      th_expect (after - before == 5, "%s: rows split over %llu dispatches (expected 5)", ae_path_name ((ae_path) p),
                 (unsigned long long) (after - before));
      /* Batches of 20 x 64 f16 (2.5 KiB): many whole batches per dispatch. */
      mm_case whole = { AE_F16, AE_F16, -1, 1, { 37 }, true, 20, 24, 64 };
      check_case (ctx, s, (ae_path) p, &whole);
      /* One batch of x is 150 KiB: each batch split by rows. */
      mm_case within = { AE_BF16, AE_BF16, AE_BF16, 1, { 2 }, true, 300, 33, 256 };
      check_case (ctx, s, (ae_path) p, &within);
      /* One weight matrix past the binding is refused. */
      int64_t ws[2] = { 128, 256 }, xs[2] = { 4, 256 }, os[2] = { 4, 128 };
      ae_tensor *w = ae_tensor_new (ctx, AE_F32, 2, ws, "big weight", &error);
      ae_tensor *x = ae_tensor_new (ctx, AE_F32, 2, xs, "x", &error);
      ae_tensor *o = ae_tensor_new (ctx, AE_F32, 2, os, "out", &error);
      th_expect (!ae_op_matmul (s, o, x, w, NULL, &error) && error.code == AE_ERROR_INVALID,
                 "weight past the binding range: %s", error.message);
      ae_tensor_free (w);
      ae_tensor_free (x);
      ae_tensor_free (o);
      ae_stream_free (s);
    }
  ae_context_free (ctx);
}

static void
check_errors (ae_context *ctx)
{
  ae_error error = { 0 };
  ae_stream *s = ae_stream_new (ctx, &error);
  int64_t xs[2] = { 4, 8 }, ws[2] = { 5, 8 }, os[2] = { 4, 5 }, bad[2] = { 5, 7 }, bs[1] = { 6 };
  ae_tensor *x = ae_tensor_new (ctx, AE_F32, 2, xs, "x", &error);
  ae_tensor *w = ae_tensor_new (ctx, AE_F32, 2, ws, "w", &error);
  ae_tensor *o = ae_tensor_new (ctx, AE_F32, 2, os, "out", &error);
  ae_tensor *wk = ae_tensor_new (ctx, AE_F32, 2, bad, "w7", &error);
  ae_tensor *oh = ae_tensor_new (ctx, AE_F16, 2, os, "out16", &error);
  ae_tensor *xh = ae_tensor_new (ctx, AE_F16, 2, xs, "x16", &error);
  ae_tensor *b6 = ae_tensor_new (ctx, AE_F32, 1, bs, "bias6", &error);
  ae_tensor *xi = ae_tensor_new (ctx, AE_I32, 2, xs, "xi", &error);
  int64_t tshape[2] = { 8, 4 }, tstride[2] = { 1, 8 };
  ae_tensor *xt = ae_tensor_view (x, 0, 2, tshape, tstride, "xT", &error);

  th_expect (!ae_op_matmul (s, o, x, wk, NULL, &error) && error.code == AE_ERROR_INVALID, "K mismatch: %s",
             error.message);
  th_expect (!ae_op_matmul (s, oh, x, w, NULL, &error) && error.code == AE_ERROR_INVALID, "out dtype: %s",
             error.message);
  th_expect (!ae_op_matmul (s, o, x, w, b6, &error) && error.code == AE_ERROR_INVALID, "bias shape: %s", error.message);
  th_expect (!ae_op_matmul (s, oh, xh, w, NULL, &error) && error.code == AE_ERROR_UNSUPPORTED, "f16 x with f32 w: %s",
             error.message);
  th_expect (!ae_op_matmul (s, o, xi, w, NULL, &error) && error.code == AE_ERROR_INVALID, "integer x: %s",
             error.message);
  th_expect (!ae_op_matmul (s, o, xt, w, NULL, &error) && error.code == AE_ERROR_INVALID, "strided x: %s",
             error.message);
  th_expect (ae_stream_dispatch_count (s) == 0, "nothing recorded for bad calls");
  ae_tensor_free (xt);
  ae_tensor_free (x);
  ae_tensor_free (w);
  ae_tensor_free (o);
  ae_tensor_free (wk);
  ae_tensor_free (oh);
  ae_tensor_free (xh);
  ae_tensor_free (b6);
  ae_tensor_free (xi);
  ae_stream_free (s);
}

int
main (void)
{
  ae_context *ctx = th_context ();
  const ae_device_info *info = ae_context_device (ctx);

  for (uint32_t i = 0; i < info->n_coopmat_shapes; i++)
    printf ("coopmat shape %ux%ux%u\n", info->coopmat_shapes[i].m, info->coopmat_shapes[i].n,
            info->coopmat_shapes[i].k);
  for (int p = 0; p < AE_N_PATHS; p++)
    check_path (ctx, (ae_path) p);
  check_errors (ctx);
  ae_context_free (ctx);
  check_split ();
  return th_summary ();
}
