/* studio-library-async.h: the library for a GUI, whose main thread must never
 * wait on the database.  Every call is queued to one worker thread per
 * library, so calls run in the order made; results come back through the
 * thread-default main context of the caller, as GTask results with GError.
 *
 * Arguments are copied before the call returns.  Close the library only
 * after the callbacks of its calls have run (studio_library_close waits for
 * queued calls to finish). */
#pragma once

#include "studio-library.h"

G_BEGIN_DECLS

/* Any library call: FUNC runs on the worker thread and returns a result
 * (freed with RESULT_FREE when nobody takes it) or NULL with ERROR set. */
typedef gpointer (*StudioLibraryJobFunc) (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error);

void studio_library_run_async (StudioLibrary *lib, StudioLibraryJobFunc func, gpointer data, GDestroyNotify data_free,
                               GDestroyNotify result_free, GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
gpointer studio_library_run_finish (GAsyncResult *result, GError **error);

/* studio_library_open on a thread of GLib's pool. */
void studio_library_open_async (const char *dir, StudioLibraryOpenFlags flags, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
StudioLibrary *studio_library_open_finish (GAsyncResult *result, GError **error);

void studio_library_list_takes_async (StudioLibrary *lib, const StudioTakeQuery *query, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *studio_library_list_takes_finish (GAsyncResult *result, GError **error);

void studio_library_get_take_async (StudioLibrary *lib, gint64 take_id, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
StudioTake *studio_library_get_take_finish (GAsyncResult *result, GError **error);

void studio_library_list_projects_async (StudioLibrary *lib, GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
GPtrArray *studio_library_list_projects_finish (GAsyncResult *result, GError **error);

void studio_library_create_take_async (StudioLibrary *lib, const char *actor, const StudioTakeParams *params,
                                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* The new take's id, or 0 with ERROR set. */
gint64 studio_library_create_take_finish (GAsyncResult *result, GError **error);

void studio_library_import_async (StudioLibrary *lib, const char *actor, const char *project, const char *path,
                                  const char *title, const char *source, const char *licence, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
gint64 studio_library_import_finish (GAsyncResult *result, GError **error);

void studio_library_review_async (StudioLibrary *lib, gint64 take_id, const char *actor, StudioDecision decision,
                                  const char *note, gint64 frame, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean studio_library_review_finish (GAsyncResult *result, GError **error);

void studio_library_clear_async (StudioLibrary *lib, gint64 take_id, const char *actor, StudioClearance item,
                                 GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
gboolean studio_library_clear_finish (GAsyncResult *result, GError **error);

void studio_library_verify_audit_async (StudioLibrary *lib, GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
/* The number of rows in the intact chain, or -1 with ERROR set. */
gint64 studio_library_verify_audit_finish (GAsyncResult *result, GError **error);

G_END_DECLS
