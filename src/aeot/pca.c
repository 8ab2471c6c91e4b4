/* PCA autoencoder: covariance by dsyrk, eigenvectors by dsyevd. */
#include <cblas.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "specot/aeot.h"

void specot_aeot_pca_free(specot_aeot_pca *pca) {
  if (!pca) return;
  free(pca->mean);
  memset(pca, 0, sizeof *pca);
}

specot_status specot_aeot_pca_fit(specot_ctx *ctx, size_t n, size_t dim, const double *X, size_t k,
                                  specot_aeot_pca *pca) {
  specot__ctx_reset(ctx);
  if (!pca || !X) return specot__fail(ctx, SPECOT_ERR_INVALID, "pca: NULL argument");
  memset(pca, 0, sizeof *pca);
  if (n < 2 || dim == 0 || k == 0 || k > dim)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "pca: need n >= 2 samples and 1 <= k <= dim (n = %zu, dim = %zu, k = %zu)",
                        n, dim, k);
  size_t nd;
  if (specot__mul_size(n, dim, &nd) || n > SPECOT__BLAS_INT_MAX || dim > 46340)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "pca: %zu x %zu data too large", n, dim);
  if (!specot__all_finite(X, nd))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "pca: non-finite data");
  double *mem = malloc((dim + dim * k + k + dim * dim + dim + nd) * sizeof *mem);
  if (!mem) return specot__fail(ctx, SPECOT_ERR_NOMEM, "pca: out of memory");
  double *mean = mem, *W = mean + dim, *var = W + dim * k, *C = var + k, *ev = C + dim * dim;
  double *Xc = ev + dim;
  memset(mean, 0, dim * sizeof *mean);
  for (size_t i = 0; i < n; ++i)
    for (size_t c = 0; c < dim; ++c) mean[c] += X[i * dim + c] / (double)n;
  for (size_t i = 0; i < n; ++i)
    for (size_t c = 0; c < dim; ++c) Xc[i * dim + c] = X[i * dim + c] - mean[c];
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)dim, (int)n, 1.0 / (double)n, Xc,
              (int)dim, 0.0, C, (int)dim);
  double total = 0.0;
  for (size_t c = 0; c < dim; ++c) total += C[c * dim + c];
  const lapack_int info =
      LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)dim, C, (lapack_int)dim, ev);
  if (info != 0) {
    free(mem);
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "pca: dsyevd failed (info %d)", (int)info);
  }
  double kept = 0.0;
  for (size_t j = 0; j < k; ++j) { /* eigenvalues ascending: take the last k, largest first */
    const size_t src = dim - 1 - j;
    var[j] = ev[src] > 0 ? ev[src] : 0.0;
    kept += var[j];
    for (size_t c = 0; c < dim; ++c) W[c * k + j] = C[c * dim + src];
  }
  pca->dim = dim, pca->k = k, pca->mean = mean, pca->components = W, pca->variance = var;
  pca->explained = total > 0 ? kept / total : 1.0;
  return SPECOT_OK;
}

void specot_aeot_pca_encode(const specot_aeot_pca *pca, size_t n, const double *X, double *Z) {
  const size_t dim = pca->dim, k = pca->k;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < k; ++j) {
      double s = 0.0;
      for (size_t c = 0; c < dim; ++c)
        s += (X[i * dim + c] - pca->mean[c]) * pca->components[c * k + j];
      Z[i * k + j] = s;
    }
}

void specot_aeot_pca_decode(const specot_aeot_pca *pca, size_t n, const double *Z, double *X) {
  const size_t dim = pca->dim, k = pca->k;
  for (size_t i = 0; i < n; ++i)
    for (size_t c = 0; c < dim; ++c) {
      double s = pca->mean[c];
      for (size_t j = 0; j < k; ++j) s += pca->components[c * k + j] * Z[i * k + j];
      X[i * dim + c] = s;
    }
}
