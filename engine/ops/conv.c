/* conv.c: implicit-GEMM convolutions (conv_*.comp) and nearest upsampling (upsample2x.comp). */
#include "ae-internal.h"
#include "ae-ops.h"

#include <stdio.h>
#include <string.h>

/* Mirrors the push block of shaders/conv-common.glsl. */
typedef struct
{
  uint32_t m, cin, batch;
  uint32_t t, h, w;
  uint32_t ot, oh, ow;
  uint32_t off_x, off_w, off_b, off_d;
  uint32_t x_batch_stride, d_batch_stride, w_row_stride;
  uint32_t flags;
} conv_push;
_Static_assert(sizeof (conv_push) == 68, "conv-common.glsl push block");
_Static_assert(offsetof (conv_push, off_x) == 36, "conv-common.glsl push block");
_Static_assert(offsetof (conv_push, flags) == 64, "conv-common.glsl push block");

#define FLAG_BIAS 1u
#define FLAG_ACCUMULATE 2u

/* Specialization constant ids of conv-common.glsl. */
enum
{
  SPEC_WORKGROUP,
  SPEC_KT,
  SPEC_KH,
  SPEC_KW,
  SPEC_ST,
  SPEC_SH,
  SPEC_SW,
  SPEC_PT,
  SPEC_PH,
  SPEC_PW,
  SPEC_MODE,
  SPEC_BM,
  SPEC_BN,
  SPEC_BK,
  SPEC_TM,
  SPEC_TN,
  N_SPEC,
};
_Static_assert(N_SPEC <= AE_MAX_SPEC, "conv spec constants");

#define MODE_UPSAMPLE 8u

/* One convolution, every size resolved (x as [batch, cin, t, h, w]). */
typedef struct
{
  int64_t batch, cin, t, h, w;
  int64_t cout, ot, oh, ow;
  int kernel[3], stride[3], pad_begin[3], pad_end[3];
  uint32_t mode;
  ae_dtype dtype;
} conv_geometry;

/* The kernel variant and tile of one path. */
typedef struct
{
  char shader[32];
  uint32_t workgroup, bm, bn, bk, tm, tn;
  uint32_t subgroup_size;
  bool lvp;
} conv_kernel;

int64_t
ae_conv_output_size (int64_t input, int kernel, int stride, int pad_begin, int pad_end)
{
  int64_t padded = input + pad_begin + pad_end;
  if (stride < 1 || padded < kernel)
    return 0;
  return (padded - kernel) / stride + 1;
}

static bool
has_coopmat_shape (const ae_context *ctx, uint32_t m, uint32_t n, uint32_t k)
{
  const ae_device_info *info = ae_context_device (ctx);
  for (uint32_t i = 0; i < info->n_coopmat_shapes; i++)
    if (info->coopmat_shapes[i].m == m && info->coopmat_shapes[i].n == n && info->coopmat_shapes[i].k == k)
      return true;
  return false;
}

