/* `specot dpcert`: mean-field DP certificates of an SHK sampler of the
 * exponential mechanism (include/specot/dpcert.h), and the certificate output
 * shared with `specot shk --target expmech`. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "shk_cli.h"

static void usage(FILE *out) {
  fprintf(
      out,
      "usage: specot dpcert --du DU --eps0 E0 --t T [--lambda L] [--K K] [--U U | --M M]\n"
      "                     [--monotone] [--reaction-only] [--kl KL] [--d D | --n-out N]\n"
      "                     [--eps 0,0.1,...] [--delta 1e-5,...] [--particles N] [--stride S]\n"
      "                     [--json]\n"
      "Privacy of one draw from the mean-field SHK law rho_t targeting the exponential\n"
      "mechanism pi_D ~ exp(-E0 u(D,.)/(2 DU)), run for time T from a data-independent start.\n"
      "  --du DU          sensitivity of the loss u (> 0, required)\n"
      "  --eps0 E0        exponential-mechanism epsilon (> 0, required)\n"
      "  --t T            flow time (>= 0, required; steps x dt for a sampler)\n"
      "  --lambda L       reaction rate (> 0, default 1)\n"
      "  --K K            generator-perturbation constant: eta_A = (Omega + 2K/L)(1 - e^{-LT})\n"
      "  --U U            loss range sup_D osc u over Theta (start uniform on Theta):\n"
      "                   M = E0 U/(2 DU), eta_B = Omega + 2 e^{-LT} M; also the utility bound\n"
      "  --M M            M directly (>= sup_D osc(log rho_0 + V_D))\n"
      "  --monotone       u monotone in the data: Omega = E0/2 (default Omega = E0)\n"
      "  --reaction-only  sampler without transport: eta_A = Omega (1 - e^{-LT}) exactly\n"
      "  --kl KL          a user KL bound (the smaller one is used)\n"
      "  --d D, --n-out N utility: intrinsic term 2 D DU/E0 (convex) or (2 DU/E0)(ln N + 1)\n"
      "  --eps LIST       eps values for delta_BR(eps) (default 0,0.1,0.25,0.5,1)\n"
      "  --delta LIST     delta targets for eps(delta) (default 1e-6,1e-5,1e-3,1e-2)\n"
      "  --particles N, --stride S  echoed in the output but NOT used: the certificate is for\n"
      "                   the mean-field law, not the N-particle system\n"
      "  --json           JSON keys eta_A, eta_B, eta, eps_pure, kl, renyi {2,4,8}, delta\n"
      "                   [{eps, delta_br, delta_pinsker}], eps_for_delta [{delta, eps}],\n"
      "                   utility (with --U), scope\n"
      "Without K and U (or M) no certificate is possible: exit 3.\n"
      "Exit: 0 ok, 2 usage, 3 no certificate possible, 4 numerical.\n");
}

void shk_cli_cert_init(shk_cli_cert *c) {
  memset(c, 0, sizeof *c);
  specot_dpcert_opts_init(&c->opts);
  const double eps[5] = {0, 0.1, 0.25, 0.5, 1}, delta[4] = {1e-6, 1e-5, 1e-3, 1e-2};
  memcpy(c->eps, eps, sizeof eps);
  c->neps = 5;
  memcpy(c->delta, delta, sizeof delta);
  c->ndelta = 4;
}

/* Arrays of objects on the cli_json writer ("key":[{...},{...}]). */
void shk_cli_json_begin_array(cli_json *j, const char *key) {
  if (!j->first) fputc(',', j->out);
  if (key) fprintf(j->out, "\"%s\":", key);
  fputc('[', j->out);
  j->first = 1;
}

void shk_cli_json_end_array(cli_json *j) {
  fputc(']', j->out);
  j->first = 0;
}

