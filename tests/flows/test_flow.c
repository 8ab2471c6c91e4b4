/* Flows: the engine (selectors, closed-form flows, dissipation, momentum,
 * safeguards, block gauges, Gaussian closure, sphere reduction, errors). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "specot/flows.h"
#include "specot/linalg.h"
#include "test_support.h"

static double *randn(uint64_t seed, size_t len, double sd) {
  double *x = malloc(len * sizeof *x);
  specot_rng rng;
  specot_rng_seed(&rng, seed);
  specot_rng_fill_normal(&rng, x, len, 0.0, sd);
  return x;
}

/* Quadratic 1/2 int |x|^2 dmu with uniform weights: A = I/sqrt(n), B = 0, so
 * forces g(x) = x. */
static void potential_objective(size_t n, size_t d, specot_flow_objective *obj) {
  double *A = calloc(n * n, sizeof *A), *B = calloc(n * d, sizeof *B);
  for (size_t i = 0; i < n; ++i) A[i * n + i] = 1.0 / sqrt((double)n);
  assert_int_equal(specot_flow_quadratic_alloc(NULL, A, B, n, n, d, obj), SPECOT_OK);
  free(A);
  free(B);
}

/* X = sqrt(n) U diag(s) V^T with orthonormal U (n x 3), V (3 x 3) from QR-free Gram-Schmidt. */
static void make_x_with_singular_values(size_t n, const double *s, double *x) {
  double *u = randn(11, n * 3, 1.0);
  for (int j = 0; j < 3; ++j) {
    for (int k = 0; k < j; ++k) {
      double dot = 0.0;
      for (size_t i = 0; i < n; ++i) dot += u[i * 3 + j] * u[i * 3 + k];
      for (size_t i = 0; i < n; ++i) u[i * 3 + j] -= dot * u[i * 3 + k];
    }
    double nr = 0.0;
    for (size_t i = 0; i < n; ++i) nr += u[i * 3 + j] * u[i * 3 + j];
    for (size_t i = 0; i < n; ++i) u[i * 3 + j] /= sqrt(nr);
  }
  const double c = cos(0.7), sn = sin(0.7);
  const double V[9] = {c, -sn, 0, sn, c, 0, 0, 0, 1};
  for (size_t i = 0; i < n; ++i)
    for (int k = 0; k < 3; ++k) {
      double v = 0.0;
      for (int j = 0; j < 3; ++j) v += u[i * 3 + j] * s[j] * V[k * 3 + j];
      x[i * 3 + (size_t)k] = sqrt((double)n) * v;
    }
  free(u);
}

/* spectral_w.md section 7: closed-form singular values of X/sqrt(n). */
static void test_closed_form_flow(void **state) {
  (void)state;
  const size_t n = 50, d = 3;
  const double s0[3] = {1.74691965, 0.88822937, 0.43576516};
  double x0[150];
  make_x_with_singular_values(n, s0, x0);
  specot_flow_objective obj;
  potential_objective(n, d, &obj);
  const double ps[2] = {INFINITY, 1.0};
  for (int k = 0; k < 2; ++k) {
    specot_flow_opts o;
    specot_flow_opts_init(&o);
    o.p = ps[k];
    o.dt = 1e-4;
    specot_flow *f;
    assert_int_equal(specot_flow_alloc(NULL, &obj, &o, n, d, x0, NULL, &f), SPECOT_OK);
    for (int s = 0; s < 500; ++s) assert_int_equal(specot_flow_step(NULL, f, NULL), SPECOT_OK);
    double sv[3], xs[150];
    for (size_t i = 0; i < n * d; ++i) xs[i] = specot_flow_particles(f)[i] / sqrt((double)n);
    assert_int_equal(specot_linalg_singular_values(NULL, NULL, xs, n, d, sv), SPECOT_OK);
    const double T = 0.05, S0 = s0[0] + s0[1] + s0[2];
    for (int i = 0; i < 3; ++i) {
      const double expect = k == 0 ? s0[i] - S0 / 3.0 * (1.0 - exp(-3.0 * T)) : s0[i] * exp(-T);
      assert_close(sv[i], expect, 0.0, 2e-5); /* Euler error O(dt) */
    }
    if (k == 0) {
      const double paper[3] = {1.60433503, 0.74564475, 0.29318054};
      for (int i = 0; i < 3; ++i) assert_close(sv[i], paper[i], 0.0, 2e-5);
    }
    specot_flow_free(f);
  }
  specot_flow_objective_free(&obj);
}

