/* studio-export.h: export of a take's stored video for delivery: decoded,
 * labelled, re-encoded with its provenance in the container and in a
 * FILE.provenance.json sidecar.  OUT_PATH appears complete or not at all. */
#pragma once

#include <gio/gio.h>

#include "studio-media.h"
#include "studio-provenance.h"

G_BEGIN_DECLS

/* Called after each frame with the frames done and the total. */
typedef void (*StudioExportProgress) (gint64 done, gint64 total, gpointer user_data);

/* PROVENANCE is copied; the copy records the format, the labels and the
 * time of export.  LABEL_AI burns "AI-generated", LABEL_DRAFT "DRAFT". */
gboolean studio_media_export (const char *source_video, const char *out_path, StudioMediaFormat format,
                              const StudioProvenance *provenance, gboolean label_ai, gboolean label_draft,
                              GError **error);

/* The same with a quality (STUDIO_ENCODER_QUALITY_DEFAULT or a CRF), a
 * progress callback (may be NULL) and a cancellable (may be NULL). */
gboolean studio_media_export_full (const char *source_video, const char *out_path, StudioMediaFormat format,
                                   const StudioProvenance *provenance, gboolean label_ai, gboolean label_draft,
                                   int quality, StudioExportProgress progress, gpointer user_data,
                                   GCancellable *cancellable, GError **error);

G_END_DECLS
