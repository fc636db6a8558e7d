/* studio-library.c: opening a library, transactions, roles, and the records
 * (members, projects, takes, reviews, checklist, ratings, tags, exports). */
#define G_LOG_DOMAIN "studio-library"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "studio-library-private.h"

G_DEFINE_QUARK (studio - library - error - quark, studio_library_error)

#define DB_NAME "library.sqlite"
#define SYSTEM_ACTOR "allegro-studio"

gint64
studio_library_now (void)
{
  return g_get_real_time ();
}

char *
studio_library_default_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "allegro-studio", NULL);
}

/* Errors */

void
studio_library_set_sqlite_error (StudioLibrary *lib, GError **error, int rc, const char *action)
{
  const char *message = lib->db != NULL ? sqlite3_errmsg (lib->db) : sqlite3_errstr (rc);

  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_BUSY,
                   "could not %s: another program has been writing to the library %s for more than %d seconds; "
                   "try again when it is done",
                   action, lib->dir, STUDIO_LIBRARY_BUSY_TIMEOUT_MS / 1000);
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_CORRUPT,
                   "could not %s: %s is damaged (%s); it was left as it is: restore it from a backup", action,
                   lib->db_path, message);
      break;
    case SQLITE_CONSTRAINT:
      if (strstr (message, "locked") != NULL)
        g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_LOCKED, "could not %s: %s", action, message);
      else
        g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID, "could not %s: %s", action, message);
      break;
    case SQLITE_FULL:
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_FAILED,
                   "could not %s: the disk holding %s is full", action, lib->db_path);
      break;
    default:
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_FAILED, "could not %s in %s: %s", action,
                   lib->db_path, message);
      break;
    }
}

sqlite3_stmt *
studio_library_prepare (StudioLibrary *lib, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (lib->statements, sql);
  int rc;

  if (stmt != NULL)
    return stmt;
  rc = sqlite3_prepare_v3 (lib->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      studio_library_set_sqlite_error (lib, error, rc, "prepare a query");
      return NULL;
    }
  g_hash_table_insert (lib->statements, g_strdup (sql), stmt);
  return stmt;
}

gboolean
studio_library_exec (StudioLibrary *lib, const char *sql, const char *action, GError **error)
{
  int rc = sqlite3_exec (lib->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      studio_library_set_sqlite_error (lib, error, rc, action);
      return FALSE;
    }
  return TRUE;
}

/* Transactions */

gboolean
studio_library_begin (StudioLibrary *lib, GError **error)
{
  if (lib->batch_depth > 0)
    return studio_library_exec (lib, "SAVEPOINT op", "start a change", error);
  return studio_library_exec (lib, "BEGIN IMMEDIATE", "start a change", error);
}

gboolean
studio_library_commit (StudioLibrary *lib, GError **error)
{
  if (lib->batch_depth > 0)
    return studio_library_exec (lib, "RELEASE op", "save the change", error);
  return studio_library_exec (lib, "COMMIT", "save the change", error);
}

void
studio_library_rollback (StudioLibrary *lib)
{
  if (lib->batch_depth > 0)
    studio_library_exec (lib, "ROLLBACK TO op; RELEASE op", "undo the change", NULL);
  else if (!sqlite3_get_autocommit (lib->db))
    studio_library_exec (lib, "ROLLBACK", "undo the change", NULL);
}

gboolean
studio_library_batch_begin (StudioLibrary *lib, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);

  if (lib->batch_depth == 0 && !studio_library_exec (lib, "BEGIN IMMEDIATE", "start a batch of changes", error))
    return FALSE;
  lib->batch_depth++;
  return TRUE;
}

gboolean
studio_library_batch_commit (StudioLibrary *lib, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);

  g_return_val_if_fail (lib->batch_depth > 0, FALSE);
  if (lib->batch_depth == 1 && !studio_library_exec (lib, "COMMIT", "save the batch of changes", error))
    {
      studio_library_exec (lib, "ROLLBACK", "undo the batch of changes", NULL);
      lib->batch_depth = 0;
      return FALSE;
    }
  lib->batch_depth--;
  return TRUE;
}

void
studio_library_batch_rollback (StudioLibrary *lib)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);

  g_return_if_fail (lib->batch_depth > 0);
  lib->batch_depth = 0;
  studio_library_exec (lib, "ROLLBACK", "undo the batch of changes", NULL);
}

/* Opening */

static guint32
read_be32 (const guint8 *bytes)
{
  return ((guint32) bytes[0] << 24) | ((guint32) bytes[1] << 16) | ((guint32) bytes[2] << 8) | bytes[3];
}

/* Looks at the file before SQLite does, so that a file that is not SQLite
 * or is cut short is refused before anything could write to it. */
static gboolean
check_file (const char *path, goffset size, GError **error)
{
  guint8 header[100];
  g_autofree char *wal_path = g_strconcat (path, "-wal", NULL);
  struct stat wal_info;
  gboolean hot_wal = g_stat (wal_path, &wal_info) == 0 && wal_info.st_size > 0;
  FILE *file;
  size_t got;
  guint32 page_size;
  guint32 page_count;

  file = fopen (path, "rb");
  if (file == NULL)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "could not open %s: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  got = fread (header, 1, sizeof header, file);
  fclose (file);
  if (memcmp (header, "SQLite format 3", MIN (got, 16)) != 0)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_LIBRARY,
                   "%s is not a SQLite database, so not an Allegro Studio library; it was left untouched", path);
      return FALSE;
    }
  if (got < sizeof header)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_CORRUPT,
                   "%s is truncated: %" G_GOFFSET_FORMAT " bytes, shorter than a SQLite header; it was left untouched",
                   path, size);
      return FALSE;
    }
  page_size = ((guint32) header[16] << 8) | header[17];
  if (page_size == 1)
    page_size = 65536;
  page_count = read_be32 (header + 28);
  if (page_size < 512 || (page_size & (page_size - 1)) != 0)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_CORRUPT,
                   "%s is damaged: its header gives a page size of %u bytes; it was left untouched", path, page_size);
      return FALSE;
    }
  /* The header's page count is valid when the change counter matches
   * "version valid for"; with a write-ahead log still to replay, the file
   * may legitimately be behind it. */
  if (!hot_wal
      && (size % page_size != 0
          || (read_be32 (header + 24) == read_be32 (header + 92) && page_count > 0
              && (guint64) size < (guint64) page_count * page_size)))
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_CORRUPT,
                   "%s is truncated: it holds %" G_GOFFSET_FORMAT " bytes, but its header says %u pages of %u bytes; "
                   "it was left untouched",
                   path, size, page_count, page_size);
      return FALSE;
    }
  return TRUE;
}

static int
pragma_int (StudioLibrary *lib, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (lib->db, sql, -1, &stmt, NULL);
  int value = -1;

  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        value = sqlite3_column_int (stmt, 0);
    }
  if (rc != SQLITE_ROW)
    studio_library_set_sqlite_error (lib, error, rc, "read the library's header");
  sqlite3_finalize (stmt);
  return value;
}

static gboolean
quick_check (StudioLibrary *lib, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (lib->db, "PRAGMA quick_check", -1, &stmt, NULL);
  g_autofree char *problem = NULL;

  if (rc == SQLITE_OK)
    {
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          const char *line = (const char *) sqlite3_column_text (stmt, 0);
          if (problem == NULL && line != NULL && strcmp (line, "ok") != 0)
            problem = g_strdup (line);
        }
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      studio_library_set_sqlite_error (lib, error, rc, "check the library");
      return FALSE;
    }
  if (problem != NULL)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_CORRUPT,
                   "%s is damaged (%s); it was left as it is: restore it from a backup", lib->db_path, problem);
      return FALSE;
    }
  return TRUE;
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

void
studio_library_close (StudioLibrary *lib)
{
  if (lib == NULL)
    return;
  /* The async worker's queued jobs hold references to nothing but LIB:
   * let them finish first. */
  if (lib->worker != NULL)
    g_thread_pool_free (lib->worker, FALSE, TRUE);
  g_clear_pointer (&lib->statements, g_hash_table_unref);
  if (lib->db != NULL)
    sqlite3_close_v2 (lib->db);
  g_rec_mutex_clear (&lib->mutex);
  g_free (lib->dir);
  g_free (lib->db_path);
  g_free (lib->media_dir);
  g_free (lib);
}

static StudioLibrary *open_at_version (const char *dir, StudioLibraryOpenFlags flags, int target, GError **error);

StudioLibrary *
studio_library_open (const char *dir, StudioLibraryOpenFlags flags, GError **error)
{
  return open_at_version (dir, flags, STUDIO_LIBRARY_SCHEMA_VERSION, error);
}

StudioLibrary *
studio_library_open_at_version (const char *dir, int version, GError **error)
{
  return open_at_version (dir, STUDIO_LIBRARY_OPEN_CREATE, version, error);
}

