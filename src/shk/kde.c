/*
 * Tiled log-domain Gaussian KDE of the SHK sampler (spec shk_dp_memory.md 2.2, 2.5).
 *
 *   lse_i = logsumexp_j(-c |x_i - x_j|^2),  c = 1/(2h^2),
 *
 * by SHK_TILE x SHK_TILE tiles with a running (max, sum) per row, so memory is
 * O(N) plus one tile per thread.  d <= 3: direct differences; d >= 4:
 * |x_i|^2 + |x_j|^2 - 2 x_i.x_j with the dot products from cblas_dgemm, clamped
 * at 0 (the diagonal is set to exactly 0).  exp is SLEEF's 1-ULP AVX-512 or
 * AVX2 kernel when the CPU has AVX-512F or AVX2+FMA (chosen at run time), else libm.
 */
#include <cblas.h>
#include <math.h>
#include <omp.h>

#include "shk_internal.h"

static double sum_exp_scalar(const double *a, size_t len, double shift) {
  double s = 0.0;
  for (size_t k = 0; k < len; ++k) s += exp(a[k] - shift);
  return s;
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SHK_HAVE_AVX2 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>
#include <sleef.h>

static double sum_exp_avx2(const double *a, size_t len, double shift) {
  const __m256d vs = _mm256_set1_pd(shift);
  __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
  size_t k = 0;
  for (; k + 8 <= len; k += 8) {
    acc0 = _mm256_add_pd(acc0, Sleef_expd4_u10avx2(_mm256_sub_pd(_mm256_loadu_pd(a + k), vs)));
    acc1 = _mm256_add_pd(acc1, Sleef_expd4_u10avx2(_mm256_sub_pd(_mm256_loadu_pd(a + k + 4), vs)));
  }
  double lanes[4];
  _mm256_storeu_pd(lanes, _mm256_add_pd(acc0, acc1));
  double s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; k < len; ++k) s += exp(a[k] - shift);
  return s;
}

/* sum_j exp(-c |x - y_j|^2) over a column tile in SoA layout cols[k * tj + j], d <= 3. */
static double row_sum_soa_avx2(const double *x, const double *cols, size_t tj, size_t d, double c) {
  const __m256d vc = _mm256_set1_pd(-c);
  __m256d acc = _mm256_setzero_pd();
  size_t j = 0;
  for (; j + 4 <= tj; j += 4) {
    __m256d r2 = _mm256_setzero_pd();
    for (size_t k = 0; k < d; ++k) {
      const __m256d diff = _mm256_sub_pd(_mm256_loadu_pd(cols + k * tj + j), _mm256_set1_pd(x[k]));
      r2 = _mm256_fmadd_pd(diff, diff, r2);
    }
    acc = _mm256_add_pd(acc, Sleef_expd4_u10avx2(_mm256_mul_pd(vc, r2)));
  }
  double lanes[4];
  _mm256_storeu_pd(lanes, acc);
  double s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; j < tj; ++j) {
    double r2 = 0.0;
    for (size_t k = 0; k < d; ++k) r2 += (cols[k * tj + j] - x[k]) * (cols[k * tj + j] - x[k]);
    s += exp(-c * r2);
  }
  return s;
}

/* sum_j exp(-c max(0, ni + nj_j - 2 g_j)) over a row of the Gram tile (d >= 4). */
static double row_sum_gram_avx2(const double *g, const double *nj, double ni, size_t tj, double c) {
  const __m256d vc = _mm256_set1_pd(-c), vni = _mm256_set1_pd(ni), zero = _mm256_setzero_pd();
  const __m256d two = _mm256_set1_pd(2.0);
  __m256d acc = _mm256_setzero_pd();
  size_t j = 0;
  for (; j + 4 <= tj; j += 4) {
    const __m256d r2 =
        _mm256_fnmadd_pd(two, _mm256_loadu_pd(g + j), _mm256_add_pd(vni, _mm256_loadu_pd(nj + j)));
    acc = _mm256_add_pd(acc, Sleef_expd4_u10avx2(_mm256_mul_pd(vc, _mm256_max_pd(r2, zero))));
  }
  double lanes[4];
  _mm256_storeu_pd(lanes, acc);
  double s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; j < tj; ++j) {
    const double r2 = ni + nj[j] - 2.0 * g[j];
    s += exp(-c * (r2 > 0.0 ? r2 : 0.0));
  }
  return s;
}
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma,avx512f")
/* sleef.h declares the AVX-512 entry only when compiled with -mavx512f. */
__m512d Sleef_expd8_u10avx512f(__m512d a);

