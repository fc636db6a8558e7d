/* studio-provenance.c: the provenance record, as JSON (cJSON), in container
 * tags and in a sidecar file. */
#define G_LOG_DOMAIN "studio-media"

#include "studio-provenance.h"
#include "studio-media-private.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include <libavformat/avformat.h>

/* Seeds above this cannot be JSON numbers without losing digits in most
 * readers; they are written as strings. */
#define MAX_EXACT_DOUBLE_INTEGER (G_GUINT64_CONSTANT (1) << 53)

StudioProvenance *
studio_provenance_new (void)
{
  StudioProvenance *self = g_new0 (StudioProvenance, 1);

  self->ai_generated = TRUE;
  self->approvals = g_ptr_array_new ();
  return self;
}

static void
approval_free (StudioApproval *approval)
{
  g_free (approval->name);
  g_free (approval->role);
  g_free (approval->decision);
  g_free (approval->time);
  g_free (approval);
}

void
studio_provenance_free (StudioProvenance *self)
{
  if (self == NULL)
    return;
  g_free (self->title);
  g_free (self->comment);
  g_free (self->take_id);
  g_free (self->review_status);
  g_free (self->model_name);
  g_free (self->model_hash);
  g_free (self->prompt);
  g_free (self->negative_prompt);
  g_free (self->engine_version);
  g_free (self->export_format);
  g_free (self->exported_at);
  g_ptr_array_foreach (self->approvals, (GFunc) (void (*) (void)) approval_free, NULL);
  g_ptr_array_free (self->approvals, TRUE);
  g_free (self);
}

void
studio_provenance_add_approval (StudioProvenance *self, const char *name, const char *role, const char *decision,
                                const char *time)
{
  StudioApproval *approval = g_new0 (StudioApproval, 1);

  approval->name = g_strdup (name);
  approval->role = g_strdup (role);
  approval->decision = g_strdup (decision);
  approval->time = g_strdup (time);
  g_ptr_array_add (self->approvals, approval);
}

StudioProvenance *
studio_provenance_copy (const StudioProvenance *self)
{
  StudioProvenance *copy = g_memdup2 (self, sizeof *self);

  copy->title = g_strdup (self->title);
  copy->comment = g_strdup (self->comment);
  copy->take_id = g_strdup (self->take_id);
  copy->review_status = g_strdup (self->review_status);
  copy->model_name = g_strdup (self->model_name);
  copy->model_hash = g_strdup (self->model_hash);
  copy->prompt = g_strdup (self->prompt);
  copy->negative_prompt = g_strdup (self->negative_prompt);
  copy->engine_version = g_strdup (self->engine_version);
  copy->export_format = g_strdup (self->export_format);
  copy->exported_at = g_strdup (self->exported_at);
  copy->approvals = g_ptr_array_new ();
  for (guint i = 0; i < self->approvals->len; i++)
    {
      const StudioApproval *a = g_ptr_array_index (self->approvals, i);
      studio_provenance_add_approval (copy, a->name, a->role, a->decision, a->time);
    }
  return copy;
}

static void
add_string (cJSON *object, const char *key, const char *value)
{
  if (value != NULL)
    cJSON_AddStringToObject (object, key, value);
  else
    cJSON_AddNullToObject (object, key);
}

