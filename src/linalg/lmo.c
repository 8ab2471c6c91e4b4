/* Schatten LMO J_p for matrices, weighted particles and column blocks
 * (spectral_w.md section 7, muon.md section 1.4; conventions of the paper's
 * toolbox, spectral.py: schatten_lmo, particle_lmo, block_lmo). */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "linalg_internal.h"

static specot_status check_p(specot_ctx *ctx, const char *fn, double p) {
  if (isnan(p) || p < 0.5)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "%s: p = %g must be >= 1/2 (inf allowed)", fn, p);
  return SPECOT_OK;
}

/* Responses of the LMO for descending singular values s[0..k) (modified in
 * place by the rank cut-off): resp[0..*used) such that
 * J = -sum_{i<used} resp_i u_i w_i^T; returns the dual norm ||.||_{S_q}. */
static double lmo_response(double *s, size_t k, double p, double rtol,
                           double *resp, size_t *used) {
  const double s0 = s[0];
  size_t rank = 0;
  for (size_t i = 0; i < k; ++i) {
    if (!(s[i] > rtol * s0))
      s[i] = 0.0;
    if (s[i] > 0.0)
      rank = i + 1;
  }
  *used = rank;
  if (s0 == 0.0) {
    *used = 0;
    return 0.0;
  }
  if (p == 0.5) {
    /* Average over the numerically tied top singular values. */
    size_t tied = 0;
    for (size_t i = 0; i < rank; ++i)
      if (s[i] >= (1.0 - rtol) * s0)
        tied = i + 1;
    for (size_t i = 0; i < tied; ++i)
      resp[i] = s0 / (double)tied;
    *used = tied;
    return s0;
  }
  const double q =
      1.0 + 1.0 / (2.0 * p - 1.0); /* = 1 for p = inf or 2p overflowing */
  if (q == 1.0) {
    double nuc = 0.0;
    for (size_t i = 0; i < rank; ++i)
      nuc += s[i];
    for (size_t i = 0; i < rank; ++i)
      resp[i] = nuc;
    return nuc;
  }
  double acc = 0.0;
  for (size_t i = 0; i < rank; ++i)
    acc += pow(s[i] / s0, q);
  const double nu = pow(acc, 1.0 / q);
  for (size_t i = 0; i < rank; ++i)
    resp[i] = s0 * nu * pow(s[i] / s0 / nu, q - 1.0);
  return s0 * nu;
}

/* Given the thin SVD in ws (from specot__linalg_svd_a with vectors) of an
 * m x n matrix, writes V = -U diag(response) W^T (leading dimension ldv) and
 * returns the dual norm ||.||_{S_q} of the truncated spectrum.  p != 1. */
static double lmo_from_svd(specot_linalg_ws *ws, size_t m, size_t n, double p,
                           double rtol, double *V, size_t ldv) {
  const size_t k = m < n ? m : n;
  size_t used = 0;
  const double dual = lmo_response(ws->s, k, p, rtol, ws->s2, &used);
  if (used == 0) {
    for (size_t i = 0; i < m; ++i)
      memset(V + i * ldv, 0, n * sizeof *V);
    return 0.0;
  }
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < used; ++j)
      ws->u[i * k + j] *= -ws->s2[j];
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n,
              (int)used, 1.0, ws->u, (int)k, ws->vt, (int)n, 0.0, V, (int)ldv);
  return dual;
}

/* Refined Gram route (gram.c) for a well-conditioned, full-rank matrix in
 * ws->a (cost ~ half an SVD): with the first-order-refined Gram
 * eigendecomposition, J = -A f(A^T A) (or -f(A A^T) A when m < n) with
 * f(sigma^2) = resp(sigma) / sigma = dual^{2-q} sigma^{q-2}.  Taken only when
 * sigma_min/sigma_max >= max(1e-3, 2 rtol): the rank cut-off cannot act and
 * the refinement's neglected second-order term stays below ~1e-18.  Returns
 * 1 when handled (V, *dual set), 0 to fall back to the SVD, < 0 on error. */