static StudioLibrary *
open_at_version (const char *dir, StudioLibraryOpenFlags flags, int target, GError **error)
{
  g_autoptr (StudioLibrary) lib = g_new0 (StudioLibrary, 1);
  struct stat info;
  gboolean exists;
  const char *mode;
  int version;
  int application_id;
  int rc;

  g_rec_mutex_init (&lib->mutex);
  lib->dir = g_canonicalize_filename (dir, NULL);
  lib->db_path = g_build_filename (lib->dir, DB_NAME, NULL);
  lib->media_dir = g_build_filename (lib->dir, "media", NULL);
  lib->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_statement);

  /* An empty file with no write-ahead log is a library whose creation was
   * cut short before anything was written. */
  exists = g_stat (lib->db_path, &info) == 0;
  if (exists && info.st_size == 0)
    {
      g_autofree char *wal_path = g_strconcat (lib->db_path, "-wal", NULL);
      struct stat wal_info;
      exists = g_stat (wal_path, &wal_info) == 0 && wal_info.st_size > 0;
    }
  else if (exists && !check_file (lib->db_path, info.st_size, error))
    return NULL;
  if (!exists && !(flags & STUDIO_LIBRARY_OPEN_CREATE))
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NO_LIBRARY,
                   "there is no library in %s (no %s); create one with: allegro-studio --library %s init --admin NAME",
                   lib->dir, DB_NAME, dir);
      return NULL;
    }
  if (!exists && g_mkdir_with_parents (lib->media_dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "could not create the library folder %s: %s",
                   lib->media_dir, g_strerror (saved));
      return NULL;
    }

  rc = sqlite3_open_v2 (lib->db_path, &lib->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE,
                        NULL);
  if (rc != SQLITE_OK)
    {
      studio_library_set_sqlite_error (lib, error, rc, "open the library");
      return NULL;
    }
  sqlite3_busy_timeout (lib->db, STUDIO_LIBRARY_BUSY_TIMEOUT_MS);

  {
    GError *local_error = NULL;
    application_id = pragma_int (lib, "PRAGMA application_id", &local_error);
    if (local_error == NULL)
      version = pragma_int (lib, "PRAGMA user_version", &local_error);
    if (local_error != NULL)
      {
        g_propagate_error (error, local_error);
        return NULL;
      }
  }
  if (exists && (version == 0 || application_id != STUDIO_LIBRARY_APPLICATION_ID))
    {
      int tables = pragma_int (lib, "SELECT count(*) FROM sqlite_schema", error);
      if (tables < 0)
        return NULL;
      if (tables > 0 || application_id != 0)
        {
          g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_LIBRARY,
                       "%s is a SQLite database of another program (application id 0x%08x), not an Allegro Studio "
                       "library; it was left untouched",
                       lib->db_path, (guint) application_id);
          return NULL;
        }
    }
  if (version > STUDIO_LIBRARY_SCHEMA_VERSION)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_TOO_NEW,
                   "%s was written by a newer Allegro Studio (schema version %d; this one knows up to %d); update "
                   "Allegro Studio to open it. The library was left untouched.",
                   lib->db_path, version, STUDIO_LIBRARY_SCHEMA_VERSION);
      return NULL;
    }
  lib->opened_version = version;

  {
    sqlite3_stmt *stmt = NULL;
    rc = sqlite3_prepare_v2 (lib->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
    if (rc == SQLITE_OK)
      rc = sqlite3_step (stmt);
    mode = rc == SQLITE_ROW ? (const char *) sqlite3_column_text (stmt, 0) : NULL;
    if (rc != SQLITE_ROW || mode == NULL || g_ascii_strcasecmp (mode, "wal") != 0)
      {
        if (rc == SQLITE_ROW)
          g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_FAILED,
                       "could not switch %s to write-ahead logging (SQLite kept journal mode \"%s\"); the library "
                       "needs a local file system",
                       lib->db_path, mode != NULL ? mode : "?");
        else
          studio_library_set_sqlite_error (lib, error, rc, "switch the library to write-ahead logging");
        sqlite3_finalize (stmt);
        return NULL;
      }
    sqlite3_finalize (stmt);
  }
  /* FULL: a commit survives a power cut, not only a crash.  The page cache
   * (up to 64 MiB, allocated as used) keeps lists and searches over a
   * large library in memory. */
  if (!studio_library_exec (lib, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536",
                            "set up the library", error))
    return NULL;
  if (pragma_int (lib, "PRAGMA foreign_keys", error) != 1)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_FAILED,
                     "this SQLite cannot enforce foreign keys, which the library needs");
      return NULL;
    }

  if (version < target)
    {
      /* Never rewrite a damaged file. */
      if (version > 0 && !quick_check (lib, error))
        return NULL;
      if (!studio_library_migrate (lib, target, error))
        return NULL;
    }
  studio_library_media_cleanup (lib);
  return g_steal_pointer (&lib);
}

const char *
studio_library_get_dir (StudioLibrary *lib)
{
  return lib->dir;
}

int
studio_library_get_opened_version (StudioLibrary *lib)
{
  return lib->opened_version;
}

/* Input checks: every text is valid UTF-8 and bounded; names carry no
 * control characters. */

static gboolean
check_text (const char *field, const char *value, gsize max, gboolean required, GError **error)
{
  const char *end;
  gsize length;

  if (value == NULL || *value == '\0')
    {
      if (required)
        {
          g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID, "the %s is empty", field);
          return FALSE;
        }
      return TRUE;
    }
  length = strlen (value);
  if (length > max)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID,
                   "the %s is %zu bytes long; the most allowed is %zu", field, length, max);
      return FALSE;
    }
  if (!g_utf8_validate (value, (gssize) length, &end))
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID,
                   "the %s is not valid UTF-8 (byte %ld is 0x%02x); nothing was changed", field, (long) (end - value),
                   (guint) (guint8) *end);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_name (const char *field, const char *value, gsize max, GError **error)
{
  if (!check_text (field, value, max, TRUE, error))
    return FALSE;
  for (const char *p = value; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID,
                     "the %s \"%s\" holds a control character (such as a newline)", field, value);
        return FALSE;
      }
  return TRUE;
}

/* JSON for the audit log's details. */

static void
json_add_string (GString *json, const char *key, const char *value)
{
  if (json->len > 1)
    g_string_append (json, ", ");
  g_string_append_printf (json, "\"%s\": \"", key);
  for (const char *p = value != NULL ? value : ""; *p; p++)
    {
      guchar c = (guchar) *p;
      if (c == '"' || c == '\\')
        g_string_append_printf (json, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (json, "\\u%04x", c);
      else
        g_string_append_c (json, (char) c);
    }
  g_string_append_c (json, '"');
}

static void
json_add_int (GString *json, const char *key, gint64 value)
{
  if (json->len > 1)
    g_string_append (json, ", ");
  g_string_append_printf (json, "\"%s\": %" G_GINT64_FORMAT, key, value);
}

static char *
json_finish (GString *json)
{
  g_string_append_c (json, '}');
  return g_string_free (json, FALSE);
}

/* Roles */

typedef enum
{
  ACT_MANAGE_MEMBERS,
  ACT_ADD_PROJECT,
  ACT_CREATE_TAKE,
  ACT_RENDER,
  ACT_REVIEW,
  ACT_CLEAR,
  ACT_RATE,
  ACT_SHORTLIST,
  ACT_TAG,
  ACT_EXPORT,
} Act;

#define ROLE(r) (1u << (r))

static const struct
{
  const char *name; /* in the audit log */
  const char *rule; /* "only ... " */
  unsigned roles;
} acts[] = {
  [ACT_MANAGE_MEMBERS] = { "manage-members", "only admins manage members", ROLE (STUDIO_ROLE_ADMIN) },
  [ACT_ADD_PROJECT] = { "manage-projects", "only creatives, managers and admins manage projects",
                        ROLE (STUDIO_ROLE_CREATIVE) | ROLE (STUDIO_ROLE_MANAGER) | ROLE (STUDIO_ROLE_ADMIN) },
  [ACT_CREATE_TAKE]
  = { "create-take", "only creatives and admins create takes", ROLE (STUDIO_ROLE_CREATIVE) | ROLE (STUDIO_ROLE_ADMIN) },
  [ACT_RENDER]
  = { "render", "only creatives and admins render takes", ROLE (STUDIO_ROLE_CREATIVE) | ROLE (STUDIO_ROLE_ADMIN) },
  [ACT_REVIEW] = { "review", "only legal reviewers and admins record review decisions",
                   ROLE (STUDIO_ROLE_LEGAL) | ROLE (STUDIO_ROLE_ADMIN) },
  [ACT_CLEAR] = { "clear", "only legal reviewers and admins clear checklist items",
                  ROLE (STUDIO_ROLE_LEGAL) | ROLE (STUDIO_ROLE_ADMIN) },
  [ACT_RATE] = { "rate", "only managers and admins rate takes", ROLE (STUDIO_ROLE_MANAGER) | ROLE (STUDIO_ROLE_ADMIN) },
  [ACT_SHORTLIST]
  = { "shortlist", "only managers and admins shortlist takes", ROLE (STUDIO_ROLE_MANAGER) | ROLE (STUDIO_ROLE_ADMIN) },
  [ACT_TAG] = { "tag", "only managers and admins tag takes", ROLE (STUDIO_ROLE_MANAGER) | ROLE (STUDIO_ROLE_ADMIN) },
  [ACT_EXPORT]
  = { "export", "only managers and admins export takes", ROLE (STUDIO_ROLE_MANAGER) | ROLE (STUDIO_ROLE_ADMIN) },
};

/* Records a refused action in its own transaction (the caller's has been
 * rolled back) and sets ERROR. */
static gboolean refuse (StudioLibrary *lib, const char *actor, Act act, gint64 take_id, GError **error,
                        const char *format, ...) G_GNUC_PRINTF (6, 7);

static gboolean
refuse (StudioLibrary *lib, const char *actor, Act act, gint64 take_id, GError **error, const char *format, ...)
{
  g_autofree char *reason = NULL;
  g_autofree char *details = NULL;
  g_autoptr (GError) record_error = NULL;
  GString *json = g_string_new ("{");
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  studio_library_rollback (lib);

  json_add_string (json, "action", acts[act].name);
  json_add_string (json, "reason", reason);
  details = json_finish (json);
  if (!studio_library_begin (lib, &record_error)
      || !studio_library_audit_append (lib, actor, "refused", take_id, details, &record_error)
      || !studio_library_commit (lib, &record_error))
    {
      studio_library_rollback (lib);
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_REFUSED,
                   "refused: %s (and the refusal could not be recorded: %s)", reason, record_error->message);
      return FALSE;
    }
  g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_REFUSED, "refused: %s", reason);
  return FALSE;
}

