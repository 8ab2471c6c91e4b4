/*
 * Vectorised soft-min kernels of the log-domain Sinkhorn.
 *
 *   smin(c, h) = -eps log sum_k exp((h_k - c_k)/eps)
 *              = -(vmax + eps log sum_k exp((h_k - c_k - vmax)/eps)),
 *   vmax = max_k (h_k - c_k)   (max-shift: every exp argument is <= 0).
 *
 * The AVX2 path uses SLEEF's Sleef_expd4_u10avx2 (max error 1.0 ULP), chosen
 * at run time when the CPU has AVX2+FMA; otherwise libm exp.  Entries with
 * h_k = -inf (zero-mass atoms) contribute exp(-inf) = 0.
 */
#include <math.h>
#include <string.h>

#include "ot_internal.h"

static double smin_scalar(const double *c, const double *h, size_t len, double eps,
                          double inv_eps) {
  double vmax = -INFINITY;
  for (size_t k = 0; k < len; ++k) {
    const double v = h[k] - c[k];
    vmax = v > vmax ? v : vmax;
  }
  if (!(vmax > -INFINITY)) return INFINITY;
  double s = 0.0;
  for (size_t k = 0; k < len; ++k) s += exp((h[k] - c[k] - vmax) * inv_eps);
  return -(vmax + eps * log(s));
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SPECOT_OT_HAVE_AVX2_PATH 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>
#include <sleef.h>

static double smin_avx2(const double *c, const double *h, size_t len, double eps,
                        double inv_eps) {
  __m256d vm = _mm256_set1_pd(-INFINITY);
  size_t k = 0;
  for (; k + 4 <= len; k += 4)
    vm = _mm256_max_pd(vm, _mm256_sub_pd(_mm256_loadu_pd(h + k), _mm256_loadu_pd(c + k)));
  double lanes[4];
  _mm256_storeu_pd(lanes, vm);
  double vmax = lanes[0];
  for (int t = 1; t < 4; ++t) vmax = lanes[t] > vmax ? lanes[t] : vmax;
  for (size_t t = k; t < len; ++t) {
    const double v = h[t] - c[t];
    vmax = v > vmax ? v : vmax;
  }
  if (!(vmax > -INFINITY)) return INFINITY;
  const __m256d shift = _mm256_set1_pd(vmax), scale = _mm256_set1_pd(inv_eps);
  __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
  k = 0;
  for (; k + 8 <= len; k += 8) {
    const __m256d v0 = _mm256_sub_pd(_mm256_sub_pd(_mm256_loadu_pd(h + k), _mm256_loadu_pd(c + k)), shift);
    const __m256d v1 =
        _mm256_sub_pd(_mm256_sub_pd(_mm256_loadu_pd(h + k + 4), _mm256_loadu_pd(c + k + 4)), shift);
    acc0 = _mm256_add_pd(acc0, Sleef_expd4_u10avx2(_mm256_mul_pd(v0, scale)));
    acc1 = _mm256_add_pd(acc1, Sleef_expd4_u10avx2(_mm256_mul_pd(v1, scale)));
  }
  _mm256_storeu_pd(lanes, _mm256_add_pd(acc0, acc1));
  double s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; k < len; ++k) s += exp((h[k] - c[k] - vmax) * inv_eps);
  return -(vmax + eps * log(s));
}

/* out_k = w_k * exp((h_k - c_k) * inv_eps) (w_k may be anything finite). */
static void exp_row_avx2(const double *c, const double *h, double hrow, size_t len,
                         double inv_eps, double *out) {
  const __m256d vh = _mm256_set1_pd(hrow), scale = _mm256_set1_pd(inv_eps);
  size_t k = 0;
  for (; k + 4 <= len; k += 4) {
    const __m256d v =
        _mm256_sub_pd(_mm256_add_pd(_mm256_loadu_pd(h + k), vh), _mm256_loadu_pd(c + k));
    _mm256_storeu_pd(out + k, Sleef_expd4_u10avx2(_mm256_mul_pd(v, scale)));
  }
  for (; k < len; ++k) out[k] = exp((h[k] + hrow - c[k]) * inv_eps);
}
#pragma GCC pop_options
#endif

