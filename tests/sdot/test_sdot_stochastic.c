/* Semi-discrete OT, Monte-Carlo side: the assignment kernel's invariances
 * (spec aeot.md sec. 5.4), symmetric cases (5.3), the MC gradient against
 * finite differences of the MC energy (5.5), slabs by Adam (5.2), Newton vs
 * Adam vs ASGD agreement (5.7), Halton points, and the error paths. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sdot/sdot_internal.h"
#include "specot/sdot.h"
#include "test_support.h"

static specot_sdot_problem problem(size_t n, size_t d, const double *y, const double *nu,
                                   specot_sdot_source s) {
  specot_sdot_problem p = {n, d, y, nu, s};
  return p;
}

/* h + c 1, Y + t, (s Y, s h): identical cells (up to rounding ties). */
static void test_invariances(void **state) {
  (void)state;
  enum { n = 20, d = 3, N = 5000 };
  specot_rng rng;
  specot_rng_seed(&rng, 21);
  double y[n * d], y2[n * d], h[n], h2[n], *X = malloc(N * d * sizeof *X);
  size_t *i0 = malloc(N * sizeof *i0), *i1 = malloc(N * sizeof *i1);
  specot_rng_fill_normal(&rng, y, n * d, 0.0, 1.0);
  specot_rng_fill_normal(&rng, h, n, 0.0, 0.3);
  for (int src = 0; src < 2; ++src) {
    specot_sdot_source s = src ? SPECOT_SDOT_GAUSS : SPECOT_SDOT_CUBE;
    specot_sdot_sample(&rng, s, N, d, X);
    specot_sdot_problem p = problem(n, d, y, NULL, s), p2 = problem(n, d, y2, NULL, s);
    specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, n, d);
    assert_int_equal(specot_sdot_cells(NULL, ws, &p, h, N, X, i0, NULL, NULL, NULL), SPECOT_OK);
    for (int kind = 0; kind < 3; ++kind) {
      for (size_t j = 0; j < n; ++j) {
        h2[j] = kind == 0 ? h[j] + 3.7 : kind == 1 ? h[j] : 2.5 * h[j];
        for (size_t c = 0; c < d; ++c)
          y2[j * d + c] = kind == 1   ? y[j * d + c] + 0.3 * (double)(c + 1)
                          : kind == 2 ? 2.5 * y[j * d + c]
                                      : y[j * d + c];
      }
      assert_int_equal(specot_sdot_cells(NULL, ws, &p2, h2, N, X, i1, NULL, NULL, NULL), SPECOT_OK);
      size_t diff = 0;
      for (size_t k = 0; k < N; ++k) diff += i0[k] != i1[k];
      assert_true(diff <= 2);
    }
    specot_sdot_ws_free(ws);
  }
  free(X), free(i0), free(i1);
}

/* Central differences of the MC energy on a fixed sample equal its gradient
 * (empirical masses - nu): the energy is piecewise linear in h. */
static void test_mc_gradient_fd(void **state) {
  (void)state;
  enum { n = 15, d = 4, N = 20000 };
  specot_rng rng;
  specot_rng_seed(&rng, 8);
  double y[n * d], h[n], g[n], nu[n], E, Ep, Em, tot = 0.0;
  specot_rng_fill_normal(&rng, y, n * d, 0.0, 0.5);
  specot_rng_fill_normal(&rng, h, n, 0.0, 0.05);
  for (size_t j = 0; j < n; ++j) tot += (nu[j] = 0.5 + specot_rng_uniform(&rng));
  for (size_t j = 0; j < n; ++j) nu[j] /= tot;
  double *X = malloc(N * d * sizeof *X);
  assert_int_equal(specot_sdot_sample_halton(NULL, SPECOT_SDOT_CUBE, 1, N, d, X), SPECOT_OK);
  specot_sdot_problem p = problem(n, d, y, nu, SPECOT_SDOT_CUBE);
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, n, d);
  assert_int_equal(specot_sdot_energy(NULL, ws, &p, h, N, X, &E, g), SPECOT_OK);
  const double delta = 1e-9;
  for (size_t j = 0; j < n; ++j) {
    const double h0 = h[j];
    h[j] = h0 + delta;
    specot_sdot_energy(NULL, ws, &p, h, N, X, &Ep, NULL);
    h[j] = h0 - delta;
    specot_sdot_energy(NULL, ws, &p, h, N, X, &Em, NULL);
    h[j] = h0;
    assert_close((Ep - Em) / (2 * delta), g[j], 0.0, 1e-5);
  }
  free(X);
  specot_sdot_ws_free(ws);
}

