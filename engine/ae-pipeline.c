/* ae-pipeline.c: compute pipelines made on first use, and the on-disk cache.
 *
 * Every kernel shares one layout: AE_MAX_BINDINGS storage buffers (pushed per
 * dispatch with VK_KHR_push_descriptor where the driver has it) and a
 * 128-byte push-constant block.  A pipeline is keyed by its variant's name,
 * its specialization constants and its required subgroup size.
 */
#include "ae-private.h"
#include "ae-shaders.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
find_shader (const char *name)
{
  for (int i = 0; i < AE_N_SHADERS; i++)
    if (strcmp (ae_shaders[i].name, name) == 0)
      return i;
  return -1;
}

static bool
feature_present (const ae_context *ctx, const char *feature)
{
  if (feature == NULL || feature[0] == '\0')
    return true;
  if (strcmp (feature, "nv_coopmat") == 0)
    return ctx->info.nv_coopmat;
  if (strcmp (feature, "khr_coopmat") == 0)
    return ctx->info.khr_coopmat;
  if (strcmp (feature, "fp16") == 0)
    return ctx->info.fp16;
  if (strcmp (feature, "int8") == 0)
    return ctx->info.int8 && ctx->info.storage8;
  return false;
}

bool
ae_shader_available (const ae_context *ctx, const char *name)
{
  int index = find_shader (name);
  return index >= 0 && feature_present (ctx, ae_shaders[index].requires);
}

static int
mkdir_p (const char *path)
{
  char buf[4096];
  snprintf (buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/')
      {
        *p = '\0';
        if (mkdir (buf, 0755) != 0 && errno != EEXIST)
          return -1;
        *p = '/';
      }
  return mkdir (buf, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* The cache is keyed by the driver: a file per vendor, device and cache UUID. */
static char *
cache_path (ae_context *ctx, const char *dir)
{
  char base[4096];
  VkPhysicalDeviceProperties props;
  char uuid[2 * VK_UUID_SIZE + 1];

  if (dir != NULL && dir[0] == '\0')
    return NULL;
  if (dir == NULL)
    {
      const char *xdg = getenv ("XDG_CACHE_HOME");
      const char *home = getenv ("HOME");
      if (xdg != NULL && xdg[0] == '/')
        snprintf (base, sizeof base, "%s/allegro-studio", xdg);
      else if (home != NULL && home[0] != '\0')
        snprintf (base, sizeof base, "%s/.cache/allegro-studio", home);
      else
        return NULL;
    }
  else
    snprintf (base, sizeof base, "%s", dir);
  ctx->vk.vkGetPhysicalDeviceProperties (ctx->physical, &props);
  for (unsigned i = 0; i < VK_UUID_SIZE; i++)
    snprintf (uuid + 2 * i, 3, "%02x", props.pipelineCacheUUID[i]);
  size_t size = strlen (base) + 128;
  char *path = malloc (size);
  snprintf (path, size, "%s/pipelines-%04x-%04x-%s.bin", base, props.vendorID, props.deviceID, uuid);
  return path;
}

/* Reads a cache file, accepting it only when its header names this driver. */
static void *
read_cache (ae_context *ctx, const char *path, size_t *size)
{
  FILE *f = fopen (path, "rb");
  VkPhysicalDeviceProperties props;
  void *data = NULL;
  long length;

  *size = 0;
  if (f == NULL)
    return NULL;
  if (fseek (f, 0, SEEK_END) != 0 || (length = ftell (f)) < 32 || length > (256L << 20))
    goto out;
  rewind (f);
  data = malloc ((size_t) length);
  if (fread (data, 1, (size_t) length, f) != (size_t) length)
    goto fail;
  ctx->vk.vkGetPhysicalDeviceProperties (ctx->physical, &props);
  uint32_t header[4];
  memcpy (header, data, sizeof header);
  if (header[0] < 32 || header[1] != VK_PIPELINE_CACHE_HEADER_VERSION_ONE || header[2] != props.vendorID
      || header[3] != props.deviceID || memcmp ((char *) data + 16, props.pipelineCacheUUID, VK_UUID_SIZE) != 0)
    goto fail;
  *size = (size_t) length;
  goto out;
fail:
  ae_log (ctx, AE_LOG_INFO, "ignoring pipeline cache %s: it belongs to another driver or is damaged", path);
  free (data);
  data = NULL;
out:
  fclose (f);
  return data;
}

static void
write_cache (ae_context *ctx)
{
  size_t size = 0;
  char *dir, *slash, *tmp;
  FILE *f;

  if (ctx->pipeline_cache_path == NULL || ctx->pipeline_cache == VK_NULL_HANDLE)
    return;
  if (ctx->vk.vkGetPipelineCacheData (ctx->device, ctx->pipeline_cache, &size, NULL) != VK_SUCCESS || size == 0)
    return;
  void *data = malloc (size);
  if (ctx->vk.vkGetPipelineCacheData (ctx->device, ctx->pipeline_cache, &size, data) != VK_SUCCESS)
    goto out;
  dir = strdup (ctx->pipeline_cache_path);
  slash = strrchr (dir, '/');
  if (slash != NULL)
    *slash = '\0';
  int made = mkdir_p (dir);
  free (dir);
  if (made != 0)
    goto out;
  size_t tmp_size = strlen (ctx->pipeline_cache_path) + 32;
  tmp = malloc (tmp_size);
  snprintf (tmp, tmp_size, "%s.%ld.tmp", ctx->pipeline_cache_path, (long) getpid ());
  /* Written aside and renamed, so a crash never leaves half a cache. */
  f = fopen (tmp, "wb");
  if (f != NULL)
    {
      bool ok = fwrite (data, 1, size, f) == size;
      ok = fclose (f) == 0 && ok;
      if (!ok || rename (tmp, ctx->pipeline_cache_path) != 0)
        unlink (tmp);
    }
  free (tmp);
out:
  free (data);
}

bool
ae_pipelines_init (ae_context *ctx, const char *cache_dir, ae_error *error)
{
  VkDescriptorSetLayoutBinding bindings[AE_MAX_BINDINGS];
  bool ok = false;
  void *initial = NULL;
  size_t initial_size = 0;

  for (uint32_t i = 0; i < AE_MAX_BINDINGS; i++)
    bindings[i] = (VkDescriptorSetLayoutBinding){
      .binding = i,
      .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
      .descriptorCount = 1,
      .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    };
  VkDescriptorSetLayoutCreateInfo set_info = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
    .flags = ctx->vk.vkCmdPushDescriptorSetKHR != NULL ? VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR : 0,
    .bindingCount = AE_MAX_BINDINGS,
    .pBindings = bindings,
  };
  AE_VK (error, ctx->vk.vkCreateDescriptorSetLayout (ctx->device, &set_info, NULL, &ctx->set_layout));
  ae_context_name_object (ctx, VK_OBJECT_TYPE_DESCRIPTOR_SET_LAYOUT, (uint64_t) ctx->set_layout, "kernel bindings");
  VkPushConstantRange push = {
    .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    .size = AE_MAX_PUSH,
  };
  VkPipelineLayoutCreateInfo layout_info = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
    .setLayoutCount = 1,
    .pSetLayouts = &ctx->set_layout,
    .pushConstantRangeCount = 1,
    .pPushConstantRanges = &push,
  };
  AE_VK (error, ctx->vk.vkCreatePipelineLayout (ctx->device, &layout_info, NULL, &ctx->pipeline_layout));
  ae_context_name_object (ctx, VK_OBJECT_TYPE_PIPELINE_LAYOUT, (uint64_t) ctx->pipeline_layout, "kernel layout");

  ctx->pipeline_cache_path = cache_path (ctx, cache_dir);
  if (ctx->pipeline_cache_path != NULL)
    initial = read_cache (ctx, ctx->pipeline_cache_path, &initial_size);
  VkPipelineCacheCreateInfo cache_info = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
    .initialDataSize = initial_size,
    .pInitialData = initial,
  };
  AE_VK (error, ctx->vk.vkCreatePipelineCache (ctx->device, &cache_info, NULL, &ctx->pipeline_cache));
  ae_context_name_object (ctx, VK_OBJECT_TYPE_PIPELINE_CACHE, (uint64_t) ctx->pipeline_cache, "pipeline cache");
  ctx->cap_pipelines = 256;
  ctx->pipelines = calloc (ctx->cap_pipelines, sizeof *ctx->pipelines);
  ctx->modules = calloc (AE_N_SHADERS ? AE_N_SHADERS : 1, sizeof *ctx->modules);
  ok = true;
out:
  free (initial);
  return ok;
}

