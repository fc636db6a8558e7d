/* test-model-folder.c: the tiny fixture model opens with the configs it
 * holds and exactly the tensors they imply; damaged copies of it (a missing,
 * extra or mis-shaped tensor, a missing config key or shard, nonsense config
 * values) fail with messages naming the tensor or key, the file, and the
 * shapes. */
#include "models-test.h"
#include "ae-model-folder.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tiny;
static char *tmp;

static void
test_tiny (void)
{
  ae_error error = { 0 };
  ae_model_folder *f = ae_model_folder_open (tiny, &error);

  mt_ok (f != NULL, &error, "open the tiny model");
  mt_expect (f->t5.vocab_size == 384 && f->t5.d_model == 32 && f->t5.d_kv == 8 && f->t5.d_ff == 64
                 && f->t5.num_layers == 2 && f->t5.num_heads == 4 && f->t5.relative_attention_num_buckets == 32
                 && f->t5.relative_attention_max_distance == 128 && f->t5.layer_norm_epsilon == 1e-6 && f->t5.gated,
             "T5 config: vocab 384, d_model 32, d_kv 8, d_ff 64, 2 layers, 4 heads, 32/128 buckets");
  mt_expect (f->dit.num_attention_heads == 2 && f->dit.attention_head_dim == 24 && f->dit.cross_attention_dim == 48
                 && f->dit.caption_channels == 32 && f->dit.num_layers == 2 && f->dit.in_channels == 4
                 && f->dit.out_channels == 4 && f->dit.patch_size == 2 && f->dit.patch_size_t == 1
                 && f->dit.attention_bias && f->dit.norm_eps == 1e-6,
             "DiT config: 2 heads x 24, 2 layers, caption 32, patch 2");
  mt_expect (f->dit.interpolation_scale_t_set && f->dit.interpolation_scale_t == 2.2 && f->dit.interpolation_scale_h_set
                 && f->dit.interpolation_scale_h == 2.0 && f->dit.interpolation_scale_w == 2.0,
             "DiT interpolation scales 2.2, 2, 2");
  mt_expect (f->dit.sample_frames == 10 && f->dit.sample_height == 6 && f->dit.sample_width == 6,
             "DiT sample size 10 x 6 x 6");
  mt_expect (f->vae.n_blocks == 4 && f->vae.block_out_channels[0] == 8 && f->vae.block_out_channels[1] == 8
                 && f->vae.block_out_channels[2] == 16 && f->vae.block_out_channels[3] == 16
                 && f->vae.layers_per_block == 1 && f->vae.norm_num_groups == 4 && f->vae.latent_channels == 4
                 && f->vae.in_channels == 3 && f->vae.out_channels == 3 && f->vae.scaling_factor == 0.13
                 && f->vae.sample_size == 32 && f->vae.temporal_compression_ratio == 4,
             "VAE config: blocks 8, 8, 16, 16, 1 layer per block, 4 groups, scaling 0.13, tile 32");
  mt_expect (f->vae.temporal_downsample[0] && f->vae.temporal_downsample[1] && !f->vae.temporal_downsample[2]
                 && !f->vae.temporal_downsample[3] && !f->vae.temporal_upsample[0] && f->vae.temporal_upsample[1]
                 && f->vae.temporal_upsample[2] && !f->vae.temporal_upsample[3],
             "VAE temporal down T, T, F, F and up F, T, T, F");
  mt_expect (f->scheduler.num_train_timesteps == 1000 && f->scheduler.beta_start == 1e-4
                 && f->scheduler.beta_end == 0.02 && strcmp (f->scheduler.beta_schedule, "linear") == 0
                 && strcmp (f->scheduler.prediction_type, "epsilon") == 0
                 && strcmp (f->scheduler.timestep_spacing, "linspace") == 0 && f->scheduler.steps_offset == 0
                 && !f->scheduler.rescale_betas_zero_snr,
             "scheduler config: 1000 steps, linear 1e-4..0.02, epsilon, linspace");
  mt_expect (f->tokenizer_max_length == 512, "tokenizer model_max_length 512");
  char *tok = mt_path (tiny, "tokenizer");
  mt_expect (strcmp (f->tokenizer_dir, tok) == 0, "tokenizer_dir is %s", f->tokenizer_dir);
  free (tok);
  mt_expect (ae_weights_count (f->t5_weights) == 21 && ae_weights_count (f->dit_weights) == 57
                 && ae_weights_count (f->vae_weights) == 508,
             "21 T5, 57 DiT and 508 VAE tensors");
  bool ok = ae_model_folder_check_tensors (f, &error);
  mt_expect (ok, "every tensor of the tiny model is expected, with its shape: %s", ok ? "yes" : error.message);
  mt_expect (ae_weights_check_all_taken (f->t5_weights, &error) && ae_weights_check_all_taken (f->dit_weights, &error)
                 && ae_weights_check_all_taken (f->vae_weights, &error),
             "every tensor was taken");
  ae_model_folder_free (f);
}

