/* layout.c: data movement and position encodings (copy.comp, embed.comp,
 * t5_bias.comp, rope.comp) and the host tables they need.
 *
 * Copy, permute, patchify and unpatchify are one strided copy: each op
 * describes its output as up to 8 dimensions with a stride into the input
 * and one into the output, and copy.comp walks them.  The description is
 * simplified (size-1 dimensions dropped, dimensions that stay adjacent in
 * both tensors merged) before it picks a pipeline, and split into several
 * dispatches when a tensor spans more than one binding may.  Off the lvp
 * path, a copy whose innermost output dimension is strided in the input
 * (NCDHW <-> NDHWC, a matrix transpose) goes through copy_transpose.comp's
 * shared-memory tiles instead, so that reads and writes both coalesce.
 */
#include "ae-internal.h"
#include "ae-ops.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define WORKGROUP 256
#define COPY_PER_INVOCATION 4
#define COPY_MAX_DIMS 8

/* "prefix_<a>_<d>" for two float dtypes. */
static const char *
variant2 (char *buf, size_t size, const char *prefix, ae_dtype a, ae_dtype d)
{
  snprintf (buf, size, "%s_%s_%s", prefix, ae_float_suffix (a), ae_float_suffix (d));
  return buf;
}

/* The bytes a tensor's elements may span to fit one binding, which starts up
 * to one alignment before the tensor and is rounded up to 16 bytes. */
static uint64_t
usable_range (const ae_context *ctx)
{
  uint64_t range = ae_context_max_binding_range (ctx);
  uint64_t slack = (uint64_t) ae_context_device (ctx)->min_storage_offset_alignment + 16;
  return range > slack ? range - slack : 0;
}

/* ---- the strided copy ---- */

typedef struct
{
  int ndim;
  int64_t shape[COPY_MAX_DIMS];
  int64_t in_stride[COPY_MAX_DIMS];
  int64_t out_stride[COPY_MAX_DIMS];
  int64_t in_offset, out_offset; /* elements from the tensors' first elements */
} copy_plan;

typedef struct
{
  uint32_t n, off_d, off_a, unused;
  uint32_t shape[COPY_MAX_DIMS];
  uint32_t stride_a[COPY_MAX_DIMS];
  uint32_t stride_d[COPY_MAX_DIMS];
} copy_push;
_Static_assert(sizeof (copy_push) == 112, "copy.comp push block");

static void
plan_add_dim (copy_plan *plan, int64_t size, int64_t in_stride, int64_t out_stride)
{
  plan->shape[plan->ndim] = size;
  plan->in_stride[plan->ndim] = in_stride;
  plan->out_stride[plan->ndim] = out_stride;
  plan->ndim++;
}

/* Drops size-1 dimensions and merges a dimension into the one inside it when
 * both tensors step over the inner one exactly, so that a plain cast becomes
 * 1-D and a permute keeps only the axes it really moves. */
static void
plan_simplify (copy_plan *plan)
{
  copy_plan out = { .in_offset = plan->in_offset, .out_offset = plan->out_offset };

  for (int k = 0; k < plan->ndim; k++)
    {
      if (plan->shape[k] == 1)
        continue;
      int last = out.ndim - 1;
      if (last >= 0 && out.in_stride[last] == plan->in_stride[k] * plan->shape[k]
          && out.out_stride[last] == plan->out_stride[k] * plan->shape[k])
        {
          out.shape[last] *= plan->shape[k];
          out.in_stride[last] = plan->in_stride[k];
          out.out_stride[last] = plan->out_stride[k];
        }
      else
        plan_add_dim (&out, plan->shape[k], plan->in_stride[k], plan->out_stride[k]);
    }
  if (out.ndim == 0)
    plan_add_dim (&out, 1, 1, 1);
  *plan = out;
}

static int64_t
plan_numel (const copy_plan *plan)
{
  int64_t n = 1;
  for (int k = 0; k < plan->ndim; k++)
    n *= plan->shape[k];
  return n;
}

/* Elements from the first to the last one a side reaches, plus one. */
static int64_t
plan_span (const copy_plan *plan, bool input)
{
  int64_t last = 0;
  for (int k = 0; k < plan->ndim; k++)
    last += (plan->shape[k] - 1) * (input ? plan->in_stride[k] : plan->out_stride[k]);
  return last + 1;
}

/* The most elements one copy dispatch may take: indices in the kernels are
 * 32-bit, and the folded grid has at most max_workgroups^2 workgroups. */
static int64_t
copy_element_limit (const ae_context *ctx)
{
  int64_t groups = (int64_t) ae_context_max_workgroups (ctx) * ae_context_max_workgroups (ctx);
  return AE_MIN (INT64_C (1) << 31, groups * WORKGROUP * COPY_PER_INVOCATION);
}

/* The most elements a span may have on one side. */
static int64_t
span_limit (const ae_context *ctx, ae_dtype dtype)
{
  return (int64_t) (usable_range (ctx) / ae_dtype_size (dtype));
}

