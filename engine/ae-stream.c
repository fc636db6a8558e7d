/* ae-stream.c: recording dispatches into command buffers and submitting them.
 *
 * A stream records into one of two command buffers; while the GPU runs one,
 * the host records the other.  Every dispatch is followed by one global
 * compute-to-compute memory barrier, and every command buffer starts with a
 * barrier against the work submitted before it (transfers included), which
 * is all the ordering the kernels need.  After AE_DISPATCHES_PER_SUBMIT
 * dispatches the buffer is submitted on its own: that is where a long
 * sequence can be cancelled.
 */
#include "ae-private.h"

#include <stdio.h>
#include <string.h>

#define AE_DISPATCHES_PER_SUBMIT 256

typedef struct
{
  char shader[48];
  uint64_t calls;
  double seconds, flops, bytes;
} ae_profile_entry;

typedef struct
{
  VkCommandBuffer cmd;
  VkFence fence;
  VkQueryPool queries;
  VkDescriptorPool descriptors; /* only without push descriptors */
  bool recording;
  bool pending;
  uint32_t dispatches;
} ae_frame;

struct ae_stream
{
  ae_context *ctx;
  ae_path path;
  atomic_int *cancel;
  VkCommandPool pool;
  ae_frame frames[2];
  uint32_t current;
  double gpu_seconds; /* summed over the submits since the last finish */
  double last_gpu_seconds;
  uint64_t n_dispatches, n_submits;
  bool failed;         /* a device loss: every later call fails */
  ae_tensor **scratch; /* freed once the work using them is done */
  uint32_t n_scratch, cap_scratch;
  /* ALLEGRO_PROFILE: every dispatch waited for and timed, per kernel. */
  bool profile;
  ae_profile_entry *prof;
  uint32_t n_prof, cap_prof;
};

static void
release_scratch (ae_stream *s)
{
  for (uint32_t i = 0; i < s->n_scratch; i++)
    ae_tensor_free (s->scratch[i]);
  s->n_scratch = 0;
}

ae_tensor *
ae_stream_scratch (ae_stream *s, ae_dtype dtype, int ndim, const int64_t *shape, const char *name, ae_error *error)
{
  ae_tensor *t = ae_tensor_new (s->ctx, dtype, ndim, shape, name, error);

  if (t == NULL)
    return NULL;
  if (s->n_scratch == s->cap_scratch)
    {
      s->cap_scratch = s->cap_scratch ? 2 * s->cap_scratch : 16;
      s->scratch = realloc (s->scratch, s->cap_scratch * sizeof *s->scratch);
    }
  s->scratch[s->n_scratch++] = t;
  return t;
}

static void
frame_fini (ae_context *ctx, ae_frame *frame)
{
  if (frame->fence != VK_NULL_HANDLE)
    ctx->vk.vkDestroyFence (ctx->device, frame->fence, NULL);
  if (frame->queries != VK_NULL_HANDLE)
    ctx->vk.vkDestroyQueryPool (ctx->device, frame->queries, NULL);
  if (frame->descriptors != VK_NULL_HANDLE)
    ctx->vk.vkDestroyDescriptorPool (ctx->device, frame->descriptors, NULL);
}

