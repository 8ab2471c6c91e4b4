/* `specot sdot`: semi-discrete OT from the cube or the Gaussian to weighted points. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "specot/sdot.h"

static const char CMD[] = "sdot";

static void usage(FILE *out) {
  fprintf(
      out,
      "usage: specot sdot Y.npy [--nu nu.npy] [--source cube|gauss] [--solver adam|asgd|newton]\n"
      "                   [--samples N] [--steps K] [--seed S] [--lr LR] [--tol T] -o h.npy "
      "[--json]\n"
      "Semi-discrete OT from mu (uniform on [-1/2,1/2]^d, or N(0,I)) to sum_j nu_j delta_{y_j}:\n"
      "Brenier heights h with cells {x : <x,y_j> + h_j maximal} of mass nu_j (mean(h) = 0).\n"
      "Options:\n"
      "  --nu F          target weights (n, > 0, summing to 1; default uniform)\n"
      "  --source S      cube (default) or gauss\n"
      "  --solver S      adam (pyOMT's Adam, default), asgd (averaged SGD on the semi-dual),\n"
      "                  newton (exact damped Newton; d = 1, or d = 2 with the cube)\n"
      "  --samples N     training points per step (default 10000 adam, 1000 asgd)\n"
      "  --steps K       step cap (default 20000; newton: iteration cap, default 100)\n"
      "  --seed S        seed of the training and evaluation streams (default 1)\n"
      "  --lr LR         adam learning rate (default 1e-3) / asgd step constant (default 1)\n"
      "  --lr-decay T0   adam: lr/(1 + t/T0) (default 0 = constant)\n"
      "  --average-from K adam: Polyak average of h from step K (default 0 = off)\n"
      "  --bias-correction  adam: Adam's bias correction (off in pyOMT)\n"
      "  --qmc           adam: the same Halton points every step (pyOMT's reset Sobol)\n"
      "  --patience K    adam: double the points per step after K steps without progress\n"
      "                  of the training ||g|| (pyOMT: 30, the default; 0 = off)\n"
      "  --max-batches B adam: cap of the doubling, in multiples of --samples (default 64)\n"
      "  --eps E         asgd: entropic regularisation (default 0)\n"
      "  --tol T         stop at this max relative cell error (default 0.05; newton 1e-10)\n"
      "  --eval-samples M independent evaluation sample (default 100000)\n"
      "  -o F            heights h (n values), required\n"
      "  --json          print w2, max_rel_cell_error, empty_cells, iterations, solver, ...\n"
      "The cell error is measured on an independent evaluation sample (exactly for newton).\n");
}

typedef struct sdot_args {
  const char *y, *nu, *out, *solver;
  specot_sdot_source source;
  size_t samples, steps, eval, average_from, patience, max_batches;
  uint64_t seed;
  double lr, lr_decay, tol, eps;
  int json, bias, qmc, drag;
} sdot_args;

static int parse(int argc, char **argv, sdot_args *a) {
  const char *pos[1] = {NULL}, *src = "cube";
  int npos = 0, rc = 0;
  size_t seed = 1;
  memset(a, 0, sizeof *a);
  a->solver = "adam", a->lr = NAN, a->tol = NAN, a->eval = 100000;
  a->patience = 30, a->max_batches = 64;
  for (int i = 1; i < argc && !rc; ++i) {
    const char *arg = argv[i];
    if (cli_is_help(arg)) {
      usage(stdout);
      return -1;
    } else if (!strcmp(arg, "--json")) {
      a->json = 1;
    } else if (!strcmp(arg, "--bias-correction")) {
      a->bias = 1;
    } else if (!strcmp(arg, "--qmc")) {
      a->qmc = 1;
    } else if (!strcmp(arg, "--drag")) {
      a->drag = 1;
    } else if (!strcmp(arg, "--nu")) {
      rc = cli_opt_str(CMD, argc, argv, &i, &a->nu);
    } else if (!strcmp(arg, "-o")) {
      rc = cli_opt_str(CMD, argc, argv, &i, &a->out);
    } else if (!strcmp(arg, "--source")) {
      rc = cli_opt_str(CMD, argc, argv, &i, &src);
    } else if (!strcmp(arg, "--solver")) {
      rc = cli_opt_str(CMD, argc, argv, &i, &a->solver);
    } else if (!strcmp(arg, "--samples")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &a->samples, 1, (size_t)1 << 40, ">= 1");
    } else if (!strcmp(arg, "--steps")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &a->steps, 1, (size_t)1 << 40, ">= 1");
    } else if (!strcmp(arg, "--eval-samples")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &a->eval, 1, (size_t)1 << 40, ">= 1");
    } else if (!strcmp(arg, "--patience")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &a->patience, 0, (size_t)1 << 40, NULL);
    } else if (!strcmp(arg, "--max-batches")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &a->max_batches, 1, (size_t)1 << 20, ">= 1");
    } else if (!strcmp(arg, "--average-from")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &a->average_from, 0, (size_t)1 << 40, NULL);
    } else if (!strcmp(arg, "--seed")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &seed, 0, SIZE_MAX, NULL);
    } else if (!strcmp(arg, "--lr")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &a->lr, DBL_TRUE_MIN, DBL_MAX, "> 0");
    } else if (!strcmp(arg, "--lr-decay")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &a->lr_decay, 0, DBL_MAX, ">= 0");
    } else if (!strcmp(arg, "--tol")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &a->tol, 0, DBL_MAX, ">= 0");
    } else if (!strcmp(arg, "--eps")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &a->eps, 0, DBL_MAX, ">= 0");
    } else {
      rc = cli_positional(CMD, arg, pos, 1, &npos);
    }
  }
  if (rc) return rc;
  a->seed = seed, a->y = pos[0];
  if (!a->y) return cli_usage_error(CMD, "needs the target points Y");
  if (!a->out) return cli_usage_error(CMD, "-o h.npy is required");
  if (!strcmp(src, "cube"))
    a->source = SPECOT_SDOT_CUBE;
  else if (!strcmp(src, "gauss"))
    a->source = SPECOT_SDOT_GAUSS;
  else
    return cli_usage_error(CMD, "bad value '%s' for --source (need cube or gauss)", src);
  if (strcmp(a->solver, "adam") && strcmp(a->solver, "asgd") && strcmp(a->solver, "newton"))
    return cli_usage_error(CMD, "bad value '%s' for --solver (need adam, asgd or newton)",
                           a->solver);
  /* Options of another solver are usage errors, not silently ignored. */
  static const char *const not_newton[] = {"--lr", "--lr-decay", "--average-from",
                                           "--bias-correction", "--qmc", "--patience",
                                           "--max-batches", "--eps", "--drag", "--samples",
                                           "--eval-samples", "--seed", NULL};
  static const char *const not_adam[] = {"--eps", "--drag", NULL};
  static const char *const not_asgd[] = {"--lr-decay", "--average-from", "--bias-correction",
                                         "--qmc", "--patience", "--max-batches", NULL};
  const char *const *unused = !strcmp(a->solver, "newton") ? not_newton
                              : !strcmp(a->solver, "adam") ? not_adam
                                                           : not_asgd;
  char context[48];
  snprintf(context, sizeof context, "--solver %s", a->solver);
  if ((rc = cli_reject_options(CMD, argc, argv, unused, context))) return rc;
  return 0;
}

