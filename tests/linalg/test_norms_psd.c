/* Schatten norms and gauges (spectral_w.md T5/T6 values), second moments,
 * velocity norms, symmetric eigendecomposition and PSD matrix powers. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "linalg_test_util.h"

static double gauge(const double *S, size_t d, double p) {
  double v = -1;
  assert_int_equal(specot_linalg_schatten_gauge(NULL, NULL, S, d, p, &v),
                   SPECOT_OK);
  return v;
}

static void test_gauge_values(void **state) {
  (void)state;
  /* Instance A: W_p^2 = gamma_p(Sigma*). */
  const double A[4] = {1.005, 0.196, 0.196, 0.939};
  assert_close(gauge(A, 2, 1.0), 1.944, 1e-14, 0);
  assert_close(gauge(A, 2, 1.5), 1.5590836032269, 1e-12, 0);
  assert_close(gauge(A, 2, 2.0), 1.4030602267900, 1e-12, 0);
  assert_close(gauge(A, 2, 3.0), 1.2738468632757, 1e-12, 0);
  assert_close(gauge(A, 2, INFINITY), 1.1707586476106, 1e-12, 0);
  assert_close(gauge(A, 2, 1e300), 1.1707586476106, 1e-12, 0); /* no overflow */
  /* Instance B: gamma_inf of the W2-plan moment and gamma_2 of Sigma*. */
  const double B[4] = {3.74, -0.43, -0.43, 1.49 / 3};
  assert_close(gauge(B, 2, INFINITY), 3.7960409293636, 1e-12, 0);
  const double B2[4] = {2.27836057916, 0.065495763665, 0.065495763665,
                        2.072313962333};
  assert_close(gauge(B2, 2, 2.0), 3.0812321362183, 1e-11, 0);
  /* gamma_p(a a^T) = |a|^2 for every p, including p = 1/2. */
  const double a[3] = {1, -2, 0.5};
  double S[9];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      S[3 * i + j] = a[i] * a[j];
  const double ps[] = {0.5, 1, 2, 7, INFINITY};
  for (int k = 0; k < 5; ++k)
    assert_close(gauge(S, 3, ps[k]), 5.25, 1e-14, 0);
  /* p = 1/2 quasi-norm: (sum sqrt(l))^2. */
  const double D[4] = {4, 0, 0, 9};
  assert_close(gauge(D, 2, 0.5), 25.0, 1e-14, 0);
  /* Zero matrix, and a slightly negative eigenvalue within tolerance is
   * clamped. */
  const double Z[4] = {0};
  assert_close(gauge(Z, 2, 2.0), 0.0, 0, 0);
  const double N[4] = {1, 0, 0, -1e-14};
  assert_close(gauge(N, 2, 1.0), 1.0, 1e-15, 0);
}

