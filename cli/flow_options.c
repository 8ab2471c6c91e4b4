/* `specot flow`: --help, option parsing, and the checks of which options each model and
 * method uses. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flow_cli.h"

#define CMD FLOW_CMD

static void usage(FILE *out) {
  fprintf(
      out,
      "usage: specot flow --model M -p P[,P...] [--method euler|momentum|hamiltonian]\n"
      "                   [--steps N[,N...]] [--dt DT[,DT...]] [--particles n] [--seed S]\n"
      "                   [--rng specot|torch] [--x0 X.npy [--weights w.npy]]\n"
      "                   [--target Y.npy [--target-weights b.npy]] [--data Z.npy --labels y.npy]\n"
      "                   [--regime dense|sparse] [--run R] [--snapshot-every K] [--out DIR]\n"
      "                   [--checkpoint-every K] [--resume DIR] [--json] [--quiet]\n"
      "Runs a spectral particle flow X' = J_p(forces) (or its momentum / damped\n"
      "Hamiltonian variants) and writes under DIR (default out/flow):\n"
      "  trajectory.csv  one row per logged step: p,step,t,energy,dissipation,ratio,\n"
      "                  kinetic,hamiltonian,distance,step_norm ('#' header line)\n"
      "  particles.npy   final particles (n x d); particles_p<P>.npy per p when several\n"
      "  snapshots/p<P>_<step>.npy  particles every K steps (--snapshot-every K)\n"
      "  energy.png      energy and |dE/dt| against time, one curve per p\n"
      "Models (built-in data from --seed, default 7; --x0/--target/--data replace them):\n"
      "  mlp-relu     Peyre's two-layer ReLU teacher-student protocol (n = 1920, 2000\n"
      "               training points); Euler defaults follow the paper: dt = 75/n (p=1),\n"
      "               50/n (p=inf) in our mean-field clock (= the paper's 75 and 50 on the\n"
      "               autodiff gradient), cap ||dX||_F <= 0.2, clamp [-30, 30];\n"
      "               --data Z.npy (nd x dz) --labels y.npy (nd) train on your data\n"
      "  mmd          smoothed energy distance (eps 0.01) from a Gaussian blob to a ring\n"
      "               (n = m = 200 in R^2); --target Y.npy [--target-weights b.npy]\n"
      "  quadratic    J(X) = 1/2 ||A X - B||^2 (random A, B; n = 32, d = 4; unit weights)\n"
      "  gaussian-kl  KL(N(0, second moment) | N(0, diag(2,1,0.5))), n = 400 in R^3\n"
      "  sphere       the (mass, direction) reduced flow of mlp-relu on S^2 (Euler only)\n"
      "  attention    the paper's mean-field attention layer: heads (Q,K,V,O) in R^48,\n"
      "               5-head teacher, n = 200 students, 32 sequences of 16 tokens; notebook\n"
      "               seeds (torch draws); dt = 100/n (p=1), 180/n (p=inf), 960 / 480 steps,\n"
      "               cap 0.45, clamp [-10, 10]; --regime dense|sparse, --run R\n");
  fprintf(out,
          "Options:\n"
          "  -p P[,P...]        gauge exponents in [1, inf] ('inf' accepted), e.g. -p 1,inf;\n"
          "                     hamiltonian has no p family: no -p, or -p inf\n"
          "  --method M         euler (default), momentum (tau A' + A = G, X' = J(A)) or\n"
          "                     hamiltonian (regularized Muon: P' = -G - gamma P, X' = O_eps(P),\n"
          "                     per particle; mlp-relu uses blocks (u | v))\n"
          "  --steps N[,N...]   total steps, one value or one per p (default 2000; attention\n"
          "                     960 at p = 1, 480 otherwise)\n"
          "  --dt DT[,DT...]    step size, one value or one per p (default: per model)\n"
          "  --particles n      number of particles (default: per model; not with --x0)\n"
          "  --seed S           data / initialization seed (default 7)\n"
          "  --rng R            specot (default) or torch: draws as torch.manual_seed(S) +\n"
          "                     torch.randn / torch.rand would (mlp-relu: the paper's stream)\n"
          "  --x0 X.npy         initial particles (n x d); --weights w.npy their weights (n, > 0)\n"
          "  --target Y.npy     mmd target cloud (m x d); --target-weights b.npy (m, >= 0)\n"
          "  --data Z.npy --labels y.npy   mlp-relu / sphere training set (nd x dz, nd)\n"
          "  --regime R --run K attention teacher regime (dense: qk 0.08, sparse: 1.45), run\n"
          "  --tau T            momentum time constant (1)\n"
          "  --gamma G --eps E  hamiltonian damping and regularization (1, 0.01)\n"
          "  --max-step C       cap ||X+ - X||_F <= C (0 = off)   --clamp C   coordinate clamp\n"
          "  --log-every K      log every K steps (default 1)\n"
          "  --snapshot-every K write the particles every K steps (step 0 included)\n"
          "  --checkpoint-every K  write DIR/checkpoint.bin atomically every K steps and at\n"
          "                     the end (one p only)\n"
          "  --resume DIR       continue the run saved in DIR (run.cfg + checkpoint.bin) up to\n"
          "                     --steps; the trajectory is bit-identical to an uninterrupted run\n"
          "  --json             print a JSON summary on stdout\n"
          "  --quiet            no progress bar on stderr\n"
          "An option the chosen model or method does not use is a usage error.\n"
          "Exit: 0 ok, 2 usage, 3 bad input, 4 numerical.\n");
}

void flow_cfg_init(flow_cfg *c) {
  memset(c, 0, sizeof *c);
  c->method = "euler";
  c->log_every = 1;
  c->seed = 7;
  for (int k = 0; k < FLOW_MAX_P; ++k) c->dts[k] = NAN;
  c->gamma = c->eps = c->tau = c->max_step = c->clamp = NAN;
  c->rng = "specot";
  c->regime = "dense";
}

size_t flow_steps(const flow_cfg *c, int k) {
  if (c->nsteps == 1) return c->steps[0];
  if (c->nsteps > k) return c->steps[k];
  if (c->model && strcmp(c->model, "attention") == 0) return c->ps[k] == 1.0 ? 960 : 480;
  return 2000;
}

/* -p P[,P...]: up to FLOW_MAX_P exponents, each in [1, inf]. */
static int parse_ps(int argc, char **argv, int *i, flow_cfg *c) {
  const char *v;
  int rc = cli_opt_str(CMD, argc, argv, i, &v);
  if (rc) return rc;
  c->np = cli_parse_double_list(v, c->ps, FLOW_MAX_P);
  if (c->np < 1)
    return cli_usage_error(CMD, "bad value '%s' for -p (comma list of up to %d numbers)", v,
                           FLOW_MAX_P);
  for (int k = 0; k < c->np; ++k) {
    if (!(c->ps[k] >= 1.0)) return cli_usage_error(CMD, "bad value %g for -p (need p in [1, inf])", c->ps[k]);
    for (int l = 0; l < k; ++l) /* runs are told apart by p in the log and the plot */
      if (c->ps[l] == c->ps[k])
        return cli_usage_error(CMD, "p = %g is given twice in -p", c->ps[k]);
  }
  c->given |= FLOW_GIVEN_P;
  return CLI_EXIT_OK;
}

