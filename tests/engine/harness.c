/* harness.c */
#include "harness.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

static int passed, failed;

static void
log_to_stderr (ae_log_level level, const char *message, void *user_data)
{
  if (level >= AE_LOG_WARNING || getenv ("ALLEGRO_TEST_VERBOSE"))
    fprintf (stderr, "%s\n", message);
}

ae_context *
th_context (void)
{
  ae_error error = { 0 };
  ae_context_params params = { .log = log_to_stderr };
  ae_context *ctx = ae_context_new (&params, &error);

  if (ctx == NULL)
    {
      if (error.code == AE_ERROR_NO_DRIVER || error.code == AE_ERROR_NO_DEVICE)
        {
          printf ("SKIP: %s\n", error.message);
          exit (77);
        }
      fprintf (stderr, "context: %s\n", error.message);
      exit (1);
    }
  const ae_device_info *info = ae_context_device (ctx);
  printf ("device: %s (%s), kernels %s\n", info->name, info->driver_name, ae_path_name (info->path));
  return ctx;
}

ae_context *
th_context_with_limits (uint64_t binding_range, uint32_t max_workgroups)
{
  char value[32];

  if (binding_range != 0)
    {
      snprintf (value, sizeof value, "%llu", (unsigned long long) binding_range);
      setenv ("ALLEGRO_MAX_BINDING_RANGE", value, 1);
    }
  if (max_workgroups != 0)
    {
      snprintf (value, sizeof value, "%u", max_workgroups);
      setenv ("ALLEGRO_MAX_WORKGROUPS", value, 1);
    }
  ae_context *ctx = th_context ();
  unsetenv ("ALLEGRO_MAX_BINDING_RANGE");
  unsetenv ("ALLEGRO_MAX_WORKGROUPS");
  return ctx;
}

