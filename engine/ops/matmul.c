/* matmul.c: out = x w^T + bias on the three kernel paths (shaders/matmul_*.comp). */
#include "ae-internal.h"
#include "ae-ops.h"

#include <stdio.h>
#include <string.h>

typedef struct
{
  uint32_t m, n, k;
  uint32_t tiles_m, tiles_n, n_batch;
  uint32_t x_batch, w_batch, d_batch;
  uint32_t off_x, off_w, off_d, off_bias;
  uint32_t flags; /* bit 0: aligned; bits 1-2: bias dtype code + 1, 0 without */
} matmul_push;
_Static_assert(sizeof (matmul_push) == 56, "matmul_common.glsl push block");

/* What one dispatch runs: the kernel's constants and the block of out each
 * workgroup covers.  Whether x and w allow vector loads is known per dispatch
 * (views move the offsets): a constant for lvp and nv_cm, whose inner loops
 * are faster without the other path beside them, and a push flag for tiled,
 * which saves pipelines (each costs LLVM about a second on lavapipe, where
 * the tests run every path). */
typedef struct
{
  uint32_t block_m, block_n; /* outputs and rows of x per workgroup */
  uint32_t spec[AE_MAX_SPEC];
  uint32_t n_spec;
  int aligned_index; /* the ALIGNED constant, or -1 */
  uint32_t align;    /* K and the offsets of x and w must be multiples of it to be aligned */
  uint32_t subgroup_size;
} matmul_plan;

/* lvp: measured on Mesa 25 lavapipe at 1024^3 (f32, GFLOP/s): rows x outputs
 * per workgroup 6x32 20, 4x32 17, 8x24 19, 4x16 12, 2x16 8; a K-major weight
 * layout (contiguous vec4 loads across lanes) 15 at best, vec4 accumulators
 * 17, the k loop unrolled twice 12.  More rows or outputs spill registers. */
#define LVP_ROWS 6
#define LVP_COLS 4

static void
plan_lvp (matmul_plan *plan, int64_t m, int64_t n)
{
  uint32_t rows = (uint32_t) AE_MIN (n, LVP_ROWS);
  uint32_t cols = (uint32_t) AE_MIN (AE_DIV_UP (m, 8), LVP_COLS);

  *plan = (matmul_plan){
    .block_m = 8 * cols,
    .block_n = rows,
    .spec = { rows, cols, 0 },
    .n_spec = 3,
    .aligned_index = 2,
    .align = 4,
  };
}

/* tiled: ggml's m and s tiles (kernels.md section 1), in fp32 shared memory.
 * Its l tile (128 x 128, 8 x 8 per invocation) ran at 2.2 TFLOP/s on an H200
 * against 19 for m (f32, 2048^3 and 1024^3), so it is left out. */
typedef struct
{
  uint32_t bm, bn, bk, tm, tn;
} tiled_tile;

static const tiled_tile tiled_tiles[] = {
  { 64, 64, 16, 4, 4 }, /* m: 256 invocations, 16 accumulators each */
  { 32, 32, 32, 4, 4 }, /* s: 64 invocations, for skinny products */
};

/* Workgroups that fill the device: its SM count where known, else a guess. */
static uint64_t
busy_groups (const ae_device_info *info)
{
  return info->sm_count > 0 ? info->sm_count : 64;
}

static void
plan_tiled (matmul_plan *plan, const ae_device_info *info, int64_t m, int64_t n)
{
  size_t choice = m >= 64 && n >= 64 ? 0 : 1;

  for (; choice < AE_N_ELEMENTS (tiled_tiles) - 1; choice++)
    {
      const tiled_tile *t = &tiled_tiles[choice];
      uint32_t shared = t->bk * (t->bm + 1 + t->bn + 1) * 4;
      uint32_t invocations = (t->bm / t->tm) * (t->bn / t->tn);
      if (shared <= info->max_shared_memory && invocations <= info->max_workgroup_invocations)
        break;
    }
  const tiled_tile *t = &tiled_tiles[choice];
  *plan = (matmul_plan){
    .block_m = t->bm,
    .block_n = t->bn,
    .spec = { (t->bm / t->tm) * (t->bn / t->tn), t->bm, t->bn, t->bk, t->tm, t->tn },
    .n_spec = 6,
    .aligned_index = -1,
    .align = 4,
  };
}

