/* cli-fixtures.c: `allegro-studio check-fixtures DIR [--dtype f32|f16|bf16]
 * [--case NAME]`: runs every case of a golden-fixture folder (DIR/model in
 * Hugging Face layout, DIR/cases/<case>.safetensors + <case>.README.json)
 * through the engine and compares each output tensor with the reference.
 *
 * Tolerances per output tensor: max |ours - ref| <= rel * max |ref| + abs,
 * with (rel, abs) = (1e-4, 1e-5) in f32 and looser in f16 and bf16 (see
 * DESIGN.md); integer tensors (token ids, masks) exactly; 8-bit video within
 * one step in f32, since it is a rounding of floats (in f16 and bf16, within
 * the decoded floats' tolerance expressed in steps). */
#include "cli.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae-dit.h"
#include "ae-engine.h"
#include "ae-model-folder.h"
#include "ae-ops.h"
#include "ae-pipeline.h"
#include "ae-safetensors.h"
#include "ae-scheduler.h"
#include "ae-t5.h"
#include "ae-tokenizer.h"
#include "ae-vae.h"

typedef struct
{
  ae_context *ctx;
  ae_model_folder *folder;
  ae_dtype dtype;
  double rel, abs;
  const char *model_dir;
  ae_weights *data; /* the case's tensors */
  cJSON *readme;
  int failures;
} checker;

static void
tolerances (ae_dtype dtype, double *rel, double *abs_tol)
{
  switch (dtype)
    {
    case AE_F16:
      *rel = 2e-2;
      *abs_tol = 1e-3;
      break;
    case AE_BF16:
      *rel = 6e-2;
      *abs_tol = 1e-2;
      break;
    default:
      *rel = 1e-4;
      *abs_tol = 1e-5;
      break;
    }
}

/* ---- reading the case ---- */

static const ae_st_tensor *
need (checker *c, const char *name, ae_error *error)
{
  const ae_st_tensor *t = ae_weights_find (c->data, name);
  if (t == NULL)
    ae_set_error (error, AE_ERROR_INVALID, "the case has no tensor \"%s\".", name);
  return t;
}

static int64_t
numel_of (const ae_st_tensor *t)
{
  int64_t n = 1;
  for (int i = 0; i < t->ndim; i++)
    n *= t->shape[i];
  return n;
}

static float *
read_f32 (checker *c, const char *name, const ae_st_tensor **out_t, ae_error *error)
{
  const ae_st_tensor *t = need (c, name, error);
  if (t == NULL)
    return NULL;
  float *data = malloc ((size_t) AE_MAX (numel_of (t), 1) * sizeof (float));
  if (!ae_st_tensor_to_f32 (t, data, error))
    {
      free (data);
      return NULL;
    }
  if (out_t != NULL)
    *out_t = t;
  return data;
}

static int32_t *
read_i32 (checker *c, const char *name, const ae_st_tensor **out_t, ae_error *error)
{
  const ae_st_tensor *t = need (c, name, error);
  if (t == NULL)
    return NULL;
  const int64_t n = numel_of (t);
  int64_t *wide = malloc ((size_t) AE_MAX (n, 1) * sizeof (int64_t));
  int32_t *data = malloc ((size_t) AE_MAX (n, 1) * sizeof (int32_t));
  bool ok = ae_st_tensor_to_i64 (t, wide, error);
  for (int64_t i = 0; ok && i < n; i++)
    data[i] = (int32_t) wide[i];
  free (wide);
  if (!ok)
    {
      free (data);
      return NULL;
    }
  if (out_t != NULL)
    *out_t = t;
  return data;
}

/* ---- comparing ---- */

static void
report (checker *c, const char *name, double max_diff, double max_ref, bool pass, const char *note)
{
  printf ("  %-40s max|diff| %.3e  max|ref| %.3e  rel %.3e  %s%s\n", name, max_diff, max_ref,
          max_ref > 0 ? max_diff / max_ref : max_diff, pass ? "PASS" : "FAIL", note);
  if (!pass)
    c->failures++;
}

/* Compares n floats with the reference tensor NAME (whose element count must be n). */
static bool
compare_f32 (checker *c, const char *name, const float *ours, int64_t n, ae_error *error)
{
  const ae_st_tensor *t;
  float *ref = read_f32 (c, name, &t, error);
  if (ref == NULL)
    return false;
  if (numel_of (t) != n)
    {
      ae_set_error (error, AE_ERROR_INVALID, "\"%s\" has %lld elements; ours has %lld.", name, (long long) numel_of (t),
                    (long long) n);
      free (ref);
      return false;
    }
  double max_diff = 0, max_ref = 0;
  bool finite = true;
  for (int64_t i = 0; i < n; i++)
    {
      if (!isfinite (ours[i]))
        finite = false;
      max_diff = fmax (max_diff, fabs ((double) ours[i] - (double) ref[i]));
      max_ref = fmax (max_ref, fabs ((double) ref[i]));
    }
  free (ref);
  report (c, name, finite ? max_diff : INFINITY, max_ref, finite && max_diff <= c->rel * max_ref + c->abs,
          finite ? "" : " (not finite)");
  return true;
}

