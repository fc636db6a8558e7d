/* ae-context.c: instance, device choice and the device's features. */
#include "ae-private.h"
#include "ae-shaders.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *path_names[AE_N_PATHS] = {
  [AE_PATH_LVP] = "lvp",
  [AE_PATH_TILED] = "tiled",
  [AE_PATH_NV_CM] = "nv_cm",
};

const char *
ae_path_name (ae_path path)
{
  return path < AE_N_PATHS ? path_names[path] : "?";
}

const char *
ae_getenv (const char *name)
{
  const char *value = getenv (name);
  return value != NULL && value[0] != '\0' ? value : NULL;
}

void
ae_log (const ae_context *ctx, ae_log_level level, const char *format, ...)
{
  char message[1024];
  va_list args;

  if (ctx == NULL || ctx->log == NULL)
    return;
  va_start (args, format);
  vsnprintf (message, sizeof message, format, args);
  va_end (args);
  ctx->log (level, message, ctx->log_user_data);
}

static bool
has_extension (const VkExtensionProperties *list, uint32_t n, const char *name)
{
  for (uint32_t i = 0; i < n; i++)
    if (strcmp (list[i].extensionName, name) == 0)
      return true;
  return false;
}

static ae_device_type
device_type (VkPhysicalDeviceType type)
{
  switch (type)
    {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return AE_DEVICE_DISCRETE;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return AE_DEVICE_INTEGRATED;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return AE_DEVICE_VIRTUAL;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return AE_DEVICE_CPU;
    default:
      return AE_DEVICE_OTHER;
    }
}

