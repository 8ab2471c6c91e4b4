/* `specot flow`: the objective, initial particles and flow options of each model, from
 * built-in data (specot or torch draws) or from the user's arrays. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flow_cli.h"

#define CMD FLOW_CMD

double *flow_alloc_doubles(size_t a, size_t b) {
  if (b != 0 && a > SIZE_MAX / sizeof(double) / b) return NULL;
  return malloc(a * b * sizeof(double) + 1);
}

int flow_out_of_memory(size_t n) {
  if (n)
    fprintf(stderr, "specot flow: error: out of memory (%zu particles)\n", n);
  else
    fprintf(stderr, "specot flow: error: out of memory\n");
  return CLI_EXIT_NUMERICAL;
}

void flow_model_free(flow_model *m) {
  specot_flow_objective_free(&m->obj);
  free(m->x0);
  free(m->w);
  memset(m, 0, sizeof *m);
}

static double pick(double v, double def) {
  return isnan(v) ? def : v;
}

/* ------------------------------------------------------------- draws */

/* The built-in data's random source: specot's generator, or torch's (--rng torch:
 * each array is one torch.randn / torch.rand call after torch.manual_seed(seed)). */
typedef struct draws {
  int torch;
  specot_rng r;
  specot_torch_rng t;
} draws;

static void draws_init(draws *g, const flow_cfg *c) {
  g->torch = strcmp(c->rng, "torch") == 0;
  specot_rng_seed(&g->r, c->seed);
  specot_torch_rng_seed(&g->t, c->seed);
}

static void draw_normal(draws *g, double *out, size_t len, double sd) {
  if (!g->torch) {
    specot_rng_fill_normal(&g->r, out, len, 0.0, sd);
    return;
  }
  specot_torch_rng_randn(&g->t, out, len);
  for (size_t i = 0; i < len; ++i) out[i] *= sd;
}

/* ------------------------------------------------------------- user arrays */

/* --x0 (n x d; d == 0: any) and --weights into m; the built-in start is then ignored. */
static int read_x0(const flow_cfg *c, size_t d, flow_model *m) {
  specot_array a;
  int rc = cli_read_array(CMD, c->x0, &a);
  if (rc) {
    specot_array_free(&a);
    return rc;
  }
  if (d && a.cols != d) {
    fprintf(stderr,
            "specot flow: error: dimension mismatch: --x0 '%s' is %zu x %zu, the %s model "
            "needs %zu columns\n",
            c->x0, a.rows, a.cols, c->model, d);
    specot_array_free(&a);
    return CLI_EXIT_INPUT;
  }
  free(m->x0);
  m->x0 = flow_alloc_doubles(a.rows, a.cols);
  if (!m->x0) {
    specot_array_free(&a);
    return flow_out_of_memory(a.rows);
  }
  memcpy(m->x0, a.data, a.rows * a.cols * sizeof *a.data);
  m->n = a.rows;
  m->d = a.cols;
  specot_array_free(&a);
  if (!c->weights) return CLI_EXIT_OK;
  specot_array w;
  if ((rc = cli_read_weights(CMD, c->weights, m->n, "--weights", &w))) {
    specot_array_free(&w);
    return rc;
  }
  free(m->w);
  m->w = flow_alloc_doubles(m->n, 1);
  if (!m->w)
    rc = flow_out_of_memory(m->n);
  else
    memcpy(m->w, w.data, m->n * sizeof *w.data);
  specot_array_free(&w);
  return rc;
}

/* Number of particles: rows of --x0, else --particles, else the model's default. */
static size_t count_particles(const flow_cfg *c, size_t def) {
  if (c->x0) {
    specot_array a;
    specot_ctx *ctx = specot_ctx_alloc();
    size_t n = 0;
    if (ctx && specot_io_read(ctx, c->x0, NULL, &a) == SPECOT_OK) n = a.rows;
    if (n) specot_array_free(&a);
    specot_ctx_free(ctx);
    if (n) return n;
  }
  return c->n ? c->n : def;
}

/* ------------------------------------------------------------- models */

static int build_relu(const flow_cfg *c, flow_model *m, specot_ctx *ctx, specot_status *st) {
  size_t dz = 2;
  specot_array z = {0}, y = {0};
  int rc = CLI_EXIT_OK;
  if (c->data) {
    if ((rc = cli_read_array(CMD, c->data, &z))) {
      specot_array_free(&z);
      return rc;
    }
    dz = z.cols;
    if ((rc = cli_read_vector(CMD, c->labels, z.rows, "--labels", &y))) {
      specot_array_free(&z);
      specot_array_free(&y);
      return rc;
    }
  }
  m->n = count_particles(c, 1920);
  m->d = 1 + dz;
  if (!c->x0 && dz != 2) {
    specot_array_free(&z);
    specot_array_free(&y);
    fprintf(stderr,
            "specot flow: error: --data '%s' has %zu features: the protocol's start needs "
            "2, give --x0 (n x %zu)\n",
            c->data, dz, 1 + dz);
    return CLI_EXIT_INPUT;
  }
  if (!c->x0 || !c->data) { /* the protocol: its data, and its start unless --x0 */
    m->x0 = flow_alloc_doubles(m->n, 3);
    if (!m->x0) rc = flow_out_of_memory(m->n);
    specot_flow_relu_protocol_opts po;
    specot_flow_relu_protocol_opts_init(&po);
    po.seed = c->seed;
    po.torch_rng = strcmp(c->rng, "torch") == 0;
    if (!rc) *st = specot_flow_relu_protocol(ctx, &po, m->n, &m->obj, m->x0, NULL, NULL);
  }
  if (!rc && !*st && c->data) {
    specot_flow_objective_free(&m->obj);
    *st = specot_flow_relu_alloc(ctx, z.data, y.data, z.rows, dz, &m->obj);
  }
  specot_array_free(&z);
  specot_array_free(&y);
  if (!rc && !*st && c->x0) rc = read_x0(c, 1 + dz, m);
  return rc;
}

