/* fixtures.c: the fixture generator's rows.  Each version's rows are written
 * with the SQL of that version's schema, as that version of Allegro Studio
 * would have written them (audit rows included, chained by hand). */
#define G_LOG_DOMAIN "fixtures"

#include "fixtures.h"

#include <glib/gstdio.h>
#include <string.h>

#include "studio-library-private.h"

/* 2024-10-15 09:00:00 UTC, in microseconds. */
#define T0 G_GINT64_CONSTANT (1728982800000000)
#define MINUTE G_GINT64_CONSTANT (60000000)

typedef struct
{
  sqlite3 *db;
  gint64 audit_id;
  char *prev_hash;
  GError **error;
  gboolean failed;
} Writer;

static void
run (Writer *w, const char *format, ...)
{
  va_list args;
  char *sql;
  char *message = NULL;

  if (w->failed)
    return;
  va_start (args, format);
  sql = sqlite3_vmprintf (format, args);
  va_end (args);
  if (sqlite3_exec (w->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (w->error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "fixture SQL failed: %s\n%s", message, sql);
      w->failed = TRUE;
    }
  sqlite3_free (message);
  sqlite3_free (sql);
}

static void
audit (Writer *w, gint64 time, const char *actor, const char *action, gint64 take_id, const char *details)
{
  char *hash;

  w->audit_id++;
  hash = studio_library_audit_hash (w->prev_hash, w->audit_id, time, actor, action, take_id, details);
  if (take_id > 0)
    run (w, "INSERT INTO audit VALUES (%lld, %lld, %Q, %Q, %lld, %Q, %Q, %Q)", (long long) w->audit_id,
         (long long) time, actor, action, (long long) take_id, details, w->prev_hash, hash);
  else
    run (w, "INSERT INTO audit VALUES (%lld, %lld, %Q, %Q, NULL, %Q, %Q, %Q)", (long long) w->audit_id,
         (long long) time, actor, action, details, w->prev_hash, hash);
  run (w, "UPDATE audit_head SET last_id = %lld, last_hash = %Q", (long long) w->audit_id, hash);
  g_free (w->prev_hash);
  w->prev_hash = hash;
}

char *
fixture_video_name (void)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, FIXTURE_VIDEO, -1);
  return g_strdup_printf ("media/%s.mp4", hash);
}

static void
member (Writer *w, gint64 id, const char *name, const char *role, gint64 time)
{
  g_autofree char *details = g_strdup_printf ("{\"name\": \"%s\", \"role\": \"%s\"}", name, role);

  run (w, "INSERT INTO members VALUES (%lld, %Q, %Q, %lld)", (long long) id, name, role, (long long) time);
  audit (w, time, "root", "member-added", 0, details);
}

static void
review (Writer *w, gint64 take, gint64 member_id, const char *member_name, const char *decision, const char *note,
        gint64 frame, gint64 time)
{
  GString *details = g_string_new ("{");

  if (frame >= 0)
    run (w,
         "INSERT INTO reviews (take_id, member_id, decision, note, frame, created_at) VALUES (%lld, %lld, %Q, %Q, "
         "%lld, %lld)",
         (long long) take, (long long) member_id, decision, note, (long long) frame, (long long) time);
  else
    run (w,
         "INSERT INTO reviews (take_id, member_id, decision, note, frame, created_at) VALUES (%lld, %lld, %Q, %Q, "
         "NULL, %lld)",
         (long long) take, (long long) member_id, decision, note, (long long) time);
  g_string_append_printf (details, "\"decision\": \"%s\"", decision);
  if (*note)
    g_string_append_printf (details, ", \"note\": \"%s\"", note);
  if (frame >= 0)
    g_string_append_printf (details, ", \"frame\": %lld", (long long) frame);
  g_string_append_c (details, '}');
  audit (w, time, member_name, "reviewed", take, details->str);
  g_string_free (details, TRUE);
  if (g_str_has_prefix (decision, "approved"))
    {
      g_autofree char *because = g_strdup_printf ("{\"because\": \"%s\"}", decision);
      run (w, "UPDATE takes SET locked = 1 WHERE id = %lld AND locked = 0", (long long) take);
      if (sqlite3_changes (w->db) > 0)
        audit (w, time, member_name, "locked", take, because);
    }
}

