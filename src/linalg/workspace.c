/* linalg workspace, argument checks and the LAPACK/BLAS glue of the module.
 *
 * Row-major / column-major: a row-major m x n matrix with leading dimension n
 * is, read column-major, its n x m transpose.  All LAPACK calls are made in
 * column-major on these transposed views (so LAPACKE does not allocate
 * transposed copies); see specot__linalg_svd_a for the mapping. */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linalg_internal.h"

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }

static double query_gesdd(lapack_int m, lapack_int n, char jobz) {
  double a = 0, s = 0, u = 0, vt = 0, w = 0;
  lapack_int iw = 0;
  const lapack_int mn = m < n ? m : n;
  lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, jobz, m, n, &a, m, &s,
                                        &u, m, &vt, mn, &w, -1, &iw);
  return info == 0 ? w : 0.0;
}

static double query_gesvd(lapack_int m, lapack_int n) {
  double a = 0, s = 0, u = 0, vt = 0, w = 0;
  const lapack_int mn = m < n ? m : n;
  lapack_int info = LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, 'S', 'S', m, n, &a, m,
                                        &s, &u, m, &vt, mn, &w, -1);
  return info == 0 ? w : 0.0;
}

/* LAPACK work length covering every call shape the workspace accepts.  The
 * documented minimums (dgesdd JOBZ='S': 4 mn^2 + 7 mn; 'A': 4 mn^2 + 6 mn + mx;
 * dgesvd: max(3 mn + mx, 5 mn); dsyevd: 1 + 6 k + 2 k^2) grow with the shape,
 * so they hold for every smaller shape; the queried optima only speed up the
 * full shape. */
static double lwork_needed(size_t kmin, size_t kmax) {
  const double mn = (double)kmin, mx = (double)kmax;
  double need = 4 * mn * mn + 7 * mn;
  need = fmax(need, 4 * mn * mn + 6 * mn + mx);
  need = fmax(need, fmax(3 * mn + mx, 5 * mn));
  need = fmax(need, 1 + 6 * mn + 2 * mn * mn);
  need = fmax(need, 3 * mn + fmax(mx, 7 * mn)); /* JOBZ='N' */
  if (need < 2.0e9) {
    const lapack_int a = (lapack_int)kmin, b = (lapack_int)kmax;
    need = fmax(need, query_gesdd(a, b, 'S'));
    need = fmax(need, query_gesdd(b, a, 'S'));
    need = fmax(need, query_gesdd(b, a, 'N'));
    need = fmax(need, query_gesdd(a, b, 'N'));
    need = fmax(need, query_gesvd(a, b));
    need = fmax(need, query_gesvd(b, a));
  }
  return need + 16;
}