/* nv_cm tiles (BM outputs x BN tokens, BK, subgroups along M and N), each
 * subgroup owning 64 x 64 or 32 x 32 of out.  Measured on an H200 (f16,
 * best of 5, GPU timestamps; PyTorch reaches 710-770 on the same shapes):
 *   tile                  8192^3   79232x2304x2304  79232x9216x2304 (TFLOP/s)
 *   128 x 256, BK 16, 2x4   152        137               140
 *   256 x 128, BK 16, 4x2   148        136               138
 *   128 x 128, BK 32, 2x2   152      58-92               144
 *    64 x  64, BK 32, 2x2   124        123               122
 * Vulkan exposes Hopper's warp-level MMA, not wgmma, hence the gap. */
typedef struct
{
  uint32_t bm, bn, bk, warps_m, warps_n;
} cm_tile;

static const cm_tile cm_tiles[] = {
  { 128, 256, 16, 2, 4 }, /* l: 8 subgroups */
  { 64, 64, 32, 2, 2 },   /* m: 4 subgroups, when l would leave SMs idle */
};

/* Both tiles twice (double buffering), rows of BK fp16 plus 16 bytes of skew. */
static uint32_t
cm_shared_bytes (const cm_tile *t)
{
  return 2 * (t->bm + t->bn) * (t->bk / 8 + 1) * 16;
}

/* Fragments of 16 x 16 x 16 where the device lists them, else 16 x 8 x 16
 * (the shapes NVIDIA's extension names), else any listed shape that tiles. */
static bool
plan_nv_cm (matmul_plan *plan, const ae_device_info *info, int64_t m, int64_t n, int64_t n_batch, ae_error *error)
{
  static const ae_coopmat_shape preferred[] = { { 16, 16, 16 }, { 16, 8, 16 } };
  const ae_coopmat_shape *shape = NULL;
  const cm_tile *t = &cm_tiles[1];

  if ((uint64_t) (AE_DIV_UP (m, cm_tiles[0].bm) * AE_DIV_UP (n, cm_tiles[0].bn) * n_batch) >= busy_groups (info)
      && cm_shared_bytes (&cm_tiles[0]) <= info->max_shared_memory)
    t = &cm_tiles[0];
  uint32_t sub_m = t->bm / t->warps_m, sub_n = t->bn / t->warps_n;
  for (size_t i = 0; i < AE_N_ELEMENTS (preferred) && shape == NULL; i++)
    for (uint32_t j = 0; j < info->n_coopmat_shapes && shape == NULL; j++)
      if (memcmp (&info->coopmat_shapes[j], &preferred[i], sizeof preferred[i]) == 0)
        shape = &info->coopmat_shapes[j];
  for (uint32_t j = 0; j < info->n_coopmat_shapes && shape == NULL; j++)
    {
      const ae_coopmat_shape *c = &info->coopmat_shapes[j];
      if (c->m > 0 && c->n > 0 && c->k > 0 && sub_n % c->m == 0 && sub_m % c->n == 0 && t->bk % c->k == 0)
        shape = c;
    }
  if (shape == NULL || cm_shared_bytes (t) > info->max_shared_memory)
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED,
                    "matmul: \"%s\" lists no fp16 cooperative matrix shape or shared memory the nv_cm kernel can "
                    "tile with.",
                    info->name);
      return false;
    }
  *plan = (matmul_plan){
    .block_m = t->bm,
    .block_n = t->bn,
    .spec
    = { t->warps_m * t->warps_n * 32, t->bm, t->bn, t->bk, shape->m, shape->n, shape->k, t->warps_m, t->warps_n, 0 },
    .n_spec = 10,
    .aligned_index = 9,
    .align = 8,
    .subgroup_size = 32,
  };
  return true;
}

