/* Private interface of `specot flow`, split by job:
 *   cmd_flow.c       the command: checks, output folder, one run per p, summary
 *   flow_options.c   --help, option parsing, which options a model/method uses
 *   flow_runcfg.c    run.cfg (written for checkpoints, read by --resume)
 *   flow_models.c    the objective and initial particles of each model (built-in or user data)
 *   flow_run.c       the run loops (flow engine, reduced sphere flow), progress, snapshots
 *   flow_output.c    the trajectory log, energy plot and JSON summary */
#ifndef SPECOT_CLI_FLOW_H
#define SPECOT_CLI_FLOW_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "specot/flows.h"

#define FLOW_CMD "flow"
/* Exit status of a run stopped by SIGINT/SIGTERM (128 + SIGINT, the shell's convention). */
enum { FLOW_EXIT_INTERRUPTED = 130 };
/* Set by the SIGINT/SIGTERM handler of `specot flow`; the run loops stop at the end of the
 * current step, write the log (and a final checkpoint when checkpointing is on). */
extern volatile sig_atomic_t flow_interrupted;
enum { FLOW_MAX_P = 4, FLOW_NCOL = 10 };

/* Options that must be tracked as "given" (usage errors for models that ignore them). */
enum {
  FLOW_GIVEN_SEED = 1 << 0,
  FLOW_GIVEN_PARTICLES = 1 << 1,
  FLOW_GIVEN_RNG = 1 << 2,
  FLOW_GIVEN_P = 1 << 3
};

typedef struct flow_cfg {
  const char *model;
  double ps[FLOW_MAX_P];
  int np;
  const char *method;
  size_t steps[FLOW_MAX_P]; /* per p (one value applies to all); 0 entries = model default */
  int nsteps;               /* values given to --steps (0 = model default) */
  size_t n, ckpt_every, log_every, snapshot_every;
  uint64_t seed;
  double dts[FLOW_MAX_P];                  /* per p; NAN = model default */
  int ndt;                                 /* values given to --dt */
  double gamma, eps, tau, max_step, clamp; /* NAN = model default */
  const char *out, *resume;
  const char *x0, *weights, *target, *target_weights, *data, *labels; /* user arrays */
  const char *rng;    /* "specot" (default) or "torch" */
  const char *regime; /* attention: "dense" (default) or "sparse" */
  size_t run;         /* attention: run index (seeds 7000 + 100 regime + run, 1000 + run) */
  int run_given, regime_given;
  unsigned given; /* FLOW_GIVEN_* */
  int json, quiet;
} flow_cfg;

/* Defaults of every field. */
void flow_cfg_init(flow_cfg *c);
/* Returns 0, a usage exit code, or -1 after printing the help. */
int flow_parse_args(int argc, char **argv, flow_cfg *c);
/* Model, method, p and option-use checks after parsing (and after a resume load). */
int flow_validate(flow_cfg *c);
int flow_save_cfg(const flow_cfg *c, const char *dir);
int flow_load_cfg(flow_cfg *c, const char *dir);
/* Steps of the k-th p (the model's default when --steps was not given). */
size_t flow_steps(const flow_cfg *c, int k);

/* A model ready to run: objective, initial particles and flow options. */
typedef struct flow_model {
  specot_flow_objective obj;
  double *x0, *w; /* w NULL = uniform */
  size_t n, d;
  specot_flow_opts opts;
  double effective_tokens; /* attention: the teacher's; NAN otherwise */
} flow_model;

/* Builds the model of c for exponent p (the k-th); prints the error and returns the exit
 * code on failure. */
int flow_model_build(const flow_cfg *c, int k, flow_model *m, specot_ctx *ctx);
void flow_model_free(flow_model *m);

/* One line for a failed allocation of n particles (0: no count); returns the exit code. */
int flow_out_of_memory(size_t n);
/* malloc of a * b doubles (+1 byte); NULL on overflow. */
double *flow_alloc_doubles(size_t a, size_t b);
/* "inf" or %g. */
void flow_fmt_p(double p, char *buf, size_t len);

/* Trajectory rows, FLOW_NCOL per row: p,step,t,energy,dissipation,ratio,kinetic,
 * hamiltonian,distance,step_norm. */
typedef struct flow_traj {
  double *rows;
  size_t len, cap;
} flow_traj;
int flow_traj_push(flow_traj *t, double p, const specot_flow_diag *d);
int flow_traj_write(const char *path, const flow_traj *t);
/* Previous rows with step <= last (for --resume). */
int flow_traj_load(const char *dir, uint64_t last, flow_traj *t);

typedef struct flow_result {
  double initial_energy, final_energy, initial_ratio, wall, dt, effective_tokens;
  uint64_t rises, violations, steps;
} flow_result;

/* Runs the k-th p; on success *xfinal (nfinal x dfinal, malloc'ed) holds the particles. */
int flow_run_engine(const flow_cfg *c, int k, const char *dir, flow_traj *t, flow_result *res,
                    double **xfinal, size_t *nfinal, size_t *dfinal);
int flow_run_sphere(const flow_cfg *c, int k, const char *dir, flow_traj *t, flow_result *res,
                    double **xfinal, size_t *nfinal, size_t *dfinal);

int flow_plot_energy(const char *dir, const flow_traj *t, const flow_cfg *c);
void flow_print_json(const flow_cfg *c, const flow_result *res, size_t n);

#endif
