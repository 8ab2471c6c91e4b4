/* `specot shk`: the SHK (birth–death Langevin) sampler on a built-in target,
 * with the final particles as .npy, a PNG histogram over time, JSON moments and,
 * for the exponential mechanism, the mean-field DP certificate. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "shk_cli.h"

#define CMD "shk"
enum { SNAPSHOTS = 5, BINS = 80 };

static void usage(FILE *out) {
  fprintf(
      out,
      "usage: specot shk --target gauss|mixture|double-well|expmech [target options]\n"
      "                  [--lambda L] [--dt DT] [--steps N] [--particles N] [--bandwidth H]\n"
      "                  [--stride S] [--seed S] [--no-reaction | --reaction-only]\n"
      "                  [--kde exact|subsample] [--kde-m M] [--init-mean M --init-std S]\n"
      "                  -o samples.npy [--png hist.png] [--json]\n"
      "Samples pi ~ exp(-V) with N particles: ULA moves x <- x - dt grad V + sqrt(2 dt) xi, and "
      "every\n"
      "S steps a birth-death sweep (kill/duplicate at rate L |log KDE + V - mean|), N conserved.\n"
      "Targets (default mixture):\n"
      "  gauss        [--mean M.npy (d)] [--cov C.npy (d x d)] [--dim D]; default N(0, I_1)\n"
      "  mixture      the spec's barrier example 0.25 N(-3, 0.5^2) + 0.75 N(3, 0.5^2), start N(0, "
      "9),\n"
      "               dt 0.005, 1000 steps, N 1000, h 0.2; or --mix-weights W.npy (K)\n"
      "               --mix-means M.npy (K x d) --mix-std S.npy (K, isotropic)\n"
      "  double-well  V = B (x_1^2 - 1)^2 + |x_2..d|^2/2, [--barrier B (4)] [--dim D]\n"
      "  expmech      V = E0 u(D, theta)/(2 DU) on Theta = [lo, hi]^d (quadratic wall outside),\n"
      "               start uniform on Theta: --data D.csv --loss median|quantile|linreg|table\n"
      "               [--eps0 E0 (1)] [--du DU] [--quantile Q (0.5)] [--lo L (0)] [--hi H (1)]\n"
      "               [--K K] [--U U]; median/quantile use values in D (clipped to Theta),\n"
      "               linreg rows (features..., y) and needs --du, table rows (theta, u) and --du\n"
      "Sampler (defaults): --lambda 1 (0 = --no-reaction: plain Langevin), --dt 0.01\n"
      "  (expmech: 1e-3 (hi-lo)^2), --steps 500, --particles 1000, --bandwidth 0 (Silverman's\n"
      "  rule at each sweep), --stride 1, --seed 1, --kde exact (subsample: --kde-m 1000 random\n"
      "  reference particles), start N(init-mean, init-std^2 I).  --reaction-only drops the "
      "moves.\n"
      "Outputs: -o the final N x d particles; --png a histogram of coordinate 1 at 5 times;\n"
      "  --json keys particles, d, steps, dt, t, lambda, bandwidth, sweeps, kills, duplications,\n"
      "  skipped, max_rate_tau, mean (d), cov (d x d), frac_positive, and for expmech du, U and\n"
      "  certificate (the `specot dpcert` keys, or {error} when none is possible).\n"
      "Exit: 0 ok (a coarse birth-death step is a warning), 2 usage, 3 bad input, 4 numerical.\n");
}

typedef struct shk_cli_run {
  shk_cli_target target;
  specot_shk_opts opts;
  size_t steps, particles, seed;
  int reaction_only, no_reaction, json;
  const char *out, *png, *kde;
  double K;
  int dt_given, steps_given, n_given, h_given;
} shk_cli_run;

static int parse_target_opt(shk_cli_run *r, int argc, char **argv, int *i, int *matched) {
  shk_cli_target *t = &r->target;
  const char *a = argv[*i];
  *matched = 1;
  if (!strcmp(a, "--target")) return cli_opt_str(CMD, argc, argv, i, &t->name);
  if (!strcmp(a, "--mean")) return cli_opt_str(CMD, argc, argv, i, &t->mean);
  if (!strcmp(a, "--cov")) return cli_opt_str(CMD, argc, argv, i, &t->cov);
  if (!strcmp(a, "--mix-weights")) return cli_opt_str(CMD, argc, argv, i, &t->mix_weights);
  if (!strcmp(a, "--mix-means")) return cli_opt_str(CMD, argc, argv, i, &t->mix_means);
  if (!strcmp(a, "--mix-std")) return cli_opt_str(CMD, argc, argv, i, &t->mix_std);
  if (!strcmp(a, "--data")) return cli_opt_str(CMD, argc, argv, i, &t->data);
  if (!strcmp(a, "--loss")) return cli_opt_str(CMD, argc, argv, i, &t->loss);
  if (!strcmp(a, "--dim")) return cli_opt_size(CMD, argc, argv, i, &t->dim, 1, 100000, ">= 1");
  if (!strcmp(a, "--barrier"))
    return cli_opt_double(CMD, argc, argv, i, &t->barrier, DBL_TRUE_MIN, DBL_MAX, "> 0");
  if (!strcmp(a, "--eps0"))
    return cli_opt_double(CMD, argc, argv, i, &t->eps0, DBL_TRUE_MIN, DBL_MAX, "> 0");
  if (!strcmp(a, "--du"))
    return cli_opt_double(CMD, argc, argv, i, &t->du, DBL_TRUE_MIN, DBL_MAX, "> 0");
  if (!strcmp(a, "--quantile"))
    return cli_opt_double(CMD, argc, argv, i, &t->q, DBL_TRUE_MIN, 1 - DBL_EPSILON, "in (0, 1)");
  if (!strcmp(a, "--lo"))
    return cli_opt_double(CMD, argc, argv, i, &t->lo, -DBL_MAX, DBL_MAX, "finite");
  if (!strcmp(a, "--hi"))
    return cli_opt_double(CMD, argc, argv, i, &t->hi, -DBL_MAX, DBL_MAX, "finite");
  if (!strcmp(a, "--U")) return cli_opt_double(CMD, argc, argv, i, &t->U, 0, DBL_MAX, ">= 0");
  if (!strcmp(a, "--K")) return cli_opt_double(CMD, argc, argv, i, &r->K, 0, DBL_MAX, ">= 0");
  if (!strcmp(a, "--init-mean"))
    return cli_opt_double(CMD, argc, argv, i, &t->init_mean, -DBL_MAX, DBL_MAX, "finite");
  if (!strcmp(a, "--init-std"))
    return cli_opt_double(CMD, argc, argv, i, &t->init_std, 0, DBL_MAX, ">= 0");
  *matched = 0;
  return 0;
}

static int parse(shk_cli_run *r, int argc, char **argv) {
  shk_cli_target_init(&r->target);
  specot_shk_opts_init(&r->opts);
  r->opts.dt = 0.01;
  r->steps = 500;
  r->particles = 1000;
  r->seed = 1;
  r->K = NAN;
  r->kde = "exact";
  specot_shk_opts *o = &r->opts;
  int rc = 0;
  for (int i = 1; i < argc && !rc; ++i) {
    const char *a = argv[i];
    int matched = 0;
    if (cli_is_help(a)) {
      usage(stdout);
      return -1;
    }
    if ((rc = parse_target_opt(r, argc, argv, &i, &matched)) || matched) continue;
    if (!strcmp(a, "--json"))
      r->json = 1;
    else if (!strcmp(a, "--no-reaction"))
      r->no_reaction = 1;
    else if (!strcmp(a, "--reaction-only"))
      r->reaction_only = 1;
    else if (!strcmp(a, "-o"))
      rc = cli_opt_str(CMD, argc, argv, &i, &r->out);
    else if (!strcmp(a, "--png"))
      rc = cli_opt_str(CMD, argc, argv, &i, &r->png);
    else if (!strcmp(a, "--kde"))
      rc = cli_opt_str(CMD, argc, argv, &i, &r->kde);
    else if (!strcmp(a, "--kde-m"))
      rc = cli_opt_size(CMD, argc, argv, &i, &o->kde_subsample, 1, SIZE_MAX, ">= 1");
    else if (!strcmp(a, "--lambda"))
      rc = cli_opt_double(CMD, argc, argv, &i, &o->lambda, 0, DBL_MAX, ">= 0");
    else if (!strcmp(a, "--dt"))
      rc = cli_opt_double(CMD, argc, argv, &i, &o->dt, DBL_TRUE_MIN, DBL_MAX, "> 0"),
      r->dt_given = 1;
    else if (!strcmp(a, "--bandwidth"))
      rc = cli_opt_double(CMD, argc, argv, &i, &o->bandwidth, 0, DBL_MAX, ">= 0 (0 = Silverman)"),
      r->h_given = 1;
    else if (!strcmp(a, "--stride"))
      rc = cli_opt_size(CMD, argc, argv, &i, &o->stride, 1, SIZE_MAX, ">= 1");
    else if (!strcmp(a, "--steps"))
      rc = cli_opt_size(CMD, argc, argv, &i, &r->steps, 0, SIZE_MAX, ">= 0"), r->steps_given = 1;
    else if (!strcmp(a, "--particles"))
      rc = cli_opt_size(CMD, argc, argv, &i, &r->particles, 2, 100000000, ">= 2"), r->n_given = 1;
    else if (!strcmp(a, "--seed"))
      rc = cli_opt_size(CMD, argc, argv, &i, &r->seed, 0, SIZE_MAX, ">= 0");
    else
      rc = cli_positional(CMD, a, NULL, 0, &(int){0});
  }
  if (rc) return rc;
  if (!r->out) return cli_usage_error(CMD, "needs -o samples.npy");
  if (r->no_reaction && r->reaction_only)
    return cli_usage_error(CMD, "--no-reaction and --reaction-only exclude each other");
  if (!strcmp(r->kde, "subsample"))
    o->kde = SPECOT_SHK_KDE_SUBSAMPLE;
  else if (strcmp(r->kde, "exact"))
    return cli_usage_error(CMD, "bad value '%s' for --kde (need exact or subsample)", r->kde);
  /* Options of another target are usage errors, not silently ignored. */
  static const char *const gauss_opts[] = {"--mean", "--cov", NULL};
  static const char *const mix_opts[] = {"--mix-weights", "--mix-means", "--mix-std", NULL};
  static const char *const em_opts[] = {"--data", "--loss", "--eps0", "--du", "--quantile",
                                        "--lo", "--hi", "--K", "--U", NULL};
  static const char *const dw_opts[] = {"--barrier", NULL};
  const char *const *const groups[] = {gauss_opts, mix_opts, em_opts, dw_opts};
  static const char *const owners[] = {"gauss", "mixture", "expmech", "double-well"};
  char context[48];
  snprintf(context, sizeof context, "--target %s", r->target.name);
  for (int g = 0; g < 4; ++g)
    if (strcmp(r->target.name, owners[g]) != 0 &&
        (rc = cli_reject_options(CMD, argc, argv, groups[g], context)))
      return rc;
  if (r->no_reaction) o->lambda = 0.0;
  if (r->reaction_only) o->langevin = 0;
  if (!strcmp(r->target.name, "mixture") && !r->target.mix_weights) { /* spec 8.1 T-S4 */
    if (!r->dt_given) o->dt = 0.005;
    if (!r->steps_given) r->steps = 1000;
    if (!r->h_given) o->bandwidth = 0.2;
  }
  if (!strcmp(r->target.name, "expmech") && !r->dt_given)
    o->dt = 1e-3 * (r->target.hi - r->target.lo) * (r->target.hi - r->target.lo);
  return 0;
}

