/* studio-create-page.c: the Create view, where creative staff write a
 * prompt, make drafts (variations by seed), watch the render queue, and
 * refine the draft they like into a final linked to it.
 *
 * Left: the prompt panel (prompt, negative prompt, seed, the Draft and
 * Final presets, the advanced settings).  Middle: the project's drafts and
 * finals as posters that play on hover.  Right: the render queue with each
 * job's progress, a live preview of its prediction, cancel and reorder.
 * Members whose role may not render (legal, managers) see the takes only.
 *
 * Nothing slow runs on the main thread: the library is read through
 * studio-library-async.h, the model's configs on a worker thread, renders
 * on the render queue's worker, posters and hover playback on workers.
 *
 * Keyboard shortcuts (while the focus is in this view):
 *   Ctrl+Enter     make the takes (drafts, or finals with the Final preset)
 *   Ctrl+R         refine the selected draft into a final
 *   Ctrl+Shift+R   re-run the selected take's recipe
 *   Ctrl+U         use the selected take's recipe in the prompt panel
 *   Ctrl+Shift+C   copy the selected take's recipe
 *   Ctrl+H         prompt history (with search)
 *   Ctrl+L         lock or unlock the seed
 *   Ctrl+1         Draft preset
 *   Ctrl+2         Final preset
 *   Ctrl+Shift+N   new project
 */
#define G_LOG_DOMAIN "studio-create-page"

#include "studio-create-page.h"

#include "ae-model-folder.h"
#include "ae-tokenizer.h"

#include "studio-draft-card.h"
#include "studio-library-async.h"
#include "studio-queue-row.h"

enum
{
  PRESET_DRAFT,
  PRESET_FINAL,
};

typedef struct
{
  int steps;
  double guidance;
  int width, height, frames;
  double fps;
} Preset;

struct _StudioCreatePage
{
  AdwBin parent_instance;

  /* template widgets */
  AdwToastOverlay *toast_overlay;
  GtkRevealer *model_banner;
  GtkLabel *model_banner_label;
  GtkWidget *prompt_panel;
  GtkWidget *panel_separator;
  GtkLabel *project_label;
  GtkMenuButton *history_button;
  GtkPopover *history_popover;
  GtkSearchEntry *history_search;
  GtkListBox *history_list;
  GtkTextView *prompt_view;
  GtkTextView *negative_view;
  GtkSpinButton *seed_spin;
  GtkToggleButton *seed_lock;
  GtkToggleButton *draft_toggle;
  GtkToggleButton *final_toggle;
  GtkSpinButton *steps_spin;
  GtkSpinButton *guidance_spin;
  GtkSpinButton *width_spin;
  GtkSpinButton *height_spin;
  GtkSpinButton *frames_spin;
  GtkSpinButton *fps_spin;
  GtkSpinButton *strength_spin;
  GtkSpinButton *count_spin;
  GtkDropDown *scheduler_dropdown;
  GtkButton *make_button;
  GtkButton *refine_button;
  GtkStack *takes_stack;
  GtkGridView *drafts_grid;
  GtkGridView *finals_grid;
  GtkLabel *finals_label;
  GtkWidget *queue_separator;
  GtkWidget *queue_box;
  GtkStack *queue_stack;
  GtkListView *queue_list;

  /* owned */
  StudioSession *session;
  StudioRenderQueue *queue;
  GListStore *drafts;
  GListStore *finals;
  GtkSingleSelection *drafts_selection;
  GtkSingleSelection *finals_selection;
  Preset presets[2];
  int preset;
  gboolean loading_fields;
  gboolean model_ok;
  char *model_negative; /* the model's default negative prompt (Reset) */
  gboolean reloading, reload_again;
  guint reload_timer;
  guint history_serial;
  gboolean syncing_selection;
  gint64 selected_id;
};

G_DEFINE_FINAL_TYPE (StudioCreatePage, studio_create_page, ADW_TYPE_BIN)

/* ---- small helpers ---- */

static void
toast (StudioCreatePage *self, const char *text, guint timeout)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  g_debug ("toast: %s", text);
  AdwToast *t = adw_toast_new (escaped);
  if (timeout > 0)
    adw_toast_set_timeout (t, timeout);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static char *
text_view_get_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
text_view_set_text (GtkTextView *view, const char *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text != NULL ? text : "", -1);
}

static gboolean
disposed (StudioCreatePage *self)
{
  return self->session == NULL;
}

static const StudioTake *
selected_take (StudioCreatePage *self)
{
  StudioDraftItem *item = gtk_single_selection_get_selected_item (self->drafts_selection);
  if (item == NULL)
    item = gtk_single_selection_get_selected_item (self->finals_selection);
  return item != NULL ? studio_draft_item_get_take (item) : NULL;
}

static gboolean
can_render (StudioCreatePage *self)
{
  return self->session != NULL && studio_session_can (self->session, "render");
}

/* The window's toast for a finished render, and a desktop notification when
 * the window is not the active one (only with a session bus: without one
 * GApplication cannot send it, and tests run without one). */
static void
notify_desktop (StudioCreatePage *self, const char *title, const char *body)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  if (!GTK_IS_WINDOW (root) || gtk_window_is_active (GTK_WINDOW (root)))
    return;
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (root));
  if (app == NULL || g_application_get_dbus_connection (G_APPLICATION (app)) == NULL)
    return;
  g_autoptr (GNotification) notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_application_send_notification (G_APPLICATION (app), "render-finished", notification);
}

/* ---- enablement, in one place ---- */

