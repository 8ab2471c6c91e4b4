/* Schatten LMO: published values (spectral_w.md T9, muon.md 4.4), Fenchel
 * identities on random inputs, invariances, cut-offs, particles, blocks. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "linalg_test_util.h"

static const double G32[6] = {1, 2, 3, 4, 5, 6};

static void test_t9_values(void **state) {
  (void)state;
  double V[6], dual;
  assert_int_equal(specot_linalg_lmo(NULL, NULL, G32, 3, 2, 1.0, -1, V, &dual),
                   SPECOT_OK);
  for (int i = 0; i < 6; ++i)
    assert_close(V[i], -G32[i], 0, 0);
  assert_close(lt_dot(G32, V, 6), -91.0, 1e-14, 0);
  const double J2[6] = {1.151434776045,  -3.726753089225, -2.441326698929,
                        -4.505690664918, -6.034088173902, -5.284628240611};
  assert_int_equal(specot_linalg_lmo(NULL, NULL, G32, 3, 2, 2.0, -1, V, &dual),
                   SPECOT_OK);
  assert_all_close(V, J2, 6, 1e-11, 1e-11);
  assert_close(lt_dot(G32, V, 6), -93.527024472044, 1e-12, 0);
  assert_close(dual * dual, 93.527024472044, 1e-12, 0);
  const double Jinf[6] = {5.531972647422,  -7.30722777603,  -1.367006838145,
                          -5.632993161855, -8.265986323711, -3.958758547681};
  assert_int_equal(
      specot_linalg_lmo(NULL, NULL, G32, 3, 2, INFINITY, -1, V, &dual),
      SPECOT_OK);
  assert_all_close(V, Jinf, 6, 1e-11, 1e-11);
  assert_close(lt_dot(G32, V, 6), -100.797958971133, 1e-12, 0);
  assert_close(dual, lt_schatten(G32, 3, 2, 1.0), 1e-14, 0);
}

static void test_diagonal_values(void **state) {
  (void)state;
  const double G[6] = {3, 0, 0, 1, 0, 0}; /* 3 x 2 */
  double V[6];
  assert_int_equal(specot_linalg_lmo(NULL, NULL, G, 3, 2, 2.0, -1, V, NULL),
                   SPECOT_OK);
  const double J2[6] = {-3.328675986493, 0, 0, -2.307975023895, 0, 0};
  assert_all_close(V, J2, 6, 1e-11, 1e-13);
  assert_int_equal(
      specot_linalg_lmo(NULL, NULL, G, 3, 2, INFINITY, -1, V, NULL), SPECOT_OK);
  const double Ji[6] = {-4, 0, 0, -4, 0, 0};
  assert_all_close(V, Ji, 6, 1e-14, 1e-14);
  /* 2 x 2 diag(3,1): J_inf = -4 I, J_2 = -diag(3.328676, 2.307975). */
  const double D[4] = {3, 0, 0, 1};
  double W[4];
  assert_int_equal(
      specot_linalg_lmo(NULL, NULL, D, 2, 2, INFINITY, -1, W, NULL), SPECOT_OK);
  assert_close(W[0], -4, 1e-14, 0);
  assert_close(W[3], -4, 1e-14, 0);
  assert_close(W[1], 0, 0, 1e-15);
  /* p = 1/2: diag(3,3,1) -> diag(-1.5,-1.5,0) (toolbox). */
  const double T[9] = {3, 0, 0, 0, 3, 0, 0, 0, 1};
  double X[9];
  assert_int_equal(specot_linalg_lmo(NULL, NULL, T, 3, 3, 0.5, -1, X, NULL),
                   SPECOT_OK);
  const double Xe[9] = {-1.5, 0, 0, 0, -1.5, 0, 0, 0, 0};
  assert_all_close(X, Xe, 9, 1e-14, 1e-14);
  /* Rank one: J_p(G) = -G for every p. */
  const double R[9] = {3, 0, 0, 0, 0, 0, 0, 0, 0};
  const double ps[] = {0.5, 0.75, 1.5, 2, 4, INFINITY};
  for (size_t i = 0; i < sizeof ps / sizeof ps[0]; ++i) {
    assert_int_equal(specot_linalg_lmo(NULL, NULL, R, 3, 3, ps[i], -1, X, NULL),
                     SPECOT_OK);
    for (int j = 0; j < 9; ++j)
      assert_close(X[j], -R[j], 1e-14, 1e-15);
  }
}

