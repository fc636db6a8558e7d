/* bench-matmul.c: benchmarks of ae_op_matmul on each kernel path. */
#include "bench/ae-bench.h"

#include <stdio.h>
#include <string.h>

typedef struct
{
  ae_path path;
  ae_tensor *out, *x, *w, *bias;
} matmul_state;

static bool
record_matmul (ae_stream *s, void *data, ae_error *error)
{
  matmul_state *st = data;

  if (!ae_stream_set_path (s, st->path))
    {
      ae_set_error (error, AE_ERROR_UNSUPPORTED, "matmul bench: this device cannot run the %s kernels.",
                    ae_path_name (st->path));
      return false;
    }
  return ae_op_matmul (s, st->out, st->x, st->w, st->bias, error);
}

/* Uniform values in [-1, 1): zeros would flatter tensor cores. */
static bool
fill (ae_tensor *t, uint64_t seed, ae_error *error)
{
  int64_t n = ae_tensor_numel (t);
  float *data = malloc ((size_t) n * sizeof *data);
  uint64_t state = seed * 0x9e3779b97f4a7c15ull + 1;

  if (data == NULL)
    {
      ae_set_error (error, AE_ERROR_OUT_OF_MEMORY, "matmul bench: no host memory for %lld values.", (long long) n);
      return false;
    }
  for (int64_t i = 0; i < n; i++)
    {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      data[i] = (float) (state >> 40) / (float) (1 << 23) - 1.0f;
    }
  bool ok = ae_tensor_upload_f32 (t, data, error);
  free (data);
  return ok;
}

/* Times out[n, m] = x[n, k] w[m, k]^T (+ bias) on one path; a path the
 * device lacks is skipped.  Returns false only when the op itself failed. */
static bool
bench_one (ae_bench *b, ae_path path, ae_dtype act, ae_dtype weight, int64_t n, int64_t m, int64_t k, bool bias,
           bool gemm, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  int64_t xs[2] = { n, k }, ws[2] = { m, k }, os[2] = { n, m }, bs[1] = { m };
  matmul_state st = { .path = path };
  bool ok = false;

  if (!ae_path_supported (ctx, path))
    return true;
  st.x = ae_tensor_new (ctx, act, 2, xs, "x", error);
  st.w = st.x != NULL ? ae_tensor_new (ctx, weight, 2, ws, "w", error) : NULL;
  st.out = st.w != NULL ? ae_tensor_new (ctx, act, 2, os, "out", error) : NULL;
  st.bias = st.out != NULL && bias ? ae_tensor_new (ctx, weight, 1, bs, "bias", error) : NULL;
  if (st.out == NULL || (bias && st.bias == NULL))
    goto out;
  if (!fill (st.x, 1, error) || !fill (st.w, 2, error) || (st.bias != NULL && !fill (st.bias, 3, error)))
    goto out;

  ae_bench_case c = {
    .op = "matmul",
    .variant = ae_path_name (path),
    .dtype = act,
    .flops = 2.0 * (double) n * (double) m * (double) k,
    .bytes = (double) (ae_tensor_nbytes (st.x) + ae_tensor_nbytes (st.w) + ae_tensor_nbytes (st.out)),
    .gemm_m = gemm ? n : 0,
    .gemm_n = gemm ? m : 0,
    .gemm_k = gemm ? k : 0,
    .record = record_matmul,
    .state = &st,
  };
  if (act == weight)
    snprintf (c.shape, sizeof c.shape, "%lldx%lldx%lld", (long long) n, (long long) m, (long long) k);
  else
    snprintf (c.shape, sizeof c.shape, "%lldx%lldx%lld w %s", (long long) n, (long long) m, (long long) k,
              ae_dtype_name (weight));
  ok = ae_bench_time (b, &c, error);

out:
  ae_tensor_free (st.x);
  ae_tensor_free (st.w);
  ae_tensor_free (st.out);
  ae_tensor_free (st.bias);
  return ok;
}

bool
ae_bench_matmul (ae_bench *b, ae_error *error)
{
  ae_context *ctx = ae_bench_context (b);
  bool quick = ae_bench_quick (b);
  bool cpu = ae_context_device (ctx)->type == AE_DEVICE_CPU;

  if (!ae_bench_wants (b, "matmul"))
    return true;

  /* Square f32 products on every path, beside OpenBLAS sgemm on CPU devices.
   * On lavapipe the tiled kernel runs at about 2 GFLOP/s: 1024^3 only. */
  static const int64_t square[] = { 1024, 2048 };
  static const int64_t square_quick[] = { 256, 512 };
  for (int p = 0; p < AE_N_PATHS; p++)
    for (size_t i = 0; i < AE_N_ELEMENTS (square); i++)
      {
        int64_t size = quick ? square_quick[i] : square[i];
        if (cpu && p == AE_PATH_TILED && size > 1024)
          continue;
        if (!bench_one (b, (ae_path) p, AE_F32, AE_F32, size, size, size, false, true, error))
          return false;
      }

  /* A layer of the demo-sized model on lavapipe: bf16 weights, f32 activations. */
  if (cpu)
    return bench_one (b, AE_PATH_LVP, AE_F32, AE_BF16, quick ? 64 : 256, 2304, 2304, true, false, error);

  /* GPUs: tensor cores at 8192^3, and the DiT's attention projections over
   * 79,232 tokens (2 x 39,616 with CFG) in f16 and bf16. */
  if (!quick && !bench_one (b, AE_PATH_NV_CM, AE_F16, AE_F16, 8192, 8192, 8192, false, false, error))
    return false;
  int64_t tokens = quick ? 4096 : 79232;
  for (int p = AE_PATH_TILED; p < AE_N_PATHS; p++)
    for (ae_dtype d = AE_F16; d <= AE_BF16; d++)
      if (!bench_one (b, (ae_path) p, d, d, tokens, 2304, 2304, true, false, error))
        return false;
  return true;
}
