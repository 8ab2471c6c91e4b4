/* Discrete spectral transport: workspace, exact-OT oracle, plan assembly. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/ot.h"
#include "spectral_internal.h"

/* One weighted plan entry, sorted by (row, col) when plans are merged. */
typedef struct plan_entry {
  size_t row, col;
  double mass;
} plan_entry;

struct specot_spectral_ws {
  size_t n, m, d, cap, colnnz;
  specot_ot_emd_ws *emd;
  spec_cg cg;
  spec_eig eig;
  size_t *crow, *ccol; /* cap * colnnz */
  double *cmass;       /* cap * colnnz */
  size_t *cnnz;        /* cap */
  double *a, *b;       /* normalised weights */
  double *L, *w, *U, *tmp; /* d*d, d, d*d, d*d */
  double *sigma, *dual;    /* d*d each */
  size_t *prow, *pcol;     /* cap * colnnz (result plan) */
  double *pmass;
  plan_entry *entries;     /* cap * colnnz: merge scratch */
  /* Solve-time references used by the oracle. */
  const double *X, *Y;
  specot_ot_emd_opts emd_opts;
  /* Entropic oracle, allocated on first use (entropic.c). */
  spec_entropic *ent;
};

void specot_spectral_opts_init(specot_spectral_opts *opts) {
  if (!opts) return;
  opts->tol = 1e-6;
  opts->max_iter = 1000;
  opts->alpha = -1.0;
  opts->oracle = SPECOT_SPECTRAL_ORACLE_EXACT;
  opts->entropic_eps = 0.01;
  opts->progress = NULL;
  opts->progress_data = NULL;
}

void specot_spectral_ws_free(specot_spectral_ws *ws) {
  if (!ws) return;
  specot_ot_emd_ws_free(ws->emd);
  spec_entropic_free(ws->ent);
  spec_cg_free(&ws->cg);
  spec_eig_free(&ws->eig);
  free(ws->crow);
  free(ws->ccol);
  specot__free(ws->cmass);
  free(ws->cnnz);
  specot__free(ws->a);
  specot__free(ws->L);
  free(ws->prow);
  free(ws->pcol);
  specot__free(ws->pmass);
  free(ws->entries);
  free(ws);
}

specot_spectral_ws *specot_spectral_ws_alloc(specot_ctx *ctx, size_t n, size_t m, size_t d,
                                             size_t max_cols) {
  specot__ctx_reset(ctx);
  if (n == 0 || m == 0 || d == 0) {
    specot__fail(ctx, SPECOT_ERR_INVALID, "transport: sizes n = %zu, m = %zu, d = %zu must be >= 1",
                 n, m, d);
    return NULL;
  }
  if (d > 4096) {
    specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "transport: dimension d = %zu exceeds 4096", d);
    return NULL;
  }
  const size_t D = d * (d + 1) / 2 + 1;
  const size_t cap = max_cols ? max_cols : (2 * D > 16 ? 2 * D : 16);
  size_t nm, total;
  const size_t colnnz = n + m - 1;
  if (specot__mul_size(n, m, &nm) != 0 || specot__mul_size(cap, colnnz, &total) != 0 ||
      total > SIZE_MAX / 32) {
    specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "transport: sizes n = %zu, m = %zu overflow", n, m);
    return NULL;
  }
  specot_spectral_ws *ws = calloc(1, sizeof *ws);
  if (!ws) {
    specot__fail(ctx, SPECOT_ERR_NOMEM, "transport: out of memory");
    return NULL;
  }
  ws->n = n;
  ws->m = m;
  ws->d = d;
  ws->cap = cap;
  ws->colnnz = colnnz;
  specot_ot_emd_opts_init(&ws->emd_opts);
  const specot_status st = specot_ot_emd_ws_alloc(ctx, n, m, d, &ws->emd_opts, &ws->emd);
  if (st != SPECOT_OK) {
    specot_spectral_ws_free(ws);
    return NULL;
  }
  const size_t dd = d * d;
  int bad = spec_cg_init(&ws->cg, d, cap) != 0 || spec_eig_init(&ws->eig, d) != 0;
  ws->crow = malloc(total * sizeof *ws->crow);
  ws->ccol = malloc(total * sizeof *ws->ccol);
  ws->cmass = specot__alloc_doubles(total);
  ws->cnnz = calloc(cap, sizeof *ws->cnnz);
  ws->a = specot__alloc_doubles(n + m);
  ws->L = specot__alloc_doubles(5 * dd + d);
  ws->prow = malloc(total * sizeof *ws->prow);
  ws->pcol = malloc(total * sizeof *ws->pcol);
  ws->pmass = specot__alloc_doubles(total);
  ws->entries = malloc(total * sizeof *ws->entries);
  if (bad || !ws->crow || !ws->ccol || !ws->cmass || !ws->cnnz || !ws->a || !ws->L || !ws->prow ||
      !ws->pcol || !ws->pmass || !ws->entries) {
    specot_spectral_ws_free(ws);
    specot__fail(ctx, SPECOT_ERR_NOMEM, "transport: out of memory");
    return NULL;
  }
  ws->b = ws->a + n;
  ws->U = ws->L + dd;
  ws->tmp = ws->U + dd;
  ws->sigma = ws->tmp + dd;
  ws->dual = ws->sigma + dd;
  ws->w = ws->dual + dd;
  return ws;
}