/* ---- damaged copies ---- */

static char *
copy_tiny (const char *name)
{
  char *dir = mt_path (tmp, name);
  mt_ok (mt_copy_tree (tiny, dir), NULL, "copy the tiny model");
  return dir;
}

/* Sets KEY of a config file to the JSON VALUE, or deletes it when VALUE is NULL. */
static void
edit_config (const char *dir, const char *relative, const char *key, const char *value)
{
  char *path = mt_path (dir, relative);
  char *text = mt_read_file (path, NULL);
  cJSON *root = cJSON_Parse (text);

  mt_ok (root != NULL, NULL, "parse a config to edit");
  cJSON_DeleteItemFromObjectCaseSensitive (root, key);
  if (value != NULL)
    cJSON_AddItemToObject (root, key, cJSON_Parse (value));
  char *out = cJSON_Print (root);
  mt_ok (mt_write_file (path, out, strlen (out)), NULL, "write an edited config");
  free (out);
  cJSON_Delete (root);
  free (text);
  free (path);
}

typedef enum
{
  EDIT_REMOVE,
  EDIT_ADD,
  EDIT_RESHAPE,
} edit_kind;

/* Rewrites the weight file of a component with one tensor removed, added
 * (F32, of the given shape, zeros) or given another shape of the same size. */
static void
edit_weights (const char *dir, const char *file, edit_kind kind, const char *name, int ndim, const int64_t *shape)
{
  ae_error error = { 0 };
  char *path = mt_path (dir, file);
  ae_weights *w = ae_weights_open (path, &error);
  size_t n = ae_weights_count (w), m = 0;
  mt_tensor *ts = calloc (n + 1, sizeof *ts);
  float *zeros = NULL;

  mt_ok (w != NULL, &error, "open weights to edit");
  for (size_t i = 0; i < n; i++)
    {
      const ae_st_tensor *t = ae_weights_at (w, i);
      if (kind == EDIT_REMOVE && strcmp (t->name, name) == 0)
        continue;
      ts[m] = (mt_tensor){
        .name = t->name, .dtype = ae_st_dtype_name (t->dtype), .ndim = t->ndim, .data = t->data, .nbytes = t->nbytes
      };
      memcpy (ts[m].shape, t->shape, sizeof ts[m].shape);
      if (kind == EDIT_RESHAPE && strcmp (t->name, name) == 0)
        {
          ts[m].ndim = ndim;
          memcpy (ts[m].shape, shape, (size_t) ndim * sizeof *shape);
        }
      m++;
    }
  if (kind == EDIT_ADD)
    {
      int64_t numel = 1;
      for (int d = 0; d < ndim; d++)
        numel *= shape[d];
      zeros = calloc ((size_t) numel, 4);
      ts[m] = (mt_tensor){ .name = name, .dtype = "F32", .ndim = ndim, .data = zeros, .nbytes = (uint64_t) numel * 4 };
      memcpy (ts[m].shape, shape, (size_t) ndim * sizeof *shape);
      m++;
    }
  /* The mapping stays valid until ae_weights_free, so write elsewhere first. */
  char *next = mt_path (dir, "next.tmp");
  mt_ok (mt_write_tensors (next, ts, m), NULL, "write edited weights");
  ae_weights_free (w);
  mt_ok (rename (next, path) == 0, NULL, "replace the weights");
  free (next);
  free (zeros);
  free (ts);
  free (path);
}