void shk_cli_cert_json(cli_json *j, const shk_cli_cert *c, const specot_dpcert *o) {
  cli_json_num(j, "eta_A", o->eta_A);
  cli_json_num(j, "eta_B", o->eta_B);
  cli_json_num(j, "eta", o->eta);
  cli_json_num(j, "eps_pure", o->eps_pure);
  cli_json_num(j, "kl", o->kl);
  cli_json_begin_object(j, "renyi");
  cli_json_num(j, "2", specot_dpcert_renyi(o->eta, 2));
  cli_json_num(j, "4", specot_dpcert_renyi(o->eta, 4));
  cli_json_num(j, "8", specot_dpcert_renyi(o->eta, 8));
  cli_json_end_object(j);
  shk_cli_json_begin_array(j, "delta");
  for (int k = 0; k < c->neps; ++k) {
    cli_json_begin_object(j, NULL);
    cli_json_num(j, "eps", c->eps[k]);
    cli_json_num(j, "delta_br", specot_dpcert_delta_br(c->eps[k], o->eta));
    cli_json_num(j, "delta_pinsker", specot_dpcert_delta_pinsker(o->kl));
    cli_json_end_object(j);
  }
  shk_cli_json_end_array(j);
  shk_cli_json_begin_array(j, "eps_for_delta");
  for (int k = 0; k < c->ndelta; ++k) {
    cli_json_begin_object(j, NULL);
    cli_json_num(j, "delta", c->delta[k]);
    cli_json_num(j, "eps", specot_dpcert_eps_br(c->delta[k], o->eta));
    cli_json_end_object(j);
  }
  shk_cli_json_end_array(j);
  if (!isnan(c->opts.U)) {
    cli_json_begin_object(j, "utility");
    cli_json_num(j, "tv", o->tv);
    cli_json_num(j, "sampling_error", o->sampling_error);
    if (!isnan(o->intrinsic)) {
      cli_json_num(j, "intrinsic", o->intrinsic);
      cli_json_num(j, "bound", o->intrinsic + o->sampling_error);
    }
    cli_json_end_object(j);
  }
  cli_json_str(j, "scope", SPECOT_DPCERT_SCOPE);
}

void shk_cli_cert_text(FILE *f, const shk_cli_cert *c, const specot_dpcert *o) {
  fprintf(f, "%s\n", SPECOT_DPCERT_SCOPE);
  fprintf(f, "eta_A %.12g  eta_B %.12g  eta = eps_pure %.12g\n", o->eta_A, o->eta_B, o->eta);
  fprintf(f, "KL <= %.12g   Renyi D_2 <= %.6g  D_4 <= %.6g  D_8 <= %.6g\n", o->kl,
          specot_dpcert_renyi(o->eta, 2), specot_dpcert_renyi(o->eta, 4),
          specot_dpcert_renyi(o->eta, 8));
  fprintf(f, "%10s %16s %16s\n", "eps", "delta_BR", "delta_Pinsker");
  for (int k = 0; k < c->neps; ++k)
    fprintf(f, "%10.4g %16.10g %16.10g\n", c->eps[k], specot_dpcert_delta_br(c->eps[k], o->eta),
            specot_dpcert_delta_pinsker(o->kl));
  fprintf(f, "%10s %16s\n", "delta", "eps(delta)");
  for (int k = 0; k < c->ndelta; ++k)
    fprintf(f, "%10.4g %16.10g\n", c->delta[k], specot_dpcert_eps_br(c->delta[k], o->eta));
  if (!isnan(c->opts.U)) {
    fprintf(f, "utility: TV(rho_t, pi_D) <= %.10g, sampling error <= %.10g", o->tv,
            o->sampling_error);
    if (!isnan(o->intrinsic))
      fprintf(f, ", intrinsic %.10g, total %.10g", o->intrinsic, o->intrinsic + o->sampling_error);
    fputc('\n', f);
  }
}

static int parse_list(const char *cmd, int argc, char **argv, int *i, double *out, int *n,
                      double lo, double hi, const char *need) {
  const char *opt = argv[*i], *v = cli_option_value(cmd, argc, argv, i);
  if (!v) return CLI_EXIT_USAGE;
  const int k = cli_parse_double_list(v, out, SHK_CLI_MAX_LIST);
  if (k <= 0)
    return cli_usage_error(cmd, "bad value '%s' for %s (need a comma-separated list, %s)", v, opt,
                           need);
  for (int t = 0; t < k; ++t)
    if (!(out[t] >= lo && out[t] <= hi))
      return cli_usage_error(cmd, "bad value '%s' for %s (need %s)", v, opt, need);
  *n = k;
  return CLI_EXIT_OK;
}

