/* studio-application.h: the GTK application. */
#pragma once

/* Runs the AdwApplication; returns the exit status. */
int studio_application_run (int argc, char **argv);