/* --dt DT[,DT...] (each > 0, finite) and --steps N[,N...] (integers >= 0). */
static int parse_dts(int argc, char **argv, int *i, flow_cfg *c) {
  const char *v;
  int rc = cli_opt_str(CMD, argc, argv, i, &v);
  if (rc) return rc;
  c->ndt = cli_parse_double_list(v, c->dts, FLOW_MAX_P);
  int ok = c->ndt >= 1;
  for (int k = 0; ok && k < c->ndt; ++k) ok = c->dts[k] > 0.0 && c->dts[k] <= DBL_MAX;
  if (!ok)
    return cli_usage_error(CMD, "bad value '%s' for --dt (need a finite number > 0, or one per -p)",
                           v);
  return CLI_EXIT_OK;
}

static int parse_steps(int argc, char **argv, int *i, flow_cfg *c) {
  const char *v;
  int rc = cli_opt_str(CMD, argc, argv, i, &v);
  if (rc) return rc;
  double s[FLOW_MAX_P];
  c->nsteps = cli_parse_double_list(v, s, FLOW_MAX_P);
  int ok = c->nsteps >= 1;
  for (int k = 0; ok && k < c->nsteps; ++k) {
    ok = s[k] >= 0.0 && s[k] <= 9007199254740992.0 && s[k] == floor(s[k]);
    if (ok) c->steps[k] = (size_t)s[k];
  }
  if (!ok)
    return cli_usage_error(CMD, "bad value '%s' for --steps (need an integer >= 0, or one per -p)",
                           v);
  return CLI_EXIT_OK;
}

static int parse_choice(int argc, char **argv, int *i, const char **out, const char *a,
                        const char *b) {
  int rc = cli_opt_str(CMD, argc, argv, i, out);
  if (!rc && strcmp(*out, a) && strcmp(*out, b))
    rc = cli_usage_error(CMD, "bad value '%s' for %s (%s or %s)", *out, argv[*i - 1], a, b);
  return rc;
}

