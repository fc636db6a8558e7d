/* studio-compare.c: two synced players side by side.
 *
 * Keyboard shortcuts: those of the left player (Left / Right step both,
 * Space plays both, Home / End, L), see studio-player.c. */
#define G_LOG_DOMAIN "studio-compare"

#include "studio-compare.h"

struct _StudioCompare
{
  GtkWidget parent_instance;

  GtkWidget *paned;
  GtkLabel *titles[2];
  StudioPlayer *players[2];
  int set_position; /* the position we set; -1 once the user moved it */
};

G_DEFINE_FINAL_TYPE (StudioCompare, studio_compare, GTK_TYPE_WIDGET)

static void
studio_compare_dispose (GObject *object)
{
  StudioCompare *self = STUDIO_COMPARE (object);
  if (self->players[1] != NULL)
    studio_player_set_leader (self->players[1], NULL);
  g_clear_pointer (&self->paned, gtk_widget_unparent);
  self->players[0] = self->players[1] = NULL;
  G_OBJECT_CLASS (studio_compare_parent_class)->dispose (object);
}

static void
studio_compare_class_init (StudioCompareClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = studio_compare_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "compare");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static GtkWidget *
make_side (StudioCompare *self, guint i)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *player = studio_player_new ();
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (title, "heading");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), player);
  self->titles[i] = GTK_LABEL (title);
  self->players[i] = STUDIO_PLAYER (player);
  gtk_accessible_update_property (GTK_ACCESSIBLE (player), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  i == 0 ? "Left player (leads)" : "Right player (follows the left)", -1);
  return box;
}

/* Halves until the user drags the handle. */
static void
on_max_position (StudioCompare *self)
{
  int max = 0;
  if (self->set_position < 0)
    return;
  g_object_get (self->paned, "max-position", &max, NULL);
  self->set_position = max / 2;
  gtk_paned_set_position (GTK_PANED (self->paned), self->set_position);
}

static void
on_position (StudioCompare *self)
{
  int position = gtk_paned_get_position (GTK_PANED (self->paned));
  if (self->set_position >= 0 && ABS (position - self->set_position) > 2 && self->set_position > 0)
    self->set_position = -1;
}

static void
studio_compare_init (StudioCompare *self)
{
  self->paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  gtk_paned_set_start_child (GTK_PANED (self->paned), make_side (self, 0));
  gtk_paned_set_end_child (GTK_PANED (self->paned), make_side (self, 1));
  gtk_paned_set_shrink_start_child (GTK_PANED (self->paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (self->paned), FALSE);
  gtk_paned_set_wide_handle (GTK_PANED (self->paned), TRUE);
  gtk_widget_set_parent (self->paned, GTK_WIDGET (self));
  g_signal_connect_swapped (self->paned, "notify::max-position", G_CALLBACK (on_max_position), self);
  g_signal_connect_swapped (self->paned, "notify::position", G_CALLBACK (on_position), self);
  studio_player_set_controls_visible (self->players[1], FALSE);
  studio_player_set_leader (self->players[1], self->players[0]);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->players[1]), "Follows the left player's frame");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, "Side by side comparison", -1);
}

GtkWidget *
studio_compare_new (void)
{
  return g_object_new (STUDIO_TYPE_COMPARE, NULL);
}

void
studio_compare_set_takes (StudioCompare *self, const char *left_path, const char *left_title, const char *right_path,
                          const char *right_title)
{
  gtk_label_set_text (self->titles[0], left_title != NULL ? left_title : "");
  gtk_label_set_text (self->titles[1], right_title != NULL ? right_title : "");
  studio_player_open (self->players[0], left_path);
  studio_player_open (self->players[1], right_path);
}

StudioPlayer *
studio_compare_get_player (StudioCompare *self, guint index)
{
  g_return_val_if_fail (index < 2, NULL);
  return self->players[index];
}
