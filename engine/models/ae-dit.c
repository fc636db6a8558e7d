/* ae-dit.c: AllegroTransformer3DModel's forward pass (spec section 5).
 *
 * Activations run in the model's dtype; every intermediate of one forward is
 * a stream scratch tensor allocated once and reused by all blocks (the
 * stream's barriers order the reuse), so memory does not grow with depth. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ae-dit.h"
#include "ae-model-common.h"

typedef struct
{
  ae_tensor *scale_shift_table; /* [6, D] */
  ae_tensor *q1_w, *q1_b, *k1_w, *k1_b, *v1_w, *v1_b, *o1_w, *o1_b;
  ae_tensor *q2_w, *q2_b, *k2_w, *k2_b, *v2_w, *v2_b, *o2_w, *o2_b;
  ae_tensor *ff1_w, *ff1_b, *ff2_w, *ff2_b;
} dit_block;

struct ae_dit
{
  ae_context *ctx;
  ae_dit_config config;
  ae_dtype dtype;
  int64_t inner; /* heads x head_dim */
  int64_t ff_inner;
  /* Outside the blocks (an array of tensor pointers, freed and counted as one). */
  struct
  {
    ae_tensor *patch_w, *patch_b;       /* [D, C, p, p] viewed as [D, C p p] */
    ae_tensor *time1_w, *time1_b;       /* 256 -> D */
    ae_tensor *time2_w, *time2_b;       /* D -> D */
    ae_tensor *adaln_w, *adaln_b;       /* D -> 6D */
    ae_tensor *caption1_w, *caption1_b; /* caption_channels -> D */
    ae_tensor *caption2_w, *caption2_b; /* D -> D */
    ae_tensor *final_scale_shift;       /* [2, D] */
    ae_tensor *proj_out_w, *proj_out_b; /* D -> p_t p p C_out */
  } top;
  dit_block *blocks;
  uint64_t weight_bytes;
};

#define TIMESTEP_CHANNELS 256

static void
free_block (dit_block *b)
{
  ae_tensor **all = (ae_tensor **) b;
  ae_free_tensors (all, sizeof *b / sizeof (ae_tensor *));
}

void
ae_dit_free (ae_dit *dit)
{
  if (dit == NULL)
    return;
  if (dit->blocks != NULL)
    for (int64_t i = 0; i < dit->config.num_layers; i++)
      free_block (&dit->blocks[i]);
  free (dit->blocks);
  ae_free_tensors ((ae_tensor **) &dit->top, sizeof dit->top / sizeof (ae_tensor *));
  free (dit);
}

const ae_dit_config *
ae_dit_get_config (const ae_dit *dit)
{
  return &dit->config;
}

ae_dtype
ae_dit_dtype (const ae_dit *dit)
{
  return dit->dtype;
}

uint64_t
ae_dit_weight_bytes (const ae_dit *dit)
{
  return dit->weight_bytes;
}

