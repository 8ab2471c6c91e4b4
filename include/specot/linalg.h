/*
 * specot/linalg.h — spectral linear algebra: Schatten norms and gauges, the
 * Schatten steepest-descent map (LMO) J_p for matrices, particles and column
 * blocks, polar factors (exact and Newton–Schulz), the regularized
 * orthogonalization O_eps with its potential, conjugate, mirror map and
 * Hessian–vector product, and symmetric/PSD matrix functions.
 *
 * Conventions (stated once):
 *  - Matrices are row-major double.  G is m x n; r0 = min(m, n);
 *    sigma_1 >= ... >= sigma_r0 >= 0 are its singular values; the compact SVD
 *    is G = U diag(sigma) W^T.
 *  - Rank cut-off: where a function takes `rtol`, singular values
 *    sigma_i <= rtol * sigma_1 are treated as exactly 0 (dropped from the
 *    compact SVD).  A negative rtol (e.g. SPECOT_LINALG_RTOL_DEFAULT) selects
 *    the default rtol = DBL_EPSILON * max(m, n) of the paper's toolbox;
 *    rtol = 0 keeps every nonzero singular value; rtol must be < 1.
 *  - Exponents: p = INFINITY is accepted wherever "p in [1/2, inf]" is stated;
 *    NaN is always rejected.  Two dual exponents occur and must not be mixed:
 *    the velocity norm is ||V||_{S_{2p}} and its dual (force) norm is
 *    ||G||_{S_q} with q = 2p/(2p-1) (q = 2 at p = 1, q = 1 at p = inf,
 *    q = inf at p = 1/2).
 *  - Particle weights w (length n, rows are particles): w_i >= 0, finite,
 *    sum_i w_i = 1 to within 1e-10 (relative) + 1e-12; NULL means uniform
 *    w_i = 1/n.  Zero weights are allowed (the paper's toolbox rejects them):
 *    a row with w_i = 0 gets velocity 0.
 *  - Workspace: every function takes `ws`, a workspace from
 *    specot_linalg_ws_alloc(), or NULL.  With a workspace whose shape covers
 *    the call (see specot_linalg_ws_alloc) the call performs no heap
 *    allocation.  With ws == NULL the function allocates a workspace for this
 *    one call and frees it (one-shot convenience; may return
 *    SPECOT_ERR_NOMEM).
 *  - Outputs never alias inputs unless stated.
 *  - Every function validates its inputs at entry: sizes > 0 (and products
 *    and dimensions within LAPACK's 32-bit int, else SPECOT_ERR_TOO_LARGE),
 *    finite entries, parameters in range (else SPECOT_ERR_INVALID with a
 *    message in ctx).  LAPACK failures (no convergence) and non-finite
 *    results give SPECOT_ERR_NUMERICAL.
 *  - SVDs use LAPACK dgesdd (falling back to dgesvd if dgesdd reports no
 *    convergence); symmetric eigenproblems use dsyevd; Gram matrices dsyrk.
 *    Costs below count flops for r0 = min(m,n), M = max(m,n); an SVD costs
 *    about 4 M r0^2 + 8 r0^3 flops, a d x d dsyevd about 9 d^3.
 *
 * Thread safety: no global state.  A workspace must not be used by two
 * threads at once; distinct workspaces may be used concurrently.  Results
 * depend on the BLAS thread count only through summation order.
 */
#ifndef SPECOT_LINALG_H
#define SPECOT_LINALG_H

#include "specot/specot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Any negative rtol selects the default rank cut-off DBL_EPSILON * max(m, n).
 */
#define SPECOT_LINALG_RTOL_DEFAULT (-1.0)

/* ------------------------------------------------------------------------ */
/* Workspace                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct specot_linalg_ws specot_linalg_ws;

/*
 * Allocates scratch memory (including LAPACK work arrays, queried once) for
 * calls on any r x c matrix with min(r, c) <= min(m, n) and
 * max(r, c) <= max(m, n); square d x d calls (sym_eig, psd_*, gauge) need
 * d <= min(m, n).  Memory: about 8 r0*M + 12 r0^2 doubles plus LAPACK work.
 * Statuses: OK; INVALID (m or n == 0, ws NULL); TOO_LARGE (a dimension above
 * 2^31-1 or a product overflows); NOMEM.  On error *ws is set to NULL.
 */
