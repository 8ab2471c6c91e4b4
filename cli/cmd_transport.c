/* `specot transport`: certified spectral transport W_gamma^2 between two
 * point clouds. */
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spectral_cli.h"

static const char CMD[] = "transport";

static void usage(FILE *out) {
  fprintf(out,
          "usage: specot transport X Y (-p P | --kyfan K) [options]\n"
          "Certified spectral transport W_gamma^2 = min_pi gamma(Sigma(pi)) between the point\n"
          "clouds X (n x d) and Y (m x d) (.npy or CSV), gamma = Schatten-p (1 <= p <= inf)\n"
          "or Ky Fan k.  Prints the squared cost (upper bound of a feasible plan), a lower\n"
          "bound W_Q^2 from an exact OT with a dual matrix Q, and their gap.\n"
          "Options:\n"
          "  -p P            Schatten exponent (1, 2, ..., inf)\n"
          "  --kyfan K       Ky Fan order, 1 <= K <= d\n"
          "  --a FILE        weights of X (default uniform); --b FILE for Y\n"
          "  --tol T         relative gap target (default 1e-6)\n"
          "  --max-iter N    cap on OT calls (default 1000)\n"
          "  --entropic EPS  Sinkhorn oracle with eps = EPS * mean cost (large clouds); the\n"
          "                  lower bound stays certified (c-transform), the plan is rounded\n"
          "                  onto the marginals; set --tol to what EPS allows\n"
          "  --plan FILE     write the sparse plan as rows (i, j, mass)\n"
          "  --dual FILE     write the certificate Q (d x d)\n"
          "  --sigma FILE    write Sigma of the plan (d x d)\n"
          "  --json          print a JSON object instead of text\n"
          "  --quiet         no progress line on stderr\n");
}

typedef struct transport_args {
  const char *x, *y, *a, *b, *plan, *dual, *sigma;
  specot_gauge gauge;
  int have_gauge, json, quiet;
  specot_spectral_opts opts;
} transport_args;

static int parse(int argc, char **argv, transport_args *t) {
  memset(t, 0, sizeof *t);
  specot_spectral_opts_init(&t->opts);
  const char *pos[2] = {NULL, NULL};
  int rc = CLI_EXIT_OK, npos = 0;
  for (int i = 1; i < argc && !rc; ++i) {
    const int g =
        cli_spectral_option(CMD, argc, argv, &i, &t->gauge, &t->have_gauge, &t->opts, &t->quiet);
    if (g < 0) return -g;
    if (g > 0) continue;
    const char *o = argv[i];
    const char **target = strcmp(o, "--a") == 0       ? &t->a
                          : strcmp(o, "--b") == 0     ? &t->b
                          : strcmp(o, "--plan") == 0  ? &t->plan
                          : strcmp(o, "--dual") == 0  ? &t->dual
                          : strcmp(o, "--sigma") == 0 ? &t->sigma
                                                      : NULL;
    if (target) {
      rc = cli_opt_str(CMD, argc, argv, &i, target);
    } else if (strcmp(o, "--entropic") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &t->opts.entropic_eps, DBL_TRUE_MIN, DBL_MAX,
                          "a finite number > 0");
      t->opts.oracle = SPECOT_SPECTRAL_ORACLE_ENTROPIC;
    } else if (strcmp(o, "--json") == 0) {
      t->json = 1;
    } else {
      rc = cli_positional(CMD, o, pos, 2, &npos);
    }
  }
  if (rc) return rc;
  if (npos != 2) return cli_usage_error(CMD, "expected two point files X and Y");
  if (!t->have_gauge) return cli_usage_error(CMD, "give the gauge with -p P or --kyfan K");
  t->x = pos[0];
  t->y = pos[1];
  if ((rc = cli_check_output(CMD, "--plan", t->plan)) || (rc = cli_check_output(CMD, "--dual", t->dual)) ||
      (rc = cli_check_output(CMD, "--sigma", t->sigma)))
    return rc;
  return CLI_EXIT_OK;
}

