/* cli.h: the headless subcommands of allegro-studio. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

/* Each returns the process exit status. */
int cli_devices (int argc, char **argv);
int cli_bench (int argc, char **argv);
int cli_check_fixtures (int argc, char **argv);
int cli_generate (int argc, char **argv);
/* cli-media.c (built with the GUI only). */
int cli_provenance (int argc, char **argv);
int cli_media (int argc, char **argv);
int cli_bench_media (int argc, char **argv);

/* Prints "allegro-studio: <message>" to stderr. */
void cli_error (const char *format, ...) __attribute__ ((format (printf, 1, 2)));
/* True when argv holds the flag. */
bool cli_has_flag (int argc, char **argv, const char *flag);

/* generate's video output (MP4 or WebM with provenance), where the media
 * layer is built; false with a message printed otherwise. */
#include "ae-pipeline.h"
/* A cheap fingerprint of a model's weight files ("sha256-headers:..."), with
 * the media layer; malloc'ed (g_free). */
char *cli_model_fingerprint (const ae_model_folder *folder);
bool cli_write_video (const char *path, const ae_video *video, int fps, const char *prompt, const char *negative,
                      uint64_t seed, const ae_generate_params *params, const ae_model_folder *folder);