SPECOT_API specot_status specot_linalg_ws_alloc(specot_ctx *ctx, size_t m,
                                                size_t n,
                                                specot_linalg_ws **ws);
/* Frees a workspace (NULL allowed). */
SPECOT_API void specot_linalg_ws_free(specot_linalg_ws *ws);

/* ------------------------------------------------------------------------ */
/* Norms, gauges, moments                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Singular values of the m x n matrix A, in descending order, into
 * s[0..min(m,n)).  Cost: one SVD without vectors.
 * Statuses: OK, INVALID, TOO_LARGE, NOMEM, NUMERICAL.
 */
SPECOT_API specot_status specot_linalg_singular_values(specot_ctx *ctx,
                                                       specot_linalg_ws *ws,
                                                       const double *A,
                                                       size_t m, size_t n,
                                                       double *s);

/*
 * Thin SVD A = U diag(s) Wt of the m x n matrix A, k = min(m, n): s[0..k)
 * descending, U row-major m x k (orthonormal columns), Wt row-major k x n
 * (orthonormal rows).  U and Wt may each be NULL (both NULL = values only).
 * No rank cut-off: every singular value is returned.  Signs of the singular
 * vector pairs are as returned by LAPACK.  Cost: one dgesdd (LAPACK's tall
 * path for m > n), about 4 M k^2 + 8 k^3 flops.
 * Statuses: OK, INVALID (empty/non-finite A, s NULL), TOO_LARGE, NOMEM,
 * NUMERICAL.
 */
SPECOT_API specot_status specot_linalg_svd(specot_ctx *ctx, specot_linalg_ws *ws,
                                           const double *A, size_t m, size_t n, double *U,
                                           double *s, double *Wt);

/*
 * Schatten norm ||A||_{S_r} = (sum_i sigma_i^r)^(1/r) of an m x n matrix, for
 * r >= 1 or r = INFINITY (operator norm sigma_1).  r = 1 is the nuclear norm,
 * r = 2 the Frobenius norm (still computed from the SVD).  Evaluated as
 * sigma_1 * ||sigma / sigma_1||_r so that large r neither overflows nor
 * underflows.  Not squared.  Cost: one SVD without vectors.
 * Statuses: OK; INVALID (r < 1 or NaN, empty or non-finite A); TOO_LARGE;
 * NOMEM; NUMERICAL.
 */
SPECOT_API specot_status specot_linalg_schatten_norm(specot_ctx *ctx,
                                                     specot_linalg_ws *ws,
                                                     const double *A, size_t m,
                                                     size_t n, double r,
                                                     double *value);

/*
 * Schatten gauge of a PSD d x d matrix: gamma_p(S) = ||lambda(S)||_{l_p} =
 * (tr S^p)^(1/p) for p in [1/2, inf]; gamma_inf = lambda_max.  For
 * 1/2 <= p < 1 this is a quasi-norm gauge (not convex).  Normalisation:
 * gamma_p(a a^T) = |a|^2.  Evaluated as lambda_max * ||lambda/lambda_max||_p.
 * Validation as the paper's toolbox: with tol = 1e-12 * max|lambda(sym S)|
 * (= ||sym S||_2), S must satisfy max_ij |S_ij - S_ji| <= tol and
 * lambda_min(sym S) >= -tol, where sym S = (S + S^T)/2; eigenvalues
 * <= d DBL_EPSILON ||sym S||_2 (rounding noise of the eigensolver) then count
 * as 0 — unlike the toolbox, which keeps them; this matters only for p < 1,
 * e.g. gamma_{1/2}(a a^T) = |a|^2 to rounding.  Cost: one d x d dsyevd
 * (values only).
 * Statuses: OK; INVALID (p < 1/2 or NaN, not symmetric, not PSD,
 * non-finite); TOO_LARGE; NOMEM; NUMERICAL.
 */