static bool
compare_int (checker *c, const char *name, const int32_t *ours, int64_t n, int tolerance, ae_error *error)
{
  const ae_st_tensor *t;
  int32_t *ref = read_i32 (c, name, &t, error);
  if (ref == NULL)
    return false;
  if (numel_of (t) != n)
    {
      ae_set_error (error, AE_ERROR_INVALID, "\"%s\" has %lld elements; ours has %lld.", name, (long long) numel_of (t),
                    (long long) n);
      free (ref);
      return false;
    }
  int64_t max_diff = 0, max_ref = 0, differing = 0;
  for (int64_t i = 0; i < n; i++)
    {
      int64_t d = llabs ((long long) ours[i] - ref[i]);
      max_diff = AE_MAX (max_diff, d);
      max_ref = AE_MAX (max_ref, llabs ((long long) ref[i]));
      differing += d != 0;
    }
  free (ref);
  char note[64] = "";
  if (differing > 0)
    snprintf (note, sizeof note, " (%lld of %lld differ)", (long long) differing, (long long) n);
  report (c, name, (double) max_diff, (double) max_ref, max_diff <= tolerance, note);
  return true;
}

/* ---- helpers for the cases ---- */

static ae_tensor *
upload (checker *c, const float *data, int ndim, const int64_t *shape, const char *name, ae_error *error)
{
  ae_tensor *t = ae_tensor_new (c->ctx, AE_F32, ndim, shape, name, error);
  if (t != NULL && !ae_tensor_upload_f32 (t, data, error))
    ae_clear_pointer (&t, ae_tensor_free);
  return t;
}

static float *
download (const ae_tensor *t, ae_error *error)
{
  float *data = malloc ((size_t) ae_tensor_numel (t) * sizeof (float));
  if (!ae_tensor_download_f32 (t, data, error))
    ae_clear_pointer (&data, free);
  return data;
}

static const char *
readme_string (checker *c, const char *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (c->readme, key);
  return cJSON_IsString (item) ? item->valuestring : NULL;
}

/* "key=VALUE" inside the README's call string (e.g. guidance_scale=7.5). */
static bool
call_number (checker *c, const char *key, double *out)
{
  const char *call = readme_string (c, "call");
  char pattern[64];
  if (call == NULL)
    return false;
  snprintf (pattern, sizeof pattern, "%s=", key);
  const char *at = strstr (call, pattern);
  if (at == NULL)
    return false;
  char *end;
  *out = strtod (at + strlen (pattern), &end);
  return end != at + strlen (pattern);
}

/* The README's tiling override "vae.kernel=(24, 32, 32); vae.stride=(16, 16, 16)". */
static bool
readme_tiling (checker *c, ae_vae_tiling *tiling)
{
  const char *text = readme_string (c, "tiling");
  long long k[3], s[3];
  if (text == NULL)
    return false;
  const char *kat = strstr (text, "kernel=(");
  const char *sat = strstr (text, "stride=(");
  if (kat == NULL || sat == NULL || sscanf (kat, "kernel=(%lld, %lld, %lld)", &k[0], &k[1], &k[2]) != 3
      || sscanf (sat, "stride=(%lld, %lld, %lld)", &s[0], &s[1], &s[2]) != 3)
    return false;
  for (int i = 0; i < 3; i++)
    {
      tiling->kernel[i] = k[i];
      tiling->stride[i] = s[i];
    }
  return true;
}

/* ---- the cases ---- */

