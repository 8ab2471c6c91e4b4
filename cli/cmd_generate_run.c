/* `specot generate`, the pipeline: data, autoencoder, OT in the latent cube,
 * generation with a hard / soft / masked / AE-OT map, decoding. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "generate.h"

void gen_config_init(gen_config *c) {
  memset(c, 0, sizeof *c);
  c->latent = GEN_LATENT_AUTO, c->latent_dim = 8, c->train_count = 256, c->steps = 1500;
  c->samples = 20000, c->lr = 2e-3, c->seed = 1, c->eval_samples = 200000, c->ae_epochs = 100;
}

void gen_model_free(gen_model *m) {
  free(m->x), free(m->labels), free(m->y), free(m->mid), free(m->h);
  specot_aeot_pca_free(&m->pca);
  specot_aeot_mlp_free(&m->mlp);
  memset(m, 0, sizeof *m);
}

static int ends_with(const char *s, const char *suffix) {
  const size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int load_digits(const char *cmd, const char *path, gen_model *m) {
  char found[4096];
  if (!path) {
    if (!specot_aeot_digits_find(found, sizeof found)) {
      fprintf(stderr,
              "specot %s: error: the digits data set was not found (looked in $SPECOT_DIGITS and "
              "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz); install "
              "python3-sklearn or pass --data PATH/digits.csv.gz\n",
              cmd);
      return CLI_EXIT_INPUT;
    }
    path = found;
  }
  specot_ctx *ctx = specot_ctx_alloc();
  specot_array X, L;
  const specot_status st = specot_aeot_digits_load(ctx, path, &X, &L);
  if (st) {
    const int rc = cli_report(cmd, ctx, st);
    specot_ctx_free(ctx);
    return rc;
  }
  specot_ctx_free(ctx);
  m->n = X.rows, m->dim = 64, m->x = X.data, m->digits = 1, m->nclasses = 10, m->toy = -1;
  m->labels = malloc(m->n * sizeof *m->labels);
  if (!m->labels) return specot_array_free(&L), cli_out_of_memory(cmd);
  for (size_t i = 0; i < m->n; ++i) m->labels[i] = (int)L.data[i];
  specot_array_free(&L);
  return CLI_EXIT_OK;
}

int gen_load(const char *cmd, const gen_config *c, gen_model *m) {
  memset(m, 0, sizeof *m);
  m->name = c->data, m->toy = -1;
  static const char *const toys[3] = {"8gaussians", "25gaussians", "swissroll"};
  for (int t = 0; t < 3; ++t)
    if (!strcmp(c->data, toys[t])) m->toy = t;
  if (m->toy >= 0) {
    m->n = c->train_count, m->dim = 2;
    m->x = malloc(2 * m->n * sizeof *m->x);
    m->labels = malloc(m->n * sizeof *m->labels);
    if (!m->x || !m->labels) return cli_out_of_memory(cmd);
    specot_rng rng;
    specot_rng_seed(&rng, c->seed);
    specot_aeot_toy_sample((specot_aeot_toy)m->toy, &rng, m->n, m->x, m->labels);
    m->nmodes = specot_aeot_toy_modes((specot_aeot_toy)m->toy, m->centres, &m->sigma);
    m->nclasses = m->nmodes;
    if (!m->nmodes) free(m->labels), m->labels = NULL;
    return CLI_EXIT_OK;
  }
  if (!strcmp(c->data, "digits")) return load_digits(cmd, NULL, m);
  if (ends_with(c->data, ".csv.gz") || ends_with(c->data, ".gz"))
    return load_digits(cmd, c->data, m);
  specot_array X;
  const int rc = cli_read_array(cmd, c->data, &X);
  if (rc) return rc;
  if (X.ndim == 1) X.cols = 1;
  if (X.rows < 2) {
    specot_array_free(&X);
    fprintf(stderr, "specot %s: error: data '%s' has %s (need at least 2 samples)\n", cmd, c->data,
            "fewer than 2 rows");
    return CLI_EXIT_INPUT;
  }
  m->n = X.rows, m->dim = X.cols, m->x = X.data;
  return CLI_EXIT_OK;
}

/* Latent codes: identity, PCA or MLP; autoencoder codes are scaled into the cube. */
static int encode_all(const char *cmd, const gen_config *c, gen_model *m) {
  gen_latent lat = c->latent;
  if (lat == GEN_LATENT_AUTO) lat = m->dim <= 2 ? GEN_LATENT_NONE : GEN_LATENT_PCA;
  m->latent = lat;
  m->d = lat == GEN_LATENT_NONE ? m->dim : c->latent_dim;
  if (lat != GEN_LATENT_NONE && m->d > m->dim) {
    fprintf(stderr, "specot %s: error: --latent dimension %zu exceeds the data dimension %zu\n",
            cmd, m->d, m->dim);
    return CLI_EXIT_USAGE;
  }
  const double unit = m->digits ? 16.0 : 1.0;
  double *xs = malloc(m->n * m->dim * sizeof *xs);
  m->y = malloc(m->n * m->d * sizeof *m->y), m->mid = calloc(m->d, sizeof *m->mid);
  if (!xs || !m->y || !m->mid) return free(xs), cli_out_of_memory(cmd);
  for (size_t i = 0; i < m->n * m->dim; ++i) xs[i] = m->x[i] / unit;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_status st = SPECOT_OK;
  m->span = 1.0;
  if (lat == GEN_LATENT_NONE) {
    memcpy(m->y, xs, m->n * m->d * sizeof *m->y);
  } else if (lat == GEN_LATENT_PCA) {
    st = specot_aeot_pca_fit(ctx, m->n, m->dim, xs, m->d, &m->pca);
    if (!st) specot_aeot_pca_encode(&m->pca, m->n, xs, m->y);
  } else {
    specot_aeot_mlp_opts o;
    specot_aeot_mlp_opts_init(&o);
    o.seed = c->seed, o.epochs = c->ae_epochs;
    st = specot_aeot_mlp_fit(ctx, m->n, m->dim, xs, m->d, &o, &m->mlp);
    if (!st) st = specot_aeot_mlp_encode(ctx, &m->mlp, m->n, xs, m->y);
  }
  if (!st && lat != GEN_LATENT_NONE) { /* y = (z - mid) / span in [-1/2, 1/2]^d */
    double span = 0.0;
    for (size_t c2 = 0; c2 < m->d; ++c2) {
      double lo = INFINITY, hi = -INFINITY;
      for (size_t i = 0; i < m->n; ++i)
        lo = fmin(lo, m->y[i * m->d + c2]), hi = fmax(hi, m->y[i * m->d + c2]);
      m->mid[c2] = 0.5 * (lo + hi), span = fmax(span, hi - lo);
    }
    m->span = span > 0 ? span : 1.0;
    for (size_t i = 0; i < m->n; ++i)
      for (size_t c2 = 0; c2 < m->d; ++c2)
        m->y[i * m->d + c2] = (m->y[i * m->d + c2] - m->mid[c2]) / m->span;
  }
  free(xs);
  if (st) {
    const int rc = cli_report(cmd, ctx, st);
    specot_ctx_free(ctx);
    return rc;
  }
  specot_ctx_free(ctx);
  return CLI_EXIT_OK;
}

