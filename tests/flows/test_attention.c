/* Flows: the attention objective (forces = gradients by finite differences and torch
 * autograd, effective tokens, the notebook's protocol draws and published statistics)
 * and the ReLU protocol's torch stream (the paper's initial dissipation ratio). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flows/flows_internal.h"
#include "specot/flows.h"
#include "specot/io.h"
#include "specot/linalg.h"
#include "test_support.h"

enum { DT = 4, DH = 3, D = 4 * DH * DT };

static double *randn(uint64_t seed, size_t len, double sd) {
  double *x = malloc(len * sizeof *x);
  specot_rng rng;
  specot_rng_seed(&rng, seed);
  specot_rng_fill_normal(&rng, x, len, 0.0, sd);
  return x;
}

static specot_array load(const char *name) {
  char path[1024];
  specot_array a;
  assert_int_equal(specot_io_read(NULL, specot_test_data_path(path, sizeof path, name), NULL, &a),
                   0);
  return a;
}

/* Central differences on every coordinate: dE/dx_hk = w_h g_hk (non-uniform weights,
 * a head dimension other than the token dimension). */
static void test_attention_forces_fd(void **state) {
  (void)state;
  const size_t n = 3, nseq = 2, m = 5, dt = 3, dh = 2, d = 4 * dh * dt;
  double *x = randn(1, n * d, 0.8), *z = randn(2, nseq * m * dt, 1.0),
         *y = randn(3, nseq * m * dt, 0.5);
  double *g = malloc(n * d * sizeof *g), *tmp = malloc(n * d * sizeof *tmp);
  const double w[3] = {0.2, 0.5, 0.3};
  specot_flow_objective obj;
  assert_int_equal(specot_flow_attention_alloc(NULL, z, y, nseq, m, dt, dh, &obj), SPECOT_OK);
  assert_int_equal(obj.d, d);
  assert_string_equal(obj.name, "attention");
  double e0, ep, em, gmax = 0.0;
  assert_int_equal(obj.eval(obj.model, NULL, x, w, n, d, &e0, g), SPECOT_OK);
  for (size_t k = 0; k < n * d; ++k) gmax = fmax(gmax, fabs(w[k / d] * g[k]));
  assert_true(gmax > 1e-3);
  const double h = 1e-6;
  for (size_t k = 0; k < n * d; ++k) {
    const double keep = x[k];
    x[k] = keep + h;
    assert_int_equal(obj.eval(obj.model, NULL, x, w, n, d, &ep, tmp), SPECOT_OK);
    x[k] = keep - h;
    assert_int_equal(obj.eval(obj.model, NULL, x, w, n, d, &em, tmp), SPECOT_OK);
    x[k] = keep;
    assert_close((ep - em) / (2 * h), w[k / d] * g[k], 1e-6, 1e-7 * gmax);
  }
  /* Without the forward cache (the backward recomputes the forward): identical numbers. */
  double *g2 = malloc(n * d * sizeof *g2), e2;
  specot__flow_attention_set_cache_max(&obj, 0);
  assert_int_equal(obj.eval(obj.model, NULL, x, w, n, d, &e2, g2), SPECOT_OK);
  assert_true(e2 == e0);
  assert_int_equal(memcmp(g, g2, n * d * sizeof *g), 0);
  free(g2);
  /* The energy is 1/2 mean squared error of the predictor. */
  double *pred = malloc(nseq * m * dt * sizeof *pred), se = 0.0;
  assert_int_equal(specot_flow_attention_predict(NULL, x, w, n, dt, dh, z, nseq, m, pred),
                   SPECOT_OK);
  for (size_t k = 0; k < nseq * m * dt; ++k) se += (pred[k] - y[k]) * (pred[k] - y[k]);
  assert_close(e0, 0.5 * se / (double)(nseq * m * dt), 1e-14, 0.0);
  specot_flow_objective_free(&obj);
  free(x);
  free(z);
  free(y);
  free(g);
  free(tmp);
  free(pred);
}

