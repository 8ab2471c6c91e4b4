/* `specot ot`: exact (network simplex / 1-D sorting) or entropic (Sinkhorn) OT between two
 * point clouds, with an optional dense cost matrix. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ot_online.h"
#include "specot/ot.h"

static const char CMD[] = "ot";

static void usage(FILE *out) {
  fprintf(out,
          "usage: specot ot X.npy Y.npy [--a a.npy] [--b b.npy] [--cost sqeuclidean|C.npy]\n"
          "                 [--solver exact|sinkhorn] [--eps E] [--tol T] [--max-iter K]\n"
          "                 [--plan plan.csv] [--potentials f.npy,g.npy] [--json]\n"
          "                 [--online] [--memory-limit BYTES] [--plan-threshold T]\n"
          "Optimal transport between mu = sum a_i delta(x_i) and nu = sum b_j delta(y_j).\n"
          "X is n x d, Y is m x d (one point per row; a 1-D array is d = 1).  Weights default\n"
          "to uniform; they must be >= 0 with equal totals.\n"
          "Options:\n"
          "  --cost C       'sqeuclidean' (default: C_ij = |x_i - y_j|^2, squared) or an n x m\n"
          "                 cost matrix file\n"
          "  --solver S     'exact' (default; network simplex, or sorting when d = 1 with the\n"
          "                 squared cost) or 'sinkhorn' (log-domain, eps-scaling)\n"
          "  --eps E        entropic regularisation, absolute (POT's reg); sinkhorn only\n"
          "  --tol T        sinkhorn: L1 marginal violation (default 1e-9)\n"
          "  --max-iter K   pivots (exact) or iterations (sinkhorn) cap\n"
          "  --plan FILE    exact: nnz x 3 rows (row, col, mass); sinkhorn: dense n x m\n"
          "  --potentials F,G  dual potentials f (n) and g (m), normalised <a,f> = <b,g>\n"
          "  --online       sinkhorn: matrix-free solver (C and the plan never stored, O(n+m)\n"
          "                 memory); chosen automatically with the squared cost when the\n"
          "                 n x m matrix (8 n m bytes) exceeds --memory-limit\n"
          "  --memory-limit B  bytes (K/M/G/T suffixes) for that choice (default: a quarter\n"
          "                 of the RAM)\n"
          "  --plan-threshold T  online sinkhorn: write --plan as nnz x 3 rows (row, col,\n"
          "                 mass) of the entries >= T (required with --plan there)\n"
          "  --json         print the results as JSON: cost (<pi,C> of the plan, POT's\n"
          "                 emd2/sinkhorn2), regularized_cost (sinkhorn: + eps KL(pi|a b)),\n"
          "                 status, iterations, marginal_error, dual_objective, lower_bound\n"
          "                 (certified lower bound on the exact OT cost)\n");
}

typedef struct ot_args {
  const char *x, *y, *a, *b, *cost, *plan, *pot;
  int sinkhorn, json, have_eps, have_tol, online;
  double eps, tol, plan_threshold;
  size_t max_iter, mem_limit;
} ot_args;

/* Returns 0, CLI_EXIT_USAGE, or -1 after printing the help. */
static int parse(int argc, char **argv, ot_args *o) {
  memset(o, 0, sizeof *o);
  const char *pos[2] = {NULL, NULL}, *solver = "exact";
  int rc = CLI_EXIT_OK, npos = 0;
  for (int i = 1; i < argc && !rc; ++i) {
    const char *arg = argv[i];
    if (cli_is_help(arg)) {
      usage(stdout);
      return -1;
    } else if (strcmp(arg, "--json") == 0) {
      o->json = 1;
    } else if (strcmp(arg, "--a") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &o->a);
    } else if (strcmp(arg, "--b") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &o->b);
    } else if (strcmp(arg, "--cost") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &o->cost);
    } else if (strcmp(arg, "--plan") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &o->plan);
    } else if (strcmp(arg, "--potentials") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &o->pot);
    } else if (strcmp(arg, "--solver") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &solver);
    } else if (strcmp(arg, "--eps") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &o->eps, -INFINITY, INFINITY, NULL);
      o->have_eps = 1;
    } else if (strcmp(arg, "--tol") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &o->tol, -INFINITY, INFINITY, NULL);
      o->have_tol = 1;
    } else if (strcmp(arg, "--online") == 0) {
      o->online = 1;
    } else if (strcmp(arg, "--memory-limit") == 0) {
      rc = cli_opt_memory(CMD, argc, argv, &i, &o->mem_limit);
    } else if (strcmp(arg, "--plan-threshold") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &o->plan_threshold, DBL_TRUE_MIN, DBL_MAX,
                          "a finite number > 0");
    } else if (strcmp(arg, "--max-iter") == 0) {
      rc = cli_opt_size(CMD, argc, argv, &i, &o->max_iter, 1, SIZE_MAX, "a positive integer");
    } else {
      rc = cli_positional(CMD, arg, pos, 2, &npos);
    }
  }
  if (rc) return rc;
  o->x = pos[0];
  o->y = pos[1];
  if (strcmp(solver, "exact") != 0 && strcmp(solver, "sinkhorn") != 0)
    return cli_usage_error(CMD, "unknown solver '%s' (exact or sinkhorn)", solver);
  o->sinkhorn = strcmp(solver, "sinkhorn") == 0;
  if (npos < 2) return cli_usage_error(CMD, "needs two point files X and Y");
  if (o->sinkhorn && !o->have_eps) return cli_usage_error(CMD, "--solver sinkhorn needs --eps");
  if (!o->sinkhorn && (o->have_eps || o->have_tol))
    return cli_usage_error(CMD, "--eps/--tol apply to --solver sinkhorn only");
  if ((o->online || o->plan_threshold > 0.0) && !o->sinkhorn)
    return cli_usage_error(CMD, "--online/--plan-threshold apply to --solver sinkhorn only");
  if (o->pot && !strchr(o->pot, ','))
    return cli_usage_error(CMD, "--potentials needs two files 'f.npy,g.npy'");
  if ((rc = cli_check_output(CMD, "--plan", o->plan))) return rc;
  if (o->pot) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", o->pot);
    char *comma = strchr(buf, ',');
    *comma = '\0';
    if ((rc = cli_check_output(CMD, "--potentials", buf)) ||
        (rc = cli_check_output(CMD, "--potentials", comma + 1)))
      return rc;
  }
  return 0;
}

