/* test-media.c: the media layer against real files.  What we write is read
 * back by ffprobe (an independent reader) and by our decoder; frame numbers
 * are coded into the pixels so that every seek can be checked; labels are
 * read back from the pixels with the font's glyphs. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "studio-media.h"

/* Frames of the seek tests carry their number as 8 blocks, one per bit. */
#define CODE_BITS 8
#define CODE_BLOCK 16
#define CODE_TOP 32

static char *test_folder;

static char *
test_path (const char *name)
{
  return g_build_filename (test_folder, name, NULL);
}

/* The synthetic picture with INDEX coded in a row of black/white blocks. */
static void
coded_frame (guint8 *rgb, int width, int height, gsize stride, int index)
{
  studio_media_synthetic_frame (rgb, width, height, stride, index);
  for (int bit = 0; bit < CODE_BITS; bit++)
    {
      guint8 value = (index >> bit) & 1 ? 235 : 20;
      int left = CODE_BLOCK + bit * CODE_BLOCK;
      for (int y = CODE_TOP; y < CODE_TOP + CODE_BLOCK; y++)
        memset (rgb + (gsize) y * stride + 3 * left, value, 3 * CODE_BLOCK);
    }
}

/* Reads the code back (PIXEL_SIZE 3 for RGB, 4 for RGBA), sampling the middle
 * of each block; SCALE < 1 for scaled-down copies. */
static int
read_code (const guint8 *pixels, gsize stride, int pixel_size, double scale)
{
  int code = 0;

  for (int bit = 0; bit < CODE_BITS; bit++)
    {
      int cx = (int) ((CODE_BLOCK + bit * CODE_BLOCK + CODE_BLOCK / 2) * scale);
      int cy = (int) ((CODE_TOP + CODE_BLOCK / 2) * scale);
      int radius = MAX (1, (int) (CODE_BLOCK / 4 * scale));
      int sum = 0, n = 0;
      for (int y = cy - radius; y < cy + radius; y++)
        for (int x = cx - radius; x < cx + radius; x++)
          {
            const guint8 *p = pixels + (gsize) y * stride + (gsize) pixel_size * x;
            sum += (p[0] + p[1] + p[2]) / 3;
            n++;
          }
      if (sum / n > 128)
        code |= 1 << bit;
    }
  return code;
}

/* Writes COUNT coded frames (CODED) or plain synthetic ones. */
static void
write_clip (const char *path, int width, int height, double fps, int count, StudioMediaFormat format, gboolean coded,
            const char *const *metadata)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioEncoder) encoder = NULL;
  gsize stride = (gsize) width * 3;
  g_autofree guint8 *rgb = g_malloc (stride * height);

  encoder = studio_encoder_open (path, width, height, fps, format, STUDIO_ENCODER_QUALITY_DEFAULT, metadata, &error);
  g_assert_no_error (error);
  g_test_message ("%s: encoder %s", path, studio_encoder_get_codec_name (encoder));
  for (int i = 0; i < count; i++)
    {
      if (coded)
        coded_frame (rgb, width, height, stride, i);
      else
        studio_media_synthetic_frame (rgb, width, height, stride, i);
      studio_encoder_push_frame (encoder, rgb, stride, &error);
      g_assert_no_error (error);
    }
  studio_encoder_finish (encoder, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
}

/* ffprobe's JSON for PATH (counting frames), or NULL after marking the test
 * skipped when ffprobe is not installed. */
static cJSON *
ffprobe (const char *path)
{
  g_autofree char *program = g_find_program_in_path ("ffprobe");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status;
  const char *argv[] = { program,
                         "-v",
                         "error",
                         "-count_frames",
                         "-select_streams",
                         "v:0",
                         "-show_entries",
                         "stream=codec_name,pix_fmt,width,height,r_frame_rate,avg_frame_rate,nb_read_frames:"
                         "format=duration,format_name:format_tags",
                         "-of",
                         "json",
                         path,
                         NULL };

  if (program == NULL)
    {
      g_test_skip ("ffprobe is not installed (apt install ffmpeg); it is the independent reader of our files");
      return NULL;
    }
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("ffprobe failed on %s: %s", path, err);
  return cJSON_Parse (out);
}

static const char *
json_string (const cJSON *object, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, ".", -1);
  const cJSON *item = object;

  for (int i = 0; parts[i] != NULL && item != NULL; i++)
    {
      if (cJSON_IsArray (item))
        item = cJSON_GetArrayItem (item, atoi (parts[i]));
      else
        item = cJSON_GetObjectItem (item, parts[i]); /* case-insensitive: Matroska tags are upper-case */
    }
  return cJSON_IsString (item) ? item->valuestring : NULL;
}

/* A container tag (names with dots cannot go through json_string). */
static const char *
format_tag (const cJSON *probe, const char *key)
{
  const cJSON *item = cJSON_GetObjectItem (cJSON_GetObjectItem (cJSON_GetObjectItem (probe, "format"), "tags"), key);

  return cJSON_IsString (item) ? item->valuestring : NULL;
}

static StudioProvenance *
sample_provenance (void)
{
  StudioProvenance *record = studio_provenance_new ();

  record->title = g_strdup ("Red square, take 3");
  record->comment = g_strdup ("Spring campaign");
  record->take_id = g_strdup ("take-0003");
  record->review_status = g_strdup ("approved");
  record->model_name = g_strdup ("rhymes-ai/Allegro");
  record->model_hash = g_strdup ("sha256:5d1e0b6c0a9f4f7c8b2b7f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4");
  record->prompt = g_strdup ("A red square moving left over a “calm” blue sea — 4K, ünïcode");
  record->negative_prompt = g_strdup ("blurry, low quality");
  record->seed = G_GUINT64_CONSTANT (9223372036854775813); /* above 2^53 */
  record->steps = 100;
  record->guidance = 7.5;
  record->width = 1280;
  record->height = 720;
  record->frames = 88;
  record->fps = 15;
  record->engine_version = g_strdup ("0.1.0");
  studio_provenance_add_approval (record, "Dana Legal", "legal", "approved", "2025-03-01T10:15:00Z");
  studio_provenance_add_approval (record, "Max Manager", "manager", "approved", "2025-03-01T11:00:00Z");
  return record;
}

/* ---- encode ---------------------------------------------------------- */

/* Order of the top-level MP4 boxes, e.g. "ftyp moov mdat". */
static char *
mp4_boxes (const char *path)
{
  g_autofree char *data = NULL;
  gsize size, offset = 0;
  GString *names = g_string_new (NULL);

  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  while (offset + 8 <= size)
    {
      const guint8 *p = (const guint8 *) data + offset;
      guint64 length = ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
      if (length == 1 && offset + 16 <= size)
        {
          length = 0;
          for (int i = 8; i < 16; i++)
            length = (length << 8) | p[i];
        }
      if (length < 8)
        break;
      g_string_append_printf (names, "%s%.4s", names->len ? " " : "", (const char *) p + 4);
      offset += length;
    }
  return g_string_free (names, FALSE);
}

