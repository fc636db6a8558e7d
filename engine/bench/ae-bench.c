/* ae-bench.c: timing kernels, measuring the device's peaks, and the report.
 *
 * Figures are printed, never asserted: these machines are shared and noisy.
 * Each case is warmed up, then recorded many times per submit until a batch
 * lasts long enough; the time per op is the best of several batches.  On GPUs
 * the time comes from timestamps around the batch; on CPU devices from the
 * wall clock, which is what OpenBLAS is measured with side by side.
 */
#include "bench/ae-bench.h"
#include "ae-internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#ifdef AE_HAVE_OPENBLAS
#include <cblas.h>
#endif

typedef struct
{
  char op[48];
  char variant[16];
  ae_dtype dtype;
  char shape[96];
  double seconds;
  double gflops, gbps;
  double fraction_of_peak; /* NAN when no peak applies */
  const char *peak_name;
  double openblas_gflops; /* NAN when not measured */
  char error[512];
} bench_row;

struct ae_bench
{
  ae_context *ctx;
  ae_bench_params params;
  bool cpu;
  double peak_fp32_gflops;
  double peak_coopmat_gflops; /* 0 without cooperative matrices */
  double peak_gbps;
  bench_row *rows;
  size_t n_rows, cap_rows;
};

ae_context *
ae_bench_context (ae_bench *b)
{
  return b->ctx;
}

void
ae_bench_shape_text (char *buf, size_t size, int ndim, const int64_t *shape)
{
  size_t used = 0;
  buf[0] = '\0';
  for (int k = 0; k < ndim && used < size; k++)
    used += (size_t) snprintf (buf + used, size - used, k ? "x%lld" : "%lld", (long long) shape[k]);
}

bool
ae_bench_quick (const ae_bench *b)
{
  return b->params.quick;
}

bool
ae_bench_wants (const ae_bench *b, const char *family)
{
  return b->params.only == NULL || strcmp (b->params.only, family) == 0;
}

static double
min_seconds (const ae_bench *b)
{
  if (b->params.min_seconds > 0)
    return b->params.min_seconds;
  return b->params.quick ? 0.05 : 0.5;
}

/* Records `reps` copies of an op and runs them; returns seconds per op. */
static bool
time_batch (ae_bench *b, ae_stream *s, ae_bench_record_func record, void *state, int reps, double *seconds,
            ae_error *error)
{
  double start = ae_monotonic_seconds ();
  for (int i = 0; i < reps; i++)
    if (!record (s, state, error))
      return false;
  if (!ae_stream_finish (s, error))
    return false;
  double wall = ae_monotonic_seconds () - start;
  double gpu = ae_stream_last_gpu_seconds (s);
  /* GPU timestamps leave out recording and submission; CPU devices are timed
   * by the wall clock, like the CPU library beside them. */
  *seconds = (!b->cpu && gpu > 0 ? gpu : wall) / reps;
  return true;
}

/* Warm up, grow the batch until it lasts min_seconds / 3, keep the best of three. */
static bool
measure (ae_bench *b, ae_stream *s, ae_bench_record_func record, void *state, double *best, ae_error *error)
{
  double t = 0;
  int reps = 1;

  /* Warm up for a while, not once: on the H200's VM the first ~200 ms of
   * work on fresh memory ran 2-3x slower and halved short measurements. */
  double warm_until = ae_monotonic_seconds () + (b->params.quick ? 0.01 : 0.25);
  do
    if (!time_batch (b, s, record, state, 1, &t, error))
      return false;
  while (ae_monotonic_seconds () < warm_until);
  double target = min_seconds (b) / 3;
  while (t * reps < target && reps < (1 << 20))
    {
      reps = (int) AE_MIN ((double) (1 << 20), AE_MAX (2.0 * reps, ceil (target / AE_MAX (t, 1e-7))));
      if (!time_batch (b, s, record, state, reps, &t, error))
        return false;
    }
  *best = t;
  for (int round = 0; round < 2; round++)
    {
      if (!time_batch (b, s, record, state, reps, &t, error))
        return false;
      *best = AE_MIN (*best, t);
    }
  return true;
}

