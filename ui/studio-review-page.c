/* studio-review-page.c: the Review view, for legal reviewers.  On the left
 * the takes that need review across projects; in the centre the player
 * (and the draft side by side when asked for); on the right the decision,
 * its note (pinned to a frame or not), the clearance checklist and Record.
 * Approved takes show a lock and who decided what, when.
 *
 * Keyboard shortcuts (when the view has the focus):
 *   Ctrl+1 .. Ctrl+4   choose approve / approve with changes / changes
 *                      required / reject
 *   Ctrl+Return        record the decision and ticked checklist items
 *   Ctrl+D             compare with the draft (on / off)
 *   Ctrl+H             open the take's audit trail (History)
 *   Ctrl+Shift+A       show decided takes too (on / off)
 *   Ctrl+R             reload the list of takes
 * and in the player: Left / Right step a frame, Space plays or pauses,
 * Home / End, L loops, N pins a note to the current frame.
 */
#define G_LOG_DOMAIN "studio-review-page"

#include "studio-review-page.h"

#include "studio-audit-window.h"
#include "studio-library-async.h"
#include "studio-player.h"
#include "studio-window.h"

struct _StudioReviewPage
{
  AdwBin parent_instance;

  /* template widgets */
  GtkLabel *queue_label;
  GtkToggleButton *all_toggle;
  GtkStack *queue_stack;
  GtkListBox *take_list;
  AdwStatusPage *queue_empty;
  GtkImage *lock_icon;
  GtkLabel *take_title;
  GtkLabel *status_label;
  GtkPaned *player_paned;
  StudioPlayer *player;
  GtkWidget *draft_box;
  GtkLabel *draft_label;
  StudioPlayer *draft_player;
  GtkToggleButton *compare_button;
  GtkButton *history_button;
  GtkListBox *notes_list;
  GtkWidget *decision_panel;
  GtkLabel *lock_label;
  GtkLabel *role_label;
  GtkWidget *decide_box;
  GtkEntry *note_entry;
  GtkCheckButton *pin_check;
  AdwPreferencesGroup *checklist_group;
  GtkWidget *record_box;
  GtkButton *record_button;
  GtkLabel *record_hint;
  AdwPreferencesGroup *decisions_group;

  /* owned */
  StudioSession *session;
  GCancellable *cancellable; /* cancelled on dispose */
  StudioTake *take;          /* the take shown, in full; NULL for none */
  GtkWidget *check_rows[STUDIO_CLEARANCE_COUNT];
  GtkCheckButton *checks[STUDIO_CLEARANCE_COUNT];
  GPtrArray *decision_rows; /* widgets added to decisions_group */
  char *decision;           /* "" for none, else a StudioDecision name */
  gboolean show_all;
  gboolean compare;
  gboolean busy; /* a Record is being written */
  gint64 selected_id;
  gint64 loaded_id;
  gint64 pin_frame;
  guint queue_generation;
  guint take_generation;
  gboolean updating;
  gboolean halved;
};