/* torch autograd of the notebook's model (float64) on a stored instance: forces = n grad. */
static void test_attention_matches_torch_autograd(void **state) {
  (void)state;
  specot_array x = load("flows/attn_x.npy"), z = load("flows/attn_z.npy"),
               y = load("flows/attn_y.npy"), ref = load("flows/attn_ref.npy");
  const size_t n = x.rows, nseq = z.rows, m = z.cols / DT;
  assert_int_equal(x.cols, D);
  specot_flow_objective obj;
  assert_int_equal(specot_flow_attention_alloc(NULL, z.data, y.data, nseq, m, DT, DH, &obj),
                   SPECOT_OK);
  double *g = malloc(n * D * sizeof *g), *w = malloc(n * sizeof *w), e;
  for (size_t i = 0; i < n; ++i) w[i] = 1.0 / (double)n;
  assert_int_equal(obj.eval(obj.model, NULL, x.data, w, n, D, &e, g), SPECOT_OK);
  assert_close(e, ref.data[0], 1e-13, 0.0);
  for (size_t k = 0; k < n * D; ++k) g[k] /= (double)n;
  assert_all_close(g, ref.data + 1, n * D, 1e-11, 1e-14);
  specot_flow_objective_free(&obj);
  free(g);
  free(w);
  specot_array_free(&x);
  specot_array_free(&z);
  specot_array_free(&y);
  specot_array_free(&ref);
}

/* Q = 0: every attention row is uniform, 1/sum A^2 = m exactly; a large query-key
 * scale concentrates the rows (towards 1 token). */
static void test_effective_tokens_bounds(void **state) {
  (void)state;
  const size_t n = 2, nseq = 3, m = 7;
  double *x = randn(4, n * D, 1.0), *z = randn(5, nseq * m * DT, 1.0), eff;
  for (size_t h = 0; h < n; ++h) memset(x + h * D, 0, DH * DT * sizeof *x);
  assert_int_equal(specot_flow_attention_effective_tokens(NULL, x, n, DT, DH, z, nseq, m, &eff),
                   SPECOT_OK);
  assert_close(eff, (double)m, 1e-14, 0.0);
  for (size_t h = 0; h < n; ++h)
    for (size_t k = 0; k < 2 * DH * DT; ++k) x[h * D + k] = 1e3 * (double)((k * 7 + h) % 5) - 2e3;
  assert_int_equal(specot_flow_attention_effective_tokens(NULL, x, n, DT, DH, z, nseq, m, &eff),
                   SPECOT_OK);
  assert_true(eff >= 1.0 && eff < 1.5);
  free(x);
  free(z);
}

/* The protocol's draws equal the notebook's torch draws (float32 -> double). */
static void test_attention_protocol_draws(void **state) {
  (void)state;
  specot_array th = load("flows/attn_teacher_sparse_run0.npy"), x0 = load("flows/attn_x0_run0.npy");
  specot_flow_attention_protocol_opts po;
  specot_flow_attention_protocol_opts_init(&po, 1);
  assert_close(po.qk_scale, 1.45, 0.0, 0.0);
  const size_t n = 200;
  double *x = malloc(n * D * sizeof *x), teacher[5 * D];
  specot_flow_objective obj;
  assert_int_equal(specot_flow_attention_protocol(NULL, &po, n, &obj, x, teacher, NULL, NULL, NULL),
                   SPECOT_OK);
  /* float32 draws: torch's AVX2 float kernel differs from ours by <= 3 float ulps */
  assert_all_close(teacher, th.data, 5 * D, 4e-7, 1e-7);
  assert_all_close(x, x0.data, n * D, 4e-7, 1e-8);
  specot_flow_objective_free(&obj);
  free(x);
  specot_array_free(&th);
  specot_array_free(&x0);
}

/* Teacher effective tokens over runs 0-4: the published 15.9892 +- 0.0040 (dense) and
 * 2.1278 +- 0.1222 (sparse), population std (attention_energy_stats.json), and the
 * same statistics recomputed by torch here (attn_tokens_stats.npy). */
