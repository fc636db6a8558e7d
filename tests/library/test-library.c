/* test-library: the library's calls on real SQLite files, checked both
 * through the API and by reading the file with SQLite directly. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "studio-library-private.h"

typedef struct
{
  char *scratch;
  char *dir;
  char *db_path;
  StudioLibrary *lib;
} Fixture;

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *entry;

  if (dir != NULL)
    while ((entry = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, entry, NULL);
        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

/* A library with root (admin), alice (creative), lena and omar (legal), max
 * (manager), and the project "Spring". */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioProject) project = NULL;
  static const struct
  {
    const char *name;
    StudioRole role;
  } members[] = { { "alice", STUDIO_ROLE_CREATIVE },
                  { "lena", STUDIO_ROLE_LEGAL },
                  { "omar", STUDIO_ROLE_LEGAL },
                  { "max", STUDIO_ROLE_MANAGER } };

  f->scratch = g_dir_make_tmp ("test-library-XXXXXX", &error);
  g_assert_no_error (error);
  f->dir = g_build_filename (f->scratch, "library", NULL);
  f->db_path = g_build_filename (f->dir, "library.sqlite", NULL);
  f->lib = studio_library_init (f->dir, "root", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      g_autoptr (StudioMember) member
          = studio_library_add_member (f->lib, "root", members[i].name, members[i].role, &error);
      g_assert_no_error (error);
      g_assert_cmpint (member->role, ==, members[i].role);
    }
  project = studio_library_add_project (f->lib, "alice", "Spring", "the spring range", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->lib, studio_library_close);
  remove_tree (f->scratch);
  g_free (f->scratch);
  g_free (f->dir);
  g_free (f->db_path);
}

/* SQLite, directly */

static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  return db;
}

static gint64
raw_int (const char *path, const char *sql)
{
  sqlite3 *db = raw_open (path);
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static char *
raw_text (const char *path, const char *sql)
{
  sqlite3 *db = raw_open (path);
  sqlite3_stmt *stmt = NULL;
  char *value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

/* Runs SQL directly; returns SQLite's result code. */
static int
raw_exec (const char *path, const char *sql)
{
  sqlite3 *db = raw_open (path);
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);
  sqlite3_close (db);
  return rc;
}

/* Helpers */

static gint64
make_take (Fixture *f, const char *prompt, gint64 parent)
{
  g_autoptr (GError) error = NULL;
  StudioRecipe recipe = { .prompt = (char *) prompt,
                          .seed = 7,
                          .steps = 30,
                          .guidance = 7.5,
                          .width = 640,
                          .height = 352,
                          .frames = 40,
                          .fps = 15,
                          .scheduler = (char *) "euler-ancestral",
                          .model_name = (char *) "allegro-tiny",
                          .model_hash = (char *) "f00d",
                          .engine_version = (char *) "0.1.0",
                          .device = (char *) "llvmpipe" };
  StudioTakeParams params = {
    .project = "Spring", .kind = parent ? STUDIO_TAKE_FINAL : STUDIO_TAKE_DRAFT, .parent_id = parent, .recipe = &recipe
  };
  gint64 id = studio_library_create_take (f->lib, "alice", &params, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

/* A take rendered to the end, with a video. */
static gint64
make_rendered_take (Fixture *f, const char *prompt, gint64 parent)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *content = g_strdup_printf ("video of %s %d", prompt, g_random_int ());
  g_autoptr (GBytes) bytes = g_bytes_new (content, strlen (content));
  g_autofree char *video = studio_library_add_media_bytes (f->lib, bytes, "mp4", &error);
  StudioTakeMedia media = { .video = video };
  gint64 id = make_take (f, prompt, parent);

  g_assert_no_error (error);
  g_assert_true (studio_library_set_render_status (f->lib, id, "alice", STUDIO_RENDER_RUNNING, NULL, &error));
  g_assert_true (studio_library_set_take_media (f->lib, id, "alice", &media, &error));
  g_assert_true (studio_library_set_render_status (f->lib, id, "alice", STUDIO_RENDER_DONE, NULL, &error));
  g_assert_no_error (error);
  return id;
}

static StudioReviewStatus
status_of (Fixture *f, gint64 id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioTake) take = studio_library_get_take (f->lib, id, &error);

  g_assert_no_error (error);
  return take->review_status;
}

static void
review (Fixture *f, gint64 id, const char *who, StudioDecision decision)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (studio_library_review (f->lib, id, who, decision, NULL, -1, &error));
  g_assert_no_error (error);
}

/* Tests */

static void
test_open_settings (Fixture *f, gconstpointer data)
{
  g_autofree char *mode = raw_text (f->db_path, "PRAGMA journal_mode");
  g_autofree char *media = g_build_filename (f->dir, "media", NULL);

  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (raw_int (f->db_path, "PRAGMA application_id"), ==, STUDIO_LIBRARY_APPLICATION_ID);
  g_assert_cmpint (raw_int (f->db_path, "PRAGMA user_version"), ==, STUDIO_LIBRARY_SCHEMA_VERSION);
  g_assert_true (g_file_test (media, G_FILE_TEST_IS_DIR));
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM members"), ==, 5);
  /* The library's own connection enforces foreign keys. */
  g_assert_cmpint (sqlite3_exec (f->lib->db,
                                 "INSERT INTO reviews (take_id, member_id, decision, created_at)"
                                 " VALUES (999, 999, 'approved', 0)",
                                 NULL, NULL, NULL),
                   ==, SQLITE_CONSTRAINT_FOREIGNKEY);
}

static void
test_init_twice (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioLibrary) again = studio_library_init (f->dir, "mallory", &error);

  g_assert_null (again);
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_EXISTS);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM members WHERE role = 'admin'"), ==, 1);
}

static void
test_no_library (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *scratch = g_dir_make_tmp ("test-library-XXXXXX", &error);
  g_autofree char *dir = g_build_filename (scratch, "nothing", NULL);
  g_autoptr (StudioLibrary) lib = studio_library_open (dir, STUDIO_LIBRARY_OPEN_DEFAULT, &error);

  g_assert_null (lib);
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NO_LIBRARY);
  g_assert_nonnull (strstr (error->message, "init --admin"));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  remove_tree (scratch);
}