G_DEFINE_FINAL_TYPE (StudioReviewPage, studio_review_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_DECISION,
  PROP_SHOW_ALL,
  PROP_COMPARE,
  PROP_BUSY,
  PROP_LOADED_TAKE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void load_take (StudioReviewPage *self, gint64 take_id);
static void update_record (StudioReviewPage *self);

/* ---- helpers ---- */

static void
toast (StudioReviewPage *self, const char *text)
{
  studio_widget_toast (GTK_WIDGET (self), text);
}

/* A library error as a sentence that says what to do. */
static char *
describe_error (const GError *error)
{
  return studio_library_error_text (error, "Ask an admin for the legal role if you should review takes.");
}

static char *
format_time (gint64 usec)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr (GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;
  return local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M") : g_strdup ("?");
}

static const char *
describe_status (StudioReviewStatus status)
{
  switch (status)
    {
    case STUDIO_STATUS_REJECTED:
      return "Rejected";
    case STUDIO_STATUS_CHANGES_REQUIRED:
      return "Changes required";
    case STUDIO_STATUS_APPROVED_WITH_CHANGES:
      return "Approved with changes";
    case STUDIO_STATUS_APPROVED:
      return "Approved";
    case STUDIO_STATUS_NEEDS_REVIEW:
    default:
      return "Needs review";
    }
}

static const char *
describe_decision (StudioDecision decision)
{
  return describe_status ((StudioReviewStatus) decision);
}

static void
set_status_class (GtkWidget *label, StudioReviewStatus status)
{
  gtk_widget_remove_css_class (label, "success");
  gtk_widget_remove_css_class (label, "warning");
  gtk_widget_remove_css_class (label, "error");
  if (status == STUDIO_STATUS_APPROVED || status == STUDIO_STATUS_APPROVED_WITH_CHANGES)
    gtk_widget_add_css_class (label, "success");
  else if (status == STUDIO_STATUS_REJECTED)
    gtk_widget_add_css_class (label, "error");
  else if (status == STUDIO_STATUS_CHANGES_REQUIRED)
    gtk_widget_add_css_class (label, "warning");
}

/* ---- the queue ---- */

static void
remove_all_rows (GtkListBox *list)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static GtkWidget *
make_queue_row (StudioTake *take)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (take->title);
  g_autofree char *details = g_strdup_printf ("%s · %s · %s", take->project, studio_take_kind_to_string (take->kind),
                                              describe_status (take->review_status));
  GtkWidget *subtitle = gtk_label_new (details);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_set_tooltip_text (row, take->title);
  {
    g_autofree char *name = g_strdup_printf ("%s, %s", take->title, details);
    gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  }
  g_object_set_data_full (G_OBJECT (row), "take-id", g_memdup2 (&take->id, sizeof take->id), g_free);
  return row;
}

static gint64
row_take_id (GtkListBoxRow *row)
{
  gint64 *id = g_object_get_data (G_OBJECT (row), "take-id");
  return id != NULL ? *id : 0;
}

typedef struct
{
  StudioReviewPage *self;
  guint generation;
} PageCall;

static PageCall *
page_call_new (StudioReviewPage *self, guint generation)
{
  PageCall *call = g_new (PageCall, 1);
  call->self = g_object_ref (self);
  call->generation = generation;
  return call;
}

static void
page_call_free (PageCall *call)
{
  g_object_unref (call->self);
  g_free (call);
}

static void
on_queue_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PageCall *call = user_data;
  StudioReviewPage *self = call->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) takes = studio_library_list_takes_finish (result, &error);
  g_autofree char *heading = NULL;
  guint n_waiting = 0;
  GtkListBoxRow *reselect = NULL;

  if (call->generation != self->queue_generation || g_cancellable_is_cancelled (self->cancellable))
    {
      page_call_free (call);
      return;
    }
  if (takes == NULL)
    {
      g_autofree char *text = describe_error (error);
      toast (self, text);
      page_call_free (call);
      return;
    }
  self->updating = TRUE;
  remove_all_rows (self->take_list);
  for (guint i = 0; i < takes->len; i++)
    {
      StudioTake *take = takes->pdata[i];
      GtkWidget *row;
      /* Only finished takes can be reviewed. */
      if (take->render_status != STUDIO_RENDER_DONE)
        continue;
      if (take->review_status == STUDIO_STATUS_NEEDS_REVIEW)
        n_waiting++;
      row = make_queue_row (take);
      gtk_list_box_append (self->take_list, row);
      if (take->id == self->selected_id)
        reselect = GTK_LIST_BOX_ROW (row);
    }
  if (reselect != NULL)
    gtk_list_box_select_row (self->take_list, reselect);
  self->updating = FALSE;
  heading = self->show_all ? g_strdup_printf ("All takes (%u to review)", n_waiting)
                           : g_strdup_printf ("Needs review (%u)", n_waiting);
  gtk_label_set_label (self->queue_label, heading);
  gtk_stack_set_visible_child_name (
      self->queue_stack, gtk_widget_get_first_child (GTK_WIDGET (self->take_list)) != NULL ? "list" : "empty");
  page_call_free (call);
}

static void
reload_queue (StudioReviewPage *self)
{
  StudioTakeQuery query = { 0 };
  if (self->session == NULL)
    return;
  query.filter_status = !self->show_all;
  query.status = STUDIO_STATUS_NEEDS_REVIEW;
  studio_library_list_takes_async (studio_session_get_library (self->session), &query, self->cancellable,
                                   on_queue_listed, page_call_new (self, ++self->queue_generation));
}

