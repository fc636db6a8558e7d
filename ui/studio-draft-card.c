/* studio-draft-card.c: a take's poster, which plays on hover.
 *
 * Posters load on a worker thread into a small cache shared by every card
 * (the same texture object for the same file, so the renderer uploads it
 * once).  Playing decodes the take's video with StudioDecoder on a worker,
 * scaled down to at most PLAY_MAX_WIDTH pixels wide, and hands each frame
 * to the main thread as it comes; a timer paces them at the video's rate.
 * Only one card plays at a time, and leaving it drops its frames. */
#define G_LOG_DOMAIN "studio-draft-card"

#include "studio-draft-card.h"

#include "studio-decoder.h"

#define HOVER_DELAY_MS 200
#define PLAY_MAX_WIDTH 320
#define PLAY_MAX_FRAMES 240
#define POSTER_CACHE_MAX 512

/* ---- StudioDraftItem ---- */

struct _StudioDraftItem
{
  GObject parent_instance;

  StudioTake *take;
};

G_DEFINE_FINAL_TYPE (StudioDraftItem, studio_draft_item, G_TYPE_OBJECT)

static void
studio_draft_item_finalize (GObject *object)
{
  g_clear_pointer (&STUDIO_DRAFT_ITEM (object)->take, studio_take_free);
  G_OBJECT_CLASS (studio_draft_item_parent_class)->finalize (object);
}

static void
studio_draft_item_class_init (StudioDraftItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = studio_draft_item_finalize;
}

static void
studio_draft_item_init (StudioDraftItem *self)
{
}

StudioDraftItem *
studio_draft_item_new (const StudioTake *take)
{
  StudioDraftItem *self = g_object_new (STUDIO_TYPE_DRAFT_ITEM, NULL);
  self->take = studio_take_copy (take);
  return self;
}

const StudioTake *
studio_draft_item_get_take (StudioDraftItem *self)
{
  return self->take;
}

/* ---- StudioDraftCard ---- */

struct _StudioDraftCard
{
  AdwBin parent_instance;

  /* template widgets */
  GtkPicture *picture;
  GtkLabel *badge;
  GtkSpinner *spinner;
  GtkLabel *caption;
  GtkLabel *detail;

  /* owned */
  char *poster_path;
  char *video_path;
  GdkTexture *poster;
  GCancellable *poster_cancellable;
  GCancellable *play_cancellable;
  GPtrArray *frames; /* GdkTexture, decoded so far */
  gboolean decoded_all;
  guint frame_index;
  guint play_timer;
  guint hover_timer;
  guint generation; /* bumped on every stop, so late frames are dropped */
  gboolean playing;
};

G_DEFINE_FINAL_TYPE (StudioDraftCard, studio_draft_card, ADW_TYPE_BIN)

/* The card playing now, if any (not a reference). */
static StudioDraftCard *playing_card;

/* Posters by path, shared by every card (main thread only). */
static GHashTable *poster_cache;

static GdkTexture *
poster_cache_lookup (const char *path)
{
  return poster_cache != NULL ? g_hash_table_lookup (poster_cache, path) : NULL;
}

static void
poster_cache_insert (const char *path, GdkTexture *texture)
{
  if (poster_cache == NULL)
    poster_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  if (g_hash_table_size (poster_cache) >= POSTER_CACHE_MAX)
    g_hash_table_remove_all (poster_cache);
  g_hash_table_replace (poster_cache, g_strdup (path), g_object_ref (texture));
}

static void
show_poster (StudioDraftCard *self)
{
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (self->poster));
}

/* ---- poster loading ---- */

static void
load_poster_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  GdkTexture *texture = gdk_texture_new_from_filename (task_data, &error);
  if (texture == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, texture, g_object_unref);
}

static void
on_poster_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StudioDraftCard *self = STUDIO_DRAFT_CARD (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), &error);
  const char *path = g_task_get_task_data (G_TASK (result));

  if (texture == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_debug ("%s", error->message);
          gtk_label_set_text (self->detail, "The poster could not be read");
        }
      return;
    }
  poster_cache_insert (path, texture);
  if (g_strcmp0 (path, self->poster_path) != 0)
    return;
  g_set_object (&self->poster, texture);
  if (!self->playing)
    show_poster (self);
}