int cmd_dpcert(int argc, char **argv) {
  const char *cmd = "dpcert";
  shk_cli_cert c;
  shk_cli_cert_init(&c);
  specot_dpcert_opts *o = &c.opts;
  int json = 0, rc = 0;
  size_t dim = 0, nout = 0, particles = 0, stride = 0;
  for (int i = 1; i < argc && !rc; ++i) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      usage(stdout);
      return CLI_EXIT_OK;
    } else if (!strcmp(a, "--json"))
      json = 1;
    else if (!strcmp(a, "--monotone"))
      o->monotone = 1;
    else if (!strcmp(a, "--reaction-only"))
      o->reaction_only = 1;
    else if (!strcmp(a, "--du"))
      rc = cli_opt_double(cmd, argc, argv, &i, &o->du, DBL_TRUE_MIN, DBL_MAX, "> 0");
    else if (!strcmp(a, "--eps0"))
      rc = cli_opt_double(cmd, argc, argv, &i, &o->eps0, DBL_TRUE_MIN, DBL_MAX, "> 0");
    else if (!strcmp(a, "--t"))
      rc = cli_opt_double(cmd, argc, argv, &i, &o->t, 0, DBL_MAX, ">= 0");
    else if (!strcmp(a, "--lambda"))
      rc = cli_opt_double(cmd, argc, argv, &i, &o->lambda, DBL_TRUE_MIN, DBL_MAX, "> 0");
    else if (!strcmp(a, "--K"))
      rc = cli_opt_double(cmd, argc, argv, &i, &o->K, 0, DBL_MAX, ">= 0");
    else if (!strcmp(a, "--U"))
      rc = cli_opt_double(cmd, argc, argv, &i, &o->U, 0, DBL_MAX, ">= 0");
    else if (!strcmp(a, "--M"))
      rc = cli_opt_double(cmd, argc, argv, &i, &o->M, 0, DBL_MAX, ">= 0");
    else if (!strcmp(a, "--kl"))
      rc = cli_opt_double(cmd, argc, argv, &i, &o->kl_user, 0, INFINITY, ">= 0");
    else if (!strcmp(a, "--d"))
      rc = cli_opt_size(cmd, argc, argv, &i, &dim, 1, 1000000000, ">= 1");
    else if (!strcmp(a, "--particles"))
      rc = cli_opt_size(cmd, argc, argv, &i, &particles, 2, SIZE_MAX, ">= 2");
    else if (!strcmp(a, "--stride"))
      rc = cli_opt_size(cmd, argc, argv, &i, &stride, 1, SIZE_MAX, ">= 1");
    else if (!strcmp(a, "--n-out"))
      rc = cli_opt_size(cmd, argc, argv, &i, &nout, 1, SIZE_MAX, ">= 1");
    else if (!strcmp(a, "--eps"))
      rc = parse_list(cmd, argc, argv, &i, c.eps, &c.neps, 0, DBL_MAX, "values >= 0");
    else if (!strcmp(a, "--delta"))
      rc = parse_list(cmd, argc, argv, &i, c.delta, &c.ndelta, DBL_TRUE_MIN, 1, "values in (0, 1]");
    else
      rc = cli_positional(cmd, a, NULL, 0, &(int){0});
  }
  if (rc) return rc;
  if (isnan(o->du)) return cli_usage_error(cmd, "needs --du (the loss sensitivity)");
  if (isnan(o->eps0)) return cli_usage_error(cmd, "needs --eps0");
  if (isnan(o->t)) return cli_usage_error(cmd, "needs --t (the flow time)");
  if (dim && nout) return cli_usage_error(cmd, "give --d or --n-out, not both");
  o->d = dim;
  o->n_out = nout;
  if (isnan(o->K) && isnan(o->U) && isnan(o->M) && !o->reaction_only) {
    fprintf(stderr,
            "specot dpcert: error: no certificate possible: give --K (the derivative constant, for "
            "eta_A) or --U (the loss range, for eta_B)\n");
    return CLI_EXIT_INPUT;
  }
  specot_ctx *ctx = specot_ctx_alloc();
  if (!ctx) return cli_out_of_memory(cmd);
  specot_dpcert out;
  const specot_status st = specot_dpcert_shk(ctx, o, &out);
  if (st < 0) {
    rc = cli_report(cmd, ctx, st);
  } else if (json) {
    cli_json j;
    cli_json_begin(&j, stdout);
    shk_cli_cert_json(&j, &c, &out);
    if (particles) cli_json_int(&j, "particles", (long long)particles); /* echoed, not used */
    if (stride) cli_json_int(&j, "stride", (long long)stride);
    cli_json_end(&j);
  } else {
    shk_cli_cert_text(stdout, &c, &out);
    if (particles || stride)
      printf("(particles %zu, stride %zu: echoed, not used by the mean-field certificate)\n",
             particles, stride);
  }
  specot_ctx_free(ctx);
  return rc;
}