static void
on_row_selected (StudioReviewPage *self, GtkListBoxRow *row)
{
  if (self->updating || row == NULL)
    return;
  if (row_take_id (row) != self->selected_id)
    studio_review_page_select_take (self, row_take_id (row));
}

/* ---- the take ---- */

static void
clear_group (AdwPreferencesGroup *group, GPtrArray *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, rows->pdata[i]);
  g_ptr_array_set_size (rows, 0);
}

static void
update_pin_label (StudioReviewPage *self)
{
  g_autofree char *label
      = g_strdup_printf ("Pin to frame %" G_GINT64_FORMAT, studio_player_get_frame (self->player) + 1);
  gtk_check_button_set_label (self->pin_check, label);
}

static void
on_note_clicked (GtkButton *button, StudioReviewPage *self)
{
  gint64 *frame = g_object_get_data (G_OBJECT (button), "frame");
  studio_player_set_frame (self->player, *frame);
  gtk_widget_grab_focus (GTK_WIDGET (self->player));
}

static void
show_notes (StudioReviewPage *self)
{
  g_autoptr (GArray) markers = g_array_new (FALSE, FALSE, sizeof (gint64));
  remove_all_rows (self->notes_list);
  for (guint i = 0; self->take != NULL && i < self->take->reviews->len; i++)
    {
      StudioReview *review = self->take->reviews->pdata[i];
      g_autofree char *when = NULL;
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *row, *go;

      if (review->frame < 0 || review->note[0] == '\0')
        continue;
      g_array_append_val (markers, review->frame);
      when = format_time (review->time);
      title = g_strdup_printf ("Frame %" G_GINT64_FORMAT ": %s", review->frame + 1, review->note);
      subtitle = g_strdup_printf ("%s · %s · %s", review->member, describe_decision (review->decision), when);
      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      go = gtk_button_new_from_icon_name ("find-location-symbolic");
      gtk_widget_set_valign (go, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (go, "flat");
      gtk_widget_set_tooltip_text (go, "Go to this frame");
      gtk_accessible_update_property (GTK_ACCESSIBLE (go), GTK_ACCESSIBLE_PROPERTY_LABEL, "Go to the note's frame", -1);
      g_object_set_data_full (G_OBJECT (go), "frame", g_memdup2 (&review->frame, sizeof review->frame), g_free);
      g_signal_connect (go, "clicked", G_CALLBACK (on_note_clicked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), go);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), go);
      gtk_list_box_append (self->notes_list, row);
    }
  studio_player_set_markers (self->player, (const gint64 *) markers->data, markers->len);
  gtk_widget_set_visible (gtk_widget_get_parent (gtk_widget_get_parent (GTK_WIDGET (self->notes_list))),
                          markers->len > 0);
}

static void
show_decisions (StudioReviewPage *self)
{
  clear_group (self->decisions_group, self->decision_rows);
  for (guint i = 0; self->take != NULL && i < self->take->reviews->len; i++)
    {
      StudioReview *review = self->take->reviews->pdata[i];
      g_autofree char *when = format_time (review->time);
      g_autofree char *title = g_strdup_printf ("%s by %s", describe_decision (review->decision), review->member);
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();

      if (review->note[0] != '\0' && review->frame >= 0)
        subtitle = g_strdup_printf ("%s · frame %" G_GINT64_FORMAT ": %s", when, review->frame + 1, review->note);
      else if (review->note[0] != '\0')
        subtitle = g_strdup_printf ("%s · %s", when, review->note);
      else
        subtitle = g_strdup (when);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_preferences_group_add (self->decisions_group, row);
      g_ptr_array_add (self->decision_rows, row);
    }
  if (self->decision_rows->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), "No decision yet");
      adw_preferences_group_add (self->decisions_group, row);
      g_ptr_array_add (self->decision_rows, row);
    }
}

