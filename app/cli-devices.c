/* cli-devices.c: `allegro-studio devices [--json]`. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "ae-engine.h"
#include "ae-internal.h"

static const char *
type_name (ae_device_type type)
{
  switch (type)
    {
    case AE_DEVICE_DISCRETE:
      return "discrete GPU";
    case AE_DEVICE_INTEGRATED:
      return "integrated GPU";
    case AE_DEVICE_VIRTUAL:
      return "virtual GPU";
    case AE_DEVICE_CPU:
      return "CPU";
    default:
      return "other";
    }
}

/* The kernel variants the engine uses on a device, per family. */
typedef struct
{
  const char *family;
  const char *variant;
} variant_choice;

static int
choose_variants (const ae_device_info *info, variant_choice *out)
{
  int n = 0;
  const char *path = ae_path_name (info->path);
  bool f16 = info->fp16 && info->storage16;

  out[n++] = (variant_choice){ "matmul", info->path == AE_PATH_NV_CM ? "nv_cm (f16 tensor cores, fp32 accumulate)"
                                         : info->path == AE_PATH_LVP ? "lvp (subgroup 8, no shared memory)"
                                                                     : "tiled (shared memory)" };
  out[n++] = (variant_choice){ "attention", info->path == AE_PATH_NV_CM ? "flash nv_cm"
                                            : info->path == AE_PATH_LVP ? "flash lvp"
                                                                        : "flash tiled" };
  out[n++] = (variant_choice){ "convolution", path };
  out[n++] = (variant_choice){ "norms and element-wise", "portable" };
  out[n++] = (variant_choice){ "activation storage", f16 ? "f16 where the model allows, else f32" : "f32" };
  out[n++] = (variant_choice){ "weight storage", f16 ? "bf16 or f16 as published; widened in shaders" : "f32" };
  return n;
}

static void
print_text (const ae_device_info *info, uint32_t chosen)
{
  variant_choice variants[8];
  int n_variants = choose_variants (info, variants);

  printf ("Device %u%s: %s\n", info->index, info->index == chosen ? " (default)" : "", info->name);
  printf ("  type:             %s\n", type_name (info->type));
  printf ("  driver:           %s (%s)\n", info->driver_name, info->driver_info);
  printf ("  Vulkan:           %u.%u.%u\n", VK_API_VERSION_MAJOR (info->api_version),
          VK_API_VERSION_MINOR (info->api_version), VK_API_VERSION_PATCH (info->api_version));
  printf ("  vendor / device:  0x%04x / 0x%04x\n", info->vendor_id, info->device_id);
  for (uint32_t i = 0; i < info->n_heaps; i++)
    printf ("  memory heap %u:    %.1f GiB%s, budget %.1f GiB%s\n", i, info->heaps[i].size / 1073741824.0,
            info->heaps[i].device_local ? " device-local" : "", info->heaps[i].budget / 1073741824.0,
            info->has_memory_budget ? "" : " (no VK_EXT_memory_budget: heap size)");
  printf ("  subgroup size:    %u (min %u, max %u)\n", info->subgroup_size, info->min_subgroup_size,
          info->max_subgroup_size);
  printf ("  fp16 arithmetic:  %s\n", info->fp16 ? "yes" : "no");
  printf ("  16-bit storage:   %s\n", info->storage16 ? "yes" : "no");
  printf ("  int8:             %s (8-bit storage %s)\n", info->int8 ? "yes" : "no", info->storage8 ? "yes" : "no");
  printf ("  coop. matrix:     NV %s, KHR %s", info->nv_coopmat ? "yes" : "no", info->khr_coopmat ? "yes" : "no");
  for (uint32_t i = 0; i < info->n_coopmat_shapes; i++)
    printf ("%s%ux%ux%u", i ? ", " : "; f16 shapes ", info->coopmat_shapes[i].m, info->coopmat_shapes[i].n,
            info->coopmat_shapes[i].k);
  printf ("\n");
  printf ("  shared memory:    %u KiB per workgroup\n", info->max_shared_memory / 1024);
  printf ("  storage range:    %.0f MiB per binding\n", info->max_storage_buffer_range / 1048576.0);
  if (info->sm_count)
    printf ("  multiprocessors:  %u\n", info->sm_count);
  printf ("  kernels:          %s\n", ae_path_name (info->path));
  for (int i = 0; i < n_variants; i++)
    printf ("    %-22s %s\n", variants[i].family, variants[i].variant);
}

