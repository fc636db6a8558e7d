/* studio-session.h: what every view of a window shares: the library, the
 * member using it (and their role), the current project, the render queue
 * and the model.  Views watch its properties and its "library-changed"
 * signal (emitted after any write made through the window) to refresh.
 *
 * Main thread only; database work goes through studio-library-async.h.
 */
#pragma once

#include <gio/gio.h>

#include "studio-library.h"
#include "studio-render-queue.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_SESSION (studio_session_get_type ())
G_DECLARE_FINAL_TYPE (StudioSession, studio_session, STUDIO, SESSION, GObject)

/* The library stays owned by the caller and must outlive the session. */
StudioSession *studio_session_new (StudioLibrary *library, const char *model_dir);

StudioLibrary *studio_session_get_library (StudioSession *self);

/* "member" (string) and "role" (int, StudioRole): who uses the window.
 * Setting a member looks up the role; NULL means nobody yet. */
const char *studio_session_get_member (StudioSession *self);
StudioRole studio_session_get_role (StudioSession *self);
gboolean studio_session_set_member (StudioSession *self, const char *name, GError **error);
/* Whether the member's role may take an action, as the library enforces it:
 * "render", "review", "clear", "rate", "shortlist", "tag", "export",
 * "manage-members", "add-project". */
gboolean studio_session_can (StudioSession *self, const char *action);

/* "project" (string): the project the views show; NULL for all. */
const char *studio_session_get_project (StudioSession *self);
void studio_session_set_project (StudioSession *self, const char *project);

/* "model-dir" (string): the model renders use (the demo model by default). */
const char *studio_session_get_model_dir (StudioSession *self);
void studio_session_set_model_dir (StudioSession *self, const char *model_dir);

/* The render queue, acting as the current member (made when first asked
 * for; a new member or model gets a new queue once the old one is idle). */
StudioRenderQueue *studio_session_get_queue (StudioSession *self);

/* Emits "library-changed": views reload what they show. */
void studio_session_library_changed (StudioSession *self);

/* The folder of the demo model that ships with the application: installed
 * under the data folder, or in the source tree when run uninstalled. */
const char *studio_session_default_model_dir (void);

G_END_DECLS