static void
show_checklist (StudioReviewPage *self)
{
  gboolean can_clear = self->session != NULL && studio_session_can (self->session, "clear");
  for (int i = 0; i < STUDIO_CLEARANCE_COUNT; i++)
    {
      const StudioClearanceItem *item = self->take != NULL ? &self->take->checklist[i] : NULL;
      gboolean cleared = item != NULL && item->member != NULL;
      g_autofree char *subtitle = NULL;
      if (cleared)
        {
          g_autofree char *when = format_time (item->cleared_at);
          subtitle = g_strdup_printf ("Cleared by %s, %s", item->member, when);
        }
      else
        subtitle = g_strdup (can_clear && self->take != NULL && !self->take->locked
                                 ? "Tick when cleared; recorded with Record"
                                 : "Not cleared");
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->check_rows[i]), subtitle);
      self->updating = TRUE;
      gtk_check_button_set_active (self->checks[i], cleared);
      self->updating = FALSE;
      gtk_widget_set_sensitive (GTK_WIDGET (self->checks[i]),
                                !cleared && can_clear && self->take != NULL && !self->take->locked);
    }
}

static void
update_role (StudioReviewPage *self)
{
  gboolean can_review = self->session != NULL && studio_session_can (self->session, "review");
  gboolean can_clear = self->session != NULL && studio_session_can (self->session, "clear");
  gboolean locked = self->take != NULL && self->take->locked;

  /* What the role may not do is not offered. */
  gtk_widget_set_visible (self->decide_box, can_review && !locked && self->take != NULL);
  gtk_widget_set_visible (self->record_box, (can_review || can_clear) && !locked && self->take != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->role_label), !can_review);
  show_checklist (self);
  update_record (self);
}

static void
show_take (StudioReviewPage *self)
{
  StudioTake *take = self->take;
  g_autofree char *status = NULL;
  gboolean new_video;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "review.history", take != NULL);
  if (take == NULL)
    {
      gtk_label_set_label (self->take_title, "");
      gtk_label_set_label (self->status_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->lock_icon), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->lock_label), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->compare_button), FALSE);
      studio_player_open (self->player, NULL);
      show_notes (self);
      show_decisions (self);
      update_role (self);
      return;
    }

  gtk_label_set_label (self->take_title, take->title);
  gtk_label_set_label (self->status_label, describe_status (take->review_status));
  set_status_class (GTK_WIDGET (self->status_label), take->review_status);
  gtk_widget_set_visible (GTK_WIDGET (self->lock_icon), take->locked);
  if (take->locked)
    {
      /* The approval that locked it: the latest approving decision. */
      StudioReview *approval = NULL;
      for (guint i = 0; i < take->reviews->len; i++)
        {
          StudioReview *review = take->reviews->pdata[i];
          if (review->decision == STUDIO_DECISION_APPROVED || review->decision == STUDIO_DECISION_APPROVED_WITH_CHANGES)
            approval = review;
        }
      if (approval != NULL)
        {
          g_autofree char *when = format_time (approval->time);
          status = g_strdup_printf ("%s by %s, %s. The take is locked: a change needs a new take.",
                                    describe_decision (approval->decision), approval->member, when);
        }
      else
        status = g_strdup ("Locked: a change needs a new take.");
      gtk_label_set_label (self->lock_label, status);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->lock_label), take->locked);

  /* The same video keeps the player where it is (after a Record). */
  if (take->video == NULL)
    {
      studio_player_open (self->player, NULL);
    }
  else
    {
      g_autofree char *path = studio_library_media_path (studio_session_get_library (self->session), take->video);
      new_video = g_strcmp0 (path, studio_player_get_path (self->player)) != 0;
      if (new_video)
        studio_player_open (self->player, path);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->compare_button), take->parent_id != 0);
  show_notes (self);
  show_decisions (self);
  update_role (self);
  update_pin_label (self);
}

static void
on_draft_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PageCall *call = user_data;
  StudioReviewPage *self = call->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioTake) draft = studio_library_get_take_finish (result, &error);

  if (call->generation == self->take_generation && !g_cancellable_is_cancelled (self->cancellable))
    {
      if (draft == NULL)
        {
          g_autofree char *text = describe_error (error);
          toast (self, text);
        }
      else
        {
          g_autofree char *label = g_strdup_printf ("%s: %s", studio_take_kind_to_string (draft->kind), draft->title);
          g_autofree char *path
              = draft->video != NULL
                    ? studio_library_media_path (studio_session_get_library (self->session), draft->video)
                    : NULL;
          gtk_label_set_label (self->draft_label, label);
          if (g_strcmp0 (path, studio_player_get_path (self->draft_player)) != 0)
            studio_player_open (self->draft_player, path);
        }
    }
  page_call_free (call);
}

