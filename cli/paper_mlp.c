/* `specot paper mlp`: the ReLU teacher-student protocol
 * (generate_mlp_spectral_flow_relu_notebook.py) on the notebook's own draws
 * (torch.manual_seed(7) through specot_torch_rng: z_train, z_eval, X0).
 * n = 1920 particles (u, v1, v2); Euler on the autodiff gradient with steps
 * 75 (p = 1) and 50 (p = inf), i.e. dt = 75/n and 50/n in specot's force
 * clock; cap ||dX||_F <= 0.2, clamp [-30, 30]; 2000 steps (T_1 = 1.5e5,
 * T_inf = 1e5 in the notebook's clock).  --quick runs the first 100 steps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"
#include "paper_plot.h"
#include "specot/flows.h"

enum { N = 1920, NEVAL = 4000, FULL_STEPS = 2000, NP = 2, NTAU = 6, NBIN = 360, SHOW_EVERY = 5 };
static const double PS[NP] = {1.0, INFINITY}, STEP[NP] = {75.0, 50.0};
static const double TEACHER[3][3] = {
    {1.0, 0.38, 0}, {1.0, 2.42, 0}, {-1.0, 4.63, 0}}; /* u, angle */

typedef struct mlp_run {
  double *energy; /* steps + 1: E(X_k) */
  double *snaps;  /* nsnap x N x 3 */
  size_t nsnap, every;
  double ratio0, eval_loss;
} mlp_run;

static double eval_loss(specot_ctx *ctx, const double *x, const double *z, const double *y,
                        double *pred) {
  if (specot_flow_relu_predict(ctx, x, NULL, N, 2, z, NEVAL, pred) < 0) return NAN;
  double s = 0.0;
  for (size_t j = 0; j < NEVAL; ++j) s += (pred[j] - y[j]) * (pred[j] - y[j]);
  return 0.5 * s / NEVAL;
}

static specot_status run_flow(const paper_run *run, specot_ctx *ctx,
                              const specot_flow_objective *obj, const double *x0, int k,
                              size_t steps, mlp_run *r) {
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.p = PS[k], o.dt = STEP[k] / N, o.max_step = 0.2, o.clamp = 30.0;
  specot_flow *flow = NULL;
  specot_status st = specot_flow_alloc(ctx, obj, &o, N, 3, x0, NULL, &flow);
  if (st < 0) return st;
  specot_flow_diag dg;
  specot_flow_diag_get(flow, &dg);
  r->energy[0] = dg.energy, r->ratio0 = dg.ratio;
  memcpy(r->snaps, x0, 3 * N * sizeof *x0);
  r->nsnap = 1;
  for (size_t s = 1; s <= steps && st >= 0; ++s) {
    st = specot_flow_step(ctx, flow, &dg);
    r->energy[s] = dg.energy;
    if (s % r->every == 0 || s == steps)
      memcpy(r->snaps + 3 * N * r->nsnap++, specot_flow_particles(flow), 3 * N * sizeof(double));
    if (s % 500 == 0)
      paper_note(run, "p = %s: step %zu, energy %.6g", k ? "inf" : "1", s, dg.energy);
  }
  specot_flow_free(flow);
  return st;
}

/* (|u| v1, |u| v2) of every SHOW_EVERY-th particle in every snapshot. */
static void reduced_tracks(const mlp_run *r, double *xy) {
  const size_t shown = (N + SHOW_EVERY - 1) / SHOW_EVERY;
  for (size_t t = 0; t < r->nsnap; ++t)
    for (size_t i = 0; i < shown; ++i) {
      const double *x = r->snaps + 3 * (t * N + i * SHOW_EVERY);
      xy[2 * (t * shown + i)] = fabs(x[0]) * x[1];
      xy[2 * (t * shown + i) + 1] = fabs(x[0]) * x[2];
    }
}

/* Angular Parzen density of v (bandwidth 0.1, weights |u| |v|) on NBIN angles in [0, 2 pi). */
static void angular_density(const double *x, double *dens) {
  const double bw = 0.10, two_pi = 6.283185307179586;
  double total = 0.0;
  memset(dens, 0, NBIN * sizeof *dens);
  for (size_t i = 0; i < N; ++i) {
    const double w = fabs(x[3 * i]) * hypot(x[3 * i + 1], x[3 * i + 2]);
    const double th = atan2(x[3 * i + 2], x[3 * i + 1]);
    total += w;
    for (int b = 0; b < NBIN; ++b) {
      const double dd = two_pi * b / NBIN - th, d = atan2(sin(dd), cos(dd));
      dens[b] += w * exp(-0.5 * (d / bw) * (d / bw)) / (bw * sqrt(two_pi));
    }
  }
  if (total > 0)
    for (int b = 0; b < NBIN; ++b) dens[b] /= total;
}

