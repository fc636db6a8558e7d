/* test-conv.c: convolution and upsampling kernels against ref-conv.c.
 *
 * Every case runs on every path the device supports (lvp, tiled, nv_cm), on
 * small shapes with the geometry of each VAE layer
 * (allegro-spec.md 6.3-6.5): temporal (3,1,1) with replicate or zero T
 * padding, (3,3,3) with replicate T and zero H/W, (2,3,3) stride (2,1,1),
 * (1,3,3) C -> 2C, per-frame 3x3 and 1x1 convs on 4-D and 5-D inputs,
 * Downsample2D (zero pad right/bottom, stride 2), Upsample2D folded into the
 * conv, and the standalone upsampling.  Then the split over binding ranges,
 * and bad inputs.  Geometry cases run in f32; storage types only change the
 * loads and stores, so f16 and bf16 run on five cases that between them
 * touch every tile shape and gather (each pipeline costs lavapipe ~0.5 s to
 * compile, which is what bounds this test's time).
 *
 * Bounds (NMSE; ggml's CONV_2D/CONV_3D ceiling is 5e-4):
 *  - f32 on lvp/tiled: only fp32 summation-order error, ~1e-14 here; 1e-10.
 *  - f16 and bf16 storage: the inputs are exact in the reference, so the
 *    error is the output's rounding, at most half an ulp per element:
 *    |d| <= 2^-11 |ref| (f16), 2^-8 |ref| (bf16), hence NMSE <= 2^-22 = 2.4e-7
 *    and 2^-16 = 1.5e-5.  Bounds 3e-7 and 2e-5 (the rest is fp32 summation).
 *  - nv_cm with f32 storage: each operand is rounded to fp16 (relative error
 *    up to 2^-11, variance ~2^-22/3 each), so NMSE ~ 2 * 2^-22 / 3 = 1.6e-7
 *    for sums of random-signed products (6-7e-8 measured with the kernel's
 *    tiling emulated on lavapipe); bound 2e-6.  f16 storage is exact in fp16,
 *    and bf16 values of [-1, 1] are too down to 2^-17, so their bounds stay.
 */
#include "harness.h"

#include <math.h>
#include <string.h>

typedef struct
{
  const char *name;
  int64_t batch, cin, cout, t, h, w;
  int kernel[3];
  ae_conv_params params;
  int kind; /* CONV3D, CONV2D_5D ([B, C, T, H, W]) or CONV2D_4D ([N, C, H, W], t = 1) */
  bool bias;
  bool every_dtype; /* also f16 and bf16; the others run in f32 only */
} conv_case;

enum
{
  CONV3D,
  CONV2D_5D,
  CONV2D_4D,
};

/* clang-format off */
#define REPLICATE_T { AE_PAD_REPLICATE, AE_PAD_ZERO, AE_PAD_ZERO }
#define SAME_2D { .pad_begin = { 0, 1, 1 }, .pad_end = { 0, 1, 1 } }