/* 2^3 points (+-a)^3 at h = 0: masses 1/8 (binomial 5 sigma) and
 * W2 = 3 (1/12 - a/2 + a^2) from the MC energy; two targets +-a e1 split at x1 = 0. */
static void test_symmetry_mc(void **state) {
  (void)state;
  const double a = 0.2;
  double y[24], h[8] = {0}, mass[8], err, E;
  size_t empty;
  for (size_t j = 0; j < 8; ++j)
    for (size_t c = 0; c < 3; ++c) y[3 * j + c] = (j >> c) & 1 ? a : -a;
  specot_sdot_problem p = problem(8, 3, y, NULL, SPECOT_SDOT_CUBE);
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, 8, 3);
  specot_rng rng;
  specot_rng_seed(&rng, 2);
  enum { N = 200000 };
  assert_int_equal(specot_sdot_evaluate(NULL, ws, &p, h, N, &rng, mass, &err, &empty, &E),
                   SPECOT_OK);
  for (size_t j = 0; j < 8; ++j) assert_close(mass[j], 0.125, 0.0, 5 * sqrt(0.125 * 0.875 / N));
  assert_int_equal(empty, 0);
  /* E = E|x| per coordinate * a * 3 = 3 a / 4: exact for the cube, MC sd ~ a sqrt(3/48/N) */
  assert_close(specot_sdot_w2_from_energy(&p, E), 3 * (1.0 / 12 - a / 2 + a * a), 0.0, 5e-4);
  specot_sdot_ws_free(ws);
  const double y2[6] = {-a, 0, 0, a, 0, 0};
  specot_sdot_problem p2 = problem(2, 3, y2, NULL, SPECOT_SDOT_GAUSS);
  ws = specot_sdot_ws_alloc(NULL, 2, 3);
  double X[300];
  size_t idx[100];
  specot_sdot_sample(&rng, SPECOT_SDOT_GAUSS, 100, 3, X);
  assert_int_equal(specot_sdot_cells(NULL, ws, &p2, h, 100, X, idx, NULL, NULL, NULL), SPECOT_OK);
  for (size_t k = 0; k < 100; ++k) assert_int_equal(idx[k], X[3 * k] > 0 ? 1u : 0u);
  specot_sdot_ws_free(ws);
}

/* Slabs in d = 3 by Adam (decaying lr, Polyak average): h close to the 1-D
 * closed form and the evaluation-sample cell error below the tolerance. */
static void test_slabs_adam(void **state) {
  (void)state;
  if (specot_test_quick()) skip(); /* statistical, long: skipped under valgrind */
  enum { M = 5, d = 3 };
  double y[M * d], y1[M], h[M] = {0}, h1[M];
  for (size_t j = 0; j < M; ++j) {
    y1[j] = y[j * d] = ((double)j + 0.5) / M - 0.5;
    y[j * d + 1] = y[j * d + 2] = 0.0;
  }
  specot_sdot_problem p = problem(M, d, y, NULL, SPECOT_SDOT_CUBE);
  specot_sdot_problem p1 = problem(M, 1, y1, NULL, SPECOT_SDOT_CUBE);
  specot_sdot_result r;
  assert_int_equal(specot_sdot_solve_newton(NULL, &p1, NULL, h1, &r), SPECOT_OK);
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, M, d);
  specot_sdot_adam_opts o;
  specot_sdot_adam_opts_init(&o);
  o.lr = 2e-3, o.lr_decay = 100, o.batch_size = 10000, o.max_iter = 3000, o.average_from = 200;
  o.tol = 0.01, o.eval_samples = 1000000; /* noise sd 0.2 % per cell */
  assert_int_equal(specot_sdot_solve_adam(NULL, ws, &p, &o, h, &r), SPECOT_OK);
  assert_true(r.max_rel_error <= 0.015); /* re-measured on a fresh sample */
  assert_int_equal(r.empty_cells, 0);
  /* cell boundary error 1 % of 1/M => h error <= 0.01/M * |dy| summed over M cells */
  for (size_t j = 0; j < M; ++j) assert_close(h[j], h1[j], 0.0, 2e-3);
  specot_sdot_ws_free(ws);
}