static void test_schatten_norm(void **state) {
  (void)state;
  const double D[6] = {3, 0, 0, -4, 0, 0}; /* 3 x 2, sigma = (4, 3) */
  assert_close(lt_schatten(D, 3, 2, 1.0), 7.0, 1e-15, 0);
  assert_close(lt_schatten(D, 3, 2, 2.0), 5.0, 1e-15, 0);
  assert_close(lt_schatten(D, 3, 2, 3.0), cbrt(91.0), 1e-15, 0);
  assert_close(lt_schatten(D, 3, 2, INFINITY), 4.0, 1e-15, 0);
  assert_close(lt_schatten(D, 3, 2, 1e300), 4.0, 1e-15, 0);
  double Big[6];
  for (int i = 0; i < 6; ++i)
    Big[i] = 1e200 * D[i];
  assert_close(lt_schatten(Big, 3, 2, 3.0), 1e200 * cbrt(91.0), 1e-14, 0);
  /* Frobenius agrees with the entrywise norm on random input. */
  specot_rng rng;
  specot_rng_seed(&rng, 41);
  double *G = lt_randn(&rng, 9, 4);
  assert_close(lt_schatten(G, 9, 4, 2.0), lt_fro(G, 36), 1e-14, 0);
  free(G);
  double v;
  assert_int_equal(specot_linalg_schatten_norm(NULL, NULL, D, 3, 2, 0.9, &v),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_schatten_norm(NULL, NULL, D, 3, 2, NAN, &v),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_schatten_norm(NULL, NULL, D, 3, 2, 2, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_schatten_norm(NULL, NULL, D, 0, 2, 2, &v),
                   SPECOT_ERR_INVALID);
}

static void test_moment_and_velocity_norm(void **state) {
  (void)state;
  specot_rng rng;
  specot_rng_seed(&rng, 42);
  const size_t n = 7, d = 3;
  double *X = lt_randn(&rng, n, d), S[9], E[9] = {0}, w[7], ws = 0;
  for (size_t i = 0; i < n; ++i)
    ws += (w[i] = specot_rng_uniform(&rng) + 0.1);
  for (size_t i = 0; i < n; ++i)
    w[i] /= ws;
  w[2] = 0.0; /* a zero weight; renormalised below */
  double tot = 0;
  for (size_t i = 0; i < n; ++i)
    tot += w[i];
  for (size_t i = 0; i < n; ++i)
    w[i] /= tot;
  assert_int_equal(specot_linalg_second_moment(NULL, X, n, d, w, S), SPECOT_OK);
  for (size_t i = 0; i < n; ++i)
    for (size_t a = 0; a < d; ++a)
      for (size_t b = 0; b < d; ++b)
        E[a * d + b] += w[i] * X[i * d + a] * X[i * d + b];
  assert_all_close(S, E, 9, 1e-14, 1e-15);
  /* Velocity norm = gamma_p(S)^{1/2} = ||diag(sqrt w) V||_{S_2p}. */
  const double ps[] = {0.5, 1, 2, INFINITY};
  for (int k = 0; k < 4; ++k) {
    double nv;
    assert_int_equal(
        specot_linalg_velocity_norm(NULL, NULL, X, n, d, w, ps[k], &nv),
        SPECOT_OK);
    assert_close(nv * nv, gauge(S, d, ps[k]), 1e-12, 0);
  }
  /* NULL weights are uniform 1/n. */
  double Su[9], nv;
  assert_int_equal(specot_linalg_second_moment(NULL, X, n, d, NULL, Su),
                   SPECOT_OK);
  assert_int_equal(
      specot_linalg_velocity_norm(NULL, NULL, X, n, d, NULL, 2.0, &nv),
      SPECOT_OK);
  assert_close(nv * nv, gauge(Su, d, 2.0), 1e-12, 0);
  assert_close(nv, lt_schatten(X, n, d, 4.0) / sqrt((double)n), 1e-12, 0);
  const double wbad[7] = {0.5, 0.5, 0.5, 0, 0, 0, 0};
  assert_int_equal(specot_linalg_second_moment(NULL, X, n, d, wbad, S),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_second_moment(NULL, X, n, d, NULL, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_second_moment(NULL, X, 0, d, NULL, S),
                   SPECOT_ERR_INVALID);
  free(X);
}

static void test_sym_eig_and_powers(void **state) {
  (void)state;
  specot_rng rng;
  specot_rng_seed(&rng, 43);
  const size_t d = 5;
  /* Rank-3 PSD matrix S = B B^T. */
  double *B = lt_randn(&rng, d, 3), S[25], lam[5], E[25], R[25], P[25], T[25];
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 5, 5, 3, 1.0, B, 3, B, 3,
              0.0, S, 5);
  assert_int_equal(specot_linalg_sym_eig(NULL, NULL, S, d, lam, E), SPECOT_OK);
  for (size_t k = 0; k + 1 < d; ++k)
    assert_true(lam[k] >= lam[k + 1]); /* descending */
  assert_close(lam[3], 0, 0, 1e-13);
  /* S = E diag(lam) E^T and E^T E = I. */
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) {
      double acc = 0, id = 0;
      for (size_t k = 0; k < d; ++k) {
        acc += E[i * d + k] * lam[k] * E[j * d + k];
        id += E[k * d + i] * E[k * d + j];
      }
      assert_close(acc, S[i * d + j], 1e-13, 1e-13);
      assert_close(id, i == j ? 1.0 : 0.0, 0, 1e-14);
    }
  double lam2[5];
  assert_int_equal(specot_linalg_sym_eig(NULL, NULL, S, d, lam2, NULL),
                   SPECOT_OK);
  assert_all_close(lam2, lam, 5, 1e-13, 1e-13);
  /* sqrt(S)^2 = S. */
  assert_int_equal(specot_linalg_psd_sqrt(NULL, NULL, S, d, R), SPECOT_OK);
  lt_matmul(R, R, d, d, d, T);
  assert_all_close(T, S, 25, 1e-12, 1e-12);
  /* Pseudo-inverse: S S+ S = S, and S^0 = range projector P with P S = S. */
  assert_int_equal(specot_linalg_psd_power(NULL, NULL, S, d, -1.0, -1, R),
                   SPECOT_OK);
  lt_matmul(S, R, d, d, d, T);
  lt_matmul(T, S, d, d, d, P);
  assert_all_close(P, S, 25, 1e-10, 1e-10);
  assert_int_equal(specot_linalg_psd_power(NULL, NULL, S, d, 0.0, -1, P),
                   SPECOT_OK);
  double tr = 0;
  for (size_t i = 0; i < d; ++i)
    tr += P[i * d + i];
  assert_close(tr, 3.0, 1e-12, 0);
  lt_matmul(P, S, d, d, d, T);
  assert_all_close(T, S, 25, 1e-12, 1e-12);
  /* S^{1/2} S^{-1/2} = P, power 1 = S, in place (out aliases S). */
  double H[25], Hi[25];
  assert_int_equal(specot_linalg_psd_power(NULL, NULL, S, d, 0.5, -1, H),
                   SPECOT_OK);
  assert_int_equal(specot_linalg_psd_power(NULL, NULL, S, d, -0.5, -1, Hi),
                   SPECOT_OK);
  lt_matmul(H, Hi, d, d, d, T);
  assert_all_close(T, P, 25, 1e-10, 1e-10);
  memcpy(T, S, sizeof S);
  assert_int_equal(specot_linalg_psd_power(NULL, NULL, T, d, 1.0, -1, T),
                   SPECOT_OK);
  assert_all_close(T, S, 25, 1e-12, 1e-12);
  /* Zero matrix -> zero for any power. */
  const double Z[4] = {0};
  double Zo[4] = {1, 1, 1, 1};
  assert_int_equal(specot_linalg_psd_power(NULL, NULL, Z, 2, -1.0, -1, Zo),
                   SPECOT_OK);
  for (int i = 0; i < 4; ++i)
    assert_close(Zo[i], 0, 0, 0);
  free(B);
}

