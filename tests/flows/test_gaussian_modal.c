/* Flows: the Gaussian modal ODE — hand-computed right-hand sides, the
 * conserved leaves under RK4 for p in {1, 2, 4, inf}, the residual decay,
 * the floor, and the error paths. */
#include <math.h>
#include <stdlib.h>

#include "specot/flows.h"
#include "specot/ode.h"
#include "test_support.h"

static void test_rhs_by_hand(void **state) {
  (void)state;
  const double beta = 1.0;
  specot_flow_gaussian_modal m;
  /* p = 1 (q = 2, pref = 1): (r, s) = (-1.5, 1.8): a = 0.3, b = 3.3, err = -2.5,
   * a' = -4 (-2.5) 0.3 = 3, b' = 4 (-2.5) 3.3 = -33 */
  specot_flow_gaussian_modal_init(&m, 1.0, 1, &beta);
  double y[2] = {0.3, 3.3}, f[2];
  assert_int_equal(specot_flow_gaussian_modal_rhs(&m, NULL, 0.0, y, 2, f), SPECOT_OK);
  assert_close(f[0], 3.0, 1e-14, 0.0);
  assert_close(f[1], -33.0, 1e-14, 0.0);
  /* p = inf (q = 1): pref = |2 err| (sqrt a + sqrt b) = 5 (sqrt .3 + sqrt 3.3),
   * a' = -4 err pref sqrt a */
  specot_flow_gaussian_modal_init(&m, INFINITY, 1, &beta);
  assert_int_equal(specot_flow_gaussian_modal_rhs(&m, NULL, 0.0, y, 2, f), SPECOT_OK);
  const double pref = 5.0 * (sqrt(0.3) + sqrt(3.3));
  assert_close(f[0], 10.0 * pref * sqrt(0.3), 1e-14, 0.0);
  assert_close(f[1], -10.0 * pref * sqrt(3.3), 1e-14, 0.0);
  /* p = 2 (q = 4/3): pref = (|2err|^q (a^{2/3} + b^{2/3}))^{1/2} */
  specot_flow_gaussian_modal_init(&m, 2.0, 1, &beta);
  assert_int_equal(specot_flow_gaussian_modal_rhs(&m, NULL, 0.0, y, 2, f), SPECOT_OK);
  const double q = 4.0 / 3.0, p2 = sqrt(pow(5.0, q) * (pow(0.3, q / 2) + pow(3.3, q / 2)));
  assert_close(f[0], 10.0 * p2 * pow(0.3, q / 2), 1e-13, 0.0);
  /* the leaves */
  assert_close(specot_flow_gaussian_modal_invariant(1.0, 0.3, 3.3), 1.8 * 1.8 - 1.5 * 1.5, 1e-14,
               0);
  assert_close(specot_flow_gaussian_modal_invariant(INFINITY, 4.0, 9.0), 5.0, 1e-15, 0);
  assert_close(specot_flow_gaussian_modal_invariant(2.0, 8.0, 27.0), 2.0 + 3.0, 1e-14,
               0); /* rho 1/3 */
  assert_true(isnan(specot_flow_gaussian_modal_invariant(0.5, 1.0, 1.0)));
  assert_true(isnan(specot_flow_gaussian_modal_invariant(2.0, -1.0, 1.0)));
}

/* RK4 over the paper's one-mode runs (T = 18) keeps each leaf up to its
 * O(dt^4) truncation error (halving dt divides the drift by ~16; at dt = 5e-4
 * it is below 1e-7 relative) while the residual decreases monotonically. */
typedef struct watch {
  double p, i0, drift, last_residual;
  int rises;
  size_t K;
  const double *beta;
} watch;

static int observe(void *data, size_t k, double t, const double *y, size_t n) {
  (void)k, (void)t, (void)n;
  watch *w = data;
  double res = 0.0;
  for (size_t j = 0; j < w->K; ++j) {
    const double err = 0.5 * (y[j] - y[w->K + j]) - w->beta[j];
    res += err * err;
  }
  const double inv = specot_flow_gaussian_modal_invariant(w->p, y[0], y[w->K]);
  w->drift = fmax(w->drift, fabs(inv - w->i0) / fabs(w->i0));
  if (res > w->last_residual * (1 + 1e-12)) ++w->rises;
  w->last_residual = res;
  return 0;
}

