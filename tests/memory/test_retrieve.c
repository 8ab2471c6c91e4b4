/* SHK retrieval: energy non-increasing (with backtracking), permutation
 * invariance, a stored pattern is a fixed point, translation invariance,
 * recovery of a noisy permuted query, the spread-attention warning and the
 * option errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/memory.h"
#include "specot/rng.h"
#include "test_support.h"

enum { K = 6, NP = 8, D = 2 };

/* K clouds of NP points around centres on a circle of radius R. */
static specot_amem *make_memory(double R, double shift, double eps, double beta, double *Y) {
  specot_rng r;
  specot_rng_seed(&r, 3);
  size_t n[K];
  for (size_t k = 0; k < K; ++k) {
    n[k] = NP;
    const double t = 2.0 * 3.14159265358979 * (double)k / K;
    for (size_t j = 0; j < NP; ++j) {
      Y[(k * NP + j) * D] = R * cos(t) + 0.6 * specot_rng_normal(&r) + shift;
      Y[(k * NP + j) * D + 1] = R * sin(t) + 0.6 * specot_rng_normal(&r) - shift;
    }
  }
  specot_ot_sinkhorn_opts sk;
  specot_ot_sinkhorn_opts_init(&sk);
  sk.tol = 1e-12;
  specot_amem *mem = NULL;
  assert_int_equal(specot_amem_alloc(NULL, K, n, D, Y, NULL, eps, beta, &sk, &mem), SPECOT_OK);
  return mem;
}

/* Query: pattern k permuted by perm, noise sigma, weights e^{0.5 zeta}. */
static void make_query(const double *Y, size_t k, double sigma, uint64_t seed, double *X,
                       double *a) {
  specot_rng r;
  specot_rng_seed(&r, seed);
  for (size_t i = 0; i < NP; ++i) {
    const size_t j = (i * 5 + 3) % NP; /* a fixed permutation */
    for (size_t c = 0; c < D; ++c)
      X[i * D + c] = Y[(k * NP + j) * D + c] + sigma * specot_rng_normal(&r);
    a[i] = exp(0.5 * specot_rng_normal(&r));
  }
}

typedef struct trace {
  double E[64];
  size_t count;
} trace;

static void record(void *user, const specot_amem_step *s) {
  trace *t = user;
  if (t->count < 64) t->E[t->count++] = s->energy;
}

static void test_energy_decreases(void **state) {
  (void)state;
  double Y[K * NP * D], X[NP * D], a[NP], S0[K], S[K];
  specot_amem *mem = make_memory(3.0, 0.0, 0.1, 10.0, Y);
  specot_amem_ws *ws = NULL;
  assert_int_equal(specot_amem_ws_alloc(NULL, mem, NP, D, &ws), SPECOT_OK);
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    make_query(Y, (size_t)seed, 0.5, seed, X, a);
    specot_amem_opts o;
    specot_amem_opts_init(&o);
    o.max_steps = 50;
    trace t = {{0}, 0};
    o.on_step = record;
    o.user = &t;
    specot_amem_result res;
    const specot_status st = specot_amem_retrieve(NULL, ws, &o, a, X, S0, S, NULL, &res);
    assert_true(st == SPECOT_OK);
    assert_int_equal(res.index, (size_t)seed);
    assert_int_equal(t.count, res.steps + 1);
    for (size_t i = 1; i < t.count; ++i) assert_true(t.E[i] <= t.E[i - 1]);
    assert_true(res.energy < res.energy_start);
    /* the flow cleans: S to the true pattern drops */
    assert_true(S[seed] < 0.5 * S0[seed]);
    double sa = 0.0;
    for (size_t i = 0; i < NP; ++i) sa += a[i];
    assert_close(sa, 1.0, 1e-12, 0.0);
  }
  specot_amem_ws_free(ws);
  specot_amem_free(mem);
}

