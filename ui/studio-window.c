/* studio-window.c: the main window.  The header bar holds the project, the
 * view switcher and the member; the views follow the member's role (the
 * library enforces roles anyway; the window only hides what a role cannot
 * do and opens on the view the role works in). */
#define G_LOG_DOMAIN "studio-window"

#include "studio-window.h"

#include "studio-library-async.h"

#include "studio-browse-page.h"
#include "studio-create-page.h"
#include "studio-review-page.h"

struct _StudioWindow
{
  AdwApplicationWindow parent_instance;

  /* template widgets */
  AdwToastOverlay *toast_overlay;
  AdwViewStack *stack;
  GtkDropDown *project_dropdown;
  GtkButton *member_button;

  /* owned */
  StudioSession *session;
  GtkStringList *projects;
  gboolean updating_projects;
  /* borrowed: the views, owned by the stack */
  GtkWidget *create_page, *review_page, *browse_page;
};

G_DEFINE_FINAL_TYPE (StudioWindow, studio_window, ADW_TYPE_APPLICATION_WINDOW)

void
studio_window_toast (StudioWindow *self, const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (escaped));
}

void
studio_widget_toast (GtkWidget *widget, const char *text)
{
  GtkWidget *window = gtk_widget_get_ancestor (widget, STUDIO_TYPE_WINDOW);
  if (window != NULL)
    studio_window_toast (STUDIO_WINDOW (window), text);
  else
    g_message ("%s", text);
}

char *
studio_library_error_text (const GError *error, const char *refused_advice)
{
  const char *advice = NULL;
  if (error->domain == STUDIO_LIBRARY_ERROR)
    switch (error->code)
      {
      case STUDIO_LIBRARY_ERROR_REFUSED:
        advice = refused_advice;
        break;
      case STUDIO_LIBRARY_ERROR_LOCKED:
        advice = "The take is approved and locked; a change needs a new take.";
        break;
      case STUDIO_LIBRARY_ERROR_BUSY:
        advice = "Another program is writing to the library; try again in a moment.";
        break;
      case STUDIO_LIBRARY_ERROR_CORRUPT:
        advice = "Restore the library from a backup.";
        break;
      case STUDIO_LIBRARY_ERROR_STATE:
        advice = "Wait until the take has finished rendering.";
        break;
      default:
        break;
      }
  return advice != NULL ? g_strdup_printf ("%s. %s", error->message, advice) : g_strdup (error->message);
}

void
studio_window_show_view (StudioWindow *self, const char *name)
{
  adw_view_stack_set_visible_child_name (self->stack, name);
}

const char *
studio_window_get_view (StudioWindow *self)
{
  return adw_view_stack_get_visible_child_name (self->stack);
}

StudioSession *
studio_window_get_session (StudioWindow *self)
{
  return self->session;
}

/* ---- the project list (loaded off the main thread) ---- */

static void
on_projects_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (StudioWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) projects = studio_library_list_projects_finish (result, &error);
  const char *current;
  guint selected = 0;

  if (projects == NULL)
    {
      studio_window_toast (self, error->message);
      return;
    }
  self->updating_projects = TRUE;
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_ptr_array_add (names, (gpointer) "All projects");
  for (guint i = 0; i < projects->len; i++)
    {
      StudioProject *p = projects->pdata[i];
      if (!p->archived)
        g_ptr_array_add (names, p->name);
    }
  g_ptr_array_add (names, NULL);
  gtk_string_list_splice (self->projects, 0, g_list_model_get_n_items (G_LIST_MODEL (self->projects)),
                          (const char *const *) names->pdata);
  current = studio_session_get_project (self->session);
  for (guint i = 1; current != NULL && i + 1 < names->len; i++)
    if (g_strcmp0 (names->pdata[i], current) == 0)
      selected = i;
  if (current == NULL && names->len > 2)
    {
      /* Start on the newest project rather than on all of them. */
      selected = 1;
      studio_session_set_project (self->session, names->pdata[1]);
    }
  gtk_drop_down_set_selected (self->project_dropdown, selected);
  self->updating_projects = FALSE;
}

static void
reload_projects (StudioWindow *self)
{
  studio_library_list_projects_async (studio_session_get_library (self->session), NULL, on_projects_listed,
                                      g_object_ref (self));
}

static void
on_project_selected (StudioWindow *self)
{
  guint i = gtk_drop_down_get_selected (self->project_dropdown);
  if (self->updating_projects || self->session == NULL || i == GTK_INVALID_LIST_POSITION)
    return;
  studio_session_set_project (self->session, i == 0 ? NULL : gtk_string_list_get_string (self->projects, i));
}

/* ---- the member ---- */

static void
update_member (StudioWindow *self)
{
  const char *member = studio_session_get_member (self->session);
  g_autofree char *label = NULL;
  if (member == NULL)
    label = g_strdup ("Choose member");
  else
    label = g_strdup_printf ("%s · %s", member, studio_role_to_string (studio_session_get_role (self->session)));
  gtk_button_set_label (self->member_button, label);

  /* Open on the view the role works in. */
  switch (studio_session_get_role (self->session))
    {
    case STUDIO_ROLE_LEGAL:
      studio_window_show_view (self, "review");
      break;
    case STUDIO_ROLE_MANAGER:
      studio_window_show_view (self, "browse");
      break;
    default:
      studio_window_show_view (self, "create");
    }
}

