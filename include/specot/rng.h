/*
 * specot/rng.h — explicit, seedable pseudo-random number generator.
 *
 * Generator: xoshiro256** (Blackman & Vigna 2018), period 2^256 - 1,
 * state seeded from a 64-bit seed through splitmix64.  The state is a plain
 * struct so it can be copied, stored in a checkpoint and restored: a
 * restored state continues the exact same stream.
 *
 * Uniform doubles use the top 53 bits: u = (x >> 11) * 2^-53 in [0, 1).
 * Normal deviates use the Marsaglia polar method; the second deviate of each
 * pair is cached in the state (so the cache is part of the checkpoint).
 *
 * These streams are specot's own: they do not reproduce NumPy's
 * (PCG64/Mersenne Twister) streams bit for bit.  Tests that compare with
 * NumPy compare statistics, never raw draws.
 */
#ifndef SPECOT_RNG_H
#define SPECOT_RNG_H

#include "specot/specot.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct specot_rng {
  uint64_t s[4];    /* xoshiro256** state; never all zero */
  double spare;     /* cached second normal deviate */
  int has_spare;    /* 1 when `spare` holds an unused deviate */
} specot_rng;

/* Seeds the state deterministically from `seed` (any value, 0 included). */
SPECOT_API void specot_rng_seed(specot_rng *rng, uint64_t seed);
/* Next raw 64-bit output. */
SPECOT_API uint64_t specot_rng_next(specot_rng *rng);
/* Uniform double in [0, 1) with 53 random bits. */
SPECOT_API double specot_rng_uniform(specot_rng *rng);
/* Standard normal deviate N(0, 1). */
SPECOT_API double specot_rng_normal(specot_rng *rng);
/* Fills out[0..len) with N(mean, sd^2) deviates (sd >= 0). */
SPECOT_API void specot_rng_fill_normal(specot_rng *rng, double *out, size_t len, double mean,
                                       double sd);
/* Fills out[0..len) with uniform deviates in [lo, hi). */
SPECOT_API void specot_rng_fill_uniform(specot_rng *rng, double *out, size_t len, double lo,
                                        double hi);
/* Uniform integer in [0, bound) without modulo bias; bound >= 1. */
SPECOT_API uint64_t specot_rng_below(specot_rng *rng, uint64_t bound);
/* Advances the state by 2^128 draws: gives independent parallel streams. */
SPECOT_API void specot_rng_jump(specot_rng *rng);

#ifdef __cplusplus
}
#endif

#endif /* SPECOT_RNG_H */
