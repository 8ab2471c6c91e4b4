/* `specot lmo`: Schatten steepest-descent direction J_p of a matrix, of
 * weighted particles, or over column blocks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "specot/linalg.h"

enum { MAX_BLOCKS = 4096 };

/* Exponent e with max|a_i| < 2^e (0 when a = 0): a * 2^-e is exact. */
static int max_exponent(const double *a, size_t len) {
  double big = 0.0;
  for (size_t i = 0; i < len; ++i) big = fmax(big, fabs(a[i]));
  int e = 0;
  (void)frexp(big, &e);
  return e;
}

/* Pairing sum_i w_i <g_i, v_i> (w NULL = 1) of m x n matrices, summed on the
 * exactly rescaled G 2^-eg and V 2^-ev (entries < 1) so that no partial sum
 * overflows: a pairing beyond DBL_MAX comes out as -inf, never as NaN. */
static double pairing_of(const double *g, const double *v, const double *w, size_t m, size_t n) {
  const int eg = max_exponent(g, m * n), ev = max_exponent(v, m * n);
  double acc = 0.0;
  for (size_t i = 0; i < m; ++i) {
    double row = 0.0;
    for (size_t j = 0; j < n; ++j) row += ldexp(g[i * n + j], -eg) * ldexp(v[i * n + j], -ev);
    acc += (w ? w[i] : 1.0) * row;
  }
  return ldexp(acc, eg + ev);
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: specot lmo G.npy -p P [--rtol R] [--weights w.npy | --blocks "
          "W1,W2,...\n"
          "                  [--gauge sum|max]] [-o V.npy] [--json]\n"
          "Steepest-descent direction (LMO) of the force/gradient matrix G (m x n, "
          "rows are\n"
          "particles):  J_p(G) = argmin_V <G,V> + 1/2 ||V||_{S_2p}^2\n"
          "             = -||G||_{S_q}^{2-q} U diag(sigma^{q-1}) W^T,  q = "
          "2p/(2p-1),\n"
          "including the minus sign and the dual-norm scale (p = 1: -G; p = inf: "
          "the\n"
          "trace-scaled polar factor -||G||_* U W^T, i.e. Muon).\n"
          "Options:\n"
          "  -p P             exponent, P >= 1/2 or 'inf' (required)\n"
          "  --rtol R         singular values <= R*sigma_max count as 0 (default\n"
          "                   eps*max(m,n); 0 keeps all)\n"
          "  --weights w.npy  particle weights (n values >= 0 summing to 1): the "
          "measure\n"
          "                   LMO v_i = [J_p(diag(sqrt w) G)]_i / sqrt(w_i)\n"
          "  --blocks LIST    column block widths summing to n: block LMO\n"
          "  --gauge sum|max  block gauge: sum_b gamma_p(S_bb) (independent "
          "blocks,\n"
          "                   default) or max_b gamma_p(S_bb) (common clock)\n"
          "  -o V.npy         write the direction (.npy or .csv by extension)\n"
          "  --json           print {p, pairing, dual_norm, velocity_norm, ...} as "
          "JSON\n"
          "The pairing is <G,V> (sum_i w_i <g_i,v_i> with weights) and equals "
          "-dual_norm^2;\n"
          "velocity_norm = dual_norm.  Exit: 0 ok, 2 usage, 3 bad input, 4 "
          "numerical.\n");
}

