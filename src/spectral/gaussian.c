/* Spectral transport between Gaussians: fixed-Q Bures value, the certified
 * column-generation solve over cross-covariances, the commuting closed form,
 * and Gaussian geodesics (spec spectral_w.md section 4). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spectral_internal.h"

typedef struct gauss_ctx {
  size_t d;
  spec_eig eig;
  double *delta;          /* d: m1 - m0 */
  double *A, *B;          /* d*d (symmetrised copies) */
  double *rA, *rB;        /* d*d square roots */
  double *M, *Us, *Vt, *s, *t1, *t2, *w, *U; /* SVD and scratch */
  double *Ks;             /* cap * d*d: cross-covariance of each column */
} gauss_ctx;

static void gauss_free(gauss_ctx *g) {
  spec_eig_free(&g->eig);
  specot__free(g->delta);
  specot__free(g->Ks);
}

static int gauss_init(gauss_ctx *g, size_t d, size_t cap) {
  memset(g, 0, sizeof *g);
  g->d = d;
  const size_t dd = d * d;
  if (spec_eig_init(&g->eig, d) != 0) return -1;
  g->delta = specot__alloc_doubles(d + 11 * dd + 2 * d);
  g->Ks = specot__alloc_doubles(cap * dd);
  if (!g->delta || !g->Ks) return -1;
  g->A = g->delta + d;
  g->B = g->A + dd;
  g->rA = g->B + dd;
  g->rB = g->rA + dd;
  g->M = g->rB + dd;
  g->Us = g->M + dd;
  g->Vt = g->Us + dd;
  g->t1 = g->Vt + dd;
  g->t2 = g->t1 + dd;
  g->U = g->t2 + dd;
  g->s = g->U + dd;
  g->w = g->s + d;
  return 0;
}

/* C = A B for d x d. */
static void matmul(size_t d, const double *A, const double *B, double *C) {
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) {
      double s = 0.0;
      for (size_t l = 0; l < d; ++l) s += A[i * d + l] * B[l * d + j];
      C[i * d + j] = s;
    }
}

/* W_Q^2 and K_Q for the Gaussians held in g (rA, rB already computed). */
static int fixed_q_eval(gauss_ctx *g, const double *Q, double *value, double *K) {
  const size_t d = g->d, dd = d * d;
  /* M = B^{1/2} Q A^{1/2} = U S V^T. */
  matmul(d, g->rB, Q, g->t1);
  matmul(d, g->t1, g->rA, g->M);
  /* d x d SVD through the eigen workspace (covers d x d; no allocation). */
  if (specot_linalg_svd(NULL, g->eig.ws, g->M, d, d, g->Us, g->s, g->Vt) != SPECOT_OK) return -1;
  double nuc = 0.0;
  for (size_t i = 0; i < d; ++i) nuc += g->s[i];
  double v = 0.0;
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j)
      v += Q[i * d + j] * (g->delta[i] * g->delta[j] + g->A[j * d + i] + g->B[j * d + i]);
  *value = v - 2.0 * nuc;
  if (K) {
    /* K = A^{1/2} V U^T B^{1/2}; t1 = V U^T. */
    for (size_t i = 0; i < d; ++i)
      for (size_t j = 0; j < d; ++j) {
        double s = 0.0;
        for (size_t l = 0; l < d; ++l) s += g->Vt[l * d + i] * g->Us[j * d + l];
        g->t1[i * d + j] = s;
      }
    matmul(d, g->rA, g->t1, g->t2);
    matmul(d, g->t2, g->rB, K);
  }
  (void)dd;
  return 0;
}

/* D(K) = Delta Delta^T + A + B - K - K^T. */
static void displacement(const gauss_ctx *g, const double *K, double *D) {
  const size_t d = g->d;
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j)
      D[i * d + j] = g->delta[i] * g->delta[j] + g->A[i * d + j] + g->B[i * d + j] - K[i * d + j] -
                     K[j * d + i];
}

