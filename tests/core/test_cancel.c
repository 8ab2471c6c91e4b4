/* Cooperative cancellation (specot_ctx_set_cancel): every polling solver
 * returns SPECOT_ERR_CANCELLED when the flag is set before or during a solve,
 * and its workspace or flow stays usable and consistent afterwards. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "specot/flows.h"
#include "specot/ot.h"
#include "specot/rng.h"
#include "specot/spectral.h"
#include "test_support.h"

static double *normal_cloud(uint64_t seed, size_t n, size_t d, double shift) {
  specot_rng rng;
  specot_rng_seed(&rng, seed);
  double *x = malloc(n * d * sizeof *x);
  assert_non_null(x);
  specot_rng_fill_normal(&rng, x, n * d, shift, 1.0);
  return x;
}

static double *sq_cost(const double *X, const double *Y, size_t n, size_t m, size_t d) {
  double *C = malloc(n * m * sizeof *C);
  assert_non_null(C);
  assert_int_equal(specot_ot_cost_sqeuclidean(NULL, n, m, d, X, Y, NULL, 0, C), SPECOT_OK);
  return C;
}

static void assert_cancel_message(const specot_ctx *ctx, const char *who) {
  assert_int_equal(specot_ctx_status(ctx), SPECOT_ERR_CANCELLED);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), who));
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "cancelled"));
}

static void test_strerror_and_detach(void **state) {
  (void)state;
  assert_string_equal(specot_strerror(SPECOT_ERR_CANCELLED), "cancelled by the caller");
  specot_ctx_set_cancel(NULL, NULL); /* NULL context: no effect, no crash */
  specot_ctx *ctx = specot_ctx_alloc();
  volatile int flag = 1;
  specot_ctx_set_cancel(ctx, &flag);
  specot_ctx_set_cancel(ctx, NULL); /* detached: a set flag no longer cancels */
  const double C[4] = {0, 1, 1, 0};
  specot_ot_sinkhorn_result r;
  double f[2], g[2];
  assert_int_equal(specot_ot_sinkhorn(ctx, 2, 2, NULL, NULL, C, 0.1, NULL, f, g, NULL, &r),
                   SPECOT_OK);
  specot_ctx_free(ctx);
}

/* Flag set before the solve: the first poll stops it; after clearing the flag
 * the same workspace gives the result of a fresh workspace. */
static void test_emd_cancel_before(void **state) {
  (void)state;
  const size_t n = 80, m = 70, d = 3;
  double *X = normal_cloud(1, n, d, 0.0), *Y = normal_cloud(2, m, d, 1.0);
  double *C = sq_cost(X, Y, n, m, d);
  specot_ctx *ctx = specot_ctx_alloc();
  volatile int flag = 1;
  specot_ctx_set_cancel(ctx, &flag);
  specot_ot_emd_ws *ws = NULL;
  assert_int_equal(specot_ot_emd_ws_alloc(ctx, n, m, 0, NULL, &ws), SPECOT_OK);
  specot_ot_emd_result res;
  assert_int_equal(specot_ot_emd_solve(ctx, ws, NULL, NULL, C, NULL, &res), SPECOT_ERR_CANCELLED);
  assert_cancel_message(ctx, "emd");
  assert_int_equal(specot_ot_emd_plan(ws, NULL, NULL, NULL),
                   0); /* no plan from a cancelled solve */
  flag = 0;
  assert_int_equal(specot_ot_emd_solve(ctx, ws, NULL, NULL, C, NULL, &res), SPECOT_OK);
  specot_ot_emd_result fresh;
  assert_int_equal(
      specot_ot_emd(NULL, n, m, NULL, NULL, C, NULL, &fresh, NULL, NULL, NULL, NULL, NULL),
      SPECOT_OK);
  assert_close(res.cost, fresh.cost, 1e-12, 0.0);
  assert_true(res.marginal_error < 1e-12);
  specot_ot_emd_ws_free(ws);
  specot_ctx_free(ctx);
  free(X);
  free(Y);
  free(C);
}

typedef struct setter {
  volatile int *flag;
  volatile int started;
} setter;

static void *set_flag(void *arg) {
  setter *s = arg;
  while (!s->started) {
  } /* spin until the main thread is about to solve */
  *s->flag = 1;
  return NULL;
}

/* Flag set by another thread while the network simplex runs (a problem that
 * needs many thousand pivots, far longer than the flag takes to land). */
static void test_emd_cancel_from_thread(void **state) {
  (void)state;
  const size_t n = 700, m = 700, d = 2;
  double *X = normal_cloud(3, n, d, 0.0), *Y = normal_cloud(4, m, d, 0.5);
  double *C = sq_cost(X, Y, n, m, d);
  specot_ctx *ctx = specot_ctx_alloc();
  volatile int flag = 0;
  specot_ctx_set_cancel(ctx, &flag);
  specot_ot_emd_ws *ws = NULL;
  assert_int_equal(specot_ot_emd_ws_alloc(ctx, n, m, 0, NULL, &ws), SPECOT_OK);
  setter s = {&flag, 0};
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, set_flag, &s), 0);
  s.started = 1;
  const specot_status st = specot_ot_emd_solve(ctx, ws, NULL, NULL, C, NULL, NULL);
  pthread_join(th, NULL);
  assert_int_equal(st, SPECOT_ERR_CANCELLED);
  assert_cancel_message(ctx, "emd");
  specot_ot_emd_ws_free(ws);
  specot_ctx_free(ctx);
  free(X);
  free(Y);
  free(C);
}

