/* test-browse.c: a manager in the Browse view, under Xvfb, with the real
 * widgets: the grid's items against the library, the Approved filter, full-
 * text search, sorting by rating; rating, shortlisting and tagging a take
 * (checked in the library); exporting an approved take to a temporary file
 * (the MP4 exists, decodes, carries provenance, and the export is in the
 * audit log); comparing two takes with synced players; what a legal member
 * is not offered; and a screenshot of the view. */
#include <glib/gstdio.h>

#include "studio-browse-page.h"
#include "studio-compare.h"
#include "studio-decoder.h"
#include "studio-export-dialog.h"
#include "studio-provenance.h"
#include "studio-take-card.h"
#include "studio-take-item.h"
#include "studio-window.h"
#include "ui-test-util.h"

typedef struct
{
  StudioBrowsePage *page;
  StudioLibrary *lib;
  gint64 loads;
  gint64 id;
  StudioPlayer *player;
  gint64 frame;
  GObject *object;
  gboolean done;
  gboolean ok;
} Ctx;

static gboolean
reloaded (gpointer data)
{
  Ctx *c = data;
  gboolean loading = TRUE;
  g_object_get (c->page, "loading", &loading, NULL);
  return studio_browse_page_get_n_loads (c->page) > c->loads && !loading;
}

/* Waits for the reload that follows a change (library-changed, search). */
static gboolean
wait_reload (Ctx *c)
{
  gboolean ok = ui_wait_for (reloaded, c, 10);
  c->loads = studio_browse_page_get_n_loads (c->page);
  return ok;
}

/* The ids in the grid, in its order. */
static GArray *
grid_ids (Ctx *c)
{
  GListModel *model = G_LIST_MODEL (studio_browse_page_get_model (c->page));
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (StudioTakeItem) item = g_list_model_get_item (model, i);
      gint64 id = studio_take_item_get_id (item);
      g_array_append_val (ids, id);
    }
  return ids;
}

static gboolean
same_ids (GArray *grid, GPtrArray *takes)
{
  if (grid->len != takes->len)
    return FALSE;
  for (guint i = 0; i < takes->len; i++)
    {
      gboolean found = FALSE;
      for (guint j = 0; j < grid->len; j++)
        found = found || g_array_index (grid, gint64, j) == ((StudioTake *) takes->pdata[i])->id;
      if (!found)
        return FALSE;
    }
  return TRUE;
}

static GPtrArray *
library_takes (StudioLibrary *lib, const char *search, gboolean approved_only)
{
  StudioTakeQuery query = { .project = "Spring Ad", .search = search };
  g_autoptr (GError) error = NULL;
  GPtrArray *takes = studio_library_list_takes (lib, &query, &error);
  g_assert_no_error (error);
  for (guint i = takes->len; approved_only && i-- > 0;)
    {
      StudioReviewStatus s = ((StudioTake *) takes->pdata[i])->review_status;
      if (s != STUDIO_STATUS_APPROVED && s != STUDIO_STATUS_APPROVED_WITH_CHANGES)
        g_ptr_array_remove_index (takes, i);
    }
  return takes;
}

static void
select_only (Ctx *c, gint64 a, gint64 b)
{
  GtkSelectionModel *model = studio_browse_page_get_model (c->page);
  gtk_selection_model_unselect_all (model);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr (StudioTakeItem) item = g_list_model_get_item (G_LIST_MODEL (model), i);
      gint64 id = studio_take_item_get_id (item);
      if (id == a || id == b)
        gtk_selection_model_select_item (model, i, FALSE);
    }
}

static gboolean
library_rated (gpointer data)
{
  Ctx *c = data;
  g_autoptr (StudioTake) take = studio_library_get_take (c->lib, c->id, NULL);
  return take != NULL && take->n_ratings == 1;
}

static gboolean
export_finished (gpointer data)
{
  Ctx *c = data;
  return c->done;
}

static void
on_finished (StudioExportDialog *dialog, gboolean ok, const char *path, Ctx *c)
{
  c->done = TRUE;
  c->ok = ok;
}

static gboolean
frame_shown (gpointer data)
{
  Ctx *c = data;
  return studio_player_get_ready (c->player) && studio_player_get_shown_frame (c->player) == c->frame;
}

static gboolean
posters_loaded (gpointer data)
{
  Ctx *c = data;
  GtkWidget *grid = ui_find_widget (GTK_WIDGET (c->page), NULL, GTK_TYPE_GRID_VIEW);
  guint n = 0, with_poster = 0;
  for (GtkWidget *child = gtk_widget_get_first_child (grid); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *card = ui_find_widget (child, NULL, STUDIO_TYPE_TAKE_CARD);
      if (card == NULL || !gtk_widget_is_visible (child) || studio_take_card_get_take_id (STUDIO_TAKE_CARD (card)) == 0)
        continue;
      n++;
      with_poster += studio_take_card_get_poster (STUDIO_TAKE_CARD (card)) != NULL;
    }
  return n > 0 && n == with_poster;
}

