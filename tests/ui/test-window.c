/* test-window.c: the main window opens under Xvfb, draws, and is not blank.
 * Writes a screenshot (PNG) of it beside the test log. */
#include <adwaita.h>

#include "studio-window.h"

static int passed, failed;

static void
check (gboolean condition, const char *what)
{
  g_print ("%-4s %s\n", condition ? "ok" : "FAIL", what);
  if (condition)
    passed++;
  else
    failed++;
}

/* Renders the window's widget tree to a texture, as a screenshot. */
static GdkTexture *
screenshot (GtkWidget *window)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (window);
  int width = gtk_widget_get_width (window), height = gtk_widget_get_height (window);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  GdkTexture *texture = NULL;
  if (node != NULL)
    {
      graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, width, height);
      texture = gsk_renderer_render_texture (renderer, node, &bounds);
      gsk_render_node_unref (node);
    }
  g_object_unref (paintable);
  return texture;
}

/* The number of distinct colours in a 16-level quantisation of the image. */
static guint
count_colours (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture), height = gdk_texture_get_height (texture);
  g_autofree guchar *pixels = g_malloc ((gsize) width * height * 4);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);

  gdk_texture_download (texture, pixels, (gsize) width * 4);
  for (int i = 0; i < width * height; i++)
    {
      guint key = ((pixels[4 * i] >> 4) << 8) | ((pixels[4 * i + 1] >> 4) << 4) | (pixels[4 * i + 2] >> 4);
      g_hash_table_add (seen, GUINT_TO_POINTER (key + 1));
    }
  return g_hash_table_size (seen);
}

int
main (int argc, char **argv)
{
  const char *out_dir = argc > 1 ? argv[1] : ".";

  gtk_init ();
  adw_init ();
  StudioWindow *window = studio_window_new (NULL, NULL);
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  /* A few more frames so the header bar and status page have laid out. */
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);

  check (g_strcmp0 (gtk_window_get_title (GTK_WINDOW (window)), "Allegro Studio") == 0,
         "the window is titled Allegro Studio");
  check (gtk_widget_get_mapped (GTK_WIDGET (window)), "the window is mapped");
  check (gtk_widget_get_width (GTK_WIDGET (window)) >= 600, "the window has its default size");

  GdkTexture *texture = screenshot (GTK_WIDGET (window));
  check (texture != NULL, "the window renders to a texture");
  if (texture != NULL)
    {
      g_autofree char *path = g_build_filename (out_dir, "main-window.png", NULL);
      guint colours = count_colours (texture);
      g_print ("screenshot: %s (%u colours)\n", path, colours);
      check (gdk_texture_save_to_png (texture, path), "the screenshot is written");
      check (colours >= 4, "the screenshot is not blank");
      g_object_unref (texture);
    }
  gtk_window_destroy (GTK_WINDOW (window));
  g_print ("%d passed, %d failed\n", passed, failed);
  return failed > 0 ? 1 : 0;
}
