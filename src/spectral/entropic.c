/* Entropic (Sinkhorn) oracle of the discrete spectral transport solver.
 *
 * Per oracle call with dual matrix Q = L^2 (L = Q^{1/2}):
 *   1. transformed points L x_i, L y_j of the clouds centred at the mean of
 *      mu (W is translation invariant; centring shrinks the cancellation in
 *      the four-term Sigma below), cost C_ij = |L x_i - L y_j|^2;
 *   2. log-domain Sinkhorn at eps = entropic_eps * mean_ij C_ij, warm-started
 *      from the potentials of the previous call and annealed from an eps
 *      that covers the change of cost, eps_start ~ ||Q - Q_prev||_2 R^2
 *      (R^2 bounds |x_i - y_j|^2), down to eps;
 *   3. rounding onto Pi(a, b) (Altschuler, Weed, Rigollet 2017, with the
 *      rank-one correction replaced by a north-west-corner transport of the
 *      residual masses, which keeps the plan sparse): entries below
 *      DROP * a_i / m are dropped, rows then columns scaled down to their
 *      marginals, and the residuals moved by north-west corner;
 *   4. Sigma of the rounded plan with its actual marginals r, c:
 *      Sigma = X^T diag(r) X + Y^T diag(c) Y - X^T P Y - Y^T P^T X (dgemm)
 *      plus the sparse sum over the corner entries;
 *   5. LB = c-transform bound of the Sinkhorn potentials (ot.h lower_bound).
 * Columns keep only Sigma_k and (f_k, g_k, Q_k, eps_k); the plan of the
 * returned combination is rebuilt from the potentials at the end. */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/ot.h"
#include "spectral_internal.h"

/* Entries of the entropic plan below DROP * a_i / m are dropped before the
 * rounding: at most DROP of each row's mass moves into the corner repair. */
#define SPEC_ENT_DROP 1e-9
/* Sinkhorn tolerances (L1 marginal violation, mass units): final stage (a
 * fraction of the outer relative tolerance, scaled by mean cost / cost range
 * since the rounding moves the violated mass at a cost up to the range; at
 * most SPEC_ENT_TOL_MAX) and intermediate annealing stages. */
#define SPEC_ENT_TOL_FRACTION 0.1
#define SPEC_ENT_TOL_MAX 1e-5
#define SPEC_ENT_STAGE_TOL 1e-3
#define SPEC_ENT_STAGE_ITER 50
#define SPEC_ENT_MAX_ITER 5000

typedef struct ent_entry {
  size_t row, col;
  double mass;
} ent_entry;

struct spec_entropic {
  size_t n, m, d, cap;
  specot_ot_sinkhorn_ws *sk;
  spec_eig eig;
  const double *a, *b;
  double *C, *P;            /* n m each */
  double *Xc, *Yc, *Xt, *Yt; /* n d, m d, n d, m d */
  double *PY;               /* n d */
  double *rs, *cs;          /* n, m: actual marginals of the scaled plan */
  double *pot, *colQ, *coleps; /* cap (n + m), cap d d, cap */
  double *fw, *gw;          /* n, m: warm-start potentials */
  double *L, *w, *U, *tmp, *Qprev, *Srep; /* d d, d, d d, d d, d d, d d */
  size_t *rrow, *rcol;      /* n + m: corner-repair entries */
  double *rmass;
  size_t rnnz;
  int have_warm;
  double eps_rel, tol_rel, radius2;
  /* Result plan (grown on demand) and merge scratch. */
  ent_entry *entries;
  size_t entries_cap;
  size_t *prow, *pcol;
  double *pmass;
  size_t pcap;
};

void spec_entropic_free(spec_entropic *e) {
  if (!e) return;
  specot_ot_sinkhorn_ws_free(e->sk);
  spec_eig_free(&e->eig);
  specot__free(e->C);
  specot__free(e->Xc);
  specot__free(e->pot);
  specot__free(e->L);
  free(e->rrow);
  specot__free(e->rmass);
  free(e->entries);
  free(e->prow);
  free(e->pcol);
  free(e->pmass);
  free(e);
}

