/* fuzz-tokenizer.c: bytes as a prompt (up to the first NUL): the first byte
 * chooses max_length (1 to 128).  Preprocessing, the template and the
 * tokenizer must refuse invalid UTF-8 with a message, and otherwise give ids
 * in the vocabulary, the mask as ones then zeros, and </s> last. */
#include "fuzz-common.h"
#include "ae-tokenizer.h"

#include <stdlib.h>
#include <string.h>

static ae_tokenizer *tok;

static void
encode_and_check (const char *text, int max_length)
{
  ae_error error = { 0 };
  int32_t ids[128], mask[128];
  int n_valid = -1;

  if (!ae_tokenizer_encode (tok, text, max_length, ids, mask, &n_valid, &error))
    {
      fuzz_assert (error.message[0] != '\0', "a failure has a message");
      return;
    }
  fuzz_assert (n_valid >= 1 && n_valid <= max_length, "1 to max_length tokens");
  fuzz_assert (ids[n_valid - 1] == ae_tokenizer_eos_id (tok), "</s> ends the text");
  for (int i = 0; i < max_length; i++)
    {
      fuzz_assert (ids[i] >= 0 && ids[i] < ae_tokenizer_vocab_size (tok), "ids in the vocabulary");
      fuzz_assert (ae_tokenizer_piece (tok, ids[i]) != NULL, "every id has a piece");
      fuzz_assert (mask[i] == (i < n_valid), "the mask is ones, then zeros");
      fuzz_assert (i < n_valid || ids[i] == ae_tokenizer_pad_id (tok), "padding is <pad>");
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  ae_error error = { 0 };

  if (tok == NULL)
    {
      char *dir = fuzz_data_path ("allegro-tiny/model/tokenizer");
      tok = ae_tokenizer_open (dir, &error);
      fuzz_assert (tok != NULL, "open the tiny tokenizer ($ALLEGRO_TEST_DATA/allegro-tiny/model/tokenizer)");
      free (dir);
    }
  if (size < 1)
    return 0;
  int max_length = 1 + data[0] % 128;
  char *text = malloc (size);
  memcpy (text, data + 1, size - 1);
  text[size - 1] = '\0';

  encode_and_check (text, max_length);
  char *pre = ae_prompt_preprocess (text, &error);
  char *templated = ae_prompt_apply_template (text, &error);
  fuzz_assert ((pre == NULL) == (templated == NULL), "preprocessing and the template agree on validity");
  if (pre != NULL)
    {
      encode_and_check (pre, max_length);
      size_t n = strlen (pre);
      fuzz_assert (n == 0 || (pre[0] != ' ' && pre[n - 1] != ' '), "stripped");
      char *again = ae_prompt_preprocess (pre, &error);
      fuzz_assert (again != NULL, "preprocessed text is valid UTF-8");
      free (again);
    }
  free (pre);
  free (templated);
  free (text);
  return 0;
}