static int write_potentials(const char *spec, const double *f, size_t n, const double *g,
                            size_t m) {
  char buf[4096];
  if (strlen(spec) >= sizeof buf) {
    fprintf(stderr, "specot ot: error: --potentials argument too long\n");
    return CLI_EXIT_USAGE;
  }
  strcpy(buf, spec);
  char *comma = strchr(buf, ',');
  *comma = '\0';
  int rc = cli_write_array(CMD, buf, f, n, 1, 1);
  if (!rc) rc = cli_write_array(CMD, comma + 1, g, m, 1, 1);
  return rc;
}

static const char *status_name(specot_status st) {
  switch (st) {
    case SPECOT_OK:
      return "optimal";
    case SPECOT_WARN_MAXITER:
      return "max_iter";
    case SPECOT_WARN_INACCURATE:
      return "inaccurate";
    default:
      return "error";
  }
}

/* The JSON members both solvers report, in this order. */
static void json_solve_summary(cli_json *j, const char *status, specot_status st, size_t iterations,
                               double marginal_error, double dual_objective, double lower_bound) {
  cli_json_str(j, "status", status);
  cli_json_int(j, "status_code", st);
  cli_json_int(j, "iterations", (long long)iterations);
  cli_json_num(j, "marginal_error", marginal_error);
  cli_json_num(j, "dual_objective", dual_objective);
  cli_json_num(j, "lower_bound", lower_bound);
}

