/* ae-ref-conv.h: references for ae-ops-conv.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One convolution's sizes and geometry, per axis T, H, W (index 0, 1, 2). */
typedef struct
{
  int64_t batch, cin, t, h, w; /* input [batch, cin, t, h, w] */
  int64_t cout;
  int kernel[3];
  int stride[3]; /* >= 1 */
  int pad_begin[3], pad_end[3];
  bool replicate[3]; /* replicate padding on that axis, else zeros */
  bool upsample2x;   /* nearest x2 in h and w before padding */
} ae_ref_conv_shape;

/* Output sizes {ot, oh, ow} of the convolution (0 or less when it is empty). */
void ae_ref_conv_out_dims (const ae_ref_conv_shape *shape, int64_t out_dims[3]);

/* out [batch, cout, ot, oh, ow] = conv (x, weight [cout, cin, kt, kh, kw]) + bias
 * [cout] (bias may be NULL), done the way PyTorch spells it: nearest
 * upsampling, then F.pad (replicate or zeros per axis) into a new array, then
 * an unpadded strided convolution summed in double. */
void ae_ref_conv3d (float *out, const float *x, const float *weight, const float *bias, const ae_ref_conv_shape *shape);

/* out [planes, 2h, 2w] = nearest x2 upsampling of x [planes, h, w]. */
void ae_ref_upsample_nearest2x (float *out, const float *x, int64_t planes, int64_t h, int64_t w);
