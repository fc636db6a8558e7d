/* test-layout.c: layout kernels against ref-layout.c on every path, and the
 * RoPE tables and timestep sinusoid against the golden fixture
 * tests/data/rope_and_timestep_real_config.safetensors (copied from
 * shared/fixtures/allegro-tiny/cases, made by diffusers 0.37.1 in float32).
 *
 * Bounds: every kernel here moves or gathers values, or does one fp32
 * expression per element that the reference evaluates in the same order, so
 * the result equals the reference rounded to the output type: the bound is 0.
 * The exception is an f16 output from f32 arithmetic: Vulkan lets a driver
 * round f32 -> f16 toward zero instead of to nearest, which moves about half
 * the values by one f16 ulp (2^-11 relative), an NMSE near 3e-7; 1e-6 allows
 * that and still fails on any misplaced element (NMSE ~ 1). */
#include "harness.h"

#include <math.h>
#include <string.h>

static ae_context *ctx;

static const ae_dtype float_types[] = { AE_F32, AE_F16, AE_BF16 };

static double
output_bound (ae_dtype out)
{
  return out == AE_F16 ? 1e-6 : 0;
}

static int64_t
numel_of (int ndim, const int64_t *shape)
{
  int64_t n = 1;
  for (int k = 0; k < ndim; k++)
    n *= shape[k];
  return n;
}

/* ---- one op on every path ---- */

typedef bool (*record_func) (ae_stream *s, ae_tensor *out, void *state, ae_error *error);

/* Records the op once per supported path into a fresh guarded output, and
 * compares it with ref (already rounded to dtype). */
static void
check_paths (const char *what, ae_dtype dtype, int ndim, const int64_t *shape, const float *ref, double bound,
             record_func record, void *state)
{
  size_t n = (size_t) numel_of (ndim, shape);

  for (int path = 0; path < AE_N_PATHS; path++)
    {
      ae_error error = { 0 };
      char label[192];
      if (!ae_path_supported (ctx, (ae_path) path))
        continue;
      snprintf (label, sizeof label, "%s [%s]", what, ae_path_name ((ae_path) path));
      ae_tensor *out = th_new_guarded (ctx, dtype, ndim, shape);
      ae_stream *s = ae_stream_new (ctx, &error);
      th_ok (s != NULL, &error, "stream");
      ae_stream_set_path (s, (ae_path) path);
      th_ok (record (s, out, state, &error), &error, label);
      th_finish_stream (s);
      float *got = th_download (out);
      th_check (label, ref, got, n, bound);
      th_expect (th_guard_intact (out), "%s: nothing written past the output", label);
      free (got);
      ae_stream_free (s);
      th_free_guarded (out);
    }
}

static void
expect_refused (bool ok, const ae_error *error, const char *what)
{
  th_expect (!ok && error->code == AE_ERROR_INVALID && error->message[0] != '\0', "%s refused: %s", what,
             error->message);
}

/* ---- copy and permute ---- */

typedef struct
{
  const ae_tensor *in;
  const int *perm; /* NULL: ae_op_copy */
} copy_state;

static bool
record_copy (ae_stream *s, ae_tensor *out, void *state, ae_error *error)
{
  copy_state *c = state;
  return c->perm ? ae_op_permute (s, out, c->in, c->perm, error) : ae_op_copy (s, out, c->in, error);
}

static void
check_cast (ae_dtype from, ae_dtype to, int ndim, const int64_t *shape)
{
  size_t n = (size_t) numel_of (ndim, shape);
  float *x = th_random (n, 100 + n, -2, 2, from);
  float *ref = malloc (n * sizeof *ref);
  char what[128];

  memcpy (ref, x, n * sizeof *ref);
  th_round (ref, n, to);
  ae_tensor *in = th_upload (ctx, from, ndim, shape, x);
  copy_state state = { in, NULL };
  snprintf (what, sizeof what, "copy %s -> %s, %lld elements", ae_dtype_name (from), ae_dtype_name (to), (long long) n);
  check_paths (what, to, ndim, shape, ref, output_bound (to), record_copy, &state);
  ae_tensor_free (in);
  free (x);
  free (ref);
}

static void
check_permute (ae_dtype from, ae_dtype to, int ndim, const int64_t *shape, const int *perm)
{
  size_t n = (size_t) numel_of (ndim, shape);
  float *x = th_random (n, 200 + n, -2, 2, from);
  float *ref = malloc (n * sizeof *ref);
  int64_t out_shape[AE_MAX_DIMS];
  char what[160], dims[64] = "";

  for (int k = 0; k < ndim; k++)
    {
      out_shape[k] = shape[perm[k]];
      snprintf (dims + strlen (dims), sizeof dims - strlen (dims), k ? ",%d" : "%d", perm[k]);
    }
  ae_ref_permute (ref, x, ndim, shape, perm);
  th_round (ref, n, to);
  ae_tensor *in = th_upload (ctx, from, ndim, shape, x);
  copy_state state = { in, perm };
  snprintf (what, sizeof what, "permute %s -> %s, %lld elements, (%s)", ae_dtype_name (from), ae_dtype_name (to),
            (long long) n, dims);
  check_paths (what, to, ndim, out_shape, ref, output_bound (to), record_copy, &state);
  /* The same through ae_op_copy of a permuted view. */
  int64_t stride[AE_MAX_DIMS], contiguous[AE_MAX_DIMS], s = 1;
  for (int k = ndim - 1; k >= 0; k--)
    {
      contiguous[k] = s;
      s *= shape[k];
    }
  for (int k = 0; k < ndim; k++)
    stride[k] = contiguous[perm[k]];
  ae_error error = { 0 };
  ae_tensor *view = ae_tensor_view (in, 0, ndim, out_shape, stride, "permuted view", &error);
  th_ok (view != NULL, &error, "view");
  copy_state view_state = { view, NULL };
  snprintf (what, sizeof what, "copy of a permuted view %s -> %s, (%s)", ae_dtype_name (from), ae_dtype_name (to),
            dims);
  check_paths (what, to, ndim, out_shape, ref, output_bound (to), record_copy, &view_state);
  ae_tensor_free (view);
  ae_tensor_free (in);
  free (x);
  free (ref);
}