static void test_selection_and_cutoff(void **state) {
  (void)state;
  double V[4];
  const double D0[4] = {1, 0, 0, 0}, De[4] = {1, 0, 0, 1e-6},
               Dt[4] = {1, 0, 0, 1e-10};
  assert_int_equal(
      specot_linalg_lmo(NULL, NULL, D0, 2, 2, INFINITY, -1, V, NULL),
      SPECOT_OK);
  assert_close(V[0], -1, 1e-15, 0);
  assert_close(V[3], 0, 0, 0);
  assert_int_equal(
      specot_linalg_lmo(NULL, NULL, De, 2, 2, INFINITY, -1, V, NULL),
      SPECOT_OK);
  assert_close(V[0], -(1 + 1e-6), 1e-15, 0);
  assert_close(V[3], -(1 + 1e-6), 1e-15, 0);
  /* rtol = 1e-8 drops sigma = 1e-10; rtol = 0 keeps it. */
  assert_int_equal(
      specot_linalg_lmo(NULL, NULL, Dt, 2, 2, INFINITY, 1e-8, V, NULL),
      SPECOT_OK);
  assert_close(V[0], -1, 1e-15, 0);
  assert_close(V[3], 0, 0, 0);
  assert_int_equal(
      specot_linalg_lmo(NULL, NULL, Dt, 2, 2, INFINITY, 0.0, V, NULL),
      SPECOT_OK);
  assert_close(V[3], -(1 + 1e-10), 1e-15, 0);
  /* p = 1/2 ties within rtol are averaged. */
  const double Tie[4] = {2, 0, 0, 2 - 1e-9};
  assert_int_equal(specot_linalg_lmo(NULL, NULL, Tie, 2, 2, 0.5, 1e-6, V, NULL),
                   SPECOT_OK);
  assert_close(V[0], -1, 1e-15, 0);
  assert_close(V[3], -1, 1e-15, 0);
  assert_int_equal(specot_linalg_lmo(NULL, NULL, Tie, 2, 2, 0.5, 0.0, V, NULL),
                   SPECOT_OK);
  assert_close(V[0], -2, 1e-15, 0);
  assert_close(V[3], 0, 0, 0);
  /* Zero input gives zero output. */
  const double Z[6] = {0};
  double W[6] = {1, 1, 1, 1, 1, 1}, dual = -1;
  assert_int_equal(specot_linalg_lmo(NULL, NULL, Z, 2, 3, 2.0, -1, W, &dual),
                   SPECOT_OK);
  for (int i = 0; i < 6; ++i)
    assert_close(W[i], 0, 0, 0);
  assert_close(dual, 0, 0, 0);
  /* In place: V may alias G. */
  double A[6] = {1, 2, 3, 4, 5, 6}, B[6];
  assert_int_equal(specot_linalg_lmo(NULL, NULL, A, 3, 2, 3.0, -1, B, NULL),
                   SPECOT_OK);
  assert_int_equal(specot_linalg_lmo(NULL, NULL, A, 3, 2, 3.0, -1, A, NULL),
                   SPECOT_OK);
  assert_all_close(A, B, 6, 0, 0);
}

/* ||J||_{S_2p} = ||G||_{S_q} = dual, <G,J> = -||G||^2_{S_q}, random
 * competitors. */
