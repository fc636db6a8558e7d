/* test-attention.c: flash attention against ref-attention.c, on every kernel
 * path the device runs and every storage type: odd and aligned shapes, head
 * dims 13 to 128, DiT masks, T5 mode, kv_len, masked tails, strided views,
 * split dispatches under a small binding range, and refused inputs.  The
 * nv_cm kernel also runs with its matrix operations emulated, so its
 * algorithm is checked on every machine, tensor cores or not. */
#include "harness.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* How q, k, v and out sit in memory. */
typedef enum
{
  LAYOUT_BHND, /* contiguous [B, H, N, D] */
  LAYOUT_BNHD, /* views of [B, N, H*D] projections: strides (N*H*D, D, H*D, 1) */
  LAYOUT_BNDH, /* views of [B, N, D, H]: the head dim strided by H (no vector loads) */
} layout;

typedef enum
{
  BIAS_NONE,
  BIAS_DIT, /* (1 - mask) * -10000 on right padding (DiT cross-attention) */
  BIAS_T5,  /* finfo(f32).min on right padding (T5's extended mask) */
} bias_kind;

#define F32 (1u << AE_F32)
#define F16 (1u << AE_F16)
#define BF16 (1u << AE_BF16)
#define ALL (F32 | F16 | BF16)

typedef struct
{
  const char *name;
  int64_t batch, heads, nq, nk, d;
  layout layout;
  bias_kind bias;
  int64_t valid[2]; /* valid keys of batch entries 0 and 1 (others: all) */
  bool position_bias;
  bool unscaled; /* T5: scale 1 */
  float q_range, k_range;
  int64_t kv_len;
  unsigned dtypes;   /* storage types it runs in, on every path */
  unsigned emulated; /* and on the emulated nv_cm kernel */
} attn_case;

/* Each distinct (storage type, head dim, biases, vector loads) is one more
 * pipeline per kernel, which lavapipe takes about a second to compile: the
 * cases share a few kernels in every storage type, and the rarer ones
 * (strided head dim, head dims 13, 24, 128, the DiT mask) take one or two. */
static const attn_case cases[] = {
  { "single", 1, 1, 1, 1, 96, LAYOUT_BHND, BIAS_NONE, { 0 }, false, false, 1, 1, 0, ALL, F16 },
  { "tile+1", 1, 1, 65, 129, 96, LAYOUT_BHND, BIAS_NONE, { 0 }, false, false, 2, 2, 0, ALL, F16 | BF16 },
  { "long keys", 1, 1, 127, 513, 96, LAYOUT_BHND, BIAS_NONE, { 0 }, false, false, 2, 2, 0, ALL, F16 },
  { "dit self, views", 2, 2, 200, 200, 96, LAYOUT_BNHD, BIAS_NONE, { 0 }, false, false, 2, 2, 0, ALL, F16 | BF16 },
  { "dit cross, -10000 pad",
    2,
    3,
    77,
    512,
    96,
    LAYOUT_BNHD,
    BIAS_DIT,
    { 100, 1 },
    false,
    false,
    2,
    2,
    0,
    F32 | F16,
    F16 },
  { "dit cross, kv_len", 2, 3, 77, 512, 96, LAYOUT_BNHD, BIAS_NONE, { 0 }, false, false, 2, 2, 100, ALL, F16 },
  { "t5, logits ~1e3", 2, 4, 127, 127, 64, LAYOUT_BNHD, BIAS_T5, { 127, 30 }, true, true, 30, 4, 0, ALL, F16 | BF16 },
  { "masked tail, empty row", 2, 1, 40, 200, 64, LAYOUT_BHND, BIAS_T5, { 70, 0 }, true, false, 2, 2, 0, ALL, F16 },
  { "dim strided", 1, 2, 31, 45, 64, LAYOUT_BNDH, BIAS_DIT, { 40, 0 }, true, false, 2, 2, 0, F32, F16 },
  { "odd", 1, 2, 13, 77, 24, LAYOUT_BHND, BIAS_NONE, { 0 }, false, false, 1, 1, 0, BF16, 0 },
  { "d13", 1, 1, 5, 17, 13, LAYOUT_BHND, BIAS_NONE, { 0 }, false, false, 2, 2, 0, F16, F16 },
  { "aligned", 2, 2, 128, 128, 128, LAYOUT_BHND, BIAS_NONE, { 0 }, false, false, 1, 1, 0, F32, 0 },
};

