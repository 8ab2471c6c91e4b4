/* Spectral transport between Gaussians: spec section 9 T8 values, fixed-Q
 * checks, geodesic midpoints, closed form, errors. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "specot/rng.h"
#include "specot/spectral.h"
#include "test_support.h"

static double gsolve(const specot_gauge *g, size_t d, const double *m0, const double *A,
                     const double *m1, const double *B, double *K, double *S, double *Q,
                     specot_spectral_gaussian_result *out) {
  specot_ctx *ctx = specot_ctx_alloc();
  specot_spectral_opts opts;
  specot_spectral_opts_init(&opts);
  opts.tol = 1e-10;
  specot_spectral_gaussian_result res;
  const specot_status st = specot_spectral_gaussian(ctx, g, d, m0, A, m1, B, &opts, &res, K, S, Q);
  if (st != SPECOT_OK) fprintf(stderr, "status %d: %s\n", (int)st, specot_ctx_errmsg(ctx));
  assert_int_equal(st, SPECOT_OK);
  assert_true(res.gap >= -1e-12 * res.squared_cost - 1e-15);
  assert_true(res.relative_gap <= 1e-10 + 1e-13);
  specot_ctx_free(ctx);
  if (out) *out = res;
  return res.squared_cost;
}

static void test_t8_table(void **state) {
  (void)state;
  const double z[2] = {0, 0}, one[2] = {1, 1}, m3[2] = {1, 0.5};
  const double A1[] = {4, 0, 0, 1}, B1[] = {1, 0, 0, 9};
  const double A3[] = {2, .5, .5, 1}, B3[] = {1, -.3, -.3, 3};
  const double ps[] = {1, 2, 3, INFINITY};
  const double g1[] = {5, 4.1231056256177, 4.0207257585891, 4};
  const double g2[] = {7, 5.4651041305836, 5.1907548719154, 5.0882301692398};
  const double g3[] = {2.1793118549678, 1.6289232107194, 1.5130274022155, 1.4496093089982};
  const double g4[] = {0.9293118549678, 0.7339120119594, 0.7038602433758, 0.6948417885203};
  for (int i = 0; i < 4; ++i) {
    const specot_gauge g = specot_gauge_schatten(ps[i]);
    specot_spectral_gaussian_result res;
    assert_close(gsolve(&g, 2, z, A1, z, B1, NULL, NULL, NULL, &res), g1[i], 1e-10, 0);
    assert_int_equal(res.closed_form, 1);
    assert_close(gsolve(&g, 2, z, A1, one, B1, NULL, NULL, NULL, &res), g2[i], 1e-9, 0);
    assert_int_equal(res.closed_form, 0);
    assert_close(gsolve(&g, 2, z, A3, m3, B3, NULL, NULL, NULL, NULL), g3[i], 1e-9, 0);
    assert_close(gsolve(&g, 2, z, A3, z, B3, NULL, NULL, NULL, NULL), g4[i], 1e-9, 0);
    double v = 0;
    assert_int_equal(specot_spectral_gaussian_commuting(NULL, &g, 2, A1, B1, &v), SPECOT_OK);
    assert_close(v, g1[i], 1e-12, 0);
  }
  /* Isotropic d = 3: W_p^2 = d^{1/p} (sqrt(alpha) - sqrt(beta))^2. */
  const double A[] = {4, 0, 0, 0, 4, 0, 0, 0, 4}, B[] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  const double z3[3] = {0, 0, 0};
  for (int i = 0; i < 4; ++i) {
    const specot_gauge g = specot_gauge_schatten(ps[i]);
    assert_close(gsolve(&g, 3, z3, A, z3, B, NULL, NULL, NULL, NULL),
                 isinf(ps[i]) ? 1.0 : pow(3.0, 1.0 / ps[i]), 1e-12, 0);
  }
  /* Ky Fan on G3 lies between W_inf^2 (k = 1) and W_2^2 (k = d). */
  const specot_gauge k1 = specot_gauge_kyfan(1), k2 = specot_gauge_kyfan(2);
  assert_close(gsolve(&k1, 2, z, A3, m3, B3, NULL, NULL, NULL, NULL), g3[3], 1e-9, 0);
  assert_close(gsolve(&k2, 2, z, A3, m3, B3, NULL, NULL, NULL, NULL), g3[0], 1e-10, 0);
}

