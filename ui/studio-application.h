/* studio-application.h: the GTK application. */
#pragma once

/* Runs the AdwApplication on the library in LIBRARY_DIR (NULL: the embedded
 * default, $XDG_DATA_HOME/allegro-studio); returns the exit status. */
int studio_application_run (int argc, char **argv, const char *library_dir);
