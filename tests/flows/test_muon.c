/* Flows: the discrete Muon optimizer step in the KJ / torch / Moonlight
 * conventions (muon.md 2.1-2.2). */
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

enum { R = 6, C = 3, LEN = R * C };

/* One step of every convention against the formulas written out here, with the
 * exact polar factor computed independently. */
static void test_conventions_by_hand(void **state) {
  (void)state;
  const specot_muon_convention conv[4] = {SPECOT_MUON_KJ, SPECOT_MUON_TORCH, SPECOT_MUON_TORCH_MATCH_RMS,
                                          SPECOT_MUON_MOONLIGHT};
  const double scale[4] = {sqrt(2.0), sqrt(2.0), 0.2 * sqrt(6.0), 0.2 * sqrt(6.0)};
  const double lr[4] = {0.02, 1e-3, 1e-3, 1e-3}, wd[4] = {0.0, 0.1, 0.1, 0.1};
  double *W0 = randn(1, LEN, 1.0), *M0 = randn(2, LEN, 0.3), *G = randn(3, LEN, 1.0);
  specot_muon_ws *ws;
  assert_int_equal(specot_muon_ws_alloc(NULL, R, C, &ws), SPECOT_OK);
  for (int k = 0; k < 4; ++k) {
    specot_muon_opts o;
    specot_muon_opts_init(&o, conv[k]);
    assert_close(o.lr, lr[k], 0.0, 0.0);
    assert_close(o.weight_decay, wd[k], 0.0, 0.0);
    assert_true(o.nesterov == 1 && o.ns_steps == 5 && o.beta == 0.95);
    o.ortho = SPECOT_MUON_ORTHO_POLAR;
    double W[LEN], M[LEN], U[LEN], Mx[LEN], O[LEN], upd[LEN];
    memcpy(W, W0, sizeof W);
    memcpy(M, M0, sizeof M);
    const double b = 0.95, gm = conv[k] == SPECOT_MUON_MOONLIGHT ? 1.0 : 1.0 - b;
    for (int i = 0; i < LEN; ++i) {
      Mx[i] = b * M0[i] + gm * G[i];
      U[i] = gm * G[i] + b * Mx[i];
    }
    assert_int_equal(specot_linalg_polar(NULL, NULL, U, R, C, NULL, O, NULL), SPECOT_OK);
    assert_int_equal(specot_muon_step(NULL, &o, ws, R, C, W, M, G, upd), SPECOT_OK);
    assert_all_close(M, Mx, LEN, 1e-15, 1e-15);
    assert_all_close(upd, O, LEN, 1e-12, 1e-12);
    for (int i = 0; i < LEN; ++i)
      assert_close(W[i], W0[i] * (1.0 - lr[k] * wd[k]) - lr[k] * scale[k] * O[i], 1e-13, 1e-14);
  }
  specot_muon_ws_free(ws);
  free(W0);
  free(M0);
  free(G);
}

/* The NS5 update is really orthogonalized: singular values in KJ's band
 * [0.6818, 1.1344]; the polar update has unit singular values. */
static void test_update_spectrum(void **state) {
  (void)state;
  double *W = randn(10, LEN, 1.0), *G = randn(11, LEN, 1.0), M[LEN] = {0}, upd[LEN], s[3];
  specot_muon_ws *ws;
  assert_int_equal(specot_muon_ws_alloc(NULL, R, C, &ws), SPECOT_OK);
  specot_muon_opts o;
  specot_muon_opts_init(&o, SPECOT_MUON_KJ);
  assert_int_equal(specot_muon_step(NULL, &o, ws, R, C, W, M, G, upd), SPECOT_OK);
  assert_int_equal(specot_linalg_singular_values(NULL, NULL, upd, R, C, s), SPECOT_OK);
  for (int i = 0; i < 3; ++i) assert_true(s[i] >= 0.6818 - 1e-4 && s[i] <= 1.1344 + 1e-4);
  memset(M, 0, sizeof M);
  o.ortho = SPECOT_MUON_ORTHO_POLAR;
  assert_int_equal(specot_muon_step(NULL, &o, ws, R, C, W, M, G, upd), SPECOT_OK);
  assert_int_equal(specot_linalg_singular_values(NULL, NULL, upd, R, C, s), SPECOT_OK);
  for (int i = 0; i < 3; ++i) assert_close(s[i], 1.0, 1e-12, 0.0);
  /* zero gradient and momentum: no update, pure decoupled weight decay */
  double Z[LEN] = {0}, W2[LEN];
  memcpy(W2, W, sizeof W2);
  memset(M, 0, sizeof M);
  specot_muon_opts_init(&o, SPECOT_MUON_TORCH);
  assert_int_equal(specot_muon_step(NULL, &o, ws, R, C, W2, M, Z, upd), SPECOT_OK);
  for (int i = 0; i < LEN; ++i) {
    assert_close(upd[i], 0.0, 0.0, 0.0);
    assert_close(W2[i], W[i] * (1.0 - 1e-4), 1e-15, 0.0);
  }
  specot_muon_ws_free(ws);
  free(W);
  free(G);
}

