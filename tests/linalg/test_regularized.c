/* Regularized orthogonalization O_eps, Phi_eps, conjugate, mirror map, HVP
 * (muon.md sections 1.3 and 4.3). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "linalg_test_util.h"

static void test_known_values(void **state) {
  (void)state;
  double O[4], phi, conj;
  const double D4[4] = {4, 0, 0, 0};
  assert_int_equal(specot_linalg_reg_polar(NULL, NULL, D4, 2, 2, 9.0, O, &phi),
                   SPECOT_OK);
  const double O4[4] = {0.8, 0, 0, 0};
  assert_all_close(O, O4, 4, 1e-15, 1e-15);
  assert_close(phi, 8.0, 1e-15, 0);
  assert_int_equal(
      specot_linalg_reg_conjugate(NULL, NULL, O4, 2, 2, 9.0, &conj), SPECOT_OK);
  assert_close(conj, -4.8, 1e-15, 0);
  assert_close(phi + conj, lt_dot(D4, O4, 4), 1e-15, 0); /* 8 - 4.8 = 3.2 */
  const double v[2] = {3, 4}, ve[2] = {3.0 / 13, 4.0 / 13};
  assert_int_equal(specot_linalg_reg_polar(NULL, NULL, v, 2, 1, 144.0, O, &phi),
                   SPECOT_OK);
  assert_all_close(O, ve, 2, 1e-15, 0);
  assert_close(phi, 13.0, 1e-15, 0);
  assert_int_equal(specot_linalg_reg_polar(NULL, NULL, v, 1, 2, 144.0, O, &phi),
                   SPECOT_OK);
  assert_all_close(O, ve, 2, 1e-15, 0);
  const double D12[4] = {12, 0, 0, 0}, O12[4] = {12.0 / 13, 0, 0, 0};
  assert_int_equal(
      specot_linalg_reg_polar(NULL, NULL, D12, 2, 2, 25.0, O, &phi), SPECOT_OK);
  assert_all_close(O, O12, 4, 1e-15, 1e-15);
  assert_close(phi, 18.0, 1e-15, 0);
  /* O_eps(0) = 0, Phi_eps(0) = r0 sqrt(eps); only one output requested. */
  const double Z[6] = {0};
  double Oz[6] = {1, 1, 1, 1, 1, 1};
  assert_int_equal(specot_linalg_reg_polar(NULL, NULL, Z, 2, 3, 4.0, Oz, NULL),
                   SPECOT_OK);
  for (int i = 0; i < 6; ++i)
    assert_close(Oz[i], 0, 0, 0);
  assert_int_equal(
      specot_linalg_reg_polar(NULL, NULL, Z, 2, 3, 4.0, NULL, &phi), SPECOT_OK);
  assert_close(phi, 4.0, 1e-15, 0);
}

/* Gradient and HVP by central differences; HVP symmetry and bounds. */
static void test_finite_differences(void **state) {
  (void)state;
  specot_rng rng;
  specot_rng_seed(&rng, 31);
  const size_t shapes[][2] = {{6, 4}, {4, 6}, {5, 5}, {1, 4}, {3, 1}};
  const double epss[] = {0.05, 1.0};
  for (size_t s = 0; s < 5; ++s)
    for (int e = 0; e < 2; ++e) {
      const size_t m = shapes[s][0], n = shapes[s][1], len = m * n;
      const double eps = epss[e];
      double *G = lt_randn(&rng, m, n), *H = lt_randn(&rng, m, n),
             *H2 = lt_randn(&rng, m, n), *O = lt_alloc(len),
             *Op = lt_alloc(len), *Om = lt_alloc(len), *Hv = lt_alloc(len),
             *Hv2 = lt_alloc(len), *X = lt_alloc(len);
      double phi, fp, fm;
      const double h = 1e-5;
      assert_int_equal(
          specot_linalg_reg_polar(NULL, NULL, G, m, n, eps, O, &phi),
          SPECOT_OK);
      for (size_t i = 0; i < len; ++i)
        X[i] = G[i] + h * H[i];
      assert_int_equal(
          specot_linalg_reg_polar(NULL, NULL, X, m, n, eps, Op, &fp),
          SPECOT_OK);
      for (size_t i = 0; i < len; ++i)
        X[i] = G[i] - h * H[i];
      assert_int_equal(
          specot_linalg_reg_polar(NULL, NULL, X, m, n, eps, Om, &fm),
          SPECOT_OK);
      assert_close((fp - fm) / (2 * h), lt_dot(O, H, len), 1e-7, 1e-9);
      assert_int_equal(specot_linalg_reg_hvp(NULL, NULL, G, H, m, n, eps, Hv),
                       SPECOT_OK);
      for (size_t i = 0; i < len; ++i)
        X[i] = (Op[i] - Om[i]) / (2 * h);
      assert_all_close(Hv, X, len, 1e-6, 1e-7 * lt_fro(Hv, len));
      /* Symmetric, and 0 < <H, Hess H> <= ||H||^2 / sqrt(eps). */
      assert_int_equal(specot_linalg_reg_hvp(NULL, NULL, G, H2, m, n, eps, Hv2),
                       SPECOT_OK);
      assert_close(lt_dot(H2, Hv, len), lt_dot(H, Hv2, len), 1e-12, 1e-14);
      const double quad = lt_dot(H, Hv, len);
      assert_true(quad > 0 &&
                  quad <= lt_dot(H, H, len) / sqrt(eps) * (1 + 1e-12));
      free(G), free(H), free(H2), free(O), free(Op), free(Om), free(Hv),
          free(Hv2), free(X);
    }
  /* At G = 0 the Hessian is eps^{-1/2} I. */
  const double Z[6] = {0}, H[6] = {1, -2, 3, 0.5, 0, 7};
  double out[6];
  assert_int_equal(specot_linalg_reg_hvp(NULL, NULL, Z, H, 2, 3, 4.0, out),
                   SPECOT_OK);
  for (int i = 0; i < 6; ++i)
    assert_close(out[i], H[i] / 2.0, 1e-15, 0);
}