/* ---- playback ---- */

typedef struct
{
  StudioDraftCard *card;
  guint generation;
  GdkTexture *texture; /* NULL: the last message, decoding ended */
  double fps;
} frame_message;

static void
frame_message_free (gpointer data)
{
  frame_message *m = data;
  g_object_unref (m->card);
  g_clear_object (&m->texture);
  g_free (m);
}

static gboolean
play_tick (gpointer user_data)
{
  StudioDraftCard *self = user_data;
  if (self->frames->len == 0)
    return G_SOURCE_CONTINUE;
  if (self->frame_index + 1 < self->frames->len)
    self->frame_index++;
  else if (self->decoded_all)
    self->frame_index = 0;
  gtk_picture_set_paintable (self->picture, self->frames->pdata[self->frame_index]);
  return G_SOURCE_CONTINUE;
}

static gboolean
deliver_frame (gpointer data)
{
  frame_message *m = data;
  StudioDraftCard *self = m->card;
  if (m->generation != self->generation || !self->playing)
    return G_SOURCE_REMOVE;
  if (m->texture == NULL)
    {
      self->decoded_all = TRUE;
      return G_SOURCE_REMOVE;
    }
  g_ptr_array_add (self->frames, g_steal_pointer (&m->texture));
  if (self->play_timer == 0)
    {
      double fps = m->fps > 1 && m->fps < 240 ? m->fps : 15;
      self->frame_index = 0;
      gtk_picture_set_paintable (self->picture, self->frames->pdata[0]);
      self->play_timer = g_timeout_add ((guint) (1000 / fps), play_tick, self);
    }
  return G_SOURCE_REMOVE;
}

/* Box-filters RGBA by an integer FACTOR. */
static GBytes *
shrink_rgba (const guint8 *src, gsize stride, int width, int height, int factor, int *out_width, int *out_height)
{
  const int w = width / factor, h = height / factor, area = factor * factor;
  guint8 *dst = g_malloc ((gsize) w * h * 4);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 4; c++)
        {
          int sum = 0;
          for (int dy = 0; dy < factor; dy++)
            for (int dx = 0; dx < factor; dx++)
              sum += src[(gsize) (y * factor + dy) * stride + (gsize) (x * factor + dx) * 4 + c];
          dst[((gsize) y * w + x) * 4 + c] = (guint8) (sum / area);
        }
  *out_width = w;
  *out_height = h;
  return g_bytes_new_take (dst, (gsize) w * h * 4);
}

static void
play_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  StudioDraftCard *self = source;
  const char *path = task_data;
  GError *error = NULL;
  guint generation = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (task), "generation"));
  GMainContext *context = g_task_get_context (task);
  StudioDecoder *decoder = studio_decoder_open (path, &error);

  if (decoder == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  const StudioMediaInfo *info = studio_decoder_get_info (decoder);
  const int factor = (info->width + PLAY_MAX_WIDTH - 1) / PLAY_MAX_WIDTH;
  const gint64 count = MIN (info->frame_count, PLAY_MAX_FRAMES);
  for (gint64 i = 0; i <= count; i++)
    {
      frame_message *m = g_new0 (frame_message, 1);
      m->card = g_object_ref (self);
      m->generation = generation;
      m->fps = info->fps;
      if (i < count)
        {
          gsize stride = 0;
          g_autoptr (GBytes) bytes = NULL;
          if (g_cancellable_is_cancelled (cancellable)
              || (bytes = studio_decoder_read_frame_bytes (decoder, i, &stride, &error)) == NULL)
            {
              frame_message_free (m);
              break;
            }
          int w = info->width, h = info->height;
          if (factor > 1)
            {
              g_autoptr (GBytes) small
                  = shrink_rgba (g_bytes_get_data (bytes, NULL), stride, info->width, info->height, factor, &w, &h);
              g_bytes_unref (bytes);
              bytes = g_steal_pointer (&small);
              stride = (gsize) w * 4;
            }
          m->texture = gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8A8, bytes, stride);
        }
      g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, deliver_frame, m, frame_message_free);
    }
  studio_decoder_free (decoder);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_play_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  if (!g_task_propagate_boolean (G_TASK (result), &error) && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("Hover preview: %s", error->message);
}

