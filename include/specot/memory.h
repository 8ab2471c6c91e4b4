/*
 * specot/memory.h — dense associative memory for weighted point clouds
 * (Sinkhorn energy, SHK retrieval) and the Euclidean Hopfield baselines.
 * Spec: shk_dp_memory.md sec. 5-7; paper: Mustafi & Mukherjee, arXiv 2603.20656.
 *
 * Patterns P_k = sum_j b_kj delta_{y_kj} (k < K, n_k points in R^d, b_k in
 * the simplex), query q = sum_i a_i delta_{x_i} (m points).  Cost c(x,y) =
 * |x - y|^2 / 2.  OT_eps is the entropic OT value in the KL convention of
 * ot.h (dual objective), S_eps(q,P) = OT_eps(q,P) - OT_eps(q,q)/2 -
 * OT_eps(P,P)/2 the debiased divergence.  Energy (eps > 0, beta > 0):
 *
 *   E(q) = -(1/beta) log sum_k exp(-beta S_k) [+ gamma sum_i a_i log a_i],
 *
 * attention w = softmax(-beta S); min_k S_k - log(K)/beta <= E <= min_k S_k
 * (gamma = 0).  Gradients (envelope theorem, sec. 5.3):
 *   velocity  v_i = sum_k w_k T_k(x_i) - T_qq(x_i) = -(dE/dx_i) / a_i,
 *   potential phi_i = sum_k w_k f_qk,i - p_i [+ gamma (log a_i + 1)] = dE/da_i
 * (up to a constant), with T_k(x_i) = sum_j pi_ij y_kj / r_i the barycentric
 * projection of the plan of OT_eps(q, P_k) (r_i = sum_j pi_ij, = a_i to the
 * Sinkhorn tolerance), T_qq that of OT_eps(q,q), f_qk the query-side
 * potential of OT_eps(q,P_k) and p the symmetric potential of OT_eps(q,q).
 *
 * Retrieval = discretised SHK flow (sec. 5.4).  Per step from (a, X):
 *   X+ = X + tau v,  log a+ = log a - eta phi - LSE(log a - eta phi);
 * if E(a+, X+) > E(a, X), tau and eta are halved (at most max_halvings
 * times, restarting from the option values at every step); no decrease ->
 * stop ("stationary").  Stop when an accepted step lowers E by <=
 * tol_energy * max(1, |E|), or after max_steps steps.  The result names
 * k* = argmin_k S_k at the end.  Weights are kept in log form, so they never
 * underflow to 0 during the flow.  Sinkhorn solves are warm-started from
 * the last accepted point; the values at an accepted point are reused, so
 * an accepted step costs one evaluation.
 *
 * Cost (sec. 5.5): one evaluation = K cross solves (m x n_k) + one m x m
 * symmetric solve; each Sinkhorn iteration costs O(m n_k) exponentials.
 * Storing costs K symmetric n_k x n_k solves, once (OT_eps(P_k,P_k) are
 * kept).  Memory of a query workspace: sum_k (3 m n_k + m d + 2(m + n_k))
 * doubles + 3 m^2 + O(K) (the kernels, cost matrices, plans, projections
 * and two sets of warm-start potentials).
 *
 * Threads: the K cross solves of an evaluation run in parallel over the
 * patterns (OpenMP, OMP_NUM_THREADS); the reductions over k are sequential
 * in pattern order, so results do not depend on the thread count beyond the
 * Sinkhorn kernels' own summation order (see ot.h).  A memory is read-only
 * after allocation and may be shared by threads; a query workspace must not
 * be used by two threads at once.
 *
 * Statuses: OK; SPECOT_WARN_MAXITER (a Sinkhorn solve hit its iteration
 * cap; outputs valid); SPECOT_WARN_INACCURATE (retrieval ended with the
 * attention spread over more than opts.attention_warn patterns: a
 * metastable averaged state, raise beta); ERR_INVALID (with a message
 * naming the argument: empty memory, eps or beta <= 0, bad weights,
 * dimension mismatch, ...); ERR_NUMERICAL; ERR_NOMEM; ERR_IO / ERR_FORMAT
 * (save/load).
 */
#ifndef SPECOT_MEMORY_H
#define SPECOT_MEMORY_H

#include "specot/ot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* The memory                                                                */
/* ------------------------------------------------------------------------ */

typedef struct specot_amem specot_amem;

/*
 * Stores K >= 1 patterns in dimension d >= 1.  n_k[k] >= 1 points each;
 * Y: (sum_k n_k) x d row-major, the patterns one after the other; b: sum_k
 * n_k weights in the same order, or NULL for uniform weights.  Each
 * pattern's weights must be finite, >= 0, with a positive total; they are
 * normalised to sum 1.  eps > 0 (entropic blur in cost units), beta > 0.
 * sinkhorn: options of every Sinkhorn solve made with this memory (NULL =
 * specot_amem_sinkhorn_defaults); the self terms OT_eps(P_k,P_k) are
 * computed here.  Everything is copied.  Statuses: OK, WARN_MAXITER, ERR_INVALID,
 * ERR_NUMERICAL, ERR_NOMEM.
 */
