/*
 * specot/flows.h — spectral particle flows, Muon dynamics and the discrete
 * Muon optimizer step.
 *
 * Particles.  A particle system is X in R^{n x d} (row i = particle x_i,
 * row-major) with weights w_i > 0 (NULL = uniform 1/n); it represents the
 * measure mu_X = sum_i w_i delta_{x_i}.  Weights need not sum to one.
 *
 * The objective interface and the mean-field clock.  An objective returns the
 * energy E(X) = F(mu_X) and the FORCES g(x_i) = grad_x (dF/dmu)(x_i), not the
 * parameter gradient: dE/dx_i = w_i g(x_i).  With uniform weights 1/n the
 * forces are n times the autodiff gradient of F(mu_X), so an Euler step dt in
 * our clock equals a step dt*n on the autodiff gradient (Peyre's F = n*F
 * convention, spectral_w.md section 7).  A matrix objective J(X) (e.g. the
 * quadratic) is used with unit weights w_i = 1: then the forces are grad J.
 *
 * Velocity selector (the particle LMO).  For p in [1, inf] and q = 2p/(2p-1),
 * with Gw = diag(sqrt w) G (G = forces, n x d) = U diag(s) V^T:
 *     v_i = [J_p(Gw)]_i / sqrt(w_i),   J_p(Gw) = -||s||_q^{2-q} U diag(s^{q-1}) V^T,
 * i.e. v(x) = -||S^{1/2}||_{S_q}^{2-q} S^{(q-2)/2} g(x), S = sum_i w_i g_i g_i^T.
 * p = 1 gives v = -g (gradient flow), p = inf gives -||Gw||_* polar(Gw) (Muon).
 * The selector is specot_linalg_lmo / specot_linalg_block_lmo (thin SVD)
 * applied to Gw with normalized weights w / sum(w) (J_p is 1-homogeneous, so
 * the weight scale does not change v); singular values <= DBL_EPSILON
 * max(n, d) s_1 count as zero (the toolbox's cut-off).  The dissipation rate is
 * dE/dt = <g, v>_w = -N*(g)^2 = -||Gw||_{S_q}^2 (w unnormalized).
 * Block gauges split the columns into blocks (e.g. (u | v) for a neuron):
 *   BLOCK_SUM: an independent selector per column block (rate -sum_b ||G_b||_{S_q}^2);
 *   BLOCK_MAX: gauge max_b lambda_max(S_bb): v_b = -(sum_a ||G_a||_*) polar(G_b)
 *              (p is ignored; rate -(sum_b ||G_b||_*)^2).
 *
 * Methods (h = opts.dt):
 *   EULER        X+ = X + h v(G(X)).
 *   MOMENTUM     Peyre's tau dA/dt + A = G, dX/dt = v(A), semi-implicit:
 *                A+ = A + (h/tau)(G(X) - A),  X+ = X + h v(A+);  A_0 = G(X_0).
 *   HAMILTONIAN  regularized-Muon damped Hamiltonian system (muon.md 2.3):
 *                P+ = (P - h G(X)) / (1 + gamma h),  X+ = X + h grad K(P+),  P_0 = 0,
 *                K(P) = Phi_eps(P) - r0 sqrt(eps) with Phi_eps(P) = sum_k sqrt(s_k^2 + eps)
 *                (grad K = O_eps(P) = P (P^T P + eps I)^{-1/2}), applied
 *                  KINETIC_PARTICLE: per particle and per column block, block b of
 *                    particle i reshaped as block_rows[b] x (blocks[b]/block_rows[b])
 *                    row-major (1 row = a vector: grad K = p / sqrt(|p|^2 + eps));
 *                    H = E + sum_i w_i K(p_i) (Mustafi et al. convention);
 *                  KINETIC_MATRIX: on each whole column block of the n x d matrix
 *                    (the practical-Muon / layer view); needs uniform weights c,
 *                    H = E + c sum_b K(P_b).
 *                Discrete dissipation inequality, checked at every step with
 *                L = objective lipschitz (Lipschitz constant of dE/dX in Frobenius):
 *                  H+ - H <= -gamma h <P+, V>_w + (L h^2 / 2) ||V||_F^2,  V = grad K(P+)
 *                  (<= -h (gamma sqrt(eps) - L h/(2c)) ||V||_w^2 for uniform weights c),
 *                so H is non-increasing for h <= 2 c gamma sqrt(eps) / L.
 *                EMA regularized Muon (beta, eta, eps_M) is exactly this scheme with
 *                h = eta, gamma = (1-beta)/(beta eta), P = -M/gamma, eps = eps_M/gamma^2.
 * Safeguards (any method; they break the energy identities when active):
 * max_step > 0 rescales the increment to ||X+ - X||_F <= max_step
 * (dX *= max_step/(||dX||_F + 1e-12), the paper's rule); clamp > 0 maps NaN to 0
 * and clamps every coordinate to [-clamp, clamp].
 *
 * Cost per step: one objective evaluation, one thin SVD of the n x d force
 * (or momentum) matrix per column block (~4 n d^2 flops) for the selector,
 * one SVD without vectors for the ratio diagnostic, and O(n d) work;
 * HAMILTONIAN uses O_eps instead of the selector (Gram route, ~3 n d^2 +
 * 9 d^3), per particle and block for matrix blocks.  Steps never allocate:
 * the flow object holds its workspaces.
 *
 * Checkpoints hold X, the auxiliary state (A or P), the step counter, the
 * time, the counters, an RNG state and a fingerprint of the options that shape
 * the trajectory (a resume with other options is refused), written atomically
 * (temporary file, fsync, rename).  Resuming from a checkpoint reproduces the uninterrupted
 * trajectory bit for bit on the same machine with the same thread count.
 *
 * Thread safety: a flow object or objective must not be used by two threads
 * at once; distinct ones may.  The built-in objectives and the step use
 * OpenBLAS (multithreaded per its settings) and OpenMP loops whose results do
 * not depend on the thread count except where documented.
 */
