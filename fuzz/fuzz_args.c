/* libFuzzer target: the command-line option parser and each command's option and
 * input checks.  The input is split at newlines into argv; the first byte picks the
 * command.  The scratch folder holds small valid arrays (X.npy, Y.npy, a.npy, ...)
 * the arguments may name.  Every run must end with an exit code of the contract
 * (0, 2, 3, 4) and a failed run must leave no new file behind.  `flow` is parsed and
 * validated only (its runs are covered by the tests); `demo`, and the training commands
 * `shk`, `sdot`, `memory`, `generate` (seconds per run) are not run.  Inputs with
 * an argument naming a folder ('/') or a number above 1e4 (legitimately long runs)
 * are skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flow_cli.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*command_fn)(int argc, char **argv);
static const struct {
  const char *name;
  command_fn run;
} commands[] = {
    {"convert", cmd_convert},       {"lmo", cmd_lmo},           {"polar", cmd_polar},
    {"norm", cmd_norm},             {"gauge", cmd_gauge},       {"ot", cmd_ot},
    {"divergence", cmd_divergence}, {"transport", cmd_transport}, {"gaussian", cmd_gaussian},
    {"geodesic", cmd_geodesic},     {"muon-step", cmd_muon_step}, {"dpcert", cmd_dpcert},
    {"flow", NULL},
};
enum { NCMD = sizeof commands / sizeof commands[0], MAXARG = 24 };
static int nseeds;

static void put_array(specot_ctx *ctx, const char *name, const double *v, size_t r, size_t c,
                      int ndim) {
  fuzz_scratch();
  if (specot_io_write(ctx, name, v, r, c, ndim) != SPECOT_OK) abort();
}

static void make_seeds(void) {
  specot_ctx *ctx = specot_ctx_alloc();
  const double X[] = {0, 0, 1, 0, 0, 1, 1, 1}, Y[] = {0.5, 0.2, 2, 1, -1, 0.3};
  const double a[] = {0.25, 0.25, 0.25, 0.25}, b[] = {0.5, 0.25, 0.25};
  const double A[] = {2, 0.5, 0.5, 1}, B[] = {1, 0, 0, 3}, m[] = {0, 1};
  put_array(ctx, "X.npy", X, 4, 2, 2);
  put_array(ctx, "Y.npy", Y, 3, 2, 2);
  put_array(ctx, "X.csv", X, 4, 2, 2);
  put_array(ctx, "a.npy", a, 4, 1, 1);
  put_array(ctx, "b.npy", b, 3, 1, 1);
  put_array(ctx, "A.npy", A, 2, 2, 2);
  put_array(ctx, "B.npy", B, 2, 2, 2);
  put_array(ctx, "m.npy", m, 2, 1, 1);
  put_array(ctx, "G.npy", Y, 3, 2, 2);
  specot_ctx_free(ctx);
  nseeds = fuzz_count_files();
}

static int skip_arg(const char *s) {
  if (strchr(s, '/')) return 1;
  char *end;
  const double v = strtod(s, &end);
  return end != s && (v > 1e4 || v < -1e4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!nseeds) make_seeds();
  if (size < 1 || size > 512) return 0;
  char buf[520];
  memcpy(buf, data + 1, size - 1);
  buf[size - 1] = '\0';
  char *argv[MAXARG + 2];
  int argc = 0;
  const int which = data[0] % NCMD;
  argv[argc++] = (char *)commands[which].name;
  for (char *p = buf; argc < MAXARG + 1;) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    if (skip_arg(p)) return 0;
    argv[argc++] = p;
    if (!nl) break;
    p = nl + 1;
  }
  if (size == 1) argc = 1;
  argv[argc] = NULL;
  int rc;
  if (!commands[which].run) {
    flow_cfg c;
    flow_cfg_init(&c);
    rc = flow_parse_args(argc, argv, &c);
    if (rc < 0) rc = 0;
    else if (!rc && !c.resume) rc = flow_validate(&c);
  } else {
    rc = commands[which].run(argc, argv);
  }
  fflush(stdout);
  if (rc != 0 && rc != 2 && rc != 3 && rc != 4) abort();
  if (rc != 0 && fuzz_count_files() != nseeds) abort(); /* a failed command wrote a file */
  if (rc == 0) { /* outputs may have been written over the seeds: start afresh */
    fuzz_clean();
    nseeds = 0;
  }
  return 0;
}
