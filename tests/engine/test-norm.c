/* test-norm.c: layer norm, RMS norm, softmax and group norm against ref-norm.c.
 *
 * Bounds.  The kernels compute in fp32 and the references in double from the
 * same storage-rounded inputs, and the reference output is rounded to the
 * output's storage type as the kernel's is.  So:
 *  - f32 outputs differ by fp32 arithmetic only: a few ulp per element, NMSE
 *    ~1e-13 (ggml allows 1e-7 for its norms; we keep 1e-10, which a wrong
 *    mean, variance or eps misses by orders of magnitude);
 *  - f16/bf16 outputs differ by at most one rounding step where fp32 and
 *    double fall on two sides of a rounding boundary: NMSE <= (2^-10)^2 ~ 1e-6
 *    for f16 and (2^-7)^2 ~ 6e-5 for bf16 even if every element were off by
 *    one step; in practice a small fraction are.
 */
#include "harness.h"

#include <math.h>
#include <string.h>

#define BOUND_F32 1e-10
#define BOUND_F16 1e-6
#define BOUND_BF16 6e-5

typedef struct
{
  ae_dtype x, out;
} dtype_pair;

static const dtype_pair row_dtypes[] = {
  { AE_F32, AE_F32 }, { AE_F16, AE_F16 }, { AE_BF16, AE_BF16 }, { AE_F32, AE_F16 }, { AE_F32, AE_BF16 },
};

