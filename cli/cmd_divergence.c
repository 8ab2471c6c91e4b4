/* `specot divergence`: debiased Sinkhorn divergence between two point clouds, with gradients. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "specot/ot.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: specot divergence X.npy Y.npy --eps E [--a a.npy] [--b b.npy] [--scale S]\n"
          "                         [--tol T] [--grad gX.npy] [--grad-y gY.npy] [--json]\n"
          "Debiased Sinkhorn divergence S = OT_eps(mu,nu) - OT_eps(mu,mu)/2 - OT_eps(nu,nu)/2\n"
          "with OT_eps = min <pi,C> + eps KL(pi | a b) and C_ij = S |x_i - y_j|^2.\n"
          "Options:\n"
          "  --eps E      regularisation, absolute (required)\n"
          "  --scale S    cost scale (default 1, POT's ot.dist; 0.5 = GeomLoss p = 2)\n"
          "  --tol T      L1 marginal violation of each of the three problems (default 1e-9)\n"
          "  --grad F     gradient with respect to X (n x d): 2 S a_i (T_xx(x_i) - T_xy(x_i))\n"
          "  --grad-y F   gradient with respect to Y (m x d)\n"
          "  --json       print value, ot_xy, ot_xx, ot_yy, status, iterations, marginal_error\n");
}

int cmd_divergence(int argc, char **argv) {
  const char *xs = NULL, *ys = NULL, *as = NULL, *bs = NULL, *gx = NULL, *gy = NULL;
  double eps = 0.0, scale = 1.0, tol = 0.0;
  int json = 0, have_eps = 0, have_tol = 0;
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i], *v;
    if (cli_is_help(arg)) {
      usage(stdout);
      return CLI_EXIT_OK;
    } else if (strcmp(arg, "--json") == 0) {
      json = 1;
    } else if (strcmp(arg, "--eps") == 0 || strcmp(arg, "--scale") == 0 ||
               strcmp(arg, "--tol") == 0) {
      if (!(v = cli_option_value("divergence", argc, argv, &i))) return CLI_EXIT_USAGE;
      double *dst = arg[2] == 'e' ? &eps : arg[2] == 's' ? &scale : &tol;
      if (cli_parse_double(v, dst) != 0)
        return cli_usage_error("divergence", "bad value '%s' for %s", v, arg);
      if (arg[2] == 'e') have_eps = 1;
      if (arg[2] == 't') have_tol = 1;
    } else if (strcmp(arg, "--a") == 0 || strcmp(arg, "--b") == 0 ||
               strcmp(arg, "--grad") == 0 || strcmp(arg, "--grad-y") == 0) {
      if (!(v = cli_option_value("divergence", argc, argv, &i))) return CLI_EXIT_USAGE;
      if (strcmp(arg, "--a") == 0) as = v;
      else if (strcmp(arg, "--b") == 0) bs = v;
      else if (strcmp(arg, "--grad") == 0) gx = v;
      else gy = v;
    } else if (arg[0] == '-' && arg[1] != '\0') {
      return cli_usage_error("divergence", "unknown option '%s'", arg);
    } else if (!xs) {
      xs = arg;
    } else if (!ys) {
      ys = arg;
    } else {
      return cli_usage_error("divergence", "unexpected argument '%s'", arg);
    }
  }
  if (!xs || !ys) return cli_usage_error("divergence", "needs two point files X and Y");
  if (!have_eps) return cli_usage_error("divergence", "--eps is required");
  specot_array X = {0}, Y = {0}, A = {0}, B = {0};
  double *gradx = NULL, *grady = NULL;
  specot_ctx *ctx = NULL;
  int rc;
  if ((rc = cli_read_array("divergence", xs, &X)) || (rc = cli_read_array("divergence", ys, &Y)))
    goto done;
  if (X.cols != Y.cols) {
    fprintf(stderr, "specot divergence: error: X has d = %zu columns but Y has %zu\n", X.cols,
            Y.cols);
    rc = CLI_EXIT_INPUT;
    goto done;
  }
  if (as && (rc = cli_read_array("divergence", as, &A))) goto done;
  if (bs && (rc = cli_read_array("divergence", bs, &B))) goto done;
  if ((as && A.rows * A.cols != X.rows) || (bs && B.rows * B.cols != Y.rows)) {
    fprintf(stderr, "specot divergence: error: weights must have n = %zu and m = %zu entries\n",
            X.rows, Y.rows);
    rc = CLI_EXIT_INPUT;
    goto done;
  }
  gradx = gx ? malloc(X.rows * X.cols * sizeof *gradx) : NULL;
  grady = gy ? malloc(Y.rows * Y.cols * sizeof *grady) : NULL;
  ctx = specot_ctx_alloc();
  if ((gx && !gradx) || (gy && !grady) || !ctx) {
    rc = CLI_EXIT_NUMERICAL;
    goto done;
  }
  specot_ot_sinkhorn_opts opts;
  specot_ot_sinkhorn_opts_init(&opts);
  if (have_tol) opts.tol = tol;
  specot_ot_divergence_result res;
  const specot_status st =
      specot_ot_divergence(ctx, X.rows, Y.rows, X.cols, X.data, as ? A.data : NULL, Y.data,
                           bs ? B.data : NULL, scale, eps, &opts, gradx, grady, NULL, NULL, &res);
  if (st < 0) {
    rc = cli_report("divergence", ctx, st);
    goto done;
  }
  cli_warn("divergence", ctx, st);
  if (gx && (rc = cli_write_array("divergence", gx, gradx, X.rows, X.cols, 2))) goto done;
  if (gy && (rc = cli_write_array("divergence", gy, grady, Y.rows, Y.cols, 2))) goto done;
  if (json) {
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_num(&j, "value", res.value);
    cli_json_num(&j, "ot_xy", res.ot_xy);
    cli_json_num(&j, "ot_xx", res.ot_xx);
    cli_json_num(&j, "ot_yy", res.ot_yy);
    cli_json_num(&j, "eps", eps);
    cli_json_num(&j, "scale", scale);
    cli_json_str(&j, "status", st == SPECOT_OK ? "converged" : "max_iter");
    cli_json_int(&j, "status_code", st);
    cli_json_int(&j, "iterations", (long long)res.iterations);
    cli_json_num(&j, "marginal_error", res.marginal_error);
    cli_json_end(&j);
  } else {
    printf("divergence %.17g (eps %g, %zu iterations)\n", res.value, eps, res.iterations);
  }
done:
  specot_ctx_free(ctx);
  free(gradx);
  free(grady);
  specot_array_free(&X);
  specot_array_free(&Y);
  specot_array_free(&A);
  specot_array_free(&B);
  return rc;
}
