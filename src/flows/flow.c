/* Flow engine: particle state, selectors, Euler / momentum / damped
 * Hamiltonian steppers, diagnostics. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flow_state.h"
#include "specot/linalg.h"

void specot_flow_opts_init(specot_flow_opts *opts) {
  memset(opts, 0, sizeof *opts);
  opts->method = SPECOT_FLOW_EULER;
  opts->p = INFINITY;
  opts->dt = 0.01;
  opts->gauge = SPECOT_FLOW_GAUGE_SCHATTEN;
  opts->tau = 1.0;
  opts->gamma = 1.0;
  opts->eps = 0.01;
  opts->kinetic = SPECOT_FLOW_KINETIC_PARTICLE;
  opts->rise_rtol = 1e-12;
}

static specot_status check_opts(specot_ctx *ctx, const specot_flow_opts *o, size_t d) {
  if (o->method < SPECOT_FLOW_EULER || o->method > SPECOT_FLOW_HAMILTONIAN)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: unknown method %d", (int)o->method);
  if (isnan(o->p) || o->p < 1.0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: p = %g must be in [1, inf]", o->p);
  if (!(o->dt > 0.0) || !isfinite(o->dt))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: dt = %g must be positive and finite", o->dt);
  if (o->gauge < SPECOT_FLOW_GAUGE_SCHATTEN || o->gauge > SPECOT_FLOW_GAUGE_BLOCK_MAX)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: unknown gauge %d", (int)o->gauge);
  if (o->nblocks > SPECOT_FLOW_MAX_BLOCKS)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: %zu blocks, at most %d", o->nblocks,
                        SPECOT_FLOW_MAX_BLOCKS);
  if (o->nblocks > 0) {
    size_t sum = 0;
    for (size_t b = 0; b < o->nblocks; ++b) {
      if (o->blocks[b] == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: block %zu has width 0", b);
      const size_t r = o->block_rows[b] ? o->block_rows[b] : 1;
      if (o->blocks[b] % r != 0)
        return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: block %zu of width %zu has %zu rows (not a divisor)",
                            b, o->blocks[b], r);
      sum += o->blocks[b];
    }
    if (sum != d)
      return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: block widths sum to %zu, particle dimension is %zu",
                          sum, d);
  } else if (o->block_rows[0] > 1 && d % o->block_rows[0] != 0) {
    return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: %zu block rows do not divide d = %zu", o->block_rows[0], d);
  }
  if (!(o->tau > 0.0) || !isfinite(o->tau))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: tau = %g must be positive and finite", o->tau);
  if (!(o->gamma >= 0.0) || !isfinite(o->gamma))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: gamma = %g must be >= 0 and finite", o->gamma);
  if (!(o->eps > 0.0) || !isfinite(o->eps))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: eps = %g must be positive and finite", o->eps);
  if (o->kinetic != SPECOT_FLOW_KINETIC_PARTICLE && o->kinetic != SPECOT_FLOW_KINETIC_MATRIX)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: unknown kinetic layout %d", (int)o->kinetic);
  if (!(o->max_step >= 0.0) || !(o->clamp >= 0.0) || !(o->rise_rtol >= 0.0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: max_step, clamp and rise_rtol must be >= 0");
  return SPECOT_OK;
}

void specot_flow_free(specot_flow *f) {
  if (!f) return;
  double *bufs[] = {f->x, f->aux, f->g, f->v, f->w, f->sqrtw, f->xnew, f->gnew, f->auxnew, f->gw, f->blk, f->blk2, f->sv};
  for (size_t k = 0; k < sizeof bufs / sizeof bufs[0]; ++k) specot__free(bufs[k]);
  specot_linalg_ws_free(f->lws);
  specot_linalg_ws_free(f->bws);
  free(f);
}

/* ||Gw||_*^2 / ||Gw||_F^2 of the forces in `src` with the normalized weights. */
static specot_status forces_ratio(specot_ctx *ctx, specot_flow *f, const double *src, double *ratio) {
  const size_t n = f->n, d = f->d;
  double fro2 = 0.0;
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < d; ++k) {
      f->gw[i * d + k] = f->sqrtw[i] * src[i * d + k];
      fro2 += f->gw[i * d + k] * f->gw[i * d + k];
    }
  if (fro2 == 0.0) {
    *ratio = 0.0;
    return SPECOT_OK;
  }
  specot_status st = specot_linalg_singular_values(ctx, f->lws, f->gw, n, d, f->sv);
  if (st) return st;
  double nuc = 0.0;
  for (size_t k = 0; k < (n < d ? n : d); ++k) nuc += f->sv[k];
  *ratio = nuc * nuc / fro2;
  return SPECOT_OK;
}

