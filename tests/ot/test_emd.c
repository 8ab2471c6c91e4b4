/* Exact OT: POT agreement, optimality certificates, 1-D closed form, invariances,
 * degenerate inputs, warm starts, and every status path. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "specot/io.h"
#include "specot/ot.h"
#include "specot/rng.h"
#include "test_support.h"

/* ---- helpers ---------------------------------------------------------- */

static specot_array load(const char *name) {
  char path[1024];
  specot_array arr;
  specot_test_data_path(path, sizeof path, name);
  assert_int_equal(specot_io_read(NULL, path, NULL, &arr), SPECOT_OK);
  return arr;
}

static double max_abs(const double *x, size_t len) {
  double v = 0.0;
  for (size_t i = 0; i < len; ++i) v = fabs(x[i]) > v ? fabs(x[i]) : v;
  return v;
}

/* Checks a sparse plan and potentials: marginals, <= n+m-1 nonzeros,
 * complementary slackness, dual feasibility and primal = dual. */
static void check_certificate(size_t n, size_t m, const double *a, const double *b,
                              const double *C, size_t nnz, const size_t *row, const size_t *col,
                              const double *mass, const double *f, const double *g, double cost) {
  const double scale = max_abs(C, n * m) > 0 ? max_abs(C, n * m) : 1.0;
  assert_true(nnz <= n + m - 1);
  double *ra = calloc(n, sizeof *ra), *rb = calloc(m, sizeof *rb);
  double primal = 0.0;
  for (size_t k = 0; k < nnz; ++k) {
    assert_true(row[k] < n && col[k] < m);
    assert_true(mass[k] > 0.0);
    ra[row[k]] += mass[k];
    rb[col[k]] += mass[k];
    primal += mass[k] * C[row[k] * m + col[k]];
    /* complementary slackness */
    assert_close(C[row[k] * m + col[k]] - f[row[k]] - g[col[k]], 0.0, 0.0, 1e-9 * scale);
    if (k > 0) assert_true(row[k - 1] < row[k] || (row[k - 1] == row[k] && col[k - 1] < col[k]));
  }
  for (size_t i = 0; i < n; ++i) assert_close(ra[i], a ? a[i] : 1.0 / (double)n, 0.0, 1e-12);
  for (size_t j = 0; j < m; ++j) assert_close(rb[j], b ? b[j] : 1.0 / (double)m, 0.0, 1e-12);
  double dual = 0.0, af = 0.0, bg = 0.0;
  for (size_t i = 0; i < n; ++i) af += (a ? a[i] : 1.0 / (double)n) * f[i];
  for (size_t j = 0; j < m; ++j) bg += (b ? b[j] : 1.0 / (double)m) * g[j];
  dual = af + bg;
  assert_close(af, bg, 1e-9, 1e-12 * scale); /* normalisation <a,f> = <b,g> */
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < m; ++j) assert_true(C[i * m + j] - f[i] - g[j] >= -1e-9 * scale);
  assert_close(primal, cost, 1e-12, 1e-14);
  assert_close(dual, primal, 1e-10, 1e-12 * scale);
  free(ra);
  free(rb);
}

static void random_cloud(specot_rng *r, double *x, size_t len, double shift) {
  specot_rng_fill_normal(r, x, len, shift, 1.0);
}

static void random_weights(specot_rng *r, double *w, size_t len) {
  double s = 0.0;
  for (size_t i = 0; i < len; ++i) s += (w[i] = 0.1 + specot_rng_uniform(r));
  for (size_t i = 0; i < len; ++i) w[i] /= s;
}

/* ---- POT agreement ------------------------------------------------------ */

