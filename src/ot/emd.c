/*
 * Exact OT by the primal network simplex on the complete bipartite graph.
 *
 * Graph: supply nodes 0..nr-1 (rows with a_i > 0), demand nodes nr..nr+nc-1
 * (columns with b_j > 0), and an artificial root R = nr+nc.  Real arcs
 * e = i*nc + j go from i to nr+j with cost C_ij and unlimited capacity.
 * Artificial arcs (one per node, cost ART, large) go i -> R for supply nodes
 * and R -> j for demand nodes; the initial tree is made of them, carrying
 * a_i and b_j.  That tree is strongly feasible (every down arc carries
 * positive flow), and Cunningham's leaving-arc rule (the last blocking arc
 * met when walking the cycle from its apex in the direction of the entering
 * arc) keeps it so: degenerate pivots cannot cycle (Ahuja-Magnanti-Orlin,
 * Network Flows, sec. 11.5).  Entering arcs: block search as in LEMON and
 * POT (block = max(sqrt(#arcs), 10)) plus a short candidate list re-priced
 * before each new block (see find_entering).  Artificial arcs never re-enter: the
 * problem is balanced, so optimal artificial flows are zero.
 *
 * Node potentials pi (pi[R] = 0) make every tree arc tight:
 * reduced cost rc(p -> q) = c + pi[p] - pi[q] = 0.  The dual variables of
 * the transport problem are then f_i = -pi[i], g_j = pi[nr + j].
 *
 * Tree storage: parent, pred arc, direction of the pred arc (UP: node ->
 * parent), flow on the pred arc, depth, and doubly linked child lists, so a
 * pivot costs O(depth + stem + size of the re-hung subtree) and no heap.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ot_internal.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define SPECOT_OT_X86 1
#endif

enum { DIR_UP = 1, DIR_DOWN = -1 };
/* Capacity of the pricing candidate list (see find_entering). */
enum { PRICE_CAND = 64 };

static int cpu_has_avx2(void);

struct specot_ot_emd_ws {
  size_t n, m, d;      /* capacity */
  size_t nr, nc;       /* current reduced sizes (positive-mass atoms) */
  double *cost;        /* nr x nc reduced costs */
  unsigned char *lower;/* 1: real arc not in the tree (at flow 0), 0: tree arc */
  double *xt, *yt;     /* transformed points (point solves) */
  size_t *rowmap, *colmap; /* reduced -> original indices */
  int64_t *parent, *pred, *first_child, *next_sib, *prev_sib, *depth;
  signed char *dir;
  double *flow, *pi;
  double *pcost;       /* cost of each node's pred arc (avoids cache misses on C) */
  double *supply;      /* node supplies (b as negative demands) */
  double *a_prev, *b_prev; /* weights of the last solve (warm-start test) */
  int have_tree, have_solution, prev_uniform_a, prev_uniform_b;
  size_t next_arc;
  int64_t cand[PRICE_CAND]; /* pricing candidates (arc ids), see find_entering */
  size_t ncand;
  double art_cost, tol;
  int avx2;            /* 1: use the AVX2 pricing kernel */
  /* Outputs. */
  double *f, *g;
  size_t nnz;
  size_t *prow, *pcol;
  double *pmass;
};

void specot_ot_emd_opts_init(specot_ot_emd_opts *opts) {
  opts->max_iter = 0;
  opts->mass_rtol = 1e-9;
  opts->verify_rtol = 1e-9;
  opts->warm_start = 1;
  opts->mem_budget = 0;
}

static specot_status check_opts(specot_ctx *ctx, const specot_ot_emd_opts *o) {
  if (!(o->mass_rtol >= 0.0) || !isfinite(o->mass_rtol))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "emd: mass_rtol = %g must be finite and >= 0",
                        o->mass_rtol);
  if (!(o->verify_rtol >= 0.0) || !isfinite(o->verify_rtol))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "emd: verify_rtol = %g must be finite and >= 0",
                        o->verify_rtol);
  return SPECOT_OK;
}

void specot_ot_emd_ws_free(specot_ot_emd_ws *ws) {
  if (!ws) return;
  specot__free(ws->cost);
  free(ws->lower);
  specot__free(ws->xt);
  specot__free(ws->yt);
  free(ws->rowmap);
  free(ws->colmap);
  free(ws->parent);
  free(ws->pred);
  free(ws->first_child);
  free(ws->next_sib);
  free(ws->prev_sib);
  free(ws->depth);
  free(ws->dir);
  specot__free(ws->flow);
  specot__free(ws->pi);
  specot__free(ws->pcost);
  specot__free(ws->supply);
  specot__free(ws->a_prev);
  specot__free(ws->b_prev);
  specot__free(ws->f);
  specot__free(ws->g);
  free(ws->prow);
  free(ws->pcol);
  specot__free(ws->pmass);
  free(ws);
}