SPECOT_API specot_status specot_amem_alloc(specot_ctx *ctx, size_t K, const size_t *n_k, size_t d,
                                           const double *Y, const double *b, double eps,
                                           double beta, const specot_ot_sinkhorn_opts *sinkhorn,
                                           specot_amem **mem);
SPECOT_API void specot_amem_free(specot_amem *mem);

/* The memory's default Sinkhorn options: ot.h defaults with tol = 1e-6 (L1
 * marginal violation, the retrieval tolerance of spec sec. 5.2) and
 * max_iter = 1000 (POT's numItermax).  Small point clouds with near-tied
 * assignments at eps << cost range need 10^4-10^5 iterations for 1e-6 (POT
 * alike); the cap turns those into SPECOT_WARN_MAXITER with valid outputs. */
SPECOT_API void specot_amem_sinkhorn_defaults(specot_ot_sinkhorn_opts *opts);

/* Sizes and parameters (any output may be NULL). */
SPECOT_API void specot_amem_info(const specot_amem *mem, size_t *K, size_t *d, double *eps,
                                 double *beta);
/* Pattern k (k < K): its point count, points (n_k x d), normalised weights
 * and self term OT_eps(P_k,P_k) (pointers into the memory; outputs may be
 * NULL).  Returns ERR_INVALID when k >= K. */
SPECOT_API specot_status specot_amem_pattern(const specot_amem *mem, size_t k, size_t *n,
                                             const double **Y, const double **b,
                                             double *self_term);

/*
 * Saves the memory into the directory `dir` (created if missing):
 * manifest.json {"format": "specot-memory", "version": 1, "K", "d", "eps",
 * "beta", "sizes": [n_k...], "self_terms": [...],
 * "sinkhorn_tol", "sinkhorn_max_iter"} and per pattern pattern_NNNN.npy
 * (n_k x d) and weights_NNNN.npy (n_k).  Each file is
 * written atomically and the manifest last, so a directory without a
 * manifest is never mistaken for a memory.  Statuses: OK, ERR_INVALID,
 * ERR_IO.
 */
SPECOT_API specot_status specot_amem_save(specot_ctx *ctx, const specot_amem *mem,
                                          const char *dir);
/*
 * Loads a memory saved by specot_amem_save (the self terms are recomputed
 * with `sinkhorn`; NULL = the saved tolerance and iteration cap on top of
 * specot_amem_sinkhorn_defaults).  Errors name the file: ERR_IO (no
 * manifest: "not a specot memory"), ERR_FORMAT (malformed manifest, other
 * format or version, a pattern file whose shape disagrees with the
 * manifest), plus the statuses of specot_amem_alloc.
 */
SPECOT_API specot_status specot_amem_load(specot_ctx *ctx, const char *dir,
                                          const specot_ot_sinkhorn_opts *sinkhorn,
                                          specot_amem **mem);

/* ------------------------------------------------------------------------ */
/* Queries                                                                   */
/* ------------------------------------------------------------------------ */

/* Workspace for queries of m >= 1 points in dimension d (must equal the
 * memory's d: ERR_INVALID "dimension mismatch" otherwise).  Holds one
 * Sinkhorn workspace per pattern plus the symmetric one, plans,
 * projections and warm-start potentials (sizes above).  The memory must
 * outlive the workspace. */
typedef struct specot_amem_ws specot_amem_ws;
SPECOT_API specot_status specot_amem_ws_alloc(specot_ctx *ctx, const specot_amem *mem, size_t m,
                                              size_t d, specot_amem_ws **ws);
SPECOT_API void specot_amem_ws_free(specot_amem_ws *ws);

/* Scalars of one energy evaluation. */
typedef struct specot_amem_eval {
  double energy;     /* E(q) (with the gamma term) */
  double attention;  /* effective number of attended patterns exp(H(w)), in [1, K] */
  size_t index;      /* argmin_k S_k (0-based; first on ties) */
  size_t iterations; /* Sinkhorn iterations over the K + 1 solves */
} specot_amem_eval;

/*
 * One evaluation at the query (a, X) (a: m weights >= 0 with a positive
 * total, normalised internally, NULL = uniform; X: m x d), cold-started.
 * Outputs (each may be NULL): S (K), w (K), v (m x d velocity), phi (m,
 * centred: sum_i a_i phi_i = 0), ev.  gamma >= 0: weight regulariser.
 * Statuses: OK, WARN_MAXITER, ERR_INVALID, ERR_NUMERICAL.
 */
SPECOT_API specot_status specot_amem_energy(specot_ctx *ctx, specot_amem_ws *ws, const double *a,
                                            const double *X, double gamma, double *S, double *w,
                                            double *v, double *phi, specot_amem_eval *ev);

/* Progress of the retrieval, passed to opts.on_step after the start point
 * (step 0) and after every accepted step.  Pointers valid during the call. */
