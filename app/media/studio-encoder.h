/* studio-encoder.h: a streaming video encoder.  Frames are written as they
 * arrive, so memory stays flat whatever the length.  The file appears under
 * its final name only when studio_encoder_finish succeeds: until then it is a
 * hidden temporary file in the same folder, removed on any error (a full disk
 * included) and by studio_encoder_abort / studio_encoder_free.
 *
 * One thread at a time per encoder. */
#pragma once

#include <glib.h>

#include "studio-media.h"

G_BEGIN_DECLS

typedef struct _StudioEncoder StudioEncoder;

/* Quality on the encoder's constant-rate-factor scale (lower is better);
 * STUDIO_ENCODER_QUALITY_DEFAULT means CRF 18 for H.264 and 31 for VP9. */
#define STUDIO_ENCODER_QUALITY_DEFAULT (-1)

/* Opens PATH for writing WIDTH x HEIGHT frames (both even: the video is
 * yuv420p) at FPS frames per second.  METADATA: NULL, or key, value, key,
 * value, ..., NULL for the container (see studio_provenance_to_metadata).
 * The encoder is chosen at run time (studio_media_find_encoder). */
StudioEncoder *studio_encoder_open (const char *path, int width, int height, double fps, StudioMediaFormat format,
                                    int quality, const char *const *metadata, GError **error);

/* Encodes one frame of packed 8-bit RGB, STRIDE bytes per row.  On error the
 * encoder has already removed its temporary file; only _free is left to do. */
gboolean studio_encoder_push_frame (StudioEncoder *self, const guint8 *rgb, gsize stride, GError **error);

/* Flushes the encoder, writes the index (moved to the front for MP4), syncs
 * the file to disk and renames it to its final name, replacing any file there. */
gboolean studio_encoder_finish (StudioEncoder *self, GError **error);

/* Stops and removes the temporary file; nothing appears under the final name. */
void studio_encoder_abort (StudioEncoder *self);

/* Aborts when not finished, then frees. */
void studio_encoder_free (StudioEncoder *self);

/* The FFmpeg encoder in use (e.g. "libx264"). */
const char *studio_encoder_get_codec_name (StudioEncoder *self);
/* Frames pushed so far. */
gint64 studio_encoder_get_frame_count (StudioEncoder *self);
/* The temporary file written until finish (NULL once finished or aborted). */
const char *studio_encoder_get_temporary_path (StudioEncoder *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StudioEncoder, studio_encoder_free)

G_END_DECLS
