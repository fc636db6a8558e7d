/* ae-safetensors.c: safetensors files and sharded checkpoints, memory-mapped.
 *
 * Everything in a header comes from a file we did not write, so every number
 * is checked before it is used: lengths against the file, products against
 * overflow (a fuzzer runs over this code, see tests/fuzz/).  The upload half
 * (host conversion and device copies) is in ae-weights-upload.c, so the
 * fuzz build needs no Vulkan.
 */
#include "ae-safetensors.h"
#include "ae-safetensors-private.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The reference implementation caps headers at 100 MB as well. */
#define MAX_HEADER_BYTES (UINT64_C (100) << 20)
#define MAX_INDEX_BYTES (UINT64_C (100) << 20)
/* Integers in JSON are doubles in cJSON; above 2^53 they are not exact. */
#define MAX_JSON_INTEGER 9007199254740992.0

typedef struct
{
  char *key;
  char *value;
} st_meta;

typedef struct
{
  char *path;
  void *map;
  size_t size;
  const uint8_t *data; /* the byte buffer after the header */
  uint64_t data_size;
  st_meta *meta;
  size_t n_meta;
} st_file;

struct ae_weights
{
  char *path;
  st_file *files;
  size_t n_files;
  ae_st_tensor *tensors; /* sorted by name once opened */
  uint32_t *file_of;     /* parallel to tensors */
  bool *taken;
  size_t n_tensors, cap_tensors;
};

static const struct
{
  const char *name;
  size_t size;
} dtypes[AE_ST_N_DTYPES] = {
  [AE_ST_F64] = { "F64", 8 }, [AE_ST_F32] = { "F32", 4 },   [AE_ST_F16] = { "F16", 2 }, [AE_ST_BF16] = { "BF16", 2 },
  [AE_ST_I64] = { "I64", 8 }, [AE_ST_I32] = { "I32", 4 },   [AE_ST_I16] = { "I16", 2 }, [AE_ST_I8] = { "I8", 1 },
  [AE_ST_U8] = { "U8", 1 },   [AE_ST_BOOL] = { "BOOL", 1 },
};

const char *
ae_st_dtype_name (ae_st_dtype dtype)
{
  return (unsigned) dtype < AE_ST_N_DTYPES ? dtypes[dtype].name : "?";
}

size_t
ae_st_dtype_size (ae_st_dtype dtype)
{
  return (unsigned) dtype < AE_ST_N_DTYPES ? dtypes[dtype].size : 0;
}

static bool
dtype_from_name (const char *name, ae_st_dtype *out)
{
  for (int i = 0; i < AE_ST_N_DTYPES; i++)
    if (strcmp (name, dtypes[i].name) == 0)
      {
        *out = (ae_st_dtype) i;
        return true;
      }
  return false;
}

const char *
ae_st_format_shape (char *buf, size_t size, int ndim, const int64_t *shape)
{
  size_t used = 0;

  if (size == 0)
    return buf;
  buf[0] = '\0';
  used += (size_t) snprintf (buf, size, "[");
  for (int i = 0; i < ndim && used < size; i++)
    used += (size_t) snprintf (buf + used, size - used, "%s%lld", i ? ", " : "", (long long) shape[i]);
  if (used < size)
    snprintf (buf + used, size - used, "]");
  return buf;
}

static bool
mul_u64 (uint64_t a, uint64_t b, uint64_t *out)
{
  if (a != 0 && b > UINT64_MAX / a)
    return false;
  *out = a * b;
  return true;
}

static char *
path_join (const char *dir, const char *name)
{
  size_t a = strlen (dir), b = strlen (name);
  char *out = malloc (a + b + 2);

  if (out == NULL)
    return NULL;
  memcpy (out, dir, a);
  out[a] = '/';
  memcpy (out + a + 1, name, b + 1);
  return out;
}

static char *
path_dirname (const char *path)
{
  const char *slash = strrchr (path, '/');

  if (slash == NULL)
    return strdup (".");
  if (slash == path)
    return strdup ("/");
  return strndup (path, (size_t) (slash - path));
}

static bool
ends_with (const char *s, const char *suffix)
{
  size_t a = strlen (s), b = strlen (suffix);
  return a >= b && strcmp (s + a - b, suffix) == 0;
}

/* A JSON number that is a whole number in [0, 2^53]. */
static bool
json_uint (const cJSON *item, uint64_t *out)
{
  double v;

  if (!cJSON_IsNumber (item))
    return false;
  v = item->valuedouble;
  if (!(v >= 0.0 && v <= MAX_JSON_INTEGER) || v != floor (v))
    return false;
  *out = (uint64_t) v;
  return true;
}

static void
file_clear (st_file *f)
{
  if (f->map != NULL && f->map != MAP_FAILED)
    munmap (f->map, f->size);
  for (size_t i = 0; i < f->n_meta; i++)
    {
      free (f->meta[i].key);
      free (f->meta[i].value);
    }
  free (f->meta);
  free (f->path);
  memset (f, 0, sizeof *f);
}

