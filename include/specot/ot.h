/*
 * specot/ot.h — discrete optimal transport: exact (network simplex, 1-D
 * sorting) and entropic (log-domain Sinkhorn with eps-scaling, debiased
 * Sinkhorn divergence with gradients).
 *
 * Measures: mu = sum_i a_i delta_{x_i} (n atoms), nu = sum_j b_j delta_{y_j}
 * (m atoms).  a, b are finite, >= 0, with equal totals up to opts.mass_rtol
 * (relative: |sum a - sum b| <= mass_rtol * max(sum a, sum b)); they need not
 * sum to 1.  A NULL weight vector means uniform weights 1/n (resp. 1/m).
 * Zero-mass atoms are allowed: they are removed before solving and get
 * dual-feasible potentials afterwards (c-transforms), so every output has the
 * caller's shape.
 *
 * Costs: either a dense row-major n x m matrix C (C[i*m + j], any finite
 * values), or computed from points X (n x d) and Y (m x d), row-major, as the
 * SQUARED distance C_ij = |L x_i - L y_j|^2 with L an r x d matrix (NULL L
 * means the identity, i.e. squared Euclidean cost).  This is the Mahalanobis
 * cost (x-y)^T Q (x-y) with Q = L^T L; it is computed from the transformed
 * points L x_i, L y_j (difference then square), never from the expanded form
 * |x|^2 + |y|^2 - 2<x,y>, so it is never negative.
 *
 * Plans: pi in Pi(a,b) = {pi >= 0, pi 1 = a, pi^T 1 = b}.  Exact plans are
 * returned sparse (row, col, mass) with at most n+m-1 nonzeros (a vertex of
 * the transport polytope); entropic plans optionally dense.
 *
 * Potentials (both solvers): f (length n), g (length m) with
 *   exact:    f_i + g_j <= C_ij for all i,j, equality where pi_ij > 0, and
 *             sum_i a_i f_i + sum_j b_j g_j = sum_ij pi_ij C_ij at the optimum;
 *   entropic: pi_ij = a_i b_j exp((f_i + g_j - C_ij)/eps).
 * Normalisation (potentials are defined up to (f + k, g - k)): the constant is
 * chosen so that sum_i a_i f_i = sum_j b_j g_j (the two halves of the dual
 * objective are equal; same rule as POT's ot.lp.center_ot_dual).  Relation
 * to POT's log-domain Sinkhorn (log['log_u'], log['log_v'] with
 * log pi = -C/eps + log_u_i + log_v_j): f = eps (log_u - log a) + k and
 * g = eps (log_v - log b) - k; compare after normalising both.
 *
 * Thread safety (FFTW-style): workspaces are the "plans".  Allocation and
 * free are re-entrant.  Distinct workspaces may be solved concurrently from
 * different threads; one workspace must not be used by two threads at once.
 * Inputs are read-only and may be shared.  The Sinkhorn kernels use OpenMP
 * threads (OMP_NUM_THREADS, the count fixed when the workspace is
 * allocated) over rows and blocks of columns; results depend on the thread
 * count only through the order of floating-point sums (per-thread partial
 * column sums are added in thread order).  The AVX2 path uses FMA and SLEEF
 * (1.0 ULP) and the scalar path libm, so the last bits also differ between
 * CPUs.  The network simplex is sequential and deterministic.
 *
 * Status codes used below (see specot.h): SPECOT_OK; SPECOT_WARN_MAXITER
 * (iteration cap, outputs valid); SPECOT_WARN_INACCURATE (the optimality
 * post-check missed its tolerance, outputs valid); SPECOT_ERR_INVALID (bad
 * argument, with a message naming it); SPECOT_ERR_INFEASIBLE (mass totals
 * differ: the message gives both totals); SPECOT_ERR_TOO_LARGE (n*m overflows
 * or the memory needed exceeds the budget: the message gives the bytes);
 * SPECOT_ERR_NOMEM; SPECOT_ERR_NUMERICAL (non-finite value produced).
 */
#ifndef SPECOT_OT_H
#define SPECOT_OT_H

#include "specot/specot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Costs                                                                     */
/* ------------------------------------------------------------------------ */