specot_status specot_ot_emd_ws_alloc(specot_ctx *ctx, size_t n, size_t m, size_t d,
                                     const specot_ot_emd_opts *opts, specot_ot_emd_ws **out) {
  specot__ctx_reset(ctx);
  specot_ot_emd_opts def;
  if (!opts) {
    specot_ot_emd_opts_init(&def);
    opts = &def;
  }
  if (!out) return specot__fail(ctx, SPECOT_ERR_INVALID, "emd: ws must be non-NULL");
  *out = NULL;
  if (n == 0 || m == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "emd: sizes n = %zu, m = %zu must be > 0", n, m);
  if (n + m >= (size_t)INT64_MAX / 4)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "emd: n + m too large");
  const size_t nodes = n + m + 1;
  size_t extra = nodes * (7 * sizeof(int64_t) + 4 * sizeof(double) + 1) +
                 (n + m) * (3 * sizeof(double) + 2 * sizeof(size_t)) * 2, bytes;
  size_t pts;
  if (specot__mul_size(n + m, d, &pts) || specot__mul_size(pts, sizeof(double), &pts) ||
      pts > SIZE_MAX - extra)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "emd: (n+m)*d overflows size_t");
  extra += pts;
  specot_status st = specot__ot_bytes(ctx, "emd", n, m, sizeof(double) + 1, extra, &bytes);
  if (st) return st;
  if ((st = specot__ot_check_memory(ctx, "emd", bytes, opts->mem_budget))) return st;
  specot_ot_emd_ws *ws = calloc(1, sizeof *ws);
  if (!ws) return specot__fail(ctx, SPECOT_ERR_NOMEM, "emd: out of memory");
  ws->n = n;
  ws->m = m;
  ws->d = d;
  ws->avx2 = cpu_has_avx2();
  ws->cost = specot__alloc_doubles(n * m);
  ws->lower = malloc(n * m);
  if (d) {
    ws->xt = specot__alloc_doubles(n * d);
    ws->yt = specot__alloc_doubles(m * d);
  }
  ws->rowmap = malloc(n * sizeof(size_t));
  ws->colmap = malloc(m * sizeof(size_t));
  ws->parent = malloc(nodes * sizeof(int64_t));
  ws->pred = malloc(nodes * sizeof(int64_t));
  ws->first_child = malloc(nodes * sizeof(int64_t));
  ws->next_sib = malloc(nodes * sizeof(int64_t));
  ws->prev_sib = malloc(nodes * sizeof(int64_t));
  ws->depth = malloc(nodes * sizeof(int64_t));
  ws->dir = malloc(nodes);
  ws->flow = specot__alloc_doubles(nodes);
  ws->pi = specot__alloc_doubles(nodes);
  ws->pcost = specot__alloc_doubles(nodes);
  ws->supply = specot__alloc_doubles(nodes);
  ws->a_prev = specot__alloc_doubles(n);
  ws->b_prev = specot__alloc_doubles(m);
  ws->f = specot__alloc_doubles(n);
  ws->g = specot__alloc_doubles(m);
  ws->prow = malloc((n + m) * sizeof(size_t));
  ws->pcol = malloc((n + m) * sizeof(size_t));
  ws->pmass = specot__alloc_doubles(n + m);
  if (!ws->cost || !ws->lower || (d && (!ws->xt || !ws->yt)) || !ws->rowmap || !ws->colmap ||
      !ws->parent || !ws->pred || !ws->first_child || !ws->next_sib || !ws->prev_sib ||
      !ws->depth || !ws->dir || !ws->flow || !ws->pi || !ws->pcost || !ws->supply || !ws->a_prev ||
      !ws->b_prev || !ws->f || !ws->g || !ws->prow || !ws->pcol || !ws->pmass) {
    specot_ot_emd_ws_free(ws);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "emd: out of memory (%zu bytes)", bytes);
  }
  *out = ws;
  return SPECOT_OK;
}

/* ---- tree helpers ------------------------------------------------------ */

static inline double arc_cost(const specot_ot_emd_ws *ws, int64_t e) {
  const int64_t E = (int64_t)(ws->nr * ws->nc);
  return e < E ? ws->cost[e] : ws->art_cost;
}

static inline void detach(specot_ot_emd_ws *ws, int64_t u) {
  const int64_t p = ws->parent[u], prv = ws->prev_sib[u], nxt = ws->next_sib[u];
  if (prv >= 0)
    ws->next_sib[prv] = nxt;
  else
    ws->first_child[p] = nxt;
  if (nxt >= 0) ws->prev_sib[nxt] = prv;
}

static inline void attach(specot_ot_emd_ws *ws, int64_t u, int64_t p) {
  const int64_t head = ws->first_child[p];
  ws->parent[u] = p;
  ws->prev_sib[u] = -1;
  ws->next_sib[u] = head;
  if (head >= 0) ws->prev_sib[head] = u;
  ws->first_child[p] = u;
}

/* pi and depth of u from its parent (tree arc tight). */
static inline void set_potential(specot_ot_emd_ws *ws, int64_t u) {
  const int64_t p = ws->parent[u];
  const double c = ws->pcost[u];
  ws->pi[u] = ws->dir[u] == DIR_UP ? ws->pi[p] - c : ws->pi[p] + c;
  ws->depth[u] = ws->depth[p] + 1;
}

/* Recomputes pi and depth over the subtree of top (top's own values first). */
static void update_subtree(specot_ot_emd_ws *ws, int64_t top) {
  int64_t u = top;
  set_potential(ws, u);
  for (;;) {
    if (ws->first_child[u] >= 0) {
      u = ws->first_child[u];
    } else {
      while (u != top && ws->next_sib[u] < 0) u = ws->parent[u];
      if (u == top) return;
      u = ws->next_sib[u];
    }
    set_potential(ws, u);
  }
}

/* Recomputes every potential from the root (removes drift, new costs). */
static void update_all_potentials(specot_ot_emd_ws *ws) {
  const int64_t R = (int64_t)(ws->nr + ws->nc);
  ws->pi[R] = 0.0;
  ws->depth[R] = 0;
  for (int64_t c = ws->first_child[R]; c >= 0; c = ws->next_sib[c]) update_subtree(ws, c);
}