/* Picks the variant and tile for a dispatch of m output channels and n pixels. */
static void
choose_kernel (ae_stream *s, const conv_geometry *g, int64_t m, int64_t n, conv_kernel *k)
{
  ae_context *ctx = ae_stream_context (s);
  ae_path path = ae_stream_path (s);
  const char *suffix = ae_float_suffix (g->dtype);

  memset (k, 0, sizeof *k);
  if (path == AE_PATH_NV_CM)
    {
      char name[32];
      snprintf (name, sizeof name, "conv_nvcm_%s", suffix);
      bool square = has_coopmat_shape (ctx, 16, 16, 16);
      if (ae_shader_available (ctx, name) && (square || has_coopmat_shape (ctx, 16, 8, 16)))
        {
          /* 128 x 128 tiles once there are enough of them to fill the GPU. */
          bool large = m >= 128 && AE_DIV_UP (m, 128) * AE_DIV_UP (n, 128) >= 256;
          *k = (conv_kernel){ .workgroup = 128,
                              .bm = large ? 128 : 64,
                              .bn = large ? 128 : 64,
                              .bk = 32,
                              .tm = 16,
                              .tn = square ? 16 : 8,
                              .subgroup_size = 32 };
          snprintf (k->shader, sizeof k->shader, "%s", name);
          return;
        }
      ae_log (ctx, AE_LOG_DEBUG, "conv: no 16x16x16 or 16x8x16 fp16 cooperative matrix; using the tiled kernel");
      path = AE_PATH_TILED;
    }
  if (path == AE_PATH_LVP)
    {
      /* One 8-wide subgroup: 16 channels x 64 pixels.  Measured on lavapipe
       * (Mesa 25, 3x3 64 -> 64): 16 x 8 per lane 11 GFLOP/s, 8 x 8 8, 8 x 4 6.5.
       * Narrow layers (conv_out, 128 -> 3) take the next power of two, which
       * keeps the pipelines few. */
      uint32_t rows = 1;
      while (rows < 16 && rows < m)
        rows *= 2;
      *k = (conv_kernel){ .workgroup = 8, .bm = rows, .bn = 64, .bk = 1, .tm = 1, .tn = 8, .lvp = true };
      snprintf (k->shader, sizeof k->shader, "conv_lvp_%s", suffix);
      return;
    }
  /* tiled: 256 threads; few output channels get a flat tile, wide layers the
   * 128 x 128 one when there are enough tiles to go round. */
  if (m <= 16)
    *k = (conv_kernel){ .workgroup = 256, .bm = 16, .bn = 64, .bk = 16, .tm = 1, .tn = 4 };
  else if (m >= 128 && AE_DIV_UP (m, 128) * AE_DIV_UP (n, 128) >= 256)
    *k = (conv_kernel){ .workgroup = 256, .bm = 128, .bn = 128, .bk = 16, .tm = 8, .tn = 8 };
  else
    *k = (conv_kernel){ .workgroup = 256, .bm = 64, .bn = 64, .bk = 16, .tm = 4, .tn = 4 };
  snprintf (k->shader, sizeof k->shader, "conv_tiled_%s", suffix);
}

/* Records one kernel over `batch` entries, `m` output channels and `cin` input
 * channels of the given (possibly view) tensors. */
static bool
conv_dispatch (ae_stream *s, const conv_geometry *g, ae_tensor *out, const ae_tensor *x, const ae_tensor *weight,
               const ae_tensor *bias, int64_t batch, int64_t m, int64_t cin, uint32_t flags, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  int64_t columns = batch * g->ot * g->oh * g->ow;
  int64_t kvol = (int64_t) g->kernel[0] * g->kernel[1] * g->kernel[2];
  conv_kernel k;

  choose_kernel (s, g, m, columns, &k);
  conv_push push = {
    .m = (uint32_t) m,
    .cin = (uint32_t) cin,
    .batch = (uint32_t) batch,
    .t = (uint32_t) g->t,
    .h = (uint32_t) g->h,
    .w = (uint32_t) g->w,
    .ot = (uint32_t) g->ot,
    .oh = (uint32_t) g->oh,
    .ow = (uint32_t) g->ow,
    .off_x = ae_binding_element_offset (x),
    .off_w = ae_binding_element_offset (weight),
    .off_b = bias != NULL ? ae_binding_element_offset (bias) : 0,
    .off_d = ae_binding_element_offset (out),
    .x_batch_stride = (uint32_t) (g->cin * g->t * g->h * g->w),
    .d_batch_stride = (uint32_t) (g->cout * g->ot * g->oh * g->ow),
    .w_row_stride = (uint32_t) (g->cin * kvol),
    .flags = flags | (bias != NULL ? FLAG_BIAS : 0),
  };
  ae_dispatch d = {
    .shader = k.shader,
    .spec = {
      [SPEC_WORKGROUP] = k.workgroup,
      [SPEC_KT] = (uint32_t) g->kernel[0], [SPEC_KH] = (uint32_t) g->kernel[1], [SPEC_KW] = (uint32_t) g->kernel[2],
      [SPEC_ST] = (uint32_t) g->stride[0], [SPEC_SH] = (uint32_t) g->stride[1], [SPEC_SW] = (uint32_t) g->stride[2],
      [SPEC_PT] = (uint32_t) g->pad_begin[0], [SPEC_PH] = (uint32_t) g->pad_begin[1],
      [SPEC_PW] = (uint32_t) g->pad_begin[2],
      [SPEC_MODE] = g->mode,
      [SPEC_BM] = k.bm, [SPEC_BN] = k.bn, [SPEC_BK] = k.bk, [SPEC_TM] = k.tm, [SPEC_TN] = k.tn,
    },
    .n_spec = N_SPEC,
    /* Without a bias the weight stands in for binding 3; the kernel never reads it. */
    .bindings = { out, x, weight, bias != NULL ? bias : weight },
    .n_bindings = 4,
    .push = &push,
    .push_size = sizeof push,
    .subgroup_size = k.subgroup_size,
    .flops = 2.0 * (double) m * (double) columns * (double) (cin * kvol),
    .bytes = (double) ae_dtype_size (g->dtype)
             * (double) (batch * cin * g->t * g->h * g->w + m * cin * kvol
                         + (flags & FLAG_ACCUMULATE ? 2 : 1) * m * columns),
  };
  uint64_t pixels_per_group = k.lvp ? (uint64_t) k.workgroup * k.tn : k.bn;
  ae_grid_fold (ctx, AE_DIV_UP ((uint64_t) m, k.bm) * AE_DIV_UP ((uint64_t) columns, pixels_per_group), d.groups);
  return ae_stream_dispatch (s, &d, error);
}