typedef struct
{
  uint32_t n_batch, off_d, off_a, dim_r, dim_c, tiles_r, tiles_c, unused;
  uint32_t shape[COPY_MAX_DIMS];
  uint32_t stride_a[COPY_MAX_DIMS];
  uint32_t stride_d[COPY_MAX_DIMS];
} transpose_push;
_Static_assert(sizeof (transpose_push) == 128, "copy_transpose.comp push block");

#define TRANSPOSE_TILE 32

/* The dimension copy_transpose.comp should read along, or -1 for copy.comp.
 * Worth it when the output's innermost dimension is strided in the input (a
 * lane per element would read a sector per element) and another dimension of
 * some length is contiguous there.  lvp has no shared memory to spare. */
static int
transpose_dim (const ae_stream *s, const ae_tensor *out, const ae_tensor *in, const copy_plan *plan)
{
  int c = plan->ndim - 1;

  if (ae_stream_path (s) == AE_PATH_LVP || in->dtype != out->dtype || plan->ndim < 2 || plan->out_stride[c] != 1
      || plan->in_stride[c] <= 1 || plan->shape[c] < 8)
    return -1;
  for (int k = 0; k < c; k++)
    if (plan->in_stride[k] == 1 && plan->shape[k] >= 8)
      return k;
  return -1;
}

static const char *
transpose_variant (ae_dtype dtype)
{
  switch (dtype)
    {
    case AE_F32:
      return "copy_transpose_f32";
    case AE_F16:
      return "copy_transpose_f16";
    case AE_BF16:
      return "copy_transpose_bf16";
    default:
      return "copy_transpose_i32";
    }
}

static bool
copy_record (ae_stream *s, ae_tensor *out, const ae_tensor *in, const copy_plan *plan, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  int64_t n = plan_numel (plan);
  int64_t in_shape[1] = { plan_span (plan, true) }, out_shape[1] = { plan_span (plan, false) }, unit[1] = { 1 };
  char name[32];
  bool ok;

  ae_tensor *in_view = ae_tensor_view (in, plan->in_offset, 1, in_shape, unit, NULL, error);
  ae_tensor *out_view = ae_tensor_view (out, plan->out_offset, 1, out_shape, unit, NULL, error);
  if (in_view == NULL || out_view == NULL)
    {
      ae_tensor_free (in_view);
      ae_tensor_free (out_view);
      return false;
    }
  ae_dispatch d = {
    .bindings = { out_view, in_view },
    .n_bindings = 2,
    .bytes = (double) n * (double) (ae_dtype_size (in->dtype) + ae_dtype_size (out->dtype)),
  };
  copy_push push = {
    .n = (uint32_t) n,
    .off_d = ae_binding_element_offset (out_view),
    .off_a = ae_binding_element_offset (in_view),
  };
  transpose_push tpush = { .off_d = push.off_d, .off_a = push.off_a };
  for (int k = 0; k < plan->ndim; k++)
    {
      push.shape[k] = tpush.shape[k] = (uint32_t) plan->shape[k];
      push.stride_a[k] = tpush.stride_a[k] = (uint32_t) plan->in_stride[k];
      push.stride_d[k] = tpush.stride_d[k] = (uint32_t) plan->out_stride[k];
    }

  int dim_r = transpose_dim (s, out, in, plan), dim_c = plan->ndim - 1;
  int64_t tiles = 0;
  if (dim_r >= 0)
    {
      tpush.dim_r = (uint32_t) dim_r;
      tpush.dim_c = (uint32_t) dim_c;
      tpush.tiles_r = (uint32_t) AE_DIV_UP (plan->shape[dim_r], TRANSPOSE_TILE);
      tpush.tiles_c = (uint32_t) AE_DIV_UP (plan->shape[dim_c], TRANSPOSE_TILE);
      tpush.n_batch = (uint32_t) (n / (plan->shape[dim_r] * plan->shape[dim_c]));
      tiles = (int64_t) tpush.tiles_r * tpush.tiles_c * tpush.n_batch;
    }
  if (dim_r >= 0 && tiles <= (int64_t) ae_context_max_workgroups (ctx) * ae_context_max_workgroups (ctx))
    {
      d.shader = transpose_variant (in->dtype);
      d.spec[0] = (uint32_t) plan->ndim;
      d.n_spec = 1;
      d.push = &tpush;
      d.push_size = sizeof tpush;
      ae_grid_fold (ctx, (uint64_t) tiles, d.groups);
    }
  else
    {
      d.shader = in->dtype == AE_I32 ? "copy_i32" : variant2 (name, sizeof name, "copy", in->dtype, out->dtype);
      d.spec[0] = WORKGROUP;
      d.spec[1] = (uint32_t) plan->ndim;
      d.spec[2] = COPY_PER_INVOCATION;
      d.n_spec = 3;
      d.push = &push;
      d.push_size = sizeof push;
      ae_grid_fold (ctx, AE_DIV_UP ((uint64_t) n, WORKGROUP * COPY_PER_INVOCATION), d.groups);
    }
  ok = ae_stream_dispatch (s, &d, error);
  ae_tensor_free (in_view);
  ae_tensor_free (out_view);
  return ok;
}

/* Records the plan in as few dispatches as the binding range allows: while a
 * side spans too much, the dimension with the widest reach is cut into runs
 * that fit, or taken one index at a time when even one index is too wide. */