static bool
case_tokenizer (checker *c, ae_error *error)
{
  const cJSON *texts = cJSON_GetObjectItemCaseSensitive (c->readme, "texts");
  const cJSON *pre = cJSON_GetObjectItemCaseSensitive (c->readme, "preprocessed");
  const ae_st_tensor *ids_t = need (c, "out.input_ids", error);
  if (ids_t == NULL || ids_t->ndim != 2 || !cJSON_IsArray (texts) || cJSON_GetArraySize (texts) != ids_t->shape[0])
    {
      if (ids_t != NULL)
        ae_set_error (error, AE_ERROR_INVALID, "the README's \"texts\" must list one text per row of out.input_ids.");
      return false;
    }
  const int64_t n = ids_t->shape[0], L = ids_t->shape[1];
  ae_tokenizer *tok = ae_tokenizer_open (c->folder->tokenizer_dir, error);
  if (tok == NULL)
    return false;
  int32_t *ids = calloc ((size_t) (n * L), sizeof (int32_t)), *mask = calloc ((size_t) (n * L), sizeof (int32_t));
  bool ok = true;
  int pre_mismatch = 0;
  for (int64_t i = 0; ok && i < n; i++)
    {
      const cJSON *text = cJSON_GetArrayItem (texts, (int) i);
      char *p = cJSON_IsString (text) ? ae_prompt_preprocess (text->valuestring, error) : NULL;
      ok = p != NULL && ae_tokenizer_encode (tok, p, (int) L, ids + i * L, mask + i * L, NULL, error);
      const cJSON *want = cJSON_IsArray (pre) ? cJSON_GetArrayItem (pre, (int) i) : NULL;
      if (p != NULL && cJSON_IsString (want) && strcmp (want->valuestring, p) != 0)
        pre_mismatch++;
      free (p);
    }
  if (ok)
    {
      report (c, "preprocessed texts", pre_mismatch, 0, pre_mismatch == 0, pre_mismatch ? " (texts differ)" : "");
      ok = compare_int (c, "out.input_ids", ids, n * L, 0, error)
           && compare_int (c, "out.attention_mask", mask, n * L, 0, error);
    }
  free (ids);
  free (mask);
  ae_tokenizer_free (tok);
  return ok;
}

static bool
case_t5 (checker *c, ae_error *error)
{
  const ae_st_tensor *ids_t;
  int32_t *ids = read_i32 (c, "in.input_ids", &ids_t, error);
  int32_t *mask = ids != NULL ? read_i32 (c, "in.attention_mask", NULL, error) : NULL;
  ae_t5 *t5 = NULL;
  ae_tensor *out = NULL;
  ae_stream *s = NULL;
  float *result = NULL;
  bool ok = false;

  if (mask == NULL)
    goto out;
  const int64_t B = ids_t->shape[0], L = ids_t->shape[1], d = c->folder->t5.d_model;
  if ((t5 = ae_t5_load (c->ctx, &c->folder->t5, c->folder->t5_weights, c->dtype, error)) == NULL
      || (out = ae_tensor_new (c->ctx, AE_F32, 3, (int64_t[]){ B, L, d }, "t5.out", error)) == NULL
      || (s = ae_stream_new (c->ctx, error)) == NULL || !ae_t5_encode (t5, s, out, ids, mask, B, L, error)
      || !ae_stream_finish (s, error) || (result = download (out, error)) == NULL)
    goto out;
  ok = compare_f32 (c, "out.last_hidden_state", result, B * L * d, error);
out:
  free (result);
  ae_stream_free (s);
  ae_tensor_free (out);
  ae_t5_free (t5);
  free (ids);
  free (mask);
  return ok;
}

static bool
case_dit (checker *c, ae_error *error)
{
  const ae_st_tensor *x_t, *ctx_t;
  float *x = read_f32 (c, "in.hidden_states", &x_t, error);
  float *context = x != NULL ? read_f32 (c, "in.encoder_hidden_states", &ctx_t, error) : NULL;
  int32_t *mask = context != NULL ? read_i32 (c, "in.encoder_attention_mask", NULL, error) : NULL;
  float *timesteps = mask != NULL ? read_f32 (c, "in.timestep", NULL, error) : NULL;
  ae_dit *dit = NULL;
  ae_tensor *xd = NULL, *cd = NULL, *out = NULL;
  ae_stream *s = NULL;
  float *result = NULL;
  bool ok = false;

  if (timesteps == NULL)
    goto out;
  if (x_t->ndim != 5)
    {
      ae_set_error (error, AE_ERROR_INVALID, "in.hidden_states must be 5-D.");
      goto out;
    }
  /* encoder_hidden_states may be [B, L, C] or the pipeline's [B, 1, L, C]. */
  const int64_t B = x_t->shape[0], L = ctx_t->shape[ctx_t->ndim - 2], Cc = ctx_t->shape[ctx_t->ndim - 1];
  int64_t out_shape[5] = { B, c->folder->dit.out_channels, x_t->shape[2], x_t->shape[3], x_t->shape[4] };
  if ((dit = ae_dit_load (c->ctx, &c->folder->dit, c->folder->dit_weights, c->dtype, error)) == NULL
      || (xd = upload (c, x, 5, x_t->shape, "x", error)) == NULL
      || (cd = upload (c, context, 3, (int64_t[]){ B, L, Cc }, "context", error)) == NULL
      || (out = ae_tensor_new (c->ctx, AE_F32, 5, out_shape, "out", error)) == NULL
      || (s = ae_stream_new (c->ctx, error)) == NULL || !ae_dit_forward (dit, s, out, xd, cd, mask, timesteps, error)
      || !ae_stream_finish (s, error) || (result = download (out, error)) == NULL)
    goto out;
  ok = compare_f32 (c, "out.sample", result, ae_tensor_numel (out), error);
out:
  free (result);
  ae_stream_free (s);
  ae_tensor_free (xd);
  ae_tensor_free (cd);
  ae_tensor_free (out);
  ae_dit_free (dit);
  free (x);
  free (context);
  free (mask);
  free (timesteps);
  return ok;
}

