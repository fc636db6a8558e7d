/* studio-create-page.h: the Create view. */
#pragma once

#include <adwaita.h>

#include "studio-session.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_CREATE_PAGE (studio_create_page_get_type ())
G_DECLARE_FINAL_TYPE (StudioCreatePage, studio_create_page, STUDIO, CREATE_PAGE, AdwBin)

StudioCreatePage *studio_create_page_new (StudioSession *session);

G_END_DECLS
