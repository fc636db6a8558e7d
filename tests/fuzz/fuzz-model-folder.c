/* fuzz-model-folder.c: a copy of the tiny model with one file replaced by
 * the input.  The first byte chooses the file; the rest is its new content:
 * a whole JSON file, or for a weight file only its header (the original data
 * follows, so offsets keep meeting real bytes).  Opening and checking must
 * fail with a message or give a folder whose tensors all match. */
#include "fuzz-common.h"
#include "ae-model-folder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  const char *relative;
  bool header_only; /* a .safetensors file: the input is its header */
  bool added;       /* absent from the model: removed after each run */
  uint8_t *original;
  size_t original_size;
} target_file;

static target_file files[] = {
  { "text_encoder/config.json", false, false, NULL, 0 },
  { "transformer/config.json", false, false, NULL, 0 },
  { "vae/config.json", false, false, NULL, 0 },
  { "scheduler/scheduler_config.json", false, false, NULL, 0 },
  { "model_index.json", false, false, NULL, 0 },
  { "tokenizer/tokenizer_config.json", false, false, NULL, 0 },
  { "text_encoder/model.safetensors", true, false, NULL, 0 },
  { "transformer/diffusion_pytorch_model.safetensors", true, false, NULL, 0 },
  { "vae/diffusion_pytorch_model.safetensors", true, false, NULL, 0 },
  { "text_encoder/model.safetensors.index.json", false, true, NULL, 0 },
};

static char *model;

static char *
file_path (const target_file *f)
{
  char *path;
  if (asprintf (&path, "%s/%s", model, f->relative) < 0)
    abort ();
  return path;
}

static void
setup (void)
{
  char *tiny = fuzz_data_path ("allegro-tiny/model");
  model = fuzz_scratch_path ("model");
  fuzz_assert (fuzz_copy_tree (tiny, model), "copy the tiny model ($ALLEGRO_TEST_DATA/allegro-tiny/model)");
  free (tiny);
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    if (!files[i].added)
      {
        char *path = file_path (&files[i]);
        files[i].original = fuzz_read (path, &files[i].original_size);
        fuzz_assert (files[i].original != NULL, "read the tiny model");
        free (path);
      }
}

static void
restore (const target_file *f)
{
  char *path = file_path (f);
  if (f->added)
    unlink (path);
  else
    fuzz_write (path, f->original, f->original_size);
  free (path);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  ae_error error = { 0 };
  target_file *f;
  char *path;
  bool ok;

  if (model == NULL)
    setup ();
  if (size < 1)
    return 0;
  f = &files[data[0] % (sizeof files / sizeof files[0])];
  data++, size--;
  path = file_path (f);
  if (f->header_only)
    {
      uint64_t old_len = 0;
      for (int i = 7; i >= 0; i--)
        old_len = (old_len << 8) | f->original[i];
      size_t rest = f->original_size - 8 - (size_t) old_len;
      uint8_t *bytes = malloc (8 + size + rest);
      for (int i = 0; i < 8; i++)
        bytes[i] = (uint8_t) ((uint64_t) size >> (8 * i));
      if (size > 0)
        memcpy (bytes + 8, data, size);
      memcpy (bytes + 8 + size, f->original + 8 + old_len, rest);
      ok = fuzz_write (path, bytes, 8 + size + rest);
      free (bytes);
    }
  else
    ok = fuzz_write (path, data, size);
  free (path);
  if (ok)
    {
      ae_model_folder *folder = ae_model_folder_open (model, &error);
      if (folder == NULL)
        fuzz_assert (error.code != AE_OK && error.message[0] != '\0', "a failure has a message");
      else
        {
          fuzz_assert (folder->dit.attention_head_dim % 6 == 0 && folder->vae.n_blocks >= 1
                           && folder->vae.n_blocks <= AE_VAE_MAX_BLOCKS && folder->tokenizer_max_length >= 1,
                       "an opened folder has a sane config");
          if (ae_model_folder_check_tensors (folder, &error))
            fuzz_assert (ae_weights_check_all_taken (folder->t5_weights, &error)
                             && ae_weights_check_all_taken (folder->dit_weights, &error)
                             && ae_weights_check_all_taken (folder->vae_weights, &error),
                         "a checked folder has no unexpected tensor");
          else
            fuzz_assert (error.message[0] != '\0', "a failed check has a message");
          ae_model_folder_free (folder);
        }
    }
  restore (f);
  return 0;
}
