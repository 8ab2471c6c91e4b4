/* Symmetric eigendecomposition and PSD matrix functions. */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "linalg_internal.h"

specot_status specot_linalg_sym_eig(specot_ctx *ctx, specot_linalg_ws *ws,
                                    const double *S, size_t d, double *lambda,
                                    double *evecs) {
  specot__ctx_reset(ctx);
  specot_status st = specot__linalg_check_matrix(ctx, "sym_eig", "S", S, d, d);
  if (st)
    return st;
  if (!lambda)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "sym_eig: output lambda is NULL");
  specot_linalg_ws *w, *owned;
  if ((st = specot__linalg_ws_get(ctx, "sym_eig", ws, d, d, &w, &owned)))
    return st;
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j)
      w->g1[i * d + j] = 0.5 * (S[i * d + j] + S[j * d + i]);
  st = specot__linalg_syev(ctx, w, w->g1, d, w->s, evecs != NULL);
  if (!st) {
    for (size_t k = 0; k < d; ++k)
      lambda[k] = w->s[d - 1 - k];
    if (evecs)
      for (size_t i = 0; i < d; ++i)
        for (size_t k = 0; k < d; ++k)
          evecs[i * d + k] = w->g1[(d - 1 - k) * d + i];
  }
  specot_linalg_ws_free(owned);
  return st;
}

void specot_linalg_psd_opts_init(specot_linalg_psd_opts *opts) {
  if (!opts)
    return;
  opts->sym_rtol = 1e-12;
  opts->neg_rtol = 1e-12;
  opts->range_rtol = SPECOT_LINALG_RTOL_DEFAULT;
}

specot_status specot_linalg_psd_power_ex(specot_ctx *ctx, specot_linalg_ws *ws,
                                         const double *S, size_t d,
                                         double power,
                                         const specot_linalg_psd_opts *opts,
                                         double *out) {
  specot__ctx_reset(ctx);
  specot_linalg_psd_opts o;
  specot_linalg_psd_opts_init(&o);
  if (opts)
    o = *opts;
  if (!isfinite(power))
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "psd_power: power = %g must be finite", power);
  if (!(o.sym_rtol >= 0.0) || !(o.neg_rtol >= 0.0) || isnan(o.range_rtol) ||
      o.range_rtol >= 1.0)
    return specot__fail(ctx, SPECOT_ERR_INVALID,
                        "psd_power: tolerances must be >= 0 (range_rtol < 1; "
                        "negative = default)");
  specot_status st =
      specot__linalg_check_matrix(ctx, "psd_power", "S", S, d, d);
  if (st)
    return st;
  if (!out)
    return specot__fail(ctx, SPECOT_ERR_INVALID, "psd_power: output is NULL");
  specot_linalg_ws *w, *owned;
  if ((st = specot__linalg_ws_get(ctx, "psd_power", ws, d, d, &w, &owned)))
    return st;
  double asym = 0.0;
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) {
      w->g1[i * d + j] = 0.5 * (S[i * d + j] + S[j * d + i]);
      asym = fmax(asym, fabs(S[i * d + j] - S[j * d + i]));
    }
  st = specot__linalg_syev(ctx, w, w->g1, d, w->s, 1);
  if (st)
    goto done;
  const double big = fmax(fabs(w->s[0]), fabs(w->s[d - 1]));
  if (asym > o.sym_rtol * big) {
    st = specot__fail(
        ctx, SPECOT_ERR_INVALID,
        "psd_power: S is not symmetric (max |S - S^T| = %g > %g * ||S||_2)",
        asym, o.sym_rtol);
    goto done;
  }
  if (w->s[0] < -o.neg_rtol * big) {
    st = specot__fail(ctx, SPECOT_ERR_INVALID,
                      "psd_power: S is not PSD (eigenvalue %g < -%g * ||S||_2)",
                      w->s[0], o.neg_rtol);
    goto done;
  }
  const double lmax = fmax(w->s[d - 1], 0.0);
  const double cut =
      (o.range_rtol < 0.0 ? DBL_EPSILON * (double)d : o.range_rtol) * lmax;
  for (size_t i = 0; i < d; ++i) {
    const double l = fmax(w->s[i], 0.0);
    double root; /* f(l)^{1/2} */
    if (power > 0.0)
      root = l > 0.0 ? pow(l, 0.5 * power) : 0.0;
    else if (power == 0.0)
      root = (lmax > 0.0 && l > cut) ? 1.0 : 0.0;
    else
      root = (lmax > 0.0 && l > cut) ? pow(l, 0.5 * power) : 0.0;
    w->s2[i] = root;
  }
  specot__linalg_spectral_fn(w->g1, w->s2, d, w->g2, w->g3);
  memcpy(out, w->g3, d * d * sizeof *out);
  if (!specot__linalg_all_finite(out, d * d))
    st = specot__fail(ctx, SPECOT_ERR_NUMERICAL,
                      "psd_power: non-finite result (power %g)", power);
done:
  specot_linalg_ws_free(owned);
  return st;
}

specot_status specot_linalg_psd_power(specot_ctx *ctx, specot_linalg_ws *ws,
                                      const double *S, size_t d, double power,
                                      double rtol, double *out) {
  specot_linalg_psd_opts o;
  specot_linalg_psd_opts_init(&o);
  o.range_rtol = rtol;
  return specot_linalg_psd_power_ex(ctx, ws, S, d, power, &o, out);
}

specot_status specot_linalg_psd_sqrt(specot_ctx *ctx, specot_linalg_ws *ws,
                                     const double *S, size_t d, double *out) {
  return specot_linalg_psd_power(ctx, ws, S, d, 0.5, SPECOT_LINALG_RTOL_DEFAULT,
                                 out);
}
