/* elementwise.c: element-wise kernels (binary.comp and friends). */
#include "ae-internal.h"
#include "ae-ops.h"

#include <string.h>

#define WORKGROUP 256

typedef struct
{
  uint32_t n, nb, b_start, off_d, off_a, off_b;
} binary_push;
_Static_assert (sizeof (binary_push) == 24, "binary.comp push block");

static const char *
binary_variant (ae_dtype dtype)
{
  switch (dtype)
    {
    case AE_F32: return "binary_f32";
    case AE_F16: return "binary_f16";
    case AE_BF16: return "binary_bf16";
    default: return NULL;
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
  /* A tensor past the binding range is done in chunks of a and out. */
  int64_t chunk = ae_split_rows (ctx, esize);
  if (chunk > (int64_t) UINT32_MAX / 2)
    chunk = UINT32_MAX / 2;
  if (nb > chunk)
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
      if (out_view == NULL || a_view == NULL)
        {
          ae_tensor_free (out_view);
          ae_tensor_free (a_view);
          return false;
        }
      binary_push push = {
        .n = (uint32_t) count,
        .nb = (uint32_t) nb,
        .b_start = (uint32_t) (start % nb),
        .off_d = ae_binding_element_offset (out_view),
        .off_a = ae_binding_element_offset (a_view),
        .off_b = ae_binding_element_offset (b),
      };
      ae_dispatch d = {
        .shader = binary_variant (a->dtype),
        .spec = { WORKGROUP, code },
        .n_spec = 2,
        .bindings = { out_view, a_view, b },
        .n_bindings = 3,
        .push = &push,
        .push_size = sizeof push,
        .bytes = (double) (2 * count + AE_MIN (nb, count)) * esize,
      };
      ae_grid_fold (ctx, AE_DIV_UP ((uint64_t) count, WORKGROUP), d.groups);
      ok = ae_stream_dispatch (s, &d, error);
      ae_tensor_free (out_view);
      ae_tensor_free (a_view);
      if (!ok)
        return false;
    }
  return true;
}

bool
ae_op_add (ae_stream *s, ae_tensor *out, const ae_tensor *a, const ae_tensor *b, ae_error *error)
{
  return binary (s, "add", 0, out, a, b, error);
}

bool
ae_op_mul (ae_stream *s, ae_tensor *out, const ae_tensor *a, const ae_tensor *b, ae_error *error)
{
  return binary (s, "mul", 1, out, a, b, error);
}
