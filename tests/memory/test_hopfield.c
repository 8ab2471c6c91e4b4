/* Euclidean Hopfield baselines: the sec. 8.4 values (DOT retrieves the wrong
 * pattern, DIST the right one), DOT = DIST for equal-norm patterns, the
 * update against the formula written out, flattening orders, errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/memory.h"
#include "specot/rng.h"
#include "test_support.h"

static const double X1[] = {0, 0, 1, 0, 0, 1, 1, 1}, X2[] = {2, 2, 3, 2, 2, 3, 3.5, 3.5};
static const double QX[] = {0.2, 0.1, 0.9, -0.1, -0.1, 1.2, 1.1, 0.8};

static void test_spec_example(void **state) {
  (void)state;
  for (int order = 0; order < 2; ++order) {
    double Xi[16], xi[8], p[2];
    size_t idx, it;
    assert_int_equal(specot_hopfield_flatten(NULL, 4, 2, X1, order, Xi), SPECOT_OK);
    assert_int_equal(specot_hopfield_flatten(NULL, 4, 2, X2, order, Xi + 8), SPECOT_OK);
    assert_int_equal(specot_hopfield_flatten(NULL, 4, 2, QX, order, xi), SPECOT_OK);
    assert_int_equal(specot_hopfield_retrieve(NULL, Xi, 2, 8, 2.0, SPECOT_HOPFIELD_DOT, 1, 1e-10,
                                              xi, p, &idx, &it),
                     SPECOT_OK);
    assert_close(p[0], 1.1282646368e-08, 1e-9, 0.0);
    assert_close(p[1], 0.99999998872, 0.0, 1e-11);
    assert_int_equal(idx, 1); /* the wrong pattern: norm bias */
    assert_int_equal(it, 1);
    specot_hopfield_flatten(NULL, 4, 2, QX, order, xi);
    assert_int_equal(specot_hopfield_retrieve(NULL, Xi, 2, 8, 2.0, SPECOT_HOPFIELD_DIST, 1, 1e-10,
                                              xi, p, &idx, NULL),
                     SPECOT_OK);
    assert_close(p[1], 1.8990646736e-16, 1e-9, 0.0);
    assert_close(p[0], 1.0, 0.0, 1e-15);
    assert_int_equal(idx, 0);
    /* after the update xi is (almost exactly) X1 */
    assert_all_close(xi, Xi, 8, 0.0, 1e-14);
  }
}

static void test_flatten(void **state) {
  (void)state;
  const double X[] = {1, 2, 0, 5, 1, -1, 0, 3, 1, 2};
  const double sorted[] = {0, 3, 0, 5, 1, -1, 1, 2, 1, 2};
  double xi[10];
  assert_int_equal(specot_hopfield_flatten(NULL, 5, 2, X, SPECOT_HOPFIELD_RAW, xi), SPECOT_OK);
  assert_all_close(xi, X, 10, 0.0, 0.0);
  assert_int_equal(specot_hopfield_flatten(NULL, 5, 2, X, SPECOT_HOPFIELD_SORTED, xi), SPECOT_OK);
  assert_all_close(xi, sorted, 10, 0.0, 0.0);
}

