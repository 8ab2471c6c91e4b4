/* Private helpers of the OT module (validation, memory budget, soft-min kernels). */
#ifndef SPECOT_OT_INTERNAL_H
#define SPECOT_OT_INTERNAL_H

#include <stddef.h>

#include "internal.h"
#include "specot/ot.h"

/* Checks a weight vector (NULL = uniform 1/len): finite and >= 0 with a
 * positive total; `name` is "a" or "b".  Writes the total. */
specot_status specot__ot_check_weights(specot_ctx *ctx, const char *name, const double *w,
                                       size_t len, double *total);

/* Checks both weight vectors and that their totals agree to rtol (relative). */
specot_status specot__ot_check_masses(specot_ctx *ctx, const double *a, size_t n, const double *b,
                                      size_t m, double rtol, double *total_a, double *total_b);

/* Weight i of w (NULL = uniform 1/len). */
static inline double specot__ot_weight(const double *w, size_t len, size_t i) {
  return w ? w[i] : 1.0 / (double)len;
}

/* Fails with ERR_TOO_LARGE (message with the bytes) when `bytes` exceeds the
 * budget (0 = physical memory). */
specot_status specot__ot_check_memory(specot_ctx *ctx, const char *what, size_t bytes,
                                      size_t budget);

/* Computes sizes n*m*elem + extra in bytes with overflow checks. */
specot_status specot__ot_bytes(specot_ctx *ctx, const char *what, size_t n, size_t m,
                               size_t per_entry, size_t extra, size_t *bytes);

/* Transformed points: out (len x r) = pts (len x d) L^T; L NULL = copy (r = d). */
void specot__ot_transform(const double *pts, size_t len, size_t d, const double *L, size_t r,
                          double *out);

/* C_ij = scale * |xt_i - yt_j|^2 (xt: n x r, yt: m x r), row-major n x m. */
void specot__ot_sqdist(const double *xt, size_t n, const double *yt, size_t m, size_t r,
                       double scale, double *C);

/* Vectorised kernels (SLEEF AVX2 when simd = 1, libm otherwise). */
/* -eps log sum_k exp((h_k - c_k)/eps), max-shifted (+inf if every h_k = -inf). */
double specot__ot_smin(const double *c, const double *h, size_t len, double eps, double inv_eps,
                       int simd);
/* out_k = exp((h_k + hrow - c_k) * inv_eps). */
void specot__ot_exp_row(const double *c, const double *h, double hrow, size_t len,
                        double inv_eps, double *out, int simd);
/* sum_k += exp((hrow - c_k - mx_k) * inv_eps). */
void specot__ot_accum_exp(const double *c, const double *mx, double hrow, size_t len,
                          double inv_eps, double *sum, int simd);
/* sum_k x_k y_k and y += alpha x (AVX2+FMA when simd = 1). */
double specot__ot_dot(const double *x, const double *y, size_t len, int simd);
void specot__ot_axpy(double alpha, const double *x, double *y, size_t len, int simd);
/* y += u0 k_0 + u1 k_1 + u2 k_2 + u3 k_3 (rows k_q = k + q ld), left to right. */
void specot__ot_axpy4(const double *u, const double *k, size_t ld, double *y, size_t len,
                      int simd);
/* One row of the Sinkhorn plan pi_j = u k_j v_j (written to out unless NULL):
 * sums[0] = sum_j pi_j c_j, sums[1] = sum_j pi_j, sums[2] = sum_j pi_j g0_j;
 * returns min_j (c_j - gz_j). */
double specot__ot_plan_row(const double *k, const double *v, const double *c, const double *g0,
                           const double *gz, double u, size_t len, double *out, double *sums,
                           int simd);
/* 1 when every c_k is finite (then *lo = min, *hi = max), else 0; one pass. */
int specot__ot_finite_range(const double *c, size_t len, double *lo, double *hi);
/* 1 when the CPU supports the AVX2 SLEEF path. */
int specot__ot_simd_active(void);

/* Test hooks (not exported): force the scalar kernels (simd = 0) or allow
 * the AVX2 ones again (simd = 1, used only when the CPU has them) on one
 * workspace.  No global state: the choice lives in the workspace. */
void specot__ot_sinkhorn_ws_set_simd(specot_ot_sinkhorn_ws *ws, int simd);
void specot__ot_emd_ws_set_simd(specot_ot_emd_ws *ws, int simd);

#endif
