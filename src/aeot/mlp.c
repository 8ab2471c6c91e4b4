/* A small MLP autoencoder dim -> H (tanh) -> k -> H (tanh) -> dim, trained
 * with Adam on minibatches; forward and backward passes are dgemm calls. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "specot/aeot.h"

void specot_aeot_mlp_opts_init(specot_aeot_mlp_opts *o) {
  o->hidden = 64, o->epochs = 150, o->batch = 64, o->lr = 2e-3, o->seed = 1;
}

/* Parameter layout inside mlp->w. */
typedef struct layout {
  double *W1, *b1, *W2, *b2, *W3, *b3, *W4, *b4;
} layout;

static size_t param_count(size_t dim, size_t H, size_t k) {
  return dim * H + H + H * k + k + k * H + H + H * dim + dim;
}

static layout split(double *w, size_t dim, size_t H, size_t k) {
  layout L;
  L.W1 = w, L.b1 = L.W1 + dim * H, L.W2 = L.b1 + H, L.b2 = L.W2 + H * k;
  L.W3 = L.b2 + k, L.b3 = L.W3 + k * H, L.W4 = L.b3 + H, L.b4 = L.W4 + H * dim;
  return L;
}

/* out (B x m) = act(in (B x p) W (p x m) + b). */
static void dense(const double *in, size_t B, size_t p, const double *W, const double *b, size_t m,
                  double *out, int tanh_act) {
  for (size_t i = 0; i < B; ++i) memcpy(out + i * m, b, m * sizeof *out);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)m, (int)p, 1.0, in, (int)p, W,
              (int)m, 1.0, out, (int)m);
  if (tanh_act)
    for (size_t i = 0; i < B * m; ++i) out[i] = tanh(out[i]);
}

/* Backward through out = act(in W + b): given dout (B x m), accumulates dW,
 * db and (if din) din = dpre W^T.  dout is overwritten by dpre. */
static void dense_back(const double *in, size_t B, size_t p, const double *W, size_t m,
                       const double *out, double *dout, int tanh_act, double *dW, double *db,
                       double *din) {
  if (tanh_act)
    for (size_t i = 0; i < B * m; ++i) dout[i] *= 1.0 - out[i] * out[i];
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)m, (int)B, 1.0, in, (int)p,
              dout, (int)m, 0.0, dW, (int)m);
  for (size_t j = 0; j < m; ++j) db[j] = 0.0;
  for (size_t i = 0; i < B; ++i)
    for (size_t j = 0; j < m; ++j) db[j] += dout[i * m + j];
  if (din)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)p, (int)m, 1.0, dout, (int)m,
                W, (int)m, 0.0, din, (int)p);
}

void specot_aeot_mlp_free(specot_aeot_mlp *mlp) {
  if (!mlp) return;
  free(mlp->w);
  memset(mlp, 0, sizeof *mlp);
}