/* The bytes of PATH, for "left untouched" checks. */
static GBytes *
file_bytes (const char *path)
{
  char *contents = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  return g_bytes_new_take (contents, length);
}

static void
expect_refused_file (const char *dir, const char *db_path, int code, const char *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = file_bytes (db_path);
  g_autoptr (GBytes) after = NULL;
  g_autoptr (StudioLibrary) lib = studio_library_open (dir, STUDIO_LIBRARY_OPEN_CREATE, &error);
  g_autofree char *wal = g_strconcat (db_path, "-wal", NULL);

  g_assert_null (lib);
  g_assert_error (error, STUDIO_LIBRARY_ERROR, code);
  g_test_message ("refused as expected: %s", error->message);
  g_assert_nonnull (strstr (error->message, db_path));
  g_assert_nonnull (strstr (error->message, words));
  after = file_bytes (db_path);
  g_assert_true (g_bytes_equal (before, after));
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
}

static void
test_bad_files (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) whole = NULL;
  gsize length;
  const guint8 *bytes;

  /* Close cleanly first: the -wal file is folded in and removed. */
  g_clear_pointer (&f->lib, studio_library_close);
  whole = file_bytes (f->db_path);
  bytes = g_bytes_get_data (whole, &length);
  g_assert_cmpuint (length, >, 8192);

  /* Not SQLite at all. */
  g_assert_true (g_file_set_contents (f->db_path, "this is a text file, not a database\n", -1, &error));
  expect_refused_file (f->dir, f->db_path, STUDIO_LIBRARY_ERROR_NOT_LIBRARY, "not a SQLite database");

  /* Truncated inside the header, at a page boundary, and mid-page. */
  g_assert_true (g_file_set_contents (f->db_path, (const char *) bytes, 60, &error));
  expect_refused_file (f->dir, f->db_path, STUDIO_LIBRARY_ERROR_CORRUPT, "truncated");
  g_assert_true (g_file_set_contents (f->db_path, (const char *) bytes, 4096, &error));
  expect_refused_file (f->dir, f->db_path, STUDIO_LIBRARY_ERROR_CORRUPT, "truncated");
  g_assert_true (g_file_set_contents (f->db_path, (const char *) bytes, (gssize) length / 2 + 100, &error));
  expect_refused_file (f->dir, f->db_path, STUDIO_LIBRARY_ERROR_CORRUPT, "truncated");

  /* Another program's SQLite database. */
  g_unlink (f->db_path);
  {
    sqlite3 *db = NULL;
    g_assert_cmpint (sqlite3_open (f->db_path, &db), ==, SQLITE_OK);
    g_assert_cmpint (
        sqlite3_exec (db, "CREATE TABLE notes (text); INSERT INTO notes VALUES ('mine')", NULL, NULL, NULL), ==,
        SQLITE_OK);
    sqlite3_close (db);
  }
  expect_refused_file (f->dir, f->db_path, STUDIO_LIBRARY_ERROR_NOT_LIBRARY, "another program");

  /* From a newer Allegro Studio. */
  g_assert_true (g_file_set_contents (f->db_path, (const char *) bytes, (gssize) length, &error));
  g_assert_cmpint (raw_exec (f->db_path, "PRAGMA user_version = 99"), ==, SQLITE_OK);
  expect_refused_file (f->dir, f->db_path, STUDIO_LIBRARY_ERROR_TOO_NEW, "newer Allegro Studio");

  /* And the intact file still opens, with everything in it. */
  g_assert_true (g_file_set_contents (f->db_path, (const char *) bytes, (gssize) length, &error));
  f->lib = studio_library_open (f->dir, STUDIO_LIBRARY_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (studio_library_check (f->lib, &error));
  g_assert_no_error (error);
}

static void
test_roles (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 take = make_rendered_take (f, "a red square moving left", 0);
  gint64 refused_before = raw_int (f->db_path, "SELECT count(*) FROM audit WHERE action = 'refused'");
  gint64 refusals = 0;
  StudioRecipe recipe = { .prompt = (char *) "a blue circle" };
  StudioTakeParams params = { .project = "Spring", .kind = STUDIO_TAKE_DRAFT, .recipe = &recipe };
  StudioTakeMedia media = { 0 };

#define REFUSED(call)                                                                                                  \
  G_STMT_START                                                                                                         \
  {                                                                                                                    \
    g_assert_false (call);                                                                                             \
    g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_REFUSED);                                        \
    g_assert_true (g_str_has_prefix (error->message, "refused: "));                                                    \
    g_clear_error (&error);                                                                                            \
    refusals++;                                                                                                        \
  }                                                                                                                    \
  G_STMT_END

  /* Only legal members (and admins) decide and clear. */
  REFUSED (studio_library_review (f->lib, take, "alice", STUDIO_DECISION_APPROVED, NULL, -1, &error));
  REFUSED (studio_library_review (f->lib, take, "max", STUDIO_DECISION_APPROVED, NULL, -1, &error));
  REFUSED (studio_library_clear (f->lib, take, "alice", STUDIO_CLEARANCE_LIKENESS, &error));
  REFUSED (studio_library_clear (f->lib, take, "max", STUDIO_CLEARANCE_TRADEMARKS, &error));
  /* Only creatives (and admins) create and render. */
  REFUSED (studio_library_create_take (f->lib, "lena", &params, &error) != 0);
  REFUSED (studio_library_create_take (f->lib, "max", &params, &error) != 0);
  REFUSED (studio_library_set_render_status (f->lib, take, "lena", STUDIO_RENDER_FAILED, NULL, &error));
  REFUSED (studio_library_set_take_media (f->lib, take, "max", &media, &error));
  /* Only managers (and admins) rate, shortlist, tag, export. */
  REFUSED (studio_library_rate (f->lib, take, "alice", 5, &error));
  REFUSED (studio_library_shortlist (f->lib, take, "lena", TRUE, &error));
  REFUSED (studio_library_tag (f->lib, take, "alice", "mine", &error));
  REFUSED (studio_library_record_export (f->lib, take, "alice", "/tmp/out.mp4", "mp4", &error));
  /* Only admins manage members. */
  REFUSED (studio_library_add_member (f->lib, "max", "eve", STUDIO_ROLE_ADMIN, &error) != NULL);
  REFUSED (studio_library_set_member_role (f->lib, "alice", "alice", STUDIO_ROLE_ADMIN, &error));
  /* Legal members do not add projects; strangers do nothing. */
  REFUSED (studio_library_add_project (f->lib, "lena", "Autumn", NULL, &error) != NULL);
  REFUSED (studio_library_tag (f->lib, take, "nobody", "x", &error));

  /* Each refusal is in the audit log, under the actor's name. */
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM audit WHERE action = 'refused'"), ==,
                   refused_before + refusals);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM audit WHERE action = 'refused' AND actor = 'alice'"
                                        " AND take_id IS NOT NULL"),
                   ==, 5);
  /* And nothing was changed by them. */
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM reviews"), ==, 0);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM takes"), ==, 1);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM members"), ==, 5);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM tags"), ==, 0);

  /* The right roles succeed; the admin may do everything. */
  g_assert_true (studio_library_rate (f->lib, take, "max", 5, &error));
  g_assert_true (studio_library_shortlist (f->lib, take, "max", TRUE, &error));
  g_assert_true (studio_library_tag (f->lib, take, "root", "Hero", &error));
  g_assert_true (studio_library_clear (f->lib, take, "lena", STUDIO_CLEARANCE_LIKENESS, &error));
  g_assert_true (
      studio_library_review (f->lib, take, "root", STUDIO_DECISION_CHANGES_REQUIRED, "too dark", -1, &error));
  g_assert_no_error (error);
  {
    g_autoptr (StudioTake) t = studio_library_get_take (f->lib, take, &error);
    g_assert_cmpstr (t->tags->pdata[0], ==, "hero");
    g_assert_true (t->shortlisted);
    g_assert_cmpfloat (t->rating, ==, 5.0);
    g_assert_cmpstr (t->checklist[STUDIO_CLEARANCE_LIKENESS].member, ==, "lena");
    g_assert_cmpint (t->checklist[STUDIO_CLEARANCE_LIKENESS].cleared_at, >, 0);
    g_assert_null (t->checklist[STUDIO_CLEARANCE_DISCLOSURE].member);
  }
