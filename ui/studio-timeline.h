/* studio-timeline.h: the player's timeline: a bar of N frames with the
 * playhead and markers (frames that carry notes).  Click or drag to scrub;
 * the "frame" property follows the pointer. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define STUDIO_TYPE_TIMELINE (studio_timeline_get_type ())
G_DECLARE_FINAL_TYPE (StudioTimeline, studio_timeline, STUDIO, TIMELINE, GtkWidget)

GtkWidget *studio_timeline_new (void);

/* "n-frames" (gint64): 0 while nothing is loaded. */
gint64 studio_timeline_get_n_frames (StudioTimeline *self);
void studio_timeline_set_n_frames (StudioTimeline *self, gint64 n_frames);
/* "frame" (gint64): the playhead, clamped to 0 .. n-frames - 1. */
gint64 studio_timeline_get_frame (StudioTimeline *self);
void studio_timeline_set_frame (StudioTimeline *self, gint64 frame);
/* The frames that carry notes (copied); NULL or empty for none. */
void studio_timeline_set_markers (StudioTimeline *self, const gint64 *frames, guint n_frames);
guint studio_timeline_get_n_markers (StudioTimeline *self);

/* The frame under X (widget coordinates); for tests and the gestures. */
gint64 studio_timeline_frame_at (StudioTimeline *self, double x);

G_END_DECLS