static int build_mmd(const flow_cfg *c, flow_model *m, specot_ctx *ctx, specot_status *st) {
  draws g;
  draws_init(&g, c);
  specot_array tg = {0}, tb = {0};
  int rc = CLI_EXIT_OK;
  if (c->target) {
    if ((rc = cli_read_array(CMD, c->target, &tg))) {
      specot_array_free(&tg);
      return rc;
    }
    if (c->target_weights &&
        (rc = cli_read_weights(CMD, c->target_weights, tg.rows, "--target-weights", &tb))) {
      specot_array_free(&tg);
      specot_array_free(&tb);
      return rc;
    }
  }
  m->n = count_particles(c, 200);
  m->d = c->target ? tg.cols : 2;
  const size_t mt = m->n, d = m->d;
  double *y = c->target ? NULL : flow_alloc_doubles(mt, 2);
  m->x0 = flow_alloc_doubles(m->n, d);
  if ((!c->target && !y) || !m->x0) rc = flow_out_of_memory(m->n);
  if (!rc) { /* a blob at -1.5 e_1 (drawn first, also under --x0: same ring) */
    draw_normal(&g, m->x0, m->n * d, 0.3);
    for (size_t i = 0; i < m->n; ++i) m->x0[d * i] -= 1.5;
  }
  if (!rc && !c->target && !g.torch) {
    for (size_t j = 0; j < mt; ++j) {
      const double a = 6.283185307179586 * specot_rng_uniform(&g.r),
                   r = 1.0 + 0.05 * specot_rng_normal(&g.r);
      y[2 * j] = r * cos(a);
      y[2 * j + 1] = r * sin(a);
    }
  } else if (!rc && !c->target) { /* torch: angles = rand(m), radii = 1 + 0.05 randn(m) */
    for (size_t j = 0; j < mt; ++j) y[2 * j] = 6.283185307179586 * specot_torch_rng_uniform(&g.t);
    double *rad = flow_alloc_doubles(mt, 1);
    if (!rad) rc = flow_out_of_memory(mt);
    if (!rc) draw_normal(&g, rad, mt, 0.05);
    for (size_t j = 0; !rc && j < mt; ++j) {
      const double a = y[2 * j], r = 1.0 + rad[j];
      y[2 * j] = r * cos(a);
      y[2 * j + 1] = r * sin(a);
    }
    free(rad);
  }
  if (!rc)
    *st = c->target ? specot_flow_mmd_alloc(ctx, tg.data, tb.data, tg.rows, tg.cols, 0.01, &m->obj)
                    : specot_flow_mmd_alloc(ctx, y, NULL, mt, 2, 0.01, &m->obj);
  free(y);
  specot_array_free(&tg);
  specot_array_free(&tb);
  if (!rc && !*st && c->x0) rc = read_x0(c, d, m);
  m->opts.dt = 0.02;
  return rc;
}

static int build_quadratic(const flow_cfg *c, flow_model *m, specot_ctx *ctx, specot_status *st) {
  draws g;
  draws_init(&g, c);
  m->n = count_particles(c, 32);
  m->d = 4;
  const size_t r = m->n + 4;
  double *A = r > m->n ? flow_alloc_doubles(r, m->n) : NULL, *B = flow_alloc_doubles(r, m->d);
  m->x0 = flow_alloc_doubles(m->n, m->d);
  m->w = flow_alloc_doubles(m->n, 1);
  int rc = CLI_EXIT_OK;
  if (!A || !B || !m->x0 || !m->w) rc = flow_out_of_memory(m->n);
  if (!rc) {
    draw_normal(&g, A, r * m->n, 1.0 / sqrt((double)r));
    draw_normal(&g, B, r * m->d, 1.0);
    draw_normal(&g, m->x0, m->n * m->d, 1.0);
    for (size_t i = 0; i < m->n; ++i) m->w[i] = 1.0;
    *st = specot_flow_quadratic_alloc(ctx, A, B, r, m->n, m->d, &m->obj);
  }
  free(A);
  free(B);
  if (!rc && !*st && c->x0) rc = read_x0(c, 4, m);
  if (!rc && !*st) {
    const double L = m->obj.lipschitz > 0 ? m->obj.lipschitz : 1.0;
    /* Hamiltonian: half the monotonicity threshold 2 gamma sqrt(eps) / L
     * (gamma = 0, the undamped system, has no threshold: gamma = 1's step). */
    const double gam = pick(c->gamma, 1.0) > 0 ? pick(c->gamma, 1.0) : 1.0;
    const int ham = m->opts.method == SPECOT_FLOW_HAMILTONIAN;
    m->opts.dt = ham ? gam * sqrt(pick(c->eps, 0.01)) / L : 0.5 / L;
    if (ham) m->opts.kinetic = SPECOT_FLOW_KINETIC_MATRIX;
  }
  return rc;
}

