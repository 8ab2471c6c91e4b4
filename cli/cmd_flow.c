/* `specot flow`: spectral particle flows on built-in models, with trajectory
 * logging, an energy plot, a progress bar, and atomic checkpoint / resume. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "plot.h"
#include "specot/flows.h"

#define CMD "flow"
enum { MAX_P = 4, NCOL = 10 };

typedef struct flow_cfg {
  const char *model;
  double ps[MAX_P];
  int np;
  const char *method;
  size_t steps, n, ckpt_every, log_every;
  uint64_t seed;
  double dt, gamma, eps, tau, max_step, clamp; /* NAN = model default */
  const char *out, *resume;
  int json, quiet;
} flow_cfg;

static void usage(FILE *out) {
  fprintf(out,
          "usage: specot flow --model M -p P[,P...] [--method euler|momentum|hamiltonian]\n"
          "                   [--steps N] [--dt DT] [--particles n] [--seed S] [--out DIR]\n"
          "                   [--checkpoint-every K] [--resume DIR] [--json] [--quiet]\n"
          "Runs a spectral particle flow X' = J_p(forces) (or its momentum / damped\n"
          "Hamiltonian variants) on a built-in model and writes under DIR (default out/flow):\n"
          "  trajectory.csv  one row per logged step: p,step,t,energy,dissipation,ratio,\n"
          "                  kinetic,hamiltonian,distance,step_norm ('#' header line)\n"
          "  particles.npy   final particles (n x d); particles_p<P>.npy per p when several\n"
          "  energy.png      energy and |dE/dt| against time, one curve per p\n"
          "Models (built-in data from --seed, default 7):\n"
          "  mlp-relu     Peyre's two-layer ReLU teacher-student protocol (n = 1920, 2000\n"
          "               training points); Euler defaults follow the paper: dt = 75/n (p=1),\n"
          "               50/n (p=inf) in our mean-field clock (= the paper's 75 and 50 on the\n"
          "               autodiff gradient), cap ||dX||_F <= 0.2, clamp [-30, 30]\n"
          "  mmd          smoothed energy distance (eps 0.01) from a Gaussian blob to a ring\n"
          "               (n = m = 200 in R^2)\n"
          "  quadratic    J(X) = 1/2 ||A X - B||^2 (random A, B; n = 32, d = 4; unit weights)\n"
          "  gaussian-kl  KL(N(0, second moment) | N(0, diag(2,1,0.5))), n = 400 in R^3\n"
          "  sphere       the (mass, direction) reduced flow of mlp-relu on S^2 (Euler only)\n"
          "Options:\n"
          "  -p P[,P...]        gauge exponents in [1, inf] ('inf' accepted), e.g. -p 1,inf\n"
          "  --method M         euler (default), momentum (tau A' + A = G, X' = J(A)) or\n"
          "                     hamiltonian (regularized Muon: P' = -G - gamma P, X' = O_eps(P),\n"
          "                     per particle; mlp-relu uses blocks (u | v))\n"
          "  --steps N          total steps (default 2000)\n"
          "  --dt DT            step size (default: per model)\n"
          "  --particles n      number of particles (default: per model)\n"
          "  --seed S           data / initialization seed (default 7)\n"
          "  --tau T --gamma G --eps E   momentum / Hamiltonian parameters (1, 1, 0.01)\n"
          "  --max-step C       cap ||X+ - X||_F <= C (0 = off)   --clamp C   coordinate clamp\n"
          "  --log-every K      log every K steps (default 1)\n"
          "  --checkpoint-every K  write DIR/checkpoint.bin atomically every K steps and at\n"
          "                     the end (one p only)\n"
          "  --resume DIR       continue the run saved in DIR (run.cfg + checkpoint.bin) up to\n"
          "                     --steps; the trajectory is bit-identical to an uninterrupted run\n"
          "  --json             print a JSON summary on stdout\n"
          "  --quiet            no progress bar on stderr\n"
          "Exit: 0 ok, 2 usage, 3 bad input, 4 numerical.\n");
}

/* ------------------------------------------------------------------ models */

typedef struct model {
  specot_flow_objective obj;
  double *x0, *w; /* w NULL = uniform */
  size_t n, d;
  specot_flow_opts opts;
} model;

static void model_free(model *m) {
  specot_flow_objective_free(&m->obj);
  free(m->x0);
  free(m->w);
  memset(m, 0, sizeof *m);
}

static double pick(double v, double def) {
  return isnan(v) ? def : v;
}

/* malloc of a * b doubles; NULL (never a wrapped-around size) on overflow. */
static double *alloc_doubles(size_t a, size_t b) {
  if (b != 0 && a > SIZE_MAX / sizeof(double) / b) return NULL;
  return malloc(a * b * sizeof(double) + 1);
}

