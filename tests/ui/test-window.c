/* test-window.c: the main window opens under Xvfb, draws, and is not blank;
 * its shortcuts window (win.show-help-overlay) opens.  Writes screenshots
 * (PNG) of both beside the test log. */
#include <adwaita.h>

#include "studio-application.h"
#include "studio-window.h"
#include "ui-test-util.h"

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

int
main (int argc, char **argv)
{
  const char *out_dir = argc > 1 ? argv[1] : ".";

  gtk_init ();
  adw_init ();
  StudioWindow *window = studio_window_new (NULL, NULL);
  studio_application_setup_window (GTK_APPLICATION_WINDOW (window));
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  /* A few more frames so the header bar and status page have laid out. */
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);

  ui_check (g_strcmp0 (gtk_window_get_title (GTK_WINDOW (window)), "Allegro Studio") == 0,
            "the window is titled Allegro Studio");
  ui_check (gtk_widget_get_mapped (GTK_WIDGET (window)), "the window is mapped");
  ui_check (gtk_widget_get_width (GTK_WIDGET (window)) >= 600, "the window has its default size");

  GdkTexture *texture = ui_save_screenshot_checked (GTK_WIDGET (window), out_dir, "main-window.png", 4);
  g_clear_object (&texture);

  /* The shortcuts window: win.show-help-overlay exists and shows it. */
  GtkShortcutsWindow *overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window));
  ui_check (overlay != NULL, "the window has a shortcuts window");
  ui_check (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL),
            "win.show-help-overlay is an action of the window");
  if (overlay != NULL)
    {
      ui_check (ui_wait_until (is_mapped, overlay, 10), "the shortcuts window is shown");
      gtk_test_widget_wait_for_draw (GTK_WIDGET (overlay));
      texture = ui_save_screenshot_checked (GTK_WIDGET (overlay), out_dir, "shortcuts-window.png", 4);
      g_clear_object (&texture);
      gtk_window_close (GTK_WINDOW (overlay));
    }

  gtk_window_destroy (GTK_WINDOW (window));
  return ui_check_summary ();
}