static void
on_member_chosen (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  StudioWindow *self = user_data;
  GtkDropDown *choice = g_object_get_data (G_OBJECT (dialog), "choice");
  GtkStringList *names = g_object_get_data (G_OBJECT (dialog), "names");
  g_autoptr (GError) error = NULL;
  guint i = gtk_drop_down_get_selected (choice);

  if (g_strcmp0 (response, "choose") != 0 || i == GTK_INVALID_LIST_POSITION)
    return;
  if (!studio_session_set_member (self->session, gtk_string_list_get_string (names, i), &error))
    studio_window_toast (self, error->message);
}

static void
on_members_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (StudioWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) members = studio_library_run_finish (result, &error);
  if (members == NULL)
    {
      studio_window_toast (self, error->message);
      return;
    }
  GtkStringList *names = gtk_string_list_new (NULL);
  for (guint i = 0; i < members->len; i++)
    gtk_string_list_append (names, ((StudioMember *) members->pdata[i])->name);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), "Who is using Allegro Studio?",
                                              "Your role decides what you can do: creatives render, legal "
                                              "reviewers decide, managers choose and export.");
  GtkWidget *choice = gtk_drop_down_new (G_LIST_MODEL (names), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (choice), GTK_ACCESSIBLE_PROPERTY_LABEL, "Member", -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), choice);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", "_Cancel", "choose", "_Choose", NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "choose", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "choose");
  g_object_set_data (G_OBJECT (dialog), "choice", choice);
  g_object_set_data_full (G_OBJECT (dialog), "names", names, g_object_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (on_member_chosen), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gpointer
list_members_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  return studio_library_list_members (lib, error);
}

static void
switch_member (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioWindow *self = STUDIO_WINDOW (widget);
  if (self->session != NULL)
    studio_library_run_async (studio_session_get_library (self->session), list_members_job, NULL, NULL,
                              (GDestroyNotify) g_ptr_array_unref, NULL, on_members_listed, g_object_ref (self));
}

static void
show_view_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  studio_window_show_view (STUDIO_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

/* ---- life cycle ---- */

static void
studio_window_dispose (GObject *object)
{
  StudioWindow *self = STUDIO_WINDOW (object);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), STUDIO_TYPE_WINDOW);
  g_clear_object (&self->session);
  g_clear_object (&self->projects);
  G_OBJECT_CLASS (studio_window_parent_class)->dispose (object);
}

static void
studio_window_class_init (StudioWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = studio_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/allegrostudio/AllegroStudio/studio-window.ui");
  gtk_widget_class_bind_template_child (widget_class, StudioWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, StudioWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, StudioWindow, project_dropdown);
  gtk_widget_class_bind_template_child (widget_class, StudioWindow, member_button);
  gtk_widget_class_install_action (widget_class, "win.switch-member", NULL, switch_member);
  gtk_widget_class_install_action (widget_class, "win.view", "s", show_view_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.view", "s", "create");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.view", "s", "review");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.view", "s", "browse");
}

static void
studio_window_init (StudioWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->projects = gtk_string_list_new ((const char *const[]){ "All projects", NULL });
  gtk_drop_down_set_model (self->project_dropdown, G_LIST_MODEL (self->projects));
  g_signal_connect_swapped (self->project_dropdown, "notify::selected", G_CALLBACK (on_project_selected), self);
}

static void
add_view (StudioWindow *self, GtkWidget *page, const char *name, const char *title, const char *icon)
{
  adw_view_stack_add_titled_with_icon (self->stack, page, name, title, icon);
}

StudioWindow *
studio_window_new (AdwApplication *app, StudioSession *session)
{
  StudioWindow *self = g_object_new (STUDIO_TYPE_WINDOW, "application", app, NULL);

  if (session == NULL)
    {
      GtkWidget *empty = adw_status_page_new ();
      adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "camera-video-symbolic");
      adw_status_page_set_title (ADW_STATUS_PAGE (empty), "Allegro Studio");
      adw_status_page_set_description (ADW_STATUS_PAGE (empty), "Text to video on your own GPU.");
      add_view (self, empty, "create", "Create", "camera-video-symbolic");
      gtk_widget_set_sensitive (GTK_WIDGET (self->project_dropdown), FALSE);
      gtk_button_set_label (self->member_button, "No library");
      return self;
    }
  self->session = g_object_ref (session);
  self->create_page = GTK_WIDGET (studio_create_page_new (session));
  self->review_page = GTK_WIDGET (studio_review_page_new (session));
  self->browse_page = GTK_WIDGET (studio_browse_page_new (session));
  add_view (self, self->create_page, "create", "Create", "camera-video-symbolic");
  add_view (self, self->review_page, "review", "Review", "emblem-ok-symbolic");
  add_view (self, self->browse_page, "browse", "Browse", "view-grid-symbolic");
  g_signal_connect_swapped (session, "notify::member", G_CALLBACK (update_member), self);
  g_signal_connect_swapped (session, "notify::role", G_CALLBACK (update_member), self);
  g_signal_connect_swapped (session, "library-changed", G_CALLBACK (reload_projects), self);
  update_member (self);
  reload_projects (self);
  return self;
}