/* dE/dt along the Euler move equals -N*(g)^2, checked by central differences,
 * for p = 1, 2, inf and the two block gauges. */
static void test_dissipation_identity(void **state) {
  (void)state;
  const size_t n = 12, m = 9, d = 3;
  double *x0 = randn(21, n * d, 1.0), *y = randn(22, m * d, 1.0);
  specot_flow_objective obj;
  assert_int_equal(specot_flow_mmd_alloc(NULL, y, NULL, m, d, 0.1, &obj), SPECOT_OK);
  double w[12];
  for (size_t i = 0; i < n; ++i) w[i] = (double)(i + 1);
  const double ps[3] = {1.0, 2.0, INFINITY};
  for (int cfg = 0; cfg < 5; ++cfg) {
    specot_flow_opts o;
    specot_flow_opts_init(&o);
    o.p = cfg < 3 ? ps[cfg] : 2.0;
    if (cfg >= 3) {
      o.gauge = cfg == 3 ? SPECOT_FLOW_GAUGE_BLOCK_SUM : SPECOT_FLOW_GAUGE_BLOCK_MAX;
      o.nblocks = 2;
      o.blocks[0] = 1;
      o.blocks[1] = 2;
    }
    o.dt = 1e-6;
    specot_flow *f;
    assert_int_equal(specot_flow_alloc(NULL, &obj, &o, n, d, x0, cfg % 2 ? w : NULL, &f), SPECOT_OK);
    specot_flow_diag d0, d1;
    specot_flow_diag_get(f, &d0);
    const double rate = d0.dissipation;
    assert_true(rate < 0.0);
    /* the selector's rate: -N*(g)^2 with the weighted forces */
    const double *g = specot_flow_forces(f);
    double *gw = malloc(n * d * sizeof *gw), sv[3], wsum = 0.0;
    for (size_t i = 0; i < n; ++i) wsum += cfg % 2 ? w[i] : 1.0 / (double)n;
    for (size_t i = 0; i < n; ++i)
      for (size_t k = 0; k < d; ++k) gw[i * d + k] = sqrt((cfg % 2 ? w[i] : 1.0 / (double)n)) * g[i * d + k];
    if (cfg < 3) {
      double dual;
      const double q = isinf(o.p) ? 1.0 : 2 * o.p / (2 * o.p - 1);
      assert_int_equal(specot_linalg_singular_values(NULL, NULL, gw, n, d, sv), SPECOT_OK);
      dual = pow(pow(sv[0], q) + pow(sv[1], q) + pow(sv[2], q), 1.0 / q);
      assert_close(rate, -dual * dual, 1e-10, 0.0);
    } else {
      double vv[36], dual;
      assert_int_equal(specot_linalg_block_lmo(NULL, NULL, gw, n, d, o.blocks, 2, cfg == 3 ? 2.0 : INFINITY,
                                               cfg == 3 ? SPECOT_LINALG_BLOCK_SUM : SPECOT_LINALG_BLOCK_MAX,
                                               SPECOT_LINALG_RTOL_DEFAULT, vv, &dual),
                       SPECOT_OK);
      assert_close(rate, -dual * dual, 1e-10, 0.0);
    }
    free(gw);
    assert_int_equal(specot_flow_step(NULL, f, &d1), SPECOT_OK);
    /* first-order: (E1 - E0)/dt = rate + O(dt) */
    assert_close((d1.energy - d0.energy) / o.dt, rate, 1e-4, 1e-8);
    assert_close(d1.dissipation, rate, 1e-14, 0.0);
    specot_flow_free(f);
  }
  specot_flow_objective_free(&obj);
  free(x0);
  free(y);
}

/* Momentum with tau = dt is exactly Euler (A+ = G), and the Euler flow
 * decreases the energy at a small step. */
