/* norm.c: layer norm, RMS norm, softmax and group norm (norm_*.comp, softmax.comp).
 *
 * Row ops give one workgroup to each row: a 256-invocation workgroup on GPU
 * paths, one subgroup on lvp (lavapipe runs a subgroup per CPU thread and
 * gains nothing from shared memory).  Rows past the binding range are done
 * in several dispatches over views.  Group norm takes three dispatches over
 * a caller-owned workspace: chunk statistics from many workgroups, their
 * merge per group, and the apply pass.
 */
#include "ae-internal.h"
#include "ae-ops.h"

#include <math.h>
#include <stdio.h>

#define GPU_WORKGROUP 256
/* Row elements each invocation keeps in registers on GPU paths: rows up to
 * 4096 (T5) and group-norm chunks are read from memory once.  lvp keeps none
 * (its CPU caches serve the re-reads), which also keeps its pipelines quick
 * to build. */
#define GPU_CACHE 16
/* Elements per group-norm chunk: the workspace size depends on it, so it is
 * the same on every path. */
#define GROUP_CHUNK 4096

typedef struct
{
  uint32_t cols, rows, row_start, rows_per_batch;
  float eps;
  uint32_t flags;
  uint32_t off_d, off_x, off_weight, off_bias, off_scale, off_shift;
  uint32_t scale_stride_b, scale_stride_c, shift_stride_b, shift_stride_c;
} norm_row_push;
_Static_assert(sizeof (norm_row_push) == 64, "norm_row.comp push block");

typedef struct
{
  uint32_t cols, rows, off_d, off_x;
} softmax_push;
_Static_assert(sizeof (softmax_push) == 16, "softmax.comp push block");

typedef struct
{
  uint32_t chunks, chunks_per_seg, segs, seglen, chunk, off_x, off_partials;
} group_stats_push;
_Static_assert(sizeof (group_stats_push) == 28, "norm_group_stats.comp push block");

typedef struct
{
  uint32_t instances, groups, segs, channels_per_group, chunks_per_seg, seglen, chunk;
  float eps;
  uint32_t off_work, off_partials;
} group_merge_push;
_Static_assert(sizeof (group_merge_push) == 40, "norm_group_merge.comp push block");

typedef struct
{
  uint32_t chunks, chunks_per_seg, segs, seglen, chunk, channel_start, channels, groups, flags;
  uint32_t off_d, off_x, off_work, off_weight, off_bias;
} group_apply_push;
_Static_assert(sizeof (group_apply_push) == 56, "norm_group_apply.comp push block");

/* Option bits of norm_row.comp ... */
enum
{
  FLAG_WEIGHT = 1,
  FLAG_BIAS = 2,
  FLAG_MODULATE = 4,
  FLAG_RMS = 8,
};

/* ... and of norm_group_apply.comp (weight and bias as above). */
enum
{
  FLAG_SILU = 4,
};

/* Floats per statistics entry and per chunk partial in the workspace. */
#define STAT_FLOATS 4

static uint32_t
workgroup_size (ae_stream *s)
{
  const ae_device_info *info = ae_context_device (ae_stream_context (s));
  uint32_t size = GPU_WORKGROUP;

  if (ae_stream_path (s) == AE_PATH_LVP)
    size = info->subgroup_size > 0 ? info->subgroup_size : 32;
  if (info->max_workgroup_invocations > 0)
    size = AE_MIN (size, info->max_workgroup_invocations);
  /* norm.glsl has shared slots for 64 subgroups. */
  if (info->subgroup_size > 0)
    size = AE_MIN (size, 64 * info->subgroup_size);
  return size;
}

static uint32_t
cache_size (ae_stream *s)
{
  return ae_stream_path (s) == AE_PATH_LVP ? 1 : GPU_CACHE;
}

/* A per-channel vector: NULL, or [C] in `dtype` with unit stride. */
static bool
check_channel_vector (const char *op, const ae_tensor *v, int64_t channels, ae_dtype dtype, ae_error *error)
{
  char dv[96];

  if (v == NULL)
    return true;
  if (!ae_check_dtype (op, v, dtype, error))
    return false;
  if (v->ndim != 1 || v->shape[0] != channels || v->stride[0] != 1)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: \"%s\" is %s; [%lld] with unit stride is needed.", op, v->name,
                    ae_tensor_describe (v, dv, sizeof dv), (long long) channels);
      return false;
    }
  return true;
}

