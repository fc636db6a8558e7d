/* ae-vae.c: AutoencoderKLAllegro's encoder, decoder and tiling (spec 6).
 *
 * Activations live in a small pool of equal buffers reused layer after layer
 * (the stream's barriers order the reuse).  The pool's size and depth come
 * from a dry run of the same code that records nothing and only follows the
 * shapes, so the real run never allocates inside the network. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ae-model-common.h"
#include "ae-vae.h"

#define TEMPORAL_GN_EPS 1e-5f
#define SPATIAL_GN_EPS 1e-6f
#define POOL_SLOTS 8

typedef struct
{
  int64_t cin, cout;
  ae_tensor *norm1_w, *norm1_b, *conv1_w, *conv1_b, *norm2_w, *norm2_b, *conv2_w, *conv2_b, *short_w, *short_b;
} resnet;

typedef enum
{
  TEMPORAL_SAME,
  TEMPORAL_DOWN,
  TEMPORAL_UP,
} temporal_kind;

typedef struct
{
  temporal_kind kind;
  ae_tensor *gn_w[4], *gn_b[4], *conv_w[4], *conv_b[4];
} temporal;

typedef struct
{
  int64_t n_layers;
  resnet *resnets;
  temporal *temps;
  bool has_temporal_sample;
  temporal temporal_sample;       /* temp_convs_down or temp_conv_up */
  ae_tensor *sample_w, *sample_b; /* downsamplers.0.conv or upsamplers.0.conv, or NULL */
} coder_block;

typedef struct
{
  resnet resnets[2];
  temporal temps[2];
  ae_tensor *gn_w, *gn_b, *q_w, *q_b, *k_w, *k_b, *v_w, *v_b, *o_w, *o_b;
} mid_block;

typedef struct
{
  bool decoder;
  ae_tensor *conv_in_w, *conv_in_b, *temp_in_w, *temp_in_b;
  int64_t n_blocks;
  coder_block blocks[AE_VAE_MAX_BLOCKS];
  mid_block mid;
  ae_tensor *norm_out_w, *norm_out_b, *temp_out_w, *temp_out_b, *conv_out_w, *conv_out_b;
} coder;

struct ae_vae
{
  ae_context *ctx;
  ae_vae_config config;
  ae_dtype dtype;
  coder encoder, decoder;
  ae_tensor *quant_w, *quant_b, *post_quant_w, *post_quant_b;
  ae_vae_tiling tiling;
  uint64_t weight_bytes;
};

/* ---- loading ---- */

static void
load_resnet (ae_weight_loader *l, resnet *r, int64_t cin, int64_t cout, const char *prefix)
{
  r->cin = cin;
  r->cout = cout;
  r->norm1_w = ae_load_vector (l, cin, "%s.norm1.weight", prefix);
  r->norm1_b = ae_load_vector (l, cin, "%s.norm1.bias", prefix);
  r->conv1_w = ae_load_weight (l, l->dtype, 4, (int64_t[]){ cout, cin, 3, 3 }, "%s.conv1.weight", prefix);
  r->conv1_b = ae_load_vector (l, cout, "%s.conv1.bias", prefix);
  r->norm2_w = ae_load_vector (l, cout, "%s.norm2.weight", prefix);
  r->norm2_b = ae_load_vector (l, cout, "%s.norm2.bias", prefix);
  r->conv2_w = ae_load_weight (l, l->dtype, 4, (int64_t[]){ cout, cout, 3, 3 }, "%s.conv2.weight", prefix);
  r->conv2_b = ae_load_vector (l, cout, "%s.conv2.bias", prefix);
  if (cin != cout)
    {
      r->short_w = ae_load_weight (l, l->dtype, 4, (int64_t[]){ cout, cin, 1, 1 }, "%s.conv_shortcut.weight", prefix);
      r->short_b = ae_load_vector (l, cout, "%s.conv_shortcut.bias", prefix);
    }
}

static void
load_temporal (ae_weight_loader *l, temporal *t, temporal_kind kind, int64_t c, const char *prefix)
{
  /* Sequential indices: conv1 and conv4 are (GN, SiLU, Conv3d), conv2 and
   * conv3 have a Dropout before the Conv3d. */
  static const int conv_index[4] = { 2, 3, 3, 2 };
  t->kind = kind;
  for (int i = 0; i < 4; i++)
    {
      int64_t shape[5] = { c, c, 3, 1, 1 };
      if (kind != TEMPORAL_SAME)
        shape[3] = shape[4] = 3;
      if (i == 0 && kind == TEMPORAL_DOWN)
        shape[2] = 2;
      if (i == 0 && kind == TEMPORAL_UP)
        {
          shape[0] = 2 * c;
          shape[2] = 1;
        }
      t->gn_w[i] = ae_load_vector (l, c, "%s.conv%d.0.weight", prefix, i + 1);
      t->gn_b[i] = ae_load_vector (l, c, "%s.conv%d.0.bias", prefix, i + 1);
      t->conv_w[i] = ae_load_weight (l, l->dtype, 5, shape, "%s.conv%d.%d.weight", prefix, i + 1, conv_index[i]);
      t->conv_b[i] = ae_load_vector (l, shape[0], "%s.conv%d.%d.bias", prefix, i + 1, conv_index[i]);
    }
}

static void
load_mid (ae_weight_loader *l, mid_block *m, int64_t c, const char *coder_name)
{
  char prefix[128];
  for (int i = 0; i < 2; i++)
    {
      snprintf (prefix, sizeof prefix, "%s.mid_block.resnets.%d", coder_name, i);
      load_resnet (l, &m->resnets[i], c, c, prefix);
      snprintf (prefix, sizeof prefix, "%s.mid_block.temp_convs.%d", coder_name, i);
      load_temporal (l, &m->temps[i], TEMPORAL_SAME, c, prefix);
    }
  snprintf (prefix, sizeof prefix, "%s.mid_block.attentions.0", coder_name);
  m->gn_w = ae_load_vector (l, c, "%s.group_norm.weight", prefix);
  m->gn_b = ae_load_vector (l, c, "%s.group_norm.bias", prefix);
  m->q_w = ae_load_matrix (l, c, c, "%s.to_q.weight", prefix);
  m->q_b = ae_load_vector (l, c, "%s.to_q.bias", prefix);
  m->k_w = ae_load_matrix (l, c, c, "%s.to_k.weight", prefix);
  m->k_b = ae_load_vector (l, c, "%s.to_k.bias", prefix);
  m->v_w = ae_load_matrix (l, c, c, "%s.to_v.weight", prefix);
  m->v_b = ae_load_vector (l, c, "%s.to_v.bias", prefix);
  m->o_w = ae_load_matrix (l, c, c, "%s.to_out.0.weight", prefix);
  m->o_b = ae_load_vector (l, c, "%s.to_out.0.bias", prefix);
}

