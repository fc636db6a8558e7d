/* studio-window.h: the main window: Create, Review and Browse views over one
 * session (library, member, project, render queue). */
#pragma once

#include <adwaita.h>

#include "studio-session.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_WINDOW (studio_window_get_type ())
G_DECLARE_FINAL_TYPE (StudioWindow, studio_window, STUDIO, WINDOW, AdwApplicationWindow)

/* SESSION may be NULL (a window with nothing to show, for tests of the
 * shell); the window keeps a reference. */
StudioWindow *studio_window_new (AdwApplication *app, StudioSession *session);
StudioSession *studio_window_get_session (StudioWindow *self);
/* Shows a toast with TEXT (plain text, not markup). */
void studio_window_toast (StudioWindow *self, const char *text);
/* The view shown: "create", "review" or "browse". */
void studio_window_show_view (StudioWindow *self, const char *name);
const char *studio_window_get_view (StudioWindow *self);

/* A toast in the StudioWindow that holds WIDGET (a message in the log when
 * it is not in one, as in tests of a lone view). */
void studio_widget_toast (GtkWidget *widget, const char *text);

/* A library error as a sentence that says what to do; REFUSED_ADVICE is
 * the advice for a refusal (which role to ask an admin for). */
char *studio_library_error_text (const GError *error, const char *refused_advice);

G_END_DECLS
