/* elementwise.c: element-wise kernels (binary.comp, unary.comp, modulate.comp).
 *
 * Each invocation reads and writes its own elements only, so outputs may
 * alias inputs.  Tensors past the binding range are done in chunks of views.
 */
#include "ae-internal.h"
#include "ae-ops.h"

#include <stdio.h>
#include <string.h>

#define WORKGROUP 256

enum
{
  BINARY_ADD = 0,
  BINARY_MUL = 1,
  BINARY_GATED_GELU = 2,
};

enum
{
  UNARY_GELU_TANH = 0,
  UNARY_SILU = 1,
  UNARY_SCALE_SHIFT = 2,
};

enum
{
  MODULATE = 0,
  GATED_RESIDUAL = 1,
};

typedef struct
{
  uint32_t n, nb, b_start, off_d, off_a, off_b;
} binary_push;
_Static_assert(sizeof (binary_push) == 24, "binary.comp push block");

typedef struct
{
  uint32_t n, off_d, off_a;
  float alpha, beta;
} unary_push;
_Static_assert(sizeof (unary_push) == 20, "unary.comp push block");

typedef struct
{
  uint32_t cols, rows, row_start, rows_per_batch, col_blocks;
  uint32_t off_d, off_a, off_y, off_s, off_t;
  uint32_t s_stride_b, s_stride_c, t_stride_b, t_stride_c;
} modulate_push;
_Static_assert(sizeof (modulate_push) == 56, "modulate.comp push block");

static const char *
binary_variant (ae_dtype dtype)
{
  switch (dtype)
    {
    case AE_F32:
      return "binary_f32";
    case AE_F16:
      return "binary_f16";
    case AE_BF16:
      return "binary_bf16";
    default:
      return NULL;
    }
}

/* b may be a suffix of a's shape: its elements repeat along a. */
static bool
check_broadcast (const char *op, const ae_tensor *a, const ae_tensor *b, ae_error *error)
{
  char da[96], db[96];
  bool ok = b->ndim <= a->ndim || ae_tensor_numel (b) == 1;

  if (ae_tensor_numel (b) == 1)
    return true;

  for (int i = 1; ok && i <= b->ndim; i++)
    ok = b->shape[b->ndim - i] == a->shape[a->ndim - i];
  if (!ok)
    ae_set_error (error, AE_ERROR_INVALID, "%s: \"%s\" (%s) cannot repeat along \"%s\" (%s).", op, b->name,
                  ae_tensor_describe (b, db, sizeof db), a->name, ae_tensor_describe (a, da, sizeof da));
  return ok;
}

static bool
binary (ae_stream *s, const char *op, uint32_t code, ae_tensor *out, const ae_tensor *a, const ae_tensor *b,
        ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  bool ok = false;

  if (!ae_check_float (op, a, error) || !ae_check_dtype (op, b, a->dtype, error)
      || !ae_check_dtype (op, out, a->dtype, error) || !ae_check_same_shape (op, out, a, error)
      || !check_broadcast (op, a, b, error) || !ae_check_contiguous (op, out, error)
      || !ae_check_contiguous (op, a, error) || !ae_check_contiguous (op, b, error))
    return false;

  int64_t n = ae_tensor_numel (a), nb = ae_tensor_numel (b);
  uint64_t esize = ae_dtype_size (a->dtype);
  /* A tensor past the binding range is done in chunks of a and out, and of
   * b when it has a's shape; a repeated b must fit one binding. */
  bool split_b = nb == n;
  int64_t chunk = ae_split_rows (ctx, esize);
  if (chunk > (int64_t) UINT32_MAX / 2)
    chunk = UINT32_MAX / 2;
  if (!split_b && nb > chunk)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: \"%s\" is larger than one binding can hold.", op, b->name);
      return false;
    }
  for (int64_t start = 0; start < n; start += chunk)
    {
      int64_t count = AE_MIN (chunk, n - start);
      int64_t shape[1] = { count }, stride[1] = { 1 };
      ae_tensor *out_view = ae_tensor_view (out, start, 1, shape, stride, NULL, error);
      ae_tensor *a_view = ae_tensor_view (a, start, 1, shape, stride, NULL, error);
      ae_tensor *b_view = split_b ? ae_tensor_view (b, start, 1, shape, stride, NULL, error) : NULL;
      ok = out_view != NULL && a_view != NULL && (!split_b || b_view != NULL);
      if (ok)
        {
          const ae_tensor *bound_b = split_b ? b_view : b;
          binary_push push = {
            .n = (uint32_t) count,
            .nb = (uint32_t) (split_b ? count : nb),
            .b_start = (uint32_t) (split_b ? 0 : start % nb),
            .off_d = ae_binding_element_offset (out_view),
            .off_a = ae_binding_element_offset (a_view),
            .off_b = ae_binding_element_offset (bound_b),
          };
          ae_dispatch d = {
            .shader = binary_variant (a->dtype),
            .spec = { WORKGROUP, code },
            .n_spec = 2,
            .bindings = { out_view, a_view, bound_b },
            .n_bindings = 3,
            .push = &push,
            .push_size = sizeof push,
            .bytes = (double) (2 * count + AE_MIN (nb, count)) * esize,
          };
          ae_grid_fold (ctx, AE_DIV_UP ((uint64_t) count, WORKGROUP), d.groups);
          ok = ae_stream_dispatch (s, &d, error);
        }
      ae_tensor_free (out_view);
      ae_tensor_free (a_view);
      ae_tensor_free (b_view);
      if (!ok)
        return false;
    }
  return true;
}