ae_stream *
ae_stream_new (ae_context *ctx, ae_error *error)
{
  ae_stream *s = calloc (1, sizeof *s);
  char name[64];

  s->ctx = ctx;
  s->path = ctx->info.path;
  s->profile = ae_getenv ("ALLEGRO_PROFILE") != NULL;
  VkCommandPoolCreateInfo pool_info = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
    .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
    .queueFamilyIndex = ctx->queue_family,
  };
  AE_VK (error, ctx->vk.vkCreateCommandPool (ctx->device, &pool_info, NULL, &s->pool));
  ae_context_name_object (ctx, VK_OBJECT_TYPE_COMMAND_POOL, (uint64_t) s->pool, "stream command pool");
  for (int i = 0; i < 2; i++)
    {
      ae_frame *frame = &s->frames[i];
      VkCommandBufferAllocateInfo cmd_info = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = s->pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
      };
      AE_VK (error, ctx->vk.vkAllocateCommandBuffers (ctx->device, &cmd_info, &frame->cmd));
      snprintf (name, sizeof name, "stream commands %d", i);
      ae_context_name_object (ctx, VK_OBJECT_TYPE_COMMAND_BUFFER, (uint64_t) (uintptr_t) frame->cmd, name);
      VkFenceCreateInfo fence_info = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
      AE_VK (error, ctx->vk.vkCreateFence (ctx->device, &fence_info, NULL, &frame->fence));
      snprintf (name, sizeof name, "stream fence %d", i);
      ae_context_name_object (ctx, VK_OBJECT_TYPE_FENCE, (uint64_t) frame->fence, name);
      if (ctx->info.timestamps)
        {
          VkQueryPoolCreateInfo query_info = {
            .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
            .queryType = VK_QUERY_TYPE_TIMESTAMP,
            .queryCount = 2,
          };
          AE_VK (error, ctx->vk.vkCreateQueryPool (ctx->device, &query_info, NULL, &frame->queries));
          snprintf (name, sizeof name, "stream timestamps %d", i);
          ae_context_name_object (ctx, VK_OBJECT_TYPE_QUERY_POOL, (uint64_t) frame->queries, name);
        }
      if (ctx->vk.vkCmdPushDescriptorSetKHR == NULL)
        {
          VkDescriptorPoolSize size = {
            .type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
            .descriptorCount = AE_DISPATCHES_PER_SUBMIT * AE_MAX_BINDINGS,
          };
          VkDescriptorPoolCreateInfo pool = {
            .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
            .maxSets = AE_DISPATCHES_PER_SUBMIT,
            .poolSizeCount = 1,
            .pPoolSizes = &size,
          };
          AE_VK (error, ctx->vk.vkCreateDescriptorPool (ctx->device, &pool, NULL, &frame->descriptors));
          snprintf (name, sizeof name, "stream descriptors %d", i);
          ae_context_name_object (ctx, VK_OBJECT_TYPE_DESCRIPTOR_POOL, (uint64_t) frame->descriptors, name);
        }
    }
  return s;
out:
  ae_stream_free (s);
  return NULL;
}

static double
frame_seconds (ae_stream *s, ae_frame *frame)
{
  uint64_t ticks[2];

  if (frame->queries == VK_NULL_HANDLE)
    return 0;
  if (s->ctx->vk.vkGetQueryPoolResults (s->ctx->device, frame->queries, 0, 2, sizeof ticks, ticks, sizeof ticks[0],
                                        VK_QUERY_RESULT_64_BIT)
      != VK_SUCCESS)
    return 0;
  return (double) (ticks[1] - ticks[0]) * s->ctx->info.timestamp_period * 1e-9;
}

/* Waits for a submitted frame and makes it ready to record again. */
static bool
frame_wait (ae_stream *s, ae_frame *frame, ae_error *error)
{
  ae_context *ctx = s->ctx;
  bool ok = false;

  if (!frame->pending)
    return true;
  VkResult result = ctx->vk.vkWaitForFences (ctx->device, 1, &frame->fence, VK_TRUE, UINT64_MAX);
  if (result == VK_ERROR_DEVICE_LOST)
    s->failed = true;
  AE_VK (error, result);
  AE_VK (error, ctx->vk.vkResetFences (ctx->device, 1, &frame->fence));
  s->gpu_seconds += frame_seconds (s, frame);
  frame->pending = false;
  ok = true;
out:
  return ok;
}

static int
by_seconds_desc (const void *a, const void *b)
{
  double x = ((const ae_profile_entry *) a)->seconds, y = ((const ae_profile_entry *) b)->seconds;
  return (x < y) - (x > y);
}

static void
profile_add (ae_stream *s, const ae_dispatch *d, double seconds)
{
  ae_profile_entry *e = NULL;

  for (uint32_t i = 0; i < s->n_prof && e == NULL; i++)
    if (strncmp (s->prof[i].shader, d->shader, sizeof e->shader - 1) == 0)
      e = &s->prof[i];
  if (e == NULL)
    {
      if (s->n_prof == s->cap_prof)
        {
          s->cap_prof = s->cap_prof ? 2 * s->cap_prof : 32;
          s->prof = realloc (s->prof, s->cap_prof * sizeof *s->prof);
        }
      e = &s->prof[s->n_prof++];
      *e = (ae_profile_entry){ 0 };
      snprintf (e->shader, sizeof e->shader, "%s", d->shader);
    }
  e->calls++;
  e->seconds += seconds;
  e->flops += d->flops;
  e->bytes += d->bytes;
}

