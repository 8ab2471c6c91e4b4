/* `specot convert`: converts an array between .npy and text/CSV (and reports its shape). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: specot convert IN OUT [--allow-nonfinite] [--json]\n"
          "Reads the array IN and writes it to OUT; formats follow the extensions\n"
          "(.npy: float64/float32/int32/int64, C order; .csv/.txt/.tsv/.dat: comma or\n"
          "whitespace separated, '#' comments).  OUT is written atomically.\n"
          "Options:\n"
          "  --allow-nonfinite  accept NaN/Inf entries (default: rejected)\n"
          "  --json             print {rows, cols, ndim} as JSON\n");
}

int cmd_convert(int argc, char **argv) {
  const char *pos[2] = {NULL, NULL};
  int json = 0, allow_nonfinite = 0, npos = 0, rc = CLI_EXIT_OK;
  for (int i = 1; i < argc && !rc; ++i) {
    if (cli_is_help(argv[i])) {
      usage(stdout);
      return CLI_EXIT_OK;
    } else if (strcmp(argv[i], "--json") == 0) {
      json = 1;
    } else if (strcmp(argv[i], "--allow-nonfinite") == 0) {
      allow_nonfinite = 1;
    } else {
      rc = cli_positional("convert", argv[i], pos, 2, &npos);
    }
  }
  if (rc) return rc;
  if (npos < 2) return cli_usage_error("convert", "needs an input and an output file");
  const char *in = pos[0], *out = pos[1];
  specot_ctx *ctx = specot_ctx_alloc();
  if (!ctx) return cli_out_of_memory("convert");
  specot_io_read_opts opts;
  specot_io_read_opts_init(&opts);
  opts.require_finite = !allow_nonfinite;
  specot_array a;
  specot_status st = specot_io_read(ctx, in, &opts, &a);
  if (st == SPECOT_OK && a.rows * a.cols == 0) {
    fprintf(stderr, "specot convert: error: '%s' is empty (%zu x %zu)\n", in, a.rows, a.cols);
    specot_array_free(&a);
    specot_ctx_free(ctx);
    return CLI_EXIT_INPUT;
  }
  if (st == SPECOT_OK) st = specot_io_write(ctx, out, a.data, a.rows, a.cols, a.ndim);
  if (st < 0) {
    rc = cli_report("convert", ctx, st);
  } else if (json) {
    cli_json j;
    cli_json_begin(&j, stdout);
    cli_json_int(&j, "rows", (long long)a.rows);
    cli_json_int(&j, "cols", (long long)a.cols);
    cli_json_int(&j, "ndim", a.ndim);
    cli_json_end(&j);
  }
  specot_array_free(&a);
  specot_ctx_free(ctx);
  return rc;
}
