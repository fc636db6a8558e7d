/* ae-memory.c: the arena (large device blocks, sub-allocated) and host transfers.
 *
 * Tensors come from a few large VkDeviceMemory blocks, each bound to one
 * VkBuffer, so binding a tensor is (block buffer, offset).  Free space in a
 * block is a sorted, coalesced list of ranges; first fit.  A request beyond
 * the budget fails here, with sizes in the message, before the driver is asked.
 */
#include "ae-private.h"

#include <stdio.h>
#include <string.h>

#define AE_ALLOC_ALIGN 256u
#define AE_DEFAULT_BLOCK (256ull << 20)
#define AE_STAGING_SIZE (64ull << 20)
#define MIB(x) ((double) (x) / (1024.0 * 1024.0))

static uint64_t
device_budget (ae_context *ctx)
{
  uint64_t budget = 0;
  /* The largest device-local heap: what the chosen memory type lives in. */
  for (uint32_t i = 0; i < ctx->info.n_heaps; i++)
    if (ctx->info.heaps[i].device_local && ctx->info.heaps[i].budget > budget)
      budget = ctx->info.heaps[i].budget;
  if (budget == 0 && ctx->info.n_heaps > 0)
    budget = ctx->info.heaps[0].budget;
  /* Without VK_EXT_memory_budget the heap size is all we know; leave room for
   * the rest of the system. */
  if (!ctx->info.has_memory_budget)
    budget = budget / 10 * 9;
  return budget;
}

bool
ae_arena_init (ae_context *ctx, ae_error *error)
{
  VkPhysicalDeviceMemoryProperties props;
  int best = -1;

  ctx->vk.vkGetPhysicalDeviceMemoryProperties (ctx->physical, &props);
  for (uint32_t i = 0; i < props.memoryTypeCount; i++)
    {
      VkMemoryPropertyFlags flags = props.memoryTypes[i].propertyFlags;
      if (!(flags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT))
        continue;
      /* On unified-memory devices (lavapipe, integrated GPUs) a device-local
       * type is also host-visible: prefer it, uploads are then a memcpy. */
      if (best < 0
          || ((flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)
              && !(props.memoryTypes[best].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)
              && ctx->info.type != AE_DEVICE_DISCRETE))
        best = (int) i;
    }
  if (best < 0)
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED, "The Vulkan device \"%s\" has no device-local memory type.",
                    ctx->info.name);
      return false;
    }
  ctx->memory_type = (uint32_t) best;
  ctx->host_visible = (props.memoryTypes[best].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) != 0;
  ctx->host_coherent = (props.memoryTypes[best].propertyFlags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) != 0;
  ctx->device_budget = device_budget (ctx);
  ctx->block_size = AE_DEFAULT_BLOCK;
  if (ctx->info.max_allocation_size != 0 && ctx->block_size > ctx->info.max_allocation_size)
    ctx->block_size = ctx->info.max_allocation_size;
  return true;
}

static void
block_free (ae_context *ctx, ae_block *block)
{
  if (block->mapped != NULL)
    ctx->vk.vkUnmapMemory (ctx->device, block->memory);
  if (block->buffer != VK_NULL_HANDLE)
    ctx->vk.vkDestroyBuffer (ctx->device, block->buffer, NULL);
  if (block->memory != VK_NULL_HANDLE)
    ctx->vk.vkFreeMemory (ctx->device, block->memory, NULL);
  free (block->free);
  free (block);
}

void
ae_arena_fini (ae_context *ctx)
{
  for (uint32_t i = 0; i < ctx->n_blocks; i++)
    block_free (ctx, ctx->blocks[i]);
  free (ctx->blocks);
  ctx->blocks = NULL;
  ctx->n_blocks = 0;
}

static uint64_t
current_budget (ae_context *ctx)
{
  if (ctx->budget_override != 0)
    return ctx->budget_override;
  return ctx->device_budget;
}

