/* libFuzzer target: each command's checks of its input arrays.  The input bytes give
 * a command, the shapes (sometimes mismatched) and the entries (with NaN, +-Inf, huge,
 * subnormal and negative values) of small arrays written as .npy files; the command
 * runs on them.  It must end with an exit code of the contract (0, 2, 3, 4), and when
 * it fails it must leave no output file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct reader {
  const uint8_t *p;
  size_t left;
} reader;

static unsigned next(reader *r) {
  if (!r->left) return 0;
  --r->left;
  return *r->p++;
}

static double value(reader *r) {
  const unsigned b = next(r);
  switch (b) {
    case 0: return 0.0;
    case 1: return NAN;
    case 2: return INFINITY;
    case 3: return -INFINITY;
    case 4: return 1e308;
    case 5: return -1e-310;
    case 6: return 1e-300;
    default: return ((double)b - 128.0) / 16.0;
  }
}

/* Writes an r x c array (ndim 1 when c == 0) of values from the input. */
static void array(specot_ctx *ctx, reader *rd, const char *name, size_t r, size_t c) {
  double v[64];
  const size_t len = r * (c ? c : 1);
  for (size_t k = 0; k < len && k < 64; ++k) v[k] = value(rd);
  fuzz_scratch();
  if (specot_io_write(ctx, name, v, r, c ? c : 1, c ? 2 : 1) != SPECOT_OK) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static specot_ctx *ctx;
  if (!ctx) ctx = specot_ctx_alloc();
  if (size < 4) return 0;
  reader rd = {data, size};
  const unsigned cmd = next(&rd) % 10, variant = next(&rd), shape = next(&rd);
  const size_t n = 1 + shape % 5, d = 1 + (shape / 5) % 3, m = 1 + (shape / 15) % 5;
  const size_t dy = (variant & 1) ? d + 1 : d; /* sometimes a dimension mismatch */
  const size_t na = (variant & 2) ? n + 1 : n;
  static const char *ps[] = {"1", "2", "inf", "0.5"};
  const char *p = ps[(variant >> 2) & 3];
  char *argv[24];
  int argc = 0;
#define ARG(s) (argv[argc++] = (char *)(s))
  switch (cmd) {
    case 0:
    case 1:
    case 7:
    case 8:
      array(ctx, &rd, "X.npy", n, d);
      array(ctx, &rd, "Y.npy", m, dy);
      ARG(cmd == 0 ? "transport" : cmd == 1 ? "ot" : cmd == 7 ? "divergence" : "geodesic");
      ARG("X.npy");
      ARG("Y.npy");
      if (cmd == 0 || cmd == 8) {
        ARG("-p");
        ARG(p);
      }
      if (cmd == 0 || cmd == 1) {
        array(ctx, &rd, "a.npy", na, 0);
        array(ctx, &rd, "b.npy", m, 0);
        ARG("--a");
        ARG("a.npy");
        ARG("--b");
        ARG("b.npy");
        ARG(cmd == 0 ? "--dual" : "--plan");
        ARG(cmd == 0 ? "Q.npy" : "plan.csv");
      }
      if (cmd == 1 && (variant & 16)) {
        ARG("--solver");
        ARG("sinkhorn");
        ARG("--eps");
        ARG("0.5");
      }
      if (cmd == 7) {
        ARG("--eps");
        ARG("0.5");
        ARG("--grad");
        ARG("g.npy");
      }
      if (cmd == 8) {
        ARG("-t");
        ARG("0.5");
        ARG("-o");
        ARG("Z.npy");
      }
      break;
    case 2:
      array(ctx, &rd, "m0.npy", d, 0);
      array(ctx, &rd, "A.npy", d, d);
      array(ctx, &rd, "m1.npy", dy, 0);
      array(ctx, &rd, "B.npy", d, (variant & 2) ? d + 1 : d);
      ARG("gaussian");
      ARG("--mean0");
      ARG("m0.npy");
      ARG("--cov0");
      ARG("A.npy");
      ARG("--mean1");
      ARG("m1.npy");
      ARG("--cov1");
      ARG("B.npy");
      ARG("-p");
      ARG(p);
      ARG("--cross");
      ARG("K.npy");
      break;
    case 3:
    case 4:
    case 5:
    case 6:
    case 9:
      array(ctx, &rd, "G.npy", n, (cmd == 6) ? n : d);
      if (cmd == 3) {
        ARG("lmo");
        ARG("G.npy");
        ARG("-p");
        ARG(p);
        ARG("-o");
        ARG("V.npy");
      } else if (cmd == 4) {
        static const char *methods[] = {"auto", "svd", "gram", "ns5", "polar-express",
                                        "cubic", "regularized", "auto"};
        ARG("polar");
        ARG("G.npy");
        ARG("--method");
        ARG(methods[(variant >> 4) & 7]);
        ARG("-o");
        ARG("Q.npy");
      } else if (cmd == 5) {
        ARG("norm");
        ARG("G.npy");
        ARG("--schatten");
        ARG(p);
      } else if (cmd == 6) {
        ARG("gauge");
        ARG("G.npy");
        ARG("-p");
        ARG(p);
      } else {
        array(ctx, &rd, "H.npy", n, (variant & 1) ? d + 1 : d);
        ARG("muon-step");
        ARG("G.npy");
        ARG("H.npy");
        ARG("-o");
        ARG("W.npy");
      }
      break;
  }
  ARG("--json");
  argv[argc] = NULL;
#undef ARG
  const int before = fuzz_count_files();
  int rc = 0;
  const char *name = argv[0];
  if (!strcmp(name, "transport")) rc = cmd_transport(argc, argv);
  else if (!strcmp(name, "ot")) rc = cmd_ot(argc, argv);
  else if (!strcmp(name, "divergence")) rc = cmd_divergence(argc, argv);
  else if (!strcmp(name, "geodesic")) rc = cmd_geodesic(argc, argv);
  else if (!strcmp(name, "gaussian")) rc = cmd_gaussian(argc, argv);
  else if (!strcmp(name, "lmo")) rc = cmd_lmo(argc, argv);
  else if (!strcmp(name, "polar")) rc = cmd_polar(argc, argv);
  else if (!strcmp(name, "norm")) rc = cmd_norm(argc, argv);
  else if (!strcmp(name, "gauge")) rc = cmd_gauge(argc, argv);
  else rc = cmd_muon_step(argc, argv);
  fflush(stdout);
  if (rc != 0 && rc != 2 && rc != 3 && rc != 4) abort();
  if (rc != 0 && fuzz_count_files() != before) abort(); /* a failed command wrote a file */
  fuzz_clean();
  return 0;
}
