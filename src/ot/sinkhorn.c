/*
 * Log-domain Sinkhorn with eps-scaling (spec sinkhorn_shk.md sec. 1-2).
 *
 * Potentials f (n), g (m) with pi_ij = a_i b_j exp((f_i + g_j - C_ij)/eps).
 * Iterations run on the stabilised kernel K = a_i b_j exp((f_i + g_j -
 * C_ij)/eps) with scalings u, v (Schmitzer 2019, "absorption"): one fused
 * pass over K per iteration computes u = a / K v and K^T u together; the
 * scalings are absorbed into f, g when they leave [1e-100, 1e100].  Where a
 * kernel row/column underflows, a log-domain soft-min step replaces the
 * scaling step.  The target-eps stage is over-relaxed with a safeguarded,
 * automatically estimated weight (see relaxed() and stage()).  Zero-mass atoms have log weight -inf: they drop out of the
 * sums and get the soft c-transform potential at the end.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "ot_internal.h"
#include "sinkhorn_internal.h"

void specot_ot_sinkhorn_opts_init(specot_ot_sinkhorn_opts *opts) {
  opts->tol = 1e-9;
  opts->max_iter = 100000;
  opts->eps_scaling = 1;
  opts->eps_start = 0.0;
  opts->scaling_factor = 0.5;
  opts->stage_iter = 100;
  opts->warm_start = 0;
  opts->mass_rtol = 1e-9;
  opts->mem_budget = 0;
  opts->relaxation = 0.0;
}

specot_status specot__ot_sk_check_opts(specot_ctx *ctx, const char *who,
                                       const specot_ot_sinkhorn_opts *o, double eps) {
  if (!(eps > 0.0) || !isfinite(eps))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: eps = %g must be finite and > 0", who, eps);
  if (!(o->tol > 0.0) || !isfinite(o->tol))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: tol = %g must be finite and > 0", who,
                        o->tol);
  if (o->max_iter == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: max_iter must be >= 1", who);
  if (o->eps_scaling && !(o->scaling_factor > 0.0 && o->scaling_factor < 1.0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: scaling_factor = %g must be in (0, 1)", who,
                        o->scaling_factor);
  if (!(o->eps_start >= 0.0) || !isfinite(o->eps_start))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: eps_start = %g must be finite and >= 0",
                        who, o->eps_start);
  if (o->eps_scaling && o->stage_iter == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: stage_iter must be >= 1", who);
  if (!(o->mass_rtol >= 0.0) || !isfinite(o->mass_rtol))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: mass_rtol = %g must be finite and >= 0",
                        who, o->mass_rtol);
  if (!(o->relaxation == 0.0 || (o->relaxation >= 1.0 && o->relaxation < 2.0)))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "%s: relaxation = %g must be 0 (automatic) or in [1, 2)", who,
                        o->relaxation);
  return SPECOT_OK;
}

void specot__ot_log_weights(const double *w, size_t len, double *logw) {
  for (size_t i = 0; i < len; ++i) {
    const double v = specot__ot_weight(w, len, i);
    logw[i] = v > 0.0 ? log(v) : -INFINITY;
  }
}

void specot__ot_transpose(const double *C, size_t n, size_t m, double *Ct) {
  const size_t B = 32;
#pragma omp parallel for schedule(static) if (n * m > 65536)
  for (size_t jb = 0; jb < m; jb += B)
    for (size_t ib = 0; ib < n; ib += B)
      for (size_t j = jb; j < jb + B && j < m; ++j)
        for (size_t i = ib; i < ib + B && i < n; ++i) Ct[j * n + i] = C[i * m + j];
}

int specot__ot_sk_threads(void) {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

size_t specot__ot_sk_scratch_len(size_t n, size_t m, int nthreads) {
  const size_t big = n > m ? n : m;
  return n * m + 3 * big + 3 * n + 5 * m + (size_t)nthreads * m + 64;
}

void specot__ot_sk_scratch_init(specot__sk_scratch *s, double *buf, size_t n, size_t m,
                                int nthreads) {
  const size_t big = n > m ? n : m;
  s->nthreads = nthreads;
  s->cancel = NULL;
  s->K = buf;
  buf += n * m;
  s->u = buf;
  buf += n;
  s->t = buf;
  buf += n;
  s->v = buf;
  buf += m;
  s->s = buf;
  buf += m;
  s->h = buf;
  buf += 3 * big;
  s->mx = buf;
  buf += m;
  s->sum = buf;
  buf += m;
  s->part = buf;
  buf += (size_t)nthreads * m;
  s->wa = buf;
  buf += n;
  s->wb = buf;
}

/* Row soft-min: out_i = smin_j(C_ij; pot_j + eps logw_j), i < n. */
static void smin_rows(const double *C, size_t n, size_t m, const double *pot,
                      const double *logw, double eps, double *h, double *out, int simd) {
  const double inv = 1.0 / eps;
  for (size_t j = 0; j < m; ++j) h[j] = pot[j] + eps * logw[j];
  /* Threads only pay off beyond a few tens of thousands of entries. */
#pragma omp parallel for schedule(static) if (n * m >= 32768)
  for (size_t i = 0; i < n; ++i) out[i] = specot__ot_smin(C + i * m, h, m, eps, inv, simd);
}

/* Column soft-min on the row-major C without a transpose: out_j =
 * smin_i(C_ij; pot_i + eps logw_i).  Threads own blocks of columns and
 * stream the rows (two passes: max, then shifted sum of exp). */