static uint64_t
splitmix (uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void
th_fill_uniform (float *x, size_t n, uint64_t seed, float lo, float hi)
{
  uint64_t state = seed;
  for (size_t i = 0; i < n; i++)
    x[i] = lo + (hi - lo) * (float) ((double) (splitmix (&state) >> 11) / 9007199254740992.0);
}

void
th_round (float *x, size_t n, ae_dtype dtype)
{
  for (size_t i = 0; i < n; i++)
    x[i] = ae_round_to_dtype (x[i], dtype);
}

float *
th_random (size_t n, uint64_t seed, float lo, float hi, ae_dtype dtype)
{
  float *x = malloc (AE_MAX (n, 1) * sizeof *x);
  th_fill_uniform (x, n, seed, lo, hi);
  th_round (x, n, dtype);
  return x;
}

double
th_nmse (const float *ref, const float *out, size_t n)
{
  double num = 0, den = 0;
  for (size_t i = 0; i < n; i++)
    {
      double d = (double) ref[i] - (double) out[i];
      num += d * d;
      den += (double) ref[i] * (double) ref[i];
    }
  if (isnan (num))
    return INFINITY;
  return den > 0 ? num / den : num;
}

double
th_max_abs (const float *ref, const float *out, size_t n)
{
  double m = 0;
  for (size_t i = 0; i < n; i++)
    {
      double d = fabs ((double) ref[i] - (double) out[i]);
      if (isnan (d))
        return INFINITY;
      if (d > m)
        m = d;
    }
  return m;
}

bool
th_check (const char *what, const float *ref, const float *out, size_t n, double bound)
{
  double nmse = th_nmse (ref, out, n);
  double max_abs = th_max_abs (ref, out, n);
  bool ok = nmse <= bound;

  printf ("%-4s %-60s nmse %.3e (bound %.0e) max|d| %.3e\n", ok ? "ok" : "FAIL", what, nmse, bound, max_abs);
  if (ok)
    passed++;
  else
    failed++;
  return ok;
}

bool
th_expect (bool condition, const char *format, ...)
{
  va_list args;
  printf ("%-4s ", condition ? "ok" : "FAIL");
  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  printf ("\n");
  if (condition)
    passed++;
  else
    failed++;
  return condition;
}

void
th_ok (bool ok, const ae_error *error, const char *what)
{
  if (ok)
    return;
  printf ("FAIL %s: %s\n", what, error->message);
  failed++;
  th_summary ();
  exit (1);
}

ae_tensor *
th_upload (ae_context *ctx, ae_dtype dtype, int ndim, const int64_t *shape, const float *data)
{
  ae_error error = { 0 };
  ae_tensor *t = ae_tensor_new (ctx, dtype, ndim, shape, "input", &error);
  th_ok (t != NULL, &error, "tensor");
  th_ok (ae_tensor_upload_f32 (t, data, &error), &error, "upload");
  return t;
}

/* Guards are kept by tensor pointer in a small table. */
static struct
{
  ae_tensor *t, *guard;
} guards[64];

#define GUARD_WORDS 1024
#define GUARD_PATTERN 0x5a5aa5a5u

ae_tensor *
th_new_guarded (ae_context *ctx, ae_dtype dtype, int ndim, const int64_t *shape)
{
  ae_error error = { 0 };
  ae_tensor *t = ae_tensor_new (ctx, dtype, ndim, shape, "output", &error);
  th_ok (t != NULL, &error, "tensor");
  int64_t gshape[1] = { GUARD_WORDS };
  ae_tensor *guard = ae_tensor_new (ctx, AE_I32, 1, gshape, "sentinel", &error);
  th_ok (guard != NULL, &error, "sentinel");
  uint32_t words[GUARD_WORDS];
  for (int i = 0; i < GUARD_WORDS; i++)
    words[i] = GUARD_PATTERN;
  th_ok (ae_tensor_upload (guard, words, sizeof words, &error), &error, "sentinel upload");
  /* Fill the output with NaN-like junk so an unwritten element shows. */
  size_t bytes = ae_tensor_nbytes (t);
  unsigned char *junk = malloc (bytes);
  memset (junk, 0x7f, bytes);
  th_ok (ae_tensor_upload (t, junk, bytes, &error), &error, "output fill");
  free (junk);
  for (size_t i = 0; i < AE_N_ELEMENTS (guards); i++)
    if (guards[i].t == NULL)
      {
        guards[i].t = t;
        guards[i].guard = guard;
        return t;
      }
  fprintf (stderr, "too many guarded tensors\n");
  exit (1);
}

bool
th_guard_intact (ae_tensor *t)
{
  ae_error error = { 0 };
  for (size_t i = 0; i < AE_N_ELEMENTS (guards); i++)
    if (guards[i].t == t)
      {
        uint32_t words[GUARD_WORDS];
        th_ok (ae_tensor_download (guards[i].guard, words, sizeof words, &error), &error, "sentinel download");
        for (int j = 0; j < GUARD_WORDS; j++)
          if (words[j] != GUARD_PATTERN)
            return false;
        return true;
      }
  return false;
}

void
th_free_guarded (ae_tensor *t)
{
  for (size_t i = 0; i < AE_N_ELEMENTS (guards); i++)
    if (guards[i].t == t)
      {
        ae_tensor_free (guards[i].guard);
        guards[i].t = guards[i].guard = NULL;
      }
  ae_tensor_free (t);
}

float *
th_download (ae_tensor *t)
{
  ae_error error = { 0 };
  float *data = malloc ((size_t) AE_MAX (ae_tensor_numel (t), 1) * sizeof *data);
  th_ok (ae_tensor_download_f32 (t, data, &error), &error, "download");
  return data;
}

void
th_finish_stream (ae_stream *s)
{
  ae_error error = { 0 };
  th_ok (ae_stream_finish (s, &error), &error, "stream");
}

int
th_summary (void)
{
  printf ("%d passed, %d failed\n", passed, failed);
  return failed > 0 ? 1 : 0;
}

double
th_bound (ae_dtype dtype, double f32, double f16, double bf16)
{
  switch (dtype)
    {
    case AE_F16:
      return f16;
    case AE_BF16:
      return bf16;
    default:
      return f32;
    }
}
