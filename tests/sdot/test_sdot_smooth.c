/* Smoothed potential and maps (spec aeot.md sec. 2, 5.6): log-sum-exp bounds,
 * soft map in conv(Y), tau -> 0 limit, the 1-D L1 law 2 ln2 tau (n-1), masked
 * soft-max limits, the gap rule for tau, facet angles, AE-OT's generator. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/sdot.h"
#include "test_support.h"

static const double PI = 3.14159265358979323846;

static void test_lse_bounds(void **state) {
  (void)state;
  enum { n = 25, d = 3, N = 3000 };
  specot_rng rng;
  specot_rng_seed(&rng, 31);
  double y[n * d], h[n], *X = malloc(N * d * sizeof *X), *out = malloc(N * d * sizeof *out);
  double *hard = malloc(N * d * sizeof *hard), *ut = malloc(N * sizeof *ut);
  double *u = malloc(N * sizeof *u), *gap = malloc(N * sizeof *gap),
         *neff = malloc(N * sizeof *neff);
  specot_rng_fill_normal(&rng, y, n * d, 0.0, 1.0);
  specot_rng_fill_normal(&rng, h, n, 0.0, 0.2);
  specot_sdot_sample(&rng, SPECOT_SDOT_GAUSS, N, d, X);
  specot_sdot_problem p = {n, d, y, NULL, SPECOT_SDOT_GAUSS};
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, n, d);
  double diam = 0.0;
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < n; ++k) {
      double s = 0.0;
      for (size_t c = 0; c < d; ++c)
        s += (y[i * d + c] - y[k * d + c]) * (y[i * d + c] - y[k * d + c]);
      diam = fmax(diam, sqrt(s));
    }
  assert_int_equal(specot_sdot_cells(NULL, ws, &p, h, N, X, NULL, u, gap, NULL), SPECOT_OK);
  assert_int_equal(
      specot_sdot_map(NULL, ws, &p, h, SPECOT_SDOT_MAP_HARD, 0, 0, N, X, hard, NULL, NULL),
      SPECOT_OK);
  double prev_l1 = INFINITY;
  for (int t = 0; t < 4; ++t) {
    const double tau = 0.3 * pow(0.1, t);
    assert_int_equal(
        specot_sdot_map(NULL, ws, &p, h, SPECOT_SDOT_MAP_SOFT, tau, 0, N, X, out, ut, neff),
        SPECOT_OK);
    double l1 = 0.0;
    for (size_t k = 0; k < N; ++k) {
      assert_true(ut[k] >= u[k] - 1e-12);
      assert_true(ut[k] <= u[k] + tau * log((double)n) + 1e-12);
      assert_true(neff[k] >= 1.0 - 1e-12 && neff[k] <= n + 1e-9);
      double e = 0.0;
      for (size_t c = 0; c < d; ++c)
        e += (out[k * d + c] - hard[k * d + c]) * (out[k * d + c] - hard[k * d + c]);
      e = sqrt(e);
      /* |grad u_tau - T_h| <= D (n - 1) exp(-delta/tau) */
      assert_true(e <= diam * (n - 1) * exp(-gap[k] / tau) + 1e-12);
      l1 += e / N;
    }
    assert_true(l1 < prev_l1);
    prev_l1 = l1;
  }
  free(X), free(out), free(hard), free(ut), free(u), free(gap), free(neff);
  specot_sdot_ws_free(ws);
}

/* Three targets: the soft map stays in the triangle (barycentric coordinates >= 0). */
static void test_soft_in_hull(void **state) {
  (void)state;
  const double y[6] = {-0.3, -0.2, 0.4, -0.1, 0.0, 0.35}, h[3] = {0.01, -0.02, 0.0};
  enum { N = 2000 };
  double X[2 * N], out[2 * N];
  specot_rng rng;
  specot_rng_seed(&rng, 4);
  specot_sdot_sample(&rng, SPECOT_SDOT_CUBE, N, 2, X);
  specot_sdot_problem p = {3, 2, y, NULL, SPECOT_SDOT_CUBE};
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, 3, 2);
  assert_int_equal(
      specot_sdot_map(NULL, ws, &p, h, SPECOT_SDOT_MAP_SOFT, 0.05, 0, N, X, out, NULL, NULL),
      SPECOT_OK);
  const double det = (y[2] - y[0]) * (y[5] - y[1]) - (y[4] - y[0]) * (y[3] - y[1]);
  for (size_t k = 0; k < N; ++k) {
    const double px = out[2 * k] - y[0], py = out[2 * k + 1] - y[1];
    const double l1 = (px * (y[5] - y[1]) - py * (y[4] - y[0])) / det;
    const double l2 = ((y[2] - y[0]) * py - (y[3] - y[1]) * px) / det;
    assert_true(l1 >= -1e-12 && l2 >= -1e-12 && l1 + l2 <= 1 + 1e-12);
  }
  specot_sdot_ws_free(ws);
}

