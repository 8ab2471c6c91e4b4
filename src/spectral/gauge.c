/* Spectral gauges: values, LMOs over the representing sets, projections,
 * Sigma(pi) and small dense helpers (symmetric eigendecomposition). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spectral_internal.h"

/* ------------------------------------------------------------ eigen scratch */

int spec_eig_init(spec_eig *e, size_t d) {
  e->d = d;
  e->lam = specot__alloc_doubles(d + d * d);
  e->vec = e->lam ? e->lam + d : NULL;
  e->ws = NULL;
  if (!e->lam || specot_linalg_ws_alloc(NULL, d, d, &e->ws) != SPECOT_OK) {
    spec_eig_free(e);
    return -1;
  }
  return 0;
}

void spec_eig_free(spec_eig *e) {
  specot__free(e->lam);
  specot_linalg_ws_free(e->ws);
  e->lam = NULL;
  e->vec = NULL;
  e->ws = NULL;
}

int spec_eig_sym(spec_eig *e, const double *S, double *w, double *U) {
  /* linalg returns descending order; the spectral module works ascending. */
  const size_t d = e->d;
  if (specot_linalg_sym_eig(NULL, e->ws, S, d, e->lam, e->vec) != SPECOT_OK) return -1;
  for (size_t k = 0; k < d; ++k) w[k] = e->lam[d - 1 - k];
  for (size_t i = 0; i < d; ++i)
    for (size_t k = 0; k < d; ++k) U[i * d + k] = e->vec[i * d + (d - 1 - k)];
  return 0;
}

/* ------------------------------------------------------------------ gauges */

specot_gauge specot_gauge_schatten(double p) {
  specot_gauge g = {SPECOT_GAUGE_SCHATTEN, p, 0};
  return g;
}

specot_gauge specot_gauge_kyfan(size_t k) {
  specot_gauge g = {SPECOT_GAUGE_KYFAN, 0.0, k};
  return g;
}

specot_status spec_gauge_check(specot_ctx *ctx, const specot_gauge *g, size_t d, const char *what) {
  if (!g) return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: gauge is NULL", what);
  if (d == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: dimension d must be >= 1", what);
  if (d > 4096)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "%s: dimension d = %zu exceeds 4096", what, d);
  if (g->kind == SPECOT_GAUGE_SCHATTEN) {
    if (isnan(g->p) || g->p < 1.0)
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "%s: Schatten exponent p = %g must be >= 1 (monotone gauges only)", what,
                          g->p);
    return SPECOT_OK;
  }
  if (g->kind == SPECOT_GAUGE_KYFAN) {
    if (g->k < 1 || g->k > d)
      return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: Ky Fan order k = %zu must be in [1, d = %zu]",
                          what, g->k, d);
    return SPECOT_OK;
  }
  return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: unknown gauge kind %d", what, (int)g->kind);
}

int spec_gauge_is_trace(const specot_gauge *g, size_t d) {
  /* In d = 1 every gauge is the trace (gamma(s) = s). */
  return d == 1 || (g->kind == SPECOT_GAUGE_SCHATTEN && g->p == 1.0) ||
         (g->kind == SPECOT_GAUGE_KYFAN && g->k == d);
}

int spec_gauge_is_nonsmooth(const specot_gauge *g, size_t d) {
  return d > 1 && ((g->kind == SPECOT_GAUGE_SCHATTEN && isinf(g->p)) ||
                   (g->kind == SPECOT_GAUGE_KYFAN && g->k < d));
}

double spec_gauge_from_eigs(const specot_gauge *g, const double *w, size_t d) {
  /* w ascending; clamp negatives (rounding on PSD input). */
  const double top = fmax(w[d - 1], 0.0);
  if (g->kind == SPECOT_GAUGE_KYFAN) {
    double s = 0.0;
    for (size_t i = 0; i < g->k; ++i) s += fmax(w[d - 1 - i], 0.0);
    return s;
  }
  if (isinf(g->p)) return top;
  if (top == 0.0) return 0.0;
  if (g->p == 1.0) {
    double s = 0.0;
    for (size_t i = 0; i < d; ++i) s += fmax(w[i], 0.0);
    return s;
  }
  /* lambda_max * ||lambda / lambda_max||_p avoids overflow for large p. */
  double s = 0.0;
  for (size_t i = 0; i < d; ++i) s += pow(fmax(w[i], 0.0) / top, g->p);
  return top * pow(s, 1.0 / g->p);
}