static void init_tree(specot_ot_emd_ws *ws) {
  const size_t nr = ws->nr, nc = ws->nc, E = nr * nc;
  const int64_t R = (int64_t)(nr + nc);
  memset(ws->lower, 1, E);
  ws->first_child[R] = -1;
  ws->parent[R] = -1;
  ws->pred[R] = -1;
  for (int64_t v = 0; v < R; ++v) {
    ws->first_child[v] = -1;
    ws->pred[v] = (int64_t)E + v;
    ws->dir[v] = v < (int64_t)nr ? DIR_UP : DIR_DOWN;
    ws->flow[v] = v < (int64_t)nr ? ws->supply[v] : -ws->supply[v];
    ws->pcost[v] = ws->art_cost;
    attach(ws, v, R);
  }
  ws->next_arc = 0;
  ws->ncand = 0;
}

/* Minimum over a row segment of the reduced costs c_j + fi - g_j of
 * non-tree arcs (tree arcs count as 0) and the first position attaining it
 * (*arg = len when the minimum is 0).  Scalar reference version. */
static double seg_min_scalar(const double *c, const unsigned char *low, const double *g,
                             double fi, size_t len, size_t *arg) {
  double best = 0.0;
  size_t where = len;
  for (size_t j = 0; j < len; ++j) {
    const double rc = low[j] ? c[j] + fi - g[j] : 0.0;
    if (rc < best) {
      best = rc;
      where = j;
    }
  }
  *arg = where;
  return best;
}

#ifdef SPECOT_OT_X86
/* AVX2 version (same arithmetic: (c + fi) - g, a masked minimum, and the
 * lane-wise first index attaining it; ties resolved to the lowest index). */
__attribute__((target("avx2"))) static double seg_min_avx2(const double *c,
                                                           const unsigned char *low,
                                                           const double *g, double fi,
                                                           size_t len, size_t *arg) {
  const __m256d vfi = _mm256_set1_pd(fi);
  const __m256i zero = _mm256_setzero_si256();
  __m256d vmin = _mm256_setzero_pd();
  __m256d vidx = _mm256_set1_pd(-1.0);
  __m256d cur = _mm256_setr_pd(0.0, 1.0, 2.0, 3.0);
  const __m256d four = _mm256_set1_pd(4.0);
  size_t j = 0;
  for (; j + 4 <= len; j += 4) {
    __m256d rc = _mm256_sub_pd(_mm256_add_pd(_mm256_loadu_pd(c + j), vfi), _mm256_loadu_pd(g + j));
    int32_t bits;
    memcpy(&bits, low + j, sizeof bits);
    const __m256i wide = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128(bits));
    const __m256d mask = _mm256_castsi256_pd(_mm256_cmpgt_epi64(wide, zero));
    rc = _mm256_and_pd(rc, mask);
    const __m256d lt = _mm256_cmp_pd(rc, vmin, _CMP_LT_OQ);
    vmin = _mm256_blendv_pd(vmin, rc, lt);
    vidx = _mm256_blendv_pd(vidx, cur, lt);
    cur = _mm256_add_pd(cur, four);
  }
  double lanes[4], idx[4];
  _mm256_storeu_pd(lanes, vmin);
  _mm256_storeu_pd(idx, vidx);
  double best = 0.0;
  size_t where = len;
  for (int k = 0; k < 4; ++k)
    if (idx[k] >= 0.0 && (lanes[k] < best || (lanes[k] == best && (size_t)idx[k] < where))) {
      best = lanes[k];
      where = (size_t)idx[k];
    }
  size_t targ;
  const double tail = seg_min_scalar(c + j, low + j, g + j, fi, len - j, &targ);
  if (tail < best) {
    best = tail;
    where = j + targ;
  }
  *arg = where;
  return best;
}
#endif

#ifdef SPECOT_OT_X86
/* Lower bound for the pricing: min over the segment of (c_j + fi) - g_j
 * with tree arcs included (four independent min chains, no index).  The
 * masked arg-min below runs only on segments where this bound beats the
 * best reduced cost so far, so the entering arc is unchanged. */
__attribute__((target("avx2"))) static double seg_bound_avx2(const double *c, const double *g,
                                                             double fi, size_t len) {
  const __m256d vfi = _mm256_set1_pd(fi);
  __m256d m0 = _mm256_setzero_pd(), m1 = m0, m2 = m0, m3 = m0;
  size_t j = 0;
  for (; j + 16 <= len; j += 16) {
    m0 = _mm256_min_pd(m0, _mm256_sub_pd(_mm256_add_pd(_mm256_loadu_pd(c + j), vfi),
                                         _mm256_loadu_pd(g + j)));
    m1 = _mm256_min_pd(m1, _mm256_sub_pd(_mm256_add_pd(_mm256_loadu_pd(c + j + 4), vfi),
                                         _mm256_loadu_pd(g + j + 4)));
    m2 = _mm256_min_pd(m2, _mm256_sub_pd(_mm256_add_pd(_mm256_loadu_pd(c + j + 8), vfi),
                                         _mm256_loadu_pd(g + j + 8)));
    m3 = _mm256_min_pd(m3, _mm256_sub_pd(_mm256_add_pd(_mm256_loadu_pd(c + j + 12), vfi),
                                         _mm256_loadu_pd(g + j + 12)));
  }
  for (; j + 4 <= len; j += 4)
    m0 = _mm256_min_pd(m0, _mm256_sub_pd(_mm256_add_pd(_mm256_loadu_pd(c + j), vfi),
                                         _mm256_loadu_pd(g + j)));
  double lanes[4];
  _mm256_storeu_pd(lanes, _mm256_min_pd(_mm256_min_pd(m0, m1), _mm256_min_pd(m2, m3)));
  double best = lanes[0];
  for (int k = 1; k < 4; ++k) best = lanes[k] < best ? lanes[k] : best;
  for (; j < len; ++j) {
    const double rc = c[j] + fi - g[j];
    best = rc < best ? rc : best;
  }
  return best;
}
#endif

