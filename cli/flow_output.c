/* `specot flow`: the trajectory log (written atomically, read back by --resume), the
 * energy plot and the JSON summary. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "flow_cli.h"
#include "plot.h"

#define CMD FLOW_CMD

static const char TRAJ_HEAD[] =
    "# p,step,t,energy,dissipation,ratio,kinetic,hamiltonian,distance,step_norm\n";

int flow_traj_push(flow_traj *t, double p, const specot_flow_diag *d) {
  if (t->len == t->cap) {
    const size_t cap = t->cap ? 2 * t->cap : 1024;
    double *r = realloc(t->rows, cap * FLOW_NCOL * sizeof *r);
    if (!r) return -1;
    t->rows = r;
    t->cap = cap;
  }
  double *r = t->rows + t->len * FLOW_NCOL;
  const double v[FLOW_NCOL] = {
      p,        (double)d->step, d->t,           d->energy,   d->dissipation,
      d->ratio, d->kinetic,      d->hamiltonian, d->distance, d->step_norm};
  memcpy(r, v, sizeof v);
  t->len++;
  return 0;
}

int flow_traj_write(const char *path, const flow_traj *t) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *fp = fopen(tmp, "w");
  if (!fp) {
    fprintf(stderr, "specot flow: error: cannot write '%s': %s\n", path, strerror(errno));
    return CLI_EXIT_INPUT;
  }
  fputs(TRAJ_HEAD, fp);
  for (size_t i = 0; i < t->len; ++i) {
    const double *r = t->rows + i * FLOW_NCOL;
    for (int k = 0; k < FLOW_NCOL; ++k) fprintf(fp, k ? ",%.17g" : "%.17g", r[k]);
    fputc('\n', fp);
  }
  int bad = ferror(fp) != 0;
  bad |= fclose(fp) != 0;
  if (bad || rename(tmp, path) != 0) {
    unlink(tmp);
    fprintf(stderr, "specot flow: error: cannot write '%s'\n", path);
    return CLI_EXIT_INPUT;
  }
  return CLI_EXIT_OK;
}

int flow_traj_load(const char *dir, uint64_t last, flow_traj *t) {
  char path[4200];
  snprintf(path, sizeof path, "%s/trajectory.csv", dir);
  specot_ctx *ctx = specot_ctx_alloc();
  if (!ctx) return flow_out_of_memory(0);
  specot_array a;
  specot_io_read_opts ro;
  specot_io_read_opts_init(&ro);
  ro.require_finite = 0; /* the p column holds "inf" */
  const specot_status st = specot_io_read(ctx, path, &ro, &a);
  if (st == SPECOT_ERR_IO ||
      (st == SPECOT_ERR_FORMAT && strstr(specot_ctx_errmsg(ctx), "empty file"))) {
    /* no log yet (or a header-only one): start an empty one */
    specot_ctx_free(ctx);
    return CLI_EXIT_OK;
  }
  if (st) { /* a damaged log is an error, not silently dropped history */
    const int rc = cli_report(CMD, ctx, st);
    specot_ctx_free(ctx);
    return rc;
  }
  specot_ctx_free(ctx);
  if (a.cols != FLOW_NCOL) {
    fprintf(stderr, "specot flow: error: '%s' has %zu columns, expected %d\n", path, a.cols,
            FLOW_NCOL);
    specot_array_free(&a);
    return CLI_EXIT_INPUT;
  }
  for (size_t i = 0; i < a.rows; ++i) {
    const double *r = a.data + i * FLOW_NCOL;
    if (r[1] > (double)last) break;
    specot_flow_diag d = {(uint64_t)r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]};
    if (flow_traj_push(t, r[0], &d)) {
      specot_array_free(&a);
      return flow_out_of_memory(0);
    }
  }
  specot_array_free(&a);
  return CLI_EXIT_OK;
}