static gboolean
find_member (StudioLibrary *lib, const char *name, gint64 *id, StudioRole *role, GError **error)
{
  sqlite3_stmt *stmt = studio_library_prepare (lib, "SELECT id, role FROM members WHERE name = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *id = sqlite3_column_int64 (stmt, 0);
      if (!studio_role_from_string ((const char *) sqlite3_column_text (stmt, 1), role))
        rc = SQLITE_CORRUPT;
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_FOUND, "no member named \"%s\" in %s", name,
                   lib->dir);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      studio_library_set_sqlite_error (lib, error, rc, "look up a member");
      return FALSE;
    }
  return TRUE;
}

/* Inside the caller's transaction: looks ACTOR up and checks that the role
 * allows ACT.  On any failure the transaction is rolled back (and a refusal
 * recorded) before returning FALSE. */
static gboolean
authorize (StudioLibrary *lib, const char *actor, Act act, gint64 take_id, gint64 *member_id, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  StudioRole role;
  gint64 id;

  if (!find_member (lib, actor, &id, &role, &local_error))
    {
      if (g_error_matches (local_error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_FOUND))
        return refuse (lib, actor, act, take_id, error, "\"%s\" is not a member of this library", actor);
      studio_library_rollback (lib);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!(acts[act].roles & ROLE (role)))
    return refuse (lib, actor, act, take_id, error, "%s is %s %s member; %s", actor,
                   role == STUDIO_ROLE_ADMIN ? "an" : "a", studio_role_to_string (role), acts[act].rule);
  if (member_id != NULL)
    *member_id = id;
  return TRUE;
}

static gboolean
check_actor (const char *actor, GError **error)
{
  if (actor == NULL || *actor == '\0')
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID,
                   "no acting member given (the command line takes it as --as NAME)");
      return FALSE;
    }
  return check_name ("acting member's name", actor, STUDIO_LIBRARY_MAX_NAME, error);
}

/* Steps a statement that returns no rows; resets it. */
static gboolean
step_done (StudioLibrary *lib, sqlite3_stmt *stmt, const char *action, GError **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      studio_library_set_sqlite_error (lib, error, rc, action);
      return FALSE;
    }
  return TRUE;
}

static gboolean
audit (StudioLibrary *lib, const char *actor, const char *action, gint64 take_id, GString *json, GError **error)
{
  g_autofree char *details = json_finish (json);

  return studio_library_audit_append (lib, actor, action, take_id, details, error);
}

static gboolean
commit_or_rollback (StudioLibrary *lib, GError **error)
{
  if (!studio_library_commit (lib, error))
    {
      studio_library_rollback (lib);
      return FALSE;
    }
  return TRUE;
}

/* Members */

static StudioMember *
read_member (sqlite3_stmt *stmt)
{
  StudioMember *member = g_new0 (StudioMember, 1);

  member->id = sqlite3_column_int64 (stmt, 0);
  member->name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  studio_role_from_string ((const char *) sqlite3_column_text (stmt, 2), &member->role);
  member->created_at = sqlite3_column_int64 (stmt, 3);
  return member;
}

static StudioMember *
get_member_locked (StudioLibrary *lib, const char *name, GError **error)
{
  sqlite3_stmt *stmt
      = studio_library_prepare (lib, "SELECT id, name, role, created_at FROM members WHERE name = ?", error);
  StudioMember *member = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    member = read_member (stmt);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_FOUND, "no member named \"%s\" in %s", name,
                 lib->dir);
  else if (rc != SQLITE_ROW)
    studio_library_set_sqlite_error (lib, error, rc, "look up a member");
  return member;
}

StudioMember *
studio_library_get_member (StudioLibrary *lib, const char *name, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);

  if (!check_name ("member's name", name, STUDIO_LIBRARY_MAX_NAME, error))
    return NULL;
  return get_member_locked (lib, name, error);
}

static gboolean
insert_member (StudioLibrary *lib, const char *actor, const char *name, StudioRole role, GError **error)
{
  sqlite3_stmt *stmt
      = studio_library_prepare (lib, "INSERT INTO members (name, role, created_at) VALUES (?, ?, ?)", error);
  GString *json;
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, studio_role_to_string (role), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, studio_library_now ());
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_EXISTS, "there is already a member named \"%s\"",
                   name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      studio_library_set_sqlite_error (lib, error, rc, "add a member");
      return FALSE;
    }
  json = g_string_new ("{");
  json_add_string (json, "name", name);
  json_add_string (json, "role", studio_role_to_string (role));
  return audit (lib, actor, "member-added", 0, json, error);
}

StudioLibrary *
studio_library_init (const char *dir, const char *admin, GError **error)
{
  g_autoptr (StudioLibrary) lib = NULL;
  g_autoptr (GRecMutexLocker) locker = NULL;
  GString *json;
  int members;

  if (!check_name ("admin's name", admin, STUDIO_LIBRARY_MAX_NAME, error))
    return NULL;
  lib = studio_library_open (dir, STUDIO_LIBRARY_OPEN_CREATE, error);
  if (lib == NULL)
    return NULL;
  locker = g_rec_mutex_locker_new (&lib->mutex);
  if (!studio_library_begin (lib, error))
    return NULL;
  members = pragma_int (lib, "SELECT count(*) FROM members", error);
  if (members < 0)
    goto fail;
  if (members > 0)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_EXISTS,
                   "the library in %s is already set up (it has %d members); an admin adds more with 'member add'",
                   lib->dir, members);
      goto fail;
    }
  json = g_string_new ("{");
  json_add_int (json, "schema", STUDIO_LIBRARY_SCHEMA_VERSION);
  if (!audit (lib, admin, "library-created", 0, json, error))
    goto fail;
  if (!insert_member (lib, admin, admin, STUDIO_ROLE_ADMIN, error))
    goto fail;
  if (!commit_or_rollback (lib, error))
    return NULL;
  g_clear_pointer (&locker, g_rec_mutex_locker_free);
  return g_steal_pointer (&lib);

fail:
  studio_library_rollback (lib);
  return NULL;
}

StudioMember *
studio_library_add_member (StudioLibrary *lib, const char *actor, const char *name, StudioRole role, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  StudioMember *member;

  if (!check_actor (actor, error) || !check_name ("member's name", name, STUDIO_LIBRARY_MAX_NAME, error))
    return NULL;
  if (!studio_library_begin (lib, error))
    return NULL;
  if (!authorize (lib, actor, ACT_MANAGE_MEMBERS, 0, NULL, error))
    return NULL;
  if (!insert_member (lib, actor, name, role, error))
    {
      studio_library_rollback (lib);
      return NULL;
    }
  member = get_member_locked (lib, name, error);
  if (member == NULL || !commit_or_rollback (lib, error))
    {
      studio_library_rollback (lib);
      g_clear_pointer (&member, studio_member_free);
    }
  return member;
}

gboolean
studio_library_set_member_role (StudioLibrary *lib, const char *actor, const char *name, StudioRole role,
                                GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  g_autoptr (StudioMember) member = NULL;
  sqlite3_stmt *stmt;
  GString *json;

  if (!check_actor (actor, error) || !check_name ("member's name", name, STUDIO_LIBRARY_MAX_NAME, error))
    return FALSE;
  if (!studio_library_begin (lib, error))
    return FALSE;
  if (!authorize (lib, actor, ACT_MANAGE_MEMBERS, 0, NULL, error))
    return FALSE;
  member = get_member_locked (lib, name, error);
  if (member == NULL)
    goto fail;
  if (member->role == role)
    {
      studio_library_rollback (lib);
      return TRUE;
    }
  if (member->role == STUDIO_ROLE_ADMIN
      && pragma_int (lib, "SELECT count(*) FROM members WHERE role = 'admin'", error) <= 1)
    {
      if (error == NULL || *error == NULL)
        g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_STATE,
                     "%s is the library's last admin; make another member admin first", name);
      goto fail;
    }
  stmt = studio_library_prepare (lib, "UPDATE members SET role = ? WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, studio_role_to_string (role), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, member->id);
  if (!step_done (lib, stmt, "change a member's role", error))
    goto fail;
  json = g_string_new ("{");
  json_add_string (json, "name", name);
  json_add_string (json, "from", studio_role_to_string (member->role));
  json_add_string (json, "to", studio_role_to_string (role));
  if (!audit (lib, actor, "member-changed", 0, json, error))
    goto fail;
  return commit_or_rollback (lib, error);

fail:
  studio_library_rollback (lib);
  return FALSE;
}

/* Steps STMT to its end, reading each row with READ into a new array
 * (FREE_ROW frees its items); resets the statement and clears its
 * bindings.  NULL with ERROR set (naming WHAT) on failure. */
static GPtrArray *
collect_rows (StudioLibrary *lib, sqlite3_stmt *stmt, gpointer (*read) (sqlite3_stmt *stmt), GDestroyNotify free_row,
              const char *what, GError **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (free_row);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, read (stmt));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      studio_library_set_sqlite_error (lib, error, rc, what);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

GPtrArray *
studio_library_list_members (StudioLibrary *lib, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  sqlite3_stmt *stmt
      = studio_library_prepare (lib, "SELECT id, name, role, created_at FROM members ORDER BY name", error);

  if (stmt == NULL)
    return NULL;
  return collect_rows (lib, stmt, (gpointer (*) (sqlite3_stmt *)) read_member, (GDestroyNotify) studio_member_free,
                       "list the members", error);
}

/* Projects */

#define PROJECT_QUERY                                                                                                  \
  "SELECT p.id, p.name, p.brief, p.archived, p.created_at, m.name,"                                                    \
  " (SELECT count(*) FROM takes t WHERE t.project_id = p.id)"                                                          \
  " FROM projects p JOIN members m ON m.id = p.created_by"

