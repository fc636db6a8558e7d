/* ae-t5.h: the T5 v1.1 encoder (T5EncoderModel, spec section 3) on the
 * engine: relative-position bias computed once and shared by every block,
 * unscaled attention, gated-GELU feed-forward, RMS norm.
 *
 * Thread-safety: a loaded encoder is read-only; encode calls on different
 * streams may run at once.
 */
#pragma once

#include "ae-model-folder.h"

typedef struct ae_t5 ae_t5;

/* Uploads the encoder's weights in DTYPE (f32, f16 or bf16). */
ae_t5 *ae_t5_load (ae_context *ctx, const ae_t5_config *config, ae_weights *weights, ae_dtype dtype, ae_error *error);
void ae_t5_free (ae_t5 *t5);
uint64_t ae_t5_weight_bytes (const ae_t5 *t5);
/* Device memory one encode needs beyond the weights, in bytes. */
uint64_t ae_t5_workspace_bytes (const ae_t5_config *config, ae_dtype dtype, int64_t batch, int64_t length);

/* out f32 [B, L, d_model] = last_hidden_state for ids and mask (host, B x L
 * each; mask 1 for tokens, 0 for padding).  Padded positions are not zeroed
 * (the reference leaves them; the DiT masks them).  Recorded on the stream;
 * intermediates live until the next ae_stream_finish. */
bool ae_t5_encode (ae_t5 *t5, ae_stream *s, ae_tensor *out, const int32_t *ids, const int32_t *mask, int64_t batch,
                   int64_t length, ae_error *error);
