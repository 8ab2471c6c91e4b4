/*
 * Matrix-free debiased Sinkhorn divergence and its gradients (same
 * definitions as divergence.c): the cross problem by the alternating online
 * solve, the self problems by the symmetric averaged update, and the
 * gradients by one more pass per plan:
 *   dOT(a,b)/dx_i     = 2s (r_i x_i - sum_j pi_ij y_j),  r = pi 1,
 *   dOT(a,b)/dy_j     = 2s (c_j y_j - sum_i pi_ij x_i),  c = pi^T 1,
 *   d(OT(a,a)/2)/dx_i = 2s (r'_i x_i - sum_k pxx_ik x_k),
 * where the column sums of the cross plan are accumulated in the same pass
 * (per-thread buffers, added in thread order).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "online_internal.h"
#include "sinkhorn_internal.h"

typedef struct grad_job {
  specot__onl_side rows, cols;
  const double *hp; /* row potentials + eps log weights (-inf: zero mass) */
  double eps, sign;
  double *grad_rows, *grad_cols; /* either may be NULL */
} grad_job;

/* Rows [r0, r1): R_r = sum_q pi_rq, T_r = sum_q pi_rq (2s/eps) Q_q, and the
 * column sums into acc ((d+1) x nq: d rows of sum_r pi_rq P_r, then sum_r pi_rq). */
static void grad_block(const specot_ot_online_ws *ws, const grad_job *jb, size_t r0, size_t r1,
                       double *buf, double *acc) {
  const size_t d = ws->d, nq = jb->cols.len, nr = r1 - r0;
  double *z = buf, *pi = buf + SPECOT__ONL_TJ, *R = buf + 2 * SPECOT__ONL_TJ, *T = R + nr;
  for (size_t k = 0; k < nr * (d + 1); ++k) R[k] = 0.0;
  for (size_t j0 = 0; j0 < nq; j0 += SPECOT__ONL_TJ) {
    const size_t len = nq - j0 < SPECOT__ONL_TJ ? nq - j0 : SPECOT__ONL_TJ;
    for (size_t r = r0; r < r1; ++r) {
      if (jb->hp[r] == -INFINITY) continue;
      const double *P = jb->rows.P + r * d;
      const double c = (jb->hp[r] - jb->rows.nP[r]) / jb->eps;
      (void)specot__onl_zrow(P, d, ws->QT + j0, nq, len, z, ws->simd);
      R[r - r0] += specot__onl_expsum(z, len, -c, pi, ws->simd);
      if (jb->grad_rows)
        for (size_t k = 0; k < d; ++k)
          T[(r - r0) * d + k] += specot__ot_dot(pi, ws->QT + k * nq + j0, len, ws->simd);
      if (acc) {
        for (size_t k = 0; k < d; ++k) specot__ot_axpy(P[k], pi, acc + k * nq + j0, len, ws->simd);
        specot__ot_axpy(1.0, pi, acc + d * nq + j0, len, ws->simd);
      }
    }
  }
  if (!jb->grad_rows) return;
  const double w = jb->sign * 2.0 * ws->scale, back = jb->eps / (2.0 * ws->scale);
  for (size_t r = r0; r < r1; ++r) {
    if (jb->hp[r] == -INFINITY) continue;
    double *gr = jb->grad_rows + r * d;
    const double *P = jb->rows.P + r * d;
    for (size_t k = 0; k < d; ++k) gr[k] += w * (R[r - r0] * P[k] - back * T[(r - r0) * d + k]);
  }
}

