/*
 * specot/sdot.h — semi-discrete optimal transport (AE-OT / Gu–Luo–Sun–Yau).
 *
 * Problem: source mu = uniform on the cube [-1/2, 1/2]^d (SPECOT_SDOT_CUBE) or
 * the standard Gaussian N(0, I_d) (SPECOT_SDOT_GAUSS); target
 * nu = sum_j nu_j delta_{y_j}, j = 1..n, y row-major n x d, nu_j > 0 with
 * sum nu_j = 1 (relative tolerance 1e-9; NULL nu = uniform 1/n).
 *
 * Brenier potential u_h(x) = max_j (<x, y_j> + h_j) with heights h (length
 * n).  Power cell W_j(h) = {x : <x,y_j> + h_j >= <x,y_k> + h_k for all k}
 * (ties broken by the lowest index), cell mass w_j(h) = mu(W_j(h)), map
 * T_h(x) = y_{j*(x)}.  Convex energy E(h) = int u_h dmu - sum_j nu_j h_j with
 * gradient dE/dh_j = w_j(h) - nu_j and Hessian (graph Laplacian, PSD, kernel
 * span 1) dE/dh_i dh_k = -(1/|y_i - y_k|) int_{W_i cap W_k} rho dsigma (i != k).
 * h is defined up to h + c 1; every solver returns h with mean 0.
 * At the optimum W2^2(mu, nu) = int |x|^2 dmu + sum_j nu_j |y_j|^2 - 2 E(h*),
 * with int |x|^2 dmu = d/12 (cube) or d (Gaussian).
 *
 * Conversions: power weight w_j = |y_j|^2 + 2 h_j; KMT Laguerre form psi_j =
 * -h_j - |y_j|^2/2; POT/Genevay semi-dual v_j = h_j + |y_j|^2/2.
 *
 * Cell assignment: one kernel shared by every solver and by the generator of
 * aeot.h: a block of source points X_b (B x d, B <= 256) times Y^T (one dgemm,
 * B x n), plus h, then a row argmax (and the second best, for gaps/angles).
 * Cost O(N n d) flops, memory B n doubles in the workspace.  In the
 * stochastic solvers' hot loop (hard cells only, d <= 16, CPUs with AVX2+FMA
 * or AVX-512) a register-blocked argmax kernel computes the same cells
 * without storing the B x n block (FMA rounding: a point within a few ulps of
 * a facet may fall in the neighbouring cell).
 *
 * Solvers: specot_sdot_solve_adam (pyOMT's released Adam with options),
 * specot_sdot_solve_asgd (averaged SGD on the entropic semi-dual, eps >= 0),
 * specot_sdot_solve_newton (damped Newton of Kitagawa–Mérigot–Thibert with exact
 * cell masses, d = 1 (cube or Gaussian) and d = 2 (cube)).  The stochastic
 * solvers stop on the maximum relative cell-mass error max_j |w_j - nu_j|/nu_j
 * measured on an independent evaluation sample (never on the training
 * gradient unless asked to); Newton measures it exactly.
 *
 * Randomness: all sampling goes through an explicit seed (specot_rng); the
 * quasi-Monte-Carlo option uses the Halton sequence (radical inverses in the
 * first d primes; for the Gaussian source mapped through the inverse normal
 * CDF), restarted each step exactly as pyOMT restarts its Sobol engine.
 *
 * Thread safety: as in specot.h; the dgemm runs on OpenBLAS threads, the
 * argmax scan is sequential, so results do not depend on the thread count
 * except through OpenBLAS's summation order.
 *
 * Statuses: OK; WARN_MAXITER (iteration cap reached, outputs valid: the
 * last (or averaged) iterate); ERR_INVALID (sizes, NULL, non-finite values,
 * negative or zero weights, duplicate targets for Newton, unsupported
 * dimension/source); ERR_INFEASIBLE (weights do not sum to 1); ERR_NOMEM;
 * ERR_TOO_LARGE; ERR_NUMERICAL (Newton line search failed, LAPACK failure).
 */
#ifndef SPECOT_SDOT_H
#define SPECOT_SDOT_H

