/* ae-tokenizer.h: the T5 tokenizer (SentencePiece unigram, through Debian's
 * libsentencepiece, the library the reference tokenizer is built on) and the
 * reference's prompt preprocessing and templates (spec section 2).
 *
 * Thread-safety: a tokenizer may encode from several threads at once.
 */
#pragma once

/* C++ (the tokenizer's wrapper, which includes this inside extern "C") needs
 * only the error type, and ae-engine.h's C11 atomics do not compile there. */
#ifdef __cplusplus
#include "ae-common.h"
#else
#include "ae-engine.h"
#endif

typedef struct ae_tokenizer ae_tokenizer;

/* Opens DIR/spiece.model (and reads DIR/tokenizer_config.json where present:
 * model_max_length, extra_ids).  Errors name the file and what is wrong. */
ae_tokenizer *ae_tokenizer_open (const char *dir, ae_error *error);
void ae_tokenizer_free (ae_tokenizer *tokenizer);

/* The number of pieces of the SentencePiece model plus the extra ids (32100
 * for T5). */
int32_t ae_tokenizer_vocab_size (const ae_tokenizer *tokenizer);
int32_t ae_tokenizer_pad_id (const ae_tokenizer *tokenizer); /* 0 */
int32_t ae_tokenizer_eos_id (const ae_tokenizer *tokenizer); /* 1 */

/* As T5Tokenizer(text, padding="max_length", max_length=max_length,
 * truncation=True, add_special_tokens=True): at most max_length - 1 pieces,
 * then </s>, then <pad> up to max_length.  ids and mask hold max_length
 * entries; mask is 1 for the text and </s>, 0 for padding.  *n_valid (may be
 * NULL) receives the count of ones.  TEXT must be valid UTF-8 (an error says
 * at which byte it is not); it is encoded as given, without preprocessing. */
bool ae_tokenizer_encode (const ae_tokenizer *tokenizer, const char *text, int max_length, int32_t *ids, int32_t *mask,
                          int *n_valid, ae_error *error);

/* The piece of an id ("▁sea", "</s>", "<extra_id_0>"), for tests and
 * debugging; NULL when out of range. */
const char *ae_tokenizer_piece (const ae_tokenizer *tokenizer, int32_t id);

/* ---- prompt preprocessing (spec 2.2, 2.3) ---- */

/* The reference's templates (rhymes-ai single_inference.py).  The positive
 * one has one "{}" where the user's prompt goes. */
extern const char ae_prompt_positive_template[];
extern const char ae_prompt_default_negative[];

/* The pipeline's _text_preprocessing with clean_caption=False: Python's
 * text.lower().strip() (Unicode lower case, Unicode white space).  Returns
 * a malloc'ed string, or NULL with an error on invalid UTF-8. */
char *ae_prompt_preprocess (const char *text, ae_error *error);

/* The positive template filled with the user's prompt lower-cased and
 * stripped, exactly as single_inference.py does; malloc'ed, or NULL with an
 * error on invalid UTF-8.  The pipeline then applies ae_prompt_preprocess. */
char *ae_prompt_apply_template (const char *user_prompt, ae_error *error);