/* Histogram densities of coordinate 0 at each snapshot, one PNG. */
static int write_png(const char *path, const double *snap, size_t N, const double *times,
                     int nsnap) {
  double lo = INFINITY, hi = -INFINITY;
  for (size_t k = 0; k < (size_t)nsnap * N; ++k) {
    lo = snap[k] < lo ? snap[k] : lo;
    hi = snap[k] > hi ? snap[k] : hi;
  }
  if (!(hi > lo)) hi = lo + 1.0;
  const double width = (hi - lo) / BINS;
  double x[BINS], dens[SNAPSHOTS][BINS];
  char labels[SNAPSHOTS][48];
  cli_series series[SNAPSHOTS];
  for (int b = 0; b < BINS; ++b) x[b] = lo + (b + 0.5) * width;
  for (int s = 0; s < nsnap; ++s) {
    memset(dens[s], 0, sizeof dens[s]);
    for (size_t i = 0; i < N; ++i) {
      int b = (int)((snap[(size_t)s * N + i] - lo) / width);
      b = b < 0 ? 0 : (b >= BINS ? BINS - 1 : b);
      dens[s][b] += 1.0 / ((double)N * width);
    }
    snprintf(labels[s], sizeof labels[s], "t = %.3g", times[s]);
    series[s] = (cli_series){x, dens[s], BINS, labels[s]};
  }
  return cli_plot_lines(path, "SHK particles: histogram of x_1 over time", "x_1", "density", series,
                        nsnap, 0);
}