/* One-line message for a failed allocation; returns the exit code. */
static int out_of_memory(size_t n) {
  if (n)
    fprintf(stderr, "specot flow: error: out of memory (%zu particles)\n", n);
  else
    fprintf(stderr, "specot flow: error: out of memory\n");
  return CLI_EXIT_NUMERICAL;
}

static int build_model(const flow_cfg *c, double p, model *m, specot_ctx *ctx) {
  memset(m, 0, sizeof *m);
  specot_flow_opts_init(&m->opts);
  specot_flow_opts *o = &m->opts;
  o->p = p;
  if (strcmp(c->method, "euler") == 0)
    o->method = SPECOT_FLOW_EULER;
  else if (strcmp(c->method, "momentum") == 0)
    o->method = SPECOT_FLOW_MOMENTUM;
  else
    o->method = SPECOT_FLOW_HAMILTONIAN;
  const int ham = o->method == SPECOT_FLOW_HAMILTONIAN;
  specot_status st = SPECOT_OK;
  specot_rng rng;
  specot_rng_seed(&rng, c->seed);
  double dt = 0.01, cap = 0.0, clamp = 0.0;
  if (strcmp(c->model, "mlp-relu") == 0 || strcmp(c->model, "sphere") == 0) {
    m->n = c->n ? c->n : 1920;
    m->d = 3;
    m->x0 = alloc_doubles(m->n, 3);
    if (!m->x0) return out_of_memory(m->n);
    specot_flow_relu_protocol_opts po;
    specot_flow_relu_protocol_opts_init(&po);
    po.seed = c->seed;
    st = specot_flow_relu_protocol(ctx, &po, m->n, &m->obj, m->x0, NULL, NULL);
    if (ham) {
      dt = 0.05;
      o->nblocks = 2;
      o->blocks[0] = 1;
      o->blocks[1] = 2;
    } else if (strcmp(c->model, "sphere") == 0) {
      dt = 0.01;
    } else {
      dt = (p == 1.0 ? 75.0 : 50.0) / (double)m->n;
      cap = 0.2;
      clamp = 30.0;
    }
  } else if (strcmp(c->model, "mmd") == 0) {
    m->n = c->n ? c->n : 200;
    m->d = 2;
    const size_t mt = m->n;
    double *y = alloc_doubles(mt, 2);
    m->x0 = alloc_doubles(m->n, 2);
    if (!y || !m->x0) {
      free(y);
      return out_of_memory(m->n);
    }
    specot_rng_fill_normal(&rng, m->x0, m->n * 2, 0.0, 0.3);
    for (size_t i = 0; i < m->n; ++i) m->x0[2 * i] -= 1.5;
    for (size_t j = 0; j < mt; ++j) {
      const double a = 6.283185307179586 * specot_rng_uniform(&rng),
                   r = 1.0 + 0.05 * specot_rng_normal(&rng);
      y[2 * j] = r * cos(a);
      y[2 * j + 1] = r * sin(a);
    }
    st = specot_flow_mmd_alloc(ctx, y, NULL, mt, 2, 0.01, &m->obj);
    free(y);
    dt = 0.02;
  } else if (strcmp(c->model, "quadratic") == 0) {
    m->n = c->n ? c->n : 32;
    m->d = 4;
    const size_t r = m->n + 4;
    double *A = r > m->n ? alloc_doubles(r, m->n) : NULL, *B = alloc_doubles(r, m->d);
    m->x0 = alloc_doubles(m->n, m->d);
    m->w = alloc_doubles(m->n, 1);
    if (!A || !B || !m->x0 || !m->w) {
      free(A);
      free(B);
      return out_of_memory(m->n);
    }
    specot_rng_fill_normal(&rng, A, r * m->n, 0.0, 1.0 / sqrt((double)r));
    specot_rng_fill_normal(&rng, B, r * m->d, 0.0, 1.0);
    specot_rng_fill_normal(&rng, m->x0, m->n * m->d, 0.0, 1.0);
    for (size_t i = 0; i < m->n; ++i) m->w[i] = 1.0;
    st = specot_flow_quadratic_alloc(ctx, A, B, r, m->n, m->d, &m->obj);
    free(A);
    free(B);
    if (!st) {
      const double L = m->obj.lipschitz > 0 ? m->obj.lipschitz : 1.0;
      /* Hamiltonian: half the monotonicity threshold 2 gamma sqrt(eps) / L
       * (gamma = 0, the undamped system, has no threshold: gamma = 1's step). */
      const double gam = pick(c->gamma, 1.0) > 0 ? pick(c->gamma, 1.0) : 1.0;
      dt = ham ? gam * sqrt(pick(c->eps, 0.01)) / L : 0.5 / L;
      if (ham) o->kinetic = SPECOT_FLOW_KINETIC_MATRIX;
    }
  } else { /* gaussian-kl */
    m->n = c->n ? c->n : 400;
    m->d = 3;
    const double T[9] = {2, 0, 0, 0, 1, 0, 0, 0, 0.5};
    m->x0 = alloc_doubles(m->n, 3);
    if (!m->x0) return out_of_memory(m->n);
    specot_rng_fill_normal(&rng, m->x0, m->n * 3, 0.0, 1.0);
    st = specot_flow_gaussian_kl_alloc(ctx, T, 3, &m->obj);
    dt = 0.01;
  }
  if (st) return cli_report(CMD, ctx, st);
  o->dt = pick(c->dt, dt);
  o->max_step = pick(c->max_step, cap);
  o->clamp = pick(c->clamp, clamp);
  o->tau = pick(c->tau, 1.0);
  o->gamma = pick(c->gamma, 1.0);
  o->eps = pick(c->eps, 0.01);
  return CLI_EXIT_OK;
}

