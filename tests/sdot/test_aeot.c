/* AE-OT pipeline pieces: digits loader (real file when installed; truncated
 * gzip, bad rows, missing file), PCA (spec sec. 3.3 variance values on
 * digits, orthonormality, exact reconstruction), MLP autoencoder, toy
 * mixtures with the VEEGAN statistics, precision/recall against a brute-force
 * computation, k-NN label statistics. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "specot/aeot.h"
#include "test_support.h"

static void test_digits_real(void **state) {
  (void)state;
  char path[4096];
  if (!specot_aeot_digits_find(path, sizeof path)) {
    print_message("digits.csv.gz not installed (python3-sklearn): skipped\n");
    skip();
  }
  specot_array X, L;
  assert_int_equal(specot_aeot_digits_load(NULL, path, &X, &L), SPECOT_OK);
  assert_int_equal(X.rows, 1797);
  assert_int_equal(X.cols, 64);
  const int expect[10] = {178, 182, 177, 183, 181, 182, 181, 179, 174, 180};
  int count[10] = {0};
  for (size_t i = 0; i < L.rows; ++i) count[(int)L.data[i]]++;
  for (int c = 0; c < 10; ++c) assert_int_equal(count[c], expect[c]);
  /* spec sec. 3.3 [M]: variance kept by PCA d = 2, 4, 8, 10 */
  const size_t ks[4] = {2, 4, 8, 10};
  const double kept[4] = {0.285, 0.487, 0.674, 0.738};
  for (int t = 0; t < 4; ++t) {
    specot_aeot_pca pca;
    assert_int_equal(specot_aeot_pca_fit(NULL, X.rows, 64, X.data, ks[t], &pca), SPECOT_OK);
    assert_close(pca.explained, kept[t], 0.0, 6e-4);
    if (ks[t] == 8) { /* reconstruction MSE on pixels / 16 is 0.024 */
      double *Z = malloc(X.rows * 8 * sizeof *Z), *R = malloc(X.rows * 64 * sizeof *R), mse = 0;
      specot_aeot_pca_encode(&pca, X.rows, X.data, Z);
      specot_aeot_pca_decode(&pca, X.rows, Z, R);
      for (size_t i = 0; i < X.rows * 64; ++i)
        mse += pow((R[i] - X.data[i]) / 16.0, 2) / (double)(X.rows * 64);
      assert_close(mse, 0.024, 0.0, 6e-4);
      free(Z), free(R);
    }
    specot_aeot_pca_free(&pca);
  }
  specot_array_free(&X), specot_array_free(&L);
}

static void write_gz(const char *path, size_t rows, int bad) {
  gzFile gz = gzopen(path, "wb");
  assert_non_null(gz);
  for (size_t r = 0; r < rows; ++r) {
    for (int k = 0; k < 64; ++k) gzprintf(gz, "%d,", (int)((r * 7 + (size_t)k) % 17));
    gzprintf(gz, "%d\n", bad && r == 2 ? 12 : (int)(r % 10));
  }
  gzclose(gz);
}

static void test_digits_errors(void **state) {
  (void)state;
  char path[64];
  snprintf(path, sizeof path, "aeot_digits_%d.csv.gz", (int)(rand() % 100000));
  specot_ctx *ctx = specot_ctx_alloc();
  specot_array X, L;
  write_gz(path, 300, 0);
  assert_int_equal(specot_aeot_digits_load(ctx, path, &X, &L), SPECOT_OK);
  assert_int_equal(X.rows, 300);
  assert_close(X.data[64 + 3], (double)((7 + 3) % 17), 0.0, 0.0);
  assert_close(L.data[13], 3.0, 0.0, 0.0);
  specot_array_free(&X), specot_array_free(&L);
  /* truncate the gzip stream to half its size */
  FILE *f = fopen(path, "rb");
  char buf[65536];
  const size_t len = fread(buf, 1, sizeof buf, f);
  fclose(f);
  f = fopen(path, "wb");
  fwrite(buf, 1, len / 2, f);
  fclose(f);
  assert_int_equal(specot_aeot_digits_load(ctx, path, &X, &L), SPECOT_ERR_FORMAT);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "truncated"));
  assert_null(X.data);
  /* corrupt body: flip bytes after the gzip header */
  for (size_t i = 20; i < len; i += 7) buf[i] ^= 0x5a;
  f = fopen(path, "wb");
  fwrite(buf, 1, len, f);
  fclose(f);
  assert_int_equal(specot_aeot_digits_load(ctx, path, &X, &L), SPECOT_ERR_FORMAT);
  write_gz(path, 5, 1);
  assert_int_equal(specot_aeot_digits_load(ctx, path, &X, &L), SPECOT_ERR_FORMAT);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "line 3"));
  f = fopen(path, "wb");
  fputs("1,2,3\n", f);
  fclose(f);
  assert_int_equal(specot_aeot_digits_load(ctx, path, &X, &L), SPECOT_ERR_FORMAT);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "line 1"));
  f = fopen(path, "wb");
  fclose(f);
  assert_int_equal(specot_aeot_digits_load(ctx, path, &X, &L), SPECOT_ERR_FORMAT);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "no data"));
  remove(path);
  assert_int_equal(specot_aeot_digits_load(ctx, path, &X, &L), SPECOT_ERR_IO);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), path));
  specot_ctx_free(ctx);
}

