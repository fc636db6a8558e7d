/* ae-ops-elementwise.h: element-wise arithmetic and activations. */
#pragma once

#include "ae-engine.h"

/* out[i] = a[i] + b[i % numel(b)]: b's shape must be a suffix of a's (a
 * bias, a per-channel vector), equal to it, or a single element.  out, a, b share one dtype. */
bool ae_op_add (ae_stream *s, ae_tensor *out, const ae_tensor *a, const ae_tensor *b, ae_error *error);
/* out[i] = a[i] * b[i % numel(b)], shapes as for ae_op_add. */
bool ae_op_mul (ae_stream *s, ae_tensor *out, const ae_tensor *a, const ae_tensor *b, ae_error *error);