specot_status specot_aeot_mlp_fit(specot_ctx *ctx, size_t n, size_t dim, const double *X, size_t k,
                                  const specot_aeot_mlp_opts *opts, specot_aeot_mlp *mlp) {
  specot__ctx_reset(ctx);
  specot_aeot_mlp_opts def;
  if (!opts) specot_aeot_mlp_opts_init(&def), opts = &def;
  if (!mlp || !X) return specot__fail(ctx, SPECOT_ERR_INVALID, "mlp: NULL argument");
  memset(mlp, 0, sizeof *mlp);
  const size_t H = opts->hidden, B = opts->batch < n ? opts->batch : n;
  if (n == 0 || dim == 0 || k == 0 || H == 0 || B == 0 || opts->epochs == 0 ||
      !(opts->lr > 0 && isfinite(opts->lr)) || dim > 100000 || H > 100000 || k > 100000)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "mlp: need samples, dim, k, hidden, batch, epochs > 0 and lr > 0 (n = %zu)",
                        n);
  if (!specot__all_finite(X, n * dim))
    return specot__fail(ctx, SPECOT_ERR_INVALID, "mlp: non-finite data");
  const size_t P = param_count(dim, H, k);
  const size_t act = B * (dim + H + k + H + dim) * 2;
  double *w = malloc(P * sizeof *w), *mem = malloc((3 * P + act) * sizeof *mem);
  size_t *perm = malloc(n * sizeof *perm);
  if (!w || !mem || !perm) {
    free(w), free(mem), free(perm);
    return specot__fail(ctx, SPECOT_ERR_NOMEM, "mlp: out of memory");
  }
  double *grad = mem, *m1 = grad + P, *m2 = m1 + P, *Xb = m2 + P, *A1 = Xb + B * dim,
         *Z = A1 + B * H;
  double *A3 = Z + B * k, *Out = A3 + B * H, *d4 = Out + B * dim, *d3 = d4 + B * dim,
         *dz = d3 + B * H;
  double *d1 = dz + B * k;
  specot_rng rng;
  specot_rng_seed(&rng, opts->seed);
  layout L = split(w, dim, H, k), G = split(grad, dim, H, k);
  const size_t fan[4][2] = {{dim, H}, {H, k}, {k, H}, {H, dim}};
  double *Ws[4] = {L.W1, L.W2, L.W3, L.W4}, *bs[4] = {L.b1, L.b2, L.b3, L.b4};
  for (int l = 0; l < 4; ++l) { /* Glorot uniform, zero biases */
    const double a = sqrt(6.0 / (double)(fan[l][0] + fan[l][1]));
    specot_rng_fill_uniform(&rng, Ws[l], fan[l][0] * fan[l][1], -a, a);
    memset(bs[l], 0, fan[l][1] * sizeof *bs[l]);
  }
  memset(m1, 0, 2 * P * sizeof *m1);
  for (size_t i = 0; i < n; ++i) perm[i] = i;
  double b1t = 1.0, b2t = 1.0, loss = 0.0;
  specot_status st = SPECOT_OK;
  for (size_t ep = 0; ep < opts->epochs && !st; ++ep) {
    for (size_t i = n; i > 1; --i) {
      const size_t j = (size_t)specot_rng_below(&rng, i), t = perm[i - 1];
      perm[i - 1] = perm[j], perm[j] = t;
    }
    loss = 0.0;
    for (size_t s = 0; s + B <= n; s += B) {
      for (size_t r = 0; r < B; ++r) memcpy(Xb + r * dim, X + perm[s + r] * dim, dim * sizeof *Xb);
      dense(Xb, B, dim, L.W1, L.b1, H, A1, 1);
      dense(A1, B, H, L.W2, L.b2, k, Z, 0);
      dense(Z, B, k, L.W3, L.b3, H, A3, 1);
      dense(A3, B, H, L.W4, L.b4, dim, Out, 0);
      for (size_t i = 0; i < B * dim; ++i) {
        const double e = Out[i] - Xb[i];
        loss += e * e;
        d4[i] = 2.0 * e / (double)(B * dim);
      }
      dense_back(A3, B, H, L.W4, dim, Out, d4, 0, G.W4, G.b4, d3);
      dense_back(Z, B, k, L.W3, H, A3, d3, 1, G.W3, G.b3, dz);
      dense_back(A1, B, H, L.W2, k, Z, dz, 0, G.W2, G.b2, d1);
      dense_back(Xb, B, dim, L.W1, H, A1, d1, 1, G.W1, G.b1, NULL);
      b1t *= 0.9, b2t *= 0.999;
      for (size_t p = 0; p < P; ++p) {
        m1[p] = 0.9 * m1[p] + 0.1 * grad[p];
        m2[p] = 0.999 * m2[p] + 0.001 * grad[p] * grad[p];
        w[p] -= opts->lr * (m1[p] / (1.0 - b1t)) / (sqrt(m2[p] / (1.0 - b2t)) + 1e-8);
      }
    }
    loss /= (double)((n / B) * B * dim);
    if (!isfinite(loss))
      st = specot__fail(ctx, SPECOT_ERR_NUMERICAL, "mlp: training loss is not finite at epoch %zu",
                        ep);
  }
  free(mem), free(perm);
  if (st) {
    free(w);
    return st;
  }
  mlp->dim = dim, mlp->hidden = H, mlp->k = k, mlp->w = w, mlp->loss = loss;
  return SPECOT_OK;
}

/* Runs layers [first, last] of the network on n rows in blocks of 256. */
static specot_status run_layers(specot_ctx *ctx, const specot_aeot_mlp *mlp, size_t n,
                                const double *in, double *out, int encode) {
  const size_t dim = mlp->dim, H = mlp->hidden, k = mlp->k, Bm = 256;
  layout L = split(mlp->w, dim, H, k);
  double *tmp = malloc(Bm * H * sizeof *tmp);
  if (!tmp) return specot__fail(ctx, SPECOT_ERR_NOMEM, "mlp: out of memory");
  const size_t pin = encode ? dim : k, pout = encode ? k : dim;
  for (size_t s = 0; s < n; s += Bm) {
    const size_t B = n - s < Bm ? n - s : Bm;
    if (encode) {
      dense(in + s * pin, B, dim, L.W1, L.b1, H, tmp, 1);
      dense(tmp, B, H, L.W2, L.b2, k, out + s * pout, 0);
    } else {
      dense(in + s * pin, B, k, L.W3, L.b3, H, tmp, 1);
      dense(tmp, B, H, L.W4, L.b4, dim, out + s * pout, 0);
    }
  }
  free(tmp);
  return SPECOT_OK;
}

specot_status specot_aeot_mlp_encode(specot_ctx *ctx, const specot_aeot_mlp *mlp, size_t n,
                                     const double *X, double *Z) {
  specot__ctx_reset(ctx);
  return run_layers(ctx, mlp, n, X, Z, 1);
}

specot_status specot_aeot_mlp_decode(specot_ctx *ctx, const specot_aeot_mlp *mlp, size_t n,
                                     const double *Z, double *X) {
  specot__ctx_reset(ctx);
  return run_layers(ctx, mlp, n, Z, X, 0);
}
