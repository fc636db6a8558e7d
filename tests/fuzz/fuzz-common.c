/* fuzz-common.c */
#include "fuzz-common.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *scratch;

static void
remove_tree (const char *path)
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
          char *child;
          if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
            continue;
          if (asprintf (&child, "%s/%s", path, e->d_name) < 0)
            continue;
          remove_tree (child);
          free (child);
        }
      if (d != NULL)
        closedir (d);
      rmdir (path);
    }
  else
    unlink (path);
}

static void
remove_scratch (void)
{
  if (scratch != NULL)
    remove_tree (scratch);
  free (scratch);
  scratch = NULL;
}

char *
fuzz_scratch_path (const char *name)
{
  char *path;

  if (scratch == NULL)
    {
      const char *tmp = getenv ("TMPDIR");
      if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
      if (asprintf (&scratch, "%s/allegro-fuzz-XXXXXX", tmp) < 0 || mkdtemp (scratch) == NULL)
        {
          fprintf (stderr, "fuzz: cannot make a scratch folder: %s\n", strerror (errno));
          abort ();
        }
      atexit (remove_scratch);
    }
  if (asprintf (&path, "%s/%s", scratch, name) < 0)
    abort ();
  return path;
}

bool
fuzz_write (const char *path, const void *data, size_t size)
{
  FILE *fp = fopen (path, "wb");
  bool ok;

  if (fp == NULL)
    return false;
  ok = size == 0 || fwrite (data, 1, size, fp) == size;
  return fclose (fp) == 0 && ok;
}

uint8_t *
fuzz_read (const char *path, size_t *size)
{
  FILE *fp = fopen (path, "rb");
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0, got;

  if (fp == NULL)
    return NULL;
  do
    {
      if (len == cap)
        {
          cap = cap ? cap * 2 : 65536;
          buf = realloc (buf, cap);
        }
      got = fread (buf + len, 1, cap - len, fp);
      len += got;
    }
  while (got > 0);
  fclose (fp);
  *size = len;
  return buf;
}

bool
fuzz_copy_tree (const char *from, const char *to)
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
          char *a, *b;
          if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
            continue;
          if (asprintf (&a, "%s/%s", from, e->d_name) < 0 || asprintf (&b, "%s/%s", to, e->d_name) < 0)
            abort ();
          ok = fuzz_copy_tree (a, b);
          free (a);
          free (b);
        }
      closedir (d);
      return ok;
    }
  size_t size;
  uint8_t *data = fuzz_read (from, &size);
  if (data == NULL)
    return false;
  ok = fuzz_write (to, data, size);
  free (data);
  return ok;
}

char *
fuzz_data_path (const char *relative)
{
  const char *root = getenv ("ALLEGRO_TEST_DATA");
  char *path;

  if (root == NULL || root[0] == '\0')
    {
      fprintf (stderr, "fuzz: set ALLEGRO_TEST_DATA to the repository's tests/data\n");
      abort ();
    }
  if (asprintf (&path, "%s/%s", root, relative) < 0)
    abort ();
  return path;
}

void
fuzz_assert (bool condition, const char *what)
{
  if (!condition)
    {
      fprintf (stderr, "fuzz: invariant broken: %s\n", what);
      abort ();
    }
}
