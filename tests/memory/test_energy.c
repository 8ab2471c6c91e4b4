/* Associative memory energy: the shk_dp_memory.md sec. 8.4 example (S, E,
 * attention, velocity, weight potential, one SHK step) to 1e-9, the two-Dirac
 * closed form, the sandwich inequality, gradients against central
 * differences, and the validation errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/memory.h"
#include "specot/rng.h"
#include "test_support.h"

/* sec. 8.4: X1 (uniform), X2 (b2), query (QX, QA), eps = 0.25, beta = 2. */
static const double PY[] = {0, 0, 1, 0, 0, 1, 1, 1, 2, 2, 3, 2, 2, 3, 3.5, 3.5};
static const double PB[] = {0.25, 0.25, 0.25, 0.25, 0.1, 0.2, 0.3, 0.4};
static const size_t PN[] = {4, 4};
static const double QX[] = {0.2, 0.1, 0.9, -0.1, -0.1, 1.2, 1.1, 0.8};
static const double QA[] = {0.3, 0.2, 0.25, 0.25};

static specot_ot_sinkhorn_opts tight(void) {
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  o.tol = 1e-13;
  return o;
}

static void test_spec_example(void **state) {
  (void)state;
  specot_ot_sinkhorn_opts sk = tight();
  specot_amem *mem = NULL;
  assert_int_equal(specot_amem_alloc(NULL, 2, PN, 2, PY, PB, 0.25, 2.0, &sk, &mem), SPECOT_OK);
  double self0, self1;
  specot_amem_pattern(mem, 0, NULL, NULL, NULL, &self0);
  specot_amem_pattern(mem, 1, NULL, NULL, NULL, &self1);
  assert_close(self0, 0.283109584758, 0.0, 1e-10);
  assert_close(self1, 0.296978190663, 0.0, 1e-10);
  specot_amem_ws *ws = NULL;
  assert_int_equal(specot_amem_ws_alloc(NULL, mem, 4, 2, &ws), SPECOT_OK);
  double S[2], w[2], v[8], phi[4];
  specot_amem_eval ev;
  assert_int_equal(specot_amem_energy(NULL, ws, QA, QX, 0.0, S, w, v, phi, &ev), SPECOT_OK);
  assert_close(S[0], 0.0151936091061, 0.0, 1e-10);
  assert_close(S[1], 5.64704751729, 1e-10, 0.0);
  assert_close(ev.energy, 0.015187194041, 0.0, 1e-10);
  assert_close(w[0], 0.999987169952, 0.0, 1e-10);
  assert_close(w[1], 1.28300478924e-05, 1e-8, 0.0);
  assert_int_equal(ev.index, 0);
  const double v_ref[] = {-0.12278431439,  -0.00488315605061, 0.0960238370023,  0.013496919125,
                          0.154581683958,  -0.178957895242,   -0.0439415398515, 0.134143315663};
  assert_all_close(v, v_ref, 8, 0.0, 1e-9);
  const double phi_ref[] = {-0.00416330278418, 0.000758114505967, 0.0562870161267,
                            -0.0518975443904};
  assert_all_close(phi, phi_ref, 4, 0.0, 1e-9);
  /* one step, tau = 0.5, eta = 1 */
  specot_amem_opts o;
  specot_amem_opts_init(&o);
  o.tau = 0.5;
  o.eta = 1.0;
  o.max_steps = 1;
  o.max_halvings = 0;
  o.tol_energy = 0.0;
  double a[4], X[8], S1[2];
  memcpy(a, QA, sizeof a);
  memcpy(X, QX, sizeof X);
  specot_amem_result res;
  assert_int_equal(specot_amem_retrieve(NULL, ws, &o, a, X, NULL, S1, NULL, &res), SPECOT_OK);
  assert_int_equal(res.steps, 1);
  assert_int_equal(res.halvings, 0);
  const double X_ref[] = {0.138607842805, 0.0975584219747, 0.948011918501, -0.0932515404375,
                          -0.0227091580208, 1.11052105238, 1.07802923007, 0.867071657832};
  const double a_ref[] = {0.301030658264, 0.199701866892, 0.236143634004, 0.263123840841};
  assert_all_close(X, X_ref, 8, 0.0, 1e-9);
  assert_all_close(a, a_ref, 4, 0.0, 1e-9);
  assert_close(res.energy, 0.00517234980868, 0.0, 1e-10);
  assert_close(res.energy_start, 0.015187194041, 0.0, 1e-10);
  assert_close(S1[0], 0.00517927043572, 0.0, 1e-10);
  assert_close(S1[1], 5.59910430967, 1e-10, 0.0);
  specot_amem_ws_free(ws);
  specot_amem_free(mem);
}