static specot_status exact_oracle(void *data, specot_ctx *ctx, const double *Q, size_t slot,
                                  double *S_new, double *value) {
  specot_spectral_ws *ws = data;
  const size_t d = ws->d;
  if (specot__cancelled(ctx))
    return specot__fail(ctx, SPECOT_ERR_CANCELLED, "transport: cancelled between OT calls");
  if (spec_sqrt_psd(&ws->eig, Q, d, ws->L, ws->w, ws->U, ws->tmp) != 0)
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "transport: eigendecomposition of Q failed");
  specot_ot_emd_result res;
  const specot_status st = specot_ot_emd_solve_points(ctx, ws->emd, ws->a, ws->b, ws->X, ws->Y,
                                                      ws->L, d, &ws->emd_opts, &res);
  if (st < 0) return st;
  size_t *rows = ws->crow + slot * ws->colnnz, *cols = ws->ccol + slot * ws->colnnz;
  double *mass = ws->cmass + slot * ws->colnnz;
  ws->cnnz[slot] = specot_ot_emd_plan(ws->emd, rows, cols, mass);
  spec_sigma_sparse(ws->X, ws->Y, d, rows, cols, mass, ws->cnnz[slot], S_new);
  /* Certified lower bound from the potentials: shifting f by the most
   * negative reduced cost makes (f, g) dual feasible (total mass 1). */
  *value = res.dual_objective + fmin(0.0, res.min_reduced_cost);
  if (*value > res.cost) *value = res.cost;
  return SPECOT_OK;
}


/* ------------------------------------------------------- entropic oracle */

static specot_status entropic_oracle(void *data, specot_ctx *ctx, const double *Q, size_t slot,
                                     double *S_new, double *value) {
  specot_spectral_ws *ws = data;
  if (specot__cancelled(ctx))
    return specot__fail(ctx, SPECOT_ERR_CANCELLED, "transport: cancelled between OT calls");
  return spec_entropic_oracle(ws->ent, ctx, Q, slot, S_new, value);
}

static void entropic_move(void *data, size_t from, size_t to) {
  specot_spectral_ws *ws = data;
  spec_entropic_move(ws->ent, from, to);
}

static void move_column(void *data, size_t from, size_t to) {
  specot_spectral_ws *ws = data;
  const size_t c = ws->colnnz, nnz = ws->cnnz[from];
  memmove(ws->crow + to * c, ws->crow + from * c, nnz * sizeof *ws->crow);
  memmove(ws->ccol + to * c, ws->ccol + from * c, nnz * sizeof *ws->ccol);
  memmove(ws->cmass + to * c, ws->cmass + from * c, nnz * sizeof *ws->cmass);
  ws->cnnz[to] = nnz;
}


static int cmp_entry(const void *pa, const void *pb) {
  const plan_entry *a = pa, *b = pb;
  if (a->row != b->row) return a->row < b->row ? -1 : 1;
  if (a->col != b->col) return a->col < b->col ? -1 : 1;
  return 0;
}

/* Combined plan sum_k lambda_k pi_k, merged and sorted by (row, col). */
static size_t assemble_plan(specot_spectral_ws *ws, plan_entry *buf) {
  size_t cnt = 0;
  const spec_cg *cg = &ws->cg;
  for (size_t k = 0; k < cg->r; ++k) {
    if (cg->lambda[k] <= 0.0) continue;
    const size_t off = k * ws->colnnz;
    for (size_t t = 0; t < ws->cnnz[k]; ++t) {
      buf[cnt].row = ws->crow[off + t];
      buf[cnt].col = ws->ccol[off + t];
      buf[cnt].mass = cg->lambda[k] * ws->cmass[off + t];
      ++cnt;
    }
  }
  qsort(buf, cnt, sizeof *buf, cmp_entry);
  size_t out = 0;
  for (size_t t = 0; t < cnt; ++t) {
    if (out > 0 && ws->prow[out - 1] == buf[t].row && ws->pcol[out - 1] == buf[t].col) {
      ws->pmass[out - 1] += buf[t].mass;
    } else {
      ws->prow[out] = buf[t].row;
      ws->pcol[out] = buf[t].col;
      ws->pmass[out] = buf[t].mass;
      ++out;
    }
  }
  return out;
}