static void test_pot_reference(void **state) {
  (void)state;
  specot_array ref = load("ot/emd_ref.csv");
  assert_true(ref.cols == 2 && ref.rows >= 6);
  for (size_t k = 0; k < ref.rows; ++k) {
    char name[64];
    snprintf(name, sizeof name, "ot/emd_%zu_C.npy", k);
    specot_array C = load(name);
    snprintf(name, sizeof name, "ot/emd_%zu_a.npy", k);
    specot_array A = load(name);
    snprintf(name, sizeof name, "ot/emd_%zu_b.npy", k);
    specot_array B = load(name);
    const size_t n = C.rows, m = C.cols;
    size_t *row = malloc((n + m) * sizeof *row), *col = malloc((n + m) * sizeof *col);
    double *mass = malloc((n + m) * sizeof *mass), *f = malloc(n * sizeof *f),
           *g = malloc(m * sizeof *g);
    specot_ot_emd_result res;
    assert_int_equal(specot_ot_emd(NULL, n, m, A.data, B.data, C.data, NULL, &res, row, col, mass,
                                   f, g),
                     SPECOT_OK);
    const double expected = ref.data[2 * k + 1];
    assert_close(res.cost, expected, 1e-10, 1e-13);
    assert_true(res.lower_bound <= res.cost + 1e-12);
    assert_close(res.lower_bound, expected, 1e-10, 1e-12);
    check_certificate(n, m, A.data, B.data, C.data, res.nnz, row, col, mass, f, g, res.cost);
    free(row);
    free(col);
    free(mass);
    free(f);
    free(g);
    specot_array_free(&C);
    specot_array_free(&A);
    specot_array_free(&B);
  }
  specot_array_free(&ref);
}

/* ---- 1-D closed form ---------------------------------------------------- */

static void test_1d_against_simplex(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 11);
  const size_t n = 57, m = 71;
  double x[57], y[71], a[57], b[71], f[57], g[71], mass[128];
  size_t row[128], col[128];
  random_cloud(&r, x, n, 0.0);
  random_cloud(&r, y, m, 0.7);
  random_weights(&r, a, n);
  random_weights(&r, b, m);
  a[3] = 0.0; /* a zero-mass atom; renormalise */
  double s = 0.0;
  for (size_t i = 0; i < n; ++i) s += a[i];
  for (size_t i = 0; i < n; ++i) a[i] /= s;
  x[10] = x[11]; /* duplicate point */
  double *C = malloc(n * m * sizeof *C);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < m; ++j) C[i * m + j] = (x[i] - y[j]) * (x[i] - y[j]);
  specot_ot_emd_result r1, r2;
  assert_int_equal(specot_ot_emd_1d(NULL, n, m, x, a, y, b, NULL, &r1, row, col, mass, f, g),
                   SPECOT_OK);
  check_certificate(n, m, a, b, C, r1.nnz, row, col, mass, f, g, r1.cost);
  assert_int_equal(specot_ot_emd(NULL, n, m, a, b, C, NULL, &r2, NULL, NULL, NULL, NULL, NULL),
                   SPECOT_OK);
  assert_close(r1.cost, r2.cost, 1e-12, 1e-14);
  /* Sorting closed form with uniform equal sizes: sum (x_(k) - y_(k))^2 / n. */
  double xs[57], ys[57];
  memcpy(xs, x, sizeof xs);
  memcpy(ys, y, sizeof ys);
  for (size_t i = 1; i < n; ++i)
    for (size_t k = i; k > 0 && xs[k - 1] > xs[k]; --k) {
      double t = xs[k];
      xs[k] = xs[k - 1];
      xs[k - 1] = t;
    }
  for (size_t i = 1; i < n; ++i)
    for (size_t k = i; k > 0 && ys[k - 1] > ys[k]; --k) {
      double t = ys[k];
      ys[k] = ys[k - 1];
      ys[k - 1] = t;
    }
  double expected = 0.0;
  for (size_t i = 0; i < n; ++i) expected += (xs[i] - ys[i]) * (xs[i] - ys[i]) / (double)n;
  assert_int_equal(specot_ot_emd_1d(NULL, n, n, x, NULL, y, NULL, NULL, &r1, NULL, NULL, NULL,
                                    NULL, NULL),
                   SPECOT_OK);
  assert_close(r1.cost, expected, 1e-13, 1e-15);
  free(C);
}

