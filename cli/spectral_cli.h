/* Helpers shared by the spectral-transport commands (transport, gaussian, geodesic). */
#ifndef SPECOT_CLI_SPECTRAL_H
#define SPECOT_CLI_SPECTRAL_H

#include "cli.h"
#include "specot/spectral.h"

/* Parses `-p P` / `--kyfan K` at argv[*i] into *g (advancing *i).  Returns 1 when
 * it consumed the option, 0 when argv[*i] is another option, -1 after printing
 * a usage error (also when both gauges are given: *have tracks that). */
int cli_spectral_gauge_option(const char *cmd, int argc, char **argv, int *i, specot_gauge *g,
                              int *have);

/* The options every spectral command shares: -p P / --kyfan K (into *g, *have),
 * --tol T and --max-iter N (into opts), --quiet (into *quiet).  Returns 1 when
 * argv[*i] was one of them (advancing *i), 0 when it is another argument, or
 * -(exit code) after printing a usage error. */
int cli_spectral_option(const char *cmd, int argc, char **argv, int *i, specot_gauge *g, int *have,
                        specot_spectral_opts *opts, int *quiet);

/* Progress line on stderr for solves longer than a second (at most twice a
 * second): pass cli_spectral_progress with a cli_progress as its data. */
typedef struct cli_progress {
  const char *cmd;
  double start, last;
  int printed;
} cli_progress;
/* Starts the clock; unless quiet, installs the progress line in opts. */
void cli_progress_begin(cli_progress *p, const char *cmd, specot_spectral_opts *opts, int quiet);
int cli_spectral_progress(void *data, const specot_spectral_progress *info);
/* Ends the progress line (newline) if one was printed. */
void cli_spectral_progress_end(void *data);

/* The bound fields shared by transport and gaussian: squared_cost, lower_bound,
 * gap and relative_gap, as JSON members (j non-NULL) or as aligned text lines. */
void cli_spectral_bounds(cli_json *j, double squared_cost, double lower_bound, double gap,
                         double relative_gap);

#endif
