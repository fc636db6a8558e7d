/* studio-render-queue.c: one worker thread renders the queued takes.
 *
 * The worker owns the Vulkan context and the pipeline (made on its first
 * job, kept for the next); everything it learns reaches the jobs through
 * the queue's main context, so job properties only ever change there. */
#define G_LOG_DOMAIN "studio-render-queue"

#include "studio-render-queue.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "ae-engine.h"
#include "ae-pipeline.h"
#include "ae-safetensors.h"
#include "config.h"
#include "studio-encoder.h"
#include "studio-poster.h"
#include "studio-provenance.h"
#include "studio-take-provenance.h"

struct _StudioRenderJob
{
  GObject parent_instance;

  /* What the GUI sees (main context only). */
  gint64 take_id;
  char *title;
  StudioRenderStatus state;
  int step, total;
  double elapsed, remaining;
  char *error;
  GBytes *preview;
  int preview_frames, preview_height, preview_width;

  /* What the worker reads (set before queueing, then read-only). */
  char *project;
  StudioRecipe recipe;
  gint64 parent_id;
  double strength;
  gboolean resume;

  atomic_int cancel;
  gint64 finished_at; /* monotonic, for ordering finished jobs */
};

G_DEFINE_FINAL_TYPE (StudioRenderJob, studio_render_job, G_TYPE_OBJECT)

enum
{
  JOB_PROP_0,
  JOB_PROP_TAKE_ID,
  JOB_PROP_TITLE,
  JOB_PROP_STATE,
  JOB_PROP_STEP,
  JOB_PROP_TOTAL,
  JOB_PROP_ELAPSED,
  JOB_PROP_REMAINING,
  JOB_PROP_ERROR,
  JOB_PROP_PREVIEW,
  N_JOB_PROPS
};

static GParamSpec *job_props[N_JOB_PROPS];

static void
studio_render_job_finalize (GObject *object)
{
  StudioRenderJob *self = STUDIO_RENDER_JOB (object);
  g_free (self->title);
  g_free (self->error);
  g_clear_pointer (&self->preview, g_bytes_unref);
  g_free (self->project);
  studio_recipe_clear (&self->recipe);
  G_OBJECT_CLASS (studio_render_job_parent_class)->finalize (object);
}

