/*
 * Symmetric fused KDE row sums of the SHK sampler (self term included, d <= SHK_FUSED_DMAX):
 *
 *   s_i = sum_j exp(-c |x_i - x_j|^2),
 *
 * with K_ij = K_ji: only the tile pairs (I, J), J >= I, are evaluated, each exp once, by
 * direct differences on an SoA column tile (no BLAS, no cancellation).  Tile (I, J) adds its
 * row sums to s_i (J in increasing order, by the one thread that owns row tile I) and, for
 * J > I, writes its column sums to colbuf[I * N + j]; a second pass adds, for every j,
 * colbuf[I * N + j] over I < tile(j) in increasing I.  The summation order is therefore
 * fixed by N alone: the result does not depend on the thread count.  Every exponent is
 * <= 0 and the self term is 1, so no max shift is needed.
 */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "shk_internal.h"

/* Row sum of row x against columns [j0, tj) of the tile (stride tj), adding each term to
 * colacc[j] as well. */
static double pair_row_scalar(const double *x, const double *cols, size_t j0, size_t tj, size_t d,
                              double c, double *colacc) {
  double s = 0.0;
  for (size_t j = j0; j < tj; ++j) {
    double r2 = 0.0;
    for (size_t k = 0; k < d; ++k) r2 += (cols[k * tj + j] - x[k]) * (cols[k * tj + j] - x[k]);
    const double e = exp(-c * r2);
    s += e;
    colacc[j] += e;
  }
  return s;
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SHK_SYM_SIMD 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>
#include <sleef.h>

static double pair_row_avx2(const double *x, const double *cols, size_t tj, size_t d, double c,
                            double *colacc) {
  const __m256d vc = _mm256_set1_pd(-c);
  __m256d acc = _mm256_setzero_pd();
  size_t j = 0;
  for (; j + 4 <= tj; j += 4) {
    __m256d r2 = _mm256_setzero_pd();
    for (size_t k = 0; k < d; ++k) {
      const __m256d diff = _mm256_sub_pd(_mm256_loadu_pd(cols + k * tj + j), _mm256_set1_pd(x[k]));
      r2 = _mm256_fmadd_pd(diff, diff, r2);
    }
    const __m256d e = Sleef_expd4_u10avx2(_mm256_mul_pd(vc, r2));
    acc = _mm256_add_pd(acc, e);
    _mm256_storeu_pd(colacc + j, _mm256_add_pd(_mm256_loadu_pd(colacc + j), e));
  }
  double lanes[4];
  _mm256_storeu_pd(lanes, acc);
  const double s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  return s + pair_row_scalar(x, cols, j, tj, d, c, colacc);
}
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma,avx512f")
__m512d Sleef_expd8_u10avx512f(__m512d a);

static double pair_row_avx512(const double *x, const double *cols, size_t tj, size_t d, double c,
                              double *colacc) {
  const __m512d vc = _mm512_set1_pd(-c);
  __m512d acc = _mm512_setzero_pd();
  size_t j = 0;
  for (; j + 8 <= tj; j += 8) {
    __m512d r2 = _mm512_setzero_pd();
    for (size_t k = 0; k < d; ++k) {
      const __m512d diff = _mm512_sub_pd(_mm512_loadu_pd(cols + k * tj + j), _mm512_set1_pd(x[k]));
      r2 = _mm512_fmadd_pd(diff, diff, r2);
    }
    const __m512d e = Sleef_expd8_u10avx512f(_mm512_mul_pd(vc, r2));
    acc = _mm512_add_pd(acc, e);
    _mm512_storeu_pd(colacc + j, _mm512_add_pd(_mm512_loadu_pd(colacc + j), e));
  }
  return _mm512_reduce_add_pd(acc) + pair_row_scalar(x, cols, j, tj, d, c, colacc);
}
#pragma GCC pop_options
#endif

static double pair_row(const double *x, const double *cols, size_t tj, size_t d, double c,
                       double *colacc, int simd) {
#ifdef SHK_SYM_SIMD
  if (simd == 2) return pair_row_avx512(x, cols, tj, d, c, colacc);
  if (simd) return pair_row_avx2(x, cols, tj, d, c, colacc);
#else
  (void)simd;
#endif
  return pair_row_scalar(x, cols, 0, tj, d, c, colacc);
}

void specot__shk_kde_sym(specot_shk_ws *ws, const double *X, double c, double *s) {
  const size_t N = ws->N, d = ws->d, ntiles = (N + SHK_TILE - 1) / SHK_TILE;
  const int nth = N >= 2048 ? ws->nthreads : 1; /* below ~4e6 pairs one thread is faster */
#pragma omp parallel for schedule(dynamic) num_threads(nth)
  for (size_t I = 0; I < ntiles; ++I) {
    double *tile = ws->tiles + (size_t)omp_get_thread_num() * SHK_TILE * SHK_TILE;
    double *scratch = tile + d * SHK_TILE; /* column sums of the diagonal tile (unused) */
    const size_t i0 = I * SHK_TILE, i1 = i0 + SHK_TILE < N ? i0 + SHK_TILE : N;
    for (size_t i = i0; i < i1; ++i) s[i] = 0.0;
    for (size_t J = I; J < ntiles; ++J) {
      const size_t j0 = J * SHK_TILE, j1 = j0 + SHK_TILE < N ? j0 + SHK_TILE : N, tj = j1 - j0;
      for (size_t k = 0; k < d; ++k)
        for (size_t j = j0; j < j1; ++j) tile[k * tj + (j - j0)] = X[j * d + k];
      double *acc = J == I ? scratch : ws->colbuf + I * N + j0;
      memset(acc, 0, tj * sizeof *acc);
      for (size_t i = i0; i < i1; ++i) s[i] += pair_row(X + i * d, tile, tj, d, c, acc, ws->simd);
    }
  }
#pragma omp parallel for schedule(static) num_threads(nth)
  for (size_t j = 0; j < N; ++j)
    for (size_t I = 0; I < j / SHK_TILE; ++I) s[j] += ws->colbuf[I * N + j];
}
