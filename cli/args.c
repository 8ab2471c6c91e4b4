/* Option values, positional arguments and shape-checked array reads of the command line:
 * the parsing and checking that every command repeats, each with one message format. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

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
            "specot %s: error: dimension mismatch: X '%s' is %zu x %zu, Y '%s' is %zu x %zu (points "
            "need the same d)\n",
            cmd, xpath, X->rows, X->cols, ypath, Y->rows, Y->cols);
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
    specot_array_free(out); /* on error *out holds no allocation (callers may return at once) */
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
    specot_array_free(out); /* on error *out holds no allocation (callers may return at once) */
    return CLI_EXIT_INPUT;
  }
  return CLI_EXIT_OK;
}

int cli_read_weights(const char *cmd, const char *path, size_t len, const char *opt,
                     specot_array *out) {
  int rc = cli_read_vector(cmd, path, len, opt, out);
  if (rc || !path) return rc;
  double total = 0.0;
  for (size_t k = 0; k < len; ++k) {
    if (out->data[k] < 0.0) {
      fprintf(stderr, "specot %s: error: %s '%s': entry %zu is %.17g (weights must be >= 0)\n",
              cmd, opt, path, k, out->data[k]);
      specot_array_free(out);
      return CLI_EXIT_INPUT;
    }
    total += out->data[k];
  }
  if (!(total > 0.0) || !isfinite(total)) {
    fprintf(stderr, "specot %s: error: %s '%s': the weights sum to %.17g (need a finite total > 0)\n",
            cmd, opt, path, total);
    specot_array_free(out);
    return CLI_EXIT_INPUT;
  }
  return CLI_EXIT_OK;
}

static double weight_total(const specot_array *w) {
  if (!w->data) return 1.0; /* uniform weights */
  double total = 0.0;
  for (size_t k = 0; k < w->rows * w->cols; ++k) total += w->data[k];
  return total;
}

int cli_check_masses(const char *cmd, const char *apath, const specot_array *a,
                     const char *bpath, const specot_array *b) {
  const double ta = weight_total(a), tb = weight_total(b);
  if (fabs(ta - tb) <= 1e-9 * fmax(ta, tb)) return CLI_EXIT_OK;
  fprintf(stderr,
          "specot %s: error: unequal masses: weights %s%s%s sum to %.17g, %s%s%s to %.17g (totals "
          "must be equal)\n",
          cmd, apath ? "'" : "", apath ? apath : "uniform a", apath ? "'" : "", ta,
          bpath ? "'" : "", bpath ? bpath : "uniform b", bpath ? "'" : "", tb);
  return CLI_EXIT_INPUT;
}

int cli_check_output(const char *cmd, const char *opt, const char *path) {
  if (!path) return CLI_EXIT_OK;
  const char *slash = strrchr(path, '/');
  const char *dot = strrchr(slash ? slash : path, '.');
  static const char *const exts[] = {".npy", ".csv", ".txt", ".tsv", ".dat"};
  int known = 0;
  for (size_t k = 0; dot && k < sizeof exts / sizeof exts[0]; ++k) known |= !strcasecmp(dot, exts[k]);
  if (!known)
    return cli_usage_error(cmd, "%s '%s': unknown file extension (use .npy, .csv, .txt, .tsv or .dat)",
                           opt, path);
  char dir[4096];
  if (!slash) {
    snprintf(dir, sizeof dir, ".");
  } else {
    const size_t len = slash == path ? 1 : (size_t)(slash - path);
    if (len >= sizeof dir) return cli_usage_error(cmd, "%s: path too long", opt);
    memcpy(dir, path, len);
    dir[len] = '\0';
  }
  struct stat sb;
  if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || access(dir, W_OK | X_OK) != 0) {
    fprintf(stderr, "specot %s: error: %s '%s': folder '%s' does not exist or is not writable\n",
            cmd, opt, path, dir);
    return CLI_EXIT_INPUT;
  }
  return CLI_EXIT_OK;
}

int cli_reject_options(const char *cmd, int argc, char **argv, const char *const *unused,
                       const char *context) {
  for (int i = 1; i < argc; ++i)
    for (const char *const *u = unused; *u; ++u)
      if (strcmp(argv[i], *u) == 0)
        return cli_usage_error(cmd, "%s does not apply to %s", argv[i], context);
  return CLI_EXIT_OK;
}