static void
update_make_label (StudioCreatePage *self)
{
  int n = gtk_spin_button_get_value_as_int (self->count_spin);
  const char *what = self->preset == PRESET_FINAL ? (n == 1 ? "Final" : "Finals") : (n == 1 ? "Draft" : "Drafts");
  g_autofree char *label = g_strdup_printf ("Make %d %s", n, what);
  gtk_button_set_label (self->make_button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->make_button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
update_actions (StudioCreatePage *self)
{
  GtkWidget *w = GTK_WIDGET (self);
  const gboolean render = can_render (self);
  const gboolean has_project = self->session != NULL && studio_session_get_project (self->session) != NULL;
  const StudioTake *take = selected_take (self);

  gtk_widget_action_set_enabled (w, "create.make", render && self->model_ok && has_project);
  gtk_widget_action_set_enabled (w, "create.refine",
                                 render && self->model_ok && take != NULL && take->kind == STUDIO_TAKE_DRAFT
                                     && take->render_status == STUDIO_RENDER_DONE);
  gtk_widget_action_set_enabled (w, "create.rerun",
                                 render && self->model_ok && take != NULL && take->kind != STUDIO_TAKE_IMPORTED);
  gtk_widget_action_set_enabled (w, "create.use-recipe", render && take != NULL && take->kind != STUDIO_TAKE_IMPORTED);
  gtk_widget_action_set_enabled (w, "create.copy-recipe", take != NULL);
  gtk_widget_action_set_enabled (w, "create.history", render);
  gtk_widget_action_set_enabled (w, "create.lock-seed", render);
  gtk_widget_action_set_enabled (w, "create.preset", render);
  gtk_widget_action_set_enabled (w, "create.new-project",
                                 self->session != NULL && studio_session_can (self->session, "add-project"));

  const char *project = self->session != NULL ? studio_session_get_project (self->session) : NULL;
  g_autofree char *label = project != NULL ? g_strdup_printf ("Project: %s", project)
                                           : g_strdup ("Choose a project in the header bar, or create one.");
  gtk_label_set_text (self->project_label, label);
}

/* Members who may not render see the takes, not the controls. */
static void
update_role (StudioCreatePage *self)
{
  const gboolean render = can_render (self);
  gtk_widget_set_visible (self->prompt_panel, render);
  gtk_widget_set_visible (self->panel_separator, render);
  gtk_widget_set_visible (self->queue_box, render);
  gtk_widget_set_visible (self->queue_separator, render);
  update_actions (self);
}

/* ---- presets ---- */

static void
load_fields (StudioCreatePage *self)
{
  const Preset *p = &self->presets[self->preset];
  self->loading_fields = TRUE;
  gtk_spin_button_set_value (self->steps_spin, p->steps);
  gtk_spin_button_set_value (self->guidance_spin, p->guidance);
  gtk_spin_button_set_value (self->width_spin, p->width);
  gtk_spin_button_set_value (self->height_spin, p->height);
  gtk_spin_button_set_value (self->frames_spin, p->frames);
  gtk_spin_button_set_value (self->fps_spin, p->fps);
  self->loading_fields = FALSE;
  update_make_label (self);
}

/* Edits go to the preset shown, so each keeps its own settings (refining
 * uses the Final preset's). */
static void
on_field_changed (StudioCreatePage *self)
{
  Preset *p = &self->presets[self->preset];
  if (self->loading_fields)
    return;
  p->steps = gtk_spin_button_get_value_as_int (self->steps_spin);
  p->guidance = gtk_spin_button_get_value (self->guidance_spin);
  p->width = gtk_spin_button_get_value_as_int (self->width_spin);
  p->height = gtk_spin_button_get_value_as_int (self->height_spin);
  p->frames = gtk_spin_button_get_value_as_int (self->frames_spin);
  p->fps = gtk_spin_button_get_value (self->fps_spin);
}

static void
on_preset_toggled (StudioCreatePage *self)
{
  int preset = gtk_toggle_button_get_active (self->final_toggle) ? PRESET_FINAL : PRESET_DRAFT;
  if (preset == self->preset)
    return;
  self->preset = preset;
  load_fields (self);
}

/* The presets for a model whose transformer was trained on SAMPLE_WIDTH x
 * SAMPLE_HEIGHT pixels and SAMPLE_FRAMES frames, with the model's own
 * guidance scale (7.5 for the real Allegro model, 5 for the demo model).
 * The real Allegro model (1280 x 720 x 88): Final at that size with 100
 * steps, Draft at half size (640 x 352), 40 frames, 30 steps.  Small models
 * (the demo and test models): both at the trained size, the Draft with fewer
 * frames and steps. */
static void
presets_for_model (Preset presets[2], int sample_width, int sample_height, int sample_frames, double guidance)
{
  const gboolean large = MAX (sample_width, sample_height) > 512;
  Preset *final = &presets[PRESET_FINAL], *draft = &presets[PRESET_DRAFT];
  *final = (Preset){ .steps = large ? 100 : 40,
                     .guidance = guidance,
                     .width = sample_width,
                     .height = sample_height,
                     .frames = sample_frames,
                     .fps = 15 };
  *draft = *final;
  if (large)
    {
      draft->width = MAX (16, sample_width / 2 / 16 * 16);
      draft->height = MAX (16, sample_height / 2 / 16 * 16);
      draft->frames = MIN (40, sample_frames);
      draft->steps = 30;
    }
  else
    {
      draft->frames = MIN (16, sample_frames);
      draft->steps = 20;
    }
}

/* ---- the model's configs (read on a worker) ---- */

typedef struct
{
  int width, height, frames;
  double guidance;
  char *negative; /* the model's default negative prompt */
} model_sizes;

static void
model_sizes_free (model_sizes *sizes)
{
  g_free (sizes->negative);
  g_free (sizes);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (model_sizes, model_sizes_free)

static void
read_model_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ae_error e = { 0 };
  ae_model_folder *folder = ae_model_folder_open_configs (task_data, &e);
  if (folder == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", e.message);
      return;
    }
  model_sizes *sizes = g_new (model_sizes, 1);
  sizes->width = (int) folder->dit.sample_width * 8;
  sizes->height = (int) folder->dit.sample_height * 8;
  sizes->frames = (int) folder->dit.sample_frames * 4;
  sizes->guidance = ae_model_folder_guidance (folder);
  sizes->negative = g_strdup (ae_model_folder_negative_prompt (folder, folder->prompt_templates));
  ae_model_folder_free (folder);
  g_task_return_pointer (task, sizes, (GDestroyNotify) model_sizes_free);
}

static void
on_model_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (StudioCreatePage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (model_sizes) sizes = g_task_propagate_pointer (G_TASK (result), &error);
  const char *dir = g_task_get_task_data (G_TASK (result));

  if (disposed (self) || g_strcmp0 (dir, studio_session_get_model_dir (self->session)) != 0)
    return;
  self->model_ok = sizes != NULL;
  if (sizes == NULL)
    {
      g_autofree char *text
          = g_strdup_printf ("The model in %s cannot be used: %s Choose a model folder in Preferences, or reinstall "
                             "Allegro Studio to get the demo model back.",
                             dir, error->message);
      gtk_label_set_text (self->model_banner_label, text);
    }
  else
    {
      presets_for_model (self->presets, sizes->width, sizes->height, sizes->frames, sizes->guidance);
      load_fields (self);
      /* The demo model was trained with an empty unconditional prompt, not the reference's negative one. */
      g_free (self->model_negative);
      self->model_negative = g_steal_pointer (&sizes->negative);
      text_view_set_text (self->negative_view, self->model_negative);
    }
  gtk_revealer_set_reveal_child (self->model_banner, sizes == NULL);
  update_actions (self);
}

static void
read_model (StudioCreatePage *self)
{
  const char *dir = studio_session_get_model_dir (self->session);
  g_autoptr (GTask) task = g_task_new (NULL, NULL, on_model_read, g_object_ref (self));
  self->model_ok = FALSE;
  g_task_set_task_data (task, g_strdup (dir), g_free);
  g_task_run_in_thread (task, read_model_thread);
  update_actions (self);
}

/* ---- the takes ---- */

static gboolean
same_takes (GListStore *store, GPtrArray *items)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (store)) != items->len)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      g_autoptr (StudioDraftItem) old = g_list_model_get_item (G_LIST_MODEL (store), i);
      const StudioTake *a = studio_draft_item_get_take (old);
      const StudioTake *b = studio_draft_item_get_take (items->pdata[i]);
      if (a->id != b->id || a->render_status != b->render_status || g_strcmp0 (a->poster, b->poster) != 0
          || g_strcmp0 (a->video, b->video) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
select_id (GtkSingleSelection *selection, GListStore *store, gint64 id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
  for (guint i = 0; id > 0 && i < n; i++)
    {
      g_autoptr (StudioDraftItem) item = g_list_model_get_item (G_LIST_MODEL (store), i);
      if (studio_draft_item_get_take (item)->id == id)
        {
          gtk_single_selection_set_selected (selection, i);
          return;
        }
    }
}

static void
fill_store (StudioCreatePage *self, GListStore *store, GPtrArray *items)
{
  if (same_takes (store, items))
    return;
  g_list_store_splice (store, 0, g_list_model_get_n_items (G_LIST_MODEL (store)), items->pdata, items->len);
}

static void reload_takes (StudioCreatePage *self);

static void
on_takes_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (StudioCreatePage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) takes = studio_library_list_takes_finish (result, &error);

  self->reloading = FALSE;
  if (disposed (self))
    return;
  if (takes == NULL)
    toast (self, error->message, 0);
  else
    {
      g_autoptr (GPtrArray) drafts = g_ptr_array_new_with_free_func (g_object_unref);
      g_autoptr (GPtrArray) finals = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < takes->len; i++)
        {
          StudioTake *take = takes->pdata[i];
          if (take->kind == STUDIO_TAKE_FINAL)
            g_ptr_array_add (finals, studio_draft_item_new (take));
          else if (take->kind == STUDIO_TAKE_DRAFT)
            g_ptr_array_add (drafts, studio_draft_item_new (take));
        }
      gint64 selected = self->selected_id;
      self->syncing_selection = TRUE;
      fill_store (self, self->drafts, drafts);
      fill_store (self, self->finals, finals);
      if (selected_take (self) == NULL)
        {
          select_id (self->drafts_selection, self->drafts, selected);
          select_id (self->finals_selection, self->finals, selected);
        }
      self->syncing_selection = FALSE;
      self->selected_id = selected_take (self) != NULL ? selected_take (self)->id : 0;
      gtk_stack_set_visible_child_name (self->takes_stack, drafts->len + finals->len > 0 ? "takes" : "empty");
      gtk_widget_set_visible (GTK_WIDGET (self->finals_label), finals->len > 0);
      update_actions (self);
    }
  if (self->reload_again)
    {
      self->reload_again = FALSE;
      reload_takes (self);
    }
}

