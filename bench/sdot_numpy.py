#!/usr/bin/env python3
"""Side-by-side semi-discrete OT benchmark: specot (bench_sdot) vs the same
algorithms in NumPy, one run.

usage: /usr/bin/python3 bench/sdot_numpy.py [BUILD_DIR] [--quick] [--threads N]
                                            [--steps K] [--numpy-steps K]

Cases:
  newton  2-D damped Newton (KMT, exact cells by half-plane clipping) on the
          three pyOMT toys, n = 256 (spec aeot.md sec. 1.5: 6-10 iterations):
          specot vs a NumPy/Python port of the same algorithm (--quick: 8gaussians only).
  adam    MC-Adam on the digits PCA-8 codes (n = 1797, d = 8, N = 2e4 points per
          step, lr 2e-3/(1+t/200)): specot runs --steps (default 1500) steps, NumPy
          --numpy-steps (default 20; the full NumPy run takes minutes) on the same
          codes; the ratio compares the time per step (CPU time of each side, which
          is robust to a loaded machine, and wall time).  Target: >= 20x.
Then the final cell errors of specot's run and the generator metrics of the
hard / soft / masked / AE-OT maps (decoded by PCA, labelled by 10-NN on pixels).
Threads: --threads N (default 1) for both sides (OPENBLAS/OMP_NUM_THREADS).
"""
import os
import sys

_threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
os.environ["OMP_NUM_THREADS"] = _threads
os.environ["OPENBLAS_NUM_THREADS"] = _threads

import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

args = [a for a in sys.argv[1:]]
build = args[0] if args and not args[0].startswith("-") else "build"
quick = "--quick" in args
steps = int(args[args.index("--steps") + 1]) if "--steps" in args else (300 if quick else 1500)
np_steps = int(args[args.index("--numpy-steps") + 1]) if "--numpy-steps" in args else 20
exe = os.path.join(build, "bench_sdot")
if not os.path.exists(exe):
    sys.exit("bench_sdot not found in %s (build the project first)" % build)


def ours(*a):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([exe, *a], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("JSON ")][-1]
    return json.loads(line[5:]), wall, cpu


# ---------------------------------------------------------------- NumPy Newton
def clip(poly, tags, a, b, k):
    out, otags = [], []
    m = len(poly)
    for e in range(m):
        p, q = poly[e], poly[(e + 1) % m]
        sp, sq = a @ p - b, a @ q - b
        if sp <= 0:
            out.append(p)
            otags.append(tags[e])
        if (sp <= 0) != (sq <= 0):
            s = sp / (sp - sq)
            out.append(p + s * (q - p))
            otags.append(k if sp <= 0 else tags[e])
    return out, otags


def cells(Y, h, hess):
    n = len(Y)
    w = np.zeros(n)
    H = np.zeros((n, n)) if hess else None
    sq = [np.array(v, float) for v in ((-.5, -.5), (.5, -.5), (.5, .5), (-.5, .5))]
    for i in range(n):
        poly, tags = list(sq), [-1] * 4
        A = Y - Y[i]
        B = h[i] - h
        for k in range(n):
            if k == i or len(poly) < 3:
                continue
            if max(A[k] @ v for v in poly) <= B[k]:
                continue
            poly, tags = clip(poly, tags, A[k], B[k], k)
        if len(poly) < 3:
            continue
        P = np.array(poly)
        Q = np.roll(P, -1, axis=0)
        w[i] = 0.5 * np.sum(P[:, 0] * Q[:, 1] - Q[:, 0] * P[:, 1])
        if hess:
            for e, t in enumerate(tags):
                if t >= 0:
                    v = 0.5 * np.linalg.norm(Q[e] - P[e]) / np.linalg.norm(Y[t] - Y[i])
                    H[i, t] -= v
                    H[t, i] -= v
    if hess:
        H[np.diag_indices(n)] = -H.sum(1)
    return w, H


def newton_numpy(Y, tol=1e-10):
    n = len(Y)
    nu = np.full(n, 1.0 / n)
    s = 1.0 / (2 * np.abs(Y).max())
    h = -0.5 * s * (Y ** 2).sum(1)
    w, H = cells(Y, h, True)
    eps0 = 0.5 * min(w.min(), nu.min())
    it = 0
    while np.max(np.abs(w - nu) / nu) > tol and it < 100:
        g = w - nu
        d = np.linalg.solve(H + 1.0 / n, -g)
        alpha = 1.0
        while True:
            ht = h + alpha * d
            wt, Ht = cells(ht, ht, False) if False else cells(Y, ht, True)
            if wt.min() >= eps0 and np.linalg.norm(wt - nu) <= (1 - alpha / 2) * np.linalg.norm(g):
                break
            alpha /= 2
        h, w, H = ht, wt, Ht
        it += 1
    return h - h.mean(), it, np.max(np.abs(w - nu) / nu)


