/* Matrix-free (online) Sinkhorn and divergence: equal to the dense solvers
 * to 1e-10 with tight tolerances (potentials, values, gradients), with
 * zero-mass atoms, warm starts, the sparse plan, memory-limit selection,
 * and every error path. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "specot/ot.h"
#include "specot/rng.h"
#include "test_support.h"

static specot_ot_sinkhorn_opts tight(void) {
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  o.tol = 1e-13;
  return o;
}

static void random_problem(unsigned seed, size_t n, size_t m, size_t d, double *X, double *Y,
                           double *a, double *b) {
  specot_rng r;
  specot_rng_seed(&r, seed);
  specot_rng_fill_normal(&r, X, n * d, 3.0, 1.0); /* off-centre: exercises the centring */
  specot_rng_fill_normal(&r, Y, m * d, 3.5, 1.3);
  double ta = 0.0, tb = 0.0;
  for (size_t i = 0; i < n; ++i) ta += a[i] = 0.2 + specot_rng_uniform(&r);
  for (size_t j = 0; j < m; ++j) tb += b[j] = 0.2 + specot_rng_uniform(&r);
  for (size_t i = 0; i < n; ++i) a[i] /= ta;
  for (size_t j = 0; j < m; ++j) b[j] /= tb;
}

/* Online Sinkhorn = dense Sinkhorn from points: potentials and every scalar. */
static void check_sinkhorn(size_t n, size_t m, size_t d, double eps, double scale, int zero_mass) {
  double *X = malloc(n * d * sizeof *X), *Y = malloc(m * d * sizeof *Y);
  double *a = malloc(n * sizeof *a), *b = malloc(m * sizeof *b);
  double *f1 = malloc(n * sizeof *f1), *g1 = malloc(m * sizeof *g1);
  double *f2 = malloc(n * sizeof *f2), *g2 = malloc(m * sizeof *g2);
  random_problem(11, n, m, d, X, Y, a, b);
  if (zero_mass) {
    a[1] += a[0];
    a[0] = 0.0;
    b[m - 1] += b[2];
    b[2] = 0.0;
  }
  specot_ot_sinkhorn_opts o = tight();
  specot_ot_sinkhorn_ws *dws = NULL;
  specot_ot_online_ws *ows = NULL;
  specot_ot_sinkhorn_result rd, ro;
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(NULL, n, m, d, &o, &dws), SPECOT_OK);
  assert_int_equal(specot_ot_online_ws_alloc(NULL, n, m, d, &o, &ows), SPECOT_OK);
  assert_int_equal(
      specot_ot_sinkhorn_solve_points(NULL, dws, a, b, X, Y, scale, eps, &o, f1, g1, NULL, &rd),
      SPECOT_OK);
  assert_int_equal(
      specot_ot_online_sinkhorn_solve(NULL, ows, a, b, X, Y, scale, eps, &o, f2, g2, &ro),
      SPECOT_OK);
  assert_all_close(f2, f1, n, 0.0, 1e-10);
  assert_all_close(g2, g1, m, 0.0, 1e-10);
  assert_close(ro.cost, rd.cost, 0.0, 1e-10);
  assert_close(ro.regularized_cost, rd.regularized_cost, 0.0, 1e-10);
  assert_close(ro.dual_objective, rd.dual_objective, 0.0, 1e-10);
  assert_close(ro.lower_bound, rd.lower_bound, 0.0, 1e-10);
  assert_true(ro.marginal_error <= o.tol);
  assert_true(ro.iterations > 0);
  specot_ot_sinkhorn_ws_free(dws);
  specot_ot_online_ws_free(ows);
  free(X), free(Y), free(a), free(b), free(f1), free(g1), free(f2), free(g2);
}

static void test_sinkhorn_equals_dense(void **state) {
  (void)state;
  /* Under valgrind (SPECOT_TEST_QUICK) the eps-scaling and many-tile cases are skipped. */
  const int quick = specot_test_quick();
  check_sinkhorn(70, 50, 3, 0.5, 1.0, 0);
  if (!quick) check_sinkhorn(70, 50, 3, 0.1, 1.0, 0);   /* eps-scaling stages */
  if (!quick) check_sinkhorn(37, 1500, 2, 0.2, 0.5, 0); /* several column tiles, GeomLoss scale */
  check_sinkhorn(130, 41, 7, 1.0, 1.0, 1);  /* zero-mass atoms, generic d, row blocks */
  check_sinkhorn(1, 1, 1, 0.1, 1.0, 0);
}

