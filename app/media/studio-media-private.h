/* studio-media-private.h: helpers shared by the files of app/media. */
#pragma once

#include <glib.h>
#include <libavutil/error.h>

#include "studio-media.h"

G_BEGIN_DECLS

/* A sentence for an FFmpeg error code, with the last error FFmpeg logged on
 * this thread when it adds something (e.g. "moov atom not found"). */
char *studio_media_describe_error (int averror);
/* Forgets the last logged FFmpeg error on this thread. */
void studio_media_clear_log (void);
/* The GError code for an FFmpeg error code. */
StudioMediaError studio_media_error_code (int averror);

G_END_DECLS
