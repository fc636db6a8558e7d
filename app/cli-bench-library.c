/* cli-bench-library.c: `allegro-studio bench library [--takes N] [--dir DIR] [--json]`.
 *
 * Builds a library through the library's own calls (N takes over N/1000
 * projects, each created, given media and rendered; 3N review decisions by
 * four legal reviewers, a third with notes), then times the two queries the
 * window runs most: one project's takes that need review, and a full-text
 * search.  Prints figures; asserts nothing about them. */
#define G_LOG_DOMAIN "cli-library"

#include "cli.h"

#include <cjson/cJSON.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "studio-library.h"

static const char *const words[] = {
  "red",         "blue",     "green",      "yellow",  "orange",     "purple",   "golden",   "silver",     "square",
  "circle",      "triangle", "ribbon",     "lantern", "lighthouse", "harbour",  "forest",   "meadow",     "river",
  "mountain",    "desert",   "city",       "street",  "market",     "kitchen",  "garden",   "rooftop",    "bridge",
  "train",       "bicycle",  "sailboat",   "balloon", "kite",       "umbrella", "teapot",   "violin",     "piano",
  "dancer",      "runner",   "cat",        "dog",     "horse",      "fox",      "owl",      "whale",      "butterfly",
  "moving",      "spinning", "floating",   "falling", "rising",     "drifting", "glowing",  "flickering", "melting",
  "slowly",      "quickly",  "gently",     "left",    "right",      "upward",   "downward", "across",     "through",
  "sunrise",     "sunset",   "night",      "morning", "rain",       "snow",     "fog",      "storm",      "wind",
  "cinematic",   "close-up", "wide",       "aerial",  "handheld",   "macro",    "pastel",   "neon",       "vintage",
  "watercolour", "clay",     "paper",      "glass",   "marble",     "wooden",   "velvet",   "smoke",      "steam",
  "reflection",  "shadow",   "silhouette", "crowd",   "empty",      "quiet",    "busy",     "festival",   "parade",
  "fireworks",   "candles",  "aurora",     "comet",   "planet",     "galaxy",   "robot",    "dragon",     "castle",
};

static char *
random_text (GRand *rand, int min_words, int max_words)
{
  GString *text = g_string_new ("");
  int n = g_rand_int_range (rand, min_words, max_words + 1);

  for (int i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);
    }
  return g_string_free (text, FALSE);
}

typedef struct
{
  double first_ms;
  double median_ms;
  double min_ms;
  double cpu_median_ms; /* this process's CPU time: what a busy machine's wall clock hides */
  guint rows;
} Timing;

static double
cpu_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
  return (double) now.tv_sec * 1000.0 + (double) now.tv_nsec / 1e6;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static gboolean
time_query (StudioLibrary *lib, const StudioTakeQuery *query, Timing *timing, GError **error)
{
  double times[21];
  double cpu_times[21];

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      gint64 start = g_get_monotonic_time ();
      double cpu_start = cpu_ms ();
      g_autoptr (GPtrArray) takes = studio_library_list_takes (lib, query, error);
      if (takes == NULL)
        return FALSE;
      times[i] = (double) (g_get_monotonic_time () - start) / 1000.0;
      cpu_times[i] = cpu_ms () - cpu_start;
      timing->rows = takes->len;
    }
  timing->first_ms = times[0];
  qsort (times, G_N_ELEMENTS (times), sizeof times[0], compare_doubles);
  qsort (cpu_times, G_N_ELEMENTS (cpu_times), sizeof cpu_times[0], compare_doubles);
  timing->cpu_median_ms = cpu_times[G_N_ELEMENTS (cpu_times) / 2];
  timing->min_ms = times[0];
  timing->median_ms = times[G_N_ELEMENTS (times) / 2];
  return TRUE;
}