/* The nv_cm kernel with emulated matrix operations, on any device. */
#define PATH_EMULATED_CM AE_N_PATHS

static const char *
path_name (ae_path path)
{
  return path == PATH_EMULATED_CM ? "nv_cm-emulated" : ae_path_name (path);
}

static const char *
layout_name (layout l)
{
  switch (l)
    {
    case LAYOUT_BNHD:
      return "[B,N,H*D] views";
    case LAYOUT_BNDH:
      return "[B,N,D,H] views";
    default:
      return "contiguous";
    }
}

/* Memory shape and the [B, H, N, D] strides of a view in it. */
static void
layout_geometry (layout l, int64_t b, int64_t h, int64_t n, int64_t d, int64_t shape[4], int64_t stride[4])
{
  switch (l)
    {
    case LAYOUT_BNHD:
      shape[0] = b, shape[1] = n, shape[2] = h * d, shape[3] = 1;
      stride[0] = n * h * d, stride[1] = d, stride[2] = h * d, stride[3] = 1;
      break;
    case LAYOUT_BNDH:
      shape[0] = b, shape[1] = n, shape[2] = d, shape[3] = h;
      stride[0] = n * d * h, stride[1] = 1, stride[2] = d * h, stride[3] = h;
      break;
    default:
      shape[0] = b, shape[1] = h, shape[2] = n, shape[3] = d;
      stride[0] = h * n * d, stride[1] = n * d, stride[2] = d, stride[3] = 1;
      break;
    }
}

static int
layout_ndim (layout l)
{
  return l == LAYOUT_BNHD ? 3 : 4;
}

/* Logical [B, H, N, D] data into memory order, or back. */
static void
scatter (layout l, float *logical, float *memory, int64_t b, int64_t h, int64_t n, int64_t d, bool back)
{
  int64_t shape[4], stride[4];
  layout_geometry (l, b, h, n, d, shape, stride);
  size_t i = 0;
  for (int64_t bi = 0; bi < b; bi++)
    for (int64_t hi = 0; hi < h; hi++)
      for (int64_t ni = 0; ni < n; ni++)
        for (int64_t di = 0; di < d; di++, i++)
          {
            size_t at = (size_t) (bi * stride[0] + hi * stride[1] + ni * stride[2] + di * stride[3]);
            if (back)
              logical[i] = memory[at];
            else
              memory[at] = logical[i];
          }
}

/* A tensor laid out as `l`, and its [B, H, N, D] view.  *base receives the
 * tensor that owns the memory. */
static ae_tensor *
make_input (ae_context *ctx, ae_dtype dtype, layout l, float *logical, int64_t b, int64_t h, int64_t n, int64_t d,
            ae_tensor **base)
{
  ae_error error = { 0 };
  int64_t shape[4], stride[4], vshape[4] = { b, h, n, d };
  size_t count = (size_t) (b * h * n * d);
  float *memory = malloc (count * sizeof *memory);

  layout_geometry (l, b, h, n, d, shape, stride);
  scatter (l, logical, memory, b, h, n, d, false);
  *base = th_upload (ctx, dtype, layout_ndim (l), shape, memory);
  free (memory);
  ae_tensor *view = ae_tensor_view (*base, 0, 4, vshape, stride, "view", &error);
  th_ok (view != NULL, &error, "view");
  return view;
}

/* Bounds on NMSE against the reference rounded to the storage type.  The
 * kernels accumulate in fp32 against a double reference: for f32 that
 * leaves ~1e-13, and ~1e-11 on T5's ~1e3 logits, whose fp32 rounding
 * (6e-5 absolute) moves the softmax weights by as much relative.  For f16
 * and bf16 the inputs are exact in both, so what differs is the rounding
 * of outputs sitting near a rounding boundary: one ulp on every element
 * would be an NMSE of 2^-22..2^-20 (f16) or 2^-16..2^-14 (bf16), and the
 * bounds allow about that, far below ggml's 5e-4 for FLASH_ATTN_EXT.
 * nv_cm also rounds P to fp16 (relative error 2^-12 per weight, ~1e-4 RMS
 * on the output before its own rounding, measured 1e-7 for f16 and 8e-7
 * for bf16 with the emulated kernel): its f16 bound is doubled. */
