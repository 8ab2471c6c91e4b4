/* Master problem of the column generation: min over the simplex of a smooth
 * spectral function of sum_k lambda_k S_k, by an active-set Newton method.
 *
 * Smooth functions F(S) = phi(eig(S)):
 *   Schatten 1 < p < inf:  phi(w) = sum_i (w_i / c)^p / p (same minimiser as
 *                          gamma_p; c is a fixed scale per Newton step);
 *   p = inf and Ky Fan k:  phi_tau(w) = max_{0 <= q <= 1, sum q = k} <q, w>
 *                          + tau Ent(q), Ent(q) = -sum q log q + (1-q) log(1-q)
 *                          (Fermi-Dirac smoothing), q_i = sigmoid((w_i - theta)/tau);
 *                          KF_k <= phi_tau <= KF_k + tau d log 2.
 *   Schatten p >= SPEC_NORM_FORM_P: phi(w) = ||w||_p itself (1-homogeneous, so
 *                          its curvature scales like p / ||w|| instead of
 *                          (w/c)^p), with continuation p_0 = SPEC_NORM_FORM_P,
 *                          p_{j+1} = 8 p_j up to p, as for tau above.
 * Hessian in lambda (Daleckii-Krein / Lewis): with A_k = U^T S_k U,
 *   H_kl = sum_{i != j} Gamma_ij A_k[ij] A_l[ij] + sum_ij (d2 phi)_ij A_k[ii] A_l[jj],
 *   Gamma_ij = (phi'_i - phi'_j) / (w_i - w_j)  (limit for equal eigenvalues).
 */
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "spectral_internal.h"

typedef struct smooth_fn {
  int fermi;  /* 0: Schatten power, 1: Fermi-Dirac, 2: Schatten norm gamma_p itself */
  double p;   /* Schatten exponent */
  double k;   /* Ky Fan order (1 for p = inf) */
  double tau; /* smoothing width */
  double c;   /* Schatten scale */
} smooth_fn;

int spec_master_init(spec_master *ms, size_t d, size_t cap) {
  memset(ms, 0, sizeof *ms);
  ms->d = d;
  ms->cap = cap;
  if (spec_eig_init(&ms->eig, d) != 0) return -1;
  const size_t dd = d * d;
  ms->w = specot__alloc_doubles(3 * d);
  ms->U = specot__alloc_doubles(5 * dd);
  ms->Ak = specot__alloc_doubles(cap * dd);
  ms->g = specot__alloc_doubles(cap);
  ms->kkt = specot__alloc_doubles((cap + 1) * (cap + 1));
  ms->rhs = specot__alloc_doubles(cap + 1);
  ms->dir = specot__alloc_doubles(2 * cap);
  ms->free_idx = (size_t *)specot__alloc_doubles(cap);
  const size_t D1 = d * (d + 1) / 2 + 1;
  ms->ipiv = (int *)specot__alloc_doubles((cap > D1 ? cap : D1) + 1);
  ms->design = specot__alloc_doubles((cap + 1) * D1 + D1 * D1 + D1 + 3 * dd + d);
  if (!ms->design || !ms->w || !ms->U || !ms->Ak || !ms->g || !ms->kkt || !ms->rhs || !ms->ipiv ||
      !ms->dir || !ms->free_idx) {
    spec_master_free(ms);
    return -1;
  }
  ms->phi1 = ms->w + d;
  ms->S = ms->U + dd;
  ms->tmp = ms->S + dd;
  ms->hess = ms->tmp + dd;
  ms->gam = ms->hess + dd;
  ms->trial = ms->dir + cap;
  ms->normal = ms->design + (cap + 1) * D1;
  ms->xsol = ms->normal + D1 * D1;
  ms->qref = ms->xsol + D1;
  ms->Qtry = ms->qref + dd;
  return 0;
}

void spec_master_free(spec_master *ms) {
  spec_eig_free(&ms->eig);
  specot__free(ms->w);
  specot__free(ms->U);
  specot__free(ms->Ak);
  specot__free(ms->g);
  specot__free(ms->kkt);
  specot__free(ms->rhs);
  specot__free(ms->ipiv);
  specot__free(ms->dir);
  specot__free(ms->free_idx);
  specot__free(ms->design);
  memset(ms, 0, sizeof *ms);
}

