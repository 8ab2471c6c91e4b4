/* Spectral transport: properties on random instances with fixed seeds
 * (spec section 6 bounds, invariances, triangle inequality, monotonicity,
 * certificates) and geodesic midpoints (T6 and random). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "specot/ot.h"
#include "specot/rng.h"
#include "specot/spectral.h"
#include "test_support.h"

enum { N = 14, M = 11, D = 3 };

typedef struct inst {
  double X[N * D], Y[M * D], a[N], b[M];
} inst;

static void make_instance(inst *in, uint64_t seed) {
  specot_rng r;
  specot_rng_seed(&r, seed);
  specot_rng_fill_normal(&r, in->X, N * D, 0.0, 1.0);
  specot_rng_fill_normal(&r, in->Y, M * D, 0.3, 1.0);
  for (size_t j = 0; j < M; ++j) in->Y[j * D] *= 2.0; /* anisotropic target */
  double sa = 0, sb = 0;
  for (size_t i = 0; i < N; ++i) sa += in->a[i] = 0.2 + specot_rng_uniform(&r);
  for (size_t j = 0; j < M; ++j) sb += in->b[j] = 0.2 + specot_rng_uniform(&r);
  for (size_t i = 0; i < N; ++i) in->a[i] /= sa;
  for (size_t j = 0; j < M; ++j) in->b[j] /= sb;
}

/* UB and LB with tolerance 1e-8 (about the accuracy limit of the smoothed
 * master for p = inf / Ky Fan). */
static double solve(const specot_gauge *g, const double *X, size_t n, const double *a,
                    const double *Y, size_t m, const double *b, size_t d, double *lb) {
  specot_ctx *ctx = specot_ctx_alloc();
  specot_spectral_opts opts;
  specot_spectral_opts_init(&opts);
  opts.tol = 1e-8;
  double ub = NAN, l = NAN;
  const specot_status st =
      specot_spectral_transport(ctx, g, X, n, a, Y, m, b, d, &opts, &ub, &l);
  if (st != SPECOT_OK)
    fprintf(stderr, "gauge (%d, %g, %zu) status %d: %s\n", (int)g->kind, g->p, g->k, (int)st,
            specot_ctx_errmsg(ctx));
  assert_int_equal(st, SPECOT_OK);
  assert_true(ub - l >= -1e-12 * ub);
  assert_true(ub - l <= 1e-8 * ub + 1e-14);
  if (lb) *lb = l;
  specot_ctx_free(ctx);
  return ub;
}

static double solve_inst(const specot_gauge *g, const inst *in) {
  return solve(g, in->X, N, in->a, in->Y, M, in->b, D, NULL);
}

/* Section 6: Schatten bounds, monotonicity in p, Ky Fan ordering, mean bound. */
static void test_comparison_bounds(void **state) {
  (void)state;
  const double ps[] = {1, 1.5, 2, 3, INFINITY};
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    inst in;
    make_instance(&in, seed);
    double w[5];
    for (int i = 0; i < 5; ++i) {
      const specot_gauge g = specot_gauge_schatten(ps[i]);
      w[i] = solve_inst(&g, &in);
    }
    const double w2 = w[0], tol = 3e-8;
    for (int i = 1; i < 5; ++i) {
      const double lowc = isinf(ps[i]) ? 1.0 / D : pow((double)D, 1.0 / ps[i] - 1.0);
      assert_true(w[i] >= lowc * w2 * (1 - tol));
      assert_true(w[i] <= w2 * (1 + tol));
      /* Monotone: W_{p'} <= W_p <= d^{1/p - 1/p'} W_{p'} for p <= p'. */
      assert_true(w[i] <= w[i - 1] * (1 + tol));
      const double e = (1.0 / ps[i - 1]) - (isinf(ps[i]) ? 0.0 : 1.0 / ps[i]);
      assert_true(w[i - 1] <= pow((double)D, e) * w[i] * (1 + tol));
    }
    double kf[D + 1];
    for (size_t k = 1; k <= D; ++k) {
      const specot_gauge g = specot_gauge_kyfan(k);
      kf[k] = solve_inst(&g, &in);
      assert_true(kf[k] >= (double)k / D * w2 * (1 - tol));
      assert_true(kf[k] <= (double)k * w[4] * (1 + tol));
      if (k > 1) assert_true(kf[k] >= kf[k - 1] * (1 - tol));
    }
    assert_close(kf[1], w[4], 3e-8, 0);
    assert_close(kf[D], w2, 1e-10, 0);
    /* Mean bound W^2 >= |m_mu - m_nu|^2. */
    double dm2 = 0;
    for (size_t l = 0; l < D; ++l) {
      double mx = 0, my = 0;
      for (size_t i = 0; i < N; ++i) mx += in.a[i] * in.X[i * D + l];
      for (size_t j = 0; j < M; ++j) my += in.b[j] * in.Y[j * D + l];
      dm2 += (mx - my) * (mx - my);
    }
    for (int i = 0; i < 5; ++i) assert_true(w[i] >= dm2 * (1 - tol));
  }
}

