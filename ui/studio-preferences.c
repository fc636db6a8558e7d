/* studio-preferences.c: the preferences window (see studio-preferences.h).
 *
 * The model check runs in a GTask thread: it opens the folder (configs and
 * weight files), checks every tensor against the configs, lists the Vulkan
 * devices, picks the one renders would use, and computes the memory plan of
 * a Final take (the model's full size) against that device's budget.  Member
 * changes go through the library's worker (studio_library_run_async); the
 * library enforces the roles, and its refusals are shown as toasts. */
#define G_LOG_DOMAIN "studio-preferences"

#include "studio-preferences.h"

#include <stdlib.h>
#include <string.h>

#include "ae-engine.h"
#include "ae-model-folder.h"
#include "ae-pipeline.h"
#include "studio-library-async.h"

struct _StudioPreferences
{
  AdwPreferencesWindow parent_instance;

  /* template widgets */
  AdwActionRow *model_row;
  AdwActionRow *check_row;
  GtkSpinner *check_spinner;
  GtkImage *check_icon;
  AdwActionRow *device_row;
  AdwActionRow *plan_row;
  AdwPreferencesGroup *members_group;
  AdwPreferencesGroup *add_group;
  AdwEntryRow *new_name_row;
  AdwComboRow *new_role_row;
  AdwComboRow *style_row;

  /* owned */
  StudioSession *session;
  GSettings *settings;
  GCancellable *cancellable;
  GPtrArray *member_rows; /* AdwComboRow, borrowed from members_group */
  char *model_message;
  char *device_text;
  char *plan_text;
  char *last_error;
  gboolean model_ok;
  int checks;  /* model checks under way */
  int writes;  /* member changes under way */
  int loading; /* member lists under way */
  gboolean updating_members;
};

enum
{
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (StudioPreferences, studio_preferences, ADW_TYPE_PREFERENCES_WINDOW)

static const char *const role_labels[] = { "Creative", "Legal", "Manager", "Admin", NULL };

/* ---- small helpers ---- */

gboolean
studio_preferences_get_busy (StudioPreferences *self)
{
  return self->checks > 0 || self->writes > 0 || self->loading > 0;
}

static void
busy_changed (StudioPreferences *self, int *counter, int delta)
{
  gboolean before = studio_preferences_get_busy (self);
  *counter += delta;
  if (before != studio_preferences_get_busy (self))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
}

/* A toast with plain TEXT (toast titles are markup). */
static void
toast (StudioPreferences *self, const char *text, gboolean is_error)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *t = adw_toast_new (escaped);
  adw_toast_set_timeout (t, is_error ? 8 : 3);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), t);
  if (is_error)
    {
      g_free (self->last_error);
      self->last_error = g_strdup (text);
    }
}

const char *
studio_preferences_get_last_error (StudioPreferences *self)
{
  return self->last_error;
}

void
studio_preferences_apply_color_scheme (const char *name)
{
  AdwColorScheme scheme = ADW_COLOR_SCHEME_DEFAULT;
  if (g_strcmp0 (name, "light") == 0)
    scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
  else if (g_strcmp0 (name, "dark") == 0)
    scheme = ADW_COLOR_SCHEME_FORCE_DARK;
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
}

/* ---- the model check (worker thread) ---- */

typedef struct
{
  char *dir;
  gboolean apply; /* switch the session to DIR when it passes */
  /* results */
  gboolean ok;
  char *message;
  char *device;
  char *plan;
} ModelCheck;

static void
model_check_free (ModelCheck *check)
{
  g_free (check->dir);
  g_free (check->message);
  g_free (check->device);
  g_free (check->plan);
  g_free (check);
}

static const char *
device_type_name (ae_device_type type)
{
  switch (type)
    {
    case AE_DEVICE_DISCRETE:
      return "discrete GPU";
    case AE_DEVICE_INTEGRATED:
      return "integrated GPU";
    case AE_DEVICE_VIRTUAL:
      return "virtual GPU";
    case AE_DEVICE_CPU:
      return "CPU, software Vulkan: slow";
    default:
      return "device";
    }
}

static int
device_rank (ae_device_type type)
{
  switch (type)
    {
    case AE_DEVICE_DISCRETE:
      return 0;
    case AE_DEVICE_INTEGRATED:
      return 1;
    case AE_DEVICE_VIRTUAL:
      return 2;
    case AE_DEVICE_CPU:
      return 3;
    default:
      return 4;
    }
}

