/* Demo section: the AE-OT generator on the 8-Gaussians toy.  Exact semi-discrete
 * OT (damped Newton) from the unit square to 256 training points, then the hard
 * map, the soft map grad u_tau and the masked soft-max side by side, with the
 * VEEGAN metrics (spec aeot.md sec. 2.4, 4.1). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "demo.h"
#include "generate.h"
#include "plot_sdot.h"

int demo_sdot(const demo_opts *opts) {
  gen_config cfg;
  gen_config_init(&cfg);
  cfg.data = "8gaussians", cfg.quiet = opts->quiet;
  const size_t count = opts->full ? 10000 : 2500;
  const double tau = 3e-3, theta = 0.4;
  gen_model m;
  int rc = gen_load("demo", &cfg, &m);
  if (!rc) rc = gen_fit("demo", &cfg, &m);
  double *s = rc ? NULL : malloc(4 * count * 2 * sizeof *s);
  if (!rc && !s) rc = cli_out_of_memory("demo");
  if (rc) {
    free(s);
    gen_model_free(&m);
    return rc;
  }
  printf(
      "8 Gaussians, %zu training points; exact OT by damped Newton: %zu iterations,\n"
      "max relative cell error %.1e, W2^2 = %.6f\n",
      m.n, m.ot.iterations, m.ot.max_rel_error, m.ot.w2);
  static const gen_map maps[4] = {GEN_HARD, GEN_SOFT, GEN_MASKED, GEN_AEOT};
  static const char *const names[4] = {"hard T_h", "soft grad u_tau", "masked soft-max",
                                       "AE-OT pairs"};
  char titles[4][96];
  cli_scatter_panel panels[4];
  printf("%-16s %8s %6s %9s %9s %9s %9s %10s\n", "map", "tau", "modes", "HQ", "mass err",
         "precision", "recall", "nn dist");
  for (int k = 0; k < 4 && !rc; ++k) {
    gen_metrics met;
    double *out = s + (size_t)k * count * 2;
    rc = gen_sample("demo", &m, maps[k], tau, 0.5, maps[k] == GEN_AEOT ? NAN : theta, count, 7, out,
                    &met);
    if (!rc) rc = gen_metrics_compute("demo", &m, out, count, &met);
    if (rc) break;
    printf("%-16s %8.0e %6lld %9.4f %9.3f %9.3f %9.3f %10.2e\n", names[k],
           isnan(met.tau) ? 0.0 : met.tau, met.modes_captured, met.hq, met.mass_error,
           met.precision, met.recall, met.median_nn);
    snprintf(titles[k], sizeof titles[k], "%s: HQ %.3f", names[k], met.hq);
    panels[k] = (cli_scatter_panel){m.x, m.n, out, count, titles[k]};
  }
  if (!rc) {
    char path[4096];
    snprintf(path, sizeof path, "%s/sdot_8gaussians.png", opts->outdir);
    rc = cli_plot_scatter_panels(path, "8 Gaussians", panels, 4);
    if (!rc) printf("wrote %s (grey: training data, blue: generated)\n", path);
  }
  printf(
      "expected (spec sec. 2.4): soft tau = 3e-3 puts ~7%% of the mass between modes (HQ ~0.925);\n"
      "the masked soft-max (theta 0.4) keeps HQ at the hard map's level with all 8 modes.\n");
  free(s);
  gen_model_free(&m);
  return rc;
}
