/* cli-media.c: `allegro-studio provenance FILE [--json]` and
 * `allegro-studio media probe|encoders|poster|strip ...`. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "studio-media.h"

static void
print_field (const char *name, const char *value)
{
  printf ("%-16s %s\n", name, value != NULL ? value : "-");
}

int
cli_provenance (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioProvenance) record = NULL;
  g_autoptr (StudioProvenance) sidecar = NULL;
  StudioProvenanceSource source;
  gboolean json = cli_has_flag (argc, argv, "--json");
  const char *path = NULL;

  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--json") != 0)
      {
        if (path != NULL || argv[i][0] == '-')
          {
            cli_error ("usage: allegro-studio provenance FILE [--json]");
            return 2;
          }
        path = argv[i];
      }
  if (path == NULL)
    {
      cli_error ("usage: allegro-studio provenance FILE [--json]");
      return 2;
    }
  record = studio_provenance_read (path, &source, &error);
  if (record == NULL)
    {
      cli_error ("%s", error->message);
      return 1;
    }
  if (json)
    {
      g_autofree char *text = studio_provenance_to_json (record, TRUE);
      printf ("%s\n", text);
      return 0;
    }

  /* Say where the record came from, and whether the two copies agree. */
  if (source == STUDIO_PROVENANCE_FROM_CONTAINER)
    {
      g_autoptr (GError) sidecar_error = NULL;
      sidecar = studio_provenance_read_sidecar (path, &sidecar_error);
      if (sidecar == NULL)
        print_field ("Source", "embedded in the file (no sidecar)");
      else if (studio_provenance_equal (record, sidecar))
        print_field ("Source", "embedded in the file; the sidecar matches");
      else
        print_field ("Source", "embedded in the file; THE SIDECAR DIFFERS (the embedded record is shown)");
    }
  else
    print_field ("Source", "sidecar file");
  print_field ("AI-generated", record->ai_generated ? "yes" : "no");
  print_field ("Title", record->title);
  print_field ("Comment", record->comment);
  print_field ("Take", record->take_id);
  print_field ("Review status", record->review_status);
  print_field ("Model", record->model_name);
  print_field ("Model hash", record->model_hash);
  print_field ("Prompt", record->prompt);
  print_field ("Negative prompt", record->negative_prompt);
  printf ("%-16s %" G_GUINT64_FORMAT "\n", "Seed", record->seed);
  printf ("%-16s %d\n", "Steps", record->steps);
  printf ("%-16s %g\n", "Guidance", record->guidance);
  printf ("%-16s %dx%d, %d frames at %g fps\n", "Size", record->width, record->height, record->frames, record->fps);
  print_field ("Engine", record->engine_version);
  if (record->approvals->len == 0)
    print_field ("Approvals", "none");
  for (guint i = 0; i < record->approvals->len; i++)
    {
      const StudioApproval *a = g_ptr_array_index (record->approvals, i);
      g_autofree char *line
          = g_strdup_printf ("%s by %s (%s) at %s", a->decision ? a->decision : "-", a->name ? a->name : "-",
                             a->role ? a->role : "-", a->time ? a->time : "-");
      print_field (i == 0 ? "Approvals" : "", line);
    }
  if (record->export_format != NULL)
    {
      g_autofree char *line = g_strdup_printf (
          "%s at %s; labels: %s%s%s", record->export_format, record->exported_at ? record->exported_at : "-",
          record->label_ai ? "AI-generated" : "", record->label_ai && record->label_draft ? ", " : "",
          record->label_draft ? "DRAFT"
          : record->label_ai  ? ""
                              : "none");
      print_field ("Exported", line);
    }
  return 0;
}

static int
media_probe (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioDecoder) decoder = NULL;
  const StudioMediaInfo *info;
  gboolean json = cli_has_flag (argc, argv, "--json");
  const char *path = NULL;

  for (int i = 2; i < argc; i++)
    if (strcmp (argv[i], "--json") != 0)
      path = argv[i];
  if (path == NULL)
    {
      cli_error ("usage: allegro-studio media probe FILE [--json]");
      return 2;
    }
  decoder = studio_decoder_open (path, &error);
  if (decoder == NULL)
    {
      cli_error ("%s", error->message);
      return 1;
    }
  info = studio_decoder_get_info (decoder);
  if (json)
    {
      printf (
          "{\"width\": %d, \"height\": %d, \"fps\": %.6g, \"fps_fraction\": \"%d/%d\", \"frames\": %" G_GINT64_FORMAT
          ", \"duration\": %.6f, \"codec\": \"%s\", \"container\": \"%s\", \"pixel_format\": \"%s\"}\n",
          info->width, info->height, info->fps, info->fps_num, info->fps_den, info->frame_count, info->duration,
          info->codec, info->container, info->pixel_format ? info->pixel_format : "");
      return 0;
    }
  printf ("%s\n", path);
  printf ("  size       %dx%d\n", info->width, info->height);
  printf ("  frames     %" G_GINT64_FORMAT " at %.6g fps (%d/%d)\n", info->frame_count, info->fps, info->fps_num,
          info->fps_den);
  printf ("  duration   %.3f s\n", info->duration);
  printf ("  codec      %s (%s), %s\n", info->codec, info->codec_long_name ? info->codec_long_name : "",
          info->pixel_format ? info->pixel_format : "?");
  printf ("  container  %s\n", info->container);
  return 0;
}

