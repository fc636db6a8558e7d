/* cli.h: the headless subcommands of allegro-studio. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

/* Each returns the process exit status. */
int cli_devices (int argc, char **argv);
int cli_bench (int argc, char **argv);

/* Prints "allegro-studio: <message>" to stderr. */
void cli_error (const char *format, ...) __attribute__ ((format (printf, 1, 2)));
/* True when argv holds the flag. */
bool cli_has_flag (int argc, char **argv, const char *flag);
