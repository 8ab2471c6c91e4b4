/*
 * Euclidean Hopfield baselines (spec shk_dp_memory.md sec. 6; Ramsauer et
 * al. 2020): a cloud is flattened to vec(X) (RAW order or lexicographically
 * SORTED points) and updated by xi <- Xi softmax(l), with the logits
 *   DOT:  l_k = beta_H <Xi_k, xi>,
 *   DIST: l_k = -(beta_H/2) |xi - Xi_k|^2.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "specot/memory.h"

/* Lexicographic comparison of two points of length d. */
static int lex_less(const double *x, const double *y, size_t d) {
  for (size_t c = 0; c < d; ++c) {
    if (x[c] < y[c]) return 1;
    if (x[c] > y[c]) return 0;
  }
  return 0;
}

specot_status specot_hopfield_flatten(specot_ctx *ctx, size_t n, size_t d, const double *X,
                                      specot_hopfield_order order, double *xi) {
  specot__ctx_reset(ctx);
  if (!X || !xi) return specot__fail(ctx, SPECOT_ERR_INVALID, "hopfield: X and xi must be non-NULL");
  if (n == 0 || d == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "hopfield: sizes n = %zu, d = %zu must be > 0", n,
                        d);
  if (order != SPECOT_HOPFIELD_RAW && order != SPECOT_HOPFIELD_SORTED)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "hopfield: unknown order %d", (int)order);
  if (!specot__all_finite(X, n * d))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "hopfield: the points must be finite");
  memcpy(xi, X, n * d * sizeof(double));
  if (order == SPECOT_HOPFIELD_RAW) return SPECOT_OK;
  /* Stable insertion sort of whole points (n is a cloud size, small). */
  double *tmp = specot__alloc_doubles(d);
  if (!tmp) return specot__fail(ctx, SPECOT_ERR_NOMEM, "hopfield: out of memory");
  for (size_t i = 1; i < n; ++i) {
    memcpy(tmp, xi + i * d, d * sizeof(double));
    size_t j = i;
    while (j > 0 && lex_less(tmp, xi + (j - 1) * d, d)) {
      memcpy(xi + j * d, xi + (j - 1) * d, d * sizeof(double));
      --j;
    }
    memcpy(xi + j * d, tmp, d * sizeof(double));
  }
  specot__free(tmp);
  return SPECOT_OK;
}

/* p = softmax of the logits of xi against every stored vector. */
static void logits_softmax(const double *Xi, size_t K, size_t D, double beta,
                           specot_hopfield_mode mode, const double *xi, double *p) {
  double mx = -INFINITY;
  for (size_t k = 0; k < K; ++k) {
    const double *row = Xi + k * D;
    double s = 0.0;
    if (mode == SPECOT_HOPFIELD_DOT) {
      for (size_t c = 0; c < D; ++c) s += row[c] * xi[c];
      s *= beta;
    } else {
      for (size_t c = 0; c < D; ++c) s += (xi[c] - row[c]) * (xi[c] - row[c]);
      s *= -0.5 * beta;
    }
    p[k] = s;
    if (s > mx) mx = s;
  }
  double z = 0.0;
  for (size_t k = 0; k < K; ++k) {
    p[k] = exp(p[k] - mx);
    z += p[k];
  }
  for (size_t k = 0; k < K; ++k) p[k] /= z;
}

specot_status specot_hopfield_retrieve(specot_ctx *ctx, const double *Xi, size_t K, size_t D,
                                       double beta_H, specot_hopfield_mode mode, size_t max_iter,
                                       double tol, double *xi, double *p, size_t *index,
                                       size_t *iters) {
  specot__ctx_reset(ctx);
  if (!Xi || !xi)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "hopfield: Xi and xi must be non-NULL");
  if (K == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "hopfield: empty memory (K = 0)");
  if (D == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "hopfield: D must be > 0");
  if (!(beta_H > 0.0) || !isfinite(beta_H))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "hopfield: beta_H = %g must be finite and > 0",
                        beta_H);
  if (mode != SPECOT_HOPFIELD_DOT && mode != SPECOT_HOPFIELD_DIST)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "hopfield: unknown mode %d", (int)mode);
  if (max_iter == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "hopfield: max_iter must be >= 1");
  if (!(tol >= 0.0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "hopfield: tol = %g must be >= 0", tol);
  if (K > SIZE_MAX / D) return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "hopfield: K D overflows");
  if (!specot__all_finite(Xi, K * D) || !specot__all_finite(xi, D))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "hopfield: patterns and query must be finite");
  double *prob = specot__alloc_doubles(K), *next = specot__alloc_doubles(D);
  if (!prob || !next) {
    specot__free(prob);
    specot__free(next);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "hopfield: out of memory");
  }
  size_t it = 0;
  double move = INFINITY;
  while (it < max_iter && move > tol) {
    logits_softmax(Xi, K, D, beta_H, mode, xi, prob);
    memset(next, 0, D * sizeof(double));
    for (size_t k = 0; k < K; ++k)
      for (size_t c = 0; c < D; ++c) next[c] += prob[k] * Xi[k * D + c];
    move = 0.0;
    for (size_t c = 0; c < D; ++c) {
      const double dm = fabs(next[c] - xi[c]);
      move = dm > move ? dm : move;
      xi[c] = next[c];
    }
    ++it;
  }
  size_t best = 0;
  for (size_t k = 1; k < K; ++k)
    if (prob[k] > prob[best]) best = k;
  if (p) memcpy(p, prob, K * sizeof(double));
  if (index) *index = best;
  if (iters) *iters = it;
  specot__free(prob);
  specot__free(next);
  if (move > tol && max_iter > 1)
    return specot__fail(ctx, SPECOT_WARN_MAXITER,
                        "hopfield: max_iter = %zu reached (last move %.3g > tol %.3g)", max_iter,
                        move, tol);
  return SPECOT_OK;
}