/* A per-batch channel row: [B, C] with any strides, or [1, C] / [C] repeated
 * over the batch (batch stride 0). */
/* out has x's dtype, or x is f32 and out f16/bf16. */
static const char *
row_variant (const char *op, const ae_tensor *out, const ae_tensor *x, ae_error *error)
{
  if (!ae_check_float (op, x, error) || !ae_check_float (op, out, error))
    return NULL;
  if (out->dtype == x->dtype)
    {
      switch (x->dtype)
        {
        case AE_F32:
          return "norm_row_f32";
        case AE_F16:
          return "norm_row_f16";
        default:
          return "norm_row_bf16";
        }
    }
  if (x->dtype == AE_F32)
    return out->dtype == AE_F16 ? "norm_row_f32_f16" : "norm_row_f32_bf16";
  ae_set_error (error, AE_ERROR_INVALID, "%s: \"%s\" is %s and \"%s\" is %s; out must have x's dtype, or x be f32.", op,
                x->name, ae_dtype_name (x->dtype), out->name, ae_dtype_name (out->dtype));
  return NULL;
}

/* Views of rows [start, start + count) of a contiguous tensor seen as [rows, cols]. */
static ae_tensor *
row_view (const ae_tensor *t, int64_t start, int64_t count, int64_t cols, ae_error *error)
{
  int64_t shape[2] = { count, cols }, stride[2] = { cols, 1 };
  return ae_tensor_view (t, start * cols, 2, shape, stride, NULL, error);
}

/* Rows per dispatch: within the binding range of the widest operand, and
 * with element indices below 2^32. */
static int64_t
rows_per_dispatch (ae_context *ctx, int64_t cols, size_t esize)
{
  int64_t rows = ae_split_rows (ctx, (uint64_t) cols * esize);
  return AE_MIN (rows, (int64_t) (UINT32_MAX / 2) / cols);
}

typedef struct
{
  const char *op;
  uint32_t flags;
  ae_tensor *out;
  const ae_tensor *x, *weight, *bias, *scale, *shift;
  float eps;
} row_norm_args;

