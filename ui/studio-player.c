/* studio-player.c: the frame-exact review player.
 *
 * Keyboard shortcuts (when the player has the focus):
 *   Left / Right   previous / next frame
 *   Home / End     first / last frame
 *   Space          play / pause
 *   L              loop on / off
 *   N              a note at the current frame ("note-requested")
 *
 * Each opened file gets a PlayerCore shared by the widget and a worker
 * thread that owns the decoder.  The widget says which frame it wants; the
 * worker decodes that frame, then the next few, into a small cache of
 * textures, and pokes the main context.  The core outlives the widget if
 * need be (it is reference counted; the thread holds one reference). */
#define G_LOG_DOMAIN "studio-player"

#include "studio-player.h"

#include <math.h>

#include "studio-decoder.h"
#include "studio-media.h"
#include "studio-timeline.h"

#define DECODE_AHEAD 12 /* frames decoded past the wanted one */
#define KEEP_BEHIND 4   /* frames kept before it (stepping back) */
#define CACHE_MAX 40

static const double speeds[] = { 0.25, 0.5, 1.0, 1.5, 2.0 };

typedef struct
{
  gatomicrefcount ref;
  GMutex lock;
  GCond cond;
  char *path;
  GMainContext *context;
  GWeakRef player;

  /* Under the lock. */
  gboolean quit;
  gboolean loop;
  gint64 wanted;     /* -1: nothing */
  GHashTable *cache; /* frame (gint64 *) -> GdkTexture */
  gboolean notify_pending;
  gboolean opened;
  GError *error; /* opening or decoding failed */
  int width, height;
  double fps;
  gint64 n_frames;
} PlayerCore;

struct _StudioPlayer
{
  GtkWidget parent_instance;

  /* template widgets */
  GtkStack *stack;
  AdwStatusPage *empty_page;
  AdwStatusPage *message_page;
  GtkPicture *picture;
  GtkWidget *controls;
  GtkButton *play_button;
  StudioTimeline *timeline;
  GtkLabel *frame_label;
  GtkLabel *timecode_label;
  GtkToggleButton *loop_button;
  GtkDropDown *speed_dropdown;

  /* owned */
  PlayerCore *core;
  char *path;
  char *error;
  GdkTexture *texture;
  StudioPlayer *leader; /* weak pointer */
  gulong leader_handler;

  gboolean ready;
  gint64 n_frames;
  double fps;
  gint64 frame;
  gint64 shown_frame;
  gboolean playing;
  gboolean loop;
  double speed;
  guint tick_id;
  gint64 play_start_time; /* frame clock µs */
  gint64 play_start_frame;
};