/* The update written out: xi+ = sum_k p_k Xi_k with p the softmax of the logits. */
static void test_formula(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 8);
  enum { K = 7, Dm = 12 };
  double Xi[K * Dm], q[Dm];
  specot_rng_fill_normal(&r, Xi, K * Dm, 0.0, 1.0);
  specot_rng_fill_normal(&r, q, Dm, 0.0, 1.0);
  for (int mode = 0; mode < 2; ++mode) {
    const double beta = 0.7;
    double lg[K], z = 0.0, pr[K], xi[Dm], p[K], want[Dm];
    for (size_t k = 0; k < K; ++k) {
      double dot = 0.0, dist = 0.0;
      for (size_t c = 0; c < Dm; ++c) {
        dot += Xi[k * Dm + c] * q[c];
        dist += pow(q[c] - Xi[k * Dm + c], 2);
      }
      lg[k] = mode == SPECOT_HOPFIELD_DOT ? beta * dot : -0.5 * beta * dist;
      z += exp(lg[k]);
    }
    for (size_t k = 0; k < K; ++k) pr[k] = exp(lg[k]) / z;
    for (size_t c = 0; c < Dm; ++c) {
      want[c] = 0.0;
      for (size_t k = 0; k < K; ++k) want[c] += pr[k] * Xi[k * Dm + c];
    }
    memcpy(xi, q, sizeof xi);
    assert_int_equal(
        specot_hopfield_retrieve(NULL, Xi, K, Dm, beta, mode, 1, 0.0, xi, p, NULL, NULL),
        SPECOT_OK);
    assert_all_close(p, pr, K, 1e-12, 1e-15);
    assert_all_close(xi, want, Dm, 1e-12, 1e-14);
  }
  /* equal norms: DOT and DIST coincide */
  for (size_t k = 0; k < K; ++k) {
    double nrm = 0.0;
    for (size_t c = 0; c < Dm; ++c) nrm += Xi[k * Dm + c] * Xi[k * Dm + c];
    for (size_t c = 0; c < Dm; ++c) Xi[k * Dm + c] *= 2.0 / sqrt(nrm);
  }
  double x1[Dm], x2[Dm], p1[K], p2[K];
  memcpy(x1, q, sizeof x1);
  memcpy(x2, q, sizeof x2);
  size_t i1, i2, it;
  assert_true(specot_hopfield_retrieve(NULL, Xi, K, Dm, 3.0, SPECOT_HOPFIELD_DOT, 20, 1e-10, x1,
                                       p1, &i1, &it) >= 0);
  assert_true(specot_hopfield_retrieve(NULL, Xi, K, Dm, 3.0, SPECOT_HOPFIELD_DIST, 20, 1e-10, x2,
                                       p2, &i2, NULL) >= 0);
  assert_int_equal(i1, i2);
  assert_all_close(p1, p2, K, 1e-10, 1e-14);
  assert_all_close(x1, x2, Dm, 1e-10, 1e-12);
  assert_true(it >= 2);
}

static void test_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  double Xi[16], xi[8], p[2];
  memcpy(Xi, X1, sizeof X1);
  memcpy(Xi + 8, X2, sizeof X2);
  memcpy(xi, QX, sizeof xi);
  assert_int_equal(specot_hopfield_retrieve(ctx, Xi, 0, 8, 2.0, 0, 1, 0, xi, p, NULL, NULL),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "empty memory"));
  assert_int_equal(specot_hopfield_retrieve(ctx, Xi, 2, 0, 2.0, 0, 1, 0, xi, p, NULL, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_hopfield_retrieve(ctx, Xi, 2, 8, 0.0, 0, 1, 0, xi, p, NULL, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_hopfield_retrieve(ctx, Xi, 2, 8, 1.0, 2, 1, 0, xi, p, NULL, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_hopfield_retrieve(ctx, Xi, 2, 8, 1.0, 0, 0, 0, xi, p, NULL, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_hopfield_retrieve(ctx, Xi, 2, 8, 1.0, 0, 1, -1, xi, p, NULL, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_hopfield_retrieve(ctx, NULL, 2, 8, 1.0, 0, 1, 0, xi, p, NULL, NULL),
                   SPECOT_ERR_INVALID);
  xi[0] = NAN;
  assert_int_equal(specot_hopfield_retrieve(ctx, Xi, 2, 8, 1.0, 0, 1, 0, xi, p, NULL, NULL),
                   SPECOT_ERR_INVALID);
  memcpy(xi, QX, sizeof xi);
  /* tiny beta: still moving after 2 updates with tol 0 */
  assert_int_equal(specot_hopfield_retrieve(ctx, Xi, 2, 8, 1e-3, 1, 2, 0.0, xi, p, NULL, NULL),
                   SPECOT_WARN_MAXITER);
  assert_int_equal(specot_hopfield_flatten(ctx, 0, 2, X1, 0, xi), SPECOT_ERR_INVALID);
  assert_int_equal(specot_hopfield_flatten(ctx, 4, 2, X1, 5, xi), SPECOT_ERR_INVALID);
  assert_int_equal(specot_hopfield_flatten(ctx, 4, 2, NULL, 0, xi), SPECOT_ERR_INVALID);
  xi[1] = INFINITY;
  assert_int_equal(specot_hopfield_flatten(ctx, 4, 2, xi, 0, Xi), SPECOT_ERR_INVALID);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spec_example),
      cmocka_unit_test(test_flatten),
      cmocka_unit_test(test_formula),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
