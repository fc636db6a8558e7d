/* studio-take-item.c: a StudioTake in a GObject. */
#define G_LOG_DOMAIN "studio-take-item"

#include "studio-take-item.h"

struct _StudioTakeItem
{
  GObject parent_instance;
  StudioTake *take;
};

G_DEFINE_FINAL_TYPE (StudioTakeItem, studio_take_item, G_TYPE_OBJECT)

static void
studio_take_item_finalize (GObject *object)
{
  StudioTakeItem *self = STUDIO_TAKE_ITEM (object);
  g_clear_pointer (&self->take, studio_take_free);
  G_OBJECT_CLASS (studio_take_item_parent_class)->finalize (object);
}

static void
studio_take_item_class_init (StudioTakeItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = studio_take_item_finalize;
}

static void
studio_take_item_init (StudioTakeItem *self)
{
}

StudioTakeItem *
studio_take_item_new (StudioTake *take)
{
  StudioTakeItem *self = g_object_new (STUDIO_TYPE_TAKE_ITEM, NULL);
  self->take = take;
  return self;
}

const StudioTake *
studio_take_item_get_take (StudioTakeItem *self)
{
  return self->take;
}

gint64
studio_take_item_get_id (StudioTakeItem *self)
{
  return self->take->id;
}