static void
write_rows (Writer *w, int version)
{
  g_autofree char *video = fixture_video_name ();
  const char *recipe_columns
      = "id, project_id, kind, parent_id, title, created_by, created_at, prompt, negative_prompt,"
        " seed, steps, guidance, width, height, frames, fps, scheduler, model_name, model_hash,"
        " engine_version, device, render_status, render_error, queued_at, started_at,"
        " finished_at, video";

  audit (w, T0, "root", "library-created", 0, version == 1 ? "{\"schema\": 1}" : "{\"schema\": 2}");
  member (w, 1, "root", "admin", T0);
  member (w, 2, "alice", "creative", T0 + 1 * MINUTE);
  member (w, 3, "lena", "legal", T0 + 2 * MINUTE);
  member (w, 4, "max", "manager", T0 + 3 * MINUTE);
  member (w, 5, "omar", "legal", T0 + 4 * MINUTE);

  run (w, "INSERT INTO projects VALUES (1, 'Spring launch', 'Thirty seconds for the spring range', 0, 2, %lld)",
       (long long) (T0 + 5 * MINUTE));
  audit (w, T0 + 5 * MINUTE, "alice", "project-added", 0, "{\"name\": \"Spring launch\"}");
  /* SQL metacharacters in a name, kept verbatim. */
  run (w, "INSERT INTO projects VALUES (2, %Q, '', 0, 4, %lld)", "Harbour 'quote' \"dq\"; DROP TABLE takes; --",
       (long long) (T0 + 6 * MINUTE));
  audit (w, T0 + 6 * MINUTE, "max", "project-added", 0,
         "{\"name\": \"Harbour 'quote' \\\"dq\\\"; DROP TABLE takes; --\"}");

  run (w,
       "INSERT INTO takes (%s) VALUES (1, 1, 'draft', NULL, 'Red square', 2, %lld,"
       " 'a red square moving left over a blue background', 'blurry', 42, 30, 7.5, 640, 352, 40, 15,"
       " 'euler-ancestral', 'allegro-tiny', 'f00d', '0.1.0', 'llvmpipe', 'done', '', %lld, %lld, %lld, %Q)",
       recipe_columns, (long long) (T0 + 10 * MINUTE), (long long) (T0 + 10 * MINUTE), (long long) (T0 + 11 * MINUTE),
       (long long) (T0 + 12 * MINUTE), video);
  audit (w, T0 + 10 * MINUTE, "alice", "take-created", 1,
         "{\"project\": \"Spring launch\", \"kind\": \"draft\", \"title\": \"Red square\", \"seed\": 42}");
  audit (w, T0 + 12 * MINUTE, "alice", "rendered", 1, "{\"from\": \"running\", \"to\": \"done\"}");
  run (w,
       "INSERT INTO takes (%s) VALUES (2, 1, 'final', 1, 'Red square, final', 2, %lld,"
       " 'a red square moving left, full quality', '', 42, 100, 7.5, 1280, 720, 88, 15,"
       " 'euler-ancestral', 'allegro-tiny', 'f00d', '0.1.0', 'llvmpipe', 'done', '', %lld, %lld, %lld, %Q)",
       recipe_columns, (long long) (T0 + 20 * MINUTE), (long long) (T0 + 20 * MINUTE), (long long) (T0 + 21 * MINUTE),
       (long long) (T0 + 30 * MINUTE), video);
  audit (w, T0 + 20 * MINUTE, "alice", "take-created", 2,
         "{\"project\": \"Spring launch\", \"kind\": \"final\", \"parent\": 1, \"title\": \"Red square, final\", "
         "\"seed\": 42}");
  run (w,
       "INSERT INTO takes (%s) VALUES (3, 1, 'draft', NULL, 'Lighthouse', 2, %lld,"
       " 'a lighthouse at sunset, waves crashing', '', 7, 30, 6.0, 640, 352, 40, 15,"
       " 'euler-ancestral', 'allegro-tiny', 'f00d', '0.1.0', 'llvmpipe', 'failed', 'out of device memory',"
       " %lld, %lld, %lld, NULL)",
       recipe_columns, (long long) (T0 + 31 * MINUTE), (long long) (T0 + 31 * MINUTE), (long long) (T0 + 32 * MINUTE),
       (long long) (T0 + 33 * MINUTE));
  audit (w, T0 + 31 * MINUTE, "alice", "take-created", 3,
         "{\"project\": \"Spring launch\", \"kind\": \"draft\", \"title\": \"Lighthouse\", \"seed\": 7}");
  run (w,
       "INSERT INTO takes (id, project_id, kind, title, created_by, created_at, source, licence, render_status,"
       " queued_at, started_at, finished_at, video) VALUES (4, 2, 'imported', 'harbour.mp4', 2, %lld, 'Stock Co',"
       " 'CC-BY 4.0', 'done', %lld, %lld, %lld, %Q)",
       (long long) (T0 + 40 * MINUTE), (long long) (T0 + 40 * MINUTE), (long long) (T0 + 40 * MINUTE),
       (long long) (T0 + 40 * MINUTE), video);
  audit (w, T0 + 40 * MINUTE, "alice", "take-imported", 4, "{\"project\": \"Harbour\", \"title\": \"harbour.mp4\"}");
  run (w,
       "INSERT INTO takes (%s) VALUES (5, 2, 'draft', NULL, %Q, 2, %lld, %Q, '', 9, 30, 7.5, 640, 352, 40, 15,"
       " 'euler-ancestral', 'allegro-tiny', 'f00d', '0.1.0', 'llvmpipe', 'queued', '', %lld, 0, 0, NULL)",
       recipe_columns, "Zoë's café", (long long) (T0 + 50 * MINUTE), "Zoë's café — a naïve façade at dawn",
       (long long) (T0 + 50 * MINUTE));
  audit (w, T0 + 50 * MINUTE, "alice", "take-created", 5, "{\"project\": \"Harbour\", \"kind\": \"draft\"}");

  if (version >= 2)
    {
      run (w, "INSERT INTO checklist VALUES (1, 'likeness', 3, %lld)", (long long) (T0 + 60 * MINUTE));
      audit (w, T0 + 60 * MINUTE, "lena", "cleared", 1, "{\"item\": \"likeness\"}");
      run (w, "INSERT INTO checklist VALUES (1, 'disclosure', 3, %lld)", (long long) (T0 + 61 * MINUTE));
      audit (w, T0 + 61 * MINUTE, "lena", "cleared", 1, "{\"item\": \"disclosure\"}");
    }
  review (w, 1, 3, "lena", "changes-required", "logo visible at frame 12", 12, T0 + 62 * MINUTE);
  review (w, 1, 3, "lena", "approved", "", -1, T0 + 63 * MINUTE);
  review (w, 2, 3, "lena", "approved", "", -1, T0 + 64 * MINUTE);
  review (w, 2, 5, "omar", "rejected", "the horizon tilts", -1, T0 + 65 * MINUTE);
  review (w, 4, 5, "omar", "approved-with-changes", "add a credit line", -1, T0 + 66 * MINUTE);

  if (version >= 2)
    {
      run (w, "INSERT INTO tags VALUES (1, 'hero', 4, %lld)", (long long) (T0 + 70 * MINUTE));
      audit (w, T0 + 70 * MINUTE, "max", "tagged", 1, "{\"tag\": \"hero\"}");
      run (w, "INSERT INTO tags VALUES (4, 'harbour', 4, %lld)", (long long) (T0 + 71 * MINUTE));
      audit (w, T0 + 71 * MINUTE, "max", "tagged", 4, "{\"tag\": \"harbour\"}");
      run (w, "INSERT INTO ratings VALUES (1, 4, 4, %lld)", (long long) (T0 + 72 * MINUTE));
      audit (w, T0 + 72 * MINUTE, "max", "rated", 1, "{\"stars\": 4}");
      run (w, "INSERT INTO shortlist VALUES (1, 4, %lld)", (long long) (T0 + 73 * MINUTE));
      audit (w, T0 + 73 * MINUTE, "max", "shortlisted", 1, "{}");
    }
}