void
ae_pipelines_fini (ae_context *ctx)
{
  write_cache (ctx);
  for (uint32_t i = 0; i < ctx->cap_pipelines && ctx->pipelines != NULL; i++)
    if (ctx->pipelines[i].key != NULL)
      {
        ctx->vk.vkDestroyPipeline (ctx->device, ctx->pipelines[i].pipeline, NULL);
        free (ctx->pipelines[i].key);
      }
  free (ctx->pipelines);
  for (int i = 0; i < AE_N_SHADERS && ctx->modules != NULL; i++)
    if (ctx->modules[i] != VK_NULL_HANDLE)
      ctx->vk.vkDestroyShaderModule (ctx->device, ctx->modules[i], NULL);
  free (ctx->modules);
  if (ctx->pipeline_cache != VK_NULL_HANDLE)
    ctx->vk.vkDestroyPipelineCache (ctx->device, ctx->pipeline_cache, NULL);
  if (ctx->pipeline_layout != VK_NULL_HANDLE)
    ctx->vk.vkDestroyPipelineLayout (ctx->device, ctx->pipeline_layout, NULL);
  if (ctx->set_layout != VK_NULL_HANDLE)
    ctx->vk.vkDestroyDescriptorSetLayout (ctx->device, ctx->set_layout, NULL);
  free (ctx->pipeline_cache_path);
}

static uint64_t
fnv1a (const char *s)
{
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char) *s) * 1099511628211ull;
  return h;
}

