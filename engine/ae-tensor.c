/* ae-tensor.c: tensors, views and host transfers. */
#include "ae-private.h"

#include <stdio.h>
#include <string.h>

static bool
check_shape (int ndim, const int64_t *shape, const char *name, ae_error *error)
{
  if (ndim < 1 || ndim > AE_MAX_DIMS)
    {
      ae_set_error (error, AE_ERROR_INVALID, "Tensor \"%s\" has %d dimensions; 1 to %d are supported.", name, ndim,
                    AE_MAX_DIMS);
      return false;
    }
  for (int i = 0; i < ndim; i++)
    if (shape[i] < 1 || shape[i] > (INT64_C (1) << 40))
      {
        ae_set_error (error, AE_ERROR_INVALID, "Tensor \"%s\" has size %lld in dimension %d.", name,
                      (long long) shape[i], i);
        return false;
      }
  return true;
}

ae_tensor *
ae_tensor_new (ae_context *ctx, ae_dtype dtype, int ndim, const int64_t *shape, const char *name, ae_error *error)
{
  ae_tensor *t;
  uint64_t numel = 1;

  if (name == NULL)
    name = "tensor";
  if (dtype >= AE_N_DTYPES)
    {
      ae_set_error (error, AE_ERROR_INVALID, "Tensor \"%s\" has an unknown dtype.", name);
      return NULL;
    }
  if (!check_shape (ndim, shape, name, error))
    return NULL;
  for (int i = 0; i < ndim; i++)
    {
      if (numel > (UINT64_C (1) << 62) / (uint64_t) shape[i])
        {
          ae_set_error (error, AE_ERROR_INVALID, "Tensor \"%s\" is too large.", name);
          return NULL;
        }
      numel *= (uint64_t) shape[i];
    }
  t = calloc (1, sizeof *t);
  t->ctx = ctx;
  t->dtype = dtype;
  t->ndim = ndim;
  snprintf (t->name, sizeof t->name, "%s", name);
  int64_t stride = 1;
  for (int i = ndim - 1; i >= 0; i--)
    {
      t->shape[i] = shape[i];
      t->stride[i] = stride;
      stride *= shape[i];
    }
  t->alloc = ae_arena_alloc (ctx, numel * ae_dtype_size (dtype), t->name, error);
  if (t->alloc == NULL)
    {
      free (t);
      return NULL;
    }
  return t;
}

ae_tensor *
ae_tensor_view (const ae_tensor *t, int64_t element_offset, int ndim, const int64_t *shape, const int64_t *stride,
                const char *name, ae_error *error)
{
  ae_tensor *view;
  uint64_t esize = ae_dtype_size (t->dtype);
  int64_t last = element_offset;

  if (name == NULL)
    name = t->name;
  if (!check_shape (ndim, shape, name, error))
    return NULL;
  if (element_offset < 0)
    {
      ae_set_error (error, AE_ERROR_INVALID, "View \"%s\" of \"%s\" starts before it.", name, t->name);
      return NULL;
    }
  for (int i = 0; i < ndim; i++)
    {
      if (stride[i] < 0)
        {
          ae_set_error (error, AE_ERROR_INVALID, "View \"%s\" has a negative stride.", name);
          return NULL;
        }
      last += (shape[i] - 1) * stride[i];
    }
  if (t->offset + (uint64_t) (last + 1) * esize > t->alloc->size)
    {
      ae_set_error (error, AE_ERROR_INVALID, "View \"%s\" reaches past the memory of \"%s\".", name, t->name);
      return NULL;
    }
  view = calloc (1, sizeof *view);
  *view = *t;
  view->ndim = ndim;
  view->offset = t->offset + (uint64_t) element_offset * esize;
  for (int i = 0; i < AE_MAX_DIMS; i++)
    {
      view->shape[i] = i < ndim ? shape[i] : 0;
      view->stride[i] = i < ndim ? stride[i] : 0;
    }
  snprintf (view->name, sizeof view->name, "%s", name);
  ae_allocation_ref (t->ctx, t->alloc);
  return view;
}

void
ae_tensor_free (ae_tensor *t)
{
  if (t == NULL)
    return;
  /* Shape-only tensors (memory plans) have no allocation. */
  if (t->alloc != NULL)
    ae_allocation_unref (t->ctx, t->alloc);
  free (t);
}

int64_t
ae_tensor_numel (const ae_tensor *t)
{
  int64_t n = 1;
  for (int i = 0; i < t->ndim; i++)
    n *= t->shape[i];
  return n;
}