static void
load_coder (ae_weight_loader *l, coder *cd, const ae_vae_config *cfg, bool decoder)
{
  const char *name = decoder ? "decoder" : "encoder";
  const int64_t nb = cfg->n_blocks;
  int64_t ch[AE_VAE_MAX_BLOCKS];
  char prefix[128];

  cd->decoder = decoder;
  cd->n_blocks = nb;
  for (int64_t i = 0; i < nb; i++)
    ch[i] = decoder ? cfg->block_out_channels[nb - 1 - i] : cfg->block_out_channels[i];

  const int64_t c_io = decoder ? cfg->out_channels : cfg->in_channels;
  const int64_t c_latent = decoder ? cfg->latent_channels : 2 * cfg->latent_channels;
  const int64_t c_first = ch[0], c_last = ch[nb - 1];
  const int64_t c_mid = decoder ? ch[0] : c_last;

  cd->conv_in_w = ae_load_weight (l, l->dtype, 4, (int64_t[]){ c_first, decoder ? c_latent : c_io, 3, 3 },
                                  "%s.conv_in.weight", name);
  cd->conv_in_b = ae_load_vector (l, c_first, "%s.conv_in.bias", name);
  cd->temp_in_w
      = ae_load_weight (l, l->dtype, 5, (int64_t[]){ c_first, c_first, 3, 1, 1 }, "%s.temp_conv_in.weight", name);
  cd->temp_in_b = ae_load_vector (l, c_first, "%s.temp_conv_in.bias", name);

  if (decoder)
    load_mid (l, &cd->mid, c_mid, name);

  int64_t c_prev = c_first;
  for (int64_t i = 0; i < nb; i++)
    {
      coder_block *b = &cd->blocks[i];
      const char *kind = decoder ? "up_blocks" : "down_blocks";
      b->n_layers = cfg->layers_per_block + (decoder ? 1 : 0);
      b->resnets = calloc ((size_t) b->n_layers, sizeof *b->resnets);
      b->temps = calloc ((size_t) b->n_layers, sizeof *b->temps);
      for (int64_t k = 0; k < b->n_layers; k++)
        {
          snprintf (prefix, sizeof prefix, "%s.%s.%lld.resnets.%lld", name, kind, (long long) i, (long long) k);
          load_resnet (l, &b->resnets[k], k == 0 ? c_prev : ch[i], ch[i], prefix);
          snprintf (prefix, sizeof prefix, "%s.%s.%lld.temp_convs.%lld", name, kind, (long long) i, (long long) k);
          load_temporal (l, &b->temps[k], TEMPORAL_SAME, ch[i], prefix);
        }
      bool temporal_sample = decoder ? cfg->temporal_upsample[i] : cfg->temporal_downsample[i];
      if (temporal_sample)
        {
          b->has_temporal_sample = true;
          snprintf (prefix, sizeof prefix, "%s.%s.%lld.%s", name, kind, (long long) i,
                    decoder ? "temp_conv_up" : "temp_convs_down");
          load_temporal (l, &b->temporal_sample, decoder ? TEMPORAL_UP : TEMPORAL_DOWN, ch[i], prefix);
        }
      if (i < nb - 1)
        {
          snprintf (prefix, sizeof prefix, "%s.%s.%lld.%s.0.conv", name, kind, (long long) i,
                    decoder ? "upsamplers" : "downsamplers");
          b->sample_w = ae_load_weight (l, l->dtype, 4, (int64_t[]){ ch[i], ch[i], 3, 3 }, "%s.weight", prefix);
          b->sample_b = ae_load_vector (l, ch[i], "%s.bias", prefix);
        }
      c_prev = ch[i];
    }

  if (!decoder)
    load_mid (l, &cd->mid, c_mid, name);

  cd->norm_out_w = ae_load_vector (l, c_last, "%s.conv_norm_out.weight", name);
  cd->norm_out_b = ae_load_vector (l, c_last, "%s.conv_norm_out.bias", name);
  cd->temp_out_w
      = ae_load_weight (l, l->dtype, 5, (int64_t[]){ c_last, c_last, 3, 1, 1 }, "%s.temp_conv_out.weight", name);
  cd->temp_out_b = ae_load_vector (l, c_last, "%s.temp_conv_out.bias", name);
  cd->conv_out_w = ae_load_weight (l, l->dtype, 4, (int64_t[]){ decoder ? c_io : c_latent, c_last, 3, 3 },
                                   "%s.conv_out.weight", name);
  cd->conv_out_b = ae_load_vector (l, decoder ? c_io : c_latent, "%s.conv_out.bias", name);
}

static uint64_t
free_and_count (ae_tensor **tensors, size_t n, bool do_free)
{
  uint64_t bytes = 0;
  for (size_t i = 0; i < n; i++)
    if (tensors[i] != NULL)
      {
        bytes += ae_tensor_nbytes (tensors[i]);
        if (do_free)
          ae_clear_pointer (&tensors[i], ae_tensor_free);
      }
  return bytes;
}

#define N_TENSORS(s) (sizeof (s) / sizeof (ae_tensor *))

static uint64_t
walk_resnet (resnet *r, bool do_free)
{
  return free_and_count (&r->norm1_w, 10, do_free);
}

static uint64_t
walk_temporal (temporal *t, bool do_free)
{
  return free_and_count (t->gn_w, 16, do_free);
}

static uint64_t
walk_coder (coder *cd, bool do_free)
{
  uint64_t bytes = free_and_count (&cd->conv_in_w, 4, do_free);
  for (int64_t i = 0; i < cd->n_blocks; i++)
    {
      coder_block *b = &cd->blocks[i];
      if (b->resnets != NULL)
        for (int64_t k = 0; k < b->n_layers; k++)
          {
            bytes += walk_resnet (&b->resnets[k], do_free);
            bytes += walk_temporal (&b->temps[k], do_free);
          }
      bytes += walk_temporal (&b->temporal_sample, do_free);
      bytes += free_and_count (&b->sample_w, 2, do_free);
      if (do_free)
        {
          ae_clear_pointer (&b->resnets, free);
          ae_clear_pointer (&b->temps, free);
        }
    }
  for (int i = 0; i < 2; i++)
    {
      bytes += walk_resnet (&cd->mid.resnets[i], do_free);
      bytes += walk_temporal (&cd->mid.temps[i], do_free);
    }
  bytes += free_and_count (&cd->mid.gn_w, 10, do_free);
  bytes += free_and_count (&cd->norm_out_w, 6, do_free);
  return bytes;
}

void
ae_vae_free (ae_vae *vae)
{
  if (vae == NULL)
    return;
  walk_coder (&vae->encoder, true);
  walk_coder (&vae->decoder, true);
  free_and_count (&vae->quant_w, 4, true);
  free (vae);
}

uint64_t
ae_vae_weight_bytes (const ae_vae *vae)
{
  return vae->weight_bytes;
}

