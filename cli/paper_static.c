/* `specot paper static`: p = 1 vs p = inf static couplings between shapes.
 * p = 1: the optimal assignment (= W_2^2).  p = inf: (a) specot's certified
 * W_inf plan (column generation with a dual certificate, spectral.h), which
 * may split mass, and (b) the paper's heuristic: permutations only, rank-one
 * costs Q = q q^T, q_0 = e_1, at most 40 alternations (assignment for Q, then
 * q = top eigenvector of Sigma(perm)), keeping the permutation of least
 * lambda_max(Sigma).  Both costs are W_inf^2-type values lambda_max(Sigma). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "paper.h"
#include "paper_plot.h"
#include "paper_shapes.h"
#include "plot.h"
#include "specot/io.h"
#include "specot/ot.h"
#include "specot/spectral.h"

enum { MAX_PAIRS = 3, NT = 5, HEURISTIC_ITERS = 40 };

typedef struct pair_spec {
  const char *name, *src, *dst; /* shape names or image paths */
  int src_image, dst_image;
  double scale;
  const double *fixed_x, *fixed_y; /* fixed clouds of fixed_n points (no sampling) */
  size_t fixed_n;
} pair_spec;

/* The spec's cross example (spectral_w.md 9): W_gamma^2 = 2, sqrt 2, 1 for p = 1, 2, inf,
 * the p = inf optimum splitting every atom in two (plan 1/4 everywhere); every
 * permutation has lambda_max(Sigma) = 2. */
static const double CROSS_X[4] = {-1, 0, 1, 0}, CROSS_Y[4] = {0, -1, 0, 1};

/* lambda_max and its unit eigenvector of a symmetric 2 x 2 matrix. */
static double top_eig2(const double S[4], double q[2]) {
  const double a = S[0], b = 0.5 * (S[1] + S[2]), c = S[3];
  const double mid = 0.5 * (a + c), rad = hypot(0.5 * (a - c), b), lam = mid + rad;
  if (fabs(b) > 1e-300 || a != c) {
    double vx = b, vy = lam - a; /* (S - lam I) v = 0 */
    if (hypot(vx, vy) < 1e-300 * (1 + fabs(lam))) vx = lam - c, vy = b;
    const double nv = hypot(vx, vy);
    if (nv > 0) {
      q[0] = vx / nv, q[1] = vy / nv;
      return lam;
    }
  }
  q[0] = 1.0, q[1] = 0.0;
  return lam;
}

/* Sigma(perm) = (1/n) sum_i (y_perm(i) - x_i)(...)^T */
static void sigma_perm(const double *X, const double *Y, const size_t *perm, size_t n,
                       double S[4]) {
  memset(S, 0, 4 * sizeof *S);
  for (size_t i = 0; i < n; ++i) {
    const double dx = Y[2 * perm[i]] - X[2 * i], dy = Y[2 * perm[i] + 1] - X[2 * i + 1];
    S[0] += dx * dx, S[1] += dx * dy, S[3] += dy * dy;
  }
  S[0] /= (double)n, S[1] /= (double)n, S[3] /= (double)n, S[2] = S[1];
}

/* Assignment for the cost |L (x - y)|^2 (L: r x 2) through the exact OT;
 * perm[i] = the column carrying row i's mass. */
static specot_status assign(specot_ctx *ctx, specot_ot_emd_ws *ws, const double *X, const double *Y,
                            size_t n, const double *L, size_t r, size_t *perm, size_t *rows,
                            size_t *cols, double *mass) {
  const specot_status st = specot_ot_emd_solve_points(ctx, ws, NULL, NULL, X, Y, L, r, NULL, NULL);
  if (st < 0) return st;
  const size_t nnz = specot_ot_emd_plan(ws, rows, cols, mass);
  double *best = calloc(n, sizeof *best);
  if (!best) return SPECOT_ERR_NOMEM;
  for (size_t k = 0; k < nnz; ++k)
    if (mass[k] > best[rows[k]]) best[rows[k]] = mass[k], perm[rows[k]] = cols[k];
  free(best);
  return SPECOT_OK;
}