ae_dit *
ae_dit_load (ae_context *ctx, const ae_dit_config *config, ae_weights *weights, ae_dtype dtype, ae_error *error)
{
  ae_dit *dit;
  const int64_t p = config->patch_size, pt = config->patch_size_t;
  int64_t D, C, Cc;

  if (dtype != AE_F32 && dtype != AE_F16 && dtype != AE_BF16)
    {
      ae_set_error (error, AE_ERROR_INVALID, "The transformer runs in f32, f16 or bf16, not %s.",
                    ae_dtype_name (dtype));
      return NULL;
    }
  if (pt != 1)
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED, "The transformer's patch_size_t is %lld; only 1 is supported.",
                    (long long) pt);
      return NULL;
    }
  dit = calloc (1, sizeof *dit);
  dit->ctx = ctx;
  dit->config = *config;
  dit->dtype = dtype;
  D = dit->inner = config->num_attention_heads * config->attention_head_dim;
  dit->ff_inner = 4 * D;
  C = config->in_channels;
  Cc = config->caption_channels;

  ae_weight_loader l = { .ctx = ctx, .weights = weights, .dtype = dtype, .error = error };
  dit->top.patch_w = ae_load_weight (&l, dtype, 4, (int64_t[]){ D, C, p, p }, "pos_embed.proj.weight");
  dit->top.patch_b = ae_load_vector (&l, D, "pos_embed.proj.bias");
  dit->top.time1_w = ae_load_matrix (&l, D, TIMESTEP_CHANNELS, "adaln_single.emb.timestep_embedder.linear_1.weight");
  dit->top.time1_b = ae_load_vector (&l, D, "adaln_single.emb.timestep_embedder.linear_1.bias");
  dit->top.time2_w = ae_load_matrix (&l, D, D, "adaln_single.emb.timestep_embedder.linear_2.weight");
  dit->top.time2_b = ae_load_vector (&l, D, "adaln_single.emb.timestep_embedder.linear_2.bias");
  dit->top.adaln_w = ae_load_matrix (&l, 6 * D, D, "adaln_single.linear.weight");
  dit->top.adaln_b = ae_load_vector (&l, 6 * D, "adaln_single.linear.bias");
  dit->top.caption1_w = ae_load_matrix (&l, D, Cc, "caption_projection.linear_1.weight");
  dit->top.caption1_b = ae_load_vector (&l, D, "caption_projection.linear_1.bias");
  dit->top.caption2_w = ae_load_matrix (&l, D, D, "caption_projection.linear_2.weight");
  dit->top.caption2_b = ae_load_vector (&l, D, "caption_projection.linear_2.bias");
  dit->top.final_scale_shift = ae_load_matrix (&l, 2, D, "scale_shift_table");
  dit->top.proj_out_w = ae_load_matrix (&l, pt * p * p * config->out_channels, D, "proj_out.weight");
  dit->top.proj_out_b = ae_load_vector (&l, pt * p * p * config->out_channels, "proj_out.bias");

  dit->blocks = calloc ((size_t) config->num_layers, sizeof *dit->blocks);
  for (int64_t i = 0; i < config->num_layers && !l.failed; i++)
    {
      dit_block *b = &dit->blocks[i];
      const char *pre = "transformer_blocks";
      const bool bias = config->attention_bias;
      int64_t Dx = config->cross_attention_dim;

      b->scale_shift_table = ae_load_matrix (&l, 6, D, "%s.%lld.scale_shift_table", pre, (long long) i);
#define LINEAR(w, bb, m, k, what)                                                                                      \
  do                                                                                                                   \
    {                                                                                                                  \
      w = ae_load_matrix (&l, m, k, "%s.%lld.%s.weight", pre, (long long) i, what);                                    \
      if (bias)                                                                                                        \
        bb = ae_load_vector (&l, m, "%s.%lld.%s.bias", pre, (long long) i, what);                                      \
    }                                                                                                                  \
  while (0)
      LINEAR (b->q1_w, b->q1_b, D, D, "attn1.to_q");
      LINEAR (b->k1_w, b->k1_b, D, D, "attn1.to_k");
      LINEAR (b->v1_w, b->v1_b, D, D, "attn1.to_v");
      LINEAR (b->o1_w, b->o1_b, D, D, "attn1.to_out.0");
      LINEAR (b->q2_w, b->q2_b, D, D, "attn2.to_q");
      LINEAR (b->k2_w, b->k2_b, D, Dx, "attn2.to_k");
      LINEAR (b->v2_w, b->v2_b, D, Dx, "attn2.to_v");
      LINEAR (b->o2_w, b->o2_b, D, D, "attn2.to_out.0");
#undef LINEAR
      /* The feed-forward's linears always have biases. */
      b->ff1_w = ae_load_matrix (&l, dit->ff_inner, D, "%s.%lld.ff.net.0.proj.weight", pre, (long long) i);
      b->ff1_b = ae_load_vector (&l, dit->ff_inner, "%s.%lld.ff.net.0.proj.bias", pre, (long long) i);
      b->ff2_w = ae_load_matrix (&l, D, dit->ff_inner, "%s.%lld.ff.net.2.weight", pre, (long long) i);
      b->ff2_b = ae_load_vector (&l, D, "%s.%lld.ff.net.2.bias", pre, (long long) i);
    }
  if (l.failed)
    {
      ae_dit_free (dit);
      return NULL;
    }

  dit->weight_bytes = ae_tensors_nbytes ((ae_tensor **) &dit->top, sizeof dit->top / sizeof (ae_tensor *));
  for (int64_t i = 0; i < config->num_layers; i++)
    dit->weight_bytes += ae_tensors_nbytes ((ae_tensor **) &dit->blocks[i], sizeof (dit_block) / sizeof (ae_tensor *));
  return dit;
}