static StudioProject *
read_project (sqlite3_stmt *stmt)
{
  StudioProject *project = g_new0 (StudioProject, 1);

  project->id = sqlite3_column_int64 (stmt, 0);
  project->name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  project->brief = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  project->archived = sqlite3_column_int (stmt, 3) != 0;
  project->created_at = sqlite3_column_int64 (stmt, 4);
  project->created_by = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
  project->n_takes = sqlite3_column_int64 (stmt, 6);
  return project;
}

static gboolean
find_project (StudioLibrary *lib, const char *name, gint64 *id, gboolean *archived, GError **error)
{
  sqlite3_stmt *stmt = studio_library_prepare (lib, "SELECT id, archived FROM projects WHERE name = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *id = sqlite3_column_int64 (stmt, 0);
      if (archived != NULL)
        *archived = sqlite3_column_int (stmt, 1) != 0;
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_FOUND, "no project named \"%s\" in %s", name,
                   lib->dir);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      studio_library_set_sqlite_error (lib, error, rc, "look up a project");
      return FALSE;
    }
  return TRUE;
}

StudioProject *
studio_library_add_project (StudioLibrary *lib, const char *actor, const char *name, const char *brief, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  sqlite3_stmt *stmt;
  StudioProject *project = NULL;
  gint64 member_id;
  GString *json;
  int rc;

  if (!check_actor (actor, error) || !check_name ("project's name", name, STUDIO_LIBRARY_MAX_NAME, error)
      || !check_text ("project's brief", brief, STUDIO_LIBRARY_MAX_TEXT, FALSE, error))
    return NULL;
  if (!studio_library_begin (lib, error))
    return NULL;
  if (!authorize (lib, actor, ACT_ADD_PROJECT, 0, &member_id, error))
    return NULL;
  stmt = studio_library_prepare (lib, "INSERT INTO projects (name, brief, created_by, created_at) VALUES (?, ?, ?, ?)",
                                 error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, brief != NULL ? brief : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, member_id);
  sqlite3_bind_int64 (stmt, 4, studio_library_now ());
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_EXISTS, "there is already a project named \"%s\"",
                   name);
      goto fail;
    }
  if (rc != SQLITE_DONE)
    {
      studio_library_set_sqlite_error (lib, error, rc, "add a project");
      goto fail;
    }
  json = g_string_new ("{");
  json_add_string (json, "name", name);
  if (!audit (lib, actor, "project-added", 0, json, error))
    goto fail;
  stmt = studio_library_prepare (lib, PROJECT_QUERY " WHERE p.name = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    project = read_project (stmt);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (project == NULL)
    {
      studio_library_set_sqlite_error (lib, error, SQLITE_ERROR, "read the new project");
      goto fail;
    }
  if (!commit_or_rollback (lib, error))
    {
      studio_project_free (project);
      return NULL;
    }
  return project;

fail:
  studio_library_rollback (lib);
  return NULL;
}

gboolean
studio_library_set_project_archived (StudioLibrary *lib, const char *actor, const char *name, gboolean archived,
                                     GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  sqlite3_stmt *stmt;
  gint64 project_id;
  gboolean was_archived;
  GString *json;

  if (!check_actor (actor, error) || !check_name ("project's name", name, STUDIO_LIBRARY_MAX_NAME, error))
    return FALSE;
  if (!studio_library_begin (lib, error))
    return FALSE;
  if (!authorize (lib, actor, ACT_ADD_PROJECT, 0, NULL, error))
    return FALSE;
  if (!find_project (lib, name, &project_id, &was_archived, error))
    goto fail;
  if (was_archived == !!archived)
    {
      studio_library_rollback (lib);
      return TRUE;
    }
  stmt = studio_library_prepare (lib, "UPDATE projects SET archived = ? WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int (stmt, 1, archived ? 1 : 0);
  sqlite3_bind_int64 (stmt, 2, project_id);
  if (!step_done (lib, stmt, "archive a project", error))
    goto fail;
  json = g_string_new ("{");
  json_add_string (json, "name", name);
  if (!audit (lib, actor, archived ? "project-archived" : "project-restored", 0, json, error))
    goto fail;
  return commit_or_rollback (lib, error);

fail:
  studio_library_rollback (lib);
  return FALSE;
}

GPtrArray *
studio_library_list_projects (StudioLibrary *lib, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  sqlite3_stmt *stmt = studio_library_prepare (lib, PROJECT_QUERY " ORDER BY p.name", error);

  if (stmt == NULL)
    return NULL;
  return collect_rows (lib, stmt, (gpointer (*) (sqlite3_stmt *)) read_project, (GDestroyNotify) studio_project_free,
                       "list the projects", error);
}

/* Takes */

/* Lists read a take's summary; studio_library_get_take reads it all. */
#define TAKE_SUMMARY_COLUMNS                                                                                           \
  "SELECT t.id, t.project_id, p.name, t.kind, t.parent_id, t.title, m.name, t.created_at, t.prompt, t.seed,"           \
  " t.render_status, t.video, t.poster, t.preview_strip, t.review_status, t.locked,"                                   \
  " EXISTS (SELECT 1 FROM shortlist s WHERE s.take_id = t.id),"                                                        \
  " (SELECT count (*) FROM ratings r WHERE r.take_id = t.id),"                                                         \
  " (SELECT total (r.stars) FROM ratings r WHERE r.take_id = t.id)"
#define TAKE_FROM " FROM takes t JOIN projects p ON p.id = t.project_id JOIN members m ON m.id = t.created_by"
#define TAKE_SUMMARY_QUERY TAKE_SUMMARY_COLUMNS TAKE_FROM
#define TAKE_QUERY                                                                                                     \
  TAKE_SUMMARY_COLUMNS ", t.negative_prompt, t.steps, t.guidance, t.width, t.height, t.frames, t.fps, t.scheduler,"    \
                       " t.model_name, t.model_hash, t.engine_version, t.device, t.source, t.licence, t.render_error," \
                       " t.queued_at, t.started_at, t.finished_at, t.latent" TAKE_FROM

static char *
column_strdup (sqlite3_stmt *stmt, int column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);
  return g_strdup (text != NULL ? text : "");
}

static char *
column_strdup_or_null (sqlite3_stmt *stmt, int column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* A take from a row of TAKE_SUMMARY_QUERY, or of TAKE_QUERY when FULL. */
static StudioTake *
read_take (sqlite3_stmt *stmt, gboolean full)
{
  StudioTake *take = g_new0 (StudioTake, 1);
  int status;

  take->id = sqlite3_column_int64 (stmt, 0);
  take->project_id = sqlite3_column_int64 (stmt, 1);
  take->project = column_strdup (stmt, 2);
  studio_take_kind_from_string ((const char *) sqlite3_column_text (stmt, 3), &take->kind);
  take->parent_id = sqlite3_column_int64 (stmt, 4);
  take->title = column_strdup (stmt, 5);
  take->created_by = column_strdup (stmt, 6);
  take->created_at = sqlite3_column_int64 (stmt, 7);
  take->recipe.prompt = column_strdup (stmt, 8);
  take->recipe.seed = sqlite3_column_int64 (stmt, 9);
  studio_render_status_from_string ((const char *) sqlite3_column_text (stmt, 10), &take->render_status);
  take->video = column_strdup_or_null (stmt, 11);
  take->poster = column_strdup_or_null (stmt, 12);
  take->preview_strip = column_strdup_or_null (stmt, 13);
  status = sqlite3_column_int (stmt, 14);
  take->review_status
      = status >= 0 && status <= STUDIO_STATUS_NEEDS_REVIEW ? (StudioReviewStatus) status : STUDIO_STATUS_NEEDS_REVIEW;
  take->locked = sqlite3_column_int (stmt, 15) != 0;
  take->shortlisted = sqlite3_column_int (stmt, 16) != 0;
  take->n_ratings = sqlite3_column_int (stmt, 17);
  if (take->n_ratings > 0)
    take->rating = sqlite3_column_double (stmt, 18) / take->n_ratings;
  for (int i = 0; i < STUDIO_CLEARANCE_COUNT; i++)
    take->checklist[i].item = (StudioClearance) i;
  if (!full)
    return take;
  take->recipe.negative_prompt = column_strdup (stmt, 19);
  take->recipe.steps = sqlite3_column_int (stmt, 20);
  take->recipe.guidance = sqlite3_column_double (stmt, 21);
  take->recipe.width = sqlite3_column_int (stmt, 22);
  take->recipe.height = sqlite3_column_int (stmt, 23);
  take->recipe.frames = sqlite3_column_int (stmt, 24);
  take->recipe.fps = sqlite3_column_double (stmt, 25);
  take->recipe.scheduler = column_strdup (stmt, 26);
  take->recipe.model_name = column_strdup (stmt, 27);
  take->recipe.model_hash = column_strdup (stmt, 28);
  take->recipe.engine_version = column_strdup (stmt, 29);
  take->recipe.device = column_strdup (stmt, 30);
  take->source = column_strdup (stmt, 31);
  take->licence = column_strdup (stmt, 32);
  take->render_error = column_strdup (stmt, 33);
  take->queued_at = sqlite3_column_int64 (stmt, 34);
  take->started_at = sqlite3_column_int64 (stmt, 35);
  take->finished_at = sqlite3_column_int64 (stmt, 36);
  take->latent = column_strdup_or_null (stmt, 37);
  return take;
}

static gpointer
read_take_summary (sqlite3_stmt *stmt)
{
  return read_take (stmt, FALSE);
}

/* The take's row, inside a transaction or not. */
static StudioTake *
load_take (StudioLibrary *lib, gint64 take_id, GError **error)
{
  sqlite3_stmt *stmt = studio_library_prepare (lib, TAKE_QUERY " WHERE t.id = ?", error);
  StudioTake *take = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, take_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    take = read_take (stmt, TRUE);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_FOUND, "no take %" G_GINT64_FORMAT " in %s",
                 take_id, lib->dir);
  else if (rc != SQLITE_ROW)
    studio_library_set_sqlite_error (lib, error, rc, "read a take");
  return take;
}

