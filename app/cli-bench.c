/* cli-bench.c: `allegro-studio bench ops [--json] [--quick] [--only FAMILY] [--seconds S]`, and the
 * dispatch to `bench render` and, with the GUI, `bench media` and `bench library`. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "bench/ae-bench.h"
#include "config.h"

static void
log_warnings (ae_log_level level, const char *message, void *user_data)
{
  if (level >= AE_LOG_WARNING)
    fprintf (stderr, "%s\n", message);
}

int
cli_bench (int argc, char **argv)
{
  ae_bench_params params = { 0 };
  ae_error error = { 0 };

#if AE_HAVE_GUI
  if (argc >= 2 && strcmp (argv[1], "media") == 0)
    return cli_bench_media (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "library") == 0)
    return cli_bench_library (argc - 1, argv + 1);
#endif
  if (argc >= 2 && strcmp (argv[1], "render") == 0)
    return cli_bench_render (argc, argv);
  if (argc < 2 || strcmp (argv[1], "ops") != 0)
    {
      cli_error ("usage: allegro-studio bench ops [--json] [--quick] [--only FAMILY] [--seconds S]"
                 " | bench render [--json] (see 'allegro-studio help')"
#if AE_HAVE_GUI
                 " | bench media [--json]"
#endif
      );
      return 2;
    }
  for (int i = 2; i < argc; i++)
    {
      if (strcmp (argv[i], "--json") == 0)
        params.json = true;
      else if (strcmp (argv[i], "--quick") == 0)
        params.quick = true;
      else if (strcmp (argv[i], "--only") == 0 && i + 1 < argc)
        params.only = argv[++i];
      else if (strcmp (argv[i], "--seconds") == 0 && i + 1 < argc)
        params.min_seconds = atof (argv[++i]);
      else
        {
          cli_error ("bench ops: unknown option \"%s\"", argv[i]);
          return 2;
        }
    }
  ae_context_params context_params = { .log = log_warnings };
  ae_context *ctx = ae_context_new (&context_params, &error);
  if (ctx == NULL)
    {
      cli_error ("%s", error.message);
      return 1;
    }
  int status = ae_bench_run_all (ctx, &params);
  ae_context_free (ctx);
  return status;
}
