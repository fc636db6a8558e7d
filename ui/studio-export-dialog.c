/* studio-export-dialog.c: export a take with its labels and provenance.
 *
 * Keyboard shortcuts:
 *   Ctrl+Return   export
 *   Ctrl+O        choose the destination
 *   Escape        cancel (stops a running export, else closes)
 */
#define G_LOG_DOMAIN "studio-export-dialog"

#include "studio-export-dialog.h"

#include "studio-take-provenance.h"

#include <glib/gstdio.h>
#include <string.h>

#include "config.h"
#include "studio-library-async.h"
#include "studio-media.h"

struct _StudioExportDialog
{
  AdwWindow parent_instance;

  /* template widgets */
  GtkWidget *export_button;
  AdwComboRow *format_row;
  GtkSwitch *ai_switch;
  GtkWidget *draft_row;
  AdwActionRow *destination_row;
  GtkProgressBar *progress;
  GtkLabel *message_label;

  /* owned */
  StudioSession *session;
  StudioTake *take;
  char *destination;
  char *error;
  GCancellable *cancellable;
  GtkFileChooserNative *chooser;
  gboolean busy;
  gboolean finished;
};

G_DEFINE_FINAL_TYPE (StudioExportDialog, studio_export_dialog, ADW_TYPE_WINDOW)

enum
{
  PROP_0,
  PROP_DESTINATION,
  PROP_BUSY,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum
{
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
is_draft (StudioExportDialog *self)
{
  return self->take->review_status != STUDIO_STATUS_APPROVED
         && self->take->review_status != STUDIO_STATUS_APPROVED_WITH_CHANGES;
}

static StudioMediaFormat
chosen_format (StudioExportDialog *self)
{
  return adw_combo_row_get_selected (self->format_row) == 1 ? STUDIO_MEDIA_FORMAT_WEBM : STUDIO_MEDIA_FORMAT_MP4;
}

static void
update_actions (StudioExportDialog *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.start",
                                 !self->busy && self->destination != NULL && self->destination[0] != '\0');
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.choose", !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->format_row), !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->ai_switch), !self->busy);
}

static void
show_message (StudioExportDialog *self, const char *text, gboolean is_error)
{
  gtk_label_set_text (self->message_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), text != NULL);
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), "error");
}

void
studio_export_dialog_set_destination (StudioExportDialog *self, const char *path)
{
  g_return_if_fail (STUDIO_IS_EXPORT_DIALOG (self));
  if (g_strcmp0 (self->destination, path) == 0)
    return;
  g_free (self->destination);
  self->destination = g_strdup (path);
  adw_action_row_set_subtitle (self->destination_row, path != NULL ? path : "");
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DESTINATION]);
}

/* The format follows the destination's extension, and the other way round. */
static void
on_format_selected (StudioExportDialog *self)
{
  const char *want = chosen_format (self) == STUDIO_MEDIA_FORMAT_WEBM ? ".webm" : ".mp4";
  g_autofree char *base = NULL;
  char *dot;
  if (self->destination == NULL || g_str_has_suffix (self->destination, want))
    return;
  base = g_strdup (self->destination);
  dot = strrchr (base, '.');
  if (dot != NULL && strchr (dot, G_DIR_SEPARATOR) == NULL)
    *dot = '\0';
  {
    g_autofree char *path = g_strconcat (base, want, NULL);
    studio_export_dialog_set_destination (self, path);
  }
}

/* ---- the worker ---- */

typedef struct
{
  StudioLibrary *library;
  gint64 take_id;
  char *actor;
  char *out_path;
  StudioMediaFormat format;
  gboolean label_ai;
  gboolean label_draft;
  GWeakRef dialog;
  GMainContext *context;
  gint64 last_progress; /* the worker's; monotonic µs */
} ExportJob;

typedef struct
{
  GWeakRef dialog;
  gint64 done, total;
} ProgressUpdate;

static void
progress_update_free (ProgressUpdate *update)
{
  g_weak_ref_clear (&update->dialog);
  g_free (update);
}