typedef enum
{
  VAE_DECODER_CORE,
  VAE_ENCODER_CORE,
  VAE_DECODE_TILED,
  VAE_ENCODE_TILED,
} vae_case;

static bool
case_vae (checker *c, vae_case which, ae_error *error)
{
  const bool decode = which == VAE_DECODER_CORE || which == VAE_DECODE_TILED;
  const ae_vae_config *cfg = &c->folder->vae;
  const ae_st_tensor *in_t;
  float *in = read_f32 (c, decode ? "in.z" : "in.video", &in_t, error);
  ae_vae *vae = NULL;
  ae_tensor *ind = NULL, *out = NULL;
  ae_stream *s = NULL;
  float *result = NULL;
  bool ok = false;
  int64_t out_shape[5];

  if (in == NULL)
    goto out;
  if (in_t->ndim != 5 || in_t->shape[0] != 1)
    {
      ae_set_error (error, AE_ERROR_INVALID, "the input must be [1, C, T, H, W].");
      goto out;
    }
  if (decode)
    {
      int64_t up = 1;
      for (int64_t i = 0; i < cfg->n_blocks; i++)
        up *= cfg->temporal_upsample[i] ? 2 : 1;
      if (which == VAE_DECODE_TILED)
        up = cfg->temporal_compression_ratio;
      out_shape[0] = 1;
      out_shape[1] = cfg->out_channels;
      out_shape[2] = in_t->shape[2] * up;
      out_shape[3] = in_t->shape[3] * 8;
      out_shape[4] = in_t->shape[4] * 8;
    }
  else
    {
      out_shape[0] = 1;
      out_shape[1] = 2 * cfg->latent_channels;
      out_shape[2] = in_t->shape[2] / cfg->temporal_compression_ratio;
      out_shape[3] = in_t->shape[3] / 8;
      out_shape[4] = in_t->shape[4] / 8;
    }
  if ((vae = ae_vae_load (c->ctx, cfg, c->folder->vae_weights, c->dtype, error)) == NULL
      || (ind = upload (c, in, 5, in_t->shape, "in", error)) == NULL
      || (out = ae_tensor_new (c->ctx, AE_F32, 5, out_shape, "out", error)) == NULL
      || (s = ae_stream_new (c->ctx, error)) == NULL)
    goto out;
  if (which == VAE_DECODE_TILED || which == VAE_ENCODE_TILED)
    {
      ae_vae_tiling tiling = { 0 };
      if (readme_tiling (c, &tiling))
        ae_vae_set_tiling (vae, &tiling);
    }
  switch (which)
    {
    case VAE_DECODER_CORE:
      ok = ae_vae_decoder_core (vae, s, out, ind, error);
      break;
    case VAE_ENCODER_CORE:
      ok = ae_vae_encoder_core (vae, s, out, ind, error);
      break;
    case VAE_DECODE_TILED:
      ok = ae_vae_decode (vae, s, out, ind, error);
      break;
    case VAE_ENCODE_TILED:
      ok = ae_vae_encode (vae, s, out, ind, error);
      break;
    }
  if (!ok || !ae_stream_finish (s, error) || (result = download (out, error)) == NULL)
    {
      ok = false;
      goto out;
    }
  const int64_t n = ae_tensor_numel (out);
  if (which == VAE_DECODER_CORE)
    ok = compare_f32 (c, "out.video", result, n, error);
  else if (which == VAE_ENCODER_CORE)
    ok = compare_f32 (c, "out.h", result, n, error);
  else if (which == VAE_DECODE_TILED)
    {
      /* Ours is (B, C, F, H, W); the reference's decode returns (B, F, C, H, W). */
      const int64_t C = out_shape[1], F = out_shape[2], HW = out_shape[3] * out_shape[4];
      float *permuted = malloc ((size_t) n * sizeof (float));
      for (int64_t ch = 0; ch < C; ch++)
        for (int64_t f = 0; f < F; f++)
          memcpy (permuted + (f * C + ch) * HW, result + (ch * F + f) * HW, (size_t) HW * sizeof (float));
      ok = compare_f32 (c, "out.video_btchw", permuted, n, error);
      free (permuted);
    }
  else
    {
      const int64_t half = n / 2;
      float *logvar = malloc ((size_t) half * sizeof (float)), *std = malloc ((size_t) half * sizeof (float));
      for (int64_t i = 0; i < half; i++)
        {
          logvar[i] = fminf (fmaxf (result[half + i], -30.0f), 20.0f);
          std[i] = expf (0.5f * logvar[i]);
        }
      ok = compare_f32 (c, "out.moments", result, n, error) && compare_f32 (c, "out.mean", result, half, error)
           && compare_f32 (c, "out.logvar", logvar, half, error) && compare_f32 (c, "out.std", std, half, error);
      free (logvar);
      free (std);
    }
out:
  free (result);
  ae_stream_free (s);
  ae_tensor_free (ind);
  ae_tensor_free (out);
  ae_vae_free (vae);
  free (in);
  return ok;
}

