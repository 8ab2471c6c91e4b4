/* ODE: classical RK4 — order 4 on closed forms, the clip hook, the observer
 * and every error path. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/ode.h"
#include "test_support.h"

/* Harmonic oscillator y0' = y1, y1' = -y0: y(t) = (cos t, -sin t) from (1, 0). */
static specot_status oscillator(void *data, specot_ctx *ctx, double t, const double *y, size_t n,
                                double *dydt) {
  (void)data, (void)ctx, (void)t, (void)n;
  dydt[0] = y[1];
  dydt[1] = -y[0];
  return SPECOT_OK;
}

/* Time-dependent y' = t y: y(t) = exp(t^2 / 2) from y(0) = 1. */
static specot_status growth(void *data, specot_ctx *ctx, double t, const double *y, size_t n,
                            double *dydt) {
  (void)data, (void)ctx, (void)n;
  dydt[0] = t * y[0];
  return SPECOT_OK;
}

static double oscillator_error(size_t steps) {
  specot_ode_ws *ws = specot_ode_ws_alloc(NULL, 2);
  assert_non_null(ws);
  const specot_ode_system sys = {oscillator, NULL, NULL};
  double y[2] = {1.0, 0.0};
  const double T = 2.0;
  assert_int_equal(
      specot_ode_rk4(NULL, ws, &sys, 0.0, T / (double)steps, steps, y, NULL, NULL, NULL),
      SPECOT_OK);
  specot_ode_ws_free(ws);
  return hypot(y[0] - cos(T), y[1] + sin(T));
}

static double growth_error(size_t steps) {
  specot_ode_ws *ws = specot_ode_ws_alloc(NULL, 1);
  const specot_ode_system sys = {growth, NULL, NULL};
  double y = 1.0;
  const double T = 1.5;
  assert_int_equal(
      specot_ode_rk4(NULL, ws, &sys, 0.0, T / (double)steps, steps, &y, NULL, NULL, NULL),
      SPECOT_OK);
  specot_ode_ws_free(ws);
  return fabs(y - exp(0.5 * T * T));
}

/* Halving h divides the global error by 2^4 = 16 (observed order within 0.15 of 4). */
static void test_order_four(void **state) {
  (void)state;
  for (size_t steps = 20; steps <= 80; steps *= 2) {
    const double order_osc = log2(oscillator_error(steps) / oscillator_error(2 * steps));
    const double order_growth = log2(growth_error(steps) / growth_error(2 * steps));
    assert_close(order_osc, 4.0, 0.0, 0.15);
    assert_close(order_growth, 4.0, 0.0, 0.15);
  }
  assert_true(oscillator_error(400) < 1e-10);
  /* backwards integration returns to the start */
  specot_ode_ws *ws = specot_ode_ws_alloc(NULL, 2);
  const specot_ode_system sys = {oscillator, NULL, NULL};
  double y[2] = {1.0, 0.0};
  assert_int_equal(specot_ode_rk4(NULL, ws, &sys, 0.0, 0.01, 100, y, NULL, NULL, NULL), SPECOT_OK);
  assert_int_equal(specot_ode_rk4(NULL, ws, &sys, 1.0, -0.01, 100, y, NULL, NULL, NULL), SPECOT_OK);
  assert_close(y[0], 1.0, 0.0, 1e-10);
  assert_close(y[1], 0.0, 0.0, 1e-10);
  specot_ode_ws_free(ws);
}

/* y' = -1 with a floor at 0.25: the clip keeps the state there. */
static specot_status descent(void *data, specot_ctx *ctx, double t, const double *y, size_t n,
                             double *dydt) {
  (void)data, (void)ctx, (void)t, (void)y;
  for (size_t i = 0; i < n; ++i) dydt[i] = -1.0;
  return SPECOT_OK;
}
static void floor_clip(void *data, double *y, size_t n) {
  const double floor = *(const double *)data;
  for (size_t i = 0; i < n; ++i) y[i] = fmax(y[i], floor);
}

typedef struct record {
  size_t calls, stop_at;
  double last_t;
} record;
static int observe(void *data, size_t k, double t, const double *y, size_t n) {
  (void)y, (void)n;
  record *r = data;
  ++r->calls;
  r->last_t = t;
  return k == r->stop_at;
}