/* The table ALLEGRO_PROFILE asks for, on stderr: kernels by time spent. */
static void
profile_print (ae_stream *s)
{
  double total = 0;

  if (s->n_prof == 0)
    return;
  qsort (s->prof, s->n_prof, sizeof *s->prof, by_seconds_desc);
  for (uint32_t i = 0; i < s->n_prof; i++)
    total += s->prof[i].seconds;
  fprintf (stderr, "profile of a stream on %s: %llu dispatches, %.3f s, each waited for\n", s->ctx->info.name,
           (unsigned long long) s->n_dispatches, total);
  fprintf (stderr, "  %-34s %7s %9s %9s %6s %9s\n", "kernel", "calls", "total ms", "mean us", "share", "GFLOP/s");
  for (uint32_t i = 0; i < s->n_prof; i++)
    {
      const ae_profile_entry *e = &s->prof[i];
      fprintf (stderr, "  %-34s %7llu %9.2f %9.1f %5.1f%% %9.2f\n", e->shader, (unsigned long long) e->calls,
               1e3 * e->seconds, 1e6 * e->seconds / (double) e->calls, 100.0 * e->seconds / total,
               e->seconds > 0 ? 1e-9 * e->flops / e->seconds : 0.0);
    }
}

void
ae_stream_free (ae_stream *s)
{
  if (s == NULL)
    return;
  profile_print (s);
  free (s->prof);
  for (int i = 0; i < 2; i++)
    {
      if (s->frames[i].pending)
        s->ctx->vk.vkWaitForFences (s->ctx->device, 1, &s->frames[i].fence, VK_TRUE, UINT64_MAX);
      frame_fini (s->ctx, &s->frames[i]);
    }
  release_scratch (s);
  free (s->scratch);
  if (s->pool != VK_NULL_HANDLE)
    s->ctx->vk.vkDestroyCommandPool (s->ctx->device, s->pool, NULL);
  free (s);
}

ae_context *
ae_stream_context (ae_stream *s)
{
  return s->ctx;
}

bool
ae_stream_set_path (ae_stream *s, ae_path path)
{
  if (!ae_path_supported (s->ctx, path))
    return false;
  s->path = path;
  return true;
}

ae_path
ae_stream_path (const ae_stream *s)
{
  return s->path;
}

void
ae_stream_set_cancel (ae_stream *s, atomic_int *flag)
{
  s->cancel = flag;
}

static bool
cancelled (ae_stream *s)
{
  return s->cancel != NULL && atomic_load (s->cancel) != 0;
}

static void
global_barrier (ae_context *ctx, VkCommandBuffer cmd, VkPipelineStageFlags src_stage, VkAccessFlags src_access)
{
  VkMemoryBarrier barrier = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = src_access,
    .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
  };
  ctx->vk.vkCmdPipelineBarrier (cmd, src_stage, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier, 0, NULL, 0, NULL);
}

static bool
frame_begin (ae_stream *s, ae_frame *frame, ae_error *error)
{
  ae_context *ctx = s->ctx;
  bool ok = false;

  if (!frame_wait (s, frame, error))
    return false;
  if (frame->descriptors != VK_NULL_HANDLE)
    AE_VK (error, ctx->vk.vkResetDescriptorPool (ctx->device, frame->descriptors, 0));
  VkCommandBufferBeginInfo begin = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
  };
  AE_VK (error, ctx->vk.vkResetCommandBuffer (frame->cmd, 0));
  AE_VK (error, ctx->vk.vkBeginCommandBuffer (frame->cmd, &begin));
  if (frame->queries != VK_NULL_HANDLE)
    {
      ctx->vk.vkCmdResetQueryPool (frame->cmd, frame->queries, 0, 2);
      ctx->vk.vkCmdWriteTimestamp (frame->cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, frame->queries, 0);
    }
  /* Against earlier submits on the queue: transfers and other streams' work. */
  global_barrier (ctx, frame->cmd, VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                  VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_SHADER_WRITE_BIT);
  frame->recording = true;
  frame->dispatches = 0;
  ok = true;