/* Splits text_encoder/model.safetensors into two shards and an index. */
static void
shard_text_encoder (const char *dir)
{
  ae_error error = { 0 };
  char *path = mt_path (dir, "text_encoder/model.safetensors");
  ae_weights *w = ae_weights_open (path, &error);
  size_t n = ae_weights_count (w);
  mt_tensor *ts = calloc (n, sizeof *ts);
  char *index = malloc (64 * 1024);
  size_t len = 0;

  mt_ok (w != NULL, &error, "open the text encoder to shard");
  len += (size_t) snprintf (index + len, 64 * 1024 - len, "{\"metadata\":{},\"weight_map\":{");
  for (size_t i = 0; i < n; i++)
    {
      const ae_st_tensor *t = ae_weights_at (w, i);
      ts[i] = (mt_tensor){
        .name = t->name, .dtype = ae_st_dtype_name (t->dtype), .ndim = t->ndim, .data = t->data, .nbytes = t->nbytes
      };
      memcpy (ts[i].shape, t->shape, sizeof ts[i].shape);
      len += (size_t) snprintf (index + len, 64 * 1024 - len, "%s\"%s\":\"model-0000%d-of-00002.safetensors\"",
                                i ? "," : "", t->name, i < n / 2 ? 1 : 2);
    }
  snprintf (index + len, 64 * 1024 - len, "}}");
  char *s1 = mt_path (dir, "text_encoder/model-00001-of-00002.safetensors");
  char *s2 = mt_path (dir, "text_encoder/model-00002-of-00002.safetensors");
  char *ip = mt_path (dir, "text_encoder/model.safetensors.index.json");
  mt_ok (mt_write_tensors (s1, ts, n / 2) && mt_write_tensors (s2, ts + n / 2, n - n / 2)
             && mt_write_file (ip, index, strlen (index)),
         NULL, "write the shards");
  ae_weights_free (w);
  unlink (path);
  free (s1);
  free (s2);
  free (ip);
  free (index);
  free (ts);
  free (path);
}

/* Opens DIR and checks its tensors; the first failure's message must hold
 * every NULL-terminated substring. */
static void
expect_failure (const char *dir, const char *what, ...)
{
  ae_error error = { 0 };
  ae_model_folder *f = ae_model_folder_open (dir, &error);
  bool failed = f == NULL || !ae_model_folder_check_tensors (f, &error);
  bool all = failed;
  const char *needle;
  va_list args;

  va_start (args, what);
  while ((needle = va_arg (args, const char *)) != NULL)
    if (failed && strstr (error.message, needle) == NULL)
      {
        printf ("     (the message lacks \"%s\")\n", needle);
        all = false;
      }
  va_end (args);
  mt_expect (all, "%s: %s", what, failed ? error.message : "(no error)");
  ae_model_folder_free (f);
}

static void
expect_success (const char *dir, const char *what)
{
  ae_error error = { 0 };
  ae_model_folder *f = ae_model_folder_open (dir, &error);
  bool ok = f != NULL && ae_model_folder_check_tensors (f, &error);
  mt_expect (ok, "%s: %s", what, ok ? "opens and checks" : error.message);
  ae_model_folder_free (f);
}