static gboolean
check_recipe (const StudioRecipe *recipe, GError **error)
{
  if (recipe == NULL)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID, "a take needs a recipe");
      return FALSE;
    }
  if (!check_text ("prompt", recipe->prompt, STUDIO_LIBRARY_MAX_TEXT, TRUE, error)
      || !check_text ("negative prompt", recipe->negative_prompt, STUDIO_LIBRARY_MAX_TEXT, FALSE, error)
      || !check_text ("scheduler", recipe->scheduler, STUDIO_LIBRARY_MAX_NAME, FALSE, error)
      || !check_text ("model name", recipe->model_name, STUDIO_LIBRARY_MAX_TEXT, FALSE, error)
      || !check_text ("model hash", recipe->model_hash, STUDIO_LIBRARY_MAX_NAME, FALSE, error)
      || !check_text ("engine version", recipe->engine_version, STUDIO_LIBRARY_MAX_NAME, FALSE, error)
      || !check_text ("device", recipe->device, STUDIO_LIBRARY_MAX_TEXT, FALSE, error))
    return FALSE;
  if (recipe->steps < 0 || recipe->steps > 10000 || recipe->width < 0 || recipe->width > 16384 || recipe->height < 0
      || recipe->height > 16384 || recipe->frames < 0 || recipe->frames > 100000 || !isfinite (recipe->guidance)
      || !isfinite (recipe->fps) || recipe->fps < 0 || recipe->fps > 1000)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID,
                   "the recipe's numbers are out of range (steps %d, %dx%d, %d frames, %g fps, guidance %g)",
                   recipe->steps, recipe->width, recipe->height, recipe->frames, recipe->fps, recipe->guidance);
      return FALSE;
    }
  return TRUE;
}

/* A title from the prompt's first words: one line, at most 60 characters. */
static char *
title_from_prompt (const char *prompt)
{
  g_autofree char *line = g_strdup (prompt);
  glong length;

  g_strdelimit (line, "\r\n\t", ' ');
  g_strstrip (line);
  length = g_utf8_strlen (line, -1);
  if (length <= 60)
    return g_steal_pointer (&line);
  {
    g_autofree char *start = g_utf8_substring (line, 0, 59);
    return g_strconcat (start, "…", NULL);
  }
}

static void
bind_text_or_empty (sqlite3_stmt *stmt, int column, const char *text)
{
  sqlite3_bind_text (stmt, column, text != NULL ? text : "", -1, SQLITE_TRANSIENT);
}

gint64
studio_library_create_take (StudioLibrary *lib, const char *actor, const StudioTakeParams *params, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  g_autofree char *title = NULL;
  const StudioRecipe *recipe;
  sqlite3_stmt *stmt;
  gint64 member_id;
  gint64 project_id;
  gint64 take_id;
  gint64 now = studio_library_now ();
  gboolean archived;
  GString *json;

  if (!check_actor (actor, error))
    return 0;
  if (params == NULL || params->project == NULL)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID, "a take needs a project");
      return 0;
    }
  if (!check_name ("project's name", params->project, STUDIO_LIBRARY_MAX_NAME, error)
      || !check_text ("title", params->title, STUDIO_LIBRARY_MAX_TEXT, FALSE, error)
      || !check_recipe (params->recipe, error))
    return 0;
  if (params->kind != STUDIO_TAKE_DRAFT && params->kind != STUDIO_TAKE_FINAL)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID,
                   "a rendered take is a draft or a final; footage is added with import");
      return 0;
    }
  recipe = params->recipe;
  title = params->title != NULL && *params->title ? g_strdup (params->title) : title_from_prompt (recipe->prompt);

  if (!studio_library_begin (lib, error))
    return 0;
  if (!authorize (lib, actor, ACT_CREATE_TAKE, 0, &member_id, error))
    return 0;
  if (!find_project (lib, params->project, &project_id, &archived, error))
    goto fail;
  if (archived)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_STATE,
                   "the project \"%s\" is archived; restore it before adding takes", params->project);
      goto fail;
    }
  if (params->parent_id != 0)
    {
      g_autoptr (StudioTake) parent = load_take (lib, params->parent_id, error);
      if (parent == NULL)
        goto fail;
      if (parent->project_id != project_id)
        {
          g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID,
                       "take %" G_GINT64_FORMAT " belongs to the project \"%s\", not \"%s\"; a take's parent must be "
                       "in its project",
                       params->parent_id, parent->project, params->project);
          goto fail;
        }
    }
  stmt = studio_library_prepare (lib,
                                 "INSERT INTO takes (project_id, kind, parent_id, title, created_by, created_at,"
                                 " prompt, negative_prompt, seed, steps, guidance, width, height, frames, fps,"
                                 " scheduler, model_name, model_hash, engine_version, device, queued_at)"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, project_id);
  sqlite3_bind_text (stmt, 2, studio_take_kind_to_string (params->kind), -1, SQLITE_STATIC);
  if (params->parent_id != 0)
    sqlite3_bind_int64 (stmt, 3, params->parent_id);
  else
    sqlite3_bind_null (stmt, 3);
  sqlite3_bind_text (stmt, 4, title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, member_id);
  sqlite3_bind_int64 (stmt, 6, now);
  bind_text_or_empty (stmt, 7, recipe->prompt);
  bind_text_or_empty (stmt, 8, recipe->negative_prompt);
  sqlite3_bind_int64 (stmt, 9, recipe->seed);
  sqlite3_bind_int (stmt, 10, recipe->steps);
  sqlite3_bind_double (stmt, 11, recipe->guidance);
  sqlite3_bind_int (stmt, 12, recipe->width);
  sqlite3_bind_int (stmt, 13, recipe->height);
  sqlite3_bind_int (stmt, 14, recipe->frames);
  sqlite3_bind_double (stmt, 15, recipe->fps);
  bind_text_or_empty (stmt, 16, recipe->scheduler);
  bind_text_or_empty (stmt, 17, recipe->model_name);
  bind_text_or_empty (stmt, 18, recipe->model_hash);
  bind_text_or_empty (stmt, 19, recipe->engine_version);
  bind_text_or_empty (stmt, 20, recipe->device);
  sqlite3_bind_int64 (stmt, 21, now);
  if (!step_done (lib, stmt, "add a take", error))
    goto fail;
  take_id = sqlite3_last_insert_rowid (lib->db);
  json = g_string_new ("{");
  json_add_string (json, "project", params->project);
  json_add_string (json, "kind", studio_take_kind_to_string (params->kind));
  if (params->parent_id != 0)
    json_add_int (json, "parent", params->parent_id);
  json_add_string (json, "title", title);
  json_add_int (json, "seed", recipe->seed);
  if (!audit (lib, actor, "take-created", take_id, json, error))
    goto fail;
  if (!commit_or_rollback (lib, error))
    return 0;
  return take_id;

fail:
  studio_library_rollback (lib);
  return 0;
}

gint64
studio_library_import (StudioLibrary *lib, const char *actor, const char *project, const char *path, const char *title,
                       const char *source, const char *licence, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  g_autofree char *media = NULL;
  g_autofree char *shown_title = NULL;
  sqlite3_stmt *stmt;
  gint64 member_id;
  gint64 project_id;
  gint64 take_id;
  gint64 now;
  gboolean archived;
  GString *json;

  if (!check_actor (actor, error) || !check_name ("project's name", project, STUDIO_LIBRARY_MAX_NAME, error)
      || !check_text ("title", title, STUDIO_LIBRARY_MAX_TEXT, FALSE, error)
      || !check_text ("source", source, STUDIO_LIBRARY_MAX_TEXT, FALSE, error)
      || !check_text ("licence", licence, STUDIO_LIBRARY_MAX_TEXT, FALSE, error))
    return 0;
  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_FOUND, "there is no file %s to import",
                   path != NULL ? path : "(none)");
      return 0;
    }
  /* Check the role and the project before copying a large file, and copy
   * it outside the write transaction so that other writers do not wait. */
  if (!studio_library_begin (lib, error))
    return 0;
  if (!authorize (lib, actor, ACT_CREATE_TAKE, 0, NULL, error))
    return 0;
  if (!find_project (lib, project, &project_id, &archived, error))
    {
      studio_library_rollback (lib);
      return 0;
    }
  studio_library_rollback (lib);
  media = studio_library_add_media_file (lib, path, NULL, error);
  if (media == NULL)
    return 0;

  if (!studio_library_begin (lib, error))
    return 0;
  if (!authorize (lib, actor, ACT_CREATE_TAKE, 0, &member_id, error))
    return 0;
  if (!find_project (lib, project, &project_id, &archived, error))
    goto fail;
  if (archived)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_STATE,
                   "the project \"%s\" is archived; restore it before adding takes", project);
      goto fail;
    }
  shown_title = title != NULL && *title ? g_strdup (title) : g_filename_display_basename (path);
  now = studio_library_now ();
  stmt = studio_library_prepare (lib,
                                 "INSERT INTO takes (project_id, kind, title, created_by, created_at, source, licence,"
                                 " render_status, queued_at, started_at, finished_at, video)"
                                 " VALUES (?, 'imported', ?, ?, ?, ?, ?, 'done', ?, ?, ?, ?)",
                                 error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, project_id);
  sqlite3_bind_text (stmt, 2, shown_title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, member_id);
  sqlite3_bind_int64 (stmt, 4, now);
  bind_text_or_empty (stmt, 5, source);
  bind_text_or_empty (stmt, 6, licence);
  sqlite3_bind_int64 (stmt, 7, now);
  sqlite3_bind_int64 (stmt, 8, now);
  sqlite3_bind_int64 (stmt, 9, now);
  sqlite3_bind_text (stmt, 10, media, -1, SQLITE_TRANSIENT);
  if (!step_done (lib, stmt, "import a file", error))
    goto fail;
  take_id = sqlite3_last_insert_rowid (lib->db);
  json = g_string_new ("{");
  json_add_string (json, "project", project);
  json_add_string (json, "title", shown_title);
  json_add_string (json, "media", media);
  json_add_string (json, "source", source);
  json_add_string (json, "licence", licence);
  if (!audit (lib, actor, "take-imported", take_id, json, error))
    goto fail;
  if (!commit_or_rollback (lib, error))
    return 0;
  return take_id;

