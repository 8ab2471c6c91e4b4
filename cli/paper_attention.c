/* `specot paper attention`: the paper's mean-field attention experiment
 * (generate_attention_notebook.py) on its torch float32 draws
 * (specot_flow_attention_protocol): 5-head teacher, 200 student heads
 * (Q, K, V, O) in R^48, m = 16 tokens, N = 32 training sequences, regimes
 * "very dense" (qk_scale 0.08) and "very sparse" (1.45), 5 runs each.
 * Euler on the autodiff gradient: p = 1 960 steps of 100, p = inf 480 steps of
 * 180, i.e. dt = 100/n and 180/n in specot's force clock; cap ||dX||_F <= 0.45,
 * clamp [-10, 10].  The teacher's effective tokens (1 / sum_i A_ji^2, averaged)
 * are published: 15.9892 +- 0.0040 (dense), 2.1278 +- 0.1222 (sparse), population
 * std over the 5 runs.  --quick: the token statistics over all 5 runs, the
 * flows of run 0 only for the first 2.5 % of their steps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paper.h"
#include "paper_plot.h"
#include "specot/flows.h"

enum { NHEADS = 200, D = 48, NRUNS = 5, NREG = 2, NP = 2 };
static const double PS[NP] = {1.0, INFINITY}, STEP[NP] = {100.0, 180.0};
static const size_t STEPS[NP] = {960, 480};
static const char *REGIME[NREG] = {"dense", "sparse"};

/* One Euler run; energy[0..steps] receives E(X_k). */
static specot_status run_flow(specot_ctx *ctx, int regime, unsigned run, int k, size_t steps,
                              double *energy) {
  specot_flow_attention_protocol_opts po;
  specot_flow_attention_protocol_opts_init(&po, regime);
  po.run = run, po.n_test = 0;
  double *x0 = malloc(NHEADS * D * sizeof *x0);
  if (!x0) return SPECOT_ERR_NOMEM;
  specot_flow_objective obj;
  specot_status st =
      specot_flow_attention_protocol(ctx, &po, NHEADS, &obj, x0, NULL, NULL, NULL, NULL);
  specot_flow *flow = NULL;
  if (st >= 0) {
    specot_flow_opts o;
    specot_flow_opts_init(&o);
    o.p = PS[k], o.dt = STEP[k] / NHEADS, o.max_step = 0.45, o.clamp = 10.0;
    st = specot_flow_alloc(ctx, &obj, &o, NHEADS, D, x0, NULL, &flow);
  }
  specot_flow_diag dg;
  if (st >= 0) specot_flow_diag_get(flow, &dg), energy[0] = dg.energy;
  for (size_t s = 1; s <= steps && st >= 0; ++s) {
    st = specot_flow_step(ctx, flow, &dg);
    energy[s] = dg.energy;
  }
  specot_flow_free(flow);
  specot_flow_objective_free(&obj);
  free(x0);
  return st;
}

