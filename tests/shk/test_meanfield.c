/* Mean-field references (spec 2.1, 8.1 reference columns, to 1e-8) and the
 * built-in potentials (values, finite-difference gradients, validation). */
#include <math.h>
#include <string.h>

#include "shk_test_util.h"

static double ode(double mean0, double var0, double lambda, double h, int langevin, double t,
                  double *var) {
  specot_shk_gauss1d g = {.m = 2,
                          .s2 = 1,
                          .mean0 = mean0,
                          .var0 = var0,
                          .lambda = lambda,
                          .h = h,
                          .langevin = langevin};
  double mean;
  assert_int_equal(specot_shk_gauss_ode(NULL, &g, t, &mean, var), SPECOT_OK);
  return mean;
}

static void ts1_references(void **state) {
  (void)state;
  double var;
  assert_close(ode(-2, 0.25, 1, 0, 1, 1, &var), 1.289994848, 0, 2e-9);
  assert_close(var, 0.951025694, 0, 2e-9);
  assert_close(ode(-2, 0.25, 1, 0.2, 1, 1, &var), 1.283222322, 0, 2e-9);
  assert_close(var, 0.938019021, 0, 2e-9);
  assert_close(ode(-2, 0.25, 1, 0, 1, 3, &var), 1.986780532, 0, 2e-9);
  assert_close(var, 0.999876595, 0, 2e-9);
  assert_close(ode(-2, 0.25, 1, 0.2, 1, 3, &var), 1.986304026, 0, 2e-9);
  assert_close(var, 0.987000793, 0, 2e-9);
}

static void ts2_ts3_references(void **state) {
  (void)state;
  double var; /* T-S2: plain Langevin, closed form 2 - 4e^{-T}, 1 - 0.75 e^{-2T} */
  for (double t = 0.5; t <= 3.0; t += 0.5) {
    assert_close(ode(-2, 0.25, 0, 0, 1, t, &var), 2 - 4 * exp(-t), 0, 1e-11);
    assert_close(var, 1 - 0.75 * exp(-2 * t), 0, 1e-11);
  }
  assert_close(ode(-2, 0.25, 0, 0, 1, 3, &var), 1.800851727, 0, 1e-9);
  assert_close(var, 0.998140936, 0, 1e-9);
  /* T-S3: reaction only from N(0, 9) */
  assert_close(ode(0, 9, 1, 0, 0, 1, &var), 1.878527, 0, 1e-6);
  assert_close(var, 1.485893, 0, 1e-6);
  assert_close(ode(0, 9, 1, 0.2, 0, 1, &var), 1.877577, 0, 1e-6);
  assert_close(var, 1.471870, 0, 1e-6);
  assert_close(ode(0, 9, 1, 0, 0, 3, &var), 1.988424, 0, 1e-6);
  assert_close(var, 1.046304, 0, 1e-6);
  assert_close(ode(0, 9, 1, 0.2, 0, 3, &var), 1.987771, 0, 1e-6);
  assert_close(var, 1.015242, 0, 1e-6);
  /* narrow start: the spec's "mean field 1.197 / 0.801" at T = 3 is the
   * kernelised (h = 0.2) one; the exact one is 1.3069 / 0.8700 (closed form below) */
  assert_close(ode(-2, 0.25, 1, 0.2, 0, 3, &var), 1.197, 0, 1e-3);
  assert_close(var, 0.801, 0, 1e-3);
  assert_close(ode(-2, 0.25, 1, 0, 0, 3, &var),
               (exp(-3) * -8 + (1 - exp(-3)) * 2) / (exp(-3) * 4 + 1 - exp(-3)), 1e-12, 0);
  /* reaction-only ODE = closed form (3): precision e^{-t}/var0 + (1 - e^{-t})/s2 */
  for (double t = 0.25; t <= 4; t += 0.25) {
    const double e = exp(-t), a = e / 9 + (1 - e), b = (1 - e) * 2;
    assert_close(ode(0, 9, 1, 0, 0, t, &var), b / a, 1e-12, 0);
    assert_close(var, 1 / a, 1e-12, 0);
  }
}

static void reaction_closed_form(void **state) {
  (void)state;
  const double lr0[3] = {-1, 0.5, 2}, V[3] = {3, 0, -1};
  double out[3];
  specot_shk_reaction_logrho(3, lr0, V, 2, 0.7, out);
  for (int i = 0; i < 3; ++i)
    assert_close(out[i], exp(-1.4) * lr0[i] - (1 - exp(-1.4)) * V[i], 1e-15, 1e-15);
  specot_shk_gauss1d g = {.m = 0, .s2 = -1, .mean0 = 0, .var0 = 1, .lambda = 1, .langevin = 1};
  double m, v;
  assert_int_equal(specot_shk_gauss_ode(NULL, &g, 1, &m, &v), SPECOT_ERR_INVALID);
  g.s2 = 1;
  assert_int_equal(specot_shk_gauss_ode(NULL, &g, -1, &m, &v), SPECOT_ERR_INVALID);
}

