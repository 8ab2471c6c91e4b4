/* Flows: regularized-Muon damped Hamiltonian dynamics (muon.md 2.3-2.4),
 * exact equivalence with EMA regularized Muon, exponential rate, and
 * checkpoint/resume. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* muon.md 4.6: A in R^{8x6}, X in R^{6x4}, gamma = 1, eps = 0.04, unit weights. */
typedef struct quad_case {
  size_t r, n, d;
  double *A, *B, *x0, w[6];
  specot_flow_objective obj;
} quad_case;

static void quad_case_init(quad_case *q, uint64_t seed) {
  q->r = 8;
  q->n = 6;
  q->d = 4;
  q->A = randn(seed, q->r * q->n, 1.0);
  q->B = randn(seed + 1, q->r * q->d, 1.0);
  q->x0 = randn(seed + 2, q->n * q->d, 1.0);
  for (size_t i = 0; i < q->n; ++i) q->w[i] = 1.0;
  assert_int_equal(specot_flow_quadratic_alloc(NULL, q->A, q->B, q->r, q->n, q->d, &q->obj), SPECOT_OK);
}

static void quad_case_free(quad_case *q) {
  specot_flow_objective_free(&q->obj);
  free(q->A);
  free(q->B);
  free(q->x0);
}

static void run_hamiltonian(quad_case *q, specot_flow_kinetic kinetic, size_t brows, double h, int steps,
                            specot_flow_counters *cnt, double *h_first, double *h_last) {
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.method = SPECOT_FLOW_HAMILTONIAN;
  o.gamma = 1.0;
  o.eps = 0.04;
  o.dt = h;
  o.kinetic = kinetic;
  o.block_rows[0] = brows;
  specot_flow *f;
  assert_int_equal(specot_flow_alloc(NULL, &q->obj, &o, q->n, q->d, q->x0, q->w, &f), SPECOT_OK);
  specot_flow_diag dg;
  specot_flow_diag_get(f, &dg);
  *h_first = dg.hamiltonian;
  for (int s = 0; s < steps; ++s) assert_int_equal(specot_flow_step(NULL, f, &dg), SPECOT_OK);
  *h_last = dg.hamiltonian;
  specot_flow_counters_get(f, cnt);
  specot_flow_free(f);
}

/* H is non-increasing for h <= 2 gamma sqrt(eps) / L and the discrete
 * inequality holds at every step; far above the threshold H rises. */
static void test_hamiltonian_monotone(void **state) {
  (void)state;
  quad_case q;
  quad_case_init(&q, 100);
  const double L = q.obj.lipschitz, hmax = 2.0 * 1.0 * sqrt(0.04) / L;
  const double factors[2] = {0.5, 1.0};
  specot_flow_counters cnt;
  double h0, h1;
  for (int k = 0; k < 2; ++k) {
    run_hamiltonian(&q, SPECOT_FLOW_KINETIC_MATRIX, 0, factors[k] * hmax, 400, &cnt, &h0, &h1);
    assert_int_equal((int)cnt.rises, 0);
    assert_int_equal((int)cnt.inequality_violations, 0);
    assert_true(h1 < h0);
    /* per particle: vector blocks, and 2 x 2 matrix blocks (MoE-style) */
    run_hamiltonian(&q, SPECOT_FLOW_KINETIC_PARTICLE, 0, factors[k] * hmax, 400, &cnt, &h0, &h1);
    assert_int_equal((int)cnt.rises, 0);
    assert_int_equal((int)cnt.inequality_violations, 0);
    run_hamiltonian(&q, SPECOT_FLOW_KINETIC_PARTICLE, 2, factors[k] * hmax, 400, &cnt, &h0, &h1);
    assert_int_equal((int)cnt.rises, 0);
    assert_int_equal((int)cnt.inequality_violations, 0);
  }
  /* 20x the threshold: H rises (the counter can fire) */
  run_hamiltonian(&q, SPECOT_FLOW_KINETIC_MATRIX, 0, 20.0 * hmax, 200, &cnt, &h0, &h1);
  assert_true(cnt.rises > 0);
  assert_true(cnt.max_rise > 0.0);
  quad_case_free(&q);
}

/* muon.md 2.3: EMA regularized Muon (beta, eta, eps_M) == symplectic Euler with
 * h = eta, gamma = (1-beta)/(beta eta), P = -M/gamma, eps_K = eps_M/gamma^2. */
