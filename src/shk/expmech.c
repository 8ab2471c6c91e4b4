/*
 * Exponential-mechanism potentials V_D(theta) = s u(D, clamp(theta)) + (wall/2) |theta -
 * clamp(theta)|^2, s = eps0 / (2 du), clamp onto Theta = [lo, hi]^d (spec shk_dp_memory.md 4.1).
 * Losses: a 1-D table (linear interpolation), the median / quantile (pinball)
 * losses via sorted data and prefix sums (O(log n) per call), and least squares
 * via its Gram matrix (O(d^2) per call).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shk_internal.h"

typedef struct expmech {
  specot_shk_loss loss;
  double scale, wall, lo, hi, q;
  size_t n, d;
  double *x;    /* TABLE: grid; MEDIAN/QUANTILE: sorted clipped data */
  double *y;    /* TABLE: losses; MEDIAN/QUANTILE: prefix sums (n + 1) */
  double *gram; /* LINREG: A = X^T X (d x d) then b = X^T y (d) */
  double c;     /* LINREG: (1/2) sum y^2 */
} expmech;

static void expmech_free(void *p) {
  expmech *e = p;
  if (!e) return;
  free(e->x);
  free(e->y);
  free(e->gram);
  free(e);
}

void specot_shk_expmech_init(specot_shk_expmech *em) {
  memset(em, 0, sizeof *em);
  em->loss = SPECOT_SHK_LOSS_MEDIAN;
  em->eps0 = 1.0;
  em->du = NAN;
  em->lo = 0.0;
  em->hi = 1.0;
  em->q = 0.5;
  em->wall = NAN;
  em->d = 1;
}

/* Number of sorted entries < t. */
static size_t count_below(const double *x, size_t n, double t) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (x[mid] < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Pinball loss sum_i rho_q(x_i - t) and its derivative in t (q = 1/2 gives half the median loss).
 */
static double pinball(const expmech *e, double t, double *dudt) {
  const size_t c = count_below(e->x, e->n, t);
  const size_t above = e->n - count_below(e->x, e->n, nextafter(t, INFINITY));
  const double below_sum = e->y[c], above_sum = e->y[e->n] - e->y[c];
  const double ubelow = (double)c * t - below_sum;          /* sum_{x<t} (t - x) */
  const double uabove = above_sum - (double)(e->n - c) * t; /* sum_{x>=t} (x - t) */
  *dudt = (1.0 - e->q) * (double)c - e->q * (double)above;
  return (1.0 - e->q) * ubelow + e->q * uabove;
}

static double table(const expmech *e, double t, double *dudt) {
  size_t k = count_below(e->x, e->n, nextafter(t, INFINITY)); /* x[k-1] <= t < x[k] */
  if (k == 0) k = 1;
  if (k >= e->n) k = e->n - 1;
  const double x0 = e->x[k - 1], x1 = e->x[k], slope = (e->y[k] - e->y[k - 1]) / (x1 - x0);
  *dudt = slope;
  return e->y[k - 1] + slope * (t - x0);
}

static specot_status expmech_eval(void *user, specot_ctx *ctx, const double *th, size_t d,
                                  double *V, double *grad) {
  (void)ctx;
  const expmech *e = user;
  double u = 0.0, wall = 0.0;
  if (e->loss == SPECOT_SHK_LOSS_LINREG) {
    const double *A = e->gram, *b = e->gram + d * d;
    for (size_t a = 0; a < d; ++a) {
      const double ta = th[a] < e->lo ? e->lo : (th[a] > e->hi ? e->hi : th[a]);
      double Aa = 0.0;
      for (size_t k = 0; k < d; ++k) {
        const double tk = th[k] < e->lo ? e->lo : (th[k] > e->hi ? e->hi : th[k]);
        Aa += A[a * d + k] * tk;
      }
      u += ta * (0.5 * Aa - b[a]);
      wall += (th[a] - ta) * (th[a] - ta);
      if (grad) grad[a] = th[a] == ta ? e->scale * (Aa - b[a]) : e->wall * (th[a] - ta);
    }
    u += e->c;
  } else {
    const double t = th[0] < e->lo ? e->lo : (th[0] > e->hi ? e->hi : th[0]);
    double dudt = 0.0;
    u = e->loss == SPECOT_SHK_LOSS_TABLE ? table(e, t, &dudt) : pinball(e, t, &dudt);
    if (e->loss == SPECOT_SHK_LOSS_MEDIAN) { /* sum |x - t| = 2 * pinball_{1/2} */
      u *= 2.0;
      dudt *= 2.0;
    }
    wall = (th[0] - t) * (th[0] - t);
    if (grad) grad[0] = th[0] == t ? e->scale * dudt : e->wall * (th[0] - t);
  }
  *V = e->scale * u + 0.5 * e->wall * wall;
  return SPECOT_OK;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static specot_status validate(specot_ctx *ctx, const specot_shk_expmech *em) {
  if (!(em->eps0 > 0.0) || !isfinite(em->eps0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "expmech: eps0 must be > 0 and finite, got %g",
                        em->eps0);
  if (!isnan(em->du) && (!(em->du > 0.0) || !isfinite(em->du)))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "expmech: du must be > 0 and finite, got %g",
                        em->du);
  if (!isnan(em->wall) && (!(em->wall >= 0.0) || !isfinite(em->wall)))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "expmech: wall must be >= 0 and finite, got %g",
                        em->wall);
  if (em->n == 0 || !em->data)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "expmech: no data given");
  const size_t cols =
      em->loss == SPECOT_SHK_LOSS_LINREG ? em->d + 1 : (em->loss == SPECOT_SHK_LOSS_TABLE ? 2 : 1);
  if (em->loss == SPECOT_SHK_LOSS_LINREG && (em->d == 0 || em->d > 4096))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "expmech: linear regression needs 1 <= d <= 4096, got %zu", em->d);
  if (!specot__all_finite(em->data, em->n * cols))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "expmech: data contain a non-finite value");
  if (em->loss == SPECOT_SHK_LOSS_TABLE) {
    if (em->n < 2)
      return specot__fail(ctx, SPECOT_ERR_INVALID, "expmech: a loss table needs >= 2 grid points");
    for (size_t k = 1; k < em->n; ++k)
      if (!(em->data[k] > em->data[k - 1]))
        return specot__fail(ctx, SPECOT_ERR_INVALID,
                            "expmech: table grid must increase strictly (point %zu)", k);
    if (isnan(em->du))
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "expmech: a loss table needs its sensitivity du");
    return SPECOT_OK;
  }
  if (!(em->lo < em->hi) || !isfinite(em->lo) || !isfinite(em->hi))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "expmech: need finite lo < hi, got [%g, %g]",
                        em->lo, em->hi);
  if (em->loss == SPECOT_SHK_LOSS_QUANTILE && !(em->q > 0.0 && em->q < 1.0))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "expmech: quantile level must be in (0, 1), got %g", em->q);
  if (em->loss == SPECOT_SHK_LOSS_LINREG && isnan(em->du))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "expmech: linear regression needs its sensitivity du");
  if (em->loss > SPECOT_SHK_LOSS_LINREG)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "expmech: unknown loss %d", (int)em->loss);
  return SPECOT_OK;
}

