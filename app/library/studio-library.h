/* studio-library.h: the project library, a folder holding library.sqlite and
 * media/ (files named by their content's SHA-256).
 *
 * Projects hold takes; a take keeps its full recipe, its render status and
 * its media.  Legal reviewers record decisions and clear a checklist,
 * managers rate, shortlist, tag and export, creatives create and render,
 * admins manage members.  The library enforces the roles itself: a refused
 * action returns STUDIO_LIBRARY_ERROR_REFUSED and is recorded in the audit
 * log.  An approval locks a take: its recipe, media and checklist can no
 * longer change (triggers in the database enforce it too); a change is a new
 * take with the old one as parent.
 *
 * Every write is one transaction (BEGIN IMMEDIATE) that also appends a row
 * to the hash-chained audit log.  Several processes may use one library at
 * once: writers wait for each other (busy timeout), readers never wait.
 *
 * Thread-safety: a StudioLibrary may be used from any thread; calls are
 * serialised by a lock inside it.  The GUI uses studio-library-async.h so
 * that its main thread never waits on the database.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define STUDIO_LIBRARY_ERROR (studio_library_error_quark ())
GQuark studio_library_error_quark (void);

typedef enum
{
  STUDIO_LIBRARY_ERROR_FAILED,      /* SQLite or the file system failed; the message says how */
  STUDIO_LIBRARY_ERROR_NO_LIBRARY,  /* the folder holds no library (run init) */
  STUDIO_LIBRARY_ERROR_NOT_LIBRARY, /* library.sqlite is not SQLite, or not an Allegro Studio library */
  STUDIO_LIBRARY_ERROR_CORRUPT,     /* library.sqlite is damaged; it was left untouched */
  STUDIO_LIBRARY_ERROR_TOO_NEW,     /* written by a newer Allegro Studio; left untouched */
  STUDIO_LIBRARY_ERROR_BUSY,        /* another program held the library for longer than the busy timeout */
  STUDIO_LIBRARY_ERROR_NOT_FOUND,   /* no such take, project or member */
  STUDIO_LIBRARY_ERROR_EXISTS,      /* the name is taken, or the item was already recorded */
  STUDIO_LIBRARY_ERROR_INVALID,     /* bad input: invalid UTF-8, too long, out of range */
  STUDIO_LIBRARY_ERROR_REFUSED,     /* the member's role does not allow the action (recorded in the audit log) */
  STUDIO_LIBRARY_ERROR_LOCKED,      /* the take is approved and locked */
  STUDIO_LIBRARY_ERROR_STATE,       /* not allowed in the take's current state (e.g. review before render) */
} StudioLibraryError;

/* The schema version this build writes (PRAGMA user_version). */
#define STUDIO_LIBRARY_SCHEMA_VERSION 3
/* PRAGMA application_id of every library: "AlSt". */
#define STUDIO_LIBRARY_APPLICATION_ID 0x416c5374

/* Longest accepted texts, in bytes. */
#define STUDIO_LIBRARY_MAX_NAME 256
#define STUDIO_LIBRARY_MAX_TEXT 65536 /* prompts, notes, briefs, titles, paths */
#define STUDIO_LIBRARY_MAX_TAG 64

typedef enum
{
  STUDIO_ROLE_CREATIVE,
  STUDIO_ROLE_LEGAL,
  STUDIO_ROLE_MANAGER,
  STUDIO_ROLE_ADMIN,
} StudioRole;

typedef enum
{
  STUDIO_TAKE_DRAFT,
  STUDIO_TAKE_FINAL,
  STUDIO_TAKE_IMPORTED,
} StudioTakeKind;

typedef enum
{
  STUDIO_RENDER_QUEUED,
  STUDIO_RENDER_RUNNING,
  STUDIO_RENDER_DONE,
  STUDIO_RENDER_FAILED,
  STUDIO_RENDER_CANCELLED,
} StudioRenderStatus;