static specot_status gauss_load(specot_ctx *ctx, gauss_ctx *g, const double *m0, const double *A,
                                const double *m1, const double *B, const char *what) {
  const size_t d = g->d, dd = d * d;
  if (!m0 || !A || !m1 || !B)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: NULL mean or covariance", what);
  if (!specot__all_finite(m0, d) || !specot__all_finite(m1, d))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: a mean has a non-finite entry", what);
  char name[64];
  snprintf(name, sizeof name, "%s: covariance A", what);
  specot_status st = spec_check_psd(ctx, A, d, name, &g->eig, g->w, g->U);
  if (st != SPECOT_OK) return st;
  snprintf(name, sizeof name, "%s: covariance B", what);
  st = spec_check_psd(ctx, B, d, name, &g->eig, g->w, g->U);
  if (st != SPECOT_OK) return st;
  for (size_t i = 0; i < d; ++i) {
    g->delta[i] = m1[i] - m0[i];
    for (size_t j = 0; j < d; ++j) {
      g->A[i * d + j] = 0.5 * (A[i * d + j] + A[j * d + i]);
      g->B[i * d + j] = 0.5 * (B[i * d + j] + B[j * d + i]);
    }
  }
  if (spec_sqrt_psd(&g->eig, g->A, d, g->rA, g->w, g->U, g->t1) != 0 ||
      spec_sqrt_psd(&g->eig, g->B, d, g->rB, g->w, g->U, g->t1) != 0)
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "%s: eigendecomposition failed", what);
  (void)dd;
  return SPECOT_OK;
}

specot_status specot_spectral_gaussian_fixed_q(specot_ctx *ctx, size_t d, const double *m0,
                                               const double *A, const double *m1, const double *B,
                                               const double *Q, double *value, double *K) {
  specot__ctx_reset(ctx);
  if (d == 0 || d > 4096 || !Q || !value)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "gaussian_fixed_q: d = %zu or NULL argument", d);
  gauss_ctx g;
  memset(&g, 0, sizeof g);
  if (gauss_init(&g, d, 1) != 0) {
    gauss_free(&g);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "gaussian_fixed_q: out of memory");
  }
  specot_status st = gauss_load(ctx, &g, m0, A, m1, B, "gaussian_fixed_q");
  if (st == SPECOT_OK) st = spec_check_psd(ctx, Q, d, "gaussian_fixed_q: Q", &g.eig, g.w, g.U);
  if (st == SPECOT_OK && fixed_q_eval(&g, Q, value, K) != 0)
    st = specot__fail(ctx, SPECOT_ERR_NUMERICAL, "gaussian_fixed_q: SVD failed");
  gauss_free(&g);
  return st;
}

/* Oracle for the column generation: column = D(K_Q), value = W_Q^2. */
static specot_status gauss_oracle(void *data, specot_ctx *ctx, const double *Q, size_t slot,
                                  double *S_new, double *value) {
  gauss_ctx *g = data;
  double *K = g->Ks + slot * g->d * g->d;
  if (fixed_q_eval(g, Q, value, K) != 0)
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "gaussian: SVD failed");
  displacement(g, K, S_new);
  return SPECOT_OK;
}

static void gauss_move(void *data, size_t from, size_t to) {
  gauss_ctx *g = data;
  const size_t dd = g->d * g->d;
  memmove(g->Ks + to * dd, g->Ks + from * dd, dd * sizeof *g->Ks);
}

/* Commuting centred case: common eigenbasis of A and B.  Returns 1 when
 * found (K, D filled), 0 otherwise. */
static int commuting_basis(gauss_ctx *g, double *K, double *D) {
  const size_t d = g->d, dd = d * d;
  double amax = 0.0, bmax = 0.0, cmax = 0.0;
  for (size_t t = 0; t < dd; ++t) {
    amax = fmax(amax, fabs(g->A[t]));
    bmax = fmax(bmax, fabs(g->B[t]));
  }
  matmul(d, g->A, g->B, g->t1);
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) cmax = fmax(cmax, fabs(g->t1[i * d + j] - g->t1[j * d + i]));
  if (cmax > 1e-12 * fmax(amax * bmax * (double)d, DBL_MIN)) return 0;
  /* Eigenvectors of A + c B (c irrational-looking) diagonalise both. */
  const double c = 0.6180339887498949 * (amax > 0 && bmax > 0 ? amax / bmax : 1.0);
  for (size_t t = 0; t < dd; ++t) g->t2[t] = g->A[t] + c * g->B[t];
  if (spec_eig_sym(&g->eig, g->t2, g->w, g->U) != 0) return 0;
  double *a = g->s, *b = g->w;
  double off = 0.0;
  for (size_t pass = 0; pass < 2; ++pass) {
    const double *Mx = pass ? g->B : g->A;
    for (size_t i = 0; i < d; ++i)
      for (size_t j = 0; j < d; ++j) {
        double v = 0.0;
        for (size_t l = 0; l < d; ++l)
          for (size_t r = 0; r < d; ++r) v += g->U[l * d + i] * Mx[l * d + r] * g->U[r * d + j];
        if (i == j)
          (pass ? b : a)[i] = fmax(v, 0.0);
        else
          off = fmax(off, fabs(v) / fmax(pass ? bmax : amax, DBL_MIN));
      }
  }
  if (off > 1e-9) return 0;
  for (size_t i = 0; i < d; ++i) {
    const double sa = sqrt(a[i]), sb = sqrt(b[i]);
    a[i] = sa * sb;
    b[i] = (sa - sb) * (sa - sb);
  }
  spec_from_eigs(d, g->U, a, K, g->t1);
  spec_from_eigs(d, g->U, b, D, g->t1);
  return 1;
}

