/* Entropic OT: POT agreement (cost, plan, potentials), the spec's test values,
 * marginals, the certified lower bound, tiny eps, zero masses, warm starts and
 * every status path. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "specot/io.h"
#include "specot/ot.h"
#include "specot/rng.h"
#include "test_support.h"

static specot_array load(const char *name) {
  char path[1024];
  specot_array arr;
  specot_test_data_path(path, sizeof path, name);
  assert_int_equal(specot_io_read(NULL, path, NULL, &arr), SPECOT_OK);
  return arr;
}

static void random_weights(specot_rng *r, double *w, size_t len) {
  double s = 0.0;
  for (size_t i = 0; i < len; ++i) s += (w[i] = 0.1 + specot_rng_uniform(r));
  for (size_t i = 0; i < len; ++i) w[i] /= s;
}

/* Row sums exact, column sums within tol (L1). */
static void check_marginals(size_t n, size_t m, const double *P, const double *a,
                            const double *b, double col_tol) {
  double err = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (size_t j = 0; j < m; ++j) s += P[i * m + j];
    assert_close(s, a ? a[i] : 1.0 / (double)n, 1e-10, 1e-15);
  }
  for (size_t j = 0; j < m; ++j) {
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += P[i * m + j];
    err += fabs(s - (b ? b[j] : 1.0 / (double)m));
  }
  assert_true(err <= col_tol);
}

static void test_pot_reference(void **state) {
  (void)state;
  specot_array ref = load("ot/sk_ref.csv");
  assert_true(ref.cols == 4 && ref.rows >= 3);
  for (size_t k = 0; k < ref.rows; ++k) {
    char name[64];
    specot_array arr[6];
    const char *parts[6] = {"C", "a", "b", "plan", "f", "g"};
    for (int t = 0; t < 6; ++t) {
      snprintf(name, sizeof name, "ot/sk_%zu_%s.npy", k, parts[t]);
      arr[t] = load(name);
    }
    const size_t n = arr[0].rows, m = arr[0].cols;
    const double eps = ref.data[4 * k + 1];
    double *f = malloc(n * sizeof *f), *g = malloc(m * sizeof *g), *P = malloc(n * m * sizeof *P);
    specot_ot_sinkhorn_opts o;
    specot_ot_sinkhorn_opts_init(&o);
    o.tol = 1e-13;
    specot_ot_sinkhorn_result res;
    assert_int_equal(specot_ot_sinkhorn(NULL, n, m, arr[1].data, arr[2].data, arr[0].data, eps, &o,
                                        f, g, P, &res),
                     SPECOT_OK);
    assert_close(res.cost, ref.data[4 * k + 2], 1e-10, 1e-13);
    assert_close(res.regularized_cost, ref.data[4 * k + 3], 1e-10, 1e-13);
    assert_close(res.dual_objective, res.regularized_cost, 1e-10, 1e-13);
    assert_all_close(P, arr[3].data, n * m, 1e-8, 1e-13);
    assert_all_close(f, arr[4].data, n, 0.0, 1e-9 * eps);
    assert_all_close(g, arr[5].data, m, 0.0, 1e-9 * eps);
    assert_true(res.marginal_error <= o.tol);
    check_marginals(n, m, P, arr[1].data, arr[2].data, 1e-12);
    /* Certified lower bound: below the exact cost, which is below <pi,C>. */
    specot_ot_emd_result ex;
    assert_int_equal(specot_ot_emd(NULL, n, m, arr[1].data, arr[2].data, arr[0].data, NULL, &ex,
                                   NULL, NULL, NULL, NULL, NULL),
                     SPECOT_OK);
    assert_true(res.lower_bound <= ex.cost + 1e-12);
    assert_true(ex.cost <= res.cost + 1e-12);
    free(f);
    free(g);
    free(P);
    for (int t = 0; t < 6; ++t) specot_array_free(&arr[t]);
  }
  specot_array_free(&ref);
}