static specot_status check_weights(specot_ctx *ctx, const double *w, size_t len, const char *name,
                                   double *total) {
  double s = 0.0;
  for (size_t i = 0; i < len; ++i) {
    if (!isfinite(w[i]) || w[i] < 0.0)
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "transport: weight %s[%zu] = %g must be finite and >= 0", name, i, w[i]);
    s += w[i];
  }
  if (!(s > 0.0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "transport: weights %s sum to 0", name);
  *total = s;
  return SPECOT_OK;
}

static specot_status validate(specot_ctx *ctx, specot_spectral_ws *ws, const specot_gauge *gauge,
                              const double *X, const double *a, const double *Y, const double *b,
                              const specot_spectral_opts *opts) {
  if (!ws || !X || !Y)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "transport: NULL workspace or points");
  specot_status st = spec_gauge_check(ctx, gauge, ws->d, "transport");
  if (st != SPECOT_OK) return st;
  if (!(opts->tol >= 0.0) || isinf(opts->tol))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "transport: tol = %g must be finite and >= 0",
                        opts->tol);
  if (!(opts->alpha < 1.0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "transport: alpha = %g must be < 1", opts->alpha);
  if (opts->oracle != SPECOT_SPECTRAL_ORACLE_EXACT && opts->oracle != SPECOT_SPECTRAL_ORACLE_ENTROPIC)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "transport: unknown oracle %d", (int)opts->oracle);
  if (!specot__all_finite(X, ws->n * ws->d))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "transport: X has a non-finite entry");
  if (!specot__all_finite(Y, ws->m * ws->d))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "transport: Y has a non-finite entry");
  double sa = 1.0, sb = 1.0;
  if (a && (st = check_weights(ctx, a, ws->n, "a", &sa)) != SPECOT_OK) return st;
  if (b && (st = check_weights(ctx, b, ws->m, "b", &sb)) != SPECOT_OK) return st;
  if (fabs(sa - sb) > 1e-9 * fmax(sa, sb))
    return specot__fail(ctx, SPECOT_ERR_INFEASIBLE,
                        "transport: weights a sum to %.17g, b to %.17g (totals must be equal)", sa,
                        sb);
  for (size_t i = 0; i < ws->n; ++i) ws->a[i] = a ? a[i] / sa : 1.0 / (double)ws->n;
  for (size_t j = 0; j < ws->m; ++j) ws->b[j] = b ? b[j] / sb : 1.0 / (double)ws->m;
  return SPECOT_OK;
}

