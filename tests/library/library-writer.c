/* library-writer: adds takes with media to a library until killed (or N
 * are added), printing "created ID" and "done ID" as each change commits.
 * The crash and two-writer tests run it.
 *
 *   library-writer DIR N [--async]
 *
 * DIR's library needs the creative member "writer" and the project "Crash".
 * With --async it imports through the asynchronous calls, from a main loop,
 * as the window does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "studio-library-async.h"

static GBytes *
random_media (GRand *rand, gsize max)
{
  gsize length = (gsize) g_rand_int_range (rand, 1, (gint32) max);
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = (guint8) g_rand_int (rand);
  return g_bytes_new_take (data, length);
}

static int
run_sync (StudioLibrary *lib, GRand *rand, long count)
{
  for (long i = 0; count == 0 || i < count; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) video_bytes = random_media (rand, 512 << 10);
      g_autoptr (GBytes) poster_bytes = random_media (rand, 64 << 10);
      g_autofree char *prompt = g_strdup_printf ("take %ld of writer %ld", i, (long) getpid ());
      g_autofree char *video = NULL;
      g_autofree char *poster = NULL;
      StudioRecipe recipe
          = { .prompt = prompt, .seed = i, .steps = 30, .width = 640, .height = 352, .frames = 40, .fps = 15 };
      StudioTakeParams params = { .project = "Crash", .kind = STUDIO_TAKE_DRAFT, .recipe = &recipe };
      StudioTakeMedia media = { 0 };
      gint64 id;

      id = studio_library_create_take (lib, "writer", &params, &error);
      if (id == 0)
        goto fail;
      printf ("created %" G_GINT64_FORMAT "\n", id);
      fflush (stdout);
      if (!studio_library_set_render_status (lib, id, "writer", STUDIO_RENDER_RUNNING, NULL, &error))
        goto fail;
      video = studio_library_add_media_bytes (lib, video_bytes, "mp4", &error);
      poster = video != NULL ? studio_library_add_media_bytes (lib, poster_bytes, "png", &error) : NULL;
      if (poster == NULL)
        goto fail;
      media.video = video;
      media.poster = poster;
      if (!studio_library_set_take_media (lib, id, "writer", &media, &error)
          || !studio_library_set_render_status (lib, id, "writer", STUDIO_RENDER_DONE, NULL, &error))
        goto fail;
      printf ("done %" G_GINT64_FORMAT "\n", id);
      fflush (stdout);
      continue;

    fail:
      fprintf (stderr, "library-writer: %s\n", error->message);
      return 1;
    }
  return 0;
}

typedef struct
{
  StudioLibrary *lib;
  GRand *rand;
  GMainLoop *loop;
  char *scratch;
  long count;
  long done;
  int status;
} AsyncState;

static void import_next (AsyncState *state);

static void
on_imported (GObject *source, GAsyncResult *result, gpointer data)
{
  AsyncState *state = data;
  g_autoptr (GError) error = NULL;
  gint64 id = studio_library_import_finish (result, &error);

  if (id == 0)
    {
      fprintf (stderr, "library-writer: %s\n", error->message);
      state->status = 1;
      g_main_loop_quit (state->loop);
      return;
    }
  printf ("created %" G_GINT64_FORMAT "\ndone %" G_GINT64_FORMAT "\n", id, id);
  fflush (stdout);
  state->done++;
  if (state->count != 0 && state->done >= state->count)
    g_main_loop_quit (state->loop);
  else
    import_next (state);
}

static void
import_next (AsyncState *state)
{
  g_autoptr (GBytes) bytes = random_media (state->rand, 256 << 10);
  g_autofree char *path = g_strdup_printf ("%s/clip-%ld.mp4", state->scratch, state->done);
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents (path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes), &error))
    {
      fprintf (stderr, "library-writer: %s\n", error->message);
      state->status = 1;
      g_main_loop_quit (state->loop);
      return;
    }
  studio_library_import_async (state->lib, "writer", "Crash", path, NULL, "generated", "none", NULL, on_imported,
                               state);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed ((guint32) getpid ());
  StudioLibrary *lib;
  long count;
  int status;

  if (argc < 3)
    {
      fprintf (stderr, "usage: library-writer DIR N [--async]\n");
      return 2;
    }
  count = atol (argv[2]);
  lib = studio_library_open (argv[1], STUDIO_LIBRARY_OPEN_DEFAULT, &error);
  if (lib == NULL)
    {
      fprintf (stderr, "library-writer: %s\n", error->message);
      return 1;
    }
  if (argc > 3 && strcmp (argv[3], "--async") == 0)
    {
      AsyncState state = { .lib = lib, .rand = rand, .count = count };
      state.scratch = g_dir_make_tmp ("library-writer-XXXXXX", &error);
      state.loop = g_main_loop_new (NULL, FALSE);
      import_next (&state);
      g_main_loop_run (state.loop);
      g_main_loop_unref (state.loop);
      for (long i = 0; i <= state.done; i++)
        {
          g_autofree char *path = g_strdup_printf ("%s/clip-%ld.mp4", state.scratch, i);
          unlink (path);
        }
      rmdir (state.scratch);
      g_free (state.scratch);
      status = state.status;
    }
  else
    status = run_sync (lib, rand, count);
  studio_library_close (lib);
  return status;
}
