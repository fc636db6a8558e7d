/* ae-model-folder.c: an Allegro model folder in the rhymes-ai/Allegro layout.
 *
 * Every size comes from the components' config.json files; the expected
 * tensor lists below are functions of those configs, written from the
 * reference modules (diffusers AllegroTransformer3DModel and
 * AutoencoderKLAllegro, transformers T5EncoderModel) and checked against the
 * tiny fixture model and the real checkpoints' tensor names.
 */
#include "ae-model-folder.h"
#include "ae-safetensors-private.h"
#include "ae-tokenizer.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Generous bounds that keep every shape product far from overflow. */
#define MAX_SIZE (INT64_C (1) << 20)
#define MAX_LAYERS 1024

/* ---- config.json values ---- */

typedef struct
{
  const char *path;
  const cJSON *root;
  ae_error *error;
} config;

static const cJSON *
config_get (config *c, const char *key, bool required)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (c->root, key);

  if (item == NULL && required)
    ae_set_error (c->error, AE_ERROR_INVALID, "%s: the key \"%s\" is missing.", c->path, key);
  return item;
}

static bool
config_int (config *c, const char *key, bool required, int64_t fallback, int64_t min, int64_t max, int64_t *out)
{
  const cJSON *item = config_get (c, key, required);

  if (item == NULL)
    {
      *out = fallback;
      return !required;
    }
  if (!cJSON_IsNumber (item) || item->valuedouble != floor (item->valuedouble) || item->valuedouble < (double) min
      || item->valuedouble > (double) max)
    {
      if (cJSON_IsNumber (item))
        ae_set_error (c->error, AE_ERROR_INVALID, "%s: \"%s\" is %g; it must be a whole number from %lld to %lld.",
                      c->path, key, item->valuedouble, (long long) min, (long long) max);
      else
        ae_set_error (c->error, AE_ERROR_INVALID, "%s: \"%s\" must be a whole number from %lld to %lld.", c->path, key,
                      (long long) min, (long long) max);
      return false;
    }
  *out = (int64_t) item->valuedouble;
  return true;
}

/* A positive size. */
static bool
config_size (config *c, const char *key, bool required, int64_t fallback, int64_t *out)
{
  return config_int (c, key, required, fallback, 1, MAX_SIZE, out);
}

/* A finite number above min_exclusive. */
static bool
config_double (config *c, const char *key, bool required, double fallback, double min_exclusive, double *out)
{
  const cJSON *item = config_get (c, key, required);

  if (item == NULL)
    {
      *out = fallback;
      return !required;
    }
  if (!cJSON_IsNumber (item) || !isfinite (item->valuedouble) || !(item->valuedouble > min_exclusive))
    {
      ae_set_error (c->error, AE_ERROR_INVALID, "%s: \"%s\" must be a number above %g.", c->path, key, min_exclusive);
      return false;
    }
  *out = item->valuedouble;
  return true;
}

/* An optional positive number that may be null (then *set stays false). */
static bool
config_optional_scale (config *c, const char *key, double *out, bool *set)
{
  const cJSON *item = config_get (c, key, false);

  *set = false;
  *out = 0.0;
  if (item == NULL || cJSON_IsNull (item))
    return true;
  if (!config_double (c, key, true, 0.0, 0.0, out))
    return false;
  *set = true;
  return true;
}

static bool
config_bool (config *c, const char *key, bool fallback, bool *out)
{
  const cJSON *item = config_get (c, key, false);

  if (item == NULL)
    {
      *out = fallback;
      return true;
    }
  if (!cJSON_IsBool (item))
    {
      ae_set_error (c->error, AE_ERROR_INVALID, "%s: \"%s\" must be true or false.", c->path, key);
      return false;
    }
  *out = cJSON_IsTrue (item);
  return true;
}

/* A string that must be one of the NULL-terminated choices (when present,
 * or always when required). */
static bool
config_choice (config *c, const char *key, bool required, const char *fallback, char *out, size_t size, ...)
{
  const cJSON *item = config_get (c, key, required);
  const char *value, *choice;
  char list[256] = "";
  bool found = false;
  va_list args;

  if (item == NULL && required)
    return false;
  if (item != NULL && !cJSON_IsString (item))
    {
      ae_set_error (c->error, AE_ERROR_INVALID, "%s: \"%s\" must be a string.", c->path, key);
      return false;
    }
  value = item ? item->valuestring : fallback;
  va_start (args, size);
  while ((choice = va_arg (args, const char *)) != NULL)
    {
      size_t used = strlen (list);
      snprintf (list + used, sizeof list - used, "%s\"%s\"", used ? ", " : "", choice);
      found |= strcmp (value, choice) == 0;
    }
  va_end (args);
  if (!found)
    {
      ae_set_error (c->error, AE_ERROR_INVALID, "%s: \"%s\" is \"%.64s\", which is not supported (supported: %s).",
                    c->path, key, value, list);
      return false;
    }
  if (out != NULL)
    snprintf (out, size, "%s", value);
  return true;
}

