/* fuzz-replay.c: runs a fuzz target's entry point over every file of the
 * folders (or files) given, without libFuzzer, so the regular suite (and its
 * sanitizer build) exercises the targets on their corpus. */
#include "fuzz-common.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
replay_file (const char *path)
{
  size_t size;
  uint8_t *data = fuzz_read (path, &size);

  if (data == NULL)
    {
      printf ("FAIL cannot read %s\n", path);
      return 1;
    }
  LLVMFuzzerTestOneInput (data, size);
  free (data);
  return 0;
}

int
main (int argc, char **argv)
{
  int files = 0, failed = 0;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s CORPUS-FOLDER-OR-FILE...\n", argv[0]);
      return 2;
    }
  for (int a = 1; a < argc; a++)
    {
      struct stat st;
      if (stat (argv[a], &st) != 0)
        {
          printf ("FAIL %s does not exist\n", argv[a]);
          failed++;
          continue;
        }
      if (!S_ISDIR (st.st_mode))
        {
          failed += replay_file (argv[a]);
          files++;
          continue;
        }
      DIR *d = opendir (argv[a]);
      struct dirent *e;
      char **names = NULL;
      size_t n = 0;
      while (d != NULL && (e = readdir (d)) != NULL)
        {
          if (e->d_name[0] == '.')
            continue;
          names = realloc (names, (n + 1) * sizeof *names);
          names[n++] = strdup (e->d_name);
        }
      if (d != NULL)
        closedir (d);
      qsort (names, n, sizeof *names, compare_names);
      for (size_t i = 0; i < n; i++)
        {
          char *path;
          if (asprintf (&path, "%s/%s", argv[a], names[i]) < 0)
            return 1;
          failed += replay_file (path);
          files++;
          free (path);
          free (names[i]);
        }
      free (names);
    }
  printf ("%d corpus files replayed, %d unreadable\n", files, failed);
  if (files == 0)
    {
      printf ("FAIL the corpus is empty\n");
      return 1;
    }
  return failed ? 1 : 0;
}
