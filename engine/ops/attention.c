/* attention.c: flash attention (flash_attn.comp, flash_attn_cm.comp). */
#include "ae-internal.h"
#include "ae-ops.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>

#define OP "attention"

/* One tensor's place in attention.glsl's push block: the element offset of
 * [0, 0, 0, 0] in its binding, then the strides of batch, head, row, dim. */
typedef struct
{
  uint32_t off, sb, sh, sn, sd;
} tensor_push;

typedef struct
{
  uint32_t nq, nk, heads, groups;
  float scale;
  tensor_push q, k, v, o;
  uint32_t kb_off, kb_sb, kb_sn;
  int32_t pb_off;
  uint32_t pb_sh;
  int32_t pb_sj;
} attention_push;
_Static_assert(sizeof (attention_push) == 124, "attention.glsl push block");
_Static_assert(offsetof (attention_push, q) == 20 && offsetof (attention_push, o) == 80
                   && offsetof (attention_push, kb_off) == 100 && offsetof (attention_push, pb_off) == 112,
               "attention.glsl push block layout");

/* Specialization constant ids of attention.glsl. */
enum
{
  SPEC_WORKGROUP,
  SPEC_D,
  SPEC_ROWS,
  SPEC_BC,
  SPEC_HAS_KB,
  SPEC_HAS_PB,
  SPEC_VEC4,
  N_SPEC,
};

enum
{
  VEC4_Q = 1,
  VEC4_K = 2,
  VEC4_V = 4,
  VEC4_O = 8,
};

/* Which kernel runs, with its tile sizes. */
typedef struct
{
  char shader[32];
  uint32_t workgroup; /* invocations */
  uint32_t rows;      /* query rows per octet (lvp, tiled) */
  uint32_t bc;        /* keys per shared block (tiled, nv_cm) */
  uint32_t br;        /* query rows per workgroup */
  uint32_t subgroup_size;
} kernel_plan;

/* Mirrors the shared arrays of flash_attn.comp with TILED. */
static uint64_t
tiled_shared_bytes (int64_t d, ae_dtype dtype, uint32_t bc)
{
  uint64_t row = (uint64_t) AE_DIV_UP (d, 32) * 8 * 4 * ae_dtype_size (dtype);
  return 2 * bc * row + bc * 4;
}

/* Mirrors the shared arrays of flash_attn_cm.comp, each rounded up to 16
 * bytes in case the driver aligns them. */
static uint64_t
cm_shared_bytes (int64_t d, uint32_t bc, bool emulated)
{
  uint64_t dp = (uint64_t) AE_ALIGN_UP (d, 16);
  uint64_t arrays[] = {
    dp * (bc + 8) * 2,         /* kt_tile */
    bc * (dp + 8) * 2,         /* v_tile */
    4 * 16 * (bc + 4) * 4,     /* s_area */
    4 * 16 * (bc + 8) * 2,     /* p_area */
    bc * 4,                    /* bias_tile */
    (64 + bc - 1) * 4,         /* pb_tile */
    3 * 4,                     /* live_flag */
    emulated ? 4 * 256 * 2 : 0 /* emu_b */
  };
  uint64_t total = 0;
  for (size_t i = 0; i < AE_N_ELEMENTS (arrays); i++)
    total += AE_ALIGN_UP (arrays[i], 16);
  return total;
}

static bool
has_coopmat_shape (const ae_device_info *info, uint32_t m, uint32_t n, uint32_t k)
{
  for (uint32_t i = 0; i < info->n_coopmat_shapes; i++)
    if (info->coopmat_shapes[i].m == m && info->coopmat_shapes[i].n == n && info->coopmat_shapes[i].k == k)
      return true;
  return false;
}

static bool
can_use_subgroup_size (const ae_device_info *info, uint32_t size)
{
  if (info->subgroup_size == size)
    return true;
  return info->subgroup_size_control && info->min_subgroup_size <= size && size <= info->max_subgroup_size;
}

