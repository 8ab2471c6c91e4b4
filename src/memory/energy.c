/*
 * One energy evaluation of the associative memory (spec shk_dp_memory.md
 * sec. 5.1-5.3): K cross Sinkhorn solves in parallel over the patterns and
 * one symmetric solve, then S_k, the softmax attention, the velocity
 * v = sum_k w_k T_k - T_qq and the weight potential phi = sum_k w_k f_k - p.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memory_internal.h"

/* ---- one evaluation ----------------------------------------------------- */

specot_status specot__amem_query_weights(specot_ctx *ctx, const double *a, size_t m, double *out,
                                         double *logout) {
  double total = 0.0;
  for (size_t i = 0; i < m; ++i) {
    const double v = a ? a[i] : 1.0;
    if (!isfinite(v) || v < 0.0)
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "memory: query weight %zu is %g (must be finite and >= 0)", i, v);
    total += v;
  }
  if (!(total > 0.0) || !isfinite(total))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: the query weights sum to %g (must be > 0)",
                        total);
  for (size_t i = 0; i < m; ++i) {
    out[i] = (a ? a[i] : 1.0) / total;
    logout[i] = out[i] > 0.0 ? log(out[i]) : -INFINITY;
  }
  return SPECOT_OK;
}

/* T (m x d): T_i = sum_j plan_ij Y_j / sum_j plan_ij; x_i where the row is empty. */
static void projection(const double *plan, size_t m, size_t n, size_t d, const double *Y,
                       const double *X, double *T) {
  for (size_t i = 0; i < m; ++i) {
    const double *row = plan + i * n;
    double *t = T + i * d, r = 0.0;
    for (size_t c = 0; c < d; ++c) t[c] = 0.0;
    for (size_t j = 0; j < n; ++j) {
      r += row[j];
      const double *y = Y + j * d;
      for (size_t c = 0; c < d; ++c) t[c] += row[j] * y[c];
    }
    if (r > 0.0) {
      for (size_t c = 0; c < d; ++c) t[c] /= r;
    } else {
      for (size_t c = 0; c < d; ++c) t[c] = X[i * d + c];
    }
  }
}

/* S -> attention w, energy, exp(H(w)), argmin. */
static void attention(const double *S, size_t K, double beta, double *w, specot_amem_eval *ev) {
  size_t kmin = 0;
  for (size_t k = 1; k < K; ++k)
    if (S[k] < S[kmin]) kmin = k;
  double z = 0.0;
  for (size_t k = 0; k < K; ++k) {
    w[k] = exp(-beta * (S[k] - S[kmin]));
    z += w[k];
  }
  double H = 0.0;
  for (size_t k = 0; k < K; ++k) {
    w[k] /= z;
    if (w[k] > 0.0) H -= w[k] * log(w[k]);
  }
  ev->energy = S[kmin] - log(z) / beta;
  ev->attention = exp(H);
  ev->index = kmin;
}