static double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + exp(-z));
  const double e = exp(z);
  return e / (1.0 + e);
}

static double softplus(double z) {
  return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/* Fermi-Dirac threshold theta with sum sigmoid((w_i - theta)/tau) = k
 * (w ascending, 1 <= k < d): safeguarded Newton inside a bisection bracket. */
static double fermi_theta(const double *w, size_t d, double k, double tau) {
  double lo = w[0] - 60.0 * tau, hi = w[d - 1] + 60.0 * tau;
  const size_t kk = (size_t)k;
  double th = 0.5 * (w[d - kk] + w[d - kk - 1]);
  for (int it = 0; it < 200; ++it) {
    double s = 0.0, ds = 0.0;
    for (size_t i = 0; i < d; ++i) {
      const double q = sigmoid((w[i] - th) / tau);
      s += q;
      ds += q * (1.0 - q);
    }
    if (s > k)
      lo = th;
    else
      hi = th;
    if (fabs(s - k) <= 4 * DBL_EPSILON * k || hi - lo <= 4 * DBL_EPSILON * fmax(fabs(lo), fabs(hi)))
      break;
    double next = ds > 0 ? th + tau * (s - k) / ds : 0.5 * (lo + hi);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    th = next;
  }
  return th;
}

/* Value of phi at eigenvalues w; fills phi1 (gradient) when not NULL. */
static double phi_value(const smooth_fn *f, const double *w, size_t d, double *phi1) {
  double v = 0.0;
  if (f->fermi == 2) {
    /* N = w_max ||w / w_max||_p; phi'_i = (w_i / N)^{p-1}. */
    const double top = fmax(w[d - 1], 0.0);
    if (top == 0.0) {
      if (phi1)
        for (size_t i = 0; i < d; ++i) phi1[i] = 0.0;
      return 0.0;
    }
    double s = 0.0;
    for (size_t i = 0; i < d; ++i) s += pow(fmax(w[i], 0.0) / top, f->p);
    const double nrm = top * pow(s, 1.0 / f->p);
    if (phi1)
      for (size_t i = 0; i < d; ++i) phi1[i] = pow(fmax(w[i], 0.0) / nrm, f->p - 1.0);
    return nrm;
  }
  if (!f->fermi) {
    for (size_t i = 0; i < d; ++i) {
      const double x = fmax(w[i], 0.0) / f->c;
      v += pow(x, f->p) / f->p;
      if (phi1) phi1[i] = pow(x, f->p - 1.0) / f->c;
    }
    return v;
  }
  const double th = fermi_theta(w, d, f->k, f->tau);
  for (size_t i = 0; i < d; ++i) {
    const double z = (w[i] - th) / f->tau;
    const double q = sigmoid(z);
    v += q * w[i] + f->tau * (q * softplus(-z) + (1.0 - q) * softplus(z));
    if (phi1) phi1[i] = q;
  }
  return v;
}

/* Second-order pieces: hess (d x d, d2 phi in eigenvalue space) and gam
 * (d x d, off-diagonal divided differences). */
static void phi_second(const smooth_fn *f, const double *w, const double *phi1, size_t d,
                       double *hess, double *gam, double *cvec) {
  memset(hess, 0, d * d * sizeof *hess);
  const double span = fmax(fabs(w[d - 1]), fabs(w[0]));
  double close = f->fermi == 1 ? 1e-7 * f->tau : 1e-9 * fmax(span, f->c);
  if (f->fermi == 2) {
    /* phi'' = (p-1)/N [diag(v^{p-2}) - v^{p-1} (v^{p-1})^T], v = w / N; the
     * divided differences switch to the diagonal limit when p |dw| / N is
     * below 1e-4 (first-order error 1e-8 relative). */
    double s = 0.0;
    for (size_t i = 0; i < d; ++i) s += phi1[i] * fmax(w[i], 0.0);
    const double nrm = fmax(s, DBL_MIN); /* sum v_i^{p-1} w_i = N */
    for (size_t i = 0; i < d; ++i) {
      const double v = fmax(w[i], 0.0) / nrm;
      cvec[i] = (f->p - 1.0) / nrm * (v > 0.0 ? pow(v, f->p - 2.0) : 0.0);
    }
    for (size_t i = 0; i < d; ++i)
      for (size_t j = 0; j < d; ++j)
        hess[i * d + j] = (i == j ? cvec[i] : 0.0) - (f->p - 1.0) / nrm * phi1[i] * phi1[j];
    close = 1e-4 * nrm / f->p;
  } else if (!f->fermi) {
    /* Floor the eigenvalues for p < 2 where phi'' blows up at 0. */
    for (size_t i = 0; i < d; ++i) {
      const double x = fmax(fmax(w[i], 0.0) / f->c, 1e-12);
      cvec[i] = (f->p - 1.0) * pow(x, f->p - 2.0) / (f->c * f->c);
      hess[i * d + i] = cvec[i];
    }
  } else {
    double csum = 0.0;
    for (size_t i = 0; i < d; ++i) {
      cvec[i] = phi1[i] * (1.0 - phi1[i]) / f->tau;
      csum += cvec[i];
    }
    for (size_t i = 0; i < d; ++i)
      for (size_t j = 0; j < d; ++j)
        hess[i * d + j] = (i == j ? cvec[i] : 0.0) - (csum > 0 ? cvec[i] * cvec[j] / csum : 0.0);
  }
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) {
      if (i == j) {
        gam[i * d + j] = 0.0;
        continue;
      }
      const double dw = w[i] - w[j];
      gam[i * d + j] = fabs(dw) > close ? (phi1[i] - phi1[j]) / dw : 0.5 * (cvec[i] + cvec[j]);
    }
}