/* Sliced bound W_p^2 >= W_2^2(u#mu, u#nu) for random unit u, and the
 * certified LB below other methods' values (product plan, W2 plan). */
static void test_sliced_and_other_methods(void **state) {
  (void)state;
  inst in;
  make_instance(&in, 11);
  specot_rng r;
  specot_rng_seed(&r, 99);
  const specot_gauge ginf = specot_gauge_schatten(INFINITY), g2 = specot_gauge_schatten(2);
  double lbinf = 0, lb2 = 0;
  const double winf = solve(&ginf, in.X, N, in.a, in.Y, M, in.b, D, &lbinf);
  const double w2 = solve(&g2, in.X, N, in.a, in.Y, M, in.b, D, &lb2);
  for (int t = 0; t < 20; ++t) {
    double u[D], nrm = 0, px[N], py[M];
    for (size_t l = 0; l < D; ++l) {
      u[l] = specot_rng_normal(&r);
      nrm += u[l] * u[l];
    }
    for (size_t l = 0; l < D; ++l) u[l] /= sqrt(nrm);
    for (size_t i = 0; i < N; ++i) {
      px[i] = 0;
      for (size_t l = 0; l < D; ++l) px[i] += u[l] * in.X[i * D + l];
    }
    for (size_t j = 0; j < M; ++j) {
      py[j] = 0;
      for (size_t l = 0; l < D; ++l) py[j] += u[l] * in.Y[j * D + l];
    }
    specot_ot_emd_result res;
    assert_int_equal(specot_ot_emd_1d(NULL, N, M, px, in.a, py, in.b, NULL, &res, NULL, NULL, NULL,
                                      NULL, NULL),
                     SPECOT_OK);
    assert_true(winf >= res.cost * (1 - 1e-8));
    assert_true(w2 >= res.cost * (1 - 1e-8));
  }
  /* Product plan a b^T and the W2 plan are feasible: LB <= gamma(Sigma(pi)). */
  size_t rows[N * M], cols[N * M];
  double mass[N * M], S[D * D], v;
  size_t t = 0;
  for (size_t i = 0; i < N; ++i)
    for (size_t j = 0; j < M; ++j, ++t) {
      rows[t] = i;
      cols[t] = j;
      mass[t] = in.a[i] * in.b[j];
    }
  assert_int_equal(specot_spectral_sigma(NULL, in.X, N, in.Y, M, D, rows, cols, mass, t, S),
                   SPECOT_OK);
  assert_int_equal(specot_spectral_gauge_value(NULL, &ginf, S, D, &v), SPECOT_OK);
  assert_true(lbinf <= v);
  assert_int_equal(specot_spectral_gauge_value(NULL, &g2, S, D, &v), SPECOT_OK);
  assert_true(lb2 <= v);
  double C[N * M];
  assert_int_equal(specot_ot_cost_sqeuclidean(NULL, N, M, D, in.X, in.Y, NULL, 0, C), SPECOT_OK);
  specot_ot_emd_result er;
  const size_t nnz0 = N + M - 1;
  (void)nnz0;
  assert_int_equal(specot_ot_emd(NULL, N, M, in.a, in.b, C, NULL, &er, rows, cols, mass, NULL, NULL),
                   SPECOT_OK);
  assert_int_equal(specot_spectral_sigma(NULL, in.X, N, in.Y, M, D, rows, cols, mass, er.nnz, S),
                   SPECOT_OK);
  assert_int_equal(specot_spectral_gauge_value(NULL, &ginf, S, D, &v), SPECOT_OK);
  assert_true(lbinf <= v * (1 + 1e-12));
  assert_int_equal(specot_spectral_gauge_value(NULL, &g2, S, D, &v), SPECOT_OK);
  assert_true(lb2 <= v * (1 + 1e-12));
}

