/* The reduced modal ODE of the paper's closed-form Gaussian example
 * (paper_experiments.md, `gaussians`): right-hand side, floor clipping and
 * the conserved quantities of each mode (include/specot/flows.h). */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "specot/flows.h"

void specot_flow_gaussian_modal_init(specot_flow_gaussian_modal *model, double p, size_t modes,
                                     const double *target) {
  memset(model, 0, sizeof *model);
  model->p = p;
  model->modes = modes;
  model->target = target;
  model->floor = 1e-12;
}

/* q = 2p/(2p-1), the dual exponent of the velocity norm (q = 1 at p = inf). */
static double dual_exponent(double p) {
  return isinf(p) ? 1.0 : 2.0 * p / (2.0 * p - 1.0);
}

specot_status specot_flow_gaussian_modal_rhs(void *data, specot_ctx *ctx, double t, const double *y,
                                             size_t n, double *dydt) {
  (void)t;
  const specot_flow_gaussian_modal *m = data;
  if (!m || !y || !dydt || !m->target)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "gaussian modal: NULL model, target or state");
  if (!(m->p >= 1.0) || m->modes == 0 || n != 2 * m->modes || !(m->floor >= 0.0))
    return specot__fail(
        ctx, SPECOT_ERR_INVALID,
        "gaussian modal: need p >= 1, modes >= 1, a state of 2 * modes = %zu entries "
        "(got %zu) and floor >= 0",
        2 * m->modes, n);
  const size_t K = m->modes;
  const double q = dual_exponent(m->p);
  /* norm = sum_k |2 err_k|^q (a_k^{q/2} + b_k^{q/2}); pref = norm^{(2-q)/q} */
  double norm = 0.0;
  for (size_t k = 0; k < K; ++k) {
    const double a = fmax(y[k], m->floor), b = fmax(y[K + k], m->floor);
    const double err = 0.5 * (a - b) - m->target[k];
    norm += pow(fabs(2.0 * err), q) * (pow(a, 0.5 * q) + pow(b, 0.5 * q));
  }
  const double pref = q == 2.0 ? 1.0 : pow(norm, (2.0 - q) / q);
  for (size_t k = 0; k < K; ++k) {
    const double a = fmax(y[k], m->floor), b = fmax(y[K + k], m->floor);
    const double err = 0.5 * (a - b) - m->target[k];
    dydt[k] = -4.0 * err * pref * pow(a, 0.5 * q);
    dydt[K + k] = 4.0 * err * pref * pow(b, 0.5 * q);
  }
  return SPECOT_OK;
}

void specot_flow_gaussian_modal_clip(void *data, double *y, size_t n) {
  const specot_flow_gaussian_modal *m = data;
  for (size_t i = 0; i < n; ++i) y[i] = fmax(y[i], m->floor);
}

double specot_flow_gaussian_modal_invariant(double p, double a, double b) {
  if (!(p >= 1.0) || !(a >= 0.0) || !(b >= 0.0)) return NAN;
  if (p == 1.0) return a * b; /* = s^2 - r^2 */
  if (isinf(p)) return sqrt(a) + sqrt(b);
  const double rho = (p - 1.0) / (2.0 * p - 1.0);
  return pow(a, rho) + pow(b, rho);
}
