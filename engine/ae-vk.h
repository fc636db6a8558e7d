/* ae-vk.h: Vulkan entry points, loaded at run time from libvulkan.so.1.
 *
 * Loading the loader ourselves (rather than linking it) lets a machine with no
 * Vulkan at all get a sentence saying what to install instead of a dynamic
 * linker failure.  Every entry point is listed once, in the X-macro tables.
 */
#pragma once

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include "ae-common.h"

// clang-format off
#define AE_VK_GLOBAL_FUNCS(X) \
  X (vkCreateInstance) \
  X (vkEnumerateInstanceExtensionProperties) \
  X (vkEnumerateInstanceLayerProperties) \
  X (vkEnumerateInstanceVersion)

#define AE_VK_INSTANCE_FUNCS(X) \
  X (vkDestroyInstance) \
  X (vkEnumeratePhysicalDevices) \
  X (vkGetPhysicalDeviceProperties) \
  X (vkGetPhysicalDeviceProperties2) \
  X (vkGetPhysicalDeviceFeatures2) \
  X (vkGetPhysicalDeviceMemoryProperties) \
  X (vkGetPhysicalDeviceMemoryProperties2) \
  X (vkGetPhysicalDeviceQueueFamilyProperties) \
  X (vkEnumerateDeviceExtensionProperties) \
  X (vkCreateDevice) \
  X (vkGetDeviceProcAddr)

/* Optional instance-level functions, NULL when the extension is absent. */
#define AE_VK_INSTANCE_OPTIONAL_FUNCS(X) \
  X (vkGetPhysicalDeviceCooperativeMatrixPropertiesNV) \
  X (vkCreateDebugUtilsMessengerEXT) \
  X (vkDestroyDebugUtilsMessengerEXT) \
  X (vkSetDebugUtilsObjectNameEXT)

#define AE_VK_DEVICE_FUNCS(X) \
  X (vkDestroyDevice) \
  X (vkGetDeviceQueue) \
  X (vkDeviceWaitIdle) \
  X (vkQueueSubmit) \
  X (vkQueueWaitIdle) \
  X (vkAllocateMemory) \
  X (vkFreeMemory) \
  X (vkMapMemory) \
  X (vkUnmapMemory) \
  X (vkFlushMappedMemoryRanges) \
  X (vkInvalidateMappedMemoryRanges) \
  X (vkCreateBuffer) \
  X (vkDestroyBuffer) \
  X (vkGetBufferMemoryRequirements) \
  X (vkBindBufferMemory) \
  X (vkCreateShaderModule) \
  X (vkDestroyShaderModule) \
  X (vkCreatePipelineCache) \
  X (vkDestroyPipelineCache) \
  X (vkGetPipelineCacheData) \
  X (vkCreateComputePipelines) \
  X (vkDestroyPipeline) \
  X (vkCreatePipelineLayout) \
  X (vkDestroyPipelineLayout) \
  X (vkCreateDescriptorSetLayout) \
  X (vkDestroyDescriptorSetLayout) \
  X (vkCreateDescriptorPool) \
  X (vkDestroyDescriptorPool) \
  X (vkResetDescriptorPool) \
  X (vkAllocateDescriptorSets) \
  X (vkUpdateDescriptorSets) \
  X (vkCreateCommandPool) \
  X (vkDestroyCommandPool) \
  X (vkResetCommandPool) \
  X (vkAllocateCommandBuffers) \
  X (vkFreeCommandBuffers) \
  X (vkBeginCommandBuffer) \
  X (vkEndCommandBuffer) \
  X (vkResetCommandBuffer) \
  X (vkCmdBindPipeline) \
  X (vkCmdBindDescriptorSets) \
  X (vkCmdPushConstants) \
  X (vkCmdDispatch) \
  X (vkCmdPipelineBarrier) \
  X (vkCmdCopyBuffer) \
  X (vkCmdFillBuffer) \
  X (vkCmdWriteTimestamp) \
  X (vkCmdResetQueryPool) \
  X (vkCreateQueryPool) \
  X (vkDestroyQueryPool) \
  X (vkGetQueryPoolResults) \
  X (vkCreateFence) \
  X (vkDestroyFence) \
  X (vkResetFences) \
  X (vkWaitForFences) \
  X (vkGetFenceStatus)

#define AE_VK_DEVICE_OPTIONAL_FUNCS(X) \
  X (vkCmdPushDescriptorSetKHR)

// clang-format on

typedef struct
{
  void *library;
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
#define AE_VK_DECLARE(name) PFN_##name name;
  AE_VK_GLOBAL_FUNCS (AE_VK_DECLARE)
  AE_VK_INSTANCE_FUNCS (AE_VK_DECLARE)
  AE_VK_INSTANCE_OPTIONAL_FUNCS (AE_VK_DECLARE)
  AE_VK_DEVICE_FUNCS (AE_VK_DECLARE)
  AE_VK_DEVICE_OPTIONAL_FUNCS (AE_VK_DECLARE)
#undef AE_VK_DECLARE
} ae_vk;

/* Opens the loader and fills the global entry points. */
bool ae_vk_open (ae_vk *vk, ae_error *error);
bool ae_vk_load_instance (ae_vk *vk, VkInstance instance, ae_error *error);
bool ae_vk_load_device (ae_vk *vk, VkDevice device, ae_error *error);
void ae_vk_close (ae_vk *vk);

const char *ae_vk_result_name (VkResult result);

/* Runs a Vulkan call; on failure fills `error` naming the call, its result and
 * the place, and jumps to the function's `out` label. */
#define AE_VK(error, call)                                                                                             \
  do                                                                                                                   \
    {                                                                                                                  \
      VkResult ae_vk_result_ = (call);                                                                                 \
      if (ae_vk_result_ != VK_SUCCESS)                                                                                 \
        {                                                                                                              \
          ae_vk_set_error ((error), ae_vk_result_, #call, __FILE__, __LINE__);                                         \
          goto out;                                                                                                    \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

void ae_vk_set_error (ae_error *error, VkResult result, const char *call, const char *file, int line);
