/* studio-queue-row.c: a render job in the queue, following its properties
 * (which the queue changes on the main context only). */
#define G_LOG_DOMAIN "studio-queue-row"

#include "studio-queue-row.h"

struct _StudioQueueRow
{
  AdwBin parent_instance;

  /* template widgets */
  GtkPicture *preview;
  GtkLabel *title;
  GtkLabel *status;
  GtkProgressBar *progress;
  GtkLabel *error;
  GtkButton *up_button;
  GtkButton *down_button;
  GtkButton *retry_button;
  GtkButton *cancel_button;

  /* owned */
  StudioRenderJob *job;
};

G_DEFINE_FINAL_TYPE (StudioQueueRow, studio_queue_row, ADW_TYPE_BIN)

static char *
format_duration (double seconds)
{
  gint64 s = (gint64) (seconds + 0.5);
  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int) (s / 60 % 60), (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

char *
studio_queue_row_describe (StudioRenderJob *job)
{
  const int step = studio_render_job_get_step (job), total = studio_render_job_get_total (job);
  g_autofree char *elapsed = format_duration (studio_render_job_get_elapsed (job));
  g_autofree char *remaining = format_duration (studio_render_job_get_remaining (job));

  switch (studio_render_job_get_state (job))
    {
    case STUDIO_RENDER_QUEUED:
      return g_strdup_printf ("Waiting · %d steps", total);
    case STUDIO_RENDER_RUNNING:
      if (step == 0)
        return g_strdup ("Starting: loading the model and reading the prompt");
      if (step >= total)
        return g_strdup_printf ("Step %d of %d · %s elapsed · decoding the video", step, total, elapsed);
      return g_strdup_printf ("Step %d of %d · %s elapsed · about %s left", step, total, elapsed, remaining);
    case STUDIO_RENDER_DONE:
      return g_strdup_printf ("Done · %d steps in %s", total, elapsed);
    case STUDIO_RENDER_FAILED:
      return g_strdup ("Failed");
    case STUDIO_RENDER_CANCELLED:
      return step > 0 ? g_strdup_printf ("Cancelled at step %d of %d: queue it again to go on", step, total)
                      : g_strdup ("Cancelled before it started");
    default:
      return g_strdup ("");
    }
}

static void
update_preview (StudioQueueRow *self)
{
  int frames = 0, height = 0, width = 0;
  GBytes *bytes = self->job != NULL ? studio_render_job_get_preview (self->job, &frames, &height, &width) : NULL;
  const gsize frame_size = (gsize) height * width * 3;

  if (bytes == NULL || frames <= 0 || frame_size == 0 || g_bytes_get_size (bytes) < frame_size * frames)
    {
      gtk_picture_set_paintable (self->preview, NULL);
      return;
    }
  /* The middle frame of the prediction. */
  g_autoptr (GBytes) frame = g_bytes_new_from_bytes (bytes, frame_size * (frames / 2), frame_size);
  g_autoptr (GdkTexture) texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, frame, (gsize) width * 3);
  gtk_picture_set_paintable (self->preview, GDK_PAINTABLE (texture));
}

static void
update (StudioQueueRow *self)
{
  StudioRenderJob *job = self->job;
  if (job == NULL)
    return;

  const StudioRenderStatus state = studio_render_job_get_state (job);
  const int step = studio_render_job_get_step (job), total = studio_render_job_get_total (job);
  const char *error = studio_render_job_get_error (job);
  const gboolean waiting = state == STUDIO_RENDER_QUEUED;
  const gboolean active = waiting || state == STUDIO_RENDER_RUNNING;
  g_autofree char *status = studio_queue_row_describe (job);
  g_autofree char *title = g_strdup_printf ("Take %" G_GINT64_FORMAT " · %s", studio_render_job_get_take_id (job),
                                            studio_render_job_get_title (job));

  gtk_label_set_text (self->title, title);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title), studio_render_job_get_title (job));
  gtk_label_set_text (self->status, status);
  gtk_progress_bar_set_fraction (self->progress, state == STUDIO_RENDER_DONE ? 1.0
                                                 : total > 0                 ? (double) step / total
                                                                             : 0.0);
  gtk_widget_set_visible (GTK_WIDGET (self->progress), active);
  gtk_widget_set_visible (GTK_WIDGET (self->error), state == STUDIO_RENDER_FAILED && error != NULL);
  gtk_label_set_text (self->error, error != NULL ? error : "");
  gtk_widget_set_visible (GTK_WIDGET (self->up_button), waiting);
  gtk_widget_set_visible (GTK_WIDGET (self->down_button), waiting);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), active);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button),
                          state == STUDIO_RENDER_FAILED || state == STUDIO_RENDER_CANCELLED);

  g_autofree char *label = g_strdup_printf ("%s: %s", title, status);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
on_job_notify (GObject *object, GParamSpec *pspec, StudioQueueRow *self)
{
  if (g_str_equal (pspec->name, "preview"))
    update_preview (self);
  else
    update (self);
}

void
studio_queue_row_set_job (StudioQueueRow *self, StudioRenderJob *job)
{
  g_return_if_fail (STUDIO_IS_QUEUE_ROW (self));
  if (self->job == job)
    return;
  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_set_object (&self->job, job);
  GtkButton *buttons[] = { self->up_button, self->down_button, self->retry_button, self->cancel_button };
  const char *actions[] = { "create.move-job-up", "create.move-job-down", "create.resume-job", "create.cancel-job" };
  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    {
      /* The target first: an action with a parameter and no target warns. */
      if (job != NULL)
        gtk_actionable_set_action_target_value (GTK_ACTIONABLE (buttons[i]),
                                                g_variant_new_int64 (studio_render_job_get_take_id (job)));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (buttons[i]), job != NULL ? actions[i] : NULL);
    }
  if (job == NULL)
    {
      gtk_picture_set_paintable (self->preview, NULL);
      return;
    }
  g_signal_connect (job, "notify", G_CALLBACK (on_job_notify), self);
  update (self);
  update_preview (self);
}

StudioRenderJob *
studio_queue_row_get_job (StudioQueueRow *self)
{
  return self->job;
}

static void
studio_queue_row_dispose (GObject *object)
{
  StudioQueueRow *self = STUDIO_QUEUE_ROW (object);
  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_clear_object (&self->job);
  gtk_widget_dispose_template (GTK_WIDGET (self), STUDIO_TYPE_QUEUE_ROW);
  G_OBJECT_CLASS (studio_queue_row_parent_class)->dispose (object);
}

static void
studio_queue_row_class_init (StudioQueueRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = studio_queue_row_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/allegrostudio/AllegroStudio/studio-queue-row.ui");
  gtk_widget_class_bind_template_child (widget_class, StudioQueueRow, preview);
  gtk_widget_class_bind_template_child (widget_class, StudioQueueRow, title);
  gtk_widget_class_bind_template_child (widget_class, StudioQueueRow, status);
  gtk_widget_class_bind_template_child (widget_class, StudioQueueRow, progress);
  gtk_widget_class_bind_template_child (widget_class, StudioQueueRow, error);
  gtk_widget_class_bind_template_child (widget_class, StudioQueueRow, up_button);
  gtk_widget_class_bind_template_child (widget_class, StudioQueueRow, down_button);
  gtk_widget_class_bind_template_child (widget_class, StudioQueueRow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, StudioQueueRow, cancel_button);
}

static void
studio_queue_row_init (StudioQueueRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
studio_queue_row_new (void)
{
  return g_object_new (STUDIO_TYPE_QUEUE_ROW, NULL);
}