static void grad_pass(specot_ot_online_ws *ws, const grad_job *jb, const double *hq) {
  const size_t d = ws->d, np = jb->rows.len, nq = jb->cols.len;
  specot__onl_load_cols(ws, jb->cols, hq, jb->eps);
  const size_t stride = (d + 1) * nq, nblocks = (np + SPECOT__ONL_TI - 1) / SPECOT__ONL_TI;
  const int use_acc = jb->grad_cols != NULL;
  if (use_acc) memset(ws->colacc, 0, (size_t)ws->nt * stride * sizeof(double));
  int used = 1;
#pragma omp parallel num_threads(ws->nt) if (np * nq >= 32768)
  {
    int tid = 0;
#ifdef _OPENMP
    tid = omp_get_thread_num();
#pragma omp single
    used = omp_get_num_threads();
#endif
#pragma omp for schedule(dynamic, 1)
    for (size_t bk = 0; bk < nblocks; ++bk) {
      const size_t r0 = bk * SPECOT__ONL_TI,
                   r1 = r0 + SPECOT__ONL_TI < np ? r0 + SPECOT__ONL_TI : np;
      grad_block(ws, jb, r0, r1, ws->tile + (size_t)tid * ws->tile_stride,
                 use_acc ? ws->colacc + (size_t)tid * stride : NULL);
    }
  }
  if (!use_acc) return;
  const double w = jb->sign * 2.0 * ws->scale;
  for (size_t q = 0; q < nq; ++q) {
    double *gq = jb->grad_cols + q * d;
    const double *Q = jb->cols.P + q * d;
    double s = 0.0;
    for (int t = 0; t < used; ++t) s += ws->colacc[(size_t)t * stride + d * nq + q];
    for (size_t k = 0; k < d; ++k) {
      double tk = 0.0;
      for (int t = 0; t < used; ++t) tk += ws->colacc[(size_t)t * stride + k * nq + q];
      gq[k] += w * (s * Q[k] - tk);
    }
  }
}

static double weighted(const double *logw, const double *v, size_t len) {
  double s = 0.0;
  for (size_t i = 0; i < len; ++i)
    if (logw[i] > -INFINITY) s += exp(logw[i]) * v[i];
  return s;
}

static void shifted(const double *pot, const double *logw, size_t len, double e, double *h) {
  for (size_t i = 0; i < len; ++i) h[i] = logw[i] == -INFINITY ? -INFINITY : pot[i] + e * logw[i];
}

static void gradients(specot_ot_online_ws *ws, double eps, double *grad_x, double *grad_y) {
  const size_t n = ws->n, m = ws->m, d = ws->d;
  const specot__onl_side X = {ws->X, ws->nx, n}, Y = {ws->Y, ws->ny, m};
  if (grad_x) memset(grad_x, 0, n * d * sizeof(double));
  if (grad_y) memset(grad_y, 0, m * d * sizeof(double));
  shifted(ws->f, ws->loga, n, eps, ws->h);
  shifted(ws->g, ws->logb, m, eps, ws->t);
  grad_job cross = {X, Y, ws->h, eps, 1.0, grad_x, grad_y};
  grad_pass(ws, &cross, ws->t);
  if (grad_x) {
    shifted(ws->p, ws->loga, n, eps, ws->h);
    grad_job self = {X, X, ws->h, eps, -1.0, grad_x, NULL};
    grad_pass(ws, &self, ws->h);
  }
  if (grad_y) {
    shifted(ws->q, ws->logb, m, eps, ws->t);
    grad_job self = {Y, Y, ws->t, eps, -1.0, grad_y, NULL};
    grad_pass(ws, &self, ws->t);
  }
}