static int cpu_has_avx2(void) {
#ifdef SPECOT_OT_X86
  return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
  return 0;
#endif
}

void specot__ot_emd_ws_set_simd(specot_ot_emd_ws *ws, int simd) {
  if (ws) ws->avx2 = simd ? cpu_has_avx2() : 0;
}

/* Candidate list of the pricing (partial pricing with minor iterations):
 * a block scan keeps the most negative arc of each chunk of PRICE_CHUNK
 * consecutive arcs (up to PRICE_CAND of them); the next pivots re-price
 * only these arcs and take the most negative one still below -tol, until
 * none is left.  This trades a few more pivots for far fewer passes over
 * the n x m cost matrix, which is memory-bound beyond the last-level cache. */
enum { PRICE_CHUNK = 64 };

static double reduced_cost(const specot_ot_emd_ws *ws, int64_t e) {
  const size_t i = (size_t)e / ws->nc, j = (size_t)e % ws->nc;
  return ws->cost[e] + ws->pi[i] - ws->pi[ws->nr + j];
}

/* Most negative re-priced candidate below -tol (dropping the others), or -1. */
static int64_t best_candidate(specot_ot_emd_ws *ws) {
  size_t keep = 0;
  double best_rc = -ws->tol;
  int64_t best = -1;
  for (size_t k = 0; k < ws->ncand; ++k) {
    const int64_t e = ws->cand[k];
    if (!ws->lower[e]) continue;
    const double rc = reduced_cost(ws, e);
    if (!(rc < -ws->tol)) continue;
    ws->cand[keep++] = e;
    if (rc < best_rc) {
      best_rc = rc;
      best = e;
    }
  }
  ws->ncand = keep;
  return best;
}

/* Masked arg-min of one chunk (*arg = len when no arc is below 0). */
static double chunk_min(const specot_ot_emd_ws *ws, const double *c, const unsigned char *low,
                        const double *g, double fi, size_t len, double below, size_t *arg) {
  *arg = len;
#ifdef SPECOT_OT_X86
  if (ws->avx2) {
    if (!(seg_bound_avx2(c, g, fi, len) < below)) return 0.0;
    return seg_min_avx2(c, low, g, fi, len, arg);
  }
#endif
  (void)ws;
  (void)below;
  return seg_min_scalar(c, low, g, fi, len, arg);
}

/* Block search for an entering arc (most negative reduced cost < -tol in
 * the first block that has one; block = max(sqrt(#arcs), 10)), preceded by
 * the candidate list; -1 when every arc is optimal (full sweep). */
static int64_t find_entering(specot_ot_emd_ws *ws) {
  if (ws->ncand > 0) {
    const int64_t e = best_candidate(ws);
    if (e >= 0) return e;
  }
  const size_t nc = ws->nc, E = ws->nr * nc;
  size_t block = (size_t)sqrt((double)E);
  if (block < 10) block = 10;
  size_t pos = ws->next_arc < E ? ws->next_arc : 0, scanned = 0, cnt = 0;
  const double tol = ws->tol;
  double best_rc = -tol;
  int64_t best = -1;
  const double *gpi = ws->pi + ws->nr;
  ws->ncand = 0;
  while (scanned < E) {
    const size_t i = pos / nc, j0 = pos % nc;
    size_t len = nc - j0;
    if (len > E - scanned) len = E - scanned;
    if (len > block - cnt) len = block - cnt;
    const double *crow = ws->cost + i * nc;
    const unsigned char *lrow = ws->lower + i * nc;
    const double fi = ws->pi[i];
    for (size_t c0 = j0; c0 < j0 + len; c0 += PRICE_CHUNK) {
      const size_t clen = j0 + len - c0 < PRICE_CHUNK ? j0 + len - c0 : PRICE_CHUNK;
      size_t arg;
      const double cmin = chunk_min(ws, crow + c0, lrow + c0, gpi + c0, fi, clen, -tol, &arg);
      if (!(cmin < -tol)) continue;
      const int64_t e = (int64_t)(i * nc + c0 + arg);
      if (ws->ncand < PRICE_CAND) ws->cand[ws->ncand++] = e;
      if (cmin < best_rc) {
        best_rc = cmin;
        best = e;
      }
    }
    pos += len;
    if (pos == E) pos = 0;
    scanned += len;
    cnt += len;
    if (cnt == block) {
      if (best >= 0) break;
      cnt = 0;
    }
  }
  ws->next_arc = pos;
  return best;
}

/* One pivot with entering arc e (reduced cost < 0). Returns 0, or -1 when no
 * blocking arc exists (cannot happen for a balanced transport problem). */
