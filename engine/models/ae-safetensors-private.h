/* ae-safetensors-private.h: what the loader files share; not for the app. */
#pragma once

#include "ae-safetensors.h"

struct cJSON;

/* "[2, 3]" (or "[]" for a scalar) into buf. */
const char *ae_st_format_shape (char *buf, size_t size, int ndim, const int64_t *shape);

/* Reads and parses a JSON file of at most 100 MB; errors name the file. */
struct cJSON *ae_st_read_json (const char *path, ae_error *error);

uint64_t ae_st_tensor_numel (const ae_st_tensor *tensor);

/* Converts elements [first, first + count) of a float tensor (F64, F32, F16,
 * BF16) to TO (f32, f16 or bf16, round to nearest even) into out; fails on
 * NaN, infinite values and values beyond TO's range, naming the index. */
bool ae_st_convert_range (const ae_st_tensor *tensor, uint64_t first, uint64_t count, ae_dtype to, void *out,
                          ae_error *error);
