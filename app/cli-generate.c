/* cli-generate.c: `allegro-studio generate`: text to video on the command
 * line, with a progress bar on a terminal, and `--dry-run` for the memory
 * plan. */
#include "cli.h"
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae-engine.h"
#include "ae-pipeline.h"
#include "png-write.h"

static atomic_int interrupted;

static void
on_interrupt (int signal_number)
{
  (void) signal_number;
  atomic_store (&interrupted, 1);
}

typedef struct
{
  bool tty;
} progress_state;

static void
format_time (char *buf, size_t size, double seconds)
{
  long s = (long) (seconds + 0.5);
  snprintf (buf, size, "%ld:%02ld", s / 60, s % 60);
}

static bool
on_progress (const ae_progress *p, void *user_data)
{
  progress_state *state = user_data;
  char elapsed[32], remaining[32];
  format_time (elapsed, sizeof elapsed, p->elapsed);
  format_time (remaining, sizeof remaining, p->remaining);
  if (state->tty)
    {
      const int width = 30;
      int filled = (int) (width * p->step / AE_MAX (p->total, 1));
      char bar[64];
      for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
      bar[width] = '\0';
      fprintf (stderr, "\r[%s] step %lld/%lld  elapsed %s  remaining %s ", bar, (long long) p->step,
               (long long) p->total, elapsed, remaining);
      if (p->step == p->total)
        fprintf (stderr, "\n");
    }
  else
    fprintf (stderr, "step %lld/%lld elapsed %s remaining %s\n", (long long) p->step, (long long) p->total, elapsed,
             remaining);
  return !atomic_load (&interrupted);
}

static bool
ends_with (const char *s, const char *suffix)
{
  size_t a = strlen (s), b = strlen (suffix);
  return a >= b && strcasecmp (s + a - b, suffix) == 0;
}

static void
print_plan (const ae_memory_plan *plan, int64_t frames, int64_t width, int64_t height)
{
  const double gb = 1e9;
  printf ("Memory plan for %lld frames of %lldx%lld:\n", (long long) frames, (long long) width, (long long) height);
  printf ("  text encoder   weights %7.2f GB  work %7.2f GB\n", plan->t5_weights / gb, plan->t5_work / gb);
  printf ("  transformer    weights %7.2f GB  work %7.2f GB\n", plan->dit_weights / gb, plan->dit_work / gb);
  printf ("  VAE (tiled)    weights %7.2f GB  work %7.2f GB\n", plan->vae_weights / gb, plan->vae_work / gb);
  printf ("  %s\n", plan->keep_all ? "every model stays loaded" : "each model is freed after its stage");
  printf ("  peak device memory %.2f GB of a %.2f GB budget: %s\n", plan->peak / gb, plan->budget / gb,
          plan->fits ? "fits" : "does NOT fit");
}

bool
cli_pipeline_dtypes (const char *name, const ae_device_info *info, ae_pipeline_params *params)
{
  ae_dtype forced;

  params->vae_dtype = AE_F32;
  if (strcmp (name, "auto") == 0)
    {
      /* Reduced precision where a GPU has 16-bit storage; CPU devices keep f32. */
      const bool half = info != NULL && info->type != AE_DEVICE_CPU && info->storage16;
      params->t5_dtype = params->dit_dtype = half ? AE_BF16 : AE_F32;
      return true;
    }
  if (!ae_dtype_from_name (name, &forced) || (forced != AE_F32 && forced != AE_F16 && forced != AE_BF16))
    return false;
  params->t5_dtype = params->dit_dtype = forced;
  return true;
}