/* Online divergence = dense divergence: value, the three OT terms and all gradients. */
static void check_divergence(size_t n, size_t m, size_t d, double eps, double scale,
                             int zero_mass) {
  double *X = malloc(n * d * sizeof *X), *Y = malloc(m * d * sizeof *Y);
  double *a = malloc(n * sizeof *a), *b = malloc(m * sizeof *b);
  double *gx1 = malloc(n * d * sizeof *gx1), *gy1 = malloc(m * d * sizeof *gy1);
  double *gx2 = malloc(n * d * sizeof *gx2), *gy2 = malloc(m * d * sizeof *gy2);
  double *ga1 = malloc(n * sizeof *ga1), *gb1 = malloc(m * sizeof *gb1);
  double *ga2 = malloc(n * sizeof *ga2), *gb2 = malloc(m * sizeof *gb2);
  random_problem(23, n, m, d, X, Y, a, b);
  if (zero_mass) {
    a[n - 1] += a[3];
    a[3] = 0.0;
    b[0] += b[1];
    b[1] = 0.0;
  }
  specot_ot_sinkhorn_opts o = tight();
  specot_ot_divergence_result rd, ro;
  assert_int_equal(
      specot_ot_divergence(NULL, n, m, d, X, a, Y, b, scale, eps, &o, gx1, gy1, ga1, gb1, &rd),
      SPECOT_OK);
  specot_ot_online_ws *ws = NULL;
  assert_int_equal(specot_ot_online_ws_alloc(NULL, n, m, d, &o, &ws), SPECOT_OK);
  assert_int_equal(specot_ot_online_divergence_solve(NULL, ws, X, a, Y, b, scale, eps, &o, gx2, gy2,
                                                     ga2, gb2, &ro),
                   SPECOT_OK);
  assert_close(ro.value, rd.value, 0.0, 1e-10);
  assert_close(ro.ot_xy, rd.ot_xy, 0.0, 1e-10);
  assert_close(ro.ot_xx, rd.ot_xx, 0.0, 1e-10);
  assert_close(ro.ot_yy, rd.ot_yy, 0.0, 1e-10);
  assert_all_close(gx2, gx1, n * d, 0.0, 1e-10);
  assert_all_close(gy2, gy1, m * d, 0.0, 1e-10);
  assert_all_close(ga2, ga1, n, 0.0, 1e-10);
  assert_all_close(gb2, gb1, m, 0.0, 1e-10);
  /* Warm start from the stored potentials: same answer, fewer iterations. */
  o.warm_start = 1;
  specot_ot_divergence_result rw;
  assert_int_equal(specot_ot_online_divergence_solve(NULL, ws, X, a, Y, b, scale, eps, &o, gx2,
                                                     NULL, NULL, NULL, &rw),
                   SPECOT_OK);
  assert_close(rw.value, rd.value, 0.0, 1e-10);
  assert_all_close(gx2, gx1, n * d, 0.0, 1e-10);
  assert_true(rw.iterations < ro.iterations);
  specot_ot_online_ws_free(ws);
  free(X), free(Y), free(a), free(b), free(gx1), free(gy1), free(gx2), free(gy2);
  free(ga1), free(gb1), free(ga2), free(gb2);
}

static void test_divergence_equals_dense(void **state) {
  (void)state;
  check_divergence(60, 45, 3, 0.3, 1.0, 0);
  if (specot_test_quick()) return; /* valgrind: the small-eps and many-tile cases are skipped */
  check_divergence(60, 45, 3, 0.02, 0.5, 0);
  check_divergence(90, 1100, 2, 0.5, 1.0, 1);
}

/* Sparse plan: threshold 0+ gives every entry; its marginals are a and b
 * (to the tolerance), and a larger threshold keeps a subset. */