/*
 * C_ij = |L x_i - L y_j|^2 (SQUARED), C row-major n x m (caller-owned, n*m
 * doubles).  X: n x d, Y: m x d row-major; L: r x d row-major, or NULL for
 * the identity (then r is ignored).  Computed from the transformed points, so
 * C >= 0 exactly.  Cost: (n+m) r d + n m r flops; memory (n+m) r doubles
 * (allocated per call).  Statuses: OK, ERR_INVALID (zero sizes, NULL,
 * non-finite input), ERR_TOO_LARGE, ERR_NOMEM.
 */
SPECOT_API specot_status specot_ot_cost_sqeuclidean(specot_ctx *ctx, size_t n, size_t m,
                                                    size_t d, const double *X, const double *Y,
                                                    const double *L, size_t r, double *C);

/* ------------------------------------------------------------------------ */
/* Exact OT: network simplex                                                  */
/* ------------------------------------------------------------------------ */

/* Options of the exact solver; NULL means defaults. */
typedef struct specot_ot_emd_opts {
  size_t max_iter;     /* cap on simplex pivots; 0 = automatic, 1000*(n+m) (default 0) */
  double mass_rtol;    /* relative tolerance on equal mass totals (default 1e-9) */
  double verify_rtol;  /* post-check tolerance, relative to max|C|: reduced costs
                          C_ij - f_i - g_j >= -verify_rtol*max|C| and
                          |primal - dual| <= verify_rtol*max|C|*sum a (default 1e-9) */
  int warm_start;      /* 1: start from the workspace's previous optimal spanning tree
                          when a and b are identical to the previous solve's (the tree
                          is then feasible; only the cost changed); otherwise cold
                          (default 1) */
  size_t mem_budget;   /* bytes allowed for the workspace; 0 = physical memory
                          (sysconf(_SC_PHYS_PAGES) * page size) (default 0) */
} specot_ot_emd_opts;

SPECOT_API void specot_ot_emd_opts_init(specot_ot_emd_opts *opts);

/* Scalar results of an exact solve. */
typedef struct specot_ot_emd_result {
  double cost;            /* <pi, C> = sum_ij pi_ij C_ij of the returned plan */
  double dual_objective;  /* <a, f> + <b, g> with the returned potentials */
  double min_reduced_cost;/* min_ij (C_ij - f_i - g_j) (>= -tol at optimality; 0 for
                             the 1-D solver, whose staircase potentials are feasible) */
  double lower_bound;     /* dual_objective + min(0, min_reduced_cost) * sum a: a
                             certified lower bound on the optimal cost (shifting f by
                             the most negative reduced cost makes (f, g) feasible) */
  double marginal_error;  /* |pi 1 - a|_1 + |pi^T 1 - b|_1 of the returned plan */
  size_t nnz;             /* nonzeros of the sparse plan (<= n+m-1) */
  size_t iterations;      /* simplex pivots performed (0 when warm and already optimal) */
  int warm_started;       /* 1 when the solve started from the previous tree */
  specot_status status;   /* same as the return value */
} specot_ot_emd_result;

/* Solver object: keeps the cost buffer, the spanning tree (the basis),
 * flows, potentials and the last weights, so that a solve with the same a, b
 * and a new cost starts warm from the previous optimal tree. */
typedef struct specot_ot_emd_ws specot_ot_emd_ws;

/*
 * Allocates a workspace for n x m problems.  d >= 1 additionally reserves
 * room for point solves in dimension d (transformed points with r <= d);
 * d = 0 allows dense-cost solves only.  Memory: 9 n m bytes (cost copy +
 * arc states) + O((n+m)(d+10)) doubles; checked up front against
 * opts->mem_budget (ERR_TOO_LARGE with the bytes needed).  Statuses: OK,
 * ERR_INVALID, ERR_TOO_LARGE, ERR_NOMEM.
 */
SPECOT_API specot_status specot_ot_emd_ws_alloc(specot_ctx *ctx, size_t n, size_t m, size_t d,
                                                const specot_ot_emd_opts *opts,
                                                specot_ot_emd_ws **ws);
SPECOT_API void specot_ot_emd_ws_free(specot_ot_emd_ws *ws);

