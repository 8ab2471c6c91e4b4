/* `specot ot --solver sinkhorn` and `specot divergence` on the matrix-free
 * path (chosen by --online or when the dense matrices exceed --memory-limit). */
#include "ot_online.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "specot/ot.h"

int cli_opt_memory(const char *cmd, int argc, char **argv, int *i, size_t *out) {
  const char *opt = argv[*i];
  const char *v = cli_option_value(cmd, argc, argv, i);
  if (!v) return CLI_EXIT_USAGE;
  char *end = NULL;
  const double x = strtod(v, &end);
  double mult = 1.0;
  if (end && *end) {
    const char s = *end;
    mult = s == 'K' || s == 'k'   ? 1024.0
           : s == 'M' || s == 'm' ? 1048576.0
           : s == 'G' || s == 'g' ? 1073741824.0
           : s == 'T' || s == 't' ? 1099511627776.0
                                  : 0.0;
    if (end[1] != '\0' && !(end[1] == 'B' && end[2] == '\0')) mult = 0.0;
  }
  const double bytes = x * mult;
  if (end == v || !(mult > 0.0) || !(bytes >= 0.0) || bytes >= 1.8e19)
    return cli_usage_error(cmd, "bad value '%s' for %s (need bytes >= 0, optional K/M/G/T suffix)",
                           v, opt);
  *out = (size_t)bytes;
  return 0;
}

static int write_potentials(const char *spec, const double *f, size_t n, const double *g,
                            size_t m) {
  const char *comma = strchr(spec, ',');
  char *first = malloc((size_t)(comma - spec) + 1);
  if (!first) return cli_out_of_memory("ot");
  memcpy(first, spec, (size_t)(comma - spec));
  first[comma - spec] = '\0';
  int rc = cli_write_array("ot", first, f, n, 1, 1);
  if (!rc) rc = cli_write_array("ot", comma + 1, g, m, 1, 1);
  free(first);
  return rc;
}

/* Sparse thresholded plan: count, allocate, fill, write nnz x 3. */
static int write_sparse_plan(specot_ctx *ctx, specot_ot_online_ws *ws, const ot_online_job *job,
                             const double *f, const double *g) {
  size_t nnz = 0;
  specot_status st =
      specot_ot_online_plan_sparse(ctx, ws, job->a, job->b, job->X->data, job->Y->data, 1.0,
                                   job->eps, f, g, job->plan_threshold, 0, NULL, NULL, NULL, &nnz);
  if (st) return cli_report("ot", ctx, st);
  const size_t cap = nnz ? nnz : 1;
  size_t *row = malloc(cap * sizeof *row), *col = malloc(cap * sizeof *col);
  double *mass = malloc(cap * sizeof *mass);
  int rc = CLI_EXIT_OK;
  if (!row || !col || !mass) {
    rc = cli_out_of_memory("ot");
  } else {
    st = specot_ot_online_plan_sparse(ctx, ws, job->a, job->b, job->X->data, job->Y->data, 1.0,
                                      job->eps, f, g, job->plan_threshold, cap, row, col, mass,
                                      &nnz);
    rc = st ? cli_report("ot", ctx, st) : cli_write_plan("ot", job->plan, row, col, mass, nnz);
  }
  free(row);
  free(col);
  free(mass);
  return rc;
}

int ot_run_online(specot_ctx *ctx, const ot_online_job *job) {
  const size_t n = job->X->rows, m = job->Y->rows, d = job->X->cols;
  specot_ot_sinkhorn_opts opts;
  specot_ot_sinkhorn_opts_init(&opts);
  if (!isnan(job->tol)) opts.tol = job->tol;
  if (job->max_iter) opts.max_iter = job->max_iter;
  double *f = malloc(n * sizeof *f), *g = malloc(m * sizeof *g);
  specot_ot_online_ws *ws = NULL;
  specot_ot_sinkhorn_result res;
  specot_status st = f && g ? SPECOT_OK : SPECOT_ERR_NOMEM;
  if (st == SPECOT_OK) st = specot_ot_online_ws_alloc(ctx, n, m, d, &opts, &ws);
  if (st == SPECOT_OK)
    st = specot_ot_online_sinkhorn_solve(ctx, ws, job->a, job->b, job->X->data, job->Y->data, 1.0,
                                         job->eps, &opts, f, g, &res);
  int rc = CLI_EXIT_OK;
  if (st < 0) {
    rc = cli_report("ot", ctx, st);
  } else {
    cli_warn("ot", ctx, st);
    if (job->plan) rc = write_sparse_plan(ctx, ws, job, f, g);
    if (!rc && job->pot) rc = write_potentials(job->pot, f, n, g, m);
    if (!rc && job->json) {
      cli_json j;
      cli_json_begin(&j, stdout);
      cli_json_str(&j, "solver", "sinkhorn-online");
      cli_json_int(&j, "n", (long long)n);
      cli_json_int(&j, "m", (long long)m);
      cli_json_num(&j, "eps", job->eps);
      cli_json_num(&j, "cost", res.cost);
      cli_json_num(&j, "regularized_cost", res.regularized_cost);
      cli_json_str(&j, "status", st == SPECOT_OK ? "converged" : "max_iter");
      cli_json_int(&j, "status_code", st);
      cli_json_int(&j, "iterations", (long long)res.iterations);
      cli_json_num(&j, "marginal_error", res.marginal_error);
      cli_json_num(&j, "dual_objective", res.dual_objective);
      cli_json_num(&j, "lower_bound", res.lower_bound);
      cli_json_end(&j);
    } else if (!rc) {
      printf("cost %.17g (sinkhorn online eps %g, regularized %.17g, %zu iterations)\n", res.cost,
             job->eps, res.regularized_cost, res.iterations);
    }
  }
  specot_ot_online_ws_free(ws);
  free(f);
  free(g);
  return rc;
}
