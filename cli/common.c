/* Exit codes, argument parsing and array I/O helpers of the command line. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

int cli_exit_code(specot_status status) {
  if (status >= 0) return CLI_EXIT_OK;
  if (status == SPECOT_ERR_NUMERICAL || status == SPECOT_ERR_NOMEM) return CLI_EXIT_NUMERICAL;
  return CLI_EXIT_INPUT;
}

int cli_report(const char *cmd, const specot_ctx *ctx, specot_status status) {
  const char *detail = specot_ctx_errmsg(ctx);
  fprintf(stderr, "specot %s: error: %s\n", cmd,
          (detail && *detail) ? detail : specot_strerror(status));
  return cli_exit_code(status);
}

int cli_report_files(const char *cmd, const specot_ctx *ctx, specot_status status,
                     const char *file1, const char *file2) {
  const char *detail = specot_ctx_errmsg(ctx);
  fprintf(stderr, "specot %s: error: '%s'%s%s%s: %s\n", cmd, file1, file2 ? ", '" : "",
          file2 ? file2 : "", file2 ? "'" : "", (detail && *detail) ? detail : specot_strerror(status));
  return cli_exit_code(status);
}

void cli_warn(const char *cmd, const specot_ctx *ctx, specot_status status) {
  if (status <= 0) return;
  const char *detail = specot_ctx_errmsg(ctx);
  fprintf(stderr, "specot %s: warning: %s\n", cmd,
          (detail && *detail) ? detail : specot_strerror(status));
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "specot %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n(run 'specot %s --help' for usage)\n", cmd);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

int cli_is_help(const char *arg) {
  return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_parse_double(const char *s, double *out) {
  if (!s || !*s) return -1;
  const char *t = s;
  int neg = 0;
  if (*t == '+' || *t == '-') neg = (*t++ == '-');
  if (strcasecmp(t, "inf") == 0 || strcasecmp(t, "infinity") == 0) {
    *out = neg ? -INFINITY : INFINITY;
    return 0;
  }
  char *end = NULL;
  errno = 0;
  const double v = strtod(s, &end);
  if (end == s || *end != '\0' || errno == ERANGE || isnan(v) || isinf(v)) return -1;
  *out = v;
  return 0;
}

int cli_parse_size(const char *s, size_t *out) {
  if (!s || !*s || *s == '-' || *s == '+') return -1;
  char *end = NULL;
  errno = 0;
  const unsigned long long v = strtoull(s, &end, 10);
  if (end == s || *end != '\0' || errno == ERANGE) return -1;
  *out = (size_t)v;
  return 0;
}

/* Splits s at commas into 1..max items and parses item k with parse(item, k, out);
 * returns the count, or -1 on an empty item, too many items, or a parse failure. */
static int parse_list(const char *s, int max, int (*parse)(const char *item, int k, void *out),
                      void *out) {
  int count = 0;
  const char *p = s;
  char buf[64];
  while (*p) {
    const char *comma = strchr(p, ',');
    const size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if (len == 0 || len >= sizeof buf || count >= max) return -1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    if (parse(buf, count, out) != 0) return -1;
    ++count;
    if (!comma) break;
    p = comma + 1;
    if (!*p) return -1;
  }
  return count > 0 ? count : -1;
}

static int positive_size_item(const char *item, int k, void *out) {
  size_t *values = out;
  return cli_parse_size(item, &values[k]) != 0 || values[k] == 0 ? -1 : 0;
}

static int double_item(const char *item, int k, void *out) {
  double *values = out;
  return cli_parse_double(item, &values[k]);
}

int cli_parse_size_list(const char *s, size_t *out, int max) {
  return parse_list(s, max, positive_size_item, out);
}

int cli_parse_double_list(const char *s, double *out, int max) {
  return parse_list(s, max, double_item, out);
}

const char *cli_option_value(const char *cmd, int argc, char **argv, int *i) {
  if (*i + 1 >= argc) {
    cli_usage_error(cmd, "option %s needs a value", argv[*i]);
    return NULL;
  }
  ++*i;
  return argv[*i];
}

int cli_read_array(const char *cmd, const char *path, specot_array *out) {
  memset(out, 0, sizeof *out);
  specot_ctx *ctx = specot_ctx_alloc();
  if (!ctx) return cli_out_of_memory(cmd);
  const specot_status st = specot_io_read(ctx, path, NULL, out);
  int rc = CLI_EXIT_OK;
  if (st < 0) rc = cli_report(cmd, ctx, st);
  specot_ctx_free(ctx);
  if (!rc && out->rows * out->cols == 0) {
    fprintf(stderr, "specot %s: error: '%s' is empty (%zu x %zu)\n", cmd, path, out->rows,
            out->cols);
    specot_array_free(out);
    rc = CLI_EXIT_INPUT;
  }
  return rc;
}

int cli_write_array(const char *cmd, const char *path, const double *data, size_t rows, size_t cols,
                    int ndim) {
  specot_ctx *ctx = specot_ctx_alloc();
  if (!ctx) return cli_out_of_memory(cmd);
  const specot_status st = specot_io_write(ctx, path, data, rows, cols, ndim);
  int rc = CLI_EXIT_OK;
  if (st < 0) rc = cli_report(cmd, ctx, st);
  specot_ctx_free(ctx);
  return rc;
}

int cli_write_plan(const char *cmd, const char *path, const size_t *rows, const size_t *cols,
                   const double *mass, size_t nnz) {
  double *triplets = malloc((nnz ? nnz : 1) * 3 * sizeof *triplets);
  if (!triplets) return cli_out_of_memory(cmd);
  for (size_t e = 0; e < nnz; ++e) {
    triplets[3 * e] = (double)rows[e];
    triplets[3 * e + 1] = (double)cols[e];
    triplets[3 * e + 2] = mass[e];
  }
  const int rc = cli_write_array(cmd, path, triplets, nnz, 3, 2);
  free(triplets);
  return rc;
}
