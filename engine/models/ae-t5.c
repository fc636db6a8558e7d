/* ae-t5.c: the T5 encoder's forward pass (spec 3.3). */
#include <float.h>
#include <stdio.h>

#include "ae-model-common.h"
#include "ae-t5.h"

typedef struct
{
  ae_tensor *ln0, *q, *k, *v, *o;
  ae_tensor *ln1, *wi0, *wi1, *wo;
} t5_block;

struct ae_t5
{
  ae_context *ctx;
  ae_t5_config config;
  ae_dtype dtype;
  int64_t inner;            /* heads x d_kv */
  ae_tensor *shared;        /* [vocab, d_model] */
  ae_tensor *position_bias; /* [buckets, heads] of block 0 */
  ae_tensor *final_norm;
  t5_block *blocks;
  uint64_t weight_bytes;
};

void
ae_t5_free (ae_t5 *t5)
{
  if (t5 == NULL)
    return;
  if (t5->blocks != NULL)
    for (int64_t i = 0; i < t5->config.num_layers; i++)
      ae_free_tensors ((ae_tensor **) &t5->blocks[i], sizeof (t5_block) / sizeof (ae_tensor *));
  free (t5->blocks);
  ae_tensor *top[] = { t5->shared, t5->position_bias, t5->final_norm };
  ae_free_tensors (top, AE_N_ELEMENTS (top));
  free (t5);
}

uint64_t
ae_t5_weight_bytes (const ae_t5 *t5)
{
  return t5->weight_bytes;
}

ae_t5 *
ae_t5_load (ae_context *ctx, const ae_t5_config *config, ae_weights *weights, ae_dtype dtype, ae_error *error)
{
  ae_t5 *t5;
  int64_t d, inner, ff;

  if (dtype != AE_F32 && dtype != AE_F16 && dtype != AE_BF16)
    {
      ae_set_error (error, AE_ERROR_INVALID, "The text encoder runs in f32, f16 or bf16, not %s.",
                    ae_dtype_name (dtype));
      return NULL;
    }
  t5 = calloc (1, sizeof *t5);
  t5->ctx = ctx;
  t5->config = *config;
  t5->dtype = dtype;
  d = config->d_model;
  inner = t5->inner = config->num_heads * config->d_kv;
  ff = config->d_ff;

  ae_weight_loader l = { .ctx = ctx, .weights = weights, .dtype = dtype, .error = error };
  t5->shared = ae_load_matrix (&l, config->vocab_size, d, "shared.weight");
  t5->position_bias
      = ae_load_weight (&l, AE_F32, 2, (int64_t[]){ config->relative_attention_num_buckets, config->num_heads },
                        "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");
  t5->final_norm = ae_load_weight (&l, AE_F32, 1, (int64_t[]){ d }, "encoder.final_layer_norm.weight");
  t5->blocks = calloc ((size_t) config->num_layers, sizeof *t5->blocks);
  for (int64_t i = 0; i < config->num_layers && !l.failed; i++)
    {
      t5_block *b = &t5->blocks[i];
      long long n = (long long) i;
      b->ln0 = ae_load_weight (&l, AE_F32, 1, (int64_t[]){ d }, "encoder.block.%lld.layer.0.layer_norm.weight", n);
      b->q = ae_load_matrix (&l, inner, d, "encoder.block.%lld.layer.0.SelfAttention.q.weight", n);
      b->k = ae_load_matrix (&l, inner, d, "encoder.block.%lld.layer.0.SelfAttention.k.weight", n);
      b->v = ae_load_matrix (&l, inner, d, "encoder.block.%lld.layer.0.SelfAttention.v.weight", n);
      b->o = ae_load_matrix (&l, d, inner, "encoder.block.%lld.layer.0.SelfAttention.o.weight", n);
      b->ln1 = ae_load_weight (&l, AE_F32, 1, (int64_t[]){ d }, "encoder.block.%lld.layer.1.layer_norm.weight", n);
      b->wi0 = ae_load_matrix (&l, ff, d, "encoder.block.%lld.layer.1.DenseReluDense.wi_0.weight", n);
      b->wi1 = ae_load_matrix (&l, ff, d, "encoder.block.%lld.layer.1.DenseReluDense.wi_1.weight", n);
      b->wo = ae_load_matrix (&l, d, ff, "encoder.block.%lld.layer.1.DenseReluDense.wo.weight", n);
    }
  /* The tied copy of shared.weight is not used (and not stored by the
   * published checkpoints); mark it taken where a file carries it. */
  if (!l.failed && weights != NULL && ae_weights_find (weights, "encoder.embed_tokens.weight") != NULL)
    if (ae_weights_take (weights, "encoder.embed_tokens.weight", 2, (int64_t[]){ config->vocab_size, d }, error)
        == NULL)
      l.failed = true;
  if (l.failed)
    {
      ae_t5_free (t5);
      return NULL;
    }
  ae_tensor *top[] = { t5->shared, t5->position_bias, t5->final_norm };
  t5->weight_bytes = ae_tensors_nbytes (top, AE_N_ELEMENTS (top));
  for (int64_t i = 0; i < config->num_layers; i++)
    t5->weight_bytes += ae_tensors_nbytes ((ae_tensor **) &t5->blocks[i], sizeof (t5_block) / sizeof (ae_tensor *));
  return t5;
}