static void
reload_takes (StudioCreatePage *self)
{
  if (disposed (self))
    return;
  if (self->reloading)
    {
      self->reload_again = TRUE;
      return;
    }
  self->reloading = TRUE;
  StudioTakeQuery query = { .project = studio_session_get_project (self->session) };
  studio_library_list_takes_async (studio_session_get_library (self->session), &query, NULL, on_takes_listed,
                                   g_object_ref (self));
}

static gboolean
on_reload_timer (gpointer user_data)
{
  StudioCreatePage *self = user_data;
  self->reload_timer = 0;
  reload_takes (self);
  return G_SOURCE_REMOVE;
}

/* Several changes in a row (a batch of jobs starting) make one reload. */
static void
schedule_reload (StudioCreatePage *self)
{
  if (self->reload_timer == 0)
    self->reload_timer = g_timeout_add (100, on_reload_timer, self);
}

static void
on_selection_changed (GtkSingleSelection *selection, GParamSpec *pspec, StudioCreatePage *self)
{
  if (self->syncing_selection)
    return;
  GtkSingleSelection *other = selection == self->drafts_selection ? self->finals_selection : self->drafts_selection;
  if (gtk_single_selection_get_selected_item (selection) != NULL)
    {
      self->syncing_selection = TRUE;
      gtk_single_selection_set_selected (other, GTK_INVALID_LIST_POSITION);
      self->syncing_selection = FALSE;
    }
  self->selected_id = selected_take (self) != NULL ? selected_take (self)->id : 0;
  update_actions (self);
}

