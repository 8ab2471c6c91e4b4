/* Refined Gram route: spectral functions J = A f(A^T A) of a well-conditioned
 * matrix (polar factor, Schatten LMO) to about DBL_EPSILON * cond(A), at the
 * cost of GEMMs and one small-side eigendecomposition.
 *
 * The plain Gram route evaluates f on the computed eigendecomposition
 * A^T A ~ W diag(lambda) W^T.  Rounding in A^T A is ~ eps sigma_1^2 in every
 * entry, so small eigenvalues (and f there) carry relative errors
 * ~ eps cond^2.  The refinement measures that error accurately: with
 * d = sqrt(lambda) and the preconditioned matrix B = A W D^{-1} (columns
 * nearly orthonormal, computed with relative error ~ eps cond),
 *
 *   Delta = B^T B - I = D^{-1} (W^T A^T A W - diag(lambda)) D^{-1}
 *
 * is the eigen-residual of A^T A in the basis W, scaled; dsyrk on B gets it
 * with ABSOLUTE error ~ eps (no cancellation, since B is nearly orthogonal),
 * while |Delta| itself is ~ eps cond^2.  With E = D Delta D the exact Gram
 * matrix is W (diag(lambda) + E) W^T, and the Daleckii–Krein formula gives
 *
 *   f(A^T A) = W (diag(f(lambda'_l)) + [f[lambda_l, lambda_k] E_lk]_{l!=k}) W^T
 *              + O(|f''| |E|^2),
 *
 * lambda'_l = lambda_l (1 + Delta_ll) the first-order eigenvalues (singular
 * values s_l = d_l sqrt(1 + Delta_ll), relative error ~ eps cond) and
 * f[x, y] = (f(x) - f(y)) / (x - y) the divided difference (f'(x) at x = y).
 * Finally J = A W M W^T = B (D M W^T): two more GEMMs.  The neglected term is
 * ~ (q |Delta|)^2 relative, below 1e-18 for cond <= 1e3.  The route thus
 * computes the exact J of a matrix within ~ eps ||A|| of A, as the SVD does.
 *
 * For m < n everything is applied to A^T (small side = rows).
 * Cost: 2 M k r (B) + M r^2 (dsyrk) + 2 k r^2 (D M W^T) + 2 M k r (J) flops,
 * k = min(m, n), M = max(m, n), r retained eigenpairs. */
#include <cblas.h>
#include <math.h>

#include "linalg_internal.h"

void specot__linalg_gram_refine(specot_linalg_ws *ws, size_t m, size_t n,
                                size_t r, double *sv) {
  const size_t k = m < n ? m : n, off = k - r;
  const int M = (int)m, N = (int)n, K = (int)k, R = (int)r;
  /* Ys = D^{-1} W_r^T (r x k), the top r eigenvectors (rows off..k-1 of g1)
   * divided by d_l = sqrt(lambda_l). */
  double *Ys = ws->g3, *Wt = ws->g1 + off * k, *B = ws->u, *Delta = ws->g2;
  for (size_t l = 0; l < r; ++l) {
    const double inv = 1.0 / sqrt(ws->s[off + l]);
    for (size_t i = 0; i < k; ++i)
      Ys[l * k + i] = inv * Wt[l * k + i];
  }
  if (m >= n) {
    /* B = A Ys^T (m x r, ld r); Delta = B^T B. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, R, N, 1.0, ws->a, N,
                Ys, K, 0.0, B, R);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, R, M, 1.0, B, R, 0.0,
                Delta, R);
  } else {
    /* B^T = Ys A (r x n, ld n); Delta = B^T B. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, N, M, 1.0, Ys, K,
                ws->a, N, 0.0, B, N);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, R, N, 1.0, B, N, 0.0,
                Delta, R);
  }
  for (size_t l = 0; l < r; ++l) {
    for (size_t j = l + 1; j < r; ++j)
      Delta[j * r + l] = Delta[l * r + j];
    Delta[l * r + l] -= 1.0;
    /* 1 + Delta_ll = |b_l|^2 >= 0; it is ~1 whenever the route is taken. */
    sv[l] = sqrt(ws->s[off + l]) * sqrt(fmax(1.0 + Delta[l * r + l], 0.0));
  }
}

/* Divided difference f[x, y] of f(t) = c t^a from fx = f(x), fy = f(y)
 * (x, y > 0, x != y).  Far apart the quotient loses at most a few digits
 * (and it only multiplies the O(eps cond^2) residual).  Close together,
 * f[x, y] = f(b) ((o/b)^a - 1) / (o - b) with b the argument of the larger
 * of fx, fy (so (o/b)^a <= 1 cannot overflow), evaluated with expm1/log1p. */
static double divided_power(double x, double y, double fx, double fy,
                            double a) {
  const int bx = fx >= fy;
  const double b = bx ? x : y, o = bx ? y : x, fb = bx ? fx : fy;
  const double u = (o - b) / b;
  if (fabs(u) > 0.5)
    return (fx - fy) / (x - y);
  return u == 0.0 ? fb * a / b : fb * expm1(a * log1p(u)) / (o - b);
}

void specot__linalg_gram_apply(specot_linalg_ws *ws, size_t m, size_t n,
                               size_t r, const double *sv, const double *phi,
                               double a, double alpha, double *out,
                               size_t ldo) {
  const size_t k = m < n ? m : n, off = k - r;
  const int M = (int)m, N = (int)n, K = (int)k, R = (int)r;
  const double *Delta = ws->g2, *Wt = ws->g1 + off * k;
  double *DM = ws->g4, *T = ws->g3;
  /* DM_lk = d_l M_lk with M = diag(phi) + [f[l', k'] d_l d_k Delta_lk]. */
  double *d = ws->t2; /* d_l = sqrt(lambda_l) */
  for (size_t l = 0; l < r; ++l)
    d[l] = sqrt(ws->s[off + l]);
  for (size_t l = 0; l < r; ++l) {
    const double dl = d[l];
    const double xl = sv[l] * sv[l];
    for (size_t j = 0; j < r; ++j) {
      double v;
      if (j == l) {
        v = phi[l];
      } else {
        const double dj = d[j];
        /* For a = -1/2 (polar, p = inf), f = c / s and
         * f[x, y] = -c / (s_x s_y (s_x + s_y)) exactly; c = phi_l s_l. */
        const double dd =
            a == -0.5 ? -phi[l] / (sv[j] * (sv[l] + sv[j]))
                      : divided_power(xl, sv[j] * sv[j], phi[l], phi[j], a);
        v = dd * dl * dj * Delta[l * r + j];
      }
      DM[l * r + j] = dl * v;
    }
  }
  /* T = DM W_r^T (r x k). */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, K, R, 1.0, DM, R,
              Wt, K, 0.0, T, K);
  if (m >= n)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, R, alpha,
                ws->u, R, T, K, 0.0, out, (int)ldo);
  else
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, M, N, R, alpha, T, K,
                ws->u, N, 0.0, out, (int)ldo);
}