/* Central-difference check of grad V at x (d coordinates). */
static void check_grad(const specot_shk_potential *pot, const double *x, size_t d, double tol) {
  double V, g[8], xp[8];
  assert_int_equal(pot->fn(pot->user, NULL, x, d, &V, g), SPECOT_OK);
  for (size_t k = 0; k < d; ++k) {
    double Vp, Vm;
    memcpy(xp, x, d * sizeof *x);
    xp[k] += 1e-6;
    pot->fn(pot->user, NULL, xp, d, &Vp, NULL);
    xp[k] -= 2e-6;
    pot->fn(pot->user, NULL, xp, d, &Vm, NULL);
    assert_close(g[k], (Vp - Vm) / 2e-6, tol, tol);
  }
}

/* Spec 8.2 reaction-only row: with V' = V - Phi and a common start, the privacy
 * loss w_t = log rho_t - log rho'_t has range exactly (1 - e^{-t}) osc Phi
 * (0.632120558829 at t = 1, Omega = 1), on the spec's 1-D torus setting. */
static void perturbation_reaction_only(void **state) {
  (void)state;
  enum { M = 256 };
  double lr0[M], V[M], Vp[M], w1[M], w2[M];
  for (int k = 0; k < M; ++k) {
    const double x = 6.283185307179586 * k / M;
    lr0[k] = 3 * cos(x - 1);
    V[k] = cos(x) + 0.5 * sin(2 * x);
    Vp[k] = V[k] - 0.5 * sin(8 * x); /* Phi = sin(8x)/2, Omega = 1 on the grid */
  }
  const double ts[4] = {0.25, 0.5, 1, 3};
  const double a0[4] = {0.221199, 0.393469, 0.632121, 0.950213};
  for (int q = 0; q < 4; ++q) {
    specot_shk_reaction_logrho(M, lr0, V, 1, ts[q], w1);
    specot_shk_reaction_logrho(M, lr0, Vp, 1, ts[q], w2);
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < M; ++k) {
      lo = fmin(lo, w1[k] - w2[k]);
      hi = fmax(hi, w1[k] - w2[k]);
    }
    assert_close(hi - lo, -expm1(-ts[q]), 1e-13, 0);
    assert_close(hi - lo, a0[q], 0, 1e-6);
  }
  specot_shk_reaction_logrho(M, lr0, V, 1, 1, w1);
  specot_shk_reaction_logrho(M, lr0, Vp, 1, 1, w2);
  double lo = INFINITY, hi = -INFINITY;
  for (int k = 0; k < M; ++k) lo = fmin(lo, w1[k] - w2[k]), hi = fmax(hi, w1[k] - w2[k]);
  assert_close(hi - lo, 0.632120558829, 1e-11, 0);
}

static void potentials(void **state) {
  (void)state;
  const double w[2] = {0.25, 0.75}, mu[4] = {-1, 0.5, 2, -1};
  const double C[8] = {1.0, 0.3, 0.3, 0.5, 2.0, -0.4, -0.4, 1.0};
  specot_shk_potential pot;
  assert_int_equal(specot_shk_potential_mixture(NULL, 2, 2, w, mu, C, &pot), SPECOT_OK);
  const double x[2] = {0.3, -0.2};
  check_grad(&pot, x, 2, 1e-7);
  /* V = -log pi exactly (normalised mixture): compare with the density by hand */
  double V, g[2];
  pot.fn(pot.user, NULL, x, 2, &V, g);
  double dens = 0;
  for (int k = 0; k < 2; ++k) {
    const double *c = C + 4 * k, det = c[0] * c[3] - c[1] * c[2];
    const double u0 = x[0] - mu[2 * k], u1 = x[1] - mu[2 * k + 1];
    const double q = (c[3] * u0 * u0 - 2 * c[1] * u0 * u1 + c[0] * u1 * u1) / det;
    dens += w[k] * exp(-0.5 * q) / (6.283185307179586 * sqrt(det));
  }
  assert_close(V, -log(dens), 1e-13, 0);
  specot_shk_potential_free(&pot);
  assert_int_equal(specot_shk_potential_double_well(NULL, 3, 2.5, &pot), SPECOT_OK);
  const double y[3] = {0.7, -1.1, 0.4};
  check_grad(&pot, y, 3, 1e-7);
  pot.fn(pot.user, NULL, y, 3, &V, NULL);
  assert_close(V, 2.5 * (0.49 - 1) * (0.49 - 1) + 0.5 * (1.21 + 0.16), 1e-14, 0);
  specot_shk_potential_free(&pot);
  /* errors */
  specot_ctx *ctx = specot_ctx_alloc();
  const double notpd[4] = {1, 2, 2, 1}, nonsym[4] = {1, 0.1, 0.2, 1}, wbad[1] = {-1};
  assert_int_equal(specot_shk_potential_mixture(ctx, 1, 2, w, mu, notpd, &pot), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "positive definite"));
  assert_int_equal(specot_shk_potential_mixture(ctx, 1, 2, w, mu, nonsym, &pot),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "symmetric"));
  assert_int_equal(specot_shk_potential_mixture(ctx, 1, 2, wbad, mu, NULL, &pot),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_shk_potential_double_well(ctx, 1, 0, &pot), SPECOT_ERR_INVALID);
  specot_ctx_free(ctx);
}

