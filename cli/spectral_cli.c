/* Helpers shared by the spectral-transport commands (transport, gaussian,
 * geodesic): the -p / --kyfan gauge option and the progress line. */
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "spectral_cli.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int cli_spectral_progress(void *data, const specot_spectral_progress *info) {
  cli_progress *p = data;
  const double t = now_s();
  /* Only solves longer than a second report, at most twice a second. */
  if (t - p->start < 1.0 || t - p->last < 0.5) return 0;
  p->last = t;
  p->printed = 1;
  fprintf(stderr, "\rspecot %s: iteration %zu  upper %.10g  lower %.10g  gap %.3g   ", p->cmd,
          info->iteration, info->upper_bound, info->lower_bound, info->gap);
  fflush(stderr);
  return 0;
}

void cli_spectral_progress_end(void *data) {
  cli_progress *p = data;
  if (p->printed) fprintf(stderr, "\n");
}

int cli_spectral_gauge_option(const char *cmd, int argc, char **argv, int *i, specot_gauge *g,
                              int *have) {
  const char *opt = argv[*i];
  const int is_p = strcmp(opt, "-p") == 0 || strcmp(opt, "--p") == 0;
  const int is_k = strcmp(opt, "--kyfan") == 0;
  if (!is_p && !is_k) return 0;
  const char *v = cli_option_value(cmd, argc, argv, i);
  if (!v) return -1;
  if (*have) {
    cli_usage_error(cmd, "give exactly one of -p and --kyfan");
    return -1;
  }
  if (is_p) {
    double p;
    if (cli_parse_double(v, &p) != 0 || !(p >= 1.0)) {
      cli_usage_error(cmd, "bad value '%s' for %s (need a number >= 1 or 'inf')", v, opt);
      return -1;
    }
    *g = specot_gauge_schatten(p);
  } else {
    size_t k;
    if (cli_parse_size(v, &k) != 0 || k == 0) {
      cli_usage_error(cmd, "bad value '%s' for --kyfan (need a positive integer)", v);
      return -1;
    }
    *g = specot_gauge_kyfan(k);
  }
  *have = 1;
  return 1;
}

void cli_progress_begin(cli_progress *p, const char *cmd, specot_spectral_opts *opts, int quiet) {
  p->cmd = cmd;
  p->start = now_s();
  p->last = 0.0;
  p->printed = 0;
  if (quiet || !isatty(2)) return; /* progress lines only on a terminal, never in logs/pipes */
  opts->progress = cli_spectral_progress;
  opts->progress_data = p;
}

void cli_spectral_bounds(cli_json *j, double squared_cost, double lower_bound, double gap,
                         double relative_gap) {
  if (j) {
    cli_json_num(j, "squared_cost", squared_cost);
    cli_json_num(j, "lower_bound", lower_bound);
    cli_json_num(j, "gap", gap);
    cli_json_num(j, "relative_gap", relative_gap);
  } else {
    printf("squared_cost  %.15g\nlower_bound   %.15g\ngap           %.3g\nrelative_gap  %.3g\n",
           squared_cost, lower_bound, gap, relative_gap);
  }
}

int cli_spectral_option(const char *cmd, int argc, char **argv, int *i, specot_gauge *g, int *have,
                        specot_spectral_opts *opts, int *quiet) {
  const int gauge = cli_spectral_gauge_option(cmd, argc, argv, i, g, have);
  if (gauge != 0) return gauge < 0 ? -CLI_EXIT_USAGE : 1;
  const char *o = argv[*i];
  int rc;
  if (strcmp(o, "--tol") == 0)
    rc = cli_opt_double(cmd, argc, argv, i, &opts->tol, 0.0, DBL_MAX, "a finite number >= 0");
  else if (strcmp(o, "--max-iter") == 0)
    rc = cli_opt_size(cmd, argc, argv, i, &opts->max_iter, 1, SIZE_MAX, "a positive integer");
  else if (strcmp(o, "--quiet") == 0)
    rc = (*quiet = 1, CLI_EXIT_OK);
  else
    return 0;
  return rc ? -rc : 1;
}