#ifndef SPECOT_FLOWS_H
#define SPECOT_FLOWS_H

#include "specot/rng.h"
#include "specot/specot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Objectives                                                                */
/* ------------------------------------------------------------------------- */

/* Energy and forces at x (n x d) with weights w (n entries, never NULL here:
 * the flow passes its weights).  forces: n x d output.  Returns a status. */
typedef specot_status (*specot_flow_eval_fn)(void *model, specot_ctx *ctx, const double *x,
                                             const double *w, size_t n, size_t d,
                                             double *energy, double *forces);

typedef struct specot_flow_objective {
  specot_flow_eval_fn eval; /* required */
  void *model;              /* passed to eval and to release */
  void (*release)(void *model); /* frees model (may be NULL) */
  size_t d;                 /* particle dimension required (0 = any) */
  double lipschitz;         /* Lipschitz constant of dE/dX (Frobenius); 0 = unknown */
  const char *name;         /* static name, e.g. "mmd" */
} specot_flow_objective;

/* Releases a built-in objective's model and zeroes *obj (NULL-safe). */
SPECOT_API void specot_flow_objective_free(specot_flow_objective *obj);

/* Smoothed energy-distance MMD to the target cloud y (m x d, weights b, NULL =
 * uniform 1/m), kernel k(x,y) = -sqrt(|x-y|^2 + eps^2) (eps > 0):
 *   E = 2 sum_ij w_i b_j D(x_i,y_j) - sum_ij w_i w_j D(x_i,x_j) - sum_ij b_i b_j D(y_i,y_j),
 *   g(x) = 2 [ sum_j b_j (x-y_j)/D(x,y_j) - sum_j w_j (x-x_j)/D(x,x_j) ],
 * D = sqrt(|.|^2 + eps^2) (squared MMD with the constant target term, as in
 * Peyre's toolbox).  Cost O((n+m) n d) per evaluation, no extra memory.
 * Copies y.  Errors: INVALID (sizes, eps, non-finite, negative b), NOMEM. */
SPECOT_API specot_status specot_flow_mmd_alloc(specot_ctx *ctx, const double *y, const double *b,
                                               size_t m, size_t d, double eps,
                                               specot_flow_objective *obj);

/* Quadratic matrix objective J(X) = 1/2 ||A X - B||_F^2, A r x n, B r x d.
 * Energy J (weights ignored), forces (A^T (A X - B))_i / w_i, lipschitz =
 * ||A^T A||_op.  Use unit weights to get forces = grad J.  Copies A, B.
 * Cost O(r n d) per evaluation.  Errors: INVALID, NOMEM, TOO_LARGE, NUMERICAL. */
SPECOT_API specot_status specot_flow_quadratic_alloc(specot_ctx *ctx, const double *A,
                                                     const double *B, size_t r, size_t n,
                                                     size_t d, specot_flow_objective *obj);

