/* `specot memory bench`: the recovery and capacity experiments of spec
 * shk_dp_memory.md sec. 7 (options, progress bar, tables, JSON). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memory_cli.h"

static const char CMD[] = "memory bench";
enum { MAX_LIST = 32 };

static void usage(FILE *out) {
  fprintf(out,
          "usage: specot memory bench [--k K] [--n N] [--d D] [--radius R] [--queries Q]\n"
          "                           [--sigmas L] [--outliers L] [--eps E] [--beta B]\n"
          "                           [--tau T] [--eta E] [--steps S] [--halvings H]\n"
          "                           [--capacity] [--cap-d L] [--cap-k L] [--cap-queries Q]\n"
          "                           [--cap-sigma S] [--cap-beta B] [--no-recovery]\n"
          "                           [--seed S] [--quiet] [--json]\n"
          "Recovery: K clouds of n points, centres ~ N(0, R^2 I), points centre + N(0, I);\n"
          "queries = a random stored cloud, permuted, + N(0, sigma^2), a fraction p_out of\n"
          "points replaced by outliers uniform in [-6,6]^d, weights b e^{0.5 zeta}.  Methods:\n"
          "SHK retrieval, S_eps-nearest without flow, Hopfield DIST/DOT x RAW/SORTED\n"
          "(beta_H = beta/n).  Capacity (--capacity): random pattern model (n = 8, R = 0),\n"
          "query = stored cloud permuted + N(0, cap_sigma^2), eps = 0.05 d; SHK and no-flow\n"
          "success rates per (d, K) and K_max(d) = largest K with SHK rate >= 0.9.\n"
          "Options (defaults of the spec):\n"
          "  --k 8 --n 16 --d 2 --radius 2 --queries 50 --sigmas 0,0.25,0.5,1 --outliers 0,0.25\n"
          "  --eps 0.1 --beta 10 --tau 0.5 --eta eps --steps 15 --halvings 3 --seed 1\n"
          "  --cap-d 2,4,8,16 --cap-k 2,8,32,128,512 --cap-queries 50 --cap-sigma 0.5\n"
          "  --cap-beta 10\n"
          "  --no-recovery  skip the recovery tables    --quiet  no progress bar\n"
          "  --json         print {recovery: [...], capacity: [...], kmax: [...]}\n");
}

typedef struct bench_cfg {
  memory_exp rec;
  size_t queries, cap_queries;
  double sigmas[MAX_LIST], outliers[MAX_LIST], cap_sigma, cap_beta;
  int nsig, nout;
  size_t cap_d[MAX_LIST], cap_k[MAX_LIST];
  int ncd, nck, capacity, recovery, quiet, json;
  size_t seed;
} bench_cfg;

typedef struct bar {
  double t0, last;
  int quiet;
} bar;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A bar redrawn every 0.2 s, only on a terminal (none in logs or pipes). */
static void tick(void *data, size_t done, size_t total) {
  bar *b = data;
  if (b->quiet || total == 0 || !isatty(2)) return;
  const int tty = 1;
  const double t = now_s();
  if (done < total && t - b->last < 0.2) return;
  b->last = t;
  const double rate = (double)done / fmax(t - b->t0, 1e-9);
  const int width = 30, fill = (int)((double)width * (double)done / (double)total);
  fputs(tty ? "\r[" : "[", stderr);
  for (int k = 0; k < width; ++k) fputc(k < fill ? '#' : '.', stderr);
  fprintf(stderr, "] %zu/%zu queries %.0f/s ETA %.0fs   ", done, total, rate,
          rate > 0 ? (double)(total - done) / rate : 0.0);
  if (!tty || done >= total) fputc('\n', stderr);
  fflush(stderr);
}