/* A sliced view (offset, steps of 2 and 3) and a broadcast one (stride 0). */
static void
check_strided_views (ae_dtype from, ae_dtype to)
{
  int64_t base_shape[2] = { 13, 127 };
  size_t n = 13 * 127;
  float *x = th_random (n, 300, -2, 2, from);
  ae_error error = { 0 };
  ae_tensor *in = th_upload (ctx, from, 2, base_shape, x);
  char what[128];

  int64_t shape[2] = { 5, 41 }, stride[2] = { 2 * 127, 3 };
  int64_t offset = 2 * 127 + 4;
  ae_tensor *slice = ae_tensor_view (in, offset, 2, shape, stride, "slice", &error);
  th_ok (slice != NULL, &error, "view");
  float ref[5 * 41];
  ae_ref_copy_strided (ref, x + offset, 2, shape, stride);
  th_round (ref, 5 * 41, to);
  copy_state state = { slice, NULL };
  snprintf (what, sizeof what, "copy of a sliced view %s -> %s", ae_dtype_name (from), ae_dtype_name (to));
  check_paths (what, to, 2, shape, ref, output_bound (to), record_copy, &state);

  int64_t bshape[3] = { 4, 3, 127 }, bstride[3] = { 0, 127, 1 };
  ae_tensor *repeat = ae_tensor_view (in, 127, 3, bshape, bstride, "broadcast", &error);
  th_ok (repeat != NULL, &error, "view");
  float bref[4 * 3 * 127];
  ae_ref_copy_strided (bref, x + 127, 3, bshape, bstride);
  th_round (bref, 4 * 3 * 127, to);
  copy_state bstate = { repeat, NULL };
  snprintf (what, sizeof what, "copy of a broadcast view %s -> %s", ae_dtype_name (from), ae_dtype_name (to));
  check_paths (what, to, 3, bshape, bref, output_bound (to), record_copy, &bstate);

  ae_tensor_free (slice);
  ae_tensor_free (repeat);
  ae_tensor_free (in);
  free (x);
}

/* i32 words are moved bit for bit, negative and large ones included; the
 * shape takes copy_transpose.comp on the tiled path. */
static void
check_i32_permute (void)
{
  enum
  {
    N = 3 * 9 * 11
  };
  int64_t shape[3] = { 3, 9, 11 }, out_shape[3] = { 3, 11, 9 };
  const int perm[3] = { 0, 2, 1 };
  int32_t in_words[N], got[N];
  float as_float[N], ref[N];
  ae_error error = { 0 };

  for (int i = 0; i < N; i++)
    {
      in_words[i] = (int32_t) ((uint32_t) i * 2654435761u);
      as_float[i] = (float) i;
    }
  ae_ref_permute (ref, as_float, 3, shape, perm);
  ae_tensor *in = ae_tensor_new (ctx, AE_I32, 3, shape, "ids", &error);
  th_ok (in != NULL && ae_tensor_upload (in, in_words, sizeof in_words, &error), &error, "ids");
  for (int path = 0; path < AE_N_PATHS; path++)
    {
      if (!ae_path_supported (ctx, (ae_path) path))
        continue;
      ae_tensor *out = ae_tensor_new (ctx, AE_I32, 3, out_shape, "ids permuted", &error);
      ae_stream *s = ae_stream_new (ctx, &error);
      ae_stream_set_path (s, (ae_path) path);
      th_ok (ae_op_permute (s, out, in, perm, &error), &error, "permute i32");
      th_finish_stream (s);
      th_ok (ae_tensor_download (out, got, sizeof got, &error), &error, "download");
      bool same = true;
      for (int i = 0; i < N; i++)
        same = same && got[i] == in_words[(int) ref[i]];
      th_expect (same, "permute i32 [3, 9, 11] (0,2,1): every word in place [%s]", ae_path_name ((ae_path) path));
      ae_stream_free (s);
      ae_tensor_free (out);
    }
  ae_tensor_free (in);
}

static void
check_copy_errors (void)
{
  ae_error error = { 0 };
  int64_t a_shape[3] = { 2, 3, 4 }, b_shape[3] = { 2, 4, 3 }, c_shape[2] = { 6, 4 };
  ae_tensor *a = ae_tensor_new (ctx, AE_F32, 3, a_shape, "a", &error);
  ae_tensor *b = ae_tensor_new (ctx, AE_F16, 3, b_shape, "b", &error);
  ae_tensor *c = ae_tensor_new (ctx, AE_F32, 2, c_shape, "c", &error);
  ae_tensor *ids = ae_tensor_new (ctx, AE_I32, 3, a_shape, "ids", &error);
  ae_stream *s = ae_stream_new (ctx, &error);
  const int good[3] = { 0, 2, 1 }, repeated[3] = { 0, 1, 1 }, wrong[3] = { 1, 0, 2 };

  expect_refused (ae_op_copy (s, b, a, &error), &error, "copy between shapes");
  expect_refused (ae_op_copy (s, c, a, &error), &error, "copy between ranks");
  expect_refused (ae_op_copy (s, ids, a, &error), &error, "copy f32 -> i32");
  expect_refused (ae_op_permute (s, b, a, repeated, &error), &error, "permute with a repeated axis");
  expect_refused (ae_op_permute (s, b, a, wrong, &error), &error, "permute to the wrong shape");
  int64_t rshape[3] = { 2, 4, 3 }, rstride[3] = { 12, 0, 1 };
  ae_tensor *repeat = ae_tensor_view (a, 0, 3, rshape, rstride, "repeating output", &error);
  expect_refused (ae_op_permute (s, repeat, a, good, &error), &error, "permute into a stride-0 output");
  th_expect (ae_stream_dispatch_count (s) == 0, "refused ops record nothing");
  ae_tensor_free (repeat);
  ae_stream_free (s);
  ae_tensor_free (a);
  ae_tensor_free (b);
  ae_tensor_free (c);
  ae_tensor_free (ids);
}

/* ---- patchify and unpatchify ---- */

typedef struct
{
  const ae_tensor *in;
  int patch, patch_t;
  bool un;
} patch_state;

static bool
record_patch (ae_stream *s, ae_tensor *out, void *state, ae_error *error)
{
  patch_state *p = state;
  return p->un ? ae_op_unpatchify (s, out, p->in, p->patch, p->patch_t, error)
               : ae_op_patchify (s, out, p->in, p->patch, p->patch_t, error);
}