void
ae_weights_free (ae_weights *weights)
{
  if (weights == NULL)
    return;
  for (size_t i = 0; i < weights->n_files; i++)
    file_clear (&weights->files[i]);
  for (size_t i = 0; i < weights->n_tensors; i++)
    free ((char *) weights->tensors[i].name);
  free (weights->files);
  free (weights->tensors);
  free (weights->file_of);
  free (weights->taken);
  free (weights->path);
  free (weights);
}

static bool
out_of_memory (ae_error *error, const char *path)
{
  ae_set_error (error, AE_ERROR_OUT_OF_MEMORY, "No host memory to read %s.", path);
  return false;
}

static bool
add_tensor (ae_weights *w, const ae_st_tensor *t, uint32_t file_index)
{
  if (w->n_tensors == w->cap_tensors)
    {
      size_t cap = w->cap_tensors ? w->cap_tensors * 2 : 64;
      ae_st_tensor *tensors = realloc (w->tensors, cap * sizeof *tensors);
      if (tensors == NULL)
        return false;
      w->tensors = tensors;
      uint32_t *file_of = realloc (w->file_of, cap * sizeof *file_of);
      if (file_of == NULL)
        return false;
      w->file_of = file_of;
      w->cap_tensors = cap;
    }
  w->tensors[w->n_tensors] = *t;
  w->file_of[w->n_tensors] = file_index;
  w->n_tensors++;
  return true;
}

static st_file *
add_file (ae_weights *w, const char *path)
{
  st_file *files = realloc (w->files, (w->n_files + 1) * sizeof *files);

  if (files == NULL)
    return NULL;
  w->files = files;
  memset (&files[w->n_files], 0, sizeof files[w->n_files]);
  files[w->n_files].path = strdup (path);
  if (files[w->n_files].path == NULL)
    return NULL;
  return &files[w->n_files++];
}

static bool
read_metadata (st_file *f, const cJSON *meta, ae_error *error)
{
  const cJSON *item;
  size_t n = 0;

  if (!cJSON_IsObject (meta))
    {
      ae_set_error (error, AE_ERROR_IO, "%s: \"__metadata__\" is not a JSON object.", f->path);
      return false;
    }
  cJSON_ArrayForEach (item, meta) n++;
  f->meta = calloc (n ? n : 1, sizeof *f->meta);
  if (f->meta == NULL)
    return out_of_memory (error, f->path);
  cJSON_ArrayForEach (item, meta)
  {
    if (!cJSON_IsString (item))
      {
        ae_set_error (error, AE_ERROR_IO, "%s: the metadata value of \"%s\" is not a string.", f->path, item->string);
        return false;
      }
    f->meta[f->n_meta].key = strdup (item->string);
    f->meta[f->n_meta].value = strdup (item->valuestring);
    f->n_meta++;
    if (f->meta[f->n_meta - 1].key == NULL || f->meta[f->n_meta - 1].value == NULL)
      return out_of_memory (error, f->path);
  }
  return true;
}

