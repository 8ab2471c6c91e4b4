/* Online (matrix-free) entropic paths shared by `specot ot` and `specot divergence`. */
#ifndef SPECOT_CLI_OT_ONLINE_H
#define SPECOT_CLI_OT_ONLINE_H

#include <stddef.h>

#include "cli.h"

/* Parses --memory-limit's value: bytes with an optional K, M, G or T suffix
 * (powers of 1024); 0 = a quarter of the RAM.  0 or CLI_EXIT_USAGE. */
int cli_opt_memory(const char *cmd, int argc, char **argv, int *i, size_t *out);

/* The entropic problem of `specot ot` on the online path. */
typedef struct ot_online_job {
  const specot_array *X, *Y;
  const double *a, *b;
  double eps, tol, plan_threshold; /* tol NaN: default; threshold <= 0: no plan */
  size_t max_iter;                 /* 0: default */
  const char *plan, *pot;          /* output files or NULL */
  int json;
} ot_online_job;

/* Runs it and prints/writes the results; returns the exit code.  pot is
 * "f.npy,g.npy" (already checked to contain a comma). */
int ot_run_online(specot_ctx *ctx, const ot_online_job *job);

#endif