static bool
row_norm (ae_stream *s, const row_norm_args *a, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  const ae_tensor *x = a->x;
  ae_tensor *out = a->out;
  const char *shader = row_variant (a->op, out, x, error);
  norm_row_push push = { .eps = a->eps, .flags = a->flags };

  if (shader == NULL || !ae_check_same_shape (a->op, out, x, error) || !ae_check_contiguous (a->op, x, error)
      || !ae_check_contiguous (a->op, out, error))
    return false;
  if (!(a->eps >= 0) || !isfinite (a->eps))
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: eps must be finite and >= 0.", a->op);
      return false;
    }
  int64_t cols = x->shape[x->ndim - 1];
  int64_t rows = ae_tensor_numel (x) / cols;
  if (!check_channel_vector (a->op, a->weight, cols, x->dtype, error)
      || !check_channel_vector (a->op, a->bias, cols, x->dtype, error))
    return false;
  if (a->scale != NULL)
    {
      if (x->ndim != 3)
        {
          char dx[96];
          ae_set_error (error, AE_ERROR_INVALID, "%s: \"%s\" is %s; [B, N, C] is needed.", a->op, x->name,
                        ae_tensor_describe (x, dx, sizeof dx));
          return false;
        }
      if (!ae_check_batch_rows (a->op, a->scale, x->shape[0], cols, x->dtype, &push.scale_stride_b,
                                &push.scale_stride_c, error)
          || !ae_check_batch_rows (a->op, a->shift, x->shape[0], cols, x->dtype, &push.shift_stride_b,
                                   &push.shift_stride_c, error))
        return false;
      push.rows_per_batch = (uint32_t) x->shape[1];
      push.flags |= FLAG_MODULATE;
    }
  if (a->weight != NULL)
    push.flags |= FLAG_WEIGHT;
  if (a->bias != NULL)
    push.flags |= FLAG_BIAS;
  if (cols > (int64_t) UINT32_MAX / 2)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: rows of \"%s\" are too long.", a->op, x->name);
      return false;
    }

  uint32_t workgroup = workgroup_size (s);
  size_t esize = AE_MAX (ae_dtype_size (x->dtype), ae_dtype_size (out->dtype));
  int64_t chunk = rows_per_dispatch (ctx, cols, esize);
  push.cols = (uint32_t) cols;
  push.off_weight = a->weight ? ae_binding_element_offset (a->weight) : 0;
  push.off_bias = a->bias ? ae_binding_element_offset (a->bias) : 0;
  push.off_scale = a->scale ? ae_binding_element_offset (a->scale) : 0;
  push.off_shift = a->shift ? ae_binding_element_offset (a->shift) : 0;
  for (int64_t start = 0; start < rows; start += chunk)
    {
      int64_t count = AE_MIN (chunk, rows - start);
      ae_tensor *out_view = row_view (out, start, count, cols, error);
      ae_tensor *x_view = row_view (x, start, count, cols, error);
      bool ok = out_view != NULL && x_view != NULL;
      if (ok)
        {
          push.rows = (uint32_t) count;
          push.row_start = (uint32_t) start;
          push.off_d = ae_binding_element_offset (out_view);
          push.off_x = ae_binding_element_offset (x_view);
          /* Absent operands are bound to x; the kernel never reads them. */
          ae_dispatch d = {
            .shader = shader,
            .spec = { workgroup, cache_size (s) },
            .n_spec = 2,
            .bindings = { out_view, x_view, a->weight ? a->weight : x_view, a->bias ? a->bias : x_view,
                          a->scale ? a->scale : x_view, a->shift ? a->shift : x_view },
            .n_bindings = 6,
            .push = &push,
            .push_size = sizeof push,
            .bytes = (double) count * cols * (ae_dtype_size (x->dtype) + ae_dtype_size (out->dtype)),
          };
          ae_grid_fold (ctx, (uint64_t) count, d.groups);
          ok = ae_stream_dispatch (s, &d, error);
        }
      ae_tensor_free (out_view);
      ae_tensor_free (x_view);
      if (!ok)
        return false;
    }
  return true;
}

bool
ae_op_layer_norm (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *weight, const ae_tensor *bias,
                  float eps, ae_error *error)
{
  row_norm_args a = { "layer_norm", 0, out, x, weight, bias, NULL, NULL, eps };
  return row_norm (s, &a, error);
}

bool
ae_op_layer_norm_modulate (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *scale,
                           const ae_tensor *shift, float eps, ae_error *error)
{
  row_norm_args a = { "layer_norm_modulate", 0, out, x, NULL, NULL, scale, shift, eps };
  if (scale == NULL || shift == NULL)
    {
      ae_set_error (error, AE_ERROR_INVALID, "layer_norm_modulate: scale and shift are both needed.");
      return false;
    }
  return row_norm (s, &a, error);
}

bool
ae_op_rms_norm (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *weight, float eps, ae_error *error)
{
  row_norm_args a = { "rms_norm", FLAG_RMS, out, x, weight, NULL, NULL, NULL, eps };
  return row_norm (s, &a, error);
}