/* sec. 2.2 / 5.6: 1-D uniform, n = 10, exact h: L1 error of the soft map
 * = 2 ln2 tau (n - 1) for small tau; spec [M] values 1.226e-2 (tau = 1e-3) and
 * 3.743e-3 (tau = 3e-4).  Midpoint rule with 4e5 points. */
static void test_l1_law_1d(void **state) {
  (void)state;
  enum { n = 10, N = 400000 };
  double y[n], h[n];
  for (size_t j = 0; j < n; ++j) y[j] = ((double)j + 0.5) / n - 0.5;
  specot_sdot_problem p = {n, 1, y, NULL, SPECOT_SDOT_CUBE};
  specot_sdot_result r;
  assert_int_equal(specot_sdot_solve_newton(NULL, &p, NULL, h, &r), SPECOT_OK);
  double *X = malloc(N * sizeof *X), *soft = malloc(N * sizeof *soft),
         *hard = malloc(N * sizeof *hard);
  for (size_t k = 0; k < N; ++k) X[k] = ((double)k + 0.5) / N - 0.5;
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, n, 1);
  assert_int_equal(
      specot_sdot_map(NULL, ws, &p, h, SPECOT_SDOT_MAP_HARD, 0, 0, N, X, hard, NULL, NULL),
      SPECOT_OK);
  const double taus[2] = {1e-3, 3e-4}, measured[2] = {1.226e-2, 3.743e-3};
  for (int t = 0; t < 2; ++t) {
    assert_int_equal(
        specot_sdot_map(NULL, ws, &p, h, SPECOT_SDOT_MAP_SOFT, taus[t], 0, N, X, soft, NULL, NULL),
        SPECOT_OK);
    double l1 = 0.0;
    for (size_t k = 0; k < N; ++k) l1 += fabs(soft[k] - hard[k]) / N;
    assert_close(l1, measured[t], 2e-3, 0.0);
    assert_close(l1, 2 * log(2.0) * taus[t] * (n - 1), t == 0 ? 0.025 : 0.002, 0.0);
  }
  free(X), free(soft), free(hard);
  specot_sdot_ws_free(ws);
}

/* Masked soft-max: theta_max >= pi equals the soft map; a tiny theta_max
 * (no pair of planes that close) gives the hard map; intermediate masks keep
 * the output between planes of one cluster. */
static void test_masked_limits(void **state) {
  (void)state;
  enum { n = 8, N = 1000 };
  specot_rng rng;
  specot_rng_seed(&rng, 6);
  double y[2 * n], h[n] = {0}, X[2 * N], a[2 * N], b[2 * N];
  specot_rng_fill_uniform(&rng, y, 2 * n, -1, 1);
  specot_sdot_sample(&rng, SPECOT_SDOT_CUBE, N, 2, X);
  specot_sdot_problem p = {n, 2, y, NULL, SPECOT_SDOT_CUBE};
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, n, 2);
  assert_int_equal(
      specot_sdot_map(NULL, ws, &p, h, SPECOT_SDOT_MAP_SOFT, 0.05, 0, N, X, a, NULL, NULL),
      SPECOT_OK);
  assert_int_equal(
      specot_sdot_map(NULL, ws, &p, h, SPECOT_SDOT_MAP_MASKED, 0.05, PI, N, X, b, NULL, NULL),
      SPECOT_OK);
  assert_all_close(b, a, 2 * N, 0.0, 1e-14);
  double amin = PI;
  for (size_t i = 0; i < n; ++i)
    for (size_t k = i + 1; k < n; ++k) amin = fmin(amin, specot_sdot_facet_angle(&p, i, k));
  assert_int_equal(
      specot_sdot_map(NULL, ws, &p, h, SPECOT_SDOT_MAP_HARD, 0, 0, N, X, a, NULL, NULL), SPECOT_OK);
  assert_int_equal(specot_sdot_map(NULL, ws, &p, h, SPECOT_SDOT_MAP_MASKED, 0.05, 0.5 * amin, N, X,
                                   b, NULL, NULL),
                   SPECOT_OK);
  assert_all_close(b, a, 2 * N, 0.0, 0.0);
  specot_ctx *ctx = specot_ctx_alloc();
  assert_int_equal(
      specot_sdot_map(ctx, ws, &p, h, SPECOT_SDOT_MAP_SOFT, 0.0, 0, N, X, a, NULL, NULL),
      SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "tau"));
  assert_int_equal(
      specot_sdot_map(ctx, ws, &p, h, SPECOT_SDOT_MAP_MASKED, -1.0, 0.3, N, X, a, NULL, NULL),
      SPECOT_ERR_INVALID);
  assert_int_equal(
      specot_sdot_map(ctx, ws, &p, h, SPECOT_SDOT_MAP_MASKED, 0.1, 0.0, N, X, a, NULL, NULL),
      SPECOT_ERR_INVALID);
  specot_ctx_free(ctx);
  specot_sdot_ws_free(ws);
}

