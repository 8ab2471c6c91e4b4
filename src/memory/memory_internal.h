/* Private parts of the associative memory (shared by memory.c, retrieve.c, store.c). */
#ifndef SPECOT_MEMORY_INTERNAL_H
#define SPECOT_MEMORY_INTERNAL_H

#include "internal.h"
#include "specot/memory.h"

/* Cost c(x,y) = AMEM_SCALE |x - y|^2 = |x - y|^2 / 2 throughout (GeomLoss p = 2). */
#define AMEM_SCALE 0.5

struct specot_amem {
  size_t K, d, N;       /* patterns, dimension, total points */
  size_t *n, *off;      /* points of pattern k, its first row in Y */
  double *Y, *b, *self; /* N x d points, N normalised weights, K self terms */
  double eps, beta;
  specot_ot_sinkhorn_opts sk; /* options of every solve */
};

/* What one evaluation leaves behind (two of them: accepted point and trial). */
typedef struct specot__amem_slot {
  double *f;   /* K x m query-side potentials of OT(q, P_k) (warm starts) */
  double *g;   /* N pattern-side potentials (offsets off[k]) */
  double *p;   /* m symmetric potential of OT(q, q) */
  double *S, *w; /* K divergences, attention */
  double *v;   /* m x d velocity */
  double *phi; /* m weight potential, centred */
  specot_amem_eval ev;
} specot__amem_slot;

struct specot_amem_ws {
  const specot_amem *mem;
  size_t m, d;
  specot_ot_sinkhorn_ws **sk; /* K cross workspaces, m x n_k */
  specot_ot_sinkhorn_ws *sym; /* m x m */
  double *plan;               /* m x n_k per pattern, at m * off[k] */
  double *T;                  /* K x m x d barycentric projections */
  double *Tqq, *planqq;       /* m x d, m x m */
  double *ot;                 /* K cross values */
  specot_status *st;          /* K cross statuses */
  size_t *its;                /* K cross iteration counts */
  double *a, *loga, *X;       /* current query (normalised weights, log weights, points) */
  double *ta, *tloga, *tX;    /* trial query */
  specot__amem_slot slot[2];
  int warm;                   /* slot potentials hold a solve */
};

/* One evaluation at (a, loga, X) into slot s (a normalised, loga = log a);
 * warm: start from the potentials already in slot s. */
specot_status specot__amem_evaluate(specot_ctx *ctx, specot_amem_ws *ws, int s, const double *a,
                                    const double *loga, const double *X, double gamma, int warm);

/* Checks query weights (NULL = uniform) and writes a / sum a and log a. */
specot_status specot__amem_query_weights(specot_ctx *ctx, const double *a, size_t m,
                                         double *out, double *logout);

#endif
