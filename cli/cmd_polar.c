/* `specot polar`: polar factor of a matrix (exact, Newton–Schulz or
 * regularized). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "specot/linalg.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: specot polar G.npy [--method M] [--steps K] [--eps E] [--rtol "
          "R]\n"
          "                    [-o Q.npy] [--json]\n"
          "Orthogonalizes the m x n matrix G.  Methods:\n"
          "  auto (default)  exact polar factor U_r W_r^T: Gram route (G^T G "
          "eigen) when\n"
          "                  cond(G) <= 1e3, else SVD\n"
          "  svd | gram      exact polar factor by that route (rank cut-off "
          "--rtol)\n"
          "  ns5             Keller Jordan's quintic Newton–Schulz "
          "(3.4445,-4.7750,2.0315)\n"
          "  polar-express   Polar Express schedule (1.01 safety)\n"
          "  cubic           classical cubic Newton–Schulz (1.5,-0.5)\n"
          "  regularized     O_eps(G) = G (G^T G + eps I)^{-1/2} (needs --eps)\n"
          "Newton–Schulz runs K steps (default 5) on G/||G||_F in double "
          "precision.\n"
          "Options:\n"
          "  --steps K   Newton–Schulz steps (>= 0, default 5)\n"
          "  --eps E     regularization eps > 0 (regularized only)\n"
          "  --rtol R    rank cut-off relative to sigma_max (svd/gram/auto; "
          "default\n"
          "              eps*max(m,n))\n"
          "  -o Q.npy    write the result (.npy or .csv by extension)\n"
          "  --json      print {method, steps, sigma_min, sigma_max, orth_error} "
          "as JSON,\n"
          "              where orth_error = ||Q^T Q - I|| on the range of Q\n"
          "              (= max |sigma_i^2 - 1| over sigma_i > "
          "eps*max(m,n)*sigma_max)\n"
          "Exit: 0 ok, 2 usage, 3 bad input, 4 numerical.\n");
}

int cmd_polar(int argc, char **argv) {
  static const char CMD[] = "polar";
  const char *in = NULL, *out = NULL, *method = "auto";
  double eps = NAN, rtol = SPECOT_LINALG_RTOL_DEFAULT;
  size_t steps = 5;
  int json = 0, steps_given = 0, npos = 0, rc = CLI_EXIT_OK;
  for (int i = 1; i < argc && !rc; ++i) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      usage(stdout);
      return CLI_EXIT_OK;
    } else if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, "--method") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &method);
    } else if (strcmp(a, "--steps") == 0) {
      rc = cli_opt_size(CMD, argc, argv, &i, &steps, 0, 100000, "an integer in 0..100000");
      steps_given = 1;
    } else if (strcmp(a, "--eps") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &eps, -INFINITY, INFINITY, NULL);
    } else if (strcmp(a, "--rtol") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &rtol, 0.0, INFINITY, "a number >= 0");
    } else if (strcmp(a, "-o") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &out);
    } else {
      rc = cli_positional(CMD, a, &in, 1, &npos);
    }
  }
  if (rc) return rc;
  if (!in) return cli_usage_error(CMD, "needs an input matrix G");
  int exact = -1, ns = -1, reg = 0;
  if (strcmp(method, "auto") == 0)
    exact = SPECOT_LINALG_POLAR_AUTO;
  else if (strcmp(method, "svd") == 0)
    exact = SPECOT_LINALG_POLAR_SVD;
  else if (strcmp(method, "gram") == 0)
    exact = SPECOT_LINALG_POLAR_GRAM;
  else if (strcmp(method, "ns5") == 0)
    ns = SPECOT_LINALG_NS_KJ5;
  else if (strcmp(method, "polar-express") == 0)
    ns = SPECOT_LINALG_NS_POLAR_EXPRESS;
  else if (strcmp(method, "cubic") == 0)
    ns = SPECOT_LINALG_NS_CUBIC;
  else if (strcmp(method, "regularized") == 0)
    reg = 1;
  else
    return cli_usage_error(CMD, "unknown --method '%s'", method);
  if (reg && isnan(eps)) return cli_usage_error(CMD, "--method regularized needs --eps");
  if (!reg && !isnan(eps)) return cli_usage_error(CMD, "--eps applies to regularized only");
  if (steps_given && ns < 0) return cli_usage_error(CMD, "--steps applies to Newton–Schulz");
  static const char *const rtol_opt[] = {"--rtol", NULL};
  if (exact < 0 && (rc = cli_reject_options(CMD, argc, argv, rtol_opt, "this --method (svd, gram, auto only)")))
    return rc;

  specot_array G = {0};
  if ((rc = cli_read_array(CMD, in, &G))) return rc;
  const size_t m = G.rows, n = G.cols, k = m < n ? m : n;
  specot_ctx *ctx = specot_ctx_alloc();
  double *Q = calloc((m * n) + 1, sizeof *Q), *sv = calloc(k + 1, sizeof *sv);
  if (!ctx || !Q || !sv) {
    rc = cli_out_of_memory(CMD);
    goto done;
  }
  specot_status st;
  const char *used = method;
  if (exact >= 0) {
    specot_linalg_polar_opts o;
    specot_linalg_polar_opts_init(&o);
    o.method = (specot_linalg_polar_method)exact;
    o.rtol = rtol;
    specot_linalg_polar_method um = SPECOT_LINALG_POLAR_SVD;
    st = specot_linalg_polar(ctx, NULL, G.data, m, n, &o, Q, &um);
    used = um == SPECOT_LINALG_POLAR_GRAM ? "gram" : "svd";
  } else if (ns >= 0) {
    specot_linalg_ns_opts o;
    specot_linalg_ns_opts_init(&o);
    o.schedule = (specot_linalg_ns_schedule)ns;
    o.steps = steps;
    st = specot_linalg_newton_schulz(ctx, NULL, G.data, m, n, &o, Q);
  } else {
    st = specot_linalg_reg_polar(ctx, NULL, G.data, m, n, eps, Q, NULL);
  }
  if (st >= 0) st = specot_linalg_singular_values(ctx, NULL, Q, m, n, sv);
  if (st < 0) {
    rc = cli_report_files(CMD, ctx, st, in, NULL);
    goto done;
  }
  if (out && (rc = cli_write_array(CMD, out, Q, m, n, G.ndim == 2 ? 2 : 1))) goto done;
  const double cut = DBL_EPSILON * (double)(m > n ? m : n) * sv[0];
  double orth = 0.0;
  for (size_t i = 0; i < k; ++i)
    if (sv[i] > cut) orth = fmax(orth, fabs((sv[i] - 1.0) * (sv[i] + 1.0)));
  if (json) {
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_str(&j, "method", used);
    cli_json_int(&j, "steps", ns >= 0 ? (long long)steps : 0);
    if (reg) cli_json_num(&j, "eps", eps);
    cli_json_int(&j, "rows", (long long)m);
    cli_json_int(&j, "cols", (long long)n);
    cli_json_num(&j, "sigma_min", sv[k - 1]);
    cli_json_num(&j, "sigma_max", sv[0]);
    cli_json_num(&j, "orth_error", orth);
    cli_json_end(&j);
  } else {
    printf(
        "polar (%s): singular values in [%.17g, %.17g], ||Q^T Q - I|| on "
        "range %.3g\n",
        used, sv[k - 1], sv[0], orth);
  }
done:
  free(Q);
  free(sv);
  specot_ctx_free(ctx);
  specot_array_free(&G);
  return rc;
}
