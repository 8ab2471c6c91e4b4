/*
 * specot/flows_sharded.h — particle flows with the particles split across
 * processes (MPI ranks or anything else), MPI-agnostic.
 *
 * The library never calls MPI: the caller passes a sum-allreduce callback
 * (with MPI: MPI_Allreduce(MPI_IN_PLACE, buf, len, MPI_DOUBLE, MPI_SUM, comm),
 * see tests/flows/mpi_sharded_relu.c).  Each process holds n_local of the
 * n_global particles, all with weight 1/n_global.  The global quantities are
 * reductions, so every process ends each step with the same energy and the
 * same velocity map:
 *   ReLU model (muon.md 3.2, flows.h): the prediction f(z_j) = sum_i w_i u_i
 *     relu(v_i . z_j) is a sum over particles: one allreduce of nd doubles;
 *     the residual, the energy and the forces g_i are then local;
 *   Schatten-p velocity: v_i = -||S^{1/2}||_{S_q}^{2-q} S^{(q-2)/2} g_i with
 *     S = sum_i w_i g_i g_i^T (d x d, one allreduce of d^2 doubles), the
 *     same map as flows.h's particle LMO (eigenvalues of S whose square
 *     roots are <= DBL_EPSILON max(n_global, d) sqrt(lambda_max) count as 0).
 * Per step: 2 allreduces (nd + d^2 doubles), O(n_local nd dz) flops.  The
 * results equal one process's specot_flow EULER run up to the order of
 * floating-point sums (tested to 1e-10 after several steps, and with 2 MPI
 * ranks when MPI is found at configure time).
 * Thread safety: one shard object per thread; OpenMP inside.
 */
#ifndef SPECOT_FLOWS_SHARDED_H
#define SPECOT_FLOWS_SHARDED_H

#include <stddef.h>

#include "specot/specot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sums buf[0..len) in place over all processes; returns 0 on success. */
typedef int (*specot_allreduce_fn)(double *buf, size_t len, void *user);

typedef struct specot_reducer {
  specot_allreduce_fn sum; /* NULL: one process (no reduction) */
  void *user;              /* passed to sum (e.g. a pointer to an MPI_Comm) */
} specot_reducer;

typedef struct specot_relu_shard specot_relu_shard;

/* ReLU regression data z (nd x dz), y (nd) (copied), particles x = (u, v) in
 * R^{1+dz}; this process holds n_local of n_global particles.  red may be NULL
 * (one process).  Errors: INVALID (sizes, n_local > n_global, non-finite
 * data), TOO_LARGE, NOMEM. */
SPECOT_API specot_status specot_relu_shard_alloc(specot_ctx *ctx, const double *z, const double *y,
                                                 size_t nd, size_t dz, size_t n_local,
                                                 size_t n_global, const specot_reducer *red,
                                                 specot_relu_shard **out);
SPECOT_API void specot_relu_shard_free(specot_relu_shard *s);

/*
 * One Euler step X <- X + dt v(X) of the Schatten-p flow (p in [1, inf]) on
 * the local particles x (n_local x (1 + dz), in place).  *energy (may be
 * NULL) receives E(X) before the step (global, equal on every process).
 * Collective: every process must call it.  Errors: INVALID (p, dt, NULL),
 * NUMERICAL (non-finite state or a failed reduction: x is then unchanged).
 */
SPECOT_API specot_status specot_relu_shard_step(specot_ctx *ctx, specot_relu_shard *s, double p,
                                                double dt, double *x, double *energy);

#ifdef __cplusplus
}
#endif

#endif
