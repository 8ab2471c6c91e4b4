/* `specot memory retrieve`: SHK-flow retrieval of a query cloud from a stored memory. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory_cli.h"

static const char RETRIEVE[] = "memory retrieve";

static void usage_retrieve(FILE *out) {
  fprintf(out,
          "usage: specot memory retrieve DIR Q.npy -o OUT.npy [--qweights a.npy] [--steps N]\n"
          "                              [--tau T] [--eta E] [--halvings H] [--tol-energy T]\n"
          "                              [--trace trace.csv] [--json]\n"
          "Retrieves the stored pattern a query cloud Q (m x d) flows to under the SHK flow:\n"
          "x <- x + tau v (v = sum_k w_k T_k - T_qq), a <- a exp(-eta phi)/Z, with energy\n"
          "backtracking (halve tau, eta).  OUT.npy gets the final points, OUT_weights.npy\n"
          "(beside it) the final weights.\n"
          "Options:\n"
          "  --qweights F   query weights (default uniform)\n"
          "  --steps N      maximum accepted steps (default 15)\n"
          "  --tau T        position step (default 0.5)\n"
          "  --eta E        weight step (default eps of the memory)\n"
          "  --halvings H   halvings per step before stopping as stationary (default 3)\n"
          "  --tol-energy T stop when E drops by <= T max(1,|E|) (default 1e-5)\n"
          "  --trace F      CSV: step, energy, attention, index, tau, eta, halvings\n"
          "  --json         print index (0-based), index_start, energy_before, energy_after,\n"
          "                 S_before, S_after, weights, steps, halvings, stop, ...\n"
          "Exit codes: 0 ok (warnings on stderr), 2 usage, 3 bad input (not a memory,\n"
          "dimension mismatch, bad weights), 4 numerical failure.\n");
}

/* ---- retrieve ----------------------------------------------------------- */

typedef struct trace_rows {
  double *rows; /* 7 per accepted step */
  size_t count, cap;
  int failed;
} trace_rows;

static void on_step(void *user, const specot_amem_step *s) {
  trace_rows *t = user;
  if (t->count == t->cap) {
    const size_t cap = t->cap ? 2 * t->cap : 32;
    double *r = realloc(t->rows, cap * 7 * sizeof *r);
    if (!r) {
      t->failed = 1;
      return;
    }
    t->rows = r;
    t->cap = cap;
  }
  double *r = t->rows + 7 * t->count++;
  r[0] = (double)s->step;
  r[1] = s->energy;
  r[2] = s->attention;
  r[3] = (double)s->index;
  r[4] = s->tau;
  r[5] = s->eta;
  r[6] = (double)s->halvings;
}

/* Writes the trace as CSV with a '#' header line, via a temporary file. */
static int write_trace(const char *path, const trace_rows *t) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *fp = fopen(tmp, "w");
  if (!fp) {
    fprintf(stderr, "specot %s: error: cannot write '%s'\n", RETRIEVE, path);
    return CLI_EXIT_INPUT;
  }
  fprintf(fp, "# step,energy,attention,index,tau,eta,halvings\n");
  for (size_t i = 0; i < t->count; ++i) {
    const double *r = t->rows + 7 * i;
    fprintf(fp, "%.0f,%.17g,%.17g,%.0f,%.17g,%.17g,%.0f\n", r[0], r[1], r[2], r[3], r[4], r[5],
            r[6]);
  }
  const int bad = ferror(fp) != 0;
  if (fclose(fp) != 0 || bad || rename(tmp, path) != 0) {
    remove(tmp);
    fprintf(stderr, "specot %s: error: cannot write '%s'\n", RETRIEVE, path);
    return CLI_EXIT_INPUT;
  }
  return CLI_EXIT_OK;
}

/* OUT.ext -> OUT_weights.ext (the extension of OUT kept). */
static char *weights_path(const char *out) {
  const char *slash = strrchr(out, '/'), *dot = strrchr(out, '.');
  if (!dot || (slash && dot < slash)) dot = out + strlen(out);
  const size_t stem = (size_t)(dot - out), len = strlen(out) + 9;
  char *p = malloc(len);
  if (p) snprintf(p, len, "%.*s_weights%s", (int)stem, out, dot);
  return p;
}

static const char *stop_name(specot_amem_stop s) {
  return s == SPECOT_AMEM_STOP_TOL ? "tol" : s == SPECOT_AMEM_STOP_STATIONARY ? "stationary"
                                                                              : "max_steps";
}

