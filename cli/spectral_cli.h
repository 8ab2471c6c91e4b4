/* Helpers shared by the spectral-transport commands (transport, gaussian, geodesic). */
#ifndef SPECOT_CLI_SPECTRAL_H
#define SPECOT_CLI_SPECTRAL_H

#include "specot/spectral.h"

/* Parses `-p P` / `--kyfan K` at argv[*i] into *g (advancing *i).  Returns 1 when
 * it consumed the option, 0 when argv[*i] is another option, -1 after printing
 * a usage error (also when both gauges are given: *have tracks that). */
int cli_spectral_gauge_option(const char *cmd, int argc, char **argv, int *i, specot_gauge *g,
                              int *have);

/* Progress line on stderr for solves longer than a second (at most twice a
 * second): pass cli_spectral_progress with a cli_progress as its data. */
typedef struct cli_progress {
  const char *cmd;
  double start, last;
  int printed;
} cli_progress;
void cli_progress_begin(cli_progress *p, const char *cmd);
int cli_spectral_progress(void *data, const specot_spectral_progress *info);
/* Ends the progress line (newline) if one was printed. */
void cli_spectral_progress_end(void *data);

#endif
