/*
 * Matrix-free (online) log-domain Sinkhorn for C_ij = scale |x_i - y_j|^2.
 *
 * A half-step g_j <- -eps log sum_i exp((h_i - C_ij)/eps) is one pass over
 * row blocks (OpenMP) and column tiles: with the points centred (C is
 * translation invariant),
 *   (h_q - C_pq)/eps = z_pq - scale |P_p|^2/eps,
 *   z_pq = (2 scale/eps) P_p . Q_q + (h_q - scale |Q_q|^2)/eps,
 * so a tile row of z costs d FMAs per entry (QT holds the scaled column
 * points and the constants), and each row keeps a running (max M, sum S of
 * exp(z - M)), rescaled when a tile raises the max: the reduction is the
 * exact max-shifted log-sum-exp, never an n x m array.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "online_internal.h"
#include "sinkhorn_internal.h"

void specot__onl_load_cols(specot_ot_online_ws *ws, specot__onl_side cols, const double *hq,
                           double eps) {
  const size_t d = ws->d, len = cols.len;
  const double c = 2.0 * ws->scale / eps;
  double *QT = ws->QT;
  for (size_t q = 0; q < len; ++q) {
    const double *pq = cols.P + q * d;
    for (size_t k = 0; k < d; ++k) QT[k * len + q] = c * pq[k];
    QT[d * len + q] = hq[q] == -INFINITY ? SPECOT__ONL_NOMASS : (hq[q] - cols.nP[q]) / eps;
  }
}

/* Rows [r0, r1) of a soft-min pass: tiles of TJ columns, running max/sum. */
static void smin_block(const specot_ot_online_ws *ws, specot__onl_side rows, size_t nq, size_t r0,
                       size_t r1, double eps, double *z, double *out) {
  double M[SPECOT__ONL_TI], S[SPECOT__ONL_TI];
  const size_t d = ws->d;
  for (size_t r = r0; r < r1; ++r) {
    M[r - r0] = -INFINITY;
    S[r - r0] = 0.0;
  }
  for (size_t j0 = 0; j0 < nq; j0 += SPECOT__ONL_TJ) {
    const size_t len = nq - j0 < SPECOT__ONL_TJ ? nq - j0 : SPECOT__ONL_TJ;
    for (size_t r = r0; r < r1; ++r) {
      const double mx = specot__onl_zrow(rows.P + r * d, d, ws->QT + j0, nq, len, z, ws->simd);
      double *Mr = M + (r - r0), *Sr = S + (r - r0);
      if (mx > *Mr) {
        *Sr *= exp(*Mr - mx); /* exp(-inf) = 0 on the first tile */
        *Mr = mx;
      }
      *Sr += specot__onl_expsum(z, len, *Mr, NULL, ws->simd);
    }
  }
  for (size_t r = r0; r < r1; ++r) out[r] = rows.nP[r] - eps * (M[r - r0] + log(S[r - r0]));
}

void specot__onl_smin(specot_ot_online_ws *ws, specot__onl_side rows, specot__onl_side cols,
                      const double *hq, double eps, double *out) {
  specot__onl_load_cols(ws, cols, hq, eps);
  const size_t np = rows.len, nq = cols.len, nblocks = (np + SPECOT__ONL_TI - 1) / SPECOT__ONL_TI;
  const int nt = ws->nt;
  (void)nt;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (np * nq >= 32768)
  for (size_t bk = 0; bk < nblocks; ++bk) {
    int tid = 0;
#ifdef _OPENMP
    tid = omp_get_thread_num();
#endif
    const size_t r0 = bk * SPECOT__ONL_TI, r1 = r0 + SPECOT__ONL_TI < np ? r0 + SPECOT__ONL_TI : np;
    smin_block(ws, rows, nq, r0, r1, eps, ws->tile + (size_t)tid * ws->tile_stride, out);
  }
}