static int parse(int argc, char **argv, bench_cfg *c) {
  int rc = 0;
  for (int i = 1; i < argc && !rc; ++i) {
    const char *a = argv[i];
    memory_exp *e = &c->rec;
    if (cli_is_help(a)) {
      usage(stdout);
      return -1;
    } else if (!strcmp(a, "--json")) {
      c->json = 1;
    } else if (!strcmp(a, "--quiet")) {
      c->quiet = 1;
    } else if (!strcmp(a, "--capacity")) {
      c->capacity = 1;
    } else if (!strcmp(a, "--no-recovery")) {
      c->recovery = 0;
    } else if (!strcmp(a, "--k")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &e->K, 1, 1000000, "1 to 1000000");
    } else if (!strcmp(a, "--n")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &e->n, 1, 100000, "1 to 100000");
    } else if (!strcmp(a, "--d")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &e->d, 1, 10000, "1 to 10000");
    } else if (!strcmp(a, "--queries")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &c->queries, 1, 100000000, ">= 1");
    } else if (!strcmp(a, "--cap-queries")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &c->cap_queries, 1, 100000000, ">= 1");
    } else if (!strcmp(a, "--steps")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &e->flow.max_steps, 0, 1000000, "0 to 1000000");
    } else if (!strcmp(a, "--halvings")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &e->flow.max_halvings, 0, 60, "0 to 60");
    } else if (!strcmp(a, "--seed")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &c->seed, 0, SIZE_MAX, "an integer >= 0");
    } else if (!strcmp(a, "--radius")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &e->radius, 0.0, DBL_MAX, "a number >= 0");
    } else if (!strcmp(a, "--eps")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &e->eps, DBL_TRUE_MIN, DBL_MAX, "a number > 0");
    } else if (!strcmp(a, "--beta")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &e->beta, DBL_TRUE_MIN, DBL_MAX, "a number > 0");
    } else if (!strcmp(a, "--cap-beta")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &c->cap_beta, DBL_TRUE_MIN, DBL_MAX, "a number > 0");
    } else if (!strcmp(a, "--cap-sigma")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &c->cap_sigma, 0.0, DBL_MAX, "a number >= 0");
    } else if (!strcmp(a, "--tau")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &e->flow.tau, 0.0, DBL_MAX, "a number >= 0");
    } else if (!strcmp(a, "--eta")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &e->flow.eta, 0.0, DBL_MAX, "a number >= 0");
    } else if (!strcmp(a, "--sigmas") || !strcmp(a, "--outliers")) {
      const char *v = cli_option_value(CMD, argc, argv, &i);
      const int sig = !strcmp(a, "--sigmas");
      double *dst = sig ? c->sigmas : c->outliers;
      const int cnt = v ? cli_parse_double_list(v, dst, MAX_LIST) : -1;
      int ok = cnt > 0;
      for (int k = 0; k < cnt; ++k)
        ok = ok && dst[k] >= 0.0 && isfinite(dst[k]) && (sig || dst[k] <= 1.0);
      if (!v) return CLI_EXIT_USAGE;
      if (!ok)
        return cli_usage_error(CMD, "bad value '%s' for %s (need a list of numbers %s)", v, a,
                               sig ? ">= 0" : "in [0, 1]");
      *(sig ? &c->nsig : &c->nout) = cnt;
    } else if (!strcmp(a, "--cap-d") || !strcmp(a, "--cap-k")) {
      const char *v = cli_option_value(CMD, argc, argv, &i);
      if (!v) return CLI_EXIT_USAGE;
      size_t *dst = !strcmp(a, "--cap-d") ? c->cap_d : c->cap_k;
      const int cnt = cli_parse_size_list(v, dst, MAX_LIST);
      if (cnt <= 0) return cli_usage_error(CMD, "bad value '%s' for %s (need a list of integers >= 1)", v, a);
      *(dst == c->cap_d ? &c->ncd : &c->nck) = cnt;
    } else {
      return cli_usage_error(CMD, "unknown argument '%s'", a);
    }
  }
  return rc;
}

static void defaults(bench_cfg *c) {
  memset(c, 0, sizeof *c);
  memory_exp *e = &c->rec;
  e->K = 8;
  e->n = 16;
  e->d = 2;
  e->radius = 2.0;
  e->eps = 0.1;
  e->beta = 10.0;
  e->sigma_w = 0.5;
  e->box = 6.0;
  e->perturb_weights = 1;
  e->hopfield = 1;
  specot_amem_opts_init(&e->flow);
  e->flow.attention_warn = INFINITY; /* spread attention is measured, not warned about */
  c->queries = 50;
  c->cap_queries = 50;
  const double sig[] = {0, 0.25, 0.5, 1.0}, out[] = {0, 0.25};
  memcpy(c->sigmas, sig, sizeof sig);
  memcpy(c->outliers, out, sizeof out);
  c->nsig = 4;
  c->nout = 2;
  const size_t cd[] = {2, 4, 8, 16}, ck[] = {2, 8, 32, 128, 512};
  memcpy(c->cap_d, cd, sizeof cd);
  memcpy(c->cap_k, ck, sizeof ck);
  c->ncd = 4;
  c->nck = 5;
  c->cap_sigma = 0.5;
  c->cap_beta = 10.0;
  c->recovery = 1;
  c->seed = 1;
}

