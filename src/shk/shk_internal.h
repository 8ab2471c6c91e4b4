/* Internals of the SHK sampler (src/shk/). */
#ifndef SPECOT_SHK_INTERNAL_H
#define SPECOT_SHK_INTERNAL_H

#include "internal.h"
#include "specot/shk.h"

/* KDE tile edge: a 256 x 256 tile of doubles (512 KiB) per thread. */
#define SHK_TILE 256

/* 2 pi to double precision. */
#define SHK_TWO_PI 6.283185307179586476925286766559

struct specot_shk_ws {
  size_t N, d;
  size_t step;                /* global step counter n */
  int nthreads;               /* OpenMP threads the tiles were sized for */
  int simd;                   /* 0 libm, 1 AVX2 + SLEEF, 2 AVX-512F + SLEEF exp kernels */
  double *V;                  /* N: V(x_i) of the current positions */
  double *grad;               /* N x d: grad V(x_i) of the current positions */
  double *beta;               /* N: log rhohat, then beta, then bbar */
  double *lse_max;            /* N: running max of the log-sum-exp */
  double *norms;              /* N: |x_i|^2 (d >= 4) */
  double *tiles;              /* nthreads x SHK_TILE x SHK_TILE */
  size_t *events;             /* N: event list */
  size_t *refs;               /* N: subsample reference indices */
  unsigned char *overwritten; /* N */
  int *bad;                   /* N: per-particle potential failures (parallel loop) */
};

/* Sum_k exp(a_k - shift) over len entries (a_k may be -inf). */
double specot__shk_sum_exp(const double *a, size_t len, double shift, int simd);
/* The SIMD level usable on this CPU (0, 1 = AVX2+FMA, 2 = AVX-512F). */
int specot__shk_simd_available(void);
/* Log-domain KDE (exact, tiled), unnormalised: out[i] = logsumexp_j(-|x_i-x_j|^2 c). */
void specot__shk_kde_lse(specot_shk_ws *ws, const double *X, double c, int self_term, double *out);

#endif