static ae_block *
block_new (ae_context *ctx, uint64_t size, ae_error *error)
{
  ae_block *block = calloc (1, sizeof *block);
  char name[64];

  block->size = size;
  block->serial = ctx->block_serial++;
  VkBufferCreateInfo buffer_info = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
    .size = size,
    .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
    .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
  };
  AE_VK (error, ctx->vk.vkCreateBuffer (ctx->device, &buffer_info, NULL, &block->buffer));
  VkMemoryRequirements requirements;
  ctx->vk.vkGetBufferMemoryRequirements (ctx->device, block->buffer, &requirements);
  if (!(requirements.memoryTypeBits & (1u << ctx->memory_type)))
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED, "Storage buffers cannot use the device-local memory type on \"%s\".",
                    ctx->info.name);
      goto out;
    }
  VkMemoryAllocateInfo alloc_info = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
    .allocationSize = requirements.size,
    .memoryTypeIndex = ctx->memory_type,
  };
  AE_VK (error, ctx->vk.vkAllocateMemory (ctx->device, &alloc_info, NULL, &block->memory));
  AE_VK (error, ctx->vk.vkBindBufferMemory (ctx->device, block->buffer, block->memory, 0));
  if (ctx->host_visible)
    AE_VK (error, ctx->vk.vkMapMemory (ctx->device, block->memory, 0, VK_WHOLE_SIZE, 0, &block->mapped));
  snprintf (name, sizeof name, "arena block %u (%.0f MiB)", block->serial, MIB (size));
  ae_context_name_object (ctx, VK_OBJECT_TYPE_BUFFER, (uint64_t) block->buffer, name);
  ae_context_name_object (ctx, VK_OBJECT_TYPE_DEVICE_MEMORY, (uint64_t) block->memory, name);
  block->cap_free = 16;
  block->free = calloc (block->cap_free, sizeof *block->free);
  block->free[0] = (ae_free_range){ 0, size };
  block->n_free = 1;
  return block;
out:
  block_free (ctx, block);
  return NULL;
}

static bool
block_take (ae_block *block, uint64_t size, uint64_t *offset)
{
  for (uint32_t i = 0; i < block->n_free; i++)
    {
      ae_free_range *range = &block->free[i];
      if (range->size < size)
        continue;
      *offset = range->offset;
      range->offset += size;
      range->size -= size;
      if (range->size == 0)
        {
          memmove (range, range + 1, (block->n_free - i - 1) * sizeof *range);
          block->n_free--;
        }
      block->used += size;
      return true;
    }
  return false;
}

static void
block_give (ae_block *block, uint64_t offset, uint64_t size)
{
  uint32_t i = 0;

  while (i < block->n_free && block->free[i].offset < offset)
    i++;
  bool merge_prev = i > 0 && block->free[i - 1].offset + block->free[i - 1].size == offset;
  bool merge_next = i < block->n_free && offset + size == block->free[i].offset;
  if (merge_prev && merge_next)
    {
      block->free[i - 1].size += size + block->free[i].size;
      memmove (&block->free[i], &block->free[i + 1], (block->n_free - i - 1) * sizeof *block->free);
      block->n_free--;
    }
  else if (merge_prev)
    block->free[i - 1].size += size;
  else if (merge_next)
    {
      block->free[i].offset = offset;
      block->free[i].size += size;
    }
  else
    {
      if (block->n_free == block->cap_free)
        {
          block->cap_free *= 2;
          block->free = realloc (block->free, block->cap_free * sizeof *block->free);
        }
      memmove (&block->free[i + 1], &block->free[i], (block->n_free - i) * sizeof *block->free);
      block->free[i] = (ae_free_range){ offset, size };
      block->n_free++;
    }
  block->used -= size;
}