int memory_retrieve_main(int argc, char **argv) {
  const char *pos[2] = {NULL, NULL}, *out = NULL, *qw = NULL, *trace = NULL;
  int json = 0, npos = 0, rc = 0;
  specot_amem_opts o;
  specot_amem_opts_init(&o);
  for (int i = 1; i < argc && !rc; ++i) {
    const char *arg = argv[i];
    if (cli_is_help(arg)) {
      usage_retrieve(stdout);
      return CLI_EXIT_OK;
    } else if (!strcmp(arg, "--json")) {
      json = 1;
    } else if (!strcmp(arg, "-o") || !strcmp(arg, "--out")) {
      rc = cli_opt_str(RETRIEVE, argc, argv, &i, &out);
    } else if (!strcmp(arg, "--qweights")) {
      rc = cli_opt_str(RETRIEVE, argc, argv, &i, &qw);
    } else if (!strcmp(arg, "--trace")) {
      rc = cli_opt_str(RETRIEVE, argc, argv, &i, &trace);
    } else if (!strcmp(arg, "--steps")) {
      rc = cli_opt_size(RETRIEVE, argc, argv, &i, &o.max_steps, 0, 1000000, "0 to 1000000");
    } else if (!strcmp(arg, "--halvings")) {
      rc = cli_opt_size(RETRIEVE, argc, argv, &i, &o.max_halvings, 0, 60, "0 to 60");
    } else if (!strcmp(arg, "--tau")) {
      rc = cli_opt_double(RETRIEVE, argc, argv, &i, &o.tau, 0.0, DBL_MAX, "a number >= 0");
    } else if (!strcmp(arg, "--eta")) {
      rc = cli_opt_double(RETRIEVE, argc, argv, &i, &o.eta, 0.0, DBL_MAX, "a number >= 0");
    } else if (!strcmp(arg, "--tol-energy")) {
      rc = cli_opt_double(RETRIEVE, argc, argv, &i, &o.tol_energy, 0.0, DBL_MAX, "a number >= 0");
    } else {
      rc = cli_positional(RETRIEVE, arg, pos, 2, &npos);
    }
  }
  if (rc) return rc;
  if (npos < 2) return cli_usage_error(RETRIEVE, "needs a memory directory and a query file");
  if (!out) return cli_usage_error(RETRIEVE, "-o OUT.npy is required");
  specot_ctx *ctx = specot_ctx_alloc();
  specot_amem *mem = NULL;
  specot_amem_ws *ws = NULL;
  specot_array Q = {0}, A = {0};
  double *a = NULL, *S0 = NULL, *S = NULL, *w = NULL;
  char *wpath = weights_path(out);
  trace_rows tr = {NULL, 0, 0, 0};
  if (!ctx || !wpath) {
    rc = cli_out_of_memory(RETRIEVE);
    goto done;
  }
  specot_status st = specot_amem_load(ctx, pos[0], NULL, &mem);
  if (st < 0) {
    rc = cli_report(RETRIEVE, ctx, st);
    goto done;
  }
  if ((rc = cli_read_array(RETRIEVE, pos[1], &Q)) ||
      (rc = cli_read_vector(RETRIEVE, qw, Q.rows, "query weight vector", &A)))
    goto done;
  size_t K;
  specot_amem_info(mem, &K, NULL, NULL, NULL);
  if ((st = specot_amem_ws_alloc(ctx, mem, Q.rows, Q.cols, &ws)) != SPECOT_OK) {
    rc = cli_report(RETRIEVE, ctx, st);
    goto done;
  }
  a = malloc(Q.rows * sizeof *a);
  S0 = malloc(K * sizeof *S0);
  S = malloc(K * sizeof *S);
  w = malloc(K * sizeof *w);
  if (!a || !S0 || !S || !w) {
    rc = cli_out_of_memory(RETRIEVE);
    goto done;
  }
  for (size_t i = 0; i < Q.rows; ++i) a[i] = qw ? A.data[i] : 1.0;
  if (trace) {
    o.on_step = on_step;
    o.user = &tr;
  }
  specot_amem_result res;
  st = specot_amem_retrieve(ctx, ws, &o, a, Q.data, S0, S, w, &res);
  if (st < 0) {
    rc = cli_report(RETRIEVE, ctx, st);
    goto done;
  }
  cli_warn(RETRIEVE, ctx, st);
  if (tr.failed) {
    rc = cli_out_of_memory(RETRIEVE);
    goto done;
  }
  if ((rc = cli_write_array(RETRIEVE, out, Q.data, Q.rows, Q.cols, 2)) ||
      (rc = cli_write_array(RETRIEVE, wpath, a, Q.rows, 1, 1)) ||
      (trace && (rc = write_trace(trace, &tr))))
    goto done;
  if (json) {
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_int(&j, "index", (long long)res.index);
    cli_json_int(&j, "index_start", (long long)res.index_start);
    cli_json_num(&j, "energy_before", res.energy_start);
    cli_json_num(&j, "energy_after", res.energy);
    cli_json_array(&j, "S_before", S0, K);
    cli_json_array(&j, "S_after", S, K);
    cli_json_array(&j, "attention_weights", w, K);
    cli_json_num(&j, "attention_before", res.attention_start);
    cli_json_num(&j, "attention_after", res.attention);
    cli_json_int(&j, "steps", (long long)res.steps);
    cli_json_int(&j, "halvings", (long long)res.halvings);
    cli_json_str(&j, "stop", stop_name(res.stop));
    cli_json_int(&j, "evaluations", (long long)res.evaluations);
    cli_json_int(&j, "sinkhorn_iterations", (long long)res.sinkhorn_iterations);
    cli_json_int(&j, "status_code", st);
    cli_json_str(&j, "points", out);
    cli_json_str(&j, "weights", wpath);
    cli_json_end(&j);
  } else {
    printf("retrieved pattern %zu (no-flow nearest %zu): E %.6g -> %.6g, S %.6g -> %.6g, "
           "%zu steps, %zu halvings, stop: %s\n",
           res.index, res.index_start, res.energy_start, res.energy, S0[res.index],
           S[res.index], res.steps, res.halvings, stop_name(res.stop));
  }
done:
  specot_amem_ws_free(ws);
  specot_amem_free(mem);
  specot_ctx_free(ctx);
  specot_array_free(&Q);
  specot_array_free(&A);
  free(a);
  free(S0);
  free(S);
  free(w);
  free(wpath);
  free(tr.rows);
  return rc;
}