/*
 * Exact OT with a dense cost: min_{pi in Pi(a,b)} <pi, C>.  C: n x m
 * row-major (copied into the workspace; need not stay valid).  Algorithm:
 * primal network simplex on the bipartite graph with an artificial root,
 * strongly feasible spanning trees (Cunningham's leaving-arc rule, so no
 * cycling under degeneracy), block-search pivoting (block = max(sqrt(nm), 10)
 * arcs) with a candidate list (the best arc of each 64-arc chunk of the
 * last block, up to 64, re-priced before the next block is scanned).  Stops when no arc has reduced cost < -64*DBL_EPSILON*max|C|
 * (checked over all arcs with freshly recomputed potentials).  Then
 * verifies: marginals, primal = dual and reduced costs >= -tol (opts).
 * Warm start: see opts->warm_start.  Typical cost O(nm) per block sweep,
 * O(n+m) per pivot; no allocation.  Results are read with
 * specot_ot_emd_plan / _plan_dense / _potentials.  Statuses: OK,
 * WARN_MAXITER (the plan is feasible: residual mass is completed by a
 * north-west corner on the leftover marginals; potentials are those of the
 * last tree, not dual feasible), WARN_INACCURATE, ERR_INVALID,
 * ERR_INFEASIBLE, ERR_NUMERICAL.  result may be NULL.
 */
SPECOT_API specot_status specot_ot_emd_solve(specot_ctx *ctx, specot_ot_emd_ws *ws,
                                             const double *a, const double *b, const double *C,
                                             const specot_ot_emd_opts *opts,
                                             specot_ot_emd_result *result);

/*
 * Same, with C_ij = |L x_i - L y_j|^2 computed in the workspace from the
 * transformed points (see specot_ot_cost_sqeuclidean; L: r x d row-major,
 * 1 <= r <= d of the workspace, or NULL for the identity; X: n x d, Y: m x d).
 * The intended use is a sequence of Mahalanobis costs Q = L^T L with fixed
 * a, b: each solve starts from the previous optimal tree.  Extra cost:
 * n m r flops for the cost.  Statuses: as specot_ot_emd_solve.
 */
SPECOT_API specot_status specot_ot_emd_solve_points(specot_ctx *ctx, specot_ot_emd_ws *ws,
                                                    const double *a, const double *b,
                                                    const double *X, const double *Y,
                                                    const double *L, size_t r,
                                                    const specot_ot_emd_opts *opts,
                                                    specot_ot_emd_result *result);

/* Sparse plan of the last successful solve: writes nnz entries into row,
 * col (size_t) and mass (each of length >= n+m-1) and returns nnz (0 when
 * no solve succeeded).  Entries are sorted by (row, col); masses > 0. */
SPECOT_API size_t specot_ot_emd_plan(const specot_ot_emd_ws *ws, size_t *row, size_t *col,
                                     double *mass);
/* Dense plan (n x m row-major, caller-owned) of the last successful solve. */
SPECOT_API void specot_ot_emd_plan_dense(const specot_ot_emd_ws *ws, double *plan);
/* Potentials of the last successful solve (f: n, g: m; either may be NULL),
 * normalised so that <a,f> = <b,g>; dual feasible after an OK solve. */
SPECOT_API void specot_ot_emd_potentials(const specot_ot_emd_ws *ws, double *f, double *g);

/*
 * One-shot exact OT (allocates a workspace for the call).  Outputs may be
 * NULL: row/col/mass (length >= n+m-1), f (n), g (m).  result may be NULL.
 * Statuses: those of ws_alloc and solve.
 */
SPECOT_API specot_status specot_ot_emd(specot_ctx *ctx, size_t n, size_t m, const double *a,
                                       const double *b, const double *C,
                                       const specot_ot_emd_opts *opts,
                                       specot_ot_emd_result *result, size_t *row, size_t *col,
                                       double *mass, double *f, double *g);