/* Shuffling the query points permutes the output and changes nothing else. */
static void test_permutation(void **state) {
  (void)state;
  double Y[K * NP * D], X[NP * D], a[NP], Xp[NP * D], ap[NP], S1[K], S2[K];
  specot_amem *mem = make_memory(3.0, 0.0, 0.1, 10.0, Y);
  specot_amem_ws *ws = NULL;
  assert_int_equal(specot_amem_ws_alloc(NULL, mem, NP, D, &ws), SPECOT_OK);
  make_query(Y, 2, 0.4, 9, X, a);
  const size_t perm[NP] = {3, 7, 0, 5, 1, 6, 2, 4};
  for (size_t i = 0; i < NP; ++i) {
    ap[i] = a[perm[i]];
    for (size_t c = 0; c < D; ++c) Xp[i * D + c] = X[perm[i] * D + c];
  }
  specot_amem_result r1, r2;
  assert_int_equal(specot_amem_retrieve(NULL, ws, NULL, a, X, NULL, S1, NULL, &r1), SPECOT_OK);
  assert_int_equal(specot_amem_retrieve(NULL, ws, NULL, ap, Xp, NULL, S2, NULL, &r2), SPECOT_OK);
  assert_int_equal(r1.index, r2.index);
  assert_int_equal(r1.steps, r2.steps);
  assert_int_equal(r1.halvings, r2.halvings);
  assert_close(r1.energy, r2.energy, 1e-9, 1e-12);
  assert_all_close(S1, S2, K, 1e-9, 1e-12);
  for (size_t i = 0; i < NP; ++i) {
    assert_close(ap[i], a[perm[i]], 1e-9, 1e-12);
    for (size_t c = 0; c < D; ++c) assert_close(Xp[i * D + c], X[perm[i] * D + c], 1e-9, 1e-11);
  }
  specot_amem_ws_free(ws);
  specot_amem_free(mem);
}

/* q = P_k: the flow does not move it (separated patterns, sharp softmax). */
static void test_fixed_point(void **state) {
  (void)state;
  double Y[K * NP * D], X[NP * D], a[NP], S[K];
  specot_amem *mem = make_memory(8.0, 0.0, 0.1, 10.0, Y);
  specot_amem_ws *ws = NULL;
  assert_int_equal(specot_amem_ws_alloc(NULL, mem, NP, D, &ws), SPECOT_OK);
  for (size_t k = 0; k < K; k += 2) {
    memcpy(X, Y + k * NP * D, sizeof X);
    for (size_t i = 0; i < NP; ++i) a[i] = 1.0 / NP;
    specot_amem_result r;
    assert_int_equal(specot_amem_retrieve(NULL, ws, NULL, a, X, NULL, S, NULL, &r), SPECOT_OK);
    assert_int_equal(r.index, k);
    assert_true(r.steps <= 1);
    assert_all_close(X, Y + k * NP * D, NP * D, 0.0, 1e-8);
    for (size_t i = 0; i < NP; ++i) assert_close(a[i], 1.0 / NP, 0.0, 1e-9);
    assert_close(S[k], 0.0, 0.0, 1e-10);
    assert_close(r.attention, 1.0, 1e-9, 0.0);
  }
  specot_amem_ws_free(ws);
  specot_amem_free(mem);
}

/* A common translation of q and of every pattern translates X+ only. */
static void test_translation(void **state) {
  (void)state;
  double Y[K * NP * D], Y2[K * NP * D], X[NP * D], a[NP], X2[NP * D], a2[NP], S1[K], S2[K];
  const double s = 1.75;
  specot_amem *m1 = make_memory(3.0, 0.0, 0.2, 5.0, Y);
  specot_amem *m2 = make_memory(3.0, s, 0.2, 5.0, Y2);
  specot_amem_ws *w1 = NULL, *w2 = NULL;
  assert_int_equal(specot_amem_ws_alloc(NULL, m1, NP, D, &w1), SPECOT_OK);
  assert_int_equal(specot_amem_ws_alloc(NULL, m2, NP, D, &w2), SPECOT_OK);
  make_query(Y, 4, 0.6, 21, X, a);
  for (size_t i = 0; i < NP; ++i) {
    a2[i] = a[i];
    X2[i * D] = X[i * D] + s;
    X2[i * D + 1] = X[i * D + 1] - s;
  }
  specot_amem_result r1, r2;
  assert_int_equal(specot_amem_retrieve(NULL, w1, NULL, a, X, NULL, S1, NULL, &r1), SPECOT_OK);
  assert_int_equal(specot_amem_retrieve(NULL, w2, NULL, a2, X2, NULL, S2, NULL, &r2), SPECOT_OK);
  assert_int_equal(r1.steps, r2.steps);
  assert_close(r1.energy, r2.energy, 1e-8, 1e-11);
  assert_all_close(S1, S2, K, 1e-8, 1e-11);
  assert_all_close(a, a2, NP, 1e-8, 1e-11);
  for (size_t i = 0; i < NP; ++i) {
    assert_close(X2[i * D] - s, X[i * D], 1e-8, 1e-9);
    assert_close(X2[i * D + 1] + s, X[i * D + 1], 1e-8, 1e-9);
  }
  specot_amem_ws_free(w1);
  specot_amem_ws_free(w2);
  specot_amem_free(m1);
  specot_amem_free(m2);
}

