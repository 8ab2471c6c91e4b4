/* Synthetic 2-D mixtures of the WGAN-GP / pyOMT toys (spec aeot.md sec. 4.1). */
#include <math.h>

#include "specot/aeot.h"

static const double PI = 3.14159265358979323846;

size_t specot_aeot_toy_modes(specot_aeot_toy toy, double *centres, double *sigma) {
  if (toy == SPECOT_AEOT_8GAUSSIANS) {
    if (sigma) *sigma = 0.02 / 1.414;
    for (size_t k = 0; centres && k < 8; ++k) {
      centres[2 * k] = 2.0 * cos(PI / 4 * (double)k) / 1.414;
      centres[2 * k + 1] = 2.0 * sin(PI / 4 * (double)k) / 1.414;
    }
    return 8;
  }
  if (toy == SPECOT_AEOT_25GAUSSIANS) {
    if (sigma) *sigma = 0.05 / 2.828;
    for (size_t k = 0; centres && k < 25; ++k) {
      centres[2 * k] = 2.0 * ((double)(k / 5) - 2.0) / 2.828;
      centres[2 * k + 1] = 2.0 * ((double)(k % 5) - 2.0) / 2.828;
    }
    return 25;
  }
  if (sigma) *sigma = 0.0;
  return 0;
}

void specot_aeot_toy_sample(specot_aeot_toy toy, specot_rng *rng, size_t N, double *X,
                            int *labels) {
  double centres[50], sigma;
  const size_t m = specot_aeot_toy_modes(toy, centres, &sigma);
  for (size_t i = 0; i < N; ++i) {
    if (m > 0) {
      const size_t k = (size_t)specot_rng_below(rng, m);
      X[2 * i] = centres[2 * k] + sigma * specot_rng_normal(rng);
      X[2 * i + 1] = centres[2 * k + 1] + sigma * specot_rng_normal(rng);
      if (labels) labels[i] = (int)k;
    } else { /* sklearn make_swiss_roll(noise = 0.25)[:, [0, 2]] / 7.5 */
      const double t = 1.5 * PI * (1.0 + 2.0 * specot_rng_uniform(rng));
      (void)specot_rng_uniform(rng); /* the unused height coordinate */
      X[2 * i] = (t * cos(t) + 0.25 * specot_rng_normal(rng)) / 7.5;
      X[2 * i + 1] = (t * sin(t) + 0.25 * specot_rng_normal(rng)) / 7.5;
      if (labels) labels[i] = -1;
    }
  }
}