/*
 * 1-D exact OT for the SQUARED cost C_ij = (x_i - y_j)^2 (x: n, y: m
 * points on the line) by sorting: the monotone (north-west corner on sorted
 * atoms) plan is optimal for any convex function of x - y.  Returns the
 * sparse plan (<= n+m-1 nonzeros, sorted by (row, col)), and potentials
 * solving f_i + g_j = C_ij on the staircase (dual feasible, normalised as
 * above).  Outputs may be NULL.  Cost O(n log n + m log m); allocates
 * O(n+m).  result->iterations = 0.  Statuses: OK, ERR_INVALID,
 * ERR_INFEASIBLE, ERR_NOMEM.
 */
SPECOT_API specot_status specot_ot_emd_1d(specot_ctx *ctx, size_t n, size_t m, const double *x,
                                          const double *a, const double *y, const double *b,
                                          const specot_ot_emd_opts *opts,
                                          specot_ot_emd_result *result, size_t *row, size_t *col,
                                          double *mass, double *f, double *g);

/* ------------------------------------------------------------------------ */
/* Entropic OT: log-domain Sinkhorn with eps-scaling                          */
/* ------------------------------------------------------------------------ */

/*
 * Conventions.  eps > 0 is ABSOLUTE (POT's `reg`).
 *   OT_eps(a,b) = min_pi <pi,C> + eps KL(pi | a (x) b),
 *   KL(pi|q) = sum pi log(pi/q) - sum pi + sum q.
 * The optimal plan is the same as POT's sinkhorn (which uses
 * + eps sum pi log pi); values differ by eps (H(a) + H(b)) for unit masses.
 *   result.cost             = <pi, C> of the returned plan (POT's sinkhorn2);
 *   result.regularized_cost = <pi,C> + eps KL(pi | a(x)b) of the returned plan;
 *   result.dual_objective   = <a,f> + <b,g> - eps sum_ij (pi_ij - a_i b_j)
 *                             (= OT_eps at convergence);
 *   result.lower_bound      = <a, g^c> + <b, g> with g^c_i = min_j (C_ij - g_j):
 *                             a certified lower bound on the EXACT OT cost
 *                             min <pi,C> (the pair (g^c, g) is dual feasible).
 * Updates (log domain with stabilised scalings, Schmitzer 2019): the
 * iterations run on the absorbed kernel K_ij = a_i b_j exp((f_i + g_j -
 * C_ij)/eps) with scalings u, v (v = b / K^T u, u = a / K v, one fused pass
 * over K per iteration), and u, v are absorbed into f, g (f += eps log u)
 * whenever they leave [1e-100, 1e100] and at the end of each eps stage.  The
 * plain kernel exp(-C/eps) is never formed, so nothing overflows for tiny
 * eps; when a kernel row or column underflows entirely, a pure log-domain
 * step is taken instead:
 *   g_j <- -eps log sum_i a_i exp((f_i - C_ij)/eps),
 *   f_i <- -eps log sum_j b_j exp((g_j - C_ij)/eps),
 * each a max-shifted log-sum-exp with a vectorised exp (SLEEF AVX2 when the
 * CPU has it, else libm exp).
 * Over-relaxation (target eps stage, opts.relaxation): the scaling updates
 * are x <- x (x_sk / x)^w, i.e. f <- (1-w) f + w f_sk in the log domain
 * (Thibault et al. 2021), with a per-coordinate safeguard that keeps every
 * step an ascent step of the dual objective (a coordinate falls back to
 * the plain update when the relaxed one would lower it).  The automatic
 * weight (default) is w = 2/(1+sqrt(1-r)) with r the convergence rate
 * observed over the first 6 plain iterations, then raised with Young's SOR
 * relation while the observed rate stays above w - 1 (capped at 1.9).
 * Stopping rule: the L1 column-marginal violation sum_j |sum_i pi_ij - b_j|
 * (absolute, in mass units) <= tol, checked every iteration (for free, from
 * K^T u), after a plain (w = 1) iteration, so rows are exact at exit; while
 * relaxed, the row violation is added and the solver finishes with plain
 * iterations once the sum is <= tol.
 * eps-scaling: stages eps_k = max(eps, eps0 q^k), eps0 = opts.eps_start, or
 * by default 256 eps when the cost range max C - min C exceeds 256 eps and
 * no annealing at all otherwise; q = opts.scaling_factor; each intermediate stage runs
 * until the violation is <= max(tol, 1e-3 sum b) or opts.stage_iter
 * iterations, the target stage until tol or the remaining budget.
 */
