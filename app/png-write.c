/* png-write.c: RGB8 PNG files (signature, IHDR, one IDAT, IEND). */
#include "png-write.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static void
put32 (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) (v >> 24);
  p[1] = (uint8_t) (v >> 16);
  p[2] = (uint8_t) (v >> 8);
  p[3] = (uint8_t) v;
}

static bool
chunk (FILE *f, const char *type, const uint8_t *data, uint32_t length)
{
  uint8_t head[8], tail[4];
  put32 (head, length);
  memcpy (head + 4, type, 4);
  uLong crc = crc32 (0, (const Bytef *) type, 4);
  if (length > 0)
    crc = crc32 (crc, data, length);
  put32 (tail, (uint32_t) crc);
  return fwrite (head, 1, 8, f) == 8 && (length == 0 || fwrite (data, 1, length, f) == length)
         && fwrite (tail, 1, 4, f) == 4;
}

bool
png_write_rgb (const char *path, const uint8_t *rgb, int width, int height)
{
  static const uint8_t signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  const size_t row = (size_t) width * 3 + 1;
  const size_t raw_size = row * (size_t) height;
  uint8_t *raw = malloc (raw_size);
  uLongf packed_size = compressBound ((uLong) raw_size);
  uint8_t *packed = malloc (packed_size);
  uint8_t ihdr[13];
  char *part = malloc (strlen (path) + 6);
  FILE *f = NULL;
  bool ok = false;
  int saved;

  sprintf (part, "%s.part", path);
  for (int y = 0; y < height; y++)
    {
      raw[y * row] = 0; /* filter: none */
      memcpy (raw + y * row + 1, rgb + (size_t) y * width * 3, (size_t) width * 3);
    }
  if (compress2 (packed, &packed_size, raw, (uLong) raw_size, 6) != Z_OK)
    {
      errno = ENOMEM;
      goto out;
    }
  put32 (ihdr, (uint32_t) width);
  put32 (ihdr + 4, (uint32_t) height);
  ihdr[8] = 8; /* bit depth */
  ihdr[9] = 2; /* truecolour */
  ihdr[10] = ihdr[11] = ihdr[12] = 0;
  if ((f = fopen (part, "wb")) == NULL)
    goto out;
  ok = fwrite (signature, 1, 8, f) == 8 && chunk (f, "IHDR", ihdr, 13)
       && chunk (f, "IDAT", packed, (uint32_t) packed_size) && chunk (f, "IEND", NULL, 0) && fflush (f) == 0
       && fsync (fileno (f)) == 0;
  saved = errno;
  if (fclose (f) != 0 && ok)
    {
      ok = false;
      saved = errno;
    }
  if (ok && rename (part, path) != 0)
    {
      ok = false;
      saved = errno;
    }
  if (!ok)
    unlink (part);
  errno = saved;
out:
  free (raw);
  free (packed);
  free (part);
  return ok;
}
