/* test-create.c: the Create view under Xvfb, driven through its real
 * widgets over a real library (a temporary folder) and the tiny test model
 * on the machine's Vulkan device: a prompt typed, two drafts made with one
 * click (2 steps, 48 x 48, 16 frames), the queue watched to the end, the
 * library checked afterwards (two takes done, with the prompt, distinct
 * seeds, media that decode); a poster played as on hover; the Final preset
 * tuned, a draft selected and refined (a final linked to it, done); the
 * recipe copied; the prompt history searched; a screenshot of the view
 * written and checked not blank; a legal member sees the takes but no
 * render controls, and the library refuses their render anyway. */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "ae-tokenizer.h"
#include "studio-create-page.h"
#include "studio-decoder.h"
#include "studio-draft-card.h"

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

/* ---- waiting on the main loop, with a deadline ---- */

static gboolean
keep_awake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*Condition) (gpointer data);

static gboolean
wait_until (Condition condition, gpointer data, int seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  guint tick = g_timeout_add (20, keep_awake, NULL);
  gboolean met;
  while (!(met = condition (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return met;
}

/* GtkButton's activate shows the press for a moment before "clicked". */
static void
click (gpointer widget)
{
  g_assert_true (gtk_widget_activate (widget));
  gint64 until = g_get_monotonic_time () + 400 * 1000;
  guint tick = g_timeout_add (20, keep_awake, NULL);
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}

static void
drain (void)
{
  for (int i = 0; i < 50 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

/* ---- the page's widgets ---- */

static StudioCreatePage *page;

static gpointer
child (const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (page), STUDIO_TYPE_CREATE_PAGE, name);
  g_assert_nonnull (object);
  return object;
}

static GListModel *
grid_model (const char *name)
{
  return G_LIST_MODEL (gtk_grid_view_get_model (GTK_GRID_VIEW (child (name))));
}

static char *
text_of (GtkTextView *view)
{
  GtkTextIter start, end;
  gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (view), &start, &end);
  return gtk_text_buffer_get_text (gtk_text_view_get_buffer (view), &start, &end, FALSE);
}

static StudioDraftCard *
find_card (GtkWidget *widget)
{
  if (STUDIO_IS_DRAFT_CARD (widget))
    return STUDIO_DRAFT_CARD (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      StudioDraftCard *card = find_card (c);
      if (card != NULL)
        return card;
    }
  return NULL;
}

/* ---- conditions ---- */

static gboolean
job_started (gpointer job)
{
  return studio_render_job_get_state (job) != STUDIO_RENDER_QUEUED;
}

static gboolean
make_enabled (gpointer data)
{
  return gtk_widget_is_sensitive (child ("make_button"));
}

/* Every job has reached its end on the main context (the worker may go
 * idle a moment before its last update is delivered). */
static gboolean
queue_idle (gpointer queue)
{
  GListModel *jobs = studio_render_queue_get_jobs (queue);
  for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr (StudioRenderJob) job = g_list_model_get_item (jobs, i);
      StudioRenderStatus state = studio_render_job_get_state (job);
      if (state == STUDIO_RENDER_QUEUED || state == STUDIO_RENDER_RUNNING)
        return FALSE;
    }
  return TRUE;
}

/* N done takes in the grid NAME. */
typedef struct
{
  const char *grid;
  guint n;
} grid_state;

static gboolean
grid_done (gpointer data)
{
  grid_state *s = data;
  GListModel *model = grid_model (s->grid);
  guint done = 0;
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (StudioDraftItem) item = g_list_model_get_item (model, i);
      done += studio_draft_item_get_take (item)->render_status == STUDIO_RENDER_DONE;
    }
  return g_list_model_get_n_items (model) == s->n && done == s->n;
}

static gboolean
card_has_poster (gpointer card)
{
  return studio_draft_card_get_poster (card) != NULL;
}

static gboolean
card_has_frames (gpointer card)
{
  return studio_draft_card_get_n_frames (card) >= 16;
}

static gboolean
banner_shown (gpointer data)
{
  return gtk_revealer_get_reveal_child (child ("model_banner"));
}

/* The guidance field shows *(double *) DATA and the model is ready. */
static gboolean
guidance_is (gpointer data)
{
  return gtk_spin_button_get_value (child ("guidance_spin")) == *(const double *) data
         && gtk_widget_is_sensitive (child ("make_button"));
}

static gboolean
recipe_copied (gpointer data)
{
  return g_object_get_data (G_OBJECT (page), "copied-recipe") != NULL;
}

static gboolean
history_filled (gpointer data)
{
  GtkWidget *row = gtk_widget_get_first_child (child ("history_list"));
  return row != NULL && g_object_get_data (G_OBJECT (row), "prompt") != NULL;
}

static guint
count_jobs_done (StudioRenderQueue *queue)
{
  GListModel *jobs = studio_render_queue_get_jobs (queue);
  guint done = 0;
  for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr (StudioRenderJob) job = g_list_model_get_item (jobs, i);
      done += studio_render_job_get_state (job) == STUDIO_RENDER_DONE;
      if (studio_render_job_get_state (job) == STUDIO_RENDER_FAILED)
        g_print ("# job %" G_GINT64_FORMAT " failed: %s\n", studio_render_job_get_take_id (job),
                 studio_render_job_get_error (job));
    }
  return done;
}