typedef struct specot_ot_sinkhorn_opts {
  double tol;            /* L1 marginal violation, absolute (default 1e-9) */
  size_t max_iter;       /* cap on iterations over all stages (default 100000) */
  int eps_scaling;       /* 1: anneal eps from eps_start down to eps (default 1) */
  double eps_start;      /* first eps of the annealing; 0 = automatic: 256 eps when
                            max C - min C > 256 eps, else no annealing (default 0) */
  double scaling_factor; /* q in (0,1): eps_{k+1} = q eps_k (default 0.5) */
  size_t stage_iter;     /* max iterations per intermediate stage (default 100) */
  int warm_start;        /* 1: f, g given on input are the starting potentials at the
                            target eps (no annealing) (default 0: start from 0) */
  double mass_rtol;      /* relative tolerance on equal mass totals (default 1e-9) */
  size_t mem_budget;     /* bytes allowed for the workspace; 0 = physical memory */
  double relaxation;     /* over-relaxation weight w of the target-eps stage: 0 = automatic
                            (w = 2/(1+sqrt(1-r)) from the rate r of the first plain
                            iterations), 1 = plain Sinkhorn, (1,2) fixed (default 0) */
} specot_ot_sinkhorn_opts;

SPECOT_API void specot_ot_sinkhorn_opts_init(specot_ot_sinkhorn_opts *opts);

typedef struct specot_ot_sinkhorn_result {
  double cost;             /* <pi, C> (linear cost, POT sinkhorn2 convention) */
  double regularized_cost; /* <pi, C> + eps KL(pi | a (x) b) */
  double dual_objective;   /* see conventions above */
  double lower_bound;      /* certified lower bound on the exact OT cost */
  double marginal_error;   /* L1 violation of pi^T 1 = b at the last check (rows exact;
                              at max_iter in a relaxed iteration, plus the row violation);
                              the plan re-formed from (f, g) differs by rounding of
                              relative size ~ |f| DBL_EPSILON / eps */
  size_t iterations;       /* Sinkhorn iterations (one g and one f update), all stages */
  specot_status status;    /* same as the return value */
} specot_ot_sinkhorn_result;

typedef struct specot_ot_sinkhorn_ws specot_ot_sinkhorn_ws;

/* Workspace for n x m problems; d >= 1 also allows point solves in
 * dimension d.  Memory: 8 n m bytes (the kernel; dense solves read the
 * caller's C in place) + 8 n m more when d >= 1 (the point cost) +
 * O((n+m) threads);
 * checked against opts->mem_budget (ERR_TOO_LARGE with the bytes needed).
 * opts may be NULL.  Statuses: OK, ERR_INVALID, ERR_TOO_LARGE, ERR_NOMEM. */
SPECOT_API specot_status specot_ot_sinkhorn_ws_alloc(specot_ctx *ctx, size_t n, size_t m,
                                                     size_t d,
                                                     const specot_ot_sinkhorn_opts *opts,
                                                     specot_ot_sinkhorn_ws **ws);
SPECOT_API void specot_ot_sinkhorn_ws_free(specot_ot_sinkhorn_ws *ws);

/*
 * Entropic OT with a dense cost C (n x m row-major, read in place: it must
 * stay valid and unchanged during the call).  f (n), g (m): outputs
 * (inputs too when opts->warm_start).  plan: optional dense n x m output
 * (NULL = not formed).  Zero-mass atoms: kept out of the sums, then given
 * the soft c-transform potential.  Cost per iteration: one pass over the
 * n x m kernel (4 n m flops), plus n m exp per absorption (at least one per
 * eps stage); OpenMP-parallel; no allocation in the iterations.  Statuses: OK,
 * WARN_MAXITER (last iterate returned), ERR_INVALID, ERR_INFEASIBLE,
 * ERR_NUMERICAL.
 */
SPECOT_API specot_status specot_ot_sinkhorn_solve(specot_ctx *ctx, specot_ot_sinkhorn_ws *ws,
                                                  const double *a, const double *b,
                                                  const double *C, double eps,
                                                  const specot_ot_sinkhorn_opts *opts, double *f,
                                                  double *g, double *plan,
                                                  specot_ot_sinkhorn_result *result);

