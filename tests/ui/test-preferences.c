/* test-preferences.c: the preferences window on a real library.
 *  - Model: the tiny fixture model is accepted (the session and the
 *    "model-dir" setting switch to it; the device and the memory plan are
 *    shown); a copy with one tensor renamed is refused with a message naming
 *    the missing tensor and its file, and the model stays as it was.
 *  - Appearance: choosing Dark makes the style manager dark, keeps
 *    "color-scheme" in GSettings, and darkens the window's pixels.
 *  - Members: the admin adds a member with a role and changes it (checked in
 *    the library file afterwards); demoting the last admin is refused and
 *    shown; a non-admin cannot add.
 * Screenshots of the pages are written beside the test log. */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "studio-application.h"
#include "studio-library.h"
#include "studio-preferences.h"
#include "studio-window.h"
#include "ui-test-util.h"

#define APP_ID "org.allegrostudio.AllegroStudio"

static gboolean
not_busy (gpointer prefs)
{
  return !studio_preferences_get_busy (prefs);
}

typedef struct
{
  StudioPreferences *prefs;
  const char *title;
} RowWait;

static gboolean
row_shown (gpointer data)
{
  RowWait *w = data;
  return !studio_preferences_get_busy (w->prefs)
         && ui_find_row (GTK_WIDGET (w->prefs), ADW_TYPE_COMBO_ROW, w->title) != NULL;
}

