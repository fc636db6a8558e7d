/* ae-common.h: idioms shared by every engine file.
 *
 * The engine is plain C11 with no GLib, but it reads like the GNOME code above
 * it: bool returns, an error struct filled on failure (like GError), and the
 * same clear/steal helpers.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define AE_N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))
#define AE_MIN(a, b) ((a) < (b) ? (a) : (b))
#define AE_MAX(a, b) ((a) > (b) ? (a) : (b))
#define AE_ALIGN_UP(x, a) ((((x) + (a) -1) / (a)) * (a))
#define AE_DIV_UP(x, a) (((x) + (a) -1) / (a))

#if defined(__GNUC__)
#define AE_PRINTF(f, a) __attribute__ ((format (printf, f, a)))
#define AE_UNUSED __attribute__ ((unused))
#else
#define AE_PRINTF(f, a)
#define AE_UNUSED
#endif

/* Frees *pp with destroy and sets it to NULL; destroy is not called on NULL. */
#define ae_clear_pointer(pp, destroy)                                                                                  \
  do                                                                                                                   \
    {                                                                                                                  \
      if (*(pp) != NULL)                                                                                               \
        {                                                                                                              \
          destroy (*(pp));                                                                                             \
          *(pp) = NULL;                                                                                                \
        }                                                                                                              \
    }                                                                                                                  \
  while (0)

static inline void *
ae_steal_pointer_impl (void *pp)
{
  void **p = (void **) pp;
  void *value = *p;
  *p = NULL;
  return value;
}
#define ae_steal_pointer(pp) ae_steal_pointer_impl ((void *) (pp))

typedef enum
{
  AE_OK = 0,
  AE_ERROR_NO_DRIVER,     /* no Vulkan loader or no driver (ICD) installed */
  AE_ERROR_NO_DEVICE,     /* a loader, but no device (or none matches ALLEGRO_DEVICE) */
  AE_ERROR_UNSUPPORTED,   /* the device lacks a feature the request needs */
  AE_ERROR_OUT_OF_MEMORY, /* beyond the device's budget, or the driver refused */
  AE_ERROR_INVALID,       /* bad arguments: shapes, dtypes, sizes */
  AE_ERROR_CANCELLED,     /* the caller's cancel flag was set */
  AE_ERROR_DEVICE_LOST,   /* the GPU was lost or reset */
  AE_ERROR_VULKAN,        /* any other Vulkan failure; the message names the call */
  AE_ERROR_IO,            /* a file could not be read or written */
} ae_status;

/* Filled by a failing call; callers may pass NULL when they do not care. */
typedef struct
{
  ae_status code;
  char message[512];
} ae_error;

void ae_set_error (ae_error *error, ae_status code, const char *format, ...) AE_PRINTF (3, 4);
const char *ae_status_name (ae_status code);

/* Log sink: the engine has no global state, so a sink is handed to the
 * context at creation.  level: 0 debug, 1 info, 2 warning, 3 error. */
typedef enum
{
  AE_LOG_DEBUG,
  AE_LOG_INFO,
  AE_LOG_WARNING,
  AE_LOG_ERROR,
} ae_log_level;

typedef void (*ae_log_func) (ae_log_level level, const char *message, void *user_data);

/* dtypes of tensors.  bf16 is stored as 16-bit words and widened in shaders. */
typedef enum
{
  AE_F32,
  AE_F16,
  AE_BF16,
  AE_I32,
  AE_U8,
  AE_N_DTYPES,
} ae_dtype;

size_t ae_dtype_size (ae_dtype dtype);
const char *ae_dtype_name (ae_dtype dtype);
/* Parses "f32", "f16", "bf16", "i32", "u8"; returns false otherwise. */
bool ae_dtype_from_name (const char *name, ae_dtype *out);

/* Host conversions, round to nearest even. */
uint16_t ae_f32_to_f16 (float value);
float ae_f16_to_f32 (uint16_t value);
uint16_t ae_f32_to_bf16 (float value);
float ae_bf16_to_f32 (uint16_t value);
/* Rounds a float through a storage type and back (identity for f32). */
float ae_round_to_dtype (float value, ae_dtype dtype);

/* Seconds on the monotonic clock, for timings. */
double ae_monotonic_seconds (void);