static ae_tensor *
flat_view (const ae_tensor *t, int64_t start, int64_t count, ae_error *error)
{
  int64_t stride = 1;
  return ae_tensor_view (t, start, 1, &count, &stride, NULL, error);
}

/* Whether `bytes` fit one binding with the alignment slack. */
static bool
fits_binding (const ae_context *ctx, uint64_t bytes)
{
  uint64_t range = ae_context_max_binding_range (ctx);
  uint64_t slack = ae_context_device (ctx)->min_storage_offset_alignment;
  return bytes + slack <= range;
}

/* Input-channel and output-channel chunks of one batch entry, for tensors
 * past the binding range.  Chunks of input channels after the first add into
 * out (FLAG_ACCUMULATE), and only the first adds the bias. */
static bool
conv_split_channels (ae_stream *s, const char *op, const conv_geometry *g, ae_tensor *out, const ae_tensor *x,
                     const ae_tensor *weight, const ae_tensor *bias, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  uint64_t esize = ae_dtype_size (g->dtype);
  int64_t kvol = (int64_t) g->kernel[0] * g->kernel[1] * g->kernel[2];
  int64_t plane_in = g->t * g->h * g->w, plane_out = g->ot * g->oh * g->ow;
  int64_t row = g->cin * kvol;

  if (!fits_binding (ctx, plane_in * esize) || !fits_binding (ctx, plane_out * esize)
      || !fits_binding (ctx, kvol * esize))
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: one channel of \"%s\" (%lld elements) or of \"%s\" (%lld elements) is larger than a "
                    "storage binding of this device (%llu bytes) can hold.",
                    op, x->name, (long long) plane_in, out->name, (long long) plane_out,
                    (unsigned long long) ae_context_max_binding_range (ctx));
      return false;
    }
  int64_t cout_chunk = AE_MIN (ae_split_rows (ctx, plane_out * esize), ae_split_rows (ctx, row * esize));
  int64_t cin_chunk = AE_MIN (ae_split_rows (ctx, plane_in * esize), ae_split_rows (ctx, kvol * esize));
  /* A weight chunk of several rows holds whole rows, so it fits as shown above;
   * a single row holds cin_chunk taps of each kept channel. */
  if (!fits_binding (ctx, row * esize))
    cout_chunk = 1;

  for (int64_t b = 0; b < g->batch; b++)
    for (int64_t co = 0; co < g->cout; co += cout_chunk)
      for (int64_t ci = 0; ci < g->cin; ci += cin_chunk)
        {
          int64_t m = AE_MIN (cout_chunk, g->cout - co), c = AE_MIN (cin_chunk, g->cin - ci);
          int64_t wshape[2] = { m, c * kvol }, wstride[2] = { row, 1 };
          ae_tensor *out_v = flat_view (out, (b * g->cout + co) * plane_out, m * plane_out, error);
          ae_tensor *x_v = flat_view (x, (b * g->cin + ci) * plane_in, c * plane_in, error);
          ae_tensor *w_v = ae_tensor_view (weight, co * row + ci * kvol, 2, wshape, wstride, NULL, error);
          ae_tensor *b_v = bias != NULL && ci == 0 ? flat_view (bias, co, m, error) : NULL;
          bool ok = out_v != NULL && x_v != NULL && w_v != NULL && (b_v != NULL || bias == NULL || ci > 0);
          if (ok)
            ok = conv_dispatch (s, g, out_v, x_v, w_v, b_v, 1, m, c, ci > 0 ? FLAG_ACCUMULATE : 0, error);
          ae_tensor_free (out_v);
          ae_tensor_free (x_v);
          ae_tensor_free (w_v);
          ae_tensor_free (b_v);
          if (!ok)
            return false;
        }
  return true;
}