static specot_status solve(specot_ctx *ctx, const sdot_args *a, const specot_sdot_problem *p,
                           double *h, specot_sdot_result *res) {
  if (!strcmp(a->solver, "newton")) {
    specot_sdot_newton_opts o;
    specot_sdot_newton_opts_init(&o);
    if (!isnan(a->tol)) o.tol = a->tol > 0 ? a->tol : 1e-14;
    if (a->steps) o.max_iter = a->steps;
    return specot_sdot_solve_newton(ctx, p, &o, h, res);
  }
  specot_sdot_ws *ws = specot_sdot_ws_alloc(ctx, p->n, p->d);
  if (!ws) return specot_ctx_status(ctx);
  specot_status st;
  if (!strcmp(a->solver, "adam")) {
    specot_sdot_adam_opts o;
    specot_sdot_adam_opts_init(&o);
    if (!isnan(a->lr)) o.lr = a->lr;
    if (!isnan(a->tol)) o.tol = a->tol;
    if (a->samples) o.batch_size = a->samples;
    if (a->steps) o.max_iter = a->steps;
    o.lr_decay = a->lr_decay, o.bias_correction = a->bias, o.qmc = a->qmc;
    o.average_from = a->average_from, o.eval_samples = a->eval, o.seed = a->seed;
    o.patience = a->patience, o.max_batches = a->max_batches;
    st = specot_sdot_solve_adam(ctx, ws, p, &o, h, res);
  } else {
    specot_sdot_asgd_opts o;
    specot_sdot_asgd_opts_init(&o);
    if (!isnan(a->lr)) o.lr = a->lr;
    if (!isnan(a->tol)) o.tol = a->tol;
    if (a->samples) o.batch_size = a->samples;
    if (a->steps) o.max_iter = a->steps;
    o.eps = a->eps, o.eval_samples = a->eval, o.seed = a->seed;
    if (a->drag) o.step_power = 2.0 / 3.0, o.eps_power = 1.0 / 3.0;
    st = specot_sdot_solve_asgd(ctx, ws, p, &o, h, res);
  }
  specot_sdot_ws_free(ws);
  return st;
}

