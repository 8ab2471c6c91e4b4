/* Mode-collapse / mode-mixture metrics: VEEGAN mode statistics, improved
 * precision/recall (k-NN balls), k-NN label statistics.  Squared distances
 * by the dgemm trick in row blocks. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "specot/aeot.h"

enum { BLOCK = 128 };

/* D (rows x nb) = |a_i - b_j|^2 for rows of A against all of B (norms given). */
static void sqdist(const double *A, const double *an, size_t rows, const double *B,
                   const double *bn, size_t nb, size_t dim, double *D) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)nb, (int)dim, -2.0, A,
              (int)dim, B, (int)dim, 0.0, D, (int)nb);
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < nb; ++j) {
      const double v = D[i * nb + j] + an[i] + bn[j];
      D[i * nb + j] = v > 0 ? v : 0.0;
    }
}

static double *row_norms(const double *A, size_t n, size_t dim) {
  double *r = malloc((n ? n : 1) * sizeof *r);
  for (size_t i = 0; r && i < n; ++i) {
    double s = 0.0;
    for (size_t c = 0; c < dim; ++c) s += A[i * dim + c] * A[i * dim + c];
    r[i] = s;
  }
  return r;
}

/* The m smallest values of v[0..n) into best[0..m) ascending, with indices. */
static void smallest(const double *v, size_t n, size_t m, double *best, size_t *arg) {
  size_t c = 0;
  for (size_t j = 0; j < n; ++j) {
    if (c == m && v[j] >= best[m - 1]) continue;
    size_t p = c < m ? c++ : m - 1;
    while (p > 0 && best[p - 1] > v[j]) best[p] = best[p - 1], arg[p] = arg[p - 1], --p;
    best[p] = v[j], arg[p] = j;
  }
}

specot_status specot_aeot_mode_metrics(specot_ctx *ctx, size_t N, const double *X, size_t dim,
                                       size_t nmodes, const double *centres, double sigma,
                                       specot_aeot_mode_stats *out) {
  specot__ctx_reset(ctx);
  if (!X || !centres || !out || N == 0 || nmodes == 0 || dim == 0 || !(sigma > 0))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "mode metrics: need samples, modes and sigma > 0 (N = %zu, modes = %zu)", N,
                        nmodes);
  size_t *hq = calloc(nmodes, sizeof *hq), *cnt = calloc(nmodes, sizeof *cnt), good = 0;
  if (!hq || !cnt) {
    free(hq), free(cnt);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "mode metrics: out of memory");
  }
  for (size_t i = 0; i < N; ++i) {
    double best = INFINITY;
    size_t arg = 0;
    for (size_t k = 0; k < nmodes; ++k) {
      double s = 0.0;
      for (size_t c = 0; c < dim; ++c)
        s += (X[i * dim + c] - centres[k * dim + c]) * (X[i * dim + c] - centres[k * dim + c]);
      if (s < best) best = s, arg = k;
    }
    cnt[arg]++;
    if (sqrt(best) <= 3.0 * sigma) hq[arg]++, good++;
  }
  out->modes_captured = 0, out->max_mass_error = 0.0;
  for (size_t k = 0; k < nmodes; ++k) {
    out->modes_captured += hq[k] > 0;
    out->max_mass_error =
        fmax(out->max_mass_error, fabs((double)cnt[k] * (double)nmodes / (double)N - 1.0));
  }
  out->hq_fraction = (double)good / (double)N;
  free(hq), free(cnt);
  return SPECOT_OK;
}

/* radius[i] = distance of A_i to its k-th nearest other point of A. */
static int knn_radii(const double *A, const double *an, size_t n, size_t dim, size_t k,
                     double *radius, double *D) {
  double *best = malloc((k + 1) * sizeof *best);
  size_t *arg = malloc((k + 1) * sizeof *arg);
  if (!best || !arg) return free(best), free(arg), -1;
  for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
    const size_t rows = n - i0 < BLOCK ? n - i0 : BLOCK;
    sqdist(A + i0 * dim, an + i0, rows, A, an, n, dim, D);
    for (size_t r = 0; r < rows; ++r) {
      D[r * n + i0 + r] = -1.0; /* self first, then the k others */
      smallest(D + r * n, n, k + 1, best, arg);
      radius[i0 + r] = best[k];
    }
  }
  free(best), free(arg);
  return 0;
}

/* Fraction of Q points inside some ball (P_j, radius_j) (squared radii). */
static double coverage(const double *Q, const double *qn, size_t nq, const double *P,
                       const double *pn, const double *radius, size_t np, size_t dim, double *D) {
  size_t in = 0;
  for (size_t i0 = 0; i0 < nq; i0 += BLOCK) {
    const size_t rows = nq - i0 < BLOCK ? nq - i0 : BLOCK;
    sqdist(Q + i0 * dim, qn + i0, rows, P, pn, np, dim, D);
    for (size_t r = 0; r < rows; ++r) {
      int hit = 0;
      for (size_t j = 0; j < np && !hit; ++j) hit = D[r * np + j] <= radius[j];
      in += (size_t)hit;
    }
  }
  return (double)in / (double)nq;
}