uint64_t
ae_dit_workspace_bytes (const ae_dit_config *config, ae_dtype dtype, int64_t batch, int64_t t, int64_t h, int64_t w,
                        int64_t text_len)
{
  const int64_t p = config->patch_size;
  const int64_t D = config->num_attention_heads * config->attention_head_dim;
  const int64_t N = t * (h / p) * (w / p);
  const uint64_t es = ae_dtype_size (dtype);
  uint64_t tokens = (uint64_t) batch * N;
  uint64_t total = 0;

  /* x cast, tokens; h, x, q, k, v, attention, y; the feed-forward's hidden. */
  total += (uint64_t) batch * config->in_channels * t * h * w * es * 2;
  total += tokens * config->in_channels * p * p * es;
  total += tokens * D * es * 7;
  total += tokens * 4 * D * es;
  /* Text: the context cast, caption hidden and output, cross k and v, bias. */
  total += (uint64_t) batch * text_len * (config->caption_channels + 4 * D) * es + batch * text_len * 4;
  /* Projection out and its unpatchified copy. */
  total += tokens * config->out_channels * p * p * es * 2;
  /* Timestep tables, modulation, RoPE table: small. */
  total += (uint64_t) batch * (TIMESTEP_CHANNELS + 16 * D) * 4 + (t + h + w) * 2 * D * 4;
  return total;
}

static double
default_scale (bool set, double value, double fallback)
{
  return set ? value : fallback;
}

static ae_tensor *
scratch (ae_stream *s, ae_dtype dtype, int ndim, const int64_t *shape, const char *name, ae_error *error)
{
  return ae_stream_scratch (s, dtype, ndim, shape, name, error);
}

/* A row k of a [B, rows, D] table as [B, D] (strided). */
static ae_tensor
table_row (const ae_tensor *table, int64_t k)
{
  const int64_t B = table->shape[0], rows = table->shape[1], D = table->shape[2];
  return ae_view (table, k * D, 2, (int64_t[]){ B, D }, (int64_t[]){ rows * D, 1 });
}