specot_status specot_linalg_ws_alloc(specot_ctx *ctx, size_t m, size_t n,
                                     specot_linalg_ws **ws) {
  specot__ctx_reset(ctx);
  if (!ws)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "linalg_ws_alloc: ws pointer is NULL");
  *ws = NULL;
  if (m == 0 || n == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "linalg_ws_alloc: shape %zux%zu is empty", m, n);
  const size_t kmin = min_sz(m, n), kmax = max_sz(m, n);
  size_t rect, sq;
  if (kmax > SPECOT__BLAS_INT_MAX || specot__mul_size(kmin, kmax, &rect) != 0 ||
      specot__mul_size(kmin, kmin, &sq) != 0 || rect > SIZE_MAX / 8)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE,
                        "linalg_ws_alloc: shape %zux%zu is too large", m, n);
  const double lwork = lwork_needed(kmin, kmax);
  const double liwork = fmax(8.0 * (double)kmin, 3.0 + 5.0 * (double)kmin);
  if (lwork > (double)SPECOT__BLAS_INT_MAX ||
      liwork > (double)SPECOT__BLAS_INT_MAX)
    return specot__fail(
        ctx, SPECOT_ERR_TOO_LARGE,
        "linalg_ws_alloc: LAPACK work for %zux%zu exceeds 32-bit indexing", m,
        n);
  specot_linalg_ws *w = calloc(1, sizeof *w);
  if (!w)
    return specot__fail(ctx, SPECOT_ERR_NOMEM,
                        "linalg_ws_alloc: out of memory");
  w->kmin = kmin;
  w->kmax = kmax;
  w->lwork = (lapack_int)lwork;
  w->liwork = (lapack_int)liwork;
  w->a = specot__alloc_doubles(rect);
  w->u = specot__alloc_doubles(rect);
  w->vt = specot__alloc_doubles(rect);
  w->t1 = specot__alloc_doubles(rect);
  w->t2 = specot__alloc_doubles(rect);
  w->s = specot__alloc_doubles(kmin);
  w->s2 = specot__alloc_doubles(kmin);
  w->g1 = specot__alloc_doubles(sq);
  w->g2 = specot__alloc_doubles(sq);
  w->g3 = specot__alloc_doubles(sq);
  w->g4 = specot__alloc_doubles(sq);
  w->work = specot__alloc_doubles((size_t)w->lwork);
  w->iwork = malloc((size_t)w->liwork * sizeof *w->iwork);
  if (!w->a || !w->u || !w->vt || !w->t1 || !w->t2 || !w->s || !w->s2 ||
      !w->g1 || !w->g2 || !w->g3 || !w->g4 || !w->work || !w->iwork) {
    specot_linalg_ws_free(w);
    return specot__fail(ctx, SPECOT_ERR_NOMEM,
                        "linalg_ws_alloc: out of memory for %zux%zu", m, n);
  }
  *ws = w;
  return SPECOT_OK;
}

void specot_linalg_ws_free(specot_linalg_ws *ws) {
  if (!ws)
    return;
  specot__free(ws->a);
  specot__free(ws->u);
  specot__free(ws->vt);
  specot__free(ws->t1);
  specot__free(ws->t2);
  specot__free(ws->s);
  specot__free(ws->s2);
  specot__free(ws->g1);
  specot__free(ws->g2);
  specot__free(ws->g3);
  specot__free(ws->g4);
  specot__free(ws->work);
  free(ws->iwork);
  free(ws);
}

specot_status specot__linalg_ws_get(specot_ctx *ctx, const char *fn,
                                    specot_linalg_ws *ws, size_t r, size_t c,
                                    specot_linalg_ws **use,
                                    specot_linalg_ws **owned) {
  *owned = NULL;
  *use = ws;
  if (ws) {
    if (min_sz(r, c) > ws->kmin || max_sz(r, c) > ws->kmax)
      return specot__fail(
          ctx, SPECOT_ERR_INVALID,
          "%s: workspace for %zux%zu does not cover a %zux%zu call", fn,
          ws->kmin, ws->kmax, r, c);
    return SPECOT_OK;
  }
  specot_status st = specot_linalg_ws_alloc(ctx, r, c, owned);
  if (st != SPECOT_OK)
    return st;
  *use = *owned;
  return SPECOT_OK;
}

specot_status specot__linalg_check_matrix(specot_ctx *ctx, const char *fn,
                                          const char *name, const double *A,
                                          size_t r, size_t c) {
  if (r == 0 || c == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "%s: %s has an empty shape %zux%zu", fn, name, r, c);
  size_t len;
  if (r > SPECOT__BLAS_INT_MAX || c > SPECOT__BLAS_INT_MAX ||
      specot__mul_size(r, c, &len) != 0)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE,
                        "%s: %s of shape %zux%zu is too large", fn, name, r, c);
  if (!A)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: %s is NULL", fn, name);
  if (!specot__linalg_all_finite(A, len))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "%s: %s has a non-finite entry", fn, name);
  return SPECOT_OK;
}

specot_status specot__linalg_check_weights(specot_ctx *ctx, const char *fn,
                                           const double *w, size_t n) {
  if (!w)
    return SPECOT_OK;
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    if (!isfinite(w[i]) || w[i] < 0.0)
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "%s: weight w[%zu] = %g must be finite and >= 0", fn,
                          i, w[i]);
    sum += w[i];
  }
  /* np.isclose(sum, 1, rtol=1e-10, atol=1e-12), as the paper's toolbox. */
  if (!(fabs(sum - 1.0) <= 1e-12 + 1e-10))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "%s: weights sum to %.17g, not 1", fn, sum);
  return SPECOT_OK;
}

