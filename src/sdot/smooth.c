/* Smoothed Brenier potential u_tau (log-sum-exp with the max shift), the
 * hard / soft / masked maps, facet angles and the gap rule for tau. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sdot_internal.h"

double specot_sdot_facet_angle(const specot_sdot_problem *prob, size_t a, size_t b) {
  const size_t d = prob->d;
  const double *ya = prob->y + a * d, *yb = prob->y + b * d;
  double dot = 1.0, ra = 1.0, rb = 1.0;
  for (size_t c = 0; c < d; ++c) dot += ya[c] * yb[c], ra += ya[c] * ya[c], rb += yb[c] * yb[c];
  const double cs = dot / sqrt(ra * rb);
  return acos(cs > 1.0 ? 1.0 : cs < -1.0 ? -1.0 : cs);
}

specot_status specot_sdot_map(specot_ctx *ctx, specot_sdot_ws *ws, const specot_sdot_problem *prob,
                              const double *h, specot_sdot_map_kind kind, double tau,
                              double theta_max, size_t N, const double *X, double *out,
                              double *u_tau, double *neff) {
  specot__ctx_reset(ctx);
  specot_status st = sdot__check_call(ctx, ws, prob, h);
  if (st) return st;
  if (kind != SPECOT_SDOT_MAP_HARD && kind != SPECOT_SDOT_MAP_SOFT &&
      kind != SPECOT_SDOT_MAP_MASKED)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot map: unknown map kind %d", (int)kind);
  const int smooth = kind != SPECOT_SDOT_MAP_HARD;
  if ((smooth || u_tau) && !(tau > 0 && isfinite(tau)))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot map: tau = %g (the smoothing needs tau > 0)",
                        tau);
  if (kind == SPECOT_SDOT_MAP_MASKED && !(theta_max > 0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot map: theta_max = %g (need > 0)", theta_max);
  if (N > 0 && (!X || !out)) return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot map: NULL points");
  const size_t n = prob->n, d = prob->d;
  const double *Y = prob->y;
  double *radius = NULL;
  const int masked = kind == SPECOT_SDOT_MAP_MASKED && theta_max < 3.14159265358979323846;
  if (masked) {
    radius = malloc(n * sizeof *radius);
    if (!radius) return specot__fail(ctx, SPECOT_ERR_NOMEM, "sdot map: out of memory");
    for (size_t j = 0; j < n; ++j) {
      double r = 1.0;
      for (size_t c = 0; c < d; ++c) r += Y[j * d + c] * Y[j * d + c];
      radius[j] = sqrt(r);
    }
  }
  const double cos_max = cos(theta_max);
  for (size_t k0 = 0; k0 < N; k0 += SDOT__BLOCK) {
    const size_t rows = N - k0 < SDOT__BLOCK ? N - k0 : SDOT__BLOCK;
    sdot__assign_block(ws, Y, h, rows, X + k0 * d);
    for (size_t k = 0; k < rows; ++k) {
      const size_t js = ws->idx[k];
      double *u = ws->buf + k * n, z = 0.0, zm = 0.0, sq = 0.0;
      if (!smooth && !u_tau) {
        memcpy(out + (k0 + k) * d, Y + js * d, d * sizeof *out);
        if (neff) neff[k0 + k] = 1.0;
        continue;
      }
      const double M = ws->best[k];
      for (size_t j = 0; j < n; ++j) {
        const double e = exp((u[j] + h[j] - M) / tau);
        z += e;
        double keep = 1.0;
        if (masked && j != js) {
          double dot = 1.0;
          for (size_t c = 0; c < d; ++c) dot += Y[js * d + c] * Y[j * d + c];
          keep = dot >= cos_max * radius[js] * radius[j] ? 1.0 : 0.0;
        }
        u[j] = e * keep;
        zm += u[j];
      }
      if (u_tau) u_tau[k0 + k] = M + tau * log(z);
      if (!smooth) {
        memcpy(out + (k0 + k) * d, Y + js * d, d * sizeof *out);
        if (neff) neff[k0 + k] = 1.0;
        for (size_t j = 0; j < n; ++j) u[j] = 0.0;
        u[js] = 1.0;
        continue;
      }
      for (size_t j = 0; j < n; ++j) u[j] /= zm, sq += u[j] * u[j];
      if (neff) neff[k0 + k] = 1.0 / sq;
    }
    /* out_b = P Y for the smooth maps (one dgemm per block) */
    if (smooth)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)d, (int)n, 1.0,
                  ws->buf, (int)n, Y, (int)d, 0.0, out + k0 * d, (int)d);
  }
  free(radius);
  return SPECOT_OK;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

specot_status specot_sdot_tau_gap(specot_ctx *ctx, specot_sdot_ws *ws,
                                  const specot_sdot_problem *prob, const double *h, double kappa,
                                  size_t N, const double *X, double *tau) {
  specot__ctx_reset(ctx);
  specot_status st = sdot__check_call(ctx, ws, prob, h);
  if (st) return st;
  if (!(kappa > 0 && isfinite(kappa)) || N == 0 || !X || !tau || prob->n < 2)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "sdot tau: need kappa > 0 (got %g), N > 0 points and n >= 2 targets",
                        kappa);
  double *gap = malloc(N * sizeof *gap);
  if (!gap) return specot__fail(ctx, SPECOT_ERR_NOMEM, "sdot tau: out of memory");
  specot_sdot_cells(NULL, ws, prob, h, N, X, NULL, NULL, gap, NULL);
  qsort(gap, N, sizeof *gap, cmp_double);
  const double med = N % 2 ? gap[N / 2] : 0.5 * (gap[N / 2 - 1] + gap[N / 2]);
  free(gap);
  if (!(med > 0))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "sdot tau: the median gap between best planes is %g (need > 0)", med);
  *tau = kappa * med;
  return SPECOT_OK;
}