int cmd_lmo(int argc, char **argv) {
  static const char CMD[] = "lmo";
  const char *in = NULL, *out = NULL, *wpath = NULL, *blocks = NULL, *gauge_s = NULL;
  double p = NAN, rtol = SPECOT_LINALG_RTOL_DEFAULT;
  int json = 0, npos = 0, rc = CLI_EXIT_OK;
  for (int i = 1; i < argc && !rc; ++i) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      usage(stdout);
      return CLI_EXIT_OK;
    } else if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, "-p") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &p, 0.5, INFINITY, "a number >= 1/2 or 'inf'");
    } else if (strcmp(a, "--rtol") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &rtol, 0.0, INFINITY, "a number >= 0");
    } else if (strcmp(a, "--weights") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &wpath);
    } else if (strcmp(a, "--blocks") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &blocks);
    } else if (strcmp(a, "--gauge") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &gauge_s);
    } else if (strcmp(a, "-o") == 0) {
      rc = cli_opt_str(CMD, argc, argv, &i, &out);
    } else {
      rc = cli_positional(CMD, a, &in, 1, &npos);
    }
  }
  if (rc) return rc;
  if (!in) return cli_usage_error(CMD, "needs an input matrix G");
  if (isnan(p)) return cli_usage_error(CMD, "needs the exponent -p");
  if (wpath && blocks) return cli_usage_error(CMD, "--weights and --blocks exclude each other");
  if (gauge_s && !blocks) return cli_usage_error(CMD, "--gauge applies to --blocks only");
  specot_linalg_block_gauge gauge = SPECOT_LINALG_BLOCK_SUM;
  if (!gauge_s || strcmp(gauge_s, "sum") == 0)
    gauge = SPECOT_LINALG_BLOCK_SUM;
  else if (strcmp(gauge_s, "max") == 0)
    gauge = SPECOT_LINALG_BLOCK_MAX;
  else
    return cli_usage_error(CMD, "--gauge must be 'sum' or 'max', not '%s'", gauge_s);
  size_t widths[MAX_BLOCKS];
  int nblocks = 0;
  if (blocks && (nblocks = cli_parse_size_list(blocks, widths, MAX_BLOCKS)) <= 0)
    return cli_usage_error(CMD, "bad --blocks list '%s'", blocks);

  specot_array G = {0}, W = {0};
  if ((rc = cli_read_array(CMD, in, &G))) return rc;
  const size_t m = G.rows, n = G.cols;
  if ((rc = cli_read_weights(CMD, wpath, m, "--weights", &W))) {
    specot_array_free(&G);
    specot_array_free(&W);
    return rc;
  }
  specot_ctx *ctx = specot_ctx_alloc();
  double *V = calloc((G.rows * G.cols) + 1, sizeof *V);
  if (!ctx || !V) {
    rc = cli_out_of_memory(CMD);
    goto done;
  }
  double dual = 0.0, vnorm = 0.0, pairing = 0.0;
  specot_status st;
  const char *kind = "matrix";
  if (wpath) {
    kind = "particle";
    st = specot_linalg_particle_lmo(ctx, NULL, G.data, m, n, W.data, p, rtol, V, &dual);
    if (st >= 0) st = specot_linalg_velocity_norm(ctx, NULL, V, m, n, W.data, p, &vnorm);
    if (st >= 0) pairing = pairing_of(G.data, V, W.data, m, n);
  } else if (blocks) {
    kind = gauge == SPECOT_LINALG_BLOCK_MAX ? "block-max" : "block-sum";
    st = specot_linalg_block_lmo(ctx, NULL, G.data, m, n, widths, (size_t)nblocks, p, gauge, rtol,
                                 V, &dual);
    if (st >= 0)
      st = specot_linalg_block_norm(ctx, NULL, V, m, n, widths, (size_t)nblocks, p, gauge, &vnorm);
    if (st >= 0) pairing = pairing_of(G.data, V, NULL, m, n);
  } else {
    st = specot_linalg_lmo(ctx, NULL, G.data, m, n, p, rtol, V, &dual);
    if (st >= 0) st = specot_linalg_schatten_norm(ctx, NULL, V, m, n, 2.0 * p, &vnorm);
    if (st >= 0) pairing = pairing_of(G.data, V, NULL, m, n);
  }
  if (st < 0) {
    rc = cli_report_files(CMD, ctx, st, in, NULL);
    goto done;
  }
  if (out && (rc = cli_write_array(CMD, out, V, m, n, G.ndim == 2 ? 2 : 1))) goto done;
  if (json) {
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_str(&j, "kind", kind);
    cli_json_num(&j, "p", p);
    cli_json_int(&j, "rows", (long long)m);
    cli_json_int(&j, "cols", (long long)n);
    cli_json_num(&j, "pairing", pairing);
    cli_json_num(&j, "dual_norm", dual);
    cli_json_num(&j, "velocity_norm", vnorm);
    cli_json_end(&j);
  } else {
    printf(
        "lmo (%s, p = %g): pairing %.17g, dual norm %.17g, velocity norm "
        "%.17g\n",
        kind, p, pairing, dual, vnorm);
  }
done:
  free(V);
  specot_ctx_free(ctx);
  specot_array_free(&G);
  specot_array_free(&W);
  return rc;
}
