/* Symmetric self-transport solve (specot_ot_sinkhorn_sym_solve_points): the
 * shk_dp_memory.md sec. 8.4 values (OT(q,q), f_qq, T_qq), agreement with the
 * divergence's self terms, plan marginals, warm starts, status paths. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/ot.h"
#include "specot/rng.h"
#include "test_support.h"

static const double QX[] = {0.2, 0.1, 0.9, -0.1, -0.1, 1.2, 1.1, 0.8};
static const double QA[] = {0.3, 0.2, 0.25, 0.25};

static specot_ot_sinkhorn_opts tight(void) {
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  o.tol = 1e-14;
  return o;
}

static void test_spec_values(void **state) {
  (void)state;
  specot_ot_sinkhorn_ws *ws = NULL;
  specot_ot_sinkhorn_opts o = tight();
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(NULL, 4, 4, 2, &o, &ws), SPECOT_OK);
  double p[4], plan[16];
  specot_ot_sinkhorn_result r;
  assert_int_equal(
      specot_ot_sinkhorn_sym_solve_points(NULL, ws, QA, QX, 0.5, 0.25, &o, p, plan, &r),
      SPECOT_OK);
  assert_close(r.dual_objective, 0.270472692715, 0.0, 1e-11);
  assert_close(r.regularized_cost, 0.270472692715, 0.0, 1e-11);
  const double fqq[] = {0.108107465012, 0.133878652691, 0.159777523671, 0.144335981591};
  assert_all_close(p, fqq, 4, 0.0, 1e-11);
  /* T_qq(x_i) = sum_k pi_ik x_k / a_i */
  const double Tqq[] = {0.357295311297, 0.158835809301, 0.732535463458, 0.084651382342,
                        -0.03622456426, 1.11079710472,  0.981441819938, 0.670878818246};
  for (size_t i = 0; i < 4; ++i)
    for (size_t c = 0; c < 2; ++c) {
      double t = 0.0;
      for (size_t k = 0; k < 4; ++k) t += plan[i * 4 + k] * QX[k * 2 + c];
      assert_close(t / QA[i], Tqq[i * 2 + c], 0.0, 1e-10);
    }
  assert_true(r.lower_bound <= r.cost + 1e-12);
  specot_ot_sinkhorn_ws_free(ws);
}

/* Same value as the divergence's self term; plan rows and columns = a; warm start. */
static void test_random(void **state) {
  (void)state;
  specot_rng rng;
  specot_rng_seed(&rng, 5);
  enum { n = 37, d = 3 };
  double X[n * d], a[n], p[n], plan[n * n], sa = 0.0;
  specot_rng_fill_normal(&rng, X, n * d, 0.0, 1.0);
  for (size_t i = 0; i < n; ++i) sa += (a[i] = i == 7 ? 0.0 : 0.2 + specot_rng_uniform(&rng));
  for (size_t i = 0; i < n; ++i) a[i] /= sa; /* a zero-mass atom, unit total */
  specot_ot_sinkhorn_opts o = tight();
  o.tol = 1e-9; /* the divergence's cross solve stalls near 2e-10 here */
  specot_ot_divergence_result dv;
  const specot_status dst = specot_ot_divergence(NULL, n, n, d, X, a, X, a, 1.0, 0.3, &o, NULL,
                                                 NULL, NULL, NULL, &dv);
  assert_int_equal(dst, SPECOT_OK);
  o.tol = 1e-13;
  specot_ot_sinkhorn_ws *ws = NULL;
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(NULL, n, n, d, &o, &ws), SPECOT_OK);
  specot_ot_sinkhorn_result r, r2;
  assert_int_equal(specot_ot_sinkhorn_sym_solve_points(NULL, ws, a, X, 1.0, 0.3, &o, p, plan, &r),
                   SPECOT_OK);
  assert_close(r.dual_objective, dv.ot_xx, 1e-8, 1e-10);
  for (size_t i = 0; i < n; ++i) {
    double row = 0.0, col = 0.0;
    for (size_t k = 0; k < n; ++k) {
      row += plan[i * n + k];
      col += plan[k * n + i];
    }
    assert_close(row, a[i], 0.0, 1e-12);
    assert_close(col, a[i], 0.0, 1e-12);
  }
  assert_true(isfinite(p[7]));
  /* warm start from the solution: (almost) no iterations, same value */
  o.warm_start = 1;
  assert_int_equal(specot_ot_sinkhorn_sym_solve_points(NULL, ws, a, X, 1.0, 0.3, &o, p, NULL, &r2),
                   SPECOT_OK);
  assert_true(r2.iterations <= 1);
  assert_true(r.iterations > r2.iterations);
  assert_close(r2.dual_objective, r.dual_objective, 1e-12, 1e-14);
  specot_ot_sinkhorn_ws_free(ws);
}

