/*
 * specot/spectral.h — certified spectral optimal transport W_gamma.
 *
 * Definition (Peyre 2026, "Muon Dynamics as a Spectral Wasserstein Flow"):
 * for discrete measures mu = sum_i a_i delta_{x_i} (n atoms) and
 * nu = sum_j b_j delta_{y_j} (m atoms) in R^d,
 *
 *   W_gamma(mu, nu)^2 = min_{pi in Pi(a,b)} gamma(Sigma(pi)),
 *   Sigma(pi)         = sum_ij pi_ij (x_i - y_j)(x_i - y_j)^T   (d x d, uncentred),
 *
 * where gamma is a monotone spectral gauge on PSD matrices:
 *   Schatten p in [1, inf]: gamma_p(S) = ||lambda(S)||_p (p = inf: lambda_max,
 *                           p = 1: trace, so W_{gamma_1} = W_2);
 *   Ky Fan k in [1, d]:     gamma(S) = sum of the k largest eigenvalues.
 * Every value returned by this module is SQUARED (W_gamma^2), like the
 * paper's toolbox `squared_cost`.
 *
 * Duality and certificates: with K the representing set of gamma
 * (gamma(S) = max_{Q in K} <Q, S>), W_gamma^2 = max_{Q in K} W_Q^2 where
 * W_Q^2 = min_pi sum_ij pi_ij |Q^{1/2}(x_i - y_j)|^2 is an ordinary OT.
 *   Schatten 1 < p < inf: K = {Q >= 0, ||Q||_{S_p*} <= 1}, p* = p/(p-1);
 *   p = 1: K = {I};  p = inf: K = {Q >= 0, tr Q <= 1};
 *   Ky Fan k: K = {0 <= Q <= I, tr Q = k}.
 * A solve reports an upper bound UB = gamma(Sigma(pi)) of a feasible plan
 * (Sigma recomputed from the returned plan itself) and a lower bound
 * LB = W_Q^2 of an exact OT with a dual matrix Q in K, so that
 * LB <= W_gamma^2 <= UB holds whatever the iteration count.
 *
 * Algorithm (spec spectral_w.md section 3.4): fully corrective Frank-Wolfe
 * (column generation).  Each outer iteration solves one OT with the
 * Mahalanobis cost C_ij = |L x_i - L y_j|^2, L = Q^{1/2} (computed from the
 * transformed points, never in expanded form), adds the vertex plan as a
 * column, and re-solves a small master problem over the convex weights of
 * the columns (active-set Newton; for p = inf and Ky Fan on a Fermi-Dirac
 * smoothing of the gauge with continuation in the smoothing width).  The
 * next Q is alpha * Q_best + (1 - alpha) * Q_master (in-out stabilisation).
 * p = 1 and Ky Fan k = d are a single exact OT.
 *
 * Thread safety: a workspace must not be used by two threads at once;
 * distinct workspaces may be used concurrently.  The OT and dense kernels
 * may use OpenMP/OpenBLAS threads; results then depend on the thread count
 * only through floating-point summation order.
 */
#ifndef SPECOT_SPECTRAL_H
#define SPECOT_SPECTRAL_H

#include "specot/specot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ gauges */

typedef enum specot_gauge_kind {
  SPECOT_GAUGE_SCHATTEN = 0, /* gamma_p, p in [1, inf] (INFINITY for the operator norm) */
  SPECOT_GAUGE_KYFAN = 1     /* sum of the k largest eigenvalues, 1 <= k <= d */
} specot_gauge_kind;

typedef struct specot_gauge {
  specot_gauge_kind kind;
  double p; /* Schatten exponent, 1 <= p <= INFINITY (ignored for Ky Fan) */
  size_t k; /* Ky Fan order, 1 <= k <= d (ignored for Schatten) */
} specot_gauge;

/* Convenience constructors (no validation; validation happens at use). */
SPECOT_API specot_gauge specot_gauge_schatten(double p);
SPECOT_API specot_gauge specot_gauge_kyfan(size_t k);

/* gamma(S) for a symmetric d x d matrix S (row-major; symmetrised as
 * (S + S^T)/2, negative eigenvalues clamped to 0).  Large p is evaluated as
 * lambda_max * ||lambda / lambda_max||_p.  Cost: one d x d symmetric
 * eigendecomposition, O(d^3).  Allocates O(d^2) scratch.
 * Statuses: OK; ERR_INVALID (gauge out of range, d = 0, non-finite S);
 * ERR_NUMERICAL (LAPACK failure); ERR_NOMEM. */
SPECOT_API specot_status specot_spectral_gauge_value(specot_ctx *ctx, const specot_gauge *gauge,
                                                     const double *S, size_t d, double *value);

