/* studio-media.h: the media layer of Allegro Studio (FFmpeg underneath).
 *
 * Encoding (studio-encoder.h), frame-exact decoding (studio-decoder.h),
 * provenance records (studio-provenance.h), burned-in disclosure labels
 * (studio-label.h), posters and preview strips (studio-poster.h) and export
 * (studio-export.h).  Nothing here uses GTK; every function may be called from
 * any thread, each object from one thread at a time. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define STUDIO_MEDIA_ERROR (studio_media_error_quark ())

typedef enum
{
  STUDIO_MEDIA_ERROR_INVALID_ARGUMENT, /* a size, rate or option the caller gave is unusable */
  STUDIO_MEDIA_ERROR_NO_ENCODER,       /* this FFmpeg build has no usable encoder for the format */
  STUDIO_MEDIA_ERROR_NOT_FOUND,        /* the file (or the provenance record asked for) does not exist */
  STUDIO_MEDIA_ERROR_UNSUPPORTED,      /* a readable file whose video this build cannot decode */
  STUDIO_MEDIA_ERROR_INVALID_DATA,     /* garbage, or not a video file */
  STUDIO_MEDIA_ERROR_TRUNCATED,        /* the file ends early */
  STUDIO_MEDIA_ERROR_IO,               /* reading or writing failed (disk full, permissions, ...) */
  STUDIO_MEDIA_ERROR_CANCELLED,
} StudioMediaError;

typedef enum
{
  STUDIO_MEDIA_FORMAT_MP4,  /* H.264 in MP4 (yuv420p, faststart) */
  STUDIO_MEDIA_FORMAT_WEBM, /* VP9 in WebM */
} StudioMediaFormat;

GQuark studio_media_error_quark (void);

/* Sets up FFmpeg's logging (its errors are kept for our messages and sent to
 * g_debug, never printed); called by every entry point, cheap after the first. */
void studio_media_init (void);

/* "mp4" / "webm" to the format; FALSE for anything else. */
gboolean studio_media_format_from_string (const char *name, StudioMediaFormat *format);
const char *studio_media_format_to_string (StudioMediaFormat format);

/* The encoder (an FFmpeg encoder name such as "libx264") that studio_encoder_open
 * uses for FORMAT in this build, found by opening each candidate in order of
 * preference; NULL with STUDIO_MEDIA_ERROR_NO_ENCODER naming those tried. */
const char *studio_media_find_encoder (StudioMediaFormat format, GError **error);
/* The encoders this build has for FORMAT, best first, NULL-terminated. */
const char *const *studio_media_encoder_candidates (StudioMediaFormat format);

G_END_DECLS

#include "studio-decoder.h"
#include "studio-encoder.h"
#include "studio-export.h"
#include "studio-label.h"
#include "studio-media-bench.h"
#include "studio-poster.h"
#include "studio-provenance.h"