/* Common rotation and translation invariance; scaling W(s mu, s nu)^2 = s^2 W^2. */
static void test_invariances(void **state) {
  (void)state;
  inst in, tr;
  make_instance(&in, 5);
  const double c = cos(0.7), s = sin(0.7), c2 = cos(-1.1), s2 = sin(-1.1);
  /* R = R_z(0.7) R_x(-1.1). */
  const double Rx[9] = {1, 0, 0, 0, c2, -s2, 0, s2, c2};
  const double Rz[9] = {c, -s, 0, s, c, 0, 0, 0, 1};
  double R[9];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      R[i * 3 + j] = 0;
      for (int l = 0; l < 3; ++l) R[i * 3 + j] += Rz[i * 3 + l] * Rx[l * 3 + j];
    }
  const double shift[3] = {5.0, -3.0, 2.0};
  tr = in;
  for (size_t i = 0; i < N; ++i)
    for (int l = 0; l < 3; ++l) {
      tr.X[i * D + l] = shift[l];
      for (int q = 0; q < 3; ++q) tr.X[i * D + l] += R[l * 3 + q] * in.X[i * D + q];
    }
  for (size_t j = 0; j < M; ++j)
    for (int l = 0; l < 3; ++l) {
      tr.Y[j * D + l] = shift[l];
      for (int q = 0; q < 3; ++q) tr.Y[j * D + l] += R[l * 3 + q] * in.Y[j * D + q];
    }
  const specot_gauge gs[] = {specot_gauge_schatten(2), specot_gauge_schatten(INFINITY),
                             specot_gauge_kyfan(2)};
  for (int i = 0; i < 3; ++i) {
    const double w = solve_inst(&gs[i], &in);
    assert_close(solve_inst(&gs[i], &tr), w, 3e-8, 0);
    inst sc = in;
    for (size_t t = 0; t < N * D; ++t) sc.X[t] *= -2.5;
    for (size_t t = 0; t < M * D; ++t) sc.Y[t] *= -2.5;
    assert_close(solve_inst(&gs[i], &sc), 6.25 * w, 3e-8, 0);
  }
}

/* Triangle inequality for W (not W^2) on random triples; symmetry. */
static void test_triangle_symmetry(void **state) {
  (void)state;
  enum { n = 9 };
  specot_rng r;
  specot_rng_seed(&r, 2024);
  const specot_gauge gs[] = {specot_gauge_schatten(2), specot_gauge_schatten(INFINITY),
                             specot_gauge_kyfan(1)};
  for (int trial = 0; trial < 3; ++trial) {
    double P[3][n * 2];
    for (int k = 0; k < 3; ++k) specot_rng_fill_normal(&r, P[k], n * 2, 0.5 * k, 1.0 + 0.3 * k);
    for (int i = 0; i < 3; ++i) {
      const double ab = sqrt(solve(&gs[i], P[0], n, NULL, P[1], n, NULL, 2, NULL));
      const double bc = sqrt(solve(&gs[i], P[1], n, NULL, P[2], n, NULL, 2, NULL));
      const double ac = sqrt(solve(&gs[i], P[0], n, NULL, P[2], n, NULL, 2, NULL));
      const double ba = sqrt(solve(&gs[i], P[1], n, NULL, P[0], n, NULL, 2, NULL));
      assert_true(ac <= ab + bc + 1e-8);
      assert_true(ab <= ac + bc + 1e-8);
      assert_close(ab, ba, 3e-8, 0);
    }
  }
}