uint64_t
ae_t5_workspace_bytes (const ae_t5_config *config, ae_dtype dtype, int64_t batch, int64_t length)
{
  const uint64_t rows = (uint64_t) batch * length, es = ae_dtype_size (dtype);
  const uint64_t inner = (uint64_t) config->num_heads * config->d_kv;

  /* ids, bias; h (f32-sized), x; q, k, v, attention; three d_ff hiddens. */
  return rows * 8 + (uint64_t) config->num_heads * (2 * length) * 4 + rows * config->d_model * (4 + es)
         + rows * inner * es * 4 + rows * config->d_ff * es * 3;
}

bool
ae_t5_encode (ae_t5 *t5, ae_stream *s, ae_tensor *out, const int32_t *ids, const int32_t *mask, int64_t batch,
              int64_t length, ae_error *error)
{
  const ae_t5_config *cfg = &t5->config;
  const ae_dtype dt = t5->dtype;
  const int64_t B = batch, L = length, d = cfg->d_model, heads = cfg->num_heads;
  const float eps = (float) cfg->layer_norm_epsilon;
  bool ok;

  if (out->dtype != AE_F32 || out->ndim != 3 || out->shape[0] != B || out->shape[1] != L || out->shape[2] != d)
    {
      ae_set_error (error, AE_ERROR_INVALID, "T5 encode: out must be f32 [%lld, %lld, %lld].", (long long) B,
                    (long long) L, (long long) d);
      return false;
    }
  for (int64_t i = 0; i < B * L; i++)
    if (ids[i] < 0 || ids[i] >= cfg->vocab_size)
      {
        ae_set_error (error, AE_ERROR_INVALID,
                      "T5 encode: token id %d at position %lld is outside the vocabulary "
                      "of %lld.",
                      ids[i], (long long) i, (long long) cfg->vocab_size);
        return false;
      }

  ae_tensor *ids_t = ae_stream_scratch (s, AE_I32, 2, (int64_t[]){ B, L }, "t5.ids", error);
  AE_TRY (ids_t != NULL);
  AE_TRY (ae_tensor_upload (ids_t, ids, (size_t) (B * L) * sizeof (int32_t), error));

  /* Padding keys get finfo(f32).min in the reference, which leaves them out
   * of the softmax entirely: the kernel skips keys at or below its skip bias. */
  float *bias_host = malloc ((size_t) (B * L) * sizeof (float));
  for (int64_t i = 0; i < B * L; i++)
    bias_host[i] = mask[i] ? 0.0f : -FLT_MAX;
  ae_tensor *key_bias = ae_stream_scratch (s, AE_F32, 2, (int64_t[]){ B, L }, "t5.mask_bias", error);
  ok = key_bias != NULL && ae_tensor_upload_f32 (key_bias, bias_host, error);
  free (bias_host);
  AE_TRY (ok);

  ae_tensor *pos_bias = ae_stream_scratch (s, AE_F32, 2, (int64_t[]){ heads, 2 * L - 1 }, "t5.position_bias", error);
  AE_TRY (pos_bias != NULL);
  ae_t5_bias_params bias_params = {
    .num_buckets = (int) cfg->relative_attention_num_buckets,
    .max_distance = (int) cfg->relative_attention_max_distance,
    .bidirectional = true,
  };
  AE_TRY (ae_op_t5_bias (s, pos_bias, t5->position_bias, L, L, &bias_params, error));

  /* The residual stream is f32 whatever the weights are: T5 v1.1's
   * activations outgrow fp16's range, and the norms read f32 well. */
  ae_tensor *h = ae_stream_scratch (s, AE_F32, 3, (int64_t[]){ B, L, d }, "t5.hidden", error);
  ae_tensor *x = ae_stream_scratch (s, dt, 3, (int64_t[]){ B, L, d }, "t5.normed", error);
  ae_tensor *q = ae_stream_scratch (s, dt, 3, (int64_t[]){ B, L, t5->inner }, "t5.q", error);
  ae_tensor *k = ae_stream_scratch (s, dt, 3, (int64_t[]){ B, L, t5->inner }, "t5.k", error);
  ae_tensor *v = ae_stream_scratch (s, dt, 3, (int64_t[]){ B, L, t5->inner }, "t5.v", error);
  ae_tensor *attn = ae_stream_scratch (s, dt, 3, (int64_t[]){ B, L, t5->inner }, "t5.attention", error);
  ae_tensor *y = ae_stream_scratch (s, dt, 3, (int64_t[]){ B, L, d }, "t5.sublayer_out", error);
  ae_tensor *a = ae_stream_scratch (s, dt, 3, (int64_t[]){ B, L, cfg->d_ff }, "t5.ff_gate", error);
  ae_tensor *g = ae_stream_scratch (s, dt, 3, (int64_t[]){ B, L, cfg->d_ff }, "t5.ff_linear", error);
  AE_TRY (h != NULL && x != NULL && q != NULL && k != NULL && v != NULL && attn != NULL && y != NULL && a != NULL
          && g != NULL);
  ae_tensor *y32 = y;
  ae_tensor *h_in_dt = NULL;
  if (dt != AE_F32)
    {
      y32 = ae_stream_scratch (s, AE_F32, 3, (int64_t[]){ B, L, d }, "t5.sublayer_out_f32", error);
      h_in_dt = ae_stream_scratch (s, dt, 3, (int64_t[]){ B, L, d }, "t5.embedded", error);
      AE_TRY (y32 != NULL && h_in_dt != NULL);
    }

  /* h = shared[ids] (no scaling) */
  if (dt == AE_F32)
    AE_TRY (ae_op_embedding (s, h, ids_t, t5->shared, error));
  else
    {
      AE_TRY (ae_op_embedding (s, h_in_dt, ids_t, t5->shared, error));
      AE_TRY (ae_op_copy (s, h, h_in_dt, error));
    }

  ae_tensor qh = ae_heads_view (q, heads), kh = ae_heads_view (k, heads), vh = ae_heads_view (v, heads);
  ae_tensor oh = ae_heads_view (attn, heads);
  ae_attention_params params = { .scale = 1.0f, .key_bias = key_bias, .position_bias = pos_bias };

  for (int64_t i = 0; i < cfg->num_layers; i++)
    {
      const t5_block *b = &t5->blocks[i];

      /* The norm reads the f32 stream and writes the matmuls' dtype. */
      AE_TRY (ae_op_rms_norm (s, x, h, b->ln0, eps, error));
      AE_TRY (ae_op_matmul (s, q, x, b->q, NULL, error));
      AE_TRY (ae_op_matmul (s, k, x, b->k, NULL, error));
      AE_TRY (ae_op_matmul (s, v, x, b->v, NULL, error));
      AE_TRY (ae_op_attention (s, &oh, &qh, &kh, &vh, &params, error));
      AE_TRY (ae_op_matmul (s, y, attn, b->o, NULL, error));
      if (y32 != y)
        AE_TRY (ae_op_copy (s, y32, y, error));
      AE_TRY (ae_op_add (s, h, h, y32, error));

      AE_TRY (ae_op_rms_norm (s, x, h, b->ln1, eps, error));
      AE_TRY (ae_op_matmul (s, a, x, b->wi0, NULL, error));
      AE_TRY (ae_op_matmul (s, g, x, b->wi1, NULL, error));
      AE_TRY (ae_op_gated_gelu (s, a, a, g, error));
      AE_TRY (ae_op_matmul (s, y, a, b->wo, NULL, error));
      if (y32 != y)
        AE_TRY (ae_op_copy (s, y32, y, error));
      AE_TRY (ae_op_add (s, h, h, y32, error));
    }
  return ae_op_rms_norm (s, out, h, t5->final_norm, eps, error);
}