static bool
copy_split (ae_stream *s, ae_tensor *out, const ae_tensor *in, const copy_plan *plan, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  int64_t in_limit = span_limit (ctx, in->dtype), out_limit = span_limit (ctx, out->dtype);
  int64_t in_size = (int64_t) ae_dtype_size (in->dtype), out_size = (int64_t) ae_dtype_size (out->dtype);

  if (plan_span (plan, true) <= in_limit && plan_span (plan, false) <= out_limit
      && plan_numel (plan) <= copy_element_limit (ctx))
    return copy_record (s, out, in, plan, error);

  int widest = -1;
  int64_t widest_bytes = -1;
  for (int k = 0; k < plan->ndim; k++)
    {
      int64_t reach = (plan->shape[k] - 1) * AE_MAX (plan->in_stride[k] * in_size, plan->out_stride[k] * out_size);
      if (plan->shape[k] > 1 && reach > widest_bytes)
        {
          widest = k;
          widest_bytes = reach;
        }
    }
  if (widest < 0)
    {
      ae_set_error (error, AE_ERROR_INVALID, "copy: one element of \"%s\" does not fit a binding.", in->name);
      return false;
    }

  /* The longest run of `widest` that fits, from the spans without it. */
  copy_plan sub = *plan;
  sub.shape[widest] = 1;
  int64_t in_rest = plan_span (&sub, true), out_rest = plan_span (&sub, false);
  int64_t run = plan->shape[widest];
  if (plan->in_stride[widest] > 0)
    run = AE_MIN (run, in_rest > in_limit ? 0 : (in_limit - in_rest) / plan->in_stride[widest] + 1);
  if (plan->out_stride[widest] > 0)
    run = AE_MIN (run, out_rest > out_limit ? 0 : (out_limit - out_rest) / plan->out_stride[widest] + 1);
  run = AE_MIN (run, copy_element_limit (ctx) / plan_numel (&sub));
  bool fits = run >= 1;
  if (!fits)
    run = 1;

  for (int64_t start = 0; start < plan->shape[widest]; start += run)
    {
      sub.shape[widest] = AE_MIN (run, plan->shape[widest] - start);
      sub.in_offset = plan->in_offset + start * plan->in_stride[widest];
      sub.out_offset = plan->out_offset + start * plan->out_stride[widest];
      if (!(fits ? copy_record (s, out, in, &sub, error) : copy_split (s, out, in, &sub, error)))
        return false;
    }
  return true;
}

/* Checks shared by every op that ends in copy.comp. */
static bool
check_copy_dtypes (const char *op, const ae_tensor *out, const ae_tensor *in, ae_error *error)
{
  if (in->dtype == AE_I32 || out->dtype == AE_I32)
    {
      if (in->dtype == out->dtype)
        return true;
      ae_set_error (error, AE_ERROR_INVALID, "%s: \"%s\" is %s and \"%s\" is %s; i32 copies only to i32.", op, in->name,
                    ae_dtype_name (in->dtype), out->name, ae_dtype_name (out->dtype));
      return false;
    }
  return ae_check_float (op, in, error) && ae_check_float (op, out, error);
}

/* Two outputs may not be one memory location: a stride of 0 along a real
 * dimension would be a race.  (Deeper self-overlap is the caller's to avoid.) */
static bool
check_no_broadcast_output (const char *op, const ae_tensor *out, ae_error *error)
{
  for (int k = 0; k < out->ndim; k++)
    if (out->shape[k] > 1 && out->stride[k] == 0)
      {
        ae_set_error (error, AE_ERROR_INVALID, "%s: output \"%s\" repeats its elements (stride 0).", op, out->name);
        return false;
      }
  return true;
}

static bool
copy_run (ae_stream *s, ae_tensor *out, const ae_tensor *in, copy_plan *plan, ae_error *error)
{
  plan_simplify (plan);
  return copy_split (s, out, in, plan, error);
}

bool
ae_op_copy (ae_stream *s, ae_tensor *out, const ae_tensor *in, ae_error *error)
{
  copy_plan plan = { 0 };

  if (!check_copy_dtypes ("copy", out, in, error) || !ae_check_same_shape ("copy", out, in, error)
      || !check_no_broadcast_output ("copy", out, error))
    return false;
  for (int k = 0; k < in->ndim; k++)
    plan_add_dim (&plan, in->shape[k], in->stride[k], out->stride[k]);
  return copy_run (s, out, in, &plan, error);
}