static void smin_cols(const double *C, size_t n, size_t m, const double *pot,
                      const double *logw, double eps, double *h, double *mx, double *sum,
                      double *out, int simd) {
  const double inv = 1.0 / eps;
  const size_t B = 512;
  for (size_t i = 0; i < n; ++i) h[i] = pot[i] + eps * logw[i];
#pragma omp parallel for schedule(static) if (n * m >= 32768)
  for (size_t jb = 0; jb < m; jb += B) {
    const size_t len = jb + B < m ? B : m - jb;
    double *bm = mx + jb, *bs = sum + jb;
    for (size_t j = 0; j < len; ++j) {
      bm[j] = -INFINITY;
      bs[j] = 0.0;
    }
    for (size_t i = 0; i < n; ++i) {
      if (h[i] == -INFINITY) continue;
      const double *row = C + i * m + jb;
      for (size_t j = 0; j < len; ++j) {
        const double v = h[i] - row[j];
        bm[j] = v > bm[j] ? v : bm[j];
      }
    }
    for (size_t i = 0; i < n; ++i) {
      if (h[i] == -INFINITY) continue;
      specot__ot_accum_exp(C + i * m + jb, bm, h[i], len, inv, bs, simd);
    }
    for (size_t j = 0; j < len; ++j) out[jb + j] = -(bm[j] + eps * log(bs[j]));
  }
}

double specot__ot_sk_violation(const double *g, const double *gnew, const double *logb, size_t m,
                               double eps) {
  double err = 0.0;
  for (size_t j = 0; j < m; ++j) {
    if (logb[j] == -INFINITY) continue;
    const double bj = exp(logb[j]);
    err += fabs(bj * exp((g[j] - gnew[j]) / eps) - bj);
  }
  return err;
}

int specot__ot_sk_finite_where_mass(const double *p, const double *logw, size_t len) {
  for (size_t i = 0; i < len; ++i)
    if (!isfinite(p[i]) && logw[i] != -INFINITY) return 0;
  return 1;
}

/* Default first eps of the annealing: the cost range, capped at
 * EPS_START_RATIO eps.  Up to range/eps = EPS_START_RATIO the cold kernel
 * a_i b_j exp(-C_ij/eps) stays far from underflow (e^-256 ~ 1e-111, the
 * scalings absorb the rest), and starting directly at the target eps was
 * never slower than annealing in the benchmark (the target stage dominates
 * and warm starts from a coarser eps did not shorten it), so no annealing
 * happens there; below, stages start at EPS_START_RATIO eps instead of the
 * range (each stage costs an exp pass). */
#ifndef SPECOT_OT_EPS_START_RATIO
#define SPECOT_OT_EPS_START_RATIO 256.0
#endif
double specot__ot_eps_start_from_range(double range, double eps,
                                       const specot_ot_sinkhorn_opts *o) {
  if (o->eps_start > 0.0) return o->eps_start;
  const double cap = SPECOT_OT_EPS_START_RATIO * eps;
  return range <= cap ? eps : cap;
}

double specot__ot_eps_start(const double *C, size_t len, double eps,
                            const specot_ot_sinkhorn_opts *o) {
  if (o->eps_start > 0.0) return o->eps_start;
  double lo = INFINITY, hi = -INFINITY;
  (void)specot__ot_finite_range(C, len, &lo, &hi);
  return specot__ot_eps_start_from_range(hi - lo, eps, o);
}

/* Rows [i0, i1) of the stabilised kernel, and their column sums into acc. */
static void absorb_rows(const specot__sk_problem *p, double e, const double *f, const double *hg,
                        size_t i0, size_t i1, double *K, double *acc) {
  const size_t m = p->m;
  const double inv = 1.0 / e;
  for (size_t j = 0; j < m; ++j) acc[j] = 0.0;
  for (size_t i = i0; i < i1; ++i) {
    double *krow = K + i * m;
    if (p->loga[i] == -INFINITY) {
      memset(krow, 0, m * sizeof(double));
      continue;
    }
    specot__ot_exp_row(p->C + i * m, hg, f[i] + e * p->loga[i], m, inv, krow, p->simd);
    specot__ot_axpy(1.0, krow, acc, m, p->simd);
  }
}

/* Stabilised kernel K_ij = exp((f_i + eps log a_i + g_j + eps log b_j - C_ij)/eps)
 * (Schmitzer 2019): the plan is diag(u) K diag(v) with u = v = 1 now, and
 * s = K^T u is formed in the same pass. */
static void absorb_kernel(const specot__sk_problem *p, double e, const double *f,
                          const double *g, specot__sk_scratch *s) {
  const size_t n = p->n, m = p->m;
  double *hg = s->h;
  for (size_t j = 0; j < m; ++j) {
    hg[j] = g[j] + e * p->logb[j];
    s->v[j] = p->logb[j] == -INFINITY ? 0.0 : 1.0;
  }
  for (size_t i = 0; i < n; ++i) s->u[i] = p->loga[i] == -INFINITY ? 0.0 : 1.0;
  if (s->nthreads <= 1 || n * m < 32768) {
    absorb_rows(p, e, f, hg, 0, n, s->K, s->s);
    return;
  }
#pragma omp parallel num_threads(s->nthreads)
  {
#ifdef _OPENMP
    const size_t tid = (size_t)omp_get_thread_num(), cnt = (size_t)omp_get_num_threads();
#else
    const size_t tid = 0, cnt = 1;
#endif
    absorb_rows(p, e, f, hg, n * tid / cnt, n * (tid + 1) / cnt, s->K, s->part + tid * m);
#pragma omp barrier
#pragma omp for schedule(static)
    for (size_t j = 0; j < m; ++j) {
      double acc = 0.0;
      for (size_t q = 0; q < cnt; ++q) acc += s->part[q * m + j];
      s->s[j] = acc;
    }
  }
}