/* V = weighted selector of the n x d matrix src (forces or momentum A). */
static specot_status selector(specot_ctx *ctx, specot_flow *f, const double *src, double *V) {
  const size_t n = f->n, d = f->d;
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < d; ++k) f->gw[i * d + k] = f->sqrtw[i] * src[i * d + k];
  specot_status st;
  if (f->o.gauge == SPECOT_FLOW_GAUGE_SCHATTEN || f->nb == 1) {
    const double p = f->o.gauge == SPECOT_FLOW_GAUGE_BLOCK_MAX ? INFINITY : f->o.p;
    st = specot_linalg_lmo(ctx, f->lws, f->gw, n, d, p, SPECOT_LINALG_RTOL_DEFAULT, V, NULL);
  } else {
    const int max = f->o.gauge == SPECOT_FLOW_GAUGE_BLOCK_MAX;
    st = specot_linalg_block_lmo(ctx, f->lws, f->gw, n, d, f->widths, f->nb, max ? INFINITY : f->o.p,
                                 max ? SPECOT_LINALG_BLOCK_MAX : SPECOT_LINALG_BLOCK_SUM,
                                 SPECOT_LINALG_RTOL_DEFAULT, V, NULL);
  }
  if (st) return st;
  for (size_t i = 0; i < n; ++i) {
    const double s = 1.0 / f->sqrtw[i];
    for (size_t k = 0; k < d; ++k) V[i * d + k] *= s;
  }
  return SPECOT_OK;
}

/* <a, b>_w = sum_i w_i a_i . b_i (unnormalized weights). */
static double wdot(const specot_flow *f, const double *a, const double *b) {
  double s = 0.0;
  for (size_t i = 0; i < f->n; ++i) {
    double t = 0.0;
    for (size_t k = 0; k < f->d; ++k) t += a[i * f->d + k] * b[i * f->d + k];
    s += f->w[i] * t;
  }
  return s;
}

/* V = grad K(P) and the weighted kinetic energy sum_i w_i K(p_i) (PARTICLE)
 * or c sum_b K(P_b) (MATRIX). */
static specot_status kinetic_grad(specot_ctx *ctx, specot_flow *f, const double *P, double *V,
                                  double *kinetic) {
  const size_t n = f->n, d = f->d;
  const double eps = f->o.eps, se = sqrt(eps);
  double total = 0.0;
  if (f->o.kinetic == SPECOT_FLOW_KINETIC_PARTICLE) {
    for (size_t i = 0; i < n; ++i) {
      double ki = 0.0;
      for (size_t b = 0; b < f->nb; ++b) {
        const double *p = P + i * d + f->offs[b];
        double *v = V + i * d + f->offs[b];
        const size_t wb = f->widths[b], r = f->brows[b];
        if (r <= 1) {
          double s2 = 0.0;
          for (size_t k = 0; k < wb; ++k) s2 += p[k] * p[k];
          const double root = sqrt(s2 + eps);
          for (size_t k = 0; k < wb; ++k) v[k] = p[k] / root;
          ki += s2 / (root + se); /* sqrt(s2+eps) - sqrt(eps) without cancellation */
        } else {
          double phi = 0.0;
          const size_t c = wb / r;
          specot_status st = specot_linalg_reg_polar(ctx, f->bws, p, r, c, eps, v, &phi);
          if (st) return st;
          ki += phi - (double)(r < c ? r : c) * se;
        }
      }
      total += f->w[i] * ki;
    }
  } else {
    for (size_t b = 0; b < f->nb; ++b) {
      const size_t wb = f->widths[b], off = f->offs[b];
      for (size_t i = 0; i < n; ++i) memcpy(f->blk + i * wb, P + i * d + off, wb * sizeof *P);
      double phi = 0.0;
      specot_status st = specot_linalg_reg_polar(ctx, f->lws, f->blk, n, wb, eps, f->blk2, &phi);
      if (st) return st;
      for (size_t i = 0; i < n; ++i) memcpy(V + i * d + off, f->blk2 + i * wb, wb * sizeof *V);
      total += f->w[0] * (phi - (double)(n < wb ? n : wb) * se);
    }
  }
  *kinetic = total;
  return SPECOT_OK;
}