static bool
plan_kernel (ae_context *ctx, ae_path path, ae_dtype dtype, int64_t d, bool emulate_cm, kernel_plan *plan,
             ae_error *error)
{
  const ae_device_info *info = ae_context_device (ctx);

  *plan = (kernel_plan){ 0 };
  /* Octets of lanes merge their dot products with subgroup shuffles. */
  if (info->subgroup_size < 8)
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED, "%s: \"%s\" has subgroups of %u; the kernels need 8 or more.", OP,
                    info->name, info->subgroup_size);
      return false;
    }

  /* The first tensor-core kernel gave inf on an H200 while its emulated twin
   * passed there.  The present one keeps to the matrix operations the
   * convolution kernel runs correctly on that device, and passes emulated,
   * but has not yet run on tensor cores: until it has, it runs only when
   * asked for, and the tiled kernel serves NVIDIA. */
  bool cm = emulate_cm
            || (path == AE_PATH_NV_CM && ae_getenv ("ALLEGRO_EXPERIMENTAL_ATTENTION_CM") != NULL
                && has_coopmat_shape (info, 16, 16, 16) && can_use_subgroup_size (info, 32));
  if (cm && dtype != AE_F32)
    {
      uint32_t bc = cm_shared_bytes (d, 64, emulate_cm) <= info->max_shared_memory ? 64 : 32;
      if (cm_shared_bytes (d, bc, emulate_cm) <= info->max_shared_memory)
        {
          snprintf (plan->shader, sizeof plan->shader, "flash_cm_%s%s", emulate_cm ? "emu_" : "",
                    ae_float_suffix (dtype));
          plan->workgroup = 128;
          plan->bc = bc;
          plan->br = 64;
          plan->subgroup_size = emulate_cm ? 0 : 32;
          plan->rows = 1;
          return true;
        }
    }
  if (emulate_cm)
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED,
                    "%s: the emulated nv_cm kernel takes f16 or bf16 with head dims "
                    "that fit %u bytes of shared memory.",
                    OP, info->max_shared_memory);
      return false;
    }

  if (path == AE_PATH_TILED || path == AE_PATH_NV_CM)
    {
      /* Rows and workgroup are fixed per head dim, not fitted to nq: fewer
       * pipelines, and the model's shapes fill them anyway. */
      uint32_t rows = d <= 64 ? 4 : 2;
      uint32_t octets = 16;
      for (uint32_t bc = 64; bc >= 8; bc /= 2)
        if (tiled_shared_bytes (d, dtype, bc) <= info->max_shared_memory)
          {
            snprintf (plan->shader, sizeof plan->shader, "flash_tiled_%s", ae_float_suffix (dtype));
            plan->workgroup = 8 * octets;
            plan->rows = rows;
            plan->bc = bc;
            plan->br = octets * rows;
            return true;
          }
      /* Too little shared memory for even 8 keys: the lvp kernel needs none. */
    }

  snprintf (plan->shader, sizeof plan->shader, "flash_lvp_%s", ae_float_suffix (dtype));
  plan->workgroup = 8;
  plan->rows = 4;
  plan->bc = 1;
  plan->br = plan->rows;
  return true;
}

/* Bytes from a view's first element to one past its last. */
static uint64_t
span_bytes (const ae_tensor *t, int ndim, const int64_t *shape)
{
  int64_t last = 0;
  for (int i = 0; i < ndim; i++)
    last += (shape[i] - 1) * t->stride[i];
  return (uint64_t) (last + 1) * ae_dtype_size (t->dtype);
}

/* Whether a binding of `bytes` from an unaligned start fits the range. */
static bool
binding_fits (const ae_context *ctx, uint64_t bytes)
{
  uint64_t align = AE_MAX (ae_context_device (ctx)->min_storage_offset_alignment, 1u);
  return bytes + align + 16 <= ae_context_max_binding_range (ctx);
}

typedef struct
{
  ae_context *ctx;
  const ae_tensor *q, *k, *v, *out, *key_bias, *position_bias;
  int64_t kv_len, d, bias_len;
} attention_call;