SPECOT_API specot_status specot_linalg_schatten_gauge(specot_ctx *ctx,
                                                      specot_linalg_ws *ws,
                                                      const double *S, size_t d,
                                                      double p, double *value);

/*
 * Uncentered weighted second moment S = sum_i w_i x_i x_i^T (d x d, written
 * fully symmetric) of the n x d matrix X whose rows are x_i.  w as in the
 * conventions (NULL = uniform 1/n).  Cost: n d^2 flops; never allocates.
 * Statuses: OK; INVALID (sizes, non-finite X, bad weights); TOO_LARGE.
 */
SPECOT_API specot_status specot_linalg_second_moment(specot_ctx *ctx,
                                                     const double *X, size_t n,
                                                     size_t d, const double *w,
                                                     double *S);

/*
 * Velocity (tangent) norm N_{w,p}(V) = gamma_p(sum_i w_i v_i v_i^T)^(1/2)
 * = ||diag(sqrt(w)) V||_{S_{2p}} for an n x d velocity matrix V (rows are
 * particles), p in [1/2, inf].  w as in the conventions (NULL = uniform 1/n,
 * so the value is ||V||_{S_{2p}} / sqrt(n)).  Not squared.
 * Cost: one n x d SVD without vectors.
 * Statuses: OK, INVALID, TOO_LARGE, NOMEM, NUMERICAL.
 */
SPECOT_API specot_status specot_linalg_velocity_norm(specot_ctx *ctx,
                                                     specot_linalg_ws *ws,
                                                     const double *V, size_t n,
                                                     size_t d, const double *w,
                                                     double p, double *value);

/* ------------------------------------------------------------------------ */
/* Schatten LMO (steepest descent map)                                        */
/* ------------------------------------------------------------------------ */

/*
 * Matrix LMO  J_p(G) = argmin_V <G,V>_F + 1/2 ||V||^2_{S_{2p}}  for an m x n
 * G and p in [1/2, inf], including the minus sign and the dual-norm scale:
 *
 *   J_p(G) = -||G||_{S_q}^{2-q} U diag(sigma_i^{q-1}) W^T,  q = 2p/(2p-1),
 *
 * over the compact SVD after the rank cut-off (conventions).  Cases, exactly
 * as the paper's toolbox (spectral.py, schatten_lmo):
 *   p = 1:        J = -G (no SVD, no cut-off, rtol ignored but validated);
 *   p = inf:      J = -||G||_* U W^T (trace-scaled partial polar; 0 on the
 *                 null singular space);  any p with 2p-1 overflowing to inf
 *                 (p >= ~9e307) gives q = 1, i.e. the p = inf map;
 *   p = 1/2:      J = -sigma_1 / k * sum_{i: sigma_i >= (1-rtol) sigma_1}
 *                 u_i w_i^T, averaging the k tied top directions;
 *   otherwise:    response_i = sigma_1 * nu * (s_i / nu)^(q-1) with
 *                 s = sigma / sigma_1 and nu = ||s||_q (overflow-free form);
 *   G = 0:        J = 0.
 * Identities: ||J||_{S_{2p}} = ||G||_{S_q}, <G, J> = -||G||_{S_q}^2,
 * J(cG) = c J(G) (c > 0), J(O G O') = O J(G) O' (orthogonal O, O').
 * dual_norm (may be NULL) receives ||G||_{S_q} of the truncated spectrum
 * (for p = 1: ||G||_F; p = 1/2: sigma_1).  V is m x n and may alias G.
 * Route (automatic): for p != 1, 1/2 and a well-conditioned G with
 * sigma_min/sigma_1 >= max(1e-3, 2 rtol) (so the cut-off cannot act) the
 * Gram eigendecomposition on the small side is used, J = -G W diag(resp_i /
 * sigma_i) W^T, refined to first order by a second Gram product of the
 * preconditioned G W diag(1/sigma) (docs/linalg.md), so that the relative
 * error is ~ DBL_EPSILON cond(G), as for the SVD (measured against the exact
 * J for p >= 1: <= 5e-15 at cond 1, <= 1e-13 at cond 900, sizes up to
 * 512); the refinement is skipped when cond(G) <= 2, where it gains
 * nothing.  Otherwise the thin SVD (dgesdd).  Inputs with max|g_ij| outside
 * [2^-256, 2^256] are first scaled by an exact power of two.
 * Cost: Gram route M r0^2 + ~9 r0^3 + 5 M r0^2 + 2 r0^3 flops (cond <= 2:
 * M r0^2 + ~10 r0^3 + 2 M r0^2); SVD route one thin SVD plus 2 M r0^2 flops
 * (p != 1).
 * Statuses: OK; INVALID (p < 1/2 or NaN, rtol >= 1 or NaN, empty or
 * non-finite G); TOO_LARGE; NOMEM; NUMERICAL.
 */
