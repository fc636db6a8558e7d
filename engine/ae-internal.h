/* ae-internal.h: what the engine's own files share; not installed, not for the app.
 *
 * How an op records a kernel (see engine/ops/elementwise.c for a complete one):
 *
 *   ae_dispatch d = {
 *     .shader = "add_f32",                 // a variant from shaders/tables/
 *     .spec = { 64 }, .n_spec = 1,         // specialization constants, ids 0..
 *     .bindings = { out, a, b }, .n_bindings = 3,
 *     .push = &push, .push_size = sizeof push,
 *     .groups = { gx, gy, 1 },
 *   };
 *   if (!ae_stream_dispatch (s, &d, error)) return false;
 *
 * Binding i is the shader's `layout(binding = i)` storage buffer.  A tensor is
 * bound from its byte offset rounded down to the device's alignment; the
 * elements it skips are ae_binding_element_offset (t), which ops put in their
 * push constants when they accept views.  A binding may span at most
 * ae_context_max_binding_range (ctx) bytes: larger tensors are split by the op
 * (ae_split_rows helps) or refused with a clear error by the dispatch.
 */
#pragma once

#include <pthread.h>

#include "ae-engine.h"
#include "ae-vk.h"

#define AE_MAX_BINDINGS 8
#define AE_MAX_SPEC 16
#define AE_MAX_PUSH 128

typedef struct
{
  const char *shader;
  uint32_t spec[AE_MAX_SPEC];
  uint32_t n_spec;
  const ae_tensor *bindings[AE_MAX_BINDINGS];
  uint32_t n_bindings;
  const void *push;
  uint32_t push_size;
  uint32_t groups[3];
  /* Optional: a required subgroup size (VK_EXT_subgroup_size_control), 0 for any. */
  uint32_t subgroup_size;
  /* Optional: flops and bytes of this dispatch, for the profiler. */
  double flops, bytes;
} ae_dispatch;

bool ae_stream_dispatch (ae_stream *s, const ae_dispatch *d, ae_error *error);

/* A temporary tensor for an op's intermediate results, owned by the stream:
 * it is freed only once the work recorded so far has finished (at the next
 * ae_stream_finish, or when the stream is freed), never while queued work may
 * still use its memory. */
ae_tensor *ae_stream_scratch (ae_stream *s, ae_dtype dtype, int ndim, const int64_t *shape, const char *name,
                              ae_error *error);

/* Elements between the aligned binding start and the tensor's first element. */
uint32_t ae_binding_element_offset (const ae_tensor *t);
/* Most bytes one binding may span (the device's maxStorageBufferRange, or less
 * when ALLEGRO_MAX_BINDING_RANGE says so: tests use it to run split paths). */
uint64_t ae_context_max_binding_range (const ae_context *ctx);
/* Rows of `row_bytes` per chunk so that a binding of that many rows, plus the
 * alignment slack, fits the binding range.  At least 1. */
int64_t ae_split_rows (const ae_context *ctx, uint64_t row_bytes);

/* Spreads `total` workgroups over x and y within the device's per-axis limit;
 * shaders rebuild the index as gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x
 * and return when it is >= total. */
void ae_grid_fold (const ae_context *ctx, uint64_t total, uint32_t groups[3]);
/* The per-axis workgroup count limit (ALLEGRO_MAX_WORKGROUPS may lower it for tests). */
uint32_t ae_context_max_workgroups (const ae_context *ctx);

/* Checks used by every op; each fills `error` with a sentence naming the op. */
bool ae_check_dtype (const char *op, const ae_tensor *t, ae_dtype dtype, ae_error *error);
bool ae_check_float (const char *op, const ae_tensor *t, ae_error *error);
bool ae_check_contiguous (const char *op, const ae_tensor *t, ae_error *error);
bool ae_check_same_shape (const char *op, const ae_tensor *a, const ae_tensor *b, ae_error *error);

/* A per-batch vector of `channels` values: [batch, channels], [1, channels]
 * or [channels], of `dtype`, possibly strided; gives its batch and channel
 * strides in elements (batch stride 0 when shared). */
bool ae_check_batch_rows (const char *op, const ae_tensor *v, int64_t batch, int64_t channels, ae_dtype dtype,
                          uint32_t *stride_b, uint32_t *stride_c, ae_error *error);

/* "f32", "f16" or "bf16" as variant names spell them; NULL for other dtypes. */
const char *ae_float_suffix (ae_dtype dtype);

/* The storage code shaders use for a float dtype: 0 f32, 1 f16, 2 bf16. */
uint32_t ae_dtype_code (ae_dtype dtype);

/* Whether the shader table holds a variant, and whether the device can run it. */
bool ae_shader_available (const ae_context *ctx, const char *name);

void ae_log (const ae_context *ctx, ae_log_level level, const char *format, ...) AE_PRINTF (3, 4);

/* Environment variables all begin ALLEGRO_; this reads one (NULL when unset or empty). */
const char *ae_getenv (const char *name);