bool
ae_op_add (ae_stream *s, ae_tensor *out, const ae_tensor *a, const ae_tensor *b, ae_error *error)
{
  return binary (s, "add", BINARY_ADD, out, a, b, error);
}

bool
ae_op_mul (ae_stream *s, ae_tensor *out, const ae_tensor *a, const ae_tensor *b, ae_error *error)
{
  return binary (s, "mul", BINARY_MUL, out, a, b, error);
}

bool
ae_op_gated_gelu (ae_stream *s, ae_tensor *out, const ae_tensor *a, const ae_tensor *b, ae_error *error)
{
  if (!ae_check_same_shape ("gated_gelu", a, b, error))
    return false;
  return binary (s, "gated_gelu", BINARY_GATED_GELU, out, a, b, error);
}

static bool
unary (ae_stream *s, const char *op, uint32_t code, ae_tensor *out, const ae_tensor *x, float alpha, float beta,
       ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  char shader[32];

  if (!ae_check_float (op, x, error) || !ae_check_dtype (op, out, x->dtype, error)
      || !ae_check_same_shape (op, out, x, error) || !ae_check_contiguous (op, out, error)
      || !ae_check_contiguous (op, x, error))
    return false;

  snprintf (shader, sizeof shader, "unary_%s", ae_float_suffix (x->dtype));
  int64_t n = ae_tensor_numel (x);
  uint64_t esize = ae_dtype_size (x->dtype);
  int64_t chunk = AE_MIN (ae_split_rows (ctx, esize), (int64_t) UINT32_MAX / 2);
  for (int64_t start = 0; start < n; start += chunk)
    {
      int64_t count = AE_MIN (chunk, n - start);
      int64_t shape[1] = { count }, stride[1] = { 1 };
      ae_tensor *out_view = ae_tensor_view (out, start, 1, shape, stride, NULL, error);
      ae_tensor *x_view = ae_tensor_view (x, start, 1, shape, stride, NULL, error);
      bool ok = out_view != NULL && x_view != NULL;
      if (ok)
        {
          unary_push push = {
            .n = (uint32_t) count,
            .off_d = ae_binding_element_offset (out_view),
            .off_a = ae_binding_element_offset (x_view),
            .alpha = alpha,
            .beta = beta,
          };
          ae_dispatch d = {
            .shader = shader,
            .spec = { WORKGROUP, code },
            .n_spec = 2,
            .bindings = { out_view, x_view },
            .n_bindings = 2,
            .push = &push,
            .push_size = sizeof push,
            .bytes = 2.0 * (double) count * esize,
          };
          ae_grid_fold (ctx, AE_DIV_UP ((uint64_t) count, WORKGROUP), d.groups);
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
ae_op_gelu_tanh (ae_stream *s, ae_tensor *out, const ae_tensor *x, ae_error *error)
{
  return unary (s, "gelu_tanh", UNARY_GELU_TANH, out, x, 1, 0, error);
}

bool
ae_op_silu (ae_stream *s, ae_tensor *out, const ae_tensor *x, ae_error *error)
{
  return unary (s, "silu", UNARY_SILU, out, x, 1, 0, error);
}

bool
ae_op_scale_shift (ae_stream *s, ae_tensor *out, const ae_tensor *x, float alpha, float beta, ae_error *error)
{
  return unary (s, "scale_shift", UNARY_SCALE_SHIFT, out, x, alpha, beta, error);
}

/* A per-batch channel row: [B, C] with any strides, or [1, C] / [C] repeated
 * over the batch (batch stride 0). */
/* Rows [start, start + count) of a contiguous [B, N, C] tensor, as [count, C]. */
static ae_tensor *
row_view (const ae_tensor *t, int64_t start, int64_t count, int64_t cols, ae_error *error)
{
  int64_t shape[2] = { count, cols }, stride[2] = { cols, 1 };
  return ae_tensor_view (t, start * cols, 2, shape, stride, NULL, error);
}

static bool
per_batch (ae_stream *s, const char *op, uint32_t mode, ae_tensor *out, const ae_tensor *a, const ae_tensor *y,
           const ae_tensor *sv, const ae_tensor *tv, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  modulate_push push = { 0 };
  char shader[32], da[96];

  if (!ae_check_float (op, a, error) || !ae_check_dtype (op, out, a->dtype, error)
      || !ae_check_same_shape (op, out, a, error) || !ae_check_contiguous (op, out, error)
      || !ae_check_contiguous (op, a, error))
    return false;
  if (a->ndim != 3)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: \"%s\" is %s; [B, N, C] is needed.", op, a->name,
                    ae_tensor_describe (a, da, sizeof da));
      return false;
    }
  if (y != NULL
      && (!ae_check_dtype (op, y, a->dtype, error) || !ae_check_same_shape (op, y, a, error)
          || !ae_check_contiguous (op, y, error)))
    return false;
  int64_t batch = a->shape[0], cols = a->shape[2];
  if (!ae_check_batch_rows (op, sv, batch, cols, a->dtype, &push.s_stride_b, &push.s_stride_c, error))
    return false;
  if (tv != NULL && !ae_check_batch_rows (op, tv, batch, cols, a->dtype, &push.t_stride_b, &push.t_stride_c, error))
    return false;

  snprintf (shader, sizeof shader, "modulate_%s", ae_float_suffix (a->dtype));
  int64_t rows = batch * a->shape[1];
  uint64_t esize = ae_dtype_size (a->dtype);
  int64_t col_blocks = AE_DIV_UP (cols, WORKGROUP);
  int64_t chunk = ae_split_rows (ctx, (uint64_t) cols * esize);
  chunk = AE_MIN (chunk, (int64_t) (UINT32_MAX / 2) / (cols + WORKGROUP));
  if (chunk < 1)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: rows of \"%s\" are too long.", op, a->name);
      return false;
    }
  push.cols = (uint32_t) cols;
  push.rows_per_batch = (uint32_t) a->shape[1];
  push.col_blocks = (uint32_t) col_blocks;
  push.off_s = ae_binding_element_offset (sv);
  push.off_t = tv ? ae_binding_element_offset (tv) : 0;
  for (int64_t start = 0; start < rows; start += chunk)
    {
      int64_t count = AE_MIN (chunk, rows - start);
      ae_tensor *out_view = row_view (out, start, count, cols, error);
      ae_tensor *a_view = row_view (a, start, count, cols, error);
      ae_tensor *y_view = y ? row_view (y, start, count, cols, error) : NULL;
      bool ok = out_view != NULL && a_view != NULL && (y == NULL || y_view != NULL);
      if (ok)
        {
          push.rows = (uint32_t) count;
          push.row_start = (uint32_t) start;
          push.off_d = ae_binding_element_offset (out_view);
          push.off_a = ae_binding_element_offset (a_view);
          push.off_y = y_view ? ae_binding_element_offset (y_view) : 0;
          /* Absent operands are bound to a; the kernel never reads them. */
          ae_dispatch d = {
            .shader = shader,
            .spec = { WORKGROUP, mode },
            .n_spec = 2,
            .bindings = { out_view, a_view, y_view ? y_view : a_view, sv, tv ? tv : a_view },
            .n_bindings = 5,
            .push = &push,
            .push_size = sizeof push,
            .bytes = (y ? 3.0 : 2.0) * (double) count * cols * esize,
          };
          ae_grid_fold (ctx, (uint64_t) (count * col_blocks), d.groups);
          ok = ae_stream_dispatch (s, &d, error);
        }
      ae_tensor_free (out_view);
      ae_tensor_free (a_view);
      ae_tensor_free (y_view);
      if (!ok)
        return false;
    }
  return true;
}

bool
ae_op_modulate (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *scale, const ae_tensor *shift,
                ae_error *error)
{
  if (shift == NULL)
    {
      ae_set_error (error, AE_ERROR_INVALID, "modulate: shift is needed.");
      return false;
    }
  return per_batch (s, "modulate", MODULATE, out, x, NULL, scale, shift, error);
}

bool
ae_op_gated_residual (ae_stream *s, ae_tensor *out, const ae_tensor *h, const ae_tensor *y, const ae_tensor *gate,
                      ae_error *error)
{
  if (y == NULL)
    {
      ae_set_error (error, AE_ERROR_INVALID, "gated_residual: y is needed.");
      return false;
    }
  return per_batch (s, "gated_residual", GATED_RESIDUAL, out, h, y, gate, NULL, error);
}
