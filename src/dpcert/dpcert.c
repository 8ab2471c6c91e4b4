/*
 * DP certificates for SHK samplers of the exponential mechanism (dpcert.h;
 * spec shk_dp_memory.md 4.2-4.4).  Closed forms except the CKS conversion,
 * which minimises a strictly convex function of alpha by bisection on its
 * derivative.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "internal.h"
#include "specot/dpcert.h"

void specot_dpcert_opts_init(specot_dpcert_opts *o) {
  memset(o, 0, sizeof *o);
  o->du = NAN;
  o->eps0 = NAN;
  o->lambda = 1.0;
  o->t = NAN;
  o->K = NAN;
  o->U = NAN;
  o->M = NAN;
  o->kl_user = NAN;
}

double specot_dpcert_renyi(double eta, double alpha) {
  const double r = alpha * eta * eta / 8.0;
  return r < eta ? r : eta;
}

double specot_dpcert_delta_br(double eps, double eta) {
  if (!(eps < eta)) return 0.0;
  if (eps < 0.0) eps = 0.0;
  /* (e^{eta/2} - e^{eps/2})^2 / (e^eta - 1), written with expm1 for small eta */
  const double num = exp(eps / 2.0) * expm1((eta - eps) / 2.0);
  return num * num / expm1(eta);
}

double specot_dpcert_eps_br(double delta, double eta) {
  if (!(delta > 0.0)) return eta;
  const double arg = exp(eta / 2.0) - sqrt(delta * expm1(eta));
  if (!(arg > 1.0)) return 0.0;
  return 2.0 * log(arg);
}

double specot_dpcert_delta_rr(double eps, double eta) {
  const double num = exp(eta) - exp(eps);
  return num > 0.0 ? num / (1.0 + exp(eta)) : 0.0;
}

double specot_dpcert_delta_pinsker(double kl) {
  return sqrt(kl / 2.0);
}

/* log of e^{(alpha-1)(alpha rho - eps)} / (alpha-1) (1-1/alpha)^alpha with s = alpha - 1. */
static double cks_log(double s, double eps, double rho) {
  return s * ((s + 1.0) * rho - eps) + s * log(s) - (s + 1.0) * log1p(s);
}

/* Derivative in alpha: (2 alpha - 1) rho - eps + log((alpha - 1)/alpha), increasing. */
static double cks_slope(double s, double eps, double rho) {
  return (2.0 * s + 1.0) * rho - eps + log(s) - log1p(s);
}

double specot_dpcert_delta_cks(double eps, double rho) {
  if (!(rho > 0.0)) return 0.0;
  double lo = DBL_MIN, hi = 1.0;
  while (cks_slope(hi, eps, rho) < 0.0 && hi < 1e300) hi *= 2.0;
  if (cks_slope(lo, eps, rho) > 0.0) return exp(cks_log(lo, eps, rho));
  for (int it = 0; it < 2000 && hi - lo > 4.0 * DBL_EPSILON * hi; ++it) {
    const double mid = lo > 0.0 && hi / lo > 4.0 ? sqrt(lo * hi) : 0.5 * (lo + hi);
    if (cks_slope(mid, eps, rho) < 0.0)
      lo = mid;
    else
      hi = mid;
  }
  const double v = cks_log(0.5 * (lo + hi), eps, rho);
  return exp(v) < 1.0 ? exp(v) : 1.0;
}

static specot_status check(specot_ctx *ctx, const specot_dpcert_opts *o) {
  if (!(o->du > 0.0) || !isfinite(o->du))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "dpcert: du (sensitivity) must be > 0 and finite, got %g", o->du);
  if (!(o->eps0 > 0.0) || !isfinite(o->eps0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "dpcert: eps0 must be > 0 and finite, got %g",
                        o->eps0);
  if (!(o->lambda > 0.0) || !isfinite(o->lambda))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "dpcert: lambda must be > 0 and finite, got %g",
                        o->lambda);
  if (!(o->t >= 0.0) || !isfinite(o->t))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "dpcert: t must be >= 0 and finite, got %g", o->t);
  if (!isnan(o->K) && (!(o->K >= 0.0) || !isfinite(o->K)))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "dpcert: K must be >= 0 and finite, got %g", o->K);
  if (!isnan(o->U) && (!(o->U >= 0.0) || !isfinite(o->U)))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "dpcert: U must be >= 0 and finite, got %g", o->U);
  if (!isnan(o->M) && (!(o->M >= 0.0) || !isfinite(o->M)))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "dpcert: M must be >= 0 and finite, got %g", o->M);
  if (!isnan(o->kl_user) && !(o->kl_user >= 0.0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "dpcert: the user KL bound must be >= 0, got %g",
                        o->kl_user);
  return SPECOT_OK;
}

specot_status specot_dpcert_shk(specot_ctx *ctx, const specot_dpcert_opts *o, specot_dpcert *out) {
  specot__ctx_reset(ctx);
  specot_status st = check(ctx, o);
  if (st) return st;
  const double decay = exp(-o->lambda * o->t), grown = -expm1(-o->lambda * o->t);
  const double omega = o->monotone ? o->eps0 / 2.0 : o->eps0;
  double M = !isnan(o->U) ? o->eps0 * o->U / (2.0 * o->du) : INFINITY;
  if (!isnan(o->M) && o->M < M) M = o->M;
  out->omega = omega;
  out->M = M;
  if (o->reaction_only)
    out->eta_A = omega * grown;
  else
    out->eta_A = isnan(o->K) ? INFINITY : (omega + 2.0 * o->K / o->lambda) * grown;
  out->eta_B = isinf(M) ? INFINITY : omega + 2.0 * decay * M;
  out->eta = out->eta_A < out->eta_B ? out->eta_A : out->eta_B;
  if (isinf(out->eta))
    return specot__fail(
        ctx, SPECOT_ERR_INVALID,
        "dpcert: no certificate possible: the constant K (for eta_A) and the loss range U "
        "or M (for eta_B) are both missing");
  out->eps_pure = out->eta;
  out->kl = out->eta * out->eta / 8.0;
  if (!isnan(o->kl_user) && o->kl_user < out->kl) out->kl = o->kl_user;
  out->tv = isinf(M) ? 1.0 : tanh(decay * M / 4.0);
  out->sampling_error = isnan(o->U) ? NAN : o->U * out->tv;
  out->intrinsic = NAN;
  if (o->d)
    out->intrinsic = 2.0 * (double)o->d * o->du / o->eps0;
  else if (o->n_out)
    out->intrinsic = 2.0 * o->du / o->eps0 * (log((double)o->n_out) + 1.0);
  return SPECOT_OK;
}
