/* ae-safetensors.h: safetensors checkpoints, memory-mapped and validated.
 *
 * A weight set is one .safetensors file, or a sharded checkpoint described by
 * a "*.safetensors.index.json" (its "weight_map" names the shard of every
 * tensor).  Opening validates every header completely before anything is
 * used: the header length lies inside the file, the header is well-formed
 * JSON, every dtype is known, every shape times the dtype's size equals the
 * tensor's byte range, the ranges lie inside the data and do not overlap.
 * Every failure is an ae_error whose message names the file and what is wrong.
 *
 * Thread-safety: a weight set may be read from several threads; marking
 * tensors as used (ae_weights_upload, ae_weights_take) must not race.
 */
#pragma once

#include "ae-engine.h"

typedef enum
{
  AE_ST_F64,
  AE_ST_F32,
  AE_ST_F16,
  AE_ST_BF16,
  AE_ST_I64,
  AE_ST_I32,
  AE_ST_I16,
  AE_ST_I8,
  AE_ST_U8,
  AE_ST_BOOL,
  AE_ST_N_DTYPES,
} ae_st_dtype;

#define AE_ST_MAX_DIMS 8

typedef struct
{
  const char *name; /* owned by the weight set */
  ae_st_dtype dtype;
  int ndim; /* 0 for a scalar */
  int64_t shape[AE_ST_MAX_DIMS];
  const void *data; /* inside the mapping; little-endian, row-major; may be unaligned */
  uint64_t nbytes;
  const char *file; /* the path of the file that holds it */
} ae_st_tensor;

typedef struct ae_weights ae_weights;

/* Opens PATH: a .safetensors file, a *.safetensors.index.json, or a folder
 * holding exactly one of "*.safetensors.index.json" or "*.safetensors" (the
 * index wins when both are there).  Every shard the index names must exist
 * and hold the tensors the index says it holds. */
ae_weights *ae_weights_open (const char *path, ae_error *error);
void ae_weights_free (ae_weights *weights);

/* What was opened: the index or the single file. */
const char *ae_weights_path (const ae_weights *weights);

size_t ae_weights_count (const ae_weights *weights);
/* Tensors in name order. */
const ae_st_tensor *ae_weights_at (const ae_weights *weights, size_t index);
/* NULL when absent. */
const ae_st_tensor *ae_weights_find (const ae_weights *weights, const char *name);
/* A "__metadata__" string of the file that holds the first tensor, or NULL. */
const char *ae_weights_metadata (const ae_weights *weights, const char *key);

const char *ae_st_dtype_name (ae_st_dtype dtype); /* "F32", "BF16", ... */
size_t ae_st_dtype_size (ae_st_dtype dtype);

/* Looks NAME up, checks that it is a float tensor (F32, F16 or BF16) of
 * exactly the expected shape, and marks it used.  A missing tensor, another
 * shape or dtype fails with a message naming the tensor, the file, and the
 * expected and found shapes. */
const ae_st_tensor *ae_weights_take (ae_weights *weights, const char *name, int ndim, const int64_t *shape,
                                     ae_error *error);

/* Converts a float tensor to f32 on the host (n = its element count).
 * Fails on NaN or infinite values, naming the tensor, the file and the
 * first bad index. */
bool ae_st_tensor_to_f32 (const ae_st_tensor *tensor, float *out, ae_error *error);
/* Converts an integer tensor (I64, I32, I16, I8, U8, BOOL) to i64. */
bool ae_st_tensor_to_i64 (const ae_st_tensor *tensor, int64_t *out, ae_error *error);

/* ae_weights_take, then a new device tensor of DTYPE (f32, f16 or bf16, the
 * precision the kernels use), filled from the file with conversion on the
 * host (round to nearest even), in bounded staging chunks so a 5 GB tensor
 * does not need 5 GB of host memory.  NaN or infinite weights fail. */
ae_tensor *ae_weights_upload (ae_context *ctx, ae_weights *weights, const char *name, ae_dtype dtype, int ndim,
                              const int64_t *shape, ae_error *error);

/* After a model took every tensor it knows: fails when some tensor was never
 * taken, naming the first such tensor and its file ("unexpected tensor"). */
bool ae_weights_check_all_taken (const ae_weights *weights, ae_error *error);
