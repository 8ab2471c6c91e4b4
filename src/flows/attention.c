/* Mean-field attention layer objective (flows.h, paper_experiments.md section 1):
 * heads x = (Q, K, V, O), forward and hand-written backward per head and sequence. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "flows_internal.h"

/* Work (flops, roughly) below which the loops stay on one thread. */
#define ATTN_PARALLEL_MIN 2.0e6
/* Largest forward cache (doubles, 64 MiB): the backward reuses the forward's attention
 * rows and projections when n N (m^2 + 4 m dh) fits, and recomputes them otherwise. */
#define ATTN_CACHE_MAX ((size_t)1 << 23)

typedef struct attn_dims {
  size_t m, dt, dh; /* tokens, token dimension, head dimension */
} attn_dims;

/* Scratch of one head on one sequence. */
typedef struct attn_scratch {
  double *qz, *kz, *vz, *h, *gh, *u, *cq, *ck; /* m x dh each */
  double *a, *gs;                              /* m x m attention rows, score gradients */
  double *phi;                                 /* m x dt head output */
} attn_scratch;

typedef struct attn_model {
  attn_dims dims;
  size_t nseq;
  double *z, *y;    /* nseq x m x dt each */
  double *rho;      /* (f - y) / (nseq m dt), nseq x m x dt */
  double *seq_loss; /* per-sequence squared error (fixed-order sum) */
  double *scratch;  /* nthreads blocks of scratch_len doubles */
  size_t scratch_len;
  int nthreads;
  double *cache; /* per (sequence, head): a, qz, kz, vz, h of the forward (grown on use) */
  size_t cache_cap, cache_max;
} attn_model;

static size_t scratch_len(attn_dims dm) {
  return 8 * dm.m * dm.dh + 2 * dm.m * dm.m + dm.m * dm.dt;
}

static size_t cache_len(attn_dims dm) {
  return dm.m * dm.m + 4 * dm.m * dm.dh;
}

/* Points the forward quantities of s at the cache block `c` (a, qz, kz, vz, h). */
static void use_cache_block(attn_scratch *s, double *c, attn_dims dm) {
  const size_t md = dm.m * dm.dh;
  s->a = c;
  s->qz = c + dm.m * dm.m;
  s->kz = s->qz + md;
  s->vz = s->kz + md;
  s->h = s->vz + md;
}

static attn_scratch scratch_at(double *base, attn_dims dm) {
  attn_scratch s;
  const size_t md = dm.m * dm.dh, mm = dm.m * dm.m;
  s.qz = base;
  s.kz = s.qz + md;
  s.vz = s.kz + md;
  s.h = s.vz + md;
  s.gh = s.h + md;
  s.u = s.gh + md;
  s.cq = s.u + md;
  s.ck = s.cq + md;
  s.a = s.ck + md;
  s.gs = s.a + mm;
  s.phi = s.gs + mm;
  return s;
}

/* Forward pass of head x on the tokens zs (m x dt): fills qz, kz, vz, a, h, phi. */
static void head_forward(const double *x, const double *zs, attn_dims dm, attn_scratch *s) {
  const size_t m = dm.m, dt = dm.dt, dh = dm.dh, blk = dh * dt;
  const double *Q = x, *K = x + blk, *V = x + 2 * blk, *O = x + 3 * blk;
  const double inv_sqrt = 1.0 / sqrt((double)dh);
  for (size_t j = 0; j < m; ++j) {
    const double *zj = zs + j * dt;
    for (size_t a = 0; a < dh; ++a) {
      double q = 0.0, k = 0.0, v = 0.0;
      for (size_t b = 0; b < dt; ++b) {
        q += Q[a * dt + b] * zj[b];
        k += K[a * dt + b] * zj[b];
        v += V[a * dt + b] * zj[b];
      }
      s->qz[j * dh + a] = q;
      s->kz[j * dh + a] = k;
      s->vz[j * dh + a] = v;
    }
  }
  for (size_t j = 0; j < m; ++j) {
    double *row = s->a + j * m, mx = -INFINITY, sum = 0.0;
    for (size_t i = 0; i < m; ++i) {
      double sc = 0.0;
      for (size_t a = 0; a < dh; ++a) sc += s->qz[j * dh + a] * s->kz[i * dh + a];
      row[i] = sc * inv_sqrt;
      mx = fmax(mx, row[i]);
    }
    for (size_t i = 0; i < m; ++i) sum += (row[i] = exp(row[i] - mx));
    for (size_t i = 0; i < m; ++i) row[i] /= sum;
    for (size_t a = 0; a < dh; ++a) {
      double hv = 0.0;
      for (size_t i = 0; i < m; ++i) hv += row[i] * s->vz[i * dh + a];
      s->h[j * dh + a] = hv;
    }
    for (size_t b = 0; b < dt; ++b) {
      double o = 0.0;
      for (size_t a = 0; a < dh; ++a) o += O[a * dt + b] * s->h[j * dh + a];
      s->phi[j * dt + b] = o;
    }
  }
}

