/* torch-compatible CPU generator: mt19937 and torch 1.13's randn paths (see rng.h). */
#include <math.h>

#include "specot/rng.h"

enum { MT_N = 624, MT_M = 397, TORCH_BLOCK = 16 };

/* 2 pi as torch forms it: 2 * c10::pi<double> (exact doubling). */
static const double TWO_PI = 6.283185307179586476925286766559;

void specot_torch_rng_seed(specot_torch_rng *g, uint64_t seed) {
  /* std::mt19937 seeding (Matsumoto & Nishimura 2002 init_genrand). */
  g->mt[0] = (uint32_t)(seed & 0xffffffffu);
  for (uint32_t i = 1; i < MT_N; ++i)
    g->mt[i] = 1812433253u * (g->mt[i - 1] ^ (g->mt[i - 1] >> 30)) + i;
  g->index = MT_N;
  g->normal_cache = 0.0;
  g->has_normal_cache = 0;
}

static void mt_regenerate(uint32_t *mt) {
  for (int i = 0; i < MT_N; ++i) {
    const uint32_t y = (mt[i] & 0x80000000u) | (mt[(i + 1) % MT_N] & 0x7fffffffu);
    mt[i] = mt[(i + MT_M) % MT_N] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
  }
}

uint32_t specot_torch_rng_next32(specot_torch_rng *g) {
  if (g->index >= MT_N) {
    mt_regenerate(g->mt);
    g->index = 0;
  }
  uint32_t y = g->mt[g->index++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

double specot_torch_rng_uniform(specot_torch_rng *g) {
  const uint64_t hi = specot_torch_rng_next32(g);
  const uint64_t lo = specot_torch_rng_next32(g);
  return (double)(((hi << 32) | lo) & ((UINT64_C(1) << 53) - 1)) * 0x1.0p-53;
}

/* float uniform: one output, low 24 bits. */
static float uniform_f32(specot_torch_rng *g) {
  return (float)(specot_torch_rng_next32(g) & ((UINT32_C(1) << 24) - 1)) * 0x1.0p-24f;
}

/* torch's at::normal_distribution<double>: one value, the pair's second cached. */
static double scalar_normal(specot_torch_rng *g) {
  if (g->has_normal_cache) {
    g->has_normal_cache = 0;
    return g->normal_cache;
  }
  const double u1 = specot_torch_rng_uniform(g);
  const double u2 = specot_torch_rng_uniform(g);
  const double rho = sqrt(-2.0 * log(1.0 - u2));
  const double theta = TWO_PI * u1;
  g->normal_cache = rho * sin(theta);
  g->has_normal_cache = 1;
  return rho * cos(theta);
}

/* normal_fill_16: Box-Muller on 8 pairs (d[j], d[j+8]) in place. */
static void fill16(double *d) {
  for (int j = 0; j < 8; ++j) {
    const double u1 = 1.0 - d[j], u2 = d[j + 8];
    const double rho = sqrt(-2.0 * log(u1)), theta = TWO_PI * u2;
    d[j] = rho * cos(theta);
    d[j + 8] = rho * sin(theta);
  }
}

static void fill16_f32(float *d) {
  const float two_pi = (float)TWO_PI;
  for (int j = 0; j < 8; ++j) {
    const float u1 = 1.0f - d[j], u2 = d[j + 8];
    const float rho = sqrtf(-2.0f * logf(u1)), theta = two_pi * u2;
    d[j] = rho * cosf(theta);
    d[j + 8] = rho * sinf(theta);
  }
}

void specot_torch_rng_randn(specot_torch_rng *g, double *out, size_t len) {
  if (len < TORCH_BLOCK) {
    for (size_t i = 0; i < len; ++i) out[i] = scalar_normal(g);
    return;
  }
  for (size_t i = 0; i < len; ++i) out[i] = specot_torch_rng_uniform(g);
  for (size_t i = 0; i + TORCH_BLOCK <= len; i += TORCH_BLOCK) fill16(out + i);
  if (len % TORCH_BLOCK != 0) {
    double *tail = out + len - TORCH_BLOCK;
    for (int i = 0; i < TORCH_BLOCK; ++i) tail[i] = specot_torch_rng_uniform(g);
    fill16(tail);
  }
}

void specot_torch_rng_randn_f32(specot_torch_rng *g, float *out, size_t len) {
  if (len < TORCH_BLOCK) {
    /* torch draws small float tensors through the double scalar path, then rounds. */
    for (size_t i = 0; i < len; ++i) out[i] = (float)scalar_normal(g);
    return;
  }
  for (size_t i = 0; i < len; ++i) out[i] = uniform_f32(g);
  for (size_t i = 0; i + TORCH_BLOCK <= len; i += TORCH_BLOCK) fill16_f32(out + i);
  if (len % TORCH_BLOCK != 0) {
    float *tail = out + len - TORCH_BLOCK;
    for (int i = 0; i < TORCH_BLOCK; ++i) tail[i] = uniform_f32(g);
    fill16_f32(tail);
  }
}

void specot_torch_rng_randperm(specot_torch_rng *g, size_t *perm, size_t n) {
  for (size_t i = 0; i < n; ++i) perm[i] = i;
  for (size_t i = 0; i + 1 < n; ++i) {
    const size_t z = i + (size_t)specot_torch_rng_next32(g) % (n - i);
    const size_t t = perm[i];
    perm[i] = perm[z];
    perm[z] = t;
  }
}
