/* `specot gaussian`: certified spectral transport between two Gaussians. */
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spectral_cli.h"

static const char CMD[] = "gaussian";

static void usage(FILE *out) {
  fprintf(out,
          "usage: specot gaussian --mean0 m0 --cov0 A --mean1 m1 --cov1 B (-p P | --kyfan K)\n"
          "                       [--tol T] [--max-iter N] [--cross K] [--sigma S] [--dual Q]\n"
          "                       [--json] [--quiet]\n"
          "W_gamma^2 between N(m0, A) and N(m1, B) (A, B symmetric PSD, singular allowed):\n"
          "  min_K gamma(Delta Delta^T + A + B - K - K^T) = max_{Q in K} W_Q^2, with\n"
          "  W_Q^2 = Delta^T Q Delta + tr Q(A + B) - 2 ||A^{1/2} Q B^{1/2}||_*.\n"
          "Prints the squared cost (upper bound), the certified lower bound and the gap.\n"
          "Options:\n"
          "  --cross FILE   write the optimal cross-covariance K (d x d)\n"
          "  --sigma FILE   write Delta Delta^T + A + B - K - K^T (d x d)\n"
          "  --dual FILE    write the certificate Q (d x d)\n"
          "  --tol T        relative gap target (default 1e-6)\n"
          "  --max-iter N   cap on fixed-Q evaluations (default 1000)\n"
          "  --json         print a JSON object instead of text\n"
          "  --quiet        no progress line or warning on stderr\n");
}

typedef struct gaussian_args {
  const char *m0, *A, *m1, *B, *cross, *sigma, *dual;
  specot_gauge gauge;
  int have_gauge, json, quiet;
  specot_spectral_opts opts;
} gaussian_args;

static int parse(int argc, char **argv, gaussian_args *t) {
  memset(t, 0, sizeof *t);
  specot_spectral_opts_init(&t->opts);
  int rc = CLI_EXIT_OK, npos = 0;
  for (int i = 1; i < argc && !rc; ++i) {
    const int g =
        cli_spectral_option(CMD, argc, argv, &i, &t->gauge, &t->have_gauge, &t->opts, &t->quiet);
    if (g < 0) return -g;
    if (g > 0) continue;
    const char *o = argv[i];
    const char **target = strcmp(o, "--mean0") == 0   ? &t->m0
                          : strcmp(o, "--cov0") == 0  ? &t->A
                          : strcmp(o, "--mean1") == 0 ? &t->m1
                          : strcmp(o, "--cov1") == 0  ? &t->B
                          : strcmp(o, "--cross") == 0 ? &t->cross
                          : strcmp(o, "--sigma") == 0 ? &t->sigma
                          : strcmp(o, "--dual") == 0  ? &t->dual
                                                      : NULL;
    if (target) {
      rc = cli_opt_str(CMD, argc, argv, &i, target);
    } else if (strcmp(o, "--json") == 0) {
      t->json = 1;
    } else {
      rc = cli_positional(CMD, o, NULL, 0, &npos);
    }
  }
  if (rc) return rc;
  if (!t->m0 || !t->A || !t->m1 || !t->B)
    return cli_usage_error(CMD, "--mean0, --cov0, --mean1 and --cov1 are required");
  if (!t->have_gauge) return cli_usage_error(CMD, "give the gauge with -p P or --kyfan K");
  if ((rc = cli_check_output(CMD, "--cross", t->cross)) || (rc = cli_check_output(CMD, "--dual", t->dual)) ||
      (rc = cli_check_output(CMD, "--sigma", t->sigma)))
    return rc;
  return CLI_EXIT_OK;
}

/* Reads the means (d entries, d from m0) and the d x d covariances. */
static int read_inputs(const gaussian_args *t, specot_array *m0, specot_array *A, specot_array *m1,
                       specot_array *B) {
  int rc = cli_read_array(CMD, t->m0, m0);
  const size_t d = m0->rows * m0->cols;
  if (!rc) rc = cli_read_vector(CMD, t->m1, d, "mean m1", m1);
  if (!rc) rc = cli_read_matrix(CMD, t->A, d, d, "covariance A", A);
  if (!rc) rc = cli_read_matrix(CMD, t->B, d, d, "covariance B", B);
  return rc;
}

int cmd_gaussian(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    usage(stdout);
    return CLI_EXIT_OK;
  }
  gaussian_args t;
  int rc = parse(argc, argv, &t);
  if (rc) return rc;
  specot_array m0 = {0}, A = {0}, m1 = {0}, B = {0};
  double *buf = NULL;
  if ((rc = read_inputs(&t, &m0, &A, &m1, &B))) goto out;
  const size_t d = A.rows;
  buf = malloc(3 * d * d * sizeof *buf);
  specot_ctx *ctx = specot_ctx_alloc();
  if (!buf || !ctx) {
    specot_ctx_free(ctx);
    rc = cli_out_of_memory(CMD);
    goto out;
  }
  cli_progress ps;
  cli_progress_begin(&ps, CMD, &t.opts, t.quiet);
  specot_spectral_gaussian_result res;
  const specot_status st =
      specot_spectral_gaussian(ctx, &t.gauge, d, m0.data, A.data, m1.data, B.data, &t.opts, &res,
                               buf, buf + d * d, buf + 2 * d * d);
  cli_spectral_progress_end(&ps);
  if (st < 0) {
    /* Name the file of the covariance the library rejected. */
    const char *msg = specot_ctx_errmsg(ctx);
    const int is_b = strstr(msg, "covariance B") != NULL;
    rc = strstr(msg, "covariance A") || is_b
             ? cli_report_files(CMD, ctx, st, is_b ? t.B : t.A, NULL)
             : cli_report_files(CMD, ctx, st, t.A, t.B);
  } else {
    if (!t.quiet) cli_warn(CMD, ctx, st);
    const char *status = st == SPECOT_OK ? "converged" : "max-iterations";
    if (t.json) {
      cli_json j;
      cli_json_begin(&j, stdout);
      cli_spectral_bounds(&j, res.squared_cost, res.lower_bound, res.gap, res.relative_gap);
      cli_json_int(&j, "iterations", (long long)res.iterations);
      cli_json_bool(&j, "closed_form", res.closed_form);
      cli_json_str(&j, "status", status);
      cli_json_array(&j, "cross", buf, d * d);
      cli_json_array(&j, "dual", buf + 2 * d * d, d * d);
      cli_json_end(&j);
    } else {
      cli_spectral_bounds(NULL, res.squared_cost, res.lower_bound, res.gap, res.relative_gap);
      printf("iterations    %zu\nclosed_form   %s\nstatus        %s\n", res.iterations,
             res.closed_form ? "yes" : "no", status);
    }
    if (t.cross) rc = cli_write_array(CMD, t.cross, buf, d, d, 2);
    if (!rc && t.sigma) rc = cli_write_array(CMD, t.sigma, buf + d * d, d, d, 2);
    if (!rc && t.dual) rc = cli_write_array(CMD, t.dual, buf + 2 * d * d, d, d, 2);
  }
  specot_ctx_free(ctx);
out:
  free(buf);
  specot_array_free(&m0);
  specot_array_free(&A);
  specot_array_free(&m1);
  specot_array_free(&B);
  return rc;
}