spec_entropic *spec_entropic_alloc(specot_ctx *ctx, size_t n, size_t m, size_t d, size_t cap) {
  size_t nm, big, pots;
  if (specot__mul_size(n, m, &nm) != 0 || nm > SIZE_MAX / 16 || n > SPECOT__BLAS_INT_MAX ||
      m > SPECOT__BLAS_INT_MAX || specot__mul_size(cap, n + m + d * d + 1, &pots) != 0) {
    specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "transport: entropic oracle: n m = %zu x %zu too large",
                 n, m);
    return NULL;
  }
  big = 2 * nm;
  spec_entropic *e = calloc(1, sizeof *e);
  if (!e) {
    specot__fail(ctx, SPECOT_ERR_NOMEM, "transport: out of memory");
    return NULL;
  }
  e->n = n;
  e->m = m;
  e->d = d;
  e->cap = cap;
  if (specot_ot_sinkhorn_ws_alloc(ctx, n, m, 0, NULL, &e->sk) != SPECOT_OK) {
    spec_entropic_free(e);
    return NULL;
  }
  const size_t dd = d * d;
  e->C = specot__alloc_doubles(big);
  e->Xc = specot__alloc_doubles(2 * (n + m) * d + n * d + 2 * (n + m));
  e->pot = specot__alloc_doubles(pots);
  e->L = specot__alloc_doubles(5 * dd + d);
  e->rrow = malloc(2 * (n + m) * sizeof *e->rrow);
  e->rmass = specot__alloc_doubles(n + m);
  if (!e->C || !e->Xc || !e->pot || !e->L || !e->rrow || !e->rmass ||
      spec_eig_init(&e->eig, d) != 0) {
    spec_entropic_free(e);
    specot__fail(ctx, SPECOT_ERR_NOMEM, "transport: entropic oracle: out of memory (%zu bytes)",
                 24 * nm);
    return NULL;
  }
  e->P = e->C + nm;
  e->Yc = e->Xc + n * d;
  e->Xt = e->Yc + m * d;
  e->Yt = e->Xt + n * d;
  e->PY = e->Yt + m * d;
  e->rs = e->PY + n * d;
  e->cs = e->rs + n;
  e->fw = e->cs + m;
  e->gw = e->fw + n;
  e->colQ = e->pot + cap * (n + m);
  e->coleps = e->colQ + cap * dd;
  e->w = e->L + dd;
  e->U = e->w + d;
  e->tmp = e->U + dd;
  e->Qprev = e->tmp + dd;
  e->Srep = e->Qprev + dd;
  e->rcol = e->rrow + (n + m);
  return e;
}

/* Centres the clouds at the weighted mean of mu; resets the warm start. */
void spec_entropic_prepare(spec_entropic *e, const double *X, const double *Y, const double *a,
                           const double *b, double eps_rel, double tol_rel) {
  const size_t n = e->n, m = e->m, d = e->d;
  e->a = a;
  e->b = b;
  e->eps_rel = eps_rel;
  e->tol_rel = tol_rel;
  e->have_warm = 0;
  double rx = 0.0, ry = 0.0;
  for (size_t l = 0; l < d; ++l) {
    double mean = 0.0;
    for (size_t i = 0; i < n; ++i) mean += a[i] * X[i * d + l];
    for (size_t i = 0; i < n; ++i) e->Xc[i * d + l] = X[i * d + l] - mean;
    for (size_t j = 0; j < m; ++j) e->Yc[j * d + l] = Y[j * d + l] - mean;
  }
  for (size_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (size_t l = 0; l < d; ++l) s += e->Xc[i * d + l] * e->Xc[i * d + l];
    rx = fmax(rx, s);
  }
  for (size_t j = 0; j < m; ++j) {
    double s = 0.0;
    for (size_t l = 0; l < d; ++l) s += e->Yc[j * d + l] * e->Yc[j * d + l];
    ry = fmax(ry, s);
  }
  /* |x - y|^2 <= (|x| + |y|)^2 */
  e->radius2 = (sqrt(rx) + sqrt(ry)) * (sqrt(rx) + sqrt(ry));
}

/* Xt = Xc L, Yt = Yc L (L symmetric); C from the differences; returns the
 * mean cost over all pairs (closed form, used only to set eps). */
