/* Benchmark of the linalg module: Schatten LMO and polar factor on 2000x50,
 * 50x2000 and 512x512, and Newton–Schulz (KJ NS5) on 1024x1024 against the
 * measured dgemm rate.  Prints one JSON object per line:
 *   {"case": ..., "seconds": best-of-repeats}
 * Run by bench/linalg_numpy.py, which times NumPy on the same definitions. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "specot/linalg.h"
#include "specot/rng.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef enum { LMO2, LMOINF, POLAR_AUTO, POLAR_SVD, POLAR_GRAM, NS5 } kind;

static double time_case(kind k, const double *G, size_t m, size_t n,
                        double *out, specot_linalg_ws *ws, int reps) {
  double best = INFINITY;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now();
    specot_status st = SPECOT_OK;
    if (k == LMO2 || k == LMOINF) {
      st = specot_linalg_lmo(NULL, ws, G, m, n, k == LMO2 ? 2.0 : INFINITY,
                             -1.0, out, NULL);
    } else if (k == NS5) {
      st = specot_linalg_newton_schulz(NULL, ws, G, m, n, NULL, out);
    } else {
      specot_linalg_polar_opts o;
      specot_linalg_polar_opts_init(&o);
      o.method = k == POLAR_AUTO  ? SPECOT_LINALG_POLAR_AUTO
                 : k == POLAR_SVD ? SPECOT_LINALG_POLAR_SVD
                                  : SPECOT_LINALG_POLAR_GRAM;
      st = specot_linalg_polar(NULL, ws, G, m, n, &o, out, NULL);
    }
    const double dt = now() - t0;
    if (st < 0) {
      fprintf(stderr, "bench_linalg: call failed (%s)\n", specot_strerror(st));
      exit(1);
    }
    if (dt < best)
      best = dt;
  }
  return best;
}

/* m x n matrix U diag(s) W^T, s_i = cond^{-i/(k-1)}, with U, W the first k
 * columns of polar factors of Gaussian matrices (NULL on failure). */
static double *well_conditioned(specot_rng *rng, size_t m, size_t n,
                                double cond) {
  const size_t k = m < n ? m : n;
  double *Om = malloc(m * m * sizeof *Om), *On = malloc(n * n * sizeof *On),
         *G = malloc(m * n * sizeof *G);
  if (!Om || !On || !G) {
    free(Om), free(On), free(G);
    return NULL;
  }
  specot_linalg_polar_opts o;
  specot_linalg_polar_opts_init(&o);
  o.method = SPECOT_LINALG_POLAR_SVD;
  specot_rng_fill_normal(rng, G, m * n, 0.0, 1.0);
  specot_rng_fill_normal(rng, Om, m * m, 0.0, 1.0);
  specot_linalg_polar(NULL, NULL, Om, m, m, &o, Om, NULL);
  specot_rng_fill_normal(rng, On, n * n, 0.0, 1.0);
  specot_linalg_polar(NULL, NULL, On, n, n, &o, On, NULL);
  for (size_t j = 0; j < k; ++j) /* scale column j of Om by s_j */
    for (size_t i = 0; i < m; ++i)
      Om[i * m + j] *= k > 1 ? pow(cond, -(double)j / (double)(k - 1)) : 1.0;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k,
              1.0, Om, (int)m, On, (int)n, 0.0, G, (int)n);
  free(Om), free(On);
  return G;
}

int main(int argc, char **argv) {
  const int reps = argc > 1 ? atoi(argv[1]) : 5;
  specot_rng rng;
  specot_rng_seed(&rng, 1);
  const size_t shapes[3][2] = {{2000, 50}, {50, 2000}, {512, 512}};
  const char *names[] = {"lmo_p2", "lmo_pinf", "polar_auto", "polar_svd",
                         "polar_gram"};
  for (int s = 0; s < 3; ++s) {
    const size_t m = shapes[s][0], n = shapes[s][1];
    double *G = malloc(m * n * sizeof *G), *out = malloc(m * n * sizeof *out);
    specot_rng_fill_normal(&rng, G, m * n, 0.0, 1.0);
    specot_linalg_ws *ws = NULL;
    if (!G || !out || specot_linalg_ws_alloc(NULL, m, n, &ws) != SPECOT_OK)
      return 1;
    for (int k = 0; k <= POLAR_GRAM; ++k) {
      const double t = time_case((kind)k, G, m, n, out, ws, reps);
      printf("{\"case\": \"%s %zux%zu\", \"seconds\": %.6g}\n", names[k], m, n,
             t);
    }
    specot_linalg_ws_free(ws);
    free(G);
    free(out);
  }
  /* Well-conditioned inputs (suffix "wc"): G = U diag(s) W^T with s
   * geometric from 1 to 1e-2 (cond 100), so that the refined Gram route
   * runs (plain Gaussian 2000x50 has cond ~1.4, where the refinement is
   * skipped). */
  for (int s = 0; s < 3; ++s) {
    const size_t m = shapes[s][0], n = shapes[s][1];
    double *G = well_conditioned(&rng, m, n, 100.0);
    double *out = malloc(m * n * sizeof *out);
    specot_linalg_ws *ws = NULL;
    if (!G || !out || specot_linalg_ws_alloc(NULL, m, n, &ws) != SPECOT_OK)
      return 1;
    for (int kk = 0; kk <= POLAR_AUTO; ++kk) {
      const double t = time_case((kind)kk, G, m, n, out, ws, reps);
      printf("{\"case\": \"%s %zux%zu wc\", \"seconds\": %.6g}\n", names[kk], m,
             n, t);
    }
    specot_linalg_ws_free(ws);
    free(G);
    free(out);
  }
  /* Newton–Schulz 1024 vs dgemm 1024. */
  const size_t n = 1024;
  double *A = malloc(n * n * sizeof *A), *B = malloc(n * n * sizeof *B),
         *C = malloc(n * n * sizeof *C);
  specot_rng_fill_normal(&rng, A, n * n, 0.0, 1.0);
  specot_rng_fill_normal(&rng, B, n * n, 0.0, 1.0);
  double best = INFINITY;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now();
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n,
                (int)n, 1.0, A, (int)n, B, (int)n, 0.0, C, (int)n);
    const double dt = now() - t0;
    if (dt < best)
      best = dt;
  }
  const double nn = (double)n;
  printf("{\"case\": \"dgemm 1024\", \"seconds\": %.6g, \"gflops\": %.4g}\n",
         best, 2 * nn * nn * nn / best * 1e-9);
  specot_linalg_ws *ws = NULL;
  if (specot_linalg_ws_alloc(NULL, n, n, &ws) != SPECOT_OK)
    return 1;
  const double t = time_case(NS5, A, n, n, C, ws, reps);
  /* Effective rate counts 5 steps x (4 n^3 + 2 n^3) flops as plain GEMMs. */
  printf("{\"case\": \"ns5 1024x1024\", \"seconds\": %.6g, \"gflops\": %.4g}\n",
         t, 30 * nn * nn * nn / t * 1e-9);
  specot_linalg_ws_free(ws);
  free(A), free(B), free(C);
  return 0;
}