/* Two targets +-a in 1-D, h = 0: gap 2 a |x|, median a/2 on U[-1/2, 1/2]. */
static void test_tau_gap_and_angle(void **state) {
  (void)state;
  const double a = 0.3, y[2] = {-a, a}, h[2] = {0, 0}, y1[2] = {0, 1};
  enum { N = 4001 };
  double X[N], tau;
  assert_int_equal(specot_sdot_sample_halton(NULL, SPECOT_SDOT_CUBE, 1, N, 1, X), SPECOT_OK);
  specot_sdot_problem p = {2, 1, y, NULL, SPECOT_SDOT_CUBE};
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, 2, 1);
  assert_int_equal(specot_sdot_tau_gap(NULL, ws, &p, h, 0.5, N, X, &tau), SPECOT_OK);
  assert_close(tau, 0.5 * a / 2, 1e-3, 0.0);
  assert_int_equal(specot_sdot_tau_gap(NULL, ws, &p, h, 0.0, N, X, &tau), SPECOT_ERR_INVALID);
  specot_sdot_problem q = {2, 1, y1, NULL, SPECOT_SDOT_CUBE};
  assert_close(specot_sdot_facet_angle(&q, 0, 1), PI / 4, 0.0, 1e-15);
  assert_close(specot_sdot_facet_angle(&q, 1, 0), PI / 4, 0.0, 1e-15);
  assert_close(specot_sdot_facet_angle(&q, 1, 1), 0.0, 0.0, 1e-7);
  specot_sdot_ws_free(ws);
}

/* AE-OT generator: lambda = 0.75 outputs lie on 0.25 y_a + 0.75 y_b for a pair
 * within the angle; lambda = 0 gives targets; no admissible pair warns. */
static void test_aeot_generator(void **state) {
  (void)state;
  enum { n = 12, N = 2000, count = 500 };
  specot_rng rng;
  specot_rng_seed(&rng, 13);
  double y[2 * n], h[n] = {0}, X[2 * N], out[2 * count];
  specot_rng_fill_uniform(&rng, y, 2 * n, -0.5, 0.5);
  specot_sdot_sample(&rng, SPECOT_SDOT_CUBE, N, 2, X);
  specot_sdot_problem p = {n, 2, y, NULL, SPECOT_SDOT_CUBE};
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, n, 2);
  specot_sdot_aeot_opts o;
  specot_sdot_aeot_opts_init(&o);
  o.top_k = 4, o.theta_max = 0.5, o.lambda = 0.75;
  size_t np;
  assert_int_equal(specot_sdot_generate_aeot(NULL, ws, &p, h, &o, N, X, &rng, count, out, &np),
                   SPECOT_OK);
  assert_true(np > 0 && np <= n * (n - 1) / 2);
  for (size_t s = 0; s < count; ++s) {
    int found = 0;
    for (size_t i = 0; i < n && !found; ++i)
      for (size_t k = 0; k < n && !found; ++k) {
        if (i == k || !(specot_sdot_facet_angle(&p, i, k) < 0.5)) continue;
        found = fabs(out[2 * s] - (0.25 * y[2 * i] + 0.75 * y[2 * k])) < 1e-14 &&
                fabs(out[2 * s + 1] - (0.25 * y[2 * i + 1] + 0.75 * y[2 * k + 1])) < 1e-14;
      }
    assert_true(found);
  }
  o.one_per_first = 1;
  size_t np1;
  assert_int_equal(specot_sdot_generate_aeot(NULL, ws, &p, h, &o, N, X, &rng, count, out, &np1),
                   SPECOT_OK);
  assert_true(np1 <= np && np1 < n);
  o.theta_max = 1e-9;
  specot_ctx *ctx = specot_ctx_alloc();
  assert_int_equal(specot_sdot_generate_aeot(ctx, ws, &p, h, &o, N, X, &rng, count, out, &np),
                   SPECOT_WARN_INACCURATE);
  assert_int_equal(np, 0);
  o.top_k = 1;
  assert_int_equal(specot_sdot_generate_aeot(ctx, ws, &p, h, &o, N, X, &rng, count, out, &np),
                   SPECOT_ERR_INVALID);
  specot_ctx_free(ctx);
  specot_sdot_ws_free(ws);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lse_bounds),        cmocka_unit_test(test_soft_in_hull),
      cmocka_unit_test(test_l1_law_1d),         cmocka_unit_test(test_masked_limits),
      cmocka_unit_test(test_tau_gap_and_angle), cmocka_unit_test(test_aeot_generator),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