static void
check_patchify (ae_dtype from, ae_dtype to, int64_t b, int64_t c, int64_t t, int64_t h, int64_t w, int p, int pt)
{
  int64_t video_shape[5] = { b, c, t, h, w };
  int64_t n_tok = (t / pt) * (h / p) * (w / p), vector = c * pt * p * p;
  int64_t tok_shape[3] = { b, n_tok, vector };
  size_t n = (size_t) (b * c * t * h * w);
  char what[192];

  float *video = th_random (n, 400 + n, -2, 2, from);
  float *ref = malloc (n * sizeof *ref);
  ae_ref_patchify (ref, video, b, c, t, h, w, p, pt);
  th_round (ref, n, to);
  ae_tensor *in = th_upload (ctx, from, 5, video_shape, video);
  patch_state state = { in, p, pt, false };
  snprintf (what, sizeof what, "patchify %s -> %s [%lld, %lld, %lld, %lld, %lld] patch %dx%dx%d", ae_dtype_name (from),
            ae_dtype_name (to), (long long) b, (long long) c, (long long) t, (long long) h, (long long) w, pt, p, p);
  check_paths (what, to, 3, tok_shape, ref, output_bound (to), record_patch, &state);
  ae_tensor_free (in);
  free (video);

  float *proj = th_random (n, 500 + n, -2, 2, from);
  ae_ref_unpatchify (ref, proj, b, c, t, h, w, p, pt);
  th_round (ref, n, to);
  in = th_upload (ctx, from, 3, tok_shape, proj);
  patch_state ustate = { in, p, pt, true };
  snprintf (what, sizeof what, "unpatchify %s -> %s [%lld, %lld, %lld, %lld, %lld] patch %dx%dx%d",
            ae_dtype_name (from), ae_dtype_name (to), (long long) b, (long long) c, (long long) t, (long long) h,
            (long long) w, pt, p, p);
  check_paths (what, to, 5, video_shape, ref, output_bound (to), record_patch, &ustate);
  ae_tensor_free (in);
  free (proj);
  free (ref);
}

/* The documented claim, on the host: tokens x weight[D, C*p*p]^T is the
 * stride-p Conv2d of each frame, token (t, i, j) = output pixel (i, j) of frame t. */
static void
check_patch_embedding_is_conv (void)
{
  enum
  {
    B = 1,
    C = 4,
    T = 2,
    H = 6,
    W = 8,
    P = 2,
    D = 5
  };
  float video[B * C * T * H * W], weight[D * C * P * P], tokens[B * T * (H / P) * (W / P) * C * P * P];
  double worst = 0;

  th_fill_uniform (video, AE_N_ELEMENTS (video), 600, -1, 1);
  th_fill_uniform (weight, AE_N_ELEMENTS (weight), 601, -1, 1);
  ae_ref_patchify (tokens, video, B, C, T, H, W, P, 1);
  for (int t = 0; t < T; t++)
    for (int i = 0; i < H / P; i++)
      for (int j = 0; j < W / P; j++)
        for (int o = 0; o < D; o++)
          {
            double conv = 0, gemm = 0;
            for (int c = 0; c < C; c++)
              for (int ky = 0; ky < P; ky++)
                for (int kx = 0; kx < P; kx++)
                  conv += (double) weight[((o * C + c) * P + ky) * P + kx]
                          * video[((c * T + t) * H + i * P + ky) * W + j * P + kx];
            const float *row = tokens + ((t * (H / P) + i) * (W / P) + j) * C * P * P;
            for (int k = 0; k < C * P * P; k++)
              gemm += (double) weight[o * C * P * P + k] * row[k];
            worst = fmax (worst, fabs (conv - gemm));
          }
  th_expect (worst < 1e-12, "patch tokens x weight[D, C*2*2]^T equals Conv2d(k=2, s=2) (max |d| %.1e)", worst);
}

/* Tokens written into the first N rows of a buffer padded to Npad rows
 * (kernels.md rounds token counts up): the pad rows keep their values. */
static void
check_patchify_into_padded_rows (void)
{
  enum
  {
    B = 2,
    C = 4,
    T = 3,
    H = 4,
    W = 6,
    N = T * (H / 2) * (W / 2),
    NPAD = N + 5,
    V = C * 4
  };
  int64_t video_shape[5] = { B, C, T, H, W }, buf_shape[3] = { B, NPAD, V };
  int64_t view_shape[3] = { B, N, V }, view_stride[3] = { NPAD * V, V, 1 };
  float video[B * C * T * H * W], tokens[B * N * V], ref[B * NPAD * V];
  ae_error error = { 0 };

  th_fill_uniform (video, AE_N_ELEMENTS (video), 700, -2, 2);
  th_fill_uniform (ref, AE_N_ELEMENTS (ref), 701, -2, 2);
  ae_ref_patchify (tokens, video, B, C, T, H, W, 2, 1);
  ae_tensor *in = th_upload (ctx, AE_F32, 5, video_shape, video);
  ae_tensor *buf = th_upload (ctx, AE_F32, 3, buf_shape, ref);
  ae_tensor *view = ae_tensor_view (buf, 0, 3, view_shape, view_stride, "first N rows", &error);
  th_ok (view != NULL, &error, "view");
  for (int b = 0; b < B; b++)
    memcpy (ref + b * NPAD * V, tokens + b * N * V, sizeof (float) * N * V);
  ae_stream *s = ae_stream_new (ctx, &error);
  th_ok (ae_op_patchify (s, view, in, 2, 1, &error), &error, "patchify into a view");
  th_finish_stream (s);
  float *got = th_download (buf);
  th_check ("patchify into the first N of Npad rows (pad rows kept)", ref, got, AE_N_ELEMENTS (ref), 0);

  /* And back: unpatchify reads the N-row view of the padded buffer. */
  float back[B * C * T * H * W];
  int64_t out_shape[5] = { B, C, T, H, W };
  ae_tensor *out = th_new_guarded (ctx, AE_F32, 5, out_shape);
  ae_ref_unpatchify (back, tokens, B, C, T, H, W, 2, 1);
  th_ok (ae_op_unpatchify (s, out, view, 2, 1, &error), &error, "unpatchify from a view");
  th_finish_stream (s);
  float *got_back = th_download (out);
  th_check ("unpatchify from the first N of Npad rows", back, got_back, AE_N_ELEMENTS (back), 0);
  th_expect (th_guard_intact (out), "unpatchify from a view: nothing written past the output");

  int64_t odd_shape[5] = { B, C, T, 5, W };
  ae_tensor *odd = ae_tensor_new (ctx, AE_F32, 5, odd_shape, "odd video", &error);
  expect_refused (ae_op_patchify (s, view, odd, 2, 1, &error), &error, "patchify of an odd height");
  expect_refused (ae_op_patchify (s, buf, in, 2, 1, &error), &error, "patchify into too many rows");
  expect_refused (ae_op_unpatchify (s, out, view, 2, 3, &error), &error, "unpatchify with T not a multiple of patch_t");
  expect_refused (ae_op_patchify (s, view, in, 0, 1, &error), &error, "patch size 0");
  ae_tensor_free (odd);
  ae_stream_free (s);
  th_free_guarded (out);
  ae_tensor_free (view);
  ae_tensor_free (buf);
  ae_tensor_free (in);
  free (got);
  free (got_back);
}

