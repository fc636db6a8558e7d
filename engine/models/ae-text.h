/* ae-text.h: UTF-8 helpers the tokenizer and the prompt code share; not for
 * the app. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is valid UTF-8 (no overlong forms, surrogates or code
 * points past U+10FFFF); otherwise *bad receives the offset of the first
 * byte that is not. */
bool ae_utf8_check (const char *s, size_t len, size_t *bad);

/* Python's str.isspace() for one code point. */
bool ae_unicode_is_space (unsigned int c);
