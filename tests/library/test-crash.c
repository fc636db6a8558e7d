/* test-crash: a writer (library-writer) adding takes with media is killed
 * with SIGKILL at random moments, many times over.  After each kill the
 * library opens, passes PRAGMA integrity_check and the audit chain, every
 * take the writer reported committed is there, no take points at a missing
 * or partial file, and media/ shows no half-written file. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "studio-library.h"

static const char *writer_path;

static char *
file_sha256 (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

/* A media name's file is whole: its content hashes to its name. */
static void
assert_media_whole (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *hash = file_sha256 (path);

  g_assert_nonnull (hash);
  g_assert_true (g_str_has_prefix (name, "media/"));
  g_assert_cmpint (strncmp (name + 6, hash, 64), ==, 0);
}

/* Names already found whole: a renamed file never changes, so each is
 * hashed once. */
static GHashTable *verified;

static void
assert_media_whole_once (const char *dir, const char *name)
{
  if (g_hash_table_contains (verified, name))
    return;
  assert_media_whole (dir, name);
  g_hash_table_add (verified, g_strdup (name));
}

static void
check_library (const char *dir, GHashTable *created, GHashTable *done)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *db_path = g_build_filename (dir, "library.sqlite", NULL);
  g_autofree char *media_dir = g_build_filename (dir, "media", NULL);
  g_autoptr (StudioLibrary) lib = studio_library_open (dir, STUDIO_LIBRARY_OPEN_DEFAULT, &error);
  g_autoptr (GPtrArray) takes = NULL;
  g_autoptr (GDir) media = NULL;
  GHashTableIter iter;
  gpointer key;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  const char *entry;

  g_assert_no_error (error);
  /* SQLite's own check, on its own connection. */
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  g_assert_true (studio_library_verify_audit (lib, NULL, NULL, &error));
  g_assert_no_error (error);

  /* Every committed take is there; every take's media is whole. */
  takes = studio_library_list_takes (lib, NULL, &error);
  g_assert_no_error (error);
  g_hash_table_iter_init (&iter, created);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr (StudioTake) take = studio_library_get_take (lib, GPOINTER_TO_INT (key), &error);
      g_assert_no_error (error);
      if (g_hash_table_contains (done, key))
        {
          g_assert_cmpint (take->render_status, ==, STUDIO_RENDER_DONE);
          g_assert_nonnull (take->video);
        }
    }
  for (guint i = 0; i < takes->len; i++)
    {
      StudioTake *take = takes->pdata[i];
      const char *names[] = { take->video, take->poster, take->preview_strip, take->latent };
      for (guint n = 0; n < G_N_ELEMENTS (names); n++)
        if (names[n] != NULL)
          {
            g_autofree char *path = g_build_filename (dir, names[n], NULL);
            g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
            assert_media_whole_once (dir, names[n]);
          }
    }
  /* No visible file is partial; the dead writer's temporary files are gone. */
  media = g_dir_open (media_dir, 0, &error);
  g_assert_no_error (error);
  while ((entry = g_dir_read_name (media)) != NULL)
    {
      g_autofree char *name = g_strconcat ("media/", entry, NULL);
      g_assert_false (g_str_has_prefix (entry, ".tmp-"));
      assert_media_whole_once (dir, name);
    }
}

static void
test_crash (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *scratch = g_dir_make_tmp ("test-crash-XXXXXX", &error);
  g_autofree char *dir = g_build_filename (scratch, "library", NULL);
  g_autoptr (GHashTable) created = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) done = g_hash_table_new (NULL, NULL);
  int rounds = g_test_slow () ? 100 : 30;
  int killed = 0;
  int partial = 0;

  {
    g_autoptr (StudioLibrary) lib = studio_library_init (dir, "root", &error);
    g_autoptr (StudioMember) writer = NULL;
    g_autoptr (StudioProject) project = NULL;
    g_assert_no_error (error);
    writer = studio_library_add_member (lib, "root", "writer", STUDIO_ROLE_CREATIVE, &error);
    project = studio_library_add_project (lib, "root", "Crash", NULL, &error);
    g_assert_no_error (error);
  }

  for (int round = 0; round < rounds; round++)
    {
      const char *argv[] = { writer_path, dir, "0", NULL };
      g_autoptr (GIOChannel) channel = NULL;
      g_autofree char *output = NULL;
      g_auto (GStrv) lines = NULL;
      GPid pid;
      int out_fd;
      int status;
      gulong delay = (gulong) g_test_rand_int_range (5000, 400000);

      g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                               NULL, &out_fd, NULL, &error));
      g_assert_no_error (error);
      g_usleep (delay);
      kill (pid, SIGKILL);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      if (WIFSIGNALED (status))
        killed++;
      else
        g_test_message ("round %d: the writer exited by itself with status %d", round, status);
      channel = g_io_channel_unix_new (out_fd);
      g_io_channel_set_close_on_unref (channel, TRUE);
      g_io_channel_read_to_end (channel, &output, NULL, NULL);
      lines = g_strsplit (output != NULL ? output : "", "\n", -1);
      for (int i = 0; lines[i] != NULL; i++)
        {
          if (g_str_has_prefix (lines[i], "created "))
            g_hash_table_add (created, GINT_TO_POINTER (atoi (lines[i] + 8)));
          else if (g_str_has_prefix (lines[i], "done "))
            g_hash_table_add (done, GINT_TO_POINTER (atoi (lines[i] + 5)));
        }
      g_test_message ("round %d: killed after %lu ms; %u takes created, %u done so far", round, delay / 1000,
                      g_hash_table_size (created), g_hash_table_size (done));
      {
        /* Count the kills that left a partial file behind: the case the
         * temporary names exist for. */
        g_autofree char *media_dir = g_build_filename (dir, "media", NULL);
        g_autoptr (GDir) media = g_dir_open (media_dir, 0, NULL);
        const char *entry;
        while (media != NULL && (entry = g_dir_read_name (media)) != NULL)
          if (g_str_has_prefix (entry, ".tmp-"))
            {
              partial++;
              break;
            }
      }
      check_library (dir, created, done);
    }
  g_test_message ("%d of %d kills left a partially written media file behind", partial, rounds);
  g_assert_cmpint (killed, >=, rounds * 9 / 10);
  g_assert_cmpint (partial, >, 0);
  g_assert_cmpuint (g_hash_table_size (done), >, 0);
  {
    g_autoptr (StudioLibrary) lib = studio_library_open (dir, STUDIO_LIBRARY_OPEN_DEFAULT, &error);
    g_assert_true (studio_library_check (lib, &error));
    g_assert_no_error (error);
  }
  {
    g_autofree char *command = g_strdup_printf ("rm -rf '%s'", scratch);
    g_assert_cmpint (system (command), ==, 0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (argc < 2)
    {
      g_printerr ("usage: test-crash PATH-TO-library-writer\n");
      return 2;
    }
  writer_path = argv[1];
  verified = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_test_add_func ("/library/crash/sigkill", test_crash);
  return g_test_run ();
}