G_DEFINE_FINAL_TYPE (StudioPlayer, studio_player, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_PATH,
  PROP_ERROR,
  PROP_READY,
  PROP_N_FRAMES,
  PROP_FPS,
  PROP_FRAME,
  PROP_SHOWN_FRAME,
  PROP_PLAYING,
  PROP_LOOP,
  PROP_SPEED,
  PROP_CONTROLS_VISIBLE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum
{
  SIGNAL_NOTE_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- the worker ---- */

static PlayerCore *
core_ref (PlayerCore *core)
{
  g_atomic_ref_count_inc (&core->ref);
  return core;
}

static void
core_unref (PlayerCore *core)
{
  if (!g_atomic_ref_count_dec (&core->ref))
    return;
  g_mutex_clear (&core->lock);
  g_cond_clear (&core->cond);
  g_weak_ref_clear (&core->player);
  g_hash_table_unref (core->cache);
  g_main_context_unref (core->context);
  g_clear_error (&core->error);
  g_free (core->path);
  g_free (core);
}

static void player_core_changed (StudioPlayer *self);

static gboolean
core_dispatch (gpointer data)
{
  PlayerCore *core = data;
  g_mutex_lock (&core->lock);
  core->notify_pending = FALSE;
  g_mutex_unlock (&core->lock);
  g_autoptr (StudioPlayer) player = g_weak_ref_get (&core->player);
  if (player != NULL && player->core == core)
    player_core_changed (player);
  return G_SOURCE_REMOVE;
}

/* Runs FUNC on CONTEXT's thread, never on the caller's (which
 * g_main_context_invoke would do when the caller can acquire CONTEXT). */
static void
run_on_context (GMainContext *context, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  GSource *source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, context);
  g_source_unref (source);
}

/* Under the lock. */
static void
core_notify_locked (PlayerCore *core)
{
  if (core->notify_pending)
    return;
  core->notify_pending = TRUE;
  run_on_context (core->context, core_dispatch, core_ref (core), (GDestroyNotify) core_unref);
}

/* The next frame worth decoding, or -1.  Under the lock. */
static gint64
core_pick_locked (PlayerCore *core)
{
  if (core->wanted < 0 || core->n_frames <= 0)
    return -1;
  for (gint64 i = 0; i <= DECODE_AHEAD && i < core->n_frames; i++)
    {
      gint64 f = core->wanted + i;
      if (f >= core->n_frames)
        {
          if (!core->loop)
            break;
          f -= core->n_frames;
        }
      if (!g_hash_table_contains (core->cache, &f))
        return f;
    }
  return -1;
}

/* Drops frames far from the wanted one.  Under the lock. */
static void
core_evict_locked (PlayerCore *core)
{
  GHashTableIter iter;
  gpointer key;

  if (g_hash_table_size (core->cache) <= CACHE_MAX)
    return;
  g_hash_table_iter_init (&iter, core->cache);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      gint64 f = *(gint64 *) key;
      gint64 ahead = f - core->wanted, behind = core->wanted - f;
      if (ahead < 0)
        ahead += core->n_frames;
      if (behind < 0)
        behind += core->n_frames;
      if (ahead > DECODE_AHEAD && behind > KEEP_BEHIND)
        g_hash_table_iter_remove (&iter);
    }
}

static gpointer
core_thread (gpointer data)
{
  PlayerCore *core = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (StudioDecoder) decoder = studio_decoder_open (core->path, &error);

  g_mutex_lock (&core->lock);
  core->opened = TRUE;
  if (decoder == NULL)
    core->error = g_steal_pointer (&error);
  else
    {
      const StudioMediaInfo *info = studio_decoder_get_info (decoder);
      core->width = info->width;
      core->height = info->height;
      core->fps = info->fps > 0 ? info->fps : 24;
      core->n_frames = info->frame_count;
    }
  core_notify_locked (core);

  while (decoder != NULL)
    {
      gint64 frame;
      while (!core->quit && (frame = core_pick_locked (core)) < 0)
        g_cond_wait (&core->cond, &core->lock);
      if (core->quit)
        break;
      g_mutex_unlock (&core->lock);

      gsize stride = 0;
      g_autoptr (GBytes) bytes = studio_decoder_read_frame_bytes (decoder, frame, &stride, &error);
      GdkTexture *texture = NULL;
      if (bytes != NULL)
        texture = gdk_memory_texture_new (core->width, core->height, GDK_MEMORY_R8G8B8A8, bytes, stride);

      g_mutex_lock (&core->lock);
      if (texture == NULL)
        {
          /* A damaged frame: say so and stop decoding this file. */
          if (core->error == NULL)
            core->error = g_steal_pointer (&error);
          core_notify_locked (core);
          break;
        }
      g_hash_table_insert (core->cache, g_memdup2 (&frame, sizeof frame), texture);
      core_evict_locked (core);
      core_notify_locked (core);
    }
  g_mutex_unlock (&core->lock);
  g_clear_pointer (&decoder, studio_decoder_free);
  core_unref (core);
  return NULL;
}

static PlayerCore *
core_new (StudioPlayer *player, const char *path)
{
  PlayerCore *core = g_new0 (PlayerCore, 1);
  g_atomic_ref_count_init (&core->ref);
  g_mutex_init (&core->lock);
  g_cond_init (&core->cond);
  g_weak_ref_init (&core->player, player);
  core->path = g_strdup (path);
  core->context = g_main_context_ref_thread_default ();
  core->cache = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  core->wanted = 0;
  core->loop = player->loop;
  g_thread_unref (g_thread_new ("studio-player", core_thread, core_ref (core)));
  return core;
}

