/* ae-ops-conv.h: convolutions and nearest upsampling for the 3D VAE.
 *
 * Layouts are PyTorch's: activations NCDHW [B, C, T, H, W] (or NCHW
 * [N, C, H, W] for per-frame 2D layers), weights [Cout, Cin, KT, KH, KW]
 * (or [Cout, Cin, KH, KW]), bias [Cout].  Every tensor must be contiguous.
 *
 * dtypes: out, x, weight and bias share one float dtype (f32, f16 or bf16);
 * products are summed in fp32 whatever the storage.  On the nv_cm path the
 * operands of the tensor-core products are fp16: f32 and bf16 values are
 * rounded to fp16 (10-bit mantissa; magnitudes past 65504 become inf), the
 * sums stay fp32.
 *
 * The kernel is an implicit GEMM (M = Cout, N = output pixels,
 * K = Cin * KT * KH * KW); no im2col buffer and no padded copy of the input is
 * ever written: padding and the optional nearest x2 upsampling happen in the
 * gather.  The stream's path picks the kernel: lvp (one 8-wide subgroup per
 * workgroup, no shared memory), tiled (shared-memory tiles), nv_cm (fp16
 * cooperative matrices; tiled where the device lacks a 16x16x16 or 16x8x16
 * fp16 -> fp32 shape).
 *
 * Tensors larger than one storage binding (ae_context_max_binding_range) are
 * split by batch, output channels and input channels.  Input-channel chunks
 * add their partial sums into `out`, so with f16/bf16 storage such a split
 * rounds to the storage type once per chunk; an error names the tensor when
 * even one channel plane cannot be bound.
 */
#pragma once

#include "ae-engine.h"

/* Axis indices of ae_conv_params' arrays. */
enum
{
  AE_CONV_T = 0,
  AE_CONV_H = 1,
  AE_CONV_W = 2,
};

typedef enum
{
  AE_PAD_ZERO = 0,  /* outside reads 0 (Conv3d padding=, F.pad constant 0) */
  AE_PAD_REPLICATE, /* outside reads the nearest edge element (F.pad mode="replicate") */
} ae_pad_mode;

/* Geometry of a convolution, per axis T, H, W (index AE_CONV_T/H/W).  Zeroed
 * fields are the plain case: a designated initialiser names only what differs,
 *
 *   ae_conv_params temporal = { .pad_begin = { 1, 1, 1 }, .pad_end = { 1, 1, 1 },
 *                               .pad_mode = { AE_PAD_REPLICATE } };      // (3,3,3)
 *   ae_conv_params down2d = { .stride = { 1, 2, 2 }, .pad_end = { 0, 1, 1 } };
 *
 * Output size per axis, as PyTorch computes it after F.pad:
 *   O = (I' + pad_begin + pad_end - kernel) / stride + 1,  I' = 2 I for H and W
 * when upsample2x, else I.  O must be at least 1. */
typedef struct
{
  int kernel[3];           /* 1..3; 0 takes the size from the weight's shape, else it must match */
  int stride[3];           /* 1 or 2; 0 means 1 */
  int pad_begin[3];        /* 0..3 elements before the first one */
  int pad_end[3];          /* 0..3 elements after the last one (asymmetric padding) */
  ae_pad_mode pad_mode[3]; /* per axis; the VAE replicates T and zero-pads H and W */
  bool upsample2x;         /* nearest x2 in H and W before padding, folded into the
                            * gather: Upsample2D's interpolate + conv in one kernel */
} ae_conv_params;

/* The output length of one axis (the formula above); 0 or less when the
 * window does not fit.  For upsample2x pass the doubled input length. */
int64_t ae_conv_output_size (int64_t input, int kernel, int stride, int pad_begin, int pad_end);

/* 3D convolution:
 *   out [B, Cout, OT, OH, OW] = conv(x [B, Cin, T, H, W], weight [Cout, Cin, KT, KH, KW]) + bias [Cout]
 * bias may be NULL.  Kernel sizes 1..3 per axis, strides 1 or 2, padding per
 * params (NULL params: stride 1, no padding).  out must not overlap x. */
bool ae_op_conv3d (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *weight, const ae_tensor *bias,
                   const ae_conv_params *params, ae_error *error);

/* 2D convolution applied to every frame, a thin wrapper on ae_op_conv3d with KT = 1:
 *  - x [N, Cin, H, W] (frames flattened into the batch, N = B*T): out [N, Cout, OH, OW];
 *  - x [B, Cin, T, H, W] (frames in place): out [B, Cout, T, OH, OW].
 * weight [Cout, Cin, KH, KW] or [Cout, Cin, 1, KH, KW]; bias [Cout] or NULL.
 * Only the H and W entries of params are read; its T entries must be left 0. */
bool ae_op_conv2d (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *weight, const ae_tensor *bias,
                   const ae_conv_params *params, ae_error *error);

/* Nearest upsampling x2 in H and W (F.interpolate(scale_factor=2, mode="nearest")),
 * every frame and channel alike:
 *   x [N, C, H, W] -> out [N, C, 2H, 2W],  x [B, C, T, H, W] -> out [B, C, T, 2H, 2W].
 * out and x share one float dtype.  ae_conv_params.upsample2x does the same
 * inside a convolution without writing the 4x tensor. */
bool ae_op_upsample_nearest2x (ae_stream *s, ae_tensor *out, const ae_tensor *x, ae_error *error);
