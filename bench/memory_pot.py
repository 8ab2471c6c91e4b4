#!/usr/bin/env python3
"""Side-by-side associative-memory benchmark: specot (bench_memory) vs a NumPy+POT
reference of the same SHK retrieval, same data, one run (spec shk_dp_memory.md sec. 7).

usage: /usr/bin/python3 bench/memory_pot.py [BUILD_DIR] [--full] [--threads N] [--seed S]

Protocol (both sides): the data are drawn here with NumPy and written to .npy files.
  recovery  K = 8 clouds of n = 16 points in d = 2, centres ~ N(0, 4 I), points
            centre + N(0, I); queries: a random stored cloud, permuted, + N(0, sigma^2),
            a fraction p_out of points replaced by outliers uniform in [-6, 6]^2,
            weights e^{0.5 zeta}; sigma in {0, .25, .5, 1}, p_out in {0, .25};
            50 queries per level (--full: 200).  eps = 0.1, beta = 10.
  capacity  random pattern model n = 8, R = 0; query = a stored cloud permuted +
            N(0, 0.25 I), uniform weights; eps = 0.05 d, beta = 10; d in {2,4,8,16},
            K in {2, 8, 32, 128} with 20 queries per cell (--full: K up to 512, 50).
Methods: SHK retrieval (tau 0.5, eta = eps, 15 steps, 3 halvings, tol_E 1e-5;
Sinkhorn tol 1e-6, at most 1000 iterations: POT's sinkhorn_log checks the L2 column
violation every 10 iterations, specot the L1 one every iteration), S_eps-nearest without
flow, Hopfield DIST/DOT x RAW/SORTED (beta_H = beta/n).  The reference solves every
OT_eps(q, P_k) with ot.sinkhorn(method='sinkhorn_log') (cold; POT 0.8.2 has no warm
start) and OT_eps(q, q) with the symmetric NumPy update; specot warm-starts across steps.
The reference is slow, so it runs on the first REF queries of every recovery level and of
the capacity cells with K <= 8 (--full: K <= 32); the speed ratio compares the two on
exactly those queries (specot's per-query times, plus the memory setup on both sides), and
the retrieved indices and S_eps to the true pattern are compared: before the flow both
solve the same problems (agreement to the Sinkhorn tolerance); after it the trajectories
may differ (cold vs warm solves capped at 1000 iterations, backtracking decisions).
The tables are specot's over all queries.  Threads: --threads N (default 1) for both.
"""
import os
import sys

_threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
os.environ["OMP_NUM_THREADS"] = _threads
os.environ["OPENBLAS_NUM_THREADS"] = _threads

import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import ot  # noqa: E402
from scipy.special import logsumexp  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "build"
full = "--full" in sys.argv
seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 0
exe = os.path.join(build, "bench_memory")
if not os.path.exists(exe):
    sys.exit("bench_memory not found in %s (build the project first)" % build)

TOL, MAXIT, TAU, STEPS, HALV, TOLE = 1e-6, 1000, 0.5, 15, 3, 1e-5
METHODS = ["shk", "noflow", "dist_raw", "dist_sorted", "dot_raw", "dot_sorted"]


# ---- NumPy + POT reference of the SHK retrieval (spec sec. 5) ----------------------
def cross(a, b, X, Y, eps):
    """OT_eps(q, P) (KL convention, from the plan), query potential f, projection T."""
    C = ot.dist(X, Y) / 2
    G, log = ot.sinkhorn(a, b, C, eps, method="sinkhorn_log", numItermax=MAXIT,
                         stopThr=TOL, log=True, warn=False)
    f = eps * (log["log_u"] - np.log(a))
    pos = G > 0
    ab = np.outer(a, b)
    value = np.sum(G * C) + eps * np.sum(G[pos] * np.log(G[pos] / ab[pos]))
    T = (G @ Y) / G.sum(1)[:, None]
    return value, f, T


def symmetric(a, X, eps):
    """OT_eps(q, q) by the averaged symmetric update; potential p and projection."""
    C = ot.dist(X, X) / 2
    la, p = np.log(a), np.zeros(len(a))
    for _ in range(MAXIT):
        t = -eps * logsumexp(la[None, :] + (p[None, :] - C) / eps, axis=1)
        if np.abs(a * np.exp((p - t) / eps) - a).sum() <= TOL:
            break
        p = 0.5 * (p + t)
    G = np.outer(a, a) * np.exp((p[:, None] + p[None, :] - C) / eps)
    return 2 * a @ p, p, (G @ X) / G.sum(1)[:, None]


