/*
 * specot/shk.h — SHK (spherical Hellinger–Kantorovich) sampler: birth–death
 * Langevin particles for a target pi ∝ exp(-V) on R^d.
 *
 * Mean field (Lu–Lu–Nolen's birth–death Langevin PDE, the SHK gradient flow of
 * KL(rho || pi)):
 *     d rho/dt = div(grad rho + rho grad V) - lambda rho (log(rho/pi) - KL(rho_t || pi)).
 *
 * Particle algorithm (one step n = 0, 1, ... of specot_shk_run; N particles,
 * X row-major N x d):
 *   1. Langevin (ULA): x_i <- x_i - dt grad V(x_i) + sqrt(2 dt) xi_i, xi_i ~ N(0, I_d).
 *   2. Birth–death when (n + 1) mod stride == 0, with tau = stride dt:
 *      log rhohat_i = logsumexp_j(-|x_i - x_j|^2 / (2h^2)) - log N - (d/2) log(2 pi h^2)
 *      (j over all particles, j = i included unless kde_self_term = 0);
 *      beta_i = log rhohat_i + V(x_i), centred: bbar_i = beta_i - mean_j beta_j;
 *      p_i = -expm1(-lambda |bbar_i| tau); event set E = {i : U_i < p_i}, U_i ~ U[0,1);
 *      E is visited in a uniformly random order (Fisher–Yates); an event i already
 *      overwritten in this sweep is skipped; partner j uniform among the others;
 *      bbar_i > 0: x_i <- x_j (kill), bbar_i < 0: x_j <- x_i (duplicate).  The
 *      rates stay frozen during the sweep; copies take the current state.  N is
 *      conserved exactly.
 *
 * Randomness (stream layout of `rng`, per step):
 *   a. one 64-bit key (only when Langevin is on); particle i's normals come from a
 *      child xoshiro256** stream seeded with key + i * 0x9E3779B97F4A7C15 (splitmix64
 *      seeding, Marsaglia polar normals): counter-based, so the Langevin loop runs
 *      in parallel and its result does not depend on the thread count;
 *   b. on a birth–death step: (KDE_SUBSAMPLE only) M reference indices, then N
 *      uniforms U_i, then the shuffle of E, then one partner index per visited event.
 *   Streams are specot's own; tests compare distributions, never bit streams.
 *
 * KDE cost.  Exact: O(N^2 d) flops per sweep by 256 x 256 tiles with O(N) extra
 * memory per thread (never the N x N matrix); d <= 3 uses direct differences,
 * d >= 4 uses |x_i|^2 + |x_j|^2 - 2 x_i.x_j with the dot products in BLAS-3
 * (clamped at 0).  Past N ~ 2e4 choose stride > 1 or KDE_SUBSAMPLE (M random
 * reference particles, O(N M d), self term added exactly; log of an unbiased
 * estimate, biased by O(1/(M rhohat h^d))).  In high dimension (d >~ 10) KDE
 * rates are poor whatever the algorithm.
 *
 * Known biases: the kernelised reaction balances at K_h * rho ∝ pi (a Gaussian
 * target N(m, s^2) gets variance s^2 - h^2 with reaction only, between s^2 - h^2
 * and s^2 with Langevin); ULA O(dt); Monte Carlo O(N^-1/2).  Never run birth–death
 * without transport unless rho_0 covers pi: particles can only copy each other.
 *
 * Status: 0 ok; SPECOT_ERR_INVALID for the entry validations (N < 2, d = 0,
 * dt <= 0, lambda < 0, bandwidth < 0, stride = 0, non-finite start, non-finite
 * V or grad V from the potential: the message names particle and step);
 * SPECOT_ERR_NUMERICAL when a particle became non-finite (ULA overflow with a potential
 * whose V stays finite at infinity: reduce dt);
 * SPECOT_WARN_INACCURATE (> 0, outputs valid) when lambda max|bbar| tau exceeded
 * opts.max_events_warn in some sweep (reduce dt or stride).
 * Thread safety: as in specot.h; a potential with thread_safe = 0 is called from
 * one thread only.
 */