static void test_sparse_plan(void **state) {
  (void)state;
  enum { n = 40, m = 30, d = 2 };
  double X[n * d], Y[m * d], a[n], b[m], f[n], g[m], plan[n * m], fd[n], gd[m];
  random_problem(5, n, m, d, X, Y, a, b);
  specot_ot_sinkhorn_opts o = tight();
  specot_ot_online_ws *ws = NULL;
  assert_int_equal(specot_ot_online_ws_alloc(NULL, n, m, d, NULL, &ws), SPECOT_OK);
  assert_int_equal(specot_ot_online_sinkhorn_solve(NULL, ws, a, b, X, Y, 1.0, 0.3, &o, f, g, NULL),
                   SPECOT_OK);
  specot_ot_sinkhorn_ws *dws = NULL;
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(NULL, n, m, d, &o, &dws), SPECOT_OK);
  assert_int_equal(
      specot_ot_sinkhorn_solve_points(NULL, dws, a, b, X, Y, 1.0, 0.3, &o, fd, gd, plan, NULL),
      SPECOT_OK);
  specot_ot_sinkhorn_ws_free(dws);
  size_t nnz = 0, row[n * m], col[n * m];
  double mass[n * m];
  assert_int_equal(specot_ot_online_plan_sparse(NULL, ws, a, b, X, Y, 1.0, 0.3, f, g, 1e-300, 0,
                                                NULL, NULL, NULL, &nnz),
                   SPECOT_OK);
  assert_int_equal(nnz, n * m);
  assert_int_equal(specot_ot_online_plan_sparse(NULL, ws, a, b, X, Y, 1.0, 0.3, f, g, 1e-300, n * m,
                                                row, col, mass, &nnz),
                   SPECOT_OK);
  for (size_t k = 0; k < nnz; ++k) {
    assert_int_equal(row[k], k / m);
    assert_int_equal(col[k], k % m);
    assert_close(mass[k], plan[k], 1e-9, 1e-15);
  }
  /* Threshold 1e-3: only the entries of the dense plan >= 1e-3, in order. */
  size_t want = 0;
  for (size_t k = 0; k < (size_t)n * m; ++k) want += plan[k] >= 1e-3 * (1 + 1e-9);
  assert_int_equal(specot_ot_online_plan_sparse(NULL, ws, a, b, X, Y, 1.0, 0.3, f, g, 1e-3, n * m,
                                                row, col, mass, &nnz),
                   SPECOT_OK);
  assert_true(nnz >= want && nnz > 0 && nnz < n * m);
  for (size_t k = 0; k < nnz; ++k) {
    assert_true(mass[k] >= 1e-3);
    if (k) assert_true(row[k] > row[k - 1] || (row[k] == row[k - 1] && col[k] > col[k - 1]));
  }
  /* Too small a capacity: ERR_TOO_LARGE with the count. */
  assert_int_equal(specot_ot_online_plan_sparse(NULL, ws, a, b, X, Y, 1.0, 0.3, f, g, 1e-3, 1, row,
                                                col, mass, &nnz),
                   SPECOT_ERR_TOO_LARGE);
  assert_true(nnz > 1);
  specot_ot_online_ws_free(ws);
}

static void test_memory_selection(void **state) {
  (void)state;
  /* 8 n m bytes against the limit. */
  assert_int_equal(specot_ot_online_preferred(100, 100, 80000), 0);
  assert_int_equal(specot_ot_online_preferred(100, 100, 79999), 1);
  assert_int_equal(specot_ot_online_preferred(SIZE_MAX / 2, 3, 1), 1); /* n m overflows */
  assert_int_equal(specot_ot_online_preferred(10, 10, 0), 0);          /* 0: a quarter of RAM */
  assert_int_equal(specot_ot_online_preferred((size_t)1 << 31, (size_t)1 << 31, 0), 1);
  /* The workspace is O(n + m): 1e5 x 1e5 in d = 3 needs well under 200 MB. */
  const size_t bytes = specot_ot_online_bytes(100000, 100000, 3);
  assert_true(bytes < (size_t)60 << 20);
  assert_true(bytes > 100000 * 8);
  assert_int_equal(specot_ot_online_bytes(SIZE_MAX / 4, SIZE_MAX / 4, 3), SIZE_MAX);
}

