/* Private helpers of the spectral module (not installed). */
#ifndef SPECOT_SPECTRAL_INTERNAL_H
#define SPECOT_SPECTRAL_INTERNAL_H

#include <stddef.h>

#include "internal.h"
#include "specot/linalg.h"
#include "specot/spectral.h"

/* Scratch for symmetric eigendecompositions of d x d matrices: a linalg
 * workspace (specot_linalg_sym_eig, dsyevd, no allocation per call) plus
 * the descending-order outputs that spec_eig_sym reorders. */
typedef struct spec_eig {
  size_t d;
  specot_linalg_ws *ws;
  double *lam; /* d eigenvalues, descending (linalg order) */
  double *vec; /* d * d eigenvectors as columns, descending */
} spec_eig;

int spec_eig_init(spec_eig *e, size_t d);
void spec_eig_free(spec_eig *e);
/* Eigendecomposition of (S + S^T)/2: w ascending (d), U (d x d row-major,
 * column i = eigenvector i).  U may alias nothing.  Returns 0 or -1 (LAPACK). */
int spec_eig_sym(spec_eig *e, const double *S, double *w, double *U);

/* Gauge validation against dimension d ("what" names the caller). */
specot_status spec_gauge_check(specot_ctx *ctx, const specot_gauge *g, size_t d, const char *what);
/* 1 when the gauge is linear (trace): Schatten p = 1 or Ky Fan k = d. */
int spec_gauge_is_trace(const specot_gauge *g, size_t d);
/* 1 when the gauge is nonsmooth (p = inf or Ky Fan k < d). */
int spec_gauge_is_nonsmooth(const specot_gauge *g, size_t d);
/* gamma from ascending eigenvalues w (negatives clamped). */
double spec_gauge_from_eigs(const specot_gauge *g, const double *w, size_t d);
/* Eigenvalues q (ascending order matching w) of the LMO matrix argmax_{Q in K} <Q, S>. */
void spec_gauge_lmo_eigs(const specot_gauge *g, const double *w, size_t d, double *q);
/* Q = U diag(q) U^T (d x d); tmp has d*d doubles. */
void spec_from_eigs(size_t d, const double *U, const double *q, double *Q, double *tmp);
/* Project the eigenvalues v (in place) onto the eigenvalue set of K. */
void spec_gauge_project_eigs(const specot_gauge *g, double *v, size_t d);
/* Initial Q0 in K: p = 1: I; Schatten: d^{-1/p*} I; inf: I/d; Ky Fan: (k/d) I. */
void spec_gauge_q0(const specot_gauge *g, size_t d, double *Q);
/* <A, B> Frobenius for d x d. */
double spec_frob(const double *A, const double *B, size_t d);
/* Symmetric PSD check of a d x d matrix (relative tolerances 1e-10). */
specot_status spec_check_psd(specot_ctx *ctx, const double *A, size_t d, const char *what,
                             spec_eig *e, double *w, double *U);
/* Sigma = sum_t mass_t (x_{rows_t} - y_{cols_t})(x - y)^T of a sparse plan, d x d,
 * written symmetric (no validation; specot_spectral_sigma validates). */
void spec_sigma_sparse(const double *X, const double *Y, size_t d, const size_t *rows,
                       const size_t *cols, const double *mass, size_t nnz, double *S);
/* Matrix square root of PSD A via eigendecomposition (negatives clamped). */
int spec_sqrt_psd(spec_eig *e, const double *A, size_t d, double *R, double *w, double *U,
                  double *tmp);

/* ---------------------------------------------------------------- master */

/* Schatten exponents p >= this use the norm-form master with continuation
 * in p (and the in-out stabilisation of the nonsmooth gauges). */
#define SPEC_NORM_FORM_P 64.0

/* Master problem: min_{lambda in simplex} F(sum_k lambda_k S_k) over r
 * columns S_k (d x d), F a smooth spectral function: for 1 < p < inf,
 * tr(S^p)/p (same minimiser as gamma_p), for p = inf / Ky Fan a Fermi-Dirac
 * smoothing of width tau continued down to tau_final. */
typedef struct spec_master {
  size_t d, cap; /* dimension, maximal number of columns */
  spec_eig eig;
  double *w, *U, *S, *tmp, *phi1, *hess, *gam; /* d, d*d, ... */
  double *Ak;                                  /* cap * d * d: U^T S_k U */
  double *g;                                   /* cap gradient */
  double *kkt;                                 /* (cap + 1)^2 */
  double *rhs;                                 /* cap + 1 */
  int *ipiv;                                   /* cap + 1 */
  double *dir, *trial;                         /* cap */
  size_t *free_idx;                            /* cap */
  double *design;      /* (cap + 1) * (D + 1), D = d(d+1)/2: dual refinement */
  double *normal;      /* (D + 1)^2 */
  double *xsol;        /* D + 1 */
  double *qref, *Qtry; /* d*d each */
} spec_master;

