/* The discrete Muon optimizer step (Keller Jordan / torch / Moonlight
 * conventions), the Gaussian covariance closure and the reduced sphere flow. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flows_internal.h"
#include "specot/linalg.h"

struct specot_muon_ws {
  size_t rows, cols;
  double *U, *O;
  specot_linalg_ws *lws;
};

void specot_muon_opts_init(specot_muon_opts *opts, specot_muon_convention convention) {
  memset(opts, 0, sizeof *opts);
  opts->beta = 0.95;
  opts->nesterov = 1;
  opts->ortho = SPECOT_MUON_ORTHO_NS5;
  opts->ns_steps = 5;
  opts->eps = 1e-2;
  opts->momentum = SPECOT_MUON_MOMENTUM_EMA;
  switch (convention) {
    case SPECOT_MUON_TORCH:
      opts->lr = 1e-3;
      opts->weight_decay = 0.1;
      opts->scale = SPECOT_MUON_SCALE_ORIGINAL;
      break;
    case SPECOT_MUON_TORCH_MATCH_RMS:
      opts->lr = 1e-3;
      opts->weight_decay = 0.1;
      opts->scale = SPECOT_MUON_SCALE_RMS;
      break;
    case SPECOT_MUON_MOONLIGHT:
      opts->lr = 1e-3;
      opts->weight_decay = 0.1;
      opts->momentum = SPECOT_MUON_MOMENTUM_SUM;
      opts->scale = SPECOT_MUON_SCALE_RMS;
      break;
    default: /* SPECOT_MUON_KJ */
      opts->lr = 0.02;
      opts->weight_decay = 0.0;
      opts->scale = SPECOT_MUON_SCALE_ORIGINAL;
      break;
  }
}

void specot_muon_ws_free(specot_muon_ws *ws) {
  if (!ws) return;
  specot__free(ws->U);
  specot__free(ws->O);
  specot_linalg_ws_free(ws->lws);
  free(ws);
}

specot_status specot_muon_ws_alloc(specot_ctx *ctx, size_t rows, size_t cols, specot_muon_ws **out) {
  specot__ctx_reset(ctx);
  if (!out) return specot__fail(ctx, SPECOT_ERR_INVALID, "muon: NULL workspace pointer");
  *out = NULL;
  if (rows == 0 || cols == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "muon: empty matrix %zu x %zu", rows, cols);
  size_t len;
  if (specot__mul_size(rows, cols, &len) != 0 || rows > SPECOT__BLAS_INT_MAX || cols > SPECOT__BLAS_INT_MAX)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "muon: %zu x %zu matrix is too large", rows, cols);
  specot_muon_ws *ws = calloc(1, sizeof *ws);
  if (!ws) return specot__fail(ctx, SPECOT_ERR_NOMEM, "muon: out of memory");
  ws->rows = rows;
  ws->cols = cols;
  ws->U = specot__alloc_doubles(len);
  ws->O = specot__alloc_doubles(len);
  if (!ws->U || !ws->O) {
    specot_muon_ws_free(ws);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "muon: out of memory");
  }
  specot_status st = specot_linalg_ws_alloc(ctx, rows, cols, &ws->lws);
  if (st) {
    specot_muon_ws_free(ws);
    return st;
  }
  *out = ws;
  return SPECOT_OK;
}

static specot_status check_muon_opts(specot_ctx *ctx, const specot_muon_opts *o) {
  if (!(o->lr > 0.0) || !isfinite(o->lr))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "muon: lr = %g must be positive and finite", o->lr);
  if (!(o->beta >= 0.0 && o->beta < 1.0))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "muon: beta = %g must be in [0, 1)", o->beta);
  if (!(o->weight_decay >= 0.0) || !isfinite(o->weight_decay))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "muon: weight_decay = %g must be >= 0", o->weight_decay);
  if (o->momentum != SPECOT_MUON_MOMENTUM_EMA && o->momentum != SPECOT_MUON_MOMENTUM_SUM)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "muon: unknown momentum form %d", (int)o->momentum);
  if (o->scale < SPECOT_MUON_SCALE_NONE || o->scale > SPECOT_MUON_SCALE_RMS)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "muon: unknown shape scaling %d", (int)o->scale);
  if (o->ortho < SPECOT_MUON_ORTHO_NS5 || o->ortho > SPECOT_MUON_ORTHO_REGULARIZED)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "muon: unknown orthogonalization %d", (int)o->ortho);
  if (o->ns_steps < 1 || o->ns_steps >= 100)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "muon: ns_steps = %d must be in [1, 100)", o->ns_steps);
  if (o->ortho == SPECOT_MUON_ORTHO_REGULARIZED && (!(o->eps > 0.0) || !isfinite(o->eps)))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "muon: eps = %g must be positive and finite", o->eps);
  return SPECOT_OK;
}