/* Reads everything we care about from one physical device. */
static void
probe_device (ae_vk *vk, VkPhysicalDevice physical, uint32_t index, ae_device_info *info)
{
  VkExtensionProperties *extensions = NULL;
  uint32_t n_extensions = 0;

  memset (info, 0, sizeof *info);
  info->index = index;

  vk->vkEnumerateDeviceExtensionProperties (physical, NULL, &n_extensions, NULL);
  extensions = calloc (AE_MAX (n_extensions, 1), sizeof *extensions);
  vk->vkEnumerateDeviceExtensionProperties (physical, NULL, &n_extensions, extensions);

  bool budget = has_extension (extensions, n_extensions, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  bool nv_cm = has_extension (extensions, n_extensions, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
  bool khr_cm = has_extension (extensions, n_extensions, "VK_KHR_cooperative_matrix");
  bool sm_builtins = has_extension (extensions, n_extensions, VK_NV_SHADER_SM_BUILTINS_EXTENSION_NAME);
  info->push_descriptor = has_extension (extensions, n_extensions, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);

  VkPhysicalDeviceDriverProperties driver = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES };
  VkPhysicalDeviceSubgroupProperties subgroup
      = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES, .pNext = &driver };
  VkPhysicalDeviceSubgroupSizeControlProperties size_control
      = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES, .pNext = &subgroup };
  VkPhysicalDeviceShaderSMBuiltinsPropertiesNV sm
      = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_SM_BUILTINS_PROPERTIES_NV, .pNext = &size_control };
  VkPhysicalDeviceProperties2 props = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                        .pNext = sm_builtins ? (void *) &sm : (void *) &size_control };
  vk->vkGetPhysicalDeviceProperties2 (physical, &props);

  snprintf (info->name, sizeof info->name, "%s", props.properties.deviceName);
  info->type = device_type (props.properties.deviceType);
  info->vendor_id = props.properties.vendorID;
  info->device_id = props.properties.deviceID;
  info->api_version = props.properties.apiVersion;
  info->driver_version = props.properties.driverVersion;
  snprintf (info->driver_name, sizeof info->driver_name, "%s", driver.driverName);
  snprintf (info->driver_info, sizeof info->driver_info, "%s", driver.driverInfo);
  info->subgroup_size = subgroup.subgroupSize;
  info->min_subgroup_size = size_control.minSubgroupSize ? size_control.minSubgroupSize : subgroup.subgroupSize;
  info->max_subgroup_size = size_control.maxSubgroupSize ? size_control.maxSubgroupSize : subgroup.subgroupSize;
  info->timestamps = props.properties.limits.timestampComputeAndGraphics;
  info->timestamp_period = props.properties.limits.timestampPeriod;
  info->max_shared_memory = props.properties.limits.maxComputeSharedMemorySize;
  info->max_workgroup_invocations = props.properties.limits.maxComputeWorkGroupInvocations;
  for (int i = 0; i < 3; i++)
    info->max_workgroup_count[i] = props.properties.limits.maxComputeWorkGroupCount[i];
  info->max_storage_buffer_range = props.properties.limits.maxStorageBufferRange;
  info->min_storage_offset_alignment = (uint32_t) props.properties.limits.minStorageBufferOffsetAlignment;
  info->max_push_constants = props.properties.limits.maxPushConstantsSize;
  info->sm_count = sm_builtins ? sm.shaderSMCount : 0;

  VkPhysicalDeviceMaintenance3Properties m3 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES };
  VkPhysicalDeviceProperties2 props_m3 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &m3 };
  vk->vkGetPhysicalDeviceProperties2 (physical, &props_m3);
  info->max_allocation_size = m3.maxMemoryAllocationSize;

  VkPhysicalDeviceCooperativeMatrixFeaturesNV cm_features
      = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV };
  VkPhysicalDeviceVulkan13Features f13 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES,
                                           .pNext = nv_cm ? (void *) &cm_features : NULL };
  VkPhysicalDeviceVulkan12Features f12
      = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
          .pNext = info->api_version >= VK_API_VERSION_1_3 ? (void *) &f13 : f13.pNext };
  VkPhysicalDeviceVulkan11Features f11
      = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES, .pNext = &f12 };
  VkPhysicalDeviceFeatures2 features = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f11 };
  vk->vkGetPhysicalDeviceFeatures2 (physical, &features);
  info->fp16 = f12.shaderFloat16;
  info->storage16 = f11.storageBuffer16BitAccess;
  info->int8 = f12.shaderInt8;
  info->storage8 = f12.storageBuffer8BitAccess;
  info->subgroup_size_control = f13.subgroupSizeControl && f13.computeFullSubgroups;

  if (nv_cm && cm_features.cooperativeMatrix && vk->vkGetPhysicalDeviceCooperativeMatrixPropertiesNV != NULL)
    {
      uint32_t n = 0;
      vk->vkGetPhysicalDeviceCooperativeMatrixPropertiesNV (physical, &n, NULL);
      VkCooperativeMatrixPropertiesNV *list = calloc (AE_MAX (n, 1), sizeof *list);
      for (uint32_t i = 0; i < n; i++)
        list[i].sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV;
      vk->vkGetPhysicalDeviceCooperativeMatrixPropertiesNV (physical, &n, list);
      for (uint32_t i = 0; i < n; i++)
        {
          const VkCooperativeMatrixPropertiesNV *p = &list[i];
          if (p->AType == VK_COMPONENT_TYPE_FLOAT16_NV && p->BType == VK_COMPONENT_TYPE_FLOAT16_NV
              && p->CType == VK_COMPONENT_TYPE_FLOAT32_NV && p->DType == VK_COMPONENT_TYPE_FLOAT32_NV
              && p->scope == VK_SCOPE_SUBGROUP_NV && info->n_coopmat_shapes < AE_N_ELEMENTS (info->coopmat_shapes))
            info->coopmat_shapes[info->n_coopmat_shapes++] = (ae_coopmat_shape){ p->MSize, p->NSize, p->KSize };
        }
      free (list);
      info->nv_coopmat = info->n_coopmat_shapes > 0 && info->fp16 && info->storage16;
    }
  /* The KHR extension is reported; its shaders need a newer glslang than Debian 12 has. */
  info->khr_coopmat = khr_cm && AE_SHADERS_HAVE_KHR_COOPMAT;

  VkPhysicalDeviceMemoryBudgetPropertiesEXT budget_props
      = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT };
  VkPhysicalDeviceMemoryProperties2 memory
      = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2, .pNext = budget ? &budget_props : NULL };
  vk->vkGetPhysicalDeviceMemoryProperties2 (physical, &memory);
  info->has_memory_budget = budget;
  info->n_heaps = AE_MIN (memory.memoryProperties.memoryHeapCount, AE_N_ELEMENTS (info->heaps));
  for (uint32_t i = 0; i < info->n_heaps; i++)
    {
      const VkMemoryHeap *heap = &memory.memoryProperties.memoryHeaps[i];
      info->heaps[i].size = heap->size;
      info->heaps[i].device_local = (heap->flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0;
      info->heaps[i].budget = budget && budget_props.heapBudget[i] ? budget_props.heapBudget[i] : heap->size;
      info->heaps[i].usage = budget ? budget_props.heapUsage[i] : 0;
    }

  if (info->nv_coopmat)
    info->path = AE_PATH_NV_CM;
  else if (info->type == AE_DEVICE_CPU)
    info->path = AE_PATH_LVP;
  else
    info->path = AE_PATH_TILED;

  free (extensions);
}