static int pivot(specot_ot_emd_ws *ws, int64_t e) {
  const int64_t E = (int64_t)(ws->nr * ws->nc), nr = (int64_t)ws->nr;
  int64_t s, t;
  if (e < E) {
    s = e / (int64_t)ws->nc;
    t = nr + e % (int64_t)ws->nc;
  } else {
    return -1; /* artificial arcs never enter */
  }
  /* Apex of the cycle. */
  int64_t u = s, v = t;
  while (u != v) {
    if (ws->depth[u] > ws->depth[v])
      u = ws->parent[u];
    else if (ws->depth[v] > ws->depth[u])
      v = ws->parent[v];
    else {
      u = ws->parent[u];
      v = ws->parent[v];
    }
  }
  const int64_t join = u;
  /* Leaving arc: Cunningham's rule. s side walked up: UP arcs decrease;
   * strict < keeps the one nearest s.  t side: DOWN arcs decrease; <= keeps
   * the one nearest the apex and prefers the t side on ties. */
  double delta = INFINITY;
  int64_t u_out = -1;
  int side = 0;
  for (u = s; u != join; u = ws->parent[u])
    if (ws->dir[u] == DIR_UP && ws->flow[u] < delta) {
      delta = ws->flow[u];
      u_out = u;
      side = 1;
    }
  for (u = t; u != join; u = ws->parent[u])
    if (ws->dir[u] == DIR_DOWN && ws->flow[u] <= delta) {
      delta = ws->flow[u];
      u_out = u;
      side = 2;
    }
  if (u_out < 0) return -1;
  if (delta > 0.0) {
    for (u = s; u != join; u = ws->parent[u])
      ws->flow[u] += ws->dir[u] == DIR_UP ? -delta : delta;
    for (u = t; u != join; u = ws->parent[u])
      ws->flow[u] += ws->dir[u] == DIR_UP ? delta : -delta;
  }
  const int64_t out_arc = ws->pred[u_out];
  if (out_arc < E) ws->lower[out_arc] = 1;
  ws->lower[e] = 0;
  const int64_t u_in = side == 1 ? s : t, v_in = side == 1 ? t : s;
  /* Re-hang the stem u_in .. u_out under v_in, reversing its arcs. */
  int64_t new_par = v_in, new_pred = e;
  signed char new_dir = (u_in == s) ? DIR_UP : DIR_DOWN;
  double new_flow = delta, new_cost = ws->cost[e];
  u = u_in;
  for (;;) {
    const int64_t old_par = ws->parent[u], old_pred = ws->pred[u];
    const signed char old_dir = ws->dir[u];
    const double old_flow = ws->flow[u], old_cost = ws->pcost[u];
    detach(ws, u);
    attach(ws, u, new_par);
    ws->pred[u] = new_pred;
    ws->dir[u] = new_dir;
    ws->flow[u] = new_flow;
    ws->pcost[u] = new_cost;
    if (u == u_out) break;
    new_par = u;
    new_pred = old_pred;
    new_dir = (signed char)-old_dir;
    new_flow = old_flow;
    new_cost = old_cost;
    u = old_par;
  }
  update_subtree(ws, u_in);
  return 0;
}

/* ---- the solve ---------------------------------------------------------- */

typedef struct cost_src {
  const double *C; /* dense n x m, or NULL for points */
  const double *xt, *yt;
  size_t r;
} cost_src;

static inline double full_cost(const specot_ot_emd_ws *ws, const cost_src *src, size_t i,
                               size_t j) {
  if (src->C) return src->C[i * ws->m + j];
  const double *x = src->xt + i * src->r, *y = src->yt + j * src->r;
  double s = 0.0;
  for (size_t k = 0; k < src->r; ++k) {
    const double t = x[k] - y[k];
    s += t * t;
  }
  return s;
}

/* Sorts plan entries by (row, col) with an in-place heap sort on the key
 * row*m + col (no allocation), then merges duplicates. */
static void sort_plan(specot_ot_emd_ws *ws) {
  const size_t nnz = ws->nnz, m = ws->m;
  size_t *r = ws->prow, *c = ws->pcol;
  double *w = ws->pmass;
#define KEY(k) (r[k] * m + c[k])
#define SWAP(x, y)          \
  do {                      \
    size_t tr = r[x];       \
    r[x] = r[y];            \
    r[y] = tr;              \
    size_t tc = c[x];       \
    c[x] = c[y];            \
    c[y] = tc;              \
    double tw = w[x];       \
    w[x] = w[y];            \
    w[y] = tw;              \
  } while (0)
  for (size_t start = nnz / 2; start-- > 0;) {
    size_t root = start;
    for (;;) {
      size_t child = 2 * root + 1;
      if (child >= nnz) break;
      if (child + 1 < nnz && KEY(child + 1) > KEY(child)) ++child;
      if (KEY(root) >= KEY(child)) break;
      SWAP(root, child);
      root = child;
    }
  }
  for (size_t end = nnz; end-- > 1;) {
    SWAP(0, end);
    size_t root = 0;
    for (;;) {
      size_t child = 2 * root + 1;
      if (child >= end) break;
      if (child + 1 < end && KEY(child + 1) > KEY(child)) ++child;
      if (KEY(root) >= KEY(child)) break;
      SWAP(root, child);
      root = child;
    }
  }
  /* Merge duplicates (possible only after a max-iteration completion). */
  size_t k = 0;
  for (size_t q = 0; q < nnz; ++q) {
    if (k > 0 && r[k - 1] == r[q] && c[k - 1] == c[q]) {
      w[k - 1] += w[q];
    } else {
      r[k] = r[q];
      c[k] = c[q];
      w[k] = w[q];
      ++k;
    }
  }
  ws->nnz = k;
#undef KEY
#undef SWAP
}

/* Plan from the tree; at max-iterations the residual mass left on
 * artificial arcs is matched by a north-west corner. */