char *
studio_provenance_to_json (const StudioProvenance *self, gboolean pretty)
{
  cJSON *root = cJSON_CreateObject ();
  cJSON *model, *recipe, *approvals, *export;
  char *printed, *json;

  cJSON_AddStringToObject (root, "schema", STUDIO_PROVENANCE_SCHEMA);
  cJSON_AddBoolToObject (root, "ai_generated", self->ai_generated);
  if (self->ai_generated)
    {
      cJSON_AddStringToObject (root, "digital_source_type", STUDIO_PROVENANCE_SOURCE_TYPE);
      cJSON_AddStringToObject (root, "disclosure", "AI-generated");
    }
  add_string (root, "title", self->title);
  add_string (root, "comment", self->comment);
  add_string (root, "take_id", self->take_id);
  add_string (root, "review_status", self->review_status);

  model = cJSON_AddObjectToObject (root, "model");
  add_string (model, "name", self->model_name);
  add_string (model, "hash", self->model_hash);

  recipe = cJSON_AddObjectToObject (root, "recipe");
  add_string (recipe, "prompt", self->prompt);
  add_string (recipe, "negative_prompt", self->negative_prompt);
  if (self->seed <= MAX_EXACT_DOUBLE_INTEGER)
    cJSON_AddNumberToObject (recipe, "seed", (double) self->seed);
  else
    {
      char seed[32];
      g_snprintf (seed, sizeof seed, "%" G_GUINT64_FORMAT, self->seed);
      cJSON_AddStringToObject (recipe, "seed", seed);
    }
  cJSON_AddNumberToObject (recipe, "steps", self->steps);
  cJSON_AddNumberToObject (recipe, "guidance", self->guidance);
  cJSON_AddNumberToObject (recipe, "width", self->width);
  cJSON_AddNumberToObject (recipe, "height", self->height);
  cJSON_AddNumberToObject (recipe, "frames", self->frames);
  cJSON_AddNumberToObject (recipe, "fps", self->fps);

  add_string (root, "engine_version", self->engine_version);
  approvals = cJSON_AddArrayToObject (root, "approvals");
  for (guint i = 0; i < self->approvals->len; i++)
    {
      const StudioApproval *a = g_ptr_array_index (self->approvals, i);
      cJSON *item = cJSON_CreateObject ();
      add_string (item, "name", a->name);
      add_string (item, "role", a->role);
      add_string (item, "decision", a->decision);
      add_string (item, "time", a->time);
      cJSON_AddItemToArray (approvals, item);
    }
  if (self->export_format != NULL || self->exported_at != NULL)
    {
      export = cJSON_AddObjectToObject (root, "export");
      add_string (export, "format", self->export_format);
      cJSON_AddBoolToObject (export, "label_ai", self->label_ai);
      cJSON_AddBoolToObject (export, "label_draft", self->label_draft);
      add_string (export, "exported_at", self->exported_at);
    }

  printed = pretty ? cJSON_Print (root) : cJSON_PrintUnformatted (root);
  cJSON_Delete (root);
  json = g_strdup (printed);
  cJSON_free (printed);
  return json;
}

typedef struct
{
  const char *where;
  GError **error;
  gboolean failed;
} Reader;

static void
reader_fail (Reader *reader, const char *field, const char *expected)
{
  if (reader->failed)
    return;
  reader->failed = TRUE;
  g_set_error (reader->error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_DATA,
               "The provenance record in “%s” is invalid: “%s” should be %s", reader->where, field, expected);
}

static char *
read_string (Reader *reader, const cJSON *object, const char *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);

  if (item == NULL || cJSON_IsNull (item))
    return NULL;
  if (!cJSON_IsString (item))
    {
      reader_fail (reader, key, "a string");
      return NULL;
    }
  return g_strdup (item->valuestring);
}

static double
read_number (Reader *reader, const cJSON *object, const char *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);

  if (item == NULL || cJSON_IsNull (item))
    return 0;
  if (!cJSON_IsNumber (item) || !isfinite (item->valuedouble))
    {
      reader_fail (reader, key, "a number");
      return 0;
    }
  return item->valuedouble;
}

static int
read_int (Reader *reader, const cJSON *object, const char *key)
{
  double value = read_number (reader, object, key);

  if (value != floor (value) || value < 0 || value > G_MAXINT)
    {
      reader_fail (reader, key, "a whole number");
      return 0;
    }
  return (int) value;
}

static gboolean
read_bool (Reader *reader, const cJSON *object, const char *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);

  if (item == NULL)
    return FALSE;
  if (!cJSON_IsBool (item))
    {
      reader_fail (reader, key, "true or false");
      return FALSE;
    }
  return cJSON_IsTrue (item);
}

static const cJSON *
read_object (Reader *reader, const cJSON *object, const char *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (object, key);

  if (item != NULL && !cJSON_IsObject (item))
    {
      reader_fail (reader, key, "an object");
      return NULL;
    }
  return item;
}

static guint64
read_seed (Reader *reader, const cJSON *recipe)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (recipe, "seed");
  guint64 seed = 0;

  if (item == NULL || cJSON_IsNull (item))
    return 0;
  if (cJSON_IsString (item) && g_ascii_string_to_unsigned (item->valuestring, 10, 0, G_MAXUINT64, &seed, NULL))
    return seed;
  if (cJSON_IsNumber (item) && item->valuedouble >= 0 && item->valuedouble <= (double) MAX_EXACT_DOUBLE_INTEGER
      && item->valuedouble == floor (item->valuedouble))
    return (guint64) item->valuedouble;
  reader_fail (reader, "seed", "a whole number from 0 to 2^64-1");
  return 0;
}