specot_status specot_spectral_gaussian_commuting(specot_ctx *ctx, const specot_gauge *gauge,
                                                 size_t d, const double *A, const double *B,
                                                 double *value) {
  specot__ctx_reset(ctx);
  specot_status st = spec_gauge_check(ctx, gauge, d, "gaussian_commuting");
  if (st != SPECOT_OK) return st;
  if (gauge->kind != SPECOT_GAUGE_SCHATTEN)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "gaussian_commuting: the closed form is stated for Schatten gauges only");
  if (!value) return specot__fail(ctx, SPECOT_ERR_INVALID, "gaussian_commuting: NULL value");
  gauss_ctx g;
  memset(&g, 0, sizeof g);
  double *buf = specot__alloc_doubles(3 * d * d + d);
  if (!buf || gauss_init(&g, d, 1) != 0) {
    specot__free(buf);
    gauss_free(&g);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "gaussian_commuting: out of memory");
  }
  double *zero = buf + 3 * d * d;
  memset(zero, 0, d * sizeof *zero);
  st = gauss_load(ctx, &g, zero, A, zero, B, "gaussian_commuting");
  if (st == SPECOT_OK) {
    if (!commuting_basis(&g, buf, buf + d * d)) {
      st = specot__fail(ctx, SPECOT_ERR_INVALID, "gaussian_commuting: A and B do not commute");
    } else if (spec_eig_sym(&g.eig, buf + d * d, g.w, g.U) != 0) {
      st = specot__fail(ctx, SPECOT_ERR_NUMERICAL, "gaussian_commuting: eigendecomposition failed");
    } else {
      *value = spec_gauge_from_eigs(gauge, g.w, d);
    }
  }
  specot__free(buf);
  gauss_free(&g);
  return st;
}