static cJSON *
device_json (const ae_device_info *info, uint32_t chosen)
{
  cJSON *o = cJSON_CreateObject ();
  char version[32];
  variant_choice variants[8];
  int n_variants = choose_variants (info, variants);

  cJSON_AddNumberToObject (o, "index", info->index);
  cJSON_AddBoolToObject (o, "default", info->index == chosen);
  cJSON_AddStringToObject (o, "name", info->name);
  cJSON_AddStringToObject (o, "type", type_name (info->type));
  cJSON_AddStringToObject (o, "driver", info->driver_name);
  cJSON_AddStringToObject (o, "driver_info", info->driver_info);
  snprintf (version, sizeof version, "%u.%u.%u", VK_API_VERSION_MAJOR (info->api_version),
            VK_API_VERSION_MINOR (info->api_version), VK_API_VERSION_PATCH (info->api_version));
  cJSON_AddStringToObject (o, "api_version", version);
  cJSON_AddNumberToObject (o, "vendor_id", info->vendor_id);
  cJSON_AddNumberToObject (o, "device_id", info->device_id);
  cJSON *heaps = cJSON_AddArrayToObject (o, "memory_heaps");
  for (uint32_t i = 0; i < info->n_heaps; i++)
    {
      cJSON *h = cJSON_CreateObject ();
      cJSON_AddNumberToObject (h, "size", (double) info->heaps[i].size);
      cJSON_AddNumberToObject (h, "budget", (double) info->heaps[i].budget);
      cJSON_AddNumberToObject (h, "usage", (double) info->heaps[i].usage);
      cJSON_AddBoolToObject (h, "device_local", info->heaps[i].device_local);
      cJSON_AddItemToArray (heaps, h);
    }
  cJSON_AddBoolToObject (o, "memory_budget_extension", info->has_memory_budget);
  cJSON_AddNumberToObject (o, "subgroup_size", info->subgroup_size);
  cJSON_AddNumberToObject (o, "min_subgroup_size", info->min_subgroup_size);
  cJSON_AddNumberToObject (o, "max_subgroup_size", info->max_subgroup_size);
  cJSON_AddBoolToObject (o, "fp16", info->fp16);
  cJSON_AddBoolToObject (o, "storage_16bit", info->storage16);
  cJSON_AddBoolToObject (o, "int8", info->int8);
  cJSON_AddBoolToObject (o, "storage_8bit", info->storage8);
  cJSON *cm = cJSON_AddObjectToObject (o, "cooperative_matrix");
  cJSON_AddBoolToObject (cm, "nv", info->nv_coopmat);
  cJSON_AddBoolToObject (cm, "khr", info->khr_coopmat);
  cJSON *shapes = cJSON_AddArrayToObject (cm, "shapes");
  for (uint32_t i = 0; i < info->n_coopmat_shapes; i++)
    {
      cJSON *s = cJSON_CreateObject ();
      cJSON_AddNumberToObject (s, "m", info->coopmat_shapes[i].m);
      cJSON_AddNumberToObject (s, "n", info->coopmat_shapes[i].n);
      cJSON_AddNumberToObject (s, "k", info->coopmat_shapes[i].k);
      cJSON_AddStringToObject (s, "inputs", "f16");
      cJSON_AddStringToObject (s, "accumulator", "f32");
      cJSON_AddItemToArray (shapes, s);
    }
  cJSON_AddNumberToObject (o, "max_shared_memory", info->max_shared_memory);
  cJSON_AddNumberToObject (o, "max_storage_buffer_range", (double) info->max_storage_buffer_range);
  cJSON_AddNumberToObject (o, "multiprocessors", info->sm_count);
  cJSON_AddStringToObject (o, "kernels", ae_path_name (info->path));
  cJSON *v = cJSON_AddObjectToObject (o, "variants");
  for (int i = 0; i < n_variants; i++)
    cJSON_AddStringToObject (v, variants[i].family, variants[i].variant);
  return o;
}

/* The device a context would choose: the same rule as ae_context_new. */
static uint32_t
default_device (const ae_device_info *list, uint32_t n)
{
  static const int rank[] = { [AE_DEVICE_DISCRETE] = 0,
                              [AE_DEVICE_INTEGRATED] = 1,
                              [AE_DEVICE_VIRTUAL] = 2,
                              [AE_DEVICE_CPU] = 3,
                              [AE_DEVICE_OTHER] = 4 };
  uint32_t best = 0;
  for (uint32_t i = 1; i < n; i++)
    if (rank[list[i].type] < rank[list[best].type])
      best = i;
  return best;
}

int
cli_devices (int argc, char **argv)
{
  ae_device_info *list = NULL;
  uint32_t n = 0;
  ae_error error = { 0 };
  bool json = cli_has_flag (argc, argv, "--json");

  if (!ae_list_devices (&list, &n, &error))
    {
      cli_error ("%s", error.message);
      return 1;
    }
  uint32_t chosen = default_device (list, n);
  const char *wanted = ae_getenv ("ALLEGRO_DEVICE");
  if (wanted != NULL)
    {
      ae_context_params params = { .device = wanted };
      ae_context *ctx = ae_context_new (&params, &error);
      if (ctx == NULL)
        {
          cli_error ("%s", error.message);
          free (list);
          return 1;
        }
      chosen = ae_context_device (ctx)->index;
      ae_context_free (ctx);
    }
  if (json)
    {
      cJSON *array = cJSON_CreateArray ();
      for (uint32_t i = 0; i < n; i++)
        cJSON_AddItemToArray (array, device_json (&list[i], chosen));
      char *text = cJSON_Print (array);
      printf ("%s\n", text);
      cJSON_free (text);
      cJSON_Delete (array);
    }
  else
    for (uint32_t i = 0; i < n; i++)
      {
        if (i > 0)
          printf ("\n");
        print_text (&list[i], chosen);
      }
  free (list);
  return 0;
}
