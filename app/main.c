/* main.c: allegro-studio.  With no arguments, the desktop application; with a
 * subcommand, the same code paths headless. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"

#if AE_HAVE_GUI
#include "studio-application.h"
#endif

void
cli_error (const char *format, ...)
{
  va_list args;
  fprintf (stderr, "allegro-studio: ");
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fprintf (stderr, "\n");
}

bool
cli_has_flag (int argc, char **argv, const char *flag)
{
  for (int i = 0; i < argc; i++)
    if (strcmp (argv[i], flag) == 0)
      return true;
  return false;
}

typedef struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *usage;
} command;

static const command commands[] = {
  { "devices", cli_devices, "devices [--json]          list Vulkan devices and the kernels used on each" },
  { "check-fixtures", cli_check_fixtures,
    "check-fixtures DIR [--dtype f32|f16|bf16]  run golden fixtures through the engine, report errors" },
  { "generate", cli_generate,
    "generate --model DIR --prompt TEXT|--prompt-file F --out PATH [--negative-prompt TEXT] [--seed N] [--steps N]\n"
    "                      [--guidance F] [--width W --height H] [--frames N] [--fps N] [--dtype auto|f32|f16|bf16]\n"
    "                      [--dry-run [--budget-gb N]]   text to video (PNG frames into a folder, or .mp4)" },
  { "bench", cli_bench, "bench ops [--json]        time every kernel (GFLOP/s, GB/s, fraction of peak)" },
#if AE_HAVE_GUI
  { "provenance", cli_provenance, "provenance FILE [--json]  show how a video was made and who cleared it" },
  { "media", cli_media, "media probe FILE [--json] size, frames, fps, duration and codec of a video" },
#endif
};

static void
usage (FILE *out)
{
  fprintf (out, "Usage: allegro-studio                 start the application\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf (out, "       allegro-studio %s\n", commands[i].usage);
  fprintf (out, "       allegro-studio --version\n");
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
#if AE_HAVE_GUI
      return studio_application_run (argc, argv);
#else
      cli_error ("this build has no graphical interface (built with -Dengine_only=true); "
                 "give a subcommand, e.g. 'allegro-studio devices'.");
      usage (stderr);
      return 2;
#endif
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      usage (stdout);
      return 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("allegro-studio %s\n", AE_VERSION);
      return 0;
    }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);
#if AE_HAVE_GUI
  /* GApplication's own options (--gapplication-service and the like). */
  if (argv[1][0] == '-')
    return studio_application_run (argc, argv);
#endif
  cli_error ("unknown command \"%s\"", argv[1]);
  usage (stderr);
  return 2;
}