int
main (int argc, char **argv)
{
  const char *out_dir = argc > 1 ? argv[1] : ".";
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *video_a = NULL, *video_b = NULL, *video_c = NULL, *out_path = NULL;
  gint64 harbour, car, lights;
  Ctx c = { 0 };

  setvbuf (stdout, NULL, _IOLBF, 0);
  gtk_init ();
  adw_init ();

  /* An approved import, one that needs review, and a draft sent back. */
  c.lib = ui_make_library (&tmp, &error);
  g_assert_no_error (error);
  video_a = g_build_filename (tmp, "a.mp4", NULL);
  video_b = g_build_filename (tmp, "b.mp4", NULL);
  video_c = g_build_filename (tmp, "c.mp4", NULL);
  g_assert_true (ui_write_test_video (video_a, 16, 48, 48, 8, 200, &error));
  g_assert_true (ui_write_test_video (video_b, 16, 48, 48, 8, 100, &error));
  g_assert_true (ui_write_test_video (video_c, 16, 48, 48, 8, 20, &error));
  harbour = studio_library_import (c.lib, "cleo", "Spring Ad", video_a, "harbour at dawn", "stock", "CC-BY", &error);
  g_assert_no_error (error);
  car = studio_library_import (c.lib, "cleo", "Spring Ad", video_b, "red car in the rain", "stock", "CC-BY", &error);
  g_assert_no_error (error);
  lights = ui_make_done_take (c.lib, STUDIO_TAKE_DRAFT, 0, "city lights", "city lights at night", video_c, &error);
  g_assert_no_error (error);
  g_assert_true (studio_library_review (c.lib, harbour, "lena", STUDIO_DECISION_APPROVED, "", -1, &error));
  g_assert_true (
      studio_library_review (c.lib, lights, "lena", STUDIO_DECISION_CHANGES_REQUIRED, "too dark", 2, &error));

  StudioSession *session = studio_session_new (c.lib, NULL);
  g_assert_true (studio_session_set_member (session, "max", &error));
  StudioWindow *window = studio_window_new (NULL, session);
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  ui_check (g_strcmp0 (studio_window_get_view (window), "browse") == 0, "a manager lands in the Browse view");
  c.page = STUDIO_BROWSE_PAGE (ui_find_widget (GTK_WIDGET (window), NULL, STUDIO_TYPE_BROWSE_PAGE));
  g_assert_nonnull (c.page);

  /* The window picks the newest project; wait for the grid to settle. */
  ui_check (wait_reload (&c), "the grid loads");
  ui_spin (0.3);
  c.loads = studio_browse_page_get_n_loads (c.page);
  {
    g_autoptr (GArray) ids = grid_ids (&c);
    g_autoptr (GPtrArray) all = library_takes (c.lib, NULL, FALSE);
    ui_check (ids->len == 3 && same_ids (ids, all), "the grid holds the library's 3 takes (%u)", ids->len);
    ui_check (g_array_index (ids, gint64, 0) == lights, "newest first");
  }
  ui_check (ui_wait_for (posters_loaded, &c, 15), "every card shows its poster");

  /* Filter: approved only. */
  ui_click (ui_find_widget (GTK_WIDGET (c.page), "filter-approved", G_TYPE_NONE));
  {
    g_autoptr (GArray) ids = grid_ids (&c);
    g_autoptr (GPtrArray) approved = library_takes (c.lib, NULL, TRUE);
    ui_check (approved->len == 1 && same_ids (ids, approved), "Approved shows the library's approved takes (%u)",
              ids->len);
  }

  /* Search (full text, in the library), with and without the filter. */
  GtkWidget *search = ui_find_widget (GTK_WIDGET (c.page), "search-entry", G_TYPE_NONE);
  gtk_editable_set_text (GTK_EDITABLE (search), "car");
  ui_check (wait_reload (&c), "searching reloads");
  {
    g_autoptr (GArray) ids = grid_ids (&c);
    ui_check (ids->len == 0, "approved and \"car\": nothing (%u)", ids->len);
  }
  ui_click (ui_find_widget (GTK_WIDGET (c.page), "filter-all", G_TYPE_NONE));
  {
    g_autoptr (GArray) ids = grid_ids (&c);
    g_autoptr (GPtrArray) found = library_takes (c.lib, "car", FALSE);
    ui_check (found->len == 1 && same_ids (ids, found) && g_array_index (ids, gint64, 0) == car,
              "\"car\" finds the library's match (%u)", ids->len);
  }
  gtk_editable_set_text (GTK_EDITABLE (search), "");
  ui_check (wait_reload (&c), "clearing the search reloads");

  /* Rate, shortlist and tag the approved take. */
  select_only (&c, harbour, 0);
  ui_check (gtk_widget_activate_action (GTK_WIDGET (c.page), "browse.rate", "i", 4), "rate 4 stars");
  c.id = harbour;
  ui_check (ui_wait_for (library_rated, &c, 10), "the rating reaches the library");
  ui_check (wait_reload (&c), "the grid reloads after the write");
  ui_check (gtk_widget_activate_action (GTK_WIDGET (c.page), "browse.shortlist", NULL), "shortlist");
  ui_check (wait_reload (&c), "the grid reloads after shortlisting");
  /* Two words: the library refuses (shown as a toast), nothing is written. */
  ui_check (gtk_widget_activate_action (GTK_WIDGET (c.page), "browse.tag", "s", "hero shot"), "tag \"hero shot\"");
  ui_check (wait_reload (&c), "the grid reloads after the refused tag");
  {
    g_autoptr (StudioTake) take = studio_library_get_take (c.lib, harbour, &error);
    g_assert_no_error (error);
    ui_check (take->tags->len == 0, "a tag with a space is refused by the library");
  }
  ui_check (gtk_widget_activate_action (GTK_WIDGET (c.page), "browse.tag", "s", "Hero"), "tag \"Hero\"");
  ui_check (wait_reload (&c), "the grid reloads after tagging");
  {
    g_autoptr (StudioTake) take = studio_library_get_take (c.lib, harbour, &error);
    g_assert_no_error (error);
    ui_check (take->rating == 4 && take->n_ratings == 1, "the library: rated 4 by one member (%.1f, %d)", take->rating,
              take->n_ratings);
    ui_check (take->shortlisted, "the library: shortlisted");
    ui_check (take->tags->len == 1 && g_str_equal (take->tags->pdata[0], "hero"), "the library: tagged \"hero\"");
  }
  ui_click (ui_find_widget (GTK_WIDGET (c.page), "filter-shortlist", G_TYPE_NONE));
  {
    g_autoptr (GArray) ids = grid_ids (&c);
    ui_check (ids->len == 1 && g_array_index (ids, gint64, 0) == harbour, "Shortlist shows the shortlisted take");
  }
  ui_click (ui_find_widget (GTK_WIDGET (c.page), "filter-all", G_TYPE_NONE));
  g_object_set (c.page, "sort", "rating", NULL);
  {
    g_autoptr (GArray) ids = grid_ids (&c);
    ui_check (ids->len == 3 && g_array_index (ids, gint64, 0) == harbour, "sorted by rating, the rated take leads");
  }

  /* Export: not offered for a take that needs review; the approved one is. */
  GtkWidget *export_button = ui_find_widget (GTK_WIDGET (c.page), "export-button", G_TYPE_NONE);
  select_only (&c, car, 0);
  ui_check (!gtk_widget_is_sensitive (export_button), "a take that needs review cannot be exported");
  select_only (&c, harbour, 0);
  ui_check (gtk_widget_is_sensitive (export_button), "the approved take can be exported");
  ui_click (export_button);
  StudioExportDialog *dialog = STUDIO_EXPORT_DIALOG (ui_find_window (STUDIO_TYPE_EXPORT_DIALOG));
  ui_check (dialog != NULL, "the export dialog opens");
  out_path = g_build_filename (tmp, "delivery", "harbour.mp4", NULL);
  {
    g_autofree char *folder = g_path_get_dirname (out_path);
    g_mkdir_with_parents (folder, 0700);
  }
  if (dialog != NULL)
    {
      g_signal_connect (dialog, "finished", G_CALLBACK (on_finished), &c);
      studio_export_dialog_set_destination (dialog, out_path);
      ui_check (gtk_widget_activate_action (GTK_WIDGET (dialog), "export.start", NULL), "Export");
      ui_check (ui_wait_for (export_finished, &c, 30) && c.ok, "the export finishes (%s)",
                studio_export_dialog_get_error (dialog) != NULL ? studio_export_dialog_get_error (dialog) : "ok");
    }
  ui_check (g_file_test (out_path, G_FILE_TEST_IS_REGULAR), "the MP4 exists");
  {
    g_autoptr (StudioDecoder) decoder = studio_decoder_open (out_path, &error);
    ui_check (decoder != NULL && studio_decoder_get_info (decoder)->frame_count == 16,
              "it decodes: 16 frames of H.264");
    g_clear_error (&error);
    g_autoptr (StudioProvenance) prov = studio_provenance_read (out_path, NULL, &error);
    g_autofree char *take_id = g_strdup_printf ("%" G_GINT64_FORMAT, harbour);
    ui_check (prov != NULL, "it carries provenance (%s)", error != NULL ? error->message : "ok");
    g_clear_error (&error);
    ui_check (prov != NULL && g_strcmp0 (prov->take_id, take_id) == 0
                  && g_strcmp0 (prov->review_status, "approved") == 0 && prov->label_ai && !prov->label_draft
                  && g_strcmp0 (prov->export_format, "mp4") == 0,
              "the provenance names the take, its approval, the format and the AI label");
    ui_check (prov != NULL && prov->approvals->len == 1
                  && g_strcmp0 (((StudioApproval *) prov->approvals->pdata[0])->name, "lena") == 0
                  && g_strcmp0 (((StudioApproval *) prov->approvals->pdata[0])->role, "legal") == 0,
              "and who approved it");
    g_autoptr (GPtrArray) rows = studio_library_list_audit (c.lib, 0, 0, &error);
    gboolean logged = FALSE;
    for (guint i = 0; rows != NULL && i < rows->len; i++)
      {
        StudioAuditRow *row = rows->pdata[i];
        logged = logged
                 || (g_str_equal (row->action, "exported") && row->take_id == harbour && g_str_equal (row->actor, "max")
                     && strstr (row->details, "harbour.mp4") != NULL);
      }
    ui_check (logged, "the export is in the audit log, by max, with its path");
  }
  ui_spin (0.2);

  /* Compare two takes: the right player follows the left. */
  select_only (&c, harbour, car);
  ui_check (gtk_widget_activate_action (GTK_WIDGET (c.page), "browse.compare", NULL), "Compare");
  {
    GtkWindow *compare_window = NULL;
    GListModel *windows = gtk_window_get_toplevels ();
    for (guint i = 0; i < g_list_model_get_n_items (windows); i++)
      {
        g_autoptr (GtkWindow) w = g_list_model_get_item (windows, i);
        if (g_strcmp0 (gtk_window_get_title (w), "Compare Takes") == 0)
          compare_window = w;
      }
    GtkWidget *compare
        = compare_window != NULL ? ui_find_widget (GTK_WIDGET (compare_window), NULL, STUDIO_TYPE_COMPARE) : NULL;
    ui_check (compare != NULL, "the compare window opens");
    if (compare != NULL)
      {
        Ctx left = c, right = c;
        left.player = studio_compare_get_player (STUDIO_COMPARE (compare), 0);
        right.player = studio_compare_get_player (STUDIO_COMPARE (compare), 1);
        left.frame = right.frame = 0;
        ui_check (ui_wait_for (frame_shown, &left, 10) && ui_wait_for (frame_shown, &right, 10),
                  "both players show frame 0");
        gtk_widget_activate_action (GTK_WIDGET (left.player), "player.next-frame", NULL);
        gtk_widget_activate_action (GTK_WIDGET (left.player), "player.next-frame", NULL);
        right.frame = 2;
        ui_check (ui_wait_for (frame_shown, &right, 10)
                      && ui_texture_is_frame (studio_player_get_texture (right.player), 2, 100),
                  "stepping the left player steps the right one (frame 2, its own pixels)");
        gtk_test_widget_wait_for_draw (GTK_WIDGET (compare_window));
        ui_save_screenshot (GTK_WIDGET (compare_window), out_dir, "browse-compare.png");
        gtk_window_destroy (compare_window);
      }
  }

  ui_click (ui_find_widget (GTK_WIDGET (c.page), "filter-all", G_TYPE_NONE));
  gtk_selection_model_unselect_all (studio_browse_page_get_model (c.page));
  select_only (&c, harbour, 0);
  ui_wait_for (posters_loaded, &c, 10);
  ui_spin (0.2);
  ui_save_screenshot (GTK_WIDGET (window), out_dir, "browse-view.png");

  /* A legal member is not offered rating, shortlisting, tagging or export. */
  g_assert_true (studio_session_set_member (session, "lena", &error));
  ui_spin (0.1);
  ui_check (!gtk_widget_is_visible (ui_find_widget (GTK_WIDGET (c.page), "rate-4", G_TYPE_NONE))
                && !gtk_widget_is_visible (ui_find_widget (GTK_WIDGET (c.page), "shortlist-button", G_TYPE_NONE))
                && !gtk_widget_is_visible (export_button),
            "a legal member is offered no rating, shortlist or export");

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (session);
  ui_spin (0.1);
  studio_library_close (c.lib);
  return ui_check_summary ();
}
