/* Regularized orthogonalization O_eps, its potential Phi_eps, the conjugate,
 * the mirror map and the Hessian–vector product (muon.md section 1.3). */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "linalg_internal.h"

static specot_status check_eps(specot_ctx *ctx, const char *fn, double eps) {
  if (!(eps > 0.0) || !isfinite(eps))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "%s: eps = %g must be finite and > 0", fn, eps);
  return SPECOT_OK;
}

/* The small-side Gram matrix (k x k) of an unscaled G overflows when
 * max|g_ij| is beyond ~1e154: say so instead of letting the eigensolver fail
 * on infinities. */
static specot_status check_gram(specot_ctx *ctx, const char *fn,
                                const double *gram, size_t k, double eps) {
  if (specot__linalg_all_finite(gram, k * k))
    return SPECOT_OK;
  return specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                      "%s: G^T G overflows (entries of G beyond ~1e154) "
                      "and eps = %g is too small to rescale with G; scale "
                      "G and eps together (O_eps(cG) = O_{eps/c^2}(G))",
                      fn, eps);
}

specot_status specot_linalg_reg_polar(specot_ctx *ctx, specot_linalg_ws *ws,
                                      const double *G, size_t m, size_t n,
                                      double eps, double *O, double *phi) {
  specot__ctx_reset(ctx);
  specot_status st = check_eps(ctx, "reg_polar", eps);
  if (st)
    return st;
  if ((st = specot__linalg_check_matrix(ctx, "reg_polar", "G", G, m, n)))
    return st;
  if (!O && !phi)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "reg_polar: both outputs O and phi are NULL");
  specot_linalg_ws *w, *owned;
  if ((st = specot__linalg_ws_get(ctx, "reg_polar", ws, m, n, &w, &owned)))
    return st;
  const size_t r0 = m < n ? m : n;
  double c;
  if (!specot__linalg_load_scaled(w, G, m, n, &c)) {
    if (O)
      memset(O, 0, m * n * sizeof *O);
    if (phi)
      *phi = (double)r0 * sqrt(eps);
    specot_linalg_ws_free(owned);
    return SPECOT_OK;
  }
  /* O_eps(G) = O_{eps c^2}(cG) and Phi_eps(G) = Phi_{eps c^2}(cG) / c; when
   * eps c^2 leaves the normal range, work unscaled instead. */
  double e2 = eps * c * c;
  if (!isfinite(e2) || e2 < DBL_MIN) {
    memcpy(w->a, G, m * n * sizeof *G);
    c = 1.0;
    e2 = eps;
  }
  const size_t k = specot__linalg_gram(w->a, n, m, n, w->g1);
  st = check_gram(ctx, "reg_polar", w->g1, k, eps);
  if (!st)
    st = specot__linalg_syev(ctx, w, w->g1, k, w->s, 1);
  if (!st) {
    double total = 0.0;
    for (size_t i = 0; i < k; ++i) {
      const double lam = fmax(w->s[i], 0.0) + e2;
      total += sqrt(lam);
      w->s2[i] = pow(lam, -0.25);
    }
    if (phi)
      *phi = total / c;
    if (O) {
      specot__linalg_spectral_fn(w->g1, w->s2, k, w->g2, w->g3);
      specot__linalg_apply_small_side(w, m, n, w->g3, O);
      if (!specot__linalg_all_finite(O, m * n))
        st = specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                          "reg_polar: non-finite result");
    }
  }
  specot_linalg_ws_free(owned);
  return st;
}

specot_status specot_linalg_reg_conjugate(specot_ctx *ctx, specot_linalg_ws *ws,
                                          const double *U, size_t m, size_t n,
                                          double eps, double *value) {
  specot__ctx_reset(ctx);
  specot_status st = check_eps(ctx, "reg_conjugate", eps);
  if (st)
    return st;
  if ((st = specot__linalg_check_matrix(ctx, "reg_conjugate", "U", U, m, n)))
    return st;
  if (!value)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "reg_conjugate: value is NULL");
  specot_linalg_ws *w, *owned;
  if ((st = specot__linalg_ws_get(ctx, "reg_conjugate", ws, m, n, &w, &owned)))
    return st;
  specot__linalg_load(w, U, n, m, n);
  st = specot__linalg_svd_a(ctx, w, m, n, 0);
  if (!st) {
    const size_t k = m < n ? m : n;
    /* Rounding slack for ||U||_op = 1 exactly (e.g. a computed polar factor).
     */
    const double slack = 4.0 * (double)(m > n ? m : n) * DBL_EPSILON;
    if (w->s[0] > 1.0 + slack) {
      *value = INFINITY;
    } else {
      double acc = 0.0;
      for (size_t i = 0; i < k; ++i) {
        const double s = fmin(w->s[i], 1.0);
        acc += sqrt((1.0 - s) * (1.0 + s));
      }
      *value = -sqrt(eps) * acc;
    }
  }
  specot_linalg_ws_free(owned);
  return st;
}