static int
device_rank (ae_device_type type)
{
  switch (type)
    {
    case AE_DEVICE_DISCRETE:
      return 0;
    case AE_DEVICE_INTEGRATED:
      return 1;
    case AE_DEVICE_VIRTUAL:
      return 2;
    case AE_DEVICE_CPU:
      return 3;
    default:
      return 4;
    }
}

static const char no_device_help[]
    = "No Vulkan device was found. Install your GPU's Vulkan driver (Debian/Ubuntu: "
      "'apt install mesa-vulkan-drivers' for AMD, Intel and the CPU fallback lavapipe; "
      "the NVIDIA driver's Vulkan package for NVIDIA), then check with 'vulkaninfo --summary'.";

static bool
create_instance (ae_vk *vk, bool validation, bool *debug_utils, VkInstance *out, ae_error *error)
{
  VkExtensionProperties *extensions = NULL;
  uint32_t n_extensions = 0;
  const char *enabled[4];
  uint32_t n_enabled = 0;
  const char *layers[1];
  uint32_t n_layers = 0;
  uint32_t version = VK_API_VERSION_1_1;
  VkResult result;

  if (vk->vkEnumerateInstanceVersion != NULL)
    vk->vkEnumerateInstanceVersion (&version);
  if (version < VK_API_VERSION_1_2)
    {
      ae_set_error (error, AE_ERROR_NO_DRIVER,
                    "The Vulkan loader supports Vulkan %u.%u; Allegro Studio needs 1.2 or newer. "
                    "Update libvulkan1 and your GPU driver.",
                    VK_API_VERSION_MAJOR (version), VK_API_VERSION_MINOR (version));
      return false;
    }

  vk->vkEnumerateInstanceExtensionProperties (NULL, &n_extensions, NULL);
  extensions = calloc (AE_MAX (n_extensions, 1), sizeof *extensions);
  vk->vkEnumerateInstanceExtensionProperties (NULL, &n_extensions, extensions);
  *debug_utils = has_extension (extensions, n_extensions, VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  if (*debug_utils)
    enabled[n_enabled++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
  bool portability = has_extension (extensions, n_extensions, VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);
  if (portability)
    enabled[n_enabled++] = VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME;
  free (extensions);

  if (validation)
    {
      uint32_t n = 0;
      vk->vkEnumerateInstanceLayerProperties (&n, NULL);
      VkLayerProperties *list = calloc (AE_MAX (n, 1), sizeof *list);
      vk->vkEnumerateInstanceLayerProperties (&n, list);
      for (uint32_t i = 0; i < n; i++)
        if (strcmp (list[i].layerName, "VK_LAYER_KHRONOS_validation") == 0)
          layers[n_layers++] = "VK_LAYER_KHRONOS_validation";
      free (list);
      if (n_layers == 0)
        {
          ae_set_error (error, AE_ERROR_UNSUPPORTED,
                        "Validation was asked for, but the Khronos validation layer is not installed "
                        "(Debian: apt install vulkan-validationlayers).");
          return false;
        }
    }

  VkApplicationInfo app = {
    .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
    .pApplicationName = "Allegro Studio",
    .pEngineName = "allegro-engine",
    .apiVersion = version >= VK_API_VERSION_1_3 ? VK_API_VERSION_1_3 : VK_API_VERSION_1_2,
  };
  VkInstanceCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
    .flags = portability ? VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR : 0,
    .pApplicationInfo = &app,
    .enabledExtensionCount = n_enabled,
    .ppEnabledExtensionNames = enabled,
    .enabledLayerCount = n_layers,
    .ppEnabledLayerNames = layers,
  };
  result = vk->vkCreateInstance (&info, NULL, out);
  if (result == VK_ERROR_INCOMPATIBLE_DRIVER || result == VK_ERROR_INITIALIZATION_FAILED)
    {
      ae_set_error (error, AE_ERROR_NO_DEVICE, "%s (vkCreateInstance: %s)", no_device_help, ae_vk_result_name (result));
      return false;
    }
  if (result != VK_SUCCESS)
    {
      ae_vk_set_error (error, result, "vkCreateInstance", __FILE__, __LINE__);
      return false;
    }
  return true;
}

static bool
enumerate (ae_vk *vk, VkInstance instance, VkPhysicalDevice **physical, ae_device_info **infos, uint32_t *n_out,
           ae_error *error)
{
  uint32_t n = 0;

  vk->vkEnumeratePhysicalDevices (instance, &n, NULL);
  if (n == 0)
    {
      ae_set_error (error, AE_ERROR_NO_DEVICE, "%s", no_device_help);
      return false;
    }
  *physical = calloc (n, sizeof **physical);
  *infos = calloc (n, sizeof **infos);
  vk->vkEnumeratePhysicalDevices (instance, &n, *physical);
  for (uint32_t i = 0; i < n; i++)
    probe_device (vk, (*physical)[i], i, &(*infos)[i]);
  *n_out = n;
  return true;
}

bool
ae_list_devices (ae_device_info **out, uint32_t *n_out, ae_error *error)
{
  ae_vk vk;
  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice *physical = NULL;
  bool debug_utils, ok = false;

  *out = NULL;
  *n_out = 0;
  if (!ae_vk_open (&vk, error))
    return false;
  if (!create_instance (&vk, false, &debug_utils, &instance, error))
    goto out;
  if (!ae_vk_load_instance (&vk, instance, error))
    goto out;
  ok = enumerate (&vk, instance, &physical, out, n_out, error);
out:
  free (physical);
  if (instance != VK_NULL_HANDLE)
    vk.vkDestroyInstance (instance, NULL);
  ae_vk_close (&vk);
  return ok;
}

static bool
contains_ignoring_case (const char *haystack, const char *needle)
{
  size_t n = strlen (needle);
  for (const char *p = haystack; *p; p++)
    if (strncasecmp (p, needle, n) == 0)
      return true;
  return false;
}

/* ALLEGRO_DEVICE (or params->device): an index or a name substring; else the
 * best type: discrete, integrated, virtual, CPU. */
static int
choose_device (const ae_device_info *infos, uint32_t n, const char *wanted, ae_error *error)
{
  if (wanted != NULL)
    {
      char *end = NULL;
      long index = strtol (wanted, &end, 10);
      if (end != wanted && *end == '\0')
        {
          if (index >= 0 && (uint32_t) index < n)
            return (int) index;
          ae_set_error (error, AE_ERROR_NO_DEVICE, "ALLEGRO_DEVICE=%s, but there are %u Vulkan devices (0 to %u).",
                        wanted, n, n - 1);
          return -1;
        }
      for (uint32_t i = 0; i < n; i++)
        if (contains_ignoring_case (infos[i].name, wanted))
          return (int) i;
      ae_set_error (error, AE_ERROR_NO_DEVICE,
                    "No Vulkan device's name contains \"%s\" (ALLEGRO_DEVICE); "
                    "'allegro-studio devices' lists them.",
                    wanted);
      return -1;
    }
  int best = -1;
  for (uint32_t i = 0; i < n; i++)
    if (infos[i].api_version >= VK_API_VERSION_1_2
        && (best < 0 || device_rank (infos[i].type) < device_rank (infos[best].type)))
      best = (int) i;
  if (best < 0)
    ae_set_error (error, AE_ERROR_NO_DEVICE, "No Vulkan device supports Vulkan 1.2; update the GPU driver.");
  return best;
}

static VKAPI_ATTR VkBool32 VKAPI_CALL
debug_callback (VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
                const VkDebugUtilsMessengerCallbackDataEXT *data, void *user_data)
{
  ae_context *ctx = user_data;
  ae_log_level level = severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT     ? AE_LOG_ERROR
                       : severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT ? AE_LOG_WARNING
                                                                                     : AE_LOG_DEBUG;
  ae_log (ctx, level, "vulkan: %s", data->pMessage);
  if (level == AE_LOG_ERROR && ae_getenv ("ALLEGRO_VALIDATION_ABORT"))
    abort ();
  return VK_FALSE;
}

void
ae_context_name_object (ae_context *ctx, VkObjectType type, uint64_t handle, const char *name)
{
  if (!ctx->debug_names || ctx->vk.vkSetDebugUtilsObjectNameEXT == NULL)
    return;
  VkDebugUtilsObjectNameInfoEXT info = {
    .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_OBJECT_NAME_INFO_EXT,
    .objectType = type,
    .objectHandle = handle,
    .pObjectName = name,
  };
  ctx->vk.vkSetDebugUtilsObjectNameEXT (ctx->device, &info);
}

static bool
create_device (ae_context *ctx, ae_error *error)
{
  ae_vk *vk = &ctx->vk;
  ae_device_info *info = &ctx->info;
  uint32_t n_families = 0;
  bool ok = false;
  const char *extensions[8];
  uint32_t n_extensions = 0;

  vk->vkGetPhysicalDeviceQueueFamilyProperties (ctx->physical, &n_families, NULL);
  VkQueueFamilyProperties *families = calloc (AE_MAX (n_families, 1), sizeof *families);
  vk->vkGetPhysicalDeviceQueueFamilyProperties (ctx->physical, &n_families, families);
  /* Prefer a compute queue without graphics (NVIDIA's async compute family),
   * but any compute-capable family will do. */
  int family = -1;
  for (uint32_t i = 0; i < n_families; i++)
    if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
      {
        if (family < 0 || !(families[i].queueFlags & VK_QUEUE_GRAPHICS_BIT))
          family = (int) i;
      }
  if (family >= 0 && families[family].timestampValidBits == 0)
    info->timestamps = false;
  free (families);
  if (family < 0)
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED, "The Vulkan device \"%s\" has no compute queue.", info->name);
      return false;
    }
  ctx->queue_family = (uint32_t) family;

  if (info->push_descriptor)
    extensions[n_extensions++] = VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME;
  if (info->has_memory_budget)
    extensions[n_extensions++] = VK_EXT_MEMORY_BUDGET_EXTENSION_NAME;
  if (info->nv_coopmat)
    extensions[n_extensions++] = VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME;
  if (info->sm_count > 0)
    extensions[n_extensions++] = VK_NV_SHADER_SM_BUILTINS_EXTENSION_NAME;

  VkPhysicalDeviceCooperativeMatrixFeaturesNV cm = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV,
    .cooperativeMatrix = VK_TRUE,
  };
  VkPhysicalDeviceVulkan13Features f13 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES,
    .pNext = info->nv_coopmat ? &cm : NULL,
    .subgroupSizeControl = info->subgroup_size_control,
    .computeFullSubgroups = info->subgroup_size_control,
  };
  VkPhysicalDeviceVulkan12Features f12 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
    .pNext = info->api_version >= VK_API_VERSION_1_3 ? (void *) &f13 : f13.pNext,
    .shaderFloat16 = info->fp16,
    .shaderInt8 = info->int8,
    .storageBuffer8BitAccess = info->storage8,
  };
  VkPhysicalDeviceVulkan11Features f11 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
    .pNext = &f12,
    .storageBuffer16BitAccess = info->storage16,
  };
  VkPhysicalDeviceFeatures2 supported = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2 };
  vk->vkGetPhysicalDeviceFeatures2 (ctx->physical, &supported);
  VkPhysicalDeviceFeatures2 features = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
    .pNext = &f11,
    .features = { .shaderInt16 = supported.features.shaderInt16, .shaderInt64 = supported.features.shaderInt64 },
  };
  if (info->api_version < VK_API_VERSION_1_3)
    info->subgroup_size_control = false;

  float priority = 1.0f;
  VkDeviceQueueCreateInfo queue = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
    .queueFamilyIndex = ctx->queue_family,
    .queueCount = 1,
    .pQueuePriorities = &priority,
  };
  VkDeviceCreateInfo device_info = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
    .pNext = &features,
    .queueCreateInfoCount = 1,
    .pQueueCreateInfos = &queue,
    .enabledExtensionCount = n_extensions,
    .ppEnabledExtensionNames = extensions,
  };
  AE_VK (error, vk->vkCreateDevice (ctx->physical, &device_info, NULL, &ctx->device));
  if (!ae_vk_load_device (vk, ctx->device, error))
    goto out;
  if (!info->push_descriptor)
    vk->vkCmdPushDescriptorSetKHR = NULL;
  vk->vkGetDeviceQueue (ctx->device, ctx->queue_family, 0, &ctx->queue);
  ae_context_name_object (ctx, VK_OBJECT_TYPE_DEVICE, (uint64_t) (uintptr_t) ctx->device, "allegro device");
  ae_context_name_object (ctx, VK_OBJECT_TYPE_QUEUE, (uint64_t) (uintptr_t) ctx->queue, "allegro compute queue");
  ok = true;
