/* Exact cell masses, first moments, Hessian and energy in d = 1 (cube or
 * Gaussian source) and d = 2 (cube source, Sutherland–Hodgman clipping). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exact_internal.h"

static const double INV_SQRT_2PI = 0.39894228040143267794;

/* Source CDF, density and partial first moment int_{-inf}^{x} t dmu(t) in 1-D. */
static double cdf1(specot_sdot_source s, double x) {
  if (s == SPECOT_SDOT_GAUSS) return 0.5 * erfc(-x / sqrt(2.0));
  return x <= -0.5 ? 0.0 : x >= 0.5 ? 1.0 : x + 0.5;
}
static double pdf1(specot_sdot_source s, double x) {
  if (s == SPECOT_SDOT_GAUSS) return isinf(x) ? 0.0 : INV_SQRT_2PI * exp(-0.5 * x * x);
  return x < -0.5 || x > 0.5 ? 0.0 : 1.0;
}
static double moment1(specot_sdot_source s, double x) {
  if (s == SPECOT_SDOT_GAUSS) return -pdf1(s, x);
  const double c = x <= -0.5 ? -0.5 : x >= 0.5 ? 0.5 : x;
  return 0.5 * (c * c - 0.25);
}

static void exact_1d(const specot_sdot_problem *p, const double *h, double *w, double *mom,
                     double *H) {
  const size_t n = p->n;
  const double *y = p->y;
  const double lo = p->source == SPECOT_SDOT_GAUSS ? -INFINITY : -0.5;
  const double hi = p->source == SPECOT_SDOT_GAUSS ? INFINITY : 0.5;
  if (H) memset(H, 0, n * n * sizeof *H);
  for (size_t j = 0; j < n; ++j) {
    double L = lo, R = hi;
    size_t left = n;
    int empty = 0;
    for (size_t k = 0; k < n && !empty; ++k) {
      if (k == j) continue;
      if (y[j] > y[k]) {
        const double b = (h[k] - h[j]) / (y[j] - y[k]);
        if (b > L) L = b, left = k;
      } else if (y[j] < y[k]) {
        R = fmin(R, (h[j] - h[k]) / (y[k] - y[j]));
      } else if (h[k] > h[j] || (h[k] == h[j] && k < j)) {
        empty = 1;
      }
    }
    if (empty || !(R > L)) {
      w[j] = 0.0;
      if (mom) mom[j] = 0.0;
      continue;
    }
    w[j] = cdf1(p->source, R) - cdf1(p->source, L);
    if (mom) mom[j] = moment1(p->source, R) - moment1(p->source, L);
    if (H && left < n && L > lo) {
      const double v = -pdf1(p->source, L) / (y[j] - y[left]);
      H[j * n + left] = H[left * n + j] = v;
    }
  }
}

/* Clips the convex polygon (x, y, tag: tag[e] names the edge from vertex e to
 * e+1) by <a, v> <= b, tagging the new edge with `k`.  Returns the new count. */
static size_t clip(const double *x, const double *y, const long *tag, size_t m, double ax,
                   double ay, double b, long k, double *ox, double *oy, long *otag) {
  size_t o = 0;
  for (size_t e = 0; e < m; ++e) {
    const size_t f = e + 1 == m ? 0 : e + 1;
    const double sp = ax * x[e] + ay * y[e] - b, sq = ax * x[f] + ay * y[f] - b;
    const int pin = sp <= 0, qin = sq <= 0;
    if (pin) ox[o] = x[e], oy[o] = y[e], otag[o++] = tag[e];
    if (pin != qin) {
      const double s = sp / (sp - sq);
      ox[o] = x[e] + s * (x[f] - x[e]), oy[o] = y[e] + s * (y[f] - y[e]);
      otag[o++] = pin ? k : tag[e];
    }
  }
  return o;
}

