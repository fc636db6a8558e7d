/* studio-decoder.c: frame-exact decoding.  Every frame's presentation time is
 * indexed when the file opens, so frame N is the N-th smallest timestamp;
 * reading it seeks to the keyframe at or before it and decodes forward until
 * exactly that timestamp comes out. */
#define G_LOG_DOMAIN "studio-media"

#include "studio-decoder.h"
#include "studio-media-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdlib.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

typedef struct
{
  gint64 pts;
  gint64 duration;
  gboolean keyframe;
} IndexEntry;

struct _StudioDecoder
{
  char *path;
  StudioMediaInfo info;

  AVFormatContext *demuxer;
  AVCodecContext *codec;
  int stream_index;
  AVPacket *packet;
  AVFrame *frame;
  struct SwsContext *scaler;

  IndexEntry *frames; /* sorted by pts */
  gint64 n_frames;
  gint64 next_index; /* the frame that decoding on returns next; -1 when unknown */
  gboolean draining; /* the demuxer reached the end; the decoder is being flushed */
};

void
studio_decoder_free (StudioDecoder *self)
{
  if (self == NULL)
    return;
  avformat_close_input (&self->demuxer);
  avcodec_free_context (&self->codec);
  av_packet_free (&self->packet);
  av_frame_free (&self->frame);
  sws_freeContext (self->scaler);
  g_free (self->frames);
  g_free (self->path);
  g_free (self);
}

const StudioMediaInfo *
studio_decoder_get_info (StudioDecoder *self)
{
  return &self->info;
}

const char *
studio_decoder_get_path (StudioDecoder *self)
{
  return self->path;
}

static gboolean set_av_error (GError **error, int averror, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* ERROR = "<FORMAT>: <FFmpeg's reason>". */
static gboolean
set_av_error (GError **error, int averror, const char *format, ...)
{
  g_autofree char *cause = studio_media_describe_error (averror);
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, STUDIO_MEDIA_ERROR, studio_media_error_code (averror), "%s: %s", what, cause);
  return FALSE;
}

static int
compare_entries (const void *a, const void *b)
{
  const IndexEntry *x = a, *y = b;
  return (x->pts > y->pts) - (x->pts < y->pts);
}

static gboolean
open_demuxer (StudioDecoder *self, GError **error)
{
  int status;

  studio_media_clear_log ();
  status = avformat_open_input (&self->demuxer, self->path, NULL, NULL);
  if (status < 0)
    {
      if (status == AVERROR_INVALIDDATA)
        return set_av_error (error, status, "“%s” is not a video file that can be read (garbage, or damaged)",
                             self->path);
      return set_av_error (error, status, "Could not open “%s”", self->path);
    }
  status = avformat_find_stream_info (self->demuxer, NULL);
  if (status < 0)
    return set_av_error (error, status, "“%s” is damaged (its streams cannot be read)", self->path);
  return TRUE;
}

static gboolean
open_codec (StudioDecoder *self, GError **error)
{
  const AVCodec *decoder = NULL;
  AVStream *stream;
  int status;

  status = av_find_best_stream (self->demuxer, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (status == AVERROR_DECODER_NOT_FOUND)
    {
      const char *name = "unknown";
      for (unsigned i = 0; i < self->demuxer->nb_streams; i++)
        if (self->demuxer->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO)
          {
            name = avcodec_get_name (self->demuxer->streams[i]->codecpar->codec_id);
            break;
          }
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_UNSUPPORTED,
                   "“%s” uses the “%s” video codec, which this FFmpeg build cannot decode", self->path, name);
      return FALSE;
    }
  gboolean any_known = FALSE;
  for (unsigned i = 0; i < self->demuxer->nb_streams; i++)
    if (self->demuxer->streams[i]->codecpar->codec_id != AV_CODEC_ID_NONE)
      any_known = TRUE;
  if (status < 0 && !any_known)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_DATA,
                   "“%s” is damaged or truncated: no streams can be read from it", self->path);
      return FALSE;
    }
  if (status < 0)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_DATA,
                   "“%s” contains no video stream (only %s)", self->path,
                   av_get_media_type_string (self->demuxer->streams[0]->codecpar->codec_type) ?: "data");
      return FALSE;
    }
  self->stream_index = status;
  stream = self->demuxer->streams[status];
  self->codec = avcodec_alloc_context3 (decoder);
  avcodec_parameters_to_context (self->codec, stream->codecpar);
  self->codec->pkt_timebase = stream->time_base;
  self->codec->thread_count = 0;
  status = avcodec_open2 (self->codec, decoder, NULL);
  if (status < 0)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_UNSUPPORTED,
                   "The “%s” decoder of this FFmpeg build cannot decode “%s”: %s", decoder->name, self->path,
                   av_err2str (status));
      return FALSE;
    }
  return TRUE;
}

