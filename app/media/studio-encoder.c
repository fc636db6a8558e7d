/* studio-encoder.c: RGB frames to H.264/MP4 or VP9/WebM, written through a
 * temporary file that is renamed into place only when complete. */
#define G_LOG_DOMAIN "studio-media"

#include "studio-encoder.h"
#include "studio-media-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

struct _StudioEncoder
{
  char *path;
  char *temporary_path; /* NULL once renamed or removed */
  StudioMediaFormat format;
  int width;
  int height;
  gboolean finished;
  gint64 frame_count;
  const char *codec_name; /* static, from FFmpeg's codec table */

  AVFormatContext *muxer;
  AVCodecContext *codec;
  AVStream *stream;
  struct SwsContext *scaler;
  AVFrame *frame;
  AVPacket *packet;
};

static void
close_ffmpeg (StudioEncoder *self)
{
  if (self->muxer != NULL)
    {
      if (self->muxer->pb != NULL)
        avio_closep (&self->muxer->pb);
      avformat_free_context (self->muxer);
      self->muxer = NULL;
    }
  avcodec_free_context (&self->codec);
  sws_freeContext (self->scaler);
  self->scaler = NULL;
  av_frame_free (&self->frame);
  av_packet_free (&self->packet);
}

void
studio_encoder_abort (StudioEncoder *self)
{
  close_ffmpeg (self);
  if (self->temporary_path != NULL)
    {
      g_unlink (self->temporary_path);
      g_clear_pointer (&self->temporary_path, g_free);
    }
}

void
studio_encoder_free (StudioEncoder *self)
{
  if (self == NULL)
    return;
  studio_encoder_abort (self);
  g_free (self->path);
  g_free (self);
}

/* Fails the encoder: removes the temporary file and sets ERROR to name the
 * file and the cause. */
static gboolean
fail_write (StudioEncoder *self, int averror, const char *doing, GError **error)
{
  g_autofree char *cause = studio_media_describe_error (averror);
  g_autofree char *temporary = self->temporary_path ? g_path_get_basename (self->temporary_path) : NULL;

  g_set_error (error, STUDIO_MEDIA_ERROR, studio_media_error_code (averror),
               "Could not write “%s” (%s): %s; the partial file%s%s was removed", self->path, doing, cause,
               temporary ? " " : "", temporary ? temporary : "");
  studio_encoder_abort (self);
  return FALSE;
}

/* Options per encoder family; QUALITY < 0 means our default. */
static void
set_quality (AVCodecContext *context, const char *name, StudioMediaFormat format, int quality, double fps,
             AVDictionary **options)
{
  gboolean vp9 = format == STUDIO_MEDIA_FORMAT_WEBM;
  int crf = quality >= 0 ? quality : (vp9 ? 31 : 18);

  if (g_str_equal (name, "libx264"))
    {
      av_dict_set_int (options, "crf", crf, 0);
      av_dict_set (options, "preset", "medium", 0);
    }
  else if (g_str_equal (name, "libvpx-vp9"))
    {
      /* Constant quality: CRF with no bitrate target. */
      context->bit_rate = 0;
      av_dict_set_int (options, "crf", crf, 0);
      av_dict_set (options, "deadline", "good", 0);
      av_dict_set_int (options, "cpu-used", 4, 0);
      av_dict_set_int (options, "row-mt", 1, 0);
    }
  else if (g_str_has_suffix (name, "_nvenc"))
    {
      av_dict_set (options, "rc", "vbr", 0);
      av_dict_set_int (options, "cq", crf, 0);
    }
  else
    {
      /* No quality scale we know of: about 0.15 bits per pixel at CRF 18,
       * halving every 6 steps as CRF does. */
      double bits_per_pixel = 0.15 * pow (2.0, (18 - crf) / 6.0);
      context->bit_rate = (int64_t) (bits_per_pixel * context->width * context->height * fps);
    }
}

static AVCodecContext *
open_codec (const char *name, int width, int height, AVRational rate, StudioMediaFormat format, int quality,
            gboolean global_header)
{
  const AVCodec *codec = avcodec_find_encoder_by_name (name);
  AVDictionary *options = NULL;
  AVCodecContext *context;
  int status;

  if (codec == NULL)
    return NULL;
  context = avcodec_alloc_context3 (codec);
  context->width = width;
  context->height = height;
  context->time_base = av_inv_q (rate);
  context->framerate = rate;
  context->pix_fmt = AV_PIX_FMT_YUV420P;
  /* A keyframe every second keeps frame-exact seeks in the player short. */
  context->gop_size = MAX (1, (int) lrint (av_q2d (rate)));
  context->thread_count = 0;
  context->color_range = AVCOL_RANGE_MPEG;
  context->colorspace = AVCOL_SPC_BT709;
  context->color_primaries = AVCOL_PRI_BT709;
  context->color_trc = AVCOL_TRC_BT709;
  if (global_header)
    context->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  set_quality (context, name, format, quality, av_q2d (rate), &options);
  status = avcodec_open2 (context, codec, &options);
  av_dict_free (&options);
  if (status < 0)
    {
      g_debug ("encoder %s did not open: %s", name, av_err2str (status));
      avcodec_free_context (&context);
    }
  studio_media_clear_log ();
  return context;
}