static double build_cost(spec_entropic *e) {
  const size_t n = e->n, m = e->m, d = e->d;
  const int bd = (int)d;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, bd, bd, 1.0, e->Xc, bd, e->L, bd,
              0.0, e->Xt, bd);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, bd, bd, 1.0, e->Yc, bd, e->L, bd,
              0.0, e->Yt, bd);
  for (size_t i = 0; i < n; ++i) {
    const double *x = e->Xt + i * d;
    double *row = e->C + i * m;
    for (size_t j = 0; j < m; ++j) {
      const double *y = e->Yt + j * d;
      double c = 0.0;
      for (size_t l = 0; l < d; ++l) c += (x[l] - y[l]) * (x[l] - y[l]);
      row[j] = c;
    }
  }
  double sx = 0.0, sy = 0.0, cross = 0.0;
  for (size_t l = 0; l < d; ++l) {
    double mx = 0.0, my = 0.0;
    for (size_t i = 0; i < n; ++i) {
      mx += e->Xt[i * d + l];
      sx += e->Xt[i * d + l] * e->Xt[i * d + l];
    }
    for (size_t j = 0; j < m; ++j) {
      my += e->Yt[j * d + l];
      sy += e->Yt[j * d + l] * e->Yt[j * d + l];
    }
    cross += (mx / (double)n) * (my / (double)m);
  }
  return fmax(sx / (double)n + sy / (double)m - 2.0 * cross, 0.0);
}

/* Rounds the dense plan P onto Pi(a, b) in place (see the file comment);
 * the corner entries go to rrow/rcol/rmass, the actual marginals of the
 * dense part to rs, cs. */
static void round_plan(spec_entropic *e) {
  const size_t n = e->n, m = e->m;
  const double *a = e->a, *b = e->b;
  double *P = e->P;
  memset(e->cs, 0, m * sizeof *e->cs);
  for (size_t i = 0; i < n; ++i) {
    double *row = P + i * m;
    const double tau = SPEC_ENT_DROP * a[i] / (double)m;
    double r = 0.0;
    for (size_t j = 0; j < m; ++j) {
      if (row[j] < tau) row[j] = 0.0;
      r += row[j];
    }
    const double s = r > a[i] ? a[i] / r : 1.0;
    for (size_t j = 0; j < m; ++j) e->cs[j] += row[j] *= s;
  }
  for (size_t j = 0; j < m; ++j) e->cs[j] = e->cs[j] > b[j] ? b[j] / e->cs[j] : 1.0;
  for (size_t i = 0; i < n; ++i) {
    double *row = P + i * m;
    double r = 0.0;
    for (size_t j = 0; j < m; ++j) r += row[j] *= e->cs[j];
    e->rs[i] = r;
  }
  memset(e->cs, 0, m * sizeof *e->cs);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < m; ++j) e->cs[j] += P[i * m + j];
  /* North-west corner on the residuals a - r, b - c (both >= 0 up to
   * rounding, equal totals): at most n + m - 1 entries. */
  size_t i = 0, j = 0, k = 0;
  double ri = n ? fmax(a[0] - e->rs[0], 0.0) : 0.0, cj = m ? fmax(b[0] - e->cs[0], 0.0) : 0.0;
  while (i < n && j < m) {
    const double t = fmin(ri, cj);
    if (t > 0.0) {
      e->rrow[k] = i;
      e->rcol[k] = j;
      e->rmass[k++] = t;
    }
    ri -= t;
    cj -= t;
    if (ri <= cj) {
      if (++i < n) ri = fmax(a[i] - e->rs[i], 0.0);
    } else {
      if (++j < m) cj = fmax(b[j] - e->cs[j], 0.0);
    }
  }
  e->rnnz = k;
}

/* Sigma of the rounded plan: four-term formula with dgemm on the dense
 * part (actual marginals rs, cs) plus the corner entries. */
static void plan_sigma(spec_entropic *e, double *S) {
  const size_t n = e->n, m = e->m, d = e->d;
  const int bd = (int)d;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, bd, (int)m, 1.0, e->P, (int)m,
              e->Yc, bd, 0.0, e->PY, bd);
  /* S = -Xc^T PY */
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, bd, bd, (int)n, -1.0, e->Xc, bd, e->PY, bd,
              0.0, S, bd);
  for (size_t k = 0; k < d; ++k)
    for (size_t l = 0; l <= k; ++l) {
      double v = S[k * d + l] + S[l * d + k];
      for (size_t i = 0; i < n; ++i) v += e->rs[i] * e->Xc[i * d + k] * e->Xc[i * d + l];
      for (size_t j = 0; j < m; ++j) v += e->cs[j] * e->Yc[j * d + k] * e->Yc[j * d + l];
      e->tmp[k * d + l] = v;
    }
  spec_sigma_sparse(e->Xc, e->Yc, d, e->rrow, e->rcol, e->rmass, e->rnnz, e->Srep);
  for (size_t k = 0; k < d; ++k)
    for (size_t l = 0; l <= k; ++l) S[k * d + l] = S[l * d + k] = e->tmp[k * d + l] + e->Srep[k * d + l];
}