#ifdef AE_HAVE_OPENBLAS
/* OpenBLAS sgemm on the same shape, out[N][M] = x[N][K] w[M][K]^T, best of a few. */
static double
openblas_gflops (const ae_bench *b, int64_t m, int64_t n, int64_t k)
{
  float *x = malloc ((size_t) (n * k) * sizeof *x);
  float *w = malloc ((size_t) (m * k) * sizeof *w);
  float *out = malloc ((size_t) (n * m) * sizeof *out);
  double best = INFINITY;

  for (int64_t i = 0; i < n * k; i++)
    x[i] = (float) ((i * 7919) % 1000) / 1000.0f - 0.5f;
  for (int64_t i = 0; i < m * k; i++)
    w[i] = (float) ((i * 104729) % 1000) / 1000.0f - 0.5f;
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) n, (int) m, (int) k, 1.0f, x, (int) k, w, (int) k, 0.0f,
               out, (int) m);
  double deadline = ae_monotonic_seconds () + min_seconds (b);
  int runs = 0;
  while (runs < 3 || (ae_monotonic_seconds () < deadline && runs < 1000))
    {
      double start = ae_monotonic_seconds ();
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) n, (int) m, (int) k, 1.0f, x, (int) k, w, (int) k,
                   0.0f, out, (int) m);
      best = AE_MIN (best, ae_monotonic_seconds () - start);
      runs++;
    }
  free (x);
  free (w);
  free (out);
  return 2.0 * (double) m * (double) n * (double) k / best * 1e-9;
}
#endif

static bench_row *
add_row (ae_bench *b, const ae_bench_case *c)
{
  if (b->n_rows == b->cap_rows)
    {
      b->cap_rows = b->cap_rows ? 2 * b->cap_rows : 32;
      b->rows = realloc (b->rows, b->cap_rows * sizeof *b->rows);
    }
  bench_row *row = &b->rows[b->n_rows++];
  memset (row, 0, sizeof *row);
  snprintf (row->op, sizeof row->op, "%s", c->op);
  row->dtype = c->dtype;
  snprintf (row->shape, sizeof row->shape, "%s", c->shape);
  row->fraction_of_peak = NAN;
  row->openblas_gflops = NAN;
  return row;
}

bool
ae_bench_time (ae_bench *b, const ae_bench_case *c, ae_error *error)
{
  ae_stream *s = ae_stream_new (b->ctx, error);
  bench_row *row = add_row (b, c);
  double seconds = 0;
  bool ok = false;

  if (s == NULL)
    goto out;
  if (c->variant != NULL)
    {
      ae_path path = AE_N_PATHS;
      for (int i = 0; i < AE_N_PATHS; i++)
        if (strcmp (c->variant, ae_path_name ((ae_path) i)) == 0)
          path = (ae_path) i;
      if (path == AE_N_PATHS || !ae_stream_set_path (s, path))
        {
          ae_set_error (error, AE_ERROR_UNSUPPORTED, "kernel path %s is not available on this device", c->variant);
          goto out;
        }
    }
  snprintf (row->variant, sizeof row->variant, "%s", ae_path_name (ae_stream_path (s)));
  if (!measure (b, s, c->record, c->state, &seconds, error))
    goto out;
  row->seconds = seconds;
  row->gflops = c->flops / seconds * 1e-9;
  row->gbps = c->bytes / seconds * 1e-9;
  if (c->flops > 0)
    {
      bool coopmat = ae_stream_path (s) == AE_PATH_NV_CM && b->peak_coopmat_gflops > 0;
      double peak = coopmat ? b->peak_coopmat_gflops : b->peak_fp32_gflops;
      row->peak_name = coopmat ? "coopmat" : "fp32";
      if (peak > 0)
        row->fraction_of_peak = row->gflops / peak;
    }
  else if (b->peak_gbps > 0)
    {
      row->peak_name = "bandwidth";
      row->fraction_of_peak = row->gbps / b->peak_gbps;
    }
#ifdef AE_HAVE_OPENBLAS
  if (b->cpu && c->gemm_m > 0 && c->gemm_n > 0 && c->gemm_k > 0)
    row->openblas_gflops = openblas_gflops (b, c->gemm_m, c->gemm_n, c->gemm_k);
#endif
  ok = true;
out:
  if (!ok)
    snprintf (row->error, sizeof row->error, "%s", error != NULL ? error->message : "failed");
  ae_stream_free (s);
  return ok;
}

/* ---- peaks ---- */

typedef struct
{
  ae_tensor *out, *in;
  uint32_t groups;
  uint32_t iterations;
  uint32_t n;
  uint32_t workgroup;
  uint32_t frag[3];
} peak_state;

static bool
record_fma (ae_stream *s, void *data, ae_error *error)
{
  peak_state *p = data;
  struct
  {
    uint32_t iterations;
    float seed;
  } push = { p->iterations, 0.5f };
  ae_dispatch d = {
    .shader = "bench_fma",
    .spec = { p->workgroup },
    .n_spec = 1,
    .bindings = { p->out },
    .n_bindings = 1,
    .push = &push,
    .push_size = sizeof push,
    .groups = { p->groups, 1, 1 },
  };
  return ae_stream_dispatch (s, &d, error);
}