StudioProvenance *
studio_provenance_from_json (const char *json, const char *where, GError **error)
{
  g_autoptr (StudioProvenance) self = studio_provenance_new ();
  Reader reader = { where, error, FALSE };
  const cJSON *schema, *model, *recipe, *approvals, *export, *marker;
  cJSON *root = cJSON_Parse (json);

  if (root == NULL || !cJSON_IsObject (root))
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_DATA,
                   "The provenance record in “%s” is not a JSON object", where);
      cJSON_Delete (root);
      return NULL;
    }
  schema = cJSON_GetObjectItemCaseSensitive (root, "schema");
  if (!cJSON_IsString (schema) || !g_str_has_prefix (schema->valuestring, "allegro-studio/provenance/"))
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_INVALID_DATA,
                   "“%s” does not hold an Allegro Studio provenance record (its “schema” is not “%s”)", where,
                   STUDIO_PROVENANCE_SCHEMA);
      cJSON_Delete (root);
      return NULL;
    }
  if (strcmp (schema->valuestring, STUDIO_PROVENANCE_SCHEMA) != 0)
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_UNSUPPORTED,
                   "The provenance record in “%s” has schema “%s”, which this version (reading “%s”) does not "
                   "know; update Allegro Studio",
                   where, schema->valuestring, STUDIO_PROVENANCE_SCHEMA);
      cJSON_Delete (root);
      return NULL;
    }
  marker = cJSON_GetObjectItemCaseSensitive (root, "ai_generated");
  if (!cJSON_IsBool (marker))
    reader_fail (&reader, "ai_generated", "true or false (the record must say whether the video is AI-generated)");
  self->ai_generated = cJSON_IsTrue (marker);
  self->title = read_string (&reader, root, "title");
  self->comment = read_string (&reader, root, "comment");
  self->take_id = read_string (&reader, root, "take_id");
  self->review_status = read_string (&reader, root, "review_status");
  self->engine_version = read_string (&reader, root, "engine_version");
  if ((model = read_object (&reader, root, "model")) != NULL)
    {
      self->model_name = read_string (&reader, model, "name");
      self->model_hash = read_string (&reader, model, "hash");
    }
  if ((recipe = read_object (&reader, root, "recipe")) != NULL)
    {
      self->prompt = read_string (&reader, recipe, "prompt");
      self->negative_prompt = read_string (&reader, recipe, "negative_prompt");
      self->seed = read_seed (&reader, recipe);
      self->steps = read_int (&reader, recipe, "steps");
      self->guidance = read_number (&reader, recipe, "guidance");
      self->width = read_int (&reader, recipe, "width");
      self->height = read_int (&reader, recipe, "height");
      self->frames = read_int (&reader, recipe, "frames");
      self->fps = read_number (&reader, recipe, "fps");
    }
  approvals = cJSON_GetObjectItemCaseSensitive (root, "approvals");
  if (approvals != NULL && !cJSON_IsArray (approvals))
    reader_fail (&reader, "approvals", "a list");
  else if (approvals != NULL)
    {
      const cJSON *item;
      cJSON_ArrayForEach (item, approvals)
      {
        g_autofree char *name = NULL, *role = NULL, *decision = NULL, *time = NULL;
        if (!cJSON_IsObject (item))
          {
            reader_fail (&reader, "approvals", "a list of objects");
            break;
          }
        name = read_string (&reader, item, "name");
        role = read_string (&reader, item, "role");
        decision = read_string (&reader, item, "decision");
        time = read_string (&reader, item, "time");
        studio_provenance_add_approval (self, name, role, decision, time);
      }
    }
  if ((export = read_object (&reader, root, "export")) != NULL)
    {
      self->export_format = read_string (&reader, export, "format");
      self->label_ai = read_bool (&reader, export, "label_ai");
      self->label_draft = read_bool (&reader, export, "label_draft");
      self->exported_at = read_string (&reader, export, "exported_at");
    }
  cJSON_Delete (root);
  if (reader.failed)
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
studio_provenance_equal (const StudioProvenance *a, const StudioProvenance *b)
{
  g_autofree char *x = studio_provenance_to_json (a, FALSE);
  g_autofree char *y = studio_provenance_to_json (b, FALSE);

  return g_str_equal (x, y);
}

GStrv
studio_provenance_to_metadata (const StudioProvenance *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *json = studio_provenance_to_json (self, FALSE);
  g_autofree char *description = NULL;

  if (self->ai_generated)
    description = g_strdup_printf ("AI-generated video, made with Allegro Studio %s from the model %s",
                                   self->engine_version ? self->engine_version : "(unknown version)",
                                   self->model_name ? self->model_name : "(unknown)");
  else
    description = g_strdup ("Video from Allegro Studio");
  if (self->title != NULL)
    {
      g_strv_builder_add (builder, "title");
      g_strv_builder_add (builder, self->title);
    }
  g_strv_builder_add (builder, "comment");
  g_strv_builder_add (builder, self->comment ? self->comment : description);
  g_strv_builder_add (builder, "description");
  g_strv_builder_add (builder, description);
  g_strv_builder_add (builder, "ai_generated");
  g_strv_builder_add (builder, self->ai_generated ? "true" : "false");
  g_strv_builder_add (builder, STUDIO_PROVENANCE_TAG);
  g_strv_builder_add (builder, json);
  return g_strv_builder_end (builder);
}

