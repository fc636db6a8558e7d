/* test-migrate: opening the fixture library of each earlier schema version
 * (tests/library/data/library-v<N>.sqlite) migrates it to the current one
 * and keeps every row, value for value; the migrated library works (search
 * finds old text, the audit chain verifies, locks still hold); and the
 * committed fixtures are what the committed generator makes. */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "studio-library-private.h"

static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  return db;
}

static int
raw_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  int value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static GPtrArray *
raw_strings (sqlite3 *db, const char *sql)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  return rows;
}

/* The table's rows, each as quote(column)|quote(column)|..., over COLUMNS
 * (NULL: the table's own columns), ordered by rowid or primary key. */
static char *
dump_table (sqlite3 *db, const char *table, const char *columns)
{
  g_autofree char *own_columns = NULL;
  g_autofree char *sql = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  GString *dump = g_string_new ("");

  if (columns == NULL)
    {
      g_autofree char *info
          = g_strdup_printf ("SELECT group_concat ('quote(\"' || name || '\")', ' || ''|'' || ') FROM "
                             "pragma_table_info ('%s')",
                             table);
      g_autoptr (GPtrArray) found = raw_strings (db, info);
      own_columns = g_strdup (found->pdata[0]);
      columns = own_columns;
    }
  sql = g_strdup_printf ("SELECT %s FROM \"%s\" ORDER BY 1", columns, table);
  rows = raw_strings (db, sql);
  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (dump, "%s\n", (const char *) rows->pdata[i]);
  return g_string_free (dump, FALSE);
}

typedef struct
{
  char *name;
  char *columns;
  char *dump;
  int rows;
} TableDump;

static void
table_dump_free (TableDump *dump)
{
  g_free (dump->name);
  g_free (dump->columns);
  g_free (dump->dump);
  g_free (dump);
}

static GPtrArray *
dump_all (sqlite3 *db)
{
  GPtrArray *dumps = g_ptr_array_new_with_free_func ((GDestroyNotify) table_dump_free);
  g_autoptr (GPtrArray) tables = raw_strings (db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT "
                                                  "LIKE 'sqlite_%' AND name NOT LIKE 'take_search%' ORDER BY name");

  for (guint i = 0; i < tables->len; i++)
    {
      TableDump *dump = g_new0 (TableDump, 1);
      g_autofree char *info = g_strdup_printf ("SELECT group_concat ('quote(\"' || name || '\")', ' || ''|'' || ') "
                                               "FROM pragma_table_info ('%s')",
                                               (const char *) tables->pdata[i]);
      g_autoptr (GPtrArray) columns = raw_strings (db, info);
      g_autofree char *count = g_strdup_printf ("SELECT count(*) FROM \"%s\"", (const char *) tables->pdata[i]);
      dump->name = g_strdup (tables->pdata[i]);
      dump->columns = g_strdup (columns->pdata[0]);
      dump->dump = dump_table (db, dump->name, dump->columns);
      dump->rows = raw_int (db, count);
      g_ptr_array_add (dumps, dump);
    }
  return dumps;
}

static char *
make_library (const char *fixture, char **lib_dir_out)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *scratch = g_dir_make_tmp ("test-migrate-XXXXXX", &error);
  g_autofree char *lib_dir = g_build_filename (scratch, "library", NULL);
  g_autofree char *media_dir = g_build_filename (lib_dir, "media", NULL);
  g_autofree char *db_path = g_build_filename (lib_dir, "library.sqlite", NULL);
  g_autofree char *video = fixture_video_name ();
  g_autofree char *video_path = g_build_filename (lib_dir, video, NULL);
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (media_dir, 0755), ==, 0);
  g_assert_true (g_file_get_contents (fixture, &contents, &length, &error));
  g_assert_true (g_file_set_contents (db_path, contents, (gssize) length, &error));
  g_assert_true (g_file_set_contents (video_path, FIXTURE_VIDEO, -1, &error));
  *lib_dir_out = g_steal_pointer (&lib_dir);
  return g_steal_pointer (&db_path);
}

