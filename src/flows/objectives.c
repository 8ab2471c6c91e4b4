/* Built-in flow objectives: smoothed energy-distance MMD, quadratic matrix
 * objective, Gaussian KL, two-layer ReLU teacher-student regression. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "flows_internal.h"

/* ---------------------------------------------------------------- helpers */

specot_status flows_check_finite(specot_ctx *ctx, const double *x, size_t len, const char *what) {
  for (size_t i = 0; i < len; ++i)
    if (!isfinite(x[i]))
      return specot__fail(ctx, SPECOT_ERR_INVALID, "flows: %s has a non-finite entry at index %zu",
                          what, i);
  return SPECOT_OK;
}

specot_status flows_sym_max_eig(specot_ctx *ctx, const double *S, size_t k, double *lambda_max) {
  if (k > SPECOT__BLAS_INT_MAX) return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "flows: size too large");
  double *a = specot__alloc_doubles(k * k + k);
  if (!a) return specot__fail(ctx, SPECOT_ERR_NOMEM, "flows: out of memory");
  memcpy(a, S, k * k * sizeof *a);
  const lapack_int info = LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'L', (lapack_int)k, a, (lapack_int)k, a + k * k);
  if (info != 0) {
    specot__free(a);
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "flows: dsyev failed (info %d)", (int)info);
  }
  *lambda_max = a[k * k + k - 1];
  specot__free(a);
  return SPECOT_OK;
}

specot_status flows_spd_inverse(specot_ctx *ctx, double *S, size_t k, double *logdet) {
  /* Symmetric: row-major upper == column-major lower. */
  lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)k, S, (lapack_int)k);
  if (info != 0)
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "flows: matrix is not positive definite (dpotrf info %d)",
                        (int)info);
  double ld = 0.0;
  for (size_t i = 0; i < k; ++i) ld += 2.0 * log(S[i * k + i]);
  info = LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'L', (lapack_int)k, S, (lapack_int)k);
  if (info != 0)
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "flows: dpotri failed (info %d)", (int)info);
  /* Column-major lower = row-major upper: mirror to the full matrix. */
  for (size_t i = 0; i < k; ++i)
    for (size_t j = i + 1; j < k; ++j) S[j * k + i] = S[i * k + j];
  *logdet = ld;
  return SPECOT_OK;
}

void specot_flow_objective_free(specot_flow_objective *obj) {
  if (!obj) return;
  if (obj->release && obj->model) obj->release(obj->model);
  memset(obj, 0, sizeof *obj);
}

static specot_status check_sizes(specot_ctx *ctx, size_t a, size_t b, const char *what) {
  size_t len;
  if (a == 0 || b == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "flows: %s has an empty dimension (%zu x %zu)", what, a, b);
  if (specot__mul_size(a, b, &len) != 0 || a > SPECOT__BLAS_INT_MAX || b > SPECOT__BLAS_INT_MAX ||
      len > SIZE_MAX / 16)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "flows: %s of %zu x %zu is too large", what, a, b);
  return SPECOT_OK;
}

/* Work (inner-loop iterations) below which the kernels stay on one thread:
 * OpenMP start-up and barriers cost more than they save on small problems,
 * and much more on an oversubscribed machine. */
#define FLOWS_PARALLEL_MIN 8.0e6

/* ------------------------------------------------------------------- MMD */

typedef struct mmd_model {
  double *y, *b; /* m x d, m */
  size_t m, d;
  double eps2;
  double target_term; /* sum_ij b_i b_j D(y_i, y_j) */
  double *row_energy; /* per-particle energy terms (grown on first use) */
  size_t row_cap;
} mmd_model;

static void mmd_release(void *p) {
  mmd_model *mm = p;
  specot__free(mm->y);
  specot__free(mm->b);
  specot__free(mm->row_energy);
  free(mm);
}