/* Midpoints: W(mu_0, mu_1/2)^2 = W(mu_1/4, mu_3/4)^2 = W^2/4 (T6 values). */
static void test_geodesic_midpoints(void **state) {
  (void)state;
  const double X[] = {-1.2, -1.2, 1.2, -1.5, -0.8, 1.6};
  const double Y[] = {0.8, 0.4, -1.7, -1.7, -1.7, -1.3};
  const double ps[] = {2, INFINITY};
  const double ref[] = {0.77030803405458, 0.54766520248141};
  for (int i = 0; i < 2; ++i) {
    const specot_gauge g = specot_gauge_schatten(ps[i]);
    specot_spectral_ws *ws = specot_spectral_ws_alloc(NULL, 3, 3, 2, 0);
    specot_spectral_opts opts;
    specot_spectral_opts_init(&opts);
    opts.tol = 1e-10;
    specot_spectral_result res;
    assert_true(specot_spectral_solve(NULL, ws, &g, X, NULL, Y, NULL, &opts, &res) >= 0);
    const size_t nnz = res.plan_nnz;
    double Z0[18], Zh[18], Zq[18], Z3[18], w0[9], wh[9], wq[9], w3[9];
    assert_int_equal(specot_spectral_geodesic(NULL, X, 3, Y, 3, 2, res.plan_rows, res.plan_cols,
                                              res.plan_mass, nnz, 0.0, Z0, w0),
                     SPECOT_OK);
    specot_spectral_geodesic(NULL, X, 3, Y, 3, 2, res.plan_rows, res.plan_cols, res.plan_mass, nnz,
                             0.5, Zh, wh);
    specot_spectral_geodesic(NULL, X, 3, Y, 3, 2, res.plan_rows, res.plan_cols, res.plan_mass, nnz,
                             0.25, Zq, wq);
    specot_spectral_geodesic(NULL, X, 3, Y, 3, 2, res.plan_rows, res.plan_cols, res.plan_mass, nnz,
                             0.75, Z3, w3);
    assert_close(solve(&g, Z0, nnz, w0, Zh, nnz, wh, 2, NULL), ref[i], 1e-8, 0);
    assert_close(solve(&g, Zq, nnz, wq, Z3, nnz, w3, 2, NULL), ref[i], 1e-8, 0);
    /* Errors. */
    assert_int_equal(specot_spectral_geodesic(NULL, X, 3, Y, 3, 2, res.plan_rows, res.plan_cols,
                                              res.plan_mass, nnz, 1.5, Z0, w0),
                     SPECOT_ERR_INVALID);
    const size_t badrow[1] = {7}, badcol[1] = {0};
    const double one[1] = {1.0};
    assert_int_equal(
        specot_spectral_geodesic(NULL, X, 3, Y, 3, 2, badrow, badcol, one, 1, 0.5, Z0, w0),
        SPECOT_ERR_INVALID);
    specot_spectral_ws_free(ws);
  }
}