/* Same with C_ij = scale |x_i - y_j|^2 (scale > 0; 1 = POT's ot.dist, 1/2
 * = GeomLoss p = 2) from X (n x d) and Y (m x d), d as given to ws_alloc. */
SPECOT_API specot_status specot_ot_sinkhorn_solve_points(
    specot_ctx *ctx, specot_ot_sinkhorn_ws *ws, const double *a, const double *b, const double *X,
    const double *Y, double scale, double eps, const specot_ot_sinkhorn_opts *opts, double *f,
    double *g, double *plan, specot_ot_sinkhorn_result *result);

/* One-shot dense-cost Sinkhorn (allocates a workspace for the call). */
SPECOT_API specot_status specot_ot_sinkhorn(specot_ctx *ctx, size_t n, size_t m, const double *a,
                                            const double *b, const double *C, double eps,
                                            const specot_ot_sinkhorn_opts *opts, double *f,
                                            double *g, double *plan,
                                            specot_ot_sinkhorn_result *result);

/*
 * Symmetric self-transport OT_eps(mu, mu) for C_ik = scale |x_i - x_k|^2
 * (X: n x d), on an n x n workspace allocated with d >= 1.  One potential
 * p (n) with pi_ik = a_i a_k exp((p_i + p_k - C_ik)/eps), found by the
 * averaged symmetric update p <- (p + smin_eps(C - p; a))/2 (Feydy et al.
 * 2019), which converges in a few iterations; at convergence OT_eps(mu,mu)
 * = 2 <a, p> (result.dual_objective), and dOT/da = 2p, d(OT/2)/dx_i =
 * 2 scale a_i (x_i - T(x_i)) with T(x_i) = sum_k pi_ik x_k / a_i.
 * Stopping: the L1 row-marginal violation sum_i |sum_k pi_ik - a_i| <=
 * opts->tol, checked every iteration; eps-scaling as for the alternating
 * solver; opts->warm_start: p on input is the starting potential.  p is the
 * unique symmetric potential (no normalisation needed); zero-mass atoms get
 * the soft c-transform.  plan: optional dense n x n output.  Result fields
 * as for specot_ot_sinkhorn_solve (lower_bound = <a, p^c> + <a, p>).
 * Cost per iteration: n^2 exp; allocation: none.  Statuses: OK,
 * WARN_MAXITER (last iterate returned), ERR_INVALID (including a non-square
 * workspace or d = 0), ERR_NUMERICAL.  Same results as the self terms of
 * specot_ot_divergence.
 */
SPECOT_API specot_status specot_ot_sinkhorn_sym_solve_points(
    specot_ctx *ctx, specot_ot_sinkhorn_ws *ws, const double *a, const double *X, double scale,
    double eps, const specot_ot_sinkhorn_opts *opts, double *p, double *plan,
    specot_ot_sinkhorn_result *result);

/* ------------------------------------------------------------------------ */
/* Debiased Sinkhorn divergence                                              */
/* ------------------------------------------------------------------------ */

/*
 * S_eps(mu,nu) = OT_eps(mu,nu) - 1/2 OT_eps(mu,mu) - 1/2 OT_eps(nu,nu)
 * (KL convention above, each OT_eps = its dual objective), for the cost
 * c(x,y) = scale |x - y|^2.  S_eps >= 0, = 0 iff mu = nu.
 * Gradients (envelope theorem), all optional (NULL):
 *   grad_x (n x d): dS/dx_i = 2 scale a_i (T_xx(x_i) - T_xy(x_i)), with the
 *                   barycentric projection T_xy(x_i) = sum_j pi_ij y_j / a_i;
 *   grad_y (m x d): symmetric; grad_a (n): f - p; grad_b (m): g - q, where
 *   (f,g) solve OT_eps(mu,nu), p and q are the symmetric potentials of the
 *   self terms (weight gradients are defined up to an additive constant).
 * Self terms use the symmetric update p <- (p + smin_eps(C - p; a))/2.
 * Stopping: each of the three problems to opts->tol (L1 marginal violation).
 * Zero-mass atoms: gradients are 0 for their positions.  Statuses: as
 * Sinkhorn; a warning from any of the three solves is returned.
 */
