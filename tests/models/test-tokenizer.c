/* test-tokenizer.c: the T5 tokenizer and the prompt preprocessing against the
 * reference's outputs: tokenizer.safetensors (ids and masks of six texts,
 * max_length 48) and the pieces in its README, the pipeline's prompt ids of
 * pipeline_e2e (templates applied, max_length 96), and Python's
 * lower().strip() on text beyond ASCII. */
#include "models-test.h"
#include "ae-safetensors.h"
#include "ae-tokenizer.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *cases_dir;

static cJSON *
read_json (const char *name)
{
  char *path = mt_path (cases_dir, name);
  char *text = mt_read_file (path, NULL);
  cJSON *root = text ? cJSON_Parse (text) : NULL;

  mt_ok (root != NULL, NULL, path);
  free (text);
  free (path);
  return root;
}

static int64_t *
read_ids (ae_weights *w, const char *name, int64_t rows, int64_t cols)
{
  ae_error error = { 0 };
  const ae_st_tensor *t = ae_weights_find (w, name);
  int64_t *out = malloc ((size_t) (rows * cols) * sizeof *out);

  mt_ok (t != NULL && t->ndim == 2 && t->shape[0] == rows && t->shape[1] == cols, NULL, name);
  mt_ok (ae_st_tensor_to_i64 (t, out, &error), &error, name);
  return out;
}

static void
test_fixture (ae_tokenizer *tok)
{
  ae_error error = { 0 };
  cJSON *readme = read_json ("tokenizer.README.json");
  const cJSON *texts = cJSON_GetObjectItem (readme, "texts");
  const cJSON *pre = cJSON_GetObjectItem (readme, "preprocessed");
  const cJSON *pieces = cJSON_GetObjectItem (readme, "pieces");
  const cJSON *lengths = cJSON_GetObjectItem (readme, "untruncated_lengths_with_eos");
  char *path = mt_path (cases_dir, "tokenizer.safetensors");
  ae_weights *w = ae_weights_open (path, &error);
  int n = cJSON_GetArraySize (texts);

  mt_ok (w != NULL, &error, "open tokenizer.safetensors");
  mt_expect (n == 6, "the fixture has 6 texts");
  int64_t *want_ids = read_ids (w, "out.input_ids", n, 48);
  int64_t *want_mask = read_ids (w, "out.attention_mask", n, 48);
  for (int i = 0; i < n; i++)
    {
      const char *text = cJSON_GetArrayItem (texts, i)->valuestring;
      char *p = ae_prompt_preprocess (text, &error);
      mt_expect (p != NULL && strcmp (p, cJSON_GetArrayItem (pre, i)->valuestring) == 0,
                 "text %d: preprocessing equals the reference's lower().strip()", i);

      int32_t ids[48], mask[48];
      int n_valid = -1;
      bool ok = p != NULL && ae_tokenizer_encode (tok, p, 48, ids, mask, &n_valid, &error);
      bool same_ids = ok, same_mask = ok, same_pieces = ok;
      int first_bad = -1;
      for (int k = 0; ok && k < 48; k++)
        {
          if (ids[k] != want_ids[i * 48 + k] && first_bad < 0)
            first_bad = k;
          same_ids &= ids[k] == want_ids[i * 48 + k];
          same_mask &= mask[k] == want_mask[i * 48 + k];
          const char *piece = ae_tokenizer_piece (tok, ids[k]);
          same_pieces &= piece != NULL
                         && strcmp (piece, cJSON_GetArrayItem (cJSON_GetArrayItem (pieces, i), k)->valuestring) == 0;
        }
      int untruncated = cJSON_GetArrayItem (lengths, i)->valueint;
      mt_expect (same_ids, "text %d: ids equal out.input_ids (first difference at %d)", i, first_bad);
      mt_expect (same_mask, "text %d: mask equals out.attention_mask", i);
      mt_expect (same_pieces, "text %d: pieces equal the README's", i);
      mt_expect (n_valid == (untruncated < 48 ? untruncated : 48), "text %d: %d valid tokens (untruncated %d)", i,
                 n_valid, untruncated);
      free (p);
    }
  free (want_ids);
  free (want_mask);
  ae_weights_free (w);
  free (path);
  cJSON_Delete (readme);
}

