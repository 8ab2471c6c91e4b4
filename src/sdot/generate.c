/* AE-OT's released generator: angle-filtered interpolation between the best
 * plane and the next best ones (pyOMT demo1.py / demo2.py). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sdot_internal.h"

void specot_sdot_aeot_opts_init(specot_sdot_aeot_opts *o) {
  o->top_k = 2, o->theta_max = 0.4, o->lambda = -1.0, o->one_per_first = 0;
}

typedef struct pair {
  size_t a, b;
} pair;

static int cmp_pair(const void *x, const void *y) {
  const pair *p = x, *q = y;
  if (p->a != q->a) return p->a < q->a ? -1 : 1;
  return (p->b > q->b) - (p->b < q->b);
}

/* Indices of the top_k largest u[j] + h[j] into top[0..k) (descending; k <= n). */
static void top_planes(const double *u, const double *h, size_t n, size_t k, size_t *top,
                       double *val) {
  size_t m = 0;
  for (size_t j = 0; j < n; ++j) {
    const double v = u[j] + h[j];
    if (m == k && v <= val[k - 1]) continue;
    size_t pos = m < k ? m++ : k - 1;
    while (pos > 0 && val[pos - 1] < v) top[pos] = top[pos - 1], val[pos] = val[pos - 1], --pos;
    top[pos] = j, val[pos] = v;
  }
}

specot_status specot_sdot_generate_aeot(specot_ctx *ctx, specot_sdot_ws *ws,
                                        const specot_sdot_problem *prob, const double *h,
                                        const specot_sdot_aeot_opts *opts, size_t N,
                                        const double *X, specot_rng *rng, size_t count, double *out,
                                        size_t *npairs) {
  specot__ctx_reset(ctx);
  specot_sdot_aeot_opts def;
  if (!opts) specot_sdot_aeot_opts_init(&def), opts = &def;
  specot_status st = sdot__check_call(ctx, ws, prob, h);
  if (st) return st;
  if (opts->top_k < 2 || !(opts->theta_max > 0) || !(opts->lambda <= 1.0) || isnan(opts->lambda))
    return specot__fail(
        ctx, SPECOT_ERR_INVALID,
        "sdot aeot: need top_k >= 2, theta_max > 0 and lambda <= 1 (got %zu, %g, %g)", opts->top_k,
        opts->theta_max, opts->lambda);
  if (N == 0 || !X || !rng || (count > 0 && !out))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sdot aeot: need N > 0 source points and outputs");
  const size_t n = prob->n, d = prob->d, k = opts->top_k < n ? opts->top_k : n;
  size_t cap;
  if (specot__mul_size(N, k, &cap))
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "sdot aeot: N x top_k overflows");
  pair *pairs = malloc((cap + 1) * sizeof *pairs);
  size_t *top = malloc(k * sizeof *top),
         *first = malloc((N < count ? N : count) * sizeof *first + 1);
  double *val = malloc(k * sizeof *val);
  if (!pairs || !top || !val || !first) {
    free(pairs), free(top), free(val), free(first);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "sdot aeot: out of memory");
  }
  size_t np = 0, nfirst = 0;
  for (size_t k0 = 0; k0 < N; k0 += SDOT__BLOCK) {
    const size_t rows = N - k0 < SDOT__BLOCK ? N - k0 : SDOT__BLOCK;
    sdot__assign_block(ws, prob->y, h, rows, X + k0 * d);
    for (size_t r = 0; r < rows; ++r) {
      if (nfirst < count && nfirst < N) first[nfirst++] = ws->idx[r];
      if (n < 2) continue;
      top_planes(ws->buf + r * n, h, n, k, top, val);
      for (size_t i = 1; i < k; ++i) {
        if (!(specot_sdot_facet_angle(prob, top[0], top[i]) < opts->theta_max)) continue;
        pairs[np].a = top[0] < top[i] ? top[0] : top[i];
        pairs[np++].b = top[0] < top[i] ? top[i] : top[0];
      }
    }
  }
  qsort(pairs, np, sizeof *pairs, cmp_pair);
  size_t u = 0;
  for (size_t i = 0; i < np; ++i) {
    if (u > 0 && pairs[u - 1].a == pairs[i].a &&
        (opts->one_per_first || pairs[u - 1].b == pairs[i].b))
      continue;
    pairs[u++] = pairs[i];
  }
  np = u;
  for (size_t i = np; i > 1; --i) { /* Fisher–Yates */
    const size_t j = (size_t)specot_rng_below(rng, i);
    const pair t = pairs[i - 1];
    pairs[i - 1] = pairs[j], pairs[j] = t;
  }
  if (npairs) *npairs = np;
  for (size_t s = 0; s < count; ++s) {
    double *o = out + s * d;
    if (np == 0) {
      memcpy(o, prob->y + first[s % nfirst] * d, d * sizeof *o);
      continue;
    }
    const pair p = pairs[s % np];
    const double lam = opts->lambda < 0 ? specot_rng_uniform(rng) : opts->lambda;
    for (size_t c = 0; c < d; ++c)
      o[c] = (1.0 - lam) * prob->y[p.a * d + c] + lam * prob->y[p.b * d + c];
  }
  free(pairs), free(top), free(val), free(first);
  if (np == 0)
    return specot__fail(
        ctx, SPECOT_WARN_INACCURATE,
        "sdot aeot: no pair of planes within theta_max = %g; returned hard-map targets",
        opts->theta_max);
  return SPECOT_OK;
}