static void
test_encode_h264 (void)
{
  g_autofree char *path = test_path ("encode.mp4");
  g_autoptr (StudioProvenance) record = sample_provenance ();
  g_auto (GStrv) metadata = studio_provenance_to_metadata (record);
  g_autoptr (StudioProvenance) embedded = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *boxes = NULL;
  cJSON *probe;
  const char *tag;

  write_clip (path, 320, 240, 15, 45, STUDIO_MEDIA_FORMAT_MP4, FALSE, (const char *const *) metadata);
  probe = ffprobe (path);
  if (probe == NULL)
    return;
  g_assert_cmpstr (json_string (probe, "streams.0.codec_name"), ==, "h264");
  g_assert_cmpstr (json_string (probe, "streams.0.pix_fmt"), ==, "yuv420p");
  g_assert_cmpint (
      cJSON_GetObjectItem (cJSON_GetArrayItem (cJSON_GetObjectItem (probe, "streams"), 0), "width")->valueint, ==, 320);
  g_assert_cmpstr (json_string (probe, "streams.0.nb_read_frames"), ==, "45");
  g_assert_cmpstr (json_string (probe, "streams.0.r_frame_rate"), ==, "15/1");
  g_assert_cmpstr (json_string (probe, "streams.0.avg_frame_rate"), ==, "15/1");
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (json_string (probe, "format.duration"), NULL), 3.0, 0.01);
  g_assert_cmpstr (json_string (probe, "format.tags.title"), ==, "Red square, take 3");
  g_assert_cmpstr (json_string (probe, "format.tags.comment"), ==, "Spring campaign");
  g_assert_cmpstr (json_string (probe, "format.tags.ai_generated"), ==, "true");
  g_assert_nonnull (strstr (json_string (probe, "format.tags.description"), "AI-generated"));
  tag = format_tag (probe, STUDIO_PROVENANCE_TAG);
  g_assert_nonnull (tag);
  embedded = studio_provenance_from_json (tag, path, &error);
  g_assert_no_error (error);
  g_assert_true (studio_provenance_equal (embedded, record));
  g_assert_cmpuint (embedded->seed, ==, G_GUINT64_CONSTANT (9223372036854775813));
  cJSON_Delete (probe);

  /* faststart: the index comes before the media data. */
  boxes = mp4_boxes (path);
  g_test_message ("boxes: %s", boxes);
  g_assert_true (g_str_has_prefix (boxes, "ftyp moov"));
  g_assert_nonnull (strstr (boxes, "mdat"));
}

static void
test_encode_frame_rates (void)
{
  /* NTSC and film rates must survive as exact fractions. */
  const struct
  {
    double fps;
    const char *fraction;
  } rates[] = { { 24, "24/1" }, { 30000.0 / 1001, "30000/1001" }, { 30, "30/1" } };

  for (gsize i = 0; i < G_N_ELEMENTS (rates); i++)
    {
      g_autofree char *path = test_path ("rate.mp4");
      g_autoptr (StudioDecoder) decoder = NULL;
      g_autoptr (GError) error = NULL;
      cJSON *probe;

      write_clip (path, 64, 64, rates[i].fps, 12, STUDIO_MEDIA_FORMAT_MP4, FALSE, NULL);
      probe = ffprobe (path);
      if (probe == NULL)
        return;
      g_assert_cmpstr (json_string (probe, "streams.0.avg_frame_rate"), ==, rates[i].fraction);
      g_assert_cmpstr (json_string (probe, "streams.0.nb_read_frames"), ==, "12");
      cJSON_Delete (probe);
      decoder = studio_decoder_open (path, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (studio_decoder_get_info (decoder)->fps, rates[i].fps, 1e-6);
      g_assert_cmpfloat_with_epsilon (studio_decoder_get_info (decoder)->duration, 12 / rates[i].fps, 1e-3);
    }
}

static guint
count_files (const char *folder)
{
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
test_encode_errors (void)
{
  g_autofree char *folder = test_path ("errors");
  g_autofree char *path = g_build_filename (folder, "out.mp4", NULL);
  g_autofree char *missing = test_path ("no-such-folder/out.mp4");
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioEncoder) encoder = NULL;
  guint8 rgb[64 * 64 * 3] = { 0 };

  g_mkdir (folder, 0755);
  encoder = studio_encoder_open (path, 63, 64, 15, STUDIO_MEDIA_FORMAT_MP4, -1, NULL, &error);
  g_assert_null (encoder);
  g_assert_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "63x64"));
  g_clear_error (&error);

  encoder = studio_encoder_open (path, 64, 64, 0, STUDIO_MEDIA_FORMAT_MP4, -1, NULL, &error);
  g_assert_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  encoder = studio_encoder_open (missing, 64, 64, 15, STUDIO_MEDIA_FORMAT_MP4, -1, NULL, &error);
  g_assert_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "no-such-folder"));
  g_clear_error (&error);

  /* No frames: an error, and nothing left behind. */
  encoder = studio_encoder_open (path, 64, 64, 15, STUDIO_MEDIA_FORMAT_MP4, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_files (folder), ==, 1); /* the temporary file */
  g_assert_false (studio_encoder_finish (encoder, &error));
  g_assert_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (count_files (folder), ==, 0);
  g_clear_pointer (&encoder, studio_encoder_free);

  /* Abort after some frames: nothing left behind either. */
  encoder = studio_encoder_open (path, 64, 64, 15, STUDIO_MEDIA_FORMAT_MP4, -1, NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 5; i++)
    g_assert_true (studio_encoder_push_frame (encoder, rgb, 64 * 3, &error));
  g_assert_nonnull (studio_encoder_get_temporary_path (encoder));
  g_assert_true (g_str_has_prefix (strrchr (studio_encoder_get_temporary_path (encoder), '/'), "/.out.mp4."));
  studio_encoder_abort (encoder);
  g_assert_cmpuint (count_files (folder), ==, 0);
  g_assert_false (studio_encoder_push_frame (encoder, rgb, 64 * 3, &error));
  g_assert_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT);
}

/* ---- decode ---------------------------------------------------------- */

static double
psnr (const guint8 *a, const guint8 *b, gsize n)
{
  double sum = 0;

  for (gsize i = 0; i < n; i++)
    sum += (double) (a[i] - b[i]) * (a[i] - b[i]);
  return sum == 0 ? 99 : 10 * log10 (255.0 * 255.0 / (sum / n));
}

/* The bound for CRF 18 on smooth content: visually lossless is about 40 dB;
 * 35 dB leaves room for chroma subsampling at the disc's edge. */
#define PSNR_BOUND 35.0

