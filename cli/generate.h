/* The AE-OT pipeline of `specot generate` (and of the sdot demo): data ->
 * autoencoder -> latent codes in the cube -> semi-discrete OT -> generated
 * codes -> decoded samples -> metrics.  Public API only. */
#ifndef SPECOT_CLI_GENERATE_H
#define SPECOT_CLI_GENERATE_H

#include <stddef.h>
#include <stdint.h>

#include "specot/aeot.h"
#include "specot/sdot.h"

typedef enum gen_map { GEN_HARD, GEN_SOFT, GEN_MASKED, GEN_AEOT } gen_map;
typedef enum gen_latent {
  GEN_LATENT_AUTO,
  GEN_LATENT_NONE,
  GEN_LATENT_PCA,
  GEN_LATENT_MLP
} gen_latent;

typedef struct gen_config {
  const char *data; /* digits | 8gaussians | 25gaussians | swissroll | X.npy | digits .csv[.gz] */
  gen_latent latent;
  size_t latent_dim;   /* default 8 */
  size_t train_count;  /* toy training points (default 256, as pyOMT's files) */
  size_t steps;        /* adam steps (default 1500) */
  size_t samples;      /* adam points per step (default 20000) */
  double lr;           /* adam lr (default 2e-3, decayed as lr/(1 + t/200)) */
  size_t eval_samples; /* evaluation sample of the final cell error (default 200000) */
  size_t ae_epochs;    /* MLP autoencoder epochs (default 100) */
  uint64_t seed;       /* default 1 */
  int quiet;
} gen_config;
void gen_config_init(gen_config *c);

typedef struct gen_model {
  const char *name; /* data name for messages */
  size_t n, dim;    /* training data n x dim (data space) */
  double *x;        /* n x dim */
  int *labels;      /* n or NULL */
  size_t nclasses;  /* digits: 10 */
  int digits;       /* 1: 8x8 images in 0..16 */
  int toy;          /* -1 or a specot_aeot_toy */
  size_t nmodes;
  double centres[50], sigma;
  size_t d;          /* latent dimension */
  double *y;         /* n x d codes (scaled into the cube when an autoencoder is used) */
  double *mid, span; /* code scaling: y = (z - mid) / span (span 1, mid 0: none) */
  gen_latent latent;
  specot_aeot_pca pca;
  specot_aeot_mlp mlp;
  double *h; /* n heights */
  specot_sdot_result ot;
  const char *solver;
  double ae_mse; /* reconstruction MSE (data units / 16 for digits) */
} gen_model;

typedef struct gen_metrics {
  long long modes_captured; /* -1: not defined for the data */
  double hq, mass_error, precision, recall, ambiguous, median_nn, neff, tau;
  double hist[10];
  size_t npairs;
} gen_metrics;

/* Each returns a CLI exit code after printing its own one-line error. */
int gen_load(const char *cmd, const gen_config *c, gen_model *m);
int gen_fit(const char *cmd, const gen_config *c, gen_model *m);
/* count samples (count x dim, data space) with the given map; tau NaN = gap rule
 * with kappa; theta NaN = default for the data.  Fills met->tau, neff, npairs. */
int gen_sample(const char *cmd, const gen_model *m, gen_map map, double tau, double kappa,
               double theta, size_t count, uint64_t seed, double *out, gen_metrics *met);
int gen_metrics_compute(const char *cmd, const gen_model *m, const double *samples, size_t count,
                        gen_metrics *met);
void gen_model_free(gen_model *m);

#endif
