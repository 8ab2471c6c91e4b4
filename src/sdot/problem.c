/* Semi-discrete OT: problem validation, source sampling (iid and Halton),
 * the workspace, and small helpers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sdot_internal.h"

specot_status specot_sdot_check(specot_ctx *ctx, const specot_sdot_problem *prob) {
  if (!prob || !prob->y)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: NULL problem or targets");
  if (prob->n == 0 || prob->d == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: empty target set (n = %zu, d = %zu)",
                        prob->n, prob->d);
  if (prob->source != SPECOT_SDOT_CUBE && prob->source != SPECOT_SDOT_GAUSS)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: unknown source measure %d",
                        (int)prob->source);
  size_t nd;
  if (specot__mul_size(prob->n, prob->d, &nd) || prob->n > SPECOT__BLAS_INT_MAX ||
      prob->d > SPECOT__BLAS_INT_MAX)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "sdot: %zu x %zu targets overflow", prob->n,
                        prob->d);
  for (size_t k = 0; k < nd; ++k)
    if (!isfinite(prob->y[k]))
      return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: target %zu has a non-finite coordinate",
                          k / prob->d);
  if (prob->nu) {
    double total = 0.0;
    for (size_t j = 0; j < prob->n; ++j) {
      if (!(prob->nu[j] > 0.0) || !isfinite(prob->nu[j]))
        return specot__fail(ctx, SPECOT_ERR_INVALID,
                            "sdot: weight nu[%zu] = %g (weights must be finite and > 0)", j,
                            prob->nu[j]);
      total += prob->nu[j];
    }
    if (fabs(total - 1.0) > 1e-9)
      return specot__fail(ctx, SPECOT_ERR_INFEASIBLE,
                          "sdot: target weights sum to %.12g but the source has mass 1", total);
  }
  return SPECOT_OK;
}

double specot_sdot_second_moment(specot_sdot_source source, size_t d) {
  return source == SPECOT_SDOT_GAUSS ? (double)d : (double)d / 12.0;
}

double specot_sdot_w2_from_energy(const specot_sdot_problem *prob, double energy) {
  double sy = 0.0;
  for (size_t j = 0; j < prob->n; ++j) {
    double r = 0.0;
    for (size_t c = 0; c < prob->d; ++c) r += prob->y[j * prob->d + c] * prob->y[j * prob->d + c];
    sy += sdot__nu(prob, j) * r;
  }
  return specot_sdot_second_moment(prob->source, prob->d) + sy - 2.0 * energy;
}

void specot_sdot_sample(specot_rng *rng, specot_sdot_source source, size_t N, size_t d, double *X) {
  if (source == SPECOT_SDOT_GAUSS)
    specot_rng_fill_normal(rng, X, N * d, 0.0, 1.0);
  else
    specot_rng_fill_uniform(rng, X, N * d, -0.5, 0.5);
}

/* Acklam's rational approximation, refined by one Halley step on erfc
 * (relative error near DBL_EPSILON over (0, 1)). */
double sdot__norm_quantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double e[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  double x;
  if (p < 0.02425 || p > 1 - 0.02425) {
    const double q = sqrt(-2.0 * log(p < 0.5 ? p : 1.0 - p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((e[0] * q + e[1]) * q + e[2]) * q + e[3]) * q + 1.0);
    if (p > 0.5) x = -x;
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  const double err = 0.5 * erfc(-x / sqrt(2.0)) - p;
  const double u = err * sqrt(2.0 * 3.14159265358979323846) * exp(0.5 * x * x);
  return x - u / (1.0 + 0.5 * x * u);
}

static const unsigned primes[64] = {2,   3,   5,   7,   11,  13,  17,  19,  23,  29,  31,  37,  41,
                                    43,  47,  53,  59,  61,  67,  71,  73,  79,  83,  89,  97,  101,
                                    103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
                                    173, 179, 181, 191, 193, 197, 199, 211, 223, 227, 229, 233, 239,
                                    241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311};

void sdot__halton(specot_sdot_source source, uint64_t index, size_t d, double *x) {
  for (size_t c = 0; c < d; ++c) {
    const uint64_t base = primes[c];
    double f = 1.0, r = 0.0;
    for (uint64_t i = index; i > 0; i /= base) {
      f /= (double)base;
      r += f * (double)(i % base);
    }
    x[c] = source == SPECOT_SDOT_GAUSS ? sdot__norm_quantile(r) : r - 0.5;
  }
}

specot_status specot_sdot_sample_halton(specot_ctx *ctx, specot_sdot_source source, uint64_t start,
                                        size_t N, size_t d, double *X) {
  specot__ctx_reset(ctx);
  if (d == 0 || d > 64 || !X)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: Halton points need 1 <= d <= 64 (d = %zu)",
                        d);
  for (size_t k = 0; k < N; ++k) sdot__halton(source, start + k + (start == 0), d, X + k * d);
  return SPECOT_OK;
}