/* Sinkhorn at eps, warm-started and annealed from eps0 (> eps) when given. */
static specot_status sinkhorn(spec_entropic *e, specot_ctx *ctx, double eps, double eps0,
                              double tol, double *f, double *g, specot_ot_sinkhorn_result *res) {
  specot_ot_sinkhorn_opts so;
  specot_ot_sinkhorn_opts_init(&so);
  so.max_iter = SPEC_ENT_MAX_ITER;
  so.tol = tol;
  if (!e->have_warm) /* cold: the solver's own eps-scaling from the cost range */
    return specot_ot_sinkhorn_solve(ctx, e->sk, e->a, e->b, e->C, eps, &so, f, g, e->P, res);
  memcpy(f, e->fw, e->n * sizeof *f);
  memcpy(g, e->gw, e->m * sizeof *g);
  so.warm_start = 1;
  specot_ot_sinkhorn_opts stage = so;
  stage.tol = SPEC_ENT_STAGE_TOL;
  stage.max_iter = SPEC_ENT_STAGE_ITER;
  for (double s = eps0; s > eps; s *= 0.5) {
    const specot_status st =
        specot_ot_sinkhorn_solve(ctx, e->sk, e->a, e->b, e->C, s, &stage, f, g, NULL, NULL);
    if (st < 0) return st;
  }
  return specot_ot_sinkhorn_solve(ctx, e->sk, e->a, e->b, e->C, eps, &so, f, g, e->P, res);
}

specot_status spec_entropic_oracle(spec_entropic *e, specot_ctx *ctx, const double *Q, size_t slot,
                                   double *S_new, double *value) {
  const size_t n = e->n, m = e->m, d = e->d, dd = d * d;
  if (spec_sqrt_psd(&e->eig, Q, d, e->L, e->w, e->U, e->tmp) != 0)
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "transport: eigendecomposition of Q failed");
  const double mean = build_cost(e), eps = e->eps_rel * fmax(mean, DBL_MIN);
  double cmax = 0.0;
  for (size_t t = 0; t < n * m; ++t) cmax = fmax(cmax, e->C[t]);
  const double tol = fmin(SPEC_ENT_TOL_MAX, SPEC_ENT_TOL_FRACTION * e->tol_rel * mean /
                                                fmax(cmax, DBL_MIN));
  double eps0 = eps;
  if (e->have_warm) {
    /* |C' - C| <= ||Q - Q_prev||_2 |x - y|^2: anneal from that scale. */
    for (size_t t = 0; t < dd; ++t) e->tmp[t] = Q[t] - e->Qprev[t];
    if (spec_eig_sym(&e->eig, e->tmp, e->w, e->U) != 0)
      return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "transport: eigendecomposition failed");
    const double dq = fmax(fabs(e->w[0]), fabs(e->w[d - 1]));
    eps0 = fmax(eps, dq * e->radius2);
  }
  double *f = e->pot + slot * (n + m), *g = f + n;
  specot_ot_sinkhorn_result res;
  const specot_status st = sinkhorn(e, ctx, eps, eps0, fmax(tol, 1e-12), f, g, &res);
  if (st < 0) return st;
  memcpy(e->colQ + slot * dd, Q, dd * sizeof *Q);
  memcpy(e->Qprev, Q, dd * sizeof *Q);
  e->coleps[slot] = eps;
  memcpy(e->fw, f, n * sizeof *f);
  memcpy(e->gw, g, m * sizeof *g);
  e->have_warm = 1;
  round_plan(e);
  plan_sigma(e, S_new);
  /* c-transform bound: a certified lower bound on the exact W_Q^2. */
  *value = res.lower_bound;
  return SPECOT_OK;
}

