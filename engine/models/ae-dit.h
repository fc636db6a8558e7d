/* ae-dit.h: the Allegro diffusion transformer (AllegroTransformer3DModel,
 * spec section 5) on the engine.
 *
 * Thread-safety: a loaded DiT is read-only; forward calls on different
 * streams may run at once.
 */
#pragma once

#include "ae-model-folder.h"

typedef struct ae_dit ae_dit;

/* Uploads the transformer's weights in DTYPE (f32, f16 or bf16; the
 * activations use it too).  Every tensor the config implies must be there
 * with its shape. */
ae_dit *ae_dit_load (ae_context *ctx, const ae_dit_config *config, ae_weights *weights, ae_dtype dtype,
                     ae_error *error);
void ae_dit_free (ae_dit *dit);
const ae_dit_config *ae_dit_get_config (const ae_dit *dit);
ae_dtype ae_dit_dtype (const ae_dit *dit);
/* Bytes of device memory the weights hold. */
uint64_t ae_dit_weight_bytes (const ae_dit *dit);

/* Device memory one forward needs beyond the weights, in bytes, for a batch
 * of B, latent T x H x W and L text tokens (the memory plan uses it). */
uint64_t ae_dit_workspace_bytes (const ae_dit_config *config, ae_dtype dtype, int64_t batch, int64_t t, int64_t h,
                                 int64_t w, int64_t text_len);

/* The noise prediction, recorded on the stream:
 *   out [B, C_out, T, H, W] = DiT (x [B, C_in, T, H, W], context [B, L, caption_channels])
 * x, context and out are f32 (converted on the device where the model runs
 * in f16/bf16).  text_mask: B x L host ints (1 = token, 0 = padding) turned
 * into the cross-attention's additive -10000 bias; timesteps: B host floats
 * (fractional, as the scheduler gives them).  Intermediates are stream
 * scratch: they live until the next ae_stream_finish. */
bool ae_dit_forward (ae_dit *dit, ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *context,
                     const int32_t *text_mask, const float *timesteps, ae_error *error);