static void test_error_paths(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  const double NS[4] = {1, 0.5, 0.4, 1}, NP[4] = {1, 0, 0, -0.01},
               BAD[4] = {1, NAN, NAN, 1};
  const double Id[4] = {1, 0, 0, 1};
  double v, out[4], lam[2];
  assert_int_equal(specot_linalg_schatten_gauge(ctx, NULL, NS, 2, 1, &v),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "symmetric"));
  assert_int_equal(specot_linalg_schatten_gauge(ctx, NULL, NP, 2, 1, &v),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "PSD"));
  assert_int_equal(specot_linalg_schatten_gauge(ctx, NULL, Id, 2, 0.49, &v),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_schatten_gauge(ctx, NULL, Id, 2, NAN, &v),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_schatten_gauge(ctx, NULL, BAD, 2, 1, &v),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_schatten_gauge(ctx, NULL, Id, 2, 1, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_psd_power(ctx, NULL, NS, 2, 0.5, -1, out),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_psd_power(ctx, NULL, NP, 2, 0.5, -1, out),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_psd_power(ctx, NULL, Id, 2, NAN, -1, out),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_psd_power(ctx, NULL, Id, 2, 1, 1.5, out),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_psd_power(ctx, NULL, Id, 2, 1, -1, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_psd_power(ctx, NULL, BAD, 2, 1, -1, out),
                   SPECOT_ERR_INVALID);
  specot_linalg_psd_opts o;
  specot_linalg_psd_opts_init(&o);
  o.sym_rtol = -1;
  assert_int_equal(specot_linalg_psd_power_ex(ctx, NULL, Id, 2, 1, &o, out),
                   SPECOT_ERR_INVALID);
  /* Looser tolerances accept the slightly non-symmetric, slightly indefinite
   * input. */
  specot_linalg_psd_opts_init(&o);
  o.sym_rtol = 0.2;
  assert_int_equal(specot_linalg_psd_power_ex(ctx, NULL, NS, 2, 1, &o, out),
                   SPECOT_OK);
  o.neg_rtol = 0.1;
  assert_int_equal(specot_linalg_psd_power_ex(ctx, NULL, NP, 2, 1, &o, out),
                   SPECOT_OK);
  assert_close(out[3], 0, 0, 0);
  /* NUMERICAL: a huge negative power of a tiny eigenvalue overflows. */
  const double Tiny[4] = {1, 0, 0, 1e-10};
  assert_int_equal(
      specot_linalg_psd_power(ctx, NULL, Tiny, 2, -100.0, 0.0, out),
      SPECOT_ERR_NUMERICAL);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "non-finite"));
  assert_int_equal(specot_linalg_sym_eig(ctx, NULL, BAD, 2, lam, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_sym_eig(ctx, NULL, Id, 2, NULL, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_sym_eig(ctx, NULL, Id, 0, lam, NULL),
                   SPECOT_ERR_INVALID);
  /* Square calls need d <= min(m, n) of the workspace. */
  specot_linalg_ws *ws = NULL;
  assert_int_equal(specot_linalg_ws_alloc(ctx, 1, 2, &ws), SPECOT_OK);
  assert_int_equal(specot_linalg_sym_eig(ctx, ws, Id, 2, lam, NULL),
                   SPECOT_ERR_INVALID);
  specot_linalg_ws_free(ws);
  specot_linalg_ws_free(NULL);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gauge_values),
      cmocka_unit_test(test_schatten_norm),
      cmocka_unit_test(test_moment_and_velocity_norm),
      cmocka_unit_test(test_sym_eig_and_powers),
      cmocka_unit_test(test_error_paths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
