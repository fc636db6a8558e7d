/* studio-decoder.h: frame-exact decoding for the player, for our own files
 * and for imported footage.  Opening a file indexes every frame's
 * presentation time (demuxing only, no decoding) and decodes the first frame,
 * so a file that opens can be played; a garbage, truncated or undecodable
 * file fails to open with an error that names it.
 *
 * One thread at a time per decoder. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _StudioDecoder StudioDecoder;

typedef struct
{
  int width;
  int height;
  double fps;  /* average frame rate */
  int fps_num; /* the same as a fraction, e.g. 30000/1001 */
  int fps_den;
  gint64 frame_count; /* exact: every frame was indexed */
  double duration;    /* seconds, first frame's start to last frame's end */
  const char *codec;  /* FFmpeg's short name, e.g. "h264", "vp9" */
  const char *codec_long_name;
  const char *container; /* the demuxer, e.g. "mov,mp4,m4a,3gp,3g2,mj2" */
  const char *pixel_format;
  gint64 bit_rate; /* bits per second of the whole file, 0 when unknown */
} StudioMediaInfo;

StudioDecoder *studio_decoder_open (const char *path, GError **error);
void studio_decoder_free (StudioDecoder *self);

/* Valid as long as the decoder. */
const StudioMediaInfo *studio_decoder_get_info (StudioDecoder *self);
const char *studio_decoder_get_path (StudioDecoder *self);

/* Decodes frame INDEX (0-based, presentation order) as 8-bit RGBA with alpha
 * 255 into RGBA (width x height, STRIDE bytes per row).  Any index may be
 * asked for in any order; asking for the next frame does not seek. */
gboolean studio_decoder_read_frame (StudioDecoder *self, gint64 index, guint8 *rgba, gsize stride, GError **error);
/* The same as packed 8-bit RGB (3 bytes per pixel). */
gboolean studio_decoder_read_frame_rgb (StudioDecoder *self, gint64 index, guint8 *rgb, gsize stride, GError **error);
/* The same into a new buffer, for gdk_memory_texture_new (GDK_MEMORY_R8G8B8A8);
 * STRIDE receives the bytes per row. */
GBytes *studio_decoder_read_frame_bytes (StudioDecoder *self, gint64 index, gsize *stride, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StudioDecoder, studio_decoder_free)

G_END_DECLS
