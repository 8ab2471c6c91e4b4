/*
 * Associative memory of weighted point clouds (spec shk_dp_memory.md sec.
 * 5.1): storage with the self terms OT_eps(P_k, P_k) precomputed, and the
 * query workspaces (evaluation: energy.c, retrieval: retrieve.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memory_internal.h"

void specot_amem_sinkhorn_defaults(specot_ot_sinkhorn_opts *opts) {
  specot_ot_sinkhorn_opts_init(opts);
  opts->tol = 1e-6;
  opts->max_iter = 1000;
}

void specot_amem_free(specot_amem *mem) {
  if (!mem) return;
  free(mem->n);
  free(mem->off);
  specot__free(mem->Y);
  specot__free(mem->b);
  specot__free(mem->self);
  free(mem);
}

/* Validates pattern k's weights (NULL = uniform) and writes them normalised. */
static specot_status pattern_weights(specot_ctx *ctx, size_t k, const double *b, size_t n,
                                     double *out) {
  double total = 0.0;
  for (size_t j = 0; j < n; ++j) {
    const double v = b ? b[j] : 1.0;
    if (!isfinite(v) || v < 0.0)
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "memory: weight %zu of pattern %zu is %g (must be finite and >= 0)", j,
                          k, v);
    total += v;
  }
  if (!(total > 0.0) || !isfinite(total))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "memory: the weights of pattern %zu sum to %g (must be > 0)", k, total);
  for (size_t j = 0; j < n; ++j) out[j] = (b ? b[j] : 1.0) / total;
  return SPECOT_OK;
}

static specot_status check_params(specot_ctx *ctx, size_t K, size_t d, double eps, double beta) {
  if (K == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: empty memory (K = 0 patterns)");
  if (d == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: dimension d must be >= 1");
  if (!(eps > 0.0) || !isfinite(eps))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: eps = %g must be finite and > 0", eps);
  if (!(beta > 0.0) || !isfinite(beta))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: beta = %g must be finite and > 0",
                        beta);
  return SPECOT_OK;
}

/* OT_eps(P_k, P_k) for every pattern (one symmetric solve each). */
static specot_status self_terms(specot_ctx *ctx, specot_amem *mem) {
  specot_status worst = SPECOT_OK;
  for (size_t k = 0; k < mem->K; ++k) {
    const size_t n = mem->n[k];
    specot_ot_sinkhorn_ws *ws = NULL;
    specot_status st = specot_ot_sinkhorn_ws_alloc(ctx, n, n, mem->d, &mem->sk, &ws);
    double *p = st ? NULL : specot__alloc_doubles(n);
    if (!st && !p) st = specot__fail(ctx, SPECOT_ERR_NOMEM, "memory: out of memory");
    specot_ot_sinkhorn_result r;
    if (!st)
      st = specot_ot_sinkhorn_sym_solve_points(ctx, ws, mem->b + mem->off[k],
                                               mem->Y + mem->off[k] * mem->d, AMEM_SCALE,
                                               mem->eps, &mem->sk, p, NULL, &r);
    specot__free(p);
    specot_ot_sinkhorn_ws_free(ws);
    if (st < 0) return st;
    if (st > 0) worst = st;
    mem->self[k] = r.dual_objective;
  }
  if (worst)
    specot__fail(ctx, worst, "memory: a self-term Sinkhorn solve reached max_iter = %zu",
                 mem->sk.max_iter);
  return worst;
}

specot_status specot_amem_alloc(specot_ctx *ctx, size_t K, const size_t *n_k, size_t d,
                                const double *Y, const double *b, double eps, double beta,
                                const specot_ot_sinkhorn_opts *sinkhorn, specot_amem **out) {
  specot__ctx_reset(ctx);
  if (!out) return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: output pointer is NULL");
  *out = NULL;
  specot_status st = check_params(ctx, K, d, eps, beta);
  if (st) return st;
  if (!n_k || !Y) return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: n_k and Y must be non-NULL");
  size_t N = 0, Nd;
  for (size_t k = 0; k < K; ++k) {
    if (n_k[k] == 0)
      return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: pattern %zu has no points", k);
    if (n_k[k] > SIZE_MAX - N) return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "memory: sizes overflow");
    N += n_k[k];
  }
  if (specot__mul_size(N, d, &Nd))
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "memory: sizes overflow");
  for (size_t i = 0; i < Nd; ++i)
    if (!isfinite(Y[i]))
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "memory: pattern coordinate %zu (row %zu) is not finite", i, i / d);
  specot_amem *mem = calloc(1, sizeof *mem);
  if (!mem) return specot__fail(ctx, SPECOT_ERR_NOMEM, "memory: out of memory");
  mem->K = K;
  mem->d = d;
  mem->N = N;
  mem->eps = eps;
  mem->beta = beta;
  if (sinkhorn) {
    mem->sk = *sinkhorn;
  } else {
    specot_amem_sinkhorn_defaults(&mem->sk);
  }
  mem->sk.warm_start = 0;
  mem->n = malloc(K * sizeof(size_t));
  mem->off = malloc(K * sizeof(size_t));
  mem->Y = specot__alloc_doubles(Nd);
  mem->b = specot__alloc_doubles(N);
  mem->self = specot__alloc_doubles(K);
  if (!mem->n || !mem->off || !mem->Y || !mem->b || !mem->self) {
    specot_amem_free(mem);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "memory: out of memory");
  }
  memcpy(mem->Y, Y, Nd * sizeof(double));
  size_t off = 0;
  for (size_t k = 0; k < K; ++k) {
    mem->n[k] = n_k[k];
    mem->off[k] = off;
    if ((st = pattern_weights(ctx, k, b ? b + off : NULL, n_k[k], mem->b + off))) {
      specot_amem_free(mem);
      return st;
    }
    off += n_k[k];
  }
  st = self_terms(ctx, mem);
  if (st < 0) {
    specot_amem_free(mem);
    return st;
  }
  *out = mem;
  return st;
}