/* The device renders will use, by the engine's own rule: ALLEGRO_DEVICE (an
 * index or a name substring), else the best type.  -1 when none matches. */
static int
pick_device (const ae_device_info *infos, uint32_t n)
{
  const char *wanted = g_getenv ("ALLEGRO_DEVICE");
  if (wanted != NULL && wanted[0] != '\0')
    {
      char *end = NULL;
      long index = strtol (wanted, &end, 10);
      if (end != wanted && *end == '\0')
        return index >= 0 && (uint32_t) index < n ? (int) index : -1;
      g_autofree char *needle = g_utf8_casefold (wanted, -1);
      for (uint32_t i = 0; i < n; i++)
        {
          g_autofree char *name = g_utf8_casefold (infos[i].name, -1);
          if (strstr (name, needle) != NULL)
            return (int) i;
        }
      return -1;
    }
  int best = -1;
  for (uint32_t i = 0; i < n; i++)
    if (best < 0 || device_rank (infos[i].type) < device_rank (infos[best].type))
      best = (int) i;
  return best;
}

/* The engine's budget: the largest device-local heap's (nine tenths of the
 * heap without VK_EXT_memory_budget). */
static uint64_t
device_budget (const ae_device_info *info)
{
  uint64_t budget = 0;
  for (uint32_t i = 0; i < info->n_heaps; i++)
    if (info->heaps[i].device_local && info->heaps[i].budget > budget)
      budget = info->heaps[i].budget;
  if (budget == 0 && info->n_heaps > 0)
    budget = info->heaps[0].budget;
  if (!info->has_memory_budget)
    budget = budget / 10 * 9;
  return budget;
}

/* Bytes as a person reads them: GB from 1 GB, else MB. */
static char *
format_bytes (uint64_t bytes)
{
  if (bytes >= 1000000000u)
    return g_strdup_printf ("%.1f GB", bytes / 1e9);
  return g_strdup_printf ("%.0f MB", bytes / 1e6);
}

/* The device line and its budget (0 when there is no device). */
static char *
describe_device (uint64_t *budget, ae_device_info *out)
{
  ae_error error = { 0 };
  ae_device_info *infos = NULL;
  uint32_t n = 0;

  *budget = 0;
  if (!ae_list_devices (&infos, &n, &error))
    return g_strdup (error.message);
  int chosen = pick_device (infos, n);
  if (chosen < 0)
    {
      free (infos);
      return g_strdup_printf ("No Vulkan device matches ALLEGRO_DEVICE=%s; “allegro-studio devices” lists them.",
                              g_getenv ("ALLEGRO_DEVICE"));
    }
  *out = infos[chosen];
  free (infos);
  *budget = device_budget (out);
  g_autofree char *size = format_bytes (*budget);
  return g_strdup_printf ("%s (%s, %s driver); memory budget %s", out->name, device_type_name (out->type),
                          out->driver_name, size);
}

/* The memory plan of a Final take (the model's full size) on the device. */
static char *
describe_plan (const ae_model_folder *folder, const ae_device_info *info, uint64_t budget)
{
  ae_error error = { 0 };
  const int64_t frames = folder->dit.sample_frames * 4, height = folder->dit.sample_height * 8,
                width = folder->dit.sample_width * 8;
  /* As the render queue sets it up: half precision where the device stores
   * 16-bit values, every model kept loaded when they fit. */
  const ae_dtype half = info->type != AE_DEVICE_CPU && info->storage16 ? AE_BF16 : AE_F32;
  ae_pipeline_params params = { .t5_dtype = half, .dit_dtype = half, .vae_dtype = AE_F32, .keep_loaded = true };
  ae_generate_params gp = { .prompt = "" };
  ae_memory_plan plan;

  if (!ae_memory_plan_compute (folder, &params, &gp, budget, &plan, &error))
    return g_strdup (error.message);
  g_autofree char *peak = format_bytes (plan.peak);
  g_autofree char *limit = format_bytes (plan.budget);
  if (plan.fits)
    return g_strdup_printf (
        "Final (%" G_GINT64_FORMAT " frames of %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT "): peak %s of %s; fits, %s.",
        frames, width, height, peak, limit,
        plan.keep_all ? "every model stays loaded" : "each model is loaded for its stage and freed after it");
  return g_strdup_printf ("Final (%" G_GINT64_FORMAT " frames of %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT
                          "): peak %s, but the budget is %s. It does not fit: use the Draft preset, a smaller "
                          "size or fewer frames, or a GPU with more memory.",
                          frames, width, height, peak, limit);
}

