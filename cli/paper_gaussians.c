/* `specot paper gaussians`: the reduced modal ODE of the closed-form Gaussian
 * example, integrated by RK4 (specot/ode.h) for p in {1, 2, 4, inf}: one-mode
 * trajectories in (r, s) with their conserved leaves, two-mode trajectories in
 * (r1, r2) for four targets, and the drift of the invariants. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"
#include "paper_plot.h"
#include "specot/flows.h"
#include "specot/ode.h"

enum { NP = 4, NSTART = 2, NTARGET = 4, NLEAF = 13, LEAF_PTS = 400 };
static const double PS[NP] = {1.0, 2.0, 4.0, INFINITY};
static const double STARTS[NSTART][2] = {{-1.5, 1.8}, {-0.5, 2.0}}; /* (r, s) */
static const double TARGETS[NTARGET][2] = {
    {-1.25, -0.65}, {-0.35, 1.15}, {0.75, -1.10}, {1.30, 0.55}};
static const double T_END = 18.0, TARGET_1D = 1.0;

/* Trajectory recorder: (r_k, s_k) of every mode every `every` steps, the
 * largest relative drift of each mode's invariant, and whether a mode touched
 * the floor. */
typedef struct recorder {
  double p;
  size_t K, every, nrec, cap;
  double *r, *s; /* nrec x K */
  double inv0[2], drift[2];
  int floored[2];
  double floor;
  double *drift_t; /* drift of mode 0 at each record (may be NULL) */
} recorder;

static void record(recorder *w, const double *y) {
  if (w->nrec == w->cap) return;
  for (size_t k = 0; k < w->K; ++k) {
    w->r[w->nrec * w->K + k] = 0.5 * (y[k] - y[w->K + k]);
    w->s[w->nrec * w->K + k] = 0.5 * (y[k] + y[w->K + k]);
  }
  if (w->drift_t)
    w->drift_t[w->nrec] =
        fabs(specot_flow_gaussian_modal_invariant(w->p, y[0], y[w->K]) - w->inv0[0]) /
        fabs(w->inv0[0]);
  ++w->nrec;
}

static int observe(void *data, size_t step, double t, const double *y, size_t n) {
  (void)t, (void)n;
  recorder *w = data;
  for (size_t k = 0; k < w->K; ++k) {
    const double inv = specot_flow_gaussian_modal_invariant(w->p, y[k], y[w->K + k]);
    w->drift[k] = fmax(w->drift[k], fabs(inv - w->inv0[k]) / fabs(w->inv0[k]));
    if (y[k] <= w->floor || y[w->K + k] <= w->floor) w->floored[k] = 1;
  }
  if (step % w->every == 0) record(w, y);
  return 0;
}

/* Integrates K modes from (r0, s0) towards beta; fills w.  Returns an exit code. */
static int integrate(double p, size_t K, const double *r0, const double *s0, const double *beta,
                     double dt, recorder *w) {
  specot_ctx *ctx = specot_ctx_alloc();
  specot_ode_ws *ws = ctx ? specot_ode_ws_alloc(ctx, 2 * K) : NULL;
  if (!ws) {
    specot_ctx_free(ctx);
    return cli_out_of_memory("paper");
  }
  specot_flow_gaussian_modal model;
  specot_flow_gaussian_modal_init(&model, p, K, beta);
  const specot_ode_system sys = {specot_flow_gaussian_modal_rhs, specot_flow_gaussian_modal_clip,
                                 &model};
  double y[4];
  for (size_t k = 0; k < K; ++k) {
    y[k] = s0[k] + r0[k];
    y[K + k] = s0[k] - r0[k];
    w->inv0[k] = specot_flow_gaussian_modal_invariant(p, y[k], y[K + k]);
    w->drift[k] = 0.0;
    w->floored[k] = 0;
  }
  w->p = p, w->K = K, w->nrec = 0, w->floor = model.floor;
  record(w, y);
  const size_t steps = (size_t)llround(T_END / dt);
  const specot_status st = specot_ode_rk4(ctx, ws, &sys, 0.0, dt, steps, y, observe, w, NULL);
  const int rc = st < 0 ? cli_report("paper", ctx, st) : CLI_EXIT_OK;
  specot_ode_ws_free(ws);
  specot_ctx_free(ctx);
  return rc;
}

/* s on the leaf I_p(s + r, s - r) = level (I increases with s > |r|); NaN when
 * the leaf does not reach r. */
