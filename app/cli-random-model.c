/* cli-random-model.c: `allegro-studio make-random-model --configs DIR --out
 * DIR`: a model folder with the real checkpoints' layout, every tensor the
 * configs imply filled with seeded random values, so the full-size pipeline
 * (memory plan, kernels at 79,200 tokens, the tiled VAE) can be run on a GPU
 * without the 20 GB download.  Norm weights are 1, biases 0, the rest
 * N(0, 0.02^2): activations stay finite through every layer. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ae-model-folder.h"
#include "ae-scheduler.h"

typedef struct
{
  char name[160];
  int ndim;
  int64_t shape[5];
  int64_t numel;
} entry;

typedef struct
{
  const char *component;
  entry *entries;
  size_t n, cap;
} listing;

static void
collect (const char *component, const char *name, int ndim, const int64_t *shape, void *user_data)
{
  listing *l = user_data;
  if (strcmp (component, l->component) != 0)
    return;
  if (l->n == l->cap)
    {
      l->cap = l->cap ? 2 * l->cap : 256;
      l->entries = realloc (l->entries, l->cap * sizeof *l->entries);
    }
  entry *e = &l->entries[l->n++];
  snprintf (e->name, sizeof e->name, "%s", name);
  e->ndim = ndim;
  e->numel = 1;
  for (int i = 0; i < ndim; i++)
    {
      e->shape[i] = shape[i];
      e->numel *= shape[i];
    }
}

static bool
ends_with (const char *s, const char *suffix)
{
  size_t a = strlen (s), b = strlen (suffix);
  return a >= b && strcmp (s + a - b, suffix) == 0;
}

/* What a tensor is initialised to: 1 for norm weights, 0 for biases. */
static int
kind_of (const entry *e)
{
  if (ends_with (e->name, ".bias"))
    return 0;
  if (e->ndim == 1
      && (strstr (e->name, "norm") != NULL || strstr (e->name, ".conv1.0.") != NULL
          || strstr (e->name, ".conv2.0.") != NULL || strstr (e->name, ".conv3.0.") != NULL
          || strstr (e->name, ".conv4.0.") != NULL))
    return 1;
  return 2;
}

static bool
write_component (const char *path, const listing *l, const char *dtype, uint64_t seed)
{
  const size_t es = strcmp (dtype, "F32") == 0 ? 4 : 2;
  FILE *f = fopen (path, "wb");
  if (f == NULL)
    {
      cli_error ("make-random-model: cannot write %s: %s", path, strerror (errno));
      return false;
    }
  /* The header: every tensor with its offsets, then padding to 8 bytes. */
  size_t cap = 1 << 20, len = 0;
  char *header = malloc (cap);
  uint64_t offset = 0;
  len += (size_t) snprintf (header + len, cap - len,
                            "{\"__metadata__\":{\"format\":\"pt\",\"made_by\":\"allegro-studio "
                            "make-random-model\"}");
  for (size_t i = 0; i < l->n; i++)
    {
      const entry *e = &l->entries[i];
      if (cap - len < 512)
        header = realloc (header, cap *= 2);
      len += (size_t) snprintf (header + len, cap - len, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", e->name, dtype);
      for (int d = 0; d < e->ndim; d++)
        len += (size_t) snprintf (header + len, cap - len, "%s%lld", d ? "," : "", (long long) e->shape[d]);
      len += (size_t) snprintf (header + len, cap - len, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long) offset,
                                (unsigned long long) (offset + e->numel * es));
      offset += (uint64_t) e->numel * es;
    }
  header[len++] = '}';
  while (len % 8 != 0)
    header[len++] = ' ';
  uint64_t hlen = len;
  bool ok = fwrite (&hlen, 8, 1, f) == 1 && fwrite (header, 1, len, f) == len;
  free (header);

  const int64_t chunk = 1 << 20;
  float *values = malloc ((size_t) chunk * sizeof (float));
  uint16_t *half = malloc ((size_t) chunk * sizeof (uint16_t));
  for (size_t i = 0; ok && i < l->n; i++)
    {
      const entry *e = &l->entries[i];
      const int kind = kind_of (e);
      for (int64_t done = 0; ok && done < e->numel; done += chunk)
        {
          const int64_t n = AE_MIN (chunk, e->numel - done);
          if (kind == 2)
            {
              /* One stream per tensor, blocks of 2^20 values per chunk. */
              ae_random_normal (seed, ((uint64_t) i << 24) + (uint64_t) (done / chunk), values, n);
              for (int64_t j = 0; j < n; j++)
                values[j] *= 0.02f;
            }
          else
            for (int64_t j = 0; j < n; j++)
              values[j] = kind == 1 ? 1.0f : 0.0f;
          if (es == 4)
            ok = fwrite (values, 4, (size_t) n, f) == (size_t) n;
          else
            {
              for (int64_t j = 0; j < n; j++)
                half[j] = strcmp (dtype, "BF16") == 0 ? ae_f32_to_bf16 (values[j]) : ae_f32_to_f16 (values[j]);
              ok = fwrite (half, 2, (size_t) n, f) == (size_t) n;
            }
        }
    }
  free (values);
  free (half);
  if (fclose (f) != 0)
    ok = false;
  if (!ok)
    {
      cli_error ("make-random-model: writing %s failed: %s", path, strerror (errno));
      remove (path);
    }
  return ok;
}