static void test_fixed_q(void **state) {
  (void)state;
  const double m0[2] = {0, 0}, m1[2] = {1, 0.5};
  const double A[] = {2, .5, .5, 1}, B[] = {1, -.3, -.3, 3};
  const double Q[] = {0.7, 0.2, 0.2, 0.3};
  double v = 0, K[4];
  assert_int_equal(specot_spectral_gaussian_fixed_q(NULL, 2, m0, A, m1, B, Q, &v, K), SPECOT_OK);
  assert_close(v, 1.2967238067467, 1e-12, 0);
  /* K_Q attains the value: <Q, D(K_Q)> = W_Q^2. */
  double D[4], dl[2] = {1, 0.5}, ip = 0;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      D[i * 2 + j] = dl[i] * dl[j] + A[i * 2 + j] + B[i * 2 + j] - K[i * 2 + j] - K[j * 2 + i];
      ip += Q[i * 2 + j] * D[i * 2 + j];
    }
  assert_close(ip, v, 1e-12, 0);
  /* Q = I gives Bures (p = 1 value); Q = uu^T gives the 1-D W2 of the projections. */
  const double I[] = {1, 0, 0, 1}, E1[] = {1, 0, 0, 0};
  assert_int_equal(specot_spectral_gaussian_fixed_q(NULL, 2, m0, A, m1, B, I, &v, NULL), SPECOT_OK);
  assert_close(v, 2.1793118549678, 1e-12, 0);
  assert_int_equal(specot_spectral_gaussian_fixed_q(NULL, 2, m0, A, m1, B, E1, &v, NULL),
                   SPECOT_OK);
  assert_close(v, 1.0 + pow(sqrt(2.0) - 1.0, 2), 1e-12, 0);
}

static void test_geodesic_midpoints(void **state) {
  (void)state;
  const double m0[2] = {0, 0}, m1[2] = {1, 0.5};
  const double A[] = {2, .5, .5, 1}, B[] = {1, -.3, -.3, 3};
  const double ps[] = {2, 3, INFINITY};
  const double ref[] = {0.4072308026798, 0.3782568505539, 0.3624023272496};
  for (int i = 0; i < 3; ++i) {
    const specot_gauge g = specot_gauge_schatten(ps[i]);
    double K[4], mh[2], Ch[4], mq[2], Cq[4], m3[2], C3[4];
    const double w = gsolve(&g, 2, m0, A, m1, B, K, NULL, NULL, NULL);
    assert_int_equal(specot_spectral_gaussian_geodesic(NULL, 2, m0, A, m1, B, K, 0.5, mh, Ch),
                     SPECOT_OK);
    assert_close(gsolve(&g, 2, m0, A, mh, Ch, NULL, NULL, NULL, NULL), ref[i], 1e-8, 0);
    assert_close(ref[i], w / 4, 1e-9, 0);
    assert_int_equal(specot_spectral_gaussian_geodesic(NULL, 2, m0, A, m1, B, K, 0.25, mq, Cq),
                     SPECOT_OK);
    assert_int_equal(specot_spectral_gaussian_geodesic(NULL, 2, m0, A, m1, B, K, 0.75, m3, C3),
                     SPECOT_OK);
    assert_close(gsolve(&g, 2, mq, Cq, m3, C3, NULL, NULL, NULL, NULL), w / 4, 1e-7, 0);
  }
}

static void test_singular_and_naive(void **state) {
  (void)state;
  /* Singular covariances: A = diag(1, 0), B = 0 (Dirac): W^2 = gamma(Delta Delta^T + A). */
  const double m0[2] = {0, 0}, m1[2] = {0, 2};
  const double A[] = {1, 0, 0, 0}, B[] = {0, 0, 0, 0};
  const specot_gauge g2 = specot_gauge_schatten(2);
  assert_close(gsolve(&g2, 2, m0, A, m1, B, NULL, NULL, NULL, NULL), sqrt(1.0 + 16.0), 1e-10, 0);
  /* G2 p = 2 is not the naive formula 5.5677643628300. */
  const double A1[] = {4, 0, 0, 1}, B1[] = {1, 0, 0, 9}, one[2] = {1, 1};
  const double v = gsolve(&g2, 2, m0, A1, one, B1, NULL, NULL, NULL, NULL);
  assert_true(v < 5.5677643628300 - 0.05);
  assert_true(v > 5.3851648071345); /* pinching lower bound */
}