#include "specot/rng.h"
#include "specot/specot.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum specot_sdot_source {
  SPECOT_SDOT_CUBE = 0, /* uniform on [-1/2, 1/2]^d (pyOMT) */
  SPECOT_SDOT_GAUSS = 1 /* standard normal N(0, I_d) (DRAG) */
} specot_sdot_source;

/* The problem: borrowed pointers, not copied. */
typedef struct specot_sdot_problem {
  size_t n;                  /* number of targets, >= 1 */
  size_t d;                  /* dimension, >= 1 */
  const double *y;           /* n x d targets, row-major */
  const double *nu;          /* n weights > 0 summing to 1; NULL = uniform */
  specot_sdot_source source; /* source measure */
} specot_sdot_problem;

/* Checks sizes, finiteness, weights (> 0, sum 1 to 1e-9 relative). */
SPECOT_API specot_status specot_sdot_check(specot_ctx *ctx, const specot_sdot_problem *prob);

/* int |x|^2 dmu: d/12 (cube) or d (Gaussian). */
SPECOT_API double specot_sdot_second_moment(specot_sdot_source source, size_t d);

/* Draws N source points into X (N x d): iid from rng. */
SPECOT_API void specot_sdot_sample(specot_rng *rng, specot_sdot_source source, size_t N, size_t d,
                                   double *X);
/* Halton points start, start+1, ..., start+N-1 (d <= 64) mapped to the source. */
SPECOT_API specot_status specot_sdot_sample_halton(specot_ctx *ctx, specot_sdot_source source,
                                                   uint64_t start, size_t N, size_t d, double *X);

/* Workspace of the assignment kernel and the stochastic solvers for n targets
 * in dimension d (about 260 n + 10 n + 256 d doubles). */
typedef struct specot_sdot_ws specot_sdot_ws;
SPECOT_API specot_sdot_ws *specot_sdot_ws_alloc(specot_ctx *ctx, size_t n, size_t d);
SPECOT_API void specot_sdot_ws_free(specot_sdot_ws *ws);

/*
 * The assignment kernel on given points X (N x d): for each x_k the best plane
 * j*(x_k) = argmax_j <x_k, y_j> + h_j (lowest index on ties).  Optional
 * outputs (NULL to skip): idx[N] = j*; best[N] = u_h(x_k); gap[N] = best minus
 * the second best value (+inf when n = 1); mass[n] = fraction
 * of the N points in each cell.  Statuses: OK, ERR_INVALID.
 */
SPECOT_API specot_status specot_sdot_cells(specot_ctx *ctx, specot_sdot_ws *ws,
                                           const specot_sdot_problem *prob, const double *h,
                                           size_t N, const double *X, size_t *idx, double *best,
                                           double *gap, double *mass);

/* Monte-Carlo energy on the sample X: E = mean_k u_h(x_k) - sum nu_j h_j and
 * (optional) its gradient grad[n] = empirical masses - nu. */
SPECOT_API specot_status specot_sdot_energy(specot_ctx *ctx, specot_sdot_ws *ws,
                                            const specot_sdot_problem *prob, const double *h,
                                            size_t N, const double *X, double *energy,
                                            double *grad);

/* Cell masses of h on `samples` fresh iid points drawn from rng (in blocks,
 * no storage): mass[n], and the summary max_j |mass_j - nu_j| / nu_j,
 * number of empty cells, and the MC energy (for W2^2 = second moment +
 * sum nu |y|^2 - 2 energy).  Any output pointer may be NULL. */
SPECOT_API specot_status specot_sdot_evaluate(specot_ctx *ctx, specot_sdot_ws *ws,
                                              const specot_sdot_problem *prob, const double *h,
                                              size_t samples, specot_rng *rng, double *mass,
                                              double *max_rel_error, size_t *empty_cells,
                                              double *energy);

/* W2^2 from an energy value: second moment + sum nu_j |y_j|^2 - 2 energy. */
SPECOT_API double specot_sdot_w2_from_energy(const specot_sdot_problem *prob, double energy);

/* Result of every solver. */
typedef struct specot_sdot_result {
  size_t iterations;    /* solver steps taken */
  double max_rel_error; /* max_j |w_j - nu_j| / nu_j (evaluation sample, or exact for Newton) */
  size_t empty_cells;   /* cells with no evaluation point (exact: zero area) */
  double energy;        /* E(h) (evaluation-sample estimate, or exact for Newton) */
  double w2;            /* W2^2 from the energy (a lower bound at a non-optimal h) */
  double grad_norm;     /* last training ||g||_2 (stochastic) or exact ||w - nu||_2 */
  size_t samples;       /* training samples per step at the end (after doubling) */
} specot_sdot_result;