static specot_status mmd_eval(void *p, specot_ctx *ctx, const double *x, const double *w, size_t n,
                              size_t d, double *energy, double *forces) {
  mmd_model *mm = p;
  if (n > mm->row_cap) {
    double *re = specot__alloc_doubles(n);
    if (!re) return specot__fail(ctx, SPECOT_ERR_NOMEM, "mmd: out of memory");
    specot__free(mm->row_energy);
    mm->row_energy = re;
    mm->row_cap = n;
  }
  const double eps2 = mm->eps2;
  double *row = mm->row_energy;
  const long long nn = (long long)n;
#pragma omp parallel for schedule(static) if ((double)n * (double)(n + mm->m) * (double)d >= FLOWS_PARALLEL_MIN)
  for (long long ii = 0; ii < nn; ++ii) {
    const size_t i = (size_t)ii;
    const double *xi = x + i * d;
    double *gi = forces + i * d;
    for (size_t k = 0; k < d; ++k) gi[k] = 0.0;
    double cross = 0.0, own = 0.0;
    for (size_t j = 0; j < mm->m; ++j) {
      const double *yj = mm->y + j * d;
      double s = eps2;
      for (size_t k = 0; k < d; ++k) s += (xi[k] - yj[k]) * (xi[k] - yj[k]);
      const double dist = sqrt(s), c = 2.0 * mm->b[j] / dist;
      cross += mm->b[j] * dist;
      for (size_t k = 0; k < d; ++k) gi[k] += c * (xi[k] - yj[k]);
    }
    for (size_t j = 0; j < n; ++j) {
      const double *xj = x + j * d;
      double s = eps2;
      for (size_t k = 0; k < d; ++k) s += (xi[k] - xj[k]) * (xi[k] - xj[k]);
      const double dist = sqrt(s), c = 2.0 * w[j] / dist;
      own += w[j] * dist;
      for (size_t k = 0; k < d; ++k) gi[k] -= c * (xi[k] - xj[k]);
    }
    row[i] = w[i] * (2.0 * cross - own);
  }
  double e = -mm->target_term;
  for (size_t i = 0; i < n; ++i) e += row[i]; /* fixed order: thread-count independent */
  *energy = e;
  return SPECOT_OK;
}

specot_status specot_flow_mmd_alloc(specot_ctx *ctx, const double *y, const double *b, size_t m,
                                    size_t d, double eps, specot_flow_objective *obj) {
  specot__ctx_reset(ctx);
  if (!obj || !y) return specot__fail(ctx, SPECOT_ERR_INVALID, "mmd: NULL argument");
  memset(obj, 0, sizeof *obj);
  specot_status st = check_sizes(ctx, m, d, "mmd: target cloud");
  if (st) return st;
  if (!(eps > 0.0) || !isfinite(eps))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "mmd: eps = %g must be positive and finite", eps);
  if ((st = flows_check_finite(ctx, y, m * d, "mmd target y"))) return st;
  if (b) {
    if ((st = flows_check_finite(ctx, b, m, "mmd target weights"))) return st;
    for (size_t j = 0; j < m; ++j)
      if (b[j] < 0.0)
        return specot__fail(ctx, SPECOT_ERR_INVALID, "mmd: target weight b[%zu] = %g is negative", j, b[j]);
  }
  mmd_model *mm = calloc(1, sizeof *mm);
  if (!mm) return specot__fail(ctx, SPECOT_ERR_NOMEM, "mmd: out of memory");
  mm->y = specot__alloc_doubles(m * d);
  mm->b = specot__alloc_doubles(m);
  if (!mm->y || !mm->b) {
    mmd_release(mm);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "mmd: out of memory");
  }
  memcpy(mm->y, y, m * d * sizeof *y);
  for (size_t j = 0; j < m; ++j) mm->b[j] = b ? b[j] : 1.0 / (double)m;
  mm->m = m;
  mm->d = d;
  mm->eps2 = eps * eps;
  double tt = 0.0;
  for (size_t i = 0; i < m; ++i) {
    double ti = 0.0;
    for (size_t j = 0; j < m; ++j) {
      double s = mm->eps2;
      for (size_t k = 0; k < d; ++k) s += (y[i * d + k] - y[j * d + k]) * (y[i * d + k] - y[j * d + k]);
      ti += mm->b[j] * sqrt(s);
    }
    tt += mm->b[i] * ti;
  }
  mm->target_term = tt;
  obj->eval = mmd_eval;
  obj->model = mm;
  obj->release = mmd_release;
  obj->d = d;
  obj->lipschitz = 0.0;
  obj->name = "mmd";
  return SPECOT_OK;
}

