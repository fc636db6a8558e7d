/* cli-library.c: the project library from the command line (init, member,
 * project, import, takes, show, review, clear, rate, shortlist, tag, audit,
 * check) and `bench library`.  Every command goes through the same
 * app/library calls as the window. */
#define G_LOG_DOMAIN "cli-library"

#include "cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "studio-decoder.h"
#include "studio-export.h"
#include "studio-library.h"
#include "studio-provenance.h"
#include "studio-take-provenance.h"

/* Arguments */

typedef struct
{
  const char *name;   /* "--as" */
  const char **value; /* for options with a value */
  gboolean *flag;     /* for flags */
} Option;

/* Splits ARGV (ARGV[0] is the command) into options and up to MAX_POSITIONAL
 * positional arguments; prints what is wrong and returns FALSE. */
static gboolean
parse_args (int argc, char **argv, int first, const Option *options, const char **positional, int min_positional,
            int max_positional, const char *usage)
{
  int n_positional = 0;

  for (int i = first; i < argc; i++)
    {
      const char *arg = argv[i];
      const Option *found = NULL;
      const char *inline_value = NULL;

      if (strcmp (arg, "--") == 0)
        {
          for (i++; i < argc; i++)
            {
              if (n_positional >= max_positional)
                goto too_many;
              positional[n_positional++] = argv[i];
            }
          break;
        }
      if (arg[0] == '-' && arg[1] == '-')
        {
          const char *equals = strchr (arg, '=');
          size_t length = equals != NULL ? (size_t) (equals - arg) : strlen (arg);
          for (const Option *option = options; option != NULL && option->name != NULL; option++)
            if (strlen (option->name) == length && strncmp (option->name, arg, length) == 0)
              found = option;
          if (found == NULL)
            {
              cli_error ("%s: unknown option \"%.*s\"\nusage: allegro-studio [--library DIR] %s", argv[0], (int) length,
                         arg, usage);
              return FALSE;
            }
          if (equals != NULL)
            inline_value = equals + 1;
          if (found->flag != NULL)
            {
              if (inline_value != NULL)
                {
                  cli_error ("%s: %s takes no value", argv[0], found->name);
                  return FALSE;
                }
              *found->flag = TRUE;
            }
          else if (inline_value != NULL)
            *found->value = inline_value;
          else if (i + 1 < argc)
            *found->value = argv[++i];
          else
            {
              cli_error ("%s: %s needs a value\nusage: allegro-studio [--library DIR] %s", argv[0], found->name, usage);
              return FALSE;
            }
          continue;
        }
      if (n_positional >= max_positional)
        goto too_many;
      positional[n_positional++] = arg;
    }
  if (n_positional < min_positional)
    {
      cli_error ("%s: missing arguments\nusage: allegro-studio [--library DIR] %s", argv[0], usage);
      return FALSE;
    }
  return TRUE;

too_many:
  cli_error ("%s: too many arguments\nusage: allegro-studio [--library DIR] %s", argv[0], usage);
  return FALSE;
}