static int max_step_seen;

static void
on_step (GObject *job, GParamSpec *pspec, gpointer data)
{
  max_step_seen = MAX (max_step_seen, studio_render_job_get_step (STUDIO_RENDER_JOB (job)));
}

/* ---- screenshots ---- */

static GdkTexture *
screenshot (GtkWidget *widget)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
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

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *sub = g_build_filename (path, name, NULL);
      /* A link (the hinted model's components) is removed, never followed:
       * behind it is the test data. */
      if (g_file_test (sub, G_FILE_TEST_IS_DIR) && !g_file_test (sub, G_FILE_TEST_IS_SYMLINK))
        remove_tree (sub);
      else
        g_unlink (sub);
    }
  g_rmdir (path);
}

static gboolean
media_ok (StudioLibrary *lib, const char *name)
{
  g_autofree char *path = name != NULL ? studio_library_media_path (lib, name) : NULL;
  return path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

int
main (int argc, char **argv)
{
  const char *out_dir = argc > 1 ? argv[1] : ".";
  const char *data = g_getenv ("ALLEGRO_TEST_DATA");
  g_autoptr (GError) error = NULL;
  const char *prompt = "a red kite over a green hill";

  gtk_init ();
  adw_init ();

  /* A library with a creative, a legal reviewer and a project. */
  g_autofree char *dir = g_dir_make_tmp ("allegro-create-XXXXXX", &error);
  g_assert_no_error (error);
  StudioLibrary *lib = studio_library_init (dir, "ada", &error);
  g_assert_no_error (error);
  g_autoptr (StudioMember) cleo = studio_library_add_member (lib, "ada", "cleo", STUDIO_ROLE_CREATIVE, &error);
  g_assert_no_error (error);
  g_autoptr (StudioMember) lena = studio_library_add_member (lib, "ada", "lena", STUDIO_ROLE_LEGAL, &error);
  g_assert_no_error (error);
  g_autoptr (StudioProject) project = studio_library_add_project (lib, "cleo", "spot", "a test", &error);
  g_assert_no_error (error);
  g_autofree char *model = g_build_filename (data != NULL ? data : "tests/data", "allegro-tiny", "model", NULL);

  StudioSession *session = studio_session_new (lib, model);
  studio_session_set_member (session, "cleo", &error);
  g_assert_no_error (error);
  studio_session_set_project (session, "spot");

  page = studio_create_page_new (session);
  GtkWidget *window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (window);

  /* The presets come from the model's config (6 x 6 latent: 48 x 48 px). */
  check (wait_until (make_enabled, NULL, 30), "making takes is offered once the model's config is read");
  check (gtk_spin_button_get_value_as_int (child ("width_spin")) == 48
             && gtk_spin_button_get_value_as_int (child ("height_spin")) == 48,
         "the Draft preset's size is the model's sample size (48 x 48)");
  check (gtk_spin_button_get_value_as_int (child ("frames_spin")) == 16, "the Draft preset has 16 frames");
  g_autofree char *negative = text_of (child ("negative_view"));
  check (g_strcmp0 (negative, ae_prompt_default_negative) == 0, "the negative prompt is the reference's default");
  check (!gtk_widget_get_sensitive (child ("scheduler_dropdown")), "the scheduler is shown, not changeable");

  /* Type a prompt and make two drafts with one click. */
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (child ("prompt_view")), prompt, -1);
  gtk_spin_button_set_value (child ("count_spin"), 2);
  gtk_spin_button_set_value (child ("steps_spin"), 2);
  check (g_strcmp0 (gtk_button_get_label (child ("make_button")), "Make 2 Drafts") == 0,
         "the button says what it makes");
  click (child ("make_button"));
  StudioRenderQueue *queue = studio_session_get_queue (session);
  GListModel *jobs = studio_render_queue_get_jobs (queue);
  check (g_list_model_get_n_items (jobs) == 2, "one click queued two jobs");
  for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr (StudioRenderJob) job = g_list_model_get_item (jobs, i);
      g_signal_connect (job, "notify::step", G_CALLBACK (on_step), NULL);
    }
  gint64 start = g_get_monotonic_time ();
  check (wait_until (queue_idle, queue, 240), "the queue finishes");
  g_print ("# two drafts rendered in %.1f s\n", (g_get_monotonic_time () - start) / 1e6);
  check (count_jobs_done (queue) == 2, "both jobs are done");
  check (max_step_seen == 2, "progress reached step 2 of 2");
  grid_state drafts_done = { "drafts_grid", 2 };
  check (wait_until (grid_done, &drafts_done, 30), "the draft grid shows the two done drafts");

  /* The library's state afterwards. */
  StudioTakeQuery query = { .project = "spot" };
  g_autoptr (GPtrArray) takes = studio_library_list_takes (lib, &query, &error);
  g_assert_no_error (error);
  check (takes->len == 2, "the library holds two takes");
  gint64 seeds[2] = { -1, -2 };
  gboolean all_done = TRUE, all_prompt = TRUE, all_media = TRUE, all_drafts = TRUE;
  for (guint i = 0; i < takes->len && i < 2; i++)
    {
      StudioTake *t = takes->pdata[i];
      seeds[i] = t->recipe.seed;
      all_done &= t->render_status == STUDIO_RENDER_DONE;
      all_prompt &= g_strcmp0 (t->recipe.prompt, prompt) == 0;
      all_drafts &= t->kind == STUDIO_TAKE_DRAFT;
      g_autoptr (StudioTake) whole = studio_library_get_take (lib, t->id, NULL);
      all_media &= whole != NULL && media_ok (lib, whole->video) && media_ok (lib, whole->poster)
                   && media_ok (lib, whole->preview_strip) && media_ok (lib, whole->latent);
    }
  check (all_done, "both takes are done");
  check (all_drafts, "both takes are drafts");
  check (all_prompt, "both takes have the prompt typed");
  check (seeds[0] != seeds[1], "the drafts have distinct seeds");
  check (all_media, "each take's video, poster, preview strip and latent are in the library");
  StudioTake *first = takes->len > 0 ? takes->pdata[0] : NULL;
  g_autoptr (StudioTake) full = first != NULL ? studio_library_get_take (lib, first->id, &error) : NULL;
  check (full != NULL && full->recipe.width == 48 && full->recipe.frames == 16 && full->recipe.steps == 2
             && g_strcmp0 (full->recipe.negative_prompt, ae_prompt_default_negative) == 0,
         "the recipe holds the Draft preset's settings and the negative prompt");
  if (full != NULL && full->video != NULL)
    {
      g_autofree char *video = studio_library_media_path (lib, full->video);
      g_autoptr (StudioDecoder) decoder = studio_decoder_open (video, &error);
      check (decoder != NULL && studio_decoder_get_info (decoder)->frame_count == 16
                 && studio_decoder_get_info (decoder)->width == 48,
             "the draft's video decodes: 16 frames of 48 x 48");
      g_clear_error (&error);
    }

  /* A poster, and playing it as hovering does. */
  StudioDraftCard *card = find_card (child ("drafts_grid"));
  check (card != NULL, "the draft grid holds draft cards");
  if (card != NULL)
    {
      check (wait_until (card_has_poster, card, 20), "the card shows its poster");
      studio_draft_card_set_playing (card, TRUE);
      check (wait_until (card_has_frames, card, 30), "playing decodes the take's 16 frames");
      studio_draft_card_set_playing (card, FALSE);
      check (studio_draft_card_get_n_frames (card) == 0 && !studio_draft_card_get_playing (card),
             "leaving stops playback and drops the frames");
    }

  /* The Final preset keeps its own settings; tune it for a quick test. */
  click (child ("final_toggle"));
  check (gtk_spin_button_get_value_as_int (child ("frames_spin")) == 40, "the Final preset has the model's 40 frames");
  gtk_spin_button_set_value (child ("steps_spin"), 3);
  gtk_spin_button_set_value (child ("frames_spin"), 16);
  click (child ("draft_toggle"));
  check (gtk_spin_button_get_value_as_int (child ("steps_spin")) == 2, "the Draft preset kept its 2 steps");

  /* Select a draft and refine it. */
  GListModel *drafts = grid_model ("drafts_grid");
  g_autoptr (StudioDraftItem) chosen = g_list_model_get_item (drafts, 1);
  const StudioTake *draft = studio_draft_item_get_take (chosen);
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (drafts), 1, TRUE);
  drain ();
  check (gtk_widget_is_sensitive (child ("refine_button")), "refining is offered for the selected draft");
  max_step_seen = 0;
  click (child ("refine_button"));
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (g_list_model_get_n_items (jobs) < 3 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  check (g_list_model_get_n_items (jobs) == 3, "refine queued a job");
  check (wait_until (queue_idle, queue, 240), "the refine finishes");
  check (count_jobs_done (queue) == 3, "the refine job is done");
  grid_state finals_done = { "finals_grid", 1 };
  check (wait_until (grid_done, &finals_done, 30), "the finals grid shows the final");

  g_autoptr (GPtrArray) after = studio_library_list_takes (lib, &query, &error);
  g_assert_no_error (error);
  StudioTake *final = NULL;
  for (guint i = 0; i < after->len; i++)
    if (((StudioTake *) after->pdata[i])->kind == STUDIO_TAKE_FINAL)
      final = after->pdata[i];
  check (after->len == 3 && final != NULL, "the library holds two drafts and a final");
  if (final != NULL)
    {
      g_autoptr (StudioTake) f = studio_library_get_take (lib, final->id, &error);
      check (f->parent_id == draft->id, "the final's parent is the selected draft");
      check (f->render_status == STUDIO_RENDER_DONE && media_ok (lib, f->video), "the final is done, with a video");
      check (f->recipe.seed == draft->recipe.seed && g_strcmp0 (f->recipe.prompt, prompt) == 0,
             "the final keeps the draft's seed and prompt");
      check (f->recipe.steps == 3 && f->recipe.frames == 16, "the final uses the Final preset's settings");
    }

  /* Copy the final's recipe. */
  GListModel *finals = grid_model ("finals_grid");
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (finals), 0, TRUE);
  drain ();
  check (gtk_widget_activate_action (GTK_WIDGET (page), "create.copy-recipe", NULL), "copy recipe is an action");
  check (wait_until (recipe_copied, NULL, 10), "the recipe is copied");
  const char *copied = g_object_get_data (G_OBJECT (page), "copied-recipe");
  g_autofree char *parent_line = g_strdup_printf ("Refined from take: %" G_GINT64_FORMAT, draft->id);
  check (copied != NULL && strstr (copied, prompt) != NULL && strstr (copied, parent_line) != NULL,
         "the copied recipe names the prompt and the draft it came from");

  /* Prompt history: one distinct prompt, found by a word in it. */
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (child ("prompt_view")), "", -1);
  check (gtk_widget_activate_action (GTK_WIDGET (page), "create.history", NULL), "history is an action");
  gtk_editable_set_text (GTK_EDITABLE (child ("history_search")), "kite");
  check (wait_until (history_filled, NULL, 10), "the history lists earlier prompts");
  GtkWidget *row = gtk_widget_get_first_child (child ("history_list"));
  check (row != NULL && gtk_widget_get_next_sibling (row) == NULL, "three takes, one distinct prompt");
  if (row != NULL)
    g_signal_emit_by_name (child ("history_list"), "row-activated", row);
  g_autofree char *reused = text_of (child ("prompt_view"));
  check (g_strcmp0 (reused, prompt) == 0, "choosing it puts the prompt back");
  drain ();

  /* A screenshot of the view. */
  /* The paintable shows the view as last drawn: let a frame be drawn. */
  gtk_widget_queue_draw (window);
  gtk_test_widget_wait_for_draw (window);
  GdkTexture *texture = screenshot (GTK_WIDGET (page));
  check (texture != NULL, "the view renders to a texture");
  if (texture != NULL)
    {
      g_autofree char *path = g_build_filename (out_dir, "create-view.png", NULL);
      guint colours = count_colours (texture);
      g_print ("# screenshot: %s (%u colours)\n", path, colours);
      check (gdk_texture_save_to_png (texture, path), "the screenshot is written");
      check (colours >= 8, "the screenshot is not blank");
      g_object_unref (texture);
    }

  /* Reorder and cancel waiting jobs from the queue's rows' actions. */
  gtk_spin_button_set_value (child ("count_spin"), 3);
  click (child ("make_button"));
  check (g_list_model_get_n_items (jobs) == 6, "three more jobs queued");
  g_autoptr (StudioRenderJob) j0 = g_list_model_get_item (jobs, 0);
  g_autoptr (StudioRenderJob) j1 = g_list_model_get_item (jobs, 1);
  g_autoptr (StudioRenderJob) j2 = g_list_model_get_item (jobs, 2);
  gint64 last_id = studio_render_job_get_take_id (j2), middle_id = studio_render_job_get_take_id (j1);
  /* The worker picks the first job up in its own time (later on a loaded
   * machine): wait for it to leave the queue. */
  check (wait_until (job_started, j0, 60), "the first job is running");
  check (studio_render_queue_get_waiting_position (queue, j2) == 1, "the last job waits behind one other");
  check (gtk_widget_activate_action (GTK_WIDGET (page), "create.move-job-up", "x", last_id), "move up is an action");
  guint at_last = 0, at_middle = 0;
  for (guint i = 0; i < g_list_model_get_n_items (jobs); i++)
    {
      g_autoptr (StudioRenderJob) job = g_list_model_get_item (jobs, i);
      if (job == j2)
        at_last = i;
      if (job == j1)
        at_middle = i;
    }
  check (studio_render_queue_get_waiting_position (queue, j2) == 0 && at_last < at_middle,
         "moving it up puts it before the one it passed, in the queue and in its list");
  check (gtk_widget_activate_action (GTK_WIDGET (page), "create.cancel-job", "x", middle_id), "cancel is an action");
  check (wait_until (queue_idle, queue, 120), "the queue settles");
  g_autoptr (StudioTake) cancelled = studio_library_get_take (lib, middle_id, &error);
  check (cancelled != NULL && cancelled->render_status == STUDIO_RENDER_CANCELLED
             && studio_render_job_get_state (j1) == STUDIO_RENDER_CANCELLED,
         "the cancelled job's take is cancelled in the library");
  g_autoptr (StudioTake) rendered = studio_library_get_take (lib, last_id, &error);
  check (rendered != NULL && rendered->render_status == STUDIO_RENDER_DONE, "the moved job rendered");
  g_clear_error (&error);

  /* A model folder that cannot be read: said, with what to do, and no render. */
  g_autofree char *missing = g_build_filename (dir, "no-such-model", NULL);
  studio_session_set_model_dir (session, missing);
  check (wait_until (banner_shown, NULL, 10), "a missing model shows a banner");
  const char *banner = gtk_label_get_text (child ("model_banner_label"));
  check (strstr (banner, missing) != NULL && strstr (banner, "Preferences") != NULL,
         "the banner names the folder and what to do");
  check (!gtk_widget_is_sensitive (child ("make_button")), "and making takes is not offered");
  studio_session_set_model_dir (session, model);
  check (wait_until (make_enabled, NULL, 30), "the model back, making takes is offered again");
  check (gtk_spin_button_get_value (child ("guidance_spin")) == 7.5, "a model without hints gets guidance 7.5");

  /* A model whose model_index.json names its own guidance and negative prompt
   * (as the demo model's does): the presets and the negative prompt follow it. */
  g_autofree char *hinted = g_build_filename (dir, "hinted-model", NULL);
  g_assert_cmpint (g_mkdir (hinted, 0755), ==, 0);
  const char *parts[] = { "scheduler", "text_encoder", "tokenizer", "transformer", "vae" };
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_autofree char *target = g_build_filename (model, parts[i], NULL);
      g_autofree char *link = g_build_filename (hinted, parts[i], NULL);
      g_assert_cmpint (symlink (target, link), ==, 0);
    }
  g_autofree char *index_path = g_build_filename (hinted, "model_index.json", NULL);
  check (g_file_set_contents (index_path,
                              "{\"_class_name\": \"AllegroPipeline\", \"_allegro_studio\": {\"guidance_scale\": 5,"
                              " \"negative_prompt\": \"\"}, \"scheduler\": [], \"text_encoder\": [],"
                              " \"tokenizer\": [], \"transformer\": [], \"vae\": []}",
                              -1, &error),
         "the hinted model_index.json is written");
  studio_session_set_model_dir (session, hinted);
  const double hinted_guidance = 5.0, reference_guidance = 7.5;
  check (wait_until (guidance_is, (gpointer) &hinted_guidance, 30), "the presets take the model's guidance (5)");
  g_autofree char *hinted_negative = text_of (child ("negative_view"));
  check (g_strcmp0 (hinted_negative, "") == 0, "and its empty negative prompt");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (child ("negative_view")), "blurry", -1);
  check (gtk_widget_activate_action (GTK_WIDGET (page), "create.reset-negative", NULL), "reset is an action");
  g_autofree char *reset_negative = text_of (child ("negative_view"));
  check (g_strcmp0 (reset_negative, "") == 0, "Reset restores the model's negative prompt, not the reference's");
  studio_session_set_model_dir (session, model);
  check (wait_until (guidance_is, (gpointer) &reference_guidance, 30), "the first model back, guidance 7.5 again");
  g_autofree char *back_negative = text_of (child ("negative_view"));
  check (g_strcmp0 (back_negative, ae_prompt_default_negative) == 0, "with the reference's negative prompt");

  /* A legal reviewer sees the takes, not the render controls. */
  studio_session_set_member (session, "lena", &error);
  g_assert_no_error (error);
  drain ();
  check (!gtk_widget_get_visible (child ("prompt_panel")) && !gtk_widget_get_visible (child ("queue_box")),
         "a legal member gets no prompt panel and no queue");
  check (!gtk_widget_is_sensitive (child ("make_button")), "nor the make action");
  check (g_list_model_get_n_items (grid_model ("drafts_grid")) == 5, "but sees the five drafts");
  g_autoptr (StudioRenderQueue) refused = studio_render_queue_new (lib, model, "lena");
  StudioRecipe recipe = { .prompt = (char *) prompt, .seed = 1, .steps = 2, .width = 48, .height = 48, .frames = 16 };
  check (studio_render_queue_add (refused, "spot", STUDIO_TAKE_DRAFT, 0, 0, &recipe, &error) == NULL
             && g_error_matches (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_REFUSED),
         "the library refuses a legal member's render anyway");
  g_clear_error (&error);

  gtk_window_destroy (GTK_WINDOW (window));
  drain ();
  g_object_unref (session);
  studio_library_close (lib);
  remove_tree (dir);
  g_print ("%d passed, %d failed\n", passed, failed);
  return failed > 0 ? 1 : 0;
}