static int
media_encoders (void)
{
  const StudioMediaFormat formats[] = { STUDIO_MEDIA_FORMAT_MP4, STUDIO_MEDIA_FORMAT_WEBM };
  int status = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr (GError) error = NULL;
      const char *chosen = studio_media_find_encoder (formats[i], &error);
      g_autofree char *candidates = g_strjoinv (", ", (char **) studio_media_encoder_candidates (formats[i]));
      printf ("%-5s %s  (candidates in order: %s)\n", studio_media_format_to_string (formats[i]),
              chosen != NULL ? chosen : "NONE", candidates[0] != '\0' ? candidates : "none");
      if (chosen == NULL)
        {
          printf ("      %s\n", error->message);
          if (formats[i] == STUDIO_MEDIA_FORMAT_MP4)
            status = 1;
        }
    }
  return status;
}

static const char *
option_value (int argc, char **argv, const char *name)
{
  for (int i = 0; i + 1 < argc; i++)
    if (strcmp (argv[i], name) == 0)
      return argv[i + 1];
  return NULL;
}

static int
media_image (int argc, char **argv, gboolean strip)
{
  g_autoptr (GError) error = NULL;
  const char *out = option_value (argc, argv, "--out");
  const char *path = argc > 2 && argv[2][0] != '-' ? argv[2] : NULL;
  gboolean ok;

  if (path == NULL || out == NULL)
    {
      cli_error (strip ? "usage: allegro-studio media strip FILE --out PNG [--count K] [--columns C] [--tile-width W]"
                       : "usage: allegro-studio media poster FILE --out PNG [--frame N] [--max-size PIXELS]");
      return 2;
    }
  if (strip)
    {
      const char *count = option_value (argc, argv, "--count");
      const char *columns = option_value (argc, argv, "--columns");
      const char *tile = option_value (argc, argv, "--tile-width");
      ok = studio_preview_strip_write (path, count ? atoi (count) : 8, columns ? atoi (columns) : 4,
                                       tile ? atoi (tile) : 240, out, &error);
    }
  else
    {
      const char *frame = option_value (argc, argv, "--frame");
      const char *size = option_value (argc, argv, "--max-size");
      ok = studio_poster_write (path, frame ? g_ascii_strtoll (frame, NULL, 10) : -1, size ? atoi (size) : 0, out,
                                &error);
    }
  if (!ok)
    {
      cli_error ("%s", error->message);
      return 1;
    }
  return 0;
}

int
cli_media (int argc, char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "probe") == 0)
    return media_probe (argc, argv);
  if (argc >= 2 && strcmp (argv[1], "encoders") == 0)
    return media_encoders ();
  if (argc >= 2 && strcmp (argv[1], "poster") == 0)
    return media_image (argc, argv, FALSE);
  if (argc >= 2 && strcmp (argv[1], "strip") == 0)
    return media_image (argc, argv, TRUE);
  cli_error ("usage: allegro-studio media probe FILE [--json] | encoders | poster FILE --out PNG [--frame N] | "
             "strip FILE --out PNG [--count K] [--columns C]");
  return 2;
}

int
cli_bench_media (int argc, char **argv)
{
  StudioMediaBenchParams params = { 0 };

  for (int i = 2; i < argc; i++)
    {
      if (strcmp (argv[i], "--json") == 0)
        params.json = TRUE;
      else if (strcmp (argv[i], "--frames") == 0 && i + 1 < argc)
        params.frames = atoi (argv[++i]);
      else if (strcmp (argv[i], "--seeks") == 0 && i + 1 < argc)
        params.seeks = atoi (argv[++i]);
      else if (strcmp (argv[i], "--size") == 0 && i + 1 < argc
               && sscanf (argv[++i], "%dx%d", &params.width, &params.height) == 2)
        ;
      else
        {
          cli_error ("usage: allegro-studio bench media [--json] [--frames N] [--size WxH] [--seeks N]");
          return 2;
        }
    }
  return studio_media_bench_run (&params);
}
