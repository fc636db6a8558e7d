/* ae-tokenizer.cc: the T5 tokenizer over libsentencepiece, behind a C API.
 *
 * What transformers' slow T5Tokenizer (legacy mode, the harness's and an
 * absent key's) does, in order: split the text on its added tokens (<pad>,
 * </s>, <unk> and <extra_id_N>; the extra ids swallow white space on both
 * sides), encode every other piece of text with the SentencePiece model,
 * keep at most max_length - 1 ids, append </s>, pad with <pad>.
 *
 * The only C++ file of the engine: every exception stops at the C boundary.
 */
extern "C"
{
#include "ae-tokenizer.h"
#include "ae-text.h"
}

#include <cjson/cJSON.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <sentencepiece_processor.h>

namespace
{

const char SPIECE_UNDERLINE[] = "\xe2\x96\x81";

struct chunk
{
  const char *text;
  size_t len;
  int32_t special; /* the id of an added token, or -1 for text */
};

} // namespace

struct ae_tokenizer
{
  sentencepiece::SentencePieceProcessor sp;
  int32_t n_pieces = 0;
  int32_t extra_ids = 100;
  int32_t pad = 0, eos = 1, unk = 2;
  std::string pad_piece, eos_piece, unk_piece;
  std::vector<std::string> extra_pieces; /* by id - n_pieces */
  /* True when no piece holds a word boundary past its start, so a prefix of
   * the text that ends before a space encodes to a prefix of the ids. */
  bool prefix_safe = false;
};

static void
set_error (ae_error *error, ae_status code, const char *format, const char *a, const char *b = "")
{
  ae_set_error (error, code, format, a, b);
}

static bool
read_config (ae_tokenizer *tok, const std::string &path, ae_error *error)
{
  FILE *fp = std::fopen (path.c_str (), "rb");
  if (fp == nullptr)
    return true; /* optional */
  std::string text;
  char buf[65536];
  size_t got;
  while ((got = std::fread (buf, 1, sizeof buf, fp)) > 0 && text.size () < (64u << 20))
    text.append (buf, got);
  std::fclose (fp);

  cJSON *root = cJSON_ParseWithLength (text.data (), text.size ());
  if (root == nullptr || !cJSON_IsObject (root))
    {
      cJSON_Delete (root);
      set_error (error, AE_ERROR_IO, "%s is not a well-formed JSON object.", path.c_str ());
      return false;
    }
  const cJSON *extra = cJSON_GetObjectItemCaseSensitive (root, "extra_ids");
  bool ok = true;
  if (extra != nullptr)
    {
      if (!cJSON_IsNumber (extra) || extra->valuedouble < 0 || extra->valuedouble > 100000
          || extra->valuedouble != std::floor (extra->valuedouble))
        {
          set_error (error, AE_ERROR_INVALID, "%s: \"extra_ids\" must be a whole number from 0 to 100000.",
                     path.c_str ());
          ok = false;
        }
      else
        tok->extra_ids = (int32_t) extra->valuedouble;
    }
  cJSON_Delete (root);
  return ok;
}

static ae_tokenizer *
open_tokenizer (const char *dir, ae_error *error)
{
  std::unique_ptr<ae_tokenizer> tok (new ae_tokenizer ());
  std::string model = std::string (dir) + "/spiece.model";

  auto status = tok->sp.Load (model);
  if (!status.ok ())
    {
      set_error (error, AE_ERROR_IO, "Cannot load the tokenizer model %s: %s.", model.c_str (),
                 status.ToString ().c_str ());
      return nullptr;
    }
  if (!read_config (tok.get (), std::string (dir) + "/tokenizer_config.json", error))
    return nullptr;
  tok->n_pieces = tok->sp.GetPieceSize ();
  tok->pad = tok->sp.pad_id ();
  tok->eos = tok->sp.eos_id ();
  tok->unk = tok->sp.unk_id ();
  if (tok->n_pieces <= 0 || tok->pad < 0 || tok->eos < 0 || tok->unk < 0)
    {
      set_error (error, AE_ERROR_INVALID,
                 "The tokenizer model %s has no <pad>, </s> or <unk> piece; it is not a T5 model.", model.c_str ());
      return nullptr;
    }
  tok->pad_piece = tok->sp.IdToPiece (tok->pad);
  tok->eos_piece = tok->sp.IdToPiece (tok->eos);
  tok->unk_piece = tok->sp.IdToPiece (tok->unk);
  for (int32_t k = 0; k < tok->extra_ids; k++)
    tok->extra_pieces.push_back ("<extra_id_" + std::to_string (tok->extra_ids - 1 - k) + ">");

  tok->prefix_safe = true;
  for (int32_t id = 0; id < tok->n_pieces && tok->prefix_safe; id++)
    {
      const std::string &piece = tok->sp.IdToPiece (id);
      size_t at = piece.find (SPIECE_UNDERLINE);
      if (at != std::string::npos && (at != 0 || piece.find (SPIECE_UNDERLINE, 1) != std::string::npos))
        tok->prefix_safe = false;
    }
  return tok.release ();
}

