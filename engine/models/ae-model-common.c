/* ae-model-common.c: weight loading and stack views for the models. */
#include <stdio.h>
#include <string.h>

#include "ae-model-common.h"

static ae_tensor *
load_weight_va (ae_weight_loader *loader, ae_dtype dtype, int ndim, const int64_t *shape, const char *format,
                va_list args)
{
  char name[256];
  ae_tensor *t;

  if (loader->failed)
    return NULL;
  vsnprintf (name, sizeof name, format, args);
  if (loader->weights == NULL)
    {
      /* Shapes only: what a memory plan needs, without a file or a device. */
      t = calloc (1, sizeof *t);
      t->dtype = dtype;
      t->ndim = ndim;
      int64_t stride = 1;
      for (int i = ndim - 1; i >= 0; i--)
        {
          t->shape[i] = shape[i];
          t->stride[i] = stride;
          stride *= shape[i];
        }
      snprintf (t->name, sizeof t->name, "%.63s", name);
      return t;
    }
  t = ae_weights_upload (loader->ctx, loader->weights, name, dtype, ndim, shape, loader->error);
  if (t == NULL)
    loader->failed = true;
  return t;
}

ae_tensor *
ae_load_weight (ae_weight_loader *loader, ae_dtype dtype, int ndim, const int64_t *shape, const char *format, ...)
{
  va_list args;
  ae_tensor *t;

  va_start (args, format);
  t = load_weight_va (loader, dtype, ndim, shape, format, args);
  va_end (args);
  return t;
}

ae_tensor *
ae_load_vector (ae_weight_loader *loader, int64_t n, const char *format, ...)
{
  va_list args;
  ae_tensor *t;

  va_start (args, format);
  t = load_weight_va (loader, loader->dtype, 1, (int64_t[]){ n }, format, args);
  va_end (args);
  return t;
}

ae_tensor *
ae_load_matrix (ae_weight_loader *loader, int64_t m, int64_t k, const char *format, ...)
{
  va_list args;
  ae_tensor *t;

  va_start (args, format);
  t = load_weight_va (loader, loader->dtype, 2, (int64_t[]){ m, k }, format, args);
  va_end (args);
  return t;
}

ae_tensor
ae_view (const ae_tensor *t, int64_t element_offset, int ndim, const int64_t *shape, const int64_t *stride)
{
  ae_tensor view = *t;

  view.offset = t->offset + (uint64_t) element_offset * ae_dtype_size (t->dtype);
  view.ndim = ndim;
  for (int i = 0; i < AE_MAX_DIMS; i++)
    {
      view.shape[i] = i < ndim ? shape[i] : 0;
      view.stride[i] = i < ndim ? stride[i] : 0;
    }
  return view;
}

ae_tensor
ae_reshape (const ae_tensor *t, int ndim, const int64_t *shape)
{
  int64_t stride[AE_MAX_DIMS];
  int64_t s = 1;

  for (int i = ndim - 1; i >= 0; i--)
    {
      stride[i] = s;
      s *= shape[i];
    }
  return ae_view (t, 0, ndim, shape, stride);
}

void
ae_free_tensors (ae_tensor **tensors, size_t n)
{
  for (size_t i = 0; i < n; i++)
    ae_clear_pointer (&tensors[i], ae_tensor_free);
}

uint64_t
ae_tensors_nbytes (ae_tensor *const *tensors, size_t n)
{
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++)
    if (tensors[i] != NULL)
      total += ae_tensor_nbytes (tensors[i]);
  return total;
}

ae_tensor
ae_heads_view (const ae_tensor *t, int64_t heads)
{
  const int64_t B = t->shape[0], N = t->shape[1], D = t->shape[2], Dh = D / heads;
  return ae_view (t, 0, 4, (int64_t[]){ B, heads, N, Dh }, (int64_t[]){ N * D, Dh, D, 1 });
}
