/* Demo section: the SHK sampler (birth-death Langevin) on the spec's barrier
 * mixture against plain Langevin, the Gaussian mean-field references, and the
 * mean-field DP certificate of a private median over the flow time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "demo.h"
#include "specot/dpcert.h"
#include "specot/shk.h"

/* T-S1 of the spec: N(2, 1) target from N(-2, 0.5^2), particles against the ODEs. */
static int gaussian_references(void) {
  enum { N = 1000 };
  double *X = malloc(N * sizeof *X);
  if (!X) return CLI_EXIT_NUMERICAL;
  specot_rng rng;
  specot_rng_seed(&rng, 1);
  specot_rng_fill_normal(&rng, X, N, -2.0, 0.5);
  const double w = 1.0, m = 2.0, s2 = 1.0;
  specot_shk_potential pot;
  specot_shk_ws *ws = NULL;
  specot_status st = specot_shk_potential_mixture(NULL, 1, 1, &w, &m, &s2, &pot);
  if (!st) st = specot_shk_ws_alloc(NULL, N, 1, &ws);
  specot_shk_opts o;
  specot_shk_opts_init(&o);
  o.dt = 0.01;
  o.bandwidth = 0.2;
  printf("Gaussian target N(2, 1) from N(-2, 0.25), N = %d, dt = 0.01, h = 0.2:\n", N);
  printf("  %4s  %22s  %22s  %22s\n", "T", "particles mean / var", "mean field", "KDE-kernelised");
  double T = 0.0;
  for (int k = 0; k < 2 && !st; ++k) {
    const size_t steps = k == 0 ? 100 : 200;
    st = specot_shk_run(NULL, ws, &o, &pot, &rng, steps, X, NULL);
    T += (double)steps * o.dt;
    double mean = 0, var = 0, em, ev, km, kv;
    for (int i = 0; i < N; ++i) mean += X[i] / N;
    for (int i = 0; i < N; ++i) var += (X[i] - mean) * (X[i] - mean) / (N - 1);
    specot_shk_gauss1d g = {
        .m = 2, .s2 = 1, .mean0 = -2, .var0 = 0.25, .lambda = 1, .h = 0, .langevin = 1};
    specot_shk_gauss_ode(NULL, &g, T, &em, &ev);
    g.h = 0.2;
    specot_shk_gauss_ode(NULL, &g, T, &km, &kv);
    printf("  %4.0f  %10.4f / %9.4f  %10.4f / %9.4f  %10.4f / %9.4f\n", T, mean, var, em, ev, km,
           kv);
  }
  specot_shk_ws_free(ws);
  specot_shk_potential_free(&pot);
  free(X);
  return st < 0 ? CLI_EXIT_NUMERICAL : CLI_EXIT_OK;
}

/* The certificate of a private median of n = 50 records in [0, 1] (du = 1, U = 50). */
static void median_certificates(void) {
  printf(
      "\nPrivate median (exponential mechanism, eps0 = 1, 50 records in [0, 1]: du = 1, U = 50),\n"
      "start uniform on [0, 1], lambda = 1, K unknown (eta = eta_B):\n");
  printf("%s\n", SPECOT_DPCERT_SCOPE);
  printf("  %5s %12s %12s %14s %14s %14s\n", "t", "eta=eps_pure", "KL bound", "delta_BR(1)",
         "eps(1e-5)", "sampling err");
  const double times[6] = {2, 4, 6, 8, 10, 12};
  for (int k = 0; k < 6; ++k) {
    specot_dpcert_opts o;
    specot_dpcert_opts_init(&o);
    o.du = 1;
    o.eps0 = 1;
    o.t = times[k];
    o.U = 50;
    specot_dpcert c;
    if (specot_dpcert_shk(NULL, &o, &c) < 0) continue;
    printf("  %5.0f %12.6f %12.6f %14.6g %14.6f %14.6g\n", times[k], c.eta, c.kl,
           specot_dpcert_delta_br(1.0, c.eta), specot_dpcert_eps_br(1e-5, c.eta), c.sampling_error);
  }
}

static int run_cmd(char **argv, int argc) {
  fflush(stdout);
  const int rc = cmd_shk(argc, argv);
  fflush(stdout);
  return rc;
}

int demo_shk(const demo_opts *opts) {
  char npy[4096], png[4096], npy2[4096], png2[4096], data[4096], med[4096];
  snprintf(npy, sizeof npy, "%s/shk_mixture.npy", opts->outdir);
  snprintf(png, sizeof png, "%s/shk_mixture.png", opts->outdir);
  snprintf(npy2, sizeof npy2, "%s/shk_langevin.npy", opts->outdir);
  snprintf(png2, sizeof png2, "%s/shk_langevin.png", opts->outdir);
  printf(
      "Barrier mixture pi = 0.25 N(-3, 0.5^2) + 0.75 N(3, 0.5^2) from N(0, 9), N = 1000, T = 5\n"
      "(the heavy mode x > 0 should hold 0.75 of the mass):\n  SHK (lambda = 1):   ");
  char *a1[] = {"shk", "--target", "mixture", "-o", npy, "--png", png};
  int rc = run_cmd(a1, 7);
  if (rc) return rc;
  printf("  Langevin only:     ");
  char *a2[] = {"shk", "--target", "mixture", "--no-reaction", "-o", npy2, "--png", png2};
  if ((rc = run_cmd(a2, 8))) return rc;
  printf("wrote %s, %s (histograms over time) and the samples\n\n", png, png2);
  if ((rc = gaussian_references())) return rc;
  median_certificates();
  /* a sampler run for the median: 50 records ~ N(0.6, 0.1^2) clipped to [0, 1] */
  snprintf(data, sizeof data, "%s/shk_median_data.csv", opts->outdir);
  snprintf(med, sizeof med, "%s/shk_median.npy", opts->outdir);
  double values[50];
  specot_rng rng;
  specot_rng_seed(&rng, 5);
  for (int i = 0; i < 50; ++i) {
    const double v = 0.6 + 0.1 * specot_rng_normal(&rng);
    values[i] = v < 0 ? 0 : (v > 1 ? 1 : v);
  }
  if ((rc = cli_write_array("demo", data, values, 50, 1, 2))) return rc;
  printf("\nSHK sampler of the private median to t = 8 (300 particles, dt = 0.002):\n  ");
  char *a3[] = {"shk",    "--target", "expmech", "--data",      data,  "--loss",
                "median", "--eps0",   "1",       "--particles", "300", "--dt",
                "0.002",  "--steps",  "4000",    "-o",          med};
  if ((rc = run_cmd(a3, 17))) return rc;
  printf("wrote %s\n", med);
  return CLI_EXIT_OK;
}