static void test_fenchel_identities_random(void **state) {
  (void)state;
  specot_rng rng;
  specot_rng_seed(&rng, 11);
  const size_t shapes[][2] = {{7, 4}, {4, 7}, {6, 6}, {1, 5}, {5, 1}, {1, 1}};
  const double ps[] = {0.5, 0.6, 0.75, 1.0, 1.5, 2.0, 3.0, 10.0, INFINITY};
  specot_linalg_ws *ws = NULL;
  assert_int_equal(specot_linalg_ws_alloc(NULL, 7, 7, &ws), SPECOT_OK);
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
    const size_t m = shapes[s][0], n = shapes[s][1];
    double *G = lt_randn(&rng, m, n), *V = lt_alloc(m * n),
           *W = lt_alloc(m * n);
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; ++k) {
      const double p = ps[k];
      const double q = p == 0.5 ? INFINITY : 1.0 + 1.0 / (2.0 * p - 1.0);
      double dual;
      assert_int_equal(specot_linalg_lmo(NULL, ws, G, m, n, p, -1, V, &dual),
                       SPECOT_OK);
      const double gq = lt_schatten(G, m, n, q);
      assert_close(dual, gq, 1e-12, 0);
      assert_close(lt_schatten(V, m, n, 2 * p), gq, 1e-11, 0);
      assert_close(lt_dot(G, V, m * n), -gq * gq, 1e-11, 0);
      /* Optimality against random competitors. */
      const double best =
          lt_dot(G, V, m * n) + 0.5 * pow(lt_schatten(V, m, n, 2 * p), 2);
      assert_close(best, -0.5 * gq * gq, 1e-11, 0);
      for (int t = 0; t < 20; ++t) {
        specot_rng_fill_normal(&rng, W, m * n, 0.0, 1.0);
        for (size_t i = 0; i < m * n; ++i)
          W[i] = V[i] + 0.3 * W[i];
        const double val =
            lt_dot(G, W, m * n) + 0.5 * pow(lt_schatten(W, m, n, 2 * p), 2);
        assert_true(val >= best - 1e-10 * fabs(best));
      }
    }
    free(G);
    free(V);
    free(W);
  }
  specot_linalg_ws_free(ws);
}

static void test_equivariance_homogeneity(void **state) {
  (void)state;
  specot_rng rng;
  specot_rng_seed(&rng, 12);
  const size_t m = 6, n = 4;
  double *G = lt_randn(&rng, m, n), *O1 = lt_orthogonal(&rng, m),
         *O2 = lt_orthogonal(&rng, n);
  double *T = lt_alloc(m * n), *H = lt_alloc(m * n), *V = lt_alloc(m * n),
         *VH = lt_alloc(m * n), *R = lt_alloc(m * n);
  lt_matmul(O1, G, m, m, n, T);
  lt_matmul(T, O2, m, n, n, H); /* H = O1 G O2 */
  const double ps[] = {0.5, 0.75, 2.0, 3.0, INFINITY};
  for (size_t k = 0; k < 5; ++k) {
    assert_int_equal(specot_linalg_lmo(NULL, NULL, G, m, n, ps[k], -1, V, NULL),
                     SPECOT_OK);
    assert_int_equal(
        specot_linalg_lmo(NULL, NULL, H, m, n, ps[k], -1, VH, NULL), SPECOT_OK);
    lt_matmul(O1, V, m, m, n, T);
    lt_matmul(T, O2, m, n, n, R);
    assert_all_close(VH, R, m * n, 1e-13, 1e-13);
    /* 1-homogeneity down to c = 1e-150 and up to 1e150. */
    const double cs[] = {1e-150, 1e-20, 3.5, 1e150};
    for (int c = 0; c < 4; ++c) {
      for (size_t i = 0; i < m * n; ++i)
        T[i] = cs[c] * G[i];
      assert_int_equal(
          specot_linalg_lmo(NULL, NULL, T, m, n, ps[k], -1, R, NULL),
          SPECOT_OK);
      for (size_t i = 0; i < m * n; ++i)
        R[i] /= cs[c];
      assert_all_close(R, V, m * n, 1e-12, 1e-12);
    }
  }
  /* J_{1e308} = J_inf (2p - 1 overflows to inf, q = 1). */
  assert_int_equal(specot_linalg_lmo(NULL, NULL, G, m, n, 1e308, -1, V, NULL),
                   SPECOT_OK);
  assert_int_equal(
      specot_linalg_lmo(NULL, NULL, G, m, n, INFINITY, -1, VH, NULL),
      SPECOT_OK);
  assert_all_close(V, VH, m * n, 1e-14, 1e-14);
  assert_int_equal(specot_linalg_lmo(NULL, NULL, G, m, n, 1e6, -1, V, NULL),
                   SPECOT_OK);
  assert_all_close(V, VH, m * n, 1e-5, 1e-5);
  free(G), free(O1), free(O2), free(T), free(H), free(V), free(VH), free(R);
}

