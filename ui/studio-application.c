/* studio-application.c: AdwApplication and its main window. */
#define G_LOG_DOMAIN "studio-application"

#include <adwaita.h>

#include "studio-application.h"
#include "studio-window.h"

static void
on_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (studio_window_new (ADW_APPLICATION (app)));
  gtk_window_present (window);
}

int
studio_application_run (int argc, char **argv)
{
  g_autoptr (AdwApplication) app = adw_application_new ("org.allegrostudio.AllegroStudio", G_APPLICATION_DEFAULT_FLAGS);

  g_signal_connect (app, "activate", G_CALLBACK (on_activate), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