static bool
conv_run (ae_stream *s, const char *op, const conv_geometry *g, ae_tensor *out, const ae_tensor *x,
          const ae_tensor *weight, const ae_tensor *bias, ae_error *error)
{
  ae_context *ctx = ae_stream_context (s);
  uint64_t esize = ae_dtype_size (g->dtype);
  int64_t x_item = g->cin * g->t * g->h * g->w, out_item = g->cout * g->ot * g->oh * g->ow;

  if (!fits_binding (ctx, ae_tensor_nbytes (weight)))
    return conv_split_channels (s, op, g, out, x, weight, bias, error);
  if (fits_binding (ctx, ae_tensor_nbytes (x)) && fits_binding (ctx, ae_tensor_nbytes (out)))
    return conv_dispatch (s, g, out, x, weight, bias, g->batch, g->cout, g->cin, 0, error);
  if (!fits_binding (ctx, x_item * esize) || !fits_binding (ctx, out_item * esize))
    return conv_split_channels (s, op, g, out, x, weight, bias, error);

  /* Whole batch entries, as many as a binding holds. */
  int64_t chunk = AE_MIN (ae_split_rows (ctx, x_item * esize), ae_split_rows (ctx, out_item * esize));
  for (int64_t b = 0; b < g->batch; b += chunk)
    {
      int64_t n = AE_MIN (chunk, g->batch - b);
      ae_tensor *out_v = flat_view (out, b * out_item, n * out_item, error);
      ae_tensor *x_v = flat_view (x, b * x_item, n * x_item, error);
      bool ok = out_v != NULL && x_v != NULL
                && conv_dispatch (s, g, out_v, x_v, weight, bias, n, g->cout, g->cin, 0, error);
      ae_tensor_free (out_v);
      ae_tensor_free (x_v);
      if (!ok)
        return false;
    }
  return true;
}

/* Byte ranges of a and b in one allocation overlap. */
static bool
tensors_overlap (const ae_tensor *a, const ae_tensor *b)
{
  if (a->alloc != b->alloc)
    return false;
  uint64_t a_end = a->offset + ae_tensor_nbytes (a), b_end = b->offset + ae_tensor_nbytes (b);
  return a->offset < b_end && b->offset < a_end;
}

/* Fills g's geometry from params and the kernel sizes the weight has. */
static bool
resolve_params (const char *op, const ae_conv_params *params, const int64_t kernel[3], const ae_tensor *weight,
                conv_geometry *g, ae_error *error)
{
  static const char axes[3] = { 'T', 'H', 'W' };
  static const ae_conv_params defaults = { 0 };

  if (params == NULL)
    params = &defaults;
  g->mode = params->upsample2x ? MODE_UPSAMPLE : 0;
  for (int a = 0; a < 3; a++)
    {
      if (kernel[a] < 1 || kernel[a] > 3 || (params->kernel[a] != 0 && params->kernel[a] != kernel[a]))
        {
          char buf[96];
          ae_set_error (error, AE_ERROR_INVALID,
                        "%s: weight \"%s\" (%s) has a kernel of %lld along %c; params ask for %d, and 1 to 3 "
                        "are supported.",
                        op, weight->name, ae_tensor_describe (weight, buf, sizeof buf), (long long) kernel[a], axes[a],
                        params->kernel[a]);
          return false;
        }
      g->kernel[a] = (int) kernel[a];
      g->stride[a] = params->stride[a] == 0 ? 1 : params->stride[a];
      g->pad_begin[a] = params->pad_begin[a];
      g->pad_end[a] = params->pad_end[a];
      if (g->stride[a] < 1 || g->stride[a] > 2 || g->pad_begin[a] < 0 || g->pad_begin[a] > 3 || g->pad_end[a] < 0
          || g->pad_end[a] > 3 || (params->pad_mode[a] != AE_PAD_ZERO && params->pad_mode[a] != AE_PAD_REPLICATE))
        {
          ae_set_error (error, AE_ERROR_INVALID,
                        "%s: along %c the stride is %d and the padding %d + %d (mode %d); strides 1 or 2, "
                        "padding 0 to 3 and modes zero or replicate are supported.",
                        op, axes[a], params->stride[a], params->pad_begin[a], params->pad_end[a],
                        (int) params->pad_mode[a]);
          return false;
        }
      if (params->pad_mode[a] == AE_PAD_REPLICATE)
        g->mode |= 1u << a;
    }
  return true;
}

