/* studio-take-card.c: a grid cell showing one take.  Posters are decoded on
 * a worker (the take's poster PNG, else the first frame of its video) and
 * kept in a small cache shared by every card, keyed by file, so scrolling
 * back reuses the same texture objects.
 *
 * Keyboard shortcuts: none of its own (the grid's apply). */
#define G_LOG_DOMAIN "studio-take-card"

#include "studio-take-card.h"

#include "studio-decoder.h"

#define POSTER_CACHE_MAX 512

struct _StudioTakeCard
{
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkPicture *poster;
  GtkLabel *badge;
  GtkImage *shortlist_mark;
  GtkImage *lock_mark;
  GtkLabel *title;
  GtkLabel *stars;
  GtkLabel *details;

  gint64 take_id;
  char *poster_path;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (StudioTakeCard, studio_take_card, GTK_TYPE_WIDGET)

/* Main thread only. */
static GHashTable *poster_cache;

char *
studio_take_card_format_stars (double rating)
{
  int whole = (int) CLAMP (rating + 0.5, 0, 5);
  GString *text = g_string_new (NULL);
  for (int i = 0; i < 5; i++)
    g_string_append (text, i < whole ? "★" : "☆");
  return g_string_free (text, FALSE);
}

static void
load_poster_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  const char *path = data;
  GError *error = NULL;
  GdkTexture *texture = NULL;

  if (g_str_has_suffix (path, ".png"))
    texture = gdk_texture_new_from_filename (path, &error);
  else
    {
      g_autoptr (StudioDecoder) decoder = studio_decoder_open (path, &error);
      gsize stride = 0;
      g_autoptr (GBytes) bytes = decoder != NULL ? studio_decoder_read_frame_bytes (decoder, 0, &stride, &error) : NULL;
      if (bytes != NULL)
        {
          const StudioMediaInfo *info = studio_decoder_get_info (decoder);
          texture = gdk_memory_texture_new (info->width, info->height, GDK_MEMORY_R8G8B8A8, bytes, stride);
        }
    }
  if (texture != NULL)
    g_task_return_pointer (task, texture, g_object_unref);
  else
    g_task_return_error (task, error);
}

static void
show_missing (StudioTakeCard *self, const char *message)
{
  g_autofree char *tooltip = g_strdup_printf ("No picture: %s", message);
  gtk_picture_set_paintable (self->poster, NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->poster), tooltip);
}

static void
on_poster_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), &error);
  const char *path = g_task_get_task_data (G_TASK (result));
  StudioTakeCard *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = STUDIO_TAKE_CARD (source);
  if (texture != NULL)
    {
      if (g_hash_table_size (poster_cache) >= POSTER_CACHE_MAX)
        g_hash_table_remove_all (poster_cache);
      g_hash_table_insert (poster_cache, g_strdup (path), g_object_ref (texture));
    }
  /* The card may show another take by now. */
  if (g_strcmp0 (path, self->poster_path) != 0)
    return;
  if (texture != NULL)
    gtk_picture_set_paintable (self->poster, GDK_PAINTABLE (texture));
  else
    show_missing (self, error->message);
}

static const char *
status_text (StudioReviewStatus status)
{
  switch (status)
    {
    case STUDIO_STATUS_APPROVED:
      return "Approved";
    case STUDIO_STATUS_APPROVED_WITH_CHANGES:
      return "Approved with changes";
    case STUDIO_STATUS_CHANGES_REQUIRED:
      return "Changes required";
    case STUDIO_STATUS_REJECTED:
      return "Rejected";
    case STUDIO_STATUS_NEEDS_REVIEW:
    default:
      return "Needs review";
    }
}

