/* DP certificates: every test vector of spec shk_dp_memory.md 4.6 (rtol 1e-10),
 * the property tests listed there, and the validation errors of 4.3. */
#include <math.h>
#include <string.h>

#include "specot/dpcert.h"
#include "test_support.h"

#define RT 1e-10

static specot_dpcert_opts base(double du, double eps0, double lambda, double t) {
  specot_dpcert_opts o;
  specot_dpcert_opts_init(&o);
  o.du = du;
  o.eps0 = eps0;
  o.lambda = lambda;
  o.t = t;
  return o;
}

static void case1(void **state) {
  (void)state;
  specot_dpcert_opts o = base(1, 1, 1, 2);
  o.K = 0;
  o.U = 6;
  o.d = 2;
  specot_dpcert c;
  assert_int_equal(specot_dpcert_shk(NULL, &o, &c), SPECOT_OK);
  assert_close(c.eta_A, 0.864664716763, RT, 0);
  assert_close(c.eta_A, -expm1(-2.0), 1e-15, 0);
  assert_close(c.eta_B, 1.81201169942, RT, 0);
  assert_close(c.eta, 0.864664716763, RT, 0);
  assert_close(c.eps_pure, 0.864664716763, RT, 0);
  assert_close(c.kl, 0.0934556340519, RT, 0);
  assert_close(specot_dpcert_renyi(c.eta, 2), 0.186911268104, RT, 0);
  assert_close(c.tv, 0.101154318419, RT, 0);
  assert_close(c.sampling_error, 0.606925910517, RT, 0);
  assert_close(c.intrinsic, 4, RT, 0);
  const double eps[4] = {0, 0.1, 0.25, 0.5};
  const double br[4] = {2.128609526583e-01, 1.744163700953e-01, 1.209554812697e-01,
                        4.799659675854e-02};
  const double rr[4] = {4.072686502678e-01, 3.760996001560e-01, 3.230932659720e-01,
                        2.150099330768e-01};
  const double cks[4] = {2.581827098748e-01, 2.120570563638e-01, 1.492228294351e-01,
                         6.982392511168e-02};
  for (int k = 0; k < 4; ++k) {
    assert_close(specot_dpcert_delta_br(eps[k], c.eta), br[k], RT, 0);
    assert_close(specot_dpcert_delta_rr(eps[k], c.eta), rr[k], RT, 0);
    assert_close(specot_dpcert_delta_pinsker(c.kl), 2.161661791908e-01, RT, 0);
    assert_close(specot_dpcert_delta_cks(eps[k], c.eta * c.eta / 8), cks[k], RT, 0);
    /* delta_BR is the smallest, delta_RR the largest (4.2) */
    assert_true(specot_dpcert_delta_br(eps[k], c.eta) < specot_dpcert_delta_cks(eps[k], c.kl));
    assert_true(specot_dpcert_delta_br(eps[k], c.eta) < specot_dpcert_delta_pinsker(c.kl));
    assert_true(specot_dpcert_delta_rr(eps[k], c.eta) > specot_dpcert_delta_cks(eps[k], c.kl));
  }
  assert_close(specot_dpcert_eps_br(0.01, c.eta), 0.706406469967, RT, 0);
  assert_close(specot_dpcert_eps_br(0.1, c.eta), 0.314253241301, RT, 0);
  assert_close(specot_dpcert_delta_br(0, c.eta), tanh(c.eta / 4), 1e-14, 0); /* TV */
}

