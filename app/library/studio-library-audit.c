/* studio-library-audit.c: the append-only, hash-chained audit log.
 *
 * Row n stores prev_hash (row n-1's hash; 64 zeros for row 1) and hash =
 * SHA-256 over a version tag, prev_hash and each field length-prefixed.
 * audit_head keeps the last row's id and hash, so deleting rows from the end
 * is found as surely as editing or deleting one in the middle.  Anyone who
 * can write the file can recompute every hash; the chain finds accidental or
 * careless changes and makes deliberate ones a larger job, it is no
 * signature. */
#define G_LOG_DOMAIN "studio-library"

#include <string.h>

#include "studio-library-private.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static void
hash_field (GChecksum *checksum, const char *text)
{
  g_autofree char *length = g_strdup_printf ("%zu:", strlen (text));

  g_checksum_update (checksum, (const guchar *) length, -1);
  g_checksum_update (checksum, (const guchar *) text, strlen (text));
  g_checksum_update (checksum, (const guchar *) "\n", 1);
}

static void
hash_number (GChecksum *checksum, gint64 value)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, value);
  hash_field (checksum, text);
}

char *
studio_library_audit_hash (const char *prev_hash, gint64 id, gint64 time, const char *actor, const char *action,
                           gint64 take_id, const char *details)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  hash_field (checksum, "allegro-studio audit 1");
  hash_field (checksum, prev_hash);
  hash_number (checksum, id);
  hash_number (checksum, time);
  hash_field (checksum, actor);
  hash_field (checksum, action);
  hash_number (checksum, take_id);
  hash_field (checksum, details);
  return g_strdup (g_checksum_get_string (checksum));
}

gboolean
studio_library_audit_append (StudioLibrary *lib, const char *actor, const char *action, gint64 take_id,
                             const char *details, GError **error)
{
  sqlite3_stmt *head = studio_library_prepare (lib, "SELECT last_id, last_hash FROM audit_head WHERE one = 1", error);
  sqlite3_stmt *insert;
  sqlite3_stmt *update;
  g_autofree char *prev_hash = NULL;
  g_autofree char *hash = NULL;
  gint64 id;
  gint64 time = studio_library_now ();
  int rc;

  if (details == NULL)
    details = "{}";
  if (head == NULL)
    return FALSE;
  rc = sqlite3_step (head);
  if (rc != SQLITE_ROW)
    {
      studio_library_set_sqlite_error (lib, error, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc,
                                       "read the audit log's head");
      sqlite3_reset (head);
      return FALSE;
    }
  id = sqlite3_column_int64 (head, 0) + 1;
  prev_hash = g_strdup ((const char *) sqlite3_column_text (head, 1));
  sqlite3_reset (head);

  hash = studio_library_audit_hash (prev_hash, id, time, actor, action, take_id, details);
  insert = studio_library_prepare (lib,
                                   "INSERT INTO audit (id, time, actor, action, take_id, details, prev_hash, hash)"
                                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                   error);
  if (insert == NULL)
    return FALSE;
  sqlite3_bind_int64 (insert, 1, id);
  sqlite3_bind_int64 (insert, 2, time);
  sqlite3_bind_text (insert, 3, actor, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 4, action, -1, SQLITE_STATIC);
  if (take_id > 0)
    sqlite3_bind_int64 (insert, 5, take_id);
  else
    sqlite3_bind_null (insert, 5);
  sqlite3_bind_text (insert, 6, details, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 7, prev_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 8, hash, -1, SQLITE_STATIC);
  rc = sqlite3_step (insert);
  sqlite3_reset (insert);
  sqlite3_clear_bindings (insert);
  if (rc != SQLITE_DONE)
    {
      studio_library_set_sqlite_error (lib, error, rc, "append to the audit log");
      return FALSE;
    }

  update = studio_library_prepare (lib, "UPDATE audit_head SET last_id = ?, last_hash = ? WHERE one = 1", error);
  if (update == NULL)
    return FALSE;
  sqlite3_bind_int64 (update, 1, id);
  sqlite3_bind_text (update, 2, hash, -1, SQLITE_STATIC);
  rc = sqlite3_step (update);
  sqlite3_reset (update);
  sqlite3_clear_bindings (update);
  if (rc != SQLITE_DONE)
    {
      studio_library_set_sqlite_error (lib, error, rc, "move the audit log's head");
      return FALSE;
    }
  return TRUE;
}

static const char *
column_text (sqlite3_stmt *stmt, int column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);
  return text != NULL ? text : "";
}

