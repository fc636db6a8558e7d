/* studio-library-private.h: shared by the library's own files, the fixture
 * generator and the tests; not for the application. */
#pragma once

#include <sqlite3.h>

#include "studio-library.h"

G_BEGIN_DECLS

struct _StudioLibrary
{
  GRecMutex mutex;
  char *dir;
  char *db_path;
  char *media_dir;
  sqlite3 *db;
  GHashTable *statements; /* SQL text -> sqlite3_stmt, prepared once */
  int batch_depth;        /* > 0 inside studio_library_batch_begin */
  int opened_version;
  GThreadPool *worker; /* studio-library-async.c: one thread, created on first use */
};

/* The busy timeout: how long a writer waits for another one. */
#define STUDIO_LIBRARY_BUSY_TIMEOUT_MS 30000

/* Sets ERROR from SQLite's state after RC, naming ACTION and the file. */
void studio_library_set_sqlite_error (StudioLibrary *lib, GError **error, int rc, const char *action);
/* Statement cache: returns a reset statement with no bindings. */
sqlite3_stmt *studio_library_prepare (StudioLibrary *lib, const char *sql, GError **error);
/* Runs SQL (several statements allowed) with no results. */
gboolean studio_library_exec (StudioLibrary *lib, const char *sql, const char *action, GError **error);

/* A write transaction: BEGIN IMMEDIATE, or a savepoint inside a batch. */
gboolean studio_library_begin (StudioLibrary *lib, GError **error);
gboolean studio_library_commit (StudioLibrary *lib, GError **error);
void studio_library_rollback (StudioLibrary *lib);

/* Schema (studio-library-schema.c).  Applies the migrations from the file's
 * version up to TARGET, each in its own transaction. */
gboolean studio_library_migrate (StudioLibrary *lib, int target, GError **error);
int studio_library_read_user_version (StudioLibrary *lib, GError **error);
/* Creates or opens DIR's library migrated only up to VERSION (the fixture
 * generator makes libraries of earlier versions with it). */
StudioLibrary *studio_library_open_at_version (const char *dir, int version, GError **error);

/* Audit (studio-library-audit.c).  Appends one row inside the caller's
 * transaction.  TAKE_ID 0 for none; DETAILS a JSON object (NULL: "{}"). */
gboolean studio_library_audit_append (StudioLibrary *lib, const char *actor, const char *action, gint64 take_id,
                                      const char *details, GError **error);
/* The row's hash: SHA-256 over the previous hash and each field,
 * length-prefixed so no two rows share an encoding. */
char *studio_library_audit_hash (const char *prev_hash, gint64 id, gint64 time, const char *actor, const char *action,
                                 gint64 take_id, const char *details);

/* Media (studio-library-media.c).  Removes temporary files left by dead
 * processes. */
void studio_library_media_cleanup (StudioLibrary *lib);
/* TRUE when NAME has the form media/<64 hex>[.ext] and the file exists. */
gboolean studio_library_media_exists (StudioLibrary *lib, const char *name);
/* Hashes the file and compares with its name. */
gboolean studio_library_media_verify (StudioLibrary *lib, const char *name, GError **error);

/* The clock used for every time stamp (microseconds since 1970 UTC). */
gint64 studio_library_now (void);

G_END_DECLS