#ifndef SPECOT_SHK_H
#define SPECOT_SHK_H

#include "specot/rng.h"
#include "specot/specot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- potentials ------------------------------------------------------------ */

/* Evaluates V(x) into *V and, when grad != NULL, grad V(x) into grad[0..d).
 * Must be finite; ctx may be NULL (parallel calls).  Returns 0 or an error. */
typedef specot_status (*specot_shk_potential_fn)(void *user, specot_ctx *ctx, const double *x,
                                                 size_t d, double *V, double *grad);

typedef struct specot_shk_potential {
  specot_shk_potential_fn fn;
  void *user;                /* passed to fn */
  size_t d;                  /* dimension fn accepts; 0 = any */
  int thread_safe;           /* 1: fn may be called concurrently (built-ins are) */
  void (*free_user)(void *); /* releases user in specot_shk_potential_free; may be NULL */
} specot_shk_potential;

/* Releases a built-in potential's data (no-op on a zeroed struct). */
SPECOT_API void specot_shk_potential_free(specot_shk_potential *pot);

/* Gaussian mixture pi ∝ sum_k w_k N(m_k, C_k) in R^d: V = -log sum_k w_k N(x; m_k, C_k).
 * weights (K, > 0, normalised here), means (K x d), covs (K x d x d, symmetric
 * positive definite; NULL = identity).  K = 1 is a Gaussian target. */
SPECOT_API specot_status specot_shk_potential_mixture(specot_ctx *ctx, size_t K, size_t d,
                                                      const double *weights, const double *means,
                                                      const double *covs,
                                                      specot_shk_potential *out);
/* Double well V(x) = barrier (x_1^2 - 1)^2 + (1/2) sum_{k >= 2} x_k^2 (barrier > 0). */
SPECOT_API specot_status specot_shk_potential_double_well(specot_ctx *ctx, size_t d, double barrier,
                                                          specot_shk_potential *out);

/* Exponential mechanism V_D(theta) = eps0 u(D, theta) / (2 du) on the box
 * Theta = [lo, hi]^d; outside the box a data-independent quadratic wall
 * (wall/2) dist(theta, Theta)^2 is added (default wall = 100/(hi - lo)^2, so an
 * excursion has scale ~0.1 (hi - lo)) to keep ULA near Theta.  Losses: */
typedef enum specot_shk_loss {
  SPECOT_SHK_LOSS_TABLE = 0,    /* 1-D: u given on an increasing grid, linear interpolation */
  SPECOT_SHK_LOSS_MEDIAN = 1,   /* 1-D: u = sum_i |x_i - theta| */
  SPECOT_SHK_LOSS_QUANTILE = 2, /* 1-D: u = sum_i rho_q(x_i - theta), pinball loss */
  SPECOT_SHK_LOSS_LINREG = 3    /* d-D: u = (1/2) sum_i (y_i - x_i.theta)^2 */
} specot_shk_loss;

typedef struct specot_shk_expmech {
  specot_shk_loss loss;
  double eps0;   /* privacy parameter, > 0 */
  double du;     /* sensitivity Delta u, > 0 (NaN: the built-in default, below) */
  double lo, hi; /* Theta = [lo, hi]^d, lo < hi (TABLE: the grid's ends) */
  double q;      /* QUANTILE level in (0, 1); default 0.5 */
  double wall;   /* wall stiffness, >= 0; NaN = default (see docs/shk.md) */
  /* data: MEDIAN/QUANTILE: n values (clipped to [lo, hi]); LINREG: n rows of
   * d features then the response (n x (d+1)); TABLE: n grid points then n losses */
  const double *data;
  size_t n;
  size_t d; /* LINREG: number of features; otherwise 1 */
} specot_shk_expmech;

