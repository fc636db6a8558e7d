/* bench-layout.c: benchmarks of the layout kernels (written with the kernels). */
#include "bench/ae-bench.h"

bool
ae_bench_layout (ae_bench *b, ae_error *error)
{
  return true;
}