/* A list of booleans of exactly n entries (or the fallback when absent). */
static bool
config_bools (config *c, const char *key, int64_t n, const bool *fallback, int64_t n_fallback, bool *out)
{
  const cJSON *item = config_get (c, key, false);

  if (item == NULL)
    {
      if (n != n_fallback)
        {
          ae_set_error (c->error, AE_ERROR_INVALID,
                        "%s: the key \"%s\" is missing, and its default is for %lld blocks, not %lld.", c->path, key,
                        (long long) n_fallback, (long long) n);
          return false;
        }
      memcpy (out, fallback, (size_t) n * sizeof *out);
      return true;
    }
  if (!cJSON_IsArray (item) || cJSON_GetArraySize (item) != n)
    {
      ae_set_error (c->error, AE_ERROR_INVALID, "%s: \"%s\" must be a list of %lld true/false values, one per block.",
                    c->path, key, (long long) n);
      return false;
    }
  for (int64_t i = 0; i < n; i++)
    {
      const cJSON *v = cJSON_GetArrayItem (item, (int) i);
      if (!cJSON_IsBool (v))
        {
          ae_set_error (c->error, AE_ERROR_INVALID, "%s: entry %lld of \"%s\" is not true or false.", c->path,
                        (long long) i, key);
          return false;
        }
      out[i] = cJSON_IsTrue (v);
    }
  return true;
}

/* A list of strings that, when present, has n entries all equal to WANT. */
static bool
config_block_types (config *c, const char *key, int64_t n, const char *want)
{
  const cJSON *item = config_get (c, key, false);

  if (item == NULL)
    return true;
  if (!cJSON_IsArray (item) || cJSON_GetArraySize (item) != n)
    {
      ae_set_error (c->error, AE_ERROR_INVALID, "%s: \"%s\" must list %lld blocks, as block_out_channels does.",
                    c->path, key, (long long) n);
      return false;
    }
  for (int64_t i = 0; i < n; i++)
    {
      const cJSON *v = cJSON_GetArrayItem (item, (int) i);
      if (!cJSON_IsString (v) || strcmp (v->valuestring, want) != 0)
        {
          ae_set_error (c->error, AE_ERROR_INVALID,
                        "%s: entry %lld of \"%s\" is not \"%s\" (the only block supported).", c->path, (long long) i,
                        key, want);
          return false;
        }
    }
  return true;
}

static cJSON *
open_config (config *c, const char *dir, const char *relative, char **path_out, ae_error *error)
{
  char *path;
  cJSON *root;

  if (asprintf (&path, "%s/%s", dir, relative) < 0)
    {
      ae_set_error (error, AE_ERROR_OUT_OF_MEMORY, "No host memory to read %s/%s.", dir, relative);
      return NULL;
    }
  root = ae_st_read_json (path, error);
  if (root != NULL && !cJSON_IsObject (root))
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s is not a JSON object.", path);
      cJSON_Delete (root);
      root = NULL;
    }
  if (root == NULL)
    {
      free (path);
      return NULL;
    }
  c->path = path;
  c->root = root;
  c->error = error;
  *path_out = path;
  return root;
}

static bool
read_t5 (const char *dir, ae_t5_config *t5, ae_error *error)
{
  config c;
  char *path = NULL;
  cJSON *root = open_config (&c, dir, "text_encoder/config.json", &path, error);
  bool ok;

  if (root == NULL)
    return false;
  ok = config_size (&c, "vocab_size", true, 0, &t5->vocab_size) && config_size (&c, "d_model", true, 0, &t5->d_model)
       && config_size (&c, "d_kv", true, 0, &t5->d_kv) && config_size (&c, "d_ff", true, 0, &t5->d_ff)
       && config_int (&c, "num_layers", true, 0, 1, MAX_LAYERS, &t5->num_layers)
       && config_int (&c, "num_heads", true, 0, 1, 4096, &t5->num_heads)
       && config_int (&c, "relative_attention_num_buckets", false, 32, 2, 4096, &t5->relative_attention_num_buckets)
       && config_size (&c, "relative_attention_max_distance", false, 128, &t5->relative_attention_max_distance)
       && config_double (&c, "layer_norm_epsilon", false, 1e-6, 0.0, &t5->layer_norm_epsilon)
       && config_choice (&c, "feed_forward_proj", true, NULL, NULL, 0, "gated-gelu", NULL);
  t5->gated = true;
  if (ok && t5->relative_attention_max_distance <= t5->relative_attention_num_buckets / 4)
    {
      /* Buckets past max_exact = buckets / 4 (bidirectional) grow
       * logarithmically up to max_distance, which must lie beyond it. */
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: \"relative_attention_max_distance\" (%lld) must exceed a quarter of "
                    "\"relative_attention_num_buckets\" (%lld).",
                    path, (long long) t5->relative_attention_max_distance,
                    (long long) t5->relative_attention_num_buckets);
      ok = false;
    }
  cJSON_Delete (root);
  free (path);
  return ok;
}