/* Fills defaults: loss MEDIAN, eps0 = 1, du = NaN, lo = 0, hi = 1, q = 0.5, wall = NaN. */
SPECOT_API void specot_shk_expmech_init(specot_shk_expmech *em);
/* Builds V_D (copies the data).  Built-in sensitivities when du is NaN (data
 * clipped to [lo, hi], one record replaced): MEDIAN hi - lo; QUANTILE
 * max(q, 1-q)(hi - lo); LINREG and TABLE have none (error: give du).  On success
 * *du_out (may be NULL) is the sensitivity used and *U_out (may be NULL) the
 * data-independent loss range sup_D osc_Theta u (MEDIAN n (hi - lo), QUANTILE
 * n max(q,1-q)(hi - lo); NaN when unknown: TABLE, LINREG). */
SPECOT_API specot_status specot_shk_potential_expmech(specot_ctx *ctx, const specot_shk_expmech *em,
                                                      specot_shk_potential *out, double *du_out,
                                                      double *U_out);

/* ---- sampler ------------------------------------------------------------------ */

typedef enum specot_shk_rate {
  SPECOT_SHK_RATE_PLAIN = 0, /* beta = log rhohat + V (v1) */
  SPECOT_SHK_RATE_BLOB = 1,  /* reserved: log(K*rho) + K*(rho/K*rho) + V (not implemented) */
  SPECOT_SHK_RATE_BDLD = 2   /* reserved: bdld's grid corrections (not implemented) */
} specot_shk_rate;

typedef enum specot_shk_kde {
  SPECOT_SHK_KDE_EXACT = 0,    /* all N^2 pairs, tiled */
  SPECOT_SHK_KDE_SUBSAMPLE = 1 /* M random reference particles + the exact self term */
} specot_shk_kde;

typedef struct specot_shk_opts {
  double lambda;          /* reaction rate lambda (1/time), >= 0; default 1 (0 = plain ULA) */
  double dt;              /* Langevin step, > 0; default NaN = required */
  size_t stride;          /* birth–death every stride steps, tau = stride dt; default 1 */
  double bandwidth;       /* KDE bandwidth h > 0; default 0 = Silverman per sweep:
                             h = sigma (4/((d+2)N))^(1/(d+4)), sigma = mean coordinate std */
  int kde_self_term;      /* 1 (default): include j = i in the KDE */
  specot_shk_rate rate;   /* default SPECOT_SHK_RATE_PLAIN (the only one implemented) */
  double max_events_warn; /* warn if lambda max|bbar| tau > this; default 1.0 */
  int langevin;           /* 1 (default): ULA moves; 0 = reaction only */
  specot_shk_kde kde;     /* default SPECOT_SHK_KDE_EXACT */
  size_t kde_subsample;   /* M for KDE_SUBSAMPLE; default 1000 (M >= N means exact) */
} specot_shk_opts;

SPECOT_API void specot_shk_opts_init(specot_shk_opts *opts);

typedef struct specot_shk_stats {
  size_t steps;           /* steps run by this call */
  size_t sweeps;          /* birth–death sweeps */
  size_t kills;           /* kill events applied */
  size_t duplications;    /* duplication events applied */
  size_t skipped;         /* events skipped (particle already overwritten) */
  double expected_events; /* sum over sweeps of sum_i p_i */
  double max_rate_tau;    /* max over sweeps of lambda max_i |bbar_i| tau */
  double bandwidth;       /* bandwidth of the last sweep */
} specot_shk_stats;

/* Workspace for N particles in R^d: KDE tiles per thread, caches of V and
 * grad V, event buffers (about N (d + 6) doubles + 256 (256 + d) per thread).
 * It also holds the global step counter n (starts at 0, advanced by each run),
 * so consecutive runs continue one trajectory. */