/* ---- embedding ---- */

typedef struct
{
  const ae_tensor *ids, *table;
} embed_state;

static bool
record_embed (ae_stream *s, ae_tensor *out, void *state, ae_error *error)
{
  embed_state *e = state;
  return ae_op_embedding (s, out, e->ids, e->table, error);
}

static void
check_embedding (ae_dtype table_type, ae_dtype to, int64_t vocab, int64_t dim, int ids_ndim, const int64_t *ids_shape)
{
  int64_t n = numel_of (ids_ndim, ids_shape);
  int32_t *ids = malloc ((size_t) n * sizeof *ids);
  float *table = th_random ((size_t) (vocab * dim), 800 + vocab, -2, 2, table_type);
  float *ref = malloc ((size_t) (n * dim) * sizeof *ref);
  int64_t out_shape[AE_MAX_DIMS];
  ae_error error = { 0 };
  char what[160];
  uint64_t state = 0x1234;

  for (int64_t i = 0; i < n; i++)
    {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      ids[i] = (int32_t) ((state >> 33) % (uint64_t) vocab);
    }
  /* Out-of-range ids (zeros) and both ends of the table. */
  ids[0] = (int32_t) vocab - 1;
  if (n > 4)
    {
      ids[1] = -1;
      ids[2] = (int32_t) vocab;
      ids[3] = 0;
      ids[4] = INT32_MAX;
    }
  ae_ref_embedding (ref, ids, n, table, vocab, dim);
  th_round (ref, (size_t) (n * dim), to);
  int64_t table_shape[2] = { vocab, dim };
  ae_tensor *tt = th_upload (ctx, table_type, 2, table_shape, table);
  ae_tensor *ti = ae_tensor_new (ctx, AE_I32, ids_ndim, ids_shape, "ids", &error);
  th_ok (ti != NULL && ae_tensor_upload (ti, ids, (size_t) n * sizeof *ids, &error), &error, "ids");
  memcpy (out_shape, ids_shape, sizeof (int64_t) * (size_t) ids_ndim);
  out_shape[ids_ndim] = dim;
  embed_state es = { ti, tt };
  snprintf (what, sizeof what, "embedding %s -> %s, [%lld, %lld] table, %lld ids", ae_dtype_name (table_type),
            ae_dtype_name (to), (long long) vocab, (long long) dim, (long long) n);
  check_paths (what, to, ids_ndim + 1, out_shape, ref, output_bound (to), record_embed, &es);
  ae_tensor_free (tt);
  ae_tensor_free (ti);
  free (ids);
  free (table);
  free (ref);
}

static void
check_embedding_errors (void)
{
  ae_error error = { 0 };
  int64_t ids_shape[1] = { 4 }, table_shape[2] = { 10, 8 }, out_shape[2] = { 4, 7 };
  ae_tensor *ids = ae_tensor_new (ctx, AE_I32, 1, ids_shape, "ids", &error);
  ae_tensor *fids = ae_tensor_new (ctx, AE_F32, 1, ids_shape, "float ids", &error);
  ae_tensor *table = ae_tensor_new (ctx, AE_F32, 2, table_shape, "table", &error);
  ae_tensor *out = ae_tensor_new (ctx, AE_F32, 2, out_shape, "rows", &error);
  ae_stream *s = ae_stream_new (ctx, &error);

  expect_refused (ae_op_embedding (s, out, ids, table, &error), &error, "embedding into rows of the wrong length");
  expect_refused (ae_op_embedding (s, out, fids, table, &error), &error, "embedding with float ids");
  ae_stream_free (s);
  ae_tensor_free (ids);
  ae_tensor_free (fids);
  ae_tensor_free (table);
  ae_tensor_free (out);
}

/* ---- T5 bias ---- */

/* Buckets of relative positions -47..47 from transformers 4.40 (the
 * t5_encoder fixture's mid.relative_position_buckets, 32 buckets, distance 128). */
static const int t5_fixture_buckets[95] = {
  13, 13, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 11, 11, 11, 11, 11, 11, 11, 11,
  11, 10, 10, 10, 10, 10, 10, 10, 9,  9,  9,  9,  8,  8,  8,  8,  7,  6,  5,  4,  3,  2,  1,  0,
  17, 18, 19, 20, 21, 22, 23, 24, 24, 24, 24, 25, 25, 25, 25, 26, 26, 26, 26, 26, 26, 26, 27, 27,
  27, 27, 27, 27, 27, 27, 27, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 29, 29,
};

static void
check_t5_buckets_pinned (void)
{
  bool same = true;
  for (int r = -47; r <= 47; r++)
    same = same && ae_ref_t5_bucket (r, 32, 128, true) == t5_fixture_buckets[r + 47];
  th_expect (same, "reference T5 buckets of -47..47 equal transformers' (fixture)");
  /* Past the fixture: 8 log buckets over 8..128, so 2*log2(r/8) decides; 64 is
   * exactly 6 in float32 (log 8 = 3 log 2 and log 16 = 4 log 2 round alike). */
  static const int r[] = { 63, 64, 90, 91, 127, 128, 1000 };
  static const int want[] = { 29, 30, 30, 31, 31, 31, 31 };
  same = true;
  for (size_t i = 0; i < AE_N_ELEMENTS (r); i++)
    same = same && ae_ref_t5_bucket (r[i], 32, 128, true) == want[i]
           && ae_ref_t5_bucket (-r[i], 32, 128, true) == want[i] - 16;
  th_expect (same, "reference T5 buckets at 63, 64, 90, 91, 127, 128, 1000 (both signs)");
}

typedef struct
{
  const ae_tensor *weight;
  int64_t nq, nk;
  ae_t5_bias_params params;
} t5_state;

static bool
record_t5 (ae_stream *s, ae_tensor *out, void *state, ae_error *error)
{
  t5_state *t = state;
  return ae_op_t5_bias (s, out, t->weight, t->nq, t->nk, &t->params, error);
}

/* The kernel's bias1d, gathered to [H][Nq][Nk] through the attention
 * kernel's indexing, against T5's per-pair compute_bias. */
