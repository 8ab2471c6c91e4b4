/* Shared helpers of the `specot` command: exit codes, argument parsing,
 * array I/O with messages, and a small JSON writer.  Uses the public API only. */
#ifndef SPECOT_CLI_H
#define SPECOT_CLI_H

#include <stdio.h>

#include "specot/io.h"
#include "specot/specot.h"

/* Exit codes of every command. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_USAGE = 2, CLI_EXIT_INPUT = 3, CLI_EXIT_NUMERICAL = 4 };

#define X(name, fn, summary) int fn(int argc, char **argv);
#include "commands.h"
#undef X

/* Maps a status to an exit code: ok/warning 0, NUMERICAL/NOMEM 4, other errors 3. */
int cli_exit_code(specot_status status);
/* Prints "specot CMD: error: <detail or strerror>" on stderr; returns the exit code. */
int cli_report(const char *cmd, const specot_ctx *ctx, specot_status status);
/* Prints "specot CMD: <message>" and a hint to --help on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Prints a warning status (if > 0) on stderr. */
void cli_warn(const char *cmd, const specot_ctx *ctx, specot_status status);

/* 1 if arg is "-h" or "--help". */
int cli_is_help(const char *arg);
/* Parses a double ("inf", "infinity", "Inf" accepted); 0 on success, -1 on error. */
int cli_parse_double(const char *s, double *out);
/* Parses a non-negative integer; 0 on success. */
int cli_parse_size(const char *s, size_t *out);
/* Parses a comma-separated list of up to max positive integers; returns count or -1. */
int cli_parse_size_list(const char *s, size_t *out, int max);
/* Parses a comma-separated list of up to max doubles; returns count or -1. */
int cli_parse_double_list(const char *s, double *out, int max);
/* Fetches the value of option argv[*i] (advancing *i); NULL (and a usage message) if missing. */
const char *cli_option_value(const char *cmd, int argc, char **argv, int *i);

/* Reads an array with finite values required; on failure prints the error and
 * returns the exit code (non-zero). */
int cli_read_array(const char *cmd, const char *path, specot_array *out);
/* Writes an array; on failure prints the error and returns the exit code. */
int cli_write_array(const char *cmd, const char *path, const double *data, size_t rows,
                    size_t cols, int ndim);

/* Minimal JSON object writer on a FILE: numbers print with %.17g; non-finite
 * numbers print as the strings "inf", "-inf", "nan". */
typedef struct cli_json {
  FILE *out;
  int first;
  int depth;
} cli_json;
void cli_json_begin(cli_json *j, FILE *out);
void cli_json_num(cli_json *j, const char *key, double value);
void cli_json_int(cli_json *j, const char *key, long long value);
void cli_json_str(cli_json *j, const char *key, const char *value);
void cli_json_bool(cli_json *j, const char *key, int value);
void cli_json_array(cli_json *j, const char *key, const double *values, size_t len);
void cli_json_begin_object(cli_json *j, const char *key);
void cli_json_end_object(cli_json *j);
void cli_json_end(cli_json *j);

#endif