/* Over-relaxed scaling update (Thibault et al. 2021, "Overrelaxed
 * Sinkhorn-Knopp"): x_new = x (x_sk / x)^w, i.e. f <- (1-w) f + w f_sk in
 * the log domain.  Safeguard per coordinate (Lehmann et al. 2022): the dual
 * objective restricted to one coordinate is, up to a constant,
 * eps w_k phi(z) with phi(z) = z - e^z + 1 and z = log(x / x_sk); the
 * relaxed step moves z to (1-w) z and is kept only when it does not lower
 * phi, otherwise the plain step (z = 0, the coordinate maximum) is taken.
 * So every step increases the dual objective. */
static double relaxed(double x, double x_sk, double w) {
  if (w == 1.0 || !(x > 0.0) || !isfinite(x)) return x_sk;
  /* r = e^z, r^-w = e^{-w z}, e^{(1-w) z} = r r^-w: one log and one exp. */
  const double r = x / x_sk, z = log(r), rw = exp(-w * z);
  if (!((1.0 - w) * z - r * rw >= z - r)) return x_sk;
  return x * rw;
}

/* Rows [i0, i1): t_i = K_i . v, u_i = a_i / t_i (relaxed with weight w),
 * acc += u_i K_i (one read of each kernel row), *row_err = sum_i |u_i t_i -
 * a_i| (0 when w = 1).  Returns 1 when some positive-mass t_i is 0 or not
 * finite. */
/* Row i of the fused pass: t_i = K_i . v and the new u_i; returns the
 * coefficient of K_i in K^T u (0 for zero-mass rows and bad rows). */
static double fused_row(const double *K, size_t m, const double *loga, const double *wa,
                        const double *v, size_t i, double w, double *u, double *t, int *bad,
                        double *rerr, int simd) {
  if (loga[i] == -INFINITY) return 0.0;
  const double ti = specot__ot_dot(K + i * m, v, m, simd);
  t[i] = ti;
  if (!(ti > 0.0) || !isfinite(ti)) {
    *bad = 1;
    return 0.0;
  }
  const double ai = wa[i];
  const double ui = w == 1.0 ? ai / ti : relaxed(u[i], ai / ti, w);
  if (w != 1.0) *rerr += fabs(ui * ti - ai);
  u[i] = ui;
  return ui;
}

/* Rows are taken four at a time: four dot products (the rows stay in
 * cache), then one sweep acc += sum_q u_q K_q, a quarter of the traffic on
 * acc of four single-row updates. */
static int fused_rows(const double *K, size_t m, const double *loga, const double *wa,
                      const double *v, size_t i0, size_t i1, double w, double *u, double *t,
                      double *acc, double *row_err, int simd) {
  int bad = 0;
  double rerr = 0.0, coef[4];
  for (size_t j = 0; j < m; ++j) acc[j] = 0.0;
  size_t i = i0;
  for (; i + 4 <= i1; i += 4) {
    for (size_t q = 0; q < 4; ++q)
      coef[q] = fused_row(K, m, loga, wa, v, i + q, w, u, t, &bad, &rerr, simd);
    specot__ot_axpy4(coef, K + i * m, m, acc, m, simd);
  }
  for (; i < i1; ++i) {
    const double ui = fused_row(K, m, loga, wa, v, i, w, u, t, &bad, &rerr, simd);
    if (ui != 0.0) specot__ot_axpy(ui, K + i * m, acc, m, simd);
  }
  *row_err = rerr;
  return bad;
}

/* One pass over K: u = a / (K v) (relaxed with weight w) and s = K^T u.
 * Threads own row ranges and partial column sums (part: nt x m), reduced in
 * a fixed order; *row_err as in fused_rows. */
static int kernel_fused(const double *K, size_t n, size_t m, const double *loga,
                        const double *wa, const double *v, double w, double *u, double *t,
                        double *s, double *part, int nt, double *row_err, int simd) {
  if (nt <= 1 || n * m < 32768)
    return fused_rows(K, m, loga, wa, v, 0, n, w, u, t, s, row_err, simd);
  int bad = 0;
  double rerr = 0.0;
#pragma omp parallel num_threads(nt) reduction(| : bad) reduction(+ : rerr)
  {
#ifdef _OPENMP
    const size_t tid = (size_t)omp_get_thread_num(), cnt = (size_t)omp_get_num_threads();
#else
    const size_t tid = 0, cnt = 1;
#endif
    double mine = 0.0;
    bad |= fused_rows(K, m, loga, wa, v, n * tid / cnt, n * (tid + 1) / cnt, w, u, t,
                      part + tid * m, &mine, simd);
    rerr += mine;
#pragma omp barrier
#pragma omp for schedule(static)
    for (size_t j = 0; j < m; ++j) {
      double acc = 0.0;
      for (size_t q = 0; q < cnt; ++q) acc += part[q * m + j];
      s[j] = acc;
    }
  }
  *row_err = rerr;
  return bad;
}

/* Moves the scalings into the potentials: f += e log u, g += e log v. */
static void absorb_scalings(const specot__sk_problem *p, double e, double *f, double *g,
                            specot__sk_scratch *s) {
  for (size_t i = 0; i < p->n; ++i)
    if (p->loga[i] > -INFINITY) f[i] += e * log(s->u[i]);
  for (size_t j = 0; j < p->m; ++j)
    if (p->logb[j] > -INFINITY) g[j] += e * log(s->v[j]);
}

/* Scalings leave [1e-100, 1e100] (or hit 0/inf): time to absorb. */
static int scalings_extreme(const double *x, const double *logw, size_t len) {
  for (size_t i = 0; i < len; ++i)
    if (logw[i] > -INFINITY && !(x[i] > 1e-100 && x[i] < 1e100)) return 1;
  return 0;
}