ae_vae *
ae_vae_load (ae_context *ctx, const ae_vae_config *config, ae_weights *weights, ae_dtype dtype, ae_error *error)
{
  ae_vae *vae;
  const int64_t lc = config->latent_channels;

  if (dtype != AE_F32 && dtype != AE_F16 && dtype != AE_BF16)
    {
      ae_set_error (error, AE_ERROR_INVALID, "The VAE runs in f32, f16 or bf16, not %s.", ae_dtype_name (dtype));
      return NULL;
    }
  if (config->n_blocks < 1 || config->n_blocks > AE_VAE_MAX_BLOCKS)
    {
      ae_set_error (error, AE_ERROR_INVALID, "The VAE has %lld blocks; 1 to %d are supported.",
                    (long long) config->n_blocks, AE_VAE_MAX_BLOCKS);
      return NULL;
    }
  vae = calloc (1, sizeof *vae);
  vae->ctx = ctx;
  vae->config = *config;
  vae->dtype = dtype;
  ae_weight_loader l = { .ctx = ctx, .weights = weights, .dtype = dtype, .error = error };
  load_coder (&l, &vae->encoder, config, false);
  load_coder (&l, &vae->decoder, config, true);
  vae->quant_w = ae_load_weight (&l, dtype, 4, (int64_t[]){ 2 * lc, 2 * lc, 1, 1 }, "quant_conv.weight");
  vae->quant_b = ae_load_vector (&l, 2 * lc, "quant_conv.bias");
  vae->post_quant_w = ae_load_weight (&l, dtype, 4, (int64_t[]){ lc, lc, 1, 1 }, "post_quant_conv.weight");
  vae->post_quant_b = ae_load_vector (&l, lc, "post_quant_conv.bias");
  if (l.failed)
    {
      ae_vae_free (vae);
      return NULL;
    }
  vae->weight_bytes = walk_coder (&vae->encoder, false) + walk_coder (&vae->decoder, false)
                      + free_and_count (&vae->quant_w, 4, false);
  ae_vae_get_tiling (vae, &vae->tiling);
  return vae;
}

void
ae_vae_get_tiling (const ae_vae *vae, ae_vae_tiling *tiling)
{
  if (vae->tiling.kernel[0] > 0)
    {
      *tiling = vae->tiling;
      return;
    }
  /* The reference hard-codes overlaps of 120 and 80 pixels for its 320-pixel
   * tiles; other sample sizes (the demo model's) keep those proportions, in
   * whole latents. */
  const int64_t s = vae->config.sample_size;
  int64_t overlap_h = AE_MAX (8, (120 * s / 320) / 8 * 8), overlap_w = AE_MAX (8, (80 * s / 320) / 8 * 8);
  if (overlap_h >= s)
    overlap_h = AE_MAX (s - 8, 0);
  if (overlap_w >= s)
    overlap_w = AE_MAX (s - 8, 0);
  *tiling = (ae_vae_tiling){
    .kernel = { 24, s, s },
    .stride = { 16, s - overlap_h, s - overlap_w },
  };
}

void
ae_vae_set_tiling (ae_vae *vae, const ae_vae_tiling *tiling)
{
  vae->tiling = *tiling;
}

/* ---- the activation pool and the dry run ---- */

typedef struct
{
  ae_stream *s;
  bool dry;
  ae_dtype dtype;
  ae_error *error;
  int64_t capacity[POOL_SLOTS]; /* elements per slot */
  ae_tensor *slots[POOL_SLOTS];
  bool used[POOL_SLOTS];
  ae_tensor *workspace; /* the group norm's */
  /* What the dry run learns: each slot's largest use (the real run makes
   * the same choices, so each slot gets exactly what it needs). */
  int64_t slot_max[POOL_SLOTS];
  int64_t max_elements;
  int max_slots;
  int64_t max_workspace;
} run;

typedef struct
{
  int slot; /* -1: not from the pool */
  ae_tensor t;
} act;

/* Records an op unless this is the dry run. */
#define OP(r, call) AE_TRY ((r)->dry || (call))

static int64_t
numel_of (int ndim, const int64_t *shape)
{
  int64_t n = 1;
  for (int i = 0; i < ndim; i++)
    n *= shape[i];
  return n;
}

static bool
acquire (run *r, act *out, int ndim, const int64_t *shape)
{
  const int64_t n = numel_of (ndim, shape);
  int slot = -1, in_use = 0;

  for (int i = 0; i < POOL_SLOTS; i++)
    {
      if (r->used[i])
        in_use++;
      else if (slot < 0)
        slot = i;
    }
  if (slot < 0)
    {
      ae_set_error (r->error, AE_ERROR_INVALID, "VAE: more than %d activations alive at once.", POOL_SLOTS);
      return false;
    }
  r->used[slot] = true;
  out->slot = slot;
  if (r->dry)
    {
      memset (&out->t, 0, sizeof out->t);
      out->t.dtype = r->dtype;
      out->t.ndim = ndim;
      memcpy (out->t.shape, shape, (size_t) ndim * sizeof (int64_t));
      r->max_elements = AE_MAX (r->max_elements, n);
      r->slot_max[slot] = AE_MAX (r->slot_max[slot], n);
      r->max_slots = AE_MAX (r->max_slots, slot + 1);
      return true;
    }
  if (r->slots[slot] == NULL || n > r->capacity[slot])
    {
      ae_set_error (r->error, AE_ERROR_INVALID, "VAE: an activation of %lld elements outgrows the pool's %lld.",
                    (long long) n, (long long) r->capacity[slot]);
      return false;
    }
  out->t = ae_reshape (r->slots[slot], ndim, shape);
  return true;
}

static void
release (run *r, act *a)
{
  if (a->slot >= 0)
    r->used[a->slot] = false;
  a->slot = -1;
}

static bool
group_norm (run *r, ae_tensor *out, const ae_tensor *x, const ae_tensor *w, const ae_tensor *b, int64_t groups,
            float eps, bool per_frame, bool silu)
{
  ae_group_norm_params p = { .groups = groups, .eps = eps, .per_frame = per_frame, .silu = silu };
  int64_t need = ae_group_norm_workspace_numel (x->ndim, x->shape, &p);
  if (r->dry)
    {
      r->max_workspace = AE_MAX (r->max_workspace, need);
      return true;
    }
  if (need <= 0 || need > ae_tensor_numel (r->workspace))
    {
      ae_set_error (r->error, AE_ERROR_INVALID, "VAE: the group norm's workspace is too small.");
      return false;
    }
  return ae_op_group_norm (r->s, out, x, w, b, r->workspace, &p, r->error);
}

/* Frames [first, first + n) of a [1, C, T, H, W] tensor. */
static ae_tensor
frames_view (const ae_tensor *t, int64_t first, int64_t n)
{
  const int64_t C = t->shape[1], T = t->shape[2], H = t->shape[3], W = t->shape[4];
  return ae_view (t, first * H * W, 5, (int64_t[]){ 1, C, n, H, W },
                  (int64_t[]){ C * T * H * W, T * H * W, H * W, W, 1 });
}

/* cat (x[:, :, :1], x, x[:, :, -1:]) along time: the reference pads before
 * its group norm, so the norm's statistics count the edge frames twice. */
static bool
pad_time (run *r, act *out, const act *x)
{
  const ae_tensor *t = &x->t;
  const int64_t T = t->shape[2];
  AE_TRY (acquire (r, out, 5, (int64_t[]){ 1, t->shape[1], T + 2, t->shape[3], t->shape[4] }));
  if (r->dry)
    return true;
  ae_tensor middle = frames_view (&out->t, 1, T), head = frames_view (&out->t, 0, 1);
  ae_tensor tail = frames_view (&out->t, T + 1, 1);
  ae_tensor first = frames_view (t, 0, 1), last = frames_view (t, T - 1, 1);
  AE_TRY (ae_op_copy (r->s, &middle, t, r->error));
  AE_TRY (ae_op_copy (r->s, &head, &first, r->error));
  return ae_op_copy (r->s, &tail, &last, r->error);
}

