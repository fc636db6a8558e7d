/* bench-norm.c: benchmarks of the norm kernels (written with the kernels). */
#include "bench/ae-bench.h"

bool
ae_bench_norm (ae_bench *b, ae_error *error)
{
  return true;
}