bool
ae_op_softmax (ae_stream *s, ae_tensor *out, const ae_tensor *x, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  const char *op = "softmax";
  char shader[32];

  if (!ae_check_float (op, x, error) || !ae_check_dtype (op, out, x->dtype, error)
      || !ae_check_same_shape (op, out, x, error) || !ae_check_contiguous (op, x, error)
      || !ae_check_contiguous (op, out, error))
    return false;
  int64_t cols = x->shape[x->ndim - 1];
  int64_t rows = ae_tensor_numel (x) / cols;
  if (cols > (int64_t) UINT32_MAX / 2)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: rows of \"%s\" are too long.", op, x->name);
      return false;
    }
  snprintf (shader, sizeof shader, "softmax_%s", ae_float_suffix (x->dtype));
  uint32_t workgroup = workgroup_size (s);
  int64_t chunk = rows_per_dispatch (ctx, cols, ae_dtype_size (x->dtype));
  for (int64_t start = 0; start < rows; start += chunk)
    {
      int64_t count = AE_MIN (chunk, rows - start);
      ae_tensor *out_view = row_view (out, start, count, cols, error);
      ae_tensor *x_view = row_view (x, start, count, cols, error);
      bool ok = out_view != NULL && x_view != NULL;
      if (ok)
        {
          softmax_push push = {
            .cols = (uint32_t) cols,
            .rows = (uint32_t) count,
            .off_d = ae_binding_element_offset (out_view),
            .off_x = ae_binding_element_offset (x_view),
          };
          ae_dispatch d = {
            .shader = shader,
            .spec = { workgroup, cache_size (s) },
            .n_spec = 2,
            .bindings = { out_view, x_view },
            .n_bindings = 2,
            .push = &push,
            .push_size = sizeof push,
            .bytes = 2.0 * (double) count * cols * ae_dtype_size (x->dtype),
          };
          ae_grid_fold (ctx, (uint64_t) count, d.groups);
          ok = ae_stream_dispatch (s, &d, error);
        }
      ae_tensor_free (out_view);
      ae_tensor_free (x_view);
      if (!ok)
        return false;
    }
  return true;
}

/* ---- group norm ---- */

typedef struct
{
  int64_t batch, channels, frames, pixels; /* pixels = H * W */
  int64_t groups;
  int64_t segs, seglen, chunks_per_seg; /* per channel */
  int64_t n_stats, n_partials;          /* floats in the workspace */
} group_geometry;

static bool
group_geometry_of (int ndim, const int64_t *shape, const ae_group_norm_params *params, group_geometry *g)
{
  if (params == NULL || (ndim != 4 && ndim != 5) || params->groups < 1)
    return false;
  g->batch = shape[0];
  g->channels = shape[1];
  g->frames = ndim == 5 ? shape[2] : 1;
  g->pixels = shape[ndim - 2] * shape[ndim - 1];
  g->groups = params->groups;
  if (g->channels % g->groups != 0 || g->batch < 1 || g->frames < 1 || g->pixels < 1)
    return false;
  g->segs = params->per_frame ? g->frames : 1;
  g->seglen = params->per_frame ? g->pixels : g->frames * g->pixels;
  g->chunks_per_seg = AE_DIV_UP (g->seglen, GROUP_CHUNK);
  g->n_stats = STAT_FLOATS * g->batch * g->groups * g->segs;
  g->n_partials = STAT_FLOATS * g->batch * g->channels * g->segs * g->chunks_per_seg;
  return true;
}

int64_t
ae_group_norm_workspace_numel (int ndim, const int64_t *shape, const ae_group_norm_params *params)
{
  group_geometry g;

  if (!group_geometry_of (ndim, shape, params, &g))
    return 0;
  return g.n_stats + g.n_partials;
}

static bool
group_check (const char *op, const ae_tensor *x, const ae_tensor *workspace, const ae_group_norm_params *params,
             group_geometry *g, ae_error *error)
{
  char dx[96], dw[96];

  if (!ae_check_float (op, x, error) || !ae_check_contiguous (op, x, error))
    return false;
  if (params == NULL)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: parameters are needed.", op);
      return false;
    }
  if (x->ndim != 4 && x->ndim != 5)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: \"%s\" is %s; [B, C, T, H, W] or [B, C, H, W] is needed.", op,
                    x->name, ae_tensor_describe (x, dx, sizeof dx));
      return false;
    }
  if (!group_geometry_of (x->ndim, x->shape, params, g))
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: the %lld channels of \"%s\" cannot form %lld groups.", op,
                    (long long) x->shape[1], x->name, (long long) params->groups);
      return false;
    }
  if (!(params->eps >= 0) || !isfinite (params->eps))
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: eps must be finite and >= 0.", op);
      return false;
    }
  if (!ae_check_dtype (op, workspace, AE_F32, error) || !ae_check_contiguous (op, workspace, error))
    return false;
  if (ae_tensor_numel (workspace) < g->n_stats + g->n_partials)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: workspace \"%s\" (%s) is too small: %lld floats are needed for \"%s\" (%s).", op,
                    workspace->name, ae_tensor_describe (workspace, dw, sizeof dw),
                    (long long) (g->n_stats + g->n_partials), x->name, ae_tensor_describe (x, dx, sizeof dx));
      return false;
    }
  if (g->frames * g->pixels > (int64_t) UINT32_MAX / 2 || g->n_stats + g->n_partials > (int64_t) UINT32_MAX / 2
      || g->batch * g->channels * g->segs * g->chunks_per_seg > (int64_t) UINT32_MAX / 2)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: \"%s\" (%s) is too large for one group norm.", op, x->name,
                    ae_tensor_describe (x, dx, sizeof dx));
      return false;
    }
  return true;
}

