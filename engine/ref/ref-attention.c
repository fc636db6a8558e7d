/* ref-attention.c */
#include "ref/ae-ref.h"

#include <math.h>
#include <stdlib.h>

void
ae_ref_attention (float *out, const float *q, const float *k, const float *v, const ae_ref_attention_params *p)
{
  int64_t nq = p->nq, nk = p->nk, d = p->head_dim;
  int64_t kv_len = p->kv_len > 0 && p->kv_len < nk ? p->kv_len : nk;
  double *score = malloc ((size_t) (nk > 0 ? nk : 1) * sizeof *score);
  double *acc = malloc ((size_t) (d > 0 ? d : 1) * sizeof *acc);

  for (int64_t b = 0; b < p->batch; b++)
    for (int64_t h = 0; h < p->heads; h++)
      {
        const float *qh = q + (b * p->heads + h) * nq * d;
        const float *kh = k + (b * p->heads + h) * nk * d;
        const float *vh = v + (b * p->heads + h) * nk * d;
        float *oh = out + (b * p->heads + h) * nq * d;
        for (int64_t i = 0; i < nq; i++)
          {
            double max = -INFINITY, sum = 0;
            for (int64_t j = 0; j < kv_len; j++)
              {
                double bias = 0;
                score[j] = -INFINITY;
                if (p->key_bias != NULL)
                  {
                    bias = p->key_bias[b * nk + j];
                    /* The kernel's contract: such keys are absent, not e^-huge. */
                    if (bias <= -1e30)
                      continue;
                  }
                if (p->position_bias != NULL)
                  bias += p->position_bias[h * (nq + nk - 1) + (j - i) + (nq - 1)];
                double dot = 0;
                for (int64_t c = 0; c < d; c++)
                  dot += (double) qh[i * d + c] * (double) kh[j * d + c];
                score[j] = dot * (double) p->scale + bias;
                if (score[j] > max)
                  max = score[j];
              }
            for (int64_t c = 0; c < d; c++)
              acc[c] = 0;
            if (max > -INFINITY)
              for (int64_t j = 0; j < kv_len; j++)
                {
                  if (score[j] == -INFINITY)
                    continue;
                  double w = exp (score[j] - max);
                  sum += w;
                  for (int64_t c = 0; c < d; c++)
                    acc[c] += w * (double) vh[j * d + c];
                }
            for (int64_t c = 0; c < d; c++)
              oh[i * d + c] = sum > 0 ? (float) (acc[c] / sum) : 0.0f;
          }
      }
  free (score);
  free (acc);
}