static void
export_job_free (ExportJob *job)
{
  g_free (job->actor);
  g_free (job->out_path);
  g_weak_ref_clear (&job->dialog);
  g_main_context_unref (job->context);
  g_free (job);
}

/* Runs FUNC on CONTEXT's thread, never on the caller's (which
 * g_main_context_invoke would do when the caller can acquire CONTEXT). */
static void
run_on_context (GMainContext *context, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, context);
  g_source_unref (source);
}

static gboolean
progress_idle (gpointer data)
{
  ProgressUpdate *update = data;
  g_autoptr (StudioExportDialog) self = g_weak_ref_get (&update->dialog);
  if (self != NULL && self->busy && update->total > 0)
    {
      g_autofree char *text
          = g_strdup_printf ("Frame %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT, update->done, update->total);
      gtk_progress_bar_set_fraction (self->progress, (double) update->done / (double) update->total);
      gtk_progress_bar_set_text (self->progress, text);
    }
  return G_SOURCE_REMOVE;
}

/* On the worker: at most ten updates a second reach the main thread. */
static void
on_progress (gint64 done, gint64 total, gpointer user_data)
{
  ExportJob *job = user_data;
  gint64 now = g_get_monotonic_time ();
  ProgressUpdate *update;
  g_autoptr (GObject) dialog = NULL;

  if (now - job->last_progress < G_USEC_PER_SEC / 10 && done < total)
    return;
  job->last_progress = now;
  dialog = g_weak_ref_get (&job->dialog);
  update = g_new0 (ProgressUpdate, 1);
  g_weak_ref_init (&update->dialog, dialog);
  update->done = done;
  update->total = total;
  run_on_context (job->context, progress_idle, update, (GDestroyNotify) progress_update_free);
}

static void
remove_export (const char *path)
{
  g_autofree char *sidecar = studio_provenance_sidecar_path (path);
  g_unlink (path);
  g_unlink (sidecar);
}

static void
export_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ExportJob *job = data;
  GError *error = NULL;
  g_autoptr (StudioTake) take = studio_library_get_take (job->library, job->take_id, &error);
  g_autoptr (StudioProvenance) prov = NULL;
  g_autofree char *source_path = NULL;

  if (take == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (take->video == NULL)
    {
      g_task_return_new_error (task, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_NOT_FOUND,
                               "take %" G_GINT64_FORMAT " has no video yet", take->id);
      return;
    }
  source_path = studio_library_media_path (job->library, take->video);
  prov = studio_take_provenance (job->library, take);
  if (!studio_media_export_full (source_path, job->out_path, job->format, prov, job->label_ai, job->label_draft,
                                 STUDIO_ENCODER_QUALITY_DEFAULT, on_progress, job, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* The library has the last word: a refusal takes the file back. */
  if (!studio_library_record_export (job->library, job->take_id, job->actor, job->out_path,
                                     studio_media_format_to_string (job->format), &error))
    {
      remove_export (job->out_path);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static char *
describe_error (const GError *error, const char *path)
{
  g_autofree char *folder = g_path_get_dirname (path);
  const char *advice = "";
  g_autofree char *owned = NULL;

  if (error->domain == STUDIO_MEDIA_ERROR)
    switch (error->code)
      {
      case STUDIO_MEDIA_ERROR_IO:
        owned = g_strdup_printf ("Free some space on the disk holding %s, or choose another folder, then export "
                                 "again.",
                                 folder);
        advice = owned;
        break;
      case STUDIO_MEDIA_ERROR_NOT_FOUND:
      case STUDIO_MEDIA_ERROR_TRUNCATED:
      case STUDIO_MEDIA_ERROR_INVALID_DATA:
        advice = "The take's video in the library is missing or damaged: restore the library from a backup, or "
                 "render the take again.";
        break;
      case STUDIO_MEDIA_ERROR_NO_ENCODER:
        advice = "Choose the other format.";
        break;
      default:
        break;
      }
  else if (error->domain == STUDIO_LIBRARY_ERROR && error->code == STUDIO_LIBRARY_ERROR_REFUSED)
    advice = "Nothing was exported. Only managers and admins export, and only approved takes or drafts.";
  else if (error->domain == STUDIO_LIBRARY_ERROR && error->code == STUDIO_LIBRARY_ERROR_BUSY)
    advice = "Another program is writing to the library; export again in a moment.";
  return g_strdup_printf ("%s. %s", error->message, advice);
}

static void
finish (StudioExportDialog *self, gboolean ok)
{
  self->busy = FALSE;
  self->finished = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self->progress), FALSE);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, ok, self->destination);
}

static void
on_exported (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StudioExportDialog *self = STUDIO_EXPORT_DIALOG (source);
  g_autoptr (GError) error = NULL;

  g_clear_object (&self->cancellable);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *text = NULL;
      if (g_error_matches (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_CANCELLED)
          || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        text = g_strdup ("Export stopped; nothing was written.");
      else
        text = describe_error (error, self->destination);
      g_free (self->error);
      self->error = g_strdup (text);
      show_message (self, text, TRUE);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ERROR]);
      finish (self, FALSE);
      return;
    }
  if (self->session != NULL)
    studio_session_library_changed (self->session);
  finish (self, TRUE);
}