/* Adds d/dx sum_j rho_j . phi(zs, x)_j to g (4 dh dt), after head_forward on s. */
static void head_backward(const double *x, const double *zs, const double *rho, attn_dims dm,
                          attn_scratch *s, double *g) {
  const size_t m = dm.m, dt = dm.dt, dh = dm.dh, blk = dh * dt;
  const double *O = x + 3 * blk;
  double *gQ = g, *gK = g + blk, *gV = g + 2 * blk, *gO = g + 3 * blk;
  const double inv_sqrt = 1.0 / sqrt((double)dh);
  for (size_t j = 0; j < m; ++j) {
    const double *rj = rho + j * dt;
    for (size_t a = 0; a < dh; ++a) {
      double gh = 0.0;
      for (size_t b = 0; b < dt; ++b) {
        gO[a * dt + b] += s->h[j * dh + a] * rj[b];
        gh += O[a * dt + b] * rj[b];
      }
      s->gh[j * dh + a] = gh;
    }
    /* softmax backward: gS_ji = A_ji (gA_ji - sum_l A_jl gA_jl), gA_ji = gh_j . vz_i */
    const double *arow = s->a + j * m;
    double *grow = s->gs + j * m, mean = 0.0;
    for (size_t i = 0; i < m; ++i) {
      double ga = 0.0;
      for (size_t a = 0; a < dh; ++a) ga += s->gh[j * dh + a] * s->vz[i * dh + a];
      grow[i] = ga;
      mean += arow[i] * ga;
    }
    for (size_t i = 0; i < m; ++i) grow[i] = arow[i] * (grow[i] - mean) * inv_sqrt;
  }
  /* One pass over the (j, i) pairs, rows of A and gS in order:
   *   u_i += A_ji gh_j (value side),  cq_j += gS_ji kz_i,  ck_i += gS_ji qz_j;
   * then gV += u z^T, gQ += cq z^T, gK += ck z^T. */
  double *u = s->u, *cq = s->cq, *ck = s->ck;
  for (size_t k = 0; k < m * dh; ++k) u[k] = cq[k] = ck[k] = 0.0;
  for (size_t j = 0; j < m; ++j) {
    const double *arow = s->a + j * m, *grow = s->gs + j * m;
    const double *ghj = s->gh + j * dh, *qj = s->qz + j * dh;
    double *cqj = cq + j * dh;
    for (size_t i = 0; i < m; ++i) {
      const double aji = arow[i], gji = grow[i];
      const double *ki = s->kz + i * dh;
      double *ui = u + i * dh, *cki = ck + i * dh;
      for (size_t a = 0; a < dh; ++a) {
        ui[a] += aji * ghj[a];
        cqj[a] += gji * ki[a];
        cki[a] += gji * qj[a];
      }
    }
  }
  for (size_t t = 0; t < m; ++t) {
    const double *zt = zs + t * dt;
    for (size_t a = 0; a < dh; ++a) {
      const double q = cq[t * dh + a], k = ck[t * dh + a], v = u[t * dh + a];
      for (size_t b = 0; b < dt; ++b) {
        gQ[a * dt + b] += q * zt[b];
        gK[a * dt + b] += k * zt[b];
        gV[a * dt + b] += v * zt[b];
      }
    }
  }
}

static void attn_release(void *p) {
  attn_model *am = p;
  if (!am) return;
  specot__free(am->z);
  specot__free(am->y);
  specot__free(am->rho);
  specot__free(am->seq_loss);
  specot__free(am->scratch);
  specot__free(am->cache);
  free(am);
}