static void
studio_render_job_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  StudioRenderJob *self = STUDIO_RENDER_JOB (object);
  switch (prop_id)
    {
    case JOB_PROP_TAKE_ID:
      g_value_set_int64 (value, self->take_id);
      break;
    case JOB_PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case JOB_PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case JOB_PROP_STEP:
      g_value_set_int (value, self->step);
      break;
    case JOB_PROP_TOTAL:
      g_value_set_int (value, self->total);
      break;
    case JOB_PROP_ELAPSED:
      g_value_set_double (value, self->elapsed);
      break;
    case JOB_PROP_REMAINING:
      g_value_set_double (value, self->remaining);
      break;
    case JOB_PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case JOB_PROP_PREVIEW:
      g_value_set_boxed (value, self->preview);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
studio_render_job_class_init (StudioRenderJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  object_class->finalize = studio_render_job_finalize;
  object_class->get_property = studio_render_job_get_property;
  job_props[JOB_PROP_TAKE_ID] = g_param_spec_int64 ("take-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  job_props[JOB_PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  job_props[JOB_PROP_STATE] = g_param_spec_int ("state", NULL, NULL, 0, STUDIO_RENDER_CANCELLED, 0, flags);
  job_props[JOB_PROP_STEP] = g_param_spec_int ("step", NULL, NULL, 0, G_MAXINT, 0, flags);
  job_props[JOB_PROP_TOTAL] = g_param_spec_int ("total", NULL, NULL, 0, G_MAXINT, 0, flags);
  job_props[JOB_PROP_ELAPSED] = g_param_spec_double ("elapsed", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  job_props[JOB_PROP_REMAINING] = g_param_spec_double ("remaining", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  job_props[JOB_PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  job_props[JOB_PROP_PREVIEW] = g_param_spec_boxed ("preview", NULL, NULL, G_TYPE_BYTES, flags);
  g_object_class_install_properties (object_class, N_JOB_PROPS, job_props);
}

static void
studio_render_job_init (StudioRenderJob *self)
{
}

gint64
studio_render_job_get_take_id (StudioRenderJob *job)
{
  return job->take_id;
}

const char *
studio_render_job_get_title (StudioRenderJob *job)
{
  return job->title;
}

StudioRenderStatus
studio_render_job_get_state (StudioRenderJob *job)
{
  return job->state;
}

int
studio_render_job_get_step (StudioRenderJob *job)
{
  return job->step;
}

int
studio_render_job_get_total (StudioRenderJob *job)
{
  return job->total;
}

double
studio_render_job_get_elapsed (StudioRenderJob *job)
{
  return job->elapsed;
}

double
studio_render_job_get_remaining (StudioRenderJob *job)
{
  return job->remaining;
}

const char *
studio_render_job_get_error (StudioRenderJob *job)
{
  return job->error;
}

GBytes *
studio_render_job_get_preview (StudioRenderJob *job, int *frames, int *height, int *width)
{
  if (frames != NULL)
    *frames = job->preview_frames;
  if (height != NULL)
    *height = job->preview_height;
  if (width != NULL)
    *width = job->preview_width;
  return job->preview;
}

/* ---- the queue ---- */

struct _StudioRenderQueue
{
  GObject parent_instance;

  StudioLibrary *library; /* borrowed */
  char *model_dir;
  char *actor;
  GMainContext *context;
  GListStore *jobs;

  GMutex lock;
  GCond wake;
  GQueue waiting; /* StudioRenderJob refs, next first */
  StudioRenderJob *running;
  gboolean quit;
  GThread *worker;

  /* Worker only. */
  ae_context *engine;
  ae_pipeline *pipeline;
};

G_DEFINE_FINAL_TYPE (StudioRenderQueue, studio_render_queue, G_TYPE_OBJECT)

enum
{
  SIGNAL_JOB_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The list model's order: the running job, the waiting ones in turn, then
 * the finished ones, newest first.  Called on the main context. */
static void
update_store (StudioRenderQueue *self)
{
  /* References held across the splice: removing the old items must not
   * finalize the ones put back. */
  g_autoptr (GPtrArray) order = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) finished = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->jobs));

  g_mutex_lock (&self->lock);
  /* The worker may not have let go of a job that has just finished. */
  if (self->running != NULL
      && (self->running->state == STUDIO_RENDER_QUEUED || self->running->state == STUDIO_RENDER_RUNNING))
    g_ptr_array_add (order, g_object_ref (self->running));
  for (GList *l = self->waiting.head; l != NULL; l = l->next)
    g_ptr_array_add (order, g_object_ref (l->data));
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < n; i++)
    {
      StudioRenderJob *job = g_list_model_get_item (G_LIST_MODEL (self->jobs), i);
      if (g_ptr_array_find (order, job, NULL))
        g_object_unref (job);
      else
        g_ptr_array_add (finished, job);
    }
  /* Newest finished first. */
  for (guint i = 1; i < finished->len; i++)
    for (guint j = i; j > 0; j--)
      {
        StudioRenderJob *a = finished->pdata[j - 1], *b = finished->pdata[j];
        if (a->finished_at >= b->finished_at)
          break;
        finished->pdata[j - 1] = b;
        finished->pdata[j] = a;
      }
  for (guint i = 0; i < finished->len; i++)
    g_ptr_array_add (order, g_object_ref (finished->pdata[i]));

  gboolean same = order->len == n;
  for (guint i = 0; same && i < n; i++)
    {
      g_autoptr (StudioRenderJob) job = g_list_model_get_item (G_LIST_MODEL (self->jobs), i);
      same = job == order->pdata[i];
    }
  if (!same)
    g_list_store_splice (self->jobs, 0, n, order->pdata, order->len);
}

/* ---- updates from the worker, delivered on the main context ---- */

typedef struct
{
  StudioRenderQueue *queue;
  StudioRenderJob *job;
  gboolean has_state;
  StudioRenderStatus state;
  int step, total;
  double elapsed, remaining;
  char *error;
  GBytes *preview;
  int pf, ph, pw;
  gboolean finished;
} job_update;

static gboolean
apply_update (gpointer data)
{
  job_update *u = data;
  StudioRenderJob *job = u->job;
  GObject *object = G_OBJECT (job);

  g_object_freeze_notify (object);
  if (u->has_state && job->state != u->state)
    {
      job->state = u->state;
      g_object_notify_by_pspec (object, job_props[JOB_PROP_STATE]);
    }
  if (u->total > 0)
    {
      if (job->step != u->step)
        {
          job->step = u->step;
          g_object_notify_by_pspec (object, job_props[JOB_PROP_STEP]);
        }
      if (job->total != u->total)
        {
          job->total = u->total;
          g_object_notify_by_pspec (object, job_props[JOB_PROP_TOTAL]);
        }
      job->elapsed = u->elapsed;
      job->remaining = u->remaining;
      g_object_notify_by_pspec (object, job_props[JOB_PROP_ELAPSED]);
      g_object_notify_by_pspec (object, job_props[JOB_PROP_REMAINING]);
    }
  if (u->error != NULL)
    {
      g_free (job->error);
      job->error = g_steal_pointer (&u->error);
      g_object_notify_by_pspec (object, job_props[JOB_PROP_ERROR]);
    }
  if (u->preview != NULL)
    {
      g_clear_pointer (&job->preview, g_bytes_unref);
      job->preview = g_steal_pointer (&u->preview);
      job->preview_frames = u->pf;
      job->preview_height = u->ph;
      job->preview_width = u->pw;
      g_object_notify_by_pspec (object, job_props[JOB_PROP_PREVIEW]);
    }
  g_object_thaw_notify (object);
  if (u->finished)
    {
      job->finished_at = g_get_monotonic_time ();
      update_store (u->queue);
      g_signal_emit (u->queue, signals[SIGNAL_JOB_FINISHED], 0, job);
    }
  else if (u->has_state)
    update_store (u->queue);
  return G_SOURCE_REMOVE;
}

static void
free_update (gpointer data)
{
  job_update *u = data;
  g_object_unref (u->queue);
  g_object_unref (u->job);
  g_free (u->error);
  g_clear_pointer (&u->preview, g_bytes_unref);
  g_free (u);
}

static job_update *
new_update (StudioRenderQueue *self, StudioRenderJob *job)
{
  job_update *u = g_new0 (job_update, 1);
  u->queue = g_object_ref (self);
  u->job = g_object_ref (job);
  return u;
}

static void
send_update (StudioRenderQueue *self, job_update *u)
{
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, apply_update, u, free_update);
}

/* ---- the worker ---- */

typedef struct
{
  StudioRenderQueue *queue;
  StudioRenderJob *job;
  gint64 last_preview;
} progress_data;

static bool
on_progress (const ae_progress *p, void *user_data)
{
  progress_data *pd = user_data;
  job_update *u = new_update (pd->queue, pd->job);
  u->step = (int) p->step;
  u->total = (int) p->total;
  u->elapsed = p->elapsed;
  u->remaining = p->remaining;
  if (p->preview != NULL)
    {
      u->preview = g_bytes_new (p->preview, (gsize) (p->preview_frames * p->preview_height * p->preview_width * 3));
      u->pf = (int) p->preview_frames;
      u->ph = (int) p->preview_height;
      u->pw = (int) p->preview_width;
    }
  send_update (pd->queue, u);
  return !atomic_load (&pd->job->cancel);
}

/* What a person should do about an engine error. */
static char *
explain (const ae_error *error)
{
  const char *advice;
  switch (error->code)
    {
    case AE_ERROR_OUT_OF_MEMORY:
      advice = "The GPU does not have enough memory for this take: use the Draft preset, a smaller size or fewer "
               "frames, or close other programs that use the GPU.";
      break;
    case AE_ERROR_DEVICE_LOST:
      advice = "The GPU stopped responding. Restart Allegro Studio; if it happens again, update the graphics driver.";
      break;
    case AE_ERROR_NO_DRIVER:
    case AE_ERROR_NO_DEVICE:
      advice = "No usable GPU was found. Install your GPU's Vulkan driver (or mesa-vulkan-drivers to render on the "
               "CPU).";
      break;
    case AE_ERROR_IO:
      advice = "A model file could not be read. Check the model folder in Preferences, or use the built-in demo "
               "model.";
      break;
    default:
      advice = "Check the take's settings and try again.";
    }
  return g_strdup_printf ("%s %s", error->message, advice);
}

/* The saved latent: a safetensors file with one F32 tensor "latents"
 * [C, T, H, W] and the steps it has been through. */
static gboolean
write_latent (const char *path, const ae_video *video, int64_t steps, GError **error)
{
  const int64_t *s = video->latent_shape;
  const gsize n = (gsize) (s[0] * s[1] * s[2] * s[3]) * sizeof (float);
  g_autofree char *header = g_strdup_printf (
      "{\"__metadata__\":{\"format\":\"allegro-studio-latent\",\"steps_done\":\"%lld\",\"steps\":\"%lld\"},"
      "\"latents\":{\"dtype\":\"F32\",\"shape\":[%lld,%lld,%lld,%lld],\"data_offsets\":[0,%" G_GSIZE_FORMAT "]}}",
      (long long) video->steps_done, (long long) steps, (long long) s[0], (long long) s[1], (long long) s[2],
      (long long) s[3], n);
  gsize hlen = strlen (header), padded = (hlen + 7) / 8 * 8;
  g_autoptr (GByteArray) bytes = g_byte_array_sized_new ((guint) (8 + padded + n));
  guint64 le = GUINT64_TO_LE ((guint64) padded);
  g_byte_array_append (bytes, (const guint8 *) &le, 8);
  g_byte_array_append (bytes, (const guint8 *) header, (guint) hlen);
  for (gsize i = hlen; i < padded; i++)
    g_byte_array_append (bytes, (const guint8 *) " ", 1);
  g_byte_array_append (bytes, (const guint8 *) video->latents, (guint) n);
  return g_file_set_contents (path, (const char *) bytes->data, (gssize) bytes->len, error);
}

/* Reads a saved latent back: the data, its shape and the steps done. */
static float *
read_latent (const char *path, int64_t shape[4], int64_t *steps_done, GError **error)
{
  ae_error e = { 0 };
  ae_weights *w = ae_weights_open (path, &e);
  const ae_st_tensor *t = w != NULL ? ae_weights_find (w, "latents") : NULL;
  float *data = NULL;
  if (t == NULL || t->ndim != 4)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID, "The saved latent %s is unusable: %s",
                   path, w == NULL ? e.message : "it holds no [C, T, H, W] \"latents\" tensor");
      ae_weights_free (w);
      return NULL;
    }
  for (int i = 0; i < 4; i++)
    shape[i] = t->shape[i];
  const char *done = ae_weights_metadata (w, "steps_done");
  *steps_done = done != NULL ? g_ascii_strtoll (done, NULL, 10) : 0;
  data = g_new (float, shape[0] * shape[1] * shape[2] * shape[3]);
  if (!ae_st_tensor_to_f32 (t, data, &e))
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID, "%s", e.message);
      g_clear_pointer (&data, g_free);
    }
  ae_weights_free (w);
  return data;
}

