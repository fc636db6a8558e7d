/* studio-library-media.c: media/, files named by the SHA-256 of their
 * content.  A file is written to a hidden temporary name that carries the
 * writer's process id, fsynced, renamed to its real name, and the folder is
 * fsynced; so a real name always holds a whole file, and only then may a
 * take point at it.  Temporary files of dead writers are removed when a
 * library is opened. */
#define G_LOG_DOMAIN "studio-library"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "studio-library-private.h"

#define TEMP_PREFIX ".tmp-"
#define CHUNK (1 << 20)

static gboolean
extension_valid (const char *extension)
{
  size_t length = strlen (extension);

  if (length == 0 || length > 8)
    return FALSE;
  for (size_t i = 0; i < length; i++)
    if (!g_ascii_isalnum (extension[i]))
      return FALSE;
  return TRUE;
}

/* The extension to store under: the one given, else PATH's when it is a
 * plain one, else none (""). */
static char *
choose_extension (const char *extension, const char *path, GError **error)
{
  if (extension != NULL && *extension != '\0')
    {
      if (!extension_valid (extension))
        {
          g_autofree char *shown = g_utf8_make_valid (extension, -1);
          g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID,
                       "the media extension \"%s\" is not 1 to 8 letters and digits", shown);
          return NULL;
        }
      return g_ascii_strdown (extension, -1);
    }
  if (path != NULL)
    {
      g_autofree char *base = g_path_get_basename (path);
      const char *dot = strrchr (base, '.');
      if (dot != NULL && dot != base && extension_valid (dot + 1))
        return g_ascii_strdown (dot + 1, -1);
    }
  return g_strdup ("");
}

static gboolean
write_all (int fd, const guint8 *data, gsize length)
{
  while (length > 0)
    {
      ssize_t written = write (fd, data, length);
      if (written < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      data += written;
      length -= (gsize) written;
    }
  return TRUE;
}

static gboolean
fsync_folder (const char *folder)
{
  int fd = g_open (folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync (fd) == 0;
  close (fd);
  return ok;
}

typedef struct
{
  char *temp_path;
  int fd;
  GChecksum *checksum;
} MediaWriter;

static gboolean
media_writer_open (StudioLibrary *lib, MediaWriter *writer, GError **error)
{
  g_autofree char *template = g_strdup_printf ("%s/" TEMP_PREFIX "%ld-XXXXXX", lib->media_dir, (long) getpid ());

  if (g_mkdir_with_parents (lib->media_dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "could not create the media folder %s: %s",
                   lib->media_dir, g_strerror (saved));
      return FALSE;
    }
  writer->fd = g_mkstemp_full (template, O_RDWR | O_CLOEXEC, 0644);
  if (writer->fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "could not create a file in %s: %s",
                   lib->media_dir, g_strerror (saved));
      return FALSE;
    }
  writer->temp_path = g_steal_pointer (&template);
  writer->checksum = g_checksum_new (G_CHECKSUM_SHA256);
  return TRUE;
}

static void
media_writer_abandon (MediaWriter *writer)
{
  if (writer->fd >= 0)
    close (writer->fd);
  writer->fd = -1;
  if (writer->temp_path != NULL)
    g_unlink (writer->temp_path);
  g_clear_pointer (&writer->temp_path, g_free);
  g_clear_pointer (&writer->checksum, g_checksum_free);
}

static gboolean
media_writer_write (MediaWriter *writer, const guint8 *data, gsize length, GError **error)
{
  g_checksum_update (writer->checksum, data, length);
  if (!write_all (writer->fd, data, length))
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "could not write %s: %s", writer->temp_path,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* Makes the file durable under its content's name; returns that name. */
static char *
media_writer_finish (StudioLibrary *lib, MediaWriter *writer, const char *extension, GError **error)
{
  g_autofree char *name = NULL;
  g_autofree char *final_path = NULL;
  int saved;

  if (fsync (writer->fd) != 0)
    {
      saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "could not write %s to disk: %s",
                   writer->temp_path, g_strerror (saved));
      media_writer_abandon (writer);
      return NULL;
    }
  close (writer->fd);
  writer->fd = -1;
  name = g_strdup_printf ("media/%s%s%s", g_checksum_get_string (writer->checksum), *extension ? "." : "", extension);
  final_path = g_build_filename (lib->dir, name, NULL);
  if (g_file_test (final_path, G_FILE_TEST_IS_REGULAR))
    {
      /* The same content is already stored, whole (it was renamed there). */
      media_writer_abandon (writer);
      return g_steal_pointer (&name);
    }
  if (g_rename (writer->temp_path, final_path) != 0)
    {
      saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "could not rename %s to %s: %s",
                   writer->temp_path, final_path, g_strerror (saved));
      media_writer_abandon (writer);
      return NULL;
    }
  g_clear_pointer (&writer->temp_path, g_free);
  media_writer_abandon (writer);
  if (!fsync_folder (lib->media_dir))
    {
      saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "could not write the folder %s to disk: %s",
                   lib->media_dir, g_strerror (saved));
      return NULL;
    }
  return g_steal_pointer (&name);
}