static void case2_3(void **state) {
  (void)state;
  specot_dpcert_opts o = base(1, 1, 1, 2);
  o.U = 6;
  specot_dpcert c;
  assert_int_equal(specot_dpcert_shk(NULL, &o, &c), SPECOT_OK);
  assert_true(isinf(c.eta_A));
  assert_close(c.eta, 1.81201169942, RT, 0);
  assert_close(c.kl, 0.410423299854, RT, 0);
  assert_close(specot_dpcert_delta_br(0, c.eta), 4.243642824261e-01, RT, 0);
  assert_close(specot_dpcert_delta_br(0.5, c.eta), 2.766165878220e-01, RT, 0);
  assert_close(specot_dpcert_delta_br(1, c.eta), 1.330881623224e-01, RT, 0);
  assert_close(specot_dpcert_eps_br(0.01, c.eta), 1.620157119585, RT, 0);
  assert_close(specot_dpcert_eps_br(0.1, c.eta), 1.129133337272, RT, 0);
  o.t = 6;
  o.d = 2;
  assert_int_equal(specot_dpcert_shk(NULL, &o, &c), SPECOT_OK);
  assert_close(c.eta_B, 1.01487251306, RT, 0);
  assert_close(c.eta, 1.01487251306, RT, 0);
  assert_close(specot_dpcert_delta_br(1.0, c.eta), 8.609263937835e-05, RT, 0);
  assert_close(c.tv, 0.00185906199079, RT, 0);
  assert_close(c.sampling_error, 0.0111543719447, RT, 0);
}

static void case4_5(void **state) {
  (void)state;
  specot_dpcert_opts o = base(0.5, 2, 2, 1);
  o.K = 0.25;
  o.U = 4;
  o.n_out = 1000;
  specot_dpcert c;
  assert_int_equal(specot_dpcert_shk(NULL, &o, &c), SPECOT_OK);
  assert_close(c.eta_A, 1.94549561272, RT, 0);
  assert_close(c.eta_B, 4.16536453179, RT, 0);
  assert_close(specot_dpcert_delta_br(0.5, c.eta), 3.089501153039e-01, RT, 0);
  assert_close(c.intrinsic, 3.95387763949, RT, 0);
  assert_close(c.tv, 0.264248688504, RT, 0);
  o = base(1, 0.5, 1, 0.5);
  o.K = 0;
  assert_int_equal(specot_dpcert_shk(NULL, &o, &c), SPECOT_OK);
  assert_close(c.eta, 0.196734670144, RT, 0);
  assert_close(c.kl, 0.00483806630457, RT, 0);
  assert_close(specot_dpcert_delta_br(0, c.eta), 4.914404689883e-02, RT, 0);
  assert_close(specot_dpcert_delta_br(0.1, c.eta), 1.248310574398e-02, RT, 0);
  assert_true(isnan(c.sampling_error));
}

/* "Other checks" of 4.6: the two-point KL maximum stays below eta^2/8, and the
 * pure-DP-only bound eta tanh(eta/2) is about 4 times looser. */
static double two_point_kl(double eta, double x) {
  /* q = (1-x, x), L in {a, a+eta}, E_q e^L = 1  =>  e^a = 1/(1 - x + x e^eta) */
  const double a = -log1p(x * expm1(eta));
  return a + eta * exp(a + eta) * x;
}

static void other_checks(void **state) {
  (void)state;
  const double eta = -expm1(-1.0);
  double lo = 0, hi = 1; /* golden section: KL is unimodal in x */
  const double g = (sqrt(5.0) - 1) / 2;
  for (int it = 0; it < 200; ++it) {
    const double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
    if (two_point_kl(eta, x1) < two_point_kl(eta, x2))
      lo = x1;
    else
      hi = x2;
  }
  const double kl2 = two_point_kl(eta, 0.5 * (lo + hi));
  assert_close(kl2, 4.967229817697e-02, RT, 0);
  assert_close(eta * eta / 8, 4.994705011172e-02, RT, 0);
  assert_true(kl2 < eta * eta / 8);
  assert_close(eta * tanh(eta / 2), 1.933911367876e-01, RT, 0);
}