static void test_weights_and_momentum_limit(void **state) {
  (void)state;
  const size_t n = 10, m = 8, d = 2;
  double *x0 = randn(31, n * d, 1.0), *y = randn(32, m * d, 1.0);
  specot_flow_objective obj;
  assert_int_equal(specot_flow_mmd_alloc(NULL, y, NULL, m, d, 0.05, &obj), SPECOT_OK);
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.p = 3.0;
  o.dt = 0.05;
  specot_flow *fe, *fm;
  assert_int_equal(specot_flow_alloc(NULL, &obj, &o, n, d, x0, NULL, &fe), SPECOT_OK);
  o.method = SPECOT_FLOW_MOMENTUM;
  o.tau = o.dt;
  assert_int_equal(specot_flow_alloc(NULL, &obj, &o, n, d, x0, NULL, &fm), SPECOT_OK);
  for (int s = 0; s < 20; ++s) {
    assert_int_equal(specot_flow_step(NULL, fe, NULL), SPECOT_OK);
    assert_int_equal(specot_flow_step(NULL, fm, NULL), SPECOT_OK);
  }
  assert_all_close(specot_flow_particles(fm), specot_flow_particles(fe), n * d, 1e-13, 1e-13);
  specot_flow_diag de;
  specot_flow_diag_get(fe, &de);
  assert_true(de.distance > 0.0 && de.t > 0.99 && de.t < 1.01);
  /* energy decreases along the Euler flow at this small step */
  assert_int_equal((int)de.step, 20);
  specot_flow_counters cnt;
  specot_flow_counters_get(fe, &cnt);
  assert_int_equal((int)cnt.rises, 0);
  specot_flow_free(fm);
  specot_flow_free(fe);
  specot_flow_objective_free(&obj);
  free(x0);
  free(y);
}

static void test_safeguards(void **state) {
  (void)state;
  const size_t n = 20, m = 10, d = 2;
  double *x0 = randn(41, n * d, 3.0), *y = randn(42, m * d, 1.0);
  specot_flow_objective obj;
  assert_int_equal(specot_flow_mmd_alloc(NULL, y, NULL, m, d, 0.01, &obj), SPECOT_OK);
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.dt = 100.0;
  o.max_step = 0.2;
  o.clamp = 2.5;
  specot_flow *f;
  assert_int_equal(specot_flow_alloc(NULL, &obj, &o, n, d, x0, NULL, &f), SPECOT_OK);
  for (int s = 0; s < 30; ++s) {
    specot_flow_diag dg;
    assert_int_equal(specot_flow_step(NULL, f, &dg), SPECOT_OK);
    assert_true(dg.step_norm <= 0.2 + 1e-12 || s == 0); /* the first step may also clamp */
    const double *x = specot_flow_particles(f);
    for (size_t k = 0; k < n * d; ++k) assert_true(fabs(x[k]) <= 2.5);
  }
  specot_flow_free(f);
  specot_flow_objective_free(&obj);
  free(x0);
  free(y);
}

/* spectral_w.md section 7: affine_covariance_rhs(diag(1,0), I, inf) = diag(-2,0);
 * p = 1 gives 2I - T^-1 S - S T^-1; the particle flow moves the second moment
 * along the closure, and dKL/dt = 1/2 tr(H dSigma) = -||H Sigma^{1/2}||_{S_q}^2. */