/* One header entry: {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}. */
static bool
read_entry (ae_weights *w, uint32_t file_index, const cJSON *entry, ae_error *error)
{
  st_file *f = &w->files[file_index];
  const char *name = entry->string;
  const cJSON *dtype = cJSON_GetObjectItemCaseSensitive (entry, "dtype");
  const cJSON *shape = cJSON_GetObjectItemCaseSensitive (entry, "shape");
  const cJSON *offsets = cJSON_GetObjectItemCaseSensitive (entry, "data_offsets");
  ae_st_tensor t = { 0 };
  uint64_t begin, end, numel = 1, nbytes;
  int ndim;
  char buf[256];

  if (name[0] == '\0')
    {
      ae_set_error (error, AE_ERROR_IO, "%s: a tensor has an empty name.", f->path);
      return false;
    }
  if (!cJSON_IsObject (entry))
    {
      ae_set_error (error, AE_ERROR_IO, "%s: the entry of tensor \"%s\" is not a JSON object.", f->path, name);
      return false;
    }
  if (!cJSON_IsString (dtype))
    {
      ae_set_error (error, AE_ERROR_IO, "%s: tensor \"%s\" has no \"dtype\" string.", f->path, name);
      return false;
    }
  if (!dtype_from_name (dtype->valuestring, &t.dtype))
    {
      ae_set_error (error, AE_ERROR_IO,
                    "%s: tensor \"%s\" has the unknown dtype \"%.32s\" (known: F64, F32, F16, BF16, I64, I32, I16, "
                    "I8, U8, BOOL).",
                    f->path, name, dtype->valuestring);
      return false;
    }
  if (!cJSON_IsArray (shape))
    {
      ae_set_error (error, AE_ERROR_IO, "%s: tensor \"%s\" has no \"shape\" array.", f->path, name);
      return false;
    }
  ndim = cJSON_GetArraySize (shape);
  if (ndim > AE_ST_MAX_DIMS)
    {
      ae_set_error (error, AE_ERROR_IO, "%s: tensor \"%s\" has %d dimensions; at most %d are supported.", f->path, name,
                    ndim, AE_ST_MAX_DIMS);
      return false;
    }
  t.ndim = ndim;
  for (int i = 0; i < ndim; i++)
    {
      uint64_t dim;
      if (!json_uint (cJSON_GetArrayItem (shape, i), &dim))
        {
          ae_set_error (error, AE_ERROR_IO,
                        "%s: dimension %d of tensor \"%s\" is not a whole number from 0 to 2^53 (a negative or "
                        "fractional size, or not a number).",
                        f->path, i, name);
          return false;
        }
      t.shape[i] = (int64_t) dim;
      if (!mul_u64 (numel, dim, &numel))
        {
          ae_set_error (error, AE_ERROR_IO, "%s: the shape of tensor \"%s\" has more elements than 2^64.", f->path,
                        name);
          return false;
        }
    }
  if (!cJSON_IsArray (offsets) || cJSON_GetArraySize (offsets) != 2
      || !json_uint (cJSON_GetArrayItem (offsets, 0), &begin) || !json_uint (cJSON_GetArrayItem (offsets, 1), &end))
    {
      ae_set_error (error, AE_ERROR_IO,
                    "%s: tensor \"%s\" has no valid \"data_offsets\" (two whole numbers [begin, end] are needed).",
                    f->path, name);
      return false;
    }
  if (begin > end)
    {
      ae_set_error (error, AE_ERROR_IO, "%s: tensor \"%s\" has data_offsets [%llu, %llu] that end before they begin.",
                    f->path, name, (unsigned long long) begin, (unsigned long long) end);
      return false;
    }
  if (end > f->data_size)
    {
      ae_set_error (error, AE_ERROR_IO,
                    "%s: tensor \"%s\" has data_offsets [%llu, %llu] past the end of the data (%llu bytes).", f->path,
                    name, (unsigned long long) begin, (unsigned long long) end, (unsigned long long) f->data_size);
      return false;
    }
  if (!mul_u64 (numel, dtypes[t.dtype].size, &nbytes))
    {
      ae_set_error (error, AE_ERROR_IO, "%s: tensor \"%s\" takes more than 2^64 bytes.", f->path, name);
      return false;
    }
  if (nbytes != end - begin)
    {
      ae_set_error (error, AE_ERROR_IO,
                    "%s: tensor \"%s\" is %s %s, which takes %llu bytes, but its data_offsets [%llu, %llu] hold %llu.",
                    f->path, name, dtypes[t.dtype].name, ae_st_format_shape (buf, sizeof buf, ndim, t.shape),
                    (unsigned long long) nbytes, (unsigned long long) begin, (unsigned long long) end,
                    (unsigned long long) (end - begin));
      return false;
    }
  t.data = f->data + begin;
  t.nbytes = nbytes;
  t.file = f->path;
  t.name = strdup (name);
  if (t.name == NULL)
    return out_of_memory (error, f->path);
  if (!add_tensor (w, &t, file_index))
    {
      free ((char *) t.name);
      return out_of_memory (error, f->path);
    }
  return true;
}

typedef struct
{
  uint64_t begin, end;
  const char *name;
} st_range;

static int
compare_ranges (const void *a, const void *b)
{
  const st_range *x = a, *y = b;

  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return 0;
}

/* The byte ranges of the tensors [first, w->n_tensors) of one file. */
static bool
check_overlaps (ae_weights *w, size_t first, const st_file *f, ae_error *error)
{
  size_t n = w->n_tensors - first;
  st_range *ranges;
  bool ok = true;

  if (n < 2)
    return true;
  ranges = malloc (n * sizeof *ranges);
  if (ranges == NULL)
    return out_of_memory (error, f->path);
  for (size_t i = 0; i < n; i++)
    {
      const ae_st_tensor *t = &w->tensors[first + i];
      ranges[i].begin = (uint64_t) ((const uint8_t *) t->data - f->data);
      ranges[i].end = ranges[i].begin + t->nbytes;
      ranges[i].name = t->name;
    }
  qsort (ranges, n, sizeof *ranges, compare_ranges);
  /* Empty tensors take no bytes and overlap nothing. */
  const st_range *last = NULL;
  for (size_t i = 0; i < n && ok; i++)
    {
      if (ranges[i].begin == ranges[i].end)
        continue;
      if (last != NULL && ranges[i].begin < last->end)
        {
          ae_set_error (error, AE_ERROR_IO,
                        "%s: tensors \"%s\" (bytes %llu to %llu) and \"%s\" (bytes %llu to %llu) overlap.", f->path,
                        last->name, (unsigned long long) last->begin, (unsigned long long) last->end, ranges[i].name,
                        (unsigned long long) ranges[i].begin, (unsigned long long) ranges[i].end);
          ok = false;
        }
      if (last == NULL || ranges[i].end > last->end)
        last = &ranges[i];
    }
  free (ranges);
  return ok;
}