#undef REFUSED
}

static void
test_members (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioMember) again = studio_library_add_member (f->lib, "root", "alice", STUDIO_ROLE_LEGAL, &error);
  g_autoptr (GPtrArray) members = NULL;
  gint64 take = make_take (f, "made while alice is a creative", 0);
  StudioRecipe recipe = { .prompt = (char *) "another" };
  StudioTakeParams params = { .project = "Spring", .kind = STUDIO_TAKE_DRAFT, .recipe = &recipe };

  g_assert_null (again);
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_EXISTS);
  g_clear_error (&error);
  /* The last admin stays an admin. */
  g_assert_false (studio_library_set_member_role (f->lib, "root", "root", STUDIO_ROLE_MANAGER, &error));
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_STATE);
  g_clear_error (&error);
  /* A role change takes effect at once, and is audited. */
  g_assert_true (studio_library_set_member_role (f->lib, "root", "alice", STUDIO_ROLE_MANAGER, &error));
  g_assert_no_error (error);
  g_assert_true (studio_library_tag (f->lib, take, "alice", "ok", &error));
  g_assert_no_error (error);
  g_assert_cmpint (studio_library_create_take (f->lib, "alice", &params, &error), ==, 0);
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_REFUSED);
  g_clear_error (&error);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM audit WHERE action = 'member-changed'"
                                        " AND details LIKE '%\"from\": \"creative\"%'"),
                   ==, 1);
  members = studio_library_list_members (f->lib, &error);
  g_assert_cmpuint (members->len, ==, 5);
}

static void
test_review_status (Fixture *f, gconstpointer data)
{
  /* Each case: decisions in order (reviewer, decision), expected status. */
  static const struct
  {
    int n;
    const char *who[3];
    StudioDecision decision[3];
    StudioReviewStatus expected;
  } cases[] = {
    { 0, { NULL }, { 0 }, STUDIO_STATUS_NEEDS_REVIEW },
    { 1, { "lena" }, { STUDIO_DECISION_APPROVED }, STUDIO_STATUS_APPROVED },
    { 1, { "lena" }, { STUDIO_DECISION_APPROVED_WITH_CHANGES }, STUDIO_STATUS_APPROVED_WITH_CHANGES },
    { 2, { "lena", "omar" }, { STUDIO_DECISION_APPROVED, STUDIO_DECISION_REJECTED }, STUDIO_STATUS_REJECTED },
    { 2,
      { "lena", "omar" },
      { STUDIO_DECISION_CHANGES_REQUIRED, STUDIO_DECISION_APPROVED_WITH_CHANGES },
      STUDIO_STATUS_CHANGES_REQUIRED },
    /* A reviewer's later decision replaces their earlier one. */
    { 2, { "lena", "lena" }, { STUDIO_DECISION_REJECTED, STUDIO_DECISION_APPROVED }, STUDIO_STATUS_APPROVED },
    { 3,
      { "lena", "omar", "lena" },
      { STUDIO_DECISION_REJECTED, STUDIO_DECISION_APPROVED_WITH_CHANGES, STUDIO_DECISION_APPROVED },
      STUDIO_STATUS_APPROVED_WITH_CHANGES },
    { 3,
      { "lena", "omar", "omar" },
      { STUDIO_DECISION_APPROVED, STUDIO_DECISION_APPROVED, STUDIO_DECISION_CHANGES_REQUIRED },
      STUDIO_STATUS_CHANGES_REQUIRED },
  };
  g_autoptr (GError) error = NULL;

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      gint64 id = make_rendered_take (f, "a case", 0);
      for (int i = 0; i < cases[c].n; i++)
        review (f, id, cases[c].who[i], cases[c].decision[i]);
      g_assert_cmpint (status_of (f, id), ==, cases[c].expected);
      /* The list filter agrees with the take. */
      {
        StudioTakeQuery query = { .project = "Spring", .filter_status = TRUE, .status = cases[c].expected };
        g_autoptr (GPtrArray) takes = studio_library_list_takes (f->lib, &query, &error);
        gboolean found = FALSE;
        g_assert_no_error (error);
        for (guint i = 0; i < takes->len; i++)
          {
            StudioTake *take = takes->pdata[i];
            found |= take->id == id;
            g_assert_cmpint (take->review_status, ==, cases[c].expected);
          }
        g_assert_true (found);
      }
    }
  /* A take is reviewed once rendered, not before. */
  {
    gint64 queued = make_take (f, "not yet", 0);
    g_assert_false (studio_library_review (f->lib, queued, "lena", STUDIO_DECISION_APPROVED, NULL, -1, &error));
    g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_STATE);
    g_clear_error (&error);
  }
}

