/* studio-timeline.c: a frame-accurate scrub bar drawn in the snapshot vfunc. */
#define G_LOG_DOMAIN "studio-timeline"

#include "studio-timeline.h"

#define BAR_HEIGHT 8.0
#define MARKER_WIDTH 3.0
#define HEAD_WIDTH 3.0

struct _StudioTimeline
{
  GtkWidget parent_instance;

  gint64 n_frames;
  gint64 frame;
  GArray *markers; /* gint64, sorted */
  double drag_start_x;
};

G_DEFINE_FINAL_TYPE (StudioTimeline, studio_timeline, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_N_FRAMES,
  PROP_FRAME,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
update_accessible_value (StudioTimeline *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, (double) MAX (self->n_frames - 1, 0),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, (double) self->frame, -1);
}

gint64
studio_timeline_frame_at (StudioTimeline *self, double x)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  if (self->n_frames <= 0 || width <= 0)
    return 0;
  gint64 frame = (gint64) (x / width * (double) self->n_frames);
  return CLAMP (frame, 0, self->n_frames - 1);
}

static double
frame_x (StudioTimeline *self, gint64 frame, double width)
{
  if (self->n_frames <= 0)
    return 0;
  /* The centre of the frame's slot. */
  return ((double) frame + 0.5) / (double) self->n_frames * width;
}

static void
studio_timeline_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  StudioTimeline *self = STUDIO_TIMELINE (widget);
  double width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  double bar_y = (height - BAR_HEIGHT) / 2;
  GdkRGBA fg, track, played, marker = { 0.90, 0.65, 0.04, 1.0 };
  GskRoundedRect rounded;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  track = fg;
  track.alpha = 0.15;
  played = fg;
  played.alpha = 0.45;

  gsk_rounded_rect_init_from_rect (&rounded, &GRAPHENE_RECT_INIT (0, bar_y, width, BAR_HEIGHT), BAR_HEIGHT / 2);
  gtk_snapshot_push_rounded_clip (snapshot, &rounded);
  gtk_snapshot_append_color (snapshot, &track, &GRAPHENE_RECT_INIT (0, bar_y, width, BAR_HEIGHT));
  if (self->n_frames > 0)
    gtk_snapshot_append_color (snapshot, &played,
                               &GRAPHENE_RECT_INIT (0, bar_y, frame_x (self, self->frame, width), BAR_HEIGHT));
  gtk_snapshot_pop (snapshot);

  for (guint i = 0; self->markers != NULL && i < self->markers->len; i++)
    {
      double x = frame_x (self, g_array_index (self->markers, gint64, i), width);
      gtk_snapshot_append_color (snapshot, &marker,
                                 &GRAPHENE_RECT_INIT (x - MARKER_WIDTH / 2, 0, MARKER_WIDTH, height));
    }
  if (self->n_frames > 0)
    {
      double x = frame_x (self, self->frame, width);
      gtk_snapshot_append_color (snapshot, &fg, &GRAPHENE_RECT_INIT (x - HEAD_WIDTH / 2, 2, HEAD_WIDTH, height - 4));
    }
}

static void
studio_timeline_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                         int *minimum_baseline, int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = 120;
  else
    *minimum = *natural = 24;
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, StudioTimeline *self)
{
  self->drag_start_x = x;
  studio_timeline_set_frame (self, studio_timeline_frame_at (self, x));
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, StudioTimeline *self)
{
  studio_timeline_set_frame (self, studio_timeline_frame_at (self, self->drag_start_x + dx));
}

static void
studio_timeline_finalize (GObject *object)
{
  StudioTimeline *self = STUDIO_TIMELINE (object);
  g_clear_pointer (&self->markers, g_array_unref);
  G_OBJECT_CLASS (studio_timeline_parent_class)->finalize (object);
}

static void
studio_timeline_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  StudioTimeline *self = STUDIO_TIMELINE (object);
  switch (prop_id)
    {
    case PROP_N_FRAMES:
      g_value_set_int64 (value, self->n_frames);
      break;
    case PROP_FRAME:
      g_value_set_int64 (value, self->frame);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
studio_timeline_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  StudioTimeline *self = STUDIO_TIMELINE (object);
  switch (prop_id)
    {
    case PROP_N_FRAMES:
      studio_timeline_set_n_frames (self, g_value_get_int64 (value));
      break;
    case PROP_FRAME:
      studio_timeline_set_frame (self, g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
studio_timeline_class_init (StudioTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = studio_timeline_finalize;
  object_class->get_property = studio_timeline_get_property;
  object_class->set_property = studio_timeline_set_property;
  widget_class->snapshot = studio_timeline_snapshot;
  widget_class->measure = studio_timeline_measure;

  props[PROP_N_FRAMES] = g_param_spec_int64 ("n-frames", NULL, NULL, 0, G_MAXINT64, 0,
                                             G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_FRAME] = g_param_spec_int64 ("frame", NULL, NULL, 0, G_MAXINT64, 0,
                                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
  gtk_widget_class_set_css_name (widget_class, "timeline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SLIDER);
}

static void
studio_timeline_init (StudioTimeline *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();

  self->markers = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), "Click or drag to go to a frame; marks show frames with notes");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, "Timeline", -1);
  update_accessible_value (self);
}

GtkWidget *
studio_timeline_new (void)
{
  return g_object_new (STUDIO_TYPE_TIMELINE, NULL);
}

gint64
studio_timeline_get_n_frames (StudioTimeline *self)
{
  return self->n_frames;
}

void
studio_timeline_set_n_frames (StudioTimeline *self, gint64 n_frames)
{
  n_frames = MAX (n_frames, 0);
  if (self->n_frames == n_frames)
    return;
  self->n_frames = n_frames;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_FRAMES]);
  if (self->frame >= n_frames)
    studio_timeline_set_frame (self, n_frames - 1);
  update_accessible_value (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gint64
studio_timeline_get_frame (StudioTimeline *self)
{
  return self->frame;
}

void
studio_timeline_set_frame (StudioTimeline *self, gint64 frame)
{
  frame = CLAMP (frame, 0, MAX (self->n_frames - 1, 0));
  if (self->frame == frame)
    return;
  self->frame = frame;
  update_accessible_value (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FRAME]);
}

static int
compare_frames (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

void
studio_timeline_set_markers (StudioTimeline *self, const gint64 *frames, guint n_frames)
{
  g_array_set_size (self->markers, 0);
  if (frames != NULL && n_frames > 0)
    g_array_append_vals (self->markers, frames, n_frames);
  g_array_sort (self->markers, compare_frames);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
studio_timeline_get_n_markers (StudioTimeline *self)
{
  return self->markers->len;
}