uint64_t
ae_tensor_nbytes (const ae_tensor *t)
{
  return (uint64_t) ae_tensor_numel (t) * ae_dtype_size (t->dtype);
}

bool
ae_tensor_is_contiguous (const ae_tensor *t)
{
  int64_t expected = 1;
  for (int i = t->ndim - 1; i >= 0; i--)
    {
      if (t->shape[i] != 1 && t->stride[i] != expected)
        return false;
      expected *= t->shape[i];
    }
  return true;
}

const char *
ae_tensor_describe (const ae_tensor *t, char *buf, size_t size)
{
  size_t used = (size_t) snprintf (buf, size, "%s[", ae_dtype_name (t->dtype));
  for (int i = 0; i < t->ndim && used < size; i++)
    used += (size_t) snprintf (buf + used, size - used, i ? ", %lld" : "%lld", (long long) t->shape[i]);
  if (used < size)
    snprintf (buf + used, size - used, "]");
  return buf;
}

bool
ae_tensor_same_shape (const ae_tensor *a, const ae_tensor *b)
{
  if (a->ndim != b->ndim)
    return false;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i])
      return false;
  return true;
}

static bool
check_transfer (const ae_tensor *t, size_t bytes, ae_error *error)
{
  if (!ae_tensor_is_contiguous (t))
    {
      ae_set_error (error, AE_ERROR_INVALID, "Tensor \"%s\" is not contiguous; copy it before a transfer.", t->name);
      return false;
    }
  if (bytes != ae_tensor_nbytes (t))
    {
      ae_set_error (error, AE_ERROR_INVALID, "Tensor \"%s\" holds %llu bytes, but the transfer is %zu bytes.", t->name,
                    (unsigned long long) ae_tensor_nbytes (t), bytes);
      return false;
    }
  return true;
}

bool
ae_tensor_upload (ae_tensor *t, const void *data, size_t bytes, ae_error *error)
{
  if (!check_transfer (t, bytes, error))
    return false;
  return ae_transfer (t->ctx, t->alloc, t->offset, (void *) data, bytes, true, error);
}

bool
ae_tensor_download (const ae_tensor *t, void *data, size_t bytes, ae_error *error)
{
  if (!check_transfer (t, bytes, error))
    return false;
  return ae_transfer (t->ctx, t->alloc, t->offset, data, bytes, false, error);
}

static bool
check_float (const ae_tensor *t, ae_error *error)
{
  if (t->dtype != AE_F32 && t->dtype != AE_F16 && t->dtype != AE_BF16)
    {
      ae_set_error (error, AE_ERROR_INVALID, "Tensor \"%s\" is %s, not a float tensor.", t->name,
                    ae_dtype_name (t->dtype));
      return false;
    }
  return true;
}

bool
ae_tensor_upload_f32 (ae_tensor *t, const float *data, ae_error *error)
{
  int64_t n = ae_tensor_numel (t);
  bool ok;

  if (!check_float (t, error))
    return false;
  if (t->dtype == AE_F32)
    return ae_tensor_upload (t, data, (size_t) n * 4, error);
  uint16_t *words = malloc ((size_t) n * 2);
  if (words == NULL)
    {
      ae_set_error (error, AE_ERROR_OUT_OF_MEMORY, "No host memory to convert \"%s\".", t->name);
      return false;
    }
  for (int64_t i = 0; i < n; i++)
    words[i] = t->dtype == AE_F16 ? ae_f32_to_f16 (data[i]) : ae_f32_to_bf16 (data[i]);
  ok = ae_tensor_upload (t, words, (size_t) n * 2, error);
  free (words);
  return ok;
}

bool
ae_tensor_download_f32 (const ae_tensor *t, float *data, ae_error *error)
{
  int64_t n = ae_tensor_numel (t);

  if (!check_float (t, error))
    return false;
  if (t->dtype == AE_F32)
    return ae_tensor_download (t, data, (size_t) n * 4, error);
  uint16_t *words = malloc ((size_t) n * 2);
  if (words == NULL)
    {
      ae_set_error (error, AE_ERROR_OUT_OF_MEMORY, "No host memory to convert \"%s\".", t->name);
      return false;
    }
  bool ok = ae_tensor_download (t, words, (size_t) n * 2, error);
  for (int64_t i = 0; ok && i < n; i++)
    data[i] = t->dtype == AE_F16 ? ae_f16_to_f32 (words[i]) : ae_bf16_to_f32 (words[i]);
  free (words);
  return ok;
}