static int build_gaussian_kl(const flow_cfg *c, flow_model *m, specot_ctx *ctx, specot_status *st) {
  draws g;
  draws_init(&g, c);
  m->n = count_particles(c, 400);
  m->d = 3;
  const double T[9] = {2, 0, 0, 0, 1, 0, 0, 0, 0.5};
  m->x0 = flow_alloc_doubles(m->n, 3);
  if (!m->x0) return flow_out_of_memory(m->n);
  draw_normal(&g, m->x0, m->n * 3, 1.0);
  *st = specot_flow_gaussian_kl_alloc(ctx, T, 3, &m->obj);
  m->opts.dt = 0.01;
  return !*st && c->x0 ? read_x0(c, 3, m) : CLI_EXIT_OK;
}

static int build_attention(const flow_cfg *c, flow_model *m, specot_ctx *ctx, specot_status *st) {
  specot_flow_attention_protocol_opts po;
  specot_flow_attention_protocol_opts_init(&po, strcmp(c->regime, "sparse") == 0);
  po.run = (unsigned)c->run;
  po.n_test = 0;
  m->n = count_particles(c, 200);
  m->d = 4 * po.head_dim * po.token_dim;
  m->x0 = flow_alloc_doubles(m->n, m->d);
  if (!m->x0) return flow_out_of_memory(m->n);
  *st = specot_flow_attention_protocol(ctx, &po, m->n, &m->obj, m->x0, NULL, NULL, NULL,
                                       &m->effective_tokens);
  return !*st && c->x0 ? read_x0(c, m->d, m) : CLI_EXIT_OK;
}

/* Method, per-model defaults (step, cap, clamp, blocks) and the user's overrides. */
int flow_model_build(const flow_cfg *c, int k, flow_model *m, specot_ctx *ctx) {
  memset(m, 0, sizeof *m);
  m->effective_tokens = NAN;
  specot_flow_opts_init(&m->opts);
  specot_flow_opts *o = &m->opts;
  const double p = c->ps[k];
  o->p = p;
  if (strcmp(c->method, "euler") == 0)
    o->method = SPECOT_FLOW_EULER;
  else if (strcmp(c->method, "momentum") == 0)
    o->method = SPECOT_FLOW_MOMENTUM;
  else
    o->method = SPECOT_FLOW_HAMILTONIAN;
  const int ham = o->method == SPECOT_FLOW_HAMILTONIAN;
  specot_status st = SPECOT_OK;
  double cap = 0.0, clamp = 0.0;
  int rc;
  const int relu = strcmp(c->model, "mlp-relu") == 0, sphere = strcmp(c->model, "sphere") == 0;
  if (relu || sphere) {
    rc = build_relu(c, m, ctx, &st);
    if (ham) {
      o->dt = 0.05;
      o->nblocks = 2;
      o->blocks[0] = 1;
      o->blocks[1] = m->d - 1;
    } else if (sphere) {
      o->dt = 0.01;
    } else {
      o->dt = (p == 1.0 ? 75.0 : 50.0) / (double)m->n;
      cap = 0.2;
      clamp = 30.0;
    }
  } else if (strcmp(c->model, "mmd") == 0) {
    rc = build_mmd(c, m, ctx, &st);
  } else if (strcmp(c->model, "quadratic") == 0) {
    rc = build_quadratic(c, m, ctx, &st);
  } else if (strcmp(c->model, "attention") == 0) {
    rc = build_attention(c, m, ctx, &st);
    if (ham) { /* per head, the four dh x dt matrices Q, K, V, O */
      o->dt = 0.05;
      o->nblocks = 4;
      for (size_t b = 0; b < 4; ++b) {
        o->blocks[b] = m->d / 4;
        o->block_rows[b] = 3;
      }
    } else {
      o->dt = (p == 1.0 ? 100.0 : 180.0) / (double)m->n;
      cap = 0.45;
      clamp = 10.0;
    }
  } else {
    rc = build_gaussian_kl(c, m, ctx, &st);
  }
  if (!rc && st) rc = cli_report(CMD, ctx, st);
  if (rc) {
    flow_model_free(m);
    return rc;
  }
  if (c->ndt == 1)
    o->dt = c->dts[0];
  else if (c->ndt > k)
    o->dt = c->dts[k];
  o->max_step = pick(c->max_step, cap);
  o->clamp = pick(c->clamp, clamp);
  o->tau = pick(c->tau, 1.0);
  o->gamma = pick(c->gamma, 1.0);
  o->eps = pick(c->eps, 0.01);
  return CLI_EXIT_OK;
}
