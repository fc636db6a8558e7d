/* test-render-queue.c: the render queue over a real library (a temporary
 * folder) and the tiny fixture model on a real Vulkan device: takes are
 * created queued, run in order, and end done with their media in the
 * library; progress reaches the main context; a waiting job cancels at
 * once, a running one after its step with its latent kept, and resuming it
 * gives the same video as an uninterrupted render; a draft refines into a
 * final linked to it; a broken model folder fails with advice. */
#include <glib/gstdio.h>
#include <string.h>

#include "studio-decoder.h"
#include "studio-library.h"
#include "studio-render-queue.h"

typedef struct
{
  char *dir;
  StudioLibrary *lib;
  char *model;
} fixture;

static void
fixture_set_up (fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  f->dir = g_dir_make_tmp ("allegro-queue-XXXXXX", &error);
  g_assert_no_error (error);
  f->lib = studio_library_init (f->dir, "ada", &error);
  g_assert_no_error (error);
  g_autoptr (StudioMember) m = studio_library_add_member (f->lib, "ada", "cleo", STUDIO_ROLE_CREATIVE, &error);
  g_assert_no_error (error);
  g_autoptr (StudioProject) p = studio_library_add_project (f->lib, "cleo", "spot", "a test", &error);
  g_assert_no_error (error);
  f->model = g_build_filename (g_getenv ("ALLEGRO_TEST_DATA"), "allegro-tiny", "model", NULL);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (fixture *f, gconstpointer data)
{
  studio_library_close (f->lib);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->model);
}

static StudioRecipe
recipe (const char *prompt, gint64 seed, int steps, int size)
{
  StudioRecipe r = {
    .prompt = (char *) prompt,
    .negative_prompt = (char *) "",
    .seed = seed,
    .steps = steps,
    .guidance = 7.5,
    .width = size,
    .height = size,
    .frames = 16,
    .fps = 15,
  };
  return r;
}

static GThread *main_thread;

typedef struct
{
  int finished;
  int progress_notes;
  int max_step_seen;
} watch;

static void
on_finished (StudioRenderQueue *queue, StudioRenderJob *job, gpointer data)
{
  watch *w = data;
  /* Always on the thread that made the queue, never the worker. */
  g_assert_true (g_thread_self () == main_thread);
  w->finished++;
}

static void
on_step (GObject *object, GParamSpec *pspec, gpointer data)
{
  watch *w = data;
  w->progress_notes++;
  w->max_step_seen = MAX (w->max_step_seen, studio_render_job_get_step (STUDIO_RENDER_JOB (object)));
}

static void
wait_for (watch *w, int finished)
{
  gint64 deadline = g_get_monotonic_time () + 240 * G_USEC_PER_SEC;
  while (w->finished < finished && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (w->finished, ==, finished);
}

static void
test_render (fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioRenderQueue) queue = studio_render_queue_new (f->lib, f->model, "cleo");
  watch w = { 0 };
  g_signal_connect (queue, "job-finished", G_CALLBACK (on_finished), &w);
  StudioRecipe r1 = recipe ("a red square moving left", 1, 3, 48);
  StudioRecipe r2 = recipe ("a blue circle growing", 2, 3, 48);
  StudioRenderJob *a = studio_render_queue_add (queue, "spot", STUDIO_TAKE_DRAFT, 0, 0, &r1, &error);
  g_assert_no_error (error);
  StudioRenderJob *b = studio_render_queue_add (queue, "spot", STUDIO_TAKE_DRAFT, 0, 0, &r2, &error);
  g_assert_no_error (error);
  g_signal_connect (a, "notify::step", G_CALLBACK (on_step), &w);
  g_assert_true (studio_render_queue_is_busy (queue));
  g_assert_cmpuint (g_list_model_get_n_items (studio_render_queue_get_jobs (queue)), ==, 2);
  wait_for (&w, 2);
  g_assert_cmpint (studio_render_job_get_state (a), ==, STUDIO_RENDER_DONE);
  g_assert_cmpint (studio_render_job_get_state (b), ==, STUDIO_RENDER_DONE);
  g_assert_cmpint (w.max_step_seen, ==, 3);
  g_assert_cmpint (w.progress_notes, >=, 3);
  int pf = 0, ph = 0, pw = 0;
  g_assert_nonnull (studio_render_job_get_preview (a, &pf, &ph, &pw));
  g_assert_cmpint (pf * ph * pw, >, 0);

  /* The library holds both takes, done, with media that exist and play. */
  g_autoptr (StudioTake) take = studio_library_get_take (f->lib, studio_render_job_get_take_id (a), &error);
  g_assert_no_error (error);
  g_assert_cmpint (take->render_status, ==, STUDIO_RENDER_DONE);
  g_assert_cmpstr (take->recipe.prompt, ==, "a red square moving left");
  g_assert_cmpint (take->recipe.seed, ==, 1);
  g_assert_cmpstr (take->recipe.scheduler, ==, "euler-ancestral");
  g_assert_nonnull (take->video);
  g_assert_nonnull (take->poster);
  g_assert_nonnull (take->preview_strip);
  g_assert_nonnull (take->latent);
  g_assert_cmpint (take->started_at, >, 0);
  g_assert_cmpint (take->finished_at, >=, take->started_at);
  g_autofree char *video = studio_library_media_path (f->lib, take->video);
  g_autoptr (StudioDecoder) decoder = studio_decoder_open (video, &error);
  g_assert_no_error (error);
  const StudioMediaInfo *info = studio_decoder_get_info (decoder);
  g_assert_cmpint (info->width, ==, 48);
  g_assert_cmpint (info->frame_count, ==, 16);
  g_assert_true (studio_library_check (f->lib, &error));
  g_assert_no_error (error);
}

