/*
 * examples/shk_user_potential.c — SHK (birth–death Langevin) sampling of a
 * user potential given as a callback, and the mean-field DP certificate of an
 * exponential mechanism run for the same time.
 *
 * Build (after `make`):  cc -std=c11 examples/shk_user_potential.c -Iinclude \
 *     build/libspecot.a $(pkg-config --libs openblas lapacke sleef) -fopenmp -lm
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "specot/dpcert.h"
#include "specot/shk.h"

/* A tilted double well in 1-D: V = 2 (x^2 - 1)^2 - x/2 (the right well is deeper). */
static specot_status tilted_well(void *user, specot_ctx *ctx, const double *x, size_t d, double *V,
                                 double *grad) {
  (void)user, (void)ctx, (void)d;
  const double w = x[0] * x[0] - 1.0;
  *V = 2.0 * w * w - 0.5 * x[0];
  if (grad) grad[0] = 8.0 * x[0] * w - 0.5;
  return SPECOT_OK;
}

int main(void) {
  enum { N = 400, STEPS = 400 };
  double *X = malloc(N * sizeof *X);
  specot_ctx *ctx = specot_ctx_alloc();
  specot_rng rng;
  specot_rng_seed(&rng, 42);
  specot_rng_fill_normal(&rng, X, N, -1.0, 0.3); /* start in the shallow (left) well */
  specot_shk_potential pot = {.fn = tilted_well, .d = 1, .thread_safe = 1};
  specot_shk_ws *ws = NULL;
  specot_shk_opts opts;
  specot_shk_opts_init(&opts);
  opts.dt = 0.005; /* bandwidth 0: Silverman's rule at each sweep */
  specot_shk_stats stats;
  specot_status st = specot_shk_ws_alloc(ctx, N, 1, &ws);
  if (st == SPECOT_OK) st = specot_shk_run(ctx, ws, &opts, &pot, &rng, STEPS, X, &stats);
  if (st >= 0) {
    int right = 0;
    for (int i = 0; i < N; ++i) right += X[i] > 0.0;
    printf("t = %g: %d of %d particles in the deeper well (%zu kills, %zu duplications)\n",
           STEPS * opts.dt, right, N, stats.kills, stats.duplications);
    /* certificate of an exponential mechanism (du = 1, eps0 = 1, loss range U = 6) at that time */
    specot_dpcert_opts c;
    specot_dpcert_opts_init(&c);
    c.du = 1.0, c.eps0 = 1.0, c.t = STEPS * opts.dt, c.U = 6.0;
    specot_dpcert cert;
    st = specot_dpcert_shk(ctx, &c, &cert);
    if (st >= 0)
      printf("%s\neta = %.6f, delta_BR(eps = 1) = %.3g\n", SPECOT_DPCERT_SCOPE, cert.eta,
             specot_dpcert_delta_br(1.0, cert.eta));
  }
  if (st < 0) fprintf(stderr, "error: %s\n", specot_ctx_errmsg(ctx));
  specot_shk_ws_free(ws);
  specot_ctx_free(ctx);
  free(X);
  return st < 0 ? 1 : 0;
}