/* ----------------------------------------------------------------- logging */

typedef struct traj {
  double *rows; /* NCOL per row */
  size_t len, cap;
} traj;

static int traj_push(traj *t, double p, const specot_flow_diag *d) {
  if (t->len == t->cap) {
    const size_t cap = t->cap ? 2 * t->cap : 1024;
    double *r = realloc(t->rows, cap * NCOL * sizeof *r);
    if (!r) return -1;
    t->rows = r;
    t->cap = cap;
  }
  double *r = t->rows + t->len * NCOL;
  const double v[NCOL] = {p,        (double)d->step, d->t,           d->energy,   d->dissipation,
                          d->ratio, d->kinetic,      d->hamiltonian, d->distance, d->step_norm};
  memcpy(r, v, sizeof v);
  t->len++;
  return 0;
}

static int write_text_atomic(const char *path, const char *head, const traj *t) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *fp = fopen(tmp, "w");
  if (!fp) {
    fprintf(stderr, "specot flow: error: cannot write '%s': %s\n", path, strerror(errno));
    return CLI_EXIT_INPUT;
  }
  fputs(head, fp);
  for (size_t i = 0; i < t->len; ++i) {
    const double *r = t->rows + i * NCOL;
    for (int k = 0; k < NCOL; ++k) fprintf(fp, k ? ",%.17g" : "%.17g", r[k]);
    fputc('\n', fp);
  }
  int bad = ferror(fp) != 0;
  bad |= fclose(fp) != 0;
  if (bad || rename(tmp, path) != 0) {
    unlink(tmp);
    fprintf(stderr, "specot flow: error: cannot write '%s'\n", path);
    return CLI_EXIT_INPUT;
  }
  return CLI_EXIT_OK;
}

static const char TRAJ_HEAD[] =
    "# p,step,t,energy,dissipation,ratio,kinetic,hamiltonian,distance,step_norm\n";

static void fmt_p(double p, char *buf, size_t len) {
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
  if (c->quiet || total == 0) return;
  const int tty = isatty(2);
  const double t = now();
  if (tty && step < total && t - *last < 0.2) return;
  if (!tty && step != total && (step * 10) / total == ((step - 1) * 10) / total) return;
  *last = t;
  const double rate = (double)(step - step0) / fmax(t - t0, 1e-9);
  const double eta = rate > 0 ? (double)(total - step) / rate : 0.0;
  const int width = 30, fill = (int)((double)width * (double)step / (double)total);
  char pb[16];
  fmt_p(p, pb, sizeof pb);
  fputs(tty ? "\r[" : "[", stderr);
  for (int k = 0; k < width; ++k) fputc(k < fill ? '#' : '.', stderr);
  fprintf(stderr, "] p=%s %zu/%zu %.0f steps/s E=%.4e ETA %.0fs   ", pb, step, total, rate, energy,
          eta);
  if (!tty || step >= total) fputc('\n', stderr);
  fflush(stderr);
}

/* ------------------------------------------------------------- run config */

static int save_cfg(const flow_cfg *c, const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/run.cfg", dir);
  FILE *fp = fopen(path, "w");
  if (!fp) {
    fprintf(stderr, "specot flow: error: cannot write '%s'\n", path);
    return CLI_EXIT_INPUT;
  }
  fprintf(fp, "model=%s\nmethod=%s\np=%.17g\nparticles=%zu\nseed=%llu\n", c->model, c->method,
          c->ps[0], c->n, (unsigned long long)c->seed);
  const struct {
    const char *k;
    double v;
  } d[] = {{"dt", c->dt},   {"gamma", c->gamma},       {"eps", c->eps},
           {"tau", c->tau}, {"max_step", c->max_step}, {"clamp", c->clamp}};
  for (size_t k = 0; k < sizeof d / sizeof d[0]; ++k) fprintf(fp, "%s=%.17g\n", d[k].k, d[k].v);
  fprintf(fp, "log_every=%zu\ncheckpoint_every=%zu\n", c->log_every, c->ckpt_every);
  return fclose(fp) == 0 ? CLI_EXIT_OK : CLI_EXIT_INPUT;
}