static void properties(void **state) {
  (void)state;
  const double etas[3] = {0.05, 0.864664716763, 3.0};
  for (int e = 0; e < 3; ++e) {
    const double eta = etas[e];
    double prev = 2.0;
    for (double eps = 0; eps <= eta + 0.5; eps += 0.01) {
      const double d = specot_dpcert_delta_br(eps, eta);
      assert_true(d <= prev);
      assert_true(d <= specot_dpcert_delta_rr(eps, eta) + 1e-17);
      if (eps >= eta) assert_true(d == 0.0);
      prev = d;
    }
    const double deltas[4] = {1e-8, 1e-5, 1e-2, 0.5 * specot_dpcert_delta_br(0, eta)};
    for (int k = 0; k < 4; ++k) {
      const double eps = specot_dpcert_eps_br(deltas[k], eta);
      if (eps > 0) assert_close(specot_dpcert_delta_br(eps, eta), deltas[k], 1e-9, 1e-300);
    }
    assert_true(specot_dpcert_eps_br(0.99, eta) == 0.0);
  }
  /* monotone in t, eta_A(0) = 0, eta -> Omega */
  specot_dpcert_opts o = base(1, 1, 1, 0);
  o.K = 0.3;
  o.U = 2;
  specot_dpcert c, prev;
  assert_int_equal(specot_dpcert_shk(NULL, &o, &prev), SPECOT_OK);
  assert_true(prev.eta_A == 0.0 && prev.eta == 0.0);
  for (double t = 0.1; t < 40; t += 0.1) {
    o.t = t;
    assert_int_equal(specot_dpcert_shk(NULL, &o, &c), SPECOT_OK);
    assert_true(c.eta_A >= prev.eta_A && c.eta_B <= prev.eta_B);
    prev = c;
  }
  o.K = NAN;
  o.t = 60;
  assert_int_equal(specot_dpcert_shk(NULL, &o, &c), SPECOT_OK);
  assert_close(c.eta, 1.0, 1e-12, 0);
  o.monotone = 1;
  assert_int_equal(specot_dpcert_shk(NULL, &o, &c), SPECOT_OK);
  assert_close(c.eta, 0.5, 1e-12, 0);
  /* reaction-only: eta_A = Omega (1 - e^{-t}) whatever K */
  o = base(1, 1, 1, 1);
  o.K = 5;
  o.reaction_only = 1;
  assert_int_equal(specot_dpcert_shk(NULL, &o, &c), SPECOT_OK);
  assert_close(c.eta, 0.632120558829, 1e-11, 0);
  o.kl_user = 0.01;
  assert_int_equal(specot_dpcert_shk(NULL, &o, &c), SPECOT_OK);
  assert_close(c.kl, 0.01, 0, 0);
}

static void errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_dpcert c;
  specot_dpcert_opts o = base(1, 1, 1, 2);
  assert_int_equal(specot_dpcert_shk(ctx, &o, &c), SPECOT_ERR_INVALID); /* neither K nor U */
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "no certificate"));
  struct {
    double du, eps0, lambda, t, K, U;
    const char *word;
  } bad[] = {{0, 1, 1, 1, 0, NAN, "du"},     {NAN, 1, 1, 1, 0, NAN, "du"},
             {1, -1, 1, 1, 0, NAN, "eps0"},  {1, INFINITY, 1, 1, 0, NAN, "eps0"},
             {1, 1, 0, 1, 0, NAN, "lambda"}, {1, 1, 1, -1, 0, NAN, "t"},
             {1, 1, 1, NAN, 0, NAN, "t"},    {1, 1, 1, 1, -1, NAN, "K"},
             {1, 1, 1, 1, NAN, -2, "U"}};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; ++k) {
    o = base(bad[k].du, bad[k].eps0, bad[k].lambda, bad[k].t);
    o.K = bad[k].K;
    o.U = bad[k].U;
    assert_int_equal(specot_dpcert_shk(ctx, &o, &c), SPECOT_ERR_INVALID);
    assert_non_null(strstr(specot_ctx_errmsg(ctx), bad[k].word));
  }
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(case1),        cmocka_unit_test(case2_3),    cmocka_unit_test(case4_5),
      cmocka_unit_test(other_checks), cmocka_unit_test(properties), cmocka_unit_test(errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