/* One log-domain iteration (g then f); returns the column violation before it. */
static double log_step(const specot__sk_problem *p, double e, double *f, double *g,
                       specot__sk_scratch *s) {
  smin_cols(p->C, p->n, p->m, f, p->loga, e, s->h, s->mx, s->sum, s->s, p->simd);
  const double err = specot__ot_sk_violation(g, s->s, p->logb, p->m, e);
  for (size_t j = 0; j < p->m; ++j) g[j] = s->s[j];
  smin_rows(p->C, p->n, p->m, g, p->logb, e, s->h, f, p->simd);
  return err;
}

/* Plain iterations observed before the automatic relaxation weight is set,
 * and the window over which the convergence rate is measured. */
enum { RELAX_WARMUP = 6, RELAX_WINDOW = 3 };

/* Weight of over-relaxed Sinkhorn from the observed rate r of the plain
 * iteration (error ratio per iteration): w = 2 / (1 + sqrt(1 - r)), the
 * SOR-optimal weight when r is the squared second singular value of the
 * normalised kernel (Thibault et al. 2021); capped below 2. */
static double relaxation_weight(double r) {
  if (!(r > 0.0 && r < 1.0)) return 1.0;
  const double w = 2.0 / (1.0 + sqrt(1.0 - r));
  return w < 1.9 ? w : 1.9;
}

/*
 * Iterations at a fixed eps e, in stabilised scaling form: v = b / K^T u,
 * u = a / K v, with K = the kernel absorbed at the current log potentials,
 * re-absorbed whenever a scaling leaves [1e-100, 1e100].  When a kernel row
 * or column underflows entirely, a log-domain step (soft-min) is taken
 * instead.  With relax = 1 the updates are over-relaxed (see relaxed();
 * weight o->relaxation, or estimated after RELAX_WARMUP plain iterations
 * when it is 0); the last iteration is always a plain one, so rows are
 * exact at exit.  Stops when the column violation sum_j |v_j (K^T u)_j -
 * b_j| <= stop_tol after a plain step, after `cap` iterations, or at the
 * global budget (then *err_out also counts the row violation).
 */
static specot_status stage(const specot__sk_problem *p, double e, size_t cap, double stop_tol,
                           int relax, const specot_ot_sinkhorn_opts *o, double *f, double *g,
                           specot__sk_scratch *s, size_t *it, double *err_out) {
  const size_t n = p->n, m = p->m;
  double err = INFINITY, row_err = 0.0, w = 1.0, last_w = 1.0;
  double hist[RELAX_WINDOW + 1];
  size_t hcount = 0;
  int estimate = relax && o->relaxation == 0.0;
  if (relax && o->relaxation > 1.0) w = o->relaxation;
  absorb_kernel(p, e, f, g, s);
  for (size_t k = 0; k < cap && *it < o->max_iter; ++k) {
    if (specot__cancelled(s->cancel)) return SPECOT_ERR_CANCELLED;
    /* s = K^T u is current: column marginals are v_j s_j. */
    err = 0.0;
    int bad = 0;
    for (size_t j = 0; j < m; ++j) {
      if (p->logb[j] == -INFINITY) continue;
      err += fabs(s->v[j] * s->s[j] - s->wb[j]);
      if (!(s->s[j] > 0.0) || !isfinite(s->s[j])) bad = 1;
    }
    if (!bad && err + row_err <= stop_tol) {
      if (last_w == 1.0) break;
      w = 1.0; /* converged while relaxed: finish with plain steps */
      estimate = 0;
    }
    if (estimate && !bad) {
      /* Rate rho over the last RELAX_WINDOW iterations at the current w;
       * Young's SOR relation (rho + w - 1)^2 = w^2 lambda rho gives the
       * plain rate lambda, hence a better w (only ever increased). */
      hist[hcount % (RELAX_WINDOW + 1)] = err + row_err;
      if (++hcount > (w == 1.0 ? RELAX_WARMUP : RELAX_WINDOW)) {
        const double old = hist[(hcount - 1 - RELAX_WINDOW) % (RELAX_WINDOW + 1)];
        const double rho = pow((err + row_err) / old, 1.0 / RELAX_WINDOW);
        const double lambda = (rho + w - 1.0) * (rho + w - 1.0) / (w * w * rho);
        const double wn = relaxation_weight(lambda);
        if (w > 1.0 && rho <= 1.1 * (w - 1.0)) {
          estimate = 0; /* rho ~ w - 1: at or past the optimal weight */
        } else if (wn > w + 0.01) {
          w = wn;
          hcount = 0;
        }
      }
    }
    ++*it;
    row_err = 0.0;
    last_w = w;
    if (!bad) {
      for (size_t j = 0; j < m; ++j)
        s->v[j] = p->logb[j] == -INFINITY ? 0.0 : relaxed(s->v[j], s->wb[j] / s->s[j], w);
      bad = kernel_fused(s->K, n, m, p->loga, s->wa, s->v, w, s->u, s->t, s->s, s->part,
                         s->nthreads, &row_err, p->simd);
    }
    if (bad) {
      /* Underflowed kernel line: restart from the last good potentials in log form. */
      (void)log_step(p, e, f, g, s);
      row_err = 0.0;
      last_w = 1.0;
      if (!specot__ot_sk_finite_where_mass(f, p->loga, n) ||
          !specot__ot_sk_finite_where_mass(g, p->logb, m))
        return SPECOT_ERR_NUMERICAL;
      absorb_kernel(p, e, f, g, s);
    } else if (scalings_extreme(s->u, p->loga, n) || scalings_extreme(s->v, p->logb, m)) {
      absorb_scalings(p, e, f, g, s);
      if (!specot__ot_sk_finite_where_mass(f, p->loga, n) ||
          !specot__ot_sk_finite_where_mass(g, p->logb, m))
        return SPECOT_ERR_NUMERICAL;
      absorb_kernel(p, e, f, g, s);
    }
  }
  absorb_scalings(p, e, f, g, s);
  if (!specot__ot_sk_finite_where_mass(f, p->loga, n) ||
      !specot__ot_sk_finite_where_mass(g, p->logb, m))
    return SPECOT_ERR_NUMERICAL;
  *err_out = err + row_err;
  return SPECOT_OK;
}

