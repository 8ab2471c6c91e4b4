/* Debiased Sinkhorn divergence: spec values, S(a,a) = 0, S >= 0, symmetry,
 * gradients against central finite differences, warm starts, status paths. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/ot.h"
#include "specot/rng.h"
#include "test_support.h"

static const double SX[] = {0, 0, 1, 0, 0, 1, 1, 1, 0.5, 2}, SA[] = {0.1, 0.2, 0.3, 0.25, 0.15};
static const double SY[] = {2, 0.5, 2.5, 1, 1.5, 1.5, 3, 0}, SB[] = {0.4, 0.1, 0.3, 0.2};

static specot_ot_sinkhorn_opts tight(void) {
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  o.tol = 1e-13;
  return o;
}

/* sinkhorn_shk.md sec. 5 values. */
static void test_spec_values(void **state) {
  (void)state;
  specot_ot_sinkhorn_opts o = tight();
  specot_ot_divergence_result r;
  assert_int_equal(specot_ot_divergence(NULL, 5, 4, 2, SX, SA, SY, SB, 1.0, 1.0, &o, NULL, NULL,
                                        NULL, NULL, &r),
                   SPECOT_OK);
  assert_close(r.value, 2.566235610186, 0.0, 1e-10);
  assert_close(r.ot_xy, 3.376847150663, 0.0, 1e-10);
  assert_int_equal(specot_ot_divergence(NULL, 5, 4, 2, SX, SA, SY, SB, 1.0, 0.1, &o, NULL, NULL,
                                        NULL, NULL, &r),
                   SPECOT_OK);
  assert_close(r.value, 2.786553189963, 0.0, 1e-10);
  assert_int_equal(specot_ot_divergence(NULL, 5, 4, 2, SX, SA, SY, SB, 1.0, 0.01, &o, NULL, NULL,
                                        NULL, NULL, &r),
                   SPECOT_OK);
  assert_close(r.value, 2.8324, 0.0, 1e-4);
}

/* S(a,a) = 0, S >= 0, symmetry S(a,b) = S(b,a), zero gradient at a = b. */
static void test_properties(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 4);
  enum { n = 30, m = 25, d = 3 };
  double X[n * d], Y[m * d], gx[n * d];
  specot_rng_fill_normal(&r, X, n * d, 0.0, 1.0);
  specot_rng_fill_normal(&r, Y, m * d, 0.3, 1.2);
  specot_ot_sinkhorn_opts o = tight();
  specot_ot_divergence_result s1, s2, s0;
  assert_int_equal(specot_ot_divergence(NULL, n, n, d, X, NULL, X, NULL, 0.5, 0.3, &o, gx, NULL,
                                        NULL, NULL, &s0),
                   SPECOT_OK);
  assert_close(s0.value, 0.0, 0.0, 1e-11);
  for (size_t k = 0; k < n * d; ++k) assert_close(gx[k], 0.0, 0.0, 1e-9);
  for (int t = 0; t < 3; ++t) {
    const double eps = t == 0 ? 0.05 : t == 1 ? 0.5 : 5.0;
    assert_int_equal(specot_ot_divergence(NULL, n, m, d, X, NULL, Y, NULL, 1.0, eps, &o, NULL,
                                          NULL, NULL, NULL, &s1),
                     SPECOT_OK);
    assert_int_equal(specot_ot_divergence(NULL, m, n, d, Y, NULL, X, NULL, 1.0, eps, &o, NULL,
                                          NULL, NULL, NULL, &s2),
                     SPECOT_OK);
    assert_true(s1.value > 0.0);
    assert_close(s1.value, s2.value, 1e-9, 1e-12);
  }
}

/* Total mass 2: the self terms carry the same mass term as the cross term,
 * so OT_eps(mu,mu) equals the alternating solver's dual objective on the
 * cost |x_i - x_k|^2 and S(mu,mu) = 0 (the self terms used to drop it). */
static void test_non_unit_mass(void **state) {
  (void)state;
  enum { n = 5, d = 2 };
  double a2[n], C[n * n], f[n], g[n];
  for (size_t i = 0; i < n; ++i) a2[i] = 2.0 * SA[i];
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < n; ++k) {
      const double dx = SX[i * d] - SX[k * d], dy = SX[i * d + 1] - SX[k * d + 1];
      C[i * n + k] = dx * dx + dy * dy;
    }
  specot_ot_sinkhorn_opts o = tight();
  specot_ot_divergence_result r;
  specot_ot_sinkhorn_result rs;
  const double eps = 0.5;
  assert_int_equal(specot_ot_divergence(NULL, n, n, d, SX, a2, SX, a2, 1.0, eps, &o, NULL, NULL,
                                        NULL, NULL, &r),
                   SPECOT_OK);
  assert_close(r.value, 0.0, 0.0, 1e-11);
  assert_int_equal(specot_ot_sinkhorn(NULL, n, n, a2, a2, C, eps, &o, f, g, NULL, &rs),
                   SPECOT_OK);
  assert_close(r.ot_xx, rs.dual_objective, 1e-11, 1e-11);
  assert_close(r.ot_xy, rs.dual_objective, 1e-11, 1e-11);
}