typedef struct specot_shk_ws specot_shk_ws;
SPECOT_API specot_status specot_shk_ws_alloc(specot_ctx *ctx, size_t N, size_t d,
                                             specot_shk_ws **out);
SPECOT_API void specot_shk_ws_free(specot_shk_ws *ws);
/* Resets the step counter to 0. */
SPECOT_API void specot_shk_ws_reset(specot_shk_ws *ws);

/* Runs n_steps steps on X (N x d, in/out).  opts NULL = defaults (then dt is
 * missing: error).  stats may be NULL.  Does not allocate. */
SPECOT_API specot_status specot_shk_run(specot_ctx *ctx, specot_shk_ws *ws,
                                        const specot_shk_opts *opts,
                                        const specot_shk_potential *pot, specot_rng *rng,
                                        size_t n_steps, double *X, specot_shk_stats *stats);

/* The exact tiled log-domain KDE of step 2 on the workspace's N x d points:
 * log_rho[i] = logsumexp_j(-|x_i - x_j|^2/(2h^2)) - log N - (d/2) log(2 pi h^2),
 * j = i included iff self_term.  h > 0.  Does not allocate. */
SPECOT_API specot_status specot_shk_kde_log(specot_ctx *ctx, specot_shk_ws *ws, const double *X,
                                            double h, int self_term, double *log_rho);
/* The subsampled KDE: M reference indices drawn uniformly (with replacement)
 * from rng; log_rho[i] = log((k(0) + ((N-1)/M') sum_{j in S, j != i} k_ij) / N)
 * - (d/2) log(2 pi h^2), with M' the number of draws j != i and k_ij the kernel. */
SPECOT_API specot_status specot_shk_kde_log_subsample(specot_ctx *ctx, specot_shk_ws *ws,
                                                      const double *X, double h, size_t M,
                                                      specot_rng *rng, double *log_rho);
/* Silverman's bandwidth of the N x d points (0 when every coordinate is constant). */
SPECOT_API double specot_shk_silverman(const double *X, size_t N, size_t d);

/* ---- mean-field references ---------------------------------------------------- */

/* Reaction-only closed form (3): log rho_t = e^{-lambda t} log rho_0 - (1 - e^{-lambda t}) V
 * up to a constant, pointwise on n values (out may alias log_rho0). */
SPECOT_API void specot_shk_reaction_logrho(size_t n, const double *log_rho0, const double *V,
                                           double lambda, double t, double *out);

/* 1-D Gaussian references for V = (x - m)^2 / (2 s2) and rho_0 = N(mean0, var0),
 * in the natural parameters a = 1/var, b = mean/var:
 *   Langevin:   a' = -2a^2 + 2a/s2,      b' = b/s2 + a m/s2 - 2ab
 *   reaction:   a' = -lambda (a - 1/s2), b' = -lambda (b - m/s2)
 *   kernelised reaction (h > 0): a' = -lambda (1/(var + h^2) - 1/s2),
 *                                b' = -lambda (mean/(var + h^2) - m/s2).
 * langevin = 0 drops the first line.  Integrated by classical RK4 with step
 * <= 1e-4 (global error ~1e-14 on these smooth problems).  Outputs mean and var
 * at time t >= 0.  Errors: s2, var0 <= 0, lambda, h, t < 0, non-finite input. */
typedef struct specot_shk_gauss1d {
  double m, s2;       /* target N(m, s2) */
  double mean0, var0; /* start N(mean0, var0) */
  double lambda;      /* reaction rate (0 = none) */
  double h;           /* KDE bandwidth of the kernelised reaction (0 = exact rate) */
  int langevin;       /* 1: transport on */
} specot_shk_gauss1d;
SPECOT_API specot_status specot_shk_gauss_ode(specot_ctx *ctx, const specot_shk_gauss1d *g,
                                              double t, double *mean, double *var);

#ifdef __cplusplus
}
#endif

#endif /* SPECOT_SHK_H */