gboolean
fixture_make (const char *path, int version, GError **error)
{
  g_autofree char *scratch = g_dir_make_tmp ("allegro-fixture-XXXXXX", error);
  g_autofree char *lib_dir = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  StudioLibrary *lib;
  Writer w = { .error = error, .prev_hash = g_strnfill (64, '0') };
  sqlite3 *db;

  g_return_val_if_fail (version >= 1 && version < STUDIO_LIBRARY_SCHEMA_VERSION, FALSE);
  if (scratch == NULL)
    return FALSE;
  lib_dir = g_build_filename (scratch, "library", NULL);
  lib = studio_library_open_at_version (lib_dir, version, error);
  if (lib == NULL)
    return FALSE;
  w.db = lib->db;
  run (&w, "BEGIN IMMEDIATE");
  write_rows (&w, version);
  run (&w, "COMMIT");
  studio_library_close (lib);
  g_free (w.prev_hash);
  if (w.failed)
    return FALSE;

  /* One self-contained file: back to a rollback journal. */
  db_path = g_build_filename (lib_dir, "library.sqlite", NULL);
  if (sqlite3_open (db_path, &db) != SQLITE_OK
      || sqlite3_exec (db, "PRAGMA journal_mode = DELETE; VACUUM", NULL, NULL, NULL) != SQLITE_OK)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "could not finish %s: %s", db_path, sqlite3_errmsg (db));
      sqlite3_close (db);
      return FALSE;
    }
  sqlite3_close (db);
  if (!g_file_get_contents (db_path, &contents, &length, error)
      || !g_file_set_contents (path, contents, (gssize) length, error))
    return FALSE;
  {
    g_autofree char *media_dir = g_build_filename (lib_dir, "media", NULL);
    g_unlink (db_path);
    g_rmdir (media_dir);
    g_rmdir (lib_dir);
    g_rmdir (scratch);
  }
  return TRUE;
}
