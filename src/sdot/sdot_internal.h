/* Internals of the semi-discrete OT module: workspace layout, sample streams,
 * and the shared assignment kernel. */
#ifndef SPECOT_SDOT_INTERNAL_H
#define SPECOT_SDOT_INTERNAL_H

#include "internal.h"
#include "specot/sdot.h"

/* Rows of X per dgemm block: keeps the B x n block at most 256 n doubles. */
#define SDOT__BLOCK ((size_t)256)

struct specot_sdot_ws {
  size_t n, d;
  double *buf;                              /* SDOT__BLOCK x n: X_b Y^T */
  double *xb;                               /* SDOT__BLOCK x d: a block of source points */
  size_t *idx;                              /* SDOT__BLOCK */
  double *best;                             /* SDOT__BLOCK */
  double *second;                           /* SDOT__BLOCK */
  double *g, *m, *v, *hbar, *hcur, *counts; /* n each: solver state */
  int fast;        /* 0: dgemm kernel; 1: AVX2, 2: AVX-512 argmax kernel for the hard assignment */
  size_t np;       /* n rounded up to 8 */
  double *yt, *hp; /* d x np transposed targets, np padded heights (fast kernel) */
};

/* Largest d served by the register-blocked kernel (argmax_avx2.c). */
#define SDOT__FAST_DMAX ((size_t)16)
/* 2 with AVX-512F, 1 with AVX2+FMA, 0 otherwise or when d > SDOT__FAST_DMAX. */
int sdot__fast_available(size_t d);
/* yt (d x np) = Y^T zero-padded, hp = h padded with -inf. */
void sdot__fast_prepare(const specot_sdot_problem *prob, const double *h, double *yt, double *hp,
                        size_t np);
/* idx/best of rows points against the prepared targets (no second best). */
void sdot__argmax_fast(int kind, const double *X, size_t rows, size_t d, const double *yt,
                       const double *hp, size_t np, size_t *idx, double *best);

/* A source of points: iid from an RNG, or the Halton sequence from `next`. */
typedef struct sdot__stream {
  specot_sdot_source source;
  size_t d;
  int qmc;
  uint64_t next; /* next Halton index (qmc) */
  specot_rng rng;
} sdot__stream;

void sdot__stream_init(sdot__stream *s, specot_sdot_source source, size_t d, int qmc,
                       uint64_t seed);
void sdot__stream_draw(sdot__stream *s, size_t rows, double *X);

/* Halton point `index` (>= 1) mapped to the source, into x[d] (d <= 64). */
void sdot__halton(specot_sdot_source source, uint64_t index, size_t d, double *x);
/* Inverse standard normal CDF on (0, 1). */
double sdot__norm_quantile(double p);

/* The kernel: rows <= SDOT__BLOCK points X (rows x d); writes ws->idx,
 * ws->best and ws->second (second = -inf when n = 1). */
void sdot__assign_block(specot_sdot_ws *ws, const double *Y, const double *h, size_t rows,
                        const double *X);

/* counts[n] += number of the `total` stream points in each cell; *sum_best +=
 * sum of u_h over them (either may be NULL).  When eps > 0 the counts are the
 * soft-max probabilities softmax(pi/eps) summed instead. */
/* Uses the fast kernel for the hard case when ws->fast (set at allocation;
 * sdot__set_fast switches it, for tests). */
void sdot__accumulate(specot_sdot_ws *ws, const specot_sdot_problem *prob, const double *h,
                      sdot__stream *s, size_t total, double eps, double *counts, double *sum_best);

/* nu_j (uniform when prob->nu is NULL). */
static inline double sdot__nu(const specot_sdot_problem *prob, size_t j) {
  return prob->nu ? prob->nu[j] : 1.0 / (double)prob->n;
}

/* Summary of masses: max relative error and empty cells. */
void sdot__mass_summary(const specot_sdot_problem *prob, const double *mass, double *max_rel,
                        size_t *empty);

/* Problem check plus a workspace of matching size and finite heights h. */
specot_status sdot__check_call(specot_ctx *ctx, const specot_sdot_ws *ws,
                               const specot_sdot_problem *prob, const double *h);

/* h -= mean(h). */
void sdot__center(double *h, size_t n);

#endif