extern "C" ae_tokenizer *
ae_tokenizer_open (const char *dir, ae_error *error)
{
  try
    {
      return open_tokenizer (dir, error);
    }
  catch (const std::exception &e)
    {
      set_error (error, AE_ERROR_IO, "Cannot load the tokenizer in %s: %s.", dir, e.what ());
    }
  catch (...)
    {
      set_error (error, AE_ERROR_IO, "Cannot load the tokenizer in %s.", dir);
    }
  return nullptr;
}

extern "C" void
ae_tokenizer_free (ae_tokenizer *tokenizer)
{
  delete tokenizer;
}

extern "C" int32_t
ae_tokenizer_vocab_size (const ae_tokenizer *tokenizer)
{
  return tokenizer->n_pieces + tokenizer->extra_ids;
}

extern "C" int32_t
ae_tokenizer_pad_id (const ae_tokenizer *tokenizer)
{
  return tokenizer->pad;
}

extern "C" int32_t
ae_tokenizer_eos_id (const ae_tokenizer *tokenizer)
{
  return tokenizer->eos;
}

extern "C" const char *
ae_tokenizer_piece (const ae_tokenizer *tokenizer, int32_t id)
{
  try
    {
      if (id >= 0 && id < tokenizer->n_pieces)
        return tokenizer->sp.IdToPiece (id).c_str ();
      if (id >= tokenizer->n_pieces && id < tokenizer->n_pieces + tokenizer->extra_ids)
        return tokenizer->extra_pieces[(size_t) (id - tokenizer->n_pieces)].c_str ();
    }
  catch (...)
    {
    }
  return nullptr;
}

/* The added token at s, as transformers' trie finds it (the longest match):
 * its length, or 0. */
static size_t
match_special (const ae_tokenizer *tok, const char *s, size_t len, int32_t *id, bool *strip)
{
  static const char extra[] = "<extra_id_";
  const size_t n_extra = sizeof extra - 1;

  if (len >= n_extra && std::memcmp (s, extra, n_extra) == 0)
    {
      size_t i = n_extra;
      long k = 0;
      while (i < len && i < n_extra + 7 && s[i] >= '0' && s[i] <= '9')
        k = k * 10 + (s[i++] - '0');
      bool leading_zero = i > n_extra + 1 && s[n_extra] == '0';
      if (i > n_extra && !leading_zero && i < len && s[i] == '>' && k < tok->extra_ids)
        {
          *id = tok->n_pieces + tok->extra_ids - 1 - (int32_t) k;
          *strip = true;
          return i + 1;
        }
    }
  const std::string *pieces[3] = { &tok->pad_piece, &tok->eos_piece, &tok->unk_piece };
  const int32_t ids[3] = { tok->pad, tok->eos, tok->unk };
  size_t best = 0;
  for (int k = 0; k < 3; k++)
    {
      size_t n = pieces[k]->size ();
      if (n > best && n <= len && std::memcmp (s, pieces[k]->data (), n) == 0)
        {
          best = n;
          *id = ids[k];
          *strip = false;
        }
    }
  return best;
}

/* The length of the Python white space (str.isspace) at the start or end of
 * a UTF-8 run. */
static size_t
decode_at (const char *s, size_t len, unsigned *cp)
{
  const unsigned char *p = (const unsigned char *) s;
  if (p[0] < 0x80)
    return *cp = p[0], 1;
  if ((p[0] & 0xe0) == 0xc0 && len >= 2)
    return *cp = ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu), 2;
  if ((p[0] & 0xf0) == 0xe0 && len >= 3)
    return *cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu), 3;
  if (len >= 4)
    return *cp = ((p[0] & 0x07u) << 18) | ((p[1] & 0x3fu) << 12) | ((p[2] & 0x3fu) << 6) | (p[3] & 0x3fu), 4;
  return *cp = 0, 1;
}

static void
lstrip (chunk *c)
{
  unsigned cp;
  while (c->len > 0)
    {
      size_t n = decode_at (c->text, c->len, &cp);
      if (!ae_unicode_is_space (cp))
        break;
      c->text += n;
      c->len -= n;
    }
}

static void
rstrip (chunk *c)
{
  unsigned cp;
  while (c->len > 0)
    {
      /* Back up to the start of the last character. */
      size_t start = c->len - 1;
      while (start > 0 && ((unsigned char) c->text[start] & 0xc0) == 0x80)
        start--;
      decode_at (c->text + start, c->len - start, &cp);
      if (!ae_unicode_is_space (cp))
        break;
      c->len = start;
    }
}