static bool
read_dit (const char *dir, ae_dit_config *dit, ae_error *error)
{
  config c;
  char *path = NULL;
  cJSON *root = open_config (&c, dir, "transformer/config.json", &path, error);
  bool ok, affine = false;

  if (root == NULL)
    return false;
  ok = config_int (&c, "num_attention_heads", true, 0, 1, 4096, &dit->num_attention_heads)
       && config_size (&c, "attention_head_dim", true, 0, &dit->attention_head_dim)
       && config_size (&c, "in_channels", true, 0, &dit->in_channels)
       && config_size (&c, "out_channels", false, dit->in_channels, &dit->out_channels)
       && config_int (&c, "num_layers", true, 0, 1, MAX_LAYERS, &dit->num_layers)
       && config_size (&c, "cross_attention_dim", true, 0, &dit->cross_attention_dim)
       && config_size (&c, "caption_channels", true, 0, &dit->caption_channels)
       && config_int (&c, "patch_size", false, 2, 1, 64, &dit->patch_size)
       && config_int (&c, "patch_size_t", false, 1, 1, 1, &dit->patch_size_t)
       && config_bool (&c, "attention_bias", true, &dit->attention_bias)
       && config_double (&c, "norm_eps", false, 1e-6, 0.0, &dit->norm_eps)
       && config_optional_scale (&c, "interpolation_scale_t", &dit->interpolation_scale_t,
                                 &dit->interpolation_scale_t_set)
       && config_optional_scale (&c, "interpolation_scale_h", &dit->interpolation_scale_h,
                                 &dit->interpolation_scale_h_set)
       && config_optional_scale (&c, "interpolation_scale_w", &dit->interpolation_scale_w,
                                 &dit->interpolation_scale_w_set)
       && config_size (&c, "sample_frames", false, 22, &dit->sample_frames)
       && config_size (&c, "sample_height", false, 90, &dit->sample_height)
       && config_size (&c, "sample_width", false, 160, &dit->sample_width)
       && config_choice (&c, "activation_fn", false, "gelu-approximate", NULL, 0, "gelu-approximate", NULL)
       && config_choice (&c, "norm_type", false, "ada_norm_single", NULL, 0, "ada_norm_single", NULL)
       && config_bool (&c, "norm_elementwise_affine", false, &affine);
  if (ok && affine)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: \"norm_elementwise_affine\" is true; Allegro's layer norms have no parameters.", path);
      ok = false;
    }
  if (ok && dit->attention_head_dim % 6 != 0)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: \"attention_head_dim\" is %lld; it must be a multiple of 6 (3D RoPE splits it in three even "
                    "parts).",
                    path, (long long) dit->attention_head_dim);
      ok = false;
    }
  if (ok && dit->cross_attention_dim != dit->num_attention_heads * dit->attention_head_dim)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: \"cross_attention_dim\" is %lld; it must equal num_attention_heads x attention_head_dim "
                    "(%lld x %lld = %lld).",
                    path, (long long) dit->cross_attention_dim, (long long) dit->num_attention_heads,
                    (long long) dit->attention_head_dim,
                    (long long) (dit->num_attention_heads * dit->attention_head_dim));
      ok = false;
    }
  cJSON_Delete (root);
  free (path);
  return ok;
}

static bool
read_vae (const char *dir, ae_vae_config *vae, ae_error *error)
{
  static const bool down_default[4] = { true, true, false, false };
  static const bool up_default[4] = { false, true, true, false };
  config c;
  char *path = NULL;
  cJSON *root = open_config (&c, dir, "vae/config.json", &path, error);
  const cJSON *blocks;
  bool ok = false;

  if (root == NULL)
    return false;
  blocks = config_get (&c, "block_out_channels", true);
  if (blocks == NULL)
    goto out;
  if (!cJSON_IsArray (blocks) || cJSON_GetArraySize (blocks) < 1 || cJSON_GetArraySize (blocks) > AE_VAE_MAX_BLOCKS)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: \"block_out_channels\" must be a list of 1 to %d channel counts.",
                    path, AE_VAE_MAX_BLOCKS);
      goto out;
    }
  vae->n_blocks = cJSON_GetArraySize (blocks);
  if (!config_size (&c, "norm_num_groups", true, 0, &vae->norm_num_groups))
    goto out;
  for (int64_t i = 0; i < vae->n_blocks; i++)
    {
      const cJSON *v = cJSON_GetArrayItem (blocks, (int) i);
      if (!cJSON_IsNumber (v) || v->valuedouble != floor (v->valuedouble) || v->valuedouble < 1
          || v->valuedouble > (double) MAX_SIZE)
        {
          ae_set_error (error, AE_ERROR_INVALID, "%s: entry %lld of \"block_out_channels\" is not a channel count.",
                        path, (long long) i);
          goto out;
        }
      vae->block_out_channels[i] = (int64_t) v->valuedouble;
      if (vae->block_out_channels[i] % vae->norm_num_groups != 0)
        {
          ae_set_error (error, AE_ERROR_INVALID,
                        "%s: \"block_out_channels\" entry %lld (%lld) is not divisible by \"norm_num_groups\" (%lld).",
                        path, (long long) i, (long long) vae->block_out_channels[i], (long long) vae->norm_num_groups);
          goto out;
        }
    }
  ok = config_size (&c, "in_channels", true, 0, &vae->in_channels)
       && config_size (&c, "out_channels", true, 0, &vae->out_channels)
       && config_size (&c, "latent_channels", true, 0, &vae->latent_channels)
       && config_int (&c, "layers_per_block", true, 0, 1, 64, &vae->layers_per_block)
       && config_double (&c, "scaling_factor", false, 0.13, 0.0, &vae->scaling_factor)
       && config_size (&c, "sample_size", false, 320, &vae->sample_size)
       && config_size (&c, "temporal_compression_ratio", false, 4, &vae->temporal_compression_ratio)
       && config_bools (&c, "temporal_downsample_blocks", vae->n_blocks, down_default, 4, vae->temporal_downsample)
       && config_bools (&c, "temporal_upsample_blocks", vae->n_blocks, up_default, 4, vae->temporal_upsample)
       && config_block_types (&c, "down_block_types", vae->n_blocks, "AllegroDownBlock3D")
       && config_block_types (&c, "up_block_types", vae->n_blocks, "AllegroUpBlock3D")
       && config_choice (&c, "act_fn", false, "silu", NULL, 0, "silu", NULL);