static double leaf_s(double p, double r, double level) {
  double lo = fabs(r), hi = fabs(r) + 1.0;
  if (specot_flow_gaussian_modal_invariant(p, lo + r, lo - r) > level) return NAN;
  while (specot_flow_gaussian_modal_invariant(p, hi + r, hi - r) < level)
    if ((hi *= 2.0) > 1e6) return NAN;
  for (int it = 0; it < 100; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (specot_flow_gaussian_modal_invariant(p, mid + r, mid - r) > level)
      hi = mid;
    else
      lo = mid;
  }
  return 0.5 * (lo + hi);
}

/* Leaves through (TARGET_1D, s_ref) for 13 s_ref, with the two one-mode tracks. */
static int plot_leaves(const paper_run *run, double p, recorder tracks[NSTART]) {
  double *buf = malloc(2 * NLEAF * LEAF_PTS * sizeof *buf);
  if (!buf) return cli_out_of_memory("paper");
  cli_series series[NLEAF + NSTART];
  int group[NLEAF + NSTART];
  for (int l = 0; l < NLEAF; ++l) {
    const double sref = TARGET_1D + 0.08 + (2.8 - 0.12 - TARGET_1D - 0.08) * l / (NLEAF - 1.0);
    const double level =
        specot_flow_gaussian_modal_invariant(p, sref + TARGET_1D, sref - TARGET_1D);
    double *rr = buf + 2 * l * LEAF_PTS, *ss = rr + LEAF_PTS;
    for (int i = 0; i < LEAF_PTS; ++i) {
      rr[i] = -1.9 + 3.8 * i / (LEAF_PTS - 1.0);
      ss[i] = leaf_s(p, rr[i], level);
      if (ss[i] > 2.8) ss[i] = NAN;
    }
    series[l] = (cli_series){rr, ss, LEAF_PTS, NULL};
    group[l] = 7;
  }
  for (int s = 0; s < NSTART; ++s)
    series[NLEAF + s] = (cli_series){tracks[s].r, tracks[s].s, tracks[s].nrec,
                                     s ? "start (-0.5, 2.0)" : "start (-1.5, 1.8)"};
  group[NLEAF] = 1, group[NLEAF + 1] = 0;
  char key[16], file[64], path[4200], title[96];
  paper_pkey(p, key, sizeof key);
  snprintf(file, sizeof file, "gaussians_leaves_p%s.png", key);
  snprintf(title, sizeof title, "conserved leaves, p = %s (target r = 1)", key);
  const int rc = paper_plot_curves(paper_path(run, file, path, sizeof path), title, "r", "s",
                                   series, group, NLEAF + NSTART, 0);
  free(buf);
  return rc;
}