/* S = sum lambda_k S_k, then eigendecomposition into ms->w, ms->U. */
static int eval_point(spec_master *ms, const double *cols, size_t r, const double *lambda) {
  const size_t dd = ms->d * ms->d;
  memset(ms->S, 0, dd * sizeof *ms->S);
  for (size_t k = 0; k < r; ++k)
    if (lambda[k] != 0.0)
      for (size_t t = 0; t < dd; ++t) ms->S[t] += lambda[k] * cols[k * dd + t];
  return spec_eig_sym(&ms->eig, ms->S, ms->w, ms->U);
}

/* A_k = U^T S_k U for all columns; g_k = sum_i phi1_i A_k[ii]. */
static void rotate_columns(spec_master *ms, const double *cols, size_t r) {
  const size_t d = ms->d, dd = d * d;
  for (size_t k = 0; k < r; ++k) {
    const double *Sk = cols + k * dd;
    double *A = ms->Ak + k * dd;
    /* tmp = S_k U */
    for (size_t i = 0; i < d; ++i)
      for (size_t j = 0; j < d; ++j) {
        double s = 0.0;
        for (size_t l = 0; l < d; ++l) s += Sk[i * d + l] * ms->U[l * d + j];
        ms->tmp[i * d + j] = s;
      }
    double gk = 0.0;
    for (size_t i = 0; i < d; ++i)
      for (size_t j = 0; j < d; ++j) {
        double s = 0.0;
        for (size_t l = 0; l < d; ++l) s += ms->U[l * d + i] * ms->tmp[l * d + j];
        A[i * d + j] = s;
      }
    for (size_t i = 0; i < d; ++i) gk += ms->phi1[i] * A[i * d + i];
    ms->g[k] = gk;
  }
}

/* H_kl with the divided-difference term summed over i < j (A_k, Gamma
 * symmetric) and the eigenvalue-space term as diag(A_k)^T hd_l, where
 * hd_l = hess diag(A_l) is precomputed (d per column). */
static double hess_entry(const spec_master *ms, size_t k, size_t l, const double *hd_l) {
  const size_t d = ms->d, dd = d * d;
  const double *A = ms->Ak + k * dd, *B = ms->Ak + l * dd;
  double off = 0.0, diag = 0.0;
  for (size_t i = 0; i < d; ++i) {
    const double *ai = A + i * d, *bi = B + i * d, *gi = ms->gam + i * d;
    for (size_t j = i + 1; j < d; ++j) off += gi[j] * ai[j] * bi[j];
    diag += ai[i] * hd_l[i];
  }
  return 2.0 * off + diag;
}

/* Newton direction on the free set (nf indices): solves
 * [H + delta I, 1; 1^T, 0] [dir; mu] = [-g; 0].  Returns 0 or -1. */