specot_status specot_ot_online_divergence_solve(specot_ctx *ctx, specot_ot_online_ws *ws,
                                                const double *X, const double *a, const double *Y,
                                                const double *b, double scale, double eps,
                                                const specot_ot_sinkhorn_opts *opts, double *grad_x,
                                                double *grad_y, double *grad_a, double *grad_b,
                                                specot_ot_divergence_result *result) {
  static const char who[] = "online divergence";
  specot__ctx_reset(ctx);
  specot_ot_sinkhorn_opts o;
  if (opts)
    o = *opts;
  else
    specot_ot_sinkhorn_opts_init(&o);
  if (result) memset(result, 0, sizeof *result);
  specot_status st = specot__onl_check(ctx, who, ws, a, b, X, Y, scale, eps, &o);
  if (st) return st;
  const size_t n = ws->n, m = ws->m;
  const double range = specot__onl_prepare(ws, X, Y, scale);
  specot__ot_log_weights(a, n, ws->loga);
  specot__ot_log_weights(b, m, ws->logb);
  if (o.warm_start && !ws->have_potentials) o.warm_start = 0;
  if (!o.warm_start) {
    memset(ws->f, 0, n * sizeof(double));
    memset(ws->g, 0, m * sizeof(double));
    memset(ws->p, 0, n * sizeof(double));
    memset(ws->q, 0, m * sizeof(double));
  }
  ws->have_potentials = 0;
  const double eps0 =
      o.eps_scaling && !o.warm_start ? specot__ot_eps_start_from_range(range, eps, &o) : eps;
  const specot__onl_side Xs = {ws->X, ws->nx, n}, Ys = {ws->Y, ws->ny, m};
  size_t it1 = 0, it2 = 0, it3 = 0;
  double err1 = 0, err2 = 0, err3 = 0;
  specot_status s1 = specot__onl_run(ws, ctx, &o, eps, eps0, ws->f, ws->g, &it1, &err1);
  specot_status s2 =
      s1 < 0 ? s1 : specot__onl_sym_run(ws, ctx, Xs, ws->loga, &o, eps, eps0, ws->p, &it2, &err2);
  specot_status s3 =
      s2 < 0 ? s2 : specot__onl_sym_run(ws, ctx, Ys, ws->logb, &o, eps, eps0, ws->q, &it3, &err3);
  if (s3 == SPECOT_ERR_CANCELLED) return specot__fail(ctx, s3, "%s: cancelled", who);
  if (s3 < 0)
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "%s: non-finite potentials (eps = %g)", who,
                        eps);
  specot__ot_normalise(ws->loga, n, ws->logb, m, ws->f, ws->g);
  ws->have_potentials = 1;
  /* The last f update was f = smin(C - g): the plan's rows are exact, so
   * its mass is sum a and OT_xy = <a,f> + <b,g> - eps (sum a - sum a sum b). */
  double ta = 0.0, tb = 0.0;
  for (size_t i = 0; i < n; ++i)
    if (ws->loga[i] > -INFINITY) ta += exp(ws->loga[i]);
  for (size_t j = 0; j < m; ++j)
    if (ws->logb[j] > -INFINITY) tb += exp(ws->logb[j]);
  const double ot_xy =
      weighted(ws->loga, ws->f, n) + weighted(ws->logb, ws->g, m) - eps * (ta - ta * tb);
  const double ot_xx = 2.0 * weighted(ws->loga, ws->p, n);
  const double ot_yy = 2.0 * weighted(ws->logb, ws->q, m);
  const double value = ot_xy - 0.5 * ot_xx - 0.5 * ot_yy;
  if (!isfinite(value)) return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "%s: non-finite value", who);
  if (grad_x || grad_y) gradients(ws, eps, grad_x, grad_y);
  if (grad_a)
    for (size_t i = 0; i < n; ++i) grad_a[i] = ws->f[i] - ws->p[i];
  if (grad_b)
    for (size_t j = 0; j < m; ++j) grad_b[j] = ws->g[j] - ws->q[j];
  specot_status out = SPECOT_OK;
  if (s1 > 0 || s2 > 0 || s3 > 0) {
    out = SPECOT_WARN_MAXITER;
    specot__fail(ctx, out, "%s: max_iter = %zu reached (violations %.3g, %.3g, %.3g; tol %.3g)",
                 who, o.max_iter, err1, err2, err3, o.tol);
  }
  if (result) {
    result->value = value;
    result->ot_xy = ot_xy;
    result->ot_xx = ot_xx;
    result->ot_yy = ot_yy;
    const double e = err1 > err2 ? err1 : err2;
    result->marginal_error = e > err3 ? e : err3;
    result->iterations = it1 + it2 + it3;
    result->status = out;
  }
  return out;
}
