/* cli-bench.c: `allegro-studio bench ops [--json]`. */
#include "cli.h"

int
cli_bench (int argc, char **argv)
{
  cli_error ("the benchmarks are not built yet");
  return 1;
}