/* sec. 5.7: 2-D Newton h* vs Adam and ASGD h on the same targets. */
static void test_agreement_2d(void **state) {
  (void)state;
  if (specot_test_quick()) skip(); /* statistical, long: skipped under valgrind */
  enum { n = 16 };
  specot_rng rng;
  specot_rng_seed(&rng, 17);
  double y[2 * n], hs[n], ha[n] = {0}, hg[n] = {0}, mass[n], err;
  specot_rng_fill_uniform(&rng, y, 2 * n, -0.5, 0.5);
  specot_sdot_problem p = problem(n, 2, y, NULL, SPECOT_SDOT_CUBE);
  specot_sdot_result rn, ra, rg;
  assert_int_equal(specot_sdot_solve_newton(NULL, &p, NULL, hs, &rn), SPECOT_OK);
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, n, 2);
  specot_sdot_adam_opts o;
  specot_sdot_adam_opts_init(&o);
  o.lr = 2e-3, o.lr_decay = 200, o.batch_size = 5000, o.max_iter = 3000, o.average_from = 300;
  o.tol = 0.02, o.eval_samples = 400000, o.qmc = 1;
  assert_int_equal(specot_sdot_solve_adam(NULL, ws, &p, &o, ha, &ra), SPECOT_OK);
  specot_sdot_asgd_opts g;
  specot_sdot_asgd_opts_init(&g);
  g.lr = 0.5, g.batch_size = 5000, g.max_iter = 3000, g.tol = 0.02, g.eval_samples = 400000;
  assert_int_equal(specot_sdot_solve_asgd(NULL, ws, &p, &g, hg, &rg), SPECOT_OK);
  /* DRAG's schedules: step lr t^-2/3, eps_t = 0.01 t^-1/3 (targets the unregularised h*) */
  double hd[n] = {0};
  specot_sdot_result rd;
  g.step_power = 2.0 / 3.0, g.eps_power = 1.0 / 3.0, g.eps = 0.01;
  assert_int_equal(specot_sdot_solve_asgd(NULL, ws, &p, &g, hd, &rd), SPECOT_OK);
  assert_true(rd.max_rel_error <= 0.03);
  for (size_t j = 0; j < n; ++j) {
    assert_close(ha[j], hs[j], 0.0, 2e-3);
    assert_close(hg[j], hs[j], 0.0, 2e-3);
    assert_close(hd[j], hs[j], 0.0, 2e-3);
  }
  /* independent check of the reported error on a fresh 4e5 sample */
  specot_rng_seed(&rng, 99);
  assert_int_equal(specot_sdot_evaluate(NULL, ws, &p, ha, 400000, &rng, mass, &err, NULL, NULL),
                   SPECOT_OK);
  assert_true(err <= 0.03);
  assert_close(ra.w2, rn.w2, 0.0, 1e-3);
  assert_close(rg.w2, rn.w2, 0.0, 1e-3);
  specot_sdot_ws_free(ws);
}

/* Gaussian source in 1-D: Adam's h matches Newton's. */
static void test_gauss_adam_vs_newton(void **state) {
  (void)state;
  if (specot_test_quick()) skip(); /* statistical, long: skipped under valgrind */
  const double y[5] = {-2, -.5, 0, 1, 3}, nu[5] = {.1, .3, .2, .25, .15};
  double hs[5], ha[5] = {0};
  specot_sdot_problem p = problem(5, 1, y, nu, SPECOT_SDOT_GAUSS);
  specot_sdot_result r;
  assert_int_equal(specot_sdot_solve_newton(NULL, &p, NULL, hs, &r), SPECOT_OK);
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, 5, 1);
  specot_sdot_adam_opts o;
  specot_sdot_adam_opts_init(&o);
  o.lr = 5e-2, o.lr_decay = 100, o.batch_size = 5000, o.max_iter = 3000, o.average_from = 200;
  o.tol = 0.01, o.eval_samples = 200000, o.bias_correction = 1, o.qmc = 1;
  const specot_status st = specot_sdot_solve_adam(NULL, ws, &p, &o, ha, &r);
  print_message("gauss adam: status %d, %zu steps, max rel error %g\n", (int)st, r.iterations,
                r.max_rel_error);
  assert_int_equal(st, SPECOT_OK);
  for (size_t j = 0; j < 5; ++j) assert_close(ha[j], hs[j], 0.0, 1e-2);
  specot_sdot_ws_free(ws);
}

