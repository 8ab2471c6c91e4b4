"""Side-by-side benchmark of the linalg module against NumPy implementations of
the same definitions (paper toolbox's schatten_lmo; polar = U V^T of the SVD;
Keller Jordan's NS5 in float64), on Gaussian inputs and on well-conditioned
inputs with prescribed spectrum, cond 100 (cases marked "wc").  Runs NumPy here and bench_linalg in the same
process run, and prints time ratios (specot / NumPy; < 1 means specot faster).
Usage: /usr/bin/python3 bench/linalg_numpy.py BUILD_DIR [REPEATS]"""
import json
import os
import subprocess
import sys
import time

import numpy as np

build = sys.argv[1] if len(sys.argv) > 1 else "build"
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5


def schatten_lmo(g, p):
    rtol = np.finfo(float).eps * max(g.shape)
    u, s, vh = np.linalg.svd(g, full_matrices=False)
    s = np.where(s > rtol * s[0], s, 0)
    if np.isinf(p):
        resp = s[s > 0].sum() * (s > 0)
    else:
        q = 1 + 1 / (2 * p - 1)
        sn = s / s[0]
        nu = np.sum(sn**q) ** (1 / q)
        resp = np.where(s > 0, s[0] * nu * (sn / nu) ** (q - 1), 0)
    return -(u * resp) @ vh


def polar(g):
    u, s, vh = np.linalg.svd(g, full_matrices=False)
    r = int(np.sum(s > np.finfo(float).eps * max(g.shape) * s[0]))
    return u[:, :r] @ vh[:r]


def polar_gram(g):
    """The Gram route in NumPy: G (G^T G)^{-1/2} (tall) or (G G^T)^{-1/2} G (wide), eigh of
    the small Gram matrix (what specot's polar --method gram computes)."""
    tall = g.shape[0] >= g.shape[1]
    w, v = np.linalg.eigh(g.T @ g if tall else g @ g.T)
    keep = w > np.finfo(float).eps * max(g.shape) * w[-1]
    inv_sqrt = (v[:, keep] / np.sqrt(w[keep])) @ v[:, keep].T
    return g @ inv_sqrt if tall else inv_sqrt @ g


def ns5(g, steps=5):
    a, b, c = 3.4445, -4.7750, 2.0315
    x = g.T if g.shape[0] > g.shape[1] else g
    x = x / np.linalg.norm(x)
    for _ in range(steps):
        A = x @ x.T
        x = a * x + (b * A + c * A @ A) @ x
    return x.T if g.shape[0] > g.shape[1] else x


def best(fn, *args):
    t = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn(*args)
        t = min(t, time.perf_counter() - t0)
    return t


rng = np.random.default_rng(1)
numpy_times = {}
numpy_algo = {}  # the NumPy algorithm of a row, when it is not the obvious equivalent
for m, n in [(2000, 50), (50, 2000), (512, 512)]:
    g = rng.standard_normal((m, n))
    numpy_times[f"lmo_p2 {m}x{n}"] = best(schatten_lmo, g, 2.0)
    numpy_times[f"lmo_pinf {m}x{n}"] = best(schatten_lmo, g, np.inf)
    # Like with like: specot's SVD route vs NumPy's SVD, its Gram route vs NumPy's Gram route,
    # and its automatic choice vs the faster of NumPy's two.
    tp, tg = best(polar, g), best(polar_gram, g)
    numpy_times[f"polar_svd {m}x{n}"], numpy_algo[f"polar_svd {m}x{n}"] = tp, "np.linalg.svd"
    numpy_times[f"polar_gram {m}x{n}"], numpy_algo[f"polar_gram {m}x{n}"] = tg, "Gram + np.linalg.eigh"
    numpy_times[f"polar_auto {m}x{n}"] = min(tp, tg)
    numpy_algo[f"polar_auto {m}x{n}"] = "best of svd/Gram"
def well_conditioned(m, n, cond):
    """U diag(s) W^T with s geometric from 1 to 1/cond (as bench_linalg's wc)."""
    k = min(m, n)
    u = np.linalg.qr(rng.standard_normal((m, k)))[0]
    w = np.linalg.qr(rng.standard_normal((n, k)))[0]
    return (u * cond ** -np.linspace(0, 1, k)) @ w.T


for m, n in [(2000, 50), (50, 2000), (512, 512)]:
    g = well_conditioned(m, n, 100.0)
    numpy_times[f"lmo_p2 {m}x{n} wc"] = best(schatten_lmo, g, 2.0)
    numpy_times[f"lmo_pinf {m}x{n} wc"] = best(schatten_lmo, g, np.inf)
    numpy_times[f"polar_auto {m}x{n} wc"] = min(best(polar, g), best(polar_gram, g))
    numpy_algo[f"polar_auto {m}x{n} wc"] = "best of svd/Gram"
g = rng.standard_normal((1024, 1024))
numpy_times["ns5 1024x1024"] = best(ns5, g)
h = rng.standard_normal((1024, 1024))
numpy_times["dgemm 1024"] = best(np.matmul, g, h)

exe = os.path.join(build, "bench_linalg")
out = subprocess.run([exe, str(reps)], capture_output=True, text=True, check=True).stdout
ours = [json.loads(line) for line in out.splitlines() if line.strip()]
print(f"linalg benchmark (best of {reps}; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})")
print(f"  {'case':28s} {'specot s':>10s} {'numpy s':>10s} {'ratio':>7s}  numpy algorithm")
rates = {}
for row in ours:
    case, t = row["case"], row["seconds"]
    ref = numpy_times.get(case)
    ratio = t / ref if ref else float("nan")
    algo = numpy_algo.get(case, "same definition (see above)")
    print(f"  {case:28s} {t:10.5f} {ref:10.5f} {ratio:7.2f}  {algo}")
    if "gflops" in row:
        rates[case] = row["gflops"]
if "ns5 1024x1024" in rates and "dgemm 1024" in rates:
    frac = rates["ns5 1024x1024"] / rates["dgemm 1024"]
    print(f"  NS5 1024 effective {rates['ns5 1024x1024']:.1f} GF/s (30 n^3 flops) vs dgemm "
          f"{rates['dgemm 1024']:.1f} GF/s: {100 * frac:.0f}% (target >= 85%)")
print("  targets: LMO/polar ratio <= 0.5")