int cmd_sdot(int argc, char **argv) {
  sdot_args a;
  int rc = parse(argc, argv, &a);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  specot_array Y = {0}, NU = {0};
  double *h = NULL;
  specot_ctx *ctx = NULL;
  if ((rc = cli_read_array(CMD, a.y, &Y))) goto done;
  if (Y.ndim == 1) Y.cols = 1; /* a 1-D file is n points in d = 1 */
  if ((rc = cli_read_weights(CMD, a.nu, Y.rows, "--nu", &NU))) goto done;
  h = calloc(Y.rows ? Y.rows : 1, sizeof *h);
  ctx = specot_ctx_alloc();
  if (!h || !ctx) {
    rc = cli_out_of_memory(CMD);
    goto done;
  }
  specot_sdot_problem p = {Y.rows, Y.cols, Y.data, a.nu ? NU.data : NULL, a.source};
  specot_sdot_result res;
  const specot_status st = solve(ctx, &a, &p, h, &res);
  if (st < 0) {
    rc = cli_report_files(CMD, ctx, st, a.y, a.nu);
    goto done;
  }
  cli_warn(CMD, ctx, st);
  if ((rc = cli_write_array(CMD, a.out, h, Y.rows, 1, 1))) goto done;
  if (a.json) {
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_str(&j, "solver", a.solver);
    cli_json_str(&j, "source", a.source == SPECOT_SDOT_CUBE ? "cube" : "gauss");
    cli_json_int(&j, "n", (long long)Y.rows);
    cli_json_int(&j, "d", (long long)Y.cols);
    cli_json_num(&j, "w2", res.w2);
    cli_json_num(&j, "energy", res.energy);
    cli_json_num(&j, "max_rel_cell_error", res.max_rel_error);
    cli_json_int(&j, "empty_cells", (long long)res.empty_cells);
    cli_json_int(&j, "iterations", (long long)res.iterations);
    cli_json_num(&j, "grad_norm", res.grad_norm);
    cli_json_int(&j, "samples", (long long)res.samples);
    cli_json_str(&j, "status", st == SPECOT_OK ? "converged" : "max_iter");
    cli_json_int(&j, "status_code", st);
    cli_json_end(&j);
  } else {
    printf("W2^2 %.10g  max relative cell error %.3g  empty cells %zu  (%s, %zu iterations)\n",
           res.w2, res.max_rel_error, res.empty_cells, a.solver, res.iterations);
  }
done:
  specot_ctx_free(ctx);
  free(h);
  specot_array_free(&Y);
  specot_array_free(&NU);
  return rc;
}