/* Halton points: in the cube, mean close to 0 far beyond iid accuracy. */
static void test_halton(void **state) {
  (void)state;
  enum { N = 4096, d = 5 };
  double *X = malloc(N * d * sizeof *X), mean[d] = {0};
  assert_int_equal(specot_sdot_sample_halton(NULL, SPECOT_SDOT_CUBE, 1, N, d, X), SPECOT_OK);
  for (size_t k = 0; k < N * d; ++k) {
    assert_true(X[k] > -0.5 && X[k] < 0.5);
    mean[k % d] += X[k] / N;
  }
  for (size_t c = 0; c < d; ++c) assert_close(mean[c], 0.0, 0.0, 2e-3);
  assert_int_equal(specot_sdot_sample_halton(NULL, SPECOT_SDOT_GAUSS, 1, N, 1, X), SPECOT_OK);
  double m2 = 0.0;
  for (size_t k = 0; k < N; ++k) m2 += X[k] * X[k] / N;
  assert_close(m2, 1.0, 0.0, 2e-2);
  assert_int_equal(specot_sdot_sample_halton(NULL, SPECOT_SDOT_CUBE, 1, 1, 65, X),
                   SPECOT_ERR_INVALID);
  free(X);
}

/* The AVX2 argmax kernel (solver hot loop) and the dgemm kernel give the same
 * cells: masses from the same evaluation stream agree up to points within
 * rounding of a facet (at most 2 of 10^5 here). */
static void test_fast_kernel_matches_dgemm(void **state) {
  (void)state;
  for (size_t d = 1; d <= 9; d += 4) {
    const size_t n = 37 + d, N = 100000;
    specot_rng rng;
    specot_rng_seed(&rng, 40 + d);
    double *y = malloc(n * d * sizeof *y), *h = malloc(n * sizeof *h);
    double *m1 = malloc(n * sizeof *m1), *m2 = malloc(n * sizeof *m2), e1, e2;
    specot_rng_fill_normal(&rng, y, n * d, 0.0, 0.3);
    specot_rng_fill_normal(&rng, h, n, 0.0, 0.02);
    specot_sdot_problem p = problem(n, d, y, NULL, SPECOT_SDOT_CUBE);
    specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, n, d);
    const int had_fast = ws->fast;
    specot_rng r2;
    specot_rng_seed(&r2, 5);
    ws->fast = 0;
    assert_int_equal(specot_sdot_evaluate(NULL, ws, &p, h, N, &r2, m2, NULL, NULL, &e2), SPECOT_OK);
    for (int kind = had_fast; kind >= 1; --kind) { /* AVX-512 (2), then AVX2 (1) */
      specot_rng r1;
      specot_rng_seed(&r1, 5);
      ws->fast = kind;
      assert_int_equal(specot_sdot_evaluate(NULL, ws, &p, h, N, &r1, m1, NULL, NULL, &e1),
                       SPECOT_OK);
      double diff = 0.0;
      for (size_t j = 0; j < n; ++j) diff += fabs(m1[j] - m2[j]) * (double)N;
      assert_true(diff <= 4.0); /* each moved point changes two counts */
      assert_close(e1, e2, 0.0, 1e-12);
    }
    ws->fast = had_fast;
    if (!had_fast) print_message("no AVX2: only the dgemm kernel was run\n");
    free(y), free(h), free(m1), free(m2);
    specot_sdot_ws_free(ws);
  }
}

/* At the step cap the final evaluation of the returned heights decides: a
 * run with no periodic check (eval_every > max_iter) that starts at the
 * symmetric optimum h* = 0 meets tol = 0.05 (OK), and a tol it cannot meet
 * gives WARN_MAXITER with the measured error above tol. */