static bool
case_scheduler_schedule (checker *c, ae_error *error)
{
  int32_t *steps_in = read_i32 (c, "in.num_inference_steps", NULL, error);
  ae_scheduler *sched = NULL;
  bool ok = false;
  if (steps_in == NULL || (sched = ae_scheduler_new (&c->folder->scheduler, error)) == NULL
      || !ae_scheduler_set_timesteps (sched, steps_in[0], error))
    goto out;
  const int64_t n = sched->steps;
  ok = compare_f32 (c, "out.betas", sched->betas, sched->num_train_timesteps, error)
       && compare_f32 (c, "out.alphas_cumprod", sched->alphas_cumprod, sched->num_train_timesteps, error)
       && compare_f32 (c, "out.timesteps_N", sched->timesteps, n, error)
       && compare_f32 (c, "out.sigmas_N", sched->sigmas, n + 1, error)
       && compare_f32 (c, "out.init_noise_sigma_N", &sched->init_noise_sigma, 1, error);
out:
  free (steps_in);
  ae_scheduler_free (sched);
  return ok;
}

static bool
case_scheduler_steps (checker *c, ae_error *error)
{
  const ae_st_tensor *x_t, *ts_t;
  float *x = read_f32 (c, "in.x_T", &x_t, error);
  float *ts = x != NULL ? read_f32 (c, "in.timesteps", &ts_t, error) : NULL;
  ae_scheduler *sched = NULL;
  float *eps = NULL, *noise = NULL;
  bool ok = false;
  char name[64];

  if (ts == NULL || (sched = ae_scheduler_new (&c->folder->scheduler, error)) == NULL
      || !ae_scheduler_set_timesteps (sched, numel_of (ts_t), error))
    goto out;
  const int64_t n = numel_of (x_t);
  ok = compare_f32 (c, "in.timesteps", sched->timesteps, sched->steps, error)
       && compare_f32 (c, "in.sigmas", sched->sigmas, sched->steps + 1, error);
  for (int64_t i = 0; ok && i < sched->steps; i++)
    {
      snprintf (name, sizeof name, "in.step%lld.model_output", (long long) i);
      eps = read_f32 (c, name, NULL, error);
      snprintf (name, sizeof name, "in.step%lld.noise", (long long) i);
      noise = eps != NULL ? read_f32 (c, name, NULL, error) : NULL;
      if (noise == NULL)
        {
          ok = false;
          break;
        }
      ae_scheduler_step (sched, i, x, eps, noise, NULL, n);
      snprintf (name, sizeof name, "out.step%lld.prev_sample", (long long) i);
      ok = compare_f32 (c, name, x, n, error);
      ae_clear_pointer (&eps, free);
      ae_clear_pointer (&noise, free);
    }
  ok = ok && compare_f32 (c, "out.x_0", x, n, error);
out:
  free (x);
  free (ts);
  free (eps);
  free (noise);
  ae_scheduler_free (sched);
  return ok;
}