/* Gradients against central differences (positions and zero-sum weight moves). */
static void test_gradients(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 17);
  enum { n = 7, m = 6, d = 2 };
  double X[n * d], Y[m * d], a[n], b[m], gx[n * d], gy[m * d], ga[n], gb[m];
  specot_rng_fill_normal(&r, X, n * d, 0.0, 1.0);
  specot_rng_fill_normal(&r, Y, m * d, 0.5, 1.0);
  double sa = 0, sb = 0;
  for (size_t i = 0; i < n; ++i) sa += (a[i] = 0.5 + specot_rng_uniform(&r));
  for (size_t j = 0; j < m; ++j) sb += (b[j] = 0.5 + specot_rng_uniform(&r));
  for (size_t i = 0; i < n; ++i) a[i] /= sa;
  for (size_t j = 0; j < m; ++j) b[j] /= sb;
  specot_ot_sinkhorn_opts o = tight();
  const double eps = 0.2, scale = 0.5, h = 1e-5;
  specot_ot_divergence_result base, rp, rm;
  assert_int_equal(specot_ot_divergence(NULL, n, m, d, X, a, Y, b, scale, eps, &o, gx, gy, ga, gb,
                                        &base),
                   SPECOT_OK);
  for (size_t k = 0; k < n * d; k += 3) {
    double Xp[n * d], Xm[n * d];
    memcpy(Xp, X, sizeof Xp);
    memcpy(Xm, X, sizeof Xm);
    Xp[k] += h;
    Xm[k] -= h;
    specot_ot_divergence(NULL, n, m, d, Xp, a, Y, b, scale, eps, &o, NULL, NULL, NULL, NULL, &rp);
    specot_ot_divergence(NULL, n, m, d, Xm, a, Y, b, scale, eps, &o, NULL, NULL, NULL, NULL, &rm);
    assert_close(gx[k], (rp.value - rm.value) / (2 * h), 1e-5, 1e-8);
  }
  for (size_t k = 0; k < m * d; k += 2) {
    double Yp[m * d], Ym[m * d];
    memcpy(Yp, Y, sizeof Yp);
    memcpy(Ym, Y, sizeof Ym);
    Yp[k] += h;
    Ym[k] -= h;
    specot_ot_divergence(NULL, n, m, d, X, a, Yp, b, scale, eps, &o, NULL, NULL, NULL, NULL, &rp);
    specot_ot_divergence(NULL, n, m, d, X, a, Ym, b, scale, eps, &o, NULL, NULL, NULL, NULL, &rm);
    assert_close(gy[k], (rp.value - rm.value) / (2 * h), 1e-5, 1e-8);
  }
  /* weights: move mass from atom 1 to atom 4 (a) and from 0 to 3 (b) */
  double ap[n], am[n], bp[m], bm[m];
  memcpy(ap, a, sizeof ap);
  memcpy(am, a, sizeof am);
  ap[1] += h;
  ap[4] -= h;
  am[1] -= h;
  am[4] += h;
  specot_ot_divergence(NULL, n, m, d, X, ap, Y, b, scale, eps, &o, NULL, NULL, NULL, NULL, &rp);
  specot_ot_divergence(NULL, n, m, d, X, am, Y, b, scale, eps, &o, NULL, NULL, NULL, NULL, &rm);
  assert_close(ga[1] - ga[4], (rp.value - rm.value) / (2 * h), 1e-5, 1e-8);
  memcpy(bp, b, sizeof bp);
  memcpy(bm, b, sizeof bm);
  bp[0] += h;
  bp[3] -= h;
  bm[0] -= h;
  bm[3] += h;
  specot_ot_divergence(NULL, n, m, d, X, a, Y, bp, scale, eps, &o, NULL, NULL, NULL, NULL, &rp);
  specot_ot_divergence(NULL, n, m, d, X, a, Y, bm, scale, eps, &o, NULL, NULL, NULL, NULL, &rm);
  assert_close(gb[0] - gb[3], (rp.value - rm.value) / (2 * h), 1e-5, 1e-8);
}