static void
card_setup (GtkSignalListItemFactory *factory, GtkListItem *item, StudioCreatePage *self)
{
  gtk_list_item_set_child (item, studio_draft_card_new ());
}

static void
card_bind (GtkSignalListItemFactory *factory, GtkListItem *item, StudioCreatePage *self)
{
  StudioDraftItem *draft = gtk_list_item_get_item (item);
  studio_draft_card_set_take (STUDIO_DRAFT_CARD (gtk_list_item_get_child (item)),
                              studio_session_get_library (self->session), studio_draft_item_get_take (draft));
}

static void
card_unbind (GtkSignalListItemFactory *factory, GtkListItem *item, StudioCreatePage *self)
{
  studio_draft_card_set_take (STUDIO_DRAFT_CARD (gtk_list_item_get_child (item)), NULL, NULL);
}

static GtkListItemFactory *
card_factory (StudioCreatePage *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (card_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (card_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (card_unbind), self);
  return factory;
}

/* ---- the render queue ---- */

static void
update_queue_stack (StudioCreatePage *self)
{
  guint n = self->queue != NULL ? g_list_model_get_n_items (studio_render_queue_get_jobs (self->queue)) : 0;
  gtk_stack_set_visible_child_name (self->queue_stack, n > 0 ? "jobs" : "empty");
}

static void
on_jobs_changed (GListModel *jobs, guint position, guint removed, guint added, StudioCreatePage *self)
{
  update_queue_stack (self);
  schedule_reload (self);
}

static void
on_job_finished (StudioRenderQueue *queue, StudioRenderJob *job, StudioCreatePage *self)
{
  const char *title = studio_render_job_get_title (job);
  g_autofree char *text = NULL;

  switch (studio_render_job_get_state (job))
    {
    case STUDIO_RENDER_DONE:
      text = g_strdup_printf ("Take %" G_GINT64_FORMAT " is ready: “%s”", studio_render_job_get_take_id (job), title);
      toast (self, text, 0);
      notify_desktop (self, "Render finished", text);
      break;
    case STUDIO_RENDER_FAILED:
      text = g_strdup_printf ("Take %" G_GINT64_FORMAT " failed. %s", studio_render_job_get_take_id (job),
                              studio_render_job_get_error (job) != NULL ? studio_render_job_get_error (job) : "");
      toast (self, text, 10);
      notify_desktop (self, "Render failed", text);
      break;
    default:
      break;
    }
  studio_session_library_changed (self->session);
}

static void
bind_queue (StudioCreatePage *self)
{
  StudioRenderQueue *queue = can_render (self) ? studio_session_get_queue (self->session) : NULL;
  if (queue == self->queue)
    {
      update_queue_stack (self);
      return;
    }
  if (self->queue != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->queue, self);
      g_signal_handlers_disconnect_by_data (studio_render_queue_get_jobs (self->queue), self);
    }
  g_set_object (&self->queue, queue);
  if (queue != NULL)
    {
      GListModel *jobs = studio_render_queue_get_jobs (queue);
      g_autoptr (GtkNoSelection) model = gtk_no_selection_new (g_object_ref (jobs));
      gtk_list_view_set_model (self->queue_list, GTK_SELECTION_MODEL (model));
      g_signal_connect (jobs, "items-changed", G_CALLBACK (on_jobs_changed), self);
      g_signal_connect (queue, "job-finished", G_CALLBACK (on_job_finished), self);
    }
  else
    gtk_list_view_set_model (self->queue_list, NULL);
  update_queue_stack (self);
}

static StudioRenderJob *
find_job (StudioCreatePage *self, gint64 take_id, guint *position)
{
  GListModel *jobs = self->queue != NULL ? studio_render_queue_get_jobs (self->queue) : NULL;
  guint n = jobs != NULL ? g_list_model_get_n_items (jobs) : 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (StudioRenderJob) job = g_list_model_get_item (jobs, i);
      if (studio_render_job_get_take_id (job) == take_id)
        {
          if (position != NULL)
            *position = i;
          return job; /* the list keeps it */
        }
    }
  return NULL;
}

static void
row_setup (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  gtk_list_item_set_child (item, studio_queue_row_new ());
  gtk_list_item_set_activatable (item, FALSE);
}

static void
row_bind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  studio_queue_row_set_job (STUDIO_QUEUE_ROW (gtk_list_item_get_child (item)), gtk_list_item_get_item (item));
}

static void
row_unbind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  studio_queue_row_set_job (STUDIO_QUEUE_ROW (gtk_list_item_get_child (item)), NULL);
}

static void
cancel_job_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioCreatePage *self = STUDIO_CREATE_PAGE (widget);
  StudioRenderJob *job = find_job (self, g_variant_get_int64 (parameter), NULL);
  if (job != NULL)
    studio_render_queue_cancel (self->queue, job);
}

static void
move_job_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioCreatePage *self = STUDIO_CREATE_PAGE (widget);
  StudioRenderJob *job = find_job (self, g_variant_get_int64 (parameter), NULL);
  int position = job != NULL ? studio_render_queue_get_waiting_position (self->queue, job) : -1;
  gboolean up = g_str_equal (action_name, "create.move-job-up");
  if (position < 0 || (up && position == 0))
    return;
  studio_render_queue_move (self->queue, job, up ? (guint) position - 1 : (guint) position + 1);
}

static void
resume_job_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioCreatePage *self = STUDIO_CREATE_PAGE (widget);
  g_autoptr (GError) error = NULL;
  if (self->queue == NULL)
    return;
  if (studio_render_queue_resume (self->queue, g_variant_get_int64 (parameter), &error) == NULL)
    toast (self, error->message, 10);
  else
    studio_session_library_changed (self->session);
}

/* ---- making takes ---- */

