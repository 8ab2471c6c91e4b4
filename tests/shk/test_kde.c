/* The tiled log-domain KDE against a direct double sum (both distance paths,
 * tile edges, self term on/off, far-apart points), the subsample estimator,
 * and Silverman's rule. */
#include <math.h>
#include <string.h>

#include "shk/shk_internal.h"
#include "shk_test_util.h"

/* Direct O(N^2) reference with a max shift per row. */
static void kde_direct(const double *X, size_t N, size_t d, double h, int self, double *out) {
  for (size_t i = 0; i < N; ++i) {
    double mx = -INFINITY;
    for (size_t j = 0; j < N; ++j) {
      if (j == i && !self) continue;
      double r2 = 0;
      for (size_t k = 0; k < d; ++k)
        r2 += (X[i * d + k] - X[j * d + k]) * (X[i * d + k] - X[j * d + k]);
      const double a = -r2 / (2 * h * h);
      mx = a > mx ? a : mx;
    }
    double s = 0;
    for (size_t j = 0; j < N; ++j) {
      if (j == i && !self) continue;
      double r2 = 0;
      for (size_t k = 0; k < d; ++k)
        r2 += (X[i * d + k] - X[j * d + k]) * (X[i * d + k] - X[j * d + k]);
      s += exp(-r2 / (2 * h * h) - mx);
    }
    out[i] = mx + log(s) - log((double)N) - 0.5 * (double)d * log(2 * 3.141592653589793 * h * h);
  }
}

static void compare(size_t N, size_t d, double h, int self, double spread) {
  double *X = shk_normal_points(N, d, 0.0, spread, 100 + N + d);
  double *got = malloc(N * sizeof *got), *ref = malloc(N * sizeof *ref);
  specot_shk_ws *ws;
  assert_int_equal(specot_shk_ws_alloc(NULL, N, d, &ws), SPECOT_OK);
  kde_direct(X, N, d, h, self, ref);
  /* every kernel this CPU can run: libm, AVX2 + SLEEF, AVX-512 + SLEEF */
  const int levels = specot__shk_simd_available();
  for (int level = 0; level <= levels; ++level) {
    ws->simd = level;
    assert_int_equal(specot_shk_kde_log(NULL, ws, X, h, self, got), SPECOT_OK);
    /* the BLAS path (d >= 4) loses |x|^2 eps / h^2 in the exponent */
    const double tol = d >= 4 ? 1e-10 * spread * spread * (double)d / (h * h) : 1e-12;
    for (size_t i = 0; i < N; ++i) assert_close(got[i], ref[i], tol, tol);
  }
  specot_shk_ws_free(ws);
  free(X);
  free(got);
  free(ref);
}

static void kde_matches_direct_sum(void **state) {
  (void)state;
  compare(7, 1, 0.3, 1, 1.0);
  compare(600, 1, 0.2, 1, 1.0); /* 3 tiles, last one partial */
  compare(600, 1, 0.2, 0, 1.0);
  compare(513, 2, 0.3, 1, 1.0);
  compare(300, 3, 0.5, 0, 1.0);
  compare(520, 5, 0.8, 1, 1.0); /* dgemm path */
  compare(300, 10, 1.5, 0, 1.0);
  compare(300, 2, 0.05, 0, 5.0); /* isolated points: exponents far below 0 */
}

static void far_apart_points(void **state) {
  (void)state;
  /* Two points 100 h apart, no self term: exp underflows, the log domain does not. */
  const double X[2] = {0.0, 10.0};
  double out[2];
  specot_shk_ws *ws;
  assert_int_equal(specot_shk_ws_alloc(NULL, 2, 1, &ws), SPECOT_OK);
  assert_int_equal(specot_shk_kde_log(NULL, ws, X, 0.1, 0, out), SPECOT_OK);
  const double expect = -5000.0 - log(2.0) - 0.5 * log(2 * 3.141592653589793 * 0.01);
  assert_close(out[0], expect, 1e-14, 0);
  assert_close(out[1], expect, 1e-14, 0);
  specot_ctx *ctx = specot_ctx_alloc();
  assert_int_equal(specot_shk_kde_log(ctx, ws, X, 0.0, 1, out), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "bandwidth"));
  specot_ctx_free(ctx);
  specot_shk_ws_free(ws);
}

static void subsample_estimate(void **state) {
  (void)state;
  const size_t N = 4000, d = 1;
  double *X = shk_normal_points(N, d, 0.0, 1.0, 5);
  double *exact = malloc(N * sizeof *exact), *sub = malloc(N * sizeof *sub);
  specot_shk_ws *ws;
  specot_rng rng;
  specot_rng_seed(&rng, 9);
  assert_int_equal(specot_shk_ws_alloc(NULL, N, d, &ws), SPECOT_OK);
  assert_int_equal(specot_shk_kde_log(NULL, ws, X, 0.3, 1, exact), SPECOT_OK);
  assert_int_equal(specot_shk_kde_log_subsample(NULL, ws, X, 0.3, 2000, &rng, sub), SPECOT_OK);
  /* the density estimate (not its log) is unbiased: its mean relative error is
   * O(1/sqrt(M rho h)) ~ 0.05 per point and averages out over the points */
  double mean_rel = 0, mean_abs = 0;
  for (size_t i = 0; i < N; ++i) {
    mean_rel += exp(sub[i] - exact[i]) - 1;
    mean_abs += fabs(sub[i] - exact[i]);
  }
  mean_rel /= (double)N;
  mean_abs /= (double)N;
  assert_true(fabs(mean_rel) < 0.02);
  assert_true(mean_abs < 0.15);
  specot_ctx *ctx = specot_ctx_alloc();
  assert_int_equal(specot_shk_kde_log_subsample(ctx, ws, X, 0.3, N + 1, &rng, sub),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_shk_kde_log_subsample(ctx, ws, X, 0.3, 0, &rng, sub), SPECOT_ERR_INVALID);
  specot_ctx_free(ctx);
  specot_shk_ws_free(ws);
  free(X);
  free(exact);
  free(sub);
}

static void silverman(void **state) {
  (void)state;
  const double X[8] = {0, 0, 1, 2, 2, 4, 3, 6}; /* 4 x 2: std 1.29, 2.58 */
  const double sd = sqrt(5.0 / 3.0), expect = 1.5 * sd * pow(4.0 / (4.0 * 4.0), 1.0 / 6.0);
  assert_close(specot_shk_silverman(X, 4, 2), expect, 1e-14, 0);
  const double same[3] = {1, 1, 1};
  assert_true(specot_shk_silverman(same, 3, 1) == 0.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(kde_matches_direct_sum),
      cmocka_unit_test(far_apart_points),
      cmocka_unit_test(subsample_estimate),
      cmocka_unit_test(silverman),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
