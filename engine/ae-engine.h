/* ae-engine.h: the engine's public API.
 *
 * Three objects:
 *  - ae_context: one Vulkan device, its memory arena, pipelines and queue.
 *    Thread-safe: tensors may be created and streams run from several threads.
 *  - ae_tensor: up to 5-D, with strides and views, in device memory.
 *    A tensor is not thread-safe; its data must not be used by two streams at once.
 *  - ae_stream: records many dispatches into one submit, with barriers.
 *    A stream belongs to one thread at a time.
 *
 * Kernels are recorded with the ae_op_* functions of ae-ops.h.
 */
#pragma once

#include <stdatomic.h>

#include "ae-common.h"

typedef struct ae_context ae_context;
typedef struct ae_tensor ae_tensor;
typedef struct ae_stream ae_stream;
typedef struct ae_allocation ae_allocation;

#define AE_MAX_DIMS 5

/* Which family of kernels a device gets.  Chosen once per device, overridden
 * by ALLEGRO_KERNELS=lvp|tiled|nv_cm, and per stream (tests run every one). */
typedef enum
{
  AE_PATH_LVP,   /* CPU drivers (lavapipe): no shared memory, one 8-wide subgroup */
  AE_PATH_TILED, /* shared-memory tiles: any GPU */
  AE_PATH_NV_CM, /* VK_NV_cooperative_matrix: NVIDIA tensor cores */
  AE_N_PATHS,
} ae_path;

const char *ae_path_name (ae_path path);

typedef enum
{
  AE_DEVICE_OTHER,
  AE_DEVICE_INTEGRATED,
  AE_DEVICE_DISCRETE,
  AE_DEVICE_VIRTUAL,
  AE_DEVICE_CPU,
} ae_device_type;

typedef struct
{
  uint64_t size;
  uint64_t budget; /* VK_EXT_memory_budget where present, else size */
  uint64_t usage;  /* what the whole system uses now, where reported */
  bool device_local;
} ae_memory_heap;

typedef struct
{
  uint32_t m, n, k;
} ae_coopmat_shape;

/* What we know of one physical device: filled by ae_list_devices and kept in
 * the context for the chosen one. */
typedef struct
{
  uint32_t index;
  char name[256];
  ae_device_type type;
  uint32_t vendor_id, device_id;
  char driver_name[256];
  char driver_info[256];
  uint32_t api_version;
  uint32_t driver_version;
  ae_memory_heap heaps[16];
  uint32_t n_heaps;
  bool has_memory_budget;
  uint32_t subgroup_size, min_subgroup_size, max_subgroup_size;
  bool subgroup_size_control;
  bool fp16;                           /* shaderFloat16 */
  bool storage16;                      /* storageBuffer16BitAccess */
  bool int8;                           /* shaderInt8 */
  bool storage8;                       /* storageBuffer8BitAccess */
  bool nv_coopmat;                     /* VK_NV_cooperative_matrix with fp16 x fp16 -> fp32 */
  bool khr_coopmat;                    /* VK_KHR_cooperative_matrix with fp16 x fp16 -> fp32 */
  ae_coopmat_shape coopmat_shapes[16]; /* fp16 in, fp32 accumulate, subgroup scope */
  uint32_t n_coopmat_shapes;
  bool push_descriptor;
  bool timestamps;
  float timestamp_period;     /* ns per tick */
  uint32_t max_shared_memory; /* bytes per workgroup */
  uint32_t max_workgroup_invocations;
  uint32_t max_workgroup_count[3];
  uint64_t max_storage_buffer_range;
  uint64_t max_allocation_size;
  uint32_t min_storage_offset_alignment;
  uint32_t max_push_constants;
  uint32_t sm_count; /* VK_NV_shader_sm_builtins where present, else 0 */
  ae_path path;      /* the kernels the engine will use on it */
} ae_device_info;

typedef struct
{
  ae_log_func log; /* optional; messages go nowhere without it */
  void *log_user_data;
  const char *device;             /* index or name substring; NULL: ALLEGRO_DEVICE, then the best */
  bool validation;                /* Khronos validation layer; also ALLEGRO_VALIDATION=1 */
  const char *pipeline_cache_dir; /* NULL: $XDG_CACHE_HOME/allegro-studio; "" for none */
} ae_context_params;

/* Lists every Vulkan device.  Returns false (with AE_ERROR_NO_DRIVER or
 * AE_ERROR_NO_DEVICE and a message saying what to install) when there is none.
 * *out is malloc'ed; free it with free(). */