static void
test_decode_psnr (void)
{
  g_autofree char *path = test_path ("psnr.mp4");
  g_autoptr (StudioDecoder) decoder = NULL;
  g_autoptr (GError) error = NULL;
  const int width = 640, height = 352, count = 30;
  gsize stride = (gsize) width * 3;
  g_autofree guint8 *expected = g_malloc (stride * height);
  g_autofree guint8 *got = g_malloc (stride * height);
  const StudioMediaInfo *info;
  double worst = 99, mean = 0;

  write_clip (path, width, height, 15, count, STUDIO_MEDIA_FORMAT_MP4, FALSE, NULL);
  decoder = studio_decoder_open (path, &error);
  g_assert_no_error (error);
  info = studio_decoder_get_info (decoder);
  g_assert_cmpint (info->width, ==, width);
  g_assert_cmpint (info->height, ==, height);
  g_assert_cmpint (info->frame_count, ==, count);
  g_assert_cmpint (info->fps_num, ==, 15);
  g_assert_cmpint (info->fps_den, ==, 1);
  g_assert_cmpfloat_with_epsilon (info->duration, 2.0, 1e-6);
  g_assert_cmpstr (info->codec, ==, "h264");
  for (int i = 0; i < count; i++)
    {
      double value;
      studio_media_synthetic_frame (expected, width, height, stride, i);
      g_assert_true (studio_decoder_read_frame_rgb (decoder, i, got, stride, &error));
      value = psnr (expected, got, stride * height);
      worst = MIN (worst, value);
      mean += value / count;
    }
  g_test_message ("PSNR over %d frames of %dx%d at CRF 18: mean %.2f dB, worst %.2f dB (bound %.1f dB)", count, width,
                  height, mean, worst, PSNR_BOUND);
  g_assert_cmpfloat (worst, >, PSNR_BOUND);

  /* RGBA for GTK: the same picture, alpha opaque. */
  {
    gsize rgba_stride;
    g_autoptr (GBytes) rgba = studio_decoder_read_frame_bytes (decoder, 7, &rgba_stride, &error);
    const guint8 *p = g_bytes_get_data (rgba, NULL);
    g_assert_no_error (error);
    g_assert_cmpuint (rgba_stride, ==, (gsize) width * 4);
    g_assert_true (studio_decoder_read_frame_rgb (decoder, 7, got, stride, &error));
    for (int i = 0; i < width * height; i++)
      {
        g_assert_cmpuint (p[4 * i + 3], ==, 255);
        g_assert_cmpint (abs (p[4 * i] - got[3 * i]), <=, 1);
      }
  }
}

/* Reads frames in ORDER and checks each one's code. */
static void
check_seeks (StudioDecoder *decoder, const int *order, int n, const char *what)
{
  const StudioMediaInfo *info = studio_decoder_get_info (decoder);
  gsize stride = (gsize) info->width * 4;
  g_autofree guint8 *rgba = g_malloc (stride * info->height);
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  for (int i = 0; i < n; i++)
    {
      g_assert_true (studio_decoder_read_frame (decoder, order[i], rgba, stride, &error));
      g_assert_no_error (error);
      if (read_code (rgba, stride, 4, 1.0) != order[i])
        g_error ("%s: asked for frame %d, got frame %d", what, order[i], read_code (rgba, stride, 4, 1.0));
    }
  g_test_message ("%s: %d exact seeks, %.1f ms each on average", what, n,
                  (g_get_monotonic_time () - start) / 1000.0 / n);
}

