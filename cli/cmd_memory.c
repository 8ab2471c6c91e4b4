/* `specot memory store|retrieve|bench`: a Sinkhorn associative memory of
 * weighted point clouds.  This file: the dispatcher and `store`; retrieve in
 * cmd_memory_retrieve.c, bench in cmd_memory_bench.c. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory_cli.h"

static const char CMD[] = "memory";
static const char STORE[] = "memory store";

static void usage(FILE *out) {
  fprintf(out,
          "usage: specot memory store P1.npy P2.npy ... --eps E --beta B -o DIR [options]\n"
          "       specot memory retrieve DIR Q.npy -o OUT.npy [options]\n"
          "       specot memory bench [options]\n"
          "Dense associative memory of weighted point clouds: energy\n"
          "E(q) = -(1/beta) log sum_k exp(-beta S_eps(q, P_k)) with the debiased Sinkhorn\n"
          "divergence (cost |x-y|^2/2), retrieval by the discretised SHK flow (positions and\n"
          "weights), against Euclidean Hopfield baselines.  'specot memory CMD --help' gives\n"
          "the options of each subcommand.\n");
}

static void usage_store(FILE *out) {
  fprintf(out,
          "usage: specot memory store P1.npy P2.npy ... --eps E --beta B -o DIR\n"
          "                           [--weights b1.npy,b2.npy,...] [--tol T] [--max-iter N]\n"
          "                           [--json]\n"
          "Stores K point clouds (each n_k x d, sizes may differ) with OT_eps(P_k,P_k)\n"
          "precomputed, as DIR/manifest.json + DIR/pattern_NNNN.npy + DIR/weights_NNNN.npy.\n"
          "Options:\n"
          "  --eps E        entropic blur in cost units, > 0 (required)\n"
          "  --beta B       inverse temperature of the energy, > 0 (required)\n"
          "  -o DIR         output directory (created if missing; required)\n"
          "  --weights L    comma-separated weight files, one per pattern (default uniform;\n"
          "                 normalised to sum 1)\n"
          "  --tol T        Sinkhorn L1 marginal tolerance of every solve with this memory\n"
          "                 (self terms now, retrievals later; saved; default 1e-6)\n"
          "  --max-iter N   Sinkhorn iteration cap (saved; default 1000; reaching it is a\n"
          "                 warning with valid outputs)\n"
          "  --json         print K, d, sizes and self_terms as JSON\n"
          "Exit codes: 0 ok, 2 usage (e.g. eps <= 0), 3 bad input (dimension mismatch, bad weights).\n");
}

/* ---- store -------------------------------------------------------------- */

