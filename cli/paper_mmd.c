/* `specot paper mmd`: the paper's MMD flow (generate_mmd_notebook.py) on the
 * same numbers.  torch.manual_seed(1234) stream (specot_torch_rng): the target
 * is three Gaussian blobs of 80, 70, 50 points (center + scale * randn(count, 2)),
 * shuffled by randperm(200) (199 generator words; the order does not change the
 * measure but the words shift the stream), then the source z = randn(200, 2),
 * x = A z + (2.8, 2.4).  Energy: the smoothed energy distance (eps 0.01) of
 * specot_flow_mmd_alloc = the notebook's 2 mean D_xy - mean D_xx - mean D_yy.
 * Euler steps X += step J_p(grad) on the autodiff gradient = dt = step / n in
 * specot's force clock (step 5.0 at p = 1, 3.2 at p = inf), 6000 steps, no cap. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"
#include "paper_plot.h"
#include "specot/flows.h"
#include "specot/rng.h"

enum { N = 200, NP = 2, SNAP_EVERY = 20 };
static const double PS[NP] = {1.0, INFINITY}, STEP[NP] = {5.0, 3.2};

/* The notebook's target (shuffled like torch) then source, from one stream. */
static void draw_problem(double *Y, double *X) {
  static const double centers[3][2] = {{-3.4, -1.1}, {-0.6, 3.0}, {3.8, -2.5}};
  static const double scales[3][2] = {{0.55, 0.30}, {0.35, 0.65}, {0.45, 0.35}};
  static const size_t counts[3] = {80, 70, 50};
  specot_torch_rng g;
  specot_torch_rng_seed(&g, 1234);
  double z[2 * N], tmp[2 * N];
  size_t at = 0;
  for (int c = 0; c < 3; ++c) {
    specot_torch_rng_randn(&g, z, 2 * counts[c]);
    for (size_t i = 0; i < counts[c]; ++i, ++at)
      for (int k = 0; k < 2; ++k) tmp[2 * at + k] = centers[c][k] + z[2 * i + k] * scales[c][k];
  }
  size_t perm[N];
  specot_torch_rng_randperm(&g, perm, N); /* torch.randperm(200): 199 generator words */
  for (size_t i = 0; i < N; ++i) Y[2 * i] = tmp[2 * perm[i]], Y[2 * i + 1] = tmp[2 * perm[i] + 1];
  specot_torch_rng_randn(&g, z, 2 * N);
  for (size_t i = 0; i < N; ++i) {
    X[2 * i] = 1.4 * z[2 * i] + 0.8 * z[2 * i + 1] + 2.8;
    X[2 * i + 1] = -0.3 * z[2 * i] + 0.6 * z[2 * i + 1] + 2.4;
  }
}

typedef struct mmd_run {
  double *energy; /* steps + 1 */
  double *snaps;  /* nsnap x N x 2 */
  size_t nsnap;
} mmd_run;

static specot_status run_flow(specot_ctx *ctx, const specot_flow_objective *obj, const double *X0,
                              double p, double dt, size_t steps, mmd_run *r) {
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.p = p, o.dt = dt;
  specot_flow *flow = NULL;
  specot_status st = specot_flow_alloc(ctx, obj, &o, N, 2, X0, NULL, &flow);
  if (st < 0) return st;
  specot_flow_diag dg;
  specot_flow_diag_get(flow, &dg);
  r->energy[0] = dg.energy;
  memcpy(r->snaps, X0, 2 * N * sizeof *X0);
  r->nsnap = 1;
  for (size_t s = 1; s <= steps && st >= 0; ++s) {
    st = specot_flow_step(ctx, flow, &dg);
    r->energy[s] = dg.energy;
    if (s % SNAP_EVERY == 0 || s == steps)
      memcpy(r->snaps + 2 * N * r->nsnap++, specot_flow_particles(flow), 2 * N * sizeof(double));
  }
  specot_flow_free(flow);
  return st;
}

