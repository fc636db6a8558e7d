/* ae-model-common.h: what the model files (T5, DiT, VAE) share: loading
 * weights by name with checked shapes, and views made on the stack. */
#pragma once

#include "ae-internal.h"
#include "ae-ops.h"
#include "ae-safetensors.h"

/* Loads many tensors of one weight set (or, with weights NULL, makes
 * shape-only tensors without memory, for memory plans); the first failure is kept and every
 * later call returns NULL at once, so a model's loader reads as a list. */
typedef struct
{
  ae_context *ctx;
  ae_weights *weights;
  ae_dtype dtype; /* of matrices; norms, biases and tables follow it too */
  bool failed;
  ae_error *error;
} ae_weight_loader;

/* The tensor NAME (printf-style) of exactly the given shape, uploaded as
 * DTYPE.  Shapes are up to 5-D; ndim 0 is not allowed. */
ae_tensor *ae_load_weight (ae_weight_loader *loader, ae_dtype dtype, int ndim, const int64_t *shape, const char *format,
                           ...) AE_PRINTF (5, 6);

/* Shorthands: a [n] vector and an [m, k] matrix in the loader's dtype. */
ae_tensor *ae_load_vector (ae_weight_loader *loader, int64_t n, const char *format, ...) AE_PRINTF (3, 4);
ae_tensor *ae_load_matrix (ae_weight_loader *loader, int64_t m, int64_t k, const char *format, ...) AE_PRINTF (4, 5);

/* A view of t by value, sharing its memory; valid while t lives.  Ops copy
 * what they need when they record, so such views never need freeing. */
ae_tensor ae_view (const ae_tensor *t, int64_t element_offset, int ndim, const int64_t *shape, const int64_t *stride);
/* t with another shape of the same element count (t contiguous). */
ae_tensor ae_reshape (const ae_tensor *t, int ndim, const int64_t *shape);

/* Frees each non-NULL tensor of the array and clears it. */
void ae_free_tensors (ae_tensor **tensors, size_t n);
/* Bytes the non-NULL tensors of the array hold. */
uint64_t ae_tensors_nbytes (ae_tensor *const *tensors, size_t n);

/* [B, N, H * Dh] as the attention op's [B, H, N, Dh] (a strided view). */
ae_tensor ae_heads_view (const ae_tensor *t, int64_t heads);

/* Returns false from the calling function when x is false (the error is
 * already set by the call). */
#define AE_TRY(x)                                                                                                      \
  do                                                                                                                   \
    {                                                                                                                  \
      if (!(x))                                                                                                        \
        return false;                                                                                                  \
    }                                                                                                                  \
  while (0)