/* Decisions, worst first: a take's status is its worst current decision. */
typedef enum
{
  STUDIO_DECISION_REJECTED,
  STUDIO_DECISION_CHANGES_REQUIRED,
  STUDIO_DECISION_APPROVED_WITH_CHANGES,
  STUDIO_DECISION_APPROVED,
} StudioDecision;

/* A take's review status: STUDIO_STATUS_NEEDS_REVIEW when no decision has
 * been recorded, otherwise the worst of each reviewer's latest decision. */
typedef enum
{
  STUDIO_STATUS_REJECTED = STUDIO_DECISION_REJECTED,
  STUDIO_STATUS_CHANGES_REQUIRED = STUDIO_DECISION_CHANGES_REQUIRED,
  STUDIO_STATUS_APPROVED_WITH_CHANGES = STUDIO_DECISION_APPROVED_WITH_CHANGES,
  STUDIO_STATUS_APPROVED = STUDIO_DECISION_APPROVED,
  STUDIO_STATUS_NEEDS_REVIEW,
} StudioReviewStatus;

/* The clearance checklist, one of each per take. */
typedef enum
{
  STUDIO_CLEARANCE_LIKENESS,   /* likeness and portrait rights */
  STUDIO_CLEARANCE_TRADEMARKS, /* trademarks and logos */
  STUDIO_CLEARANCE_LICENCES,   /* licences of source material */
  STUDIO_CLEARANCE_DISCLOSURE, /* AI-content disclosure label */
} StudioClearance;
#define STUDIO_CLEARANCE_COUNT 4

/* Names used in the database, the command line and JSON ("needs-review",
 * "approved-with-changes", "likeness", ...).  The parsers return FALSE for
 * an unknown name. */
const char *studio_role_to_string (StudioRole role);
gboolean studio_role_from_string (const char *text, StudioRole *role);
const char *studio_take_kind_to_string (StudioTakeKind kind);
gboolean studio_take_kind_from_string (const char *text, StudioTakeKind *kind);
const char *studio_render_status_to_string (StudioRenderStatus status);
gboolean studio_render_status_from_string (const char *text, StudioRenderStatus *status);
const char *studio_decision_to_string (StudioDecision decision);
gboolean studio_decision_from_string (const char *text, StudioDecision *decision);
const char *studio_review_status_to_string (StudioReviewStatus status);
gboolean studio_review_status_from_string (const char *text, StudioReviewStatus *status);
const char *studio_clearance_to_string (StudioClearance item);
gboolean studio_clearance_from_string (const char *text, StudioClearance *item);
/* A sentence for people: "likeness and portrait rights". */
const char *studio_clearance_describe (StudioClearance item);

/* Everything needed to render a take again. */
typedef struct
{
  char *prompt;          /* never NULL in results */
  char *negative_prompt; /* never NULL from studio_library_get_take; NULL in lists */
  gint64 seed;
  int steps;
  double guidance;
  int width;
  int height;
  int frames;
  double fps;
  char *scheduler;      /* e.g. "euler-ancestral"; "" when unknown */
  char *model_name;     /* e.g. "rhymes-ai/Allegro" */
  char *model_hash;     /* SHA-256 of the model's weights */
  char *engine_version; /* allegro-studio version that rendered it */
  char *device;         /* the Vulkan device's name */
} StudioRecipe;

typedef struct
{
  gint64 id;
  char *name;
  StudioRole role;
  gint64 created_at; /* microseconds since 1970, UTC */
} StudioMember;

typedef struct
{
  gint64 id;
  char *name;
  char *brief;
  gboolean archived;
  gint64 created_at;
  char *created_by;
  gint64 n_takes;
} StudioProject;

typedef struct
{
  gint64 id;
  gint64 take_id;
  char *member;
  StudioDecision decision;
  char *note;   /* "" when none */
  gint64 frame; /* -1 when the note is not pinned to a frame */
  gint64 time;
} StudioReview;