void spec_gauge_lmo_eigs(const specot_gauge *g, const double *w, size_t d, double *q) {
  for (size_t i = 0; i < d; ++i) q[i] = 0.0;
  if (g->kind == SPECOT_GAUGE_KYFAN) {
    for (size_t i = 0; i < g->k; ++i) q[d - 1 - i] = 1.0;
    return;
  }
  if (isinf(g->p)) {
    q[d - 1] = 1.0;
    return;
  }
  if (g->p == 1.0) {
    for (size_t i = 0; i < d; ++i) q[i] = 1.0;
    return;
  }
  const double top = fmax(w[d - 1], 0.0);
  const double pstar = g->p / (g->p - 1.0);
  if (top == 0.0) {
    for (size_t i = 0; i < d; ++i) q[i] = pow((double)d, -1.0 / pstar);
    return;
  }
  /* q_i = (w_i/top)^{p-1} / ||w/top||_p^{p-1}; then ||q||_{p*} = 1. */
  double s = 0.0;
  for (size_t i = 0; i < d; ++i) s += pow(fmax(w[i], 0.0) / top, g->p);
  const double norm_pm1 = pow(s, (g->p - 1.0) / g->p);
  double qn = 0.0;
  for (size_t i = 0; i < d; ++i) {
    q[i] = pow(fmax(w[i], 0.0) / top, g->p - 1.0) / norm_pm1;
    qn += pow(q[i], pstar);
  }
  /* Guard membership in K against rounding: scale so that ||q||_{p*} <= 1. */
  qn = pow(qn, 1.0 / pstar);
  if (qn > 1.0)
    for (size_t i = 0; i < d; ++i) q[i] /= qn;
}

void spec_from_eigs(size_t d, const double *U, const double *q, double *Q, double *tmp) {
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) tmp[i * d + j] = U[i * d + j] * q[j];
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j <= i; ++j) {
      double s = 0.0;
      for (size_t l = 0; l < d; ++l) s += tmp[i * d + l] * U[j * d + l];
      Q[i * d + j] = s;
      Q[j * d + i] = s;
    }
}

/* Projection of v onto {0 <= x <= hi, sum x = k} by bisection on theta in
 * x_i = clip(v_i - theta, 0, hi). */
static void capped_simplex(double *v, size_t d, double k, double hi) {
  double lo_t = INFINITY, hi_t = -INFINITY;
  for (size_t i = 0; i < d; ++i) hi_t = fmax(hi_t, v[i]);
  if (isinf(hi)) {
    lo_t = hi_t - k; /* then the largest entry alone carries mass k */
  } else {
    for (size_t i = 0; i < d; ++i) lo_t = fmin(lo_t, v[i] - hi);
  }
  /* sum at theta = lo_t is >= k (all at hi when hi*d >= k); at hi_t it is 0. */
  for (int it = 0; it < 200 && hi_t - lo_t > 4 * DBL_EPSILON * fmax(fabs(hi_t), fabs(lo_t)); ++it) {
    const double th = 0.5 * (lo_t + hi_t);
    double s = 0.0;
    for (size_t i = 0; i < d; ++i) s += fmin(fmax(v[i] - th, 0.0), hi);
    if (s > k)
      lo_t = th;
    else
      hi_t = th;
  }
  const double th = 0.5 * (lo_t + hi_t);
  for (size_t i = 0; i < d; ++i) v[i] = fmin(fmax(v[i] - th, 0.0), hi);
}

void spec_gauge_project_eigs(const specot_gauge *g, double *v, size_t d) {
  if (g->kind == SPECOT_GAUGE_KYFAN) {
    capped_simplex(v, d, (double)g->k, 1.0);
    return;
  }
  if (g->p == 1.0) {
    for (size_t i = 0; i < d; ++i) v[i] = 1.0;
    return;
  }
  if (isinf(g->p)) {
    /* {x >= 0, sum x <= 1}: clamp; if the sum exceeds 1, project onto the simplex. */
    double s = 0.0;
    for (size_t i = 0; i < d; ++i) s += fmax(v[i], 0.0);
    if (s <= 1.0) {
      for (size_t i = 0; i < d; ++i) v[i] = fmax(v[i], 0.0);
      return;
    }
    capped_simplex(v, d, 1.0, INFINITY);
    return;
  }
  const double pstar = g->p / (g->p - 1.0);
  double s = 0.0;
  for (size_t i = 0; i < d; ++i) {
    v[i] = fmax(v[i], 0.0);
    s += pow(v[i], pstar);
  }
  s = pow(s, 1.0 / pstar);
  if (s > 1.0)
    for (size_t i = 0; i < d; ++i) v[i] /= s;
}

void spec_gauge_q0(const specot_gauge *g, size_t d, double *Q) {
  double c;
  if (g->kind == SPECOT_GAUGE_KYFAN)
    c = (double)g->k / (double)d;
  else if (g->p == 1.0)
    c = 1.0;
  else if (isinf(g->p))
    c = 1.0 / (double)d;
  else
    c = pow((double)d, -(g->p - 1.0) / g->p);
  memset(Q, 0, d * d * sizeof *Q);
  for (size_t i = 0; i < d; ++i) Q[i * d + i] = c;
}

double spec_frob(const double *A, const double *B, size_t d) {
  double s = 0.0;
  for (size_t i = 0; i < d * d; ++i) s += A[i] * B[i];
  return s;
}

