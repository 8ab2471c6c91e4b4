/* `specot demo`: runs every demo section on built-in data, writing under out/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "demo.h"

typedef struct section {
  const char *name;
  int (*run)(const demo_opts *opts);
  const char *summary;
} section;

static const section sections[] = {
#define X(name, fn, summary) {name, fn, summary},
    DEMO_SECTIONS
#undef X
};
enum { NSECTIONS = sizeof sections / sizeof sections[0] };

static void usage(FILE *out) {
  fprintf(out,
          "usage: specot demo [--out DIR] [--only NAME] [--full] [--quiet]\n"
          "Runs the built-in demonstration and writes its results (arrays, JSON, PNG\n"
          "pictures) under DIR (default: out).  Sections:\n");
  for (int i = 0; i < NSECTIONS; ++i)
    fprintf(out, "  %-12s %s\n", sections[i].name, sections[i].summary);
  fprintf(out,
          "Options:\n"
          "  --out DIR    output folder, created if missing (default out)\n"
          "  --only NAME  run one section\n"
          "  --full       paper-size runs (slow)\n"
          "  --quiet      no progress output\n");
}

int cmd_demo(int argc, char **argv) {
  demo_opts opts = {"out", 0, 0};
  const char *only = NULL;
  int rc = CLI_EXIT_OK, npos = 0;
  for (int i = 1; i < argc && !rc; ++i) {
    if (cli_is_help(argv[i])) {
      usage(stdout);
      return CLI_EXIT_OK;
    } else if (strcmp(argv[i], "--out") == 0) {
      rc = cli_opt_str("demo", argc, argv, &i, &opts.outdir);
    } else if (strcmp(argv[i], "--only") == 0) {
      rc = cli_opt_str("demo", argc, argv, &i, &only);
    } else if (strcmp(argv[i], "--full") == 0) {
      opts.full = 1;
    } else if (strcmp(argv[i], "--quiet") == 0) {
      opts.quiet = 1;
    } else {
      rc = cli_positional("demo", argv[i], NULL, 0, &npos);
    }
  }
  if (rc) return rc;
  if (only) {
    int found = 0;
    for (int i = 0; i < NSECTIONS; ++i) found |= strcmp(only, sections[i].name) == 0;
    if (!found) return cli_usage_error("demo", "unknown section '%s'", only);
  }
  if (mkdir(opts.outdir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "specot demo: error: cannot create folder '%s': %s\n", opts.outdir,
            strerror(errno));
    return CLI_EXIT_INPUT;
  }
  printf("specot %s demo — results under %s/\n", specot_version(), opts.outdir);
  for (int i = 0; i < NSECTIONS; ++i) {
    if (only && strcmp(only, sections[i].name) != 0) continue;
    printf("\n== %s: %s ==\n", sections[i].name, sections[i].summary);
    if ((rc = sections[i].run(&opts)) != CLI_EXIT_OK) return rc;
  }
  return CLI_EXIT_OK;
}