/* The AVX-512 twins of the two kernels above (8 lanes, SLEEF's 1-ULP expd8). */
static double sum_exp_avx512(const double *a, size_t len, double shift) {
  const __m512d vs = _mm512_set1_pd(shift);
  __m512d acc = _mm512_setzero_pd();
  size_t k = 0;
  for (; k + 8 <= len; k += 8)
    acc = _mm512_add_pd(acc, Sleef_expd8_u10avx512f(_mm512_sub_pd(_mm512_loadu_pd(a + k), vs)));
  double s = _mm512_reduce_add_pd(acc);
  for (; k < len; ++k) s += exp(a[k] - shift);
  return s;
}

static double row_sum_soa_avx512(const double *x, const double *cols, size_t tj, size_t d,
                                 double c) {
  const __m512d vc = _mm512_set1_pd(-c);
  __m512d acc = _mm512_setzero_pd();
  size_t j = 0;
  for (; j + 8 <= tj; j += 8) {
    __m512d r2 = _mm512_setzero_pd();
    for (size_t k = 0; k < d; ++k) {
      const __m512d diff = _mm512_sub_pd(_mm512_loadu_pd(cols + k * tj + j), _mm512_set1_pd(x[k]));
      r2 = _mm512_fmadd_pd(diff, diff, r2);
    }
    acc = _mm512_add_pd(acc, Sleef_expd8_u10avx512f(_mm512_mul_pd(vc, r2)));
  }
  double s = _mm512_reduce_add_pd(acc);
  for (; j < tj; ++j) {
    double r2 = 0.0;
    for (size_t k = 0; k < d; ++k) r2 += (cols[k * tj + j] - x[k]) * (cols[k * tj + j] - x[k]);
    s += exp(-c * r2);
  }
  return s;
}
static double row_sum_gram_avx512(const double *g, const double *nj, double ni, size_t tj,
                                  double c) {
  const __m512d vc = _mm512_set1_pd(-c), vni = _mm512_set1_pd(ni), zero = _mm512_setzero_pd();
  const __m512d two = _mm512_set1_pd(2.0);
  __m512d acc = _mm512_setzero_pd();
  size_t j = 0;
  for (; j + 8 <= tj; j += 8) {
    const __m512d r2 =
        _mm512_fnmadd_pd(two, _mm512_loadu_pd(g + j), _mm512_add_pd(vni, _mm512_loadu_pd(nj + j)));
    acc = _mm512_add_pd(acc, Sleef_expd8_u10avx512f(_mm512_mul_pd(vc, _mm512_max_pd(r2, zero))));
  }
  double s = _mm512_reduce_add_pd(acc);
  for (; j < tj; ++j) {
    const double r2 = ni + nj[j] - 2.0 * g[j];
    s += exp(-c * (r2 > 0.0 ? r2 : 0.0));
  }
  return s;
}
#pragma GCC pop_options
#endif

static double row_sum_soa_scalar(const double *x, const double *cols, size_t tj, size_t d,
                                 double c) {
  double s = 0.0;
  for (size_t j = 0; j < tj; ++j) {
    double r2 = 0.0;
    for (size_t k = 0; k < d; ++k) r2 += (cols[k * tj + j] - x[k]) * (cols[k * tj + j] - x[k]);
    s += exp(-c * r2);
  }
  return s;
}

static double row_sum_gram(const double *g, const double *nj, double ni, size_t tj, double c,
                           int simd) {
#ifdef SHK_HAVE_AVX2
  if (simd == 2) return row_sum_gram_avx512(g, nj, ni, tj, c);
  if (simd) return row_sum_gram_avx2(g, nj, ni, tj, c);
#else
  (void)simd;
#endif
  double s = 0.0;
  for (size_t j = 0; j < tj; ++j) {
    const double r2 = ni + nj[j] - 2.0 * g[j];
    s += exp(-c * (r2 > 0.0 ? r2 : 0.0));
  }
  return s;
}

/* sum_j exp(-c r2_ij) with the self term included: every exponent is <= 0 and the
 * self term contributes exactly 1, so no max shift is needed (no underflow of the sum). */
static double row_sum_soa(const double *x, const double *cols, size_t tj, size_t d, double c,
                          int simd) {
#ifdef SHK_HAVE_AVX2
  if (simd == 2) return row_sum_soa_avx512(x, cols, tj, d, c);
  if (simd) return row_sum_soa_avx2(x, cols, tj, d, c);
#else
  (void)simd;
#endif
  return row_sum_soa_scalar(x, cols, tj, d, c);
}

