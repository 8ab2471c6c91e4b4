/* Demo section: Peyre's two-layer ReLU teacher-student flow, p = 1 against
 * p = inf (spectral_w.md section 7, muon.md section 3.2), with its energy plot. */
#include <stdio.h>

#include "cli.h"
#include "demo.h"

int demo_flow(const demo_opts *opts) {
  char out[4096];
  snprintf(out, sizeof out, "%s/flow", opts->outdir);
  /* Paper size with --full (n = 1920, 2000 steps); otherwise half the particles
   * and steps (a few seconds).  dt defaults to the paper's 75/n and 50/n. */
  char *argv[] = {"flow", "--model", "mlp-relu", "-p", "1,inf", "--steps", opts->full ? "2000" : "1000",
                  "--particles", opts->full ? "1920" : "960", "--log-every", "5", "--out", out, "--json",
                  opts->quiet ? "--quiet" : "--log-every", opts->quiet ? "--quiet" : "5"};
  const int argc = (int)(sizeof argv / sizeof argv[0]);
  printf("ReLU teacher-student, %s particles, %s Euler steps, p = 1 vs p = inf; summary:\n",
         opts->full ? "1920" : "960", opts->full ? "2000" : "1000");
  fflush(stdout);
  const int rc = cmd_flow(argc, argv);
  if (rc == CLI_EXIT_OK)
    printf("\nwrote %s/trajectory.csv, %s/particles_p1.npy, %s/particles_pinf.npy and %s/energy.png\n", out, out,
           out, out);
  return rc;
}