static bool
make_plan (ae_stream *s, matmul_plan *plan, int64_t m, int64_t n, int64_t n_batch, ae_error *error)
{
  const ae_device_info *info = ae_context_device (ae_stream_context (s));

  switch (ae_stream_path (s))
    {
    case AE_PATH_LVP:
      plan_lvp (plan, m, n);
      return true;
    case AE_PATH_TILED:
      plan_tiled (plan, info, m, n);
      return true;
    case AE_PATH_NV_CM:
      return plan_nv_cm (plan, info, m, n, n_batch, error);
    default:
      ae_set_error (error, AE_ERROR_INVALID, "matmul: unknown kernel path.");
      return false;
    }
}

/* Everything one dispatch needs besides its views. */
typedef struct
{
  const char *shader;
  int64_t m, k;
  const ae_tensor *bias;
} matmul_call;

/* Records out[b][n] = x[b][n] w[b]^T + bias for n_batch batches of n rows,
 * each operand a 1-D view whose batches lie *_batch elements apart. */
static bool
record (ae_stream *s, const matmul_call *call, ae_tensor *out, const ae_tensor *x, const ae_tensor *w, int64_t n,
        int64_t n_batch, uint64_t x_batch, uint64_t w_batch, uint64_t d_batch, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  matmul_plan plan;

  if (!make_plan (s, &plan, call->m, n, n_batch, error))
    return false;
  matmul_push push = {
    .m = (uint32_t) call->m,
    .n = (uint32_t) n,
    .k = (uint32_t) call->k,
    .tiles_m = (uint32_t) AE_DIV_UP (call->m, plan.block_m),
    .tiles_n = (uint32_t) AE_DIV_UP (n, plan.block_n),
    .n_batch = (uint32_t) n_batch,
    .x_batch = (uint32_t) x_batch,
    .w_batch = (uint32_t) w_batch,
    .d_batch = (uint32_t) d_batch,
    .off_x = ae_binding_element_offset (x),
    .off_w = ae_binding_element_offset (w),
    .off_d = ae_binding_element_offset (out),
    .off_bias = call->bias != NULL ? ae_binding_element_offset (call->bias) : 0,
  };
  bool aligned = call->k % plan.align == 0 && push.off_x % plan.align == 0 && push.off_w % plan.align == 0;
  push.flags = (aligned ? 1u : 0u) | (call->bias != NULL ? 1 + ae_dtype_code (call->bias->dtype) : 0) << 1;
  if (plan.aligned_index >= 0)
    plan.spec[plan.aligned_index] = aligned;
  ae_dispatch d = {
    .shader = call->shader,
    .n_spec = plan.n_spec,
    /* Without a bias, x stands in for the unused binding. */
    .bindings = { out, x, w, call->bias != NULL ? call->bias : x },
    .n_bindings = 4,
    .push = &push,
    .push_size = sizeof push,
    .subgroup_size = plan.subgroup_size,
    .flops = 2.0 * (double) call->m * (double) n * (double) call->k * (double) n_batch,
    .bytes = (double) (ae_tensor_nbytes (x) + ae_tensor_nbytes (out)) + (double) ae_tensor_nbytes (w),
  };
  memcpy (d.spec, plan.spec, sizeof d.spec);
  ae_grid_fold (ctx, (uint64_t) push.tiles_m * push.tiles_n * push.n_batch, d.groups);
  return ae_stream_dispatch (s, &d, error);
}

