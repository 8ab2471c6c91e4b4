/* `specot paper gaussian-kl`: the covariance flow of KL(N(0, Sigma) | N(0, I))
 * in d = 2 from Sigma_0 = 2 I for p in {1, 2, inf} (the paper's teaching
 * example 04): the Gaussian closure dSigma/dt = B Sigma^{1/2} + Sigma^{1/2} B^T,
 * B = J_p(H Sigma^{1/2}), H = I - Sigma^{-1}, integrated by RK4, against the
 * closed form Sigma_t = (1 + e^{-rho t}) I with rho = 2 d^{1 - 1/p}; and the
 * particle flow (Euler) of the gaussian-kl objective from particles whose
 * second moment is exactly 2 I, which must follow the same curve. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"
#include "paper_plot.h"
#include "specot/flows.h"
#include "specot/ode.h"

enum { D = 2, NP = 3, NPART = 64 };
static const double PS[NP] = {1.0, 2.0, INFINITY};
static const double T_END = 3.0;

static double rho_of(double p) {
  return 2.0 * pow((double)D, isinf(p) ? 1.0 : 1.0 - 1.0 / p);
}

/* Sigma' for the KL to N(0, I): H = I - Sigma^{-1} (2 x 2 inverse). */
static specot_status kl_rhs(void *data, specot_ctx *ctx, double t, const double *y, size_t n,
                            double *dydt) {
  (void)t, (void)n;
  const double p = *(const double *)data;
  const double det = y[0] * y[3] - y[1] * y[2];
  if (!(det > 0))
    return specot_flow_gaussian_covariance_rhs(ctx, y, y, D, -1.0, dydt); /* reports INVALID */
  const double H[4] = {1.0 - y[3] / det, y[1] / det, y[2] / det, 1.0 - y[0] / det};
  return specot_flow_gaussian_covariance_rhs(ctx, y, H, D, p, dydt);
}

typedef struct kl_track {
  double *t, *sigma, *err; /* per record: time, Sigma_11, max |Sigma - closed form| */
  size_t n, every;
  double rho, max_err;
} kl_track;

static void kl_record(kl_track *k, double t, const double *y) {
  const double c = 1.0 + exp(-k->rho * t);
  double e = fmax(fabs(y[0] - c), fabs(y[3] - c));
  e = fmax(e, fmax(fabs(y[1]), fabs(y[2])));
  k->max_err = fmax(k->max_err, e);
  k->t[k->n] = t, k->sigma[k->n] = y[0], k->err[k->n] = e;
  ++k->n;
}

static int kl_observe(void *data, size_t step, double t, const double *y, size_t n) {
  (void)n;
  kl_track *k = data;
  if (step % k->every == 0) kl_record(k, t, y);
  return 0;
}

/* Euler particle flow of the gaussian-kl objective from NPART points on the
 * circle of radius 2 (second moment exactly 2 I); max deviation of the second
 * moment from the closed form over the run. */
static specot_status particle_run(specot_ctx *ctx, double p, double dt, size_t steps,
                                  double *max_err) {
  const double target[4] = {1, 0, 0, 1};
  double x0[NPART * D];
  for (int i = 0; i < NPART; ++i) {
    const double a = 6.283185307179586 * i / NPART;
    x0[2 * i] = 2.0 * cos(a), x0[2 * i + 1] = 2.0 * sin(a);
  }
  specot_flow_objective obj;
  specot_status st = specot_flow_gaussian_kl_alloc(ctx, target, D, &obj);
  if (st < 0) return st;
  specot_flow_opts o;
  specot_flow_opts_init(&o);
  o.p = p, o.dt = dt;
  specot_flow *flow = NULL;
  st = specot_flow_alloc(ctx, &obj, &o, NPART, D, x0, NULL, &flow);
  *max_err = 0.0;
  for (size_t s = 0; s < steps && st >= 0; ++s) {
    st = specot_flow_step(ctx, flow, NULL);
    const double *x = specot_flow_particles(flow), c = 1.0 + exp(-rho_of(p) * (double)(s + 1) * dt);
    double m[3] = {0, 0, 0};
    for (int i = 0; i < NPART; ++i)
      m[0] += x[2 * i] * x[2 * i], m[1] += x[2 * i] * x[2 * i + 1],
          m[2] += x[2 * i + 1] * x[2 * i + 1];
    for (int k = 0; k < 3; ++k) m[k] /= NPART;
    *max_err = fmax(*max_err, fmax(fmax(fabs(m[0] - c), fabs(m[2] - c)), fabs(m[1])));
  }
  specot_flow_free(flow);
  specot_flow_objective_free(&obj);
  return st;
}

