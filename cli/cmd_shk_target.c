/* `specot shk`: the target potentials and starting distributions built from
 * the command-line options. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shk_cli.h"

void shk_cli_target_init(shk_cli_target *t) {
  memset(t, 0, sizeof *t);
  t->name = "mixture";
  t->barrier = 4.0;
  t->loss = "median";
  t->eps0 = 1.0;
  t->du = NAN;
  t->lo = 0.0;
  t->hi = 1.0;
  t->q = 0.5;
  t->U = NAN;
  t->init_mean = NAN;
  t->init_std = NAN;
}

static int fail_lib(const char *cmd, specot_ctx *ctx, specot_status st) {
  const int rc = cli_report(cmd, ctx, st);
  specot_ctx_free(ctx);
  return rc;
}

/* Gaussian: --mean (d), --cov (d x d); defaults 0 and I with d = --dim or 1. */
static int build_gauss(const char *cmd, const shk_cli_target *t, specot_shk_potential *pot,
                       size_t *d) {
  specot_array mean = {0}, cov = {0};
  int rc = 0;
  if (t->mean && (rc = cli_read_array(cmd, t->mean, &mean))) return rc;
  size_t dim = t->mean ? mean.rows * mean.cols : (t->dim ? t->dim : 1);
  if (t->cov && !t->mean && !t->dim) {
    if ((rc = cli_read_array(cmd, t->cov, &cov))) return rc;
    dim = cov.rows;
    specot_array_free(&cov);
  }
  if (t->dim && t->dim != dim) {
    specot_array_free(&mean);
    fprintf(stderr, "specot %s: error: --mean '%s' has %zu entries but --dim is %zu\n", cmd,
            t->mean, dim, t->dim);
    return CLI_EXIT_INPUT;
  }
  if (t->cov && (rc = cli_read_matrix(cmd, t->cov, dim, dim, "covariance", &cov))) {
    specot_array_free(&mean);
    return rc;
  }
  double *zero = calloc(dim, sizeof *zero);
  if (!zero) return cli_out_of_memory(cmd);
  const double w = 1.0;
  specot_ctx *ctx = specot_ctx_alloc();
  const specot_status st = specot_shk_potential_mixture(ctx, 1, dim, &w, t->mean ? mean.data : zero,
                                                        t->cov ? cov.data : NULL, pot);
  free(zero);
  specot_array_free(&mean);
  specot_array_free(&cov);
  if (st < 0 && t->cov) { /* name the file (e.g. a covariance that is not positive definite) */
    const int rc2 = cli_report_files(cmd, ctx, st, t->cov, NULL);
    specot_ctx_free(ctx);
    return rc2;
  }
  if (st < 0) return fail_lib(cmd, ctx, st);
  specot_ctx_free(ctx);
  *d = dim;
  return CLI_EXIT_OK;
}

/* Mixture: the spec's barrier example 0.25 N(-3, 0.5^2) + 0.75 N(3, 0.5^2) by
 * default; otherwise --mix-weights (K), --mix-means (K x d), --mix-std (K, isotropic). */
static int build_mixture(const char *cmd, const shk_cli_target *t, specot_shk_potential *pot,
                         size_t *d) {
  const int given = (t->mix_weights != NULL) + (t->mix_means != NULL) + (t->mix_std != NULL);
  if (given && given < 3)
    return cli_usage_error(cmd, "--mix-weights, --mix-means and --mix-std go together");
  specot_array w = {0}, m = {0}, s = {0};
  size_t K = 2, dim = 1;
  const double dw[2] = {0.25, 0.75}, dm[2] = {-3.0, 3.0}, ds[2] = {0.5, 0.5};
  int rc = 0;
  if (given) {
    if ((rc = cli_read_array(cmd, t->mix_weights, &w))) return rc;
    K = w.rows * w.cols;
    if (!rc) rc = cli_read_array(cmd, t->mix_means, &m);
    if (!rc && m.rows != K) {
      fprintf(
          stderr,
          "specot %s: error: --mix-means '%s' has %zu rows, expected K = %zu (one per weight)\n",
          cmd, t->mix_means, m.rows, K);
      rc = CLI_EXIT_INPUT;
    }
    dim = m.cols;
    if (!rc) rc = cli_read_vector(cmd, t->mix_std, K, "--mix-std", &s);
  }
  double *covs = NULL;
  if (!rc && !(covs = calloc(K * dim * dim, sizeof *covs))) rc = cli_out_of_memory(cmd);
  for (size_t k = 0; !rc && k < K; ++k) {
    const double sd = given ? s.data[k] : ds[k];
    if (!(sd > 0.0)) {
      fprintf(stderr, "specot %s: error: --mix-std entry %zu is %g, need > 0\n", cmd, k, sd);
      rc = CLI_EXIT_INPUT;
    }
    for (size_t a = 0; a < dim; ++a) covs[k * dim * dim + a * dim + a] = sd * sd;
  }
  if (!rc) {
    specot_ctx *ctx = specot_ctx_alloc();
    const specot_status st = specot_shk_potential_mixture(ctx, K, dim, given ? w.data : dw,
                                                          given ? m.data : dm, covs, pot);
    rc = st < 0 ? cli_report(cmd, ctx, st) : 0;
    specot_ctx_free(ctx);
  }
  free(covs);
  specot_array_free(&w);
  specot_array_free(&m);
  specot_array_free(&s);
  *d = dim;
  return rc;
}