fail:
  studio_library_rollback (lib);
  return 0;
}

static gboolean
render_move_allowed (StudioRenderStatus from, StudioRenderStatus to)
{
  switch (from)
    {
    case STUDIO_RENDER_QUEUED:
      return to == STUDIO_RENDER_RUNNING || to == STUDIO_RENDER_CANCELLED;
    case STUDIO_RENDER_RUNNING:
      return to == STUDIO_RENDER_DONE || to == STUDIO_RENDER_FAILED || to == STUDIO_RENDER_CANCELLED
             || to == STUDIO_RENDER_QUEUED;
    case STUDIO_RENDER_FAILED:
    case STUDIO_RENDER_CANCELLED:
      return to == STUDIO_RENDER_QUEUED;
    case STUDIO_RENDER_DONE:
    default:
      return FALSE;
    }
}

static gboolean
check_unlocked (StudioTake *take, const char *what, GError **error)
{
  if (take->locked)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_LOCKED,
                   "take %" G_GINT64_FORMAT " is approved and locked: its %s cannot change; make a new take from it",
                   take->id, what);
      return FALSE;
    }
  return TRUE;
}

gboolean
studio_library_set_render_status (StudioLibrary *lib, gint64 take_id, const char *actor, StudioRenderStatus status,
                                  const char *error_text, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  g_autoptr (StudioTake) take = NULL;
  sqlite3_stmt *stmt;
  gint64 now = studio_library_now ();
  GString *json;
  static const char *const actions[]
      = { "render-queued", "render-started", "rendered", "render-failed", "render-cancelled" };

  if (!check_actor (actor, error) || !check_text ("render error", error_text, STUDIO_LIBRARY_MAX_TEXT, FALSE, error))
    return FALSE;
  if (!studio_library_begin (lib, error))
    return FALSE;
  if (!authorize (lib, actor, ACT_RENDER, take_id, NULL, error))
    return FALSE;
  take = load_take (lib, take_id, error);
  if (take == NULL || !check_unlocked (take, "render status", error))
    goto fail;
  if (!render_move_allowed (take->render_status, status))
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_STATE,
                   "take %" G_GINT64_FORMAT " is %s; it cannot become %s%s", take_id,
                   studio_render_status_to_string (take->render_status), studio_render_status_to_string (status),
                   take->render_status == STUDIO_RENDER_DONE ? " (a change is a new take made from it)" : "");
      goto fail;
    }
  if (status == STUDIO_RENDER_DONE && take->video == NULL)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_STATE,
                   "take %" G_GINT64_FORMAT " has no video yet; store its media before marking it done", take_id);
      goto fail;
    }
  stmt = studio_library_prepare (lib,
                                 "UPDATE takes SET render_status = ?1, render_error = ?2,"
                                 " queued_at = CASE WHEN ?1 = 'queued' THEN ?3 ELSE queued_at END,"
                                 " started_at = CASE WHEN ?1 = 'running' THEN ?3 WHEN ?1 = 'queued' THEN 0"
                                 "  ELSE started_at END,"
                                 " finished_at = CASE WHEN ?1 IN ('done', 'failed', 'cancelled') THEN ?3 ELSE 0 END"
                                 " WHERE id = ?4",
                                 error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, studio_render_status_to_string (status), -1, SQLITE_STATIC);
  bind_text_or_empty (stmt, 2, status == STUDIO_RENDER_FAILED ? error_text : NULL);
  sqlite3_bind_int64 (stmt, 3, now);
  sqlite3_bind_int64 (stmt, 4, take_id);
  if (!step_done (lib, stmt, "record a render's progress", error))
    goto fail;
  json = g_string_new ("{");
  json_add_string (json, "from", studio_render_status_to_string (take->render_status));
  json_add_string (json, "to", studio_render_status_to_string (status));
  if (status == STUDIO_RENDER_FAILED && error_text != NULL)
    json_add_string (json, "error", error_text);
  if (status == STUDIO_RENDER_DONE && take->started_at > 0)
    json_add_int (json, "render_us", now - take->started_at);
  if (!audit (lib, actor, actions[status], take_id, json, error))
    goto fail;
  return commit_or_rollback (lib, error);

fail:
  studio_library_rollback (lib);
  return FALSE;
}

gboolean
studio_library_set_take_media (StudioLibrary *lib, gint64 take_id, const char *actor, const StudioTakeMedia *media,
                               GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  g_autoptr (StudioTake) take = NULL;
  const char *names[4] = { media->video, media->poster, media->preview_strip, media->latent };
  static const char *const fields[4] = { "video", "poster", "preview_strip", "latent" };
  sqlite3_stmt *stmt;
  GString *json;

  if (!check_actor (actor, error))
    return FALSE;
  for (int i = 0; i < 4; i++)
    if (names[i] != NULL && !studio_library_media_exists (lib, names[i]))
      {
        g_autofree char *shown = g_utf8_make_valid (names[i], -1);
        g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NOT_FOUND,
                     "the %s \"%s\" is not a file in %s/media (store it with studio_library_add_media_* first)",
                     fields[i], shown, lib->dir);
        return FALSE;
      }
  if (!studio_library_begin (lib, error))
    return FALSE;
  if (!authorize (lib, actor, ACT_RENDER, take_id, NULL, error))
    return FALSE;
  take = load_take (lib, take_id, error);
  if (take == NULL || !check_unlocked (take, "media", error))
    goto fail;
  stmt = studio_library_prepare (lib,
                                 "UPDATE takes SET video = coalesce (?1, video), poster = coalesce (?2, poster),"
                                 " preview_strip = coalesce (?3, preview_strip), latent = coalesce (?4, latent)"
                                 " WHERE id = ?5",
                                 error);
  if (stmt == NULL)
    goto fail;
  json = g_string_new ("{");
  for (int i = 0; i < 4; i++)
    {
      if (names[i] != NULL)
        {
          sqlite3_bind_text (stmt, i + 1, names[i], -1, SQLITE_TRANSIENT);
          json_add_string (json, fields[i], names[i]);
        }
      else
        sqlite3_bind_null (stmt, i + 1);
    }
  sqlite3_bind_int64 (stmt, 5, take_id);
  if (!step_done (lib, stmt, "store a take's media", error))
    {
      g_string_free (json, TRUE);
      goto fail;
    }
  if (!audit (lib, actor, "media-stored", take_id, json, error))
    goto fail;
  return commit_or_rollback (lib, error);

fail:
  studio_library_rollback (lib);
  return FALSE;
}