/* Maps PATH, validates its header and adds its tensors (unsorted). */
static bool
open_file (ae_weights *w, const char *path, ae_error *error)
{
  st_file *f;
  uint32_t file_index;
  size_t first = w->n_tensors;
  struct stat st;
  uint64_t header_len;
  const char *header, *end = NULL;
  cJSON *root = NULL, *item;
  bool ok = false;
  int fd;

  f = add_file (w, path);
  if (f == NULL)
    return out_of_memory (error, path);
  file_index = (uint32_t) (w->n_files - 1);

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      ae_set_error (error, AE_ERROR_IO, "Cannot open %s: %s.", path, strerror (errno));
      return false;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      ae_set_error (error, AE_ERROR_IO, "%s is not a regular file.", path);
      close (fd);
      return false;
    }
  if (st.st_size < 8)
    {
      ae_set_error (error, AE_ERROR_IO,
                    "%s is too short for a safetensors file (%lld bytes; the header length alone takes 8).", path,
                    (long long) st.st_size);
      close (fd);
      return false;
    }
  f->size = (size_t) st.st_size;
  f->map = mmap (NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
  close (fd);
  if (f->map == MAP_FAILED)
    {
      f->map = NULL;
      ae_set_error (error, AE_ERROR_IO, "Cannot map %s: %s.", path, strerror (errno));
      return false;
    }

  const uint8_t *bytes = f->map;
  header_len = 0;
  for (int i = 7; i >= 0; i--)
    header_len = (header_len << 8) | bytes[i];
  if (header_len > MAX_HEADER_BYTES)
    {
      ae_set_error (error, AE_ERROR_IO,
                    "%s: the header length (%llu bytes) is more than the 100 MB a safetensors header may have; the "
                    "file is not a safetensors file or is damaged.",
                    path, (unsigned long long) header_len);
      return false;
    }
  if (header_len > f->size - 8)
    {
      ae_set_error (error, AE_ERROR_IO,
                    "%s: the header length (%llu bytes) runs past the end of the file (%llu bytes); the file is "
                    "truncated or not a safetensors file.",
                    path, (unsigned long long) header_len, (unsigned long long) f->size);
      return false;
    }
  header = (const char *) bytes + 8;
  f->data = bytes + 8 + header_len;
  f->data_size = f->size - 8 - header_len;

  root = cJSON_ParseWithLengthOpts (header, (size_t) header_len, &end, false);
  if (root == NULL)
    {
      long offset = end != NULL && end >= header && end <= header + header_len ? (long) (end - header) : -1;
      ae_set_error (error, AE_ERROR_IO, "%s: the header is not well-formed JSON (near byte %ld of %llu).", path, offset,
                    (unsigned long long) header_len);
      goto out;
    }
  for (const char *p = end; p < header + header_len; p++)
    if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
      {
        ae_set_error (error, AE_ERROR_IO, "%s: the header has bytes after its JSON object (at byte %ld).", path,
                      (long) (p - header));
        goto out;
      }
  if (!cJSON_IsObject (root))
    {
      ae_set_error (error, AE_ERROR_IO, "%s: the header is not a JSON object.", path);
      goto out;
    }
  cJSON_ArrayForEach (item, root)
  {
    if (strcmp (item->string, "__metadata__") == 0)
      {
        if (w->files[file_index].meta != NULL)
          {
            ae_set_error (error, AE_ERROR_IO, "%s: the header has two \"__metadata__\" entries.", path);
            goto out;
          }
        if (!read_metadata (&w->files[file_index], item, error))
          goto out;
      }
    else if (!read_entry (w, file_index, item, error))
      goto out;
  }
  ok = check_overlaps (w, first, &w->files[file_index], error);

out:
  cJSON_Delete (root);
  return ok;
}

static int
compare_tensors (const void *a, const void *b)
{
  const ae_st_tensor *x = a, *y = b;
  return strcmp (x->name, y->name);
}

