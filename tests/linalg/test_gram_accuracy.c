/* Accuracy of the fast (refined) Gram route of polar and LMO: on matrices
 * G = U diag(s) W^T with prescribed spectra of condition number 1 .. 1e3
 * (where AUTO takes the Gram route) and, for the forced GRAM method, 1e4, the
 * result must match the SVD route and the exact construction to a small
 * multiple of DBL_EPSILON * cond.  The unrefined Gram route (error
 * ~ DBL_EPSILON cond^2) fails these bounds from cond ~ 10 on. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "linalg_test_util.h"

/* Relative Frobenius error ||a - b|| / ||b||. */
static double rel_err(const double *a, const double *b, size_t len) {
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < len; ++i) {
    num += (a[i] - b[i]) * (a[i] - b[i]);
    den += b[i] * b[i];
  }
  return sqrt(num / den);
}

/* Bound on the relative error: forward error of a backward-stable method,
 * DBL_EPSILON * cond, with a constant covering the dimensions used here and
 * the rounding of the test's own construction of G (measured: <= 0.4). */
static double tol_for(double cond) { return 4.0 * DBL_EPSILON * (cond + 10); }

/* Spectrum: kind 0 geometric 1 .. 1/cond; kind 1 two clusters (half near 1,
 * half near 1/cond), the hardest case for the unrefined route. */
static void spectrum(size_t k, double cond, int kind, double *s) {
  for (size_t i = 0; i < k; ++i) {
    const double t = k > 1 ? (double)i / (double)(k - 1) : 0.0;
    if (kind == 0)
      s[i] = pow(cond, -t);
    else
      s[i] = i < k / 2 ? 1.0 - 1e-3 * t : (1.0 + 1e-2 * (1.0 - t)) / cond;
  }
  s[k - 1] = 1.0 / cond;
}

static const size_t shapes[][2] = {{60, 12}, {12, 60}, {24, 24}, {3, 2}};
static const double conds[] = {1.0, 10.0, 100.0, 900.0};

static void test_polar_gram_vs_svd_and_exact(void **state) {
  (void)state;
  specot_rng rng;
  specot_rng_seed(&rng, 101);
  specot_linalg_ws *ws = NULL;
  assert_int_equal(specot_linalg_ws_alloc(NULL, 60, 24, &ws), SPECOT_OK);
  for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; ++sh) {
    const size_t m = shapes[sh][0], n = shapes[sh][1], k = m < n ? m : n;
    for (size_t c = 0; c < 4; ++c)
      for (int kind = 0; kind < 2; ++kind) {
        double *s = lt_alloc(k), *U, *V, *one = lt_alloc(k);
        spectrum(k, conds[c], kind, s);
        for (size_t i = 0; i < k; ++i)
          one[i] = 1.0;
        double *G = lt_with_spectrum(&rng, m, n, s, &U, &V);
        double *Q = lt_alloc(m * n), *Qs = lt_alloc(m * n),
               *E = lt_alloc(m * n);
        lt_compose(U, one, V, m, n, k, E); /* exact polar U W^T */
        specot_linalg_polar_opts o;
        specot_linalg_polar_opts_init(&o);
        specot_linalg_polar_method used;
        assert_int_equal(specot_linalg_polar(NULL, ws, G, m, n, &o, Q, &used),
                         SPECOT_OK);
        assert_int_equal(used, SPECOT_LINALG_POLAR_GRAM);
        o.method = SPECOT_LINALG_POLAR_SVD;
        assert_int_equal(specot_linalg_polar(NULL, ws, G, m, n, &o, Qs, NULL),
                         SPECOT_OK);
        const double tol = tol_for(conds[c]);
        assert_true(rel_err(Q, Qs, m * n) <= tol);
        assert_true(rel_err(Q, E, m * n) <= tol);
        free(s), free(U), free(V), free(one), free(G), free(Q), free(Qs),
            free(E);
      }
  }
  specot_linalg_ws_free(ws);
}

/* Exact J_p = -||s||_q^{2-q} U diag(s^{q-1}) W^T and its dual norm. */
static double exact_lmo(const double *U, const double *V, const double *s,
                        size_t m, size_t n, size_t k, double p, double *J) {
  const double q = isinf(p) ? 1.0 : 2.0 * p / (2.0 * p - 1.0);
  double acc = 0.0;
  for (size_t i = 0; i < k; ++i)
    acc += pow(s[i], q);
  const double dual = pow(acc, 1.0 / q);
  double *f = lt_alloc(k);
  for (size_t i = 0; i < k; ++i)
    f[i] = -pow(dual, 2.0 - q) * pow(s[i], q - 1.0);
  lt_compose(U, f, V, m, n, k, J);
  free(f);
  return dual;
}

static void test_lmo_gram_vs_exact(void **state) {
  (void)state;
  specot_rng rng;
  specot_rng_seed(&rng, 202);
  const double ps[] = {2.0, INFINITY, 1.5, 3.0, 0.75};
  specot_linalg_ws *ws = NULL;
  assert_int_equal(specot_linalg_ws_alloc(NULL, 60, 24, &ws), SPECOT_OK);
  for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; ++sh) {
    const size_t m = shapes[sh][0], n = shapes[sh][1], k = m < n ? m : n;
    for (size_t c = 0; c < 4; ++c)
      for (int kind = 0; kind < 2; ++kind) {
        double *s = lt_alloc(k), *U, *V;
        spectrum(k, conds[c], kind, s);
        double *G = lt_with_spectrum(&rng, m, n, s, &U, &V);
        double *J = lt_alloc(m * n), *E = lt_alloc(m * n);
        for (size_t pi = 0; pi < sizeof ps / sizeof ps[0]; ++pi) {
          const double dual_e = exact_lmo(U, V, s, m, n, k, ps[pi], E);
          double dual = -1.0;
          assert_int_equal(
              specot_linalg_lmo(NULL, ws, G, m, n, ps[pi], -1.0, J, &dual),
              SPECOT_OK);
          assert_true(rel_err(J, E, m * n) <= tol_for(conds[c]));
          assert_close(dual, dual_e, 1e-14, 0);
        }
        free(s), free(U), free(V), free(G), free(J), free(E);
      }
  }
  specot_linalg_ws_free(ws);
}

