/* studio-browse-page.c: the Browse view, for managers: the project's takes
 * as a grid of cards with status badges, ratings and shortlist marks;
 * filter, search (full text, in the library) and sort; compare two side by
 * side; rate, shortlist, tag and export.
 *
 * Keyboard shortcuts (when the view has the focus):
 *   Alt+A / Alt+P / Alt+N / Alt+S   show all / approved / needs review /
 *                                   shortlisted takes
 *   Ctrl+F          search
 *   Ctrl+1 .. Ctrl+5 rate the selected takes
 *   Ctrl+S          shortlist the selected takes (or take them off)
 *   Ctrl+T          tag the selected takes
 *   Ctrl+K          compare the two selected takes
 *   Ctrl+E          export the selected take
 *   Ctrl+R          reload
 *   Ctrl+A          select all (the grid's own)
 */
#define G_LOG_DOMAIN "studio-browse-page"

#include "studio-browse-page.h"

#include "studio-compare.h"
#include "studio-export-dialog.h"
#include "studio-library-async.h"
#include "studio-take-card.h"
#include "studio-take-item.h"
#include "studio-window.h"

struct _StudioBrowsePage
{
  AdwBin parent_instance;

  /* template widgets */
  GtkSearchEntry *search_entry;
  GtkDropDown *sort_dropdown;
  GtkStack *grid_stack;
  GtkGridView *grid_view;
  AdwStatusPage *empty_page;
  GtkWidget *compare_button;
  GtkWidget *rate_box;
  GtkWidget *shortlist_button;
  GtkWidget *tag_button;
  GtkEntry *tag_entry;
  GtkButton *tag_add_button;
  GtkWidget *export_button;
  GtkLabel *selection_label;

  /* owned */
  StudioSession *session;
  GCancellable *cancellable;
  GListStore *store; /* StudioTakeItem, as the library returned them */
  GtkCustomFilter *filter;
  GtkCustomSorter *sorter;
  GtkMultiSelection *selection;
  char *filter_name; /* "all", "approved", "needs-review", "shortlist" */
  char *sort_name;   /* "date", "rating" */
  guint generation;
  gboolean loading;
  gint64 n_loads; /* finished loads, for tests */
};

G_DEFINE_FINAL_TYPE (StudioBrowsePage, studio_browse_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_FILTER,
  PROP_SORT,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void reload (StudioBrowsePage *self);

static void
toast (StudioBrowsePage *self, const char *text)
{
  studio_widget_toast (GTK_WIDGET (self), text);
}

static char *
describe_error (const GError *error)
{
  return studio_library_error_text (error, "Ask an admin for the manager role if you should do this.");
}

/* ---- the grid's model ---- */

static gboolean
filter_take (gpointer item, gpointer user_data)
{
  StudioBrowsePage *self = user_data;
  const StudioTake *take = studio_take_item_get_take (item);
  if (g_str_equal (self->filter_name, "approved"))
    return take->review_status == STUDIO_STATUS_APPROVED || take->review_status == STUDIO_STATUS_APPROVED_WITH_CHANGES;
  if (g_str_equal (self->filter_name, "needs-review"))
    return take->render_status == STUDIO_RENDER_DONE && take->review_status == STUDIO_STATUS_NEEDS_REVIEW;
  if (g_str_equal (self->filter_name, "shortlist"))
    return take->shortlisted;
  return TRUE;
}

static int
sort_takes (gconstpointer a, gconstpointer b, gpointer user_data)
{
  StudioBrowsePage *self = user_data;
  const StudioTake *x = studio_take_item_get_take ((gpointer) a), *y = studio_take_item_get_take ((gpointer) b);
  if (g_str_equal (self->sort_name, "rating") && x->rating != y->rating)
    return x->rating > y->rating ? -1 : 1;
  /* Newest first; the id breaks ties between takes made the same µs. */
  if (x->created_at != y->created_at)
    return x->created_at > y->created_at ? -1 : 1;
  return x->id > y->id ? -1 : x->id < y->id;
}

static GPtrArray *
selected_takes (StudioBrowsePage *self)
{
  GPtrArray *takes = g_ptr_array_new_with_free_func (g_object_unref);
  GListModel *model = G_LIST_MODEL (self->selection);
  g_autoptr (GtkBitset) set = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  GtkBitsetIter iter;
  guint position;
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, set, &position); ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    g_ptr_array_add (takes, g_list_model_get_item (model, position));
  return takes;
}