static void
core_stop (PlayerCore *core)
{
  g_mutex_lock (&core->lock);
  core->quit = TRUE;
  g_cond_signal (&core->cond);
  g_mutex_unlock (&core->lock);
  core_unref (core);
}

static void
core_want (PlayerCore *core, gint64 frame, gboolean loop)
{
  g_mutex_lock (&core->lock);
  core->wanted = frame;
  core->loop = loop;
  g_cond_signal (&core->cond);
  g_mutex_unlock (&core->lock);
}

/* ---- the widget ---- */

char *
studio_player_format_timecode (gint64 frame, double fps)
{
  if (fps <= 0)
    return g_strdup ("--:--:--:--");
  int whole = (int) MAX (1, lround (fps));
  gint64 seconds = (gint64) floor ((double) frame / fps);
  gint64 rest = frame - (gint64) llround ((double) seconds * fps);
  return g_strdup_printf ("%02d:%02d:%02d:%02d", (int) (seconds / 3600), (int) (seconds / 60 % 60),
                          (int) (seconds % 60), (int) CLAMP (rest, 0, whole - 1));
}

static void
update_labels (StudioPlayer *self)
{
  g_autofree char *frame_text = NULL;
  g_autofree char *timecode = NULL;
  if (self->ready)
    {
      frame_text = g_strdup_printf ("frame %" G_GINT64_FORMAT " / %" G_GINT64_FORMAT, self->frame + 1, self->n_frames);
      timecode = studio_player_format_timecode (self->frame, self->fps);
    }
  gtk_label_set_label (self->frame_label, frame_text != NULL ? frame_text : "frame – / –");
  gtk_label_set_label (self->timecode_label, timecode != NULL ? timecode : "--:--:--:--");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->frame_label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  frame_text != NULL ? frame_text : "No frame", -1);
}

static void
update_actions (StudioPlayer *self)
{
  gboolean ok = self->ready && self->error == NULL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "player.play-pause", ok);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "player.previous-frame", ok && self->frame > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "player.first-frame", ok && self->frame > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "player.next-frame", ok && self->frame + 1 < self->n_frames);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "player.last-frame", ok && self->frame + 1 < self->n_frames);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "player.add-note", ok);
  gtk_widget_set_sensitive (GTK_WIDGET (self->timeline), ok);
}

/* Shows the wanted frame if the worker has it; a frame that arrives after
 * the playhead moved on is never shown. */
static void
show_cached (StudioPlayer *self)
{
  GdkTexture *texture = NULL;
  if (self->core == NULL)
    return;
  g_mutex_lock (&self->core->lock);
  texture = g_hash_table_lookup (self->core->cache, &self->frame);
  if (texture != NULL)
    g_object_ref (texture);
  g_mutex_unlock (&self->core->lock);
  if (texture == NULL)
    return;
  g_clear_object (&self->texture);
  self->texture = texture;
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  if (self->shown_frame != self->frame)
    {
      self->shown_frame = self->frame;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SHOWN_FRAME]);
    }
}

static void
show_message (StudioPlayer *self, const char *title, const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  adw_status_page_set_title (self->message_page, title);
  adw_status_page_set_description (self->message_page, escaped);
  gtk_stack_set_visible_child_name (self->stack, "message");
}

static void
set_error (StudioPlayer *self, const GError *error)
{
  g_autofree char *text = NULL;
  const char *title;
  if (g_error_matches (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_NOT_FOUND))
    {
      title = "The video file is missing";
      text = g_strdup_printf ("%s.\nRestore the library folder from a backup, or render the take again.",
                              error->message);
    }
  else
    {
      title = "This video cannot be played";
      text = g_strdup_printf ("%s.\nThe file may be damaged: check the library (allegro-studio library check), "
                              "restore it from a backup, or render the take again.",
                              error->message);
    }
  g_free (self->error);
  self->error = g_strdup (text);
  show_message (self, title, text);
  studio_player_set_playing (self, FALSE);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ERROR]);
}

