/*
 * Public entry points of the matrix-free Sinkhorn solve: validation, the
 * result scalars (one extra pass over the tiles) and the sparse thresholded
 * plan.  See online.c for the reductions.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "online_internal.h"
#include "sinkhorn_internal.h"

typedef struct fin_sums {
  double cost, mass, fg, lb;
} fin_sums;

/* Columns of the plan pass: hq0 = g + eps log b and g0 = g (0 at zero
 * mass), nlogb = -log b (0 at zero mass). */
typedef struct fin_cols {
  const double *hq0, *g0, *nlogb;
} fin_cols;

/* Rows [r0, r1) of the result pass: per row, over all column tiles,
 * rs = sum_j pi_j, pz = sum pi_j z_j, ph = sum pi_j hq0_j, pg = sum pi_j g0_j
 * and lbm = max_j (z_j - log b_j); then
 *   <pi, C>_row = |x|^2 s rs + ph - eps pz (C = s|x|^2 + hq - eps z),
 *   g^c_i = s|x_i|^2 - eps lbm. */
static void finish_block(const specot_ot_online_ws *ws, size_t r0, size_t r1, const double *f,
                         fin_cols cols, double eps, double *buf, fin_sums *out) {
  const size_t d = ws->d, m = ws->m, nr = r1 - r0;
  double *z = buf, *pi = buf + SPECOT__ONL_TJ, *acc = buf + 2 * SPECOT__ONL_TJ;
  double *rs = acc, *pz = acc + nr, *ph = acc + 2 * nr, *pg = acc + 3 * nr;
  double lbm[SPECOT__ONL_TI];
  for (size_t k = 0; k < 4 * nr; ++k) acc[k] = 0.0;
  for (size_t k = 0; k < nr; ++k) lbm[k] = -INFINITY;
  for (size_t j0 = 0; j0 < m; j0 += SPECOT__ONL_TJ) {
    const size_t len = m - j0 < SPECOT__ONL_TJ ? m - j0 : SPECOT__ONL_TJ;
    for (size_t r = r0; r < r1; ++r) {
      if (ws->loga[r] == -INFINITY) continue;
      const size_t k = r - r0;
      const double c = (f[r] + eps * ws->loga[r] - ws->nx[r]) / eps;
      (void)specot__onl_zrow(ws->X + r * d, d, ws->QT + j0, m, len, z, ws->simd);
      const double mx = specot__onl_maxadd(z, cols.nlogb + j0, len, ws->simd);
      lbm[k] = mx > lbm[k] ? mx : lbm[k];
      rs[k] += specot__onl_expsum(z, len, -c, pi, ws->simd);
      pz[k] += specot__ot_dot(pi, z, len, ws->simd);
      ph[k] += specot__ot_dot(pi, cols.hq0 + j0, len, ws->simd);
      pg[k] += specot__ot_dot(pi, cols.g0 + j0, len, ws->simd);
    }
  }
  for (size_t r = r0; r < r1; ++r) {
    if (ws->loga[r] == -INFINITY) continue;
    const size_t k = r - r0;
    out->cost += ws->nx[r] * rs[k] + ph[k] - eps * pz[k];
    out->mass += rs[k];
    out->fg += f[r] * rs[k] + pg[k];
    out->lb += exp(ws->loga[r]) * (ws->nx[r] - eps * lbm[k]);
  }
}