/* The final and its draft in halves when the draft appears. */
static void
on_max_position (StudioReviewPage *self)
{
  int max = 0;
  g_object_get (self->player_paned, "max-position", &max, NULL);
  if (gtk_widget_get_visible (self->draft_box) && !self->halved && max > 0)
    {
      self->halved = TRUE;
      gtk_paned_set_position (self->player_paned, max / 2);
    }
}

static void
update_compare (StudioReviewPage *self)
{
  gboolean on = self->compare && self->take != NULL && self->take->parent_id != 0;
  if (on)
    {
      gtk_widget_set_visible (self->draft_box, TRUE);
      studio_player_set_leader (self->draft_player, self->player);
      studio_library_get_take_async (studio_session_get_library (self->session), self->take->parent_id,
                                     self->cancellable, on_draft_loaded, page_call_new (self, self->take_generation));
    }
  else
    {
      gtk_widget_set_visible (self->draft_box, FALSE);
      self->halved = FALSE;
      studio_player_set_leader (self->draft_player, NULL);
      studio_player_open (self->draft_player, NULL);
    }
}

static void
on_take_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PageCall *call = user_data;
  StudioReviewPage *self = call->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioTake) take = studio_library_get_take_finish (result, &error);

  if (call->generation != self->take_generation || g_cancellable_is_cancelled (self->cancellable))
    {
      page_call_free (call);
      return;
    }
  if (take == NULL)
    {
      g_autofree char *text = describe_error (error);
      toast (self, text);
      page_call_free (call);
      return;
    }
  g_clear_pointer (&self->take, studio_take_free);
  self->take = g_steal_pointer (&take);
  show_take (self);
  update_compare (self);
  if (self->loaded_id != self->take->id)
    {
      self->loaded_id = self->take->id;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOADED_TAKE]);
    }
  page_call_free (call);
}

static void
load_take (StudioReviewPage *self, gint64 take_id)
{
  if (self->session == NULL)
    return;
  if (take_id == 0)
    {
      self->take_generation++;
      g_clear_pointer (&self->take, studio_take_free);
      show_take (self);
      update_compare (self);
      return;
    }
  studio_library_get_take_async (studio_session_get_library (self->session), take_id, self->cancellable, on_take_loaded,
                                 page_call_new (self, ++self->take_generation));
}

/* ---- the decision ---- */

static guint
pending_clears (StudioReviewPage *self)
{
  guint mask = 0;
  for (int i = 0; self->take != NULL && i < STUDIO_CLEARANCE_COUNT; i++)
    if (gtk_check_button_get_active (self->checks[i]) && self->take->checklist[i].member == NULL)
      mask |= 1u << i;
  return mask;
}

/* Record is offered when there is something valid to write: a decision
 * (with a note, unless it is a plain approval) or ticked checklist items. */
static void
update_record (StudioReviewPage *self)
{
  gboolean can_review = self->session != NULL && studio_session_can (self->session, "review");
  gboolean has_decision = self->decision[0] != '\0';
  gboolean needs_note = has_decision && !g_str_equal (self->decision, "approved");
  gboolean has_note = gtk_entry_get_text_length (self->note_entry) > 0;
  const char *hint = "";
  gboolean ok;

  if (self->take == NULL)
    ok = FALSE;
  else if (self->take->locked)
    ok = FALSE;
  else if (self->busy)
    {
      ok = FALSE;
      hint = "Recording…";
    }
  else if (has_decision && !can_review)
    ok = FALSE;
  else if (needs_note && !has_note)
    {
      ok = FALSE;
      hint = "Write a note: it is required for every decision but Approve.";
    }
  else if (!has_decision && pending_clears (self) == 0)
    {
      ok = FALSE;
      hint = "Choose a decision or tick checklist items.";
    }
  else
    ok = TRUE;
  gtk_label_set_label (self->record_hint, hint);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "review.record", ok);
}