static specot_status attn_eval(void *p, specot_ctx *ctx, const double *x, const double *w, size_t n,
                               size_t d, double *energy, double *forces) {
  attn_model *am = p;
  const attn_dims dm = am->dims;
  if (d != 4 * dm.dh * dm.dt)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "attention: heads have %zu = 4 x %zu x %zu "
                        "coordinates, got d = %zu",
                        4 * dm.dh * dm.dt, dm.dh, dm.dt, d);
  const size_t seq_len = dm.m * dm.dt, nseq = am->nseq;
  const double inv_count = 1.0 / ((double)nseq * (double)seq_len);
  const double work =
      (double)n * (double)nseq * (double)(dm.m * dm.m * dm.dh + dm.m * dm.dt * dm.dh);
  const int nt = work >= ATTN_PARALLEL_MIN ? am->nthreads : 1;
  const size_t cl = cache_len(dm);
  double *cache = NULL;
  if ((double)n * (double)nseq * (double)cl <= (double)am->cache_max) {
    if (n * nseq * cl > am->cache_cap) { /* grows on first use (and when n grows) */
      specot__free(am->cache);
      am->cache_cap = 0;
      if (!(am->cache = specot__alloc_doubles(n * nseq * cl)))
        return specot__fail(ctx, SPECOT_ERR_NOMEM, "attention: out of memory");
      am->cache_cap = n * nseq * cl;
    }
    cache = am->cache;
  }
  /* Forward, parallel over sequences (heads summed in order per sequence). */
  const long long ns = (long long)nseq, nn = (long long)n;
#pragma omp parallel for schedule(static) num_threads(nt)
  for (long long ss = 0; ss < ns; ++ss) {
    const size_t sq = (size_t)ss;
    attn_scratch s = scratch_at(am->scratch + (size_t)omp_get_thread_num() * am->scratch_len, dm);
    double *r = am->rho + sq * seq_len;
    const double *zs = am->z + sq * seq_len, *ys = am->y + sq * seq_len;
    for (size_t k = 0; k < seq_len; ++k) r[k] = 0.0;
    for (size_t h = 0; h < n; ++h) {
      if (cache) use_cache_block(&s, cache + (sq * n + h) * cl, dm);
      head_forward(x + h * d, zs, dm, &s);
      for (size_t k = 0; k < seq_len; ++k) r[k] += w[h] * s.phi[k];
    }
    double loss = 0.0;
    for (size_t k = 0; k < seq_len; ++k) {
      const double e = r[k] - ys[k];
      loss += e * e;
      r[k] = e * inv_count;
    }
    am->seq_loss[sq] = loss;
  }
  double e = 0.0;
  for (size_t sq = 0; sq < nseq; ++sq) e += am->seq_loss[sq];
  *energy = 0.5 * e * inv_count;
  /* Backward, parallel over heads (sequences summed in order per head). */
#pragma omp parallel for schedule(static) num_threads(nt)
  for (long long hh = 0; hh < nn; ++hh) {
    const size_t h = (size_t)hh;
    attn_scratch s = scratch_at(am->scratch + (size_t)omp_get_thread_num() * am->scratch_len, dm);
    double *g = forces + h * d;
    for (size_t k = 0; k < d; ++k) g[k] = 0.0;
    for (size_t sq = 0; sq < nseq; ++sq) {
      if (cache)
        use_cache_block(&s, cache + (sq * n + h) * cl, dm);
      else
        head_forward(x + h * d, am->z + sq * seq_len, dm, &s);
      head_backward(x + h * d, am->z + sq * seq_len, am->rho + sq * seq_len, dm, &s, g);
    }
  }
  return SPECOT_OK;
}

static specot_status check_dims(specot_ctx *ctx, size_t nseq, size_t m, size_t dt, size_t dh,
                                const char *who) {
  if (nseq == 0 || m == 0 || dt == 0 || dh == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "%s: sequences (%zu), tokens (%zu), token and head dimensions (%zu, %zu) "
                        "must be positive",
                        who, nseq, m, dt, dh);
  size_t len; /* N m dt entries of z; the per-head sizes (m^2, 4 dh dt) stay far below size_t */
  if (specot__mul_size(nseq, m, &len) || specot__mul_size(len, dt, &len) || len > SIZE_MAX / 64 ||
      m > 65536 || dh > 65536 || dt > 65536)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "%s: sizes too large", who);
  return SPECOT_OK;
}

