/* Flows: edge branches and error paths not reached by the other flows tests
 * (found by a coverage run).  Each error checks the status and that the
 * message names the problem. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "specot/flows.h"
#include "test_support.h"

static void expect_msg(specot_ctx *ctx, const char *fragment) {
  if (!strstr(specot_ctx_errmsg(ctx), fragment))
    fail_msg("message '%s' lacks '%s'", specot_ctx_errmsg(ctx), fragment);
}

/* Zero forces everywhere: E = 0, g = 0. */
static specot_status zero_eval(void *model, specot_ctx *ctx, const double *x, const double *w,
                               size_t n, size_t d, double *energy, double *forces) {
  (void)model;
  (void)ctx;
  (void)x;
  (void)w;
  *energy = 0.0;
  memset(forces, 0, n * d * sizeof *forces);
  return SPECOT_OK;
}

/* An objective that fails with its own status and message. */
static specot_status failing_eval(void *model, specot_ctx *ctx, const double *x, const double *w,
                                  size_t n, size_t d, double *energy, double *forces) {
  (void)model;
  (void)x;
  (void)w;
  (void)n;
  (void)d;
  (void)energy;
  (void)forces;
  return specot__fail(ctx, SPECOT_ERR_NOMEM, "toy objective: model cache exhausted");
}

/* With zero forces the flow stands still: ratio 0 (not 0/0), particles
 * unchanged bit for bit, for every method; NULL options mean defaults. */
static void test_zero_forces_stand_still(void **state) {
  (void)state;
  const size_t n = 5, d = 3;
  double x0[15];
  for (size_t k = 0; k < n * d; ++k) x0[k] = (double)k - 7.0;
  specot_flow_objective obj = {zero_eval, NULL, NULL, 0, 0.0, "zero"};
  const specot_flow_method methods[3] = {SPECOT_FLOW_EULER, SPECOT_FLOW_MOMENTUM,
                                         SPECOT_FLOW_HAMILTONIAN};
  for (int k = 0; k < 3; ++k) {
    specot_flow_opts o;
    specot_flow_opts_init(&o);
    o.method = methods[k];
    specot_flow *f = NULL;
    assert_int_equal(specot_flow_alloc(NULL, &obj, k == 0 ? NULL : &o, n, d, x0, NULL, &f),
                     SPECOT_OK);
    specot_flow_diag dg;
    for (int s = 0; s < 3; ++s) assert_int_equal(specot_flow_step(NULL, f, &dg), SPECOT_OK);
    assert_close(dg.ratio, 0.0, 0.0, 0.0);
    assert_close(dg.energy, 0.0, 0.0, 0.0);
    assert_true(isfinite(dg.hamiltonian));
    assert_all_close(specot_flow_particles(f), x0, n * d, 0.0, 0.0);
    specot_flow_free(f);
  }
}

static void test_objective_failure_passes_through(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  const double x0[4] = {1, 2, 3, 4};
  specot_flow_objective obj = {failing_eval, NULL, NULL, 0, 0.0, "failing"};
  specot_flow *f = NULL;
  assert_int_equal(specot_flow_alloc(ctx, &obj, NULL, 2, 2, x0, NULL, &f), SPECOT_ERR_NOMEM);
  assert_null(f);
  expect_msg(ctx, "model cache exhausted");
  specot_ctx_free(ctx);
}

static void test_block_rows_must_divide(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  const double x0[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  specot_flow_objective obj = {zero_eval, NULL, NULL, 0, 0.0, "zero"};
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.gauge = SPECOT_FLOW_GAUGE_BLOCK_MAX;
  o.block_rows[0] = 3; /* one block (nblocks = 0) of d = 4 columns as 3 rows */
  specot_flow *f = NULL;
  assert_int_equal(specot_flow_alloc(ctx, &obj, &o, 2, 4, x0, NULL, &f), SPECOT_ERR_INVALID);
  assert_null(f);
  expect_msg(ctx, "3 block rows do not divide d = 4");
  o.block_rows[0] = 2; /* 2 x 2 matrix blocks: accepted */
  assert_int_equal(specot_flow_alloc(ctx, &obj, &o, 2, 4, x0, NULL, &f), SPECOT_OK);
  specot_flow_free(f);
  specot_ctx_free(ctx);
}

static void test_dissipation_ratio_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  double m[4] = {1, 2, NAN, 4}, ratio = -1.0;
  assert_int_equal(specot_flow_dissipation_ratio(ctx, m, 2, 2, &ratio), SPECOT_ERR_INVALID);
  expect_msg(ctx, "non-finite");
  assert_int_equal(specot_flow_dissipation_ratio(ctx, NULL, 2, 2, &ratio), SPECOT_ERR_INVALID);
  expect_msg(ctx, "NULL");
  assert_int_equal(specot_flow_dissipation_ratio(ctx, m, 2, 2, NULL), SPECOT_ERR_INVALID);
  specot_ctx_free(ctx);
}