/* Linear maximisation over the representing set: Q = argmax_{Q in K} <Q, S>
 * for PSD S (value gamma(S)).  Schatten 1 < p < inf: Q = S^{p-1} /
 * ||S||_p^{p-1} (S = 0: d^{-1/p*} I); p = 1: I; p = inf: u u^T with u a top
 * eigenvector; Ky Fan: the top-k eigenprojector.  Q is d x d.  Same cost and
 * statuses as specot_spectral_gauge_value. */
SPECOT_API specot_status specot_spectral_gauge_lmo(specot_ctx *ctx, const specot_gauge *gauge,
                                                   const double *S, size_t d, double *Q);

/* Frobenius projection of a symmetric matrix M onto K: eigendecompose, then
 * project the eigenvalues onto {lambda >= 0, sum <= 1} (p = inf), the capped
 * simplex {0 <= lambda <= 1, sum = k} (Ky Fan, by bisection on the
 * threshold), {lambda >= 0, ||lambda||_{p*} <= 1} (Schatten 1 < p < inf: for
 * p = 2 exact (clamp then scale); otherwise clamp then scale, which is a
 * feasible point but the exact projection only when p = 2), {I} (p = 1).
 * Q is d x d.  Same cost and statuses as specot_spectral_gauge_value. */
SPECOT_API specot_status specot_spectral_gauge_project(specot_ctx *ctx, const specot_gauge *gauge,
                                                       const double *M, size_t d, double *Q);

/* Sigma(pi) = sum_t mass[t] (x_{rows[t]} - y_{cols[t]})(...)^T for a sparse
 * plan with nnz entries (COO).  X is n x d, Y is m x d, S is d x d.  The sum
 * is formed from the differences directly (no four-term cancellation); the
 * actual marginals of the plan are used, whatever a and b were.
 * Cost O(nnz d^2).  Statuses: OK; ERR_INVALID (index out of range, negative
 * or non-finite mass, NULL). */
SPECOT_API specot_status specot_spectral_sigma(specot_ctx *ctx, const double *X, size_t n,
                                               const double *Y, size_t m, size_t d,
                                               const size_t *rows, const size_t *cols,
                                               const double *mass, size_t nnz, double *S);

/* ------------------------------------------------------------ the solver */

typedef enum specot_spectral_oracle {
  SPECOT_SPECTRAL_ORACLE_EXACT = 0,   /* network simplex, warm-started across Q updates */
  SPECOT_SPECTRAL_ORACLE_ENTROPIC = 1 /* log-domain Sinkhorn with eps = entropic_eps * mean
                                         cost; LB = c-transform bound (a valid lower bound on
                                         W_Q^2), columns rounded onto Pi(a,b) (exactly feasible,
                                         dense); the entropic bias limits the reachable gap */
} specot_spectral_oracle;

/* Progress report passed to the optional callback once per outer iteration. */
typedef struct specot_spectral_progress {
  size_t iteration;   /* outer iterations done (= OT calls) */
  double upper_bound; /* gamma(Sigma) of the current feasible plan */
  double lower_bound; /* best W_Q^2 so far */
  double gap;         /* upper_bound - lower_bound */
} specot_spectral_progress;

typedef struct specot_spectral_opts {
  double tol;        /* relative gap (UB - LB) <= tol * UB ends the solve.  Default 1e-6.
                        An absolute floor of 64 DBL_EPSILON * (second moment of the clouds)
                        makes identical measures (W = 0) converge. */
  size_t max_iter;   /* cap on outer iterations = OT calls.  Default 1000. */
  double alpha;      /* in-out stabilisation weight in [0, 1); < 0 picks the default:
                        0 for 1 < p < inf, 0.7 for p = inf and Ky Fan. */
  specot_spectral_oracle oracle; /* default SPECOT_SPECTRAL_ORACLE_EXACT */
  double entropic_eps;           /* Sinkhorn regularisation relative to the mean cost of
                                    each oracle call (entropic oracle only).  Default 0.01.
                                    Set tol to what the bias allows: the solve also stops with
                                    SPECOT_WARN_MAXITER after 30 iterations without progress. */
  /* Optional progress callback (NULL: none); a non-zero return stops the
     solve early with SPECOT_WARN_MAXITER and valid bounds. */
  int (*progress)(void *data, const specot_spectral_progress *info);
  void *progress_data;
} specot_spectral_opts;

SPECOT_API void specot_spectral_opts_init(specot_spectral_opts *opts);

