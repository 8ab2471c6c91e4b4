/*
 * Retrieval = discretised SHK flow of the Sinkhorn energy (spec
 * shk_dp_memory.md sec. 5.4): position step X + tau v, multiplicative
 * weight step a e^{-eta phi} / Z in log form, energy backtracking (halve
 * tau and eta), stopping on a small relative decrease.  The potentials of
 * the accepted point warm-start the solves of the next proposal.
 */
#include <math.h>
#include <string.h>

#include "memory_internal.h"

void specot_amem_opts_init(specot_amem_opts *opts) {
  opts->tau = 0.5;
  opts->eta = NAN;
  opts->max_steps = 15;
  opts->max_halvings = 3;
  opts->tol_energy = 1e-5;
  opts->gamma = 0.0;
  opts->attention_warn = 2.0;
  opts->on_step = NULL;
  opts->user = NULL;
}

static specot_status check_opts(specot_ctx *ctx, const specot_amem_opts *o) {
  if (!(o->tau >= 0.0) || !isfinite(o->tau))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: tau = %g must be finite and >= 0",
                        o->tau);
  if (!isnan(o->eta) && (!(o->eta >= 0.0) || !isfinite(o->eta)))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "memory: eta = %g must be finite and >= 0 (NaN = eps)", o->eta);
  if (!(o->tol_energy >= 0.0) || !isfinite(o->tol_energy))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: tol_energy = %g must be finite and >= 0",
                        o->tol_energy);
  if (!(o->gamma >= 0.0) || !isfinite(o->gamma))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: gamma = %g must be finite and >= 0",
                        o->gamma);
  if (!(o->attention_warn >= 1.0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: attention_warn = %g must be >= 1",
                        o->attention_warn);
  return SPECOT_OK;
}

/* Trial point: tX = X + tau v, tloga = loga - eta phi - LSE(.), ta = exp(tloga). */
static void propose(specot_amem_ws *ws, const specot__amem_slot *cur, double tau, double eta) {
  const size_t m = ws->m, d = ws->d;
  for (size_t i = 0; i < m * d; ++i) ws->tX[i] = ws->X[i] + tau * cur->v[i];
  double mx = -INFINITY;
  for (size_t i = 0; i < m; ++i) {
    ws->tloga[i] = ws->loga[i] - eta * cur->phi[i];
    if (ws->tloga[i] > mx) mx = ws->tloga[i];
  }
  double z = 0.0;
  for (size_t i = 0; i < m; ++i) z += exp(ws->tloga[i] - mx);
  const double lz = mx + log(z);
  for (size_t i = 0; i < m; ++i) {
    ws->tloga[i] -= lz;
    ws->ta[i] = exp(ws->tloga[i]);
  }
}

/* Copies the warm-start potentials of slot `from` into slot `to`. */
static void copy_potentials(specot_amem_ws *ws, int from, int to) {
  const size_t K = ws->mem->K, m = ws->m;
  memcpy(ws->slot[to].f, ws->slot[from].f, K * m * sizeof(double));
  memcpy(ws->slot[to].g, ws->slot[from].g, ws->mem->N * sizeof(double));
  memcpy(ws->slot[to].p, ws->slot[from].p, m * sizeof(double));
}

static void report(const specot_amem_opts *o, const specot_amem_ws *ws, const specot__amem_slot *s,
                   size_t step, double tau, double eta, size_t halvings) {
  if (!o->on_step) return;
  specot_amem_step info = {step,  s->ev.energy, s->ev.attention, s->ev.index, tau, eta,
                           halvings, ws->m,      ws->d,          ws->a,       ws->X, s->S};
  o->on_step(o->user, &info);
}

