/*
 * Mean-field references of the SHK flow (spec shk_dp_memory.md 2.1): the
 * reaction-only closed form (3) and the 1-D Gaussian-closure ODE, exact or with
 * the KDE-kernelised rate.
 */
#include <math.h>

#include "shk_internal.h"

void specot_shk_reaction_logrho(size_t n, const double *log_rho0, const double *V, double lambda,
                                double t, double *out) {
  const double e = exp(-lambda * t), one_minus = -expm1(-lambda * t);
  for (size_t i = 0; i < n; ++i) out[i] = e * log_rho0[i] - one_minus * V[i];
}

/* d/dt (a, b) of the closure ODE. */
static void rhs(const specot_shk_gauss1d *g, double a, double b, double *da, double *db) {
  const double is2 = 1.0 / g->s2, ms2 = g->m / g->s2;
  *da = 0.0;
  *db = 0.0;
  if (g->langevin) {
    *da = -2.0 * a * a + 2.0 * a * is2;
    *db = b * is2 + a * ms2 - 2.0 * a * b;
  }
  if (g->lambda > 0.0) {
    if (g->h > 0.0) {
      const double var = 1.0 / a, mean = b / a, v = var + g->h * g->h;
      *da -= g->lambda * (1.0 / v - is2);
      *db -= g->lambda * (mean / v - ms2);
    } else {
      *da -= g->lambda * (a - is2);
      *db -= g->lambda * (b - ms2);
    }
  }
}

specot_status specot_shk_gauss_ode(specot_ctx *ctx, const specot_shk_gauss1d *g, double t,
                                   double *mean, double *var) {
  specot__ctx_reset(ctx);
  if (!(g->s2 > 0.0) || !(g->var0 > 0.0) || !isfinite(g->s2) || !isfinite(g->var0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "shk gauss ode: variances must be > 0 and finite");
  if (!isfinite(g->m) || !isfinite(g->mean0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "shk gauss ode: means must be finite");
  if (!(g->lambda >= 0.0) || !(g->h >= 0.0) || !(t >= 0.0) || !isfinite(g->lambda) ||
      !isfinite(g->h) || !isfinite(t))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "shk gauss ode: lambda, h and t must be >= 0 and finite");
  const double hmax = 1e-4;
  const double steps = ceil(t / hmax);
  if (steps > 1e9)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "shk gauss ode: t = %g is too long", t);
  const size_t n = (size_t)steps;
  const double h = n ? t / (double)n : 0.0;
  double a = 1.0 / g->var0, b = g->mean0 / g->var0;
  for (size_t k = 0; k < n; ++k) {
    double a1, b1, a2, b2, a3, b3, a4, b4;
    rhs(g, a, b, &a1, &b1);
    rhs(g, a + 0.5 * h * a1, b + 0.5 * h * b1, &a2, &b2);
    rhs(g, a + 0.5 * h * a2, b + 0.5 * h * b2, &a3, &b3);
    rhs(g, a + h * a3, b + h * b3, &a4, &b4);
    a += h / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4);
    b += h / 6.0 * (b1 + 2.0 * b2 + 2.0 * b3 + b4);
    if (!(a > 0.0) || !isfinite(b))
      return specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                          "shk gauss ode: the precision left (0, inf) at t = %g",
                          (double)(k + 1) * h);
  }
  *var = 1.0 / a;
  *mean = b / a;
  return SPECOT_OK;
}
