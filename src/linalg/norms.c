/* Singular values, Schatten norms and gauges, second moments, velocity norms.
 */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "linalg_internal.h"

specot_status specot_linalg_svd(specot_ctx *ctx, specot_linalg_ws *ws, const double *A, size_t m,
                                size_t n, double *U, double *s, double *Wt) {
  specot__ctx_reset(ctx);
  specot_status st = specot__linalg_check_matrix(ctx, "svd", "A", A, m, n);
  if (st) return st;
  if (!s) return specot__fail(ctx, SPECOT_ERR_INVALID, "svd: output s is NULL");
  specot_linalg_ws *w, *owned;
  if ((st = specot__linalg_ws_get(ctx, "svd", ws, m, n, &w, &owned))) return st;
  specot__linalg_load(w, A, n, m, n);
  const size_t k = m < n ? m : n;
  st = specot__linalg_svd_a(ctx, w, m, n, U != NULL || Wt != NULL);
  if (!st) {
    memcpy(s, w->s, k * sizeof *s);
    if (U) memcpy(U, w->u, m * k * sizeof *U);
    if (Wt) memcpy(Wt, w->vt, k * n * sizeof *Wt);
  }
  specot_linalg_ws_free(owned);
  return st;
}

specot_status specot_linalg_singular_values(specot_ctx *ctx, specot_linalg_ws *ws,
                                            const double *A, size_t m, size_t n, double *s) {
  return specot_linalg_svd(ctx, ws, A, m, n, NULL, s, NULL);
}

specot_status specot_linalg_schatten_norm(specot_ctx *ctx, specot_linalg_ws *ws,
                                          const double *A, size_t m, size_t n,
                                          double r, double *value) {
  specot__ctx_reset(ctx);
  if (isnan(r) || r < 1.0)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "schatten_norm: order r = %g must be >= 1", r);
  if (!value)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "schatten_norm: value is NULL");
  specot_status st =
      specot__linalg_check_matrix(ctx, "schatten_norm", "A", A, m, n);
  if (st)
    return st;
  specot_linalg_ws *w, *owned;
  if ((st = specot__linalg_ws_get(ctx, "schatten_norm", ws, m, n, &w, &owned)))
    return st;
  specot__linalg_load(w, A, n, m, n);
  st = specot__linalg_svd_a(ctx, w, m, n, 0);
  if (!st) {
    const size_t k = m < n ? m : n;
    *value = specot__linalg_power_norm(w->s, k, w->s[0], r);
  }
  specot_linalg_ws_free(owned);
  return st;
}

specot_status specot_linalg_schatten_gauge(specot_ctx *ctx,
                                           specot_linalg_ws *ws,
                                           const double *S, size_t d, double p,
                                           double *value) {
  specot__ctx_reset(ctx);
  if (isnan(p) || p < 0.5)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "schatten_gauge: p = %g must be >= 1/2", p);
  if (!value)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "schatten_gauge: value is NULL");
  specot_status st =
      specot__linalg_check_matrix(ctx, "schatten_gauge", "S", S, d, d);
  if (st)
    return st;
  specot_linalg_ws *w, *owned;
  if ((st = specot__linalg_ws_get(ctx, "schatten_gauge", ws, d, d, &w, &owned)))
    return st;
  double asym = 0.0;
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) {
      w->g1[i * d + j] = 0.5 * (S[i * d + j] + S[j * d + i]);
      asym = fmax(asym, fabs(S[i * d + j] - S[j * d + i]));
    }
  st = specot__linalg_syev(ctx, w, w->g1, d, w->s, 0);
  if (!st) {
    const double big = fmax(fabs(w->s[0]), fabs(w->s[d - 1]));
    const double tol = 1e-12 * fmax(big, DBL_MIN);
    if (asym > tol)
      st = specot__fail(
          ctx, SPECOT_ERR_INVALID,
          "schatten_gauge: S is not symmetric (max |S - S^T| = %g > %g)", asym,
          tol);
    else if (w->s[0] < -tol)
      st = specot__fail(ctx, SPECOT_ERR_INVALID,
                        "schatten_gauge: S is not PSD (eigenvalue %g < -%g)",
                        w->s[0], tol);
    else {
      /* dsyevd's absolute accuracy is ~ d eps ||S||: smaller eigenvalues are
       * rounding noise and count as 0 (matters only for p < 1). */
      const double noise = (double)d * DBL_EPSILON * big;
      for (size_t i = 0; i < d; ++i)
        w->s[i] = w->s[i] > noise ? w->s[i] : 0.0;
      *value = specot__linalg_power_norm(w->s, d, w->s[d - 1], p);
    }
  }
  specot_linalg_ws_free(owned);
  return st;
}

specot_status specot_linalg_second_moment(specot_ctx *ctx, const double *X,
                                          size_t n, size_t d, const double *w,
                                          double *S) {
  specot__ctx_reset(ctx);
  specot_status st =
      specot__linalg_check_matrix(ctx, "second_moment", "X", X, n, d);
  if (st)
    return st;
  size_t dd;
  if (specot__mul_size(d, d, &dd) != 0)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE,
                        "second_moment: d = %zu is too large", d);
  if (!S)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "second_moment: output S is NULL");
  if ((st = specot__linalg_check_weights(ctx, "second_moment", w, n)))
    return st;
  memset(S, 0, dd * sizeof *S);
  const double uniform = 1.0 / (double)n;
  for (size_t i = 0; i < n; ++i) {
    const double wi = w ? w[i] : uniform;
    if (wi == 0.0)
      continue;
    cblas_dsyr(CblasRowMajor, CblasUpper, (int)d, wi, X + i * d, 1, S, (int)d);
  }
  for (size_t i = 0; i < d; ++i)
    for (size_t j = i + 1; j < d; ++j)
      S[j * d + i] = S[i * d + j];
  return SPECOT_OK;
}

specot_status specot_linalg_velocity_norm(specot_ctx *ctx, specot_linalg_ws *ws,
                                          const double *V, size_t n, size_t d,
                                          const double *w, double p,
                                          double *value) {
  specot__ctx_reset(ctx);
  if (isnan(p) || p < 0.5)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "velocity_norm: p = %g must be >= 1/2", p);
  if (!value)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "velocity_norm: value is NULL");
  specot_status st =
      specot__linalg_check_matrix(ctx, "velocity_norm", "V", V, n, d);
  if (st)
    return st;
  if ((st = specot__linalg_check_weights(ctx, "velocity_norm", w, n)))
    return st;
  specot_linalg_ws *ww, *owned;
  if ((st = specot__linalg_ws_get(ctx, "velocity_norm", ws, n, d, &ww, &owned)))
    return st;
  const double uniform = sqrt(1.0 / (double)n);
  for (size_t i = 0; i < n; ++i) {
    const double r = w ? sqrt(w[i]) : uniform;
    for (size_t j = 0; j < d; ++j)
      ww->a[i * d + j] = r * V[i * d + j];
  }
  st = specot__linalg_svd_a(ctx, ww, n, d, 0);
  if (!st)
    *value = specot__linalg_power_norm(ww->s, n < d ? n : d, ww->s[0], 2.0 * p);
  specot_linalg_ws_free(owned);
  return st;
}