static void
test_cancel_resume (fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioRenderQueue) queue = studio_render_queue_new (f->lib, f->model, "cleo");
  watch w = { 0 };
  g_signal_connect (queue, "job-finished", G_CALLBACK (on_finished), &w);
  StudioRecipe r = recipe ("a green triangle moving up", 5, 6, 48);

  /* The reference: an uninterrupted render. */
  StudioRenderJob *whole = studio_render_queue_add (queue, "spot", STUDIO_TAKE_DRAFT, 0, 0, &r, &error);
  g_assert_no_error (error);
  /* The same recipe, cancelled when its third step is reported. */
  StudioRenderJob *part = studio_render_queue_add (queue, "spot", STUDIO_TAKE_DRAFT, 0, 0, &r, &error);
  g_assert_no_error (error);
  /* A third waits, and is cancelled before it starts. */
  StudioRenderJob *never = studio_render_queue_add (queue, "spot", STUDIO_TAKE_DRAFT, 0, 0, &r, &error);
  g_assert_no_error (error);
  studio_render_queue_cancel (queue, never);
  g_assert_cmpint (studio_render_job_get_state (never), ==, STUDIO_RENDER_CANCELLED);
  wait_for (&w, 2);
  while (studio_render_job_get_state (part) != STUDIO_RENDER_RUNNING || studio_render_job_get_step (part) < 3)
    g_main_context_iteration (NULL, TRUE);
  studio_render_queue_cancel (queue, part);
  wait_for (&w, 3);
  g_assert_cmpint (studio_render_job_get_state (part), ==, STUDIO_RENDER_CANCELLED);
  g_autoptr (StudioTake) cancelled = studio_library_get_take (f->lib, studio_render_job_get_take_id (part), &error);
  g_assert_cmpint (cancelled->render_status, ==, STUDIO_RENDER_CANCELLED);
  g_assert_nonnull (cancelled->latent);
  g_assert_null (cancelled->video);

  StudioRenderJob *again = studio_render_queue_resume (queue, studio_render_job_get_take_id (part), &error);
  g_assert_no_error (error);
  wait_for (&w, 4);
  g_assert_cmpint (studio_render_job_get_state (again), ==, STUDIO_RENDER_DONE);
  g_autoptr (StudioTake) a = studio_library_get_take (f->lib, studio_render_job_get_take_id (whole), &error);
  g_autoptr (StudioTake) b = studio_library_get_take (f->lib, studio_render_job_get_take_id (part), &error);
  /* Same recipe, same device: the resumed take's final latent is the
   * uninterrupted one's, byte for byte, so the library stores it once (the
   * videos differ only in their provenance: another take id). */
  g_assert_cmpstr (a->latent, ==, b->latent);
  g_assert_cmpstr (a->video, !=, b->video);

  /* Refine the draft into a final twice as large, linked to it. */
  StudioRecipe big = recipe ("a green triangle moving up", 5, 4, 96);
  StudioRenderJob *final = studio_render_queue_add (queue, "spot", STUDIO_TAKE_FINAL, a->id, 0.5, &big, &error);
  g_assert_no_error (error);
  watch steps = { 0 };
  g_signal_connect (final, "notify::step", G_CALLBACK (on_step), &steps);
  wait_for (&w, 5);
  g_assert_cmpint (studio_render_job_get_state (final), ==, STUDIO_RENDER_DONE);
  g_autoptr (StudioTake) fin = studio_library_get_take (f->lib, studio_render_job_get_take_id (final), &error);
  g_assert_cmpint (fin->parent_id, ==, a->id);
  g_assert_cmpint (fin->kind, ==, STUDIO_TAKE_FINAL);
  g_assert_cmpint (fin->recipe.width, ==, 96);
  g_assert_cmpint (steps.max_step_seen, ==, 4);
}

static void
test_bad_model (fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "no-model", NULL);
  g_autoptr (StudioRenderQueue) queue = studio_render_queue_new (f->lib, missing, "cleo");
  watch w = { 0 };
  g_signal_connect (queue, "job-finished", G_CALLBACK (on_finished), &w);
  StudioRecipe r = recipe ("a red square", 1, 2, 48);
  StudioRenderJob *job = studio_render_queue_add (queue, "spot", STUDIO_TAKE_DRAFT, 0, 0, &r, &error);
  g_assert_no_error (error);
  wait_for (&w, 1);
  g_assert_cmpint (studio_render_job_get_state (job), ==, STUDIO_RENDER_FAILED);
  const char *message = studio_render_job_get_error (job);
  g_assert_nonnull (strstr (message, "no-model"));
  g_assert_nonnull (strstr (message, "model folder"));
  g_autoptr (StudioTake) take = studio_library_get_take (f->lib, studio_render_job_get_take_id (job), &error);
  g_assert_cmpint (take->render_status, ==, STUDIO_RENDER_FAILED);
  g_assert_cmpstr (take->render_error, ==, message);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();
  if (g_getenv ("ALLEGRO_TEST_DATA") == NULL)
    {
      g_printerr ("ALLEGRO_TEST_DATA is not set\n");
      return 1;
    }
  g_test_add ("/render-queue/render", fixture, NULL, fixture_set_up, test_render, fixture_tear_down);
  g_test_add ("/render-queue/cancel-resume-refine", fixture, NULL, fixture_set_up, test_cancel_resume,
              fixture_tear_down);
  g_test_add ("/render-queue/bad-model", fixture, NULL, fixture_set_up, test_bad_model, fixture_tear_down);
  return g_test_run ();
}
