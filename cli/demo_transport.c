/* Demo section: certified spectral transport.  The cross example (the
 * optimal plan splits mass for p > 1) and two built-in 2-D shapes matched
 * for p = 1 (W_2) and p = inf, drawn as coupling pictures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "demo.h"
#include "plot.h"
#include "specot/spectral.h"

/* Solves, prints the certified values and draws the coupling. */
static int solve_and_draw(const demo_opts *opts, const char *name, const char *title,
                          const specot_gauge *g, const double *X, size_t n, const double *Y,
                          size_t m) {
  specot_ctx *ctx = specot_ctx_alloc();
  specot_spectral_ws *ws = ctx ? specot_spectral_ws_alloc(ctx, n, m, 2, 0) : NULL;
  if (!ws) {
    const int rc = ctx ? cli_report("demo", ctx, specot_ctx_status(ctx)) : CLI_EXIT_NUMERICAL;
    specot_ctx_free(ctx);
    return rc;
  }
  specot_spectral_result res;
  const specot_status st = specot_spectral_solve(ctx, ws, g, X, NULL, Y, NULL, NULL, &res);
  int rc = CLI_EXIT_OK;
  if (st < 0) {
    rc = cli_report("demo", ctx, st);
  } else {
    char label[32];
    if (g->kind == SPECOT_GAUGE_KYFAN)
      snprintf(label, sizeof label, "Ky Fan %zu", g->k);
    else
      snprintf(label, sizeof label, "p = %g", g->p);
    printf("%-8s %-9s W^2 = %.10f  lower bound %.10f  gap %.2e  (%zu OT calls, plan nnz %zu)\n",
           name, label, res.squared_cost, res.lower_bound, res.relative_gap, res.ot_calls,
           res.plan_nnz);
    char path[4096], full_title[256];
    snprintf(path, sizeof path, "%s/transport_%s_%s.png", opts->outdir, name,
             g->kind == SPECOT_GAUGE_KYFAN ? "kyfan" : isinf(g->p) ? "pinf" : "p1");
    snprintf(full_title, sizeof full_title, "%s, %s: W^2 = %.6f (gap %.1e)", title, label,
             res.squared_cost, res.relative_gap);
    rc = cli_plot_coupling(path, full_title, X, n, Y, m, res.plan_rows, res.plan_cols,
                           res.plan_mass, res.plan_nnz);
    if (!rc) printf("         wrote %s\n", path);
  }
  specot_spectral_ws_free(ws);
  specot_ctx_free(ctx);
  return rc;
}

/* Shape 1: a unit circle; shape 2: a rotated 2:1 ellipse outline shifted
 * right, traversed with a phase offset (so the W2 plan is not trivial). */
static void shapes(size_t n, double *X, double *Y) {
  const double pi = 3.14159265358979323846;
  const double c = cos(pi / 6), s = sin(pi / 6);
  for (size_t i = 0; i < n; ++i) {
    const double t = 2 * pi * (double)i / (double)n;
    X[2 * i] = cos(t);
    X[2 * i + 1] = sin(t);
    const double ex = 2.0 * cos(t + 0.4), ey = 0.5 * sin(t + 0.4);
    Y[2 * i] = 1.5 + c * ex - s * ey;
    Y[2 * i + 1] = 0.3 + s * ex + c * ey;
  }
}

int demo_transport(const demo_opts *opts) {
  const double Xc[] = {-1, 0, 1, 0}, Yc[] = {0, -1, 0, 1};
  const specot_gauge p1 = specot_gauge_schatten(1), pinf = specot_gauge_schatten(INFINITY);
  printf("cross example: mu = (d(-1,0) + d(1,0))/2, nu = (d(0,-1) + d(0,1))/2;\n"
         "  expected W^2 = 2 (p = 1) and 1 (p = inf, the plan splits mass: 1/4 everywhere)\n");
  int rc = solve_and_draw(opts, "cross", "cross", &p1, Xc, 2, Yc, 2);
  if (!rc) rc = solve_and_draw(opts, "cross", "cross", &pinf, Xc, 2, Yc, 2);
  if (rc) return rc;
  const size_t n = opts->full ? 200 : 40;
  double *X = malloc(4 * n * sizeof *X);
  if (!X) return CLI_EXIT_NUMERICAL;
  double *Y = X + 2 * n;
  shapes(n, X, Y);
  printf("shapes: circle -> rotated ellipse, %zu points each\n", n);
  rc = solve_and_draw(opts, "shapes", "circle to ellipse", &p1, X, n, Y, n);
  if (!rc) rc = solve_and_draw(opts, "shapes", "circle to ellipse", &pinf, X, n, Y, n);
  free(X);
  return rc;
}