static void
check_t5_bias (ae_dtype wtype, int64_t heads, int64_t nq, int64_t nk, int num_buckets, int max_distance,
               bool bidirectional)
{
  int64_t len = nq + nk - 1;
  size_t full = (size_t) (heads * nq * nk);
  float *weight = th_random ((size_t) (num_buckets * heads), 900 + heads, -4, 4, wtype);
  float *ref = malloc (full * sizeof *ref), *gathered = malloc (full * sizeof *gathered);
  int64_t wshape[2] = { num_buckets, heads }, bshape[2] = { heads, len };
  char what[192];

  ae_ref_t5_bias (ref, weight, heads, nq, nk, num_buckets, max_distance, bidirectional);
  ae_tensor *tw = th_upload (ctx, wtype, 2, wshape, weight);
  t5_state ts = { tw, nq, nk, { num_buckets, max_distance, bidirectional } };
  for (int path = 0; path < AE_N_PATHS; path++)
    {
      ae_error error = { 0 };
      if (!ae_path_supported (ctx, (ae_path) path))
        continue;
      ae_tensor *out = th_new_guarded (ctx, AE_F32, 2, bshape);
      ae_stream *s = ae_stream_new (ctx, &error);
      ae_stream_set_path (s, (ae_path) path);
      th_ok (record_t5 (s, out, &ts, &error), &error, "t5_bias");
      th_finish_stream (s);
      float *bias = th_download (out);
      for (int64_t h = 0; h < heads; h++)
        for (int64_t i = 0; i < nq; i++)
          for (int64_t j = 0; j < nk; j++)
            gathered[(h * nq + i) * nk + j] = bias[h * len + (j - i) + (nq - 1)];
      snprintf (what, sizeof what, "t5_bias %s, %lld heads, %lld x %lld, %d buckets, distance %d%s [%s]",
                ae_dtype_name (wtype), (long long) heads, (long long) nq, (long long) nk, num_buckets, max_distance,
                bidirectional ? "" : ", one-way", ae_path_name ((ae_path) path));
      th_check (what, ref, gathered, full, 0);
      th_expect (th_guard_intact (out), "%s: nothing written past the output", what);
      free (bias);
      ae_stream_free (s);
      th_free_guarded (out);
    }
  ae_tensor_free (tw);
  free (weight);
  free (ref);
  free (gathered);
}

static void
check_t5_errors (void)
{
  ae_error error = { 0 };
  int64_t wshape[2] = { 32, 8 }, bshape[2] = { 8, 25 }, bad_shape[2] = { 8, 24 };
  ae_tensor *w = ae_tensor_new (ctx, AE_F32, 2, wshape, "relative_attention_bias", &error);
  ae_tensor *bias = ae_tensor_new (ctx, AE_F32, 2, bshape, "bias1d", &error);
  ae_tensor *bad = ae_tensor_new (ctx, AE_F32, 2, bad_shape, "short bias", &error);
  ae_tensor *half = ae_tensor_new (ctx, AE_F16, 2, bshape, "f16 bias", &error);
  ae_stream *s = ae_stream_new (ctx, &error);
  ae_t5_bias_params p = { 32, 128, true }, few = { 16, 128, true }, tiny = { 32, 4, true };

  th_ok (ae_op_t5_bias (s, bias, w, 13, 13, &p, &error), &error, "t5_bias");
  expect_refused (ae_op_t5_bias (s, bad, w, 13, 13, &p, &error), &error, "t5_bias into a short bias");
  expect_refused (ae_op_t5_bias (s, half, w, 13, 13, &p, &error), &error, "t5_bias into f16");
  expect_refused (ae_op_t5_bias (s, bias, w, 13, 13, &few, &error), &error,
                  "t5_bias with a 32-row weight as 16 buckets");
  expect_refused (ae_op_t5_bias (s, bias, w, 13, 13, &tiny, &error), &error, "t5_bias with max_distance 4");
  th_finish_stream (s);
  ae_stream_free (s);
  ae_tensor_free (w);
  ae_tensor_free (bias);
  ae_tensor_free (bad);
  ae_tensor_free (half);
}

/* ---- the fixture ---- */

static char *fixture;
static size_t fixture_size;
static const char *fixture_header;

static bool
load_fixture (void)
{
  const char *name = "rope_and_timestep_real_config.safetensors";
  char here[512], path[768];
  const char *env = getenv ("ALLEGRO_TEST_DATA");

  /* meson builds with __FILE__ relative to the build directory, where tests run. */
  snprintf (here, sizeof here, "%s", __FILE__);
  char *slash = strrchr (here, '/');
  if (slash)
    *slash = '\0';
  const char *dirs[] = { env, here[0] && slash ? here : ".", "tests/data", "../tests/data" };
  for (size_t i = 0; i < AE_N_ELEMENTS (dirs); i++)
    {
      FILE *f;
      if (dirs[i] == NULL)
        continue;
      snprintf (path, sizeof path, i == 1 ? "%s/../data/%s" : "%s/%s", dirs[i], name);
      if ((f = fopen (path, "rb")) == NULL)
        continue;
      fseek (f, 0, SEEK_END);
      fixture_size = (size_t) ftell (f);
      fseek (f, 0, SEEK_SET);
      fixture = malloc (fixture_size + 1);
      bool ok = fread (fixture, 1, fixture_size, f) == fixture_size;
      fclose (f);
      if (!ok || fixture_size < 8)
        return false;
      uint64_t header = 0;
      for (int b = 7; b >= 0; b--)
        header = header << 8 | (unsigned char) fixture[b];
      if (header > fixture_size - 8)
        return false;
      /* A copy of the header, NUL-terminated, for strstr. */
      char *text = malloc (header + 1);
      memcpy (text, fixture + 8, header);
      text[header] = '\0';
      fixture_header = text;
      return true;
    }
  return false;
}

/* The F32 tensor `key` of the fixture: its data and element count, or NULL. */
static const float *
fixture_tensor (const char *key, int64_t *n)
{
  char quoted[128];
  snprintf (quoted, sizeof quoted, "\"%s\"", key);
  const char *at = strstr (fixture_header, quoted);
  if (at == NULL)
    return NULL;
  const char *end = strchr (at, '}');
  const char *dtype = strstr (at, "\"dtype\"");
  const char *offsets = strstr (at, "\"data_offsets\"");
  if (end == NULL || dtype == NULL || offsets == NULL || offsets > end || strstr (dtype, "\"F32\"") > end)
    return NULL;
  offsets = strchr (offsets, '[');
  char *next;
  long long first = strtoll (offsets + 1, &next, 10);
  long long last = strtoll (strchr (next, ',') + 1, NULL, 10);
  size_t base = 8 + strlen (fixture_header);
  if (first < 0 || last < first || base + (size_t) last > fixture_size || (last - first) % 4)
    return NULL;
  *n = (last - first) / 4;
  /* safetensors aligns nothing: copy out to get float alignment. */
  float *data = malloc ((size_t) (last - first) + 4);
  memcpy (data, fixture + base + first, (size_t) (last - first));
  return data;
}

