/* Private Sinkhorn building blocks shared by sinkhorn.c and divergence.c. */
#ifndef SPECOT_OT_SINKHORN_INTERNAL_H
#define SPECOT_OT_SINKHORN_INTERNAL_H

#include "ot_internal.h"

typedef struct specot__sk_problem {
  size_t n, m;
  const double *C;           /* n x m cost, row-major */
  const double *loga, *logb; /* log weights (-inf for zero mass) */
  double eps;
  int simd;
} specot__sk_problem;

/* Scratch of one alternating solve (no allocation inside iterations). */
typedef struct specot__sk_scratch {
  double *K;       /* n x m stabilised kernel a_i b_j exp((f_i + g_j - C_ij)/eps) */
  double *u, *t;   /* n */
  double *v, *s;   /* m */
  double *h;       /* max(n, m) */
  double *mx, *sum;/* m (column soft-min) */
  double *part;    /* nthreads x m partial column sums */
  double *wa, *wb; /* weights a (n), b (m): exp(log weights), 0 for zero mass */
  int nthreads;    /* threads of the fused kernel pass (fixed at allocation) */
  const specot_ctx *cancel; /* polled once per iteration (NULL: never cancelled) */
} specot__sk_scratch;

/* OpenMP threads available (omp_get_max_threads, 1 without OpenMP). */
int specot__ot_sk_threads(void);
/* Number of doubles the scratch needs for n x m with nthreads threads. */
size_t specot__ot_sk_scratch_len(size_t n, size_t m, int nthreads);
/* Carves the scratch out of one buffer of specot__ot_sk_scratch_len doubles. */
void specot__ot_sk_scratch_init(specot__sk_scratch *s, double *buf, size_t n, size_t m,
                                int nthreads);

specot_status specot__ot_sk_check_opts(specot_ctx *ctx, const char *who,
                                       const specot_ot_sinkhorn_opts *o, double eps);
void specot__ot_log_weights(const double *w, size_t len, double *logw);
void specot__ot_transpose(const double *C, size_t n, size_t m, double *Ct);
/* First eps of the annealing: o->eps_start if > 0, else min(cost range, 256 eps). */
double specot__ot_eps_start(const double *C, size_t len, double eps,
                            const specot_ot_sinkhorn_opts *o);
double specot__ot_eps_start_from_range(double range, double eps,
                                       const specot_ot_sinkhorn_opts *o);
/* Alternating solve with eps-scaling; OK, WARN_MAXITER or ERR_NUMERICAL (no message). */
specot_status specot__ot_sk_run(const specot__sk_problem *p, const specot_ot_sinkhorn_opts *o,
                                double eps0, double *f, double *g, specot__sk_scratch *s,
                                size_t *iters, double *err_out);
/* L1 marginal violation sum_j |w_j exp((pot_j - pnew_j)/eps) - w_j| over the
 * atoms of positive mass (logw_j > -inf); shared by the dense and online solvers. */
double specot__ot_sk_violation(const double *pot, const double *pnew, const double *logw,
                               size_t len, double eps);
/* 1 when p_i is finite wherever logw_i > -inf (zero-mass atoms may be inf). */
int specot__ot_sk_finite_where_mass(const double *p, const double *logw, size_t len);
/* Symmetric solve of OT_eps(a, a) with cost C (n x n, symmetric); p in/out; h, t scratch (n). */
specot_status specot__ot_sk_sym_run(size_t n, const double *C, const double *loga, double eps,
                                    double eps0, int simd, const specot_ot_sinkhorn_opts *o,
                                    double *p, double *h, double *t, size_t *iters,
                                    double *err_out);
/* Scalars of the final iterate of specot__ot_sk_run on the same scratch s
 * (its kernel and scalings: pi = diag(u) K diag(v), no exponentials), and
 * the dense plan (n x m) in `plan` if given; buf: 3 m doubles. */
void specot__ot_sk_finish(const specot__sk_problem *p, const double *f, const double *g,
                          double *plan, const specot__sk_scratch *s, double *buf,
                          specot_ot_sinkhorn_result *r);
/* Shifts (f + k, g - k) so that <a,f> = <b,g>. */
void specot__ot_normalise(const double *loga, size_t n, const double *logb, size_t m, double *f,
                          double *g);

#endif
