/* fixtures.h: libraries of earlier schema versions, with known rows. */
#pragma once

#include <glib.h>

/* The content of the one media file the fixtures' take 1 points at. */
#define FIXTURE_VIDEO "fixture video: a red square moving left"

/* Writes a library of schema VERSION (1 .. current - 1) with the fixture
 * rows to PATH (a single SQLite file, rollback journal, no -wal file).
 * Time stamps are fixed, so the same version always gives the same rows. */
gboolean fixture_make (const char *path, int version, GError **error);

/* "media/<sha256>.mp4" for FIXTURE_VIDEO. */
char *fixture_video_name (void);
