/* Benchmark of the certified spectral transport solver on given clouds.
 * usage: bench_spectral X.npy Y.npy P [TOL] [REPEATS] [MAX_ITER] [EPS]
 * P is a Schatten exponent, "inf", or "kfK" for the Ky Fan gauge of order K.
 * EPS > 0 selects the entropic oracle with entropic_eps = EPS (default 0:
 * the exact network-simplex oracle).
 * Prints one JSON line: best wall time over the repeats (workspace
 * allocation excluded), OT calls, bounds and relative gap, and the time
 * (of the last repeat) at which the certified relative gap first reached
 * 1e-2, 1e-3 and 1e-4 (-1 when never).  Driven by bench/spectral_pot.py,
 * which also times a POT Frank-Wolfe on the same data. */
#include <math.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "specot/io.h"
#include "specot/spectral.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Time-to-gap recorder (progress callback). */
typedef struct gap_clock {
  double t0, hit[3];
} gap_clock;

static int record_gap(void *data, const specot_spectral_progress *info) {
  gap_clock *gc = data;
  static const double level[3] = {1e-2, 1e-3, 1e-4};
  const double rel = info->upper_bound > 0 ? info->gap / info->upper_bound : 0.0;
  for (int k = 0; k < 3; ++k)
    if (gc->hit[k] < 0 && rel <= level[k]) gc->hit[k] = now_s() - gc->t0;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: bench_spectral X.npy Y.npy P [TOL] [REPEATS] [MAX_ITER] [EPS]\n");
    return 2;
  }
  specot_ctx *ctx = specot_ctx_alloc();
  specot_array X = {0}, Y = {0};
  if (specot_io_read(ctx, argv[1], NULL, &X) != SPECOT_OK ||
      specot_io_read(ctx, argv[2], NULL, &Y) != SPECOT_OK) {
    fprintf(stderr, "bench_spectral: %s\n", specot_ctx_errmsg(ctx));
    return 3;
  }
  const int kyfan = strncmp(argv[3], "kf", 2) == 0;
  const double p = strcmp(argv[3], "inf") == 0 ? INFINITY : kyfan ? 0.0 : atof(argv[3]);
  specot_spectral_opts opts;
  specot_spectral_opts_init(&opts);
  if (argc > 4) opts.tol = atof(argv[4]);
  const int repeats = argc > 5 ? atoi(argv[5]) : 1;
  if (argc > 6) opts.max_iter = (size_t)atol(argv[6]);
  if (argc > 7 && atof(argv[7]) > 0) {
    opts.oracle = SPECOT_SPECTRAL_ORACLE_ENTROPIC;
    opts.entropic_eps = atof(argv[7]);
  }
  gap_clock gc;
  opts.progress = record_gap;
  opts.progress_data = &gc;
  const specot_gauge g =
      kyfan ? specot_gauge_kyfan((size_t)atol(argv[3] + 2)) : specot_gauge_schatten(p);
  specot_spectral_ws *ws = specot_spectral_ws_alloc(ctx, X.rows, Y.rows, X.cols, 0);
  if (!ws) {
    fprintf(stderr, "bench_spectral: %s\n", specot_ctx_errmsg(ctx));
    return 3;
  }
  double best = INFINITY;
  specot_spectral_result res = {0};
  for (int r = 0; r < repeats; ++r) {
    const double t0 = now_s();
    gc.t0 = t0;
    gc.hit[0] = gc.hit[1] = gc.hit[2] = -1.0;
    const specot_status st =
        specot_spectral_solve(ctx, ws, &g, X.data, NULL, Y.data, NULL, &opts, &res);
    const double t1 = now_s();
    if (st < 0) {
      fprintf(stderr, "bench_spectral: %s\n", specot_ctx_errmsg(ctx));
      return 4;
    }
    if (t1 - t0 < best) best = t1 - t0;
  }
  printf("{\"time\": %.6f, \"ot_calls\": %zu, \"upper\": %.17g, \"lower\": %.17g, "
         "\"relative_gap\": %.3e, \"status\": %d, \"t_1e-2\": %.3f, \"t_1e-3\": %.3f, "
         "\"t_1e-4\": %.3f}\n",
         best, res.ot_calls, res.squared_cost, res.lower_bound, res.relative_gap, (int)res.status,
         gc.hit[0], gc.hit[1], gc.hit[2]);
  specot_spectral_ws_free(ws);
  specot_array_free(&X);
  specot_array_free(&Y);
  specot_ctx_free(ctx);
  return 0;
}
