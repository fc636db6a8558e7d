/* ref-conv.c: convolutions the slow, literal way.
 *
 * Deliberately unlike the kernels' index arithmetic: the input is upsampled
 * and padded into real arrays first, as F.interpolate and F.pad would, so the
 * reference checks the kernels' folded gather rather than repeating it.
 */
#include "ref/ae-ref.h"

#include <stdlib.h>

void
ae_ref_conv_out_dims (const ae_ref_conv_shape *shape, int64_t out_dims[3])
{
  int64_t in[3] = { shape->t, shape->h, shape->w };

  for (int a = 0; a < 3; a++)
    {
      int64_t size = in[a] * (shape->upsample2x && a > 0 ? 2 : 1);
      int64_t padded = size + shape->pad_begin[a] + shape->pad_end[a];
      out_dims[a] = padded < shape->kernel[a] ? 0 : (padded - shape->kernel[a]) / shape->stride[a] + 1;
    }
}

/* Index into the source axis for padded position p, or -1 for a zero. */
static int64_t
source_index (int64_t p, int64_t size, int pad_begin, bool replicate)
{
  int64_t i = p - pad_begin;

  if (i >= 0 && i < size)
    return i;
  if (!replicate)
    return -1;
  return i < 0 ? 0 : size - 1;
}

void
ae_ref_conv3d (float *out, const float *x, const float *weight, const float *bias, const ae_ref_conv_shape *shape)
{
  int64_t planes = shape->batch * shape->cin;
  int64_t t = shape->t, h = shape->h, w = shape->w;
  int64_t out_dims[3];

  ae_ref_conv_out_dims (shape, out_dims);
  if (out_dims[0] <= 0 || out_dims[1] <= 0 || out_dims[2] <= 0)
    return;

  /* F.interpolate(scale_factor=2, mode="nearest") on H and W. */
  const float *src = x;
  float *upsampled = NULL;
  if (shape->upsample2x)
    {
      upsampled = malloc ((size_t) (planes * t * 4 * h * w) * sizeof *upsampled);
      ae_ref_upsample_nearest2x (upsampled, x, planes * t, h, w);
      src = upsampled;
      h *= 2;
      w *= 2;
    }

  /* F.pad, each axis with its own mode. */
  int64_t pt = t + shape->pad_begin[0] + shape->pad_end[0];
  int64_t ph = h + shape->pad_begin[1] + shape->pad_end[1];
  int64_t pw = w + shape->pad_begin[2] + shape->pad_end[2];
  float *padded = malloc ((size_t) (planes * pt * ph * pw) * sizeof *padded);
  for (int64_t plane = 0; plane < planes; plane++)
    for (int64_t i = 0; i < pt; i++)
      for (int64_t j = 0; j < ph; j++)
        for (int64_t k = 0; k < pw; k++)
          {
            int64_t si = source_index (i, t, shape->pad_begin[0], shape->replicate[0]);
            int64_t sj = source_index (j, h, shape->pad_begin[1], shape->replicate[1]);
            int64_t sk = source_index (k, w, shape->pad_begin[2], shape->replicate[2]);
            float value = 0;
            if (si >= 0 && sj >= 0 && sk >= 0)
              value = src[((plane * t + si) * h + sj) * w + sk];
            padded[((plane * pt + i) * ph + j) * pw + k] = value;
          }

  /* A valid, strided convolution over the padded array. */
  int kt = shape->kernel[0], kh = shape->kernel[1], kw = shape->kernel[2];
  int64_t ot = out_dims[0], oh = out_dims[1], ow = out_dims[2];
  for (int64_t b = 0; b < shape->batch; b++)
    for (int64_t co = 0; co < shape->cout; co++)
      for (int64_t i = 0; i < ot; i++)
        for (int64_t j = 0; j < oh; j++)
          for (int64_t k = 0; k < ow; k++)
            {
              double sum = bias != NULL ? bias[co] : 0.0;
              for (int64_t ci = 0; ci < shape->cin; ci++)
                for (int a = 0; a < kt; a++)
                  for (int c = 0; c < kh; c++)
                    for (int e = 0; e < kw; e++)
                      {
                        double wv = weight[(((co * shape->cin + ci) * kt + a) * kh + c) * kw + e];
                        int64_t pi = i * shape->stride[0] + a;
                        int64_t pj = j * shape->stride[1] + c;
                        int64_t pk = k * shape->stride[2] + e;
                        sum += wv * padded[(((b * shape->cin + ci) * pt + pi) * ph + pj) * pw + pk];
                      }
              out[(((b * shape->cout + co) * ot + i) * oh + j) * ow + k] = (float) sum;
            }
  free (padded);
  free (upsampled);
}

void
ae_ref_upsample_nearest2x (float *out, const float *x, int64_t planes, int64_t h, int64_t w)
{
  for (int64_t plane = 0; plane < planes; plane++)
    for (int64_t i = 0; i < 2 * h; i++)
      for (int64_t j = 0; j < 2 * w; j++)
        out[(plane * 2 * h + i) * 2 * w + j] = x[(plane * h + i / 2) * w + j / 2];
}