/* Reads every packet of the video stream (no decoding): the exact frame
 * count, each frame's timestamp and whether it is a keyframe.  A packet cut
 * short by the end of the file means the file is truncated. */
static gboolean
build_index (StudioDecoder *self, GError **error)
{
  AVStream *stream = self->demuxer->streams[self->stream_index];
  GArray *entries = g_array_new (FALSE, FALSE, sizeof (IndexEntry));
  gint64 previous_end = 0;
  int status;

  while ((status = av_read_frame (self->demuxer, self->packet)) >= 0)
    {
      IndexEntry entry;

      if (self->packet->stream_index != self->stream_index || (self->packet->flags & AV_PKT_FLAG_DISCARD))
        {
          av_packet_unref (self->packet);
          continue;
        }
      if (self->packet->flags & AV_PKT_FLAG_CORRUPT)
        {
          g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_TRUNCATED,
                       "“%s” is truncated or damaged: frame %u is incomplete (the file ends early)", self->path,
                       entries->len + 1);
          av_packet_unref (self->packet);
          g_array_free (entries, TRUE);
          return FALSE;
        }
      entry.pts = self->packet->pts != AV_NOPTS_VALUE ? self->packet->pts : self->packet->dts;
      if (entry.pts == AV_NOPTS_VALUE)
        entry.pts = previous_end;
      entry.duration = self->packet->duration;
      entry.keyframe = (self->packet->flags & AV_PKT_FLAG_KEY) != 0;
      previous_end = entry.pts + MAX (entry.duration, 1);
      g_array_append_val (entries, entry);
      av_packet_unref (self->packet);
    }
  self->n_frames = entries->len;
  self->frames = (IndexEntry *) (void *) g_array_free (entries, FALSE);
  if (status != AVERROR_EOF)
    return set_av_error (error, status, "“%s” is damaged after frame %" G_GINT64_FORMAT, self->path, self->n_frames);
  if (self->n_frames == 0)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_DATA, "“%s” contains no video frames",
                   self->path);
      return FALSE;
    }
  /* The container's own count (MP4's sample table) says how many frames it
   * was written with; fewer readable ones mean the data was cut off. */
  if (stream->nb_frames > self->n_frames)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_TRUNCATED,
                   "“%s” is truncated: only %" G_GINT64_FORMAT " of its %" G_GINT64_FORMAT " frames are in the file",
                   self->path, self->n_frames, (gint64) stream->nb_frames);
      return FALSE;
    }
  qsort (self->frames, self->n_frames, sizeof (IndexEntry), compare_entries);
  return TRUE;
}

/* A file whose frames stop well before the duration its header declares was
 * cut off (WebM has no frame table to compare with). */
static gboolean
check_duration (StudioDecoder *self, GError **error)
{
  AVStream *stream = self->demuxer->streams[self->stream_index];
  double declared = -1;
  double slack = MAX (2.0 / self->info.fps, 0.02 * self->info.duration);

  if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0)
    declared = stream->duration * av_q2d (stream->time_base);
  else if (self->demuxer->nb_streams == 1 && self->demuxer->duration > 0)
    declared = self->demuxer->duration / (double) AV_TIME_BASE;
  if (declared > 0 && self->info.duration + slack < declared)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_TRUNCATED,
                   "“%s” is truncated: it should last %.2f s, but its frames stop at %.2f s", self->path, declared,
                   self->info.duration);
      return FALSE;
    }
  return TRUE;
}

static void
fill_info (StudioDecoder *self)
{
  AVStream *stream = self->demuxer->streams[self->stream_index];
  AVRational rate = stream->avg_frame_rate;
  IndexEntry *last = &self->frames[self->n_frames - 1];
  gint64 span;

  if (rate.num <= 0 || rate.den <= 0)
    rate = stream->r_frame_rate;
  if ((rate.num <= 0 || rate.den <= 0) && self->n_frames > 1)
    rate = av_d2q ((self->n_frames - 1) / ((last->pts - self->frames[0].pts) * av_q2d (stream->time_base)), 1001000);
  if (rate.num <= 0 || rate.den <= 0)
    rate = (AVRational){ 25, 1 };

  self->info.width = self->codec->width;
  self->info.height = self->codec->height;
  self->info.fps_num = rate.num;
  self->info.fps_den = rate.den;
  self->info.fps = av_q2d (rate);
  self->info.frame_count = self->n_frames;
  span = last->pts - self->frames[0].pts;
  if (last->duration > 0)
    span += last->duration;
  else
    span += av_rescale_q (1, av_inv_q (rate), stream->time_base);
  self->info.duration = span * av_q2d (stream->time_base);
  self->info.codec = avcodec_get_name (self->codec->codec_id);
  self->info.codec_long_name = self->codec->codec->long_name;
  self->info.container = self->demuxer->iformat->name;
  self->info.pixel_format = av_get_pix_fmt_name (self->codec->pix_fmt);
  self->info.bit_rate = self->demuxer->bit_rate > 0 ? self->demuxer->bit_rate : 0;
}