out:
  return ok;
}

static bool
env_bool (const char *name)
{
  const char *value = ae_getenv (name);
  return value != NULL && strcmp (value, "0") != 0 && strcasecmp (value, "false") != 0;
}

ae_context *
ae_context_new (const ae_context_params *params, ae_error *error)
{
  ae_context *ctx = calloc (1, sizeof *ctx);
  ae_device_info *infos = NULL;
  VkPhysicalDevice *physical = NULL;
  uint32_t n = 0;
  bool debug_utils = false;
  const char *value;

  pthread_mutex_init (&ctx->queue_lock, NULL);
  pthread_mutex_init (&ctx->arena_lock, NULL);
  pthread_mutex_init (&ctx->transfer_lock, NULL);
  pthread_mutex_init (&ctx->pipeline_lock, NULL);
  if (params != NULL)
    {
      ctx->log = params->log;
      ctx->log_user_data = params->log_user_data;
    }

  if (!ae_vk_open (&ctx->vk, error))
    goto fail;
  bool validation = (params != NULL && params->validation) || env_bool ("ALLEGRO_VALIDATION");
  if (!create_instance (&ctx->vk, validation, &debug_utils, &ctx->instance, error))
    goto fail;
  if (!ae_vk_load_instance (&ctx->vk, ctx->instance, error))
    goto fail;
  ctx->debug_names = debug_utils;
  if (debug_utils && ctx->vk.vkCreateDebugUtilsMessengerEXT != NULL && validation)
    {
      VkDebugUtilsMessengerCreateInfoEXT info = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity
        = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT
                       | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
        .pfnUserCallback = debug_callback,
        .pUserData = ctx,
      };
      ctx->vk.vkCreateDebugUtilsMessengerEXT (ctx->instance, &info, NULL, &ctx->messenger);
    }
  if (!enumerate (&ctx->vk, ctx->instance, &physical, &infos, &n, error))
    goto fail;
  const char *wanted = params != NULL && params->device != NULL ? params->device : ae_getenv ("ALLEGRO_DEVICE");
  int chosen = choose_device (infos, n, wanted, error);
  if (chosen < 0)
    goto fail;
  ctx->physical = physical[chosen];
  ctx->info = infos[chosen];

  /* Switches for debugging and for running other paths on a device. */
  if (env_bool ("ALLEGRO_NO_COOPMAT"))
    {
      ctx->info.nv_coopmat = false;
      ctx->info.khr_coopmat = false;
      if (ctx->info.path == AE_PATH_NV_CM)
        ctx->info.path = ctx->info.type == AE_DEVICE_CPU ? AE_PATH_LVP : AE_PATH_TILED;
    }
  if (env_bool ("ALLEGRO_NO_FP16"))
    ctx->info.fp16 = false;
  if ((value = ae_getenv ("ALLEGRO_KERNELS")) != NULL)
    {
      int found = -1;
      for (int i = 0; i < AE_N_PATHS; i++)
        if (strcmp (value, path_names[i]) == 0)
          found = i;
      if (found < 0 || (found == AE_PATH_NV_CM && !ctx->info.nv_coopmat))
        {
          ae_set_error (error, AE_ERROR_UNSUPPORTED, "ALLEGRO_KERNELS=%s: this device can run lvp and tiled%s.", value,
                        ctx->info.nv_coopmat ? " and nv_cm" : "");
          goto fail;
        }
      ctx->info.path = (ae_path) found;
    }

  if (!create_device (ctx, error))
    goto fail;

  ctx->max_binding_range = ctx->info.max_storage_buffer_range;
  if ((value = ae_getenv ("ALLEGRO_MAX_BINDING_RANGE")) != NULL)
    {
      unsigned long long range = strtoull (value, NULL, 0);
      if (range >= 256 && range < ctx->max_binding_range)
        ctx->max_binding_range = range;
    }
  ctx->max_workgroups = AE_MIN (AE_MIN (ctx->info.max_workgroup_count[0], ctx->info.max_workgroup_count[1]),
                                ctx->info.max_workgroup_count[2]);
  if ((value = ae_getenv ("ALLEGRO_MAX_WORKGROUPS")) != NULL)
    {
      unsigned long groups = strtoul (value, NULL, 0);
      if (groups >= 1 && groups < ctx->max_workgroups)
        ctx->max_workgroups = (uint32_t) groups;
    }

  if (!ae_arena_init (ctx, error) || !ae_transfer_init (ctx, error))
    goto fail;
  if (!ae_pipelines_init (ctx, params != NULL ? params->pipeline_cache_dir : NULL, error))
    goto fail;

  ae_log (ctx, AE_LOG_INFO, "device %u: %s (%s), kernels %s", ctx->info.index, ctx->info.name, ctx->info.driver_name,
          ae_path_name (ctx->info.path));
  free (physical);
  free (infos);
  return ctx;

