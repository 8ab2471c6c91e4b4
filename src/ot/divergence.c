/*
 * Debiased Sinkhorn divergence and its gradients (spec sinkhorn_shk.md sec. 3).
 *
 * S = OT(a,b) - OT(a,a)/2 - OT(b,b)/2, each OT_eps its dual objective (KL
 * convention), cost c(x,y) = s|x - y|^2.  Gradients by the envelope theorem
 * with the actual marginals of the plans:
 *   dOT(a,b)/dx_i     = 2s (r_i x_i - sum_j pi_ij y_j),  r = pi 1,
 *   d(OT(a,a)/2)/dx_i = 2s (r'_i x_i - sum_k pxx_ik x_k), r' = pxx 1,
 * and symmetrically in y; weights: f - p and g - q.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ot_internal.h"
#include "sinkhorn_internal.h"

struct specot_ot_divergence_ws {
  size_t n, m, d;
  double *Cxy, *Cyx, *Cxx, *Cyy;
  double *loga, *logb, *f, *g, *p, *q, *h, *t, *row, *scratch;
  specot__sk_scratch sk;
  int have_potentials, simd;
};

void specot_ot_divergence_ws_free(specot_ot_divergence_ws *ws) {
  if (!ws) return;
  specot__free(ws->Cxy);
  specot__free(ws->Cyx);
  specot__free(ws->Cxx);
  specot__free(ws->Cyy);
  specot__free(ws->loga);
  specot__free(ws->logb);
  specot__free(ws->f);
  specot__free(ws->g);
  specot__free(ws->p);
  specot__free(ws->q);
  specot__free(ws->h);
  specot__free(ws->t);
  specot__free(ws->row);
  specot__free(ws->scratch);
  free(ws);
}

specot_status specot_ot_divergence_ws_alloc(specot_ctx *ctx, size_t n, size_t m, size_t d,
                                            const specot_ot_sinkhorn_opts *opts,
                                            specot_ot_divergence_ws **out) {
  specot__ctx_reset(ctx);
  specot_ot_sinkhorn_opts def;
  if (!opts) {
    specot_ot_sinkhorn_opts_init(&def);
    opts = &def;
  }
  if (!out) return specot__fail(ctx, SPECOT_ERR_INVALID, "divergence: ws must be non-NULL");
  *out = NULL;
  if (n == 0 || m == 0 || d == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "divergence: sizes n = %zu, m = %zu, d = %zu must be > 0", n, m, d);
  size_t b1, b2, b3;
  specot_status st;
  if ((st = specot__ot_bytes(ctx, "divergence", n, m, 2 * sizeof(double), 0, &b1)) ||
      (st = specot__ot_bytes(ctx, "divergence", n, n, sizeof(double), 0, &b2)) ||
      (st = specot__ot_bytes(ctx, "divergence", m, m, sizeof(double), 0, &b3)))
    return st;
  if (n > SPECOT__BLAS_INT_MAX || m > SPECOT__BLAS_INT_MAX ||
      b1 / 2 > (SIZE_MAX - b2 - b3) / 2 - 32 * (n + m + 64) * sizeof(double))
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "divergence: sizes overflow size_t");
  const size_t bytes = b1 + b1 / 2 + b2 + b3 +
                       (32 + (size_t)specot__ot_sk_threads()) * (n + m + 64) * sizeof(double);
  if ((st = specot__ot_check_memory(ctx, "divergence", bytes, opts->mem_budget))) return st;
  specot_ot_divergence_ws *ws = calloc(1, sizeof *ws);
  if (!ws) return specot__fail(ctx, SPECOT_ERR_NOMEM, "divergence: out of memory");
  ws->n = n;
  ws->m = m;
  ws->d = d;
  ws->simd = specot__ot_simd_active();
  const size_t big = n > m ? n : m;
  ws->Cxy = specot__alloc_doubles(n * m);
  ws->Cyx = specot__alloc_doubles(n * m);
  ws->Cxx = specot__alloc_doubles(n * n);
  ws->Cyy = specot__alloc_doubles(m * m);
  ws->loga = specot__alloc_doubles(n);
  ws->logb = specot__alloc_doubles(m);
  ws->f = specot__alloc_doubles(n);
  ws->g = specot__alloc_doubles(m);
  ws->p = specot__alloc_doubles(n);
  ws->q = specot__alloc_doubles(m);
  ws->h = specot__alloc_doubles(big);
  ws->t = specot__alloc_doubles(big);
  ws->row = specot__alloc_doubles(3 * big);
  const int nt = specot__ot_sk_threads();
  ws->scratch = specot__alloc_doubles(specot__ot_sk_scratch_len(n, m, nt));
  if (!ws->scratch || !ws->Cxy || !ws->Cyx || !ws->Cxx || !ws->Cyy || !ws->loga || !ws->logb || !ws->f ||
      !ws->g || !ws->p || !ws->q || !ws->h || !ws->t || !ws->row) {
    specot_ot_divergence_ws_free(ws);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "divergence: out of memory (%zu bytes)", bytes);
  }
  specot__ot_sk_scratch_init(&ws->sk, ws->scratch, n, m, nt);
  *out = ws;
  return SPECOT_OK;
}

/* grad_i += sign * 2s (r_i x_i - sum_j pi_ij z_j) for the plan
 * pi_ij = exp((hrow_i + hcol_j - C_ij)/eps), hrow = f + eps log a etc.
 * (row-major C: len_x x len_z).  Accumulates into grad (len_x x d). */
