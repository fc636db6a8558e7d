/* studio-window.c: the main window (an empty shell until the UI issue). */
#define G_LOG_DOMAIN "studio-window"

#include "studio-window.h"

struct _StudioWindow
{
  AdwApplicationWindow parent_instance;

  /* template widgets */
  AdwStatusPage *status_page;
};

G_DEFINE_FINAL_TYPE (StudioWindow, studio_window, ADW_TYPE_APPLICATION_WINDOW)

static void
studio_window_class_init (StudioWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/allegrostudio/AllegroStudio/studio-window.ui");
  gtk_widget_class_bind_template_child (widget_class, StudioWindow, status_page);
}

static void
studio_window_init (StudioWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

StudioWindow *
studio_window_new (AdwApplication *app)
{
  return g_object_new (STUDIO_TYPE_WINDOW, "application", app, NULL);
}