int paper_attention(const paper_run *run, cli_json *j) {
  const unsigned nflow = run->quick ? 1 : NRUNS;
  size_t steps[NP];
  for (int k = 0; k < NP; ++k) steps[k] = run->quick ? STEPS[k] / 40 : STEPS[k];
  double *energy = malloc((size_t)NREG * NP * nflow * (STEPS[0] + 1) * sizeof *energy);
  specot_ctx *ctx = specot_ctx_alloc();
  if (!energy || !ctx) {
    free(energy), specot_ctx_free(ctx);
    return cli_out_of_memory("paper");
  }
  double tokens[NREG][NRUNS];
  specot_status st = SPECOT_OK;
  for (int r = 0; r < NREG && st >= 0; ++r)
    for (unsigned u = 0; u < NRUNS && st >= 0; ++u) {
      specot_flow_attention_protocol_opts po;
      specot_flow_attention_protocol_opts_init(&po, r);
      po.run = u, po.n_test = 0;
      specot_flow_objective obj;
      st = specot_flow_attention_protocol(ctx, &po, 1, &obj, NULL, NULL, NULL, NULL, &tokens[r][u]);
      specot_flow_objective_free(&obj);
    }
#define E(r, k, u) (energy + (((size_t)(r)*NP + (size_t)(k)) * nflow + (u)) * (STEPS[0] + 1))
  for (int r = 0; r < NREG && st >= 0; ++r)
    for (int k = 0; k < NP && st >= 0; ++k)
      for (unsigned u = 0; u < nflow && st >= 0; ++u) {
        paper_note(run, "%s, p = %s, run %u: %zu steps", REGIME[r], k ? "inf" : "1", u, steps[k]);
        st = run_flow(ctx, r, u, k, steps[k], E(r, k, u));
      }
  int rc = st < 0 ? cli_report("paper", ctx, st) : CLI_EXIT_OK;
  char key[16], path[4200], file[64], title[96];
  if (!rc) {
    cli_json_int(j, "heads", NHEADS);
    cli_json_int(j, "flow_runs", nflow);
    cli_json_begin_object(j, "steps");
    for (int k = 0; k < NP; ++k)
      cli_json_int(j, paper_pkey(PS[k], key, sizeof key), (long long)steps[k]);
    cli_json_end_object(j);
    for (int r = 0; r < NREG; ++r) {
      double mean = 0.0, var = 0.0;
      for (int u = 0; u < NRUNS; ++u) mean += tokens[r][u] / NRUNS;
      for (int u = 0; u < NRUNS; ++u) var += (tokens[r][u] - mean) * (tokens[r][u] - mean) / NRUNS;
      cli_json_begin_object(j, REGIME[r]);
      cli_json_num(j, "effective_tokens_mean", mean);
      cli_json_num(j, "effective_tokens_std", sqrt(var));
      cli_json_array(j, "effective_tokens", tokens[r], NRUNS);
      cli_json_begin_object(j, "initial_energy");
      for (int k = 0; k < NP; ++k) {
        double m = 0.0;
        for (unsigned u = 0; u < nflow; ++u) m += E(r, k, u)[0] / nflow;
        cli_json_num(j, paper_pkey(PS[k], key, sizeof key), m);
      }
      cli_json_end_object(j);
      cli_json_begin_object(j, "final_energy"); /* mean over the runs */
      for (int k = 0; k < NP; ++k) {
        double m = 0.0;
        for (unsigned u = 0; u < nflow; ++u) m += E(r, k, u)[steps[k]] / nflow;
        cli_json_num(j, paper_pkey(PS[k], key, sizeof key), m);
      }
      cli_json_end_object(j);
      cli_json_begin_object(j, "final_energy_runs");
      for (int k = 0; k < NP; ++k) {
        double v[NRUNS];
        for (unsigned u = 0; u < nflow; ++u) v[u] = E(r, k, u)[steps[k]];
        cli_json_array(j, paper_pkey(PS[k], key, sizeof key), v, nflow);
      }
      cli_json_end_object(j);
      cli_json_end_object(j);
    }
    /* energy against normalised time, every run, one colour per p */
    double *tn = malloc(NP * (STEPS[0] + 1) * sizeof *tn);
    if (!tn) rc = cli_out_of_memory("paper");
    for (int k = 0; k < NP && !rc; ++k)
      for (size_t s = 0; s <= steps[k]; ++s)
        tn[k * (STEPS[0] + 1) + s] = (double)s / (double)STEPS[k];
    for (int r = 0; r < NREG && !rc; ++r) {
      cli_series ser[NP * NRUNS];
      int group[NP * NRUNS], ns = 0;
      for (int k = 0; k < NP; ++k)
        for (unsigned u = 0; u < nflow; ++u, ++ns) {
          ser[ns] = (cli_series){tn + k * (STEPS[0] + 1), E(r, k, u), steps[k] + 1,
                                 u ? NULL : (k ? "p = inf" : "p = 1")};
          group[ns] = k;
        }
      snprintf(file, sizeof file, "attention_energy_%s.png", REGIME[r]);
      snprintf(title, sizeof title, "attention, very %s regime: training energy (%u runs)",
               REGIME[r], nflow);
      rc = paper_plot_curves(paper_path(run, file, path, sizeof path), title, "normalized time",
                             "training energy", ser, group, ns, 1);
    }
    free(tn);
  }
#undef E
  specot_ctx_free(ctx);
  free(energy);
  return rc;
}
