/* cli.h: the headless subcommands of allegro-studio. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Each returns the process exit status. */
int cli_devices (int argc, char **argv);
int cli_bench (int argc, char **argv);
int cli_check_fixtures (int argc, char **argv);
int cli_generate (int argc, char **argv);
int cli_make_random_model (int argc, char **argv);
/* cli-media.c (built with the GUI only). */
int cli_provenance (int argc, char **argv);
int cli_media (int argc, char **argv);
int cli_bench_media (int argc, char **argv);

/* The project library (cli-library.c; built with the GUI only). */
int cli_library_init (int argc, char **argv);
int cli_library_member (int argc, char **argv);
int cli_library_project (int argc, char **argv);
int cli_library_import (int argc, char **argv);
int cli_library_takes (int argc, char **argv);
int cli_library_show (int argc, char **argv);
int cli_library_review (int argc, char **argv);
int cli_library_clear (int argc, char **argv);
int cli_library_rate (int argc, char **argv);
int cli_library_shortlist (int argc, char **argv);
int cli_library_tag (int argc, char **argv);
int cli_library_audit (int argc, char **argv);
int cli_library_check (int argc, char **argv);
int cli_library_export (int argc, char **argv);
/* `bench library [--takes N] [--dir DIR] [--json]` (cli-bench-library.c). */
int cli_bench_library (int argc, char **argv);

/* The folder given with the global option --library DIR, before the
 * subcommand; NULL for the default library ($XDG_DATA_HOME/allegro-studio). */
extern const char *cli_library_dir;

/* Prints "allegro-studio: <message>" to stderr. */
void cli_error (const char *format, ...) __attribute__ ((format (printf, 1, 2)));
/* True when argv holds the flag. */
bool cli_has_flag (int argc, char **argv, const char *flag);
/* A whole decimal integer in [min, max] into *out; false otherwise. */
bool cli_parse_int (const char *text, int64_t min, int64_t max, int64_t *out);

/* generate's video output (MP4 or WebM with provenance), where the media
 * layer is built; false with a message printed otherwise. */
#include "ae-pipeline.h"
/* The text encoder's and transformer's dtypes for --dtype auto|f32|f16|bf16
 * (auto: bf16 on a GPU with 16-bit storage, f32 elsewhere; info may be NULL
 * until the device is known); the VAE stays f32.  False for another name. */
bool cli_pipeline_dtypes (const char *name, const ae_device_info *info, ae_pipeline_params *params);
/* `bench render ...` (cli-bench-render.c). */
int cli_bench_render (int argc, char **argv);

/* A cheap fingerprint of a model's weight files ("sha256-headers:..."), with
 * the media layer; malloc'ed (g_free). */
char *cli_model_fingerprint (const ae_model_folder *folder);
bool cli_write_video (const char *path, const ae_video *video, int fps, const char *prompt, const char *negative,
                      uint64_t seed, const ae_generate_params *params, const ae_model_folder *folder);