static bool
conv (run *r, act *out, const act *x, const ae_tensor *w, const ae_tensor *b, int64_t cout, const ae_conv_params *p,
      bool three_d)
{
  int64_t shape[5] = { 1, cout, x->t.shape[2], x->t.shape[3], x->t.shape[4] };
  for (int axis = three_d ? 0 : 1; axis < 3; axis++)
    {
      int k = (int) (three_d ? w->shape[2 + axis] : w->shape[1 + axis]);
      int64_t in = shape[2 + axis] * (p->upsample2x && axis > 0 ? 2 : 1);
      shape[2 + axis]
          = ae_conv_output_size (in, k, p->stride[axis] ? p->stride[axis] : 1, p->pad_begin[axis], p->pad_end[axis]);
    }
  AE_TRY (acquire (r, out, 5, shape));
  if (three_d)
    OP (r, ae_op_conv3d (r->s, &out->t, &x->t, w, b, p, r->error));
  else
    OP (r, ae_op_conv2d (r->s, &out->t, &x->t, w, b, p, r->error));
  return true;
}

static const ae_conv_params conv3x3 = { .pad_begin = { 0, 1, 1 }, .pad_end = { 0, 1, 1 } };
static const ae_conv_params conv1x1 = { 0 };

/* ResnetBlock2D per frame: conv2 (SiLU (GN2 (conv1 (SiLU (GN1 (x)))))) + shortcut (x). */
static bool
resnet_forward (run *r, const resnet *p, int64_t groups, act *x)
{
  act h, h2, sc;
  AE_TRY (acquire (r, &h, 5, x->t.shape));
  AE_TRY (group_norm (r, &h.t, &x->t, p->norm1_w, p->norm1_b, groups, SPATIAL_GN_EPS, true, true));
  AE_TRY (conv (r, &h2, &h, p->conv1_w, p->conv1_b, p->cout, &conv3x3, false));
  release (r, &h);
  AE_TRY (group_norm (r, &h2.t, &h2.t, p->norm2_w, p->norm2_b, groups, SPATIAL_GN_EPS, true, true));
  AE_TRY (conv (r, &h, &h2, p->conv2_w, p->conv2_b, p->cout, &conv3x3, false));
  release (r, &h2);
  if (p->short_w != NULL)
    {
      AE_TRY (conv (r, &sc, x, p->short_w, p->short_b, p->cout, &conv1x1, false));
      OP (r, ae_op_add (r->s, &h.t, &h.t, &sc.t, r->error));
      release (r, &sc);
    }
  else
    OP (r, ae_op_add (r->s, &h.t, &h.t, &x->t, r->error));
  release (r, x);
  *x = h;
  return true;
}

/* GN + SiLU over all frames, then the conv (no temporal padding of its own). */
static bool
temporal_conv (run *r, act *out, act *x, const temporal *p, int i, int64_t groups, int64_t cout,
               const ae_conv_params *cp)
{
  AE_TRY (group_norm (r, &x->t, &x->t, p->gn_w[i], p->gn_b[i], groups, TEMPORAL_GN_EPS, false, true));
  return conv (r, out, x, p->conv_w[i], p->conv_b[i], cout, cp, true);
}

/* AllegroTemporalConvBlock (spec 6.3): the same, down (T / 2) and up (2 T) variants. */
static bool
temporal_forward (run *r, const temporal *p, int64_t groups, act *x)
{
  const int64_t C = x->t.shape[1], T = x->t.shape[2], H = x->t.shape[3], W = x->t.shape[4];
  static const ae_conv_params k311 = { 0 };
  static const ae_conv_params k333 = { .pad_begin = { 0, 1, 1 }, .pad_end = { 0, 1, 1 } };
  static const ae_conv_params down = { .stride = { 2, 1, 1 }, .pad_begin = { 0, 1, 1 }, .pad_end = { 0, 1, 1 } };
  const ae_conv_params *later = p->kind == TEMPORAL_SAME ? &k311 : &k333;
  act h, h2, identity;

  /* conv1 */
  if (p->kind == TEMPORAL_SAME)
    {
      AE_TRY (pad_time (r, &h, x));
      AE_TRY (temporal_conv (r, &h2, &h, p, 0, groups, C, &k311));
      release (r, &h);
    }
  else
    {
      AE_TRY (acquire (r, &h, 5, x->t.shape));
      OP (r, ae_op_copy (r->s, &h.t, &x->t, r->error));
      if (p->kind == TEMPORAL_DOWN)
        {
          if (T % 2 != 0)
            {
              ae_set_error (r->error, AE_ERROR_INVALID,
                            "VAE: temporal downsampling needs an even frame count, "
                            "not %lld.",
                            (long long) T);
              return false;
            }
          AE_TRY (temporal_conv (r, &h2, &h, p, 0, groups, C, &down));
          release (r, &h);
        }
      else
        {
          act raw;
          AE_TRY (temporal_conv (r, &raw, &h, p, 0, groups, 2 * C, &k333));
          release (r, &h);
          /* [1, 2C, T, H, W] -> [1, C, 2T, H, W]: channel block j becomes frame 2t + j. */
          AE_TRY (acquire (r, &h2, 5, (int64_t[]){ 1, C, 2 * T, H, W }));
          if (!r->dry)
            for (int j = 0; j < 2; j++)
              {
                ae_tensor src = ae_view (&raw.t, j * C * T * H * W, 5, (int64_t[]){ 1, C, T, H, W },
                                         (int64_t[]){ 2 * C * T * H * W, T * H * W, H * W, W, 1 });
                ae_tensor dst = ae_view (&h2.t, j * H * W, 5, (int64_t[]){ 1, C, T, H, W },
                                         (int64_t[]){ 2 * C * T * H * W, 2 * T * H * W, 2 * H * W, W, 1 });
                AE_TRY (ae_op_copy (r->s, &dst, &src, r->error));
              }
          release (r, &raw);
        }
    }
  /* conv2 .. conv4, each after a replicate pad */
  for (int i = 1; i < 4; i++)
    {
      AE_TRY (pad_time (r, &h, &h2));
      release (r, &h2);
      AE_TRY (temporal_conv (r, &h2, &h, p, i, groups, C, later));
      release (r, &h);
    }
  /* identity: x, x[:, :, ::2] or frames repeated */
  if (p->kind == TEMPORAL_SAME)
    OP (r, ae_op_add (r->s, &h2.t, &h2.t, &x->t, r->error));
  else
    {
      const int64_t T2 = h2.t.shape[2];
      AE_TRY (acquire (r, &identity, 5, h2.t.shape));
      if (!r->dry)
        {
          if (p->kind == TEMPORAL_DOWN)
            {
              ae_tensor src = ae_view (&x->t, 0, 5, (int64_t[]){ 1, C, T2, H, W },
                                       (int64_t[]){ C * T * H * W, T * H * W, 2 * H * W, W, 1 });
              AE_TRY (ae_op_copy (r->s, &identity.t, &src, r->error));
            }
          else
            /* Frame 2t + j of the identity is frame t of x: two strided copies. */
            for (int j = 0; j < 2; j++)
              {
                ae_tensor dst = ae_view (&identity.t, j * H * W, 5, (int64_t[]){ 1, C, T, H, W },
                                         (int64_t[]){ C * T2 * H * W, T2 * H * W, 2 * H * W, W, 1 });
                AE_TRY (ae_op_copy (r->s, &dst, &x->t, r->error));
              }
          AE_TRY (ae_op_add (r->s, &h2.t, &h2.t, &identity.t, r->error));
        }
      release (r, &identity);
    }
  release (r, x);
  *x = h2;
  return true;
}