typedef struct
{
  StudioClearance item;
  char *member;      /* who cleared it; NULL while not cleared */
  gint64 cleared_at; /* 0 while not cleared */
} StudioClearanceItem;

typedef struct
{
  gint64 id;
  gint64 project_id;
  char *project;
  StudioTakeKind kind;
  gint64 parent_id; /* 0 when none */
  char *title;
  char *created_by;
  gint64 created_at;
  StudioRecipe recipe;
  char *source;  /* imported footage: where it came from; "" otherwise */
  char *licence; /* imported footage: its licence; "" otherwise */
  StudioRenderStatus render_status;
  char *render_error;                        /* "" unless failed */
  gint64 queued_at, started_at, finished_at; /* 0 when not reached */
  /* Media, relative to the library folder ("media/<sha256>.mp4"); NULL when none. */
  char *video;
  char *poster;
  char *preview_strip;
  char *latent;
  StudioReviewStatus review_status;
  gboolean locked;
  gboolean shortlisted;
  double rating; /* mean of the members' ratings; 0 when unrated */
  int n_ratings;

  /* Filled by studio_library_get_take only: in lists (a summary) these are
   * NULL, and of the recipe only the prompt and seed are set; the
   * negative prompt, the other recipe fields, source, licence, render error,
   * timings and latent are NULL or 0. */
  GPtrArray *reviews; /* StudioReview, oldest first */
  StudioClearanceItem checklist[STUDIO_CLEARANCE_COUNT];
  GPtrArray *tags;   /* char *, sorted */
  GArray *ancestors; /* gint64: parent, grandparent, ... */
  GArray *children;  /* gint64: takes made from this one */
} StudioTake;

typedef struct
{
  gint64 id;
  gint64 time;
  char *actor;
  char *action;    /* "take-created", "reviewed", "locked", "refused", ... */
  gint64 take_id;  /* 0 when the row is not about one take */
  char *details;   /* a JSON object */
  char *prev_hash; /* SHA-256 (hex) of the previous row; 64 zeros for the first */
  char *hash;      /* SHA-256 (hex) of prev_hash and this row's content */
} StudioAuditRow;

void studio_recipe_clear (StudioRecipe *recipe);
void studio_recipe_copy (const StudioRecipe *from, StudioRecipe *to);

GType studio_member_get_type (void) G_GNUC_CONST;
GType studio_project_get_type (void) G_GNUC_CONST;
GType studio_review_get_type (void) G_GNUC_CONST;
GType studio_take_get_type (void) G_GNUC_CONST;
GType studio_audit_row_get_type (void) G_GNUC_CONST;
#define STUDIO_TYPE_MEMBER (studio_member_get_type ())
#define STUDIO_TYPE_PROJECT (studio_project_get_type ())
#define STUDIO_TYPE_REVIEW (studio_review_get_type ())
#define STUDIO_TYPE_TAKE (studio_take_get_type ())
#define STUDIO_TYPE_AUDIT_ROW (studio_audit_row_get_type ())

StudioMember *studio_member_copy (const StudioMember *member);
void studio_member_free (StudioMember *member);
StudioProject *studio_project_copy (const StudioProject *project);
void studio_project_free (StudioProject *project);
StudioReview *studio_review_copy (const StudioReview *review);
void studio_review_free (StudioReview *review);
StudioTake *studio_take_copy (const StudioTake *take);
void studio_take_free (StudioTake *take);
StudioAuditRow *studio_audit_row_copy (const StudioAuditRow *row);
void studio_audit_row_free (StudioAuditRow *row);

typedef struct _StudioLibrary StudioLibrary;

typedef enum
{
  STUDIO_LIBRARY_OPEN_DEFAULT = 0,
  /* Create the folder and an empty library when there is none. */
  STUDIO_LIBRARY_OPEN_CREATE = 1 << 0,
} StudioLibraryOpenFlags;

/* $XDG_DATA_HOME/allegro-studio (the folder is not created). */
char *studio_library_default_dir (void);

