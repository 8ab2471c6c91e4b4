#!/usr/bin/env python3
"""Matrix-free (online) Sinkhorn vs POT, same data, one run.

usage: /usr/bin/python3 bench/online_pot.py [BUILD_DIR] [--quick] [--threads N]

Cases (uniform clouds in [0,1]^3 against a deformed cube, eps = 0.01 diam^2,
tol = stopThr = 1e-6; POT checks the L2 marginal error every 10 iterations,
specot the stricter L1 error every iteration):
  dense n = m = 5000: ot.sinkhorn2 (plain) and method='sinkhorn_log' on the
        stored C vs specot's dense point solver and the online solver;
  lazy  n = m = 2000: ot.bregman.empirical_sinkhorn(isLazy=True) (POT's
        matrix-free log-domain Sinkhorn, batches of 500 rows) vs specot online;
  div   n = m = 5000: ot.bregman.empirical_sinkhorn_divergence (dense, no
        gradients) vs specot's dense and online divergence with both gradients.
Prints POT's time, specot's time and the ratio specot/POT (< 1: specot faster),
plus the agreement of the costs, and the peak memory of each specot run.
The machine's load is printed: the timings depend on it.
"""
import os
import sys

_threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "2"
os.environ["OMP_NUM_THREADS"] = _threads
os.environ["OPENBLAS_NUM_THREADS"] = _threads

import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import ot  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "build"
quick = "--quick" in sys.argv
BIN = os.path.join(build, "bench_online")
TOL = 1e-6


def clouds(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, 3))
    Y = 0.2 + 0.8 * rng.uniform(size=(n, 3)) ** 2
    lo, hi = np.minimum(X.min(0), Y.min(0)), np.maximum(X.max(0), Y.max(0))
    return X, Y, 0.01 * float(((hi - lo) ** 2).sum())


def specot(*args):
    """Runs bench_online; returns its JSON and the child's peak RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = json.loads(p.stdout)
    out["peak_mb"] = max(after, before) / 1024.0  # ru_maxrss of the largest child so far
    return out


def timed(fn):
    t0 = time.perf_counter()
    r = fn()
    return time.perf_counter() - t0, r


print("== online Sinkhorn vs POT (threads %s, load %s) ==" % (_threads, os.getloadavg()))
with tempfile.TemporaryDirectory() as tmp:
    n = 2000 if quick else 5000
    X, Y, eps = clouds(n, 1)
    np.save(os.path.join(tmp, "X.npy"), X)
    np.save(os.path.join(tmp, "Y.npy"), Y)
    xf, yf = os.path.join(tmp, "X.npy"), os.path.join(tmp, "Y.npy")
    a = b = np.full(n, 1.0 / n)

    t_pot, cost_pot = timed(lambda: float(ot.sinkhorn2(a, b, ot.dist(X, Y), eps, stopThr=TOL,
                                                       numItermax=100000)))
    t_potlog, _ = timed(lambda: float(ot.sinkhorn2(a, b, ot.dist(X, Y), eps, stopThr=TOL,
                                                   method="sinkhorn_log", numItermax=100000)))
    dn = specot("sinkhorn", xf, yf, eps, TOL, "dense")
    on = specot("sinkhorn", xf, yf, eps, TOL, "online")
    print("sinkhorn n=m=%d d=3 eps=%.4g: POT plain %.3f s, POT log %.3f s | specot dense %.3f s "
          "(%d it), online %.3f s (%d it)" % (n, eps, t_pot, t_potlog, dn["time"],
                                              dn["iterations"], on["time"], on["iterations"]))
    print("  ratio online/POT plain %.2f, online/POT log %.2f, online/specot dense %.2f; "
          "|cost - POT| dense %.2e online %.2e" %
          (on["time"] / t_pot, on["time"] / t_potlog, on["time"] / dn["time"],
           abs(dn["cost"] - cost_pot), abs(on["cost"] - cost_pot)))

    nl = 1000 if quick else 2000
    Xl, Yl, epsl = clouds(nl, 2)
    np.save(os.path.join(tmp, "Xl.npy"), Xl)
    np.save(os.path.join(tmp, "Yl.npy"), Yl)
    t_lazy, res = timed(lambda: ot.bregman.empirical_sinkhorn(
        Xl, Yl, epsl, isLazy=True, batchSize=500, stopThr=TOL, numItermax=100000))
    f_lazy, g_lazy = res
    on_l = specot("sinkhorn", os.path.join(tmp, "Xl.npy"), os.path.join(tmp, "Yl.npy"), epsl,
                  TOL, "online")
    print("lazy n=m=%d: POT empirical_sinkhorn(isLazy) %.3f s | specot online %.3f s "
          "(%d it): ratio %.3f" % (nl, t_lazy, on_l["time"], on_l["iterations"],
                                   on_l["time"] / t_lazy))

    t_div, val_pot = timed(lambda: float(ot.bregman.empirical_sinkhorn_divergence(
        X, Y, eps, stopThr=TOL, numIterMax=100000)))
    dd = specot("divergence", xf, yf, eps, TOL, "dense")
    do = specot("divergence", xf, yf, eps, TOL, "online")
    print("divergence n=m=%d: POT (value only, entropy convention) %.3f s | specot dense %.3f s, "
          "online %.3f s (value + both gradients): ratio online/POT %.2f, online/dense %.2f; "
          "|online - dense| %.2e" % (n, t_div, dd["time"], do["time"], do["time"] / t_div,
                                     do["time"] / dd["time"], abs(do["value"] - dd["value"])))
    print("  (POT's value uses + eps sum pi log pi: it differs from the KL convention's by "
          "design; POT %.6g, specot %.6g)" % (val_pot, do["value"]))