static void
test_tensor_errors (void)
{
  char *d;
  char *vae_file, *dit_file, *t5_file;

  d = copy_tiny ("missing-tensor");
  edit_weights (d, "vae/diffusion_pytorch_model.safetensors", EDIT_REMOVE, "decoder.conv_out.bias", 0, NULL);
  vae_file = mt_path (d, "vae/diffusion_pytorch_model.safetensors");
  expect_failure (d, "a missing tensor", "\"decoder.conv_out.bias\"", "missing", vae_file, "[3]", NULL);
  free (vae_file);
  mt_remove_tree (d);
  free (d);

  d = copy_tiny ("missing-shortcut");
  edit_weights (d, "vae/diffusion_pytorch_model.safetensors", EDIT_REMOVE,
                "encoder.down_blocks.2.resnets.0.conv_shortcut.weight", 0, NULL);
  expect_failure (d, "a missing conv_shortcut", "\"encoder.down_blocks.2.resnets.0.conv_shortcut.weight\"",
                  "[16, 8, 1, 1]", NULL);
  mt_remove_tree (d);
  free (d);

  d = copy_tiny ("extra-tensor");
  edit_weights (d, "transformer/diffusion_pytorch_model.safetensors", EDIT_ADD, "transformer_blocks.2.norm1.weight", 1,
                (int64_t[]){ 48 });
  dit_file = mt_path (d, "transformer/diffusion_pytorch_model.safetensors");
  expect_failure (d, "an extra tensor", "Unexpected tensor \"transformer_blocks.2.norm1.weight\"", "[48]", dit_file,
                  NULL);
  free (dit_file);
  mt_remove_tree (d);
  free (d);

  d = copy_tiny ("wrong-shape");
  edit_weights (d, "transformer/diffusion_pytorch_model.safetensors", EDIT_RESHAPE,
                "transformer_blocks.1.attn2.to_k.weight", 2, (int64_t[]){ 96, 24 });
  dit_file = mt_path (d, "transformer/diffusion_pytorch_model.safetensors");
  expect_failure (d, "a mis-shaped tensor", "\"transformer_blocks.1.attn2.to_k.weight\"", dit_file, "[96, 24]",
                  "expected [48, 48]", NULL);
  free (dit_file);
  mt_remove_tree (d);
  free (d);

  d = copy_tiny ("wrong-rank");
  edit_weights (d, "vae/diffusion_pytorch_model.safetensors", EDIT_RESHAPE,
                "decoder.up_blocks.1.temp_conv_up.conv1.2.weight", 4, (int64_t[]){ 32, 16, 3, 3 });
  expect_failure (d, "a tensor of another rank", "\"decoder.up_blocks.1.temp_conv_up.conv1.2.weight\"",
                  "[32, 16, 3, 3]", "expected [32, 16, 1, 3, 3]", NULL);
  mt_remove_tree (d);
  free (d);

  d = copy_tiny ("tied-embedding");
  t5_file = mt_path (d, "text_encoder/model.safetensors");
  edit_weights (d, "text_encoder/model.safetensors", EDIT_ADD, "encoder.embed_tokens.weight", 2,
                (int64_t[]){ 384, 32 });
  expect_success (d, "T5's tied encoder.embed_tokens.weight may be stored");
  edit_weights (d, "text_encoder/model.safetensors", EDIT_RESHAPE, "encoder.embed_tokens.weight", 2,
                (int64_t[]){ 32, 384 });
  expect_failure (d, "a stored encoder.embed_tokens.weight of another shape", "\"encoder.embed_tokens.weight\"",
                  t5_file, "[32, 384]", "expected [384, 32]", NULL);
  free (t5_file);
  mt_remove_tree (d);
  free (d);

  d = copy_tiny ("sharded");
  shard_text_encoder (d);
  expect_success (d, "a sharded text encoder (2 shards and an index)");
  char *shard = mt_path (d, "text_encoder/model-00002-of-00002.safetensors");
  unlink (shard);
  expect_failure (d, "a missing shard", shard, "missing", "model.safetensors.index.json", NULL);
  free (shard);
  mt_remove_tree (d);
  free (d);

  d = copy_tiny ("no-weights");
  char *vae = mt_path (d, "vae/diffusion_pytorch_model.safetensors");
  unlink (vae);
  char *vae_dir = mt_path (d, "vae");
  expect_failure (d, "a component without weights", vae_dir, "no .safetensors", NULL);
  free (vae_dir);
  free (vae);
  mt_remove_tree (d);
  free (d);
}

typedef struct
{
  const char *what;
  const char *file; /* relative to the folder */
  const char *key;
  const char *value; /* JSON; NULL deletes the key */
  const char *expect[3];
} config_case;