specot_status specot_muon_step(specot_ctx *ctx, const specot_muon_opts *opts, specot_muon_ws *ws,
                               size_t rows, size_t cols, double *W, double *M, const double *G,
                               double *update) {
  specot__ctx_reset(ctx);
  specot_muon_opts def;
  if (!opts) {
    specot_muon_opts_init(&def, SPECOT_MUON_KJ);
    opts = &def;
  }
  if (!ws || !W || !M || !G) return specot__fail(ctx, SPECOT_ERR_INVALID, "muon: NULL argument");
  if (rows != ws->rows || cols != ws->cols)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "muon: matrix is %zu x %zu but the workspace is for %zu x %zu",
                        rows, cols, ws->rows, ws->cols);
  specot_status st = check_muon_opts(ctx, opts);
  if (st) return st;
  const size_t len = rows * cols;
  if ((st = flows_check_finite(ctx, G, len, "muon gradient G"))) return st;
  if ((st = flows_check_finite(ctx, M, len, "muon momentum M"))) return st;
  if ((st = flows_check_finite(ctx, W, len, "muon weights W"))) return st;
  const double beta = opts->beta;
  const int ema = opts->momentum == SPECOT_MUON_MOMENTUM_EMA;
  const double gm = ema ? 1.0 - beta : 1.0; /* weight of G in M and in the look-ahead */
  for (size_t k = 0; k < len; ++k) {
    M[k] = beta * M[k] + gm * G[k];
    ws->U[k] = opts->nesterov ? gm * G[k] + beta * M[k] : M[k];
  }
  switch (opts->ortho) {
    case SPECOT_MUON_ORTHO_NS5: {
      specot_linalg_ns_opts ns;
      specot_linalg_ns_opts_init(&ns);
      ns.schedule = SPECOT_LINALG_NS_KJ5;
      ns.steps = (size_t)opts->ns_steps;
      ns.norm_eps = 0.0;
      st = specot_linalg_newton_schulz(ctx, ws->lws, ws->U, rows, cols, &ns, ws->O);
      break;
    }
    case SPECOT_MUON_ORTHO_POLAR:
      st = specot_linalg_polar(ctx, ws->lws, ws->U, rows, cols, NULL, ws->O, NULL);
      break;
    default:
      st = specot_linalg_reg_polar(ctx, ws->lws, ws->U, rows, cols, opts->eps, ws->O, NULL);
      break;
  }
  if (st) return st;
  double s = 1.0;
  if (opts->scale == SPECOT_MUON_SCALE_ORIGINAL)
    s = sqrt(fmax(1.0, (double)rows / (double)cols));
  else if (opts->scale == SPECOT_MUON_SCALE_RMS)
    s = 0.2 * sqrt((double)(rows > cols ? rows : cols));
  const double decay = 1.0 - opts->lr * opts->weight_decay, step = opts->lr * s;
  for (size_t k = 0; k < len; ++k) W[k] = W[k] * decay - step * ws->O[k];
  if (update) memcpy(update, ws->O, len * sizeof *update);
  return SPECOT_OK;
}

/* ------------------------------------------------------- Gaussian closure */