/* PCA on random data: orthonormal components, Z variances = eigenvalues,
 * k = dim reconstructs exactly; errors. */
static void test_pca_properties(void **state) {
  (void)state;
  enum { n = 400, dim = 6, k = 3 };
  specot_rng rng;
  specot_rng_seed(&rng, 9);
  double X[n * dim], Z[n * dim], R[n * dim];
  for (size_t i = 0; i < n; ++i)
    for (size_t c = 0; c < dim; ++c)
      X[i * dim + c] = (double)(c + 1) * specot_rng_normal(&rng) + 0.5 * (double)c;
  specot_aeot_pca pca;
  assert_int_equal(specot_aeot_pca_fit(NULL, n, dim, X, k, &pca), SPECOT_OK);
  for (size_t a = 0; a < k; ++a)
    for (size_t b = 0; b < k; ++b) {
      double s = 0.0;
      for (size_t c = 0; c < dim; ++c) s += pca.components[c * k + a] * pca.components[c * k + b];
      assert_close(s, a == b ? 1.0 : 0.0, 0.0, 1e-12);
    }
  specot_aeot_pca_encode(&pca, n, X, Z);
  for (size_t a = 0; a < k; ++a) {
    double m = 0.0, v = 0.0;
    for (size_t i = 0; i < n; ++i) m += Z[i * k + a] / n;
    for (size_t i = 0; i < n; ++i) v += (Z[i * k + a] - m) * (Z[i * k + a] - m) / n;
    assert_close(m, 0.0, 0.0, 1e-12);
    assert_close(v, pca.variance[a], 1e-10, 0.0);
    if (a > 0) assert_true(pca.variance[a] <= pca.variance[a - 1]);
  }
  specot_aeot_pca_free(&pca);
  assert_int_equal(specot_aeot_pca_fit(NULL, n, dim, X, dim, &pca), SPECOT_OK);
  assert_close(pca.explained, 1.0, 0.0, 1e-12);
  specot_aeot_pca_encode(&pca, n, X, Z);
  specot_aeot_pca_decode(&pca, n, Z, R);
  assert_all_close(R, X, n * dim, 0.0, 1e-10);
  specot_aeot_pca_free(&pca);
  assert_int_equal(specot_aeot_pca_fit(NULL, n, dim, X, dim + 1, &pca), SPECOT_ERR_INVALID);
  assert_int_equal(specot_aeot_pca_fit(NULL, 0, dim, X, 1, &pca), SPECOT_ERR_INVALID);
}

/* MLP on a circle embedded in 5-D: k = 2 reconstructs far better than the mean;
 * encode/decode reproduce the reported training loss. */