static void
test_lock (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 id = make_rendered_take (f, "a red square", 0);
  g_autoptr (GBytes) bytes = g_bytes_new_static ("poster", 6);
  g_autofree char *poster = studio_library_add_media_bytes (f->lib, bytes, "png", &error);
  StudioTakeMedia media = { .poster = poster };
  g_autofree char *sql = NULL;
  g_autoptr (StudioTake) before = NULL;
  g_autoptr (StudioTake) after = NULL;
  gint64 child;

  g_assert_true (studio_library_clear (f->lib, id, "lena", STUDIO_CLEARANCE_LIKENESS, &error));
  review (f, id, "lena", STUDIO_DECISION_APPROVED);
  before = studio_library_get_take (f->lib, id, &error);
  g_assert_true (before->locked);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM audit WHERE action = 'locked'"), ==, 1);

  /* Through the API: recipe, media, render status and checklist are fixed. */
  g_assert_false (studio_library_set_take_media (f->lib, id, "alice", &media, &error));
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_false (studio_library_set_render_status (f->lib, id, "alice", STUDIO_RENDER_QUEUED, NULL, &error));
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_false (studio_library_clear (f->lib, id, "lena", STUDIO_CLEARANCE_TRADEMARKS, &error));
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_LOCKED);
  g_clear_error (&error);

  /* Directly in the file: the triggers refuse too. */
  sql = g_strdup_printf ("UPDATE takes SET prompt = 'changed' WHERE id = %" G_GINT64_FORMAT, id);
  g_assert_cmpint (raw_exec (f->db_path, sql), ==, SQLITE_CONSTRAINT);
  g_free (sql);
  sql = g_strdup_printf ("UPDATE takes SET seed = 8, video = NULL WHERE id = %" G_GINT64_FORMAT, id);
  g_assert_cmpint (raw_exec (f->db_path, sql), ==, SQLITE_CONSTRAINT);
  g_free (sql);
  sql = g_strdup_printf ("UPDATE takes SET locked = 0 WHERE id = %" G_GINT64_FORMAT, id);
  g_assert_cmpint (raw_exec (f->db_path, sql), ==, SQLITE_CONSTRAINT);
  g_free (sql);
  sql = g_strdup_printf ("DELETE FROM takes WHERE id = %" G_GINT64_FORMAT, id);
  g_assert_cmpint (raw_exec (f->db_path, sql), ==, SQLITE_CONSTRAINT);
  g_free (sql);
  sql = g_strdup_printf ("DELETE FROM checklist WHERE take_id = %" G_GINT64_FORMAT, id);
  g_assert_cmpint (raw_exec (f->db_path, sql), ==, SQLITE_CONSTRAINT);
  g_free (sql);
  sql = g_strdup_printf ("INSERT INTO checklist VALUES (%" G_GINT64_FORMAT ", 'trademarks', 1, 0)", id);
  g_assert_cmpint (raw_exec (f->db_path, sql), ==, SQLITE_CONSTRAINT);
  g_assert_cmpint (raw_exec (f->db_path, "DELETE FROM reviews"), ==, SQLITE_CONSTRAINT);
  g_assert_cmpint (raw_exec (f->db_path, "UPDATE reviews SET decision = 'rejected'"), ==, SQLITE_CONSTRAINT);

  after = studio_library_get_take (f->lib, id, &error);
  g_assert_cmpstr (after->recipe.prompt, ==, before->recipe.prompt);
  g_assert_cmpstr (after->video, ==, before->video);
  g_assert_null (after->poster);
  g_assert_cmpint (after->recipe.seed, ==, before->recipe.seed);

  /* Managers still rate, tag and shortlist an approved take; a later
   * decision still counts, and the take stays locked. */
  g_assert_true (studio_library_tag (f->lib, id, "max", "final", &error));
  review (f, id, "omar", STUDIO_DECISION_CHANGES_REQUIRED);
  g_assert_cmpint (status_of (f, id), ==, STUDIO_STATUS_CHANGES_REQUIRED);
  {
    g_autoptr (StudioTake) t = studio_library_get_take (f->lib, id, &error);
    g_assert_true (t->locked);
  }
  /* A change is a new take, with the approved one as its parent. */
  child = make_take (f, "a red square, brighter", id);
  {
    g_autoptr (StudioTake) t = studio_library_get_take (f->lib, child, &error);
    g_autoptr (StudioTake) parent = studio_library_get_take (f->lib, id, &error);
    g_assert_cmpint (t->parent_id, ==, id);
    g_assert_false (t->locked);
    g_assert_cmpint (t->review_status, ==, STUDIO_STATUS_NEEDS_REVIEW);
    g_assert_cmpuint (parent->children->len, ==, 1);
    g_assert_cmpint (g_array_index (parent->children, gint64, 0), ==, child);
  }
}

static void
test_lineage (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioProject) other = studio_library_add_project (f->lib, "root", "Other", NULL, &error);
  gint64 a = make_take (f, "one", 0);
  gint64 b = make_take (f, "two", a);
  gint64 c = make_take (f, "three", b);
  g_autoptr (StudioTake) take = studio_library_get_take (f->lib, c, &error);
  StudioRecipe recipe = { .prompt = (char *) "elsewhere" };
  StudioTakeParams params = { .project = "Other", .kind = STUDIO_TAKE_DRAFT, .parent_id = a, .recipe = &recipe };

  g_assert_cmpuint (take->ancestors->len, ==, 2);
  g_assert_cmpint (g_array_index (take->ancestors, gint64, 0), ==, b);
  g_assert_cmpint (g_array_index (take->ancestors, gint64, 1), ==, a);
  /* A parent lives in the same project, and exists. */
  g_assert_cmpint (studio_library_create_take (f->lib, "alice", &params, &error), ==, 0);
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID);
  g_clear_error (&error);
  params.project = "Spring";
  params.parent_id = 9999;
  g_assert_cmpint (studio_library_create_take (f->lib, "alice", &params, &error), ==, 0);
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM takes"), ==, 3);
}

