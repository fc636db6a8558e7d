/* studio-media.c: FFmpeg logging and encoder discovery for the media layer. */
#define G_LOG_DOMAIN "studio-media"

#include "studio-media-private.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/log.h>

G_DEFINE_QUARK (studio - media - error - quark, studio_media_error)

/* FFmpeg reports the cause of many failures only through its log (e.g. "moov
 * atom not found"), so the last error line is kept per thread and added to
 * our messages; nothing is printed on the terminal. */
static _Thread_local char last_logged_error[512];

static void
log_callback (void *avcl, int level, const char *format, va_list args)
{
  char line[1024];
  int print_prefix = 0;

  if (level > AV_LOG_WARNING)
    return;
  av_log_format_line2 (avcl, level, format, args, line, sizeof line, &print_prefix);
  g_strstrip (line);
  if (line[0] == '\0')
    return;
  if (level <= AV_LOG_ERROR)
    g_strlcpy (last_logged_error, line, sizeof last_logged_error);
  g_debug ("FFmpeg: %s", line);
}

void
studio_media_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      av_log_set_callback (log_callback);
      g_once_init_leave (&initialised, 1);
    }
}

void
studio_media_clear_log (void)
{
  last_logged_error[0] = '\0';
}

char *
studio_media_describe_error (int averror)
{
  char text[AV_ERROR_MAX_STRING_SIZE] = "";
  char *message;

  av_strerror (averror, text, sizeof text);
  if (last_logged_error[0] != '\0' && strstr (text, last_logged_error) == NULL)
    message = g_strdup_printf ("%s (%s)", text, last_logged_error);
  else
    message = g_strdup (text);
  studio_media_clear_log ();
  return message;
}

StudioMediaError
studio_media_error_code (int averror)
{
  switch (averror)
    {
    case AVERROR (ENOENT):
      return STUDIO_MEDIA_ERROR_NOT_FOUND;
    case AVERROR_INVALIDDATA:
      return STUDIO_MEDIA_ERROR_INVALID_DATA;
    case AVERROR_EOF:
      return STUDIO_MEDIA_ERROR_TRUNCATED;
    case AVERROR_DECODER_NOT_FOUND:
    case AVERROR_DEMUXER_NOT_FOUND:
    case AVERROR_PATCHWELCOME:
      return STUDIO_MEDIA_ERROR_UNSUPPORTED;
    case AVERROR_ENCODER_NOT_FOUND:
      return STUDIO_MEDIA_ERROR_NO_ENCODER;
    default:
      return STUDIO_MEDIA_ERROR_IO;
    }
}

gboolean
studio_media_format_from_string (const char *name, StudioMediaFormat *format)
{
  if (g_strcmp0 (name, "mp4") == 0)
    *format = STUDIO_MEDIA_FORMAT_MP4;
  else if (g_strcmp0 (name, "webm") == 0)
    *format = STUDIO_MEDIA_FORMAT_WEBM;
  else
    return FALSE;
  return TRUE;
}

const char *
studio_media_format_to_string (StudioMediaFormat format)
{
  return format == STUDIO_MEDIA_FORMAT_WEBM ? "webm" : "mp4";
}

/* Software encoders first (they work anywhere), then hardware ones, which are
 * tried too: they open only where their device and driver are present.
 * Encoders that take only hardware frames (VAAPI) are left out below because
 * they do not accept yuv420p. */
static const char *const h264_preferred[]
    = { "libx264", "libopenh264", "h264_nvenc", "h264_qsv", "h264_amf", "h264_v4l2m2m", "h264_omx", NULL };
static const char *const vp9_preferred[] = { "libvpx-vp9", "vp9_qsv", NULL };

static gboolean
takes_yuv420p (const AVCodec *codec)
{
  if (codec->pix_fmts == NULL)
    return TRUE;
  for (const enum AVPixelFormat *p = codec->pix_fmts; *p != AV_PIX_FMT_NONE; p++)
    if (*p == AV_PIX_FMT_YUV420P)
      return TRUE;
  return FALSE;
}

static const char *const *
build_candidates (const char *const *preferred, enum AVCodecID id)
{
  GPtrArray *names = g_ptr_array_new ();
  const AVCodec *codec;
  void *iter = NULL;

  for (const char *const *p = preferred; *p != NULL; p++)
    {
      codec = avcodec_find_encoder_by_name (*p);
      if (codec != NULL && codec->id == id && takes_yuv420p (codec))
        g_ptr_array_add (names, (gpointer) *p);
    }
  /* Any other encoder for the codec that this build has. */
  while ((codec = av_codec_iterate (&iter)) != NULL)
    {
      if (!av_codec_is_encoder (codec) || codec->id != id || !takes_yuv420p (codec))
        continue;
      if (!g_strv_contains ((const char *const *) preferred, codec->name))
        g_ptr_array_add (names, (gpointer) codec->name);
    }
  g_ptr_array_add (names, NULL);
  return (const char *const *) g_ptr_array_free (names, FALSE);
}

const char *const *
studio_media_encoder_candidates (StudioMediaFormat format)
{
  static const char *const *h264, *const *vp9;
  static gsize h264_once, vp9_once;

  if (format == STUDIO_MEDIA_FORMAT_WEBM)
    {
      if (g_once_init_enter (&vp9_once))
        {
          vp9 = build_candidates (vp9_preferred, AV_CODEC_ID_VP9);
          g_once_init_leave (&vp9_once, 1);
        }
      return vp9;
    }
  if (g_once_init_enter (&h264_once))
    {
      h264 = build_candidates (h264_preferred, AV_CODEC_ID_H264);
      g_once_init_leave (&h264_once, 1);
    }
  return h264;
}

static gboolean
encoder_opens (const char *name)
{
  const AVCodec *codec = avcodec_find_encoder_by_name (name);
  AVCodecContext *context;
  gboolean opens;

  if (codec == NULL)
    return FALSE;
  context = avcodec_alloc_context3 (codec);
  context->width = 64;
  context->height = 64;
  context->time_base = (AVRational){ 1, 15 };
  context->framerate = (AVRational){ 15, 1 };
  context->pix_fmt = AV_PIX_FMT_YUV420P;
  opens = avcodec_open2 (context, codec, NULL) >= 0;
  avcodec_free_context (&context);
  studio_media_clear_log ();
  return opens;
}

const char *
studio_media_find_encoder (StudioMediaFormat format, GError **error)
{
  static GMutex lock;
  static const char *found[2];
  static gboolean searched[2];
  const char *const *candidates;
  const char *result;

  studio_media_init ();
  g_mutex_lock (&lock);
  if (!searched[format])
    {
      candidates = studio_media_encoder_candidates (format);
      for (const char *const *name = candidates; *name != NULL && found[format] == NULL; name++)
        if (encoder_opens (*name))
          found[format] = *name;
      searched[format] = TRUE;
    }
  result = found[format];
  g_mutex_unlock (&lock);

  if (result == NULL)
    {
      const char *const *candidates_tried = studio_media_encoder_candidates (format);
      g_autofree char *tried = g_strjoinv (", ", (char **) candidates_tried);
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_NO_ENCODER,
                   "This FFmpeg build has no usable %s encoder (tried: %s); install FFmpeg with %s "
                   "(on Debian: apt install libavcodec59)",
                   format == STUDIO_MEDIA_FORMAT_WEBM ? "VP9" : "H.264", tried[0] != '\0' ? tried : "none present",
                   format == STUDIO_MEDIA_FORMAT_WEBM ? "libvpx" : "libx264");
    }
  return result;
}
