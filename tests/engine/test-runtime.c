/* test-runtime.c: the runtime under the kernels: transfers, views, the arena,
 * budgets, streams, cancellation, the pipeline cache and split dispatches. */
#include "harness.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
test_round_trips (ae_context *ctx)
{
  static const int64_t sizes[] = { 1, 13, 127, 512, 1 << 20 };
  ae_error error = { 0 };

  for (int d = 0; d < AE_N_DTYPES; d++)
    for (size_t i = 0; i < AE_N_ELEMENTS (sizes); i++)
      {
        size_t bytes = (size_t) sizes[i] * ae_dtype_size ((ae_dtype) d);
        unsigned char *in = malloc (bytes), *out = malloc (bytes);
        for (size_t j = 0; j < bytes; j++)
          in[j] = (unsigned char) (j * 131 + 7 + d);
        ae_tensor *t = ae_tensor_new (ctx, (ae_dtype) d, 1, &sizes[i], "round trip", &error);
        th_ok (t != NULL, &error, "tensor");
        th_ok (ae_tensor_upload (t, in, bytes, &error), &error, "upload");
        th_ok (ae_tensor_download (t, out, bytes, &error), &error, "download");
        th_expect (memcmp (in, out, bytes) == 0, "round trip %s[%lld]", ae_dtype_name ((ae_dtype) d),
                   (long long) sizes[i]);
        ae_tensor_free (t);
        free (in);
        free (out);
      }

  /* Float conversions on the way: f16 and bf16 keep what they can represent. */
  float values[6] = { 0.0f, 1.0f, -2.5f, 65504.0f, 1.0f / 1024, 3.140625f };
  float back[6];
  int64_t n = 6;
  for (int d = AE_F32; d <= AE_BF16; d++)
    {
      ae_tensor *t = ae_tensor_new (ctx, (ae_dtype) d, 1, &n, "conversion", &error);
      th_ok (ae_tensor_upload_f32 (t, values, &error), &error, "upload f32");
      th_ok (ae_tensor_download_f32 (t, back, &error), &error, "download f32");
      bool same = true;
      for (int i = 0; i < 6; i++)
        same = same && back[i] == ae_round_to_dtype (values[i], (ae_dtype) d);
      th_expect (same, "%s conversion on upload and download", ae_dtype_name ((ae_dtype) d));
      ae_tensor_free (t);
    }
  /* Wrong sizes are refused, not truncated. */
  ae_tensor *t = ae_tensor_new (ctx, AE_F32, 1, &n, "sized", &error);
  float small[2];
  th_expect (!ae_tensor_upload (t, small, sizeof small, &error) && error.code == AE_ERROR_INVALID,
             "upload of the wrong size refused: %s", error.message);
  ae_tensor_free (t);
}

static void
test_views (ae_context *ctx)
{
  ae_error error = { 0 };
  int64_t shape[3] = { 4, 5, 6 };
  float data[120], row[6], all[120];
  for (int i = 0; i < 120; i++)
    data[i] = (float) i;
  ae_tensor *t = th_upload (ctx, AE_F32, 3, shape, data);

  /* A contiguous slice: [2, 3, :]. */
  int64_t vshape[1] = { 6 }, vstride[1] = { 1 };
  ae_tensor *v = ae_tensor_view (t, 2 * 30 + 3 * 6, 1, vshape, vstride, "row", &error);
  th_ok (v != NULL, &error, "view");
  th_ok (ae_tensor_download_f32 (v, row, &error), &error, "view download");
  th_expect (row[0] == 78.0f && row[5] == 83.0f, "a view reads its slice (%g..%g)", row[0], row[5]);

  /* A transposed view is not contiguous: transfers refuse it. */
  int64_t tshape[2] = { 6, 5 }, tstride[2] = { 1, 6 };
  ae_tensor *tv = ae_tensor_view (t, 0, 2, tshape, tstride, "transposed", &error);
  th_expect (tv != NULL && !ae_tensor_is_contiguous (tv), "a transposed view has strides");
  th_expect (!ae_tensor_download_f32 (tv, all, &error), "a strided view is not downloaded: %s", error.message);

  /* Views past the end are refused. */
  int64_t big[1] = { 200 };
  th_expect (ae_tensor_view (t, 0, 1, big, vstride, "too long", &error) == NULL && error.code == AE_ERROR_INVALID,
             "a view past the end is refused: %s", error.message);

  /* The memory stays alive while a view holds it. */
  ae_tensor_free (t);
  th_ok (ae_tensor_download_f32 (v, row, &error), &error, "view after its parent is freed");
  th_expect (row[0] == 78.0f, "a view keeps its memory after the parent is freed");
  ae_tensor_free (v);
  ae_tensor_free (tv);
}

