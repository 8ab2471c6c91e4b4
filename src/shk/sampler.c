/*
 * The SHK particle sampler: ULA moves plus birth–death sweeps (shk.h for the
 * exact rules and the stream layout).  V and grad V of the current positions
 * are cached in the workspace, so each step costs one potential evaluation per
 * moved particle; copies in a sweep copy the cached rows too.
 */
#include <math.h>
#include <string.h>

#include "shk_internal.h"

static const uint64_t SHK_GOLDEN = 0x9E3779B97F4A7C15ULL;

static specot_status validate(specot_ctx *ctx, const specot_shk_ws *ws, const specot_shk_opts *o,
                              const specot_shk_potential *pot, const double *X) {
  if (!pot || !pot->fn) return specot__fail(ctx, SPECOT_ERR_INVALID, "shk: no potential given");
  if (pot->d && pot->d != ws->d)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "shk: potential is for d = %zu, particles have d = %zu", pot->d, ws->d);
  if (!(o->dt > 0.0) || !isfinite(o->dt))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "shk: dt must be > 0 and finite, got %g", o->dt);
  if (!(o->lambda >= 0.0) || !isfinite(o->lambda))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "shk: lambda must be >= 0 and finite, got %g",
                        o->lambda);
  if (!(o->bandwidth >= 0.0) || !isfinite(o->bandwidth))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "shk: bandwidth must be >= 0 and finite, got %g",
                        o->bandwidth);
  if (o->stride == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "shk: stride must be >= 1");
  if (o->rate != SPECOT_SHK_RATE_PLAIN)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "shk: only the plain rate log rhohat + V is implemented");
  if (o->kde != SPECOT_SHK_KDE_EXACT && o->kde != SPECOT_SHK_KDE_SUBSAMPLE)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "shk: unknown KDE method %d", (int)o->kde);
  if (o->kde == SPECOT_SHK_KDE_SUBSAMPLE && o->kde_subsample == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "shk: kde_subsample must be >= 1");
  if (isnan(o->max_events_warn))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "shk: max_events_warn is NaN");
  for (size_t i = 0; i < ws->N * ws->d; ++i)
    if (!isfinite(X[i]))
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "shk: initial particle %zu has a non-finite coordinate %zu", i / ws->d,
                          i % ws->d);
  return SPECOT_OK;
}

/* Evaluates V and grad V at particles [0, N) (parallel when the potential allows). */
static specot_status eval_all(specot_ctx *ctx, specot_shk_ws *ws, const specot_shk_potential *pot,
                              const double *X, int with_grad, size_t step) {
  const size_t N = ws->N, d = ws->d;
  /* a parallel region costs more than ~10^4 cheap evaluations save */
  const int par = pot->thread_safe && ws->nthreads > 1 && N * d >= 16384;
#pragma omp parallel for schedule(static) num_threads(ws->nthreads) if (par)
  for (size_t i = 0; i < N; ++i) {
    double *g = with_grad ? ws->grad + i * d : NULL;
    specot_status st = pot->fn(pot->user, par ? NULL : ctx, X + i * d, d, &ws->V[i], g);
    int bad = st < 0 || !isfinite(ws->V[i]);
    if (g && !bad)
      for (size_t k = 0; k < d; ++k) bad |= !isfinite(g[k]);
    ws->bad[i] = bad;
  }
  for (size_t i = 0; i < N; ++i)
    if (ws->bad[i])
      return specot__fail(
          ctx, SPECOT_ERR_INVALID,
          "shk: potential returned a non-finite value or error at particle %zu, step %zu", i, step);
  return SPECOT_OK;
}

/* Langevin move of every particle with counter-based normals (shk.h, stream a). */
static void ula_move(specot_shk_ws *ws, const specot_shk_opts *o, uint64_t key, double *X) {
  const size_t N = ws->N, d = ws->d;
  const double dt = o->dt, noise = sqrt(2.0 * dt);
#pragma omp parallel for schedule(static) num_threads(ws->nthreads) if (N * d >= 16384)
  for (size_t i = 0; i < N; ++i) {
    specot_rng loc;
    specot_rng_seed(&loc, key + (uint64_t)i * SHK_GOLDEN);
    double *x = X + i * d;
    const double *g = ws->grad + i * d;
    for (size_t k = 0; k < d; ++k) x[k] += -dt * g[k] + noise * specot_rng_normal(&loc);
  }
}

/* Copies particle src over dst (positions and cached V, grad). */
static void copy_particle(specot_shk_ws *ws, double *X, size_t dst, size_t src) {
  const size_t d = ws->d;
  memcpy(X + dst * d, X + src * d, d * sizeof *X);
  memcpy(ws->grad + dst * d, ws->grad + src * d, d * sizeof *X);
  ws->V[dst] = ws->V[src];
}

