/* ae-prompt.c: the reference's prompt templates and preprocessing (spec 2.2,
 * 2.3): Python's text.lower().strip(), on UTF-8.
 *
 * Lower-casing uses the C library's Unicode tables through a C.UTF-8 locale
 * object of our own (towlower_l), so the process's locale does not matter,
 * plus the two places where Python's str.lower() goes beyond a one-to-one
 * mapping: U+0130 becomes "i" + U+0307, and a capital sigma at the end of a
 * word becomes the final sigma.
 */
#include "ae-tokenizer.h"
#include "ae-text.h"

#include <locale.h>
#include <stdint.h>
#include <string.h>
#include <wctype.h>

/* From single_inference.py (rhymes-ai/Allegro), byte for byte: note the
 * spaces before the newlines. */
const char ae_prompt_positive_template[]
    = "\n(masterpiece), (best quality), (ultra-detailed), (unwatermarked), \n{} \nemotional, harmonious, vignette, 4k "
      "epic detailed, shot on kodak, 35mm photo, \nsharp focus, high budget, cinemascope, moody, epic, gorgeous\n";
const char ae_prompt_default_negative[]
    = "\nnsfw, lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped, worst "
      "quality, \nlow quality, normal quality, jpeg artifacts, signature, watermark, username, blurry.\n";