static void plan_gradient(const double *C, size_t nx, size_t nz, size_t d, const double *x,
                          const double *z, const double *hrow, const double *hcol, double eps,
                          double s, double sign, double *grad) {
  const double inv = 1.0 / eps, w = sign * 2.0 * s;
#pragma omp parallel for schedule(static) if (nx * nz >= 32768)
  for (size_t i = 0; i < nx; ++i) {
    double *gi = grad + i * d;
    if (hrow[i] == -INFINITY) continue; /* zero-mass atom: gradient 0 */
    const double *crow = C + i * nz;
    double r = 0.0;
    for (size_t j = 0; j < nz; ++j) {
      if (hcol[j] == -INFINITY) continue;
      const double pij = exp((hrow[i] + hcol[j] - crow[j]) * inv);
      r += pij;
      const double *zj = z + j * d;
      for (size_t k = 0; k < d; ++k) gi[k] -= w * pij * zj[k];
    }
    const double *xi = x + i * d;
    for (size_t k = 0; k < d; ++k) gi[k] += w * r * xi[k];
  }
}

static double weighted(const double *logw, const double *v, size_t len) {
  double s = 0.0;
  for (size_t i = 0; i < len; ++i)
    if (logw[i] > -INFINITY) s += exp(logw[i]) * v[i];
  return s;
}