static void test_ema_muon_equals_symplectic_euler(void **state) {
  (void)state;
  quad_case q;
  quad_case_init(&q, 200);
  const double beta = 0.9, eta = 0.02, eps_m = 0.05;
  const double gamma = (1.0 - beta) / (beta * eta), eps_k = eps_m / (gamma * gamma);
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.method = SPECOT_FLOW_HAMILTONIAN;
  o.kinetic = SPECOT_FLOW_KINETIC_MATRIX;
  o.gamma = gamma;
  o.eps = eps_k;
  o.dt = eta;
  specot_flow *f;
  assert_int_equal(specot_flow_alloc(NULL, &q.obj, &o, q.n, q.d, q.x0, q.w, &f), SPECOT_OK);
  specot_muon_opts mo;
  specot_muon_opts_init(&mo, SPECOT_MUON_KJ);
  mo.lr = eta;
  mo.beta = beta;
  mo.nesterov = 0;
  mo.weight_decay = 0.0;
  mo.scale = SPECOT_MUON_SCALE_NONE;
  mo.momentum = SPECOT_MUON_MOMENTUM_EMA;
  mo.ortho = SPECOT_MUON_ORTHO_REGULARIZED;
  mo.eps = eps_m;
  specot_muon_ws *ws;
  assert_int_equal(specot_muon_ws_alloc(NULL, q.n, q.d, &ws), SPECOT_OK);
  const size_t len = q.n * q.d;
  double *W = malloc(len * sizeof *W), *M = calloc(len, sizeof *M), *G = malloc(len * sizeof *G), e;
  memcpy(W, q.x0, len * sizeof *W);
  double maxdiff = 0.0, maxp = 0.0;
  for (int s = 0; s < 100; ++s) {
    assert_int_equal(q.obj.eval(q.obj.model, NULL, W, q.w, q.n, q.d, &e, G), SPECOT_OK);
    assert_int_equal(specot_muon_step(NULL, &mo, ws, q.n, q.d, W, M, G, NULL), SPECOT_OK);
    assert_int_equal(specot_flow_step(NULL, f, NULL), SPECOT_OK);
    const double *X = specot_flow_particles(f), *P = specot_flow_aux(f);
    for (size_t k = 0; k < len; ++k) {
      maxdiff = fmax(maxdiff, fabs(X[k] - W[k]));
      maxp = fmax(maxp, fabs(P[k] + M[k] / gamma) / (1.0 + fabs(M[k] / gamma)));
    }
  }
  assert_true(maxdiff < 1e-13);
  assert_true(maxp < 1e-13);
  free(W);
  free(M);
  free(G);
  specot_muon_ws_free(ws);
  specot_flow_free(f);
  quad_case_free(&q);
}

/* muon.md 2.4 / 4.7: on a strongly convex quadratic, H - J* ~ exp(-2 r_min t);
 * the log slope over t in [20, 40] is within 10% of -2 r_min. */
static void test_exponential_rate(void **state) {
  (void)state;
  const size_t r = 8, n = 6, d = 4;
  double *A = randn(300, r * n, 1.0), *X = randn(301, n * d, 1.0), *B = malloc(r * d * sizeof *B);
  /* B = A X_true so that J* = 0. */
  for (size_t i = 0; i < r; ++i)
    for (size_t k = 0; k < d; ++k) {
      double s = 0.0;
      for (size_t j = 0; j < n; ++j) s += A[i * n + j] * X[j * d + k];
      B[i * d + k] = s;
    }
  specot_flow_objective obj;
  assert_int_equal(specot_flow_quadratic_alloc(NULL, A, B, r, n, d, &obj), SPECOT_OK);
  /* rate from the eigenvalues of A^T A */
  double ata[36], lam[6];
  for (size_t a = 0; a < n; ++a)
    for (size_t b = 0; b < n; ++b) {
      double s = 0.0;
      for (size_t i = 0; i < r; ++i) s += A[i * n + a] * A[i * n + b];
      ata[a * n + b] = s;
    }
  assert_int_equal(specot_linalg_sym_eig(NULL, NULL, ata, n, lam, NULL), SPECOT_OK);
  const double gamma = 1.0, eps = 0.04, se = sqrt(eps);
  double rmin = INFINITY;
  for (size_t k = 0; k < n; ++k) {
    const double disc = gamma * gamma - 4.0 * lam[k] / se;
    const double rk = disc < 0.0 ? gamma / 2.0 : (gamma - sqrt(disc)) / 2.0;
    rmin = fmin(rmin, rk);
  }
  double x0[24], w[6] = {1, 1, 1, 1, 1, 1};
  for (size_t k = 0; k < n * d; ++k) x0[k] = X[k] + 0.5 * sin(1.0 + (double)k);
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.method = SPECOT_FLOW_HAMILTONIAN;
  o.kinetic = SPECOT_FLOW_KINETIC_MATRIX;
  o.gamma = gamma;
  o.eps = eps;
  o.dt = 0.005;
  specot_flow *f;
  assert_int_equal(specot_flow_alloc(NULL, &obj, &o, n, d, x0, w, &f), SPECOT_OK);
  double h20 = 0.0, h40 = 0.0;
  specot_flow_diag dg;
  for (int s = 1; s <= 8000; ++s) {
    assert_int_equal(specot_flow_step(NULL, f, &dg), SPECOT_OK);
    if (s == 4000) h20 = dg.hamiltonian;
  }
  h40 = dg.hamiltonian;
  const double slope = log(h40 / h20) / 20.0;
  print_message("hamiltonian rate: measured slope %.4f, predicted %.4f\n", slope, -2.0 * rmin);
  assert_close(slope, -2.0 * rmin, 0.10, 0.0);
  specot_flow_free(f);
  specot_flow_objective_free(&obj);
  free(A);
  free(X);
  free(B);
}