static void extract_plan(specot_ot_emd_ws *ws, int complete) {
  const int64_t E = (int64_t)(ws->nr * ws->nc), R = (int64_t)(ws->nr + ws->nc);
  size_t nnz = 0;
  for (int64_t u = 0; u < R; ++u) {
    const int64_t e = ws->pred[u];
    if (e < E && ws->flow[u] > 0.0) {
      ws->prow[nnz] = ws->rowmap[e / (int64_t)ws->nc];
      ws->pcol[nnz] = ws->colmap[e % (int64_t)ws->nc];
      ws->pmass[nnz] = ws->flow[u];
      ++nnz;
    }
  }
  if (complete) {
    /* Residual supplies/demands are the flows on artificial tree arcs. */
    int64_t i = 0, j = (int64_t)ws->nr;
    double ri = 0.0, rj = 0.0;
    for (;;) {
      while (i < (int64_t)ws->nr && ri <= 0.0) {
        ri = ws->pred[i] >= E ? ws->flow[i] : 0.0;
        if (ri <= 0.0) ++i;
      }
      while (j < R && rj <= 0.0) {
        rj = ws->pred[j] >= E ? ws->flow[j] : 0.0;
        if (rj <= 0.0) ++j;
      }
      if (i >= (int64_t)ws->nr || j >= R) break;
      const double x = ri < rj ? ri : rj;
      ws->prow[nnz] = ws->rowmap[i];
      ws->pcol[nnz] = ws->colmap[j - (int64_t)ws->nr];
      ws->pmass[nnz] = x;
      ++nnz;
      ri -= x;
      rj -= x;
      if (ri <= 0.0) ++i;
      if (rj <= 0.0) ++j;
    }
  }
  ws->nnz = nnz;
  sort_plan(ws);
}

/* Potentials with the user's shape: tree duals on kept atoms, c-transforms
 * on zero-mass atoms, then the normalisation <a,f> = <b,g>. */
static void extract_potentials(specot_ot_emd_ws *ws, const cost_src *src, const double *a,
                               const double *b) {
  const size_t n = ws->n, m = ws->m, nr = ws->nr, nc = ws->nc;
  for (size_t i = 0; i < n; ++i) ws->f[i] = NAN;
  for (size_t j = 0; j < m; ++j) ws->g[j] = NAN;
  for (size_t i = 0; i < nr; ++i) ws->f[ws->rowmap[i]] = -ws->pi[i];
  for (size_t j = 0; j < nc; ++j) ws->g[ws->colmap[j]] = ws->pi[nr + j];
  if (nr < n)
    for (size_t i = 0; i < n; ++i) {
      if (!isnan(ws->f[i])) continue;
      double best = INFINITY;
      for (size_t jj = 0; jj < nc; ++jj) {
        const size_t j = ws->colmap[jj];
        const double v = full_cost(ws, src, i, j) - ws->g[j];
        best = v < best ? v : best;
      }
      ws->f[i] = best;
    }
  if (nc < m)
    for (size_t j = 0; j < m; ++j) {
      if (!isnan(ws->g[j])) continue;
      double best = INFINITY;
      for (size_t i = 0; i < n; ++i) {
        const double v = full_cost(ws, src, i, j) - ws->f[i];
        best = v < best ? v : best;
      }
      ws->g[j] = best;
    }
  double af = 0.0, bg = 0.0, sa = 0.0, sb = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double w = specot__ot_weight(a, n, i);
    af += w * ws->f[i];
    sa += w;
  }
  for (size_t j = 0; j < m; ++j) {
    const double w = specot__ot_weight(b, m, j);
    bg += w * ws->g[j];
    sb += w;
  }
  const double k = (bg - af) / (sa + sb);
  for (size_t i = 0; i < n; ++i) ws->f[i] += k;
  for (size_t j = 0; j < m; ++j) ws->g[j] -= k;
}

/* Sets up the reduced problem from a, b; returns 1 when the previous tree can
 * be reused (same weights). */
static int setup_masses(specot_ot_emd_ws *ws, const double *a, const double *b, int warm) {
  const size_t n = ws->n, m = ws->m;
  int same = ws->have_tree && warm && (ws->prev_uniform_a == (a == NULL)) &&
             (ws->prev_uniform_b == (b == NULL));
  if (same && a) same = memcmp(a, ws->a_prev, n * sizeof(double)) == 0;
  if (same && b) same = memcmp(b, ws->b_prev, m * sizeof(double)) == 0;
  if (same) return 1;
  size_t nr = 0, nc = 0;
  for (size_t i = 0; i < n; ++i) {
    const double w = specot__ot_weight(a, n, i);
    if (w > 0.0) {
      ws->rowmap[nr] = i;
      ws->supply[nr] = w;
      ++nr;
    }
  }
  for (size_t j = 0; j < m; ++j) {
    const double w = specot__ot_weight(b, m, j);
    if (w > 0.0) {
      ws->colmap[nc] = j;
      ws->supply[nr + nc] = -w;
      ++nc;
    }
  }
  ws->nr = nr;
  ws->nc = nc;
  if (a) memcpy(ws->a_prev, a, n * sizeof(double));
  if (b) memcpy(ws->b_prev, b, m * sizeof(double));
  ws->prev_uniform_a = a == NULL;
  ws->prev_uniform_b = b == NULL;
  ws->have_tree = 0;
  return 0;
}

