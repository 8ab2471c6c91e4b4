/* `specot generate`, the metrics of spec aeot.md sec. 4: VEEGAN mode statistics
 * on the 2-D mixtures, precision/recall (k = 3) against the training data,
 * k-NN (k = 10) label statistics on digits, distance to the nearest training sample. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "generate.h"

int gen_metrics_compute(const char *cmd, const gen_model *m, const double *samples, size_t count,
                        gen_metrics *met) {
  specot_ctx *ctx = specot_ctx_alloc();
  const double unit = m->digits ? 16.0 : 1.0;
  double *R = malloc(m->n * m->dim * sizeof *R), *G = malloc(count * m->dim * sizeof *G);
  int *zeros = calloc(m->n, sizeof *zeros);
  int rc = CLI_EXIT_OK;
  if (!ctx || !R || !G || !zeros) {
    rc = cli_out_of_memory(cmd);
    goto done;
  }
  for (size_t i = 0; i < m->n * m->dim; ++i) R[i] = m->x[i] / unit;
  for (size_t i = 0; i < count * m->dim; ++i) G[i] = samples[i] / unit;
  met->modes_captured = -1, met->hq = NAN, met->mass_error = NAN, met->ambiguous = NAN;
  met->precision = NAN, met->recall = NAN;
  for (int c = 0; c < 10; ++c) met->hist[c] = NAN;
  specot_status st = SPECOT_OK;
  if (m->nmodes > 0) {
    specot_aeot_mode_stats s;
    st = specot_aeot_mode_metrics(ctx, count, samples, 2, m->nmodes, m->centres, m->sigma, &s);
    met->modes_captured = (long long)s.modes_captured, met->hq = s.hq_fraction;
    met->mass_error = s.max_mass_error;
  }
  if (!st && m->n > 3 && count > 3)
    st = specot_aeot_precision_recall(ctx, m->n, R, count, G, m->dim, 3, &met->precision,
                                      &met->recall);
  if (!st && m->digits) {
    /* a digit counts as high quality when its 10-NN vote share is >= 0.6; a
     * class is captured when it is the label of a high-quality sample */
    int *pred = malloc(count * sizeof *pred);
    double *share = malloc(count * sizeof *share);
    if (!pred || !share) {
      free(pred), free(share);
      rc = cli_out_of_memory(cmd);
      goto done;
    }
    st = specot_aeot_knn_labels(ctx, m->n, R, m->labels, 10, count, G, m->dim, 10, met->hist,
                                &met->ambiguous, &met->median_nn, pred, share);
    int seen[10] = {0};
    for (size_t i = 0; !st && i < count; ++i) seen[pred[i]] |= share[i] >= 0.6;
    met->modes_captured = 0;
    for (int c = 0; c < 10; ++c) met->modes_captured += seen[c];
    met->hq = 1.0 - met->ambiguous;
    free(pred), free(share);
  } else if (!st) { /* distance to the nearest training sample only */
    double hist1, amb;
    st = specot_aeot_knn_labels(ctx, m->n, R, zeros, 1, count, G, m->dim, 1, &hist1, &amb,
                                &met->median_nn, NULL, NULL);
  }
  if (st < 0) rc = cli_report(cmd, ctx, st);
done:
  specot_ctx_free(ctx);
  free(R), free(G), free(zeros);
  return rc;
}