/* Options that take a file path. */
static const char **path_slot(flow_cfg *c, const char *a) {
  if (strcmp(a, "--x0") == 0) return &c->x0;
  if (strcmp(a, "--weights") == 0) return &c->weights;
  if (strcmp(a, "--target") == 0) return &c->target;
  if (strcmp(a, "--target-weights") == 0) return &c->target_weights;
  if (strcmp(a, "--data") == 0) return &c->data;
  if (strcmp(a, "--labels") == 0) return &c->labels;
  if (strcmp(a, "--out") == 0) return &c->out;
  if (strcmp(a, "--resume") == 0) return &c->resume;
  if (strcmp(a, "--model") == 0) return &c->model;
  if (strcmp(a, "--method") == 0) return &c->method;
  return NULL;
}

/* Non-negative integer options. */
static size_t *size_slot(flow_cfg *c, const char *a) {
  if (strcmp(a, "--checkpoint-every") == 0) return &c->ckpt_every;
  if (strcmp(a, "--log-every") == 0) return &c->log_every;
  if (strcmp(a, "--snapshot-every") == 0) return &c->snapshot_every;
  if (strcmp(a, "--particles") == 0) return &c->n;
  if (strcmp(a, "--run") == 0) return &c->run;
  return NULL;
}

int flow_parse_args(int argc, char **argv, flow_cfg *c) {
  /* eps and tau divide or scale the dynamics: 0 is meaningless there */
  static const char POS[] = "a finite number > 0", NONNEG[] = "a finite number >= 0";
  int rc = CLI_EXIT_OK, npos = 0;
  for (int i = 1; i < argc && !rc; ++i) {
    const char *a = argv[i];
    const char **path = path_slot(c, a);
    size_t *count = size_slot(c, a);
    if (cli_is_help(a)) {
      usage(stdout);
      return -1;
    } else if (strcmp(a, "--json") == 0) {
      c->json = 1;
    } else if (strcmp(a, "--quiet") == 0) {
      c->quiet = 1;
    } else if (path) {
      rc = cli_opt_str(CMD, argc, argv, &i, path);
    } else if (count) {
      rc = cli_opt_size(CMD, argc, argv, &i, count, 0, SIZE_MAX, NULL);
      if (!rc && *count == 0 && count != &c->ckpt_every && count != &c->run)
        rc = cli_usage_error(CMD, "%s must be positive", a);
      if (count == &c->n) c->given |= FLOW_GIVEN_PARTICLES;
      if (count == &c->run) c->run_given = 1;
    } else if (strcmp(a, "-p") == 0 || strcmp(a, "--p") == 0) {
      rc = parse_ps(argc, argv, &i, c);
    } else if (strcmp(a, "--steps") == 0) {
      rc = parse_steps(argc, argv, &i, c);
    } else if (strcmp(a, "--dt") == 0) {
      rc = parse_dts(argc, argv, &i, c);
    } else if (strcmp(a, "--seed") == 0) {
      size_t seed;
      rc = cli_opt_size(CMD, argc, argv, &i, &seed, 0, SIZE_MAX, NULL);
      c->seed = seed;
      c->given |= FLOW_GIVEN_SEED;
    } else if (strcmp(a, "--rng") == 0) {
      rc = parse_choice(argc, argv, &i, &c->rng, "specot", "torch");
      c->given |= FLOW_GIVEN_RNG;
    } else if (strcmp(a, "--regime") == 0) {
      rc = parse_choice(argc, argv, &i, &c->regime, "dense", "sparse");
      c->regime_given = 1;
    } else if (strcmp(a, "--eps") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &c->eps, DBL_TRUE_MIN, DBL_MAX, POS);
    } else if (strcmp(a, "--tau") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &c->tau, DBL_TRUE_MIN, DBL_MAX, POS);
    } else if (strcmp(a, "--gamma") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &c->gamma, 0.0, DBL_MAX, NONNEG);
    } else if (strcmp(a, "--max-step") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &c->max_step, 0.0, DBL_MAX, NONNEG);
    } else if (strcmp(a, "--clamp") == 0) {
      rc = cli_opt_double(CMD, argc, argv, &i, &c->clamp, 0.0, DBL_MAX, NONNEG);
    } else {
      rc = cli_positional(CMD, a, NULL, 0, &npos);
    }
  }
  return rc;
}

static int is_model(const flow_cfg *c, const char *name) {
  return strcmp(c->model, name) == 0;
}

