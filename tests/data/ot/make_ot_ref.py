#!/usr/bin/env python3
"""Reference values for tests/ot from POT 0.8.2 (run with /usr/bin/python3).

Writes, for exact OT, emd_<k>_{C,a,b}.npy and emd_ref.csv (k, cost = ot.emd2);
for entropic OT, sk_<k>_{C,a,b,plan,f,g}.npy and sk_ref.csv (k, eps, cost =
<pi,C> of POT's plan (= ot.sinkhorn2), reg = <pi,C> + eps KL(pi|a b)).
Potentials f, g follow specot's convention pi = a_i b_j exp((f_i+g_j-C_ij)/eps),
derived from POT's log_u, log_v (f = eps(log_u - log a), g = eps(log_v - log b))
and normalised so that <a,f> = <b,g>.
"""
import os
import numpy as np
import ot

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261125)


def save(name, arr):
    np.save(os.path.join(here, name), np.ascontiguousarray(arr, dtype=np.float64))


def weights(k, zeros=0):
    w = rng.uniform(0.1, 1.0, k)
    if zeros:
        w[rng.choice(k, zeros, replace=False)] = 0.0
    return w / w.sum()


# ---- exact OT ----------------------------------------------------------------
emd_cases = []
# 0: random weights, d = 3
X, Y = rng.normal(size=(30, 3)), rng.normal(size=(40, 3)) + 0.5
emd_cases.append((ot.dist(X, Y), weights(30), weights(40)))
# 1: uniform, d = 10, n = m (degenerate vertices)
X, Y = rng.normal(size=(100, 10)), rng.normal(size=(100, 10))
emd_cases.append((ot.dist(X, Y), np.ones(100) / 100, np.ones(100) / 100))
# 2: zero masses in both, d = 2
X, Y = rng.normal(size=(60, 2)), rng.normal(size=(45, 2))
emd_cases.append((ot.dist(X, Y), weights(60, 7), weights(45, 5)))
# 3: integer costs with many ties (heavy degeneracy)
emd_cases.append((rng.integers(1, 4, size=(20, 20)).astype(float), np.ones(20) / 20,
                  np.ones(20) / 20))
# 4: n = 1
emd_cases.append((rng.uniform(size=(1, 7)), np.ones(1), weights(7)))
# 5: non-square costs (user matrix, negative entries)
emd_cases.append((rng.normal(size=(25, 35)), weights(25), weights(35)))
with open(os.path.join(here, "emd_ref.csv"), "w") as out:
    out.write("# case, cost (ot.emd2, POT %s)\n" % ot.__version__)
    for k, (C, a, b) in enumerate(emd_cases):
        save("emd_%d_C.npy" % k, C)
        save("emd_%d_a.npy" % k, a)
        save("emd_%d_b.npy" % k, b)
        cost = ot.emd2(a, b, C, numItermax=10**7)
        out.write("%d,%.17g\n" % (k, cost))

# ---- entropic OT -------------------------------------------------------------
sk_cases = []
X, Y = rng.normal(size=(40, 2)), rng.normal(size=(30, 2)) + 1.0
C = ot.dist(X, Y)
sk_cases.append((C, weights(40), weights(30), 0.5))
sk_cases.append((C, weights(40), weights(30), 0.05 * np.median(C)))
X, Y = rng.normal(size=(25, 5)), rng.normal(size=(35, 5))
sk_cases.append((ot.dist(X, Y), np.ones(25) / 25, np.ones(35) / 35, 0.2))
with open(os.path.join(here, "sk_ref.csv"), "w") as out:
    out.write("# case, eps, cost (<pi,C> = ot.sinkhorn2), reg (<pi,C> + eps KL(pi|ab))\n")
    for k, (C, a, b, eps) in enumerate(sk_cases):
        P, log = ot.sinkhorn(a, b, C, eps, method="sinkhorn_log", stopThr=1e-15,
                             numItermax=200000, log=True)
        f = eps * (log["log_u"] - np.log(a))
        g = eps * (log["log_v"] - np.log(b))
        shift = (b @ g - a @ f) / (a.sum() + b.sum())
        f, g = f + shift, g - shift
        cost = float((P * C).sum())
        kl = float((P * np.log(P / np.outer(a, b))).sum() - P.sum() + 1.0)
        for name, arr in (("C", C), ("a", a), ("b", b), ("plan", P), ("f", f), ("g", g)):
            save("sk_%d_%s.npy" % (k, name), arr)
        out.write("%d,%.17g,%.17g,%.17g\n" % (k, eps, cost, cost + eps * kl))