class Reference:
    def __init__(self, P, n, eps, beta):
        self.P, self.n, self.eps, self.beta = P, n, eps, beta
        self.K = len(P) // n
        self.b = np.full(n, 1.0 / n)
        self.self_terms = [symmetric(self.b, P[k * n:(k + 1) * n], eps)[0]
                           for k in range(self.K)]

    def evaluate(self, a, X):
        qq, p, Tqq = symmetric(a, X, self.eps)
        S, F, T = np.empty(self.K), [], []
        for k in range(self.K):
            v, f, Tk = cross(a, self.b, X, self.P[k * self.n:(k + 1) * self.n], self.eps)
            S[k] = v - qq / 2 - self.self_terms[k] / 2
            F.append(f)
            T.append(Tk)
        s0 = S.min()
        e = np.exp(-self.beta * (S - s0))
        w = e / e.sum()
        E = s0 - np.log(e.sum()) / self.beta
        vel = sum(w[k] * T[k] for k in range(self.K)) - Tqq
        phi = sum(w[k] * F[k] for k in range(self.K)) - p
        return E, S, vel, phi - a @ phi

    def retrieve(self, a, X):
        E, S, v, phi = self.evaluate(a, X)
        S0 = S
        for _ in range(STEPS):
            tau, eta, accepted = TAU, self.eps, False
            for h in range(HALV + 1):
                Xn = X + tau * v
                la = np.log(a) - eta * phi
                an = np.exp(la - logsumexp(la))
                En, Sn, vn, phin = self.evaluate(an, Xn)
                if En <= E:
                    accepted = True
                    break
                tau, eta = tau / 2, eta / 2
            if not accepted:
                break
            drop = E - En
            X, a, E, S, v, phi = Xn, an, En, Sn, vn, phin
            if drop <= TOLE * max(1.0, abs(E + drop)):
                break
        return int(np.argmin(S)), int(np.argmin(S0)), S0, S


def hopfield(Xi, xi, beta, dot):
    for _ in range(20):
        lg = beta * Xi @ xi if dot else -0.5 * beta * ((Xi - xi) ** 2).sum(1)
        p = np.exp(lg - lg.max())
        p /= p.sum()
        new = p @ Xi
        move = np.abs(new - xi).max()
        xi = new
        if move <= 1e-10:
            break
    return int(np.argmax(p))


def flatten(X, order):
    return (X[np.lexsort(X.T[::-1])] if order else X).ravel()


# ---- data ---------------------------------------------------------------------------
def patterns(rng, K, n, d, R):
    mu = rng.normal(scale=R, size=(K, 1, d)) if R > 0 else np.zeros((K, 1, d))
    return (mu + rng.normal(size=(K, n, d))).reshape(K * n, d)


def queries(rng, P, K, n, d, Q, sigma, p_out, perturb):
    X, A, truth = [], [], rng.integers(0, K, size=Q)
    nout = int(np.floor(p_out * n + 0.5))
    for k in truth:
        x = P[k * n:(k + 1) * n][rng.permutation(n)] + sigma * rng.normal(size=(n, d))
        x[rng.permutation(n)[:nout]] = rng.uniform(-6, 6, size=(nout, d))
        a = np.exp(0.5 * rng.normal(size=n)) if perturb else np.ones(n)
        X.append(x)
        A.append(a / a.sum())
    return np.concatenate(X), np.concatenate(A), truth.astype(float)


def run_case(tmp, name, P, n, eps, beta, X, A, truth, hop, nref):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    for f, v in (("patterns", P), ("queries", X), ("qweights", A), ("truth", truth)):
        np.save(os.path.join(d, f + ".npy"), v)
    out = json.loads(subprocess.run([exe, d, str(n), repr(eps), repr(beta), str(int(hop))],
                                    capture_output=True, text=True, check=True).stdout)
    ref_time, agree, sdiff, sdiff0 = 0.0, 0, 0.0, 0.0
    if nref:
        t0 = time.perf_counter()
        ref = Reference(P, n, eps, beta)
        ref_time += time.perf_counter() - t0  # self terms, as specot's setup
        K = len(P) // n
        for q in range(nref):
            x, a = X[q * n:(q + 1) * n], A[q * n:(q + 1) * n]
            t0 = time.perf_counter()
            idx, idx0, S0, S = ref.retrieve(a, x)
            if hop:
                raw = np.stack([flatten(P[k * n:(k + 1) * n], 0) for k in range(K)])
                srt = np.stack([flatten(P[k * n:(k + 1) * n], 1) for k in range(K)])
                for Xi, o in ((raw, 0), (srt, 1)):
                    for dot in (0, 1):
                        hopfield(Xi, flatten(x, o), beta / n, dot)
            ref_time += time.perf_counter() - t0
            agree += idx == out["shk"][q]
            sdiff = max(sdiff, abs(S[int(truth[q])] - out["s_after"][q]))
            sdiff0 = max(sdiff0, abs(S0[int(truth[q])] - out["s_before"][q]))
    ours = out["setup"] + sum(out["qtime"][:nref])
    return out, ref_time, ours, agree, (sdiff0, sdiff)


