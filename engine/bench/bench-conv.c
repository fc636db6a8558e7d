/* bench-conv.c: benchmarks of the convolution kernels.
 *
 * flops = 2 * Cout * output pixels * Cin * KT * KH * KW (the implicit GEMM's
 * 2MNK; padding taps count as work, as they do in the kernel).  On GPUs the
 * decoder's own layers at one VAE tile (latent 6x40x40 -> video 24x320x320,
 * allegro-spec.md 6.5-6.7) run in f32 (the VAE's precision) and f16, on the
 * device's path and, where that is nv_cm, on tiled too.  CPU devices and
 * --quick get small layers that finish in seconds; there the OpenBLAS sgemm
 * of the same M, N, K is timed beside them.
 */
#include "bench/ae-bench.h"

#include <stdio.h>
#include <string.h>

typedef struct
{
  ae_tensor *out, *x, *weight, *bias;
  ae_conv_params params;
  bool conv2d;
  bool upsample_only;
} conv_state;

static bool
record_conv (ae_stream *s, void *state, ae_error *error)
{
  conv_state *c = state;

  if (c->upsample_only)
    return ae_op_upsample_nearest2x (s, c->out, c->x, error);
  if (c->conv2d)
    return ae_op_conv2d (s, c->out, c->x, c->weight, c->bias, &c->params, error);
  return ae_op_conv3d (s, c->out, c->x, c->weight, c->bias, &c->params, error);
}

static void
free_state (conv_state *c)
{
  ae_tensor_free (c->out);
  ae_tensor_free (c->x);
  ae_tensor_free (c->weight);
  ae_tensor_free (c->bias);
  memset (c, 0, sizeof *c);
}

/* Small values with no denormals or infs, so CPU devices time real arithmetic. */
static bool
fill (ae_tensor *t, ae_error *error)
{
  size_t n = (size_t) ae_tensor_numel (t);
  float *data = malloc (n * sizeof *data);
  if (data == NULL)
    {
      ae_set_error (error, AE_ERROR_OUT_OF_MEMORY, "conv bench: no host memory for %zu values.", n);
      return false;
    }
  for (size_t i = 0; i < n; i++)
    data[i] = (float) ((int) (i % 17) - 8) * (1.0f / 64);
  bool ok = ae_tensor_upload_f32 (t, data, error);
  free (data);
  return ok;
}

typedef struct
{
  const char *label; /* the VAE layer it stands for */
  int64_t batch, cin, cout, t, h, w;
  int kernel[3];
  ae_conv_params params;
  bool conv2d; /* per frame, [B, C, T, H, W] with a 2D weight */
} conv_shape;

/* Times one layer on `variant` (NULL: the stream's default path). */
static bool
bench_layer (ae_bench *b, const conv_shape *l, ae_dtype dtype, const char *variant, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  conv_state c = { .params = l->params, .conv2d = l->conv2d };
  int64_t up = l->params.upsample2x ? 2 : 1;
  int64_t ot = ae_conv_output_size (l->t, l->kernel[0], l->params.stride[0] ? l->params.stride[0] : 1,
                                    l->params.pad_begin[0], l->params.pad_end[0]);
  int64_t oh = ae_conv_output_size (l->h * up, l->kernel[1], l->params.stride[1] ? l->params.stride[1] : 1,
                                    l->params.pad_begin[1], l->params.pad_end[1]);
  int64_t ow = ae_conv_output_size (l->w * up, l->kernel[2], l->params.stride[2] ? l->params.stride[2] : 1,
                                    l->params.pad_begin[2], l->params.pad_end[2]);
  int64_t xs[5] = { l->batch, l->cin, l->t, l->h, l->w }, os[5] = { l->batch, l->cout, ot, oh, ow };
  int64_t ws[5] = { l->cout, l->cin, l->kernel[0], l->kernel[1], l->kernel[2] };
  char op[64];

  c.x = ae_tensor_new (ctx, dtype, 5, xs, "bench x", error);
  c.weight = c.x ? ae_tensor_new (ctx, dtype, 5, ws, "bench weight", error) : NULL;
  c.bias = c.weight ? ae_tensor_new (ctx, dtype, 1, &l->cout, "bench bias", error) : NULL;
  c.out = c.bias ? ae_tensor_new (ctx, dtype, 5, os, "bench out", error) : NULL;
  if (c.out == NULL || !fill (c.x, error) || !fill (c.weight, error) || !fill (c.bias, error))
    {
      free_state (&c);
      return false;
    }
  double pixels = (double) (l->batch * ot * oh * ow);
  double k = (double) (l->cin * l->kernel[0] * l->kernel[1] * l->kernel[2]);
  snprintf (op, sizeof op, "conv3d %s", l->label);
  ae_bench_case bc = {
    .op = op,
    .variant = variant,
    .dtype = dtype,
    .flops = 2.0 * (double) l->cout * pixels * k,
    .bytes
    = (double) ae_dtype_size (dtype)
      * ((double) ae_tensor_numel (c.x) + (double) ae_tensor_numel (c.weight) + (double) ae_tensor_numel (c.out)),
    .gemm_m = l->cout,
    .gemm_n = (int64_t) pixels,
    .gemm_k = (int64_t) k,
    .record = record_conv,
    .state = &c,
  };
  snprintf (bc.shape, sizeof bc.shape, "%lldx%lldx%lldx%lldx%lld->%lld k%dx%dx%d", (long long) l->batch,
            (long long) l->cin, (long long) l->t, (long long) l->h, (long long) l->w, (long long) l->cout, l->kernel[0],
            l->kernel[1], l->kernel[2]);
  bool ok = ae_bench_time (b, &bc, error);
  free_state (&c);
  return ok;
}