int paper_gaussian_kl(const paper_run *run, cli_json *j) {
  const double dt = 1e-3, pdt = run->quick ? 2e-3 : 5e-4;
  const size_t steps = (size_t)llround(T_END / dt), every = 10, cap = steps / every + 2;
  double *buf = malloc((size_t)NP * 3 * cap * sizeof *buf);
  if (!buf) return cli_out_of_memory("paper");
  specot_ctx *ctx = specot_ctx_alloc();
  specot_ode_ws *ws = ctx ? specot_ode_ws_alloc(ctx, D * D) : NULL;
  kl_track tr[NP];
  double perr[NP];
  int rc = ws ? CLI_EXIT_OK : cli_out_of_memory("paper");
  for (int k = 0; k < NP && !rc; ++k) {
    double p = PS[k], y[4] = {2, 0, 0, 2};
    tr[k] = (kl_track){buf + 3 * cap * k,
                       buf + 3 * cap * k + cap,
                       buf + 3 * cap * k + 2 * cap,
                       0,
                       every,
                       rho_of(p),
                       0.0};
    kl_record(&tr[k], 0.0, y);
    const specot_ode_system sys = {kl_rhs, NULL, &p};
    specot_status st = specot_ode_rk4(ctx, ws, &sys, 0.0, dt, steps, y, kl_observe, &tr[k], NULL);
    if (st >= 0) st = particle_run(ctx, p, pdt, (size_t)llround(T_END / pdt), &perr[k]);
    if (st < 0) rc = cli_report("paper", ctx, st);
  }
  if (!rc) {
    char key[16], path[4200], labels[NP][32], clabels[NP][40];
    cli_json_int(j, "d", D);
    cli_json_num(j, "T", T_END);
    cli_json_num(j, "dt", dt);
    cli_json_num(j, "particle_dt", pdt);
    cli_json_int(j, "particles", NPART);
    cli_json_begin_object(j, "rho");
    for (int k = 0; k < NP; ++k) cli_json_num(j, paper_pkey(PS[k], key, sizeof key), tr[k].rho);
    cli_json_end_object(j);
    cli_json_begin_object(j, "max_error_closed_form");
    for (int k = 0; k < NP; ++k) cli_json_num(j, paper_pkey(PS[k], key, sizeof key), tr[k].max_err);
    cli_json_end_object(j);
    cli_json_begin_object(j, "final_sigma");
    for (int k = 0; k < NP; ++k)
      cli_json_num(j, paper_pkey(PS[k], key, sizeof key), tr[k].sigma[tr[k].n - 1]);
    cli_json_end_object(j);
    cli_json_begin_object(j, "particle_max_error");
    for (int k = 0; k < NP; ++k) cli_json_num(j, paper_pkey(PS[k], key, sizeof key), perr[k]);
    cli_json_end_object(j);
    cli_series ser[2 * NP];
    int group[2 * NP];
    double *closed = malloc((size_t)NP * cap * sizeof *closed);
    if (!closed) rc = cli_out_of_memory("paper");
    for (int k = 0; k < NP && !rc; ++k) {
      snprintf(labels[k], sizeof labels[k], "p = %s (RK4)", paper_pkey(PS[k], key, sizeof key));
      snprintf(clabels[k], sizeof clabels[k], "1 + exp(-%.4g t)", tr[k].rho);
      for (size_t i = 0; i < tr[k].n; ++i) closed[k * cap + i] = 1.0 + exp(-tr[k].rho * tr[k].t[i]);
      ser[2 * k] = (cli_series){tr[k].t, tr[k].sigma, tr[k].n, labels[k]};
      ser[2 * k + 1] = (cli_series){tr[k].t, closed + k * cap, tr[k].n, clabels[k]};
      group[2 * k] = k, group[2 * k + 1] = k + 4;
    }
    if (!rc)
      rc = paper_plot_curves(paper_path(run, "gaussian_kl_sigma.png", path, sizeof path),
                             "KL covariance flow from 2I to I (d = 2): Sigma_11(t)", "t",
                             "Sigma_11", ser, group, 2 * NP, 0);
    for (int k = 0; k < NP && !rc; ++k) {
      snprintf(labels[k], sizeof labels[k], "p = %s", paper_pkey(PS[k], key, sizeof key));
      ser[k] = (cli_series){tr[k].t, tr[k].err, tr[k].n, labels[k]};
      group[k] = k;
    }
    if (!rc)
      rc = paper_plot_curves(paper_path(run, "gaussian_kl_error.png", path, sizeof path),
                             "RK4 (dt = 1e-3) minus the closed form", "t",
                             "max |Sigma_t - (1+e^{-rho t}) I|", ser, group, NP, 1);
    free(closed);
  }
  specot_ode_ws_free(ws);
  specot_ctx_free(ctx);
  free(buf);
  return rc;
}
