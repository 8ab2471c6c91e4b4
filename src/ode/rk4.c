/* Classical fixed-step Runge-Kutta 4 with an optional projection after each
 * step (include/specot/ode.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "specot/ode.h"

struct specot_ode_ws {
  size_t n;
  double *k1, *k2, *k3, *k4, *stage; /* 5 n doubles in one block */
};

specot_ode_ws *specot_ode_ws_alloc(specot_ctx *ctx, size_t n) {
  specot__ctx_reset(ctx);
  size_t len;
  if (n == 0) {
    specot__fail(ctx, SPECOT_ERR_INVALID, "ode: state size n must be >= 1");
    return NULL;
  }
  if (specot__mul_size(n, 5, &len) != 0) {
    specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "ode: state size %zu overflows", n);
    return NULL;
  }
  specot_ode_ws *ws = calloc(1, sizeof *ws);
  double *block = ws ? specot__alloc_doubles(len) : NULL;
  if (!block) {
    free(ws);
    specot__fail(ctx, SPECOT_ERR_NOMEM, "ode: out of memory (%zu doubles)", len);
    return NULL;
  }
  ws->n = n;
  ws->k1 = block;
  ws->k2 = block + n;
  ws->k3 = block + 2 * n;
  ws->k4 = block + 3 * n;
  ws->stage = block + 4 * n;
  return ws;
}

void specot_ode_ws_free(specot_ode_ws *ws) {
  if (!ws) return;
  specot__free(ws->k1);
  free(ws);
}

/* stage = y + c k */
static void axpy_into(double *stage, const double *y, double c, const double *k, size_t n) {
  for (size_t i = 0; i < n; ++i) stage[i] = y[i] + c * k[i];
}

static specot_status eval(specot_ctx *ctx, const specot_ode_system *sys, double t, const double *y,
                          size_t n, double *k, const char *which) {
  const specot_status st = sys->rhs(sys->data, ctx, t, y, n, k);
  if (st < 0) return st;
  if (!specot__all_finite(k, n))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                        "ode: the right-hand side is not finite at stage %s (t = %g)", which, t);
  return SPECOT_OK;
}

static specot_status step(specot_ctx *ctx, specot_ode_ws *ws, const specot_ode_system *sys,
                          double t, double h, double *y) {
  const size_t n = ws->n;
  specot_status st;
  if ((st = eval(ctx, sys, t, y, n, ws->k1, "1")) < 0) return st;
  axpy_into(ws->stage, y, 0.5 * h, ws->k1, n);
  if ((st = eval(ctx, sys, t + 0.5 * h, ws->stage, n, ws->k2, "2")) < 0) return st;
  axpy_into(ws->stage, y, 0.5 * h, ws->k2, n);
  if ((st = eval(ctx, sys, t + 0.5 * h, ws->stage, n, ws->k3, "3")) < 0) return st;
  axpy_into(ws->stage, y, h, ws->k3, n);
  if ((st = eval(ctx, sys, t + h, ws->stage, n, ws->k4, "4")) < 0) return st;
  /* new state in `stage` first, so that y is untouched on failure */
  for (size_t i = 0; i < n; ++i)
    ws->stage[i] = y[i] + (h / 6.0) * (ws->k1[i] + 2.0 * ws->k2[i] + 2.0 * ws->k3[i] + ws->k4[i]);
  if (sys->clip) sys->clip(sys->data, ws->stage, n);
  if (!specot__all_finite(ws->stage, n))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "ode: the state became non-finite at t = %g",
                        t + h);
  memcpy(y, ws->stage, n * sizeof *y);
  return SPECOT_OK;
}

static specot_status check(specot_ctx *ctx, const specot_ode_ws *ws, const specot_ode_system *sys,
                           double t, double h, const double *y) {
  if (!ws || !sys || !sys->rhs || !y)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "ode: NULL workspace, system, rhs or state");
  if (!isfinite(t) || !isfinite(h) || h == 0.0)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "ode: need finite t and a finite non-zero step (t = %g, h = %g)", t, h);
  if (!specot__all_finite(y, ws->n))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "ode: the initial state has a non-finite entry");
  return SPECOT_OK;
}

specot_status specot_ode_rk4_step(specot_ctx *ctx, specot_ode_ws *ws, const specot_ode_system *sys,
                                  double t, double h, double *y) {
  specot__ctx_reset(ctx);
  const specot_status st = check(ctx, ws, sys, t, h, y);
  if (st < 0) return st;
  return step(ctx, ws, sys, t, h, y);
}

specot_status specot_ode_rk4(specot_ctx *ctx, specot_ode_ws *ws, const specot_ode_system *sys,
                             double t0, double h, size_t steps, double *y,
                             specot_ode_observe_fn observe, void *observe_data,
                             size_t *steps_done) {
  specot__ctx_reset(ctx);
  if (steps_done) *steps_done = 0;
  specot_status st = check(ctx, ws, sys, t0, h, y);
  if (st < 0) return st;
  for (size_t k = 0; k < steps; ++k) {
    const double t = t0 + (double)k * h;
    if ((st = step(ctx, ws, sys, t, h, y)) < 0) return st;
    if (steps_done) *steps_done = k + 1;
    if (observe && observe(observe_data, k + 1, t0 + (double)(k + 1) * h, y, ws->n)) break;
  }
  return SPECOT_OK;
}