static void test_gaussian_closure(void **state) {
  (void)state;
  const double S[4] = {1, 0, 0, 0}, I[4] = {1, 0, 0, 1};
  double out[4];
  assert_int_equal(specot_flow_gaussian_covariance_rhs(NULL, S, I, 2, INFINITY, out), SPECOT_OK);
  const double expect[4] = {-2, 0, 0, 0};
  assert_all_close(out, expect, 4, 0.0, 1e-14);
  /* particle flow vs closure */
  const size_t n = 40, d = 3;
  double *x0 = randn(51, n * d, 1.0);
  const double T[9] = {2.0, 0.3, 0.0, 0.3, 1.0, 0.2, 0.0, 0.2, 0.5};
  specot_flow_objective obj;
  assert_int_equal(specot_flow_gaussian_kl_alloc(NULL, T, d, &obj), SPECOT_OK);
  const double ps[3] = {1.0, 2.0, INFINITY};
  for (int k = 0; k < 3; ++k) {
    specot_flow_opts o;
    specot_flow_opts_init(&o);
    o.p = ps[k];
    o.dt = 1e-3;
    specot_flow *f;
    assert_int_equal(specot_flow_alloc(NULL, &obj, &o, n, d, x0, NULL, &f), SPECOT_OK);
    double sig[9] = {0}, H[9], sinv[9], rhs[9], dsig[9] = {0};
    for (size_t i = 0; i < n; ++i)
      for (size_t a = 0; a < d; ++a)
        for (size_t b = 0; b < d; ++b) sig[a * d + b] += x0[i * d + a] * x0[i * d + b] / (double)n;
    /* H from the forces: g_i = H x_i, solve via least squares on the particles: H = (sum g x^T)(sum x x^T)^-1 */
    const double *g = specot_flow_forces(f);
    double gx[9] = {0};
    for (size_t i = 0; i < n; ++i)
      for (size_t a = 0; a < d; ++a)
        for (size_t b = 0; b < d; ++b) gx[a * d + b] += g[i * d + a] * x0[i * d + b] / (double)n;
    assert_int_equal(specot_linalg_psd_power(NULL, NULL, sig, d, -1.0, -1.0, sinv), SPECOT_OK);
    for (size_t a = 0; a < d; ++a)
      for (size_t b = 0; b < d; ++b) {
        double s = 0.0;
        for (size_t c = 0; c < d; ++c) s += gx[a * d + c] * sinv[c * d + b];
        H[a * d + b] = s;
      }
    assert_int_equal(specot_flow_gaussian_covariance_rhs(NULL, sig, H, d, ps[k], rhs), SPECOT_OK);
    /* dSigma/dt of the particles: sum_i w_i (v_i x_i^T + x_i v_i^T), v from one tiny step */
    specot_flow_diag d0, d1;
    specot_flow_diag_get(f, &d0);
    assert_int_equal(specot_flow_step(NULL, f, &d1), SPECOT_OK);
    const double *x1 = specot_flow_particles(f);
    for (size_t i = 0; i < n; ++i)
      for (size_t a = 0; a < d; ++a)
        for (size_t b = 0; b < d; ++b) {
          const double va = (x1[i * d + a] - x0[i * d + a]) / o.dt, vb = (x1[i * d + b] - x0[i * d + b]) / o.dt;
          dsig[a * d + b] += (va * x0[i * d + b] + x0[i * d + a] * vb) / (double)n;
        }
    assert_all_close(dsig, rhs, 9, 1e-9, 1e-10);
    double half_tr = 0.0;
    for (size_t a = 0; a < d * d; ++a) half_tr += 0.5 * H[a] * rhs[a];
    assert_close(d0.dissipation, half_tr, 1e-9, 1e-12);
    if (k == 0) { /* p = 1: 2 I - T^-1 S - S T^-1 ... checked through the rhs definition with B = -H S^{1/2} */
      double tinv[9], ref[9];
      assert_int_equal(specot_linalg_psd_power(NULL, NULL, T, d, -1.0, -1.0, tinv), SPECOT_OK);
      for (size_t a = 0; a < d; ++a)
        for (size_t b = 0; b < d; ++b) {
          double s1 = 0.0, s2 = 0.0;
          for (size_t c = 0; c < d; ++c) {
            s1 += tinv[a * d + c] * sig[c * d + b];
            s2 += sig[a * d + c] * tinv[c * d + b];
          }
          ref[a * d + b] = (a == b ? 2.0 : 0.0) - s1 - s2;
        }
      assert_all_close(rhs, ref, 9, 1e-10, 1e-12);
    }
    specot_flow_free(f);
  }
  assert_int_equal(specot_flow_gaussian_covariance_rhs(NULL, S, I, 2, 0.5, out), SPECOT_ERR_INVALID);
  const double notpsd[4] = {1, 0, 0, -1};
  assert_int_equal(specot_flow_gaussian_covariance_rhs(NULL, notpsd, I, 2, 2.0, out), SPECOT_ERR_INVALID);
  specot_flow_objective_free(&obj);
  free(x0);
}

/* spectral_w.md section 8: the reduced (mass, direction) flow of the
 * 2-homogeneous ReLU model equals the ambient particle flow. */