static gboolean
build (StudioLibrary *lib, int n_takes, GError **error)
{
  static const char *const legal[] = { "lena", "omar", "priya", "jonas" };
  static const char *const creatives[] = { "ada", "ben", "chloe", "dev" };
  static const StudioDecision decisions[] = {
    STUDIO_DECISION_APPROVED,         STUDIO_DECISION_APPROVED,
    STUDIO_DECISION_APPROVED,         STUDIO_DECISION_APPROVED_WITH_CHANGES,
    STUDIO_DECISION_CHANGES_REQUIRED, STUDIO_DECISION_CHANGES_REQUIRED,
    STUDIO_DECISION_CHANGES_REQUIRED, STUDIO_DECISION_REJECTED,
    STUDIO_DECISION_REJECTED,
  };
  g_autoptr (GRand) rand = g_rand_new_with_seed (20241015);
  g_autoptr (GBytes) video_bytes = g_bytes_new_static ("bench video", 11);
  g_autoptr (GBytes) poster_bytes = g_bytes_new_static ("bench poster", 12);
  g_autofree char *video = NULL;
  g_autofree char *poster = NULL;
  int n_projects = MAX (1, n_takes / 1000);
  gint64 first_take = 0;

  video = studio_library_add_media_bytes (lib, video_bytes, "mp4", error);
  poster = video != NULL ? studio_library_add_media_bytes (lib, poster_bytes, "png", error) : NULL;
  if (poster == NULL || !studio_library_batch_begin (lib, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (legal); i++)
    {
      g_autoptr (StudioMember) member = studio_library_add_member (lib, "admin", legal[i], STUDIO_ROLE_LEGAL, error);
      if (member == NULL)
        goto fail;
    }
  for (guint i = 0; i < G_N_ELEMENTS (creatives); i++)
    {
      g_autoptr (StudioMember) member
          = studio_library_add_member (lib, "admin", creatives[i], STUDIO_ROLE_CREATIVE, error);
      if (member == NULL)
        goto fail;
    }
  for (int p = 0; p < n_projects; p++)
    {
      g_autofree char *name = g_strdup_printf ("project-%03d", p);
      g_autoptr (StudioProject) project = studio_library_add_project (lib, "admin", name, "", error);
      if (project == NULL)
        goto fail;
    }
  for (int i = 0; i < n_takes; i++)
    {
      g_autofree char *project = g_strdup_printf ("project-%03d", i % n_projects);
      g_autofree char *prompt = random_text (rand, 6, 14);
      const char *creative = creatives[g_rand_int_range (rand, 0, G_N_ELEMENTS (creatives))];
      StudioRecipe recipe = {
        .prompt = prompt,
        .negative_prompt = (char *) "blurry, low quality",
        .seed = g_rand_int (rand),
        .steps = 30,
        .guidance = 7.5,
        .width = 640,
        .height = 352,
        .frames = 40,
        .fps = 15,
        .scheduler = (char *) "euler-ancestral",
        .model_name = (char *) "rhymes-ai/Allegro",
        .model_hash = (char *) "bench",
        .engine_version = (char *) "bench",
        .device = (char *) "bench",
      };
      StudioTakeParams params = { .project = project, .kind = STUDIO_TAKE_DRAFT, .recipe = &recipe };
      StudioTakeMedia media = { .video = video, .poster = poster };
      gint64 id = studio_library_create_take (lib, creative, &params, error);

      if (id == 0 || !studio_library_set_render_status (lib, id, creative, STUDIO_RENDER_RUNNING, NULL, error)
          || !studio_library_set_take_media (lib, id, creative, &media, error)
          || !studio_library_set_render_status (lib, id, creative, STUDIO_RENDER_DONE, NULL, error))
        goto fail;
      if (first_take == 0)
        first_take = id;
      /* Commit now and then so the write-ahead log stays small. */
      if (i % 5000 == 4999 && (!studio_library_batch_commit (lib, error) || !studio_library_batch_begin (lib, error)))
        return FALSE;
    }
  for (int r = 0; r < 3 * n_takes; r++)
    {
      gint64 take = first_take + g_rand_int_range (rand, 0, n_takes);
      g_autofree char *note = g_rand_int_range (rand, 0, 3) == 0 ? random_text (rand, 3, 10) : NULL;
      if (!studio_library_review (lib, take, legal[g_rand_int_range (rand, 0, G_N_ELEMENTS (legal))],
                                  decisions[g_rand_int_range (rand, 0, G_N_ELEMENTS (decisions))], note, -1, error))
        goto fail;
      if (r % 10000 == 9999 && (!studio_library_batch_commit (lib, error) || !studio_library_batch_begin (lib, error)))
        return FALSE;
    }
  return studio_library_batch_commit (lib, error);

fail:
  studio_library_batch_rollback (lib);
  return FALSE;
}

static gboolean
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *entry;

  if (dir != NULL)
    while ((entry = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, entry, NULL);
        if (g_file_test (child, G_FILE_TEST_IS_DIR))
          remove_tree (child);
        else
          g_unlink (child);
      }
  return g_rmdir (path) == 0;
}