static void checkpoint_roundtrip(specot_flow_method method, const specot_flow_objective *obj, size_t n,
                                 size_t d, const double *x0, const char *path) {
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.method = method;
  o.p = 2.0;
  o.dt = 0.05;
  o.max_step = 0.5;
  specot_flow *a, *b;
  assert_int_equal(specot_flow_alloc(NULL, obj, &o, n, d, x0, NULL, &a), SPECOT_OK);
  assert_int_equal(specot_flow_alloc(NULL, obj, &o, n, d, x0, NULL, &b), SPECOT_OK);
  specot_flow_diag da, db;
  for (int s = 0; s < 7; ++s) assert_int_equal(specot_flow_step(NULL, a, &da), SPECOT_OK);
  (void)specot_rng_normal(specot_flow_rng(a));
  assert_int_equal(specot_flow_checkpoint_write(NULL, a, path), SPECOT_OK);
  assert_int_equal(specot_flow_checkpoint_read(NULL, b, path), SPECOT_OK);
  specot_flow_diag_get(a, &da);
  specot_flow_diag_get(b, &db);
  assert_memory_equal(&da, &db, sizeof da);
  for (int s = 0; s < 9; ++s) {
    assert_int_equal(specot_flow_step(NULL, a, &da), SPECOT_OK);
    assert_int_equal(specot_flow_step(NULL, b, &db), SPECOT_OK);
    assert_memory_equal(&da, &db, sizeof da); /* bit for bit */
  }
  assert_memory_equal(specot_flow_particles(a), specot_flow_particles(b), n * d * sizeof(double));
  if (method != SPECOT_FLOW_EULER)
    assert_memory_equal(specot_flow_aux(a), specot_flow_aux(b), n * d * sizeof(double));
  assert_true(specot_rng_next(specot_flow_rng(a)) == specot_rng_next(specot_flow_rng(b)));
  specot_flow_counters ca, cb;
  specot_flow_counters_get(a, &ca);
  specot_flow_counters_get(b, &cb);
  assert_memory_equal(&ca, &cb, sizeof ca);
  specot_flow_free(a);
  specot_flow_free(b);
}