ae_allocation *
ae_arena_alloc (ae_context *ctx, uint64_t size, const char *name, ae_error *error)
{
  ae_allocation *a = NULL;
  uint64_t rounded = AE_ALIGN_UP (AE_MAX (size, 1), AE_ALLOC_ALIGN);
  uint64_t offset = 0;

  pthread_mutex_lock (&ctx->arena_lock);
  /* The budget bounds what tensors hold as well as what blocks reserve. */
  if (ctx->live + rounded > current_budget (ctx))
    {
      ae_set_error (error, AE_ERROR_OUT_OF_MEMORY,
                    "Out of GPU memory: tensor \"%s\" needs %.1f MiB, but live tensors already hold %.1f MiB of the "
                    "%.1f MiB budget on \"%s\". Choose a smaller size or fewer frames, or close other programs "
                    "using the GPU.",
                    name, MIB (size), MIB (ctx->live), MIB (current_budget (ctx)), ctx->info.name);
      goto out;
    }
  for (uint32_t i = 0; i < ctx->n_blocks && a == NULL; i++)
    if (ctx->blocks[i]->size - ctx->blocks[i]->used >= rounded && block_take (ctx->blocks[i], rounded, &offset))
      {
        a = calloc (1, sizeof *a);
        a->block = ctx->blocks[i];
      }
  if (a == NULL)
    {
      uint64_t block_size = AE_MAX (ctx->block_size, rounded);
      uint64_t budget = current_budget (ctx);
      if (ctx->info.max_allocation_size != 0 && rounded > ctx->info.max_allocation_size)
        {
          ae_set_error (error, AE_ERROR_OUT_OF_MEMORY,
                        "Tensor \"%s\" needs %.1f MiB in one piece, but \"%s\" allocates at most %.1f MiB at once.",
                        name, MIB (size), ctx->info.name, MIB (ctx->info.max_allocation_size));
          goto out;
        }
      /* Near the budget, take only what this tensor needs. */
      if (ctx->reserved + block_size > budget)
        block_size = rounded;
      if (ctx->reserved + block_size > budget)
        {
          ae_set_error (
              error, AE_ERROR_OUT_OF_MEMORY,
              "Out of GPU memory: tensor \"%s\" needs %.1f MiB, but %.1f MiB of the %.1f MiB budget on \"%s\" "
              "are already taken (%.1f MiB by live tensors). Choose a smaller size or fewer frames, "
              "or close other programs using the GPU.",
              name, MIB (size), MIB (ctx->reserved), MIB (budget), ctx->info.name, MIB (ctx->live));
          goto out;
        }
      ae_block *block = block_new (ctx, block_size, error);
      if (block == NULL)
        goto out;
      if (ctx->n_blocks == ctx->cap_blocks)
        {
          ctx->cap_blocks = ctx->cap_blocks ? ctx->cap_blocks * 2 : 8;
          ctx->blocks = realloc (ctx->blocks, ctx->cap_blocks * sizeof *ctx->blocks);
        }
      ctx->blocks[ctx->n_blocks++] = block;
      ctx->reserved += block->size;
      block_take (block, rounded, &offset);
      a = calloc (1, sizeof *a);
      a->block = block;
    }
  a->offset = offset;
  a->size = rounded;
  a->refcount = 1;
  ctx->live += rounded;
  if (ctx->live > ctx->peak)
    ctx->peak = ctx->live;
out:
  pthread_mutex_unlock (&ctx->arena_lock);
  return a;
}

void
ae_allocation_ref (ae_context *ctx, ae_allocation *a)
{
  pthread_mutex_lock (&ctx->arena_lock);
  a->refcount++;
  pthread_mutex_unlock (&ctx->arena_lock);
}

void
ae_allocation_unref (ae_context *ctx, ae_allocation *a)
{
  pthread_mutex_lock (&ctx->arena_lock);
  if (--a->refcount == 0)
    {
      ae_block *block = a->block;
      block_give (block, a->offset, a->size);
      ctx->live -= a->size;
      /* Give empty blocks back to the driver, but keep one for the next tensor. */
      if (block->used == 0 && ctx->n_blocks > 1)
        {
          for (uint32_t i = 0; i < ctx->n_blocks; i++)
            if (ctx->blocks[i] == block)
              {
                memmove (&ctx->blocks[i], &ctx->blocks[i + 1], (ctx->n_blocks - i - 1) * sizeof *ctx->blocks);
                ctx->n_blocks--;
                break;
              }
          ctx->reserved -= block->size;
          /* Work still queued may use this memory: wait before freeing it. */
          pthread_mutex_lock (&ctx->queue_lock);
          ctx->vk.vkQueueWaitIdle (ctx->queue);
          pthread_mutex_unlock (&ctx->queue_lock);
          block_free (ctx, block);
        }
      free (a);
    }
  pthread_mutex_unlock (&ctx->arena_lock);
}

void
ae_context_memory_stats (ae_context *ctx, ae_memory_stats *out)
{
  pthread_mutex_lock (&ctx->arena_lock);
  out->live = ctx->live;
  out->peak = ctx->peak;
  out->reserved = ctx->reserved;
  out->budget = current_budget (ctx);
  pthread_mutex_unlock (&ctx->arena_lock);
}

void
ae_context_reset_peak (ae_context *ctx)
{
  pthread_mutex_lock (&ctx->arena_lock);
  ctx->peak = ctx->live;
  pthread_mutex_unlock (&ctx->arena_lock);
}

void
ae_context_set_budget (ae_context *ctx, uint64_t bytes)
{
  pthread_mutex_lock (&ctx->arena_lock);
  ctx->budget_override = bytes;
  pthread_mutex_unlock (&ctx->arena_lock);
}

/* ---- transfers ---- */

