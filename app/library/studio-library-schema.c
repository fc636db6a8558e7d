/* studio-library-schema.c: the schema's history.  Each migration runs in one
 * BEGIN IMMEDIATE transaction that also sets PRAGMA user_version, so a crash
 * leaves the file at one version or the next, never between.  Migrations are
 * never edited once released: tests/library/data holds a library of every
 * earlier version, and opening each must migrate it and keep every row. */
#define G_LOG_DOMAIN "studio-library"

#include "studio-library-private.h"

typedef struct
{
  int version;
  const char *reason;
  const char *sql;
} Migration;

static const Migration migrations[] = {
  { 1, "the first schema: members, projects, takes with their recipes, reviews, the audit log",
    "CREATE TABLE members ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  role TEXT NOT NULL CHECK (role IN ('creative', 'legal', 'manager', 'admin')),"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE projects ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  brief TEXT NOT NULL DEFAULT '',"
    "  archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),"
    "  created_by INTEGER NOT NULL REFERENCES members (id),"
    "  created_at INTEGER NOT NULL);"
    /* review_status caches the derived status (0 rejected, 1 changes
     * required, 2 approved with changes, 3 approved, 4 needs review); only
     * the reviews trigger below writes it. */
    "CREATE TABLE takes ("
    "  id INTEGER PRIMARY KEY,"
    "  project_id INTEGER NOT NULL REFERENCES projects (id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('draft', 'final', 'imported')),"
    "  parent_id INTEGER REFERENCES takes (id),"
    "  title TEXT NOT NULL DEFAULT '',"
    "  created_by INTEGER NOT NULL REFERENCES members (id),"
    "  created_at INTEGER NOT NULL,"
    "  prompt TEXT NOT NULL DEFAULT '',"
    "  negative_prompt TEXT NOT NULL DEFAULT '',"
    "  seed INTEGER NOT NULL DEFAULT 0,"
    "  steps INTEGER NOT NULL DEFAULT 0,"
    "  guidance REAL NOT NULL DEFAULT 0,"
    "  width INTEGER NOT NULL DEFAULT 0,"
    "  height INTEGER NOT NULL DEFAULT 0,"
    "  frames INTEGER NOT NULL DEFAULT 0,"
    "  fps REAL NOT NULL DEFAULT 0,"
    "  scheduler TEXT NOT NULL DEFAULT '',"
    "  model_name TEXT NOT NULL DEFAULT '',"
    "  model_hash TEXT NOT NULL DEFAULT '',"
    "  engine_version TEXT NOT NULL DEFAULT '',"
    "  device TEXT NOT NULL DEFAULT '',"
    "  source TEXT NOT NULL DEFAULT '',"
    "  licence TEXT NOT NULL DEFAULT '',"
    "  render_status TEXT NOT NULL DEFAULT 'queued'"
    "    CHECK (render_status IN ('queued', 'running', 'done', 'failed', 'cancelled')),"
    "  render_error TEXT NOT NULL DEFAULT '',"
    "  queued_at INTEGER NOT NULL DEFAULT 0,"
    "  started_at INTEGER NOT NULL DEFAULT 0,"
    "  finished_at INTEGER NOT NULL DEFAULT 0,"
    "  video TEXT,"
    "  poster TEXT,"
    "  preview_strip TEXT,"
    "  latent TEXT,"
    "  review_status INTEGER NOT NULL DEFAULT 4 CHECK (review_status BETWEEN 0 AND 4),"
    "  locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)));"
    "CREATE INDEX takes_by_project ON takes (project_id, review_status, id);"
    "CREATE INDEX takes_by_status ON takes (review_status, id);"
    "CREATE INDEX takes_by_parent ON takes (parent_id);"
    "CREATE TABLE reviews ("
    "  id INTEGER PRIMARY KEY,"
    "  take_id INTEGER NOT NULL REFERENCES takes (id),"
    "  member_id INTEGER NOT NULL REFERENCES members (id),"
    "  decision TEXT NOT NULL"
    "    CHECK (decision IN ('rejected', 'changes-required', 'approved-with-changes', 'approved')),"
    "  note TEXT NOT NULL DEFAULT '',"
    "  frame INTEGER,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX reviews_by_take ON reviews (take_id, member_id, id);"
    /* The status is the worst of each reviewer's latest decision. */
    "CREATE TRIGGER reviews_derive_status AFTER INSERT ON reviews BEGIN"
    "  UPDATE takes SET review_status = ("
    "    SELECT min (CASE r.decision WHEN 'rejected' THEN 0 WHEN 'changes-required' THEN 1"
    "                 WHEN 'approved-with-changes' THEN 2 ELSE 3 END)"
    "    FROM reviews r"
    "    WHERE r.take_id = NEW.take_id"
    "      AND r.id = (SELECT max (r2.id) FROM reviews r2"
    "                  WHERE r2.take_id = NEW.take_id AND r2.member_id = r.member_id))"
    "  WHERE id = NEW.take_id;"
    "END;"
    "CREATE TRIGGER takes_locked BEFORE UPDATE OF project_id, kind, parent_id, created_by, created_at, prompt,"
    "  negative_prompt, seed, steps, guidance, width, height, frames, fps, scheduler, model_name, model_hash,"
    "  engine_version, device, source, licence, render_status, render_error, queued_at, started_at, finished_at,"
    "  video, poster, preview_strip, latent ON takes WHEN OLD.locked = 1 BEGIN"
    "  SELECT RAISE (ABORT, 'the take is approved and locked: its recipe and media cannot change');"
    "END;"
    "CREATE TRIGGER takes_stay_locked BEFORE UPDATE OF locked ON takes WHEN OLD.locked = 1 AND NEW.locked <> 1 BEGIN"
    "  SELECT RAISE (ABORT, 'the take is approved and locked: it cannot be unlocked');"
    "END;"
    "CREATE TRIGGER takes_kept BEFORE DELETE ON takes BEGIN"
    "  SELECT RAISE (ABORT, 'takes are never deleted');"
    "END;"
    "CREATE TRIGGER reviews_kept BEFORE DELETE ON reviews BEGIN"
    "  SELECT RAISE (ABORT, 'review decisions are never deleted');"
    "END;"
    "CREATE TRIGGER reviews_unchanged BEFORE UPDATE ON reviews BEGIN"
    "  SELECT RAISE (ABORT, 'review decisions are never changed');"
    "END;"
    /* The audit log: each row's hash covers its predecessor's hash and its
     * own content; audit_head holds the last row so that a deleted tail is
     * found too. */
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY,"
    "  time INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  take_id INTEGER,"
    "  details TEXT NOT NULL,"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL);"
    "CREATE TABLE audit_head ("
    "  one INTEGER PRIMARY KEY CHECK (one = 1),"
    "  last_id INTEGER NOT NULL,"
    "  last_hash TEXT NOT NULL);"
    "INSERT INTO audit_head VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');"
    "CREATE TRIGGER audit_kept BEFORE DELETE ON audit BEGIN"
    "  SELECT RAISE (ABORT, 'the audit log is append-only');"
    "END;"
    "CREATE TRIGGER audit_unchanged BEFORE UPDATE ON audit BEGIN"
    "  SELECT RAISE (ABORT, 'the audit log is append-only');"
    "END;" },

  { 2, "the clearance checklist (locked with its take), and managers' tags, ratings and shortlist",
    "CREATE TABLE checklist ("
    "  take_id INTEGER NOT NULL REFERENCES takes (id),"
    "  item TEXT NOT NULL CHECK (item IN ('likeness', 'trademarks', 'licences', 'disclosure')),"
    "  member_id INTEGER NOT NULL REFERENCES members (id),"
    "  cleared_at INTEGER NOT NULL,"
    "  PRIMARY KEY (take_id, item)) WITHOUT ROWID;"
    "CREATE TRIGGER checklist_locked_insert BEFORE INSERT ON checklist"
    "  WHEN (SELECT locked FROM takes WHERE id = NEW.take_id) = 1 BEGIN"
    "  SELECT RAISE (ABORT, 'the take is approved and locked: its checklist cannot change');"
    "END;"
    "CREATE TRIGGER checklist_locked_update BEFORE UPDATE ON checklist"
    "  WHEN (SELECT locked FROM takes WHERE id = OLD.take_id) = 1 BEGIN"
    "  SELECT RAISE (ABORT, 'the take is approved and locked: its checklist cannot change');"
    "END;"
    "CREATE TRIGGER checklist_locked_delete BEFORE DELETE ON checklist"
    "  WHEN (SELECT locked FROM takes WHERE id = OLD.take_id) = 1 BEGIN"
    "  SELECT RAISE (ABORT, 'the take is approved and locked: its checklist cannot change');"
    "END;"
    "CREATE TABLE tags ("
    "  take_id INTEGER NOT NULL REFERENCES takes (id),"
    "  tag TEXT NOT NULL,"
    "  member_id INTEGER NOT NULL REFERENCES members (id),"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (take_id, tag)) WITHOUT ROWID;"
    "CREATE INDEX tags_by_tag ON tags (tag);"
    "CREATE TABLE ratings ("
    "  take_id INTEGER NOT NULL REFERENCES takes (id),"
    "  member_id INTEGER NOT NULL REFERENCES members (id),"
    "  stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (take_id, member_id)) WITHOUT ROWID;"
    "CREATE TABLE shortlist ("
    "  take_id INTEGER PRIMARY KEY REFERENCES takes (id),"
    "  member_id INTEGER NOT NULL REFERENCES members (id),"
    "  created_at INTEGER NOT NULL);" },

  { 3, "full-text search (FTS5) over titles, prompts, review notes and tags, filled from the existing rows",
    "CREATE VIRTUAL TABLE take_search USING fts5 (prompt, notes, tags, tokenize = 'unicode61 remove_diacritics 2');"
    "INSERT INTO take_search (rowid, prompt, notes, tags)"
    "  SELECT t.id, t.title || ' ' || t.prompt,"
    "    coalesce ((SELECT group_concat (r.note, ' ') FROM reviews r WHERE r.take_id = t.id AND r.note <> ''), ''),"
    "    coalesce ((SELECT group_concat (g.tag, ' ') FROM tags g WHERE g.take_id = t.id), '')"
    "  FROM takes t;"
    "CREATE TRIGGER takes_search_insert AFTER INSERT ON takes BEGIN"
    "  INSERT INTO take_search (rowid, prompt, notes, tags) VALUES (NEW.id, NEW.title || ' ' || NEW.prompt, '', '');"
    "END;"
    "CREATE TRIGGER takes_search_update AFTER UPDATE OF title, prompt ON takes BEGIN"
    "  UPDATE take_search SET prompt = NEW.title || ' ' || NEW.prompt WHERE rowid = NEW.id;"
    "END;"
    "CREATE TRIGGER reviews_search AFTER INSERT ON reviews WHEN NEW.note <> '' BEGIN"
    "  UPDATE take_search SET notes = notes || ' ' || NEW.note WHERE rowid = NEW.take_id;"
    "END;"
    "CREATE TRIGGER tags_search AFTER INSERT ON tags BEGIN"
    "  UPDATE take_search SET tags = tags || ' ' || NEW.tag WHERE rowid = NEW.take_id;"
    "END;" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == STUDIO_LIBRARY_SCHEMA_VERSION);