int paper_gaussians(const paper_run *run, cli_json *j) {
  const double dt = run->quick ? 1e-3 : 2e-4;
  const size_t steps = (size_t)llround(T_END / dt), every = steps / 3000, cap = steps / every + 2;
  double *store = malloc((size_t)(NP * NSTART + NP * NTARGET) * 4 * cap * sizeof *store);
  double *drift_t = malloc(NP * cap * sizeof *drift_t);
  if (!store || !drift_t) {
    free(store), free(drift_t);
    return cli_out_of_memory("paper");
  }
  recorder one[NP][NSTART], two[NP][NTARGET];
  double drift1[NP], drift2[NP], resid2[NP], final_r[NP][NSTART], final_s[NP][NSTART];
  int floored[NP];
  int rc = CLI_EXIT_OK;
  double *next = store;
  for (int k = 0; k < NP && !rc; ++k) {
    drift1[k] = drift2[k] = resid2[k] = 0.0;
    floored[k] = 0;
    for (int s = 0; s < NSTART && !rc; ++s) {
      recorder *w = &one[k][s];
      *w = (recorder){.every = every, .cap = cap, .r = next, .s = next + cap};
      w->drift_t = s == 0 ? drift_t + k * cap : NULL;
      next += 2 * cap;
      rc = integrate(PS[k], 1, &STARTS[s][0], &STARTS[s][1], &TARGET_1D, dt, w);
      drift1[k] = fmax(drift1[k], w->drift[0]);
      final_r[k][s] = w->r[w->nrec - 1], final_s[k][s] = w->s[w->nrec - 1];
    }
    for (int t = 0; t < NTARGET && !rc; ++t) {
      recorder *w = &two[k][t];
      *w = (recorder){.every = every, .cap = cap, .r = next, .s = next + 2 * cap};
      next += 4 * cap;
      const double r0[2] = {0.0, 0.0}, s0[2] = {0.1, 10.0};
      rc = integrate(PS[k], 2, r0, s0, TARGETS[t], dt, w);
      double res = 0.0;
      for (int m = 0; m < 2; ++m) {
        const double e = w->r[(w->nrec - 1) * 2 + m] - TARGETS[t][m];
        res += e * e;
        if (w->floored[m])
          floored[k] += 1;
        else
          drift2[k] = fmax(drift2[k], w->drift[m]);
      }
      resid2[k] = fmax(resid2[k], res);
    }
  }
  if (!rc) {
    char key[16], path[4200];
    cli_json_num(j, "T", T_END);
    cli_json_num(j, "dt", dt);
    cli_json_begin_object(j, "max_invariant_drift");
    for (int k = 0; k < NP; ++k) cli_json_num(j, paper_pkey(PS[k], key, sizeof key), drift1[k]);
    cli_json_end_object(j);
    cli_json_begin_object(j, "final_r");
    for (int k = 0; k < NP; ++k)
      cli_json_array(j, paper_pkey(PS[k], key, sizeof key), final_r[k], NSTART);
    cli_json_end_object(j);
    cli_json_begin_object(j, "final_s");
    for (int k = 0; k < NP; ++k)
      cli_json_array(j, paper_pkey(PS[k], key, sizeof key), final_s[k], NSTART);
    cli_json_end_object(j);
    cli_json_begin_object(j, "two_mode_max_invariant_drift");
    for (int k = 0; k < NP; ++k) cli_json_num(j, paper_pkey(PS[k], key, sizeof key), drift2[k]);
    cli_json_end_object(j);
    cli_json_begin_object(j, "two_mode_modes_on_floor");
    for (int k = 0; k < NP; ++k) cli_json_int(j, paper_pkey(PS[k], key, sizeof key), floored[k]);
    cli_json_end_object(j);
    cli_json_begin_object(j, "two_mode_max_final_residual");
    for (int k = 0; k < NP; ++k) cli_json_num(j, paper_pkey(PS[k], key, sizeof key), resid2[k]);
    cli_json_end_object(j);
    /* figures */
    cli_series ser[NP * NTARGET + 2];
    int group[NP * NTARGET + 2];
    char labels[NP][32];
    static const double cone_r[3] = {-1.9, 0.0, 1.9}, cone_s[3] = {1.9, 0.0, 1.9};
    for (int k = 0; k < NP; ++k) {
      snprintf(labels[k], sizeof labels[k], "p = %s", paper_pkey(PS[k], key, sizeof key));
      for (int s = 0; s < NSTART; ++s)
        ser[k * NSTART + s] =
            (cli_series){one[k][s].r, one[k][s].s, one[k][s].nrec, s ? NULL : labels[k]},
                         group[k * NSTART + s] = k;
    }
    group[NP * NSTART] = 7;
    ser[NP * NSTART] = (cli_series){cone_r, cone_s, 3, "s = |r|"};
    rc = paper_plot_curves(paper_path(run, "gaussians_cone.png", path, sizeof path),
                           "one-mode trajectories in (r, s), target r = 1", "r", "s", ser, group,
                           NP * NSTART + 1, 0);
    for (int k = 0; k < NP && !rc; ++k) rc = plot_leaves(run, PS[k], one[k]);
    double *r1 = malloc(2 * cap * NP * NTARGET * sizeof *r1);
    if (!rc && !r1) rc = cli_out_of_memory("paper");
    for (int k = 0; k < NP && !rc; ++k)
      for (int t = 0; t < NTARGET; ++t) {
        double *a = r1 + 2 * cap * (size_t)(k * NTARGET + t), *b = a + cap;
        for (size_t i = 0; i < two[k][t].nrec; ++i)
          a[i] = two[k][t].r[2 * i], b[i] = two[k][t].r[2 * i + 1];
        ser[k * NTARGET + t] = (cli_series){a, b, two[k][t].nrec, t ? NULL : labels[k]};
        group[k * NTARGET + t] = k;
      }
    if (!rc)
      rc = paper_plot_curves(paper_path(run, "gaussians_two_mode.png", path, sizeof path),
                             "two modes from r = 0, s = (0.1, 10), four targets", "r1", "r2", ser,
                             group, NP * NTARGET, 0);
    free(r1);
    double *tt = malloc(cap * sizeof *tt);
    if (!rc && !tt) rc = cli_out_of_memory("paper");
    if (!rc) {
      for (size_t i = 0; i < one[0][0].nrec; ++i) tt[i] = (double)(i * every) * dt;
      for (int k = 0; k < NP; ++k)
        ser[k] = (cli_series){tt, drift_t + k * cap, one[k][0].nrec, labels[k]};
      for (int k = 0; k < NP; ++k) group[k] = k;
      rc = paper_plot_curves(paper_path(run, "gaussians_drift.png", path, sizeof path),
                             "relative drift of the invariant, start (-1.5, 1.8)", "t",
                             "|I(t) - I(0)| / I(0)", ser, group, NP, 1);
    }
    free(tt);
  }
  free(store), free(drift_t);
  return rc;
}
