/*
 * examples/muon_direction.c — the Schatten-p steepest-descent directions of a
 * gradient matrix with specot's linear-algebra module.
 *
 * Build (after `make`):  cc -std=c11 examples/muon_direction.c -Iinclude \
 *     build/libspecot.a $(pkg-config --libs openblas lapacke sleef) -fopenmp -lm
 */
#include <math.h>
#include <stdio.h>

#include "specot/linalg.h"

int main(void) {
  enum { M = 3, N = 2 };
  const double G[M * N] = {1, 2, 3, 4, 5, 6}; /* spectral_w.md T9 */
  const double ps[] = {1.0, 2.0, INFINITY};
  double V[M * N], dual;

  specot_ctx *ctx = specot_ctx_alloc();
  specot_linalg_ws *ws = NULL;
  /* One workspace for every call on this shape: the calls below allocate nothing. */
  specot_status st = specot_linalg_ws_alloc(ctx, M, N, &ws);
  for (size_t k = 0; st == SPECOT_OK && k < sizeof ps / sizeof ps[0]; ++k) {
    st = specot_linalg_lmo(ctx, ws, G, M, N, ps[k], SPECOT_LINALG_RTOL_DEFAULT, V, &dual);
    if (st < 0) break;
    double pairing = 0.0;
    for (int i = 0; i < M * N; ++i) pairing += G[i] * V[i];
    printf("p = %-4g  <G, J_p(G)> = %.12f  (= -||G||_{S_q}^2 = %.12f)\n", ps[k], pairing,
           -dual * dual);
  }
  if (st < 0) fprintf(stderr, "error: %s\n", specot_ctx_errmsg(ctx));
  specot_linalg_ws_free(ws);
  specot_ctx_free(ctx);
  return st < 0 ? 1 : 0;
}