SPECOT_API specot_status specot_linalg_lmo(specot_ctx *ctx,
                                           specot_linalg_ws *ws,
                                           const double *G, size_t m, size_t n,
                                           double p, double rtol, double *V,
                                           double *dual_norm);

/*
 * Particle (measure) LMO with weights: for forces g_i (rows of the n x d
 * matrix G) and weights w (conventions; NULL = uniform 1/n), the minimiser of
 * sum_i w_i <g_i, v_i> + 1/2 gamma_p(sum_i w_i v_i v_i^T):
 *
 *   v_i = [J_p(diag(sqrt(w)) G)]_i / sqrt(w_i)   (v_i = 0 where w_i = 0).
 *
 * With uniform weights V = J_p(G) (1-homogeneity).  The rank cut-off applies
 * to diag(sqrt(w)) G with the default rtol = DBL_EPSILON * max(n, d).
 * dual_norm (may be NULL) receives N*_w(G) = ||diag(sqrt(w)) G||_{S_q}; the
 * weighted pairing is sum_i w_i <g_i, v_i> = -N*^2 and the velocity norm
 * N_{w,p}(V) = N*.  V is n x d.  Cost: as specot_linalg_lmo.
 * Statuses: as specot_linalg_lmo, plus INVALID for bad weights.
 */
SPECOT_API specot_status specot_linalg_particle_lmo(
    specot_ctx *ctx, specot_linalg_ws *ws, const double *G, size_t n, size_t d,
    const double *w, double p, double rtol, double *V, double *dual_norm);

/* Gauges over column blocks G = [G_1 | ... | G_B] (block widths sum to n). */
typedef enum specot_linalg_block_gauge {
  /* gamma(S) = sum_b gamma_p(S_bb): independent LMO per block, V_b = J_p(G_b).
   * Tangent norm (sum_b ||V_b||^2_{S_2p})^(1/2); dual norm
   * (sum_b ||G_b||^2_{S_q})^(1/2). */
  SPECOT_LINALG_BLOCK_SUM = 0,
  /* gamma(S) = max_b gamma_p(S_bb) (p = inf: max_b lambda_max(S_bb)): a common
   * clock, V_b = -(sum_a ||G_a||_{S_q}) U_b diag(sigma_b^{q-1}) W_b^T /
   * ||G_b||_{S_q}^{q-1}; at p = inf V_b = -(sum_a ||G_a||_*) polar(G_b).
   * Tangent norm max_b ||V_b||_{S_2p}; dual norm sum_b ||G_b||_{S_q}. */
  SPECOT_LINALG_BLOCK_MAX = 1
} specot_linalg_block_gauge;

/*
 * Block LMO: argmin_V <G,V> + 1/2 N(V)^2 for the block gauge `gauge` above,
 * with column blocks of widths[0..nblocks) (each >= 1, summing to n) and
 * p in [1/2, inf]; each block uses the rank cut-off with its own default
 * (rtol < 0) or the given rtol.  In both gauges <G,V> = -N*(G)^2 and
 * N(V) = N*(G).  dual_norm (may be NULL) receives N*(G).  V is m x n.
 * Example: block LMO of G with widths (1,1) at p = inf is -G (sum gauge).
 * Cost: one SVD per block.
 * Statuses: as specot_linalg_lmo, plus INVALID for bad widths or gauge.
 */
