/* Exact cells in d = 1, 2: shared by specot_sdot_exact and the Newton solver. */
#ifndef SPECOT_SDOT_EXACT_INTERNAL_H
#define SPECOT_SDOT_EXACT_INTERNAL_H

#include "sdot_internal.h"

/* Doubles of scratch needed by sdot__exact_eval for n targets. */
size_t sdot__exact_scratch(size_t n);
/* w[n], mom[n*d] (may be NULL unless energy), H[n*n] (may be NULL), energy
 * (may be NULL; needs mom).  The problem must have passed sdot__exact_check. */
void sdot__exact_eval(const specot_sdot_problem *p, const double *h, double *w, double *mom,
                      double *H, double *energy, double *scratch);
/* Problem check plus d <= 2 and (d = 2 => cube). */
specot_status sdot__exact_check(specot_ctx *ctx, const specot_sdot_problem *prob);

#endif
