/* Polar factor (SVD and Gram routes) and Newton–Schulz iterations
 * (muon.md sections 1.1 and 1.2). */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "linalg_internal.h"

void specot_linalg_polar_opts_init(specot_linalg_polar_opts *opts) {
  if (!opts)
    return;
  opts->method = SPECOT_LINALG_POLAR_AUTO;
  opts->rtol = SPECOT_LINALG_RTOL_DEFAULT;
  opts->gram_min_ratio = 1e-6;
}

void specot_linalg_ns_opts_init(specot_linalg_ns_opts *opts) {
  if (!opts)
    return;
  opts->schedule = SPECOT_LINALG_NS_KJ5;
  opts->steps = 5;
  opts->norm_eps = 0.0;
}

/* Q = A M (m >= n, M n x n) or M A (m < n, M m x m), A = ws->a. */
void specot__linalg_apply_small_side(specot_linalg_ws *ws, size_t m, size_t n,
                                     const double *M, double *Q) {
  if (m >= n)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n,
                (int)n, 1.0, ws->a, (int)n, M, (int)n, 0.0, Q, (int)n);
  else
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n,
                (int)m, 1.0, M, (int)m, ws->a, (int)n, 0.0, Q, (int)n);
}

static specot_status polar_svd(specot_ctx *ctx, specot_linalg_ws *ws, size_t m,
                               size_t n, double rtol, double *Q) {
  specot_status st = specot__linalg_svd_a(ctx, ws, m, n, 1);
  if (st)
    return st;
  const size_t k = m < n ? m : n;
  size_t rank = 0;
  for (size_t i = 0; i < k; ++i)
    if (ws->s[i] > rtol * ws->s[0])
      rank = i + 1;
  if (ws->s[0] == 0.0 || rank == 0) {
    memset(Q, 0, m * n * sizeof *Q);
    return SPECOT_OK;
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n,
              (int)rank, 1.0, ws->u, (int)k, ws->vt, (int)n, 0.0, Q, (int)n);
  return SPECOT_OK;
}

specot_status specot_linalg_polar(specot_ctx *ctx, specot_linalg_ws *ws,
                                  const double *G, size_t m, size_t n,
                                  const specot_linalg_polar_opts *opts,
                                  double *Q,
                                  specot_linalg_polar_method *method_used) {
  specot__ctx_reset(ctx);
  specot_linalg_polar_opts o;
  specot_linalg_polar_opts_init(&o);
  if (opts)
    o = *opts;
  if (o.method != SPECOT_LINALG_POLAR_AUTO &&
      o.method != SPECOT_LINALG_POLAR_SVD &&
      o.method != SPECOT_LINALG_POLAR_GRAM)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "polar: unknown method %d",
                        (int)o.method);
  if (!(o.gram_min_ratio > 0.0 && o.gram_min_ratio <= 1.0))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "polar: gram_min_ratio = %g must lie in (0, 1]",
                        o.gram_min_ratio);
  specot_status st = specot__linalg_check_matrix(ctx, "polar", "G", G, m, n);
  if (st)
    return st;
  if (!Q)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "polar: output Q is NULL");
  double rtol;
  if ((st = specot__linalg_rtol(ctx, "polar", o.rtol, m, n, &rtol)))
    return st;
  specot_linalg_ws *w, *owned;
  if ((st = specot__linalg_ws_get(ctx, "polar", ws, m, n, &w, &owned)))
    return st;
  specot_linalg_polar_method used = o.method == SPECOT_LINALG_POLAR_SVD
                                        ? SPECOT_LINALG_POLAR_SVD
                                        : SPECOT_LINALG_POLAR_GRAM;
  double scale_unused;
  if (!specot__linalg_load_scaled(w, G, m, n, &scale_unused)) {
    memset(Q, 0, m * n * sizeof *Q); /* polar(0) = 0 */
  } else if (used == SPECOT_LINALG_POLAR_SVD) {
    st = polar_svd(ctx, w, m, n, rtol, Q);
  } else {
    const size_t k = specot__linalg_gram(w->a, n, m, n, w->g1);
    st = specot__linalg_syev(ctx, w, w->g1, k, w->s, 1);
    if (!st) {
      const double lmax = w->s[k - 1];
      if (o.method == SPECOT_LINALG_POLAR_AUTO &&
          !(w->s[0] >= o.gram_min_ratio * lmax)) {
        used = SPECOT_LINALG_POLAR_SVD;
        st = polar_svd(ctx, w, m, n, rtol, Q);
      } else {
        /* Gram eigenvalues carry absolute errors ~ k eps lambda_max: those
         * below the cut are dropped; the retained top r are refined
         * (gram.c), polar = A f(A^T A) with f(t) = t^{-1/2}. */
        const double cut =
            fmax(rtol * rtol, 8.0 * (double)k * DBL_EPSILON) * lmax;
        size_t r = 0;
        while (r < k && w->s[k - 1 - r] > cut)
          ++r;
        if (w->s[0] >= SPECOT__LINALG_PLAIN_GRAM_RATIO * lmax) {
          /* cond <= 2: plain route, polar = A W L^{-1/2} W^T. */
          for (size_t i = 0; i < k; ++i)
            w->s2[i] = pow(w->s[i], -0.25);
          specot__linalg_spectral_fn(w->g1, w->s2, k, w->g2, w->g3);
          specot__linalg_apply_small_side(w, m, n, w->g3, Q);
        } else {
          specot__linalg_gram_refine(w, m, n, r, w->s2);
          for (size_t l = 0; l < r; ++l)
            w->t1[l] = 1.0 / w->s2[l];
          specot__linalg_gram_apply(w, m, n, r, w->s2, w->t1, -0.5, 1.0, Q, n);
        }
      }
    }
  }
  if (!st && !specot__linalg_all_finite(Q, m * n))
    st = specot__fail(ctx, SPECOT_ERR_NUMERICAL, "polar: non-finite result");
  if (!st && method_used)
    *method_used = used;
  specot_linalg_ws_free(owned);
  return st;
}