int
cli_bench_library (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *scratch = NULL;
  gboolean json = FALSE;
  int n_takes = 100000;
  StudioTakeQuery needs_review = { .filter_status = TRUE, .status = STUDIO_STATUS_NEEDS_REVIEW };
  StudioTakeQuery search_one = { .search = "lighthouse" };
  StudioTakeQuery search_two = { .search = "lighthouse sunset" };
  /* What a results grid asks for first: a page of the newest matches. */
  StudioTakeQuery search_page = { .search = "lighthouse", .limit = 200 };
  Timing review_timing = { 0 }, search_one_timing = { 0 }, search_two_timing = { 0 }, search_page_timing = { 0 };
  gint64 start;
  double build_seconds;
  int status = 1;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--takes") == 0 && i + 1 < argc)
        n_takes = atoi (argv[++i]);
      else if (strcmp (argv[i], "--dir") == 0 && i + 1 < argc)
        dir = g_strdup (argv[++i]);
      else if (strcmp (argv[i], "--json") == 0)
        json = TRUE;
      else
        {
          cli_error ("usage: allegro-studio bench library [--takes N] [--dir DIR] [--json]");
          return 2;
        }
    }
  if (n_takes < 1 || n_takes > 10000000)
    {
      cli_error ("bench library: --takes must be 1 to 10000000");
      return 2;
    }
  if (dir == NULL)
    {
      scratch = g_dir_make_tmp ("allegro-bench-library-XXXXXX", &error);
      if (scratch == NULL)
        {
          cli_error ("bench library: %s", error->message);
          return 1;
        }
      dir = g_build_filename (scratch, "library", NULL);
    }

  if (!json)
    fprintf (stderr, "building a library of %d takes and %d reviews in %s ...\n", n_takes, 3 * n_takes, dir);
  start = g_get_monotonic_time ();
  lib = studio_library_init (dir, "admin", &error);
  if (lib == NULL || !build (lib, n_takes, &error))
    {
      cli_error ("bench library: %s", error->message);
      goto out;
    }
  build_seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  needs_review.project = n_takes >= 2000 ? "project-001" : "project-000";
  if (!time_query (lib, &needs_review, &review_timing, &error)
      || !time_query (lib, &search_one, &search_one_timing, &error)
      || !time_query (lib, &search_two, &search_two_timing, &error)
      || !time_query (lib, &search_page, &search_page_timing, &error))
    {
      cli_error ("bench library: %s", error->message);
      goto out;
    }
  if (json)
    {
      cJSON *object = cJSON_CreateObject ();
      char *text;
      cJSON_AddNumberToObject (object, "takes", n_takes);
      cJSON_AddNumberToObject (object, "reviews", 3.0 * n_takes);
      cJSON_AddNumberToObject (object, "build_seconds", build_seconds);
      cJSON_AddNumberToObject (object, "needs_review_ms", review_timing.median_ms);
      cJSON_AddNumberToObject (object, "needs_review_rows", review_timing.rows);
      cJSON_AddNumberToObject (object, "search_ms", search_one_timing.median_ms);
      cJSON_AddNumberToObject (object, "search_rows", search_one_timing.rows);
      cJSON_AddNumberToObject (object, "needs_review_cpu_ms", review_timing.cpu_median_ms);
      cJSON_AddNumberToObject (object, "search_cpu_ms", search_one_timing.cpu_median_ms);
      cJSON_AddNumberToObject (object, "search_two_words_ms", search_two_timing.median_ms);
      cJSON_AddNumberToObject (object, "search_two_words_rows", search_two_timing.rows);
      cJSON_AddNumberToObject (object, "search_page_ms", search_page_timing.median_ms);
      cJSON_AddNumberToObject (object, "search_page_rows", search_page_timing.rows);
      text = cJSON_Print (object);
      printf ("%s\n", text);
      cJSON_free (text);
      cJSON_Delete (object);
    }
  else
    {
      printf ("library: %d takes in %d projects, %d reviews; built in %.1f s (%.0f takes/s with their reviews)\n",
              n_takes, MAX (1, n_takes / 1000), 3 * n_takes, build_seconds, n_takes / build_seconds);
      const struct
      {
        const char *name;
        const Timing *timing;
      } rows[] = { { "one project's takes needing review", &review_timing },
                   { "full-text search \"lighthouse\"", &search_one_timing },
                   { "full-text search \"lighthouse sunset\"", &search_two_timing },
                   { "\"lighthouse\", first page of 200", &search_page_timing } };
      printf ("%-40s %6s %10s %8s %9s %11s\n", "query (21 runs)", "rows", "median ms", "min ms", "first ms",
              "median cpu");
      for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
        printf ("%-40s %6u %10.2f %8.2f %9.2f %11.2f\n", rows[i].name, rows[i].timing->rows, rows[i].timing->median_ms,
                rows[i].timing->min_ms, rows[i].timing->first_ms, rows[i].timing->cpu_median_ms);
      printf ("target: under 50 ms each\n");
    }
  status = 0;

out:
  g_clear_pointer (&lib, studio_library_close);
  if (scratch != NULL)
    remove_tree (scratch);
  return status;
}