/* Zero-mass atoms get the soft c-transform of the other side's potential. */
static void zero_mass_potentials(const specot__sk_problem *p, double e, double *f, double *g,
                                 specot__sk_scratch *s) {
  const size_t n = p->n, m = p->m;
  int any_col = 0;
  for (size_t j = 0; j < m; ++j) any_col |= p->logb[j] == -INFINITY;
  const double inv = 1.0 / e;
  for (size_t j = 0; j < m; ++j) s->h[j] = g[j] + e * p->logb[j];
  for (size_t i = 0; i < n; ++i)
    if (p->loga[i] == -INFINITY) f[i] = specot__ot_smin(p->C + i * m, s->h, m, e, inv, p->simd);
  if (any_col) {
    smin_cols(p->C, n, m, f, p->loga, e, s->h, s->mx, s->sum, s->s, p->simd);
    for (size_t j = 0; j < m; ++j)
      if (p->logb[j] == -INFINITY) g[j] = s->s[j];
  }
}

specot_status specot__ot_sk_run(const specot__sk_problem *p, const specot_ot_sinkhorn_opts *o,
                                double eps0, double *f, double *g, specot__sk_scratch *s,
                                size_t *iters, double *err_out) {
  size_t it = 0;
  double err = INFINITY;
  double e = (o->eps_scaling && !o->warm_start && eps0 > p->eps) ? eps0 : p->eps;
  double total_b = 0.0;
  for (size_t i = 0; i < p->n; ++i) s->wa[i] = p->loga[i] > -INFINITY ? exp(p->loga[i]) : 0.0;
  for (size_t j = 0; j < p->m; ++j) {
    s->wb[j] = p->logb[j] > -INFINITY ? exp(p->logb[j]) : 0.0;
    total_b += s->wb[j];
  }
  for (;;) {
    const int target = !(e > p->eps);
    /* Intermediate stages only need a rough fit (1e-3 of the mass). */
    const double stop = target ? o->tol : (o->tol > 1e-3 * total_b ? o->tol : 1e-3 * total_b);
    const specot_status st =
        stage(p, e, target ? o->max_iter : o->stage_iter, stop, target, o, f, g, s, &it,
              &err);
    if (st) return st;
    if (target) break;
    e *= o->scaling_factor;
    if (e < p->eps) e = p->eps;
  }
  zero_mass_potentials(p, p->eps, f, g, s);
  *iters = it;
  *err_out = err;
  return err <= o->tol ? SPECOT_OK : SPECOT_WARN_MAXITER;
}

specot_status specot__ot_sk_sym_run(size_t n, const double *C, const double *loga, double eps,
                                    double eps0, int simd, const specot_ot_sinkhorn_opts *o,
                                    double *p, double *h, double *t, size_t *iters,
                                    double *err_out) {
  size_t it = 0;
  double err = INFINITY;
  double e = (o->eps_scaling && !o->warm_start && eps0 > eps) ? eps0 : eps;
  for (;;) {
    const int target = !(e > eps);
    const size_t cap = target ? o->max_iter : o->stage_iter;
    for (size_t k = 0; k < cap && it < o->max_iter; ++k) {
      smin_rows(C, n, n, p, loga, e, h, t, simd);
      /* row sums of pi_ik = a_i a_k exp((p_i + p_k - C_ik)/e) are a_i exp((p_i - t_i)/e) */
      err = specot__ot_sk_violation(p, t, loga, n, e);
      if (err <= (target ? o->tol : 10.0 * o->tol)) break;
      for (size_t i = 0; i < n; ++i) p[i] = loga[i] == -INFINITY ? t[i] : 0.5 * (p[i] + t[i]);
      ++it;
      if (!specot__ot_sk_finite_where_mass(p, loga, n)) return SPECOT_ERR_NUMERICAL;
    }
    if (target) break;
    e *= o->scaling_factor;
    if (e < eps) e = eps;
  }
  *iters = it;
  *err_out = err;
  return err <= o->tol ? SPECOT_OK : SPECOT_WARN_MAXITER;
}

/* Scalars of the final iterate and the optional dense plan, read from the
 * kernel and scalings of the last stage: pi = diag(u) K diag(v) (the same
 * plan as a_i b_j exp((f_i + g_j - C_ij)/eps) up to rounding, since f, g
 * absorbed u, v exactly in exact arithmetic), so no exponential is taken. */