/* Sorts the tensors by name, carrying file_of along, and rejects duplicates. */
static bool
sort_tensors (ae_weights *w, ae_error *error)
{
  size_t n = w->n_tensors;

  if (n == 0)
    return true;
  /* file_of travels through the sort inside a copy that remembers it. */
  typedef struct
  {
    ae_st_tensor t;
    uint32_t file;
  } pair;
  pair *pairs = malloc (n * sizeof *pairs);
  if (pairs == NULL)
    return out_of_memory (error, w->path);
  for (size_t i = 0; i < n; i++)
    {
      pairs[i].t = w->tensors[i];
      pairs[i].file = w->file_of[i];
    }
  /* ae_st_tensor is the first member, so compare_tensors applies. */
  qsort (pairs, n, sizeof *pairs, compare_tensors);
  for (size_t i = 0; i < n; i++)
    {
      w->tensors[i] = pairs[i].t;
      w->file_of[i] = pairs[i].file;
    }
  free (pairs);
  for (size_t i = 1; i < n; i++)
    if (strcmp (w->tensors[i - 1].name, w->tensors[i].name) == 0)
      {
        if (w->tensors[i - 1].file == w->tensors[i].file)
          ae_set_error (error, AE_ERROR_IO, "%s: tensor \"%s\" appears twice in the header.", w->tensors[i].file,
                        w->tensors[i].name);
        else
          ae_set_error (error, AE_ERROR_IO, "Tensor \"%s\" appears both in %s and in %s.", w->tensors[i].name,
                        w->tensors[i - 1].file, w->tensors[i].file);
        return false;
      }
  w->taken = calloc (n, sizeof *w->taken);
  if (w->taken == NULL)
    return out_of_memory (error, w->path);
  return true;
}

static char *
read_small_file (const char *path, uint64_t limit, size_t *len_out, ae_error *error)
{
  FILE *fp = fopen (path, "rb");
  struct stat st;
  char *buf;

  if (fp == NULL)
    {
      ae_set_error (error, AE_ERROR_IO, "Cannot open %s: %s.", path, strerror (errno));
      return NULL;
    }
  if (fstat (fileno (fp), &st) != 0 || !S_ISREG (st.st_mode))
    {
      ae_set_error (error, AE_ERROR_IO, "%s is not a regular file.", path);
      fclose (fp);
      return NULL;
    }
  if ((uint64_t) st.st_size > limit)
    {
      ae_set_error (error, AE_ERROR_IO, "%s is too large (%lld bytes; at most %llu are read).", path,
                    (long long) st.st_size, (unsigned long long) limit);
      fclose (fp);
      return NULL;
    }
  buf = malloc ((size_t) st.st_size + 1);
  if (buf == NULL)
    {
      fclose (fp);
      out_of_memory (error, path);
      return NULL;
    }
  size_t len = fread (buf, 1, (size_t) st.st_size, fp);
  if (ferror (fp))
    {
      ae_set_error (error, AE_ERROR_IO, "Cannot read %s.", path);
      fclose (fp);
      free (buf);
      return NULL;
    }
  fclose (fp);
  buf[len] = '\0';
  *len_out = len;
  return buf;
}

cJSON *
ae_st_read_json (const char *path, ae_error *error)
{
  size_t len = 0;
  char *text = read_small_file (path, MAX_INDEX_BYTES, &len, error);
  const char *end = NULL;
  cJSON *root;

  if (text == NULL)
    return NULL;
  root = cJSON_ParseWithLengthOpts (text, len, &end, false);
  if (root == NULL)
    {
      long offset = end != NULL && end >= text && end <= text + len ? (long) (end - text) : -1;
      ae_set_error (error, AE_ERROR_IO, "%s is not well-formed JSON (near byte %ld).", path, offset);
      free (text);
      return NULL;
    }
  for (const char *p = end; p < text + len; p++)
    if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
      {
        ae_set_error (error, AE_ERROR_IO, "%s has text after its JSON value (at byte %ld).", path, (long) (p - text));
        cJSON_Delete (root);
        free (text);
        return NULL;
      }
  free (text);
  return root;
}

typedef struct
{
  const char *tensor;
  const char *shard;
} map_entry;

static int
compare_map_entries (const void *a, const void *b)
{
  return strcmp (((const map_entry *) a)->tensor, ((const map_entry *) b)->tensor);
}

static bool
shard_name_ok (const char *name)
{
  return name[0] != '\0' && strchr (name, '/') == NULL && strcmp (name, ".") != 0 && strcmp (name, "..") != 0;
}

/* The shard file of a weight_map entry, as the index names it. */
static const char *
shard_basename (const char *path)
{
  const char *slash = strrchr (path, '/');
  return slash ? slash + 1 : path;
}