typedef struct
{
  gint64 take_id;
  char *actor;
  guint clears;
  gboolean has_decision;
  StudioDecision decision;
  char *note;
  gint64 frame;
} RecordJob;

static void
record_job_free (RecordJob *job)
{
  g_free (job->actor);
  g_free (job->note);
  g_free (job);
}

static gpointer
record_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  RecordJob *job = data;
  /* Checklist first: an approval locks the take, checklist included. */
  for (int i = 0; i < STUDIO_CLEARANCE_COUNT; i++)
    if ((job->clears & (1u << i)) != 0
        && !studio_library_clear (lib, job->take_id, job->actor, (StudioClearance) i, error))
      return NULL;
  if (job->has_decision
      && !studio_library_review (lib, job->take_id, job->actor, job->decision, job->note, job->frame, error))
    return NULL;
  return GINT_TO_POINTER (1);
}

static void
set_busy (StudioReviewPage *self, gboolean busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  update_record (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
}

static void
on_recorded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PageCall *call = user_data;
  StudioReviewPage *self = call->self;
  g_autoptr (GError) error = NULL;
  gboolean ok = studio_library_run_finish (result, &error) != NULL;

  if (g_cancellable_is_cancelled (self->cancellable))
    {
      page_call_free (call);
      return;
    }
  set_busy (self, FALSE);
  if (!ok)
    {
      g_autofree char *text = describe_error (error);
      toast (self, text);
    }
  else
    {
      gtk_editable_set_text (GTK_EDITABLE (self->note_entry), "");
      gtk_check_button_set_active (self->pin_check, FALSE);
      g_object_set (self, "decision", "", NULL);
      toast (self, "Recorded");
    }
  /* Partly written or not, show what the library holds now. */
  studio_session_library_changed (self->session);
  page_call_free (call);
}

static void
record_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioReviewPage *self = STUDIO_REVIEW_PAGE (widget);
  RecordJob *job;

  if (self->take == NULL || self->busy)
    return;
  job = g_new0 (RecordJob, 1);
  job->take_id = self->take->id;
  job->actor = g_strdup (studio_session_get_member (self->session));
  job->clears = pending_clears (self);
  job->has_decision = self->decision[0] != '\0' && studio_decision_from_string (self->decision, &job->decision);
  job->note = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->note_entry)));
  g_strstrip (job->note);
  job->frame = gtk_check_button_get_active (self->pin_check) ? self->pin_frame : -1;
  if (job->has_decision && job->decision != STUDIO_DECISION_APPROVED && job->note[0] == '\0')
    {
      toast (self, "Write a note: it is required for every decision but Approve.");
      record_job_free (job);
      return;
    }
  set_busy (self, TRUE);
  studio_library_run_async (studio_session_get_library (self->session), record_job, job,
                            (GDestroyNotify) record_job_free, NULL, NULL, on_recorded,
                            page_call_new (self, self->take_generation));
}

static void
on_check_toggled (StudioReviewPage *self)
{
  if (!self->updating)
    update_record (self);
}

static void
on_note_activate (StudioReviewPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "review.record", NULL);
}

static void
on_note_requested (StudioReviewPage *self, gint64 frame)
{
  self->pin_frame = frame;
  update_pin_label (self);
  gtk_check_button_set_active (self->pin_check, TRUE);
  if (gtk_widget_get_visible (self->decide_box))
    gtk_widget_grab_focus (GTK_WIDGET (self->note_entry));
}

static void
on_player_frame (StudioReviewPage *self)
{
  /* The pin follows the playhead until a note is pinned. */
  if (!gtk_check_button_get_active (self->pin_check))
    self->pin_frame = studio_player_get_frame (self->player);
  update_pin_label (self);
}

static void
on_pin_toggled (StudioReviewPage *self)
{
  if (gtk_check_button_get_active (self->pin_check))
    self->pin_frame = studio_player_get_frame (self->player);
}

static void
history_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioReviewPage *self = STUDIO_REVIEW_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  StudioAuditWindow *window;
  if (self->take == NULL)
    return;
  window = studio_audit_window_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                    studio_session_get_library (self->session), self->take->id, self->take->title);
  gtk_window_present (GTK_WINDOW (window));
}

static void
reload_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioReviewPage *self = STUDIO_REVIEW_PAGE (widget);
  reload_queue (self);
  load_take (self, self->selected_id);
}