static void
test_pipeline_prompts (ae_tokenizer *tok)
{
  ae_error error = { 0 };
  cJSON *readme = read_json ("pipeline_e2e.README.json");
  const char *raw = cJSON_GetObjectItem (readme, "prompts_raw")->valuestring;
  const char *passed = cJSON_GetObjectItem (readme, "prompt_passed")->valuestring;
  const char *negative = cJSON_GetObjectItem (readme, "negative_prompt_passed")->valuestring;
  char *path = mt_path (cases_dir, "pipeline_e2e.safetensors");
  ae_weights *w = ae_weights_open (path, &error);

  mt_ok (w != NULL, &error, "open pipeline_e2e.safetensors");
  char *templated = ae_prompt_apply_template (raw, &error);
  mt_expect (templated != NULL && strcmp (templated, passed) == 0,
             "the positive template filled with the prompt equals prompt_passed byte for byte");
  mt_expect (strcmp (ae_prompt_default_negative, negative) == 0,
             "the default negative prompt equals negative_prompt_passed byte for byte");

  const char *texts[2] = { templated, ae_prompt_default_negative };
  const char *keys[2] = { "in.prompt_input_ids", "in.negative_input_ids" };
  for (int k = 0; k < 2; k++)
    {
      int64_t *want = read_ids (w, keys[k], 1, 96);
      int32_t ids[96];
      char *p = texts[k] ? ae_prompt_preprocess (texts[k], &error) : NULL;
      bool same = p != NULL && ae_tokenizer_encode (tok, p, 96, ids, NULL, NULL, &error);
      for (int i = 0; same && i < 96; i++)
        same = ids[i] == want[i];
      mt_expect (same, "%s: template, preprocessing and tokenizer give the pipeline's 96 ids", keys[k]);
      free (p);
      free (want);
    }
  free (templated);
  ae_weights_free (w);
  free (path);
  cJSON_Delete (readme);
}

static void
test_preprocess (void)
{
  static const struct
  {
    const char *in, *out, *what;
  } cases[] = {
    { "  Dance MONKEY \n", "dance monkey", "ASCII" },
    { "\xc3\x80\xc3\x89\xc3\x8e \xc3\x96L", "\xc3\xa0\xc3\xa9\xc3\xae \xc3\xb6l", "Latin-1 capitals" },
    { "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2", "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
      "Cyrillic" },
    { "\xc4\xb0stanbul", "i\xcc\x87stanbul", "U+0130 becomes i + U+0307, as Python does" },
    { "\xce\x9f\xce\x94\xce\x9f\xce\xa3", "\xce\xbf\xce\xb4\xce\xbf\xcf\x82", "a final capital sigma" },
    { "\xce\xa3\xce\x91\xce\xa3 \xce\xa3", "\xcf\x83\xce\xb1\xcf\x82 \xcf\x83", "sigma: initial, final, alone" },
    { "\xe2\x84\xaa", "k", "the Kelvin sign" },
    { "\xe1\xba\x9e", "\xc3\x9f", "capital sharp s" },
    { "\xe3\x80\x80\xc2\xa0\t x y \xe2\x80\xa8\x1c\r\n", "x y", "Python's white space at both ends" },
    { "\xe2\x80\x8b x \xe2\x80\x8b", "\xe2\x80\x8b x \xe2\x80\x8b", "U+200B is not white space to Python" },
    { "\xf0\x9f\x90\x92 Monkey", "\xf0\x9f\x90\x92 monkey", "4-byte characters pass through" },
    { "", "", "empty" },
  };
  ae_error error = { 0 };

  for (size_t i = 0; i < AE_N_ELEMENTS (cases); i++)
    {
      char *out = ae_prompt_preprocess (cases[i].in, &error);
      mt_expect (out != NULL && strcmp (out, cases[i].out) == 0, "lower().strip(): %s", cases[i].what);
      free (out);
    }

  static const struct
  {
    const char *in;
    size_t at;
  } bad[] = {
    { "ab\xff", 2 },           /* never valid */
    { "\xc0\x80", 0 },         /* overlong NUL */
    { "x\xe0\x80\xaf", 1 },    /* overlong */
    { "xy\xed\xa0\x80", 2 },   /* a surrogate */
    { "\xf4\x90\x80\x80", 0 }, /* past U+10FFFF */
    { "abc\xe2\x82", 3 },      /* cut short */
    { "\x80", 0 },             /* a lone continuation byte */
  };
  for (size_t i = 0; i < AE_N_ELEMENTS (bad); i++)
    {
      char at[32];
      snprintf (at, sizeof at, "at byte %zu", bad[i].at);
      char *out = ae_prompt_preprocess (bad[i].in, &error);
      mt_expect_error (out != NULL, &error, "invalid UTF-8 is refused", "UTF-8", at, NULL);
      free (out);
      out = ae_prompt_apply_template (bad[i].in, &error);
      mt_expect_error (out != NULL, &error, "invalid UTF-8 is refused by the template", "UTF-8", at, NULL);
      free (out);
    }
}