/* name, batch, cin, cout, t, h, w, kernel, params, kind, bias, every_dtype */
static const conv_case cases[] = {
  /* temp_convs.k: GN, SiLU, replicate pad T by 1, Conv3d (3,1,1). */
  { "temporal (3,1,1) replicate T", 1, 13, 13, 5, 7, 9, { 3, 1, 1 },
    { .pad_begin = { 1 }, .pad_end = { 1 }, .pad_mode = REPLICATE_T }, CONV3D, true, false },
  /* temp_conv_in/out: Conv3d (3,1,1) with zero padding 1 in T. */
  { "temporal (3,1,1) zero T", 2, 32, 32, 3, 9, 7, { 3, 1, 1 },
    { .pad_begin = { 1 }, .pad_end = { 1 } }, CONV3D, true, false },
  /* temp_conv_up/down conv2..4: replicate T, Conv3d (3,3,3) pad (0,1,1). */
  { "(3,3,3) replicate T, zero HW", 2, 13, 13, 4, 7, 9, { 3, 3, 3 },
    { .pad_begin = { 1, 1, 1 }, .pad_end = { 1, 1, 1 }, .pad_mode = REPLICATE_T }, CONV3D, true, true },
  { "(3,3,3) replicate T, T=1", 1, 4, 4, 1, 9, 16, { 3, 3, 3 },
    { .pad_begin = { 1, 1, 1 }, .pad_end = { 1, 1, 1 }, .pad_mode = REPLICATE_T }, CONV3D, true, false },
  /* temp_convs_down conv1: Conv3d (2,3,3) stride (2,1,1) pad (0,1,1), T even. */
  { "(2,3,3) stride (2,1,1)", 1, 13, 13, 4, 9, 7, { 2, 3, 3 },
    { .stride = { 2, 1, 1 }, .pad_begin = { 0, 1, 1 }, .pad_end = { 0, 1, 1 } }, CONV3D, true, false },
  { "(2,3,3) stride (2,1,1), odd T", 1, 4, 3, 5, 7, 7, { 2, 3, 3 },
    { .stride = { 2, 1, 1 }, .pad_begin = { 0, 1, 1 }, .pad_end = { 0, 1, 1 } }, CONV3D, false, false },
  /* temp_conv_up conv1: Conv3d (1,3,3) C -> 2C pad (0,1,1). */
  { "(1,3,3) C -> 2C", 1, 16, 32, 3, 9, 7, { 1, 3, 3 }, SAME_2D, CONV3D, true, false },
  /* Everything at once: stride 2 and replicate padding on every axis. */
  { "(3,3,3) stride 2, replicate all", 1, 4, 5, 5, 9, 7, { 3, 3, 3 },
    { .stride = { 2, 2, 2 }, .pad_begin = { 1, 1, 1 }, .pad_end = { 1, 2, 0 },
      .pad_mode = { AE_PAD_REPLICATE, AE_PAD_REPLICATE, AE_PAD_REPLICATE } }, CONV3D, true, false },
  /* Tile edges: 65 output channels, 13 * 3 * 9 * 7 pixels. */
  { "(3,3,3) 13 -> 65 tile edges", 1, 13, 65, 3, 9, 7, { 3, 3, 3 },
    { .pad_begin = { 1, 1, 1 }, .pad_end = { 1, 1, 1 }, .pad_mode = REPLICATE_T }, CONV3D, true, false },
  /* Enough pixels (2 x 128 channel tiles x 128 pixel tiles) for the tiled
   * and nv_cm kernels' 128 x 128 tile, with one channel past it. */
  { "conv2d 3x3 13 -> 129, large tile", 1, 13, 129, 4, 64, 64, { 1, 3, 3 }, SAME_2D, CONV2D_5D, true, false },
  /* conv_in 3 -> 128 (K = 27) and 4 -> 128, per frame, frames in place. */
  { "conv2d 3x3 3 -> 128, 5-D", 1, 3, 128, 2, 16, 16, { 1, 3, 3 }, SAME_2D, CONV2D_5D, true, false },
  { "conv2d 3x3 4 -> 128, 5-D", 1, 4, 128, 3, 7, 9, { 1, 3, 3 }, SAME_2D, CONV2D_5D, true, false },
  /* ResnetBlock2D conv1/conv2 on flattened frames. */
  { "conv2d 3x3 32 -> 32, 4-D", 3, 32, 32, 1, 9, 7, { 1, 3, 3 }, SAME_2D, CONV2D_4D, true, false },
  { "conv2d 3x3 128 -> 128, 4-D", 2, 128, 128, 1, 16, 16, { 1, 3, 3 }, SAME_2D, CONV2D_4D, true, false },
  /* conv_out 128 -> 3. */
  { "conv2d 3x3 128 -> 3, 5-D", 1, 128, 3, 2, 7, 9, { 1, 3, 3 }, SAME_2D, CONV2D_5D, true, true },
  /* conv_shortcut 1x1 and post_quant_conv 1x1 4 -> 4. */
  { "conv2d 1x1 13 -> 32, 4-D", 2, 13, 32, 1, 7, 9, { 1, 1, 1 }, { .kernel = { 0 } }, CONV2D_4D, true, true },
  { "conv2d 1x1 4 -> 4, 5-D", 1, 4, 4, 5, 7, 9, { 1, 1, 1 }, { .kernel = { 0 } }, CONV2D_5D, true, false },
  { "conv3d 1x1x1 128 -> 13", 1, 128, 13, 2, 7, 9, { 1, 1, 1 }, { .kernel = { 0 } }, CONV3D, false, false },
  /* Downsample2D: F.pad (0,1,0,1) zeros, then 3x3 stride 2 pad 0. */
  { "Downsample2D 3x3 s2 pad end 1", 2, 13, 13, 1, 9, 16, { 1, 3, 3 },
    { .stride = { 1, 2, 2 }, .pad_end = { 0, 1, 1 } }, CONV2D_4D, true, true },
  { "Downsample2D 3x3 s2 pad end 1, 5-D", 1, 32, 32, 2, 16, 7, { 1, 3, 3 },
    { .stride = { 1, 2, 2 }, .pad_end = { 0, 1, 1 } }, CONV2D_5D, true, false },
  /* Upsample2D: nearest x2, then 3x3 pad 1, folded into one kernel. */
  { "Upsample2D folded 3x3", 2, 13, 13, 1, 7, 9, { 1, 3, 3 },
    { .pad_begin = { 0, 1, 1 }, .pad_end = { 0, 1, 1 }, .upsample2x = true }, CONV2D_4D, true, true },
  { "Upsample2D folded 3x3, 5-D", 1, 32, 32, 2, 8, 5, { 1, 3, 3 },
    { .pad_begin = { 0, 1, 1 }, .pad_end = { 0, 1, 1 }, .upsample2x = true }, CONV2D_5D, true, false },
};