int paper_mmd(const paper_run *run, cli_json *j) {
  const size_t steps = run->quick ? 1000 : 6000, nsnap_max = steps / SNAP_EVERY + 2;
  double Y[2 * N], X0[2 * N];
  draw_problem(Y, X0);
  double *buf = malloc(NP * ((steps + 1) + nsnap_max * 2 * N) * sizeof *buf);
  specot_ctx *ctx = specot_ctx_alloc();
  if (!buf || !ctx) {
    free(buf), specot_ctx_free(ctx);
    return cli_out_of_memory("paper");
  }
  mmd_run runs[NP];
  specot_flow_objective obj;
  specot_status st = specot_flow_mmd_alloc(ctx, Y, NULL, N, 2, 0.01, &obj);
  for (int k = 0; k < NP && st >= 0; ++k) {
    runs[k].energy = buf + k * ((steps + 1) + nsnap_max * 2 * N);
    runs[k].snaps = runs[k].energy + steps + 1;
    paper_note(run, "p = %s: %zu steps of %g (dt = %g in the force clock)", k ? "inf" : "1", steps,
               STEP[k], STEP[k] / N);
    st = run_flow(ctx, &obj, X0, PS[k], STEP[k] / N, steps, &runs[k]);
  }
  specot_flow_objective_free(&obj);
  int rc = st < 0 ? cli_report("paper", ctx, st) : CLI_EXIT_OK;
  char path[4200], key[16];
  if (!rc)
    rc = cli_write_array("paper", paper_path(run, "mmd_target.npy", path, sizeof path), Y, N, 2, 2);
  if (!rc)
    rc =
        cli_write_array("paper", paper_path(run, "mmd_source.npy", path, sizeof path), X0, N, 2, 2);
  if (!rc) {
    cli_json_int(j, "particles", N);
    cli_json_int(j, "steps", (long long)steps);
    cli_json_num(j, "initial_mmd2", runs[0].energy[0]);
    cli_json_begin_object(j, "step");
    for (int k = 0; k < NP; ++k) cli_json_num(j, paper_pkey(PS[k], key, sizeof key), STEP[k]);
    cli_json_end_object(j);
    cli_json_begin_object(j, "final_mmd2");
    for (int k = 0; k < NP; ++k)
      cli_json_num(j, paper_pkey(PS[k], key, sizeof key), runs[k].energy[steps]);
    cli_json_end_object(j);
    cli_json_begin_object(
        j, "notebook_final_loss"); /* the notebook prints the loss before the last step */
    for (int k = 0; k < NP; ++k)
      cli_json_num(j, paper_pkey(PS[k], key, sizeof key), runs[k].energy[steps - 1]);
    cli_json_end_object(j);
    double *trace = malloc((steps / 10 + 1) * sizeof *trace); /* E(X_0), E(X_10), ... */
    if (!trace) rc = cli_out_of_memory("paper");
    cli_json_begin_object(j, "energy_every_10_steps");
    for (int k = 0; k < NP && !rc; ++k) {
      for (size_t s = 0; s <= steps / 10; ++s) trace[s] = runs[k].energy[10 * s];
      cli_json_array(j, paper_pkey(PS[k], key, sizeof key), trace, steps / 10 + 1);
    }
    cli_json_end_object(j);
    free(trace);
    const paper_points target = {Y, N, 150, 180, 235, 0.7};
    for (int k = 0; k < NP && !rc; ++k) {
      const paper_points sets[3] = {
          target,
          {runs[k].snaps, N, 214, 39, 40, 0.6},
          {runs[k].snaps + 2 * N * (runs[k].nsnap - 1), N, 31, 70, 200, 0.6}};
      char file[64], title[96];
      snprintf(file, sizeof file, "mmd_trajectories_p%s.png", paper_pkey(PS[k], key, sizeof key));
      snprintf(title, sizeof title, "MMD flow p = %s: source (red) to final (blue), target (light)",
               key);
      rc = paper_plot_tracks(paper_path(run, file, path, sizeof path), title, runs[k].snaps,
                             runs[k].nsnap, N, 0, sets, 3);
    }
    double *tn = malloc((steps + 1) * sizeof *tn);
    if (!rc && !tn) rc = cli_out_of_memory("paper");
    if (!rc) {
      for (size_t s = 0; s <= steps; ++s) tn[s] = (double)s / (double)steps;
      const cli_series ser[NP] = {{tn, runs[0].energy, steps + 1, "p = 1"},
                                  {tn, runs[1].energy, steps + 1, "p = inf"}};
      const int group[NP] = {0, 1};
      rc = paper_plot_curves(paper_path(run, "mmd_error_decay.png", path, sizeof path),
                             "MMD^2 decay, p = 1 vs p = inf", "normalized time", "MMD^2", ser,
                             group, NP, 1);
    }
    free(tn);
  }
  specot_ctx_free(ctx);
  free(buf);
  return rc;
}