/* ------------------------------------------------------------- quadratic */

typedef struct quad_model {
  double *A, *B, *R; /* r x n, r x d, r x d residual */
  size_t r, n, d;
} quad_model;

static void quad_release(void *p) {
  quad_model *q = p;
  specot__free(q->A);
  specot__free(q->B);
  specot__free(q->R);
  free(q);
}

static specot_status quad_eval(void *p, specot_ctx *ctx, const double *x, const double *w, size_t n,
                               size_t d, double *energy, double *forces) {
  quad_model *q = p;
  if (n != q->n || d != q->d)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "quadratic: X is %zu x %zu, expected %zu x %zu", n, d,
                        q->n, q->d);
  memcpy(q->R, q->B, q->r * d * sizeof *q->R);
  /* R = A X - B */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)q->r, (int)d, (int)n, 1.0, q->A, (int)n,
              x, (int)d, -1.0, q->R, (int)d);
  double e = 0.0;
  for (size_t k = 0; k < q->r * d; ++k) e += q->R[k] * q->R[k];
  *energy = 0.5 * e;
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n, (int)d, (int)q->r, 1.0, q->A, (int)n,
              q->R, (int)d, 0.0, forces, (int)d);
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < d; ++k) forces[i * d + k] /= w[i];
  return SPECOT_OK;
}

specot_status specot_flow_quadratic_alloc(specot_ctx *ctx, const double *A, const double *B,
                                          size_t r, size_t n, size_t d,
                                          specot_flow_objective *obj) {
  specot__ctx_reset(ctx);
  if (!obj || !A || !B) return specot__fail(ctx, SPECOT_ERR_INVALID, "quadratic: NULL argument");
  memset(obj, 0, sizeof *obj);
  specot_status st;
  if ((st = check_sizes(ctx, r, n, "quadratic: A"))) return st;
  if ((st = check_sizes(ctx, r, d, "quadratic: B"))) return st;
  if ((st = check_sizes(ctx, n, n, "quadratic: A^T A"))) return st;
  if ((st = flows_check_finite(ctx, A, r * n, "quadratic A"))) return st;
  if ((st = flows_check_finite(ctx, B, r * d, "quadratic B"))) return st;
  quad_model *q = calloc(1, sizeof *q);
  if (!q) return specot__fail(ctx, SPECOT_ERR_NOMEM, "quadratic: out of memory");
  q->A = specot__alloc_doubles(r * n);
  q->B = specot__alloc_doubles(r * d);
  q->R = specot__alloc_doubles(r * d);
  double *ata = specot__alloc_doubles(n * n);
  if (!q->A || !q->B || !q->R || !ata) {
    specot__free(ata);
    quad_release(q);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "quadratic: out of memory");
  }
  memcpy(q->A, A, r * n * sizeof *A);
  memcpy(q->B, B, r * d * sizeof *B);
  q->r = r;
  q->n = n;
  q->d = d;
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n, (int)n, (int)r, 1.0, A, (int)n, A, (int)n,
              0.0, ata, (int)n);
  double lmax = 0.0;
  st = flows_sym_max_eig(ctx, ata, n, &lmax);
  specot__free(ata);
  if (st) {
    quad_release(q);
    return st;
  }
  obj->eval = quad_eval;
  obj->model = q;
  obj->release = quad_release;
  obj->d = d;
  obj->lipschitz = lmax > 0.0 ? lmax : 0.0;
  obj->name = "quadratic";
  return SPECOT_OK;
}

/* ------------------------------------------------------------ Gaussian KL */

typedef struct gkl_model {
  double *tinv; /* d x d */
  double *sig;  /* d x d work: Sigma, then Sigma^-1, then H */
  double logdet_t;
  size_t d;
} gkl_model;

static void gkl_release(void *p) {
  gkl_model *g = p;
  specot__free(g->tinv);
  specot__free(g->sig);
  free(g);
}