int
studio_library_read_user_version (StudioLibrary *lib, GError **error)
{
  sqlite3_stmt *stmt = studio_library_prepare (lib, "PRAGMA user_version", error);
  int rc;
  int version;

  if (stmt == NULL)
    return -1;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      studio_library_set_sqlite_error (lib, error, rc, "read the schema version");
      sqlite3_reset (stmt);
      return -1;
    }
  version = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return version;
}

gboolean
studio_library_migrate (StudioLibrary *lib, int target, GError **error)
{
  g_return_val_if_fail (target >= 1 && target <= STUDIO_LIBRARY_SCHEMA_VERSION, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (migrations) && migrations[i].version <= target; i++)
    {
      const Migration *step = &migrations[i];
      g_autofree char *set_version = NULL;
      g_autofree char *action = NULL;
      int version;

      if (!studio_library_begin (lib, error))
        return FALSE;
      /* Read inside the transaction: another process may have migrated
       * the file since this one looked. */
      version = studio_library_read_user_version (lib, error);
      if (version < 0)
        goto fail;
      if (version >= step->version)
        {
          studio_library_rollback (lib);
          continue;
        }
      g_debug ("migrating %s to schema version %d: %s", lib->db_path, step->version, step->reason);
      action = g_strdup_printf ("migrate the library to schema version %d (%s)", step->version, step->reason);
      if (!studio_library_exec (lib, step->sql, action, error))
        goto fail;
      set_version = g_strdup_printf ("PRAGMA user_version = %d; PRAGMA application_id = %d", step->version,
                                     STUDIO_LIBRARY_APPLICATION_ID);
      if (!studio_library_exec (lib, set_version, action, error))
        goto fail;
      /* A new library's creation is not a migration; an existing one's is. */
      if (lib->opened_version > 0)
        {
          g_autofree char *details = g_strdup_printf ("{\"from\": %d, \"to\": %d}", version, step->version);
          if (!studio_library_audit_append (lib, "allegro-studio", "library-migrated", 0, details, error))
            goto fail;
        }
      if (!studio_library_commit (lib, error))
        goto fail;
      continue;

    fail:
      studio_library_rollback (lib);
      return FALSE;
    }
  return TRUE;
}