static void
clear_provenance (StudioRecipe *recipe)
{
  /* The queue fills these in for the model and engine that render now. */
  g_clear_pointer (&recipe->model_name, g_free);
  g_clear_pointer (&recipe->model_hash, g_free);
  g_clear_pointer (&recipe->engine_version, g_free);
  g_clear_pointer (&recipe->device, g_free);
}

static gboolean
queue_take (StudioCreatePage *self, const char *project, StudioTakeKind kind, gint64 parent_id, double strength,
            const StudioRecipe *recipe)
{
  g_autoptr (GError) error = NULL;
  bind_queue (self);
  if (self->queue == NULL)
    {
      toast (self, "Your role does not render takes: ask a creative or an admin.", 0);
      return FALSE;
    }
  if (studio_render_queue_add (self->queue, project, kind, parent_id, strength, recipe, &error) == NULL)
    {
      g_autofree char *text = g_strdup_printf ("The take could not be queued: %s", error->message);
      toast (self, text, 10);
      return FALSE;
    }
  return TRUE;
}

/* Takes in what was typed into the spin buttons but not yet entered. */
static void
commit_fields (StudioCreatePage *self)
{
  GtkSpinButton *spins[]
      = { self->seed_spin,   self->steps_spin, self->guidance_spin, self->width_spin, self->height_spin,
          self->frames_spin, self->fps_spin,   self->strength_spin, self->count_spin };
  for (guint i = 0; i < G_N_ELEMENTS (spins); i++)
    gtk_spin_button_update (spins[i]);
}

static void
make_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioCreatePage *self = STUDIO_CREATE_PAGE (widget);
  commit_fields (self);
  const char *project = studio_session_get_project (self->session);
  g_autofree char *raw_prompt = text_view_get_text (self->prompt_view);
  g_autofree char *negative = text_view_get_text (self->negative_view);
  const char *prompt = g_strstrip (raw_prompt);
  const Preset *p = &self->presets[self->preset];
  const int n = gtk_spin_button_get_value_as_int (self->count_spin);
  const double max_seed = gtk_adjustment_get_upper (gtk_spin_button_get_adjustment (self->seed_spin));
  int made = 0;

  if (!can_render (self) || !self->model_ok)
    return;
  if (project == NULL)
    {
      toast (self, "Choose a project in the header bar first, or create one with the New Project button.", 0);
      return;
    }
  if (prompt[0] == '\0')
    {
      toast (self, "Write a prompt first: what should the video show?", 0);
      gtk_widget_grab_focus (GTK_WIDGET (self->prompt_view));
      return;
    }
  gint64 seed = gtk_toggle_button_get_active (self->seed_lock) ? (gint64) gtk_spin_button_get_value (self->seed_spin)
                                                               : (gint64) g_random_int ();
  seed = MIN (seed, (gint64) max_seed - n + 1);
  gtk_spin_button_set_value (self->seed_spin, (double) seed);
  for (int i = 0; i < n; i++)
    {
      StudioRecipe recipe = {
        .prompt = (char *) prompt,
        .negative_prompt = negative,
        .seed = seed + i,
        .steps = p->steps,
        .guidance = p->guidance,
        .width = p->width,
        .height = p->height,
        .frames = p->frames,
        .fps = p->fps,
        .scheduler = (char *) "euler-ancestral",
      };
      if (!queue_take (self, project, self->preset == PRESET_FINAL ? STUDIO_TAKE_FINAL : STUDIO_TAKE_DRAFT, 0, 0,
                       &recipe))
        break;
      made++;
    }
  if (made > 0)
    studio_session_library_changed (self->session);
}

/* The selected take in full, for the actions that need its whole recipe. */
typedef void (*TakeFunc) (StudioCreatePage *self, const StudioTake *take);

typedef struct
{
  StudioCreatePage *self;
  TakeFunc func;
  guint serial;
} page_call;

static page_call *
page_call_new (StudioCreatePage *self, TakeFunc func, guint serial)
{
  page_call *call = g_new0 (page_call, 1);
  call->self = g_object_ref (self);
  call->func = func;
  call->serial = serial;
  return call;
}

static void
page_call_free (page_call *call)
{
  g_object_unref (call->self);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (page_call, page_call_free)

static void
on_full_take (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (page_call) call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioTake) take = studio_library_get_take_finish (result, &error);
  if (disposed (call->self))
    return;
  if (take == NULL)
    toast (call->self, error->message, 0);
  else
    call->func (call->self, take);
}

static void
with_selected_take (StudioCreatePage *self, TakeFunc func)
{
  const StudioTake *take = selected_take (self);
  if (take == NULL)
    {
      toast (self, "Select a take first.", 0);
      return;
    }
  studio_library_get_take_async (studio_session_get_library (self->session), take->id, NULL, on_full_take,
                                 page_call_new (self, func, 0));
}

static void
refine_take (StudioCreatePage *self, const StudioTake *take)
{
  const Preset *p = &self->presets[PRESET_FINAL];
  StudioRecipe recipe;
  if (take->kind != STUDIO_TAKE_DRAFT || take->render_status != STUDIO_RENDER_DONE)
    {
      toast (self, "Only a draft that has finished rendering can be refined.", 0);
      return;
    }
  studio_recipe_copy (&take->recipe, &recipe);
  clear_provenance (&recipe);
  recipe.width = p->width;
  recipe.height = p->height;
  recipe.frames = p->frames;
  recipe.steps = p->steps;
  if (queue_take (self, take->project, STUDIO_TAKE_FINAL, take->id, gtk_spin_button_get_value (self->strength_spin),
                  &recipe))
    {
      g_autofree char *text = g_strdup_printf ("Refining take %" G_GINT64_FORMAT " into a final", take->id);
      toast (self, text, 0);
      studio_session_library_changed (self->session);
    }
  studio_recipe_clear (&recipe);
}

static void
rerun_take (StudioCreatePage *self, const StudioTake *take)
{
  StudioRecipe recipe;
  const gboolean refined = take->kind == STUDIO_TAKE_FINAL && take->parent_id > 0;
  studio_recipe_copy (&take->recipe, &recipe);
  clear_provenance (&recipe);
  if (queue_take (self, take->project, take->kind, take->parent_id,
                  refined ? gtk_spin_button_get_value (self->strength_spin) : 0, &recipe))
    studio_session_library_changed (self->session);
  studio_recipe_clear (&recipe);
}

