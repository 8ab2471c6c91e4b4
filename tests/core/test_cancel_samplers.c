/* Cooperative cancellation of the SHK sampler and the stochastic semi-discrete
 * OT solvers (polled once per step): SPECOT_ERR_CANCELLED with a message, the
 * state left that of the last full step, and a resumed SHK run equal to an
 * uninterrupted one. */
#include <stdlib.h>
#include <string.h>

#include "specot/rng.h"
#include "specot/sdot.h"
#include "specot/shk.h"
#include "test_support.h"

static void assert_cancel_message(const specot_ctx *ctx, const char *who) {
  assert_int_equal(specot_ctx_status(ctx), SPECOT_ERR_CANCELLED);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), who));
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "cancelled"));
}

enum { N = 64, D = 2 };

/* 5 steps, a cancelled call, 5 more steps == 10 uninterrupted steps (bit for bit). */
static void test_shk_cancel_resumes(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  volatile int flag = 0;
  specot_ctx_set_cancel(ctx, &flag);
  const double w[1] = {1.0}, mean[D] = {1.0, -1.0};
  specot_shk_potential pot;
  assert_int_equal(specot_shk_potential_mixture(ctx, 1, D, w, mean, NULL, &pot), SPECOT_OK);
  specot_shk_opts o;
  specot_shk_opts_init(&o);
  o.dt = 0.01;
  double X[N * D], Y[N * D], before[N * D];
  specot_rng init;
  specot_rng_seed(&init, 3);
  specot_rng_fill_normal(&init, X, N * D, 0.0, 1.0);
  memcpy(Y, X, sizeof X);
  specot_shk_ws *ws = NULL, *ws2 = NULL;
  assert_int_equal(specot_shk_ws_alloc(ctx, N, D, &ws), SPECOT_OK);
  assert_int_equal(specot_shk_ws_alloc(ctx, N, D, &ws2), SPECOT_OK);
  specot_rng r1, r2;
  specot_rng_seed(&r1, 9);
  specot_rng_seed(&r2, 9);
  specot_shk_stats st;
  assert_int_equal(specot_shk_run(ctx, ws, &o, &pot, &r1, 5, X, &st), SPECOT_OK);
  memcpy(before, X, sizeof X);
  flag = 1;
  assert_int_equal(specot_shk_run(ctx, ws, &o, &pot, &r1, 5, X, &st), SPECOT_ERR_CANCELLED);
  assert_cancel_message(ctx, "shk");
  assert_int_equal(st.steps, 0);
  assert_memory_equal(before, X, sizeof X);
  flag = 0;
  assert_int_equal(specot_shk_run(ctx, ws, &o, &pot, &r1, 5, X, &st), SPECOT_OK);
  assert_int_equal(specot_shk_run(ctx, ws2, &o, &pot, &r2, 10, Y, &st), SPECOT_OK);
  assert_memory_equal(X, Y, sizeof X);
  specot_shk_ws_free(ws);
  specot_shk_ws_free(ws2);
  specot_shk_potential_free(&pot);
  specot_ctx_free(ctx);
}

/* A set flag stops Adam and ASGD at their first step; cleared, they solve. */
static void test_sdot_cancel(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  volatile int flag = 1;
  specot_ctx_set_cancel(ctx, &flag);
  const double y[4] = {-0.3, -0.1, 0.1, 0.3};
  const specot_sdot_problem prob = {4, 1, y, NULL, SPECOT_SDOT_CUBE};
  specot_sdot_ws *ws = specot_sdot_ws_alloc(ctx, 4, 1);
  assert_non_null(ws);
  specot_sdot_adam_opts ao;
  specot_sdot_adam_opts_init(&ao);
  ao.batch_size = 1000, ao.max_iter = 50, ao.eval_samples = 1000, ao.eval_every = 10;
  specot_sdot_asgd_opts so;
  specot_sdot_asgd_opts_init(&so);
  so.max_iter = 50, so.eval_samples = 1000, so.eval_every = 10;
  double h[4] = {0, 0, 0, 0};
  specot_sdot_result res;
  assert_int_equal(specot_sdot_solve_adam(ctx, ws, &prob, &ao, h, &res), SPECOT_ERR_CANCELLED);
  assert_cancel_message(ctx, "sdot adam");
  for (int j = 0; j < 4; ++j) assert_true(h[j] == 0.0);
  assert_int_equal(specot_sdot_solve_asgd(ctx, ws, &prob, &so, h, &res), SPECOT_ERR_CANCELLED);
  assert_cancel_message(ctx, "sdot asgd");
  flag = 0;
  assert_true(specot_sdot_solve_adam(ctx, ws, &prob, &ao, h, &res) >= 0);
  assert_true(specot_sdot_solve_asgd(ctx, ws, &prob, &so, h, &res) >= 0);
  specot_sdot_ws_free(ws);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shk_cancel_resumes),
      cmocka_unit_test(test_sdot_cancel),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