static void test_final_evaluation_decides(void **state) {
  (void)state;
  const double y[2] = {-0.25, 0.25};
  double h[2] = {0, 0};
  specot_sdot_result r;
  specot_sdot_problem p = problem(2, 1, y, NULL, SPECOT_SDOT_CUBE);
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, 2, 1);
  specot_sdot_adam_opts o;
  specot_sdot_adam_opts_init(&o);
  o.lr = 1e-9, o.max_iter = 2, o.eval_every = 1000, o.tol = 0.05, o.eval_samples = 100000;
  assert_int_equal(specot_sdot_solve_adam(NULL, ws, &p, &o, h, &r), SPECOT_OK);
  assert_true(r.max_rel_error <= 0.05);
  specot_sdot_asgd_opts g;
  specot_sdot_asgd_opts_init(&g);
  g.lr = 1e-9, g.max_iter = 2, g.eval_every = 1000, g.tol = 0.05, g.eval_samples = 100000;
  h[0] = h[1] = 0.0;
  assert_int_equal(specot_sdot_solve_asgd(NULL, ws, &p, &g, h, &r), SPECOT_OK);
  assert_true(r.max_rel_error <= 0.05);
  o.tol = 1e-9;
  h[0] = h[1] = 0.0;
  assert_int_equal(specot_sdot_solve_adam(NULL, ws, &p, &o, h, &r), SPECOT_WARN_MAXITER);
  assert_true(r.max_rel_error > 1e-9);
  specot_sdot_ws_free(ws);
}

static void test_stochastic_errors(void **state) {
  (void)state;
  const double y[4] = {0, 0, 1, 1}, nu[2] = {0.5, 0.6};
  double h[2] = {0}, X[4] = {0};
  specot_sdot_result r;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_sdot_problem p = problem(2, 2, y, NULL, SPECOT_SDOT_CUBE);
  specot_sdot_ws *ws3 = specot_sdot_ws_alloc(ctx, 2, 3), *ws = specot_sdot_ws_alloc(ctx, 2, 2);
  assert_null(specot_sdot_ws_alloc(ctx, 0, 2));
  assert_int_equal(specot_sdot_solve_adam(ctx, ws3, &p, NULL, h, &r), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "d = 3"));
  assert_int_equal(specot_sdot_cells(ctx, ws3, &p, h, 2, X, NULL, NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  p.nu = nu;
  assert_int_equal(specot_sdot_solve_asgd(ctx, ws, &p, NULL, h, &r), SPECOT_ERR_INFEASIBLE);
  p.nu = NULL;
  specot_sdot_adam_opts o;
  specot_sdot_adam_opts_init(&o);
  o.lr = -1;
  assert_int_equal(specot_sdot_solve_adam(ctx, ws, &p, &o, h, &r), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "lr"));
  specot_sdot_adam_opts_init(&o);
  o.beta1 = 1.0;
  assert_int_equal(specot_sdot_solve_adam(ctx, ws, &p, &o, h, &r), SPECOT_ERR_INVALID);
  specot_sdot_adam_opts_init(&o);
  o.max_iter = 3, o.tol = 0.0, o.batch_size = 100, o.eval_samples = 100;
  assert_int_equal(specot_sdot_solve_adam(ctx, ws, &p, &o, h, &r), SPECOT_WARN_MAXITER);
  assert_int_equal(r.iterations, 3);
  specot_sdot_asgd_opts g;
  specot_sdot_asgd_opts_init(&g);
  g.eps = -1;
  assert_int_equal(specot_sdot_solve_asgd(ctx, ws, &p, &g, h, &r), SPECOT_ERR_INVALID);
  specot_sdot_asgd_opts_init(&g);
  g.step_power = 1.5;
  assert_int_equal(specot_sdot_solve_asgd(ctx, ws, &p, &g, h, &r), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "step_power"));
  h[0] = NAN;
  assert_int_equal(specot_sdot_solve_asgd(ctx, ws, &p, NULL, h, &r), SPECOT_ERR_INVALID);
  assert_int_equal(specot_sdot_energy(ctx, ws, &p, h, 2, X, NULL, NULL), SPECOT_ERR_INVALID);
  h[0] = 0;
  assert_int_equal(specot_sdot_energy(ctx, ws, &p, h, 0, X, NULL, NULL), SPECOT_ERR_INVALID);
  const double yinf[4] = {0, INFINITY, 1, 1};
  p.y = yinf;
  assert_int_equal(specot_sdot_check(ctx, &p), SPECOT_ERR_INVALID);
  specot_sdot_ws_free(ws3), specot_sdot_ws_free(ws);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_invariances),
      cmocka_unit_test(test_mc_gradient_fd),
      cmocka_unit_test(test_symmetry_mc),
      cmocka_unit_test(test_slabs_adam),
      cmocka_unit_test(test_agreement_2d),
      cmocka_unit_test(test_gauss_adam_vs_newton),
      cmocka_unit_test(test_halton),
      cmocka_unit_test(test_fast_kernel_matches_dgemm),
      cmocka_unit_test(test_final_evaluation_decides),
      cmocka_unit_test(test_stochastic_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
