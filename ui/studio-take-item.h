/* studio-take-item.h: a take (a StudioTake summary from the library) as a
 * GObject, for list models. */
#pragma once

#include <glib-object.h>

#include "studio-library.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_TAKE_ITEM (studio_take_item_get_type ())
G_DECLARE_FINAL_TYPE (StudioTakeItem, studio_take_item, STUDIO, TAKE_ITEM, GObject)

/* Takes ownership of TAKE. */
StudioTakeItem *studio_take_item_new (StudioTake *take);
const StudioTake *studio_take_item_get_take (StudioTakeItem *self);
gint64 studio_take_item_get_id (StudioTakeItem *self);

G_END_DECLS