/* Checkpoint files with another format version, or cut inside X/aux. */
static void test_checkpoint_version_and_truncation(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  const size_t n = 3, d = 2;
  const double x0[6] = {1, -1, 2, 0.5, -3, 1};
  double A[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, B[6] = {0};
  specot_flow_objective obj;
  assert_int_equal(specot_flow_quadratic_alloc(NULL, A, B, 3, n, d, &obj), SPECOT_OK);
  specot_flow *f = NULL;
  assert_int_equal(specot_flow_alloc(NULL, &obj, NULL, n, d, x0, NULL, &f), SPECOT_OK);
  assert_int_equal(specot_flow_step(NULL, f, NULL), SPECOT_OK);
  char path[64];
  snprintf(path, sizeof path, "flows_edges_%d.ckpt", (int)getpid());
  assert_int_equal(specot_flow_checkpoint_write(ctx, f, path), SPECOT_OK);
  assert_int_equal(specot_flow_checkpoint_read(ctx, f, path), SPECOT_OK);
  /* version word (first uint64 after the 8-byte magic) set to 99 */
  FILE *fp = fopen(path, "r+b");
  assert_non_null(fp);
  const uint64_t v99 = 99;
  assert_int_equal(fseek(fp, 8, SEEK_SET), 0);
  assert_int_equal(fwrite(&v99, sizeof v99, 1, fp), 1);
  assert_int_equal(fclose(fp), 0);
  assert_int_equal(specot_flow_checkpoint_read(ctx, f, path), SPECOT_ERR_FORMAT);
  expect_msg(ctx, "version 99");
  /* a complete file cut by 9 bytes: the checksum and one byte of aux missing */
  assert_int_equal(specot_flow_checkpoint_write(ctx, f, path), SPECOT_OK);
  fp = fopen(path, "rb");
  assert_non_null(fp);
  assert_int_equal(fseek(fp, 0, SEEK_END), 0);
  const long size = ftell(fp);
  fclose(fp);
  assert_int_equal(truncate(path, size - 9), 0);
  const double before = specot_flow_particles(f)[0];
  assert_int_equal(specot_flow_checkpoint_read(ctx, f, path), SPECOT_ERR_FORMAT);
  expect_msg(ctx, "truncated");
  assert_close(specot_flow_particles(f)[0], before, 0.0, 0.0); /* flow left intact */
  remove(path);
  specot_flow_free(f);
  specot_flow_objective_free(&obj);
  specot_ctx_free(ctx);
}

static void test_reduced_flow_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_flow_objective obj = {zero_eval, NULL, NULL, 0, 0.0, "zero"};
  double m[2] = {0.5, 0.5}, omega[4] = {1, 0, 0, 1}, dm[2], domega[4];
  assert_int_equal(specot_flow_sphere_rhs(ctx, &obj, 2.0, m, NULL, 2, 2, dm, domega),
                   SPECOT_ERR_INVALID);
  expect_msg(ctx, "NULL");
  assert_int_equal(specot_flow_sphere_rhs(ctx, &obj, 2.0, m, omega, SIZE_MAX / 4, 8, dm, domega),
                   SPECOT_ERR_TOO_LARGE);
  expect_msg(ctx, "overflow");
  /* zero forces: the reduced flow stands still */
  assert_int_equal(specot_flow_sphere_rhs(ctx, &obj, 2.0, m, omega, 2, 2, dm, domega), SPECOT_OK);
  const double zeros[4] = {0};
  assert_all_close(dm, zeros, 2, 0.0, 0.0);
  assert_all_close(domega, zeros, 4, 0.0, 0.0);
  /* Gaussian closure: finite H and Sigma whose product H Sigma^{1/2} overflows */
  const double sigma[4] = {1e300, 0, 0, 1e300}, h[4] = {1e300, 0, 0, 1e300};
  double out[4];
  assert_int_equal(specot_flow_gaussian_covariance_rhs(ctx, sigma, h, 2, 2.0, out),
                   SPECOT_ERR_NUMERICAL);
  expect_msg(ctx, "overflows");
  specot_ctx_free(ctx);
}

static void test_objective_argument_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  double A[4] = {1, 0, 0, 1}, B[4] = {0};
  specot_flow_objective obj;
  assert_int_equal(specot_flow_quadratic_alloc(ctx, A, B, 2, 2, 2, &obj), SPECOT_OK);
  double x[6] = {0}, w[3] = {1.0 / 3, 1.0 / 3, 1.0 / 3}, g[6], e;
  assert_int_equal(obj.eval(obj.model, ctx, x, w, 3, 2, &e, g), SPECOT_ERR_INVALID);
  expect_msg(ctx, "X is 3 x 2, expected 2 x 2");
  specot_flow_objective_free(&obj);
  const double xr[3] = {1, 1, 0}, z[2] = {1, 0};
  double out[1];
  assert_int_equal(specot_flow_relu_predict(ctx, xr, NULL, 0, 2, z, 1, out), SPECOT_ERR_INVALID);
  expect_msg(ctx, "empty");
  assert_int_equal(specot_flow_relu_predict(ctx, xr, NULL, 1, 2, z, 0, out), SPECOT_ERR_INVALID);
  /* NULL options = defaults; n = 0 particles is refused before any work */
  assert_int_equal(specot_flow_relu_protocol(ctx, NULL, 0, &obj, NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  expect_msg(ctx, "must be positive");
  specot_flow_relu_protocol_opts po;
  specot_flow_relu_protocol_opts_init(&po);
  po.n_train = 0;
  assert_int_equal(specot_flow_relu_protocol(ctx, &po, 4, &obj, NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  expect_msg(ctx, "n_train");
  assert_int_equal(specot_flow_relu_protocol(ctx, &po, 4, NULL, NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  expect_msg(ctx, "NULL objective");
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_zero_forces_stand_still),
      cmocka_unit_test(test_objective_failure_passes_through),
      cmocka_unit_test(test_block_rows_must_divide),
      cmocka_unit_test(test_dissipation_ratio_errors),
      cmocka_unit_test(test_checkpoint_version_and_truncation),
      cmocka_unit_test(test_reduced_flow_errors),
      cmocka_unit_test(test_objective_argument_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