static void test_particle_lmo(void **state) {
  (void)state;
  const double g[6] = {2, 1, -1, 3, 0, 1}, w[3] = {0.2, 0.3, 0.5};
  double v[6], dual;
  assert_int_equal(specot_linalg_particle_lmo(NULL, NULL, g, 3, 2, w, INFINITY,
                                              -1, v, &dual),
                   SPECOT_OK);
  const double ve[6] = {-5.907600411277, -2.124104227902, 2.017046682387,
                        -4.498805637202, -0.267643863786, -1.588816500329};
  assert_all_close(v, ve, 6, 1e-11, 1e-11);
  double pair = 0;
  for (int i = 0; i < 3; ++i)
    pair += w[i] * (g[2 * i] * v[2 * i] + g[2 * i + 1] * v[2 * i + 1]);
  assert_close(pair, -8.236308338454, 1e-11, 0);
  assert_close(dual * dual, 8.236308338454, 1e-11, 0);
  double nv;
  assert_int_equal(
      specot_linalg_velocity_norm(NULL, NULL, v, 3, 2, w, INFINITY, &nv),
      SPECOT_OK);
  assert_close(nv, dual, 1e-12, 0);
  /* S_g and the closed form -(tr S^{1/2}) S^{+/2} g. */
  double S[4], Sh[4], Sih[4];
  assert_int_equal(specot_linalg_second_moment(NULL, g, 3, 2, w, S), SPECOT_OK);
  const double Se[4] = {1.1, -0.5, -0.5, 3.4};
  assert_all_close(S, Se, 4, 1e-14, 1e-15);
  assert_int_equal(specot_linalg_psd_sqrt(NULL, NULL, S, 2, Sh), SPECOT_OK);
  assert_int_equal(specot_linalg_psd_power(NULL, NULL, S, 2, -0.5, -1, Sih),
                   SPECOT_OK);
  const double tr = Sh[0] + Sh[3];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) {
      const double e =
          -tr * (Sih[2 * j] * g[2 * i] + Sih[2 * j + 1] * g[2 * i + 1]);
      assert_close(v[2 * i + j], e, 1e-11, 1e-12);
    }
  /* p = 2 pairing. */
  assert_int_equal(
      specot_linalg_particle_lmo(NULL, NULL, g, 3, 2, w, 2.0, -1, v, &dual),
      SPECOT_OK);
  pair = 0;
  for (int i = 0; i < 3; ++i)
    pair += w[i] * (g[2 * i] * v[2 * i] + g[2 * i + 1] * v[2 * i + 1]);
  assert_close(pair, -6.006488099650, 1e-11, 0);
  /* Uniform weights (NULL) give the matrix LMO. */
  specot_rng rng;
  specot_rng_seed(&rng, 13);
  double *G = lt_randn(&rng, 9, 3), *V1 = lt_alloc(27), *V2 = lt_alloc(27);
  double wu[9];
  for (int i = 0; i < 9; ++i)
    wu[i] = 1.0 / 9.0;
  const double ps[] = {0.5, 1.0, 2.0, INFINITY};
  for (int k = 0; k < 4; ++k) {
    assert_int_equal(specot_linalg_particle_lmo(NULL, NULL, G, 9, 3, NULL,
                                                ps[k], -1, V1, NULL),
                     SPECOT_OK);
    assert_int_equal(
        specot_linalg_lmo(NULL, NULL, G, 9, 3, ps[k], -1, V2, NULL), SPECOT_OK);
    assert_all_close(V1, V2, 27, 1e-12, 1e-12);
    assert_int_equal(specot_linalg_particle_lmo(NULL, NULL, G, 9, 3, wu, ps[k],
                                                -1, V1, NULL),
                     SPECOT_OK);
    assert_all_close(V1, V2, 27, 1e-12, 1e-12);
  }
  /* A zero weight gives a zero velocity and leaves the other rows as without
   * it. */
  double wz[4] = {0.25, 0.0, 0.5, 0.25}, w3[3] = {0.25, 0.5, 0.25};
  double G3[9], V4[12], V3[9];
  for (int j = 0; j < 3; ++j)
    G3[j] = G[j], G3[3 + j] = G[6 + j], G3[6 + j] = G[9 + j];
  assert_int_equal(
      specot_linalg_particle_lmo(NULL, NULL, G, 4, 3, wz, 2.0, -1, V4, &dual),
      SPECOT_OK);
  assert_int_equal(
      specot_linalg_particle_lmo(NULL, NULL, G3, 3, 3, w3, 2.0, -1, V3, NULL),
      SPECOT_OK);
  for (int j = 0; j < 3; ++j) {
    assert_close(V4[3 + j], 0, 0, 0);
    assert_close(V4[j], V3[j], 1e-12, 1e-13);
    assert_close(V4[6 + j], V3[3 + j], 1e-12, 1e-13);
    assert_close(V4[9 + j], V3[6 + j], 1e-12, 1e-13);
  }
  free(G), free(V1), free(V2);
}