static int lmo_gram(specot_ctx *ctx, specot_linalg_ws *ws, size_t m, size_t n,
                    double p, double rtol, double *V, size_t ldv, double *dual,
                    specot_status *st) {
  const size_t k = specot__linalg_gram(ws->a, n, m, n, ws->g1);
  if ((*st = specot__linalg_syev(ctx, ws, ws->g1, k, ws->s, 1)))
    return -1;
  const double lmax = ws->s[k - 1], lmin = ws->s[0];
  const double ratio = fmax(1e-3, 2.0 * rtol);
  if (!(lmax > 0.0) || !(lmin >= ratio * ratio * lmax))
    return 0;
  /* Singular values (ascending) into s2, refined unless cond <= 2;
   * descending copy into t1. */
  const int plain = lmin >= SPECOT__LINALG_PLAIN_GRAM_RATIO * lmax;
  double *sv = ws->s2, *sd = ws->t1, *resp = ws->t2, *phi = ws->vt;
  if (plain)
    for (size_t l = 0; l < k; ++l)
      sv[l] = sqrt(ws->s[l]);
  else
    specot__linalg_gram_refine(ws, m, n, k, sv);
  for (size_t i = 0; i < k; ++i)
    sd[i] = sv[k - 1 - i];
  size_t used = 0;
  *dual = lmo_response(sd, k, p, rtol, resp, &used);
  if (used != k || !(sv[0] > 0.0))
    return 0; /* cannot happen under the ratio test; the SVD decides */
  if (plain) {
    /* J = -A W diag(resp / sigma) W^T: root values sqrt(resp / sigma). */
    for (size_t l = 0; l < k; ++l)
      ws->s2[l] = sqrt(resp[k - 1 - l] / sv[l]);
    specot__linalg_spectral_fn(ws->g1, ws->s2, k, ws->g2, ws->g3);
    double *dst = ldv == n ? V : ws->t2;
    specot__linalg_apply_small_side(ws, m, n, ws->g3, dst);
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < n; ++j)
        V[i * ldv + j] = -dst[i * n + j];
    return 1;
  }
  for (size_t l = 0; l < k; ++l)
    phi[l] = resp[k - 1 - l] / sv[l];
  /* f(t) = c t^a with a = (q - 2) / 2 (exactly -1/2 at p = inf). */
  const double q = 1.0 + 1.0 / (2.0 * p - 1.0);
  specot__linalg_gram_apply(ws, m, n, k, sv, phi, 0.5 * (q - 2.0), -1.0, V,
                            ldv);
  return 1;
}

/* J_p of the m x n matrix already loaded in ws->a; output with leading dim ldv.
 */
static specot_status lmo_loaded(specot_ctx *ctx, specot_linalg_ws *ws, size_t m,
                                size_t n, double p, double rtol, double *V,
                                size_t ldv, double *dual) {
  if (p == 1.0) {
    *dual = specot__linalg_fro(ws->a, n, m, n);
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < n; ++j)
        V[i * ldv + j] = -ws->a[i * n + j];
    return SPECOT_OK;
  }
  /* Exact power-of-two scaling (J is 1-homogeneous) when max|a_ij| lies
   * outside [2^-256, 2^256], so that the Gram matrix neither overflows nor
   * underflows; inside that range it would only change the underflow of
   * terms below 2^-250 relative, and is skipped (saves two passes). */
  const double big = specot__linalg_max_abs(ws->a, m * n);
  double c = 1.0;
  int e = 0;
  if (big > 0.0)
    (void)frexp(big, &e);
  if (e < -256 || e > 256) {
    c = ldexp(1.0, -e);
    for (size_t i = 0; i < m * n; ++i)
      ws->a[i] *= c;
  }
  specot_status st = SPECOT_OK;
  int handled = 0;
  if (p != 0.5 && big > 0.0) {
    /* The Gram route reads ws->a and keeps it intact for the SVD fallback. */
    handled = lmo_gram(ctx, ws, m, n, p, rtol, V, ldv, dual, &st);
    if (handled < 0)
      return st;
  }
  if (!handled) {
    if ((st = specot__linalg_svd_a(ctx, ws, m, n, 1)))
      return st;
    *dual = lmo_from_svd(ws, m, n, p, rtol, V, ldv);
  }
  if (c != 1.0) {
    const double inv = 1.0 / c;
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < n; ++j)
        V[i * ldv + j] *= inv;
    *dual *= inv;
  }
  return SPECOT_OK;
}

/* Dual norm ||.||_{S_q} (truncated) of the matrix loaded in ws->a; no vectors.
 */
