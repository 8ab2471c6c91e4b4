#!/usr/bin/env python3
"""Side-by-side benchmark of the SHK sampler (spec shk_dp_memory.md 2.2) against a
straightforward NumPy implementation of the same algorithm, in one process run.

Per step: ULA on V = |x|^2/2 (target N(0, I_d)), start N(0, 4 I_d), dt = 0.01; then a
birth-death sweep with the exact log-domain Gaussian KDE (self term included,
Silverman's bandwidth, row blocks so that memory stays O(block x N); distances by
differences for d <= 3 and by |x|^2 + |y|^2 - 2 x.y for d >= 4, as in the spec),
centred rates, U_i < p_i events visited in random order with the overwritten flags.
Prints steps/s of both, their ratio, and the KDE's share of a step for each.

Usage: /usr/bin/python3 bench/shk_numpy.py [BUILD_DIR] [--full]
  --full adds N = 10^5 (one step each; NumPy takes minutes per step there).  Threads: specot uses OpenMP's default (all cores); NumPy uses
  its BLAS's default."""
import os
import subprocess
import sys
import time

import numpy as np
from scipy.special import logsumexp


def silverman(X):
    n, d = X.shape
    return X.std(axis=0, ddof=1).mean() * (4.0 / ((d + 2) * n)) ** (1.0 / (d + 4))


def kde_log(X, h, block=1024):
    n, d = X.shape
    out = np.empty(n)
    sq = (X * X).sum(1)
    for i0 in range(0, n, block):
        B = X[i0:i0 + block]
        if d <= 3:
            D = ((B[:, None, :] - X[None, :, :]) ** 2).sum(-1)
        else:
            D = np.maximum(sq[i0:i0 + block, None] + sq[None, :] - 2.0 * B @ X.T, 0.0)
        out[i0:i0 + block] = logsumexp(-D / (2 * h * h), axis=1)
    return out - np.log(n) - 0.5 * d * np.log(2 * np.pi * h * h)


def step(X, rng, dt, lam, timing):
    n, d = X.shape
    X += -dt * X + np.sqrt(2 * dt) * rng.standard_normal((n, d))  # grad V = x
    V = 0.5 * (X * X).sum(1)
    t0 = time.perf_counter()
    beta = kde_log(X, silverman(X)) + V
    timing[0] += time.perf_counter() - t0
    beta -= beta.mean()
    p = -np.expm1(-lam * np.abs(beta) * dt)
    events = np.flatnonzero(rng.random(n) < p)
    rng.shuffle(events)
    over = np.zeros(n, dtype=bool)
    for i in events:
        if over[i]:
            continue
        r = rng.integers(n - 1)
        j = r + (r >= i)
        if beta[i] > 0:
            X[i] = X[j]
            over[i] = True
        else:
            X[j] = X[i]
            over[j] = True


def numpy_run(n, d, steps):
    rng = np.random.default_rng(1)
    X = 2.0 * rng.standard_normal((n, d))
    timing = [0.0]
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step(X, rng, 0.01, 1.0, timing)
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    return steps / total, timing[0] / total, cpu / steps


def specot_run(build, n, d, steps):
    exe = os.path.join(build, "bench_shk")
    out = subprocess.run([exe, str(n), str(d), str(steps)], capture_output=True, text=True, check=True).stdout
    f = out.split()
    return float(f[5]), float(f[7]), float(f[8]) / steps


def main():
    args = [a for a in sys.argv[1:] if a != "--full"]
    full = "--full" in sys.argv[1:]
    build = args[0] if args else "build"
    # (N, d, specot steps, numpy steps): a few seconds each
    cases = [(1000, 1, 300, 20), (1000, 2, 300, 20), (1000, 10, 300, 20),
             (10000, 1, 20, 2), (10000, 2, 20, 2), (10000, 10, 20, 2)]
    print("== shk: SHK sampler steps/s (ULA + exact-KDE birth-death every step), N(0, I_d) target ==")
    print("wall: steps/s; cpu: process CPU seconds per step (all threads), steadier on a loaded machine")
    print("%7s %3s %13s %13s %7s %11s %11s %7s %8s %8s" % ("N", "d", "numpy step/s", "specot step/s", "ratio",
                                                          "numpy cpu/s", "specot cpu/s", "ratio", "numpy KDE",
                                                          "spc KDE"))
    def row(n, d, ss, ns):
        ours, our_kde, our_cpu = specot_run(build, n, d, ss)
        theirs, their_kde, their_cpu = numpy_run(n, d, ns)
        print("%7d %3d %13.4g %13.4g %7.1f %11.4g %11.4g %7.1f %7.0f%% %7.0f%%" % (
            n, d, theirs, ours, ours / theirs, their_cpu, our_cpu, their_cpu / our_cpu, 100 * their_kde,
            100 * min(our_kde, 1.0)))
        sys.stdout.flush()

    for n, d, ss, ns in cases:
        row(n, d, ss, ns)
    if full:
        cases = [(100000, d, 1, 1) for d in (1, 2, 10)]
    else:
        cases = []
    for n, d, ss, ns in cases:
        row(n, d, ss, ns)


if __name__ == "__main__":
    main()
