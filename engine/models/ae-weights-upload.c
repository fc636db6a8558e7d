/* ae-weights-upload.c: weights from a mapped file into device tensors.
 *
 * Conversion happens on the host in bounded chunks: a 5 GB tensor goes up
 * through a 16 MB staging buffer, one view of the device tensor at a time.
 */
#include "ae-safetensors-private.h"

#include <stdio.h>
#include <string.h>

/* Elements per staging chunk: 16 MB of f32. */
#define CHUNK_ELEMENTS (INT64_C (4) << 20)

ae_tensor *
ae_weights_upload (ae_context *ctx, ae_weights *weights, const char *name, ae_dtype dtype, int ndim,
                   const int64_t *shape, ae_error *error)
{
  const ae_st_tensor *st;
  ae_tensor *tensor = NULL;
  void *staging = NULL;
  int64_t n, chunk, scalar_shape[1] = { 1 };
  size_t esize = ae_dtype_size (dtype);

  if (dtype != AE_F32 && dtype != AE_F16 && dtype != AE_BF16)
    {
      ae_set_error (error, AE_ERROR_INVALID, "Tensor \"%s\" cannot be uploaded as %s; use f32, f16 or bf16.", name,
                    ae_dtype_name (dtype));
      return NULL;
    }
  st = ae_weights_take (weights, name, ndim, shape, error);
  if (st == NULL)
    return NULL;
  n = (int64_t) ae_st_tensor_numel (st);
  /* A scalar becomes a one-element tensor on the device. */
  if (ndim == 0)
    tensor = ae_tensor_new (ctx, dtype, 1, scalar_shape, name, error);
  else
    tensor = ae_tensor_new (ctx, dtype, ndim, shape, name, error);
  if (tensor == NULL)
    return NULL;

  chunk = AE_MIN (n, CHUNK_ELEMENTS);
  staging = malloc ((size_t) chunk * esize);
  if (staging == NULL)
    {
      ae_set_error (error, AE_ERROR_OUT_OF_MEMORY, "No host memory to stage \"%s\" from %s.", name, st->file);
      goto fail;
    }
  for (int64_t first = 0; first < n; first += chunk)
    {
      int64_t count = AE_MIN (chunk, n - first), one = 1;
      bool ok;

      if (!ae_st_convert_range (st, (uint64_t) first, (uint64_t) count, dtype, staging, error))
        goto fail;
      if (count == n)
        ok = ae_tensor_upload (tensor, staging, (size_t) count * esize, error);
      else
        {
          ae_tensor *view = ae_tensor_view (tensor, first, 1, &count, &one, NULL, error);
          if (view == NULL)
            goto fail;
          ok = ae_tensor_upload (view, staging, (size_t) count * esize, error);
          ae_tensor_free (view);
        }
      if (!ok)
        goto fail;
    }
  free (staging);
  return tensor;

fail:
  free (staging);
  ae_tensor_free (tensor);
  return NULL;
}
