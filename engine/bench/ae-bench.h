/* ae-bench.h: the kernel benchmarks behind `allegro-studio bench ops`.
 *
 * Each family of kernels has one file, bench-<family>.c, with one entry
 * point that makes its tensors and times each (dtype, shape) through
 * ae_bench_time.  The framework warms up, repeats the recorded op until
 * enough time has passed, and reports GPU time from timestamps (wall time
 * where the device has none), GFLOP/s, GB/s and the fraction of the device's
 * peak, measured by its own micro-benchmarks in the same run.  On a CPU
 * device, a case with gemm_m/n/k set is also timed with OpenBLAS sgemm on
 * the same shape, and the ratio is reported.
 */
#pragma once

#include "ae-engine.h"
#include "ae-ops.h"

typedef struct ae_bench ae_bench;

/* Records the op once into s. */
typedef bool (*ae_bench_record_func) (ae_stream *s, void *state, ae_error *error);

typedef struct
{
  const char *op;                 /* "matmul", "flash_attention", "layer_norm", ... */
  const char *variant;            /* "lvp", "tiled", "nv_cm", or NULL for the stream's default */
  ae_dtype dtype;                 /* storage type of the main operands */
  char shape[96];                 /* how a person reads the shape: "1024x1024x1024", "2x24x16384x96" */
  double flops;                   /* per recorded op; 0 for memory-bound ops */
  double bytes;                   /* bytes read and written per recorded op */
  int64_t gemm_m, gemm_n, gemm_k; /* non-zero: also time OpenBLAS sgemm on CPU devices */
  ae_bench_record_func record;
  void *state;
} ae_bench_case;

/* Times one case and adds its row to the report.  Returns false only when the
 * op itself failed (the error says why); the report then notes the failure. */
bool ae_bench_time (ae_bench *b, const ae_bench_case *c, ae_error *error);

ae_context *ae_bench_context (ae_bench *b);
/* "2x24x16384x96" into buf. */
void ae_bench_shape_text (char *buf, size_t size, int ndim, const int64_t *shape);
/* True for --quick: small shapes and short timings (the CI smoke test). */
bool ae_bench_quick (const ae_bench *b);
/* True when the family's cases should run (--only FAMILY filters). */
bool ae_bench_wants (const ae_bench *b, const char *family);

/* One entry point per family, in bench-<family>.c. */
bool ae_bench_elementwise (ae_bench *b, ae_error *error);
bool ae_bench_matmul (ae_bench *b, ae_error *error);
bool ae_bench_attention (ae_bench *b, ae_error *error);
bool ae_bench_norm (ae_bench *b, ae_error *error);
bool ae_bench_conv (ae_bench *b, ae_error *error);
bool ae_bench_layout (ae_bench *b, ae_error *error);

/* Runs everything and prints the report (text, or JSON with json=true). */
typedef struct
{
  bool json;
  bool quick;
  const char *only;   /* a family name, or NULL for all */
  double min_seconds; /* per case; 0 for the default */
} ae_bench_params;

int ae_bench_run_all (ae_context *ctx, const ae_bench_params *params);
