/* ae-vk.c: loading Vulkan entry points from the system loader. */
#include "ae-vk.h"

#include <dlfcn.h>
#include <string.h>

bool
ae_vk_open (ae_vk *vk, ae_error *error)
{
  static const char *names[] = { "libvulkan.so.1", "libvulkan.so" };

  memset (vk, 0, sizeof *vk);
  /* ALLEGRO_VULKAN_LOADER names another loader (tests point it nowhere). */
  const char *loader = getenv ("ALLEGRO_VULKAN_LOADER");
  if (loader != NULL && loader[0] != '\0')
    vk->library = dlopen (loader, RTLD_NOW | RTLD_LOCAL);
  else
    for (size_t i = 0; i < AE_N_ELEMENTS (names) && vk->library == NULL; i++)
      vk->library = dlopen (names[i], RTLD_NOW | RTLD_LOCAL);
  if (vk->library == NULL)
    {
      ae_set_error (error, AE_ERROR_NO_DRIVER,
                    "The Vulkan loader (libvulkan.so.1) is not installed. "
                    "Install it with your GPU's Vulkan driver: on Debian or Ubuntu "
                    "'apt install libvulkan1 mesa-vulkan-drivers' (Mesa: AMD, Intel, "
                    "and lavapipe for the CPU) or the NVIDIA driver's Vulkan package.");
      return false;
    }
  vk->vkGetInstanceProcAddr = (PFN_vkGetInstanceProcAddr) dlsym (vk->library, "vkGetInstanceProcAddr");
  if (vk->vkGetInstanceProcAddr == NULL)
    {
      ae_set_error (error, AE_ERROR_NO_DRIVER,
                    "The Vulkan loader found on this system has no vkGetInstanceProcAddr; "
                    "reinstall libvulkan1.");
      ae_vk_close (vk);
      return false;
    }
#define AE_VK_LOAD(name) vk->name = (PFN_##name) vk->vkGetInstanceProcAddr (NULL, #name);
  AE_VK_GLOBAL_FUNCS (AE_VK_LOAD)
#undef AE_VK_LOAD
  if (vk->vkCreateInstance == NULL || vk->vkEnumerateInstanceExtensionProperties == NULL)
    {
      ae_set_error (error, AE_ERROR_NO_DRIVER, "The Vulkan loader is incomplete; reinstall libvulkan1.");
      ae_vk_close (vk);
      return false;
    }
  return true;
}

bool
ae_vk_load_instance (ae_vk *vk, VkInstance instance, ae_error *error)
{
#define AE_VK_LOAD(name)                                                                                               \
  vk->name = (PFN_##name) vk->vkGetInstanceProcAddr (instance, #name);                                                 \
  if (vk->name == NULL)                                                                                                \
    {                                                                                                                  \
      ae_set_error (error, AE_ERROR_NO_DRIVER, "The Vulkan loader lacks %s; it is older than Vulkan 1.1.", #name);     \
      return false;                                                                                                    \
    }
  AE_VK_INSTANCE_FUNCS (AE_VK_LOAD)
#undef AE_VK_LOAD
#define AE_VK_LOAD_OPTIONAL(name) vk->name = (PFN_##name) vk->vkGetInstanceProcAddr (instance, #name);
  AE_VK_INSTANCE_OPTIONAL_FUNCS (AE_VK_LOAD_OPTIONAL)
#undef AE_VK_LOAD_OPTIONAL
  return true;
}

bool
ae_vk_load_device (ae_vk *vk, VkDevice device, ae_error *error)
{
#define AE_VK_LOAD(name)                                                                                               \
  vk->name = (PFN_##name) vk->vkGetDeviceProcAddr (device, #name);                                                     \
  if (vk->name == NULL)                                                                                                \
    {                                                                                                                  \
      ae_set_error (error, AE_ERROR_UNSUPPORTED, "The Vulkan driver lacks %s.", #name);                                \
      return false;                                                                                                    \
    }
  AE_VK_DEVICE_FUNCS (AE_VK_LOAD)
#undef AE_VK_LOAD
#define AE_VK_LOAD_OPTIONAL(name) vk->name = (PFN_##name) vk->vkGetDeviceProcAddr (device, #name);
  AE_VK_DEVICE_OPTIONAL_FUNCS (AE_VK_LOAD_OPTIONAL)
#undef AE_VK_LOAD_OPTIONAL
  return true;
}

void
ae_vk_close (ae_vk *vk)
{
  if (vk->library != NULL)
    dlclose (vk->library);
  memset (vk, 0, sizeof *vk);
}

const char *
ae_vk_result_name (VkResult result)
{
  switch (result)
    {
#define CASE(x)                                                                                                        \
  case x:                                                                                                              \
    return #x;
      CASE (VK_SUCCESS)
      CASE (VK_NOT_READY)
      CASE (VK_TIMEOUT)
      CASE (VK_EVENT_SET)
      CASE (VK_EVENT_RESET)
      CASE (VK_INCOMPLETE)
      CASE (VK_ERROR_OUT_OF_HOST_MEMORY)
      CASE (VK_ERROR_OUT_OF_DEVICE_MEMORY)
      CASE (VK_ERROR_INITIALIZATION_FAILED)
      CASE (VK_ERROR_DEVICE_LOST)
      CASE (VK_ERROR_MEMORY_MAP_FAILED)
      CASE (VK_ERROR_LAYER_NOT_PRESENT)
      CASE (VK_ERROR_EXTENSION_NOT_PRESENT)
      CASE (VK_ERROR_FEATURE_NOT_PRESENT)
      CASE (VK_ERROR_INCOMPATIBLE_DRIVER)
      CASE (VK_ERROR_TOO_MANY_OBJECTS)
      CASE (VK_ERROR_FORMAT_NOT_SUPPORTED)
      CASE (VK_ERROR_FRAGMENTED_POOL)
      CASE (VK_ERROR_UNKNOWN)
      CASE (VK_ERROR_OUT_OF_POOL_MEMORY)
      CASE (VK_ERROR_INVALID_EXTERNAL_HANDLE)
      CASE (VK_ERROR_FRAGMENTATION)
      CASE (VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
      CASE (VK_PIPELINE_COMPILE_REQUIRED)
#undef CASE
    default:
      return "VK_ERROR_(unnamed)";
    }
}

void
ae_vk_set_error (ae_error *error, VkResult result, const char *call, const char *file, int line)
{
  ae_status code = AE_ERROR_VULKAN;

  if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY)
    code = AE_ERROR_OUT_OF_MEMORY;
  else if (result == VK_ERROR_DEVICE_LOST)
    code = AE_ERROR_DEVICE_LOST;
  if (result == VK_ERROR_DEVICE_LOST)
    ae_set_error (error, code,
                  "The GPU stopped responding (VK_ERROR_DEVICE_LOST in %s at %s:%d). "
                  "Restart the application; if it happens again, update the GPU driver.",
                  call, file, line);
  else if (code == AE_ERROR_OUT_OF_MEMORY)
    ae_set_error (error, code,
                  "The GPU ran out of memory (%s in %s at %s:%d). "
                  "Close other programs using the GPU or choose a smaller size.",
                  ae_vk_result_name (result), call, file, line);
  else
    ae_set_error (error, code, "%s failed with %s (%s:%d)", call, ae_vk_result_name (result), file, line);
}