static void test_clip_and_observer(void **state) {
  (void)state;
  double floor = 0.25;
  const specot_ode_system sys = {descent, floor_clip, &floor};
  specot_ode_ws *ws = specot_ode_ws_alloc(NULL, 3);
  double y[3] = {1.0, 0.5, 2.0};
  record r = {0, 0, 0.0};
  size_t done = 0;
  assert_int_equal(specot_ode_rk4(NULL, ws, &sys, 0.0, 0.1, 10, y, observe, &r, &done), SPECOT_OK);
  assert_close(y[0], 0.25, 0.0, 0.0);
  assert_close(y[1], 0.25, 0.0, 0.0);
  assert_close(y[2], 1.0, 1e-14, 1e-14);
  assert_int_equal(r.calls, 10);
  assert_int_equal(done, 10);
  assert_close(r.last_t, 1.0, 1e-15, 0.0);
  /* the observer stops early */
  record s = {0, 3, 0.0};
  assert_int_equal(specot_ode_rk4(NULL, ws, &sys, 0.0, 0.1, 10, y, observe, &s, &done), SPECOT_OK);
  assert_int_equal(s.calls, 3);
  assert_int_equal(done, 3);
  specot_ode_ws_free(ws);
}

static specot_status failing(void *data, specot_ctx *ctx, double t, const double *y, size_t n,
                             double *dydt) {
  (void)data, (void)ctx, (void)y, (void)n;
  dydt[0] = 1.0;
  return t > 0.25 ? SPECOT_ERR_INVALID : SPECOT_OK;
}
static specot_status blowup(void *data, specot_ctx *ctx, double t, const double *y, size_t n,
                            double *dydt) {
  (void)data, (void)ctx, (void)n;
  dydt[0] = t > 0.25 ? NAN : y[0];
  return SPECOT_OK;
}

static void test_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  assert_null(specot_ode_ws_alloc(ctx, 0));
  assert_int_equal(specot_ctx_status(ctx), SPECOT_ERR_INVALID);
  assert_null(specot_ode_ws_alloc(ctx, SIZE_MAX / 2));
  assert_int_equal(specot_ctx_status(ctx), SPECOT_ERR_TOO_LARGE);
  specot_ode_ws *ws = specot_ode_ws_alloc(ctx, 1);
  const specot_ode_system ok = {growth, NULL, NULL}, none = {NULL, NULL, NULL};
  double y = 1.0;
  assert_int_equal(specot_ode_rk4_step(ctx, ws, &ok, 0.0, 0.0, &y), SPECOT_ERR_INVALID);
  assert_int_equal(specot_ode_rk4_step(ctx, ws, &ok, NAN, 0.1, &y), SPECOT_ERR_INVALID);
  assert_int_equal(specot_ode_rk4_step(ctx, ws, &ok, 0.0, INFINITY, &y), SPECOT_ERR_INVALID);
  assert_int_equal(specot_ode_rk4_step(ctx, ws, &none, 0.0, 0.1, &y), SPECOT_ERR_INVALID);
  assert_int_equal(specot_ode_rk4_step(ctx, NULL, &ok, 0.0, 0.1, &y), SPECOT_ERR_INVALID);
  double bad = NAN;
  assert_int_equal(specot_ode_rk4_step(ctx, ws, &ok, 0.0, 0.1, &bad), SPECOT_ERR_INVALID);
  /* the callback's error is returned as is, with the last good state kept */
  const specot_ode_system fails = {failing, NULL, NULL};
  size_t done = 99;
  y = 0.0;
  assert_int_equal(specot_ode_rk4(ctx, ws, &fails, 0.0, 0.1, 10, &y, NULL, NULL, &done),
                   SPECOT_ERR_INVALID);
  assert_int_equal(done, 2); /* steps from t = 0 and 0.1 succeed; t = 0.2 evaluates at 0.3 */
  assert_close(y, 0.2, 1e-14, 0.0);
  /* a non-finite stage is NUMERICAL and leaves y unchanged */
  const specot_ode_system blows = {blowup, NULL, NULL};
  y = 1.0;
  assert_int_equal(specot_ode_rk4(ctx, ws, &blows, 0.0, 0.1, 10, &y, NULL, NULL, &done),
                   SPECOT_ERR_NUMERICAL);
  assert_int_equal(done, 2);
  assert_close(y, exp(0.2), 1e-6, 0.0);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "not finite"));
  specot_ode_ws_free(ws);
  specot_ode_ws_free(NULL);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order_four),
      cmocka_unit_test(test_clip_and_observer),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