static void test_mlp(void **state) {
  (void)state;
  enum { n = 512, dim = 5 };
  specot_rng rng;
  specot_rng_seed(&rng, 10);
  double X[n * dim], Z[n * 2], R[n * dim], var = 0.0, mse = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double t = 6.283185307179586 * specot_rng_uniform(&rng);
    const double row[dim] = {cos(t), sin(t), 0.5 * cos(t) - 0.3 * sin(t), 0.2, -0.4 * sin(t)};
    memcpy(X + i * dim, row, sizeof row);
  }
  for (size_t c = 0; c < dim; ++c) {
    double m = 0.0;
    for (size_t i = 0; i < n; ++i) m += X[i * dim + c] / n;
    for (size_t i = 0; i < n; ++i) var += pow(X[i * dim + c] - m, 2) / (n * dim);
  }
  specot_aeot_mlp_opts o;
  specot_aeot_mlp_opts_init(&o);
  o.hidden = 32, o.epochs = 60;
  specot_aeot_mlp mlp;
  assert_int_equal(specot_aeot_mlp_fit(NULL, n, dim, X, 2, &o, &mlp), SPECOT_OK);
  assert_true(mlp.loss < 0.05 * var);
  assert_int_equal(specot_aeot_mlp_encode(NULL, &mlp, n, X, Z), SPECOT_OK);
  assert_int_equal(specot_aeot_mlp_decode(NULL, &mlp, n, Z, R), SPECOT_OK);
  for (size_t i = 0; i < n * dim; ++i) mse += pow(R[i] - X[i], 2) / (n * dim);
  assert_close(mse, mlp.loss, 0.5, 0.0); /* last-epoch average vs final weights */
  specot_aeot_mlp_free(&mlp);
  o.lr = 0;
  assert_int_equal(specot_aeot_mlp_fit(NULL, n, dim, X, 2, &o, &mlp), SPECOT_ERR_INVALID);
  /* a learning rate that blows the weights up: non-finite loss is reported */
  o.lr = 1e300, o.epochs = 5;
  specot_ctx *ctx = specot_ctx_alloc();
  assert_int_equal(specot_aeot_mlp_fit(ctx, n, dim, X, 2, &o, &mlp), SPECOT_ERR_NUMERICAL);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "not finite"));
  assert_null(mlp.w);
  specot_ctx_free(ctx);
}

/* True toy samples: HQ fraction = P(|N(0, s^2 I_2)| <= 3 s) = 1 - e^{-4.5}. */
static void test_toys_and_modes(void **state) {
  (void)state;
  enum { N = 20000 };
  specot_rng rng;
  specot_rng_seed(&rng, 12);
  double *X = malloc(2 * N * sizeof *X), centres[50], sigma;
  for (int toy = 0; toy < 2; ++toy) {
    const size_t m = specot_aeot_toy_modes((specot_aeot_toy)toy, centres, &sigma);
    assert_int_equal(m, toy ? 25 : 8);
    specot_aeot_toy_sample((specot_aeot_toy)toy, &rng, N, X, NULL);
    specot_aeot_mode_stats s;
    assert_int_equal(specot_aeot_mode_metrics(NULL, N, X, 2, m, centres, sigma, &s), SPECOT_OK);
    assert_int_equal(s.modes_captured, m);
    const double p = 1 - exp(-4.5);
    assert_close(s.hq_fraction, p, 0.0, 5 * sqrt(p * (1 - p) / N));
    assert_true(s.max_mass_error < 5 * sqrt((double)m / N) * 1.5);
  }
  /* radius sqrt2 for the ring: all centres at 2/1.414 */
  specot_aeot_toy_modes(SPECOT_AEOT_8GAUSSIANS, centres, &sigma);
  assert_close(hypot(centres[6], centres[7]), 2 / 1.414, 1e-14, 0.0);
  specot_aeot_toy_sample(SPECOT_AEOT_SWISSROLL, &rng, N, X, NULL);
  double rmax = 0.0;
  for (size_t i = 0; i < N; ++i) rmax = fmax(rmax, hypot(X[2 * i], X[2 * i + 1]));
  assert_true(rmax > 1.5 && rmax < 2.0); /* t <= 4.5 pi: 14.1/7.5 plus noise */
  specot_aeot_mode_stats s;
  assert_int_equal(specot_aeot_mode_metrics(NULL, N, X, 2, 0, centres, sigma, &s),
                   SPECOT_ERR_INVALID);
  free(X);
}

/* Precision/recall against a brute-force computation with explicit loops. */
static void brute_pr(size_t nr, const double *R, size_t ng, const double *G, size_t dim, size_t k,
                     double *prec, double *rec) {
  const double *sets[2] = {R, G};
  const size_t ns[2] = {nr, ng};
  double *rad[2];
  for (int s = 0; s < 2; ++s) {
    rad[s] = malloc(ns[s] * sizeof *rad[s]);
    double *dd = malloc(ns[s] * sizeof *dd);
    for (size_t i = 0; i < ns[s]; ++i) {
      for (size_t j = 0; j < ns[s]; ++j) {
        double q = 0;
        for (size_t c = 0; c < dim; ++c) q += pow(sets[s][i * dim + c] - sets[s][j * dim + c], 2);
        dd[j] = i == j ? -1 : sqrt(q);
      }
      for (size_t a = 0; a <= k; ++a) /* partial selection sort */
        for (size_t b = a + 1; b < ns[s]; ++b)
          if (dd[b] < dd[a]) {
            const double t = dd[a];
            dd[a] = dd[b];
            dd[b] = t;
          }
      rad[s][i] = dd[k];
    }
    free(dd);
  }
  for (int s = 0; s < 2; ++s) {
    const int o = 1 - s;
    size_t in = 0;
    for (size_t i = 0; i < ns[o]; ++i) {
      int hit = 0;
      for (size_t j = 0; j < ns[s] && !hit; ++j) {
        double q = 0;
        for (size_t c = 0; c < dim; ++c) q += pow(sets[o][i * dim + c] - sets[s][j * dim + c], 2);
        hit = sqrt(q) <= rad[s][j] * (1 + 1e-12);
      }
      in += (size_t)hit;
    }
    *(s == 0 ? prec : rec) = (double)in / (double)ns[o];
  }
  free(rad[0]), free(rad[1]);
}

