/* Semi-discrete OT, exact side: 1-D closed forms (spec aeot.md sec. 5.1),
 * slabs (5.2), symmetry (5.3), exact Hessian and energy gradient against
 * finite differences (5.5), and the error paths of the exact solver. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/sdot.h"
#include "test_support.h"

static specot_sdot_problem problem(size_t n, size_t d, const double *y, const double *nu,
                                   specot_sdot_source s) {
  specot_sdot_problem p = {n, d, y, nu, s};
  return p;
}

/* sec. 5.1: uniform source, y_j = (j - 1/2)/n (shifted onto [-1/2, 1/2]),
 * h listed in the spec (U[0,1] coordinates: h~_j = h_j + y_j/2 + c), W2^2 = 1/(12 n^2). */
static void test_1d_uniform_closed_form(void **state) {
  (void)state;
  enum { n = 10 };
  const double spec_h[n] = {.165, .155, .135, .105, .065, .015, -.045, -.115, -.195, -.285};
  double y[n], h[n], expect[n];
  for (size_t j = 0; j < n; ++j) {
    y[j] = ((double)j + 0.5) / n - 0.5;
    expect[j] = spec_h[j] + 0.5 * y[j];
  }
  double mean = 0.0;
  for (size_t j = 0; j < n; ++j) mean += expect[j] / n;
  for (size_t j = 0; j < n; ++j) expect[j] -= mean;
  specot_sdot_problem p = problem(n, 1, y, NULL, SPECOT_SDOT_CUBE);
  specot_sdot_result r;
  assert_int_equal(specot_sdot_solve_newton(NULL, &p, NULL, h, &r), SPECOT_OK);
  assert_all_close(h, expect, n, 0.0, 1e-12);
  assert_close(r.w2, 1.0 / (12.0 * n * n), 0.0, 1e-14);
  assert_true(r.max_rel_error <= 1e-10);
  /* the spec's E(h*) = 0.3325 on U[0,1]: W2 = 1/3 + sum nu y^2 - 2 E there */
  assert_close(1.0 / 3.0 + 0.3325 - 2 * 0.3325, 1.0 / (12.0 * n * n), 0.0, 1e-12);
  /* recurrence h_{j+1} - h_j = -b_j (y_{j+1} - y_j) with b_j = j/n - 1/2 */
  for (size_t j = 0; j + 1 < n; ++j)
    assert_close(h[j + 1] - h[j], -((double)(j + 1) / n - 0.5) / n, 0.0, 1e-12);
}

/* sec. 5.1, Gaussian source: boundaries b = Phi^-1(cumulative nu). */
static void test_1d_gauss_boundaries(void **state) {
  (void)state;
  const double y[5] = {-2, -.5, 0, 1, 3}, nu[5] = {.1, .3, .2, .25, .15};
  const double bspec[4] = {-1.2816, -.2533, .2533, 1.0364};
  double h[5], w[5];
  specot_sdot_problem p = problem(5, 1, y, nu, SPECOT_SDOT_GAUSS);
  specot_sdot_result r;
  assert_int_equal(specot_sdot_solve_newton(NULL, &p, NULL, h, &r), SPECOT_OK);
  for (size_t j = 0; j < 4; ++j) {
    const double b = (h[j] - h[j + 1]) / (y[j + 1] - y[j]);
    assert_close(b, bspec[j], 0.0, 6e-5);
  }
  assert_int_equal(specot_sdot_exact(NULL, &p, h, w, NULL, NULL, NULL), SPECOT_OK);
  assert_all_close(w, nu, 5, 1e-10, 0.0);
  /* W2^2 of the quantile coupling in closed form: on [a, b],
   * int (x - y)^2 dPhi = M2 - 2 y M1 + y^2 M0 with M0 = Phi(b) - Phi(a),
   * M1 = phi(a) - phi(b), M2 = M0 - (b phi(b) - a phi(a)). */
  double w2 = 0.0;
  for (size_t j = 0; j < 5; ++j) {
    const double a = j == 0 ? -INFINITY : (h[j - 1] - h[j]) / (y[j] - y[j - 1]);
    const double b = j == 4 ? INFINITY : (h[j] - h[j + 1]) / (y[j + 1] - y[j]);
    const double pa = isinf(a) ? 0.0 : exp(-0.5 * a * a) / sqrt(2 * 3.14159265358979323846);
    const double pb = isinf(b) ? 0.0 : exp(-0.5 * b * b) / sqrt(2 * 3.14159265358979323846);
    const double m0 = 0.5 * erfc(-b / sqrt(2.0)) - 0.5 * erfc(-a / sqrt(2.0)), m1 = pa - pb;
    const double m2 = m0 - ((isinf(b) ? 0.0 : b * pb) - (isinf(a) ? 0.0 : a * pa));
    w2 += m2 - 2 * y[j] * m1 + y[j] * y[j] * m0;
  }
  assert_close(r.w2, w2, 1e-10, 0.0);
}