static void expmech(void **state) {
  (void)state;
  const double data[7] = {0.1, 0.9, 0.35, 0.5, 0.52, 2.0, -1.0}; /* 2.0, -1.0 are clipped */
  specot_shk_expmech em;
  specot_shk_expmech_init(&em);
  em.data = data;
  em.n = 7;
  em.eps0 = 2;
  specot_shk_potential pot;
  double du, U, V, g;
  assert_int_equal(specot_shk_potential_expmech(NULL, &em, &pot, &du, &U), SPECOT_OK);
  assert_close(du, 1, 0, 0);
  assert_close(U, 7, 0, 0);
  const double clipped[7] = {0.1, 0.9, 0.35, 0.5, 0.52, 1.0, 0.0};
  for (double t = -0.3; t < 1.3; t += 0.0137) {
    const double tc = t < 0 ? 0 : (t > 1 ? 1 : t);
    double u = 0;
    for (int i = 0; i < 7; ++i) u += fabs(clipped[i] - tc);
    pot.fn(pot.user, NULL, &t, 1, &V, &g);
    const double wall = 100 * (t - tc) * (t - tc) / 2;
    assert_close(V, 2.0 / 2.0 * u + wall, 1e-13, 1e-13);
    if (t > 0.01 && t < 0.99) check_grad(&pot, &t, 1, 1e-6);
  }
  specot_shk_potential_free(&pot);
  em.loss = SPECOT_SHK_LOSS_QUANTILE;
  em.q = 0.8;
  assert_int_equal(specot_shk_potential_expmech(NULL, &em, &pot, &du, &U), SPECOT_OK);
  assert_close(du, 0.8, 1e-15, 0);
  const double t = 0.6;
  double u = 0;
  for (int i = 0; i < 7; ++i) {
    const double r = clipped[i] - t;
    u += r * (0.8 - (r < 0));
  }
  pot.fn(pot.user, NULL, &t, 1, &V, &g);
  assert_close(V, 2.0 / (2 * 0.8) * u, 1e-13, 0);
  check_grad(&pot, &t, 1, 1e-6);
  specot_shk_potential_free(&pot);
  const double tab[8] = {0, 1, 2, 3, /* losses */ 4, 1, 3, 0};
  em.loss = SPECOT_SHK_LOSS_TABLE;
  em.data = tab;
  em.n = 4;
  em.du = 2;
  assert_int_equal(specot_shk_potential_expmech(NULL, &em, &pot, &du, &U), SPECOT_OK);
  assert_true(isnan(U));
  const double t2 = 1.25;
  pot.fn(pot.user, NULL, &t2, 1, &V, &g);
  assert_close(V, 2.0 / 4.0 * 1.5, 1e-14, 0);
  assert_close(g, 2.0 / 4.0 * 2, 1e-14, 0);
  specot_shk_potential_free(&pot);
  const double reg[6] = {1, 2, 3, /* rows (x1, x2, y) */ 0.5, -1, 0.2};
  em.loss = SPECOT_SHK_LOSS_LINREG;
  em.data = reg;
  em.n = 2;
  em.d = 2;
  em.lo = -5;
  em.hi = 5;
  assert_int_equal(specot_shk_potential_expmech(NULL, &em, &pot, &du, &U), SPECOT_OK);
  const double th[2] = {0.3, 0.7};
  pot.fn(pot.user, NULL, th, 2, &V, NULL);
  const double r1 = 3 - (0.3 + 1.4), r2 = 0.2 - (0.15 - 0.7);
  assert_close(V, 2.0 / 4.0 * 0.5 * (r1 * r1 + r2 * r2), 1e-13, 0);
  check_grad(&pot, th, 2, 1e-6);
  specot_shk_potential_free(&pot);
  /* errors */
  specot_ctx *ctx = specot_ctx_alloc();
  em.du = NAN;
  assert_int_equal(specot_shk_potential_expmech(ctx, &em, &pot, NULL, NULL), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "du"));
  specot_shk_expmech_init(&em);
  em.data = data;
  em.n = 7;
  em.eps0 = 0;
  assert_int_equal(specot_shk_potential_expmech(ctx, &em, &pot, NULL, NULL), SPECOT_ERR_INVALID);
  em.eps0 = 1;
  em.lo = 2;
  assert_int_equal(specot_shk_potential_expmech(ctx, &em, &pot, NULL, NULL), SPECOT_ERR_INVALID);
  em.lo = 0;
  em.loss = SPECOT_SHK_LOSS_QUANTILE;
  em.q = 1;
  assert_int_equal(specot_shk_potential_expmech(ctx, &em, &pot, NULL, NULL), SPECOT_ERR_INVALID);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ts1_references),       cmocka_unit_test(ts2_ts3_references),
      cmocka_unit_test(reaction_closed_form), cmocka_unit_test(perturbation_reaction_only),
      cmocka_unit_test(potentials),           cmocka_unit_test(expmech),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