/* codes (count x d, cube scale) -> data space (count x dim). */
static int decode(const char *cmd, const gen_model *m, double *codes, size_t count, double *out) {
  for (size_t i = 0; i < count; ++i)
    for (size_t c = 0; c < m->d; ++c)
      codes[i * m->d + c] = codes[i * m->d + c] * m->span + m->mid[c];
  if (m->latent == GEN_LATENT_NONE) {
    memcpy(out, codes, count * m->d * sizeof *out);
  } else if (m->latent == GEN_LATENT_PCA) {
    specot_aeot_pca_decode(&m->pca, count, codes, out);
  } else if (specot_aeot_mlp_decode(NULL, &m->mlp, count, codes, out)) {
    return cli_out_of_memory(cmd);
  }
  if (m->digits)
    for (size_t i = 0; i < count * m->dim; ++i) out[i] = fmin(16.0, fmax(0.0, 16.0 * out[i]));
  return CLI_EXIT_OK;
}

int gen_fit(const char *cmd, const gen_config *c, gen_model *m) {
  int rc = encode_all(cmd, c, m);
  if (rc) return rc;
  /* autoencoder reconstruction error, in data units (/16 for digits) */
  double *codes = malloc(m->n * m->d * sizeof *codes), *rec = malloc(m->n * m->dim * sizeof *rec);
  m->h = calloc(m->n, sizeof *m->h);
  if (!codes || !rec || !m->h) return free(codes), free(rec), cli_out_of_memory(cmd);
  memcpy(codes, m->y, m->n * m->d * sizeof *codes);
  rc = decode(cmd, m, codes, m->n, rec);
  m->ae_mse = 0.0;
  const double unit = m->digits ? 16.0 : 1.0;
  for (size_t i = 0; i < m->n * m->dim; ++i)
    m->ae_mse += pow((rec[i] - m->x[i]) / unit, 2) / (double)(m->n * m->dim);
  free(codes), free(rec);
  if (rc) return rc;
  specot_sdot_problem p = {m->n, m->d, m->y, NULL, SPECOT_SDOT_CUBE};
  specot_ctx *ctx = specot_ctx_alloc();
  specot_status st;
  if (m->d <= 2) {
    m->solver = "newton";
    st = specot_sdot_solve_newton(ctx, &p, NULL, m->h, &m->ot);
  } else {
    m->solver = "adam";
    specot_sdot_ws *ws = specot_sdot_ws_alloc(ctx, m->n, m->d);
    specot_sdot_adam_opts o;
    specot_sdot_adam_opts_init(&o);
    o.lr = c->lr, o.lr_decay = 200, o.batch_size = c->samples, o.max_iter = c->steps;
    o.tol = 0.0, o.eval_every = c->steps, o.eval_samples = c->eval_samples, o.seed = c->seed;
    o.patience = 0;
    st = ws ? specot_sdot_solve_adam(ctx, ws, &p, &o, m->h, &m->ot) : specot_ctx_status(ctx);
    if (st == SPECOT_WARN_MAXITER) st = SPECOT_OK; /* a fixed step budget, as in the spec run */
    specot_sdot_ws_free(ws);
  }
  rc = st < 0 ? cli_report(cmd, ctx, st) : CLI_EXIT_OK;
  if (st > 0) cli_warn(cmd, ctx, st);
  specot_ctx_free(ctx);
  return rc;
}