/* For the split test's small binding range (4096 bytes). */
static const conv_case split_cases[] = {
  /* x per batch entry 13 * 189 * 4 B > 4096: channel chunks with accumulation. */
  { "split channels (3,3,3)", 2, 13, 13, 3, 7, 9, { 3, 3, 3 },
    { .pad_begin = { 1, 1, 1 }, .pad_end = { 1, 1, 1 }, .pad_mode = REPLICATE_T }, CONV3D, true, false },
  /* x per frame 4 * 63 * 4 B fits, the whole does not: batch chunks. */
  { "split batch conv2d 4-D", 12, 4, 4, 1, 7, 9, { 1, 3, 3 }, SAME_2D, CONV2D_4D, true, false },
};
/* clang-format on */

static double
bound_for (ae_path path, ae_dtype dtype)
{
  if (dtype == AE_F32)
    return path == AE_PATH_NV_CM ? 2e-6 : 1e-10;
  return th_bound (dtype, 1e-10, 3e-7, 2e-5);
}

static void
ref_shape (const conv_case *c, ae_ref_conv_shape *r)
{
  memset (r, 0, sizeof *r);
  r->batch = c->batch;
  r->cin = c->cin;
  r->cout = c->cout;
  r->t = c->t;
  r->h = c->h;
  r->w = c->w;
  for (int a = 0; a < 3; a++)
    {
      r->kernel[a] = c->kernel[a];
      r->stride[a] = c->params.stride[a] ? c->params.stride[a] : 1;
      r->pad_begin[a] = c->params.pad_begin[a];
      r->pad_end[a] = c->params.pad_end[a];
      r->replicate[a] = c->params.pad_mode[a] == AE_PAD_REPLICATE;
    }
  r->upsample2x = c->params.upsample2x;
}

