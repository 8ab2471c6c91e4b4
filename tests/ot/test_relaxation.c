/* Solver accelerations: over-relaxed Sinkhorn (automatic and fixed weight)
 * against plain Sinkhorn, and the network simplex's candidate-list pricing
 * on problems large enough to use it (certificates, transposition). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/ot.h"
#include "specot/rng.h"
#include "test_support.h"

/* Gaussian clouds in dimension d: C_ij = |x_i - y_j|^2 (squared). */
static double *clouds_cost(size_t n, size_t m, size_t d, uint64_t seed) {
  specot_rng r;
  specot_rng_seed(&r, seed);
  double *X = malloc(n * d * sizeof *X), *Y = malloc(m * d * sizeof *Y);
  double *C = malloc(n * m * sizeof *C);
  specot_rng_fill_normal(&r, X, n * d, 0.0, 1.0);
  specot_rng_fill_normal(&r, Y, m * d, 0.3, 1.0);
  assert_int_equal(specot_ot_cost_sqeuclidean(NULL, n, m, d, X, Y, NULL, 0, C), SPECOT_OK);
  free(X);
  free(Y);
  return C;
}

static double mean_of(const double *x, size_t len) {
  double s = 0.0;
  for (size_t k = 0; k < len; ++k) s += x[k];
  return s / (double)len;
}

/* Rows of the plan sum to 1/n (relative 1e-10): the last iteration is a
 * plain one even when relaxed; columns within tol (L1). */
static void check_plan(const double *P, size_t n, size_t m, double col_tol) {
  double err = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (size_t j = 0; j < m; ++j) s += P[i * m + j];
    assert_close(s, 1.0 / (double)n, 1e-10, 1e-15);
  }
  for (size_t j = 0; j < m; ++j) {
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += P[i * m + j];
    err += fabs(s - 1.0 / (double)m);
  }
  assert_true(err <= col_tol);
}

static void test_relaxed_matches_plain(void **state) {
  (void)state;
  enum { n = 150, m = 120 };
  double *C = clouds_cost(n, m, 3, 21);
  const double eps = 0.02 * mean_of(C, (size_t)n * m), tol = 1e-10;
  double *P = malloc((size_t)n * m * sizeof *P);
  double f0[n], g0[m], f[n], g[m];
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  assert_true(o.relaxation == 0.0);
  o.tol = tol;
  o.eps_scaling = 0;
  o.relaxation = 1.0;
  specot_ot_sinkhorn_result plain, res;
  assert_int_equal(specot_ot_sinkhorn(NULL, n, m, NULL, NULL, C, eps, &o, f0, g0, P, &plain),
                   SPECOT_OK);
  check_plan(P, n, m, 2 * tol);
  const double weights[3] = {0.0, 1.5, 1.9};
  for (int k = 0; k < 3; ++k) {
    o.relaxation = weights[k];
    assert_int_equal(specot_ot_sinkhorn(NULL, n, m, NULL, NULL, C, eps, &o, f, g, P, &res),
                     SPECOT_OK);
    check_plan(P, n, m, 2 * tol);
    assert_true(res.marginal_error <= tol);
    assert_close(res.cost, plain.cost, 1e-8, 0.0);
    assert_close(res.dual_objective, plain.dual_objective, 1e-8, 0.0);
    assert_all_close(f, f0, n, 0.0, 1e-6 * eps);
    assert_all_close(g, g0, m, 0.0, 1e-6 * eps);
    /* Automatic weight: at least 2x fewer iterations than plain Sinkhorn
     * here (about 80 against 450 on x86-64). */
    if (weights[k] == 0.0) assert_true(2 * res.iterations <= plain.iterations);
  }
  /* With eps-scaling (default) the target stage is relaxed too. */
  specot_ot_sinkhorn_opts_init(&o);
  o.tol = tol;
  assert_int_equal(specot_ot_sinkhorn(NULL, n, m, NULL, NULL, C, eps, &o, f, g, P, &res),
                   SPECOT_OK);
  check_plan(P, n, m, 2 * tol);
  assert_close(res.cost, plain.cost, 1e-8, 0.0);
  free(P);
  free(C);
}

static void test_relaxation_invalid(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  double C[4] = {0, 1, 1, 0}, f[2], g[2];
  specot_ot_sinkhorn_opts o;
  const double bad[4] = {0.5, 2.0, -1.0, NAN};
  for (int k = 0; k < 4; ++k) {
    specot_ot_sinkhorn_opts_init(&o);
    o.relaxation = bad[k];
    assert_int_equal(specot_ot_sinkhorn(ctx, 2, 2, NULL, NULL, C, 0.1, &o, f, g, NULL, NULL),
                     SPECOT_ERR_INVALID);
    assert_non_null(strstr(specot_ctx_errmsg(ctx), "relaxation"));
  }
  specot_ctx_free(ctx);
}

/* Network simplex with several pricing chunks per block and candidate
 * re-pricing: optimality certificates, and the transposed problem has the
 * same optimal cost. */
static void test_emd_candidate_pricing(void **state) {
  (void)state;
  enum { n = 220, m = 260 };
  double *C = clouds_cost(n, m, 5, 7), *Ct = malloc((size_t)n * m * sizeof *Ct);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < m; ++j) Ct[j * n + i] = C[i * m + j];
  double cmax = 0.0;
  for (size_t k = 0; k < (size_t)n * m; ++k) cmax = C[k] > cmax ? C[k] : cmax;
  specot_ot_emd_result r1, r2;
  assert_int_equal(specot_ot_emd(NULL, n, m, NULL, NULL, C, NULL, &r1, NULL, NULL, NULL, NULL,
                                 NULL),
                   SPECOT_OK);
  assert_int_equal(specot_ot_emd(NULL, m, n, NULL, NULL, Ct, NULL, &r2, NULL, NULL, NULL, NULL,
                                 NULL),
                   SPECOT_OK);
  assert_true(r1.min_reduced_cost >= -1e-12 * cmax);
  assert_close(r1.cost, r1.dual_objective, 1e-12, 1e-14);
  assert_true(r1.marginal_error <= 1e-13);
  assert_true(r1.nnz <= n + m - 1);
  assert_close(r2.cost, r1.cost, 1e-12, 0.0);
  free(C);
  free(Ct);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_relaxed_matches_plain),
      cmocka_unit_test(test_relaxation_invalid),
      cmocka_unit_test(test_emd_candidate_pricing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
