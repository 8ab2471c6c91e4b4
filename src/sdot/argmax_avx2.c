/* Register-blocked argmax kernels for the hard cell assignment in low
 * dimension (d <= SDOT__FAST_DMAX), used by the stochastic solvers' hot loop:
 * for 4 (AVX2) or 8 (AVX-512) points at a time, v_j = h_j + sum_c x_c y_jc
 * over 4 or 8 targets per vector (FMA), keeping the running maximum and its
 * index per lane; ties go to
 * the lowest index, as in the dgemm kernel.  With d = 8 a dgemm of the
 * N x n block is bound by writing and re-reading the block (k = 8 is too
 * short for BLAS packing to pay); this kernel never stores it (about 2x
 * faster per solver step on n = 1797, d = 8; AVX-512 a further ~1.3x).  The values are the same
 * sums in the same coordinate order as a plain loop, with FMA rounding; points within a few ulps of
 * a facet may get the neighbouring cell compared with the dgemm kernel (measure zero; tested). */
#include <math.h>

#include "sdot_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SDOT__HAVE_AVX2 1
#else
#define SDOT__HAVE_AVX2 0
#endif

int sdot__fast_available(size_t d) {
#if SDOT__HAVE_AVX2
  __builtin_cpu_init();
  if (d > SDOT__FAST_DMAX) return 0;
  if (__builtin_cpu_supports("avx512f")) return 2;
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
#else
  (void)d;
  return 0;
#endif
}

void sdot__fast_prepare(const specot_sdot_problem *prob, const double *h, double *yt, double *hp,
                        size_t np) {
  const size_t n = prob->n, d = prob->d;
  for (size_t j = 0; j < np; ++j) {
    hp[j] = j < n ? h[j] : -INFINITY;
    for (size_t c = 0; c < d; ++c) yt[c * np + j] = j < n ? prob->y[j * d + c] : 0.0;
  }
}

#if SDOT__HAVE_AVX2
/* Lowest-index maximum over the 4 lanes of (value, index). */
__attribute__((target("avx2,fma"))) static void reduce_lanes(__m256d bv, __m256d bi, size_t *idx,
                                                             double *best) {
  double v[4], ix[4];
  _mm256_storeu_pd(v, bv);
  _mm256_storeu_pd(ix, bi);
  double b = v[0], ib = ix[0];
  for (int l = 1; l < 4; ++l)
    if (v[l] > b || (v[l] == b && ix[l] < ib)) b = v[l], ib = ix[l];
  *idx = (size_t)ib, *best = b;
}

/* AVX-512: 8 points x 8 targets per step, same sums and tie rule. */
__attribute__((target("avx512f"))) static void argmax_avx512(const double *X, size_t rows, size_t d,
                                                             const double *yt, const double *hp,
                                                             size_t np, size_t *idx, double *best) {
  enum { RB = 8 };
  const __m512d step = _mm512_set1_pd(8.0);
  size_t r = 0;
  for (; r + RB <= rows; r += RB) {
    __m512d b[RB], bi[RB];
    for (int q = 0; q < RB; ++q) b[q] = _mm512_set1_pd(-INFINITY), bi[q] = _mm512_setzero_pd();
    __m512d jv = _mm512_setr_pd(0, 1, 2, 3, 4, 5, 6, 7);
    for (size_t j = 0; j < np; j += 8, jv = _mm512_add_pd(jv, step)) {
      const __m512d hv = _mm512_loadu_pd(hp + j);
      __m512d a[RB];
      for (int q = 0; q < RB; ++q) a[q] = hv;
      for (size_t c = 0; c < d; ++c) {
        const __m512d yv = _mm512_loadu_pd(yt + c * np + j);
        for (int q = 0; q < RB; ++q)
          a[q] = _mm512_fmadd_pd(_mm512_set1_pd(X[(r + q) * d + c]), yv, a[q]);
      }
      for (int q = 0; q < RB; ++q) {
        const __mmask8 m = _mm512_cmp_pd_mask(a[q], b[q], _CMP_GT_OQ);
        b[q] = _mm512_mask_blend_pd(m, b[q], a[q]), bi[q] = _mm512_mask_blend_pd(m, bi[q], jv);
      }
    }
    for (int q = 0; q < RB; ++q) {
      double v[8], ix[8];
      _mm512_storeu_pd(v, b[q]);
      _mm512_storeu_pd(ix, bi[q]);
      double bb = v[0], ib = ix[0];
      for (int l = 1; l < 8; ++l)
        if (v[l] > bb || (v[l] == bb && ix[l] < ib)) bb = v[l], ib = ix[l];
      idx[r + q] = (size_t)ib, best[r + q] = bb;
    }
  }
  for (; r < rows; ++r) {
    __m512d b = _mm512_set1_pd(-INFINITY), bi = _mm512_setzero_pd();
    __m512d jv = _mm512_setr_pd(0, 1, 2, 3, 4, 5, 6, 7);
    for (size_t j = 0; j < np; j += 8, jv = _mm512_add_pd(jv, step)) {
      __m512d a = _mm512_loadu_pd(hp + j);
      for (size_t c = 0; c < d; ++c)
        a = _mm512_fmadd_pd(_mm512_set1_pd(X[r * d + c]), _mm512_loadu_pd(yt + c * np + j), a);
      const __mmask8 m = _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ);
      b = _mm512_mask_blend_pd(m, b, a), bi = _mm512_mask_blend_pd(m, bi, jv);
    }
    double v[8], ix[8];
    _mm512_storeu_pd(v, b);
    _mm512_storeu_pd(ix, bi);
    double bb = v[0], ib = ix[0];
    for (int l = 1; l < 8; ++l)
      if (v[l] > bb || (v[l] == bb && ix[l] < ib)) bb = v[l], ib = ix[l];
    idx[r] = (size_t)ib, best[r] = bb;
  }
}