/* Keys, values and their biases of nb batch entries x nh heads fit. */
static bool
keys_fit (const attention_call *c, int64_t nb, int64_t nh)
{
  int64_t shape[4] = { nb, nh, c->kv_len, c->d };
  int64_t kb_shape[2] = { nb, c->kv_len }, pb_shape[2] = { nh, c->bias_len };

  return binding_fits (c->ctx, span_bytes (c->k, 4, shape)) && binding_fits (c->ctx, span_bytes (c->v, 4, shape))
         && (c->key_bias == NULL || binding_fits (c->ctx, span_bytes (c->key_bias, 2, kb_shape)))
         && (c->position_bias == NULL || binding_fits (c->ctx, span_bytes (c->position_bias, 2, pb_shape)));
}

/* Queries and outputs of nb x nh x nn rows fit. */
static bool
queries_fit (const attention_call *c, int64_t nb, int64_t nh, int64_t nn)
{
  int64_t shape[4] = { nb, nh, nn, c->d };
  return binding_fits (c->ctx, span_bytes (c->q, 4, shape)) && binding_fits (c->ctx, span_bytes (c->out, 4, shape));
}

/* The largest n in [1, hi] for which fit(n) holds; fit is monotone. */
#define LARGEST_FITTING(result, hi, fit_expr)                                                                          \
  do                                                                                                                   \
    {                                                                                                                  \
      int64_t lo_ = 1, hi_ = (hi);                                                                                     \
      while (lo_ < hi_)                                                                                                \
        {                                                                                                              \
          int64_t n = (lo_ + hi_ + 1) / 2;                                                                             \
          if (fit_expr)                                                                                                \
            lo_ = n;                                                                                                   \
          else                                                                                                         \
            hi_ = n - 1;                                                                                               \
        }                                                                                                              \
      (result) = lo_;                                                                                                  \
    }                                                                                                                  \
  while (0)

static bool
check_strides (const ae_tensor *t, ae_error *error)
{
  for (int i = 0; i < t->ndim; i++)
    if (t->stride[i] < 0)
      {
        ae_set_error (error, AE_ERROR_INVALID, "%s: \"%s\" has a negative stride.", OP, t->name);
        return false;
      }
  return true;
}

static bool
check_shape (const ae_tensor *t, int ndim, const int64_t *shape, const char *role, ae_error *error)
{
  char got[96], want[96];
  bool ok = t->ndim == ndim;

  for (int i = 0; ok && i < ndim; i++)
    ok = t->shape[i] == shape[i];
  if (ok)
    return check_strides (t, error);
  int used = snprintf (want, sizeof want, "[");
  for (int i = 0; i < ndim; i++)
    used += snprintf (want + used, sizeof want - (size_t) used, i ? ", %lld" : "%lld", (long long) shape[i]);
  snprintf (want + used, sizeof want - (size_t) used, "]");
  ae_set_error (error, AE_ERROR_INVALID, "%s: %s \"%s\" is %s; %s is needed.", OP, role, t->name,
                ae_tensor_describe (t, got, sizeof got), want);
  return false;
}