out:
  cJSON_Delete (root);
  free (path);
  return ok;
}

static bool
read_scheduler (const char *dir, ae_scheduler_config *s, ae_error *error)
{
  config c;
  char *path = NULL;
  cJSON *root = open_config (&c, dir, "scheduler/scheduler_config.json", &path, error);
  const cJSON *trained;
  bool ok;

  if (root == NULL)
    return false;
  ok = config_int (&c, "num_train_timesteps", false, 1000, 1, 1000000, &s->num_train_timesteps)
       && config_double (&c, "beta_start", false, 1e-4, 0.0, &s->beta_start)
       && config_double (&c, "beta_end", false, 0.02, 0.0, &s->beta_end)
       && config_choice (&c, "beta_schedule", false, "linear", s->beta_schedule, sizeof s->beta_schedule, "linear",
                         "scaled_linear", NULL)
       /* v_prediction exists in the reference scheduler, but no Allegro
        * checkpoint uses it and the pipeline does not implement it. */
       && config_choice (&c, "prediction_type", false, "epsilon", s->prediction_type, sizeof s->prediction_type,
                         "epsilon", NULL)
       && config_choice (&c, "timestep_spacing", false, "linspace", s->timestep_spacing, sizeof s->timestep_spacing,
                         "linspace", "leading", "trailing", NULL)
       && config_int (&c, "steps_offset", false, 0, 0, 1000000, &s->steps_offset)
       && config_bool (&c, "rescale_betas_zero_snr", false, &s->rescale_betas_zero_snr);
  if (ok && (s->beta_start >= 1.0 || s->beta_end >= 1.0 || s->beta_end < s->beta_start))
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: \"beta_start\" (%g) and \"beta_end\" (%g) must satisfy 0 < beta_start <= beta_end < 1.", path,
                    s->beta_start, s->beta_end);
      ok = false;
    }
  trained = ok ? config_get (&c, "trained_betas", false) : NULL;
  if (trained != NULL && !cJSON_IsNull (trained))
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: \"trained_betas\" is set; only computed schedules are supported.",
                    path);
      ok = false;
    }
  cJSON_Delete (root);
  free (path);
  return ok;
}

static bool
read_tokenizer (const char *dir, ae_model_folder *folder, ae_error *error)
{
  char *spiece, *config_path;
  bool ok = true;

  if ((size_t) snprintf (folder->tokenizer_dir, sizeof folder->tokenizer_dir, "%s/tokenizer", dir)
      >= sizeof folder->tokenizer_dir)
    {
      ae_set_error (error, AE_ERROR_INVALID, "The model folder's path is too long: %s.", dir);
      return false;
    }
  folder->tokenizer_max_length = 512;
  if (asprintf (&spiece, "%s/spiece.model", folder->tokenizer_dir) < 0)
    return false;
  if (access (spiece, R_OK) != 0)
    {
      ae_set_error (error, AE_ERROR_IO, "The tokenizer model %s cannot be read: %s.", spiece, strerror (errno));
      ok = false;
    }
  free (spiece);
  if (!ok || asprintf (&config_path, "%s/tokenizer_config.json", folder->tokenizer_dir) < 0)
    return false;
  if (access (config_path, F_OK) == 0)
    {
      cJSON *root = ae_st_read_json (config_path, error);
      if (root == NULL)
        ok = false;
      else
        {
          /* transformers writes 1e30 when it does not know: only sane values count. */
          const cJSON *len = cJSON_GetObjectItemCaseSensitive (root, "model_max_length");
          if (cJSON_IsNumber (len) && len->valuedouble >= 1 && len->valuedouble <= 1 << 20
              && len->valuedouble == floor (len->valuedouble))
            folder->tokenizer_max_length = (int64_t) len->valuedouble;
        }
      cJSON_Delete (root);
    }
  free (config_path);
  return ok;
}

