/* ui-test-util.c: shared by the GTK tests. */
#include "ui-test-util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "studio-encoder.h"

static int passed, failed;

void
ui_check (gboolean condition, const char *format, ...)
{
  va_list args;
  g_autofree char *what = NULL;
  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_print ("%-4s %s\n", condition ? "ok" : "FAIL", what);
  if (condition)
    passed++;
  else
    failed++;
}

int
ui_check_summary (void)
{
  g_print ("%d passed, %d failed\n", passed, failed);
  return failed > 0 ? 1 : 0;
}

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
ui_wait_for (UiCondition condition, gpointer data, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  guint source = g_timeout_add (10, wake, NULL);
  gboolean ok;
  while (!(ok = condition (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (source);
  return ok;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
ui_spin (double seconds)
{
  ui_wait_for (never, NULL, seconds);
}

GtkWidget *
ui_find_widget (GtkWidget *root, const char *name, GType type)
{
  if (root == NULL)
    return NULL;
  if (name != NULL ? g_strcmp0 (gtk_widget_get_name (root), name) == 0 : G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ui_find_widget (child, name, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

void
ui_click (GtkWidget *button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_signal_emit_by_name (button, "clicked");
}

GtkWindow *
ui_find_window (GType type)
{
  GListModel *windows = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (windows); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (windows, i);
      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window; /* the toplevel list keeps it alive */
    }
  return NULL;
}

GdkTexture *
ui_screenshot (GtkWidget *window)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (window);
  int width = gtk_widget_get_width (window), height = gtk_widget_get_height (window);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderNode *node;
  GdkTexture *texture = NULL;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node != NULL)
    {
      graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, width, height);
      texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node, &bounds);
      gsk_render_node_unref (node);
    }
  g_object_unref (paintable);
  return texture;
}

guint
ui_count_colours (GdkTexture *texture)
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

void
ui_save_screenshot (GtkWidget *window, const char *out_dir, const char *name)
{
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  guint colours;
  /* A window just shown may not have drawn its first frame yet. */
  for (int i = 0; i < 40 && texture == NULL; i++)
    {
      if (gtk_widget_get_mapped (window) && gtk_widget_get_width (window) > 0)
        texture = ui_screenshot (window);
      if (texture == NULL)
        ui_spin (0.05);
    }
  ui_check (texture != NULL, "the window renders to a texture");
  if (texture == NULL)
    return;
  colours = ui_count_colours (texture);
  g_print ("screenshot: %s (%dx%d, %u colours)\n", path, gdk_texture_get_width (texture),
           gdk_texture_get_height (texture), colours);
  ui_check (gdk_texture_save_to_png (texture, path), "the screenshot %s is written", name);
  ui_check (colours >= 8, "the screenshot is not blank (%u colours)", colours);
}

void
ui_frame_colour (int index, int blue, guint8 rgb[3])
{
  rgb[0] = (guint8) CLAMP (16 * index, 0, 255);
  rgb[1] = (guint8) CLAMP (255 - 16 * index, 0, 255);
  rgb[2] = (guint8) blue;
}

void
ui_texture_centre (GdkTexture *texture, guint8 rgb[3])
{
  int width = gdk_texture_get_width (texture), height = gdk_texture_get_height (texture);
  g_autofree guchar *pixels = g_malloc ((gsize) width * height * 4);
  const guchar *p;
  gdk_texture_download (texture, pixels, (gsize) width * 4);
  /* GDK_MEMORY_DEFAULT: B, G, R, A in memory (premultiplied; alpha is 255). */
  p = pixels + ((gsize) (height / 2) * width + width / 2) * 4;
  rgb[0] = p[2];
  rgb[1] = p[1];
  rgb[2] = p[0];
}

gboolean
ui_texture_is_frame (GdkTexture *texture, int index, int blue)
{
  guint8 want[3], got[3];
  if (texture == NULL)
    return FALSE;
  ui_frame_colour (index, blue, want);
  ui_texture_centre (texture, got);
  for (int c = 0; c < 3; c++)
    if (abs ((int) want[c] - (int) got[c]) > 6)
      return FALSE;
  return TRUE;
}

gboolean
ui_write_test_video (const char *path, int n_frames, int width, int height, double fps, int blue, GError **error)
{
  g_autoptr (StudioEncoder) encoder = studio_encoder_open (path, width, height, fps, STUDIO_MEDIA_FORMAT_MP4,
                                                           STUDIO_ENCODER_QUALITY_DEFAULT, NULL, error);
  g_autofree guint8 *rgb = g_malloc ((gsize) width * height * 3);
  if (encoder == NULL)
    return FALSE;
  for (int i = 0; i < n_frames; i++)
    {
      guint8 colour[3];
      ui_frame_colour (i, blue, colour);
      for (int p = 0; p < width * height; p++)
        memcpy (rgb + 3 * p, colour, 3);
      if (!studio_encoder_push_frame (encoder, rgb, (gsize) width * 3, error))
        return FALSE;
    }
  return studio_encoder_finish (encoder, error);
}

StudioLibrary *
ui_make_library (char **dir, GError **error)
{
  g_autofree char *tmp = g_dir_make_tmp ("studio-ui-XXXXXX", error);
  g_autofree char *lib_dir = NULL;
  StudioLibrary *lib;
  g_autoptr (StudioMember) cleo = NULL, lena = NULL, max = NULL;
  g_autoptr (StudioProject) project = NULL;

  if (tmp == NULL)
    return NULL;
  lib_dir = g_build_filename (tmp, "library", NULL);
  lib = studio_library_init (lib_dir, "ada", error);
  if (lib == NULL)
    return NULL;
  if ((cleo = studio_library_add_member (lib, "ada", "cleo", STUDIO_ROLE_CREATIVE, error)) == NULL
      || (lena = studio_library_add_member (lib, "ada", "lena", STUDIO_ROLE_LEGAL, error)) == NULL
      || (max = studio_library_add_member (lib, "ada", "max", STUDIO_ROLE_MANAGER, error)) == NULL
      || (project = studio_library_add_project (lib, "cleo", "Spring Ad", "A spring campaign", error)) == NULL)
    {
      studio_library_close (lib);
      return NULL;
    }
  *dir = g_steal_pointer (&tmp);
  return lib;
}

gint64
ui_make_done_take (StudioLibrary *lib, StudioTakeKind kind, gint64 parent_id, const char *title, const char *prompt,
                   const char *video, GError **error)
{
  StudioRecipe recipe = { 0 };
  StudioTakeParams params = { 0 };
  StudioTakeMedia media = { 0 };
  g_autofree char *name = NULL;
  gint64 id;

  recipe.prompt = (char *) prompt;
  recipe.negative_prompt = (char *) "";
  recipe.seed = 1234;
  recipe.steps = 2;
  recipe.guidance = 7.5;
  recipe.width = 48;
  recipe.height = 48;
  recipe.frames = 16;
  recipe.fps = 8;
  recipe.scheduler = (char *) "euler-ancestral";
  recipe.model_name = (char *) "allegro-tiny";
  recipe.model_hash = (char *) "sha256:test";
  recipe.engine_version = (char *) "test";
  recipe.device = (char *) "none";
  params.project = "Spring Ad";
  params.kind = kind;
  params.parent_id = parent_id;
  params.title = title;
  params.recipe = &recipe;
  id = studio_library_create_take (lib, "cleo", &params, error);
  if (id == 0)
    return 0;
  if (!studio_library_set_render_status (lib, id, "cleo", STUDIO_RENDER_RUNNING, NULL, error))
    return 0;
  name = studio_library_add_media_file (lib, video, "mp4", error);
  if (name == NULL)
    return 0;
  media.video = name;
  if (!studio_library_set_take_media (lib, id, "cleo", &media, error)
      || !studio_library_set_render_status (lib, id, "cleo", STUDIO_RENDER_DONE, NULL, error))
    return 0;
  return id;
}

/* ---- helpers of the preferences and window tests ---- */

static guchar *
download (GdkTexture *texture, int *width, int *height)
{
  *width = gdk_texture_get_width (texture);
  *height = gdk_texture_get_height (texture);
  guchar *pixels = g_malloc ((gsize) *width * *height * 4);
  gdk_texture_download (texture, pixels, (gsize) *width * 4);
  return pixels;
}

void
ui_drain (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

gboolean
ui_wait_until (gboolean (*done) (gpointer data), gpointer data, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        return done (data);
      /* Blocks until something happens, or at most a few ms (async results
       * arrive from other threads through the main context). */
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  return TRUE;
}

double
ui_mean_luminance (GdkTexture *texture)
{
  int width, height;
  g_autofree guchar *pixels = download (texture, &width, &height);
  double sum = 0;

  /* GDK_MEMORY_DEFAULT is B8G8R8A8 (premultiplied). */
  for (int i = 0; i < width * height; i++)
    sum += 0.0722 * pixels[4 * i] + 0.7152 * pixels[4 * i + 1] + 0.2126 * pixels[4 * i + 2];
  return width * height > 0 ? sum / (width * height) : 0;
}

GdkTexture *
ui_save_screenshot_checked (GtkWidget *widget, const char *dir, const char *name, guint min_colours)
{
  GdkTexture *texture = ui_screenshot (widget);
  g_autofree char *what = g_strdup_printf ("%s renders to a texture", name);
  ui_check (texture != NULL, "%s", what);
  if (texture == NULL)
    return NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  guint colours = ui_count_colours (texture);
  g_print ("screenshot: %s (%u colours)\n", path, colours);
  g_autofree char *written = g_strdup_printf ("%s is written", name);
  ui_check (gdk_texture_save_to_png (texture, path), "%s", written);
  g_autofree char *blank = g_strdup_printf ("%s is not blank (%u colours, at least %u)", name, colours, min_colours);
  ui_check (colours >= min_colours, "%s", blank);
  return texture;
}

static gboolean
matches (GtkWidget *widget, GType type, const char *title)
{
  if (!g_type_is_a (G_OBJECT_TYPE (widget), type))
    return FALSE;
  if (ADW_IS_PREFERENCES_ROW (widget))
    return g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
  if (GTK_IS_BUTTON (widget))
    return g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), title) == 0;
  return FALSE;
}

GtkWidget *
ui_find_row (GtkWidget *root, GType type, const char *title)
{
  if (matches (root, type, title))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ui_find_row (child, type, title);
      if (found != NULL)
        return found;
    }
  return NULL;
}