static bool
open_index (ae_weights *w, const char *index_path, ae_error *error)
{
  cJSON *root = ae_st_read_json (index_path, error);
  const cJSON *map, *item;
  map_entry *entries = NULL;
  size_t n = 0;
  char *dir = NULL;
  bool ok = false;

  if (root == NULL)
    return false;
  if (!cJSON_IsObject (root))
    {
      ae_set_error (error, AE_ERROR_IO, "%s is not a JSON object.", index_path);
      goto out;
    }
  map = cJSON_GetObjectItemCaseSensitive (root, "weight_map");
  if (!cJSON_IsObject (map))
    {
      ae_set_error (error, AE_ERROR_IO, "%s has no \"weight_map\" object.", index_path);
      goto out;
    }
  cJSON_ArrayForEach (item, map) n++;
  entries = calloc (n ? n : 1, sizeof *entries);
  dir = path_dirname (index_path);
  if (entries == NULL || dir == NULL)
    {
      out_of_memory (error, index_path);
      goto out;
    }
  n = 0;
  cJSON_ArrayForEach (item, map)
  {
    if (!cJSON_IsString (item) || !shard_name_ok (item->valuestring))
      {
        ae_set_error (error, AE_ERROR_IO, "%s: the shard of tensor \"%s\" is not a file name in the index's folder.",
                      index_path, item->string);
        goto out;
      }
    entries[n].tensor = item->string;
    entries[n].shard = item->valuestring;
    n++;
  }
  if (n == 0)
    {
      ae_set_error (error, AE_ERROR_IO, "%s: the weight_map is empty.", index_path);
      goto out;
    }
  qsort (entries, n, sizeof *entries, compare_map_entries);
  for (size_t i = 1; i < n; i++)
    if (strcmp (entries[i - 1].tensor, entries[i].tensor) == 0)
      {
        ae_set_error (error, AE_ERROR_IO, "%s names tensor \"%s\" twice.", index_path, entries[i].tensor);
        goto out;
      }

  /* Each distinct shard, once, in the order the index first names it. */
  cJSON_ArrayForEach (item, map)
  {
    bool seen = false;
    for (size_t i = 0; i < w->n_files && !seen; i++)
      seen = strcmp (shard_basename (w->files[i].path), item->valuestring) == 0;
    if (seen)
      continue;
    char *shard_path = path_join (dir, item->valuestring);
    if (shard_path == NULL)
      {
        out_of_memory (error, index_path);
        goto out;
      }
    bool opened = open_file (w, shard_path, error);
    if (!opened && access (shard_path, F_OK) != 0)
      ae_set_error (error, AE_ERROR_IO, "The shard %s, which %s names for tensor \"%s\", is missing.", shard_path,
                    index_path, item->string);
    free (shard_path);
    if (!opened)
      goto out;
  }
  if (!sort_tensors (w, error))
    goto out;

  /* Both lists are sorted by name: walk them together. */
  size_t j = 0;
  for (size_t i = 0; i < n; i++)
    {
      while (j < w->n_tensors && strcmp (w->tensors[j].name, entries[i].tensor) < 0)
        {
          ae_set_error (error, AE_ERROR_IO, "%s holds tensor \"%s\", which the index %s does not list.",
                        w->tensors[j].file, w->tensors[j].name, index_path);
          goto out;
        }
      if (j == w->n_tensors || strcmp (w->tensors[j].name, entries[i].tensor) != 0)
        {
          ae_set_error (error, AE_ERROR_IO, "%s says tensor \"%s\" is in %s, but that shard does not hold it.",
                        index_path, entries[i].tensor, entries[i].shard);
          goto out;
        }
      if (strcmp (shard_basename (w->tensors[j].file), entries[i].shard) != 0)
        {
          ae_set_error (error, AE_ERROR_IO, "%s says tensor \"%s\" is in %s, but it is in %s.", index_path,
                        entries[i].tensor, entries[i].shard, w->tensors[j].file);
          goto out;
        }
      j++;
    }
  if (j < w->n_tensors)
    {
      ae_set_error (error, AE_ERROR_IO, "%s holds tensor \"%s\", which the index %s does not list.", w->tensors[j].file,
                    w->tensors[j].name, index_path);
      goto out;
    }
  ok = true;

out:
  free (entries);
  free (dir);
  cJSON_Delete (root);
  return ok;
}

/* The one index, or else the one .safetensors file, in DIR. */
static char *
find_in_folder (const char *dir, ae_error *error)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  char *index = NULL, *single = NULL;
  int n_index = 0, n_single = 0;
  char *found = NULL;

  if (d == NULL)
    {
      ae_set_error (error, AE_ERROR_IO, "Cannot open the folder %s: %s.", dir, strerror (errno));
      return NULL;
    }
  while ((e = readdir (d)) != NULL)
    {
      if (e->d_name[0] == '.')
        continue;
      if (ends_with (e->d_name, ".safetensors.index.json"))
        {
          if (n_index++ == 0)
            index = strdup (e->d_name);
        }
      else if (ends_with (e->d_name, ".safetensors"))
        {
          if (n_single++ == 0)
            single = strdup (e->d_name);
        }
    }
  closedir (d);
  if (n_index > 1)
    ae_set_error (error, AE_ERROR_IO, "The folder %s holds %d *.safetensors.index.json files; keep one.", dir, n_index);
  else if (n_index == 1)
    found = path_join (dir, index);
  else if (n_single == 0)
    ae_set_error (error, AE_ERROR_IO, "The folder %s holds no .safetensors file.", dir);
  else if (n_single > 1)
    ae_set_error (error, AE_ERROR_IO,
                  "The folder %s holds %d .safetensors files but no *.safetensors.index.json that says which tensor "
                  "is in which.",
                  dir, n_single);
  else
    found = path_join (dir, single);
  free (index);
  free (single);
  return found;
}