/* ---- invariances -------------------------------------------------------- */

static void test_invariances(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 5);
  enum { n = 40, m = 33, d = 4 };
  double X[n * d], Y[m * d], a[n], b[m], X2[n * d], Y2[m * d], a2[n], b2[m];
  random_cloud(&r, X, n * d, 0.0);
  random_cloud(&r, Y, m * d, 0.5);
  random_weights(&r, a, n);
  random_weights(&r, b, m);
  specot_ot_emd_ws *ws = NULL;
  assert_int_equal(specot_ot_emd_ws_alloc(NULL, n, m, d, NULL, &ws), SPECOT_OK);
  specot_ot_emd_result base, res;
  assert_int_equal(specot_ot_emd_solve_points(NULL, ws, a, b, X, Y, NULL, 0, NULL, &base),
                   SPECOT_OK);
  /* Common translation. */
  for (size_t i = 0; i < n * d; ++i) X2[i] = X[i] + 3.0 - (double)(i % d);
  for (size_t j = 0; j < m * d; ++j) Y2[j] = Y[j] + 3.0 - (double)(j % d);
  assert_int_equal(specot_ot_emd_solve_points(NULL, ws, a, b, X2, Y2, NULL, 0, NULL, &res),
                   SPECOT_OK);
  assert_close(res.cost, base.cost, 1e-10, 1e-13);
  /* Scaling: cost scales by s^2. */
  for (size_t i = 0; i < n * d; ++i) X2[i] = 2.5 * X[i];
  for (size_t j = 0; j < m * d; ++j) Y2[j] = 2.5 * Y[j];
  assert_int_equal(specot_ot_emd_solve_points(NULL, ws, a, b, X2, Y2, NULL, 0, NULL, &res),
                   SPECOT_OK);
  assert_close(res.cost, 6.25 * base.cost, 1e-10, 1e-13);
  /* Permutation of the atoms (reversal of both clouds). */
  for (size_t i = 0; i < n; ++i) {
    memcpy(X2 + i * d, X + (n - 1 - i) * d, d * sizeof(double));
    a2[i] = a[n - 1 - i];
  }
  for (size_t j = 0; j < m; ++j) {
    memcpy(Y2 + j * d, Y + ((j * 7) % m) * d, d * sizeof(double));
    b2[j] = b[(j * 7) % m];
  }
  specot_ot_emd_opts o;
  specot_ot_emd_opts_init(&o);
  o.warm_start = 0;
  assert_int_equal(specot_ot_emd_solve_points(NULL, ws, a2, b2, X2, Y2, NULL, 0, &o, &res),
                   SPECOT_OK);
  assert_close(res.cost, base.cost, 1e-10, 1e-13);
  specot_ot_emd_ws_free(ws);
}

/* ---- degenerate inputs -------------------------------------------------- */