static void
test_render (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 id = make_take (f, "render me", 0);
  g_autoptr (StudioTake) take = NULL;

  /* Done needs a video; done needs running first. */
  g_assert_false (studio_library_set_render_status (f->lib, id, "alice", STUDIO_RENDER_DONE, NULL, &error));
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_STATE);
  g_clear_error (&error);
  g_assert_true (studio_library_set_render_status (f->lib, id, "alice", STUDIO_RENDER_RUNNING, NULL, &error));
  g_assert_true (studio_library_set_render_status (f->lib, id, "alice", STUDIO_RENDER_FAILED, "out of memory", &error));
  take = studio_library_get_take (f->lib, id, &error);
  g_assert_cmpint (take->render_status, ==, STUDIO_RENDER_FAILED);
  g_assert_cmpstr (take->render_error, ==, "out of memory");
  g_assert_cmpint (take->finished_at, >=, take->started_at);
  g_assert_cmpint (take->started_at, >=, take->queued_at);
  g_clear_pointer (&take, studio_take_free);
  g_assert_true (studio_library_set_render_status (f->lib, id, "alice", STUDIO_RENDER_QUEUED, NULL, &error));
  g_assert_no_error (error);
  take = studio_library_get_take (f->lib, id, &error);
  g_assert_cmpstr (take->render_error, ==, "");
  g_assert_cmpint (take->started_at, ==, 0);
  /* Media must be stored in media/ first. */
  {
    StudioTakeMedia media = { .video = "media/0000000000000000000000000000000000000000000000000000000000000000.mp4" };
    g_assert_false (studio_library_set_take_media (f->lib, id, "alice", &media, &error));
    g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_FOUND);
    g_clear_error (&error);
    media.video = "../library.sqlite";
    g_assert_false (studio_library_set_take_media (f->lib, id, "alice", &media, &error));
    g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM audit WHERE action LIKE 'render-%'"), ==, 3);
}

static void
test_export (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 draft = make_rendered_take (f, "a draft", 0);
  gint64 final = make_rendered_take (f, "a final", draft);

  /* A draft may be exported; a final only once approved. */
  g_assert_true (studio_library_record_export (f->lib, draft, "max", "/tmp/draft.mp4", "mp4", &error));
  g_assert_no_error (error);
  g_assert_false (studio_library_record_export (f->lib, final, "max", "/tmp/final.mp4", "mp4", &error));
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_REFUSED);
  g_assert_nonnull (strstr (error->message, "needs-review"));
  g_clear_error (&error);
  review (f, final, "lena", STUDIO_DECISION_APPROVED_WITH_CHANGES);
  g_assert_true (studio_library_record_export (f->lib, final, "root", "/tmp/final.mp4", "mp4", &error));
  g_assert_no_error (error);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM audit WHERE action = 'exported'"), ==, 2);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM audit WHERE action = 'refused'"
                                        " AND details LIKE '%\"action\": \"export\"%'"),
                   ==, 1);
}

/* Invalid UTF-8, SQL metacharacters and oversized text in every text field. */
static void
test_bad_input (Fixture *f, gconstpointer data)
{
  static const char bad[] = "caf\xc3\x28 \xff";
  const char *meta = "Robert'); DROP TABLE takes; -- \"quoted\" %s %n \\ ` NULL";
  g_autoptr (GError) error = NULL;
  g_autofree char *huge = g_malloc (1024 * 1024 + 1);
  gint64 take = make_rendered_take (f, "a take", 0);
  gint64 audit_rows;
  gint64 takes;
  StudioRecipe recipe = { .prompt = (char *) "ok" };
  StudioTakeParams params = { .project = "Spring", .kind = STUDIO_TAKE_DRAFT, .recipe = &recipe };
  g_autofree char *import_path = g_build_filename (f->scratch, "clip.mp4", NULL);

  memset (huge, 'a', 1024 * 1024);
  huge[1024 * 1024] = '\0';
  g_assert_true (g_file_set_contents (import_path, "clip", -1, &error));
  audit_rows = raw_int (f->db_path, "SELECT count(*) FROM audit");
  takes = raw_int (f->db_path, "SELECT count(*) FROM takes");

#define INVALID(call)                                                                                                  \
  G_STMT_START                                                                                                         \
  {                                                                                                                    \
    g_assert_false (call);                                                                                             \
    g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID);                                        \
    g_assert_true (g_utf8_validate (error->message, -1, NULL));                                                        \
    g_clear_error (&error);                                                                                            \
  }                                                                                                                    \
  G_STMT_END

  INVALID (studio_library_add_member (f->lib, "root", bad, STUDIO_ROLE_CREATIVE, &error) != NULL);
  INVALID (studio_library_add_member (f->lib, bad, "eve", STUDIO_ROLE_CREATIVE, &error) != NULL);
  INVALID (studio_library_add_member (f->lib, "root", "two\nlines", STUDIO_ROLE_CREATIVE, &error) != NULL);
  INVALID (studio_library_add_project (f->lib, "alice", bad, NULL, &error) != NULL);
  INVALID (studio_library_add_project (f->lib, "alice", "Autumn", bad, &error) != NULL);
  INVALID (studio_library_add_project (f->lib, "alice", "Autumn", huge, &error) != NULL);
  recipe.prompt = (char *) bad;
  INVALID (studio_library_create_take (f->lib, "alice", &params, &error) != 0);
  recipe.prompt = huge;
  INVALID (studio_library_create_take (f->lib, "alice", &params, &error) != 0);
  recipe.prompt = (char *) "ok";
  recipe.negative_prompt = (char *) bad;
  INVALID (studio_library_create_take (f->lib, "alice", &params, &error) != 0);
  recipe.negative_prompt = NULL;
  recipe.scheduler = (char *) bad;
  INVALID (studio_library_create_take (f->lib, "alice", &params, &error) != 0);
  recipe.scheduler = NULL;
  recipe.model_name = (char *) bad;
  INVALID (studio_library_create_take (f->lib, "alice", &params, &error) != 0);
  recipe.model_name = NULL;
  recipe.device = (char *) bad;
  INVALID (studio_library_create_take (f->lib, "alice", &params, &error) != 0);
  recipe.device = NULL;
  recipe.steps = -3;
  INVALID (studio_library_create_take (f->lib, "alice", &params, &error) != 0);
  recipe.steps = 30;
  params.title = bad;
  INVALID (studio_library_create_take (f->lib, "alice", &params, &error) != 0);
  params.title = NULL;
  params.project = bad;
  INVALID (studio_library_create_take (f->lib, "alice", &params, &error) != 0);
  params.project = "Spring";
  INVALID (studio_library_import (f->lib, "alice", "Spring", import_path, bad, NULL, NULL, &error) != 0);
  INVALID (studio_library_import (f->lib, "alice", "Spring", import_path, NULL, bad, NULL, &error) != 0);
  INVALID (studio_library_import (f->lib, "alice", "Spring", import_path, NULL, NULL, bad, &error) != 0);
  INVALID (studio_library_review (f->lib, take, "lena", STUDIO_DECISION_REJECTED, bad, -1, &error));
  INVALID (studio_library_review (f->lib, take, "lena", STUDIO_DECISION_REJECTED, huge, -1, &error));
  INVALID (studio_library_review (f->lib, take, "lena", STUDIO_DECISION_REJECTED, NULL, 40, &error));
  INVALID (studio_library_tag (f->lib, take, "max", bad, &error));
  INVALID (studio_library_tag (f->lib, take, "max", "two words", &error));
  INVALID (studio_library_rate (f->lib, take, "max", 6, &error));
  INVALID (studio_library_record_export (f->lib, take, "max", bad, "mp4", &error));
  {
    StudioTakeQuery query = { .search = bad };
    INVALID (studio_library_list_takes (f->lib, &query, &error) != NULL);
  }