/* Polar Express coefficients (Amsel, Persson, Musco, Gower 2025), before the
 * 1.01 safety scaling. */
static const double polar_express[8][3] = {
    {8.28721201814563, -23.595886519098837, 17.300387312530933},
    {4.107059111542203, -2.9478499167379106, 0.5448431082926601},
    {3.9486908534822946, -2.908902115962949, 0.5518191394370137},
    {3.3184196573706015, -2.488488024314874, 0.51004894012372},
    {2.300652019954817, -1.6689039845747493, 0.4188073119525673},
    {1.891301407787398, -1.2679958271945868, 0.37680408948524835},
    {1.8750014808534479, -1.2500016453999487, 0.3750001645474248},
    {1.875, -1.25, 0.375}};

static void ns_coeffs(specot_linalg_ns_schedule sched, size_t step,
                      double c[3]) {
  if (sched == SPECOT_LINALG_NS_KJ5) {
    c[0] = 3.4445;
    c[1] = -4.7750;
    c[2] = 2.0315;
  } else if (sched == SPECOT_LINALG_NS_CUBIC) {
    c[0] = 1.5;
    c[1] = -0.5;
    c[2] = 0.0;
  } else {
    const size_t t = step < 7 ? step : 7;
    const double f = t < 7 ? 1.01 : 1.0;
    c[0] = polar_express[t][0] / f;
    c[1] = polar_express[t][1] / (f * f * f);
    c[2] = polar_express[t][2] / (f * f * f * f * f);
  }
}

specot_status specot_linalg_newton_schulz(specot_ctx *ctx, specot_linalg_ws *ws,
                                          const double *G, size_t m, size_t n,
                                          const specot_linalg_ns_opts *opts,
                                          double *Q) {
  specot__ctx_reset(ctx);
  specot_linalg_ns_opts o;
  specot_linalg_ns_opts_init(&o);
  if (opts)
    o = *opts;
  if (o.schedule != SPECOT_LINALG_NS_KJ5 &&
      o.schedule != SPECOT_LINALG_NS_POLAR_EXPRESS &&
      o.schedule != SPECOT_LINALG_NS_CUBIC)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "newton_schulz: unknown schedule %d", (int)o.schedule);
  if (!(o.norm_eps >= 0.0) || !isfinite(o.norm_eps))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "newton_schulz: norm_eps = %g must be finite and >= 0",
                        o.norm_eps);
  specot_status st =
      specot__linalg_check_matrix(ctx, "newton_schulz", "G", G, m, n);
  if (st)
    return st;
  if (!Q)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "newton_schulz: output Q is NULL");
  specot_linalg_ws *w, *owned;
  if ((st = specot__linalg_ws_get(ctx, "newton_schulz", ws, m, n, &w, &owned)))
    return st;
  const double fro = specot__linalg_fro(G, n, m, n);
  if (fro == 0.0) {
    memset(Q, 0, m * n * sizeof *Q);
    specot_linalg_ws_free(owned);
    return SPECOT_OK;
  }
  const int transposed = m > n;
  const size_t k = transposed ? n : m, K = transposed ? m : n;
  const double safety =
      o.schedule == SPECOT_LINALG_NS_POLAR_EXPRESS ? 1.01 : 1.0;
  /* X0 = G / (c ||G||_F + norm_eps).  When that denominator overflows
   * (entries near DBL_MAX), divide numerator and denominator by max|g_ij|
   * first; otherwise 1/inf would give X0 = 0 and a silently wrong Q = 0. */
  double pre = 1.0, denom = safety * fro + o.norm_eps;
  if (!isfinite(denom)) {
    pre = 1.0 / specot__linalg_max_abs(G, m * n);
    double acc = 0.0;
    for (size_t i = 0; i < m * n; ++i)
      acc += (G[i] * pre) * (G[i] * pre);
    denom = safety * sqrt(acc) + o.norm_eps * pre;
  }
  const double scale = 1.0 / denom;
  double *X = w->t1, *Y = w->t2, *A = w->g1, *B = w->g2;
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      const double v = G[i * n + j] * pre * scale;
      if (transposed)
        X[j * m + i] = v;
      else
        X[i * n + j] = v;
    }
  for (size_t step = 0; step < o.steps; ++step) {
    double c[3];
    ns_coeffs(o.schedule, step, c);
    /* A = X X^T (k x k), B = b A + c A A, X <- a X + B X. */
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)k, (int)K, 1.0, X,
                (int)K, 0.0, A, (int)k);
    for (size_t i = 0; i < k; ++i)
      for (size_t j = i + 1; j < k; ++j)
        A[j * k + i] = A[i * k + j];
    for (size_t i = 0; i < k * k; ++i)
      B[i] = c[1] * A[i];
    if (c[2] != 0.0)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)k,
                  (int)k, c[2], A, (int)k, A, (int)k, 1.0, B, (int)k);
    memcpy(Y, X, k * K * sizeof *Y);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)K,
                (int)k, 1.0, B, (int)k, X, (int)K, c[0], Y, (int)K);
    double *t = X;
    X = Y;
    Y = t;
  }
  if (transposed) {
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < n; ++j)
        Q[i * n + j] = X[j * m + i];
  } else {
    memcpy(Q, X, m * n * sizeof *Q);
  }
  if (!specot__linalg_all_finite(Q, m * n))
    st = specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                      "newton_schulz: iterate became non-finite (too many "
                      "steps of a divergent "
                      "schedule?)");
  specot_linalg_ws_free(owned);
  return st;
}