int memory_store_main(int argc, char **argv) {
  const char **files = calloc((size_t)argc, sizeof *files), *out = NULL, *wlist = NULL;
  double eps = NAN, beta = NAN, tol = 1e-6;
  size_t max_iter = 1000;
  int json = 0, nfiles = 0, rc = 0;
  if (!files) return cli_out_of_memory(STORE);
  for (int i = 1; i < argc && !rc; ++i) {
    const char *arg = argv[i];
    if (cli_is_help(arg)) {
      usage_store(stdout);
      free(files);
      return CLI_EXIT_OK;
    } else if (!strcmp(arg, "--json")) {
      json = 1;
    } else if (!strcmp(arg, "--eps")) {
      rc = cli_opt_double(STORE, argc, argv, &i, &eps, DBL_TRUE_MIN, DBL_MAX, "a number > 0");
    } else if (!strcmp(arg, "--beta")) {
      rc = cli_opt_double(STORE, argc, argv, &i, &beta, DBL_TRUE_MIN, DBL_MAX, "a number > 0");
    } else if (!strcmp(arg, "--tol")) {
      rc = cli_opt_double(STORE, argc, argv, &i, &tol, DBL_TRUE_MIN, DBL_MAX, "a number > 0");
    } else if (!strcmp(arg, "--max-iter")) {
      rc = cli_opt_size(STORE, argc, argv, &i, &max_iter, 1, SIZE_MAX, "an integer >= 1");
    } else if (!strcmp(arg, "-o") || !strcmp(arg, "--out")) {
      rc = cli_opt_str(STORE, argc, argv, &i, &out);
    } else if (!strcmp(arg, "--weights")) {
      rc = cli_opt_str(STORE, argc, argv, &i, &wlist);
    } else {
      rc = cli_positional(STORE, arg, files, argc, &nfiles);
    }
  }
  if (!rc && nfiles == 0) rc = cli_usage_error(STORE, "needs at least one pattern file");
  if (!rc && isnan(eps)) rc = cli_usage_error(STORE, "--eps is required");
  if (!rc && isnan(beta)) rc = cli_usage_error(STORE, "--beta is required");
  if (!rc && !out) rc = cli_usage_error(STORE, "-o DIR is required");
  if (rc) {
    free(files);
    return rc;
  }
  const size_t K = (size_t)nfiles;
  specot_array *P = calloc(K, sizeof *P), *B = calloc(K, sizeof *B);
  size_t *n = calloc(K, sizeof *n), N = 0;
  char *wcopy = wlist ? strdup(wlist) : NULL;
  double *Y = NULL, *b = NULL;
  specot_ctx *ctx = specot_ctx_alloc();
  specot_amem *mem = NULL;
  if (!P || !B || !n || !ctx || (wlist && !wcopy)) {
    rc = cli_out_of_memory(STORE);
    goto done;
  }
  for (size_t k = 0; k < K && !rc; ++k) {
    rc = cli_read_array(STORE, files[k], &P[k]);
    if (!rc && P[k].cols != P[0].cols) {
      fprintf(stderr,
              "specot %s: error: dimension mismatch: '%s' has d = %zu, '%s' has d = %zu\n", STORE,
              files[k], P[k].cols, files[0], P[0].cols);
      rc = CLI_EXIT_INPUT;
    }
    n[k] = P[k].rows;
    N += n[k];
  }
  if (!rc && wcopy) {
    size_t k = 0;
    for (char *tok = strtok(wcopy, ","); tok && !rc; tok = strtok(NULL, ","), ++k)
      rc = k < K ? cli_read_vector(STORE, tok, n[k], "weight vector", &B[k])
                 : cli_usage_error(STORE, "--weights lists more files than patterns (%zu)", K);
    if (!rc && k != K)
      rc = cli_usage_error(STORE, "--weights lists %zu files for %zu patterns", k, K);
  }
  if (rc) goto done;
  const size_t d = P[0].cols;
  Y = malloc(N * d * sizeof *Y);
  b = malloc(N * sizeof *b);
  if (!Y || !b) {
    rc = cli_out_of_memory(STORE);
    goto done;
  }
  for (size_t k = 0, off = 0; k < K; off += n[k], ++k) {
    memcpy(Y + off * d, P[k].data, n[k] * d * sizeof *Y);
    for (size_t j = 0; j < n[k]; ++j) b[off + j] = wcopy ? B[k].data[j] : 1.0;
  }
  specot_ot_sinkhorn_opts sk;
  specot_amem_sinkhorn_defaults(&sk);
  sk.tol = tol;
  sk.max_iter = max_iter;
  specot_status st = specot_amem_alloc(ctx, K, n, d, Y, b, eps, beta, &sk, &mem);
  if (st < 0) {
    rc = cli_report(STORE, ctx, st);
    goto done;
  }
  cli_warn(STORE, ctx, st);
  if ((st = specot_amem_save(ctx, mem, out)) != SPECOT_OK) {
    rc = cli_report(STORE, ctx, st);
    goto done;
  }
  if (json) {
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_str(&j, "memory", out);
    cli_json_int(&j, "K", (long long)K);
    cli_json_int(&j, "d", (long long)d);
    cli_json_num(&j, "eps", eps);
    cli_json_num(&j, "beta", beta);
    double *tmp = malloc(K * sizeof *tmp);
    if (tmp) {
      for (size_t k = 0; k < K; ++k) tmp[k] = (double)n[k];
      cli_json_array(&j, "sizes", tmp, K);
      for (size_t k = 0; k < K; ++k) specot_amem_pattern(mem, k, NULL, NULL, NULL, &tmp[k]);
      cli_json_array(&j, "self_terms", tmp, K);
      free(tmp);
    }
    cli_json_end(&j);
  } else {
    printf("stored %zu patterns (d = %zu, eps %g, beta %g) in %s\n", K, d, eps, beta, out);
  }
done:
  for (size_t k = 0; P && B && k < K; ++k) {
    specot_array_free(&P[k]);
    specot_array_free(&B[k]);
  }
  specot_amem_free(mem);
  specot_ctx_free(ctx);
  free(P);
  free(B);
  free(n);
  free(wcopy);
  free(Y);
  free(b);
  free(files);
  return rc;
}

int cmd_memory(int argc, char **argv) {
  if (argc < 2) return cli_usage_error(CMD, "needs a subcommand: store, retrieve or bench");
  if (cli_is_help(argv[1])) {
    usage(stdout);
    return CLI_EXIT_OK;
  }
  if (!strcmp(argv[1], "store")) return memory_store_main(argc - 1, argv + 1);
  if (!strcmp(argv[1], "retrieve")) return memory_retrieve_main(argc - 1, argv + 1);
  if (!strcmp(argv[1], "bench")) return memory_bench_main(argc - 1, argv + 1);
  return cli_usage_error(CMD, "unknown subcommand '%s' (store, retrieve or bench)", argv[1]);
}