static void
stop_playing (StudioDraftCard *self)
{
  self->generation++;
  if (self->play_cancellable != NULL)
    {
      g_cancellable_cancel (self->play_cancellable);
      g_clear_object (&self->play_cancellable);
    }
  g_clear_handle_id (&self->play_timer, g_source_remove);
  g_ptr_array_set_size (self->frames, 0);
  self->decoded_all = FALSE;
  self->frame_index = 0;
  if (self->playing)
    {
      self->playing = FALSE;
      show_poster (self);
    }
  if (playing_card == self)
    playing_card = NULL;
}

void
studio_draft_card_set_playing (StudioDraftCard *self, gboolean playing)
{
  g_return_if_fail (STUDIO_IS_DRAFT_CARD (self));
  if (!playing)
    {
      stop_playing (self);
      return;
    }
  if (self->playing || self->video_path == NULL)
    return;
  if (playing_card != NULL && playing_card != self)
    stop_playing (playing_card);
  playing_card = self;
  self->playing = TRUE;
  self->play_cancellable = g_cancellable_new ();
  g_autoptr (GTask) task = g_task_new (self, self->play_cancellable, on_play_done, NULL);
  g_task_set_task_data (task, g_strdup (self->video_path), g_free);
  g_object_set_data (G_OBJECT (task), "generation", GUINT_TO_POINTER (self->generation));
  g_task_run_in_thread (task, play_thread);
}

gboolean
studio_draft_card_get_playing (StudioDraftCard *self)
{
  return self->playing;
}

guint
studio_draft_card_get_n_frames (StudioDraftCard *self)
{
  return self->frames->len;
}

GdkTexture *
studio_draft_card_get_poster (StudioDraftCard *self)
{
  return self->poster;
}

/* ---- hover ---- */

static gboolean
on_hover_dwell (gpointer user_data)
{
  StudioDraftCard *self = user_data;
  self->hover_timer = 0;
  studio_draft_card_set_playing (self, TRUE);
  return G_SOURCE_REMOVE;
}

static void
on_enter (GtkEventControllerMotion *motion, double x, double y, StudioDraftCard *self)
{
  if (self->video_path != NULL && self->hover_timer == 0 && !self->playing)
    self->hover_timer = g_timeout_add (HOVER_DELAY_MS, on_hover_dwell, self);
}

static void
on_leave (GtkEventControllerMotion *motion, StudioDraftCard *self)
{
  g_clear_handle_id (&self->hover_timer, g_source_remove);
  stop_playing (self);
}

/* ---- the take ---- */

static const char *
status_text (StudioRenderStatus status)
{
  switch (status)
    {
    case STUDIO_RENDER_QUEUED:
      return "Waiting to render";
    case STUDIO_RENDER_RUNNING:
      return "Rendering";
    case STUDIO_RENDER_DONE:
      return "Done";
    case STUDIO_RENDER_FAILED:
      return "Failed";
    case STUDIO_RENDER_CANCELLED:
      return "Cancelled";
    default:
      return "";
    }
}