/* A 1-D view of count elements from start. */
static ae_tensor *
span (const ae_tensor *t, int64_t start, int64_t count, ae_error *error)
{
  int64_t shape[1] = { count }, stride[1] = { 1 };
  return ae_tensor_view (t, start, 1, shape, stride, NULL, error);
}

/* One dispatch over n rows of n_batch consecutive batches, from the given
 * element starts of x, w (w_count elements) and out, through 1-D views so
 * that each binding spans only what the dispatch reads or writes. */
static bool
record_views (ae_stream *s, const matmul_call *call, ae_tensor *out, const ae_tensor *x, const ae_tensor *w,
              int64_t x_start, int64_t w_start, int64_t d_start, int64_t n, int64_t n_batch, int64_t w_count,
              bool batched, ae_error *error)
{
  int64_t m = call->m, k = call->k;
  ae_tensor *out_view = span (out, d_start, n * m * n_batch, error);
  ae_tensor *x_view = out_view != NULL ? span (x, x_start, n * k * n_batch, error) : NULL;
  ae_tensor *w_view = x_view != NULL ? span (w, w_start, w_count, error) : NULL;
  bool ok = w_view != NULL
            && record (s, call, out_view, x_view, w_view, n, n_batch, batched ? (uint64_t) (n * k) : 0,
                       batched ? (uint64_t) (m * k) : 0, batched ? (uint64_t) (n * m) : 0, error);

  ae_tensor_free (out_view);
  ae_tensor_free (x_view);
  ae_tensor_free (w_view);
  return ok;
}

static bool
check_shapes (const ae_tensor *out, const ae_tensor *x, const ae_tensor *w, const ae_tensor *bias, int64_t *n_batch,
              ae_error *error)
{
  char dx[96], dw[96], dd[96], db[96];
  int64_t m, k, batch = 1;
  bool ok = w->ndim >= 2 && x->ndim >= 1 && out->ndim == x->ndim;

  if (ok)
    {
      m = w->shape[w->ndim - 2];
      k = w->shape[w->ndim - 1];
      for (int i = 0; i < w->ndim - 2; i++)
        batch *= w->shape[i];
      ok = x->shape[x->ndim - 1] == k && out->shape[out->ndim - 1] == m;
      for (int i = 0; ok && i < x->ndim - 1; i++)
        ok = out->shape[i] == x->shape[i];
      /* Batched weights pair with x's leading dims one to one. */
      if (ok && batch > 1)
        {
          ok = x->ndim == w->ndim;
          for (int i = 0; ok && i < w->ndim - 2; i++)
            ok = x->shape[i] == w->shape[i];
        }
    }
  if (!ok)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "matmul: \"%s\" (%s) times \"%s\" (%s) transposed cannot give \"%s\" (%s): x is [..., N, K], "
                    "w [M, K] or [B..., M, K] with x [B..., N, K], out [..., N, M].",
                    x->name, ae_tensor_describe (x, dx, sizeof dx), w->name, ae_tensor_describe (w, dw, sizeof dw),
                    out->name, ae_tensor_describe (out, dd, sizeof dd));
      return false;
    }
  if (bias != NULL && (bias->ndim != 1 || bias->shape[0] != m))
    {
      ae_set_error (error, AE_ERROR_INVALID, "matmul: bias \"%s\" (%s) must be [%lld] for \"%s\" (%s).", bias->name,
                    ae_tensor_describe (bias, db, sizeof db), (long long) m, w->name,
                    ae_tensor_describe (w, dw, sizeof dw));
      return false;
    }
  if (m > (int64_t) UINT32_MAX / 2 || k > (int64_t) UINT32_MAX / 2 || ae_tensor_numel (w) == 0)
    {
      ae_set_error (error, AE_ERROR_INVALID, "matmul: \"%s\" (%s) is empty or too large for 32-bit indices.", w->name,
                    ae_tensor_describe (w, dw, sizeof dw));
      return false;
    }
  *n_batch = batch;
  return true;
}