static specot_status gkl_eval(void *p, specot_ctx *ctx, const double *x, const double *w, size_t n,
                              size_t d, double *energy, double *forces) {
  gkl_model *g = p;
  double *S = g->sig;
  memset(S, 0, d * d * sizeof *S);
  for (size_t i = 0; i < n; ++i)
    for (size_t a = 0; a < d; ++a)
      for (size_t b = 0; b < d; ++b) S[a * d + b] += w[i] * x[i * d + a] * x[i * d + b];
  double tr = 0.0;
  for (size_t a = 0; a < d; ++a)
    for (size_t b = 0; b < d; ++b) tr += g->tinv[a * d + b] * S[b * d + a];
  double logdet_s = 0.0;
  specot_status st = flows_spd_inverse(ctx, S, d, &logdet_s);
  if (st) return specot__fail(ctx, SPECOT_ERR_NUMERICAL, "gaussian-kl: the particle second moment is singular");
  *energy = 0.5 * (tr - (double)d + g->logdet_t - logdet_s);
  for (size_t k = 0; k < d * d; ++k) S[k] = g->tinv[k] - S[k]; /* H = T^-1 - Sigma^-1 */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d, (int)d, 1.0, x, (int)d, S, (int)d,
              0.0, forces, (int)d); /* rows x_i^T H = (H x_i)^T, H symmetric */
  return SPECOT_OK;
}

specot_status specot_flow_gaussian_kl_alloc(specot_ctx *ctx, const double *target, size_t d,
                                            specot_flow_objective *obj) {
  specot__ctx_reset(ctx);
  if (!obj || !target) return specot__fail(ctx, SPECOT_ERR_INVALID, "gaussian-kl: NULL argument");
  memset(obj, 0, sizeof *obj);
  specot_status st;
  if ((st = check_sizes(ctx, d, d, "gaussian-kl: target"))) return st;
  if ((st = flows_check_finite(ctx, target, d * d, "gaussian-kl target"))) return st;
  double scale = 0.0;
  for (size_t k = 0; k < d * d; ++k) scale = fmax(scale, fabs(target[k]));
  for (size_t a = 0; a < d; ++a)
    for (size_t b = 0; b < a; ++b)
      if (fabs(target[a * d + b] - target[b * d + a]) > 1e-12 * scale)
        return specot__fail(ctx, SPECOT_ERR_INVALID, "gaussian-kl: target is not symmetric at (%zu, %zu)", a, b);
  gkl_model *g = calloc(1, sizeof *g);
  if (!g) return specot__fail(ctx, SPECOT_ERR_NOMEM, "gaussian-kl: out of memory");
  g->tinv = specot__alloc_doubles(d * d);
  g->sig = specot__alloc_doubles(d * d);
  if (!g->tinv || !g->sig) {
    gkl_release(g);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "gaussian-kl: out of memory");
  }
  memcpy(g->tinv, target, d * d * sizeof *target);
  if (flows_spd_inverse(ctx, g->tinv, d, &g->logdet_t) != SPECOT_OK) {
    gkl_release(g);
    return specot__fail(ctx, SPECOT_ERR_INVALID, "gaussian-kl: target is not positive definite");
  }
  g->d = d;
  obj->eval = gkl_eval;
  obj->model = g;
  obj->release = gkl_release;
  obj->d = d;
  obj->name = "gaussian-kl";
  return SPECOT_OK;
}

/* ------------------------------------------------------------------ ReLU */

/* Rows of particles per GEMM block: keeps the block (rows x nd) near 512 KiB. */
#define RELU_BLOCK_DOUBLES ((size_t)65536)

typedef struct relu_model {
  double *z, *y;  /* nd x dz, nd */
  double *f, *r;  /* nd */
  double *rz;     /* nd x dz: r_j z_j / nd */
  double *buf;    /* rows x nd */
  double *wu;     /* rows */
  size_t nd, dz, rows;
  /* dz == 2 fused kernel: data and particles in structure-of-arrays form */
  double *z1, *z2, *rn; /* nd each; rn = r / nd */
  double *soa;          /* 3 * soa_cap: w u, v1, v2 (grown on first use) */
  size_t soa_cap;
} relu_model;