static std::vector<chunk>
split_special (const ae_tokenizer *tok, const char *text, size_t len)
{
  std::vector<chunk> chunks;
  std::vector<bool> strips;
  size_t start = 0;

  for (size_t i = 0; i < len;)
    {
      int32_t id;
      bool strip;
      size_t n = text[i] == '<' ? match_special (tok, text + i, len - i, &id, &strip) : 0;
      if (n == 0)
        {
          i++;
          continue;
        }
      if (i > start)
        {
          chunks.push_back ({ text + start, i - start, -1 });
          strips.push_back (false);
        }
      chunks.push_back ({ text + i, n, id });
      strips.push_back (strip);
      i += n;
      start = i;
    }
  if (start < len)
    {
      chunks.push_back ({ text + start, len - start, -1 });
      strips.push_back (false);
    }
  /* lstrip/rstrip of the extra ids: the white space beside them goes. */
  for (size_t k = 0; k < chunks.size (); k++)
    if (chunks[k].special >= 0 && strips[k])
      {
        if (k > 0 && chunks[k - 1].special < 0)
          rstrip (&chunks[k - 1]);
        if (k + 1 < chunks.size () && chunks[k + 1].special < 0)
          lstrip (&chunks[k + 1]);
      }
  return chunks;
}

/* Appends the ids of a text chunk, at least `need` of them when the text has
 * that many.  A long text is encoded in growing prefixes cut before a space:
 * SentencePiece splits words at white space, so such a prefix encodes to a
 * prefix of the ids, and a 1 MB prompt costs what its first words cost. */
static bool
encode_text (const ae_tokenizer *tok, const char *s, size_t len, size_t need, std::vector<int> &out, ae_error *error)
{
  std::vector<int> ids;
  size_t window = std::max<size_t> (4096, need * 32);

  while (tok->prefix_safe && window < len)
    {
      size_t cut = window;
      while (cut > 0 && s[cut] != ' ')
        cut--;
      if (cut == 0)
        break;
      auto status = tok->sp.Encode (std::string (s, cut), &ids);
      if (!status.ok ())
        {
          set_error (error, AE_ERROR_INVALID, "The tokenizer failed: %s.", status.ToString ().c_str ());
          return false;
        }
      if (ids.size () > need)
        {
          out.insert (out.end (), ids.begin (), ids.end ());
          return true;
        }
      window *= 4;
    }
  auto status = tok->sp.Encode (std::string (s, len), &ids);
  if (!status.ok ())
    {
      set_error (error, AE_ERROR_INVALID, "The tokenizer failed: %s.", status.ToString ().c_str ());
      return false;
    }
  out.insert (out.end (), ids.begin (), ids.end ());
  return true;
}

static bool
encode (const ae_tokenizer *tok, const char *text, int max_length, int32_t *ids, int32_t *mask, int *n_valid,
        ae_error *error)
{
  size_t len = std::strlen (text), bad = 0;
  size_t keep = (size_t) max_length - 1;
  std::vector<int> out;

  if (!ae_utf8_check (text, len, &bad))
    {
      char where[32];
      std::snprintf (where, sizeof where, "%zu", bad);
      set_error (error, AE_ERROR_INVALID, "The text to tokenize is not valid UTF-8 (at byte %s).", where);
      return false;
    }
  for (const chunk &c : split_special (tok, text, len))
    {
      if (out.size () >= keep)
        break;
      if (c.special >= 0)
        out.push_back (c.special);
      else if (c.len > 0 && !encode_text (tok, c.text, c.len, keep - out.size (), out, error))
        return false;
    }
  if (out.size () > keep)
    out.resize (keep);
  out.push_back (tok->eos);
  for (int i = 0; i < max_length; i++)
    {
      bool valid = (size_t) i < out.size ();
      ids[i] = valid ? out[(size_t) i] : tok->pad;
      if (mask != nullptr)
        mask[i] = valid ? 1 : 0;
    }
  if (n_valid != nullptr)
    *n_valid = (int) out.size ();
  return true;
}

extern "C" bool
ae_tokenizer_encode (const ae_tokenizer *tokenizer, const char *text, int max_length, int32_t *ids, int32_t *mask,
                     int *n_valid, ae_error *error)
{
  if (max_length < 1)
    {
      ae_set_error (error, AE_ERROR_INVALID, "The token count must be at least 1 (for </s>), not %d.", max_length);
      return false;
    }
  try
    {
      return encode (tokenizer, text, max_length, ids, mask, n_valid, error);
    }
  catch (const std::bad_alloc &)
    {
      ae_set_error (error, AE_ERROR_OUT_OF_MEMORY, "No host memory to tokenize a text of %zu bytes.",
                    std::strlen (text));
    }
  catch (const std::exception &e)
    {
      set_error (error, AE_ERROR_INVALID, "The tokenizer failed: %s.", e.what ());
    }
  catch (...)
    {
      ae_set_error (error, AE_ERROR_INVALID, "The tokenizer failed.");
    }
  return false;
}