bool
ae_op_permute (ae_stream *s, ae_tensor *out, const ae_tensor *in, const int *perm, ae_error *error)
{
  copy_plan plan = { 0 };
  bool seen[AE_MAX_DIMS] = { false };
  char di[96], dout[96];

  if (!check_copy_dtypes ("permute", out, in, error) || !check_no_broadcast_output ("permute", out, error))
    return false;
  for (int k = 0; k < in->ndim; k++)
    {
      if (perm == NULL || perm[k] < 0 || perm[k] >= in->ndim || seen[perm[k]])
        {
          ae_set_error (error, AE_ERROR_INVALID,
                        "permute: the order given for \"%s\" is not a permutation of its "
                        "%d dimensions.",
                        in->name, in->ndim);
          return false;
        }
      seen[perm[k]] = true;
    }
  bool shapes_ok = out->ndim == in->ndim;
  for (int k = 0; shapes_ok && k < in->ndim; k++)
    shapes_ok = out->shape[k] == in->shape[perm[k]];
  if (!shapes_ok)
    {
      ae_set_error (error, AE_ERROR_INVALID, "permute: \"%s\" is %s, which is not \"%s\" (%s) permuted.", out->name,
                    ae_tensor_describe (out, dout, sizeof dout), in->name, ae_tensor_describe (in, di, sizeof di));
      return false;
    }
  for (int k = 0; k < in->ndim; k++)
    plan_add_dim (&plan, out->shape[k], in->stride[perm[k]], out->stride[k]);
  return copy_run (s, out, in, &plan, error);
}

static bool
check_patch_sizes (const char *op, const ae_tensor *video, int patch, int patch_t, ae_error *error)
{
  char dv[96];

  if (patch < 1 || patch_t < 1)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: patch sizes %d x %d x %d are not positive.", op, patch_t, patch,
                    patch);
      return false;
    }
  if (video->ndim != 5 || video->shape[2] % patch_t || video->shape[3] % patch || video->shape[4] % patch)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: \"%s\" (%s) is not a video [B, C, T, H, W] with T a multiple of "
                    "%d and H, W multiples of %d.",
                    op, video->name, ae_tensor_describe (video, dv, sizeof dv), patch_t, patch);
      return false;
    }
  return true;
}

/* True when tokens is [B, N, vector] for the video's patches. */
static bool
check_tokens_shape (const char *op, const ae_tensor *tokens, const ae_tensor *video, int patch, int patch_t,
                    ae_error *error)
{
  const int64_t *v = video->shape;
  int64_t n = (v[2] / patch_t) * (v[3] / patch) * (v[4] / patch);
  int64_t vector = v[1] * patch_t * patch * patch;
  char dt[96], dv[96];

  if (tokens->ndim == 3 && tokens->shape[0] == v[0] && tokens->shape[1] == n && tokens->shape[2] == vector)
    return true;
  ae_set_error (error, AE_ERROR_INVALID, "%s: \"%s\" is %s, but the patches of \"%s\" (%s) need [%lld, %lld, %lld].",
                op, tokens->name, ae_tensor_describe (tokens, dt, sizeof dt), video->name,
                ae_tensor_describe (video, dv, sizeof dv), (long long) v[0], (long long) n, (long long) vector);
  return false;
}

bool
ae_op_patchify (ae_stream *s, ae_tensor *tokens, const ae_tensor *video, int patch, int patch_t, ae_error *error)
{
  copy_plan plan = { 0 };

  if (!ae_check_float ("patchify", video, error) || !ae_check_float ("patchify", tokens, error)
      || !check_patch_sizes ("patchify", video, patch, patch_t, error)
      || !check_tokens_shape ("patchify", tokens, video, patch, patch_t, error)
      || !check_no_broadcast_output ("patchify", tokens, error))
    return false;
  const int64_t *v = video->shape, *vs = video->stride, *ts = tokens->stride;
  int64_t gh = v[3] / patch, gw = v[4] / patch, p = patch, pt = patch_t;
  /* In the tokens' order: b, t, i, j, then the patch vector c, kt, ky, kx. */
  plan_add_dim (&plan, v[0], vs[0], ts[0]);
  plan_add_dim (&plan, v[2] / pt, vs[2] * pt, ts[1] * gh * gw);
  plan_add_dim (&plan, gh, vs[3] * p, ts[1] * gw);
  plan_add_dim (&plan, gw, vs[4] * p, ts[1]);
  plan_add_dim (&plan, v[1], vs[1], ts[2] * pt * p * p);
  plan_add_dim (&plan, pt, vs[2], ts[2] * p * p);
  plan_add_dim (&plan, p, vs[3], ts[2] * p);
  plan_add_dim (&plan, p, vs[4], ts[2]);
  return copy_run (s, tokens, video, &plan, error);
}

bool
ae_op_unpatchify (ae_stream *s, ae_tensor *video, const ae_tensor *proj, int patch, int patch_t, ae_error *error)
{
  copy_plan plan = { 0 };

  if (!ae_check_float ("unpatchify", proj, error) || !ae_check_float ("unpatchify", video, error)
      || !check_patch_sizes ("unpatchify", video, patch, patch_t, error)
      || !check_tokens_shape ("unpatchify", proj, video, patch, patch_t, error)
      || !check_no_broadcast_output ("unpatchify", video, error))
    return false;
  const int64_t *v = video->shape, *vs = video->stride, *ps = proj->stride;
  int64_t c = v[1], gh = v[3] / patch, gw = v[4] / patch, p = patch, pt = patch_t;
  /* In the video's order: b, c, (t, kt), (i, py), (j, px); channel is the
   * fastest index of proj's patch vector. */
  plan_add_dim (&plan, v[0], ps[0], vs[0]);
  plan_add_dim (&plan, c, ps[2], vs[1]);
  plan_add_dim (&plan, v[2] / pt, ps[1] * gh * gw, vs[2] * pt);
  plan_add_dim (&plan, pt, ps[2] * p * p * c, vs[2]);
  plan_add_dim (&plan, gh, ps[1] * gw, vs[3] * p);
  plan_add_dim (&plan, p, ps[2] * p * c, vs[3]);
  plan_add_dim (&plan, gw, ps[1], vs[4] * p);
  plan_add_dim (&plan, p, ps[2] * c, vs[4]);
  return copy_run (s, video, proj, &plan, error);
}