/* Output sizes from g's input sizes and geometry. */
static void
output_dims (conv_geometry *g)
{
  int up = g->mode & MODE_UPSAMPLE ? 2 : 1;

  g->ot = ae_conv_output_size (g->t, g->kernel[0], g->stride[0], g->pad_begin[0], g->pad_end[0]);
  g->oh = ae_conv_output_size (g->h * up, g->kernel[1], g->stride[1], g->pad_begin[1], g->pad_end[1]);
  g->ow = ae_conv_output_size (g->w * up, g->kernel[2], g->stride[2], g->pad_begin[2], g->pad_end[2]);
}

/* The checks every convolution shares, once output_dims has run. */
static bool
check_geometry (const char *op, const conv_geometry *g, ae_tensor *out, const ae_tensor *x, const ae_tensor *weight,
                const ae_tensor *bias, const int64_t *want_out, int out_ndim, ae_error *error)
{
  char bx[96], bo[96], bw[96];

  if (g->ot < 1 || g->oh < 1 || g->ow < 1)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: the kernel of \"%s\" (%s) does not fit in \"%s\" (%s) with this padding.", op, weight->name,
                    ae_tensor_describe (weight, bw, sizeof bw), x->name, ae_tensor_describe (x, bx, sizeof bx));
      return false;
    }
  bool same = out->ndim == out_ndim;
  for (int i = 0; same && i < out_ndim; i++)
    same = out->shape[i] == want_out[i];
  if (!same)
    {
      char want[96];
      size_t used = 0;
      for (int i = 0; i < out_ndim && used < sizeof want; i++)
        used += (size_t) snprintf (want + used, sizeof want - used, "%s%lld", i > 0 ? ", " : "",
                                   (long long) want_out[i]);
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: output \"%s\" is %s; input \"%s\" (%s) and weight \"%s\" (%s) give [%s].", op, out->name,
                    ae_tensor_describe (out, bo, sizeof bo), x->name, ae_tensor_describe (x, bx, sizeof bx),
                    weight->name, ae_tensor_describe (weight, bw, sizeof bw), want);
      return false;
    }
  if (bias != NULL && (bias->ndim != 1 || bias->shape[0] != g->cout))
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: bias \"%s\" is %s; it must be [%lld], one per output channel of weight \"%s\".", op,
                    bias->name, ae_tensor_describe (bias, bo, sizeof bo), (long long) g->cout, weight->name);
      return false;
    }
  if (tensors_overlap (out, x))
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: output \"%s\" overlaps input \"%s\".", op, out->name, x->name);
      return false;
    }
  /* Indices in the kernels are 32-bit. */
  if (g->batch * g->ot * g->oh * g->ow > (int64_t) UINT32_MAX
      || g->cin * g->kernel[0] * g->kernel[1] * g->kernel[2] > (int64_t) UINT32_MAX)
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: \"%s\" (%s) has too many pixels for 32-bit indices.", op, out->name,
                    ae_tensor_describe (out, bo, sizeof bo));
      return false;
    }
  return true;
}

static bool
check_tensors (const char *op, ae_tensor *out, const ae_tensor *x, const ae_tensor *weight, const ae_tensor *bias,
               ae_error *error)
{
  if (!ae_check_float (op, x, error) || !ae_check_dtype (op, weight, x->dtype, error)
      || !ae_check_dtype (op, out, x->dtype, error) || (bias != NULL && !ae_check_dtype (op, bias, x->dtype, error))
      || !ae_check_contiguous (op, x, error) || !ae_check_contiguous (op, weight, error)
      || !ae_check_contiguous (op, out, error) || (bias != NULL && !ae_check_contiguous (op, bias, error)))
    return false;
  return true;
}