int
cli_generate (int argc, char **argv)
{
  const char *model = NULL, *prompt = NULL, *negative = NULL, *out = NULL, *dtype_name = "auto";
  int64_t seed = -1, steps = 0, width = 0, height = 0, frames = 0, fps = 15;
  double guidance = 0, budget_gb = 0;
  bool dry_run = false, raw = false;
  char *prompt_buffer = NULL;
  ae_error error = { 0 };
  int status = 1;

  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      const char *v = i + 1 < argc ? argv[i + 1] : NULL;
      bool used = true;
      if (strcmp (a, "--dry-run") == 0)
        dry_run = true, used = false;
      else if (strcmp (a, "--raw-prompt") == 0)
        raw = true, used = false;
      else if (v == NULL)
        {
          cli_error ("generate: %s needs a value (see 'allegro-studio help')", a);
          return 2;
        }
      else if (strcmp (a, "--model") == 0)
        model = v;
      else if (strcmp (a, "--prompt") == 0)
        prompt = v;
      else if (strcmp (a, "--prompt-file") == 0)
        {
          /* For prompts past the command line's limit (128 kB per argument). */
          FILE *pf = strcmp (v, "-") == 0 ? stdin : fopen (v, "rb");
          size_t size = 0, cap = 4096, got;
          if (pf == NULL)
            {
              cli_error ("generate: cannot read the prompt file %s: %s", v, strerror (errno));
              return 1;
            }
          free (prompt_buffer);
          prompt_buffer = malloc (cap);
          while ((got = fread (prompt_buffer + size, 1, cap - size - 1, pf)) > 0)
            {
              size += got;
              if (size + 1 == cap)
                prompt_buffer = realloc (prompt_buffer, cap *= 2);
            }
          prompt_buffer[size] = '\0';
          if (pf != stdin)
            fclose (pf);
          prompt = prompt_buffer;
        }
      else if (strcmp (a, "--negative-prompt") == 0)
        negative = v;
      else if (strcmp (a, "--out") == 0)
        out = v;
      else if (strcmp (a, "--dtype") == 0)
        dtype_name = v;
      else if (strcmp (a, "--seed") == 0 && cli_parse_int (v, 0, INT64_MAX, &seed))
        ;
      else if (strcmp (a, "--steps") == 0 && cli_parse_int (v, 1, 1000, &steps))
        ;
      else if (strcmp (a, "--width") == 0 && cli_parse_int (v, 16, 8192, &width))
        ;
      else if (strcmp (a, "--height") == 0 && cli_parse_int (v, 16, 8192, &height))
        ;
      else if (strcmp (a, "--frames") == 0 && cli_parse_int (v, 1, 1024, &frames))
        ;
      else if (strcmp (a, "--fps") == 0 && cli_parse_int (v, 1, 240, &fps))
        ;
      else if (strcmp (a, "--guidance") == 0 && (guidance = strtod (v, NULL)) > 0 && guidance < 100)
        ;
      else if (strcmp (a, "--budget-gb") == 0 && (budget_gb = strtod (v, NULL)) > 0)
        ;
      else
        {
          cli_error ("generate: bad option or value: %s %s", a, v);
          return 2;
        }
      if (used)
        i++;
    }
  if (model == NULL)
    model = ae_demo_model_dir ();
  if (model == NULL)
    {
      cli_error ("generate: the built-in demo model is not installed; give --model DIR (a folder in the layout "
                 "of rhymes-ai/Allegro)");
      return 2;
    }
  if (!dry_run && (prompt == NULL || out == NULL))
    {
      cli_error ("generate: --prompt TEXT and --out PATH are required");
      return 2;
    }
  if (seed < 0)
    {
      FILE *r = fopen ("/dev/urandom", "rb");
      uint32_t v = 0;
      if (r == NULL || fread (&v, sizeof v, 1, r) != 1)
        v = (uint32_t) getpid ();
      if (r != NULL)
        fclose (r);
      seed = v;
    }

  ae_generate_params gp = {
    .prompt = prompt != NULL ? prompt : "",
    .negative_prompt = negative,
    .raw_prompts = raw,
    .seed = (uint64_t) seed,
    .steps = steps,
    .guidance_scale = (float) guidance,
    .width = width,
    .height = height,
    .frames = frames,
  };
  ae_pipeline_params params = { .keep_loaded = false };
  bool auto_dtype = strcmp (dtype_name, "auto") == 0;
  if (!cli_pipeline_dtypes (dtype_name, NULL, &params))
    {
      cli_error ("generate: --dtype must be auto, f32, f16 or bf16");
      return 2;
    }

  if (dry_run && budget_gb > 0)
    {
      /* Plan for a card of that size; no device and no weights needed. */
      ae_model_folder *folder = ae_model_folder_open_configs (model, &error);
      ae_memory_plan plan;
      if (folder == NULL)
        {
          cli_error ("generate: %s", error.message);
          return 1;
        }
      if (auto_dtype)
        params.t5_dtype = params.dit_dtype = AE_BF16;
      bool ok = ae_memory_plan_compute (folder, &params, &gp, (uint64_t) (budget_gb * 1e9), &plan, &error);
      const int64_t F = frames ? frames : folder->dit.sample_frames * 4;
      const int64_t W = width ? width : folder->dit.sample_width * 8,
                    H = height ? height : folder->dit.sample_height * 8;
      ae_model_folder_free (folder);
      if (!ok)
        {
          cli_error ("generate: %s", error.message);
          return 1;
        }
      print_plan (&plan, F, W, H);
      return plan.fits ? 0 : 1;
    }

  ae_context_params cp = { 0 };
  ae_context *ctx = ae_context_new (&cp, &error);
  ae_pipeline *pipeline = NULL;
  ae_video video = { 0 };
  if (ctx == NULL)
    {
      cli_error ("generate: %s", error.message);
      return 1;
    }
  const ae_device_info *info = ae_context_device (ctx);
  if (auto_dtype)
    cli_pipeline_dtypes (dtype_name, info, &params);
  if ((pipeline = ae_pipeline_new (ctx, model, &params, &error)) == NULL)
    {
      cli_error ("generate: %s", error.message);
      goto out;
    }
  const ae_model_folder *f = ae_pipeline_folder (pipeline);
  const int64_t F = frames ? frames : f->dit.sample_frames * 4;
  const int64_t W = width ? width : f->dit.sample_width * 8, H = height ? height : f->dit.sample_height * 8;
  ae_memory_plan plan;
  if (!ae_pipeline_plan (pipeline, &gp, &plan, &error))
    {
      cli_error ("generate: %s", error.message);
      goto out;
    }
  if (dry_run)
    {
      printf ("Device: %s\n", info->name);
      print_plan (&plan, F, W, H);
      status = plan.fits ? 0 : 1;
      goto out;
    }

  progress_state state = { .tty = isatty (STDERR_FILENO) };
  gp.progress = on_progress;
  gp.progress_user_data = &state;
  gp.cancel = &interrupted;
  signal (SIGINT, on_interrupt);
  fprintf (stderr, "Generating %lld frames of %lldx%lld on %s, seed %lld\n", (long long) F, (long long) W,
           (long long) H, info->name, (long long) seed);
  if (!ae_pipeline_generate (pipeline, &gp, false, &video, &error))
    {
      cli_error ("generate: %s", error.message);
      goto out;
    }
  ae_memory_stats mem;
  ae_context_memory_stats (ctx, &mem);
  fprintf (stderr, "Text %.1f s, denoising %.1f s, decoding %.1f s; peak device memory %.2f GB (planned %.2f GB)\n",
           video.seconds_text, video.seconds_denoise, video.seconds_decode, (double) mem.peak / 1e9,
           (double) plan.peak / 1e9);

  if (ends_with (out, ".mp4") || ends_with (out, ".webm"))
    {
      if (!cli_write_video (out, &video, (int) fps, prompt, negative, (uint64_t) seed, &gp, f))
        goto out;
    }
  else
    {
      /* A folder of PNG frames. */
      if (mkdir (out, 0777) != 0 && errno != EEXIST)
        {
          cli_error ("generate: cannot create the folder %s: %s", out, strerror (errno));
          goto out;
        }
      const size_t frame_bytes = (size_t) (video.width * video.height * 3);
      for (int64_t t = 0; t < video.frames; t++)
        {
          char path[4096];
          snprintf (path, sizeof path, "%s/frame-%04lld.png", out, (long long) t + 1);
          if (!png_write_rgb (path, video.rgb + t * frame_bytes, (int) video.width, (int) video.height))
            {
              cli_error ("generate: cannot write %s: %s", path, strerror (errno));
              goto out;
            }
        }
      fprintf (stderr, "Wrote %lld frames to %s/\n", (long long) video.frames, out);
    }
  status = 0;
out:
  ae_video_clear (&video);
  ae_pipeline_free (pipeline);
  ae_context_free (ctx);
  free (prompt_buffer);
  return status;
}

#if !AE_HAVE_MEDIA
bool
cli_write_video (const char *path, const ae_video *video, int fps, const char *prompt, const char *negative,
                 uint64_t seed, const ae_generate_params *gp, const ae_model_folder *folder)
{
  (void) video, (void) fps, (void) prompt, (void) negative, (void) seed, (void) gp, (void) folder;
  cli_error ("generate: this build has no video encoder (built with -Dengine_only=true); give a folder instead of %s "
             "to write PNG frames",
             path);
  return false;
}
#endif