/* Shapes of x, weight and out as the case's op takes them. */
static void
tensor_shapes (const conv_case *c, const int64_t od[3], int64_t xs[5], int64_t ws[5], int64_t os[5], int *nd, int *wnd)
{
  if (c->kind == CONV2D_4D)
    {
      int64_t x4[4] = { c->batch, c->cin, c->h, c->w }, o4[4] = { c->batch, c->cout, od[1], od[2] };
      int64_t w4[4] = { c->cout, c->cin, c->kernel[1], c->kernel[2] };
      memcpy (xs, x4, sizeof x4);
      memcpy (os, o4, sizeof o4);
      memcpy (ws, w4, sizeof w4);
      *nd = *wnd = 4;
      return;
    }
  int64_t x5[5] = { c->batch, c->cin, c->t, c->h, c->w }, o5[5] = { c->batch, c->cout, od[0], od[1], od[2] };
  int64_t w5[5] = { c->cout, c->cin, c->kernel[0], c->kernel[1], c->kernel[2] };
  memcpy (xs, x5, sizeof x5);
  memcpy (os, o5, sizeof o5);
  memcpy (ws, w5, sizeof w5);
  *nd = 5;
  /* 5-D per-frame convs take PyTorch's Conv2d weight [Cout, Cin, KH, KW]. */
  *wnd = c->kind == CONV2D_5D ? 4 : 5;
  if (*wnd == 4)
    {
      ws[2] = c->kernel[1];
      ws[3] = c->kernel[2];
    }
}

static bool
run_op (ae_stream *s, const conv_case *c, ae_tensor *out, ae_tensor *x, ae_tensor *w, ae_tensor *b, ae_error *error)
{
  if (c->kind == CONV3D)
    return ae_op_conv3d (s, out, x, w, b, &c->params, error);
  return ae_op_conv2d (s, out, x, w, b, &c->params, error);
}

/* One case in one dtype on every path; returns the worst NMSE seen. */
static double
check_case (ae_context *ctx, const conv_case *c, ae_dtype dtype, double bound_scale, double *worst_by_path)
{
  ae_error error = { 0 };
  ae_ref_conv_shape rs;
  int64_t od[3], xs[5], ws[5], os[5];
  int nd, wnd;
  char what[160];
  double worst = 0;

  ref_shape (c, &rs);
  ae_ref_conv_out_dims (&rs, od);
  tensor_shapes (c, od, xs, ws, os, &nd, &wnd);
  size_t nx = (size_t) (c->batch * c->cin * c->t * c->h * c->w);
  size_t nw = (size_t) (c->cout * c->cin * c->kernel[0] * c->kernel[1] * c->kernel[2]);
  size_t no = (size_t) (c->batch * c->cout * od[0] * od[1] * od[2]);
  float *x = th_random (nx, 100 + nx, -1, 1, dtype);
  float *w = th_random (nw, 200 + nw, -1, 1, dtype);
  float *b = th_random ((size_t) c->cout, 300 + c->cout, -1, 1, dtype);
  float *ref = malloc (no * sizeof *ref);
  ae_ref_conv3d (ref, x, w, c->bias ? b : NULL, &rs);

  ae_tensor *tx = th_upload (ctx, dtype, nd, xs, x);
  ae_tensor *tw = th_upload (ctx, dtype, wnd, ws, w);
  ae_tensor *tb = c->bias ? th_upload (ctx, dtype, 1, &c->cout, b) : NULL;
  for (int p = 0; p < AE_N_PATHS; p++)
    {
      ae_stream *s = ae_stream_new (ctx, &error);
      th_ok (s != NULL, &error, "stream");
      if (!ae_stream_set_path (s, (ae_path) p))
        {
          ae_stream_free (s);
          continue;
        }
      ae_tensor *out = th_new_guarded (ctx, dtype, nd, os);
      snprintf (what, sizeof what, "%s %s %s", c->name, ae_dtype_name (dtype), ae_path_name ((ae_path) p));
      th_ok (run_op (s, c, out, tx, tw, tb, &error), &error, what);
      th_finish_stream (s);
      float *got = th_download (out);
      double bound = bound_scale * bound_for ((ae_path) p, dtype);
      th_check (what, ref, got, no, bound);
      double nmse = th_nmse (ref, got, no);
      worst = fmax (worst, nmse);
      worst_by_path[p] = fmax (worst_by_path[p], nmse);
      th_expect (th_guard_intact (out), "%s: nothing written past the output", what);

      /* The padding modes must matter: the same output against a reference
       * with zero padding everywhere fails the bound. */
      bool any_replicate = rs.replicate[0] || rs.replicate[1] || rs.replicate[2];
      if (any_replicate && dtype == AE_F32)
        {
          ae_ref_conv_shape zero = rs;
          float *ref_zero = malloc (no * sizeof *ref_zero);
          zero.replicate[0] = zero.replicate[1] = zero.replicate[2] = false;
          ae_ref_conv3d (ref_zero, x, w, c->bias ? b : NULL, &zero);
          th_expect (th_nmse (ref_zero, got, no) > 100 * bound, "%s: differs from zero padding (nmse %.2e)", what,
                     th_nmse (ref_zero, got, no));
          free (ref_zero);
        }
      free (got);
      th_free_guarded (out);
      ae_stream_free (s);
    }
  ae_tensor_free (tx);
  ae_tensor_free (tw);
  ae_tensor_free (tb);
  free (x);
  free (w);
  free (b);
  free (ref);
  return worst;
}