specot_status specot_aeot_precision_recall(specot_ctx *ctx, size_t nreal, const double *R,
                                           size_t ngen, const double *G, size_t dim, size_t k,
                                           double *precision, double *recall) {
  specot__ctx_reset(ctx);
  if (!R || !G || !precision || !recall || dim == 0 || k == 0 || nreal <= k || ngen <= k)
    return specot__fail(
        ctx, SPECOT_ERR_INVALID,
        "precision/recall: need more than k = %zu real (%zu) and generated (%zu) samples", k, nreal,
        ngen);
  const size_t big = nreal > ngen ? nreal : ngen;
  double *rn = row_norms(R, nreal, dim), *gn = row_norms(G, ngen, dim);
  double *rr = malloc(nreal * sizeof *rr), *rg = malloc(ngen * sizeof *rg);
  double *D = malloc((size_t)BLOCK * big * sizeof *D);
  specot_status st = SPECOT_OK;
  if (!rn || !gn || !rr || !rg || !D || knn_radii(R, rn, nreal, dim, k, rr, D) ||
      knn_radii(G, gn, ngen, dim, k, rg, D)) {
    st = specot__fail(ctx, SPECOT_ERR_NOMEM, "precision/recall: out of memory");
  } else {
    *precision = coverage(G, gn, ngen, R, rn, rr, nreal, dim, D);
    *recall = coverage(R, rn, nreal, G, gn, rg, ngen, dim, D);
  }
  free(rn), free(gn), free(rr), free(rg), free(D);
  return st;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

specot_status specot_aeot_knn_labels(specot_ctx *ctx, size_t ntrain, const double *T,
                                     const int *labels, size_t nclasses, size_t ngen,
                                     const double *G, size_t dim, size_t k, double *hist,
                                     double *ambiguous, double *median_nn, int *pred,
                                     double *share) {
  specot__ctx_reset(ctx);
  if (!T || !labels || !G || nclasses == 0 || dim == 0 || k == 0 || ntrain < k || ngen == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "knn labels: need k <= %zu training samples, classes and generated samples",
                        ntrain);
  for (size_t i = 0; i < ntrain; ++i)
    if (labels[i] < 0 || (size_t)labels[i] >= nclasses)
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "knn labels: label %d of sample %zu outside 0..%zu", labels[i], i,
                          nclasses - 1);
  double *tn = row_norms(T, ntrain, dim), *gn = row_norms(G, ngen, dim);
  double *D = malloc((size_t)BLOCK * ntrain * sizeof *D), *nn = malloc(ngen * sizeof *nn);
  double *best = malloc(k * sizeof *best), *votes = malloc(nclasses * sizeof *votes);
  size_t *arg = malloc(k * sizeof *arg), amb = 0;
  specot_status st = SPECOT_OK;
  if (!tn || !gn || !D || !nn || !best || !votes || !arg) {
    st = specot__fail(ctx, SPECOT_ERR_NOMEM, "knn labels: out of memory");
    goto done;
  }
  if (hist) memset(hist, 0, nclasses * sizeof *hist);
  for (size_t i0 = 0; i0 < ngen; i0 += BLOCK) {
    const size_t rows = ngen - i0 < BLOCK ? ngen - i0 : BLOCK;
    sqdist(G + i0 * dim, gn + i0, rows, T, tn, ntrain, dim, D);
    for (size_t r = 0; r < rows; ++r) {
      smallest(D + r * ntrain, ntrain, k, best, arg);
      memset(votes, 0, nclasses * sizeof *votes);
      for (size_t m = 0; m < k; ++m) votes[labels[arg[m]]] += 1.0;
      size_t top = 0;
      for (size_t c = 1; c < nclasses; ++c)
        if (votes[c] > votes[top]) top = c;
      if (hist) hist[top] += 1.0 / (double)ngen;
      if (pred) pred[i0 + r] = (int)top;
      if (share) share[i0 + r] = votes[top] / (double)k;
      amb += votes[top] / (double)k < 0.6;
      nn[i0 + r] = sqrt(best[0]);
    }
  }
  if (ambiguous) *ambiguous = (double)amb / (double)ngen;
  qsort(nn, ngen, sizeof *nn, cmp_double);
  if (median_nn) *median_nn = ngen % 2 ? nn[ngen / 2] : 0.5 * (nn[ngen / 2 - 1] + nn[ngen / 2]);
done:
  free(tn), free(gn), free(D), free(nn), free(best), free(votes), free(arg);
  return st;
}
