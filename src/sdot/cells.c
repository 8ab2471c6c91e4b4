/* The assignment kernel (blocked dgemm + row argmax) shared by every solver
 * and by the generator, and the Monte-Carlo cell masses / energy. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "sdot_internal.h"

void sdot__assign_block(specot_sdot_ws *ws, const double *Y, const double *h, size_t rows,
                        const double *X) {
  const size_t n = ws->n, d = ws->d;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)n, (int)d, 1.0, X, (int)d, Y,
              (int)d, 0.0, ws->buf, (int)n);
  for (size_t k = 0; k < rows; ++k) {
    const double *u = ws->buf + k * n;
    double b1 = u[0] + h[0], b2 = -INFINITY;
    size_t j1 = 0;
    for (size_t j = 1; j < n; ++j) {
      const double v = u[j] + h[j];
      if (v > b2) {
        if (v > b1) {
          b2 = b1, b1 = v, j1 = j;
        } else {
          b2 = v;
        }
      }
    }
    ws->idx[k] = j1, ws->best[k] = b1, ws->second[k] = b2;
  }
}

specot_status sdot__check_call(specot_ctx *ctx, const specot_sdot_ws *ws,
                               const specot_sdot_problem *prob, const double *h) {
  specot_status st = specot_sdot_check(ctx, prob);
  if (st) return st;
  if (!ws || ws->n != prob->n || ws->d != prob->d)
    return specot__fail(
        ctx, SPECOT_ERR_INVALID,
        "sdot: workspace is for n = %zu, d = %zu but the problem has n = %zu, d = %zu",
        ws ? ws->n : 0, ws ? ws->d : 0, prob->n, prob->d);
  if (!h) return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: NULL heights");
  if (!specot__all_finite(h, prob->n))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: non-finite height");
  return SPECOT_OK;
}

specot_status specot_sdot_cells(specot_ctx *ctx, specot_sdot_ws *ws,
                                const specot_sdot_problem *prob, const double *h, size_t N,
                                const double *X, size_t *idx, double *best, double *gap,
                                double *mass) {
  specot__ctx_reset(ctx);
  specot_status st = sdot__check_call(ctx, ws, prob, h);
  if (st) return st;
  if (N > 0 && !X) return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: NULL source points");
  if (mass) memset(mass, 0, prob->n * sizeof *mass);
  for (size_t k0 = 0; k0 < N; k0 += SDOT__BLOCK) {
    const size_t rows = N - k0 < SDOT__BLOCK ? N - k0 : SDOT__BLOCK;
    sdot__assign_block(ws, prob->y, h, rows, X + k0 * prob->d);
    for (size_t k = 0; k < rows; ++k) {
      if (idx) idx[k0 + k] = ws->idx[k];
      if (best) best[k0 + k] = ws->best[k];
      if (gap) gap[k0 + k] = ws->best[k] - ws->second[k];
      if (mass) mass[ws->idx[k]] += 1.0;
    }
  }
  if (mass && N > 0)
    for (size_t j = 0; j < prob->n; ++j) mass[j] /= (double)N;
  return SPECOT_OK;
}

specot_status specot_sdot_energy(specot_ctx *ctx, specot_sdot_ws *ws,
                                 const specot_sdot_problem *prob, const double *h, size_t N,
                                 const double *X, double *energy, double *grad) {
  specot__ctx_reset(ctx);
  specot_status st = sdot__check_call(ctx, ws, prob, h);
  if (st) return st;
  if (N == 0 || !X) return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: empty source sample");
  double *counts = grad ? grad : ws->counts;
  memset(counts, 0, prob->n * sizeof *counts);
  double sum = 0.0;
  for (size_t k0 = 0; k0 < N; k0 += SDOT__BLOCK) {
    const size_t rows = N - k0 < SDOT__BLOCK ? N - k0 : SDOT__BLOCK;
    sdot__assign_block(ws, prob->y, h, rows, X + k0 * prob->d);
    for (size_t k = 0; k < rows; ++k) counts[ws->idx[k]] += 1.0, sum += ws->best[k];
  }
  double nh = 0.0;
  for (size_t j = 0; j < prob->n; ++j) nh += sdot__nu(prob, j) * h[j];
  if (energy) *energy = sum / (double)N - nh;
  if (grad)
    for (size_t j = 0; j < prob->n; ++j) grad[j] = grad[j] / (double)N - sdot__nu(prob, j);
  return SPECOT_OK;
}

void sdot__accumulate(specot_sdot_ws *ws, const specot_sdot_problem *prob, const double *h,
                      sdot__stream *s, size_t total, double eps, double *counts, double *sum_best) {
  const size_t n = prob->n;
  const int fast = ws->fast && eps <= 0.0;
  double sum = 0.0;
  if (fast) sdot__fast_prepare(prob, h, ws->yt, ws->hp, ws->np);
  for (size_t k0 = 0; k0 < total; k0 += SDOT__BLOCK) {
    const size_t rows = total - k0 < SDOT__BLOCK ? total - k0 : SDOT__BLOCK;
    sdot__stream_draw(s, rows, ws->xb);
    if (fast)
      sdot__argmax_fast(ws->fast, ws->xb, rows, prob->d, ws->yt, ws->hp, ws->np, ws->idx, ws->best);
    else
      sdot__assign_block(ws, prob->y, h, rows, ws->xb);
    for (size_t k = 0; k < rows; ++k) {
      sum += ws->best[k];
      if (!counts) continue;
      if (eps <= 0.0) {
        counts[ws->idx[k]] += 1.0;
        continue;
      }
      /* soft-max with the max shift: p_j = exp((pi_j - M)/eps) / Z */
      double *u = ws->buf + k * n, z = 0.0;
      for (size_t j = 0; j < n; ++j) z += (u[j] = exp((u[j] + h[j] - ws->best[k]) / eps));
      for (size_t j = 0; j < n; ++j) counts[j] += u[j] / z;
    }
  }
  if (sum_best) *sum_best += sum;
}

specot_status specot_sdot_evaluate(specot_ctx *ctx, specot_sdot_ws *ws,
                                   const specot_sdot_problem *prob, const double *h, size_t samples,
                                   specot_rng *rng, double *mass, double *max_rel_error,
                                   size_t *empty_cells, double *energy) {
  specot__ctx_reset(ctx);
  specot_status st = sdot__check_call(ctx, ws, prob, h);
  if (st) return st;
  if (samples == 0 || !rng)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: evaluation needs samples > 0 and an RNG");
  sdot__stream s;
  s.source = prob->source, s.d = prob->d, s.qmc = 0, s.next = 1, s.rng = *rng;
  double *counts = mass ? mass : ws->counts, sum = 0.0;
  memset(counts, 0, prob->n * sizeof *counts);
  sdot__accumulate(ws, prob, h, &s, samples, 0.0, counts, &sum);
  *rng = s.rng;
  for (size_t j = 0; j < prob->n; ++j) counts[j] /= (double)samples;
  sdot__mass_summary(prob, counts, max_rel_error, empty_cells);
  if (energy) {
    double nh = 0.0;
    for (size_t j = 0; j < prob->n; ++j) nh += sdot__nu(prob, j) * h[j];
    *energy = sum / (double)samples - nh;
  }
  return SPECOT_OK;
}