static gboolean
read_ids (StudioLibrary *lib, const char *sql, gint64 take_id, GArray **ids, GError **error)
{
  sqlite3_stmt *stmt = studio_library_prepare (lib, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_bind_int64 (stmt, 1, take_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (*ids, id);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      studio_library_set_sqlite_error (lib, error, rc, "read a take's lineage");
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_details (StudioLibrary *lib, StudioTake *take, GError **error)
{
  sqlite3_stmt *stmt;
  int rc;

  take->reviews = g_ptr_array_new_with_free_func ((GDestroyNotify) studio_review_free);
  stmt = studio_library_prepare (
      lib,
      "SELECT r.id, m.name, r.decision, r.note, r.frame, r.created_at"
      " FROM reviews r JOIN members m ON m.id = r.member_id WHERE r.take_id = ? ORDER BY r.id",
      error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, take->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      StudioReview *review = g_new0 (StudioReview, 1);
      review->id = sqlite3_column_int64 (stmt, 0);
      review->take_id = take->id;
      review->member = column_strdup (stmt, 1);
      studio_decision_from_string ((const char *) sqlite3_column_text (stmt, 2), &review->decision);
      review->note = column_strdup (stmt, 3);
      review->frame = sqlite3_column_type (stmt, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64 (stmt, 4);
      review->time = sqlite3_column_int64 (stmt, 5);
      g_ptr_array_add (take->reviews, review);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    goto sql_error;

  stmt = studio_library_prepare (lib,
                                 "SELECT c.item, m.name, c.cleared_at FROM checklist c JOIN members m"
                                 " ON m.id = c.member_id WHERE c.take_id = ?",
                                 error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, take->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      StudioClearance item;
      if (!studio_clearance_from_string ((const char *) sqlite3_column_text (stmt, 0), &item))
        continue;
      g_free (take->checklist[item].member);
      take->checklist[item].member = column_strdup (stmt, 1);
      take->checklist[item].cleared_at = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    goto sql_error;

  take->tags = g_ptr_array_new_with_free_func (g_free);
  stmt = studio_library_prepare (lib, "SELECT tag FROM tags WHERE take_id = ? ORDER BY tag", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, take->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (take->tags, column_strdup (stmt, 0));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    goto sql_error;

  if (!read_ids (lib,
                 "WITH RECURSIVE lineage (id, depth) AS ("
                 "  SELECT parent_id, 1 FROM takes WHERE id = ?1 AND parent_id IS NOT NULL"
                 "  UNION ALL"
                 "  SELECT t.parent_id, l.depth + 1 FROM takes t JOIN lineage l ON t.id = l.id"
                 "  WHERE t.parent_id IS NOT NULL AND l.depth < 10000)"
                 " SELECT id FROM lineage ORDER BY depth",
                 take->id, &take->ancestors, error))
    return FALSE;
  return read_ids (lib, "SELECT id FROM takes WHERE parent_id = ? ORDER BY id", take->id, &take->children, error);

sql_error:
  studio_library_set_sqlite_error (lib, error, rc, "read a take's reviews, checklist and tags");
  return FALSE;
}

StudioTake *
studio_library_get_take (StudioLibrary *lib, gint64 take_id, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  g_autoptr (StudioTake) take = NULL;
  gboolean own_transaction = sqlite3_get_autocommit (lib->db) != 0;
  gboolean ok;

  /* One read transaction, so that the take and its details agree. */
  if (own_transaction && !studio_library_exec (lib, "BEGIN", "read a take", error))
    return NULL;
  take = load_take (lib, take_id, error);
  ok = take != NULL && read_details (lib, take, error);
  if (own_transaction)
    studio_library_exec (lib, "COMMIT", "read a take", NULL);
  return ok ? g_steal_pointer (&take) : NULL;
}

/* The user's words as an FTS5 query: each word a quoted phrase, all of them
 * required, so that no text is read as query syntax. */
static char *
search_query (const char *text)
{
  g_auto (GStrv) words = g_strsplit_set (text, " \t\r\n", -1);
  GString *query = g_string_new ("");

  for (int i = 0; words[i] != NULL; i++)
    {
      if (*words[i] == '\0')
        continue;
      if (query->len > 0)
        g_string_append_c (query, ' ');
      g_string_append_c (query, '"');
      for (const char *p = words[i]; *p; p++)
        {
          if (*p == '"')
            g_string_append_c (query, '"');
          g_string_append_c (query, *p);
        }
      g_string_append_c (query, '"');
    }
  return g_string_free (query, FALSE);
}

GPtrArray *
studio_library_list_takes (StudioLibrary *lib, const StudioTakeQuery *query, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  g_autoptr (GString) sql = g_string_new (TAKE_SUMMARY_QUERY " WHERE 1");
  g_autofree char *match = NULL;
  sqlite3_stmt *stmt;
  gint64 project_id = 0;
  int column = 1;
  StudioTakeQuery none = { 0 };

  if (query == NULL)
    query = &none;
  if (query->project != NULL)
    {
      if (!check_name ("project's name", query->project, STUDIO_LIBRARY_MAX_NAME, error)
          || !find_project (lib, query->project, &project_id, NULL, error))
        return NULL;
      g_string_append (sql, " AND t.project_id = ?");
    }
  if (query->filter_status)
    g_string_append (sql, " AND t.review_status = ?");
  if (query->search != NULL)
    {
      if (!check_text ("search text", query->search, STUDIO_LIBRARY_MAX_TEXT, FALSE, error))
        return NULL;
      match = search_query (query->search);
      if (*match != '\0')
        g_string_append (sql, " AND t.id IN (SELECT rowid FROM take_search WHERE take_search MATCH ?)");
    }
  if (query->shortlisted_only)
    g_string_append (sql, " AND EXISTS (SELECT 1 FROM shortlist s WHERE s.take_id = t.id)");
  g_string_append (sql, " ORDER BY t.id DESC LIMIT ?");

  stmt = studio_library_prepare (lib, sql->str, error);
  if (stmt == NULL)
    return NULL;
  if (query->project != NULL)
    sqlite3_bind_int64 (stmt, column++, project_id);
  if (query->filter_status)
    sqlite3_bind_int (stmt, column++, (int) query->status);
  if (match != NULL && *match != '\0')
    sqlite3_bind_text (stmt, column++, match, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, column++, query->limit > 0 ? query->limit : -1);
  return collect_rows (lib, stmt, read_take_summary, (GDestroyNotify) studio_take_free, "list takes", error);
}

/* Reviews and the checklist */

gboolean
studio_library_review (StudioLibrary *lib, gint64 take_id, const char *actor, StudioDecision decision, const char *note,
                       gint64 frame, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  g_autoptr (StudioTake) take = NULL;
  sqlite3_stmt *stmt;
  gint64 member_id;
  GString *json;

  if (!check_actor (actor, error) || !check_text ("note", note, STUDIO_LIBRARY_MAX_TEXT, FALSE, error))
    return FALSE;
  if ((int) decision < 0 || decision > STUDIO_DECISION_APPROVED)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID, "unknown review decision %d",
                   (int) decision);
      return FALSE;
    }
  if (frame < -1)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID,
                   "the frame number %" G_GINT64_FORMAT " is negative", frame);
      return FALSE;
    }
  if (!studio_library_begin (lib, error))
    return FALSE;
  if (!authorize (lib, actor, ACT_REVIEW, take_id, &member_id, error))
    return FALSE;
  take = load_take (lib, take_id, error);
  if (take == NULL)
    goto fail;
  if (take->render_status != STUDIO_RENDER_DONE)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_STATE,
                   "take %" G_GINT64_FORMAT " is %s; it can be reviewed once its render is done", take_id,
                   studio_render_status_to_string (take->render_status));
      goto fail;
    }
  if (frame >= 0 && take->recipe.frames > 0 && frame >= take->recipe.frames)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID,
                   "take %" G_GINT64_FORMAT " has %d frames (0 to %d); there is no frame %" G_GINT64_FORMAT, take_id,
                   take->recipe.frames, take->recipe.frames - 1, frame);
      goto fail;
    }
  stmt = studio_library_prepare (lib,
                                 "INSERT INTO reviews (take_id, member_id, decision, note, frame, created_at)"
                                 " VALUES (?, ?, ?, ?, ?, ?)",
                                 error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, take_id);
  sqlite3_bind_int64 (stmt, 2, member_id);
  sqlite3_bind_text (stmt, 3, studio_decision_to_string (decision), -1, SQLITE_STATIC);
  bind_text_or_empty (stmt, 4, note);
  if (frame >= 0)
    sqlite3_bind_int64 (stmt, 5, frame);
  else
    sqlite3_bind_null (stmt, 5);
  sqlite3_bind_int64 (stmt, 6, studio_library_now ());
  if (!step_done (lib, stmt, "record a review decision", error))
    goto fail;
  json = g_string_new ("{");
  json_add_string (json, "decision", studio_decision_to_string (decision));
  if (note != NULL && *note)
    json_add_string (json, "note", note);
  if (frame >= 0)
    json_add_int (json, "frame", frame);
  if (!audit (lib, actor, "reviewed", take_id, json, error))
    goto fail;
  if ((decision == STUDIO_DECISION_APPROVED || decision == STUDIO_DECISION_APPROVED_WITH_CHANGES) && !take->locked)
    {
      stmt = studio_library_prepare (lib, "UPDATE takes SET locked = 1 WHERE id = ?", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, take_id);
      if (!step_done (lib, stmt, "lock an approved take", error))
        goto fail;
      json = g_string_new ("{");
      json_add_string (json, "because", studio_decision_to_string (decision));
      if (!audit (lib, actor, "locked", take_id, json, error))
        goto fail;
    }
  return commit_or_rollback (lib, error);

fail:
  studio_library_rollback (lib);
  return FALSE;
}

gboolean
studio_library_clear (StudioLibrary *lib, gint64 take_id, const char *actor, StudioClearance item, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  g_autoptr (StudioTake) take = NULL;
  sqlite3_stmt *stmt;
  gint64 member_id;
  GString *json;
  int rc;

  if (!check_actor (actor, error))
    return FALSE;
  if ((int) item < 0 || item >= STUDIO_CLEARANCE_COUNT)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID, "unknown checklist item %d", (int) item);
      return FALSE;
    }
  if (!studio_library_begin (lib, error))
    return FALSE;
  if (!authorize (lib, actor, ACT_CLEAR, take_id, &member_id, error))
    return FALSE;
  take = load_take (lib, take_id, error);
  if (take == NULL || !check_unlocked (take, "checklist", error))
    goto fail;
  stmt = studio_library_prepare (lib,
                                 "SELECT m.name, c.cleared_at FROM checklist c JOIN members m ON m.id = c.member_id"
                                 " WHERE c.take_id = ? AND c.item = ?",
                                 error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, take_id);
  sqlite3_bind_text (stmt, 2, studio_clearance_to_string (item), -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      g_autoptr (GDateTime) when = g_date_time_new_from_unix_utc (sqlite3_column_int64 (stmt, 1) / G_USEC_PER_SEC);
      g_autofree char *shown = when != NULL ? g_date_time_format_iso8601 (when) : g_strdup ("?");
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_EXISTS,
                   "the %s of take %" G_GINT64_FORMAT " were already cleared by %s at %s",
                   studio_clearance_describe (item), take_id, (const char *) sqlite3_column_text (stmt, 0), shown);
    }
  else if (rc != SQLITE_DONE)
    studio_library_set_sqlite_error (lib, error, rc, "read the checklist");
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    goto fail;
  stmt = studio_library_prepare (
      lib, "INSERT INTO checklist (take_id, item, member_id, cleared_at) VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, take_id);
  sqlite3_bind_text (stmt, 2, studio_clearance_to_string (item), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, member_id);
  sqlite3_bind_int64 (stmt, 4, studio_library_now ());
  if (!step_done (lib, stmt, "clear a checklist item", error))
    goto fail;
  json = g_string_new ("{");
  json_add_string (json, "item", studio_clearance_to_string (item));
  if (!audit (lib, actor, "cleared", take_id, json, error))
    goto fail;
  return commit_or_rollback (lib, error);

fail:
  studio_library_rollback (lib);
  return FALSE;
}