static void
model_check_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ModelCheck *check = data;
  ae_error error = { 0 };
  ae_device_info info;
  uint64_t budget;

  check->device = describe_device (&budget, &info);

  ae_model_folder *folder = ae_model_folder_open (check->dir, &error);
  if (folder != NULL && !ae_model_folder_check_tensors (folder, &error))
    g_clear_pointer (&folder, ae_model_folder_free);
  if (folder == NULL)
    {
      /* Say what is wrong; with the configs alone (a download under way),
       * still say what the model will need. */
      check->message = g_strdup (error.message);
      ae_model_folder *configs = ae_model_folder_open_configs (check->dir, &error);
      if (configs != NULL && budget > 0)
        {
          g_autofree char *plan = describe_plan (configs, &info, budget);
          check->plan = g_strdup_printf ("Once the folder is complete: %s", plan);
        }
      else
        check->plan = g_strdup ("No plan: the folder cannot be used (renders keep the current model).");
      if (configs != NULL)
        ae_model_folder_free (configs);
      g_task_return_boolean (task, TRUE);
      return;
    }

  check->ok = TRUE;
  check->message
      = g_strdup_printf ("Complete: a %" G_GINT64_FORMAT "-layer transformer (%" G_GINT64_FORMAT
                         " heads), a %" G_GINT64_FORMAT "-layer text encoder and the VAE; full size %" G_GINT64_FORMAT
                         " frames of %" G_GINT64_FORMAT "×%" G_GINT64_FORMAT ".",
                         folder->dit.num_layers, folder->dit.num_attention_heads, folder->t5.num_layers,
                         folder->dit.sample_frames * 4, folder->dit.sample_width * 8, folder->dit.sample_height * 8);
  check->plan = budget > 0 ? describe_plan (folder, &info, budget) : g_strdup ("Unknown without a Vulkan device.");
  ae_model_folder_free (folder);
  g_task_return_boolean (task, TRUE);
}

/* ---- the model page ---- */

static gboolean
is_demo (const char *dir)
{
  return dir == NULL || dir[0] == '\0' || g_strcmp0 (dir, studio_session_default_model_dir ()) == 0;
}

static const char *
current_model_dir (StudioPreferences *self)
{
  if (self->session != NULL)
    return studio_session_get_model_dir (self->session);
  return studio_session_default_model_dir ();
}

static void
show_current_model (StudioPreferences *self)
{
  const char *dir = current_model_dir (self);
  if (is_demo (dir))
    {
      g_autofree char *text = g_strdup_printf ("The built-in demo model (%s)", studio_session_default_model_dir ());
      adw_action_row_set_subtitle (self->model_row, text);
    }
  else
    adw_action_row_set_subtitle (self->model_row, dir);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.use-demo-model", self->session != NULL && !is_demo (dir));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.choose-model", self->session != NULL);
}

static void
set_text (char **field, const char *text)
{
  g_free (*field);
  *field = g_strdup (text);
}

static void
on_model_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (StudioPreferences) self = user_data;
  ModelCheck *check = g_task_get_task_data (G_TASK (result));

  busy_changed (self, &self->checks, -1);
  if (g_cancellable_is_cancelled (self->cancellable))
    return; /* the window is gone */
  if (self->checks > 0)
    return; /* a newer check will report */
  gtk_spinner_stop (self->check_spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->check_spinner), FALSE);

  self->model_ok = check->ok;
  set_text (&self->model_message, check->message);
  set_text (&self->device_text, check->device);
  set_text (&self->plan_text, check->plan);

  g_autofree char *title = check->apply ? g_strdup_printf ("Check of %s", check->dir) : NULL;
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->check_row), title != NULL ? title : "Check");
  adw_action_row_set_subtitle (self->check_row, check->message);
  gtk_image_set_from_icon_name (self->check_icon, check->ok ? "emblem-ok-symbolic" : "dialog-error-symbolic");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->check_icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  check->ok ? "The model is complete" : "The model cannot be used", -1);
  gtk_widget_set_visible (GTK_WIDGET (self->check_icon), TRUE);
  if (check->ok)
    gtk_widget_remove_css_class (GTK_WIDGET (self->check_icon), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->check_icon), "error");
  adw_action_row_set_subtitle (self->device_row, check->device != NULL ? check->device : "");
  adw_action_row_set_subtitle (self->plan_row, check->plan != NULL ? check->plan : "");

  if (!check->apply)
    return;
  if (!check->ok)
    {
      toast (self, "That folder cannot be used: the check says what is wrong.", TRUE);
      return;
    }
  if (self->session != NULL)
    studio_session_set_model_dir (self->session, check->dir);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "model-dir", is_demo (check->dir) ? "" : check->dir);
  show_current_model (self);
  toast (self, is_demo (check->dir) ? "Renders use the demo model" : "Renders use the chosen model", FALSE);
}