typedef struct specot_ot_divergence_result {
  double value;          /* S_eps */
  double ot_xy;          /* OT_eps(mu,nu) */
  double ot_xx;          /* OT_eps(mu,mu) */
  double ot_yy;          /* OT_eps(nu,nu) */
  double marginal_error; /* max of the three L1 violations */
  size_t iterations;     /* total over the three solves */
  specot_status status;
} specot_ot_divergence_result;

typedef struct specot_ot_divergence_ws specot_ot_divergence_ws;

/* Workspace for n and m atoms in dimension d (holds the cost matrices, the
 * transposed cross cost and a kernel: 8 (3nm + n^2 + m^2) bytes, plus the
 * potentials kept for warm starts). */
SPECOT_API specot_status specot_ot_divergence_ws_alloc(specot_ctx *ctx, size_t n, size_t m,
                                                       size_t d,
                                                       const specot_ot_sinkhorn_opts *opts,
                                                       specot_ot_divergence_ws **ws);
SPECOT_API void specot_ot_divergence_ws_free(specot_ot_divergence_ws *ws);

/* Divergence on a workspace; with opts->warm_start the potentials of the
 * previous call on this workspace are the starting point (for flows). */
SPECOT_API specot_status specot_ot_divergence_solve(
    specot_ctx *ctx, specot_ot_divergence_ws *ws, const double *X, const double *a,
    const double *Y, const double *b, double scale, double eps,
    const specot_ot_sinkhorn_opts *opts, double *grad_x, double *grad_y, double *grad_a,
    double *grad_b, specot_ot_divergence_result *result);

/* One-shot divergence (allocates a workspace for the call). */
SPECOT_API specot_status specot_ot_divergence(specot_ctx *ctx, size_t n, size_t m, size_t d,
                                              const double *X, const double *a, const double *Y,
                                              const double *b, double scale, double eps,
                                              const specot_ot_sinkhorn_opts *opts,
                                              double *grad_x, double *grad_y, double *grad_a,
                                              double *grad_b,
                                              specot_ot_divergence_result *result);

/* ------------------------------------------------------------------------ */
/* Matrix-free (online) entropic OT for the squared Euclidean cost           */
/* ------------------------------------------------------------------------ */

/*
 * Same problems as specot_ot_sinkhorn_solve_points and
 * specot_ot_divergence_solve (cost C_ij = scale |x_i - y_j|^2, KL
 * convention, same potentials, normalisation, values and gradients), but
 * neither C nor the kernel nor the plan is ever stored: every Sinkhorn
 * half-step is a log-sum-exp reduction computed on the fly,
 *   g_j <- -eps log sum_i exp((f_i + eps log a_i - C_ij)/eps),
 * in tiles of rows x columns, with
 *   (h_i - C_ij)/eps = z_ij - scale |x_i|^2/eps,
 *   z_ij = (2 scale/eps) x_i . y_j + (h_j - scale |y_j|^2)/eps
 * (the points are first translated by their common mean, which leaves C
 * unchanged and keeps the expansion well conditioned), a running
 * (max, shifted sum) per row so the reduction is exactly max-shifted, and a
 * vectorised exp (SLEEF AVX2 when the CPU has it, else libm).  Memory is
 * O((n + m)(d + 8) + threads (m + n)(d + 1)) doubles, never n m.  Cost per
 * iteration: 2 n m (d + 2) flops and 2 n m exp (Sinkhorn), 4 n m exp
 * (divergence: the cross problem and both self problems); gradients and the
 * result scalars take one more pass each.
 * Iterations: log-domain Sinkhorn (g then f; the self problems use the
 * symmetric averaged update p <- (p + smin(C - p))/2), eps-scaling as in
 * specot_ot_sinkhorn_opts (eps0 from the bound scale * diam^2 of the cost
 * range, diam the diagonal of the common bounding box), the target stage
 * over-relaxed as the dense solver (opts.relaxation, safeguarded per
 * coordinate, f <- (1-w) f + w f_sk).  Stopping rule: as the dense solver,
 * the L1 column violation (plus the row violation while relaxed) <= tol,
 * checked every iteration; the last iteration is plain, so rows are exact.
 * Thread safety: as the dense workspaces (one workspace per thread; OpenMP
 * threads inside, results depend on the thread count only through the order
 * of floating-point sums).  With the same tol the results equal the dense
 * solver's up to the convergence tolerance and rounding (tested to 1e-10
 * with tight tolerances).
 */