/* sinkhorn_shk.md sec. 5: values to 1e-10. */
static void test_spec_values(void **state) {
  (void)state;
  const double X[] = {0, 0, 1, 0, 0, 1, 1, 1, 0.5, 2}, a[] = {0.1, 0.2, 0.3, 0.25, 0.15};
  const double Y[] = {2, 0.5, 2.5, 1, 1.5, 1.5, 3, 0}, b[] = {0.4, 0.1, 0.3, 0.2};
  double f[5], g[4];
  specot_ot_sinkhorn_ws *ws = NULL;
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(NULL, 5, 4, 2, NULL, &ws), SPECOT_OK);
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  o.tol = 1e-14;
  specot_ot_sinkhorn_result r;
  assert_int_equal(
      specot_ot_sinkhorn_solve_points(NULL, ws, a, b, X, Y, 1.0, 1.0, &o, f, g, NULL, &r),
      SPECOT_OK);
  assert_close(r.cost, 3.130818055062, 0.0, 1e-11);
  assert_close(r.regularized_cost, 3.376847150663, 0.0, 1e-11);
  const double df[] = {0, -3.6782374421, -0.4826401243, -3.5317760942, -1.2780097562};
  for (int i = 0; i < 5; ++i) assert_close(f[i] - f[0], df[i], 0.0, 1e-10);
  assert_int_equal(
      specot_ot_sinkhorn_solve_points(NULL, ws, a, b, X, Y, 1.0, 0.1, &o, f, g, NULL, &r),
      SPECOT_OK);
  assert_close(r.cost, 2.838675246689, 0.0, 1e-11);
  assert_close(r.regularized_cost, 2.927631494662, 0.0, 1e-11);
  /* eps = 0.01 (needs eps-scaling): the plan is then the exact (unique) one,
   * <pi,C> = 2.8375 to 1e-10 (independent NumPy log-domain solver agrees). */
  assert_int_equal(
      specot_ot_sinkhorn_solve_points(NULL, ws, a, b, X, Y, 1.0, 0.01, &o, f, g, NULL, &r),
      SPECOT_OK);
  assert_close(r.cost, 2.8375, 0.0, 1e-10);
  assert_true(r.iterations < 5000);
  specot_ot_sinkhorn_ws_free(ws);
}

/* eps down to 1e-4 x median cost: finite, converged, close to the exact cost,
 * the lower bound certified and tight. */
static void test_tiny_eps(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 8);
  enum { n = 60, m = 50, d = 3 };
  double X[n * d], Y[m * d], C[n * m], a[n], b[m], f[n], g[m];
  specot_rng_fill_normal(&r, X, n * d, 0.0, 1.0);
  specot_rng_fill_normal(&r, Y, m * d, 0.5, 1.0);
  random_weights(&r, a, n);
  random_weights(&r, b, m);
  assert_int_equal(specot_ot_cost_sqeuclidean(NULL, n, m, d, X, Y, NULL, 0, C), SPECOT_OK);
  double sorted[n * m];
  memcpy(sorted, C, sizeof sorted);
  /* median by partial selection sort is too slow; use a simple nth via qsort-free bound */
  double lo = 0.0, hi = 0.0;
  for (size_t k = 0; k < n * m; ++k) hi = C[k] > hi ? C[k] : hi;
  for (int it = 0; it < 100; ++it) { /* bisection on the count below t */
    const double t = 0.5 * (lo + hi);
    size_t below = 0;
    for (size_t k = 0; k < n * m; ++k) below += sorted[k] < t;
    if (below < n * m / 2) lo = t; else hi = t;
  }
  const double eps = 1e-4 * hi;
  specot_ot_emd_result ex;
  assert_int_equal(specot_ot_emd(NULL, n, m, a, b, C, NULL, &ex, NULL, NULL, NULL, NULL, NULL),
                   SPECOT_OK);
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  specot_ot_sinkhorn_result res;
  double *P = malloc(n * m * sizeof *P);
  assert_int_equal(specot_ot_sinkhorn(NULL, n, m, a, b, C, eps, &o, f, g, P, &res), SPECOT_OK);
  for (size_t i = 0; i < n; ++i) assert_true(isfinite(f[i]));
  for (size_t j = 0; j < m; ++j) assert_true(isfinite(g[j]));
  /* The plan re-formed from (f, g) carries rounding of order |f| eps_mach / eps on
   * top of the solver's own violation (<= tol = 1e-9). */
  check_marginals(n, m, P, a, b, 2e-9);
  assert_true(res.lower_bound <= ex.cost + 1e-12);
  assert_close(res.lower_bound, ex.cost, 1e-3, 0.0);
  assert_close(res.cost, ex.cost, 1e-3, 0.0);
  free(P);
}

