/* studio-audit-window.h: a take's audit trail (every row of the library's
 * hash-chained log about it, oldest first) and whether the chain is intact. */
#pragma once

#include <adwaita.h>

#include "studio-library.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_AUDIT_WINDOW (studio_audit_window_get_type ())
G_DECLARE_FINAL_TYPE (StudioAuditWindow, studio_audit_window, STUDIO, AUDIT_WINDOW, AdwWindow)

/* Loads the rows off the main thread.  TITLE: the take's, plain text. */
StudioAuditWindow *studio_audit_window_new (GtkWindow *parent, StudioLibrary *library, gint64 take_id,
                                            const char *title);
/* The rows shown once loaded; -1 before (for tests). */
int studio_audit_window_get_n_rows (StudioAuditWindow *self);

G_END_DECLS