/* S_eps(delta_x, delta_y) = |x - y|^2 / 2 for every eps. */
static void test_two_diracs(void **state) {
  (void)state;
  const double y[] = {1, 2}, x[] = {0.3, -0.4};
  const size_t n1[] = {1};
  for (int t = 0; t < 2; ++t) {
    specot_amem *mem = NULL;
    specot_amem_ws *ws = NULL;
    assert_int_equal(specot_amem_alloc(NULL, 1, n1, 2, y, NULL, t ? 5.0 : 0.1, 1.0, NULL, &mem),
                     SPECOT_OK);
    assert_int_equal(specot_amem_ws_alloc(NULL, mem, 1, 2, &ws), SPECOT_OK);
    double S;
    specot_amem_eval ev;
    assert_int_equal(specot_amem_energy(NULL, ws, NULL, x, 0.0, &S, NULL, NULL, NULL, &ev),
                     SPECOT_OK);
    assert_close(S, 3.125, 1e-12, 0.0);
    assert_close(ev.energy, 3.125, 1e-12, 0.0);
    assert_close(ev.attention, 1.0, 1e-15, 0.0);
    specot_amem_ws_free(ws);
    specot_amem_free(mem);
  }
}

/* Random memory of K clouds of different sizes in R^d (weights not uniform). */
static specot_amem *random_memory(specot_rng *r, size_t K, const size_t *n, size_t d, double eps,
                                  double beta) {
  size_t N = 0;
  for (size_t k = 0; k < K; ++k) N += n[k];
  double *Y = malloc(N * d * sizeof(double)), *b = malloc(N * sizeof(double));
  size_t off = 0;
  for (size_t k = 0; k < K; ++k) {
    double c[8];
    specot_rng_fill_normal(r, c, d, 0.0, 1.5);
    for (size_t j = 0; j < n[k]; ++j, ++off) {
      for (size_t q = 0; q < d; ++q) Y[off * d + q] = c[q] + specot_rng_normal(r);
      b[off] = 0.5 + specot_rng_uniform(r);
    }
  }
  specot_ot_sinkhorn_opts sk = tight();
  specot_amem *mem = NULL;
  assert_int_equal(specot_amem_alloc(NULL, K, n, d, Y, b, eps, beta, &sk, &mem), SPECOT_OK);
  free(Y);
  free(b);
  return mem;
}

/* dE/dx_i = -a_i v_i and <chi, phi> = directional derivative (sum chi = 0). */
static void test_gradients(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 11);
  const size_t n[] = {5, 6, 4};
  enum { m = 5, d = 2 };
  specot_amem *mem = random_memory(&r, 3, n, d, 0.3, 1.5);
  specot_amem_ws *ws = NULL;
  assert_int_equal(specot_amem_ws_alloc(NULL, mem, m, d, &ws), SPECOT_OK);
  double X[m * d], a[m], v[m * d], phi[m], S[3], sa = 0.0;
  specot_rng_fill_normal(&r, X, m * d, 0.0, 1.5);
  for (size_t i = 0; i < m; ++i) sa += (a[i] = 0.5 + specot_rng_uniform(&r));
  for (size_t i = 0; i < m; ++i) a[i] /= sa;
  for (int g = 0; g < 2; ++g) {
    const double gamma = g ? 0.05 : 0.0, h = 1e-5;
    specot_amem_eval ev, ep, em;
    assert_int_equal(specot_amem_energy(NULL, ws, a, X, gamma, S, NULL, v, phi, &ev), SPECOT_OK);
    /* sandwich: min S - log K / beta <= E <= min S (gamma = 0) */
    if (!g) {
      const double smin = fmin(S[0], fmin(S[1], S[2]));
      assert_true(ev.energy <= smin + 1e-14);
      assert_true(ev.energy >= smin - log(3.0) / 1.5 - 1e-14);
    }
    for (size_t k = 0; k < m * d; ++k) {
      double Xp[m * d], Xm[m * d];
      memcpy(Xp, X, sizeof Xp);
      memcpy(Xm, X, sizeof Xm);
      Xp[k] += h;
      Xm[k] -= h;
      specot_amem_energy(NULL, ws, a, Xp, gamma, NULL, NULL, NULL, NULL, &ep);
      specot_amem_energy(NULL, ws, a, Xm, gamma, NULL, NULL, NULL, NULL, &em);
      assert_close(-a[k / d] * v[k], (ep.energy - em.energy) / (2 * h), 1e-6, 1e-9);
    }
    const double chi[m] = {1, -1, 0.5, -0.5, 0};
    double ap[m], am[m], dot = 0.0;
    for (size_t i = 0; i < m; ++i) {
      ap[i] = a[i] + h * chi[i];
      am[i] = a[i] - h * chi[i];
      dot += chi[i] * phi[i];
    }
    specot_amem_energy(NULL, ws, ap, X, gamma, NULL, NULL, NULL, NULL, &ep);
    specot_amem_energy(NULL, ws, am, X, gamma, NULL, NULL, NULL, NULL, &em);
    assert_close(dot, (ep.energy - em.energy) / (2 * h), 1e-6, 1e-9);
  }
  specot_amem_ws_free(ws);
  specot_amem_free(mem);
}