static void test_conjugate_mirror_fenchel(void **state) {
  (void)state;
  specot_rng rng;
  specot_rng_seed(&rng, 32);
  const size_t shapes[][2] = {{6, 4}, {4, 6}, {5, 5}};
  for (size_t s = 0; s < 3; ++s) {
    const size_t m = shapes[s][0], n = shapes[s][1], len = m * n,
                 k = m < n ? m : n;
    double *G = lt_randn(&rng, m, n), *O = lt_alloc(len), *B = lt_alloc(len),
           *U = lt_alloc(len);
    double phi, conj, sv[6];
    const double eps = 0.3;
    assert_int_equal(specot_linalg_reg_polar(NULL, NULL, G, m, n, eps, O, &phi),
                     SPECOT_OK);
    assert_int_equal(specot_linalg_singular_values(NULL, NULL, O, m, n, sv),
                     SPECOT_OK);
    assert_true(sv[0] < 1.0);
    /* Smoothing bounds ||G||_* <= Phi <= ||G||_* + r0 sqrt(eps). */
    const double nuc = lt_schatten(G, m, n, 1.0);
    assert_true(nuc <= phi && phi <= nuc + (double)k * sqrt(eps));
    assert_int_equal(
        specot_linalg_reg_conjugate(NULL, NULL, O, m, n, eps, &conj),
        SPECOT_OK);
    assert_close(phi + conj, lt_dot(G, O, len), 1e-13,
                 0); /* Fenchel–Young equality */
    assert_int_equal(specot_linalg_reg_mirror(NULL, NULL, O, m, n, eps, B),
                     SPECOT_OK);
    assert_all_close(B, G, len, 1e-12, 1e-12);
    /* Fenchel–Young inequality for other U in the ball. */
    for (int t = 0; t < 10; ++t) {
      specot_rng_fill_normal(&rng, U, len, 0, 1);
      double su[6];
      assert_int_equal(specot_linalg_singular_values(NULL, NULL, U, m, n, su),
                       SPECOT_OK);
      for (size_t i = 0; i < len; ++i)
        U[i] *= 0.99 / su[0];
      assert_int_equal(
          specot_linalg_reg_conjugate(NULL, NULL, U, m, n, eps, &conj),
          SPECOT_OK);
      assert_true(phi + conj >= lt_dot(G, U, len) - 1e-12);
    }
    /* Outside the ball: +inf and the mirror map refuses. */
    for (size_t i = 0; i < len; ++i)
      U[i] = 2.0 * O[i] / sv[0];
    assert_int_equal(
        specot_linalg_reg_conjugate(NULL, NULL, U, m, n, eps, &conj),
        SPECOT_OK);
    assert_true(isinf(conj) && conj > 0);
    assert_int_equal(specot_linalg_reg_mirror(NULL, NULL, U, m, n, eps, B),
                     SPECOT_ERR_INVALID);
    free(G), free(O), free(B), free(U);
  }
}