static specot_status run_simplex(specot_ctx *ctx, specot_ot_emd_ws *ws, const cost_src *src,
                                 const double *a, const double *b, const specot_ot_emd_opts *o,
                                 int warm, specot_ot_emd_result *res) {
  const size_t nr = ws->nr, nc = ws->nc, E = nr * nc;
  double cmax = 0.0;
  for (size_t e = 0; e < E; ++e) {
    const double c = fabs(ws->cost[e]);
    cmax = c > cmax ? c : cmax;
  }
  /* ART exceeds the cost of any simple path (LEMON's choice). */
  ws->art_cost = (cmax > 0.0 ? cmax : 1.0) * (double)(nr + nc + 1);
  /* Pivot on reduced costs below -64 eps * scale of the potentials: rounding
   * of pi (|pi| <= ART) cannot create spurious entering arcs beyond that. */
  ws->tol = 64.0 * DBL_EPSILON * (cmax > 0.0 ? cmax : 1.0);
  if (!warm) {
    init_tree(ws);
  } else {
    /* New costs (and a new ART) for the kept tree. */
    const int64_t R = (int64_t)(nr + nc);
    for (int64_t u = 0; u < R; ++u) ws->pcost[u] = arc_cost(ws, ws->pred[u]);
  }
  ws->ncand = 0;
  update_all_potentials(ws);
  ws->have_tree = 1;
  ws->have_solution = 0;
  const size_t max_iter = o->max_iter ? o->max_iter : 1000 * (ws->n + ws->m);
  size_t iter = 0;
  int capped = 0;
  for (;;) {
    int64_t e;
    while ((e = find_entering(ws)) >= 0) {
      if (iter >= max_iter) {
        capped = 1;
        break;
      }
      if ((iter & 1023) == 0 && specot__cancelled(ctx)) /* the tree stays feasible */
        return specot__fail(ctx, SPECOT_ERR_CANCELLED, "emd: cancelled after %zu pivots", iter);
      if (pivot(ws, e) != 0)
        return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "emd: no leaving arc (corrupt tree)");
      ++iter;
    }
    if (capped) break;
    /* Fresh potentials, then one more full check. */
    update_all_potentials(ws);
    ws->next_arc = 0;
    ws->ncand = 0;
    if ((e = find_entering(ws)) < 0) break;
  }
  if (capped) update_all_potentials(ws);
  extract_plan(ws, capped);
  extract_potentials(ws, src, a, b);
  /* Verification. */
  double cost = 0.0, err = 0.0;
  for (size_t k = 0; k < ws->nnz; ++k) cost += ws->pmass[k] * full_cost(ws, src, ws->prow[k], ws->pcol[k]);
  {
    /* marginals (uses f, g buffers? no: accumulate with scratch in pi) */
    double *ra = ws->pi, *rb = ws->pi + ws->n; /* pi has n+m+1 >= n+m entries */
    for (size_t i = 0; i < ws->n; ++i) ra[i] = 0.0;
    for (size_t j = 0; j < ws->m; ++j) rb[j] = 0.0;
    for (size_t k = 0; k < ws->nnz; ++k) {
      ra[ws->prow[k]] += ws->pmass[k];
      rb[ws->pcol[k]] += ws->pmass[k];
    }
    for (size_t i = 0; i < ws->n; ++i) err += fabs(ra[i] - specot__ot_weight(a, ws->n, i));
    for (size_t j = 0; j < ws->m; ++j) err += fabs(rb[j] - specot__ot_weight(b, ws->m, j));
  }
  double dual = 0.0, sa = 0.0;
  for (size_t i = 0; i < ws->n; ++i) {
    dual += specot__ot_weight(a, ws->n, i) * ws->f[i];
    sa += specot__ot_weight(a, ws->n, i);
  }
  for (size_t j = 0; j < ws->m; ++j) dual += specot__ot_weight(b, ws->m, j) * ws->g[j];
  double min_rc = INFINITY;
  for (size_t i = 0; i < nr; ++i) {
    const double fi = ws->f[ws->rowmap[i]];
    const double *crow = ws->cost + i * nc;
    for (size_t j = 0; j < nc; ++j) {
      const double rc = crow[j] - fi - ws->g[ws->colmap[j]];
      min_rc = rc < min_rc ? rc : min_rc;
    }
  }
  /* pi was used as scratch: restore it for warm starts. */
  update_all_potentials(ws);
  ws->have_solution = 1;
  specot_status st = SPECOT_OK;
  const double scale = cmax > 0.0 ? cmax : 1.0;
  if (!isfinite(cost) || !isfinite(dual))
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "emd: non-finite cost or potentials");
  if (capped) {
    st = specot__fail(ctx, SPECOT_WARN_MAXITER,
                      "emd: max_iter = %zu pivots reached; plan is feasible but not optimal",
                      max_iter);
  } else if (min_rc < -o->verify_rtol * scale ||
             fabs(cost - dual) > o->verify_rtol * scale * sa) {
    st = specot__fail(ctx, SPECOT_WARN_INACCURATE,
                      "emd: optimality check: primal %.17g, dual %.17g, min reduced cost %.3g "
                      "(tolerance %.3g)",
                      cost, dual, min_rc, o->verify_rtol * scale);
  }
  if (res) {
    res->cost = cost;
    res->dual_objective = dual;
    res->min_reduced_cost = min_rc;
    res->lower_bound = dual + (min_rc < 0.0 ? min_rc : 0.0) * sa;
    res->marginal_error = err;
    res->nnz = ws->nnz;
    res->iterations = iter;
    res->warm_started = warm;
    res->status = st;
  }
  return st;
}

