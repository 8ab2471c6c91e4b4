/* Spec 8.1 T-S4: mode weights of pi = 0.25 N(-3, 0.5^2) + 0.75 N(3, 0.5^2)
 * from rho_0 = N(0, 9), N = 1000, dt = 0.005, h = 0.2, lambda = 1, T = 5.
 * SHK: |frac(x > 0) - 0.75| <= 0.05 per seed (spec 5-seed range 0.745-0.754);
 * Langevin only: |frac - 0.5| <= 0.08 (stuck at the initial split).  The seed
 * averages are held to the tolerance / sqrt(seeds). */
#include "shk_test_util.h"

enum { N = 1000, STEPS = 1000, SEEDS = 3 };

static double fraction_right(double lambda, uint64_t seed) {
  double *X = shk_normal_points(N, 1, 0.0, 3.0, 500 + seed);
  const double w[2] = {0.25, 0.75}, mu[2] = {-3, 3}, cov[2] = {0.25, 0.25};
  specot_shk_potential pot;
  assert_int_equal(specot_shk_potential_mixture(NULL, 2, 1, w, mu, cov, &pot), SPECOT_OK);
  specot_shk_ws *ws;
  assert_int_equal(specot_shk_ws_alloc(NULL, N, 1, &ws), SPECOT_OK);
  specot_shk_opts o;
  specot_shk_opts_init(&o);
  o.dt = 0.005;
  o.bandwidth = 0.2;
  o.lambda = lambda;
  specot_rng rng;
  specot_rng_seed(&rng, seed);
  specot_shk_stats st;
  assert_int_equal(specot_shk_run(NULL, ws, &o, &pot, &rng, STEPS, X, &st), SPECOT_OK);
  size_t right = 0;
  for (size_t i = 0; i < N; ++i) right += X[i] > 0;
  specot_shk_potential_free(&pot);
  specot_shk_ws_free(ws);
  free(X);
  return (double)right / N;
}

static void mode_weights(void **state) {
  (void)state;
  if (specot_test_quick()) skip(); /* statistical, long: skipped under valgrind */
  double shk = 0, ula = 0;
  for (uint64_t s = 1; s <= SEEDS; ++s) {
    const double f = fraction_right(1.0, s), g = fraction_right(0.0, s);
    assert_close(f, 0.75, 0, 0.05);
    assert_close(g, 0.5, 0, 0.08);
    shk += f / SEEDS;
    ula += g / SEEDS;
  }
  assert_close(shk, 0.75, 0, 0.05 / sqrt((double)SEEDS));
  assert_close(ula, 0.5, 0, 0.08 / sqrt((double)SEEDS));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(mode_weights)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