/* ---- embedding ---- */

typedef struct
{
  uint32_t n, dim, row_start, rows, vocab, zero_invalid, off_d, off_a, off_i;
} embed_push;
_Static_assert(sizeof (embed_push) == 36, "embed.comp push block");

bool
ae_op_embedding (ae_stream *s, ae_tensor *out, const ae_tensor *ids, const ae_tensor *table, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  char dt[96], dout[96], name[32];

  if (!ae_check_dtype ("embedding", ids, AE_I32, error) || !ae_check_float ("embedding", table, error)
      || !ae_check_float ("embedding", out, error) || !ae_check_contiguous ("embedding", ids, error)
      || !ae_check_contiguous ("embedding", table, error) || !ae_check_contiguous ("embedding", out, error))
    return false;
  int64_t n = ae_tensor_numel (ids);
  int64_t vocab = table->ndim == 2 ? table->shape[0] : 0, dim = table->ndim == 2 ? table->shape[1] : 0;
  if (table->ndim != 2 || vocab > INT32_MAX)
    {
      ae_set_error (error, AE_ERROR_INVALID, "embedding: table \"%s\" (%s) must be [V, D] with V < 2^31.", table->name,
                    ae_tensor_describe (table, dt, sizeof dt));
      return false;
    }
  if (out->shape[out->ndim - 1] != dim || ae_tensor_numel (out) != n * dim)
    {
      ae_set_error (error, AE_ERROR_INVALID, "embedding: \"%s\" is %s; %lld rows of %lld are needed for \"%s\".",
                    out->name, ae_tensor_describe (out, dout, sizeof dout), (long long) n, (long long) dim, ids->name);
      return false;
    }

  /* Ids (with their output rows) and table rows each come in runs that fit a
   * binding; every id run meets every table run. */
  int64_t id_run = AE_MIN (span_limit (ctx, out->dtype) / dim, span_limit (ctx, AE_I32));
  int64_t table_run = span_limit (ctx, table->dtype) / dim;
  id_run = AE_MIN (id_run, (int64_t) ae_context_max_workgroups (ctx) * ae_context_max_workgroups (ctx));
  if (id_run < 1 || table_run < 1)
    {
      ae_set_error (error, AE_ERROR_INVALID, "embedding: one row of \"%s\" (%s) does not fit a binding.", table->name,
                    ae_tensor_describe (table, dt, sizeof dt));
      return false;
    }
  for (int64_t first = 0; first < n; first += id_run)
    {
      int64_t count = AE_MIN (id_run, n - first);
      int64_t out_shape[1] = { count * dim }, ids_shape[1] = { count }, unit[1] = { 1 };
      ae_tensor *out_view = ae_tensor_view (out, first * dim, 1, out_shape, unit, NULL, error);
      ae_tensor *ids_view = ae_tensor_view (ids, first, 1, ids_shape, unit, NULL, error);
      bool ok = out_view != NULL && ids_view != NULL;
      for (int64_t row = 0; ok && row < vocab; row += table_run)
        {
          int64_t rows = AE_MIN (table_run, vocab - row);
          int64_t table_shape[2] = { rows, dim }, table_stride[2] = { dim, 1 };
          ae_tensor *table_view = ae_tensor_view (table, row * dim, 2, table_shape, table_stride, NULL, error);
          if (table_view == NULL)
            {
              ok = false;
              break;
            }
          embed_push push = {
            .n = (uint32_t) count,
            .dim = (uint32_t) dim,
            .row_start = (uint32_t) row,
            .rows = (uint32_t) rows,
            .vocab = (uint32_t) vocab,
            .zero_invalid = row == 0,
            .off_d = ae_binding_element_offset (out_view),
            .off_a = ae_binding_element_offset (table_view),
            .off_i = ae_binding_element_offset (ids_view),
          };
          ae_dispatch d = {
            .shader = variant2 (name, sizeof name, "embed", table->dtype, out->dtype),
            .spec = { WORKGROUP },
            .n_spec = 1,
            .bindings = { out_view, table_view, ids_view },
            .n_bindings = 3,
            .push = &push,
            .push_size = sizeof push,
            .bytes = (double) count
                     * (4.0 + (double) dim * (double) (ae_dtype_size (table->dtype) + ae_dtype_size (out->dtype))),
          };
          ae_grid_fold (ctx, (uint64_t) count, d.groups);
          ok = ae_stream_dispatch (s, &d, error);
          ae_tensor_free (table_view);
        }
      ae_tensor_free (out_view);
      ae_tensor_free (ids_view);
      if (!ok)
        return false;
    }
  return true;
}