static int newton_dir(spec_master *ms, size_t nf) {
  const size_t N = nf + 1;
  const size_t d = ms->d, dd = d * d;
  double *hd = ms->design; /* nf * d scratch (refine_dual runs after Newton) */
  for (size_t b = 0; b < nf; ++b) {
    const double *B = ms->Ak + ms->free_idx[b] * dd;
    for (size_t i = 0; i < d; ++i) {
      double v = 0.0;
      for (size_t j = 0; j < d; ++j) v += ms->hess[i * d + j] * B[j * d + j];
      hd[b * d + i] = v;
    }
  }
  double hmax = 0.0;
  for (size_t a = 0; a < nf; ++a)
    for (size_t b = a; b < nf; ++b) {
      const double h = hess_entry(ms, ms->free_idx[a], ms->free_idx[b], hd + b * d);
      ms->kkt[a * N + b] = h;
      ms->kkt[b * N + a] = h;
      if (a == b) hmax = fmax(hmax, fabs(h));
    }
  const double delta = 1e-11 * hmax + 1e-300;
  for (size_t a = 0; a < nf; ++a) {
    ms->kkt[a * N + a] += delta;
    ms->kkt[a * N + nf] = 1.0;
    ms->kkt[nf * N + a] = 1.0;
    ms->rhs[a] = -ms->g[ms->free_idx[a]];
  }
  ms->kkt[nf * N + nf] = 0.0;
  ms->rhs[nf] = 0.0;
  const lapack_int info = LAPACKE_dgesv(LAPACK_COL_MAJOR, (lapack_int)N, 1, ms->kkt, (lapack_int)N,
                                        ms->ipiv, ms->rhs, (lapack_int)N);
  return info == 0 ? 0 : -1;
}

/* One smoothing stage: active-set Newton until the KKT residual is below
 * kkt_tol (relative).  Returns 0, or -1 on a LAPACK failure. */
static int newton_stage(spec_master *ms, smooth_fn *f, const double *cols, size_t r, double *lambda,
                        double kkt_tol, int maxit) {
  const size_t d = ms->d;
  for (int it = 0; it < maxit; ++it) {
    if (eval_point(ms, cols, r, lambda) != 0) return -1;
    if (f->fermi == 0) f->c = fmax(ms->w[d - 1], DBL_MIN);
    const double F0 = phi_value(f, ms->w, d, ms->phi1);
    rotate_columns(ms, cols, r);
    double nu = 0.0;
    for (size_t k = 0; k < r; ++k) nu += lambda[k] * ms->g[k];
    double res = 0.0, gmin = INFINITY;
    size_t jmin = r;
    for (size_t k = 0; k < r; ++k) {
      if (lambda[k] > 0.0) {
        res = fmax(res, fabs(ms->g[k] - nu));
      } else {
        res = fmax(res, nu - ms->g[k]);
        if (ms->g[k] < gmin) {
          gmin = ms->g[k];
          jmin = k;
        }
      }
    }
    if (res <= kkt_tol * fabs(nu) || r == 1) return 0;
    /* Free set: the support plus every zero-weight column that prices out. */
    size_t nf = 0;
    for (size_t k = 0; k < r; ++k)
      if (lambda[k] > 0.0 || ms->g[k] < nu - kkt_tol * fabs(nu)) ms->free_idx[nf++] = k;
    if (jmin < r && gmin < nu && ms->g[jmin] >= nu - kkt_tol * fabs(nu)) ms->free_idx[nf++] = jmin;
    phi_second(f, ms->w, ms->phi1, d, ms->hess, ms->gam, ms->w + 2 * d);
    /* Solve; drop zero-weight indices whose direction points outward. */
    int again = 1;
    while (again) {
      again = 0;
      memset(ms->dir, 0, r * sizeof *ms->dir);
      if (newton_dir(ms, nf) != 0) return -1;
      for (size_t a = 0; a < nf; ++a) ms->dir[ms->free_idx[a]] = ms->rhs[a];
      /* Drop the zero-weight column whose direction points most outward. */
      size_t worst = nf;
      double dworst = 0.0;
      for (size_t a = 0; a < nf && nf > 1; ++a) {
        const size_t k = ms->free_idx[a];
        if (lambda[k] == 0.0 && ms->dir[k] < dworst) {
          dworst = ms->dir[k];
          worst = a;
        }
      }
      if (worst < nf) {
        ms->free_idx[worst] = ms->free_idx[--nf];
        again = 1;
      }
    }
    double slope = 0.0, tmax = INFINITY;
    size_t block = r;
    for (size_t k = 0; k < r; ++k) {
      slope += ms->g[k] * ms->dir[k];
      if (ms->dir[k] < 0.0 && -lambda[k] / ms->dir[k] < tmax) {
        tmax = -lambda[k] / ms->dir[k];
        block = k;
      }
    }
    /* No descent left above the rounding level of F (eigenvalues of S carry
     * errors of a few DBL_EPSILON * ||S|| times d). */
    const double floor_slope = 8.0 * DBL_EPSILON * fabs(F0);
    if (!(slope < -floor_slope)) return 0;
    /* Armijo backtracking from the full step or the first blocking weight. */
    double t = fmin(1.0, tmax);
    int accepted = 0;
    for (int ls = 0; ls < 30; ++ls, t *= 0.5) {
      for (size_t k = 0; k < r; ++k) ms->trial[k] = fmax(lambda[k] + t * ms->dir[k], 0.0);
      if (t == tmax && block < r) ms->trial[block] = 0.0;
      if (eval_point(ms, cols, r, ms->trial) != 0) return -1;
      const double F1 = phi_value(f, ms->w, d, NULL);
      if (F1 <= F0 + 1e-4 * t * slope) {
        accepted = 1;
        break;
      }
    }
    if (!accepted) return 0;
    double sum = 0.0;
    for (size_t k = 0; k < r; ++k) {
      /* Weights below the rounding level of the simplex are exactly 0. */
      if (ms->trial[k] < 8 * DBL_EPSILON) ms->trial[k] = 0.0;
      sum += ms->trial[k];
    }
    for (size_t k = 0; k < r; ++k) ms->trial[k] /= sum;
    for (size_t k = 0; k < r; ++k) lambda[k] = ms->trial[k];
  }
  return 0;
}