static gboolean
exportable (const StudioTake *take)
{
  return take->review_status == STUDIO_STATUS_APPROVED || take->review_status == STUDIO_STATUS_APPROVED_WITH_CHANGES
         || take->kind == STUDIO_TAKE_DRAFT;
}

static void
update_actions (StudioBrowsePage *self)
{
  g_autoptr (GPtrArray) takes = selected_takes (self);
  gboolean can_rate = self->session != NULL && studio_session_can (self->session, "rate");
  gboolean can_shortlist = self->session != NULL && studio_session_can (self->session, "shortlist");
  gboolean can_tag = self->session != NULL && studio_session_can (self->session, "tag");
  gboolean can_export = self->session != NULL && studio_session_can (self->session, "export");
  const StudioTake *one = takes->len == 1 ? studio_take_item_get_take (takes->pdata[0]) : NULL;
  g_autofree char *label = NULL;

  /* What the role may not do is not offered. */
  gtk_widget_set_visible (self->rate_box, can_rate);
  gtk_widget_set_visible (self->shortlist_button, can_shortlist);
  gtk_widget_set_visible (self->tag_button, can_tag);
  gtk_widget_set_visible (self->export_button, can_export);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "browse.compare", takes->len == 2);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "browse.rate", can_rate && takes->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "browse.shortlist", can_shortlist && takes->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "browse.tag", can_tag && takes->len > 0);
  gtk_widget_set_sensitive (self->tag_button, can_tag && takes->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "browse.export", can_export && one != NULL && exportable (one));
  gtk_button_set_label (GTK_BUTTON (self->export_button),
                        one != NULL && exportable (one) && one->review_status != STUDIO_STATUS_APPROVED
                                && one->review_status != STUDIO_STATUS_APPROVED_WITH_CHANGES
                            ? "_Export Draft…"
                            : "_Export…");
  if (takes->len > 0)
    label = g_strdup_printf ("%u selected", takes->len);
  gtk_label_set_label (self->selection_label, label != NULL ? label : "");
}

static void
update_empty (StudioBrowsePage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  if (n > 0)
    {
      gtk_stack_set_visible_child_name (self->grid_stack, "grid");
      return;
    }
  if (search[0] != '\0')
    adw_status_page_set_description (self->empty_page, "No take matches the search; try fewer words.");
  else if (!g_str_equal (self->filter_name, "all"))
    adw_status_page_set_description (self->empty_page, "No take matches the filter; choose All to see every take.");
  else
    adw_status_page_set_description (self->empty_page, "Takes rendered in the Create view appear here.");
  gtk_stack_set_visible_child_name (self->grid_stack, "empty");
}

typedef struct
{
  StudioBrowsePage *self;
  guint generation;
} BrowseCall;

static BrowseCall *
browse_call_new (StudioBrowsePage *self)
{
  BrowseCall *call = g_new (BrowseCall, 1);
  call->self = g_object_ref (self);
  call->generation = self->generation;
  return call;
}

static void
browse_call_free (BrowseCall *call)
{
  g_object_unref (call->self);
  g_free (call);
}