int spec_master_init(spec_master *ms, size_t d, size_t cap);
void spec_master_free(spec_master *ms);
/* Solves the master for r columns (cols: r * d * d) from the warm start
 * lambda (r, on the simplex), in place.  tol is the outer relative gap
 * target.  On return Qm (d x d) is the master dual (in K) and *ub is
 * gamma(sum lambda_k S_k).  Returns 0 or -1 (LAPACK failure). */
int spec_master_solve(spec_master *ms, const specot_gauge *g, const double *cols, size_t r,
                      double *lambda, double tol, double gap_hint, double *Qm, double *ub);

/* --------------------------------------------------------- generic driver */

/* Oracle: given Q in K, returns a new column S_new = Sigma(new plan) and
 * the certified value W_Q^2 (a valid lower bound), storing its plan data at
 * column slot `slot`.  Returns a status. */
typedef specot_status (*spec_oracle_fn)(void *data, specot_ctx *ctx, const double *Q, size_t slot,
                                        double *S_new, double *value);
/* Moves the plan data of column slot `from` to slot `to` (column compaction). */
typedef void (*spec_move_fn)(void *data, size_t from, size_t to);

typedef struct spec_cg {
  size_t d, cap;
  spec_master ms;
  double *cols;                  /* cap * d * d */
  double *lambda;                /* cap */
  size_t *idle;                  /* cap: master solves spent at weight 0 */
  double *Q, *Qbest, *Qm, *Snew; /* d * d each */
  double *Sbest;                 /* d * d */
  double *lbest;                 /* cap: lambda of the best UB */
  size_t r;                      /* columns in use */
  /* Proximal bundle (Ky Fan, 1 < k < d): weights mu of the prox-QP dual,
   * its gradient, SPG scratch; centre Qc with value fc; step t. */
  spec_eig beig;
  double *mu, *mgrad, *mu_old, *mgrad_old, *mtrial, *mhist; /* cap each */
  double *Qc, *bS, *bM, *bU, *btmp;                         /* d * d each */
  double *bw;                                               /* d */
  double fc, t;
  int bundle; /* 1 while a run uses the bundle step (Ky Fan, 1 < k < d) */
} spec_cg;

int spec_cg_init(spec_cg *cg, size_t d, size_t cap);
void spec_cg_free(spec_cg *cg);

typedef struct spec_cg_out {
  double ub, lb;
  size_t iterations, calls;
  specot_status status;
} spec_cg_out;

/* Runs the column-generation loop; on return cg->lambda (cg->r entries)
 * weighs the columns of the best plan, cg->Qbest holds the certificate.
 * `floor` is the absolute gap floor. */
specot_status spec_cg_run(spec_cg *cg, specot_ctx *ctx, const specot_gauge *g,
                          const specot_spectral_opts *opts, double floor, spec_oracle_fn oracle,
                          spec_move_fn move, void *data, spec_cg_out *out);

/* ------------------------------------------------------ entropic oracle */

/* Sinkhorn oracle state (entropic.c): Sinkhorn workspace, dense cost and
 * plan (8 n m bytes each, plus 8 n m in the Sinkhorn workspace), centred
 * and transformed clouds, per-column potentials (cap (n + m)), Q and eps,
 * and the result plan (grown on demand). */
typedef struct spec_entropic spec_entropic;
spec_entropic *spec_entropic_alloc(specot_ctx *ctx, size_t n, size_t m, size_t d, size_t cap);
void spec_entropic_free(spec_entropic *e);
/* Binds the clouds and normalised weights (kept by pointer) for a solve. */
void spec_entropic_prepare(spec_entropic *e, const double *X, const double *Y, const double *a,
                           const double *b, double eps_rel, double tol_rel);
/* spec_oracle_fn and spec_move_fn of the entropic oracle. */
specot_status spec_entropic_oracle(spec_entropic *e, specot_ctx *ctx, const double *Q, size_t slot,
                                   double *S_new, double *value);
void spec_entropic_move(spec_entropic *e, size_t from, size_t to);
/* Plan sum_k lambda_k round(pi_k) over r columns, sorted by (row, col). */
specot_status spec_entropic_assemble(spec_entropic *e, specot_ctx *ctx, const double *lambda,
                                     size_t r, const size_t **rows, const size_t **cols,
                                     const double **mass, size_t *nnz);

#endif