/* Options the model or method ignores are usage errors naming the option. */
static int check_unused(const flow_cfg *c) {
  const int sphere = is_model(c, "sphere"), attention = is_model(c, "attention");
  const int relu = is_model(c, "mlp-relu") || sphere, mmd = is_model(c, "mmd");
  const char *meth = c->method;
  const int ham = strcmp(meth, "hamiltonian") == 0, mom = strcmp(meth, "momentum") == 0;
  if (!isnan(c->tau) && !mom)
    return cli_usage_error(CMD, "--tau is used by --method momentum only (not %s)", meth);
  if (!isnan(c->gamma) && !ham)
    return cli_usage_error(CMD, "--gamma is used by --method hamiltonian only (not %s)", meth);
  if (!isnan(c->eps) && !ham)
    return cli_usage_error(CMD, "--eps is used by --method hamiltonian only (not %s)", meth);
  if (sphere && !isnan(c->max_step))
    return cli_usage_error(CMD, "--max-step is not used by the sphere model");
  if (sphere && !isnan(c->clamp))
    return cli_usage_error(CMD, "--clamp is not used by the sphere model");
  if (!attention && c->regime_given)
    return cli_usage_error(CMD, "--regime is used by --model attention only");
  if (!attention && c->run_given)
    return cli_usage_error(CMD, "--run is used by --model attention only");
  if (attention && (c->given & FLOW_GIVEN_SEED))
    return cli_usage_error(CMD,
                           "--seed is not used by --model attention (its seeds are the "
                           "notebook's; choose the run with --run)");
  if (attention && strcmp(c->rng, "specot") == 0 && (c->given & FLOW_GIVEN_RNG))
    return cli_usage_error(CMD,
                           "--rng specot: --model attention always draws with the torch "
                           "generator (the notebook's seeds)");
  if (c->x0 && (c->given & FLOW_GIVEN_PARTICLES))
    return cli_usage_error(CMD, "--particles is not used with --x0 (n is the number of rows of X)");
  if (c->weights && !c->x0)
    return cli_usage_error(CMD, "--weights needs --x0 (the weights of those particles)");
  if (c->weights && sphere)
    return cli_usage_error(CMD,
                           "--weights is not used by the sphere model (masses come from --x0)");
  if (c->target && !mmd) return cli_usage_error(CMD, "--target is used by --model mmd only");
  if (c->target_weights && !c->target)
    return cli_usage_error(CMD, "--target-weights needs --target");
  if ((c->data || c->labels) && !relu)
    return cli_usage_error(CMD, "--%s is used by --model mlp-relu or sphere only",
                           c->data ? "data" : "labels");
  if (!c->data != !c->labels)
    return cli_usage_error(CMD, "--data and --labels go together (%s is missing)",
                           c->data ? "--labels" : "--data");
  /* every array from a file: nothing is drawn */
  const int all_files =
      c->x0 && ((mmd && c->target) || (relu && c->data) || is_model(c, "gaussian-kl"));
  if (all_files && (c->given & (FLOW_GIVEN_SEED | FLOW_GIVEN_RNG)))
    return cli_usage_error(CMD, "--%s is not used: every array of this run comes from a file",
                           (c->given & FLOW_GIVEN_SEED) ? "seed" : "rng");
  return CLI_EXIT_OK;
}

int flow_validate(flow_cfg *c) {
  if (!c->model)
    return cli_usage_error(CMD,
                           "needs --model (mlp-relu, mmd, quadratic, gaussian-kl, sphere, "
                           "attention)");
  static const char *models[] = {"mlp-relu",    "mmd",    "quadratic",
                                 "gaussian-kl", "sphere", "attention"};
  int known = 0;
  for (size_t k = 0; k < sizeof models / sizeof models[0]; ++k) known |= is_model(c, models[k]);
  if (!known) return cli_usage_error(CMD, "unknown model '%s'", c->model);
  const char *meth = c->method;
  if (strcmp(meth, "euler") && strcmp(meth, "momentum") && strcmp(meth, "hamiltonian"))
    return cli_usage_error(CMD, "unknown method '%s' (euler, momentum, hamiltonian)", meth);
  if (strcmp(meth, "hamiltonian") == 0) {
    /* the regularized Muon Hamiltonian has no p family: its flow is the p = inf geometry */
    if (c->np == 0) {
      c->ps[0] = INFINITY;
      c->np = 1;
    } else if (c->np > 1 || !isinf(c->ps[0])) {
      return cli_usage_error(CMD,
                             "--method hamiltonian has no p family (it is the p = inf, "
                             "Muon geometry): give -p inf or no -p");
    }
  }
  if (c->np == 0) return cli_usage_error(CMD, "needs -p (e.g. -p inf or -p 1,inf)");
  if (c->ndt > 1 && c->ndt != c->np)
    return cli_usage_error(CMD, "--dt has %d values for %d values of -p (give one or one per p)",
                           c->ndt, c->np);
  if (c->nsteps > 1 && c->nsteps != c->np)
    return cli_usage_error(CMD, "--steps has %d values for %d values of -p (give one or one per p)",
                           c->nsteps, c->np);
  const int sphere = is_model(c, "sphere");
  if (sphere && strcmp(meth, "euler"))
    return cli_usage_error(CMD, "the sphere model supports --method euler only");
  if ((c->ckpt_every || c->resume) && (c->np > 1 || sphere))
    return cli_usage_error(CMD, "checkpoints need a single p and a particle model (not sphere)");
  return check_unused(c);
}
