/* studio-library-async.c: GTask wrappers over one worker thread per library. */
#define G_LOG_DOMAIN "studio-library"

#include "studio-library-async.h"
#include "studio-library-private.h"

typedef struct
{
  StudioLibrary *lib;
  StudioLibraryJobFunc func;
  gpointer data;
  GDestroyNotify data_free;
  GDestroyNotify result_free;
} Job;

static void
job_free (Job *job)
{
  if (job->data_free != NULL && job->data != NULL)
    job->data_free (job->data);
  g_free (job);
}

static void
run_job (gpointer item, gpointer unused)
{
  GTask *task = item;
  Job *job = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;
  gpointer result;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  result = job->func (job->lib, job->data, cancellable, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, job->result_free);
  g_object_unref (task);
}

static G_LOCK_DEFINE (worker);

void
studio_library_run_async (StudioLibrary *lib, StudioLibraryJobFunc func, gpointer data, GDestroyNotify data_free,
                          GDestroyNotify result_free, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);
  GError *error = NULL;

  job->lib = lib;
  job->func = func;
  job->data = data;
  job->data_free = data_free;
  job->result_free = result_free;
  g_task_set_source_tag (task, studio_library_run_async);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);

  /* Not the library's own lock: the worker may hold that for a while. */
  G_LOCK (worker);
  if (lib->worker == NULL)
    lib->worker = g_thread_pool_new (run_job, NULL, 1, TRUE, &error);
  G_UNLOCK (worker);
  if (lib->worker == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_thread_pool_push (lib->worker, task, NULL);
}

gpointer
studio_library_run_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Results that are not pointers travel boxed. */
static gpointer
box_int64 (gint64 value)
{
  return g_memdup2 (&value, sizeof value);
}

static gint64
finish_int64 (GAsyncResult *result, gint64 failed, GError **error)
{
  g_autofree gint64 *value = studio_library_run_finish (result, error);
  return value != NULL ? *value : failed;
}

/* Open */

typedef struct
{
  char *dir;
  StudioLibraryOpenFlags flags;
} OpenArgs;

static void
open_args_free (OpenArgs *args)
{
  g_free (args->dir);
  g_free (args);
}

static void
open_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  OpenArgs *args = data;
  GError *error = NULL;
  StudioLibrary *lib = studio_library_open (args->dir, args->flags, &error);

  if (lib == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, lib, (GDestroyNotify) studio_library_close);
}

void
studio_library_open_async (const char *dir, StudioLibraryOpenFlags flags, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  OpenArgs *args = g_new0 (OpenArgs, 1);

  args->dir = g_strdup (dir);
  args->flags = flags;
  g_task_set_source_tag (task, studio_library_open_async);
  g_task_set_task_data (task, args, (GDestroyNotify) open_args_free);
  g_task_run_in_thread (task, open_thread);
}

StudioLibrary *
studio_library_open_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Reading */

typedef struct
{
  char *project;
  char *search;
  StudioTakeQuery query;
} QueryArgs;

static void
query_args_free (QueryArgs *args)
{
  g_free (args->project);
  g_free (args->search);
  g_free (args);
}

static gpointer
list_takes_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  QueryArgs *args = data;
  return studio_library_list_takes (lib, &args->query, error);
}

void
studio_library_list_takes_async (StudioLibrary *lib, const StudioTakeQuery *query, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  QueryArgs *args = g_new0 (QueryArgs, 1);

  if (query != NULL)
    args->query = *query;
  args->project = g_strdup (args->query.project);
  args->search = g_strdup (args->query.search);
  args->query.project = args->project;
  args->query.search = args->search;
  studio_library_run_async (lib, list_takes_job, args, (GDestroyNotify) query_args_free,
                            (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
studio_library_list_takes_finish (GAsyncResult *result, GError **error)
{
  return studio_library_run_finish (result, error);
}

static gpointer
get_take_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  return studio_library_get_take (lib, *(gint64 *) data, error);
}

void
studio_library_get_take_async (StudioLibrary *lib, gint64 take_id, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  studio_library_run_async (lib, get_take_job, box_int64 (take_id), g_free, (GDestroyNotify) studio_take_free,
                            cancellable, callback, user_data);
}

StudioTake *
studio_library_get_take_finish (GAsyncResult *result, GError **error)
{
  return studio_library_run_finish (result, error);
}

static gpointer
list_projects_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  return studio_library_list_projects (lib, error);
}

void
studio_library_list_projects_async (StudioLibrary *lib, GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  studio_library_run_async (lib, list_projects_job, NULL, NULL, (GDestroyNotify) g_ptr_array_unref, cancellable,
                            callback, user_data);
}

GPtrArray *
studio_library_list_projects_finish (GAsyncResult *result, GError **error)
{
  return studio_library_run_finish (result, error);
}

/* Writing */

typedef struct
{
  char *actor;
  char *project;
  char *title;
  char *path;
  char *source;
  char *licence;
  char *note;
  StudioRecipe recipe;
  StudioTakeParams params;
  gint64 take_id;
  int value;
  gint64 frame;
} WriteArgs;

static void
write_args_free (WriteArgs *args)
{
  g_free (args->actor);
  g_free (args->project);
  g_free (args->title);
  g_free (args->path);
  g_free (args->source);
  g_free (args->licence);
  g_free (args->note);
  studio_recipe_clear (&args->recipe);
  g_free (args);
}

static WriteArgs *
write_args_new (const char *actor, gint64 take_id)
{
  WriteArgs *args = g_new0 (WriteArgs, 1);

  args->actor = g_strdup (actor);
  args->take_id = take_id;
  return args;
}

static gpointer
create_take_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  WriteArgs *args = data;
  gint64 id = studio_library_create_take (lib, args->actor, &args->params, error);
  return id > 0 ? box_int64 (id) : NULL;
}

