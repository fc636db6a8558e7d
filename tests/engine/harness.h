/* harness.h: what every engine test shares.
 *
 * Style learned from ggml's test-backend-ops: random inputs from a fixed
 * seed, rounded to the kernel's storage type, a naive C reference, and the
 * normalised error sum (ref-out)^2 / sum ref^2 against a bound per op and
 * precision.  Each check prints one line; the test ends with
 * "N passed, N failed" and exits 0, 1, or 77 (skip) when there is no device.
 */
#pragma once

#include <stdio.h>

#include "ae-engine.h"
#include "ae-internal.h"
#include "ae-ops.h"
#include "ref/ae-ref.h"

/* A context on the default device (ALLEGRO_DEVICE chooses), logging warnings
 * to stderr.  Exits 77 with the reason when no Vulkan device exists. */
ae_context *th_context (void);

/* A context whose bindings span at most `binding_range` bytes and whose grids
 * fold at `max_workgroups` per axis (ALLEGRO_MAX_BINDING_RANGE and
 * ALLEGRO_MAX_WORKGROUPS), so split paths run on every device; 0 keeps the
 * device's own limit. */
ae_context *th_context_with_limits (uint64_t binding_range, uint32_t max_workgroups);

/* Deterministic uniform numbers in [lo, hi) (splitmix64). */
void th_fill_uniform (float *x, size_t n, uint64_t seed, float lo, float hi);
/* Rounds each value through the storage type. */
void th_round (float *x, size_t n, ae_dtype dtype);
float *th_random (size_t n, uint64_t seed, float lo, float hi, ae_dtype dtype);

double th_nmse (const float *ref, const float *out, size_t n);
double th_max_abs (const float *ref, const float *out, size_t n);

/* Records the result of one comparison and prints it. */
bool th_check (const char *what, const float *ref, const float *out, size_t n, double bound);
/* Records a plain condition. */
bool th_expect (bool condition, const char *format, ...) AE_PRINTF (2, 3);
/* Aborts the test (exit 1) with the error's message when ok is false. */
void th_ok (bool ok, const ae_error *error, const char *what);

/* A new tensor holding `data` (converted to dtype); exits on failure. */
ae_tensor *th_upload (ae_context *ctx, ae_dtype dtype, int ndim, const int64_t *shape, const float *data);
/* A new tensor, followed in memory by a sentinel block filled with a pattern:
 * th_guard_intact tells whether a kernel wrote past the tensor's end. */
ae_tensor *th_new_guarded (ae_context *ctx, ae_dtype dtype, int ndim, const int64_t *shape);
bool th_guard_intact (ae_tensor *t);
void th_free_guarded (ae_tensor *t);
/* The tensor's contents as floats (malloc'ed). */
float *th_download (ae_tensor *t);

/* Finishes the stream, aborting the test on failure. */
void th_finish_stream (ae_stream *s);

/* Prints "N passed, N failed" and returns the exit status. */
int th_summary (void);

/* Normalised-error bounds by storage type, for results that are sums of
 * products: fp32 accumulation keeps f32 near 1e-12; f16 and bf16 inputs are
 * rounded before the reference too, so only output rounding and summation
 * order remain. */
double th_bound (ae_dtype dtype, double f32, double f16, double bf16);