/* Channels per dispatch: a channel (all its frames) is the unit of the split. */
static int64_t
channels_per_dispatch (ae_context *ctx, const group_geometry *g, size_t esize)
{
  int64_t per_channel = g->frames * g->pixels;
  int64_t channels = ae_split_rows (ctx, (uint64_t) per_channel * esize);
  return AE_MIN (channels, (int64_t) (UINT32_MAX / 2) / per_channel);
}

static ae_tensor *
channel_view (const ae_tensor *t, int64_t start, int64_t count, int64_t per_channel, ae_error *error)
{
  int64_t shape[1] = { count * per_channel }, stride[1] = { 1 };
  return ae_tensor_view (t, start * per_channel, 1, shape, stride, NULL, error);
}

static bool
group_stats (ae_stream *s, ae_tensor *workspace, const ae_tensor *x, const ae_group_norm_params *params,
             const group_geometry *g, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  uint32_t workgroup = workgroup_size (s);
  uint32_t off_work = ae_binding_element_offset (workspace);
  int64_t per_channel = g->frames * g->pixels;
  int64_t total = g->batch * g->channels;
  int64_t step = channels_per_dispatch (ctx, g, ae_dtype_size (x->dtype));
  char shader[48];

  snprintf (shader, sizeof shader, "norm_group_stats_%s", ae_float_suffix (x->dtype));
  for (int64_t start = 0; start < total; start += step)
    {
      int64_t count = AE_MIN (step, total - start);
      int64_t chunks = count * g->segs * g->chunks_per_seg;
      ae_tensor *x_view = channel_view (x, start, count, per_channel, error);
      if (x_view == NULL)
        return false;
      group_stats_push push = {
        .chunks = (uint32_t) chunks,
        .chunks_per_seg = (uint32_t) g->chunks_per_seg,
        .segs = (uint32_t) g->segs,
        .seglen = (uint32_t) g->seglen,
        .chunk = GROUP_CHUNK,
        .off_x = ae_binding_element_offset (x_view),
        .off_partials = (uint32_t) (off_work + g->n_stats + STAT_FLOATS * start * g->segs * g->chunks_per_seg),
      };
      ae_dispatch d = {
        .shader = shader,
        .spec = { workgroup, cache_size (s) },
        .n_spec = 2,
        .bindings = { workspace, x_view },
        .n_bindings = 2,
        .push = &push,
        .push_size = sizeof push,
        .bytes = (double) count * per_channel * ae_dtype_size (x->dtype) + 4.0 * STAT_FLOATS * chunks,
      };
      ae_grid_fold (ctx, (uint64_t) chunks, d.groups);
      bool ok = ae_stream_dispatch (s, &d, error);
      ae_tensor_free (x_view);
      if (!ok)
        return false;
    }

  int64_t instances = g->batch * g->groups * g->segs;
  group_merge_push merge = {
    .instances = (uint32_t) instances,
    .groups = (uint32_t) g->groups,
    .segs = (uint32_t) g->segs,
    .channels_per_group = (uint32_t) (g->channels / g->groups),
    .chunks_per_seg = (uint32_t) g->chunks_per_seg,
    .seglen = (uint32_t) g->seglen,
    .chunk = GROUP_CHUNK,
    .eps = params->eps,
    .off_work = off_work,
    .off_partials = (uint32_t) (off_work + g->n_stats),
  };
  ae_dispatch d = {
    .shader = "norm_group_merge",
    .spec = { workgroup },
    .n_spec = 1,
    .bindings = { workspace },
    .n_bindings = 1,
    .push = &merge,
    .push_size = sizeof merge,
    .bytes = 4.0 * (double) (g->n_stats + g->n_partials),
  };
  ae_grid_fold (ctx, (uint64_t) instances, d.groups);
  return ae_stream_dispatch (s, &d, error);
}

