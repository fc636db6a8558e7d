/* studio-provenance.h: the record of how a video was made and who cleared
 * it, carried inside the container (MP4 tags with use_metadata_tags, WebM
 * tags) and in a FILE.provenance.json sidecar.  Both hold the same JSON:
 *
 *   { "schema": "allegro-studio/provenance/1", "ai_generated": true,
 *     "digital_source_type": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
 *     "disclosure": "AI-generated", "title", "comment", "take_id", "review_status",
 *     "model": { "name", "hash" },
 *     "recipe": { "prompt", "negative_prompt", "seed", "steps", "guidance", "width", "height", "frames", "fps" },
 *     "engine_version", "approvals": [ { "name", "role", "decision", "time" } ],
 *     "export": { "format", "label_ai", "label_draft", "exported_at" } }
 *
 * Strings may be NULL (written as JSON null).  Times are ISO 8601 in UTC. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The container tag holding the JSON record. */
#define STUDIO_PROVENANCE_TAG "com.allegro-studio.provenance"
#define STUDIO_PROVENANCE_SCHEMA "allegro-studio/provenance/1"
/* IPTC's term for media made by a trained model (what C2PA and the ad
 * platforms' AI labels use). */
#define STUDIO_PROVENANCE_SOURCE_TYPE "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"

typedef struct
{
  char *name;     /* who decided */
  char *role;     /* "legal", "manager", ... */
  char *decision; /* "approved", "approved with changes", ... */
  char *time;     /* ISO 8601, UTC */
} StudioApproval;

typedef struct
{
  char *title;
  char *comment;
  char *take_id;
  char *review_status; /* the take's status when exported, e.g. "approved", "in review" */

  char *model_name;
  char *model_hash; /* content hash of the weights, e.g. "sha256:..." */
  char *prompt;
  char *negative_prompt;
  guint64 seed;
  int steps;
  double guidance;
  int width;
  int height;
  int frames;
  double fps;
  char *engine_version;

  gboolean ai_generated; /* TRUE from studio_provenance_new */
  GPtrArray *approvals;  /* of StudioApproval */

  /* Filled in by studio_media_export. */
  char *export_format;
  gboolean label_ai;
  gboolean label_draft;
  char *exported_at;
} StudioProvenance;

StudioProvenance *studio_provenance_new (void);
StudioProvenance *studio_provenance_copy (const StudioProvenance *self);
void studio_provenance_free (StudioProvenance *self);
void studio_provenance_add_approval (StudioProvenance *self, const char *name, const char *role, const char *decision,
                                     const char *time);

/* Compact (PRETTY FALSE) or indented JSON. */
char *studio_provenance_to_json (const StudioProvenance *self, gboolean pretty);
/* WHERE names the source in error messages (a file name). */
StudioProvenance *studio_provenance_from_json (const char *json, const char *where, GError **error);
gboolean studio_provenance_equal (const StudioProvenance *a, const StudioProvenance *b);

/* Container tags: title, comment, description, ai_generated and
 * STUDIO_PROVENANCE_TAG, as key, value, ..., NULL for studio_encoder_open. */
GStrv studio_provenance_to_metadata (const StudioProvenance *self);

/* "FILE.provenance.json". */
char *studio_provenance_sidecar_path (const char *media_path);
/* Writes the sidecar of MEDIA_PATH atomically. */
gboolean studio_provenance_write_sidecar (const StudioProvenance *self, const char *media_path, GError **error);

typedef enum
{
  STUDIO_PROVENANCE_FROM_CONTAINER,
  STUDIO_PROVENANCE_FROM_SIDECAR,
} StudioProvenanceSource;

/* From the container's tags; STUDIO_MEDIA_ERROR_NOT_FOUND when it has none. */
StudioProvenance *studio_provenance_read_container (const char *media_path, GError **error);
/* From MEDIA_PATH's sidecar; STUDIO_MEDIA_ERROR_NOT_FOUND when there is none. */
StudioProvenance *studio_provenance_read_sidecar (const char *media_path, GError **error);
/* PATH is a video (its tags, else its sidecar) or a .provenance.json file.
 * SOURCE (may be NULL) says which was read. */
StudioProvenance *studio_provenance_read (const char *path, StudioProvenanceSource *source, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StudioProvenance, studio_provenance_free)

G_END_DECLS