typedef struct heuristic {
  size_t *perm, iterations;
  double cost;
} heuristic;

static specot_status run_heuristic(specot_ctx *ctx, specot_ot_emd_ws *ws, const double *X,
                                   const double *Y, size_t n, size_t *scratch, size_t *rows,
                                   size_t *cols, double *mass, heuristic *h) {
  double q[2] = {1.0, 0.0}, S[4], qn[2];
  h->cost = INFINITY;
  for (size_t it = 0; it < HEURISTIC_ITERS; ++it) {
    const specot_status st = assign(ctx, ws, X, Y, n, q, 1, scratch, rows, cols, mass);
    if (st < 0) return st;
    sigma_perm(X, Y, scratch, n, S);
    const double lam = top_eig2(S, qn);
    h->iterations = it + 1;
    if (lam < h->cost) h->cost = lam, memcpy(h->perm, scratch, n * sizeof *scratch);
    if (hypot(qn[0] - q[0], qn[1] - q[1]) < 1e-10 || hypot(qn[0] + q[0], qn[1] + q[1]) < 1e-10)
      break;
    q[0] = qn[0], q[1] = qn[1];
  }
  return SPECOT_OK;
}

/* Pairing picture with at most SHOWN of the plan's entries (evenly spaced in
 * the row-sorted plan, as the notebook shows 180 of its pairs) over all points. */
enum { SHOWN = 180 };
static int plot_pairing(const char *path, const char *title, const double *X, const double *Y,
                        size_t n, const size_t *rows, const size_t *cols, const double *mass,
                        size_t nnz) {
  size_t r[SHOWN], c[SHOWN];
  double m[SHOWN];
  if (nnz <= SHOWN) return cli_plot_coupling(path, title, X, n, Y, n, rows, cols, mass, nnz);
  for (size_t k = 0; k < SHOWN; ++k) {
    const size_t e = (size_t)llround((double)k * (double)(nnz - 1) / (SHOWN - 1.0));
    r[k] = rows[e], c[k] = cols[e], m[k] = mass[e];
  }
  return cli_plot_coupling(path, title, X, n, Y, n, r, c, m, SHOWN);
}

/* Five interpolation panels t = 0, .25, .5, .75, 1 from a sparse plan. */
static int plot_interp(const paper_run *run, const char *file, const char *what, const double *X,
                       const double *Y, size_t n, const size_t *rows, const size_t *cols,
                       const double *mass, size_t nnz) {
  double *Z = malloc(NT * 2 * nnz * sizeof *Z), *w = malloc(nnz * sizeof *w);
  if (!Z || !w) {
    free(Z), free(w);
    return cli_out_of_memory("paper");
  }
  paper_points pts[NT];
  paper_panel panels[NT];
  char titles[NT][64];
  specot_ctx *ctx = specot_ctx_alloc();
  for (int k = 0; k < NT; ++k) {
    const double t = k / (NT - 1.0);
    specot_spectral_geodesic(ctx, X, n, Y, n, 2, rows, cols, mass, nnz, t, Z + 2 * nnz * k, w);
    pts[k] =
        (paper_points){Z + 2 * nnz * k, nnz, (int)(30 + 200 * t), 40, (int)(230 - 200 * t), 0.5};
    snprintf(titles[k], sizeof titles[k], "%s%st = %.2f", k ? "" : what, k ? "" : ", ", t);
    panels[k] = (paper_panel){titles[k], &pts[k], 1};
  }
  specot_ctx_free(ctx);
  char path[4200];
  const int rc = paper_plot_panels(paper_path(run, file, path, sizeof path), panels, NT, 1750, 420);
  free(Z), free(w);
  return rc;
}

static int sample(const char *what, int image, size_t n, specot_rng *rng, double scale, double sx,
                  double *out) {
  return image ? paper_image_sample(what, n, rng, scale, sx, 0.0, out)
               : paper_shape_sample(what, n, rng, scale, sx, 0.0, out);
}