static void
use_recipe (StudioCreatePage *self, const StudioTake *take)
{
  const StudioRecipe *r = &take->recipe;
  text_view_set_text (self->prompt_view, r->prompt);
  text_view_set_text (self->negative_view, r->negative_prompt);
  gtk_spin_button_set_value (self->seed_spin, (double) r->seed);
  gtk_toggle_button_set_active (self->seed_lock, TRUE);
  gtk_toggle_button_set_active (take->kind == STUDIO_TAKE_FINAL ? self->final_toggle : self->draft_toggle, TRUE);
  gtk_spin_button_set_value (self->steps_spin, r->steps);
  gtk_spin_button_set_value (self->guidance_spin, r->guidance);
  gtk_spin_button_set_value (self->width_spin, r->width);
  gtk_spin_button_set_value (self->height_spin, r->height);
  gtk_spin_button_set_value (self->frames_spin, r->frames);
  gtk_spin_button_set_value (self->fps_spin, r->fps);
  g_autofree char *text = g_strdup_printf ("The recipe of take %" G_GINT64_FORMAT " is in the prompt panel", take->id);
  toast (self, text, 0);
}

/* A recipe as text a person can read, paste into a brief, or compare. */
static char *
format_recipe (const StudioTake *take)
{
  const StudioRecipe *r = &take->recipe;
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "Allegro Studio take %" G_GINT64_FORMAT " (%s)\n", take->id,
                          studio_take_kind_to_string (take->kind));
  g_string_append_printf (s, "Prompt: %s\n", r->prompt);
  g_string_append_printf (s, "Negative prompt: %s\n", r->negative_prompt != NULL ? r->negative_prompt : "");
  g_string_append_printf (s, "Seed: %" G_GINT64_FORMAT "\n", r->seed);
  g_string_append_printf (s, "Steps: %d\n", r->steps);
  g_string_append_printf (s, "Guidance: %g\n", r->guidance);
  g_string_append_printf (s, "Size: %d x %d\n", r->width, r->height);
  g_string_append_printf (s, "Frames: %d at %g fps\n", r->frames, r->fps);
  g_string_append_printf (s, "Scheduler: %s\n", r->scheduler != NULL ? r->scheduler : "");
  if (take->parent_id > 0)
    g_string_append_printf (s, "Refined from take: %" G_GINT64_FORMAT "\n", take->parent_id);
  g_string_append_printf (s, "Model: %s %s\n", r->model_name != NULL ? r->model_name : "",
                          r->model_hash != NULL ? r->model_hash : "");
  g_string_append_printf (s, "Engine: %s on %s\n", r->engine_version != NULL ? r->engine_version : "",
                          r->device != NULL ? r->device : "");
  return g_string_free (s, FALSE);
}

static void
copy_recipe (StudioCreatePage *self, const StudioTake *take)
{
  g_autofree char *text = format_recipe (take);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  g_object_set_data_full (G_OBJECT (self), "copied-recipe", g_steal_pointer (&text), g_free);
  toast (self, "Recipe copied", 0);
}

static void
take_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioCreatePage *self = STUDIO_CREATE_PAGE (widget);
  commit_fields (self);
  if (g_str_equal (action_name, "create.refine"))
    with_selected_take (self, refine_take);
  else if (g_str_equal (action_name, "create.rerun"))
    with_selected_take (self, rerun_take);
  else if (g_str_equal (action_name, "create.use-recipe"))
    with_selected_take (self, use_recipe);
  else
    with_selected_take (self, copy_recipe);
}

/* ---- the small actions ---- */

static void
reset_negative_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioCreatePage *self = STUDIO_CREATE_PAGE (widget);
  text_view_set_text (self->negative_view, self->model_negative);
}

static void
lock_seed_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioCreatePage *self = STUDIO_CREATE_PAGE (widget);
  gtk_toggle_button_set_active (self->seed_lock, !gtk_toggle_button_get_active (self->seed_lock));
}

static void
on_seed_lock_toggled (StudioCreatePage *self)
{
  gboolean locked = gtk_toggle_button_get_active (self->seed_lock);
  gtk_button_set_icon_name (GTK_BUTTON (self->seed_lock),
                            locked ? "changes-prevent-symbolic" : "changes-allow-symbolic");
}

static void
preset_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioCreatePage *self = STUDIO_CREATE_PAGE (widget);
  gboolean final = g_str_equal (g_variant_get_string (parameter, NULL), "final");
  gtk_toggle_button_set_active (final ? self->final_toggle : self->draft_toggle, TRUE);
}

static void
reload_model_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  read_model (STUDIO_CREATE_PAGE (widget));
}

/* ---- prompt history ---- */

static void
on_history_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (page_call) call = user_data;
  StudioCreatePage *self = call->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) takes = studio_library_list_takes_finish (result, &error);
  GtkWidget *child;

  /* Only the newest answer is shown. */
  if (disposed (self) || call->serial != self->history_serial)
    return;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->history_list))) != NULL)
    gtk_list_box_remove (self->history_list, child);

  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; takes != NULL && i < takes->len && g_hash_table_size (seen) < 50; i++)
    {
      const char *prompt = ((StudioTake *) takes->pdata[i])->recipe.prompt;
      if (prompt == NULL || prompt[0] == '\0' || !g_hash_table_add (seen, (gpointer) prompt))
        continue;
      GtkWidget *label = gtk_label_new (prompt);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_lines (GTK_LABEL (label), 3);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
      gtk_widget_set_margin_top (label, 6);
      gtk_widget_set_margin_bottom (label, 6);
      gtk_widget_set_margin_start (label, 6);
      gtk_widget_set_margin_end (label, 6);
      GtkWidget *row = gtk_list_box_row_new ();
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      gtk_widget_set_tooltip_text (row, "Use this prompt");
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, prompt, -1);
      g_object_set_data_full (G_OBJECT (row), "prompt", g_strdup (prompt), g_free);
      gtk_list_box_append (self->history_list, row);
    }
  if (g_hash_table_size (seen) == 0)
    {
      GtkWidget *label = gtk_label_new (error != NULL ? error->message : "No earlier prompts in this project.");
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_set_margin_top (label, 12);
      gtk_widget_set_margin_bottom (label, 12);
      GtkWidget *row = gtk_list_box_row_new ();
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_list_box_append (self->history_list, row);
    }
}

