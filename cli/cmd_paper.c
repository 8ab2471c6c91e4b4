/* `specot paper NAME [--out DIR] [--quick] [--json]`: regenerates one
 * experiment of the paper (figures + summary.json); `specot paper list`. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "paper.h"

#define CMD "paper"

typedef struct experiment {
  const char *name;
  paper_fn run;
  const char *summary;
} experiment;

static const experiment experiments[] = {
    {"gaussians", paper_gaussians,
     "modal ODE in (a, b) by RK4, p = 1, 2, 4, inf: trajectories, conserved leaves, drift"},
    {"gaussian-kl", paper_gaussian_kl,
     "covariance flow of KL, p = 1, 2, inf, against Sigma_t = (1 + e^{-rho t}) I"},
    {"static", paper_static,
     "p = 1 vs p = inf pairings and interpolations: certified W_inf plan vs the paper's heuristic"},
    {"mmd", paper_mmd, "the paper's MMD flow (mixture target, torch seed 1234), p = 1 vs inf"},
    {"mlp", paper_mlp,
     "ReLU teacher-student (torch seed 7), p = 1 vs inf: energy, eval loss, "
     "trajectories, angular histograms"},
    {"attention", paper_attention,
     "mean-field attention heads, dense/sparse regimes, 5 runs: energy decay, "
     "teacher effective tokens"},
};
enum { NEXP = sizeof experiments / sizeof experiments[0] };

static void usage(FILE *out) {
  fprintf(out,
          "usage: specot paper NAME [--out DIR] [--quick] [--json] [--quiet] [--image PNG]...\n"
          "       specot paper list\n"
          "Regenerates one experiment of Peyre (2026), 'Muon Dynamics as a Spectral Wasserstein\n"
          "Flow': PNG figures and summary.json (its key numbers) under DIR (default\n"
          "out/paper/NAME).  See docs/paper.md for the figure-by-figure mapping.\n"
          "Experiments:\n");
  for (int k = 0; k < NEXP; ++k)
    fprintf(out, "  %-12s %s\n", experiments[k].name, experiments[k].summary);
  fprintf(out,
          "Options:\n"
          "  --out DIR      output folder (created; default out/paper/NAME)\n"
          "  --quick        reduced sizes, under a minute each (the summary says \"quick\": true)\n"
          "  --json         also print summary.json on stdout\n"
          "  --quiet        no progress lines on stderr\n"
          "  --image PNG    static only, up to twice: shapes from images (dark pixels = mass);\n"
          "                 one image is paired with the annulus, two with each other\n"
          "Exit: 0 ok, 2 usage, 3 bad input, 4 numerical.\n");
}

const char *paper_path(const paper_run *run, const char *file, char *buf, size_t len) {
  snprintf(buf, len, "%s/%s", run->out, file);
  return buf;
}

void paper_note(const paper_run *run, const char *fmt, ...) {
  if (run->quiet) return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "specot paper %s: ", run->name);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

const char *paper_pkey(double p, char *buf, size_t len) {
  if (isinf(p))
    snprintf(buf, len, "inf");
  else
    snprintf(buf, len, "%g", p);
  return buf;
}

/* mkdir -p */
static int make_dirs(const char *path) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
    fprintf(stderr, "specot paper: error: output folder name too long\n");
    return CLI_EXIT_INPUT;
  }
  for (char *p = buf + 1; *p; ++p)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(buf, 0777) != 0 && errno != EEXIST) break;
      *p = '/';
    }
  struct stat st;
  if ((mkdir(buf, 0777) != 0 && errno != EEXIST) || stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "specot paper: error: cannot create folder '%s': %s\n", path,
            strerror(errno ? errno : ENOTDIR));
    return CLI_EXIT_INPUT;
  }
  return CLI_EXIT_OK;
}

/* Writes text atomically to path (temporary file + rename). */
static int write_atomic(const char *path, const char *text, size_t len) {
  char tmp[4200];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
    fprintf(stderr, "specot paper: error: output path too long\n");
    return CLI_EXIT_INPUT;
  }
  FILE *f = fopen(tmp, "wb");
  int ok = f && fwrite(text, 1, len, f) == len;
  if (f) ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    remove(tmp);
    fprintf(stderr, "specot paper: error: cannot write '%s'\n", path);
    return CLI_EXIT_INPUT;
  }
  return CLI_EXIT_OK;
}

static const experiment *find(const char *name) {
  for (int k = 0; k < NEXP; ++k)
    if (strcmp(experiments[k].name, name) == 0) return &experiments[k];
  return NULL;
}

int cmd_paper(int argc, char **argv) {
  paper_run run = {0};
  const char *slots[1] = {NULL};
  int npos = 0, json = 0, rc;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      usage(stdout);
      return CLI_EXIT_OK;
    } else if (strcmp(a, "--out") == 0) {
      if ((rc = cli_opt_str(CMD, argc, argv, &i, &run.out))) return rc;
    } else if (strcmp(a, "--image") == 0) {
      if (run.nimages == PAPER_MAX_IMAGES)
        return cli_usage_error(CMD, "--image given more than %d times", PAPER_MAX_IMAGES);
      if ((rc = cli_opt_str(CMD, argc, argv, &i, &run.images[run.nimages]))) return rc;
      ++run.nimages;
    } else if (strcmp(a, "--quick") == 0) {
      run.quick = 1;
    } else if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, "--quiet") == 0) {
      run.quiet = 1;
    } else if ((rc = cli_positional(CMD, a, slots, 1, &npos))) {
      return rc;
    }
  }
  if (npos == 0) {
    usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (strcmp(slots[0], "list") == 0) {
    for (int k = 0; k < NEXP; ++k)
      printf("%-12s %s\n", experiments[k].name, experiments[k].summary);
    return CLI_EXIT_OK;
  }
  const experiment *e = find(slots[0]);
  if (!e)
    return cli_usage_error(CMD, "unknown experiment '%s' (run 'specot paper list')", slots[0]);
  if (run.nimages && strcmp(e->name, "static") != 0)
    return cli_usage_error(CMD, "--image is an option of 'static' only");
  run.name = e->name;
  char defout[256];
  if (!run.out) {
    snprintf(defout, sizeof defout, "out/paper/%s", e->name);
    run.out = defout;
  }
  if ((rc = make_dirs(run.out))) return rc;
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  if (!mem) return cli_out_of_memory(CMD);
  cli_json j;
  cli_json_begin(&j, mem);
  cli_json_str(&j, "experiment", e->name);
  cli_json_bool(&j, "quick", run.quick);
  rc = e->run(&run, &j);
  cli_json_end(&j);
  fclose(mem);
  if (rc == CLI_EXIT_OK) {
    char path[4200];
    rc = write_atomic(paper_path(&run, "summary.json", path, sizeof path), text, len);
    if (rc == CLI_EXIT_OK && json) fwrite(text, 1, len, stdout);
    if (rc == CLI_EXIT_OK) paper_note(&run, "wrote %s", path);
  }
  free(text);
  return rc;
}