/*
 * Adam, exactly as pyOMT releases it (spec aeot.md sec. 1.3) with options.
 * Step t = 1, 2, ...: g = masses(h) on `batch_size * batches` training points
 * - nu; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; with bias correction
 * m^ = m/(1-b1^t), v^ = v/(1-b2^t) (else m, v); h -= lr_t m^/(sqrt(v^) + adam_eps);
 * h -= mean(h); lr_t = lr / (1 + t/lr_decay) (lr_decay 0 = constant).
 * Sample doubling: when ||g||_2 has not improved for `patience` steps,
 * batches *= 2 (up to max_batches).  Polyak averaging (average_from > 0):
 * the returned h is the mean of the iterates from step average_from on.
 * Stopping: every eval_every steps the current (averaged) h is evaluated on
 * eval_samples fresh points (independent stream); stop when max relative
 * cell error <= tol.  grad_tol > 0 also stops on the training ||g||_2 <
 * grad_tol (pyOMT's 2e-3 rule).  The final h is evaluated once more.
 * Cost per step O(batch_size * batches * n * d).  Returns WARN_MAXITER when
 * max_iter steps ran without meeting a criterion.
 */
typedef struct specot_sdot_adam_opts {
  double lr;           /* learning rate, absolute (default 1e-3) */
  double lr_decay;     /* t0 of lr/(1 + t/t0); 0 = constant (default 0) */
  double beta1, beta2; /* moments (default 0.9, 0.999) */
  double adam_eps;     /* denominator guard (default 1e-8) */
  int bias_correction; /* 1 = Adam's bias correction (default 0, as pyOMT) */
  size_t batch_size;   /* points per batch (default 10000) */
  size_t batches;      /* initial batches per step (default 1) */
  size_t max_batches;  /* cap of the doubling (default 64) */
  size_t patience;     /* doubling after this many steps without progress; 0 = off (default 30) */
  int qmc;             /* 1 = the same Halton points every step (pyOMT's reset Sobol;
                          d <= 64, else iid); 0 = iid (default 0) */
  size_t average_from; /* Polyak average from this step on; 0 = off (default 0) */
  size_t max_iter;     /* step cap (default 20000) */
  double tol;          /* max relative cell error to stop at (default 0.05) */
  double grad_tol;     /* training ||g||_2 stop; 0 = off (default 0) */
  size_t eval_samples; /* independent evaluation sample size (default 100000) */
  size_t eval_every;   /* evaluation period in steps (default 100) */
  uint64_t seed;       /* seed of the training and evaluation streams (default 1) */
} specot_sdot_adam_opts;
SPECOT_API void specot_sdot_adam_opts_init(specot_sdot_adam_opts *opts);

/* h (length n): initial heights on entry (zeros = pyOMT's start), solution on exit. */
SPECOT_API specot_status specot_sdot_solve_adam(specot_ctx *ctx, specot_sdot_ws *ws,
                                                const specot_sdot_problem *prob,
                                                const specot_sdot_adam_opts *opts, double *h,
                                                specot_sdot_result *res);

/*
 * Averaged SGD on the entropic semi-dual (Genevay et al. 2016; POT's
 * ot.stochastic ASGD) written in heights: per step a minibatch of batch_size
 * points, p(x) = softmax((<x,y_j> + h_j)/eps) (one-hot argmax when eps = 0),
 * g = mean p - nu, h -= (lr / t^step_power) g, and the returned h is the
 * running average of the iterates (from step 1).  eps > 0 solves the smoothed
 * problem E_eps (aeot.md sec. 2.3); with eps_power > 0 the regularisation
 * decreases as eps_t = eps / t^eps_power, which with step_power = 2/3,
 * eps_power = 1/3 gives DRAG's schedules (Genans et al.; their projection step
 * is not implemented) and targets the unregularised problem.  The reported cell
 * error is always that of the hard cells of the averaged h.  Stopping as for
 * Adam (evaluation sample).
 */