static void test_block_lmo(void **state) {
  (void)state;
  specot_rng rng;
  specot_rng_seed(&rng, 14);
  const size_t m = 5, n = 6, widths[3] = {1, 3, 2};
  double *G = lt_randn(&rng, m, n), *V = lt_alloc(m * n), *B = lt_alloc(m * 3);
  double dual, nv;
  /* widths (1,1) at p = inf gives -G. */
  const size_t w11[2] = {1, 1};
  assert_int_equal(specot_linalg_block_lmo(NULL, NULL, G32, 3, 2, w11, 2,
                                           INFINITY, SPECOT_LINALG_BLOCK_SUM,
                                           -1, V, NULL),
                   SPECOT_OK);
  for (int i = 0; i < 6; ++i)
    assert_close(V[i], -G32[i], 1e-14, 1e-15);
  const double ps[] = {0.5, 1.0, 2.0, INFINITY};
  for (int k = 0; k < 4; ++k) {
    const double p = ps[k],
                 q = p == 0.5 ? INFINITY : 1.0 + 1.0 / (2.0 * p - 1.0);
    /* SUM: each block is its own LMO. */
    assert_int_equal(specot_linalg_block_lmo(NULL, NULL, G, m, n, widths, 3, p,
                                             SPECOT_LINALG_BLOCK_SUM, -1, V,
                                             &dual),
                     SPECOT_OK);
    double Gb[15], Vb[15], Jb[15], sq = 0;
    size_t off = 0;
    for (int b = 0; b < 3; off += widths[b], ++b) {
      for (size_t i = 0; i < m; ++i)
        for (size_t j = 0; j < widths[b]; ++j) {
          Gb[i * widths[b] + j] = G[i * n + off + j];
          Vb[i * widths[b] + j] = V[i * n + off + j];
        }
      assert_int_equal(
          specot_linalg_lmo(NULL, NULL, Gb, m, widths[b], p, -1, Jb, NULL),
          SPECOT_OK);
      assert_all_close(Vb, Jb, m * widths[b], 1e-13, 1e-13);
      const double gq = lt_schatten(Gb, m, widths[b], q);
      sq += gq * gq;
    }
    assert_close(dual, sqrt(sq), 1e-12, 0);
    assert_close(lt_dot(G, V, m * n), -dual * dual, 1e-11, 0);
    assert_int_equal(specot_linalg_block_norm(NULL, NULL, V, m, n, widths, 3, p,
                                              SPECOT_LINALG_BLOCK_SUM, &nv),
                     SPECOT_OK);
    assert_close(nv, dual, 1e-11, 0);
    /* MAX: common clock, every block has norm N* and <G,V> = -N*^2. */
    assert_int_equal(specot_linalg_block_lmo(NULL, NULL, G, m, n, widths, 3, p,
                                             SPECOT_LINALG_BLOCK_MAX, -1, V,
                                             &dual),
                     SPECOT_OK);
    assert_close(lt_dot(G, V, m * n), -dual * dual, 1e-11, 0);
    assert_int_equal(specot_linalg_block_norm(NULL, NULL, V, m, n, widths, 3, p,
                                              SPECOT_LINALG_BLOCK_MAX, &nv),
                     SPECOT_OK);
    assert_close(nv, dual, 1e-11, 0);
  }
  /* p = inf MAX: V_b = -(sum_a ||G_a||_*) polar(G_b). */
  assert_int_equal(specot_linalg_block_lmo(NULL, NULL, G, m, n, widths, 3,
                                           INFINITY, SPECOT_LINALG_BLOCK_MAX,
                                           -1, V, &dual),
                   SPECOT_OK);
  double Gb[15], Pb[15], tot = 0;
  size_t off = 0;
  for (int b = 0; b < 3; off += widths[b], ++b) {
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < widths[b]; ++j)
        Gb[i * widths[b] + j] = G[i * n + off + j];
    tot += lt_schatten(Gb, m, widths[b], 1.0);
  }
  assert_close(dual, tot, 1e-12, 0);
  off = 0;
  for (int b = 0; b < 3; off += widths[b], ++b) {
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < widths[b]; ++j)
        Gb[i * widths[b] + j] = G[i * n + off + j];
    assert_int_equal(
        specot_linalg_polar(NULL, NULL, Gb, m, widths[b], NULL, Pb, NULL),
        SPECOT_OK);
    for (size_t i = 0; i < m; ++i)
      for (size_t j = 0; j < widths[b]; ++j)
        assert_close(V[i * n + off + j], -tot * Pb[i * widths[b] + j], 1e-11,
                     1e-12);
  }
  free(G), free(V), free(B);
}

