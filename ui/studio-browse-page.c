/* studio-browse-page.c: the Browse view (being built). */
#define G_LOG_DOMAIN "studio-browse-page"

#include "studio-browse-page.h"

struct _StudioBrowsePage
{
  AdwBin parent_instance;

  StudioSession *session;
};

G_DEFINE_FINAL_TYPE (StudioBrowsePage, studio_browse_page, ADW_TYPE_BIN)

static void
studio_browse_page_dispose (GObject *object)
{
  StudioBrowsePage *self = STUDIO_BROWSE_PAGE (object);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (studio_browse_page_parent_class)->dispose (object);
}

static void
studio_browse_page_class_init (StudioBrowsePageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = studio_browse_page_dispose;
}

static void
studio_browse_page_init (StudioBrowsePage *self)
{
  GtkWidget *status = adw_status_page_new ();
  adw_status_page_set_title (ADW_STATUS_PAGE (status), "Browse");
  adw_bin_set_child (ADW_BIN (self), status);
}

StudioBrowsePage *
studio_browse_page_new (StudioSession *session)
{
  StudioBrowsePage *self = g_object_new (STUDIO_TYPE_BROWSE_PAGE, NULL);
  self->session = g_object_ref (session);
  return self;
}