/* The mid block's attention: per frame, 1 head over the H x W pixels with
 * dim C (larger than the flash kernel's registers hold, and few tokens), so
 * the scores are materialised: GN, q k v, softmax (q k^T / sqrt C) v, out
 * projection, residual. */
static bool
mid_attention (run *r, const mid_block *m, int64_t groups, act *x)
{
  const int64_t C = x->t.shape[1], T = x->t.shape[2], H = x->t.shape[3], W = x->t.shape[4], HW = H * W;
  act g, tokens, q, k, v, scores, probs, vt, o, o2, back;
  const int to_tokens[4] = { 0, 2, 3, 1 }, to_video[4] = { 0, 3, 1, 2 }, transpose[3] = { 0, 2, 1 };

  AE_TRY (acquire (r, &g, 5, x->t.shape));
  AE_TRY (group_norm (r, &g.t, &x->t, m->gn_w, m->gn_b, groups, SPATIAL_GN_EPS, true, false));
  AE_TRY (acquire (r, &tokens, 3, (int64_t[]){ T, HW, C }));
  if (!r->dry)
    {
      ae_tensor in4 = ae_reshape (&g.t, 4, (int64_t[]){ 1, C, T, HW });
      ae_tensor out4 = ae_reshape (&tokens.t, 4, (int64_t[]){ 1, T, HW, C });
      AE_TRY (ae_op_permute (r->s, &out4, &in4, to_tokens, r->error));
    }
  release (r, &g);
  AE_TRY (acquire (r, &q, 3, (int64_t[]){ T, HW, C }));
  AE_TRY (acquire (r, &k, 3, (int64_t[]){ T, HW, C }));
  AE_TRY (acquire (r, &v, 3, (int64_t[]){ T, HW, C }));
  OP (r, ae_op_matmul (r->s, &q.t, &tokens.t, m->q_w, m->q_b, r->error));
  OP (r, ae_op_matmul (r->s, &k.t, &tokens.t, m->k_w, m->k_b, r->error));
  OP (r, ae_op_matmul (r->s, &v.t, &tokens.t, m->v_w, m->v_b, r->error));
  release (r, &tokens);
  AE_TRY (acquire (r, &scores, 3, (int64_t[]){ T, HW, HW }));
  OP (r, ae_op_matmul (r->s, &scores.t, &q.t, &k.t, NULL, r->error));
  OP (r, ae_op_scale_shift (r->s, &scores.t, &scores.t, (float) (1.0 / sqrt ((double) C)), 0.0f, r->error));
  release (r, &q);
  release (r, &k);
  AE_TRY (acquire (r, &probs, 3, (int64_t[]){ T, HW, HW }));
  OP (r, ae_op_softmax (r->s, &probs.t, &scores.t, r->error));
  release (r, &scores);
  AE_TRY (acquire (r, &vt, 3, (int64_t[]){ T, C, HW }));
  OP (r, ae_op_permute (r->s, &vt.t, &v.t, transpose, r->error));
  release (r, &v);
  AE_TRY (acquire (r, &o, 3, (int64_t[]){ T, HW, C }));
  OP (r, ae_op_matmul (r->s, &o.t, &probs.t, &vt.t, NULL, r->error));
  release (r, &probs);
  release (r, &vt);
  AE_TRY (acquire (r, &o2, 3, (int64_t[]){ T, HW, C }));
  OP (r, ae_op_matmul (r->s, &o2.t, &o.t, m->o_w, m->o_b, r->error));
  release (r, &o);
  AE_TRY (acquire (r, &back, 5, x->t.shape));
  if (!r->dry)
    {
      ae_tensor in4 = ae_reshape (&o2.t, 4, (int64_t[]){ 1, T, HW, C });
      ae_tensor out4 = ae_reshape (&back.t, 4, (int64_t[]){ 1, C, T, HW });
      AE_TRY (ae_op_permute (r->s, &out4, &in4, to_video, r->error));
      AE_TRY (ae_op_add (r->s, &back.t, &back.t, &x->t, r->error));
    }
  release (r, &o2);
  release (r, x);
  *x = back;
  return true;
}

static bool
mid_forward (run *r, const mid_block *m, int64_t groups, act *x)
{
  AE_TRY (resnet_forward (r, &m->resnets[0], groups, x));
  AE_TRY (temporal_forward (r, &m->temps[0], groups, x));
  AE_TRY (mid_attention (r, m, groups, x));
  AE_TRY (resnet_forward (r, &m->resnets[1], groups, x));
  return temporal_forward (r, &m->temps[1], groups, x);
}

/* x + Conv3d (3, 1, 1) with zero temporal padding: temp_conv_in / temp_conv_out. */
static bool
temporal_residual (run *r, act *x, const ae_tensor *w, const ae_tensor *b)
{
  static const ae_conv_params k311_zero = { .pad_begin = { 1, 0, 0 }, .pad_end = { 1, 0, 0 } };
  act h;
  AE_TRY (conv (r, &h, x, w, b, x->t.shape[1], &k311_zero, true));
  OP (r, ae_op_add (r->s, &h.t, &h.t, &x->t, r->error));
  release (r, x);
  *x = h;
  return true;
}

/* The encoder or decoder core on a pool activation; the result replaces x. */
static bool
coder_forward (run *r, const ae_vae *vae, const coder *cd, act *x)
{
  const int64_t groups = vae->config.norm_num_groups;
  static const ae_conv_params up = { .pad_begin = { 0, 1, 1 }, .pad_end = { 0, 1, 1 }, .upsample2x = true };
  static const ae_conv_params downsample = { .stride = { 0, 2, 2 }, .pad_end = { 0, 1, 1 } };
  act h;

  AE_TRY (conv (r, &h, x, cd->conv_in_w, cd->conv_in_b, cd->conv_in_w->shape[0], &conv3x3, false));
  release (r, x);
  *x = h;
  AE_TRY (temporal_residual (r, x, cd->temp_in_w, cd->temp_in_b));
  if (cd->decoder)
    AE_TRY (mid_forward (r, &cd->mid, groups, x));
  for (int64_t i = 0; i < cd->n_blocks; i++)
    {
      const coder_block *b = &cd->blocks[i];
      for (int64_t k = 0; k < b->n_layers; k++)
        {
          AE_TRY (resnet_forward (r, &b->resnets[k], groups, x));
          AE_TRY (temporal_forward (r, &b->temps[k], groups, x));
        }
      if (b->has_temporal_sample)
        AE_TRY (temporal_forward (r, &b->temporal_sample, groups, x));
      if (b->sample_w != NULL)
        {
          AE_TRY (
              conv (r, &h, x, b->sample_w, b->sample_b, b->sample_w->shape[0], cd->decoder ? &up : &downsample, false));
          release (r, x);
          *x = h;
        }
    }
  if (!cd->decoder)
    AE_TRY (mid_forward (r, &cd->mid, groups, x));
  AE_TRY (group_norm (r, &x->t, &x->t, cd->norm_out_w, cd->norm_out_b, groups, SPATIAL_GN_EPS, true, true));
  AE_TRY (temporal_residual (r, x, cd->temp_out_w, cd->temp_out_b));
  AE_TRY (conv (r, &h, x, cd->conv_out_w, cd->conv_out_b, cd->conv_out_w->shape[0], &conv3x3, false));
  release (r, x);
  *x = h;
  return true;
}