/* Builds the memory of one experiment from its patterns. */
static int build(const memory_exp *e, specot_rng *rng, double **Y, specot_amem **mem) {
  const size_t N = e->K * e->n;
  *Y = malloc(N * e->d * sizeof **Y);
  size_t *n = malloc(e->K * sizeof *n);
  if (!*Y || !n) {
    free(n);
    return cli_out_of_memory(CMD);
  }
  for (size_t k = 0; k < e->K; ++k) n[k] = e->n;
  memory_exp_patterns(e, rng, *Y);
  specot_ctx *ctx = specot_ctx_alloc();
  specot_ot_sinkhorn_opts sk;
  specot_amem_sinkhorn_defaults(&sk); /* tol 1e-6 (spec sec. 5.2), max_iter 1000 */
  const specot_status st = specot_amem_alloc(ctx, e->K, n, e->d, *Y, NULL, e->eps, e->beta, &sk, mem);
  const int rc = st < 0 ? cli_report(CMD, ctx, st) : 0;
  specot_ctx_free(ctx);
  free(n);
  return rc;
}

/* Column-oriented JSON: one array per field over the rows. */
static void json_rows(cli_json *j, const char *key, const memory_exp_row *rows, size_t nrows,
                      int capacity, const bench_cfg *c, double *tmp) {
  cli_json_begin_object(j, key);
  for (size_t r = 0; r < nrows; ++r) tmp[r] = capacity ? (double)c->cap_d[r / (size_t)c->nck] : rows[r].sigma;
  cli_json_array(j, capacity ? "d" : "sigma", tmp, nrows);
  for (size_t r = 0; r < nrows; ++r) tmp[r] = capacity ? (double)c->cap_k[r % (size_t)c->nck] : rows[r].p_out;
  cli_json_array(j, capacity ? "K" : "p_out", tmp, nrows);
  for (int m = 0; m < (capacity ? 2 : MEM_METHODS); ++m) {
    for (size_t r = 0; r < nrows; ++r) tmp[r] = (double)rows[r].success[m] / (double)rows[r].queries;
    cli_json_array(j, memory_method_names[m], tmp, nrows);
  }
  for (size_t r = 0; r < nrows; ++r) tmp[r] = rows[r].s_before;
  cli_json_array(j, "s_before", tmp, nrows);
  for (size_t r = 0; r < nrows; ++r) tmp[r] = rows[r].s_after;
  cli_json_array(j, "s_after", tmp, nrows);
  for (size_t r = 0; r < nrows; ++r) tmp[r] = rows[r].seconds;
  cli_json_array(j, "seconds", tmp, nrows);
  cli_json_end_object(j);
}

/* K_max(d): the largest K of the grid with rate >= 0.9 for method m (0 if none). */
static double kmax(const memory_exp_row *cap, const bench_cfg *c, int di, int m) {
  double best = 0.0;
  for (int ki = 0; ki < c->nck; ++ki) {
    const memory_exp_row *r = &cap[di * c->nck + ki];
    if ((double)r->success[m] >= 0.9 * (double)r->queries && (double)c->cap_k[ki] > best)
      best = (double)c->cap_k[ki];
  }
  return best;
}

static void print_capacity(const memory_exp_row *cap, const bench_cfg *c) {
  printf("capacity: n = 8, R = 0, sigma = %g, beta = %g, eps = 0.05 d, %zu queries per cell;\n"
         "SHK success rate (no-flow rate)\n%4s", c->cap_sigma, c->cap_beta, c->cap_queries, "d");
  for (int ki = 0; ki < c->nck; ++ki) printf(" %14s%-5zu", "K = ", c->cap_k[ki]);
  printf(" %8s %8s\n", "time s", "K_max");
  for (int di = 0; di < c->ncd; ++di) {
    double t = 0.0;
    printf("%4zu", c->cap_d[di]);
    for (int ki = 0; ki < c->nck; ++ki) {
      const memory_exp_row *r = &cap[di * c->nck + ki];
      printf("      %5.2f (%5.2f)", (double)r->success[MEM_SHK] / (double)r->queries,
             (double)r->success[MEM_NOFLOW] / (double)r->queries);
      t += r->seconds;
    }
    printf(" %8.2f %8.0f\n", t, kmax(cap, c, di, MEM_SHK));
  }
}