/* sec. 5.2 (DRAG ex. 1) in d = 2: slabs; h from the 1-D formula; W2 = 1/(12 M^2) + 1/12. */
static void test_slabs_2d(void **state) {
  (void)state;
  enum { M = 7 };
  double y[2 * M], h[M], h1[M], y1[M];
  for (size_t j = 0; j < M; ++j) {
    y1[j] = y[2 * j] = ((double)j + 0.5) / M - 0.5;
    y[2 * j + 1] = 0.0;
  }
  specot_sdot_problem p = problem(M, 2, y, NULL, SPECOT_SDOT_CUBE);
  specot_sdot_problem p1 = problem(M, 1, y1, NULL, SPECOT_SDOT_CUBE);
  specot_sdot_result r, r1;
  assert_int_equal(specot_sdot_solve_newton(NULL, &p, NULL, h, &r), SPECOT_OK);
  assert_int_equal(specot_sdot_solve_newton(NULL, &p1, NULL, h1, &r1), SPECOT_OK);
  assert_all_close(h, h1, M, 0.0, 1e-11);
  assert_close(r.w2, 1.0 / (12.0 * M * M) + 1.0 / 12.0, 0.0, 1e-12);
  /* cells are the slabs {x_1 in [(j-1)/M, j/M]} */
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, M, 2);
  specot_rng rng;
  specot_rng_seed(&rng, 3);
  enum { N = 2000 };
  double *X = malloc(N * 2 * sizeof *X);
  size_t *idx = malloc(N * sizeof *idx);
  specot_sdot_sample(&rng, SPECOT_SDOT_CUBE, N, 2, X);
  assert_int_equal(specot_sdot_cells(NULL, ws, &p, h, N, X, idx, NULL, NULL, NULL), SPECOT_OK);
  for (size_t k = 0; k < N; ++k) assert_int_equal(idx[k], (size_t)floor((X[2 * k] + 0.5) * M));
  free(X), free(idx);
  specot_sdot_ws_free(ws);
}

/* sec. 5.2, DRAG ex. 3: mu = U([delta, 1 + delta]), delta = 1/2, y_k = k/M, M = 1000.
 * Shifted by -1 onto the cube: cells are [delta + (k-1)/M, delta + k/M] and
 * W2^2 = (delta - 1/(2M))^2 + 1/(12 M^2). */
static void test_drag_shifted_source(void **state) {
  (void)state;
  enum { M = 1000 };
  const double delta = 0.5;
  double *y = malloc(M * sizeof *y), *h = malloc(M * sizeof *h), *w = malloc(M * sizeof *w);
  for (size_t k = 0; k < M; ++k) y[k] = (double)(k + 1) / M - 1.0;
  specot_sdot_problem p = problem(M, 1, y, NULL, SPECOT_SDOT_CUBE);
  specot_sdot_result r;
  assert_int_equal(specot_sdot_solve_newton(NULL, &p, NULL, h, &r), SPECOT_OK);
  assert_true(r.iterations <= 30);
  for (size_t k = 0; k + 1 < M; ++k) { /* boundary b_k = delta + (k+1)/M - 1 in cube coordinates */
    const double b = (h[k] - h[k + 1]) / (y[k + 1] - y[k]);
    assert_close(b, delta + (double)(k + 1) / M - 1.0, 0.0, 1e-9);
  }
  /* the shift moves both measures by -1: W2 unchanged */
  assert_close(r.w2, pow(delta - 0.5 / M, 2) + 1.0 / (12.0 * M * M), 1e-10, 0.0);
  free(y), free(h), free(w);
}

/* sec. 5.3: 2^d points (+-a, +-a): h* = 0, orthant cells, W2 = d (1/12 - a/2 + a^2);
 * from a random warm start Newton must come back to h = 0. */
static void test_symmetry_2d(void **state) {
  (void)state;
  const double a = 0.3, y[8] = {-a, -a, a, -a, -a, a, a, a};
  double h[4] = {0.01, -0.02, 0.015, 0.0}, w[4], zero[4] = {0};
  specot_sdot_problem p = problem(4, 2, y, NULL, SPECOT_SDOT_CUBE);
  specot_sdot_newton_opts o;
  specot_sdot_newton_opts_init(&o);
  o.warm_start = 1;
  specot_sdot_result r;
  assert_int_equal(specot_sdot_solve_newton(NULL, &p, &o, h, &r), SPECOT_OK);
  assert_true(r.iterations >= 1);
  assert_all_close(h, zero, 4, 0.0, 1e-10); /* mass tol 1e-10 */
  assert_close(r.w2, 2 * (1.0 / 12 - a / 2 + a * a), 0.0, 1e-13);
  assert_int_equal(specot_sdot_exact(NULL, &p, zero, w, NULL, NULL, NULL), SPECOT_OK);
  for (size_t j = 0; j < 4; ++j) assert_close(w[j], 0.25, 0.0, 1e-15);
}