static void test_errors(void **state) {
  (void)state;
  enum { n = 4, m = 3, d = 2 };
  double X[n * d] = {0, 0, 1, 0, 0, 1, 1, 1}, Y[m * d] = {0, 0, 2, 1, 1, 2}, f[n], g[m];
  double a[n] = {0.25, 0.25, 0.25, 0.25}, bad[m] = {0.5, 0.5, 0.5};
  specot_ctx *ctx = specot_ctx_alloc();
  specot_ot_online_ws *ws = NULL;
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  assert_int_equal(specot_ot_online_ws_alloc(ctx, 0, m, d, NULL, &ws), SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_online_ws_alloc(ctx, n, m, d, NULL, NULL), SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_online_ws_alloc(ctx, SIZE_MAX / 4, SIZE_MAX / 4, d, NULL, &ws),
                   SPECOT_ERR_TOO_LARGE);
  o.mem_budget = 1000;
  assert_int_equal(specot_ot_online_ws_alloc(ctx, 1000, 1000, d, &o, &ws), SPECOT_ERR_TOO_LARGE);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "bytes"));
  o.mem_budget = 0;
  assert_int_equal(specot_ot_online_ws_alloc(ctx, n, m, d, &o, &ws), SPECOT_OK);
  assert_int_equal(specot_ot_online_sinkhorn_solve(ctx, NULL, a, NULL, X, Y, 1, 1, &o, f, g, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_online_sinkhorn_solve(ctx, ws, a, NULL, X, Y, 1, 0, &o, f, g, NULL),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "eps"));
  assert_int_equal(specot_ot_online_sinkhorn_solve(ctx, ws, a, NULL, X, Y, -1, 1, &o, f, g, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_online_sinkhorn_solve(ctx, ws, a, NULL, X, NULL, 1, 1, &o, f, g, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_online_sinkhorn_solve(ctx, ws, a, NULL, X, Y, 1, 1, &o, NULL, g, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_online_sinkhorn_solve(ctx, ws, a, bad, X, Y, 1, 1, &o, f, g, NULL),
                   SPECOT_ERR_INFEASIBLE);
  X[3] = NAN;
  assert_int_equal(specot_ot_online_sinkhorn_solve(ctx, ws, a, NULL, X, Y, 1, 1, &o, f, g, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_online_divergence_solve(ctx, ws, X, a, Y, NULL, 1, 1, &o, NULL, NULL,
                                                     NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  X[3] = 0.0;
  specot_ot_divergence_result dr;
  assert_int_equal(specot_ot_online_divergence_solve(ctx, ws, X, a, Y, NULL, 1, NAN, &o, NULL, NULL,
                                                     NULL, NULL, &dr),
                   SPECOT_ERR_INVALID);
  /* max_iter: outputs valid, warning. */
  o.max_iter = 2;
  o.eps_scaling = 0;
  specot_ot_sinkhorn_result r;
  assert_int_equal(specot_ot_online_sinkhorn_solve(ctx, ws, a, NULL, X, Y, 1, 0.01, &o, f, g, &r),
                   SPECOT_WARN_MAXITER);
  assert_true(isfinite(r.cost) && r.iterations == 2);
  assert_int_equal(specot_ot_online_divergence_solve(ctx, ws, X, a, Y, NULL, 1, 0.01, &o, NULL,
                                                     NULL, NULL, NULL, &dr),
                   SPECOT_WARN_MAXITER);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "max_iter"));
  /* warm start with non-finite potentials */
  o.warm_start = 1;
  f[0] = INFINITY;
  assert_int_equal(specot_ot_online_sinkhorn_solve(ctx, ws, a, NULL, X, Y, 1, 1, &o, f, g, NULL),
                   SPECOT_ERR_INVALID);
  f[0] = 0.0;
  size_t nnz;
  assert_int_equal(specot_ot_online_plan_sparse(ctx, ws, a, NULL, X, Y, 1, 1, f, g, 0.0, 0, NULL,
                                                NULL, NULL, &nnz),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_online_plan_sparse(ctx, ws, a, NULL, X, Y, 1, 1, f, g, 0.1, 0, NULL,
                                                NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  /* cancellation */
  volatile int flag = 1;
  specot_ctx_set_cancel(ctx, &flag);
  o.warm_start = 0;
  o.max_iter = 100;
  assert_int_equal(specot_ot_online_sinkhorn_solve(ctx, ws, a, NULL, X, Y, 1, 0.01, &o, f, g, NULL),
                   SPECOT_ERR_CANCELLED);
  specot_ot_online_ws_free(ws);
  specot_ot_online_ws_free(NULL);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sinkhorn_equals_dense),
      cmocka_unit_test(test_divergence_equals_dense),
      cmocka_unit_test(test_sparse_plan),
      cmocka_unit_test(test_memory_selection),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
