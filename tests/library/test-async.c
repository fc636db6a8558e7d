/* test-async: the window's way in.  Calls queue to one worker thread and run
 * in order; results and GErrors come back on the caller's main context; and
 * while another program holds the library's write lock, the main loop keeps
 * turning and the write completes once the lock is released, with no
 * "database is locked" error. */
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "studio-library-async.h"

typedef struct
{
  GMainLoop *loop;
  GThread *main_thread;
  StudioLibrary *lib;
  GPtrArray *results; /* in completion order: "create:ID", "list:N", ... */
  GError *error;
  int pending;
  int ticks;
  gint64 finished_at;
} State;

static void
done_one (State *state)
{
  g_assert_true (g_thread_self () == state->main_thread);
  if (--state->pending == 0)
    g_main_loop_quit (state->loop);
}

static void
on_open (GObject *source, GAsyncResult *result, gpointer data)
{
  State *state = data;
  state->lib = studio_library_open_finish (result, &state->error);
  done_one (state);
}

static void
on_created (GObject *source, GAsyncResult *result, gpointer data)
{
  State *state = data;
  g_autoptr (GError) error = NULL;
  gint64 id = studio_library_create_take_finish (result, &error);

  g_assert_no_error (error);
  g_ptr_array_add (state->results, g_strdup_printf ("create:%" G_GINT64_FORMAT, id));
  state->finished_at = g_get_monotonic_time ();
  done_one (state);
}

static void
on_listed (GObject *source, GAsyncResult *result, gpointer data)
{
  State *state = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) takes = studio_library_list_takes_finish (result, &error);

  g_assert_no_error (error);
  g_ptr_array_add (state->results, g_strdup_printf ("list:%u", takes->len));
  done_one (state);
}

static void
on_reviewed (GObject *source, GAsyncResult *result, gpointer data)
{
  State *state = data;
  g_assert_false (studio_library_review_finish (result, &state->error));
  g_ptr_array_add (state->results, g_strdup ("review"));
  done_one (state);
}

static void
on_verified (GObject *source, GAsyncResult *result, gpointer data)
{
  State *state = data;
  g_autoptr (GError) error = NULL;
  gint64 rows = studio_library_verify_audit_finish (result, &error);

  g_assert_no_error (error);
  g_ptr_array_add (state->results, g_strdup_printf ("verify:%" G_GINT64_FORMAT, rows));
  done_one (state);
}

static void
on_take (GObject *source, GAsyncResult *result, gpointer data)
{
  State *state = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioTake) take = studio_library_get_take_finish (result, &error);

  g_assert_no_error (error);
  g_ptr_array_add (state->results, g_strdup_printf ("take:%s", take->recipe.prompt));
  done_one (state);
}

static void
run (State *state)
{
  g_main_loop_run (state->loop);
}

static void
setup (State *state, char **scratch)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;

  *scratch = g_dir_make_tmp ("test-async-XXXXXX", &error);
  dir = g_build_filename (*scratch, "library", NULL);
  {
    g_autoptr (StudioLibrary) lib = studio_library_init (dir, "root", &error);
    g_autoptr (StudioMember) alice = studio_library_add_member (lib, "root", "alice", STUDIO_ROLE_CREATIVE, &error);
    g_autoptr (StudioProject) project = studio_library_add_project (lib, "alice", "Spring", NULL, &error);
    g_assert_no_error (error);
  }
  state->loop = g_main_loop_new (NULL, FALSE);
  state->main_thread = g_thread_self ();
  state->results = g_ptr_array_new_with_free_func (g_free);
  state->pending = 1;
  studio_library_open_async (dir, STUDIO_LIBRARY_OPEN_DEFAULT, NULL, on_open, state);
  run (state);
  g_assert_no_error (state->error);
  g_assert_nonnull (state->lib);
}

static void
teardown (State *state, char *scratch)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", scratch);

  studio_library_close (state->lib);
  g_ptr_array_unref (state->results);
  g_main_loop_unref (state->loop);
  g_clear_error (&state->error);
  g_assert_cmpint (system (command), ==, 0);
  g_free (scratch);
}