static void exact_2d(const specot_sdot_problem *p, const double *h, double *w, double *mom,
                     double *H, double *scratch) {
  const size_t n = p->n, cap = n + 5;
  const double *Y = p->y;
  double *px = scratch, *py = px + cap, *qx = py + cap, *qy = qx + cap;
  long *pt = (long *)(qy + cap), *qt = pt + cap;
  if (H) memset(H, 0, n * n * sizeof *H);
  for (size_t i = 0; i < n; ++i) {
    static const double sx[4] = {-0.5, 0.5, 0.5, -0.5}, sy[4] = {-0.5, -0.5, 0.5, 0.5};
    size_t m = 4;
    for (size_t v = 0; v < 4; ++v) px[v] = sx[v], py[v] = sy[v], pt[v] = -1;
    for (size_t k = 0; k < n && m >= 3; ++k) {
      if (k == i) continue;
      const double ax = Y[2 * k] - Y[2 * i], ay = Y[2 * k + 1] - Y[2 * i + 1], b = h[i] - h[k];
      if (ax == 0.0 && ay == 0.0) {
        if (h[k] > h[i] || (h[k] == h[i] && k < i)) m = 0;
        continue;
      }
      int cuts = 0;
      for (size_t v = 0; v < m && !cuts; ++v) cuts = ax * px[v] + ay * py[v] > b;
      if (!cuts) continue;
      m = clip(px, py, pt, m, ax, ay, b, (long)k, qx, qy, qt);
      double *t = px;
      px = qx, qx = t, t = py, py = qy, qy = t;
      long *tt = pt;
      pt = qt, qt = tt;
    }
    double area = 0.0, mx = 0.0, my = 0.0;
    for (size_t e = 0; m >= 3 && e < m; ++e) {
      const size_t f = e + 1 == m ? 0 : e + 1;
      const double cr = px[e] * py[f] - px[f] * py[e];
      area += cr, mx += (px[e] + px[f]) * cr, my += (py[e] + py[f]) * cr;
      if (H && pt[e] >= 0) {
        const size_t k = (size_t)pt[e];
        const double len = hypot(px[f] - px[e], py[f] - py[e]);
        const double dist = hypot(Y[2 * k] - Y[2 * i], Y[2 * k + 1] - Y[2 * i + 1]);
        H[i * n + k] -= 0.5 * len / dist, H[k * n + i] -= 0.5 * len / dist;
      }
    }
    w[i] = m >= 3 ? fmax(0.5 * area, 0.0) : 0.0;
    if (mom) mom[2 * i] = m >= 3 ? mx / 6.0 : 0.0, mom[2 * i + 1] = m >= 3 ? my / 6.0 : 0.0;
  }
}

size_t sdot__exact_scratch(size_t n) {
  return 6 * (n + 5);
}

void sdot__exact_eval(const specot_sdot_problem *p, const double *h, double *w, double *mom,
                      double *H, double *energy, double *scratch) {
  const size_t n = p->n, d = p->d;
  if (d == 1)
    exact_1d(p, h, w, mom, H);
  else
    exact_2d(p, h, w, mom, H, scratch);
  if (H)
    for (size_t i = 0; i < n; ++i) {
      double s = 0.0;
      for (size_t k = 0; k < n; ++k) s += k == i ? 0.0 : H[i * n + k];
      H[i * n + i] = -s;
    }
  if (energy && mom) {
    double e = 0.0;
    for (size_t j = 0; j < n; ++j) {
      double yx = 0.0;
      for (size_t c = 0; c < d; ++c) yx += p->y[j * d + c] * mom[j * d + c];
      e += yx + (w[j] - (p->nu ? p->nu[j] : 1.0 / (double)n)) * h[j];
    }
    *energy = e;
  }
}

specot_status sdot__exact_check(specot_ctx *ctx, const specot_sdot_problem *prob) {
  specot_status st = specot_sdot_check(ctx, prob);
  if (st) return st;
  if (prob->d > 2)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "sdot: exact cells and Newton need d = 1 or 2 (d = %zu); use adam or asgd",
                        prob->d);
  if (prob->d == 2 && prob->source != SPECOT_SDOT_CUBE)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "sdot: exact cells in d = 2 need the cube source (Gaussian is 1-D only)");
  return SPECOT_OK;
}

specot_status specot_sdot_exact(specot_ctx *ctx, const specot_sdot_problem *prob, const double *h,
                                double *w, double *moment, double *H, double *energy) {
  specot__ctx_reset(ctx);
  specot_status st = sdot__exact_check(ctx, prob);
  if (st) return st;
  if (!h || !w) return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: NULL heights or masses");
  if (!specot__all_finite(h, prob->n))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot: non-finite height");
  size_t nn;
  if (H && specot__mul_size(prob->n, prob->n, &nn))
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "sdot: n x n Hessian overflows");
  double *scratch = specot__alloc_doubles(sdot__exact_scratch(prob->n) + prob->n * prob->d);
  if (!scratch) return specot__fail(ctx, SPECOT_ERR_NOMEM, "sdot: out of memory");
  double *mom = moment ? moment : scratch + sdot__exact_scratch(prob->n);
  sdot__exact_eval(prob, h, w, mom, H, energy, scratch);
  specot__free(scratch);
  return SPECOT_OK;
}
