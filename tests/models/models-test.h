/* models-test.h: what the model-loading tests share: checks that count and
 * print, temporary folders, and files written byte for byte. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ae-engine.h"

/* Records a condition and prints it ("ok" or "FAIL" and the description). */
bool mt_expect (bool condition, const char *format, ...) AE_PRINTF (2, 3);
/* Records that a call failed (ok false) with a message holding every one of
 * the NULL-terminated substrings. */
bool mt_expect_error (bool ok, const ae_error *error, const char *what, ...);
/* Aborts the test (exit 1) when ok is false. */
void mt_ok (bool ok, const ae_error *error, const char *what);
/* Prints "N passed, N failed" and returns the exit status. */
int mt_summary (void);

/* A new empty folder under $TMPDIR (or /tmp); malloc'ed. */
char *mt_temp_dir (const char *prefix);
/* Removes a folder and everything in it. */
void mt_remove_tree (const char *path);
/* dir/name, malloc'ed. */
char *mt_path (const char *dir, const char *name);

bool mt_write_file (const char *path, const void *data, size_t size);
/* Reads a whole file (NUL-terminated, malloc'ed), or NULL. */
char *mt_read_file (const char *path, size_t *size);
/* A safetensors file: the 8-byte header length, the header, then data. */
bool mt_write_safetensors (const char *path, const char *header, const void *data, size_t size);
/* Copies a folder tree (files and folders only). */
bool mt_copy_tree (const char *from, const char *to);

/* $ALLEGRO_TEST_DATA (tests/data) joined with a relative path; malloc'ed.
 * Exits 1 when the variable is not set. */
char *mt_data_path (const char *relative);

/* A tensor to write with mt_write_tensors. */
typedef struct
{
  const char *name;
  const char *dtype; /* "F32", ... */
  int ndim;
  int64_t shape[8];
  const void *data;
  uint64_t nbytes;
} mt_tensor;

/* A safetensors file holding the tensors, in the order given, packed. */
bool mt_write_tensors (const char *path, const mt_tensor *tensors, size_t n);