/* Gaussian KL particle objective (spectral_w.md section 7): with the
 * uncentred second moment Sigma = sum_i w_i x_i x_i^T (must be SPD),
 *   E = KL(N(0,Sigma) | N(0,target)) = 1/2 [tr(T^-1 Sigma) - d + log det T - log det Sigma],
 *   g(x) = H x,  H = T^-1 - Sigma^-1.
 * The particle flow then moves Sigma along the covariance ODE
 * specot_flow_gaussian_covariance_rhs.  target: d x d SPD (copied).
 * Errors: INVALID (not SPD), NUMERICAL (Sigma singular during eval), NOMEM. */
SPECOT_API specot_status specot_flow_gaussian_kl_alloc(specot_ctx *ctx, const double *target,
                                                       size_t d, specot_flow_objective *obj);

/* Two-layer ReLU regression (muon.md 3.2): particle x = (u, v) in R x R^dz
 * (d = 1 + dz), prediction f(z) = sum_i w_i u_i relu(v_i . z), energy
 * E = 1/2 mean_j (f(z_j) - y_j)^2 over the data z (nd x dz), y (nd), forces
 *   g_u(x) = mean_j relu(v.z_j) r_j,  g_v(x) = u mean_j [v.z_j > 0] r_j z_j,  r = f - y,
 * For dz = 2: two fused, vectorized sweeps over the n x nd pre-activations
 * (never stored; OpenMP above 8e6 inner iterations, fixed summation order so
 * results do not depend on the thread count); other dz: GEMMs over blocks of
 * particles (the batched formulas of muon.md 3.2).  Memory O(nd (dz + 256) + 3n)
 * (the particle buffer grows on first use).  Cost O(n nd dz) per evaluation.
 * Copies z, y.  Errors: INVALID (sizes, non-finite data), TOO_LARGE, NOMEM. */
SPECOT_API specot_status specot_flow_relu_alloc(specot_ctx *ctx, const double *z, const double *y,
                                                size_t nd, size_t dz,
                                                specot_flow_objective *obj);

/* Peyre's teacher-student protocol.  Defaults: n_train 2000, n_eval 4000,
 * seed 7, init_var 0.5.  Order of draws from specot_rng_seed(seed) (the
 * notebook's order): z_train (n_train x 2), z_eval (n_eval x 2), then the
 * n x 3 initial particles, each N(0,1) from specot_rng_fill_normal.
 * Teacher: u* = (1, 1, -1), v* = (cos t, sin t), t = (0.38, 2.42, 4.63),
 * labels y = (1/3) sum_k u*_k relu(v*_k . z).  Initial particles:
 * mean(teacher) + sqrt(init_var) std(teacher) N(0,1) per coordinate
 * (population std over the 3 teacher neurons).  With torch_rng = 1 the three
 * arrays are drawn instead by specot_torch_rng_randn after
 * specot_torch_rng_seed(seed), one call each: the notebook's stream
 * (torch.manual_seed(7), torch.randn), so the paper's initial state is reproduced
 * bit for bit (initial dissipation ratio 2.5576465476583627 at seed 7). */
typedef struct specot_flow_relu_protocol_opts {
  size_t n_train;  /* training points; default 2000 */
  size_t n_eval;   /* evaluation points drawn after the training points; default 4000 */
  uint64_t seed;   /* RNG seed; default 7 */
  double init_var; /* initial variance factor; default 0.5 */
  int torch_rng;   /* 1: draw with the torch-compatible generator (rng.h); default 0 */
} specot_flow_relu_protocol_opts;

SPECOT_API void specot_flow_relu_protocol_opts_init(specot_flow_relu_protocol_opts *opts);

/* Builds the protocol objective (training set) and writes the n x 3 initial
 * particles to x0 (may be NULL).  z_eval / y_eval (n_eval x 2 and n_eval,
 * may be NULL) receive the evaluation set. */
SPECOT_API specot_status specot_flow_relu_protocol(specot_ctx *ctx,
                                                   const specot_flow_relu_protocol_opts *opts,
                                                   size_t n, specot_flow_objective *obj,
                                                   double *x0, double *z_eval, double *y_eval);

/* Predictions f(z_j) = sum_i w_i u_i relu(v_i . z_j) of particles x (n x (1+dz),
 * weights w, NULL = 1/n) at nz points z (nz x dz) into out (nz). */
SPECOT_API specot_status specot_flow_relu_predict(specot_ctx *ctx, const double *x,
                                                  const double *w, size_t n, size_t dz,
                                                  const double *z, size_t nz, double *out);

/* ------------------------------------------------------------------------- */
/* Flow engine                                                               */
/* ------------------------------------------------------------------------- */

