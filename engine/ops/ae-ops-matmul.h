/* ae-ops-matmul.h: linear layers and batched matrix products. */
#pragma once

#include "ae-engine.h"

/* out = x w^T + bias, with weights as PyTorch stores them (nn.Linear):
 *
 *  - w [M, K]: one weight matrix.  x [..., K] with any leading dims, all
 *    flattened into rows; out [..., M] with x's leading dims.
 *  - w [B..., M, K] (3-D or more): a batched product.  x [B..., N, K] and
 *    out [B..., N, M] with the same leading dims B...; each batch uses its
 *    own matrix (attention-like products in the VAE).  Leading dims that are
 *    all 1 mean one shared matrix, as with w [M, K].
 *  - bias [M] or NULL: added to every row; any float dtype (f32, f16, bf16),
 *    whatever w and x are.
 *
 * Dtypes: x and out share one of f32, f16, bf16; w is f16 or bf16 with any
 * of them, or f32 with f32 activations.  Every product is accumulated in
 * fp32; the `nv_cm` kernels (NVIDIA tensor cores) round x and w to fp16 as
 * they load them, so bf16 or f32 values beyond fp16's range (|v| > 65504)
 * become infinities there and values below 6e-8 flush towards zero.
 *
 * All tensors must be contiguous.  Tensors past the device's binding range
 * are done in several dispatches along the rows of x and out (or along the
 * batch); a single weight matrix larger than one binding is refused.
 *
 * The kernel follows the stream's path (ae_stream_path): `lvp`, `tiled` or
 * `nv_cm`; tile sizes are chosen from the shape. */
bool ae_op_matmul (ae_stream *s, ae_tensor *out, const ae_tensor *x, const ae_tensor *w, const ae_tensor *bias,
                   ae_error *error);