static void
check_every_frame (const char *path, int count)
{
  g_autoptr (StudioDecoder) decoder = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  g_autofree int *order = g_new (int, count);

  decoder = studio_decoder_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (studio_decoder_get_info (decoder)->frame_count, ==, count);

  for (int i = 0; i < count; i++)
    order[i] = i;
  check_seeks (decoder, order, count, "in order");
  for (int i = 0; i < count; i++)
    order[i] = count - 1 - i;
  check_seeks (decoder, order, count, "backwards");
  for (int i = count - 1; i > 0; i--)
    {
      int j = g_rand_int_range (rand, 0, i + 1), t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  check_seeks (decoder, order, count, "shuffled");
  /* Repeats and neighbours: the same frame twice, then one step back. */
  {
    int tricky[] = { 45, 45, 44, 46, 0, 89 % count, 14, 15, 16, 15, 30, 29 };
    for (gsize i = 0; i < G_N_ELEMENTS (tricky); i++)
      tricky[i] %= count;
    check_seeks (decoder, tricky, G_N_ELEMENTS (tricky), "repeats");
  }

  {
    guint8 pixel[4];
    g_assert_false (studio_decoder_read_frame (decoder, count, pixel, 4, &error));
    g_assert_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_false (studio_decoder_read_frame (decoder, -1, pixel, 4, &error));
    g_assert_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_decode_seek_every_frame (void)
{
  g_autofree char *path = test_path ("seek.mp4");

  /* 90 frames: a keyframe a second (15) and B-frames, so that seeks land
   * on every position in a group of pictures. */
  write_clip (path, 160, 96, 15, 90, STUDIO_MEDIA_FORMAT_MP4, TRUE, NULL);
  check_every_frame (path, 90);
}

static void
test_decode_imported (void)
{
  /* Footage we did not write: ffmpeg's own encoder settings (long GOP,
   * B-pyramid, 25 fps), through the ffmpeg program. */
  g_autofree char *program = g_find_program_in_path ("ffmpeg");
  g_autofree char *path = test_path ("imported.mp4");
  g_autoptr (StudioDecoder) decoder = NULL;
  g_autoptr (GError) error = NULL;
  int status;
  const char *argv[] = { program,     "-v", "error", "-y",      "-f", "lavfi", "-i", "testsrc2=size=176x144:rate=25",
                         "-frames:v", "60", "-c:v",  "libx264", "-g", "250",   path, NULL };

  if (program == NULL)
    {
      g_test_skip ("ffmpeg is not installed (apt install ffmpeg)");
      return;
    }
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  decoder = studio_decoder_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (studio_decoder_get_info (decoder)->frame_count, ==, 60);
  g_assert_cmpint (studio_decoder_get_info (decoder)->width, ==, 176);
  g_assert_cmpfloat (studio_decoder_get_info (decoder)->fps, ==, 25);
  g_assert_cmpfloat_with_epsilon (studio_decoder_get_info (decoder)->duration, 2.4, 1e-6);

  /* testsrc2 draws a running frame counter; frames decoded by seeking must
   * equal those decoded in order. */
  {
    gsize stride = 176 * 4, size = stride * 144;
    g_autofree guint8 *in_order = g_malloc (size * 60);
    g_autofree guint8 *seeked = g_malloc (size);
    for (int i = 0; i < 60; i++)
      g_assert_true (studio_decoder_read_frame (decoder, i, in_order + size * i, stride, &error));
    for (int i = 59; i >= 0; i -= 7)
      {
        g_assert_true (studio_decoder_read_frame (decoder, i, seeked, stride, &error));
        g_assert_true (memcmp (seeked, in_order + size * i, size) == 0);
        g_assert_false (i > 0 && memcmp (seeked, in_order + size * (i - 1), size) == 0);
      }
  }
}

static void
copy_prefix (const char *from, const char *to, gsize length)
{
  g_autofree char *data = NULL;
  gsize size;

  g_assert_true (g_file_get_contents (from, &data, &size, NULL));
  g_assert_cmpuint (length, <, size);
  g_assert_true (g_file_set_contents (to, data, (gssize) length, NULL));
}

static void
assert_open_fails (const char *path, int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioDecoder) decoder = studio_decoder_open (path, &error);
  g_autofree char *base = g_path_get_basename (path);

  g_assert_null (decoder);
  g_assert_nonnull (error);
  g_test_message ("%s: %s", base, error->message);
  g_assert_nonnull (strstr (error->message, base));
  if (code >= 0)
    g_assert_error (error, STUDIO_MEDIA_ERROR, code);
}

static void
test_decode_truncated (void)
{
  g_autofree char *path = test_path ("whole.mp4");
  g_autofree char *cut = test_path ("cut-in-data.mp4");
  g_autofree char *header = test_path ("cut-in-index.mp4");
  g_autofree char *webm = test_path ("whole.webm");
  g_autofree char *webm_cut = test_path ("cut.webm");
  GStatBuf st;

  write_clip (path, 160, 96, 15, 30, STUDIO_MEDIA_FORMAT_MP4, TRUE, NULL);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  /* The index is whole (faststart) but the frames stop part way. */
  copy_prefix (path, cut, st.st_size * 6 / 10);
  assert_open_fails (cut, STUDIO_MEDIA_ERROR_TRUNCATED);
  /* Cut inside the index itself. */
  copy_prefix (path, header, 200);
  assert_open_fails (header, -1);

  if (studio_media_find_encoder (STUDIO_MEDIA_FORMAT_WEBM, NULL) != NULL)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (StudioDecoder) decoder = NULL;
      write_clip (webm, 160, 96, 15, 30, STUDIO_MEDIA_FORMAT_WEBM, TRUE, NULL);
      g_assert_cmpint (g_stat (webm, &st), ==, 0);
      copy_prefix (webm, webm_cut, st.st_size * 6 / 10);
      /* WebM has no frame table up front: the duration in its header
       * tells that frames are missing. */
      assert_open_fails (webm_cut, STUDIO_MEDIA_ERROR_TRUNCATED);
    }
}

static void
test_decode_garbage (void)
{
  g_autofree char *garbage = test_path ("garbage.mp4");
  g_autofree char *empty = test_path ("empty.mp4");
  g_autofree char *text = test_path ("notes.mov");
  g_autofree char *missing = test_path ("missing.mp4");
  g_autofree char *audio = test_path ("audio-only.wav");
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  guint8 noise[65536];
  /* A WAV header with no video in it. */
  static const guint8 wav[44]
      = { 'R', 'I', 'F',  'F',  36, 0, 0,    0,    'W', 'A', 'V', 'E', 'f', 'm', 't', ' ', 16,  0,   0, 0, 1, 0,
          1,   0,   0x40, 0x1f, 0,  0, 0x80, 0x3e, 0,   0,   2,   0,   16,  0,   'd', 'a', 't', 'a', 0, 0, 0, 0 };

  for (gsize i = 0; i < sizeof noise; i++)
    noise[i] = (guint8) g_rand_int (rand);
  g_assert_true (g_file_set_contents (garbage, (const char *) noise, sizeof noise, NULL));
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_true (g_file_set_contents (text, "These are meeting notes, not a video.\n", -1, NULL));
  g_assert_true (g_file_set_contents (audio, (const char *) wav, sizeof wav, NULL));
  assert_open_fails (garbage, STUDIO_MEDIA_ERROR_INVALID_DATA);
  assert_open_fails (empty, -1);
  assert_open_fails (text, STUDIO_MEDIA_ERROR_INVALID_DATA);
  assert_open_fails (missing, STUDIO_MEDIA_ERROR_NOT_FOUND);
  assert_open_fails (audio, STUDIO_MEDIA_ERROR_INVALID_DATA);
  assert_open_fails (test_folder, STUDIO_MEDIA_ERROR_INVALID_DATA);
}

/* ---- webm ------------------------------------------------------------ */

static void
test_webm (void)
{
  g_autofree char *path = test_path ("seek.webm");
  g_autoptr (StudioProvenance) record = sample_provenance ();
  g_autoptr (StudioProvenance) embedded = NULL;
  g_auto (GStrv) metadata = studio_provenance_to_metadata (record);
  g_autoptr (GError) error = NULL;
  const char *encoder = studio_media_find_encoder (STUDIO_MEDIA_FORMAT_WEBM, &error);
  cJSON *probe;

  if (encoder == NULL)
    {
      g_autofree char *message = g_strdup_printf ("no VP9 encoder: %s", error->message);
      g_test_skip (message);
      return;
    }
  g_test_message ("VP9 encoder: %s", encoder);
  write_clip (path, 160, 96, 15, 45, STUDIO_MEDIA_FORMAT_WEBM, TRUE, (const char *const *) metadata);
  probe = ffprobe (path);
  if (probe == NULL)
    return;
  g_assert_cmpstr (json_string (probe, "streams.0.codec_name"), ==, "vp9");
  g_assert_cmpstr (json_string (probe, "streams.0.pix_fmt"), ==, "yuv420p");
  g_assert_cmpstr (json_string (probe, "streams.0.nb_read_frames"), ==, "45");
  g_assert_cmpstr (json_string (probe, "streams.0.avg_frame_rate"), ==, "15/1");
  g_assert_nonnull (strstr (json_string (probe, "format.format_name"), "webm"));
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (json_string (probe, "format.duration"), NULL), 3.0, 0.01);
  g_assert_cmpstr (json_string (probe, "format.tags.title"), ==, "Red square, take 3");
  cJSON_Delete (probe);
  embedded = studio_provenance_read_container (path, &error);
  g_assert_no_error (error);
  g_assert_true (studio_provenance_equal (embedded, record));
  check_every_frame (path, 45);
}

/* ---- provenance ------------------------------------------------------ */

