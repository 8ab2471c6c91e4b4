/* Spec 3.2 / 8.2: the perturbation bounds on the 1-D torus grid PDE.
 * Setting: V = cos x + sin(2x)/2, rho_0 ∝ e^{3 cos(x - 1)}, lambda = 1,
 * Phi = sin(kx)/2 (Omega = 1), V' = V - Phi.  Scheme (the spec's): 256 cells at
 * x_i = i dx, explicit finite-volume Fokker–Planck step with flux
 * -e^{-V_{i+1/2}} (h_{i+1} - h_i)/dx, h = rho e^V, V_{i+1/2} = (V_i + V_{i+1})/2,
 * then the exact reaction step in log space (closed form (3) over dt, via
 * specot_shk_reaction_logrho), Lie splitting, dt = 2e-5.
 * Checks: the transport rows of the table as regression values (tolerance 1e-3,
 * as the spec says), that A0 = (1 - e^{-t}) Omega is NOT a bound with transport,
 * and that eta_A (k = 1, K = 1.558) and eta_B (k = 8, M from the grid) hold. */
#include <math.h>
#include <string.h>

#include "shk_test_util.h"

enum { M = 256, NT = 4 };
static const double TIMES[NT] = {0.25, 0.5, 1, 3};

/* log rho_t at TIMES for the potential V - amp sin(kx). */
static void solve(double amp, int k, double out[NT][M]) {
  const double dx = 6.283185307179586 / M, dt = 2e-5;
  double V[M], em[M], eV[M], rho[M], h[M], F[M], lr[M];
  for (int i = 0; i < M; ++i) {
    const double x = i * dx;
    V[i] = cos(x) + 0.5 * sin(2 * x) - amp * sin(k * x);
    eV[i] = exp(V[i]);
  }
  double mass = 0;
  for (int i = 0; i < M; ++i) {
    em[i] = exp(-0.5 * (V[i] + V[(i + 1) % M]));
    rho[i] = exp(3 * cos(i * dx - 1));
    mass += rho[i] * dx;
  }
  for (int i = 0; i < M; ++i) rho[i] /= mass;
  const long steps = lround(TIMES[NT - 1] / dt);
  int next = 0;
  for (long n = 1; n <= steps; ++n) {
    for (int i = 0; i < M; ++i) h[i] = rho[i] * eV[i];
    for (int i = 0; i < M; ++i) F[i] = -em[i] * (h[(i + 1) % M] - h[i]) / dx;
    for (int i = 0; i < M; ++i) lr[i] = log(rho[i] - dt / dx * (F[i] - F[(i + M - 1) % M]));
    specot_shk_reaction_logrho(M, lr, V, 1.0, dt, lr);
    double mx = -INFINITY, s = 0;
    for (int i = 0; i < M; ++i) mx = fmax(mx, lr[i]);
    for (int i = 0; i < M; ++i) s += (rho[i] = exp(lr[i] - mx)) * dx;
    for (int i = 0; i < M; ++i) rho[i] /= s;
    if (next < NT && fabs((double)n * dt - TIMES[next]) < dt / 2) {
      for (int i = 0; i < M; ++i) out[next][i] = log(rho[i]);
      ++next;
    }
  }
}

static double osc_diff(const double *a, const double *b) {
  double lo = INFINITY, hi = -INFINITY;
  for (int i = 0; i < M; ++i) lo = fmin(lo, a[i] - b[i]), hi = fmax(hi, a[i] - b[i]);
  return hi - lo;
}

/* M = osc(log rho_0 + V) for V - amp sin(kx) on the grid. */
static double start_distance(double amp, int k) {
  double lo = INFINITY, hi = -INFINITY;
  for (int i = 0; i < M; ++i) {
    const double x = i * 6.283185307179586 / M;
    const double g = 3 * cos(x - 1) + cos(x) + 0.5 * sin(2 * x) - amp * sin(k * x);
    lo = fmin(lo, g), hi = fmax(hi, g);
  }
  return hi - lo;
}

static double base[NT][M], pert1[NT][M], pert8[NT][M];

static void transport_rows(void **state) {
  (void)state;
  if (specot_test_quick()) skip(); /* statistical, long: skipped under valgrind */
  solve(0.0, 1, base);
  solve(0.5, 1, pert1);
  solve(0.5, 8, pert8);
  const double k1[NT] = {0.447110, 0.665792, 0.871432, 0.996918};
  const double k8[NT] = {1.131618, 1.171795, 1.104262, 1.002082};
  const double etaA[NT] = {0.910550, 1.619687, 2.602077, 3.911480};
  const double etaB[NT] = {NAN, 10.357944, 6.675880, 1.768147};
  const double MM = start_distance(0.0, 8) + start_distance(0.5, 8);
  for (int q = 0; q < NT; ++q) {
    const double t = TIMES[q], w1 = osc_diff(base[q], pert1[q]), w8 = osc_diff(base[q], pert8[q]);
    assert_close(w1, k1[q], 0, 1e-3);
    assert_close(w8, k8[q], 0, 1e-3);
    /* A0 is not a bound once transport is on; A (k = 1) and B (k = 8) hold */
    assert_true(w1 > -expm1(-t) && w8 > -expm1(-t));
    const double eta_a = (1 + 2 * 1.558) * -expm1(-t), eta_b = 1 + exp(-t) * MM;
    /* the spec prints K rounded to 1.558 (its eta_A column implies K = 1.55821) */
    assert_close(eta_a, etaA[q], 0, 2 * 0.0005 * -expm1(-t));
    if (!isnan(etaB[q])) assert_close(eta_b, etaB[q], 0, 1e-3);
    assert_true(w1 <= eta_a && w8 <= eta_b);
  }
  assert_true(osc_diff(base[1], pert8[1]) > 1.0); /* exceeds Omega = eps0 itself */
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(transport_rows)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