out:
  return ok;
}

/* Drops what is recorded, after a cancel or an error. */
static void
frame_abandon (ae_stream *s, ae_frame *frame)
{
  if (frame->recording)
    {
      s->ctx->vk.vkEndCommandBuffer (frame->cmd);
      s->ctx->vk.vkResetCommandBuffer (frame->cmd, 0);
      frame->recording = false;
    }
}

static bool
check_cancel (ae_stream *s, ae_error *error)
{
  if (s->failed)
    {
      ae_set_error (error, AE_ERROR_DEVICE_LOST, "The GPU was lost earlier in this stream; restart the job.");
      return false;
    }
  if (!cancelled (s))
    return true;
  frame_abandon (s, &s->frames[s->current]);
  for (int i = 0; i < 2; i++)
    frame_wait (s, &s->frames[i], NULL);
  release_scratch (s);
  ae_set_error (error, AE_ERROR_CANCELLED, "Cancelled.");
  return false;
}

bool
ae_stream_flush (ae_stream *s, ae_error *error)
{
  ae_context *ctx = s->ctx;
  ae_frame *frame = &s->frames[s->current];
  bool ok = false;

  if (!check_cancel (s, error))
    return false;
  if (!frame->recording)
    return true;
  if (frame->queries != VK_NULL_HANDLE)
    ctx->vk.vkCmdWriteTimestamp (frame->cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, frame->queries, 1);
  frame->recording = false;
  AE_VK (error, ctx->vk.vkEndCommandBuffer (frame->cmd));
  VkSubmitInfo submit = {
    .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
    .commandBufferCount = 1,
    .pCommandBuffers = &frame->cmd,
  };
  pthread_mutex_lock (&ctx->queue_lock);
  VkResult result = ctx->vk.vkQueueSubmit (ctx->queue, 1, &submit, frame->fence);
  pthread_mutex_unlock (&ctx->queue_lock);
  if (result == VK_ERROR_DEVICE_LOST)
    s->failed = true;
  AE_VK (error, result);
  frame->pending = true;
  s->n_submits++;
  s->current ^= 1;
  ok = true;
out:
  return ok;
}

bool
ae_stream_finish (ae_stream *s, ae_error *error)
{
  if (!ae_stream_flush (s, error))
    return false;
  /* Older frame first: the one after current was submitted earlier. */
  for (int i = 1; i <= 2; i++)
    if (!frame_wait (s, &s->frames[(s->current + i) & 1], error))
      return false;
  s->last_gpu_seconds = s->gpu_seconds;
  s->gpu_seconds = 0;
  release_scratch (s);
  return true;
}

double
ae_stream_last_gpu_seconds (const ae_stream *s)
{
  return s->last_gpu_seconds;
}

uint64_t
ae_stream_dispatch_count (const ae_stream *s)
{
  return s->n_dispatches;
}

uint64_t
ae_stream_submit_count (const ae_stream *s)
{
  return s->n_submits;
}

static uint64_t
binding_base (const ae_tensor *t)
{
  return t->alloc->offset + t->offset;
}

uint32_t
ae_binding_element_offset (const ae_tensor *t)
{
  uint64_t base = binding_base (t);
  uint64_t align = t->ctx->info.min_storage_offset_alignment ? t->ctx->info.min_storage_offset_alignment : 1;
  return (uint32_t) ((base % align) / ae_dtype_size (t->dtype));
}

/* Bytes from the first to one past the last element the tensor can reach. */
static uint64_t
tensor_extent (const ae_tensor *t)
{
  int64_t last = 0;
  for (int i = 0; i < t->ndim; i++)
    last += (t->shape[i] - 1) * t->stride[i];
  return (uint64_t) (last + 1) * ae_dtype_size (t->dtype);
}

