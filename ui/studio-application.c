/* studio-application.c: the AdwApplication.  It opens the library (the
 * embedded default, created on first run with the user as its admin and a
 * first project) off the main thread, then shows the window for the member
 * remembered in GSettings, with the model and the colour scheme kept there.
 * App actions: preferences (Ctrl+,), about, quit (Ctrl+Q); each window gets
 * the shortcuts window (win.show-help-overlay, Ctrl+?). */
#define G_LOG_DOMAIN "studio-application"

#include "config.h"

#include <adwaita.h>

#include "studio-application.h"
#include "studio-library-async.h"
#include "studio-preferences.h"
#include "studio-session.h"
#include "studio-window.h"

#define APP_ID "org.allegrostudio.AllegroStudio"

typedef struct
{
  char *library_dir;
  StudioLibrary *library;
  StudioSession *session;
  GSettings *settings; /* NULL when the schema is not installed (uninstalled runs) */
  gboolean opening;
  char *missing_model; /* the saved model folder, gone: said once the window shows */
} app_state;

static app_state state;

/* Settings when the schema is there: GSettings aborts on a missing one. */
static GSettings *
settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = source != NULL ? g_settings_schema_source_lookup (source, APP_ID, TRUE) : NULL;
  if (schema == NULL)
    {
      g_debug ("GSettings schema %s is not installed; settings are not kept", APP_ID);
      return NULL;
    }
  return g_settings_new (APP_ID);
}

void
studio_application_setup_window (GtkApplicationWindow *window)
{
  g_autoptr (GtkBuilder) builder
      = gtk_builder_new_from_resource ("/org/allegrostudio/AllegroStudio/studio-shortcuts.ui");
  GtkShortcutsWindow *overlay = GTK_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
  gtk_application_window_set_help_overlay (window, overlay);
}

static StudioWindow *
new_window (GtkApplication *app, StudioSession *session)
{
  StudioWindow *window = studio_window_new (ADW_APPLICATION (app), session);
  studio_application_setup_window (GTK_APPLICATION_WINDOW (window));
  return window;
}

/* A notification, only when no window of ours has the focus (the window's
 * own toast says it otherwise), and only with a session bus: without one
 * GIO prints a critical. */
void
studio_application_notify (GApplication *app, const char *id, const char *title, const char *body)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (active != NULL && gtk_window_is_active (active))
    return;
  if (g_application_get_dbus_connection (app) == NULL)
    {
      g_debug ("no session bus: not sending the notification \"%s\"", title);
      return;
    }
  g_autoptr (GNotification) notification = g_notification_new (title);
  if (body != NULL)
    g_notification_set_body (notification, body);
  g_application_send_notification (app, id, notification);
}