static void
on_library_changed (StudioReviewPage *self)
{
  reload_queue (self);
  if (self->selected_id != 0)
    load_take (self, self->selected_id);
}

static void
on_member_changed (StudioReviewPage *self)
{
  update_role (self);
}

/* ---- life cycle ---- */

static void
studio_review_page_dispose (GObject *object)
{
  StudioReviewPage *self = STUDIO_REVIEW_PAGE (object);
  g_cancellable_cancel (self->cancellable);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  if (self->draft_player != NULL)
    studio_player_set_leader (self->draft_player, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), STUDIO_TYPE_REVIEW_PAGE);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->take, studio_take_free);
  G_OBJECT_CLASS (studio_review_page_parent_class)->dispose (object);
}

static void
studio_review_page_finalize (GObject *object)
{
  StudioReviewPage *self = STUDIO_REVIEW_PAGE (object);
  g_ptr_array_unref (self->decision_rows);
  g_free (self->decision);
  G_OBJECT_CLASS (studio_review_page_parent_class)->finalize (object);
}

static void
studio_review_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  StudioReviewPage *self = STUDIO_REVIEW_PAGE (object);
  switch (prop_id)
    {
    case PROP_DECISION:
      g_value_set_string (value, self->decision);
      break;
    case PROP_SHOW_ALL:
      g_value_set_boolean (value, self->show_all);
      break;
    case PROP_COMPARE:
      g_value_set_boolean (value, self->compare);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    case PROP_LOADED_TAKE:
      g_value_set_int64 (value, self->loaded_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
studio_review_page_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  StudioReviewPage *self = STUDIO_REVIEW_PAGE (object);
  switch (prop_id)
    {
    case PROP_DECISION:
      {
        const char *decision = g_value_get_string (value);
        StudioDecision parsed;
        if (decision == NULL || !studio_decision_from_string (decision, &parsed))
          decision = "";
        if (g_strcmp0 (decision, self->decision) == 0)
          return;
        g_free (self->decision);
        self->decision = g_strdup (decision);
        update_record (self);
        g_object_notify_by_pspec (object, pspec);
        break;
      }
    case PROP_SHOW_ALL:
      if (self->show_all == g_value_get_boolean (value))
        return;
      self->show_all = g_value_get_boolean (value);
      reload_queue (self);
      g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_COMPARE:
      if (self->compare == g_value_get_boolean (value))
        return;
      self->compare = g_value_get_boolean (value);
      update_compare (self);
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
studio_review_page_class_init (StudioReviewPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = studio_review_page_dispose;
  object_class->finalize = studio_review_page_finalize;
  object_class->get_property = studio_review_page_get_property;
  object_class->set_property = studio_review_page_set_property;

  props[PROP_DECISION] = g_param_spec_string ("decision", NULL, NULL, "", rw);
  props[PROP_SHOW_ALL] = g_param_spec_boolean ("show-all", NULL, NULL, FALSE, rw);
  props[PROP_COMPARE] = g_param_spec_boolean ("compare", NULL, NULL, FALSE, rw);
  props[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_LOADED_TAKE] = g_param_spec_int64 ("loaded-take", NULL, NULL, 0, G_MAXINT64, 0,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  g_type_ensure (STUDIO_TYPE_PLAYER);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/allegrostudio/AllegroStudio/studio-review-page.ui");
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, queue_label);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, all_toggle);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, queue_stack);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, take_list);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, queue_empty);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, lock_icon);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, take_title);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, player_paned);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, player);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, draft_box);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, draft_label);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, draft_player);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, compare_button);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, history_button);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, notes_list);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, decision_panel);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, lock_label);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, role_label);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, decide_box);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, note_entry);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, pin_check);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, checklist_group);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, record_box);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, record_button);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, record_hint);
  gtk_widget_class_bind_template_child (widget_class, StudioReviewPage, decisions_group);

  gtk_widget_class_install_property_action (widget_class, "review.decision", "decision");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "review.decision", "s", "approved");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_CONTROL_MASK, "review.decision", "s",
                                       "approved-with-changes");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_CONTROL_MASK, "review.decision", "s",
                                       "changes-required");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_4, GDK_CONTROL_MASK, "review.decision", "s", "rejected");
  gtk_widget_class_install_action (widget_class, "review.record", NULL, record_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "review.record", NULL);
  gtk_widget_class_install_property_action (widget_class, "review.compare", "compare");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "review.compare", NULL);
  gtk_widget_class_install_action (widget_class, "review.history", NULL, history_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_h, GDK_CONTROL_MASK, "review.history", NULL);
  gtk_widget_class_install_property_action (widget_class, "review.show-all", "show-all");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "review.show-all",
                                       NULL);
  gtk_widget_class_install_action (widget_class, "review.reload", NULL, reload_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "review.reload", NULL);
}