specot_status specot__linalg_rtol(specot_ctx *ctx, const char *fn, double rtol,
                                  size_t m, size_t n, double *out) {
  if (isnan(rtol) || rtol >= 1.0)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "%s: rtol = %g must lie in [0, 1)", fn, rtol);
  *out = rtol < 0.0 ? DBL_EPSILON * (double)max_sz(m, n) : rtol;
  return SPECOT_OK;
}

void specot__linalg_load(specot_linalg_ws *ws, const double *A, size_t lda,
                         size_t m, size_t n) {
  if (lda == n) {
    memcpy(ws->a, A, m * n * sizeof *A);
    return;
  }
  for (size_t i = 0; i < m; ++i)
    memcpy(ws->a + i * n, A + i * lda, n * sizeof *A);
}

/* Thin SVD of a TALL row-major m x n (m > n) matrix in ws->a through LAPACK's
 * tall path (QR first), which is faster than the wide path that the
 * transposed view of the same memory would take (measured 2.2 ms against
 * 3.8 ms on 2000 x 50).  The input is transposed into t2 (column-major), U
 * lands column-major in ws->u, V^T in g1; both are then written in the layout
 * of specot__linalg_svd_a.  Returns the LAPACK info; ws->a is left intact
 * on failure. */
static lapack_int svd_tall(specot_linalg_ws *ws, size_t m, size_t n, int vectors) {
  const lapack_int M = (lapack_int)m, N = (lapack_int)n;
  double *col = ws->t2;
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) col[j * m + i] = ws->a[i * n + j];
  const lapack_int info =
      LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, vectors ? 'S' : 'N', M, N, col, M, ws->s, ws->u, M,
                          ws->g1, N, ws->work, ws->lwork, ws->iwork);
  if (info != 0 || !vectors) return info;
  /* U (column-major m x n in ws->u) -> row-major into ws->a, then swap the
   * two buffers (same size, both owned by ws). */
  for (size_t j = 0; j < n; ++j)
    for (size_t i = 0; i < m; ++i) ws->a[i * n + j] = ws->u[j * m + i];
  double *swap = ws->u;
  ws->u = ws->a;
  ws->a = swap;
  /* V^T (column-major n x n in g1) -> row-major k x n. */
  for (size_t r = 0; r < n; ++r)
    for (size_t c = 0; c < n; ++c) ws->vt[r * n + c] = ws->g1[c * n + r];
  return 0;
}

specot_status specot__linalg_svd_a(specot_ctx *ctx, specot_linalg_ws *ws,
                                   size_t m, size_t n, int vectors) {
  if (m > n && svd_tall(ws, m, n, vectors) == 0) return SPECOT_OK;
  /* ws->a read column-major is B = A^T (n x m, ld n).  B = Ub S Vb^T gives
   * A = Vb S Ub^T: Ub (col-major n x k, ld n) is W^T row-major (k x n) and
   * Vb^T (col-major k x m, ld k) is U row-major (m x k). */
  const lapack_int M = (lapack_int)n, N = (lapack_int)m;
  const lapack_int k = M < N ? M : N;
  const char jobz = vectors ? 'S' : 'N';
  double *save = NULL;
  /* dgesdd destroys its input: keep a copy for the dgesvd fallback. */
  save = ws->t2;
  memcpy(save, ws->a, m * n * sizeof *save);
  lapack_int info =
      LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, jobz, M, N, ws->a, M, ws->s, ws->vt,
                          M, ws->u, k, ws->work, ws->lwork, ws->iwork);
  if (info > 0) {
    memcpy(ws->a, save, m * n * sizeof *save);
    const char job = vectors ? 'S' : 'N';
    info = LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, job, job, M, N, ws->a, M,
                               ws->s, ws->vt, M, ws->u, k, ws->work, ws->lwork);
  }
  if (info != 0)
    return specot__fail(
        ctx, SPECOT_ERR_NUMERICAL,
        "linalg: SVD of a %zux%zu matrix failed (LAPACK info %d)", m, n,
        (int)info);
  return SPECOT_OK;
}