typedef struct specot_sdot_asgd_opts {
  double lr;           /* step constant C of C/sqrt(t) (default 1.0, in units of h per unit of g) */
  double eps;          /* entropic regularisation >= 0 (default 0: hard semi-dual) */
  double step_power;   /* b of lr / t^b, in (0, 1] (default 0.5: Genevay/POT; DRAG 2/3) */
  double eps_power;    /* a of eps / t^a, >= 0 (default 0: constant; DRAG 1/3) */
  size_t batch_size;   /* points per step (default 1000) */
  size_t max_iter;     /* step cap (default 20000) */
  double tol;          /* max relative cell error to stop at (default 0.05) */
  size_t eval_samples; /* default 100000 */
  size_t eval_every;   /* default 200 */
  uint64_t seed;       /* default 1 */
} specot_sdot_asgd_opts;
SPECOT_API void specot_sdot_asgd_opts_init(specot_sdot_asgd_opts *opts);
SPECOT_API specot_status specot_sdot_solve_asgd(specot_ctx *ctx, specot_sdot_ws *ws,
                                                const specot_sdot_problem *prob,
                                                const specot_sdot_asgd_opts *opts, double *h,
                                                specot_sdot_result *res);

/*
 * Exact cells (d = 1: cube or Gaussian; d = 2: cube): masses w[n], optional
 * first moments moment[n*d] = int_{W_j} x dmu, optional dense Hessian
 * H[n*n] = dw_i/dh_k (graph Laplacian above; d = 1 Gaussian uses rho at the
 * boundary), optional exact energy E(h).  d = 2 clips the square by the n-1
 * half-planes of each cell (Sutherland–Hodgman): O(n^2) clips.
 * Statuses: OK, ERR_INVALID (d > 2, Gaussian in d = 2), ERR_NOMEM.
 */
SPECOT_API specot_status specot_sdot_exact(specot_ctx *ctx, const specot_sdot_problem *prob,
                                           const double *h, double *w, double *moment, double *H,
                                           double *energy);

/*
 * Damped Newton (KMT; geogram's optimize_full_Newton): start from h_j =
 * -s|y_j|^2/2, s = 1/(2 max_j |y_j|_inf) (Voronoi cells of s y, all non-empty)
 * unless opts.warm_start; eps0 = min(min_j w_j(h0), min_j nu_j)/2; solve
 * (H + 1 1^T / n) delta = -(w - nu) (Cholesky); step alpha = 1, 1/2, ... accepted
 * when min_j w_j >= eps0 and ||w - nu||_2 <= (1 - alpha/2) ||g||_2.
 * Stops when max_j |w_j - nu_j|/nu_j <= tol (exact).  Requires distinct
 * targets and n <= 10000 (ERR_TOO_LARGE above: three dense n x n matrices).
 * Cost per iteration O(n^2) clips (d = 2) + O(n^3) solve.
 */
typedef struct specot_sdot_newton_opts {
  double tol;          /* max relative cell error (default 1e-10) */
  size_t max_iter;     /* default 100 */
  size_t max_halvings; /* line-search halvings before ERR_NUMERICAL (default 40) */
  int warm_start; /* 1: start from the h given on entry (cells must be non-empty) (default 0) */
} specot_sdot_newton_opts;
SPECOT_API void specot_sdot_newton_opts_init(specot_sdot_newton_opts *opts);
SPECOT_API specot_status specot_sdot_solve_newton(specot_ctx *ctx, const specot_sdot_problem *prob,
                                                  const specot_sdot_newton_opts *opts, double *h,
                                                  specot_sdot_result *res);

/* ------------------------------------------------------------------------ */
/* Smoothed Brenier potential and maps (aeot.md sec. 2), AE-OT generator    */
/* ------------------------------------------------------------------------ */