static void test_leaves_conserved(void **state) {
  (void)state;
  const double ps[4] = {1.0, 2.0, 4.0, INFINITY}, starts[2][2] = {{-1.5, 1.8}, {-0.5, 2.0}};
  const double beta = 1.0;
  specot_ode_ws *ws = specot_ode_ws_alloc(NULL, 2);
  for (int k = 0; k < 4; ++k)
    for (int s = 0; s < 2; ++s) {
      specot_flow_gaussian_modal m;
      specot_flow_gaussian_modal_init(&m, ps[k], 1, &beta);
      const specot_ode_system sys = {specot_flow_gaussian_modal_rhs,
                                     specot_flow_gaussian_modal_clip, &m};
      double drift[2];
      for (int h = 0; h < 2; ++h) {
        double y[2] = {starts[s][1] + starts[s][0], starts[s][1] - starts[s][0]};
        watch w = {
            ps[k], specot_flow_gaussian_modal_invariant(ps[k], y[0], y[1]), 0.0, INFINITY, 0, 1,
            &beta};
        const size_t steps = h ? 36000 : 18000;
        assert_int_equal(
            specot_ode_rk4(NULL, ws, &sys, 0.0, 18.0 / (double)steps, steps, y, observe, &w, NULL),
            SPECOT_OK);
        assert_int_equal(w.rises, 0);
        assert_true(w.last_residual < 1e-4); /* moving to r = 1 */
        drift[h] = w.drift;
      }
      assert_true(drift[1] < 1e-7);
      if (drift[1] > 1e-12) assert_close(log2(drift[0] / drift[1]), 4.0, 0.0, 0.3);
    }
  specot_ode_ws_free(ws);
}

/* Two modes from r = 0, s = (0.1, 10) towards beta = (-1.25, -0.65) at p = inf:
 * sqrt(a_1) decreases at a constant rate until a_1 sits on the floor, so
 * mode 1 leaves its leaf while mode 2 keeps its own. */
static void test_two_mode_floor(void **state) {
  (void)state;
  const double beta[2] = {-1.25, -0.65};
  specot_flow_gaussian_modal m;
  specot_flow_gaussian_modal_init(&m, INFINITY, 2, beta);
  const specot_ode_system sys = {specot_flow_gaussian_modal_rhs, specot_flow_gaussian_modal_clip,
                                 &m};
  specot_ode_ws *ws = specot_ode_ws_alloc(NULL, 4);
  double y[4] = {0.1, 10.0, 0.1, 10.0};
  const double i1 = specot_flow_gaussian_modal_invariant(INFINITY, y[0], y[2]);
  const double i2 = specot_flow_gaussian_modal_invariant(INFINITY, y[1], y[3]);
  assert_int_equal(specot_ode_rk4(NULL, ws, &sys, 0.0, 2e-3, 9000, y, NULL, NULL, NULL), SPECOT_OK);
  assert_close(y[0], 1e-12, 0.0, 0.0); /* a_1 on the floor */
  assert_true(fabs(specot_flow_gaussian_modal_invariant(INFINITY, y[0], y[2]) - i1) > 1e-3);
  assert_close(specot_flow_gaussian_modal_invariant(INFINITY, y[1], y[3]), i2, 1e-5, 0.0);
  specot_ode_ws_free(ws);
}

static void test_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  const double beta = 1.0;
  double y[2] = {1, 1}, f[2];
  specot_flow_gaussian_modal m;
  specot_flow_gaussian_modal_init(&m, 0.5, 1, &beta);
  assert_int_equal(specot_flow_gaussian_modal_rhs(&m, ctx, 0, y, 2, f), SPECOT_ERR_INVALID);
  specot_flow_gaussian_modal_init(&m, 2.0, 1, &beta);
  assert_int_equal(specot_flow_gaussian_modal_rhs(&m, ctx, 0, y, 3, f), SPECOT_ERR_INVALID);
  assert_int_equal(specot_flow_gaussian_modal_rhs(NULL, ctx, 0, y, 2, f), SPECOT_ERR_INVALID);
  specot_flow_gaussian_modal_init(&m, 2.0, 1, NULL);
  assert_int_equal(specot_flow_gaussian_modal_rhs(&m, ctx, 0, y, 2, f), SPECOT_ERR_INVALID);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rhs_by_hand),
      cmocka_unit_test(test_leaves_conserved),
      cmocka_unit_test(test_two_mode_floor),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
