/* Column generation (fully corrective Frank-Wolfe) with in-out
 * stabilisation, generic over the oracle (discrete OT or Gaussian). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "spectral_internal.h"

int spec_cg_init(spec_cg *cg, size_t d, size_t cap) {
  memset(cg, 0, sizeof *cg);
  cg->d = d;
  cg->cap = cap;
  const size_t dd = d * d;
  if (spec_master_init(&cg->ms, d, cap) != 0) return -1;
  cg->cols = specot__alloc_doubles(cap * dd);
  cg->lambda = specot__alloc_doubles(2 * cap);
  cg->idle = (size_t *)specot__alloc_doubles(cap);
  cg->Q = specot__alloc_doubles(5 * dd);
  if (!cg->cols || !cg->lambda || !cg->idle || !cg->Q) {
    spec_cg_free(cg);
    return -1;
  }
  cg->lbest = cg->lambda + cap;
  cg->Qbest = cg->Q + dd;
  cg->Qm = cg->Qbest + dd;
  cg->Snew = cg->Qm + dd;
  cg->Sbest = cg->Snew + dd;
  return 0;
}

void spec_cg_free(spec_cg *cg) {
  spec_master_free(&cg->ms);
  specot__free(cg->cols);
  specot__free(cg->lambda);
  specot__free(cg->idle);
  specot__free(cg->Q);
  memset(cg, 0, sizeof *cg);
}

/* Removes column `k` by moving the last column into its slot. */
static void drop_column(spec_cg *cg, size_t k, spec_move_fn move, void *data) {
  const size_t dd = cg->d * cg->d, last = cg->r - 1;
  if (k != last) {
    memcpy(cg->cols + k * dd, cg->cols + last * dd, dd * sizeof *cg->cols);
    cg->lambda[k] = cg->lambda[last];
    cg->lbest[k] = cg->lbest[last];
    cg->idle[k] = cg->idle[last];
    move(data, last, k);
  }
  cg->r = last;
}

/* Makes room for one column: drops the idle zero-weight column, or, when
 * every column carries weight, the lightest (renormalising). */
static void make_room(spec_cg *cg, spec_move_fn move, void *data) {
  size_t victim = cg->r;
  size_t most_idle = 0;
  for (size_t k = 0; k < cg->r; ++k)
    if (cg->lambda[k] == 0.0 && cg->lbest[k] == 0.0 && cg->idle[k] >= most_idle) {
      most_idle = cg->idle[k];
      victim = k;
    }
  if (victim == cg->r) {
    double wmin = INFINITY;
    for (size_t k = 0; k < cg->r; ++k)
      if (cg->lambda[k] + cg->lbest[k] < wmin) {
        wmin = cg->lambda[k] + cg->lbest[k];
        victim = k;
      }
  }
  drop_column(cg, victim, move, data);
  double s = 0.0, sb = 0.0;
  for (size_t k = 0; k < cg->r; ++k) {
    s += cg->lambda[k];
    sb += cg->lbest[k];
  }
  for (size_t k = 0; k < cg->r; ++k) {
    cg->lambda[k] = s > 0 ? cg->lambda[k] / s : 1.0 / (double)cg->r;
    cg->lbest[k] = sb > 0 ? cg->lbest[k] / sb : cg->lambda[k];
  }
}

static int is_duplicate(const spec_cg *cg, const double *S) {
  const size_t dd = cg->d * cg->d;
  double nrm = 0.0;
  for (size_t t = 0; t < dd; ++t) nrm = fmax(nrm, fabs(S[t]));
  for (size_t k = 0; k < cg->r; ++k) {
    double diff = 0.0;
    for (size_t t = 0; t < dd; ++t) diff = fmax(diff, fabs(S[t] - cg->cols[k * dd + t]));
    if (diff <= 16 * DBL_EPSILON * nrm) return 1;
  }
  return 0;
}