/* Evaluates the objective at xs into (energy, gs) and checks finiteness. */
static specot_status evaluate(specot_ctx *ctx, specot_flow *f, const double *xs, double *gs,
                              double *energy) {
  specot_status st = f->obj.eval(f->obj.model, ctx, xs, f->w, f->n, f->d, energy, gs);
  if (st < 0) return st;
  if (!isfinite(*energy) || !specot__all_finite(gs, f->n * f->d))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                        "flow: the objective returned a non-finite energy or force at step %llu",
                        (unsigned long long)f->step + 1);
  return SPECOT_OK;
}

specot_status flows_refresh(specot_ctx *ctx, specot_flow *f) {
  specot_status st = evaluate(ctx, f, f->x, f->g, &f->energy);
  if (st) {
    if (st == SPECOT_ERR_NUMERICAL)
      return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: the objective is not finite at the initial particles");
    return st;
  }
  if ((st = forces_ratio(ctx, f, f->g, &f->ratio))) return st;
  f->kinetic = 0.0;
  if (f->o.method == SPECOT_FLOW_HAMILTONIAN) {
    if ((st = kinetic_grad(ctx, f, f->aux, f->v, &f->kinetic))) return st;
  }
  return SPECOT_OK;
}

specot_status specot_flow_alloc(specot_ctx *ctx, const specot_flow_objective *obj,
                                const specot_flow_opts *opts, size_t n, size_t d, const double *x0,
                                const double *w, specot_flow **out) {
  specot__ctx_reset(ctx);
  if (!out) return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: NULL output");
  *out = NULL;
  if (!obj || !obj->eval || !x0) return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: NULL objective or x0");
  specot_flow_opts def;
  if (!opts) {
    specot_flow_opts_init(&def);
    opts = &def;
  }
  if (n == 0 || d == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: empty particle system (%zu x %zu)", n, d);
  size_t nd;
  if (specot__mul_size(n, d, &nd) != 0 || n > SPECOT__BLAS_INT_MAX || d > SPECOT__BLAS_INT_MAX ||
      nd > SIZE_MAX / 64)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "flow: %zu x %zu particles overflow the index type", n, d);
  if (obj->d && obj->d != d)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: the %s objective needs particles of dimension %zu, got %zu",
                        obj->name ? obj->name : "given", obj->d, d);
  specot_status st = check_opts(ctx, opts, d);
  if (st) return st;
  if ((st = flows_check_finite(ctx, x0, nd, "initial particles x0"))) return st;
  if (w) {
    for (size_t i = 0; i < n; ++i)
      if (!(w[i] > 0.0) || !isfinite(w[i]))
        return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: weight w[%zu] = %g must be positive and finite", i, w[i]);
    if (opts->method == SPECOT_FLOW_HAMILTONIAN && opts->kinetic == SPECOT_FLOW_KINETIC_MATRIX)
      for (size_t i = 1; i < n; ++i)
        if (w[i] != w[0])
          return specot__fail(ctx, SPECOT_ERR_INVALID,
                              "flow: the matrix kinetic energy needs uniform weights (w[%zu] != w[0])", i);
  }
  specot_flow *f = calloc(1, sizeof *f);
  if (!f) return specot__fail(ctx, SPECOT_ERR_NOMEM, "flow: out of memory");
  f->obj = *obj;
  f->o = *opts;
  f->n = n;
  f->d = d;
  if (opts->nblocks == 0) {
    f->nb = 1;
    f->widths[0] = d;
    f->brows[0] = opts->block_rows[0] > 1 ? opts->block_rows[0] : 1;
  } else {
    f->nb = opts->nblocks;
    for (size_t b = 0; b < f->nb; ++b) {
      f->widths[b] = opts->blocks[b];
      f->brows[b] = opts->block_rows[b] > 1 ? opts->block_rows[b] : 1;
    }
  }
  size_t bmax = 1, bmin = 1, wmax = 1;
  for (size_t b = 0, off = 0; b < f->nb; off += f->widths[b], ++b) {
    f->offs[b] = off;
    const size_t r = f->brows[b], c = f->widths[b] / r;
    if ((r > c ? r : c) > bmax) bmax = r > c ? r : c;
    if ((r < c ? r : c) > bmin) bmin = r < c ? r : c;
    if (f->widths[b] > wmax) wmax = f->widths[b];
  }
  f->x = specot__alloc_doubles(nd);
  f->aux = specot__alloc_doubles(nd);
  f->g = specot__alloc_doubles(nd);
  f->v = specot__alloc_doubles(nd);
  f->w = specot__alloc_doubles(n);
  f->sqrtw = specot__alloc_doubles(n);
  f->xnew = specot__alloc_doubles(nd);
  f->gnew = specot__alloc_doubles(nd);
  f->auxnew = specot__alloc_doubles(nd);
  f->gw = specot__alloc_doubles(nd);
  f->blk = specot__alloc_doubles(nd);
  f->blk2 = specot__alloc_doubles(nd);
  f->sv = specot__alloc_doubles(n < d ? n : d);
  if (!f->x || !f->aux || !f->g || !f->v || !f->w || !f->sqrtw || !f->xnew || !f->gnew || !f->auxnew ||
      !f->gw || !f->blk || !f->blk2 || !f->sv) {
    specot_flow_free(f);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "flow: out of memory for %zu x %zu particles", n, d);
  }
  if ((st = specot_linalg_ws_alloc(ctx, n, d, &f->lws)) ||
      (st = specot_linalg_ws_alloc(ctx, bmax, bmin, &f->bws))) {
    specot_flow_free(f);
    return st;
  }
  memcpy(f->x, x0, nd * sizeof *x0);
  double wsum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    f->w[i] = w ? w[i] : 1.0 / (double)n;
    wsum += f->w[i];
  }
  f->wsum = wsum;
  for (size_t i = 0; i < n; ++i) f->sqrtw[i] = sqrt(f->w[i] / wsum);
  memset(f->aux, 0, nd * sizeof *f->aux);
  specot_rng_seed(&f->rng, 0);
  if ((st = flows_refresh(ctx, f))) {
    specot_flow_free(f);
    return st;
  }
  if (opts->method == SPECOT_FLOW_MOMENTUM) memcpy(f->aux, f->g, nd * sizeof *f->g);
  /* Step-0 dissipation: -N*(g_0)^2 of the gauge. */
  if ((st = selector(ctx, f, f->g, f->v))) {
    specot_flow_free(f);
    return st;
  }
  f->dissipation = wdot(f, f->g, f->v);
  *out = f;
  return SPECOT_OK;
}

