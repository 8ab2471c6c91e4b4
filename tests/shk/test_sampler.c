/* SHK sampler: every validation of spec 2.7, the coarse-step warning, and the
 * property tests of 8.1 (N conserved, equal particles give no event, lambda = 0
 * is plain ULA with the documented stream layout, event counts within binomial
 * bounds, reaction-only particles are copies, thread-count independence). */
#include <omp.h>
#include <string.h>

#include "shk_test_util.h"

static specot_shk_opts opts_dt(double dt) {
  specot_shk_opts o;
  specot_shk_opts_init(&o);
  o.dt = dt;
  o.bandwidth = 0.2;
  return o;
}

static int calls;
static specot_status nan_after(void *user, specot_ctx *ctx, const double *x, size_t d, double *V,
                               double *grad) {
  (void)ctx;
  (void)d;
  const int limit = *(const int *)user;
  *V = ++calls > limit ? NAN : 0.5 * x[0] * x[0];
  if (grad) grad[0] = x[0];
  return SPECOT_OK;
}

/* A potential whose V stays finite at infinity, with a huge gradient: ULA overflows. */
static specot_status runaway(void *user, specot_ctx *ctx, const double *x, size_t d, double *V,
                             double *grad) {
  (void)user, (void)ctx, (void)d;
  *V = 0.0;
  if (grad) grad[0] = isfinite(x[0]) ? 1e308 : 0.0;
  return SPECOT_OK;
}

static void validations(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_shk_ws *ws = NULL;
  assert_int_equal(specot_shk_ws_alloc(ctx, 1, 1, &ws), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "N >= 2"));
  assert_int_equal(specot_shk_ws_alloc(ctx, 10, 0, &ws), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "dimension"));
  assert_int_equal(specot_shk_ws_alloc(ctx, 10, 1, &ws), SPECOT_OK);
  specot_shk_potential pot = shk_gauss1d(0, 1);
  double *X = shk_normal_points(10, 1, 0, 1, 1);
  specot_rng rng;
  specot_rng_seed(&rng, 1);
  struct {
    double dt, lambda, h;
    size_t stride;
    const char *word;
  } bad[] = {{0, 1, 0.2, 1, "dt"},           {-1, 1, 0.2, 1, "dt"},
             {NAN, 1, 0.2, 1, "dt"},         {0.1, -1, 0.2, 1, "lambda"},
             {0.1, 1, -0.2, 1, "bandwidth"}, {0.1, 1, 0.2, 0, "stride"}};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; ++k) {
    specot_shk_opts o = opts_dt(bad[k].dt);
    o.lambda = bad[k].lambda;
    o.bandwidth = bad[k].h;
    o.stride = bad[k].stride;
    assert_int_equal(specot_shk_run(ctx, ws, &o, &pot, &rng, 1, X, NULL), SPECOT_ERR_INVALID);
    assert_non_null(strstr(specot_ctx_errmsg(ctx), bad[k].word));
  }
  assert_int_equal(specot_shk_run(ctx, ws, NULL, &pot, &rng, 1, X, NULL), SPECOT_ERR_INVALID);
  specot_shk_opts o = opts_dt(0.01);
  X[3] = INFINITY;
  assert_int_equal(specot_shk_run(ctx, ws, &o, &pot, &rng, 1, X, NULL), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "particle 3"));
  X[3] = 0.5;
  /* user callback returning NaN: 10 initial calls + 10 per step, fails in step 2 at particle 4 */
  const int limit = 10 + 10 + 4;
  specot_shk_potential user = {.fn = nan_after, .user = (void *)&limit, .d = 1};
  calls = 0;
  specot_shk_ws_reset(ws);
  assert_int_equal(specot_shk_run(ctx, ws, &o, &user, &rng, 5, X, NULL), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "particle 4, step 1"));
  /* a particle overflowing to infinity is a numerical error before the sweep, not garbage */
  specot_shk_potential run_away = {.fn = runaway, .d = 1};
  specot_shk_opts big = opts_dt(10.0);
  assert_int_equal(specot_shk_run(ctx, ws, &big, &run_away, &rng, 2, X, NULL),
                   SPECOT_ERR_NUMERICAL);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "non-finite"));
  for (int i = 0; i < 10; ++i) X[i] = 0.1 * i;
  specot_shk_potential wrong = shk_gauss1d(0, 1);
  wrong.d = 2;
  assert_int_equal(specot_shk_run(ctx, ws, &o, &wrong, &rng, 1, X, NULL), SPECOT_ERR_INVALID);
  specot_shk_potential_free(&wrong);
  /* coarse sweep: lambda max|bbar| tau > max_events_warn gives a warning, outputs valid */
  o.dt = 0.5;
  o.lambda = 5;
  specot_shk_stats st;
  const specot_status s = specot_shk_run(ctx, ws, &o, &pot, &rng, 3, X, &st);
  assert_true(s > 0);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "coarse"));
  assert_true(st.max_rate_tau > 1.0);
  for (int i = 0; i < 10; ++i) assert_true(isfinite(X[i]));
  specot_shk_potential_free(&pot);
  specot_shk_ws_free(ws);
  free(X);
  specot_ctx_free(ctx);
}