static void test_degenerate(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 9);
  enum { n = 30, d = 3 };
  double X[n * d], C[n * n], f[n], g[n], mass[2 * n];
  size_t row[2 * n], col[2 * n];
  random_cloud(&r, X, n * d, 0.0);
  memcpy(X + 5 * d, X + 6 * d, d * sizeof(double)); /* duplicate point */
  assert_int_equal(specot_ot_cost_sqeuclidean(NULL, n, n, d, X, X, NULL, 0, C), SPECOT_OK);
  /* Identical clouds: cost 0, the identity plan. */
  specot_ot_emd_result res;
  assert_int_equal(specot_ot_emd(NULL, n, n, NULL, NULL, C, NULL, &res, row, col, mass, f, g),
                   SPECOT_OK);
  assert_close(res.cost, 0.0, 0.0, 1e-15);
  check_certificate(n, n, NULL, NULL, C, res.nnz, row, col, mass, f, g, res.cost);
  /* n = 1: every mass goes from the single atom. */
  double b[n];
  random_weights(&r, b, n);
  double one = 1.0;
  assert_int_equal(specot_ot_emd(NULL, 1, n, &one, b, C, NULL, &res, row, col, mass, f, g),
                   SPECOT_OK);
  double expected = 0.0;
  for (size_t j = 0; j < n; ++j) expected += b[j] * C[j];
  assert_close(res.cost, expected, 1e-13, 1e-15);
  assert_int_equal(res.nnz, n);
  /* All but one mass zero on each side. */
  double a1[n] = {0}, b1[n] = {0};
  a1[4] = 2.0;
  b1[17] = 2.0;
  assert_int_equal(specot_ot_emd(NULL, n, n, a1, b1, C, NULL, &res, row, col, mass, f, g),
                   SPECOT_OK);
  assert_int_equal(res.nnz, 1);
  assert_int_equal(row[0], 4);
  assert_int_equal(col[0], 17);
  assert_close(res.cost, 2.0 * C[4 * n + 17], 1e-14, 0.0);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) assert_true(C[i * n + j] - f[i] - g[j] >= -1e-12);
  /* Dense plan accessor agrees with the sparse one. */
  specot_ot_emd_ws *ws = NULL;
  assert_int_equal(specot_ot_emd_ws_alloc(NULL, n, n, 0, NULL, &ws), SPECOT_OK);
  assert_int_equal(specot_ot_emd_solve(NULL, ws, NULL, b, C + 0, NULL, &res), SPECOT_OK);
  double *P = malloc(n * n * sizeof *P);
  specot_ot_emd_plan_dense(ws, P);
  double total = 0.0, cost = 0.0;
  for (size_t k = 0; k < (size_t)n * n; ++k) {
    total += P[k];
    cost += P[k] * C[k];
  }
  assert_close(total, 1.0, 1e-13, 0.0);
  assert_close(cost, res.cost, 1e-13, 1e-15);
  free(P);
  specot_ot_emd_ws_free(ws);
}

/* ---- warm start on a sequence of Mahalanobis costs ---------------------- */

static void test_warm_start_sequence(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 21);
  enum { n = 80, m = 70, d = 5 };
  double X[n * d], Y[m * d], a[n], b[m], L[d * d];
  random_cloud(&r, X, n * d, 0.0);
  random_cloud(&r, Y, m * d, 0.3);
  random_weights(&r, a, n);
  random_weights(&r, b, m);
  specot_ot_emd_ws *warm = NULL, *cold = NULL;
  assert_int_equal(specot_ot_emd_ws_alloc(NULL, n, m, d, NULL, &warm), SPECOT_OK);
  assert_int_equal(specot_ot_emd_ws_alloc(NULL, n, m, d, NULL, &cold), SPECOT_OK);
  specot_ot_emd_opts cold_opts;
  specot_ot_emd_opts_init(&cold_opts);
  cold_opts.warm_start = 0;
  size_t warm_pivots = 0, cold_pivots = 0;
  double f[n], g[m], C[n * m], G[d * d], H[d * d];
  for (size_t i = 0; i < d * d; ++i) G[i] = 0.3 * specot_rng_normal(&r);
  for (size_t i = 0; i < d * d; ++i) H[i] = specot_rng_normal(&r);
  for (int t = 0; t < 8; ++t) {
    /* A slowly drifting L_t = I + G + 0.02 t H, as in a spectral solve where Q
     * changes little between OT calls; once a rank-deficient L (r = 2). */
    const size_t rows = t == 5 ? 2 : d;
    for (size_t i = 0; i < d * d; ++i) L[i] = G[i] + 0.02 * t * H[i];
    for (size_t i = 0; i < d; ++i) L[i * d + i] += 1.0;
    specot_ot_emd_result rw, rc;
    assert_int_equal(specot_ot_emd_solve_points(NULL, warm, a, b, X, Y, L, rows, NULL, &rw),
                     SPECOT_OK);
    assert_int_equal(specot_ot_emd_solve_points(NULL, cold, a, b, X, Y, L, rows, &cold_opts, &rc),
                     SPECOT_OK);
    assert_int_equal(rw.warm_started, t > 0);
    assert_int_equal(rc.warm_started, 0);
    assert_close(rw.cost, rc.cost, 1e-10, 1e-13);
    if (t > 0) {
      warm_pivots += rw.iterations;
      cold_pivots += rc.iterations;
    }
    /* The warm result is certified against an independently computed cost. */
    assert_int_equal(specot_ot_cost_sqeuclidean(NULL, n, m, d, X, Y, L, rows, C), SPECOT_OK);
    size_t row[n + m], col[n + m];
    double mass[n + m];
    const size_t nnz = specot_ot_emd_plan(warm, row, col, mass);
    specot_ot_emd_potentials(warm, f, g);
    check_certificate(n, m, a, b, C, nnz, row, col, mass, f, g, rw.cost);
  }
  assert_true(warm_pivots < cold_pivots);
  /* New weights: the workspace falls back to a cold start. */
  specot_ot_emd_result res;
  a[0] += 0.01;
  a[1] -= 0.01;
  assert_int_equal(specot_ot_emd_solve_points(NULL, warm, a, b, X, Y, NULL, 0, NULL, &res),
                   SPECOT_OK);
  assert_int_equal(res.warm_started, 0);
  specot_ot_emd_ws_free(warm);
  specot_ot_emd_ws_free(cold);
}