specot_status specot_spectral_solve(specot_ctx *ctx, specot_spectral_ws *ws,
                                    const specot_gauge *gauge, const double *X, const double *a,
                                    const double *Y, const double *b,
                                    const specot_spectral_opts *opts, specot_spectral_result *res) {
  specot__ctx_reset(ctx);
  specot_spectral_opts defaults;
  if (!opts) {
    specot_spectral_opts_init(&defaults);
    opts = &defaults;
  }
  if (!res) return specot__fail(ctx, SPECOT_ERR_INVALID, "transport: NULL result");
  memset(res, 0, sizeof *res);
  specot_status st = validate(ctx, ws, gauge, X, a, Y, b, opts);
  if (st != SPECOT_OK) return st;
  const int entropic = opts->oracle == SPECOT_SPECTRAL_ORACLE_ENTROPIC;
  if (entropic) {
    if (!(opts->entropic_eps > 0.0) || isinf(opts->entropic_eps))
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "transport: entropic_eps = %g must be finite and > 0",
                          opts->entropic_eps);
    if (!ws->ent && !(ws->ent = spec_entropic_alloc(ctx, ws->n, ws->m, ws->d, ws->cap)))
      return specot_ctx_status(ctx) < 0 ? specot_ctx_status(ctx) : SPECOT_ERR_NOMEM;
    spec_entropic_prepare(ws->ent, X, Y, ws->a, ws->b, opts->entropic_eps,
                          opts->tol);
  }
  const size_t n = ws->n, m = ws->m, d = ws->d;
  ws->X = X;
  ws->Y = Y;
  /* Absolute floor of the gap: rounding level of the second moment about
   * the mean of mu. */
  double scale = 0.0;
  for (size_t l = 0; l < d; ++l) {
    double mean = 0.0;
    for (size_t i = 0; i < n; ++i) mean += ws->a[i] * X[i * d + l];
    for (size_t i = 0; i < n; ++i) scale += ws->a[i] * (X[i * d + l] - mean) * (X[i * d + l] - mean);
    for (size_t j = 0; j < m; ++j) scale += ws->b[j] * (Y[j * d + l] - mean) * (Y[j * d + l] - mean);
  }
  const double floor = 64 * DBL_EPSILON * scale;
  spec_cg_out out = {0};
  st = spec_cg_run(&ws->cg, ctx, gauge, opts, floor, entropic ? entropic_oracle : exact_oracle,
                   entropic ? entropic_move : move_column, ws, &out);
  if (st < 0) return st;
  /* Plan of the best upper bound; Sigma and UB recomputed from it. */
  const size_t *prow = ws->prow, *pcol = ws->pcol;
  const double *pmass = ws->pmass;
  if (entropic) {
    const specot_status ast = spec_entropic_assemble(ws->ent, ctx, ws->cg.lambda, ws->cg.r, &prow,
                                                     &pcol, &pmass, &res->plan_nnz);
    if (ast < 0) return ast;
  } else {
    res->plan_nnz = assemble_plan(ws, ws->entries);
  }
  spec_sigma_sparse(X, Y, d, prow, pcol, pmass, res->plan_nnz, ws->sigma);
  if (spec_eig_sym(&ws->eig, ws->sigma, ws->w, ws->U) != 0)
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "transport: eigendecomposition failed");
  memcpy(ws->dual, ws->cg.Qbest, d * d * sizeof *ws->dual);
  res->squared_cost = spec_gauge_from_eigs(gauge, ws->w, d);
  res->lower_bound = out.lb;
  res->gap = res->squared_cost - res->lower_bound;
  res->relative_gap = res->squared_cost > 0 ? res->gap / res->squared_cost : 0.0;
  res->iterations = out.iterations;
  res->ot_calls = out.calls;
  res->columns = 0;
  for (size_t k = 0; k < ws->cg.r; ++k) res->columns += ws->cg.lambda[k] > 0.0;
  res->status = st;
  res->sigma = ws->sigma;
  res->dual = ws->dual;
  res->plan_rows = prow;
  res->plan_cols = pcol;
  res->plan_mass = pmass;
  if (st == SPECOT_WARN_MAXITER)
    specot__fail(ctx, st, "transport: stopped after %zu iterations with relative gap %.3g",
                 out.iterations, res->relative_gap);
  return st;
}

specot_status specot_spectral_transport(specot_ctx *ctx, const specot_gauge *gauge,
                                        const double *X, size_t n, const double *a,
                                        const double *Y, size_t m, const double *b, size_t d,
                                        const specot_spectral_opts *opts, double *squared_cost,
                                        double *lower_bound) {
  specot_spectral_ws *ws = specot_spectral_ws_alloc(ctx, n, m, d, 0);
  if (!ws) return specot_ctx_status(ctx) < 0 ? specot_ctx_status(ctx) : SPECOT_ERR_NOMEM;
  specot_spectral_result res;
  const specot_status st = specot_spectral_solve(ctx, ws, gauge, X, a, Y, b, opts, &res);
  if (st >= 0) {
    if (squared_cost) *squared_cost = res.squared_cost;
    if (lower_bound) *lower_bound = res.lower_bound;
  }
  specot_spectral_ws_free(ws);
  return st;
}

specot_status specot_spectral_geodesic(specot_ctx *ctx, const double *X, size_t n,
                                       const double *Y, size_t m, size_t d, const size_t *rows,
                                       const size_t *cols, const double *mass, size_t nnz,
                                       double t, double *Z, double *w) {
  specot__ctx_reset(ctx);
  if (!X || !Y || !Z || !w || d == 0 || (nnz > 0 && (!rows || !cols || !mass)))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "geodesic: NULL argument or d = 0");
  if (!(t >= 0.0 && t <= 1.0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "geodesic: t = %g must be in [0, 1]", t);
  for (size_t e = 0; e < nnz; ++e) {
    if (rows[e] >= n || cols[e] >= m)
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "geodesic: entry %zu has index (%zu, %zu) outside %zu x %zu", e, rows[e],
                          cols[e], n, m);
    const double *x = X + rows[e] * d, *y = Y + cols[e] * d;
    for (size_t l = 0; l < d; ++l) Z[e * d + l] = (1.0 - t) * x[l] + t * y[l];
    w[e] = mass[e];
  }
  return SPECOT_OK;
}