static void test_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_ot_sinkhorn_ws *rect = NULL, *nod = NULL, *ws = NULL;
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(ctx, 4, 3, 2, NULL, &rect), SPECOT_OK);
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(ctx, 4, 4, 0, NULL, &nod), SPECOT_OK);
  assert_int_equal(specot_ot_sinkhorn_ws_alloc(ctx, 4, 4, 2, NULL, &ws), SPECOT_OK);
  double p[4];
  specot_ot_sinkhorn_result r;
  assert_int_equal(specot_ot_sinkhorn_sym_solve_points(ctx, rect, QA, QX, 0.5, 1, NULL, p, NULL, &r),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "n x n"));
  assert_int_equal(specot_ot_sinkhorn_sym_solve_points(ctx, nod, QA, QX, 0.5, 1, NULL, p, NULL, &r),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_sinkhorn_sym_solve_points(ctx, NULL, QA, QX, 0.5, 1, NULL, p, NULL, &r),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_sinkhorn_sym_solve_points(ctx, ws, QA, QX, 0.5, 1, NULL, NULL, NULL, &r),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_ot_sinkhorn_sym_solve_points(ctx, ws, QA, QX, 0.5, 0.0, NULL, p, NULL, &r),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "eps"));
  assert_int_equal(specot_ot_sinkhorn_sym_solve_points(ctx, ws, QA, QX, -1, 1, NULL, p, NULL, &r),
                   SPECOT_ERR_INVALID);
  const double bad_a[] = {0.3, -0.2, 0.5, 0.4};
  assert_int_equal(specot_ot_sinkhorn_sym_solve_points(ctx, ws, bad_a, QX, 0.5, 1, NULL, p, NULL, &r),
                   SPECOT_ERR_INVALID);
  double X[8];
  memcpy(X, QX, sizeof X);
  X[2] = NAN;
  assert_int_equal(specot_ot_sinkhorn_sym_solve_points(ctx, ws, QA, X, 0.5, 1, NULL, p, NULL, &r),
                   SPECOT_ERR_INVALID);
  X[2] = 1e200;
  assert_int_equal(specot_ot_sinkhorn_sym_solve_points(ctx, ws, QA, X, 0.5, 1, NULL, p, NULL, &r),
                   SPECOT_ERR_NUMERICAL);
  specot_ot_sinkhorn_opts o;
  specot_ot_sinkhorn_opts_init(&o);
  o.warm_start = 1;
  p[0] = NAN;
  assert_int_equal(specot_ot_sinkhorn_sym_solve_points(ctx, ws, QA, QX, 0.5, 1, &o, p, NULL, &r),
                   SPECOT_ERR_INVALID);
  specot_ot_sinkhorn_opts_init(&o);
  o.max_iter = 1;
  o.eps_scaling = 0;
  assert_int_equal(specot_ot_sinkhorn_sym_solve_points(ctx, ws, QA, QX, 0.5, 0.01, &o, p, NULL, &r),
                   SPECOT_WARN_MAXITER);
  assert_int_equal(r.status, SPECOT_WARN_MAXITER);
  specot_ot_sinkhorn_ws_free(rect);
  specot_ot_sinkhorn_ws_free(nod);
  specot_ot_sinkhorn_ws_free(ws);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spec_values),
      cmocka_unit_test(test_random),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