static const config_case config_cases[] = {
  { "a missing T5 key", "text_encoder/config.json", "d_model", NULL, { "d_model", "missing" } },
  { "a missing DiT key", "transformer/config.json", "num_layers", NULL, { "num_layers", "missing" } },
  { "a missing VAE key", "vae/config.json", "block_out_channels", NULL, { "block_out_channels", "missing" } },
  { "a missing feed_forward_proj",
    "text_encoder/config.json",
    "feed_forward_proj",
    NULL,
    { "feed_forward_proj", "missing" } },
  { "a zero size", "text_encoder/config.json", "d_ff", "0", { "d_ff", "from 1" } },
  { "a negative size", "transformer/config.json", "num_attention_heads", "-2", { "num_attention_heads" } },
  { "a fractional size", "vae/config.json", "latent_channels", "4.5", { "latent_channels", "whole number" } },
  { "a size given as a string", "text_encoder/config.json", "num_heads", "\"4\"", { "num_heads", "whole number" } },
  { "zero layers", "transformer/config.json", "num_layers", "0", { "num_layers" } },
  { "a head_dim that is not a multiple of 6",
    "transformer/config.json",
    "attention_head_dim",
    "25",
    { "attention_head_dim", "multiple of 6" } },
  { "cross_attention_dim != heads x head_dim",
    "transformer/config.json",
    "cross_attention_dim",
    "40",
    { "cross_attention_dim", "2 x 24 = 48" } },
  { "caption_channels != T5 d_model",
    "transformer/config.json",
    "caption_channels",
    "64",
    { "caption_channels", "d_model" } },
  { "patch_size_t 2", "transformer/config.json", "patch_size_t", "2", { "patch_size_t" } },
  { "another activation", "transformer/config.json", "activation_fn", "\"gelu\"", { "activation_fn", "gelu" } },
  { "a zero interpolation scale",
    "transformer/config.json",
    "interpolation_scale_t",
    "0",
    { "interpolation_scale_t" } },
  { "affine layer norms", "transformer/config.json", "norm_elementwise_affine", "true", { "norm_elementwise_affine" } },
  { "channels not divisible by the groups",
    "vae/config.json",
    "block_out_channels",
    "[8, 8, 16, 18]",
    { "block_out_channels", "norm_num_groups" } },
  { "an empty block list", "vae/config.json", "block_out_channels", "[]", { "block_out_channels" } },
  { "nine blocks", "vae/config.json", "block_out_channels", "[8,8,8,8,8,8,8,8,8]", { "block_out_channels" } },
  { "temporal flags for 3 of 4 blocks",
    "vae/config.json",
    "temporal_downsample_blocks",
    "[true, true, false]",
    { "temporal_downsample_blocks", "4" } },
  { "another block type",
    "vae/config.json",
    "up_block_types",
    "[\"UpDecoderBlock2D\",\"AllegroUpBlock3D\",\"AllegroUpBlock3D\",\"AllegroUpBlock3D\"]",
    { "up_block_types" } },
  { "zero norm groups", "vae/config.json", "norm_num_groups", "0", { "norm_num_groups" } },
  { "a negative scaling factor", "vae/config.json", "scaling_factor", "-0.13", { "scaling_factor" } },
  { "relu feed-forward", "text_encoder/config.json", "feed_forward_proj", "\"relu\"", { "feed_forward_proj", "relu" } },
  { "a cosine schedule",
    "scheduler/scheduler_config.json",
    "beta_schedule",
    "\"squaredcos_cap_v2\"",
    { "beta_schedule", "squaredcos_cap_v2" } },
  { "sample prediction",
    "scheduler/scheduler_config.json",
    "prediction_type",
    "\"sample\"",
    { "prediction_type", "sample" } },
  { "karras spacing",
    "scheduler/scheduler_config.json",
    "timestep_spacing",
    "\"karras\"",
    { "timestep_spacing", "karras" } },
  { "beta_end below beta_start", "scheduler/scheduler_config.json", "beta_end", "0.00001", { "beta_end" } },
  { "trained betas", "scheduler/scheduler_config.json", "trained_betas", "[0.1, 0.2]", { "trained_betas" } },
  { "a model index without a vae", "model_index.json", "vae", NULL, { "model_index.json", "\"vae\"" } },
};