typedef struct specot_ot_online_ws specot_ot_online_ws;

/* Workspace for n x m problems in dimension d (O(n + m) memory: see above;
 * checked against opts->mem_budget).  opts may be NULL.  Statuses: OK,
 * ERR_INVALID (zero sizes), ERR_TOO_LARGE, ERR_NOMEM. */
SPECOT_API specot_status specot_ot_online_ws_alloc(specot_ctx *ctx, size_t n, size_t m, size_t d,
                                                   const specot_ot_sinkhorn_opts *opts,
                                                   specot_ot_online_ws **ws);
SPECOT_API void specot_ot_online_ws_free(specot_ot_online_ws *ws);
/* Bytes the workspace of specot_ot_online_ws_alloc needs (SIZE_MAX on overflow). */
SPECOT_API size_t specot_ot_online_bytes(size_t n, size_t m, size_t d);

/*
 * 1 when the dense entropic path should give way to the online one: when
 * the n x m matrix of doubles (8 n m bytes, or n*m overflows) exceeds
 * mem_limit bytes; mem_limit = 0 means a quarter of the physical memory
 * (sysconf(_SC_PHYS_PAGES) * page size / 4).
 */
SPECOT_API int specot_ot_online_preferred(size_t n, size_t m, size_t mem_limit);

/*
 * Entropic OT from points without storing C: outputs f (n), g (m) (inputs
 * too with opts->warm_start) and the result scalars of specot_ot_sinkhorn_
 * solve_points (cost, regularized_cost, dual_objective, lower_bound: one
 * extra pass).  result may be NULL (then the extra pass is skipped).
 * Statuses: OK, WARN_MAXITER, ERR_INVALID, ERR_INFEASIBLE, ERR_NUMERICAL,
 * ERR_CANCELLED.
 */
SPECOT_API specot_status specot_ot_online_sinkhorn_solve(
    specot_ctx *ctx, specot_ot_online_ws *ws, const double *a, const double *b, const double *X,
    const double *Y, double scale, double eps, const specot_ot_sinkhorn_opts *opts, double *f,
    double *g, specot_ot_sinkhorn_result *result);

/*
 * Sparse thresholded plan of potentials (f, g) (from the solve above):
 * entries pi_ij = a_i b_j exp((f_i + g_j - C_ij)/eps) >= threshold
 * (absolute mass, > 0), sorted by (row, col).  With row == NULL only counts
 * them (*nnz); otherwise writes at most cap entries and fails with
 * ERR_TOO_LARGE (and the count in *nnz) when there are more.  One pass
 * (n m exp).  Statuses: OK, ERR_INVALID, ERR_TOO_LARGE.
 */
SPECOT_API specot_status specot_ot_online_plan_sparse(
    specot_ctx *ctx, specot_ot_online_ws *ws, const double *a, const double *b, const double *X,
    const double *Y, double scale, double eps, const double *f, const double *g,
    double threshold, size_t cap, size_t *row, size_t *col, double *mass, size_t *nnz);

/*
 * Debiased Sinkhorn divergence and gradients without storing any n x m,
 * n x n or m x m matrix: the definitions, outputs and statuses of
 * specot_ot_divergence_solve.  With opts->warm_start the potentials of the
 * previous call on this workspace are the starting point.
 */
SPECOT_API specot_status specot_ot_online_divergence_solve(
    specot_ctx *ctx, specot_ot_online_ws *ws, const double *X, const double *a, const double *Y,
    const double *b, double scale, double eps, const specot_ot_sinkhorn_opts *opts,
    double *grad_x, double *grad_y, double *grad_a, double *grad_b,
    specot_ot_divergence_result *result);

#ifdef __cplusplus
}
#endif

#endif /* SPECOT_OT_H */