specot_status specot__linalg_syev(specot_ctx *ctx, specot_linalg_ws *ws,
                                  double *buf, size_t d, double *lambda,
                                  int vectors) {
  const lapack_int D = (lapack_int)d;
  /* buf is symmetric; LAPACK reads its lower column-major triangle. */
  lapack_int info =
      LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, vectors ? 'V' : 'N', 'L', D, buf, D,
                          lambda, ws->work, ws->lwork, ws->iwork, ws->liwork);
  if (info != 0)
    return specot__fail(
        ctx, SPECOT_ERR_NUMERICAL,
        "linalg: symmetric eigensolver failed on a %zux%zu matrix (info %d)", d,
        d, (int)info);
  return SPECOT_OK;
}

size_t specot__linalg_gram(const double *A, size_t lda, size_t m, size_t n,
                           double *C) {
  size_t k;
  if (m >= n) {
    k = n;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)n, (int)m, 1.0, A,
                (int)lda, 0.0, C, (int)n);
  } else {
    k = m;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)m, (int)n, 1.0, A,
                (int)lda, 0.0, C, (int)m);
  }
  for (size_t i = 0; i < k; ++i)
    for (size_t j = i + 1; j < k; ++j)
      C[j * k + i] = C[i * k + j];
  return k;
}

void specot__linalg_spectral_fn(const double *Et, const double *root, size_t k,
                                double *scratch, double *out) {
  for (size_t j = 0; j < k; ++j) {
    const double r = root[j];
    for (size_t i = 0; i < k; ++i)
      scratch[j * k + i] = r * Et[j * k + i];
  }
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)k, (int)k, 1.0,
              scratch, (int)k, 0.0, out, (int)k);
  for (size_t i = 0; i < k; ++i)
    for (size_t j = i + 1; j < k; ++j)
      out[j * k + i] = out[i * k + j];
}

double specot__linalg_power_norm(const double *s, size_t k, double smax,
                                 double r) {
  if (smax == 0.0 || isinf(r))
    return smax;
  double acc = 0.0;
  for (size_t i = 0; i < k; ++i)
    if (s[i] > 0.0)
      acc += pow(s[i] / smax, r);
  return smax * pow(acc, 1.0 / r);
}

double specot__linalg_fro(const double *A, size_t lda, size_t m, size_t n) {
  double big = 0.0;
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j)
      big = fmax(big, fabs(A[i * lda + j]));
  if (big == 0.0)
    return 0.0;
  double acc = 0.0;
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      const double x = A[i * lda + j] / big;
      acc += x * x;
    }
  return big * sqrt(acc);
}

int specot__linalg_all_finite(const double *x, size_t len) {
  /* Exponent-bit test with an OR reduction: branch-free, so it vectorizes
   * (the early-exit isfinite loop does not); same result. */
  const uint64_t exp_mask = UINT64_C(0x7ff0000000000000);
  uint64_t bad = 0;
  for (size_t i = 0; i < len; ++i) {
    uint64_t u;
    memcpy(&u, x + i, sizeof u);
    bad |= (uint64_t)((u & exp_mask) == exp_mask);
  }
  return bad == 0;
}

double specot__linalg_max_abs(const double *x, size_t len) {
  /* A plain comparison (inputs are finite) lets the compiler vectorize; fmax
   * would be a library call per element. */
  double big = 0.0;
  for (size_t i = 0; i < len; ++i) {
    const double v = fabs(x[i]);
    big = v > big ? v : big;
  }
  return big;
}

int specot__linalg_load_scaled(specot_linalg_ws *ws, const double *G, size_t m,
                               size_t n, double *scale) {
  const double big = specot__linalg_max_abs(G, m * n);
  *scale = 1.0;
  if (big == 0.0)
    return 0;
  int e;
  (void)frexp(big, &e);
  const double c = ldexp(1.0, -e);
  for (size_t i = 0; i < m * n; ++i)
    ws->a[i] = G[i] * c;
  *scale = c;
  return 1;
}