/* Opens (and migrates) the library in DIR.  A file that is not an Allegro
 * Studio library, a damaged one, or one written by a newer version is
 * refused with an error naming it, and left untouched. */
StudioLibrary *studio_library_open (const char *dir, StudioLibraryOpenFlags flags, GError **error);
void studio_library_close (StudioLibrary *lib);
const char *studio_library_get_dir (StudioLibrary *lib);
/* The schema version the file had before this open migrated it. */
int studio_library_get_opened_version (StudioLibrary *lib);

/* Creates the library in DIR (folder included) with its first admin.
 * Fails with STUDIO_LIBRARY_ERROR_EXISTS when DIR already has members. */
StudioLibrary *studio_library_init (const char *dir, const char *admin, GError **error);

/* Groups the following writes into one transaction until commit or rollback
 * (bulk imports, the benchmark); each write inside it is a savepoint.  Only
 * for a single thread's use. */
gboolean studio_library_batch_begin (StudioLibrary *lib, GError **error);
gboolean studio_library_batch_commit (StudioLibrary *lib, GError **error);
void studio_library_batch_rollback (StudioLibrary *lib);

/* Members.  Only admins add members or change roles; the last admin keeps
 * the admin role. */
StudioMember *studio_library_add_member (StudioLibrary *lib, const char *actor, const char *name, StudioRole role,
                                         GError **error);
gboolean studio_library_set_member_role (StudioLibrary *lib, const char *actor, const char *name, StudioRole role,
                                         GError **error);
StudioMember *studio_library_get_member (StudioLibrary *lib, const char *name, GError **error);
GPtrArray *studio_library_list_members (StudioLibrary *lib, GError **error);

/* Projects: added by creatives, managers and admins. */
StudioProject *studio_library_add_project (StudioLibrary *lib, const char *actor, const char *name, const char *brief,
                                           GError **error);
gboolean studio_library_set_project_archived (StudioLibrary *lib, const char *actor, const char *name,
                                              gboolean archived, GError **error);
GPtrArray *studio_library_list_projects (StudioLibrary *lib, GError **error);

/* Media: copies the file (or the bytes) into media/ under its SHA-256 and an
 * extension (lower-case letters and digits, at most 8), through a temporary
 * name, fsync and rename, so a crash never leaves a partial file under a
 * real name.  Returns the name relative to the library folder, e.g.
 * "media/3a7bd3e2...c4.mp4"; adding the same content twice gives the same
 * name.  EXTENSION may be NULL (taken from PATH, or none). */
char *studio_library_add_media_file (StudioLibrary *lib, const char *path, const char *extension, GError **error);
char *studio_library_add_media_bytes (StudioLibrary *lib, GBytes *bytes, const char *extension, GError **error);
/* The absolute path of a media name returned above. */
char *studio_library_media_path (StudioLibrary *lib, const char *name);

typedef struct
{
  const char *project; /* project name */
  StudioTakeKind kind; /* draft or final (imports use studio_library_import) */
  gint64 parent_id;    /* 0 for none; must be in the same project */
  const char *title;   /* NULL: the first words of the prompt */
  const StudioRecipe *recipe;
} StudioTakeParams;

/* Creates a take (render status queued) for a creative or admin; returns its
 * id, or 0 with ERROR set. */
gint64 studio_library_create_take (StudioLibrary *lib, const char *actor, const StudioTakeParams *params,
                                   GError **error);
/* Keeps existing footage as an imported take (render status done): the file
 * is copied into media/.  TITLE NULL: the file's name. */
gint64 studio_library_import (StudioLibrary *lib, const char *actor, const char *project, const char *path,
                              const char *title, const char *source, const char *licence, GError **error);

/* Render progress, by a creative or admin.  Allowed moves: queued -> running
 * or cancelled; running -> done, failed, cancelled or queued (resumed);
 * failed or cancelled -> queued.  A done take stays done.  ERROR_TEXT is
 * kept for failed.  Timings are recorded on each move. */
