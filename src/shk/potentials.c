/*
 * Built-in potentials of the SHK sampler: Gaussian mixtures (a Gaussian is
 * K = 1) and a double well.  All are thread-safe and allocation-free per call.
 *
 *   mixture:     V(x) = -log sum_k exp(l_k(x)),
 *                l_k(x) = log w_k - (1/2) log det(2 pi C_k) - (1/2)(x - m_k)^T P_k (x - m_k),
 *                grad V = sum_k r_k P_k (x - m_k),  r_k = exp(l_k - logsumexp_j l_j);
 *   double well: V(x) = b (x_1^2 - 1)^2 + (1/2) sum_{k>=2} x_k^2.
 */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shk_internal.h"

void specot_shk_potential_free(specot_shk_potential *pot) {
  if (!pot) return;
  if (pot->free_user && pot->user) pot->free_user(pot->user);
  memset(pot, 0, sizeof *pot);
}

typedef struct mixture {
  size_t K, d;
  double *logc;  /* K: log w_k - (1/2) log det(2 pi C_k) */
  double *means; /* K x d */
  double *prec;  /* K x d x d, full symmetric */
} mixture;

static void mixture_free(void *p) {
  mixture *m = p;
  if (!m) return;
  free(m->logc);
  free(m->means);
  free(m->prec);
  free(m);
}

/* l_k(x); when acc != NULL also adds r * P_k (x - m_k) to acc. */
static double component(const mixture *m, size_t k, const double *x, double r, double *acc) {
  const size_t d = m->d;
  const double *mu = m->means + k * d, *P = m->prec + k * d * d;
  double q = 0.0;
  for (size_t a = 0; a < d; ++a) {
    double pa = 0.0;
    for (size_t b = 0; b < d; ++b) pa += P[a * d + b] * (x[b] - mu[b]);
    q += (x[a] - mu[a]) * pa;
    if (acc) acc[a] += r * pa;
  }
  return m->logc[k] - 0.5 * q;
}

static specot_status mixture_eval(void *user, specot_ctx *ctx, const double *x, size_t d, double *V,
                                  double *grad) {
  (void)ctx;
  (void)d;
  const mixture *m = user;
  double mx = -INFINITY, s = 0.0;
  for (size_t k = 0; k < m->K; ++k) { /* online logsumexp */
    const double l = component(m, k, x, 0.0, NULL);
    if (l > mx) {
      s = (mx > -INFINITY ? s * exp(mx - l) : 0.0) + 1.0;
      mx = l;
    } else {
      s += exp(l - mx);
    }
  }
  const double lse = mx + log(s);
  *V = -lse;
  if (grad) {
    memset(grad, 0, m->d * sizeof *grad);
    if (m->K == 1) {
      component(m, 0, x, 1.0, grad);
    } else {
      for (size_t k = 0; k < m->K; ++k) {
        const double r = exp(component(m, k, x, 0.0, NULL) - lse);
        if (r > 0.0) component(m, k, x, r, grad);
      }
    }
  }
  return SPECOT_OK;
}

/* Inverts the SPD covariance C (d x d) into P; returns log det(2 pi C) or NaN if not SPD. */
static double invert_cov(const double *C, size_t d, double *P) {
  memcpy(P, C, d * d * sizeof *P);
  const lapack_int n = (lapack_int)d;
  if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', n, P, n) != 0) return NAN;
  double logdet = 0.0;
  for (size_t a = 0; a < d; ++a) logdet += 2.0 * log(P[a * d + a]) + log(SHK_TWO_PI);
  if (LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', n, P, n) != 0) return NAN;
  for (size_t a = 0; a < d; ++a)
    for (size_t b = a + 1; b < d; ++b) P[a * d + b] = P[b * d + a];
  return logdet;
}

static specot_status check_mixture(specot_ctx *ctx, size_t K, size_t d, const double *weights,
                                   const double *means, const double *covs) {
  if (K == 0 || d == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "shk mixture: need K >= 1 components and d >= 1");
  if (d > 46340 || K > SIZE_MAX / (d * d))
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "shk mixture: K = %zu, d = %zu is too large", K,
                        d);
  for (size_t k = 0; k < K; ++k)
    if (!(weights[k] > 0.0) || !isfinite(weights[k]))
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "shk mixture: weight %zu must be > 0 and finite, got %g", k, weights[k]);
  if (!specot__all_finite(means, K * d))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "shk mixture: means contain a non-finite value");
  if (!covs) return SPECOT_OK;
  for (size_t k = 0; k < K; ++k) {
    const double *C = covs + k * d * d;
    if (!specot__all_finite(C, d * d))
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "shk mixture: covariance %zu has a non-finite entry", k);
    for (size_t a = 0; a < d; ++a)
      for (size_t b = a + 1; b < d; ++b)
        if (fabs(C[a * d + b] - C[b * d + a]) > 1e-12 * (fabs(C[a * d + a]) + fabs(C[b * d + b])))
          return specot__fail(ctx, SPECOT_ERR_INVALID,
                              "shk mixture: covariance %zu is not symmetric", k);
  }
  return SPECOT_OK;
}