static void apply_safeguards(const specot_flow *f, double *dx, int *active) {
  const size_t nd = f->n * f->d;
  if (f->o.max_step > 0.0) {
    double s = 0.0;
    for (size_t k = 0; k < nd; ++k) s += dx[k] * dx[k];
    s = sqrt(s);
    if (s > f->o.max_step) {
      /* The paper's rule: dX *= cap / (||dX|| + 1e-12). */
      const double c = f->o.max_step / (s + 1e-12);
      for (size_t k = 0; k < nd; ++k) dx[k] *= c;
      *active = 1;
    }
  }
}

static void apply_clamp(const specot_flow *f, double *x, int *active) {
  const double c = f->o.clamp;
  if (!(c > 0.0)) return;
  const size_t nd = f->n * f->d;
  for (size_t k = 0; k < nd; ++k) {
    double v = x[k];
    if (isnan(v)) v = 0.0;
    if (v > c) v = c;
    if (v < -c) v = -c;
    if (v != x[k]) *active = 1;
    x[k] = v;
  }
}

static void swap(double **a, double **b) {
  double *t = *a;
  *a = *b;
  *b = t;
}

specot_status specot_flow_step(specot_ctx *ctx, specot_flow *f, specot_flow_diag *diag) {
  specot__ctx_reset(ctx);
  if (!f) return specot__fail(ctx, SPECOT_ERR_INVALID, "flow: NULL flow");
  if (specot__cancelled(ctx)) /* before any change: the state stays that of the last step */
    return specot__fail(ctx, SPECOT_ERR_CANCELLED, "flow: cancelled before step %llu",
                        (unsigned long long)f->step + 1);
  const size_t n = f->n, d = f->d, nd = n * d;
  const double h = f->o.dt;
  specot_status st;
  double kin_new = 0.0, pv = 0.0;
  switch (f->o.method) {
    case SPECOT_FLOW_EULER:
      st = selector(ctx, f, f->g, f->v);
      break;
    case SPECOT_FLOW_MOMENTUM: {
      const double a = h / f->o.tau;
      for (size_t k = 0; k < nd; ++k) f->auxnew[k] = f->aux[k] + a * (f->g[k] - f->aux[k]);
      st = selector(ctx, f, f->auxnew, f->v);
      break;
    }
    default: {
      const double c = 1.0 / (1.0 + f->o.gamma * h);
      for (size_t k = 0; k < nd; ++k) f->auxnew[k] = (f->aux[k] - h * f->g[k]) * c;
      st = kinetic_grad(ctx, f, f->auxnew, f->v, &kin_new);
      if (!st) pv = wdot(f, f->auxnew, f->v);
      break;
    }
  }
  if (st) return st;
  const double rate = wdot(f, f->g, f->v);
  /* dx in xnew, then x + dx */
  for (size_t k = 0; k < nd; ++k) f->xnew[k] = h * f->v[k];
  int guarded = 0;
  apply_safeguards(f, f->xnew, &guarded);
  double vf2 = 0.0;
  for (size_t k = 0; k < nd; ++k) vf2 += f->v[k] * f->v[k];
  for (size_t k = 0; k < nd; ++k) f->xnew[k] += f->x[k];
  apply_clamp(f, f->xnew, &guarded);
  double energy_new;
  if ((st = evaluate(ctx, f, f->xnew, f->gnew, &energy_new))) return st;
  /* step norm and distance */
  double sn2 = 0.0, sw2 = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double t = 0.0;
    for (size_t k = 0; k < d; ++k) {
      const double dx = f->xnew[i * d + k] - f->x[i * d + k];
      t += dx * dx;
    }
    sn2 += t;
    sw2 += f->w[i] * t;
  }
  /* Rise / inequality bookkeeping. */
  const int ham = f->o.method == SPECOT_FLOW_HAMILTONIAN;
  const double h_old = f->energy + f->kinetic, h_new = energy_new + (ham ? kin_new : 0.0);
  double base = fabs(f->energy) + fabs(f->kinetic);
  if (ham) base += f->wsum * (double)f->nb * sqrt(f->o.eps) * (double)(d < n ? d : n); /* Phi scale */
  const double tol = f->o.rise_rtol * base;
  const double rise = h_new - h_old;
  if (rise > tol) {
    f->cnt.rises++;
    if (rise > f->cnt.max_rise) f->cnt.max_rise = rise;
  }
  if (ham && !guarded && f->obj.lipschitz > 0.0) {
    const double bound = -f->o.gamma * h * pv + 0.5 * f->obj.lipschitz * h * h * vf2;
    if (rise > bound + tol) f->cnt.inequality_violations++;
  }
  /* Commit. */
  swap(&f->x, &f->xnew);
  swap(&f->g, &f->gnew);
  if (f->o.method != SPECOT_FLOW_EULER) swap(&f->aux, &f->auxnew);
  f->energy = energy_new;
  f->kinetic = ham ? kin_new : 0.0;
  f->dissipation = rate;
  f->step_norm = sqrt(sn2);
  f->distance += sqrt(sw2);
  f->step++;
  if ((st = forces_ratio(ctx, f, f->g, &f->ratio))) return st;
  if (diag) specot_flow_diag_get(f, diag);
  return SPECOT_OK;
}