static bool
record_copy (ae_stream *s, void *data, ae_error *error)
{
  peak_state *p = data;
  uint32_t push = p->n;
  ae_dispatch d = {
    .shader = "bench_copy",
    .spec = { p->workgroup },
    .n_spec = 1,
    .bindings = { p->out, p->in },
    .n_bindings = 2,
    .push = &push,
    .push_size = sizeof push,
  };
  ae_grid_fold (ae_stream_context (s), AE_DIV_UP (p->n, p->workgroup), d.groups);
  return ae_stream_dispatch (s, &d, error);
}

static bool
record_coopmat (ae_stream *s, void *data, ae_error *error)
{
  peak_state *p = data;
  uint32_t push = p->iterations;
  ae_dispatch d = {
    .shader = "bench_coopmat",
    .spec = { p->workgroup, p->frag[0], p->frag[1], p->frag[2] },
    .n_spec = 4,
    .bindings = { p->out, p->in },
    .n_bindings = 2,
    .push = &push,
    .push_size = sizeof push,
    .groups = { p->groups, 1, 1 },
  };
  return ae_stream_dispatch (s, &d, error);
}

static double
peak_rate (ae_bench *b, ae_bench_record_func record, peak_state *state, double work, ae_error *error)
{
  ae_stream *s = ae_stream_new (b->ctx, error);
  double seconds = 0;
  bool ok = s != NULL && measure (b, s, record, state, &seconds, error);
  ae_stream_free (s);
  return ok && seconds > 0 ? work / seconds * 1e-9 : 0;
}

static void
measure_peaks (ae_bench *b)
{
  const ae_device_info *info = ae_context_device (b->ctx);
  ae_error error = { 0 };
  int64_t small = 4096;
  ae_tensor *scratch = ae_tensor_new (b->ctx, AE_F32, 1, &small, "bench scratch", &error);

  if (scratch == NULL)
    return;
  /* fp32: 16 FMAs x 4 chains x vec4 = 256 FMA = 512 flops per lane per iteration. */
  uint32_t lanes_per_group = 256;
  uint32_t groups = b->cpu ? 64 : AE_MAX (info->sm_count, 16u) * 64;
  peak_state fma = { .out = scratch, .groups = groups, .iterations = b->cpu ? 64 : 4096, .workgroup = lanes_per_group };
  b->peak_fp32_gflops
      = peak_rate (b, record_fma, &fma, 512.0 * fma.iterations * (double) lanes_per_group * groups, &error);

  /* Bandwidth: copy 64 MiB (16 MiB on CPUs), counting bytes read and written. */
  int64_t elements = b->cpu ? (4 << 20) : (16 << 20);
  int64_t copy_shape[1] = { elements };
  peak_state copy = { .n = (uint32_t) (elements / 4), .workgroup = 256 };
  copy.in = ae_tensor_new (b->ctx, AE_F32, 1, copy_shape, "bench copy in", &error);
  copy.out = ae_tensor_new (b->ctx, AE_F32, 1, copy_shape, "bench copy out", &error);
  if (copy.in != NULL && copy.out != NULL)
    b->peak_gbps = peak_rate (b, record_copy, &copy, 8.0 * (double) elements, &error);
  ae_tensor_free (copy.in);
  ae_tensor_free (copy.out);

  if (info->nv_coopmat && info->n_coopmat_shapes > 0)
    {
      ae_coopmat_shape best = info->coopmat_shapes[0];
      for (uint32_t i = 0; i < info->n_coopmat_shapes; i++)
        if (info->coopmat_shapes[i].m * info->coopmat_shapes[i].n * info->coopmat_shapes[i].k
            > best.m * best.n * best.k)
          best = info->coopmat_shapes[i];
      int64_t frag_shape[1] = { 4096 };
      peak_state cm = { .out = scratch,
                        .groups = AE_MAX (info->sm_count, 16u) * 32,
                        .iterations = 4096,
                        .workgroup = 4 * info->subgroup_size,
                        .frag = { best.m, best.n, best.k } };
      cm.in = ae_tensor_new (b->ctx, AE_F16, 1, frag_shape, "bench fragments", &error);
      if (cm.in != NULL)
        {
          double flops = 2.0 * best.m * best.n * best.k * 4.0 * cm.iterations * 4.0 * cm.groups;
          b->peak_coopmat_gflops = peak_rate (b, record_coopmat, &cm, flops, &error);
        }
      ae_tensor_free (cm.in);
    }
  ae_tensor_free (scratch);
}

/* ---- the report ---- */