void specot__ot_sk_finish(const specot__sk_problem *p, const double *f, const double *g,
                          double *plan, const specot__sk_scratch *s, double *buf,
                          specot_ot_sinkhorn_result *r) {
  const size_t n = p->n, m = p->m;
  const double eps = p->eps;
  double cost = 0.0, mass = 0.0, fg = 0.0, ta = 0.0, tb = 0.0, af = 0.0, bg = 0.0;
  double *gz = buf, *g0 = buf + m;
  for (size_t i = 0; i < n; ++i) {
    ta += s->wa[i];
    af += s->wa[i] * (p->loga[i] > -INFINITY ? f[i] : 0.0);
  }
  for (size_t j = 0; j < m; ++j) {
    /* zero-mass columns are left out of the c-transform (C - (-inf) = +inf) */
    gz[j] = p->logb[j] > -INFINITY ? g[j] : -INFINITY;
    g0[j] = p->logb[j] > -INFINITY ? g[j] : 0.0;
    tb += s->wb[j];
    bg += s->wb[j] * g0[j];
  }
  double lb_rows = 0.0;
#pragma omp parallel for schedule(static) reduction(+ : cost, mass, fg, lb_rows) \
    if (n * m >= 32768)
  for (size_t i = 0; i < n; ++i) {
    double *prow = plan ? plan + i * m : NULL;
    if (p->loga[i] == -INFINITY) {
      if (prow) memset(prow, 0, m * sizeof(double));
      continue;
    }
    double sums[3];
    /* g^c_i = min_j (C_ij - g_j) over positive-mass columns. */
    const double gc = specot__ot_plan_row(s->K + i * m, s->v, p->C + i * m, g0, gz, s->u[i], m,
                                          prow, sums, p->simd);
    lb_rows += s->wa[i] * gc;
    cost += sums[0];
    mass += sums[1];
    fg += sums[1] * f[i] + sums[2];
  }
  r->cost = cost;
  /* eps KL(pi | a(x)b) = sum pi (f+g-C) - eps sum pi + eps (sum a)(sum b). */
  r->regularized_cost = fg - eps * mass + eps * ta * tb;
  r->dual_objective = af + bg - eps * (mass - ta * tb);
  r->lower_bound = lb_rows + bg;
}

/* ---- workspace and public entry points --------------------------------- */

struct specot_ot_sinkhorn_ws {
  size_t n, m, d;
  double *C, *scratch;
  double *loga, *logb, *rowbuf;
  specot__sk_scratch sk;
  int simd;
};

void specot_ot_sinkhorn_ws_free(specot_ot_sinkhorn_ws *ws) {
  if (!ws) return;
  specot__free(ws->C);
  specot__free(ws->scratch);
  specot__free(ws->loga);
  specot__free(ws->logb);
  specot__free(ws->rowbuf);
  free(ws);
}

specot_status specot_ot_sinkhorn_ws_alloc(specot_ctx *ctx, size_t n, size_t m, size_t d,
                                          const specot_ot_sinkhorn_opts *opts,
                                          specot_ot_sinkhorn_ws **out) {
  specot__ctx_reset(ctx);
  specot_ot_sinkhorn_opts def;
  if (!opts) {
    specot_ot_sinkhorn_opts_init(&def);
    opts = &def;
  }
  if (!out) return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: ws must be non-NULL");
  *out = NULL;
  if (n == 0 || m == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: sizes n = %zu, m = %zu must be > 0",
                        n, m);
  if (n > SPECOT__BLAS_INT_MAX || m > SPECOT__BLAS_INT_MAX)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE,
                        "sinkhorn: n = %zu, m = %zu exceed the BLAS index range", n, m);
  if (d > SPECOT__BLAS_INT_MAX)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "sinkhorn: d = %zu too large", d);
  size_t bytes;
  specot_status st = specot__ot_bytes(ctx, "sinkhorn", n, m, (d ? 2 : 1) * sizeof(double),
                                      (16 + (size_t)specot__ot_sk_threads()) * (n + m + 64) *
                                          sizeof(double),
                                      &bytes);
  if (st) return st;
  if ((st = specot__ot_check_memory(ctx, "sinkhorn", bytes, opts->mem_budget))) return st;
  specot_ot_sinkhorn_ws *ws = calloc(1, sizeof *ws);
  if (!ws) return specot__fail(ctx, SPECOT_ERR_NOMEM, "sinkhorn: out of memory");
  ws->n = n;
  ws->m = m;
  ws->d = d;
  ws->simd = specot__ot_simd_active();
  ws->C = d ? specot__alloc_doubles(n * m) : NULL;
  const int nt = specot__ot_sk_threads();
  ws->scratch = specot__alloc_doubles(specot__ot_sk_scratch_len(n, m, nt));
  ws->loga = specot__alloc_doubles(n);
  ws->logb = specot__alloc_doubles(m);
  ws->rowbuf = specot__alloc_doubles(3 * m);
  if ((d && !ws->C) || !ws->scratch || !ws->loga || !ws->logb || !ws->rowbuf) {
    specot_ot_sinkhorn_ws_free(ws);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "sinkhorn: out of memory (%zu bytes)", bytes);
  }
  specot__ot_sk_scratch_init(&ws->sk, ws->scratch, n, m, nt);
  *out = ws;
  return SPECOT_OK;
}

void specot__ot_sinkhorn_ws_set_simd(specot_ot_sinkhorn_ws *ws, int simd) {
  if (ws) ws->simd = simd ? specot__ot_simd_active() : 0;
}

void specot__ot_normalise(const double *loga, size_t n, const double *logb, size_t m, double *f,
                          double *g) {
  double af = 0.0, bg = 0.0, ta = 0.0, tb = 0.0;
  for (size_t i = 0; i < n; ++i)
    if (loga[i] > -INFINITY) {
      af += exp(loga[i]) * f[i];
      ta += exp(loga[i]);
    }
  for (size_t j = 0; j < m; ++j)
    if (logb[j] > -INFINITY) {
      bg += exp(logb[j]) * g[j];
      tb += exp(logb[j]);
    }
  const double k = (bg - af) / (ta + tb);
  for (size_t i = 0; i < n; ++i) f[i] += k;
  for (size_t j = 0; j < m; ++j) g[j] -= k;
}