/* ---- T5 relative-position bias ---- */

#define T5_MAX_THRESHOLDS 16

typedef struct
{
  uint32_t heads, len, n_queries, half_buckets, max_exact, bidirectional, n_thresholds, off_d, off_a;
  uint32_t thresholds[T5_MAX_THRESHOLDS];
} t5_bias_push;
_Static_assert(sizeof (t5_bias_push) == 100, "t5_bias.comp push block");

/* transformers' large-distance bucket before the cap, one float32 operation
 * at a time, as PyTorch evaluates it on float32 tensors. */
static int64_t
t5_log_bucket (int64_t r, int max_exact, int max_distance, int n)
{
  float x = logf ((float) r / (float) max_exact);
  x = x / (float) log ((double) max_distance / (double) max_exact);
  x = x * (float) (n - max_exact);
  return max_exact + (int64_t) x;
}

bool
ae_op_t5_bias (ae_stream *s, ae_tensor *bias, const ae_tensor *weight, int64_t n_queries, int64_t n_keys,
               const ae_t5_bias_params *params, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  char dw[96], db[96];

  if (!ae_check_float ("t5_bias", weight, error) || !ae_check_dtype ("t5_bias", bias, AE_F32, error)
      || !ae_check_contiguous ("t5_bias", weight, error) || !ae_check_contiguous ("t5_bias", bias, error))
    return false;
  if (params == NULL || params->num_buckets < 4 || params->num_buckets > 64 || params->num_buckets % 2)
    {
      ae_set_error (error, AE_ERROR_INVALID, "t5_bias: num_buckets must be even, from 4 to 64.");
      return false;
    }
  int n = params->bidirectional ? params->num_buckets / 2 : params->num_buckets;
  int max_exact = n / 2;
  if (n - max_exact - 1 > T5_MAX_THRESHOLDS)
    {
      ae_set_error (error, AE_ERROR_INVALID, "t5_bias: %d one-way buckets are more than the kernel holds (34).", n);
      return false;
    }
  if (params->max_distance <= max_exact)
    {
      ae_set_error (error, AE_ERROR_INVALID, "t5_bias: max_distance %d must exceed the %d exact buckets.",
                    params->max_distance, max_exact);
      return false;
    }
  if (n_queries < 1 || n_keys < 1 || n_queries + n_keys > INT32_MAX)
    {
      ae_set_error (error, AE_ERROR_INVALID, "t5_bias: %lld queries and %lld keys are out of range.",
                    (long long) n_queries, (long long) n_keys);
      return false;
    }
  if (weight->ndim != 2 || weight->shape[0] != params->num_buckets)
    {
      ae_set_error (error, AE_ERROR_INVALID, "t5_bias: weight \"%s\" (%s) must be [%d, heads].", weight->name,
                    ae_tensor_describe (weight, dw, sizeof dw), params->num_buckets);
      return false;
    }
  int64_t heads = weight->shape[1], len = n_queries + n_keys - 1;
  if (bias->ndim != 2 || bias->shape[0] != heads || bias->shape[1] != len)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "t5_bias: \"%s\" is %s; [%lld, %lld] is needed for %lld queries and "
                    "%lld keys.",
                    bias->name, ae_tensor_describe (bias, db, sizeof db), (long long) heads, (long long) len,
                    (long long) n_queries, (long long) n_keys);
      return false;
    }

  t5_bias_push push = {
    .heads = (uint32_t) heads,
    .len = (uint32_t) len,
    .n_queries = (uint32_t) n_queries,
    .half_buckets = (uint32_t) n,
    .max_exact = (uint32_t) max_exact,
    .bidirectional = params->bidirectional,
    .n_thresholds = (uint32_t) (n - max_exact - 1),
    .off_d = ae_binding_element_offset (bias),
    .off_a = ae_binding_element_offset (weight),
  };
  /* thresholds[k - 1] = the least distance whose bucket reaches max_exact + k;
   * the float32 bucket only grows with r, so a binary search finds it. */
  for (int k = 1; k < n - max_exact; k++)
    {
      int64_t lo = max_exact, hi = UINT32_MAX;
      if (t5_log_bucket (hi, max_exact, params->max_distance, n) < max_exact + k)
        {
          push.thresholds[k - 1] = UINT32_MAX;
          continue;
        }
      while (lo < hi)
        {
          int64_t mid = lo + (hi - lo) / 2;
          if (t5_log_bucket (mid, max_exact, params->max_distance, n) >= max_exact + k)
            hi = mid;
          else
            lo = mid + 1;
        }
      push.thresholds[k - 1] = (uint32_t) lo;
    }
  ae_dispatch d = {
    .shader = weight->dtype == AE_F32   ? "t5_bias_f32"
              : weight->dtype == AE_F16 ? "t5_bias_f16"
                                        : "t5_bias_bf16",
    .spec = { WORKGROUP },
    .n_spec = 1,
    .bindings = { bias, weight },
    .n_bindings = 2,
    .push = &push,
    .push_size = sizeof push,
    .bytes = (double) (heads * len) * (4.0 + (double) ae_dtype_size (weight->dtype)),
  };
  ae_grid_fold (ctx, AE_DIV_UP ((uint64_t) (heads * len), WORKGROUP), d.groups);
  return ae_stream_dispatch (s, &d, error);
}

