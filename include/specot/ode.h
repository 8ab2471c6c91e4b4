/*
 * specot/ode.h — fixed-step explicit integration of y' = f(t, y).
 *
 * Method: the classical fourth-order Runge-Kutta scheme (RK4).  With step h
 * and k1 = f(t, y), k2 = f(t + h/2, y + h/2 k1), k3 = f(t + h/2, y + h/2 k2),
 * k4 = f(t + h, y + h k3):
 *     y+ = y + (h/6) (k1 + 2 k2 + 2 k3 + k4).
 * The global error at a fixed final time is O(h^4) for a smooth f.
 *
 * Optional projection hook.  A `clip` callback, when set, is applied to the
 * state after every full step (y+ <- clip(y+)), e.g. to keep a positive
 * state above a floor as the paper's Gaussian modal integration does
 * (states clipped at 1e-12).  It is never applied to the intermediate stage
 * states: a right-hand side that needs a guarded argument guards it itself.
 * An active clip breaks the O(h^4) error bound where it acts.
 *
 * Memory: a workspace holds the four stages and one stage state (5 n
 * doubles); steps never allocate.  Cost per step: four evaluations of f
 * plus O(n) flops.
 *
 * Thread safety: a workspace must not be used by two threads at once;
 * distinct workspaces may.  The integrator adds no threads of its own.
 */
#ifndef SPECOT_ODE_H
#define SPECOT_ODE_H

#include "specot/specot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Right-hand side: dydt[0..n) = f(t, y[0..n)).  Returns SPECOT_OK or an error
 * status (which stops the integration and is returned unchanged); the
 * callback may record its message in ctx. */
typedef specot_status (*specot_ode_rhs_fn)(void *data, specot_ctx *ctx, double t, const double *y,
                                           size_t n, double *dydt);
/* Projection applied to the state after each full step (in place). */
typedef void (*specot_ode_clip_fn)(void *data, double *y, size_t n);
/* Observer called after step k (k = 1..steps) with the time and state;
 * a non-zero return stops the integration early (status SPECOT_OK). */
typedef int (*specot_ode_observe_fn)(void *data, size_t k, double t, const double *y, size_t n);

typedef struct specot_ode_system {
  specot_ode_rhs_fn rhs;   /* required */
  specot_ode_clip_fn clip; /* NULL = none */
  void *data;              /* passed to rhs and clip */
} specot_ode_system;

typedef struct specot_ode_ws specot_ode_ws;

/* Workspace for states of n >= 1 entries (5 n doubles).  Returns NULL (message
 * in ctx) for n = 0, a size overflow or out of memory. */
SPECOT_API specot_ode_ws *specot_ode_ws_alloc(specot_ctx *ctx, size_t n);
SPECOT_API void specot_ode_ws_free(specot_ode_ws *ws);

/* One RK4 step of size h (any finite non-zero h; h < 0 integrates backwards)
 * from (t, y), in place on y (n = the workspace size), followed by clip.
 * Statuses: OK; ERR_INVALID (NULL arguments, non-finite t or h, h = 0);
 * ERR_NUMERICAL (a stage or the new state is non-finite: y is left
 * unchanged); the rhs callback's error status. */
SPECOT_API specot_status specot_ode_rk4_step(specot_ctx *ctx, specot_ode_ws *ws,
                                             const specot_ode_system *sys, double t, double h,
                                             double *y);

/* `steps` RK4 steps of size h from (t0, y): times t0 + k h (computed as a
 * product, not a running sum).  observe (may be NULL) is called after each
 * step.  On an error y holds the state of the last successful step and
 * *steps_done (may be NULL) how many steps were taken.  Statuses: as
 * specot_ode_rk4_step. */
SPECOT_API specot_status specot_ode_rk4(specot_ctx *ctx, specot_ode_ws *ws,
                                        const specot_ode_system *sys, double t0, double h,
                                        size_t steps, double *y, specot_ode_observe_fn observe,
                                        void *observe_data, size_t *steps_done);

#ifdef __cplusplus
}
#endif

#endif /* SPECOT_ODE_H */