char *
studio_library_add_media_file (StudioLibrary *lib, const char *path, const char *extension, GError **error)
{
  MediaWriter writer = { .fd = -1 };
  g_autofree char *ext = choose_extension (extension, path, error);
  g_autofree guint8 *buffer = NULL;
  struct stat info;
  int fd;

  if (ext == NULL)
    return NULL;
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "could not open %s: %s", path,
                   g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &info) != 0 || !S_ISREG (info.st_mode))
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_INVALID, "%s is not a regular file", path);
      close (fd);
      return NULL;
    }
  if (!media_writer_open (lib, &writer, error))
    {
      close (fd);
      return NULL;
    }
  buffer = g_malloc (CHUNK);
  for (;;)
    {
      ssize_t got = read (fd, buffer, CHUNK);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "could not read %s: %s", path,
                       g_strerror (saved));
          close (fd);
          media_writer_abandon (&writer);
          return NULL;
        }
      if (got == 0)
        break;
      if (!media_writer_write (&writer, buffer, (gsize) got, error))
        {
          close (fd);
          media_writer_abandon (&writer);
          return NULL;
        }
    }
  close (fd);
  return media_writer_finish (lib, &writer, ext, error);
}

char *
studio_library_add_media_bytes (StudioLibrary *lib, GBytes *bytes, const char *extension, GError **error)
{
  MediaWriter writer = { .fd = -1 };
  g_autofree char *ext = choose_extension (extension, NULL, error);
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  if (ext == NULL)
    return NULL;
  if (!media_writer_open (lib, &writer, error))
    return NULL;
  if (!media_writer_write (&writer, data, length, error))
    {
      media_writer_abandon (&writer);
      return NULL;
    }
  return media_writer_finish (lib, &writer, ext, error);
}

char *
studio_library_media_path (StudioLibrary *lib, const char *name)
{
  return g_build_filename (lib->dir, name, NULL);
}

static gboolean
media_name_valid (const char *name)
{
  const char *hex;

  if (!g_str_has_prefix (name, "media/"))
    return FALSE;
  hex = name + strlen ("media/");
  for (int i = 0; i < 64; i++)
    if (!g_ascii_isxdigit (hex[i]) || g_ascii_isupper (hex[i]))
      return FALSE;
  if (hex[64] == '\0')
    return TRUE;
  return hex[64] == '.' && extension_valid (hex + 65);
}

gboolean
studio_library_media_exists (StudioLibrary *lib, const char *name)
{
  g_autofree char *path = NULL;

  if (!media_name_valid (name))
    return FALSE;
  path = studio_library_media_path (lib, name);
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

gboolean
studio_library_media_verify (StudioLibrary *lib, const char *name, GError **error)
{
  g_autofree char *path = studio_library_media_path (lib, name);
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = NULL;
  int fd;

  if (!media_name_valid (name))
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_CORRUPT,
                   "the media name \"%s\" is not media/<SHA-256>.<extension>", name);
      return FALSE;
    }
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_CORRUPT, "the media file %s is missing: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  buffer = g_malloc (CHUNK);
  for (;;)
    {
      ssize_t got = read (fd, buffer, CHUNK);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        break;
      g_checksum_update (checksum, buffer, (gsize) got);
    }
  close (fd);
  if (strncmp (g_checksum_get_string (checksum), name + strlen ("media/"), 64) != 0)
    {
      g_set_error (error, STUDIO_LIBRARY_ERROR, STUDIO_LIBRARY_ERROR_CORRUPT,
                   "the media file %s is damaged: its content's SHA-256 is %s", path, g_checksum_get_string (checksum));
      return FALSE;
    }
  return TRUE;
}

void
studio_library_media_cleanup (StudioLibrary *lib)
{
  g_autoptr (GDir) dir = g_dir_open (lib->media_dir, 0, NULL);
  const char *entry;

  if (dir == NULL)
    return;
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      long pid;
      char *end;

      if (!g_str_has_prefix (entry, TEMP_PREFIX))
        continue;
      pid = strtol (entry + strlen (TEMP_PREFIX), &end, 10);
      if (end == entry + strlen (TEMP_PREFIX) || *end != '-' || pid <= 0 || pid == (long) getpid ())
        continue;
      if (kill ((pid_t) pid, 0) != 0 && errno == ESRCH)
        {
          g_autofree char *path = g_build_filename (lib->media_dir, entry, NULL);
          g_debug ("removing %s, left by process %ld", path, pid);
          g_unlink (path);
        }
    }
}