static void
check_upsample (ae_context *ctx, ae_dtype dtype, int ndim, const int64_t *shape)
{
  ae_error error = { 0 };
  int64_t oshape[5];
  char what[128];
  size_t n = 1;

  for (int i = 0; i < ndim; i++)
    {
      n *= (size_t) shape[i];
      oshape[i] = shape[i] * (i >= ndim - 2 ? 2 : 1);
    }
  int64_t h = shape[ndim - 2], w = shape[ndim - 1];
  float *x = th_random (n, 400 + n, -1, 1, dtype);
  float *ref = malloc (4 * n * sizeof *ref);
  ae_ref_upsample_nearest2x (ref, x, (int64_t) n / (h * w), h, w);
  ae_tensor *tx = th_upload (ctx, dtype, ndim, shape, x);
  ae_tensor *out = th_new_guarded (ctx, dtype, ndim, oshape);
  ae_stream *s = ae_stream_new (ctx, &error);
  th_ok (ae_op_upsample_nearest2x (s, out, tx, &error), &error, "upsample");
  th_finish_stream (s);
  float *got = th_download (out);
  snprintf (what, sizeof what, "upsample_nearest2x %s %dD [.., %lld, %lld]", ae_dtype_name (dtype), ndim, (long long) h,
            (long long) w);
  /* A copy: exactly equal. */
  th_check (what, ref, got, 4 * n, 0);
  th_expect (th_guard_intact (out), "%s: nothing written past the output", what);
  ae_stream_free (s);
  th_free_guarded (out);
  ae_tensor_free (tx);
  free (x);
  free (ref);
  free (got);
}

/* A small binding range forces every split: batch chunks, output-channel
 * chunks and input-channel chunks that add into the output; a tiny
 * workgroup limit folds every grid. */
static void
check_splits (void)
{
  ae_context *ctx = th_context_with_limits (4096, 7);
  double worst[AE_N_PATHS] = { 0 };

  for (size_t i = 0; i < AE_N_ELEMENTS (split_cases); i++)
    {
      check_case (ctx, &split_cases[i], AE_F32, 1, worst);
      /* Input-channel chunks store a rounded partial sum and round again
       * after adding to it: up to 2^-16 (|partial|^2 / |sum|^2 + 1) = ~2.7e-5
       * with two chunks of 10 and 3 channels, so twice the usual bound. */
      check_case (ctx, &split_cases[i], AE_BF16, 2, worst);
    }
  int64_t up[5] = { 2, 3, 4, 7, 9 };
  check_upsample (ctx, AE_F32, 5, up);

  /* One channel plane past the range cannot be split: a clear refusal. */
  ae_error error = { 0 };
  int64_t xs[5] = { 1, 2, 1, 40, 40 }, ws[5] = { 2, 2, 1, 3, 3 };
  ae_tensor *x = ae_tensor_new (ctx, AE_F32, 5, xs, "big", &error);
  ae_tensor *w = ae_tensor_new (ctx, AE_F32, 5, ws, "weight", &error);
  ae_tensor *out = ae_tensor_new (ctx, AE_F32, 5, (int64_t[5]){ 1, 2, 1, 38, 38 }, "out", &error);
  ae_stream *s = ae_stream_new (ctx, &error);
  th_expect (!ae_op_conv3d (s, out, x, w, NULL, NULL, &error) && error.code == AE_ERROR_INVALID
                 && strstr (error.message, "binding") != NULL,
             "plane past the binding range refused: %s", error.message);
  ae_stream_free (s);
  ae_tensor_free (x);
  ae_tensor_free (w);
  ae_tensor_free (out);
  ae_context_free (ctx);
}