static void relu_release(void *p) {
  relu_model *m = p;
  specot__free(m->z);
  specot__free(m->y);
  specot__free(m->f);
  specot__free(m->r);
  specot__free(m->rz);
  specot__free(m->buf);
  specot__free(m->wu);
  specot__free(m->z1);
  specot__free(m->z2);
  specot__free(m->rn);
  specot__free(m->soa);
  free(m);
}

/* Fused kernel for dz = 2 (the paper's model): two sweeps over the n x nd
 * pre-activations without storing them.  The sweeps are compiled for AVX-512,
 * AVX2 and baseline x86-64 (runtime dispatch) and threaded with OpenMP over
 * data points (first sweep) and particles (second sweep), so that every sum
 * has a fixed order: results do not depend on the thread count. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define RELU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RELU_CLONES
#endif

/* The sweeps run on 8-wide vectors of partial sums (GCC/Clang vector
 * extensions), summed in a fixed lane order at the end; floating-point
 * contraction is off in ISO C mode, so every clone (AVX-512, AVX2, SSE2)
 * returns the same bits. */
typedef double relu_v8 __attribute__((vector_size(64)));
typedef long long relu_m8 __attribute__((vector_size(64)));

/* (Macros and pointer arguments: passing 64-byte vectors by value would
 * depend on the vector ABI of each clone.) */
#define V8_LOAD(dst, ptr) memcpy(&(dst), (ptr), sizeof(dst))
#define V8_POSITIVE_PART(value, test) ((relu_v8)((relu_m8)(value) & (relu_m8)((test) > 0.0)))

static double v8_sum(const relu_v8 *v) {
  double s = 0.0;
  for (int l = 0; l < 8; ++l) s += (*v)[l];
  return s;
}

/* f_j = sum_i su_i relu(s1_i z1_j + s2_i z2_j) for j in [j0, j1). */
RELU_CLONES static void relu_sweep_data(const double *su, const double *s1, const double *s2, size_t n,
                                        const double *z1, const double *z2, size_t j0, size_t j1,
                                        double *f) {
  for (size_t j = j0; j < j1; ++j) {
    const double a = z1[j], b = z2[j];
    relu_v8 acc = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      relu_v8 va, vb, vu;
      V8_LOAD(va, s1 + i);
      V8_LOAD(vb, s2 + i);
      V8_LOAD(vu, su + i);
      const relu_v8 p = va * a + vb * b;
      acc += V8_POSITIVE_PART(vu * p, p);
    }
    double tail = 0.0;
    for (; i < n; ++i) {
      const double p = s1[i] * a + s2[i] * b;
      tail += p > 0.0 ? su[i] * p : 0.0;
    }
    f[j] = v8_sum(&acc) + tail;
  }
}

/* Forces of particles [i0, i1): g_u = sum_j relu(p_ij) rn_j, g_v = u sum_j [p_ij > 0] rn_j z_j. */
RELU_CLONES static void relu_sweep_particles(const double *x, size_t nd, const double *z1, const double *z2,
                                             const double *rn, size_t i0, size_t i1, double *forces) {
  for (size_t i = i0; i < i1; ++i) {
    const double a = x[3 * i + 1], b = x[3 * i + 2];
    relu_v8 gu = {0}, g1 = {0}, g2 = {0};
    size_t j = 0;
    for (; j + 8 <= nd; j += 8) {
      relu_v8 za, zb, vr;
      V8_LOAD(za, z1 + j);
      V8_LOAD(zb, z2 + j);
      V8_LOAD(vr, rn + j);
      const relu_v8 p = a * za + b * zb;
      const relu_v8 r = V8_POSITIVE_PART(vr, p);
      gu += r * p;
      g1 += r * za;
      g2 += r * zb;
    }
    double tu = 0.0, t1 = 0.0, t2 = 0.0;
    for (; j < nd; ++j) {
      const double p = a * z1[j] + b * z2[j];
      const double r = p > 0.0 ? rn[j] : 0.0;
      tu += r * p;
      t1 += r * z1[j];
      t2 += r * z2[j];
    }
    const double u = x[3 * i];
    forces[3 * i] = v8_sum(&gu) + tu;
    forces[3 * i + 1] = u * (v8_sum(&g1) + t1);
    forces[3 * i + 2] = u * (v8_sum(&g2) + t2);
  }
}

