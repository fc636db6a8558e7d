/* ae-vae.h: the Allegro video VAE (AutoencoderKLAllegro, spec section 6) on
 * the engine: the encoder and decoder cores, and the tiled encode and decode
 * with the reference's linear blending.
 *
 * Tiling.  The reference cuts the video into fixed tiles (pixels 24 x 320 x
 * 320, stride 16 x 200 x 240 for the real model) and leaves any border the
 * tiles miss at zero.  Ours lays the same tiles with the same blend weights,
 * so it equals the reference wherever the reference covers; where it does not
 * (sizes like 352x640, frame counts other than 24 + 16k) one more tile per
 * axis, flush with the end, fills only the uncovered border.  A video smaller
 * than a tile along an axis is one tile of its own size there.
 *
 * Thread-safety: a loaded VAE is read-only; calls on different streams may
 * run at once.
 */
#pragma once

#include "ae-model-folder.h"

typedef struct ae_vae ae_vae;

/* Tile geometry in pixels (frames, height, width).  The default is the
 * reference's: 24 frames, sample_size x sample_size, stride 16 x
 * (sample_size - 120) x (sample_size - 80), the overlaps scaled with
 * sample_size / 320 (in whole latents) for models other than Allegro's. */
typedef struct
{
  int64_t kernel[3];
  int64_t stride[3];
  /* Tests: only the reference's tiles, leaving its uncovered borders 0. */
  bool reference_only;
} ae_vae_tiling;

/* Uploads the weights in DTYPE (f32, f16 or bf16). */
ae_vae *ae_vae_load (ae_context *ctx, const ae_vae_config *config, ae_weights *weights, ae_dtype dtype,
                     ae_error *error);
void ae_vae_free (ae_vae *vae);
uint64_t ae_vae_weight_bytes (const ae_vae *vae);
/* The tiling the model uses: the reference's, unless overridden. */
void ae_vae_get_tiling (const ae_vae *vae, ae_vae_tiling *tiling);
void ae_vae_set_tiling (ae_vae *vae, const ae_vae_tiling *tiling);
/* Device memory a tiled decode of a latent of T x H x W needs beyond the
 * weights (the decoded video in f32 included). */
uint64_t ae_vae_decode_workspace_bytes (const ae_vae *vae, int64_t t, int64_t h, int64_t w);

/* The decoder alone: video f32 [1, out_channels, 4 T', 8 H, 8 W] from
 * z f32 [1, latent_channels, T', H, W] (no post_quant_conv), where 4 T' is
 * T' times the temporal upsampling. */
bool ae_vae_decoder_core (ae_vae *vae, ae_stream *s, ae_tensor *video, const ae_tensor *z, ae_error *error);
/* The encoder alone: h f32 [1, 2 latent_channels, F / 4, H / 8, W / 8] from
 * video f32 [1, in_channels, F, H, W] (no quant_conv). */
bool ae_vae_encoder_core (ae_vae *vae, ae_stream *s, ae_tensor *h, const ae_tensor *video, ae_error *error);

/* vae.decode (z).sample, tiled: video f32 [1, C, 4 T, 8 H, 8 W] (B, C, F, H,
 * W order; the reference's own output is its (B, F, C, H, W) permutation)
 * from z f32 [1, latent_channels, T, H, W] (already divided by the scaling
 * factor).  Finishes the stream after every tile; cancel flags apply. */
bool ae_vae_decode (ae_vae *vae, ae_stream *s, ae_tensor *video, const ae_tensor *z, ae_error *error);
/* vae.encode (video): moments f32 [1, 2 latent_channels, F / 4, H / 8, W / 8]
 * (mean, then logvar unclamped) after the tiled encoder, blending and
 * quant_conv.  F a multiple of 4, H and W of 8. */
bool ae_vae_encode (ae_vae *vae, ae_stream *s, ae_tensor *moments, const ae_tensor *video, ae_error *error);
