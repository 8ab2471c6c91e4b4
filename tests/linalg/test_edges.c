/* linalg: edge branches and error paths not reached by the other linalg tests
 * (found by a coverage run).  Errors check the status and that the message
 * names the problem. */
#include <math.h>
#include <string.h>

#include "specot/linalg.h"
#include "test_support.h"

static void expect_msg(specot_ctx *ctx, const char *fragment) {
  if (!strstr(specot_ctx_errmsg(ctx), fragment))
    fail_msg("message '%s' lacks '%s'", specot_ctx_errmsg(ctx), fragment);
}

/* Newton–Schulz is scale invariant (X0 = G / ||G||_F): entries near DBL_MAX,
 * whose Frobenius norm overflows, must give the same Q as the scaled-down
 * matrix (not Q = 0 from 1/inf), for every schedule and both orientations. */
static void test_newton_schulz_huge_entries(void **state) {
  (void)state;
  const double g[6] = {1.0, 0.5, -0.25, 0.75, -1.0, 0.125};
  const double big = 1.5e308;
  double G[6], Q[6], Qref[6];
  for (int k = 0; k < 6; ++k) G[k] = big * g[k];
  const specot_linalg_ns_schedule sched[3] = {SPECOT_LINALG_NS_KJ5, SPECOT_LINALG_NS_POLAR_EXPRESS,
                                              SPECOT_LINALG_NS_CUBIC};
  for (int s = 0; s < 3; ++s)
    for (int t = 0; t < 2; ++t) {
      const size_t m = t ? 3 : 2, n = t ? 2 : 3;
      specot_linalg_ns_opts o;
      specot_linalg_ns_opts_init(&o);
      o.schedule = sched[s];
      o.steps = 8;
      assert_int_equal(specot_linalg_newton_schulz(NULL, NULL, g, m, n, &o, Qref), SPECOT_OK);
      assert_int_equal(specot_linalg_newton_schulz(NULL, NULL, G, m, n, &o, Q), SPECOT_OK);
      assert_all_close(Q, Qref, 6, 1e-14, 1e-15);
    }
  specot_linalg_ns_opts_init(NULL); /* NULL-safe, like the other _opts_init */
  specot_linalg_polar_opts_init(NULL);
  specot_linalg_psd_opts_init(NULL);
}

/* MAX block gauge with a rank-deficient block and an explicit rtol: the first
 * pass truncates the tiny singular value.  G = [B1 | B2], B1 = (1,2)^T (1,2)
 * (sigma = 5, 0), B2 = diag(1, 2); p = 2 so q = 4/3 and
 * N*(G) = sum_b ||B_b||_{S_q} = 5 + (1 + 2^{4/3})^{3/4}; <G,V> = -N*^2 and
 * the MAX tangent norm of V equals N*. */
static void test_block_max_gauge_rank_deficient(void **state) {
  (void)state;
  const double G[8] = {1, 2, 1, 0, 2, 4, 0, 2};
  const size_t widths[2] = {2, 2};
  double V[8], dual = 0.0, tangent = 0.0;
  const double p = 2.0, want = 5.0 + pow(1.0 + pow(2.0, 4.0 / 3.0), 0.75);
  assert_int_equal(specot_linalg_block_lmo(NULL, NULL, G, 2, 4, widths, 2, p,
                                           SPECOT_LINALG_BLOCK_MAX, 1e-8, V, &dual),
                   SPECOT_OK);
  assert_close(dual, want, 1e-13, 0.0);
  double inner = 0.0;
  for (int k = 0; k < 8; ++k) inner += G[k] * V[k];
  assert_close(inner, -want * want, 1e-13, 0.0);
  assert_int_equal(specot_linalg_block_norm(NULL, NULL, V, 2, 4, widths, 2, p,
                                            SPECOT_LINALG_BLOCK_MAX, &tangent),
                   SPECOT_OK);
  assert_close(tangent, want, 1e-13, 0.0);
}

static void test_block_norm_and_hvp_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  double V[4] = {1, 2, 3, NAN}, value = 0.0, out[4];
  const size_t widths[2] = {1, 1};
  assert_int_equal(specot_linalg_block_norm(ctx, NULL, V, 2, 2, widths, 2, 1.0,
                                            SPECOT_LINALG_BLOCK_SUM, &value),
                   SPECOT_ERR_INVALID);
  expect_msg(ctx, "block_norm: V has a non-finite entry");
  V[3] = 4.0;
  assert_int_equal(specot_linalg_block_norm(ctx, NULL, V, 2, 2, widths, 2, 1.0,
                                            SPECOT_LINALG_BLOCK_SUM, NULL),
                   SPECOT_ERR_INVALID);
  expect_msg(ctx, "value is NULL");
  const double H[4] = {1, 0, 0, 1};
  V[0] = INFINITY;
  assert_int_equal(specot_linalg_reg_hvp(ctx, NULL, V, H, 2, 2, 0.1, out), SPECOT_ERR_INVALID);
  expect_msg(ctx, "reg_hvp: G has a non-finite entry");
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_newton_schulz_huge_entries),
      cmocka_unit_test(test_block_max_gauge_rank_deficient),
      cmocka_unit_test(test_block_norm_and_hvp_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
