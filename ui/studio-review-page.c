/* studio-review-page.c: the Review view (being built). */
#define G_LOG_DOMAIN "studio-review-page"

#include "studio-review-page.h"

struct _StudioReviewPage
{
  AdwBin parent_instance;

  StudioSession *session;
};

G_DEFINE_FINAL_TYPE (StudioReviewPage, studio_review_page, ADW_TYPE_BIN)

static void
studio_review_page_dispose (GObject *object)
{
  StudioReviewPage *self = STUDIO_REVIEW_PAGE (object);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (studio_review_page_parent_class)->dispose (object);
}

static void
studio_review_page_class_init (StudioReviewPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = studio_review_page_dispose;
}

static void
studio_review_page_init (StudioReviewPage *self)
{
  GtkWidget *status = adw_status_page_new ();
  adw_status_page_set_title (ADW_STATUS_PAGE (status), "Review");
  adw_bin_set_child (ADW_BIN (self), status);
}

StudioReviewPage *
studio_review_page_new (StudioSession *session)
{
  StudioReviewPage *self = g_object_new (STUDIO_TYPE_REVIEW_PAGE, NULL);
  self->session = g_object_ref (session);
  return self;
}