bool ae_list_devices (ae_device_info **out, uint32_t *n_out, ae_error *error);

ae_context *ae_context_new (const ae_context_params *params, ae_error *error);
void ae_context_free (ae_context *ctx);
const ae_device_info *ae_context_device (const ae_context *ctx);

/* Memory totals of the arena, in bytes: what tensors hold now, the most they
 * ever held, and what the arena has taken from the driver. */
typedef struct
{
  uint64_t live;
  uint64_t peak;
  uint64_t reserved;
  uint64_t budget; /* the most the engine will ask the device for */
} ae_memory_stats;

void ae_context_memory_stats (ae_context *ctx, ae_memory_stats *out);
void ae_context_reset_peak (ae_context *ctx);
/* Overrides the budget (bytes); 0 restores the device's.  For tests and plans. */
void ae_context_set_budget (ae_context *ctx, uint64_t bytes);

/* ---- tensors ---- */

struct ae_tensor
{
  ae_context *ctx;
  ae_allocation *alloc; /* shared by views; refcounted */
  uint64_t offset;      /* bytes from the allocation's start */
  ae_dtype dtype;
  int ndim;
  int64_t shape[AE_MAX_DIMS];
  int64_t stride[AE_MAX_DIMS]; /* in elements */
  char name[64];
};

/* A new contiguous tensor in device memory, contents undefined.  Fails with
 * AE_ERROR_OUT_OF_MEMORY (a sentence naming the sizes) past the budget. */
ae_tensor *ae_tensor_new (ae_context *ctx, ae_dtype dtype, int ndim, const int64_t *shape, const char *name,
                          ae_error *error);
/* A view sharing t's memory: offset in elements, shape and strides given. */
ae_tensor *ae_tensor_view (const ae_tensor *t, int64_t element_offset, int ndim, const int64_t *shape,
                           const int64_t *stride, const char *name, ae_error *error);
void ae_tensor_free (ae_tensor *t);

int64_t ae_tensor_numel (const ae_tensor *t);
uint64_t ae_tensor_nbytes (const ae_tensor *t); /* numel x dtype size */
bool ae_tensor_is_contiguous (const ae_tensor *t);
/* "f32[2, 3, 4]" into buf. */
const char *ae_tensor_describe (const ae_tensor *t, char *buf, size_t size);
/* True when shapes are equal (ndim and every dimension). */
bool ae_tensor_same_shape (const ae_tensor *a, const ae_tensor *b);

/* Synchronous copies between host memory and a contiguous tensor, in the
 * tensor's own dtype (bytes must equal ae_tensor_nbytes). */
bool ae_tensor_upload (ae_tensor *t, const void *data, size_t bytes, ae_error *error);
bool ae_tensor_download (const ae_tensor *t, void *data, size_t bytes, ae_error *error);
/* Conversions on the host: floats in, stored as the tensor's float dtype, and back. */
bool ae_tensor_upload_f32 (ae_tensor *t, const float *data, ae_error *error);
bool ae_tensor_download_f32 (const ae_tensor *t, float *data, ae_error *error);

/* ---- streams ---- */

ae_stream *ae_stream_new (ae_context *ctx, ae_error *error);
void ae_stream_free (ae_stream *s);
ae_context *ae_stream_context (ae_stream *s);

/* Kernels for this stream; defaults to the device's path.  Returns false when
 * the device cannot run that path (tests then skip it). */
bool ae_stream_set_path (ae_stream *s, ae_path path);
ae_path ae_stream_path (const ae_stream *s);
bool ae_path_supported (const ae_context *ctx, ae_path path);

/* The flag is read before every submit; once it is non-zero the stream stops,
 * drops what is recorded and every call returns AE_ERROR_CANCELLED. */
void ae_stream_set_cancel (ae_stream *s, atomic_int *flag);

/* Submits what is recorded (without waiting).  Long sequences are also
 * submitted every few hundred dispatches, so cancellation takes effect between
 * submits. */
bool ae_stream_flush (ae_stream *s, ae_error *error);
/* Submits and waits for everything recorded. */
bool ae_stream_finish (ae_stream *s, ae_error *error);

/* GPU time of the work between the last two finishes, from timestamps
 * (0 when the device has none). */
double ae_stream_last_gpu_seconds (const ae_stream *s);
/* Dispatches recorded since the stream was made. */
uint64_t ae_stream_dispatch_count (const ae_stream *s);
/* Submits made since the stream was made. */
uint64_t ae_stream_submit_count (const ae_stream *s);