static void print_result(const transport_args *t, const specot_spectral_result *r, size_t d) {
  const char *status = r->status == SPECOT_OK ? "converged" : "max-iterations";
  if (t->json) {
    cli_json j;
    cli_json_begin(&j, stdout);
    if (t->gauge.kind == SPECOT_GAUGE_SCHATTEN) {
      cli_json_str(&j, "gauge", "schatten");
      cli_json_num(&j, "p", t->gauge.p);
    } else {
      cli_json_str(&j, "gauge", "kyfan");
      cli_json_int(&j, "k", (long long)t->gauge.k);
    }
    cli_spectral_bounds(&j, r->squared_cost, r->lower_bound, r->gap, r->relative_gap);
    cli_json_int(&j, "ot_calls", (long long)r->ot_calls);
    cli_json_int(&j, "iterations", (long long)r->iterations);
    cli_json_int(&j, "columns", (long long)r->columns);
    cli_json_int(&j, "plan_nnz", (long long)r->plan_nnz);
    cli_json_str(&j, "status", status);
    cli_json_array(&j, "sigma", r->sigma, d * d);
    cli_json_array(&j, "dual", r->dual, d * d);
    cli_json_end(&j);
    return;
  }
  cli_spectral_bounds(NULL, r->squared_cost, r->lower_bound, r->gap, r->relative_gap);
  printf("ot_calls      %zu\niterations    %zu\nplan_nnz      %zu\nstatus        %s\n", r->ot_calls,
         r->iterations, r->plan_nnz, status);
}

static int write_outputs(const transport_args *t, const specot_spectral_result *r, size_t d) {
  int rc = CLI_EXIT_OK;
  if (t->plan)
    rc = cli_write_plan(CMD, t->plan, r->plan_rows, r->plan_cols, r->plan_mass, r->plan_nnz);
  if (!rc && t->dual) rc = cli_write_array(CMD, t->dual, r->dual, d, d, 2);
  if (!rc && t->sigma) rc = cli_write_array(CMD, t->sigma, r->sigma, d, d, 2);
  return rc;
}

int cmd_transport(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    usage(stdout);
    return CLI_EXIT_OK;
  }
  transport_args t;
  int rc = parse(argc, argv, &t);
  if (rc) return rc;
  specot_array X = {0}, Y = {0}, a = {0}, b = {0};
  if ((rc = cli_read_points(CMD, t.x, t.y, &X, &Y)) ||
      (rc = cli_read_weights(CMD, t.a, X.rows, "--a", &a)) ||
      (rc = cli_read_weights(CMD, t.b, Y.rows, "--b", &b)) ||
      (rc = cli_check_masses(CMD, t.a, &a, t.b, &b)))
    goto out;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_spectral_ws *ws = ctx ? specot_spectral_ws_alloc(ctx, X.rows, Y.rows, X.cols, 0) : NULL;
  if (!ws) {
    rc = ctx ? cli_report_files(CMD, ctx, specot_ctx_status(ctx), t.x, t.y) : cli_out_of_memory(CMD);
    specot_ctx_free(ctx);
    goto out;
  }
  cli_progress ps;
  cli_progress_begin(&ps, CMD, &t.opts, t.quiet);
  specot_spectral_result res;
  const specot_status st =
      specot_spectral_solve(ctx, ws, &t.gauge, X.data, a.data, Y.data, b.data, &t.opts, &res);
  cli_spectral_progress_end(&ps);
  if (st < 0) {
    rc = cli_report_files(CMD, ctx, st, t.x, t.y);
  } else {
    if (!t.quiet) cli_warn(CMD, ctx, st);
    print_result(&t, &res, X.cols);
    rc = write_outputs(&t, &res, X.cols);
  }
  specot_spectral_ws_free(ws);
  specot_ctx_free(ctx);
out:
  specot_array_free(&X);
  specot_array_free(&Y);
  specot_array_free(&a);
  specot_array_free(&b);
  return rc;
}