/* The next decoded frame in presentation order; AVERROR_EOF after the last. */
static int
receive_frame (StudioDecoder *self)
{
  for (;;)
    {
      int status = avcodec_receive_frame (self->codec, self->frame);

      if (status != AVERROR (EAGAIN))
        return status;
      if (self->draining)
        return AVERROR_EOF;
      status = av_read_frame (self->demuxer, self->packet);
      if (status == AVERROR_EOF)
        {
          self->draining = TRUE;
          avcodec_send_packet (self->codec, NULL);
          continue;
        }
      if (status < 0)
        return status;
      if (self->packet->stream_index != self->stream_index)
        {
          av_packet_unref (self->packet);
          continue;
        }
      status = avcodec_send_packet (self->codec, self->packet);
      av_packet_unref (self->packet);
      if (status < 0)
        return status;
    }
}

static gint64
keyframe_at_or_before (StudioDecoder *self, gint64 index)
{
  while (index > 0 && !self->frames[index].keyframe)
    index--;
  return index;
}

/* Positions the demuxer on the keyframe KEY (an index into the sorted table)
 * and resets the decoder.  For KEY 0 a failed seek falls back to reopening
 * the file, for formats that cannot seek. */
static gboolean
seek_to_keyframe (StudioDecoder *self, gint64 key, GError **error)
{
  int status;

  studio_media_clear_log ();
  status = av_seek_frame (self->demuxer, self->stream_index, self->frames[key].pts, AVSEEK_FLAG_BACKWARD);
  if (status < 0 && key == 0)
    {
      avformat_close_input (&self->demuxer);
      if (!open_demuxer (self, error))
        return FALSE;
      status = 0;
    }
  if (status < 0)
    return set_av_error (error, status, "Could not seek in “%s”", self->path);
  avcodec_flush_buffers (self->codec);
  self->draining = FALSE;
  self->next_index = -1;
  return TRUE;
}

