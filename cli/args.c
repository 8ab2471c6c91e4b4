/* Option values, positional arguments and shape-checked array reads of the command line:
 * the parsing and checking that every command repeats, each with one message format. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* "specot CMD: bad value 'V' for OPT (need NEED)" and CLI_EXIT_USAGE. */
static int bad_value(const char *cmd, const char *opt, const char *value, const char *need) {
  if (need) return cli_usage_error(cmd, "bad value '%s' for %s (need %s)", value, opt, need);
  return cli_usage_error(cmd, "bad value '%s' for %s", value, opt);
}

int cli_opt_str(const char *cmd, int argc, char **argv, int *i, const char **out) {
  const char *v = cli_option_value(cmd, argc, argv, i);
  if (!v) return CLI_EXIT_USAGE;
  *out = v;
  return CLI_EXIT_OK;
}

int cli_opt_double(const char *cmd, int argc, char **argv, int *i, double *out, double lo,
                   double hi, const char *need) {
  const char *opt = argv[*i], *v = cli_option_value(cmd, argc, argv, i);
  if (!v) return CLI_EXIT_USAGE;
  double x;
  if (cli_parse_double(v, &x) != 0 || !(x >= lo && x <= hi)) return bad_value(cmd, opt, v, need);
  *out = x;
  return CLI_EXIT_OK;
}

int cli_opt_size(const char *cmd, int argc, char **argv, int *i, size_t *out, size_t lo, size_t hi,
                 const char *need) {
  const char *opt = argv[*i], *v = cli_option_value(cmd, argc, argv, i);
  if (!v) return CLI_EXIT_USAGE;
  size_t x;
  if (cli_parse_size(v, &x) != 0 || x < lo || x > hi) return bad_value(cmd, opt, v, need);
  *out = x;
  return CLI_EXIT_OK;
}

int cli_positional(const char *cmd, const char *arg, const char **slots, int max, int *count) {
  if (arg[0] == '-' && arg[1] != '\0') return cli_usage_error(cmd, "unknown option '%s'", arg);
  if (*count >= max) return cli_usage_error(cmd, "unexpected argument '%s'", arg);
  slots[(*count)++] = arg;
  return CLI_EXIT_OK;
}

int cli_out_of_memory(const char *cmd) {
  fprintf(stderr, "specot %s: error: out of memory\n", cmd);
  return CLI_EXIT_NUMERICAL;
}

int cli_read_points(const char *cmd, const char *xpath, const char *ypath, specot_array *X,
                    specot_array *Y) {
  memset(Y, 0, sizeof *Y);
  int rc = cli_read_array(cmd, xpath, X);
  if (!rc) rc = cli_read_array(cmd, ypath, Y);
  if (!rc && X->cols != Y->cols) {
    fprintf(stderr,
            "specot %s: error: dimension mismatch: X is %zu x %zu, Y is %zu x %zu (points need the "
            "same d)\n",
            cmd, X->rows, X->cols, Y->rows, Y->cols);
    rc = CLI_EXIT_INPUT;
  }
  return rc;
}

int cli_read_vector(const char *cmd, const char *path, size_t len, const char *what,
                    specot_array *out) {
  memset(out, 0, sizeof *out);
  if (!path) return CLI_EXIT_OK;
  const int rc = cli_read_array(cmd, path, out);
  if (rc) return rc;
  if (out->rows * out->cols != len) {
    fprintf(stderr, "specot %s: error: %s '%s' has %zu entries, expected %zu\n", cmd, what, path,
            out->rows * out->cols, len);
    return CLI_EXIT_INPUT;
  }
  return CLI_EXIT_OK;
}

int cli_read_matrix(const char *cmd, const char *path, size_t rows, size_t cols, const char *what,
                    specot_array *out) {
  const int rc = cli_read_array(cmd, path, out);
  if (rc) return rc;
  if (out->rows != rows || out->cols != cols) {
    fprintf(stderr,
            "specot %s: error: dimension mismatch: %s '%s' is %zu x %zu, expected %zu x %zu\n", cmd,
            what, path, out->rows, out->cols, rows, cols);
    return CLI_EXIT_INPUT;
  }
  return CLI_EXIT_OK;
}