/* Workspace for n x m problems in dimension d keeping up to max_cols columns
 * (0: automatic, max(2 (d(d+1)/2 + 1), 16)).  Owns the OT solver object,
 * the dense n x m cost, the columns (sparse vertex plans and their Sigma),
 * the master-problem scratch and the result arrays.  Memory: 8 n m bytes for
 * the cost plus O(max_cols ((n + m) + d^2) + max_cols^2) words plus what the
 * OT solver needs.  Returns NULL (message in ctx) on invalid sizes, overflow
 * (n m must fit the OT index type) or out of memory. */
typedef struct specot_spectral_ws specot_spectral_ws;
SPECOT_API specot_spectral_ws *specot_spectral_ws_alloc(specot_ctx *ctx, size_t n, size_t m,
                                                        size_t d, size_t max_cols);
SPECOT_API void specot_spectral_ws_free(specot_spectral_ws *ws);

/* Result of a solve.  The pointers are owned by the workspace and stay valid
 * until the next solve with it or its release. */
typedef struct specot_spectral_result {
  double squared_cost; /* UB = gamma(Sigma(plan)), recomputed from the returned plan */
  double lower_bound;  /* LB = W_Q^2 for the returned Q (exact OT or c-transform bound) */
  double gap;          /* squared_cost - lower_bound (>= 0 up to rounding) */
  double relative_gap; /* gap / squared_cost (0 when both are 0) */
  size_t iterations;   /* outer iterations */
  size_t ot_calls;     /* OT oracle calls */
  size_t columns;      /* columns with positive weight in the final plan */
  specot_status status;  /* SPECOT_OK (converged) or SPECOT_WARN_MAXITER */
  const double *sigma;   /* d x d Sigma(plan) */
  const double *dual;    /* d x d certificate Q in K with W_Q^2 = lower_bound */
  size_t plan_nnz;       /* nonzeros of the plan */
  const size_t *plan_rows; /* plan_nnz row indices (sorted by row, then column) */
  const size_t *plan_cols; /* plan_nnz column indices */
  const double *plan_mass; /* plan_nnz masses; row sums = a, column sums = b */
} specot_spectral_result;

/* Solves W_gamma^2 between mu = (X, a) and nu = (Y, b) with the sizes the
 * workspace was made for.  X is n x d, Y is m x d (row-major); a (n) and b
 * (m) are non-negative weights with equal totals (relative tolerance 1e-9;
 * NULL = uniform 1/n, 1/m); they are normalised to total 1.
 * Stopping rule: UB - LB <= tol * UB (plus the absolute floor of opts.tol),
 * checked after every OT call; at max_iter, or after 30 calls in which
 * neither bound moved by tol * UB, or when the master cannot improve on a
 * repeated column, the best plan and best certificate are returned with
 * SPECOT_WARN_MAXITER (also in res->status).
 * Cost per outer iteration: O(n m d) for the cost matrix, one network
 * simplex (warm-started), and a master problem O(iters (r d^3 + r^2 d^2 + r^3))
 * over r columns.  No heap allocation beyond the workspace (the entropic
 * oracle grows the workspace by about 40 n m bytes on its first use; its
 * plan is dense, plan_nnz up to n m).
 * Statuses: OK; WARN_MAXITER; ERR_INVALID (gauge out of range, k > d,
 * NaN/Inf, negative weights, NULL); ERR_INFEASIBLE (unequal masses);
 * ERR_NUMERICAL (LAPACK or OT failure); ERR_NOMEM. */
SPECOT_API specot_status specot_spectral_solve(specot_ctx *ctx, specot_spectral_ws *ws,
                                               const specot_gauge *gauge, const double *X,
                                               const double *a, const double *Y, const double *b,
                                               const specot_spectral_opts *opts,
                                               specot_spectral_result *res);

/* One-shot convenience: allocates a workspace, solves, copies the bounds into
 * *squared_cost and *lower_bound (either may be NULL) and frees it. */
SPECOT_API specot_status specot_spectral_transport(specot_ctx *ctx, const specot_gauge *gauge,
                                                   const double *X, size_t n, const double *a,
                                                   const double *Y, size_t m, const double *b,
                                                   size_t d, const specot_spectral_opts *opts,
                                                   double *squared_cost, double *lower_bound);

/* Displacement interpolation (geodesic) at time t in [0, 1] from a plan:
 * atoms Z_t = (1 - t) x_{rows[t]} + t y_{cols[t]} (nnz x d) with weights
 * w_t = mass[t] (nnz).  With an optimal plan, W(mu_s, mu_t) = |t - s| W(mu_0,
 * mu_1).  Cost O(nnz d).  Statuses: OK; ERR_INVALID (t outside [0, 1],
 * index out of range, NULL). */
