#!/usr/bin/env python3
"""Side-by-side OT benchmark: specot (bench_ot) vs POT, same data, one run.

usage: /usr/bin/python3 bench/ot_pot.py [BUILD_DIR] [--quick] [--threads N] [--only CASE]

--only exact|mahal|sinkhorn runs one group of cases (the random data stay the
same as in a full run).

Prints, for each case, POT's time, specot's time and the ratio specot/POT
(< 1 means specot is faster), plus the cost agreement.  Cases:
  exact     n = m = 1000, 2000, 4000, d = 10 Gaussian clouds: ot.emd2 vs
            specot network simplex (targets: ratio <= 0.5);
  mahal     20 Mahalanobis re-solves (n = m = 1000, d = 10), L_k = I + 0.2 G +
            0.02 k H (slow drift, as between the OT calls of a spectral solve),
            specot warm-started vs cold, and POT (always cold); then 20
            independent L_k = I + 0.2 G_k, where the old tree does not help;
  sinkhorn  eps = 0.05 mean(C), stopThr = tol = 1e-9: ot.sinkhorn (plain) and
            ot.sinkhorn(method='sinkhorn_log'), 'sinkhorn_stabilized' (vs specot without
            eps-scaling) and 'sinkhorn_epsilon_scaling' (vs specot with it) vs specot (targets: <= 1x plain,
            <= 0.05x log); both sides best of SK_REPS = 3 solves in one process
            (specot: bench_ot's REPS argument, one-shot calls, allocation included).  POT checks ||v * K^T u - b||_2 every 10 iterations,
            specot the (stricter) L1 norm every iteration;
  small eps eps = 1e-4 median(C), 10^4 iterations for both: POT plain
            overflows (NaN), specot stays finite.
Threads: --threads N (default 1) sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS
for both sides (POT's emd is sequential; its Sinkhorn uses OpenBLAS).  The
timings depend on the machine's load; OPENBLAS_CORETYPE is left as it is.
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
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import ot  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "build"
quick = "--quick" in sys.argv
only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None


def wanted(case):
    return only is None or only == case
exe = os.path.join(build, "bench_ot")
if not os.path.exists(exe):
    sys.exit("bench_ot not found in %s (build the project first)" % build)


def ours(*args):
    p = subprocess.run([exe, *args], capture_output=True, text=True, check=True)
    return json.loads(p.stdout)


def timed(fn, reps=1):
    best, out = float("inf"), None
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


rng = np.random.default_rng(0)
print("%-28s %10s %10s %8s  %s" % ("case", "POT s", "specot s", "ratio", "agreement"))
with tempfile.TemporaryDirectory() as tmp:
    sizes = [1000] if quick else [1000, 2000, 4000]
    for n in sizes:
        X, Y = rng.normal(size=(n, 10)), rng.normal(size=(n, 10)) + 0.2
        C = ot.dist(X, Y)
        cpath = os.path.join(tmp, "C.npy")
        np.save(cpath, C)
        a = np.ones(n) / n
        reps = 2 if n <= 2000 else 1
        if not wanted("exact"):
            continue
        t_pot, ref = timed(lambda: ot.emd2(a, a, C, numItermax=10**8), reps)
        res = min((ours("emd", cpath) for _ in range(reps)), key=lambda r: r["time"])
        print("%-28s %10.3f %10.3f %8.2f  rel diff %.1e (%d pivots)" %
              ("exact emd2 n=%d d=10" % n, t_pot, res["time"], res["time"] / t_pot,
               abs(res["cost"] - ref) / ref, res["pivots"]))

    # Mahalanobis sequences.
    n, d, K = (500 if quick else 1000), 10, 20
    X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, d)) + 0.2
    G, H = rng.normal(size=(d, d)), rng.normal(size=(d, d))
    sequences = {
        "drift": [np.eye(d) + 0.2 * G + 0.02 * k * H for k in range(K)],
        "indep": [np.eye(d) + 0.2 * rng.normal(size=(d, d)) for _ in range(K)],
    }
    np.save(os.path.join(tmp, "X.npy"), X)
    np.save(os.path.join(tmp, "Y.npy"), Y)
    a = np.ones(n) / n
    for name, Ls in sequences.items():
        if not wanted("mahal"):
            continue
        np.save(os.path.join(tmp, "L.npy"), np.vstack(Ls))
        t0 = time.perf_counter()
        refs = [ot.emd2(a, a, ot.dist(X @ L.T, Y @ L.T), numItermax=10**8) for L in Ls]
        t_pot = time.perf_counter() - t0
        res = ours("mahal", *(os.path.join(tmp, f) for f in ("X.npy", "Y.npy", "L.npy")))
        diff = max(abs(c - r) / r for c, r in zip(res["costs"], refs))
        print("%-28s %10.3f %10.3f %8.2f  rel diff %.1e" %
              ("mahal %s x%d cold n=%d" % (name, K, n), t_pot, res["cold_time"],
               res["cold_time"] / t_pot, diff))
        print("%-28s %10.3f %10.3f %8.2f  warm/cold pivots %d/%d, warm/cold time %.2f" %
              ("mahal %s x%d warm n=%d" % (name, K, n), t_pot, res["warm_time"],
               res["warm_time"] / t_pot, res["warm_pivots"], res["cold_pivots"],
               res["warm_time"] / res["cold_time"]))

    # Sinkhorn at the same eps and tolerance, best of SK_REPS on both sides.
    SK_REPS = 3
    for n in ([1000] if quick else [1000, 2000, 4000]):
        X, Y = rng.normal(size=(n, 10)), rng.normal(size=(n, 10)) + 0.2
        C = ot.dist(X, Y)
        cpath = os.path.join(tmp, "C.npy")
        np.save(cpath, C)
        a = np.ones(n) / n
        eps = 0.05 * C.mean()
        if not wanted("sinkhorn"):
            continue
        t_plain, P = timed(lambda: ot.sinkhorn(a, a, C, eps, stopThr=1e-9, numItermax=10**5),
                           SK_REPS)
        ref = float((P * C).sum())
        for scaling in (0, 1):
            res = ours("sinkhorn", cpath, repr(eps), "1e-9", str(scaling), "100000", str(SK_REPS))
            print("%-28s %10.3f %10.3f %8.2f  rel diff %.1e (%d it)" %
                  ("sinkhorn%s n=%d vs plain" % ("+scaling" if scaling else "", n), t_plain,
                   res["time"], res["time"] / t_plain, abs(res["cost"] - ref) / ref,
                   res["iterations"]))
        if n <= 2000:
            t_log, P = timed(lambda: ot.sinkhorn(a, a, C, eps, method="sinkhorn_log",
                                                 stopThr=1e-9, numItermax=10**5), SK_REPS)
            res = ours("sinkhorn", cpath, repr(eps), "1e-9", "0", "100000", str(SK_REPS))
            print("%-28s %10.3f %10.3f %8.3f  rel diff %.1e" %
                  ("sinkhorn n=%d vs log" % n, t_log, res["time"], res["time"] / t_log,
                   abs(res["cost"] - float((P * C).sum())) / ref))
            # Like with like: POT's stabilized (absorption) Sinkhorn against specot's log-domain
            # Sinkhorn without eps-scaling, and POT's eps-scaling against specot's eps-scaling;
            # same eps and stopping tolerance (POT: stopThr on the marginal error).
            # (POT's eps-scaling takes ~15 s at n = 500: one solve, and only up to n = 1000.)
            for method, scaling, label in (("sinkhorn_stabilized", 0, "log vs POT stabilized"),
                                           ("sinkhorn_epsilon_scaling", 1, "scal vs POT eps-scaling")):
                if n > 1000:
                    continue
                t_pot, P = timed(lambda: ot.sinkhorn(a, a, C, eps, method=method, stopThr=1e-9,
                                                     numItermax=10**5),
                                 SK_REPS if method == "sinkhorn_stabilized" else 1)
                res = ours("sinkhorn", cpath, repr(eps), "1e-9", str(scaling), "100000", str(SK_REPS))
                print("%-28s %10.3f %10.3f %8.3f  rel diff %.1e" %
                      ("sk n=%d %s" % (n, label), t_pot, res["time"], res["time"] / t_pot,
                       abs(res["cost"] - float((P * C).sum())) / ref))

    # Small eps: POT's plain Sinkhorn overflows, specot stays finite.
    n = 500 if quick else 1000
    X, Y = rng.normal(size=(n, 10)), rng.normal(size=(n, 10)) + 0.2
    if not wanted("sinkhorn"):
        sys.exit(0)
    C = ot.dist(X, Y)
    np.save(os.path.join(tmp, "C.npy"), C)
    a = np.ones(n) / n
    eps = 1e-4 * np.median(C)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_plain, P = timed(lambda: ot.sinkhorn(a, a, C, eps, stopThr=1e-9, numItermax=10**4))
    res = ours("sinkhorn", os.path.join(tmp, "C.npy"), repr(eps), "1e-9", "1", "10000")
    exact = ot.emd2(a, a, C, numItermax=10**8)
    print("%-28s %10.3f %10.3f %8s  POT cost %s; specot cost %.8g (exact %.8g), %d it, "
          "violation %.1e, status %d" %
          ("sinkhorn eps=1e-4 med n=%d" % n, t_plain, res["time"], "-",
           float((P * C).sum()), res["cost"], exact, res["iterations"], res["marginal_error"],
           res["status"]))