static void test_gaussian_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  const double z[2] = {0, 0};
  const double A[] = {2, .5, .5, 1}, nonsym[] = {2, .5, .4, 1}, neg[] = {1, 0, 0, -1};
  const double nan_[] = {2, NAN, NAN, 1};
  specot_spectral_gaussian_result res;
  const specot_gauge g = specot_gauge_schatten(2), bad = specot_gauge_schatten(0.9);
  assert_int_equal(specot_spectral_gaussian(ctx, &g, 2, z, nonsym, z, A, NULL, &res, 0, 0, 0),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "not symmetric"));
  assert_int_equal(specot_spectral_gaussian(ctx, &g, 2, z, A, z, neg, NULL, &res, 0, 0, 0),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "positive semidefinite"));
  assert_int_equal(specot_spectral_gaussian(ctx, &g, 2, z, A, z, nan_, NULL, &res, 0, 0, 0),
                   SPECOT_ERR_INVALID);
  const double mn[2] = {0, NAN};
  assert_int_equal(specot_spectral_gaussian(ctx, &g, 2, mn, A, z, A, NULL, &res, 0, 0, 0),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_spectral_gaussian(ctx, &bad, 2, z, A, z, A, NULL, &res, 0, 0, 0),
                   SPECOT_ERR_INVALID);
  const specot_gauge k3 = specot_gauge_kyfan(3);
  assert_int_equal(specot_spectral_gaussian(ctx, &k3, 2, z, A, z, A, NULL, &res, 0, 0, 0),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_spectral_gaussian(ctx, &g, 2, z, A, z, A, NULL, NULL, 0, 0, 0),
                   SPECOT_ERR_INVALID);
  double v;
  assert_int_equal(specot_spectral_gaussian_fixed_q(ctx, 2, z, A, z, A, neg, &v, NULL),
                   SPECOT_ERR_INVALID);
  const double B3[] = {1, -.3, -.3, 3};
  assert_int_equal(specot_spectral_gaussian_commuting(ctx, &g, 2, A, B3, &v), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "commute"));
  const specot_gauge k1 = specot_gauge_kyfan(1);
  assert_int_equal(specot_spectral_gaussian_commuting(ctx, &k1, 2, A, A, &v), SPECOT_ERR_INVALID);
  double mt[2], Ct[4];
  assert_int_equal(specot_spectral_gaussian_geodesic(ctx, 2, z, A, z, A, A, 1.5, mt, Ct),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_spectral_gaussian_geodesic(ctx, 2, z, A, z, A, nan_, 0.5, mt, Ct),
                   SPECOT_ERR_INVALID);
  specot_ctx_free(ctx);
}

/* Large samples: the discrete solver on n = 250 draws of G3 approaches the
 * Gaussian value (sampling error of a few percent in d = 2). */
static void test_samples_vs_gaussian(void **state) {
  (void)state;
  enum { n = 250 };
  const double m1[2] = {1, 0.5};
  /* Cholesky factors of A = [[2,.5],[.5,1]] and B = [[1,-.3],[-.3,3]]. */
  const double la[3] = {sqrt(2.0), 0.5 / sqrt(2.0), sqrt(1.0 - 0.125)};
  const double lb[3] = {1.0, -0.3, sqrt(3.0 - 0.09)};
  static double X[2 * n], Y[2 * n];
  specot_rng r;
  specot_rng_seed(&r, 17);
  for (int i = 0; i < n; ++i) {
    const double z1 = specot_rng_normal(&r), z2 = specot_rng_normal(&r);
    const double u1 = specot_rng_normal(&r), u2 = specot_rng_normal(&r);
    X[2 * i] = la[0] * z1;
    X[2 * i + 1] = la[1] * z1 + la[2] * z2;
    Y[2 * i] = m1[0] + lb[0] * u1;
    Y[2 * i + 1] = m1[1] + lb[1] * u1 + lb[2] * u2;
  }
  /* Sample moments (1/n, as the empirical measures have). */
  double mx[2] = {0, 0}, my[2] = {0, 0}, SA[4] = {0, 0, 0, 0}, SB[4] = {0, 0, 0, 0};
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < 2; ++k) {
      mx[k] += X[2 * i + k] / n;
      my[k] += Y[2 * i + k] / n;
    }
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < 2; ++k)
      for (int l = 0; l < 2; ++l) {
        SA[2 * k + l] += (X[2 * i + k] - mx[k]) * (X[2 * i + l] - mx[l]) / n;
        SB[2 * k + l] += (Y[2 * i + k] - my[k]) * (Y[2 * i + l] - my[l]) / n;
      }
  const double ps[] = {1, 2, INFINITY};
  const double ref[] = {2.1793118549678, 1.6289232107194, 1.4496093089982};
  for (int i = 0; i < 3; ++i) {
    const specot_gauge g = specot_gauge_schatten(ps[i]);
    double ub = 0, low = 0;
    assert_true(specot_spectral_transport(NULL, &g, X, n, NULL, Y, n, NULL, 2, NULL, &ub, &low) >= 0);
    assert_true(low <= ub);
    /* Exact (Gelbrich-type) inequality: every coupling of the samples has a cross-covariance
     * feasible for the Gaussian problem with the sample moments, so the sample value is at
     * least that Gaussian value -- a bound that a wrong transport value could not pass by
     * luck of the seed. */
    specot_spectral_gaussian_result gr;
    double K[4], S[4], Q[4];
    assert_true(specot_spectral_gaussian(NULL, &g, 2, mx, SA, my, SB, NULL, &gr, K, S, Q) >= 0);
    assert_true(ub >= gr.lower_bound * (1 - 1e-9));
    assert_true(gr.squared_cost <= ub * (1 + 1e-6) + 1e-9);
    /* Statistical consistency with the population value (sampling error at n = 250). */
    assert_close(ub, ref[i], 0.15, 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_t8_table),
      cmocka_unit_test(test_fixed_q),
      cmocka_unit_test(test_geodesic_midpoints),
      cmocka_unit_test(test_singular_and_naive),
      cmocka_unit_test(test_gaussian_errors),
      cmocka_unit_test(test_samples_vs_gaussian),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
