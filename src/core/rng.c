/* xoshiro256** generator seeded by splitmix64; Marsaglia polar normals. */
#include "specot/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void specot_rng_seed(specot_rng *rng, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; ++i) rng->s[i] = splitmix64(&x);
  /* splitmix64 is a bijection of a counter, so four consecutive outputs are
   * never all zero; keep the guard for clarity. */
  if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0) rng->s[0] = 1;
  rng->spare = 0.0;
  rng->has_spare = 0;
}

uint64_t specot_rng_next(specot_rng *rng) {
  uint64_t *s = rng->s;
  const uint64_t result = rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double specot_rng_uniform(specot_rng *rng) {
  return (double)(specot_rng_next(rng) >> 11) * 0x1.0p-53;
}

double specot_rng_normal(specot_rng *rng) {
  if (rng->has_spare) {
    rng->has_spare = 0;
    return rng->spare;
  }
  double u, v, s;
  do {
    u = 2.0 * specot_rng_uniform(rng) - 1.0;
    v = 2.0 * specot_rng_uniform(rng) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double f = sqrt(-2.0 * log(s) / s);
  rng->spare = v * f;
  rng->has_spare = 1;
  return u * f;
}

void specot_rng_fill_normal(specot_rng *rng, double *out, size_t len, double mean, double sd) {
  for (size_t i = 0; i < len; ++i) out[i] = mean + sd * specot_rng_normal(rng);
}

void specot_rng_fill_uniform(specot_rng *rng, double *out, size_t len, double lo, double hi) {
  for (size_t i = 0; i < len; ++i) out[i] = lo + (hi - lo) * specot_rng_uniform(rng);
}

uint64_t specot_rng_below(specot_rng *rng, uint64_t bound) {
  if (bound <= 1) return 0;
  /* Rejection: accept x < 2^64 - (2^64 mod bound). */
  const uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const uint64_t x = specot_rng_next(rng);
    if (x >= threshold) return x % bound;
  }
}

void specot_rng_jump(specot_rng *rng) {
  static const uint64_t jump[4] = {0x180ec6d33cfd0abaull, 0xd5a61266f0c9392cull,
                                   0xa9582618e03fc9aaull, 0x39abdc4529b1661cull};
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int i = 0; i < 4; ++i)
    for (int b = 0; b < 64; ++b) {
      if (jump[i] & ((uint64_t)1 << b)) {
        s0 ^= rng->s[0];
        s1 ^= rng->s[1];
        s2 ^= rng->s[2];
        s3 ^= rng->s[3];
      }
      (void)specot_rng_next(rng);
    }
  rng->s[0] = s0;
  rng->s[1] = s1;
  rng->s[2] = s2;
  rng->s[3] = s3;
  rng->has_spare = 0;
}