/* Mean (d) and covariance (d x d, 1/(N-1)) of the particles. */
static void moments(const double *X, size_t N, size_t d, double *mean, double *cov) {
  memset(mean, 0, d * sizeof *mean);
  memset(cov, 0, d * d * sizeof *cov);
  for (size_t i = 0; i < N; ++i)
    for (size_t a = 0; a < d; ++a) mean[a] += X[i * d + a] / (double)N;
  for (size_t i = 0; i < N; ++i)
    for (size_t a = 0; a < d; ++a)
      for (size_t b = 0; b < d; ++b)
        cov[a * d + b] += (X[i * d + a] - mean[a]) * (X[i * d + b] - mean[b]);
  for (size_t k = 0; k < d * d; ++k) cov[k] /= (double)(N - 1);
}

/* The expmech certificate into c / out; returns NULL or the reason none exists. */
static const char *certificate(const shk_cli_run *r, double du, double U, shk_cli_cert *c,
                               specot_dpcert *out, char *msg, size_t len) {
  shk_cli_cert_init(c);
  c->opts.du = du;
  c->opts.eps0 = r->target.eps0;
  c->opts.lambda = r->opts.lambda;
  c->opts.t = (double)r->steps * r->opts.dt;
  c->opts.K = r->K;
  c->opts.U = U;
  c->opts.reaction_only = r->reaction_only;
  if (!(r->opts.lambda > 0.0))
    return "no certificate: plain Langevin (lambda = 0) is not an SHK flow";
  if (isnan(r->K) && isnan(U) && !r->reaction_only)
    return "no certificate possible: give --K (for eta_A) or --U (the loss range, for eta_B)";
  specot_ctx *ctx = specot_ctx_alloc();
  const specot_status st = specot_dpcert_shk(ctx, &c->opts, out);
  if (st < 0) snprintf(msg, len, "%s", specot_ctx_errmsg(ctx));
  specot_ctx_free(ctx);
  return st < 0 ? msg : NULL;
}