/* ---- 3D RoPE ---- */

void
ae_rope_1d_table (float *cos, float *sin, int64_t n, int dim, double scale, double theta)
{
  int half = dim / 2;

  for (int j = 0; j < half; j++)
    {
      /* 1.0 / (theta ** (arange(0, dim, 2) / dim)), one float32 step at a time. */
      float exponent = (float) (2 * j) / (float) dim;
      float freq = 1.0f / powf ((float) theta, exponent);
      for (int64_t p = 0; p < n; p++)
        {
          float angle = ((float) p / (float) scale) * freq;
          cos[p * dim + j] = cos[p * dim + j + half] = cosf (angle);
          sin[p * dim + j] = sin[p * dim + j + half] = sinf (angle);
        }
    }
}

int64_t
ae_rope_3d_table_size (const ae_rope_3d_params *params, int head_dim)
{
  return (params->t + params->h + params->w) * 2 * (head_dim / 3);
}

bool
ae_rope_3d_table (float *table, const ae_rope_3d_params *params, int head_dim, ae_error *error)
{
  const int64_t sizes[3] = { params->t, params->h, params->w };
  const double scales[3] = { params->scale_t, params->scale_h, params->scale_w };
  int d = head_dim / 3;

  if (head_dim <= 0 || head_dim % 6)
    {
      ae_set_error (error, AE_ERROR_INVALID, "rope: head dim %d is not a positive multiple of 6.", head_dim);
      return false;
    }
  if (sizes[0] < 1 || sizes[1] < 1 || sizes[2] < 1)
    {
      ae_set_error (error, AE_ERROR_INVALID, "rope: the grid %lld x %lld x %lld is empty.", (long long) sizes[0],
                    (long long) sizes[1], (long long) sizes[2]);
      return false;
    }
  for (int a = 0; a < 3; a++)
    {
      size_t bytes = (size_t) (sizes[a] * d) * sizeof (float);
      float *cos = malloc (bytes), *sin = malloc (bytes);
      if (cos == NULL || sin == NULL)
        {
          free (cos);
          free (sin);
          ae_set_error (error, AE_ERROR_OUT_OF_MEMORY, "rope: no host memory for the tables.");
          return false;
        }
      ae_rope_1d_table (cos, sin, sizes[a], d, scales[a], params->theta);
      for (int64_t p = 0; p < sizes[a]; p++)
        {
          memcpy (table, cos + p * d, (size_t) d * sizeof *table);
          memcpy (table + d, sin + p * d, (size_t) d * sizeof *table);
          table += 2 * d;
        }
      free (cos);
      free (sin);
    }
  return true;
}

typedef struct
{
  uint32_t tokens, token0, batch, heads, grid_t, grid_h, grid_w;
  uint32_t stride_ab, stride_an, stride_ah, stride_db, stride_dn, stride_dh;
  uint32_t off_d, off_a, off_t;
} rope_push;
_Static_assert(sizeof (rope_push) == 64, "rope.comp push block");

static bool
rope_record (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *table, const ae_rope_3d_params *params,
             int64_t b0, int64_t batch, int64_t n0, int64_t tokens, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  int64_t heads = x->shape[2], head_dim = x->shape[3];
  int64_t shape[4] = { batch, tokens, heads, head_dim };
  char name[32];
  bool ok;

  ae_tensor *x_view = ae_tensor_view (x, b0 * x->stride[0] + n0 * x->stride[1], 4, shape, x->stride, NULL, error);
  ae_tensor *out_view
      = ae_tensor_view (out, b0 * out->stride[0] + n0 * out->stride[1], 4, shape, out->stride, NULL, error);
  if (x_view == NULL || out_view == NULL)
    {
      ae_tensor_free (x_view);
      ae_tensor_free (out_view);
      return false;
    }
  rope_push push = {
    .tokens = (uint32_t) tokens,
    .token0 = (uint32_t) n0,
    .batch = (uint32_t) batch,
    .heads = (uint32_t) heads,
    .grid_t = (uint32_t) params->t,
    .grid_h = (uint32_t) params->h,
    .grid_w = (uint32_t) params->w,
    .stride_ab = (uint32_t) x->stride[0],
    .stride_an = (uint32_t) x->stride[1],
    .stride_ah = (uint32_t) x->stride[2],
    .stride_db = (uint32_t) out->stride[0],
    .stride_dn = (uint32_t) out->stride[1],
    .stride_dh = (uint32_t) out->stride[2],
    .off_d = ae_binding_element_offset (out_view),
    .off_a = ae_binding_element_offset (x_view),
    .off_t = ae_binding_element_offset (table),
  };
  ae_dispatch d = {
    .shader = variant2 (name, sizeof name, "rope", x->dtype, out->dtype),
    .spec = { WORKGROUP, (uint32_t) head_dim },
    .n_spec = 2,
    .bindings = { out_view, x_view, table },
    .n_bindings = 3,
    .push = &push,
    .push_size = sizeof push,
    .bytes
    = (double) (batch * tokens * heads * head_dim) * (double) (ae_dtype_size (x->dtype) + ae_dtype_size (out->dtype)),
  };
  ae_grid_fold (ctx, (uint64_t) (batch * tokens), d.groups);
  ok = ae_stream_dispatch (s, &d, error);
  ae_tensor_free (x_view);
  ae_tensor_free (out_view);
  return ok;
}