static void
test_provenance_json (void)
{
  g_autoptr (StudioProvenance) record = sample_provenance ();
  g_autoptr (StudioProvenance) back = NULL;
  g_autoptr (StudioProvenance) small_seed = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = studio_provenance_to_json (record, TRUE);
  cJSON *parsed = cJSON_Parse (json);

  /* The record as another program reads it. */
  g_assert_nonnull (parsed);
  g_assert_cmpstr (json_string (parsed, "schema"), ==, STUDIO_PROVENANCE_SCHEMA);
  g_assert_true (cJSON_IsTrue (cJSON_GetObjectItem (parsed, "ai_generated")));
  g_assert_cmpstr (json_string (parsed, "digital_source_type"), ==,
                   "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia");
  g_assert_cmpstr (json_string (parsed, "model.name"), ==, "rhymes-ai/Allegro");
  g_assert_cmpstr (json_string (parsed, "recipe.prompt"), ==, record->prompt);
  g_assert_cmpstr (json_string (parsed, "recipe.seed"), ==, "9223372036854775813");
  g_assert_cmpstr (json_string (parsed, "approvals.1.name"), ==, "Max Manager");
  g_assert_cmpstr (json_string (parsed, "approvals.0.time"), ==, "2025-03-01T10:15:00Z");
  cJSON_Delete (parsed);

  back = studio_provenance_from_json (json, "test", &error);
  g_assert_no_error (error);
  g_assert_true (studio_provenance_equal (back, record));
  g_assert_cmpuint (back->seed, ==, record->seed);
  g_assert_cmpint (back->steps, ==, 100);
  g_assert_cmpfloat (back->guidance, ==, 7.5);
  g_assert_cmpuint (back->approvals->len, ==, 2);

  /* Small seeds are plain numbers. */
  small_seed = studio_provenance_copy (record);
  small_seed->seed = 42;
  g_free (json);
  json = studio_provenance_to_json (small_seed, FALSE);
  g_assert_nonnull (strstr (json, "\"seed\":42,"));

  /* Bad records name the file and the field. */
  {
    const struct
    {
      const char *json;
      const char *expect;
    } bad[] = {
      { "not json", "not a JSON object" },
      { "{\"ai_generated\": true}", "schema" },
      { "{\"schema\": \"allegro-studio/provenance/1\"}", "ai_generated" },
      { "{\"schema\": \"allegro-studio/provenance/1\", \"ai_generated\": true, \"recipe\": {\"steps\": \"many\"}}",
        "steps" },
      { "{\"schema\": \"allegro-studio/provenance/1\", \"ai_generated\": true, \"recipe\": {\"seed\": -1}}", "seed" },
      { "{\"schema\": \"allegro-studio/provenance/9\", \"ai_generated\": true}", "update Allegro Studio" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr (StudioProvenance) none = studio_provenance_from_json (bad[i].json, "take.mp4", &error);
        g_assert_null (none);
        g_assert_nonnull (error);
        g_assert_nonnull (strstr (error->message, "take.mp4"));
        if (strstr (error->message, bad[i].expect) == NULL)
          g_error ("“%s” gave “%s”, which does not mention “%s”", bad[i].json, error->message, bad[i].expect);
        g_clear_error (&error);
      }
  }
}

static void
test_provenance_sources (void)
{
  g_autofree char *plain = test_path ("no-tags.mp4");
  g_autofree char *sidecar = studio_provenance_sidecar_path (plain);
  g_autoptr (StudioProvenance) record = sample_provenance ();
  g_autoptr (StudioProvenance) read = NULL;
  g_autoptr (GError) error = NULL;
  StudioProvenanceSource source;

  g_assert_true (g_str_has_suffix (sidecar, "no-tags.mp4.provenance.json"));
  write_clip (plain, 64, 64, 15, 3, STUDIO_MEDIA_FORMAT_MP4, FALSE, NULL);
  read = studio_provenance_read (plain, NULL, &error);
  g_assert_null (read);
  g_assert_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no-tags.mp4.provenance.json"));
  g_clear_error (&error);

  g_assert_true (studio_provenance_write_sidecar (record, plain, &error));
  read = studio_provenance_read (plain, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpint (source, ==, STUDIO_PROVENANCE_FROM_SIDECAR);
  g_assert_true (studio_provenance_equal (read, record));
  g_clear_pointer (&read, studio_provenance_free);
  read = studio_provenance_read (sidecar, &source, &error);
  g_assert_no_error (error);
  g_assert_true (studio_provenance_equal (read, record));
}

/* ---- labels ---------------------------------------------------------- */

/* Reads a label back from the pixels: each font pixel is sampled at its
 * centre, and each character cell matched to the nearest glyph. */
static char *
read_label (const guint8 *rgb, int width, int height, gsize stride, StudioLabelFlags which)
{
  StudioLabelLayout layout;
  const char *characters = studio_label_font_characters ();
  GString *text = g_string_new (NULL);

  if (!studio_label_layout (width, height, which, &layout))
    return g_string_free (text, FALSE);
  for (int line = 0; line < layout.n_lines; line++)
    for (int i = 0; i < (int) strlen (layout.lines[line]); i++)
      {
        guint8 seen[STUDIO_LABEL_GLYPH_HEIGHT] = { 0 };
        int best_distance = 1000;
        char best = '?';
        int left = layout.text_x + i * STUDIO_LABEL_ADVANCE * layout.scale;
        int top = layout.text_y + line * STUDIO_LABEL_LINE_HEIGHT * layout.scale;

        for (int gy = 0; gy < STUDIO_LABEL_GLYPH_HEIGHT; gy++)
          for (int gx = 0; gx < STUDIO_LABEL_GLYPH_WIDTH; gx++)
            {
              int x = left + gx * layout.scale + layout.scale / 2;
              int y = top + gy * layout.scale + layout.scale / 2;
              const guint8 *p = rgb + (gsize) y * stride + 3 * (gsize) x;
              if ((p[0] + p[1] + p[2]) / 3 > 160)
                seen[gy] |= 1 << (STUDIO_LABEL_GLYPH_WIDTH - 1 - gx);
            }
        for (const char *c = characters; *c != '\0'; c++)
          {
            const guint8 *glyph = studio_label_glyph (*c);
            int distance = 0;
            for (int gy = 0; gy < STUDIO_LABEL_GLYPH_HEIGHT; gy++)
              distance += __builtin_popcount (glyph[gy] ^ seen[gy]);
            if (distance < best_distance)
              {
                best_distance = distance;
                best = *c;
              }
          }
        g_string_append_c (text, best_distance <= 2 ? best : '?');
      }
  return g_string_free (text, FALSE);
}

static void
fill_background (guint8 *rgb, int width, int height, gsize stride, int kind, GRand *rand)
{
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width * 3; x++)
      rgb[(gsize) y * stride + x] = kind == 0 ? 255 : kind == 1 ? 0 : (guint8) g_rand_int (rand);
}

static const int label_sizes[][2] = { { 64, 64 },    { 96, 64 },    { 64, 96 },     { 352, 640 },  { 640, 352 },
                                      { 1280, 720 }, { 720, 1280 }, { 1920, 1080 }, { 3840, 2160 } };

static void
test_label_readable (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);

  for (gsize s = 0; s < G_N_ELEMENTS (label_sizes); s++)
    for (int kind = 0; kind < 3; kind++)
      {
        int width = label_sizes[s][0], height = label_sizes[s][1];
        gsize stride = (gsize) width * 3 + 5; /* a padded stride */
        g_autofree guint8 *rgb = g_malloc (stride * height);
        g_autofree guint8 *before = NULL;
        g_autofree char *ai = NULL;
        g_autofree char *draft = NULL;
        StudioLabelLayout ai_layout, draft_layout;

        fill_background (rgb, width, height, stride, kind, rand);
        before = g_memdup2 (rgb, stride * height);
        studio_label_burn (rgb, width, height, stride, STUDIO_LABEL_AI_GENERATED | STUDIO_LABEL_DRAFT);
        ai = read_label (rgb, width, height, stride, STUDIO_LABEL_AI_GENERATED);
        draft = read_label (rgb, width, height, stride, STUDIO_LABEL_DRAFT);
        g_assert_cmpstr (ai, ==, "AI-generated");
        g_assert_cmpstr (draft, ==, "DRAFT");

        g_assert_true (studio_label_layout (width, height, STUDIO_LABEL_AI_GENERATED, &ai_layout));
        g_assert_true (studio_label_layout (width, height, STUDIO_LABEL_DRAFT, &draft_layout));
        if (kind == 0)
          g_test_message ("%dx%d: AI label %dx%d at (%d,%d), scale %d, %d line(s); DRAFT %dx%d at (%d,%d)", width,
                          height, ai_layout.box_width, ai_layout.box_height, ai_layout.box_x, ai_layout.box_y,
                          ai_layout.scale, ai_layout.n_lines, draft_layout.box_width, draft_layout.box_height,
                          draft_layout.box_x, draft_layout.box_y);
        /* Corners: AI bottom-right, DRAFT top-left, inside the frame, apart. */
        g_assert_cmpint (ai_layout.box_x + ai_layout.box_width, <=, width);
        g_assert_cmpint (ai_layout.box_y + ai_layout.box_height, <=, height);
        g_assert_cmpint (ai_layout.box_x + ai_layout.box_width, >=, width - MAX (2, MIN (width, height) / 40));
        g_assert_cmpint (ai_layout.box_y, >, height / 2);
        g_assert_cmpint (draft_layout.box_x, <, width / 8);
        g_assert_cmpint (draft_layout.box_y, <, height / 8);
        g_assert_cmpint (draft_layout.box_y + draft_layout.box_height, <, ai_layout.box_y);
        /* Readable size: capitals at least 7 pixels, and about 1/30 of the
         * short side on large frames. */
        g_assert_cmpint (7 * ai_layout.scale, >=, MIN (MIN (width, height) / 30, 7 * 4));

        /* Outside the two boxes nothing changed. */
        for (int y = 0; y < height; y++)
          for (int x = 0; x < width; x++)
            {
              gboolean in_ai = x >= ai_layout.box_x && x < ai_layout.box_x + ai_layout.box_width && y >= ai_layout.box_y
                               && y < ai_layout.box_y + ai_layout.box_height;
              gboolean in_draft = x >= draft_layout.box_x && x < draft_layout.box_x + draft_layout.box_width
                                  && y >= draft_layout.box_y && y < draft_layout.box_y + draft_layout.box_height;
              if (!in_ai && !in_draft)
                g_assert_true (memcmp (rgb + y * stride + 3 * x, before + y * stride + 3 * x, 3) == 0);
            }
        /* The padding bytes after each row are never written. */
        for (int y = 0; y < height; y++)
          g_assert_true (memcmp (rgb + y * stride + width * 3, before + y * stride + width * 3, 5) == 0);
      }
}