bool
ae_dit_forward (ae_dit *dit, ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *context,
                const int32_t *text_mask, const float *timesteps, ae_error *error)
{
  const ae_dit_config *cfg = &dit->config;
  const ae_dtype dt = dit->dtype;
  const int64_t p = cfg->patch_size, pt = cfg->patch_size_t;
  const int64_t heads = cfg->num_attention_heads, Dh = cfg->attention_head_dim, D = dit->inner;
  const float eps = (float) cfg->norm_eps;
  int64_t B, T, H, W, N, L, Cin, Cout;
  char buf[64], buf2[64];

  if (x->ndim != 5 || x->dtype != AE_F32 || context->ndim != 3 || context->dtype != AE_F32 || out->ndim != 5
      || out->dtype != AE_F32)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "DiT forward: x must be f32 [B, C, T, H, W] (got %s), context f32 [B, L, C] (got %s) and out f32 "
                    "[B, C, T, H, W].",
                    ae_tensor_describe (x, buf, sizeof buf), ae_tensor_describe (context, buf2, sizeof buf2));
      return false;
    }
  B = x->shape[0];
  Cin = x->shape[1];
  T = x->shape[2];
  H = x->shape[3];
  W = x->shape[4];
  L = context->shape[1];
  Cout = cfg->out_channels;
  if (Cin != cfg->in_channels || T % pt != 0 || H % p != 0 || W % p != 0 || context->shape[0] != B
      || context->shape[2] != cfg->caption_channels || out->shape[0] != B || out->shape[1] != Cout || out->shape[2] != T
      || out->shape[3] != H || out->shape[4] != W)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "DiT forward: x %s must have %lld channels and H, W divisible by %lld; context %s must be "
                    "[%lld, L, %lld]; out must be [%lld, %lld, T, H, W] like x.",
                    ae_tensor_describe (x, buf, sizeof buf), (long long) cfg->in_channels, (long long) p,
                    ae_tensor_describe (context, buf2, sizeof buf2), (long long) B, (long long) cfg->caption_channels,
                    (long long) B, (long long) Cout);
      return false;
    }
  N = (T / pt) * (H / p) * (W / p);

  /* ---- inputs in the model's dtype ---- */
  const ae_tensor *xin = x, *ctx_in = context;
  if (dt != AE_F32)
    {
      ae_tensor *xc = scratch (s, dt, 5, x->shape, "dit.x", error);
      ae_tensor *cc = scratch (s, dt, 3, context->shape, "dit.context", error);
      AE_TRY (xc != NULL && cc != NULL);
      AE_TRY (ae_op_copy (s, xc, x, error));
      AE_TRY (ae_op_copy (s, cc, context, error));
      xin = xc;
      ctx_in = cc;
    }

  /* ---- patch embedding: Conv2d(k = s = p) as patchify + matmul ---- */
  const int64_t patch_len = Cin * pt * p * p;
  ae_tensor *tokens = scratch (s, dt, 3, (int64_t[]){ B, N, patch_len }, "dit.patches", error);
  ae_tensor *h = scratch (s, dt, 3, (int64_t[]){ B, N, D }, "dit.hidden", error);
  AE_TRY (tokens != NULL && h != NULL);
  AE_TRY (ae_op_patchify (s, tokens, xin, (int) p, (int) pt, error));
  ae_tensor patch_w = ae_reshape (dit->top.patch_w, 2, (int64_t[]){ D, patch_len });
  AE_TRY (ae_op_matmul (s, h, tokens, &patch_w, dit->top.patch_b, error));

  /* ---- timestep: sinusoid (host) -> MLP -> embedded_timestep, temb6 ---- */
  float *sinusoid = malloc ((size_t) B * TIMESTEP_CHANNELS * sizeof (float));
  ae_timestep_embedding (sinusoid, timesteps, B, TIMESTEP_CHANNELS, true, 0.0, 10000.0);
  ae_tensor *t_sin = scratch (s, dt, 2, (int64_t[]){ B, TIMESTEP_CHANNELS }, "dit.timestep_sinusoid", error);
  bool ok = t_sin != NULL && ae_tensor_upload_f32 (t_sin, sinusoid, error);
  free (sinusoid);
  AE_TRY (ok);
  ae_tensor *t_hidden = scratch (s, dt, 2, (int64_t[]){ B, D }, "dit.timestep_hidden", error);
  ae_tensor *t_embedded = scratch (s, dt, 2, (int64_t[]){ B, D }, "dit.embedded_timestep", error);
  ae_tensor *t_act = scratch (s, dt, 2, (int64_t[]){ B, D }, "dit.embedded_timestep_silu", error);
  ae_tensor *temb6 = scratch (s, dt, 3, (int64_t[]){ B, 6, D }, "dit.temb6", error);
  AE_TRY (t_hidden != NULL && t_embedded != NULL && t_act != NULL && temb6 != NULL);
  AE_TRY (ae_op_matmul (s, t_hidden, t_sin, dit->top.time1_w, dit->top.time1_b, error));
  AE_TRY (ae_op_silu (s, t_hidden, t_hidden, error));
  AE_TRY (ae_op_matmul (s, t_embedded, t_hidden, dit->top.time2_w, dit->top.time2_b, error));
  AE_TRY (ae_op_silu (s, t_act, t_embedded, error));
  ae_tensor temb6_flat = ae_reshape (temb6, 2, (int64_t[]){ B, 6 * D });
  AE_TRY (ae_op_matmul (s, &temb6_flat, t_act, dit->top.adaln_w, dit->top.adaln_b, error));

  /* ---- caption projection: linear_2 (GELU_tanh (linear_1 (context))) ---- */
  ae_tensor *caption_hidden = scratch (s, dt, 3, (int64_t[]){ B, L, D }, "dit.caption_hidden", error);
  ae_tensor *caption = scratch (s, dt, 3, (int64_t[]){ B, L, D }, "dit.caption", error);
  AE_TRY (caption_hidden != NULL && caption != NULL);
  AE_TRY (ae_op_matmul (s, caption_hidden, ctx_in, dit->top.caption1_w, dit->top.caption1_b, error));
  AE_TRY (ae_op_gelu_tanh (s, caption_hidden, caption_hidden, error));
  AE_TRY (ae_op_matmul (s, caption, caption_hidden, dit->top.caption2_w, dit->top.caption2_b, error));

  /* ---- the text mask as the cross-attention's additive bias (-10000, not -inf) ---- */
  float *bias_host = malloc ((size_t) (B * L) * sizeof (float));
  for (int64_t i = 0; i < B * L; i++)
    bias_host[i] = (1.0f - (float) text_mask[i]) * -10000.0f;
  ae_tensor *key_bias = scratch (s, AE_F32, 2, (int64_t[]){ B, L }, "dit.text_bias", error);
  ok = key_bias != NULL && ae_tensor_upload_f32 (key_bias, bias_host, error);
  free (bias_host);
  AE_TRY (ok);

  /* ---- 3D RoPE tables ---- */
  ae_rope_3d_params rope = {
    .t = T / pt,
    .h = H / p,
    .w = W / p,
    .scale_t = default_scale (cfg->interpolation_scale_t_set, cfg->interpolation_scale_t,
                              (double) ((T * 4) % 2 == 1 ? (T * 4 - 1) / 16 + 1 : (T * 4) / 16)),
    .scale_h
    = default_scale (cfg->interpolation_scale_h_set, cfg->interpolation_scale_h, (double) cfg->sample_height / 30.0),
    .scale_w
    = default_scale (cfg->interpolation_scale_w_set, cfg->interpolation_scale_w, (double) cfg->sample_width / 40.0),
    .theta = 10000.0,
  };
  if (rope.scale_t <= 0)
    rope.scale_t = 1.0;
  int64_t table_n = ae_rope_3d_table_size (&rope, (int) Dh);
  float *table_host = malloc ((size_t) table_n * sizeof (float));
  ae_tensor *rope_table = NULL;
  ok = ae_rope_3d_table (table_host, &rope, (int) Dh, error);
  if (ok)
    {
      rope_table = scratch (s, AE_F32, 3, (int64_t[]){ rope.t + rope.h + rope.w, 2, Dh / 3 }, "dit.rope", error);
      ok = rope_table != NULL && ae_tensor_upload_f32 (rope_table, table_host, error);
    }
  free (table_host);
  AE_TRY (ok);

  /* ---- the blocks ---- */
  ae_tensor *mod = scratch (s, dt, 3, (int64_t[]){ B, 6, D }, "dit.modulation", error);
  ae_tensor *xn = scratch (s, dt, 3, (int64_t[]){ B, N, D }, "dit.normed", error);
  ae_tensor *q = scratch (s, dt, 3, (int64_t[]){ B, N, D }, "dit.q", error);
  ae_tensor *k = scratch (s, dt, 3, (int64_t[]){ B, N, D }, "dit.k", error);
  ae_tensor *v = scratch (s, dt, 3, (int64_t[]){ B, N, D }, "dit.v", error);
  ae_tensor *attn = scratch (s, dt, 3, (int64_t[]){ B, N, D }, "dit.attention", error);
  ae_tensor *y = scratch (s, dt, 3, (int64_t[]){ B, N, D }, "dit.sublayer_out", error);
  ae_tensor *ck = scratch (s, dt, 3, (int64_t[]){ B, L, D }, "dit.cross_k", error);
  ae_tensor *cv = scratch (s, dt, 3, (int64_t[]){ B, L, D }, "dit.cross_v", error);
  ae_tensor *ff = scratch (s, dt, 3, (int64_t[]){ B, N, dit->ff_inner }, "dit.ff_hidden", error);
  AE_TRY (mod != NULL && xn != NULL && q != NULL && k != NULL && v != NULL && attn != NULL && y != NULL && ck != NULL
          && cv != NULL && ff != NULL);

  ae_tensor q4 = ae_reshape (q, 4, (int64_t[]){ B, N, heads, Dh });
  ae_tensor k4 = ae_reshape (k, 4, (int64_t[]){ B, N, heads, Dh });
  ae_tensor qh = ae_heads_view (q, heads), kh = ae_heads_view (k, heads), vh = ae_heads_view (v, heads);
  ae_tensor oh = ae_heads_view (attn, heads);
  ae_tensor ckh = ae_heads_view (ck, heads), cvh = ae_heads_view (cv, heads);
  ae_attention_params self_params = { .scale = (float) (1.0 / sqrt ((double) Dh)) };
  ae_attention_params cross_params = { .scale = (float) (1.0 / sqrt ((double) Dh)), .key_bias = key_bias };

  for (int64_t i = 0; i < cfg->num_layers; i++)
    {
      const dit_block *b = &dit->blocks[i];
      /* shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp */
      AE_TRY (ae_op_add (s, mod, temb6, b->scale_shift_table, error));
      ae_tensor shift_msa = table_row (mod, 0), scale_msa = table_row (mod, 1), gate_msa = table_row (mod, 2);
      ae_tensor shift_mlp = table_row (mod, 3), scale_mlp = table_row (mod, 4), gate_mlp = table_row (mod, 5);

      /* Self-attention with 3D RoPE on q and k. */
      AE_TRY (ae_op_layer_norm_modulate (s, xn, h, &scale_msa, &shift_msa, eps, error));
      AE_TRY (ae_op_matmul (s, q, xn, b->q1_w, b->q1_b, error));
      AE_TRY (ae_op_matmul (s, k, xn, b->k1_w, b->k1_b, error));
      AE_TRY (ae_op_matmul (s, v, xn, b->v1_w, b->v1_b, error));
      AE_TRY (ae_op_rope_3d (s, &q4, &q4, rope_table, &rope, error));
      AE_TRY (ae_op_rope_3d (s, &k4, &k4, rope_table, &rope, error));
      AE_TRY (ae_op_attention (s, &oh, &qh, &kh, &vh, &self_params, error));
      AE_TRY (ae_op_matmul (s, y, attn, b->o1_w, b->o1_b, error));
      AE_TRY (ae_op_gated_residual (s, h, h, y, &gate_msa, error));

      /* Cross-attention on the caption: no norm, no gate (spec 5.4). */
      AE_TRY (ae_op_matmul (s, q, h, b->q2_w, b->q2_b, error));
      AE_TRY (ae_op_matmul (s, ck, caption, b->k2_w, b->k2_b, error));
      AE_TRY (ae_op_matmul (s, cv, caption, b->v2_w, b->v2_b, error));
      AE_TRY (ae_op_attention (s, &oh, &qh, &ckh, &cvh, &cross_params, error));
      AE_TRY (ae_op_matmul (s, y, attn, b->o2_w, b->o2_b, error));
      AE_TRY (ae_op_add (s, h, h, y, error));

      /* Feed-forward: Linear -> GELU(tanh) -> Linear, modulated and gated. */
      AE_TRY (ae_op_layer_norm_modulate (s, xn, h, &scale_mlp, &shift_mlp, eps, error));
      AE_TRY (ae_op_matmul (s, ff, xn, b->ff1_w, b->ff1_b, error));
      AE_TRY (ae_op_gelu_tanh (s, ff, ff, error));
      AE_TRY (ae_op_matmul (s, y, ff, b->ff2_w, b->ff2_b, error));
      AE_TRY (ae_op_gated_residual (s, h, h, y, &gate_mlp, error));
    }

  /* ---- output: shift, scale = table + embedded_timestep; LN; proj_out; unpatchify ---- */
  ae_tensor *final_mod = scratch (s, dt, 3, (int64_t[]){ B, 2, D }, "dit.final_modulation", error);
  AE_TRY (final_mod != NULL);
  ae_tensor emb_broadcast = ae_view (t_embedded, 0, 3, (int64_t[]){ B, 2, D }, (int64_t[]){ D, 0, 1 });
  AE_TRY (ae_op_copy (s, final_mod, &emb_broadcast, error));
  AE_TRY (ae_op_add (s, final_mod, final_mod, dit->top.final_scale_shift, error));
  ae_tensor shift = table_row (final_mod, 0), scale = table_row (final_mod, 1);
  AE_TRY (ae_op_layer_norm_modulate (s, xn, h, &scale, &shift, eps, error));
  const int64_t out_len = pt * p * p * Cout;
  ae_tensor *proj = scratch (s, dt, 3, (int64_t[]){ B, N, out_len }, "dit.proj_out", error);
  AE_TRY (proj != NULL);
  AE_TRY (ae_op_matmul (s, proj, xn, dit->top.proj_out_w, dit->top.proj_out_b, error));
  if (dt == AE_F32)
    return ae_op_unpatchify (s, out, proj, (int) p, (int) pt, error);
  ae_tensor *video = scratch (s, dt, 5, out->shape, "dit.output", error);
  AE_TRY (video != NULL);
  AE_TRY (ae_op_unpatchify (s, video, proj, (int) p, (int) pt, error));
  return ae_op_copy (s, out, video, error);
}
