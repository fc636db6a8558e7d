/* png-write.h: a small PNG writer (RGB8) for `generate` without the media
 * layer: zlib for the compression, nothing else. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Writes rgb (height x width x 3) to path; false with errno set on failure
 * (the file is written to path + ".part" and renamed, so a failure leaves no
 * half-written PNG under the final name). */
bool png_write_rgb (const char *path, const uint8_t *rgb, int width, int height);