specot_status spec_check_psd(specot_ctx *ctx, const double *A, size_t d, const char *what,
                             spec_eig *e, double *w, double *U) {
  if (!specot__all_finite(A, d * d))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s has a non-finite entry", what);
  double amax = 0.0, asym = 0.0;
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) {
      amax = fmax(amax, fabs(A[i * d + j]));
      asym = fmax(asym, fabs(A[i * d + j] - A[j * d + i]));
    }
  if (asym > 1e-10 * amax)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "%s is not symmetric (max |A - A^T| = %g, max |A| = %g)", what, asym, amax);
  if (spec_eig_sym(e, A, w, U) != 0)
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "%s: eigendecomposition failed", what);
  if (w[0] < -1e-10 * fmax(fabs(w[d - 1]), amax))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "%s is not positive semidefinite (smallest eigenvalue %g)", what, w[0]);
  return SPECOT_OK;
}

int spec_sqrt_psd(spec_eig *e, const double *A, size_t d, double *R, double *w, double *U,
                  double *tmp) {
  if (spec_eig_sym(e, A, w, U) != 0) return -1;
  for (size_t i = 0; i < d; ++i) w[i] = sqrt(fmax(w[i], 0.0));
  spec_from_eigs(d, U, w, R, tmp);
  return 0;
}

/* ------------------------------------------------------ public gauge calls */

typedef enum { OP_VALUE, OP_LMO, OP_PROJECT } gauge_op;

static specot_status gauge_apply(specot_ctx *ctx, const specot_gauge *g, const double *S, size_t d,
                                 gauge_op op, double *out, const char *what) {
  specot__ctx_reset(ctx);
  specot_status st = spec_gauge_check(ctx, g, d, what);
  if (st != SPECOT_OK) return st;
  if (!S || !out) return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: NULL argument", what);
  if (!specot__all_finite(S, d * d))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: matrix has a non-finite entry", what);
  spec_eig e;
  double *buf = specot__alloc_doubles(3 * d * d + 2 * d);
  if (!buf || spec_eig_init(&e, d) != 0) {
    specot__free(buf);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "%s: out of memory", what);
  }
  double *w = buf, *q = w + d, *U = q + d, *tmp = U + d * d;
  st = SPECOT_OK;
  if (spec_eig_sym(&e, S, w, U) != 0) {
    st = specot__fail(ctx, SPECOT_ERR_NUMERICAL, "%s: eigendecomposition failed", what);
  } else if (op == OP_VALUE) {
    *out = spec_gauge_from_eigs(g, w, d);
  } else {
    if (op == OP_LMO) {
      spec_gauge_lmo_eigs(g, w, d, q);
    } else {
      memcpy(q, w, d * sizeof *q);
      spec_gauge_project_eigs(g, q, d);
    }
    spec_from_eigs(d, U, q, out, tmp);
  }
  spec_eig_free(&e);
  specot__free(buf);
  return st;
}

specot_status specot_spectral_gauge_value(specot_ctx *ctx, const specot_gauge *gauge,
                                          const double *S, size_t d, double *value) {
  return gauge_apply(ctx, gauge, S, d, OP_VALUE, value, "gauge_value");
}

specot_status specot_spectral_gauge_lmo(specot_ctx *ctx, const specot_gauge *gauge, const double *S,
                                        size_t d, double *Q) {
  return gauge_apply(ctx, gauge, S, d, OP_LMO, Q, "gauge_lmo");
}

specot_status specot_spectral_gauge_project(specot_ctx *ctx, const specot_gauge *gauge,
                                            const double *M, size_t d, double *Q) {
  return gauge_apply(ctx, gauge, M, d, OP_PROJECT, Q, "gauge_project");
}

/* ---------------------------------------------------------------- Sigma */

void spec_sigma_sparse(const double *X, const double *Y, size_t d, const size_t *rows,
                       const size_t *cols, const double *mass, size_t nnz, double *S) {
  memset(S, 0, d * d * sizeof *S);
  for (size_t t = 0; t < nnz; ++t) {
    const double *x = X + rows[t] * d, *y = Y + cols[t] * d;
    for (size_t i = 0; i < d; ++i) {
      const double di = mass[t] * (x[i] - y[i]);
      for (size_t j = 0; j <= i; ++j) S[i * d + j] += di * (x[j] - y[j]);
    }
  }
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < i; ++j) S[j * d + i] = S[i * d + j];
}

specot_status specot_spectral_sigma(specot_ctx *ctx, const double *X, size_t n, const double *Y,
                                    size_t m, size_t d, const size_t *rows, const size_t *cols,
                                    const double *mass, size_t nnz, double *S) {
  specot__ctx_reset(ctx);
  if (!X || !Y || !S || d == 0 || (nnz > 0 && (!rows || !cols || !mass)))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sigma: NULL argument or d = 0");
  for (size_t t = 0; t < nnz; ++t) {
    if (rows[t] >= n || cols[t] >= m)
      return specot__fail(ctx, SPECOT_ERR_INVALID, "sigma: entry %zu has index (%zu, %zu) outside %zu x %zu",
                          t, rows[t], cols[t], n, m);
    if (!(mass[t] >= 0.0) || isinf(mass[t]))
      return specot__fail(ctx, SPECOT_ERR_INVALID, "sigma: entry %zu has mass %g (must be finite, >= 0)",
                          t, mass[t]);
  }
  spec_sigma_sparse(X, Y, d, rows, cols, mass, nnz, S);
  return SPECOT_OK;
}