static void test_sphere_reduction(void **state) {
  (void)state;
  const size_t n = 16, d = 3, nd = 100;
  double *z = randn(61, nd * 2, 1.0), *y = randn(62, nd, 1.0), *x = randn(63, n * d, 1.0);
  specot_flow_objective obj;
  assert_int_equal(specot_flow_relu_alloc(NULL, z, y, nd, 2, &obj), SPECOT_OK);
  const double ps[2] = {1.0, INFINITY};
  for (int k = 0; k < 2; ++k) {
    specot_flow_opts o;
    specot_flow_opts_init(&o);
    o.p = ps[k];
    o.dt = 1e-7;
    specot_flow *f;
    assert_int_equal(specot_flow_alloc(NULL, &obj, &o, n, d, x, NULL, &f), SPECOT_OK);
    assert_int_equal(specot_flow_step(NULL, f, NULL), SPECOT_OK);
    const double *x1 = specot_flow_particles(f);
    double m[16], om[48], dm[16], dom[48];
    for (size_t i = 0; i < n; ++i) {
      double r = 0.0;
      for (size_t c = 0; c < d; ++c) r += x[i * d + c] * x[i * d + c];
      r = sqrt(r);
      m[i] = r * r / (double)n;
      for (size_t c = 0; c < d; ++c) om[i * d + c] = x[i * d + c] / r;
    }
    assert_int_equal(specot_flow_sphere_rhs(NULL, &obj, ps[k], m, om, n, d, dm, dom), SPECOT_OK);
    for (size_t i = 0; i < n; ++i) {
      double r = 0.0, rdot = 0.0;
      for (size_t c = 0; c < d; ++c) r += x[i * d + c] * x[i * d + c];
      r = sqrt(r);
      double v[3];
      for (size_t c = 0; c < d; ++c) {
        v[c] = (x1[i * d + c] - x[i * d + c]) / o.dt;
        rdot += om[i * d + c] * v[c];
      }
      /* m = r^2 / n: dm = 2 r rdot / n; omega' = (I - w w^T) v / r */
      assert_close(dm[i], 2.0 * r * rdot / (double)n, 1e-5, 1e-9);
      for (size_t c = 0; c < d; ++c) assert_close(dom[i * d + c], (v[c] - rdot * om[i * d + c]) / r, 1e-5, 1e-8);
    }
    specot_flow_free(f);
  }
  double m1[1] = {1.0}, bad[3] = {1.0, 1.0, 0.0}, dm1[1], do1[3];
  assert_int_equal(specot_flow_sphere_rhs(NULL, &obj, 1.0, m1, bad, 1, 3, dm1, do1), SPECOT_ERR_INVALID);
  m1[0] = -1.0;
  bad[1] = 0.0;
  assert_int_equal(specot_flow_sphere_rhs(NULL, &obj, 1.0, m1, bad, 1, 3, dm1, do1), SPECOT_ERR_INVALID);
  specot_flow_objective_free(&obj);
  free(z);
  free(y);
  free(x);
}

static specot_status nan_after_eval(void *model, specot_ctx *ctx, const double *x, const double *w,
                                    size_t n, size_t d, double *energy, double *forces) {
  (void)ctx;
  (void)w;
  int *calls = model;
  *energy = 0.0;
  for (size_t k = 0; k < n * d; ++k) forces[k] = x[k];
  if (++*calls > 1) forces[0] = NAN;
  return SPECOT_OK;
}

static void test_flow_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  const size_t n = 4, d = 2;
  double x0[8] = {1, 2, 3, 4, 5, 6, 7, 8}, w[4] = {1, 1, 1, 1};
  specot_flow_objective obj;
  potential_objective(n, d, &obj);
  specot_flow *f = NULL;
  specot_flow_opts o;
