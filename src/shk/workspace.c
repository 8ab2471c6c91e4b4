/* SHK workspace, options and the public KDE entry points. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "shk_internal.h"

void specot_shk_opts_init(specot_shk_opts *opts) {
  opts->lambda = 1.0;
  opts->dt = NAN;
  opts->stride = 1;
  opts->bandwidth = 0.0;
  opts->kde_self_term = 1;
  opts->rate = SPECOT_SHK_RATE_PLAIN;
  opts->max_events_warn = 1.0;
  opts->langevin = 1;
  opts->kde = SPECOT_SHK_KDE_EXACT;
  opts->kde_subsample = 1000;
}

void specot_shk_ws_free(specot_shk_ws *ws) {
  if (!ws) return;
  specot__free(ws->V);
  specot__free(ws->grad);
  specot__free(ws->beta);
  specot__free(ws->lse_max);
  specot__free(ws->norms);
  specot__free(ws->tiles);
  free(ws->events);
  free(ws->refs);
  free(ws->overwritten);
  free(ws->bad);
  free(ws);
}

void specot_shk_ws_reset(specot_shk_ws *ws) {
  if (ws) ws->step = 0;
}

specot_status specot_shk_ws_alloc(specot_ctx *ctx, size_t N, size_t d, specot_shk_ws **out) {
  specot__ctx_reset(ctx);
  *out = NULL;
  if (N < 2) return specot__fail(ctx, SPECOT_ERR_INVALID, "shk: need N >= 2 particles, got %zu", N);
  if (d == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "shk: dimension d must be >= 1");
  size_t nd;
  if (specot__mul_size(N, d, &nd) || N > SPECOT__BLAS_INT_MAX || d > SPECOT__BLAS_INT_MAX)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "shk: N = %zu x d = %zu is too large", N, d);
  specot_shk_ws *ws = calloc(1, sizeof *ws);
  if (!ws) return specot__fail(ctx, SPECOT_ERR_NOMEM, "shk: out of memory");
  ws->N = N;
  ws->d = d;
  ws->nthreads = omp_get_max_threads();
  if (ws->nthreads < 1) ws->nthreads = 1;
  ws->simd = specot__shk_simd_available();
  ws->V = specot__alloc_doubles(N);
  ws->grad = specot__alloc_doubles(nd);
  ws->beta = specot__alloc_doubles(N);
  ws->lse_max = specot__alloc_doubles(N);
  ws->norms = specot__alloc_doubles(N);
  ws->tiles = specot__alloc_doubles((size_t)ws->nthreads * SHK_TILE * SHK_TILE);
  ws->events = malloc(N * sizeof *ws->events);
  ws->refs = malloc(N * sizeof *ws->refs);
  ws->overwritten = malloc(N);
  ws->bad = malloc(N * sizeof *ws->bad);
  if (!ws->V || !ws->grad || !ws->beta || !ws->lse_max || !ws->norms || !ws->tiles || !ws->events ||
      !ws->refs || !ws->overwritten || !ws->bad) {
    specot_shk_ws_free(ws);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "shk: out of memory (N = %zu, d = %zu)", N, d);
  }
  *out = ws;
  return SPECOT_OK;
}

double specot_shk_silverman(const double *X, size_t N, size_t d) {
  if (N < 2 || d == 0) return 0.0;
  double sigma = 0.0;
  for (size_t k = 0; k < d; ++k) {
    double mean = 0.0, ss = 0.0;
    for (size_t i = 0; i < N; ++i) mean += X[i * d + k];
    mean /= (double)N;
    for (size_t i = 0; i < N; ++i) ss += (X[i * d + k] - mean) * (X[i * d + k] - mean);
    sigma += sqrt(ss / (double)(N - 1));
  }
  sigma /= (double)d;
  return sigma * pow(4.0 / ((double)(d + 2) * (double)N), 1.0 / (double)(d + 4));
}

/* -log N - (d/2) log(2 pi h^2): the normalisation of the Gaussian KDE. */
static double kde_norm(size_t N, size_t d, double h) {
  return -log((double)N) - 0.5 * (double)d * log(SHK_TWO_PI * h * h);
}

specot_status specot_shk_kde_log(specot_ctx *ctx, specot_shk_ws *ws, const double *X, double h,
                                 int self_term, double *log_rho) {
  specot__ctx_reset(ctx);
  if (!(h > 0.0) || !isfinite(h))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "shk: KDE bandwidth must be > 0 and finite, got %g", h);
  if (!specot__all_finite(X, ws->N * ws->d))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "shk: KDE points contain a non-finite value");
  specot__shk_kde_lse(ws, X, 1.0 / (2.0 * h * h), self_term, log_rho);
  const double cst = kde_norm(ws->N, ws->d, h);
  for (size_t i = 0; i < ws->N; ++i) log_rho[i] += cst;
  return SPECOT_OK;
}

specot_status specot_shk_kde_log_subsample(specot_ctx *ctx, specot_shk_ws *ws, const double *X,
                                           double h, size_t M, specot_rng *rng, double *log_rho) {
  specot__ctx_reset(ctx);
  const size_t N = ws->N, d = ws->d;
  if (!(h > 0.0) || !isfinite(h))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "shk: KDE bandwidth must be > 0 and finite, got %g", h);
  if (M == 0 || M > N)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "shk: KDE subsample M = %zu must be in [1, N = %zu]", M, N);
  for (size_t r = 0; r < M; ++r) ws->refs[r] = (size_t)specot_rng_below(rng, N);
  const double c = 1.0 / (2.0 * h * h), cst = kde_norm(N, d, h);
#pragma omp parallel for schedule(static) num_threads(ws->nthreads) if (N * M * d > 100000)
  for (size_t i = 0; i < N; ++i) {
    const double *xi = X + i * d;
    double s = 0.0;
    size_t used = 0;
    for (size_t r = 0; r < M; ++r) {
      const size_t j = ws->refs[r];
      if (j == i) continue;
      double r2 = 0.0;
      for (size_t k = 0; k < d; ++k) r2 += (xi[k] - X[j * d + k]) * (xi[k] - X[j * d + k]);
      s += exp(-c * r2);
      ++used;
    }
    const double others = used ? s * (double)(N - 1) / (double)used : 0.0;
    log_rho[i] = log(1.0 + others) + cst;
  }
  return SPECOT_OK;
}
