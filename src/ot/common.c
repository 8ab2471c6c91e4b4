/* OT module: input validation, memory budget, point costs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ot_internal.h"

specot_status specot__ot_check_weights(specot_ctx *ctx, const char *name, const double *w,
                                       size_t len, double *total) {
  double sum = 0.0;
  if (!w) {
    *total = 1.0;
    return SPECOT_OK;
  }
  for (size_t i = 0; i < len; ++i) {
    if (!isfinite(w[i]))
      return specot__fail(ctx, SPECOT_ERR_INVALID, "ot: weight %s[%zu] = %g is not finite", name,
                          i, w[i]);
    if (w[i] < 0.0)
      return specot__fail(ctx, SPECOT_ERR_INVALID, "ot: weight %s[%zu] = %g is negative", name, i,
                          w[i]);
    sum += w[i];
  }
  if (!(sum > 0.0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "ot: weights %s sum to 0", name);
  if (!isfinite(sum))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "ot: weights %s sum to a non-finite value",
                        name);
  *total = sum;
  return SPECOT_OK;
}

specot_status specot__ot_check_masses(specot_ctx *ctx, const double *a, size_t n, const double *b,
                                      size_t m, double rtol, double *total_a, double *total_b) {
  specot_status st = specot__ot_check_weights(ctx, "a", a, n, total_a);
  if (st) return st;
  st = specot__ot_check_weights(ctx, "b", b, m, total_b);
  if (st) return st;
  const double big = *total_a > *total_b ? *total_a : *total_b;
  if (!(fabs(*total_a - *total_b) <= rtol * big))
    return specot__fail(ctx, SPECOT_ERR_INFEASIBLE,
                        "ot: weights a sum to %.17g, b to %.17g (relative difference %.3g > "
                        "mass_rtol %.3g)",
                        *total_a, *total_b, fabs(*total_a - *total_b) / big, rtol);
  return SPECOT_OK;
}

specot_status specot__ot_check_memory(specot_ctx *ctx, const char *what, size_t bytes,
                                      size_t budget) {
  if (budget == 0) {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0 && (size_t)pages <= SIZE_MAX / (size_t)page)
      budget = (size_t)pages * (size_t)page;
    else
      budget = SIZE_MAX;
  }
  if (bytes > budget)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE,
                        "%s: needs %zu bytes (%.3g GiB) of workspace, more than the memory budget "
                        "of %zu bytes (%.3g GiB)",
                        what, bytes, (double)bytes / 1073741824.0, budget,
                        (double)budget / 1073741824.0);
  return SPECOT_OK;
}

specot_status specot__ot_bytes(specot_ctx *ctx, const char *what, size_t n, size_t m,
                               size_t per_entry, size_t extra, size_t *bytes) {
  size_t nm, b;
  if (specot__mul_size(n, m, &nm) || specot__mul_size(nm, per_entry, &b) || b > SIZE_MAX - extra)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "%s: n*m = %zu*%zu overflows size_t", what, n,
                        m);
  *bytes = b + extra;
  return SPECOT_OK;
}

void specot__ot_transform(const double *pts, size_t len, size_t d, const double *L, size_t r,
                          double *out) {
  if (!L) {
    memcpy(out, pts, len * d * sizeof(double));
    return;
  }
  for (size_t i = 0; i < len; ++i) {
    const double *p = pts + i * d;
    for (size_t k = 0; k < r; ++k) {
      const double *l = L + k * d;
      double s = 0.0;
      for (size_t t = 0; t < d; ++t) s += l[t] * p[t];
      out[i * r + k] = s;
    }
  }
}

void specot__ot_sqdist(const double *xt, size_t n, const double *yt, size_t m, size_t r,
                       double scale, double *C) {
#pragma omp parallel for schedule(static) if (n * m > 65536)
  for (size_t i = 0; i < n; ++i) {
    const double *x = xt + i * r;
    double *row = C + i * m;
    for (size_t j = 0; j < m; ++j) {
      const double *y = yt + j * r;
      double s = 0.0;
      for (size_t k = 0; k < r; ++k) {
        const double t = x[k] - y[k];
        s += t * t;
      }
      row[j] = scale * s;
    }
  }
}

specot_status specot_ot_cost_sqeuclidean(specot_ctx *ctx, size_t n, size_t m, size_t d,
                                         const double *X, const double *Y, const double *L,
                                         size_t r, double *C) {
  specot__ctx_reset(ctx);
  if (n == 0 || m == 0 || d == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "cost: sizes n = %zu, m = %zu, d = %zu must be > 0",
                        n, m, d);
  if (!X || !Y || !C) return specot__fail(ctx, SPECOT_ERR_INVALID, "cost: X, Y and C must be non-NULL");
  if (!L) r = d;
  if (r == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "cost: L must have r >= 1 rows");
  size_t nd, md, nr, mr, nm, rd;
  if (specot__mul_size(n, d, &nd) || specot__mul_size(m, d, &md) || specot__mul_size(n, r, &nr) ||
      specot__mul_size(m, r, &mr) || specot__mul_size(n, m, &nm) || specot__mul_size(r, d, &rd))
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "cost: sizes overflow size_t");
  if (!specot__all_finite(X, nd) || !specot__all_finite(Y, md) ||
      (L && !specot__all_finite(L, rd)))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "cost: X, Y and L must be finite");
  double *xt = specot__alloc_doubles(nr), *yt = specot__alloc_doubles(mr);
  if (!xt || !yt) {
    specot__free(xt);
    specot__free(yt);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "cost: out of memory");
  }
  specot__ot_transform(X, n, d, L, r, xt);
  specot__ot_transform(Y, m, d, L, r, yt);
  specot__ot_sqdist(xt, n, yt, m, r, 1.0, C);
  specot__free(xt);
  specot__free(yt);
  return specot__all_finite(C, nm) ? SPECOT_OK
                                   : specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                                                  "cost: squared distances overflow");
}