/* Dual refinement for p = inf / Ky Fan.  The smoothed gradient is a noisy
 * dual when eigenvalues are tied to within the smoothing width, so fit
 * Q = U_above U_above^T + V M V^T (V: the eigenvalue cluster at the k-th
 * largest eigenvalue of S(lambda)) to complementary slackness <Q, S_k> = nu
 * on the active columns and tr Q = k (least squares), then project onto K.
 * Expects ms->w, ms->U, ms->Ak of the current point.  Returns the master
 * dual value min_k <Q, S_k>. */
static double refine_dual(spec_master *ms, size_t kk, const double *cols, size_t r,
                          const double *lambda, double *Q) {
  const size_t d = ms->d, dd = d * d;
  const double *w = ms->w;
  const double wk = w[d - kk];
  const double delta = 1e-6 * fmax(fabs(w[d - 1]), DBL_MIN);
  size_t lo = d - kk, hi = d - kk;
  while (lo > 0 && w[lo - 1] >= wk - delta) --lo;
  while (hi + 1 < d && w[hi + 1] <= wk + delta) ++hi;
  const size_t s = hi - lo + 1, above = d - 1 - hi;
  const double kprime = (double)kk - (double)above;
  const size_t nm = s * (s + 1) / 2, N = nm + 1;
  size_t rows = 0;
  double *G = ms->design;
  double *h = ms->rhs;
  for (size_t k = 0; k < r; ++k) {
    if (lambda[k] <= 0.0) continue;
    const double *A = ms->Ak + k * dd;
    size_t c = 0;
    for (size_t a = 0; a < s; ++a)
      for (size_t b = a; b < s; ++b)
        G[rows * N + c++] = (a == b ? 1.0 : 2.0) * A[(lo + a) * d + (lo + b)];
    G[rows * N + nm] = -1.0;
    double hr = 0.0;
    for (size_t i = hi + 1; i < d; ++i) hr -= A[i * d + i];
    h[rows++] = hr;
  }
  const double wscale = fmax(fabs(w[d - 1]), DBL_MIN);
  {
    size_t c = 0;
    for (size_t a = 0; a < s; ++a)
      for (size_t b = a; b < s; ++b) G[rows * N + c++] = a == b ? wscale : 0.0;
    G[rows * N + nm] = 0.0;
    h[rows++] = wscale * kprime;
  }
  /* Regularised normal equations (tiny system). */
  double *Nm = ms->normal, *x = ms->xsol;
  double tr = 0.0;
  for (size_t i = 0; i < N; ++i) {
    for (size_t j = 0; j < N; ++j) {
      double v = 0.0;
      for (size_t t = 0; t < rows; ++t) v += G[t * N + i] * G[t * N + j];
      Nm[i * N + j] = v;
    }
    tr += Nm[i * N + i];
    double v = 0.0;
    for (size_t t = 0; t < rows; ++t) v += G[t * N + i] * h[t];
    x[i] = v;
  }
  for (size_t i = 0; i < N; ++i) Nm[i * N + i] += 1e-13 * tr / (double)N + DBL_MIN;
  if (LAPACKE_dgesv(LAPACK_COL_MAJOR, (lapack_int)N, 1, Nm, (lapack_int)N, ms->ipiv, x,
                    (lapack_int)N) != 0)
    return -INFINITY;
  /* Q' in eigen coordinates, then projection onto K. */
  double *Qe = ms->qref, *W = ms->Qtry + dd, *v = W + dd;
  memset(Qe, 0, dd * sizeof *Qe);
  for (size_t i = hi + 1; i < d; ++i) Qe[i * d + i] = 1.0;
  size_t c = 0;
  for (size_t a = 0; a < s; ++a)
    for (size_t b = a; b < s; ++b) {
      Qe[(lo + a) * d + (lo + b)] = x[c];
      Qe[(lo + b) * d + (lo + a)] = x[c];
      ++c;
    }
  if (spec_eig_sym(&ms->eig, Qe, v, W) != 0) return -INFINITY;
  specot_gauge g = specot_gauge_kyfan(kk);
  spec_gauge_project_eigs(&g, v, d);
  spec_from_eigs(d, W, v, Qe, ms->Qtry);
  /* Q = U Qe U^T */
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) {
      double t = 0.0;
      for (size_t l = 0; l < d; ++l) t += ms->U[i * d + l] * Qe[l * d + j];
      ms->Qtry[i * d + j] = t;
    }
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j <= i; ++j) {
      double t = 0.0;
      for (size_t l = 0; l < d; ++l) t += ms->Qtry[i * d + l] * ms->U[j * d + l];
      Q[i * d + j] = t;
      Q[j * d + i] = t;
    }
  double val = INFINITY;
  for (size_t k = 0; k < r; ++k) val = fmin(val, spec_frob(Q, cols + k * dd, d));
  return val;
}

