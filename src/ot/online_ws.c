/*
 * Workspace, memory accounting, the dense-or-online choice and the shared
 * validation of the matrix-free entropic OT solver (see online.c).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "online_internal.h"
#include "sinkhorn_internal.h"

/* ---- workspace ----------------------------------------------------------- */

static size_t tile_stride(size_t d) {
  return 2 * SPECOT__ONL_TJ + SPECOT__ONL_TI * (d + 1);
}

static size_t doubles_needed(size_t n, size_t m, size_t d, size_t nt, size_t *ok) {
  const size_t big = n > m ? n : m;
  size_t pts, qt, acc, t1, t2;
  *ok = !(specot__mul_size(n + m, d, &pts) || specot__mul_size(d + 1, big, &qt) ||
          specot__mul_size(qt, nt, &acc) || n > SIZE_MAX / 16 || m > SIZE_MAX / 16 ||
          d > SIZE_MAX / 1024);
  if (!*ok) return SIZE_MAX;
  t1 = pts + qt + acc;
  t2 = 2 * (n + m) + 4 * (n + m) + 2 * big + nt * tile_stride(d) + 64;
  if (t1 < pts || t1 > SIZE_MAX / 8 - t2) {
    *ok = 0;
    return SIZE_MAX;
  }
  return t1 + t2;
}

static size_t thread_count(void) {
#ifdef _OPENMP
  return (size_t)omp_get_max_threads();
#else
  return 1;
#endif
}

size_t specot_ot_online_bytes(size_t n, size_t m, size_t d) {
  size_t ok;
  const size_t len = doubles_needed(n, m, d, thread_count(), &ok);
  return ok ? len * sizeof(double) + sizeof(specot_ot_online_ws) : SIZE_MAX;
}

int specot_ot_online_preferred(size_t n, size_t m, size_t mem_limit) {
  if (mem_limit == 0) {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0 && (size_t)pages <= SIZE_MAX / (size_t)page)
      mem_limit = (size_t)pages * (size_t)page / 4;
    else
      mem_limit = SIZE_MAX;
  }
  size_t nm;
  if (specot__mul_size(n, m, &nm) || nm > SIZE_MAX / sizeof(double)) return 1;
  return nm * sizeof(double) > mem_limit;
}

void specot_ot_online_ws_free(specot_ot_online_ws *ws) {
  if (!ws) return;
  specot__free(ws->X); /* one block: every array points into it */
  free(ws);
}

specot_status specot_ot_online_ws_alloc(specot_ctx *ctx, size_t n, size_t m, size_t d,
                                        const specot_ot_sinkhorn_opts *opts,
                                        specot_ot_online_ws **out) {
  specot__ctx_reset(ctx);
  if (!out) return specot__fail(ctx, SPECOT_ERR_INVALID, "online sinkhorn: ws must be non-NULL");
  *out = NULL;
  if (n == 0 || m == 0 || d == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "online sinkhorn: sizes n = %zu, m = %zu, d = %zu must be > 0", n, m, d);
  const size_t nt = thread_count();
  size_t ok;
  const size_t len = doubles_needed(n, m, d, nt, &ok);
  if (!ok) return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "online sinkhorn: sizes overflow size_t");
  specot_status st = specot__ot_check_memory(ctx, "online sinkhorn", len * sizeof(double),
                                             opts ? opts->mem_budget : 0);
  if (st) return st;
  specot_ot_online_ws *ws = calloc(1, sizeof *ws);
  double *buf = ws ? specot__alloc_doubles(len) : NULL;
  if (!buf) {
    free(ws);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "online sinkhorn: out of memory (%zu bytes)",
                        len * sizeof(double));
  }
  const size_t big = n > m ? n : m;
  ws->n = n;
  ws->m = m;
  ws->d = d;
  ws->big = big;
  ws->nt = (int)nt;
  ws->tile_stride = tile_stride(d);
  ws->simd = specot__ot_simd_active();
  ws->X = buf;
  buf += n * d;
  ws->Y = buf;
  buf += m * d;
  ws->QT = buf;
  buf += (d + 1) * big;
  ws->colacc = buf;
  buf += nt * (d + 1) * big;
  ws->nx = buf;
  buf += n;
  ws->ny = buf;
  buf += m;
  ws->loga = buf;
  buf += n;
  ws->f = buf;
  buf += n;
  ws->p = buf;
  buf += n;
  ws->logb = buf;
  buf += m;
  ws->g = buf;
  buf += m;
  ws->q = buf;
  buf += m;
  ws->h = buf;
  buf += big;
  ws->t = buf;
  buf += big;
  ws->tile = buf;
  *out = ws;
  return SPECOT_OK;
}

specot_status specot__onl_check(specot_ctx *ctx, const char *who, specot_ot_online_ws *ws,
                                const double *a, const double *b, const double *X, const double *Y,
                                double scale, double eps, const specot_ot_sinkhorn_opts *o) {
  if (!ws) return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: workspace is NULL", who);
  specot_status st = specot__ot_sk_check_opts(ctx, who, o, eps);
  if (st) return st;
  if (!X || !Y) return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: X and Y must be non-NULL", who);
  if (!(scale > 0.0) || !isfinite(scale))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: scale = %g must be finite and > 0", who,
                        scale);
  if (!specot__all_finite(X, ws->n * ws->d) || !specot__all_finite(Y, ws->m * ws->d))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: X and Y must be finite", who);
  double ta, tb;
  return specot__ot_check_masses(ctx, a, ws->n, b, ws->m, o->mass_rtol, &ta, &tb);
}