static bool
channels_match (const char *op, const ae_tensor *x, const ae_tensor *weight, ae_error *error)
{
  char bx[96], bw[96];
  if (x->shape[1] == weight->shape[1])
    return true;
  ae_set_error (error, AE_ERROR_INVALID,
                "%s: input \"%s\" (%s) has %lld channels but weight \"%s\" (%s) takes "
                "%lld.",
                op, x->name, ae_tensor_describe (x, bx, sizeof bx), (long long) x->shape[1], weight->name,
                ae_tensor_describe (weight, bw, sizeof bw), (long long) weight->shape[1]);
  return false;
}

bool
ae_op_conv3d (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *weight, const ae_tensor *bias,
              const ae_conv_params *params, ae_error *error)
{
  const char *op = "conv3d";
  char bx[96], bw[96];
  conv_geometry g = { 0 };

  if (!check_tensors (op, out, x, weight, bias, error))
    return false;
  if (x->ndim != 5 || weight->ndim != 5)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: input \"%s\" (%s) must be [B, Cin, T, H, W] and weight \"%s\" "
                    "(%s) [Cout, Cin, KT, KH, KW].",
                    op, x->name, ae_tensor_describe (x, bx, sizeof bx), weight->name,
                    ae_tensor_describe (weight, bw, sizeof bw));
      return false;
    }
  if (!channels_match (op, x, weight, error) || !resolve_params (op, params, &weight->shape[2], weight, &g, error))
    return false;
  g.dtype = x->dtype;
  g.batch = x->shape[0];
  g.cin = x->shape[1];
  g.t = x->shape[2];
  g.h = x->shape[3];
  g.w = x->shape[4];
  g.cout = weight->shape[0];
  output_dims (&g);
  int64_t want[5] = { g.batch, g.cout, g.ot, g.oh, g.ow };
  if (!check_geometry (op, &g, out, x, weight, bias, want, 5, error))
    return false;
  return conv_run (s, op, &g, out, x, weight, bias, error);
}

bool
ae_op_conv2d (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *weight, const ae_tensor *bias,
              const ae_conv_params *params, ae_error *error)
{
  const char *op = "conv2d";
  char bx[96], bw[96];
  conv_geometry g = { 0 };
  ae_conv_params p2 = params != NULL ? *params : (ae_conv_params){ 0 };

  if (!check_tensors (op, out, x, weight, bias, error))
    return false;
  bool weight_ok = weight->ndim == 4 || (weight->ndim == 5 && weight->shape[2] == 1);
  if ((x->ndim != 4 && x->ndim != 5) || !weight_ok)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: input \"%s\" (%s) must be [N, Cin, H, W] or [B, Cin, T, H, W], "
                    "and weight \"%s\" (%s) [Cout, Cin, KH, KW] or [Cout, Cin, 1, KH, KW].",
                    op, x->name, ae_tensor_describe (x, bx, sizeof bx), weight->name,
                    ae_tensor_describe (weight, bw, sizeof bw));
      return false;
    }
  if ((p2.kernel[0] != 0 && p2.kernel[0] != 1) || (p2.stride[0] != 0 && p2.stride[0] != 1) || p2.pad_begin[0] != 0
      || p2.pad_end[0] != 0)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: the T entries of the params must be left 0 (a 2D convolution "
                    "runs on each frame alone).",
                    op);
      return false;
    }
  p2.pad_mode[0] = AE_PAD_ZERO;
  int64_t kernel[3] = { 1, weight->shape[weight->ndim - 2], weight->shape[weight->ndim - 1] };
  if (!channels_match (op, x, weight, error) || !resolve_params (op, &p2, kernel, weight, &g, error))
    return false;
  g.dtype = x->dtype;
  g.batch = x->shape[0];
  g.cin = x->shape[1];
  g.t = x->ndim == 5 ? x->shape[2] : 1;
  g.h = x->shape[x->ndim - 2];
  g.w = x->shape[x->ndim - 1];
  g.cout = weight->shape[0];
  output_dims (&g);
  int64_t want5[5] = { g.batch, g.cout, g.t, g.oh, g.ow }, want4[4] = { g.batch, g.cout, g.oh, g.ow };
  if (!check_geometry (op, &g, out, x, weight, bias, x->ndim == 5 ? want5 : want4, x->ndim, error))
    return false;
  return conv_run (s, op, &g, out, x, weight, bias, error);
}