bool
ae_transfer_init (ae_context *ctx, ae_error *error)
{
  bool ok = false;

  VkCommandPoolCreateInfo pool_info = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
    .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
    .queueFamilyIndex = ctx->queue_family,
  };
  AE_VK (error, ctx->vk.vkCreateCommandPool (ctx->device, &pool_info, NULL, &ctx->transfer_pool));
  ae_context_name_object (ctx, VK_OBJECT_TYPE_COMMAND_POOL, (uint64_t) ctx->transfer_pool, "transfer command pool");
  VkCommandBufferAllocateInfo cmd_info = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .commandPool = ctx->transfer_pool,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = 1,
  };
  AE_VK (error, ctx->vk.vkAllocateCommandBuffers (ctx->device, &cmd_info, &ctx->transfer_cmd));
  ae_context_name_object (ctx, VK_OBJECT_TYPE_COMMAND_BUFFER, (uint64_t) (uintptr_t) ctx->transfer_cmd,
                          "transfer commands");
  VkFenceCreateInfo fence_info = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
  AE_VK (error, ctx->vk.vkCreateFence (ctx->device, &fence_info, NULL, &ctx->transfer_fence));
  ae_context_name_object (ctx, VK_OBJECT_TYPE_FENCE, (uint64_t) ctx->transfer_fence, "transfer fence");
  ok = true;
out:
  return ok;
}

void
ae_transfer_fini (ae_context *ctx)
{
  if (ctx->staging_mapped != NULL)
    ctx->vk.vkUnmapMemory (ctx->device, ctx->staging_memory);
  if (ctx->staging_buffer != VK_NULL_HANDLE)
    ctx->vk.vkDestroyBuffer (ctx->device, ctx->staging_buffer, NULL);
  if (ctx->staging_memory != VK_NULL_HANDLE)
    ctx->vk.vkFreeMemory (ctx->device, ctx->staging_memory, NULL);
  if (ctx->transfer_fence != VK_NULL_HANDLE)
    ctx->vk.vkDestroyFence (ctx->device, ctx->transfer_fence, NULL);
  if (ctx->transfer_pool != VK_NULL_HANDLE)
    ctx->vk.vkDestroyCommandPool (ctx->device, ctx->transfer_pool, NULL);
}

static bool
staging_ensure (ae_context *ctx, ae_error *error)
{
  VkPhysicalDeviceMemoryProperties props;
  int type = -1;

  if (ctx->staging_buffer != VK_NULL_HANDLE)
    return true;
  ctx->staging_size = AE_STAGING_SIZE;
  VkBufferCreateInfo buffer_info = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
    .size = ctx->staging_size,
    .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
  };
  AE_VK (error, ctx->vk.vkCreateBuffer (ctx->device, &buffer_info, NULL, &ctx->staging_buffer));
  ae_context_name_object (ctx, VK_OBJECT_TYPE_BUFFER, (uint64_t) ctx->staging_buffer, "staging buffer");
  VkMemoryRequirements requirements;
  ctx->vk.vkGetBufferMemoryRequirements (ctx->device, ctx->staging_buffer, &requirements);
  ctx->vk.vkGetPhysicalDeviceMemoryProperties (ctx->physical, &props);
  for (uint32_t i = 0; i < props.memoryTypeCount; i++)
    {
      VkMemoryPropertyFlags flags = props.memoryTypes[i].propertyFlags;
      if (!(requirements.memoryTypeBits & (1u << i)) || !(flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT))
        continue;
      /* Cached memory makes downloads fast; coherent spares the flushes. */
      if (type < 0
          || ((flags & VK_MEMORY_PROPERTY_HOST_CACHED_BIT)
              && !(props.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_CACHED_BIT)))
        type = (int) i;
    }
  if (type < 0)
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED, "The device \"%s\" has no host-visible memory for transfers.",
                    ctx->info.name);
      return false;
    }
  ctx->staging_coherent = (props.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) != 0;
  VkMemoryAllocateInfo alloc_info = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
    .allocationSize = requirements.size,
    .memoryTypeIndex = (uint32_t) type,
  };
  AE_VK (error, ctx->vk.vkAllocateMemory (ctx->device, &alloc_info, NULL, &ctx->staging_memory));
  ae_context_name_object (ctx, VK_OBJECT_TYPE_DEVICE_MEMORY, (uint64_t) ctx->staging_memory, "staging memory");
  AE_VK (error, ctx->vk.vkBindBufferMemory (ctx->device, ctx->staging_buffer, ctx->staging_memory, 0));
  AE_VK (error, ctx->vk.vkMapMemory (ctx->device, ctx->staging_memory, 0, VK_WHOLE_SIZE, 0, &ctx->staging_mapped));
  return true;
out:
  return false;
}