void
studio_library_create_take_async (StudioLibrary *lib, const char *actor, const StudioTakeParams *params,
                                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  WriteArgs *args = write_args_new (actor, 0);

  args->params = *params;
  args->project = g_strdup (params->project);
  args->title = g_strdup (params->title);
  args->params.project = args->project;
  args->params.title = args->title;
  if (params->recipe != NULL)
    {
      studio_recipe_copy (params->recipe, &args->recipe);
      args->params.recipe = &args->recipe;
    }
  studio_library_run_async (lib, create_take_job, args, (GDestroyNotify) write_args_free, g_free, cancellable, callback,
                            user_data);
}

gint64
studio_library_create_take_finish (GAsyncResult *result, GError **error)
{
  return finish_int64 (result, 0, error);
}

static gpointer
import_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  WriteArgs *args = data;
  gint64 id = studio_library_import (lib, args->actor, args->project, args->path, args->title, args->source,
                                     args->licence, error);
  return id > 0 ? box_int64 (id) : NULL;
}

void
studio_library_import_async (StudioLibrary *lib, const char *actor, const char *project, const char *path,
                             const char *title, const char *source, const char *licence, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  WriteArgs *args = write_args_new (actor, 0);

  args->project = g_strdup (project);
  args->path = g_strdup (path);
  args->title = g_strdup (title);
  args->source = g_strdup (source);
  args->licence = g_strdup (licence);
  studio_library_run_async (lib, import_job, args, (GDestroyNotify) write_args_free, g_free, cancellable, callback,
                            user_data);
}

gint64
studio_library_import_finish (GAsyncResult *result, GError **error)
{
  return finish_int64 (result, 0, error);
}

static gpointer
review_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  WriteArgs *args = data;
  return GINT_TO_POINTER (studio_library_review (lib, args->take_id, args->actor, (StudioDecision) args->value,
                                                 args->note, args->frame, error));
}

void
studio_library_review_async (StudioLibrary *lib, gint64 take_id, const char *actor, StudioDecision decision,
                             const char *note, gint64 frame, GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  WriteArgs *args = write_args_new (actor, take_id);

  args->value = (int) decision;
  args->note = g_strdup (note);
  args->frame = frame;
  studio_library_run_async (lib, review_job, args, (GDestroyNotify) write_args_free, NULL, cancellable, callback,
                            user_data);
}

gboolean
studio_library_review_finish (GAsyncResult *result, GError **error)
{
  return GPOINTER_TO_INT (studio_library_run_finish (result, error));
}

static gpointer
clear_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  WriteArgs *args = data;
  return GINT_TO_POINTER (studio_library_clear (lib, args->take_id, args->actor, (StudioClearance) args->value, error));
}

void
studio_library_clear_async (StudioLibrary *lib, gint64 take_id, const char *actor, StudioClearance item,
                            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  WriteArgs *args = write_args_new (actor, take_id);

  args->value = (int) item;
  studio_library_run_async (lib, clear_job, args, (GDestroyNotify) write_args_free, NULL, cancellable, callback,
                            user_data);
}

gboolean
studio_library_clear_finish (GAsyncResult *result, GError **error)
{
  return GPOINTER_TO_INT (studio_library_run_finish (result, error));
}

static gpointer
verify_audit_job (StudioLibrary *lib, gpointer data, GCancellable *cancellable, GError **error)
{
  gint64 n_rows = 0;

  if (!studio_library_verify_audit (lib, &n_rows, NULL, error))
    return NULL;
  return box_int64 (n_rows);
}

void
studio_library_verify_audit_async (StudioLibrary *lib, GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  studio_library_run_async (lib, verify_audit_job, NULL, NULL, g_free, cancellable, callback, user_data);
}

gint64
studio_library_verify_audit_finish (GAsyncResult *result, GError **error)
{
  return finish_int64 (result, -1, error);
}