#define EXPECT_BAD(field, value, status)                                           \
  specot_flow_opts_init(&o);                                                       \
  o.field = value;                                                                 \
  assert_int_equal(specot_flow_alloc(ctx, &obj, &o, n, d, x0, NULL, &f), status); \
  assert_null(f);
  EXPECT_BAD(p, 0.5, SPECOT_ERR_INVALID);
  EXPECT_BAD(p, NAN, SPECOT_ERR_INVALID);
  EXPECT_BAD(dt, 0.0, SPECOT_ERR_INVALID);
  EXPECT_BAD(dt, INFINITY, SPECOT_ERR_INVALID);
  EXPECT_BAD(tau, 0.0, SPECOT_ERR_INVALID);
  EXPECT_BAD(gamma, -1.0, SPECOT_ERR_INVALID);
  EXPECT_BAD(eps, 0.0, SPECOT_ERR_INVALID);
  EXPECT_BAD(max_step, -1.0, SPECOT_ERR_INVALID);
  EXPECT_BAD(method, (specot_flow_method)7, SPECOT_ERR_INVALID);
  EXPECT_BAD(gauge, (specot_flow_gauge)7, SPECOT_ERR_INVALID);
  EXPECT_BAD(kinetic, (specot_flow_kinetic)7, SPECOT_ERR_INVALID);
  EXPECT_BAD(nblocks, 40, SPECOT_ERR_INVALID);
  specot_flow_opts_init(&o);
  o.nblocks = 2;
  o.blocks[0] = 1;
  o.blocks[1] = 2;
  assert_int_equal(specot_flow_alloc(ctx, &obj, &o, n, d, x0, NULL, &f), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "sum to 3"));
  o.blocks[1] = 1;
  o.block_rows[1] = 2;
  assert_int_equal(specot_flow_alloc(ctx, &obj, &o, n, d, x0, NULL, &f), SPECOT_ERR_INVALID);
  o.block_rows[1] = 0;
  o.blocks[0] = 0;
  assert_int_equal(specot_flow_alloc(ctx, &obj, &o, n, d, x0, NULL, &f), SPECOT_ERR_INVALID);
  specot_flow_opts_init(&o);
  assert_int_equal(specot_flow_alloc(ctx, &obj, &o, 0, d, x0, NULL, &f), SPECOT_ERR_INVALID);
  assert_int_equal(specot_flow_alloc(ctx, &obj, &o, n, 3, x0, NULL, &f), SPECOT_ERR_INVALID); /* obj->d */
  assert_int_equal(specot_flow_alloc(ctx, &obj, &o, SIZE_MAX / 2, 4, x0, NULL, &f), SPECOT_ERR_TOO_LARGE);
  assert_int_equal(specot_flow_alloc(ctx, NULL, &o, n, d, x0, NULL, &f), SPECOT_ERR_INVALID);
  assert_int_equal(specot_flow_alloc(ctx, &obj, &o, n, d, x0, NULL, NULL), SPECOT_ERR_INVALID);
  w[2] = 0.0;
  assert_int_equal(specot_flow_alloc(ctx, &obj, &o, n, d, x0, w, &f), SPECOT_ERR_INVALID);
  w[2] = 2.0;
  o.method = SPECOT_FLOW_HAMILTONIAN;
  o.kinetic = SPECOT_FLOW_KINETIC_MATRIX;
  assert_int_equal(specot_flow_alloc(ctx, &obj, &o, n, d, x0, w, &f), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "uniform"));
  o.method = SPECOT_FLOW_EULER;
  x0[3] = NAN;
  assert_int_equal(specot_flow_alloc(ctx, &obj, &o, n, d, x0, NULL, &f), SPECOT_ERR_INVALID);
  x0[3] = 4.0;
  assert_int_equal(specot_flow_step(ctx, NULL, NULL), SPECOT_ERR_INVALID);
  specot_flow_objective_free(&obj);
  /* NUMERICAL: the objective turns non-finite; the state is left unchanged */
  int calls = 0;
  specot_flow_objective bad = {nan_after_eval, &calls, NULL, 0, 0.0, "nan"};
  assert_int_equal(specot_flow_alloc(ctx, &bad, &o, n, d, x0, NULL, &f), SPECOT_OK);
  assert_int_equal(specot_flow_step(ctx, f, NULL), SPECOT_ERR_NUMERICAL);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "non-finite"));
  assert_all_close(specot_flow_particles(f), x0, n * d, 0.0, 0.0);
  specot_flow_diag dg;
  specot_flow_diag_get(f, &dg);
  assert_int_equal((int)dg.step, 0);
  assert_null(specot_flow_aux(f));
  specot_flow_free(f);
  calls = 5; /* non-finite at the start: INVALID */
  assert_int_equal(specot_flow_alloc(ctx, &bad, &o, n, d, x0, NULL, &f), SPECOT_ERR_INVALID);
  specot_flow_free(NULL);
  double ratio;
  assert_int_equal(specot_flow_dissipation_ratio(ctx, x0, 0, 2, &ratio), SPECOT_ERR_INVALID);
  const double zero[4] = {0};
  assert_int_equal(specot_flow_dissipation_ratio(ctx, zero, 2, 2, &ratio), SPECOT_OK);
  assert_close(ratio, 0.0, 0.0, 0.0);
  const double diag31[4] = {3, 0, 0, 1};
  assert_int_equal(specot_flow_dissipation_ratio(ctx, diag31, 2, 2, &ratio), SPECOT_OK);
  assert_close(ratio, 1.6, 1e-14, 0.0);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_closed_form_flow),   cmocka_unit_test(test_dissipation_identity),
      cmocka_unit_test(test_weights_and_momentum_limit), cmocka_unit_test(test_safeguards),
      cmocka_unit_test(test_gaussian_closure),   cmocka_unit_test(test_sphere_reduction),
      cmocka_unit_test(test_flow_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