fail:
  free (physical);
  free (infos);
  ae_context_free (ctx);
  return NULL;
}

void
ae_context_free (ae_context *ctx)
{
  if (ctx == NULL)
    return;
  if (ctx->device != VK_NULL_HANDLE)
    {
      ctx->vk.vkDeviceWaitIdle (ctx->device);
      ae_pipelines_fini (ctx);
      ae_transfer_fini (ctx);
      ae_arena_fini (ctx);
      ctx->vk.vkDestroyDevice (ctx->device, NULL);
    }
  if (ctx->messenger != VK_NULL_HANDLE)
    ctx->vk.vkDestroyDebugUtilsMessengerEXT (ctx->instance, ctx->messenger, NULL);
  if (ctx->instance != VK_NULL_HANDLE)
    ctx->vk.vkDestroyInstance (ctx->instance, NULL);
  ae_vk_close (&ctx->vk);
  pthread_mutex_destroy (&ctx->queue_lock);
  pthread_mutex_destroy (&ctx->arena_lock);
  pthread_mutex_destroy (&ctx->transfer_lock);
  pthread_mutex_destroy (&ctx->pipeline_lock);
  free (ctx);
}

const ae_device_info *
ae_context_device (const ae_context *ctx)
{
  return &ctx->info;
}

bool
ae_path_supported (const ae_context *ctx, ae_path path)
{
  switch (path)
    {
    case AE_PATH_LVP:
      return true;
    case AE_PATH_TILED:
      return true;
    case AE_PATH_NV_CM:
      return ctx->info.nv_coopmat;
    default:
      return false;
    }
}

uint64_t
ae_context_max_binding_range (const ae_context *ctx)
{
  return ctx->max_binding_range;
}

uint32_t
ae_context_max_workgroups (const ae_context *ctx)
{
  return ctx->max_workgroups;
}

int64_t
ae_split_rows (const ae_context *ctx, uint64_t row_bytes)
{
  uint64_t usable = ctx->max_binding_range - ctx->info.min_storage_offset_alignment;
  int64_t rows = row_bytes > 0 ? (int64_t) (usable / row_bytes) : INT64_MAX;
  return rows > 0 ? rows : 1;
}

void
ae_grid_fold (const ae_context *ctx, uint64_t total, uint32_t groups[3])
{
  uint64_t limit = ctx->max_workgroups;

  if (total <= limit)
    {
      groups[0] = (uint32_t) (total > 0 ? total : 1);
      groups[1] = 1;
    }
  else
    {
      groups[0] = (uint32_t) limit;
      groups[1] = (uint32_t) AE_DIV_UP (total, limit);
    }
  groups[2] = 1;
}