static void test_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_amem *mem = NULL;
  const size_t n0[] = {4, 0};
  assert_int_equal(specot_amem_alloc(ctx, 0, PN, 2, PY, PB, 0.25, 2.0, NULL, &mem),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "empty memory"));
  assert_null(mem);
  assert_int_equal(specot_amem_alloc(ctx, 2, PN, 2, PY, PB, 0.0, 2.0, NULL, &mem),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "eps"));
  assert_int_equal(specot_amem_alloc(ctx, 2, PN, 2, PY, PB, -1.0, 2.0, NULL, &mem),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_amem_alloc(ctx, 2, PN, 2, PY, PB, NAN, 2.0, NULL, &mem),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_amem_alloc(ctx, 2, PN, 2, PY, PB, 0.25, 0.0, NULL, &mem),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "beta"));
  assert_int_equal(specot_amem_alloc(ctx, 2, PN, 0, PY, PB, 0.25, 2.0, NULL, &mem),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_amem_alloc(ctx, 2, n0, 2, PY, PB, 0.25, 2.0, NULL, &mem),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "no points"));
  assert_int_equal(specot_amem_alloc(ctx, 2, PN, 2, NULL, PB, 0.25, 2.0, NULL, &mem),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_amem_alloc(ctx, 2, PN, 2, PY, PB, 0.25, 2.0, NULL, NULL),
                   SPECOT_ERR_INVALID);
  double b[8], Y[16];
  memcpy(b, PB, sizeof b);
  b[5] = -0.2;
  assert_int_equal(specot_amem_alloc(ctx, 2, PN, 2, PY, b, 0.25, 2.0, NULL, &mem),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "weight 1 of pattern 1"));
  memset(b, 0, sizeof b);
  assert_int_equal(specot_amem_alloc(ctx, 2, PN, 2, PY, b, 0.25, 2.0, NULL, &mem),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "sum to 0"));
  memcpy(Y, PY, sizeof Y);
  Y[9] = INFINITY;
  assert_int_equal(specot_amem_alloc(ctx, 2, PN, 2, Y, PB, 0.25, 2.0, NULL, &mem),
                   SPECOT_ERR_INVALID);
  /* a memory, then query errors */
  assert_int_equal(specot_amem_alloc(ctx, 2, PN, 2, PY, PB, 0.25, 2.0, NULL, &mem), SPECOT_OK);
  specot_amem_ws *ws = NULL;
  assert_int_equal(specot_amem_ws_alloc(ctx, mem, 4, 3, &ws), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "dimension mismatch"));
  assert_int_equal(specot_amem_ws_alloc(ctx, mem, 0, 2, &ws), SPECOT_ERR_INVALID);
  assert_int_equal(specot_amem_ws_alloc(ctx, NULL, 4, 2, &ws), SPECOT_ERR_INVALID);
  assert_int_equal(specot_amem_pattern(mem, 2, NULL, NULL, NULL, NULL), SPECOT_ERR_INVALID);
  assert_int_equal(specot_amem_ws_alloc(ctx, mem, 4, 2, &ws), SPECOT_OK);
  const double bad_a[] = {0.3, -0.2, 0.5, 0.4}, zero_a[] = {0, 0, 0, 0};
  double X[8];
  memcpy(X, QX, sizeof X);
  assert_int_equal(specot_amem_energy(ctx, ws, bad_a, QX, 0.0, NULL, NULL, NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "query weight 1"));
  assert_int_equal(specot_amem_energy(ctx, ws, zero_a, QX, 0.0, NULL, NULL, NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_amem_energy(ctx, ws, QA, QX, -1.0, NULL, NULL, NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  X[3] = NAN;
  assert_int_equal(specot_amem_energy(ctx, ws, QA, X, 0.0, NULL, NULL, NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_amem_energy(ctx, NULL, QA, QX, 0.0, NULL, NULL, NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  /* a Sinkhorn iteration cap is a warning with valid outputs */
  specot_amem *capped = NULL;
  specot_ot_sinkhorn_opts sk;
  specot_ot_sinkhorn_opts_init(&sk);
  sk.max_iter = 1;
  sk.eps_scaling = 0;
  assert_int_equal(specot_amem_alloc(ctx, 2, PN, 2, PY, PB, 0.01, 2.0, &sk, &capped),
                   SPECOT_WARN_MAXITER);
  assert_non_null(capped);
  specot_amem_ws *cws = NULL;
  assert_int_equal(specot_amem_ws_alloc(ctx, capped, 4, 2, &cws), SPECOT_OK);
  specot_amem_eval ev;
  assert_int_equal(specot_amem_energy(ctx, cws, QA, QX, 0.0, NULL, NULL, NULL, NULL, &ev),
                   SPECOT_WARN_MAXITER);
  assert_true(isfinite(ev.energy));
  specot_amem_ws_free(cws);
  specot_amem_free(capped);
  specot_amem_ws_free(ws);
  specot_amem_free(mem);
  specot_amem_ws_free(NULL);
  specot_amem_free(NULL);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spec_example),
      cmocka_unit_test(test_two_diracs),
      cmocka_unit_test(test_gradients),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
