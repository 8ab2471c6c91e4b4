/* Scalar fallbacks of the OT kernels against the AVX2 ones (forced per
 * workspace through the hidden hooks of src/ot/ot_internal.h), and the
 * default eps-scaling schedule.  On a CPU without AVX2 both runs take the
 * scalar path and the comparisons hold trivially. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ot/ot_internal.h"
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

typedef struct sk_out {
  double *f, *g, *plan;
  specot_ot_sinkhorn_result res;
  specot_status st;
} sk_out;

static void sk_solve(size_t n, size_t m, const double *a, const double *b, const double *C,
                     double eps, const specot_ot_sinkhorn_opts *o, int simd, sk_out *out) {
  specot_ot_sinkhorn_ws *ws = NULL;
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(NULL, n, m, 0, o, &ws), SPECOT_OK);
  specot__ot_sinkhorn_ws_set_simd(ws, simd);
  out->f = malloc(n * sizeof(double));
  out->g = malloc(m * sizeof(double));
  out->plan = malloc(n * m * sizeof(double));
  out->st = specot_ot_sinkhorn_solve(NULL, ws, a, b, C, eps, o, out->f, out->g, out->plan,
                                     &out->res);
  specot_ot_sinkhorn_ws_free(ws);
}

static void sk_free(sk_out *o) {
  free(o->f);
  free(o->g);
  free(o->plan);
}

/* Same problem through the AVX2 and the scalar kernels, both converged to
 * a tight tol (1e-13) so that the stopping iterate does not matter:
 * potentials, plan and costs agree to rounding. */
static void compare_paths(size_t n, size_t m, const double *a, const double *b, const double *C,
                          double eps, const specot_ot_sinkhorn_opts *o) {
  specot_ot_sinkhorn_opts tight = *o;
  tight.tol = 1e-13;
  o = &tight;
  sk_out v, s;
  sk_solve(n, m, a, b, C, eps, o, 1, &v);
  sk_solve(n, m, a, b, C, eps, o, 0, &s);
  assert_int_equal(v.st, SPECOT_OK);
  assert_int_equal(s.st, SPECOT_OK);
  const double scale = mean_of(C, n * m);
  assert_close(s.res.cost, v.res.cost, 1e-12, 0.0);
  assert_close(s.res.regularized_cost, v.res.regularized_cost, 1e-12, 0.0);
  assert_close(s.res.dual_objective, v.res.dual_objective, 1e-12, 0.0);
  assert_close(s.res.lower_bound, v.res.lower_bound, 1e-12, 0.0);
  assert_all_close(s.f, v.f, n, 0.0, 1e-11 * scale);
  assert_all_close(s.g, v.g, m, 0.0, 1e-11 * scale);
  assert_all_close(s.plan, v.plan, n * m, 1e-9, 1e-13 / (double)(n * m));
  sk_free(&v);
  sk_free(&s);
}

/* Sizes not multiples of 4 or 8 exercise the vector tails; one zero-mass
 * row and column exercise the masked paths. */
static void test_sinkhorn_scalar_matches_avx2(void **state) {
  (void)state;
  const size_t n = 43, m = 37;
  double *C = clouds_cost(n, m, 3, 11);
  double *a = malloc(n * sizeof *a), *b = malloc(m * sizeof *b);
  for (size_t i = 0; i < n; ++i) a[i] = 1.0 / (double)(n - 1);
  for (size_t j = 0; j < m; ++j) b[j] = 1.0 / (double)(m - 1);
  a[5] = 0.0;
  b[36] = 0.0;
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  const double med = mean_of(C, n * m);
  compare_paths(n, m, a, b, C, 0.05 * med, &o); /* plain + relaxed scaling steps */
  o.relaxation = 1.0;
  compare_paths(n, m, NULL, NULL, C, 0.05 * med, &o); /* plain Sinkhorn */
  specot_ot_sinkhorn_opts_init(&o);
  /* small eps: annealing, absorptions and log-domain (soft-min) steps */
  compare_paths(n, m, a, b, C, 2e-3 * med, &o);
  free(a);
  free(b);
  free(C);
}

/* Exact OT: the scalar pricing finds the same optimal cost (to rounding;
 * the arc sequence may differ only by ties) and a certified plan. */
static void test_emd_scalar_matches_avx2(void **state) {
  (void)state;
  const size_t n = 230, m = 197; /* large enough for chunked pricing */
  double *C = clouds_cost(n, m, 4, 12);
  double cost[2], lb[2];
  for (int simd = 1; simd >= 0; --simd) {
    specot_ot_emd_ws *ws = NULL;
    assert_int_equal(specot_ot_emd_ws_alloc(NULL, n, m, 0, NULL, &ws), SPECOT_OK);
    specot__ot_emd_ws_set_simd(ws, simd);
    specot_ot_emd_result r;
    assert_int_equal(specot_ot_emd_solve(NULL, ws, NULL, NULL, C, NULL, &r), SPECOT_OK);
    cost[simd] = r.cost;
    lb[simd] = r.lower_bound;
    specot_ot_emd_ws_free(ws);
  }
  assert_close(cost[0], cost[1], 1e-13, 0.0);
  assert_close(lb[0], cost[0], 1e-10, 0.0);
  assert_close(lb[1], cost[1], 1e-10, 0.0);
  free(C);
}

/* Default schedule: at eps >= range / 256 no annealing happens, so the
 * default solve is the eps_scaling = 0 solve (same iterations, same
 * result); an explicit eps_start still anneals, to the same solution. */
static void test_default_schedule(void **state) {
  (void)state;
  const size_t n = 50, m = 60;
  double *C = clouds_cost(n, m, 3, 13);
  const double eps = 0.05 * mean_of(C, n * m);
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  sk_out def, off, ann;
  sk_solve(n, m, NULL, NULL, C, eps, &o, 1, &def);
  o.eps_scaling = 0;
  sk_solve(n, m, NULL, NULL, C, eps, &o, 1, &off);
  o.eps_scaling = 1;
  double lo = C[0], hi = C[0];
  for (size_t k = 0; k < n * m; ++k) {
    lo = C[k] < lo ? C[k] : lo;
    hi = C[k] > hi ? C[k] : hi;
  }
  assert_true(hi - lo <= 256.0 * eps);
  o.eps_start = hi - lo;
  sk_solve(n, m, NULL, NULL, C, eps, &o, 1, &ann);
  assert_int_equal(def.st, SPECOT_OK);
  assert_int_equal(off.st, SPECOT_OK);
  assert_int_equal(ann.st, SPECOT_OK);
  assert_int_equal(def.res.iterations, off.res.iterations);
  assert_close(def.res.cost, off.res.cost, 0.0, 0.0);
  assert_close(ann.res.cost, def.res.cost, 1e-8, 0.0);
  assert_all_close(ann.f, def.f, n, 0.0, 1e-7 * eps);
  sk_free(&def);
  sk_free(&off);
  sk_free(&ann);
  free(C);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sinkhorn_scalar_matches_avx2),
      cmocka_unit_test(test_emd_scalar_matches_avx2),
      cmocka_unit_test(test_default_schedule),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
