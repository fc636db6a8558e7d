/* make-fixtures: writes tests/library/data/library-v<N>.sqlite for every
 * schema version before the current one.  Run it when a new schema version
 * is added, and commit the new file (the older ones do not change):
 *   build/tests/library/make-fixtures tests/library/data */
#include <stdio.h>

#include "fixtures.h"
#include "studio-library.h"

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: make-fixtures FOLDER\n");
      return 2;
    }
  for (int version = 1; version < STUDIO_LIBRARY_SCHEMA_VERSION; version++)
    {
      g_autofree char *name = g_strdup_printf ("library-v%d.sqlite", version);
      g_autofree char *path = g_build_filename (argv[1], name, NULL);
      g_autoptr (GError) error = NULL;

      if (!fixture_make (path, version, &error))
        {
          fprintf (stderr, "make-fixtures: %s\n", error->message);
          return 1;
        }
      printf ("wrote %s\n", path);
    }
  return 0;
}