bool
ae_unicode_is_space (unsigned int c)
{
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680
         || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* The length of the valid sequence at s (at most len bytes), or 0. */
static size_t
utf8_sequence (const unsigned char *s, size_t len, uint32_t *cp)
{
  unsigned char b = s[0];
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;

  if (b < 0x80)
    {
      *cp = b;
      return 1;
    }
  if (b >= 0xc2 && b <= 0xdf)
    n = 2, *cp = b & 0x1f;
  else if (b >= 0xe0 && b <= 0xef)
    {
      n = 3, *cp = b & 0x0f;
      if (b == 0xe0)
        lo = 0xa0; /* overlong */
      if (b == 0xed)
        hi = 0x9f; /* surrogates */
    }
  else if (b >= 0xf0 && b <= 0xf4)
    {
      n = 4, *cp = b & 0x07;
      if (b == 0xf0)
        lo = 0x90; /* overlong */
      if (b == 0xf4)
        hi = 0x8f; /* past U+10FFFF */
    }
  else
    return 0;
  if (len < n)
    return 0;
  for (size_t i = 1; i < n; i++)
    {
      unsigned char c = s[i];
      if (c < (i == 1 ? lo : 0x80) || c > (i == 1 ? hi : 0xbf))
        return 0;
      *cp = (*cp << 6) | (c & 0x3f);
    }
  return n;
}

bool
ae_utf8_check (const char *s, size_t len, size_t *bad)
{
  const unsigned char *p = (const unsigned char *) s;
  size_t i = 0;
  uint32_t cp;

  while (i < len)
    {
      /* ASCII runs are most of every prompt. */
      if (p[i] < 0x80)
        {
          i++;
          continue;
        }
      size_t n = utf8_sequence (p + i, len - i, &cp);
      if (n == 0)
        {
          if (bad != NULL)
            *bad = i;
          return false;
        }
      i += n;
    }
  return true;
}

static size_t
utf8_put (char *out, uint32_t c)
{
  if (c < 0x80)
    {
      out[0] = (char) c;
      return 1;
    }
  if (c < 0x800)
    {
      out[0] = (char) (0xc0 | (c >> 6));
      out[1] = (char) (0x80 | (c & 0x3f));
      return 2;
    }
  if (c < 0x10000)
    {
      out[0] = (char) (0xe0 | (c >> 12));
      out[1] = (char) (0x80 | ((c >> 6) & 0x3f));
      out[2] = (char) (0x80 | (c & 0x3f));
      return 3;
    }
  out[0] = (char) (0xf0 | (c >> 18));
  out[1] = (char) (0x80 | ((c >> 12) & 0x3f));
  out[2] = (char) (0x80 | ((c >> 6) & 0x3f));
  out[3] = (char) (0x80 | (c & 0x3f));
  return 4;
}

static uint32_t
lower (uint32_t c, locale_t loc)
{
  if (c < 0x80)
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
  if (loc == (locale_t) 0)
    return c;
  return (uint32_t) towlower_l ((wint_t) c, loc);
}

static bool
is_cased (uint32_t c, locale_t loc)
{
  if (c < 0x80)
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  if (loc == (locale_t) 0)
    return false;
  return iswupper_l ((wint_t) c, loc) || iswlower_l ((wint_t) c, loc) || towlower_l ((wint_t) c, loc) != (wint_t) c
         || towupper_l ((wint_t) c, loc) != (wint_t) c;
}

/* Unicode's Case_Ignorable, approximately: the apostrophes and word-inner
 * punctuation, modifier letters and combining marks. */
static bool
is_case_ignorable (uint32_t c)
{
  return c == '\'' || c == '.' || c == ':' || c == '^' || c == '`' || c == 0xa8 || c == 0xad || c == 0xaf || c == 0xb4
         || c == 0xb7 || c == 0xb8 || (c >= 0x2b0 && c <= 0x36f) || c == 0x2018 || c == 0x2019 || c == 0x2024
         || c == 0x2027 || (c >= 0x200b && c <= 0x200f) || (c >= 0x1ab0 && c <= 0x1aff) || (c >= 0x1dc0 && c <= 0x1dff)
         || (c >= 0x20d0 && c <= 0x20ff) || (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0xfe20 && c <= 0xfe2f);
}

/* Python's handle_capital_sigma: final when a cased letter precedes (over
 * case-ignorables) and none follows. */
static uint32_t
sigma (const uint32_t *cps, size_t n, size_t i, locale_t loc)
{
  size_t j = i;
  bool final;

  while (j > 0 && is_case_ignorable (cps[j - 1]))
    j--;
  final = j > 0 && is_cased (cps[j - 1], loc);
  if (final)
    {
      j = i + 1;
      while (j < n && is_case_ignorable (cps[j]))
        j++;
      final = j == n || !is_cased (cps[j], loc);
    }
  return final ? 0x3c2 : 0x3c3;
}

char *
ae_prompt_preprocess (const char *text, ae_error *error)
{
  const unsigned char *p = (const unsigned char *) text;
  size_t len = strlen (text), n = 0, bad = 0, first, last;
  uint32_t *cps;
  char *out, *o;
  locale_t loc;

  if (!ae_utf8_check (text, len, &bad))
    {
      ae_set_error (error, AE_ERROR_INVALID, "The prompt is not valid UTF-8 (at byte %zu).", bad);
      return NULL;
    }
  cps = malloc ((len + 1) * sizeof *cps);
  out = malloc (4 * len + 1);
  if (cps == NULL || out == NULL)
    {
      free (cps);
      free (out);
      ae_set_error (error, AE_ERROR_OUT_OF_MEMORY, "No host memory for a prompt of %zu bytes.", len);
      return NULL;
    }
  for (size_t i = 0; i < len;)
    i += utf8_sequence (p + i, len - i, &cps[n++]);

  /* strip () */
  first = 0;
  while (first < n && ae_unicode_is_space (cps[first]))
    first++;
  last = n;
  while (last > first && ae_unicode_is_space (cps[last - 1]))
    last--;

  /* lower () */
  loc = newlocale (LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
  o = out;
  for (size_t i = first; i < last; i++)
    {
      uint32_t c = cps[i];
      if (c == 0x130)
        {
          o += utf8_put (o, 'i');
          o += utf8_put (o, 0x307);
          continue;
        }
      if (c == 0x3a3)
        /* The context reaches past the stripped ends only over white space,
         * which is neither cased nor case-ignorable, so the full text is
         * the same context as the stripped one. */
        c = sigma (cps, n, i, loc);
      else
        c = lower (c, loc);
      o += utf8_put (o, c);
    }
  *o = '\0';
  if (loc != (locale_t) 0)
    freelocale (loc);
  free (cps);
  return out;
}

char *
ae_prompt_apply_template (const char *user_prompt, ae_error *error)
{
  const char *slot = strstr (ae_prompt_positive_template, "{}");
  char *user = ae_prompt_preprocess (user_prompt, error);
  size_t head, ulen, tail;
  char *out;

  if (user == NULL)
    return NULL;
  head = (size_t) (slot - ae_prompt_positive_template);
  ulen = strlen (user);
  tail = strlen (slot + 2);
  out = malloc (head + ulen + tail + 1);
  if (out == NULL)
    {
      free (user);
      ae_set_error (error, AE_ERROR_OUT_OF_MEMORY, "No host memory for a prompt of %zu bytes.", ulen);
      return NULL;
    }
  memcpy (out, ae_prompt_positive_template, head);
  memcpy (out + head, user, ulen);
  memcpy (out + head + ulen, slot + 2, tail + 1);
  free (user);
  return out;
}