specot_status specot_flow_gaussian_covariance_rhs(specot_ctx *ctx, const double *sigma,
                                                  const double *h, size_t d, double p, double *out) {
  specot__ctx_reset(ctx);
  if (!sigma || !h || !out) return specot__fail(ctx, SPECOT_ERR_INVALID, "covariance_rhs: NULL argument");
  if (d == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "covariance_rhs: d = 0");
  if (isnan(p) || p < 1.0) return specot__fail(ctx, SPECOT_ERR_INVALID, "covariance_rhs: p = %g must be in [1, inf]", p);
  if (d > 46340) return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "covariance_rhs: d = %zu is too large", d);
  specot_status st = flows_check_finite(ctx, h, d * d, "covariance_rhs force matrix H");
  if (st) return st;
  double *root = specot__alloc_doubles(3 * d * d);
  if (!root) return specot__fail(ctx, SPECOT_ERR_NOMEM, "covariance_rhs: out of memory");
  double *hr = root + d * d, *b = hr + d * d;
  if ((st = specot_linalg_psd_sqrt(ctx, NULL, sigma, d, root))) {
    specot__free(root);
    return st;
  }
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) {
      double s = 0.0;
      for (size_t k = 0; k < d; ++k) s += h[i * d + k] * root[k * d + j];
      hr[i * d + j] = s;
    }
  /* Finite H and Sigma can still overflow in H Sigma^{1/2}: name that here
   * rather than letting the LMO report a non-finite argument of its own. */
  if (!specot__all_finite(hr, d * d)) {
    specot__free(root);
    return specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                        "covariance_rhs: H Sigma^{1/2} overflows (entries of H or Sigma too large)");
  }
  if ((st = specot_linalg_lmo(ctx, NULL, hr, d, d, p, SPECOT_LINALG_RTOL_DEFAULT, b, NULL))) {
    specot__free(root);
    return st;
  }
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) {
      double s = 0.0;
      for (size_t k = 0; k < d; ++k) s += b[i * d + k] * root[k * d + j]; /* (B R)_ij, R symmetric */
      hr[i * d + j] = s;
    }
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) out[i * d + j] = hr[i * d + j] + hr[j * d + i];
  specot__free(root);
  return SPECOT_OK;
}

/* ------------------------------------------------------ reduced sphere flow */

specot_status specot_flow_sphere_rhs(specot_ctx *ctx, const specot_flow_objective *obj, double p,
                                     const double *m, const double *omega, size_t n, size_t d,
                                     double *dm, double *domega) {
  specot__ctx_reset(ctx);
  if (!obj || !obj->eval || !m || !omega || !dm || !domega)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "sphere_rhs: NULL argument");
  if (n == 0 || d == 0) return specot__fail(ctx, SPECOT_ERR_INVALID, "sphere_rhs: empty system");
  if (isnan(p) || p < 1.0) return specot__fail(ctx, SPECOT_ERR_INVALID, "sphere_rhs: p = %g must be in [1, inf]", p);
  size_t nd;
  if (specot__mul_size(n, d, &nd) != 0 || nd > SIZE_MAX / 32)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "sphere_rhs: size overflow");
  double msum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    if (!(m[i] > 0.0) || !isfinite(m[i]))
      return specot__fail(ctx, SPECOT_ERR_INVALID, "sphere_rhs: mass m[%zu] = %g must be positive", i, m[i]);
    double r2 = 0.0;
    for (size_t k = 0; k < d; ++k) r2 += omega[i * d + k] * omega[i * d + k];
    if (!(fabs(r2 - 1.0) <= 1e-10))
      return specot__fail(ctx, SPECOT_ERR_INVALID, "sphere_rhs: direction %zu has norm^2 %.17g, not 1", i, r2);
    msum += m[i];
  }
  double *g = specot__alloc_doubles(3 * nd);
  if (!g) return specot__fail(ctx, SPECOT_ERR_NOMEM, "sphere_rhs: out of memory");
  double *gw = g + nd, *v = gw + nd;
  double energy = 0.0;
  specot_status st = obj->eval(obj->model, ctx, omega, m, n, d, &energy, g);
  if (!st) {
    for (size_t i = 0; i < n; ++i) {
      const double s = sqrt(m[i] / msum);
      for (size_t k = 0; k < d; ++k) gw[i * d + k] = s * g[i * d + k];
    }
    st = specot_linalg_lmo(ctx, NULL, gw, n, d, p, SPECOT_LINALG_RTOL_DEFAULT, v, NULL);
  }
  if (!st) {
    for (size_t i = 0; i < n; ++i) {
      const double s = 1.0 / sqrt(m[i] / msum);
      double b = 0.0;
      for (size_t k = 0; k < d; ++k) {
        v[i * d + k] *= s;
        b += omega[i * d + k] * v[i * d + k];
      }
      dm[i] = 2.0 * b * m[i];
      for (size_t k = 0; k < d; ++k) domega[i * d + k] = v[i * d + k] - b * omega[i * d + k];
    }
  }
  specot__free(g);
  return st;
}