/* Energy (every step) and eval-set loss (every snapshot) against t / T_p, T_p the
 * full 2000-step horizon. */
static int plot_energy(const paper_run *run, specot_ctx *ctx, mlp_run runs[NP], size_t steps,
                       const double *zev, const double *yev, double *pred) {
  const size_t ns = runs[0].nsnap;
  double *tau = malloc((steps + 1 + 2 * ns + NP * ns) * sizeof *tau);
  if (!tau) return cli_out_of_memory("paper");
  double *tsnap = tau + steps + 1, *ev = tsnap + ns;
  for (size_t s = 0; s <= steps; ++s) tau[s] = (double)s / FULL_STEPS;
  for (size_t t = 0; t < ns; ++t)
    tsnap[t] = fmin((double)(t * runs[0].every), (double)steps) / FULL_STEPS;
  for (int k = 0; k < NP; ++k)
    for (size_t t = 0; t < runs[k].nsnap; ++t)
      ev[k * ns + t] = eval_loss(ctx, runs[k].snaps + 3 * N * t, zev, yev, pred);
  const cli_series es[2 * NP] = {{tau, runs[0].energy, steps + 1, "p = 1 (train)"},
                                 {tau, runs[1].energy, steps + 1, "p = inf (train)"},
                                 {tsnap, ev, runs[0].nsnap, "p = 1 (eval)"},
                                 {tsnap, ev + ns, runs[1].nsnap, "p = inf (eval)"}};
  const int group[2 * NP] = {0, 1, 4, 3};
  char path[4200];
  const int rc = paper_plot_curves(paper_path(run, "mlp_energy.png", path, sizeof path),
                                   "ReLU teacher-student: train energy and eval loss (4000 points)",
                                   "normalized time t / T_p", "energy", es, group, 2 * NP, 1);
  free(tau);
  return rc;
}

static int figures(const paper_run *run, mlp_run runs[NP]) {
  char path[4200], file[64], key[16], title[128];
  int rc = CLI_EXIT_OK;
  const int group[NP] = {0, 1};
  /* trajectories in (|u| v1, |u| v2), coloured by time, teacher rays dotted */
  const size_t shown = (N + SHOW_EVERY - 1) / SHOW_EVERY;
  double *xy = malloc(2 * shown * runs[0].nsnap * sizeof *xy), rays[3 * 2 * 60];
  if (!rc && !xy) rc = cli_out_of_memory("paper");
  double radius = 0.0;
  for (int k = 0; k < NP && !rc; ++k)
    for (size_t i = 0; i < N * runs[k].nsnap; ++i)
      radius = fmax(radius, fabs(runs[k].snaps[3 * i]) *
                                hypot(runs[k].snaps[3 * i + 1], runs[k].snaps[3 * i + 2]));
  for (int t = 0; t < 3; ++t)
    for (int i = 0; i < 60; ++i)
      rays[2 * (60 * t + i)] = radius * i / 59.0 * cos(TEACHER[t][1]),
                         rays[2 * (60 * t + i) + 1] = radius * i / 59.0 * sin(TEACHER[t][1]);
  for (int k = 0; k < NP && !rc; ++k) {
    reduced_tracks(&runs[k], xy);
    const paper_points sets[1] = {{rays, 180, 0, 0, 0, 0.4}};
    snprintf(file, sizeof file, "mlp_trajectories_p%s.png", paper_pkey(PS[k], key, sizeof key));
    snprintf(title, sizeof title,
             "(|u| v1, |u| v2), p = %s, blue -> red along each path; teacher rays", key);
    rc = paper_plot_tracks(paper_path(run, file, path, sizeof path), title, xy, runs[k].nsnap,
                           shown, 2, sets, 1);
  }
  free(xy);
  /* angular densities at tau = 0, .2, ..., 1 of the run */
  double *dens = malloc(NP * NBIN * sizeof *dens), theta[NBIN];
  if (!rc && !dens) rc = cli_out_of_memory("paper");
  for (int b = 0; b < NBIN; ++b) theta[b] = 6.283185307179586 * b / NBIN;
  for (int m = 0; m < NTAU && !rc; ++m) {
    const size_t snap = (size_t)llround((double)m / (NTAU - 1) * (double)(runs[0].nsnap - 1));
    for (int k = 0; k < NP; ++k) angular_density(runs[k].snaps + 3 * N * snap, dens + k * NBIN);
    const cli_series hs[NP] = {{theta, dens, NBIN, "p = 1"}, {theta, dens + NBIN, NBIN, "p = inf"}};
    snprintf(file, sizeof file, "mlp_angles_%d.png", m);
    snprintf(
        title, sizeof title,
        "angle of v, weights |u| |v| (bandwidth 0.1), snapshot %d of %d (teacher 0.38, 2.42, 4.63)",
        m, NTAU - 1);
    rc = paper_plot_curves(paper_path(run, file, path, sizeof path), title, "angle (rad)",
                           "density", hs, group, NP, 0);
  }
  free(dens);
  return rc;
}