static void
on_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BrowseCall *call = user_data;
  StudioBrowsePage *self = call->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) takes = studio_library_list_takes_finish (result, &error);
  g_autoptr (GHashTable) was_selected = NULL;
  g_autoptr (GPtrArray) items = NULL;
  g_autoptr (GPtrArray) selected = NULL;
  guint n;

  if (call->generation != self->generation || g_cancellable_is_cancelled (self->cancellable))
    {
      browse_call_free (call);
      return;
    }
  self->loading = FALSE;
  if (takes == NULL)
    {
      g_autofree char *text = describe_error (error);
      toast (self, text);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOADING]);
      browse_call_free (call);
      return;
    }
  /* Keep the selection across reloads. */
  was_selected = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  selected = selected_takes (self);
  for (guint i = 0; i < selected->len; i++)
    {
      gint64 id = studio_take_item_get_id (selected->pdata[i]);
      g_hash_table_add (was_selected, g_memdup2 (&id, sizeof id));
    }
  items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < takes->len; i++)
    g_ptr_array_add (items, studio_take_item_new (g_steal_pointer (&takes->pdata[i])));
  g_ptr_array_set_free_func (takes, NULL);
  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)), items->pdata, items->len);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (StudioTakeItem) item = g_list_model_get_item (G_LIST_MODEL (self->selection), i);
      gint64 id = studio_take_item_get_id (item);
      if (g_hash_table_contains (was_selected, &id))
        gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), i, FALSE);
    }
  self->n_loads++;
  update_empty (self);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOADING]);
  browse_call_free (call);
}

static void
reload (StudioBrowsePage *self)
{
  StudioTakeQuery query = { 0 };
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  if (self->session == NULL)
    return;
  query.project = studio_session_get_project (self->session);
  query.search = search[0] != '\0' ? search : NULL;
  self->generation++;
  if (!self->loading)
    {
      self->loading = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOADING]);
    }
  studio_library_list_takes_async (studio_session_get_library (self->session), &query, self->cancellable, on_listed,
                                   browse_call_new (self));
}

/* ---- cells ---- */

static void
setup_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  gtk_list_item_set_child (item, studio_take_card_new ());
}

static void
bind_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  StudioBrowsePage *self = user_data;
  StudioTakeItem *take = gtk_list_item_get_item (item);
  studio_take_card_set_take (STUDIO_TAKE_CARD (gtk_list_item_get_child (item)), studio_take_item_get_take (take),
                             studio_session_get_library (self->session));
}

static void
unbind_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  studio_take_card_set_take (STUDIO_TAKE_CARD (gtk_list_item_get_child (item)), NULL, NULL);
}

/* ---- writes ---- */

typedef struct
{
  char *actor;
  GArray *ids;
  char *what; /* "rate", "shortlist", "tag" */
  int stars;
  gboolean shortlisted;
  char *tag;
} WriteJob;

static void
write_job_free (WriteJob *job)
{
  g_free (job->actor);
  g_array_unref (job->ids);
  g_free (job->what);
  g_free (job->tag);
  g_free (job);
}

static gpointer
write_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  WriteJob *job = data;
  for (guint i = 0; i < job->ids->len; i++)
    {
      gint64 id = g_array_index (job->ids, gint64, i);
      gboolean ok;
      if (g_str_equal (job->what, "rate"))
        ok = studio_library_rate (lib, id, job->actor, job->stars, error);
      else if (g_str_equal (job->what, "shortlist"))
        ok = studio_library_shortlist (lib, id, job->actor, job->shortlisted, error);
      else
        ok = studio_library_tag (lib, id, job->actor, job->tag, error);
      if (!ok)
        return NULL;
    }
  return GINT_TO_POINTER (1);
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (StudioBrowsePage) self = user_data;
  g_autoptr (GError) error = NULL;
  if (studio_library_run_finish (result, &error) == NULL)
    {
      g_autofree char *text = describe_error (error);
      toast (self, text);
    }
  if (!g_cancellable_is_cancelled (self->cancellable))
    studio_session_library_changed (self->session);
}

static void
run_write (StudioBrowsePage *self, WriteJob *job)
{
  g_autoptr (GPtrArray) takes = selected_takes (self);
  job->actor = g_strdup (studio_session_get_member (self->session));
  job->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < takes->len; i++)
    {
      gint64 id = studio_take_item_get_id (takes->pdata[i]);
      g_array_append_val (job->ids, id);
    }
  studio_library_run_async (studio_session_get_library (self->session), write_job, job, (GDestroyNotify) write_job_free,
                            NULL, self->cancellable, on_written, g_object_ref (self));
}

