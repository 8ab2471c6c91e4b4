/* `specot generate`: options and outputs of the AE-OT generator (pipeline in
 * cmd_generate_run.c, metrics in cmd_generate_metrics.c). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "generate.h"
#include "plot_sdot.h"

static const char CMD[] = "generate";

static void usage(FILE *out) {
  fprintf(
      out,
      "usage: specot generate --data digits|8gaussians|25gaussians|swissroll|X.npy\n"
      "                       [--latent none|pca:K|mlp:K] [--map hard|soft|masked|aeot] [--tau T]\n"
      "                       [--count N] -o samples.npy [--png grid.png] [--json]\n"
      "Trains the autoencoder, solves semi-discrete OT from the uniform cube to the latent\n"
      "codes, generates codes with the chosen map, decodes them and reports the metrics.\n"
      "Options:\n"
      "  --data D      digits (scikit-learn's digits.csv.gz: $SPECOT_DIGITS, then\n"
      "                /usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz),\n"
      "                a digits file PATH.csv.gz, a built-in toy (256 points), or X.npy (n x dim)\n"
      "  --latent L    none (2-D data default), pca:K (default pca:8), mlp:K (64-K-64 tanh MLP)\n"
      "  --map M       hard (OT map), soft (grad u_tau), masked (soft-max within theta of\n"
      "                the best plane, default), aeot (pyOMT's angle-filtered interpolation)\n"
      "  --tau T       smoothing (absolute); default kappa * median gap of the best planes\n"
      "  --kappa K     gap-rule factor (default 0.5)\n"
      "  --theta A     angle threshold in radians (masked 0.4; aeot 0.4/0.2/0.09 toys, 0.7)\n"
      "  --count N     generated samples (default 2500)\n"
      "  --steps K     adam steps for d > 2 (default 1500; d <= 2 uses exact Newton)\n"
      "  --samples N   adam points per step (default 20000)\n"
      "  --lr LR       adam learning rate, decayed as LR/(1 + t/200) (default 2e-3)\n"
      "  --train-count N  toy training points (default 256)\n"
      "  --eval-samples M evaluation points of the final cell error (default 200000)\n"
      "  --ae-epochs E  MLP autoencoder epochs (default 100)\n"
      "  --seed S      seed (default 1)\n"
      "  -o F          generated samples (count x data dimension), required\n"
      "  --png F       a grid of generated digits, or the 2-D samples over the data\n"
      "  --json        metrics: modes_captured, high_quality_fraction, precision, recall,\n"
      "                ambiguous_fraction (digits), count, ...\n");
}

typedef struct gen_args {
  gen_config cfg;
  const char *out, *png;
  gen_map map;
  double tau, kappa, theta;
  size_t count;
  int json;
} gen_args;

static int parse_latent(const char *v, gen_config *c) {
  if (!strcmp(v, "none")) return c->latent = GEN_LATENT_NONE, 0;
  size_t k;
  if (!strncmp(v, "pca:", 4) && !cli_parse_size(v + 4, &k) && k >= 1)
    return c->latent = GEN_LATENT_PCA, c->latent_dim = k, 0;
  if (!strncmp(v, "mlp:", 4) && !cli_parse_size(v + 4, &k) && k >= 1)
    return c->latent = GEN_LATENT_MLP, c->latent_dim = k, 0;
  return cli_usage_error(CMD, "bad value '%s' for --latent (need none, pca:K or mlp:K)", v);
}

static int parse(int argc, char **argv, gen_args *a) {
  const char *latent = NULL, *map = "masked";
  size_t seed = 1;
  int rc = 0, npos = 0;
  memset(a, 0, sizeof *a);
  gen_config_init(&a->cfg);
  a->tau = NAN, a->kappa = 0.5, a->theta = NAN, a->count = 2500;
  for (int i = 1; i < argc && !rc; ++i) {
    const char *arg = argv[i];
    if (cli_is_help(arg)) {
      usage(stdout);
      return -1;
    } else if (!strcmp(arg, "--json")) {
      a->json = 1;
    } else if (!strcmp(arg, "--data")) {
      rc = cli_opt_str(CMD, argc, argv, &i, &a->cfg.data);
    } else if (!strcmp(arg, "--latent")) {
      rc = cli_opt_str(CMD, argc, argv, &i, &latent);
    } else if (!strcmp(arg, "--map")) {
      rc = cli_opt_str(CMD, argc, argv, &i, &map);
    } else if (!strcmp(arg, "-o")) {
      rc = cli_opt_str(CMD, argc, argv, &i, &a->out);
    } else if (!strcmp(arg, "--png")) {
      rc = cli_opt_str(CMD, argc, argv, &i, &a->png);
    } else if (!strcmp(arg, "--tau")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &a->tau, DBL_TRUE_MIN, DBL_MAX, "> 0");
    } else if (!strcmp(arg, "--kappa")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &a->kappa, DBL_TRUE_MIN, DBL_MAX, "> 0");
    } else if (!strcmp(arg, "--theta")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &a->theta, DBL_TRUE_MIN, 4.0, "in (0, pi]");
    } else if (!strcmp(arg, "--count")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &a->count, 4, (size_t)1 << 28, ">= 4");
    } else if (!strcmp(arg, "--steps")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &a->cfg.steps, 1, (size_t)1 << 40, ">= 1");
    } else if (!strcmp(arg, "--samples")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &a->cfg.samples, 1, (size_t)1 << 40, ">= 1");
    } else if (!strcmp(arg, "--train-count")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &a->cfg.train_count, 4, (size_t)1 << 24, ">= 4");
    } else if (!strcmp(arg, "--eval-samples")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &a->cfg.eval_samples, 1, (size_t)1 << 40, ">= 1");
    } else if (!strcmp(arg, "--ae-epochs")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &a->cfg.ae_epochs, 1, (size_t)1 << 30, ">= 1");
    } else if (!strcmp(arg, "--lr")) {
      rc = cli_opt_double(CMD, argc, argv, &i, &a->cfg.lr, DBL_TRUE_MIN, DBL_MAX, "> 0");
    } else if (!strcmp(arg, "--seed")) {
      rc = cli_opt_size(CMD, argc, argv, &i, &seed, 0, SIZE_MAX, NULL);
    } else {
      rc = cli_positional(CMD, arg, NULL, 0, &npos);
    }
  }
  if (rc) return rc;
  a->cfg.seed = seed;
  if (!a->cfg.data) return cli_usage_error(CMD, "--data is required");
  if (!a->out) return cli_usage_error(CMD, "-o samples.npy is required");
  if (latent && (rc = parse_latent(latent, &a->cfg))) return rc;
  if (!strcmp(map, "hard"))
    a->map = GEN_HARD;
  else if (!strcmp(map, "soft"))
    a->map = GEN_SOFT;
  else if (!strcmp(map, "masked"))
    a->map = GEN_MASKED;
  else if (!strcmp(map, "aeot"))
    a->map = GEN_AEOT;
  else
    return cli_usage_error(CMD, "bad value '%s' for --map (need hard, soft, masked or aeot)", map);
  static const char *const not_hard[] = {"--tau", "--kappa", "--theta", NULL};
  static const char *const not_soft[] = {"--theta", NULL};
  if (a->map == GEN_HARD && (rc = cli_reject_options(CMD, argc, argv, not_hard, "--map hard")))
    return rc;
  if (a->map == GEN_SOFT && (rc = cli_reject_options(CMD, argc, argv, not_soft, "--map soft")))
    return rc;
  return 0;
}

static const char *map_name(gen_map m) {
  static const char *const names[] = {"hard", "soft", "masked", "aeot"};
  return names[m];
}

static void print_json(const gen_args *a, const gen_model *m, const gen_metrics *met) {
  cli_json j;
  cli_json_begin(&j, stdout);
  cli_json_str(&j, "data", a->cfg.data);
  cli_json_str(&j, "map", map_name(a->map));
  cli_json_int(&j, "count", (long long)a->count);
  cli_json_int(&j, "train_count", (long long)m->n);
  cli_json_int(&j, "latent_dim", (long long)m->d);
  cli_json_num(&j, "autoencoder_mse", m->ae_mse);
  cli_json_str(&j, "solver", m->solver);
  cli_json_num(&j, "w2", m->ot.w2);
  cli_json_num(&j, "max_rel_cell_error", m->ot.max_rel_error);
  cli_json_int(&j, "empty_cells", (long long)m->ot.empty_cells);
  cli_json_int(&j, "ot_iterations", (long long)m->ot.iterations);
  cli_json_num(&j, "tau", met->tau);
  cli_json_num(&j, "effective_targets", met->neff);
  if (a->map == GEN_AEOT) cli_json_int(&j, "pairs", (long long)met->npairs);
  if (met->modes_captured >= 0)
    cli_json_int(&j, "modes_captured", met->modes_captured);
  else
    cli_json_num(&j, "modes_captured", NAN);
  cli_json_int(&j, "modes", (long long)(m->digits ? 10 : m->nmodes));
  cli_json_num(&j, "high_quality_fraction", met->hq);
  cli_json_num(&j, "mass_error", met->mass_error);
  cli_json_num(&j, "precision", met->precision);
  cli_json_num(&j, "recall", met->recall);
  cli_json_num(&j, "median_nn_distance", met->median_nn);
  if (m->digits) {
    cli_json_num(&j, "ambiguous_fraction", met->ambiguous);
    cli_json_array(&j, "label_histogram", met->hist, 10);
  }
  cli_json_end(&j);
}

static int write_png(const gen_args *a, const gen_model *m, const double *samples) {
  char title[256];
  snprintf(title, sizeof title, "%s, %s map", a->cfg.data, map_name(a->map));
  if (m->digits) {
    const size_t shown = a->count < 100 ? a->count : 100;
    return cli_plot_image_grid(a->png, title, samples, shown, 8, 10, 0.0, 16.0);
  }
  if (m->dim != 2) {
    fprintf(stderr, "specot %s: error: --png needs 2-D data or digits (data has dimension %zu)\n",
            CMD, m->dim);
    return CLI_EXIT_USAGE;
  }
  cli_scatter_panel p = {m->x, m->n, samples, a->count, title};
  return cli_plot_scatter_panels(a->png, title, &p, 1);
}

int cmd_generate(int argc, char **argv) {
  gen_args a;
  int rc = parse(argc, argv, &a);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  gen_model m;
  double *samples = NULL;
  gen_metrics met;
  if ((rc = gen_load(CMD, &a.cfg, &m))) goto done;
  if (a.png && !m.digits && m.dim != 2) {
    rc = cli_usage_error(CMD, "--png needs 2-D data or digits (data has dimension %zu)", m.dim);
    goto done;
  }
  if ((rc = gen_fit(CMD, &a.cfg, &m))) goto done;
  samples = malloc(a.count * m.dim * sizeof *samples);
  if (!samples) {
    rc = cli_out_of_memory(CMD);
    goto done;
  }
  if ((rc = gen_sample(CMD, &m, a.map, a.tau, a.kappa, a.theta, a.count, a.cfg.seed, samples,
                       &met)) ||
      (rc = gen_metrics_compute(CMD, &m, samples, a.count, &met)) ||
      (rc = cli_write_array(CMD, a.out, samples, a.count, m.dim, 2)))
    goto done;
  if (a.png && (rc = write_png(&a, &m, samples))) goto done;
  if (a.json) {
    print_json(&a, &m, &met);
  } else {
    printf(
        "%s, %s map: %zu samples; OT (%s) max rel cell error %.3g; modes %lld, HQ %.4f, "
        "precision %.3f, recall %.3f\n",
        a.cfg.data, map_name(a.map), a.count, m.solver, m.ot.max_rel_error, met.modes_captured,
        met.hq, met.precision, met.recall);
  }
done:
  free(samples);
  gen_model_free(&m);
  return rc;
}
