/* Semi-discrete OT benchmark (run by bench/sdot_numpy.py, which times the same
 * algorithms in NumPy in the same process run and prints the ratios).
 *   bench_sdot newton          2-D damped Newton, n = 256, on the three toys
 *   bench_sdot adam STEPS N [codes.npy]
 *                              MC-Adam on digits PCA-8 (n = 1797), lr 2e-3/(1+t/200),
 *                              N points per step; final cell errors; generator metrics
 *                              of the hard / soft / masked / AE-OT maps.
 * Prints readable lines and one final line "JSON {...}". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "specot/aeot.h"
#include "specot/io.h"
#include "specot/sdot.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int bench_newton(void) {
  static const char *const names[3] = {"8gaussians", "25gaussians", "swissroll"};
  printf("JSON {\"newton\": [");
  for (int t = 0; t < 3; ++t) {
    enum { n = 256 };
    double y[2 * n], h[n];
    specot_rng rng;
    specot_rng_seed(&rng, 1);
    specot_aeot_toy_sample((specot_aeot_toy)t, &rng, n, y, NULL);
    specot_sdot_problem p = {n, 2, y, NULL, SPECOT_SDOT_CUBE};
    specot_sdot_result r;
    double best = INFINITY;
    specot_status st = SPECOT_OK;
    for (int rep = 0; rep < 3; ++rep) {
      const double t0 = now();
      st = specot_sdot_solve_newton(NULL, &p, NULL, h, &r);
      best = fmin(best, now() - t0);
    }
    printf(
        "%s{\"data\": \"%s\", \"n\": %d, \"status\": %d, \"iterations\": %zu, \"max_rel_error\": "
        "%.3e, "
        "\"w2\": %.10f, \"seconds\": %.4f}",
        t ? ", " : "", names[t], n, (int)st, r.iterations, r.max_rel_error, r.w2, best);
  }
  printf("]}\n");
  return 0;
}

/* Digits -> pixels/16 -> PCA-8 -> codes scaled into the cube. */
static int digits_codes(specot_array *X, specot_array *L, specot_aeot_pca *pca, double **codes,
                        double *mid, double *span) {
  char path[4096];
  if (!specot_aeot_digits_find(path, sizeof path) || specot_aeot_digits_load(NULL, path, X, L)) {
    fprintf(stderr, "bench_sdot: digits.csv.gz not found (install python3-sklearn)\n");
    return 1;
  }
  const size_t n = X->rows, d = 8;
  for (size_t i = 0; i < n * 64; ++i) X->data[i] /= 16.0;
  if (specot_aeot_pca_fit(NULL, n, 64, X->data, d, pca)) return 1;
  *codes = malloc(n * d * sizeof **codes);
  specot_aeot_pca_encode(pca, n, X->data, *codes);
  *span = 0.0;
  for (size_t c = 0; c < d; ++c) {
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; ++i)
      lo = fmin(lo, (*codes)[i * d + c]), hi = fmax(hi, (*codes)[i * d + c]);
    mid[c] = 0.5 * (lo + hi), *span = fmax(*span, hi - lo);
  }
  for (size_t i = 0; i < n; ++i)
    for (size_t c = 0; c < d; ++c) (*codes)[i * d + c] = ((*codes)[i * d + c] - mid[c]) / *span;
  return 0;
}

static void map_metrics(const char *name, specot_sdot_ws *ws, const specot_sdot_problem *p,
                        const double *h, int kind, const specot_aeot_pca *pca, const double *mid,
                        double span, const specot_array *X, const int *lab, int first) {
  enum { count = 2000, nsrc = 20000 };
  const size_t d = p->d;
  double *src = malloc(nsrc * d * sizeof *src), *z = malloc(count * d * sizeof *z);
  double *img = malloc(count * 64 * sizeof *img), tau = NAN, hist[10], amb, med, prec, rec;
  specot_rng rng;
  specot_rng_seed(&rng, 11);
  specot_sdot_sample(&rng, SPECOT_SDOT_CUBE, nsrc, d, src);
  if (kind == 3) {
    specot_sdot_aeot_opts o;
    specot_sdot_aeot_opts_init(&o);
    o.top_k = 20, o.theta_max = 0.7, o.lambda = 0.75, o.one_per_first = 1;
    specot_sdot_generate_aeot(NULL, ws, p, h, &o, nsrc, src, &rng, count, z, NULL);
  } else {
    if (kind) specot_sdot_tau_gap(NULL, ws, p, h, 0.5, count, src, &tau);
    specot_sdot_map(NULL, ws, p, h, (specot_sdot_map_kind)kind, tau, 0.4, count, src, z, NULL,
                    NULL);
  }
  for (size_t i = 0; i < count; ++i)
    for (size_t c = 0; c < d; ++c) z[i * d + c] = z[i * d + c] * span + mid[c];
  specot_aeot_pca_decode(pca, count, z, img);
  for (size_t i = 0; i < count * 64; ++i) img[i] = fmin(1.0, fmax(0.0, img[i]));
  specot_aeot_knn_labels(NULL, X->rows, X->data, lab, 10, count, img, 64, 10, hist, &amb, &med,
                         NULL, NULL);
  specot_aeot_precision_recall(NULL, X->rows, X->data, count, img, 64, 3, &prec, &rec);
  double hmin = 1, hmax = 0;
  for (int c = 0; c < 10; ++c) hmin = fmin(hmin, hist[c] * 10), hmax = fmax(hmax, hist[c] * 10);
  printf(
      "%s{\"map\": \"%s\", \"tau\": %.3e, \"ambiguous\": %.4f, \"class_share_min\": %.3f, "
      "\"class_share_max\": %.3f, \"median_nn\": %.4f, \"precision\": %.4f, \"recall\": %.4f}",
      first ? "" : ", ", name, isnan(tau) ? 0.0 : tau, amb, hmin, hmax, med, prec, rec);
  free(src), free(z), free(img);
}

