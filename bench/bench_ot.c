/*
 * bench_ot: timing driver for the OT module, called by bench/ot_pot.py
 * (which times POT on the same files in the same run and prints ratios).
 *
 *   bench_ot emd C.npy                     exact OT, uniform weights
 *   bench_ot mahal X.npy Y.npy L.npy       sequence of Mahalanobis re-solves
 *                                          (L.npy: K*d rows of d, K matrices),
 *                                          warm-started solver vs cold solves
 *   bench_ot sinkhorn C.npy EPS TOL [0|1] [MAXIT] [REPS]  entropic OT, uniform
 *                                          weights, eps-scaling on/off (default 1),
 *                                          iteration cap (default 100000); the
 *                                          one-shot solve is timed REPS times
 *                                          (default 1) and the best time printed
 *
 * Prints one JSON object; times are wall-clock seconds of the solve only
 * (workspace allocation included, file reading excluded).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "specot/io.h"
#include "specot/ot.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int load(const char *path, specot_array *arr) {
  specot_ctx *ctx = specot_ctx_alloc();
  const specot_status st = specot_io_read(ctx, path, NULL, arr);
  if (st) fprintf(stderr, "bench_ot: %s: %s\n", path, specot_ctx_errmsg(ctx));
  specot_ctx_free(ctx);
  return st ? 1 : 0;
}

static int bench_emd(const char *cpath) {
  specot_array C;
  if (load(cpath, &C)) return 1;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_ot_emd_result res;
  const double t0 = now();
  specot_ot_emd_ws *ws = NULL;
  specot_status st = specot_ot_emd_ws_alloc(ctx, C.rows, C.cols, 0, NULL, &ws);
  if (!st) st = specot_ot_emd_solve(ctx, ws, NULL, NULL, C.data, NULL, &res);
  const double t = now() - t0;
  if (st < 0) {
    fprintf(stderr, "bench_ot: %s\n", specot_ctx_errmsg(ctx));
    return 1;
  }
  printf("{\"time\": %.6f, \"cost\": %.17g, \"pivots\": %zu, \"status\": %d}\n", t, res.cost,
         res.iterations, st);
  specot_ot_emd_ws_free(ws);
  specot_ctx_free(ctx);
  specot_array_free(&C);
  return 0;
}

static int bench_mahal(const char *xp, const char *yp, const char *lp) {
  specot_array X, Y, L;
  if (load(xp, &X) || load(yp, &Y) || load(lp, &L)) return 1;
  const size_t n = X.rows, m = Y.rows, d = X.cols, K = L.rows / d;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_ot_emd_ws *warm = NULL, *cold = NULL;
  if (specot_ot_emd_ws_alloc(ctx, n, m, d, NULL, &warm) ||
      specot_ot_emd_ws_alloc(ctx, n, m, d, NULL, &cold)) {
    fprintf(stderr, "bench_ot: %s\n", specot_ctx_errmsg(ctx));
    return 1;
  }
  specot_ot_emd_opts cold_opts;
  specot_ot_emd_opts_init(&cold_opts);
  cold_opts.warm_start = 0;
  double t_warm = 0.0, t_cold = 0.0, max_rel = 0.0;
  size_t p_warm = 0, p_cold = 0;
  printf("{\"costs\": [");
  for (size_t k = 0; k < K; ++k) {
    specot_ot_emd_result rw, rc;
    double t0 = now();
    specot_status s1 = specot_ot_emd_solve_points(ctx, warm, NULL, NULL, X.data, Y.data,
                                                  L.data + k * d * d, d, NULL, &rw);
    t_warm += now() - t0;
    t0 = now();
    specot_status s2 = specot_ot_emd_solve_points(ctx, cold, NULL, NULL, X.data, Y.data,
                                                  L.data + k * d * d, d, &cold_opts, &rc);
    t_cold += now() - t0;
    if (s1 < 0 || s2 < 0) {
      fprintf(stderr, "bench_ot: %s\n", specot_ctx_errmsg(ctx));
      return 1;
    }
    p_warm += rw.iterations;
    p_cold += rc.iterations;
    const double rel = (rw.cost - rc.cost) / rc.cost;
    max_rel = rel > max_rel ? rel : (-rel > max_rel ? -rel : max_rel);
    printf("%s%.17g", k ? ", " : "", rw.cost);
  }
  printf("], \"warm_time\": %.6f, \"cold_time\": %.6f, \"warm_pivots\": %zu, "
         "\"cold_pivots\": %zu, \"max_rel_diff\": %.3g}\n",
         t_warm, t_cold, p_warm, p_cold, max_rel);
  specot_ot_emd_ws_free(warm);
  specot_ot_emd_ws_free(cold);
  specot_ctx_free(ctx);
  specot_array_free(&X);
  specot_array_free(&Y);
  specot_array_free(&L);
  return 0;
}

static int bench_sinkhorn(const char *cpath, double eps, double tol, int scaling,
                          size_t max_iter, int reps) {
  specot_array C;
  if (load(cpath, &C)) return 1;
  const size_t n = C.rows, m = C.cols;
  specot_ctx *ctx = specot_ctx_alloc();
  double *f = malloc(n * sizeof *f), *g = malloc(m * sizeof *g);
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  o.tol = tol;
  o.eps_scaling = scaling;
  o.max_iter = max_iter;
  specot_ot_sinkhorn_result res;
  specot_status st = SPECOT_OK;
  double t = 1e300;
  for (int r = 0; r < (reps > 0 ? reps : 1) && st >= 0; ++r) {
    const double t0 = now();
    st = specot_ot_sinkhorn(ctx, n, m, NULL, NULL, C.data, eps, &o, f, g, NULL, &res);
    const double dt = now() - t0;
    t = dt < t ? dt : t;
  }
  if (st < 0) {
    fprintf(stderr, "bench_ot: %s\n", specot_ctx_errmsg(ctx));
    return 1;
  }
  printf("{\"time\": %.6f, \"cost\": %.17g, \"iterations\": %zu, \"marginal_error\": %.3g, "
         "\"status\": %d}\n",
         t, res.cost, res.iterations, res.marginal_error, st);
  free(f);
  free(g);
  specot_ctx_free(ctx);
  specot_array_free(&C);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "emd") == 0) return bench_emd(argv[2]);
  if (argc >= 5 && strcmp(argv[1], "mahal") == 0) return bench_mahal(argv[2], argv[3], argv[4]);
  if (argc >= 5 && strcmp(argv[1], "sinkhorn") == 0)
    return bench_sinkhorn(argv[2], atof(argv[3]), atof(argv[4]), argc > 5 ? atoi(argv[5]) : 1,
                          argc > 6 ? (size_t)atol(argv[6]) : 100000, argc > 7 ? atoi(argv[7]) : 1);
  fprintf(stderr,
          "usage: bench_ot emd C.npy | mahal X.npy Y.npy L.npy | sinkhorn C.npy EPS TOL [0|1] "
          "[MAXIT] [REPS]\n");
  return 2;
}
