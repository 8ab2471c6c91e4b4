#!/usr/bin/env python3
"""Determinism across thread counts (argv[1] = the CLI): every command run with
OMP_NUM_THREADS = 1 and = 2 (OpenBLAS single-threaded in both) gives byte-identical
output files and the same printed result (wall-clock fields and output names aside).
Sizes are large enough for the OpenMP loops of the solvers to split across threads.
Sinkhorn (ot --solver sinkhorn, divergence) sums its marginal error and costs with OpenMP
reductions, whose order depends on the thread count: there the results must agree to
1e-8 relative instead (docs/hardening.md).  Multithreaded OpenBLAS is not bit-reproducible
across thread counts (its blocking changes the order of sums); that is documented too."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

SPECOT = sys.argv[1]
FAILURES = []
ENV = dict(os.environ)
ENV.setdefault("LSAN_OPTIONS", "suppressions=" + os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                              "..", "lsan.supp"))
TIMING_KEYS = {"wall_seconds", "seconds", "time", "wall", "out"}


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def strip(obj):
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in TIMING_KEYS}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


def run(d, threads, args, outs):
    env = dict(ENV, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1")
    sub = os.path.join(d, "t%d" % threads)
    os.makedirs(sub, exist_ok=True)
    full = [a.replace("@", sub + "/") for a in args]
    p = subprocess.run([SPECOT, *full], capture_output=True, text=True, env=env, cwd=d, timeout=300)
    files = {}
    for o in outs:
        path = os.path.join(sub, o)
        if os.path.isdir(path):
            for f in sorted(os.listdir(path)):
                if f.endswith((".csv", ".npy", ".bin")):
                    files[o + "/" + f] = open(os.path.join(path, f), "rb").read()
        elif os.path.exists(path):
            files[o] = open(path, "rb").read()
    try:
        js = strip(json.loads(p.stdout)) if "--json" in args else p.stdout.replace(sub + "/", "")
    except ValueError:
        js = p.stdout
    return p.returncode, js, files, p.stderr


def numbers(obj):
    if isinstance(obj, dict):
        return [x for k in sorted(obj) if k not in ("iterations", "status") for x in numbers(obj[k])]
    if isinstance(obj, list):
        return [x for v in obj for x in numbers(v)]
    return [obj] if isinstance(obj, float) else []


def close(name, a, b):
    """Agreement to 1e-8 (relative to the largest entry) of printed values and outputs."""
    va, vb = np.array(numbers(a[1])), np.array(numbers(b[1]))
    check(va.shape == vb.shape and np.allclose(va, vb, rtol=1e-8, atol=1e-10),
          "%s: printed values differ beyond 1e-8: %s / %s" % (name, va, vb))
    for f in a[2]:
        if f.endswith(".npy"):
            x = np.load(__import__("io").BytesIO(a[2][f]))
            y = np.load(__import__("io").BytesIO(b[2][f]))
            scale = max(np.abs(x).max(), 1e-300)
            check(x.shape == y.shape and np.abs(x - y).max() <= 1e-8 * scale,
                  "%s: %s differs beyond 1e-8 between 1 and 2 threads" % (name, f))


def main():
    with tempfile.TemporaryDirectory() as d:
        r = np.random.default_rng(11)
        P = lambda n: os.path.join(d, n)
        np.save(P("X.npy"), r.standard_normal((300, 3)))
        np.save(P("Y.npy"), r.standard_normal((280, 3)) * [1.5, 1.0, 0.5] + 0.3)
        np.save(P("Xs.npy"), r.standard_normal((60, 4)))
        np.save(P("Ys.npy"), r.standard_normal((50, 4)) * [2, 1.5, 1, 0.5])
        G = r.standard_normal((200, 120))
        np.save(P("G.npy"), G)
        np.save(P("G2.npy"), r.standard_normal((200, 120)))
        np.save(P("S.npy"), G.T @ G / 200)
        A = r.standard_normal((6, 6))
        np.save(P("A.npy"), A @ A.T + np.eye(6))
        B = r.standard_normal((6, 6))
        np.save(P("B.npy"), B @ B.T + 0.5 * np.eye(6))
        np.save(P("m0.npy"), r.standard_normal(6))
        np.save(P("m1.npy"), r.standard_normal(6))
        cases = [
            (["lmo", "G.npy", "-p", "3", "-o", "@V.npy", "--json"], ["V.npy"]),
            (["lmo", "G.npy", "-p", "inf", "-o", "@V.npy", "--json"], ["V.npy"]),
            (["polar", "G.npy", "--method", "svd", "-o", "@Q.npy", "--json"], ["Q.npy"]),
            (["polar", "G.npy", "--method", "gram", "-o", "@Q.npy", "--json"], ["Q.npy"]),
            (["polar", "G.npy", "--method", "ns5", "-o", "@Q.npy", "--json"], ["Q.npy"]),
            (["polar", "G.npy", "--method", "regularized", "--eps", "0.1", "-o", "@Q.npy", "--json"], ["Q.npy"]),
            (["norm", "G.npy", "--schatten", "3", "--json"], []),
            (["gauge", "S.npy", "-p", "inf", "--json"], []),
            (["ot", "X.npy", "Y.npy", "--plan", "@P.csv", "--potentials", "@f.npy,@g.npy", "--json"],
             ["P.csv", "f.npy", "g.npy"]),
            (["ot", "X.npy", "Y.npy", "--solver", "sinkhorn", "--eps", "0.05", "--plan", "@P.csv",
              "--potentials", "@f.npy,@g.npy", "--json"], ["P.csv", "f.npy", "g.npy"]),
            (["divergence", "X.npy", "Y.npy", "--eps", "0.1", "--grad", "@gx.npy", "--json"], ["gx.npy"]),
            (["transport", "Xs.npy", "Ys.npy", "-p", "inf", "--plan", "@P.csv", "--dual", "@Q.npy", "--json"],
             ["P.csv", "Q.npy"]),
            (["transport", "Xs.npy", "Ys.npy", "--kyfan", "2", "--plan", "@P.csv", "--json"], ["P.csv"]),
            (["gaussian", "--mean0", "m0.npy", "--cov0", "A.npy", "--mean1", "m1.npy", "--cov1", "B.npy",
              "-p", "3", "--cross", "@K.npy", "--json"], ["K.npy"]),
            (["geodesic", "Xs.npy", "Ys.npy", "-p", "2", "-t", "0.3", "-o", "@Z.npy", "--weights-out", "@w.npy"],
             ["Z.npy", "w.npy"]),
            (["muon-step", "G.npy", "G2.npy", "-o", "@W.npy", "--state", "@M.npy", "--json"], ["W.npy", "M.npy"]),
            (["flow", "--model", "mlp-relu", "-p", "1,inf", "--steps", "30", "--out", "@flow", "--quiet", "--json"],
             ["flow"]),
            (["flow", "--model", "mmd", "-p", "inf", "--method", "hamiltonian", "--steps", "30", "--out", "@fh",
              "--quiet", "--json"], ["fh"]),
            (["flow", "--model", "gaussian-kl", "-p", "2", "--steps", "20", "--out", "@fg", "--quiet", "--json"],
             ["fg"]),
            (["convert", "X.npy", "@X.csv"], ["X.csv"]),
        ]
        for args, outs in cases:
            a = run(d, 1, args, outs)
            b = run(d, 2, args, outs)
            name = " ".join(args[:5])
            check(a[0] == 0 and b[0] == 0, "%s: exit %d / %d: %s %s" % (name, a[0], b[0], a[3], b[3]))
            if "sinkhorn" in args or args[0] == "divergence":
                close(name, a, b)
                continue
            check(a[1] == b[1], "%s: printed results differ between 1 and 2 threads" % name)
            check(set(a[2]) == set(b[2]) and len(a[2]) >= len(outs), "%s: output files %s / %s" %
                  (name, sorted(a[2]), sorted(b[2])))
            for f in a[2]:
                check(a[2][f] == b.__getitem__(2).get(f), "%s: %s differs between 1 and 2 threads" % (name, f))
    print("%d failures" % len(FAILURES))
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