/* [lo, hi) of `len` items for thread t of nt (static contiguous split). */
static void split(size_t len, int t, int nt, size_t *lo, size_t *hi) {
  *lo = len * (size_t)t / (size_t)nt;
  *hi = len * (size_t)(t + 1) / (size_t)nt;
}

static specot_status relu_eval2(relu_model *m, specot_ctx *ctx, const double *x, const double *w, size_t n,
                                double *energy, double *forces) {
  if (n > m->soa_cap) {
    double *soa = specot__alloc_doubles(3 * n);
    if (!soa) return specot__fail(ctx, SPECOT_ERR_NOMEM, "relu: out of memory");
    specot__free(m->soa);
    m->soa = soa;
    m->soa_cap = n;
  }
  double *su = m->soa, *s1 = m->soa + n, *s2 = m->soa + 2 * n;
  for (size_t i = 0; i < n; ++i) {
    su[i] = w[i] * x[3 * i];
    s1[i] = x[3 * i + 1];
    s2[i] = x[3 * i + 2];
  }
  const size_t nd = m->nd;
#pragma omp parallel if ((double)n * (double)nd >= FLOWS_PARALLEL_MIN)
  {
    size_t lo, hi;
    split(nd, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
    relu_sweep_data(su, s1, s2, n, m->z1, m->z2, lo, hi, m->f);
  }
  const double inv_nd = 1.0 / (double)nd;
  double e = 0.0;
  for (size_t j = 0; j < nd; ++j) {
    const double r = m->f[j] - m->y[j];
    e += r * r;
    m->rn[j] = r * inv_nd;
  }
  *energy = 0.5 * e * inv_nd;
#pragma omp parallel if ((double)n * (double)nd >= FLOWS_PARALLEL_MIN)
  {
    size_t lo, hi;
    split(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
    relu_sweep_particles(x, nd, m->z1, m->z2, m->rn, lo, hi, forces);
  }
  return SPECOT_OK;
}

/* buf (b x nd) = relu(V_block Z^T) for particles i0 .. i0+b. */
static void relu_pre(const relu_model *m, const double *x, size_t d, size_t i0, size_t b) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, (int)m->nd, (int)m->dz, 1.0,
              x + i0 * d + 1, (int)d, m->z, (int)m->dz, 0.0, m->buf, (int)m->nd);
  const size_t len = b * m->nd;
  double *buf = m->buf;
  for (size_t k = 0; k < len; ++k) buf[k] = buf[k] > 0.0 ? buf[k] : 0.0;
}

static specot_status relu_eval(void *p, specot_ctx *ctx, const double *x, const double *w, size_t n,
                               size_t d, double *energy, double *forces) {
  relu_model *m = p;
  if (d != m->dz + 1)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "relu: particles have dimension %zu, expected %zu", d,
                        m->dz + 1);
  if (m->dz == 2) return relu_eval2(m, ctx, x, w, n, energy, forces);
  const size_t nd = m->nd, dz = m->dz;
  memset(m->f, 0, nd * sizeof *m->f);
  for (size_t i0 = 0; i0 < n; i0 += m->rows) {
    const size_t b = n - i0 < m->rows ? n - i0 : m->rows;
    relu_pre(m, x, d, i0, b);
    for (size_t i = 0; i < b; ++i) m->wu[i] = w[i0 + i] * x[(i0 + i) * d];
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)b, (int)nd, 1.0, m->buf, (int)nd, m->wu, 1, 1.0, m->f, 1);
  }
  double e = 0.0;
  const double inv_nd = 1.0 / (double)nd;
  for (size_t j = 0; j < nd; ++j) {
    m->r[j] = m->f[j] - m->y[j];
    e += m->r[j] * m->r[j];
    for (size_t k = 0; k < dz; ++k) m->rz[j * dz + k] = m->r[j] * m->z[j * dz + k] * inv_nd;
  }
  *energy = 0.5 * e * inv_nd;
  for (size_t i0 = 0; i0 < n; i0 += m->rows) {
    const size_t b = n - i0 < m->rows ? n - i0 : m->rows;
    relu_pre(m, x, d, i0, b);
    /* g_u = Act r / nd */
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)b, (int)nd, inv_nd, m->buf, (int)nd, m->r, 1, 0.0,
                forces + i0 * d, (int)d);
    const size_t len = b * nd;
    double *buf = m->buf;
    for (size_t k = 0; k < len; ++k) buf[k] = buf[k] > 0.0 ? 1.0 : 0.0;
    /* g_v = u * (Mask (r o Z) / nd) */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)b, (int)dz, (int)nd, 1.0, m->buf, (int)nd,
                m->rz, (int)dz, 0.0, forces + i0 * d + 1, (int)d);
    for (size_t i = 0; i < b; ++i) {
      const double u = x[(i0 + i) * d];
      for (size_t k = 0; k < dz; ++k) forces[(i0 + i) * d + 1 + k] *= u;
    }
  }
  return SPECOT_OK;
}

