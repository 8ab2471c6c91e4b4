/* Shared pieces of `specot shk` and `specot dpcert`: the certificate output. */
#ifndef SPECOT_CLI_SHK_H
#define SPECOT_CLI_SHK_H

#include <stdio.h>

#include "cli.h"
#include "specot/dpcert.h"

enum { SHK_CLI_MAX_LIST = 64 };

/* A certificate request: options plus the eps and delta lists to tabulate. */
typedef struct shk_cli_cert {
  specot_dpcert_opts opts;
  double eps[SHK_CLI_MAX_LIST];
  int neps;
  double delta[SHK_CLI_MAX_LIST];
  int ndelta;
} shk_cli_cert;

/* Defaults: eps 0,0.1,0.25,0.5,1 and delta 1e-6,1e-5,1e-3,1e-2. */
void shk_cli_cert_init(shk_cli_cert *c);
/* Writes the certificate members (eta_A, ..., scope) into the open JSON object j. */
void shk_cli_cert_json(cli_json *j, const shk_cli_cert *c, const specot_dpcert *out);
/* Writes the certificate as a readable table, the scope line first. */
void shk_cli_cert_text(FILE *f, const shk_cli_cert *c, const specot_dpcert *out);

/* JSON arrays on the cli_json writer: "key":[ ... ] (elements with key NULL). */
void shk_cli_json_begin_array(cli_json *j, const char *key);
void shk_cli_json_end_array(cli_json *j);

/* `specot shk` model setup (cli/cmd_shk_target.c). */
#include "specot/shk.h"

typedef struct shk_cli_target {
  const char *name;                              /* gauss | mixture | double-well | expmech */
  size_t dim;                                    /* --dim (0 = from the files / 1) */
  const char *mean, *cov;                        /* gauss */
  const char *mix_weights, *mix_means, *mix_std; /* mixture */
  double barrier;                                /* double well */
  const char *data, *loss;                       /* expmech */
  double eps0, du, lo, hi, q, U;
  double init_mean, init_std; /* Gaussian start (NaN = target default) */
} shk_cli_target;

void shk_cli_target_init(shk_cli_target *t);
/* Builds the potential (a loss table sets t->lo, t->hi to its grid's ends); *d gets the dimension,
 * *du_used / *U_used the expmech sensitivity and loss range (NaN otherwise).  Returns an exit code
 * (message printed). */
int shk_cli_target_build(const char *cmd, shk_cli_target *t, specot_shk_potential *pot, size_t *d,
                         double *du_used, double *U_used);
/* Fills the N x d start: expmech uniform on [lo, hi]^d, otherwise N(init_mean, init_std^2 I)
 * with the target's default start (mixture: N(0, 9), others N(0, 1)). */
void shk_cli_target_start(const shk_cli_target *t, specot_rng *rng, double *X, size_t N, size_t d);

#endif