/* Gauge helpers: LMO value identity, projections land in K, sigma errors. */
static void test_gauge_helpers(void **state) {
  (void)state;
  specot_rng r;
  specot_rng_seed(&r, 3);
  double G[16], S[16], Q[16], P[16], v, vq;
  specot_rng_fill_normal(&r, G, 16, 0, 1);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      S[i * 4 + j] = 0;
      for (int l = 0; l < 4; ++l) S[i * 4 + j] += G[i * 4 + l] * G[j * 4 + l];
    }
  const specot_gauge gs[] = {specot_gauge_schatten(1), specot_gauge_schatten(1.5),
                             specot_gauge_schatten(2), specot_gauge_schatten(7),
                             specot_gauge_schatten(INFINITY), specot_gauge_kyfan(2)};
  for (int i = 0; i < 6; ++i) {
    assert_int_equal(specot_spectral_gauge_value(NULL, &gs[i], S, 4, &v), SPECOT_OK);
    assert_int_equal(specot_spectral_gauge_lmo(NULL, &gs[i], S, 4, Q), SPECOT_OK);
    vq = 0;
    for (int t = 0; t < 16; ++t) vq += Q[t] * S[t];
    assert_close(vq, v, 1e-12, 0); /* <LMO(S), S> = gamma(S) */
    /* Projection of a random symmetric matrix is in K: <P, S> <= gamma(S). */
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) P[a * 4 + b] = G[a * 4 + b] + G[b * 4 + a];
    assert_int_equal(specot_spectral_gauge_project(NULL, &gs[i], P, 4, Q), SPECOT_OK);
    vq = 0;
    for (int t = 0; t < 16; ++t) vq += Q[t] * S[t];
    assert_true(vq <= v * (1 + 1e-12));
    /* Projecting an element of K leaves it in place. */
    assert_int_equal(specot_spectral_gauge_lmo(NULL, &gs[i], S, 4, Q), SPECOT_OK);
    assert_int_equal(specot_spectral_gauge_project(NULL, &gs[i], Q, 4, P), SPECOT_OK);
    assert_all_close(P, Q, 16, 1e-9, 1e-12);
  }
  /* Closed forms: gamma_p(diag(3, 4)) and Ky Fan. */
  const double Dg[4] = {3, 0, 0, 4};
  const specot_gauge g2 = specot_gauge_schatten(2), k1 = specot_gauge_kyfan(1);
  specot_spectral_gauge_value(NULL, &g2, Dg, 2, &v);
  assert_close(v, 5.0, 1e-15, 0);
  specot_spectral_gauge_value(NULL, &k1, Dg, 2, &v);
  assert_close(v, 4.0, 1e-15, 0);
  /* Large p does not overflow. */
  const double big[4] = {1e300, 0, 0, 1e300};
  const specot_gauge g50 = specot_gauge_schatten(50);
  assert_int_equal(specot_spectral_gauge_value(NULL, &g50, big, 2, &v), SPECOT_OK);
  assert_close(v, 1e300 * pow(2.0, 1.0 / 50), 1e-12, 0);
  /* Errors. */
  const double nanm[4] = {1, NAN, NAN, 1};
  assert_int_equal(specot_spectral_gauge_value(NULL, &g2, nanm, 2, &v), SPECOT_ERR_INVALID);
  assert_int_equal(specot_spectral_gauge_value(NULL, &g2, Dg, 0, &v), SPECOT_ERR_INVALID);
  assert_int_equal(specot_spectral_gauge_value(NULL, NULL, Dg, 2, &v), SPECOT_ERR_INVALID);
  specot_gauge weird = {(specot_gauge_kind)9, 2.0, 0};
  assert_int_equal(specot_spectral_gauge_lmo(NULL, &weird, Dg, 2, Q), SPECOT_ERR_INVALID);
  const double X[2] = {0, 1}, Y[2] = {1, 2};
  const size_t row[1] = {0}, col[1] = {5};
  const double mneg[1] = {-1.0}, mone[1] = {1.0};
  const size_t col0[1] = {0};
  assert_int_equal(specot_spectral_sigma(NULL, X, 1, Y, 1, 2, row, col, mone, 1, S),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_spectral_sigma(NULL, X, 1, Y, 1, 2, row, col0, mneg, 1, S),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_spectral_sigma(NULL, X, 1, Y, 1, 2, row, col0, mone, 1, S), SPECOT_OK);
  const double Se[4] = {1, 1, 1, 1};
  assert_all_close(S, Se, 4, 0, 1e-15);
}