static void finish(specot_ot_online_ws *ws, const double *f, const double *g, double eps,
                   specot_ot_sinkhorn_result *r) {
  const size_t n = ws->n, m = ws->m;
  /* Scratch for the three column vectors: h (big), t (big) and colacc. */
  double *hq0 = ws->h, *g0 = ws->t, *nlogb = ws->colacc;
  double ta = 0.0, tb = 0.0, af = 0.0, bg = 0.0;
  for (size_t j = 0; j < m; ++j) {
    const int pos = ws->logb[j] > -INFINITY;
    hq0[j] = pos ? g[j] + eps * ws->logb[j] : -INFINITY;
    g0[j] = pos ? g[j] : 0.0;
    nlogb[j] = pos ? -ws->logb[j] : 0.0;
    if (pos) {
      tb += exp(ws->logb[j]);
      bg += exp(ws->logb[j]) * g[j];
    }
  }
  for (size_t i = 0; i < n; ++i)
    if (ws->loga[i] > -INFINITY) {
      ta += exp(ws->loga[i]);
      af += exp(ws->loga[i]) * f[i];
    }
  const specot__onl_side Y = {ws->Y, ws->ny, m};
  specot__onl_load_cols(ws, Y, hq0, eps);
  for (size_t j = 0; j < m; ++j)
    if (hq0[j] == -INFINITY) hq0[j] = 0.0;
  const size_t nblocks = (n + SPECOT__ONL_TI - 1) / SPECOT__ONL_TI;
  double cost = 0.0, mass = 0.0, fg = 0.0, lb = 0.0;
  const fin_cols cols = {hq0, g0, nlogb};
#pragma omp parallel for schedule(dynamic, 1) num_threads(ws->nt) \
    reduction(+ : cost, mass, fg, lb) if (n * m >= 32768)
  for (size_t bk = 0; bk < nblocks; ++bk) {
    int tid = 0;
#ifdef _OPENMP
    tid = omp_get_thread_num();
#endif
    const size_t r0 = bk * SPECOT__ONL_TI, r1 = r0 + SPECOT__ONL_TI < n ? r0 + SPECOT__ONL_TI : n;
    fin_sums s = {0, 0, 0, 0};
    finish_block(ws, r0, r1, f, cols, eps, ws->tile + (size_t)tid * ws->tile_stride, &s);
    cost += s.cost;
    mass += s.mass;
    fg += s.fg;
    lb += s.lb;
  }
  r->cost = cost;
  r->regularized_cost = fg - eps * mass + eps * ta * tb;
  r->dual_objective = af + bg - eps * (mass - ta * tb);
  r->lower_bound = lb + bg;
}

specot_status specot_ot_online_sinkhorn_solve(specot_ctx *ctx, specot_ot_online_ws *ws,
                                              const double *a, const double *b, const double *X,
                                              const double *Y, double scale, double eps,
                                              const specot_ot_sinkhorn_opts *opts, double *f,
                                              double *g, specot_ot_sinkhorn_result *result) {
  static const char who[] = "online sinkhorn";
  specot__ctx_reset(ctx);
  specot_ot_sinkhorn_opts o;
  if (opts)
    o = *opts;
  else
    specot_ot_sinkhorn_opts_init(&o);
  if (result) memset(result, 0, sizeof *result);
  specot_status st = specot__onl_check(ctx, who, ws, a, b, X, Y, scale, eps, &o);
  if (st) return st;
  if (!f || !g) return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: f and g must be non-NULL", who);
  if (o.warm_start && (!specot__all_finite(f, ws->n) || !specot__all_finite(g, ws->m)))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: warm-start potentials must be finite", who);
  const double range = specot__onl_prepare(ws, X, Y, scale);
  specot__ot_log_weights(a, ws->n, ws->loga);
  specot__ot_log_weights(b, ws->m, ws->logb);
  if (!o.warm_start) {
    memset(f, 0, ws->n * sizeof(double));
    memset(g, 0, ws->m * sizeof(double));
  }
  const double eps0 =
      o.eps_scaling && !o.warm_start ? specot__ot_eps_start_from_range(range, eps, &o) : eps;
  size_t iters = 0;
  double err = INFINITY;
  st = specot__onl_run(ws, ctx, &o, eps, eps0, f, g, &iters, &err);
  if (st == SPECOT_ERR_CANCELLED)
    return specot__fail(ctx, st, "%s: cancelled (eps = %g)", who, eps);
  if (st == SPECOT_ERR_NUMERICAL)
    return specot__fail(ctx, st, "%s: non-finite potentials after %zu iterations (eps = %g)", who,
                        iters, eps);
  specot__ot_normalise(ws->loga, ws->n, ws->logb, ws->m, f, g);
  if (result) {
    finish(ws, f, g, eps, result);
    result->iterations = iters;
    result->marginal_error = err;
    result->status = st;
    if (!isfinite(result->cost) || !isfinite(result->regularized_cost))
      return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "%s: non-finite cost", who);
  }
  if (st == SPECOT_WARN_MAXITER)
    specot__fail(ctx, st, "%s: max_iter = %zu reached; marginal violation %.3g > tol %.3g", who,
                 o.max_iter, err, o.tol);
  return st;
}

/* ---- sparse thresholded plan -------------------------------------------- */