/* One shape pair: sampling, p = 1, certified p = inf, heuristic p = inf,
 * figures and the summary object. */
static int run_pair(const paper_run *run, const pair_spec *ps, size_t n, cli_json *j) {
  specot_rng rng;
  specot_rng_seed(&rng, 1234);
  double *X = malloc(4 * n * sizeof *X), *Y = X ? X + 2 * n : NULL;
  /* perm, scratch (n each), rows, cols (2 n each: a plan has at most 2 n - 1 entries) */
  size_t *perm = malloc(6 * n * sizeof *perm), *scratch = perm ? perm + n : NULL;
  size_t *rows = perm ? perm + 2 * n : NULL, *cols = perm ? perm + 4 * n : NULL;
  double *mass = malloc((2 * n + 1) * sizeof *mass);
  specot_ctx *ctx = specot_ctx_alloc();
  specot_ot_emd_ws *ows = NULL;
  specot_spectral_ws *sws = NULL;
  int rc = (X && perm && mass && ctx) ? CLI_EXIT_OK : cli_out_of_memory("paper");
  if (!rc && ps->fixed_n) {
    memcpy(X, ps->fixed_x, 2 * n * sizeof *X);
    memcpy(Y, ps->fixed_y, 2 * n * sizeof *Y);
  } else {
    if (!rc) rc = sample(ps->src, ps->src_image, n, &rng, ps->scale, 0.0, X);
    if (!rc) rc = sample(ps->dst, ps->dst_image, n, &rng, ps->scale, 4.2, Y);
  }
  specot_status st = SPECOT_OK;
  if (!rc) {
    st = specot_ot_emd_ws_alloc(ctx, n, n, 2, NULL, &ows);
    if (st >= 0 && !(sws = specot_spectral_ws_alloc(ctx, n, n, 2, 0))) st = specot_ctx_status(ctx);
    if (st < 0) rc = cli_report("paper", ctx, st);
  }
  char file[160], path[4200];
  double cost1 = 0.0, cert = 0.0, lb = 0.0;
  size_t cert_nnz = 0, ot_calls = 0;
  heuristic h = {perm, 0, 0.0};
  if (!rc) { /* p = 1: the assignment and its plan */
    st = assign(ctx, ows, X, Y, n, NULL, 2, scratch, rows, cols, mass);
    if (st >= 0) {
      double S[4];
      sigma_perm(X, Y, scratch, n, S);
      cost1 = S[0] + S[3];
      const size_t nnz = specot_ot_emd_plan(ows, rows, cols, mass);
      snprintf(file, sizeof file, "static_%s_pairing_p1.png", ps->name);
      rc = plot_pairing(paper_path(run, file, path, sizeof path), "p = 1 (assignment = W_2)", X, Y,
                        n, rows, cols, mass, nnz);
      snprintf(file, sizeof file, "static_%s_interp_p1.png", ps->name);
      if (!rc) rc = plot_interp(run, file, "p = 1", X, Y, n, rows, cols, mass, nnz);
    }
  }
  if (!rc && st >= 0) { /* p = inf certified */
    const specot_gauge g = specot_gauge_schatten(INFINITY);
    specot_spectral_opts o;
    specot_spectral_opts_init(&o);
    specot_spectral_result res;
    st = specot_spectral_solve(ctx, sws, &g, X, NULL, Y, NULL, &o, &res);
    if (st >= 0) {
      cert = res.squared_cost, lb = res.lower_bound, cert_nnz = res.plan_nnz,
      ot_calls = res.ot_calls;
      cli_warn("paper", ctx, st);
      snprintf(file, sizeof file, "static_%s_pairing_pinf_certified.png", ps->name);
      rc = plot_pairing(paper_path(run, file, path, sizeof path),
                        "p = inf, certified W_inf plan (may split mass)", X, Y, n, res.plan_rows,
                        res.plan_cols, res.plan_mass, res.plan_nnz);
      snprintf(file, sizeof file, "static_%s_interp_pinf_certified.png", ps->name);
      if (!rc)
        rc = plot_interp(run, file, "p = inf certified", X, Y, n, res.plan_rows, res.plan_cols,
                         res.plan_mass, res.plan_nnz);
    }
  }
  if (!rc && st >= 0) { /* p = inf heuristic */
    st = run_heuristic(ctx, ows, X, Y, n, scratch, rows, cols, mass, &h);
    if (st >= 0) {
      for (size_t i = 0; i < n; ++i) rows[i] = i, cols[i] = perm[i], mass[i] = 1.0 / (double)n;
      snprintf(file, sizeof file, "static_%s_pairing_pinf_heuristic.png", ps->name);
      rc = plot_pairing(paper_path(run, file, path, sizeof path),
                        "p = inf, the paper's permutation heuristic", X, Y, n, rows, cols, mass, n);
      snprintf(file, sizeof file, "static_%s_interp_pinf_heuristic.png", ps->name);
      if (!rc) rc = plot_interp(run, file, "p = inf heuristic", X, Y, n, rows, cols, mass, n);
    }
  }
  if (!rc && st < 0) rc = cli_report("paper", ctx, st);
  if (!rc) {
    snprintf(file, sizeof file, "static_%s_x.npy", ps->name);
    rc = cli_write_array("paper", paper_path(run, file, path, sizeof path), X, n, 2, 2);
    snprintf(file, sizeof file, "static_%s_y.npy", ps->name);
    if (!rc) rc = cli_write_array("paper", paper_path(run, file, path, sizeof path), Y, n, 2, 2);
  }
  if (!rc) {
    cli_json_begin_object(j, ps->name);
    cli_json_int(j, "points", (long long)n);
    cli_json_begin_object(j, "cost_certified");
    cli_json_num(j, "1", cost1);
    cli_json_num(j, "inf", cert);
    cli_json_end_object(j);
    cli_json_begin_object(j, "cost_heuristic");
    cli_json_num(j, "1", cost1);
    cli_json_num(j, "inf", h.cost);
    cli_json_end_object(j);
    cli_json_num(j, "lower_bound_inf", lb);
    cli_json_int(j, "certified_plan_nnz", (long long)cert_nnz);
    cli_json_int(j, "certified_ot_calls", (long long)ot_calls);
    cli_json_int(j, "heuristic_iterations", (long long)h.iterations);
    cli_json_end_object(j);
    paper_note(run, "%s: p=1 %.6g, p=inf certified %.6g (LB %.6g, %zu nonzeros), heuristic %.6g",
               ps->name, cost1, cert, lb, cert_nnz, h.cost);
  }
  specot_spectral_ws_free(sws);
  specot_ot_emd_ws_free(ows);
  specot_ctx_free(ctx);
  free(X), free(perm), free(mass);
  return rc;
}

