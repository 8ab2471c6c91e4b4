/* Benchmark of the flow engine (never part of `make test`).
 *
 *   bench_flows relu [STEPS] [N]   Peyre's ReLU teacher-student protocol (2000
 *                                  training points; default N = 1920, 2000 Euler
 *                                  steps, cap 0.2, clamp 30), p = 1 then p = inf
 *   bench_flows large [STEPS] [N]  steps/s of the ReLU model at N = 10^5 particles
 *
 * Prints one line per run: "name p seconds steps_per_second final_energy". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "specot/flows.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run(const char *name, size_t n, size_t steps, double p, double dt, int guards) {
  specot_ctx *ctx = specot_ctx_alloc();
  double *x0 = malloc(n * 3 * sizeof *x0);
  specot_flow_objective obj;
  specot_status st = specot_flow_relu_protocol(ctx, NULL, n, &obj, x0, NULL, NULL);
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.p = p;
  o.dt = dt;
  if (guards) {
    o.max_step = 0.2;
    o.clamp = 30.0;
  }
  specot_flow *f = NULL;
  if (!st) st = specot_flow_alloc(ctx, &obj, &o, n, 3, x0, NULL, &f);
  specot_flow_diag dg = {0};
  const double t0 = now();
  for (size_t s = 0; !st && s < steps; ++s) st = specot_flow_step(ctx, f, &dg);
  const double t = now() - t0;
  if (st) fprintf(stderr, "bench_flows: %s\n", specot_ctx_errmsg(ctx));
  else printf("%s %s %.6f %.2f %.10e\n", name, isinf(p) ? "inf" : "1", t, (double)steps / t, dg.energy);
  specot_flow_free(f);
  specot_flow_objective_free(&obj);
  free(x0);
  specot_ctx_free(ctx);
  return st ? 1 : 0;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "relu";
  const int large = strcmp(mode, "large") == 0;
  const size_t steps = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : (large ? 20 : 2000);
  const size_t n = argc > 3 ? (size_t)strtoull(argv[3], NULL, 10) : (large ? 100000 : 1920);
  int rc = 0;
  /* The paper's steps dt = 75 (p = 1) and 50 (p = inf) act on the autodiff
   * gradient g / n: in the force clock they are 75 / n and 50 / n. */
  rc |= run(large ? "relu_large" : "relu_protocol", n, steps, 1.0, 75.0 / (double)n, 1);
  rc |= run(large ? "relu_large" : "relu_protocol", n, steps, INFINITY, 50.0 / (double)n, 1);
  return rc;
}