static void
player_core_changed (StudioPlayer *self)
{
  PlayerCore *core = self->core;
  g_autoptr (GError) error = NULL;
  gboolean opened;
  gint64 n_frames;
  double fps;

  g_mutex_lock (&core->lock);
  opened = core->opened;
  n_frames = core->n_frames;
  fps = core->fps;
  if (core->error != NULL)
    error = g_error_copy (core->error);
  g_mutex_unlock (&core->lock);

  if (error != NULL)
    {
      if (self->error == NULL)
        set_error (self, error);
      return;
    }
  if (opened && !self->ready)
    {
      self->n_frames = n_frames;
      self->fps = fps;
      self->ready = TRUE;
      studio_timeline_set_n_frames (self->timeline, self->n_frames);
      gtk_stack_set_visible_child_name (self->stack, "video");
      if (self->leader != NULL)
        studio_player_set_frame (self, studio_player_get_frame (self->leader));
      core_want (core, self->frame, self->loop);
      update_labels (self);
      update_actions (self);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_FRAMES]);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FPS]);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_READY]);
    }
  show_cached (self);
}

void
studio_player_open (StudioPlayer *self, const char *path)
{
  g_return_if_fail (STUDIO_IS_PLAYER (self));

  studio_player_set_playing (self, FALSE);
  g_clear_pointer (&self->core, core_stop);
  g_clear_object (&self->texture);
  gtk_picture_set_paintable (self->picture, NULL);
  g_clear_pointer (&self->error, g_free);
  g_free (self->path);
  self->path = g_strdup (path);
  self->ready = FALSE;
  self->n_frames = 0;
  self->fps = 0;
  self->frame = 0;
  self->shown_frame = -1;
  studio_timeline_set_n_frames (self->timeline, 0);
  studio_timeline_set_markers (self->timeline, NULL, 0);
  if (path != NULL)
    {
      self->core = core_new (self, path);
      gtk_stack_set_visible_child_name (self->stack, "video");
    }
  else
    gtk_stack_set_visible_child_name (self->stack, "empty");
  update_labels (self);
  update_actions (self);
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PATH]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ERROR]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_READY]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_FRAMES]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FPS]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FRAME]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SHOWN_FRAME]);
  g_object_thaw_notify (G_OBJECT (self));
}

void
studio_player_set_frame (StudioPlayer *self, gint64 frame)
{
  g_return_if_fail (STUDIO_IS_PLAYER (self));
  frame = CLAMP (frame, 0, MAX (self->n_frames - 1, 0));
  if (frame == self->frame)
    return;
  self->frame = frame;
  studio_timeline_set_frame (self->timeline, frame);
  if (self->core != NULL)
    core_want (self->core, frame, self->loop);
  update_labels (self);
  update_actions (self);
  show_cached (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FRAME]);
}

/* ---- playback ---- */

static gboolean
tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  StudioPlayer *self = STUDIO_PLAYER (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  gint64 target;

  if (self->play_start_time == 0)
    {
      self->play_start_time = now;
      self->play_start_frame = self->frame;
    }
  target = self->play_start_frame
           + (gint64) floor ((double) (now - self->play_start_time) / G_USEC_PER_SEC * self->fps * self->speed);
  if (target >= self->n_frames)
    {
      if (self->loop && self->n_frames > 0)
        target %= self->n_frames;
      else
        {
          studio_player_set_frame (self, self->n_frames - 1);
          self->tick_id = 0;
          studio_player_set_playing (self, FALSE);
          return G_SOURCE_REMOVE;
        }
    }
  studio_player_set_frame (self, target);
  return G_SOURCE_CONTINUE;
}

/* Restarts the clock from the current frame (after a seek or speed change). */
static void
restart_clock (StudioPlayer *self)
{
  self->play_start_time = 0;
}

void
studio_player_set_playing (StudioPlayer *self, gboolean playing)
{
  g_return_if_fail (STUDIO_IS_PLAYER (self));
  playing = playing && self->ready && self->error == NULL;
  if (playing == self->playing)
    return;
  self->playing = playing;
  if (playing)
    {
      /* Playing from the last frame starts again from the first. */
      if (self->frame + 1 >= self->n_frames)
        studio_player_set_frame (self, 0);
      restart_clock (self);
      self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick, NULL, NULL);
    }
  else if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  gtk_button_set_icon_name (self->play_button,
                            playing ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->play_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  playing ? "Pause" : "Play", -1);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PLAYING]);
}