static StudioTake *
take (StudioLibrary *lib, gint64 id)
{
  g_autoptr (GError) error = NULL;
  StudioTake *found = studio_library_get_take (lib, id, &error);
  g_assert_no_error (error);
  return found;
}

static GPtrArray *
search (StudioLibrary *lib, const char *text)
{
  g_autoptr (GError) error = NULL;
  StudioTakeQuery query = { .search = text };
  GPtrArray *takes = studio_library_list_takes (lib, &query, &error);
  g_assert_no_error (error);
  return takes;
}

static void
test_fixture (gconstpointer data)
{
  int version = GPOINTER_TO_INT (data);
  g_autofree char *name = g_strdup_printf ("library-v%d.sqlite", version);
  const char *fixture = g_test_get_filename (G_TEST_DIST, "data", name, NULL);
  g_autofree char *lib_dir = NULL;
  g_autofree char *db_path = NULL;
  g_autoptr (GPtrArray) before = NULL;
  g_autoptr (GPtrArray) audit_before = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) lib = NULL;
  sqlite3 *db;
  int audit_rows = 0;

  g_assert_true (g_file_test (fixture, G_FILE_TEST_IS_REGULAR));
  db_path = make_library (fixture, &lib_dir);

  db = raw_open (db_path);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, version);
  before = dump_all (db);
  audit_before = raw_strings (db, "SELECT hash FROM audit ORDER BY id");
  sqlite3_close (db);
  for (guint i = 0; i < before->len; i++)
    {
      TableDump *dump = before->pdata[i];
      if (strcmp (dump->name, "audit") == 0)
        audit_rows = dump->rows;
    }
  g_assert_cmpint (audit_rows, >, 10);

  /* Opening migrates. */
  lib = studio_library_open (lib_dir, STUDIO_LIBRARY_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpint (studio_library_get_opened_version (lib), ==, version);
  g_clear_pointer (&lib, studio_library_close);

  /* Every row of every table is still there, value for value. */
  db = raw_open (db_path);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, STUDIO_LIBRARY_SCHEMA_VERSION);
  g_assert_cmpint (raw_int (db, "PRAGMA application_id"), ==, STUDIO_LIBRARY_APPLICATION_ID);
  for (guint i = 0; i < before->len; i++)
    {
      TableDump *dump = before->pdata[i];
      g_autofree char *after = NULL;
      if (strcmp (dump->name, "audit_head") == 0)
        continue;
      if (strcmp (dump->name, "audit") == 0)
        {
          /* The old rows, unchanged, then one row per migration step. */
          g_autoptr (GPtrArray) hashes = raw_strings (db, "SELECT hash FROM audit ORDER BY id");
          g_autoptr (GPtrArray) actions = raw_strings (db, "SELECT action FROM audit ORDER BY id");
          g_autofree char *old_rows = NULL;
          g_autofree char *sql
              = g_strdup_printf ("SELECT %s FROM audit WHERE id <= %d ORDER BY 1", dump->columns, audit_rows);
          g_autoptr (GPtrArray) rows = raw_strings (db, sql);
          GString *joined = g_string_new ("");
          for (guint r = 0; r < rows->len; r++)
            g_string_append_printf (joined, "%s\n", (const char *) rows->pdata[r]);
          old_rows = g_string_free (joined, FALSE);
          g_assert_cmpstr (old_rows, ==, dump->dump);
          g_assert_cmpuint (hashes->len, ==, (guint) audit_rows + (STUDIO_LIBRARY_SCHEMA_VERSION - version));
          for (guint r = audit_rows; r < actions->len; r++)
            g_assert_cmpstr (actions->pdata[r], ==, "library-migrated");
          continue;
        }
      after = dump_table (db, dump->name, dump->columns);
      g_assert_cmpstr (after, ==, dump->dump);
    }
  /* The locks still hold at the store's level. */
  g_assert_cmpint (sqlite3_exec (db, "UPDATE takes SET prompt = 'changed' WHERE id = 1", NULL, NULL, NULL), ==,
                   SQLITE_CONSTRAINT);
  sqlite3_close (db);

  /* The migrated library works, and reads the old rows right. */
  lib = studio_library_open (lib_dir, STUDIO_LIBRARY_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpint (studio_library_get_opened_version (lib), ==, STUDIO_LIBRARY_SCHEMA_VERSION);
  {
    g_autoptr (StudioTake) t1 = take (lib, 1);
    g_autoptr (StudioTake) t2 = take (lib, 2);
    g_autoptr (StudioTake) t3 = take (lib, 3);
    g_autoptr (StudioTake) t4 = take (lib, 4);
    g_autoptr (StudioTake) t5 = take (lib, 5);
    g_autofree char *video = fixture_video_name ();

    g_assert_cmpstr (t1->recipe.prompt, ==, "a red square moving left over a blue background");
    g_assert_cmpint (t1->recipe.seed, ==, 42);
    g_assert_cmpstr (t1->video, ==, video);
    g_assert_cmpint (t1->review_status, ==, STUDIO_STATUS_APPROVED);
    g_assert_true (t1->locked);
    g_assert_cmpuint (t1->reviews->len, ==, 2);
    g_assert_cmpint (((StudioReview *) t1->reviews->pdata[0])->frame, ==, 12);
    g_assert_cmpuint (t1->children->len, ==, 1);
    g_assert_cmpint (g_array_index (t1->children, gint64, 0), ==, 2);
    g_assert_cmpint (t2->review_status, ==, STUDIO_STATUS_REJECTED);
    g_assert_cmpint (t2->parent_id, ==, 1);
    g_assert_cmpuint (t2->ancestors->len, ==, 1);
    g_assert_cmpint (t3->render_status, ==, STUDIO_RENDER_FAILED);
    g_assert_cmpstr (t3->render_error, ==, "out of device memory");
    g_assert_cmpint (t3->review_status, ==, STUDIO_STATUS_NEEDS_REVIEW);
    g_assert_cmpint (t4->kind, ==, STUDIO_TAKE_IMPORTED);
    g_assert_cmpstr (t4->licence, ==, "CC-BY 4.0");
    g_assert_cmpstr (t4->project, ==, "Harbour 'quote' \"dq\"; DROP TABLE takes; --");
    g_assert_cmpint (t4->review_status, ==, STUDIO_STATUS_APPROVED_WITH_CHANGES);
    g_assert_cmpstr (t5->recipe.prompt, ==, "Zoë's café — a naïve façade at dawn");
    g_assert_cmpint (t5->render_status, ==, STUDIO_RENDER_QUEUED);
    if (version >= 2)
      {
        g_assert_cmpstr (t1->checklist[STUDIO_CLEARANCE_LIKENESS].member, ==, "lena");
        g_assert_null (t1->checklist[STUDIO_CLEARANCE_TRADEMARKS].member);
        g_assert_cmpuint (t1->tags->len, ==, 1);
        g_assert_true (t1->shortlisted);
        g_assert_cmpint (t1->n_ratings, ==, 1);
      }
  }
  /* Full-text search covers the old prompts, notes and tags. */
  {
    g_autoptr (GPtrArray) lighthouse = search (lib, "lighthouse");
    g_autoptr (GPtrArray) note = search (lib, "credit");
    g_autoptr (GPtrArray) accents = search (lib, "facade");
    g_assert_cmpuint (lighthouse->len, ==, 1);
    g_assert_cmpint (((StudioTake *) lighthouse->pdata[0])->id, ==, 3);
    g_assert_cmpuint (note->len, ==, 1);
    g_assert_cmpint (((StudioTake *) note->pdata[0])->id, ==, 4);
    g_assert_cmpuint (accents->len, ==, 1);
    if (version >= 2)
      {
        g_autoptr (GPtrArray) tag = search (lib, "hero");
        g_assert_cmpuint (tag->len, ==, 1);
        g_assert_cmpint (((StudioTake *) tag->pdata[0])->id, ==, 1);
      }
  }
  /* The chain verifies across the migration, and everything checks out. */
  {
    gint64 n_rows = 0, first_bad = -1;
    g_assert_true (studio_library_verify_audit (lib, &n_rows, &first_bad, &error));
    g_assert_no_error (error);
    g_assert_cmpint (n_rows, ==, audit_rows + (STUDIO_LIBRARY_SCHEMA_VERSION - version));
    g_assert_true (studio_library_check (lib, &error));
    g_assert_no_error (error);
  }
  /* New work goes on: the old members act under their old roles. */
  {
    g_autofree char *video = fixture_video_name ();
    StudioRecipe recipe = { .prompt = "a red square moving right" };
    StudioTakeParams params
        = { .project = "Spring launch", .kind = STUDIO_TAKE_FINAL, .parent_id = 1, .recipe = &recipe };
    gint64 id = studio_library_create_take (lib, "alice", &params, &error);
    g_assert_no_error (error);
    g_assert_cmpint (id, ==, 6);
    g_assert_false (studio_library_tag (lib, 1, "alice", "nope", &error));
    g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_REFUSED);
    g_clear_error (&error);
    g_assert_true (studio_library_tag (lib, 4, "max", "dock", &error));
    g_assert_no_error (error);
    {
      g_autoptr (GPtrArray) found = search (lib, "dock");
      g_assert_cmpuint (found->len, ==, 1);
    }
    (void) video;
  }
  g_clear_pointer (&lib, studio_library_close);
  {
    g_autofree char *scratch = g_path_get_dirname (lib_dir);
    g_autofree char *command = g_strdup_printf ("rm -rf '%s'", scratch);
    g_assert_cmpint (system (command), ==, 0);
  }
}

