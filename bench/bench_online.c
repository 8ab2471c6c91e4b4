/*
 * bench_online: timing driver for the matrix-free (online) entropic OT,
 * called by bench/online_pot.py (which times POT on the same files in the
 * same run and prints ratios), or alone for the large target.
 *
 *   bench_online sinkhorn X.npy Y.npy EPS TOL dense|online
 *       entropic OT between uniform clouds, C = |x - y|^2 (dense: the point
 *       solver that stores C; online: nothing n x m)
 *   bench_online divergence X.npy Y.npy EPS TOL dense|online
 *       debiased divergence and both position gradients
 *   bench_online target N D EPS_REL TOL [SEED]
 *       N uniform points in [0,1]^D against N points of a shifted, stretched
 *       cloud, eps = EPS_REL * (data diameter)^2, online divergence and both
 *       gradients (run it under /usr/bin/time -v for the peak memory)
 *
 * Prints one JSON object; times are wall-clock seconds of the solve
 * (workspace allocation included, file reading and data generation excluded).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "specot/io.h"
#include "specot/ot.h"
#include "specot/rng.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int load(const char *path, specot_array *arr) {
  specot_ctx *ctx = specot_ctx_alloc();
  const specot_status st = specot_io_read(ctx, path, NULL, arr);
  if (st) fprintf(stderr, "bench_online: %s: %s\n", path, specot_ctx_errmsg(ctx));
  specot_ctx_free(ctx);
  return st ? 1 : 0;
}

static int fail(specot_ctx *ctx) {
  fprintf(stderr, "bench_online: %s\n", specot_ctx_errmsg(ctx));
  return 1;
}

static int run_sinkhorn(const specot_array *X, const specot_array *Y, double eps, double tol,
                        int online) {
  const size_t n = X->rows, m = Y->rows, d = X->cols;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  o.tol = tol;
  double *f = malloc(n * sizeof *f), *g = malloc(m * sizeof *g);
  specot_ot_sinkhorn_result r;
  specot_status st;
  const double t0 = now();
  if (online) {
    specot_ot_online_ws *ws = NULL;
    st = specot_ot_online_ws_alloc(ctx, n, m, d, &o, &ws);
    if (!st) st = specot_ot_online_sinkhorn_solve(ctx, ws, NULL, NULL, X->data, Y->data, 1.0, eps,
                                                  &o, f, g, &r);
    specot_ot_online_ws_free(ws);
  } else {
    specot_ot_sinkhorn_ws *ws = NULL;
    st = specot_ot_sinkhorn_ws_alloc(ctx, n, m, d, &o, &ws);
    if (!st) st = specot_ot_sinkhorn_solve_points(ctx, ws, NULL, NULL, X->data, Y->data, 1.0, eps,
                                                  &o, f, g, NULL, &r);
    specot_ot_sinkhorn_ws_free(ws);
  }
  const double t = now() - t0;
  if (st < 0) return fail(ctx);
  printf("{\"time\": %.6f, \"cost\": %.17g, \"iterations\": %zu, \"status\": %d}\n", t, r.cost,
         r.iterations, st);
  free(f);
  free(g);
  specot_ctx_free(ctx);
  return 0;
}

static int run_divergence(const double *X, size_t n, const double *Y, size_t m, size_t d,
                          double eps, double tol, int online) {
  specot_ctx *ctx = specot_ctx_alloc();
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  o.tol = tol;
  double *gx = malloc(n * d * sizeof *gx), *gy = malloc(m * d * sizeof *gy);
  specot_ot_divergence_result r;
  specot_status st;
  const double t0 = now();
  if (online) {
    specot_ot_online_ws *ws = NULL;
    st = specot_ot_online_ws_alloc(ctx, n, m, d, &o, &ws);
    if (!st)
      st = specot_ot_online_divergence_solve(ctx, ws, X, NULL, Y, NULL, 1.0, eps, &o, gx, gy, NULL,
                                             NULL, &r);
    specot_ot_online_ws_free(ws);
  } else {
    st = specot_ot_divergence(ctx, n, m, d, X, NULL, Y, NULL, 1.0, eps, &o, gx, gy, NULL, NULL, &r);
  }
  const double t = now() - t0;
  if (st < 0) return fail(ctx);
  double gnorm = 0.0;
  for (size_t k = 0; k < n * d; ++k) gnorm += gx[k] * gx[k];
  printf("{\"time\": %.6f, \"value\": %.17g, \"iterations\": %zu, \"marginal_error\": %.3g, "
         "\"grad_x_norm\": %.17g, \"status\": %d, \"n\": %zu, \"d\": %zu, \"eps\": %.6g}\n",
         t, r.value, r.iterations, r.marginal_error, sqrt(gnorm), st, n, d, eps);
  free(gx);
  free(gy);
  specot_ctx_free(ctx);
  return 0;
}

/* N uniform points in [0,1]^D and N points of 0.2 + 0.8 U^2 (a deformed
 * cube); eps = eps_rel * diam^2, diam of the union's bounding box. */
static int run_target(size_t n, size_t d, double eps_rel, double tol, unsigned seed) {
  double *X = malloc(n * d * sizeof *X), *Y = malloc(n * d * sizeof *Y);
  specot_rng r;
  specot_rng_seed(&r, seed);
  specot_rng_fill_uniform(&r, X, n * d, 0.0, 1.0);
  specot_rng_fill_uniform(&r, Y, n * d, 0.0, 1.0);
  for (size_t k = 0; k < n * d; ++k) Y[k] = 0.2 + 0.8 * Y[k] * Y[k];
  double diam2 = 0.0;
  for (size_t k = 0; k < d; ++k) {
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; ++i) {
      lo = fmin(lo, fmin(X[i * d + k], Y[i * d + k]));
      hi = fmax(hi, fmax(X[i * d + k], Y[i * d + k]));
    }
    diam2 += (hi - lo) * (hi - lo);
  }
  const int rc = run_divergence(X, n, Y, n, d, eps_rel * diam2, tol, 1);
  free(X);
  free(Y);
  return rc;
}

int main(int argc, char **argv) {
  if (argc >= 5 && strcmp(argv[1], "target") == 0)
    return run_target(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10), atof(argv[4]),
                      argc > 5 ? atof(argv[5]) : 1e-3,
                      argc > 6 ? (unsigned)strtoul(argv[6], NULL, 10) : 1u);
  if (argc != 7) {
    fprintf(stderr, "usage: bench_online sinkhorn|divergence X.npy Y.npy EPS TOL dense|online\n"
                    "       bench_online target N D EPS_REL [TOL] [SEED]\n");
    return 2;
  }
  specot_array X, Y;
  if (load(argv[2], &X) || load(argv[3], &Y)) return 1;
  const double eps = atof(argv[4]), tol = atof(argv[5]);
  const int online = strcmp(argv[6], "online") == 0;
  int rc;
  if (strcmp(argv[1], "sinkhorn") == 0)
    rc = run_sinkhorn(&X, &Y, eps, tol, online);
  else
    rc = run_divergence(X.data, X.rows, Y.data, Y.rows, X.cols, eps, tol, online);
  specot_array_free(&X);
  specot_array_free(&Y);
  return rc;
}