/* Zero-mass atoms: zero plan rows/columns, finite potentials, same plan
 * elsewhere as the problem without those atoms. */
static void test_zero_masses(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 12);
  enum { n = 12, m = 9 };
  double C[n * m], a[n], b[m], f[n], g[m], P[n * m];
  for (size_t k = 0; k < n * m; ++k) C[k] = specot_rng_uniform(&r);
  random_weights(&r, a, n);
  random_weights(&r, b, m);
  a[0] = 0.0;
  a[5] = 0.0;
  b[8] = 0.0;
  double sa = 0, sb = 0;
  for (size_t i = 0; i < n; ++i) sa += a[i];
  for (size_t j = 0; j < m; ++j) sb += b[j];
  for (size_t i = 0; i < n; ++i) a[i] /= sa;
  for (size_t j = 0; j < m; ++j) b[j] /= sb;
  specot_ot_sinkhorn_result res, sub;
  assert_int_equal(specot_ot_sinkhorn(NULL, n, m, a, b, C, 0.05, NULL, f, g, P, &res), SPECOT_OK);
  for (size_t i = 0; i < n; ++i) assert_true(isfinite(f[i]));
  for (size_t j = 0; j < m; ++j) assert_true(isfinite(g[j]));
  for (size_t j = 0; j < m; ++j) assert_true(P[0 * m + j] == 0.0 && P[5 * m + j] == 0.0);
  for (size_t i = 0; i < n; ++i) assert_true(P[i * m + 8] == 0.0);
  /* the zero-mass row potential is the soft c-transform of g */
  double s = 0.0;
  for (size_t j = 0; j < m; ++j)
    if (b[j] > 0) s += b[j] * exp((g[j] - C[0 * m + j]) / 0.05);
  assert_close(f[0], -0.05 * log(s), 1e-9, 1e-12);
  /* sub-problem without the zero atoms */
  double Cs[10 * 8], as[10], bs[8], fs[10], gs[8], Ps[10 * 8];
  size_t ii = 0;
  for (size_t i = 0; i < n; ++i) {
    if (a[i] == 0.0) continue;
    as[ii] = a[i];
    for (size_t j = 0; j < 8; ++j) Cs[ii * 8 + j] = C[i * m + j];
    ++ii;
  }
  memcpy(bs, b, sizeof bs);
  assert_int_equal(specot_ot_sinkhorn(NULL, 10, 8, as, bs, Cs, 0.05, NULL, fs, gs, Ps, &sub),
                   SPECOT_OK);
  assert_close(res.cost, sub.cost, 1e-9, 1e-12);
  assert_close(res.regularized_cost, sub.regularized_cost, 1e-9, 1e-12);
}