void spec_entropic_move(spec_entropic *e, size_t from, size_t to) {
  const size_t c = e->n + e->m, dd = e->d * e->d;
  memmove(e->pot + to * c, e->pot + from * c, c * sizeof *e->pot);
  memmove(e->colQ + to * dd, e->colQ + from * dd, dd * sizeof *e->colQ);
  e->coleps[to] = e->coleps[from];
}

static int cmp_entry(const void *pa, const void *pb) {
  const ent_entry *x = pa, *y = pb;
  if (x->row != y->row) return x->row < y->row ? -1 : 1;
  if (x->col != y->col) return x->col < y->col ? -1 : 1;
  return 0;
}

static int grow_entries(spec_entropic *e, size_t need) {
  if (need <= e->entries_cap) return 0;
  size_t cap = e->entries_cap ? e->entries_cap : 1024;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : 2 * cap;
  if (cap > SIZE_MAX / sizeof(ent_entry)) return -1;
  ent_entry *p = realloc(e->entries, cap * sizeof *p);
  if (!p) return -1;
  e->entries = p;
  e->entries_cap = cap;
  return 0;
}

/* Appends lambda * (rounded plan of column k, rebuilt from its potentials). */
static int append_column(spec_entropic *e, size_t k, double lambda, size_t *cnt) {
  const size_t n = e->n, m = e->m, d = e->d;
  const double *f = e->pot + k * (n + m), *g = f + n, eps = e->coleps[k];
  if (spec_sqrt_psd(&e->eig, e->colQ + k * d * d, d, e->L, e->w, e->U, e->tmp) != 0) return -2;
  build_cost(e);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < m; ++j)
      e->P[i * m + j] = e->a[i] * e->b[j] * exp((f[i] + g[j] - e->C[i * m + j]) / eps);
  round_plan(e);
  size_t nnz = e->rnnz;
  for (size_t t = 0; t < n * m; ++t) nnz += e->P[t] > 0.0;
  if (grow_entries(e, *cnt + nnz) != 0) return -1;
  ent_entry *out = e->entries + *cnt;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < m; ++j)
      if (e->P[i * m + j] > 0.0) *out++ = (ent_entry){i, j, lambda * e->P[i * m + j]};
  for (size_t t = 0; t < e->rnnz; ++t)
    *out++ = (ent_entry){e->rrow[t], e->rcol[t], lambda * e->rmass[t]};
  *cnt += nnz;
  return 0;
}

specot_status spec_entropic_assemble(spec_entropic *e, specot_ctx *ctx, const double *lambda,
                                     size_t r, const size_t **rows, const size_t **cols,
                                     const double **mass, size_t *nnz) {
  size_t cnt = 0;
  for (size_t k = 0; k < r; ++k) {
    if (lambda[k] <= 0.0) continue;
    const int rc = append_column(e, k, lambda[k], &cnt);
    if (rc == -2)
      return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "transport: eigendecomposition of Q failed");
    if (rc != 0)
      return specot__fail(ctx, SPECOT_ERR_NOMEM,
                          "transport: entropic plan: out of memory for %zu entries", cnt);
  }
  qsort(e->entries, cnt, sizeof *e->entries, cmp_entry);
  size_t out = 0;
  for (size_t t = 0; t < cnt; ++t)
    if (out > 0 && e->entries[out - 1].row == e->entries[t].row &&
        e->entries[out - 1].col == e->entries[t].col)
      e->entries[out - 1].mass += e->entries[t].mass;
    else
      e->entries[out++] = e->entries[t];
  if (out > e->pcap) {
    free(e->prow);
    free(e->pcol);
    free(e->pmass);
    e->prow = malloc(out * sizeof *e->prow);
    e->pcol = malloc(out * sizeof *e->pcol);
    e->pmass = malloc(out * sizeof *e->pmass);
    e->pcap = out;
    if (!e->prow || !e->pcol || !e->pmass) {
      e->pcap = 0;
      return specot__fail(ctx, SPECOT_ERR_NOMEM,
                          "transport: entropic plan: out of memory for %zu entries", out);
    }
  }
  for (size_t t = 0; t < out; ++t) {
    e->prow[t] = e->entries[t].row;
    e->pcol[t] = e->entries[t].col;
    e->pmass[t] = e->entries[t].mass;
  }
  *rows = e->prow;
  *cols = e->pcol;
  *mass = e->pmass;
  *nnz = out;
  return SPECOT_OK;
}
