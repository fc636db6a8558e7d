/* studio-browse-page.h: the Browse view: the project's takes as a grid with
 * status badges; filter, search and sort; compare two side by side; rate,
 * shortlist, tag and export. */
#pragma once

#include <adwaita.h>

#include "studio-session.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_BROWSE_PAGE (studio_browse_page_get_type ())
G_DECLARE_FINAL_TYPE (StudioBrowsePage, studio_browse_page, STUDIO, BROWSE_PAGE, AdwBin)

StudioBrowsePage *studio_browse_page_new (StudioSession *session);

/* The grid's model (filtered and sorted StudioTakeItems) and its selection.
 * Properties: "filter" ("all", "approved", "needs-review", "shortlist"),
 * "sort" ("date", "rating"), "loading" (a reload from the library is under
 * way). */
GtkSelectionModel *studio_browse_page_get_model (StudioBrowsePage *self);
/* How many reloads have finished (for tests waiting on one). */
gint64 studio_browse_page_get_n_loads (StudioBrowsePage *self);

G_END_DECLS