ae_weights *
ae_weights_open (const char *path, ae_error *error)
{
  ae_weights *w;
  struct stat st;
  char *target;
  bool ok;

  if (path == NULL || path[0] == '\0')
    {
      ae_set_error (error, AE_ERROR_INVALID, "No weight file was given.");
      return NULL;
    }
  if (stat (path, &st) != 0)
    {
      ae_set_error (error, AE_ERROR_IO, "Cannot open %s: %s.", path, strerror (errno));
      return NULL;
    }
  target = S_ISDIR (st.st_mode) ? find_in_folder (path, error) : strdup (path);
  if (target == NULL)
    return NULL;
  w = calloc (1, sizeof *w);
  if (w == NULL)
    {
      free (target);
      out_of_memory (error, path);
      return NULL;
    }
  w->path = target;
  if (ends_with (target, ".json"))
    ok = open_index (w, target, error);
  else
    ok = open_file (w, target, error) && sort_tensors (w, error);
  if (!ok)
    {
      ae_weights_free (w);
      return NULL;
    }
  return w;
}

const char *
ae_weights_path (const ae_weights *weights)
{
  return weights->path;
}

size_t
ae_weights_count (const ae_weights *weights)
{
  return weights->n_tensors;
}

const ae_st_tensor *
ae_weights_at (const ae_weights *weights, size_t index)
{
  return index < weights->n_tensors ? &weights->tensors[index] : NULL;
}

