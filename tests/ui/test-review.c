/* test-review.c: a legal reviewer reviews a take in the Review view, under
 * Xvfb, with the real widgets: steps frames (checking the pixels shown are
 * the frames asked for), compares with the draft, pins a note to a frame,
 * records "changes required" (Record stays insensitive until the note is
 * written), ticks the clearance checklist and approves; then the library
 * (reopened from its file) holds the decisions, the frame, the checklist
 * and the lock.  Also: the audit trail window, roles that may not review,
 * a missing media file, and a screenshot of the view. */
#include <glib/gstdio.h>

#include "studio-audit-window.h"
#include "studio-review-page.h"
#include "studio-window.h"
#include "ui-test-util.h"

#define FINAL_BLUE 128
#define DRAFT_BLUE 32

typedef struct
{
  StudioReviewPage *page;
  StudioPlayer *player;
  gint64 id;
  gint64 frame;
  GtkWidget *widget;
  StudioLibrary *lib;
} Ctx;

static gboolean
take_loaded (gpointer data)
{
  Ctx *c = data;
  const StudioTake *take = studio_review_page_get_take (c->page);
  return take != NULL && take->id == c->id;
}

static gboolean
frame_shown (gpointer data)
{
  Ctx *c = data;
  return studio_player_get_ready (c->player) && studio_player_get_shown_frame (c->player) == c->frame;
}

static gboolean
widget_sensitive (gpointer data)
{
  Ctx *c = data;
  return gtk_widget_is_sensitive (c->widget);
}

static gboolean
page_shows_locked (gpointer data)
{
  Ctx *c = data;
  const StudioTake *take = studio_review_page_get_take (c->page);
  return take != NULL && take->id == c->id && take->locked;
}

static gboolean
page_shows_reviews (gpointer data)
{
  Ctx *c = data;
  const StudioTake *take = studio_review_page_get_take (c->page);
  return take != NULL && take->id == c->id && take->reviews->len == (guint) c->frame;
}

static gboolean
list_has_rows (gpointer data)
{
  Ctx *c = data;
  guint n = 0;
  for (GtkWidget *row = gtk_widget_get_first_child (c->widget); row != NULL; row = gtk_widget_get_next_sibling (row))
    n++;
  return n == (guint) c->frame;
}

static gboolean
audit_loaded (gpointer data)
{
  Ctx *c = data;
  return studio_audit_window_get_n_rows (STUDIO_AUDIT_WINDOW (c->widget)) >= 0;
}

static gboolean
player_failed (gpointer data)
{
  Ctx *c = data;
  return studio_player_get_error (c->player) != NULL;
}

static void
step (Ctx *c, const char *action, gint64 expect, int blue, const char *what)
{
  ui_check (gtk_widget_activate_action (GTK_WIDGET (c->player), action, NULL), "%s: the action exists", action);
  c->frame = expect;
  ui_check (ui_wait_for (frame_shown, c, 10), "%s: frame %" G_GINT64_FORMAT " is shown", what, expect);
  ui_check (ui_texture_is_frame (studio_player_get_texture (c->player), (int) expect, blue),
            "%s: the pixels are frame %" G_GINT64_FORMAT "'s", what, expect);
}

static GtkListBoxRow *
row_for_take (GtkWidget *list, gint64 id)
{
  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      gint64 *row_id = g_object_get_data (G_OBJECT (row), "take-id");
      if (row_id != NULL && *row_id == id)
        return GTK_LIST_BOX_ROW (row);
    }
  return NULL;
}