def main():
    rng = np.random.default_rng(seed)
    nq = 200 if full else 50
    nref_rec = 3 if full else 2
    sigmas, pouts = [0.0, 0.25, 0.5, 1.0], [0.0, 0.25]
    K, n, d, eps, beta = 8, 16, 2, 0.1, 10.0
    P = patterns(rng, K, n, d, 2.0)
    timing = []
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        print("== recovery: K = %d, n = %d, d = %d, R = 2, eps = %g, beta = %g, %d queries per "
              "level (specot; NumPy+POT on the first %d) ==" % (K, n, d, eps, beta, nq, nref_rec))
        for p_out in pouts:
            print("p_out = %g" % p_out)
            print("%6s %6s %7s %9s %12s %8s %11s %9s  %s" % (
                "sigma", "SHK", "noflow", "DIST/RAW", "DIST/SORTED", "DOT/RAW", "DOT/SORTED",
                "time s", "S_true after / before"))
            for sigma in sigmas:
                X, A, truth = queries(rng, P, K, n, d, nq, sigma, p_out, True)
                out, rt, ours, agree, sdiff = run_case(
                    tmp, "rec_%g_%g" % (sigma, p_out), P, n, eps, beta, X, A, truth, True, nref_rec)
                rates = [np.mean(np.array(out[m]) == truth) for m in METHODS]
                print("%6g %6.2f %7.2f %9.2f %12.2f %8.2f %11.2f %9.2f  %.4f / %.4f" % (
                    sigma, *rates, out["time"], np.mean(out["s_after"]), np.mean(out["s_before"])))
                timing.append(("rec sigma=%g p_out=%g" % (sigma, p_out), nref_rec, rt, ours,
                               agree, sdiff, out["warnings"]))
        ds = [2, 4, 8, 16]
        Ks = [2, 8, 32, 128, 512] if full else [2, 8, 32, 128]
        ncap = 50 if full else 20
        kref = 32 if full else 8
        print("\n== capacity: n = 8, R = 0, sigma = 0.5, eps = 0.05 d, beta = 10, %d queries per "
              "cell; SHK rate (no-flow rate) ==" % ncap)
        print("%4s" % "d" + "".join("%17s" % ("K = %d" % k) for k in Ks) + "%9s %7s" % (
            "time s", "K_max"))
        for dd in ds:
            line, tcell, kmax = "%4d" % dd, 0.0, 0
            for KK in Ks:
                Pc = patterns(rng, KK, 8, dd, 0.0)
                X, A, truth = queries(rng, Pc, KK, 8, dd, ncap, 0.5, 0.0, False)
                nref = 1 if KK <= kref else 0
                out, rt, ours, agree, sdiff = run_case(
                    tmp, "cap_%d_%d" % (dd, KK), Pc, 8, 0.05 * dd, 10.0, X, A, truth, False, nref)
                r = np.mean(np.array(out["shk"]) == truth)
                r0 = np.mean(np.array(out["noflow"]) == truth)
                kmax = KK if r >= 0.9 else kmax
                line += "      %4.2f (%4.2f)" % (r, r0)
                tcell += out["time"]
                if nref:
                    timing.append(("cap d=%d K=%d" % (dd, KK), nref, rt, ours, agree, sdiff,
                                   out["warnings"]))
            print(line + "%9.2f %7d" % (tcell, kmax))
    print("\n== speed on identical queries (NumPy+POT reference vs specot, %s thread(s)) ==" %
          _threads)
    print("%-24s %4s %10s %10s %8s  %s" % ("case", "q", "POT s", "specot s", "ratio",
                                          "same index, max |dS| before / after the flow"))
    tot_ref = tot_ours = 0.0
    for name, q, rt, ours, agree, sdiff, _ in timing:
        tot_ref += rt
        tot_ours += ours
        print("%-24s %4d %10.3f %10.4f %8.1f  %d/%d, %.1e / %.1e" % (
            name, q, rt, ours, rt / ours, agree, q, sdiff[0], sdiff[1]))
    print("%-24s %4s %10.3f %10.4f %8.1f  (target >= 20x)" % ("total", "", tot_ref, tot_ours,
                                                             tot_ref / tot_ours))
    print("Sinkhorn max_iter warnings (specot queries with at least one capped solve): %d" %
          sum(t[6] for t in timing))
    print("bench wall time %.1f s" % (time.perf_counter() - t_start))


main()
