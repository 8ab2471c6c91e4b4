/* Demo section `directions`: steepest-descent directions J_p of one fixed
 * gradient for p = 1, 2, 4, inf, and the polar / Newton–Schulz / regularized
 * orthogonalizations, with their norms and pairings. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "demo.h"
#include "plot.h"
#include "specot/linalg.h"

enum { M = 6, N = 4, K = 4, NDIR = 9 };

/* A fixed 6 x 4 gradient with a spread spectrum (singular
 * values 6.10, 4.03, 3.62, 1.54). */
static const double G[M * N] = {4.0,  1.0, -2.0, 0.5,  2.5,  3.0,  0.0, -1.0,
                                -1.5, 2.0, 1.0,  0.2,  0.5,  -0.5, 3.5, 1.5,
                                1.0,  0.0, -1.0, -0.3, -2.0, 1.5,  0.5, 0.8};

typedef struct direction {
  const char *name;  /* short name, also the file stem */
  const char *label; /* table label */
  double p;          /* Schatten exponent of the LMO, or NAN */
  double V[M * N];
} direction;

static int compute(specot_ctx *ctx, specot_linalg_ws *ws, direction *d) {
  const double ps[4] = {1.0, 2.0, 4.0, INFINITY};
  const char *names[4] = {"J_p1", "J_p2", "J_p4", "J_pinf"};
  const char *labels[4] = {"J_1 = -G", "J_2", "J_4", "J_inf (Muon)"};
  specot_status st = SPECOT_OK;
  for (int i = 0; i < 4 && st >= 0; ++i) {
    d[i].name = names[i];
    d[i].label = labels[i];
    d[i].p = ps[i];
    st = specot_linalg_lmo(ctx, ws, G, M, N, ps[i], SPECOT_LINALG_RTOL_DEFAULT,
                           d[i].V, NULL);
  }
  d[4] = (direction){"polar", "polar(G) exact", NAN, {0}};
  if (st >= 0)
    st = specot_linalg_polar(ctx, ws, G, M, N, NULL, d[4].V, NULL);
  const specot_linalg_ns_schedule sch[3] = {SPECOT_LINALG_NS_KJ5,
                                            SPECOT_LINALG_NS_POLAR_EXPRESS,
                                            SPECOT_LINALG_NS_CUBIC};
  const char *nsn[3] = {"ns5", "polar_express", "cubic"};
  const char *nsl[3] = {"NS KJ quintic, 5", "NS Polar Express, 5",
                        "NS cubic, 5"};
  for (int i = 0; i < 3 && st >= 0; ++i) {
    d[5 + i] = (direction){nsn[i], nsl[i], NAN, {0}};
    specot_linalg_ns_opts o;
    specot_linalg_ns_opts_init(&o);
    o.schedule = sch[i];
    o.steps = 5;
    st = specot_linalg_newton_schulz(ctx, ws, G, M, N, &o, d[5 + i].V);
  }
  d[8] = (direction){"reg_eps1", "O_eps, eps = 1", NAN, {0}};
  if (st >= 0)
    st = specot_linalg_reg_polar(ctx, ws, G, M, N, 1.0, d[8].V, NULL);
  return st;
}

int demo_directions(const demo_opts *opts) {
  specot_ctx *ctx = specot_ctx_alloc();
  specot_linalg_ws *ws = NULL;
  static direction dirs[NDIR];
  specot_status st = specot_linalg_ws_alloc(ctx, M, N, &ws);
  if (st >= 0)
    st = compute(ctx, ws, dirs);
  double sg[K];
  if (st >= 0)
    st = specot_linalg_singular_values(ctx, ws, G, M, N, sg);
  if (st < 0) {
    const int rc = cli_report("demo directions", ctx, st);
    specot_linalg_ws_free(ws);
    specot_ctx_free(ctx);
    return rc;
  }
  printf("gradient G (6 x 4), singular values %.4f %.4f %.4f %.4f\n", sg[0],
         sg[1], sg[2], sg[3]);
  printf("  %-20s %10s %10s %10s %12s %12s\n", "direction", "sigma_max",
         "sigma_min", "||V||_F", "<G,V>", "N(V)=S_2p");
  char path[4096];
  int rc = CLI_EXIT_OK;
  snprintf(path, sizeof path, "%s/directions_G.npy", opts->outdir);
  rc = cli_write_array("demo", path, G, M, N, 2);
  for (int i = 0; i < NDIR && st >= 0 && !rc; ++i) {
    double sv[K], vn = NAN, fro = 0.0, pair = 0.0;
    st = specot_linalg_singular_values(ctx, ws, dirs[i].V, M, N, sv);
    if (st >= 0 && !isnan(dirs[i].p))
      st = specot_linalg_schatten_norm(ctx, ws, dirs[i].V, M, N,
                                       2.0 * dirs[i].p, &vn);
    for (int j = 0; j < M * N; ++j) {
      fro += dirs[i].V[j] * dirs[i].V[j];
      pair += G[j] * dirs[i].V[j];
    }
    char vns[32] = "-";
    if (!isnan(vn))
      snprintf(vns, sizeof vns, "%.4f", vn);
    printf("  %-20s %10.4f %10.4f %10.4f %12.4f %12s\n", dirs[i].label, sv[0],
           sv[K - 1], sqrt(fro), pair, vns);
    snprintf(path, sizeof path, "%s/directions_%s.npy", opts->outdir,
             dirs[i].name);
    rc = cli_write_array("demo", path, dirs[i].V, M, N, 2);
  }
  if (st < 0)
    rc = cli_report("demo directions", ctx, st);
  if (!rc) {
    printf("  check: <G,J_p> = -N(J_p)^2 and N(J_p) = ||G||_{S_q}; J_inf = "
           "-||G||_* polar(G);\n"
           "  KJ NS5 singular values lie in ~[0.68, 1.13], Polar Express near "
           "1, cubic not yet 1.\n");
    /* Heatmaps on one colour scale: each panel scaled to unit Frobenius norm.
     */
    static double shown[NDIR + 1][M * N];
    cli_heatmap maps[NDIR + 1];
    const double *src[NDIR + 1];
    const char *titles[NDIR + 1];
    src[0] = G;
    titles[0] = "G";
    for (int i = 0; i < NDIR; ++i)
      src[i + 1] = dirs[i].V, titles[i + 1] = dirs[i].label;
    for (int i = 0; i <= NDIR; ++i) {
      double f = 0.0;
      for (int j = 0; j < M * N; ++j)
        f += src[i][j] * src[i][j];
      f = f > 0 ? 1.0 / sqrt(f) : 0.0;
      for (int j = 0; j < M * N; ++j)
        shown[i][j] = f * src[i][j];
      maps[i] = (cli_heatmap){shown[i], M, N, titles[i]};
    }
    snprintf(path, sizeof path, "%s/directions.png", opts->outdir);
    rc = cli_plot_heatmaps(
        path,
        "gradient G and its directions (each scaled to unit Frobenius norm)",
        maps, NDIR + 1);
    if (!rc)
      printf("wrote %s/directions_*.npy and %s\n", opts->outdir, path);
  }
  specot_linalg_ws_free(ws);
  specot_ctx_free(ctx);
  return rc;
}