/* Max-iterations warning: outputs valid bounds with status > 0. */
static void test_maxiter_warning(void **state) {
  (void)state;
  inst in;
  make_instance(&in, 8);
  specot_ctx *ctx = specot_ctx_alloc();
  specot_spectral_ws *ws = specot_spectral_ws_alloc(ctx, N, M, D, 0);
  specot_spectral_opts opts;
  specot_spectral_opts_init(&opts);
  opts.max_iter = 2;
  opts.tol = 1e-12;
  specot_spectral_result res;
  const specot_gauge g = specot_gauge_schatten(INFINITY);
  assert_int_equal(specot_spectral_solve(ctx, ws, &g, in.X, in.a, in.Y, in.b, &opts, &res),
                   SPECOT_WARN_MAXITER);
  assert_int_equal(res.status, SPECOT_WARN_MAXITER);
  assert_true(res.lower_bound <= res.squared_cost);
  assert_int_equal(res.ot_calls, 2);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "relative gap"));
  const double w = solve_inst(&g, &in);
  assert_true(res.lower_bound <= w * (1 + 1e-8) && res.squared_cost >= w * (1 - 1e-8));
  specot_spectral_ws_free(ws);
  specot_ctx_free(ctx);
}

/* Entropic oracle: the bounds stay valid (LB from the c-transform, UB from
 * a rounded, exactly feasible plan) and bracket the exact value. */
static void test_entropic_oracle(void **state) {
  (void)state;
  inst in;
  make_instance(&in, 21);
  specot_ctx *ctx = specot_ctx_alloc();
  specot_spectral_ws *ws = specot_spectral_ws_alloc(ctx, N, M, D, 0);
  specot_spectral_opts opts;
  specot_spectral_opts_init(&opts);
  opts.oracle = SPECOT_SPECTRAL_ORACLE_ENTROPIC;
  opts.entropic_eps = 1e-3;
  opts.tol = 1e-3;
  const specot_gauge gs[] = {specot_gauge_schatten(2), specot_gauge_schatten(INFINITY)};
  for (int i = 0; i < 2; ++i) {
    const double w = solve_inst(&gs[i], &in);
    specot_spectral_result res;
    const specot_status st =
        specot_spectral_solve(ctx, ws, &gs[i], in.X, in.a, in.Y, in.b, &opts, &res);
    /* Converged to the requested gap (not merely "close"), and the exact value inside. */
    assert_int_equal(st, SPECOT_OK);
    assert_true(res.relative_gap <= opts.tol);
    assert_true(res.lower_bound <= w * (1 + 1e-9));
    assert_true(res.squared_cost >= w * (1 - 1e-9));
    assert_true(res.squared_cost - w <= opts.tol * res.squared_cost + 1e-12);
    double rs[N] = {0}, cs[M] = {0};
    for (size_t t = 0; t < res.plan_nnz; ++t) {
      rs[res.plan_rows[t]] += res.plan_mass[t];
      cs[res.plan_cols[t]] += res.plan_mass[t];
    }
    assert_all_close(rs, in.a, N, 1e-12, 1e-15);
    assert_all_close(cs, in.b, M, 1e-12, 1e-15);
    double ub = 0;
    specot_spectral_gauge_value(NULL, &gs[i], res.sigma, D, &ub);
    assert_close(ub, res.squared_cost, 1e-14, 0);
  }
  opts.entropic_eps = 0.0;
  assert_int_equal(specot_spectral_solve(ctx, ws, &gs[0], in.X, in.a, in.Y, in.b, &opts, NULL),
                   SPECOT_ERR_INVALID);
  specot_spectral_result res;
  assert_int_equal(specot_spectral_solve(ctx, ws, &gs[0], in.X, in.a, in.Y, in.b, &opts, &res),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "entropic_eps"));
  specot_spectral_ws_free(ws);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_comparison_bounds), cmocka_unit_test(test_sliced_and_other_methods),
      cmocka_unit_test(test_invariances),       cmocka_unit_test(test_triangle_symmetry),
      cmocka_unit_test(test_geodesic_midpoints), cmocka_unit_test(test_gauge_helpers),
      cmocka_unit_test(test_maxiter_warning),   cmocka_unit_test(test_entropic_oracle),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