static void
make_key (const ae_dispatch *d, char *key, size_t size)
{
  size_t used = (size_t) snprintf (key, size, "%s/%u", d->shader, d->subgroup_size);
  for (uint32_t i = 0; i < d->n_spec && used < size; i++)
    used += (size_t) snprintf (key + used, size - used, ",%u", d->spec[i]);
}

static void
insert (ae_context *ctx, uint64_t hash, char *key, VkPipeline pipeline)
{
  if (2 * (ctx->n_pipelines + 1) > ctx->cap_pipelines)
    {
      ae_pipeline_entry *old = ctx->pipelines;
      uint32_t old_cap = ctx->cap_pipelines;
      ctx->cap_pipelines *= 2;
      ctx->pipelines = calloc (ctx->cap_pipelines, sizeof *ctx->pipelines);
      ctx->n_pipelines = 0;
      for (uint32_t i = 0; i < old_cap; i++)
        if (old[i].key != NULL)
          insert (ctx, old[i].hash, old[i].key, old[i].pipeline);
      free (old);
    }
  uint32_t mask = ctx->cap_pipelines - 1;
  uint32_t i = (uint32_t) hash & mask;
  while (ctx->pipelines[i].key != NULL)
    i = (i + 1) & mask;
  ctx->pipelines[i] = (ae_pipeline_entry){ hash, key, pipeline };
  ctx->n_pipelines++;
}

VkPipeline
ae_pipeline_get (ae_context *ctx, const ae_dispatch *d, ae_error *error)
{
  char key[512];
  VkPipeline pipeline = VK_NULL_HANDLE;

  make_key (d, key, sizeof key);
  uint64_t hash = fnv1a (key);
  pthread_mutex_lock (&ctx->pipeline_lock);
  uint32_t mask = ctx->cap_pipelines - 1;
  for (uint32_t i = (uint32_t) hash & mask; ctx->pipelines[i].key != NULL; i = (i + 1) & mask)
    if (ctx->pipelines[i].hash == hash && strcmp (ctx->pipelines[i].key, key) == 0)
      {
        pipeline = ctx->pipelines[i].pipeline;
        goto out;
      }

  int index = find_shader (d->shader);
  if (index < 0)
    {
      ae_set_error (error, AE_ERROR_INVALID, "No kernel variant named \"%s\" was built.", d->shader);
      goto out;
    }
  if (!feature_present (ctx, ae_shaders[index].requires))
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED, "Kernel \"%s\" needs %s, which \"%s\" lacks.", d->shader,
                    ae_shaders[index].requires, ctx->info.name);
      goto out;
    }
  if (ctx->modules[index] == VK_NULL_HANDLE)
    {
      VkShaderModuleCreateInfo module_info = {
        .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
        .codeSize = ae_shaders[index].n_words * 4,
        .pCode = ae_shaders[index].words,
      };
      AE_VK (error, ctx->vk.vkCreateShaderModule (ctx->device, &module_info, NULL, &ctx->modules[index]));
      ae_context_name_object (ctx, VK_OBJECT_TYPE_SHADER_MODULE, (uint64_t) ctx->modules[index], d->shader);
    }
  VkSpecializationMapEntry entries[AE_MAX_SPEC];
  for (uint32_t i = 0; i < d->n_spec; i++)
    entries[i] = (VkSpecializationMapEntry){ .constantID = i, .offset = 4 * i, .size = 4 };
  VkSpecializationInfo spec = {
    .mapEntryCount = d->n_spec,
    .pMapEntries = entries,
    .dataSize = 4 * d->n_spec,
    .pData = d->spec,
  };
  VkPipelineShaderStageRequiredSubgroupSizeCreateInfo subgroup = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO,
    .requiredSubgroupSize = d->subgroup_size,
  };
  bool fix_subgroup = d->subgroup_size != 0 && ctx->info.subgroup_size_control;
  if (d->subgroup_size != 0 && !fix_subgroup && d->subgroup_size != ctx->info.subgroup_size)
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED, "Kernel \"%s\" needs subgroups of %u, and \"%s\" cannot fix them.",
                    d->shader, d->subgroup_size, ctx->info.name);
      goto out;
    }
  VkComputePipelineCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
    .stage = {
      .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
      .pNext = fix_subgroup ? &subgroup : NULL,
      .flags = fix_subgroup ? VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT : 0,
      .stage = VK_SHADER_STAGE_COMPUTE_BIT,
      .module = ctx->modules[index],
      .pName = "main",
      .pSpecializationInfo = d->n_spec ? &spec : NULL,
    },
    .layout = ctx->pipeline_layout,
  };
  AE_VK (error, ctx->vk.vkCreateComputePipelines (ctx->device, ctx->pipeline_cache, 1, &info, NULL, &pipeline));
  ae_context_name_object (ctx, VK_OBJECT_TYPE_PIPELINE, (uint64_t) pipeline, key);
  insert (ctx, hash, strdup (key), pipeline);
  ae_log (ctx, AE_LOG_DEBUG, "pipeline %s created", key);
out:
  pthread_mutex_unlock (&ctx->pipeline_lock);
  return pipeline;
}
