/* Thin SVD: reconstruction, orthonormal factors, descending values, every shape. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/linalg.h"
#include "specot/rng.h"
#include "test_support.h"

static void check_shape(size_t m, size_t n, int rank_deficient) {
  specot_rng rng;
  specot_rng_seed(&rng, 100 * m + n);
  const size_t k = m < n ? m : n;
  double *A = malloc(m * n * sizeof *A), *U = malloc(m * k * sizeof *U),
         *Wt = malloc(k * n * sizeof *Wt), *s = malloc(k * sizeof *s), *s2 = malloc(k * sizeof *s2);
  specot_rng_fill_normal(&rng, A, m * n, 0.0, 1.0);
  if (rank_deficient && m > 1) /* last row = first row */
    memcpy(A + (m - 1) * n, A, n * sizeof *A);
  specot_linalg_ws *ws = NULL;
  assert_int_equal(specot_linalg_ws_alloc(NULL, m, n, &ws), SPECOT_OK);
  assert_int_equal(specot_linalg_svd(NULL, ws, A, m, n, U, s, Wt), SPECOT_OK);
  double scale = 0.0;
  for (size_t i = 0; i < m * n; ++i) scale = fmax(scale, fabs(A[i]));
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      double r = 0.0;
      for (size_t t = 0; t < k; ++t) r += U[i * k + t] * s[t] * Wt[t * n + j];
      assert_close(r, A[i * n + j], 0.0, 1e-13 * scale * (double)k);
    }
  for (size_t a = 0; a < k; ++a) {
    if (a + 1 < k) assert_true(s[a] >= s[a + 1]);
    assert_true(s[a] >= 0.0);
    for (size_t b = 0; b < k; ++b) {
      double uu = 0.0, ww = 0.0;
      for (size_t i = 0; i < m; ++i) uu += U[i * k + a] * U[i * k + b];
      for (size_t j = 0; j < n; ++j) ww += Wt[a * n + j] * Wt[b * n + j];
      assert_close(uu, a == b ? 1.0 : 0.0, 0.0, 1e-13 * (double)(m + n));
      assert_close(ww, a == b ? 1.0 : 0.0, 0.0, 1e-13 * (double)(m + n));
    }
  }
  if (rank_deficient && m > 1 && m <= n) assert_close(s[k - 1], 0.0, 0.0, 1e-12 * s[0]);
  /* values only, and the dedicated singular-value routine, agree */
  assert_int_equal(specot_linalg_svd(NULL, NULL, A, m, n, NULL, s2, NULL), SPECOT_OK);
  assert_all_close(s2, s, k, 1e-13, 1e-14 * s[0]);
  assert_int_equal(specot_linalg_singular_values(NULL, ws, A, m, n, s2), SPECOT_OK);
  assert_all_close(s2, s, k, 1e-13, 1e-14 * s[0]);
  specot_linalg_ws_free(ws);
  free(A), free(U), free(Wt), free(s), free(s2);
}

static void test_svd_shapes(void **state) {
  (void)state;
  check_shape(40, 7, 0);  /* tall: LAPACK's tall path */
  check_shape(7, 40, 0);  /* wide */
  check_shape(9, 9, 0);
  check_shape(1, 6, 0);
  check_shape(6, 1, 0);
  check_shape(1, 1, 0);
  check_shape(5, 8, 1);   /* rank deficient */
  check_shape(12, 5, 1);
}

static void test_svd_known_values(void **state) {
  (void)state;
  const double A[6] = {3, 0, 4, 0, 0, 0}; /* [[3,0],[4,0],[0,0]]: sigma = (5, 0) */
  double U[6], s[2], Wt[4];
  assert_int_equal(specot_linalg_svd(NULL, NULL, A, 3, 2, U, s, Wt), SPECOT_OK);
  assert_close(s[0], 5.0, 1e-15, 0);
  assert_close(s[1], 0.0, 0, 1e-15);
  assert_close(fabs(U[0]), 0.6, 1e-15, 0);
  assert_close(fabs(U[2]), 0.8, 1e-15, 0);
}

static void test_svd_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  const double A[4] = {1, 2, 3, NAN};
  double s[2];
  assert_int_equal(specot_linalg_svd(ctx, NULL, A, 2, 2, NULL, s, NULL), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "non-finite"));
  assert_int_equal(specot_linalg_svd(ctx, NULL, A, 2, 1, NULL, NULL, NULL), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "s is NULL"));
  assert_int_equal(specot_linalg_svd(ctx, NULL, A, 0, 2, NULL, s, NULL), SPECOT_ERR_INVALID);
  specot_linalg_ws *ws = NULL;
  assert_int_equal(specot_linalg_ws_alloc(NULL, 2, 2, &ws), SPECOT_OK);
  const double B[6] = {1, 2, 3, 4, 5, 6};
  assert_int_equal(specot_linalg_svd(ctx, ws, B, 3, 2, NULL, s, NULL), SPECOT_ERR_INVALID);
  specot_linalg_ws_free(ws);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_svd_shapes),
      cmocka_unit_test(test_svd_known_values),
      cmocka_unit_test(test_svd_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