static char cfg_model[64], cfg_method[64];

static int load_cfg(flow_cfg *c, const char *dir) {
  char path[4096], line[512];
  snprintf(path, sizeof path, "%s/run.cfg", dir);
  FILE *fp = fopen(path, "r");
  if (!fp) {
    fprintf(stderr, "specot flow: error: cannot resume: '%s' not found\n", path);
    return CLI_EXIT_INPUT;
  }
  while (fgets(line, sizeof line, fp)) {
    char *eq = strchr(line, '=');
    if (!eq) continue;
    *eq = '\0';
    char *v = eq + 1;
    v[strcspn(v, "\n")] = '\0';
    double x = strtod(v, NULL);
    if (strcmp(line, "model") == 0)
      snprintf(cfg_model, sizeof cfg_model, "%s", v), c->model = cfg_model;
    else if (strcmp(line, "method") == 0)
      snprintf(cfg_method, sizeof cfg_method, "%s", v), c->method = cfg_method;
    else if (strcmp(line, "p") == 0)
      c->ps[0] = x, c->np = 1;
    else if (strcmp(line, "particles") == 0)
      c->n = (size_t)strtoull(v, NULL, 10);
    else if (strcmp(line, "seed") == 0)
      c->seed = (uint64_t)strtoull(v, NULL, 10);
    else if (strcmp(line, "dt") == 0)
      c->dt = x;
    else if (strcmp(line, "gamma") == 0)
      c->gamma = x;
    else if (strcmp(line, "eps") == 0)
      c->eps = x;
    else if (strcmp(line, "tau") == 0)
      c->tau = x;
    else if (strcmp(line, "max_step") == 0)
      c->max_step = x;
    else if (strcmp(line, "clamp") == 0)
      c->clamp = x;
    else if (strcmp(line, "log_every") == 0)
      c->log_every = (size_t)strtoull(v, NULL, 10);
    else if (strcmp(line, "checkpoint_every") == 0 && c->ckpt_every == 0)
      c->ckpt_every = (size_t)strtoull(v, NULL, 10);
  }
  fclose(fp);
  if (!c->model || !c->method || c->np != 1) {
    fprintf(stderr, "specot flow: error: '%s' is incomplete\n", path);
    return CLI_EXIT_INPUT;
  }
  return CLI_EXIT_OK;
}

/* Previous trajectory rows with step <= last (for --resume). */
static int load_traj(const char *dir, uint64_t last, traj *t) {
  char path[4096];
  snprintf(path, sizeof path, "%s/trajectory.csv", dir);
  specot_ctx *ctx = specot_ctx_alloc();
  specot_array a;
  specot_io_read_opts ro;
  specot_io_read_opts_init(&ro);
  ro.require_finite = 0; /* the p column holds "inf" */
  const specot_status st = specot_io_read(ctx, path, &ro, &a);
  if (st == SPECOT_ERR_IO ||
      (st == SPECOT_ERR_FORMAT && strstr(specot_ctx_errmsg(ctx), "empty file"))) {
    /* no log yet (or a header-only one): start an empty one */
    specot_ctx_free(ctx);
    return CLI_EXIT_OK;
  }
  if (st) { /* a damaged log is an error, not silently dropped history */
    const int rc = cli_report(CMD, ctx, st);
    specot_ctx_free(ctx);
    return rc;
  }
  specot_ctx_free(ctx);
  if (a.cols != NCOL) {
    fprintf(stderr, "specot flow: error: '%s' has %zu columns, expected %d\n", path, a.cols, NCOL);
    specot_array_free(&a);
    return CLI_EXIT_INPUT;
  }
  for (size_t i = 0; i < a.rows; ++i) {
    const double *r = a.data + i * NCOL;
    if (r[1] > (double)last) break;
    specot_flow_diag d = {(uint64_t)r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]};
    if (traj_push(t, r[0], &d)) {
      specot_array_free(&a);
      return out_of_memory(0);
    }
  }
  specot_array_free(&a);
  return CLI_EXIT_OK;
}

/* ------------------------------------------------------------- the runs */

typedef struct run_result {
  double initial_energy, final_energy, initial_ratio, wall;
  uint64_t rises, violations, steps;
} run_result;