static void
start_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioExportDialog *self = STUDIO_EXPORT_DIALOG (widget);
  ExportJob *job;
  GTask *task;

  if (self->busy || self->destination == NULL)
    return;
  job = g_new0 (ExportJob, 1);
  job->library = studio_session_get_library (self->session);
  job->take_id = self->take->id;
  job->actor = g_strdup (studio_session_get_member (self->session));
  job->out_path = g_strdup (self->destination);
  job->format = chosen_format (self);
  job->label_ai = gtk_switch_get_active (self->ai_switch);
  job->label_draft = is_draft (self);
  job->context = g_main_context_ref_thread_default ();
  g_weak_ref_init (&job->dialog, self);

  self->busy = TRUE;
  g_clear_pointer (&self->error, g_free);
  show_message (self, NULL, FALSE);
  gtk_progress_bar_set_fraction (self->progress, 0);
  gtk_progress_bar_set_text (self->progress, "Starting…");
  gtk_widget_set_visible (GTK_WIDGET (self->progress), TRUE);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);

  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, on_exported, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  g_task_run_in_thread (task, export_thread);
  g_object_unref (task);
}

static void
cancel_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioExportDialog *self = STUDIO_EXPORT_DIALOG (widget);
  if (self->busy)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

static void
on_chooser_response (GtkNativeDialog *chooser, int response, StudioExportDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      if (path != NULL)
        {
          studio_export_dialog_set_destination (self, path);
          if (g_str_has_suffix (path, ".webm"))
            adw_combo_row_set_selected (self->format_row, 1);
          else if (g_str_has_suffix (path, ".mp4"))
            adw_combo_row_set_selected (self->format_row, 0);
        }
      else
        show_message (self, "That location is not a local folder; choose a folder on this computer.", TRUE);
    }
  g_clear_object (&self->chooser);
}

static void
choose_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioExportDialog *self = STUDIO_EXPORT_DIALOG (widget);
  g_autofree char *name = NULL;
  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new ("Export Take", GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                               "_Export", "_Cancel");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (self->destination != NULL)
    {
      g_autoptr (GFile) folder = g_file_new_for_path (self->destination);
      g_autoptr (GFile) parent = g_file_get_parent (folder);
      name = g_path_get_basename (self->destination);
      if (parent != NULL)
        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), parent, NULL);
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
    }
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* "take-12-a-red-car.mp4" in the Videos folder (or home). */
static char *
default_destination (const StudioTake *take)
{
  const char *videos = g_get_user_special_dir (G_USER_DIRECTORY_VIDEOS);
  GString *name = g_string_new (NULL);
  g_string_append_printf (name, "take-%" G_GINT64_FORMAT "-", take->id);
  for (const char *p = take->title; *p != '\0' && name->len < 48; p++)
    g_string_append_c (name, g_ascii_isalnum (*p) ? g_ascii_tolower (*p) : '-');
  g_string_append (name, ".mp4");
  {
    g_autofree char *file = g_string_free (name, FALSE);
    return g_build_filename (videos != NULL ? videos : g_get_home_dir (), file, NULL);
  }
}