static int build_expmech(const char *cmd, shk_cli_target *t, specot_shk_potential *pot, size_t *d,
                         double *du_used, double *U_used) {
  specot_shk_expmech em;
  specot_shk_expmech_init(&em);
  if (!strcmp(t->loss, "median"))
    em.loss = SPECOT_SHK_LOSS_MEDIAN;
  else if (!strcmp(t->loss, "quantile"))
    em.loss = SPECOT_SHK_LOSS_QUANTILE;
  else if (!strcmp(t->loss, "linreg"))
    em.loss = SPECOT_SHK_LOSS_LINREG;
  else if (!strcmp(t->loss, "table"))
    em.loss = SPECOT_SHK_LOSS_TABLE;
  else
    return cli_usage_error(
        cmd, "bad value '%s' for --loss (need median, quantile, linreg or table)", t->loss);
  if (!t->data) return cli_usage_error(cmd, "--target expmech needs --data FILE");
  specot_array data = {0};
  int rc = cli_read_array(cmd, t->data, &data);
  if (rc) return rc;
  double *table = NULL;
  if (em.loss == SPECOT_SHK_LOSS_TABLE || em.loss == SPECOT_SHK_LOSS_LINREG) {
    const size_t need = em.loss == SPECOT_SHK_LOSS_TABLE ? 2 : 0;
    if ((need && data.cols != 2) || (!need && data.cols < 2)) {
      fprintf(stderr, "specot %s: error: --data '%s' is %zu x %zu, expected %s\n", cmd, t->data,
              data.rows, data.cols,
              need ? "2 columns (theta, u)" : ">= 2 columns (features..., y)");
      specot_array_free(&data);
      return CLI_EXIT_INPUT;
    }
  }
  em.eps0 = t->eps0;
  em.du = t->du;
  em.lo = t->lo;
  em.hi = t->hi;
  em.q = t->q;
  em.n = data.rows *
         (em.loss == SPECOT_SHK_LOSS_MEDIAN || em.loss == SPECOT_SHK_LOSS_QUANTILE ? data.cols : 1);
  em.data = data.data;
  if (em.loss == SPECOT_SHK_LOSS_LINREG) em.d = data.cols - 1;
  if (em.loss == SPECOT_SHK_LOSS_TABLE) { /* columns (theta, u) -> grid then losses */
    if (!(table = malloc(2 * data.rows * sizeof *table))) rc = cli_out_of_memory(cmd);
    for (size_t i = 0; !rc && i < data.rows; ++i) {
      table[i] = data.data[2 * i];
      table[data.rows + i] = data.data[2 * i + 1];
    }
    em.data = table;
    if (!rc) { /* Theta is the grid's range: the start is uniform on it */
      t->lo = table[0];
      t->hi = table[data.rows - 1];
    }
  }
  specot_ctx *ctx = specot_ctx_alloc();
  const specot_status st =
      rc ? SPECOT_OK : specot_shk_potential_expmech(ctx, &em, pot, du_used, U_used);
  if (!rc && st < 0) rc = cli_report(cmd, ctx, st);
  specot_ctx_free(ctx);
  free(table);
  specot_array_free(&data);
  if (!isnan(t->U)) *U_used = t->U;
  *d = em.loss == SPECOT_SHK_LOSS_LINREG ? em.d : 1;
  return rc;
}

int shk_cli_target_build(const char *cmd, shk_cli_target *t, specot_shk_potential *pot, size_t *d,
                         double *du_used, double *U_used) {
  *du_used = NAN;
  *U_used = NAN;
  memset(pot, 0, sizeof *pot);
  if (!strcmp(t->name, "gauss")) return build_gauss(cmd, t, pot, d);
  if (!strcmp(t->name, "mixture")) return build_mixture(cmd, t, pot, d);
  if (!strcmp(t->name, "expmech")) return build_expmech(cmd, t, pot, d, du_used, U_used);
  if (!strcmp(t->name, "double-well")) {
    *d = t->dim ? t->dim : 1;
    specot_ctx *ctx = specot_ctx_alloc();
    const specot_status st = specot_shk_potential_double_well(ctx, *d, t->barrier, pot);
    if (st < 0) return fail_lib(cmd, ctx, st);
    specot_ctx_free(ctx);
    return CLI_EXIT_OK;
  }
  return cli_usage_error(
      cmd, "bad value '%s' for --target (need gauss, mixture, double-well or expmech)", t->name);
}

void shk_cli_target_start(const shk_cli_target *t, specot_rng *rng, double *X, size_t N, size_t d) {
  if (!strcmp(t->name, "expmech")) {
    specot_rng_fill_uniform(rng, X, N * d, t->lo, t->hi);
    return;
  }
  const double m = isnan(t->init_mean) ? 0.0 : t->init_mean;
  const double s = isnan(t->init_std) ? (!strcmp(t->name, "mixture") ? 3.0 : 1.0) : t->init_std;
  specot_rng_fill_normal(rng, X, N * d, m, s);
}