static char *
media_from_file (StudioRenderQueue *self, const char *path, GError **error)
{
  return studio_library_add_media_file (self->library, path, NULL, error);
}

static gboolean
write_video (StudioRenderQueue *self, StudioRenderJob *job, const ae_video *video, const char *path, GError **error)
{
  g_autoptr (StudioTake) take = studio_library_get_take (self->library, job->take_id, error);
  if (take == NULL)
    return FALSE;
  g_autoptr (StudioProvenance) prov = studio_take_provenance (self->library, take);
  /* What was rendered (a resumed or cropped take may differ from the ask). */
  prov->width = (int) video->width;
  prov->height = (int) video->height;
  prov->frames = (int) video->frames;
  if (prov->fps <= 0)
    prov->fps = 15;
  g_auto (GStrv) metadata = studio_provenance_to_metadata (prov);
  StudioEncoder *encoder
      = studio_encoder_open (path, (int) video->width, (int) video->height, prov->fps, STUDIO_MEDIA_FORMAT_MP4,
                             STUDIO_ENCODER_QUALITY_DEFAULT, (const char *const *) metadata, error);
  if (encoder == NULL)
    return FALSE;
  const gsize frame_bytes = (gsize) (video->width * video->height * 3);
  for (int64_t t = 0; t < video->frames; t++)
    if (!studio_encoder_push_frame (encoder, video->rgb + t * frame_bytes, (gsize) video->width * 3, error))
      {
        studio_encoder_free (encoder);
        return FALSE;
      }
  gboolean ok = studio_encoder_finish (encoder, error);
  studio_encoder_free (encoder);
  return ok;
}