static gboolean
require (const char *command, const char *value, const char *option)
{
  if (value == NULL)
    {
      cli_error ("%s: %s is required", command, option);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_take_id (const char *command, const char *text, gint64 *id)
{
  char *end;
  gint64 value;

  errno = 0;
  value = g_ascii_strtoll (text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value <= 0)
    {
      g_autofree char *shown = g_utf8_make_valid (text, -1);
      cli_error ("%s: \"%s\" is not a take number (takes are numbered from 1; 'allegro-studio takes' lists them)",
                 command, shown);
      return FALSE;
    }
  *id = value;
  return TRUE;
}

static gboolean
parse_int (const char *command, const char *what, const char *text, gint64 min, gint64 max, gint64 *out)
{
  char *end;
  gint64 value;

  errno = 0;
  value = g_ascii_strtoll (text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
    {
      g_autofree char *shown = g_utf8_make_valid (text, -1);
      cli_error ("%s: the %s must be a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ", not \"%s\"",
                 command, what, min, max, shown);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* The library named by --library, or the default one (created on first
 * use). */
static StudioLibrary *
open_library (const char *command)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *default_dir = NULL;
  StudioLibrary *lib;

  if (cli_library_dir != NULL)
    lib = studio_library_open (cli_library_dir, STUDIO_LIBRARY_OPEN_DEFAULT, &error);
  else
    {
      default_dir = studio_library_default_dir ();
      lib = studio_library_open (default_dir, STUDIO_LIBRARY_OPEN_CREATE, &error);
    }
  if (lib == NULL)
    cli_error ("%s: %s", command, error->message);
  return lib;
}

static int
fail (const char *command, GError *error)
{
  cli_error ("%s: %s", command, error->message);
  return 1;
}

static char *
format_time (gint64 usec)
{
  g_autoptr (GDateTime) time = NULL;

  if (usec <= 0)
    return g_strdup ("");
  time = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  if (time == NULL)
    return g_strdup ("?");
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

static void
json_add_time (cJSON *object, const char *key, gint64 usec)
{
  g_autofree char *text = format_time (usec);

  if (usec > 0)
    cJSON_AddStringToObject (object, key, text);
  else
    cJSON_AddNullToObject (object, key);
}

static void
json_add_string_or_null (cJSON *object, const char *key, const char *value)
{
  if (value != NULL)
    cJSON_AddStringToObject (object, key, value);
  else
    cJSON_AddNullToObject (object, key);
}

static int
print_json (cJSON *json)
{
  char *text = cJSON_Print (json);

  if (text == NULL)
    {
      cli_error ("could not write JSON (out of memory)");
      cJSON_Delete (json);
      return 1;
    }
  printf ("%s\n", text);
  cJSON_free (text);
  cJSON_Delete (json);
  return 0;
}

/* init */

int
cli_library_init (int argc, char **argv)
{
  const char *usage = "init --admin NAME";
  const char *admin = NULL;
  g_autofree char *dir = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  Option options[] = { { "--admin", &admin }, { NULL } };

  if (!parse_args (argc, argv, 1, options, NULL, 0, 0, usage) || !require (argv[0], admin, "--admin NAME"))
    return 2;
  dir = cli_library_dir != NULL ? g_strdup (cli_library_dir) : studio_library_default_dir ();
  lib = studio_library_init (dir, admin, &error);
  if (lib == NULL)
    return fail (argv[0], error);
  printf ("created the library %s with %s as its admin\n", studio_library_get_dir (lib), admin);
  return 0;
}

/* member */

static cJSON *
member_json (const StudioMember *member)
{
  cJSON *object = cJSON_CreateObject ();

  cJSON_AddNumberToObject (object, "id", (double) member->id);
  cJSON_AddStringToObject (object, "name", member->name);
  cJSON_AddStringToObject (object, "role", studio_role_to_string (member->role));
  json_add_time (object, "created_at", member->created_at);
  return object;
}

static gboolean
parse_role (const char *command, const char *text, StudioRole *role)
{
  if (!studio_role_from_string (text, role))
    {
      g_autofree char *shown = g_utf8_make_valid (text, -1);
      cli_error ("%s: unknown role \"%s\"; a role is creative, legal, manager or admin", command, shown);
      return FALSE;
    }
  return TRUE;
}

int
cli_library_member (int argc, char **argv)
{
  const char *usage = "member add|role NAME --role creative|legal|manager|admin --as ADMIN, or member list [--json]";
  const char *positional[2] = { NULL };
  const char *role_text = NULL;
  const char *actor = NULL;
  gboolean json = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  Option options[] = { { "--role", &role_text }, { "--as", &actor }, { "--json", NULL, &json }, { NULL } };
  StudioRole role;

  if (!parse_args (argc, argv, 1, options, positional, 1, 2, usage))
    return 2;
  if (strcmp (positional[0], "list") == 0)
    {
      g_autoptr (GPtrArray) members = NULL;
      if ((lib = open_library ("member list")) == NULL)
        return 1;
      members = studio_library_list_members (lib, &error);
      if (members == NULL)
        return fail ("member list", error);
      if (json)
        {
          cJSON *array = cJSON_CreateArray ();
          for (guint i = 0; i < members->len; i++)
            cJSON_AddItemToArray (array, member_json (members->pdata[i]));
          return print_json (array);
        }
      for (guint i = 0; i < members->len; i++)
        {
          StudioMember *member = members->pdata[i];
          printf ("%-24s %s\n", member->name, studio_role_to_string (member->role));
        }
      return 0;
    }
  if (strcmp (positional[0], "add") != 0 && strcmp (positional[0], "role") != 0)
    {
      cli_error ("member: unknown subcommand \"%s\"\nusage: allegro-studio [--library DIR] %s", positional[0], usage);
      return 2;
    }
  if (positional[1] == NULL)
    {
      cli_error ("member %s: give the member's NAME\nusage: allegro-studio [--library DIR] %s", positional[0], usage);
      return 2;
    }
  if (!require ("member", role_text, "--role ROLE") || !require ("member", actor, "--as ADMIN")
      || !parse_role ("member", role_text, &role))
    return 2;
  if ((lib = open_library ("member")) == NULL)
    return 1;
  if (strcmp (positional[0], "add") == 0)
    {
      g_autoptr (StudioMember) member = studio_library_add_member (lib, actor, positional[1], role, &error);
      if (member == NULL)
        return fail ("member add", error);
      if (json)
        return print_json (member_json (member));
      printf ("added %s as %s\n", member->name, studio_role_to_string (member->role));
      return 0;
    }
  if (!studio_library_set_member_role (lib, actor, positional[1], role, &error))
    return fail ("member role", error);
  printf ("%s is now %s\n", positional[1], studio_role_to_string (role));
  return 0;
}

/* project */

static cJSON *
project_json (const StudioProject *project)
{
  cJSON *object = cJSON_CreateObject ();

  cJSON_AddNumberToObject (object, "id", (double) project->id);
  cJSON_AddStringToObject (object, "name", project->name);
  cJSON_AddStringToObject (object, "brief", project->brief);
  cJSON_AddBoolToObject (object, "archived", project->archived);
  cJSON_AddStringToObject (object, "created_by", project->created_by);
  json_add_time (object, "created_at", project->created_at);
  cJSON_AddNumberToObject (object, "takes", (double) project->n_takes);
  return object;
}

int
cli_library_project (int argc, char **argv)
{
  const char *usage = "project add NAME [--brief TEXT] --as MEMBER, project archive|restore NAME --as MEMBER, or "
                      "project list [--json]";
  const char *positional[2] = { NULL };
  const char *brief = NULL;
  const char *actor = NULL;
  gboolean json = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  Option options[] = { { "--brief", &brief }, { "--as", &actor }, { "--json", NULL, &json }, { NULL } };

  if (!parse_args (argc, argv, 1, options, positional, 1, 2, usage))
    return 2;
  if (strcmp (positional[0], "list") == 0)
    {
      g_autoptr (GPtrArray) projects = NULL;
      if ((lib = open_library ("project list")) == NULL)
        return 1;
      projects = studio_library_list_projects (lib, &error);
      if (projects == NULL)
        return fail ("project list", error);
      if (json)
        {
          cJSON *array = cJSON_CreateArray ();
          for (guint i = 0; i < projects->len; i++)
            cJSON_AddItemToArray (array, project_json (projects->pdata[i]));
          return print_json (array);
        }
      for (guint i = 0; i < projects->len; i++)
        {
          StudioProject *project = projects->pdata[i];
          printf ("%-32s %6" G_GINT64_FORMAT " takes%s\n", project->name, project->n_takes,
                  project->archived ? "  (archived)" : "");
        }
      return 0;
    }
  if (positional[1] == NULL || !require ("project", actor, "--as MEMBER"))
    {
      if (positional[1] == NULL)
        cli_error ("project: give the project's NAME\nusage: allegro-studio [--library DIR] %s", usage);
      return 2;
    }
  if (strcmp (positional[0], "add") == 0)
    {
      g_autoptr (StudioProject) project = NULL;
      if ((lib = open_library ("project add")) == NULL)
        return 1;
      project = studio_library_add_project (lib, actor, positional[1], brief, &error);
      if (project == NULL)
        return fail ("project add", error);
      if (json)
        return print_json (project_json (project));
      printf ("added the project %s\n", project->name);
      return 0;
    }
  if (strcmp (positional[0], "archive") == 0 || strcmp (positional[0], "restore") == 0)
    {
      gboolean archive = strcmp (positional[0], "archive") == 0;
      if ((lib = open_library ("project")) == NULL)
        return 1;
      if (!studio_library_set_project_archived (lib, actor, positional[1], archive, &error))
        return fail ("project", error);
      printf ("%s the project %s\n", archive ? "archived" : "restored", positional[1]);
      return 0;
    }
  cli_error ("project: unknown subcommand \"%s\"\nusage: allegro-studio [--library DIR] %s", positional[0], usage);
  return 2;
}

/* import */

int
cli_library_import (int argc, char **argv)
{
  const char *usage = "import PROJECT FILE --as MEMBER [--title TEXT] [--source TEXT] [--licence TEXT] [--json]";
  const char *positional[2] = { NULL };
  const char *actor = NULL, *title = NULL, *source = NULL, *licence = NULL;
  gboolean json = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  Option options[] = { { "--as", &actor },        { "--title", &title },     { "--source", &source },
                       { "--licence", &licence }, { "--json", NULL, &json }, { NULL } };
  gint64 id;

  if (!parse_args (argc, argv, 1, options, positional, 2, 2, usage) || !require (argv[0], actor, "--as MEMBER"))
    return 2;
  /* Footage is kept only when we can play it: probe it with our decoder. */
  g_autoptr (StudioDecoder) decoder = studio_decoder_open (positional[1], &error);
  if (decoder == NULL)
    return fail (argv[0], error);
  const StudioMediaInfo *info = studio_decoder_get_info (decoder);
  if ((lib = open_library (argv[0])) == NULL)
    return 1;
  id = studio_library_import (lib, actor, positional[0], positional[1], title, source, licence, &error);
  if (id == 0)
    return fail (argv[0], error);
  if (json)
    {
      g_autoptr (StudioTake) take = studio_library_get_take (lib, id, &error);
      cJSON *object = cJSON_CreateObject ();
      cJSON_AddNumberToObject (object, "id", (double) id);
      if (take != NULL)
        {
          cJSON_AddStringToObject (object, "project", take->project);
          cJSON_AddStringToObject (object, "title", take->title);
          json_add_string_or_null (object, "video", take->video);
        }
      cJSON *probe = cJSON_AddObjectToObject (object, "probe");
      cJSON_AddNumberToObject (probe, "width", info->width);
      cJSON_AddNumberToObject (probe, "height", info->height);
      cJSON_AddNumberToObject (probe, "fps", info->fps);
      cJSON_AddNumberToObject (probe, "frames", (double) info->frame_count);
      cJSON_AddNumberToObject (probe, "duration", info->duration);
      cJSON_AddStringToObject (probe, "codec", info->codec);
      return print_json (object);
    }
  printf ("%" G_GINT64_FORMAT "\n", id);
  return 0;
}

/* takes */

static cJSON *
ids_json (GArray *ids)
{
  cJSON *array = cJSON_CreateArray ();

  for (guint i = 0; ids != NULL && i < ids->len; i++)
    cJSON_AddItemToArray (array, cJSON_CreateNumber ((double) g_array_index (ids, gint64, i)));
  return array;
}

static cJSON *
take_json (const StudioTake *take, gboolean details)
{
  cJSON *object = cJSON_CreateObject ();
  cJSON *recipe, *render, *media;

  cJSON_AddNumberToObject (object, "id", (double) take->id);
  cJSON_AddStringToObject (object, "project", take->project);
  cJSON_AddStringToObject (object, "title", take->title);
  cJSON_AddStringToObject (object, "kind", studio_take_kind_to_string (take->kind));
  cJSON_AddStringToObject (object, "status", studio_review_status_to_string (take->review_status));
  cJSON_AddBoolToObject (object, "locked", take->locked);
  if (take->parent_id > 0)
    cJSON_AddNumberToObject (object, "parent", (double) take->parent_id);
  else
    cJSON_AddNullToObject (object, "parent");
  cJSON_AddStringToObject (object, "render_status", studio_render_status_to_string (take->render_status));
  cJSON_AddStringToObject (object, "created_by", take->created_by);
  json_add_time (object, "created_at", take->created_at);
  cJSON_AddBoolToObject (object, "shortlisted", take->shortlisted);
  if (take->n_ratings > 0)
    cJSON_AddNumberToObject (object, "rating", take->rating);
  else
    cJSON_AddNullToObject (object, "rating");
  cJSON_AddNumberToObject (object, "ratings", take->n_ratings);
  if (!details)
    return object;

  recipe = cJSON_AddObjectToObject (object, "recipe");
  cJSON_AddStringToObject (recipe, "prompt", take->recipe.prompt);
  cJSON_AddStringToObject (recipe, "negative_prompt", take->recipe.negative_prompt);
  cJSON_AddNumberToObject (recipe, "seed", (double) take->recipe.seed);
  cJSON_AddNumberToObject (recipe, "steps", take->recipe.steps);
  cJSON_AddNumberToObject (recipe, "guidance", take->recipe.guidance);
  cJSON_AddNumberToObject (recipe, "width", take->recipe.width);
  cJSON_AddNumberToObject (recipe, "height", take->recipe.height);
  cJSON_AddNumberToObject (recipe, "frames", take->recipe.frames);
  cJSON_AddNumberToObject (recipe, "fps", take->recipe.fps);
  cJSON_AddStringToObject (recipe, "scheduler", take->recipe.scheduler);
  cJSON_AddStringToObject (recipe, "model_name", take->recipe.model_name);
  cJSON_AddStringToObject (recipe, "model_hash", take->recipe.model_hash);
  cJSON_AddStringToObject (recipe, "engine_version", take->recipe.engine_version);
  cJSON_AddStringToObject (recipe, "device", take->recipe.device);
  cJSON_AddStringToObject (object, "source", take->source);
  cJSON_AddStringToObject (object, "licence", take->licence);

  render = cJSON_AddObjectToObject (object, "render");
  cJSON_AddStringToObject (render, "status", studio_render_status_to_string (take->render_status));
  cJSON_AddStringToObject (render, "error", take->render_error);
  json_add_time (render, "queued_at", take->queued_at);
  json_add_time (render, "started_at", take->started_at);
  json_add_time (render, "finished_at", take->finished_at);

  media = cJSON_AddObjectToObject (object, "media");
  json_add_string_or_null (media, "video", take->video);
  json_add_string_or_null (media, "poster", take->poster);
  json_add_string_or_null (media, "preview_strip", take->preview_strip);
  json_add_string_or_null (media, "latent", take->latent);

  {
    cJSON *reviews = cJSON_AddArrayToObject (object, "reviews");
    for (guint i = 0; take->reviews != NULL && i < take->reviews->len; i++)
      {
        StudioReview *review = take->reviews->pdata[i];
        cJSON *item = cJSON_CreateObject ();
        cJSON_AddStringToObject (item, "member", review->member);
        cJSON_AddStringToObject (item, "decision", studio_decision_to_string (review->decision));
        cJSON_AddStringToObject (item, "note", review->note);
        if (review->frame >= 0)
          cJSON_AddNumberToObject (item, "frame", (double) review->frame);
        else
          cJSON_AddNullToObject (item, "frame");
        json_add_time (item, "time", review->time);
        cJSON_AddItemToArray (reviews, item);
      }
  }
  {
    cJSON *checklist = cJSON_AddArrayToObject (object, "checklist");
    for (int i = 0; i < STUDIO_CLEARANCE_COUNT; i++)
      {
        const StudioClearanceItem *entry = &take->checklist[i];
        cJSON *item = cJSON_CreateObject ();
        cJSON_AddStringToObject (item, "item", studio_clearance_to_string (entry->item));
        cJSON_AddStringToObject (item, "description", studio_clearance_describe (entry->item));
        cJSON_AddBoolToObject (item, "cleared", entry->member != NULL);
        json_add_string_or_null (item, "member", entry->member);
        json_add_time (item, "time", entry->cleared_at);
        cJSON_AddItemToArray (checklist, item);
      }
  }
  {
    cJSON *tags = cJSON_AddArrayToObject (object, "tags");
    for (guint i = 0; take->tags != NULL && i < take->tags->len; i++)
      cJSON_AddItemToArray (tags, cJSON_CreateString (take->tags->pdata[i]));
  }
  {
    cJSON *lineage = cJSON_AddObjectToObject (object, "lineage");
    cJSON_AddItemToObject (lineage, "ancestors", ids_json (take->ancestors));
    cJSON_AddItemToObject (lineage, "children", ids_json (take->children));
  }
  return object;
}

int
cli_library_takes (int argc, char **argv)
{
  const char *usage = "takes [--project NAME] [--status needs-review|approved|approved-with-changes|changes-required|"
                      "rejected] [--search TEXT] [--shortlisted] [--json]";
  const char *status = NULL;
  gboolean json = FALSE;
  gboolean shortlisted = FALSE;
  StudioTakeQuery query = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  g_autoptr (GPtrArray) takes = NULL;
  Option options[] = { { "--project", &query.project },         { "--status", &status },
                       { "--search", &query.search },           { "--json", NULL, &json },
                       { "--shortlisted", NULL, &shortlisted }, { NULL } };

  if (!parse_args (argc, argv, 1, options, NULL, 0, 0, usage))
    return 2;
  if (status != NULL)
    {
      if (!studio_review_status_from_string (status, &query.status))
        {
          g_autofree char *shown = g_utf8_make_valid (status, -1);
          cli_error ("takes: unknown status \"%s\"; use needs-review, approved, approved-with-changes, "
                     "changes-required or rejected",
                     shown);
          return 2;
        }
      query.filter_status = TRUE;
    }
  query.shortlisted_only = shortlisted;
  if ((lib = open_library (argv[0])) == NULL)
    return 1;
  takes = studio_library_list_takes (lib, &query, &error);
  if (takes == NULL)
    return fail (argv[0], error);
  if (json)
    {
      cJSON *array = cJSON_CreateArray ();
      for (guint i = 0; i < takes->len; i++)
        cJSON_AddItemToArray (array, take_json (takes->pdata[i], FALSE));
      return print_json (array);
    }
  if (takes->len == 0)
    {
      printf ("no takes\n");
      return 0;
    }
  printf ("%6s  %-20s  %-8s  %-21s  %s\n", "ID", "PROJECT", "KIND", "STATUS", "TITLE");
  for (guint i = 0; i < takes->len; i++)
    {
      StudioTake *take = takes->pdata[i];
      printf ("%6" G_GINT64_FORMAT "  %-20s  %-8s  %-21s  %s%s\n", take->id, take->project,
              studio_take_kind_to_string (take->kind), studio_review_status_to_string (take->review_status),
              take->title, take->shortlisted ? "  [shortlisted]" : "");
    }
  return 0;
}

/* show */

static void
print_ids (const char *label, GArray *ids)
{
  if (ids == NULL || ids->len == 0)
    return;
  printf ("  %-10s", label);
  for (guint i = 0; i < ids->len; i++)
    printf ("%s%" G_GINT64_FORMAT, i > 0 ? ", " : "", g_array_index (ids, gint64, i));
  printf ("\n");
}

int
cli_library_show (int argc, char **argv)
{
  const char *usage = "show TAKE [--json]";
  const char *positional[1] = { NULL };
  gboolean json = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  g_autoptr (StudioTake) take = NULL;
  Option options[] = { { "--json", NULL, &json }, { NULL } };
  gint64 id;
  StudioRecipe *recipe;

  if (!parse_args (argc, argv, 1, options, positional, 1, 1, usage) || !parse_take_id (argv[0], positional[0], &id))
    return 2;
  if ((lib = open_library (argv[0])) == NULL)
    return 1;
  take = studio_library_get_take (lib, id, &error);
  if (take == NULL)
    return fail (argv[0], error);
  if (json)
    return print_json (take_json (take, TRUE));

  recipe = &take->recipe;
  printf ("Take %" G_GINT64_FORMAT ": %s\n", take->id, take->title);
  printf ("  %-10s%s\n", "project", take->project);
  printf ("  %-10s%s\n", "kind", studio_take_kind_to_string (take->kind));
  printf ("  %-10s%s%s\n", "status", studio_review_status_to_string (take->review_status),
          take->locked ? " (locked: approved takes never change)" : "");
  {
    g_autofree char *created = format_time (take->created_at);
    printf ("  %-10s%s by %s\n", "created", created, take->created_by);
  }
  printf ("  %-10s%s%s%s\n", "render", studio_render_status_to_string (take->render_status),
          *take->render_error ? ": " : "", take->render_error);
  if (take->kind != STUDIO_TAKE_IMPORTED && take->started_at > 0 && take->finished_at >= take->started_at)
    printf ("  %-10s%.1f s\n", "took", (double) (take->finished_at - take->started_at) / G_USEC_PER_SEC);
  if (take->kind == STUDIO_TAKE_IMPORTED)
    {
      printf ("  %-10s%s\n", "source", take->source);
      printf ("  %-10s%s\n", "licence", take->licence);
    }
  else
    {
      printf ("  %-10s%s\n", "prompt", recipe->prompt);
      if (*recipe->negative_prompt)
        printf ("  %-10s%s\n", "negative", recipe->negative_prompt);
      printf ("  %-10sseed %" G_GINT64_FORMAT ", %d steps, guidance %g, %dx%d, %d frames at %g fps, %s\n", "recipe",
              recipe->seed, recipe->steps, recipe->guidance, recipe->width, recipe->height, recipe->frames, recipe->fps,
              *recipe->scheduler ? recipe->scheduler : "default scheduler");
      printf ("  %-10s%s %s, engine %s on %s\n", "model", recipe->model_name, recipe->model_hash,
              recipe->engine_version, recipe->device);
    }
  if (take->video != NULL)
    printf ("  %-10s%s\n", "video", take->video);
  if (take->poster != NULL)
    printf ("  %-10s%s\n", "poster", take->poster);
  if (take->preview_strip != NULL)
    printf ("  %-10s%s\n", "preview", take->preview_strip);
  if (take->latent != NULL)
    printf ("  %-10s%s\n", "latent", take->latent);
  if (take->parent_id > 0)
    print_ids ("lineage", take->ancestors);
  print_ids ("children", take->children);
  if (take->tags->len > 0)
    {
      g_autofree char *tags = NULL;
      g_ptr_array_add (take->tags, NULL);
      tags = g_strjoinv (", ", (char **) take->tags->pdata);
      g_ptr_array_remove_index (take->tags, take->tags->len - 1);
      printf ("  %-10s%s\n", "tags", tags);
    }
  if (take->n_ratings > 0)
    printf ("  %-10s%.1f of 5 (%d ratings)\n", "rating", take->rating, take->n_ratings);
  if (take->shortlisted)
    printf ("  %-10syes\n", "shortlist");
  printf ("  checklist:\n");
  for (int i = 0; i < STUDIO_CLEARANCE_COUNT; i++)
    {
      const StudioClearanceItem *entry = &take->checklist[i];
      g_autofree char *when = format_time (entry->cleared_at);
      if (entry->member != NULL)
        printf ("    [x] %-11s %s: cleared by %s at %s\n", studio_clearance_to_string (entry->item),
                studio_clearance_describe (entry->item), entry->member, when);
      else
        printf ("    [ ] %-11s %s\n", studio_clearance_to_string (entry->item),
                studio_clearance_describe (entry->item));
    }
  printf ("  reviews:%s\n", take->reviews->len == 0 ? " none yet" : "");
  for (guint i = 0; i < take->reviews->len; i++)
    {
      StudioReview *review = take->reviews->pdata[i];
      g_autofree char *when = format_time (review->time);
      g_autofree char *frame
          = review->frame >= 0 ? g_strdup_printf (" at frame %" G_GINT64_FORMAT, review->frame) : g_strdup ("");
      printf ("    %s %s: %s%s%s%s\n", when, review->member, studio_decision_to_string (review->decision), frame,
              *review->note ? ": " : "", review->note);
    }
  return 0;
}

/* review, clear, rate, shortlist, tag */

int
cli_library_review (int argc, char **argv)
{
  const char *usage = "review TAKE --decision approved|approved-with-changes|changes-required|rejected --as MEMBER "
                      "[--note TEXT] [--frame N]";
  const char *positional[1] = { NULL };
  const char *decision_text = NULL, *actor = NULL, *note = NULL, *frame_text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  Option options[] = {
    { "--decision", &decision_text }, { "--as", &actor }, { "--note", &note }, { "--frame", &frame_text }, { NULL }
  };
  StudioDecision decision;
  gint64 id;
  gint64 frame = -1;

  if (!parse_args (argc, argv, 1, options, positional, 1, 1, usage) || !parse_take_id (argv[0], positional[0], &id)
      || !require (argv[0], decision_text, "--decision DECISION") || !require (argv[0], actor, "--as MEMBER"))
    return 2;
  if (!studio_decision_from_string (decision_text, &decision))
    {
      g_autofree char *shown = g_utf8_make_valid (decision_text, -1);
      cli_error ("review: unknown decision \"%s\"; use approved, approved-with-changes, changes-required or rejected",
                 shown);
      return 2;
    }
  if (frame_text != NULL && !parse_int (argv[0], "frame number", frame_text, 0, G_MAXINT32, &frame))
    return 2;
  if ((lib = open_library (argv[0])) == NULL)
    return 1;
  if (!studio_library_review (lib, id, actor, decision, note, frame, &error))
    return fail (argv[0], error);
  printf ("take %" G_GINT64_FORMAT ": %s by %s%s\n", id, studio_decision_to_string (decision), actor,
          decision >= STUDIO_DECISION_APPROVED_WITH_CHANGES ? " (the take is locked)" : "");
  return 0;
}

int
cli_library_clear (int argc, char **argv)
{
  const char *usage = "clear TAKE likeness|trademarks|licences|disclosure --as MEMBER";
  const char *positional[2] = { NULL };
  const char *actor = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  Option options[] = { { "--as", &actor }, { NULL } };
  StudioClearance item;
  gint64 id;

  if (!parse_args (argc, argv, 1, options, positional, 2, 2, usage) || !parse_take_id (argv[0], positional[0], &id)
      || !require (argv[0], actor, "--as MEMBER"))
    return 2;
  if (!studio_clearance_from_string (positional[1], &item))
    {
      g_autofree char *shown = g_utf8_make_valid (positional[1], -1);
      cli_error ("clear: unknown checklist item \"%s\"; use likeness, trademarks, licences or disclosure", shown);
      return 2;
    }
  if ((lib = open_library (argv[0])) == NULL)
    return 1;
  if (!studio_library_clear (lib, id, actor, item, &error))
    return fail (argv[0], error);
  printf ("take %" G_GINT64_FORMAT ": %s cleared by %s\n", id, studio_clearance_describe (item), actor);
  return 0;
}

int
cli_library_rate (int argc, char **argv)
{
  const char *usage = "rate TAKE 1..5 --as MEMBER";
  const char *positional[2] = { NULL };
  const char *actor = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  Option options[] = { { "--as", &actor }, { NULL } };
  gint64 id, stars;

  if (!parse_args (argc, argv, 1, options, positional, 2, 2, usage) || !parse_take_id (argv[0], positional[0], &id)
      || !parse_int (argv[0], "rating", positional[1], 1, 5, &stars) || !require (argv[0], actor, "--as MEMBER"))
    return 2;
  if ((lib = open_library (argv[0])) == NULL)
    return 1;
  if (!studio_library_rate (lib, id, actor, (int) stars, &error))
    return fail (argv[0], error);
  printf ("take %" G_GINT64_FORMAT ": rated %d by %s\n", id, (int) stars, actor);
  return 0;
}

int
cli_library_shortlist (int argc, char **argv)
{
  const char *usage = "shortlist TAKE --as MEMBER [--remove]";
  const char *positional[1] = { NULL };
  const char *actor = NULL;
  gboolean remove = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  Option options[] = { { "--as", &actor }, { "--remove", NULL, &remove }, { NULL } };
  gint64 id;

  if (!parse_args (argc, argv, 1, options, positional, 1, 1, usage) || !parse_take_id (argv[0], positional[0], &id)
      || !require (argv[0], actor, "--as MEMBER"))
    return 2;
  if ((lib = open_library (argv[0])) == NULL)
    return 1;
  if (!studio_library_shortlist (lib, id, actor, !remove, &error))
    return fail (argv[0], error);
  printf ("take %" G_GINT64_FORMAT ": %s the shortlist\n", id, remove ? "off" : "on");
  return 0;
}

int
cli_library_tag (int argc, char **argv)
{
  const char *usage = "tag TAKE WORD --as MEMBER";
  const char *positional[2] = { NULL };
  const char *actor = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  Option options[] = { { "--as", &actor }, { NULL } };
  gint64 id;

  if (!parse_args (argc, argv, 1, options, positional, 2, 2, usage) || !parse_take_id (argv[0], positional[0], &id)
      || !require (argv[0], actor, "--as MEMBER"))
    return 2;
  if ((lib = open_library (argv[0])) == NULL)
    return 1;
  if (!studio_library_tag (lib, id, actor, positional[1], &error))
    return fail (argv[0], error);
  printf ("take %" G_GINT64_FORMAT ": tagged %s\n", id, positional[1]);
  return 0;
}

/* audit, check */

int
cli_library_audit (int argc, char **argv)
{
  const char *usage = "audit [--json], or audit verify [--json]";
  const char *positional[1] = { NULL };
  gboolean json = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  Option options[] = { { "--json", NULL, &json }, { NULL } };

  if (!parse_args (argc, argv, 1, options, positional, 0, 1, usage))
    return 2;
  if (positional[0] != NULL && strcmp (positional[0], "verify") != 0)
    {
      cli_error ("audit: unknown subcommand \"%s\"\nusage: allegro-studio [--library DIR] %s", positional[0], usage);
      return 2;
    }
  if ((lib = open_library (argv[0])) == NULL)
    return 1;
  if (positional[0] != NULL)
    {
      gint64 n_rows = 0, first_bad = 0;
      gboolean ok = studio_library_verify_audit (lib, &n_rows, &first_bad, &error);
      if (json)
        {
          cJSON *object = cJSON_CreateObject ();
          cJSON_AddBoolToObject (object, "ok", ok);
          cJSON_AddNumberToObject (object, "rows", (double) n_rows);
          if (!ok)
            {
              cJSON_AddNumberToObject (object, "first_bad", (double) first_bad);
              cJSON_AddStringToObject (object, "error", error->message);
            }
          print_json (object);
        }
      if (!ok)
        {
          cli_error ("audit verify: %s", error->message);
          return 1;
        }
      if (!json)
        printf ("the audit log is intact: %" G_GINT64_FORMAT " rows, each chained to the one before\n", n_rows);
      return 0;
    }
  {
    g_autoptr (GPtrArray) rows = studio_library_list_audit (lib, 0, 0, &error);
    if (rows == NULL)
      return fail (argv[0], error);
    if (json)
      {
        cJSON *array = cJSON_CreateArray ();
        for (guint i = 0; i < rows->len; i++)
          {
            StudioAuditRow *row = rows->pdata[i];
            cJSON *object = cJSON_CreateObject ();
            cJSON *details = cJSON_Parse (row->details);
            cJSON_AddNumberToObject (object, "id", (double) row->id);
            json_add_time (object, "time", row->time);
            cJSON_AddNumberToObject (object, "time_us", (double) row->time);
            cJSON_AddStringToObject (object, "actor", row->actor);
            cJSON_AddStringToObject (object, "action", row->action);
            if (row->take_id > 0)
              cJSON_AddNumberToObject (object, "take", (double) row->take_id);
            else
              cJSON_AddNullToObject (object, "take");
            cJSON_AddItemToObject (object, "details", details != NULL ? details : cJSON_CreateString (row->details));
            cJSON_AddStringToObject (object, "prev_hash", row->prev_hash);
            cJSON_AddStringToObject (object, "hash", row->hash);
            cJSON_AddItemToArray (array, object);
          }
        return print_json (array);
      }
    for (guint i = 0; i < rows->len; i++)
      {
        StudioAuditRow *row = rows->pdata[i];
        g_autofree char *when = format_time (row->time);
        g_autofree char *take
            = row->take_id > 0 ? g_strdup_printf (" take %" G_GINT64_FORMAT, row->take_id) : g_strdup ("");
        printf ("%6" G_GINT64_FORMAT "  %s  %-16s %-16s%s %s\n", row->id, when, row->actor, row->action, take,
                row->details);
      }
  }
  return 0;
}

int
cli_library_check (int argc, char **argv)
{
  const char *usage = "check";
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;

  if (!parse_args (argc, argv, 1, NULL, NULL, 0, 0, usage))
    return 2;
  if ((lib = open_library (argv[0])) == NULL)
    return 1;
  if (!studio_library_check (lib, &error))
    return fail (argv[0], error);
  printf ("%s is sound: the database, the audit chain and every media file check out\n", studio_library_get_dir (lib));
  return 0;
}

/* export */

int
cli_library_export (int argc, char **argv)
{
  const char *usage = "export TAKE --out FILE [--format mp4|webm] [--label|--no-label] [--draft] --as MEMBER [--json]";
  const char *positional[1] = { NULL };
  const char *actor = NULL, *out = NULL, *format_name = NULL;
  gboolean label = FALSE, no_label = FALSE, draft = FALSE, json = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  Option options[] = { { "--as", &actor },
                       { "--out", &out },
                       { "--format", &format_name },
                       { "--label", NULL, &label },
                       { "--no-label", NULL, &no_label },
                       { "--draft", NULL, &draft },
                       { "--json", NULL, &json },
                       { NULL } };
  gint64 id;
  StudioMediaFormat format = STUDIO_MEDIA_FORMAT_MP4;

  if (!parse_args (argc, argv, 1, options, positional, 1, 1, usage) || !require (argv[0], actor, "--as MEMBER")
      || !require (argv[0], out, "--out FILE") || !parse_take_id (argv[0], positional[0], &id))
    return 2;
  if (format_name == NULL)
    format = g_str_has_suffix (out, ".webm") ? STUDIO_MEDIA_FORMAT_WEBM : STUDIO_MEDIA_FORMAT_MP4;
  else if (g_str_equal (format_name, "mp4"))
    format = STUDIO_MEDIA_FORMAT_MP4;
  else if (g_str_equal (format_name, "webm"))
    format = STUDIO_MEDIA_FORMAT_WEBM;
  else
    {
      cli_error ("export: --format must be mp4 or webm, not \"%s\"", format_name);
      return 2;
    }
  if (label && no_label)
    {
      cli_error ("export: give --label or --no-label, not both");
      return 2;
    }
  if ((lib = open_library (argv[0])) == NULL)
    return 1;
  g_autoptr (StudioTake) take = studio_library_get_take (lib, id, &error);
  if (take == NULL)
    return fail (argv[0], error);
  const gboolean approved
      = take->review_status == STUDIO_STATUS_APPROVED || take->review_status == STUDIO_STATUS_APPROVED_WITH_CHANGES;
  const char *format_text = format == STUDIO_MEDIA_FORMAT_WEBM ? "webm" : "mp4";

  /* The library decides who may export what, and records refusals: ask it
   * before spending time on the video when the answer is already no. */
  g_autoptr (StudioMember) member = studio_library_get_member (lib, actor, NULL);
  if (member == NULL || (member->role != STUDIO_ROLE_MANAGER && member->role != STUDIO_ROLE_ADMIN)
      || (!approved && !draft))
    {
      if (!studio_library_record_export_full (lib, id, actor, out, format_text, draft, &error))
        return fail (argv[0], error);
    }
  if (take->video == NULL)
    {
      cli_error ("export: take %" G_GINT64_FORMAT " has no video (its render is %s)", id,
                 studio_render_status_to_string (take->render_status));
      return 1;
    }
  g_autofree char *source = studio_library_media_path (lib, take->video);
  g_autoptr (StudioProvenance) prov = studio_take_provenance (lib, take);
  /* The AI-generated label is on by default (exports are meant for ads);
   * takes that are not approved always carry DRAFT. */
  if (!studio_media_export (source, out, format, prov, !no_label && prov->ai_generated, !approved, &error))
    return fail (argv[0], error);
  if (!studio_library_record_export_full (lib, id, actor, out, format_text, !approved, &error))
    {
      /* Not recorded, so not exported: take the files back. */
      g_autofree char *sidecar = studio_provenance_sidecar_path (out);
      g_unlink (out);
      g_unlink (sidecar);
      return fail (argv[0], error);
    }
  if (json)
    {
      cJSON *object = cJSON_CreateObject ();
      cJSON_AddNumberToObject (object, "id", (double) id);
      cJSON_AddStringToObject (object, "path", out);
      cJSON_AddStringToObject (object, "format", format_text);
      cJSON_AddBoolToObject (object, "draft", !approved);
      cJSON_AddBoolToObject (object, "label", !no_label && prov->ai_generated);
      return print_json (object);
    }
  printf ("%s\n", out);
  return 0;
}
