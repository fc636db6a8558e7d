/* cli-bench-render.c: `allegro-studio bench render`: the whole text-to-video
 * render timed the way tools/demo-model/bench_torch.py times PyTorch's, so
 * the two can stand side by side: the device opened and the models loaded
 * once, one warm-up render of 2 steps (weights on the device, kernels
 * compiled), then --repeat renders with seeds 0, 1, ... and the best one
 * reported, split into text, denoising and decoding, to the millisecond.
 * What the warm-up hides (opening the device, loading, compiling) is
 * reported on its own line as the setup. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ae-engine.h"
#include "ae-pipeline.h"

#define BENCH_RENDER_USAGE                                                                                             \
  "usage: allegro-studio bench render [--model DIR] [--prompt TEXT] [--frames N] [--size N] [--steps N]\n"             \
  "                      [--guidance F] [--repeat N] [--dtype auto|f32|f16|bf16] [--json]"

typedef struct
{
  double total, text, denoise, decode;
} render_time;

int
cli_bench_render (int argc, char **argv)
{
  const char *model = NULL, *prompt = "a red circle moving right on a black background", *dtype_name = "auto";
  int64_t frames = 16, size = 64, steps = 20, repeat = 3;
  double guidance = 7.5;
  bool json = false;
  ae_error error = { 0 };
  int status = 1;

  for (int i = 2; i < argc; i++)
    {
      const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
      bool ok = true;
      if (strcmp (a, "--json") == 0)
        {
          json = true;
          continue;
        }
      if (v == NULL)
        ok = false;
      else if (strcmp (a, "--model") == 0)
        model = v;
      else if (strcmp (a, "--prompt") == 0)
        prompt = v;
      else if (strcmp (a, "--dtype") == 0)
        dtype_name = v;
      else if (strcmp (a, "--frames") == 0)
        ok = cli_parse_int (v, 1, 1024, &frames);
      else if (strcmp (a, "--size") == 0)
        ok = cli_parse_int (v, 16, 8192, &size);
      else if (strcmp (a, "--steps") == 0)
        ok = cli_parse_int (v, 1, 1000, &steps);
      else if (strcmp (a, "--repeat") == 0)
        ok = cli_parse_int (v, 1, 1000, &repeat);
      else if (strcmp (a, "--guidance") == 0)
        ok = (guidance = strtod (v, NULL)) > 0 && guidance < 100;
      else
        ok = false;
      if (!ok)
        {
          cli_error ("bench render: bad option or value: %s %s\n%s", a, v != NULL ? v : "", BENCH_RENDER_USAGE);
          return 2;
        }
      i++;
    }
  if (model == NULL && (model = ae_demo_model_dir ()) == NULL)
    {
      cli_error ("bench render: the built-in demo model is not installed; give --model DIR");
      return 2;
    }
  ae_pipeline_params params = { .keep_loaded = true };
  if (!cli_pipeline_dtypes (dtype_name, NULL, &params))
    {
      cli_error ("bench render: --dtype must be auto, f32, f16 or bf16");
      return 2;
    }

  const double t0 = ae_monotonic_seconds ();
  ae_context_params cp = { 0 };
  ae_context *ctx = ae_context_new (&cp, &error);
  ae_pipeline *pipeline = NULL;
  render_time *runs = calloc ((size_t) repeat, sizeof *runs);
  if (ctx == NULL)
    {
      cli_error ("bench render: %s", error.message);
      free (runs);
      return 1;
    }
  const ae_device_info *info = ae_context_device (ctx);
  cli_pipeline_dtypes (dtype_name, info, &params);
  if ((pipeline = ae_pipeline_new (ctx, model, &params, &error)) == NULL)
    goto fail;

  ae_generate_params gp = {
    .prompt = prompt,
    .raw_prompts = true,
    .steps = 2,
    .guidance_scale = (float) guidance,
    .width = size,
    .height = size,
    .frames = frames,
  };
  ae_video video = { 0 };
  bool ok = ae_pipeline_generate (pipeline, &gp, false, &video, &error);
  ae_video_clear (&video);
  if (!ok)
    goto fail;
  const double setup = ae_monotonic_seconds () - t0;

  int best = 0;
  gp.steps = steps;
  for (int r = 0; r < repeat; r++)
    {
      gp.seed = (uint64_t) r;
      const double start = ae_monotonic_seconds ();
      ok = ae_pipeline_generate (pipeline, &gp, false, &video, &error);
      runs[r] = (render_time){ ae_monotonic_seconds () - start, video.seconds_text, video.seconds_denoise,
                               video.seconds_decode };
      ae_video_clear (&video);
      if (!ok)
        goto fail;
      if (runs[r].total < runs[best].total)
        best = r;
    }

  const char *dit_dtype = ae_dtype_name (params.dit_dtype);
  const render_time *b = &runs[best];
  if (json)
    {
      cJSON *o = cJSON_CreateObject (), *split = cJSON_CreateObject (), *list = cJSON_CreateArray ();
      cJSON_AddStringToObject (o, "device", info->name);
      cJSON_AddStringToObject (o, "dtype", dit_dtype);
      cJSON_AddNumberToObject (o, "frames", (double) frames);
      cJSON_AddNumberToObject (o, "size", (double) size);
      cJSON_AddNumberToObject (o, "steps", (double) steps);
      cJSON_AddNumberToObject (o, "guidance", guidance);
      cJSON_AddNumberToObject (o, "seconds", b->total);
      cJSON_AddNumberToObject (split, "text", b->text);
      cJSON_AddNumberToObject (split, "denoise", b->denoise);
      cJSON_AddNumberToObject (split, "decode", b->decode);
      cJSON_AddItemToObject (o, "split", split);
      cJSON_AddNumberToObject (o, "setup_seconds", setup);
      for (int r = 0; r < repeat; r++)
        cJSON_AddItemToArray (list, cJSON_CreateNumber (runs[r].total));
      cJSON_AddItemToObject (o, "runs", list);
      char *text = cJSON_PrintUnformatted (o);
      printf ("%s\n", text);
      cJSON_free (text);
      cJSON_Delete (o);
    }
  else
    {
      printf ("%lld frames of %lldx%lld, %lld steps, guidance %g, %s on %s\n", (long long) frames, (long long) size,
              (long long) size, (long long) steps, guidance, dit_dtype, info->name);
      printf ("render  %8.3f s  best of %lld (text %.3f, denoising %.3f, decoding %.3f)\n", b->total,
              (long long) repeat, b->text, b->denoise, b->decode);
      printf ("setup   %8.3f s  device, weights, kernels and a 2-step warm-up, once\n", setup);
    }
  status = 0;
  goto out;
fail:
  cli_error ("bench render: %s", error.message);
out:
  free (runs);
  ae_pipeline_free (pipeline);
  ae_context_free (ctx);
  return status;
}