static double
bound_for (ae_path path, ae_dtype dtype)
{
  bool cm = path == AE_PATH_NV_CM || path == PATH_EMULATED_CM;
  return th_bound (dtype, 1e-8, cm ? 2e-6 : 1e-6, 6e-5);
}

static void
fill_bias (const attn_case *c, float *key_bias)
{
  for (int64_t bi = 0; bi < c->batch; bi++)
    {
      int64_t valid = bi < 2 ? c->valid[bi] : c->nk;
      for (int64_t j = 0; j < c->nk; j++)
        {
          bool pad = j >= valid;
          key_bias[bi * c->nk + j] = !pad ? 0.0f : c->bias == BIAS_DIT ? -10000.0f : -FLT_MAX;
        }
    }
}

static void
run_case (ae_context *ctx, ae_path path, ae_dtype dtype, const attn_case *c)
{
  ae_error error = { 0 };
  int64_t b = c->batch, h = c->heads, nq = c->nq, nk = c->nk, d = c->d;
  size_t nq_elems = (size_t) (b * h * nq * d), nk_elems = (size_t) (b * h * nk * d);
  uint64_t seed = (uint64_t) (nq * 131 + nk * 7 + d);
  float *q = th_random (nq_elems, seed, -c->q_range, c->q_range, dtype);
  float *k = th_random (nk_elems, seed + 1, -c->k_range, c->k_range, dtype);
  float *v = th_random (nk_elems, seed + 2, -1, 1, dtype);
  float *ref = malloc (nq_elems * sizeof *ref), *got = malloc (nq_elems * sizeof *got);
  float *key_bias = NULL, *position_bias = NULL;
  ae_tensor *qb, *kbase, *vb, *tkb = NULL, *tpb = NULL;
  char what[160];

  ae_ref_attention_params rp = {
    .batch = b,
    .heads = h,
    .nq = nq,
    .nk = nk,
    .head_dim = d,
    .scale = c->unscaled ? 1.0f : (float) (1.0 / sqrt ((double) d)),
    .kv_len = c->kv_len,
  };
  ae_attention_params params = { .scale = c->unscaled ? 1.0f : 0.0f, .kv_len = c->kv_len };
  if (c->bias != BIAS_NONE)
    {
      int64_t shape[2] = { b, nk };
      key_bias = malloc ((size_t) (b * nk) * sizeof *key_bias);
      fill_bias (c, key_bias);
      tkb = th_upload (ctx, AE_F32, 2, shape, key_bias);
      rp.key_bias = key_bias;
      params.key_bias = tkb;
    }
  if (c->position_bias)
    {
      int64_t shape[2] = { h, nq + nk - 1 };
      position_bias = th_random ((size_t) (h * (nq + nk - 1)), seed + 3, -8, 8, AE_F32);
      tpb = th_upload (ctx, AE_F32, 2, shape, position_bias);
      rp.position_bias = position_bias;
      params.position_bias = tpb;
    }

  ae_tensor *tq = make_input (ctx, dtype, c->layout, q, b, h, nq, d, &qb);
  ae_tensor *tk = make_input (ctx, dtype, c->layout, k, b, h, nk, d, &kbase);
  ae_tensor *tv = make_input (ctx, dtype, c->layout, v, b, h, nk, d, &vb);
  int64_t oshape[4], ostride[4], vshape[4] = { b, h, nq, d };
  layout_geometry (c->layout, b, h, nq, d, oshape, ostride);
  ae_tensor *out_base = th_new_guarded (ctx, dtype, layout_ndim (c->layout), oshape);
  ae_tensor *out = ae_tensor_view (out_base, 0, 4, vshape, ostride, "out", &error);
  th_ok (out != NULL, &error, "out view");

  ae_stream *s = ae_stream_new (ctx, &error);
  th_ok (s != NULL, &error, "stream");
  if (path == PATH_EMULATED_CM)
    th_ok (ae_op_attention_emulated_cm (s, out, tq, tk, tv, &params, &error), &error, "attention");
  else
    {
      ae_stream_set_path (s, path);
      th_ok (ae_op_attention (s, out, tq, tk, tv, &params, &error), &error, "attention");
    }
  th_finish_stream (s);

  float *memory = th_download (out_base);
  scatter (c->layout, got, memory, b, h, nq, d, true);
  ae_ref_attention (ref, q, k, v, &rp);
  th_round (ref, nq_elems, dtype);
  snprintf (what, sizeof what, "%s %s %s [%lld,%lld,%lld|%lld,%lld] %s", path_name (path), ae_dtype_name (dtype),
            c->name, (long long) b, (long long) h, (long long) nq, (long long) nk, (long long) d,
            layout_name (c->layout));
  th_check (what, ref, got, nq_elems, bound_for (path, dtype));
  th_expect (th_guard_intact (out_base), "%s: nothing written past the output", what);

  ae_stream_free (s);
  ae_tensor_free (out);
  th_free_guarded (out_base);
  ae_tensor_free (tq);
  ae_tensor_free (tk);
  ae_tensor_free (tv);
  ae_tensor_free (qb);
  ae_tensor_free (kbase);
  ae_tensor_free (vb);
  ae_tensor_free (tkb);
  ae_tensor_free (tpb);
  free (q);
  free (k);
  free (v);
  free (ref);
  free (got);
  free (memory);
  free (key_bias);
  free (position_bias);
}

