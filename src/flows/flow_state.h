/* The flow object (private layout shared by flow.c and checkpoint.c). */
#ifndef SPECOT_FLOW_STATE_H
#define SPECOT_FLOW_STATE_H

#include "flows_internal.h"
#include "specot/linalg.h"

struct specot_flow {
  specot_flow_objective obj;
  specot_flow_opts o;
  size_t n, d, nb;
  size_t widths[SPECOT_FLOW_MAX_BLOCKS], offs[SPECOT_FLOW_MAX_BLOCKS], brows[SPECOT_FLOW_MAX_BLOCKS];
  double *x, *aux, *g, *v;        /* n x d: particles, A or P, forces, velocity */
  double *w, *sqrtw;              /* n: weights, sqrt of normalized weights */
  double *xnew, *gnew, *auxnew;   /* n x d: candidate state */
  double *gw, *blk, *blk2;        /* n x d scratch */
  double *sv;                     /* min(n, d) singular values */
  double wsum;
  double energy, ratio, dissipation, kinetic, distance, step_norm;
  uint64_t step;
  specot_flow_counters cnt;
  specot_rng rng;
  specot_linalg_ws *lws; /* n x d calls */
  specot_linalg_ws *bws; /* per-particle matrix blocks */
};

/* Re-evaluates energy, forces, ratio and kinetic energy at the current state. */
specot_status flows_refresh(specot_ctx *ctx, specot_flow *f);

#endif
