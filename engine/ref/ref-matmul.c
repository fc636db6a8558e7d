/* ref-matmul.c */
#include "ref/ae-ref.h"

void
ae_ref_matmul (float *out, const float *x, const float *w, const float *bias, int64_t n_batch, int64_t n, int64_t m,
               int64_t k, bool w_batched)
{
  for (int64_t b = 0; b < n_batch; b++)
    {
      const float *xb = x + b * n * k;
      const float *wb = w_batched ? w + b * m * k : w;
      float *ob = out + b * n * m;
      for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < m; j++)
          {
            double sum = bias != NULL ? bias[j] : 0.0;
            for (int64_t l = 0; l < k; l++)
              sum += (double) xb[i * k + l] * (double) wb[j * k + l];
            ob[i * m + j] = (float) sum;
          }
    }
}
