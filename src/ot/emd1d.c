/*
 * 1-D exact OT for C_ij = (x_i - y_j)^2 by sorting: the north-west corner
 * rule on the sorted atoms gives the monotone (comonotone) plan, optimal for
 * every convex function of x - y.  Potentials solve f_i + g_j = C_ij along
 * the staircase; C is a Monge array on sorted atoms, which makes the
 * staircase potentials dual feasible.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ot_internal.h"

typedef struct keyed {
  double v;
  size_t i;
} keyed;

static int cmp_keyed(const void *p, const void *q) {
  const keyed *a = p, *b = q;
  if (a->v < b->v) return -1;
  if (a->v > b->v) return 1;
  return a->i < b->i ? -1 : (a->i > b->i);
}

typedef struct entry {
  size_t r, c;
  double w;
} entry;

static int cmp_entry(const void *p, const void *q) {
  const entry *a = p, *b = q;
  if (a->r != b->r) return a->r < b->r ? -1 : 1;
  return a->c < b->c ? -1 : (a->c > b->c);
}

static double sq(double t) { return t * t; }

specot_status specot_ot_emd_1d(specot_ctx *ctx, size_t n, size_t m, const double *x,
                               const double *a, const double *y, const double *b,
                               const specot_ot_emd_opts *opts, specot_ot_emd_result *result,
                               size_t *row, size_t *col, double *mass, double *f, double *g) {
  specot__ctx_reset(ctx);
  specot_ot_emd_opts def;
  if (!opts) {
    specot_ot_emd_opts_init(&def);
    opts = &def;
  }
  if (result) memset(result, 0, sizeof *result);
  if (n == 0 || m == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "emd_1d: sizes n = %zu, m = %zu must be > 0", n,
                        m);
  if (!x || !y) return specot__fail(ctx, SPECOT_ERR_INVALID, "emd_1d: x and y must be non-NULL");
  if (n > SIZE_MAX / 4 / sizeof(entry) || m > SIZE_MAX / 4 / sizeof(entry))
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "emd_1d: sizes overflow size_t");
  if (!specot__all_finite(x, n) || !specot__all_finite(y, m))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "emd_1d: x and y must be finite");
  if (!(opts->mass_rtol >= 0.0) || !isfinite(opts->mass_rtol))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "emd_1d: mass_rtol = %g must be finite and >= 0",
                        opts->mass_rtol);
  double ta, tb;
  specot_status st = specot__ot_check_masses(ctx, a, n, b, m, opts->mass_rtol, &ta, &tb);
  if (st) return st;
  keyed *kx = malloc(n * sizeof *kx), *ky = malloc(m * sizeof *ky);
  entry *plan = malloc((n + m) * sizeof *plan);
  double *fl = malloc(n * sizeof *fl), *gl = malloc(m * sizeof *gl);
  if (!kx || !ky || !plan || !fl || !gl) {
    free(kx);
    free(ky);
    free(plan);
    free(fl);
    free(gl);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "emd_1d: out of memory");
  }
  for (size_t i = 0; i < n; ++i) kx[i] = (keyed){x[i], i};
  for (size_t j = 0; j < m; ++j) ky[j] = (keyed){y[j], j};
  qsort(kx, n, sizeof *kx, cmp_keyed);
  qsort(ky, m, sizeof *ky, cmp_keyed);
  /* Staircase walk. */
  size_t i = 0, j = 0, nnz = 0;
  double ra = specot__ot_weight(a, n, kx[0].i), rb = specot__ot_weight(b, m, ky[0].i);
  fl[kx[0].i] = 0.0;
  gl[ky[0].i] = sq(kx[0].v - ky[0].v);
  double cost = 0.0;
  /* Leftovers below this are subtraction round-off, not mass. */
  const double dust = 4.0 * DBL_EPSILON * ta;
  for (;;) {
    const double t = ra < rb ? ra : rb;
    if (t > dust) {
      plan[nnz++] = (entry){kx[i].i, ky[j].i, t};
      cost += t * sq(kx[i].v - ky[j].v);
    }
    ra -= t;
    rb -= t;
    const int adv_i = ra <= rb; /* row exhausted first (ties: row) */
    if (adv_i) {
      if (i + 1 == n) break;
      ++i;
      ra = specot__ot_weight(a, n, kx[i].i);
      fl[kx[i].i] = sq(kx[i].v - ky[j].v) - gl[ky[j].i];
    } else {
      if (j + 1 == m) break;
      ++j;
      rb = specot__ot_weight(b, m, ky[j].i);
      gl[ky[j].i] = sq(kx[i].v - ky[j].v) - fl[kx[i].i];
    }
  }
  /* Remaining atoms (only zero or rounding-level mass is left on them). */
  for (size_t i2 = i + 1; i2 < n; ++i2) {
    fl[kx[i2].i] = sq(kx[i2].v - ky[m - 1].v) - gl[ky[m - 1].i];
    const double t = specot__ot_weight(a, n, kx[i2].i);
    if (t > 0.0) {
      plan[nnz++] = (entry){kx[i2].i, ky[m - 1].i, t};
      cost += t * sq(kx[i2].v - ky[m - 1].v);
    }
  }
  for (size_t j2 = j + 1; j2 < m; ++j2) {
    gl[ky[j2].i] = sq(kx[n - 1].v - ky[j2].v) - fl[kx[n - 1].i];
    const double t = specot__ot_weight(b, m, ky[j2].i);
    if (t > 0.0) {
      plan[nnz++] = (entry){kx[n - 1].i, ky[j2].i, t};
      cost += t * sq(kx[n - 1].v - ky[j2].v);
    }
  }
  qsort(plan, nnz, sizeof *plan, cmp_entry);
  /* Merge duplicates created by the tail loops. */
  size_t k = 0;
  for (size_t q = 0; q < nnz; ++q) {
    if (k > 0 && plan[k - 1].r == plan[q].r && plan[k - 1].c == plan[q].c)
      plan[k - 1].w += plan[q].w;
    else
      plan[k++] = plan[q];
  }
  nnz = k;
  /* Normalise <a,f> = <b,g>. */
  double af = 0.0, bg = 0.0;
  for (size_t q = 0; q < n; ++q) af += specot__ot_weight(a, n, q) * fl[q];
  for (size_t q = 0; q < m; ++q) bg += specot__ot_weight(b, m, q) * gl[q];
  const double shift = (bg - af) / (ta + tb);
  for (size_t q = 0; q < n; ++q) fl[q] += shift;
  for (size_t q = 0; q < m; ++q) gl[q] -= shift;
  if (row || col || mass)
    for (size_t q = 0; q < nnz; ++q) {
      if (row) row[q] = plan[q].r;
      if (col) col[q] = plan[q].c;
      if (mass) mass[q] = plan[q].w;
    }
  if (f) memcpy(f, fl, n * sizeof(double));
  if (g) memcpy(g, gl, m * sizeof(double));
  if (result) {
    double err = 0.0;
    double *ra2 = calloc(n + m, sizeof(double));
    if (ra2) {
      for (size_t q = 0; q < nnz; ++q) {
        ra2[plan[q].r] += plan[q].w;
        ra2[n + plan[q].c] += plan[q].w;
      }
      for (size_t q = 0; q < n; ++q) err += fabs(ra2[q] - specot__ot_weight(a, n, q));
      for (size_t q = 0; q < m; ++q) err += fabs(ra2[n + q] - specot__ot_weight(b, m, q));
      free(ra2);
    }
    result->cost = cost;
    result->dual_objective = af + bg;
    result->min_reduced_cost = 0.0;
    result->lower_bound = af + bg;
    result->marginal_error = err;
    result->nnz = nnz;
    result->iterations = 0;
    result->warm_started = 0;
    result->status = SPECOT_OK;
  }
  free(kx);
  free(ky);
  free(plan);
  free(fl);
  free(gl);
  return SPECOT_OK;
}