SPECOT_API specot_status specot_linalg_block_lmo(
    specot_ctx *ctx, specot_linalg_ws *ws, const double *G, size_t m, size_t n,
    const size_t *widths, size_t nblocks, double p,
    specot_linalg_block_gauge gauge, double rtol, double *V, double *dual_norm);

/*
 * Block tangent norm of V (m x n, column blocks as above) for the block gauge:
 * SUM: (sum_b ||V_b||^2_{S_2p})^(1/2); MAX: max_b ||V_b||_{S_2p}.  Not squared.
 * Statuses: OK, INVALID, TOO_LARGE, NOMEM, NUMERICAL.
 */
SPECOT_API specot_status specot_linalg_block_norm(
    specot_ctx *ctx, specot_linalg_ws *ws, const double *V, size_t m, size_t n,
    const size_t *widths, size_t nblocks, double p,
    specot_linalg_block_gauge gauge, double *value);

/* ------------------------------------------------------------------------ */
/* Polar factor                                                              */
/* ------------------------------------------------------------------------ */

typedef enum specot_linalg_polar_method {
  /* Gram route when the Gram eigenvalues satisfy
   * lambda_min >= gram_min_ratio * lambda_max (well conditioned, full rank),
   * otherwise SVD.  The Gram eigendecomposition is reused (no extra cost).
   * With the default ratio the result is accurate to ~ DBL_EPSILON cond(G),
   * like the SVD route. */
  SPECOT_LINALG_POLAR_AUTO = 0,
  /* Thin SVD (dgesdd): polar = U_r W_r^T with the rank cut-off rtol. */
  SPECOT_LINALG_POLAR_SVD = 1,
  /* Gram route on the small side: G^T G = W L W^T (dsyrk + dsyevd), polar =
   * G W L^{-1/2} W^T (m >= n) or W L^{-1/2} W^T G (m < n), refined to first
   * order (when cond(G) > 2) with B = G W L^{-1/2}, Delta = B^T B - I:
   * polar = B (I - [Delta_ij d_i / (d_i + d_j)]) W^T with the singular values
   * d = L^{1/2} (docs/linalg.md).  Relative error ~ DBL_EPSILON cond(G)
   * + (DBL_EPSILON cond(G)^2)^2 (the unrefined route had DBL_EPSILON
   * cond(G)^2): ~1e-13 at cond 1e3, ~1e-12 at cond 1e4, degrading beyond
   * cond ~1e5.  Eigenvalues lambda_i <= max(rtol^2, 8 r0 DBL_EPSILON) *
   * lambda_max are dropped (the refinement then acts on the kept ones), so
   * singular values below ~sqrt(8 r0 DBL_EPSILON) sigma_1 count as 0. */
  SPECOT_LINALG_POLAR_GRAM = 2
} specot_linalg_polar_method;

typedef struct specot_linalg_polar_opts {
  specot_linalg_polar_method method; /* default SPECOT_LINALG_POLAR_AUTO */
  double rtol;           /* rank cut-off (relative to sigma_1); default
                            SPECOT_LINALG_RTOL_DEFAULT */
  double gram_min_ratio; /* AUTO threshold on lambda_min/lambda_max of the Gram
                            matrix
                            (= (sigma_min/sigma_1)^2, relative); default 1e-6,
                            i.e. cond(G) <= 1e3, refined Gram error
                            ~ DBL_EPSILON cond(G) <~ 1e-13; must be in
                            (0, 1] */
} specot_linalg_polar_opts;

SPECOT_API void specot_linalg_polar_opts_init(specot_linalg_polar_opts *opts);