static void test_precision_recall(void **state) {
  (void)state;
  enum { nr = 300, ng = 250, dim = 3 };
  specot_rng rng;
  specot_rng_seed(&rng, 14);
  double R[nr * dim], G[ng * dim], p, r, bp = -1, br = -1;
  specot_rng_fill_normal(&rng, R, nr * dim, 0.0, 1.0);
  specot_rng_fill_normal(&rng, G, ng * dim, 0.0, 1.0);
  for (size_t i = 0; i < ng; ++i) G[i * dim] *= 0.4, G[i * dim + 1] += 0.8;
  assert_int_equal(specot_aeot_precision_recall(NULL, nr, R, ng, G, dim, 3, &p, &r), SPECOT_OK);
  brute_pr(nr, R, ng, G, dim, 3, &bp, &br);
  assert_close(p, bp, 0.0, 1.0 / ng + 1e-12);
  assert_close(r, br, 0.0, 1.0 / nr + 1e-12);
  assert_true(p > r); /* the generated set is narrower than the real one */
  assert_int_equal(specot_aeot_precision_recall(NULL, nr, R, nr, R, dim, 3, &p, &r), SPECOT_OK);
  assert_close(p, 1.0, 0.0, 0.0);
  assert_close(r, 1.0, 0.0, 0.0);
  assert_int_equal(specot_aeot_precision_recall(NULL, 3, R, ng, G, dim, 3, &p, &r),
                   SPECOT_ERR_INVALID);
}

static void test_knn_labels(void **state) {
  (void)state;
  enum { n = 40 };
  /* 5 + 5 points of classes 0 / 1 at x = -1 / +1, 15 + 15 far away at x = -+50 */
  double T[n * 2], G[3 * 2] = {-50, 0.05, 50, -0.05, 0, 0.3}, hist[2], amb, med;
  int lab[n];
  for (size_t i = 0; i < n; ++i) {
    lab[i] = (int)(i % 2);
    const double x = i < 10 ? 1.0 : 50.0;
    T[2 * i] = lab[i] ? x : -x;
    T[2 * i + 1] = 0.01 * (double)(i / 2);
  }
  int pred[2];
  double share[2];
  assert_int_equal(
      specot_aeot_knn_labels(NULL, n, T, lab, 2, 2, G, 2, 10, hist, &amb, &med, pred, share),
      SPECOT_OK);
  assert_close(hist[0], 0.5, 0.0, 0.0);
  assert_int_equal(pred[0], 0);
  assert_int_equal(pred[1], 1);
  assert_close(share[1], 1.0, 0.0, 0.0);
  assert_close(amb, 0.0, 0.0, 0.0);
  /* the query (0, 0.3) sees the 10 near points, 5 of each class: ambiguous */
  assert_int_equal(
      specot_aeot_knn_labels(NULL, n, T, lab, 2, 1, G + 4, 2, 10, hist, &amb, &med, NULL, NULL),
      SPECOT_OK);
  assert_close(amb, 1.0, 0.0, 0.0);
  assert_close(med, hypot(1.0, 0.26), 0.0, 1e-12);
  lab[3] = 7;
  assert_int_equal(
      specot_aeot_knn_labels(NULL, n, T, lab, 2, 2, G, 2, 10, hist, &amb, &med, NULL, NULL),
      SPECOT_ERR_INVALID);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_digits_real),    cmocka_unit_test(test_digits_errors),
      cmocka_unit_test(test_pca_properties), cmocka_unit_test(test_mlp),
      cmocka_unit_test(test_toys_and_modes), cmocka_unit_test(test_precision_recall),
      cmocka_unit_test(test_knn_labels),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