void
studio_take_card_set_take (StudioTakeCard *self, const StudioTake *take, StudioLibrary *library)
{
  const char *media;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->poster_path, g_free);
  gtk_picture_set_paintable (self->poster, NULL);
  if (take == NULL)
    {
      self->take_id = 0;
      return;
    }
  self->take_id = take->id;

  {
    const char *status = take->render_status == STUDIO_RENDER_DONE
                             ? status_text (take->review_status)
                             : studio_render_status_to_string (take->render_status);
    g_autofree char *stars = studio_take_card_format_stars (take->rating);
    g_autofree char *details = NULL;
    g_autofree char *name = NULL;
    g_autofree char *stars_name = NULL;

    if (take->n_ratings > 0)
      details = g_strdup_printf ("%.1f (%d) · %s · %s", take->rating, take->n_ratings,
                                 studio_take_kind_to_string (take->kind), take->project);
    else
      details = g_strdup_printf ("unrated · %s · %s", studio_take_kind_to_string (take->kind), take->project);
    gtk_label_set_label (self->badge, status);
    gtk_widget_remove_css_class (GTK_WIDGET (self->badge), "success");
    gtk_widget_remove_css_class (GTK_WIDGET (self->badge), "error");
    gtk_widget_remove_css_class (GTK_WIDGET (self->badge), "warning");
    if (take->review_status == STUDIO_STATUS_APPROVED || take->review_status == STUDIO_STATUS_APPROVED_WITH_CHANGES)
      gtk_widget_add_css_class (GTK_WIDGET (self->badge), "success");
    else if (take->review_status == STUDIO_STATUS_REJECTED)
      gtk_widget_add_css_class (GTK_WIDGET (self->badge), "error");
    else if (take->review_status == STUDIO_STATUS_CHANGES_REQUIRED)
      gtk_widget_add_css_class (GTK_WIDGET (self->badge), "warning");
    gtk_label_set_label (self->title, take->title);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->title), take->recipe.prompt);
    gtk_label_set_label (self->stars, stars);
    stars_name = g_strdup_printf ("Rated %.1f of 5", take->rating);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->stars), GTK_ACCESSIBLE_PROPERTY_LABEL, stars_name, -1);
    gtk_label_set_label (self->details, details);
    gtk_widget_set_visible (GTK_WIDGET (self->shortlist_mark), take->shortlisted);
    gtk_widget_set_visible (GTK_WIDGET (self->lock_mark), take->locked);
    name = g_strdup_printf ("%s, %s%s", take->title, status, take->shortlisted ? ", shortlisted" : "");
    gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->poster), take->title);
  }

  media = take->poster != NULL ? take->poster : take->video;
  if (media == NULL)
    {
      show_missing (self, "the take has no media yet");
      return;
    }
  self->poster_path = studio_library_media_path (library, media);
  {
    GdkTexture *cached = g_hash_table_lookup (poster_cache, self->poster_path);
    GTask *task;
    if (cached != NULL)
      {
        gtk_picture_set_paintable (self->poster, GDK_PAINTABLE (cached));
        return;
      }
    self->cancellable = g_cancellable_new ();
    task = g_task_new (self, self->cancellable, on_poster_loaded, NULL);
    g_task_set_task_data (task, g_strdup (self->poster_path), g_free);
    g_task_set_return_on_cancel (task, TRUE);
    g_task_run_in_thread (task, load_poster_thread);
    g_object_unref (task);
  }
}

gint64
studio_take_card_get_take_id (StudioTakeCard *self)
{
  return self->take_id;
}

GdkTexture *
studio_take_card_get_poster (StudioTakeCard *self)
{
  GdkPaintable *paintable = gtk_picture_get_paintable (self->poster);
  return GDK_IS_TEXTURE (paintable) ? GDK_TEXTURE (paintable) : NULL;
}

static void
studio_take_card_dispose (GObject *object)
{
  StudioTakeCard *self = STUDIO_TAKE_CARD (object);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->poster_path, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), STUDIO_TYPE_TAKE_CARD);
  G_OBJECT_CLASS (studio_take_card_parent_class)->dispose (object);
}

static void
studio_take_card_class_init (StudioTakeCardClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  G_OBJECT_CLASS (klass)->dispose = studio_take_card_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/allegrostudio/AllegroStudio/studio-take-card.ui");
  gtk_widget_class_bind_template_child (widget_class, StudioTakeCard, box);
  gtk_widget_class_bind_template_child (widget_class, StudioTakeCard, poster);
  gtk_widget_class_bind_template_child (widget_class, StudioTakeCard, badge);
  gtk_widget_class_bind_template_child (widget_class, StudioTakeCard, shortlist_mark);
  gtk_widget_class_bind_template_child (widget_class, StudioTakeCard, lock_mark);
  gtk_widget_class_bind_template_child (widget_class, StudioTakeCard, title);
  gtk_widget_class_bind_template_child (widget_class, StudioTakeCard, stars);
  gtk_widget_class_bind_template_child (widget_class, StudioTakeCard, details);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "takecard");
  if (poster_cache == NULL)
    poster_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

static void
studio_take_card_init (StudioTakeCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
studio_take_card_new (void)
{
  return g_object_new (STUDIO_TYPE_TAKE_CARD, NULL);
}