int specot__shk_simd_available(void) {
#ifdef SHK_HAVE_AVX2
  if (__builtin_cpu_supports("avx512f")) return 2;
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

double specot__shk_sum_exp(const double *a, size_t len, double shift, int simd) {
#ifdef SHK_HAVE_AVX2
  if (simd == 2) return sum_exp_avx512(a, len, shift);
  if (simd) return sum_exp_avx2(a, len, shift);
#else
  (void)simd;
#endif
  return sum_exp_scalar(a, len, shift);
}

/* Folds the exponents a[0..len) into row i's running (max m, sum s). */
static void lse_update(double *m, double *s, const double *a, size_t len, int simd) {
  double mx = -INFINITY;
  for (size_t k = 0; k < len; ++k) mx = a[k] > mx ? a[k] : mx;
  if (!(mx > -INFINITY)) return;
  if (mx > *m) {
    *s = *m > -INFINITY ? *s * exp(*m - mx) : 0.0;
    *m = mx;
  }
  *s += specot__shk_sum_exp(a, len, *m, simd);
}

/* Exponents of row i against columns [j0, j1) by direct differences. */
static void row_direct(const double *X, size_t d, size_t i, size_t j0, size_t j1, double c,
                       int self_term, double *a) {
  const double *xi = X + i * d;
  for (size_t j = j0; j < j1; ++j) {
    const double *xj = X + j * d;
    double r2 = 0.0;
    for (size_t k = 0; k < d; ++k) r2 += (xi[k] - xj[k]) * (xi[k] - xj[k]);
    a[j - j0] = -c * r2;
  }
  if (i >= j0 && i < j1) a[i - j0] = self_term ? 0.0 : -INFINITY;
}

/* One row tile [i0, i1) against every column tile. */
static void kde_row_tile(const specot_shk_ws *ws, const double *X, size_t i0, size_t i1, double c,
                         int self_term, double *tile, double *m, double *s) {
  const size_t N = ws->N, d = ws->d;
  for (size_t i = i0; i < i1; ++i) { /* with the self term the shift is 0 throughout */
    m[i] = self_term ? 0.0 : -INFINITY;
    s[i] = 0.0;
  }
  for (size_t j0 = 0; j0 < N; j0 += SHK_TILE) {
    const size_t j1 = j0 + SHK_TILE < N ? j0 + SHK_TILE : N, tj = j1 - j0;
    if (d <= 3 && self_term) { /* hot path: SoA column tile, fused distance + exp */
      for (size_t k = 0; k < d; ++k)
        for (size_t j = j0; j < j1; ++j) tile[k * tj + (j - j0)] = X[j * d + k];
      for (size_t i = i0; i < i1; ++i) s[i] += row_sum_soa(X + i * d, tile, tj, d, c, ws->simd);
      continue;
    }
    if (d <= 3) {
      for (size_t i = i0; i < i1; ++i) {
        row_direct(X, d, i, j0, j1, c, self_term, tile);
        lse_update(&m[i], &s[i], tile, tj, ws->simd);
      }
      continue;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(i1 - i0), (int)tj, (int)d, 1.0,
                X + i0 * d, (int)d, X + j0 * d, (int)d, 0.0, tile, (int)tj);
    for (size_t i = i0; i < i1; ++i) {
      double *a = tile + (i - i0) * tj;
      if (self_term) { /* fused; g_ii = n_i makes the diagonal r2 exactly 0 */
        if (i >= j0 && i < j1) a[i - j0] = ws->norms[i];
        s[i] += row_sum_gram(a, ws->norms + j0, ws->norms[i], tj, c, ws->simd);
        continue;
      }
      for (size_t j = j0; j < j1; ++j) {
        const double r2 = ws->norms[i] + ws->norms[j] - 2.0 * a[j - j0];
        a[j - j0] = -c * (r2 > 0.0 ? r2 : 0.0);
      }
      if (i >= j0 && i < j1) a[i - j0] = -INFINITY;
      lse_update(&m[i], &s[i], a, tj, ws->simd);
    }
  }
}

void specot__shk_kde_lse(specot_shk_ws *ws, const double *X, double c, int self_term, double *out) {
  const size_t N = ws->N, d = ws->d;
  double *m = ws->lse_max;
  if (d > 3)
    for (size_t i = 0; i < N; ++i) {
      double r2 = 0.0;
      for (size_t k = 0; k < d; ++k) r2 += X[i * d + k] * X[i * d + k];
      ws->norms[i] = r2;
    }
  const size_t ntiles = (N + SHK_TILE - 1) / SHK_TILE;
  const int nth = N >= 2048 ? ws->nthreads : 1; /* below ~4e6 pairs one thread is faster */
#pragma omp parallel for schedule(dynamic) num_threads(nth)
  for (size_t t = 0; t < ntiles; ++t) {
    double *tile = ws->tiles + (size_t)omp_get_thread_num() * SHK_TILE * SHK_TILE;
    const size_t i0 = t * SHK_TILE, i1 = i0 + SHK_TILE < N ? i0 + SHK_TILE : N;
    kde_row_tile(ws, X, i0, i1, c, self_term, tile, m, out);
  }
  for (size_t i = 0; i < N; ++i) out[i] = m[i] + log(out[i]);
}