static void
rate_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  WriteJob *job = g_new0 (WriteJob, 1);
  job->what = g_strdup ("rate");
  job->stars = g_variant_get_int32 (parameter);
  run_write (STUDIO_BROWSE_PAGE (widget), job);
}

static void
shortlist_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioBrowsePage *self = STUDIO_BROWSE_PAGE (widget);
  g_autoptr (GPtrArray) takes = selected_takes (self);
  WriteJob *job = g_new0 (WriteJob, 1);
  gboolean all = takes->len > 0;
  for (guint i = 0; i < takes->len; i++)
    all = all && studio_take_item_get_take (takes->pdata[i])->shortlisted;
  job->what = g_strdup ("shortlist");
  job->shortlisted = !all; /* all shortlisted: take them off */
  run_write (self, job);
}

static void
tag_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioBrowsePage *self = STUDIO_BROWSE_PAGE (widget);
  g_autofree char *tag = g_strstrip (g_strdup (g_variant_get_string (parameter, NULL)));
  WriteJob *job;
  if (tag[0] == '\0')
    {
      toast (self, "Write a tag first.");
      return;
    }
  job = g_new0 (WriteJob, 1);
  job->what = g_strdup ("tag");
  job->tag = g_steal_pointer (&tag);
  run_write (self, job);
}

static void
on_tag_add (StudioBrowsePage *self)
{
  const char *tag = gtk_editable_get_text (GTK_EDITABLE (self->tag_entry));
  gtk_widget_activate_action (GTK_WIDGET (self), "browse.tag", "s", tag);
  gtk_editable_set_text (GTK_EDITABLE (self->tag_entry), "");
  gtk_menu_button_popdown (GTK_MENU_BUTTON (self->tag_button));
}

static void
tag_popup_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioBrowsePage *self = STUDIO_BROWSE_PAGE (widget);
  if (gtk_widget_get_visible (self->tag_button) && gtk_widget_get_sensitive (self->tag_button))
    gtk_menu_button_popup (GTK_MENU_BUTTON (self->tag_button));
}

static void
compare_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioBrowsePage *self = STUDIO_BROWSE_PAGE (widget);
  g_autoptr (GPtrArray) takes = selected_takes (self);
  StudioLibrary *lib = studio_session_get_library (self->session);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *window, *box, *header, *compare;
  g_autofree char *left = NULL;
  g_autofree char *right = NULL;
  const StudioTake *a, *b;

  if (takes->len != 2)
    return;
  a = studio_take_item_get_take (takes->pdata[0]);
  b = studio_take_item_get_take (takes->pdata[1]);
  left = a->video != NULL ? studio_library_media_path (lib, a->video) : NULL;
  right = b->video != NULL ? studio_library_media_path (lib, b->video) : NULL;
  window = adw_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), "Compare Takes");
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 520);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (root));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  compare = studio_compare_new ();
  gtk_widget_set_vexpand (compare, TRUE);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), compare);
  adw_window_set_content (ADW_WINDOW (window), box);
  studio_compare_set_takes (STUDIO_COMPARE (compare), left, a->title, right, b->title);
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_grab_focus (GTK_WIDGET (studio_compare_get_player (STUDIO_COMPARE (compare), 0)));
}

static void
on_export_finished (StudioExportDialog *dialog, gboolean ok, const char *path, StudioBrowsePage *self)
{
  if (ok)
    {
      g_autofree char *text = g_strdup_printf ("Exported to %s", path);
      toast (self, text);
      gtk_window_close (GTK_WINDOW (dialog));
    }
}

static void
export_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioBrowsePage *self = STUDIO_BROWSE_PAGE (widget);
  g_autoptr (GPtrArray) takes = selected_takes (self);
  GtkRoot *root = gtk_widget_get_root (widget);
  StudioExportDialog *dialog;
  if (takes->len != 1)
    return;
  dialog = studio_export_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->session,
                                     studio_take_item_get_take (takes->pdata[0]));
  g_signal_connect_object (dialog, "finished", G_CALLBACK (on_export_finished), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
search_focus_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  gtk_widget_grab_focus (GTK_WIDGET (STUDIO_BROWSE_PAGE (widget)->search_entry));
}

