/* studio-export-dialog.h: exports one take for delivery: format (MP4 or
 * WebM), the visible "AI-generated" label (on by default), "DRAFT" for
 * drafts (always), and the destination.  The export runs on a worker
 * (studio_media_export_full: labels burned in, provenance in the container
 * and a sidecar), then is recorded in the library's audit log; a refusal
 * from the library removes the file again.  Errors (a full disk, a missing
 * source) are shown in the dialog with what to do. */
#pragma once

#include <adwaita.h>

#include "studio-session.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_EXPORT_DIALOG (studio_export_dialog_get_type ())
G_DECLARE_FINAL_TYPE (StudioExportDialog, studio_export_dialog, STUDIO, EXPORT_DIALOG, AdwWindow)

/* TAKE (a summary is enough) is copied. */
StudioExportDialog *studio_export_dialog_new (GtkWindow *parent, StudioSession *session, const StudioTake *take);

/* "destination" (string): the file written; set by the file chooser. */
const char *studio_export_dialog_get_destination (StudioExportDialog *self);
void studio_export_dialog_set_destination (StudioExportDialog *self, const char *path);
/* "busy" (boolean) while exporting; "error" (string) after a failure.
 * Signal "finished" (gboolean ok, const char *path) once done. */
gboolean studio_export_dialog_get_busy (StudioExportDialog *self);
const char *studio_export_dialog_get_error (StudioExportDialog *self);

G_END_DECLS