specot_status specot_flow_relu_alloc(specot_ctx *ctx, const double *z, const double *y, size_t nd,
                                     size_t dz, specot_flow_objective *obj) {
  specot__ctx_reset(ctx);
  if (!obj || !z || !y) return specot__fail(ctx, SPECOT_ERR_INVALID, "relu: NULL argument");
  memset(obj, 0, sizeof *obj);
  specot_status st;
  if ((st = check_sizes(ctx, nd, dz + 1, "relu: data"))) return st;
  if ((st = flows_check_finite(ctx, z, nd * dz, "relu data z"))) return st;
  if ((st = flows_check_finite(ctx, y, nd, "relu labels y"))) return st;
  relu_model *m = calloc(1, sizeof *m);
  if (!m) return specot__fail(ctx, SPECOT_ERR_NOMEM, "relu: out of memory");
  m->nd = nd;
  m->dz = dz;
  m->rows = RELU_BLOCK_DOUBLES / nd > 16 ? RELU_BLOCK_DOUBLES / nd : 16;
  m->z = specot__alloc_doubles(nd * dz);
  m->y = specot__alloc_doubles(nd);
  m->f = specot__alloc_doubles(nd);
  m->r = specot__alloc_doubles(nd);
  m->rz = specot__alloc_doubles(nd * dz);
  m->wu = specot__alloc_doubles(m->rows);
  size_t buflen;
  if (specot__mul_size(m->rows, nd, &buflen) == 0) m->buf = specot__alloc_doubles(buflen);
  if (!m->z || !m->y || !m->f || !m->r || !m->rz || !m->wu || !m->buf) {
    relu_release(m);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "relu: out of memory");
  }
  memcpy(m->z, z, nd * dz * sizeof *z);
  memcpy(m->y, y, nd * sizeof *y);
  if (dz == 2) {
    m->z1 = specot__alloc_doubles(nd);
    m->z2 = specot__alloc_doubles(nd);
    m->rn = specot__alloc_doubles(nd);
    if (!m->z1 || !m->z2 || !m->rn) {
      relu_release(m);
      return specot__fail(ctx, SPECOT_ERR_NOMEM, "relu: out of memory");
    }
    for (size_t j = 0; j < nd; ++j) {
      m->z1[j] = z[2 * j];
      m->z2[j] = z[2 * j + 1];
    }
  }
  obj->eval = relu_eval;
  obj->model = m;
  obj->release = relu_release;
  obj->d = dz + 1;
  obj->name = "mlp-relu";
  return SPECOT_OK;
}

specot_status specot_flow_relu_predict(specot_ctx *ctx, const double *x, const double *w, size_t n,
                                       size_t dz, const double *z, size_t nz, double *out) {
  specot__ctx_reset(ctx);
  if (!x || !z || !out) return specot__fail(ctx, SPECOT_ERR_INVALID, "relu_predict: NULL argument");
  if (n == 0 || dz == 0 || nz == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "relu_predict: empty input");
  const size_t d = dz + 1;
  for (size_t j = 0; j < nz; ++j) {
    double f = 0.0;
    for (size_t i = 0; i < n; ++i) {
      double s = 0.0;
      for (size_t k = 0; k < dz; ++k) s += x[i * d + 1 + k] * z[j * dz + k];
      if (s > 0.0) f += (w ? w[i] : 1.0 / (double)n) * x[i * d] * s;
    }
    out[j] = f;
  }
  return SPECOT_OK;
}