double specot__onl_prepare(specot_ot_online_ws *ws, const double *X, const double *Y,
                           double scale) {
  const size_t n = ws->n, m = ws->m, d = ws->d;
  ws->scale = scale;
  double diam2 = 0.0;
  for (size_t k = 0; k < d; ++k) {
    double mean = 0.0, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; ++i) {
      const double v = X[i * d + k];
      mean += v;
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    for (size_t j = 0; j < m; ++j) {
      const double v = Y[j * d + k];
      mean += v;
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    mean /= (double)(n + m);
    for (size_t i = 0; i < n; ++i) ws->X[i * d + k] = X[i * d + k] - mean;
    for (size_t j = 0; j < m; ++j) ws->Y[j * d + k] = Y[j * d + k] - mean;
    diam2 += (hi - lo) * (hi - lo);
  }
  for (size_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (size_t k = 0; k < d; ++k) s += ws->X[i * d + k] * ws->X[i * d + k];
    ws->nx[i] = scale * s;
  }
  for (size_t j = 0; j < m; ++j) {
    double s = 0.0;
    for (size_t k = 0; k < d; ++k) s += ws->Y[j * d + k] * ws->Y[j * d + k];
    ws->ny[j] = scale * s;
  }
  return scale * diam2;
}

/* h = pot + e logw (-inf for zero mass). */
static void shifted(const double *pot, const double *logw, size_t len, double e, double *h) {
  for (size_t i = 0; i < len; ++i) h[i] = logw[i] == -INFINITY ? -INFINITY : pot[i] + e * logw[i];
}

/* Over-relaxed update of one potential coordinate in the log domain,
 * x <- (1-w) x + w x_sk, kept only when it does not lower the dual
 * objective restricted to that coordinate, eps phi(z) with phi(z) = z -
 * e^z and z = (x - x_sk)/eps (the safeguard of the dense solver, see
 * relaxed() in sinkhorn.c); otherwise the plain step x_sk. */
static double relaxed(double x, double x_sk, double w, double e) {
  if (w == 1.0 || !isfinite(x)) return x_sk;
  const double z = (x - x_sk) / e, zr = (1.0 - w) * z;
  if (!(zr - exp(zr) >= z - exp(z))) return x_sk;
  return x_sk + e * zr;
}

/* Plain iterations before the automatic weight is set, and the window over
 * which the rate is measured (as the dense solver). */
enum { RELAX_WARMUP = 6, RELAX_WINDOW = 3 };

static double relaxation_weight(double r) {
  if (!(r > 0.0 && r < 1.0)) return 1.0;
  const double w = 2.0 / (1.0 + sqrt(1.0 - r));
  return w < 1.9 ? w : 1.9;
}

/* Automatic weight (Young's SOR relation on the observed rate, only ever
 * increased; same rule as the dense solver's stage()). */
typedef struct relax_state {
  double w, hist[RELAX_WINDOW + 1];
  size_t count;
  int estimate;
} relax_state;

static void relax_observe(relax_state *r, double err) {
  if (!r->estimate) return;
  r->hist[r->count % (RELAX_WINDOW + 1)] = err;
  if (++r->count <= (r->w == 1.0 ? RELAX_WARMUP : RELAX_WINDOW)) return;
  const double old = r->hist[(r->count - 1 - RELAX_WINDOW) % (RELAX_WINDOW + 1)];
  const double rho = pow(err / old, 1.0 / RELAX_WINDOW);
  const double lambda = (rho + r->w - 1.0) * (rho + r->w - 1.0) / (r->w * r->w * rho);
  const double wn = relaxation_weight(lambda);
  if (r->w > 1.0 && rho <= 1.1 * (r->w - 1.0)) {
    r->estimate = 0; /* rho ~ w - 1: at or past the optimal weight */
  } else if (wn > r->w + 0.01) {
    r->w = wn;
    r->count = 0;
  }
}

/* Iterations at one eps e: t = smin_col(f); stop when the column violation
 * (plus the row violation of a relaxed f) <= stop_tol after a plain step;
 * relax = 1 over-relaxes both updates. */
static specot_status onl_stage(specot_ot_online_ws *ws, const specot_ctx *ctx,
                               const specot_ot_sinkhorn_opts *o, double e, size_t cap, double stop,
                               int relax, double *f, double *g, size_t *it, double *err_out) {
  const size_t n = ws->n, m = ws->m;
  const specot__onl_side X = {ws->X, ws->nx, n}, Y = {ws->Y, ws->ny, m};
  relax_state rs = {1.0, {0}, 0, relax && o->relaxation == 0.0};
  if (relax && o->relaxation > 1.0) rs.w = o->relaxation;
  double err = *err_out, row_err = 0.0, last_w = 1.0;
  for (size_t k = 0; k < cap && *it < o->max_iter; ++k) {
    if (specot__cancelled(ctx)) return SPECOT_ERR_CANCELLED;
    shifted(f, ws->loga, n, e, ws->h);
    specot__onl_smin(ws, Y, X, ws->h, e, ws->t);
    if (k > 0) { /* f was updated from g at this e */
      err = specot__ot_sk_violation(g, ws->t, ws->logb, m, e) + row_err;
      if (err <= stop) {
        if (last_w == 1.0) break;
        rs.w = 1.0; /* converged while relaxed: finish with plain steps */
        rs.estimate = 0;
      }
      relax_observe(&rs, err);
    }
    const double w = rs.w;
    for (size_t j = 0; j < m; ++j) g[j] = relaxed(g[j], ws->t[j], w, e);
    shifted(g, ws->logb, m, e, ws->h);
    if (w == 1.0) {
      specot__onl_smin(ws, X, Y, ws->h, e, f);
      row_err = 0.0;
    } else {
      specot__onl_smin(ws, X, Y, ws->h, e, ws->t);
      for (size_t i = 0; i < n; ++i) f[i] = relaxed(f[i], ws->t[i], w, e);
      row_err = specot__ot_sk_violation(f, ws->t, ws->loga, n, e);
    }
    last_w = w;
    ++*it;
    if (!specot__ot_sk_finite_where_mass(f, ws->loga, n) ||
        !specot__ot_sk_finite_where_mass(g, ws->logb, m))
      return SPECOT_ERR_NUMERICAL;
  }
  *err_out = err;
  return SPECOT_OK;
}

specot_status specot__onl_run(specot_ot_online_ws *ws, const specot_ctx *ctx,
                              const specot_ot_sinkhorn_opts *o, double eps, double eps0, double *f,
                              double *g, size_t *iters, double *err_out) {
  const size_t m = ws->m;
  double total_b = 0.0, err = INFINITY;
  for (size_t j = 0; j < m; ++j)
    if (ws->logb[j] > -INFINITY) total_b += exp(ws->logb[j]);
  size_t it = 0;
  double e = (o->eps_scaling && !o->warm_start && eps0 > eps) ? eps0 : eps;
  for (;;) {
    const int target = !(e > eps);
    const double stop = target ? o->tol : (o->tol > 1e-3 * total_b ? o->tol : 1e-3 * total_b);
    const specot_status st = onl_stage(ws, ctx, o, e, target ? o->max_iter : o->stage_iter, stop,
                                       target, f, g, &it, &err);
    if (st) return st;
    if (target) break;
    e *= o->scaling_factor;
    if (e < eps) e = eps;
  }
  /* Zero-mass columns get the soft c-transform of the final f. */
  int any = 0;
  for (size_t j = 0; j < m; ++j) any |= ws->logb[j] == -INFINITY;
  if (any) {
    const size_t n = ws->n;
    const specot__onl_side X = {ws->X, ws->nx, n}, Y = {ws->Y, ws->ny, m};
    shifted(f, ws->loga, n, eps, ws->h);
    specot__onl_smin(ws, Y, X, ws->h, eps, ws->t);
    for (size_t j = 0; j < m; ++j)
      if (ws->logb[j] == -INFINITY) g[j] = ws->t[j];
  }
  *iters = it;
  *err_out = err;
  return err <= o->tol ? SPECOT_OK : SPECOT_WARN_MAXITER;
}

specot_status specot__onl_sym_run(specot_ot_online_ws *ws, const specot_ctx *ctx,
                                  specot__onl_side side, const double *logw,
                                  const specot_ot_sinkhorn_opts *o, double eps, double eps0,
                                  double *p, size_t *iters, double *err_out) {
  const size_t n = side.len;
  size_t it = 0;
  double err = INFINITY;
  double e = (o->eps_scaling && !o->warm_start && eps0 > eps) ? eps0 : eps;
  for (;;) {
    const int target = !(e > eps);
    const size_t cap = target ? o->max_iter : o->stage_iter;
    for (size_t k = 0; k < cap && it < o->max_iter; ++k) {
      if (specot__cancelled(ctx)) return SPECOT_ERR_CANCELLED;
      shifted(p, logw, n, e, ws->h);
      specot__onl_smin(ws, side, side, ws->h, e, ws->t);
      err = specot__ot_sk_violation(p, ws->t, logw, n, e);
      if (err <= (target ? o->tol : 10.0 * o->tol)) break;
      for (size_t i = 0; i < n; ++i)
        p[i] = logw[i] == -INFINITY ? ws->t[i] : 0.5 * (p[i] + ws->t[i]);
      ++it;
      if (!specot__ot_sk_finite_where_mass(p, logw, n)) return SPECOT_ERR_NUMERICAL;
    }
    if (target) break;
    e *= o->scaling_factor;
    if (e < eps) e = eps;
  }
  *iters = it;
  *err_out = err;
  return err <= o->tol ? SPECOT_OK : SPECOT_WARN_MAXITER;
}
