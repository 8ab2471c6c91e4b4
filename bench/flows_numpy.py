#!/usr/bin/env python3
"""Side-by-side benchmark: Peyre's ReLU teacher-student protocol (n = 1920 particles,
2000 training points, 2000 Euler steps, p = 1 and p = inf, cap ||dX||_F <= 0.2, clamp
[-30, 30]) in a straightforward NumPy implementation of the notebook's loop, against
bench_flows (specot), in one process run; then steps/s at n = 10^5 (specot only: NumPy
would need a 10^5 x 2000 activation matrix per step, 1.6 GB).

Usage: /usr/bin/python3 bench/flows_numpy.py [BUILD_DIR] [--steps K]
The initial states differ (NumPy's stream vs specot's RNG), the work per step is the same.
The environment's OPENBLAS_CORETYPE / thread settings are left as they are."""
import os
import subprocess
import sys
import time

import numpy as np

ANG = np.array([0.38, 2.42, 4.63])
TEACHER = np.c_[[1.0, 1.0, -1.0], np.cos(ANG), np.sin(ANG)]


def predict(P, Z):
    return (P[:, 0:1] * np.maximum(P[:, 1:] @ Z.T, 0)).mean(0)


def numpy_protocol(p, steps, n=1920, nd=2000, seed=7):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((nd, 2))
    rng.standard_normal((4000, 2))
    X = TEACHER.mean(0) + np.sqrt(0.5) * TEACHER.std(0) * rng.standard_normal((n, 3))
    y = predict(TEACHER, z)
    dt = 75.0 if p == 1 else 50.0
    t0 = time.perf_counter()
    for _ in range(steps):
        # autodiff gradient of 1/2 mean (f - y)^2 (= forces / n), as in the notebook
        pre = X[:, 1:] @ z.T
        act = np.maximum(pre, 0)
        r = (X[:, 0:1] * act).mean(0) - y
        gu = act @ r / nd / n
        gv = ((pre > 0) * (X[:, 0:1] * r[None, :])) @ z / nd / n
        G = np.c_[gu, gv]
        if p == 1:
            V = -G
        else:
            U, s, Vt = np.linalg.svd(G, full_matrices=False)
            V = -s.sum() * (U @ Vt)
        dX = dt * V
        nrm = np.linalg.norm(dX)
        if nrm > 0.2:
            dX = dX * (0.2 / (nrm + 1e-12))
        X = np.clip(np.nan_to_num(X + dX, nan=0.0, posinf=30.0, neginf=-30.0), -30.0, 30.0)
    seconds = time.perf_counter() - t0
    energy = 0.5 * np.mean((predict(X, z) - y) ** 2)
    return seconds, energy


def specot(build, mode, steps):
    exe = os.path.join(build, "bench_flows")
    out = subprocess.run([exe, mode, str(steps)], capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in out.split("\n"):
        if line.strip():
            name, p, sec, rate, energy = line.split()
            rows[p] = (float(sec), float(rate), float(energy))
    return rows


def main():
    build = "build"
    steps = 2000
    args = sys.argv[1:]
    if "--steps" in args:
        k = args.index("--steps")
        steps = int(args[k + 1])
        del args[k:k + 2]
    if args:
        build = args[0]
    print("== flows: ReLU teacher-student protocol, n = 1920, 2000 data points, %d steps ==" % steps)
    ours = specot(build, "relu", steps)
    print("%-6s %12s %12s %8s %14s %14s" % ("p", "numpy [s]", "specot [s]", "ratio", "numpy E_T", "specot E_T"))
    for p, key in ((1, "1"), (np.inf, "inf")):
        sec, energy = numpy_protocol(p, steps)
        o = ours[key]
        print("%-6s %12.3f %12.3f %8.3f %14.4e %14.4e" % (key, sec, o[0], o[0] / sec, energy, o[2]))
    large = specot(build, "large", 20)
    for key, (sec, rate, energy) in large.items():
        print("n = 10^5 particles, p = %s: %.1f steps/s (%.1f ms/step)" % (key, rate, 1e3 / rate))


if __name__ == "__main__":
    main()