gboolean studio_library_set_render_status (StudioLibrary *lib, gint64 take_id, const char *actor,
                                           StudioRenderStatus status, const char *error_text, GError **error);

/* Media names from studio_library_add_media_*; NULL fields stay unchanged.
 * Each named file must exist in media/. */
typedef struct
{
  const char *video;
  const char *poster;
  const char *preview_strip;
  const char *latent;
} StudioTakeMedia;

gboolean studio_library_set_take_media (StudioLibrary *lib, gint64 take_id, const char *actor,
                                        const StudioTakeMedia *media, GError **error);

StudioTake *studio_library_get_take (StudioLibrary *lib, gint64 take_id, GError **error);

typedef struct
{
  const char *project;    /* NULL: every project */
  gboolean filter_status; /* when TRUE, only takes whose review status is STATUS */
  StudioReviewStatus status;
  const char *search; /* NULL: no full-text search; words are ANDed, no query syntax */
  gboolean shortlisted_only;
  int limit; /* 0: no limit */
} StudioTakeQuery;

/* Takes matching QUERY, newest first: StudioTake summaries (see
 * StudioTake); studio_library_get_take reads one in full. */
GPtrArray *studio_library_list_takes (StudioLibrary *lib, const StudioTakeQuery *query, GError **error);

/* Legal reviewers and admins: a decision, with an optional note pinned to a
 * frame (FRAME -1 for none).  The take must have finished rendering.  An
 * approval (with or without changes) locks the take. */
gboolean studio_library_review (StudioLibrary *lib, gint64 take_id, const char *actor, StudioDecision decision,
                                const char *note, gint64 frame, GError **error);
/* Legal reviewers and admins: marks one checklist item cleared. */
gboolean studio_library_clear (StudioLibrary *lib, gint64 take_id, const char *actor, StudioClearance item,
                               GError **error);
/* Managers and admins. */
gboolean studio_library_rate (StudioLibrary *lib, gint64 take_id, const char *actor, int stars, GError **error);
gboolean studio_library_shortlist (StudioLibrary *lib, gint64 take_id, const char *actor, gboolean shortlisted,
                                   GError **error);
gboolean studio_library_tag (StudioLibrary *lib, gint64 take_id, const char *actor, const char *tag, GError **error);
/* Managers and admins may export a take that is approved (with or without
 * changes) or a draft; the export is recorded in the audit log. */
gboolean studio_library_record_export (StudioLibrary *lib, gint64 take_id, const char *actor, const char *path,
                                       const char *format, GError **error);
/* The export command's rule: an approved take, or any take when AS_DRAFT
 * (the export then carries the DRAFT label, and the audit row says so). */
gboolean studio_library_record_export_full (StudioLibrary *lib, gint64 take_id, const char *actor, const char *path,
                                            const char *format, gboolean as_draft, GError **error);

/* The audit log, oldest first; rows after AFTER_ID, at most LIMIT (0: all). */
GPtrArray *studio_library_list_audit (StudioLibrary *lib, gint64 after_id, int limit, GError **error);
/* Walks the hash chain.  Returns TRUE when intact (N_ROWS set); otherwise
 * FALSE with FIRST_BAD set to the first bad row's id and ERROR saying what
 * is wrong with it (edited, deleted, inserted, or the chain's head moved). */
gboolean studio_library_verify_audit (StudioLibrary *lib, gint64 *n_rows, gint64 *first_bad, GError **error);

/* The whole check: PRAGMA integrity_check, foreign keys, the audit chain, and
 * every media file a take names (present, and matching its hash).  Returns
 * FALSE with the first problem in ERROR. */
gboolean studio_library_check (StudioLibrary *lib, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StudioLibrary, studio_library_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StudioMember, studio_member_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StudioProject, studio_project_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StudioReview, studio_review_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StudioTake, studio_take_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StudioAuditRow, studio_audit_row_free)

G_END_DECLS
