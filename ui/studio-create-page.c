/* studio-create-page.c: the Create view (being built). */
#define G_LOG_DOMAIN "studio-create-page"

#include "studio-create-page.h"

struct _StudioCreatePage
{
  AdwBin parent_instance;

  StudioSession *session;
};

G_DEFINE_FINAL_TYPE (StudioCreatePage, studio_create_page, ADW_TYPE_BIN)

static void
studio_create_page_dispose (GObject *object)
{
  StudioCreatePage *self = STUDIO_CREATE_PAGE (object);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (studio_create_page_parent_class)->dispose (object);
}

static void
studio_create_page_class_init (StudioCreatePageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = studio_create_page_dispose;
}

static void
studio_create_page_init (StudioCreatePage *self)
{
  GtkWidget *status = adw_status_page_new ();
  adw_status_page_set_title (ADW_STATUS_PAGE (status), "Create");
  adw_bin_set_child (ADW_BIN (self), status);
}

StudioCreatePage *
studio_create_page_new (StudioSession *session)
{
  StudioCreatePage *self = g_object_new (STUDIO_TYPE_CREATE_PAGE, NULL);
  self->session = g_object_ref (session);
  return self;
}