typedef enum specot_flow_method {
  SPECOT_FLOW_EULER = 0,
  SPECOT_FLOW_MOMENTUM = 1,
  SPECOT_FLOW_HAMILTONIAN = 2
} specot_flow_method;

typedef enum specot_flow_gauge {
  SPECOT_FLOW_GAUGE_SCHATTEN = 0,  /* one selector on the whole n x d matrix */
  SPECOT_FLOW_GAUGE_BLOCK_SUM = 1, /* independent selector per column block */
  SPECOT_FLOW_GAUGE_BLOCK_MAX = 2  /* common clock, raw blockwise polar (p ignored) */
} specot_flow_gauge;

typedef enum specot_flow_kinetic {
  SPECOT_FLOW_KINETIC_PARTICLE = 0, /* per particle and column block (MoE-style) */
  SPECOT_FLOW_KINETIC_MATRIX = 1    /* per whole column block of the n x d matrix */
} specot_flow_kinetic;

#define SPECOT_FLOW_MAX_BLOCKS 16

typedef struct specot_flow_opts {
  specot_flow_method method; /* default EULER */
  double p;                  /* gauge exponent in [1, inf] (EULER, MOMENTUM); default INFINITY */
  double dt;                 /* step h > 0 (time units of the force clock); default 0.01 */
  specot_flow_gauge gauge;   /* default SCHATTEN */
  size_t nblocks;            /* number of column blocks; 0 = one block of width d. default 0 */
  size_t blocks[SPECOT_FLOW_MAX_BLOCKS];     /* block widths, summing to d */
  size_t block_rows[SPECOT_FLOW_MAX_BLOCKS]; /* KINETIC_PARTICLE: rows of block b reshaped
                                                as a matrix (0 or 1 = vector); default 0 */
  double tau;                /* MOMENTUM time constant > 0; default 1 */
  double gamma;              /* HAMILTONIAN damping >= 0; default 1 */
  double eps;                /* HAMILTONIAN kinetic regularization eps_K > 0; default 0.01 */
  specot_flow_kinetic kinetic; /* HAMILTONIAN kinetic layout; default PARTICLE */
  double max_step;           /* cap on ||X+ - X||_F, 0 = off; default 0 */
  double clamp;              /* coordinate clamp to [-clamp, clamp], 0 = off; default 0 */
  double rise_rtol;          /* H (or E for EULER) "rose" when the increase exceeds
                                rise_rtol * (|E| + kinetic); relative; default 1e-12 */
} specot_flow_opts;

SPECOT_API void specot_flow_opts_init(specot_flow_opts *opts);

/* Per-step diagnostics (the state after the step; step 0 = initial state). */
typedef struct specot_flow_diag {
  uint64_t step;       /* steps taken */
  double t;            /* step * dt */
  double energy;       /* E(X) */
  double dissipation;  /* <g, v>_w of the last velocity: dE/dt along the move (before
                          safeguards); for EULER -N*(g)^2; at step 0 the rate of the
                          first step */
  double ratio;        /* ||Gw||_*^2 / ||Gw||_F^2 of the current forces (in [1, rank]) */
  double kinetic;      /* sum_i w_i K(p_i) or c sum_b K(P_b) (HAMILTONIAN), else 0 */
  double hamiltonian;  /* energy + kinetic */
  double distance;     /* cumulative sum_k ||X_{k+1} - X_k||_w, ||Y||_w^2 = sum_i w_i |y_i|^2 */
  double step_norm;    /* ||X_{k+1} - X_k||_F of the last step */
} specot_flow_diag;

typedef struct specot_flow specot_flow;

/* Allocates a flow for the objective at x0 (n x d, copied) with weights w
 * (n entries > 0, copied; NULL = uniform 1/n), evaluates the objective once.
 * The objective must outlive the flow.  Errors: INVALID (options, sizes,
 * non-finite x0, weights, blocks), TOO_LARGE, NOMEM, and those of eval. */
SPECOT_API specot_status specot_flow_alloc(specot_ctx *ctx, const specot_flow_objective *obj,
                                           const specot_flow_opts *opts, size_t n, size_t d,
                                           const double *x0, const double *w,
                                           specot_flow **out);
SPECOT_API void specot_flow_free(specot_flow *flow);

/* Takes one step and fills *diag (may be NULL).  Errors: NUMERICAL (the
 * objective or the state became non-finite; the state is left unchanged),
 * and those of eval. */