SPECOT_API specot_status specot_spectral_geodesic(specot_ctx *ctx, const double *X, size_t n,
                                                  const double *Y, size_t m, size_t d,
                                                  const size_t *rows, const size_t *cols,
                                                  const double *mass, size_t nnz, double t,
                                                  double *Z, double *w);

/* --------------------------------------------------------------- Gaussians */

/* Fixed-Q Gaussian value (Bures in the Q metric), with Delta = m1 - m0:
 *   W_Q^2 = Delta^T Q Delta + tr(Q (A + B)) - 2 ||A^{1/2} Q B^{1/2}||_*
 * for PSD A, B, Q (singular allowed).  If K is not NULL it receives the
 * maximising cross-covariance K_Q = A^{1/2} V U^T B^{1/2}, where
 * B^{1/2} Q A^{1/2} = U S V^T (d x d).  Cost O(d^3).  Allocates O(d^2).
 * Statuses: OK; ERR_INVALID (NaN, non-symmetric or non-PSD A, B or Q);
 * ERR_NUMERICAL; ERR_NOMEM. */
SPECOT_API specot_status specot_spectral_gaussian_fixed_q(specot_ctx *ctx, size_t d,
                                                          const double *m0, const double *A,
                                                          const double *m1, const double *B,
                                                          const double *Q, double *value,
                                                          double *K);

/* Result of a Gaussian solve (outputs d x d in caller arrays, may be NULL). */
typedef struct specot_spectral_gaussian_result {
  double squared_cost; /* UB = gamma(Delta Delta^T + A + B - K - K^T) for the returned K */
  double lower_bound;  /* LB = W_Q^2 (closed form above) for the returned Q */
  double gap;          /* squared_cost - lower_bound */
  double relative_gap; /* gap / squared_cost (0 when both are 0) */
  size_t iterations;   /* outer iterations (fixed-Q evaluations) */
  int closed_form;     /* 1 when the commuting centred closed form was used */
  specot_status status;
} specot_spectral_gaussian_result;

/* W_gamma^2 between N(m0, A) and N(m1, B) (d-dimensional; A, B symmetric
 * PSD, singular allowed; symmetry checked to 1e-10 relative, PSD to
 * -1e-10 lambda_max):
 *   W^2 = min_K gamma(Delta Delta^T + A + B - K - K^T) over [[A,K],[K^T,B]] >= 0
 *       = max_{Q in K} W_Q^2.
 * Same column-generation scheme as the discrete solver, with the fixed-Q
 * maximiser K_Q as the oracle.  Fast path: when m0 = m1, A B = B A (to
 * 1e-12 relative) and gamma is Schatten, W^2 = gamma((A^{1/2} - B^{1/2})^2)
 * in closed form (still certified by W_Q^2 at Q = LMO).  Outputs (each d x d,
 * NULL to skip): K the optimal cross-covariance, Sigma the optimal
 * displacement matrix, Q the certificate.  Stopping rule and statuses as
 * specot_spectral_solve (opts.oracle is ignored); allocates O(max_iter d^2). */
SPECOT_API specot_status specot_spectral_gaussian(specot_ctx *ctx, const specot_gauge *gauge,
                                                  size_t d, const double *m0, const double *A,
                                                  const double *m1, const double *B,
                                                  const specot_spectral_opts *opts,
                                                  specot_spectral_gaussian_result *res,
                                                  double *K, double *Sigma, double *Q);

/* Commuting centred closed form for Schatten p:
 *   B_p(A, B)^2 = gamma_p((A^{1/2} - B^{1/2})^2) = (sum_i |sqrt a_i - sqrt b_i|^{2p})^{1/p}.
 * Statuses: OK; ERR_INVALID (A, B do not commute to 1e-12 relative, not PSD,
 * Ky Fan gauge, p < 1); ERR_NUMERICAL; ERR_NOMEM. */
SPECOT_API specot_status specot_spectral_gaussian_commuting(specot_ctx *ctx,
                                                            const specot_gauge *gauge, size_t d,
                                                            const double *A, const double *B,
                                                            double *value);

/* Gaussian geodesic from an optimal cross-covariance K:
 *   mu_t = N((1-t) m0 + t m1, (1-t)^2 A + t^2 B + t(1-t)(K + K^T)).
 * mt (d) and Ct (d x d) are outputs.  Statuses: OK; ERR_INVALID (t outside
 * [0, 1], NaN). */
SPECOT_API specot_status specot_spectral_gaussian_geodesic(specot_ctx *ctx, size_t d,
                                                           const double *m0, const double *A,
                                                           const double *m1, const double *B,
                                                           const double *K, double t,
                                                           double *mt, double *Ct);

#ifdef __cplusplus
}
#endif

#endif /* SPECOT_SPECTRAL_H */
