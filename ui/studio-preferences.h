/* studio-preferences.h: the preferences window.  "Model": the model renders
 * use (the demo model or a chosen folder, checked off the main thread: its
 * configs, weight files and every tensor), the device and the memory plan
 * of a Final take.  "Members": admins add members and change roles.
 * "Appearance": follow the system, light or dark. */
#pragma once

#include <adwaita.h>

#include "studio-session.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_PREFERENCES (studio_preferences_get_type ())
G_DECLARE_FINAL_TYPE (StudioPreferences, studio_preferences, STUDIO, PREFERENCES, AdwPreferencesWindow)

/* SESSION may be NULL (no library: the model and members cannot be set);
 * SETTINGS may be NULL (nothing is kept).  Both are referenced. */
StudioPreferences *studio_preferences_new (GtkWindow *parent, StudioSession *session, GSettings *settings);

/* Checks DIR as a model folder off the main thread, as "Choose Folder…"
 * does with the folder chosen; when it is usable the session (and the
 * "model-dir" setting) switch to it.  "busy" is TRUE until it is done. */
void studio_preferences_choose_model (StudioPreferences *self, const char *dir);
/* The check's verdict shown on the page: TRUE when the last check passed;
 * its text (what was found, or the file and tensor that are wrong). */
gboolean studio_preferences_get_model_ok (StudioPreferences *self);
const char *studio_preferences_get_model_message (StudioPreferences *self);
/* The device and memory plan lines shown (NULL before the first check). */
const char *studio_preferences_get_device_text (StudioPreferences *self);
const char *studio_preferences_get_plan_text (StudioPreferences *self);

/* "busy" (boolean): a model check or a member change is under way. */
gboolean studio_preferences_get_busy (StudioPreferences *self);

/* The last refusal or error shown as a toast (NULL when none), for tests. */
const char *studio_preferences_get_last_error (StudioPreferences *self);

/* Colour schemes by their GSettings names: "default" (follow the system),
 * "light" or "dark".  Unknown names follow the system. */
void studio_preferences_apply_color_scheme (const char *name);

G_END_DECLS