/* Random 2-D targets: exact masses sum to 1; exact H = dw/dh by central
 * differences; dE/dh = w - nu by central differences of the exact energy. */
static void fd_check(specot_sdot_problem *p, const double *h0) {
  const size_t n = p->n;
  double *h = malloc(n * sizeof *h), *w = malloc(n * sizeof *w), *wp = malloc(n * sizeof *wp);
  double *wm = malloc(n * sizeof *wm), *H = malloc(n * n * sizeof *H);
  double *mom = malloc(n * p->d * sizeof *mom);
  double E, Ep, Em;
  memcpy(h, h0, n * sizeof *h);
  assert_int_equal(specot_sdot_exact(NULL, p, h, w, mom, H, &E), SPECOT_OK);
  double total = 0.0;
  for (size_t j = 0; j < n; ++j) total += w[j];
  assert_close(total, 1.0, 0.0, 1e-12);
  const double delta = 1e-6;
  for (size_t k = 0; k < n; ++k) {
    h[k] = h0[k] + delta;
    specot_sdot_exact(NULL, p, h, wp, mom, NULL, &Ep);
    h[k] = h0[k] - delta;
    specot_sdot_exact(NULL, p, h, wm, mom, NULL, &Em);
    h[k] = h0[k];
    for (size_t i = 0; i < n; ++i)
      assert_close(H[i * n + k], (wp[i] - wm[i]) / (2 * delta), 0.0, 2e-5);
    assert_close(w[k] - 1.0 / (double)n, (Ep - Em) / (2 * delta), 0.0, 1e-7);
  }
  free(h), free(w), free(wp), free(wm), free(H), free(mom);
}

static void test_hessian_fd(void **state) {
  (void)state;
  enum { n = 12 };
  specot_rng rng;
  specot_rng_seed(&rng, 11);
  double y[2 * n], h[n], y1[n];
  specot_rng_fill_uniform(&rng, y, 2 * n, -0.6, 0.6);
  specot_rng_fill_uniform(&rng, y1, n, -2.0, 2.0);
  specot_sdot_problem p2 = problem(n, 2, y, NULL, SPECOT_SDOT_CUBE);
  specot_sdot_result r;
  assert_int_equal(specot_sdot_solve_newton(NULL, &p2, NULL, h, &r), SPECOT_OK);
  assert_true(r.iterations <= 20);
  fd_check(&p2, h);
  for (size_t j = 0; j < n; ++j) h[j] += 0.01 * specot_rng_normal(&rng);
  fd_check(&p2, h);
  specot_sdot_problem pg = problem(n, 1, y1, NULL, SPECOT_SDOT_GAUSS);
  assert_int_equal(specot_sdot_solve_newton(NULL, &pg, NULL, h, &r), SPECOT_OK);
  fd_check(&pg, h);
  specot_sdot_problem pc = problem(n, 1, y1, NULL, SPECOT_SDOT_CUBE);
  assert_int_equal(specot_sdot_solve_newton(NULL, &pc, NULL, h, &r), SPECOT_OK);
  fd_check(&pc, h);
}

/* Exact W2 from the energy equals the primal cost of the map, by Monte Carlo. */
static void test_w2_primal_dual(void **state) {
  (void)state;
  enum { n = 30, N = 200000 };
  specot_rng rng;
  specot_rng_seed(&rng, 5);
  double y[2 * n], h[n];
  specot_rng_fill_normal(&rng, y, 2 * n, 0.0, 0.4);
  specot_sdot_problem p = problem(n, 2, y, NULL, SPECOT_SDOT_CUBE);
  specot_sdot_result r;
  assert_int_equal(specot_sdot_solve_newton(NULL, &p, NULL, h, &r), SPECOT_OK);
  double *X = malloc(N * 2 * sizeof *X);
  size_t *idx = malloc(N * sizeof *idx);
  specot_sdot_sample(&rng, SPECOT_SDOT_CUBE, N, 2, X);
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, n, 2);
  assert_int_equal(specot_sdot_cells(NULL, ws, &p, h, N, X, idx, NULL, NULL, NULL), SPECOT_OK);
  double cost = 0.0, sq = 0.0;
  for (size_t k = 0; k < N; ++k) {
    const double dx = X[2 * k] - y[2 * idx[k]], dy = X[2 * k + 1] - y[2 * idx[k] + 1];
    cost += dx * dx + dy * dy, sq += (dx * dx + dy * dy) * (dx * dx + dy * dy);
  }
  cost /= N;
  const double sd = sqrt((sq / N - cost * cost) / N);
  assert_close(r.w2, cost, 0.0, 5 * sd);
  free(X), free(idx);
  specot_sdot_ws_free(ws);
}

