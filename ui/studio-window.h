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

G_END_DECLS