static bool
check_inputs (ae_tensor *out, const ae_tensor *q, const ae_tensor *k, const ae_tensor *v,
              const ae_attention_params *params, ae_error *error)
{
  char dq[96], dk[96];

  if (out == NULL || q == NULL || k == NULL || v == NULL)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: out, q, k and v are all needed.", OP);
      return false;
    }
  if (!ae_check_float (OP, q, error) || !ae_check_dtype (OP, k, q->dtype, error)
      || !ae_check_dtype (OP, v, q->dtype, error) || !ae_check_dtype (OP, out, q->dtype, error))
    return false;
  if (q->ndim != 4 || k->ndim != 4)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: q \"%s\" (%s) and k \"%s\" (%s) must be 4-D [batch, heads, tokens, "
                    "head_dim].",
                    OP, q->name, ae_tensor_describe (q, dq, sizeof dq), k->name, ae_tensor_describe (k, dk, sizeof dk));
      return false;
    }
  int64_t b = q->shape[0], h = q->shape[1], nq = q->shape[2], d = q->shape[3], nk = k->shape[2];
  int64_t k_shape[4] = { b, h, nk, d };
  if (!check_shape (q, 4, q->shape, "q", error) || !check_shape (k, 4, k_shape, "k", error)
      || !check_shape (v, 4, k_shape, "v", error) || !check_shape (out, 4, q->shape, "out", error))
    return false;
  if (d > AE_ATTENTION_MAX_HEAD_DIM)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: head dim %lld of \"%s\" is past the kernels' %d.", OP, (long long) d,
                    q->name, AE_ATTENTION_MAX_HEAD_DIM);
      return false;
    }
  if (nq + nk >= INT32_MAX)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: %lld queries and %lld keys are too many.", OP, (long long) nq,
                    (long long) nk);
      return false;
    }
  if (params == NULL)
    return true;
  if (!isfinite (params->scale))
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: the scale %g is not finite.", OP, (double) params->scale);
      return false;
    }
  if (params->kv_len < 0 || params->kv_len > nk)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: kv_len %lld is outside 0 .. %lld (the keys of \"%s\").", OP,
                    (long long) params->kv_len, (long long) nk, k->name);
      return false;
    }
  if (params->key_bias != NULL)
    {
      int64_t shape[2] = { b, nk };
      if (!ae_check_dtype (OP, params->key_bias, AE_F32, error)
          || !check_shape (params->key_bias, 2, shape, "key_bias", error))
        return false;
    }
  if (params->position_bias != NULL)
    {
      int64_t shape[2] = { h, nq + nk - 1 };
      if (!ae_check_dtype (OP, params->position_bias, AE_F32, error)
          || !check_shape (params->position_bias, 2, shape, "position_bias", error))
        return false;
    }
  return true;
}

static tensor_push
tensor_place (const ae_tensor *t)
{
  return (tensor_push){
    .off = ae_binding_element_offset (t),
    .sb = (uint32_t) t->stride[0],
    .sh = (uint32_t) t->stride[1],
    .sn = (uint32_t) t->stride[2],
    .sd = (uint32_t) t->stride[3],
  };
}

/* Whether a chunk's view can be read as 4-vectors along the head dim. */
static bool
vec4_ok (const ae_tensor *t)
{
  if (t->shape[3] % 4 != 0 || t->stride[3] != 1 || ae_binding_element_offset (t) % 4 != 0)
    return false;
  for (int i = 0; i < 3; i++)
    if (t->shape[i] > 1 && t->stride[i] % 4 != 0)
      return false;
  return true;
}