static void equal_particles_no_event(void **state) {
  (void)state;
  const size_t N = 50;
  double X[50];
  for (size_t i = 0; i < N; ++i) X[i] = 0.7;
  specot_shk_ws *ws;
  assert_int_equal(specot_shk_ws_alloc(NULL, N, 1, &ws), SPECOT_OK);
  specot_shk_potential pot = shk_gauss1d(2, 1);
  specot_shk_opts o = opts_dt(0.01);
  o.langevin = 0;
  specot_rng rng;
  specot_rng_seed(&rng, 3);
  specot_shk_stats st;
  assert_int_equal(specot_shk_run(NULL, ws, &o, &pot, &rng, 20, X, &st), SPECOT_OK);
  assert_int_equal(st.sweeps, 20);
  assert_int_equal(st.kills + st.duplications + st.skipped, 0);
  assert_true(st.max_rate_tau < 1e-13);
  o.bandwidth = 0; /* Silverman's h is 0 for equal particles: the sweep is skipped */
  assert_int_equal(specot_shk_run(NULL, ws, &o, &pot, &rng, 5, X, &st), SPECOT_OK);
  assert_int_equal(st.kills + st.duplications, 0);
  specot_shk_potential_free(&pot);
  specot_shk_ws_free(ws);
}

static void lambda0_is_ula(void **state) {
  (void)state;
  const size_t N = 40, d = 2, steps = 25;
  double *X = shk_normal_points(N, d, 1.0, 2.0, 11), *Y = malloc(N * d * sizeof *Y);
  memcpy(Y, X, N * d * sizeof *Y);
  const double w = 1, mu[2] = {0.5, -1}, C[4] = {2, 0.5, 0.5, 1};
  specot_shk_potential pot;
  assert_int_equal(specot_shk_potential_mixture(NULL, 1, d, &w, mu, C, &pot), SPECOT_OK);
  specot_shk_ws *ws;
  assert_int_equal(specot_shk_ws_alloc(NULL, N, d, &ws), SPECOT_OK);
  specot_shk_opts o = opts_dt(0.05);
  o.lambda = 0;
  specot_rng rng, ref;
  specot_rng_seed(&rng, 77);
  specot_rng_seed(&ref, 77);
  assert_int_equal(specot_shk_run(NULL, ws, &o, &pot, &rng, steps, X, NULL), SPECOT_OK);
  /* plain ULA with the documented stream layout: one key per step, child streams */
  for (size_t n = 0; n < steps; ++n) {
    const uint64_t key = specot_rng_next(&ref);
    for (size_t i = 0; i < N; ++i) {
      double V, g[2];
      pot.fn(pot.user, NULL, Y + i * d, d, &V, g);
      specot_rng loc;
      specot_rng_seed(&loc, key + (uint64_t)i * 0x9E3779B97F4A7C15ULL);
      for (size_t k = 0; k < d; ++k)
        Y[i * d + k] += -0.05 * g[k] + sqrt(0.1) * specot_rng_normal(&loc);
    }
  }
  assert_all_close(X, Y, N * d, 1e-13, 1e-13);
  assert_int_equal(specot_rng_next(&rng), specot_rng_next(&ref)); /* same number of draws */
  specot_shk_potential_free(&pot);
  specot_shk_ws_free(ws);
  free(X);
  free(Y);
}

