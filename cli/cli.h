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
/* cli_report naming the input file(s) the failed computation read (file2 may be NULL):
 * "specot CMD: error: 'X.npy', 'Y.npy': <detail>". */
int cli_report_files(const char *cmd, const specot_ctx *ctx, specot_status status,
                     const char *file1, const char *file2);
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

/* Option values.  Call one when argv[*i] is an option that takes a value: it takes
 * the next argument (advancing *i), parses it, checks lo <= value <= hi and stores
 * it in *out.  Returns 0, or prints one usage line naming the option and the value
 * ("bad value 'V' for --opt (need NEED)"; NEED NULL omits the parenthesis) and
 * returns CLI_EXIT_USAGE, leaving *out unchanged.  Doubles: NaN is never accepted;
 * 'inf' is, within [lo, hi]; pass -INFINITY/INFINITY for any number, DBL_MAX for
 * "finite", DBL_TRUE_MIN as lo for "> 0". */
int cli_opt_str(const char *cmd, int argc, char **argv, int *i, const char **out);
int cli_opt_double(const char *cmd, int argc, char **argv, int *i, double *out, double lo,
                   double hi, const char *need);
int cli_opt_size(const char *cmd, int argc, char **argv, int *i, size_t *out, size_t lo, size_t hi,
                 const char *need);
/* An argument that matched no option: "-x..." is an unknown option, otherwise it
 * fills slots[*count] while *count < max ("-" alone is positional).  Returns 0 or
 * CLI_EXIT_USAGE after a usage line. */
int cli_positional(const char *cmd, const char *arg, const char **slots, int max, int *count);
/* Prints "specot CMD: error: out of memory"; returns CLI_EXIT_NUMERICAL. */
int cli_out_of_memory(const char *cmd);

/* Array reads.  Each prints a one-line error and returns the exit code (non-zero)
 * on failure; the arrays are always safe to specot_array_free afterwards. */
/* Reads an array with finite values required. */
int cli_read_array(const char *cmd, const char *path, specot_array *out);
/* Reads the point clouds X (n x d) and Y (m x d) and checks they share d. */
int cli_read_points(const char *cmd, const char *xpath, const char *ypath, specot_array *X,
                    specot_array *Y);
/* Reads `len` values in any layout (1-D, a row or a column), e.g. weights; path
 * NULL leaves *out empty (data NULL) and returns 0.  `what` names the array in the
 * message "WHAT 'PATH' has 3 entries, expected 4". */
int cli_read_vector(const char *cmd, const char *path, size_t len, const char *what,
                    specot_array *out);
/* Reads a rows x cols matrix: "dimension mismatch: WHAT 'PATH' is 3 x 4, expected 4 x 4". */
/* cli_read_vector for a weight vector given with option opt (NULL path: none, uniform):
 * also one line naming opt and the file for a negative entry or a total that is not > 0. */
int cli_read_weights(const char *cmd, const char *path, size_t len, const char *opt,
                     specot_array *out);
/* Equal totals (relative 1e-9, as the solvers require) of two weight vectors read by
 * cli_read_weights (no data: uniform, total 1); else one line naming both files, exit 3. */
int cli_check_masses(const char *cmd, const char *apath, const specot_array *a,
                     const char *bpath, const specot_array *b);
/* An output path given with option opt (NULL: none): a known extension (else a usage
 * error) and an existing writable folder (else exit 3), checked before any computation so
 * that a command never fails after writing part of its outputs. */
int cli_check_output(const char *cmd, const char *opt, const char *path);
/* A usage error naming the first argument of argv[1..] found in the NULL-terminated list
 * `unused` ("OPT does not apply to CONTEXT"), for options of another model/method. */
int cli_reject_options(const char *cmd, int argc, char **argv, const char *const *unused,
                       const char *context);
int cli_read_matrix(const char *cmd, const char *path, size_t rows, size_t cols, const char *what,
                    specot_array *out);

/* Writes an array; on failure prints the error and returns the exit code. */
int cli_write_array(const char *cmd, const char *path, const double *data, size_t rows, size_t cols,
                    int ndim);
/* Writes a sparse transport plan as nnz x 3 rows (row index, column index, mass). */
int cli_write_plan(const char *cmd, const char *path, const size_t *rows, const size_t *cols,
                   const double *mass, size_t nnz);

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
