/* Damped Newton for semi-discrete OT (Kitagawa–Mérigot–Thibert) with exact
 * cells in d = 1 and d = 2. */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exact_internal.h"

/* Dense Hessian budget: 3 n^2 doubles (2.4 GB at n = 10^4). */
#define SDOT__NEWTON_NMAX 10000

void specot_sdot_newton_opts_init(specot_sdot_newton_opts *o) {
  o->tol = 1e-10, o->max_iter = 100, o->max_halvings = 40, o->warm_start = 0;
}

static int distinct_targets(const specot_sdot_problem *p, size_t *a, size_t *b) {
  for (size_t i = 0; i < p->n; ++i)
    for (size_t k = i + 1; k < p->n; ++k) {
      int same = 1;
      for (size_t c = 0; c < p->d && same; ++c) same = p->y[i * p->d + c] == p->y[k * p->d + c];
      if (same) return *a = i, *b = k, 0;
    }
  return 1;
}

static double norm2_residual(const specot_sdot_problem *p, const double *w) {
  double s = 0.0;
  for (size_t j = 0; j < p->n; ++j) {
    const double r = w[j] - sdot__nu(p, j);
    s += r * r;
  }
  return sqrt(s);
}

static double min_of(const double *v, size_t n) {
  double m = INFINITY;
  for (size_t j = 0; j < n; ++j) m = fmin(m, v[j]);
  return m;
}

specot_status specot_sdot_solve_newton(specot_ctx *ctx, const specot_sdot_problem *prob,
                                       const specot_sdot_newton_opts *opts, double *h,
                                       specot_sdot_result *res) {
  specot__ctx_reset(ctx);
  specot_sdot_newton_opts def;
  if (!opts) specot_sdot_newton_opts_init(&def), opts = &def;
  specot_status st = sdot__exact_check(ctx, prob);
  if (st) return st;
  if (!h || !res)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot newton: NULL heights or result");
  if (!(opts->tol > 0) || opts->max_iter == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot newton: need tol > 0 and max_iter > 0");
  if (prob->n > SDOT__NEWTON_NMAX)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE,
                        "sdot newton: n = %zu targets need three dense n x n matrices (%.1f GB); "
                        "the limit is n <= %zu (use adam or asgd)",
                        prob->n, 24.0 * (double)prob->n * (double)prob->n / 1e9,
                        (size_t)SDOT__NEWTON_NMAX);
  size_t a, b;
  if (!distinct_targets(prob, &a, &b))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "sdot newton: targets %zu and %zu coincide (Newton needs distinct targets)",
                        a, b);
  const size_t n = prob->n, d = prob->d;
  size_t nn;
  if (specot__mul_size(n, n, &nn) || n > SPECOT__BLAS_INT_MAX / 2)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "sdot newton: n x n Hessian overflows");
  const size_t scr = sdot__exact_scratch(n);
  double *mem = specot__alloc_doubles(3 * nn + 5 * n + n * d + scr);
  if (!mem) return specot__fail(ctx, SPECOT_ERR_NOMEM, "sdot newton: out of memory (n = %zu)", n);
  double *H = mem, *Ht = H + nn, *A = Ht + nn, *w = A + nn, *wt = w + n, *ht = wt + n;
  double *delta = ht + n, *nu = delta + n, *mom = nu + n, *scratch = mom + n * d;
  for (size_t j = 0; j < n; ++j) nu[j] = sdot__nu(prob, j);
  if (opts->warm_start) {
    if (!specot__all_finite(h, n)) {
      specot__free(mem);
      return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot newton: non-finite initial height");
    }
  } else {
    double ymax = 0.0;
    for (size_t k = 0; k < n * d; ++k) ymax = fmax(ymax, fabs(prob->y[k]));
    const double s = prob->source == SPECOT_SDOT_CUBE && ymax > 0 ? 1.0 / (2.0 * ymax) : 1.0;
    for (size_t j = 0; j < n; ++j) {
      double r = 0.0;
      for (size_t c = 0; c < d; ++c) r += prob->y[j * d + c] * prob->y[j * d + c];
      h[j] = -0.5 * s * r;
    }
  }
  sdot__exact_eval(prob, h, w, NULL, H, NULL, scratch);
  const double wmin0 = min_of(w, n);
  if (!(wmin0 > 0)) {
    specot__free(mem);
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "sdot newton: a cell is empty at the starting heights (KMT needs all "
                        "cells non-empty)");
  }
  const double eps0 = 0.5 * fmin(wmin0, min_of(nu, n));
  memset(res, 0, sizeof *res);
  size_t it = 0;
  st = SPECOT_WARN_MAXITER;
  for (;; ++it) {
    sdot__mass_summary(prob, w, &res->max_rel_error, &res->empty_cells);
    res->grad_norm = norm2_residual(prob, w);
    if (res->max_rel_error <= opts->tol) {
      st = SPECOT_OK;
      break;
    }
    if (it == opts->max_iter) break;
    /* (H + 1 1^T/n) delta = -(w - nu): SPD on the whole space (H is PSD with kernel 1). */
    for (size_t i = 0; i < n; ++i) {
      for (size_t k = 0; k < n; ++k) A[i * n + k] = H[i * n + k] + 1.0 / (double)n;
      delta[i] = nu[i] - w[i];
    }
    lapack_int info =
        LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)n, 1, A, (lapack_int)n, delta, 1);
    if (info != 0) {
      st = specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                        "sdot newton: Hessian solve failed (LAPACK info %d) at iteration %zu",
                        (int)info, it);
      break;
    }
    double alpha = 1.0;
    size_t halvings = 0;
    for (;; alpha *= 0.5, ++halvings) {
      if (halvings > opts->max_halvings) break;
      for (size_t j = 0; j < n; ++j) ht[j] = h[j] + alpha * delta[j];
      sdot__exact_eval(prob, ht, wt, NULL, Ht, NULL, scratch);
      if (min_of(wt, n) >= eps0 && norm2_residual(prob, wt) <= (1.0 - 0.5 * alpha) * res->grad_norm)
        break;
    }
    if (halvings > opts->max_halvings) {
      st = specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                        "sdot newton: line search failed after %zu halvings at iteration %zu "
                        "(max relative cell error %.3g)",
                        opts->max_halvings, it, res->max_rel_error);
      break;
    }
    memcpy(h, ht, n * sizeof *h), memcpy(w, wt, n * sizeof *w);
    double *t = H;
    H = Ht, Ht = t;
  }
  res->iterations = it;
  if (st >= 0) {
    sdot__center(h, n);
    sdot__exact_eval(prob, h, w, mom, NULL, &res->energy, scratch);
    res->w2 = specot_sdot_w2_from_energy(prob, res->energy);
    if (st == SPECOT_WARN_MAXITER)
      specot__fail(ctx, st, "sdot newton: %zu iterations, max relative cell error %.3g > tol %.3g",
                   it, res->max_rel_error, opts->tol);
  }
  specot__free(mem);
  return st;
}