static void test_attention_published_token_stats(void **state) {
  (void)state;
  static const double published[4] = {15.989243507385254, 0.004036244361808352, 2.1278050899505616,
                                      0.1222121135819087};
  specot_array ref = load("flows/attn_tokens_stats.npy");
  for (int regime = 0; regime < 2; ++regime) {
    double sum = 0.0, sum2 = 0.0;
    for (unsigned run = 0; run < 5; ++run) {
      specot_flow_attention_protocol_opts po;
      specot_flow_attention_protocol_opts_init(&po, regime);
      po.run = run;
      po.n_test = 0;
      specot_flow_objective obj;
      double eff;
      assert_int_equal(
          specot_flow_attention_protocol(NULL, &po, 1, &obj, NULL, NULL, NULL, NULL, &eff),
          SPECOT_OK);
      sum += eff;
      sum2 += eff * eff;
      specot_flow_objective_free(&obj);
    }
    const double mean = sum / 5.0, sd = sqrt(fmax(sum2 / 5.0 - mean * mean, 0.0));
    print_message("attention regime %d: effective tokens %.8f +- %.8f\n", regime, mean, sd);
    /* torch computes in float32: relative 1e-6 on the mean, 1e-6 absolute on the std */
    assert_close(mean, published[2 * regime], 1e-6, 0.0);
    assert_close(sd, published[2 * regime + 1], 0.0, 1e-6);
    assert_close(mean, ref.data[2 * regime], 1e-6, 0.0);
  }
  specot_array_free(&ref);
}

/* A few p = inf Euler steps of the dense protocol decrease the energy. */
static void test_attention_flow_decreases(void **state) {
  (void)state;
  specot_flow_attention_protocol_opts po;
  specot_flow_attention_protocol_opts_init(&po, 0);
  po.n_train = 4;
  po.n_test = 0;
  const size_t n = 20;
  double *x0 = malloc(n * D * sizeof *x0);
  specot_flow_objective obj;
  assert_int_equal(specot_flow_attention_protocol(NULL, &po, n, &obj, x0, NULL, NULL, NULL, NULL),
                   SPECOT_OK);
  specot_flow_opts fo;
  specot_flow_opts_init(&fo);
  fo.dt = 0.05;
  specot_flow *f = NULL;
  assert_int_equal(specot_flow_alloc(NULL, &obj, &fo, n, D, x0, NULL, &f), SPECOT_OK);
  specot_flow_diag d0, d;
  specot_flow_diag_get(f, &d0);
  double prev = d0.energy;
  for (int s = 0; s < 5; ++s) {
    assert_int_equal(specot_flow_step(NULL, f, &d), SPECOT_OK);
    assert_true(d.energy < prev);
    prev = d.energy;
  }
  specot_flow_free(f);
  specot_flow_objective_free(&obj);
  free(x0);
}

