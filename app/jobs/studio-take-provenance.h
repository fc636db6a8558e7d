/* studio-take-provenance.h: the provenance record of a take in the library,
 * as every export writes it (the command line, the window, renders). */
#pragma once

#include "studio-library.h"
#include "studio-provenance.h"

G_BEGIN_DECLS

/* TAKE (with its reviews, as studio_library_get_take returns it): its
 * recipe, review status, and every approval with who, their role and when.
 * Imported footage is not marked AI-generated. */
StudioProvenance *studio_take_provenance (StudioLibrary *library, const StudioTake *take);

G_END_DECLS