static void
test_memory (ae_context *ctx)
{
  ae_error error = { 0 };
  ae_memory_stats before, during, after;

  ae_context_memory_stats (ctx, &before);
  int64_t n = 3 << 20;
  ae_tensor *a = ae_tensor_new (ctx, AE_F32, 1, &n, "a", &error);
  ae_tensor *b = ae_tensor_new (ctx, AE_F32, 1, &n, "b", &error);
  ae_context_memory_stats (ctx, &during);
  th_expect (during.live - before.live >= 2 * (uint64_t) n * 4, "live memory counts two 12 MiB tensors (%llu bytes)",
             (unsigned long long) (during.live - before.live));
  ae_tensor_free (a);
  ae_tensor_free (b);
  ae_context_memory_stats (ctx, &after);
  th_expect (after.live == before.live, "live memory returns after freeing");
  th_expect (after.peak >= during.live, "peak memory remembers the high point");

  /* A request past the budget fails with a sentence, not a driver crash. */
  ae_context_set_budget (ctx, 64ull << 20);
  int64_t huge = 40ll << 20; /* 160 MiB */
  ae_tensor *h = ae_tensor_new (ctx, AE_F32, 1, &huge, "latents", &error);
  th_expect (h == NULL && error.code == AE_ERROR_OUT_OF_MEMORY && strstr (error.message, "latents") != NULL,
             "past the budget: %s", error.message);
  /* Something that fits still works. */
  int64_t small = 1024;
  ae_tensor *s = ae_tensor_new (ctx, AE_F32, 1, &small, "small", &error);
  th_expect (s != NULL, "an allocation under the budget still succeeds");
  ae_tensor_free (s);
  ae_context_set_budget (ctx, 0);

  /* Many tensors, freed in a scattered order, reuse the space. */
  ae_tensor *many[64];
  for (int i = 0; i < 64; i++)
    {
      int64_t len = 1000 + 37 * i;
      many[i] = ae_tensor_new (ctx, AE_F16, 1, &len, "many", &error);
    }
  for (int i = 0; i < 64; i += 2)
    ae_tensor_free (many[i]);
  for (int i = 1; i < 64; i += 2)
    ae_tensor_free (many[i]);
  ae_context_memory_stats (ctx, &after);
  th_expect (after.live == before.live, "scattered frees coalesce back to the start");
}

