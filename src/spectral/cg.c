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
  cg->mu = specot__alloc_doubles(5 * cap + 16); /* mhist: 16 */
  cg->Qc = specot__alloc_doubles(5 * dd + d);
  if (spec_eig_init(&cg->beig, d) != 0 || !cg->cols || !cg->lambda || !cg->idle || !cg->Q ||
      !cg->mu || !cg->Qc) {
    spec_cg_free(cg);
    return -1;
  }
  cg->lbest = cg->lambda + cap;
  cg->Qbest = cg->Q + dd;
  cg->Qm = cg->Qbest + dd;
  cg->Snew = cg->Qm + dd;
  cg->Sbest = cg->Snew + dd;
  cg->mgrad = cg->mu + cap;
  cg->mu_old = cg->mgrad + cap;
  cg->mgrad_old = cg->mu_old + cap;
  cg->mtrial = cg->mgrad_old + cap;
  cg->mhist = cg->mtrial + cap;
  cg->bS = cg->Qc + dd;
  cg->bM = cg->bS + dd;
  cg->bU = cg->bM + dd;
  cg->btmp = cg->bU + dd;
  cg->bw = cg->btmp + dd;
  return 0;
}

void spec_cg_free(spec_cg *cg) {
  spec_master_free(&cg->ms);
  specot__free(cg->cols);
  specot__free(cg->lambda);
  specot__free(cg->idle);
  specot__free(cg->Q);
  specot__free(cg->mu);
  specot__free(cg->Qc);
  spec_eig_free(&cg->beig);
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
    cg->mu[k] = cg->mu[last];
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
    if (cg->lambda[k] == 0.0 && cg->lbest[k] == 0.0 && (!cg->bundle || cg->mu[k] == 0.0) &&
        cg->idle[k] >= most_idle) {
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
  double s = 0.0, sb = 0.0, sm = 0.0;
  for (size_t k = 0; k < cg->r; ++k) {
    s += cg->lambda[k];
    sb += cg->lbest[k];
    sm += cg->mu[k];
  }
  for (size_t k = 0; k < cg->r; ++k) {
    cg->lambda[k] = s > 0 ? cg->lambda[k] / s : 1.0 / (double)cg->r;
    cg->lbest[k] = sb > 0 ? cg->lbest[k] / sb : cg->lambda[k];
    cg->mu[k] = sm > 0 ? cg->mu[k] / sm : cg->lambda[k];
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

/* ------------------------------------------------------ proximal bundle
 * Next query point Q+ = argmax_{Q in K} m(Q) - |Q - Qc|_F^2 / (2t), with the
 * cutting-plane model m(Q) = min_k <Q, S_k> (every column is an exact
 * over-estimator of W_Q^2 = min_pi <Q, Sigma(pi)>).  By minimax, Q+ =
 * Proj_K(Qc + t S(mu)) where mu minimises over the simplex the smooth convex
 *   h(mu) = <Q(mu), S(mu)> - |Q(mu) - Qc|^2 / (2t),  grad_k h = <Q(mu), S_k>,
 * solved by spectral projected gradient (Birgin-Martinez-Raydan, non-monotone
 * Armijo).  Its duality gap is sum mu_k grad_k - min_k grad_k. */

/* Q(mu) into cg->Q and h(mu); returns 0 or -1 (LAPACK). */
static int prox_eval(spec_cg *cg, const specot_gauge *g, const double *mu, double *h) {
  const size_t d = cg->d, dd = d * d;
  memset(cg->bS, 0, dd * sizeof *cg->bS);
  for (size_t k = 0; k < cg->r; ++k)
    if (mu[k] != 0.0)
      for (size_t t = 0; t < dd; ++t) cg->bS[t] += mu[k] * cg->cols[k * dd + t];
  for (size_t t = 0; t < dd; ++t) cg->bM[t] = cg->Qc[t] + cg->t * cg->bS[t];
  if (spec_eig_sym(&cg->beig, cg->bM, cg->bw, cg->bU) != 0) return -1;
  spec_gauge_project_eigs(g, cg->bw, d);
  spec_from_eigs(d, cg->bU, cg->bw, cg->Q, cg->btmp);
  double dist = 0.0;
  for (size_t t = 0; t < dd; ++t) dist += (cg->Q[t] - cg->Qc[t]) * (cg->Q[t] - cg->Qc[t]);
  *h = spec_frob(cg->Q, cg->bS, d) - 0.5 * dist / cg->t;
  return 0;
}

static void prox_grad(spec_cg *cg, double *grad) {
  const size_t dd = cg->d * cg->d;
  for (size_t k = 0; k < cg->r; ++k) grad[k] = spec_frob(cg->Q, cg->cols + k * dd, cg->d);
}

/* Computes Q+ into cg->Q (warm start and result: cg->mu) and returns the
 * model value m(Q+) in *pred.  gap_tol: absolute tolerance on the QP gap. */
static int bundle_point(spec_cg *cg, const specot_gauge *g, double gap_tol, double *pred) {
  const size_t r = cg->r;
  const specot_gauge simplex = specot_gauge_kyfan(1); /* {0 <= x <= 1, sum x = 1} */
  double *mu = cg->mu, *grad = cg->mgrad, *trial = cg->mtrial;
  spec_gauge_project_eigs(&simplex, mu, r);
  double h = 0.0;
  if (prox_eval(cg, g, mu, &h) != 0) return -1;
  prox_grad(cg, grad);
  enum { HIST = 10 };
  for (int i = 0; i < HIST; ++i) cg->mhist[i] = h;
  double smax = 0.0;
  for (size_t k = 0; k < r; ++k)
    smax = fmax(smax, spec_frob(cg->cols + k * cg->d * cg->d, cg->cols + k * cg->d * cg->d, cg->d));
  double sigma = 1.0 / (cg->t * fmax(smax, DBL_MIN));
  int at_mu = 1;
  for (int it = 0; it < 500; ++it) {
    double dual = 0.0, gmin = INFINITY;
    for (size_t k = 0; k < r; ++k) {
      dual += mu[k] * grad[k];
      gmin = fmin(gmin, grad[k]);
    }
    if (dual - gmin <= gap_tol) break;
    for (size_t k = 0; k < r; ++k) trial[k] = mu[k] - sigma * grad[k];
    spec_gauge_project_eigs(&simplex, trial, r);
    double slope = 0.0;
    for (size_t k = 0; k < r; ++k) {
      trial[k] -= mu[k]; /* direction */
      slope += grad[k] * trial[k];
    }
    if (!(slope < 0.0)) break;
    double href = cg->mhist[0];
    for (int i = 1; i < HIST; ++i) href = fmax(href, cg->mhist[i]);
    double step = 1.0, htry = 0.0;
    int accepted = 0;
    for (int ls = 0; ls < 40; ++ls, step *= 0.5) {
      for (size_t k = 0; k < r; ++k) cg->mu_old[k] = fmax(mu[k] + step * trial[k], 0.0);
      if (prox_eval(cg, g, cg->mu_old, &htry) != 0) return -1;
      at_mu = 0;
      if (htry <= href + 1e-4 * step * slope) {
        accepted = 1;
        break;
      }
    }
    if (!accepted) break;
    /* BB step from s = mu_new - mu, y = grad_new - grad. */
    prox_grad(cg, cg->mgrad_old);
    double ss = 0.0, sy = 0.0;
    for (size_t k = 0; k < r; ++k) {
      const double sk = cg->mu_old[k] - mu[k], yk = cg->mgrad_old[k] - grad[k];
      ss += sk * sk;
      sy += sk * yk;
      mu[k] = cg->mu_old[k];
      grad[k] = cg->mgrad_old[k];
    }
    at_mu = 1;
    h = htry;
    for (int i = HIST - 1; i > 0; --i) cg->mhist[i] = cg->mhist[i - 1];
    cg->mhist[0] = h;
    sigma = sy > 0.0 ? fmin(fmax(ss / sy, 1e-12 * sigma), 1e12 * sigma) : 10.0 * sigma;
  }
  if (!at_mu && prox_eval(cg, g, mu, &h) != 0) return -1;
  double m = INFINITY;
  for (size_t k = 0; k < r; ++k) m = fmin(m, spec_frob(cg->Q, cg->cols + k * cg->d * cg->d, cg->d));
  *pred = m;
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
  /* Proximal bundle choice of the next dual point, for Ky Fan gauges with
   * 1 < k < d only (measured: fewer OT calls there; about twice as many for
   * p = inf and for Ky Fan k = 1, which is the same gauge, so those and the
   * other Schatten gauges keep the in-out rule).  opts->alpha = 0 (no
   * stabilisation) also disables it.  Serious step (centre moves) when
   * gain >= bm * predicted gain; t doubles when gain >= rhoup * predicted; the
   * prox QP is solved to gfrac times the current certified gap.  Both bounds
   * stay certified: LB from the oracle, UB from the master as before. */
  const int bundle = alpha0 > 0.0 && g->kind == SPECOT_GAUGE_KYFAN && g->k > 1 && g->k < d;
  cg->bundle = bundle;
  const double bm = 0.1, tup = 2.0, rhoup = 0.7, gfrac = 1e-3;
  int prox_step = 0; /* 1 when cg->Q came from bundle_point */
  double pred = 0.0;
  memcpy(cg->Qc, cg->Q, dd * sizeof *cg->Q);
  cg->fc = -INFINITY;
  cg->t = 0.0;
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
    if (bundle) {
      /* Serious step: the centre moves when the gain is a fraction bm of the
       * predicted one; t grows when the model predicted well. */
      const double gain = val - cg->fc;
      if (!prox_step || !isfinite(cg->fc)) {
        if (val > cg->fc) {
          memcpy(cg->Qc, cg->Q, dd * sizeof *cg->Q);
          cg->fc = val;
        }
      } else if (gain >= bm * (pred - cg->fc)) {
        if (gain >= rhoup * (pred - cg->fc)) cg->t *= tup;
        memcpy(cg->Qc, cg->Q, dd * sizeof *cg->Q);
        cg->fc = val;
      }
    }
    const int dup = is_duplicate(cg, cg->Snew);
    if (!dup) {
      memcpy(cg->cols + cg->r * dd, cg->Snew, dd * sizeof *cg->Snew);
      cg->mu[cg->r] = cg->r == 0 ? 1.0 : 0.0;
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
    prox_step = 0;
    if (bundle && !dup) {
      if (cg->t == 0.0) {
        double dist = 0.0;
        for (size_t t = 0; t < dd; ++t) dist += (cg->Qm[t] - cg->Qc[t]) * (cg->Qm[t] - cg->Qc[t]);
        cg->t = fmax(dist, DBL_EPSILON) / fmax(ub - cg->fc, DBL_MIN);
      }
      if (bundle_point(cg, g, gfrac * (best_ub - lb), &pred) != 0)
        return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "transport: bundle step: LAPACK failed");
      prox_step = 1;
      continue;
    }
    for (size_t t = 0; t < dd; ++t) cg->Q[t] = alpha * cg->Qbest[t] + (1.0 - alpha) * cg->Qm[t];
  }
  memcpy(cg->lambda, cg->lbest, cg->r * sizeof *cg->lambda);
  out->ub = best_ub;
  out->lb = lb;
  out->calls = calls;
  out->status = st;
  return st;
}