static void
refresh_history (StudioCreatePage *self)
{
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->history_search));
  g_autofree char *words = g_strstrip (g_strdup (search));
  StudioTakeQuery query = {
    .project = studio_session_get_project (self->session),
    .search = words[0] != '\0' ? words : NULL,
    .limit = 500,
  };
  self->history_serial++;
  studio_library_list_takes_async (studio_session_get_library (self->session), &query, NULL, on_history_listed,
                                   page_call_new (self, NULL, self->history_serial));
}

static void
on_history_row_activated (GtkListBox *list, GtkListBoxRow *row, StudioCreatePage *self)
{
  const char *prompt = g_object_get_data (G_OBJECT (row), "prompt");
  if (prompt == NULL)
    return;
  text_view_set_text (self->prompt_view, prompt);
  gtk_popover_popdown (self->history_popover);
  gtk_widget_grab_focus (GTK_WIDGET (self->prompt_view));
}

static void
history_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  gtk_menu_button_popup (STUDIO_CREATE_PAGE (widget)->history_button);
}

/* ---- new project ---- */

typedef struct
{
  char *actor;
  char *name;
} project_request;

static void
project_request_free (gpointer data)
{
  project_request *r = data;
  g_free (r->actor);
  g_free (r->name);
  g_free (r);
}

static gpointer
add_project_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  project_request *r = data;
  return studio_library_add_project (lib, r->actor, r->name, "", error);
}

static void
on_project_added (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (StudioCreatePage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioProject) project = studio_library_run_finish (result, &error);
  if (disposed (self))
    return;
  if (project == NULL)
    {
      toast (self, error->message, 0);
      return;
    }
  studio_session_set_project (self->session, project->name);
  studio_session_library_changed (self->session);
  g_autofree char *text = g_strdup_printf ("Project “%s” created", project->name);
  toast (self, text, 0);
}

static void
on_new_project_response (AdwMessageDialog *dialog, const char *response, StudioCreatePage *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  if (!g_str_equal (response, "create") || disposed (self))
    return;
  if (name[0] == '\0')
    {
      toast (self, "A project needs a name.", 0);
      return;
    }
  project_request *r = g_new0 (project_request, 1);
  r->actor = g_strdup (studio_session_get_member (self->session));
  r->name = g_steal_pointer (&name);
  studio_library_run_async (studio_session_get_library (self->session), add_project_job, r, project_request_free,
                            (GDestroyNotify) studio_project_free, NULL, on_project_added, g_object_ref (self));
}

static void
new_project_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioCreatePage *self = STUDIO_CREATE_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, "New Project",
                                              "Takes, reviews and exports are kept per project.");
  GtkWidget *entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), "Spring campaign");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_widget_set_tooltip_text (entry, "The project's name");
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, "Project name", -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", "_Cancel", "create", "C_reate", NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "create", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "create");
  g_object_set_data (G_OBJECT (dialog), "entry", entry);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_new_project_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- the session ---- */

static void
on_member_changed (StudioCreatePage *self)
{
  update_role (self);
  bind_queue (self);
}

static void
on_project_changed (StudioCreatePage *self)
{
  self->selected_id = 0;
  update_actions (self);
  reload_takes (self);
}

static void
on_model_dir_changed (StudioCreatePage *self)
{
  bind_queue (self);
  read_model (self);
}

/* ---- life cycle ---- */