static int use_avx2(void) {
#ifdef SPECOT_OT_HAVE_AVX2_PATH
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

int specot__ot_simd_active(void) { return use_avx2(); }

double specot__ot_smin(const double *c, const double *h, size_t len, double eps, double inv_eps,
                       int simd) {
#ifdef SPECOT_OT_HAVE_AVX2_PATH
  if (simd) return smin_avx2(c, h, len, eps, inv_eps);
#else
  (void)simd;
#endif
  return smin_scalar(c, h, len, eps, inv_eps);
}

void specot__ot_exp_row(const double *c, const double *h, double hrow, size_t len,
                        double inv_eps, double *out, int simd) {
#ifdef SPECOT_OT_HAVE_AVX2_PATH
  if (simd) {
    exp_row_avx2(c, h, hrow, len, inv_eps, out);
    return;
  }
#else
  (void)simd;
#endif
  for (size_t k = 0; k < len; ++k) out[k] = exp((h[k] + hrow - c[k]) * inv_eps);
}

#ifdef SPECOT_OT_HAVE_AVX2_PATH
#pragma GCC push_options
#pragma GCC target("avx2,fma")
/* sum_k += exp((hrow - c_k - mx_k) * inv_eps). */
static void accum_exp_avx2(const double *c, const double *mx, double hrow, size_t len,
                           double inv_eps, double *sum) {
  const __m256d vh = _mm256_set1_pd(hrow), scale = _mm256_set1_pd(inv_eps);
  size_t k = 0;
  for (; k + 4 <= len; k += 4) {
    const __m256d v = _mm256_sub_pd(_mm256_sub_pd(vh, _mm256_loadu_pd(c + k)), _mm256_loadu_pd(mx + k));
    _mm256_storeu_pd(sum + k, _mm256_add_pd(_mm256_loadu_pd(sum + k),
                                            Sleef_expd4_u10avx2(_mm256_mul_pd(v, scale))));
  }
  for (; k < len; ++k) sum[k] += exp((hrow - c[k] - mx[k]) * inv_eps);
}
#pragma GCC pop_options
#endif

void specot__ot_accum_exp(const double *c, const double *mx, double hrow, size_t len,
                          double inv_eps, double *sum, int simd) {
#ifdef SPECOT_OT_HAVE_AVX2_PATH
  if (simd) {
    accum_exp_avx2(c, mx, hrow, len, inv_eps, sum);
    return;
  }
#else
  (void)simd;
#endif
  for (size_t k = 0; k < len; ++k) sum[k] += exp((hrow - c[k] - mx[k]) * inv_eps);
}

#ifdef SPECOT_OT_HAVE_AVX2_PATH
#pragma GCC push_options
#pragma GCC target("avx2,fma")
static double dot_avx2(const double *x, const double *y, size_t len) {
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd(), s2 = _mm256_setzero_pd(),
          s3 = _mm256_setzero_pd();
  size_t k = 0;
  for (; k + 16 <= len; k += 16) {
    s0 = _mm256_fmadd_pd(_mm256_loadu_pd(x + k), _mm256_loadu_pd(y + k), s0);
    s1 = _mm256_fmadd_pd(_mm256_loadu_pd(x + k + 4), _mm256_loadu_pd(y + k + 4), s1);
    s2 = _mm256_fmadd_pd(_mm256_loadu_pd(x + k + 8), _mm256_loadu_pd(y + k + 8), s2);
    s3 = _mm256_fmadd_pd(_mm256_loadu_pd(x + k + 12), _mm256_loadu_pd(y + k + 12), s3);
  }
  for (; k + 4 <= len; k += 4) s0 = _mm256_fmadd_pd(_mm256_loadu_pd(x + k), _mm256_loadu_pd(y + k), s0);
  double lanes[4];
  _mm256_storeu_pd(lanes, _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
  double s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; k < len; ++k) s += x[k] * y[k];
  return s;
}

static void axpy_avx2(double alpha, const double *x, double *y, size_t len) {
  const __m256d va = _mm256_set1_pd(alpha);
  size_t k = 0;
  for (; k + 8 <= len; k += 8) {
    _mm256_storeu_pd(y + k, _mm256_fmadd_pd(va, _mm256_loadu_pd(x + k), _mm256_loadu_pd(y + k)));
    _mm256_storeu_pd(y + k + 4,
                     _mm256_fmadd_pd(va, _mm256_loadu_pd(x + k + 4), _mm256_loadu_pd(y + k + 4)));
  }
  for (; k < len; ++k) y[k] += alpha * x[k];
}
#pragma GCC pop_options
#endif

double specot__ot_dot(const double *x, const double *y, size_t len, int simd) {
#ifdef SPECOT_OT_HAVE_AVX2_PATH
  if (simd) return dot_avx2(x, y, len);
#else
  (void)simd;
#endif
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  size_t k = 0;
  for (; k + 4 <= len; k += 4) {
    s0 += x[k] * y[k];
    s1 += x[k + 1] * y[k + 1];
    s2 += x[k + 2] * y[k + 2];
    s3 += x[k + 3] * y[k + 3];
  }
  for (; k < len; ++k) s0 += x[k] * y[k];
  return (s0 + s1) + (s2 + s3);
}

void specot__ot_axpy(double alpha, const double *x, double *y, size_t len, int simd) {
#ifdef SPECOT_OT_HAVE_AVX2_PATH
  if (simd) {
    axpy_avx2(alpha, x, y, len);
    return;
  }
#else
  (void)simd;
#endif
  for (size_t k = 0; k < len; ++k) y[k] += alpha * x[k];
}

/* ---- fused Sinkhorn row kernels ------------------------------------------ */

#ifdef SPECOT_OT_HAVE_AVX2_PATH
#pragma GCC push_options
#pragma GCC target("avx2,fma")
static void axpy4_avx2(const double *u, const double *k, size_t ld, double *y, size_t len) {
  const __m256d u0 = _mm256_set1_pd(u[0]), u1 = _mm256_set1_pd(u[1]), u2 = _mm256_set1_pd(u[2]),
                u3 = _mm256_set1_pd(u[3]);
  const double *k1 = k + ld, *k2 = k + 2 * ld, *k3 = k + 3 * ld;
  size_t j = 0;
  for (; j + 4 <= len; j += 4) {
    __m256d acc = _mm256_loadu_pd(y + j);
    acc = _mm256_fmadd_pd(u0, _mm256_loadu_pd(k + j), acc);
    acc = _mm256_fmadd_pd(u1, _mm256_loadu_pd(k1 + j), acc);
    acc = _mm256_fmadd_pd(u2, _mm256_loadu_pd(k2 + j), acc);
    acc = _mm256_fmadd_pd(u3, _mm256_loadu_pd(k3 + j), acc);
    _mm256_storeu_pd(y + j, acc);
  }
  for (; j < len; ++j) y[j] = (((y[j] + u[0] * k[j]) + u[1] * k1[j]) + u[2] * k2[j]) + u[3] * k3[j];
}

static double plan_row_avx2(const double *k, const double *v, const double *c, const double *g0,
                            const double *gz, double u, size_t len, double *out, double *sums) {
  const __m256d vu = _mm256_set1_pd(u);
  __m256d sc = _mm256_setzero_pd(), sm = sc, sg = sc, mn = _mm256_set1_pd(INFINITY);
  size_t j = 0;
  for (; j + 4 <= len; j += 4) {
    const __m256d w = _mm256_mul_pd(_mm256_loadu_pd(k + j), _mm256_loadu_pd(v + j));
    const __m256d cj = _mm256_loadu_pd(c + j);
    if (out) _mm256_storeu_pd(out + j, _mm256_mul_pd(vu, w));
    sc = _mm256_fmadd_pd(w, cj, sc);
    sm = _mm256_add_pd(sm, w);
    sg = _mm256_fmadd_pd(w, _mm256_loadu_pd(g0 + j), sg);
    mn = _mm256_min_pd(mn, _mm256_sub_pd(cj, _mm256_loadu_pd(gz + j)));
  }
  double lc[4], lm[4], lg[4], ln[4];
  _mm256_storeu_pd(lc, sc);
  _mm256_storeu_pd(lm, sm);
  _mm256_storeu_pd(lg, sg);
  _mm256_storeu_pd(ln, mn);
  double s_c = (lc[0] + lc[1]) + (lc[2] + lc[3]), s_m = (lm[0] + lm[1]) + (lm[2] + lm[3]);
  double s_g = (lg[0] + lg[1]) + (lg[2] + lg[3]), gc = ln[0];
  for (int t = 1; t < 4; ++t) gc = ln[t] < gc ? ln[t] : gc;
  for (; j < len; ++j) {
    const double w = k[j] * v[j];
    if (out) out[j] = u * w;
    s_c += w * c[j];
    s_m += w;
    s_g += w * g0[j];
    const double r = c[j] - gz[j];
    gc = r < gc ? r : gc;
  }
  sums[0] = u * s_c;
  sums[1] = u * s_m;
  sums[2] = u * s_g;
  return gc;
}
#pragma GCC pop_options
#endif

void specot__ot_axpy4(const double *u, const double *k, size_t ld, double *y, size_t len,
                      int simd) {
#ifdef SPECOT_OT_HAVE_AVX2_PATH
  if (simd) {
    axpy4_avx2(u, k, ld, y, len);
    return;
  }
#else
  (void)simd;
#endif
  const double *k1 = k + ld, *k2 = k + 2 * ld, *k3 = k + 3 * ld;
  for (size_t j = 0; j < len; ++j)
    y[j] = (((y[j] + u[0] * k[j]) + u[1] * k1[j]) + u[2] * k2[j]) + u[3] * k3[j];
}

double specot__ot_plan_row(const double *k, const double *v, const double *c, const double *g0,
                           const double *gz, double u, size_t len, double *out, double *sums,
                           int simd) {
#ifdef SPECOT_OT_HAVE_AVX2_PATH
  if (simd) return plan_row_avx2(k, v, c, g0, gz, u, len, out, sums);
#else
  (void)simd;
#endif
  double s_c = 0.0, s_m = 0.0, s_g = 0.0, gc = INFINITY;
  for (size_t j = 0; j < len; ++j) {
    const double w = k[j] * v[j];
    if (out) out[j] = u * w;
    s_c += w * c[j];
    s_m += w;
    s_g += w * g0[j];
    const double r = c[j] - gz[j];
    gc = r < gc ? r : gc;
  }
  sums[0] = u * s_c;
  sums[1] = u * s_m;
  sums[2] = u * s_g;
  return gc;
}

/* Finite check and range in one pass: returns 1 when every entry is
 * finite (then *lo, *hi are the min and max), 0 otherwise.  c * 0 is 0
 * for finite c and NaN for +-inf or NaN, so a NaN sum flags a bad entry. */
int specot__ot_finite_range(const double *c, size_t len, double *lo, double *hi) {
  double l0 = INFINITY, l1 = INFINITY, h0 = -INFINITY, h1 = -INFINITY, z0 = 0.0, z1 = 0.0;
  size_t k = 0;
  for (; k + 2 <= len; k += 2) {
    const double x0 = c[k], x1 = c[k + 1];
    l0 = x0 < l0 ? x0 : l0;
    l1 = x1 < l1 ? x1 : l1;
    h0 = x0 > h0 ? x0 : h0;
    h1 = x1 > h1 ? x1 : h1;
    z0 += x0 * 0.0;
    z1 += x1 * 0.0;
  }
  for (; k < len; ++k) {
    l0 = c[k] < l0 ? c[k] : l0;
    h0 = c[k] > h0 ? c[k] : h0;
    z0 += c[k] * 0.0;
  }
  *lo = l0 < l1 ? l0 : l1;
  *hi = h0 > h1 ? h0 : h1;
  return z0 + z1 == 0.0;
}