static gboolean
convert (StudioDecoder *self, enum AVPixelFormat format, guint8 *pixels, gsize stride, GError **error)
{
  AVFrame *frame = self->frame;
  const AVPixFmtDescriptor *description = av_pix_fmt_desc_get (frame->format);
  uint8_t *destination[4] = { pixels, NULL, NULL, NULL };
  int destination_stride[4] = { (int) stride, 0, 0, 0 };

  self->scaler = sws_getCachedContext (self->scaler, frame->width, frame->height, frame->format, self->info.width,
                                       self->info.height, format, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT,
                                       NULL, NULL, NULL);
  if (self->scaler == NULL)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_UNSUPPORTED,
                   "“%s”: cannot convert its %s pictures to RGB", self->path,
                   description ? description->name : "unknown");
      return FALSE;
    }
  if (description != NULL && !(description->flags & AV_PIX_FMT_FLAG_RGB))
    {
      /* Untagged video: BT.709 from 720 lines up, BT.601 below, as players do. */
      int space = frame->colorspace;
      int full_range = frame->color_range == AVCOL_RANGE_JPEG || frame->format == AV_PIX_FMT_YUVJ420P
                       || frame->format == AV_PIX_FMT_YUVJ422P || frame->format == AV_PIX_FMT_YUVJ444P;
      if (space == AVCOL_SPC_UNSPECIFIED || space == AVCOL_SPC_RESERVED)
        space = frame->height >= 720 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;
      sws_setColorspaceDetails (self->scaler, sws_getCoefficients (space), full_range,
                                sws_getCoefficients (SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
    }
  sws_scale (self->scaler, (const uint8_t *const *) frame->data, frame->linesize, 0, frame->height, destination,
             destination_stride);
  return TRUE;
}

static gint64
frame_pts (AVFrame *frame)
{
  return frame->pts != AV_NOPTS_VALUE ? frame->pts : frame->best_effort_timestamp;
}

static gboolean
read_frame (StudioDecoder *self, gint64 index, enum AVPixelFormat format, guint8 *pixels, gsize stride, GError **error)
{
  gint64 target, key;
  gboolean need_seek;
  int attempts = 0;

  if (index < 0 || index >= self->n_frames)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT,
                   "“%s” has frames 0 to %" G_GINT64_FORMAT "; there is no frame %" G_GINT64_FORMAT, self->path,
                   self->n_frames - 1, index);
      return FALSE;
    }
  target = self->frames[index].pts;
  key = keyframe_at_or_before (self, index);
  /* Decoding on from where we are is right when no keyframe lies between:
   * the common case of playing or exporting frame after frame. */
  need_seek = self->next_index < 0 || index < self->next_index || key > self->next_index;

  for (;;)
    {
      int status;

      if (need_seek && !seek_to_keyframe (self, key, error))
        return FALSE;
      need_seek = FALSE;
      status = receive_frame (self);
      if (status == AVERROR_EOF)
        {
          g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_TRUNCATED,
                       "“%s”: frame %" G_GINT64_FORMAT " could not be decoded (the video ends before it)", self->path,
                       index);
          self->next_index = -1;
          return FALSE;
        }
      if (status < 0)
        {
          self->next_index = -1;
          return set_av_error (error, status, "“%s”: frame %" G_GINT64_FORMAT " could not be decoded", self->path,
                               index);
        }
      if (frame_pts (self->frame) < target)
        {
          av_frame_unref (self->frame);
          continue;
        }
      if (frame_pts (self->frame) == target)
        break;
      /* Decoding began after the frame: the demuxer's seek landed on a later
       * keyframe.  Start from an earlier one, in the end from the start. */
      av_frame_unref (self->frame);
      if (++attempts > 8 && key == 0)
        {
          g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_DATA,
                       "“%s”: frame %" G_GINT64_FORMAT " is never output by its decoder", self->path, index);
          return FALSE;
        }
      key = attempts > 8 ? 0 : keyframe_at_or_before (self, MAX (key - 1, 0));
      need_seek = TRUE;
    }

  if (!convert (self, format, pixels, stride, error))
    {
      av_frame_unref (self->frame);
      return FALSE;
    }
  av_frame_unref (self->frame);
  self->next_index = index + 1;
  return TRUE;
}

StudioDecoder *
studio_decoder_open (const char *path, GError **error)
{
  g_autoptr (StudioDecoder) self = NULL;
  g_autofree guint8 *scratch = NULL;

  studio_media_init ();
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_NOT_FOUND, "“%s” does not exist", path);
      return NULL;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_DATA, "“%s” is a folder, not a video file",
                   path);
      return NULL;
    }
  {
    GStatBuf st;
    if (g_stat (path, &st) == 0 && st.st_size == 0)
      {
        g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_DATA, "“%s” is empty (0 bytes)", path);
        return NULL;
      }
  }
  self = g_new0 (StudioDecoder, 1);
  self->path = g_strdup (path);
  self->packet = av_packet_alloc ();
  self->frame = av_frame_alloc ();
  self->next_index = -1;
  if (!open_demuxer (self, error) || !open_codec (self, error) || !build_index (self, error))
    return NULL;
  fill_info (self);
  if (!check_duration (self, error))
    return NULL;
  if (self->info.width <= 0 || self->info.height <= 0)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_DATA,
                   "“%s” is damaged: its video has no picture size", path);
      return NULL;
    }
  /* A file that opens must play: decode its first frame now. */
  scratch = g_malloc ((gsize) self->info.width * self->info.height * 4);
  if (!read_frame (self, 0, AV_PIX_FMT_RGBA, scratch, (gsize) self->info.width * 4, error))
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
studio_decoder_read_frame (StudioDecoder *self, gint64 index, guint8 *rgba, gsize stride, GError **error)
{
  return read_frame (self, index, AV_PIX_FMT_RGBA, rgba, stride, error);
}

gboolean
studio_decoder_read_frame_rgb (StudioDecoder *self, gint64 index, guint8 *rgb, gsize stride, GError **error)
{
  return read_frame (self, index, AV_PIX_FMT_RGB24, rgb, stride, error);
}

GBytes *
studio_decoder_read_frame_bytes (StudioDecoder *self, gint64 index, gsize *stride, GError **error)
{
  gsize row = (gsize) self->info.width * 4;
  guint8 *pixels = g_malloc (row * self->info.height);

  if (!read_frame (self, index, AV_PIX_FMT_RGBA, pixels, row, error))
    {
      g_free (pixels);
      return NULL;
    }
  *stride = row;
  return g_bytes_new_take (pixels, row * self->info.height);
}
