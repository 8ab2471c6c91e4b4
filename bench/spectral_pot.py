#!/usr/bin/env python3
"""Side-by-side benchmark: specot's certified spectral transport (column
generation, bench_spectral) vs a straightforward Python Frank-Wolfe on POT
(ot.emd as the linear oracle, spec section 3.3), on Gaussian clouds.

usage: /usr/bin/python3 bench/spectral_pot.py [BUILD_DIR] [--quick]

Both solvers report a certified relative gap (UB - LB)/UB with LB = W_Q^2 from
an exact OT.  specot runs to 1e-6.  The POT Frank-Wolfe runs until the same
gap or a budget (iterations and seconds, below); when it stops on the budget
the ratio printed is a LOWER bound on the speed-up (marked '>').
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import ot

TOL = 1e-6
FW_MAX_ITER = 200
FW_MAX_SECONDS = 30.0
# p = inf in d = 10 needs many columns and a large master (see docs/spectral.md):
# specot is capped at this many OT calls there and the gap reached is printed.
OURS_MAX_ITER_INF_D10 = 60


def sigma(X, Y, P):
    # Sparse sum over the nonzeros (the plans are combinations of vertices).
    i, j = np.nonzero(P)
    D = X[i] - Y[j]
    return (D * P[i, j][:, None]).T @ D


def gamma(S, p):
    w = np.clip(np.linalg.eigvalsh((S + S.T) / 2), 0, None)
    return w.max() if np.isinf(p) else (w ** p).sum() ** (1 / p)


def grad(S, p):
    w, U = np.linalg.eigh((S + S.T) / 2)
    w = np.clip(w, 0, None)
    if np.isinf(p):  # log-sum-exp smoothing (spec 3.3), in the spectraplex
        q = np.exp((w - w.max()) / (1e-3 * w.max()))
        q /= q.sum()
    else:  # S^{p-1} / ||S||_p^{p-1}, in the dual ball
        q = (w / w.max()) ** (p - 1)
        q /= (q ** (p / (p - 1))).sum() ** ((p - 1) / p)
    return (U * q) @ U.T


def pot_frank_wolfe(X, Y, p):
    n, m = len(X), len(Y)
    a, b = np.full(n, 1 / n), np.full(m, 1 / m)
    t0 = time.perf_counter()
    P = ot.emd(a, b, ot.dist(X, Y), numItermax=10**8)
    S = sigma(X, Y, P)
    lb, calls, it = -np.inf, 1, 0
    while True:
        Q = grad(S, p)
        w, U = np.linalg.eigh(Q)
        L = (U * np.sqrt(np.clip(w, 0, None))) @ U.T
        C = ot.dist(X @ L, Y @ L)
        Pn = ot.emd(a, b, C, numItermax=10**8)
        calls += 1
        lb = max(lb, float((Pn * C).sum()))
        Sn = sigma(X, Y, Pn)
        ub = gamma(S, p)
        it += 1
        if ub - lb <= TOL * ub or it >= FW_MAX_ITER or time.perf_counter() - t0 > FW_MAX_SECONDS:
            break
        if p == 2:  # closed-form line search
            D = Sn - S
            eta = float(np.clip(-(S * D).sum() / max((D * D).sum(), 1e-300), 0, 1))
        else:  # golden section on the convex 1-D function
            lo, hi = 0.0, 1.0
            for _ in range(40):
                m1, m2 = lo + 0.382 * (hi - lo), lo + 0.618 * (hi - lo)
                if gamma((1 - m1) * S + m1 * Sn, p) < gamma((1 - m2) * S + m2 * Sn, p):
                    hi = m2
                else:
                    lo = m1
            eta = 0.5 * (lo + hi)
        S = (1 - eta) * S + eta * Sn
        P = (1 - eta) * P + eta * Pn
    return time.perf_counter() - t0, calls, (ub - lb) / ub, ub, lb


def main():
    build = next((x for x in sys.argv[1:] if not x.startswith('--')), 'build')
    quick = '--quick' in sys.argv
    exe = os.path.join(build, 'bench_spectral')
    cases = [(200, 5), (500, 5), (1000, 5), (2000, 10)]
    if quick:
        cases = cases[:2]
    rng = np.random.default_rng(7)
    tmp = tempfile.mkdtemp()
    print(f'spectral transport, Gaussian clouds n = m, certified relative gap target {TOL:g}')
    print(f'POT Frank-Wolfe budget: {FW_MAX_ITER} iterations or {FW_MAX_SECONDS:g} s '
          f'(OPENBLAS_NUM_THREADS={os.environ.get("OPENBLAS_NUM_THREADS", "unset")})')
    print(f'{"n":>5} {"d":>3} {"p":>4} | {"specot s":>9} {"calls":>5} {"gap":>8} | '
          f'{"POT-FW s":>9} {"calls":>5} {"gap":>8} | {"ratio":>8}')
    for n, d in cases:
        X = rng.standard_normal((n, d))
        Y = rng.standard_normal((n, d)) * np.linspace(2.0, 0.5, d) + 0.3
        fx, fy = os.path.join(tmp, 'X.npy'), os.path.join(tmp, 'Y.npy')
        np.save(fx, X)
        np.save(fy, Y)
        for p in (2.0, np.inf):
            cap = OURS_MAX_ITER_INF_D10 if (np.isinf(p) and d >= 10) else 1000
            r = subprocess.run([exe, fx, fy, 'inf' if np.isinf(p) else str(p), str(TOL), '1',
                                str(cap)], capture_output=True, text=True, check=True)
            ours = json.loads(r.stdout)
            t, calls, gap, ub, lb = pot_frank_wolfe(X, Y, p)
            reached = gap <= TOL or ours['relative_gap'] > TOL
            ratio = t / ours['time']
            # Both sides are certified brackets [lower, upper] of the same value: they must
            # overlap (each lower bound below the other's upper bound), whether or not the
            # peer reached the target gap.
            agree = (ours['lower'] <= ub * (1 + 1e-9) and lb <= ours['upper'] * (1 + 1e-9))
            print(f'{n:5d} {d:3d} {"inf" if np.isinf(p) else int(p):>4} | {ours["time"]:9.3f} '
                  f'{ours["ot_calls"]:5d} {ours["relative_gap"]:8.1e} | {t:9.3f} {calls:5d} '
                  f'{gap:8.1e} | {"" if reached else ">"}{ratio:7.1f}x'
                  f'{"" if agree else "  (values disagree!)"}'
                  f'{"  (specot capped)" if ours["relative_gap"] > TOL else ""}')
            sys.stdout.flush()


if __name__ == '__main__':
    main()