specot_status specot_amem_retrieve(specot_ctx *ctx, specot_amem_ws *ws,
                                   const specot_amem_opts *opts, double *a, double *X,
                                   double *S_start, double *S, double *w,
                                   specot_amem_result *res) {
  specot__ctx_reset(ctx);
  specot_amem_opts def;
  if (!opts) {
    specot_amem_opts_init(&def);
    opts = &def;
  }
  if (res) memset(res, 0, sizeof *res);
  if (!ws || !a || !X)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: ws, a and X must be non-NULL");
  specot_status st = check_opts(ctx, opts);
  if (st) return st;
  const specot_amem *mem = ws->mem;
  const size_t m = ws->m, d = ws->d, K = mem->K;
  if (!specot__all_finite(X, m * d))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "memory: the query points must be finite");
  if ((st = specot__amem_query_weights(ctx, a, m, ws->a, ws->loga))) return st;
  memcpy(ws->X, X, m * d * sizeof(double));
  const double eta0 = isnan(opts->eta) ? mem->eps : opts->eta;
  specot_status worst = SPECOT_OK;
  int cur = 0;
  st = specot__amem_evaluate(ctx, ws, cur, ws->a, ws->loga, ws->X, opts->gamma, 0);
  if (st < 0) return st;
  if (st > 0) worst = st;
  specot_amem_result r;
  memset(&r, 0, sizeof r);
  r.evaluations = 1;
  r.sinkhorn_iterations = ws->slot[cur].ev.iterations;
  r.index_start = ws->slot[cur].ev.index;
  r.energy_start = ws->slot[cur].ev.energy;
  r.attention_start = ws->slot[cur].ev.attention;
  if (S_start) memcpy(S_start, ws->slot[cur].S, K * sizeof(double));
  report(opts, ws, &ws->slot[cur], 0, 0.0, 0.0, 0);
  r.stop = SPECOT_AMEM_STOP_MAX_STEPS;
  while (r.steps < opts->max_steps) {
    const int trial = 1 - cur;
    const double E = ws->slot[cur].ev.energy;
    double tau = opts->tau, eta = eta0;
    size_t h = 0;
    int accepted = 0;
    for (;;) {
      propose(ws, &ws->slot[cur], tau, eta);
      copy_potentials(ws, cur, trial);
      st = specot__amem_evaluate(ctx, ws, trial, ws->ta, ws->tloga, ws->tX, opts->gamma, 1);
      if (st < 0) return st;
      if (st > 0) worst = st;
      r.evaluations++;
      r.sinkhorn_iterations += ws->slot[trial].ev.iterations;
      if (ws->slot[trial].ev.energy <= E) {
        accepted = 1;
        break;
      }
      if (h == opts->max_halvings) break;
      ++h;
      r.halvings++;
      tau *= 0.5;
      eta *= 0.5;
    }
    if (!accepted) {
      r.stop = SPECOT_AMEM_STOP_STATIONARY;
      break;
    }
    cur = trial;
    memcpy(ws->X, ws->tX, m * d * sizeof(double));
    memcpy(ws->a, ws->ta, m * sizeof(double));
    memcpy(ws->loga, ws->tloga, m * sizeof(double));
    r.steps++;
    report(opts, ws, &ws->slot[cur], r.steps, tau, eta, h);
    const double drop = E - ws->slot[cur].ev.energy;
    if (drop <= opts->tol_energy * (fabs(E) > 1.0 ? fabs(E) : 1.0)) {
      r.stop = SPECOT_AMEM_STOP_TOL;
      break;
    }
  }
  const specot__amem_slot *fin = &ws->slot[cur];
  memcpy(X, ws->X, m * d * sizeof(double));
  memcpy(a, ws->a, m * sizeof(double));
  if (S) memcpy(S, fin->S, K * sizeof(double));
  if (w) memcpy(w, fin->w, K * sizeof(double));
  r.index = fin->ev.index;
  r.energy = fin->ev.energy;
  r.attention = fin->ev.attention;
  if (worst) {
    specot__fail(ctx, worst, "memory: a Sinkhorn solve reached max_iter = %zu",
                 mem->sk.max_iter);
  } else if (r.attention > opts->attention_warn) {
    worst = SPECOT_WARN_INACCURATE;
    specot__fail(ctx, worst,
                 "memory: the final attention is spread over %.3g patterns (> %.3g): a "
                 "metastable averaged state; raise beta",
                 r.attention, opts->attention_warn);
  }
  r.status = worst;
  if (res) *res = r;
  return worst;
}