static bool
dispatch_chunk (ae_stream *s, const attention_call *c, const kernel_plan *plan, float scale, int64_t b0, int64_t nb,
                int64_t h0, int64_t nh, int64_t q0, int64_t nn, ae_error *error)
{
  ae_context *ctx = c->ctx;
  const ae_tensor *q = c->q, *k = c->k, *v = c->v, *out = c->out, *kb = c->key_bias, *pb = c->position_bias;
  int64_t q_shape[4] = { nb, nh, nn, c->d }, k_shape[4] = { nb, nh, c->kv_len, c->d };
  int64_t kb_shape[2] = { nb, c->kv_len }, pb_shape[2] = { nh, c->bias_len };
  ae_tensor *views[6] = { NULL };
  bool ok = false;

  views[0] = ae_tensor_view (out, b0 * out->stride[0] + h0 * out->stride[1] + q0 * out->stride[2], 4, q_shape,
                             out->stride, NULL, error);
  views[1] = ae_tensor_view (q, b0 * q->stride[0] + h0 * q->stride[1] + q0 * q->stride[2], 4, q_shape, q->stride, NULL,
                             error);
  views[2] = ae_tensor_view (k, b0 * k->stride[0] + h0 * k->stride[1], 4, k_shape, k->stride, NULL, error);
  views[3] = ae_tensor_view (v, b0 * v->stride[0] + h0 * v->stride[1], 4, k_shape, v->stride, NULL, error);
  if (views[0] == NULL || views[1] == NULL || views[2] == NULL || views[3] == NULL)
    goto done;
  if (kb != NULL && (views[4] = ae_tensor_view (kb, b0 * kb->stride[0], 2, kb_shape, kb->stride, NULL, error)) == NULL)
    goto done;
  if (pb != NULL && (views[5] = ae_tensor_view (pb, h0 * pb->stride[0], 2, pb_shape, pb->stride, NULL, error)) == NULL)
    goto done;

  uint64_t tiles = AE_DIV_UP ((uint64_t) nn, plan->br);
  uint64_t groups = tiles * (uint64_t) (nb * nh);
  if (groups > UINT32_MAX)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: %llu workgroups are too many for one dispatch.", OP,
                    (unsigned long long) groups);
      goto done;
    }
  attention_push push = {
    .nq = (uint32_t) nn,
    .nk = (uint32_t) c->kv_len,
    .heads = (uint32_t) nh,
    .groups = (uint32_t) groups,
    .scale = scale,
    .o = tensor_place (views[0]),
    .q = tensor_place (views[1]),
    .k = tensor_place (views[2]),
    .v = tensor_place (views[3]),
  };
  if (kb != NULL)
    {
      push.kb_off = ae_binding_element_offset (views[4]);
      push.kb_sb = (uint32_t) kb->stride[0];
      push.kb_sn = (uint32_t) kb->stride[1];
    }
  if (pb != NULL)
    {
      /* The diagonal j - i == 0 of this chunk's first row. */
      int64_t diagonal = ae_binding_element_offset (views[5]) + (q->shape[2] - 1 - q0) * pb->stride[1];
      push.pb_off = (int32_t) diagonal;
      push.pb_sh = (uint32_t) pb->stride[0];
      push.pb_sj = (int32_t) pb->stride[1];
    }
  uint32_t vec4 = (vec4_ok (views[1]) ? VEC4_Q : 0) | (vec4_ok (views[2]) ? VEC4_K : 0)
                  | (vec4_ok (views[3]) ? VEC4_V : 0) | (vec4_ok (views[0]) ? VEC4_O : 0);
  uint64_t esize = ae_dtype_size (q->dtype);
  ae_dispatch d = {
    .shader = plan->shader,
    .spec = {
      [SPEC_WORKGROUP] = plan->workgroup,
      [SPEC_D] = (uint32_t) c->d,
      [SPEC_ROWS] = plan->rows,
      [SPEC_BC] = plan->bc,
      [SPEC_HAS_KB] = kb != NULL,
      [SPEC_HAS_PB] = pb != NULL,
      [SPEC_VEC4] = vec4,
    },
    .n_spec = N_SPEC,
    /* Bindings 4 and 5 must hold some buffer even when the kernel never reads them. */
    .bindings = { views[0], views[1], views[2], views[3], views[4] ? views[4] : views[1],
                  views[5] ? views[5] : views[1] },
    .n_bindings = 6,
    .push = &push,
    .push_size = sizeof push,
    .subgroup_size = plan->subgroup_size,
    .flops = 4.0 * (double) (nb * nh) * (double) nn * (double) c->kv_len * (double) c->d,
    .bytes = (double) esize * (double) (nb * nh) * (double) c->d * (2.0 * (double) nn + 2.0 * (double) c->kv_len),
  };
  ae_grid_fold (ctx, groups, d.groups);
  ok = ae_stream_dispatch (s, &d, error);
done:
  for (int i = 0; i < 6; i++)
    ae_tensor_free (views[i]);
  return ok;
}