/* ---- nearest upsampling ---- */

/* Mirrors the push block of shaders/upsample2x.comp. */
typedef struct
{
  uint32_t n, h, w, off_d, off_x;
} upsample_push;
_Static_assert(sizeof (upsample_push) == 20, "upsample2x.comp push block");

#define UPSAMPLE_WORKGROUP 256

bool
ae_op_upsample_nearest2x (ae_stream *s, ae_tensor *out, const ae_tensor *x, ae_error *error)
{
  const char *op = "upsample_nearest2x";
  ae_context *ctx = ae_stream_context (s);
  char bx[96], bo[96];

  if (!ae_check_float (op, x, error) || !ae_check_dtype (op, out, x->dtype, error)
      || !ae_check_contiguous (op, x, error) || !ae_check_contiguous (op, out, error))
    return false;
  bool same = (x->ndim == 4 || x->ndim == 5) && out->ndim == x->ndim;
  for (int i = 0; same && i < x->ndim; i++)
    same = out->shape[i] == x->shape[i] * (i >= x->ndim - 2 ? 2 : 1);
  if (!same)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: input \"%s\" (%s) must be [N, C, H, W] or [B, C, T, H, W] and "
                    "output \"%s\" (%s) the same with H and W doubled.",
                    op, x->name, ae_tensor_describe (x, bx, sizeof bx), out->name,
                    ae_tensor_describe (out, bo, sizeof bo));
      return false;
    }
  if (tensors_overlap (out, x))
    {
      ae_set_error (error, AE_ERROR_INVALID, "%s: output \"%s\" overlaps input \"%s\".", op, out->name, x->name);
      return false;
    }
  int64_t h = x->shape[x->ndim - 2], w = x->shape[x->ndim - 1];
  int64_t plane = h * w, planes = ae_tensor_numel (x) / AE_MAX (plane, 1);
  uint64_t esize = ae_dtype_size (x->dtype);
  if (planes == 0)
    return true;
  if (!fits_binding (ctx, 4 * plane * esize) || 4 * plane > (int64_t) UINT32_MAX)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "%s: one upsampled plane of \"%s\" (%s) is larger than a storage "
                    "binding can hold.",
                    op, out->name, ae_tensor_describe (out, bo, sizeof bo));
      return false;
    }
  /* Whole planes per dispatch, as many as a binding and 32-bit indices allow. */
  int64_t chunk = AE_MIN (ae_split_rows (ctx, 4 * plane * esize), (int64_t) UINT32_MAX / (4 * plane));
  for (int64_t start = 0; start < planes; start += chunk)
    {
      int64_t count = AE_MIN (chunk, planes - start);
      ae_tensor *out_v = flat_view (out, start * 4 * plane, count * 4 * plane, error);
      ae_tensor *x_v = flat_view (x, start * plane, count * plane, error);
      bool ok = out_v != NULL && x_v != NULL;
      if (ok)
        {
          upsample_push push = {
            .n = (uint32_t) (count * 4 * plane),
            .h = (uint32_t) h,
            .w = (uint32_t) w,
            .off_d = ae_binding_element_offset (out_v),
            .off_x = ae_binding_element_offset (x_v),
          };
          char shader[32];
          snprintf (shader, sizeof shader, "upsample2x_%s", ae_float_suffix (x->dtype));
          ae_dispatch d = {
            .shader = shader,
            .spec = { UPSAMPLE_WORKGROUP },
            .n_spec = 1,
            .bindings = { out_v, x_v },
            .n_bindings = 2,
            .push = &push,
            .push_size = sizeof push,
            .bytes = (double) (5 * count * plane) * (double) esize,
          };
          ae_grid_fold (ctx, AE_DIV_UP ((uint64_t) push.n, UPSAMPLE_WORKGROUP), d.groups);
          ok = ae_stream_dispatch (s, &d, error);
        }
      ae_tensor_free (out_v);
      ae_tensor_free (x_v);
      if (!ok)
        return false;
    }
  return true;
}
