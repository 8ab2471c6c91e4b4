/*
 * specot/dpcert.h — differential-privacy certificates for SHK samplers of the
 * exponential mechanism pi_D ∝ exp(-eps0 u(D, .) / (2 du))  (spec
 * shk_dp_memory.md sections 3-4).  Pure functions: no allocation, no state.
 *
 * Scope (always print it with the numbers, SPECOT_DPCERT_SCOPE): the
 * certificate is for ONE draw from the mean-field law rho_t of the SHK flow
 * with data-independent rho_0, lambda and t.  It does not cover the N-particle
 * system, the KDE bias, the ULA step bias, releasing several particles of a
 * run, or a data-dependent choice of t, h or rho_0.
 *
 * Privacy-loss range eta (osc log(rho_t / rho'_t) <= eta for neighbours D, D'):
 *   Omega = eps0 (eps0/2 if u is monotone in the data);  M = eps0 U / (2 du)
 *   (U = sup_D osc_Theta u, rho_0 uniform on a compact Theta; infinite if unknown);
 *   eta_A = (Omega + 2K/lambda)(1 - e^{-lambda t})   (K known; K ignored and 0 for a
 *           reaction-only sampler), else inf;
 *   eta_B = Omega + 2 e^{-lambda t} M;   eta = min(eta_A, eta_B).
 * Certificates of an eta-bounded-range pair:
 *   eps_pure = eta;  KL <= min(eta^2/8, user KL);  D_alpha <= min(eta, alpha eta^2/8);
 *   delta_BR(eps) = (e^{eta/2} - e^{eps/2})^2 / (e^eta - 1) for 0 <= eps < eta, 0 beyond
 *   (tight); eps(delta) = max(0, 2 log(e^{eta/2} - sqrt(delta (e^eta - 1)))).
 * Cross-checks (weaker): delta_RR(eps) = (e^eta - e^eps)_+ / (1 + e^eta);
 *   Pinsker sqrt(KL/2); CKS from zCDP rho = eta^2/8:
 *   delta = inf_{alpha > 1} e^{(alpha-1)(alpha rho - eps)} / (alpha - 1) (1 - 1/alpha)^alpha.
 * Utility (U given): E_{rho_t} u - min u <= intrinsic + U TV, TV <= tanh(e^{-lambda t} M / 4);
 *   intrinsic = 2 d du / eps0 (convex u on convex Theta in R^d) or
 *   (2 du / eps0)(ln n_out + 1) (finite Theta with n_out points).
 */
#ifndef SPECOT_DPCERT_H
#define SPECOT_DPCERT_H

#include "specot/specot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The one-line disclaimer printed with every certificate. */
#define SPECOT_DPCERT_SCOPE                                                                  \
  "mean-field certificate: covers one draw from the mean-field law rho_t (data-independent " \
  "rho_0, lambda, t); not the N-particle system, KDE or time-step bias, several particles "  \
  "of one run, or data-dependent t, h, rho_0"

typedef struct specot_dpcert_opts {
  double du;         /* sensitivity Delta u > 0 (required; default NaN) */
  double eps0;       /* exponential-mechanism privacy parameter > 0 (required; NaN) */
  double lambda;     /* reaction rate > 0; default 1 */
  double t;          /* flow time >= 0 (required; NaN); n_steps dt for a sampler */
  double K;          /* generator-perturbation constant >= 0; NaN = unknown (default) */
  double U;          /* loss range sup_D osc u >= 0; NaN = unknown (default) */
  double M;          /* alternatively M >= sup_D osc(log rho_0 + V_D) directly; NaN (default) */
  int monotone;      /* 1: u monotone in the data, Omega = eps0/2; default 0 */
  int reaction_only; /* 1: reaction-only sampler, eta_A = Omega (1 - e^{-lambda t}); default 0 */
  double kl_user;    /* user KL bound >= 0; NaN = none (default) */
  size_t d;          /* utility, convex case: dimension (0 = not given, default) */
  size_t n_out;      /* utility, finite case: |Theta| (0 = not given, default) */
} specot_dpcert_opts;

typedef struct specot_dpcert {
  double omega;             /* Omega */
  double M;                 /* M (inf when unknown) */
  double eta_A, eta_B, eta; /* inf where unbounded */
  double eps_pure;          /* = eta */
  double kl;                /* KL bound */
  double tv; /* TV(rho_t, pi_D) bound tanh(e^{-lambda t} M / 4) (inf-safe: 1 when M = inf) */
  double sampling_error; /* U tv (NaN without U) */
  double intrinsic;      /* intrinsic EM suboptimality (NaN when neither d nor n_out) */
} specot_dpcert;

SPECOT_API void specot_dpcert_opts_init(specot_dpcert_opts *opts);
/* Computes the certificate.  SPECOT_ERR_INVALID for an input out of range (the
 * message names it) and for eta = inf ("no certificate: give K or U/M"). */
SPECOT_API specot_status specot_dpcert_shk(specot_ctx *ctx, const specot_dpcert_opts *opts,
                                           specot_dpcert *out);
/* min(eta, alpha eta^2/8), alpha > 1. */
SPECOT_API double specot_dpcert_renyi(double eta, double alpha);
/* delta_BR(eps) for eps >= 0, eta >= 0 (exact hockey-stick curve). */
SPECOT_API double specot_dpcert_delta_br(double eps, double eta);
/* Inverse: the smallest eps >= 0 with delta_BR(eps) <= delta (delta in (0, 1]). */
SPECOT_API double specot_dpcert_eps_br(double delta, double eta);
/* delta_RR(eps) (randomized-response dominance from pure eta-DP). */
SPECOT_API double specot_dpcert_delta_rr(double eps, double eta);
/* Pinsker: sqrt(kl / 2). */
SPECOT_API double specot_dpcert_delta_pinsker(double kl);
/* CKS conversion of rho-zCDP to delta at eps (1-D minimisation over alpha > 1, to ~1e-15 relative).
 */
SPECOT_API double specot_dpcert_delta_cks(double eps, double rho);

#ifdef __cplusplus
}
#endif

#endif /* SPECOT_DPCERT_H */