void
studio_player_set_loop (StudioPlayer *self, gboolean loop)
{
  g_return_if_fail (STUDIO_IS_PLAYER (self));
  loop = !!loop;
  if (loop == self->loop)
    return;
  self->loop = loop;
  gtk_toggle_button_set_active (self->loop_button, loop);
  if (self->core != NULL)
    core_want (self->core, self->frame, loop);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOOP]);
}

void
studio_player_set_speed (StudioPlayer *self, double speed)
{
  guint best = 0;
  g_return_if_fail (STUDIO_IS_PLAYER (self));
  for (guint i = 1; i < G_N_ELEMENTS (speeds); i++)
    if (fabs (speeds[i] - speed) < fabs (speeds[best] - speed))
      best = i;
  if (speeds[best] == self->speed)
    return;
  self->speed = speeds[best];
  gtk_drop_down_set_selected (self->speed_dropdown, best);
  restart_clock (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SPEED]);
}

static void
on_timeline_frame (StudioPlayer *self)
{
  gint64 frame = studio_timeline_get_frame (self->timeline);
  if (frame == self->frame)
    return; /* our own move */
  studio_player_set_frame (self, frame);
  restart_clock (self);
}

static void
on_loop_toggled (StudioPlayer *self)
{
  studio_player_set_loop (self, gtk_toggle_button_get_active (self->loop_button));
}

static void
on_speed_selected (StudioPlayer *self)
{
  guint i = gtk_drop_down_get_selected (self->speed_dropdown);
  if (i < G_N_ELEMENTS (speeds))
    studio_player_set_speed (self, speeds[i]);
}

/* ---- actions ---- */

static void
step_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioPlayer *self = STUDIO_PLAYER (widget);
  studio_player_set_playing (self, FALSE);
  if (g_str_equal (action_name, "player.previous-frame"))
    studio_player_set_frame (self, self->frame - 1);
  else if (g_str_equal (action_name, "player.next-frame"))
    studio_player_set_frame (self, self->frame + 1);
  else if (g_str_equal (action_name, "player.first-frame"))
    studio_player_set_frame (self, 0);
  else
    studio_player_set_frame (self, self->n_frames - 1);
}

static void
play_pause_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioPlayer *self = STUDIO_PLAYER (widget);
  studio_player_set_playing (self, !self->playing);
}

static void
loop_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioPlayer *self = STUDIO_PLAYER (widget);
  studio_player_set_loop (self, !self->loop);
}

static void
add_note_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  StudioPlayer *self = STUDIO_PLAYER (widget);
  studio_player_set_playing (self, FALSE);
  g_signal_emit (self, signals[SIGNAL_NOTE_REQUESTED], 0, self->frame);
}