/* muon.md 2.2: sum momentum with eps equals EMA momentum with eps (1-beta)^2. */
static void test_sum_equals_rescaled_ema(void **state) {
  (void)state;
  double *W0 = randn(20, LEN, 1.0), Wa[LEN], Wb[LEN], Ma[LEN] = {0}, Mb[LEN] = {0};
  memcpy(Wa, W0, sizeof Wa);
  memcpy(Wb, W0, sizeof Wb);
  specot_muon_ws *ws;
  assert_int_equal(specot_muon_ws_alloc(NULL, R, C, &ws), SPECOT_OK);
  specot_muon_opts a, b;
  specot_muon_opts_init(&a, SPECOT_MUON_MOONLIGHT);
  a.nesterov = 0;
  a.weight_decay = 0.0;
  a.lr = 0.01;
  a.scale = SPECOT_MUON_SCALE_NONE;
  a.ortho = SPECOT_MUON_ORTHO_REGULARIZED;
  a.eps = 0.3;
  b = a;
  b.momentum = SPECOT_MUON_MOMENTUM_EMA;
  b.eps = a.eps * (1.0 - a.beta) * (1.0 - a.beta);
  for (int s = 0; s < 20; ++s) {
    double *G = randn(100 + (uint64_t)s, LEN, 1.0);
    assert_int_equal(specot_muon_step(NULL, &a, ws, R, C, Wa, Ma, G, NULL), SPECOT_OK);
    assert_int_equal(specot_muon_step(NULL, &b, ws, R, C, Wb, Mb, G, NULL), SPECOT_OK);
    free(G);
  }
  assert_all_close(Wa, Wb, LEN, 1e-13, 1e-13);
  specot_muon_ws_free(ws);
  free(W0);
}

static void test_muon_errors(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_muon_ws *ws = NULL;
  assert_int_equal(specot_muon_ws_alloc(ctx, 0, 3, &ws), SPECOT_ERR_INVALID);
  assert_null(ws);
  assert_int_equal(specot_muon_ws_alloc(ctx, SIZE_MAX / 2, 4, &ws), SPECOT_ERR_TOO_LARGE);
  assert_int_equal(specot_muon_ws_alloc(ctx, 2, 2, NULL), SPECOT_ERR_INVALID);
  assert_int_equal(specot_muon_ws_alloc(ctx, R, C, &ws), SPECOT_OK);
  double W[LEN] = {0}, M[LEN] = {0}, G[LEN] = {0};
  specot_muon_opts o;
#define BAD(field, value)                                                               \
  specot_muon_opts_init(&o, SPECOT_MUON_KJ);                                            \
  o.field = value;                                                                      \
  assert_int_equal(specot_muon_step(ctx, &o, ws, R, C, W, M, G, NULL), SPECOT_ERR_INVALID);
  BAD(lr, 0.0);
  BAD(lr, NAN);
  BAD(beta, 1.0);
  BAD(beta, -0.1);
  BAD(weight_decay, -1.0);
  BAD(ns_steps, 0);
  BAD(ns_steps, 100);
  BAD(momentum, (specot_muon_momentum)5);
  BAD(scale, (specot_muon_scale)5);
  BAD(ortho, (specot_muon_ortho)5);
  specot_muon_opts_init(&o, SPECOT_MUON_KJ);
  o.ortho = SPECOT_MUON_ORTHO_REGULARIZED;
  o.eps = 0.0;
  assert_int_equal(specot_muon_step(ctx, &o, ws, R, C, W, M, G, NULL), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "eps"));
  assert_int_equal(specot_muon_step(ctx, NULL, ws, C, R, W, M, G, NULL), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "workspace"));
  G[4] = INFINITY;
  assert_int_equal(specot_muon_step(ctx, NULL, ws, R, C, W, M, G, NULL), SPECOT_ERR_INVALID);
  assert_int_equal(specot_muon_step(ctx, NULL, NULL, R, C, W, M, G, NULL), SPECOT_ERR_INVALID);
  specot_muon_ws_free(ws);
  specot_muon_ws_free(NULL);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_conventions_by_hand),
      cmocka_unit_test(test_update_spectrum),
      cmocka_unit_test(test_sum_equals_rescaled_ema),
      cmocka_unit_test(test_muon_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