SPECOT_API specot_status specot_flow_step(specot_ctx *ctx, specot_flow *flow,
                                          specot_flow_diag *diag);
/* Diagnostics of the current state. */
SPECOT_API void specot_flow_diag_get(const specot_flow *flow, specot_flow_diag *diag);

/* Current particles (n x d), auxiliary state (A for MOMENTUM, P for
 * HAMILTONIAN, NULL for EULER) and current forces; valid until the next step. */
SPECOT_API const double *specot_flow_particles(const specot_flow *flow);
SPECOT_API const double *specot_flow_aux(const specot_flow *flow);
SPECOT_API const double *specot_flow_forces(const specot_flow *flow);

/* Counters since step 0: steps where H (HAMILTONIAN) or E (other methods)
 * rose by more than rise_rtol, and HAMILTONIAN steps that violated the
 * discrete dissipation inequality (only counted when lipschitz > 0). */
typedef struct specot_flow_counters {
  uint64_t rises;
  uint64_t inequality_violations;
  double max_rise; /* largest increase seen (0 if none) */
} specot_flow_counters;
SPECOT_API void specot_flow_counters_get(const specot_flow *flow, specot_flow_counters *out);

/* An RNG state carried in checkpoints for callers that need randomness
 * (the built-in steppers are deterministic). */
SPECOT_API specot_rng *specot_flow_rng(specot_flow *flow);

/* Writes a checkpoint file atomically (binary, native byte order).
 * Errors: IO. */
SPECOT_API specot_status specot_flow_checkpoint_write(specot_ctx *ctx, const specot_flow *flow,
                                                      const char *path);
/* Restores a checkpoint into a flow allocated with the same objective, n, d
 * and method; re-evaluates the objective at the restored X.  Errors: IO,
 * FORMAT (bad magic, truncated), INVALID (n, d or method differ). */
SPECOT_API specot_status specot_flow_checkpoint_read(specot_ctx *ctx, specot_flow *flow,
                                                     const char *path);

/* Reads only the header of the checkpoint file `path`: the step it was written
 * at (into *step) and its particle shape (n, d; either may be NULL).  Lets a
 * caller decide how far to resume before allocating a flow.  Errors: IO,
 * FORMAT (bad magic, version, truncated header), INVALID (NULL path/step). */
SPECOT_API specot_status specot_flow_checkpoint_info(specot_ctx *ctx, const char *path,
                                                     uint64_t *step, size_t *n, size_t *d);

/* Ratio ||M||_*^2 / ||M||_F^2 of an n x d matrix (1 <= ratio <= rank; 0 for
 * M = 0), through the min(n,d) Gram matrix.  Errors: INVALID, NOMEM, NUMERICAL. */
SPECOT_API specot_status specot_flow_dissipation_ratio(specot_ctx *ctx, const double *m, size_t n,
                                                       size_t d, double *ratio);

/* Gaussian closure (spectral_w.md 7): for the centred affine force g(x) = H x
 * and covariance Sigma (d x d, symmetric PSD), with B = J_p(H Sigma^{1/2}),
 *   dSigma/dt = B Sigma^{1/2} + Sigma^{1/2} B^T   (out: d x d).
 * Example: (diag(1,0), I, inf) -> diag(-2, 0).  Errors: INVALID (not PSD
 * within 1e-12 relative, p < 1), NOMEM, NUMERICAL. */
SPECOT_API specot_status specot_flow_gaussian_covariance_rhs(specot_ctx *ctx, const double *sigma,
                                                             const double *h, size_t d, double p,
                                                             double *out);

/* Reduced flow of a 2-homogeneous objective on the sphere (spectral_w.md 8):
 * particles with masses m_i > 0 and unit directions omega_i (n x d); with
 * g the objective's forces at X = omega with weights m, v = the weighted
 * selector (p, gauge SCHATTEN),
 *   dm_i = 2 b_i m_i,  domega_i = (I - omega_i omega_i^T) v_i,  b_i = omega_i . v_i.
 * Outputs dm (n), domega (n x d).  Errors: INVALID (non-unit omega within
 * 1e-10, m <= 0), NOMEM, and those of eval. */
SPECOT_API specot_status specot_flow_sphere_rhs(specot_ctx *ctx, const specot_flow_objective *obj,
                                                double p, const double *m, const double *omega,
                                                size_t n, size_t d, double *dm, double *domega);