static void
reload_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  reload (STUDIO_BROWSE_PAGE (widget));
}

static void
on_grid_activate (StudioBrowsePage *self, guint position)
{
  g_autoptr (GPtrArray) takes = selected_takes (self);
  if (takes->len == 2)
    gtk_widget_activate_action (GTK_WIDGET (self), "browse.compare", NULL);
}

static void
on_sort_selected (StudioBrowsePage *self)
{
  g_object_set (self, "sort", gtk_drop_down_get_selected (self->sort_dropdown) == 1 ? "rating" : "date", NULL);
}

static void
on_session_changed (StudioBrowsePage *self)
{
  update_actions (self);
  reload (self);
}

/* ---- life cycle ---- */

static void
studio_browse_page_dispose (GObject *object)
{
  StudioBrowsePage *self = STUDIO_BROWSE_PAGE (object);
  g_cancellable_cancel (self->cancellable);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), STUDIO_TYPE_BROWSE_PAGE);
  g_clear_object (&self->selection);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (studio_browse_page_parent_class)->dispose (object);
}

static void
studio_browse_page_finalize (GObject *object)
{
  StudioBrowsePage *self = STUDIO_BROWSE_PAGE (object);
  g_free (self->filter_name);
  g_free (self->sort_name);
  G_OBJECT_CLASS (studio_browse_page_parent_class)->finalize (object);
}

static void
studio_browse_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  StudioBrowsePage *self = STUDIO_BROWSE_PAGE (object);
  switch (prop_id)
    {
    case PROP_FILTER:
      g_value_set_string (value, self->filter_name);
      break;
    case PROP_SORT:
      g_value_set_string (value, self->sort_name);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
studio_browse_page_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  StudioBrowsePage *self = STUDIO_BROWSE_PAGE (object);
  const char *text = g_value_get_string (value);
  switch (prop_id)
    {
    case PROP_FILTER:
      if (text == NULL
          || !(g_str_equal (text, "all") || g_str_equal (text, "approved") || g_str_equal (text, "needs-review")
               || g_str_equal (text, "shortlist")))
        text = "all";
      if (g_str_equal (text, self->filter_name))
        return;
      g_free (self->filter_name);
      self->filter_name = g_strdup (text);
      gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
      update_empty (self);
      update_actions (self);
      g_object_notify_by_pspec (object, pspec);
      break;
    case PROP_SORT:
      if (g_strcmp0 (text, "rating") != 0)
        text = "date";
      if (g_str_equal (text, self->sort_name))
        return;
      g_free (self->sort_name);
      self->sort_name = g_strdup (text);
      gtk_drop_down_set_selected (self->sort_dropdown, g_str_equal (text, "rating") ? 1 : 0);
      gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
studio_browse_page_class_init (StudioBrowsePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = studio_browse_page_dispose;
  object_class->finalize = studio_browse_page_finalize;
  object_class->get_property = studio_browse_page_get_property;
  object_class->set_property = studio_browse_page_set_property;

  props[PROP_FILTER] = g_param_spec_string ("filter", NULL, NULL, "all",
                                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_SORT] = g_param_spec_string ("sort", NULL, NULL, "date",
                                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/allegrostudio/AllegroStudio/studio-browse-page.ui");
  gtk_widget_class_bind_template_child (widget_class, StudioBrowsePage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, StudioBrowsePage, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, StudioBrowsePage, grid_stack);
  gtk_widget_class_bind_template_child (widget_class, StudioBrowsePage, grid_view);
  gtk_widget_class_bind_template_child (widget_class, StudioBrowsePage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, StudioBrowsePage, compare_button);
  gtk_widget_class_bind_template_child (widget_class, StudioBrowsePage, rate_box);
  gtk_widget_class_bind_template_child (widget_class, StudioBrowsePage, shortlist_button);
  gtk_widget_class_bind_template_child (widget_class, StudioBrowsePage, tag_button);
  gtk_widget_class_bind_template_child (widget_class, StudioBrowsePage, tag_entry);
  gtk_widget_class_bind_template_child (widget_class, StudioBrowsePage, tag_add_button);
  gtk_widget_class_bind_template_child (widget_class, StudioBrowsePage, export_button);
  gtk_widget_class_bind_template_child (widget_class, StudioBrowsePage, selection_label);

  gtk_widget_class_install_property_action (widget_class, "browse.filter", "filter");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_ALT_MASK, "browse.filter", "s", "all");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_ALT_MASK, "browse.filter", "s", "approved");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_ALT_MASK, "browse.filter", "s", "needs-review");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_ALT_MASK, "browse.filter", "s", "shortlist");
  gtk_widget_class_install_property_action (widget_class, "browse.sort", "sort");
  gtk_widget_class_install_action (widget_class, "browse.search", NULL, search_focus_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "browse.search", NULL);
  gtk_widget_class_install_action (widget_class, "browse.rate", "i", rate_action);
  for (int i = 1; i <= 5; i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0 + i, GDK_CONTROL_MASK, "browse.rate", "i", i);
  gtk_widget_class_install_action (widget_class, "browse.shortlist", NULL, shortlist_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "browse.shortlist", NULL);
  gtk_widget_class_install_action (widget_class, "browse.tag", "s", tag_action);
  gtk_widget_class_install_action (widget_class, "browse.tag-popup", NULL, tag_popup_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK, "browse.tag-popup", NULL);
  gtk_widget_class_install_action (widget_class, "browse.compare", NULL, compare_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, GDK_CONTROL_MASK, "browse.compare", NULL);
  gtk_widget_class_install_action (widget_class, "browse.export", NULL, export_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "browse.export", NULL);
  gtk_widget_class_install_action (widget_class, "browse.reload", NULL, reload_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "browse.reload", NULL);
}