bool
ae_op_matmul (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *w, const ae_tensor *bias,
              ae_error *error)
{
  const char *op = "matmul";
  ae_context *ctx = ae_stream_context (s);
  int64_t n_batch;
  char name[64], dw[96];

  if (!ae_check_float (op, x, error) || !ae_check_float (op, w, error) || !ae_check_dtype (op, out, x->dtype, error)
      || (bias != NULL && !ae_check_float (op, bias, error)) || !ae_check_contiguous (op, out, error)
      || !ae_check_contiguous (op, x, error) || !ae_check_contiguous (op, w, error)
      || (bias != NULL && !ae_check_contiguous (op, bias, error)) || !check_shapes (out, x, w, bias, &n_batch, error))
    return false;

  snprintf (name, sizeof name, "matmul_%s_%s_%s", ae_path_name (ae_stream_path (s)), ae_dtype_name (x->dtype),
            ae_dtype_name (w->dtype));
  if (!ae_shader_available (ctx, name))
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED,
                    "matmul: no %s kernel for %s activations (\"%s\") with %s weights (\"%s\"): weights are f16 or "
                    "bf16, or f32 with f32 activations.",
                    ae_path_name (ae_stream_path (s)), ae_dtype_name (x->dtype), x->name, ae_dtype_name (w->dtype),
                    w->name);
      return false;
    }

  int64_t m = w->shape[w->ndim - 2], k = w->shape[w->ndim - 1];
  int64_t w_bytes = (int64_t) (ae_tensor_nbytes (w) / (uint64_t) n_batch);
  uint64_t usable = ae_context_max_binding_range (ctx) - ae_context_device (ctx)->min_storage_offset_alignment;
  if ((uint64_t) w_bytes > usable)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "matmul: one weight matrix of \"%s\" (%s) takes %lld bytes, more than one binding can hold "
                    "(%llu); split it into several matmuls.",
                    w->name, ae_tensor_describe (w, dw, sizeof dw), (long long) w_bytes, (unsigned long long) usable);
      return false;
    }

  matmul_call call = { .shader = name, .m = m, .k = k, .bias = bias };
  int64_t xs = (int64_t) ae_dtype_size (x->dtype), os = xs;
  /* Element indices stay below 2^31 in every binding. */
  int64_t index_rows = ((int64_t) INT32_MAX) / AE_MAX (m, k);
  int64_t chunk = AE_MIN (AE_MIN (ae_split_rows (ctx, (uint64_t) (k * xs)), ae_split_rows (ctx, (uint64_t) (m * os))),
                          index_rows);

  if (n_batch == 1)
    {
      int64_t rows = ae_tensor_numel (x) / k;
      for (int64_t start = 0; start < rows; start += chunk)
        if (!record_views (s, &call, out, x, w, start * k, 0, start * m, AE_MIN (chunk, rows - start), 1, m * k, false,
                           error))
          return false;
      return true;
    }

  int64_t n = x->shape[x->ndim - 2];
  if (n == 0)
    return true;
  if (chunk >= n)
    {
      /* Whole batches per dispatch, as many as fit one binding. */
      int64_t per = AE_MIN (AE_MIN (chunk / n, ae_split_rows (ctx, (uint64_t) w_bytes)), index_rows / n);
      per = AE_MAX (per, 1);
      for (int64_t b = 0; b < n_batch; b += per)
        {
          int64_t count = AE_MIN (per, n_batch - b);
          if (!record_views (s, &call, out, x, w, b * n * k, b * m * k, b * n * m, n, count, count * m * k, true,
                             error))
            return false;
        }
      return true;
    }
  for (int64_t b = 0; b < n_batch; b++)
    for (int64_t start = 0; start < n; start += chunk)
      if (!record_views (s, &call, out, x, w, (b * n + start) * k, b * m * k, (b * n + start) * m,
                         AE_MIN (chunk, n - start), 1, m * k, false, error))
        return false;
  return true;
}
