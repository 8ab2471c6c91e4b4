#!/usr/bin/env python3
"""`specot ot --solver sinkhorn` and `specot divergence` on the matrix-free path.

Run by ctest as: /usr/bin/python3 cli_online_test.py path/to/specot
Checks: --online equals the dense path (cost, potentials, divergence value and
gradients to 1e-10 with tight tolerances); automatic choice by --memory-limit;
the sparse thresholded plan against POT's log-domain plan; error exits (usage 2,
no output file left behind).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import ot

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


rng = np.random.default_rng(3)
with tempfile.TemporaryDirectory() as tmp:
    path = lambda name: os.path.join(tmp, name)  # noqa: E731
    n, m, d, eps = 60, 45, 3, 0.2
    X, Y = rng.normal(size=(n, d)) + 2.0, rng.normal(size=(m, d)) * 1.2 + 2.5
    a, b = rng.uniform(0.2, 1, n), rng.uniform(0.2, 1, m)
    a, b = a / a.sum(), b / b.sum()
    for name, arr in (("X", X), ("Y", Y), ("a", a), ("b", b)):
        np.save(path(name + ".npy"), arr)
    common = [path("X.npy"), path("Y.npy"), "--a", path("a.npy"), "--b", path("b.npy")]

    # ---- ot: online = dense ------------------------------------------------
    base = ["ot", *common, "--solver", "sinkhorn", "--eps", str(eps), "--tol", "1e-13", "--json"]
    dense = json.loads(run(*base, "--potentials", path("f.npy") + "," + path("g.npy")).stdout)
    onl = json.loads(run(*base, "--online", "--potentials",
                         path("fo.npy") + "," + path("go.npy")).stdout)
    check(dense["solver"] == "sinkhorn" and onl["solver"] == "sinkhorn-online",
          "solvers %s / %s" % (dense["solver"], onl["solver"]))
    for key in ("cost", "regularized_cost", "dual_objective", "lower_bound"):
        check(abs(onl[key] - dense[key]) <= 1e-10, "ot %s: online %r dense %r" %
              (key, onl[key], dense[key]))
    for p1, p2 in (("f.npy", "fo.npy"), ("g.npy", "go.npy")):
        diff = np.abs(np.load(path(p1)) - np.load(path(p2))).max()
        check(diff <= 1e-10, "potential %s differs by %g" % (p1, diff))
    # POT's log-domain Sinkhorn on the same problem: the plan cost.
    C = ot.dist(X, Y)
    Pref = ot.sinkhorn(a, b, C, eps, method="sinkhorn_log", stopThr=1e-13, numItermax=100000)
    check(abs(onl["cost"] - float((Pref * C).sum())) <= 1e-9,
          "online cost %r vs POT %r" % (onl["cost"], float((Pref * C).sum())))

    # ---- automatic choice by --memory-limit (8 n m = 21600 bytes) ----------
    auto = json.loads(run(*base, "--memory-limit", "21599").stdout)
    check(auto["solver"] == "sinkhorn-online", "memory-limit 21599 chose %s" % auto["solver"])
    auto = json.loads(run(*base, "--memory-limit", "21600").stdout)
    check(auto["solver"] == "sinkhorn", "memory-limit 21600 chose %s" % auto["solver"])
    auto = json.loads(run(*base, "--memory-limit", "1K").stdout)
    check(auto["solver"] == "sinkhorn-online", "memory-limit 1K chose %s" % auto["solver"])

    # ---- sparse thresholded plan vs POT's plan -----------------------------
    thr = 1e-3
    run(*base, "--online", "--plan", path("plan.csv"), "--plan-threshold", str(thr))
    P = np.loadtxt(path("plan.csv"), delimiter=",", ndmin=2)
    want = np.argwhere(Pref >= thr * (1 + 1e-8))
    rows, cols = P[:, 0].astype(int), P[:, 1].astype(int)
    check(P.shape[0] >= len(want) and np.all(P[:, 2] >= thr), "sparse plan entries %d (POT %d)" %
          (P.shape[0], len(want)))
    check(np.allclose(P[:, 2], Pref[rows, cols], rtol=1e-8, atol=1e-15),
          "sparse plan masses differ from POT by %g" % np.abs(P[:, 2] - Pref[rows, cols]).max())

    # ---- divergence: online = dense ----------------------------------------
    dbase = ["divergence", *common, "--eps", "0.3", "--scale", "0.5", "--tol", "1e-13", "--json"]
    dd = json.loads(run(*dbase, "--grad", path("gx.npy"), "--grad-y", path("gy.npy")).stdout)
    do = json.loads(run(*dbase, "--online", "--grad", path("gxo.npy"), "--grad-y",
                        path("gyo.npy")).stdout)
    check(dd["solver"] == "dense" and do["solver"] == "online", "divergence solvers")
    for key in ("value", "ot_xy", "ot_xx", "ot_yy"):
        check(abs(do[key] - dd[key]) <= 1e-10, "divergence %s: %r vs %r" % (key, do[key], dd[key]))
    for p1, p2 in (("gx.npy", "gxo.npy"), ("gy.npy", "gyo.npy")):
        diff = np.abs(np.load(path(p1)) - np.load(path(p2))).max()
        check(diff <= 1e-10, "gradient %s differs by %g" % (p1, diff))
    auto = json.loads(run(*dbase, "--memory-limit", str(8 * (n + m) ** 2 - 1)).stdout)
    check(auto["solver"] == "online", "divergence memory-limit chose %s" % auto["solver"])

    # ---- errors ------------------------------------------------------------
    run(*base, "--online", "--plan", path("bad.csv"), expect=2)
    check(not os.path.exists(path("bad.csv")), "plan file written after a usage error")
    run(*base, "--memory-limit", "12X", expect=2)
    run(*base, "--memory-limit", "-5", expect=2)
    run(*base, "--plan-threshold", "0", expect=2)
    run("ot", *common, "--online", expect=2)  # exact solver
    np.save(path("C.npy"), C)
    run(*base, "--online", "--cost", path("C.npy"), expect=2)
    run(*base, "--online", "--tol", "0", expect=3)
    run("divergence", *common, "--eps", "0", "--online", expect=3)
    p = run("ot", "--help")
    check("--memory-limit" in p.stdout and "--plan-threshold" in p.stdout, "ot --help")
    p = run("divergence", "--help")
    check("--online" in p.stdout, "divergence --help")

if failures:
    print("%d failure(s)" % len(failures))
    sys.exit(1)
print("ok")