/* AE-OT release settings: demo1 (2-D toys) and demo2 (high-d). */
static void aeot_settings(const gen_model *m, double theta, specot_sdot_aeot_opts *o) {
  specot_sdot_aeot_opts_init(o);
  static const double toy_theta[3] = {0.4, 0.2, 0.09};
  if (m->toy >= 0) {
    o->top_k = 2, o->lambda = -1.0, o->theta_max = toy_theta[m->toy];
  } else {
    o->top_k = 20, o->lambda = 0.75, o->theta_max = 0.7, o->one_per_first = 1;
  }
  if (!isnan(theta)) o->theta_max = theta;
}

int gen_sample(const char *cmd, const gen_model *m, gen_map map, double tau, double kappa,
               double theta, size_t count, uint64_t seed, double *out, gen_metrics *met) {
  const size_t nsrc = map == GEN_AEOT ? 20000 : count;
  double *X = malloc(nsrc * m->d * sizeof *X), *codes = malloc(count * m->d * sizeof *codes);
  double *neff = malloc(count * sizeof *neff);
  specot_ctx *ctx = specot_ctx_alloc();
  specot_sdot_problem p = {m->n, m->d, m->y, NULL, SPECOT_SDOT_CUBE};
  specot_sdot_ws *ws = ctx ? specot_sdot_ws_alloc(ctx, m->n, m->d) : NULL;
  int rc = CLI_EXIT_OK;
  if (!X || !codes || !neff || !ws) {
    rc = cli_out_of_memory(cmd);
    goto done;
  }
  specot_rng rng;
  specot_rng_seed(&rng, seed ^ 0x5eed5eedULL);
  specot_sdot_sample(&rng, SPECOT_SDOT_CUBE, nsrc, m->d, X);
  met->tau = NAN, met->neff = 1.0, met->npairs = 0;
  specot_status st = SPECOT_OK;
  if ((map == GEN_SOFT || map == GEN_MASKED) && isnan(tau))
    st = specot_sdot_tau_gap(ctx, ws, &p, m->h, kappa, count, X, &tau);
  if (!st && map == GEN_AEOT) {
    specot_sdot_aeot_opts o;
    aeot_settings(m, theta, &o);
    st =
        specot_sdot_generate_aeot(ctx, ws, &p, m->h, &o, nsrc, X, &rng, count, codes, &met->npairs);
  } else if (!st) {
    const specot_sdot_map_kind kind = map == GEN_HARD   ? SPECOT_SDOT_MAP_HARD
                                      : map == GEN_SOFT ? SPECOT_SDOT_MAP_SOFT
                                                        : SPECOT_SDOT_MAP_MASKED;
    st = specot_sdot_map(ctx, ws, &p, m->h, kind, tau, isnan(theta) ? 0.4 : theta, count, X, codes,
                         NULL, neff);
    if (!st && map != GEN_HARD) {
      double s = 0.0;
      for (size_t i = 0; i < count; ++i) s += neff[i] / (double)count;
      met->neff = s, met->tau = tau;
    }
  }
  if (st < 0) {
    rc = cli_report(cmd, ctx, st);
    goto done;
  }
  if (st > 0) cli_warn(cmd, ctx, st);
  rc = decode(cmd, m, codes, count, out);
done:
  specot_sdot_ws_free(ws);
  specot_ctx_free(ctx);
  free(X), free(codes), free(neff);
  return rc;
}