static int run_engine(const flow_cfg *c, double p, const char *dir, traj *t, run_result *res,
                      double **xfinal, size_t *nfinal, size_t *dfinal) {
  specot_ctx *ctx = specot_ctx_alloc();
  model m;
  int rc = build_model(c, p, &m, ctx);
  if (rc) {
    specot_ctx_free(ctx);
    return rc;
  }
  specot_flow *f = NULL;
  specot_status st = specot_flow_alloc(ctx, &m.obj, &m.opts, m.n, m.d, m.x0, m.w, &f);
  specot_flow_diag dg;
  if (!st) {
    specot_flow_diag_get(f, &dg);
    res->initial_energy = dg.energy;
    res->initial_ratio = dg.ratio;
  }
  char ck[4096];
  snprintf(ck, sizeof ck, "%s/checkpoint.bin", dir);
  if (!st && c->resume) {
    st = specot_flow_checkpoint_read(ctx, f, ck);
    if (!st) {
      specot_flow_diag_get(f, &dg);
      /* the initial values are those of step 0 of the log */
      if (t->len > 0) {
        res->initial_energy = t->rows[3];
        res->initial_ratio = t->rows[5];
      }
    }
  } else if (!st) {
    if (traj_push(t, p, &dg)) st = SPECOT_ERR_NOMEM;
  }
  const double t0 = now();
  double last = 0.0;
  const size_t step0 = f ? (size_t)dg.step : 0;
  while (!st && dg.step < c->steps) {
    st = specot_flow_step(ctx, f, &dg);
    if (st) break;
    if ((dg.step % c->log_every == 0 || dg.step == c->steps) && traj_push(t, p, &dg))
      st = SPECOT_ERR_NOMEM;
    if (!st && c->ckpt_every && dg.step % c->ckpt_every == 0) {
      st = specot_flow_checkpoint_write(ctx, f, ck);
      if (!st) {
        char tp[4096];
        snprintf(tp, sizeof tp, "%s/trajectory.csv", dir);
        rc = write_text_atomic(tp, TRAJ_HEAD, t);
        if (rc) break;
      }
    }
    progress(c, p, (size_t)dg.step, c->steps, dg.energy, t0, step0, &last);
  }
  if (!st && !rc && c->ckpt_every) st = specot_flow_checkpoint_write(ctx, f, ck);
  res->wall = now() - t0;
  if (st) rc = cli_report(CMD, ctx, st);
  if (!rc) {
    specot_flow_counters cnt;
    specot_flow_counters_get(f, &cnt);
    res->final_energy = dg.energy;
    res->rises = cnt.rises;
    res->violations = cnt.inequality_violations;
    res->steps = dg.step;
    *nfinal = m.n;
    *dfinal = m.d;
    *xfinal = alloc_doubles(m.n, m.d);
    if (!*xfinal)
      rc = out_of_memory(m.n);
    else
      memcpy(*xfinal, specot_flow_particles(f), m.n * m.d * sizeof **xfinal);
  }
  specot_flow_free(f);
  model_free(&m);
  specot_ctx_free(ctx);
  return rc;
}

