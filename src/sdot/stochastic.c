/* Stochastic solvers: pyOMT's Adam (with options) and averaged SGD on the
 * entropic semi-dual.  Both measure the stopping criterion on an independent
 * evaluation stream. */
#include <math.h>
#include <string.h>

#include "sdot_internal.h"

void specot_sdot_adam_opts_init(specot_sdot_adam_opts *o) {
  o->lr = 1e-3, o->lr_decay = 0.0, o->beta1 = 0.9, o->beta2 = 0.999, o->adam_eps = 1e-8;
  o->bias_correction = 0, o->batch_size = 10000, o->batches = 1, o->max_batches = 64;
  o->patience = 30, o->qmc = 0, o->average_from = 0, o->max_iter = 20000, o->tol = 0.05;
  o->grad_tol = 0.0, o->eval_samples = 100000, o->eval_every = 100, o->seed = 1;
}

void specot_sdot_asgd_opts_init(specot_sdot_asgd_opts *o) {
  o->lr = 1.0, o->eps = 0.0, o->step_power = 0.5, o->eps_power = 0.0, o->batch_size = 1000,
  o->max_iter = 20000, o->tol = 0.05;
  o->eval_samples = 100000, o->eval_every = 200, o->seed = 1;
}

static specot_status check_common(specot_ctx *ctx, specot_sdot_ws *ws,
                                  const specot_sdot_problem *prob, const double *h,
                                  specot_sdot_result *res) {
  specot_status st = specot_sdot_check(ctx, prob);
  if (st) return st;
  if (!ws || ws->n != prob->n || ws->d != prob->d)
    return specot__fail(
        ctx, SPECOT_ERR_INVALID,
        "sdot: workspace is for n = %zu, d = %zu but the problem has n = %zu, d = %zu",
        ws ? ws->n : 0, ws ? ws->d : 0, prob->n, prob->d);
  if (!h || !res) return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: NULL heights or result");
  if (!specot__all_finite(h, prob->n))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: non-finite initial height");
  return SPECOT_OK;
}

/* Evaluates h on `samples` fresh points of the evaluation stream into res. */
static void evaluate(specot_sdot_ws *ws, const specot_sdot_problem *prob, const double *h,
                     size_t samples, specot_rng *rng, specot_sdot_result *res) {
  specot_sdot_evaluate(NULL, ws, prob, h, samples, rng, NULL, &res->max_rel_error,
                       &res->empty_cells, &res->energy);
  res->w2 = specot_sdot_w2_from_energy(prob, res->energy);
}

/* g = masses of h on `total` stream points (soft-max when eps > 0) - nu; returns ||g||_2. */
static double stochastic_gradient(specot_sdot_ws *ws, const specot_sdot_problem *prob,
                                  const double *h, sdot__stream *s, size_t total, double eps,
                                  double *g) {
  memset(g, 0, prob->n * sizeof *g);
  sdot__accumulate(ws, prob, h, s, total, eps, g, NULL);
  double norm = 0.0;
  for (size_t j = 0; j < prob->n; ++j) {
    g[j] = g[j] / (double)total - sdot__nu(prob, j);
    norm += g[j] * g[j];
  }
  return sqrt(norm);
}