typedef struct specot_amem_step {
  size_t step;         /* accepted steps so far */
  double energy;       /* E at the current point */
  double attention;    /* exp(H(w)) */
  size_t index;        /* argmin_k S_k */
  double tau, eta;     /* steps used for the last accepted move (0 at step 0) */
  size_t halvings;     /* halvings of the last accepted move */
  size_t m, d;
  const double *a, *X; /* current weights (m) and points (m x d) */
  const double *S;     /* current S_eps to each pattern (K) */
} specot_amem_step;

typedef enum specot_amem_stop {
  SPECOT_AMEM_STOP_TOL = 0,        /* energy decrease <= tol_energy max(1,|E|) */
  SPECOT_AMEM_STOP_MAX_STEPS = 1,  /* max_steps accepted steps */
  SPECOT_AMEM_STOP_STATIONARY = 2  /* no decrease after max_halvings halvings */
} specot_amem_stop;

typedef struct specot_amem_opts {
  double tau;            /* position step (default 0.5) */
  double eta;            /* weight step; NaN = the memory's eps (default NaN) */
  size_t max_steps;      /* accepted steps at most (default 15) */
  size_t max_halvings;   /* halvings of (tau, eta) per step (default 3) */
  double tol_energy;     /* relative energy decrease for stopping (default 1e-5) */
  double gamma;          /* weight regulariser gamma >= 0 (default 0) */
  double attention_warn; /* warn when exp(H(w)) at the end exceeds it (default 2) */
  void (*on_step)(void *user, const specot_amem_step *step); /* NULL = none */
  void *user;
} specot_amem_opts;

SPECOT_API void specot_amem_opts_init(specot_amem_opts *opts);

typedef struct specot_amem_result {
  size_t index;              /* k* = argmin_k S_k at the end (0-based) */
  size_t index_start;        /* argmin_k S_k of the query (no flow) */
  double energy_start, energy;
  double attention_start, attention;
  size_t steps;              /* accepted steps */
  size_t halvings;           /* halvings over all steps (rejected proposals) */
  size_t evaluations;        /* energy evaluations (each K + 1 Sinkhorn solves) */
  size_t sinkhorn_iterations;/* over all evaluations */
  specot_amem_stop stop;
  specot_status status;      /* same as the return value */
} specot_amem_result;

/*
 * Retrieval from the query (a, X), both in/out (a: m weights >= 0 with a
 * positive total, normalised on output; X: m x d).  Outputs (may be NULL):
 * S_start, S (K values at the start and at the end), w (K, at the end),
 * res.  opts NULL = defaults.  Statuses: OK, WARN_MAXITER,
 * WARN_INACCURATE (spread attention at the end, message with exp(H(w))),
 * ERR_INVALID, ERR_NUMERICAL.
 */
SPECOT_API specot_status specot_amem_retrieve(specot_ctx *ctx, specot_amem_ws *ws,
                                              const specot_amem_opts *opts, double *a, double *X,
                                              double *S_start, double *S, double *w,
                                              specot_amem_result *res);

/* ------------------------------------------------------------------------ */
/* Euclidean Hopfield baselines (sec. 6, Ramsauer et al. 2020)               */
/* ------------------------------------------------------------------------ */

typedef enum specot_hopfield_mode {
  SPECOT_HOPFIELD_DOT = 0, /* xi <- Xi softmax(beta_H Xi^T xi) (Ramsauer) */
  SPECOT_HOPFIELD_DIST = 1 /* xi <- Xi softmax(-(beta_H/2) |xi - Xi_k|^2) */
} specot_hopfield_mode;

typedef enum specot_hopfield_order {
  SPECOT_HOPFIELD_RAW = 0,   /* points in their given order */
  SPECOT_HOPFIELD_SORTED = 1 /* points sorted lexicographically (coordinate 1, then 2, ...) */
} specot_hopfield_order;

/* xi (n d) = vec of the n x d cloud X, points in the given order (weights
 * are not used by the baseline).  Sorting is a stable insertion sort,
 * O(n^2 d).  Statuses: OK, ERR_INVALID. */
SPECOT_API specot_status specot_hopfield_flatten(specot_ctx *ctx, size_t n, size_t d,
                                                 const double *X, specot_hopfield_order order,
                                                 double *xi);

/*
 * Hopfield update on the K stored vectors Xi (K x D row-major: row k is
 * vec P_k) from xi (D, in/out), iterated until max_i |xi_new - xi|_i <= tol
 * (absolute) or max_iter updates (usually one is enough).  p (K, may be
 * NULL): the softmax of the last update (computed at the xi it was applied
 * to); *index (may be NULL): argmax p.  *iters (may be NULL): updates made.
 * Cost: 2 K D flops per update.  Statuses: OK, WARN_MAXITER (the last
 * update still moved xi by more than tol and max_iter > 1), ERR_INVALID.
 */
SPECOT_API specot_status specot_hopfield_retrieve(specot_ctx *ctx, const double *Xi, size_t K,
                                                  size_t D, double beta_H,
                                                  specot_hopfield_mode mode, size_t max_iter,
                                                  double tol, double *xi, double *p,
                                                  size_t *index, size_t *iters);

#ifdef __cplusplus
}
#endif

#endif /* SPECOT_MEMORY_H */