/* The committed fixtures hold exactly the rows the committed generator
 * writes. */
static void
test_generator (gconstpointer data)
{
  int version = GPOINTER_TO_INT (data);
  g_autofree char *name = g_strdup_printf ("library-v%d.sqlite", version);
  const char *fixture = g_test_get_filename (G_TEST_DIST, "data", name, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *scratch = g_dir_make_tmp ("test-generator-XXXXXX", &error);
  g_autofree char *fresh = g_build_filename (scratch, name, NULL);
  g_autoptr (GPtrArray) committed_dump = NULL;
  g_autoptr (GPtrArray) fresh_dump = NULL;
  sqlite3 *db;

  g_assert_true (fixture_make (fresh, version, &error));
  g_assert_no_error (error);
  db = raw_open (fixture);
  committed_dump = dump_all (db);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, version);
  sqlite3_close (db);
  db = raw_open (fresh);
  fresh_dump = dump_all (db);
  sqlite3_close (db);
  g_assert_cmpuint (committed_dump->len, ==, fresh_dump->len);
  for (guint i = 0; i < committed_dump->len; i++)
    {
      TableDump *a = committed_dump->pdata[i], *b = fresh_dump->pdata[i];
      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmpstr (a->dump, ==, b->dump);
    }
  g_unlink (fresh);
  g_rmdir (scratch);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (int version = 1; version < STUDIO_LIBRARY_SCHEMA_VERSION; version++)
    {
      g_autofree char *migrate = g_strdup_printf ("/library/migrate/v%d", version);
      g_autofree char *generator = g_strdup_printf ("/library/migrate/v%d-matches-generator", version);
      g_test_add_data_func (migrate, GINT_TO_POINTER (version), test_fixture);
      g_test_add_data_func (generator, GINT_TO_POINTER (version), test_generator);
    }
  return g_test_run ();
}