static void report(const shk_cli_run *r, const double *X, size_t d, const specot_shk_stats *st,
                   double du, double U) {
  const size_t N = r->particles;
  double *mean = calloc(d, sizeof *mean), *cov = calloc(d * d, sizeof *cov);
  if (!mean || !cov) {
    free(mean);
    free(cov);
    return;
  }
  moments(X, N, d, mean, cov);
  size_t pos = 0;
  for (size_t i = 0; i < N; ++i) pos += X[i * d] > 0.0;
  const double frac = (double)pos / (double)N, t = (double)r->steps * r->opts.dt;
  const int em = !strcmp(r->target.name, "expmech");
  shk_cli_cert c;
  specot_dpcert cert;
  char msg[512];
  const char *why = em ? certificate(r, du, U, &c, &cert, msg, sizeof msg) : NULL;
  if (r->json) {
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_str(&j, "target", r->target.name);
    cli_json_int(&j, "particles", (long long)N);
    cli_json_int(&j, "d", (long long)d);
    cli_json_int(&j, "steps", (long long)r->steps);
    cli_json_num(&j, "dt", r->opts.dt);
    cli_json_num(&j, "t", t);
    cli_json_num(&j, "lambda", r->opts.lambda);
    cli_json_num(&j, "bandwidth", st->bandwidth);
    cli_json_int(&j, "sweeps", (long long)st->sweeps);
    cli_json_int(&j, "kills", (long long)st->kills);
    cli_json_int(&j, "duplications", (long long)st->duplications);
    cli_json_int(&j, "skipped", (long long)st->skipped);
    cli_json_num(&j, "max_rate_tau", st->max_rate_tau);
    cli_json_array(&j, "mean", mean, d);
    shk_cli_json_begin_array(&j, "cov");
    for (size_t a = 0; a < d; ++a) cli_json_array(&j, NULL, cov + a * d, d);
    shk_cli_json_end_array(&j);
    cli_json_num(&j, "frac_positive", frac);
    if (em) {
      cli_json_num(&j, "du", du);
      cli_json_num(&j, "U", U);
      cli_json_begin_object(&j, "certificate");
      if (why)
        cli_json_str(&j, "error", why);
      else
        shk_cli_cert_json(&j, &c, &cert);
      cli_json_end_object(&j);
    }
    cli_json_end(&j);
  } else {
    printf(
        "%s: %zu particles in d = %zu, %zu steps (t = %.6g), lambda %g: %zu kills, %zu "
        "duplications\n",
        r->target.name, N, d, r->steps, t, r->opts.lambda, st->kills, st->duplications);
    printf("mean x_1 %.6g, var x_1 %.6g, fraction x_1 > 0: %.4f\n", mean[0], cov[0], frac);
    if (em && why)
      printf("certificate: %s\n", why);
    else if (em)
      shk_cli_cert_text(stdout, &c, &cert);
  }
  free(mean);
  free(cov);
}

