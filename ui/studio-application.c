/* studio-application.c: the AdwApplication.  It opens the library (the
 * embedded default, created on first run with the user as its admin and a
 * first project) off the main thread, then shows the window for the member
 * remembered in GSettings. */
#define G_LOG_DOMAIN "studio-application"

#include <adwaita.h>

#include "studio-application.h"
#include "studio-library-async.h"
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

static void
show_window (GtkApplication *app)
{
  StudioWindow *window = studio_window_new (ADW_APPLICATION (app), state.session);
  if (state.settings != NULL)
    {
      g_settings_bind (state.settings, "window-width", window, "default-width", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (state.settings, "window-height", window, "default-height", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (state.settings, "window-maximized", window, "maximized", G_SETTINGS_BIND_DEFAULT);
    }
  gtk_window_present (GTK_WINDOW (window));
  if (state.session != NULL && studio_session_get_member (state.session) == NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.switch-member", NULL);
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
      StudioWindow *window = studio_window_new (ADW_APPLICATION (app), NULL);
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
  state.session = studio_session_new (state.library, NULL);
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
  g_clear_object (&state.settings);
}

int
studio_application_run (int argc, char **argv, const char *library_dir)
{
  g_autoptr (AdwApplication) app = adw_application_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);

  state.library_dir = library_dir != NULL ? g_strdup (library_dir) : studio_library_default_dir ();
  state.settings = settings_new ();
  g_signal_connect (app, "activate", G_CALLBACK (on_activate), NULL);
  g_signal_connect (app, "shutdown", G_CALLBACK (on_shutdown), NULL);
  int status = g_application_run (G_APPLICATION (app), argc, argv);
  g_clear_pointer (&state.library_dir, g_free);
  return status;
}