static void
check_fixture (void)
{
  if (!th_expect (load_fixture (), "fixture rope_and_timestep_real_config.safetensors found and parsed"))
    return;
  static const char *axes[3] = { "t", "h", "w" };
  static const int64_t sizes[3] = { 22, 45, 80 };
  static const double scales[3] = { 2.2, 2.0, 2.0 };
  for (int a = 0; a < 3; a++)
    {
      char key[64], what[128];
      int64_t n_cos = 0, n_sin = 0, n_grid = 0;
      snprintf (key, sizeof key, "out.rope_%s_cos", axes[a]);
      const float *want_cos = fixture_tensor (key, &n_cos);
      snprintf (key, sizeof key, "out.rope_%s_sin", axes[a]);
      const float *want_sin = fixture_tensor (key, &n_sin);
      snprintf (key, sizeof key, "out.grid_%s", axes[a]);
      const float *grid = fixture_tensor (key, &n_grid);
      if (!th_expect (want_cos && want_sin && grid && n_cos == sizes[a] * 32 && n_sin == n_cos && n_grid == sizes[a],
                      "fixture holds the %s tables [%lld, 32]", axes[a], (long long) sizes[a]))
        continue;
      bool integers = true;
      for (int64_t p = 0; p < n_grid; p++)
        integers = integers && grid[p] == (float) p;
      th_expect (integers, "fixture grid_%s is 0..%lld", axes[a], (long long) n_grid - 1);
      float *got_cos = malloc ((size_t) n_cos * sizeof (float)), *got_sin = malloc ((size_t) n_cos * sizeof (float));
      ae_rope_1d_table (got_cos, got_sin, sizes[a], 32, scales[a], 10000.0);
      /* Same float32 operations as diffusers; sinf/cosf/powf may differ from
       * PyTorch's vectorised ones by an ulp, so not exactly 0. */
      snprintf (what, sizeof what, "rope %s cos table vs diffusers (p / %.1f)", axes[a], scales[a]);
      th_check (what, want_cos, got_cos, (size_t) n_cos, 1e-12);
      snprintf (what, sizeof what, "rope %s sin table vs diffusers (p / %.1f)", axes[a], scales[a]);
      th_check (what, want_sin, got_sin, (size_t) n_cos, 1e-12);
      free ((void *) want_cos);
      free ((void *) want_sin);
      free ((void *) grid);
      free (got_cos);
      free (got_sin);
    }

  int64_t n_t = 0, n_emb = 0;
  const float *timesteps = fixture_tensor ("in.timesteps", &n_t);
  const float *want = fixture_tensor ("out.timestep_sinusoid_256", &n_emb);
  if (th_expect (timesteps && want && n_emb == n_t * 256, "fixture holds the timestep sinusoid [%lld, 256]",
                 (long long) n_t))
    {
      float *got = malloc ((size_t) n_emb * sizeof *got);
      ae_timestep_embedding (got, timesteps, n_t, 256, true, 0, 10000);
      /* Arguments up to 999 rad: an ulp of difference in exp() moves sin and
       * cos by ~1e-4 relative, NMSE ~1e-9 at worst. */
      th_check ("timestep sinusoid 256 (cos first) vs diffusers", want, got, (size_t) n_emb, 1e-9);
      free (got);
    }
  free ((void *) timesteps);
  free ((void *) want);
  free ((void *) fixture_header);
  free (fixture);
}

/* ---- RoPE ---- */

typedef struct
{
  const ae_tensor *x, *table;
  ae_rope_3d_params params;
} rope_state;

static bool
record_rope (ae_stream *s, ae_tensor *out, void *state, ae_error *error)
{
  rope_state *r = state;
  return ae_op_rope_3d (s, out, r->x, r->table, &r->params, error);
}

/* Per-axis tables for the reference and the packed one for the kernel. */
typedef struct
{
  float *cos[3], *sin[3];
  ae_tensor *packed;
} rope_tables;

static void
make_tables (rope_tables *t, const ae_rope_3d_params *p, int head_dim)
{
  const int64_t sizes[3] = { p->t, p->h, p->w };
  const double scales[3] = { p->scale_t, p->scale_h, p->scale_w };
  int d = head_dim / 3;
  ae_error error = { 0 };

  for (int a = 0; a < 3; a++)
    {
      t->cos[a] = malloc ((size_t) (sizes[a] * d) * sizeof (float));
      t->sin[a] = malloc ((size_t) (sizes[a] * d) * sizeof (float));
      ae_rope_1d_table (t->cos[a], t->sin[a], sizes[a], d, scales[a], p->theta);
    }
  float *packed = malloc ((size_t) ae_rope_3d_table_size (p, head_dim) * sizeof *packed);
  th_ok (ae_rope_3d_table (packed, p, head_dim, &error), &error, "rope table");
  int64_t shape[3] = { p->t + p->h + p->w, 2, d };
  t->packed = th_upload (ctx, AE_F32, 3, shape, packed);
  free (packed);
}

static void
free_tables (rope_tables *t)
{
  for (int a = 0; a < 3; a++)
    {
      free (t->cos[a]);
      free (t->sin[a]);
    }
  ae_tensor_free (t->packed);
}

static void
check_rope (ae_dtype from, ae_dtype to, int64_t b, int64_t heads, int head_dim, int64_t gt, int64_t gh, int64_t gw,
            double st, double sh, double sw)
{
  ae_rope_3d_params p = { gt, gh, gw, st, sh, sw, 10000.0 };
  int64_t n_tok = gt * gh * gw, shape[4] = { b, n_tok, heads, head_dim };
  size_t n = (size_t) (b * n_tok * heads * head_dim);
  rope_tables tables;
  char what[192];

  make_tables (&tables, &p, head_dim);
  float *x = th_random (n, 1000 + n, -2, 2, from);
  float *ref = malloc (n * sizeof *ref);
  ae_ref_rope_3d (ref, x, b, heads, head_dim, gt, gh, gw, tables.cos[0], tables.sin[0], tables.cos[1], tables.sin[1],
                  tables.cos[2], tables.sin[2]);
  th_round (ref, n, to);
  ae_tensor *tx = th_upload (ctx, from, 4, shape, x);
  rope_state rs = { tx, tables.packed, p };
  snprintf (what, sizeof what, "rope %s -> %s [%lld, %lld, %lld, %d], grid %lldx%lldx%lld", ae_dtype_name (from),
            ae_dtype_name (to), (long long) b, (long long) n_tok, (long long) heads, head_dim, (long long) gt,
            (long long) gh, (long long) gw);
  check_paths (what, to, 4, shape, ref, output_bound (to), record_rope, &rs);
  ae_tensor_free (tx);
  free_tables (&tables);
  free (x);
  free (ref);
}

