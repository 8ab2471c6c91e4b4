/* Helpers of the SHK tests: Gaussian targets and starts, sample moments. */
#ifndef SHK_TEST_UTIL_H
#define SHK_TEST_UTIL_H

#include <math.h>
#include <stdlib.h>

#include "specot/rng.h"
#include "specot/shk.h"
#include "test_support.h"

/* 1-D Gaussian potential V = (x - m)^2 / (2 s2) as a K = 1 mixture. */
static inline specot_shk_potential shk_gauss1d(double m, double s2) {
  specot_shk_potential pot;
  const double w = 1.0;
  assert_int_equal(specot_shk_potential_mixture(NULL, 1, 1, &w, &m, &s2, &pot), SPECOT_OK);
  return pot;
}

/* N x d points i.i.d. N(mean, sd^2 I). */
static inline double *shk_normal_points(size_t N, size_t d, double mean, double sd, uint64_t seed) {
  double *X = malloc(N * d * sizeof *X);
  assert_non_null(X);
  specot_rng rng;
  specot_rng_seed(&rng, seed);
  specot_rng_fill_normal(&rng, X, N * d, mean, sd);
  return X;
}

/* Mean and (N-1)-normalised variance of coordinate 0 of N x d points. */
static inline void shk_moments(const double *X, size_t N, size_t d, double *mean, double *var) {
  double m = 0.0, v = 0.0;
  for (size_t i = 0; i < N; ++i) m += X[i * d];
  m /= (double)N;
  for (size_t i = 0; i < N; ++i) v += (X[i * d] - m) * (X[i * d] - m);
  *mean = m;
  *var = v / (double)(N - 1);
}

#endif