static bool
copy_chunk (ae_context *ctx, VkBuffer src, uint64_t src_offset, VkBuffer dst, uint64_t dst_offset, uint64_t bytes,
            ae_error *error)
{
  bool ok = false;
  VkCommandBufferBeginInfo begin = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
  };
  AE_VK (error, ctx->vk.vkResetCommandBuffer (ctx->transfer_cmd, 0));
  AE_VK (error, ctx->vk.vkBeginCommandBuffer (ctx->transfer_cmd, &begin));
  VkBufferCopy region = { src_offset, dst_offset, bytes };
  ctx->vk.vkCmdCopyBuffer (ctx->transfer_cmd, src, dst, 1, &region);
  VkMemoryBarrier barrier = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
    .dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
  };
  ctx->vk.vkCmdPipelineBarrier (ctx->transfer_cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                                VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier, 0,
                                NULL, 0, NULL);
  AE_VK (error, ctx->vk.vkEndCommandBuffer (ctx->transfer_cmd));
  VkSubmitInfo submit = {
    .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
    .commandBufferCount = 1,
    .pCommandBuffers = &ctx->transfer_cmd,
  };
  pthread_mutex_lock (&ctx->queue_lock);
  VkResult result = ctx->vk.vkQueueSubmit (ctx->queue, 1, &submit, ctx->transfer_fence);
  pthread_mutex_unlock (&ctx->queue_lock);
  AE_VK (error, result);
  AE_VK (error, ctx->vk.vkWaitForFences (ctx->device, 1, &ctx->transfer_fence, VK_TRUE, UINT64_MAX));
  AE_VK (error, ctx->vk.vkResetFences (ctx->device, 1, &ctx->transfer_fence));
  ok = true;
out:
  return ok;
}

/* Host <-> device copy of `bytes` at `offset` in allocation a.  Waits for the
 * queue first, so work already submitted that uses the memory has finished. */
bool
ae_transfer (ae_context *ctx, ae_allocation *a, uint64_t offset, void *host, uint64_t bytes, bool upload,
             ae_error *error)
{
  ae_block *block = a->block;
  uint64_t base = a->offset + offset;
  bool ok = false;

  if (offset + bytes > a->size)
    {
      ae_set_error (error, AE_ERROR_INVALID, "A transfer of %llu bytes at %llu runs past its allocation of %llu bytes.",
                    (unsigned long long) bytes, (unsigned long long) offset, (unsigned long long) a->size);
      return false;
    }
  pthread_mutex_lock (&ctx->transfer_lock);
  pthread_mutex_lock (&ctx->queue_lock);
  VkResult idle = ctx->vk.vkQueueWaitIdle (ctx->queue);
  pthread_mutex_unlock (&ctx->queue_lock);
  AE_VK (error, idle);

  if (block->mapped != NULL)
    {
      VkMappedMemoryRange range = {
        .sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE,
        .memory = block->memory,
        .offset = 0,
        .size = VK_WHOLE_SIZE,
      };
      if (upload)
        {
          memcpy ((char *) block->mapped + base, host, bytes);
          if (!ctx->host_coherent)
            AE_VK (error, ctx->vk.vkFlushMappedMemoryRanges (ctx->device, 1, &range));
        }
      else
        {
          if (!ctx->host_coherent)
            AE_VK (error, ctx->vk.vkInvalidateMappedMemoryRanges (ctx->device, 1, &range));
          memcpy (host, (char *) block->mapped + base, bytes);
        }
      ok = true;
      goto out;
    }

  if (!staging_ensure (ctx, error))
    goto out;
  for (uint64_t done = 0; done < bytes;)
    {
      uint64_t chunk = AE_MIN (bytes - done, ctx->staging_size);
      VkMappedMemoryRange range = {
        .sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE,
        .memory = ctx->staging_memory,
        .size = VK_WHOLE_SIZE,
      };
      if (upload)
        {
          memcpy (ctx->staging_mapped, (char *) host + done, chunk);
          if (!ctx->staging_coherent)
            AE_VK (error, ctx->vk.vkFlushMappedMemoryRanges (ctx->device, 1, &range));
          if (!copy_chunk (ctx, ctx->staging_buffer, 0, block->buffer, base + done, chunk, error))
            goto out;
        }
      else
        {
          if (!copy_chunk (ctx, block->buffer, base + done, ctx->staging_buffer, 0, chunk, error))
            goto out;
          if (!ctx->staging_coherent)
            AE_VK (error, ctx->vk.vkInvalidateMappedMemoryRanges (ctx->device, 1, &range));
          memcpy ((char *) host + done, ctx->staging_mapped, chunk);
        }
      done += chunk;
    }
  ok = true;
out:
  pthread_mutex_unlock (&ctx->transfer_lock);
  return ok;
}