/* ------------------------------------------------------------------------- */
/* Discrete Muon optimizer step                                              */
/* ------------------------------------------------------------------------- */
/*
 * Side by side (G = gradient of W, rows x cols; s = shape scale):
 *   KJ (Keller Jordan) / torch.optim.Muon ("original"):  EMA momentum
 *       M <- beta M + (1-beta) G;  U = nesterov ? (1-beta) G + beta M : M
 *       O = NS5(U);  W <- W (1 - lr wd) - lr s O,  s = sqrt(max(1, rows/cols))
 *       defaults: KJ lr 0.02, wd 0, beta 0.95, nesterov; torch lr 1e-3, wd 0.1.
 *   torch "match_rms_adamw": as torch with s = 0.2 sqrt(max(rows, cols)).
 *   Moonlight: sum momentum  M <- beta M + G;  U = nesterov ? G + beta M : M;
 *       s = 0.2 sqrt(max(rows, cols)); defaults lr 1e-3, wd 0.1, nesterov.
 * Weight decay is decoupled and uses the unscaled lr.  NS5 is Keller
 * Jordan's quintic (3.4445, -4.7750, 2.0315) on the smaller Gram side,
 * after X = U / ||U||_F (U = 0 gives 0; exact division, no 1e-7 floor: the
 * output is scale invariant), in double precision; its singular values lie in
 * about [0.68, 1.13], not 1.  ORTHO_POLAR uses the exact polar factor and
 * ORTHO_REGULARIZED O_eps(U) = U (U^T U + eps I)^{-1/2} (regularized Muon,
 * muon.md 2.2), both through the small-side Gram eigendecomposition.
 * Shape scaling uses the shape of W as given (rows x cols).
 */
typedef enum specot_muon_convention {
  SPECOT_MUON_KJ = 0,
  SPECOT_MUON_TORCH = 1,
  SPECOT_MUON_TORCH_MATCH_RMS = 2,
  SPECOT_MUON_MOONLIGHT = 3
} specot_muon_convention;

typedef enum specot_muon_ortho {
  SPECOT_MUON_ORTHO_NS5 = 0,
  SPECOT_MUON_ORTHO_POLAR = 1,
  SPECOT_MUON_ORTHO_REGULARIZED = 2
} specot_muon_ortho;

typedef enum specot_muon_momentum {
  SPECOT_MUON_MOMENTUM_EMA = 0, /* M <- beta M + (1-beta) G */
  SPECOT_MUON_MOMENTUM_SUM = 1  /* M <- beta M + G */
} specot_muon_momentum;

typedef enum specot_muon_scale {
  SPECOT_MUON_SCALE_NONE = 0,     /* s = 1 */
  SPECOT_MUON_SCALE_ORIGINAL = 1, /* s = sqrt(max(1, rows/cols)) */
  SPECOT_MUON_SCALE_RMS = 2       /* s = 0.2 sqrt(max(rows, cols)) */
} specot_muon_scale;

typedef struct specot_muon_opts {
  double lr;                     /* learning rate > 0; default by convention */
  double beta;                   /* momentum in [0, 1); default 0.95 */
  int nesterov;                  /* 1: Nesterov look-ahead; default 1 */
  double weight_decay;           /* decoupled, >= 0; default by convention */
  specot_muon_momentum momentum; /* default by convention */
  specot_muon_scale scale;       /* default by convention */
  specot_muon_ortho ortho;       /* default NS5 */
  int ns_steps;                  /* NS iterations in [1, 100); default 5 */
  double eps;                    /* ORTHO_REGULARIZED eps > 0; default 1e-2 */
} specot_muon_opts;

SPECOT_API void specot_muon_opts_init(specot_muon_opts *opts, specot_muon_convention convention);

typedef struct specot_muon_ws specot_muon_ws;
/* Workspace for rows x cols matrices: ~ 3 rows cols + 2 min^2 doubles. */
SPECOT_API specot_status specot_muon_ws_alloc(specot_ctx *ctx, size_t rows, size_t cols,
                                              specot_muon_ws **out);
SPECOT_API void specot_muon_ws_free(specot_muon_ws *ws);

/* One Muon step in place on W and the momentum M (rows x cols, M zero at the
 * first step); G is the gradient.  update (may be NULL) receives the applied
 * orthogonalized direction O (before lr and scale).  Cost: NS5 ~ 5 (4 m^2 N +
 * 2 m^3) flops (m = min, N = max side); the Gram routes ~ 2 m^2 N + 9 m^3.
 * Errors: INVALID (options, sizes, non-finite G), TOO_LARGE, NUMERICAL. */
