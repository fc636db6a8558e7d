/* cli-generate-media.c: generate's MP4 / WebM output, with the provenance
 * record in the container and its sidecar (built with the media layer). */
#include "cli.h"
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ae-safetensors.h"
#include "studio-encoder.h"
#include "studio-provenance.h"

/* A fingerprint of the weights that is cheap to take: SHA-256 over every
 * weight file's header (names, dtypes, shapes, offsets) and size, and the
 * first and last 64 kB of its data. */
char *
cli_model_fingerprint (const ae_model_folder *folder)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  ae_weights *sets[3] = { folder->t5_weights, folder->dit_weights, folder->vae_weights };

  for (int i = 0; i < 3; i++)
    for (size_t j = 0; sets[i] != NULL && j < ae_weights_count (sets[i]); j++)
      {
        const ae_st_tensor *t = ae_weights_at (sets[i], j);
        if (g_hash_table_contains (seen, t->file))
          continue;
        g_hash_table_add (seen, (gpointer) t->file);
        FILE *f = fopen (t->file, "rb");
        if (f == NULL)
          continue;
        guint8 buf[65536];
        size_t got = fread (buf, 1, sizeof buf, f);
        g_checksum_update (sum, buf, got);
        if (fseek (f, -(long) sizeof buf, SEEK_END) == 0)
          {
            got = fread (buf, 1, sizeof buf, f);
            g_checksum_update (sum, buf, got);
          }
        fseek (f, 0, SEEK_END);
        long size = ftell (f);
        g_checksum_update (sum, (const guint8 *) &size, sizeof size);
        fclose (f);
      }
  return g_strdup_printf ("sha256-headers:%s", g_checksum_get_string (sum));
}

bool
cli_write_video (const char *path, const ae_video *video, int fps, const char *prompt, const char *negative,
                 uint64_t seed, const ae_generate_params *gp, const ae_model_folder *folder)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioProvenance) prov = studio_provenance_new ();
  g_autofree char *base = g_path_get_basename (folder->dir);
  g_autofree char *parent = g_path_get_dirname (folder->dir);
  /* A folder called "model" is named by its parent (".../allegro-tiny/model"). */
  g_autofree char *model_name = strcmp (base, "model") == 0 ? g_path_get_basename (parent) : g_strdup (base);
  const bool webm = g_str_has_suffix (path, ".webm") || g_str_has_suffix (path, ".WEBM");

  prov->title = g_strdup_printf ("Allegro Studio: %.80s", prompt);
  prov->comment = g_strdup ("AI-generated video (Allegro text-to-video), not yet reviewed.");
  prov->review_status = g_strdup ("needs review");
  prov->model_name = g_strdup (model_name);
  prov->model_hash = cli_model_fingerprint (folder);
  prov->prompt = g_strdup (prompt);
  prov->negative_prompt = g_strdup (
      negative != NULL ? negative
                       : ae_model_folder_negative_prompt (folder, !gp->raw_prompts && folder->prompt_templates));
  prov->seed = seed;
  prov->steps = (int) (gp->steps > 0 ? gp->steps : ae_model_folder_steps (folder));
  prov->guidance = gp->guidance_scale > 0 ? gp->guidance_scale : ae_model_folder_guidance (folder);
  prov->width = (int) video->width;
  prov->height = (int) video->height;
  prov->frames = (int) video->frames;
  prov->fps = fps;
  prov->engine_version = g_strdup (AE_VERSION);

  g_auto (GStrv) metadata = studio_provenance_to_metadata (prov);
  StudioEncoder *encoder = studio_encoder_open (path, (int) video->width, (int) video->height, fps,
                                                webm ? STUDIO_MEDIA_FORMAT_WEBM : STUDIO_MEDIA_FORMAT_MP4,
                                                STUDIO_ENCODER_QUALITY_DEFAULT, (const char *const *) metadata, &error);
  if (encoder == NULL)
    {
      cli_error ("generate: %s", error->message);
      return false;
    }
  const size_t frame_bytes = (size_t) (video->width * video->height * 3);
  for (int64_t t = 0; t < video->frames; t++)
    if (!studio_encoder_push_frame (encoder, video->rgb + t * frame_bytes, (gsize) video->width * 3, &error))
      {
        cli_error ("generate: %s", error->message);
        studio_encoder_free (encoder);
        return false;
      }
  if (!studio_encoder_finish (encoder, &error) || !studio_provenance_write_sidecar (prov, path, &error))
    {
      cli_error ("generate: %s", error->message);
      studio_encoder_free (encoder);
      return false;
    }
  fprintf (stderr, "Wrote %lld frames to %s (%s) with its provenance record\n", (long long) video->frames, path,
           studio_encoder_get_codec_name (encoder));
  studio_encoder_free (encoder);
  return true;
}