/* Copies the data into e (sorted/clipped, prefix sums, or the Gram matrix). */
static int setup(expmech *e, const specot_shk_expmech *em) {
  const size_t n = em->n, d = e->d;
  if (em->loss == SPECOT_SHK_LOSS_LINREG) {
    if (!(e->gram = calloc(d * d + d, sizeof *e->gram))) return -1;
    for (size_t i = 0; i < n; ++i) {
      const double *r = em->data + i * (d + 1), y = r[d];
      for (size_t a = 0; a < d; ++a) {
        for (size_t b = 0; b < d; ++b) e->gram[a * d + b] += r[a] * r[b];
        e->gram[d * d + a] += r[a] * y;
      }
      e->c += 0.5 * y * y;
    }
    return 0;
  }
  e->x = malloc(n * sizeof *e->x);
  e->y = malloc((n + 1) * sizeof *e->y);
  if (!e->x || !e->y) return -1;
  if (em->loss == SPECOT_SHK_LOSS_TABLE) {
    memcpy(e->x, em->data, n * sizeof *e->x);
    memcpy(e->y, em->data + n, n * sizeof *e->y);
    return 0;
  }
  for (size_t i = 0; i < n; ++i) {
    const double v = em->data[i];
    e->x[i] = v < em->lo ? em->lo : (v > em->hi ? em->hi : v);
  }
  qsort(e->x, n, sizeof *e->x, cmp_double);
  e->y[0] = 0.0;
  for (size_t i = 0; i < n; ++i) e->y[i + 1] = e->y[i] + e->x[i];
  return 0;
}

specot_status specot_shk_potential_expmech(specot_ctx *ctx, const specot_shk_expmech *em,
                                           specot_shk_potential *out, double *du_out,
                                           double *U_out) {
  specot__ctx_reset(ctx);
  memset(out, 0, sizeof *out);
  specot_status st = validate(ctx, em);
  if (st) return st;
  expmech *e = calloc(1, sizeof *e);
  if (!e) return specot__fail(ctx, SPECOT_ERR_NOMEM, "expmech: out of memory");
  e->loss = em->loss;
  e->n = em->n;
  e->d = em->loss == SPECOT_SHK_LOSS_LINREG ? em->d : 1;
  e->q = em->loss == SPECOT_SHK_LOSS_QUANTILE ? em->q : 0.5;
  e->lo = em->loss == SPECOT_SHK_LOSS_TABLE ? em->data[0] : em->lo;
  e->hi = em->loss == SPECOT_SHK_LOSS_TABLE ? em->data[em->n - 1] : em->hi;
  const double width = e->hi - e->lo, qmax = e->q > 0.5 ? e->q : 1.0 - e->q;
  double du = em->du, U = NAN;
  if (em->loss == SPECOT_SHK_LOSS_MEDIAN) {
    if (isnan(du)) du = width;
    U = (double)em->n * width;
  } else if (em->loss == SPECOT_SHK_LOSS_QUANTILE) {
    if (isnan(du)) du = qmax * width;
    U = (double)em->n * qmax * width;
  }
  e->scale = em->eps0 / (2.0 * du);
  e->wall = isnan(em->wall) ? 100.0 / (width * width) : em->wall;
  if (setup(e, em)) {
    expmech_free(e);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "expmech: out of memory");
  }
  out->fn = expmech_eval;
  out->user = e;
  out->d = e->d;
  out->thread_safe = 1;
  out->free_user = expmech_free;
  if (du_out) *du_out = du;
  if (U_out) *U_out = U;
  return SPECOT_OK;
}
