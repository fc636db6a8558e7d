/* studio-player.h: a frame-exact player for review.  Frames are decoded
 * with StudioDecoder on the player's own worker thread, a few ahead of the
 * playhead, and shown as GdkMemoryTextures paced by a tick callback (late
 * frames are dropped, never shown out of order).  Under the picture: step
 * and play buttons, the timeline with note markers, the frame number and
 * timecode (frames at the take's fps), loop and speed (0.25x to 2x).
 *
 * Keys (when the player has the focus): Left / Right step a frame, Home /
 * End go to the first / last frame, Space plays or pauses, L toggles loop,
 * N asks for a note at the current frame ("note-requested").
 *
 * Two players are kept in step with studio_player_set_leader: the follower
 * shows the leader's frame (clamped to its own length).
 *
 * Main thread only. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define STUDIO_TYPE_PLAYER (studio_player_get_type ())
G_DECLARE_FINAL_TYPE (StudioPlayer, studio_player, STUDIO, PLAYER, GtkWidget)

GtkWidget *studio_player_new (void);

/* Opens PATH (decoding starts on the worker); NULL shows an empty player.
 * Errors (a missing or damaged file) are shown in the player, with what to
 * do, and kept in the "error" property. */
void studio_player_open (StudioPlayer *self, const char *path);
const char *studio_player_get_path (StudioPlayer *self);
/* "error" (string): why the video cannot be shown; NULL when fine. */
const char *studio_player_get_error (StudioPlayer *self);
/* "ready" (boolean): the file is open and its frame count known. */
gboolean studio_player_get_ready (StudioPlayer *self);

/* "n-frames" (gint64) and "fps" (double): of the open file; 0 before. */
gint64 studio_player_get_n_frames (StudioPlayer *self);
double studio_player_get_fps (StudioPlayer *self);

/* "frame" (gint64): the playhead, 0-based. */
gint64 studio_player_get_frame (StudioPlayer *self);
void studio_player_set_frame (StudioPlayer *self, gint64 frame);
/* "shown-frame" (gint64): the frame whose picture is on screen; -1 for
 * none.  It equals "frame" once the worker has decoded it. */
gint64 studio_player_get_shown_frame (StudioPlayer *self);
/* The texture on screen (NULL for none), for tests and screenshots. */
GdkTexture *studio_player_get_texture (StudioPlayer *self);

/* "playing", "loop" (booleans) and "speed" (double, 0.25 .. 2). */
gboolean studio_player_get_playing (StudioPlayer *self);
void studio_player_set_playing (StudioPlayer *self, gboolean playing);
gboolean studio_player_get_loop (StudioPlayer *self);
void studio_player_set_loop (StudioPlayer *self, gboolean loop);
double studio_player_get_speed (StudioPlayer *self);
void studio_player_set_speed (StudioPlayer *self, double speed);

/* Frames that carry notes, drawn on the timeline (copied). */
void studio_player_set_markers (StudioPlayer *self, const gint64 *frames, guint n_frames);

/* "controls-visible" (boolean): the transport bar under the picture. */
void studio_player_set_controls_visible (StudioPlayer *self, gboolean visible);

/* Makes SELF show LEADER's frame whenever it changes (NULL: independent). */
void studio_player_set_leader (StudioPlayer *self, StudioPlayer *leader);

/* "00:00:01:13": hours, minutes, seconds and frames at FPS. */
char *studio_player_format_timecode (gint64 frame, double fps);

G_END_DECLS