/* Euler on the reduced (mass, direction) system; particles written as (m, omega). */
static int run_sphere(const flow_cfg *c, double p, traj *t, run_result *res, double **xfinal,
                      size_t *nfinal, size_t *dfinal) {
  specot_ctx *ctx = specot_ctx_alloc();
  model md;
  int rc = build_model(c, p, &md, ctx);
  if (rc) {
    specot_ctx_free(ctx);
    return rc;
  }
  const size_t n = md.n, d = md.d;
  double *mass = malloc(n * sizeof *mass), *om = malloc(n * d * sizeof *om),
         *dm = malloc(n * sizeof *dm);
  double *dom = malloc(n * d * sizeof *dom), *g = malloc(n * d * sizeof *g),
         *gw = malloc(n * d * sizeof *gw);
  if (!mass || !om || !dm || !dom || !g || !gw) rc = out_of_memory(n);
  for (size_t i = 0; !rc && i < n; ++i) {
    double r2 = 0.0;
    for (size_t k = 0; k < d; ++k) r2 += md.x0[i * d + k] * md.x0[i * d + k];
    mass[i] = r2 / (double)n;
    for (size_t k = 0; k < d; ++k) om[i * d + k] = md.x0[i * d + k] / sqrt(r2);
  }
  const double t0 = now();
  double last = 0.0, dist = 0.0;
  for (size_t step = 0; !rc && step <= c->steps; ++step) {
    double e, ratio, msum = 0.0;
    specot_status st = md.obj.eval(md.obj.model, ctx, om, mass, n, d, &e, g);
    if (!st) st = specot_flow_sphere_rhs(ctx, &md.obj, p, mass, om, n, d, dm, dom);
    for (size_t i = 0; !st && i < n; ++i) msum += mass[i];
    for (size_t i = 0; !st && i < n; ++i)
      for (size_t k = 0; k < d; ++k) gw[i * d + k] = sqrt(mass[i] / msum) * g[i * d + k];
    if (!st) st = specot_flow_dissipation_ratio(ctx, gw, n, d, &ratio);
    if (st) {
      rc = cli_report(CMD, ctx, st);
      break;
    }
    /* rate sum_i m_i g_i . v_i with v_i = domega_i + b_i omega_i, b_i = dm_i / (2 m_i) */
    double rate = 0.0;
    for (size_t i = 0; i < n; ++i) {
      const double b = dm[i] / (2.0 * mass[i]);
      for (size_t k = 0; k < d; ++k)
        rate += mass[i] * g[i * d + k] * (dom[i * d + k] + b * om[i * d + k]);
    }
    if (step == 0) {
      res->initial_energy = e;
      res->initial_ratio = ratio;
    }
    res->final_energy = e;
    specot_flow_diag dg = {
        step, (double)step * pick(c->dt, md.opts.dt), e, rate, ratio, 0.0, e, dist, 0.0};
    if ((step % c->log_every == 0 || step == c->steps) && traj_push(t, p, &dg))
      rc = out_of_memory(n);
    if (step == c->steps) break;
    const double h = md.opts.dt;
    double sw = 0.0;
    for (size_t i = 0; i < n; ++i) {
      mass[i] *= exp(h * dm[i] / mass[i]); /* keeps masses positive; first order in h */
      double r2 = 0.0;
      for (size_t k = 0; k < d; ++k) {
        om[i * d + k] += h * dom[i * d + k];
        r2 += om[i * d + k] * om[i * d + k];
      }
      for (size_t k = 0; k < d; ++k) om[i * d + k] /= sqrt(r2);
      double v2 = 0.0;
      for (size_t k = 0; k < d; ++k) v2 += dom[i * d + k] * dom[i * d + k];
      sw += mass[i] * h * h * v2;
    }
    dist += sqrt(sw);
    progress(c, p, step + 1, c->steps, e, t0, 0, &last);
  }
  res->wall = now() - t0;
  res->steps = c->steps;
  if (!rc) {
    *nfinal = n;
    *dfinal = d + 1;
    *xfinal = alloc_doubles(n, d + 1);
    if (!*xfinal) rc = out_of_memory(n);
    for (size_t i = 0; !rc && i < n; ++i) {
      (*xfinal)[i * (d + 1)] = mass[i];
      memcpy(*xfinal + i * (d + 1) + 1, om + i * d, d * sizeof *om);
    }
  }
  free(mass);
  free(om);
  free(dm);
  free(dom);
  free(g);
  free(gw);
  model_free(&md);
  specot_ctx_free(ctx);
  return rc;
}

static int plot_energy(const char *dir, const traj *t, const flow_cfg *c) {
  cli_series s[2 * MAX_P];
  char labels[2 * MAX_P][48];
  double *buf = malloc(3 * (t->len + 1) * sizeof *buf);
  if (!buf) return CLI_EXIT_NUMERICAL;
  double *xs = buf, *es = buf + t->len, *ds = buf + 2 * t->len;
  int ns = 0;
  size_t start = 0;
  for (int k = 0; k < c->np; ++k) {
    size_t len = 0;
    while (start + len < t->len && t->rows[(start + len) * NCOL] == c->ps[k]) {
      const double *r = t->rows + (start + len) * NCOL;
      xs[start + len] = r[2];
      es[start + len] = r[3];
      ds[start + len] = fabs(r[4]);
      ++len;
    }
    char pb[16];
    fmt_p(c->ps[k], pb, sizeof pb);
    snprintf(labels[ns], sizeof labels[ns], "energy p=%s", pb);
    s[ns] = (cli_series){xs + start, es + start, len, labels[ns]};
    ++ns;
    snprintf(labels[ns], sizeof labels[ns], "|dE/dt| p=%s", pb);
    s[ns] = (cli_series){xs + start, ds + start, len, labels[ns]};
    ++ns;
    start += len;
  }
  char path[4096], title[128];
  snprintf(path, sizeof path, "%s/energy.png", dir);
  snprintf(title, sizeof title, "%s flow (%s)", c->model, c->method);
  const int rc = cli_plot_lines(path, title, "time t", "energy, |dE/dt|", s, ns, 1);
  free(buf);
  return rc;
}

/* -p P[,P...]: up to MAX_P exponents, each in [1, inf]. */
static int parse_ps(int argc, char **argv, int *i, flow_cfg *c) {
  const char *v;
  int rc = cli_opt_str(CMD, argc, argv, i, &v);
  if (rc) return rc;
  c->np = cli_parse_double_list(v, c->ps, MAX_P);
  if (c->np < 1)
    return cli_usage_error(CMD, "bad value '%s' for -p (comma list of up to %d numbers)", v, MAX_P);
  for (int k = 0; k < c->np; ++k) {
    if (!(c->ps[k] >= 1.0)) return cli_usage_error(CMD, "p = %g must be in [1, inf]", c->ps[k]);
    for (int l = 0; l < k; ++l) /* runs are told apart by p in the log and the plot */
      if (c->ps[l] == c->ps[k]) return cli_usage_error(CMD, "p = %g is given twice in -p", c->ps[k]);
  }
  return CLI_EXIT_OK;
}