/* Under a 64 KiB binding range: contiguous q [2, 3, 300, 64] f32 is done
 * per batch entry and head (q's heads are 77 KB apart) and in two chunks of
 * query rows, so the position bias's diagonal moves with the chunk. */
static void
test_split (ae_context *ctx, ae_path path)
{
  static const attn_case split
      = { "split", 2, 3, 300, 100, 64, LAYOUT_BHND, BIAS_DIT, { 60, 100 }, true, false, 2, 2, 0, ALL, 0 };
  ae_error error = { 0 };
  ae_stream *s = ae_stream_new (ctx, &error);
  uint64_t before = ae_stream_dispatch_count (s);
  int64_t qshape[4] = { 2, 3, 300, 64 }, kshape[4] = { 2, 3, 100, 64 };
  ae_tensor *tq = ae_tensor_new (ctx, AE_F32, 4, qshape, "q", &error);
  ae_tensor *tk = ae_tensor_new (ctx, AE_F32, 4, kshape, "k", &error);
  ae_tensor *to = ae_tensor_new (ctx, AE_F32, 4, qshape, "out", &error);

  /* The count of dispatches one call records shows the split. */
  ae_stream_set_path (s, path);
  th_ok (ae_op_attention (s, to, tq, tk, tk, NULL, &error), &error, "split count");
  th_finish_stream (s);
  th_expect (ae_stream_dispatch_count (s) - before == 12, "%s: split into 12 dispatches (%llu)", ae_path_name (path),
             (unsigned long long) (ae_stream_dispatch_count (s) - before));
  ae_stream_free (s);
  ae_tensor_free (tq);
  ae_tensor_free (tk);
  ae_tensor_free (to);

  for (int dt = AE_F32; dt <= AE_BF16; dt++)
    run_case (ctx, path, (ae_dtype) dt, &split);

  /* One head of keys past the range: refused, not bound. */
  int64_t small[4] = { 1, 1, 4, 64 }, long_keys[4] = { 1, 1, 513, 64 };
  ae_tensor *q = ae_tensor_new (ctx, AE_F32, 4, small, "q", &error);
  ae_tensor *k = ae_tensor_new (ctx, AE_F32, 4, long_keys, "long keys", &error);
  s = ae_stream_new (ctx, &error);
  ae_stream_set_path (s, path);
  th_expect (!ae_op_attention (s, q, q, k, k, NULL, &error) && error.code == AE_ERROR_INVALID
                 && strstr (error.message, "long keys") != NULL,
             "%s: a head past the range is refused: %s", ae_path_name (path), error.message);
  ae_stream_free (s);
  ae_tensor_free (q);
  ae_tensor_free (k);
}