bool
ae_op_group_norm_stats (ae_stream *s, ae_tensor *workspace, const ae_tensor *x, const ae_group_norm_params *params,
                        ae_error *error)
{
  group_geometry g;

  if (!group_check ("group_norm_stats", x, workspace, params, &g, error))
    return false;
  return group_stats (s, workspace, x, params, &g, error);
}

bool
ae_op_group_norm (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *weight, const ae_tensor *bias,
                  ae_tensor *workspace, const ae_group_norm_params *params, ae_error *error)
{
  const char *op = "group_norm";
  ae_context *ctx = ae_stream_context (s);
  group_geometry g;
  char shader[48];

  if (!group_check (op, x, workspace, params, &g, error) || !ae_check_dtype (op, out, x->dtype, error)
      || !ae_check_same_shape (op, out, x, error) || !ae_check_contiguous (op, out, error)
      || !check_channel_vector (op, weight, g.channels, x->dtype, error)
      || !check_channel_vector (op, bias, g.channels, x->dtype, error))
    return false;
  if (!group_stats (s, workspace, x, params, &g, error))
    return false;

  uint32_t workgroup = workgroup_size (s);
  int64_t per_channel = g.frames * g.pixels;
  int64_t total = g.batch * g.channels;
  int64_t step = channels_per_dispatch (ctx, &g, ae_dtype_size (x->dtype));
  snprintf (shader, sizeof shader, "norm_group_apply_%s", ae_float_suffix (x->dtype));
  for (int64_t start = 0; start < total; start += step)
    {
      int64_t count = AE_MIN (step, total - start);
      int64_t chunks = count * g.segs * g.chunks_per_seg;
      ae_tensor *out_view = channel_view (out, start, count, per_channel, error);
      ae_tensor *x_view = channel_view (x, start, count, per_channel, error);
      bool ok = out_view != NULL && x_view != NULL;
      if (ok)
        {
          group_apply_push push = {
            .chunks = (uint32_t) chunks,
            .chunks_per_seg = (uint32_t) g.chunks_per_seg,
            .segs = (uint32_t) g.segs,
            .seglen = (uint32_t) g.seglen,
            .chunk = GROUP_CHUNK,
            .channel_start = (uint32_t) start,
            .channels = (uint32_t) g.channels,
            .groups = (uint32_t) g.groups,
            .flags = (weight ? FLAG_WEIGHT : 0) | (bias ? FLAG_BIAS : 0) | (params->silu ? FLAG_SILU : 0),
            .off_d = ae_binding_element_offset (out_view),
            .off_x = ae_binding_element_offset (x_view),
            .off_work = ae_binding_element_offset (workspace),
            .off_weight = weight ? ae_binding_element_offset (weight) : 0,
            .off_bias = bias ? ae_binding_element_offset (bias) : 0,
          };
          ae_dispatch d = {
            .shader = shader,
            .spec = { workgroup },
            .n_spec = 1,
            .bindings = { out_view, x_view, workspace, weight ? weight : x_view, bias ? bias : x_view },
            .n_bindings = 5,
            .push = &push,
            .push_size = sizeof push,
            .bytes = 2.0 * (double) count * per_channel * ae_dtype_size (x->dtype),
          };
          ae_grid_fold (ctx, (uint64_t) chunks, d.groups);
          ok = ae_stream_dispatch (s, &d, error);
        }
      ae_tensor_free (out_view);
      ae_tensor_free (x_view);
      if (!ok)
        return false;
    }
  return true;
}