/* Shared tail of the dense and point solves (C: the user's matrix or ws->C). */
static specot_status solve_loaded(specot_ctx *ctx, specot_ot_sinkhorn_ws *ws, const double *C,
                                  double range, const double *a, const double *b, double eps,
                                  const specot_ot_sinkhorn_opts *o, double *f, double *g,
                                  double *plan, specot_ot_sinkhorn_result *res) {
  const size_t n = ws->n, m = ws->m;
  specot__ot_log_weights(a, n, ws->loga);
  specot__ot_log_weights(b, m, ws->logb);
  if (!o->warm_start) {
    memset(f, 0, n * sizeof(double));
    memset(g, 0, m * sizeof(double));
  }
  specot__sk_problem p = {n, m, C, ws->loga, ws->logb, eps, ws->simd};
  size_t iters = 0;
  double err = INFINITY;
  const double eps0 =
      o->eps_scaling && !o->warm_start ? specot__ot_eps_start_from_range(range, eps, o) : eps;
  ws->sk.cancel = ctx;
  specot_status st = specot__ot_sk_run(&p, o, eps0, f, g,
                                       &ws->sk, &iters, &err);
  ws->sk.cancel = NULL;
  if (st == SPECOT_ERR_CANCELLED)
    return specot__fail(ctx, st, "sinkhorn: cancelled (eps = %g)", eps);
  if (st == SPECOT_ERR_NUMERICAL)
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                        "sinkhorn: non-finite potentials after %zu iterations (eps = %g)", iters,
                        eps);
  specot__ot_normalise(ws->loga, n, ws->logb, m, f, g);
  specot_ot_sinkhorn_result r;
  memset(&r, 0, sizeof r);
  specot__ot_sk_finish(&p, f, g, plan, &ws->sk, ws->rowbuf, &r);
  r.iterations = iters;
  r.marginal_error = err;
  r.status = st;
  if (!isfinite(r.cost) || !isfinite(r.regularized_cost))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "sinkhorn: non-finite cost");
  if (st == SPECOT_WARN_MAXITER)
    specot__fail(ctx, st, "sinkhorn: max_iter = %zu reached; marginal violation %.3g > tol %.3g",
                 o->max_iter, err, o->tol);
  if (res) *res = r;
  return st;
}

static specot_status check_common(specot_ctx *ctx, specot_ot_sinkhorn_ws *ws, const double *a,
                                  const double *b, double eps, const specot_ot_sinkhorn_opts *o,
                                  const double *f, const double *g) {
  if (!ws) return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: workspace is NULL");
  if (!f || !g) return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: f and g must be non-NULL");
  specot_status st = specot__ot_sk_check_opts(ctx, "sinkhorn", o, eps);
  if (st) return st;
  if (o->warm_start && (!specot__all_finite(f, ws->n) || !specot__all_finite(g, ws->m)))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: warm-start potentials must be finite");
  double ta, tb;
  return specot__ot_check_masses(ctx, a, ws->n, b, ws->m, o->mass_rtol, &ta, &tb);
}

specot_status specot_ot_sinkhorn_solve(specot_ctx *ctx, specot_ot_sinkhorn_ws *ws,
                                       const double *a, const double *b, const double *C,
                                       double eps, const specot_ot_sinkhorn_opts *opts, double *f,
                                       double *g, double *plan,
                                       specot_ot_sinkhorn_result *result) {
  specot__ctx_reset(ctx);
  specot_ot_sinkhorn_opts def;
  if (!opts) {
    specot_ot_sinkhorn_opts_init(&def);
    opts = &def;
  }
  if (result) memset(result, 0, sizeof *result);
  specot_status st = check_common(ctx, ws, a, b, eps, opts, f, g);
  if (st) return st;
  if (!C) return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: cost matrix C is NULL");
  double lo, hi;
  if (!specot__ot_finite_range(C, ws->n * ws->m, &lo, &hi))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: cost matrix has a non-finite entry");
  return solve_loaded(ctx, ws, C, hi - lo, a, b, eps, opts, f, g, plan, result);
}

specot_status specot_ot_sinkhorn_solve_points(specot_ctx *ctx, specot_ot_sinkhorn_ws *ws,
                                              const double *a, const double *b, const double *X,
                                              const double *Y, double scale, double eps,
                                              const specot_ot_sinkhorn_opts *opts, double *f,
                                              double *g, double *plan,
                                              specot_ot_sinkhorn_result *result) {
  specot__ctx_reset(ctx);
  specot_ot_sinkhorn_opts def;
  if (!opts) {
    specot_ot_sinkhorn_opts_init(&def);
    opts = &def;
  }
  if (result) memset(result, 0, sizeof *result);
  specot_status st = check_common(ctx, ws, a, b, eps, opts, f, g);
  if (st) return st;
  if (ws->d == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "sinkhorn: workspace allocated with d = 0 cannot solve from points");
  if (!X || !Y) return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: X and Y must be non-NULL");
  if (!(scale > 0.0) || !isfinite(scale))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: scale = %g must be finite and > 0",
                        scale);
  if (!specot__all_finite(X, ws->n * ws->d) || !specot__all_finite(Y, ws->m * ws->d))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: X and Y must be finite");
  specot__ot_sqdist(X, ws->n, Y, ws->m, ws->d, scale, ws->C);
  double lo, hi;
  if (!specot__ot_finite_range(ws->C, ws->n * ws->m, &lo, &hi))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "sinkhorn: squared distances overflow");
  return solve_loaded(ctx, ws, ws->C, hi - lo, a, b, eps, opts, f, g, plan, result);
}

