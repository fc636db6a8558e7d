/* studio-poster.c: posters and preview strips, encoded with FFmpeg's PNG
 * encoder. */
#define G_LOG_DOMAIN "studio-media"

#include "studio-poster.h"
#include "studio-decoder.h"
#include "studio-media-private.h"

#include <math.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>

GBytes *
studio_png_encode_rgb (const guint8 *rgb, int width, int height, gsize stride, GError **error)
{
  const AVCodec *codec;
  AVCodecContext *context = NULL;
  AVFrame *frame = NULL;
  AVPacket *packet = NULL;
  GBytes *result = NULL;
  int status;

  studio_media_init ();
  codec = avcodec_find_encoder (AV_CODEC_ID_PNG);
  if (codec == NULL)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_NO_ENCODER, "This FFmpeg build has no PNG encoder");
      return NULL;
    }
  context = avcodec_alloc_context3 (codec);
  context->width = width;
  context->height = height;
  context->pix_fmt = AV_PIX_FMT_RGB24;
  context->time_base = (AVRational){ 1, 1 };
  frame = av_frame_alloc ();
  packet = av_packet_alloc ();
  status = avcodec_open2 (context, codec, NULL);
  if (status >= 0)
    {
      frame->format = AV_PIX_FMT_RGB24;
      frame->width = width;
      frame->height = height;
      frame->data[0] = (uint8_t *) rgb;
      frame->linesize[0] = (int) stride;
      frame->pts = 0;
      status = avcodec_send_frame (context, frame);
    }
  if (status >= 0)
    status = avcodec_send_frame (context, NULL);
  if (status >= 0)
    status = avcodec_receive_packet (context, packet);
  if (status >= 0)
    result = g_bytes_new (packet->data, packet->size);
  else
    {
      g_autofree char *cause = studio_media_describe_error (status);
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_IO, "Could not encode a %dx%d PNG: %s", width, height,
                   cause);
    }
  frame->data[0] = NULL;
  av_frame_free (&frame);
  av_packet_free (&packet);
  avcodec_free_context (&context);
  return result;
}

static gboolean
write_png (const guint8 *rgb, int width, int height, gsize stride, const char *path, GError **error)
{
  g_autoptr (GBytes) png = studio_png_encode_rgb (rgb, width, height, stride, error);
  g_autoptr (GError) local_error = NULL;

  if (png == NULL)
    return FALSE;
  if (!g_file_set_contents (path, g_bytes_get_data (png, NULL), (gssize) g_bytes_get_size (png), &local_error))
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_IO, "Could not write the image: %s",
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* Area-averaging resize of packed RGB. */
static gboolean
resize_rgb (const guint8 *source, int width, int height, gsize stride, guint8 *destination, int out_width,
            int out_height, gsize out_stride)
{
  struct SwsContext *scaler = sws_getContext (width, height, AV_PIX_FMT_RGB24, out_width, out_height, AV_PIX_FMT_RGB24,
                                              SWS_AREA | SWS_ACCURATE_RND, NULL, NULL, NULL);
  const uint8_t *in[4] = { source, NULL, NULL, NULL };
  int in_stride[4] = { (int) stride, 0, 0, 0 };
  uint8_t *out[4] = { destination, NULL, NULL, NULL };
  int out_strides[4] = { (int) out_stride, 0, 0, 0 };

  if (scaler == NULL)
    return FALSE;
  sws_scale (scaler, in, in_stride, 0, height, out, out_strides);
  sws_freeContext (scaler);
  return TRUE;
}

gboolean
studio_poster_write (const char *video, gint64 frame, int max_size, const char *png_path, GError **error)
{
  g_autoptr (StudioDecoder) decoder = studio_decoder_open (video, error);
  const StudioMediaInfo *info;
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *scaled = NULL;
  gsize stride;
  int width, height;

  if (decoder == NULL)
    return FALSE;
  info = studio_decoder_get_info (decoder);
  if (frame < 0)
    frame = info->frame_count / 2;
  stride = (gsize) info->width * 3;
  pixels = g_malloc (stride * info->height);
  if (!studio_decoder_read_frame_rgb (decoder, frame, pixels, stride, error))
    return FALSE;
  width = info->width;
  height = info->height;
  if (max_size > 0 && MAX (width, height) > max_size)
    {
      double factor = (double) max_size / MAX (width, height);
      width = MAX (1, (int) lround (width * factor));
      height = MAX (1, (int) lround (height * factor));
      scaled = g_malloc ((gsize) width * 3 * height);
      if (!resize_rgb (pixels, info->width, info->height, stride, scaled, width, height, (gsize) width * 3))
        {
          g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT,
                       "Cannot scale “%s” to %dx%d for its poster", video, width, height);
          return FALSE;
        }
      return write_png (scaled, width, height, (gsize) width * 3, png_path, error);
    }
  return write_png (pixels, width, height, stride, png_path, error);
}

gboolean
studio_preview_strip_write (const char *video, int count, int columns, int tile_width, const char *png_path,
                            GError **error)
{
  g_autoptr (StudioDecoder) decoder = NULL;
  const StudioMediaInfo *info;
  g_autofree guint8 *frame = NULL;
  g_autofree guint8 *grid = NULL;
  gsize frame_stride, grid_stride;
  int rows, tile_height;

  if (count < 1 || columns < 1 || tile_width < 2 || tile_width > 4096 || count > 1024)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT,
                   "Cannot make a preview strip of %d frames in %d columns, %d pixels wide each", count, columns,
                   tile_width);
      return FALSE;
    }
  decoder = studio_decoder_open (video, error);
  if (decoder == NULL)
    return FALSE;
  info = studio_decoder_get_info (decoder);
  columns = MIN (columns, count);
  rows = (count + columns - 1) / columns;
  tile_height = MAX (1, (int) lround ((double) tile_width * info->height / info->width));
  frame_stride = (gsize) info->width * 3;
  frame = g_malloc (frame_stride * info->height);
  grid_stride = (gsize) columns * tile_width * 3;
  grid = g_malloc0 (grid_stride * rows * tile_height);
  for (int i = 0; i < count; i++)
    {
      /* Evenly spaced, first and last included. */
      gint64 index
          = count == 1 ? info->frame_count / 2 : (gint64) llround ((double) i * (info->frame_count - 1) / (count - 1));
      guint8 *tile = grid + (gsize) (i / columns) * tile_height * grid_stride + (gsize) (i % columns) * tile_width * 3;

      if (!studio_decoder_read_frame_rgb (decoder, index, frame, frame_stride, error))
        return FALSE;
      if (!resize_rgb (frame, info->width, info->height, frame_stride, tile, tile_width, tile_height, grid_stride))
        {
          g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT,
                       "Cannot scale “%s” to %dx%d tiles", video, tile_width, tile_height);
          return FALSE;
        }
    }
  return write_png (grid, columns * tile_width, rows * tile_height, grid_stride, png_path, error);
}