static int run_exact(const ot_args *o, specot_ctx *ctx, const specot_array *X,
                     const specot_array *Y, const double *C, const double *a, const double *b) {
  const size_t n = X->rows, m = Y->rows, d = X->cols;
  specot_ot_emd_opts opts;
  specot_ot_emd_opts_init(&opts);
  if (o->max_iter) opts.max_iter = o->max_iter;
  specot_ot_emd_result res;
  size_t cap = n + m;
  size_t *row = malloc(cap * sizeof *row), *col = malloc(cap * sizeof *col);
  double *mass = malloc(cap * sizeof *mass), *f = malloc(n * sizeof *f), *g = malloc(m * sizeof *g);
  int rc = CLI_EXIT_OK;
  specot_status st;
  const int one_d = !C && d == 1;
  if (!row || !col || !mass || !f || !g) {
    st = SPECOT_ERR_NOMEM;
  } else if (one_d) {
    st = specot_ot_emd_1d(ctx, n, m, X->data, a, Y->data, b, &opts, &res, row, col, mass, f, g);
  } else {
    specot_ot_emd_ws *ws = NULL;
    st = specot_ot_emd_ws_alloc(ctx, n, m, C ? 0 : d, &opts, &ws);
    if (st == SPECOT_OK) {
      st = C ? specot_ot_emd_solve(ctx, ws, a, b, C, &opts, &res)
             : specot_ot_emd_solve_points(ctx, ws, a, b, X->data, Y->data, NULL, 0, &opts, &res);
      if (st >= 0) {
        (void)specot_ot_emd_plan(ws, row, col, mass);
        specot_ot_emd_potentials(ws, f, g);
      }
    }
    specot_ot_emd_ws_free(ws);
  }
  if (st < 0) {
    rc = cli_report_files(CMD, ctx, st, o->x, o->y);
  } else {
    cli_warn(CMD, ctx, st);
    if (o->plan) rc = cli_write_plan(CMD, o->plan, row, col, mass, res.nnz);
    if (!rc && o->pot) rc = write_potentials(o->pot, f, n, g, m);
    if (!rc) {
      if (o->json) {
        cli_json j;
        cli_json_begin(&j, stdout);
        cli_json_str(&j, "solver", one_d ? "exact-1d" : "exact");
        cli_json_int(&j, "n", (long long)n);
        cli_json_int(&j, "m", (long long)m);
        cli_json_num(&j, "cost", res.cost);
        json_solve_summary(&j, status_name(st), st, res.iterations, res.marginal_error,
                           res.dual_objective, res.lower_bound);
        cli_json_num(&j, "min_reduced_cost", res.min_reduced_cost);
        cli_json_int(&j, "nnz", (long long)res.nnz);
        cli_json_end(&j);
      } else {
        printf("cost %.17g (exact, %s, %zu pivots, %zu nonzeros)\n", res.cost, status_name(st),
               res.iterations, res.nnz);
      }
    }
  }
  free(row);
  free(col);
  free(mass);
  free(f);
  free(g);
  return rc;
}