int flow_plot_energy(const char *dir, const flow_traj *t, const flow_cfg *c) {
  cli_series s[2 * FLOW_MAX_P];
  char labels[2 * FLOW_MAX_P][48];
  double *buf = malloc(3 * (t->len + 1) * sizeof *buf);
  if (!buf) return CLI_EXIT_NUMERICAL;
  double *xs = buf, *es = buf + t->len, *ds = buf + 2 * t->len;
  int ns = 0;
  size_t start = 0;
  for (int k = 0; k < c->np; ++k) {
    size_t len = 0;
    while (start + len < t->len && t->rows[(start + len) * FLOW_NCOL] == c->ps[k]) {
      const double *r = t->rows + (start + len) * FLOW_NCOL;
      xs[start + len] = r[2];
      es[start + len] = r[3];
      ds[start + len] = fabs(r[4]);
      ++len;
    }
    char pb[16];
    flow_fmt_p(c->ps[k], pb, sizeof pb);
    snprintf(labels[ns], sizeof labels[ns], "energy p=%s", pb);
    s[ns] = (cli_series){xs + start, es + start, len, labels[ns]};
    ++ns;
    snprintf(labels[ns], sizeof labels[ns], "|dE/dt| p=%s", pb);
    s[ns] = (cli_series){xs + start, ds + start, len, labels[ns]};
    ++ns;
    start += len;
  }
  char path[4200], title[128];
  snprintf(path, sizeof path, "%s/energy.png", dir);
  snprintf(title, sizeof title, "%s flow (%s)", c->model, c->method);
  const int rc = cli_plot_lines(path, title, "time t", "energy, |dE/dt|", s, ns, 1);
  free(buf);
  return rc;
}

/* One value when a single p ran, else an array over p. */
static void json_per_p(cli_json *j, const flow_cfg *c, const char *key, const double *v,
                       int as_int) {
  if (c->np > 1)
    cli_json_array(j, key, v, (size_t)c->np);
  else if (as_int)
    cli_json_int(j, key, (long long)v[0]);
  else
    cli_json_num(j, key, v[0]);
}

void flow_print_json(const flow_cfg *c, const flow_result *res, size_t n) {
  cli_json j;
  cli_json_begin(&j, stdout);
  cli_json_str(&j, "model", c->model);
  json_per_p(&j, c, "p", c->ps, 0);
  cli_json_str(&j, "method", c->method);
  double v[8][FLOW_MAX_P];
  for (int k = 0; k < c->np; ++k) {
    v[0][k] = (double)flow_steps(c, k);
    v[1][k] = res[k].dt;
    v[2][k] = res[k].initial_energy;
    v[3][k] = res[k].final_energy;
    v[4][k] = res[k].initial_ratio;
    v[5][k] = (double)res[k].rises;
    v[6][k] = (double)res[k].violations;
    v[7][k] = res[k].wall;
  }
  int same_steps = 1; /* one count unless the runs differ */
  for (int k = 1; k < c->np; ++k) same_steps &= v[0][k] == v[0][0];
  if (same_steps)
    cli_json_int(&j, "steps", (long long)v[0][0]);
  else
    cli_json_array(&j, "steps", v[0], (size_t)c->np);
  json_per_p(&j, c, "dt", v[1], 0);
  cli_json_int(&j, "particles", (long long)n);
  cli_json_str(&j, "rng", strcmp(c->model, "attention") == 0 ? "torch" : c->rng);
  static const char *keys[6] = {
      "initial_energy",        "final_energy",          "initial_dissipation_ratio",
      "hamiltonian_increases", "inequality_violations", "wall_seconds"};
  for (int q = 0; q < 6; ++q) json_per_p(&j, c, keys[q], v[q + 2], q == 3 || q == 4);
  if (strcmp(c->model, "attention") == 0) {
    cli_json_str(&j, "regime", c->regime);
    cli_json_int(&j, "run", (long long)c->run);
    cli_json_num(&j, "teacher_effective_tokens", res[0].effective_tokens);
  }
  if (c->snapshot_every) cli_json_int(&j, "snapshot_every", (long long)c->snapshot_every);
  cli_json_str(&j, "out", c->out);
  cli_json_end(&j);
}
