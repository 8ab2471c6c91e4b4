#!/usr/bin/env python3
"""Side-by-side benchmark: the paper's attention protocol (generate_attention_notebook.py:
5-head teacher, n = 200 student heads, 32 sequences of 16 tokens, run 0) in PyTorch autograd,
as the notebook runs it (float32) and in float64, against bench_attention (specot, float64,
hand-written backward), in one process run: seconds for K Euler steps at p = 1 (step 100)
and p = inf (step 180 = polar factor times the nuclear norm), cap 0.45, clamp [-10, 10].

Usage: /usr/bin/python3 bench/attention_torch.py [BUILD_DIR] [--steps K] [--regime 0|1]
Both sides use the same thread count (torch.set_num_threads = OMP_NUM_THREADS, default 2)."""
import math
import os
import subprocess
import sys
import time

import torch

D_T, D_H, M, N_SEQ, K_TEACHER, N = 4, 3, 16, 32, 5, 200


def predict(x, z):
    Q, K, V, O = (x[:, 12 * k:12 * k + 12].reshape(-1, D_H, D_T) for k in range(4))
    q, k, v = (torch.einsum("hab,njb->nhja", W, z) for W in (Q, K, V))
    w = torch.softmax(torch.einsum("nhja,nhia->nhji", q, k) / math.sqrt(D_H), dim=-1)
    return torch.einsum("hab,nhja->nhjb", O, torch.einsum("nhji,nhia->nhja", w, v)).mean(1)


def protocol(regime, dtype):
    torch.manual_seed(123)
    z = torch.randn(N_SEQ, M, D_T).to(dtype)
    g = torch.Generator().manual_seed(7000 + 100 * regime)
    qk = (0.08, 1.45)[regime]
    teacher = torch.cat([s * torch.randn(K_TEACHER, 12, generator=g) for s in (qk, qk, 0.65, 0.65)], 1)
    x0 = 0.16 * torch.randn(N, 48, generator=torch.Generator().manual_seed(1000))
    with torch.no_grad():
        y = predict(teacher.to(dtype), z)
    return z, y, x0.to(dtype)


def torch_run(p, steps, regime, dtype):
    z, y, x = protocol(regime, dtype)
    step = 100.0 if p == 1 else 180.0
    t0 = time.perf_counter()
    for _ in range(steps):
        x = x.detach().requires_grad_(True)
        loss = 0.5 * ((predict(x, z) - y) ** 2).mean()
        loss.backward()
        G = x.grad.detach()
        if p == 1:
            V = -G
        else:
            U, s, Vh = torch.linalg.svd(G, full_matrices=False)
            V = -s.sum() * (U @ Vh)
        with torch.no_grad():
            dX = step * V
            nrm = float(torch.linalg.norm(dX))
            if nrm > 0.45:
                dX = dX * (0.45 / (nrm + 1e-12))
            x = torch.clamp(torch.nan_to_num(x + dX), -10.0, 10.0)
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        energy = float(0.5 * ((predict(x, z) - y) ** 2).mean())
    return seconds, energy


def main():
    build = next((a for a in sys.argv[1:] if not a.startswith("--") and not a.isdigit()), "build")
    steps = int(sys.argv[sys.argv.index("--steps") + 1]) if "--steps" in sys.argv else 100
    regime = int(sys.argv[sys.argv.index("--regime") + 1]) if "--regime" in sys.argv else 0
    threads = int(os.environ.get("OMP_NUM_THREADS", "2"))
    torch.set_num_threads(threads)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([os.path.join(build, "bench_attention"), str(steps), str(N), str(regime)],
                         capture_output=True, text=True, check=True, env=env).stdout
    ours = {row.split()[1]: (float(row.split()[2]), float(row.split()[4])) for row in out.splitlines()}
    print("attention protocol (regime %d, n = %d heads, %d steps, %d threads)" % (regime, N, steps, threads))
    for p, key in ((1, "1"), (math.inf, "inf")):
        t32, e32 = torch_run(p, steps, regime, torch.float32)
        t64, e64 = torch_run(p, steps, regime, torch.float64)
        t, e = ours[key]
        print("  p=%-3s specot %.3f s (E %.6e) | torch f32 %.3f s (E %.6e) ratio %.2f | torch f64 %.3f s "
              "(E %.6e) ratio %.2f" % (key, t, e, t32, e32, t / t32, t64, e64, t / t64))


if __name__ == "__main__":
    main()