/* Second dual candidate for large p.  grad gamma_p (w_i / N)^{p-1} resolves
 * a tied top cluster only as well as the master resolves the eigenvalue
 * splitting (relative p * error), so also fit the p = inf dual on the
 * cluster (refine_dual, a density matrix Q1, which lies in K_p) and rescale
 * it to the boundary of K_p: Q1 / ||Q1||_{S_p*}, p* = p / (p - 1) (for a
 * rank-s Q1 = I_s / s this gains the factor s^{1/p}).  Keeps whichever of
 * Qm and the rescaled fit has the larger master dual value min_k <Q, S_k>.
 * Expects ms->w, ms->U of the final point.  Returns 0 or -1. */
static int large_p_dual(spec_master *ms, double p, const double *cols, size_t r,
                        const double *lambda, double *Qm) {
  const size_t d = ms->d, dd = d * d;
  double vs = INFINITY;
  for (size_t k = 0; k < r; ++k) vs = fmin(vs, spec_frob(Qm, cols + k * dd, d));
  rotate_columns(ms, cols, r);
  const double v1 = refine_dual(ms, 1, cols, r, lambda, ms->S);
  if (!(v1 > 0.0)) return 0;
  if (spec_eig_sym(&ms->eig, ms->S, ms->phi1, ms->hess) != 0) return -1;
  const double pstar = p / (p - 1.0);
  double top = 0.0, s = 0.0;
  for (size_t i = 0; i < d; ++i) top = fmax(top, fabs(ms->phi1[i]));
  if (!(top > 0.0)) return 0;
  for (size_t i = 0; i < d; ++i) s += pow(fabs(ms->phi1[i]) / top, pstar);
  /* Shrink by a few ulps so that rounding in the norm keeps Q inside K_p. */
  const double scale = (1.0 - 8 * DBL_EPSILON) / (top * pow(s, 1.0 / pstar));
  if (v1 * scale <= vs) return 0;
  for (size_t t = 0; t < dd; ++t) Qm[t] = scale * ms->S[t];
  return 0;
}