static void test_error_paths(void **state) {
  (void)state;
  specot_ctx *ctx = specot_ctx_alloc();
  double V[6], d;
  const double bad[6] = {1, NAN, 0, 0, 0, 0};
  assert_int_equal(specot_linalg_lmo(ctx, NULL, G32, 3, 2, 0.4, -1, V, NULL),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "p = 0.4"));
  assert_int_equal(specot_linalg_lmo(ctx, NULL, G32, 3, 2, NAN, -1, V, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_lmo(ctx, NULL, G32, 3, 2, 2, 1.0, V, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_lmo(ctx, NULL, G32, 3, 2, 2, NAN, V, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_lmo(ctx, NULL, bad, 3, 2, 2, -1, V, NULL),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "non-finite"));
  assert_int_equal(specot_linalg_lmo(ctx, NULL, G32, 0, 2, 2, -1, V, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_lmo(ctx, NULL, G32, 3, 2, 2, -1, NULL, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_lmo(ctx, NULL, NULL, 3, 2, 2, -1, V, NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(
      specot_linalg_lmo(ctx, NULL, G32, (size_t)1 << 32, 2, 2, -1, V, NULL),
      SPECOT_ERR_TOO_LARGE);
  specot_linalg_ws *ws = NULL;
  assert_int_equal(specot_linalg_ws_alloc(ctx, (size_t)1 << 32, 2, &ws),
                   SPECOT_ERR_TOO_LARGE);
  assert_null(ws);
  assert_int_equal(specot_linalg_ws_alloc(ctx, 1 << 20, 1 << 20, &ws),
                   SPECOT_ERR_TOO_LARGE);
  assert_int_equal(specot_linalg_ws_alloc(ctx, 0, 2, &ws), SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_ws_alloc(ctx, 2, 2, NULL), SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_ws_alloc(ctx, 2, 2, &ws), SPECOT_OK);
  assert_int_equal(specot_linalg_lmo(ctx, ws, G32, 3, 2, 2, -1, V, NULL),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "workspace"));
  specot_linalg_ws_free(ws);
  /* Weights. */
  const double wneg[3] = {0.5, 0.6, -0.1}, wsum[3] = {0.2, 0.2, 0.2},
               wnan[3] = {NAN, 0.5, 0.5};
  assert_int_equal(
      specot_linalg_particle_lmo(ctx, NULL, G32, 3, 2, wneg, 2, -1, V, NULL),
      SPECOT_ERR_INVALID);
  assert_int_equal(
      specot_linalg_particle_lmo(ctx, NULL, G32, 3, 2, wsum, 2, -1, V, NULL),
      SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "sum to"));
  assert_int_equal(
      specot_linalg_particle_lmo(ctx, NULL, G32, 3, 2, wnan, 2, -1, V, NULL),
      SPECOT_ERR_INVALID);
  assert_int_equal(
      specot_linalg_particle_lmo(ctx, NULL, G32, 3, 2, NULL, 0.1, -1, V, NULL),
      SPECOT_ERR_INVALID);
  assert_int_equal(
      specot_linalg_velocity_norm(ctx, NULL, G32, 3, 2, wsum, 2, &d),
      SPECOT_ERR_INVALID);
  assert_int_equal(
      specot_linalg_velocity_norm(ctx, NULL, G32, 3, 2, NULL, 0.2, &d),
      SPECOT_ERR_INVALID);
  assert_int_equal(
      specot_linalg_velocity_norm(ctx, NULL, G32, 3, 2, NULL, 2, NULL),
      SPECOT_ERR_INVALID);
  /* Blocks. */
  const size_t w12[2] = {1, 2}, w10[2] = {2, 0}, w1[1] = {1}, w11b[2] = {1, 1};
  assert_int_equal(specot_linalg_block_lmo(ctx, NULL, G32, 3, 2, w12, 2, 2,
                                           SPECOT_LINALG_BLOCK_SUM, -1, V,
                                           NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_block_lmo(ctx, NULL, G32, 3, 2, w10, 2, 2,
                                           SPECOT_LINALG_BLOCK_SUM, -1, V,
                                           NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_block_lmo(ctx, NULL, G32, 3, 2, w1, 1, 2,
                                           SPECOT_LINALG_BLOCK_SUM, -1, V,
                                           NULL),
                   SPECOT_ERR_INVALID);
  assert_non_null(strstr(specot_ctx_errmsg(ctx), "sum to 1"));
  assert_int_equal(specot_linalg_block_lmo(ctx, NULL, G32, 3, 2, NULL, 0, 2,
                                           SPECOT_LINALG_BLOCK_SUM, -1, V,
                                           NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_block_lmo(ctx, NULL, G32, 3, 2, w12, 1, 2,
                                           (specot_linalg_block_gauge)7, -1, V,
                                           NULL),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_block_norm(ctx, NULL, G32, 3, 2, w12, 2, 2,
                                            SPECOT_LINALG_BLOCK_MAX, &d),
                   SPECOT_ERR_INVALID);
  assert_int_equal(specot_linalg_block_norm(ctx, NULL, G32, 3, 2, w11b, 2, 0.3,
                                            SPECOT_LINALG_BLOCK_MAX, &d),
                   SPECOT_ERR_INVALID);
  specot_ctx_free(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_t9_values),
      cmocka_unit_test(test_diagonal_values),
      cmocka_unit_test(test_selection_and_cutoff),
      cmocka_unit_test(test_fenchel_identities_random),
      cmocka_unit_test(test_equivariance_homogeneity),
      cmocka_unit_test(test_particle_lmo),
      cmocka_unit_test(test_block_lmo),
      cmocka_unit_test(test_error_paths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
