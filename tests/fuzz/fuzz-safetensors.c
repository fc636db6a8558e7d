/* fuzz-safetensors.c: bytes as a .safetensors file: open it, then read every
 * tensor through every accessor.  Whatever the bytes, opening either fails
 * with a message or gives tensors whose sizes agree and whose data can be
 * read in full. */
#include "fuzz-common.h"
#include "ae-safetensors.h"

#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static char *path;
  ae_error error = { 0 };
  ae_weights *w;

  if (path == NULL)
    path = fuzz_scratch_path ("input.safetensors");
  if (!fuzz_write (path, data, size))
    return 0;
  w = ae_weights_open (path, &error);
  if (w == NULL)
    {
      fuzz_assert (error.code != AE_OK && error.message[0] != '\0', "a failure has a message");
      fuzz_assert (memchr (error.message, '\0', sizeof error.message) != NULL, "the message is terminated");
      return 0;
    }
  fuzz_assert (strcmp (ae_weights_path (w), path) == 0, "the path is the file");
  for (size_t i = 0; i < ae_weights_count (w); i++)
    {
      const ae_st_tensor *t = ae_weights_at (w, i);
      size_t esize = ae_st_dtype_size (t->dtype);
      uint64_t numel = 1;

      fuzz_assert (esize > 0 && t->ndim >= 0 && t->ndim <= AE_ST_MAX_DIMS, "a known dtype and rank");
      for (int d = 0; d < t->ndim; d++)
        {
          fuzz_assert (t->shape[d] >= 0, "no negative dimension");
          numel *= (uint64_t) t->shape[d];
        }
      fuzz_assert (numel * esize == t->nbytes, "shape x dtype size = bytes");
      fuzz_assert (t->nbytes <= size, "a tensor fits in its file");
      fuzz_assert (i == 0 || strcmp (ae_weights_at (w, i - 1)->name, t->name) < 0, "names sorted and distinct");
      fuzz_assert (ae_weights_find (w, t->name) == t, "find gives the tensor");

      if (t->dtype == AE_ST_F32 || t->dtype == AE_ST_F16 || t->dtype == AE_ST_BF16 || t->dtype == AE_ST_F64)
        {
          float *out = malloc (numel ? numel * sizeof *out : 1);
          ae_st_tensor_to_f32 (t, out, &error);
          free (out);
          if (t->dtype != AE_ST_F64)
            fuzz_assert (ae_weights_take (w, t->name, t->ndim, t->shape, &error) == t, "take gives the tensor");
        }
      else
        {
          int64_t *out = malloc (numel ? numel * sizeof *out : 1);
          fuzz_assert (ae_st_tensor_to_i64 (t, out, &error), "integers convert");
          free (out);
          fuzz_assert (ae_weights_take (w, t->name, t->ndim, t->shape, &error) == NULL, "integers are not weights");
        }
    }
  ae_weights_check_all_taken (w, &error);
  ae_weights_metadata (w, "format");
  ae_weights_free (w);
  return 0;
}
