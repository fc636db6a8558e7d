/* models-test.c */
#include "models-test.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int passed, failed;

bool
mt_expect (bool condition, const char *format, ...)
{
  va_list args;

  printf ("%s ", condition ? "ok  " : "FAIL");
  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  printf ("\n");
  if (condition)
    passed++;
  else
    failed++;
  return condition;
}

bool
mt_expect_error (bool ok, const ae_error *error, const char *what, ...)
{
  va_list args;
  const char *needle;
  bool all = !ok;

  va_start (args, what);
  while ((needle = va_arg (args, const char *)) != NULL)
    if (ok || strstr (error->message, needle) == NULL)
      {
        if (!ok)
          printf ("     (the message lacks \"%s\")\n", needle);
        all = false;
      }
  va_end (args);
  return mt_expect (all, "%s: %s", what, ok ? "(no error)" : error->message);
}

void
mt_ok (bool ok, const ae_error *error, const char *what)
{
  if (!ok)
    {
      printf ("FAIL %s: %s\n", what, error ? error->message : "");
      exit (1);
    }
}

int
mt_summary (void)
{
  printf ("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

char *
mt_temp_dir (const char *prefix)
{
  const char *tmp = getenv ("TMPDIR");
  char *path;

  if (tmp == NULL || tmp[0] == '\0')
    tmp = "/tmp";
  if (asprintf (&path, "%s/%s-XXXXXX", tmp, prefix) < 0)
    exit (1);
  if (mkdtemp (path) == NULL)
    {
      printf ("FAIL cannot make a temporary folder %s: %s\n", path, strerror (errno));
      exit (1);
    }
  return path;
}

void
mt_remove_tree (const char *path)
{
  struct stat st;

  if (lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      DIR *d = opendir (path);
      struct dirent *e;
      while (d != NULL && (e = readdir (d)) != NULL)
        {
          if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
            continue;
          char *child = mt_path (path, e->d_name);
          mt_remove_tree (child);
          free (child);
        }
      if (d != NULL)
        closedir (d);
      rmdir (path);
    }
  else
    unlink (path);
}

char *
mt_path (const char *dir, const char *name)
{
  char *path;

  if (asprintf (&path, "%s/%s", dir, name) < 0)
    exit (1);
  return path;
}

bool
mt_write_file (const char *path, const void *data, size_t size)
{
  FILE *fp = fopen (path, "wb");
  bool ok;

  if (fp == NULL)
    return false;
  ok = fwrite (data, 1, size, fp) == size;
  return fclose (fp) == 0 && ok;
}

char *
mt_read_file (const char *path, size_t *size)
{
  FILE *fp = fopen (path, "rb");
  char *buf = NULL;
  size_t len = 0, cap = 0;

  if (fp == NULL)
    return NULL;
  for (;;)
    {
      if (len + 4096 + 1 > cap)
        {
          cap = cap ? cap * 2 : 65536;
          buf = realloc (buf, cap);
        }
      size_t got = fread (buf + len, 1, cap - len - 1, fp);
      len += got;
      if (got == 0)
        break;
    }
  fclose (fp);
  buf[len] = '\0';
  if (size != NULL)
    *size = len;
  return buf;
}

bool
mt_write_safetensors (const char *path, const char *header, const void *data, size_t size)
{
  size_t hlen = strlen (header);
  uint8_t *bytes = malloc (8 + hlen + size + 1);
  bool ok;

  for (int i = 0; i < 8; i++)
    bytes[i] = (uint8_t) ((uint64_t) hlen >> (8 * i));
  memcpy (bytes + 8, header, hlen);
  if (size > 0)
    memcpy (bytes + 8 + hlen, data, size);
  ok = mt_write_file (path, bytes, 8 + hlen + size);
  free (bytes);
  return ok;
}

bool
mt_copy_tree (const char *from, const char *to)
{
  struct stat st;
  bool ok = true;

  if (stat (from, &st) != 0)
    return false;
  if (S_ISDIR (st.st_mode))
    {
      DIR *d = opendir (from);
      struct dirent *e;
      if (d == NULL || (mkdir (to, 0755) != 0 && errno != EEXIST))
        {
          if (d != NULL)
            closedir (d);
          return false;
        }
      while (ok && (e = readdir (d)) != NULL)
        {
          if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
            continue;
          char *a = mt_path (from, e->d_name), *b = mt_path (to, e->d_name);
          ok = mt_copy_tree (a, b);
          free (a);
          free (b);
        }
      closedir (d);
      return ok;
    }
  size_t size;
  char *data = mt_read_file (from, &size);
  if (data == NULL)
    return false;
  ok = mt_write_file (to, data, size);
  free (data);
  return ok;
}

char *
mt_data_path (const char *relative)
{
  const char *root = getenv ("ALLEGRO_TEST_DATA");

  if (root == NULL || root[0] == '\0')
    {
      printf ("FAIL ALLEGRO_TEST_DATA is not set (meson test sets it to tests/data)\n");
      exit (1);
    }
  return mt_path (root, relative);
}

bool
mt_write_tensors (const char *path, const mt_tensor *tensors, size_t n)
{
  size_t cap = 256 + n * 512, len = 0;
  char *header = malloc (cap);
  uint64_t offset = 0, total = 0;
  uint8_t *data;
  bool ok;

  len += (size_t) snprintf (header + len, cap - len, "{\"__metadata__\":{\"format\":\"pt\"}");
  for (size_t i = 0; i < n; i++)
    {
      const mt_tensor *t = &tensors[i];
      len += (size_t) snprintf (header + len, cap - len, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", t->name, t->dtype);
      for (int d = 0; d < t->ndim; d++)
        len += (size_t) snprintf (header + len, cap - len, "%s%lld", d ? "," : "", (long long) t->shape[d]);
      len += (size_t) snprintf (header + len, cap - len, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long) offset,
                                (unsigned long long) (offset + t->nbytes));
      offset += t->nbytes;
    }
  snprintf (header + len, cap - len, "}");
  total = offset;
  data = malloc (total + 1);
  offset = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (tensors[i].nbytes > 0)
        memcpy (data + offset, tensors[i].data, tensors[i].nbytes);
      offset += tensors[i].nbytes;
    }
  ok = mt_write_safetensors (path, header, data, total);
  free (data);
  free (header);
  return ok;
}
