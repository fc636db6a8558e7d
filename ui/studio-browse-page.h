/* studio-browse-page.h: the Browse view. */
#pragma once

#include <adwaita.h>

#include "studio-session.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_BROWSE_PAGE (studio_browse_page_get_type ())
G_DECLARE_FINAL_TYPE (StudioBrowsePage, studio_browse_page, STUDIO, BROWSE_PAGE, AdwBin)

StudioBrowsePage *studio_browse_page_new (StudioSession *session);

G_END_DECLS