static void test_checkpoint_resume(void **state) {
  (void)state;
  const size_t n = 15, m = 10, d = 2;
  double *x0 = randn(401, n * d, 1.0), *y = randn(402, m * d, 1.0);
  specot_flow_objective obj;
  assert_int_equal(specot_flow_mmd_alloc(NULL, y, NULL, m, d, 0.05, &obj), SPECOT_OK);
  char path[] = "flows_ckpt_test.bin";
  checkpoint_roundtrip(SPECOT_FLOW_EULER, &obj, n, d, x0, path);
  checkpoint_roundtrip(SPECOT_FLOW_MOMENTUM, &obj, n, d, x0, path);
  checkpoint_roundtrip(SPECOT_FLOW_HAMILTONIAN, &obj, n, d, x0, path);
  /* errors */
  specot_ctx *ctx = specot_ctx_alloc();
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.method = SPECOT_FLOW_HAMILTONIAN; /* the options of the last round trip */
  o.p = 2.0;
  o.dt = 0.05;
  o.max_step = 0.5;
  specot_flow *f;
  assert_int_equal(specot_flow_alloc(NULL, &obj, &o, n, d, x0, NULL, &f), SPECOT_OK);
  assert_int_equal(specot_flow_checkpoint_read(ctx, f, "no/such/file.bin"), SPECOT_ERR_IO);
  assert_int_equal(specot_flow_checkpoint_write(ctx, f, "no/such/dir/ck.bin"), SPECOT_ERR_IO);
  /* a method mismatch */
  specot_flow *e;
  o.method = SPECOT_FLOW_EULER;
  assert_int_equal(specot_flow_alloc(NULL, &obj, &o, n, d, x0, NULL, &e), SPECOT_OK);
  assert_int_equal(specot_flow_checkpoint_read(ctx, e, path), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "method"));
  specot_flow_free(e);
  /* same method, another dt or damping: refused (the trajectory would change) */
  o.method = SPECOT_FLOW_HAMILTONIAN;
  o.dt *= 2;
  assert_int_equal(specot_flow_alloc(NULL, &obj, &o, n, d, x0, NULL, &e), SPECOT_OK);
  assert_int_equal(specot_flow_checkpoint_read(ctx, e, path), SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "other flow options"));
  specot_flow_free(e);
  o.dt /= 2;
  o.gamma = 0.5;
  assert_int_equal(specot_flow_alloc(NULL, &obj, &o, n, d, x0, NULL, &e), SPECOT_OK);
  assert_int_equal(specot_flow_checkpoint_read(ctx, e, path), SPECOT_ERR_INVALID);
  specot_flow_free(e);
  o.gamma = 1.0; /* back to the writer's options: accepted */
  assert_int_equal(specot_flow_alloc(NULL, &obj, &o, n, d, x0, NULL, &e), SPECOT_OK);
  assert_int_equal(specot_flow_checkpoint_read(ctx, e, path), SPECOT_OK);
  specot_flow_free(e);
  /* header-only read: the step and shape of the last round trip's checkpoint (7 steps) */
  uint64_t step = 0;
  size_t cn = 0, cd = 0;
  assert_int_equal(specot_flow_checkpoint_info(ctx, path, &step, &cn, &cd), SPECOT_OK);
  assert_true(step == 7 && cn == n && cd == d);
  assert_int_equal(specot_flow_checkpoint_info(ctx, "no/such/file.bin", &step, NULL, NULL), SPECOT_ERR_IO);
  assert_int_equal(specot_flow_checkpoint_info(ctx, path, NULL, NULL, NULL), SPECOT_ERR_INVALID);
  /* corrupt one byte of X: checksum */
  FILE *fp = fopen(path, "r+b");
  assert_non_null(fp);
  fseek(fp, 8 + 13 * 8 + 6 * 8 + 3, SEEK_SET);
  const int c = fgetc(fp);
  fseek(fp, 8 + 13 * 8 + 6 * 8 + 3, SEEK_SET);
  fputc(c ^ 0x5a, fp);
  fclose(fp);
  const double before = specot_flow_particles(f)[0];
  assert_int_equal(specot_flow_checkpoint_read(ctx, f, path), SPECOT_ERR_FORMAT);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "checksum"));
  assert_true(specot_flow_particles(f)[0] == before);
  /* truncated */
  assert_int_equal(truncate(path, 100), 0);
  assert_int_equal(specot_flow_checkpoint_read(ctx, f, path), SPECOT_ERR_FORMAT);
  /* not a checkpoint */
  fp = fopen(path, "wb");
  fputs("hello world, not a checkpoint", fp);
  fclose(fp);
  assert_int_equal(specot_flow_checkpoint_read(ctx, f, path), SPECOT_ERR_FORMAT);
  assert_int_equal(specot_flow_checkpoint_info(ctx, path, &step, NULL, NULL), SPECOT_ERR_FORMAT);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "not a specot flow checkpoint"));
  remove(path);
  specot_flow_free(f);
  specot_ctx_free(ctx);
  specot_flow_objective_free(&obj);
  free(x0);
  free(y);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hamiltonian_monotone),
      cmocka_unit_test(test_ema_muon_equals_symplectic_euler),
      cmocka_unit_test(test_exponential_rate),
      cmocka_unit_test(test_checkpoint_resume),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
