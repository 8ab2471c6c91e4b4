/* The recovery and capacity experiments of the associative memory (spec
 * shk_dp_memory.md sec. 7), shared by `specot memory bench` and the demo. */
#ifndef SPECOT_CLI_MEMORY_H
#define SPECOT_CLI_MEMORY_H

#include <stdio.h>

#include "cli.h"
#include "specot/memory.h"
#include "specot/rng.h"

/* Methods compared, in table order. */
enum { MEM_SHK, MEM_NOFLOW, MEM_DIST_RAW, MEM_DIST_SORTED, MEM_DOT_RAW, MEM_DOT_SORTED,
       MEM_METHODS };
extern const char *const memory_method_names[MEM_METHODS];

typedef struct memory_exp {
  size_t K, n, d;       /* patterns, points per pattern, dimension */
  double radius;        /* centres ~ N(0, radius^2 I) (0 = random pattern model) */
  double eps, beta;     /* memory parameters (beta_H = beta / n for Hopfield) */
  double sigma_w, box;  /* weight noise e^{sigma_w zeta}; outliers uniform in [-box, box]^d */
  int perturb_weights;  /* 1: perturb the query weights (recovery), 0: uniform (capacity) */
  specot_amem_opts flow;/* retrieval options (tau, eta, steps, halvings) */
  int hopfield;         /* 1: also run the four Hopfield variants */
} memory_exp;

/* Success counts over `queries` queries at one noise level. */
typedef struct memory_exp_row {
  double sigma, p_out;
  size_t queries;
  size_t success[MEM_METHODS];
  double s_before, s_after; /* mean S_eps(q, P_true) before / after the flow */
  double seconds;           /* wall time of the level */
} memory_exp_row;

/* Progress hook: called after every query (done, total). */
typedef void (*memory_exp_tick)(void *data, size_t done, size_t total);

/* Draws the K patterns (rows of Y: K n x d) from rng. */
void memory_exp_patterns(const memory_exp *e, specot_rng *rng, double *Y);
/* One noise level: draws `queries` queries from rng (true index uniform), runs
 * every method.  Returns 0 or an exit code after printing an error. */
int memory_exp_level(const char *cmd, const memory_exp *e, const specot_amem *mem,
                     const double *Y, double sigma, double p_out, size_t queries,
                     specot_rng *rng, memory_exp_tick tick, void *tick_data, size_t *done,
                     size_t total, memory_exp_row *row);
/* Prints a recovery table (rows for one p_out). */
void memory_exp_print_table(FILE *out, const memory_exp_row *rows, size_t nrows);

/* The subcommands of `specot memory` (argv[0] = the subcommand name). */
int memory_store_main(int argc, char **argv);
int memory_retrieve_main(int argc, char **argv);
int memory_bench_main(int argc, char **argv);

#endif