/* Returns 0, a usage exit code, or -1 after printing the help. */
static int parse_args(int argc, char **argv, flow_cfg *c) {
  /* dt, eps and tau divide or scale the dynamics: 0 is meaningless there */
  static const char POS[] = "a finite number > 0", NONNEG[] = "a finite number >= 0";
  int rc = CLI_EXIT_OK, npos = 0;
  for (int i = 1; i < argc && !rc; ++i) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      usage(stdout);
      return -1;
    } else if (strcmp(a, "--json") == 0) {
      c->json = 1;
    } else if (strcmp(a, "--quiet") == 0) {
      c->quiet = 1;
    } else if (strcmp(a, "--model") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &c->model);
    } else if (strcmp(a, "--method") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &c->method);
    } else if (strcmp(a, "-p") == 0 || strcmp(a, "--p") == 0) {
      rc = parse_ps(argc, argv, &i, c);
    } else if (strcmp(a, "--out") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &c->out);
    } else if (strcmp(a, "--resume") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &c->resume);
    } else if (strcmp(a, "--steps") == 0) {
      rc = cli_opt_size(CMD, argc, argv, &i, &c->steps, 0, SIZE_MAX, NULL);
    } else if (strcmp(a, "--particles") == 0) {
      rc = cli_opt_size(CMD, argc, argv, &i, &c->n, 0, SIZE_MAX, NULL);
      if (!rc && c->n == 0) rc = cli_usage_error(CMD, "--particles must be positive");
    } else if (strcmp(a, "--seed") == 0) {
      size_t seed;
      rc = cli_opt_size(CMD, argc, argv, &i, &seed, 0, SIZE_MAX, NULL);
      c->seed = seed;
    } else if (strcmp(a, "--checkpoint-every") == 0) {
      rc = cli_opt_size(CMD, argc, argv, &i, &c->ckpt_every, 0, SIZE_MAX, NULL);
    } else if (strcmp(a, "--log-every") == 0) {
      rc = cli_opt_size(CMD, argc, argv, &i, &c->log_every, 0, SIZE_MAX, NULL);
      if (!rc && c->log_every == 0) rc = cli_usage_error(CMD, "--log-every must be positive");
    } else if (strcmp(a, "--dt") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &c->dt, DBL_TRUE_MIN, DBL_MAX, POS);
    } else if (strcmp(a, "--eps") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &c->eps, DBL_TRUE_MIN, DBL_MAX, POS);
    } else if (strcmp(a, "--tau") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &c->tau, DBL_TRUE_MIN, DBL_MAX, POS);
    } else if (strcmp(a, "--gamma") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &c->gamma, 0.0, DBL_MAX, NONNEG);
    } else if (strcmp(a, "--max-step") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &c->max_step, 0.0, DBL_MAX, NONNEG);
    } else if (strcmp(a, "--clamp") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &c->clamp, 0.0, DBL_MAX, NONNEG);
    } else {
      rc = cli_positional(CMD, a, NULL, 0, &npos);
    }
  }
  return rc;
}