void
studio_draft_card_set_take (StudioDraftCard *self, StudioLibrary *library, const StudioTake *take)
{
  g_return_if_fail (STUDIO_IS_DRAFT_CARD (self));

  g_clear_handle_id (&self->hover_timer, g_source_remove);
  stop_playing (self);
  if (self->poster_cancellable != NULL)
    {
      g_cancellable_cancel (self->poster_cancellable);
      g_clear_object (&self->poster_cancellable);
    }
  g_clear_pointer (&self->poster_path, g_free);
  g_clear_pointer (&self->video_path, g_free);
  g_clear_object (&self->poster);
  gtk_picture_set_paintable (self->picture, NULL);
  if (take == NULL)
    {
      gtk_label_set_text (self->caption, "");
      gtk_label_set_text (self->detail, "");
      gtk_widget_set_visible (GTK_WIDGET (self->badge), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
      gtk_spinner_stop (self->spinner);
      return;
    }

  const gboolean final = take->kind == STUDIO_TAKE_FINAL;
  const gboolean busy = take->render_status == STUDIO_RENDER_QUEUED || take->render_status == STUDIO_RENDER_RUNNING;
  g_autofree char *caption
      = g_strdup_printf ("%s · seed %" G_GINT64_FORMAT, final ? "Final" : "Draft", take->recipe.seed);
  g_autofree char *detail = NULL;
  if (take->render_status != STUDIO_RENDER_DONE)
    detail = g_strdup_printf ("Take %" G_GINT64_FORMAT " · %s", take->id, status_text (take->render_status));
  else if (final && take->parent_id > 0)
    detail = g_strdup_printf ("Take %" G_GINT64_FORMAT " · refined from take %" G_GINT64_FORMAT, take->id,
                              take->parent_id);
  else
    detail = g_strdup_printf ("Take %" G_GINT64_FORMAT, take->id);
  gtk_label_set_text (self->caption, caption);
  gtk_label_set_text (self->detail, detail);
  gtk_widget_set_visible (GTK_WIDGET (self->badge), take->render_status != STUDIO_RENDER_DONE);
  gtk_label_set_text (self->badge, status_text (take->render_status));
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  if (busy)
    gtk_spinner_start (self->spinner);
  else
    gtk_spinner_stop (self->spinner);

  g_autofree char *tooltip
      = g_strdup_printf ("%s%s", take->recipe.prompt, take->video != NULL ? "\n(Hover to play)" : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), tooltip);
  g_autofree char *label = g_strdup_printf ("%s, %s", caption, detail);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);

  if (take->video != NULL)
    self->video_path = studio_library_media_path (library, take->video);
  if (take->poster != NULL)
    {
      self->poster_path = studio_library_media_path (library, take->poster);
      GdkTexture *cached = poster_cache_lookup (self->poster_path);
      if (cached != NULL)
        {
          self->poster = g_object_ref (cached);
          show_poster (self);
        }
      else
        {
          self->poster_cancellable = g_cancellable_new ();
          g_autoptr (GTask) task = g_task_new (self, self->poster_cancellable, on_poster_loaded, NULL);
          g_task_set_task_data (task, g_strdup (self->poster_path), g_free);
          g_task_run_in_thread (task, load_poster_thread);
        }
    }
}

/* ---- life cycle ---- */

static void
studio_draft_card_dispose (GObject *object)
{
  StudioDraftCard *self = STUDIO_DRAFT_CARD (object);
  g_clear_handle_id (&self->hover_timer, g_source_remove);
  stop_playing (self);
  if (self->poster_cancellable != NULL)
    g_cancellable_cancel (self->poster_cancellable);
  g_clear_object (&self->poster_cancellable);
  g_clear_object (&self->poster);
  gtk_widget_dispose_template (GTK_WIDGET (self), STUDIO_TYPE_DRAFT_CARD);
  G_OBJECT_CLASS (studio_draft_card_parent_class)->dispose (object);
}

static void
studio_draft_card_finalize (GObject *object)
{
  StudioDraftCard *self = STUDIO_DRAFT_CARD (object);
  g_free (self->poster_path);
  g_free (self->video_path);
  g_ptr_array_unref (self->frames);
  G_OBJECT_CLASS (studio_draft_card_parent_class)->finalize (object);
}

static void
studio_draft_card_class_init (StudioDraftCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = studio_draft_card_dispose;
  object_class->finalize = studio_draft_card_finalize;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/allegrostudio/AllegroStudio/studio-draft-card.ui");
  gtk_widget_class_bind_template_child (widget_class, StudioDraftCard, picture);
  gtk_widget_class_bind_template_child (widget_class, StudioDraftCard, badge);
  gtk_widget_class_bind_template_child (widget_class, StudioDraftCard, spinner);
  gtk_widget_class_bind_template_child (widget_class, StudioDraftCard, caption);
  gtk_widget_class_bind_template_child (widget_class, StudioDraftCard, detail);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
studio_draft_card_init (StudioDraftCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->frames = g_ptr_array_new_with_free_func (g_object_unref);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "enter", G_CALLBACK (on_enter), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

GtkWidget *
studio_draft_card_new (void)
{
  return g_object_new (STUDIO_TYPE_DRAFT_CARD, NULL);
}