/* Mahalanobis cost from transformed points is never negative, even for
 * identical points under an ill-conditioned L. */
static void test_cost_nonnegative(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 3);
  enum { n = 20, d = 3 };
  double X[n * d], L[d * d], C[n * n];
  random_cloud(&r, X, n * d, 1e3);
  for (size_t i = 0; i < d * d; ++i) L[i] = specot_rng_normal(&r) * 1e4;
  assert_int_equal(specot_ot_cost_sqeuclidean(NULL, n, n, d, X, X, L, d, C), SPECOT_OK);
  for (size_t i = 0; i < n; ++i) {
    assert_true(C[i * n + i] == 0.0);
    for (size_t j = 0; j < n; ++j) assert_true(C[i * n + j] >= 0.0);
  }
}

/* ---- status paths ------------------------------------------------------- */

static void test_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  double C[6] = {1, 2, 3, 4, 5, 6}, a[2] = {0.5, 0.5}, b[3] = {0.2, 0.3, 0.5};
  double X[4] = {0, 1, 2, 3}, Y[6] = {0, 1, 2, 3, 4, 5};
  specot_ot_emd_ws *ws = NULL;
  specot_ot_emd_result res;
  specot_ot_emd_opts o;
  /* sizes */
  assert_int_equal(specot_ot_emd_ws_alloc(ctx, 0, 3, 0, NULL, &ws), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "n = 0"));
  assert_int_equal(specot_ot_emd_ws_alloc(ctx, 2, 3, 0, NULL, NULL), SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_emd_ws_alloc(ctx, SIZE_MAX / 8, SIZE_MAX / 8, 0, NULL, &ws),
                   SPECOT_ERR_TOO_LARGE);
  assert_int_equal(specot_ot_emd_ws_alloc(ctx, (size_t)1 << 20, (size_t)1 << 20, 0, NULL, &ws),
                   SPECOT_ERR_TOO_LARGE);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "bytes"));
  specot_ot_emd_opts_init(&o);
  o.mem_budget = 100;
  assert_int_equal(specot_ot_emd_ws_alloc(ctx, 2, 3, 0, &o, &ws), SPECOT_ERR_TOO_LARGE);
  assert_null(ws);
  assert_int_equal(specot_ot_emd_ws_alloc(ctx, 2, 3, 0, NULL, &ws), SPECOT_OK);
  /* arguments */
  assert_int_equal(specot_ot_emd_solve(ctx, NULL, a, b, C, NULL, &res), SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_emd_solve(ctx, ws, a, b, NULL, NULL, &res), SPECOT_ERR_INVALID);
  C[4] = NAN;
  assert_int_equal(specot_ot_emd_solve(ctx, ws, a, b, C, NULL, &res), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "non-finite"));
  C[4] = 5.0;
  a[1] = -0.5;
  assert_int_equal(specot_ot_emd_solve(ctx, ws, a, b, C, NULL, &res), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "a[1]"));
  a[1] = INFINITY;
  assert_int_equal(specot_ot_emd_solve(ctx, ws, a, b, C, NULL, &res), SPECOT_ERR_INVALID);
  a[0] = a[1] = 0.0;
  assert_int_equal(specot_ot_emd_solve(ctx, ws, a, b, C, NULL, &res), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "sum to 0"));
  a[0] = 0.5;
  a[1] = 0.49;
  assert_int_equal(specot_ot_emd_solve(ctx, ws, a, b, C, NULL, &res), SPECOT_ERR_INFEASIBLE);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "0.98999999999999999"));
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "b to 1"));
  a[1] = 0.5;
  specot_ot_emd_opts_init(&o);
  o.mass_rtol = -1.0;
  assert_int_equal(specot_ot_emd_solve(ctx, ws, a, b, C, &o, &res), SPECOT_ERR_INVALID);
  specot_ot_emd_opts_init(&o);
  o.verify_rtol = NAN;
  assert_int_equal(specot_ot_emd_solve(ctx, ws, a, b, C, &o, &res), SPECOT_ERR_INVALID);
  /* point solves on a dense-only workspace, bad L rows, non-finite points */
  assert_int_equal(specot_ot_emd_solve_points(ctx, ws, a, b, X, Y, NULL, 0, NULL, &res),
                   SPECOT_ERR_INVALID);
  specot_ot_emd_ws_free(ws);
  assert_int_equal(specot_ot_emd_ws_alloc(ctx, 2, 3, 2, NULL, &ws), SPECOT_OK);
  double L[4] = {1, 0, 0, 1};
  assert_int_equal(specot_ot_emd_solve_points(ctx, ws, a, b, X, Y, L, 3, NULL, &res),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_emd_solve_points(ctx, ws, a, b, NULL, Y, L, 2, NULL, &res),
                   SPECOT_ERR_INVALID);
  X[0] = NAN;
  assert_int_equal(specot_ot_emd_solve_points(ctx, ws, a, b, X, Y, L, 2, NULL, &res),
                   SPECOT_ERR_INVALID);
  X[0] = 1e200; /* squared distances overflow */
  assert_int_equal(specot_ot_emd_solve_points(ctx, ws, a, b, X, Y, L, 2, NULL, &res),
                   SPECOT_ERR_NUMERICAL);
  specot_ot_emd_ws_free(ws);
  /* cost helper */
  assert_int_equal(specot_ot_cost_sqeuclidean(ctx, 2, 3, 0, X, Y, NULL, 0, C), SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_cost_sqeuclidean(ctx, 2, 3, 2, NULL, Y, NULL, 0, C),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_cost_sqeuclidean(ctx, 2, 3, 2, X, Y, L, 0, C), SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_cost_sqeuclidean(ctx, 2, 3, 2, X, Y, NULL, 0, C),
                   SPECOT_ERR_NUMERICAL);
  X[0] = NAN;
  assert_int_equal(specot_ot_cost_sqeuclidean(ctx, 2, 3, 2, X, Y, NULL, 0, C), SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_cost_sqeuclidean(ctx, SIZE_MAX, 3, 2, X, Y, NULL, 0, C),
                   SPECOT_ERR_TOO_LARGE);
  /* 1-D */
  double x1[2] = {0, 1}, y1[3] = {0, 1, 2};
  assert_int_equal(specot_ot_emd_1d(ctx, 0, 3, x1, a, y1, b, NULL, &res, NULL, NULL, NULL, NULL,
                                    NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_emd_1d(ctx, 2, 3, NULL, a, y1, b, NULL, &res, NULL, NULL, NULL, NULL,
                                    NULL),
                   SPECOT_ERR_INVALID);
  x1[1] = NAN;
  assert_int_equal(specot_ot_emd_1d(ctx, 2, 3, x1, a, y1, b, NULL, &res, NULL, NULL, NULL, NULL,
                                    NULL),
                   SPECOT_ERR_INVALID);
  x1[1] = 1.0;
  specot_ot_emd_opts_init(&o);
  o.mass_rtol = NAN;
  assert_int_equal(specot_ot_emd_1d(ctx, 2, 3, x1, a, y1, b, &o, &res, NULL, NULL, NULL, NULL,
                                    NULL),
                   SPECOT_ERR_INVALID);
  b[0] = 0.3;
  assert_int_equal(specot_ot_emd_1d(ctx, 2, 3, x1, a, y1, b, NULL, &res, NULL, NULL, NULL, NULL,
                                    NULL),
                   SPECOT_ERR_INFEASIBLE);
  assert_int_equal(specot_ot_emd_1d(ctx, SIZE_MAX / 2, 3, x1, NULL, y1, NULL, NULL, &res, NULL,
                                    NULL, NULL, NULL, NULL),
                   SPECOT_ERR_TOO_LARGE);
  /* accessors on an unsolved workspace */
  assert_int_equal(specot_ot_emd_ws_alloc(ctx, 2, 3, 0, NULL, &ws), SPECOT_OK);
  assert_int_equal(specot_ot_emd_plan(ws, NULL, NULL, NULL), 0);
  specot_ot_emd_ws_free(ws);
  assert_int_equal(specot_ot_emd_plan(NULL, NULL, NULL, NULL), 0);
  specot_ot_emd_ws_free(NULL);
  specot_ctx_free(ctx);
}

