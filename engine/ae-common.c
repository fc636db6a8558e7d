/* ae-common.c: errors, dtypes, host float conversions and the clock. */
#include "ae-common.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void
ae_set_error (ae_error *error, ae_status code, const char *format, ...)
{
  va_list args;

  if (error == NULL)
    return;
  error->code = code;
  va_start (args, format);
  vsnprintf (error->message, sizeof error->message, format, args);
  va_end (args);
}

const char *
ae_status_name (ae_status code)
{
  switch (code)
    {
    case AE_OK:
      return "ok";
    case AE_ERROR_NO_DRIVER:
      return "no Vulkan driver";
    case AE_ERROR_NO_DEVICE:
      return "no Vulkan device";
    case AE_ERROR_UNSUPPORTED:
      return "unsupported";
    case AE_ERROR_OUT_OF_MEMORY:
      return "out of memory";
    case AE_ERROR_INVALID:
      return "invalid argument";
    case AE_ERROR_CANCELLED:
      return "cancelled";
    case AE_ERROR_DEVICE_LOST:
      return "device lost";
    case AE_ERROR_VULKAN:
      return "Vulkan error";
    case AE_ERROR_IO:
      return "input/output error";
    }
  return "unknown error";
}

static const struct
{
  const char *name;
  size_t size;
} dtypes[AE_N_DTYPES] = {
  [AE_F32] = { "f32", 4 }, [AE_F16] = { "f16", 2 }, [AE_BF16] = { "bf16", 2 },
  [AE_I32] = { "i32", 4 }, [AE_U8] = { "u8", 1 },
};

size_t
ae_dtype_size (ae_dtype dtype)
{
  return dtype < AE_N_DTYPES ? dtypes[dtype].size : 0;
}

const char *
ae_dtype_name (ae_dtype dtype)
{
  return dtype < AE_N_DTYPES ? dtypes[dtype].name : "?";
}

bool
ae_dtype_from_name (const char *name, ae_dtype *out)
{
  for (int i = 0; i < AE_N_DTYPES; i++)
    if (strcmp (name, dtypes[i].name) == 0)
      {
        *out = (ae_dtype) i;
        return true;
      }
  return false;
}

static uint32_t
float_bits (float value)
{
  uint32_t bits;
  memcpy (&bits, &value, 4);
  return bits;
}

static float
bits_float (uint32_t bits)
{
  float value;
  memcpy (&value, &bits, 4);
  return value;
}

uint16_t
ae_f32_to_f16 (float value)
{
  uint32_t x = float_bits (value);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t exponent = (x >> 23) & 0xffu;
  uint32_t mantissa = x & 0x7fffffu;

  if (exponent == 0xff)
    return (uint16_t) (sign | 0x7c00u | (mantissa ? 0x200u : 0));
  int e = (int) exponent - 127 + 15;
  if (e >= 31)
    return (uint16_t) (sign | 0x7c00u);
  if (e <= 0)
    {
      /* Subnormal half (or zero): shift with round to nearest even. */
      if (e < -10)
        return (uint16_t) sign;
      mantissa |= 0x800000u;
      uint32_t shift = (uint32_t) (14 - e);
      uint32_t half = mantissa >> shift;
      uint32_t rest = mantissa & ((1u << shift) - 1);
      uint32_t halfway = 1u << (shift - 1);
      if (rest > halfway || (rest == halfway && (half & 1u)))
        half++;
      return (uint16_t) (sign | half);
    }
  uint32_t half = sign | ((uint32_t) e << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
    half++; /* may carry into the exponent, which is the right answer */
  return (uint16_t) half;
}

float
ae_f16_to_f32 (uint16_t value)
{
  uint32_t sign = (uint32_t) (value & 0x8000u) << 16;
  uint32_t exponent = (value >> 10) & 0x1fu;
  uint32_t mantissa = value & 0x3ffu;

  if (exponent == 0)
    {
      float magnitude = ldexpf ((float) mantissa, -24);
      return sign ? -magnitude : magnitude;
    }
  if (exponent == 31)
    return bits_float (sign | 0x7f800000u | (mantissa << 13));
  return bits_float (sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
}

uint16_t
ae_f32_to_bf16 (float value)
{
  uint32_t x = float_bits (value);

  if ((x & 0x7f800000u) == 0x7f800000u && (x & 0x7fffffu))
    return (uint16_t) ((x >> 16) | 0x40u);
  x += 0x7fffu + ((x >> 16) & 1u);
  return (uint16_t) (x >> 16);
}

float
ae_bf16_to_f32 (uint16_t value)
{
  return bits_float ((uint32_t) value << 16);
}

float
ae_round_to_dtype (float value, ae_dtype dtype)
{
  switch (dtype)
    {
    case AE_F16:
      return ae_f16_to_f32 (ae_f32_to_f16 (value));
    case AE_BF16:
      return ae_bf16_to_f32 (ae_f32_to_bf16 (value));
    default:
      return value;
    }
}

double
ae_monotonic_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}
