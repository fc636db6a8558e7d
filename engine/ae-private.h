/* ae-private.h: the runtime's own structures (context, arena, pipelines, streams).
 * Only the runtime files include this; ops use ae-internal.h. */
#pragma once

#include "ae-internal.h"

typedef struct ae_block ae_block;

struct ae_allocation
{
  ae_block *block;
  uint64_t offset; /* in the block */
  uint64_t size;
  int refcount; /* tensors and views holding it; guarded by the arena lock */
};

typedef struct
{
  uint64_t offset, size;
} ae_free_range;

struct ae_block
{
  VkDeviceMemory memory;
  VkBuffer buffer;
  uint64_t size;
  void *mapped;        /* non-NULL when the memory is host-visible */
  ae_free_range *free; /* sorted by offset, coalesced */
  uint32_t n_free, cap_free;
  uint64_t used;
  uint32_t serial;
};

typedef struct
{
  uint64_t hash;
  char *key;
  VkPipeline pipeline;
} ae_pipeline_entry;

struct ae_context
{
  ae_vk vk;
  VkInstance instance;
  VkDebugUtilsMessengerEXT messenger;
  VkPhysicalDevice physical;
  VkDevice device;
  VkQueue queue;
  uint32_t queue_family;
  pthread_mutex_t queue_lock;

  ae_device_info info;
  ae_log_func log;
  void *log_user_data;
  bool debug_names;
  uint64_t max_binding_range;
  uint32_t max_workgroups;

  /* Arena. */
  pthread_mutex_t arena_lock;
  uint32_t memory_type;
  bool host_visible, host_coherent;
  ae_block **blocks;
  uint32_t n_blocks, cap_blocks;
  uint32_t block_serial;
  uint64_t block_size;
  uint64_t live, peak, reserved;
  uint64_t device_budget, budget_override;

  /* Staging for devices whose memory the host cannot map. */
  pthread_mutex_t transfer_lock;
  VkBuffer staging_buffer;
  VkDeviceMemory staging_memory;
  void *staging_mapped;
  uint64_t staging_size;
  bool staging_coherent;
  VkCommandPool transfer_pool;
  VkCommandBuffer transfer_cmd;
  VkFence transfer_fence;

  /* Pipelines. */
  pthread_mutex_t pipeline_lock;
  VkDescriptorSetLayout set_layout;
  VkPipelineLayout pipeline_layout;
  VkPipelineCache pipeline_cache;
  char *pipeline_cache_path;
  ae_pipeline_entry *pipelines; /* open addressing, power of two */
  uint32_t n_pipelines, cap_pipelines;
  VkShaderModule *modules; /* one per table entry, made on first use */
};

/* ae-context.c */
void ae_context_name_object (ae_context *ctx, VkObjectType type, uint64_t handle, const char *name);

/* ae-memory.c */
bool ae_arena_init (ae_context *ctx, ae_error *error);
void ae_arena_fini (ae_context *ctx);
ae_allocation *ae_arena_alloc (ae_context *ctx, uint64_t size, const char *name, ae_error *error);
void ae_allocation_ref (ae_context *ctx, ae_allocation *a);
void ae_allocation_unref (ae_context *ctx, ae_allocation *a);
bool ae_transfer_init (ae_context *ctx, ae_error *error);
void ae_transfer_fini (ae_context *ctx);
bool ae_transfer (ae_context *ctx, ae_allocation *a, uint64_t offset, void *host, uint64_t bytes, bool upload,
                  ae_error *error);

/* ae-pipeline.c */
bool ae_pipelines_init (ae_context *ctx, const char *cache_dir, ae_error *error);
void ae_pipelines_fini (ae_context *ctx);
VkPipeline ae_pipeline_get (ae_context *ctx, const ae_dispatch *d, ae_error *error);