__attribute__((target("avx2,fma"))) static void argmax_avx2(const double *X, size_t rows, size_t d,
                                                            const double *yt, const double *hp,
                                                            size_t np, size_t *idx, double *best) {
  const __m256d step = _mm256_set1_pd(4.0);
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const double *x0 = X + r * d, *x1 = x0 + d, *x2 = x1 + d, *x3 = x2 + d;
    __m256d b0 = _mm256_set1_pd(-INFINITY), b1 = b0, b2 = b0, b3 = b0;
    __m256d i0 = _mm256_setzero_pd(), i1 = i0, i2 = i0, i3 = i0;
    __m256d jv = _mm256_setr_pd(0.0, 1.0, 2.0, 3.0);
    for (size_t j = 0; j < np; j += 4, jv = _mm256_add_pd(jv, step)) {
      const __m256d hv = _mm256_loadu_pd(hp + j);
      __m256d a0 = hv, a1 = hv, a2 = hv, a3 = hv;
      for (size_t c = 0; c < d; ++c) {
        const __m256d yv = _mm256_loadu_pd(yt + c * np + j);
        a0 = _mm256_fmadd_pd(_mm256_set1_pd(x0[c]), yv, a0);
        a1 = _mm256_fmadd_pd(_mm256_set1_pd(x1[c]), yv, a1);
        a2 = _mm256_fmadd_pd(_mm256_set1_pd(x2[c]), yv, a2);
        a3 = _mm256_fmadd_pd(_mm256_set1_pd(x3[c]), yv, a3);
      }
      __m256d m = _mm256_cmp_pd(a0, b0, _CMP_GT_OQ);
      b0 = _mm256_blendv_pd(b0, a0, m), i0 = _mm256_blendv_pd(i0, jv, m);
      m = _mm256_cmp_pd(a1, b1, _CMP_GT_OQ);
      b1 = _mm256_blendv_pd(b1, a1, m), i1 = _mm256_blendv_pd(i1, jv, m);
      m = _mm256_cmp_pd(a2, b2, _CMP_GT_OQ);
      b2 = _mm256_blendv_pd(b2, a2, m), i2 = _mm256_blendv_pd(i2, jv, m);
      m = _mm256_cmp_pd(a3, b3, _CMP_GT_OQ);
      b3 = _mm256_blendv_pd(b3, a3, m), i3 = _mm256_blendv_pd(i3, jv, m);
    }
    reduce_lanes(b0, i0, idx + r, best + r);
    reduce_lanes(b1, i1, idx + r + 1, best + r + 1);
    reduce_lanes(b2, i2, idx + r + 2, best + r + 2);
    reduce_lanes(b3, i3, idx + r + 3, best + r + 3);
  }
  for (; r < rows; ++r) {
    const double *x = X + r * d;
    __m256d b = _mm256_set1_pd(-INFINITY), bi = _mm256_setzero_pd();
    __m256d jv = _mm256_setr_pd(0.0, 1.0, 2.0, 3.0);
    for (size_t j = 0; j < np; j += 4, jv = _mm256_add_pd(jv, step)) {
      __m256d a = _mm256_loadu_pd(hp + j);
      for (size_t c = 0; c < d; ++c)
        a = _mm256_fmadd_pd(_mm256_set1_pd(x[c]), _mm256_loadu_pd(yt + c * np + j), a);
      const __m256d m = _mm256_cmp_pd(a, b, _CMP_GT_OQ);
      b = _mm256_blendv_pd(b, a, m), bi = _mm256_blendv_pd(bi, jv, m);
    }
    reduce_lanes(b, bi, idx + r, best + r);
  }
}

void sdot__argmax_fast(int kind, const double *X, size_t rows, size_t d, const double *yt,
                       const double *hp, size_t np, size_t *idx, double *best) {
  if (kind == 2)
    argmax_avx512(X, rows, d, yt, hp, np, idx, best);
  else
    argmax_avx2(X, rows, d, yt, hp, np, idx, best);
}
#else
void sdot__argmax_fast(int kind, const double *X, size_t rows, size_t d, const double *yt,
                       const double *hp, size_t np, size_t *idx, double *best) {
  (void)kind, (void)X, (void)rows, (void)d, (void)yt, (void)hp, (void)np, (void)idx, (void)best;
}
#endif
