/* studio-render-queue.h: the render queue.  Jobs run one at a time on a
 * worker thread that owns the Vulkan context and the model; the GUI (or the
 * CLI) only adds, cancels and reorders jobs and watches their properties,
 * which change on the queue's main context, never on the worker.
 *
 * Each job is a take in the library: created queued with its full recipe,
 * marked running, then done with its media (MP4 with provenance, poster,
 * preview strip, saved latent), or failed with a message saying what to do,
 * or cancelled with the latent reached, so it can resume where it stopped.
 *
 * Thread-safety: use a queue and its jobs from the thread whose main
 * context was current when the queue was made.
 */
#pragma once

#include <gio/gio.h>

#include "studio-library.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_RENDER_JOB (studio_render_job_get_type ())
G_DECLARE_FINAL_TYPE (StudioRenderJob, studio_render_job, STUDIO, RENDER_JOB, GObject)

#define STUDIO_TYPE_RENDER_QUEUE (studio_render_queue_get_type ())
G_DECLARE_FINAL_TYPE (StudioRenderQueue, studio_render_queue, STUDIO, RENDER_QUEUE, GObject)

/* Properties of a job (all notify on the queue's main context):
 *   "take-id" gint64, "title" string, "state" StudioRenderStatus (as int),
 *   "step" and "total" int, "elapsed" and "remaining" double (seconds),
 *   "error" string (failed: what went wrong and what to do),
 *   "preview" GdkPixbuf-free GBytes of RGB8 (see _get_preview). */
gint64 studio_render_job_get_take_id (StudioRenderJob *job);
const char *studio_render_job_get_title (StudioRenderJob *job);
StudioRenderStatus studio_render_job_get_state (StudioRenderJob *job);
int studio_render_job_get_step (StudioRenderJob *job);
int studio_render_job_get_total (StudioRenderJob *job);
double studio_render_job_get_elapsed (StudioRenderJob *job);
double studio_render_job_get_remaining (StudioRenderJob *job);
const char *studio_render_job_get_error (StudioRenderJob *job);
/* The latest preview of the current prediction: RGB8 frames x height x
 * width x 3 (latent resolution), or NULL before the first step. */
GBytes *studio_render_job_get_preview (StudioRenderJob *job, int *frames, int *height, int *width);

/* MODEL_DIR: a model folder (the demo model by default).  ACTOR: the member
 * rendering (a creative or admin).  The library must outlive the queue. */
StudioRenderQueue *studio_render_queue_new (StudioLibrary *library, const char *model_dir, const char *actor);
/* The jobs, in queue order (a GListModel of StudioRenderJob): running and
 * waiting ones first, then finished ones, newest first. */
GListModel *studio_render_queue_get_jobs (StudioRenderQueue *self);

/* Creates the take (queued, with RECIPE) and queues it.  The job returned
 * is owned by the queue (its list keeps every job).  RECIPE's model,
 * engine and device fields are filled in by the queue.  PARENT_ID and
 * strength: a final refined from a draft (its saved latent is resized to the
 * final's size and noised to STRENGTH); 0 for a fresh take. */
StudioRenderJob *studio_render_queue_add (StudioRenderQueue *self, const char *project, StudioTakeKind kind,
                                          gint64 parent_id, double strength, const StudioRecipe *recipe,
                                          GError **error);
/* Queues a cancelled or failed take again; a cancelled one resumes from the
 * latent it reached. */
StudioRenderJob *studio_render_queue_resume (StudioRenderQueue *self, gint64 take_id, GError **error);
/* Cancels a waiting job at once, a running one after its current step. */
void studio_render_queue_cancel (StudioRenderQueue *self, StudioRenderJob *job);
/* Moves a waiting job to POSITION among the waiting jobs (0: next). */
gboolean studio_render_queue_move (StudioRenderQueue *self, StudioRenderJob *job, guint position);
/* JOB's place among the waiting jobs (0: next), or -1 when it is not
 * waiting (running, finished, or not in this queue). */
int studio_render_queue_get_waiting_position (StudioRenderQueue *self, StudioRenderJob *job);
/* TRUE while a job runs or waits. */
gboolean studio_render_queue_is_busy (StudioRenderQueue *self);

/* Signals: "job-finished" (StudioRenderJob *job): done, failed or cancelled. */

G_END_DECLS