/* Copies the folder SRC into DST, recursively. */
static gboolean
copy_tree (const char *src, const char *dst, GError **error)
{
  g_autoptr (GDir) dir = g_dir_open (src, 0, error);
  const char *name;
  if (dir == NULL || g_mkdir_with_parents (dst, 0755) != 0)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *from = g_build_filename (src, name, NULL);
      g_autofree char *to = g_build_filename (dst, name, NULL);
      if (g_file_test (from, G_FILE_TEST_IS_DIR))
        {
          if (!copy_tree (from, to, error))
            return FALSE;
        }
      else
        {
          g_autofree char *contents = NULL;
          gsize length;
          if (!g_file_get_contents (from, &contents, &length, error)
              || !g_file_set_contents (to, contents, (gssize) length, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* Renames the tensor NAME in the safetensors header of FILE to a name of
 * the same length (its last letter changed), so the file stays valid and
 * NAME is missing. */
static gboolean
rename_tensor (const char *file, const char *name)
{
  g_autofree char *contents = NULL;
  gsize length;
  if (!g_file_get_contents (file, &contents, &length, NULL) || length < 8)
    return FALSE;
  guint64 header = 0;
  for (int i = 7; i >= 0; i--)
    header = header << 8 | (guchar) contents[i];
  if (header > length - 8)
    return FALSE;
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", name);
  char *end = contents + 8 + header;
  char *at = g_strstr_len (contents + 8, (gssize) header, quoted);
  if (at == NULL || at + strlen (quoted) > end)
    return FALSE;
  at[strlen (quoted) - 2] = at[strlen (quoted) - 2] == 'X' ? 'Y' : 'X';
  return g_file_set_contents (file, contents, (gssize) length, NULL);
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
    }
  g_remove (path);
}

static void
wait_frames (GtkWidget *widget)
{
  gtk_test_widget_wait_for_draw (widget);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

int
main (int argc, char **argv)
{
  const char *out_dir = argc > 1 ? argv[1] : ".";
  const char *data = g_getenv ("ALLEGRO_TEST_DATA");
  g_autoptr (GError) error = NULL;

  gtk_init ();
  adw_init ();
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  if (data == NULL)
    {
      g_print ("ALLEGRO_TEST_DATA is not set (run through meson test)\n");
      return 1;
    }
  g_autofree char *tiny = g_build_filename (data, "allegro-tiny", "model", NULL);
  g_autofree char *tmp = g_dir_make_tmp ("allegro-prefs-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *library_dir = g_build_filename (tmp, "library", NULL);
  g_autofree char *broken = g_build_filename (tmp, "broken-model", NULL);

  StudioLibrary *lib = studio_library_init (library_dir, "Ada", &error);
  g_assert_no_error (error);
  StudioSession *session = studio_session_new (lib, NULL);
  ui_check (studio_session_set_member (session, "Ada", &error), "Ada (the first run's admin) uses the window");
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);

  StudioWindow *window = studio_window_new (NULL, NULL);
  gtk_window_present (GTK_WINDOW (window));
  StudioPreferences *prefs = studio_preferences_new (GTK_WINDOW (window), session, settings);
  gtk_window_present (GTK_WINDOW (prefs));
  wait_frames (GTK_WIDGET (prefs));
  ui_check (ui_wait_until (not_busy, prefs, 30), "the first check (of the current model) finishes");

  /* ---- the model: the tiny fixture is accepted ---- */
  studio_preferences_choose_model (prefs, tiny);
  ui_check (studio_preferences_get_busy (prefs), "choosing a folder starts a check");
  ui_check (ui_wait_until (not_busy, prefs, 60), "the check of the tiny model finishes");
  g_print ("model: %s\ndevice: %s\nplan: %s\n", studio_preferences_get_model_message (prefs),
           studio_preferences_get_device_text (prefs), studio_preferences_get_plan_text (prefs));
  ui_check (studio_preferences_get_model_ok (prefs), "the tiny model is accepted");
  ui_check (g_strcmp0 (studio_session_get_model_dir (session), tiny) == 0, "the session renders with it");
  g_autofree char *saved = g_settings_get_string (settings, "model-dir");
  ui_check (g_strcmp0 (saved, tiny) == 0, "GSettings model-dir keeps it");
  ui_check (studio_preferences_get_device_text (prefs) != NULL && studio_preferences_get_device_text (prefs)[0] != 0,
            "the device is shown");
  const char *plan = studio_preferences_get_plan_text (prefs);
  ui_check (plan != NULL && strstr (plan, "Final") != NULL && strstr (plan, "GB") != NULL,
            "the memory plan of a Final take is shown");
  AdwActionRow *plan_row = ADW_ACTION_ROW (ui_find_row (GTK_WIDGET (prefs), ADW_TYPE_ACTION_ROW, "Memory plan"));
  ui_check (plan_row != NULL && g_strcmp0 (adw_action_row_get_subtitle (plan_row), plan) == 0,
            "the page's Memory plan row shows it");
  wait_frames (GTK_WIDGET (prefs));
  GdkTexture *light = ui_save_screenshot_checked (GTK_WIDGET (prefs), out_dir, "preferences-model.png", 6);

  /* ---- a broken copy: one tensor missing ---- */
  ui_check (copy_tree (tiny, broken, &error), "the tiny model is copied");
  g_autofree char *vae_file = g_build_filename (broken, "vae", "diffusion_pytorch_model.safetensors", NULL);
  ui_check (rename_tensor (vae_file, "decoder.conv_in.bias"), "one VAE tensor is renamed in the copy");
  studio_preferences_choose_model (prefs, broken);
  ui_check (ui_wait_until (not_busy, prefs, 60), "the check of the broken copy finishes");
  const char *message = studio_preferences_get_model_message (prefs);
  g_print ("broken: %s\n", message);
  ui_check (!studio_preferences_get_model_ok (prefs), "the broken copy is refused");
  ui_check (message != NULL && strstr (message, "decoder.conv_in.bias") != NULL && strstr (message, "missing") != NULL,
            "the message names the missing tensor");
  ui_check (message != NULL && strstr (message, "vae") != NULL && strstr (message, "safetensors") != NULL,
            "the message names its file");
  ui_check (g_strcmp0 (studio_session_get_model_dir (session), tiny) == 0, "the session keeps the good model");
  g_free (saved);
  saved = g_settings_get_string (settings, "model-dir");
  ui_check (g_strcmp0 (saved, tiny) == 0, "GSettings keeps the good model");
  g_autofree char *check_title = g_strdup_printf ("Check of %s", broken);
  AdwActionRow *check_row = ADW_ACTION_ROW (ui_find_row (GTK_WIDGET (prefs), ADW_TYPE_ACTION_ROW, check_title));
  ui_check (check_row != NULL && strstr (adw_action_row_get_subtitle (check_row), "decoder.conv_in.bias") != NULL,
            "the page shows the refusal");
  wait_frames (GTK_WIDGET (prefs));
  g_clear_object (&light);
  light = ui_save_screenshot_checked (GTK_WIDGET (prefs), out_dir, "preferences-model-refused.png", 6);

  /* ---- the real model's configs without weights (a download under way) ---- */
  g_autofree char *real = g_build_filename (tmp, "real-configs", NULL);
  {
    const char *parts[][2] = {
      { "allegro-real/text_encoder.config.json", "text_encoder/config.json" },
      { "allegro-real/transformer.config.json", "transformer/config.json" },
      { "allegro-real/vae.config.json", "vae/config.json" },
      { "allegro-tiny/model/scheduler/scheduler_config.json", "scheduler/scheduler_config.json" },
      { "allegro-tiny/model/model_index.json", "model_index.json" },
    };
    gboolean copied = TRUE;
    for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
      {
        g_autofree char *from = g_build_filename (data, parts[i][0], NULL);
        g_autofree char *to = g_build_filename (real, parts[i][1], NULL);
        g_autofree char *folder = g_path_get_dirname (to);
        g_autofree char *contents = NULL;
        gsize length;
        copied = copied && g_mkdir_with_parents (folder, 0755) == 0
                 && g_file_get_contents (from, &contents, &length, NULL)
                 && g_file_set_contents (to, contents, (gssize) length, NULL);
      }
    ui_check (copied, "a folder with the real model's configs alone is made");
  }
  studio_preferences_choose_model (prefs, real);
  ui_check (ui_wait_until (not_busy, prefs, 60), "the check of the configs-only folder finishes");
  message = studio_preferences_get_model_message (prefs);
  plan = studio_preferences_get_plan_text (prefs);
  g_print ("configs only: %s\nplan: %s\n", message, plan);
  ui_check (!studio_preferences_get_model_ok (prefs), "a folder without weights is refused");
  ui_check (message != NULL && strstr (message, real) != NULL, "the message names the folder's missing part");
  ui_check (plan != NULL && g_str_has_prefix (plan, "Once the folder is complete: Final (88 frames of 1280×720)"),
            "the plan of the complete model is shown (88 frames of 1280×720)");
  ui_check (g_strcmp0 (studio_session_get_model_dir (session), tiny) == 0, "the session still keeps the good model");

  /* ---- appearance: dark ---- */
  AdwComboRow *style = ADW_COMBO_ROW (ui_find_row (GTK_WIDGET (prefs), ADW_TYPE_COMBO_ROW, "Style"));
  ui_check (style != NULL, "the Style row exists");
  AdwStyleManager *manager = adw_style_manager_get_default ();
  ui_check (!adw_style_manager_get_dark (manager), "the style starts light");
  if (style != NULL)
    adw_combo_row_set_selected (style, 2);
  ui_check (adw_style_manager_get_dark (manager), "choosing Dark makes the style dark");
  g_autofree char *scheme = g_settings_get_string (settings, "color-scheme");
  ui_check (g_strcmp0 (scheme, "dark") == 0, "GSettings color-scheme keeps dark");
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "model");
  wait_frames (GTK_WIDGET (prefs));
  GdkTexture *dark = ui_save_screenshot_checked (GTK_WIDGET (prefs), out_dir, "preferences-dark.png", 6);
  if (light != NULL && dark != NULL)
    {
      double l = ui_mean_luminance (light), d = ui_mean_luminance (dark);
      g_print ("mean luminance: light %.0f, dark %.0f\n", l, d);
      ui_check (d < l - 60, "the dark window's pixels are darker");
    }
  g_clear_object (&dark);
  g_clear_object (&light);
  adw_combo_row_set_selected (style, 0);
  ui_check (!adw_style_manager_get_dark (manager), "Follow System goes back to light here");

  /* ---- members: add, change a role, a refusal ---- */
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "members");
  RowWait ada = { prefs, "Ada" };
  ui_check (ui_wait_until (row_shown, &ada, 30), "the members page lists Ada");
  GtkWidget *name_row = ui_find_row (GTK_WIDGET (prefs), ADW_TYPE_ENTRY_ROW, "Name");
  AdwComboRow *role_row = ADW_COMBO_ROW (ui_find_row (GTK_WIDGET (prefs), ADW_TYPE_COMBO_ROW, "Role"));
  GtkWidget *add = ui_find_row (GTK_WIDGET (prefs), GTK_TYPE_BUTTON, "_Add Member");
  ui_check (name_row != NULL && role_row != NULL && add != NULL, "the add form exists");
  ui_check (add != NULL && gtk_widget_is_sensitive (add), "an admin may add");
  gtk_editable_set_text (GTK_EDITABLE (name_row), "Bea & Co");
  adw_combo_row_set_selected (role_row, STUDIO_ROLE_LEGAL);
  gtk_widget_activate (add);
  RowWait bea = { prefs, "Bea & Co" };
  ui_check (ui_wait_until (row_shown, &bea, 30), "the new member is listed");
  ui_check (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (name_row)), "") == 0, "the name field is cleared");
  wait_frames (GTK_WIDGET (prefs));
  GdkTexture *members = ui_save_screenshot_checked (GTK_WIDGET (prefs), out_dir, "preferences-members.png", 6);
  g_clear_object (&members);

  AdwComboRow *bea_row = ADW_COMBO_ROW (ui_find_row (GTK_WIDGET (prefs), ADW_TYPE_COMBO_ROW, "Bea & Co"));
  ui_check (bea_row != NULL && adw_combo_row_get_selected (bea_row) == STUDIO_ROLE_LEGAL, "her row shows Legal");
  g_autofree char *error_before = g_strdup (studio_preferences_get_last_error (prefs));
  if (bea_row != NULL)
    adw_combo_row_set_selected (bea_row, STUDIO_ROLE_MANAGER);
  ui_check (ui_wait_until (not_busy, prefs, 30), "the role change finishes");
  ui_check (g_strcmp0 (studio_preferences_get_last_error (prefs), error_before) == 0, "no error was shown");

  /* Ada is the only admin: demoting her is refused by the library. */
  AdwComboRow *ada_row = ADW_COMBO_ROW (ui_find_row (GTK_WIDGET (prefs), ADW_TYPE_COMBO_ROW, "Ada"));
  if (ada_row != NULL)
    adw_combo_row_set_selected (ada_row, STUDIO_ROLE_CREATIVE);
  ui_check (ui_wait_until (row_shown, &ada, 30), "the demotion is answered");
  g_print ("refusal: %s\n", studio_preferences_get_last_error (prefs));
  ui_check (g_strcmp0 (studio_preferences_get_last_error (prefs), error_before) != 0
                && strstr (studio_preferences_get_last_error (prefs), "admin") != NULL,
            "the refusal is shown");
  ada_row = ADW_COMBO_ROW (ui_find_row (GTK_WIDGET (prefs), ADW_TYPE_COMBO_ROW, "Ada"));
  ui_check (ada_row != NULL && adw_combo_row_get_selected (ada_row) == STUDIO_ROLE_ADMIN,
            "Ada's row shows Admin again");
  ui_check (studio_session_get_role (session) == STUDIO_ROLE_ADMIN, "the session's role is still admin");

  /* A manager may not add members: the form is off. */
  ui_check (studio_session_set_member (session, "Bea & Co", NULL), "Bea uses the window");
  ui_check (ui_wait_until (not_busy, prefs, 30), "the page reloads for Bea");
  ui_check (!gtk_widget_is_sensitive (add), "a manager cannot add members");
  ada_row = ADW_COMBO_ROW (ui_find_row (GTK_WIDGET (prefs), ADW_TYPE_COMBO_ROW, "Ada"));
  ui_check (ada_row != NULL && !gtk_widget_is_sensitive (GTK_WIDGET (ada_row)), "nor change roles");

  gtk_window_destroy (GTK_WINDOW (prefs));
  gtk_window_destroy (GTK_WINDOW (window));
  ui_drain ();
  g_object_unref (session);
  studio_library_close (lib);

  /* The library file, opened afresh, holds what the window did. */
  StudioLibrary *reopened = studio_library_open (library_dir, 0, &error);
  g_assert_no_error (error);
  g_autoptr (StudioMember) b = studio_library_get_member (reopened, "Bea & Co", NULL);
  g_autoptr (StudioMember) a = studio_library_get_member (reopened, "Ada", NULL);
  ui_check (b != NULL && b->role == STUDIO_ROLE_MANAGER, "the library has Bea & Co as a manager");
  ui_check (a != NULL && a->role == STUDIO_ROLE_ADMIN, "the library keeps Ada as admin");
  studio_library_close (reopened);

  remove_tree (tmp);
  return ui_check_summary ();
}