int spec_master_solve(spec_master *ms, const specot_gauge *g, const double *cols, size_t r,
                      double *lambda, double tol, double gap_hint, double *Qm, double *ub) {
  const size_t d = ms->d;
  smooth_fn f = {0, 0.0, 1.0, 0.0, 1.0};
  if (spec_gauge_is_trace(g, d)) {
    /* Linear master: all weight on the cheapest column. */
    size_t best = 0;
    double bv = INFINITY;
    for (size_t k = 0; k < r; ++k) {
      double tr = 0.0;
      for (size_t i = 0; i < d; ++i) tr += cols[k * d * d + i * d + i];
      if (tr < bv) {
        bv = tr;
        best = k;
      }
    }
    for (size_t k = 0; k < r; ++k) lambda[k] = k == best ? 1.0 : 0.0;
  } else if (!spec_gauge_is_nonsmooth(g, d) && g->p < SPEC_NORM_FORM_P) {
    f.p = g->p;
    if (newton_stage(ms, &f, cols, r, lambda, 1e-13, 200) != 0) return -1;
  } else if (!spec_gauge_is_nonsmooth(g, d)) {
    /* Large p: the power form (w/c)^p / p is too stiff for Newton; minimise
     * gamma_p itself with continuation in p (each stage warm-starts the
     * next, like the tau continuation below). */
    f.fermi = 2;
    for (double pj = SPEC_NORM_FORM_P;; pj *= 4.0) {
      f.p = fmin(pj, g->p);
      const int last = f.p >= g->p;
      if (newton_stage(ms, &f, cols, r, lambda, last ? 1e-12 : 1e-6, last ? 200 : 60) != 0)
        return -1;
      if (last) break;
    }
    f.fermi = 0;
  } else {
    f.fermi = 1;
    f.k = g->kind == SPECOT_GAUGE_KYFAN ? (double)g->k : 1.0;
    if (eval_point(ms, cols, r, lambda) != 0) return -1;
    const double cur = spec_gauge_from_eigs(g, ms->w, d);
    const double scale = fmax(cur, DBL_MIN);
    /* Smoothing bias <= tau d log 2; aim well below the outer tolerance. */
    const double tau_final = fmax(0.02 * tol * scale / ((double)d * log(2.0)), 1e-15 * scale);
    double tau = fmax(tau_final, fmin(0.05 * scale, fmax(gap_hint, 0.0)));
    for (;;) {
      f.tau = tau;
      const int last = tau <= tau_final;
      if (newton_stage(ms, &f, cols, r, lambda, last ? 1e-11 : 1e-6, last ? 200 : 60) != 0)
        return -1;
      if (last) break;
      tau = fmax(tau_final, 0.1 * tau);
    }
  }
  /* Dual matrix and value at the final lambda. */
  if (eval_point(ms, cols, r, lambda) != 0) return -1;
  *ub = spec_gauge_from_eigs(g, ms->w, d);
  if (f.fermi == 1) {
    phi_value(&f, ms->w, d, ms->phi1);
    spec_gauge_project_eigs(g, ms->phi1, d); /* exact membership in K */
    spec_from_eigs(d, ms->U, ms->phi1, Qm, ms->tmp);
    double vs = INFINITY;
    for (size_t k = 0; k < r; ++k) vs = fmin(vs, spec_frob(Qm, cols + k * d * d, d));
    rotate_columns(ms, cols, r);
    const size_t kk = g->kind == SPECOT_GAUGE_KYFAN ? g->k : 1;
    if (refine_dual(ms, kk, cols, r, lambda, ms->S) > vs) memcpy(Qm, ms->S, d * d * sizeof *Qm);
    return 0;
  }
  spec_gauge_lmo_eigs(g, ms->w, d, ms->phi1);
  spec_from_eigs(d, ms->U, ms->phi1, Qm, ms->tmp);
  if (g->kind == SPECOT_GAUGE_SCHATTEN && g->p >= SPEC_NORM_FORM_P && d > 1)
    return large_p_dual(ms, g->p, cols, r, lambda, Qm);
  return 0;
}