specot_status specot_linalg_reg_mirror(specot_ctx *ctx, specot_linalg_ws *ws,
                                       const double *U, size_t m, size_t n,
                                       double eps, double *G) {
  specot__ctx_reset(ctx);
  specot_status st = check_eps(ctx, "reg_mirror", eps);
  if (st)
    return st;
  if ((st = specot__linalg_check_matrix(ctx, "reg_mirror", "U", U, m, n)))
    return st;
  if (!G)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "reg_mirror: output G is NULL");
  specot_linalg_ws *w, *owned;
  if ((st = specot__linalg_ws_get(ctx, "reg_mirror", ws, m, n, &w, &owned)))
    return st;
  specot__linalg_load(w, U, n, m, n);
  const size_t k = specot__linalg_gram(w->a, n, m, n, w->g1);
  st = specot__linalg_syev(ctx, w, w->g1, k, w->s, 1);
  if (!st && !(w->s[k - 1] < 1.0))
    st = specot__fail(
        ctx, SPECOT_ERR_INVALID,
        "reg_mirror: ||U||_op = %.17g must be < 1 (outside the mirror domain)",
        sqrt(w->s[k - 1]));
  if (!st) {
    /* G = sqrt(eps) U (I - U^T U)^{-1/2}: root values (1 - lambda)^{-1/4}. */
    for (size_t i = 0; i < k; ++i)
      w->s2[i] = pow(1.0 - fmax(w->s[i], 0.0), -0.25);
    specot__linalg_spectral_fn(w->g1, w->s2, k, w->g2, w->g3);
    const double r = sqrt(eps);
    for (size_t i = 0; i < k * k; ++i)
      w->g3[i] *= r;
    specot__linalg_apply_small_side(w, m, n, w->g3, G);
    if (!specot__linalg_all_finite(G, m * n))
      st = specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                        "reg_mirror: non-finite result");
  }
  specot_linalg_ws_free(owned);
  return st;
}

/* Small-side HVP (see header).  Left = (m >= n): matrices multiply from the
 * right (out = H N1 + G N2); otherwise from the left (out = N1 H + N2 G). */
specot_status specot_linalg_reg_hvp(specot_ctx *ctx, specot_linalg_ws *ws,
                                    const double *G, const double *H, size_t m,
                                    size_t n, double eps, double *out) {
  specot__ctx_reset(ctx);
  specot_status st = check_eps(ctx, "reg_hvp", eps);
  if (st)
    return st;
  if ((st = specot__linalg_check_matrix(ctx, "reg_hvp", "G", G, m, n)))
    return st;
  if ((st = specot__linalg_check_matrix(ctx, "reg_hvp", "H", H, m, n)))
    return st;
  if (!out)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "reg_hvp: output is NULL");
  specot_linalg_ws *w, *owned;
  if ((st = specot__linalg_ws_get(ctx, "reg_hvp", ws, m, n, &w, &owned)))
    return st;
  const int right = m >= n;
  const size_t k = specot__linalg_gram(G, n, m, n, w->g1);
  st = check_gram(ctx, "reg_hvp", w->g1, k, eps);
  if (!st)
    st = specot__linalg_syev(ctx, w, w->g1, k, w->s, 1);
  if (st)
    goto done;
  double *Et = w->g1, *T = w->g2, *tmp = w->g3, *E = w->g4, *s = w->s;
  const int K = (int)k, M = (int)m, N = (int)n;
  for (size_t i = 0; i < k; ++i)
    s[i] = sqrt(fmax(s[i], 0.0) + eps);
  /* T = G^T H (right) or G H^T (left), then symmetrised. */
  if (right)
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, K, M, 1.0, G, N, H,
                N, 0.0, T, K);
  else
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, K, K, N, 1.0, G, N, H,
                N, 0.0, T, K);
  for (size_t i = 0; i < k; ++i)
    for (size_t j = i; j < k; ++j) {
      const double v = T[i * k + j] + T[j * k + i];
      T[i * k + j] = v;
      T[j * k + i] = v;
    }
  /* E = W^T T W with W^T = Et (eigenvectors as rows); F = E o K in place. */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, K, K, K, 1.0, Et, K, T,
              K, 0.0, tmp, K);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, K, K, K, 1.0, tmp, K, Et,
              K, 0.0, E, K);
  for (size_t i = 0; i < k; ++i)
    for (size_t j = 0; j < k; ++j)
      E[i * k + j] *= -1.0 / (s[i] * s[j] * (s[i] + s[j]));
  /* N2 = W F W^T = Et^T F Et into T. */
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, K, K, 1.0, Et, K, E,
              K, 0.0, tmp, K);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, K, K, K, 1.0, tmp, K,
              Et, K, 0.0, T, K);
  if (right)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0, G, N,
                T, K, 0.0, out, N);
  else
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0, T, K,
                G, N, 0.0, out, N);
  /* N1 = W diag(1/s) W^T into T (root values s^{-1/2}). */
  for (size_t i = 0; i < k; ++i)
    w->s2[i] = 1.0 / sqrt(s[i]);
  specot__linalg_spectral_fn(Et, w->s2, k, tmp, T);
  if (right)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0, H, N,
                T, K, 1.0, out, N);
  else
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0, T, K,
                H, N, 1.0, out, N);
  if (!specot__linalg_all_finite(out, m * n))
    st = specot__fail(ctx, SPECOT_ERR_NUMERICAL, "reg_hvp: non-finite result");
done:
  specot_linalg_ws_free(owned);
  return st;
}