static bool
read_index (const char *dir, ae_model_folder *folder, ae_error *error)
{
  static const char *components[] = { "scheduler", "text_encoder", "tokenizer", "transformer", "vae" };
  char *path;
  cJSON *root;
  bool ok = true;

  if (asprintf (&path, "%s/model_index.json", dir) < 0)
    return false;
  root = ae_st_read_json (path, error);
  if (root == NULL)
    {
      free (path);
      return false;
    }
  if (!cJSON_IsObject (root))
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s is not a JSON object.", path);
      ok = false;
    }
  for (size_t i = 0; ok && i < AE_N_ELEMENTS (components); i++)
    if (!cJSON_IsArray (cJSON_GetObjectItemCaseSensitive (root, components[i])))
      {
        ae_set_error (error, AE_ERROR_INVALID,
                      "%s does not list the \"%s\" component; this is not an Allegro model folder.", path,
                      components[i]);
        ok = false;
      }
  /* Our own hints (the demo model's): diffusers ignores keys starting with _. */
  folder->prompt_templates = true;
  const cJSON *hints = cJSON_GetObjectItemCaseSensitive (root, "_allegro_studio");
  if (ok && cJSON_IsObject (hints))
    {
      const cJSON *item;
      if (cJSON_IsBool (item = cJSON_GetObjectItemCaseSensitive (hints, "prompt_templates")))
        folder->prompt_templates = cJSON_IsTrue (item);
      if (cJSON_IsString (item = cJSON_GetObjectItemCaseSensitive (hints, "negative_prompt")))
        snprintf (folder->default_negative_prompt, sizeof folder->default_negative_prompt, "%s", item->valuestring);
      folder->has_default_negative_prompt = cJSON_IsString (item);
      if (cJSON_IsNumber (item = cJSON_GetObjectItemCaseSensitive (hints, "steps")) && item->valuedouble >= 1
          && item->valuedouble <= 1000)
        folder->default_steps = (int64_t) item->valuedouble;
      if (cJSON_IsNumber (item = cJSON_GetObjectItemCaseSensitive (hints, "guidance_scale")) && item->valuedouble > 0
          && item->valuedouble < 100)
        folder->default_guidance = item->valuedouble;
      folder->demo = cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (hints, "demo"));
    }
  cJSON_Delete (root);
  free (path);
  return ok;
}

static ae_weights *
open_weights (const char *dir, const char *component, ae_error *error)
{
  char *path;
  ae_weights *w;

  if (asprintf (&path, "%s/%s", dir, component) < 0)
    return NULL;
  w = ae_weights_open (path, error);
  free (path);
  return w;
}

static ae_model_folder *
open_folder (const char *dir, bool with_weights, ae_error *error)
{
  ae_model_folder *folder;
  struct stat st;

  if (dir == NULL || stat (dir, &st) != 0 || !S_ISDIR (st.st_mode))
    {
      ae_set_error (error, AE_ERROR_IO, "The model folder %s does not exist or is not a folder.", dir ? dir : "(none)");
      return NULL;
    }
  folder = calloc (1, sizeof *folder);
  if (folder == NULL || (folder->dir = strdup (dir)) == NULL)
    {
      free (folder);
      ae_set_error (error, AE_ERROR_OUT_OF_MEMORY, "No host memory to open %s.", dir);
      return NULL;
    }
  if (!read_index (dir, folder, error) || !read_t5 (dir, &folder->t5, error) || !read_dit (dir, &folder->dit, error)
      || !read_vae (dir, &folder->vae, error) || !read_scheduler (dir, &folder->scheduler, error)
      || (with_weights && !read_tokenizer (dir, folder, error)))
    goto fail;
  if (folder->dit.caption_channels != folder->t5.d_model)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s/transformer/config.json: \"caption_channels\" is %lld, but the text encoder's \"d_model\" "
                    "(%s/text_encoder/config.json) is %lld; they must be equal.",
                    dir, (long long) folder->dit.caption_channels, dir, (long long) folder->t5.d_model);
      goto fail;
    }
  if (!with_weights)
    {
      /* The tokenizer file is not needed for a plan. */
      if (folder->tokenizer_max_length <= 0)
        folder->tokenizer_max_length = 512;
      return folder;
    }
  folder->t5_weights = open_weights (dir, "text_encoder", error);
  if (folder->t5_weights == NULL)
    goto fail;
  folder->dit_weights = open_weights (dir, "transformer", error);
  if (folder->dit_weights == NULL)
    goto fail;
  folder->vae_weights = open_weights (dir, "vae", error);
  if (folder->vae_weights == NULL)
    goto fail;
  return folder;

fail:
  ae_model_folder_free (folder);
  return NULL;
}

/* Set by the build (engine/meson.build); the fuzz harness builds this file
 * on its own. */
#ifndef AE_DATADIR
#define AE_DATADIR "/usr/share"
#endif
#ifndef AE_SOURCE_DIR
#define AE_SOURCE_DIR "."
#endif

const char *
ae_demo_model_dir (void)
{
  static char path[4096];
  const char *env = getenv ("ALLEGRO_DEMO_MODEL");
  struct stat st;
  if (env != NULL && env[0] != '\0')
    return env;
  snprintf (path, sizeof path, "%s/allegro-studio/demo-model", AE_DATADIR);
  if (stat (path, &st) == 0 && S_ISDIR (st.st_mode))
    return path;
  snprintf (path, sizeof path, "%s/resources/demo-model", AE_SOURCE_DIR);
  if (stat (path, &st) == 0 && S_ISDIR (st.st_mode))
    return path;
  return NULL;
}

ae_model_folder *
ae_model_folder_open (const char *dir, ae_error *error)
{
  return open_folder (dir, true, error);
}

ae_model_folder *
ae_model_folder_open_configs (const char *dir, ae_error *error)
{
  return open_folder (dir, false, error);
}

void
ae_model_folder_free (ae_model_folder *folder)
{
  if (folder == NULL)
    return;
  ae_weights_free (folder->t5_weights);
  ae_weights_free (folder->dit_weights);
  ae_weights_free (folder->vae_weights);
  free (folder->dir);
  free (folder);
}

/* ---- the tensors each config implies ---- */