static void
start_check (StudioPreferences *self, const char *dir, gboolean apply)
{
  ModelCheck *check = g_new0 (ModelCheck, 1);
  check->dir = g_strdup (dir);
  check->apply = apply;
  busy_changed (self, &self->checks, +1);
  adw_action_row_set_subtitle (self->check_row, "Checking the configs, weight files and every tensor…");
  gtk_widget_set_visible (GTK_WIDGET (self->check_icon), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->check_spinner), TRUE);
  gtk_spinner_start (self->check_spinner);

  g_autoptr (GTask) task = g_task_new (NULL, self->cancellable, on_model_checked, g_object_ref (self));
  g_task_set_task_data (task, check, (GDestroyNotify) model_check_free);
  g_task_run_in_thread (task, model_check_thread);
}

void
studio_preferences_choose_model (StudioPreferences *self, const char *dir)
{
  g_return_if_fail (STUDIO_IS_PREFERENCES (self));
  g_return_if_fail (dir != NULL);
  start_check (self, dir, TRUE);
}

gboolean
studio_preferences_get_model_ok (StudioPreferences *self)
{
  return self->model_ok;
}

const char *
studio_preferences_get_model_message (StudioPreferences *self)
{
  return self->model_message;
}

const char *
studio_preferences_get_device_text (StudioPreferences *self)
{
  return self->device_text;
}

const char *
studio_preferences_get_plan_text (StudioPreferences *self)
{
  return self->plan_text;
}

static void
on_folder_chosen (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  StudioPreferences *self = user_data;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      if (path != NULL)
        studio_preferences_choose_model (self, path);
      else
        toast (self, "That folder is not on a local disk; copy the model to a local folder first.", TRUE);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
choose_model_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioPreferences *self = STUDIO_PREFERENCES (widget);
  GtkFileChooserNative *chooser
      = gtk_file_chooser_native_new ("Choose the Allegro Model Folder", GTK_WINDOW (self),
                                     GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, "_Choose", "_Cancel");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_folder_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
use_demo_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  studio_preferences_choose_model (STUDIO_PREFERENCES (widget), studio_session_default_model_dir ());
}

/* ---- members ---- */

static gboolean
can_manage (StudioPreferences *self)
{
  return self->session != NULL && studio_session_can (self->session, "manage-members");
}

static gpointer
list_members_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  return studio_library_list_members (lib, error);
}

static void reload_members (StudioPreferences *self);

typedef struct
{
  char *actor;
  char *name;
  StudioRole role;
  gboolean add; /* add NAME, or change NAME's role */
} MemberWrite;

static void
member_write_free (MemberWrite *w)
{
  g_free (w->actor);
  g_free (w->name);
  g_free (w);
}

static gpointer
member_write_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  MemberWrite *w = data;
  if (w->add)
    return studio_library_add_member (lib, w->actor, w->name, w->role, error);
  if (!studio_library_set_member_role (lib, w->actor, w->name, w->role, error))
    return NULL;
  return studio_library_get_member (lib, w->name, error);
}

static void
on_member_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (StudioPreferences) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioMember) member = studio_library_run_finish (result, &error);

  busy_changed (self, &self->writes, -1);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (member == NULL)
    toast (self, error->message, TRUE);
  else
    {
      g_autofree char *text = g_strdup_printf ("%s is now %s", member->name, studio_role_to_string (member->role));
      toast (self, text, FALSE);
      /* The window's own member may have had their role changed. */
      if (g_strcmp0 (studio_session_get_member (self->session), member->name) == 0)
        studio_session_set_member (self->session, member->name, NULL);
      studio_session_library_changed (self->session);
    }
  reload_members (self);
}