/* Forced GRAM method beyond the AUTO range (cond 1e4): the first-order
 * refinement leaves ~ (DBL_EPSILON cond^2)^2 ~ 1e-16, far below the
 * unrefined ~ DBL_EPSILON cond^2 ~ 2e-8. */
static void test_polar_forced_gram_cond_1e4(void **state) {
  (void)state;
  specot_rng rng;
  specot_rng_seed(&rng, 303);
  const size_t m = 40, n = 10, k = 10;
  double s[10], one[10], *U, *V;
  spectrum(k, 1e4, 0, s);
  for (size_t i = 0; i < k; ++i)
    one[i] = 1.0;
  double *G = lt_with_spectrum(&rng, m, n, s, &U, &V);
  double *Q = lt_alloc(m * n), *E = lt_alloc(m * n), *Gt = lt_alloc(m * n),
         *Qt = lt_alloc(m * n);
  lt_compose(U, one, V, m, n, k, E);
  specot_linalg_polar_opts o;
  specot_linalg_polar_opts_init(&o);
  o.method = SPECOT_LINALG_POLAR_GRAM;
  specot_linalg_polar_method used;
  assert_int_equal(specot_linalg_polar(NULL, NULL, G, m, n, &o, Q, &used),
                   SPECOT_OK);
  assert_int_equal(used, SPECOT_LINALG_POLAR_GRAM);
  assert_true(rel_err(Q, E, m * n) <= tol_for(1e4));
  /* AUTO falls back to the SVD here (lambda ratio 1e-8 < 1e-6). */
  o.method = SPECOT_LINALG_POLAR_AUTO;
  assert_int_equal(specot_linalg_polar(NULL, NULL, G, m, n, &o, Q, &used),
                   SPECOT_OK);
  assert_int_equal(used, SPECOT_LINALG_POLAR_SVD);
  /* Wide side (m < n): the transposed problem. */
  lt_transpose(G, m, n, Gt);
  o.method = SPECOT_LINALG_POLAR_GRAM;
  assert_int_equal(specot_linalg_polar(NULL, NULL, Gt, n, m, &o, Qt, NULL),
                   SPECOT_OK);
  lt_transpose(Qt, n, m, Gt);
  assert_true(rel_err(Gt, E, m * n) <= tol_for(1e4));
  free(U), free(V), free(G), free(Q), free(E), free(Gt), free(Qt);
}

/* Block LMO writes through a leading dimension (ldv != block width): the
 * refined route must give the same blocks as separate LMOs. */
static void test_block_lmo_gram_strided(void **state) {
  (void)state;
  specot_rng rng;
  specot_rng_seed(&rng, 404);
  const size_t m = 30, n1 = 5, n2 = 7, n = 12;
  double s1[5], s2[7], *U, *V;
  spectrum(n1, 100.0, 1, s1);
  spectrum(n2, 300.0, 0, s2);
  double *G1 = lt_with_spectrum(&rng, m, n1, s1, &U, &V);
  free(U), free(V);
  double *G2 = lt_with_spectrum(&rng, m, n2, s2, &U, &V);
  free(U), free(V);
  double *G = lt_alloc(m * n), *J = lt_alloc(m * n), *J1 = lt_alloc(m * n1),
         *J2 = lt_alloc(m * n2);
  for (size_t i = 0; i < m; ++i) {
    memcpy(G + i * n, G1 + i * n1, n1 * sizeof *G);
    memcpy(G + i * n + n1, G2 + i * n2, n2 * sizeof *G);
  }
  const size_t widths[2] = {n1, n2};
  assert_int_equal(specot_linalg_block_lmo(NULL, NULL, G, m, n, widths, 2, 2.0,
                                           SPECOT_LINALG_BLOCK_SUM, -1.0, J,
                                           NULL),
                   SPECOT_OK);
  assert_int_equal(
      specot_linalg_lmo(NULL, NULL, G1, m, n1, 2.0, -1.0, J1, NULL), SPECOT_OK);
  assert_int_equal(
      specot_linalg_lmo(NULL, NULL, G2, m, n2, 2.0, -1.0, J2, NULL), SPECOT_OK);
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n1; ++j)
      assert_close(J[i * n + j], J1[i * n1 + j], 0, 1e-15);
    for (size_t j = 0; j < n2; ++j)
      assert_close(J[i * n + n1 + j], J2[i * n2 + j], 0, 1e-15);
  }
  free(G1), free(G2), free(G), free(J), free(J1), free(J2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_polar_gram_vs_svd_and_exact),
      cmocka_unit_test(test_lmo_gram_vs_exact),
      cmocka_unit_test(test_polar_forced_gram_cond_1e4),
      cmocka_unit_test(test_block_lmo_gram_strided),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