int paper_static(const paper_run *run, cli_json *j) {
  const size_t n = run->quick ? 150 : 700;
  pair_spec pairs[MAX_PAIRS] = {
      {"annulus-twodisks", "annulus", "two-disks", 0, 0, 1.55, NULL, NULL, 0},
      {"cross-heart", "cross", "heart", 0, 0, 1.45, NULL, NULL, 0},
      {"two-point-cross", NULL, NULL, 0, 0, 1.0, CROSS_X, CROSS_Y, 2}};
  int npairs = MAX_PAIRS;
  if (run->nimages == 1)
    pairs[0] = (pair_spec){"image-annulus", run->images[0], "annulus", 1, 0, 1.55, NULL, NULL, 0},
    npairs = 1;
  else if (run->nimages == 2)
    pairs[0] =
        (pair_spec){"image-image", run->images[0], run->images[1], 1, 1, 1.55, NULL, NULL, 0},
    npairs = 1;
  cli_json_int(j, "points", (long long)n);
  cli_json_begin_object(j, "pairs");
  int rc = CLI_EXIT_OK;
  for (int k = 0; k < npairs && !rc; ++k)
    rc = run_pair(run, &pairs[k], pairs[k].fixed_n ? pairs[k].fixed_n : n, j);
  cli_json_end_object(j);
  return rc;
}