/* Runs a core on input (f32) into output (f32) with a pool sized by a dry
 * run; pool tensors are stream scratch (freed at the next finish). */
static bool
run_core (ae_vae *vae, ae_stream *s, const coder *cd, ae_tensor *output, const ae_tensor *input, ae_error *error)
{
  run dry = { .s = s, .dry = true, .dtype = vae->dtype, .error = error };
  act x = { .slot = -1 };
  char buf[64], want[64];

  /* Dry run: shapes only. */
  AE_TRY (acquire (&dry, &x, 5, input->shape));
  AE_TRY (coder_forward (&dry, vae, cd, &x));
  if (x.t.ndim != output->ndim || memcmp (x.t.shape, output->shape, 5 * sizeof (int64_t)) != 0)
    {
      snprintf (want, sizeof want, "[%lld, %lld, %lld, %lld, %lld]", (long long) x.t.shape[0], (long long) x.t.shape[1],
                (long long) x.t.shape[2], (long long) x.t.shape[3], (long long) x.t.shape[4]);
      ae_set_error (error, AE_ERROR_INVALID, "VAE %s: the output for this input is %s, not %s.",
                    cd->decoder ? "decoder" : "encoder", want, ae_tensor_describe (output, buf, sizeof buf));
      return false;
    }

  run r = { .s = s, .dtype = vae->dtype, .error = error };
  for (int i = 0; i < dry.max_slots; i++)
    {
      r.capacity[i] = AE_MAX (dry.slot_max[i], 1);
      r.slots[i] = ae_stream_scratch (s, vae->dtype, 1, (int64_t[]){ r.capacity[i] }, "vae.activation", error);
      AE_TRY (r.slots[i] != NULL);
    }
  r.workspace
      = ae_stream_scratch (s, AE_F32, 1, (int64_t[]){ AE_MAX (dry.max_workspace, 1) }, "vae.gn_workspace", error);
  AE_TRY (r.workspace != NULL);
  AE_TRY (acquire (&r, &x, 5, input->shape));
  AE_TRY (ae_op_copy (s, &x.t, input, error));
  AE_TRY (coder_forward (&r, vae, cd, &x));
  return ae_op_copy (s, output, &x.t, error);
}

static bool
check_video (const char *what, const ae_tensor *t, ae_error *error)
{
  char buf[64];
  if (t->ndim != 5 || t->dtype != AE_F32 || t->shape[0] != 1 || !ae_tensor_is_contiguous (t))
    {
      ae_set_error (error, AE_ERROR_INVALID, "VAE: %s must be a contiguous f32 [1, C, T, H, W], not %s.", what,
                    ae_tensor_describe (t, buf, sizeof buf));
      return false;
    }
  return true;
}

bool
ae_vae_decoder_core (ae_vae *vae, ae_stream *s, ae_tensor *video, const ae_tensor *z, ae_error *error)
{
  AE_TRY (check_video ("the latent", z, error) && check_video ("the video", video, error));
  return run_core (vae, s, &vae->decoder, video, z, error);
}

bool
ae_vae_encoder_core (ae_vae *vae, ae_stream *s, ae_tensor *h, const ae_tensor *video, ae_error *error)
{
  AE_TRY (check_video ("the video", video, error) && check_video ("the latent", h, error));
  return run_core (vae, s, &vae->encoder, h, video, error);
}

/* ---- tiling ---- */

typedef struct
{
  int64_t start;  /* in the input's units */
  int64_t length; /* in the input's units */
  bool extra;     /* fills only what the reference's tiles miss */
} tile;

/* The tiles along one axis of `size` input units with the reference's
 * kernel and stride (input units); returns the count (at most max). */
static int
axis_tiles (tile *tiles, int max, int64_t size, int64_t kernel, int64_t stride, bool reference_only)
{
  int n = 0;
  if (size < kernel && reference_only)
    return 0;
  if (size <= kernel)
    {
      tiles[0] = (tile){ 0, size, false };
      return 1;
    }
  int64_t count = (size - kernel) / stride + 1;
  for (int64_t i = 0; i < count && n < max - 1; i++)
    tiles[n++] = (tile){ i * stride, kernel, false };
  int64_t covered = (count - 1) * stride + kernel;
  if (covered < size && !reference_only)
    tiles[n++] = (tile){ size - kernel, kernel, true };
  return n;
}

/* Blend weights along one axis for tile `index` of `tiles` (output units,
 * `scale` output units per input unit, reference overlap `overlap` in output
 * units): the reference's ramps on its own tiles; an extra tile weighs 1
 * exactly where no reference tile reaches and 0 elsewhere. */
static void
axis_weights (float *w, const tile *tiles, int n, int index, int64_t scale, int64_t overlap, bool blend)
{
  const tile *t = &tiles[index];
  const int64_t len = t->length * scale, start = t->start * scale;
  int n_ref = 0;
  int64_t covered = 0;

  for (int i = 0; i < n; i++)
    if (!tiles[i].extra)
      {
        n_ref++;
        covered = AE_MAX (covered, (tiles[i].start + tiles[i].length) * scale);
      }
  for (int64_t k = 0; k < len; k++)
    {
      if (t->extra)
        {
          w[k] = start + k >= covered ? 1.0f : 0.0f;
          continue;
        }
      float v = 1.0f;
      if (blend && overlap > 0)
        {
          if (index > 0 && k < overlap)
            v *= (float) k / (float) overlap;
          if (index < n_ref - 1 && k >= len - overlap)
            v *= 1.0f - (float) (k - (len - overlap)) / (float) overlap;
        }
      w[k] = v;
    }
}

#define MAX_TILES 256

typedef struct
{
  tile tiles[3][MAX_TILES];
  int n[3];
} tile_grid;

/* Blends `piece` (f32 [1, C, t, h, w]) into `out` at (ot, oh, ow) with the
 * separable weights: out[region] += piece * weights. */