/* beta too small: attention spread over many patterns -> WARN_INACCURATE. */
static void test_spread_warning(void **state) {
  (void)state;
  double Y[K * NP * D], X[NP * D], a[NP];
  specot_amem *mem = make_memory(0.5, 0.0, 0.1, 0.01, Y);
  specot_amem_ws *ws = NULL;
  specot_ctx *ctx = specot_ctx_alloc();
  assert_int_equal(specot_amem_ws_alloc(ctx, mem, NP, D, &ws), SPECOT_OK);
  make_query(Y, 1, 0.3, 4, X, a);
  specot_amem_result r;
  assert_int_equal(specot_amem_retrieve(ctx, ws, NULL, a, X, NULL, NULL, NULL, &r),
                   SPECOT_WARN_INACCURATE);
  assert_true(r.attention > 2.0);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "raise beta"));
  /* option errors */
  specot_amem_opts o;
  specot_amem_opts_init(&o);
  o.tau = -1;
  assert_int_equal(specot_amem_retrieve(ctx, ws, &o, a, X, NULL, NULL, NULL, &r),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "tau"));
  specot_amem_opts_init(&o);
  o.eta = -0.5;
  assert_int_equal(specot_amem_retrieve(ctx, ws, &o, a, X, NULL, NULL, NULL, &r),
                   SPECOT_ERR_INVALID);
  specot_amem_opts_init(&o);
  o.tol_energy = NAN;
  assert_int_equal(specot_amem_retrieve(ctx, ws, &o, a, X, NULL, NULL, NULL, &r),
                   SPECOT_ERR_INVALID);
  specot_amem_opts_init(&o);
  o.gamma = -1;
  assert_int_equal(specot_amem_retrieve(ctx, ws, &o, a, X, NULL, NULL, NULL, &r),
                   SPECOT_ERR_INVALID);
  specot_amem_opts_init(&o);
  o.attention_warn = 0.5;
  assert_int_equal(specot_amem_retrieve(ctx, ws, &o, a, X, NULL, NULL, NULL, &r),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_amem_retrieve(ctx, ws, NULL, NULL, X, NULL, NULL, NULL, &r),
                   SPECOT_ERR_INVALID);
  a[2] = -1;
  assert_int_equal(specot_amem_retrieve(ctx, ws, NULL, a, X, NULL, NULL, NULL, &r),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "query weight 2"));
  /* max_steps = 0: evaluation only */
  a[2] = 1;
  specot_amem_opts_init(&o);
  o.max_steps = 0;
  o.attention_warn = 1e9;
  assert_int_equal(specot_amem_retrieve(ctx, ws, &o, a, X, NULL, NULL, NULL, &r), SPECOT_OK);
  assert_int_equal(r.steps, 0);
  assert_int_equal(r.stop, SPECOT_AMEM_STOP_MAX_STEPS);
  assert_int_equal(r.index, r.index_start);
  specot_amem_ws_free(ws);
  specot_amem_free(mem);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_energy_decreases), cmocka_unit_test(test_permutation),
      cmocka_unit_test(test_fixed_point),      cmocka_unit_test(test_translation),
      cmocka_unit_test(test_spread_warning),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