void sdot__stream_init(sdot__stream *s, specot_sdot_source source, size_t d, int qmc,
                       uint64_t seed) {
  s->source = source;
  s->d = d;
  s->qmc = qmc && d <= 64;
  s->next = 1;
  specot_rng_seed(&s->rng, seed);
}

void sdot__stream_draw(sdot__stream *s, size_t rows, double *X) {
  if (s->qmc) {
    for (size_t k = 0; k < rows; ++k) sdot__halton(s->source, s->next++, s->d, X + k * s->d);
  } else {
    specot_sdot_sample(&s->rng, s->source, rows, s->d, X);
  }
}

specot_sdot_ws *specot_sdot_ws_alloc(specot_ctx *ctx, size_t n, size_t d) {
  specot__ctx_reset(ctx);
  size_t bn, bd;
  if (n == 0 || d == 0) {
    specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: workspace for n = %zu, d = %zu", n, d);
    return NULL;
  }
  if (specot__mul_size(SDOT__BLOCK, n, &bn) || specot__mul_size(SDOT__BLOCK, d, &bd)) {
    specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "sdot: workspace size overflows");
    return NULL;
  }
  specot_sdot_ws *ws = calloc(1, sizeof *ws);
  if (!ws) {
    specot__fail(ctx, SPECOT_ERR_NOMEM, "sdot: out of memory");
    return NULL;
  }
  ws->n = n, ws->d = d;
  ws->buf = specot__alloc_doubles(bn);
  ws->xb = specot__alloc_doubles(bd);
  ws->idx = malloc(SDOT__BLOCK * sizeof *ws->idx);
  ws->best = specot__alloc_doubles(2 * SDOT__BLOCK);
  ws->g = specot__alloc_doubles(6 * n);
  if (!ws->buf || !ws->xb || !ws->idx || !ws->best || !ws->g) {
    specot_sdot_ws_free(ws);
    specot__fail(ctx, SPECOT_ERR_NOMEM, "sdot: out of memory (workspace for n = %zu)", n);
    return NULL;
  }
  ws->np = (n + 7) / 8 * 8;
  ws->fast = sdot__fast_available(d);
  if (ws->fast) {
    ws->yt = specot__alloc_doubles(ws->np * d);
    ws->hp = specot__alloc_doubles(ws->np);
    if (!ws->yt || !ws->hp) {
      specot_sdot_ws_free(ws);
      specot__fail(ctx, SPECOT_ERR_NOMEM, "sdot: out of memory (workspace for n = %zu)", n);
      return NULL;
    }
  }
  ws->second = ws->best + SDOT__BLOCK;
  ws->m = ws->g + n, ws->v = ws->m + n, ws->hbar = ws->v + n, ws->hcur = ws->hbar + n;
  ws->counts = ws->hcur + n;
  return ws;
}

void specot_sdot_ws_free(specot_sdot_ws *ws) {
  if (!ws) return;
  specot__free(ws->buf);
  specot__free(ws->xb);
  free(ws->idx);
  specot__free(ws->best);
  specot__free(ws->g);
  specot__free(ws->yt);
  specot__free(ws->hp);
  free(ws);
}

void sdot__mass_summary(const specot_sdot_problem *prob, const double *mass, double *max_rel,
                        size_t *empty) {
  double worst = 0.0;
  size_t e = 0;
  for (size_t j = 0; j < prob->n; ++j) {
    const double nu = sdot__nu(prob, j);
    worst = fmax(worst, fabs(mass[j] - nu) / nu);
    e += mass[j] <= 0.0;
  }
  if (max_rel) *max_rel = worst;
  if (empty) *empty = e;
}

void sdot__center(double *h, size_t n) {
  double s = 0.0;
  for (size_t j = 0; j < n; ++j) s += h[j];
  s /= (double)n;
  for (size_t j = 0; j < n; ++j) h[j] -= s;
}