def toy(name, n=256, seed=1):
    """The pyOMT/WGAN-GP generators (points differ from specot's RNG stream)."""
    rng = np.random.default_rng(seed)
    if name == "8gaussians":
        c = np.array([(np.cos(k * np.pi / 4), np.sin(k * np.pi / 4)) for k in range(8)]) * 2
        return (c[rng.integers(8, size=n)] + 0.02 * rng.normal(size=(n, 2))) / 1.414
    if name == "25gaussians":
        c = np.array([(2 * i, 2 * j) for i in range(-2, 3) for j in range(-2, 3)], float)
        return (c[rng.integers(25, size=n)] + 0.05 * rng.normal(size=(n, 2))) / 2.828
    t = 1.5 * np.pi * (1 + 2 * rng.uniform(size=n))
    return np.stack([t * np.cos(t), t * np.sin(t)], 1) / 7.5 + 0.25 / 7.5 * rng.normal(size=(n, 2))


# ---------------------------------------------------------------- NumPy Adam
def adam_numpy(Y, steps, N, seed=1):
    n, d = Y.shape
    rng = np.random.default_rng(seed)
    h, m, v = np.zeros(n), np.zeros(n), np.zeros(n)
    for t in range(1, steps + 1):
        X = rng.uniform(-0.5, 0.5, size=(N, d))
        idx = np.argmax(X @ Y.T + h, axis=1)
        g = np.bincount(idx, minlength=n) / N - 1.0 / n
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        h -= 2e-3 / (1 + t / 200) * m / (np.sqrt(v) + 1e-8)
        h -= h.mean()
    return h


print("== semi-discrete OT: specot vs NumPy (threads %s) ==" % _threads)
res, _, _ = ours("newton")
print("\n2-D damped Newton, n = 256 (spec: 6-10 iterations; Python prototype 3-9 s)")
print("%-12s %6s %10s %10s | %8s %10s %9s %8s" % ("data", "iters", "max err", "specot s",
                                                 "np iters", "np max err", "NumPy s", "ratio"))
for r in res["newton"]:
    if quick and r["data"] != "8gaussians":
        npt, nit, nerr = float("nan"), -1, float("nan")
    else:
        Y = toy(r["data"])
        t0 = time.process_time()
        _, nit, nerr = newton_numpy(Y)
        npt = time.process_time() - t0
    print("%-12s %6d %10.1e %10.4f | %8d %10.1e %9.2f %7.0fx" % (
        r["data"], r["iterations"], r["max_rel_error"], r["seconds"], nit, nerr, npt,
        npt / r["seconds"]))

with tempfile.TemporaryDirectory() as tmp:
    codes = os.path.join(tmp, "codes.npy")
    res, wall, cpu = ours("adam", str(steps), "20000", codes)
    a = res["adam"]
    Y = np.load(codes)
    t0, c0 = time.perf_counter(), time.process_time()
    adam_numpy(Y, np_steps, 20000)
    np_wall = (time.perf_counter() - t0) / np_steps
    np_cpu = (time.process_time() - c0) / np_steps
c_step_cpu = a["per_step_cpu_ms"] / 1e3
print("\nMC-Adam on digits PCA-8 (n = %d, d = 8, N = 2e4), specot %d steps, NumPy %d steps" % (
    a["n"], steps, np_steps))
print("  per step: specot %.1f ms wall (solver only), NumPy %.1f ms wall -> %.1fx" % (
    a["per_step_ms"], 1e3 * np_wall, 1e3 * np_wall / a["per_step_ms"]))
print("  per step CPU time: specot %.1f ms, NumPy %.1f ms -> %.1fx" % (
    1e3 * c_step_cpu, 1e3 * np_cpu, np_cpu / c_step_cpu))
print("  NumPy for %d steps would take %.0f s; specot took %.1f s" % (steps, np_wall * steps, a["seconds"]))
print("  final cells (4e5 evaluation points): empty %d, relative error median %.3f, p90 %.3f, "
      "p99 %.3f, max %.3f; W2^2 %.5f; PCA variance kept %.3f" % (
          a["empty_cells"], a["rel_err_median"], a["rel_err_p90"], a["rel_err_p99"],
          a["rel_err_max"], a["w2"], a["pca_variance"]))
print("\nGenerator on digits (2000 samples, PCA-8 decode, 10-NN labels on pixels/16; real digits "
      "ambiguous %.3f)" % res["real_ambiguous"])
print("%-7s %9s %10s %12s %10s %10s %8s" % ("map", "tau", "ambiguous", "class share", "nn dist",
                                           "precision", "recall"))
for m in res["maps"]:
    print("%-7s %9.2e %10.4f %5.2f-%-6.2f %10.4f %10.4f %8.4f" % (
        m["map"], m["tau"], m["ambiguous"], m["class_share_min"], m["class_share_max"],
        m["median_nn"], m["precision"], m["recall"]))
