/* Private parts of the matrix-free (online) entropic OT solver. */
#ifndef SPECOT_OT_ONLINE_INTERNAL_H
#define SPECOT_OT_ONLINE_INTERNAL_H

#include "ot_internal.h"

/* Tile sizes: rows per OpenMP work item, columns per tile (a tile row of z
 * and its exp stay in L1). */
enum { SPECOT__ONL_TI = 64, SPECOT__ONL_TJ = 1024 };

/* Column constant of a zero-mass atom: finite (so 0 * it = 0 and z - max
 * stays a number) and so negative that exp underflows to 0 exactly. */
#define SPECOT__ONL_NOMASS (-1e300)

struct specot_ot_online_ws {
  size_t n, m, d, big;
  int nt, simd;
  double scale;
  double *X, *Y;         /* centred copies, n x d and m x d */
  double *nx, *ny;       /* scale |x_i|^2, scale |y_j|^2 (centred) */
  double *QT;            /* (d+1) x big: (2 scale/eps) q_k rows, then the constants */
  double *loga, *logb;   /* log weights (-inf for zero mass) */
  double *f, *g, *p, *q; /* potentials kept for warm starts (divergence) */
  double *h, *t;         /* scratch, big each */
  double *tile;          /* nt x tile_stride: z, exp(z) (TJ each), row sums (TI (d+1)) */
  size_t tile_stride;
  double *colacc; /* nt x (d+1) x big: per-thread column sums (gradients) */
  int have_potentials;
};

/* z_j = QT[d ld + j] + sum_{k<d} x_k QT[k ld + j] for j < len; returns max z. */
double specot__onl_zrow(const double *x, size_t d, const double *QT, size_t ld, size_t len,
                        double *z, int simd);
/* sum_j exp(z_j - shift), and out_j = exp(z_j - shift) unless out is NULL. */
double specot__onl_expsum(const double *z, size_t len, double shift, double *out, int simd);
/* max_j (z_j + v_j). */
double specot__onl_maxadd(const double *z, const double *v, size_t len, int simd);

/* Which point set plays the row / column role of a pass. */
typedef struct specot__onl_side {
  const double *P;  /* points (len x d, centred) */
  const double *nP; /* scale |P|^2 */
  size_t len;
} specot__onl_side;

/* Fills ws->QT from the column side and column potentials hq (hq_q = pot_q +
 * eps log w_q, -inf for zero mass). */
void specot__onl_load_cols(specot_ot_online_ws *ws, specot__onl_side cols, const double *hq,
                           double eps);
/* out_p = -eps log sum_q exp((hq_q - scale |P_p - Q_q|^2)/eps) for every row
 * p, with QT loaded from (cols, hq). */
void specot__onl_smin(specot_ot_online_ws *ws, specot__onl_side rows, specot__onl_side cols,
                      const double *hq, double eps, double *out);
/* Centres X, Y into the workspace (common mean), fills nx, ny, sets scale;
 * returns the bound scale * diam^2 on the cost range. */
double specot__onl_prepare(specot_ot_online_ws *ws, const double *X, const double *Y, double scale);
/* Alternating solve with eps-scaling on (ws->X, ws->Y): f (n), g (m) in/out. */
specot_status specot__onl_run(specot_ot_online_ws *ws, const specot_ctx *ctx,
                              const specot_ot_sinkhorn_opts *o, double eps, double eps0, double *f,
                              double *g, size_t *iters, double *err);
/* Symmetric solve of OT_eps(w, w) on one side (p in/out). */
specot_status specot__onl_sym_run(specot_ot_online_ws *ws, const specot_ctx *ctx,
                                  specot__onl_side side, const double *logw,
                                  const specot_ot_sinkhorn_opts *o, double eps, double eps0,
                                  double *p, size_t *iters, double *err);
/* Shared validation of the public entry points. */
specot_status specot__onl_check(specot_ctx *ctx, const char *who, specot_ot_online_ws *ws,
                                const double *a, const double *b, const double *X, const double *Y,
                                double scale, double eps, const specot_ot_sinkhorn_opts *o);

#endif
