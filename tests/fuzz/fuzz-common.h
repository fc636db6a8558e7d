/* fuzz-common.h: what the fuzz targets share.  Each target defines
 * LLVMFuzzerTestOneInput; run.sh links it with libFuzzer, and fuzz-replay.c
 * runs it over the committed corpus in the regular test suite. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A path inside this process's scratch folder (made on first use under
 * $TMPDIR, removed at exit); malloc'ed. */
char *fuzz_scratch_path (const char *name);
bool fuzz_write (const char *path, const void *data, size_t size);
/* Reads a whole file (malloc'ed), or NULL. */
uint8_t *fuzz_read (const char *path, size_t *size);
bool fuzz_copy_tree (const char *from, const char *to);
/* $ALLEGRO_TEST_DATA/relative (malloc'ed); aborts when the variable is unset. */
char *fuzz_data_path (const char *relative);
/* Aborts (a crash the fuzzer reports) when condition is false. */
void fuzz_assert (bool condition, const char *what);