static void counts_copies_threads(void **state) {
  (void)state;
  if (specot_test_quick()) skip(); /* N = 600-1000 with O(N^2) KDEs: long under valgrind */
  const size_t N = 600, steps = 40;
  double *X0 = shk_normal_points(N, 1, 0.0, 3.0, 21), *X = malloc(N * sizeof *X);
  memcpy(X, X0, N * sizeof *X);
  specot_shk_potential pot = shk_gauss1d(2, 1);
  specot_shk_ws *ws;
  assert_int_equal(specot_shk_ws_alloc(NULL, N, 1, &ws), SPECOT_OK);
  specot_shk_opts o = opts_dt(0.01);
  o.langevin = 0;
  specot_rng rng;
  specot_rng_seed(&rng, 5);
  specot_shk_stats st;
  assert_int_equal(specot_shk_run(NULL, ws, &o, &pot, &rng, steps, X, &st), SPECOT_OK);
  /* reaction only: every final particle is one of the initial ones (N conserved, copies) */
  for (size_t i = 0; i < N; ++i) {
    int found = 0;
    for (size_t j = 0; j < N && !found; ++j) found = X[i] == X0[j];
    assert_true(found);
  }
  /* events ~ Poisson-binomial with mean sum p_i: within 5 standard deviations */
  const double events = (double)(st.kills + st.duplications + st.skipped);
  assert_true(st.expected_events > 100);
  assert_true(fabs(events - st.expected_events) <= 5 * sqrt(st.expected_events));
  assert_true(st.kills > 0 && st.duplications > 0);
  /* the result does not depend on the thread count (full SHK, d = 2) */
  const size_t N2 = 2100, d = 8; /* above the parallel thresholds */
  double *A = shk_normal_points(N2, d, 0.0, 2.0, 8), *B = malloc(N2 * d * sizeof *B);
  memcpy(B, A, N2 * d * sizeof *B);
  const double w = 1, mu[8] = {1, 1, 0, 0, 0, 0, 0, -1};
  specot_shk_potential pot2;
  assert_int_equal(specot_shk_potential_mixture(NULL, 1, d, &w, mu, NULL, &pot2), SPECOT_OK);
  specot_shk_ws *w1, *w2;
  omp_set_num_threads(1);
  assert_int_equal(specot_shk_ws_alloc(NULL, N2, d, &w1), SPECOT_OK);
  omp_set_num_threads(3);
  assert_int_equal(specot_shk_ws_alloc(NULL, N2, d, &w2), SPECOT_OK);
  specot_shk_opts o2 = opts_dt(0.01);
  o2.bandwidth = 0;
  specot_rng r1, r2;
  specot_rng_seed(&r1, 4);
  specot_rng_seed(&r2, 4);
  specot_shk_stats s1, s2;
  assert_int_equal(specot_shk_run(NULL, w1, &o2, &pot2, &r1, 30, A, &s1), SPECOT_OK);
  assert_int_equal(specot_shk_run(NULL, w2, &o2, &pot2, &r2, 30, B, &s2), SPECOT_OK);
  assert_all_close(A, B, N2 * d, 0, 0);
  assert_int_equal(s1.kills, s2.kills);
  assert_int_equal(s1.duplications, s2.duplications);
  /* stride: sweeps every 3rd step of the global counter, across two runs */
  o2.stride = 3;
  assert_int_equal(specot_shk_run(NULL, w1, &o2, &pot2, &r1, 4, A, &s1),
                   SPECOT_OK);    /* steps 30..33 */
  assert_int_equal(s1.sweeps, 1); /* n + 1 = 33 */
  specot_shk_potential_free(&pot);
  specot_shk_potential_free(&pot2);
  specot_shk_ws_free(ws);
  specot_shk_ws_free(w1);
  specot_shk_ws_free(w2);
  free(X0);
  free(X);
  free(A);
  free(B);
}

/* The subsampled KDE in the sampler: M >= N is the exact path (same trajectory);
 * M = 100 < N still reaches T-S1's T = 3 moments within the spec's one-seed tolerance. */
static void subsample_kde(void **state) {
  (void)state;
  if (specot_test_quick()) skip(); /* N = 600-1000 with O(N^2) KDEs: long under valgrind */
  const size_t N = 1000;
  double *A = shk_normal_points(N, 1, -2.0, 0.5, 61), *B = malloc(N * sizeof *B);
  memcpy(B, A, N * sizeof *B);
  specot_shk_potential pot = shk_gauss1d(2, 1);
  specot_shk_ws *ws;
  assert_int_equal(specot_shk_ws_alloc(NULL, N, 1, &ws), SPECOT_OK);
  specot_shk_opts o = opts_dt(0.01);
  specot_rng r1, r2;
  specot_rng_seed(&r1, 8);
  specot_rng_seed(&r2, 8);
  assert_int_equal(specot_shk_run(NULL, ws, &o, &pot, &r1, 20, A, NULL), SPECOT_OK);
  specot_shk_ws_reset(ws);
  o.kde = SPECOT_SHK_KDE_SUBSAMPLE;
  o.kde_subsample = N;
  assert_int_equal(specot_shk_run(NULL, ws, &o, &pot, &r2, 20, B, NULL), SPECOT_OK);
  assert_all_close(A, B, N, 0, 0);
  o.kde_subsample = 100; /* small for a fast test; production M >= 1000 */
  specot_shk_stats st;
  assert_int_equal(specot_shk_run(NULL, ws, &o, &pot, &r2, 280, B, &st), SPECOT_OK);
  double mean, var;
  shk_moments(B, N, 1, &mean, &var);
  assert_close(mean, 1.9863, 0, 0.10);
  assert_close(var, 0.9870, 0, 0.12);
  assert_true(st.kills > 0 && st.duplications > 0);
  o.kde_subsample = 0;
  assert_int_equal(specot_shk_run(NULL, ws, &o, &pot, &r2, 1, B, NULL), SPECOT_ERR_INVALID);
  specot_shk_potential_free(&pot);
  specot_shk_ws_free(ws);
  free(A);
  free(B);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(validations),    cmocka_unit_test(equal_particles_no_event),
      cmocka_unit_test(lambda0_is_ula), cmocka_unit_test(counts_copies_threads),
      cmocka_unit_test(subsample_kde),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