static gboolean
ensure_pipeline (StudioRenderQueue *self, ae_error *e)
{
  if (self->engine == NULL)
    {
      ae_context_params cp = { 0 };
      self->engine = ae_context_new (&cp, e);
      if (self->engine == NULL)
        return FALSE;
    }
  if (self->pipeline == NULL)
    {
      const ae_device_info *info = ae_context_device (self->engine);
      const ae_dtype half = info->type != AE_DEVICE_CPU && info->storage16 ? AE_BF16 : AE_F32;
      ae_pipeline_params params = { .t5_dtype = half, .dit_dtype = half, .vae_dtype = AE_F32, .keep_loaded = true };
      self->pipeline = ae_pipeline_new (self->engine, self->model_dir, &params, e);
      if (self->pipeline == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
finish_job (StudioRenderQueue *self, StudioRenderJob *job, StudioRenderStatus state, char *message)
{
  job_update *u = new_update (self, job);
  u->has_state = TRUE;
  u->state = state;
  u->error = message;
  u->finished = TRUE;
  send_update (self, u);
}

static void
run_job (StudioRenderQueue *self, StudioRenderJob *job)
{
  g_autoptr (GError) error = NULL;
  ae_error e = { 0 };
  ae_video video = { 0 };
  g_autofree char *tmp = NULL;
  g_autofree float *start = NULL;
  int64_t start_step = 0;
  const StudioRecipe *r = &job->recipe;

  if (atomic_load (&job->cancel))
    {
      studio_library_set_render_status (self->library, job->take_id, self->actor, STUDIO_RENDER_CANCELLED, NULL, NULL);
      finish_job (self, job, STUDIO_RENDER_CANCELLED, NULL);
      return;
    }
  if (!studio_library_set_render_status (self->library, job->take_id, self->actor, STUDIO_RENDER_RUNNING, NULL, &error))
    {
      finish_job (self, job, STUDIO_RENDER_FAILED, g_strdup (error->message));
      return;
    }
  job_update *u = new_update (self, job);
  u->has_state = TRUE;
  u->state = STUDIO_RENDER_RUNNING;
  send_update (self, u);

  ae_generate_params gp = {
    .prompt = r->prompt,
    .negative_prompt = r->negative_prompt,
    .seed = (uint64_t) r->seed,
    .steps = r->steps,
    .guidance_scale = (float) r->guidance,
    .width = r->width,
    .height = r->height,
    .frames = r->frames,
    .cancel = &job->cancel,
  };
  progress_data pd = { .queue = self, .job = job };
  gp.progress = on_progress;
  gp.progress_user_data = &pd;

  if (!ensure_pipeline (self, &e))
    goto engine_failed;

  /* Resume from this take's latent, or refine from the parent's. */
  gint64 source_id = job->resume ? job->take_id : job->strength > 0 ? job->parent_id : 0;
  if (source_id > 0)
    {
      g_autoptr (StudioTake) source = studio_library_get_take (self->library, source_id, &error);
      int64_t shape[4], steps_done = 0;
      if (source == NULL || source->latent == NULL)
        {
          finish_job (self, job, STUDIO_RENDER_FAILED,
                      g_strdup_printf ("Take %" G_GINT64_FORMAT " has no saved latent to %s from. Render it anew.",
                                       source_id, job->resume ? "resume" : "refine"));
          goto out;
        }
      g_autofree char *latent_path = studio_library_media_path (self->library, source->latent);
      g_autofree float *latent = read_latent (latent_path, shape, &steps_done, &error);
      if (latent == NULL)
        {
          finish_job (self, job, STUDIO_RENDER_FAILED, g_strdup (error->message));
          goto out;
        }
      if (job->resume)
        {
          start = g_steal_pointer (&latent);
          start_step = steps_done;
          gp.start_latents = start;
          gp.start_step = start_step;
        }
      else
        {
          int64_t T, H, W;
          ae_pipeline_latent_size (self->pipeline, r->frames, r->height, r->width, &T, &H, &W);
          start = g_new (float, shape[0] * T * H * W);
          ae_pipeline_resize_latents (latent, shape[0], shape[1], shape[2], shape[3], start, T, H, W);
          gp.start_latents = start;
          gp.strength = (float) job->strength;
        }
    }

  tmp = g_dir_make_tmp ("allegro-render-XXXXXX", &error);
  if (tmp == NULL)
    {
      finish_job (self, job, STUDIO_RENDER_FAILED, g_strdup (error->message));
      goto out;
    }
  if (!ae_pipeline_generate (self->pipeline, &gp, false, &video, &e))
    {
      if (e.code == AE_ERROR_CANCELLED)
        {
          /* Keep what was reached, so the take can resume. */
          g_autofree char *latent_file = g_build_filename (tmp, "latent.safetensors", NULL);
          g_autofree char *latent_name = NULL;
          if (video.latents != NULL && write_latent (latent_file, &video, r->steps, NULL))
            latent_name = media_from_file (self, latent_file, NULL);
          if (latent_name != NULL)
            {
              StudioTakeMedia media = { .latent = latent_name };
              studio_library_set_take_media (self->library, job->take_id, self->actor, &media, NULL);
            }
          studio_library_set_render_status (self->library, job->take_id, self->actor, STUDIO_RENDER_CANCELLED, NULL,
                                            NULL);
          finish_job (self, job, STUDIO_RENDER_CANCELLED, NULL);
          goto out;
        }
      goto engine_failed;
    }

  {
    g_autofree char *video_file = g_build_filename (tmp, "take.mp4", NULL);
    g_autofree char *poster_file = g_build_filename (tmp, "poster.png", NULL);
    g_autofree char *strip_file = g_build_filename (tmp, "strip.png", NULL);
    g_autofree char *latent_file = g_build_filename (tmp, "latent.safetensors", NULL);
    g_autofree char *video_name = NULL, *poster_name = NULL, *strip_name = NULL, *latent_name = NULL;
    if (!write_video (self, job, &video, video_file, &error)
        || !studio_poster_write (video_file, video.frames / 2, 512, poster_file, &error)
        || !studio_preview_strip_write (video_file, 8, 4, 160, strip_file, &error)
        || !write_latent (latent_file, &video, r->steps, &error)
        || (video_name = media_from_file (self, video_file, &error)) == NULL
        || (poster_name = media_from_file (self, poster_file, &error)) == NULL
        || (strip_name = media_from_file (self, strip_file, &error)) == NULL
        || (latent_name = media_from_file (self, latent_file, &error)) == NULL)
      {
        g_autofree char *message = g_strdup_printf ("The take could not be saved: %s", error->message);
        studio_library_set_render_status (self->library, job->take_id, self->actor, STUDIO_RENDER_FAILED, message,
                                          NULL);
        finish_job (self, job, STUDIO_RENDER_FAILED, g_steal_pointer (&message));
        goto out;
      }
    StudioTakeMedia media
        = { .video = video_name, .poster = poster_name, .preview_strip = strip_name, .latent = latent_name };
    if (!studio_library_set_take_media (self->library, job->take_id, self->actor, &media, &error)
        || !studio_library_set_render_status (self->library, job->take_id, self->actor, STUDIO_RENDER_DONE, NULL,
                                              &error))
      {
        finish_job (self, job, STUDIO_RENDER_FAILED, g_strdup (error->message));
        goto out;
      }
    finish_job (self, job, STUDIO_RENDER_DONE, NULL);
    goto out;
  }

engine_failed:
  {
    char *message = explain (&e);
    studio_library_set_render_status (self->library, job->take_id, self->actor, STUDIO_RENDER_FAILED, message, NULL);
    finish_job (self, job, STUDIO_RENDER_FAILED, message);
  }
out:
  ae_video_clear (&video);
  if (tmp != NULL)
    {
      g_autoptr (GDir) dir = g_dir_open (tmp, 0, NULL);
      const char *name;
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (tmp, name, NULL);
          g_unlink (path);
        }
      g_rmdir (tmp);
    }
}

static gpointer
worker_main (gpointer data)
{
  StudioRenderQueue *self = data;
  for (;;)
    {
      g_mutex_lock (&self->lock);
      if (self->running != NULL)
        g_clear_object (&self->running);
      while (!self->quit && g_queue_is_empty (&self->waiting))
        g_cond_wait (&self->wake, &self->lock);
      if (self->quit)
        {
          g_mutex_unlock (&self->lock);
          break;
        }
      StudioRenderJob *job = g_queue_pop_head (&self->waiting);
      self->running = job; /* the queue's reference moves here */
      g_mutex_unlock (&self->lock);
      run_job (self, job);
    }
  ae_pipeline_free (self->pipeline);
  self->pipeline = NULL;
  ae_context_free (self->engine);
  self->engine = NULL;
  return NULL;
}

static void
studio_render_queue_dispose (GObject *object)
{
  StudioRenderQueue *self = STUDIO_RENDER_QUEUE (object);
  if (self->worker != NULL)
    {
      g_mutex_lock (&self->lock);
      self->quit = TRUE;
      for (GList *l = self->waiting.head; l != NULL; l = l->next)
        atomic_store (&((StudioRenderJob *) l->data)->cancel, 1);
      if (self->running != NULL)
        atomic_store (&self->running->cancel, 1);
      g_cond_signal (&self->wake);
      g_mutex_unlock (&self->lock);
      g_thread_join (g_steal_pointer (&self->worker));
    }
  g_queue_clear_full (&self->waiting, g_object_unref);
  g_clear_object (&self->running);
  g_clear_object (&self->jobs);
  G_OBJECT_CLASS (studio_render_queue_parent_class)->dispose (object);
}

static void
studio_render_queue_finalize (GObject *object)
{
  StudioRenderQueue *self = STUDIO_RENDER_QUEUE (object);
  g_free (self->model_dir);
  g_free (self->actor);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->wake);
  G_OBJECT_CLASS (studio_render_queue_parent_class)->finalize (object);
}

static void
studio_render_queue_class_init (StudioRenderQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = studio_render_queue_dispose;
  object_class->finalize = studio_render_queue_finalize;
  signals[SIGNAL_JOB_FINISHED] = g_signal_new ("job-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                               NULL, NULL, G_TYPE_NONE, 1, STUDIO_TYPE_RENDER_JOB);
}

static void
studio_render_queue_init (StudioRenderQueue *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->wake);
  g_queue_init (&self->waiting);
  self->jobs = g_list_store_new (STUDIO_TYPE_RENDER_JOB);
}

StudioRenderQueue *
studio_render_queue_new (StudioLibrary *library, const char *model_dir, const char *actor)
{
  StudioRenderQueue *self = g_object_new (STUDIO_TYPE_RENDER_QUEUE, NULL);
  self->library = library;
  self->model_dir = g_strdup (model_dir);
  self->actor = g_strdup (actor);
  self->context = g_main_context_ref_thread_default ();
  return self;
}

GListModel *
studio_render_queue_get_jobs (StudioRenderQueue *self)
{
  return G_LIST_MODEL (self->jobs);
}

static void
enqueue (StudioRenderQueue *self, StudioRenderJob *job)
{
  g_list_store_append (self->jobs, job);
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->waiting, g_object_ref (job));
  if (self->worker == NULL)
    self->worker = g_thread_new ("render-worker", worker_main, self);
  g_cond_signal (&self->wake);
  g_mutex_unlock (&self->lock);
  update_store (self);
}