specot_status specot_spectral_gaussian(specot_ctx *ctx, const specot_gauge *gauge, size_t d,
                                       const double *m0, const double *A, const double *m1,
                                       const double *B, const specot_spectral_opts *opts,
                                       specot_spectral_gaussian_result *res, double *K,
                                       double *Sigma, double *Q) {
  specot__ctx_reset(ctx);
  specot_spectral_opts defaults;
  if (!opts) {
    specot_spectral_opts_init(&defaults);
    opts = &defaults;
  }
  specot_status st = spec_gauge_check(ctx, gauge, d, "gaussian");
  if (st != SPECOT_OK) return st;
  if (!res) return specot__fail(ctx, SPECOT_ERR_INVALID, "gaussian: NULL result");
  if (!(opts->tol >= 0.0) || isinf(opts->tol))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "gaussian: tol = %g must be finite and >= 0",
                        opts->tol);
  if (!(opts->alpha < 1.0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "gaussian: alpha = %g must be < 1", opts->alpha);
  memset(res, 0, sizeof *res);
  const size_t dd = d * d, D1 = d * (d + 1) / 2 + 1;
  const size_t cap = 2 * D1 > 16 ? 2 * D1 : 16;
  gauss_ctx g;
  memset(&g, 0, sizeof g);
  spec_cg cg;
  memset(&cg, 0, sizeof cg);
  double *buf = specot__alloc_doubles(4 * dd);
  if (!buf || gauss_init(&g, d, cap) != 0 || spec_cg_init(&cg, d, cap) != 0) {
    specot__free(buf);
    gauss_free(&g);
    spec_cg_free(&cg);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "gaussian: out of memory");
  }
  double *Kb = buf, *Db = buf + dd, *Qb = buf + 2 * dd, *scr = buf + 3 * dd;
  st = gauss_load(ctx, &g, m0, A, m1, B, "gaussian");
  if (st != SPECOT_OK) goto done;
  int centred = 1;
  for (size_t i = 0; i < d; ++i) centred &= g.delta[i] == 0.0;
  if (centred && gauge->kind == SPECOT_GAUGE_SCHATTEN && commuting_basis(&g, Kb, Db)) {
    res->closed_form = 1;
    res->iterations = 1;
    st = SPECOT_OK;
  } else {
    double scale = 0.0;
    for (size_t i = 0; i < d; ++i) scale += g.delta[i] * g.delta[i] + g.A[i * d + i] + g.B[i * d + i];
    spec_cg_out out = {0};
    st = spec_cg_run(&cg, ctx, gauge, opts, 64 * DBL_EPSILON * scale, gauss_oracle, gauss_move, &g,
                     &out);
    if (st < 0) goto done;
    memset(Kb, 0, dd * sizeof *Kb);
    for (size_t k = 0; k < cg.r; ++k)
      for (size_t t = 0; t < dd; ++t) Kb[t] += cg.lambda[k] * g.Ks[k * dd + t];
    displacement(&g, Kb, Db);
    res->iterations = out.iterations;
    memcpy(Qb, cg.Qbest, dd * sizeof *Qb);
  }
  /* UB from the final cross-covariance; LB certified by the closed form. */
  if (spec_eig_sym(&g.eig, Db, g.w, g.U) != 0) {
    st = specot__fail(ctx, SPECOT_ERR_NUMERICAL, "gaussian: eigendecomposition failed");
    goto done;
  }
  res->squared_cost = spec_gauge_from_eigs(gauge, g.w, d);
  if (res->closed_form) {
    spec_gauge_lmo_eigs(gauge, g.w, d, g.s);
    spec_from_eigs(d, g.U, g.s, Qb, scr);
  }
  if (fixed_q_eval(&g, Qb, &res->lower_bound, NULL) != 0) {
    st = specot__fail(ctx, SPECOT_ERR_NUMERICAL, "gaussian: SVD failed");
    goto done;
  }
  res->gap = res->squared_cost - res->lower_bound;
  res->relative_gap = res->squared_cost > 0 ? res->gap / res->squared_cost : 0.0;
  res->status = st;
  if (K) memcpy(K, Kb, dd * sizeof *K);
  if (Sigma) memcpy(Sigma, Db, dd * sizeof *Sigma);
  if (Q) memcpy(Q, Qb, dd * sizeof *Q);
  if (st == SPECOT_WARN_MAXITER)
    specot__fail(ctx, st, "gaussian: stopped after %zu iterations with relative gap %.3g",
                 res->iterations, res->relative_gap);
done:
  specot__free(buf);
  gauss_free(&g);
  spec_cg_free(&cg);
  return st;
}

specot_status specot_spectral_gaussian_geodesic(specot_ctx *ctx, size_t d, const double *m0,
                                                const double *A, const double *m1, const double *B,
                                                const double *K, double t, double *mt,
                                                double *Ct) {
  specot__ctx_reset(ctx);
  if (d == 0 || !m0 || !A || !m1 || !B || !K || !mt || !Ct)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "gaussian_geodesic: d = 0 or NULL argument");
  if (!(t >= 0.0 && t <= 1.0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "gaussian_geodesic: t = %g must be in [0, 1]", t);
  const size_t dd = d * d;
  if (!specot__all_finite(m0, d) || !specot__all_finite(m1, d) || !specot__all_finite(A, dd) ||
      !specot__all_finite(B, dd) || !specot__all_finite(K, dd))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "gaussian_geodesic: non-finite input");
  const double s = 1.0 - t;
  for (size_t i = 0; i < d; ++i) {
    mt[i] = s * m0[i] + t * m1[i];
    for (size_t j = 0; j < d; ++j)
      Ct[i * d + j] = s * s * A[i * d + j] + t * t * B[i * d + j] +
                      t * s * (K[i * d + j] + K[j * d + i]);
  }
  return SPECOT_OK;
}
