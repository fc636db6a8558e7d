/* studio-export.c: decode, label, re-encode with provenance. */
#define G_LOG_DOMAIN "studio-media"

#include "studio-export.h"
#include "studio-decoder.h"
#include "studio-encoder.h"
#include "studio-label.h"

#include <glib/gstdio.h>

gboolean
studio_media_export (const char *source_video, const char *out_path, StudioMediaFormat format,
                     const StudioProvenance *provenance, gboolean label_ai, gboolean label_draft, GError **error)
{
  return studio_media_export_full (source_video, out_path, format, provenance, label_ai, label_draft,
                                   STUDIO_ENCODER_QUALITY_DEFAULT, NULL, NULL, NULL, error);
}

gboolean
studio_media_export_full (const char *source_video, const char *out_path, StudioMediaFormat format,
                          const StudioProvenance *provenance, gboolean label_ai, gboolean label_draft, int quality,
                          StudioExportProgress progress, gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_autoptr (StudioDecoder) decoder = NULL;
  g_autoptr (StudioEncoder) encoder = NULL;
  g_autoptr (StudioProvenance) record = studio_provenance_copy (provenance);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_auto (GStrv) metadata = NULL;
  g_autofree guint8 *frame = NULL;
  const StudioMediaInfo *info;
  StudioLabelFlags labels = (label_ai ? STUDIO_LABEL_AI_GENERATED : 0) | (label_draft ? STUDIO_LABEL_DRAFT : 0);
  gsize stride;

  decoder = studio_decoder_open (source_video, error);
  if (decoder == NULL)
    return FALSE;
  info = studio_decoder_get_info (decoder);

  g_free (record->export_format);
  record->export_format = g_strdup (studio_media_format_to_string (format));
  record->label_ai = label_ai;
  record->label_draft = label_draft;
  g_free (record->exported_at);
  record->exported_at = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  metadata = studio_provenance_to_metadata (record);

  encoder = studio_encoder_open (out_path, info->width, info->height, info->fps, format, quality,
                                 (const char *const *) metadata, error);
  if (encoder == NULL)
    return FALSE;
  stride = (gsize) info->width * 3;
  frame = g_malloc (stride * info->height);
  for (gint64 i = 0; i < info->frame_count; i++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_CANCELLED,
                       "The export to “%s” was cancelled; nothing was written", out_path);
          return FALSE; /* the encoder's cleanup removes its temporary file */
        }
      if (!studio_decoder_read_frame_rgb (decoder, i, frame, stride, error))
        return FALSE;
      studio_label_burn (frame, info->width, info->height, stride, labels);
      if (!studio_encoder_push_frame (encoder, frame, stride, error))
        return FALSE;
      if (progress != NULL)
        progress (i + 1, info->frame_count, user_data);
    }
  if (!studio_encoder_finish (encoder, error))
    return FALSE;
  /* The video is in place; without its sidecar the export is incomplete, so
   * a failure here takes the video away again. */
  if (!studio_provenance_write_sidecar (record, out_path, error))
    {
      g_unlink (out_path);
      g_prefix_error (error, "Export to “%s” undone: ", out_path);
      return FALSE;
    }
  return TRUE;
}