/* Runs the sampler in SNAPSHOTS - 1 chunks, keeping coordinate 0 at each snapshot. */
static specot_status sample(specot_ctx *ctx, shk_cli_run *r, const specot_shk_potential *pot,
                            size_t d, double *X, double *snap, double *times,
                            specot_shk_stats *total) {
  const size_t N = r->particles;
  specot_shk_ws *ws = NULL;
  specot_status st = specot_shk_ws_alloc(ctx, N, d, &ws), worst = SPECOT_OK;
  specot_rng rng;
  specot_rng_seed(&rng, (uint64_t)r->seed);
  memset(total, 0, sizeof *total);
  size_t done = 0;
  for (int s = 0; s < SNAPSHOTS && st >= 0; ++s) {
    const size_t target = r->steps * (size_t)s / (SNAPSHOTS - 1);
    specot_shk_stats chunk;
    if (target > done || s == 0) {
      st = specot_shk_run(ctx, ws, &r->opts, pot, &rng, target - done, X, &chunk);
      if (st < 0) break;
      if (st > 0) worst = st;
      total->steps += chunk.steps;
      total->sweeps += chunk.sweeps;
      total->kills += chunk.kills;
      total->duplications += chunk.duplications;
      total->skipped += chunk.skipped;
      total->expected_events += chunk.expected_events;
      if (chunk.max_rate_tau > total->max_rate_tau) total->max_rate_tau = chunk.max_rate_tau;
      if (chunk.sweeps) total->bandwidth = chunk.bandwidth;
      done = target;
    }
    times[s] = (double)done * r->opts.dt;
    for (size_t i = 0; i < N; ++i) snap[(size_t)s * N + i] = X[i * d];
  }
  specot_shk_ws_free(ws);
  return st < 0 ? st : worst;
}

int cmd_shk(int argc, char **argv) {
  shk_cli_run r;
  memset(&r, 0, sizeof r);
  int rc = parse(&r, argc, argv);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  specot_shk_potential pot;
  size_t d = 1;
  double du = NAN, U = NAN;
  if ((rc = shk_cli_target_build(CMD, &r.target, &pot, &d, &du, &U))) return rc;
  if (!strcmp(r.target.name, "expmech") && !r.dt_given)
    r.opts.dt = 1e-3 * (r.target.hi - r.target.lo) * (r.target.hi - r.target.lo);
  const size_t N = r.particles;
  double *X = malloc(N * d * sizeof *X), *snap = malloc(SNAPSHOTS * N * sizeof *snap);
  specot_ctx *ctx = specot_ctx_alloc();
  if (!X || !snap || !ctx) rc = cli_out_of_memory(CMD);
  if (!rc) {
    specot_rng init;
    specot_rng_seed(&init, (uint64_t)r.seed ^ 0x5DEECE66DULL);
    shk_cli_target_start(&r.target, &init, X, N, d);
    double times[SNAPSHOTS];
    specot_shk_stats st;
    const specot_status s = sample(ctx, &r, &pot, d, X, snap, times, &st);
    if (s < 0)
      rc = cli_report(CMD, ctx, s);
    else {
      cli_warn(CMD, ctx, s);
      rc = cli_write_array(CMD, r.out, X, N, d, 2);
      if (!rc && r.png) rc = write_png(r.png, snap, N, times, SNAPSHOTS);
      if (!rc) report(&r, X, d, &st, du, U);
    }
  }
  specot_ctx_free(ctx);
  specot_shk_potential_free(&pot);
  free(X);
  free(snap);
  return rc;
}