static void
test_refusals (ae_context *ctx)
{
  ae_error error = { 0 };
  int64_t qs[4] = { 1, 2, 8, 64 }, ks[4] = { 1, 2, 9, 64 }, bad[4] = { 1, 2, 9, 32 }, wide[4] = { 1, 1, 4, 136 };
  int64_t kbs[2] = { 1, 8 };
  ae_tensor *q = ae_tensor_new (ctx, AE_F32, 4, qs, "q", &error);
  ae_tensor *k = ae_tensor_new (ctx, AE_F32, 4, ks, "k", &error);
  ae_tensor *kh = ae_tensor_new (ctx, AE_F16, 4, ks, "k16", &error);
  ae_tensor *vbad = ae_tensor_new (ctx, AE_F32, 4, bad, "short v", &error);
  ae_tensor *w = ae_tensor_new (ctx, AE_F32, 4, wide, "wide", &error);
  ae_tensor *kb = ae_tensor_new (ctx, AE_F32, 2, kbs, "mask", &error);
  ae_stream *s = ae_stream_new (ctx, &error);

  th_expect (!ae_op_attention (s, q, q, kh, k, NULL, &error) && error.code == AE_ERROR_INVALID,
             "mixed dtypes refused: %s", error.message);
  th_expect (!ae_op_attention (s, q, q, k, vbad, NULL, &error) && strstr (error.message, "short v") != NULL,
             "v of the wrong shape refused: %s", error.message);
  th_expect (!ae_op_attention (s, w, w, w, w, NULL, &error) && error.code == AE_ERROR_INVALID,
             "head dim 136 refused: %s", error.message);
  ae_attention_params p1 = { .key_bias = kb };
  th_expect (!ae_op_attention (s, q, q, k, k, &p1, &error) && strstr (error.message, "mask") != NULL,
             "key_bias of the wrong length refused: %s", error.message);
  ae_attention_params p2 = { .kv_len = 10 };
  th_expect (!ae_op_attention (s, q, q, k, k, &p2, &error) && strstr (error.message, "kv_len") != NULL,
             "kv_len past the keys refused: %s", error.message);
  th_expect (ae_stream_dispatch_count (s) == 0, "nothing recorded by refused calls");
  ae_stream_free (s);
  ae_tensor_free (q);
  ae_tensor_free (k);
  ae_tensor_free (kh);
  ae_tensor_free (vbad);
  ae_tensor_free (w);
  ae_tensor_free (kb);
}

int
main (void)
{
  ae_context *ctx = th_context ();

  for (int path = 0; path < AE_N_PATHS; path++)
    {
      if (!ae_path_supported (ctx, (ae_path) path))
        {
          printf ("skip %s: not supported here\n", ae_path_name ((ae_path) path));
          continue;
        }
      for (int dt = AE_F32; dt <= AE_BF16; dt++)
        for (size_t i = 0; i < AE_N_ELEMENTS (cases); i++)
          if (cases[i].dtypes & (1u << dt))
            run_case (ctx, (ae_path) path, (ae_dtype) dt, &cases[i]);
    }
  /* The tensor-core kernel's algorithm with emulated matrix operations: the
   * only check of it where it cannot run, and beside the real one, a way to
   * tell a driver's matrix operations from the algorithm when nv_cm fails. */
  for (int dt = AE_F16; dt <= AE_BF16; dt++)
    for (size_t i = 0; i < AE_N_ELEMENTS (cases); i++)
      if (cases[i].emulated & (1u << dt))
        run_case (ctx, PATH_EMULATED_CM, (ae_dtype) dt, &cases[i]);
  test_refusals (ctx);
  ae_context_free (ctx);

  /* Split dispatches, in a context whose bindings hold 64 KiB. */
  ctx = th_context_with_limits (65536, 0);
  for (int path = 0; path < AE_N_PATHS; path++)
    if (ae_path_supported (ctx, (ae_path) path))
      test_split (ctx, (ae_path) path);
  ae_context_free (ctx);
  return th_summary ();
}