/* In place on k inside a fused qkv [B, N, 3 * H * Dh]: q and v stay as they are. */
static void
check_rope_in_place_on_qkv (ae_dtype dtype)
{
  enum
  {
    B = 2,
    GT = 2,
    GH = 3,
    GW = 5,
    N = GT * GH * GW,
    H = 4,
    DH = 24
  };
  ae_rope_3d_params p = { GT, GH, GW, 2.2, 2.0, 2.0, 10000.0 };
  int64_t shape[3] = { B, N, 3 * H * DH };
  int64_t k_shape[4] = { B, N, H, DH }, k_stride[4] = { N * 3 * H * DH, 3 * H * DH, DH, 1 };
  size_t n = B * N * 3 * H * DH;
  ae_error error = { 0 };
  rope_tables tables;
  char what[128];

  make_tables (&tables, &p, DH);
  float *qkv = th_random (n, 1100, -2, 2, dtype);
  float *k = malloc (sizeof (float) * B * N * H * DH), *k_rot = malloc (sizeof (float) * B * N * H * DH);
  float *ref = malloc (n * sizeof *ref);
  for (int64_t r = 0; r < B * N; r++)
    memcpy (k + r * H * DH, qkv + r * 3 * H * DH + H * DH, sizeof (float) * H * DH);
  ae_ref_rope_3d (k_rot, k, B, H, DH, GT, GH, GW, tables.cos[0], tables.sin[0], tables.cos[1], tables.sin[1],
                  tables.cos[2], tables.sin[2]);
  th_round (k_rot, B * N * H * DH, dtype);
  memcpy (ref, qkv, n * sizeof *ref);
  for (int64_t r = 0; r < B * N; r++)
    memcpy (ref + r * 3 * H * DH + H * DH, k_rot + r * H * DH, sizeof (float) * H * DH);

  for (int path = 0; path < AE_N_PATHS; path++)
    {
      if (!ae_path_supported (ctx, (ae_path) path))
        continue;
      ae_tensor *buf = th_upload (ctx, dtype, 3, shape, qkv);
      ae_tensor *kv = ae_tensor_view (buf, H * DH, 4, k_shape, k_stride, "k of qkv", &error);
      th_ok (kv != NULL, &error, "view");
      ae_stream *s = ae_stream_new (ctx, &error);
      ae_stream_set_path (s, (ae_path) path);
      th_ok (ae_op_rope_3d (s, kv, kv, tables.packed, &p, &error), &error, "rope in place");
      th_finish_stream (s);
      float *got = th_download (buf);
      snprintf (what, sizeof what, "rope %s in place on k of a fused qkv (q, v kept) [%s]", ae_dtype_name (dtype),
                ae_path_name ((ae_path) path));
      th_check (what, ref, got, n, output_bound (dtype));
      free (got);
      ae_stream_free (s);
      ae_tensor_free (kv);
      ae_tensor_free (buf);
    }
  free_tables (&tables);
  free (qkv);
  free (k);
  free (k_rot);
  free (ref);
}

static void
check_rope_errors (void)
{
  ae_error error = { 0 };
  ae_rope_3d_params p = { 2, 3, 4, 2.2, 2.0, 2.0, 10000.0 }, wrong_grid = { 2, 3, 5, 2.2, 2.0, 2.0, 10000.0 };
  int64_t xshape[4] = { 1, 24, 2, 12 }, odd_shape[4] = { 1, 24, 2, 10 };
  int64_t tshape[3] = { 9, 2, 4 }, bad_tshape[3] = { 9, 2, 6 };
  ae_tensor *x = ae_tensor_new (ctx, AE_F32, 4, xshape, "q", &error);
  ae_tensor *odd = ae_tensor_new (ctx, AE_F32, 4, odd_shape, "q with head dim 10", &error);
  ae_tensor *table = ae_tensor_new (ctx, AE_F32, 3, tshape, "rope table", &error);
  ae_tensor *bad_table = ae_tensor_new (ctx, AE_F32, 3, bad_tshape, "wrong table", &error);
  ae_stream *s = ae_stream_new (ctx, &error);
  float dummy[1];

  expect_refused (ae_op_rope_3d (s, x, x, bad_table, &p, &error), &error, "rope with a table of the wrong width");
  expect_refused (ae_op_rope_3d (s, x, x, table, &wrong_grid, &error), &error, "rope with a grid of 30 for 24 tokens");
  expect_refused (ae_op_rope_3d (s, odd, odd, table, &p, &error), &error, "rope with head dim 10");
  th_expect (!ae_rope_3d_table (dummy, &p, 10, &error) && error.code == AE_ERROR_INVALID,
             "rope table for head dim 10 refused: %s", error.message);
  ae_stream_free (s);
  ae_tensor_free (x);
  ae_tensor_free (odd);
  ae_tensor_free (table);
  ae_tensor_free (bad_table);
}

/* ---- a small binding range: the ops split their dispatches ---- */