static bool
bench_upsample (ae_bench *b, ae_dtype dtype, int64_t c_, int64_t t, int64_t h, int64_t w, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  conv_state c = { .upsample_only = true };
  int64_t xs[5] = { 1, c_, t, h, w }, os[5] = { 1, c_, t, 2 * h, 2 * w };

  c.x = ae_tensor_new (ctx, dtype, 5, xs, "bench x", error);
  c.out = c.x ? ae_tensor_new (ctx, dtype, 5, os, "bench out", error) : NULL;
  if (c.out == NULL || !fill (c.x, error))
    {
      free_state (&c);
      return false;
    }
  ae_bench_case bc = {
    .op = "upsample_nearest2x",
    .dtype = dtype,
    .bytes = 5.0 * (double) ae_tensor_numel (c.x) * (double) ae_dtype_size (dtype),
    .record = record_conv,
    .state = &c,
  };
  snprintf (bc.shape, sizeof bc.shape, "1x%lldx%lldx%lldx%lld", (long long) c_, (long long) t, (long long) h,
            (long long) w);
  bool ok = ae_bench_time (b, &bc, error);
  free_state (&c);
  return ok;
}

/* clang-format off */
#define SAME_2D { .pad_begin = { 0, 1, 1 }, .pad_end = { 0, 1, 1 } }
#define SAME_2D_UPSAMPLED { .pad_begin = { 0, 1, 1 }, .pad_end = { 0, 1, 1 }, .upsample2x = true }
#define TEMPORAL_333 { .pad_begin = { 1, 1, 1 }, .pad_end = { 1, 1, 1 }, \
                       .pad_mode = { AE_PAD_REPLICATE, AE_PAD_ZERO, AE_PAD_ZERO } }
#define TEMPORAL_311 { .pad_begin = { 1 }, .pad_end = { 1 }, \
                       .pad_mode = { AE_PAD_REPLICATE, AE_PAD_ZERO, AE_PAD_ZERO } }
/* clang-format on */

/* One decoder tile (latent 6x40x40): the layers that carry its FLOPs. */
static const conv_shape decoder_layers[] = {
  /* up_blocks.1 resnets: 512 channels, 6 frames at 80x80. */
  { "3x3 512->512 up1 resnet", 1, 512, 512, 6, 80, 80, { 1, 3, 3 }, SAME_2D, true },
  /* up_blocks.1 temp_conv_up conv2..4: (3,3,3), 12 frames at 80x80, replicate T. */
  { "333 512 up1 temp_conv_up", 1, 512, 512, 12, 80, 80, { 3, 3, 3 }, TEMPORAL_333, false },
  /* up_blocks.2 resnets.0.conv1: 512 -> 256 at 12 x 160x160. */
  { "3x3 512->256 up2 resnet", 1, 512, 256, 12, 160, 160, { 1, 3, 3 }, SAME_2D, true },
  /* up_blocks.2 Upsample2D: nearest x2 folded into 3x3 256->256, 24 x 160x160 -> 320x320. */
  { "3x3 256 up2 upsample+conv", 1, 256, 256, 24, 160, 160, { 1, 3, 3 }, SAME_2D_UPSAMPLED, true },
  /* up_blocks.3 temp_convs: (3,1,1) 128 channels, 24 x 320x320. */
  { "311 128 up3 temp_convs", 1, 128, 128, 24, 320, 320, { 3, 1, 1 }, TEMPORAL_311, false },
  /* conv_out: 128 -> 3 at 24 x 320x320. */
  { "3x3 128->3 conv_out", 1, 128, 3, 24, 320, 320, { 1, 3, 3 }, SAME_2D, true },
};

/* Small layers for CPU devices and --quick. */
static const conv_shape small_layers[] = {
  { "3x3 64->64", 1, 64, 64, 2, 32, 32, { 1, 3, 3 }, SAME_2D, true },
  { "333 32", 1, 32, 32, 4, 16, 16, { 3, 3, 3 }, TEMPORAL_333, false },
  { "311 64", 1, 64, 64, 4, 32, 32, { 3, 1, 1 }, TEMPORAL_311, false },
  { "3x3 64->3", 1, 64, 3, 2, 32, 32, { 1, 3, 3 }, SAME_2D, true },
  { "3x3 s2 down 64", 1, 64, 64, 2, 32, 32, { 1, 3, 3 }, { .stride = { 1, 2, 2 }, .pad_end = { 0, 1, 1 } }, true },
};

bool
ae_bench_conv (ae_bench *b, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  const ae_device_info *info = ae_context_device (ctx);
  bool small = ae_bench_quick (b) || info->type == AE_DEVICE_CPU;
  const conv_shape *layers = small ? small_layers : decoder_layers;
  size_t n = small ? AE_N_ELEMENTS (small_layers) : AE_N_ELEMENTS (decoder_layers);
  bool ok = true;

  if (!ae_bench_wants (b, "conv"))
    return true;
  for (size_t i = 0; i < n; i++)
    {
      ok = bench_layer (b, &layers[i], AE_F32, NULL, error) && ok;
      if (!small)
        ok = bench_layer (b, &layers[i], AE_F16, NULL, error) && ok;
      /* Where the device's path is nv_cm, the shared-memory kernel beside it. */
      if (!small && info->path == AE_PATH_NV_CM)
        ok = bench_layer (b, &layers[i], AE_F32, "tiled", error) && ok;
    }
  if (small)
    ok = bench_upsample (b, AE_F32, 64, 2, 32, 32, error) && ok;
  else
    ok = bench_upsample (b, AE_F32, 256, 24, 160, 160, error) && ok;
  return ok;
}