static bool
attention (ae_stream *s, ae_tensor *out, const ae_tensor *q, const ae_tensor *k, const ae_tensor *v,
           const ae_attention_params *params, bool emulate_cm, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  ae_attention_params defaults = { 0 };
  kernel_plan plan;
  char describe[96];

  if (!check_inputs (out, q, k, v, params, error))
    return false;
  if (params == NULL)
    params = &defaults;

  int64_t batch = q->shape[0], heads = q->shape[1], nq = q->shape[2], d = q->shape[3];
  attention_call c = {
    .ctx = ctx,
    .q = q,
    .k = k,
    .v = v,
    .out = out,
    .key_bias = params->key_bias,
    .position_bias = params->position_bias,
    .kv_len = params->kv_len > 0 ? params->kv_len : k->shape[2],
    .d = d,
    .bias_len = nq + k->shape[2] - 1,
  };
  float scale = params->scale != 0.0f ? params->scale : (float) (1.0 / sqrt ((double) d));

  if (!plan_kernel (ctx, ae_stream_path (s), q->dtype, d, emulate_cm, &plan, error))
    return false;

  /* Whole tensors when they fit one binding each; else the fewest chunks:
   * heads, then batch entries, of whole keys and values, then query rows. */
  int64_t bc = batch, hc = heads, qc = nq;
  if (!keys_fit (&c, batch, heads) || !queries_fit (&c, batch, heads, nq))
    {
      if (!keys_fit (&c, 1, 1))
        {
          int64_t shape[4] = { 1, 1, c.kv_len, d };
          const ae_tensor *big = !binding_fits (ctx, span_bytes (k, 4, shape))   ? k
                                 : !binding_fits (ctx, span_bytes (v, 4, shape)) ? v
                                                                                 : NULL;
          if (big == NULL)
            {
              ae_set_error (error, AE_ERROR_INVALID,
                            "%s: one row of key_bias or position_bias is past the device's "
                            "storage buffer range of %llu bytes.",
                            OP, (unsigned long long) ae_context_max_binding_range (ctx));
              return false;
            }
          ae_set_error (error, AE_ERROR_INVALID,
                        "%s: one head of \"%s\" (%s) spans %llu bytes, past the device's "
                        "storage buffer range of %llu bytes; shorten the keys or make them contiguous per head.",
                        OP, big->name, ae_tensor_describe (big, describe, sizeof describe),
                        (unsigned long long) span_bytes (big, 4, shape),
                        (unsigned long long) ae_context_max_binding_range (ctx));
          return false;
        }
      if (!queries_fit (&c, 1, 1, 1))
        {
          ae_set_error (error, AE_ERROR_INVALID,
                        "%s: one row of \"%s\" or \"%s\" is past the device's storage "
                        "buffer range.",
                        OP, q->name, out->name);
          return false;
        }
      LARGEST_FITTING (hc, heads, keys_fit (&c, 1, n) && queries_fit (&c, 1, n, 1));
      bc = 1;
      if (hc == heads)
        LARGEST_FITTING (bc, batch, keys_fit (&c, n, heads) && queries_fit (&c, n, heads, 1));
      LARGEST_FITTING (qc, nq, queries_fit (&c, bc, hc, n));
      ae_log (ctx, AE_LOG_DEBUG, "%s: split into %lld batch x %lld heads x %lld rows per dispatch", OP, (long long) bc,
              (long long) hc, (long long) qc);
    }

  for (int64_t b0 = 0; b0 < batch; b0 += bc)
    for (int64_t h0 = 0; h0 < heads; h0 += hc)
      for (int64_t q0 = 0; q0 < nq; q0 += qc)
        if (!dispatch_chunk (s, &c, &plan, scale, b0, AE_MIN (bc, batch - b0), h0, AE_MIN (hc, heads - h0), q0,
                             AE_MIN (qc, nq - q0), error))
          return false;
  return true;
}

bool
ae_op_attention (ae_stream *s, ae_tensor *out, const ae_tensor *q, const ae_tensor *k, const ae_tensor *v,
                 const ae_attention_params *params, ae_error *error)
{
  return attention (s, out, q, k, v, params, false, error);
}

bool
ae_op_attention_emulated_cm (ae_stream *s, ae_tensor *out, const ae_tensor *q, const ae_tensor *k, const ae_tensor *v,
                             const ae_attention_params *params, ae_error *error)
{
  return attention (s, out, q, k, v, params, true, error);
}
