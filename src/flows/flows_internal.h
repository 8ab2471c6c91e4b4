/* Private helpers of the flows module. */
#ifndef SPECOT_FLOWS_INTERNAL_H
#define SPECOT_FLOWS_INTERNAL_H

#include <stddef.h>

#include "internal.h"
#include "specot/flows.h"

/* Validates that x (len) is finite, naming `what` in the message. */
specot_status flows_check_finite(specot_ctx *ctx, const double *x, size_t len, const char *what);

/* Largest eigenvalue of the symmetric k x k matrix S (row-major, full),
 * using LAPACK (allocates; setup only). */
specot_status flows_sym_max_eig(specot_ctx *ctx, const double *S, size_t k, double *lambda_max);

/* In-place Cholesky-based inverse of the SPD k x k matrix S (full symmetric
 * result) and log det S; no allocation.  Returns NUMERICAL when S is not SPD. */
specot_status flows_spd_inverse(specot_ctx *ctx, double *S, size_t k, double *logdet);

/* Test hook: the attention objective's forward-cache limit in doubles (0 = always
 * recompute the forward in the backward pass).  No effect on other objectives. */
void specot__flow_attention_set_cache_max(specot_flow_objective *obj, size_t doubles);

#endif
