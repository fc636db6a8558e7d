/* ui-test-util.h: helpers for the GTK tests: checks, waiting on the main
 * loop with a deadline, finding widgets, screenshots, and a library with
 * members, a project and takes made done with real media. */
#pragma once

#include <adwaita.h>

#include "studio-library.h"

G_BEGIN_DECLS

/* Prints "ok"/"FAIL" and counts. */
void ui_check (gboolean condition, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* The exit status: 1 when a check failed. */
int ui_check_summary (void);

/* Runs the main loop until CONDITION (DATA) holds or SECONDS pass; returns
 * whether it holds. */
typedef gboolean (*UiCondition) (gpointer data);
gboolean ui_wait_for (UiCondition condition, gpointer data, double seconds);
/* Runs the main loop for about SECONDS. */
void ui_spin (double seconds);

/* The first descendant of ROOT (itself included) with widget name NAME, or of TYPE (NAME NULL). */
GtkWidget *ui_find_widget (GtkWidget *root, const char *name, GType type);
/* A click on a button, now (gtk_widget_activate delays a button's
 * "clicked" by a quarter second, to show it pressed). */
void ui_click (GtkWidget *button);
/* The first toplevel window of TYPE, or NULL. */
GtkWindow *ui_find_window (GType type);

/* Renders WIDGET's tree (a realised window) to a texture. */
GdkTexture *ui_screenshot (GtkWidget *window);
/* Distinct colours in a 16-level quantisation. */
guint ui_count_colours (GdkTexture *texture);
/* Saves a screenshot of WINDOW as OUT_DIR/NAME and checks it is not blank. */
void ui_save_screenshot (GtkWidget *window, const char *out_dir, const char *name);

/* The colour of test frame INDEX: red 16 * index, green 255 - 16 * index,
 * blue BLUE. */
void ui_frame_colour (int index, int blue, guint8 rgb[3]);
/* The red, green and blue of the centre pixel of TEXTURE. */
void ui_texture_centre (GdkTexture *texture, guint8 rgb[3]);
/* Whether TEXTURE's centre is frame INDEX's colour (within a codec's error). */
gboolean ui_texture_is_frame (GdkTexture *texture, int index, int blue);

/* Writes an MP4 of N_FRAMES WIDTHxHEIGHT frames at FPS, each one flat
 * colour (ui_frame_colour with BLUE). */
gboolean ui_write_test_video (const char *path, int n_frames, int width, int height, double fps, int blue,
                              GError **error);

/* A library in a new temporary folder: admin "ada", creative "cleo", legal
 * "lena", manager "max", project "Spring Ad". */
StudioLibrary *ui_make_library (char **dir, GError **error);
/* A draft or final take by cleo (PARENT_ID 0 for none) rendered "done"
 * with VIDEO as its media and a recipe of 16 frames at 8 fps. */
gint64 ui_make_done_take (StudioLibrary *lib, StudioTakeKind kind, gint64 parent_id, const char *title,
                          const char *prompt, const char *video, GError **error);

/* Runs what is pending on the main context, without blocking. */
void ui_drain (void);
/* Iterates the main context until DONE (data) or SECONDS pass. */
gboolean ui_wait_until (gboolean (*done) (gpointer data), gpointer data, double seconds);
/* Mean luminance (0..255) of a texture (dark mode checks). */
double ui_mean_luminance (GdkTexture *texture);
/* Screenshot of WIDGET to DIR/NAME, checked to have at least MIN_COLOURS;
 * returns the texture (owned by the caller) or NULL. */
GdkTexture *ui_save_screenshot_checked (GtkWidget *widget, const char *dir, const char *name, guint min_colours);
/* The first widget of TYPE under ROOT whose title (preferences rows) or
 * label (buttons) is TITLE. */
GtkWidget *ui_find_row (GtkWidget *root, GType type, const char *title);

G_END_DECLS
