/* `specot flow`: run.cfg, the options of a checkpointed run, written when the run starts
 * and read back by --resume (user file paths as given). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flow_cli.h"

int flow_save_cfg(const flow_cfg *c, const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/run.cfg", dir);
  FILE *fp = fopen(path, "w");
  if (!fp) {
    fprintf(stderr, "specot flow: error: cannot write '%s'\n", path);
    return CLI_EXIT_INPUT;
  }
  fprintf(fp, "model=%s\nmethod=%s\np=%.17g\nparticles=%zu\nseed=%llu\n", c->model, c->method,
          c->ps[0], c->n, (unsigned long long)c->seed);
  const struct {
    const char *k;
    double v;
  } d[] = {{"dt", c->dts[0]}, {"gamma", c->gamma},       {"eps", c->eps},
           {"tau", c->tau},   {"max_step", c->max_step}, {"clamp", c->clamp}};
  for (size_t k = 0; k < sizeof d / sizeof d[0]; ++k) fprintf(fp, "%s=%.17g\n", d[k].k, d[k].v);
  fprintf(fp, "log_every=%zu\ncheckpoint_every=%zu\nsnapshot_every=%zu\n", c->log_every,
          c->ckpt_every, c->snapshot_every);
  fprintf(fp, "rng=%s\nregime=%s\nrun=%zu\n", c->rng, c->regime, c->run);
  /* user arrays: paths as given (a resume runs from the same working folder) */
  const struct {
    const char *k, *v;
  } f[] = {{"x0", c->x0},         {"weights", c->weights},
           {"target", c->target}, {"target_weights", c->target_weights},
           {"data", c->data},     {"labels", c->labels}};
  for (size_t k = 0; k < sizeof f / sizeof f[0]; ++k)
    if (f[k].v) fprintf(fp, "%s=%s\n", f[k].k, f[k].v);
  return fclose(fp) == 0 ? CLI_EXIT_OK : CLI_EXIT_INPUT;
}

/* Strings read back from run.cfg live here (one resume per process). */
static char cfg_text[10][4096];

static const char *keep(int slot, const char *v) {
  snprintf(cfg_text[slot], sizeof cfg_text[slot], "%s", v);
  return cfg_text[slot];
}

static int load_string(flow_cfg *c, const char *key, const char *v) {
  static const char *keys[10] = {"model",  "method",         "rng",  "regime", "x0", "weights",
                                 "target", "target_weights", "data", "labels"};
  const char **slots[10] = {&c->model, &c->method,  &c->rng,    &c->regime,
                            &c->x0,    &c->weights, &c->target, &c->target_weights,
                            &c->data,  &c->labels};
  for (int k = 0; k < 10; ++k)
    if (strcmp(key, keys[k]) == 0) {
      *slots[k] = keep(k, v);
      return 1;
    }
  return 0;
}

int flow_load_cfg(flow_cfg *c, const char *dir) {
  char path[4096], line[4200];
  snprintf(path, sizeof path, "%s/run.cfg", dir);
  FILE *fp = fopen(path, "r");
  if (!fp) {
    fprintf(stderr, "specot flow: error: cannot resume: '%s' not found\n", path);
    return CLI_EXIT_INPUT;
  }
  while (fgets(line, sizeof line, fp)) {
    char *eq = strchr(line, '=');
    if (!eq) continue;
    *eq = '\0';
    char *v = eq + 1;
    v[strcspn(v, "\n")] = '\0';
    const double x = strtod(v, NULL);
    const size_t z = (size_t)strtoull(v, NULL, 10);
    if (load_string(c, line, v)) continue;
    if (strcmp(line, "p") == 0)
      c->ps[0] = x, c->np = 1;
    else if (strcmp(line, "particles") == 0)
      c->n = z;
    else if (strcmp(line, "seed") == 0)
      c->seed = (uint64_t)strtoull(v, NULL, 10);
    else if (strcmp(line, "dt") == 0)
      c->dts[0] = x, c->ndt = isnan(x) ? 0 : 1;
    else if (strcmp(line, "gamma") == 0)
      c->gamma = x;
    else if (strcmp(line, "eps") == 0)
      c->eps = x;
    else if (strcmp(line, "tau") == 0)
      c->tau = x;
    else if (strcmp(line, "max_step") == 0)
      c->max_step = x;
    else if (strcmp(line, "clamp") == 0)
      c->clamp = x;
    else if (strcmp(line, "log_every") == 0)
      c->log_every = z;
    else if (strcmp(line, "checkpoint_every") == 0 && c->ckpt_every == 0)
      c->ckpt_every = z;
    else if (strcmp(line, "snapshot_every") == 0 && c->snapshot_every == 0)
      c->snapshot_every = z;
    else if (strcmp(line, "run") == 0)
      c->run = z;
  }
  fclose(fp);
  if (!c->model || !c->method || c->np != 1) {
    fprintf(stderr, "specot flow: error: '%s' is incomplete\n", path);
    return CLI_EXIT_INPUT;
  }
  return CLI_EXIT_OK;
}