static void
on_picture_pressed (GtkGestureClick *gesture, int n_press, double x, double y, StudioPlayer *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

/* ---- life cycle ---- */

static void
studio_player_dispose (GObject *object)
{
  StudioPlayer *self = STUDIO_PLAYER (object);
  studio_player_set_leader (self, NULL);
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_clear_pointer (&self->core, core_stop);
  g_clear_object (&self->texture);
  gtk_widget_dispose_template (GTK_WIDGET (self), STUDIO_TYPE_PLAYER);
  G_OBJECT_CLASS (studio_player_parent_class)->dispose (object);
}

static void
studio_player_finalize (GObject *object)
{
  StudioPlayer *self = STUDIO_PLAYER (object);
  g_free (self->path);
  g_free (self->error);
  G_OBJECT_CLASS (studio_player_parent_class)->finalize (object);
}

static void
studio_player_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  StudioPlayer *self = STUDIO_PLAYER (object);
  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_READY:
      g_value_set_boolean (value, self->ready);
      break;
    case PROP_N_FRAMES:
      g_value_set_int64 (value, self->n_frames);
      break;
    case PROP_FPS:
      g_value_set_double (value, self->fps);
      break;
    case PROP_FRAME:
      g_value_set_int64 (value, self->frame);
      break;
    case PROP_SHOWN_FRAME:
      g_value_set_int64 (value, self->shown_frame);
      break;
    case PROP_PLAYING:
      g_value_set_boolean (value, self->playing);
      break;
    case PROP_LOOP:
      g_value_set_boolean (value, self->loop);
      break;
    case PROP_SPEED:
      g_value_set_double (value, self->speed);
      break;
    case PROP_CONTROLS_VISIBLE:
      g_value_set_boolean (value, gtk_widget_get_visible (self->controls));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
studio_player_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  StudioPlayer *self = STUDIO_PLAYER (object);
  switch (prop_id)
    {
    case PROP_FRAME:
      studio_player_set_frame (self, g_value_get_int64 (value));
      break;
    case PROP_PLAYING:
      studio_player_set_playing (self, g_value_get_boolean (value));
      break;
    case PROP_LOOP:
      studio_player_set_loop (self, g_value_get_boolean (value));
      break;
    case PROP_SPEED:
      studio_player_set_speed (self, g_value_get_double (value));
      break;
    case PROP_CONTROLS_VISIBLE:
      studio_player_set_controls_visible (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
studio_player_class_init (StudioPlayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = studio_player_dispose;
  object_class->finalize = studio_player_finalize;
  object_class->get_property = studio_player_get_property;
  object_class->set_property = studio_player_set_property;

  props[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, ro);
  props[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, ro);
  props[PROP_READY] = g_param_spec_boolean ("ready", NULL, NULL, FALSE, ro);
  props[PROP_N_FRAMES] = g_param_spec_int64 ("n-frames", NULL, NULL, 0, G_MAXINT64, 0, ro);
  props[PROP_FPS] = g_param_spec_double ("fps", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  props[PROP_FRAME] = g_param_spec_int64 ("frame", NULL, NULL, 0, G_MAXINT64, 0, rw);
  props[PROP_SHOWN_FRAME] = g_param_spec_int64 ("shown-frame", NULL, NULL, -1, G_MAXINT64, -1, ro);
  props[PROP_PLAYING] = g_param_spec_boolean ("playing", NULL, NULL, FALSE, rw);
  props[PROP_LOOP] = g_param_spec_boolean ("loop", NULL, NULL, FALSE, rw);
  props[PROP_SPEED] = g_param_spec_double ("speed", NULL, NULL, 0.25, 2.0, 1.0, rw);
  props[PROP_CONTROLS_VISIBLE] = g_param_spec_boolean ("controls-visible", NULL, NULL, TRUE, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_NOTE_REQUESTED] = g_signal_new ("note-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  g_type_ensure (STUDIO_TYPE_TIMELINE);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/allegrostudio/AllegroStudio/studio-player.ui");
  gtk_widget_class_bind_template_child (widget_class, StudioPlayer, stack);
  gtk_widget_class_bind_template_child (widget_class, StudioPlayer, empty_page);
  gtk_widget_class_bind_template_child (widget_class, StudioPlayer, message_page);
  gtk_widget_class_bind_template_child (widget_class, StudioPlayer, picture);
  gtk_widget_class_bind_template_child (widget_class, StudioPlayer, controls);
  gtk_widget_class_bind_template_child (widget_class, StudioPlayer, play_button);
  gtk_widget_class_bind_template_child (widget_class, StudioPlayer, timeline);
  gtk_widget_class_bind_template_child (widget_class, StudioPlayer, frame_label);
  gtk_widget_class_bind_template_child (widget_class, StudioPlayer, timecode_label);
  gtk_widget_class_bind_template_child (widget_class, StudioPlayer, loop_button);
  gtk_widget_class_bind_template_child (widget_class, StudioPlayer, speed_dropdown);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "player");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);

  gtk_widget_class_install_action (widget_class, "player.previous-frame", NULL, step_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "player.previous-frame", NULL);
  gtk_widget_class_install_action (widget_class, "player.next-frame", NULL, step_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "player.next-frame", NULL);
  gtk_widget_class_install_action (widget_class, "player.first-frame", NULL, step_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "player.first-frame", NULL);
  gtk_widget_class_install_action (widget_class, "player.last-frame", NULL, step_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, 0, "player.last-frame", NULL);
  gtk_widget_class_install_action (widget_class, "player.play-pause", NULL, play_pause_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "player.play-pause", NULL);
  gtk_widget_class_install_action (widget_class, "player.toggle-loop", NULL, loop_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, 0, "player.toggle-loop", NULL);
  gtk_widget_class_install_action (widget_class, "player.add-note", NULL, add_note_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, 0, "player.add-note", NULL);
}

static void
studio_player_init (StudioPlayer *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
  self->speed = 1.0;
  self->shown_frame = -1;
  g_signal_connect (click, "pressed", G_CALLBACK (on_picture_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->picture), GTK_EVENT_CONTROLLER (click));
  g_signal_connect_swapped (self->timeline, "notify::frame", G_CALLBACK (on_timeline_frame), self);
  g_signal_connect_swapped (self->loop_button, "toggled", G_CALLBACK (on_loop_toggled), self);
  g_signal_connect_swapped (self->speed_dropdown, "notify::selected", G_CALLBACK (on_speed_selected), self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, "Player", -1);
  update_labels (self);
  update_actions (self);
}

GtkWidget *
studio_player_new (void)
{
  return g_object_new (STUDIO_TYPE_PLAYER, NULL);
}

const char *
studio_player_get_path (StudioPlayer *self)
{
  return self->path;
}

const char *
studio_player_get_error (StudioPlayer *self)
{
  return self->error;
}

gboolean
studio_player_get_ready (StudioPlayer *self)
{
  return self->ready;
}

gint64
studio_player_get_n_frames (StudioPlayer *self)
{
  return self->n_frames;
}

double
studio_player_get_fps (StudioPlayer *self)
{
  return self->fps;
}

gint64
studio_player_get_frame (StudioPlayer *self)
{
  return self->frame;
}

gint64
studio_player_get_shown_frame (StudioPlayer *self)
{
  return self->shown_frame;
}

GdkTexture *
studio_player_get_texture (StudioPlayer *self)
{
  return self->texture;
}

gboolean
studio_player_get_playing (StudioPlayer *self)
{
  return self->playing;
}

gboolean
studio_player_get_loop (StudioPlayer *self)
{
  return self->loop;
}

double
studio_player_get_speed (StudioPlayer *self)
{
  return self->speed;
}

void
studio_player_set_markers (StudioPlayer *self, const gint64 *frames, guint n_frames)
{
  studio_timeline_set_markers (self->timeline, frames, n_frames);
}

void
studio_player_set_controls_visible (StudioPlayer *self, gboolean visible)
{
  if (gtk_widget_get_visible (self->controls) == !!visible)
    return;
  gtk_widget_set_visible (self->controls, visible);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONTROLS_VISIBLE]);
}

static void
on_leader_frame (StudioPlayer *self, GParamSpec *pspec, StudioPlayer *leader)
{
  studio_player_set_frame (self, studio_player_get_frame (leader));
}

static void
on_leader_gone (gpointer data, GObject *where_the_object_was)
{
  StudioPlayer *self = data;
  self->leader = NULL;
  self->leader_handler = 0;
}

void
studio_player_set_leader (StudioPlayer *self, StudioPlayer *leader)
{
  g_return_if_fail (leader != self);
  if (self->leader == leader)
    return;
  if (self->leader != NULL)
    {
      g_signal_handler_disconnect (self->leader, self->leader_handler);
      g_object_weak_unref (G_OBJECT (self->leader), on_leader_gone, self);
      self->leader = NULL;
      self->leader_handler = 0;
    }
  if (leader == NULL)
    return;
  self->leader = leader;
  g_object_weak_ref (G_OBJECT (leader), on_leader_gone, self);
  self->leader_handler = g_signal_connect_swapped (leader, "notify::frame", G_CALLBACK (on_leader_frame), self);
  studio_player_set_frame (self, studio_player_get_frame (leader));
}