StudioEncoder *
studio_encoder_open (const char *path, int width, int height, double fps, StudioMediaFormat format, int quality,
                     const char *const *metadata, GError **error)
{
  g_autoptr (StudioEncoder) self = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *base = NULL;
  AVDictionary *muxer_options = NULL;
  const char *codec_name = NULL;
  AVRational rate;
  int fd, status;

  studio_media_init ();
  if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0 || width > 16384 || height > 16384)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT,
                   "Cannot encode “%s”: frames of %dx%d pixels; width and height must be even and between 2 "
                   "and 16384",
                   path, width, height);
      return NULL;
    }
  if (!(fps > 0 && fps <= 1000))
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT,
                   "Cannot encode “%s” at %g frames per second (expected more than 0 and at most 1000)", path, fps);
      return NULL;
    }
  if (studio_media_find_encoder (format, error) == NULL)
    return NULL;

  self = g_new0 (StudioEncoder, 1);
  self->path = g_strdup (path);
  self->format = format;
  self->width = width;
  self->height = height;

  /* The temporary file lives beside the final one so that the rename is
   * atomic; it is hidden so that no library scan picks it up. */
  folder = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  {
    g_autofree char *name = g_strdup_printf (".%s.XXXXXX.part", base);
    self->temporary_path = g_build_filename (folder, name, NULL);
  }
  fd = g_mkstemp_full (self->temporary_path, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_IO,
                   "Could not write “%s”: cannot create a file in “%s”: %s", path, folder, g_strerror (saved));
      g_clear_pointer (&self->temporary_path, g_free);
      return NULL;
    }
  close (fd);

  status = avformat_alloc_output_context2 (&self->muxer, NULL, format == STUDIO_MEDIA_FORMAT_WEBM ? "webm" : "mp4",
                                           self->temporary_path);
  if (status < 0)
    {
      fail_write (self, status, "setting up the container", error);
      return NULL;
    }

  rate = av_d2q (fps, 1001000);
  for (const char *const *name = studio_media_encoder_candidates (format); *name != NULL; name++)
    {
      self->codec = open_codec (*name, width, height, rate, format, quality,
                                (self->muxer->oformat->flags & AVFMT_GLOBALHEADER) != 0);
      if (self->codec != NULL)
        {
          codec_name = *name;
          break;
        }
    }
  if (self->codec == NULL)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_NO_ENCODER,
                   "Could not write “%s”: no %s encoder of this FFmpeg build accepts %dx%d at %g fps", path,
                   format == STUDIO_MEDIA_FORMAT_WEBM ? "VP9" : "H.264", width, height, fps);
      studio_encoder_abort (self);
      return NULL;
    }
  self->codec_name = codec_name;
  g_debug ("encoding “%s” with %s", path, codec_name);

  self->stream = avformat_new_stream (self->muxer, NULL);
  if (self->stream == NULL)
    {
      fail_write (self, AVERROR (ENOMEM), "adding the video stream", error);
      return NULL;
    }
  self->stream->time_base = self->codec->time_base;
  self->stream->avg_frame_rate = rate;
  avcodec_parameters_from_context (self->stream->codecpar, self->codec);

  for (const char *const *m = metadata; m != NULL && m[0] != NULL && m[1] != NULL; m += 2)
    av_dict_set (&self->muxer->metadata, m[0], m[1], 0);

  status = avio_open (&self->muxer->pb, self->temporary_path, AVIO_FLAG_WRITE);
  if (status < 0)
    {
      fail_write (self, status, "opening its temporary file", error);
      return NULL;
    }
  /* faststart: the index goes before the data, so playback can start before
   * the whole file is read; use_metadata_tags keeps our own keys. */
  if (format == STUDIO_MEDIA_FORMAT_MP4)
    av_dict_set (&muxer_options, "movflags", "+faststart+use_metadata_tags", 0);
  status = avformat_write_header (self->muxer, &muxer_options);
  av_dict_free (&muxer_options);
  if (status < 0)
    {
      fail_write (self, status, "writing the header", error);
      return NULL;
    }

  self->frame = av_frame_alloc ();
  self->packet = av_packet_alloc ();
  self->frame->format = AV_PIX_FMT_YUV420P;
  self->frame->width = width;
  self->frame->height = height;
  self->frame->color_range = AVCOL_RANGE_MPEG;
  self->frame->colorspace = AVCOL_SPC_BT709;
  status = av_frame_get_buffer (self->frame, 0);
  self->scaler = sws_getContext (width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUV420P,
                                 SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, NULL, NULL, NULL);
  if (status < 0 || self->scaler == NULL)
    {
      fail_write (self, status < 0 ? status : AVERROR (ENOMEM), "allocating frames", error);
      return NULL;
    }
  /* Full-range RGB in, limited-range BT.709 out, as the stream is tagged. */
  sws_setColorspaceDetails (self->scaler, sws_getCoefficients (SWS_CS_ITU709), 1, sws_getCoefficients (SWS_CS_ITU709),
                            0, 0, 1 << 16, 1 << 16);
  return g_steal_pointer (&self);
}