static int run_sinkhorn(const ot_args *o, specot_ctx *ctx, const specot_array *X,
                        const specot_array *Y, const double *C, const double *a, const double *b) {
  const size_t n = X->rows, m = Y->rows, d = X->cols;
  specot_ot_sinkhorn_opts opts;
  specot_ot_sinkhorn_opts_init(&opts);
  if (o->have_tol) opts.tol = o->tol;
  if (o->max_iter) opts.max_iter = o->max_iter;
  specot_ot_sinkhorn_result res;
  double *f = malloc(n * sizeof *f), *g = malloc(m * sizeof *g);
  double *plan = NULL;
  specot_status st = SPECOT_OK;
  if (o->plan && !(plan = malloc(n * m * sizeof *plan))) st = SPECOT_ERR_NOMEM;
  if (!f || !g) st = SPECOT_ERR_NOMEM;
  specot_ot_sinkhorn_ws *ws = NULL;
  if (st == SPECOT_OK) st = specot_ot_sinkhorn_ws_alloc(ctx, n, m, C ? 0 : d, &opts, &ws);
  if (st == SPECOT_OK)
    st = C ? specot_ot_sinkhorn_solve(ctx, ws, a, b, C, o->eps, &opts, f, g, plan, &res)
           : specot_ot_sinkhorn_solve_points(ctx, ws, a, b, X->data, Y->data, 1.0, o->eps, &opts, f,
                                             g, plan, &res);
  specot_ot_sinkhorn_ws_free(ws);
  int rc = CLI_EXIT_OK;
  if (st < 0) {
    rc = cli_report_files(CMD, ctx, st, o->x, o->y);
  } else {
    cli_warn(CMD, ctx, st);
    if (o->plan) rc = cli_write_array(CMD, o->plan, plan, n, m, 2);
    if (!rc && o->pot) rc = write_potentials(o->pot, f, n, g, m);
    if (!rc) {
      if (o->json) {
        cli_json j;
        cli_json_begin(&j, stdout);
        cli_json_str(&j, "solver", "sinkhorn");
        cli_json_int(&j, "n", (long long)n);
        cli_json_int(&j, "m", (long long)m);
        cli_json_num(&j, "eps", o->eps);
        cli_json_num(&j, "cost", res.cost);
        cli_json_num(&j, "regularized_cost", res.regularized_cost);
        json_solve_summary(&j, st == SPECOT_OK ? "converged" : status_name(st), st, res.iterations,
                           res.marginal_error, res.dual_objective, res.lower_bound);
        cli_json_end(&j);
      } else {
        printf("cost %.17g (sinkhorn eps %g, regularized %.17g, %zu iterations)\n", res.cost,
               o->eps, res.regularized_cost, res.iterations);
      }
    }
  }
  free(f);
  free(g);
  free(plan);
  return rc;
}

int cmd_ot(int argc, char **argv) {
  ot_args o;
  int rc = parse(argc, argv, &o);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  specot_array X = {0}, Y = {0}, A = {0}, B = {0}, Cm = {0};
  if ((rc = cli_read_points(CMD, o.x, o.y, &X, &Y)) ||
      (rc = cli_read_weights(CMD, o.a, X.rows, "--a", &A)) ||
      (rc = cli_read_weights(CMD, o.b, Y.rows, "--b", &B)) ||
      (rc = cli_check_masses(CMD, o.a, &A, o.b, &B)))
    goto done;
  const int dense_cost = o.cost && strcmp(o.cost, "sqeuclidean") != 0;
  if (dense_cost && (rc = cli_read_matrix(CMD, o.cost, X.rows, Y.rows, "cost matrix", &Cm)))
    goto done;
  {
    specot_ctx *ctx = specot_ctx_alloc();
    if (!ctx) {
      rc = cli_out_of_memory(CMD);
      goto done;
    }
    const int online = o.sinkhorn && !dense_cost &&
                       (o.online || specot_ot_online_preferred(X.rows, Y.rows, o.mem_limit));
    if (o.online && dense_cost) {
      rc = cli_usage_error(CMD, "--online needs the squared Euclidean cost (no --cost matrix)");
    } else if (online && o.plan && !(o.plan_threshold > 0.0)) {
      rc = cli_usage_error(CMD,
                           "--plan with the online solver needs --plan-threshold (the dense "
                           "plan is %zu x %zu)",
                           X.rows, Y.rows);
    } else if (online) {
      const ot_online_job job = {
          &X,         &Y,     A.data, B.data, o.eps, o.have_tol ? o.tol : NAN, o.plan_threshold,
          o.max_iter, o.plan, o.pot,  o.json};
      rc = ot_run_online(ctx, &job);
    } else
      rc = o.sinkhorn ? run_sinkhorn(&o, ctx, &X, &Y, Cm.data, A.data, B.data)
                      : run_exact(&o, ctx, &X, &Y, Cm.data, A.data, B.data);
    specot_ctx_free(ctx);
  }
done:
  specot_array_free(&X);
  specot_array_free(&Y);
  specot_array_free(&A);
  specot_array_free(&B);
  specot_array_free(&Cm);
  return rc;
}