StudioRenderJob *
studio_render_queue_add (StudioRenderQueue *self, const char *project, StudioTakeKind kind, gint64 parent_id,
                         double strength, const StudioRecipe *recipe, GError **error)
{
  g_autoptr (StudioRenderJob) job = g_object_new (STUDIO_TYPE_RENDER_JOB, NULL);
  StudioRecipe full;

  studio_recipe_copy (recipe, &full);
  if (full.model_name == NULL || full.model_name[0] == '\0')
    {
      g_free (full.model_name);
      full.model_name = g_path_get_basename (self->model_dir);
    }
  if (full.engine_version == NULL || full.engine_version[0] == '\0')
    {
      g_free (full.engine_version);
      full.engine_version = g_strdup (AE_VERSION);
    }
  if (full.scheduler == NULL || full.scheduler[0] == '\0')
    {
      g_free (full.scheduler);
      full.scheduler = g_strdup ("euler-ancestral");
    }
  StudioTakeParams params = { .project = project, .kind = kind, .parent_id = parent_id, .recipe = &full };
  gint64 id = studio_library_create_take (self->library, self->actor, &params, error);
  if (id == 0)
    {
      studio_recipe_clear (&full);
      return NULL;
    }
  g_autoptr (StudioTake) take = studio_library_get_take (self->library, id, NULL);
  job->take_id = id;
  job->title = g_strdup (take != NULL ? take->title : recipe->prompt);
  job->project = g_strdup (project);
  job->recipe = full;
  job->parent_id = parent_id;
  job->strength = strength;
  job->total = recipe->steps;
  enqueue (self, job);
  return job; /* borrowed: the queue's list holds it */
}

