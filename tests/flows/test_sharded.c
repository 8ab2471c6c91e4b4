/* Sharded ReLU flow (flows_sharded.h): one process equals specot_flow's
 * Euler run (p = 1, 2, inf) to 1e-10; a reducer that doubles every sum with
 * two identical halves equals the full run (the reduction wiring); errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/flows.h"
#include "specot/flows_sharded.h"
#include "specot/rng.h"
#include "test_support.h"

enum { ND = 150, DZ = 2, D = 3, N = 64, STEPS = 6 };

static void data(double *z, double *y, double *x0) {
  specot_rng r;
  specot_rng_seed(&r, 9);
  specot_rng_fill_normal(&r, z, ND * DZ, 0.0, 1.0);
  for (size_t j = 0; j < ND; ++j) {
    const double a = z[2 * j], b = z[2 * j + 1];
    y[j] = (fmax(0.0, 0.9 * a + 0.4 * b) - fmax(0.0, -0.3 * a + 0.95 * b)) / 2.0;
  }
  specot_rng_fill_normal(&r, x0, N * D, 0.0, 0.8);
}

/* Reference: specot_flow Euler on the relu objective, n particles. */
static void reference(const double *z, const double *y, const double *x0, size_t n, double p,
                      double *x, double *energies) {
  specot_flow_objective obj;
  assert_int_equal(specot_flow_relu_alloc(NULL, z, y, ND, DZ, &obj), SPECOT_OK);
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.method = SPECOT_FLOW_EULER;
  o.p = p;
  o.dt = 0.05;
  specot_flow *fl = NULL;
  assert_int_equal(specot_flow_alloc(NULL, &obj, &o, n, D, x0, NULL, &fl), SPECOT_OK);
  for (int k = 0; k < STEPS; ++k) {
    specot_flow_diag dg;
    specot_flow_diag_get(fl, &dg);
    energies[k] = dg.energy;
    assert_true(specot_flow_step(NULL, fl, NULL) >= 0);
  }
  memcpy(x, specot_flow_particles(fl), n * D * sizeof(double));
  specot_flow_free(fl);
  specot_flow_objective_free(&obj);
}

static void test_one_process_equals_flow(void **state) {
  (void)state;
  double z[ND * DZ], y[ND], x0[N * D], xr[N * D], x[N * D], er[STEPS];
  data(z, y, x0);
  const double ps[] = {1.0, 2.0, INFINITY};
  for (int t = 0; t < 3; ++t) {
    reference(z, y, x0, N, ps[t], xr, er);
    specot_relu_shard *s = NULL;
    assert_int_equal(specot_relu_shard_alloc(NULL, z, y, ND, DZ, N, N, NULL, &s), SPECOT_OK);
    memcpy(x, x0, sizeof x);
    for (int k = 0; k < STEPS; ++k) {
      double e;
      assert_int_equal(specot_relu_shard_step(NULL, s, ps[t], 0.05, x, &e), SPECOT_OK);
      assert_close(e, er[k], 1e-11, 0.0);
    }
    assert_all_close(x, xr, N * D, 1e-10, 1e-12);
    specot_relu_shard_free(s);
  }
}

static int doubling(double *buf, size_t len, void *user) {
  ++*(int *)user;
  for (size_t k = 0; k < len; ++k) buf[k] *= 2.0;
  return 0;
}

static int failing(double *buf, size_t len, void *user) {
  (void)buf, (void)len, (void)user;
  return 1;
}

/* Two shards holding the same half: a reducer that doubles every sum is the
 * allreduce of two identical processes; the result is the full run's half. */
static void test_reduction_wiring(void **state) {
  (void)state;
  double z[ND * DZ], y[ND], x0[N * D], xr[N * D], x[N * D / 2], er[STEPS];
  data(z, y, x0);
  memcpy(x0 + N * D / 2, x0, N * D / 2 * sizeof(double)); /* second half = first half */
  reference(z, y, x0, N, INFINITY, xr, er);
  int calls = 0;
  const specot_reducer red = {doubling, &calls};
  specot_relu_shard *s = NULL;
  assert_int_equal(specot_relu_shard_alloc(NULL, z, y, ND, DZ, N / 2, N, &red, &s), SPECOT_OK);
  memcpy(x, x0, sizeof x);
  for (int k = 0; k < STEPS; ++k) {
    double e;
    assert_int_equal(specot_relu_shard_step(NULL, s, INFINITY, 0.05, x, &e), SPECOT_OK);
    assert_close(e, er[k], 1e-11, 0.0);
  }
  assert_int_equal(calls, 2 * STEPS); /* prediction and moment per step */
  assert_all_close(x, xr, N * D / 2, 1e-10, 1e-12);
  specot_relu_shard_free(s);
}

static void test_errors(void **state) {
  (void)state;
  double z[ND * DZ], y[ND], x0[N * D], x[N * D];
  data(z, y, x0);
  specot_ctx *ctx = specot_ctx_alloc();
  specot_relu_shard *s = NULL;
  assert_int_equal(specot_relu_shard_alloc(ctx, z, y, ND, DZ, N + 1, N, NULL, &s),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "n_local"));
  assert_int_equal(specot_relu_shard_alloc(ctx, NULL, y, ND, DZ, N, N, NULL, &s),
                   SPECOT_ERR_INVALID);
  y[3] = NAN;
  assert_int_equal(specot_relu_shard_alloc(ctx, z, y, ND, DZ, N, N, NULL, &s), SPECOT_ERR_INVALID);
  y[3] = 0.0;
  const specot_reducer bad = {failing, NULL};
  assert_int_equal(specot_relu_shard_alloc(ctx, z, y, ND, DZ, N, N, &bad, &s), SPECOT_OK);
  memcpy(x, x0, sizeof x);
  assert_int_equal(specot_relu_shard_step(ctx, s, 0.5, 0.1, x, NULL), SPECOT_ERR_INVALID);
  assert_int_equal(specot_relu_shard_step(ctx, s, 1.0, 0.0, x, NULL), SPECOT_ERR_INVALID);
  assert_int_equal(specot_relu_shard_step(ctx, s, 1.0, 0.1, NULL, NULL), SPECOT_ERR_INVALID);
  assert_int_equal(specot_relu_shard_step(ctx, s, 1.0, 0.1, x, NULL), SPECOT_ERR_NUMERICAL);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "allreduce"));
  assert_all_close(x, x0, N * D, 0.0, 0.0); /* unchanged */
  specot_relu_shard_free(s);
  specot_relu_shard_free(NULL);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_process_equals_flow),
      cmocka_unit_test(test_reduction_wiring),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