specot_status specot_shk_potential_mixture(specot_ctx *ctx, size_t K, size_t d,
                                           const double *weights, const double *means,
                                           const double *covs, specot_shk_potential *out) {
  specot__ctx_reset(ctx);
  memset(out, 0, sizeof *out);
  specot_status st = check_mixture(ctx, K, d, weights, means, covs);
  if (st) return st;
  mixture *m = calloc(1, sizeof *m);
  if (m) {
    m->K = K;
    m->d = d;
    m->logc = malloc(K * sizeof *m->logc);
    m->means = malloc(K * d * sizeof *m->means);
    m->prec = malloc(K * d * d * sizeof *m->prec);
  }
  if (!m || !m->logc || !m->means || !m->prec) {
    mixture_free(m);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "shk mixture: out of memory");
  }
  memcpy(m->means, means, K * d * sizeof *means);
  double wsum = 0.0;
  for (size_t k = 0; k < K; ++k) wsum += weights[k];
  for (size_t k = 0; k < K; ++k) {
    double *P = m->prec + k * d * d;
    double logdet = (double)d * log(SHK_TWO_PI);
    if (covs) {
      logdet = invert_cov(covs + k * d * d, d, P);
    } else {
      memset(P, 0, d * d * sizeof *P);
      for (size_t a = 0; a < d; ++a) P[a * d + a] = 1.0;
    }
    if (isnan(logdet)) {
      mixture_free(m);
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "shk mixture: covariance %zu is not positive definite", k);
    }
    m->logc[k] = log(weights[k] / wsum) - 0.5 * logdet;
  }
  out->fn = mixture_eval;
  out->user = m;
  out->d = d;
  out->thread_safe = 1;
  out->free_user = mixture_free;
  return SPECOT_OK;
}

typedef struct double_well {
  double barrier;
} double_well;

static specot_status double_well_eval(void *user, specot_ctx *ctx, const double *x, size_t d,
                                      double *V, double *grad) {
  (void)ctx;
  const double b = ((const double_well *)user)->barrier, w = x[0] * x[0] - 1.0;
  double v = b * w * w;
  for (size_t k = 1; k < d; ++k) v += 0.5 * x[k] * x[k];
  *V = v;
  if (grad) {
    grad[0] = 4.0 * b * x[0] * w;
    for (size_t k = 1; k < d; ++k) grad[k] = x[k];
  }
  return SPECOT_OK;
}

specot_status specot_shk_potential_double_well(specot_ctx *ctx, size_t d, double barrier,
                                               specot_shk_potential *out) {
  specot__ctx_reset(ctx);
  memset(out, 0, sizeof *out);
  if (d == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "shk double well: d must be >= 1");
  if (!(barrier > 0.0) || !isfinite(barrier))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "shk double well: barrier must be > 0 and finite, got %g", barrier);
  double_well *w = malloc(sizeof *w);
  if (!w) return specot__fail(ctx, SPECOT_ERR_NOMEM, "shk double well: out of memory");
  w->barrier = barrier;
  out->fn = double_well_eval;
  out->user = w;
  out->d = d;
  out->thread_safe = 1;
  out->free_user = free;
  return SPECOT_OK;
}