void specot_amem_info(const specot_amem *mem, size_t *K, size_t *d, double *eps, double *beta) {
  if (K) *K = mem ? mem->K : 0;
  if (d) *d = mem ? mem->d : 0;
  if (eps) *eps = mem ? mem->eps : 0.0;
  if (beta) *beta = mem ? mem->beta : 0.0;
}

specot_status specot_amem_pattern(const specot_amem *mem, size_t k, size_t *n, const double **Y,
                                  const double **b, double *self_term) {
  if (!mem || k >= mem->K) return SPECOT_ERR_INVALID;
  if (n) *n = mem->n[k];
  if (Y) *Y = mem->Y + mem->off[k] * mem->d;
  if (b) *b = mem->b + mem->off[k];
  if (self_term) *self_term = mem->self[k];
  return SPECOT_OK;
}

/* ---- query workspace ---------------------------------------------------- */

static void free_slot(specot__amem_slot *s) {
  specot__free(s->f);
  specot__free(s->g);
  specot__free(s->p);
  specot__free(s->S);
  specot__free(s->w);
  specot__free(s->v);
  specot__free(s->phi);
}

void specot_amem_ws_free(specot_amem_ws *ws) {
  if (!ws) return;
  if (ws->sk)
    for (size_t k = 0; k < ws->mem->K; ++k) specot_ot_sinkhorn_ws_free(ws->sk[k]);
  free(ws->sk);
  specot_ot_sinkhorn_ws_free(ws->sym);
  specot__free(ws->plan);
  specot__free(ws->T);
  specot__free(ws->Tqq);
  specot__free(ws->planqq);
  specot__free(ws->ot);
  free(ws->st);
  free(ws->its);
  specot__free(ws->a);
  specot__free(ws->loga);
  specot__free(ws->X);
  specot__free(ws->ta);
  specot__free(ws->tloga);
  specot__free(ws->tX);
  free_slot(&ws->slot[0]);
  free_slot(&ws->slot[1]);
  free(ws);
}

static int alloc_slot(specot__amem_slot *s, size_t K, size_t N, size_t m, size_t d) {
  s->f = specot__alloc_doubles(K * m);
  s->g = specot__alloc_doubles(N);
  s->p = specot__alloc_doubles(m);
  s->S = specot__alloc_doubles(K);
  s->w = specot__alloc_doubles(K);
  s->v = specot__alloc_doubles(m * d);
  s->phi = specot__alloc_doubles(m);
  return s->f && s->g && s->p && s->S && s->w && s->v && s->phi;
}

specot_status specot_amem_ws_alloc(specot_ctx *ctx, const specot_amem *mem, size_t m, size_t d,
                                   specot_amem_ws **out) {
  specot__ctx_reset(ctx);
  if (!out) return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: output pointer is NULL");
  *out = NULL;
  if (!mem) return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: memory is NULL");
  if (m == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: the query has no points");
  if (d != mem->d)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "memory: dimension mismatch: the query has d = %zu, the memory d = %zu", d,
                        mem->d);
  const size_t K = mem->K, N = mem->N;
  size_t mN, mm, Kmd;
  if (specot__mul_size(m, N, &mN) || specot__mul_size(m, m, &mm) ||
      specot__mul_size(K, m * d, &Kmd) || m > SIZE_MAX / d)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "memory: query size m = %zu overflows", m);
  specot_amem_ws *ws = calloc(1, sizeof *ws);
  if (!ws) return specot__fail(ctx, SPECOT_ERR_NOMEM, "memory: out of memory");
  ws->mem = mem;
  ws->m = m;
  ws->d = d;
  ws->sk = calloc(K, sizeof *ws->sk);
  ws->st = calloc(K, sizeof *ws->st);
  ws->its = calloc(K, sizeof *ws->its);
  ws->plan = specot__alloc_doubles(mN);
  ws->T = specot__alloc_doubles(Kmd);
  ws->Tqq = specot__alloc_doubles(m * d);
  ws->planqq = specot__alloc_doubles(mm);
  ws->ot = specot__alloc_doubles(K);
  ws->a = specot__alloc_doubles(m);
  ws->loga = specot__alloc_doubles(m);
  ws->X = specot__alloc_doubles(m * d);
  ws->ta = specot__alloc_doubles(m);
  ws->tloga = specot__alloc_doubles(m);
  ws->tX = specot__alloc_doubles(m * d);
  if (!ws->sk || !ws->st || !ws->its || !ws->plan || !ws->T || !ws->Tqq || !ws->planqq ||
      !ws->ot || !ws->a || !ws->loga || !ws->X || !ws->ta || !ws->tloga || !ws->tX ||
      !alloc_slot(&ws->slot[0], K, N, m, d) || !alloc_slot(&ws->slot[1], K, N, m, d)) {
    specot_amem_ws_free(ws);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "memory: out of memory for a query of %zu points",
                        m);
  }
  specot_status st = specot_ot_sinkhorn_ws_alloc(ctx, m, m, d, &mem->sk, &ws->sym);
  for (size_t k = 0; k < K && !st; ++k)
    st = specot_ot_sinkhorn_ws_alloc(ctx, m, mem->n[k], d, &mem->sk, &ws->sk[k]);
  if (st) {
    specot_amem_ws_free(ws);
    return st;
  }
  *out = ws;
  return SPECOT_OK;
}