/* One birth–death sweep with reaction time tau; updates stats.  Fails only when a
 * particle became non-finite (a potential whose V stays finite at infinity). */
static specot_status sweep(specot_shk_ws *ws, const specot_shk_opts *o, specot_rng *rng, double *X,
                           double tau, specot_shk_stats *st) {
  const size_t N = ws->N, d = ws->d;
  double h = o->bandwidth > 0.0 ? o->bandwidth : specot_shk_silverman(X, N, d);
  st->bandwidth = h;
  ++st->sweeps;
  if (h == 0.0) return SPECOT_OK; /* every coordinate constant: all equal, bbar = 0 */
  double *beta = ws->beta;
  const int subsample = o->kde == SPECOT_SHK_KDE_SUBSAMPLE && o->kde_subsample < N;
  specot_status s;
  if (subsample)
    s = specot_shk_kde_log_subsample(NULL, ws, X, h, o->kde_subsample, rng, beta);
  else
    s = specot_shk_kde_log(NULL, ws, X, h, o->kde_self_term, beta);
  if (s) return s;
  double mean = 0.0;
  for (size_t i = 0; i < N; ++i) {
    beta[i] += ws->V[i];
    mean += beta[i];
  }
  mean /= (double)N;
  double maxrate = 0.0;
  size_t ne = 0;
  for (size_t i = 0; i < N; ++i) {
    beta[i] -= mean;
    const double rate = o->lambda * fabs(beta[i]) * tau;
    maxrate = rate > maxrate ? rate : maxrate;
    const double p = -expm1(-rate);
    st->expected_events += p;
    if (specot_rng_uniform(rng) < p) ws->events[ne++] = i;
    ws->overwritten[i] = 0;
  }
  st->max_rate_tau = maxrate > st->max_rate_tau ? maxrate : st->max_rate_tau;
  for (size_t k = ne; k > 1; --k) { /* Fisher–Yates */
    const size_t r = (size_t)specot_rng_below(rng, k);
    const size_t t = ws->events[k - 1];
    ws->events[k - 1] = ws->events[r];
    ws->events[r] = t;
  }
  for (size_t k = 0; k < ne; ++k) {
    const size_t i = ws->events[k];
    if (ws->overwritten[i]) {
      ++st->skipped;
      continue;
    }
    const size_t r = (size_t)specot_rng_below(rng, N - 1), j = r + (r >= i);
    if (beta[i] > 0.0) {
      copy_particle(ws, X, i, j);
      ws->overwritten[i] = 1;
      ++st->kills;
    } else if (beta[i] < 0.0) {
      copy_particle(ws, X, j, i);
      ws->overwritten[j] = 1;
      ++st->duplications;
    }
  }
  return SPECOT_OK;
}

specot_status specot_shk_run(specot_ctx *ctx, specot_shk_ws *ws, const specot_shk_opts *opts,
                             const specot_shk_potential *pot, specot_rng *rng, size_t n_steps,
                             double *X, specot_shk_stats *stats) {
  specot__ctx_reset(ctx);
  specot_shk_opts defaults;
  if (!opts) {
    specot_shk_opts_init(&defaults);
    opts = &defaults;
  }
  specot_shk_stats local;
  specot_shk_stats *st = stats ? stats : &local;
  memset(st, 0, sizeof *st);
  specot_status s = validate(ctx, ws, opts, pot, X);
  if (s) return s;
  const int langevin = opts->langevin != 0, reaction = opts->lambda > 0.0;
  if ((s = eval_all(ctx, ws, pot, X, langevin, ws->step))) return s;
  const double tau = (double)opts->stride * opts->dt;
  size_t coarse_step = 0;
  int coarse = 0;
  for (size_t k = 0; k < n_steps; ++k, ++ws->step) {
    if (langevin) {
      ula_move(ws, opts, specot_rng_next(rng), X);
      if ((s = eval_all(ctx, ws, pot, X, 1, ws->step))) return s;
    }
    if (reaction && (ws->step + 1) % opts->stride == 0) {
      const double before = st->max_rate_tau;
      if (sweep(ws, opts, rng, X, tau, st))
        return specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                            "shk: a particle became non-finite before the sweep of step %zu "
                            "(reduce dt)",
                            ws->step);
      if (st->max_rate_tau > opts->max_events_warn && !(before > opts->max_events_warn)) {
        coarse = 1;
        coarse_step = ws->step;
      }
    }
    ++st->steps;
  }
  if (coarse)
    return specot__fail(
        ctx, SPECOT_WARN_INACCURATE,
        "shk: coarse birth-death step: lambda*max|beta|*tau = %.3g > max_events_warn = %g "
        "(first at step %zu); reduce dt or stride",
        st->max_rate_tau, opts->max_events_warn, coarse_step);
  return SPECOT_OK;
}