int cmd_flow(int argc, char **argv) {
  flow_cfg c = {NULL, {0}, 0,   "euler", 2000, 0,    0,    1, 7, NAN,
                NAN,  NAN, NAN, NAN,     NAN,  NULL, NULL, 0, 0};
  int rc = parse_args(argc, argv, &c);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  const size_t steps_arg = c.steps;
  if (c.resume) {
    if (c.model || c.np)
      return cli_usage_error(CMD, "--resume takes the model and p from DIR/run.cfg");
    if ((rc = load_cfg(&c, c.resume))) return rc;
    c.steps = steps_arg;
    if (!c.out) c.out = c.resume;
  }
  if (!c.model)
    return cli_usage_error(CMD, "needs --model (mlp-relu, mmd, quadratic, gaussian-kl, sphere)");
  const char *models[] = {"mlp-relu", "mmd", "quadratic", "gaussian-kl", "sphere"};
  int known = 0;
  for (size_t k = 0; k < 5; ++k) known |= strcmp(c.model, models[k]) == 0;
  if (!known) return cli_usage_error(CMD, "unknown model '%s'", c.model);
  if (strcmp(c.method, "euler") && strcmp(c.method, "momentum") && strcmp(c.method, "hamiltonian"))
    return cli_usage_error(CMD, "unknown method '%s' (euler, momentum, hamiltonian)", c.method);
  if (c.np == 0) return cli_usage_error(CMD, "needs -p (e.g. -p inf or -p 1,inf)");
  const int sphere = strcmp(c.model, "sphere") == 0;
  if (sphere && strcmp(c.method, "euler"))
    return cli_usage_error(CMD, "the sphere model supports --method euler only");
  if ((c.ckpt_every || c.resume) && (c.np > 1 || sphere))
    return cli_usage_error(CMD, "checkpoints need a single p and a particle model (not sphere)");
  if (!c.out) c.out = "out/flow";
  if (!c.resume) {
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", c.out);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
      *slash = '\0';
      (void)mkdir(parent, 0777);
    }
    if (mkdir(c.out, 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "specot flow: error: cannot create folder '%s': %s\n", c.out,
              strerror(errno));
      return CLI_EXIT_INPUT;
    }
    if (c.ckpt_every && (rc = save_cfg(&c, c.out))) return rc;
  }
  traj t = {0};
  run_result res[MAX_P];
  memset(res, 0, sizeof res);
  if (c.resume) {
    char ck[4096];
    snprintf(ck, sizeof ck, "%s/checkpoint.bin", c.resume);
    uint64_t last = 0;
    specot_ctx *cctx = specot_ctx_alloc();
    if (!cctx) return cli_out_of_memory(CMD);
    const specot_status cst = specot_flow_checkpoint_info(cctx, ck, &last, NULL, NULL);
    if (cst < 0) rc = cli_report(CMD, cctx, cst);
    specot_ctx_free(cctx);
    if (rc) return rc;
    if (last >= c.steps && !c.quiet)
      fprintf(stderr,
              "specot flow: warning: the checkpoint in '%s' is at step %llu; --steps %zu asks for "
              "no further step\n",
              c.resume, (unsigned long long)last, c.steps);
    if ((rc = load_traj(c.resume, last, &t))) return rc;
  }
  double *x = NULL;
  size_t n = 0, d = 0;
  for (int k = 0; k < c.np && !rc; ++k) {
    free(x);
    x = NULL;
    rc = sphere ? run_sphere(&c, c.ps[k], &t, &res[k], &x, &n, &d)
                : run_engine(&c, c.ps[k], c.out, &t, &res[k], &x, &n, &d);
    if (!rc && c.np > 1) {
      char path[4096], pb[16];
      fmt_p(c.ps[k], pb, sizeof pb);
      snprintf(path, sizeof path, "%s/particles_p%s.npy", c.out, pb);
      rc = cli_write_array(CMD, path, x, n, d, 2);
    }
  }
  if (!rc) {
    char path[4096];
    snprintf(path, sizeof path, "%s/particles.npy", c.out);
    rc = cli_write_array(CMD, path, x, n, d, 2);
  }
  if (!rc) {
    char path[4096];
    snprintf(path, sizeof path, "%s/trajectory.csv", c.out);
    rc = write_text_atomic(path, TRAJ_HEAD, &t);
  }
  if (!rc) rc = plot_energy(c.out, &t, &c);
  if (!rc && c.json) {
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_str(&j, "model", c.model);
    if (c.np == 1)
      cli_json_num(&j, "p", c.ps[0]);
    else
      cli_json_array(&j, "p", c.ps, (size_t)c.np);
    cli_json_str(&j, "method", c.method);
    cli_json_int(&j, "steps", (long long)c.steps);
    model m;
    specot_ctx *ctx = specot_ctx_alloc();
    double dts[MAX_P];
    for (int k = 0; k < c.np; ++k) {
      dts[k] = NAN;
      if (build_model(&c, c.ps[k], &m, ctx) == 0) dts[k] = m.opts.dt;
      model_free(&m);
    }
    specot_ctx_free(ctx);
    if (c.np == 1)
      cli_json_num(&j, "dt", dts[0]);
    else
      cli_json_array(&j, "dt", dts, (size_t)c.np);
    cli_json_int(&j, "particles", (long long)n);
    double v[6][MAX_P];
    for (int k = 0; k < c.np; ++k) {
      v[0][k] = res[k].initial_energy;
      v[1][k] = res[k].final_energy;
      v[2][k] = res[k].initial_ratio;
      v[3][k] = (double)res[k].rises;
      v[4][k] = (double)res[k].violations;
      v[5][k] = res[k].wall;
    }
    const char *keys[6] = {
        "initial_energy",        "final_energy",          "initial_dissipation_ratio",
        "hamiltonian_increases", "inequality_violations", "wall_seconds"};
    for (int q = 0; q < 6; ++q) {
      if (c.np == 1) {
        if (q == 3 || q == 4)
          cli_json_int(&j, keys[q], (long long)v[q][0]);
        else
          cli_json_num(&j, keys[q], v[q][0]);
      } else {
        cli_json_array(&j, keys[q], v[q], (size_t)c.np);
      }
    }
    cli_json_str(&j, "out", c.out);
    cli_json_end(&j);
  }
  free(x);
  free(t.rows);
  return rc;
}
