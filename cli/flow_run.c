/* `specot flow`: the run loops (the flow engine with checkpoints, the reduced sphere
 * flow), the progress display and the particle snapshots. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "flow_cli.h"

#define CMD FLOW_CMD

volatile sig_atomic_t flow_interrupted = 0;

/* "interrupted at step N of M": where a run stopped by SIGINT/SIGTERM ended. */
static void say_interrupted(const flow_cfg *c, double p, uint64_t step, size_t total,
                            const char *dir) {
  char pb[16];
  flow_fmt_p(p, pb, sizeof pb);
  if (c->ckpt_every)
    fprintf(stderr,
            "specot flow: interrupted at step %llu of %zu (p = %s); checkpoint and log written to "
            "'%s' (continue with --resume %s)\n",
            (unsigned long long)step, total, pb, dir, dir);
  else
    fprintf(stderr,
            "specot flow: interrupted at step %llu of %zu (p = %s); log written to '%s' (no "
            "checkpoint: run with --checkpoint-every K to be able to resume)\n",
            (unsigned long long)step, total, pb, dir);
}

void flow_fmt_p(double p, char *buf, size_t len) {
  if (isinf(p))
    snprintf(buf, len, "inf");
  else
    snprintf(buf, len, "%g", p);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Progress on stderr: a bar redrawn every 0.2 s on a terminal, otherwise one
 * line per 10% of the run. */
static void progress(const flow_cfg *c, double p, size_t step, size_t total, double energy,
                     double t0, size_t step0, double *last) {
  /* Only on a terminal: logs and pipes get no progress lines. */
  if (c->quiet || total == 0 || !isatty(2)) return;
  const double t = now();
  if (step < total && t - *last < 0.2) return;
  *last = t;
  const double rate = (double)(step - step0) / fmax(t - t0, 1e-9);
  const double eta = rate > 0 ? (double)(total - step) / rate : 0.0;
  const int width = 30, fill = (int)((double)width * (double)step / (double)total);
  char pb[16];
  flow_fmt_p(p, pb, sizeof pb);
  fputs("\r[", stderr);
  for (int k = 0; k < width; ++k) fputc(k < fill ? '#' : '.', stderr);
  fprintf(stderr, "] p=%s %zu/%zu %.0f steps/s E=%.4e ETA %.0fs   ", pb, step, total, rate, energy,
          eta);
  if (step >= total) fputc('\n', stderr);
  fflush(stderr);
}

/* 1 when progress() draws (a bar left open on the terminal needs a newline). */
static int progress_drawn(const flow_cfg *c) { return !c->quiet && isatty(2); }

/* DIR/snapshots/p<P>_<step>.npy when step is a multiple of --snapshot-every. */
static int snapshot(const flow_cfg *c, const char *dir, double p, uint64_t step, const double *x,
                    size_t n, size_t d) {
  if (!c->snapshot_every || step % c->snapshot_every != 0) return CLI_EXIT_OK;
  char path[4200], pb[16];
  snprintf(path, sizeof path, "%s/snapshots", dir);
  if (mkdir(path, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "specot flow: error: cannot create folder '%s': %s\n", path, strerror(errno));
    return CLI_EXIT_INPUT;
  }
  flow_fmt_p(p, pb, sizeof pb);
  snprintf(path, sizeof path, "%s/snapshots/p%s_%llu.npy", dir, pb, (unsigned long long)step);
  return cli_write_array(CMD, path, x, n, d, 2);
}

static int write_log(const char *dir, const flow_traj *t) {
  char tp[4200];
  snprintf(tp, sizeof tp, "%s/trajectory.csv", dir);
  return flow_traj_write(tp, t);
}

static int finish_engine(specot_flow *f, const flow_model *m, const specot_flow_diag *dg,
                         flow_result *res, double **xfinal, size_t *nfinal, size_t *dfinal) {
  specot_flow_counters cnt;
  specot_flow_counters_get(f, &cnt);
  res->final_energy = dg->energy;
  res->rises = cnt.rises;
  res->violations = cnt.inequality_violations;
  res->steps = dg->step;
  *nfinal = m->n;
  *dfinal = m->d;
  *xfinal = flow_alloc_doubles(m->n, m->d);
  if (!*xfinal) return flow_out_of_memory(m->n);
  memcpy(*xfinal, specot_flow_particles(f), m->n * m->d * sizeof **xfinal);
  return CLI_EXIT_OK;
}

int flow_run_engine(const flow_cfg *c, int k, const char *dir, flow_traj *t, flow_result *res,
                    double **xfinal, size_t *nfinal, size_t *dfinal) {
  const double p = c->ps[k];
  const size_t steps = flow_steps(c, k);
  specot_ctx *ctx = specot_ctx_alloc();
  if (!ctx) return flow_out_of_memory(0);
  flow_model m;
  int rc = flow_model_build(c, k, &m, ctx);
  if (rc) {
    specot_ctx_free(ctx);
    return rc;
  }
  res->dt = m.opts.dt;
  res->effective_tokens = m.effective_tokens;
  specot_flow *f = NULL;
  specot_status st = specot_flow_alloc(ctx, &m.obj, &m.opts, m.n, m.d, m.x0, m.w, &f);
  specot_flow_diag dg;
  if (!st) {
    specot_flow_diag_get(f, &dg);
    res->initial_energy = dg.energy;
    res->initial_ratio = dg.ratio;
  }
  char ck[4200];
  snprintf(ck, sizeof ck, "%s/checkpoint.bin", dir);
  if (!st && c->resume) {
    st = specot_flow_checkpoint_read(ctx, f, ck);
    if (!st) {
      specot_flow_diag_get(f, &dg);
      if (t->len > 0) { /* the initial values are those of step 0 of the log */
        res->initial_energy = t->rows[3];
        res->initial_ratio = t->rows[5];
      }
    }
  } else if (!st) {
    if (flow_traj_push(t, p, &dg)) st = SPECOT_ERR_NOMEM;
    if (!st) rc = snapshot(c, dir, p, 0, specot_flow_particles(f), m.n, m.d);
  }
  const double t0 = now();
  double last = 0.0;
  const size_t step0 = f ? (size_t)dg.step : 0;
  int stopped = 0;
  while (!st && !rc && dg.step < steps) {
    if (flow_interrupted) {
      stopped = 1;
      break;
    }
    if ((st = specot_flow_step(ctx, f, &dg))) break;
    const int logged = dg.step % c->log_every == 0 || dg.step == steps;
    if (logged && flow_traj_push(t, p, &dg)) st = SPECOT_ERR_NOMEM;
    if (!st) rc = snapshot(c, dir, p, dg.step, specot_flow_particles(f), m.n, m.d);
    /* The log first, then the checkpoint: a kill between the two leaves a log that runs
     * ahead of the checkpoint, and --resume drops those rows (never a gap in the log). */
    if (!st && !rc && c->ckpt_every && dg.step % c->ckpt_every == 0) {
      rc = write_log(dir, t);
      if (!rc) st = specot_flow_checkpoint_write(ctx, f, ck);
    }
    progress(c, p, (size_t)dg.step, steps, dg.energy, t0, step0, &last);
  }
  if (stopped && !st && !rc) rc = write_log(dir, t); /* rows up to the last logged step */
  if (!st && !rc && c->ckpt_every) st = specot_flow_checkpoint_write(ctx, f, ck);
  if (stopped && !st && !rc) {
    if (progress_drawn(c)) fputc('\n', stderr);
    say_interrupted(c, p, dg.step, steps, dir);
    rc = FLOW_EXIT_INTERRUPTED;
  }
  res->wall = now() - t0;
  if (st && !rc) rc = cli_report(CMD, ctx, st);
  if (!rc) rc = finish_engine(f, &m, &dg, res, xfinal, nfinal, dfinal);
  specot_flow_free(f);
  flow_model_free(&m);
  specot_ctx_free(ctx);
  return rc;
}

/* ------------------------------------------------------- reduced sphere flow */

typedef struct sphere_state {
  double *mass, *om, *dm, *dom, *g, *gw, *packed; /* packed: n x (1 + d) rows (m, omega) */
} sphere_state;

static void sphere_free(sphere_state *s) {
  free(s->mass);
  free(s->om);
  free(s->dm);
  free(s->dom);
  free(s->g);
  free(s->gw);
  free(s->packed);
}

static const double *sphere_pack(sphere_state *s, size_t n, size_t d) {
  for (size_t i = 0; i < n; ++i) {
    s->packed[i * (d + 1)] = s->mass[i];
    memcpy(s->packed + i * (d + 1) + 1, s->om + i * d, d * sizeof *s->om);
  }
  return s->packed;
}

/* Energy, rhs and ratio at the current state; the dissipation rate into *rate. */
static specot_status sphere_eval(specot_ctx *ctx, const flow_model *md, double p, sphere_state *s,
                                 double *e, double *ratio, double *rate) {
  const size_t n = md->n, d = md->d;
  double msum = 0.0;
  specot_status st = md->obj.eval(md->obj.model, ctx, s->om, s->mass, n, d, e, s->g);
  if (!st) st = specot_flow_sphere_rhs(ctx, &md->obj, p, s->mass, s->om, n, d, s->dm, s->dom);
  for (size_t i = 0; !st && i < n; ++i) msum += s->mass[i];
  for (size_t i = 0; !st && i < n; ++i)
    for (size_t k = 0; k < d; ++k) s->gw[i * d + k] = sqrt(s->mass[i] / msum) * s->g[i * d + k];
  if (!st) st = specot_flow_dissipation_ratio(ctx, s->gw, n, d, ratio);
  /* rate sum_i m_i g_i . v_i with v_i = domega_i + b_i omega_i, b_i = dm_i / (2 m_i) */
  *rate = 0.0;
  for (size_t i = 0; !st && i < n; ++i) {
    const double b = s->dm[i] / (2.0 * s->mass[i]);
    for (size_t k = 0; k < d; ++k)
      *rate += s->mass[i] * s->g[i * d + k] * (s->dom[i * d + k] + b * s->om[i * d + k]);
  }
  return st;
}

/* One Euler step of (mass, omega); returns the weighted step length. */
static double sphere_step(sphere_state *s, size_t n, size_t d, double h) {
  double sw = 0.0;
  for (size_t i = 0; i < n; ++i) {
    s->mass[i] *= exp(h * s->dm[i] / s->mass[i]); /* keeps masses positive; first order in h */
    double r2 = 0.0, v2 = 0.0;
    for (size_t k = 0; k < d; ++k) {
      s->om[i * d + k] += h * s->dom[i * d + k];
      r2 += s->om[i * d + k] * s->om[i * d + k];
      v2 += s->dom[i * d + k] * s->dom[i * d + k];
    }
    for (size_t k = 0; k < d; ++k) s->om[i * d + k] /= sqrt(r2);
    sw += s->mass[i] * h * h * v2;
  }
  return sqrt(sw);
}

/* Euler on the reduced (mass, direction) system; particles written as (m, omega). */
int flow_run_sphere(const flow_cfg *c, int k, const char *dir, flow_traj *t, flow_result *res,
                    double **xfinal, size_t *nfinal, size_t *dfinal) {
  const double p = c->ps[k];
  const size_t steps = flow_steps(c, k);
  specot_ctx *ctx = specot_ctx_alloc();
  if (!ctx) return flow_out_of_memory(0);
  flow_model md;
  int rc = flow_model_build(c, k, &md, ctx);
  if (rc) {
    specot_ctx_free(ctx);
    return rc;
  }
  const size_t n = md.n, d = md.d;
  const double h = md.opts.dt;
  res->dt = h;
  res->effective_tokens = NAN;
  sphere_state s = {malloc(n * sizeof(double)),     malloc(n * d * sizeof(double)),
                    malloc(n * sizeof(double)),     malloc(n * d * sizeof(double)),
                    malloc(n * d * sizeof(double)), malloc(n * d * sizeof(double)),
                    flow_alloc_doubles(n, d + 1)};
  if (!s.mass || !s.om || !s.dm || !s.dom || !s.g || !s.gw || !s.packed) rc = flow_out_of_memory(n);
  for (size_t i = 0; !rc && i < n; ++i) {
    double r2 = 0.0;
    for (size_t q = 0; q < d; ++q) r2 += md.x0[i * d + q] * md.x0[i * d + q];
    s.mass[i] = r2 / (double)n;
    for (size_t q = 0; q < d; ++q) s.om[i * d + q] = md.x0[i * d + q] / sqrt(r2);
  }
  const double t0 = now();
  double last = 0.0, dist = 0.0;
  for (size_t step = 0; !rc && step <= steps; ++step) {
    if (flow_interrupted && step > 0) {
      if (progress_drawn(c)) fputc('\n', stderr);
      rc = write_log(dir, t);
      if (!rc) say_interrupted(c, p, step - 1, steps, dir);
      if (!rc) rc = FLOW_EXIT_INTERRUPTED;
      break;
    }
    double e, ratio, rate;
    const specot_status st = sphere_eval(ctx, &md, p, &s, &e, &ratio, &rate);
    if (st) {
      rc = cli_report(CMD, ctx, st);
      break;
    }
    if (step == 0) {
      res->initial_energy = e;
      res->initial_ratio = ratio;
    }
    res->final_energy = e;
    specot_flow_diag dg = {step, (double)step * h, e, rate, ratio, 0.0, e, dist, 0.0};
    if ((step % c->log_every == 0 || step == steps) && flow_traj_push(t, p, &dg))
      rc = flow_out_of_memory(n);
    if (!rc) rc = snapshot(c, dir, p, step, sphere_pack(&s, n, d), n, d + 1);
    if (rc || step == steps) break;
    dist += sphere_step(&s, n, d, h);
    progress(c, p, step + 1, steps, e, t0, 0, &last);
  }
  res->wall = now() - t0;
  res->steps = steps;
  if (!rc) {
    *nfinal = n;
    *dfinal = d + 1;
    *xfinal = flow_alloc_doubles(n, d + 1);
    if (!*xfinal)
      rc = flow_out_of_memory(n);
    else
      memcpy(*xfinal, sphere_pack(&s, n, d), n * (d + 1) * sizeof **xfinal);
  }
  sphere_free(&s);
  flow_model_free(&md);
  specot_ctx_free(ctx);
  return rc;
}
