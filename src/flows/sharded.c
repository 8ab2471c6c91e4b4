/*
 * Sharded ReLU particle flow (see specot/flows_sharded.h): global prediction
 * and second moment by a caller-supplied sum-allreduce, the Schatten-p
 * velocity from the eigendecomposition of S = sum_i w_i g_i g_i^T.
 */
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "specot/flows.h"
#include "specot/flows_sharded.h"

struct specot_relu_shard {
  size_t nd, dz, d, n, N;
  specot_reducer red;
  double *z, *y, *w, *f, *g, *S, *lam, *M, *dx, *soa;
};

void specot_relu_shard_free(specot_relu_shard *s) {
  if (!s) return;
  specot__free(s->z);
  specot__free(s->y);
  specot__free(s->w);
  specot__free(s->f);
  specot__free(s->g);
  specot__free(s->S);
  specot__free(s->dx);
  specot__free(s->soa);
  free(s);
}

specot_status specot_relu_shard_alloc(specot_ctx *ctx, const double *z, const double *y, size_t nd,
                                      size_t dz, size_t n_local, size_t n_global,
                                      const specot_reducer *red, specot_relu_shard **out) {
  specot__ctx_reset(ctx);
  if (!out || !z || !y)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "relu shard: z, y and out must be non-NULL");
  *out = NULL;
  if (nd == 0 || dz == 0 || n_local == 0 || n_local > n_global)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "relu shard: sizes nd = %zu, dz = %zu, n_local = %zu, n_global = %zu "
                        "(need > 0 and n_local <= n_global)",
                        nd, dz, n_local, n_global);
  size_t nzd, nx;
  if (specot__mul_size(nd, dz, &nzd) || specot__mul_size(n_local, dz + 1, &nx) || dz > 4096)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "relu shard: sizes overflow");
  if (!specot__all_finite(z, nzd) || !specot__all_finite(y, nd))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "relu shard: data must be finite");
  specot_relu_shard *s = calloc(1, sizeof *s);
  if (!s) return specot__fail(ctx, SPECOT_ERR_NOMEM, "relu shard: out of memory");
  const size_t d = dz + 1;
  s->nd = nd;
  s->dz = dz;
  s->d = d;
  s->n = n_local;
  s->N = n_global;
  if (red) s->red = *red;
  s->z = specot__alloc_doubles(nzd);
  s->y = specot__alloc_doubles(nd);
  s->w = specot__alloc_doubles(n_local);
  s->f = specot__alloc_doubles(nd + d * d + 1); /* prediction, then S and the energy */
  s->g = specot__alloc_doubles(nx);
  s->S = specot__alloc_doubles(3 * d * d + d);
  s->dx = specot__alloc_doubles(nx);
  s->soa = specot__alloc_doubles(3 * n_local);
  if (!s->z || !s->y || !s->w || !s->f || !s->g || !s->S || !s->dx || !s->soa) {
    specot_relu_shard_free(s);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "relu shard: out of memory");
  }
  s->lam = s->S + d * d;
  s->M = s->lam + d;
  memcpy(s->z, z, nzd * sizeof(double));
  memcpy(s->y, y, nd * sizeof(double));
  for (size_t i = 0; i < n_local; ++i) s->w[i] = 1.0 / (double)n_global;
  *out = s;
  return SPECOT_OK;
}

static int reduce(specot_relu_shard *s, double *buf, size_t len) {
  return s->red.sum ? s->red.sum(buf, len, s->red.user) : 0;
}

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define SHARD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SHARD_CLONES
#endif

/* sum_{i0 <= i < i1} su_i relu(s1_i z1 + s2_i z2). */
SHARD_CLONES static double relu_sum(const double *su, const double *s1, const double *s2, size_t i0,
                                    size_t i1, double z1, double z2) {
  double acc = 0.0;
#pragma omp simd reduction(+ : acc)
  for (size_t i = i0; i < i1; ++i) {
    const double pre = s1[i] * z1 + s2[i] * z2;
    acc += pre > 0.0 ? su[i] * pre : 0.0;
  }
  return acc;
}

/* Forces of one particle (u, v1, v2) for dz = 2, unscaled: g = (sum_j relu(p_j) r_j,
 * sum_j [p_j > 0] r_j z_j). */
SHARD_CLONES static void force2(const double *z, const double *r, size_t nd, double v1, double v2,
                                double *g) {
  double gu = 0.0, g1 = 0.0, g2 = 0.0;
#pragma omp simd reduction(+ : gu, g1, g2)
  for (size_t j = 0; j < nd; ++j) {
    const double pre = v1 * z[2 * j] + v2 * z[2 * j + 1];
    const double rj = pre > 0.0 ? r[j] : 0.0;
    gu += pre * rj;
    g1 += rj * z[2 * j];
    g2 += rj * z[2 * j + 1];
  }
  g[0] = gu;
  g[1] = g1;
  g[2] = g2;
}

/* Particles per block of the prediction sweep (3 doubles each stay in L2). */
enum { PREDICT_BLOCK = 8192 };

/* dz = 2: f_j = sum_i w_i u_i relu(v_i . z_j) over the local particles, in
 * blocks of particles (fixed order, so the result does not depend on the
 * thread count), each block vectorised over particles for every z_j. */
static void predict2(specot_relu_shard *s, const double *x) {
  const size_t n = s->n, nd = s->nd;
  double *su = s->soa, *s1 = su + n, *s2 = s1 + n;
  for (size_t i = 0; i < n; ++i) {
    su[i] = s->w[i] * x[3 * i];
    s1[i] = x[3 * i + 1];
    s2[i] = x[3 * i + 2];
  }
  memset(s->f, 0, nd * sizeof(double));
  for (size_t i0 = 0; i0 < n; i0 += PREDICT_BLOCK) {
    const size_t i1 = i0 + PREDICT_BLOCK < n ? i0 + PREDICT_BLOCK : n;
#pragma omp parallel for schedule(static) if ((i1 - i0) * nd >= 65536)
    for (size_t j = 0; j < nd; ++j) {
      s->f[j] += relu_sum(su, s1, s2, i0, i1, s->z[2 * j], s->z[2 * j + 1]);
    }
  }
}