static void test_limit_and_scaling(void **state) {
  (void)state;
  specot_rng rng;
  specot_rng_seed(&rng, 33);
  const double s[3] = {2.0, 1.0, 0.5};
  double *G = lt_with_spectrum(&rng, 5, 3, s, NULL, NULL), *O = lt_alloc(15),
         *P = lt_alloc(15), *D = lt_alloc(15), *C = lt_alloc(15);
  assert_int_equal(specot_linalg_polar(NULL, NULL, G, 5, 3, NULL, P, NULL),
                   SPECOT_OK);
  for (double eps = 1e-2; eps >= 1e-8; eps /= 10) {
    assert_int_equal(specot_linalg_reg_polar(NULL, NULL, G, 5, 3, eps, O, NULL),
                     SPECOT_OK);
    for (int i = 0; i < 15; ++i)
      D[i] = O[i] - P[i];
    const double err = lt_schatten(D, 5, 3, INFINITY);
    const double pred = 1 - 0.5 / sqrt(0.25 + eps);
    assert_close(err, pred, 1e-6, 1e-15);
    assert_true(err <= eps / (2 * 0.25) * (1 + 1e-9) + 1e-15);
  }
  /* O_eps(cG) = O_{eps/c^2}(G), Phi_eps(cG) = c Phi_{eps/c^2}(G), extreme
   * scales. */
  const double cs[] = {1e-150, 1e-3, 7.0, 1e150};
  for (int t = 0; t < 4; ++t) {
    double phi1, phi2;
    for (int i = 0; i < 15; ++i)
      C[i] = cs[t] * G[i];
    const double eps = 0.1 * cs[t] * cs[t];
    assert_int_equal(
        specot_linalg_reg_polar(NULL, NULL, C, 5, 3, eps, O, &phi1), SPECOT_OK);
    assert_int_equal(
        specot_linalg_reg_polar(NULL, NULL, G, 5, 3, 0.1, D, &phi2), SPECOT_OK);
    assert_all_close(O, D, 15, 1e-12, 1e-13);
    assert_close(phi1, cs[t] * phi2, 1e-12, 0);
  }
  /* Rank-deficient input keeps its null space: O_eps([[3,0],[4,0],[0,0]]). */
  const double T[6] = {3, 0, 4, 0, 0, 0},
               Te[6] = {0.6 * 5 / sqrt(26), 0, 0.8 * 5 / sqrt(26), 0, 0, 0};
  assert_int_equal(specot_linalg_reg_polar(NULL, NULL, T, 3, 2, 1.0, O, NULL),
                   SPECOT_OK);
  assert_all_close(O, Te, 6, 1e-14, 1e-16);
  free(G), free(O), free(P), free(D), free(C);
}

static void test_error_paths(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  const double G[4] = {1, 2, 3, 4}, bad[4] = {1, NAN, 0, 0};
  double O[4], phi;
  const double epsbad[] = {0.0, -1.0, NAN, INFINITY};
  for (int i = 0; i < 4; ++i) {
    assert_int_equal(
        specot_linalg_reg_polar(ctx, NULL, G, 2, 2, epsbad[i], O, &phi),
        SPECOT_ERR_INVALID);
    assert_int_equal(
        specot_linalg_reg_conjugate(ctx, NULL, G, 2, 2, epsbad[i], &phi),
        SPECOT_ERR_INVALID);
    assert_int_equal(specot_linalg_reg_mirror(ctx, NULL, G, 2, 2, epsbad[i], O),
                     SPECOT_ERR_INVALID);
    assert_int_equal(specot_linalg_reg_hvp(ctx, NULL, G, G, 2, 2, epsbad[i], O),
                     SPECOT_ERR_INVALID);
  }
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "eps"));
  assert_int_equal(specot_linalg_reg_polar(ctx, NULL, G, 2, 2, 1, NULL, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_reg_polar(ctx, NULL, bad, 2, 2, 1, O, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_reg_conjugate(ctx, NULL, bad, 2, 2, 1, &phi),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_reg_conjugate(ctx, NULL, G, 2, 2, 1, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_reg_mirror(ctx, NULL, bad, 2, 2, 1, O),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_reg_mirror(ctx, NULL, G, 2, 2, 1, NULL),
                   SPECOT_ERR_INVALID);
  const double I2[4] = {1, 0, 0, 1};
  assert_int_equal(specot_linalg_reg_mirror(ctx, NULL, I2, 2, 2, 1, O),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "< 1"));
  assert_int_equal(specot_linalg_reg_hvp(ctx, NULL, G, bad, 2, 2, 1, O),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_reg_hvp(ctx, NULL, G, G, 2, 2, 1, NULL),
                   SPECOT_ERR_INVALID);
  /* NUMERICAL: G^T G overflows and eps c^2 underflows (no rescaling
   * possible): a message, not an eigensolver failure on infinities. */
  const double huge[4] = {1e200, 2e200, 3e200, 4e200};
  assert_int_equal(specot_linalg_reg_polar(ctx, NULL, huge, 2, 2, 1e-3, O, &phi),
                   SPECOT_ERR_NUMERICAL);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "overflows"));
  assert_int_equal(specot_linalg_reg_hvp(ctx, NULL, huge, G, 2, 2, 1e-3, O),
                   SPECOT_ERR_NUMERICAL);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "reg_hvp"));
  /* but a large G with a proportionally large eps is rescaled exactly:
   * O_eps(cG) = O_{eps/c^2}(G) */
  double O1[4], O2[4];
  const double big[4] = {1e150, 2e150, 3e150, 4e150};
  assert_int_equal(specot_linalg_reg_polar(ctx, NULL, big, 2, 2, 1e300, O1, NULL),
                   SPECOT_OK);
  assert_int_equal(specot_linalg_reg_polar(ctx, NULL, G, 2, 2, 1.0, O2, NULL),
                   SPECOT_OK);
  assert_all_close(O1, O2, 4, 1e-13, 1e-15);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_values),
      cmocka_unit_test(test_finite_differences),
      cmocka_unit_test(test_conjugate_mirror_fenchel),
      cmocka_unit_test(test_limit_and_scaling),
      cmocka_unit_test(test_error_paths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
