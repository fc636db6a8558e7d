/* studio-queue-row.h: one job of the render queue: its title, state,
 * progress (step x of N, elapsed, remaining), a live preview of the current
 * prediction, what to do when it failed, and buttons to cancel, move or
 * queue it again (the "create." actions of the Create view, with the job's
 * take id as target). */
#pragma once

#include <adwaita.h>

#include "studio-render-queue.h"

G_BEGIN_DECLS

#define STUDIO_TYPE_QUEUE_ROW (studio_queue_row_get_type ())
G_DECLARE_FINAL_TYPE (StudioQueueRow, studio_queue_row, STUDIO, QUEUE_ROW, AdwBin)

GtkWidget *studio_queue_row_new (void);
/* Follows JOB (NULL: none) until another job is set. */
void studio_queue_row_set_job (StudioQueueRow *self, StudioRenderJob *job);
StudioRenderJob *studio_queue_row_get_job (StudioQueueRow *self);

/* "Step 3 of 30 · 0:12 elapsed · about 1:40 left" and the like. */
char *studio_queue_row_describe (StudioRenderJob *job);

G_END_DECLS
