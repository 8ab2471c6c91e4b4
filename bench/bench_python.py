#!/usr/bin/env python3
"""Python binding benchmark: the same calls from Python, specot vs POT, one process.

usage: /usr/bin/python3 bench/bench_python.py [BUILD_DIR] [--quick]

1. Per-call time on tiny problems (n = 10, d = 2): dist, emd2, sinkhorn2 and
   the Schatten LMO (vs its NumPy SVD definition); the whole call, argument
   conversion and solve included, best of many repetitions.  emd2 on a 1 x 1
   problem is all overhead (Python layer, conversion, context, GIL release):
   target under 20 us.
2. emd2 and sinkhorn at n = m = 1000, d = 10 (eps = 0.05 mean(M), stopThr
   1e-9): specot through the binding vs POT (ot.emd2, ot.sinkhorn plain and
   sinkhorn_log), best of 3; ratio = specot / POT (< 1: specot faster).
OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = 1 for both sides.
"""
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

build = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "build"
sys.path.insert(0, os.path.join(build, "python"))

import time  # noqa: E402
import timeit  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import ot  # noqa: E402

import specot  # noqa: E402

quick = "--quick" in sys.argv


def per_call(fn, number):
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def best(fn, reps=3):
    out, times = None, []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def lmo_numpy(G):
    U, s, Wt = np.linalg.svd(G, full_matrices=False)
    return -s.sum() * U @ Wt


def small():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(10, 2)), rng.normal(size=(10, 2))
    M = ot.dist(X, Y)
    a = b = ot.unif(10)
    G = rng.normal(size=(10, 4))
    M1 = np.zeros((1, 1))
    number = 200 if quick else 2000
    cases = [
        ("dist (10x2)", lambda: specot.dist(X, Y), lambda: ot.dist(X, Y)),
        ("emd2 n=1 (call overhead)", lambda: specot.emd2([], [], M1), lambda: ot.emd2([], [], M1)),
        ("emd2 n=10", lambda: specot.emd2(a, b, M), lambda: ot.emd2(a, b, M)),
        ("sinkhorn2 n=10 reg=1", lambda: specot.sinkhorn2(a, b, M, 1.0),
         lambda: ot.sinkhorn2(a, b, M, 1.0)),
        ("schatten_lmo 10x4 p=inf", lambda: specot.schatten_lmo(G, np.inf),
         lambda: lmo_numpy(G)),
        ("version() (binding floor)", specot.version, lambda: None),
    ]
    print("-- per-call time, tiny problems (best of 5 x %d calls) --" % number)
    print("%-28s %12s %12s %8s" % ("call", "specot [us]", "peer [us]", "ratio"))
    for name, ours, peer in cases:
        t_ours, t_peer = per_call(ours, number) * 1e6, per_call(peer, number) * 1e6
        ratio = t_ours / t_peer if t_peer > 0.05 else float("nan")
        print("%-28s %12.2f %12.2f %8.3f" % (name, t_ours, t_peer, ratio))
        if name.startswith("emd2 n=1 ") and t_ours > 20:
            print("   WARNING: the call overhead %.1f us exceeds the 20 us target" % t_ours)


def large():
    n = 300 if quick else 1000
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(n, 10)), rng.normal(size=(n, 10)) + 0.5
    M = ot.dist(X, Y)
    a = b = ot.unif(n)
    reg = 0.05 * M.mean()
    print("-- n = m = %d, d = 10 (best of 3) --" % n)
    print("%-34s %10s %10s %8s %12s" % ("call", "specot [s]", "POT [s]", "ratio", "rel. diff"))
    t_s, v_s = best(lambda: specot.emd2(a, b, M))
    t_p, v_p = best(lambda: ot.emd2(a, b, M))
    print("%-34s %10.4f %10.4f %8.3f %12.2e" % ("emd2", t_s, t_p, t_s / t_p, abs(v_s - v_p) / v_p))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_s, P_s = best(lambda: specot.sinkhorn(a, b, M, reg, stopThr=1e-9, numItermax=100000))
        t_p, P_p = best(lambda: ot.sinkhorn(a, b, M, reg, stopThr=1e-9, numItermax=100000))
        t_l, P_l = best(lambda: ot.sinkhorn(a, b, M, reg, method="sinkhorn_log", stopThr=1e-9,
                                            numItermax=100000), reps=1 if quick else 2)
    diff = np.abs(P_s - P_p).sum()
    print("%-34s %10.4f %10.4f %8.3f %12.2e" % ("sinkhorn vs POT plain", t_s, t_p, t_s / t_p, diff))
    print("%-34s %10.4f %10.4f %8.3f %12.2e" % ("sinkhorn vs POT sinkhorn_log", t_s, t_l, t_s / t_l,
                                               np.abs(P_s - P_l).sum()))


if __name__ == "__main__":
    print("== Python binding: specot vs POT (build: %s) ==" % build)
    small()
    large()