static void
show_window (GtkApplication *app)
{
  StudioWindow *window = new_window (app, state.session);
  if (state.settings != NULL)
    {
      g_settings_bind (state.settings, "window-width", window, "default-width", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (state.settings, "window-height", window, "default-height", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (state.settings, "window-maximized", window, "maximized", G_SETTINGS_BIND_DEFAULT);
    }
  gtk_window_present (GTK_WINDOW (window));
  if (state.missing_model != NULL)
    {
      g_autofree char *text
          = g_strdup_printf ("The model folder %s is gone; renders use the demo model. Choose it again in "
                             "Preferences.",
                             state.missing_model);
      studio_window_toast (window, text);
      g_clear_pointer (&state.missing_model, g_free);
    }
  if (state.session != NULL && studio_session_get_member (state.session) == NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.switch-member", NULL);
}

/* The model kept in GSettings, when its folder is still there (NULL: the
 * demo model).  A vanished folder is reported once the window shows. */
static char *
saved_model_dir (void)
{
  g_autofree char *dir = state.settings != NULL ? g_settings_get_string (state.settings, "model-dir") : NULL;
  if (dir == NULL || dir[0] == '\0')
    return NULL;
  g_autofree char *index = g_build_filename (dir, "model_index.json", NULL);
  if (!g_file_test (index, G_FILE_TEST_IS_REGULAR))
    {
      g_warning ("the model folder %s (GSettings model-dir) has no model_index.json; using the demo model", dir);
      state.missing_model = g_steal_pointer (&dir);
      return NULL;
    }
  return g_steal_pointer (&dir);
}

static void
apply_color_scheme (void)
{
  g_autofree char *name = state.settings != NULL ? g_settings_get_string (state.settings, "color-scheme") : NULL;
  studio_preferences_apply_color_scheme (name);
}

/* ---- app actions ---- */

static void
preferences_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = user_data;
  GtkWindow *parent = gtk_application_get_active_window (app);
  StudioPreferences *prefs = studio_preferences_new (parent, state.session, state.settings);
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
about_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = user_data;
  GtkWindow *parent = gtk_application_get_active_window (app);
  const char *model = state.session != NULL ? studio_session_get_model_dir (state.session) : NULL;
  g_autofree char *debug = g_strdup_printf (
      "Allegro Studio %s\nGTK %u.%u.%u, libadwaita %u.%u.%u\nLibrary: %s\nModel: %s\n", AE_VERSION,
      gtk_get_major_version (), gtk_get_minor_version (), gtk_get_micro_version (), adw_get_major_version (),
      adw_get_minor_version (), adw_get_micro_version (), state.library_dir != NULL ? state.library_dir : "(none)",
      model != NULL ? model : studio_session_default_model_dir ());
  GtkWidget *about = adw_about_window_new ();
  const char *developers[] = { "The Allegro Studio developers", NULL };

  gtk_window_set_transient_for (GTK_WINDOW (about), parent);
  gtk_window_set_modal (GTK_WINDOW (about), TRUE);
  adw_about_window_set_application_name (ADW_ABOUT_WINDOW (about), "Allegro Studio");
  adw_about_window_set_application_icon (ADW_ABOUT_WINDOW (about), APP_ID);
  adw_about_window_set_version (ADW_ABOUT_WINDOW (about), AE_VERSION);
  adw_about_window_set_developer_name (ADW_ABOUT_WINDOW (about), "The Allegro Studio developers");
  adw_about_window_set_developers (ADW_ABOUT_WINDOW (about), developers);
  adw_about_window_set_comments (ADW_ABOUT_WINDOW (about),
                                 "Short videos from text on your own GPU, with a project library where every "
                                 "take keeps its recipe, legal reviewers approve it and managers pick from it.\n\n"
                                 "Runs the Allegro model by rhymes-ai (Apache-2.0) on its own Vulkan engine.");
  adw_about_window_set_license_type (ADW_ABOUT_WINDOW (about), GTK_LICENSE_APACHE_2_0);
  adw_about_window_set_copyright (ADW_ABOUT_WINDOW (about), "© The Allegro Studio developers");
  adw_about_window_set_debug_info (ADW_ABOUT_WINDOW (about), debug);
  adw_about_window_set_debug_info_filename (ADW_ABOUT_WINDOW (about), "allegro-studio-debug.txt");
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = user_data;
  /* Close the windows first so their state is saved through their bindings. */
  GList *windows = g_list_copy (gtk_application_get_windows (app));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free (windows);
  g_application_quit (G_APPLICATION (app));
}

static void
on_startup (GApplication *app)
{
  static const GActionEntry entries[] = {
    { .name = "preferences", .activate = preferences_action },
    { .name = "about", .activate = about_action },
    { .name = "quit", .activate = quit_action },
  };
  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences",
                                         (const char *[]){ "<Control>comma", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", (const char *[]){ "<Control>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay",
                                         (const char *[]){ "<Control>question", "<Control>slash", NULL });
  apply_color_scheme ();
  if (state.settings != NULL)
    g_signal_connect (state.settings, "changed::color-scheme", G_CALLBACK (apply_color_scheme), NULL);
}

static void
on_member_changed (StudioSession *session)
{
  if (state.settings != NULL && studio_session_get_member (session) != NULL)
    g_settings_set_string (state.settings, "member", studio_session_get_member (session));
}

/* First run: the library with the user as admin and a first project. */
static gpointer
create_library (const char *dir, GError **error)
{
  const char *user = g_get_real_name ();
  if (user == NULL || user[0] == '\0' || g_str_equal (user, "Unknown"))
    user = g_get_user_name ();
  StudioLibrary *lib = studio_library_init (dir, user, error);
  if (lib == NULL)
    return NULL;
  g_autoptr (StudioProject) project
      = studio_library_add_project (lib, user, "First project", "Made by Allegro Studio on its first run.", NULL);
  return lib;
}

static void
open_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GError *error = NULL;
  StudioLibrary *lib = studio_library_open (state.library_dir, 0, &error);
  if (lib == NULL && g_error_matches (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_NO_LIBRARY))
    {
      g_clear_error (&error);
      lib = create_library (state.library_dir, &error);
    }
  if (lib == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, lib, (GDestroyNotify) studio_library_close);
}

static void
on_library_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GtkApplication *app = user_data;
  g_autoptr (GError) error = NULL;

  state.opening = FALSE;
  state.library = g_task_propagate_pointer (G_TASK (result), &error);
  if (state.library == NULL)
    {
      /* Say what is wrong and what to do; nothing was overwritten. */
      StudioWindow *window = new_window (app, NULL);
      gtk_window_present (GTK_WINDOW (window));
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (window), "The library cannot be opened", NULL);
      adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                      "%s\n\nNothing was changed. Open another library with "
                                      "“allegro-studio --library FOLDER”, or restore this one from a backup.",
                                      error->message);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", "_Close");
      gtk_window_present (GTK_WINDOW (dialog));
      g_application_release (G_APPLICATION (app));
      return;
    }
  g_autofree char *model_dir = saved_model_dir ();
  state.session = studio_session_new (state.library, model_dir);
  g_signal_connect (state.session, "notify::member", G_CALLBACK (on_member_changed), NULL);
  g_autofree char *member = state.settings != NULL ? g_settings_get_string (state.settings, "member") : NULL;
  if (member == NULL || member[0] == '\0')
    {
      /* The only member (the first run's admin) needs no asking. */
      g_autoptr (GPtrArray) members = studio_library_list_members (state.library, NULL);
      if (members != NULL && members->len == 1)
        member = g_strdup (((StudioMember *) members->pdata[0])->name);
    }
  if (member != NULL && member[0] != '\0')
    studio_session_set_member (state.session, member, NULL);
  show_window (app);
  g_application_release (G_APPLICATION (app));
}