static void
print_text (ae_bench *b)
{
  const ae_device_info *info = ae_context_device (b->ctx);

  printf ("Device: %s (%s), kernels %s\n", info->name, info->driver_name, ae_path_name (info->path));
  printf ("Measured peaks: fp32 %.1f GFLOP/s, memory %.1f GB/s", b->peak_fp32_gflops, b->peak_gbps);
  if (b->peak_coopmat_gflops > 0)
    printf (", cooperative matrix f16 %.1f GFLOP/s", b->peak_coopmat_gflops);
  printf ("\n\n%-28s %-6s %-5s %-30s %11s %10s %9s %8s %11s %8s\n", "op", "path", "dtype", "shape", "time", "GFLOP/s",
          "GB/s", "of peak", "OpenBLAS", "ratio");
  for (size_t i = 0; i < b->n_rows; i++)
    {
      bench_row *r = &b->rows[i];
      if (r->error[0] != '\0')
        {
          printf ("%-28s %-6s %-5s %-30s failed: %s\n", r->op, r->variant, ae_dtype_name (r->dtype), r->shape,
                  r->error);
          continue;
        }
      char frac[16] = "", blas[16] = "", ratio[16] = "";
      if (!isnan (r->fraction_of_peak))
        snprintf (frac, sizeof frac, "%.1f%%", 100 * r->fraction_of_peak);
      if (!isnan (r->openblas_gflops))
        {
          snprintf (blas, sizeof blas, "%.1f", r->openblas_gflops);
          snprintf (ratio, sizeof ratio, "%.2f%%", 100 * r->gflops / r->openblas_gflops);
        }
      printf ("%-28s %-6s %-5s %-30s %9.3f ms %10.2f %9.2f %8s %11s %8s\n", r->op, r->variant, ae_dtype_name (r->dtype),
              r->shape, r->seconds * 1e3, r->gflops, r->gbps, frac, blas, ratio);
    }
}

static void
json_string (const char *s)
{
  putchar ('"');
  for (; *s; s++)
    {
      if (*s == '"' || *s == '\\')
        printf ("\\%c", *s);
      else if ((unsigned char) *s < 0x20)
        printf ("\\u%04x", *s);
      else
        putchar (*s);
    }
  putchar ('"');
}

static void
json_number (double value)
{
  if (isnan (value) || isinf (value))
    printf ("null");
  else
    printf ("%.6g", value);
}

static void
print_json (ae_bench *b)
{
  const ae_device_info *info = ae_context_device (b->ctx);

  printf ("[\n");
  for (size_t i = 0; i < b->n_rows; i++)
    {
      bench_row *r = &b->rows[i];
      printf ("  {\"op\": ");
      json_string (r->op);
      printf (", \"variant\": ");
      json_string (r->variant);
      printf (", \"dtype\": \"%s\", \"shape\": ", ae_dtype_name (r->dtype));
      json_string (r->shape);
      printf (", \"device\": ");
      json_string (info->name);
      if (r->error[0] != '\0')
        {
          printf (", \"error\": ");
          json_string (r->error);
          printf ("}%s\n", i + 1 < b->n_rows ? "," : "");
          continue;
        }
      printf (", \"seconds\": ");
      json_number (r->seconds);
      printf (", \"gflops\": ");
      json_number (r->gflops);
      printf (", \"gbps\": ");
      json_number (r->gbps);
      printf (", \"fraction_of_peak\": ");
      json_number (r->fraction_of_peak);
      if (r->peak_name != NULL)
        printf (", \"peak\": \"%s\"", r->peak_name);
      if (b->cpu)
        {
          printf (", \"openblas_gflops\": ");
          json_number (r->openblas_gflops);
          printf (", \"ratio_vs_openblas\": ");
          json_number (isnan (r->openblas_gflops) ? NAN : r->gflops / r->openblas_gflops);
        }
      printf ("}%s\n", i + 1 < b->n_rows ? "," : "");
    }
  printf ("]\n");
}

int
ae_bench_run_all (ae_context *ctx, const ae_bench_params *params)
{
  static const struct
  {
    const char *name;
    bool (*run) (ae_bench *, ae_error *);
  } families[] = {
    { "matmul", ae_bench_matmul },           { "attention", ae_bench_attention }, { "norm", ae_bench_norm },
    { "elementwise", ae_bench_elementwise }, { "conv", ae_bench_conv },           { "layout", ae_bench_layout },
  };
  ae_bench b = { .ctx = ctx, .params = *params };
  int status = 0;

  b.cpu = ae_context_device (ctx)->type == AE_DEVICE_CPU;
  measure_peaks (&b);
  for (size_t i = 0; i < AE_N_ELEMENTS (families); i++)
    {
      ae_error error = { 0 };
      if (!ae_bench_wants (&b, families[i].name))
        continue;
      if (!families[i].run (&b, &error))
        {
          fprintf (stderr, "bench %s: %s\n", families[i].name, error.message);
          status = 1;
        }
    }
  if (params->json)
    print_json (&b);
  else
    print_text (&b);
  for (size_t i = 0; i < b.n_rows; i++)
    if (b.rows[i].error[0] != '\0')
      status = 1;
  free (b.rows);
  return status;
}