static void
studio_review_page_init (StudioReviewPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->decision = g_strdup ("");
  self->decision_rows = g_ptr_array_new ();

  for (int i = 0; i < STUDIO_CLEARANCE_COUNT; i++)
    {
      const char *what = studio_clearance_describe ((StudioClearance) i);
      g_autofree char *title = g_strdup_printf ("%c%s", g_ascii_toupper (what[0]), what + 1);
      g_autofree char *name = g_strdup_printf ("clear-%s", studio_clearance_to_string ((StudioClearance) i));
      g_autofree char *tooltip = g_strdup_printf ("Tick once the %s are cleared", what);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      gtk_widget_set_name (check, name);
      gtk_widget_set_tooltip_text (check, tooltip);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_preferences_group_add (self->checklist_group, row);
      g_signal_connect_swapped (check, "toggled", G_CALLBACK (on_check_toggled), self);
      self->check_rows[i] = row;
      self->checks[i] = GTK_CHECK_BUTTON (check);
    }
  gtk_paned_set_resize_start_child (self->player_paned, TRUE);
  g_signal_connect_swapped (self->player_paned, "notify::max-position", G_CALLBACK (on_max_position), self);
  gtk_paned_set_resize_end_child (self->player_paned, TRUE);
  g_signal_connect_swapped (self->take_list, "row-selected", G_CALLBACK (on_row_selected), self);
  g_signal_connect_swapped (self->note_entry, "changed", G_CALLBACK (update_record), self);
  g_signal_connect_swapped (self->note_entry, "activate", G_CALLBACK (on_note_activate), self);
  g_signal_connect_swapped (self->pin_check, "toggled", G_CALLBACK (on_pin_toggled), self);
  g_signal_connect_swapped (self->player, "note-requested", G_CALLBACK (on_note_requested), self);
  g_signal_connect_swapped (self->player, "notify::frame", G_CALLBACK (on_player_frame), self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, "Review", -1);
  update_pin_label (self);
  show_take (self);
}

StudioReviewPage *
studio_review_page_new (StudioSession *session)
{
  StudioReviewPage *self = g_object_new (STUDIO_TYPE_REVIEW_PAGE, NULL);
  self->session = g_object_ref (session);
  g_signal_connect_swapped (session, "library-changed", G_CALLBACK (on_library_changed), self);
  g_signal_connect_swapped (session, "notify::member", G_CALLBACK (on_member_changed), self);
  g_signal_connect_swapped (session, "notify::role", G_CALLBACK (on_member_changed), self);
  update_role (self);
  reload_queue (self);
  return self;
}

void
studio_review_page_select_take (StudioReviewPage *self, gint64 take_id)
{
  g_return_if_fail (STUDIO_IS_REVIEW_PAGE (self));
  if (take_id != self->selected_id)
    {
      /* A decision in progress belongs to the take it was made for. */
      gtk_editable_set_text (GTK_EDITABLE (self->note_entry), "");
      gtk_check_button_set_active (self->pin_check, FALSE);
      g_object_set (self, "decision", "", NULL);
    }
  self->selected_id = take_id;
  load_take (self, take_id);
}

gint64
studio_review_page_get_take_id (StudioReviewPage *self)
{
  return self->loaded_id;
}

const StudioTake *
studio_review_page_get_take (StudioReviewPage *self)
{
  return self->take;
}

StudioPlayer *
studio_review_page_get_player (StudioReviewPage *self)
{
  return self->player;
}

StudioPlayer *
studio_review_page_get_draft_player (StudioReviewPage *self)
{
  return self->draft_player;
}