static double
bound_for (ae_dtype out)
{
  return th_bound (out, BOUND_F32, BOUND_F16, BOUND_BF16);
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

static void
check_layer_norm (ae_context *ctx, ae_path path, dtype_pair dt, int64_t rows, int64_t cols, bool affine, float offset)
{
  ae_error error = { 0 };
  int64_t shape[2] = { rows, cols }, wshape[1] = { cols };
  size_t n = (size_t) (rows * cols);
  float *x = th_random (n, 100 + cols, offset - 1, offset + 1, dt.x);
  float *w = th_random ((size_t) cols, 200 + cols, 0.5f, 1.5f, dt.x);
  float *b = th_random ((size_t) cols, 300 + cols, -0.5f, 0.5f, dt.x);
  float *ref = malloc (n * sizeof *ref);
  char what[160];

  ae_ref_layer_norm (ref, x, affine ? w : NULL, affine ? b : NULL, (size_t) rows, (size_t) cols, 1e-6f);
  th_round (ref, n, dt.out);
  ae_tensor *tx = th_upload (ctx, dt.x, 2, shape, x);
  ae_tensor *tw = th_upload (ctx, dt.x, 1, wshape, w);
  ae_tensor *tb = th_upload (ctx, dt.x, 1, wshape, b);
  ae_tensor *out = th_new_guarded (ctx, dt.out, 2, shape);
  ae_stream *s = stream_on (ctx, path);
  th_ok (ae_op_layer_norm (s, out, tx, affine ? tw : NULL, affine ? tb : NULL, 1e-6f, &error), &error, "layer_norm");
  th_finish_stream (s);
  float *got = th_download (out);
  snprintf (what, sizeof what, "layer_norm %s %s->%s [%lld, %lld]%s%s", ae_path_name (path), ae_dtype_name (dt.x),
            ae_dtype_name (dt.out), (long long) rows, (long long) cols, affine ? " affine" : "",
            offset != 0 ? " mean+1000" : "");
  th_check (what, ref, got, n, bound_for (dt.out));
  th_expect (th_guard_intact (out), "%s: nothing written past the output", what);

  if (offset != 0 && dt.x == AE_F32 && dt.out == AE_F32 && path == AE_PATH_LVP)
    {
      /* The one-pass E[x^2] - E[x]^2 in fp32 must fail this bound, or the
       * offset would not be testing the two-pass formula. */
      float *naive = malloc (n * sizeof *naive);
      for (int64_t r = 0; r < rows; r++)
        {
          float sum = 0, sq = 0;
          for (int64_t c = 0; c < cols; c++)
            {
              sum += x[r * cols + c];
              sq += x[r * cols + c] * x[r * cols + c];
            }
          float mean = sum / (float) cols, var = fmaxf (sq / (float) cols - mean * mean, 0);
          for (int64_t c = 0; c < cols; c++)
            naive[r * cols + c] = (x[r * cols + c] - mean) / sqrtf (var + 1e-6f);
        }
      double nmse = th_nmse (ref, naive, n);
      th_expect (nmse > bound_for (dt.out), "%s: one-pass fp32 variance would fail (nmse %.2e)", what, nmse);
      free (naive);
    }

  ae_stream_free (s);
  th_free_guarded (out);
  ae_tensor_free (tx);
  ae_tensor_free (tw);
  ae_tensor_free (tb);
  free (x);
  free (w);
  free (b);
  free (ref);
  free (got);
}

/* scale and shift are rows 1 and 0 of a [batch, 6, cols] table, as in the DiT. */
static void
check_layer_norm_modulate (ae_context *ctx, ae_path path, dtype_pair dt, int64_t batch, int64_t tokens, int64_t cols)
{
  ae_error error = { 0 };
  int64_t shape[3] = { batch, tokens, cols }, tshape[3] = { batch, 6, cols };
  int64_t vshape[2] = { batch, cols }, vstride[2] = { 6 * cols, 1 };
  size_t n = (size_t) (batch * tokens * cols), nt = (size_t) (batch * 6 * cols);
  float *x = th_random (n, 400 + cols, -3, 3, dt.x);
  float *table = th_random (nt, 500 + cols, -1, 1, dt.x);
  float *scale = malloc ((size_t) (batch * cols) * sizeof *scale);
  float *shift = malloc ((size_t) (batch * cols) * sizeof *shift);
  float *ref = malloc (n * sizeof *ref);
  char what[160];

  for (int64_t b = 0; b < batch; b++)
    for (int64_t c = 0; c < cols; c++)
      {
        shift[b * cols + c] = table[(b * 6 + 0) * cols + c];
        scale[b * cols + c] = table[(b * 6 + 1) * cols + c];
      }
  ae_ref_layer_norm_modulate (ref, x, scale, shift, (size_t) batch, (size_t) tokens, (size_t) cols, 1e-6f);
  th_round (ref, n, dt.out);
  ae_tensor *tx = th_upload (ctx, dt.x, 3, shape, x);
  ae_tensor *tt = th_upload (ctx, dt.x, 3, tshape, table);
  ae_tensor *tshift = ae_tensor_view (tt, 0, 2, vshape, vstride, "shift", &error);
  ae_tensor *tscale = ae_tensor_view (tt, cols, 2, vshape, vstride, "scale", &error);
  ae_tensor *out = th_new_guarded (ctx, dt.out, 3, shape);
  ae_stream *s = stream_on (ctx, path);
  th_ok (ae_op_layer_norm_modulate (s, out, tx, tscale, tshift, 1e-6f, &error), &error, "layer_norm_modulate");
  th_finish_stream (s);
  float *got = th_download (out);
  snprintf (what, sizeof what, "layer_norm_modulate %s %s->%s [%lld, %lld, %lld]", ae_path_name (path),
            ae_dtype_name (dt.x), ae_dtype_name (dt.out), (long long) batch, (long long) tokens, (long long) cols);
  th_check (what, ref, got, n, bound_for (dt.out));
  th_expect (th_guard_intact (out), "%s: nothing written past the output", what);
  ae_stream_free (s);
  th_free_guarded (out);
  ae_tensor_free (tshift);
  ae_tensor_free (tscale);
  ae_tensor_free (tt);
  ae_tensor_free (tx);
  free (x);
  free (table);
  free (scale);
  free (shift);
  free (ref);
  free (got);
}

static void
check_rms_norm (ae_context *ctx, ae_path path, dtype_pair dt, int64_t rows, int64_t cols, bool weighted)
{
  ae_error error = { 0 };
  int64_t shape[2] = { rows, cols }, wshape[1] = { cols };
  size_t n = (size_t) (rows * cols);
  float *x = th_random (n, 600 + cols, -2, 2, dt.x);
  float *w = th_random ((size_t) cols, 700 + cols, 0.5f, 1.5f, dt.x);
  float *ref = malloc (n * sizeof *ref);
  char what[160];

  ae_ref_rms_norm (ref, x, weighted ? w : NULL, (size_t) rows, (size_t) cols, 1e-6f);
  th_round (ref, n, dt.out);
  ae_tensor *tx = th_upload (ctx, dt.x, 2, shape, x);
  ae_tensor *tw = th_upload (ctx, dt.x, 1, wshape, w);
  ae_tensor *out = th_new_guarded (ctx, dt.out, 2, shape);
  ae_stream *s = stream_on (ctx, path);
  th_ok (ae_op_rms_norm (s, out, tx, weighted ? tw : NULL, 1e-6f, &error), &error, "rms_norm");
  th_finish_stream (s);
  float *got = th_download (out);
  snprintf (what, sizeof what, "rms_norm %s %s->%s [%lld, %lld]%s", ae_path_name (path), ae_dtype_name (dt.x),
            ae_dtype_name (dt.out), (long long) rows, (long long) cols, weighted ? " weight" : "");
  th_check (what, ref, got, n, bound_for (dt.out));
  th_expect (th_guard_intact (out), "%s: nothing written past the output", what);
  ae_stream_free (s);
  th_free_guarded (out);
  ae_tensor_free (tx);
  ae_tensor_free (tw);
  free (x);
  free (w);
  free (ref);
  free (got);
}

/* Logits up to +-30: without the max subtraction e^x would lose the small terms. */
static void
check_softmax (ae_context *ctx, ae_path path, ae_dtype dtype, int64_t rows, int64_t cols)
{
  ae_error error = { 0 };
  int64_t shape[2] = { rows, cols };
  size_t n = (size_t) (rows * cols);
  float *x = th_random (n, 800 + cols, -30, 30, dtype);
  float *ref = malloc (n * sizeof *ref);
  char what[160];

  ae_ref_softmax (ref, x, (size_t) rows, (size_t) cols);
  th_round (ref, n, dtype);
  ae_tensor *tx = th_upload (ctx, dtype, 2, shape, x);
  ae_tensor *out = th_new_guarded (ctx, dtype, 2, shape);
  ae_stream *s = stream_on (ctx, path);
  th_ok (ae_op_softmax (s, out, tx, &error), &error, "softmax");
  th_finish_stream (s);
  float *got = th_download (out);
  snprintf (what, sizeof what, "softmax %s %s [%lld, %lld]", ae_path_name (path), ae_dtype_name (dtype),
            (long long) rows, (long long) cols);
  /* fp32 exp on GPUs is exp2 of x * log2(e): for |x - max| up to 60 its
   * argument carries ~60 * 2^-24 absolute error, ~4e-6 relative in e^x, an
   * NMSE up to ~1e-11.  1e-9 keeps that margin and still fails on a 1e-4
   * relative error in the sum (ggml allows 1e-6); f16/bf16 as for the norms. */
  th_check (what, ref, got, n, th_bound (dtype, 1e-9, BOUND_F16, BOUND_BF16));
  th_expect (th_guard_intact (out), "%s: nothing written past the output", what);
  ae_stream_free (s);
  th_free_guarded (out);
  ae_tensor_free (tx);
  free (x);
  free (ref);
  free (got);
}

typedef struct
{
  int64_t batch, channels, frames, height, width, groups;
  bool four_d; /* [B, C, H, W]: frames must be 1 */
} group_shape;

/* Each channel gets its own offset (up to `offset`) so groups differ; with
 * in_place the result overwrites x. */
static void
check_group_norm_full (ae_context *ctx, ae_path path, ae_dtype dtype, group_shape g, bool per_frame, bool affine,
                       bool silu, float offset, bool in_place)
{
  ae_error error = { 0 };
  int64_t shape5[5] = { g.batch, g.channels, g.frames, g.height, g.width };
  int64_t shape4[4] = { g.batch, g.channels, g.height, g.width };
  int64_t *shape = g.four_d ? shape4 : shape5;
  int ndim = g.four_d ? 4 : 5;
  int64_t cshape[1] = { g.channels };
  int64_t pixels = g.height * g.width, per_channel = g.frames * pixels;
  size_t n = (size_t) (g.batch * g.channels * per_channel);
  float *x = th_random (n, 900 + (uint64_t) n, -1, 1, AE_F32);
  float *w = th_random ((size_t) g.channels, 1000 + g.channels, 0.5f, 1.5f, dtype);
  float *b = th_random ((size_t) g.channels, 1100 + g.channels, -0.5f, 0.5f, dtype);
  float *ref = malloc (n * sizeof *ref);
  char what[200];
  ae_group_norm_params params = { .groups = g.groups, .eps = 1e-6f, .per_frame = per_frame, .silu = silu };

  for (size_t i = 0; i < n; i++)
    x[i] += offset * (float) ((i / (size_t) per_channel) % 7) / 6.0f;
  th_round (x, n, dtype);
  ae_ref_group_norm (ref, x, affine ? w : NULL, affine ? b : NULL, (size_t) g.batch, (size_t) g.channels,
                     (size_t) g.frames, (size_t) pixels, (size_t) g.groups, 1e-6f, per_frame, silu);
  th_round (ref, n, dtype);
  int64_t wshape[1] = { ae_group_norm_workspace_numel (ndim, shape, &params) };
  th_expect (wshape[0] > 0, "group norm workspace size");
  ae_tensor *work = ae_tensor_new (ctx, AE_F32, 1, wshape, "workspace", &error);
  th_ok (work != NULL, &error, "workspace");
  ae_tensor *tx = th_upload (ctx, dtype, ndim, shape, x);
  ae_tensor *tw = th_upload (ctx, dtype, 1, cshape, w);
  ae_tensor *tb = th_upload (ctx, dtype, 1, cshape, b);
  ae_tensor *out = in_place ? tx : th_new_guarded (ctx, dtype, ndim, shape);
  ae_stream *s = stream_on (ctx, path);
  th_ok (ae_op_group_norm (s, out, tx, affine ? tw : NULL, affine ? tb : NULL, work, &params, &error), &error,
         "group_norm");
  th_finish_stream (s);
  float *got = th_download (out);
  snprintf (what, sizeof what, "group_norm %s %s [%lld, %lld, %lld, %lld, %lld]%s G=%lld %s%s%s%s%s",
            ae_path_name (path), ae_dtype_name (dtype), (long long) g.batch, (long long) g.channels,
            (long long) g.frames, (long long) g.height, (long long) g.width, g.four_d ? " 4-D" : "",
            (long long) g.groups, per_frame ? "per-frame" : "all-frames", affine ? " affine" : "", silu ? " +silu" : "",
            offset != 0 ? " offset" : "", in_place ? " in place" : "");
  th_check (what, ref, got, n, bound_for (dtype));
  if (!in_place)
    th_expect (th_guard_intact (out), "%s: nothing written past the output", what);

  /* The documented statistics layout: (mean, rstd) per (b, g, segment). */
  if (path == AE_PATH_LVP && dtype == AE_F32 && !affine && !silu)
    {
      int64_t segs = per_frame ? g.frames : 1, per_group = g.channels / g.groups;
      size_t n_stats = (size_t) (4 * g.batch * g.groups * segs);
      float *stats = th_download (work);
      float *stats_ref = calloc (n_stats, sizeof *stats_ref);
      for (int64_t bb = 0; bb < g.batch; bb++)
        for (int64_t gg = 0; gg < g.groups; gg++)
          for (int64_t t = 0; t < segs; t++)
            {
              double sum = 0, sq = 0, count = 0;
              for (int64_t c = gg * per_group; c < (gg + 1) * per_group; c++)
                for (int64_t f = per_frame ? t : 0; f < (per_frame ? t + 1 : g.frames); f++)
                  for (int64_t i = 0; i < pixels; i++)
                    {
                      sum += x[((bb * g.channels + c) * g.frames + f) * pixels + i];
                      count++;
                    }
              double mean = sum / count;
              for (int64_t c = gg * per_group; c < (gg + 1) * per_group; c++)
                for (int64_t f = per_frame ? t : 0; f < (per_frame ? t + 1 : g.frames); f++)
                  for (int64_t i = 0; i < pixels; i++)
                    {
                      double dv = x[((bb * g.channels + c) * g.frames + f) * pixels + i] - mean;
                      sq += dv * dv;
                    }
              size_t k = (size_t) (((bb * g.groups + gg) * segs + t) * 4);
              stats_ref[k] = (float) mean;
              stats_ref[k + 1] = (float) (1 / sqrt (sq / count + 1e-6));
              stats_ref[k + 2] = (float) (mean - stats_ref[k]);
            }
      char swhat[260];
      snprintf (swhat, sizeof swhat, "%s: workspace statistics", what);
      th_check (swhat, stats_ref, stats, n_stats, BOUND_F32);
      free (stats);
      free (stats_ref);
    }

  ae_stream_free (s);
  if (!in_place)
    th_free_guarded (out);
  ae_tensor_free (work);
  ae_tensor_free (tx);
  ae_tensor_free (tw);
  ae_tensor_free (tb);
  free (x);
  free (w);
  free (b);
  free (ref);
  free (got);
}

static void
check_group_norm (ae_context *ctx, ae_path path, ae_dtype dtype, group_shape g, bool per_frame, bool affine, bool silu,
                  float offset)
{
  check_group_norm_full (ctx, path, dtype, g, per_frame, affine, silu, offset, false);
}

static void
check_bad_inputs (ae_context *ctx)
{
  ae_error error = { 0 };
  int64_t s2[2] = { 4, 8 }, s1[1] = { 7 }, s5[5] = { 1, 30, 2, 4, 4 }, s3[3] = { 2, 4, 8 }, sb[2] = { 3, 8 };
  float zeros[960] = { 0 };
  ae_tensor *x = th_upload (ctx, AE_F32, 2, s2, zeros);
  ae_tensor *w = th_upload (ctx, AE_F32, 1, s1, zeros);
  ae_tensor *xb = th_upload (ctx, AE_BF16, 2, s2, zeros);
  ae_tensor *oh = th_upload (ctx, AE_F16, 2, s2, zeros);
  ae_tensor *v = th_upload (ctx, AE_F32, 5, s5, zeros);
  ae_tensor *x3 = th_upload (ctx, AE_F32, 3, s3, zeros);
  ae_tensor *rows3 = th_upload (ctx, AE_F32, 2, sb, zeros);
  ae_stream *s = ae_stream_new (ctx, &error);
  ae_group_norm_params params = { .groups = 32, .eps = 1e-6f };

  th_expect (!ae_op_layer_norm (s, x, x, w, NULL, 1e-6f, &error) && error.code == AE_ERROR_INVALID,
             "layer_norm, weight of the wrong length: %s", error.message);
  th_expect (!ae_op_layer_norm (s, oh, xb, NULL, NULL, 1e-6f, &error) && error.code == AE_ERROR_INVALID,
             "layer_norm, bf16 in and f16 out: %s", error.message);
  th_expect (!ae_op_rms_norm (s, x, x, NULL, -1.0f, &error) && error.code == AE_ERROR_INVALID,
             "rms_norm, negative eps: %s", error.message);
  th_expect (!ae_op_layer_norm_modulate (s, x3, x3, rows3, rows3, 1e-6f, &error) && error.code == AE_ERROR_INVALID,
             "layer_norm_modulate, scale of 3 rows for 2 batches: %s", error.message);
  th_expect (!ae_op_layer_norm_modulate (s, x, x, w, w, 1e-6f, &error) && error.code == AE_ERROR_INVALID,
             "layer_norm_modulate, 2-D x: %s", error.message);

  int64_t vs[2] = { 4, 4 }, vst[2] = { 8, 2 };
  ae_tensor *strided = ae_tensor_view (x, 0, 2, vs, vst, "strided", &error);
  ae_tensor *small = ae_tensor_new (ctx, AE_F32, 2, vs, "small", &error);
  th_expect (!ae_op_softmax (s, small, strided, &error) && error.code == AE_ERROR_INVALID,
             "softmax, non-contiguous input: %s", error.message);

  th_expect (ae_group_norm_workspace_numel (5, s5, &params) == 0,
             "group norm workspace of 30 channels in 32 groups is 0");
  int64_t ws[1] = { 64 };
  ae_tensor *work = ae_tensor_new (ctx, AE_F32, 1, ws, "workspace", &error);
  th_expect (!ae_op_group_norm (s, v, v, NULL, NULL, work, &params, &error) && error.code == AE_ERROR_INVALID,
             "group_norm, 30 channels in 32 groups: %s", error.message);
  params.groups = 2;
  int64_t tiny[1] = { 4 };
  ae_tensor *little = ae_tensor_new (ctx, AE_F32, 1, tiny, "little", &error);
  th_expect (!ae_op_group_norm (s, v, v, NULL, NULL, little, &params, &error) && error.code == AE_ERROR_INVALID,
             "group_norm, workspace too small: %s", error.message);
  th_expect (!ae_op_group_norm (s, x3, x3, NULL, NULL, work, &params, &error) && error.code == AE_ERROR_INVALID,
             "group_norm, 3-D input: %s", error.message);
  th_expect (!ae_op_group_norm (s, v, v, w, NULL, work, &params, &error) && error.code == AE_ERROR_INVALID,
             "group_norm, weight of the wrong length: %s", error.message);
  th_expect (ae_stream_dispatch_count (s) == 0, "refused ops record nothing");

  ae_stream_free (s);
  ae_tensor_free (strided);
  ae_tensor_free (small);
  ae_tensor_free (work);
  ae_tensor_free (little);
  ae_tensor_free (x);
  ae_tensor_free (w);
  ae_tensor_free (xb);
  ae_tensor_free (oh);
  ae_tensor_free (v);
  ae_tensor_free (x3);
  ae_tensor_free (rows3);
}

/* With a 64 KiB binding range and at most 16 workgroups per axis, the ops
 * must split their tensors and fold their grids; results must not change. */
static void
check_split (void)
{
  ae_context *ctx = th_context_with_limits (65536, 16);
  th_expect (ae_context_max_binding_range (ctx) == 65536, "binding range faked to 64 KiB");

  ae_error error = { 0 };
  int64_t rows = 300, cols = 512, shape[2] = { rows, cols };
  size_t n = (size_t) (rows * cols);
  float *x = th_random (n, 1200, -1, 1, AE_F32);
  float *ref = malloc (n * sizeof *ref);
  ae_ref_layer_norm (ref, x, NULL, NULL, (size_t) rows, (size_t) cols, 1e-6f);
  ae_tensor *tx = th_upload (ctx, AE_F32, 2, shape, x);
  ae_tensor *out = th_new_guarded (ctx, AE_F32, 2, shape);
  ae_stream *s = ae_stream_new (ctx, &error);
  th_ok (ae_op_layer_norm (s, out, tx, NULL, NULL, 1e-6f, &error), &error, "layer_norm");
  uint64_t dispatches = ae_stream_dispatch_count (s);
  th_finish_stream (s);
  float *got = th_download (out);
  th_expect (dispatches > 1, "layer_norm [300, 512] f32 split into %llu dispatches", (unsigned long long) dispatches);
  th_check ("layer_norm split [300, 512] f32", ref, got, n, BOUND_F32);
  th_expect (th_guard_intact (out), "layer_norm split: nothing written past the output");
  ae_stream_free (s);
  th_free_guarded (out);
  ae_tensor_free (tx);
  free (x);
  free (ref);
  free (got);

  /* Group norm: channels of 4 x 40 x 40 f32 (25,600 bytes: two per
   * dispatch), two chunks per segment in all-frames mode. */
  group_shape g = { 2, 32, 4, 40, 40, 8, false };
  check_group_norm (ctx, AE_PATH_LVP, AE_F32, g, false, true, true, 0);
  check_group_norm (ctx, AE_PATH_LVP, AE_F16, g, true, true, false, 0);
  ae_context_free (ctx);
}

int
main (void)
{
  ae_context *ctx = th_context ();
  static const int64_t sizes[] = { 1, 13, 127, 512 };

  for (int p = 0; p < AE_N_PATHS; p++)
    {
      ae_path path = (ae_path) p;
      if (!ae_path_supported (ctx, path))
        {
          printf ("skip %s: not supported by this device\n", ae_path_name (path));
          continue;
        }
      for (size_t d = 0; d < AE_N_ELEMENTS (row_dtypes); d++)
        {
          dtype_pair dt = row_dtypes[d];
          for (size_t i = 0; i < AE_N_ELEMENTS (sizes); i++)
            {
              check_layer_norm (ctx, path, dt, 13, sizes[i], (i & 1) != 0, 0);
              check_rms_norm (ctx, path, dt, 13, sizes[i], (i & 1) == 0);
            }
          /* The DiT's rows (2304, no affine) and T5's (4096, weight). */
          check_layer_norm (ctx, path, dt, 5, 2304, false, 0);
          check_layer_norm (ctx, path, dt, 3, 2304, true, 0);
          check_rms_norm (ctx, path, dt, 5, 4096, true);
          check_layer_norm_modulate (ctx, path, dt, 2, 13, 127);
          check_layer_norm_modulate (ctx, path, dt, 2, 3, 2304);
        }
      /* |mean| = 1000 >> std ~0.6. */
      check_layer_norm (ctx, path, row_dtypes[0], 7, 2304, false, 1000);
      check_layer_norm (ctx, path, row_dtypes[3], 7, 512, true, 1000);

      for (int d = AE_F32; d <= AE_BF16; d++)
        {
          for (size_t i = 0; i < AE_N_ELEMENTS (sizes); i++)
            check_softmax (ctx, path, (ae_dtype) d, 13, sizes[i]);
          check_softmax (ctx, path, (ae_dtype) d, 3, 2304);
        }

      for (int d = AE_F32; d <= AE_BF16; d++)
        {
          ae_dtype dtype = (ae_dtype) d;
          group_shape vae = { 1, 128, 4, 16, 16, 32, false };
          group_shape odd = { 2, 64, 3, 7, 13, 32, false };
          group_shape flat = { 2, 32, 1, 13, 11, 8, true };
          group_shape one = { 1, 1, 1, 1, 1, 1, true };
          check_group_norm (ctx, path, dtype, vae, true, true, true, 0);
          check_group_norm (ctx, path, dtype, vae, false, true, false, 0);
          check_group_norm (ctx, path, dtype, odd, true, false, false, 0);
          check_group_norm (ctx, path, dtype, odd, false, true, true, 0);
          check_group_norm (ctx, path, dtype, flat, true, true, false, 0);
          check_group_norm (ctx, path, dtype, one, false, false, false, 0);
        }
      /* C = 256 with 8 channels per group, and a frame of 80 x 64 (5,120
       * values: two chunks per frame, the second short). */
      group_shape wide = { 1, 256, 4, 16, 16, 32, false };
      group_shape tall = { 1, 64, 2, 80, 64, 32, false };
      check_group_norm (ctx, path, AE_F32, wide, false, true, true, 0);
      check_group_norm (ctx, path, AE_F32, tall, true, true, false, 0);
      check_group_norm (ctx, path, AE_F32, tall, false, false, false, 0);
      /* Channels offset by up to 500 >> std. */
      check_group_norm (ctx, path, AE_F32, tall, false, false, false, 500);
      check_group_norm (ctx, path, AE_F32, wide, true, true, false, 500);
      check_group_norm_full (ctx, path, AE_BF16, wide, false, true, true, 0, true);
    }

  check_bad_inputs (ctx);
  ae_context_free (ctx);
  check_split ();
  return th_summary ();
}