specot_status specot_ot_divergence_solve(specot_ctx *ctx, specot_ot_divergence_ws *ws,
                                         const double *X, const double *a, const double *Y,
                                         const double *b, double scale, double eps,
                                         const specot_ot_sinkhorn_opts *opts, double *grad_x,
                                         double *grad_y, double *grad_a, double *grad_b,
                                         specot_ot_divergence_result *result) {
  specot__ctx_reset(ctx);
  specot_ot_sinkhorn_opts o;
  if (opts)
    o = *opts;
  else
    specot_ot_sinkhorn_opts_init(&o);
  if (result) memset(result, 0, sizeof *result);
  if (!ws) return specot__fail(ctx, SPECOT_ERR_INVALID, "divergence: workspace is NULL");
  specot_status st = specot__ot_sk_check_opts(ctx, "divergence", &o, eps);
  if (st) return st;
  if (!X || !Y) return specot__fail(ctx, SPECOT_ERR_INVALID, "divergence: X and Y must be non-NULL");
  if (!(scale > 0.0) || !isfinite(scale))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "divergence: scale = %g must be finite and > 0",
                        scale);
  const size_t n = ws->n, m = ws->m, d = ws->d;
  if (!specot__all_finite(X, n * d) || !specot__all_finite(Y, m * d))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "divergence: X and Y must be finite");
  double ta, tb;
  if ((st = specot__ot_check_masses(ctx, a, n, b, m, o.mass_rtol, &ta, &tb))) return st;
  if (o.warm_start && !ws->have_potentials) o.warm_start = 0;
  specot__ot_sqdist(X, n, Y, m, d, scale, ws->Cxy);
  specot__ot_sqdist(X, n, X, n, d, scale, ws->Cxx);
  specot__ot_sqdist(Y, m, Y, m, d, scale, ws->Cyy);
  if (!specot__all_finite(ws->Cxy, n * m) || !specot__all_finite(ws->Cxx, n * n) ||
      !specot__all_finite(ws->Cyy, m * m))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "divergence: squared distances overflow");
  specot__ot_transpose(ws->Cxy, n, m, ws->Cyx);
  specot__ot_log_weights(a, n, ws->loga);
  specot__ot_log_weights(b, m, ws->logb);
  if (!o.warm_start) {
    memset(ws->f, 0, n * sizeof(double));
    memset(ws->g, 0, m * sizeof(double));
    memset(ws->p, 0, n * sizeof(double));
    memset(ws->q, 0, m * sizeof(double));
  }
  ws->have_potentials = 0;
  /* A common eps0 for the three problems: the largest cost spread. */
  double eps0 = specot__ot_eps_start(ws->Cxy, n * m, eps, &o);
  const double e1 = specot__ot_eps_start(ws->Cxx, n * n, eps, &o),
               e2 = specot__ot_eps_start(ws->Cyy, m * m, eps, &o);
  eps0 = e1 > eps0 ? e1 : eps0;
  eps0 = e2 > eps0 ? e2 : eps0;
  specot__sk_problem pxy = {n, m, ws->Cxy, ws->loga, ws->logb, eps, ws->simd};
  size_t it1 = 0, it2 = 0, it3 = 0;
  double err1 = 0, err2 = 0, err3 = 0;
  specot_status s1 = specot__ot_sk_run(&pxy, &o, eps0, ws->f, ws->g, &ws->sk, &it1, &err1);
  specot_status s2 = s1 == SPECOT_ERR_NUMERICAL
                         ? s1
                         : specot__ot_sk_sym_run(n, ws->Cxx, ws->loga, eps, eps0, ws->simd, &o,
                                                 ws->p, ws->h, ws->t, &it2, &err2);
  specot_status s3 = s2 == SPECOT_ERR_NUMERICAL
                         ? s2
                         : specot__ot_sk_sym_run(m, ws->Cyy, ws->logb, eps, eps0, ws->simd, &o,
                                                 ws->q, ws->h, ws->t, &it3, &err3);
  if (s1 == SPECOT_ERR_NUMERICAL || s2 == SPECOT_ERR_NUMERICAL || s3 == SPECOT_ERR_NUMERICAL)
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "divergence: non-finite potentials (eps = %g)",
                        eps);
  specot__ot_normalise(ws->loga, n, ws->logb, m, ws->f, ws->g);
  ws->have_potentials = 1;
  /* Values: dual objectives (mass terms from the actual plan masses). */
  specot_ot_sinkhorn_result rxy;
  specot__ot_sk_finish(&pxy, ws->f, ws->g, NULL, &ws->sk, ws->row, &rxy);
  /* Self terms in the same KL convention as the cross term: at the
   * symmetric fixed point the plan has mass ta (tb), so the dual objective's
   * mass term is -eps (ta - ta^2); it vanishes for unit masses only. */
  const double ot_xx = 2.0 * weighted(ws->loga, ws->p, n) - eps * (ta - ta * ta);
  const double ot_yy = 2.0 * weighted(ws->logb, ws->q, m) - eps * (tb - tb * tb);
  const double value = rxy.dual_objective - 0.5 * ot_xx - 0.5 * ot_yy;
  if (!isfinite(value))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "divergence: non-finite value");
  /* Gradients. */
  double *hf = ws->h, *hg = ws->t;
  if (grad_x || grad_y) {
    for (size_t i = 0; i < n; ++i) hf[i] = ws->f[i] + eps * ws->loga[i];
    for (size_t j = 0; j < m; ++j) hg[j] = ws->g[j] + eps * ws->logb[j];
  }
  if (grad_x) {
    memset(grad_x, 0, n * d * sizeof(double));
    plan_gradient(ws->Cxy, n, m, d, X, Y, hf, hg, eps, scale, 1.0, grad_x);
  }
  if (grad_y) {
    memset(grad_y, 0, m * d * sizeof(double));
    plan_gradient(ws->Cyx, m, n, d, Y, X, hg, hf, eps, scale, 1.0, grad_y);
  }
  if (grad_x) {
    for (size_t i = 0; i < n; ++i) ws->row[i] = ws->p[i] + eps * ws->loga[i];
    plan_gradient(ws->Cxx, n, n, d, X, X, ws->row, ws->row, eps, scale, -1.0, grad_x);
  }
  if (grad_y) {
    for (size_t j = 0; j < m; ++j) ws->row[j] = ws->q[j] + eps * ws->logb[j];
    plan_gradient(ws->Cyy, m, m, d, Y, Y, ws->row, ws->row, eps, scale, -1.0, grad_y);
  }
  if (grad_a)
    for (size_t i = 0; i < n; ++i) grad_a[i] = ws->f[i] - ws->p[i];
  if (grad_b)
    for (size_t j = 0; j < m; ++j) grad_b[j] = ws->g[j] - ws->q[j];
  specot_status out = SPECOT_OK;
  if (s1 > 0 || s2 > 0 || s3 > 0) {
    out = SPECOT_WARN_MAXITER;
    specot__fail(ctx, out,
                 "divergence: max_iter = %zu reached (violations %.3g, %.3g, %.3g; tol %.3g)",
                 o.max_iter, err1, err2, err3, o.tol);
  }
  if (result) {
    result->value = value;
    result->ot_xy = rxy.dual_objective;
    result->ot_xx = ot_xx;
    result->ot_yy = ot_yy;
    double e = err1 > err2 ? err1 : err2;
    result->marginal_error = e > err3 ? e : err3;
    result->iterations = it1 + it2 + it3;
    result->status = out;
  }
  return out;
}

specot_status specot_ot_divergence(specot_ctx *ctx, size_t n, size_t m, size_t d,
                                   const double *X, const double *a, const double *Y,
                                   const double *b, double scale, double eps,
                                   const specot_ot_sinkhorn_opts *opts, double *grad_x,
                                   double *grad_y, double *grad_a, double *grad_b,
                                   specot_ot_divergence_result *result) {
  specot_ot_divergence_ws *ws = NULL;
  if (result) memset(result, 0, sizeof *result);
  specot_status st = specot_ot_divergence_ws_alloc(ctx, n, m, d, opts, &ws);
  if (st) return st;
  st = specot_ot_divergence_solve(ctx, ws, X, a, Y, b, scale, eps, opts, grad_x, grad_y, grad_a,
                                  grad_b, result);
  specot_ot_divergence_ws_free(ws);
  return st;
}
