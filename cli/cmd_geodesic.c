/* `specot geodesic`: displacement interpolation mu_t from an optimal
 * spectral transport plan. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spectral_cli.h"

static const char CMD[] = "geodesic";

static void usage(FILE *out) {
  fprintf(out,
          "usage: specot geodesic X Y (-p P | --kyfan K) -t T -o Z [--weights-out W]\n"
          "                       [--a a] [--b b] [--tol T] [--max-iter N] [--quiet]\n"
          "Solves W_gamma between X (n x d) and Y (m x d), then writes the geodesic point\n"
          "mu_t: atoms Z = (1-t) x_i + t y_j (one per plan nonzero) and weights pi_ij.\n"
          "With an optimal plan, W(mu_s, mu_t) = |t - s| W(mu_0, mu_1).\n"
          "Options:\n"
          "  -p P | --kyfan K  Schatten exponent (1 <= P <= inf) or Ky Fan order (1 <= K <= d)\n"
          "  -t T              time in [0, 1] (0 gives X, 1 gives Y)\n"
          "  -o Z              atoms of mu_t (nnz x d; .npy or .csv)\n"
          "  --weights-out W   their weights pi_ij (nnz values)\n"
          "  --a FILE, --b FILE  weights of X and Y (default uniform)\n"
          "  --tol T           relative gap target of the transport solve (default 1e-6)\n"
          "  --max-iter N      cap on OT calls (default 1000)\n"
          "  --quiet           no progress line on stderr\n"
          "Exit: 0 ok, 2 usage, 3 bad input, 4 numerical.\n");
}

int cmd_geodesic(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    usage(stdout);
    return CLI_EXIT_OK;
  }
  const char *pos[2] = {NULL, NULL}, *out = NULL, *wout = NULL, *pa = NULL, *pb = NULL;
  specot_gauge gauge;
  int have = 0, npos = 0, quiet = 0, rc = CLI_EXIT_OK;
  double t = NAN;
  specot_spectral_opts opts;
  specot_spectral_opts_init(&opts);
  for (int i = 1; i < argc && !rc; ++i) {
    const int g = cli_spectral_option(CMD, argc, argv, &i, &gauge, &have, &opts, &quiet);
    if (g < 0) return -g;
    if (g > 0) continue;
    const char *o = argv[i];
    if (strcmp(o, "-t") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &t, 0.0, 1.0, "a number in [0, 1]");
    } else if (strcmp(o, "-o") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &out);
    } else if (strcmp(o, "--weights-out") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &wout);
    } else if (strcmp(o, "--a") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &pa);
    } else if (strcmp(o, "--b") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &pb);
    } else {
      rc = cli_positional(CMD, o, pos, 2, &npos);
    }
  }
  if (rc) return rc;
  if (npos != 2) return cli_usage_error(CMD, "expected two point files X and Y");
  if (!have) return cli_usage_error(CMD, "give the gauge with -p P or --kyfan K");
  if (isnan(t) || !out) return cli_usage_error(CMD, "-t T and -o FILE are required");
  if ((rc = cli_check_output(CMD, "-o", out)) || (rc = cli_check_output(CMD, "--weights-out", wout)))
    return rc;
  specot_array X = {0}, Y = {0}, a = {0}, b = {0};
  double *Z = NULL, *w = NULL;
  specot_ctx *ctx = NULL;
  specot_spectral_ws *ws = NULL;
  if ((rc = cli_read_points(CMD, pos[0], pos[1], &X, &Y)) ||
      (rc = cli_read_weights(CMD, pa, X.rows, "--a", &a)) ||
      (rc = cli_read_weights(CMD, pb, Y.rows, "--b", &b)) ||
      (rc = cli_check_masses(CMD, pa, &a, pb, &b)))
    goto done;
  ctx = specot_ctx_alloc();
  ws = ctx ? specot_spectral_ws_alloc(ctx, X.rows, Y.rows, X.cols, 0) : NULL;
  if (!ws) {
    rc = ctx ? cli_report_files(CMD, ctx, specot_ctx_status(ctx), pos[0], pos[1]) : cli_out_of_memory(CMD);
    goto done;
  }
  cli_progress ps;
  cli_progress_begin(&ps, CMD, &opts, quiet);
  specot_spectral_result res;
  specot_status st =
      specot_spectral_solve(ctx, ws, &gauge, X.data, a.data, Y.data, b.data, &opts, &res);
  cli_spectral_progress_end(&ps);
  if (st < 0) {
    rc = cli_report_files(CMD, ctx, st, pos[0], pos[1]);
    goto done;
  }
  if (!quiet) cli_warn(CMD, ctx, st);
  Z = malloc((res.plan_nnz * X.cols + 1) * sizeof *Z);
  w = malloc((res.plan_nnz + 1) * sizeof *w);
  if (!Z || !w) {
    rc = cli_out_of_memory(CMD);
    goto done;
  }
  st = specot_spectral_geodesic(ctx, X.data, X.rows, Y.data, Y.rows, X.cols, res.plan_rows,
                                res.plan_cols, res.plan_mass, res.plan_nnz, t, Z, w);
  if (st < 0) {
    rc = cli_report(CMD, ctx, st);
    goto done;
  }
  rc = cli_write_array(CMD, out, Z, res.plan_nnz, X.cols, 2);
  if (!rc && wout) rc = cli_write_array(CMD, wout, w, res.plan_nnz, 1, 1);
  if (!rc)
    printf("t %.6g: %zu atoms written to %s; W^2(mu_0, mu_1) = %.15g (relative gap %.3g)\n", t,
           res.plan_nnz, out, res.squared_cost, res.relative_gap);
done:
  specot_spectral_ws_free(ws);
  specot_ctx_free(ctx);
  free(Z);
  free(w);
  specot_array_free(&X);
  specot_array_free(&Y);
  specot_array_free(&a);
  specot_array_free(&b);
  return rc;
}
