/* bench-elementwise.c: benchmarks of the elementwise kernels (written with the kernels). */
#include "bench/ae-bench.h"

bool
ae_bench_elementwise (ae_bench *b, ae_error *error)
{
  return true;
}