typedef struct
{
  ae_weights *weights;
  ae_error *error;
  /* Listing instead of checking (ae_model_folder_list_tensors). */
  ae_model_tensor_func list;
  const char *component;
  void *user_data;
} expect;

/* Takes the tensor named by the format, of the given shape. */
static bool want (expect *x, const int64_t *shape, int ndim, const char *format, ...) AE_PRINTF (4, 5);

static bool
want (expect *x, const int64_t *shape, int ndim, const char *format, ...)
{
  char name[256];
  va_list args;

  va_start (args, format);
  vsnprintf (name, sizeof name, format, args);
  va_end (args);
  if (x->list != NULL)
    {
      x->list (x->component, name, ndim, shape, x->user_data);
      return true;
    }
  return ae_weights_take (x->weights, name, ndim, shape, x->error) != NULL;
}

#define SHAPE(...) (int64_t[]){ __VA_ARGS__ }, (int) (sizeof ((int64_t[]){ __VA_ARGS__ }) / sizeof (int64_t))

static bool
expect_t5 (expect *x, const ae_t5_config *c)
{
  int64_t d = c->d_model, inner = c->num_heads * c->d_kv;

  if (!want (x, SHAPE (c->vocab_size, d), "shared.weight"))
    return false;
  /* Tied to shared.weight: transformers does not store it, but a file that
   * does must hold the same shape. */
  if (x->weights != NULL && ae_weights_find (x->weights, "encoder.embed_tokens.weight") != NULL
      && !want (x, SHAPE (c->vocab_size, d), "encoder.embed_tokens.weight"))
    return false;
  for (int64_t i = 0; i < c->num_layers; i++)
    {
      const char *p = "encoder.block";
      if (!want (x, SHAPE (inner, d), "%s.%lld.layer.0.SelfAttention.q.weight", p, (long long) i)
          || !want (x, SHAPE (inner, d), "%s.%lld.layer.0.SelfAttention.k.weight", p, (long long) i)
          || !want (x, SHAPE (inner, d), "%s.%lld.layer.0.SelfAttention.v.weight", p, (long long) i)
          || !want (x, SHAPE (d, inner), "%s.%lld.layer.0.SelfAttention.o.weight", p, (long long) i)
          || (i == 0
              && !want (x, SHAPE (c->relative_attention_num_buckets, c->num_heads),
                        "%s.%lld.layer.0.SelfAttention.relative_attention_bias.weight", p, (long long) i))
          || !want (x, SHAPE (d), "%s.%lld.layer.0.layer_norm.weight", p, (long long) i)
          || !want (x, SHAPE (c->d_ff, d), "%s.%lld.layer.1.DenseReluDense.wi_0.weight", p, (long long) i)
          || !want (x, SHAPE (c->d_ff, d), "%s.%lld.layer.1.DenseReluDense.wi_1.weight", p, (long long) i)
          || !want (x, SHAPE (d, c->d_ff), "%s.%lld.layer.1.DenseReluDense.wo.weight", p, (long long) i)
          || !want (x, SHAPE (d), "%s.%lld.layer.1.layer_norm.weight", p, (long long) i))
        return false;
    }
  return want (x, SHAPE (d), "encoder.final_layer_norm.weight");
}

/* The timestep sinusoid's width: fixed by the architecture
 * (PixArtAlphaCombinedTimestepSizeEmbeddings), not a config value. */
#define TIMESTEP_CHANNELS 256

static bool
expect_linear (expect *x, int64_t out, int64_t in, bool bias, const char *prefix)
{
  return want (x, SHAPE (out, in), "%s.weight", prefix) && (!bias || want (x, SHAPE (out), "%s.bias", prefix));
}

static bool
expect_dit (expect *x, const ae_dit_config *c)
{
  int64_t d = c->num_attention_heads * c->attention_head_dim, p = c->patch_size;
  char prefix[128];

  if (!want (x, SHAPE (d, c->in_channels, p, p), "pos_embed.proj.weight") || !want (x, SHAPE (d), "pos_embed.proj.bias")
      || !expect_linear (x, d, TIMESTEP_CHANNELS, true, "adaln_single.emb.timestep_embedder.linear_1")
      || !expect_linear (x, d, d, true, "adaln_single.emb.timestep_embedder.linear_2")
      || !expect_linear (x, 6 * d, d, true, "adaln_single.linear")
      || !expect_linear (x, d, c->caption_channels, true, "caption_projection.linear_1")
      || !expect_linear (x, d, d, true, "caption_projection.linear_2") || !want (x, SHAPE (2, d), "scale_shift_table")
      || !expect_linear (x, p * p * c->patch_size_t * c->out_channels, d, true, "proj_out"))
    return false;
  for (int64_t i = 0; i < c->num_layers; i++)
    {
      static const char *attn[] = { "attn1", "attn2" };
      snprintf (prefix, sizeof prefix, "transformer_blocks.%lld", (long long) i);
      if (!want (x, SHAPE (6, d), "%s.scale_shift_table", prefix))
        return false;
      for (int a = 0; a < 2; a++)
        {
          char name[160];
          /* attn2's keys and values come from the caption projection (width d). */
          int64_t kv_in = a == 0 ? d : c->cross_attention_dim;
          snprintf (name, sizeof name, "%s.%s.to_q", prefix, attn[a]);
          if (!expect_linear (x, d, d, c->attention_bias, name))
            return false;
          snprintf (name, sizeof name, "%s.%s.to_k", prefix, attn[a]);
          if (!expect_linear (x, d, kv_in, c->attention_bias, name))
            return false;
          snprintf (name, sizeof name, "%s.%s.to_v", prefix, attn[a]);
          if (!expect_linear (x, d, kv_in, c->attention_bias, name))
            return false;
          snprintf (name, sizeof name, "%s.%s.to_out.0", prefix, attn[a]);
          if (!expect_linear (x, d, d, true, name))
            return false;
        }
      char ff0[160], ff2[160];
      snprintf (ff0, sizeof ff0, "%s.ff.net.0.proj", prefix);
      snprintf (ff2, sizeof ff2, "%s.ff.net.2", prefix);
      if (!expect_linear (x, 4 * d, d, true, ff0) || !expect_linear (x, d, 4 * d, true, ff2))
        return false;
    }
  return true;
}