static void
expect_refused (ae_context *ctx, const char *what, bool ok, const ae_error *error)
{
  th_expect (!ok && error->code == AE_ERROR_INVALID && error->message[0] != '\0', "%s refused: %s", what,
             error->message);
}

static void
check_bad_inputs (ae_context *ctx)
{
  ae_error error = { 0 };
  ae_stream *s = ae_stream_new (ctx, &error);
  int64_t xs[5] = { 1, 4, 3, 5, 5 };
  ae_tensor *x = ae_tensor_new (ctx, AE_F32, 5, xs, "x", &error);
  ae_tensor *w = ae_tensor_new (ctx, AE_F32, 5, (int64_t[5]){ 8, 4, 3, 3, 3 }, "w", &error);
  ae_tensor *w_cin = ae_tensor_new (ctx, AE_F32, 5, (int64_t[5]){ 8, 5, 3, 3, 3 }, "w_cin5", &error);
  ae_tensor *w4 = ae_tensor_new (ctx, AE_F32, 4, (int64_t[4]){ 8, 4, 3, 3 }, "w_2d", &error);
  ae_tensor *w_big = ae_tensor_new (ctx, AE_F32, 5, (int64_t[5]){ 8, 4, 1, 5, 5 }, "w_5x5", &error);
  ae_tensor *w_square = ae_tensor_new (ctx, AE_F32, 5, (int64_t[5]){ 4, 4, 3, 3, 3 }, "w_4to4", &error);
  ae_tensor *w_133 = ae_tensor_new (ctx, AE_F32, 5, (int64_t[5]){ 8, 4, 1, 3, 3 }, "w_133", &error);
  ae_tensor *w_h = ae_tensor_new (ctx, AE_F16, 5, (int64_t[5]){ 8, 4, 3, 3, 3 }, "w_half", &error);
  ae_tensor *bias_bad = ae_tensor_new (ctx, AE_F32, 1, (int64_t[1]){ 7 }, "bias7", &error);
  ae_tensor *out = ae_tensor_new (ctx, AE_F32, 5, (int64_t[5]){ 1, 8, 3, 5, 5 }, "out", &error);
  ae_tensor *out_bad = ae_tensor_new (ctx, AE_F32, 5, (int64_t[5]){ 1, 8, 3, 4, 5 }, "out_short", &error);
  ae_conv_params same = { .pad_begin = { 1, 1, 1 }, .pad_end = { 1, 1, 1 } };
  ae_conv_params stride3 = { .stride = { 1, 3, 1 }, .pad_begin = { 1, 1, 1 }, .pad_end = { 1, 1, 1 } };
  ae_conv_params t_set = { .pad_begin = { 1, 1, 1 }, .pad_end = { 1, 1, 1 } };

  /* The good call first, so the refusals below are about the one change. */
  th_expect (ae_op_conv3d (s, out, x, w, NULL, &same, &error), "conv3d accepts the good call");
  expect_refused (ctx, "channel mismatch", ae_op_conv3d (s, out, x, w_cin, NULL, &same, &error), &error);
  expect_refused (ctx, "4-D weight in conv3d", ae_op_conv3d (s, out, x, w4, NULL, &same, &error), &error);
  expect_refused (ctx, "5x5 kernel", ae_op_conv3d (s, out, x, w_big, NULL, &same, &error), &error);
  expect_refused (ctx, "mixed dtypes", ae_op_conv3d (s, out, x, w_h, NULL, &same, &error), &error);
  expect_refused (ctx, "bias of 7 for 8 channels", ae_op_conv3d (s, out, x, w, bias_bad, &same, &error), &error);
  expect_refused (ctx, "wrong output shape", ae_op_conv3d (s, out_bad, x, w, NULL, &same, &error), &error);
  expect_refused (ctx, "stride 3", ae_op_conv3d (s, out, x, w, NULL, &stride3, &error), &error);
  expect_refused (ctx, "output aliasing input", ae_op_conv3d (s, x, x, w_square, NULL, &same, &error), &error);
  expect_refused (ctx, "conv2d with T padding", ae_op_conv2d (s, out, x, w4, NULL, &t_set, &error), &error);
  ae_conv_params same_2d = { .pad_begin = { 0, 1, 1 }, .pad_end = { 0, 1, 1 } };
  th_expect (ae_op_conv2d (s, out, x, w4, NULL, &same_2d, &error), "conv2d takes a 2D weight per frame");
  th_expect (ae_op_conv2d (s, out, x, w_133, NULL, &same_2d, &error), "conv2d takes a [Cout, Cin, 1, KH, KW] weight");
  expect_refused (ctx, "conv2d with a (3,3,3) weight", ae_op_conv2d (s, out, x, w, NULL, &same_2d, &error), &error);
  ae_conv_params kernel_mismatch = { .kernel = { 3, 3, 1 } };
  expect_refused (ctx, "params.kernel against the weight", ae_op_conv3d (s, out, x, w, NULL, &kernel_mismatch, &error),
                  &error);
  expect_refused (ctx, "upsample with output not doubled", ae_op_upsample_nearest2x (s, out, x, &error), &error);
  th_ok (ae_stream_finish (s, &error), &error, "finish");

  ae_stream_free (s);
  ae_tensor_free (x);
  ae_tensor_free (w);
  ae_tensor_free (w_cin);
  ae_tensor_free (w4);
  ae_tensor_free (w_big);
  ae_tensor_free (w_h);
  ae_tensor_free (w_133);
  ae_tensor_free (w_square);
  ae_tensor_free (bias_bad);
  ae_tensor_free (out);
  ae_tensor_free (out_bad);
}