GPtrArray *
studio_library_list_audit (StudioLibrary *lib, gint64 after_id, int limit, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) studio_audit_row_free);
  sqlite3_stmt *stmt = studio_library_prepare (lib,
                                               "SELECT id, time, actor, action, take_id, details, prev_hash, hash"
                                               " FROM audit WHERE id > ? ORDER BY id LIMIT ?",
                                               error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, after_id);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      StudioAuditRow *row = g_new0 (StudioAuditRow, 1);
      row->id = sqlite3_column_int64 (stmt, 0);
      row->time = sqlite3_column_int64 (stmt, 1);
      row->actor = g_strdup (column_text (stmt, 2));
      row->action = g_strdup (column_text (stmt, 3));
      row->take_id = sqlite3_column_int64 (stmt, 4);
      row->details = g_strdup (column_text (stmt, 5));
      row->prev_hash = g_strdup (column_text (stmt, 6));
      row->hash = g_strdup (column_text (stmt, 7));
      g_ptr_array_add (rows, row);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      studio_library_set_sqlite_error (lib, error, rc, "read the audit log");
      return NULL;
    }
  return g_steal_pointer (&rows);
}

static gboolean broken (GError **error, gint64 *first_bad, gint64 id, const char *format, ...) G_GNUC_PRINTF (4, 5);

static gboolean
broken (GError **error, gint64 *first_bad, gint64 id, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (first_bad != NULL)
    *first_bad = id;
  g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_CORRUPT,
               "the audit log is broken at row %" G_GINT64_FORMAT ": %s", id, message);
  return FALSE;
}

gboolean
studio_library_verify_audit (StudioLibrary *lib, gint64 *n_rows, gint64 *first_bad, GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&lib->mutex);
  sqlite3_stmt *stmt;
  g_autofree char *expected_prev = g_strdup (ZERO_HASH);
  gint64 expected_id = 1;
  gint64 head_id = 0;
  g_autofree char *head_hash = NULL;
  gboolean ok = TRUE;
  gboolean own_transaction = sqlite3_get_autocommit (lib->db) != 0;
  int rc;

  if (n_rows != NULL)
    *n_rows = 0;
  if (first_bad != NULL)
    *first_bad = 0;
  /* One read transaction, so that the rows and the head agree even while
   * another process appends. */
  if (own_transaction && !studio_library_exec (lib, "BEGIN", "read the audit log", error))
    return FALSE;
  stmt = studio_library_prepare (lib, "SELECT last_id, last_hash FROM audit_head WHERE one = 1", error);
  if (stmt == NULL)
    goto out_error;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      head_id = sqlite3_column_int64 (stmt, 0);
      head_hash = g_strdup (column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      ok = broken (error, first_bad, 1, "the chain's head (table audit_head) is missing");
      goto out;
    }

  stmt = studio_library_prepare (lib,
                                 "SELECT id, time, actor, action, take_id, details, prev_hash, hash"
                                 " FROM audit ORDER BY id",
                                 error);
  if (stmt == NULL)
    goto out_error;
  while (ok && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      const char *prev_hash = column_text (stmt, 6);
      const char *hash = column_text (stmt, 7);
      g_autofree char *computed = NULL;

      if (id != expected_id)
        {
          if (id > expected_id)
            ok = broken (error, first_bad, expected_id,
                         "the row was deleted (the next row present is %" G_GINT64_FORMAT ")", id);
          else
            ok = broken (error, first_bad, id, "the row's id is out of sequence");
          break;
        }
      computed
          = studio_library_audit_hash (prev_hash, id, sqlite3_column_int64 (stmt, 1), column_text (stmt, 2),
                                       column_text (stmt, 3), sqlite3_column_int64 (stmt, 4), column_text (stmt, 5));
      if (strcmp (computed, hash) != 0)
        {
          ok = broken (error, first_bad, id, "the row was edited: its content no longer matches its hash");
          break;
        }
      if (strcmp (prev_hash, expected_prev) != 0)
        {
          /* Row id-1 matches its own hash but not what this row recorded:
           * it was rewritten, hash included, after this row was written. */
          ok = broken (error, first_bad, id - 1,
                       "the row was replaced after row %" G_GINT64_FORMAT " was written (that row recorded a different "
                       "hash for it)",
                       id);
          break;
        }
      g_free (expected_prev);
      expected_prev = g_strdup (hash);
      expected_id++;
    }
  sqlite3_reset (stmt);
  if (!ok)
    goto out;
  if (rc != SQLITE_DONE)
    {
      studio_library_set_sqlite_error (lib, error, rc, "read the audit log");
      goto out_error;
    }
  if (head_id > expected_id - 1)
    ok = broken (error, first_bad, expected_id,
                 "the row was deleted: the log should end at row %" G_GINT64_FORMAT
                 " but ends at row %" G_GINT64_FORMAT,
                 head_id, expected_id - 1);
  else if (head_id < expected_id - 1)
    ok = broken (error, first_bad, head_id + 1,
                 "the row was added outside Allegro Studio (the log should end at row %" G_GINT64_FORMAT ")", head_id);
  else if (strcmp (head_hash, expected_prev) != 0)
    ok = broken (error, first_bad, head_id,
                 "the row was replaced: its hash differs from the one the chain's head recorded");
  if (ok && n_rows != NULL)
    *n_rows = expected_id - 1;

out:
  if (own_transaction)
    studio_library_exec (lib, "COMMIT", "read the audit log", NULL);
  return ok;

out_error:
  if (own_transaction)
    studio_library_exec (lib, "ROLLBACK", "read the audit log", NULL);
  return FALSE;
}
