/* The paper's attention teacher-student protocol (flows.h): torch float32 draws
 * reproduced with specot_torch_rng, then the objective in double precision. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flows_internal.h"

void specot_flow_attention_protocol_opts_init(specot_flow_attention_protocol_opts *opts,
                                              int regime) {
  opts->regime = regime;
  opts->run = 0;
  opts->qk_scale = regime == 1 ? 1.45 : 0.08;
  opts->vo_scale = 0.65;
  opts->init_scale = 0.16;
  opts->teacher_heads = 5;
  opts->n_train = 32;
  opts->n_test = 96;
  opts->tokens = 16;
  opts->token_dim = 4;
  opts->head_dim = 3;
  opts->data_seed = 123;
}

/* out[0..len) = fl32(scale * torch.randn(len, float32)), as torch scales a float tensor. */
static void scaled_randn(specot_torch_rng *g, double scale, double *out, size_t len, float *buf) {
  specot_torch_rng_randn_f32(g, buf, len);
  const float s = (float)scale;
  for (size_t i = 0; i < len; ++i) out[i] = (double)(s * buf[i]);
}

static specot_status check_opts(specot_ctx *ctx, const specot_flow_attention_protocol_opts *o,
                                size_t n) {
  if (n == 0 || o->teacher_heads == 0 || o->n_train == 0 || o->tokens == 0 || o->token_dim == 0 ||
      o->head_dim == 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "attention protocol: heads, sequences, tokens and dimensions must be "
                        "positive");
  if (o->regime < 0)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "attention protocol: regime %d is negative",
                        o->regime);
  const double sc[3] = {o->qk_scale, o->vo_scale, o->init_scale};
  for (int k = 0; k < 3; ++k)
    if (!(sc[k] >= 0.0) || !isfinite(sc[k]))
      return specot__fail(ctx, SPECOT_ERR_INVALID,
                          "attention protocol: scales must be finite and >= 0 (got %g)", sc[k]);
  const size_t big = (size_t)1 << 28;
  if (o->n_train > big || o->n_test > big || o->tokens > 65536 || o->token_dim > 4096 ||
      o->head_dim > 4096 || n > big || o->teacher_heads > big ||
      (double)(o->n_train + o->n_test) * (double)o->tokens * (double)o->token_dim > 1e9 ||
      (double)(n + o->teacher_heads) * 4.0 * (double)(o->head_dim * o->token_dim) > 1e9)
    return specot__fail(ctx, SPECOT_ERR_TOO_LARGE, "attention protocol: sizes too large");
  return SPECOT_OK;
}

specot_status specot_flow_attention_protocol(specot_ctx *ctx,
                                             const specot_flow_attention_protocol_opts *opts,
                                             size_t n, specot_flow_objective *obj, double *x0,
                                             double *teacher, double *z_test, double *y_test,
                                             double *effective_tokens) {
  specot__ctx_reset(ctx);
  specot_flow_attention_protocol_opts def;
  if (!opts) {
    specot_flow_attention_protocol_opts_init(&def, 0);
    opts = &def;
  }
  if (!obj) return specot__fail(ctx, SPECOT_ERR_INVALID, "attention protocol: NULL objective");
  memset(obj, 0, sizeof *obj);
  specot_status st = check_opts(ctx, opts, n);
  if (st) return st;
  const size_t m = opts->tokens, dt = opts->token_dim, dh = opts->head_dim, blk = dh * dt;
  const size_t d = 4 * blk, k = opts->teacher_heads;
  const size_t ltrain = opts->n_train * m * dt, ltest = opts->n_test * m * dt;
  size_t lmax = ltrain > ltest ? ltrain : ltest;
  if (n * d > lmax) lmax = n * d;
  if (k * blk > lmax) lmax = k * blk;
  double *z = specot__alloc_doubles(ltrain), *y = specot__alloc_doubles(ltrain);
  double *zt = specot__alloc_doubles(ltest + 1), *th = specot__alloc_doubles(k * d);
  float *buf = malloc(lmax * sizeof *buf);
  if (!z || !y || !zt || !th || !buf) {
    st = specot__fail(ctx, SPECOT_ERR_NOMEM, "attention protocol: out of memory");
    goto done;
  }
  specot_torch_rng g;
  /* torch.manual_seed(data_seed): Z_train = randn(N, m, dT), then Z_test = randn(96, m, dT) */
  specot_torch_rng_seed(&g, opts->data_seed);
  scaled_randn(&g, 1.0, z, ltrain, buf);
  scaled_randn(&g, 1.0, zt, ltest, buf);
  /* Teacher generator 7000 + 100 regime + run: Q, K (qk_scale), V, O (vo_scale), k x blk each,
   * concatenated per head as (Q, K, V, O). */
  specot_torch_rng_seed(&g, 7000u + 100u * (uint64_t)opts->regime + (uint64_t)opts->run);
  double *part = specot__alloc_doubles(k * blk);
  if (!part) {
    st = specot__fail(ctx, SPECOT_ERR_NOMEM, "attention protocol: out of memory");
    goto done;
  }
  for (size_t q = 0; q < 4; ++q) {
    scaled_randn(&g, q < 2 ? opts->qk_scale : opts->vo_scale, part, k * blk, buf);
    for (size_t h = 0; h < k; ++h) memcpy(th + h * d + q * blk, part + h * blk, blk * sizeof *part);
  }
  specot__free(part);
  if ((st = specot_flow_attention_predict(ctx, th, NULL, k, dt, dh, z, opts->n_train, m, y)))
    goto done;
  if (effective_tokens && (st = specot_flow_attention_effective_tokens(
                               ctx, th, k, dt, dh, z, opts->n_train, m, effective_tokens)))
    goto done;
  if (z_test && ltest) memcpy(z_test, zt, ltest * sizeof *zt);
  if (y_test && ltest &&
      (st = specot_flow_attention_predict(ctx, th, NULL, k, dt, dh, zt, opts->n_test, m, y_test)))
    goto done;
  if (teacher) memcpy(teacher, th, k * d * sizeof *th);
  if (x0) { /* student generator 1000 + run: X0 = init_scale randn(n, D) */
    specot_torch_rng_seed(&g, 1000u + (uint64_t)opts->run);
    scaled_randn(&g, opts->init_scale, x0, n * d, buf);
  }
  st = specot_flow_attention_alloc(ctx, z, y, opts->n_train, m, dt, dh, obj);
done:
  specot__free(z);
  specot__free(y);
  specot__free(zt);
  specot__free(th);
  free(buf);
  return st;
}