bool
ae_stream_dispatch (ae_stream *s, const ae_dispatch *d, ae_error *error)
{
  ae_context *ctx = s->ctx;
  VkDescriptorBufferInfo buffers[AE_MAX_BINDINGS];
  VkWriteDescriptorSet writes[AE_MAX_BINDINGS];
  uint64_t align = ctx->info.min_storage_offset_alignment ? ctx->info.min_storage_offset_alignment : 1;
  ae_frame *frame;
  char describe[96];

  if (!check_cancel (s, error))
    return false;
  if (d->n_bindings > AE_MAX_BINDINGS || d->push_size > AE_MAX_PUSH || d->n_spec > AE_MAX_SPEC)
    {
      ae_set_error (error, AE_ERROR_INVALID, "Kernel \"%s\": too many bindings, spec constants or push bytes.",
                    d->shader);
      return false;
    }
  for (int i = 0; i < 3; i++)
    if (d->groups[i] == 0 || d->groups[i] > ctx->max_workgroups)
      {
        ae_set_error (error, AE_ERROR_INVALID,
                      "Kernel \"%s\" asks for %u workgroups along axis %d; the device allows 1 to %u "
                      "(the op must split the dispatch).",
                      d->shader, d->groups[i], i, ctx->max_workgroups);
        return false;
      }
  for (uint32_t i = 0; i < d->n_bindings; i++)
    {
      const ae_tensor *t = d->bindings[i];
      if (t == NULL || t->ctx != ctx)
        {
          ae_set_error (error, AE_ERROR_INVALID, "Kernel \"%s\": binding %u is %s.", d->shader, i,
                        t == NULL ? "missing" : "a tensor of another context");
          return false;
        }
      uint64_t base = binding_base (t);
      uint64_t start = base - base % align;
      uint64_t range = AE_ALIGN_UP (base - start + tensor_extent (t), 16);
      if (start + range > t->alloc->block->size)
        range = t->alloc->block->size - start;
      if (range > ctx->max_binding_range)
        {
          ae_set_error (error, AE_ERROR_INVALID,
                        "Kernel \"%s\": tensor \"%s\" (%s) spans %llu bytes, past the device's storage "
                        "buffer range of %llu bytes; the op must split it.",
                        d->shader, t->name, ae_tensor_describe (t, describe, sizeof describe),
                        (unsigned long long) range, (unsigned long long) ctx->max_binding_range);
          return false;
        }
      buffers[i] = (VkDescriptorBufferInfo){ t->alloc->block->buffer, start, range };
      writes[i] = (VkWriteDescriptorSet){
        .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
        .dstBinding = i,
        .descriptorCount = 1,
        .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .pBufferInfo = &buffers[i],
      };
    }

  VkPipeline pipeline = ae_pipeline_get (ctx, d, error);
  if (pipeline == VK_NULL_HANDLE)
    return false;
  /* In profile mode every dispatch ends waited for: nothing is in flight here. */
  const double started = s->profile ? ae_monotonic_seconds () : 0;

  frame = &s->frames[s->current];
  if (!frame->recording && !frame_begin (s, frame, error))
    return false;

  ctx->vk.vkCmdBindPipeline (frame->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
  if (d->n_bindings > 0)
    {
      if (ctx->vk.vkCmdPushDescriptorSetKHR != NULL)
        ctx->vk.vkCmdPushDescriptorSetKHR (frame->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, ctx->pipeline_layout, 0,
                                           d->n_bindings, writes);
      else
        {
          VkDescriptorSet set;
          VkDescriptorSetAllocateInfo alloc_info = {
            .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
            .descriptorPool = frame->descriptors,
            .descriptorSetCount = 1,
            .pSetLayouts = &ctx->set_layout,
          };
          VkResult result = ctx->vk.vkAllocateDescriptorSets (ctx->device, &alloc_info, &set);
          if (result != VK_SUCCESS)
            {
              ae_vk_set_error (error, result, "vkAllocateDescriptorSets", __FILE__, __LINE__);
              frame_abandon (s, frame);
              return false;
            }
          for (uint32_t i = 0; i < d->n_bindings; i++)
            writes[i].dstSet = set;
          ctx->vk.vkUpdateDescriptorSets (ctx->device, d->n_bindings, writes, 0, NULL);
          ctx->vk.vkCmdBindDescriptorSets (frame->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, ctx->pipeline_layout, 0, 1, &set,
                                           0, NULL);
        }
    }
  if (d->push_size > 0)
    ctx->vk.vkCmdPushConstants (frame->cmd, ctx->pipeline_layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, d->push_size,
                                d->push);
  ctx->vk.vkCmdDispatch (frame->cmd, d->groups[0], d->groups[1], d->groups[2]);
  global_barrier (ctx, frame->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT);
  frame->dispatches++;
  s->n_dispatches++;
  if (s->profile)
    {
      if (!ae_stream_flush (s, error))
        return false;
      for (int i = 0; i < 2; i++)
        if (!frame_wait (s, &s->frames[i], error))
          return false;
      profile_add (s, d, ae_monotonic_seconds () - started);
      return true;
    }
  if (frame->dispatches >= AE_DISPATCHES_PER_SUBMIT)
    return ae_stream_flush (s, error);
  return true;
}

/* ---- checks shared by ops ---- */

bool
ae_check_dtype (const char *op, const ae_tensor *t, ae_dtype dtype, ae_error *error)
{
  if (t->dtype == dtype)
    return true;
  ae_set_error (error, AE_ERROR_INVALID, "%s: tensor \"%s\" is %s; %s is needed.", op, t->name,
                ae_dtype_name (t->dtype), ae_dtype_name (dtype));
  return false;
}

bool
ae_check_float (const char *op, const ae_tensor *t, ae_error *error)
{
  if (t->dtype == AE_F32 || t->dtype == AE_F16 || t->dtype == AE_BF16)
    return true;
  ae_set_error (error, AE_ERROR_INVALID, "%s: tensor \"%s\" is %s; f32, f16 or bf16 is needed.", op, t->name,
                ae_dtype_name (t->dtype));
  return false;
}

bool
ae_check_contiguous (const char *op, const ae_tensor *t, ae_error *error)
{
  if (ae_tensor_is_contiguous (t))
    return true;
  ae_set_error (error, AE_ERROR_INVALID, "%s: tensor \"%s\" must be contiguous.", op, t->name);
  return false;
}

bool
ae_check_same_shape (const char *op, const ae_tensor *a, const ae_tensor *b, ae_error *error)
{
  char da[96], db[96];

  if (ae_tensor_same_shape (a, b))
    return true;
  ae_set_error (error, AE_ERROR_INVALID, "%s: \"%s\" is %s but \"%s\" is %s.", op, a->name,
                ae_tensor_describe (a, da, sizeof da), b->name, ae_tensor_describe (b, db, sizeof db));
  return false;
}

uint32_t
ae_dtype_code (ae_dtype dtype)
{
  switch (dtype)
    {
    case AE_F16:
      return 1;
    case AE_BF16:
      return 2;
    default:
      return 0;
    }
}

/* A per-batch row of channels ([B, C], [1, C] or [C], possibly a strided
 * view such as one row of the DiT's modulation table): its strides in
 * elements, batch stride 0 when it is shared. */
bool
ae_check_batch_rows (const char *op, const ae_tensor *v, int64_t batch, int64_t channels, ae_dtype dtype,
                     uint32_t *stride_b, uint32_t *stride_c, ae_error *error)
{
  char dv[96];
  bool ok;

  if (v == NULL)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: a per-batch row is missing.", op);
      return false;
    }
  if (!ae_check_dtype (op, v, dtype, error))
    return false;
  if (v->ndim == 1)
    ok = v->shape[0] == channels;
  else
    ok = v->ndim == 2 && v->shape[1] == channels && (v->shape[0] == batch || v->shape[0] == 1);
  if (!ok)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: \"%s\" is %s; [%lld, %lld], [1, %lld] or [%lld] is needed.", op,
                    v->name, ae_tensor_describe (v, dv, sizeof dv), (long long) batch, (long long) channels,
                    (long long) channels, (long long) channels);
      return false;
    }
  int64_t sb = v->ndim == 2 && v->shape[0] > 1 ? v->stride[0] : 0;
  int64_t sc = v->stride[v->ndim - 1];
  if ((batch - 1) * sb + (channels - 1) * sc >= (int64_t) UINT32_MAX / 2)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: the strides of \"%s\" are too large.", op, v->name);
      return false;
    }
  *stride_b = (uint32_t) sb;
  *stride_c = (uint32_t) sc;
  return true;
}

const char *
ae_float_suffix (ae_dtype dtype)
{
  switch (dtype)
    {
    case AE_F32:
      return "f32";
    case AE_F16:
      return "f16";
    case AE_BF16:
      return "bf16";
    default:
      return NULL;
    }
}