static ssize_t
find_index (const ae_weights *w, const char *name)
{
  size_t lo = 0, hi = w->n_tensors;

  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      int c = strcmp (w->tensors[mid].name, name);
      if (c == 0)
        return (ssize_t) mid;
      if (c < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return -1;
}

const ae_st_tensor *
ae_weights_find (const ae_weights *weights, const char *name)
{
  ssize_t i = find_index (weights, name);
  return i < 0 ? NULL : &weights->tensors[i];
}

const char *
ae_weights_metadata (const ae_weights *weights, const char *key)
{
  const st_file *f;

  if (weights->n_files == 0)
    return NULL;
  f = weights->n_tensors ? &weights->files[weights->file_of[0]] : &weights->files[0];
  for (size_t i = 0; i < f->n_meta; i++)
    if (strcmp (f->meta[i].key, key) == 0)
      return f->meta[i].value;
  return NULL;
}

const ae_st_tensor *
ae_weights_take (ae_weights *weights, const char *name, int ndim, const int64_t *shape, ae_error *error)
{
  ssize_t i = find_index (weights, name);
  const ae_st_tensor *t;
  char want[256], have[256];
  bool same;

  ae_st_format_shape (want, sizeof want, ndim, shape);
  if (i < 0)
    {
      ae_set_error (error, AE_ERROR_INVALID, "Tensor \"%s\" (expected shape %s) is missing from %s.", name, want,
                    weights->path);
      return NULL;
    }
  t = &weights->tensors[i];
  ae_st_format_shape (have, sizeof have, t->ndim, t->shape);
  if (t->dtype != AE_ST_F32 && t->dtype != AE_ST_F16 && t->dtype != AE_ST_BF16)
    {
      ae_set_error (error, AE_ERROR_INVALID,
                    "Tensor \"%s\" in %s is %s %s; a float tensor (F32, F16 or BF16) of shape %s was expected.", name,
                    t->file, dtypes[t->dtype].name, have, want);
      return NULL;
    }
  same = t->ndim == ndim;
  for (int d = 0; same && d < ndim; d++)
    same = t->shape[d] == shape[d];
  if (!same)
    {
      ae_set_error (error, AE_ERROR_INVALID, "Tensor \"%s\" in %s has shape %s; expected %s.", name, t->file, have,
                    want);
      return NULL;
    }
  weights->taken[i] = true;
  return t;
}

bool
ae_weights_check_all_taken (const ae_weights *weights, ae_error *error)
{
  for (size_t i = 0; i < weights->n_tensors; i++)
    if (!weights->taken[i])
      {
        const ae_st_tensor *t = &weights->tensors[i];
        char have[256];
        ae_set_error (error, AE_ERROR_INVALID, "Unexpected tensor \"%s\" (%s %s) in %s: the model has no such weight.",
                      t->name, dtypes[t->dtype].name, ae_st_format_shape (have, sizeof have, t->ndim, t->shape),
                      t->file);
        return false;
      }
  return true;
}

uint64_t
ae_st_tensor_numel (const ae_st_tensor *tensor)
{
  size_t size = ae_st_dtype_size (tensor->dtype);
  return size ? tensor->nbytes / size : 0;
}

/* Reads element I of a float tensor as a double (the widest of the four). */
static inline double
load_float (const ae_st_tensor *t, uint64_t i)
{
  const uint8_t *p = (const uint8_t *) t->data;

  switch (t->dtype)
    {
    case AE_ST_F64:
      {
        double v;
        memcpy (&v, p + i * 8, 8);
        return v;
      }
    case AE_ST_F32:
      {
        float v;
        memcpy (&v, p + i * 4, 4);
        return v;
      }
    case AE_ST_F16:
      {
        uint16_t v;
        memcpy (&v, p + i * 2, 2);
        return ae_f16_to_f32 (v);
      }
    case AE_ST_BF16:
      {
        uint16_t v;
        memcpy (&v, p + i * 2, 2);
        return ae_bf16_to_f32 (v);
      }
    default:
      return NAN;
    }
}

bool
ae_st_convert_range (const ae_st_tensor *t, uint64_t first, uint64_t count, ae_dtype to, void *out, ae_error *error)
{
  const char *what = NULL;
  uint64_t bad = 0;

  if (t->dtype != AE_ST_F64 && t->dtype != AE_ST_F32 && t->dtype != AE_ST_F16 && t->dtype != AE_ST_BF16)
    {
      ae_set_error (error, AE_ERROR_INVALID, "Tensor \"%s\" in %s is %s, not a float tensor.", t->name, t->file,
                    dtypes[t->dtype].name);
      return false;
    }
  if (to != AE_F32 && to != AE_F16 && to != AE_BF16)
    {
      ae_set_error (error, AE_ERROR_INVALID, "Tensor \"%s\" cannot be converted to %s.", t->name, ae_dtype_name (to));
      return false;
    }
  for (uint64_t k = 0; k < count && what == NULL; k++)
    {
      uint64_t i = first + k;
      double v = load_float (t, i);
      float f = (float) v;
      if (isnan (v))
        what = "a NaN";
      else if (isinf (v))
        what = "an infinite value";
      else if (isinf (f))
        what = "a value beyond the f32 range";
      else if (to == AE_F32)
        memcpy ((uint8_t *) out + k * 4, &f, 4);
      else
        {
          uint16_t h;
          if (to == AE_F16)
            h = t->dtype == AE_ST_F16
                    ? (uint16_t) (((const uint8_t *) t->data)[i * 2] | ((const uint8_t *) t->data)[i * 2 + 1] << 8)
                    : ae_f32_to_f16 (f);
          else
            h = t->dtype == AE_ST_BF16
                    ? (uint16_t) (((const uint8_t *) t->data)[i * 2] | ((const uint8_t *) t->data)[i * 2 + 1] << 8)
                    : ae_f32_to_bf16 (f);
          float back = to == AE_F16 ? ae_f16_to_f32 (h) : ae_bf16_to_f32 (h);
          if (isinf (back))
            what = to == AE_F16 ? "a value beyond the f16 range" : "a value beyond the bf16 range";
          memcpy ((uint8_t *) out + k * 2, &h, 2);
        }
      if (what != NULL)
        bad = i;
    }
  if (what != NULL)
    {
      ae_set_error (error, AE_ERROR_INVALID, "Tensor \"%s\" in %s holds %s at index %llu.", t->name, t->file, what,
                    (unsigned long long) bad);
      return false;
    }
  return true;
}

bool
ae_st_tensor_to_f32 (const ae_st_tensor *tensor, float *out, ae_error *error)
{
  return ae_st_convert_range (tensor, 0, ae_st_tensor_numel (tensor), AE_F32, out, error);
}

bool
ae_st_tensor_to_i64 (const ae_st_tensor *tensor, int64_t *out, ae_error *error)
{
  const uint8_t *p = (const uint8_t *) tensor->data;
  uint64_t n = ae_st_tensor_numel (tensor);

  switch (tensor->dtype)
    {
    case AE_ST_I64:
      if (n > 0)
        memcpy (out, p, n * 8);
      return true;
    case AE_ST_I32:
      for (uint64_t i = 0; i < n; i++)
        {
          int32_t v;
          memcpy (&v, p + i * 4, 4);
          out[i] = v;
        }
      return true;
    case AE_ST_I16:
      for (uint64_t i = 0; i < n; i++)
        {
          int16_t v;
          memcpy (&v, p + i * 2, 2);
          out[i] = v;
        }
      return true;
    case AE_ST_I8:
      for (uint64_t i = 0; i < n; i++)
        out[i] = (int8_t) p[i];
      return true;
    case AE_ST_U8:
      for (uint64_t i = 0; i < n; i++)
        out[i] = p[i];
      return true;
    case AE_ST_BOOL:
      for (uint64_t i = 0; i < n; i++)
        out[i] = p[i] != 0;
      return true;
    default:
      ae_set_error (error, AE_ERROR_INVALID, "Tensor \"%s\" in %s is %s, not an integer tensor.", tensor->name,
                    tensor->file, dtypes[tensor->dtype].name);
      return false;
    }
}
