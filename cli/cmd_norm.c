/* `specot norm` (Schatten norm of a matrix) and `specot gauge` (Schatten gauge
 * of a PSD matrix). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "specot/linalg.h"

static void usage_norm(FILE *out) {
  fprintf(out,
          "usage: specot norm A.npy --schatten R [--json]\n"
          "Prints the Schatten norm ||A||_{S_R} = (sum_i sigma_i^R)^(1/R) "
          "of the matrix A\n"
          "(R >= 1 or 'inf'; R = 1 nuclear, 2 Frobenius, inf operator "
          "norm).  Not squared.\n"
          "  --json   print {order, value} as JSON\n"
          "Exit: 0 ok, 2 usage, 3 bad input, 4 numerical.\n");
}

static void usage_gauge(FILE *out) {
  fprintf(out,
          "usage: specot gauge S.npy -p P [--json]\n"
          "Prints the Schatten gauge gamma_p(S) = (tr S^p)^(1/p) (p = inf: "
          "lambda_max) of\n"
          "the symmetric PSD matrix S, for P >= 1/2 or 'inf'; gamma_p(a a^T) = "
          "|a|^2.\n"
          "S must be symmetric and PSD to 1e-12 relative to ||S||_2.\n"
          "  --json   print {p, value} as JSON\n"
          "Exit: 0 ok, 2 usage, 3 bad input (e.g. not PSD), 4 numerical.\n");
}

/* Shared driver: parses IN and one numeric option `opt`, then evaluates. */
static int run(const char *cmd, const char *opt, int argc, char **argv, void (*usage)(FILE *)) {
  const char *in = NULL;
  double r = NAN;
  int json = 0, npos = 0, rc = CLI_EXIT_OK;
  for (int i = 1; i < argc && !rc; ++i) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      usage(stdout);
      return CLI_EXIT_OK;
    } else if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, opt) == 0) {
      rc = strcmp(cmd, "gauge") == 0
               ? cli_opt_double(cmd, argc, argv, &i, &r, 0.5, INFINITY, "a number >= 1/2 or 'inf'")
               : cli_opt_double(cmd, argc, argv, &i, &r, 1.0, INFINITY, "a number >= 1 or 'inf'");
    } else {
      rc = cli_positional(cmd, a, &in, 1, &npos);
    }
  }
  if (rc) return rc;
  if (!in) return cli_usage_error(cmd, "needs an input matrix");
  if (isnan(r)) return cli_usage_error(cmd, "needs %s", opt);
  specot_array A = {0};
  if ((rc = cli_read_array(cmd, in, &A))) return rc;
  specot_ctx *ctx = specot_ctx_alloc();
  double value = 0.0;
  specot_status st;
  const int is_gauge = strcmp(cmd, "gauge") == 0;
  if (is_gauge) {
    if (A.rows != A.cols) {
      fprintf(stderr, "specot gauge: error: S must be square, got %zux%zu\n", A.rows, A.cols);
      specot_ctx_free(ctx);
      specot_array_free(&A);
      return CLI_EXIT_INPUT;
    }
    st = specot_linalg_schatten_gauge(ctx, NULL, A.data, A.rows, r, &value);
  } else {
    st = specot_linalg_schatten_norm(ctx, NULL, A.data, A.rows, A.cols, r, &value);
  }
  if (st < 0) {
    rc = cli_report_files(cmd, ctx, st, in, NULL);
  } else if (json) {
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_num(&j, is_gauge ? "p" : "order", r);
    cli_json_num(&j, "value", value);
    cli_json_end(&j);
  } else {
    printf("%.17g\n", value);
  }
  specot_ctx_free(ctx);
  specot_array_free(&A);
  return rc;
}

int cmd_norm(int argc, char **argv) {
  return run("norm", "--schatten", argc, argv, usage_norm);
}

int cmd_gauge(int argc, char **argv) {
  return run("gauge", "-p", argc, argv, usage_gauge);
}