/* Sends FRAME (NULL to drain) and writes every packet that comes out. */
static int
encode (StudioEncoder *self, AVFrame *frame)
{
  int status = avcodec_send_frame (self->codec, frame);

  while (status >= 0)
    {
      status = avcodec_receive_packet (self->codec, self->packet);
      if (status == AVERROR (EAGAIN) || status == AVERROR_EOF)
        return 0;
      if (status < 0)
        return status;
      av_packet_rescale_ts (self->packet, self->codec->time_base, self->stream->time_base);
      self->packet->stream_index = self->stream->index;
      status = av_interleaved_write_frame (self->muxer, self->packet);
      if (status >= 0 && self->muxer->pb->error < 0)
        status = self->muxer->pb->error;
    }
  return status;
}

static gboolean
check_usable (StudioEncoder *self, GError **error)
{
  if (self->muxer == NULL)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT,
                   "Cannot write “%s”: its encoder was already %s", self->path,
                   self->finished ? "finished" : "stopped by an earlier error");
      return FALSE;
    }
  return TRUE;
}

gboolean
studio_encoder_push_frame (StudioEncoder *self, const guint8 *rgb, gsize stride, GError **error)
{
  const uint8_t *source[4] = { rgb, NULL, NULL, NULL };
  int source_stride[4] = { (int) stride, 0, 0, 0 };
  int status;

  if (!check_usable (self, error))
    return FALSE;
  status = av_frame_make_writable (self->frame);
  if (status < 0)
    return fail_write (self, status, "allocating a frame", error);
  sws_scale (self->scaler, source, source_stride, 0, self->height, self->frame->data, self->frame->linesize);
  self->frame->pts = self->frame_count;
  status = encode (self, self->frame);
  if (status < 0)
    {
      g_autofree char *doing = g_strdup_printf ("frame %" G_GINT64_FORMAT, self->frame_count);
      return fail_write (self, status, doing, error);
    }
  self->frame_count++;
  return TRUE;
}

/* fsync the file, and after the rename its folder, so that a crash leaves
 * either the old file or the complete new one. */
static int
sync_path (const char *path, gboolean folder)
{
  int fd = open (path, (folder ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  int status = 0;

  if (fd < 0)
    return AVERROR (errno);
  if (fsync (fd) != 0 && !(folder && errno == EINVAL))
    status = AVERROR (errno);
  close (fd);
  return status;
}

gboolean
studio_encoder_finish (StudioEncoder *self, GError **error)
{
  g_autofree char *folder = NULL;
  int status;

  if (!check_usable (self, error))
    return FALSE;
  if (self->frame_count == 0)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT,
                   "Cannot write “%s”: no frames were given", self->path);
      studio_encoder_abort (self);
      return FALSE;
    }
  status = encode (self, NULL);
  if (status < 0)
    return fail_write (self, status, "flushing the encoder", error);
  status = av_write_trailer (self->muxer);
  if (status >= 0 && self->muxer->pb->error < 0)
    status = self->muxer->pb->error;
  if (status < 0)
    return fail_write (self, status, "writing the index", error);
  status = avio_closep (&self->muxer->pb);
  if (status < 0)
    return fail_write (self, status, "closing the file", error);
  status = sync_path (self->temporary_path, FALSE);
  if (status < 0)
    return fail_write (self, status, "syncing it to disk", error);
  if (g_rename (self->temporary_path, self->path) != 0)
    return fail_write (self, AVERROR (errno), "renaming it into place", error);
  g_clear_pointer (&self->temporary_path, g_free);
  folder = g_path_get_dirname (self->path);
  sync_path (folder, TRUE);
  close_ffmpeg (self);
  self->finished = TRUE;
  return TRUE;
}

const char *
studio_encoder_get_codec_name (StudioEncoder *self)
{
  return self->codec_name;
}

gint64
studio_encoder_get_frame_count (StudioEncoder *self)
{
  return self->frame_count;
}

const char *
studio_encoder_get_temporary_path (StudioEncoder *self)
{
  return self->temporary_path;
}
