/* `specot muon-step`: one discrete Muon optimizer step on a weight matrix. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "specot/flows.h"
#include "specot/linalg.h"

#define CMD "muon-step"

static void usage(FILE *out) {
  fprintf(
      out,
      "usage: specot muon-step W.npy G.npy -o W_NEW.npy [--state M.npy]\n"
      "                        [--convention kj|torch|torch-rms|moonlight] [--lr LR]\n"
      "                        [--beta B] [--wd WD] [--no-nesterov] [--ortho "
      "ns5|polar|regularized]\n"
      "                        [--eps E] [--ns-steps K] [--json]\n"
      "Applies one Muon step to the rows x cols weight matrix W with gradient G:\n"
      "  kj, torch (EMA momentum):  M <- beta M + (1-beta) G;  U = (1-beta) G + beta M (Nesterov)\n"
      "  moonlight (sum momentum):  M <- beta M + G;           U = G + beta M (Nesterov)\n"
      "  O = NS5(U) (Keller Jordan quintic, 5 steps, double precision)\n"
      "  W <- W (1 - lr wd) - lr s O,  s = sqrt(max(1, rows/cols)) (kj, torch) or\n"
      "                                 0.2 sqrt(max(rows, cols)) (torch-rms, moonlight)\n"
      "Defaults: kj lr 0.02 wd 0; torch, torch-rms, moonlight lr 1e-3 wd 0.1; beta 0.95.\n"
      "Options:\n"
      "  -o W_NEW.npy   updated weights (.npy or .csv)\n"
      "  --state M.npy  momentum buffer: read if the file exists (zeros otherwise) and\n"
      "                 overwritten (atomically) with the updated momentum\n"
      "  --ortho O      ns5 (default), polar (exact U_r V_r^T) or regularized\n"
      "                 (O_eps(U) = U (U^T U + eps I)^{-1/2}, needs --eps)\n"
      "  --json         print {convention, lr, scale, update_sigma_min, update_sigma_max}\n"
      "Exit: 0 ok, 2 usage, 3 bad input, 4 numerical.\n");
}

int cmd_muon_step(int argc, char **argv) {
  const char *pos[2] = {NULL, NULL}, *out = NULL, *state = NULL, *conv = "kj", *ortho = "ns5";
  double lr = NAN, beta = NAN, wd = NAN, eps = NAN;
  size_t ns_steps = 5;
  int json = 0, nesterov = 1, npos = 0, rc = CLI_EXIT_OK;
  for (int i = 1; i < argc && !rc; ++i) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      usage(stdout);
      return CLI_EXIT_OK;
    } else if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, "--no-nesterov") == 0) {
      nesterov = 0;
    } else if (strcmp(a, "-o") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &out);
    } else if (strcmp(a, "--state") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &state);
    } else if (strcmp(a, "--convention") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &conv);
    } else if (strcmp(a, "--ortho") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &ortho);
    } else if (strcmp(a, "--ns-steps") == 0) {
      rc = cli_opt_size(CMD, argc, argv, &i, &ns_steps, 0, SIZE_MAX, NULL);
    } else if (strcmp(a, "--lr") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &lr, -DBL_MAX, DBL_MAX, "a finite number");
    } else if (strcmp(a, "--beta") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &beta, -DBL_MAX, DBL_MAX, "a finite number");
    } else if (strcmp(a, "--wd") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &wd, -DBL_MAX, DBL_MAX, "a finite number");
    } else if (strcmp(a, "--eps") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &eps, -DBL_MAX, DBL_MAX, "a finite number");
    } else {
      rc = cli_positional(CMD, a, pos, 2, &npos);
    }
  }
  if (rc) return rc;
  if (npos < 2) return cli_usage_error(CMD, "needs the weights W and the gradient G");
  if (!out) return cli_usage_error(CMD, "needs -o W_NEW.npy");
  if ((rc = cli_check_output(CMD, "-o", out)) || (rc = cli_check_output(CMD, "--state", state)))
    return rc;
  const char *wpath = pos[0], *gpath = pos[1];
  specot_muon_convention c;
  if (strcmp(conv, "kj") == 0)
    c = SPECOT_MUON_KJ;
  else if (strcmp(conv, "torch") == 0)
    c = SPECOT_MUON_TORCH;
  else if (strcmp(conv, "torch-rms") == 0)
    c = SPECOT_MUON_TORCH_MATCH_RMS;
  else if (strcmp(conv, "moonlight") == 0)
    c = SPECOT_MUON_MOONLIGHT;
  else
    return cli_usage_error(CMD, "unknown convention '%s' (kj, torch, torch-rms, moonlight)", conv);
  specot_muon_opts o;
  specot_muon_opts_init(&o, c);
  if (strcmp(ortho, "ns5") == 0)
    o.ortho = SPECOT_MUON_ORTHO_NS5;
  else if (strcmp(ortho, "polar") == 0)
    o.ortho = SPECOT_MUON_ORTHO_POLAR;
  else if (strcmp(ortho, "regularized") == 0)
    o.ortho = SPECOT_MUON_ORTHO_REGULARIZED;
  else
    return cli_usage_error(CMD, "unknown orthogonalization '%s' (ns5, polar, regularized)", ortho);
  static const char *const eps_opt[] = {"--eps", NULL}, *const steps_opt[] = {"--ns-steps", NULL};
  if (o.ortho != SPECOT_MUON_ORTHO_REGULARIZED &&
      (rc = cli_reject_options(CMD, argc, argv, eps_opt, "this --ortho (regularized only)")))
    return rc;
  if (o.ortho != SPECOT_MUON_ORTHO_NS5 &&
      (rc = cli_reject_options(CMD, argc, argv, steps_opt, "this --ortho (ns5 only)")))
    return rc;
  if (!isnan(lr)) o.lr = lr;
  if (!isnan(beta)) o.beta = beta;
  if (!isnan(wd)) o.weight_decay = wd;
  if (!isnan(eps))
    o.eps = eps;
  else if (o.ortho == SPECOT_MUON_ORTHO_REGULARIZED)
    return cli_usage_error(CMD, "--ortho regularized needs --eps");
  o.nesterov = nesterov;
  o.ns_steps = ns_steps < 1000 ? (int)ns_steps : 1000;
  specot_array W = {0}, G = {0}, M = {0};
  rc = cli_read_array(CMD, wpath, &W);
  if (!rc) rc = cli_read_matrix(CMD, gpath, W.rows, W.cols, "gradient G", &G);
  if (!rc && state && access(state, F_OK) == 0)
    rc = cli_read_matrix(CMD, state, W.rows, W.cols, "momentum state", &M);
  double *mom = NULL, *upd = NULL;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_muon_ws *ws = NULL;
  if (!rc) {
    mom = M.data ? M.data : calloc(W.rows * W.cols, sizeof *mom);
    upd = malloc(W.rows * W.cols * sizeof *upd);
    if (!mom || !upd) rc = cli_out_of_memory(CMD);
  }
  specot_status st = SPECOT_OK;
  if (!rc) st = specot_muon_ws_alloc(ctx, W.rows, W.cols, &ws);
  if (!rc && !st) st = specot_muon_step(ctx, &o, ws, W.rows, W.cols, W.data, mom, G.data, upd);
  if (!rc && st) rc = cli_report(CMD, ctx, st);
  if (!rc) rc = cli_write_array(CMD, out, W.data, W.rows, W.cols, 2);
  if (!rc && state) rc = cli_write_array(CMD, state, mom, W.rows, W.cols, 2);
  if (!rc && json) {
    const size_t k = W.rows < W.cols ? W.rows : W.cols;
    double *s = malloc(k * sizeof *s);
    if (s && specot_linalg_singular_values(ctx, NULL, upd, W.rows, W.cols, s) == SPECOT_OK) {
      double scale = 1.0;
      if (o.scale == SPECOT_MUON_SCALE_ORIGINAL)
        scale = sqrt(fmax(1.0, (double)W.rows / (double)W.cols));
      else if (o.scale == SPECOT_MUON_SCALE_RMS)
        scale = 0.2 * sqrt((double)(W.rows > W.cols ? W.rows : W.cols));
      cli_json j;
      cli_json_begin(&j, stdout);
      cli_json_str(&j, "convention", conv);
      cli_json_str(&j, "ortho", ortho);
      cli_json_num(&j, "lr", o.lr);
      cli_json_num(&j, "weight_decay", o.weight_decay);
      cli_json_num(&j, "beta", o.beta);
      cli_json_bool(&j, "nesterov", o.nesterov);
      cli_json_num(&j, "scale", scale);
      cli_json_num(&j, "update_sigma_max", s[0]);
      cli_json_num(&j, "update_sigma_min", s[k - 1]);
      cli_json_end(&j);
    }
    free(s);
  }
  if (!M.data) free(mom);
  free(upd);
  specot_muon_ws_free(ws);
  specot_ctx_free(ctx);
  specot_array_free(&W);
  specot_array_free(&G);
  specot_array_free(&M);
  return rc;
}