int
main (int argc, char **argv)
{
  const char *out_dir = argc > 1 ? argv[1] : ".";
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *final_video = NULL, *draft_video = NULL;
  StudioLibrary *lib;
  gint64 draft_id, final_id, import_id;
  Ctx c = { 0 };

  setvbuf (stdout, NULL, _IOLBF, 0);
  gtk_init ();
  adw_init ();

  /* The library: a draft, the final refined from it, and imported footage. */
  lib = ui_make_library (&tmp, &error);
  g_assert_no_error (error);
  final_video = g_build_filename (tmp, "final.mp4", NULL);
  draft_video = g_build_filename (tmp, "draft.mp4", NULL);
  g_assert_true (ui_write_test_video (final_video, 16, 48, 48, 8, FINAL_BLUE, &error));
  g_assert_true (ui_write_test_video (draft_video, 16, 48, 48, 8, DRAFT_BLUE, &error));
  draft_id = ui_make_done_take (lib, STUDIO_TAKE_DRAFT, 0, "red car, draft", "a red vintage car", draft_video, &error);
  g_assert_no_error (error);
  final_id = ui_make_done_take (lib, STUDIO_TAKE_FINAL, draft_id, "red car, final", "a red vintage car", final_video,
                                &error);
  g_assert_no_error (error);
  import_id
      = studio_library_import (lib, "cleo", "Spring Ad", final_video, "harbour footage", "stock", "CC-BY", &error);
  g_assert_no_error (error);

  StudioSession *session = studio_session_new (lib, NULL);
  g_assert_true (studio_session_set_member (session, "lena", &error));
  StudioWindow *window = studio_window_new (NULL, session);
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  ui_check (g_strcmp0 (studio_window_get_view (window), "review") == 0, "a legal member lands in the Review view");

  c.page = STUDIO_REVIEW_PAGE (ui_find_widget (GTK_WIDGET (window), NULL, STUDIO_TYPE_REVIEW_PAGE));
  g_assert_nonnull (c.page);
  c.player = studio_review_page_get_player (c.page);
  c.lib = lib;

  /* The queue lists the three takes that need review. */
  c.widget = ui_find_widget (GTK_WIDGET (c.page), "take-list", G_TYPE_NONE);
  c.frame = 3;
  ui_check (ui_wait_for (list_has_rows, &c, 10), "the queue lists the 3 takes that need review");
  GtkListBoxRow *row = row_for_take (c.widget, final_id);
  ui_check (row != NULL && row_for_take (c.widget, draft_id) != NULL && row_for_take (c.widget, import_id) != NULL,
            "the queue's rows are the library's takes");
  gtk_list_box_select_row (GTK_LIST_BOX (c.widget), row);
  c.id = final_id;
  ui_check (ui_wait_for (take_loaded, &c, 10), "selecting the row loads the final");

  /* The player: frame-exact stepping. */
  c.frame = 0;
  ui_check (ui_wait_for (frame_shown, &c, 10), "the player shows frame 0");
  ui_check (studio_player_get_n_frames (c.player) == 16, "the player counts 16 frames (%" G_GINT64_FORMAT ")",
            studio_player_get_n_frames (c.player));
  ui_check (ui_texture_is_frame (studio_player_get_texture (c.player), 0, FINAL_BLUE), "frame 0's pixels are shown");
  step (&c, "player.next-frame", 1, FINAL_BLUE, "Right");
  step (&c, "player.next-frame", 2, FINAL_BLUE, "Right");
  step (&c, "player.next-frame", 3, FINAL_BLUE, "Right");
  step (&c, "player.last-frame", 15, FINAL_BLUE, "End");
  step (&c, "player.previous-frame", 14, FINAL_BLUE, "Left");
  step (&c, "player.first-frame", 0, FINAL_BLUE, "Home");
  studio_player_set_frame (c.player, 5);
  c.frame = 5;
  ui_check (ui_wait_for (frame_shown, &c, 10)
                && ui_texture_is_frame (studio_player_get_texture (c.player), 5, FINAL_BLUE),
            "seeking to frame 5 shows frame 5");
  step (&c, "player.previous-frame", 4, FINAL_BLUE, "Left");
  step (&c, "player.previous-frame", 3, FINAL_BLUE, "Left");
  {
    g_autofree char *tc = studio_player_format_timecode (3, 8);
    g_autofree char *tc2 = studio_player_format_timecode (17, 8);
    ui_check (g_str_equal (tc, "00:00:00:03") && g_str_equal (tc2, "00:00:02:01"), "timecodes at 8 fps: %s, %s", tc,
              tc2);
  }
  studio_player_set_speed (c.player, 0.3);
  ui_check (studio_player_get_speed (c.player) == 0.25, "speed snaps to 0.25x");
  studio_player_set_speed (c.player, 1);
  ui_check (gtk_widget_activate_action (GTK_WIDGET (c.player), "player.toggle-loop", NULL)
                && studio_player_get_loop (c.player),
            "L turns loop on");

  /* Compare with the draft: the draft's player follows the final's frame. */
  ui_check (gtk_widget_activate_action (GTK_WIDGET (c.page), "review.compare", NULL), "compare with draft");
  {
    Ctx d = c;
    d.player = studio_review_page_get_draft_player (c.page);
    d.frame = 3;
    ui_check (ui_wait_for (frame_shown, &d, 10)
                  && ui_texture_is_frame (studio_player_get_texture (d.player), 3, DRAFT_BLUE),
              "the draft shows its own frame 3 beside the final");
    step (&c, "player.next-frame", 4, FINAL_BLUE, "Right with compare");
    d.frame = 4;
    ui_check (ui_wait_for (frame_shown, &d, 10)
                  && ui_texture_is_frame (studio_player_get_texture (d.player), 4, DRAFT_BLUE),
              "the draft follows to frame 4");
    step (&c, "player.previous-frame", 3, FINAL_BLUE, "Left with compare");
  }

  /* A note pinned to frame 3 with "changes required". */
  GtkWidget *record = ui_find_widget (GTK_WIDGET (c.page), "record-button", G_TYPE_NONE);
  GtkWidget *note = ui_find_widget (GTK_WIDGET (c.page), "note-entry", G_TYPE_NONE);
  GtkWidget *pin = ui_find_widget (GTK_WIDGET (c.page), "pin-check", G_TYPE_NONE);
  g_assert_nonnull (record);
  g_assert_nonnull (note);
  g_assert_nonnull (pin);
  ui_check (!gtk_widget_is_sensitive (record), "Record is insensitive before a decision");
  ui_check (gtk_widget_activate_action (GTK_WIDGET (c.player), "player.add-note", NULL), "N: a note at this frame");
  ui_check (gtk_check_button_get_active (GTK_CHECK_BUTTON (pin)), "the note is pinned");
  ui_check (g_str_equal (gtk_check_button_get_label (GTK_CHECK_BUTTON (pin)), "Pin to frame 4"),
            "the pin names the frame (shown 1-based): %s", gtk_check_button_get_label (GTK_CHECK_BUTTON (pin)));
  ui_click (ui_find_widget (GTK_WIDGET (c.page), "decision-changes-required", G_TYPE_NONE));
  ui_spin (0.05);
  ui_check (!gtk_widget_is_sensitive (record), "changes required without a note: Record stays insensitive");
  ui_click (ui_find_widget (GTK_WIDGET (c.page), "decision-rejected", G_TYPE_NONE));
  ui_check (!gtk_widget_is_sensitive (record), "reject without a note: Record stays insensitive");
  ui_click (ui_find_widget (GTK_WIDGET (c.page), "decision-approved-with-changes", G_TYPE_NONE));
  ui_check (!gtk_widget_is_sensitive (record), "approve with changes without a note: Record stays insensitive");
  ui_click (ui_find_widget (GTK_WIDGET (c.page), "decision-changes-required", G_TYPE_NONE));
  {
    g_autofree char *decision = NULL;
    g_object_get (c.page, "decision", &decision, NULL);
    ui_check (g_strcmp0 (decision, "changes-required") == 0, "the toggle chose changes-required (%s)", decision);
  }
  gtk_editable_set_text (GTK_EDITABLE (note), "logo on the car must go");
  c.widget = record;
  ui_check (ui_wait_for (widget_sensitive, &c, 2), "with a note, Record is offered");
  ui_click (record);
  c.frame = 1; /* reviews expected */
  ui_check (ui_wait_for (page_shows_reviews, &c, 10), "the view shows the recorded decision");
  {
    g_autoptr (StudioTake) take = studio_library_get_take (lib, final_id, &error);
    g_assert_no_error (error);
    StudioReview *review = take->reviews->len == 1 ? take->reviews->pdata[0] : NULL;
    ui_check (review != NULL && review->decision == STUDIO_DECISION_CHANGES_REQUIRED
                  && g_str_equal (review->member, "lena") && g_str_equal (review->note, "logo on the car must go"),
              "the library holds lena's changes-required with its note");
    ui_check (review != NULL && review->frame == 3, "the note is pinned to frame 3 (%" G_GINT64_FORMAT ")",
              review != NULL ? review->frame : -2);
    ui_check (take->review_status == STUDIO_STATUS_CHANGES_REQUIRED && !take->locked,
              "the take is changes-required and not locked");
  }
  ui_check (g_str_equal (gtk_editable_get_text (GTK_EDITABLE (note)), "")
                && !gtk_check_button_get_active (GTK_CHECK_BUTTON (pin)) && !gtk_widget_is_sensitive (record),
            "after Record the form is cleared");

  /* Tick the checklist and approve: no note needed. */
  static const char *const items[] = { "clear-likeness", "clear-trademarks", "clear-licences", "clear-disclosure" };
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      GtkWidget *check = ui_find_widget (GTK_WIDGET (c.page), items[i], G_TYPE_NONE);
      g_assert_nonnull (check);
      gtk_widget_activate (check);
      ui_check (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)), "%s is ticked", items[i]);
    }
  ui_check (gtk_widget_is_sensitive (record), "ticked items alone can be recorded");
  ui_click (ui_find_widget (GTK_WIDGET (c.page), "decision-approved", G_TYPE_NONE));
  ui_check (g_str_equal (gtk_editable_get_text (GTK_EDITABLE (note)), "") && gtk_widget_is_sensitive (record),
            "approve needs no note: Record is offered");
  ui_click (record);
  c.id = final_id;
  ui_check (ui_wait_for (page_shows_locked, &c, 10), "the view shows the take locked");
  ui_check (gtk_widget_get_visible (ui_find_widget (GTK_WIDGET (c.page), "lock-icon", G_TYPE_NONE)),
            "the lock icon is shown");
  ui_check (!gtk_widget_is_visible (record), "a locked take offers no Record");

  /* The library, read back from its file. */
  {
    g_autoptr (StudioLibrary) reopened = studio_library_open (studio_library_get_dir (lib), 0, &error);
    g_assert_no_error (error);
    g_autoptr (StudioTake) take = studio_library_get_take (reopened, final_id, &error);
    g_assert_no_error (error);
    gboolean cleared = TRUE;
    ui_check (take->review_status == STUDIO_STATUS_APPROVED, "the take is approved (%s)",
              studio_review_status_to_string (take->review_status));
    ui_check (take->locked, "the take is locked");
    ui_check (take->reviews->len == 2
                  && ((StudioReview *) take->reviews->pdata[1])->decision == STUDIO_DECISION_APPROVED
                  && ((StudioReview *) take->reviews->pdata[1])->frame == -1,
              "two decisions: the approval is not pinned to a frame");
    for (int i = 0; i < STUDIO_CLEARANCE_COUNT; i++)
      cleared = cleared && g_strcmp0 (take->checklist[i].member, "lena") == 0 && take->checklist[i].cleared_at > 0;
    ui_check (cleared, "every checklist item was cleared by lena");
    ui_check (studio_library_verify_audit (reopened, NULL, NULL, &error), "the audit chain is intact");
    g_clear_error (&error);
  }

  /* History: the take's audit rows in a window. */
  ui_check (gtk_widget_activate_action (GTK_WIDGET (c.page), "review.history", NULL), "History opens");
  c.widget = GTK_WIDGET (ui_find_window (STUDIO_TYPE_AUDIT_WINDOW));
  ui_check (c.widget != NULL, "the audit window is shown");
  if (c.widget != NULL)
    {
      g_autoptr (GPtrArray) rows = studio_library_list_audit (lib, 0, 0, &error);
      int expected = 0;
      for (guint i = 0; rows != NULL && i < rows->len; i++)
        expected += ((StudioAuditRow *) rows->pdata[i])->take_id == final_id;
      ui_check (ui_wait_for (audit_loaded, &c, 10), "the audit rows load");
      ui_check (studio_audit_window_get_n_rows (STUDIO_AUDIT_WINDOW (c.widget)) == expected && expected >= 8,
                "the window shows the take's %d audit rows (%d)", expected,
                studio_audit_window_get_n_rows (STUDIO_AUDIT_WINDOW (c.widget)));
      gtk_test_widget_wait_for_draw (c.widget);
      ui_save_screenshot (c.widget, out_dir, "review-history.png");
      gtk_window_destroy (GTK_WINDOW (c.widget));
    }

  /* The queue no longer lists the approved take. */
  c.widget = ui_find_widget (GTK_WIDGET (c.page), "take-list", G_TYPE_NONE);
  c.frame = 2;
  ui_check (ui_wait_for (list_has_rows, &c, 10) && row_for_take (c.widget, final_id) == NULL,
            "the queue drops the approved take");

  ui_spin (0.2);
  ui_save_screenshot (GTK_WIDGET (window), out_dir, "review-view.png");

  /* A role that may not review is not offered the decision. */
  g_assert_true (studio_session_set_member (session, "max", &error));
  studio_review_page_select_take (c.page, draft_id);
  c.id = draft_id;
  ui_check (ui_wait_for (take_loaded, &c, 10), "a manager can look at a take");
  ui_check (!gtk_widget_is_visible (ui_find_widget (GTK_WIDGET (c.page), "decision-approved", G_TYPE_NONE))
                && !gtk_widget_is_visible (record),
            "a manager is offered no decision and no Record");
  ui_check (!gtk_widget_is_sensitive (ui_find_widget (GTK_WIDGET (c.page), "clear-likeness", G_TYPE_NONE)),
            "nor the checklist");
  gtk_widget_activate_action (GTK_WIDGET (c.page), "review.record", NULL);
  ui_spin (0.2);
  {
    g_autoptr (StudioTake) draft = studio_library_get_take (lib, draft_id, &error);
    g_assert_no_error (error);
    ui_check (draft->reviews->len == 0, "activating Record anyway records nothing");
  }

  /* A missing media file is shown, with what to do; nothing crashes. */
  {
    g_autoptr (StudioTake) imported = studio_library_get_take (lib, import_id, &error);
    g_autoptr (StudioTake) final = studio_library_get_take (lib, final_id, &error);
    g_assert_no_error (error);
    /* The import has the final's bytes, so it shares its file: open a
     * path that does not exist instead of deleting it. */
    g_autofree char *missing = g_build_filename (tmp, "gone.mp4", NULL);
    ui_check (g_str_equal (imported->video, final->video), "an import of the same bytes shares the media file");
    studio_player_open (c.player, missing);
    ui_check (ui_wait_for (player_failed, &c, 10), "a missing video is reported in the player");
    ui_check (strstr (studio_player_get_error (c.player), "backup") != NULL, "with what to do: %s",
              studio_player_get_error (c.player));
    g_autofree char *garbage = g_build_filename (tmp, "garbage.mp4", NULL);
    g_file_set_contents (garbage, "not a video at all", -1, NULL);
    studio_player_open (c.player, garbage);
    ui_check (ui_wait_for (player_failed, &c, 10), "a damaged video is reported in the player");
  }

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (session);
  ui_spin (0.1);
  studio_library_close (lib);
  return ui_check_summary ();
}