static void
write_member (StudioPreferences *self, const char *name, StudioRole role, gboolean add)
{
  MemberWrite *w = g_new0 (MemberWrite, 1);
  w->actor = g_strdup (studio_session_get_member (self->session));
  w->name = g_strdup (name);
  w->role = role;
  w->add = add;
  busy_changed (self, &self->writes, +1);
  studio_library_run_async (studio_session_get_library (self->session), member_write_job, w,
                            (GDestroyNotify) member_write_free, (GDestroyNotify) studio_member_free, self->cancellable,
                            on_member_written, g_object_ref (self));
}

static void
on_role_selected (AdwComboRow *row, GParamSpec *pspec, StudioPreferences *self)
{
  guint selected = adw_combo_row_get_selected (row);
  StudioRole role = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "role"));
  if (self->updating_members || selected == GTK_INVALID_LIST_POSITION || (StudioRole) selected == role)
    return;
  write_member (self, g_object_get_data (G_OBJECT (row), "member"), (StudioRole) selected, FALSE);
}

static void
on_members_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (StudioPreferences) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) members = studio_library_run_finish (result, &error);
  const gboolean manage = can_manage (self);

  busy_changed (self, &self->loading, -1);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (members == NULL)
    {
      toast (self, error->message, TRUE);
      return;
    }
  self->updating_members = TRUE;
  for (guint i = 0; i < self->member_rows->len; i++)
    adw_preferences_group_remove (self->members_group, self->member_rows->pdata[i]);
  g_ptr_array_set_size (self->member_rows, 0);
  for (guint i = 0; i < members->len; i++)
    {
      StudioMember *m = members->pdata[i];
      GtkWidget *row = adw_combo_row_new ();
      g_autoptr (GtkStringList) roles = gtk_string_list_new (role_labels);
      g_autofree char *tooltip = g_strdup_printf ("%s's role", m->name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), m->name);
      adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (roles));
      adw_combo_row_set_selected (ADW_COMBO_ROW (row), (guint) m->role);
      gtk_widget_set_sensitive (row, manage);
      gtk_widget_set_tooltip_text (row, manage ? tooltip : "Only admins change roles");
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
      g_object_set_data_full (G_OBJECT (row), "member", g_strdup (m->name), g_free);
      g_object_set_data (G_OBJECT (row), "role", GINT_TO_POINTER (m->role));
      g_signal_connect (row, "notify::selected", G_CALLBACK (on_role_selected), self);
      adw_preferences_group_add (self->members_group, row);
      g_ptr_array_add (self->member_rows, row);
    }
  self->updating_members = FALSE;
}

static void
reload_members (StudioPreferences *self)
{
  const gboolean manage = can_manage (self);

  if (self->session == NULL)
    {
      adw_preferences_group_set_description (self->members_group, "No library is open.");
      gtk_widget_set_visible (GTK_WIDGET (self->add_group), FALSE);
      return;
    }
  adw_preferences_group_set_description (
      self->members_group, manage ? "Everyone who uses this library and their role. Changing a role takes effect "
                                    "at once and is recorded in the audit log."
                                  : "Only admins add members or change roles. Ask an admin.");
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_group), manage);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.add-member", manage);
  busy_changed (self, &self->loading, +1);
  studio_library_run_async (studio_session_get_library (self->session), list_members_job, NULL, NULL,
                            (GDestroyNotify) g_ptr_array_unref, self->cancellable, on_members_listed,
                            g_object_ref (self));
}

static void
add_member_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioPreferences *self = STUDIO_PREFERENCES (widget);
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->new_name_row))));
  guint role = adw_combo_row_get_selected (self->new_role_row);

  if (!can_manage (self))
    {
      toast (self, "Only admins add members.", TRUE);
      return;
    }
  if (name[0] == '\0')
    {
      toast (self, "Type the new member's name first.", TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->new_name_row));
      return;
    }
  if (role == GTK_INVALID_LIST_POSITION)
    role = STUDIO_ROLE_CREATIVE;
  write_member (self, name, (StudioRole) role, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->new_name_row), "");
}

static void
on_name_activated (StudioPreferences *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "prefs.add-member", NULL);
}

static void
on_member_changed (StudioPreferences *self)
{
  reload_members (self);
}

/* ---- appearance ---- */

static const char *const scheme_names[] = { "default", "light", "dark" };

static void
on_style_selected (StudioPreferences *self)
{
  guint i = adw_combo_row_get_selected (self->style_row);
  if (i >= G_N_ELEMENTS (scheme_names))
    return;
  studio_preferences_apply_color_scheme (scheme_names[i]);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "color-scheme", scheme_names[i]);
}