static void
check_splits (void)
{
  ae_error error = { 0 };

  /* 4096 bytes per binding and 5 workgroups per axis. */
  ae_context *small = th_context_with_limits (4096, 5);
  ae_context *saved = ctx;
  ctx = small;
  th_expect (ae_context_max_binding_range (ctx) == 4096, "binding range lowered to 4096 bytes");

  /* Counting dispatches shows the split happened. */
  int64_t shape[4] = { 3, 37, 6, 24 }, out_shape[4] = { 3, 6, 37, 24 };
  const int perm[4] = { 0, 2, 1, 3 };
  size_t n = 3 * 37 * 6 * 24;
  float *x = th_random (n, 1200, -2, 2, AE_F32);
  float *ref = malloc (n * sizeof *ref);
  ae_ref_permute (ref, x, 4, shape, perm);
  ae_tensor *in = th_upload (ctx, AE_F32, 4, shape, x);
  ae_tensor *out = th_new_guarded (ctx, AE_F32, 4, out_shape);
  ae_stream *s = ae_stream_new (ctx, &error);
  th_ok (ae_op_permute (s, out, in, perm, &error), &error, "split permute");
  th_finish_stream (s);
  float *got = th_download (out);
  th_check ("permute f32 [3, 37, 6, 24] (0,2,1,3) split over 4 KiB bindings", ref, got, n, 0);
  th_expect (ae_stream_dispatch_count (s) > 8, "the permute took %llu dispatches",
             (unsigned long long) ae_stream_dispatch_count (s));
  th_expect (th_guard_intact (out), "split permute: nothing written past the output");
  free (got);
  ae_stream_free (s);
  th_free_guarded (out);
  ae_tensor_free (in);
  free (x);
  free (ref);

  /* A 1-D cast past the range and past the folded grid's 25 workgroups. */
  int64_t cast_shape[2] = { 7, 5003 };
  check_cast (AE_BF16, AE_F32, 2, cast_shape);
  check_permute (AE_F16, AE_F16, 4, shape, perm);
  check_patchify (AE_F32, AE_BF16, 2, 4, 3, 10, 14, 2, 1);
  int64_t ids_shape[1] = { 300 };
  check_embedding (AE_F32, AE_F32, 300, 40, 1, ids_shape);
  check_rope (AE_F32, AE_F32, 2, 3, 24, 3, 5, 7, 2.2, 2.0, 2.0);
  check_rope_in_place_on_qkv (AE_BF16);
  check_t5_bias (AE_F32, 4, 13, 77, 32, 128, true);

  ctx = saved;
  ae_context_free (small);
}

int
main (void)
{
  ctx = th_context ();
  static const int64_t lengths[] = { 1, 13, 127, 512, 4099 };

  check_fixture ();

  for (size_t a = 0; a < AE_N_ELEMENTS (float_types); a++)
    for (size_t b = 0; b < AE_N_ELEMENTS (float_types); b++)
      {
        ae_dtype from = float_types[a], to = float_types[b];
        for (size_t i = 0; i < AE_N_ELEMENTS (lengths); i++)
          check_cast (from, to, 1, &lengths[i]);
        int64_t shape4[4] = { 2, 13, 5, 12 }, shape5[5] = { 2, 3, 4, 5, 6 }, shape2[2] = { 127, 13 };
        const int attn[4] = { 0, 2, 1, 3 }, mixed[4] = { 3, 1, 0, 2 }, channels_last[5] = { 0, 2, 3, 4, 1 };
        const int transpose[2] = { 1, 0 };
        check_permute (from, to, 4, shape4, attn);
        check_permute (from, to, 5, shape5, channels_last);
        if (from == to)
          {
            /* The last two take copy_transpose.comp on the tiled path: tiles
             * of 32 with edges of 31 and 33, batch dimensions around them. */
            int64_t edges[3] = { 3, 33, 31 }, around[4] = { 2, 5, 17, 40 };
            const int swap_last[3] = { 0, 2, 1 }, last_first[4] = { 0, 3, 1, 2 };
            check_permute (from, to, 4, shape4, mixed);
            check_permute (from, to, 2, shape2, transpose);
            check_permute (from, to, 3, edges, swap_last);
            check_permute (from, to, 4, around, last_first);
            check_strided_views (from, to);
          }
        check_patchify (from, to, 2, 4, 3, 6, 10, 2, 1);
        int64_t ids_shape[2] = { 2, 7 };
        check_embedding (from, to, 37, 13, 2, ids_shape);
        check_rope (from, to, 2, 3, 12, 3, 4, 5, 2.2, 2.0, 2.0);
      }
  check_i32_permute ();
  check_copy_errors ();

  /* The model's own sizes where lavapipe affords them. */
  int64_t q_shape[4] = { 1, 1024, 24, 96 };
  const int heads_first[4] = { 0, 2, 1, 3 };
  check_permute (AE_BF16, AE_BF16, 4, q_shape, heads_first);
  int64_t vae_shape[5] = { 1, 128, 4, 40, 40 };
  const int channels_last[5] = { 0, 2, 3, 4, 1 }, channels_first[5] = { 0, 4, 1, 2, 3 };
  int64_t vae_last[5] = { 1, 4, 40, 40, 128 };
  check_permute (AE_F16, AE_F16, 5, vae_shape, channels_last);
  check_permute (AE_F32, AE_F32, 5, vae_last, channels_first);
  for (size_t t = 0; t < AE_N_ELEMENTS (float_types); t++)
    check_patchify (float_types[t], float_types[t], 1, 3, 4, 9, 6, 3, 2);
  check_patchify (AE_F32, AE_F32, 2, 4, 22, 90, 160, 2, 1);
  check_patch_embedding_is_conv ();
  check_patchify_into_padded_rows ();
  int64_t t5_ids[2] = { 2, 512 };
  check_embedding (AE_BF16, AE_F32, 32128, 64, 2, t5_ids);
  check_embedding (AE_F32, AE_F32, 100, 4096, 1, &lengths[1]);
  check_embedding_errors ();

  check_t5_buckets_pinned ();
  static const int64_t t5_lengths[] = { 1, 13, 77, 512 };
  for (size_t t = 0; t < AE_N_ELEMENTS (float_types); t++)
    for (size_t i = 0; i < AE_N_ELEMENTS (t5_lengths); i++)
      check_t5_bias (float_types[t], 64, t5_lengths[i], t5_lengths[i], 32, 128, true);
  check_t5_bias (AE_F32, 5, 13, 77, 32, 128, true);
  check_t5_bias (AE_F32, 5, 77, 13, 32, 128, true);
  check_t5_bias (AE_BF16, 3, 77, 77, 32, 128, false);
  check_t5_bias (AE_F32, 7, 512, 512, 64, 256, true);
  check_t5_bias (AE_F16, 2, 300, 300, 8, 20, true);
  check_t5_errors ();

  for (size_t t = 0; t < AE_N_ELEMENTS (float_types); t++)
    {
      check_rope (float_types[t], float_types[t], 1, 24, 96, 2, 3, 4, 2.2, 2.0, 2.0);
      check_rope_in_place_on_qkv (float_types[t]);
    }
  check_rope (AE_F32, AE_F32, 2, 5, 18, 1, 1, 13, 1.0, 1.0, 1.0);
  check_rope (AE_BF16, AE_BF16, 1, 1, 96, 22, 45, 80, 2.2, 2.0, 2.0);
  check_rope_errors ();

  check_splits ();

  ae_context_free (ctx);
  return th_summary ();
}
