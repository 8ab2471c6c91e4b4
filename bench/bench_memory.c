/*
 * bench_memory: timing driver of the associative memory, called by
 * bench/memory_pot.py (which draws the data with NumPy, times the NumPy+POT
 * reference on the same queries in the same run and prints the ratios).
 *
 *   bench_memory DIR N EPS BETA HOPFIELD
 *
 * DIR holds patterns.npy (K N x d: K clouds of N points), queries.npy
 * (Q N x d), qweights.npy (Q N) and truth.npy (Q).  Every query is
 * retrieved with the spec's protocol (sec. 7: tau 0.5, eta = eps, 15 steps,
 * 3 halvings; Sinkhorn tol 1e-6, max_iter 1000); HOPFIELD = 1 also runs
 * the four Hopfield variants (beta_H = BETA / N, 20 updates, tol 1e-10).
 * Prints one JSON object: setup (memory + self terms, s), time (all
 * queries, s), per-query arrays qtime, shk, noflow, dist_raw, dist_sorted,
 * dot_raw, dot_sorted (retrieved indices), s_before, s_after (S_eps to the
 * true pattern), evaluations, iterations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "specot/io.h"
#include "specot/memory.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int load(const char *dir, const char *name, specot_array *arr) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  specot_ctx *ctx = specot_ctx_alloc();
  const specot_status st = specot_io_read(ctx, path, NULL, arr);
  if (st) fprintf(stderr, "bench_memory: %s: %s\n", path, specot_ctx_errmsg(ctx));
  specot_ctx_free(ctx);
  return st ? 1 : 0;
}

static void print_array(const char *key, const double *v, size_t len) {
  printf(", \"%s\": [", key);
  for (size_t i = 0; i < len; ++i) printf("%s%.17g", i ? ", " : "", v[i]);
  printf("]");
}

enum { F_QTIME, F_SHK, F_NOFLOW, F_DR, F_DS, F_OR, F_OS, F_SB, F_SA, F_EV, F_IT, NF };
static const char *const FIELD[NF] = {"qtime",   "shk",        "noflow",   "dist_raw",
                                      "dist_sorted", "dot_raw", "dot_sorted", "s_before",
                                      "s_after", "evaluations", "iterations"};

/* Index of one Hopfield variant for query X. */
static double hopfield(const double *Xi, size_t K, size_t n, size_t d, double beta,
                       specot_hopfield_mode mode, specot_hopfield_order order, const double *X,
                       double *xi, double *p) {
  size_t idx = 0;
  specot_hopfield_flatten(NULL, n, d, X, order, xi);
  specot_hopfield_retrieve(NULL, Xi, K, n * d, beta / (double)n, mode, 20, 1e-10, xi, p, &idx,
                           NULL);
  return (double)idx;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: bench_memory DIR N EPS BETA HOPFIELD\n");
    return 2;
  }
  const char *dir = argv[1];
  const size_t n = (size_t)atol(argv[2]);
  const double eps = atof(argv[3]), beta = atof(argv[4]);
  const int hop = atoi(argv[5]);
  specot_array P, Q, A, T;
  if (load(dir, "patterns.npy", &P) || load(dir, "queries.npy", &Q) ||
      load(dir, "qweights.npy", &A) || load(dir, "truth.npy", &T))
    return 1;
  const size_t d = P.cols, K = P.rows / n, nq = T.rows * T.cols, D = n * d;
  specot_ctx *ctx = specot_ctx_alloc();
  size_t *sizes = malloc(K * sizeof *sizes);
  double *res = calloc(NF * nq, sizeof *res), *S0 = malloc(K * sizeof *S0),
         *S = malloc(K * sizeof *S), *X = malloc(D * sizeof *X), *a = malloc(n * sizeof *a),
         *raw = malloc(K * D * sizeof *raw), *sorted = malloc(K * D * sizeof *sorted),
         *xi = malloc(D * sizeof *xi), *p = malloc(K * sizeof *p);
  for (size_t k = 0; k < K; ++k) sizes[k] = n;
  const double t0 = now();
  specot_amem *mem = NULL;
  specot_amem_ws *ws = NULL;
  specot_status st = specot_amem_alloc(ctx, K, sizes, d, P.data, NULL, eps, beta, NULL, &mem);
  if (st >= 0) st = specot_amem_ws_alloc(ctx, mem, n, d, &ws);
  if (st < 0) {
    fprintf(stderr, "bench_memory: %s\n", specot_ctx_errmsg(ctx));
    return 1;
  }
  for (size_t k = 0; k < K && hop; ++k) {
    specot_hopfield_flatten(NULL, n, d, P.data + k * D, SPECOT_HOPFIELD_RAW, raw + k * D);
    specot_hopfield_flatten(NULL, n, d, P.data + k * D, SPECOT_HOPFIELD_SORTED, sorted + k * D);
  }
  const double setup = now() - t0;
  specot_amem_opts o;
  specot_amem_opts_init(&o);
  o.attention_warn = 1e300;
  size_t warnings = 0;
  for (size_t q = 0; q < nq; ++q) {
    const double tq = now();
    const size_t truth = (size_t)T.data[q];
    memcpy(X, Q.data + q * D, D * sizeof *X);
    memcpy(a, A.data + q * n, n * sizeof *a);
    if (hop) {
      res[F_DR * nq + q] = hopfield(raw, K, n, d, beta, SPECOT_HOPFIELD_DIST, SPECOT_HOPFIELD_RAW,
                                    X, xi, p);
      res[F_DS * nq + q] = hopfield(sorted, K, n, d, beta, SPECOT_HOPFIELD_DIST,
                                    SPECOT_HOPFIELD_SORTED, X, xi, p);
      res[F_OR * nq + q] = hopfield(raw, K, n, d, beta, SPECOT_HOPFIELD_DOT, SPECOT_HOPFIELD_RAW,
                                    X, xi, p);
      res[F_OS * nq + q] = hopfield(sorted, K, n, d, beta, SPECOT_HOPFIELD_DOT,
                                    SPECOT_HOPFIELD_SORTED, X, xi, p);
    }
    specot_amem_result r;
    st = specot_amem_retrieve(ctx, ws, &o, a, X, S0, S, NULL, &r);
    if (st < 0) {
      fprintf(stderr, "bench_memory: query %zu: %s\n", q, specot_ctx_errmsg(ctx));
      return 1;
    }
    warnings += st > 0;
    res[F_SHK * nq + q] = (double)r.index;
    res[F_NOFLOW * nq + q] = (double)r.index_start;
    res[F_SB * nq + q] = S0[truth];
    res[F_SA * nq + q] = S[truth];
    res[F_EV * nq + q] = (double)r.evaluations;
    res[F_IT * nq + q] = (double)r.sinkhorn_iterations;
    res[F_QTIME * nq + q] = now() - tq;
  }
  const double total = now() - t0;
  printf("{\"setup\": %.6f, \"time\": %.6f, \"K\": %zu, \"n\": %zu, \"d\": %zu, \"queries\": %zu, "
         "\"warnings\": %zu",
         setup, total, K, n, d, nq, warnings);
  for (int f = 0; f < NF; ++f)
    if (hop || (f != F_DR && f != F_DS && f != F_OR && f != F_OS))
      print_array(FIELD[f], res + (size_t)f * nq, nq);
  printf("}\n");
  specot_amem_ws_free(ws);
  specot_amem_free(mem);
  specot_ctx_free(ctx);
  specot_array_free(&P);
  specot_array_free(&Q);
  specot_array_free(&A);
  specot_array_free(&T);
  free(sizes);
  free(res);
  free(S0);
  free(S);
  free(X);
  free(a);
  free(raw);
  free(sorted);
  free(xi);
  free(p);
  return 0;
}