SPECOT_API specot_status specot_muon_step(specot_ctx *ctx, const specot_muon_opts *opts,
                                          specot_muon_ws *ws, size_t rows, size_t cols, double *W,
                                          double *M, const double *G, double *update);

/* ------------------------------------------------------------------------- */
/* Mean-field attention layer (paper_experiments.md section 1)               */
/* ------------------------------------------------------------------------- */
/*
 * A particle is a head x = (Q, K, V, O) in R^{4 dh dt} (d = 4 dh dt): four dh x dt
 * matrices, row-major, in that order.  On a sequence of m tokens z_1..z_m in R^dt,
 *   phi(z, x)_j = O^T sum_i A_ji V z_i,   A_j. = softmax_i(<Q z_j, K z_i> / sqrt(dh)),
 * the predictor is f(z)_j = sum_h w_h phi(z, x_h)_j (w = 1/n: heads averaged), and over
 * N sequences z_s with targets y_s (each m x dt, row-major, N x m x dt in all)
 *   E = 1/2 mean_{s,j,b} (f(z_s)_jb - y_sjb)^2          (mean over N m dt entries),
 *   g(x) = sum_{s,j} rho_sj . d phi(z_s, x)_j / dx,      rho = (f - y) / (N m dt),
 * the backward pass written out (softmax: dS = A (dA - rowsum(A dA))).  Cost per
 * evaluation O(n N (m^2 dh + m dh dt)) flops; memory O(N m dt + threads (m^2 + m dh)) plus
 * a forward cache of n N (m^2 + 4 m dh) doubles, allocated on first use, when it fits in
 * 64 MiB (beyond that the backward recomputes the forward).  OpenMP over sequences
 * (forward) and heads (backward) with a fixed summation order: results do not depend
 * on the thread count.  Copies z, y.  Errors: INVALID (sizes, non-finite), TOO_LARGE,
 * NOMEM. */
SPECOT_API specot_status specot_flow_attention_alloc(specot_ctx *ctx, const double *z,
                                                     const double *y, size_t nseq, size_t m,
                                                     size_t dt, size_t dh,
                                                     specot_flow_objective *obj);

/* Predictions f(z_s) of the heads x (n x 4 dh dt, weights w, NULL = 1/n) on nseq
 * sequences z (nseq x m x dt) into out (nseq x m x dt). */
SPECOT_API specot_status specot_flow_attention_predict(specot_ctx *ctx, const double *x,
                                                       const double *w, size_t n, size_t dt,
                                                       size_t dh, const double *z, size_t nseq,
                                                       size_t m, double *out);

/* Effective number of attended tokens: the mean over sequences, heads and query
 * positions j of the participation ratio 1 / sum_i A_ji^2 (in [1, m]; m = uniform
 * attention).  The notebook adds 1e-12 to the sum (a 1e-11 relative change; not here). */
SPECOT_API specot_status specot_flow_attention_effective_tokens(specot_ctx *ctx, const double *x,
                                                                size_t n, size_t dt, size_t dh,
                                                                const double *z, size_t nseq,
                                                                size_t m, double *mean);

/* The paper's teacher-student protocol (generate_attention_notebook.py), torch float32
 * draws reproduced by specot_torch_rng_randn_f32 and scaled in float32:
 *   torch.manual_seed(data_seed): Z_train = randn(n_train, m, dt), Z_test = randn(n_test, m, dt);
 *   teacher generator seed 7000 + 100 regime + run: Q, K = qk_scale randn(k, dh dt),
 *     then V, O = vo_scale randn(k, dh dt) (four calls, in that order), k = teacher_heads;
 *   student generator seed 1000 + run: X0 = init_scale randn(n, 4 dh dt);
 *   targets Y = teacher predictor (heads averaged) on Z_train (and Z_test).
 * The energy and forces are then computed in double precision (the notebook runs in
 * float32: energies agree to ~1e-6 relative).  Regimes: 0 "very dense" (qk_scale 0.08),
 * 1 "very sparse" (1.45).  The notebook's Euler protocol (not applied here): p = 1 960
 * steps of 100, p = inf 480 steps of 180 on the autodiff gradient, i.e. dt = 100/n and
 * 180/n in the force clock; cap ||dX||_F <= 0.45; clamp [-10, 10]. */