static void test_attention_errors(void **state) {
  (void)state;
  double z[24] = {0}, y[24] = {0}, x[D] = {0}, out[24];
  specot_flow_objective obj;
  specot_ctx *ctx = specot_ctx_alloc();
  assert_int_equal(specot_flow_attention_alloc(ctx, NULL, y, 1, 6, DT, DH, &obj),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_flow_attention_alloc(ctx, z, y, 1, 0, DT, DH, &obj), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "tokens"));
  assert_int_equal(specot_flow_attention_alloc(ctx, z, y, SIZE_MAX / 2, 6, DT, DH, &obj),
                   SPECOT_ERR_TOO_LARGE);
  z[5] = NAN;
  assert_int_equal(specot_flow_attention_alloc(ctx, z, y, 1, 6, DT, DH, &obj), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "tokens z"));
  z[5] = 0.0;
  assert_int_equal(specot_flow_attention_predict(ctx, x, NULL, 0, DT, DH, z, 1, 6, out),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_flow_attention_predict(ctx, x, NULL, 1, DT, DH, z, 1, 6, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_flow_attention_effective_tokens(ctx, x, 1, DT, DH, z, 1, 6, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_flow_attention_alloc(ctx, z, y, 1, 6, DT, DH, &obj), SPECOT_OK);
  double e, g[D + 1];
  assert_int_equal(obj.eval(obj.model, ctx, x, out, 1, D + 1, &e, g), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "d = 49"));
  specot_flow_objective_free(&obj);
  specot_flow_attention_protocol_opts po;
  specot_flow_attention_protocol_opts_init(&po, 0);
  po.qk_scale = -1.0;
  assert_int_equal(specot_flow_attention_protocol(ctx, &po, 3, &obj, NULL, NULL, NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  specot_flow_attention_protocol_opts_init(&po, 0);
  assert_int_equal(specot_flow_attention_protocol(ctx, &po, 0, &obj, NULL, NULL, NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  po.regime = -1;
  assert_int_equal(specot_flow_attention_protocol(ctx, &po, 3, &obj, NULL, NULL, NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  specot_flow_attention_protocol_opts_init(&po, 0);
  po.n_train = (size_t)1 << 29;
  assert_int_equal(specot_flow_attention_protocol(ctx, &po, 3, &obj, NULL, NULL, NULL, NULL, NULL),
                   SPECOT_ERR_TOO_LARGE);
  assert_int_equal(specot_flow_attention_protocol(ctx, NULL, 3, NULL, NULL, NULL, NULL, NULL, NULL),
                   SPECOT_ERR_INVALID);
  specot_ctx_free(ctx);
}

/* torch.manual_seed(7) stream (spec section 3): the paper's initial dissipation ratio
 * ||G||_*^2 / ||G||_F^2 = 2.5576465476583627 and initial loss 0.0679779536177119. */
static void test_relu_protocol_torch_ratio(void **state) {
  (void)state;
  const size_t n = 1920, d = 3;
  double *x0 = malloc(n * d * sizeof *x0), *g = malloc(n * d * sizeof *g),
         *w = malloc(n * sizeof *w);
  for (size_t i = 0; i < n; ++i) w[i] = 1.0 / (double)n;
  specot_flow_relu_protocol_opts po;
  specot_flow_relu_protocol_opts_init(&po);
  assert_int_equal(po.torch_rng, 0);
  po.torch_rng = 1;
  specot_flow_objective obj;
  assert_int_equal(specot_flow_relu_protocol(NULL, &po, n, &obj, x0, NULL, NULL), SPECOT_OK);
  double e, ratio;
  assert_int_equal(obj.eval(obj.model, NULL, x0, w, n, d, &e, g), SPECOT_OK);
  assert_int_equal(specot_flow_dissipation_ratio(NULL, g, n, d, &ratio), SPECOT_OK);
  print_message("relu protocol, torch stream seed 7: ratio %.16g, loss %.16g\n", ratio, e);
  assert_close(ratio, 2.5576465476583627, 0.0, 1e-9);
  assert_close(e, 0.0679779536177119, 1e-12, 0.0);
  /* G = gradient of the mean loss = forces / n: sigma(G), n ||G||_F^2, n ||G||_*^2 (spec
   * section 3, 7 significant digits) and the clipped decrease ratio sqrt(ratio / 3) = 0.92334. */
  for (size_t k = 0; k < n * d; ++k) g[k] /= (double)n;
  double s[3], f2 = 0.0;
  assert_int_equal(specot_linalg_singular_values(NULL, NULL, g, n, d, s), SPECOT_OK);
  assert_close(s[0], 2.826465e-3, 2e-7, 0.0);
  assert_close(s[1], 2.010548e-3, 3e-7, 0.0);
  assert_close(s[2], 8.898280e-4, 6e-7, 0.0);
  for (size_t k = 0; k < n * d; ++k) f2 += g[k] * g[k];
  assert_close((double)n * f2, 0.0246202, 3e-6, 0.0);
  assert_close((double)n * (s[0] + s[1] + s[2]) * (s[0] + s[1] + s[2]), 0.0629697, 2e-6, 0.0);
  assert_close(sqrt(ratio / 3.0), 0.92334, 1e-5, 0.0);
  specot_flow_objective_free(&obj);
  free(x0);
  free(g);
  free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_attention_forces_fd),
      cmocka_unit_test(test_attention_matches_torch_autograd),
      cmocka_unit_test(test_effective_tokens_bounds),
      cmocka_unit_test(test_attention_protocol_draws),
      cmocka_unit_test(test_attention_published_token_stats),
      cmocka_unit_test(test_attention_flow_decreases),
      cmocka_unit_test(test_attention_errors),
      cmocka_unit_test(test_relu_protocol_torch_ratio),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