static void test_sinkhorn_cancel(void **state) {
  (void)state;
  const size_t n = 40, m = 30, d = 2;
  double *X = normal_cloud(5, n, d, 0.0), *Y = normal_cloud(6, m, d, 1.0);
  double *C = sq_cost(X, Y, n, m, d);
  specot_ctx *ctx = specot_ctx_alloc();
  volatile int flag = 1;
  specot_ctx_set_cancel(ctx, &flag);
  specot_ot_sinkhorn_ws *ws = NULL;
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(ctx, n, m, 0, NULL, &ws), SPECOT_OK);
  double f[40], g[30], f0[40], g0[30];
  specot_ot_sinkhorn_result r, r0;
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, NULL, NULL, C, 0.05, NULL, f, g, NULL, &r),
                   SPECOT_ERR_CANCELLED);
  assert_cancel_message(ctx, "sinkhorn");
  flag = 0;
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, NULL, NULL, C, 0.05, NULL, f, g, NULL, &r),
                   SPECOT_OK);
  assert_int_equal(specot_ot_sinkhorn(NULL, n, m, NULL, NULL, C, 0.05, NULL, f0, g0, NULL, &r0),
                   SPECOT_OK);
  assert_close(r.cost, r0.cost, 1e-12, 0.0);
  assert_all_close(f, f0, n, 1e-10, 1e-12);
  specot_ot_sinkhorn_ws_free(ws);
  specot_ctx_free(ctx);
  free(X);
  free(Y);
  free(C);
}

/* Progress callback that raises the flag after `after` outer iterations. */
typedef struct raise_after {
  volatile int *flag;
  size_t after;
} raise_after;

static int raise_flag(void *data, const specot_spectral_progress *info) {
  raise_after *r = data;
  if (info->iteration >= r->after) *r->flag = 1;
  return 0;
}

static void test_transport_cancel(void **state) {
  (void)state;
  const size_t n = 30, m = 25, d = 3;
  double *X = normal_cloud(7, n, d, 0.0), *Y = normal_cloud(8, m, d, 0.7);
  const specot_gauge gauge = specot_gauge_schatten(INFINITY);
  specot_ctx *ctx = specot_ctx_alloc();
  volatile int flag = 1;
  specot_ctx_set_cancel(ctx, &flag);
  specot_spectral_ws *ws = specot_spectral_ws_alloc(ctx, n, m, d, 0);
  assert_non_null(ws);
  specot_spectral_result res;
  assert_int_equal(specot_spectral_solve(ctx, ws, &gauge, X, NULL, Y, NULL, NULL, &res),
                   SPECOT_ERR_CANCELLED);
  assert_cancel_message(ctx, "transport");
  /* While solving: the callback raises the flag after 2 OT calls. */
  flag = 0;
  raise_after ra = {&flag, 2};
  specot_spectral_opts opts;
  specot_spectral_opts_init(&opts);
  opts.progress = raise_flag;
  opts.progress_data = &ra;
  assert_int_equal(specot_spectral_solve(ctx, ws, &gauge, X, NULL, Y, NULL, &opts, &res),
                   SPECOT_ERR_CANCELLED);
  assert_cancel_message(ctx, "transport");
  /* The workspace still solves to the fresh value. */
  flag = 0;
  assert_int_equal(specot_spectral_solve(ctx, ws, &gauge, X, NULL, Y, NULL, NULL, &res), SPECOT_OK);
  double ub = 0.0, lb = 0.0;
  assert_int_equal(
      specot_spectral_transport(NULL, &gauge, X, n, NULL, Y, m, NULL, d, NULL, &ub, &lb),
      SPECOT_OK);
  assert_close(res.squared_cost, ub, 1e-6, 0.0);
  assert_true(res.lower_bound <= ub * (1 + 1e-9) && lb <= res.squared_cost * (1 + 1e-9));
  specot_spectral_ws_free(ws);
  specot_ctx_free(ctx);
  free(X);
  free(Y);
}

static void test_flow_cancel_keeps_state(void **state) {
  (void)state;
  const size_t n = 6, d = 3;
  double A[36] = {0}, *B = normal_cloud(9, n, d, 0.0), *x0 = normal_cloud(10, n, d, 0.0);
  for (size_t i = 0; i < n; ++i) A[i * n + i] = 1.0;
  specot_ctx *ctx = specot_ctx_alloc();
  volatile int flag = 0;
  specot_ctx_set_cancel(ctx, &flag);
  specot_flow_objective obj;
  assert_int_equal(specot_flow_quadratic_alloc(ctx, A, B, n, n, d, &obj), SPECOT_OK);
  specot_flow *flow = NULL;
  assert_int_equal(specot_flow_alloc(ctx, &obj, NULL, n, d, x0, NULL, &flow), SPECOT_OK);
  specot_flow_diag diag;
  for (int k = 0; k < 3; ++k) assert_int_equal(specot_flow_step(ctx, flow, &diag), SPECOT_OK);
  double before[18];
  memcpy(before, specot_flow_particles(flow), sizeof before);
  flag = 1;
  assert_int_equal(specot_flow_step(ctx, flow, &diag), SPECOT_ERR_CANCELLED);
  assert_cancel_message(ctx, "flow");
  assert_memory_equal(before, specot_flow_particles(flow), sizeof before);
  specot_flow_diag_get(flow, &diag);
  assert_int_equal(diag.step, 3);
  flag = 0;
  assert_int_equal(specot_flow_step(ctx, flow, &diag), SPECOT_OK);
  assert_int_equal(diag.step, 4);
  specot_flow_free(flow);
  specot_flow_objective_free(&obj);
  specot_ctx_free(ctx);
  free(B);
  free(x0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_strerror_and_detach),    cmocka_unit_test(test_emd_cancel_before),
      cmocka_unit_test(test_emd_cancel_from_thread), cmocka_unit_test(test_sinkhorn_cancel),
      cmocka_unit_test(test_transport_cancel),       cmocka_unit_test(test_flow_cancel_keeps_state),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