int paper_mlp(const paper_run *run, cli_json *j) {
  const size_t steps = run->quick ? 100 : FULL_STEPS, every = run->quick ? 5 : 30;
  const size_t nsnap_max = steps / every + 2;
  double *x0 = malloc((3 * N + 3 * NEVAL) * sizeof *x0), *zev = x0 ? x0 + 3 * N : NULL,
         *yev = x0 ? zev + 2 * NEVAL : NULL, *pred = malloc(NEVAL * sizeof *pred);
  double *buf = malloc(NP * (steps + 1 + nsnap_max * 3 * N) * sizeof *buf);
  specot_ctx *ctx = specot_ctx_alloc();
  if (!x0 || !pred || !buf || !ctx) {
    free(x0), free(pred), free(buf), specot_ctx_free(ctx);
    return cli_out_of_memory("paper");
  }
  specot_flow_relu_protocol_opts po;
  specot_flow_relu_protocol_opts_init(&po);
  po.seed = 7, po.torch_rng = 1;
  specot_flow_objective obj;
  specot_status st = specot_flow_relu_protocol(ctx, &po, N, &obj, x0, zev, yev);
  mlp_run runs[NP];
  for (int k = 0; k < NP && st >= 0; ++k) {
    runs[k] = (mlp_run){buf + k * (steps + 1 + nsnap_max * 3 * N), NULL, 0, every, 0, 0};
    runs[k].snaps = runs[k].energy + steps + 1;
    st = run_flow(run, ctx, &obj, x0, k, steps, &runs[k]);
    if (st >= 0)
      runs[k].eval_loss =
          eval_loss(ctx, runs[k].snaps + 3 * N * (runs[k].nsnap - 1), zev, yev, pred);
  }
  specot_flow_objective_free(&obj);
  int rc = st < 0 ? cli_report("paper", ctx, st) : CLI_EXIT_OK;
  if (!rc) {
    char key[16];
    cli_json_int(j, "particles", N);
    cli_json_int(j, "steps", (long long)steps);
    cli_json_num(j, "initial_energy", runs[0].energy[0]);
    cli_json_num(j, "initial_dissipation_ratio", runs[0].ratio0);
    cli_json_num(j, "initial_eval_loss", eval_loss(ctx, x0, zev, yev, pred));
    cli_json_begin_object(j, "final_energy");
    for (int k = 0; k < NP; ++k)
      cli_json_num(j, paper_pkey(PS[k], key, sizeof key), runs[k].energy[steps]);
    cli_json_end_object(j);
    cli_json_begin_object(j, "notebook_final_train_loss"); /* the loss before the last step */
    for (int k = 0; k < NP; ++k)
      cli_json_num(j, paper_pkey(PS[k], key, sizeof key), runs[k].energy[steps - 1]);
    cli_json_end_object(j);
    cli_json_begin_object(j, "final_eval_loss");
    for (int k = 0; k < NP; ++k)
      cli_json_num(j, paper_pkey(PS[k], key, sizeof key), runs[k].eval_loss);
    cli_json_end_object(j);
    /* the training energy every 10 steps (E(X_0), E(X_10), ...) */
    double *trace = malloc((steps / 10 + 1) * sizeof *trace);
    if (!trace) rc = cli_out_of_memory("paper");
    cli_json_begin_object(j, "energy_every_10_steps");
    for (int k = 0; k < NP && !rc; ++k) {
      for (size_t s = 0; s <= steps / 10; ++s) trace[s] = runs[k].energy[10 * s];
      cli_json_array(j, paper_pkey(PS[k], key, sizeof key), trace, steps / 10 + 1);
    }
    cli_json_end_object(j);
    free(trace);
    char path[4200], file[64];
    for (int k = 0; k < NP && !rc; ++k) {
      snprintf(file, sizeof file, "mlp_final_p%s.npy", paper_pkey(PS[k], key, sizeof key));
      rc = cli_write_array("paper", paper_path(run, file, path, sizeof path),
                           runs[k].snaps + 3 * N * (runs[k].nsnap - 1), N, 3, 2);
    }
    if (!rc) rc = plot_energy(run, ctx, runs, steps, zev, yev, pred);
    if (!rc) rc = figures(run, runs);
  }
  specot_ctx_free(ctx);
  free(x0), free(pred), free(buf);
  return rc;
}