/* WARN_MAXITER (feasible completed plan) and WARN_INACCURATE (zero tolerance). */
static void test_warnings(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_rng r;
  specot_rng_seed(&r, 77);
  enum { n = 60, m = 50, d = 3 };
  double X[n * d], Y[m * d], C[n * m], a[n], b[m], mass[n + m];
  size_t row[n + m], col[n + m];
  random_cloud(&r, X, n * d, 0.0);
  random_cloud(&r, Y, m * d, 1.0);
  random_weights(&r, a, n);
  random_weights(&r, b, m);
  assert_int_equal(specot_ot_cost_sqeuclidean(NULL, n, m, d, X, Y, NULL, 0, C), SPECOT_OK);
  specot_ot_emd_opts o;
  specot_ot_emd_opts_init(&o);
  o.max_iter = 5;
  specot_ot_emd_result res, opt;
  assert_int_equal(specot_ot_emd(ctx, n, m, a, b, C, &o, &res, row, col, mass, NULL, NULL),
                   SPECOT_WARN_MAXITER);
  assert_int_equal(res.status, SPECOT_WARN_MAXITER);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "max_iter"));
  assert_true(res.nnz <= n + m - 1);
  assert_true(res.marginal_error < 1e-12); /* the completed plan is feasible */
  assert_int_equal(specot_ot_emd(ctx, n, m, a, b, C, NULL, &opt, NULL, NULL, NULL, NULL, NULL),
                   SPECOT_OK);
  assert_true(res.cost >= opt.cost - 1e-12);
  specot_ot_emd_opts_init(&o);
  o.verify_rtol = 0.0;
  const specot_status st = specot_ot_emd(ctx, n, m, a, b, C, &o, &res, NULL, NULL, NULL, NULL, NULL);
  /* With a zero tolerance any rounding difference between primal and dual is flagged. */
  if (res.cost != res.dual_objective || res.min_reduced_cost < 0.0) {
    assert_int_equal(st, SPECOT_WARN_INACCURATE);
    assert_non_null(strstr(specot_ctx_errmsg(ctx), "optimality check"));
  } else {
    assert_int_equal(st, SPECOT_OK);
  }
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pot_reference),    cmocka_unit_test(test_1d_against_simplex),
      cmocka_unit_test(test_invariances),      cmocka_unit_test(test_degenerate),
      cmocka_unit_test(test_warm_start_sequence), cmocka_unit_test(test_cost_nonnegative),
      cmocka_unit_test(test_errors),           cmocka_unit_test(test_warnings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
