/* Recovery / capacity experiments of the associative memory (spec
 * shk_dp_memory.md sec. 7): Gaussian clouds, permuted noisy queries with
 * outliers and perturbed weights; SHK retrieval, S_eps-nearest (no flow)
 * and the four Euclidean Hopfield variants on the same queries. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memory_cli.h"

const char *const memory_method_names[MEM_METHODS] = {"shk",         "noflow",  "dist_raw",
                                                      "dist_sorted", "dot_raw", "dot_sorted"};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void memory_exp_patterns(const memory_exp *e, specot_rng *rng, double *Y) {
  double *mu = malloc(e->d * sizeof *mu);
  if (!mu) return;
  for (size_t k = 0; k < e->K; ++k) {
    specot_rng_fill_normal(rng, mu, e->d, 0.0, e->radius);
    for (size_t j = 0; j < e->n; ++j)
      for (size_t c = 0; c < e->d; ++c)
        Y[(k * e->n + j) * e->d + c] = mu[c] + specot_rng_normal(rng);
  }
  free(mu);
}

/* Query from pattern k: permute, add N(0, sigma^2), replace round(p_out n)
 * points by uniform outliers, weights b_k e^{sigma_w zeta} (normalised). */
static void make_query(const memory_exp *e, const double *Y, size_t k, double sigma,
                       double p_out, specot_rng *rng, size_t *perm, double *X, double *a) {
  const size_t n = e->n, d = e->d;
  for (size_t i = 0; i < n; ++i) perm[i] = i;
  for (size_t i = n - 1; i > 0; --i) {
    const size_t j = (size_t)specot_rng_below(rng, i + 1), t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  for (size_t i = 0; i < n; ++i)
    for (size_t c = 0; c < d; ++c)
      X[i * d + c] = Y[(k * n + perm[i]) * d + c] + sigma * specot_rng_normal(rng);
  const size_t nout = (size_t)floor(p_out * (double)n + 0.5);
  /* the first nout entries of a fresh shuffle pick the replaced points */
  for (size_t i = 0; i < n; ++i) perm[i] = i;
  for (size_t i = 0; i < nout && i + 1 < n; ++i) {
    const size_t j = i + (size_t)specot_rng_below(rng, n - i), t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  for (size_t i = 0; i < nout && i < n; ++i)
    specot_rng_fill_uniform(rng, X + perm[i] * d, d, -e->box, e->box);
  double total = 0.0;
  for (size_t i = 0; i < n; ++i) {
    a[i] = e->perturb_weights ? exp(e->sigma_w * specot_rng_normal(rng)) : 1.0;
    total += a[i];
  }
  for (size_t i = 0; i < n; ++i) a[i] /= total;
}

static int hopfield_index(const double *Xi, const memory_exp *e, const double *X,
                          specot_hopfield_mode mode, specot_hopfield_order order, double *xi,
                          double *p, size_t *index) {
  const size_t D = e->n * e->d;
  if (specot_hopfield_flatten(NULL, e->n, e->d, X, order, xi)) return -1;
  const specot_status st = specot_hopfield_retrieve(NULL, Xi, e->K, D, e->beta / (double)e->n,
                                                    mode, 20, 1e-10, xi, p, index, NULL);
  return st < 0 ? -1 : 0;
}

int memory_exp_level(const char *cmd, const memory_exp *e, const specot_amem *mem,
                     const double *Y, double sigma, double p_out, size_t queries,
                     specot_rng *rng, memory_exp_tick tick, void *tick_data, size_t *done,
                     size_t total, memory_exp_row *row) {
  const size_t n = e->n, d = e->d, K = e->K, D = n * d;
  memset(row, 0, sizeof *row);
  row->sigma = sigma;
  row->p_out = p_out;
  row->queries = queries;
  const double t0 = now_s();
  specot_ctx *ctx = specot_ctx_alloc();
  specot_amem_ws *ws = NULL;
  double *X = malloc(D * sizeof *X), *a = malloc(n * sizeof *a), *S0 = malloc(K * sizeof *S0),
         *S = malloc(K * sizeof *S), *xi = malloc(D * sizeof *xi), *p = malloc(K * sizeof *p),
         *raw = malloc(K * D * sizeof *raw), *sorted = malloc(K * D * sizeof *sorted);
  size_t *perm = malloc(n * sizeof *perm);
  int rc = 0;
  if (!ctx || !X || !a || !S0 || !S || !xi || !p || !raw || !sorted || !perm) {
    rc = cli_out_of_memory(cmd);
    goto done;
  }
  specot_status st = specot_amem_ws_alloc(ctx, mem, n, d, &ws);
  for (size_t k = 0; k < K && !st; ++k) {
    st = specot_hopfield_flatten(ctx, n, d, Y + k * D, SPECOT_HOPFIELD_RAW, raw + k * D);
    if (!st) st = specot_hopfield_flatten(ctx, n, d, Y + k * D, SPECOT_HOPFIELD_SORTED, sorted + k * D);
  }
  if (st) {
    rc = cli_report(cmd, ctx, st);
    goto done;
  }
  for (size_t q = 0; q < queries; ++q) {
    const size_t k = (size_t)specot_rng_below(rng, K);
    make_query(e, Y, k, sigma, p_out, rng, perm, X, a);
    size_t idx[MEM_METHODS];
    if (e->hopfield) {
      if (hopfield_index(raw, e, X, SPECOT_HOPFIELD_DIST, SPECOT_HOPFIELD_RAW, xi, p,
                         &idx[MEM_DIST_RAW]) ||
          hopfield_index(sorted, e, X, SPECOT_HOPFIELD_DIST, SPECOT_HOPFIELD_SORTED, xi, p,
                         &idx[MEM_DIST_SORTED]) ||
          hopfield_index(raw, e, X, SPECOT_HOPFIELD_DOT, SPECOT_HOPFIELD_RAW, xi, p,
                         &idx[MEM_DOT_RAW]) ||
          hopfield_index(sorted, e, X, SPECOT_HOPFIELD_DOT, SPECOT_HOPFIELD_SORTED, xi, p,
                         &idx[MEM_DOT_SORTED])) {
        fprintf(stderr, "specot %s: error: Hopfield update failed\n", cmd);
        rc = CLI_EXIT_NUMERICAL;
        goto done;
      }
    }
    specot_amem_result res;
    st = specot_amem_retrieve(ctx, ws, &e->flow, a, X, S0, S, NULL, &res);
    if (st < 0) {
      rc = cli_report(cmd, ctx, st);
      goto done;
    }
    idx[MEM_SHK] = res.index;
    idx[MEM_NOFLOW] = res.index_start;
    for (int m = 0; m < MEM_METHODS; ++m)
      if ((e->hopfield || m <= MEM_NOFLOW) && idx[m] == k) row->success[m]++;
    row->s_before += S0[k] / (double)queries;
    row->s_after += S[k] / (double)queries;
    ++*done;
    if (tick) tick(tick_data, *done, total);
  }
  row->seconds = now_s() - t0;
done:
  specot_amem_ws_free(ws);
  specot_ctx_free(ctx);
  free(X);
  free(a);
  free(S0);
  free(S);
  free(xi);
  free(p);
  free(raw);
  free(sorted);
  free(perm);
  return rc;
}

void memory_exp_print_table(FILE *out, const memory_exp_row *rows, size_t nrows) {
  if (nrows == 0) return;
  fprintf(out, "p_out = %g, %zu queries per level\n", rows[0].p_out, rows[0].queries);
  fprintf(out, "%6s %6s %7s %9s %12s %9s %11s %8s  %s\n", "sigma", "SHK", "noflow", "DIST/RAW",
          "DIST/SORTED", "DOT/RAW", "DOT/SORTED", "time s", "S_true after / before");
  for (size_t r = 0; r < nrows; ++r) {
    const memory_exp_row *w = &rows[r];
    double rate[MEM_METHODS];
    for (int m = 0; m < MEM_METHODS; ++m) rate[m] = (double)w->success[m] / (double)w->queries;
    fprintf(out, "%6.3g %6.2f %7.2f %9.2f %12.2f %9.2f %11.2f %8.2f  %.4f / %.4f\n", w->sigma,
            rate[0], rate[1], rate[2], rate[3], rate[4], rate[5], w->seconds, w->s_after,
            w->s_before);
  }
}
