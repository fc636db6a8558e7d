/* ae-ref-matmul.h */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* out[b][i][j] = sum_k x[b][i][k] * w[b][j][k] + bias[j], summed in double.
 * x [n_batch][n][k], out [n_batch][n][m]; w [n_batch][m][k] when w_batched,
 * else one [m][k] for every batch; bias [m] or NULL. */
void ae_ref_matmul (float *out, const float *x, const float *w, const float *bias, int64_t n_batch, int64_t n,
                    int64_t m, int64_t k, bool w_batched);
