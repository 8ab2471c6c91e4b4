/* Benchmark of the attention objective in the flow engine (never part of `make test`).
 *
 *   bench_attention [STEPS] [N] [REGIME]   the paper's attention protocol (run 0, regime 0
 *                                          dense or 1 sparse; default N = 200 heads, 32
 *                                          sequences of 16 tokens), STEPS Euler steps at
 *                                          p = 1 (dt 100/N) then p = inf (dt 180/N), cap
 *                                          0.45, clamp 10 (default STEPS = 100)
 *
 * Prints one line per run: "attention p seconds steps_per_second final_energy". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "specot/flows.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run(size_t n, size_t steps, int regime, double p) {
  specot_ctx *ctx = specot_ctx_alloc();
  specot_flow_attention_protocol_opts po;
  specot_flow_attention_protocol_opts_init(&po, regime);
  po.n_test = 0;
  const size_t d = 4 * po.head_dim * po.token_dim;
  double *x0 = malloc(n * d * sizeof *x0);
  specot_flow_objective obj;
  specot_status st = specot_flow_attention_protocol(ctx, &po, n, &obj, x0, NULL, NULL, NULL, NULL);
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.p = p;
  o.dt = (p == 1.0 ? 100.0 : 180.0) / (double)n; /* the notebook's steps in the force clock */
  o.max_step = 0.45;
  o.clamp = 10.0;
  specot_flow *f = NULL;
  if (!st) st = specot_flow_alloc(ctx, &obj, &o, n, d, x0, NULL, &f);
  specot_flow_diag dg = {0};
  const double t0 = now();
  for (size_t s = 0; !st && s < steps; ++s) st = specot_flow_step(ctx, f, &dg);
  const double t = now() - t0;
  if (st)
    fprintf(stderr, "bench_attention: %s\n", specot_ctx_errmsg(ctx));
  else
    printf("attention %s %.6f %.2f %.10e\n", isinf(p) ? "inf" : "1", t, (double)steps / t,
           dg.energy);
  specot_flow_free(f);
  specot_flow_objective_free(&obj);
  free(x0);
  specot_ctx_free(ctx);
  return st ? 1 : 0;
}

int main(int argc, char **argv) {
  const size_t steps = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 100;
  const size_t n = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 200;
  const int regime = argc > 3 ? atoi(argv[3]) : 0;
  int rc = run(n, steps, regime, 1.0);
  rc |= run(n, steps, regime, INFINITY);
  return rc;
}