/*
 * Canonical (partial) polar factor polar(G) = U_r W_r^T = G (G^T G)^{+/2} of
 * an m x n G, with the rank cut-off; polar(0) = 0.  Properties:
 * ||polar G||_op = 1 (G != 0), <G, polar G> = ||G||_*, polar(QGR) =
 * Q polar(G) R, polar(G^T) = polar(G)^T.  opts NULL = defaults.  Q is m x n.
 * method_used (may be NULL) receives SVD or GRAM.
 * Cost: SVD route one thin SVD + 2 M r0^2; Gram route M r0^2 (syrk) +
 * ~9 r0^3 (syevd) + 5 M r0^2 (refinement: two GEMMs and a syrk) + 2 r0^3
 * (cond(G) <= 2: r0^3 + 2 M r0^2 instead of the refinement).
 * Statuses: OK; INVALID (empty/non-finite G, bad opts); TOO_LARGE; NOMEM;
 * NUMERICAL.
 */
SPECOT_API specot_status
specot_linalg_polar(specot_ctx *ctx, specot_linalg_ws *ws, const double *G,
                    size_t m, size_t n, const specot_linalg_polar_opts *opts,
                    double *Q, specot_linalg_polar_method *method_used);

/* Newton–Schulz coefficient schedules (muon.md section 1.2). */
typedef enum specot_linalg_ns_schedule {
  /* Keller Jordan's quintic (a,b,c) = (3.4445, -4.7750, 2.0315) every step;
   * output singular values land in ~[0.68, 1.13], not exactly 1. */
  SPECOT_LINALG_NS_KJ5 = 0,
  /* Polar Express (Amsel et al. 2025): 8 per-step triples, the last reused;
   * every triple but the last divided as (a/1.01, b/1.01^3, c/1.01^5); the
   * input normalisation is X0 = G / (1.01 ||G||_F + norm_eps). */
  SPECOT_LINALG_NS_POLAR_EXPRESS = 1,
  /* Classical cubic (1.5, -0.5, 0): converges to polar(G) on sigma > 0. */
  SPECOT_LINALG_NS_CUBIC = 2
} specot_linalg_ns_schedule;

typedef struct specot_linalg_ns_opts {
  specot_linalg_ns_schedule schedule; /* default SPECOT_LINALG_NS_KJ5 */
  size_t steps;                       /* number of steps, >= 0; default 5 */
  double
      norm_eps; /* absolute, >= 0: X0 = G / (c ||G||_F + norm_eps) with c = 1.01
                   for Polar Express and 1 otherwise; default 0 (exactly scale
                   invariant; Keller Jordan's code uses 1e-7) */
} specot_linalg_ns_opts;

SPECOT_API void specot_linalg_ns_opts_init(specot_linalg_ns_opts *opts);

/*
 * Newton–Schulz iteration in double precision.  X0 = G/(c||G||_F + norm_eps);
 * each step with coefficients (a,b,c_k): A = X X^T; B = b A + c_k A A;
 * X <- a X + B X, iterated on the small side (the transpose when m > n, which
 * changes only the cost: NS(G^T) = NS(G)^T).  Exact identity:
 * NS_k(G) = U diag(phi_k(sigma_i / (c||G||_F + norm_eps))) W^T with phi_k the
 * composition of the step polynomials p(x) = a x + b x^3 + c x^5.
 * G = 0 gives Q = 0.  opts NULL = defaults (KJ5, 5 steps).  Q is m x n.
 * Cost per step: r0^2 M (syrk) + 2 r0^3 + 2 r0^2 M flops, i.e. 25 n^3 for
 * 5 steps on n x n.  No allocation with a workspace.
 * Statuses: OK; INVALID (empty/non-finite G, bad opts); TOO_LARGE; NOMEM;
 * NUMERICAL (non-finite iterate).
 */
SPECOT_API specot_status specot_linalg_newton_schulz(
    specot_ctx *ctx, specot_linalg_ws *ws, const double *G, size_t m, size_t n,
    const specot_linalg_ns_opts *opts, double *Q);

/* ------------------------------------------------------------------------ */
/* Regularized orthogonalization (muon.md section 1.3), eps > 0 (absolute)   */
/* ------------------------------------------------------------------------ */