static specot_status check_adam_opts(specot_ctx *ctx, const specot_sdot_adam_opts *o) {
  if (!(o->lr > 0 && isfinite(o->lr)) || !(o->lr_decay >= 0 && isfinite(o->lr_decay)))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "sdot adam: lr = %g, lr_decay = %g (need lr > 0, decay >= 0)", o->lr,
                        o->lr_decay);
  if (!(o->beta1 >= 0 && o->beta1 < 1) || !(o->beta2 >= 0 && o->beta2 < 1) || !(o->adam_eps > 0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot adam: betas must lie in [0, 1) and eps > 0");
  if (o->batch_size == 0 || o->batches == 0 || o->max_batches < o->batches || o->max_iter == 0 ||
      o->eval_samples == 0 || o->eval_every == 0)
    return specot__fail(
        ctx, SPECOT_ERR_INVALID,
        "sdot adam: batch_size, batches, max_iter, eval_samples, eval_every must be > 0 "
        "and max_batches >= batches");
  if (!(o->tol >= 0) || !(o->grad_tol >= 0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot adam: tolerances must be >= 0");
  return SPECOT_OK;
}

specot_status specot_sdot_solve_adam(specot_ctx *ctx, specot_sdot_ws *ws,
                                     const specot_sdot_problem *prob,
                                     const specot_sdot_adam_opts *opts, double *h,
                                     specot_sdot_result *res) {
  specot__ctx_reset(ctx);
  specot_sdot_adam_opts def;
  if (!opts) specot_sdot_adam_opts_init(&def), opts = &def;
  specot_status st = check_common(ctx, ws, prob, h, res);
  if (st || (st = check_adam_opts(ctx, opts))) return st;
  const size_t n = prob->n;
  memset(res, 0, sizeof *res);
  double *g = ws->g, *m = ws->m, *v = ws->v, *hbar = ws->hbar;
  memset(m, 0, n * sizeof *m), memset(v, 0, n * sizeof *v), memset(hbar, 0, n * sizeof *hbar);
  sdot__stream train;
  sdot__stream_init(&train, prob->source, prob->d, opts->qmc, opts->seed);
  specot_rng eval_rng = train.rng;
  specot_rng_jump(&eval_rng); /* independent of the training stream */
  sdot__center(h, n);
  size_t nb = opts->batches, bad = 0, navg = 0, t;
  double best = INFINITY, b1t = 1.0, b2t = 1.0;
  int done = 0;
  for (t = 1; t <= opts->max_iter && !done; ++t) {
    if (opts->qmc) train.next = 1; /* pyOMT: sobol.reset() every step */
    const double gn = stochastic_gradient(ws, prob, h, &train, nb * opts->batch_size, 0.0, g);
    b1t *= opts->beta1, b2t *= opts->beta2;
    const double c1 = opts->bias_correction ? 1.0 / (1.0 - b1t) : 1.0;
    const double c2 = opts->bias_correction ? 1.0 / (1.0 - b2t) : 1.0;
    const double lr = opts->lr_decay > 0 ? opts->lr / (1.0 + (double)t / opts->lr_decay) : opts->lr;
    for (size_t j = 0; j < n; ++j) {
      m[j] = opts->beta1 * m[j] + (1.0 - opts->beta1) * g[j];
      v[j] = opts->beta2 * v[j] + (1.0 - opts->beta2) * g[j] * g[j];
      h[j] -= lr * (c1 * m[j]) / (sqrt(c2 * v[j]) + opts->adam_eps);
    }
    sdot__center(h, n);
    if (opts->average_from > 0 && t >= opts->average_from) {
      ++navg;
      for (size_t j = 0; j < n; ++j) hbar[j] += (h[j] - hbar[j]) / (double)navg;
    }
    res->grad_norm = gn;
    if (opts->grad_tol > 0 && gn < opts->grad_tol) done = 1;
    if (gn <= best) {
      best = gn, bad = 0;
    } else if (opts->patience > 0 && ++bad > opts->patience) {
      if (2 * nb <= opts->max_batches) nb *= 2;
      bad = 0, best = INFINITY;
    }
    if (!done && t % opts->eval_every == 0) {
      evaluate(ws, prob, navg ? hbar : h, opts->eval_samples, &eval_rng, res);
      done = res->max_rel_error <= opts->tol;
    }
  }
  if (navg) memcpy(h, hbar, n * sizeof *h);
  res->iterations = t - 1;
  res->samples = nb * opts->batch_size;
  evaluate(ws, prob, h, opts->eval_samples, &eval_rng, res);
  if (!specot__all_finite(h, n))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "sdot adam: non-finite heights");
  if (!done)
    return specot__fail(ctx, SPECOT_WARN_MAXITER,
                        "sdot adam: %zu steps, max relative cell error %.3g > tol %.3g",
                        res->iterations, res->max_rel_error, opts->tol);
  return SPECOT_OK;
}

specot_status specot_sdot_solve_asgd(specot_ctx *ctx, specot_sdot_ws *ws,
                                     const specot_sdot_problem *prob,
                                     const specot_sdot_asgd_opts *opts, double *h,
                                     specot_sdot_result *res) {
  specot__ctx_reset(ctx);
  specot_sdot_asgd_opts def;
  if (!opts) specot_sdot_asgd_opts_init(&def), opts = &def;
  specot_status st = check_common(ctx, ws, prob, h, res);
  if (st) return st;
  if (!(opts->lr > 0 && isfinite(opts->lr)) || !(opts->eps >= 0 && isfinite(opts->eps)) ||
      !(opts->tol >= 0) || opts->batch_size == 0 || opts->max_iter == 0 ||
      opts->eval_samples == 0 || opts->eval_every == 0)
    return specot__fail(
        ctx, SPECOT_ERR_INVALID,
        "sdot asgd: need lr > 0, eps >= 0, tol >= 0 and positive sizes (lr = %g, eps = %g)",
        opts->lr, opts->eps);
  if (!(opts->step_power > 0 && opts->step_power <= 1) ||
      !(opts->eps_power >= 0 && isfinite(opts->eps_power)))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "sdot asgd: need 0 < step_power <= 1 and eps_power >= 0 (got %g, %g)",
                        opts->step_power, opts->eps_power);
  const size_t n = prob->n;
  memset(res, 0, sizeof *res);
  double *g = ws->g, *hbar = ws->hbar;
  sdot__stream train;
  sdot__stream_init(&train, prob->source, prob->d, 0, opts->seed);
  specot_rng eval_rng = train.rng;
  specot_rng_jump(&eval_rng);
  sdot__center(h, n);
  memcpy(hbar, h, n * sizeof *h);
  size_t t;
  int done = 0;
  for (t = 1; t <= opts->max_iter && !done; ++t) {
    const double eps_t =
        opts->eps_power > 0 ? opts->eps * pow((double)t, -opts->eps_power) : opts->eps;
    res->grad_norm = stochastic_gradient(ws, prob, h, &train, opts->batch_size, eps_t, g);
    const double step = opts->lr * pow((double)t, -opts->step_power);
    for (size_t j = 0; j < n; ++j) {
      h[j] -= step * g[j];
      hbar[j] += (h[j] - hbar[j]) / (double)t;
    }
    if (t % opts->eval_every == 0) {
      evaluate(ws, prob, hbar, opts->eval_samples, &eval_rng, res);
      done = res->max_rel_error <= opts->tol;
    }
  }
  memcpy(h, hbar, n * sizeof *h);
  sdot__center(h, n);
  res->iterations = t - 1;
  res->samples = opts->batch_size;
  evaluate(ws, prob, h, opts->eval_samples, &eval_rng, res);
  if (!specot__all_finite(h, n))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "sdot asgd: non-finite heights");
  if (!done)
    return specot__fail(ctx, SPECOT_WARN_MAXITER,
                        "sdot asgd: %zu steps, max relative cell error %.3g > tol %.3g",
                        res->iterations, res->max_rel_error, opts->tol);
  return SPECOT_OK;
}