static void
studio_browse_page_init (StudioBrowsePage *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkFilterListModel *filtered;
  GtkSortListModel *sorted;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->filter_name = g_strdup ("all");
  self->sort_name = g_strdup ("date");
  self->store = g_list_store_new (STUDIO_TYPE_TAKE_ITEM);
  self->filter = gtk_custom_filter_new (filter_take, self, NULL);
  self->sorter = gtk_custom_sorter_new (sort_takes, self, NULL);
  filtered = gtk_filter_list_model_new (G_LIST_MODEL (self->store), GTK_FILTER (self->filter));
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (filtered), GTK_SORTER (self->sorter));
  self->selection = gtk_multi_selection_new (G_LIST_MODEL (sorted));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), self);
  gtk_grid_view_set_factory (self->grid_view, factory);
  g_object_unref (factory);
  gtk_grid_view_set_model (self->grid_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_swapped (self->selection, "selection-changed", G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (self->selection, "items-changed", G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (self->grid_view, "activate", G_CALLBACK (on_grid_activate), self);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (reload), self);
  g_signal_connect_swapped (self->sort_dropdown, "notify::selected", G_CALLBACK (on_sort_selected), self);
  g_signal_connect_swapped (self->tag_entry, "activate", G_CALLBACK (on_tag_add), self);
  g_signal_connect_swapped (self->tag_add_button, "clicked", G_CALLBACK (on_tag_add), self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, "Browse", -1);
}

StudioBrowsePage *
studio_browse_page_new (StudioSession *session)
{
  StudioBrowsePage *self = g_object_new (STUDIO_TYPE_BROWSE_PAGE, NULL);
  self->session = g_object_ref (session);
  g_signal_connect_swapped (session, "library-changed", G_CALLBACK (reload), self);
  g_signal_connect_swapped (session, "notify::project", G_CALLBACK (reload), self);
  g_signal_connect_swapped (session, "notify::member", G_CALLBACK (on_session_changed), self);
  g_signal_connect_swapped (session, "notify::role", G_CALLBACK (on_session_changed), self);
  update_actions (self);
  reload (self);
  return self;
}

GtkSelectionModel *
studio_browse_page_get_model (StudioBrowsePage *self)
{
  return GTK_SELECTION_MODEL (self->selection);
}

gint64
studio_browse_page_get_n_loads (StudioBrowsePage *self)
{
  return self->n_loads;
}