/* Forces g_u = mean_j relu(v.z_j) r_j, g_v = u mean_j [v.z_j > 0] r_j z_j
 * (r = f - y in s->f), and the local S = sum_i w_i g_i g_i^T into s->S. */
static void forces(specot_relu_shard *s, const double *x) {
  const size_t nd = s->nd, dz = s->dz, d = s->d;
  const double inv = 1.0 / (double)nd;
#pragma omp parallel for schedule(static) if (s->n * nd >= 65536)
  for (size_t i = 0; i < s->n; ++i) {
    const double *xi = x + i * d;
    double *gi = s->g + i * d;
    if (dz == 2) { /* the protocol's case: branch-free, vectorised over the data */
      double gg[3];
      force2(s->z, s->f, nd, xi[1], xi[2], gg);
      gi[0] = gg[0] * inv;
      gi[1] = gg[1] * xi[0] * inv;
      gi[2] = gg[2] * xi[0] * inv;
      continue;
    }
    for (size_t k = 0; k < d; ++k) gi[k] = 0.0;
    for (size_t j = 0; j < nd; ++j) {
      const double *zj = s->z + j * dz;
      double pre = 0.0;
      for (size_t k = 0; k < dz; ++k) pre += xi[1 + k] * zj[k];
      if (!(pre > 0.0)) continue;
      const double r = s->f[j];
      gi[0] += pre * r;
      for (size_t k = 0; k < dz; ++k) gi[1 + k] += r * zj[k];
    }
    gi[0] *= inv;
    for (size_t k = 0; k < dz; ++k) gi[1 + k] *= xi[0] * inv;
  }
  double *S = s->f + nd;
  memset(S, 0, d * d * sizeof(double));
  for (size_t i = 0; i < s->n; ++i) {
    const double *gi = s->g + i * d;
    for (size_t a = 0; a < d; ++a)
      for (size_t b = 0; b < d; ++b) S[a * d + b] += s->w[i] * gi[a] * gi[b];
  }
}

/* M = -||S^{1/2}||_{S_q}^{2-q} S^{(q-2)/2} (pseudo-inverse on the kernel). */
static int velocity_map(specot_relu_shard *s, double p) {
  const size_t d = s->d;
  memcpy(s->S, s->f + s->nd, d * d * sizeof(double));
  if (LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)d, s->S, (lapack_int)d, s->lam))
    return -1;
  const double q = isinf(p) ? 1.0 : 2.0 * p / (2.0 * p - 1.0);
  const double smax = sqrt(fmax(s->lam[d - 1], 0.0));
  const double cut = DBL_EPSILON * (double)(s->N > d ? s->N : d) * smax;
  double norm = 0.0;
  for (size_t k = 0; k < d; ++k) {
    const double sig = sqrt(fmax(s->lam[k], 0.0));
    if (sig > cut) norm += pow(sig, q);
  }
  const double c = norm > 0.0 ? pow(norm, (2.0 - q) / q) : 0.0;
  memset(s->M, 0, d * d * sizeof(double));
  for (size_t k = 0; k < d; ++k) {
    const double sig = sqrt(fmax(s->lam[k], 0.0));
    if (!(sig > cut)) continue;
    const double e = -c * pow(sig, q - 2.0); /* lambda^{(q-2)/2} */
    for (size_t a = 0; a < d; ++a)
      for (size_t b = 0; b < d; ++b) s->M[a * d + b] += e * s->S[a * d + k] * s->S[b * d + k];
  }
  return 0;
}

specot_status specot_relu_shard_step(specot_ctx *ctx, specot_relu_shard *s, double p, double dt,
                                     double *x, double *energy) {
  specot__ctx_reset(ctx);
  if (!s || !x)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "relu shard: s and x must be non-NULL");
  if (!(p >= 1.0) || !(dt > 0.0) || !isfinite(dt))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "relu shard: need p >= 1 (p = %g) and dt > 0 "
                        "finite (dt = %g)",
                        p, dt);
  const size_t nd = s->nd, d = s->d, n = s->n;
  if (s->dz == 2) {
    predict2(s, x);
  } else {
    const specot_status st = specot_flow_relu_predict(ctx, x, s->w, n, s->dz, s->z, nd, s->f);
    if (st) return st;
  }
  if (reduce(s, s->f, nd))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "relu shard: prediction allreduce failed");
  double e = 0.0;
  for (size_t j = 0; j < nd; ++j) {
    s->f[j] -= s->y[j];
    e += s->f[j] * s->f[j];
  }
  e *= 0.5 / (double)nd;
  forces(s, x);
  if (reduce(s, s->f + nd, d * d))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "relu shard: moment allreduce failed");
  if (!isfinite(e) || velocity_map(s, p))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "relu shard: non-finite energy or moment");
  for (size_t i = 0; i < n; ++i) {
    const double *gi = s->g + i * d;
    for (size_t a = 0; a < d; ++a) {
      double v = 0.0;
      for (size_t b = 0; b < d; ++b) v += s->M[a * d + b] * gi[b];
      s->dx[i * d + a] = x[i * d + a] + dt * v;
    }
  }
  if (!specot__all_finite(s->dx, n * d))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "relu shard: non-finite particles");
  memcpy(x, s->dx, n * d * sizeof(double));
  if (energy) *energy = e;
  return SPECOT_OK;
}