char *
studio_provenance_sidecar_path (const char *media_path)
{
  return g_strconcat (media_path, ".provenance.json", NULL);
}

gboolean
studio_provenance_write_sidecar (const StudioProvenance *self, const char *media_path, GError **error)
{
  g_autofree char *path = studio_provenance_sidecar_path (media_path);
  g_autofree char *json = studio_provenance_to_json (self, TRUE);
  g_autofree char *text = g_strconcat (json, "\n", NULL);
  g_autoptr (GError) local_error = NULL;

  /* g_file_set_contents writes a temporary file, syncs and renames it. */
  if (!g_file_set_contents (path, text, -1, &local_error))
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_IO, "Could not write the provenance sidecar: %s",
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

StudioProvenance *
studio_provenance_read_container (const char *media_path, GError **error)
{
  AVFormatContext *demuxer = NULL;
  const AVDictionaryEntry *tag;
  StudioProvenance *result = NULL;
  int status;

  studio_media_init ();
  if (!g_file_test (media_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_NOT_FOUND, "“%s” does not exist", media_path);
      return NULL;
    }
  studio_media_clear_log ();
  status = avformat_open_input (&demuxer, media_path, NULL, NULL);
  if (status < 0)
    {
      g_autofree char *cause = studio_media_describe_error (status);
      g_set_error (error, STUDIO_MEDIA_ERROR,
                   status == AVERROR (ENOENT) ? STUDIO_MEDIA_ERROR_NOT_FOUND : STUDIO_MEDIA_ERROR_INVALID_DATA,
                   "“%s” is not a video file that can be read: %s", media_path, cause);
      return NULL;
    }
  /* Tag names are matched without case: Matroska stores them upper-case. */
  tag = av_dict_get (demuxer->metadata, STUDIO_PROVENANCE_TAG, NULL, 0);
  if (tag == NULL)
    g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_NOT_FOUND, "“%s” carries no provenance tag (%s)",
                 media_path, STUDIO_PROVENANCE_TAG);
  else
    result = studio_provenance_from_json (tag->value, media_path, error);
  avformat_close_input (&demuxer);
  return result;
}

static StudioProvenance *
read_json_file (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!g_file_get_contents (path, &text, NULL, &local_error))
    {
      g_set_error (error, STUDIO_MEDIA_ERROR,
                   g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? STUDIO_MEDIA_ERROR_NOT_FOUND
                                                                                   : STUDIO_MEDIA_ERROR_IO,
                   "%s", local_error->message);
      return NULL;
    }
  return studio_provenance_from_json (text, path, error);
}

StudioProvenance *
studio_provenance_read_sidecar (const char *media_path, GError **error)
{
  g_autofree char *path = studio_provenance_sidecar_path (media_path);

  return read_json_file (path, error);
}

StudioProvenance *
studio_provenance_read (const char *path, StudioProvenanceSource *source, GError **error)
{
  g_autoptr (GError) container_error = NULL;
  g_autoptr (GError) sidecar_error = NULL;
  StudioProvenance *result;

  if (g_str_has_suffix (path, ".provenance.json"))
    {
      if (source != NULL)
        *source = STUDIO_PROVENANCE_FROM_SIDECAR;
      return read_json_file (path, error);
    }
  result = studio_provenance_read_container (path, &container_error);
  if (result != NULL)
    {
      if (source != NULL)
        *source = STUDIO_PROVENANCE_FROM_CONTAINER;
      return result;
    }
  if (!g_error_matches (container_error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_NOT_FOUND)
      || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_propagate_error (error, g_steal_pointer (&container_error));
      return NULL;
    }
  result = studio_provenance_read_sidecar (path, &sidecar_error);
  if (result != NULL)
    {
      if (source != NULL)
        *source = STUDIO_PROVENANCE_FROM_SIDECAR;
      return result;
    }
  if (g_error_matches (sidecar_error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_NOT_FOUND))
    {
      g_autofree char *sidecar = studio_provenance_sidecar_path (path);
      g_set_error (error, STUDIO_MEDIA_ERROR, STUDIO_MEDIA_ERROR_NOT_FOUND,
                   "“%s” carries no Allegro Studio provenance: no %s tag in the file and no “%s” beside it", path,
                   STUDIO_PROVENANCE_TAG, sidecar);
      return NULL;
    }
  g_propagate_error (error, g_steal_pointer (&sidecar_error));
  return NULL;
}