static specot_status dual_loaded(specot_ctx *ctx, specot_linalg_ws *ws,
                                 size_t m, size_t n, double p, double rtol,
                                 double *dual) {
  if (p == 1.0) {
    *dual = specot__linalg_fro(ws->a, n, m, n);
    return SPECOT_OK;
  }
  specot_status st = specot__linalg_svd_a(ctx, ws, m, n, 0);
  if (st)
    return st;
  const size_t k = m < n ? m : n;
  const double s0 = ws->s[0];
  for (size_t i = 0; i < k; ++i)
    if (!(ws->s[i] > rtol * s0))
      ws->s[i] = 0.0;
  if (p == 0.5 || s0 == 0.0) {
    *dual = s0;
    return SPECOT_OK;
  }
  const double q = 1.0 + 1.0 / (2.0 * p - 1.0);
  *dual = specot__linalg_power_norm(ws->s, k, s0, q);
  return SPECOT_OK;
}

static specot_status lmo_checks(specot_ctx *ctx, const char *fn,
                                const double *G, size_t m, size_t n, double p,
                                double rtol_in, double *rtol, double *V) {
  specot_status st = check_p(ctx, fn, p);
  if (st)
    return st;
  if ((st = specot__linalg_check_matrix(ctx, fn, "G", G, m, n)))
    return st;
  if (!V)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: output V is NULL", fn);
  return specot__linalg_rtol(ctx, fn, rtol_in, m, n, rtol);
}

specot_status specot_linalg_lmo(specot_ctx *ctx, specot_linalg_ws *ws,
                                const double *G, size_t m, size_t n, double p,
                                double rtol, double *V, double *dual_norm) {
  specot__ctx_reset(ctx);
  double rt;
  specot_status st = lmo_checks(ctx, "lmo", G, m, n, p, rtol, &rt, V);
  if (st)
    return st;
  specot_linalg_ws *w, *owned;
  if ((st = specot__linalg_ws_get(ctx, "lmo", ws, m, n, &w, &owned)))
    return st;
  specot__linalg_load(w, G, n, m, n);
  double dual = 0.0;
  st = lmo_loaded(ctx, w, m, n, p, rt, V, n, &dual);
  if (!st && dual_norm)
    *dual_norm = dual;
  specot_linalg_ws_free(owned);
  return st;
}

specot_status specot_linalg_particle_lmo(specot_ctx *ctx, specot_linalg_ws *ws,
                                         const double *G, size_t n, size_t d,
                                         const double *w, double p, double rtol,
                                         double *V, double *dual_norm) {
  specot__ctx_reset(ctx);
  double rt;
  specot_status st = lmo_checks(ctx, "particle_lmo", G, n, d, p, rtol, &rt, V);
  if (st)
    return st;
  if ((st = specot__linalg_check_weights(ctx, "particle_lmo", w, n)))
    return st;
  specot_linalg_ws *ww, *owned;
  if ((st = specot__linalg_ws_get(ctx, "particle_lmo", ws, n, d, &ww, &owned)))
    return st;
  const double uniform = sqrt(1.0 / (double)n);
  for (size_t i = 0; i < n; ++i) {
    const double r = w ? sqrt(w[i]) : uniform;
    for (size_t j = 0; j < d; ++j)
      ww->a[i * d + j] = r * G[i * d + j];
  }
  double dual = 0.0;
  st = lmo_loaded(ctx, ww, n, d, p, rt, V, d, &dual);
  if (!st) {
    for (size_t i = 0; i < n; ++i) {
      const double r = w ? sqrt(w[i]) : uniform;
      for (size_t j = 0; j < d; ++j)
        V[i * d + j] = r > 0.0 ? V[i * d + j] / r : 0.0;
    }
    if (dual_norm)
      *dual_norm = dual;
  }
  specot_linalg_ws_free(owned);
  return st;
}

static specot_status check_blocks(specot_ctx *ctx, const char *fn, size_t n,
                                  const size_t *widths, size_t nblocks,
                                  specot_linalg_block_gauge gauge) {
  if (gauge != SPECOT_LINALG_BLOCK_SUM && gauge != SPECOT_LINALG_BLOCK_MAX)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: unknown block gauge %d",
                        fn, (int)gauge);
  if (!widths || nblocks == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: no column blocks given",
                        fn);
  size_t total = 0;
  for (size_t b = 0; b < nblocks; ++b) {
    if (widths[b] == 0 || widths[b] > n - total)
      return specot__fail(
          ctx, SPECOT_ERR_INVALID,
          "%s: block widths must be positive and sum to the column count %zu",
          fn, n);
    total += widths[b];
  }
  if (total != n)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "%s: block widths sum to %zu, not the column count %zu",
                        fn, total, n);
  return SPECOT_OK;
}