StudioRenderJob *
studio_render_queue_resume (StudioRenderQueue *self, gint64 take_id, GError **error)
{
  g_autoptr (StudioTake) take = studio_library_get_take (self->library, take_id, error);
  if (take == NULL)
    return NULL;
  if (take->render_status != STUDIO_RENDER_CANCELLED && take->render_status != STUDIO_RENDER_FAILED)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_STATE,
                   "Take %" G_GINT64_FORMAT " is %s; only cancelled or failed takes can be queued again.", take_id,
                   studio_render_status_to_string (take->render_status));
      return NULL;
    }
  if (!studio_library_set_render_status (self->library, take_id, self->actor, STUDIO_RENDER_QUEUED, NULL, error))
    return NULL;
  g_autoptr (StudioRenderJob) job = g_object_new (STUDIO_TYPE_RENDER_JOB, NULL);
  job->take_id = take_id;
  job->title = g_strdup (take->title);
  job->project = g_strdup (take->project);
  studio_recipe_copy (&take->recipe, &job->recipe);
  job->resume = take->render_status == STUDIO_RENDER_CANCELLED && take->latent != NULL;
  job->total = take->recipe.steps;
  enqueue (self, job);
  return job; /* borrowed: the queue's list holds it */
}

void
studio_render_queue_cancel (StudioRenderQueue *self, StudioRenderJob *job)
{
  gboolean was_waiting;
  atomic_store (&job->cancel, 1);
  g_mutex_lock (&self->lock);
  was_waiting = g_queue_remove (&self->waiting, job);
  g_mutex_unlock (&self->lock);
  if (was_waiting)
    {
      studio_library_set_render_status (self->library, job->take_id, self->actor, STUDIO_RENDER_CANCELLED, NULL, NULL);
      job->state = STUDIO_RENDER_CANCELLED;
      job->finished_at = g_get_monotonic_time ();
      g_object_notify_by_pspec (G_OBJECT (job), job_props[JOB_PROP_STATE]);
      update_store (self);
      g_signal_emit (self, signals[SIGNAL_JOB_FINISHED], 0, job);
      g_object_unref (job); /* the waiting queue's reference */
    }
}

gboolean
studio_render_queue_move (StudioRenderQueue *self, StudioRenderJob *job, guint position)
{
  gboolean found;
  g_mutex_lock (&self->lock);
  found = g_queue_remove (&self->waiting, job);
  if (found)
    g_queue_push_nth (&self->waiting, job, (gint) MIN (position, g_queue_get_length (&self->waiting)));
  g_mutex_unlock (&self->lock);
  if (found)
    update_store (self);
  return found;
}

int
studio_render_queue_get_waiting_position (StudioRenderQueue *self, StudioRenderJob *job)
{
  int position;
  g_mutex_lock (&self->lock);
  position = g_queue_index (&self->waiting, job);
  g_mutex_unlock (&self->lock);
  return position;
}

gboolean
studio_render_queue_is_busy (StudioRenderQueue *self)
{
  gboolean busy;
  g_mutex_lock (&self->lock);
  busy = self->running != NULL || !g_queue_is_empty (&self->waiting);
  g_mutex_unlock (&self->lock);
  return busy;
}