/*
 * O_eps(G) = G (G^T G + eps I_n)^{-1/2} = (G G^T + eps I_m)^{-1/2} G
 *          = U diag(sigma_i / sqrt(sigma_i^2 + eps)) W^T,
 * and its potential (smoothed nuclear norm)
 * Phi_eps(G) = sum_{i<=r0} sqrt(sigma_i^2 + eps) (zero singular values count),
 * with grad Phi_eps = O_eps.  Computed by the Gram route on the small side
 * (dsyrk + dsyevd + 2 GEMMs), stable since every Gram eigenvalue is >= eps.
 * O (m x n) and phi may each be NULL (not both).  O_eps(0) = 0,
 * Phi_eps(0) = r0 sqrt(eps).  Scaling: O_eps(cG) = O_{eps/c^2}(G).
 * Cost: M r0^2 + ~9 r0^3 + r0^3 + 2 M r0^2 flops.
 * Statuses: OK; INVALID (eps <= 0 or non-finite, empty/non-finite G, both
 * outputs NULL); TOO_LARGE; NOMEM; NUMERICAL.
 */
SPECOT_API specot_status specot_linalg_reg_polar(specot_ctx *ctx,
                                                 specot_linalg_ws *ws,
                                                 const double *G, size_t m,
                                                 size_t n, double eps,
                                                 double *O, double *phi);

/*
 * Conjugate of Phi_eps (the mirror potential):
 *   Phi_eps*(U) = -sqrt(eps) sum_{i<=r0} sqrt(1 - sigma_i(U)^2)
 *               = -sqrt(eps) tr((I - U^T U)^{1/2})  if ||U||_op <= 1,
 * and +INFINITY otherwise (returned with status OK).  Singular values within
 * 4 max(m,n) DBL_EPSILON above 1 count as 1 (rounding).  Fenchel–Young:
 * Phi_eps(G) + Phi_eps*(U) >= <G,U>, with equality at U = O_eps(G).
 * Cost: one SVD without vectors.
 * Statuses: OK, INVALID, TOO_LARGE, NOMEM, NUMERICAL.
 */
SPECOT_API specot_status specot_linalg_reg_conjugate(specot_ctx *ctx,
                                                     specot_linalg_ws *ws,
                                                     const double *U, size_t m,
                                                     size_t n, double eps,
                                                     double *value);

/*
 * Mirror map = grad Phi_eps* = inverse of O_eps on the open unit op-ball:
 *   G = sqrt(eps) U (I - U^T U)^{-1/2}, for ||U||_op < 1,
 * so that reg_mirror(O_eps(G)) = G.  Computed on the small side by the Gram
 * route.  G is m x n.
 * Statuses: OK; INVALID (||U||_op >= 1 — outside the domain —, eps <= 0,
 * empty/non-finite U); TOO_LARGE; NOMEM; NUMERICAL.
 */
SPECOT_API specot_status specot_linalg_reg_mirror(specot_ctx *ctx,
                                                  specot_linalg_ws *ws,
                                                  const double *U, size_t m,
                                                  size_t n, double eps,
                                                  double *G);

/*
 * Hessian–vector product of Phi_eps at G in direction H (both m x n):
 * with S = G^T G + eps I = W L W^T, s = sqrt(L), E = W^T (G^T H + H^T G) W,
 * K_ij = -1 / (s_i s_j (s_i + s_j)):
 *   out = H W diag(1/s) W^T + G W (E o K) W^T          (m >= n),
 * and the transposed formula on the small side when m < n.  The Hessian is
 * symmetric with eigenvalues in (0, eps^{-1/2}]: 0 < <H, out> <= ||H||_F^2 /
 * sqrt(eps) for H != 0.  out is m x n.
 * Cost: M r0^2 + ~9 r0^3 + ~6 M r0^2 + 4 r0^3 flops.
 * Statuses: OK, INVALID, TOO_LARGE, NOMEM, NUMERICAL.
 */