static void test_exact_errors(void **state) {
  (void)state;
  const double y[6] = {0, 0, 0.1, 0.2, 0, 0}, neg[3] = {0.5, 0.7, -0.2}, bad[3] = {0.3, 0.3, 0.3};
  double h[3] = {0}, w[3];
  specot_sdot_result r;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_sdot_problem p = problem(3, 2, y, NULL, SPECOT_SDOT_CUBE);
  /* duplicate targets 0 and 2 */
  assert_int_equal(specot_sdot_solve_newton(ctx, &p, NULL, h, &r), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "coincide"));
  p.nu = neg;
  assert_int_equal(specot_sdot_solve_newton(ctx, &p, NULL, h, &r), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "nu[2]"));
  p.nu = bad;
  assert_int_equal(specot_sdot_exact(ctx, &p, h, w, NULL, NULL, NULL), SPECOT_ERR_INFEASIBLE);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "sum to 0.9"));
  p.nu = NULL, p.d = 3, p.n = 2;
  assert_int_equal(specot_sdot_solve_newton(ctx, &p, NULL, h, &r), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "d = 3"));
  p.d = 2, p.n = 3, p.source = SPECOT_SDOT_GAUSS;
  assert_int_equal(specot_sdot_exact(ctx, &p, h, w, NULL, NULL, NULL), SPECOT_ERR_INVALID);
  p.source = SPECOT_SDOT_CUBE, p.n = 0;
  assert_int_equal(specot_sdot_exact(ctx, &p, h, w, NULL, NULL, NULL), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "empty"));
  /* warm start with an empty cell: (0.1, 0.2) far above the others */
  const double y2[4] = {0, 0, 0.1, 0.2};
  double h2[2] = {0, -10};
  specot_sdot_problem p2 = problem(2, 2, y2, NULL, SPECOT_SDOT_CUBE);
  specot_sdot_newton_opts o;
  specot_sdot_newton_opts_init(&o);
  o.warm_start = 1;
  assert_int_equal(specot_sdot_solve_newton(ctx, &p2, &o, h2, &r), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "empty"));
  o.warm_start = 0, o.max_iter = 1, o.tol = 1e-300;
  assert_int_equal(specot_sdot_solve_newton(ctx, &p2, &o, h2, &r), SPECOT_WARN_MAXITER);
  o.tol = -1;
  assert_int_equal(specot_sdot_solve_newton(ctx, &p2, &o, h2, &r), SPECOT_ERR_INVALID);
  /* a damped step is needed from the Voronoi start on a clustered toy: no halving allowed */
  {
    enum { nt = 64 };
    double yt[2 * nt], ht[nt];
    specot_rng rng;
    specot_rng_seed(&rng, 1);
    for (size_t k = 0; k < nt; ++k) { /* 8 tight clusters on a ring */
      const double a = 0.785398163397448 * (double)(k % 8);
      yt[2 * k] = cos(a) + 0.01 * specot_rng_normal(&rng);
      yt[2 * k + 1] = sin(a) + 0.01 * specot_rng_normal(&rng);
    }
    specot_sdot_problem pt = problem(nt, 2, yt, NULL, SPECOT_SDOT_CUBE);
    specot_sdot_newton_opts_init(&o);
    o.max_halvings = 0;
    assert_int_equal(specot_sdot_solve_newton(ctx, &pt, &o, ht, &r), SPECOT_ERR_NUMERICAL);
    assert_non_null(strstr(specot_ctx_errmsg(ctx), "line search"));
    o.max_halvings = 40;
    assert_int_equal(specot_sdot_solve_newton(ctx, &pt, &o, ht, &r), SPECOT_OK);
  }
  /* beyond the dense-Hessian budget */
  enum { big = 10001 };
  double *yb = calloc(big, sizeof *yb), *hb = calloc(big, sizeof *hb);
  for (size_t k = 0; k < big; ++k) yb[k] = (double)k / big;
  specot_sdot_problem pb = problem(big, 1, yb, NULL, SPECOT_SDOT_CUBE);
  assert_int_equal(specot_sdot_solve_newton(ctx, &pb, NULL, hb, &r), SPECOT_ERR_TOO_LARGE);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "n <= 10000"));
  free(yb), free(hb);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_1d_uniform_closed_form),
      cmocka_unit_test(test_1d_gauss_boundaries),
      cmocka_unit_test(test_slabs_2d),
      cmocka_unit_test(test_symmetry_2d),
      cmocka_unit_test(test_drag_shifted_source),
      cmocka_unit_test(test_hessian_fd),
      cmocka_unit_test(test_w2_primal_dual),
      cmocka_unit_test(test_exact_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