/* Workspace reuse with warm starts gives the same value in fewer iterations. */
static void test_warm_workspace(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 23);
  enum { n = 40, m = 35, d = 2 };
  double X[n * d], Y[m * d], gx[n * d];
  specot_rng_fill_normal(&r, X, n * d, 0.0, 1.0);
  specot_rng_fill_normal(&r, Y, m * d, 1.0, 1.0);
  specot_ot_divergence_ws *ws = NULL;
  specot_ot_sinkhorn_opts o = tight();
  assert_int_equal(specot_ot_divergence_ws_alloc(NULL, n, m, d, &o, &ws), SPECOT_OK);
  specot_ot_divergence_result r1, r2, r3;
  o.warm_start = 1; /* no potentials yet: silently cold */
  assert_int_equal(specot_ot_divergence_solve(NULL, ws, X, NULL, Y, NULL, 0.5, 0.05, &o, gx, NULL,
                                              NULL, NULL, &r1),
                   SPECOT_OK);
  /* a small step along -grad, then a warm solve and a cold one */
  for (size_t k = 0; k < n * d; ++k) X[k] -= 0.01 * gx[k];
  assert_int_equal(specot_ot_divergence_solve(NULL, ws, X, NULL, Y, NULL, 0.5, 0.05, &o, NULL,
                                              NULL, NULL, NULL, &r2),
                   SPECOT_OK);
  o.warm_start = 0;
  assert_int_equal(specot_ot_divergence_solve(NULL, ws, X, NULL, Y, NULL, 0.5, 0.05, &o, NULL,
                                              NULL, NULL, NULL, &r3),
                   SPECOT_OK);
  assert_close(r2.value, r3.value, 1e-9, 1e-12);
  assert_true(r2.value < r1.value); /* a descent step */
  assert_true(r2.iterations < r3.iterations);
  specot_ot_divergence_ws_free(ws);
}

static void test_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_ot_divergence_result r;
  specot_ot_divergence_ws *ws = NULL;
  specot_ot_sinkhorn_opts o;
  double X[10];
  memcpy(X, SX, sizeof X);
  assert_int_equal(specot_ot_divergence(ctx, 0, 4, 2, SX, SA, SY, SB, 1.0, 1.0, NULL, NULL, NULL,
                                        NULL, NULL, &r),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_divergence_ws_alloc(ctx, 5, 4, 2, NULL, NULL), SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_divergence_ws_alloc(ctx, SIZE_MAX / 4, 4, 2, NULL, &ws),
                   SPECOT_ERR_TOO_LARGE);
  specot_ot_sinkhorn_opts_init(&o);
  o.mem_budget = 64;
  assert_int_equal(specot_ot_divergence_ws_alloc(ctx, 5, 4, 2, &o, &ws), SPECOT_ERR_TOO_LARGE);
  assert_int_equal(specot_ot_divergence_solve(ctx, NULL, SX, SA, SY, SB, 1.0, 1.0, NULL, NULL,
                                              NULL, NULL, NULL, &r),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_divergence(ctx, 5, 4, 2, SX, SA, SY, SB, 1.0, -1.0, NULL, NULL, NULL,
                                        NULL, NULL, &r),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_divergence(ctx, 5, 4, 2, SX, SA, SY, SB, 0.0, 1.0, NULL, NULL, NULL,
                                        NULL, NULL, &r),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_divergence(ctx, 5, 4, 2, NULL, SA, SY, SB, 1.0, 1.0, NULL, NULL, NULL,
                                        NULL, NULL, &r),
                   SPECOT_ERR_INVALID);
  X[3] = NAN;
  assert_int_equal(specot_ot_divergence(ctx, 5, 4, 2, X, SA, SY, SB, 1.0, 1.0, NULL, NULL, NULL,
                                        NULL, NULL, &r),
                   SPECOT_ERR_INVALID);
  X[3] = 1e200;
  assert_int_equal(specot_ot_divergence(ctx, 5, 4, 2, X, SA, SY, SB, 1.0, 1.0, NULL, NULL, NULL,
                                        NULL, NULL, &r),
                   SPECOT_ERR_NUMERICAL);
  const double bad_b[] = {0.4, 0.1, 0.3, 0.3};
  assert_int_equal(specot_ot_divergence(ctx, 5, 4, 2, SX, SA, SY, bad_b, 1.0, 1.0, NULL, NULL,
                                        NULL, NULL, NULL, &r),
                   SPECOT_ERR_INFEASIBLE);
  specot_ot_sinkhorn_opts_init(&o);
  o.max_iter = 3;
  o.eps_scaling = 0;
  assert_int_equal(specot_ot_divergence(ctx, 5, 4, 2, SX, SA, SY, SB, 1.0, 0.05, &o, NULL, NULL,
                                        NULL, NULL, &r),
                   SPECOT_WARN_MAXITER);
  assert_int_equal(r.status, SPECOT_WARN_MAXITER);
  specot_ot_divergence_ws_free(NULL);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spec_values), cmocka_unit_test(test_properties),
      cmocka_unit_test(test_gradients),   cmocka_unit_test(test_warm_workspace),
      cmocka_unit_test(test_errors),      cmocka_unit_test(test_non_unit_mass),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