#undef INVALID

  /* Nothing was written by any of them. */
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM audit"), ==, audit_rows);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM takes"), ==, takes);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM reviews"), ==, 0);

  /* An unknown take is named. */
  g_assert_false (studio_library_review (f->lib, 424242, "lena", STUDIO_DECISION_APPROVED, NULL, -1, &error));
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "424242"));
  g_clear_error (&error);
  g_assert_null (studio_library_get_take (f->lib, -1, &error));
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* SQL metacharacters are text like any other, in every field. */
  {
    g_autoptr (StudioMember) member = studio_library_add_member (f->lib, "root", meta, STUDIO_ROLE_ADMIN, &error);
    g_autoptr (StudioProject) project = studio_library_add_project (f->lib, meta, meta, meta, &error);
    g_autoptr (StudioTake) back = NULL;
    gint64 id;
    g_assert_no_error (error);
    recipe.prompt = (char *) meta;
    recipe.negative_prompt = (char *) meta;
    params.project = meta;
    params.title = meta;
    id = studio_library_create_take (f->lib, meta, &params, &error);
    g_assert_no_error (error);
    g_assert_cmpint (studio_library_import (f->lib, meta, meta, import_path, meta, meta, meta, &error), >, 0);
    g_assert_no_error (error);
    g_assert_true (studio_library_review (f->lib, take, meta, STUDIO_DECISION_REJECTED, meta, 3, &error));
    g_assert_true (studio_library_tag (f->lib, take, meta, "'--", &error));
    g_assert_no_error (error);
    back = studio_library_get_take (f->lib, id, &error);
    g_assert_cmpstr (back->recipe.prompt, ==, meta);
    g_assert_cmpstr (back->recipe.negative_prompt, ==, meta);
    g_assert_cmpstr (back->title, ==, meta);
    g_assert_cmpstr (back->project, ==, meta);
    g_assert_cmpstr (back->created_by, ==, meta);
    {
      StudioTakeQuery query = { .search = "'); DROP TABLE \"quoted\" OR * NEAR(" };
      g_autoptr (GPtrArray) found = studio_library_list_takes (f->lib, &query, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (found->len, ==, 0);
      query.search = "Robert DROP";
      g_clear_pointer (&found, g_ptr_array_unref);
      found = studio_library_list_takes (f->lib, &query, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (found->len, ==, 3); /* the created take, the import's title, the review's note */
    }
  }
  /* A prompt of 64 KiB, the most allowed, is kept whole. */
  {
    g_autofree char *big = g_strnfill (STUDIO_LIBRARY_MAX_TEXT, 'b');
    g_autoptr (StudioTake) back = NULL;
    gint64 id;
    recipe.prompt = big;
    recipe.negative_prompt = NULL;
    params.project = "Spring";
    params.title = NULL;
    id = studio_library_create_take (f->lib, "alice", &params, &error);
    g_assert_no_error (error);
    back = studio_library_get_take (f->lib, id, &error);
    g_assert_cmpuint (strlen (back->recipe.prompt), ==, STUDIO_LIBRARY_MAX_TEXT);
    g_assert_cmpuint (g_utf8_strlen (back->title, -1), ==, 60);
  }
  g_assert_true (studio_library_verify_audit (f->lib, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
test_search (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 a = make_rendered_take (f, "a lighthouse at sunset", 0);
  gint64 b = make_rendered_take (f, "a red square over the harbour", 0);
  gint64 c = make_rendered_take (f, "Zoë's café façade", 0);
  struct
  {
    const char *text;
    gint64 expected;
  } cases[] = {
    { "lighthouse", a }, { "LIGHTHOUSE sunset", a }, { "harbour square", b },     { "cafe facade", c }, { "grain", b },
    { "hero", a },       { "\"quote", 0 },           { "lighthouse harbour", 0 },
  };

  g_assert_true (
      studio_library_review (f->lib, b, "lena", STUDIO_DECISION_CHANGES_REQUIRED, "too much grain", 10, &error));
  g_assert_true (studio_library_tag (f->lib, a, "max", "hero", &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      StudioTakeQuery query = { .search = cases[i].text };
      g_autoptr (GPtrArray) found = studio_library_list_takes (f->lib, &query, &error);
      g_assert_no_error (error);
      g_test_message ("search \"%s\": %u takes", cases[i].text, found->len);
      if (cases[i].expected == 0)
        g_assert_cmpuint (found->len, ==, 0);
      else
        {
          g_assert_cmpuint (found->len, ==, 1);
          g_assert_cmpint (((StudioTake *) found->pdata[0])->id, ==, cases[i].expected);
        }
    }
  /* Filters combine. */
  {
    StudioTakeQuery query
        = { .project = "Spring", .filter_status = TRUE, .status = STUDIO_STATUS_NEEDS_REVIEW, .search = "a" };
    g_autoptr (GPtrArray) found = studio_library_list_takes (f->lib, &query, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 1);
    g_assert_cmpint (((StudioTake *) found->pdata[0])->id, ==, a);
    query.project = "No such project";
    g_assert_null (studio_library_list_takes (f->lib, &query, &error));
    g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_FOUND);
  }
}

/* The independent SHA-256 of BYTES, as a media name. */
static char *
expected_name (const char *bytes, const char *extension)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, bytes, -1);
  return g_strdup_printf ("media/%s.%s", hash, extension);
}

static void
test_media (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new_static ("some video bytes", 16);
  g_autofree char *name = studio_library_add_media_bytes (f->lib, bytes, "MP4", &error);
  g_autofree char *expected = expected_name ("some video bytes", "mp4");
  g_autofree char *path = studio_library_media_path (f->lib, name);
  g_autofree char *source = g_build_filename (f->scratch, "source.webm", NULL);
  g_autofree char *from_file = NULL;
  g_autofree char *again = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *media_dir = g_build_filename (f->dir, "media", NULL);
  g_autofree char *dead = NULL;
  g_autofree char *alive = NULL;
  pid_t child;

  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, expected);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_cmpstr (contents, ==, "some video bytes");
  /* The same content gives the same name; a file's extension is kept. */
  again = studio_library_add_media_bytes (f->lib, bytes, "mp4", &error);
  g_assert_cmpstr (again, ==, name);
  g_assert_true (g_file_set_contents (source, "webm bytes", -1, &error));
  from_file = studio_library_add_media_file (f->lib, source, NULL, &error);
  g_assert_no_error (error);
  g_free (expected);
  expected = expected_name ("webm bytes", "webm");
  g_assert_cmpstr (from_file, ==, expected);
  g_assert_null (studio_library_add_media_bytes (f->lib, bytes, "../x", &error));
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (studio_library_add_media_file (f->lib, "/nonexistent/file.mp4", NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* A temporary file of a dead writer is removed on open; a live one's is
   * kept. */
  child = fork ();
  if (child == 0)
    _exit (0);
  waitpid (child, NULL, 0);
  dead = g_strdup_printf ("%s/.tmp-%ld-abcdef", media_dir, (long) child);
  alive = g_strdup_printf ("%s/.tmp-%ld-abcdef", media_dir, (long) getppid ());
  g_assert_true (g_file_set_contents (dead, "half", -1, &error));
  g_assert_true (g_file_set_contents (alive, "half", -1, &error));
  g_clear_pointer (&f->lib, studio_library_close);
  f->lib = studio_library_open (f->dir, STUDIO_LIBRARY_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (dead, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (alive, G_FILE_TEST_EXISTS));

  /* check finds a damaged media file. */
  {
    gint64 id = make_rendered_take (f, "damaged later", 0);
    g_autoptr (StudioTake) take = studio_library_get_take (f->lib, id, &error);
    g_autofree char *video = studio_library_media_path (f->lib, take->video);
    g_assert_true (studio_library_check (f->lib, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_set_contents (video, "changed", -1, &error));
    g_assert_false (studio_library_check (f->lib, &error));
    g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_CORRUPT);
    g_assert_nonnull (strstr (error->message, "damaged"));
  }
}

/* Editing the audit log outside Allegro Studio: the triggers are dropped
 * first, as someone with the sqlite3 shell would. */
static void
tamper (Fixture *f, const char *sql)
{
  g_autofree char *all
      = g_strdup_printf ("DROP TRIGGER IF EXISTS audit_kept; DROP TRIGGER IF EXISTS audit_unchanged; %s", sql);
  g_assert_cmpint (raw_exec (f->db_path, all), ==, SQLITE_OK);
}

static void
expect_broken (Fixture *f, gint64 first_bad)
{
  g_autoptr (GError) error = NULL;
  gint64 found = 0;

  g_assert_false (studio_library_verify_audit (f->lib, NULL, &found, &error));
  g_assert_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_assert_cmpint (found, ==, first_bad);
  {
    g_autofree char *row = g_strdup_printf ("row %" G_GINT64_FORMAT ":", first_bad);
    g_assert_nonnull (strstr (error->message, row));
  }
}

static void
test_audit_chain (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 n_rows = 0, first_bad = -1;
  gint64 take = make_rendered_take (f, "audited", 0);
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GBytes) intact = NULL;

  review (f, take, "lena", STUDIO_DECISION_APPROVED);
  g_assert_true (studio_library_verify_audit (f->lib, &n_rows, &first_bad, &error));
  g_assert_no_error (error);
  g_assert_cmpint (first_bad, ==, 0);
  g_assert_cmpint (n_rows, ==, raw_int (f->db_path, "SELECT count(*) FROM audit"));
  g_assert_cmpint (n_rows, >=, 12);

  /* Every kind of change is there, with its actor. */
  rows = studio_library_list_audit (f->lib, 0, 0, &error);
  g_assert_cmpuint (rows->len, ==, (guint) n_rows);
  {
    const char *expected[] = { "library-created", "member-added", "project-added", "take-created", "media-stored",
                               "render-started",  "rendered",     "reviewed",      "locked" };
    for (guint e = 0; e < G_N_ELEMENTS (expected); e++)
      {
        gboolean found = FALSE;
        for (guint i = 0; i < rows->len; i++)
          found |= strcmp (((StudioAuditRow *) rows->pdata[i])->action, expected[e]) == 0;
        g_assert_true (found);
      }
    g_assert_cmpstr (((StudioAuditRow *) rows->pdata[rows->len - 1])->actor, ==, "lena");
    g_assert_cmpstr (((StudioAuditRow *) rows->pdata[0])->prev_hash, ==,
                     "0000000000000000000000000000000000000000000000000000000000000000");
    /* Each row's hash is SHA-256 of its content and its predecessor's. */
    for (guint i = 1; i < rows->len; i++)
      g_assert_cmpstr (((StudioAuditRow *) rows->pdata[i])->prev_hash, ==,
                       ((StudioAuditRow *) rows->pdata[i - 1])->hash);
  }
  /* The log refuses changes through SQL, with the triggers in place. */
  g_assert_cmpint (raw_exec (f->db_path, "UPDATE audit SET actor = 'x' WHERE id = 3"), ==, SQLITE_CONSTRAINT);
  g_assert_cmpint (raw_exec (f->db_path, "DELETE FROM audit WHERE id = 3"), ==, SQLITE_CONSTRAINT);

  g_clear_pointer (&f->lib, studio_library_close);
  intact = file_bytes (f->db_path);
#define RESTORE()                                                                                                      \
  G_STMT_START                                                                                                         \
  {                                                                                                                    \
    g_clear_pointer (&f->lib, studio_library_close);                                                                   \
    g_assert_true (                                                                                                    \
        g_file_set_contents (f->db_path, g_bytes_get_data (intact, NULL), g_bytes_get_size (intact), NULL));           \
    f->lib = studio_library_open (f->dir, STUDIO_LIBRARY_OPEN_DEFAULT, NULL);                                          \
    g_assert_nonnull (f->lib);                                                                                         \
  }                                                                                                                    \
  G_STMT_END

  /* An edited row. */
  RESTORE ();
  tamper (f, "UPDATE audit SET details = '{\"decision\": \"rejected\"}' WHERE id = 7");
  expect_broken (f, 7);
  /* An edited actor, time, or action. */
  RESTORE ();
  tamper (f, "UPDATE audit SET actor = 'mallory' WHERE id = 5");
  expect_broken (f, 5);
  RESTORE ();
  tamper (f, "UPDATE audit SET time = time + 1 WHERE id = 9");
  expect_broken (f, 9);
  /* A row rewritten with its hash recomputed: the next row names it. */
  RESTORE ();
  {
    g_autoptr (StudioAuditRow) row = NULL;
    g_autoptr (GPtrArray) all = studio_library_list_audit (f->lib, 5, 1, NULL);
    g_autofree char *hash = NULL;
    g_autofree char *sql = NULL;
    row = studio_audit_row_copy (all->pdata[0]);
    hash = studio_library_audit_hash (row->prev_hash, row->id, row->time, "mallory", row->action, row->take_id,
                                      row->details);
    sql = g_strdup_printf ("UPDATE audit SET actor = 'mallory', hash = '%s' WHERE id = 6", hash);
    tamper (f, sql);
    expect_broken (f, 6);
  }
  /* A deleted row in the middle, the first row, and the last rows. */
  RESTORE ();
  tamper (f, "DELETE FROM audit WHERE id = 4");
  expect_broken (f, 4);
  RESTORE ();
  tamper (f, "DELETE FROM audit WHERE id = 1");
  expect_broken (f, 1);
  RESTORE ();
  {
    g_autofree char *sql = g_strdup_printf ("DELETE FROM audit WHERE id >= %" G_GINT64_FORMAT, n_rows - 1);
    tamper (f, sql);
    expect_broken (f, n_rows - 1);
  }
  /* The library keeps working on a broken chain, and the break stays
   * visible. */
  {
    g_assert_true (studio_library_tag (f->lib, take, "max", "late", &error));
    g_assert_no_error (error);
    expect_broken (f, n_rows - 1);
  }
  RESTORE ();
  g_assert_true (studio_library_verify_audit (f->lib, &n_rows, NULL, &error));
  g_assert_no_error (error);
#undef RESTORE
}

static void
test_batch (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  StudioRecipe recipe = { .prompt = (char *) "batched" };
  StudioTakeParams params = { .project = "Spring", .kind = STUDIO_TAKE_DRAFT, .recipe = &recipe };

  /* A failed write inside a batch undoes itself only. */
  g_assert_true (studio_library_batch_begin (f->lib, &error));
  g_assert_cmpint (studio_library_create_take (f->lib, "alice", &params, &error), >, 0);
  g_assert_false (studio_library_review (f->lib, 1, "alice", STUDIO_DECISION_APPROVED, NULL, -1, &error));
  g_clear_error (&error);
  g_assert_cmpint (studio_library_create_take (f->lib, "alice", &params, &error), >, 0);
  g_assert_true (studio_library_batch_commit (f->lib, &error));
  g_assert_no_error (error);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM takes"), ==, 2);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM audit WHERE action = 'refused'"), ==, 1);
  /* A rolled back batch leaves nothing. */
  g_assert_true (studio_library_batch_begin (f->lib, &error));
  g_assert_cmpint (studio_library_create_take (f->lib, "alice", &params, &error), >, 0);
  studio_library_batch_rollback (f->lib);
  g_assert_cmpint (raw_int (f->db_path, "SELECT count(*) FROM takes"), ==, 2);
  g_assert_true (studio_library_verify_audit (f->lib, NULL, NULL, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add ("/library/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("open-settings", test_open_settings);
  ADD ("init-twice", test_init_twice);
  g_test_add_func ("/library/no-library", test_no_library);
  ADD ("bad-files", test_bad_files);
  ADD ("roles", test_roles);
  ADD ("members", test_members);
  ADD ("review-status", test_review_status);
  ADD ("lock", test_lock);
  ADD ("lineage", test_lineage);
  ADD ("render", test_render);
  ADD ("export", test_export);
  ADD ("bad-input", test_bad_input);
  ADD ("search", test_search);
  ADD ("media", test_media);
  ADD ("audit-chain", test_audit_chain);
  ADD ("batch", test_batch);
#undef ADD
  return g_test_run ();
}