static void
test_config_errors (void)
{
  for (size_t c = 0; c < AE_N_ELEMENTS (config_cases); c++)
    {
      const config_case *cc = &config_cases[c];
      char name[32];
      snprintf (name, sizeof name, "config-%zu", c);
      char *d = copy_tiny (name);
      char *file = mt_path (d, cc->file);
      edit_config (d, cc->file, cc->key, cc->value);
      expect_failure (d, cc->what, file, cc->expect[0], cc->expect[1] ? cc->expect[1] : file,
                      cc->expect[2] ? cc->expect[2] : file, NULL);
      free (file);
      mt_remove_tree (d);
      free (d);
    }

  /* Files that are not there or not JSON. */
  char *d = copy_tiny ("files");
  char *p = mt_path (d, "vae/config.json");
  mt_write_file (p, "{\"in_channels\": 3,", 18);
  expect_failure (d, "a malformed config", p, "not well-formed JSON", NULL);
  unlink (p);
  expect_failure (d, "a missing config", p, NULL);
  free (p);
  mt_remove_tree (d);
  free (d);

  d = copy_tiny ("no-spiece");
  p = mt_path (d, "tokenizer/spiece.model");
  unlink (p);
  expect_failure (d, "a missing tokenizer model", p, NULL);
  free (p);
  mt_remove_tree (d);
  free (d);

  d = copy_tiny ("no-index");
  p = mt_path (d, "model_index.json");
  unlink (p);
  expect_failure (d, "a folder without model_index.json", p, NULL);
  free (p);
  mt_remove_tree (d);
  free (d);

  d = copy_tiny ("null-scale");
  edit_config (d, "transformer/config.json", "interpolation_scale_t", "null");
  edit_config (d, "tokenizer/tokenizer_config.json", "model_max_length", "1e30");
  ae_error error = { 0 };
  ae_model_folder *f = ae_model_folder_open (d, &error);
  mt_expect (f != NULL && !f->dit.interpolation_scale_t_set && f->dit.interpolation_scale_h_set
                 && f->tokenizer_max_length == 512,
             "a null interpolation scale is unset, and model_max_length 1e30 means 512");
  ae_model_folder_free (f);
  mt_remove_tree (d);
  free (d);

  error = (ae_error){ 0 };
  f = ae_model_folder_open ("/nonexistent/model", &error);
  mt_expect_error (f != NULL, &error, "a folder that does not exist", "/nonexistent/model", NULL);
}

/* ---- the real model's tensor lists, on sparse files ---- */

/* Writes a safetensors file with the tensors listed in LIST ("name dim ..."
 * lines) and no data: the file is extended with ftruncate, so it takes no
 * space. */
static bool
write_sparse (const char *path, const char *list, const char *dtype, uint64_t esize)
{
  size_t cap = 1 << 20, len = 0;
  char *header = malloc (cap);
  uint64_t offset = 0;
  char *text = mt_read_file (list, NULL);
  char *save = NULL;
  bool ok = text != NULL;

  len += (size_t) snprintf (header, cap, "{");
  for (char *line = ok ? strtok_r (text, "\n", &save) : NULL; line != NULL; line = strtok_r (NULL, "\n", &save))
    {
      char *name, *tok, *inner = NULL;
      uint64_t bytes = esize;
      if (line[0] == '#')
        continue;
      name = strtok_r (line, " ", &inner);
      len += (size_t) snprintf (header + len, cap - len, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[", offset ? "," : "",
                                name, dtype);
      for (int d = 0; (tok = strtok_r (NULL, " ", &inner)) != NULL; d++)
        {
          bytes *= strtoull (tok, NULL, 10);
          len += (size_t) snprintf (header + len, cap - len, "%s%s", d ? "," : "", tok);
        }
      len += (size_t) snprintf (header + len, cap - len, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long) offset,
                                (unsigned long long) (offset + bytes));
      offset += bytes;
    }
  len += (size_t) snprintf (header + len, cap - len, "}");
  FILE *fp = ok ? fopen (path, "wb") : NULL;
  uint8_t size[8];
  for (int i = 0; i < 8; i++)
    size[i] = (uint8_t) ((uint64_t) len >> (8 * i));
  ok = fp != NULL && fwrite (size, 1, 8, fp) == 8 && fwrite (header, 1, len, fp) == len && fflush (fp) == 0
       && ftruncate (fileno (fp), (off_t) (8 + len + offset)) == 0;
  if (fp != NULL)
    fclose (fp);
  free (text);
  free (header);
  return ok;
}