static bool
expect_norm (expect *x, int64_t c, const char *prefix)
{
  return want (x, SHAPE (c), "%s.weight", prefix) && want (x, SHAPE (c), "%s.bias", prefix);
}

static bool
expect_conv2d (expect *x, int64_t out, int64_t in, int64_t k, const char *prefix)
{
  return want (x, SHAPE (out, in, k, k), "%s.weight", prefix) && want (x, SHAPE (out), "%s.bias", prefix);
}

static bool
expect_conv3d (expect *x, int64_t out, int64_t in, int64_t kt, int64_t kh, int64_t kw, const char *prefix)
{
  return want (x, SHAPE (out, in, kt, kh, kw), "%s.weight", prefix) && want (x, SHAPE (out), "%s.bias", prefix);
}

static bool
expect_resnet (expect *x, int64_t in, int64_t out, const char *prefix)
{
  char name[192];

  snprintf (name, sizeof name, "%s.norm1", prefix);
  if (!expect_norm (x, in, name))
    return false;
  snprintf (name, sizeof name, "%s.conv1", prefix);
  if (!expect_conv2d (x, out, in, 3, name))
    return false;
  snprintf (name, sizeof name, "%s.norm2", prefix);
  if (!expect_norm (x, out, name))
    return false;
  snprintf (name, sizeof name, "%s.conv2", prefix);
  if (!expect_conv2d (x, out, out, 3, name))
    return false;
  snprintf (name, sizeof name, "%s.conv_shortcut", prefix);
  return in == out || expect_conv2d (x, out, in, 1, name);
}

typedef enum
{
  TEMPORAL_PLAIN, /* temp_convs.k: (3,1,1) kernels */
  TEMPORAL_DOWN,  /* temp_convs_down: (2,3,3) then (3,3,3) */
  TEMPORAL_UP,    /* temp_conv_up: (1,3,3) to 2C, then (3,3,3) */
} temporal_kind;

/* AllegroTemporalConvLayer: conv1..conv4, each [GroupNorm, SiLU, (Dropout),
 * Conv3d]; the Conv3d is module 2 in conv1/conv4 and 3 in conv2/conv3. */
static bool
expect_temporal (expect *x, int64_t c, temporal_kind kind, const char *prefix)
{
  static const int conv_index[4] = { 2, 3, 3, 2 };
  char name[192];

  for (int k = 0; k < 4; k++)
    {
      int64_t out = c, kt = 3, ks = kind == TEMPORAL_PLAIN ? 1 : 3;
      if (k == 0 && kind == TEMPORAL_DOWN)
        kt = 2;
      if (k == 0 && kind == TEMPORAL_UP)
        kt = 1, out = 2 * c;
      snprintf (name, sizeof name, "%s.conv%d.0", prefix, k + 1);
      if (!expect_norm (x, c, name))
        return false;
      snprintf (name, sizeof name, "%s.conv%d.%d", prefix, k + 1, conv_index[k]);
      if (!expect_conv3d (x, out, c, kt, ks, ks, name))
        return false;
    }
  return true;
}

static bool
expect_mid_block (expect *x, int64_t c, const char *prefix)
{
  static const char *proj[] = { "to_q", "to_k", "to_v", "to_out.0" };
  char name[192];

  for (int k = 0; k < 2; k++)
    {
      snprintf (name, sizeof name, "%s.resnets.%d", prefix, k);
      if (!expect_resnet (x, c, c, name))
        return false;
      snprintf (name, sizeof name, "%s.temp_convs.%d", prefix, k);
      if (!expect_temporal (x, c, TEMPORAL_PLAIN, name))
        return false;
    }
  snprintf (name, sizeof name, "%s.attentions.0.group_norm", prefix);
  if (!expect_norm (x, c, name))
    return false;
  for (int k = 0; k < 4; k++)
    {
      snprintf (name, sizeof name, "%s.attentions.0.%s", prefix, proj[k]);
      if (!expect_linear (x, c, c, true, name))
        return false;
    }
  return true;
}

