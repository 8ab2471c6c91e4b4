/* `specot flow`: spectral particle flows on built-in models or the user's data, with
 * trajectory logging, snapshots, an energy plot, a progress bar, and atomic checkpoint /
 * resume.  The jobs live in flow_options.c, flow_models.c, flow_run.c, flow_output.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "flow_cli.h"

#define CMD FLOW_CMD

/* Creates DIR (and its parent) for a new run. */
static int make_out_dir(const char *out) {
  char parent[4096];
  snprintf(parent, sizeof parent, "%s", out);
  char *slash = strrchr(parent, '/');
  if (slash && slash != parent) {
    *slash = '\0';
    (void)mkdir(parent, 0777);
  }
  if (mkdir(out, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "specot flow: error: cannot create folder '%s': %s\n", out, strerror(errno));
    return CLI_EXIT_INPUT;
  }
  return CLI_EXIT_OK;
}

/* --resume: the options of DIR/run.cfg, and the log up to the checkpoint's step. */
static int prepare_resume(flow_cfg *c, flow_traj *t) {
  if (c->model || c->np)
    return cli_usage_error(CMD, "--resume takes the model and p from DIR/run.cfg");
  const size_t steps[FLOW_MAX_P] = {c->steps[0], c->steps[1], c->steps[2], c->steps[3]};
  const int nsteps = c->nsteps;
  int rc = flow_load_cfg(c, c->resume);
  if (rc) return rc;
  memcpy(c->steps, steps, sizeof steps);
  c->nsteps = nsteps;
  if (!c->out) c->out = c->resume;
  if ((rc = flow_validate(c))) return rc;
  char ck[4200];
  snprintf(ck, sizeof ck, "%s/checkpoint.bin", c->resume);
  uint64_t last = 0;
  specot_ctx *cctx = specot_ctx_alloc();
  if (!cctx) return cli_out_of_memory(CMD);
  const specot_status cst = specot_flow_checkpoint_info(cctx, ck, &last, NULL, NULL);
  if (cst < 0) rc = cli_report(CMD, cctx, cst);
  specot_ctx_free(cctx);
  if (rc) return rc;
  const size_t total = flow_steps(c, 0);
  if (last >= total && !c->quiet)
    fprintf(stderr,
            "specot flow: warning: the checkpoint in '%s' is at step %llu; --steps %zu asks for "
            "no further step\n",
            c->resume, (unsigned long long)last, total);
  return flow_traj_load(c->resume, last, t);
}

/* Reads and checks the model's inputs (user arrays included) before anything is written, so
 * that bad input leaves no output folder and no modified file behind. */
static int check_inputs(const flow_cfg *c) {
  specot_ctx *ctx = specot_ctx_alloc();
  if (!ctx) return cli_out_of_memory(CMD);
  flow_model m;
  memset(&m, 0, sizeof m);
  const int rc = flow_model_build(c, 0, &m, ctx);
  if (!rc) flow_model_free(&m);
  specot_ctx_free(ctx);
  return rc;
}

/* One run per p; particles_p<P>.npy per p when several, particles.npy for the last. */
static int run_all(const flow_cfg *c, flow_traj *t, flow_result *res, size_t *n) {
  const int sphere = strcmp(c->model, "sphere") == 0;
  double *x = NULL;
  size_t d = 0;
  int rc = CLI_EXIT_OK;
  for (int k = 0; k < c->np && !rc; ++k) {
    free(x);
    x = NULL;
    rc = sphere ? flow_run_sphere(c, k, c->out, t, &res[k], &x, n, &d)
                : flow_run_engine(c, k, c->out, t, &res[k], &x, n, &d);
    if (!rc && c->np > 1) {
      char path[4200], pb[16];
      flow_fmt_p(c->ps[k], pb, sizeof pb);
      snprintf(path, sizeof path, "%s/particles_p%s.npy", c->out, pb);
      rc = cli_write_array(CMD, path, x, *n, d, 2);
    }
  }
  if (!rc) {
    char path[4200];
    snprintf(path, sizeof path, "%s/particles.npy", c->out);
    rc = cli_write_array(CMD, path, x, *n, d, 2);
  }
  free(x);
  return rc;
}

static void on_interrupt(int sig) {
  (void)sig;
  flow_interrupted = 1;
}

/* SIGINT (Ctrl-C) and SIGTERM stop the run at the end of the current step; a second
 * signal acts as usual (SA_RESETHAND). */
static void catch_interrupts(struct sigaction *old_int, struct sigaction *old_term) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  flow_interrupted = 0;
  sigaction(SIGINT, &sa, old_int);
  sigaction(SIGTERM, &sa, old_term);
}

int cmd_flow(int argc, char **argv) {
  flow_cfg c;
  flow_cfg_init(&c);
  int rc = flow_parse_args(argc, argv, &c);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  flow_traj t = {0};
  struct sigaction old_int, old_term;
  catch_interrupts(&old_int, &old_term); /* a signal during the setup stops at step 0 */
  if (c.resume) {
    rc = prepare_resume(&c, &t);
  } else {
    rc = flow_validate(&c);
    if (!rc) rc = check_inputs(&c);
    if (!rc && !c.out) c.out = "out/flow";
    if (!rc) rc = make_out_dir(c.out);
    if (!rc && c.ckpt_every) rc = flow_save_cfg(&c, c.out);
  }
  flow_result res[FLOW_MAX_P];
  memset(res, 0, sizeof res);
  size_t n = 0;
  if (!rc) rc = run_all(&c, &t, res, &n);
  if (!rc) {
    char path[4200];
    snprintf(path, sizeof path, "%s/trajectory.csv", c.out);
    rc = flow_traj_write(path, &t);
  }
  if (!rc) rc = flow_plot_energy(c.out, &t, &c);
  if (!rc && c.json) flow_print_json(&c, res, n);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  free(t.rows);
  return rc;
}