void specot_flow_relu_protocol_opts_init(specot_flow_relu_protocol_opts *opts) {
  opts->n_train = 2000;
  opts->n_eval = 4000;
  opts->seed = 7;
  opts->init_var = 0.5;
  opts->torch_rng = 0;
}

specot_status specot_flow_relu_protocol(specot_ctx *ctx, const specot_flow_relu_protocol_opts *opts,
                                        size_t n, specot_flow_objective *obj, double *x0,
                                        double *z_eval, double *y_eval) {
  specot__ctx_reset(ctx);
  specot_flow_relu_protocol_opts def;
  if (!opts) {
    specot_flow_relu_protocol_opts_init(&def);
    opts = &def;
  }
  if (!obj) return specot__fail(ctx, SPECOT_ERR_INVALID, "relu protocol: NULL objective");
  memset(obj, 0, sizeof *obj);
  if (opts->n_train == 0 || n == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "relu protocol: n_train and n must be positive");
  if (!(opts->init_var >= 0.0) || !isfinite(opts->init_var))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "relu protocol: init_var = %g must be >= 0", opts->init_var);
  specot_status st;
  if ((st = check_sizes(ctx, opts->n_train, 3, "relu protocol: training set"))) return st;
  if ((st = check_sizes(ctx, n, 3, "relu protocol: particles"))) return st;
  static const double tu[3] = {1.0, 1.0, -1.0}, ta[3] = {0.38, 2.42, 4.63};
  double teacher[9];
  for (int k = 0; k < 3; ++k) {
    teacher[3 * k] = tu[k];
    teacher[3 * k + 1] = cos(ta[k]);
    teacher[3 * k + 2] = sin(ta[k]);
  }
  const size_t nt = opts->n_train, ne = opts->n_eval;
  double *z = specot__alloc_doubles(2 * nt), *y = specot__alloc_doubles(nt);
  double *ze = specot__alloc_doubles(2 * (ne ? ne : 1));
  if (!z || !y || !ze) {
    specot__free(z);
    specot__free(y);
    specot__free(ze);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "relu protocol: out of memory");
  }
  specot_rng rng;
  specot_torch_rng trng;
  specot_rng_seed(&rng, opts->seed);
  specot_torch_rng_seed(&trng, opts->seed);
  /* torch draws each tensor with one randn call: z_train, z_eval, then X0's noise */
  if (opts->torch_rng) {
    specot_torch_rng_randn(&trng, z, 2 * nt);
    specot_torch_rng_randn(&trng, ze, 2 * ne);
  } else {
    specot_rng_fill_normal(&rng, z, 2 * nt, 0.0, 1.0);
    specot_rng_fill_normal(&rng, ze, 2 * ne, 0.0, 1.0);
  }
  (void)specot_flow_relu_predict(NULL, teacher, NULL, 3, 2, z, nt, y);
  if (z_eval && ne) memcpy(z_eval, ze, 2 * ne * sizeof *ze);
  if (y_eval && ne) (void)specot_flow_relu_predict(NULL, teacher, NULL, 3, 2, ze, ne, y_eval);
  specot__free(ze);
  if (x0) {
    double mean[3], sd[3];
    for (int c = 0; c < 3; ++c) {
      mean[c] = (teacher[c] + teacher[3 + c] + teacher[6 + c]) / 3.0;
      double v = 0.0;
      for (int k = 0; k < 3; ++k) v += (teacher[3 * k + c] - mean[c]) * (teacher[3 * k + c] - mean[c]);
      sd[c] = sqrt(opts->init_var) * sqrt(v / 3.0);
    }
    if (opts->torch_rng)
      specot_torch_rng_randn(&trng, x0, 3 * n);
    else
      specot_rng_fill_normal(&rng, x0, 3 * n, 0.0, 1.0);
    for (size_t i = 0; i < n; ++i)
      for (int c = 0; c < 3; ++c) x0[3 * i + (size_t)c] = mean[c] + sd[c] * x0[3 * i + (size_t)c];
  }
  st = specot_flow_relu_alloc(ctx, z, y, nt, 2, obj);
  specot__free(z);
  specot__free(y);
  return st;
}