static void
test_long_stream (ae_context *ctx)
{
  ae_error error = { 0 };
  int64_t n = 1000;
  float *x = th_random (n, 1, -1, 1, AE_F32);
  float one = 1.0f;
  int64_t one_shape[1] = { 1 };
  ae_tensor *t = th_upload (ctx, AE_F32, 1, &n, x);
  ae_tensor *c = th_upload (ctx, AE_F32, 1, one_shape, &one);
  ae_stream *s = ae_stream_new (ctx, &error);
  th_ok (s != NULL, &error, "stream");
  for (int i = 0; i < 1000; i++)
    th_ok (ae_op_add (s, t, t, c, &error), &error, "add");
  th_finish_stream (s);
  float *out = th_download (t);
  for (int64_t i = 0; i < n; i++)
    x[i] += 1000.0f;
  th_check ("1000 dependent adds in one stream", x, out, n, 1e-12);
  th_expect (ae_stream_submit_count (s) >= 4, "a long sequence is submitted in pieces (%llu submits)",
             (unsigned long long) ae_stream_submit_count (s));

  /* Cancellation between submits. */
  atomic_int cancel = 0;
  ae_stream_set_cancel (s, &cancel);
  for (int i = 0; i < 10; i++)
    th_ok (ae_op_add (s, t, t, c, &error), &error, "add");
  atomic_store (&cancel, 1);
  th_expect (!ae_stream_flush (s, &error) && error.code == AE_ERROR_CANCELLED, "a set flag cancels at the submit");
  th_expect (!ae_op_add (s, t, t, c, &error) && error.code == AE_ERROR_CANCELLED,
             "a cancelled stream records nothing more");
  float *after = th_download (t);
  th_check ("cancelled work never ran", out, after, n, 0);
  atomic_store (&cancel, 0);
  th_ok (ae_op_add (s, t, t, c, &error), &error, "add after the flag is cleared");
  th_finish_stream (s);
  free (after);
  after = th_download (t);
  for (int64_t i = 0; i < n; i++)
    out[i] += 1.0f;
  th_check ("the stream works again once the flag is cleared", out, after, n, 1e-12);

  /* Scratch tensors live until the work recorded with them has finished. */
  ae_memory_stats before_scratch, with_scratch, after_scratch;
  ae_context_memory_stats (ctx, &before_scratch);
  int64_t scratch_shape[1] = { 1 << 20 };
  ae_tensor *scratch = ae_stream_scratch (s, AE_F32, 1, scratch_shape, "scratch", &error);
  th_ok (scratch != NULL, &error, "scratch");
  th_ok (ae_op_add (s, scratch, scratch, c, &error), &error, "add into scratch");
  th_ok (ae_stream_flush (s, &error), &error, "flush");
  ae_context_memory_stats (ctx, &with_scratch);
  th_expect (with_scratch.live >= before_scratch.live + (4u << 20), "a scratch tensor is held after a flush");
  th_finish_stream (s);
  ae_context_memory_stats (ctx, &after_scratch);
  th_expect (after_scratch.live == before_scratch.live, "a scratch tensor is released by the finish");

  /* Wrong dispatches give sentences. */
  ae_dispatch bad = { .shader = "binary_f32", .groups = { ae_context_max_workgroups (ctx) + 1u, 1, 1 } };
  th_expect (!ae_stream_dispatch (s, &bad, &error) && error.code == AE_ERROR_INVALID, "too many workgroups: %s",
             error.message);
  ae_dispatch unknown = { .shader = "no_such_kernel", .groups = { 1, 1, 1 } };
  th_expect (!ae_stream_dispatch (s, &unknown, &error), "an unknown kernel: %s", error.message);
  ae_stream_free (s);
  ae_tensor_free (t);
  ae_tensor_free (c);
  free (x);
  free (out);
  free (after);
}

/* Limits faked small, so the split paths run on every machine. */
static void
test_split_dispatches (void)
{
  ae_error error = { 0 };
  ae_context *ctx = th_context_with_limits (4096, 3);

  int64_t rows = 771, nb = 13, n = rows * nb;
  int64_t shape[2] = { rows, nb };
  float *a = th_random (n, 2, -1, 1, AE_F32), *b = th_random (nb, 3, -1, 1, AE_F32);
  float *ref = malloc (n * sizeof *ref);
  ae_ref_add (ref, a, b, n, nb);
  ae_tensor *ta = th_upload (ctx, AE_F32, 2, shape, a), *tb = th_upload (ctx, AE_F32, 1, &nb, b);
  ae_tensor *out = th_new_guarded (ctx, AE_F32, 2, shape);
  ae_stream *s = ae_stream_new (ctx, &error);
  th_ok (ae_op_add (s, out, ta, tb, &error), &error, "split add");
  th_finish_stream (s);
  float *got = th_download (out);
  th_check ("add split over a 4 KiB binding range and 3 workgroups per axis", ref, got, n, 0);
  th_expect (ae_stream_dispatch_count (s) >= 10, "the add took %llu dispatches",
             (unsigned long long) ae_stream_dispatch_count (s));
  th_expect (th_guard_intact (out), "nothing written past the output");
  ae_stream_free (s);
  th_free_guarded (out);
  ae_tensor_free (ta);
  ae_tensor_free (tb);
  ae_context_free (ctx);
  free (a);
  free (b);
  free (ref);
  free (got);
}