specot_status spec_cg_run(spec_cg *cg, specot_ctx *ctx, const specot_gauge *g,
                          const specot_spectral_opts *opts, double floor, spec_oracle_fn oracle,
                          spec_move_fn move, void *data, spec_cg_out *out) {
  const size_t d = cg->d, dd = d * d;
  /* Very large finite p: lambda_max <= gamma_p <= d^{1/p} lambda_max, so when
   * log(d)/p <= tol/4 the p = inf problem solved to tol/2 answers the p
   * problem to within 3 tol/4.  Its certificates stay valid (K_inf is a subset
   * of K_p) and the callers recompute UB = gamma_p(Sigma) from the plan.
   * Below that, p >= SPEC_NORM_FORM_P uses the norm-form master (master.c). */
  specot_gauge g_inf;
  double tol = opts->tol;
  if (d > 1 && g->kind == SPECOT_GAUGE_SCHATTEN && isfinite(g->p) &&
      log((double)d) / g->p <= 0.25 * tol) {
    g_inf = specot_gauge_schatten(INFINITY);
    g = &g_inf;
    tol *= 0.5;
  }
  const double alpha0 = opts->alpha >= 0.0              ? opts->alpha
                        : spec_gauge_is_nonsmooth(g, d) ? 0.7
                                                        : 0.0;
  double alpha = alpha0;
  spec_gauge_q0(g, d, cg->Q);
  memcpy(cg->Qbest, cg->Q, dd * sizeof *cg->Q);
  cg->r = 0;
  double lb = -INFINITY, ub = INFINITY, best_ub = INFINITY;
  size_t calls = 0;
  specot_status st = SPECOT_WARN_MAXITER;
  const size_t max_iter = opts->max_iter > 0 ? opts->max_iter : 1;
  int stalls = 0, flat = 0;
  double ub_ref = INFINITY, lb_ref = -INFINITY;
  for (size_t it = 0; it < max_iter; ++it) {
    if (cg->r == cg->cap) make_room(cg, move, data);
    double val = 0.0;
    const specot_status ost = oracle(data, ctx, cg->Q, cg->r, cg->Snew, &val);
    ++calls;
    if (ost < 0) return ost;
    const int improved_lb = val > lb;
    if (improved_lb) {
      lb = val;
      memcpy(cg->Qbest, cg->Q, dd * sizeof *cg->Q);
    }
    const int dup = is_duplicate(cg, cg->Snew);
    if (!dup) {
      memcpy(cg->cols + cg->r * dd, cg->Snew, dd * sizeof *cg->Snew);
      cg->lambda[cg->r] = cg->r == 0 ? 1.0 : 0.0;
      cg->lbest[cg->r] = cg->r == 0 ? 1.0 : 0.0;
      cg->idle[cg->r] = 0;
      ++cg->r;
    }
    double mub = 0.0;
    if (spec_master_solve(&cg->ms, g, cg->cols, cg->r, cg->lambda, tol, ub - lb, cg->Qm, &mub) != 0)
      return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "transport: master problem: LAPACK failed");
    ub = mub;
    if (ub < best_ub) {
      best_ub = ub;
      memcpy(cg->lbest, cg->lambda, cg->r * sizeof *cg->lambda);
    }
    for (size_t k = 0; k < cg->r; ++k) cg->idle[k] = cg->lambda[k] > 0.0 ? 0 : cg->idle[k] + 1;
    out->iterations = it + 1;
    if (opts->progress) {
      specot_spectral_progress info = {it + 1, best_ub, lb, best_ub - lb};
      if (opts->progress(opts->progress_data, &info) != 0) break;
    }
    if (best_ub - lb <= tol * best_ub + floor) {
      st = SPECOT_OK;
      break;
    }
    /* In-out stabilisation.  A repeated column (mis-price) leaves the master
     * unchanged, so the next separation point is the master dual itself. */
    /* No progress on either bound for a while (e.g. an entropic oracle whose
     * bias exceeds tol): stop with the warning status. */
    if (best_ub < ub_ref - tol * best_ub || lb > lb_ref + tol * best_ub) {
      ub_ref = best_ub;
      lb_ref = lb;
      flat = 0;
    } else if (++flat >= 30) {
      break;
    }
    const int stalled = dup && !improved_lb;
    if (stalled && alpha == 0.0 && ++stalls >= 3) break; /* no progress possible */
    if (!stalled) stalls = 0;
    alpha = dup ? 0.0 : alpha0;
    for (size_t t = 0; t < dd; ++t) cg->Q[t] = alpha * cg->Qbest[t] + (1.0 - alpha) * cg->Qm[t];
  }
  memcpy(cg->lambda, cg->lbest, cg->r * sizeof *cg->lambda);
  out->ub = best_ub;
  out->lb = lb;
  out->calls = calls;
  out->status = st;
  return st;
}