static bool
case_rope_and_timestep (checker *c, ae_error *error)
{
  double embed_dim = 0, temporal = 0, steps_unused;
  long long grid_h = 0, grid_w = 0;
  double scale[3] = { 0 };
  const char *call = readme_string (c, "call");
  const char *at;
  (void) steps_unused;
  if (call == NULL || !call_number (c, "embed_dim", &embed_dim) || !call_number (c, "temporal_size", &temporal)
      || (at = strstr (call, "grid_size=(")) == NULL || sscanf (at, "grid_size=(%lld,%lld)", &grid_h, &grid_w) != 2
      || (at = strstr (call, "interpolation_scale=(")) == NULL
      || sscanf (at, "interpolation_scale=(%lf,%lf,%lf)", &scale[0], &scale[1], &scale[2]) != 3)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "the README's call must give embed_dim, temporal_size, grid_size and interpolation_scale.");
      return false;
    }
  const int dim = (int) embed_dim / 3;
  const int64_t n[3] = { (int64_t) temporal, grid_h, grid_w };
  const char *axis[3] = { "t", "h", "w" };
  bool ok = true;
  char name[64];
  for (int a = 0; ok && a < 3; a++)
    {
      float *cosv = malloc ((size_t) (n[a] * dim) * sizeof (float)),
            *sinv = malloc ((size_t) (n[a] * dim) * sizeof (float));
      float *grid = malloc ((size_t) n[a] * sizeof (float));
      ae_rope_1d_table (cosv, sinv, n[a], dim, scale[a], 10000.0);
      for (int64_t i = 0; i < n[a]; i++)
        grid[i] = (float) i;
      snprintf (name, sizeof name, "out.rope_%s_cos", axis[a]);
      ok = compare_f32 (c, name, cosv, n[a] * dim, error);
      snprintf (name, sizeof name, "out.rope_%s_sin", axis[a]);
      ok = ok && compare_f32 (c, name, sinv, n[a] * dim, error);
      snprintf (name, sizeof name, "out.grid_%s", axis[a]);
      ok = ok && compare_f32 (c, name, grid, n[a], error);
      free (cosv);
      free (sinv);
      free (grid);
    }
  const ae_st_tensor *ts_t;
  float *ts = ok ? read_f32 (c, "in.timesteps", &ts_t, error) : NULL;
  if (ts == NULL)
    return false;
  const int64_t nt = numel_of (ts_t);
  float *emb = malloc ((size_t) (nt * 256) * sizeof (float));
  ae_timestep_embedding (emb, ts, nt, 256, true, 0.0, 10000.0);
  ok = compare_f32 (c, "out.timestep_sinusoid_256", emb, nt * 256, error);
  free (emb);
  free (ts);
  return ok;
}

typedef struct
{
  checker *c;
  ae_error *error;
  bool failed;
} noise_source;

static void
fixture_noise (int64_t step, float *out, int64_t n, void *user_data)
{
  noise_source *ns = user_data;
  char name[64];
  snprintf (name, sizeof name, "in.step%lld.ancestral_noise", (long long) step);
  const ae_st_tensor *t = ae_weights_find (ns->c->data, name);
  if (t == NULL || numel_of (t) != n || !ae_st_tensor_to_f32 (t, out, NULL))
    {
      memset (out, 0, (size_t) n * sizeof (float));
      ns->failed = true;
    }
}

/* 8-bit video is round ((x / 2 + 0.5) 255) of the decoded floats: one step
 * in f32; in f16 and bf16 the decoded video's own tolerance, in steps. */
static int
uint8_tolerance (const checker *c, const ae_st_tensor *decoded)
{
  if (c->dtype == AE_F32)
    return 1;
  float *ref = malloc ((size_t) numel_of (decoded) * sizeof (float));
  double max_ref = 0;
  if (ae_st_tensor_to_f32 (decoded, ref, NULL))
    for (int64_t i = 0; i < numel_of (decoded); i++)
      max_ref = fmax (max_ref, fabs (ref[i]));
  free (ref);
  return 1 + (int) ceil ((c->rel * max_ref + c->abs) * 127.5);
}