typedef struct specot_flow_attention_protocol_opts {
  int regime;           /* 0 very dense, 1 very sparse (enters the teacher seed); default set */
  unsigned run;         /* run index (teacher and student seeds); default 0 */
  double qk_scale;      /* teacher Q, K scale; default 0.08 (regime 0), 1.45 (regime 1) */
  double vo_scale;      /* teacher V, O scale; default 0.65 */
  double init_scale;    /* student X0 scale; default 0.16 */
  size_t teacher_heads; /* k; default 5 */
  size_t n_train;       /* training sequences N; default 32 */
  size_t n_test;        /* test sequences drawn after them (0 = none); default 96 */
  size_t tokens;        /* tokens per sequence m; default 16 */
  size_t token_dim;     /* dt; default 4 */
  size_t head_dim;      /* dh; default 3 */
  uint64_t data_seed;   /* torch.manual_seed of the sequences; default 123 */
} specot_flow_attention_protocol_opts;

/* Defaults of the notebook for regime 0 (very dense) or 1 (very sparse). */
SPECOT_API void specot_flow_attention_protocol_opts_init(specot_flow_attention_protocol_opts *opts,
                                                         int regime);

/* Builds the training objective; optional outputs (NULL to skip): x0 (n x d student
 * start), teacher (k x d), z_test and y_test (n_test x m x dt), effective_tokens (the
 * teacher's mean participation ratio on Z_train, as the notebook reports it).
 * Errors: INVALID (sizes, scales), TOO_LARGE, NOMEM. */
SPECOT_API specot_status specot_flow_attention_protocol(
    specot_ctx *ctx, const specot_flow_attention_protocol_opts *opts, size_t n,
    specot_flow_objective *obj, double *x0, double *teacher, double *z_test, double *y_test,
    double *effective_tokens);

/* ------------------------------------------------------------------------- */
/* Gaussian modal ODE (the paper's closed-form Gaussian example)             */
/* ------------------------------------------------------------------------- */
/*
 * K modes, each a pair (a_k, b_k) = (s_k + r_k, s_k - r_k) > 0 with target
 * beta_k; with q = 2p/(2p-1) (q = 1 at p = inf), err_k = (a_k - b_k)/2 - beta_k,
 *   pref = ( sum_k |2 err_k|^q (a_k^{q/2} + b_k^{q/2}) )^{(2-q)/q}   (1 at p = 1),
 *   a_k' = -4 err_k pref a_k^{q/2},   b_k' = +4 err_k pref b_k^{q/2}
 * (paper_experiments.md; J_p's scale factor ||G||_{S_q}^{2-q} is `pref`).
 * The residual sum_k err_k^2 decreases, and each mode conserves its leaf
 *   I_p(a, b) = a b = s^2 - r^2 (p = 1),  sqrt a + sqrt b (p = inf),
 *   a^rho + b^rho with rho = (p-1)/(2p-1) otherwise,
 * since d(a^rho)/dt = -4 rho err pref and d(b^rho)/dt = +4 rho err pref.
 * The state y has 2K entries (a_1..a_K, b_1..b_K).  The rhs reads a and b as
 * max(., floor) and the clip hook maps the state to max(y, floor) after each
 * step (the paper's RK4 clips at 1e-12); a mode that reaches the floor leaves
 * its leaf.  The rhs and clip have the specot_ode_rhs_fn / specot_ode_clip_fn
 * signatures of specot/ode.h (data = the model), so an integration is
 *   specot_ode_system sys = {specot_flow_gaussian_modal_rhs,
 *                            specot_flow_gaussian_modal_clip, &model};
 * Cost O(K) per evaluation.  The rhs returns ERR_INVALID for p < 1, K = 0,
 * n != 2K, floor < 0 or NULL pointers.
 */
typedef struct specot_flow_gaussian_modal {
  double p;             /* gauge exponent in [1, inf] */
  size_t modes;         /* K >= 1 */
  const double *target; /* K targets beta_k (not copied) */
  double floor;         /* state floor >= 0; default 1e-12 */
} specot_flow_gaussian_modal;

SPECOT_API void specot_flow_gaussian_modal_init(specot_flow_gaussian_modal *model, double p,
                                                size_t modes, const double *target);
SPECOT_API specot_status specot_flow_gaussian_modal_rhs(void *model, specot_ctx *ctx, double t,
                                                        const double *y, size_t n, double *dydt);
SPECOT_API void specot_flow_gaussian_modal_clip(void *model, double *y, size_t n);
/* The conserved quantity I_p(a, b) of one mode (NaN for p < 1 or a, b < 0). */
SPECOT_API double specot_flow_gaussian_modal_invariant(double p, double a, double b);

#ifdef __cplusplus
}
#endif

#endif /* SPECOT_FLOWS_H */