/*
 * Maps of heights h evaluated at N points X (N x d) into out (N x d):
 *   HARD:   T_h(x) = y_{j*(x)} (the OT map; reproduces targets);
 *   SOFT:   grad u_tau(x) = sum_j p_j(x) y_j, p = softmax(pi(x)/tau), the
 *           gradient of u_tau(x) = tau log sum_j exp(pi_j(x)/tau) (always
 *           computed with the max shift M + tau log sum exp((pi_j - M)/tau));
 *   MASKED: p_j proportional to exp(pi_j/tau) 1[theta(j*, j) < theta_max],
 *           with theta the facet angle below: the soft-max restricted to
 *           planes at a small angle to the best one (no mass between clusters).
 * tau > 0 (absolute, units of pi) is used by SOFT and MASKED; theta_max in
 * radians (MASKED; >= pi gives SOFT).  Optional outputs: u_tau[N] (the
 * smoothed potential, unmasked), neff[N] = 1 / sum_j p_j^2 (effective number
 * of targets, 1 = hard).  Bounds (tested): u <= u_tau <= u + tau log n,
 * |grad u_tau - T_h| <= diam(Y) (1 - p_{j*}).  Cost O(N n d); the MASKED map
 * adds O(N n d) for the angles.  Statuses: OK, ERR_INVALID (tau <= 0 for
 * SOFT/MASKED, theta_max <= 0, shapes), ERR_NOMEM.
 */
typedef enum specot_sdot_map_kind {
  SPECOT_SDOT_MAP_HARD = 0,
  SPECOT_SDOT_MAP_SOFT = 1,
  SPECOT_SDOT_MAP_MASKED = 2
} specot_sdot_map_kind;
SPECOT_API specot_status specot_sdot_map(specot_ctx *ctx, specot_sdot_ws *ws,
                                         const specot_sdot_problem *prob, const double *h,
                                         specot_sdot_map_kind kind, double tau, double theta_max,
                                         size_t N, const double *X, double *out, double *u_tau,
                                         double *neff);

/* AE-OT's facet angle between planes a and b: theta = arccos(n_a . n_b) with
 * n_j = (y_j, -1)/|(y_j, -1)| in R^{d+1}; in [0, pi]. */
SPECOT_API double specot_sdot_facet_angle(const specot_sdot_problem *prob, size_t a, size_t b);

/* The unit-free smoothing rule (sec. 2.1): tau = kappa * median over the N
 * points of (best - second best plane value).  kappa > 0 (the spec suggests
 * [0.1, 1]).  Statuses: OK, ERR_INVALID (kappa <= 0, n = 1, N = 0, median 0). */
SPECOT_API specot_status specot_sdot_tau_gap(specot_ctx *ctx, specot_sdot_ws *ws,
                                             const specot_sdot_problem *prob, const double *h,
                                             double kappa, size_t N, const double *X, double *tau);

/*
 * AE-OT's released generator (pyOMT demo1/demo2, sec. 3.2).  For each source
 * point x_k take the top_k planes I_0..I_{top_k-1}; candidate pairs (I_0, I_i),
 * i >= 1, kept when theta(I_0, I_i) < theta_max; pairs are sorted (a < b) and
 * de-duplicated; one_per_first = 1 keeps one pair per first index (demo2's
 * np.unique); the pair list is shuffled (rng).  Output sample i (count of them)
 * uses pair i mod npairs: (1 - lambda) y_a + lambda y_b, lambda ~ U(0, 1) when
 * opts.lambda < 0 (demo1) else fixed (demo2: 0.75).  *npairs gets the number of
 * pairs.  With no admissible pair the outputs are the hard-map targets of the
 * first points and SPECOT_WARN_INACCURATE is returned.
 */
typedef struct specot_sdot_aeot_opts {
  size_t top_k;      /* planes per point, >= 2 (default 2: demo1; demo2 uses 20) */
  double theta_max;  /* angle threshold in radians (default 0.4: 8 Gaussians) */
  double lambda;     /* interpolation weight in [0, 1], < 0 = uniform random (default -1) */
  int one_per_first; /* 1 = keep one pair per first index (default 0) */
} specot_sdot_aeot_opts;
SPECOT_API void specot_sdot_aeot_opts_init(specot_sdot_aeot_opts *opts);
SPECOT_API specot_status specot_sdot_generate_aeot(specot_ctx *ctx, specot_sdot_ws *ws,
                                                   const specot_sdot_problem *prob, const double *h,
                                                   const specot_sdot_aeot_opts *opts, size_t N,
                                                   const double *X, specot_rng *rng, size_t count,
                                                   double *out, size_t *npairs);

#ifdef __cplusplus
}
#endif

#endif /* SPECOT_SDOT_H */