SPECOT_API specot_status specot_linalg_reg_hvp(specot_ctx *ctx,
                                               specot_linalg_ws *ws,
                                               const double *G, const double *H,
                                               size_t m, size_t n, double eps,
                                               double *out);

/* ------------------------------------------------------------------------ */
/* Symmetric eigenproblems and PSD matrix functions (d x d)                  */
/* ------------------------------------------------------------------------ */

/*
 * Eigendecomposition of sym S = (S + S^T)/2 (S itself is not checked for
 * symmetry): sym S = E diag(lambda) E^T with eigenvalues in DESCENDING order
 * into lambda[0..d) and, if evecs != NULL, the orthonormal eigenvectors as the
 * COLUMNS of the row-major d x d matrix evecs (evecs[i*d + k] = component i
 * of eigenvector k).  Signs of eigenvectors are as returned by LAPACK.
 * Cost: dsyevd, ~9 d^3 with vectors, ~(4/3) d^3 without.
 * Statuses: OK; INVALID (d == 0, non-finite S); TOO_LARGE; NOMEM; NUMERICAL.
 */
SPECOT_API specot_status specot_linalg_sym_eig(specot_ctx *ctx,
                                               specot_linalg_ws *ws,
                                               const double *S, size_t d,
                                               double *lambda, double *evecs);

typedef struct specot_linalg_psd_opts {
  double sym_rtol; /* symmetry check max|S_ij - S_ji| <= sym_rtol * ||sym S||_2
                      (relative); default 1e-12 (paper toolbox) */
  double neg_rtol; /* PSD check lambda_min >= -neg_rtol * ||sym S||_2
                      (relative); negative eigenvalues that pass are clamped to
                      0; default 1e-12 */
  double
      range_rtol; /* for power <= 0: eigenvalues <= range_rtol * lambda_max are
                     the kernel (output 0 there); negative selects the default
                     DBL_EPSILON * d; default SPECOT_LINALG_RTOL_DEFAULT */
} specot_linalg_psd_opts;

SPECOT_API void specot_linalg_psd_opts_init(specot_linalg_psd_opts *opts);

/*
 * PSD matrix power out = S^power on the range of S:
 * out = E diag(f(lambda)) E^T with lambda the clamped eigenvalues of sym S and
 *   power > 0:  f(l) = l^power (0 at l = 0);
 *   power = 0:  f = 1 on the range (l > range_rtol * lambda_max), 0 on the
 *               kernel: the orthogonal projector onto range(S);
 *   power < 0:  f(l) = l^power on the range, 0 on the kernel
 *               (pseudo-inverse powers; power = -1 is the pseudo-inverse).
 * S = 0 gives out = 0.  S is validated as in specot_linalg_psd_opts.
 * rtol is the range cut-off (negative = default DBL_EPSILON * d); the other
 * tolerances take their defaults; specot_linalg_psd_power_ex takes all of
 * them (opts NULL = defaults).  out is d x d, symmetric, may alias S.
 * Cost: one dsyevd with vectors + d^3 (syrk).
 * Statuses: OK; INVALID (power non-finite, S not symmetric or not PSD,
 * non-finite S, d == 0); TOO_LARGE; NOMEM; NUMERICAL.
 */
SPECOT_API specot_status specot_linalg_psd_power(specot_ctx *ctx,
                                                 specot_linalg_ws *ws,
                                                 const double *S, size_t d,
                                                 double power, double rtol,
                                                 double *out);
SPECOT_API specot_status specot_linalg_psd_power_ex(
    specot_ctx *ctx, specot_linalg_ws *ws, const double *S, size_t d,
    double power, const specot_linalg_psd_opts *opts, double *out);

/* PSD square root S^{1/2} (= psd_power with power 1/2, default tolerances). */
SPECOT_API specot_status specot_linalg_psd_sqrt(specot_ctx *ctx,
                                                specot_linalg_ws *ws,
                                                const double *S, size_t d,
                                                double *out);

#ifdef __cplusplus
}
#endif

#endif /* SPECOT_LINALG_H */