static void
test_label_after_encoding (void)
{
  /* Readable after H.264 at CRF 18, smallest and usual sizes. */
  const int sizes[][2] = { { 64, 64 }, { 1280, 720 } };
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int width = sizes[s][0], height = sizes[s][1];
      gsize stride = (gsize) width * 3;
      g_autofree char *path = g_strdup_printf ("%s/label-%dx%d.mp4", test_folder, width, height);
      g_autofree guint8 *rgb = g_malloc (stride * height);
      g_autoptr (StudioEncoder) encoder = NULL;
      g_autoptr (StudioDecoder) decoder = NULL;
      g_autoptr (GError) error = NULL;

      encoder = studio_encoder_open (path, width, height, 15, STUDIO_MEDIA_FORMAT_MP4, -1, NULL, &error);
      g_assert_no_error (error);
      for (int i = 0; i < 6; i++)
        {
          /* Noise and flat frames: the hardest and easiest backgrounds. */
          fill_background (rgb, width, height, stride, i % 3, rand);
          studio_label_burn (rgb, width, height, stride, STUDIO_LABEL_AI_GENERATED | STUDIO_LABEL_DRAFT);
          g_assert_true (studio_encoder_push_frame (encoder, rgb, stride, &error));
        }
      g_assert_true (studio_encoder_finish (encoder, &error));
      decoder = studio_decoder_open (path, &error);
      g_assert_no_error (error);
      for (int i = 0; i < 6; i++)
        {
          g_autofree char *ai = NULL;
          g_autofree char *draft = NULL;
          g_assert_true (studio_decoder_read_frame_rgb (decoder, i, rgb, stride, &error));
          ai = read_label (rgb, width, height, stride, STUDIO_LABEL_AI_GENERATED);
          draft = read_label (rgb, width, height, stride, STUDIO_LABEL_DRAFT);
          g_assert_cmpstr (ai, ==, "AI-generated");
          g_assert_cmpstr (draft, ==, "DRAFT");
        }
    }
}

/* ---- posters --------------------------------------------------------- */

static void
test_poster (void)
{
  g_autofree char *video = test_path ("poster-source.mp4");
  g_autofree char *poster = test_path ("poster.png");
  g_autofree char *small = test_path ("poster-small.png");
  g_autofree char *strip = test_path ("strip.png");
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioDecoder) image = NULL;
  g_autofree guint8 *rgb = NULL;
  const StudioMediaInfo *info;
  cJSON *probe;
  /* Frames 0..89 in 6 tiles: round(i * 89 / 5). */
  const int expected[] = { 0, 18, 36, 53, 71, 89 };

  write_clip (video, 160, 96, 15, 90, STUDIO_MEDIA_FORMAT_MP4, TRUE, NULL);

  g_assert_true (studio_poster_write (video, 37, 0, poster, &error));
  g_assert_no_error (error);
  probe = ffprobe (poster);
  if (probe == NULL)
    return;
  g_assert_cmpstr (json_string (probe, "streams.0.codec_name"), ==, "png");
  cJSON_Delete (probe);
  image = studio_decoder_open (poster, &error);
  g_assert_no_error (error);
  info = studio_decoder_get_info (image);
  g_assert_cmpint (info->width, ==, 160);
  g_assert_cmpint (info->height, ==, 96);
  rgb = g_malloc (160 * 3 * 96);
  g_assert_true (studio_decoder_read_frame_rgb (image, 0, rgb, 160 * 3, &error));
  g_assert_cmpint (read_code (rgb, 160 * 3, 3, 1.0), ==, 37);
  g_clear_pointer (&image, studio_decoder_free);

  /* Scaled down, longest side 80; the default frame is the middle one. */
  g_assert_true (studio_poster_write (video, -1, 80, small, &error));
  image = studio_decoder_open (small, &error);
  g_assert_no_error (error);
  g_assert_cmpint (studio_decoder_get_info (image)->width, ==, 80);
  g_assert_cmpint (studio_decoder_get_info (image)->height, ==, 48);
  g_assert_true (studio_decoder_read_frame_rgb (image, 0, rgb, 80 * 3, &error));
  g_assert_cmpint (read_code (rgb, 80 * 3, 3, 0.5), ==, 45);
  g_clear_pointer (&image, studio_decoder_free);

  g_assert_false (studio_poster_write (video, 90, 0, poster, &error));
  g_assert_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A strip of 6 frames in 3 columns of 80 pixels: 240 x 96. */
  g_assert_true (studio_preview_strip_write (video, 6, 3, 80, strip, &error));
  g_assert_no_error (error);
  image = studio_decoder_open (strip, &error);
  g_assert_no_error (error);
  g_assert_cmpint (studio_decoder_get_info (image)->width, ==, 240);
  g_assert_cmpint (studio_decoder_get_info (image)->height, ==, 96);
  g_free (rgb);
  rgb = g_malloc (240 * 3 * 96);
  g_assert_true (studio_decoder_read_frame_rgb (image, 0, rgb, 240 * 3, &error));
  for (int i = 0; i < 6; i++)
    {
      const guint8 *tile = rgb + (gsize) (i / 3) * 48 * 240 * 3 + (gsize) (i % 3) * 80 * 3;
      g_assert_cmpint (read_code (tile, 240 * 3, 3, 0.5), ==, expected[i]);
    }
}

/* ---- export ---------------------------------------------------------- */

