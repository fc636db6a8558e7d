/* studio-application.h: the GTK application. */
#pragma once

#include <gtk/gtk.h>

/* Runs the AdwApplication on the library in LIBRARY_DIR (NULL: the embedded
 * default, $XDG_DATA_HOME/allegro-studio); returns the exit status. */
int studio_application_run (int argc, char **argv, const char *library_dir);

/* Gives WINDOW the shortcuts window (win.show-help-overlay). */
void studio_application_setup_window (GtkApplicationWindow *window);

/* Sends a desktop notification (ID replaces an earlier one with the same
 * id) when no window of APP has the focus and a session bus is there;
 * otherwise does nothing (the window shows its own toast).  Clicking it
 * brings the window back. */
void studio_application_notify (GApplication *app, const char *id, const char *title, const char *body);