specot_status specot_linalg_block_lmo(specot_ctx *ctx, specot_linalg_ws *ws,
                                      const double *G, size_t m, size_t n,
                                      const size_t *widths, size_t nblocks,
                                      double p, specot_linalg_block_gauge gauge,
                                      double rtol, double *V,
                                      double *dual_norm) {
  specot__ctx_reset(ctx);
  double rt;
  specot_status st = lmo_checks(ctx, "block_lmo", G, m, n, p, rtol, &rt, V);
  if (st)
    return st;
  if ((st = check_blocks(ctx, "block_lmo", n, widths, nblocks, gauge)))
    return st;
  specot_linalg_ws *w, *owned;
  if ((st = specot__linalg_ws_get(ctx, "block_lmo", ws, m, n, &w, &owned)))
    return st;
  /* MAX gauge: the common clock needs sum_a ||G_a||_{S_q} before any output
   * is written (V may alias G): a first pass of singular values only. */
  double total = 0.0, sumsq = 0.0;
  if (gauge == SPECOT_LINALG_BLOCK_MAX) {
    size_t off = 0;
    for (size_t b = 0; b < nblocks && !st; off += widths[b], ++b) {
      double rb = rtol < 0.0
                      ? DBL_EPSILON * (double)(m > widths[b] ? m : widths[b])
                      : rt;
      double dual = 0.0;
      specot__linalg_load(w, G + off, n, m, widths[b]);
      st = dual_loaded(ctx, w, m, widths[b], p, rb, &dual);
      total += dual;
    }
  }
  size_t off = 0;
  for (size_t b = 0; b < nblocks && !st; off += widths[b], ++b) {
    const size_t wb = widths[b];
    double rb = rtol < 0.0 ? DBL_EPSILON * (double)(m > wb ? m : wb) : rt;
    double dual = 0.0;
    specot__linalg_load(w, G + off, n, m, wb);
    st = lmo_loaded(ctx, w, m, wb, p, rb, V + off, n, &dual);
    if (st)
      break;
    sumsq += dual * dual;
    if (gauge == SPECOT_LINALG_BLOCK_MAX) {
      /* V_b = J_p(G_b) * N* / ||G_b||_{S_q}. */
      const double scale = dual > 0.0 ? total / dual : 0.0;
      for (size_t i = 0; i < m; ++i)
        for (size_t j = 0; j < wb; ++j)
          V[i * n + off + j] *= scale;
    }
  }
  if (!st && dual_norm)
    *dual_norm = gauge == SPECOT_LINALG_BLOCK_MAX ? total : sqrt(sumsq);
  specot_linalg_ws_free(owned);
  return st;
}

specot_status specot_linalg_block_norm(specot_ctx *ctx, specot_linalg_ws *ws,
                                       const double *V, size_t m, size_t n,
                                       const size_t *widths, size_t nblocks,
                                       double p,
                                       specot_linalg_block_gauge gauge,
                                       double *value) {
  specot__ctx_reset(ctx);
  specot_status st = check_p(ctx, "block_norm", p);
  if (st)
    return st;
  if ((st = specot__linalg_check_matrix(ctx, "block_norm", "V", V, m, n)))
    return st;
  if ((st = check_blocks(ctx, "block_norm", n, widths, nblocks, gauge)))
    return st;
  if (!value)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "block_norm: value is NULL");
  specot_linalg_ws *w, *owned;
  if ((st = specot__linalg_ws_get(ctx, "block_norm", ws, m, n, &w, &owned)))
    return st;
  double acc = 0.0;
  size_t off = 0;
  for (size_t b = 0; b < nblocks && !st; off += widths[b], ++b) {
    const size_t wb = widths[b], k = m < wb ? m : wb;
    specot__linalg_load(w, V + off, n, m, wb);
    st = specot__linalg_svd_a(ctx, w, m, wb, 0);
    if (st)
      break;
    const double nb = specot__linalg_power_norm(w->s, k, w->s[0], 2.0 * p);
    acc = gauge == SPECOT_LINALG_BLOCK_MAX ? fmax(acc, nb) : acc + nb * nb;
  }
  if (!st)
    *value = gauge == SPECOT_LINALG_BLOCK_MAX ? acc : sqrt(acc);
  specot_linalg_ws_free(owned);
  return st;
}