specot_status specot_flow_attention_alloc(specot_ctx *ctx, const double *z, const double *y,
                                          size_t nseq, size_t m, size_t dt, size_t dh,
                                          specot_flow_objective *obj) {
  specot__ctx_reset(ctx);
  if (!obj || !z || !y) return specot__fail(ctx, SPECOT_ERR_INVALID, "attention: NULL argument");
  memset(obj, 0, sizeof *obj);
  specot_status st = check_dims(ctx, nseq, m, dt, dh, "attention");
  if (st) return st;
  const size_t len = nseq * m * dt;
  if ((st = flows_check_finite(ctx, z, len, "attention tokens z"))) return st;
  if ((st = flows_check_finite(ctx, y, len, "attention targets y"))) return st;
  attn_model *am = calloc(1, sizeof *am);
  if (!am) return specot__fail(ctx, SPECOT_ERR_NOMEM, "attention: out of memory");
  am->dims = (attn_dims){m, dt, dh};
  am->nseq = nseq;
  am->nthreads = omp_get_max_threads() > 0 ? omp_get_max_threads() : 1;
  am->scratch_len = scratch_len(am->dims);
  am->cache_max = ATTN_CACHE_MAX;
  am->z = specot__alloc_doubles(len);
  am->y = specot__alloc_doubles(len);
  am->rho = specot__alloc_doubles(len);
  am->seq_loss = specot__alloc_doubles(nseq);
  am->scratch = specot__alloc_doubles((size_t)am->nthreads * am->scratch_len);
  if (!am->z || !am->y || !am->rho || !am->seq_loss || !am->scratch) {
    attn_release(am);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "attention: out of memory");
  }
  memcpy(am->z, z, len * sizeof *z);
  memcpy(am->y, y, len * sizeof *y);
  obj->eval = attn_eval;
  obj->model = am;
  obj->release = attn_release;
  obj->d = 4 * dh * dt;
  obj->lipschitz = 0.0;
  obj->name = "attention";
  return SPECOT_OK;
}

/* Runs every head on every sequence; per (sequence, head): visit(ctx_, s, h, scratch). */
static specot_status attn_sweep(specot_ctx *ctx, const double *x, size_t n, size_t dt, size_t dh,
                                const double *z, size_t nseq, size_t m, const char *who,
                                void (*visit)(void *, size_t, size_t, const attn_scratch *),
                                void *arg) {
  specot__ctx_reset(ctx);
  if (!x || !z) return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: NULL argument", who);
  specot_status st = check_dims(ctx, nseq, m, dt, dh, who);
  if (st) return st;
  if (n == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "%s: no heads", who);
  const attn_dims dm = {m, dt, dh};
  double *buf = specot__alloc_doubles(scratch_len(dm));
  if (!buf) return specot__fail(ctx, SPECOT_ERR_NOMEM, "%s: out of memory", who);
  attn_scratch s = scratch_at(buf, dm);
  for (size_t sq = 0; sq < nseq; ++sq)
    for (size_t h = 0; h < n; ++h) {
      head_forward(x + h * 4 * dh * dt, z + sq * m * dt, dm, &s);
      visit(arg, sq, h, &s);
    }
  specot__free(buf);
  return SPECOT_OK;
}

typedef struct predict_arg {
  const double *w;
  size_t n, len;
  double *out;
} predict_arg;

static void predict_visit(void *p, size_t sq, size_t h, const attn_scratch *s) {
  predict_arg *a = p;
  double *o = a->out + sq * a->len;
  const double wh = a->w ? a->w[h] : 1.0 / (double)a->n;
  if (h == 0)
    for (size_t k = 0; k < a->len; ++k) o[k] = 0.0;
  for (size_t k = 0; k < a->len; ++k) o[k] += wh * s->phi[k];
}

specot_status specot_flow_attention_predict(specot_ctx *ctx, const double *x, const double *w,
                                            size_t n, size_t dt, size_t dh, const double *z,
                                            size_t nseq, size_t m, double *out) {
  if (!out) return specot__fail(ctx, SPECOT_ERR_INVALID, "attention predict: NULL output");
  predict_arg a = {w, n, m * dt, out};
  return attn_sweep(ctx, x, n, dt, dh, z, nseq, m, "attention predict", predict_visit, &a);
}

typedef struct tokens_arg {
  size_t m;
  double sum;
} tokens_arg;

static void tokens_visit(void *p, size_t sq, size_t h, const attn_scratch *s) {
  (void)sq;
  (void)h;
  tokens_arg *a = p;
  for (size_t j = 0; j < a->m; ++j) {
    double s2 = 0.0;
    for (size_t i = 0; i < a->m; ++i) s2 += s->a[j * a->m + i] * s->a[j * a->m + i];
    a->sum += 1.0 / s2;
  }
}

specot_status specot_flow_attention_effective_tokens(specot_ctx *ctx, const double *x, size_t n,
                                                     size_t dt, size_t dh, const double *z,
                                                     size_t nseq, size_t m, double *mean) {
  if (!mean) return specot__fail(ctx, SPECOT_ERR_INVALID, "attention tokens: NULL output");
  tokens_arg a = {m, 0.0};
  const specot_status st =
      attn_sweep(ctx, x, n, dt, dh, z, nseq, m, "attention tokens", tokens_visit, &a);
  if (!st) *mean = a.sum / ((double)nseq * (double)n * (double)m);
  return st;
}

void specot__flow_attention_set_cache_max(specot_flow_objective *obj, size_t doubles) {
  if (obj && obj->model && obj->eval == attn_eval) ((attn_model *)obj->model)->cache_max = doubles;
}