static void
on_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }
  if (state.session != NULL)
    {
      show_window (GTK_APPLICATION (app));
      return;
    }
  if (state.opening)
    return;
  state.opening = TRUE;
  g_application_hold (app);
  g_autoptr (GTask) task = g_task_new (NULL, NULL, on_library_opened, app);
  g_task_run_in_thread (task, open_thread);
}

static void
on_shutdown (GApplication *app)
{
  g_clear_object (&state.session);
  g_clear_pointer (&state.library, studio_library_close);
  if (state.settings != NULL)
    g_signal_handlers_disconnect_by_func (state.settings, apply_color_scheme, NULL);
  g_clear_object (&state.settings);
  g_clear_pointer (&state.missing_model, g_free);
}

int
studio_application_run (int argc, char **argv, const char *library_dir)
{
  g_autoptr (AdwApplication) app = adw_application_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);

  state.library_dir = library_dir != NULL ? g_strdup (library_dir) : studio_library_default_dir ();
  state.settings = settings_new ();
  g_signal_connect (app, "startup", G_CALLBACK (on_startup), NULL);
  g_signal_connect (app, "activate", G_CALLBACK (on_activate), NULL);
  g_signal_connect (app, "shutdown", G_CALLBACK (on_shutdown), NULL);
  int status = g_application_run (G_APPLICATION (app), argc, argv);
  g_clear_pointer (&state.library_dir, g_free);
  return status;
}