static int bench_adam(size_t steps, size_t N, const char *save) {
  specot_array X, L;
  specot_aeot_pca pca;
  double *y = NULL, mid[8], span;
  if (digits_codes(&X, &L, &pca, &y, mid, &span)) return 1;
  const size_t n = X.rows, d = 8;
  if (save) specot_io_write(NULL, save, y, n, d, 2);
  specot_sdot_problem p = {n, d, y, NULL, SPECOT_SDOT_CUBE};
  specot_sdot_ws *ws = specot_sdot_ws_alloc(NULL, n, d);
  specot_sdot_adam_opts o;
  specot_sdot_adam_opts_init(&o);
  o.lr = 2e-3, o.lr_decay = 200, o.batch_size = N, o.max_iter = steps, o.tol = 0.0;
  o.patience = 0, o.eval_every = steps + 1, o.eval_samples = 1, o.seed = 1;
  double *h = calloc(n, sizeof *h), *mass = malloc(n * sizeof *mass),
         *rel = malloc(n * sizeof *rel);
  specot_sdot_result r;
  const double t0 = now(), c0 = cpu_now();
  specot_sdot_solve_adam(NULL, ws, &p, &o, h, &r);
  const double secs = now() - t0, cpu = cpu_now() - c0;
  specot_rng rng;
  specot_rng_seed(&rng, 12345);
  size_t empty;
  double maxrel, energy;
  specot_sdot_evaluate(NULL, ws, &p, h, 400000, &rng, mass, &maxrel, &empty, &energy);
  for (size_t j = 0; j < n; ++j) rel[j] = fabs(mass[j] * (double)n - 1.0);
  qsort(rel, n, sizeof *rel, cmp);
  printf(
      "JSON {\"adam\": {\"n\": %zu, \"d\": %zu, \"N\": %zu, \"steps\": %zu, \"seconds\": %.3f, "
      "\"per_step_ms\": %.3f, \"per_step_cpu_ms\": %.3f, \"empty_cells\": %zu, \"rel_err_median\": "
      "%.4f, \"rel_err_p90\": %.4f, "
      "\"rel_err_p99\": %.4f, \"rel_err_max\": %.4f, \"w2\": %.6f, \"pca_variance\": %.4f}, "
      "\"maps\": [",
      n, d, N, steps, secs, 1e3 * secs / (double)steps, 1e3 * cpu / (double)steps, empty,
      rel[n / 2], rel[(n * 9) / 10], rel[(n * 99) / 100], maxrel,
      specot_sdot_w2_from_energy(&p, energy), pca.explained);
  int *lab = malloc(n * sizeof *lab);
  for (size_t i = 0; i < n; ++i) lab[i] = (int)L.data[i];
  static const char *const names[4] = {"hard", "soft", "masked", "aeot"};
  for (int k = 0; k < 4; ++k) map_metrics(names[k], ws, &p, h, k, &pca, mid, span, &X, lab, k == 0);
  double real_amb; /* the real digits themselves (leave-one-in: nn = 0) */
  specot_aeot_knn_labels(NULL, n, X.data, lab, 10, n, X.data, 64, 11, NULL, &real_amb, NULL, NULL,
                         NULL);
  printf("], \"real_ambiguous\": %.4f}\n", real_amb);
  free(h), free(mass), free(rel), free(lab), free(y);
  specot_sdot_ws_free(ws);
  specot_aeot_pca_free(&pca);
  specot_array_free(&X), specot_array_free(&L);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "newton")) return bench_newton();
  if (argc >= 4 && !strcmp(argv[1], "adam"))
    return bench_adam((size_t)atol(argv[2]), (size_t)atol(argv[3]), argc >= 5 ? argv[4] : NULL);
  fprintf(stderr, "usage: bench_sdot newton | adam STEPS N [codes.npy]\n");
  return 2;
}