static void
test_pipeline_cache (void)
{
  ae_error error = { 0 };
  char dir[] = "/tmp/allegro-cache-XXXXXX";
  char path[512];

  if (mkdtemp (dir) == NULL)
    return;
  for (int round = 0; round < 3; round++)
    {
      ae_context_params params = { .pipeline_cache_dir = dir };
      ae_context *ctx = ae_context_new (&params, &error);
      th_ok (ctx != NULL, &error, "context with a cache");
      int64_t n = 64;
      float *x = th_random (n, 4, -1, 1, AE_F32);
      ae_tensor *t = th_upload (ctx, AE_F32, 1, &n, x);
      ae_stream *s = ae_stream_new (ctx, &error);
      th_ok (ae_op_mul (s, t, t, t, &error), &error, "mul");
      th_finish_stream (s);
      float *got = th_download (t);
      for (int i = 0; i < n; i++)
        x[i] *= x[i];
      th_check (round == 0   ? "a kernel with an empty pipeline cache"
                : round == 1 ? "a kernel with the cache read back"
                             : "a kernel with a damaged cache file",
                x, got, n, 0);
      ae_stream_free (s);
      ae_tensor_free (t);
      ae_context_free (ctx);
      free (x);
      free (got);

      /* Find the file the context wrote. */
      char command[600];
      snprintf (command, sizeof command, "ls %s/pipelines-*.bin 2>/dev/null | head -n 1", dir);
      FILE *p = popen (command, "r");
      path[0] = '\0';
      if (p != NULL && fgets (path, sizeof path, p) != NULL)
        path[strcspn (path, "\n")] = '\0';
      if (p != NULL)
        pclose (p);
      struct stat st;
      if (round == 0)
        th_expect (path[0] != '\0' && stat (path, &st) == 0 && st.st_size >= 32,
                   "the pipeline cache is written under the cache directory");
      if (round == 1 && path[0] != '\0')
        {
          /* Damage it: the next context must ignore it and work. */
          FILE *f = fopen (path, "r+b");
          if (f != NULL)
            {
              fseek (f, 4, SEEK_SET);
              fputs ("garbage", f);
              fclose (f);
            }
        }
    }
  char command[600];
  snprintf (command, sizeof command, "rm -rf %s", dir);
  if (system (command) != 0)
    fprintf (stderr, "could not remove %s\n", dir);
}

static void
test_device_choice (void)
{
  ae_error error = { 0 };
  ae_device_info *list = NULL;
  uint32_t n = 0;

  th_ok (ae_list_devices (&list, &n, &error), &error, "list devices");
  th_expect (n >= 1 && list[0].name[0] != '\0', "%u device(s) listed, the first \"%s\"", n, list[0].name);
  free (list);
  ae_context_params params = { .device = "no such device name" };
  ae_context *ctx = ae_context_new (&params, &error);
  th_expect (ctx == NULL && error.code == AE_ERROR_NO_DEVICE && strstr (error.message, "no such device name"),
             "an unknown device name: %s", error.message);
  params.device = "0";
  ctx = ae_context_new (&params, &error);
  th_expect (ctx != NULL, "device 0 by index");
  ae_context_free (ctx);
  params.device = "99";
  ctx = ae_context_new (&params, &error);
  th_expect (ctx == NULL && error.code == AE_ERROR_NO_DEVICE, "a device index past the list: %s", error.message);
}

int
main (void)
{
  ae_context *ctx = th_context ();
  test_round_trips (ctx);
  test_views (ctx);
  test_memory (ctx);
  test_long_stream (ctx);
  ae_context_free (ctx);
  test_split_dispatches ();
  test_pipeline_cache ();
  test_device_choice ();
  return th_summary ();
}