/* Warm start from converged potentials; no eps-scaling gives the same answer. */
static void test_warm_and_options(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 13);
  enum { n = 40, m = 30 };
  double C[n * m], a[n], b[m], f[n], g[m], f2[n], g2[m];
  for (size_t k = 0; k < n * m; ++k) C[k] = specot_rng_uniform(&r) * 3.0;
  random_weights(&r, a, n);
  random_weights(&r, b, m);
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  specot_ot_sinkhorn_result r1, r2, r3;
  assert_int_equal(specot_ot_sinkhorn(NULL, n, m, a, b, C, 0.1, &o, f, g, NULL, &r1), SPECOT_OK);
  o.warm_start = 1;
  memcpy(f2, f, sizeof f);
  memcpy(g2, g, sizeof g);
  assert_int_equal(specot_ot_sinkhorn(NULL, n, m, a, b, C, 0.1, &o, f2, g2, NULL, &r2), SPECOT_OK);
  assert_true(r2.iterations <= 2);
  assert_close(r2.cost, r1.cost, 1e-9, 1e-12);
  specot_ot_sinkhorn_opts_init(&o);
  o.eps_scaling = 0;
  assert_int_equal(specot_ot_sinkhorn(NULL, n, m, a, b, C, 0.1, &o, f2, g2, NULL, &r3), SPECOT_OK);
  assert_close(r3.cost, r1.cost, 1e-9, 1e-12);
  assert_all_close(f2, f, n, 0.0, 1e-8);
  /* Uniform weights (NULL) equal explicit uniform weights. */
  double au[n], bu[m];
  for (size_t i = 0; i < n; ++i) au[i] = 1.0 / n;
  for (size_t j = 0; j < m; ++j) bu[j] = 1.0 / m;
  assert_int_equal(specot_ot_sinkhorn(NULL, n, m, NULL, NULL, C, 0.2, NULL, f, g, NULL, &r1),
                   SPECOT_OK);
  assert_int_equal(specot_ot_sinkhorn(NULL, n, m, au, bu, C, 0.2, NULL, f2, g2, NULL, &r2),
                   SPECOT_OK);
  assert_close(r1.cost, r2.cost, 1e-12, 1e-14);
}

/* A problem large enough for the OpenMP paths (n m >= 32768): the returned
 * potentials satisfy the Sinkhorn fixed point, computed here independently. */
static void test_threaded_fixed_point(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 31);
  enum { n = 230, m = 190, d = 4 };
  double *X = malloc(n * d * sizeof *X), *Y = malloc(m * d * sizeof *Y);
  double *C = malloc(n * m * sizeof *C), *P = malloc(n * m * sizeof *P);
  double a[n], b[m], f[n], g[m];
  specot_rng_fill_normal(&r, X, n * d, 0.0, 1.0);
  specot_rng_fill_normal(&r, Y, m * d, 0.4, 1.0);
  random_weights(&r, a, n);
  random_weights(&r, b, m);
  a[7] = 0.0; /* a zero-mass row in the threaded path */
  double sa = 0.0;
  for (size_t i = 0; i < n; ++i) sa += a[i];
  for (size_t i = 0; i < n; ++i) a[i] /= sa;
  assert_int_equal(specot_ot_cost_sqeuclidean(NULL, n, m, d, X, Y, NULL, 0, C), SPECOT_OK);
  const double eps = 0.3;
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  o.tol = 1e-11;
  specot_ot_sinkhorn_result res;
  assert_int_equal(specot_ot_sinkhorn(NULL, n, m, a, b, C, eps, &o, f, g, P, &res), SPECOT_OK);
  check_marginals(n, m, P, a, b, 2e-11);
  /* f_i = -eps log sum_j b_j exp((g_j - C_ij)/eps), also for the zero-mass row */
  for (size_t i = 0; i < n; i += 3) {
    long double mx = -1e300L, s = 0.0L;
    for (size_t j = 0; j < m; ++j) mx = fmaxl(mx, (long double)(g[j] - C[i * m + j]));
    for (size_t j = 0; j < m; ++j)
      s += (long double)b[j] * expl(((long double)(g[j] - C[i * m + j]) - mx) / eps);
    assert_close(f[i], (double)(-(mx + eps * logl(s))), 0.0, 1e-9);
  }
  assert_close(res.dual_objective, res.regularized_cost, 1e-10, 1e-12);
  specot_ot_emd_result ex;
  assert_int_equal(specot_ot_emd(NULL, n, m, a, b, C, NULL, &ex, NULL, NULL, NULL, NULL, NULL),
                   SPECOT_OK);
  assert_true(res.lower_bound <= ex.cost + 1e-12 && ex.cost <= res.cost + 1e-12);
  /* The divergence's threaded gradients: zero at mu = nu. */
  double *gx = malloc(n * d * sizeof *gx);
  specot_ot_divergence_result dr;
  assert_int_equal(specot_ot_divergence(NULL, n, n, d, X, a, X, a, 0.5, eps, &o, gx, NULL, NULL,
                                        NULL, &dr),
                   SPECOT_OK);
  assert_close(dr.value, 0.0, 0.0, 1e-9);
  for (size_t k = 0; k < n * d; ++k) assert_close(gx[k], 0.0, 0.0, 1e-8);
  free(gx);
  free(X);
  free(Y);
  free(C);
  free(P);
}