int memory_bench_main(int argc, char **argv) {
  bench_cfg c;
  defaults(&c);
  int rc = parse(argc, argv, &c);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  const int levels = c.recovery ? c.nsig * c.nout : 0, cells = c.capacity ? c.ncd * c.nck : 0;
  memory_exp_row *rows = calloc((size_t)levels + (size_t)cells + 1, sizeof *rows);
  if (!rows) return cli_out_of_memory(CMD);
  const size_t total = (size_t)levels * c.queries + (size_t)cells * c.cap_queries;
  size_t done = 0;
  bar b = {now_s(), 0.0, c.quiet};
  specot_rng rng;
  specot_rng_seed(&rng, (uint64_t)c.seed);
  if (levels) {
    double *Y = NULL;
    specot_amem *mem = NULL;
    rc = build(&c.rec, &rng, &Y, &mem);
    for (int l = 0; l < levels && !rc; ++l)
      rc = memory_exp_level(CMD, &c.rec, mem, Y, c.sigmas[l % c.nsig], c.outliers[l / c.nsig],
                            c.queries, &rng, tick, &b, &done, total, &rows[l]);
    specot_amem_free(mem);
    free(Y);
  }
  for (int cell = 0; cell < cells && !rc; ++cell) {
    memory_exp e = c.rec;
    e.d = c.cap_d[cell / c.nck];
    e.K = c.cap_k[cell % c.nck];
    e.n = 8;
    e.radius = 0.0;
    e.eps = 0.05 * (double)e.d;
    e.beta = c.cap_beta;
    e.perturb_weights = 0;
    e.hopfield = 0;
    double *Y = NULL;
    specot_amem *mem = NULL;
    rc = build(&e, &rng, &Y, &mem);
    if (!rc)
      rc = memory_exp_level(CMD, &e, mem, Y, c.cap_sigma, 0.0, c.cap_queries, &rng, tick, &b,
                            &done, total, &rows[levels + cell]);
    specot_amem_free(mem);
    free(Y);
  }
  if (rc) {
    free(rows);
    return rc;
  }
  const double seconds = now_s() - b.t0;
  const memory_exp_row *cap = rows + levels;
  if (c.json) {
    double *tmp = malloc(((size_t)levels + (size_t)cells + 1) * sizeof *tmp);
    if (!tmp) {
      free(rows);
      return cli_out_of_memory(CMD);
    }
    cli_json j;
    cli_json_begin(&j, stdout);
    if (levels) json_rows(&j, "recovery", rows, (size_t)levels, 0, &c, tmp);
    if (cells) {
      json_rows(&j, "capacity", cap, (size_t)cells, 1, &c, tmp);
      cli_json_begin_object(&j, "kmax");
      for (int di = 0; di < c.ncd; ++di) tmp[di] = (double)c.cap_d[di];
      cli_json_array(&j, "d", tmp, (size_t)c.ncd);
      for (int m = 0; m < 2; ++m) {
        for (int di = 0; di < c.ncd; ++di) tmp[di] = kmax(cap, &c, di, m);
        cli_json_array(&j, memory_method_names[m], tmp, (size_t)c.ncd);
      }
      cli_json_end_object(&j);
    }
    cli_json_num(&j, "seconds", seconds);
    cli_json_end(&j);
    free(tmp);
  } else {
    if (levels)
      printf("recovery: K = %zu, n = %zu, d = %zu, R = %g, eps = %g, beta = %g, seed %zu\n",
             c.rec.K, c.rec.n, c.rec.d, c.rec.radius, c.rec.eps, c.rec.beta, c.seed);
    for (int o = 0; o < (levels ? c.nout : 0); ++o) memory_exp_print_table(stdout, rows + o * c.nsig, (size_t)c.nsig);
    if (cells) print_capacity(cap, &c);
    printf("total %.2f s\n", seconds);
  }
  free(rows);
  return rc;
}