static void
test_export (void)
{
  g_autofree char *source = test_path ("take.mp4");
  g_autofree char *labelled = test_path ("export-labelled.mp4");
  g_autofree char *plain = test_path ("export-plain.mp4");
  g_autofree char *sidecar_path = studio_provenance_sidecar_path (labelled);
  g_autoptr (StudioProvenance) record = sample_provenance ();
  g_autoptr (StudioProvenance) embedded = NULL;
  g_autoptr (StudioProvenance) sidecar = NULL;
  g_autoptr (StudioDecoder) decoder = NULL;
  g_autoptr (StudioDecoder) original = NULL;
  g_autoptr (GError) error = NULL;
  const int width = 160, height = 96, count = 30;
  gsize stride = width * 3;
  g_autofree guint8 *rgb = g_malloc (stride * height);
  g_autofree guint8 *reference = g_malloc (stride * height);
  cJSON *probe;
  double worst = 99;

  write_clip (source, width, height, 15, count, STUDIO_MEDIA_FORMAT_MP4, TRUE, NULL);
  g_assert_true (studio_media_export (source, labelled, STUDIO_MEDIA_FORMAT_MP4, record, TRUE, TRUE, &error));
  g_assert_no_error (error);

  /* Provenance: embedded and in the sidecar, the same, with the export's facts. */
  embedded = studio_provenance_read_container (labelled, &error);
  g_assert_no_error (error);
  sidecar = studio_provenance_read_sidecar (labelled, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (sidecar_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (studio_provenance_equal (embedded, sidecar));
  g_assert_cmpstr (embedded->prompt, ==, record->prompt);
  g_assert_cmpstr (embedded->export_format, ==, "mp4");
  g_assert_true (embedded->label_ai);
  g_assert_true (embedded->label_draft);
  g_assert_nonnull (embedded->exported_at);
  g_assert_cmpuint (embedded->approvals->len, ==, 2);

  probe = ffprobe (labelled);
  if (probe != NULL)
    {
      g_assert_cmpstr (json_string (probe, "streams.0.codec_name"), ==, "h264");
      g_assert_cmpstr (json_string (probe, "streams.0.nb_read_frames"), ==, "30");
      g_assert_cmpstr (json_string (probe, "streams.0.avg_frame_rate"), ==, "15/1");
      g_assert_cmpstr (json_string (probe, "format.tags.ai_generated"), ==, "true");
      cJSON_Delete (probe);
    }

  /* Every frame in order, labelled. */
  decoder = studio_decoder_open (labelled, &error);
  g_assert_no_error (error);
  g_assert_cmpint (studio_decoder_get_info (decoder)->frame_count, ==, count);
  for (int i = 0; i < count; i++)
    {
      g_autofree char *ai = NULL;
      g_autofree char *draft = NULL;
      g_assert_true (studio_decoder_read_frame_rgb (decoder, i, rgb, stride, &error));
      g_assert_cmpint (read_code (rgb, stride, 3, 1.0), ==, i);
      ai = read_label (rgb, width, height, stride, STUDIO_LABEL_AI_GENERATED);
      draft = read_label (rgb, width, height, stride, STUDIO_LABEL_DRAFT);
      g_assert_cmpstr (ai, ==, "AI-generated");
      g_assert_cmpstr (draft, ==, "DRAFT");
    }
  g_clear_pointer (&decoder, studio_decoder_free);

  /* Without labels the picture is the source's, within re-encoding loss. */
  g_assert_true (studio_media_export (source, plain, STUDIO_MEDIA_FORMAT_MP4, record, FALSE, FALSE, &error));
  decoder = studio_decoder_open (plain, &error);
  g_assert_no_error (error);
  original = studio_decoder_open (source, &error);
  g_assert_no_error (error);
  for (int i = 0; i < count; i++)
    {
      g_autofree char *ai = NULL;
      g_assert_true (studio_decoder_read_frame_rgb (decoder, i, rgb, stride, &error));
      g_assert_true (studio_decoder_read_frame_rgb (original, i, reference, stride, &error));
      worst = MIN (worst, psnr (rgb, reference, stride * height));
      ai = read_label (rgb, width, height, stride, STUDIO_LABEL_AI_GENERATED);
      g_assert_cmpstr (ai, !=, "AI-generated");
    }
  g_test_message ("unlabelled export against its source: worst PSNR %.2f dB", worst);
  g_assert_cmpfloat (worst, >, PSNR_BOUND);
  g_clear_pointer (&embedded, studio_provenance_free);
  embedded = studio_provenance_read (plain, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (embedded->label_ai);
  g_assert_false (embedded->label_draft);

  /* A source that cannot be read leaves nothing behind. */
  {
    g_autofree char *garbage = test_path ("garbage-take.mp4");
    g_autofree char *out = test_path ("export-of-garbage.mp4");
    g_autofree char *out_sidecar = studio_provenance_sidecar_path (out);
    g_assert_true (g_file_set_contents (garbage, "garbage", -1, NULL));
    g_assert_false (studio_media_export (garbage, out, STUDIO_MEDIA_FORMAT_MP4, record, TRUE, FALSE, &error));
    g_assert_nonnull (strstr (error->message, "garbage-take.mp4"));
    g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (out_sidecar, G_FILE_TEST_EXISTS));
  }
}

static void
test_export_cancel (void)
{
  g_autofree char *folder = test_path ("cancel");
  g_autofree char *source = test_path ("cancel-source.mp4");
  g_autofree char *out = g_build_filename (folder, "out.mp4", NULL);
  g_autoptr (StudioProvenance) record = sample_provenance ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;

  g_mkdir (folder, 0755);
  write_clip (source, 64, 64, 15, 20, STUDIO_MEDIA_FORMAT_MP4, FALSE, NULL);
  g_cancellable_cancel (cancellable);
  g_assert_false (studio_media_export_full (source, out, STUDIO_MEDIA_FORMAT_MP4, record, TRUE, FALSE, -1, NULL, NULL,
                                            cancellable, &error));
  g_assert_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_CANCELLED);
  g_assert_cmpuint (count_files (folder), ==, 0);
}

/* ---- full disk ------------------------------------------------------- */

/* Exports noise (it does not compress) into FOLDER, where the space runs
 * out; the earlier file under the final name must survive untouched and no
 * temporary file may be left. */
static void
export_onto_full_disk (const char *folder, const char *expected_cause)
{
  g_autofree char *out = g_build_filename (folder, "final.mp4", NULL);
  g_autoptr (StudioEncoder) encoder = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  g_autofree char *kept = NULL;
  const int width = 320, height = 240;
  gsize stride = width * 3;
  g_autofree guint8 *rgb = g_malloc (stride * height);
  gboolean ok = TRUE;

  g_assert_true (g_file_set_contents (out, "the previous export", -1, NULL));
  encoder = studio_encoder_open (out, width, height, 15, STUDIO_MEDIA_FORMAT_MP4, 0, NULL, &error);
  g_assert_no_error (error);
  for (int i = 0; ok && i < 200; i++)
    {
      for (gsize j = 0; j < stride * height; j++)
        rgb[j] = (guint8) g_rand_int (rand);
      ok = studio_encoder_push_frame (encoder, rgb, stride, &error);
    }
  if (ok)
    ok = studio_encoder_finish (encoder, &error);
  g_assert_false (ok);
  g_test_message ("full disk: %s", error->message);
  if (g_test_subprocess ())
    g_print ("%s\n", error->message); /* for the parent to check */
  g_assert_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_IO);
  g_assert_nonnull (strstr (error->message, out));
  g_assert_nonnull (strstr (error->message, expected_cause));
  g_assert_nonnull (strstr (error->message, "removed"));

  g_assert_true (g_file_get_contents (out, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "the previous export");
  g_assert_cmpuint (count_files (folder), ==, 1);
}

static void
test_full_disk_tmpfs (void)
{
  g_autofree char *mountpoint = test_path ("tmpfs");

  g_mkdir (mountpoint, 0755);
  if (mount ("tmpfs", mountpoint, "tmpfs", MS_NOSUID | MS_NODEV, "size=256k") != 0)
    {
      g_autofree char *message
          = g_strdup_printf ("cannot mount a small tmpfs here (%s); /media/full-disk/file-size-limit covers "
                             "the same path",
                             g_strerror (errno));
      g_test_skip (message);
      return;
    }
  export_onto_full_disk (mountpoint, "No space left on device");
  g_assert_cmpint (umount (mountpoint), ==, 0);
}

static void
test_full_disk_file_size_limit (void)
{
  g_autofree char *folder = test_path ("limited");

  if (g_test_subprocess ())
    {
      /* Writes past 200 KiB fail with EFBIG instead of killing us. */
      struct rlimit limit = { 200 * 1024, 200 * 1024 };
      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
      export_onto_full_disk (folder, "File too large");
      return;
    }
  g_mkdir (folder, 0755);
  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*Could not write*final.mp4*File too large*removed*");
  g_assert_cmpuint (count_files (folder), ==, 1);
}

/* ---- the command line ------------------------------------------------ */

static int
run_cli (const char *const *args, char **out, char **err)
{
  const char *program = g_getenv ("ALLEGRO_STUDIO");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int status;

  g_ptr_array_add (argv, (gpointer) program);
  for (const char *const *a = args; *a != NULL; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_cli (void)
{
  g_autofree char *source = test_path ("cli-take.mp4");
  g_autofree char *exported = test_path ("cli-export.mp4");
  g_autofree char *garbage = test_path ("cli-garbage.mp4");
  g_autoptr (StudioProvenance) record = sample_provenance ();
  g_autoptr (StudioProvenance) from_cli = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  cJSON *probe;

  if (g_getenv ("ALLEGRO_STUDIO") == NULL)
    {
      g_test_skip ("ALLEGRO_STUDIO (the path of the program) is not set; run through meson test");
      return;
    }
  write_clip (source, 160, 96, 15, 20, STUDIO_MEDIA_FORMAT_MP4, TRUE, NULL);
  g_assert_true (studio_media_export (source, exported, STUDIO_MEDIA_FORMAT_MP4, record, TRUE, FALSE, &error));

  g_assert_cmpint (run_cli ((const char *[]){ "provenance", exported, "--json", NULL }, &out, &err), ==, 0);
  from_cli = studio_provenance_from_json (out, "the output of allegro-studio provenance --json", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (from_cli->prompt, ==, record->prompt);
  g_assert_true (from_cli->label_ai);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli ((const char *[]){ "provenance", exported, NULL }, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "AI-generated     yes"));
  g_assert_nonnull (strstr (out, "the sidecar matches"));
  g_assert_nonnull (strstr (out, "approved by Dana Legal (legal) at 2025-03-01T10:15:00Z"));
  g_assert_nonnull (strstr (out, "9223372036854775813"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli ((const char *[]){ "media", "probe", exported, "--json", NULL }, &out, &err), ==, 0);
  probe = cJSON_Parse (out);
  g_assert_nonnull (probe);
  g_assert_cmpint (cJSON_GetObjectItem (probe, "frames")->valueint, ==, 20);
  g_assert_cmpint (cJSON_GetObjectItem (probe, "width")->valueint, ==, 160);
  g_assert_cmpstr (json_string (probe, "codec"), ==, "h264");
  g_assert_cmpstr (json_string (probe, "fps_fraction"), ==, "15/1");
  cJSON_Delete (probe);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* No provenance, and garbage: exit 1 with a message naming the file. */
  g_assert_cmpint (run_cli ((const char *[]){ "provenance", source, NULL }, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "cli-take.mp4"));
  g_assert_nonnull (strstr (err, "no Allegro Studio provenance"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (g_file_set_contents (garbage, "\x00\x01garbage", 9, NULL));
  g_assert_cmpint (run_cli ((const char *[]){ "media", "probe", garbage, NULL }, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "cli-garbage.mp4"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli ((const char *[]){ "media", "encoders", NULL }, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, studio_media_find_encoder (STUDIO_MEDIA_FORMAT_MP4, NULL)));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The benchmark runs and prints its figures (small, to stay quick). */
  g_assert_cmpint (
      run_cli ((const char *[]){ "bench", "media", "--json", "--frames", "12", "--size", "160x96", NULL }, &out, &err),
      ==, 0);
  probe = cJSON_Parse (out);
  g_assert_nonnull (probe);
  g_assert_cmpint (cJSON_GetObjectItem (probe, "frames")->valueint, ==, 12);
  g_assert_cmpfloat (cJSON_GetObjectItem (probe, "encode_fps")->valuedouble, >, 0);
  g_assert_cmpfloat (cJSON_GetObjectItem (probe, "seek_max_ms")->valuedouble, >=,
                     cJSON_GetObjectItem (probe, "seek_mean_ms")->valuedouble);
  cJSON_Delete (probe);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  /* A subprocess (the file-size-limit test) works in its parent's folder. */
  if (g_test_subprocess () && g_getenv ("ALLEGRO_TEST_MEDIA_FOLDER") != NULL)
    test_folder = g_strdup (g_getenv ("ALLEGRO_TEST_MEDIA_FOLDER"));
  else
    {
      test_folder = g_dir_make_tmp ("allegro-test-media-XXXXXX", &error);
      g_assert_no_error (error);
      g_setenv ("ALLEGRO_TEST_MEDIA_FOLDER", test_folder, TRUE);
    }

  g_test_add_func ("/media/encode/h264", test_encode_h264);
  g_test_add_func ("/media/encode/frame-rates", test_encode_frame_rates);
  g_test_add_func ("/media/encode/errors", test_encode_errors);
  g_test_add_func ("/media/decode/psnr", test_decode_psnr);
  g_test_add_func ("/media/decode/seek-every-frame", test_decode_seek_every_frame);
  g_test_add_func ("/media/decode/imported", test_decode_imported);
  g_test_add_func ("/media/decode/truncated", test_decode_truncated);
  g_test_add_func ("/media/decode/garbage", test_decode_garbage);
  g_test_add_func ("/media/webm/vp9", test_webm);
  g_test_add_func ("/media/provenance/json", test_provenance_json);
  g_test_add_func ("/media/provenance/sources", test_provenance_sources);
  g_test_add_func ("/media/label/readable", test_label_readable);
  g_test_add_func ("/media/label/after-encoding", test_label_after_encoding);
  g_test_add_func ("/media/poster/poster-and-strip", test_poster);
  g_test_add_func ("/media/export/labelled-and-plain", test_export);
  g_test_add_func ("/media/export/cancel", test_export_cancel);
  g_test_add_func ("/media/full-disk/tmpfs", test_full_disk_tmpfs);
  g_test_add_func ("/media/full-disk/file-size-limit", test_full_disk_file_size_limit);
  g_test_add_func ("/media/cli/provenance-and-probe", test_cli);

  status = g_test_run ();
  if (!g_test_subprocess ())
    {
      /* The tmpfs test unmounts its own mount; this is only a safety net. */
      g_autofree char *mountpoint = test_path ("tmpfs");
      umount (mountpoint);
      remove_tree (test_folder);
    }
  g_free (test_folder);
  return status;
}