static void test_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  double C[6] = {1, 2, 3, 4, 5, 6}, a[2] = {0.5, 0.5}, b[3] = {0.2, 0.3, 0.5}, f[2], g[3];
  double X[4] = {0, 1, 2, 3}, Y[6] = {0, 1, 2, 3, 4, 5};
  specot_ot_sinkhorn_ws *ws = NULL;
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_result res;
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(ctx, 0, 3, 0, NULL, &ws), SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(ctx, 2, 3, 0, NULL, NULL), SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(ctx, SIZE_MAX / 4, 8, 0, NULL, &ws),
                   SPECOT_ERR_TOO_LARGE);
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(ctx, 2, 3, SIZE_MAX / 2, NULL, &ws),
                   SPECOT_ERR_TOO_LARGE);
  specot_ot_sinkhorn_opts_init(&o);
  o.mem_budget = 10;
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(ctx, 2, 3, 0, &o, &ws), SPECOT_ERR_TOO_LARGE);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "bytes"));
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(ctx, 2, 3, 0, NULL, &ws), SPECOT_OK);
  /* parameters */
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, a, b, C, 0.0, NULL, f, g, NULL, &res),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "eps"));
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, a, b, C, NAN, NULL, f, g, NULL, &res),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, NULL, a, b, C, 1.0, NULL, f, g, NULL, &res),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, a, b, C, 1.0, NULL, NULL, g, NULL, &res),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, a, b, NULL, 1.0, NULL, f, g, NULL, &res),
                   SPECOT_ERR_INVALID);
  specot_ot_sinkhorn_opts_init(&o);
  o.tol = 0.0;
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, a, b, C, 1.0, &o, f, g, NULL, &res),
                   SPECOT_ERR_INVALID);
  specot_ot_sinkhorn_opts_init(&o);
  o.max_iter = 0;
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, a, b, C, 1.0, &o, f, g, NULL, &res),
                   SPECOT_ERR_INVALID);
  specot_ot_sinkhorn_opts_init(&o);
  o.scaling_factor = 1.0;
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, a, b, C, 1.0, &o, f, g, NULL, &res),
                   SPECOT_ERR_INVALID);
  specot_ot_sinkhorn_opts_init(&o);
  o.eps_start = -1.0;
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, a, b, C, 1.0, &o, f, g, NULL, &res),
                   SPECOT_ERR_INVALID);
  specot_ot_sinkhorn_opts_init(&o);
  o.stage_iter = 0;
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, a, b, C, 1.0, &o, f, g, NULL, &res),
                   SPECOT_ERR_INVALID);
  specot_ot_sinkhorn_opts_init(&o);
  o.mass_rtol = -1.0;
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, a, b, C, 1.0, &o, f, g, NULL, &res),
                   SPECOT_ERR_INVALID);
  specot_ot_sinkhorn_opts_init(&o);
  o.warm_start = 1;
  f[0] = NAN;
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, a, b, C, 1.0, &o, f, g, NULL, &res),
                   SPECOT_ERR_INVALID);
  C[2] = INFINITY;
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, a, b, C, 1.0, NULL, f, g, NULL, &res),
                   SPECOT_ERR_INVALID);
  C[2] = 3.0;
  b[0] = 0.25;
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, a, b, C, 1.0, NULL, f, g, NULL, &res),
                   SPECOT_ERR_INFEASIBLE);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "b to 1.05"));
  b[0] = 0.2;
  /* max iterations: a valid last iterate */
  specot_ot_sinkhorn_opts_init(&o);
  o.max_iter = 2;
  o.eps_scaling = 0;
  double P[6], Cmix[6] = {0, 1, 2, 2, 0, 1}; /* not of the form u_i + v_j */
  assert_int_equal(specot_ot_sinkhorn_solve(ctx, ws, a, b, Cmix, 0.05, &o, f, g, P, &res),
                   SPECOT_WARN_MAXITER);
  assert_int_equal(res.status, SPECOT_WARN_MAXITER);
  assert_int_equal(res.iterations, 2);
  assert_true(res.marginal_error > o.tol);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "max_iter"));
  check_marginals(2, 3, P, a, b, 10.0);
  /* points on a d = 0 workspace, bad scale, non-finite points, overflow */
  assert_int_equal(
      specot_ot_sinkhorn_solve_points(ctx, ws, a, b, X, Y, 1.0, 1.0, NULL, f, g, NULL, &res),
      SPECOT_ERR_INVALID);
  specot_ot_sinkhorn_ws_free(ws);
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(ctx, 2, 3, 2, NULL, &ws), SPECOT_OK);
  assert_int_equal(
      specot_ot_sinkhorn_solve_points(ctx, ws, a, b, X, Y, 0.0, 1.0, NULL, f, g, NULL, &res),
      SPECOT_ERR_INVALID);
  assert_int_equal(
      specot_ot_sinkhorn_solve_points(ctx, ws, a, b, NULL, Y, 1.0, 1.0, NULL, f, g, NULL, &res),
      SPECOT_ERR_INVALID);
  X[1] = NAN;
  assert_int_equal(
      specot_ot_sinkhorn_solve_points(ctx, ws, a, b, X, Y, 1.0, 1.0, NULL, f, g, NULL, &res),
      SPECOT_ERR_INVALID);
  X[1] = 1e200;
  assert_int_equal(
      specot_ot_sinkhorn_solve_points(ctx, ws, a, b, X, Y, 1.0, 1.0, NULL, f, g, NULL, &res),
      SPECOT_ERR_NUMERICAL);
  specot_ot_sinkhorn_ws_free(ws);
  specot_ot_sinkhorn_ws_free(NULL);
  /* non-finite potentials: costs near DBL_MAX make the soft-min overflow */
  double Cbig[6] = {1e308, -1e308, 1e308, -1e308, 1e308, -1e308};
  assert_int_equal(specot_ot_sinkhorn(ctx, 2, 3, a, b, Cbig, 1e-300, NULL, f, g, NULL, &res),
                   SPECOT_ERR_NUMERICAL);
  assert_int_equal(specot_ot_sinkhorn(ctx, 0, 3, a, b, C, 1.0, NULL, f, g, NULL, &res),
                   SPECOT_ERR_INVALID);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pot_reference), cmocka_unit_test(test_spec_values),
      cmocka_unit_test(test_tiny_eps),      cmocka_unit_test(test_zero_masses),
      cmocka_unit_test(test_warm_and_options), cmocka_unit_test(test_threaded_fixed_point),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