specot_status specot__amem_evaluate(specot_ctx *ctx, specot_amem_ws *ws, int s, const double *a,
                                    const double *loga, const double *X, double gamma, int warm) {
  const specot_amem *mem = ws->mem;
  const size_t K = mem->K, m = ws->m, d = ws->d;
  specot__amem_slot *sl = &ws->slot[s];
  specot_ot_sinkhorn_opts o = mem->sk;
  o.warm_start = warm;
  long long Kl = (long long)K;
#pragma omp parallel for schedule(dynamic) if (K > 1 && m * mem->N >= 8192)
  for (long long kk = 0; kk < Kl; ++kk) {
    const size_t k = (size_t)kk, off = mem->off[k], n = mem->n[k];
    specot_ot_sinkhorn_result r;
    double *plan = ws->plan + m * off;
    ws->st[k] = specot_ot_sinkhorn_solve_points(NULL, ws->sk[k], a, mem->b + off, X,
                                                mem->Y + off * d, AMEM_SCALE, mem->eps, &o,
                                                sl->f + k * m, sl->g + off, plan, &r);
    ws->ot[k] = r.dual_objective;
    ws->its[k] = r.iterations;
    if (ws->st[k] >= 0) projection(plan, m, n, d, mem->Y + off * d, X, ws->T + k * m * d);
  }
  specot_status worst = SPECOT_OK;
  size_t iters = 0;
  for (size_t k = 0; k < K; ++k) {
    if (ws->st[k] < 0)
      return specot__fail(ctx, ws->st[k], "memory: Sinkhorn failed for pattern %zu (%s, eps = %g)",
                          k, specot_strerror(ws->st[k]), mem->eps);
    if (ws->st[k] > 0) worst = ws->st[k];
    iters += ws->its[k];
  }
  specot_ot_sinkhorn_result rq;
  specot_status st = specot_ot_sinkhorn_sym_solve_points(ctx, ws->sym, a, X, AMEM_SCALE, mem->eps,
                                                         &o, sl->p, ws->planqq, &rq);
  if (st < 0) return st;
  if (st > 0) worst = st;
  iters += rq.iterations;
  projection(ws->planqq, m, m, d, X, X, ws->Tqq);
  for (size_t k = 0; k < K; ++k) sl->S[k] = ws->ot[k] - 0.5 * rq.dual_objective - 0.5 * mem->self[k];
  attention(sl->S, K, mem->beta, sl->w, &sl->ev);
  sl->ev.iterations = iters;
  /* v = sum_k w_k T_k - T_qq; phi = sum_k w_k f_k - p (+ gamma (log a + 1)), centred. */
  for (size_t i = 0; i < m * d; ++i) sl->v[i] = -ws->Tqq[i];
  for (size_t i = 0; i < m; ++i) sl->phi[i] = -sl->p[i];
  for (size_t k = 0; k < K; ++k) {
    const double wk = sl->w[k];
    if (wk == 0.0) continue;
    const double *Tk = ws->T + k * m * d, *fk = sl->f + k * m;
    for (size_t i = 0; i < m * d; ++i) sl->v[i] += wk * Tk[i];
    for (size_t i = 0; i < m; ++i) sl->phi[i] += wk * fk[i];
  }
  double ent = 0.0, mean = 0.0;
  for (size_t i = 0; i < m; ++i) {
    if (a[i] > 0.0) ent += a[i] * loga[i];
    if (gamma > 0.0 && a[i] > 0.0) sl->phi[i] += gamma * (loga[i] + 1.0);
  }
  sl->ev.energy += gamma * ent;
  for (size_t i = 0; i < m; ++i) mean += a[i] * sl->phi[i];
  for (size_t i = 0; i < m; ++i) sl->phi[i] -= mean;
  for (size_t i = 0; i < m * d; ++i)
    if (!isfinite(sl->v[i]))
      return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "memory: non-finite velocity");
  if (!isfinite(sl->ev.energy))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "memory: non-finite energy");
  if (worst)
    specot__fail(ctx, worst, "memory: a Sinkhorn solve reached max_iter = %zu", mem->sk.max_iter);
  return worst;
}

specot_status specot_amem_energy(specot_ctx *ctx, specot_amem_ws *ws, const double *a,
                                 const double *X, double gamma, double *S, double *w, double *v,
                                 double *phi, specot_amem_eval *ev) {
  specot__ctx_reset(ctx);
  if (!ws || !X) return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: ws and X must be non-NULL");
  if (!(gamma >= 0.0) || !isfinite(gamma))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: gamma = %g must be finite and >= 0",
                        gamma);
  const size_t m = ws->m, d = ws->d, K = ws->mem->K;
  if (!specot__all_finite(X, m * d))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: the query points must be finite");
  specot_status st = specot__amem_query_weights(ctx, a, m, ws->a, ws->loga);
  if (st) return st;
  st = specot__amem_evaluate(ctx, ws, 0, ws->a, ws->loga, X, gamma, 0);
  if (st < 0) return st;
  ws->warm = 1;
  const specot__amem_slot *sl = &ws->slot[0];
  if (S) memcpy(S, sl->S, K * sizeof(double));
  if (w) memcpy(w, sl->w, K * sizeof(double));
  if (v) memcpy(v, sl->v, m * d * sizeof(double));
  if (phi) memcpy(phi, sl->phi, m * sizeof(double));
  if (ev) *ev = sl->ev;
  return st;
}
