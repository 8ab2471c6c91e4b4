/* `specot divergence`: debiased Sinkhorn divergence between two point clouds, with gradients. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ot_online.h"
#include "specot/ot.h"

static const char CMD[] = "divergence";

static void usage(FILE *out) {
  fprintf(out,
          "usage: specot divergence X.npy Y.npy --eps E [--a a.npy] [--b b.npy] [--scale S]\n"
          "                         [--tol T] [--grad gX.npy] [--grad-y gY.npy] [--json]\n"
          "                         [--online] [--memory-limit BYTES]\n"
          "Debiased Sinkhorn divergence S = OT_eps(mu,nu) - OT_eps(mu,mu)/2 - OT_eps(nu,nu)/2\n"
          "with OT_eps = min <pi,C> + eps KL(pi | a b) and C_ij = S |x_i - y_j|^2.\n"
          "Options:\n"
          "  --eps E      regularisation, absolute (required)\n"
          "  --scale S    cost scale (default 1, POT's ot.dist; 0.5 = GeomLoss p = 2)\n"
          "  --tol T      L1 marginal violation of each of the three problems (default 1e-9)\n"
          "  --grad F     gradient with respect to X (n x d): 2 S a_i (T_xx(x_i) - T_xy(x_i))\n"
          "  --grad-y F   gradient with respect to Y (m x d)\n"
          "  --json       print value, ot_xy, ot_xx, ot_yy, status, iterations, marginal_error\n"
          "  --online     matrix-free solver (no n x m, n x n or m x m matrix; O(n+m) memory);\n"
          "               chosen automatically when 8 (n+m)^2 bytes exceed --memory-limit\n"
          "  --memory-limit B  bytes (K/M/G/T suffixes; default: a quarter of the RAM)\n");
}

int cmd_divergence(int argc, char **argv) {
  const char *pos[2] = {NULL, NULL}, *as = NULL, *bs = NULL, *gx = NULL, *gy = NULL;
  double eps = NAN, scale = 1.0, tol = NAN;
  int json = 0, npos = 0, rc = CLI_EXIT_OK, online = 0;
  size_t mem_limit = 0;
  for (int i = 1; i < argc && !rc; ++i) {
    const char *arg = argv[i];
    if (cli_is_help(arg)) {
      usage(stdout);
      return CLI_EXIT_OK;
    } else if (strcmp(arg, "--json") == 0) {
      json = 1;
    } else if (strcmp(arg, "--eps") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &eps, -INFINITY, INFINITY, NULL);
    } else if (strcmp(arg, "--scale") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &scale, -INFINITY, INFINITY, NULL);
    } else if (strcmp(arg, "--tol") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &tol, -INFINITY, INFINITY, NULL);
    } else if (strcmp(arg, "--online") == 0) {
      online = 1;
    } else if (strcmp(arg, "--memory-limit") == 0) {
      rc = cli_opt_memory(CMD, argc, argv, &i, &mem_limit);
    } else if (strcmp(arg, "--a") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &as);
    } else if (strcmp(arg, "--b") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &bs);
    } else if (strcmp(arg, "--grad") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &gx);
    } else if (strcmp(arg, "--grad-y") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &gy);
    } else {
      rc = cli_positional(CMD, arg, pos, 2, &npos);
    }
  }
  if (rc) return rc;
  if (npos < 2) return cli_usage_error(CMD, "needs two point files X and Y");
  if (isnan(eps)) return cli_usage_error(CMD, "--eps is required");
  if ((rc = cli_check_output(CMD, "--grad", gx)) || (rc = cli_check_output(CMD, "--grad-y", gy)))
    return rc;
  specot_array X = {0}, Y = {0}, A = {0}, B = {0};
  double *gradx = NULL, *grady = NULL;
  specot_ctx *ctx = NULL;
  if ((rc = cli_read_points(CMD, pos[0], pos[1], &X, &Y)) ||
      (rc = cli_read_weights(CMD, as, X.rows, "--a", &A)) ||
      (rc = cli_read_weights(CMD, bs, Y.rows, "--b", &B)) ||
      (rc = cli_check_masses(CMD, as, &A, bs, &B)))
    goto done;
  gradx = gx ? malloc(X.rows * X.cols * sizeof *gradx) : NULL;
  grady = gy ? malloc(Y.rows * Y.cols * sizeof *grady) : NULL;
  ctx = specot_ctx_alloc();
  if ((gx && !gradx) || (gy && !grady) || !ctx) {
    rc = cli_out_of_memory(CMD);
    goto done;
  }
  specot_ot_sinkhorn_opts opts;
  specot_ot_sinkhorn_opts_init(&opts);
  if (!isnan(tol)) opts.tol = tol;
  specot_ot_divergence_result res;
  /* The dense workspace holds about (n+m)^2 doubles (3nm + n^2 + m^2). */
  online = online || specot_ot_online_preferred(X.rows + Y.rows, X.rows + Y.rows, mem_limit);
  specot_status st;
  if (online) {
    specot_ot_online_ws *ows = NULL;
    st = specot_ot_online_ws_alloc(ctx, X.rows, Y.rows, X.cols, &opts, &ows);
    if (st == SPECOT_OK)
      st = specot_ot_online_divergence_solve(ctx, ows, X.data, as ? A.data : NULL, Y.data,
                                             bs ? B.data : NULL, scale, eps, &opts, gradx, grady,
                                             NULL, NULL, &res);
    specot_ot_online_ws_free(ows);
  } else {
    st =
        specot_ot_divergence(ctx, X.rows, Y.rows, X.cols, X.data, as ? A.data : NULL, Y.data,
                             bs ? B.data : NULL, scale, eps, &opts, gradx, grady, NULL, NULL, &res);
  }
  if (st < 0) {
    rc = cli_report_files(CMD, ctx, st, pos[0], pos[1]);
    goto done;
  }
  cli_warn(CMD, ctx, st);
  if (gx && (rc = cli_write_array(CMD, gx, gradx, X.rows, X.cols, 2))) goto done;
  if (gy && (rc = cli_write_array(CMD, gy, grady, Y.rows, Y.cols, 2))) goto done;
  if (json) {
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_str(&j, "solver", online ? "online" : "dense");
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