static bool
expect_vae (expect *x, const ae_vae_config *c)
{
  const int64_t n = c->n_blocks, *ch = c->block_out_channels, latent = c->latent_channels;
  int64_t rev[AE_VAE_MAX_BLOCKS];
  char name[192];

  for (int64_t i = 0; i < n; i++)
    rev[i] = ch[n - 1 - i];

  /* Encoder: spec 6.4. */
  if (!expect_conv2d (x, ch[0], c->in_channels, 3, "encoder.conv_in")
      || !expect_conv3d (x, ch[0], ch[0], 3, 1, 1, "encoder.temp_conv_in"))
    return false;
  for (int64_t i = 0; i < n; i++)
    {
      int64_t in = i == 0 ? ch[0] : ch[i - 1], out = ch[i];
      for (int64_t j = 0; j < c->layers_per_block; j++)
        {
          snprintf (name, sizeof name, "encoder.down_blocks.%lld.resnets.%lld", (long long) i, (long long) j);
          if (!expect_resnet (x, j == 0 ? in : out, out, name))
            return false;
          snprintf (name, sizeof name, "encoder.down_blocks.%lld.temp_convs.%lld", (long long) i, (long long) j);
          if (!expect_temporal (x, out, TEMPORAL_PLAIN, name))
            return false;
        }
      snprintf (name, sizeof name, "encoder.down_blocks.%lld.temp_convs_down", (long long) i);
      if (c->temporal_downsample[i] && !expect_temporal (x, out, TEMPORAL_DOWN, name))
        return false;
      snprintf (name, sizeof name, "encoder.down_blocks.%lld.downsamplers.0.conv", (long long) i);
      if (i < n - 1 && !expect_conv2d (x, out, out, 3, name))
        return false;
    }
  if (!expect_mid_block (x, ch[n - 1], "encoder.mid_block") || !expect_norm (x, ch[n - 1], "encoder.conv_norm_out")
      || !expect_conv3d (x, ch[n - 1], ch[n - 1], 3, 1, 1, "encoder.temp_conv_out")
      || !expect_conv2d (x, 2 * latent, ch[n - 1], 3, "encoder.conv_out"))
    return false;

  /* Decoder: spec 6.5, on the reversed channels. */
  if (!expect_conv2d (x, rev[0], latent, 3, "decoder.conv_in")
      || !expect_conv3d (x, rev[0], rev[0], 3, 1, 1, "decoder.temp_conv_in")
      || !expect_mid_block (x, rev[0], "decoder.mid_block"))
    return false;
  for (int64_t i = 0; i < n; i++)
    {
      int64_t in = i == 0 ? rev[0] : rev[i - 1], out = rev[i];
      for (int64_t j = 0; j < c->layers_per_block + 1; j++)
        {
          snprintf (name, sizeof name, "decoder.up_blocks.%lld.resnets.%lld", (long long) i, (long long) j);
          if (!expect_resnet (x, j == 0 ? in : out, out, name))
            return false;
          snprintf (name, sizeof name, "decoder.up_blocks.%lld.temp_convs.%lld", (long long) i, (long long) j);
          if (!expect_temporal (x, out, TEMPORAL_PLAIN, name))
            return false;
        }
      snprintf (name, sizeof name, "decoder.up_blocks.%lld.temp_conv_up", (long long) i);
      if (c->temporal_upsample[i] && !expect_temporal (x, out, TEMPORAL_UP, name))
        return false;
      snprintf (name, sizeof name, "decoder.up_blocks.%lld.upsamplers.0.conv", (long long) i);
      if (i < n - 1 && !expect_conv2d (x, out, out, 3, name))
        return false;
    }
  return expect_norm (x, rev[n - 1], "decoder.conv_norm_out")
         && expect_conv3d (x, rev[n - 1], rev[n - 1], 3, 1, 1, "decoder.temp_conv_out")
         && expect_conv2d (x, c->out_channels, rev[n - 1], 3, "decoder.conv_out")
         && expect_conv2d (x, 2 * latent, 2 * latent, 1, "quant_conv")
         && expect_conv2d (x, latent, latent, 1, "post_quant_conv");
}

void
ae_model_folder_list_tensors (const ae_model_folder *folder, ae_model_tensor_func func, void *user_data)
{
  expect t5 = { .list = func, .component = "text_encoder", .user_data = user_data };
  expect dit = { .list = func, .component = "transformer", .user_data = user_data };
  expect vae = { .list = func, .component = "vae", .user_data = user_data };
  expect_t5 (&t5, &folder->t5);
  expect_dit (&dit, &folder->dit);
  expect_vae (&vae, &folder->vae);
}

bool
ae_model_folder_check_tensors (ae_model_folder *folder, ae_error *error)
{
  expect t5 = { folder->t5_weights, error };
  expect dit = { folder->dit_weights, error };
  expect vae = { folder->vae_weights, error };

  return expect_t5 (&t5, &folder->t5) && ae_weights_check_all_taken (folder->t5_weights, error)
         && expect_dit (&dit, &folder->dit) && ae_weights_check_all_taken (folder->dit_weights, error)
         && expect_vae (&vae, &folder->vae) && ae_weights_check_all_taken (folder->vae_weights, error);
}

int64_t
ae_model_folder_steps (const ae_model_folder *folder)
{
  return folder->default_steps > 0 ? folder->default_steps : 100;
}

double
ae_model_folder_guidance (const ae_model_folder *folder)
{
  return folder->default_guidance > 0 ? folder->default_guidance : 7.5;
}

const char *
ae_model_folder_negative_prompt (const ae_model_folder *folder, bool templates)
{
  if (folder->has_default_negative_prompt)
    return folder->default_negative_prompt;
  return templates ? ae_prompt_default_negative : "";
}