static bool
case_pipeline (checker *c, ae_error *error)
{
  const ae_st_tensor *lat_t, *ids_t, *dec_t;
  float *latents = read_f32 (c, "in.latents_init_unscaled", &lat_t, error);
  int32_t *ids = latents != NULL ? read_i32 (c, "in.prompt_input_ids", &ids_t, error) : NULL;
  const char *prompt = readme_string (c, "prompts_raw");
  ae_pipeline *p = NULL;
  ae_video video = { 0 };
  bool ok = false;
  double guidance = 7.5;

  free (ids);
  if (latents == NULL || ids == NULL)
    goto out;
  if (prompt == NULL || (dec_t = need (c, "out.decoded_video_bcfhw", error)) == NULL || dec_t->ndim != 5)
    {
      if (prompt == NULL)
        ae_set_error (error, AE_ERROR_INVALID, "the README has no \"prompts_raw\".");
      goto out;
    }
  call_number (c, "guidance_scale", &guidance);
  const ae_st_tensor *ts_t = need (c, "in.timesteps", error);
  if (ts_t == NULL)
    goto out;
  ae_pipeline_params params
      = { .t5_dtype = c->dtype, .dit_dtype = c->dtype, .vae_dtype = c->dtype, .keep_loaded = false };
  if ((p = ae_pipeline_new (c->ctx, c->model_dir, &params, error)) == NULL)
    goto out;
  ae_vae_tiling tiling = { 0 };
  if (readme_tiling (c, &tiling))
    ae_pipeline_set_vae_tiling (p, &tiling);
  noise_source ns = { .c = c, .error = error };
  const ae_generate_params gp = {
    .prompt = prompt,
    .steps = numel_of (ts_t),
    .guidance_scale = (float) guidance,
    .frames = dec_t->shape[2],
    .height = dec_t->shape[3],
    .width = dec_t->shape[4],
    .max_sequence_length = ids_t->shape[1],
    .initial_latents = latents,
    .noise_func = fixture_noise,
    .noise_user_data = &ns,
  };
  if (!ae_pipeline_generate (p, &gp, true, &video, error))
    goto out;
  if (ns.failed)
    {
      ae_set_error (error, AE_ERROR_INVALID, "the case lacks an in.stepN.ancestral_noise of the latents' size.");
      goto out;
    }
  const int64_t n_latent = numel_of (lat_t);
  const int64_t F = video.frames, H = video.height, W = video.width;
  int32_t *planar = malloc ((size_t) (F * 3 * H * W) * sizeof (int32_t));
  for (int64_t f = 0; f < F; f++)
    for (int64_t ch = 0; ch < 3; ch++)
      for (int64_t i = 0; i < H * W; i++)
        planar[(f * 3 + ch) * H * W + i] = video.rgb[(f * H * W + i) * 3 + ch];
  ok = compare_int (c, "in.prompt_input_ids", video.prompt_ids, video.text_length, 0, error)
       && compare_int (c, "in.negative_input_ids", video.negative_ids, video.text_length, 0, error)
       && (ae_weights_find (c->data, "mid.final_latents") == NULL
           || compare_f32 (c, "mid.final_latents", video.latents, n_latent, error))
       && compare_f32 (c, "out.decoded_video_bcfhw", video.decoded, numel_of (dec_t), error)
       && compare_int (c, "out.video_uint8_bfchw", planar, F * 3 * H * W, uint8_tolerance (c, dec_t), error);
  free (planar);
out:
  ae_video_clear (&video);
  ae_pipeline_free (p);
  free (latents);
  return ok;
}

/* ---- driver ---- */

static bool
run_case (checker *c, const char *name, ae_error *error)
{
  if (strcmp (name, "tokenizer") == 0)
    return case_tokenizer (c, error);
  if (strcmp (name, "t5_encoder") == 0)
    return case_t5 (c, error);
  if (strcmp (name, "dit_forward") == 0)
    return case_dit (c, error);
  if (strcmp (name, "vae_decoder_core") == 0)
    return case_vae (c, VAE_DECODER_CORE, error);
  if (strcmp (name, "vae_encoder_core") == 0)
    return case_vae (c, VAE_ENCODER_CORE, error);
  if (strcmp (name, "vae_decode_tiled") == 0)
    return case_vae (c, VAE_DECODE_TILED, error);
  if (strcmp (name, "vae_encode_tiled") == 0)
    return case_vae (c, VAE_ENCODE_TILED, error);
  if (strcmp (name, "scheduler_schedule") == 0)
    return case_scheduler_schedule (c, error);
  if (strcmp (name, "scheduler_steps") == 0)
    return case_scheduler_steps (c, error);
  if (strcmp (name, "rope_and_timestep_real_config") == 0)
    return case_rope_and_timestep (c, error);
  if (strcmp (name, "pipeline_e2e") == 0)
    return case_pipeline (c, error);
  ae_set_error (error, AE_ERROR_UNSUPPORTED, "no runner for a case called \"%s\".", name);
  return false;
}