specot_status specot_ot_sinkhorn(specot_ctx *ctx, size_t n, size_t m, const double *a,
                                 const double *b, const double *C, double eps,
                                 const specot_ot_sinkhorn_opts *opts, double *f, double *g,
                                 double *plan, specot_ot_sinkhorn_result *result) {
  specot_ot_sinkhorn_ws *ws = NULL;
  if (result) memset(result, 0, sizeof *result);
  specot_status st = specot_ot_sinkhorn_ws_alloc(ctx, n, m, 0, opts, &ws);
  if (st) return st;
  st = specot_ot_sinkhorn_solve(ctx, ws, a, b, C, eps, opts, f, g, plan, result);
  specot_ot_sinkhorn_ws_free(ws);
  return st;
}

/* ---- symmetric self-transport OT_eps(mu, mu) on a workspace ------------- */

/* Scalars (and the optional plan) of the symmetric plan
 * pi_ik = a_i a_k exp((p_i + p_k - C_ik)/eps); row: scratch of n doubles. */
static void sym_finish(size_t n, const double *C, const double *loga, const double *p,
                       double eps, int simd, double *plan, double *row, double *hbuf,
                       specot_ot_sinkhorn_result *r) {
  const double inv = 1.0 / eps;
  double cost = 0.0, mass = 0.0, fg = 0.0, ta = 0.0, ap = 0.0, lb = 0.0;
  for (size_t k = 0; k < n; ++k) {
    hbuf[k] = loga[k] > -INFINITY ? p[k] + eps * loga[k] : -INFINITY;
    if (loga[k] > -INFINITY) {
      ta += exp(loga[k]);
      ap += exp(loga[k]) * p[k];
    }
  }
  for (size_t i = 0; i < n; ++i) {
    double *out = plan ? plan + i * n : row;
    if (loga[i] == -INFINITY) {
      memset(out, 0, n * sizeof(double));
      continue;
    }
    specot__ot_exp_row(C + i * n, hbuf, hbuf[i], n, inv, out, simd);
    double gc = INFINITY;
    for (size_t k = 0; k < n; ++k) {
      if (loga[k] == -INFINITY) {
        out[k] = 0.0;
        continue;
      }
      cost += out[k] * C[i * n + k];
      mass += out[k];
      fg += out[k] * (p[i] + p[k]);
      const double c = C[i * n + k] - p[k];
      gc = c < gc ? c : gc;
    }
    lb += exp(loga[i]) * gc;
  }
  r->cost = cost;
  r->regularized_cost = fg - eps * mass + eps * ta * ta;
  r->dual_objective = 2.0 * ap - eps * (mass - ta * ta);
  r->lower_bound = lb + ap;
}

specot_status specot_ot_sinkhorn_sym_solve_points(specot_ctx *ctx, specot_ot_sinkhorn_ws *ws,
                                                  const double *a, const double *X, double scale,
                                                  double eps, const specot_ot_sinkhorn_opts *opts,
                                                  double *p, double *plan,
                                                  specot_ot_sinkhorn_result *result) {
  specot__ctx_reset(ctx);
  specot_ot_sinkhorn_opts def;
  if (!opts) {
    specot_ot_sinkhorn_opts_init(&def);
    opts = &def;
  }
  if (result) memset(result, 0, sizeof *result);
  if (!ws) return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: workspace is NULL");
  if (ws->n != ws->m || ws->d == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "sinkhorn: a symmetric solve needs an n x n workspace with d >= 1 "
                        "(got %zu x %zu, d = %zu)",
                        ws->n, ws->m, ws->d);
  if (!p || !X) return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: p and X must be non-NULL");
  specot_status st = specot__ot_sk_check_opts(ctx, "sinkhorn", opts, eps);
  if (st) return st;
  if (!(scale > 0.0) || !isfinite(scale))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: scale = %g must be finite and > 0",
                        scale);
  const size_t n = ws->n;
  if (opts->warm_start && !specot__all_finite(p, n))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: warm-start potential must be finite");
  if (!specot__all_finite(X, n * ws->d))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sinkhorn: X must be finite");
  double ta;
  if ((st = specot__ot_check_weights(ctx, "a", a, n, &ta))) return st;
  specot__ot_sqdist(X, n, X, n, ws->d, scale, ws->C);
  double lo, hi;
  if (!specot__ot_finite_range(ws->C, n * n, &lo, &hi))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "sinkhorn: squared distances overflow");
  specot__ot_log_weights(a, n, ws->loga);
  if (!opts->warm_start) memset(p, 0, n * sizeof(double));
  const double eps0 = opts->eps_scaling && !opts->warm_start
                          ? specot__ot_eps_start_from_range(hi - lo, eps, opts)
                          : eps;
  size_t iters = 0;
  double err = INFINITY;
  st = specot__ot_sk_sym_run(n, ws->C, ws->loga, eps, eps0, ws->simd, opts, p, ws->rowbuf,
                             ws->rowbuf + n, &iters, &err);
  if (st == SPECOT_ERR_NUMERICAL)
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                        "sinkhorn: non-finite potential after %zu iterations (eps = %g)", iters,
                        eps);
  specot_ot_sinkhorn_result r;
  memset(&r, 0, sizeof r);
  sym_finish(n, ws->C, ws->loga, p, eps, ws->simd, plan, ws->sk.K, ws->rowbuf, &r);
  r.iterations = iters;
  r.marginal_error = err;
  r.status = st;
  if (!isfinite(r.cost) || !isfinite(r.dual_objective))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "sinkhorn: non-finite cost");
  if (st == SPECOT_WARN_MAXITER)
    specot__fail(ctx, st, "sinkhorn: max_iter = %zu reached; marginal violation %.3g > tol %.3g",
                 opts->max_iter, err, opts->tol);
  if (result) *result = r;
  return st;
}