/* ---- life cycle ---- */

static gboolean
on_close_request (StudioExportDialog *self)
{
  /* Closing stops an export; the encoder removes its temporary file. */
  if (self->busy)
    g_cancellable_cancel (self->cancellable);
  return FALSE;
}

static void
studio_export_dialog_dispose (GObject *object)
{
  StudioExportDialog *self = STUDIO_EXPORT_DIALOG (object);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), STUDIO_TYPE_EXPORT_DIALOG);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (studio_export_dialog_parent_class)->dispose (object);
}

static void
studio_export_dialog_finalize (GObject *object)
{
  StudioExportDialog *self = STUDIO_EXPORT_DIALOG (object);
  g_clear_pointer (&self->take, studio_take_free);
  g_free (self->destination);
  g_free (self->error);
  G_OBJECT_CLASS (studio_export_dialog_parent_class)->finalize (object);
}

static void
studio_export_dialog_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  StudioExportDialog *self = STUDIO_EXPORT_DIALOG (object);
  switch (prop_id)
    {
    case PROP_DESTINATION:
      g_value_set_string (value, self->destination);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
studio_export_dialog_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  StudioExportDialog *self = STUDIO_EXPORT_DIALOG (object);
  switch (prop_id)
    {
    case PROP_DESTINATION:
      studio_export_dialog_set_destination (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
studio_export_dialog_class_init (StudioExportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = studio_export_dialog_dispose;
  object_class->finalize = studio_export_dialog_finalize;
  object_class->get_property = studio_export_dialog_get_property;
  object_class->set_property = studio_export_dialog_set_property;

  props[PROP_DESTINATION] = g_param_spec_string ("destination", NULL, NULL, NULL,
                                                 G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                           NULL, G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/allegrostudio/AllegroStudio/studio-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, StudioExportDialog, export_button);
  gtk_widget_class_bind_template_child (widget_class, StudioExportDialog, format_row);
  gtk_widget_class_bind_template_child (widget_class, StudioExportDialog, ai_switch);
  gtk_widget_class_bind_template_child (widget_class, StudioExportDialog, draft_row);
  gtk_widget_class_bind_template_child (widget_class, StudioExportDialog, destination_row);
  gtk_widget_class_bind_template_child (widget_class, StudioExportDialog, progress);
  gtk_widget_class_bind_template_child (widget_class, StudioExportDialog, message_label);

  gtk_widget_class_install_action (widget_class, "export.start", NULL, start_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "export.start", NULL);
  gtk_widget_class_install_action (widget_class, "export.choose", NULL, choose_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "export.choose", NULL);
  gtk_widget_class_install_action (widget_class, "export.cancel", NULL, cancel_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "export.cancel", NULL);
}

static void
studio_export_dialog_init (StudioExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->format_row, "notify::selected", G_CALLBACK (on_format_selected), self);
  g_signal_connect (self, "close-request", G_CALLBACK (on_close_request), NULL);
}

StudioExportDialog *
studio_export_dialog_new (GtkWindow *parent, StudioSession *session, const StudioTake *take)
{
  StudioExportDialog *self = g_object_new (STUDIO_TYPE_EXPORT_DIALOG, "transient-for", parent, NULL);
  g_autofree char *destination = default_destination (take);
  self->session = g_object_ref (session);
  self->take = studio_take_copy (take);
  gtk_window_set_title (GTK_WINDOW (self), is_draft (self) ? "Export Draft" : "Export Take");
  gtk_widget_set_visible (self->draft_row, is_draft (self));
  studio_export_dialog_set_destination (self, destination);
  update_actions (self);
  return self;
}

const char *
studio_export_dialog_get_destination (StudioExportDialog *self)
{
  return self->destination;
}

gboolean
studio_export_dialog_get_busy (StudioExportDialog *self)
{
  return self->busy;
}

const char *
studio_export_dialog_get_error (StudioExportDialog *self)
{
  return self->error;
}
