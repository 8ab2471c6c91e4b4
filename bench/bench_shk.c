/* Benchmark of the SHK sampler (never part of `make test`).
 *
 *   bench_shk N D STEPS   full SHK steps (ULA + exact-KDE birth-death every step) on
 *                         the Gaussian target N(0, I_D) from N(0, 4 I_D), dt = 0.01,
 *                         lambda = 1, h = Silverman; then STEPS exact KDEs alone on the
 *                         final particles, for the KDE's share of a step.
 *
 * Prints one line: "shk N D STEPS seconds steps_per_second kde_seconds kde_share cpu_seconds"
 * (cpu_seconds: process CPU time of the sampler run, all threads; steadier than wall time
 * on a loaded machine). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "specot/shk.h"

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }

int main(int argc, char **argv) {
  const size_t N = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000;
  const size_t d = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 1;
  const size_t steps = argc > 3 ? (size_t)strtoull(argv[3], NULL, 10) : 50;
  double *X = malloc(N * d * sizeof *X), *mean = calloc(d, sizeof *mean),
         *lr = malloc(N * sizeof *lr);
  const double w = 1.0;
  specot_shk_potential pot;
  specot_shk_ws *ws = NULL;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_status st = X && mean && lr ? SPECOT_OK : SPECOT_ERR_NOMEM;
  if (!st) st = specot_shk_potential_mixture(ctx, 1, d, &w, mean, NULL, &pot);
  if (!st) st = specot_shk_ws_alloc(ctx, N, d, &ws);
  if (st) {
    fprintf(stderr, "bench_shk: %s\n", specot_ctx_errmsg(ctx));
    return 1;
  }
  specot_rng rng;
  specot_rng_seed(&rng, 1);
  specot_rng_fill_normal(&rng, X, N * d, 0.0, 2.0);
  specot_shk_opts o;
  specot_shk_opts_init(&o);
  o.dt = 0.01;
  o.max_events_warn = 1e300;
  specot_shk_stats stats;
  double t0 = now(), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
  st = specot_shk_run(ctx, ws, &o, &pot, &rng, steps, X, &stats);
  const double total = now() - t0, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
  t0 = now();
  for (size_t k = 0; k < steps && st >= 0; ++k)
    st = specot_shk_kde_log(ctx, ws, X, stats.bandwidth, 1, lr);
  const double kde = now() - t0;
  if (st < 0) {
    fprintf(stderr, "bench_shk: %s\n", specot_ctx_errmsg(ctx));
    return 1;
  }
  printf("shk %zu %zu %zu %.6f %.4f %.6f %.3f %.6f\n", N, d, steps, total, (double)steps / total,
         kde / (double)steps, kde / total, cpu);
  specot_shk_ws_free(ws);
  specot_shk_potential_free(&pot);
  specot_ctx_free(ctx);
  free(X);
  free(mean);
  free(lr);
  return 0;
}
