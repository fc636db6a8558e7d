/* studio-audit-window.c: a take's audit rows in a window.
 *
 * Keyboard shortcuts: Escape closes the window. */
#define G_LOG_DOMAIN "studio-audit-window"

#include "studio-audit-window.h"

#include "studio-library-async.h"

struct _StudioAuditWindow
{
  AdwWindow parent_instance;

  AdwWindowTitle *window_title;
  GtkStack *stack;
  GtkLabel *chain_label;
  GtkListBox *list;
  AdwStatusPage *error_page;

  int n_rows;
};

G_DEFINE_FINAL_TYPE (StudioAuditWindow, studio_audit_window, ADW_TYPE_WINDOW)

typedef struct
{
  GPtrArray *rows; /* StudioAuditRow about the take */
  gboolean intact;
  gint64 n_chain;
  char *chain_error;
} AuditResult;

static void
audit_result_free (AuditResult *result)
{
  g_ptr_array_unref (result->rows);
  g_free (result->chain_error);
  g_free (result);
}

static gpointer
load_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  gint64 take_id = *(gint64 *) data;
  g_autoptr (GPtrArray) all = studio_library_list_audit (lib, 0, 0, error);
  g_autoptr (GError) chain_error = NULL;
  gint64 first_bad = 0;
  AuditResult *result;

  if (all == NULL)
    return NULL;
  result = g_new0 (AuditResult, 1);
  result->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) studio_audit_row_free);
  for (guint i = 0; i < all->len; i++)
    {
      StudioAuditRow *row = all->pdata[i];
      if (row->take_id == take_id)
        g_ptr_array_add (result->rows, studio_audit_row_copy (row));
    }
  result->intact = studio_library_verify_audit (lib, &result->n_chain, &first_bad, &chain_error);
  if (!result->intact)
    result->chain_error = g_strdup (chain_error != NULL ? chain_error->message : "the chain is broken");
  return result;
}

static char *
format_time (gint64 usec)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr (GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;
  return local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

static void
on_loaded (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (StudioAuditWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  AuditResult *result = studio_library_run_finish (res, &error);

  if (result == NULL)
    {
      g_autofree char *text
          = g_markup_printf_escaped ("%s.\nClose other programs using the library and try again.", error->message);
      adw_status_page_set_description (self->error_page, text);
      gtk_stack_set_visible_child_name (self->stack, "error");
      self->n_rows = 0;
      return;
    }
  for (guint i = 0; i < result->rows->len; i++)
    {
      StudioAuditRow *row = result->rows->pdata[i];
      g_autofree char *when = format_time (row->time);
      g_autofree char *title = g_strdup_printf ("%s · %s", row->action, row->actor);
      g_autofree char *subtitle = g_strdup_printf ("%s  %s", when, row->details != NULL ? row->details : "");
      GtkWidget *action_row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (action_row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (action_row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (action_row), subtitle);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (action_row), 3);
      gtk_widget_set_tooltip_text (action_row, row->hash);
      gtk_list_box_append (self->list, action_row);
    }
  if (result->intact)
    {
      g_autofree char *text = g_strdup_printf ("%u rows about this take. The library's audit log is intact: "
                                               "%" G_GINT64_FORMAT " rows, each chained to the one before by "
                                               "its SHA-256.",
                                               result->rows->len, result->n_chain);
      gtk_label_set_text (self->chain_label, text);
    }
  else
    {
      g_autofree char *text = g_strdup_printf ("The audit log has been tampered with: %s. Keep this library "
                                               "as evidence and restore a copy from a backup.",
                                               result->chain_error);
      gtk_label_set_text (self->chain_label, text);
      gtk_widget_add_css_class (GTK_WIDGET (self->chain_label), "error");
    }
  self->n_rows = (int) result->rows->len;
  gtk_stack_set_visible_child_name (self->stack, "rows");
  audit_result_free (result);
}

static void
studio_audit_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), STUDIO_TYPE_AUDIT_WINDOW);
  G_OBJECT_CLASS (studio_audit_window_parent_class)->dispose (object);
}

static void
studio_audit_window_class_init (StudioAuditWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = studio_audit_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/allegrostudio/AllegroStudio/studio-audit-window.ui");
  gtk_widget_class_bind_template_child (widget_class, StudioAuditWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, StudioAuditWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, StudioAuditWindow, chain_label);
  gtk_widget_class_bind_template_child (widget_class, StudioAuditWindow, list);
  gtk_widget_class_bind_template_child (widget_class, StudioAuditWindow, error_page);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
studio_audit_window_init (StudioAuditWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->n_rows = -1;
}

StudioAuditWindow *
studio_audit_window_new (GtkWindow *parent, StudioLibrary *library, gint64 take_id, const char *title)
{
  StudioAuditWindow *self = g_object_new (STUDIO_TYPE_AUDIT_WINDOW, "transient-for", parent, NULL);
  g_autofree char *subtitle = g_strdup_printf ("Take %" G_GINT64_FORMAT ": %s", take_id, title != NULL ? title : "");
  adw_window_title_set_subtitle (self->window_title, subtitle);
  studio_library_run_async (library, load_job, g_memdup2 (&take_id, sizeof take_id), g_free,
                            (GDestroyNotify) audit_result_free, NULL, on_loaded, g_object_ref (self));
  return self;
}

int
studio_audit_window_get_n_rows (StudioAuditWindow *self)
{
  return self->n_rows;
}