static specot_status solve_common(specot_ctx *ctx, specot_ot_emd_ws *ws, const double *a,
                                  const double *b, const double *C, const double *X,
                                  const double *Y, const double *L, size_t r,
                                  const specot_ot_emd_opts *opts, specot_ot_emd_result *res) {
  specot__ctx_reset(ctx);
  specot_ot_emd_opts def;
  if (!opts) {
    specot_ot_emd_opts_init(&def);
    opts = &def;
  }
  if (res) memset(res, 0, sizeof *res);
  if (!ws) return specot__fail(ctx, SPECOT_ERR_INVALID, "emd: workspace is NULL");
  specot_status st = check_opts(ctx, opts);
  if (st) return st;
  const size_t n = ws->n, m = ws->m;
  cost_src src = {C, NULL, NULL, 0};
  if (C) {
    if (!specot__all_finite(C, n * m))
      return specot__fail(ctx, SPECOT_ERR_INVALID, "emd: cost matrix has a non-finite entry");
  } else {
    if (!X || !Y) return specot__fail(ctx, SPECOT_ERR_INVALID, "emd: X and Y must be non-NULL");
    if (ws->d == 0)
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "emd: workspace allocated with d = 0 cannot solve from points");
    if (!L) r = ws->d;
    if (r == 0 || r > ws->d)
      return specot__fail(ctx, SPECOT_ERR_INVALID, "emd: L has r = %zu rows; need 1 <= r <= d = %zu",
                          r, ws->d);
    if (!specot__all_finite(X, n * ws->d) || !specot__all_finite(Y, m * ws->d) ||
        (L && !specot__all_finite(L, r * ws->d)))
      return specot__fail(ctx, SPECOT_ERR_INVALID, "emd: X, Y and L must be finite");
  }
  double ta, tb;
  if ((st = specot__ot_check_masses(ctx, a, n, b, m, opts->mass_rtol, &ta, &tb))) return st;
  const int warm = setup_masses(ws, a, b, opts->warm_start);
  const size_t nr = ws->nr, nc = ws->nc;
  if (C) {
    for (size_t i = 0; i < nr; ++i) {
      const double *src_row = C + ws->rowmap[i] * m;
      double *dst = ws->cost + i * nc;
      if (nc == m)
        memcpy(dst, src_row, m * sizeof(double));
      else
        for (size_t j = 0; j < nc; ++j) dst[j] = src_row[ws->colmap[j]];
    }
  } else {
    specot__ot_transform(X, n, ws->d, L, r, ws->xt);
    specot__ot_transform(Y, m, ws->d, L, r, ws->yt);
    src.xt = ws->xt;
    src.yt = ws->yt;
    src.r = r;
    if (nr == n && nc == m) {
      specot__ot_sqdist(ws->xt, n, ws->yt, m, r, 1.0, ws->cost);
    } else {
      for (size_t i = 0; i < nr; ++i)
        for (size_t j = 0; j < nc; ++j)
          ws->cost[i * nc + j] = full_cost(ws, &src, ws->rowmap[i], ws->colmap[j]);
    }
    if (!specot__all_finite(ws->cost, nr * nc))
      return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "emd: squared distances overflow");
  }
  return run_simplex(ctx, ws, &src, a, b, opts, warm, res);
}

specot_status specot_ot_emd_solve(specot_ctx *ctx, specot_ot_emd_ws *ws, const double *a,
                                  const double *b, const double *C,
                                  const specot_ot_emd_opts *opts, specot_ot_emd_result *result) {
  if (!C) {
    specot__ctx_reset(ctx);
    if (result) memset(result, 0, sizeof *result);
    return specot__fail(ctx, SPECOT_ERR_INVALID, "emd: cost matrix C is NULL");
  }
  return solve_common(ctx, ws, a, b, C, NULL, NULL, NULL, 0, opts, result);
}

specot_status specot_ot_emd_solve_points(specot_ctx *ctx, specot_ot_emd_ws *ws, const double *a,
                                         const double *b, const double *X, const double *Y,
                                         const double *L, size_t r,
                                         const specot_ot_emd_opts *opts,
                                         specot_ot_emd_result *result) {
  return solve_common(ctx, ws, a, b, NULL, X, Y, L, r, opts, result);
}

size_t specot_ot_emd_plan(const specot_ot_emd_ws *ws, size_t *row, size_t *col, double *mass) {
  if (!ws || !ws->have_solution) return 0;
  if (row) memcpy(row, ws->prow, ws->nnz * sizeof(size_t));
  if (col) memcpy(col, ws->pcol, ws->nnz * sizeof(size_t));
  if (mass) memcpy(mass, ws->pmass, ws->nnz * sizeof(double));
  return ws->nnz;
}

void specot_ot_emd_plan_dense(const specot_ot_emd_ws *ws, double *plan) {
  if (!ws || !plan) return;
  memset(plan, 0, ws->n * ws->m * sizeof(double));
  if (!ws->have_solution) return;
  for (size_t k = 0; k < ws->nnz; ++k) plan[ws->prow[k] * ws->m + ws->pcol[k]] += ws->pmass[k];
}

void specot_ot_emd_potentials(const specot_ot_emd_ws *ws, double *f, double *g) {
  if (!ws || !ws->have_solution) return;
  if (f) memcpy(f, ws->f, ws->n * sizeof(double));
  if (g) memcpy(g, ws->g, ws->m * sizeof(double));
}

specot_status specot_ot_emd(specot_ctx *ctx, size_t n, size_t m, const double *a,
                            const double *b, const double *C, const specot_ot_emd_opts *opts,
                            specot_ot_emd_result *result, size_t *row, size_t *col, double *mass,
                            double *f, double *g) {
  specot_ot_emd_ws *ws = NULL;
  if (result) memset(result, 0, sizeof *result);
  specot_status st = specot_ot_emd_ws_alloc(ctx, n, m, 0, opts, &ws);
  if (st) return st;
  st = specot_ot_emd_solve(ctx, ws, a, b, C, opts, result);
  if (st >= 0) {
    (void)specot_ot_emd_plan(ws, row, col, mass);
    specot_ot_emd_potentials(ws, f, g);
  }
  specot_ot_emd_ws_free(ws);
  return st;
}
