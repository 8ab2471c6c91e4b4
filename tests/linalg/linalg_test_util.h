/* Helpers shared by the linalg tests: random matrices, products, norms. */
#ifndef SPECOT_LINALG_TEST_UTIL_H
#define SPECOT_LINALG_TEST_UTIL_H

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/linalg.h"
#include "specot/rng.h"
#include "test_support.h"

static inline double *lt_alloc(size_t len) {
  double *p = calloc(len ? len : 1, sizeof *p);
  assert_non_null(p);
  return p;
}

static inline double *lt_randn(specot_rng *rng, size_t m, size_t n) {
  double *a = lt_alloc(m * n);
  specot_rng_fill_normal(rng, a, m * n, 0.0, 1.0);
  return a;
}

/* C = A (m x k) * B (k x n). */
static inline void lt_matmul(const double *A, const double *B, size_t m,
                             size_t k, size_t n, double *C) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k,
              1.0, A, (int)k, B, (int)n, 0.0, C, (int)n);
}

static inline void lt_transpose(const double *A, size_t m, size_t n,
                                double *At) {
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j)
      At[j * m + i] = A[i * n + j];
}

static inline double lt_dot(const double *a, const double *b, size_t len) {
  double s = 0.0;
  for (size_t i = 0; i < len; ++i)
    s += a[i] * b[i];
  return s;
}

static inline double lt_fro(const double *a, size_t len) {
  return sqrt(lt_dot(a, a, len));
}

/* Random d x d orthogonal matrix (polar factor of a Gaussian matrix). */
static inline double *lt_orthogonal(specot_rng *rng, size_t d) {
  double *g = lt_randn(rng, d, d), *q = lt_alloc(d * d);
  specot_linalg_polar_opts o;
  specot_linalg_polar_opts_init(&o);
  o.method = SPECOT_LINALG_POLAR_SVD;
  assert_int_equal(specot_linalg_polar(NULL, NULL, g, d, d, &o, q, NULL),
                   SPECOT_OK);
  free(g);
  return q;
}

/* Schatten norm helper (order r >= 1). */
static inline double lt_schatten(const double *A, size_t m, size_t n,
                                 double r) {
  double v = -1.0;
  assert_int_equal(specot_linalg_schatten_norm(NULL, NULL, A, m, n, r, &v),
                   SPECOT_OK);
  return v;
}

/* Builds G = U diag(s) V^T with U (m x k), V (n x k) having orthonormal
 * columns (k = min(m, n)) taken from random orthogonal matrices; U and V are
 * returned row-major m x k and n x k. */
static inline double *lt_with_spectrum(specot_rng *rng, size_t m, size_t n,
                                       const double *s, double **Uout,
                                       double **Vout) {
  const size_t k = m < n ? m : n;
  double *Om = lt_orthogonal(rng, m), *On = lt_orthogonal(rng, n);
  double *U = lt_alloc(m * k), *V = lt_alloc(n * k), *G = lt_alloc(m * n);
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < k; ++j)
      U[i * k + j] = Om[i * m + j];
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < k; ++j)
      V[i * k + j] = On[i * n + j];
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      double acc = 0.0;
      for (size_t l = 0; l < k; ++l)
        acc += U[i * k + l] * s[l] * V[j * k + l];
      G[i * n + j] = acc;
    }
  free(Om);
  free(On);
  if (Uout)
    *Uout = U;
  else
    free(U);
  if (Vout)
    *Vout = V;
  else
    free(V);
  return G;
}

/* U diag(f) V^T for U (m x k), V (n x k). */
static inline void lt_compose(const double *U, const double *f, const double *V,
                              size_t m, size_t n, size_t k, double *out) {
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      double acc = 0.0;
      for (size_t l = 0; l < k; ++l)
        acc += U[i * k + l] * f[l] * V[j * k + l];
      out[i * n + j] = acc;
    }
}

#endif
