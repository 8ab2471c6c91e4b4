/* Demo section: a 2-D Sinkhorn associative memory of 8 clouds; a noisy,
 * permuted query with outliers flows back to its pattern (trajectory and
 * energy pictures), then a small recovery table against the Hopfield
 * baselines (spec shk_dp_memory.md sec. 7 at reduced size). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"
#include "memory_cli.h"
#include "plot.h"

enum { DK = 8, DN = 16, DD = 2, MAX_STEPS = 30 };

typedef struct demo_trace {
  double X[(MAX_STEPS + 1) * DN * DD], a[(MAX_STEPS + 1) * DN], E[MAX_STEPS + 1],
      step[MAX_STEPS + 1];
  size_t count;
} demo_trace;

static void record(void *user, const specot_amem_step *s) {
  demo_trace *t = user;
  if (t->count > MAX_STEPS) return;
  memcpy(t->X + t->count * DN * DD, s->X, DN * DD * sizeof(double));
  memcpy(t->a + t->count * DN, s->a, DN * sizeof(double));
  t->E[t->count] = s->energy;
  t->step[t->count] = (double)s->step;
  t->count++;
}

/* Trajectory picture: segments from each point at step t to step t + 1 (darker
 * and wider with the point's weight); the target pattern Y (DN points) and the
 * later positions in red. */
static int draw(const char *path, const demo_trace *t, const double *Y) {
  const size_t moves = (t->count - 1) * DN, ny = moves + DN;
  double *y = malloc(ny * DD * sizeof *y), *mass = malloc((moves + 1) * sizeof *mass);
  size_t *rows = malloc((moves + 1) * sizeof *rows), *cols = malloc((moves + 1) * sizeof *cols);
  if (!y || !mass || !rows || !cols) {
    free(y), free(mass), free(rows), free(cols);
    return CLI_EXIT_NUMERICAL;
  }
  memcpy(y, t->X + DN * DD, moves * DD * sizeof *y);
  memcpy(y + moves * DD, Y, DN * DD * sizeof *y);
  for (size_t k = 0; k < moves; ++k) {
    rows[k] = k;
    cols[k] = k;
    mass[k] = t->a[DN + k];
  }
  const int rc = cli_plot_coupling(path, "SHK retrieval: query path (grey, width ~ weight)",
                                   t->X, moves ? moves : DN, y, ny, rows, cols, mass, moves);
  free(y), free(mass), free(rows), free(cols);
  return rc;
}

int demo_memory(const demo_opts *opts) {
  memory_exp e;
  memset(&e, 0, sizeof e);
  e.K = DK;
  e.n = DN;
  e.d = DD;
  e.radius = 3.0;
  e.eps = 0.1;
  e.beta = 10.0;
  e.sigma_w = 0.5;
  e.box = 6.0;
  e.perturb_weights = 1;
  e.hopfield = 1;
  specot_amem_opts_init(&e.flow);
  e.flow.attention_warn = INFINITY;
  specot_rng rng;
  specot_rng_seed(&rng, 2026);
  double Y[DK * DN * DD], X[DN * DD], a[DN], S0[DK], S[DK];
  memory_exp_patterns(&e, &rng, Y);
  size_t sizes[DK];
  for (size_t k = 0; k < DK; ++k) sizes[k] = DN;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_amem *mem = NULL;
  specot_amem_ws *ws = NULL;
  demo_trace *tr = calloc(1, sizeof *tr);
  int rc = 0;
  specot_status st = specot_amem_alloc(ctx, DK, sizes, DD, Y, NULL, e.eps, e.beta, NULL, &mem);
  if (st >= 0) st = specot_amem_ws_alloc(ctx, mem, DN, DD, &ws);
  if (st < 0 || !tr) {
    rc = tr ? cli_report("demo", ctx, st) : cli_out_of_memory("demo");
    goto done;
  }
  /* Query: pattern 3, reversed order, noise 0.4, 4 outliers, perturbed weights. */
  const size_t truth = 3;
  for (size_t i = 0; i < DN; ++i) {
    for (size_t c = 0; c < DD; ++c)
      X[i * DD + c] = Y[(truth * DN + DN - 1 - i) * DD + c] + 0.4 * specot_rng_normal(&rng);
    a[i] = exp(0.5 * specot_rng_normal(&rng));
  }
  for (size_t i = 0; i < 4; ++i) specot_rng_fill_uniform(&rng, X + (3 * i + 1) * DD, DD, -6, 6);
  specot_amem_opts o = e.flow;
  o.max_steps = MAX_STEPS;
  o.on_step = record;
  o.user = tr;
  specot_amem_result res;
  st = specot_amem_retrieve(ctx, ws, &o, a, X, S0, S, NULL, &res);
  if (st < 0) {
    rc = cli_report("demo", ctx, st);
    goto done;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/memory_trajectory.png", opts->outdir);
  if ((rc = draw(path, tr, Y + truth * DN * DD))) goto done;
  printf("query from pattern %zu (reversed, noise 0.4, 4 outliers): retrieved %zu after %zu "
         "steps, E %.4f -> %.4f, S to pattern %zu %.4f -> %.4f\nwrote %s\n",
         truth, res.index, res.steps, res.energy_start, res.energy, truth, S0[truth], S[truth],
         path);
  cli_series es = {tr->step, tr->E, tr->count, "E(q_t)"};
  snprintf(path, sizeof path, "%s/memory_energy.png", opts->outdir);
  if ((rc = cli_plot_lines(path, "Sinkhorn memory energy along the SHK retrieval", "step",
                           "energy", &es, 1, 0)))
    goto done;
  printf("wrote %s\n", path);
  /* Recovery table at small size. */
  const double sigmas[] = {0.25, 1.0};
  const size_t nq = opts->full ? 100 : 12;
  memory_exp_row rows[4];
  size_t done_q = 0;
  for (int p = 0; p < 2 && !rc; ++p)
    for (int s = 0; s < 2 && !rc; ++s)
      rc = memory_exp_level("demo", &e, mem, Y, sigmas[s], p ? 0.25 : 0.0, nq, &rng, NULL, NULL,
                            &done_q, 4 * nq, &rows[p * 2 + s]);
  if (rc) goto done;
  printf("recovery (K = 8, n = 16, d = 2, eps 0.1, beta 10):\n");
  memory_exp_print_table(stdout, rows, 2);
  memory_exp_print_table(stdout, rows + 2, 2);
done:
  free(tr);
  specot_amem_ws_free(ws);
  specot_amem_free(mem);
  specot_ctx_free(ctx);
  return rc;
}