static char *
read_text (const char *path)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    return NULL;
  fseek (f, 0, SEEK_END);
  long size = ftell (f);
  fseek (f, 0, SEEK_SET);
  char *text = malloc ((size_t) size + 1);
  size_t got = fread (text, 1, (size_t) size, f);
  text[got] = '\0';
  fclose (f);
  return text;
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
cli_check_fixtures (int argc, char **argv)
{
  const char *dir = NULL, *only = NULL, *dtype_name = "f32";
  checker c = { 0 };
  ae_error error = { 0 };
  char path[4096];
  int status = 1, n_cases = 0, passed = 0, cannot = 0;
  char **names = NULL;
  size_t n_names = 0;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--dtype") == 0 && i + 1 < argc)
        dtype_name = argv[++i];
      else if (strcmp (argv[i], "--case") == 0 && i + 1 < argc)
        only = argv[++i];
      else if (argv[i][0] != '-' && dir == NULL)
        dir = argv[i];
      else
        {
          cli_error ("check-fixtures: unknown argument \"%s\"", argv[i]);
          return 2;
        }
    }
  if (dir == NULL)
    {
      cli_error ("usage: allegro-studio check-fixtures DIR [--dtype f32|f16|bf16] [--case NAME]");
      return 2;
    }
  if (!ae_dtype_from_name (dtype_name, &c.dtype) || (c.dtype != AE_F32 && c.dtype != AE_F16 && c.dtype != AE_BF16))
    {
      cli_error ("check-fixtures: --dtype must be f32, f16 or bf16, not \"%s\"", dtype_name);
      return 2;
    }
  tolerances (c.dtype, &c.rel, &c.abs);

  snprintf (path, sizeof path, "%s/cases", dir);
  DIR *cases = opendir (path);
  if (cases == NULL)
    {
      cli_error ("check-fixtures: cannot open %s: no cases folder.", path);
      return 1;
    }
  struct dirent *entry;
  while ((entry = readdir (cases)) != NULL)
    {
      size_t len = strlen (entry->d_name);
      if (len > 12 && strcmp (entry->d_name + len - 12, ".README.json") == 0)
        {
          names = realloc (names, (n_names + 1) * sizeof *names);
          names[n_names++] = strndup (entry->d_name, len - 12);
        }
    }
  closedir (cases);
  if (n_names > 1)
    qsort (names, n_names, sizeof *names, compare_names);

  static char model_dir[4096];
  snprintf (model_dir, sizeof model_dir, "%s/model", dir);
  c.model_dir = model_dir;
  ae_context_params cp = { 0 };
  if ((c.ctx = ae_context_new (&cp, &error)) == NULL || (c.folder = ae_model_folder_open (model_dir, &error)) == NULL)
    {
      cli_error ("check-fixtures: %s", error.message);
      goto out;
    }
  printf ("check-fixtures: %s on %s, %s (tolerance %.0e x max|ref| + %.0e)\n", dir, ae_context_device (c.ctx)->name,
          ae_dtype_name (c.dtype), c.rel, c.abs);

  for (size_t i = 0; i < n_names; i++)
    {
      snprintf (path, sizeof path, "%s/cases/%s.README.json", dir, names[i]);
      char *text = read_text (path);
      c.readme = text != NULL ? cJSON_Parse (text) : NULL;
      free (text);
      const cJSON *file = cJSON_GetObjectItemCaseSensitive (c.readme, "file");
      const cJSON *case_name = cJSON_GetObjectItemCaseSensitive (c.readme, "case");
      const char *name = cJSON_IsString (case_name) ? case_name->valuestring : names[i];
      /* --case matches the case's name or its file's. */
      if (only != NULL && strcmp (only, names[i]) != 0 && strcmp (only, name) != 0)
        {
          ae_clear_pointer (&c.readme, cJSON_Delete);
          continue;
        }
      n_cases++;
      printf ("case %s\n", name);
      const int failures_before = c.failures;
      bool ran = false;
      memset (&error, 0, sizeof error);
      if (c.readme == NULL)
        ae_set_error (&error, AE_ERROR_INVALID, "%s is not valid JSON.", path);
      else
        {
          snprintf (path, sizeof path, "%s/cases/%s", dir, cJSON_IsString (file) ? file->valuestring : names[i]);
          if (!cJSON_IsString (file))
            strncat (path, ".safetensors", sizeof path - strlen (path) - 1);
          c.data = ae_weights_open (path, &error);
          if (c.data != NULL)
            ran = run_case (&c, name, &error);
        }
      if (!ran)
        {
          printf ("  CANNOT RUN: %s\n", error.message);
          cannot++;
        }
      else if (c.failures == failures_before)
        passed++;
      printf ("  => %s\n", !ran ? "FAIL (cannot run)" : c.failures == failures_before ? "PASS" : "FAIL");
      ae_clear_pointer (&c.data, ae_weights_free);
      ae_clear_pointer (&c.readme, cJSON_Delete);
    }
  if (only != NULL && n_cases == 0)
    cli_error ("check-fixtures: no case called \"%s\" in %s/cases", only, dir);
  printf ("check-fixtures: %d of %d cases passed%s\n", passed, n_cases, cannot ? " (some could not run)" : "");
  status = n_cases > 0 && passed == n_cases ? 0 : 1;
out:
  for (size_t i = 0; i < n_names; i++)
    free (names[i]);
  free (names);
  ae_model_folder_free (c.folder);
  ae_context_free (c.ctx);
  return status;
}