/* Managers: ratings, the shortlist, tags, exports */

/* Opens the transaction, authorises ACT and checks that the take exists;
 * on failure everything is rolled back. */
static StudioTake *
begin_take_action (StudioLibrary *lib, gint64 take_id, const char *actor, Act act, gint64 *member_id, GError **error)
{
  StudioTake *take;

  if (!studio_library_begin (lib, error))
    return NULL;
  if (!authorize (lib, actor, act, take_id, member_id, error))
    return NULL;
  take = load_take (lib, take_id, error);
  if (take == NULL)
    studio_library_rollback (lib);
  return take;
}

gboolean
studio_library_rate (StudioLibrary *lib, gint64 take_id, const char *actor, int stars, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  g_autoptr (StudioTake) take = NULL;
  sqlite3_stmt *stmt;
  gint64 member_id;
  GString *json;

  if (!check_actor (actor, error))
    return FALSE;
  if (stars < 1 || stars > 5)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID, "a rating is 1 to 5 stars, not %d",
                   stars);
      return FALSE;
    }
  take = begin_take_action (lib, take_id, actor, ACT_RATE, &member_id, error);
  if (take == NULL)
    return FALSE;
  stmt = studio_library_prepare (
      lib, "INSERT OR REPLACE INTO ratings (take_id, member_id, stars, created_at) VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, take_id);
  sqlite3_bind_int64 (stmt, 2, member_id);
  sqlite3_bind_int (stmt, 3, stars);
  sqlite3_bind_int64 (stmt, 4, studio_library_now ());
  if (!step_done (lib, stmt, "rate a take", error))
    goto fail;
  json = g_string_new ("{");
  json_add_int (json, "stars", stars);
  if (!audit (lib, actor, "rated", take_id, json, error))
    goto fail;
  return commit_or_rollback (lib, error);

fail:
  studio_library_rollback (lib);
  return FALSE;
}

gboolean
studio_library_shortlist (StudioLibrary *lib, gint64 take_id, const char *actor, gboolean shortlisted, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  g_autoptr (StudioTake) take = NULL;
  sqlite3_stmt *stmt;
  gint64 member_id;

  if (!check_actor (actor, error))
    return FALSE;
  take = begin_take_action (lib, take_id, actor, ACT_SHORTLIST, &member_id, error);
  if (take == NULL)
    return FALSE;
  if (take->shortlisted == !!shortlisted)
    {
      studio_library_rollback (lib);
      return TRUE;
    }
  if (shortlisted)
    {
      stmt = studio_library_prepare (lib, "INSERT INTO shortlist (take_id, member_id, created_at) VALUES (?, ?, ?)",
                                     error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, take_id);
      sqlite3_bind_int64 (stmt, 2, member_id);
      sqlite3_bind_int64 (stmt, 3, studio_library_now ());
    }
  else
    {
      stmt = studio_library_prepare (lib, "DELETE FROM shortlist WHERE take_id = ?", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, take_id);
    }
  if (!step_done (lib, stmt, "change the shortlist", error))
    goto fail;
  if (!audit (lib, actor, shortlisted ? "shortlisted" : "unshortlisted", take_id, g_string_new ("{"), error))
    goto fail;
  return commit_or_rollback (lib, error);

fail:
  studio_library_rollback (lib);
  return FALSE;
}

gboolean
studio_library_tag (StudioLibrary *lib, gint64 take_id, const char *actor, const char *tag, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  g_autoptr (StudioTake) take = NULL;
  g_autofree char *word = NULL;
  sqlite3_stmt *stmt;
  gint64 member_id;
  GString *json;

  if (!check_actor (actor, error) || !check_name ("tag", tag, STUDIO_LIBRARY_MAX_TAG, error))
    return FALSE;
  for (const char *p = tag; *p; p = g_utf8_next_char (p))
    if (g_unichar_isspace (g_utf8_get_char (p)))
      {
        g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID, "a tag is one word; \"%s\" has spaces",
                     tag);
        return FALSE;
      }
  word = g_utf8_strdown (tag, -1);
  take = begin_take_action (lib, take_id, actor, ACT_TAG, &member_id, error);
  if (take == NULL)
    return FALSE;
  stmt = studio_library_prepare (lib,
                                 "INSERT INTO tags (take_id, tag, member_id, created_at) VALUES (?, ?, ?, ?)"
                                 " ON CONFLICT DO NOTHING",
                                 error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, take_id);
  sqlite3_bind_text (stmt, 2, word, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, member_id);
  sqlite3_bind_int64 (stmt, 4, studio_library_now ());
  if (!step_done (lib, stmt, "tag a take", error))
    goto fail;
  if (sqlite3_changes (lib->db) == 0)
    {
      /* Already tagged so: nothing changed, nothing to record. */
      studio_library_rollback (lib);
      return TRUE;
    }
  json = g_string_new ("{");
  json_add_string (json, "tag", word);
  if (!audit (lib, actor, "tagged", take_id, json, error))
    goto fail;
  return commit_or_rollback (lib, error);

fail:
  studio_library_rollback (lib);
  return FALSE;
}

/* mode 0: approved takes and drafts (studio_library_record_export); 1: only
 * approved takes; 2: any take, as a draft export (labelled DRAFT). */
static gboolean
record_export (StudioLibrary *lib, gint64 take_id, const char *actor, const char *path, const char *format, int mode,
               GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  g_autoptr (StudioTake) take = NULL;
  GString *json;

  if (!check_actor (actor, error) || !check_text ("export path", path, STUDIO_LIBRARY_MAX_TEXT, TRUE, error)
      || !check_name ("export format", format, STUDIO_LIBRARY_MAX_NAME, error))
    return FALSE;
  take = begin_take_action (lib, take_id, actor, ACT_EXPORT, NULL, error);
  if (take == NULL)
    return FALSE;
  const gboolean approved
      = take->review_status == STUDIO_STATUS_APPROVED || take->review_status == STUDIO_STATUS_APPROVED_WITH_CHANGES;
  if (mode == 1 && !approved)
    return refuse (lib, actor, ACT_EXPORT, take_id, error,
                   "take %" G_GINT64_FORMAT " is %s, not approved; export it as a draft (with the DRAFT label) or "
                   "have it approved first",
                   take_id, studio_review_status_to_string (take->review_status));
  if (mode == 0 && !approved && take->kind != STUDIO_TAKE_DRAFT)
    return refuse (lib, actor, ACT_EXPORT, take_id, error,
                   "take %" G_GINT64_FORMAT " is a%s %s take whose review status is %s; only approved takes and drafts "
                   "are exported",
                   take_id, take->kind == STUDIO_TAKE_IMPORTED ? "n" : "", studio_take_kind_to_string (take->kind),
                   studio_review_status_to_string (take->review_status));
  json = g_string_new ("{");
  json_add_string (json, "path", path);
  json_add_string (json, "format", format);
  json_add_string (json, "status", studio_review_status_to_string (take->review_status));
  if (mode == 2)
    g_string_append (json, ", \"draft\": true");
  if (!audit (lib, actor, "exported", take_id, json, error))
    {
      studio_library_rollback (lib);
      return FALSE;
    }
  return commit_or_rollback (lib, error);
}

gboolean
studio_library_record_export (StudioLibrary *lib, gint64 take_id, const char *actor, const char *path,
                              const char *format, GError **error)
{
  return record_export (lib, take_id, actor, path, format, 0, error);
}

gboolean
studio_library_record_export_full (StudioLibrary *lib, gint64 take_id, const char *actor, const char *path,
                                   const char *format, gboolean as_draft, GError **error)
{
  return record_export (lib, take_id, actor, path, format, as_draft ? 2 : 1, error);
}

/* The whole check */

gboolean
studio_library_check (StudioLibrary *lib, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  sqlite3_stmt *stmt = NULL;
  g_autofree char *problem = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (lib->db, "PRAGMA integrity_check", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        const char *line = (const char *) sqlite3_column_text (stmt, 0);
        if (problem == NULL && line != NULL && strcmp (line, "ok") != 0)
          problem = g_strdup (line);
      }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      studio_library_set_sqlite_error (lib, error, rc, "check the library's integrity");
      return FALSE;
    }
  if (problem != NULL)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_CORRUPT, "%s is damaged: %s", lib->db_path,
                   problem);
      return FALSE;
    }
  rc = sqlite3_prepare_v2 (lib->db, "PRAGMA foreign_key_check", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    problem = g_strdup_printf ("a row of %s points at a missing row of %s", sqlite3_column_text (stmt, 0),
                               sqlite3_column_text (stmt, 2));
  sqlite3_finalize (stmt);
  if (problem != NULL)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_CORRUPT, "%s is inconsistent: %s", lib->db_path,
                   problem);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      studio_library_set_sqlite_error (lib, error, rc, "check the library's references");
      return FALSE;
    }
  if (!studio_library_verify_audit (lib, NULL, NULL, error))
    return FALSE;
  stmt = studio_library_prepare (lib,
                                 "SELECT id, video, poster, preview_strip, latent FROM takes"
                                 " WHERE coalesce (video, poster, preview_strip, latent) IS NOT NULL",
                                 error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    for (int i = 1; i <= 4; i++)
      {
        const char *name = (const char *) sqlite3_column_text (stmt, i);
        g_autoptr (GError) media_error = NULL;
        if (name != NULL && !studio_library_media_verify (lib, name, &media_error))
          {
            g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_CORRUPT, "take %lld: %s",
                         (long long) sqlite3_column_int64 (stmt, 0), media_error->message);
            sqlite3_reset (stmt);
            return FALSE;
          }
      }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      studio_library_set_sqlite_error (lib, error, rc, "check the media");
      return FALSE;
    }
  return TRUE;
}