/* Elements a [batch, tokens, H, Dh] view of t spans. */
static int64_t
rope_span (const ae_tensor *t, int64_t batch, int64_t tokens)
{
  return (batch - 1) * t->stride[0] + (tokens - 1) * t->stride[1] + (t->shape[2] - 1) * t->stride[2] + t->shape[3];
}

bool
ae_op_rope_3d (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *table,
               const ae_rope_3d_params *params, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  char dx[96], dt[96];

  if (!ae_check_float ("rope", x, error) || !ae_check_float ("rope", out, error)
      || !ae_check_dtype ("rope", table, AE_F32, error) || !ae_check_contiguous ("rope", table, error)
      || !ae_check_same_shape ("rope", out, x, error) || !check_no_broadcast_output ("rope", out, error))
    return false;
  if (x->ndim != 4 || x->stride[3] != 1 || out->stride[3] != 1 || x->shape[3] % 6)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "rope: \"%s\" (%s) must be [B, N, H, Dh] with Dh a multiple of 6 and "
                    "the last dimension contiguous in it and in \"%s\".",
                    x->name, ae_tensor_describe (x, dx, sizeof dx), out->name);
      return false;
    }
  if (params == NULL || params->t < 1 || params->h < 1 || params->w < 1
      || params->t * params->h * params->w != x->shape[1])
    {
      ae_set_error (error, AE_ERROR_INVALID, "rope: \"%s\" (%s) has %lld tokens; the grid holds %lld.", x->name,
                    ae_tensor_describe (x, dx, sizeof dx), (long long) x->shape[1],
                    params == NULL ? 0LL : (long long) (params->t * params->h * params->w));
      return false;
    }
  int64_t chunk = x->shape[3] / 3;
  if (table->ndim != 3 || table->shape[0] != params->t + params->h + params->w || table->shape[1] != 2
      || table->shape[2] != chunk)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "rope: table \"%s\" is %s; [%lld, 2, %lld] is needed (see "
                    "ae_rope_3d_table).",
                    table->name, ae_tensor_describe (table, dt, sizeof dt),
                    (long long) (params->t + params->h + params->w), (long long) chunk);
      return false;
    }

  int64_t batch = x->shape[0], n = x->shape[1];
  int64_t x_limit = span_limit (ctx, x->dtype), out_limit = span_limit (ctx, out->dtype);
  int64_t max_groups = (int64_t) ae_context_max_workgroups (ctx) * ae_context_max_workgroups (ctx);
  if (rope_span (x, batch, n) <= x_limit && rope_span (out, batch, n) <= out_limit && batch * n <= max_groups)
    return rope_record (s, out, x, table, params, 0, batch, 0, n, error);

  /* Too wide for one binding: one batch entry at a time, in runs of tokens. */
  int64_t x_row = rope_span (x, 1, 1), out_row = rope_span (out, 1, 1);
  int64_t run = n;
  if (x->stride[1] > 0)
    run = AE_MIN (run, x_limit < x_row ? 0 : (x_limit - x_row) / x->stride[1] + 1);
  if (out->stride[1] > 0)
    run = AE_MIN (run, out_limit < out_row ? 0 : (out_limit - out_row) / out->stride[1] + 1);
  run = AE_MIN (run, max_groups);
  if (run < 1)
    {
      ae_set_error (error, AE_ERROR_INVALID, "rope: one token of \"%s\" (%s) does not fit a binding.", x->name,
                    ae_tensor_describe (x, dx, sizeof dx));
      return false;
    }
  for (int64_t b = 0; b < batch; b++)
    for (int64_t n0 = 0; n0 < n; n0 += run)
      if (!rope_record (s, out, x, table, params, b, 1, n0, AE_MIN (run, n - n0), error))
        return false;
  return true;
}

/* ---- timestep sinusoid ---- */

void
ae_timestep_embedding (float *out, const float *timesteps, int64_t n, int dim, bool flip_sin_to_cos,
                       double downscale_freq_shift, double max_period)
{
  int half = dim / 2;
  /* diffusers: exponent = -log(max_period) * arange(half) / (half - shift),
   * then exp, each a float32 tensor operation. */
  float log_period = (float) -log (max_period);
  float divisor = (float) ((double) half - downscale_freq_shift);

  for (int64_t i = 0; i < n; i++)
    {
      float *row = out + i * dim;
      for (int j = 0; j < half; j++)
        {
          float exponent = (log_period * (float) j) / divisor;
          float angle = timesteps[i] * expf (exponent);
          float sin_value = sinf (angle), cos_value = cosf (angle);
          row[j] = flip_sin_to_cos ? cos_value : sin_value;
          row[half + j] = flip_sin_to_cos ? sin_value : cos_value;
        }
      if (dim % 2)
        row[dim - 1] = 0.0f;
    }
}