static void
studio_create_page_dispose (GObject *object)
{
  StudioCreatePage *self = STUDIO_CREATE_PAGE (object);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  if (self->queue != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->queue, self);
      g_signal_handlers_disconnect_by_data (studio_render_queue_get_jobs (self->queue), self);
    }
  g_clear_handle_id (&self->reload_timer, g_source_remove);
  /* The bin's child is a template child: let the bin drop it first, or both
   * would unparent it. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), STUDIO_TYPE_CREATE_PAGE);
  g_clear_object (&self->queue);
  g_clear_pointer (&self->model_negative, g_free);
  g_clear_object (&self->drafts_selection);
  g_clear_object (&self->finals_selection);
  g_clear_object (&self->drafts);
  g_clear_object (&self->finals);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (studio_create_page_parent_class)->dispose (object);
}

static void
studio_create_page_class_init (StudioCreatePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = studio_create_page_dispose;

  g_type_ensure (STUDIO_TYPE_DRAFT_CARD);
  g_type_ensure (STUDIO_TYPE_QUEUE_ROW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/allegrostudio/AllegroStudio/studio-create-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, StudioCreatePage, name)
  BIND (toast_overlay);
  BIND (model_banner);
  BIND (model_banner_label);
  BIND (prompt_panel);
  BIND (panel_separator);
  BIND (project_label);
  BIND (history_button);
  BIND (history_popover);
  BIND (history_search);
  BIND (history_list);
  BIND (prompt_view);
  BIND (negative_view);
  BIND (seed_spin);
  BIND (seed_lock);
  BIND (draft_toggle);
  BIND (final_toggle);
  BIND (steps_spin);
  BIND (guidance_spin);
  BIND (width_spin);
  BIND (height_spin);
  BIND (frames_spin);
  BIND (fps_spin);
  BIND (strength_spin);
  BIND (count_spin);
  BIND (scheduler_dropdown);
  BIND (make_button);
  BIND (refine_button);
  BIND (takes_stack);
  BIND (drafts_grid);
  BIND (finals_grid);
  BIND (finals_label);
  BIND (queue_separator);
  BIND (queue_box);
  BIND (queue_stack);
  BIND (queue_list);
#undef BIND

  gtk_widget_class_install_action (widget_class, "create.make", NULL, make_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "create.make", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "create.make", NULL);
  gtk_widget_class_install_action (widget_class, "create.refine", NULL, take_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "create.refine", NULL);
  gtk_widget_class_install_action (widget_class, "create.rerun", NULL, take_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "create.rerun",
                                       NULL);
  gtk_widget_class_install_action (widget_class, "create.use-recipe", NULL, take_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK, "create.use-recipe", NULL);
  gtk_widget_class_install_action (widget_class, "create.copy-recipe", NULL, take_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "create.copy-recipe",
                                       NULL);
  gtk_widget_class_install_action (widget_class, "create.history", NULL, history_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_h, GDK_CONTROL_MASK, "create.history", NULL);
  gtk_widget_class_install_action (widget_class, "create.lock-seed", NULL, lock_seed_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "create.lock-seed", NULL);
  gtk_widget_class_install_action (widget_class, "create.preset", "s", preset_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "create.preset", "s", "draft");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_CONTROL_MASK, "create.preset", "s", "final");
  gtk_widget_class_install_action (widget_class, "create.new-project", NULL, new_project_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "create.new-project",
                                       NULL);
  gtk_widget_class_install_action (widget_class, "create.reset-negative", NULL, reset_negative_action);
  gtk_widget_class_install_action (widget_class, "create.reload-model", NULL, reload_model_action);
  gtk_widget_class_install_action (widget_class, "create.cancel-job", "x", cancel_job_action);
  gtk_widget_class_install_action (widget_class, "create.move-job-up", "x", move_job_action);
  gtk_widget_class_install_action (widget_class, "create.move-job-down", "x", move_job_action);
  gtk_widget_class_install_action (widget_class, "create.resume-job", "x", resume_job_action);
}

static void
studio_create_page_init (StudioCreatePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* Until the model's configs are read: the real Allegro model's presets. */
  presets_for_model (self->presets, 1280, 720, 88, 7.5);
  self->preset = PRESET_DRAFT;
  load_fields (self);
  self->model_negative = g_strdup (ae_prompt_default_negative);
  text_view_set_text (self->negative_view, self->model_negative);
  gtk_spin_button_set_value (self->seed_spin, g_random_int_range (0, G_MAXINT32));

  GtkSpinButton *fields[] = { self->steps_spin,  self->guidance_spin, self->width_spin,
                              self->height_spin, self->frames_spin,   self->fps_spin };
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    g_signal_connect_swapped (fields[i], "value-changed", G_CALLBACK (on_field_changed), self);
  g_signal_connect_swapped (self->count_spin, "value-changed", G_CALLBACK (update_make_label), self);
  g_signal_connect_swapped (self->final_toggle, "toggled", G_CALLBACK (on_preset_toggled), self);
  g_signal_connect_swapped (self->seed_lock, "toggled", G_CALLBACK (on_seed_lock_toggled), self);
  g_signal_connect_swapped (self->history_popover, "show", G_CALLBACK (refresh_history), self);
  g_signal_connect_swapped (self->history_search, "search-changed", G_CALLBACK (refresh_history), self);
  g_signal_connect (self->history_list, "row-activated", G_CALLBACK (on_history_row_activated), self);

  /* Ctrl+Enter in the prompt would otherwise reach the text view first. */
  GtkEventController *capture = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (capture, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (capture),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Return, GDK_CONTROL_MASK),
                                                          gtk_named_action_new ("create.make")));
  gtk_widget_add_controller (GTK_WIDGET (self->prompt_view), capture);

  self->drafts = g_list_store_new (STUDIO_TYPE_DRAFT_ITEM);
  self->finals = g_list_store_new (STUDIO_TYPE_DRAFT_ITEM);
  self->drafts_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->drafts)));
  self->finals_selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->finals)));
  GtkSingleSelection *selections[] = { self->drafts_selection, self->finals_selection };
  GtkGridView *grids[] = { self->drafts_grid, self->finals_grid };
  for (guint i = 0; i < 2; i++)
    {
      gtk_single_selection_set_autoselect (selections[i], FALSE);
      gtk_single_selection_set_can_unselect (selections[i], TRUE);
      gtk_single_selection_set_selected (selections[i], GTK_INVALID_LIST_POSITION);
      g_signal_connect (selections[i], "notify::selected", G_CALLBACK (on_selection_changed), self);
      gtk_grid_view_set_model (grids[i], GTK_SELECTION_MODEL (selections[i]));
      g_autoptr (GtkListItemFactory) factory = card_factory (self);
      gtk_grid_view_set_factory (grids[i], factory);
    }

  g_autoptr (GtkListItemFactory) rows = gtk_signal_list_item_factory_new ();
  g_signal_connect (rows, "setup", G_CALLBACK (row_setup), NULL);
  g_signal_connect (rows, "bind", G_CALLBACK (row_bind), NULL);
  g_signal_connect (rows, "unbind", G_CALLBACK (row_unbind), NULL);
  gtk_list_view_set_factory (self->queue_list, rows);
}

StudioCreatePage *
studio_create_page_new (StudioSession *session)
{
  StudioCreatePage *self = g_object_new (STUDIO_TYPE_CREATE_PAGE, NULL);
  self->session = g_object_ref (session);
  g_signal_connect_swapped (session, "notify::member", G_CALLBACK (on_member_changed), self);
  g_signal_connect_swapped (session, "notify::role", G_CALLBACK (on_member_changed), self);
  g_signal_connect_swapped (session, "notify::project", G_CALLBACK (on_project_changed), self);
  g_signal_connect_swapped (session, "notify::model-dir", G_CALLBACK (on_model_dir_changed), self);
  g_signal_connect_swapped (session, "library-changed", G_CALLBACK (schedule_reload), self);
  update_role (self);
  bind_queue (self);
  read_model (self);
  reload_takes (self);
  return self;
}