static void
test_order (void)
{
  State state = { 0 };
  char *scratch;
  StudioRecipe recipe = { .prompt = (char *) "queued in order" };
  StudioTakeParams params = { .project = "Spring", .kind = STUDIO_TAKE_DRAFT, .recipe = &recipe };
  char prompt[32];

  setup (&state, &scratch);
  for (int i = 0; i < 20; i++)
    {
      /* Arguments are copied: changing them afterwards changes nothing. */
      g_snprintf (prompt, sizeof prompt, "take %d", i + 1);
      recipe.prompt = prompt;
      studio_library_create_take_async (state.lib, "alice", &params, NULL, on_created, &state);
    }
  g_snprintf (prompt, sizeof prompt, "overwritten");
  studio_library_list_takes_async (state.lib, &(StudioTakeQuery){ .project = "Spring" }, NULL, on_listed, &state);
  studio_library_review_async (state.lib, 999, "root", STUDIO_DECISION_APPROVED, NULL, -1, NULL, on_reviewed, &state);
  studio_library_get_take_async (state.lib, 7, NULL, on_take, &state);
  studio_library_verify_audit_async (state.lib, NULL, on_verified, &state);
  state.pending = 24;
  run (&state);

  g_assert_cmpuint (state.results->len, ==, 24);
  for (int i = 0; i < 20; i++)
    {
      g_autofree char *expected = g_strdup_printf ("create:%d", i + 1);
      g_assert_cmpstr (state.results->pdata[i], ==, expected);
    }
  g_assert_cmpstr (state.results->pdata[20], ==, "list:20");
  g_assert_cmpstr (state.results->pdata[21], ==, "review");
  g_assert_error (state.error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_FOUND);
  g_assert_cmpstr (state.results->pdata[22], ==, "take:take 7");
  /* init, 2 members added... : the library's own count. */
  g_assert_true (g_str_has_prefix (state.results->pdata[23], "verify:"));
  g_assert_cmpint (atoi ((char *) state.results->pdata[23] + 7), ==, 3 + 1 + 20);
  teardown (&state, scratch);
}

static gboolean
tick (gpointer data)
{
  State *state = data;
  state->ticks++;
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  sqlite3 *db;
  gint64 released_at;
} Holder;

static gboolean
release (gpointer data)
{
  Holder *holder = data;
  g_assert_cmpint (sqlite3_exec (holder->db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  holder->released_at = g_get_monotonic_time ();
  return G_SOURCE_REMOVE;
}

static void
test_main_loop_never_waits (void)
{
  State state = { 0 };
  char *scratch;
  g_autofree char *db_path = NULL;
  Holder holder = { 0 };
  StudioRecipe recipe = { .prompt = (char *) "written while another program holds the lock" };
  StudioTakeParams params = { .project = "Spring", .kind = STUDIO_TAKE_DRAFT, .recipe = &recipe };
  guint ticker;
  gint64 asked_at;

  setup (&state, &scratch);
  db_path = g_build_filename (studio_library_get_dir (state.lib), "library.sqlite", NULL);
  /* Another program takes the write lock and keeps it for 600 ms. */
  g_assert_cmpint (sqlite3_open (db_path, &holder.db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (holder.db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  g_timeout_add (600, release, &holder);
  ticker = g_timeout_add (10, tick, &state);

  asked_at = g_get_monotonic_time ();
  studio_library_create_take_async (state.lib, "alice", &params, NULL, on_created, &state);
  g_assert_cmpint (g_get_monotonic_time () - asked_at, <, 200000);
  state.pending = 1;
  run (&state);
  g_source_remove (ticker);

  /* The write waited for the lock, then succeeded; the loop turned
   * meanwhile. */
  g_assert_cmpstr (state.results->pdata[0], ==, "create:1");
  g_assert_cmpint (holder.released_at, >, 0);
  g_assert_cmpint (state.finished_at, >=, holder.released_at);
  g_test_message ("the main loop ran %d ticks of 10 ms while the write waited", state.ticks);
  g_assert_cmpint (state.ticks, >=, 10);
  sqlite3_close (holder.db);
  teardown (&state, scratch);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/library/async/order", test_order);
  g_test_add_func ("/library/async/main-loop-never-waits", test_main_loop_never_waits);
  return g_test_run ();
}