void specot_flow_diag_get(const specot_flow *f, specot_flow_diag *diag) {
  diag->step = f->step;
  diag->t = (double)f->step * f->o.dt;
  diag->energy = f->energy;
  diag->dissipation = f->dissipation;
  diag->ratio = f->ratio;
  diag->kinetic = f->kinetic;
  diag->hamiltonian = f->energy + f->kinetic;
  diag->distance = f->distance;
  diag->step_norm = f->step_norm;
}

const double *specot_flow_particles(const specot_flow *f) { return f->x; }
const double *specot_flow_aux(const specot_flow *f) {
  return f->o.method == SPECOT_FLOW_EULER ? NULL : f->aux;
}
const double *specot_flow_forces(const specot_flow *f) { return f->g; }
void specot_flow_counters_get(const specot_flow *f, specot_flow_counters *out) { *out = f->cnt; }
specot_rng *specot_flow_rng(specot_flow *f) { return &f->rng; }

specot_status specot_flow_dissipation_ratio(specot_ctx *ctx, const double *m, size_t n, size_t d,
                                            double *ratio) {
  specot__ctx_reset(ctx);
  if (!m || !ratio) return specot__fail(ctx, SPECOT_ERR_INVALID, "dissipation_ratio: NULL argument");
  if (n == 0 || d == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "dissipation_ratio: empty matrix");
  const size_t k = n < d ? n : d;
  double *s = specot__alloc_doubles(k);
  if (!s) return specot__fail(ctx, SPECOT_ERR_NOMEM, "dissipation_ratio: out of memory");
  specot_status st = specot_linalg_singular_values(ctx, NULL, m, n, d, s);
  if (st) {
    specot__free(s);
    return st;
  }
  double nuc = 0.0, fro2 = 0.0;
  for (size_t i = 0; i < k; ++i) {
    nuc += s[i];
    fro2 += s[i] * s[i];
  }
  specot__free(s);
  *ratio = fro2 > 0.0 ? nuc * nuc / fro2 : 0.0;
  return SPECOT_OK;
}