/* Rows [r0, r1): counts (pos == NULL) or writes the entries >= thr. */
static void plan_block(const specot_ot_online_ws *ws, size_t r0, size_t r1, const double *f,
                       double eps, double thr, double *buf, size_t *count, size_t *pos, size_t *row,
                       size_t *col, double *mass) {
  const size_t d = ws->d, m = ws->m;
  double *z = buf, *pi = buf + SPECOT__ONL_TJ;
  for (size_t j0 = 0; j0 < m; j0 += SPECOT__ONL_TJ) {
    const size_t len = m - j0 < SPECOT__ONL_TJ ? m - j0 : SPECOT__ONL_TJ;
    for (size_t r = r0; r < r1; ++r) {
      if (ws->loga[r] == -INFINITY) continue;
      /* pi_ij = a_i b_j exp((f_i + g_j - C_ij)/eps) = exp(z_ij + c_i). */
      const double c = (f[r] + eps * ws->loga[r] - ws->nx[r]) / eps;
      (void)specot__onl_zrow(ws->X + r * d, d, ws->QT + j0, m, len, z, ws->simd);
      (void)specot__onl_expsum(z, len, -c, pi, ws->simd);
      for (size_t j = 0; j < len; ++j) {
        if (!(pi[j] >= thr)) continue;
        if (pos) {
          row[pos[r]] = r;
          col[pos[r]] = j0 + j;
          mass[pos[r]++] = pi[j];
        } else {
          ++count[r];
        }
      }
    }
  }
}

static void plan_pass(specot_ot_online_ws *ws, const double *f, double eps, double thr,
                      size_t *count, size_t *pos, size_t *row, size_t *col, double *mass) {
  const size_t n = ws->n, m = ws->m, nblocks = (n + SPECOT__ONL_TI - 1) / SPECOT__ONL_TI;
#pragma omp parallel for schedule(dynamic, 1) num_threads(ws->nt) if (n * m >= 32768)
  for (size_t bk = 0; bk < nblocks; ++bk) {
    int tid = 0;
#ifdef _OPENMP
    tid = omp_get_thread_num();
#endif
    const size_t r0 = bk * SPECOT__ONL_TI, r1 = r0 + SPECOT__ONL_TI < n ? r0 + SPECOT__ONL_TI : n;
    plan_block(ws, r0, r1, f, eps, thr, ws->tile + (size_t)tid * ws->tile_stride, count, pos, row,
               col, mass);
  }
}

specot_status specot_ot_online_plan_sparse(specot_ctx *ctx, specot_ot_online_ws *ws,
                                           const double *a, const double *b, const double *X,
                                           const double *Y, double scale, double eps,
                                           const double *f, const double *g, double threshold,
                                           size_t cap, size_t *row, size_t *col, double *mass,
                                           size_t *nnz) {
  static const char who[] = "online plan";
  specot__ctx_reset(ctx);
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  if (nnz) *nnz = 0;
  specot_status st = specot__onl_check(ctx, who, ws, a, b, X, Y, scale, eps, &o);
  if (st) return st;
  if (!f || !g || !nnz)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: f, g and nnz must be non-NULL", who);
  if (row && (!col || !mass))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: row, col and mass go together", who);
  if (!(threshold > 0.0) || !isfinite(threshold))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: threshold = %g must be finite and > 0", who,
                        threshold);
  if (!specot__all_finite(f, ws->n) || !specot__all_finite(g, ws->m))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: potentials must be finite", who);
  const size_t n = ws->n, m = ws->m;
  size_t *count = calloc(n + 1, sizeof *count);
  if (!count) return specot__fail(ctx, SPECOT_ERR_NOMEM, "%s: out of memory", who);
  (void)specot__onl_prepare(ws, X, Y, scale);
  specot__ot_log_weights(a, n, ws->loga);
  specot__ot_log_weights(b, m, ws->logb);
  double *hq = ws->h;
  for (size_t j = 0; j < m; ++j)
    hq[j] = ws->logb[j] == -INFINITY ? -INFINITY : g[j] + eps * ws->logb[j];
  const specot__onl_side Ys = {ws->Y, ws->ny, m};
  specot__onl_load_cols(ws, Ys, hq, eps);
  plan_pass(ws, f, eps, threshold, count, NULL, NULL, NULL, NULL);
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t c = count[i];
    count[i] = total; /* becomes the write position of row i */
    total += c;
  }
  *nnz = total;
  if (row && total > cap) {
    free(count);
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE,
                        "%s: %zu entries >= %g, more than the capacity %zu", who, total, threshold,
                        cap);
  }
  if (row) plan_pass(ws, f, eps, threshold, NULL, count, row, col, mass);
  free(count);
  return SPECOT_OK;
}
