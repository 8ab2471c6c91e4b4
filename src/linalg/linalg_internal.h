/* Private helpers of the linalg module: the workspace layout and the LAPACK
 * glue shared by its source files.  Not installed. */
#ifndef SPECOT_LINALG_INTERNAL_H
#define SPECOT_LINALG_INTERNAL_H

#include <lapacke.h>
#include <stddef.h>

#include "internal.h"
#include "specot/linalg.h"

/* Scratch for calls on r x c matrices with min(r,c) <= kmin, max(r,c) <= kmax.
 */
struct specot_linalg_ws {
  size_t kmin, kmax;
  double *a;  /* kmin*kmax: input copy (destroyed by LAPACK) */
  double *u;  /* kmin*kmax: left singular vectors, row-major m x k */
  double *vt; /* kmin*kmax: right singular vectors^T, row-major k x n */
  double *t1; /* kmin*kmax: temporaries (Newton–Schulz iterates, products) */
  double *t2; /* kmin*kmax */
  double *s;  /* kmin: singular values / eigenvalues */
  double *s2; /* kmin */
  double *g1; /* kmin*kmin: Gram matrix / eigenvectors */
  double *g2; /* kmin*kmin */
  double *g3; /* kmin*kmin */
  double *g4; /* kmin*kmin */
  double *work; /* LAPACK work, lwork doubles */
  lapack_int *iwork;
  lapack_int lwork, liwork;
};

/* Workspace acquisition at a public entry: uses *ws if given (checking that it
 * covers r x c), else allocates one into *owned. */
specot_status specot__linalg_ws_get(specot_ctx *ctx, const char *fn,
                                    specot_linalg_ws *ws, size_t r, size_t c,
                                    specot_linalg_ws **use,
                                    specot_linalg_ws **owned);

/* Common validation of an r x c matrix argument: sizes, overflow, finiteness.
 */
specot_status specot__linalg_check_matrix(specot_ctx *ctx, const char *fn,
                                          const char *name, const double *A,
                                          size_t r, size_t c);

/* Weights check (NULL allowed). */
specot_status specot__linalg_check_weights(specot_ctx *ctx, const char *fn,
                                           const double *w, size_t n);

/* Resolves rtol (negative = default eps*max(m,n)); INVALID for NaN or >= 1. */
specot_status specot__linalg_rtol(specot_ctx *ctx, const char *fn, double rtol,
                                  size_t m, size_t n, double *out);

/* Thin SVD of the m x n matrix already stored contiguously (row-major, ld n)
 * in ws->a (destroyed).  Singular values (descending) into ws->s; if vectors,
 * U into ws->u (row-major m x k, ld k) and W^T into ws->vt (row-major k x n,
 * ld n), k = min(m,n).  Falls back to dgesvd when dgesdd fails. */
specot_status specot__linalg_svd_a(specot_ctx *ctx, specot_linalg_ws *ws,
                                   size_t m, size_t n, int vectors);

/* Copies the m x n matrix A (leading dimension lda) into ws->a (ld n). */
void specot__linalg_load(specot_linalg_ws *ws, const double *A, size_t lda,
                         size_t m, size_t n);

/* Symmetric eigendecomposition of the d x d matrix in buf (full or lower in
 * row-major "upper" sense; both triangles are fine if symmetric): eigenvalues
 * ascending into lambda; if vectors, buf is overwritten with the eigenvectors
 * as ROWS (buf[j*d + i] = component i of eigenvector j). */
specot_status specot__linalg_syev(specot_ctx *ctx, specot_linalg_ws *ws,
                                  double *buf, size_t d, double *lambda,
                                  int vectors);

/* Gram matrix on the small side of the m x n A (ld lda): C = A^T A (n x n)
 * when m >= n, else A A^T (m x m); upper triangle (row-major) filled, then
 * mirrored so C is full.  Returns the side k. */
size_t specot__linalg_gram(const double *A, size_t lda, size_t m, size_t n,
                           double *C);

/* out = Et^T diag(root^2) Et for eigenvectors as rows Et (k x k), computed
 * as B^T B with B = diag(root) Et (exactly symmetric, full).  scratch is
 * k x k; out must differ from Et and scratch. */
void specot__linalg_spectral_fn(const double *Et, const double *root, size_t k,
                                double *scratch, double *out);

/* sigma_1 * ||s / sigma_1||_r for values s[0..k) >= 0 with max smax (r >= 1/2
 * or inf). */
double specot__linalg_power_norm(const double *s, size_t k, double smax,
                                 double r);

/* Frobenius norm without overflow. */
double specot__linalg_fro(const double *A, size_t lda, size_t m, size_t n);

/* specot__all_finite, vectorizable (linalg's hot paths check every input
 * and output matrix). */
int specot__linalg_all_finite(const double *x, size_t len);

/* max_i |x_i| of finite values (0 for len 0). */
double specot__linalg_max_abs(const double *x, size_t len);

/* Loads the contiguous m x n G into ws->a multiplied by a power of two c
 * (exact) so that max|entry| lies in [1/2, 1): Gram matrices then neither
 * overflow nor underflow.  *scale = c.  Returns 0 (and c = 1) when G == 0. */
int specot__linalg_load_scaled(specot_linalg_ws *ws, const double *G, size_t m,
                               size_t n, double *scale);

/* Q = A M (m >= n, M n x n) or M A (m < n, M m x m) with A = ws->a (m x n). */
void specot__linalg_apply_small_side(specot_linalg_ws *ws, size_t m, size_t n,
                                     const double *M, double *Q);

/* Gram eigenvalue ratio lambda_min / lambda_max >= 1/4 (cond <= 2) above
 * which the Gram route skips the refinement: the plain route's relative
 * error ~ DBL_EPSILON cond^2 is then <= 2 DBL_EPSILON cond, no worse than the
 * refined route's (measured; see docs/linalg.md), and it saves 3 M r0^2
 * flops. */
#define SPECOT__LINALG_PLAIN_GRAM_RATIO 0.25

/* Refined Gram route (gram.c; see the comment there for the method), for
 * J = alpha A f(A^T A) (m >= n) or alpha f(A A^T) A (m < n), f(t) = c t^a,
 * restricted to the top r eigenpairs.
 * gram_refine: on entry ws->a holds A (ld n) and ws->g1 / ws->s the
 * eigendecomposition of its small-side Gram matrix as left by
 * specot__linalg_gram + specot__linalg_syev (eigenvalues ascending, the top r
 * ones > 0).  Forms B = A W_r D^{-1} (ws->u), Delta = B^T B - I (ws->g2,
 * r x r) and the refined singular values sv[0..r) (ascending, relative error
 * ~ eps cond).  Uses ws->g3.
 * gram_apply: with phi[l] = f(sv[l]^2) (all > 0), writes J into out (leading
 * dimension ldo; out must not overlap the workspace).  Uses ws->g3, ws->g4
 * and ws->t2 (sv and phi must lie elsewhere). */
void specot__linalg_gram_refine(specot_linalg_ws *ws, size_t m, size_t n,
                                size_t r, double *sv);
void specot__linalg_gram_apply(specot_linalg_ws *ws, size_t m, size_t n,
                               size_t r, const double *sv, const double *phi,
                               double a, double alpha, double *out, size_t ldo);

#endif
