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

/*
 * torch-compatible CPU generator (src/core/torch_rng.c): reproduces what
 * PyTorch's default CPU generator draws after torch.manual_seed(seed), so that
 * experiments written in torch can be rerun here on the same numbers.
 *
 *   - state: 32-bit Mersenne Twister, seeded exactly as std::mt19937(seed & (2^32 - 1))
 *     (NumPy's legacy RandomState(seed) gives the same 32-bit stream);
 *   - float64 uniform: ((r1 << 32) | r2) & (2^53 - 1) / 2^53 from two consecutive outputs;
 *   - randn of a contiguous float64 tensor, len >= 16: all len uniforms first, then each
 *     block of 16 in place (j < 8): u1 = 1 - d[j], u2 = d[j+8], rho = sqrt(-2 log u1),
 *     theta = 2 pi u2, d[j] = rho cos theta, d[j+8] = rho sin theta; when len % 16 != 0
 *     the last 16 entries are redrawn and transformed again;
 *   - len < 16: the scalar Box-Muller path, one value at a time: u1, u2 uniforms,
 *     rho = sqrt(-2 log(1 - u2)), theta = 2 pi u1, returns rho cos theta and keeps
 *     rho sin theta for the next scalar draw (the cache lives in the state, as in torch,
 *     and torch.manual_seed clears it; the len >= 16 path neither reads nor clears it).
 * The float64 streams match torch 1.13 bit for bit on x86-64 glibc (tests/core compare
 * with real torch draws).  The float32 variant matches bit for bit below 16 entries and
 * to a few float ulps above (torch's AVX2 float kernel uses its own log/sincos
 * approximations).
 */
typedef struct specot_torch_rng {
  uint32_t mt[624];    /* Mersenne Twister state */
  uint32_t index;      /* next word of mt to temper; 624 = regenerate first */
  double normal_cache; /* scalar path: the cached rho sin theta */
  int has_normal_cache;
} specot_torch_rng;

/* torch.manual_seed(seed): only the low 32 bits of seed are used, as in torch. */
SPECOT_API void specot_torch_rng_seed(specot_torch_rng *g, uint64_t seed);
/* One mt19937 output. */
SPECOT_API uint32_t specot_torch_rng_next32(specot_torch_rng *g);
/* A float64 uniform in [0, 1) as torch draws it (two outputs, 53 bits). */
SPECOT_API double specot_torch_rng_uniform(specot_torch_rng *g);
/* out[0..len) = torch.randn(len, dtype=torch.float64) (any len, 0 included). */
SPECOT_API void specot_torch_rng_randn(specot_torch_rng *g, double *out, size_t len);
/* out[0..len) = torch.randn(len, dtype=torch.float32): uniforms of 24 bits from one
 * output each; same stream consumption as torch (see above for the precision). */
SPECOT_API void specot_torch_rng_randn_f32(specot_torch_rng *g, float *out, size_t len);
/* perm[0..n) = torch.randperm(n) (CPU, n < 2^32): perm = 0..n-1, then for i < n-1 swap
 * perm[i] and perm[i + r % (n - i)], r = one mt19937 output. */
SPECOT_API void specot_torch_rng_randperm(specot_torch_rng *g, size_t *perm, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* SPECOT_RNG_H */