static bool
copy_file (const char *from, const char *to)
{
  FILE *in = fopen (from, "rb"), *out = in != NULL ? fopen (to, "wb") : NULL;
  char buf[65536];
  size_t got;
  bool ok = in != NULL && out != NULL;
  while (ok && (got = fread (buf, 1, sizeof buf, in)) > 0)
    ok = fwrite (buf, 1, got, out) == got;
  if (in != NULL)
    fclose (in);
  if (out != NULL && fclose (out) != 0)
    ok = false;
  if (!ok)
    cli_error ("make-random-model: cannot copy %s to %s", from, to);
  return ok;
}

int
cli_make_random_model (int argc, char **argv)
{
  const char *configs = NULL, *out = NULL, *tokenizer = NULL;
  const char *t5_dtype = "BF16", *dit_dtype = "BF16", *vae_dtype = "F32";
  uint64_t seed = 1;
  char from[8192], to[8192], tokenizer_dir[4096];
  ae_error error = { 0 };

  for (int i = 1; i < argc; i++)
    {
      const char *v = i + 1 < argc ? argv[i + 1] : NULL;
      if (strcmp (argv[i], "--configs") == 0 && v)
        configs = argv[++i];
      else if (strcmp (argv[i], "--out") == 0 && v)
        out = argv[++i];
      else if (strcmp (argv[i], "--tokenizer") == 0 && v)
        tokenizer = argv[++i];
      else if (strcmp (argv[i], "--seed") == 0 && v)
        seed = strtoull (argv[++i], NULL, 10);
      else if (strcmp (argv[i], "--f32") == 0)
        t5_dtype = dit_dtype = "F32";
      else
        {
          cli_error ("usage: allegro-studio make-random-model --configs DIR --out DIR [--tokenizer DIR] [--seed N] "
                     "[--f32]");
          return 2;
        }
    }
  if (configs == NULL || out == NULL)
    {
      cli_error ("make-random-model: --configs DIR and --out DIR are required");
      return 2;
    }
  ae_model_folder *folder = ae_model_folder_open_configs (configs, &error);
  if (folder == NULL)
    {
      cli_error ("make-random-model: %s", error.message);
      return 1;
    }
  snprintf (tokenizer_dir, sizeof tokenizer_dir, "%s/tokenizer", configs);
  static const char *components[] = { "text_encoder", "transformer", "vae", "scheduler", "tokenizer" };
  mkdir (out, 0777);
  for (size_t c = 0; c < AE_N_ELEMENTS (components); c++)
    {
      snprintf (to, sizeof to, "%s/%s", out, components[c]);
      mkdir (to, 0777);
    }
  bool ok = true;
  snprintf (from, sizeof from, "%s/model_index.json", configs);
  snprintf (to, sizeof to, "%s/model_index.json", out);
  ok = ok && copy_file (from, to);
  snprintf (from, sizeof from, "%s/scheduler/scheduler_config.json", configs);
  snprintf (to, sizeof to, "%s/scheduler/scheduler_config.json", out);
  ok = ok && copy_file (from, to);
  static const char *tokenizer_files[] = { "spiece.model", "tokenizer_config.json", "special_tokens_map.json" };
  for (size_t i = 0; ok && i < AE_N_ELEMENTS (tokenizer_files); i++)
    {
      snprintf (from, sizeof from, "%s/%s", tokenizer != NULL ? tokenizer : tokenizer_dir, tokenizer_files[i]);
      snprintf (to, sizeof to, "%s/tokenizer/%s", out, tokenizer_files[i]);
      struct stat st;
      if (stat (from, &st) == 0)
        ok = copy_file (from, to);
      else if (i == 0)
        {
          cli_error ("make-random-model: no tokenizer at %s (give --tokenizer DIR)", from);
          ok = false;
        }
    }
  static const char *weights[] = { "text_encoder/model.safetensors", "transformer/diffusion_pytorch_model.safetensors",
                                   "vae/diffusion_pytorch_model.safetensors" };
  for (int c = 0; ok && c < 3; c++)
    {
      listing l = { .component = components[c] };
      snprintf (from, sizeof from, "%s/%s/config.json", configs, components[c]);
      snprintf (to, sizeof to, "%s/%s/config.json", out, components[c]);
      ok = copy_file (from, to);
      ae_model_folder_list_tensors (folder, collect, &l);
      snprintf (to, sizeof to, "%s/%s", out, weights[c]);
      const char *dtype = c == 0 ? t5_dtype : c == 1 ? dit_dtype : vae_dtype;
      fprintf (stderr, "Writing %zu tensors to %s (%s)\n", l.n, to, dtype);
      ok = ok && write_component (to, &l, dtype, seed + (uint64_t) c);
      free (l.entries);
    }
  ae_model_folder_free (folder);
  return ok ? 0 : 1;
}