static bool
blend_tile (ae_stream *s, ae_tensor *out, const ae_tensor *piece, const float *wt, const float *wh, const float *ww,
            int64_t ot, int64_t oh, int64_t ow, ae_error *error)
{
  const int64_t C = piece->shape[1], t = piece->shape[2], h = piece->shape[3], w = piece->shape[4];
  const int64_t T = out->shape[2], H = out->shape[3], W = out->shape[4];
  float *weights = malloc ((size_t) (t * h * w) * sizeof (float));
  for (int64_t a = 0; a < t; a++)
    for (int64_t b = 0; b < h; b++)
      for (int64_t c = 0; c < w; c++)
        weights[(a * h + b) * w + c] = wt[a] * wh[b] * ww[c];
  ae_tensor *wtensor = ae_stream_scratch (s, AE_F32, 3, (int64_t[]){ t, h, w }, "vae.blend_weights", error);
  ae_tensor *weighted = ae_stream_scratch (s, AE_F32, 5, piece->shape, "vae.blend_weighted", error);
  ae_tensor *region = ae_stream_scratch (s, AE_F32, 5, piece->shape, "vae.blend_region", error);
  bool ok = wtensor != NULL && weighted != NULL && region != NULL && ae_tensor_upload_f32 (wtensor, weights, error);
  free (weights);
  AE_TRY (ok);
  ae_tensor view = ae_view (out, (ot * H + oh) * W + ow, 5, (int64_t[]){ 1, C, t, h, w },
                            (int64_t[]){ C * T * H * W, T * H * W, H * W, W, 1 });
  AE_TRY (ae_op_mul (s, weighted, piece, wtensor, error));
  AE_TRY (ae_op_copy (s, region, &view, error));
  AE_TRY (ae_op_add (s, region, region, weighted, error));
  return ae_op_copy (s, &view, region, error);
}

/* Fills t (contiguous) with zeros: freshly allocated memory may hold NaN
 * patterns, which x * 0 would keep. */
static bool
zero_tensor (ae_stream *s, ae_tensor *t, ae_error *error)
{
  const int64_t n = ae_tensor_numel (t), chunk = AE_MIN (n, (int64_t) 1 << 22);
  const size_t es = ae_dtype_size (t->dtype);
  void *zeros = calloc ((size_t) chunk, es);
  bool ok = ae_stream_finish (s, error);
  for (int64_t done = 0; ok && done < n; done += chunk)
    {
      const int64_t len = AE_MIN (chunk, n - done);
      ae_tensor part = ae_view (t, done, 1, (int64_t[]){ len }, (int64_t[]){ 1 });
      ok = ae_tensor_upload (&part, zeros, (size_t) len * es, error);
    }
  free (zeros);
  return ok;
}

/* A 1x1 conv per frame over the whole of a [1, C, T, H, W] tensor. */
static bool
pointwise (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *w, const ae_tensor *b, ae_error *error)
{
  return ae_op_conv2d (s, out, x, w, b, &conv1x1, error);
}

bool
ae_vae_decode (ae_vae *vae, ae_stream *s, ae_tensor *video, const ae_tensor *z, ae_error *error)
{
  ae_vae_tiling tiling;
  tile_grid grid;
  const int64_t scale[3] = { vae->config.temporal_compression_ratio, 8, 8 };
  char buf[64];

  AE_TRY (check_video ("the latent", z, error) && check_video ("the video", video, error));
  const int64_t T = z->shape[2], H = z->shape[3], W = z->shape[4];
  const int64_t size[3] = { T, H, W };
  if (video->shape[1] != vae->config.out_channels || video->shape[2] != T * scale[0] || video->shape[3] != H * 8
      || video->shape[4] != W * 8 || z->shape[1] != vae->config.latent_channels)
    {
      ae_set_error (error, AE_ERROR_INVALID, "VAE decode: the video %s must be [1, %lld, %lld, %lld, %lld].",
                    ae_tensor_describe (video, buf, sizeof buf), (long long) vae->config.out_channels,
                    (long long) (T * scale[0]), (long long) (H * 8), (long long) (W * 8));
      return false;
    }
  ae_vae_get_tiling (vae, &tiling);
  for (int a = 0; a < 3; a++)
    {
      const int64_t k = tiling.kernel[a] / scale[a], st = tiling.stride[a] / scale[a];
      if (k < 1 || st < 1)
        {
          ae_set_error (error, AE_ERROR_INVALID, "VAE decode: tile kernel and stride must span whole latents.");
          return false;
        }
      grid.n[a] = axis_tiles (grid.tiles[a], MAX_TILES, size[a], k, st, tiling.reference_only);
    }

  /* post_quant_conv over the whole latent (kept past the per-tile
   * finishes), then the tiles. */
  AE_TRY (zero_tensor (s, video, error));
  ae_tensor *kept = ae_tensor_new (vae->ctx, AE_F32, 5, z->shape, "vae.post_quant", error);
  AE_TRY (kept != NULL);
  bool ok;
  if (vae->dtype == AE_F32)
    ok = pointwise (s, kept, z, vae->post_quant_w, vae->post_quant_b, error);
  else
    {
      ae_tensor *zc = ae_stream_scratch (s, vae->dtype, 5, z->shape, "vae.z", error);
      ae_tensor *pc = ae_stream_scratch (s, vae->dtype, 5, z->shape, "vae.post_quant_dt", error);
      ok = zc != NULL && pc != NULL && ae_op_copy (s, zc, z, error)
           && pointwise (s, pc, zc, vae->post_quant_w, vae->post_quant_b, error) && ae_op_copy (s, kept, pc, error);
    }
  ok = ok && ae_stream_finish (s, error);

  const int64_t overlap[3] = { tiling.kernel[0] - tiling.stride[0], tiling.kernel[1] - tiling.stride[1],
                               tiling.kernel[2] - tiling.stride[2] };
  float *wt = malloc ((size_t) (tiling.kernel[0] + size[0] * scale[0]) * sizeof (float));
  float *wh = malloc ((size_t) (tiling.kernel[1] + size[1] * 8) * sizeof (float));
  float *ww = malloc ((size_t) (tiling.kernel[2] + size[2] * 8) * sizeof (float));
  for (int i = 0; ok && i < grid.n[0]; i++)
    for (int j = 0; ok && j < grid.n[1]; j++)
      for (int k = 0; ok && k < grid.n[2]; k++)
        {
          const tile *ti = &grid.tiles[0][i], *tj = &grid.tiles[1][j], *tk = &grid.tiles[2][k];
          ae_tensor in = ae_view (kept, (ti->start * H + tj->start) * W + tk->start, 5,
                                  (int64_t[]){ 1, z->shape[1], ti->length, tj->length, tk->length },
                                  (int64_t[]){ z->shape[1] * T * H * W, T * H * W, H * W, W, 1 });
          ae_tensor *piece_in = ae_stream_scratch (s, AE_F32, 5, in.shape, "vae.tile_latent", error);
          ae_tensor *piece = ae_stream_scratch (
              s, AE_F32, 5, (int64_t[]){ 1, video->shape[1], ti->length * scale[0], tj->length * 8, tk->length * 8 },
              "vae.tile", error);
          ok = piece_in != NULL && piece != NULL && ae_op_copy (s, piece_in, &in, error)
               && run_core (vae, s, &vae->decoder, piece, piece_in, error);
          if (!ok)
            break;
          axis_weights (wt, grid.tiles[0], grid.n[0], i, scale[0], overlap[0], true);
          axis_weights (wh, grid.tiles[1], grid.n[1], j, 8, overlap[1], true);
          axis_weights (ww, grid.tiles[2], grid.n[2], k, 8, overlap[2], true);
          ok = blend_tile (s, video, piece, wt, wh, ww, ti->start * scale[0], tj->start * 8, tk->start * 8, error)
               && ae_stream_finish (s, error);
        }
  free (wt);
  free (wh);
  free (ww);
  ae_tensor_free (kept);
  return ok;
}