static void
test_tokenizer_edges (ae_tokenizer *tok)
{
  ae_error error = { 0 };
  int32_t ids[64], mask[64];
  int n_valid;

  mt_expect (ae_tokenizer_vocab_size (tok) == 300, "vocab: 200 pieces + 100 extra ids = %d",
             ae_tokenizer_vocab_size (tok));
  mt_expect (ae_tokenizer_pad_id (tok) == 0 && ae_tokenizer_eos_id (tok) == 1, "<pad> is 0, </s> is 1");
  mt_expect (strcmp (ae_tokenizer_piece (tok, 0), "<pad>") == 0 && strcmp (ae_tokenizer_piece (tok, 1), "</s>") == 0
                 && strcmp (ae_tokenizer_piece (tok, 2), "<unk>") == 0,
             "pieces 0, 1, 2 are <pad>, </s>, <unk>");
  mt_expect (strcmp (ae_tokenizer_piece (tok, 299), "<extra_id_0>") == 0
                 && strcmp (ae_tokenizer_piece (tok, 200), "<extra_id_99>") == 0,
             "<extra_id_k> is 299 - k (added_tokens.json)");
  mt_expect (ae_tokenizer_piece (tok, 300) == NULL && ae_tokenizer_piece (tok, -1) == NULL,
             "ids out of range have no piece");

  mt_expect_error (ae_tokenizer_encode (tok, "a\xc3", 8, ids, mask, NULL, &error), &error,
                   "invalid UTF-8 is refused by the tokenizer", "UTF-8", "at byte 1", NULL);
  mt_expect_error (ae_tokenizer_encode (tok, "a", 0, ids, mask, NULL, &error), &error, "max_length 0", "at least 1",
                   NULL);
  mt_expect (ae_tokenizer_encode (tok, "dance monkey", 1, ids, mask, &n_valid, &error) && ids[0] == 1 && mask[0] == 1
                 && n_valid == 1,
             "max_length 1 keeps only </s>");

  /* Added tokens in the text: split out, as transformers' trie does; the
   * extra ids eat the white space beside them. */
  int32_t a[16], b[16];
  bool ok = ae_tokenizer_encode (tok, "dance<extra_id_0> monkey", 16, a, NULL, NULL, &error);
  int32_t dance[16], monkey[16];
  int n_dance, n_monkey;
  ok = ok && ae_tokenizer_encode (tok, "dance", 16, dance, NULL, &n_dance, &error)
       && ae_tokenizer_encode (tok, "monkey", 16, monkey, NULL, &n_monkey, &error);
  bool same = ok;
  int at = 0;
  for (int i = 0; same && i < n_dance - 1; i++)
    same = a[at++] == dance[i];
  same = same && a[at++] == 299;
  for (int i = 0; same && i < n_monkey - 1; i++)
    same = a[at++] == monkey[i];
  same = same && a[at] == 1;
  mt_expect (same, "\"dance<extra_id_0> monkey\" is dance, <extra_id_0>, monkey (white space stripped), </s>");
  ok = ae_tokenizer_encode (tok, "</s><pad>", 16, b, NULL, &n_valid, &error);
  mt_expect (ok && n_valid == 3 && b[0] == 1 && b[1] == 0 && b[2] == 1, "\"</s><pad>\" is </s>, <pad>, </s>");
  ok = ae_tokenizer_encode (tok, "<extra_id_100><extra_id_07>", 64, ids, NULL, &n_valid, &error);
  same = ok;
  for (int i = 0; same && i < n_valid; i++)
    same = ids[i] < 200 || ids[i] == 1;
  mt_expect (same, "<extra_id_100> (past extra_ids) and <extra_id_07> are plain text");

  /* A 1 MB prompt: truncated, equal to the same text encoded in full, quickly. */
  const char *sentence = "a seaside harbor with bright sunlight and sparkling seawater, with many boats. ";
  size_t slen = strlen (sentence), total = 1 << 20;
  char *big = malloc (total + 1);
  for (size_t i = 0; i < total; i++)
    big[i] = sentence[i % slen];
  big[total] = '\0';
  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  ok = ae_tokenizer_encode (tok, big, 48, ids, mask, &n_valid, &error);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  double seconds = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) * 1e-9;
  mt_expect (ok && n_valid == 48 && ids[47] == 1 && mask[47] == 1, "a 1 MB prompt is truncated to 47 pieces + </s>");
  printf ("note: a 1 MB prompt took %.3f s to tokenize\n", seconds);

  /* The whole text, encoded in full. */
  int full_len = 600000;
  int32_t *full = malloc ((size_t) full_len * sizeof *full);
  int n_full = 0;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  ok = ae_tokenizer_encode (tok, big, full_len, full, NULL, &n_full, &error);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  seconds = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) * 1e-9;
  same = ok && n_full > 48;
  for (int i = 0; same && i < 47; i++)
    same = full[i] == ids[i];
  mt_expect (same, "its 47 pieces are the first of the full encoding (%d pieces)", n_full);
  printf ("note: encoding all of it took %.3f s\n", seconds);
  free (full);
  free (big);
}

int
main (void)
{
  ae_error error = { 0 };
  cases_dir = mt_data_path ("allegro-tiny/cases");
  char *dir = mt_data_path ("allegro-tiny/model/tokenizer");
  ae_tokenizer *tok = ae_tokenizer_open (dir, &error);

  mt_ok (tok != NULL, &error, "open the tiny tokenizer");
  test_preprocess ();
  test_fixture (tok);
  test_pipeline_prompts (tok);
  test_tokenizer_edges (tok);
  ae_tokenizer_free (tok);

  ae_tokenizer *none = ae_tokenizer_open ("/nonexistent/tokenizer", &error);
  mt_expect_error (none != NULL, &error, "a missing tokenizer", "/nonexistent/tokenizer/spiece.model", NULL);
  char *tmp = mt_temp_dir ("test-tokenizer");
  char *junk = mt_path (tmp, "spiece.model");
  mt_write_file (junk, "not a model", 11);
  none = ae_tokenizer_open (tmp, &error);
  mt_expect_error (none != NULL, &error, "a damaged tokenizer model", junk, NULL);
  free (junk);
  mt_remove_tree (tmp);
  free (tmp);
  free (dir);
  free (cases_dir);
  return mt_summary ();
}
