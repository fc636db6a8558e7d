/* main.c: allegro-studio.  With no arguments, the desktop application; with a
 * subcommand, the same code paths headless. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"

const char *cli_library_dir = NULL;

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

bool
cli_parse_int (const char *text, int64_t min, int64_t max, int64_t *out)
{
  char *end;
  errno = 0;
  long long v = strtoll (text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
    return false;
  *out = v;
  return true;
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
    "generate [--model DIR] --prompt TEXT|--prompt-file F --out PATH [--negative-prompt TEXT] [--seed N] [--steps N]\n"
    "                      [--guidance F] [--width W --height H] [--frames N] [--fps N] [--dtype auto|f32|f16|bf16]\n"
    "                      [--dry-run [--budget-gb N]]   text to video (PNG frames into a folder, or .mp4)" },
  { "make-random-model", cli_make_random_model,
    "make-random-model --configs DIR --out DIR  a model folder of seeded random weights (for tests at full size)" },
  { "bench", cli_bench, "bench ops [--json]        time every kernel (GFLOP/s, GB/s, fraction of peak)" },
  { "bench", cli_bench,
    "bench render [--model DIR] [--prompt TEXT] [--frames N] [--size N] [--steps N] [--guidance F] [--repeat N]\n"
    "                      [--dtype auto|f32|f16|bf16] [--json]   time warm renders, as bench_torch.py times "
    "PyTorch's" },
#if AE_HAVE_GUI
  { "provenance", cli_provenance, "provenance FILE [--json]  show how a video was made and who cleared it" },
  { "media", cli_media, "media probe FILE [--json] size, frames, fps, duration and codec of a video" },
  { "bench", cli_bench, "bench library [--takes N] build a library of N takes, time listing and search" },
  { "init", cli_library_init, "[--library DIR] init --admin NAME" },
  { "member", cli_library_member, "[--library DIR] member add|role NAME --role ROLE --as ADMIN | list [--json]" },
  { "project", cli_library_project, "[--library DIR] project add NAME [--brief TEXT] --as MEMBER | list [--json]" },
  { "import", cli_library_import,
    "[--library DIR] import PROJECT FILE --as MEMBER [--title T] [--source T] [--licence T]" },
  { "takes", cli_library_takes, "[--library DIR] takes [--project NAME] [--status STATUS] [--search TEXT] [--json]" },
  { "show", cli_library_show, "[--library DIR] show TAKE [--json]" },
  { "review", cli_library_review,
    "[--library DIR] review TAKE --decision DECISION --as MEMBER [--note T] [--frame N]" },
  { "clear", cli_library_clear, "[--library DIR] clear TAKE likeness|trademarks|licences|disclosure --as MEMBER" },
  { "rate", cli_library_rate, "[--library DIR] rate TAKE 1..5 --as MEMBER" },
  { "shortlist", cli_library_shortlist, "[--library DIR] shortlist TAKE --as MEMBER [--remove]" },
  { "tag", cli_library_tag, "[--library DIR] tag TAKE WORD --as MEMBER" },
  { "audit", cli_library_audit, "[--library DIR] audit [--json] | audit verify" },
  { "export", cli_library_export,
    "[--library DIR] export TAKE --out FILE [--format mp4|webm] [--label|--no-label] [--draft] --as MEMBER" },
  { "check", cli_library_check, "[--library DIR] check          integrity, audit chain and media" },
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
  /* The global option --library DIR comes before the subcommand. */
  while (argc >= 2 && (strcmp (argv[1], "--library") == 0 || strncmp (argv[1], "--library=", 10) == 0))
    {
#if AE_HAVE_GUI
      int used = argv[1][9] == '=' ? 1 : 2;
      if (used == 2 && argc < 3)
        {
          cli_error ("--library needs a folder: allegro-studio --library DIR COMMAND ...");
          return 2;
        }
      cli_library_dir = used == 2 ? argv[2] : argv[1] + 10;
      argv[used] = argv[0];
      argc -= used;
      argv += used;
#else
      cli_error ("this build has no project library (built with -Dengine_only=true)");
      return 2;
#endif
    }
  if (argc < 2)
    {
#if AE_HAVE_GUI
      return studio_application_run (argc, argv, cli_library_dir);
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
    return studio_application_run (argc, argv, cli_library_dir);
#endif
  cli_error ("unknown command \"%s\"", argv[1]);
  usage (stderr);
  return 2;
}