bool
ae_vae_encode (ae_vae *vae, ae_stream *s, ae_tensor *moments, const ae_tensor *video, ae_error *error)
{
  ae_vae_tiling tiling;
  tile_grid grid;
  const int64_t scale[3] = { vae->config.temporal_compression_ratio, 8, 8 };
  const int64_t lc2 = 2 * vae->config.latent_channels;
  char buf[64];

  AE_TRY (check_video ("the video", video, error) && check_video ("the moments", moments, error));
  const int64_t F = video->shape[2], H = video->shape[3], W = video->shape[4];
  const int64_t size[3] = { F, H, W };
  const int64_t T = F / scale[0], h = H / 8, w = W / 8;
  if (F % scale[0] != 0 || H % 8 != 0 || W % 8 != 0 || video->shape[1] != vae->config.in_channels
      || moments->shape[1] != lc2 || moments->shape[2] != T || moments->shape[3] != h || moments->shape[4] != w)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "VAE encode: the video %s needs frames a multiple of %lld and sides of 8, and moments "
                    "[1, %lld, %lld, %lld, %lld].",
                    ae_tensor_describe (video, buf, sizeof buf), (long long) scale[0], (long long) lc2, (long long) T,
                    (long long) h, (long long) w);
      return false;
    }
  ae_vae_get_tiling (vae, &tiling);
  for (int a = 0; a < 3; a++)
    {
      /* Tiles in pixels, starting on latent boundaries. */
      const int64_t k = tiling.kernel[a], st = tiling.stride[a];
      grid.n[a] = axis_tiles (grid.tiles[a], MAX_TILES, size[a] / scale[a], k / scale[a], st / scale[a],
                              tiling.reference_only);
    }
  ae_tensor *blended = ae_tensor_new (vae->ctx, AE_F32, 5, moments->shape, "vae.encode_blend", error);
  AE_TRY (blended != NULL);
  bool ok = zero_tensor (s, blended, error);

  const int64_t overlap[3] = { (tiling.kernel[0] - tiling.stride[0]) / scale[0],
                               (tiling.kernel[1] - tiling.stride[1]) / 8, (tiling.kernel[2] - tiling.stride[2]) / 8 };
  float *wt = malloc ((size_t) (T + 1) * sizeof (float));
  float *wh = malloc ((size_t) (h + 1) * sizeof (float));
  float *ww = malloc ((size_t) (w + 1) * sizeof (float));
  for (int i = 0; ok && i < grid.n[0]; i++)
    for (int j = 0; ok && j < grid.n[1]; j++)
      for (int k = 0; ok && k < grid.n[2]; k++)
        {
          const tile *ti = &grid.tiles[0][i], *tj = &grid.tiles[1][j], *tk = &grid.tiles[2][k];
          const int64_t C = video->shape[1];
          ae_tensor in = ae_view (video, ((ti->start * scale[0]) * H + tj->start * 8) * W + tk->start * 8, 5,
                                  (int64_t[]){ 1, C, ti->length * scale[0], tj->length * 8, tk->length * 8 },
                                  (int64_t[]){ C * F * H * W, F * H * W, H * W, W, 1 });
          ae_tensor *piece_in = ae_stream_scratch (s, AE_F32, 5, in.shape, "vae.tile_video", error);
          ae_tensor *piece = ae_stream_scratch (s, AE_F32, 5, (int64_t[]){ 1, lc2, ti->length, tj->length, tk->length },
                                                "vae.tile_moments", error);
          ok = piece_in != NULL && piece != NULL && ae_op_copy (s, piece_in, &in, error)
               && run_core (vae, s, &vae->encoder, piece, piece_in, error);
          if (!ok)
            break;
          axis_weights (wt, grid.tiles[0], grid.n[0], i, 1, overlap[0], true);
          axis_weights (wh, grid.tiles[1], grid.n[1], j, 1, overlap[1], true);
          axis_weights (ww, grid.tiles[2], grid.n[2], k, 1, overlap[2], true);
          ok = blend_tile (s, blended, piece, wt, wh, ww, ti->start, tj->start, tk->start, error)
               && ae_stream_finish (s, error);
        }
  free (wt);
  free (wh);
  free (ww);
  if (ok)
    {
      if (vae->dtype == AE_F32)
        ok = pointwise (s, moments, blended, vae->quant_w, vae->quant_b, error);
      else
        {
          ae_tensor *bc = ae_stream_scratch (s, vae->dtype, 5, moments->shape, "vae.blend_dt", error);
          ae_tensor *mc = ae_stream_scratch (s, vae->dtype, 5, moments->shape, "vae.moments_dt", error);
          ok = bc != NULL && mc != NULL && ae_op_copy (s, bc, blended, error)
               && pointwise (s, mc, bc, vae->quant_w, vae->quant_b, error) && ae_op_copy (s, moments, mc, error);
        }
      ok = ok && ae_stream_finish (s, error);
    }
  ae_tensor_free (blended);
  return ok;
}

uint64_t
ae_vae_decode_workspace_bytes (const ae_vae *vae, int64_t t, int64_t h, int64_t w)
{
  ae_vae_tiling tiling;
  ae_error error = { 0 };
  const int64_t scale_t = vae->config.temporal_compression_ratio;
  int64_t tile_size[3];

  ae_vae_get_tiling (vae, &tiling);
  tile_size[0] = AE_MIN (t, tiling.kernel[0] / scale_t);
  tile_size[1] = AE_MIN (h, tiling.kernel[1] / 8);
  tile_size[2] = AE_MIN (w, tiling.kernel[2] / 8);
  run dry = { .dry = true, .dtype = vae->dtype, .error = &error };
  act x = { .slot = -1 };
  if (!acquire (&dry, &x, 5, (int64_t[]){ 1, vae->config.latent_channels, tile_size[0], tile_size[1], tile_size[2] })
      || !coder_forward (&dry, vae, &vae->decoder, &x))
    return UINT64_MAX;
  const uint64_t es = ae_dtype_size (vae->dtype);
  const uint64_t out_video = (uint64_t) vae->config.out_channels * t * scale_t * h * 8 * w * 8 * 4;
  const uint64_t tile_out
      = (uint64_t) vae->config.out_channels * tile_size[0] * scale_t * tile_size[1] * 8 * tile_size[2] * 8 * 4;
  int64_t pool = 0;
  for (int i = 0; i < dry.max_slots; i++)
    pool += dry.slot_max[i];
  return (uint64_t) pool * es + (uint64_t) dry.max_workspace * 4 + out_video + tile_out * 4
         + (uint64_t) vae->config.latent_channels * t * h * w * 4 * 3;
}
