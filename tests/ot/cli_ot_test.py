#!/usr/bin/env python3
"""`specot ot` / `specot divergence` against POT 0.8.2 on random instances.

Run by ctest as: /usr/bin/python3 cli_ot_test.py path/to/specot
Checks: exact cost to 1e-10 relative (network simplex and the 1-D path), the
sparse plan file and potentials (marginals, complementary slackness), Sinkhorn
cost/plan against POT's log-domain solver, the lower bound, the divergence
value against a NumPy computation, and exit codes of error paths.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import ot
from scipy.special import logsumexp

CLI = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, expect=0):
    p = subprocess.run([CLI, *args], capture_output=True, text=True)
    check(p.returncode == expect,
          "exit %d (expected %d) for %s: %s" % (p.returncode, expect, " ".join(args), p.stderr))
    return p


def close(a, b, rtol, atol=0.0):
    return abs(a - b) <= atol + rtol * abs(b)


rng = np.random.default_rng(7)
with tempfile.TemporaryDirectory() as tmp:
    path = lambda name: os.path.join(tmp, name)  # noqa: E731

    # ---- exact OT vs ot.emd2 on random instances -------------------------
    for k, (n, m, d) in enumerate([(40, 30, 3), (64, 64, 10), (25, 50, 2)]):
        X, Y = rng.normal(size=(n, d)), rng.normal(size=(m, d)) + 0.3
        a, b = rng.uniform(0.1, 1, n), rng.uniform(0.1, 1, m)
        a[rng.integers(n)] = 0.0  # a zero-mass atom
        a, b = a / a.sum(), b / b.sum()
        np.save(path("X.npy"), X)
        np.save(path("Y.npy"), Y)
        np.save(path("a.npy"), a)
        np.save(path("b.npy"), b)
        out = json.loads(run("ot", path("X.npy"), path("Y.npy"), "--a", path("a.npy"), "--b",
                             path("b.npy"), "--plan", path("plan.csv"), "--potentials",
                             path("f.npy") + "," + path("g.npy"), "--json").stdout)
        C = ot.dist(X, Y)
        ref = ot.emd2(a, b, C, numItermax=10**7)
        check(close(out["cost"], ref, 1e-10), "exact cost %d: %r vs POT %r" % (k, out["cost"], ref))
        check(out["status"] == "optimal", "status %d" % k)
        check(out["lower_bound"] <= out["cost"] + 1e-12 and close(out["lower_bound"], ref, 1e-9),
              "lower bound %d" % k)
        trip = np.loadtxt(path("plan.csv"), delimiter=",", ndmin=2)
        check(trip.shape[0] <= n + m - 1, "nnz %d" % k)
        P = np.zeros((n, m))
        P[trip[:, 0].astype(int), trip[:, 1].astype(int)] = trip[:, 2]
        check(np.abs(P.sum(1) - a).sum() < 1e-12 and np.abs(P.sum(0) - b).sum() < 1e-12,
              "plan marginals %d" % k)
        f, g = np.load(path("f.npy")), np.load(path("g.npy"))
        red = C - f[:, None] - g[None, :]
        check(red.min() > -1e-9 * C.max(), "dual feasibility %d" % k)
        check(np.abs(red[P > 0]).max() < 1e-9 * C.max(), "complementary slackness %d" % k)

    # ---- dense cost matrix and the 1-D path ----------------------------------
    x, y = rng.normal(size=(30, 1)), rng.normal(size=(45, 1))
    np.save(path("x1.npy"), x)
    np.save(path("y1.npy"), y)
    out = json.loads(run("ot", path("x1.npy"), path("y1.npy"), "--json").stdout)
    ref = ot.emd2_1d(x[:, 0], y[:, 0], metric="sqeuclidean")
    check(out["solver"] == "exact-1d" and close(out["cost"], ref, 1e-12), "1-D cost")
    C = rng.uniform(size=(30, 45))
    np.save(path("C.npy"), C)
    out = json.loads(run("ot", path("x1.npy"), path("y1.npy"), "--cost", path("C.npy"),
                         "--json").stdout)
    ref = ot.emd2(np.ones(30) / 30, np.ones(45) / 45, C)
    check(close(out["cost"], ref, 1e-10), "dense cost: %r vs %r" % (out["cost"], ref))

    # ---- Sinkhorn vs POT's log-domain solver --------------------------------
    X, Y = rng.normal(size=(50, 2)), rng.normal(size=(40, 2)) + 1.0
    np.save(path("X.npy"), X)
    np.save(path("Y.npy"), Y)
    C = ot.dist(X, Y)
    a, b = np.ones(50) / 50, np.ones(40) / 40
    for eps in (1.0, 0.1):
        out = json.loads(run("ot", path("X.npy"), path("Y.npy"), "--solver", "sinkhorn", "--eps",
                             repr(eps), "--tol", "1e-12", "--plan", path("P.npy"), "--json").stdout)
        P_ref = ot.sinkhorn(a, b, C, eps, method="sinkhorn_log", stopThr=1e-14,
                            numItermax=100000)
        P = np.load(path("P.npy"))
        check(close(out["cost"], (P_ref * C).sum(), 1e-9), "sinkhorn cost eps %g" % eps)
        check(np.abs(P - P_ref).max() < 1e-10, "sinkhorn plan eps %g" % eps)
        kl = (P_ref * np.log(P_ref / np.outer(a, b))).sum() - P_ref.sum() + 1.0
        check(close(out["regularized_cost"], (P_ref * C).sum() + eps * kl, 1e-9),
              "regularized cost eps %g" % eps)
        exact = ot.emd2(a, b, C)
        check(out["lower_bound"] <= exact + 1e-12, "sinkhorn lower bound eps %g" % eps)
        check(out["marginal_error"] <= 1e-12, "marginal error eps %g" % eps)

    # ---- divergence vs a NumPy log-domain computation -----------------------
    def ot_eps(Cm, wa, wb, eps, plan=False):
        f, g = np.zeros(len(wa)), np.zeros(len(wb))
        for _ in range(20000):
            g = -eps * logsumexp((f[:, None] - Cm) / eps + np.log(wa)[:, None], axis=0)
            f = -eps * logsumexp((g[None, :] - Cm) / eps + np.log(wb)[None, :], axis=1)
        if plan:
            return wa[:, None] * wb[None, :] * np.exp((f[:, None] + g[None, :] - Cm) / eps)
        return wa @ f + wb @ g

    eps = 0.5
    ref = ot_eps(C, a, b, eps) - 0.5 * ot_eps(ot.dist(X, X), a, a, eps) \
        - 0.5 * ot_eps(ot.dist(Y, Y), b, b, eps)
    out = json.loads(run("divergence", path("X.npy"), path("Y.npy"), "--eps", "0.5", "--tol",
                         "1e-12", "--grad", path("gX.npy"), "--json").stdout)
    check(close(out["value"], ref, 1e-9), "divergence %r vs %r" % (out["value"], ref))
    gX = np.load(path("gX.npy"))
    check(gX.shape == (50, 2), "gradient shape")
    # The gradient against the envelope formula with the NumPy plans (cost |x - y|^2):
    # dS/dx_i = 2 sum_j pi_xy[i, j] (x_i - y_j) - 2 sum_k pi_xx[i, k] (x_i - x_k).
    Pxy = ot_eps(C, a, b, eps, plan=True)
    Pxx = ot_eps(ot.dist(X, X), a, a, eps, plan=True)
    gref = 2 * (Pxy.sum(1)[:, None] * X - Pxy @ Y) - 2 * (Pxx.sum(1)[:, None] * X - Pxx @ X)
    err = np.abs(gX - gref).max() / np.abs(gref).max()
    check(err <= 1e-8, "divergence --grad vs the envelope formula: relative error %.3g" % err)

    # ---- error paths -----------------------------------------------------------
    np.save(path("bad_a.npy"), np.ones(50) / 49)
    p = run("ot", path("X.npy"), path("Y.npy"), "--a", path("bad_a.npy"), expect=3)
    check("sum to" in p.stderr, "unequal masses message: " + p.stderr)
    run("ot", path("X.npy"), path("missing.npy"), expect=3)
    run("ot", path("X.npy"), expect=2)
    run("ot", path("X.npy"), path("Y.npy"), "--solver", "magic", expect=2)
    run("ot", path("X.npy"), path("Y.npy"), "--solver", "sinkhorn", expect=2)
    run("ot", path("X.npy"), path("Y.npy"), "--solver", "sinkhorn", "--eps", "-1", expect=3)
    run("ot", path("X.npy"), path("x1.npy"), expect=3)
    run("ot", path("X.npy"), path("Y.npy"), "--cost", path("C.npy"), expect=3)
    run("divergence", path("X.npy"), path("Y.npy"), expect=2)
    run("divergence", path("X.npy"), path("Y.npy"), "--eps", "0", expect=3)
    run("ot", "--help")
    run("divergence", "--help")

if failures:
    print("%d failure(s)" % len(failures))
    sys.exit(1)
print("ok")