static void
show_style (StudioPreferences *self)
{
  guint selected = 0;
  if (self->settings != NULL)
    {
      g_autofree char *name = g_settings_get_string (self->settings, "color-scheme");
      for (guint i = 0; i < G_N_ELEMENTS (scheme_names); i++)
        if (g_str_equal (name, scheme_names[i]))
          selected = i;
    }
  else
    switch (adw_style_manager_get_color_scheme (adw_style_manager_get_default ()))
      {
      case ADW_COLOR_SCHEME_FORCE_LIGHT:
        selected = 1;
        break;
      case ADW_COLOR_SCHEME_FORCE_DARK:
        selected = 2;
        break;
      default:
        selected = 0;
      }
  adw_combo_row_set_selected (self->style_row, selected);
}

/* ---- life cycle ---- */

static void
studio_preferences_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  StudioPreferences *self = STUDIO_PREFERENCES (object);
  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, studio_preferences_get_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
studio_preferences_dispose (GObject *object)
{
  StudioPreferences *self = STUDIO_PREFERENCES (object);
  g_cancellable_cancel (self->cancellable);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), STUDIO_TYPE_PREFERENCES);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (studio_preferences_parent_class)->dispose (object);
}

static void
studio_preferences_finalize (GObject *object)
{
  StudioPreferences *self = STUDIO_PREFERENCES (object);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->member_rows, g_ptr_array_unref);
  g_free (self->model_message);
  g_free (self->device_text);
  g_free (self->plan_text);
  g_free (self->last_error);
  G_OBJECT_CLASS (studio_preferences_parent_class)->finalize (object);
}

static void
studio_preferences_class_init (StudioPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = studio_preferences_get_property;
  object_class->dispose = studio_preferences_dispose;
  object_class->finalize = studio_preferences_finalize;

  props[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/allegrostudio/AllegroStudio/studio-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, StudioPreferences, model_row);
  gtk_widget_class_bind_template_child (widget_class, StudioPreferences, check_row);
  gtk_widget_class_bind_template_child (widget_class, StudioPreferences, check_spinner);
  gtk_widget_class_bind_template_child (widget_class, StudioPreferences, check_icon);
  gtk_widget_class_bind_template_child (widget_class, StudioPreferences, device_row);
  gtk_widget_class_bind_template_child (widget_class, StudioPreferences, plan_row);
  gtk_widget_class_bind_template_child (widget_class, StudioPreferences, members_group);
  gtk_widget_class_bind_template_child (widget_class, StudioPreferences, add_group);
  gtk_widget_class_bind_template_child (widget_class, StudioPreferences, new_name_row);
  gtk_widget_class_bind_template_child (widget_class, StudioPreferences, new_role_row);
  gtk_widget_class_bind_template_child (widget_class, StudioPreferences, style_row);

  gtk_widget_class_install_action (widget_class, "prefs.choose-model", NULL, choose_model_action);
  gtk_widget_class_install_action (widget_class, "prefs.use-demo-model", NULL, use_demo_action);
  gtk_widget_class_install_action (widget_class, "prefs.add-member", NULL, add_member_action);
  /* Ctrl+O chooses a model folder, as an Open would. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "prefs.choose-model", NULL);
}

static void
studio_preferences_init (StudioPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->member_rows = g_ptr_array_new ();
  gtk_widget_set_visible (GTK_WIDGET (self->check_spinner), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->check_icon), FALSE);
  g_signal_connect_swapped (self->new_name_row, "entry-activated", G_CALLBACK (on_name_activated), self);
}

StudioPreferences *
studio_preferences_new (GtkWindow *parent, StudioSession *session, GSettings *settings)
{
  StudioPreferences *self = g_object_new (STUDIO_TYPE_PREFERENCES, "transient-for", parent, NULL);

  self->session = session != NULL ? g_object_ref (session) : NULL;
  self->settings = settings != NULL ? g_object_ref (settings) : NULL;
  show_style (self);
  g_signal_connect_swapped (self->style_row, "notify::selected", G_CALLBACK (on_style_selected), self);

  show_current_model (self);
  start_check (self, current_model_dir (self), FALSE);

  if (session != NULL)
    {
      g_signal_connect_swapped (session, "notify::member", G_CALLBACK (on_member_changed), self);
      g_signal_connect_swapped (session, "notify::role", G_CALLBACK (on_member_changed), self);
    }
  reload_members (self);
  return self;
}