static void
test_real_tensor_lists (void)
{
  static const struct
  {
    const char *component, *weights, *dtype;
    uint64_t esize;
  } parts[] = {
    { "text_encoder", "model.safetensors", "F32", 4 },
    { "transformer", "diffusion_pytorch_model.safetensors", "BF16", 2 },
    { "vae", "diffusion_pytorch_model.safetensors", "F32", 4 },
  };
  char *dir = mt_path (tmp, "real");
  char *data = mt_data_path ("allegro-real");
  char name[256];
  bool ok = mkdir (dir, 0755) == 0;

  for (const char *const *part = (const char *const[]){ "model_index.json", "scheduler", "tokenizer", NULL };
       ok && *part != NULL; part++)
    {
      char *from = mt_path (tiny, *part), *to = mt_path (dir, *part);
      ok = mt_copy_tree (from, to);
      free (from);
      free (to);
    }
  for (size_t i = 0; ok && i < AE_N_ELEMENTS (parts); i++)
    {
      snprintf (name, sizeof name, "%s/%s", dir, parts[i].component);
      ok = mkdir (name, 0755) == 0;
      snprintf (name, sizeof name, "%s.config.json", parts[i].component);
      char *from = mt_path (data, name);
      snprintf (name, sizeof name, "%s/config.json", parts[i].component);
      char *to = mt_path (dir, name);
      ok = ok && mt_copy_tree (from, to);
      free (from);
      free (to);
      snprintf (name, sizeof name, "%s.tensors", parts[i].component);
      char *list = mt_path (data, name);
      snprintf (name, sizeof name, "%s/%s", parts[i].component, parts[i].weights);
      char *weights = mt_path (dir, name);
      ok = ok && write_sparse (weights, list, parts[i].dtype, parts[i].esize);
      free (list);
      free (weights);
    }
  mt_ok (ok, NULL, "build the sparse real-size model folder");

  ae_error error = { 0 };
  ae_model_folder *f = ae_model_folder_open (dir, &error);
  mt_ok (f != NULL, &error, "open the real-size model folder");
  mt_expect (ae_weights_count (f->t5_weights) == 219 && ae_weights_count (f->dit_weights) == 687
                 && ae_weights_count (f->vae_weights) == 704,
             "the real checkpoints hold 219 T5, 687 DiT and 704 VAE tensors");
  mt_expect (f->dit.num_attention_heads * f->dit.attention_head_dim == 2304 && f->vae.layers_per_block == 2
                 && f->t5.d_model == 4096,
             "real configs: DiT width 2304, VAE 2 layers per block, T5 d_model 4096");
  ok = ae_model_folder_check_tensors (f, &error);
  mt_expect (ok, "the tensors derived from the real configs are exactly the published ones: %s",
             ok ? "yes" : error.message);
  ae_model_folder_free (f);
  mt_remove_tree (dir);
  free (dir);
  free (data);
}

int
main (void)
{
  tiny = mt_data_path ("allegro-tiny/model");
  tmp = mt_temp_dir ("test-model-folder");
  test_tiny ();
  test_real_tensor_lists ();
  test_tensor_errors ();
  test_config_errors ();
  mt_remove_tree (tmp);
  free (tmp);
  free (tiny);
  return mt_summary ();
}