int
main (void)
{
  ae_context *ctx = th_context ();
  double worst[AE_N_DTYPES][AE_N_PATHS] = { { 0 } };
  static const ae_dtype dtypes[] = { AE_F32, AE_F16, AE_BF16 };

  for (size_t i = 0; i < AE_N_ELEMENTS (cases); i++)
    for (size_t d = 0; d < (cases[i].every_dtype ? AE_N_ELEMENTS (dtypes) : 1); d++)
      check_case (ctx, &cases[i], dtypes[d], 1, worst[dtypes[d]]);

  static const int64_t up4[4] = { 2, 13, 7, 9 }, up5[5] = { 1, 4, 3, 16, 5 };
  for (size_t d = 0; d < AE_N_ELEMENTS (dtypes); d++)
    {
      check_upsample (ctx, dtypes[d], 4, up4);
      check_upsample (ctx, dtypes[d], 5, up5);
    }
  check_bad_inputs (ctx);

  for (size_t d = 0; d < AE_N_ELEMENTS (dtypes); d++)
    for (int p = 0; p < AE_N_PATHS; p++)
      if (ae_path_supported (ctx, (ae_path) p))
        printf ("worst nmse conv %-4s %-5s %.3e\n", ae_dtype_name (dtypes[d]), ae_path_name ((ae_path) p),
                worst[dtypes[d]][p]);
  ae_context_free (ctx);

  check_splits ();
  return th_summary ();
}
