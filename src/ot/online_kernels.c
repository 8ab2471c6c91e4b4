/*
 * Row kernels of the matrix-free (online) Sinkhorn solver.
 *
 * A tile row is z_j = QT[d][j] + sum_{k<d} x_k QT[k][j] (QT: (d+1) rows of
 * length ld, the scaled column points and the column constants), followed
 * by max / shifted exp reductions.  The AVX2 path uses FMA and SLEEF's
 * Sleef_expd4_u10avx2 (1.0 ULP), chosen at run time (simd = 1 only when the
 * CPU has AVX2+FMA, see specot__ot_simd_active); otherwise plain C and libm.
 */
#include <math.h>

#include "online_internal.h"

static double zrow_scalar(const double *x, size_t d, const double *QT, size_t ld, size_t len,
                          double *z) {
  double mx = -INFINITY;
  for (size_t j = 0; j < len; ++j) {
    double v = QT[d * ld + j];
    for (size_t k = 0; k < d; ++k) v += x[k] * QT[k * ld + j];
    z[j] = v;
    mx = v > mx ? v : mx;
  }
  return mx;
}

static double expsum_scalar(const double *z, size_t len, double shift, double *out) {
  double s0 = 0.0, s1 = 0.0;
  size_t j = 0;
  for (; j + 2 <= len; j += 2) {
    const double e0 = exp(z[j] - shift), e1 = exp(z[j + 1] - shift);
    if (out) {
      out[j] = e0;
      out[j + 1] = e1;
    }
    s0 += e0;
    s1 += e1;
  }
  for (; j < len; ++j) {
    const double e = exp(z[j] - shift);
    if (out) out[j] = e;
    s0 += e;
  }
  return s0 + s1;
}

static double maxadd_scalar(const double *z, const double *v, size_t len) {
  double mx = -INFINITY;
  for (size_t j = 0; j < len; ++j) {
    const double t = z[j] + v[j];
    mx = t > mx ? t : mx;
  }
  return mx;
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SPECOT_ONL_HAVE_AVX2 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>
#include <sleef.h>

static double hmax(__m256d v) {
  double l[4];
  _mm256_storeu_pd(l, v);
  const double a = l[0] > l[1] ? l[0] : l[1], b = l[2] > l[3] ? l[2] : l[3];
  return a > b ? a : b;
}

static double hsum(__m256d v) {
  double l[4];
  _mm256_storeu_pd(l, v);
  return (l[0] + l[1]) + (l[2] + l[3]);
}

static double zrow_avx2(const double *x, size_t d, const double *QT, size_t ld, size_t len,
                        double *z) {
  __m256d vm = _mm256_set1_pd(-INFINITY);
  size_t j = 0;
  if (d == 3) { /* the common case, unrolled */
    const __m256d x0 = _mm256_set1_pd(x[0]), x1 = _mm256_set1_pd(x[1]), x2 = _mm256_set1_pd(x[2]);
    for (; j + 4 <= len; j += 4) {
      __m256d v = _mm256_loadu_pd(QT + 3 * ld + j);
      v = _mm256_fmadd_pd(x0, _mm256_loadu_pd(QT + j), v);
      v = _mm256_fmadd_pd(x1, _mm256_loadu_pd(QT + ld + j), v);
      v = _mm256_fmadd_pd(x2, _mm256_loadu_pd(QT + 2 * ld + j), v);
      _mm256_storeu_pd(z + j, v);
      vm = _mm256_max_pd(vm, v);
    }
  } else {
    for (; j + 4 <= len; j += 4) {
      __m256d v = _mm256_loadu_pd(QT + d * ld + j);
      for (size_t k = 0; k < d; ++k)
        v = _mm256_fmadd_pd(_mm256_set1_pd(x[k]), _mm256_loadu_pd(QT + k * ld + j), v);
      _mm256_storeu_pd(z + j, v);
      vm = _mm256_max_pd(vm, v);
    }
  }
  double mx = hmax(vm);
  for (; j < len; ++j) {
    double v = QT[d * ld + j];
    for (size_t k = 0; k < d; ++k) v = fma(x[k], QT[k * ld + j], v);
    z[j] = v;
    mx = v > mx ? v : mx;
  }
  return mx;
}

static double expsum_avx2(const double *z, size_t len, double shift, double *out) {
  const __m256d sh = _mm256_set1_pd(shift);
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
  size_t j = 0;
  for (; j + 8 <= len; j += 8) {
    const __m256d e0 = Sleef_expd4_u10avx2(_mm256_sub_pd(_mm256_loadu_pd(z + j), sh));
    const __m256d e1 = Sleef_expd4_u10avx2(_mm256_sub_pd(_mm256_loadu_pd(z + j + 4), sh));
    if (out) {
      _mm256_storeu_pd(out + j, e0);
      _mm256_storeu_pd(out + j + 4, e1);
    }
    a0 = _mm256_add_pd(a0, e0);
    a1 = _mm256_add_pd(a1, e1);
  }
  double s = hsum(_mm256_add_pd(a0, a1));
  for (; j < len; ++j) {
    const double e = exp(z[j] - shift);
    if (out) out[j] = e;
    s += e;
  }
  return s;
}

static double maxadd_avx2(const double *z, const double *v, size_t len) {
  __m256d vm = _mm256_set1_pd(-INFINITY);
  size_t j = 0;
  for (; j + 4 <= len; j += 4)
    vm = _mm256_max_pd(vm, _mm256_add_pd(_mm256_loadu_pd(z + j), _mm256_loadu_pd(v + j)));
  double mx = hmax(vm);
  for (; j < len; ++j) {
    const double t = z[j] + v[j];
    mx = t > mx ? t : mx;
  }
  return mx;
}
#pragma GCC pop_options
#endif

double specot__onl_zrow(const double *x, size_t d, const double *QT, size_t ld, size_t len,
                        double *z, int simd) {
#ifdef SPECOT_ONL_HAVE_AVX2
  if (simd) return zrow_avx2(x, d, QT, ld, len, z);
#else
  (void)simd;
#endif
  return zrow_scalar(x, d, QT, ld, len, z);
}

double specot__onl_expsum(const double *z, size_t len, double shift, double *out, int simd) {
#ifdef SPECOT_ONL_HAVE_AVX2
  if (simd) return expsum_avx2(z, len, shift, out);
#else
  (void)simd;
#endif
  return expsum_scalar(z, len, shift, out);
}

double specot__onl_maxadd(const double *z, const double *v, size_t len, int simd) {
#ifdef SPECOT_ONL_HAVE_AVX2
  if (simd) return maxadd_avx2(z, v, len);
#else
  (void)simd;
#endif
  return maxadd_scalar(z, v, len);
}
