#!/usr/bin/env python3
"""`specot paper mmd|mlp --quick` against the paper's torch notebooks on the same steps, in one run.

Usage: /usr/bin/python3 bench/paper_torch.py [BUILD_DIR]
Times the CLI (all steps of both p, figures included) and the notebook's loop (torch float64
autograd, the same number of steps for p = 1 and p = inf, no figures), and prints the ratio."""
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import torch

torch.set_default_dtype(torch.float64)
BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
CLI = os.path.join(BUILD, "specot")


def lmo(G, p):
    if p == 1:
        return -G
    U, s, Vh = torch.linalg.svd(G, full_matrices=False)
    keep = s > torch.finfo(G.dtype).eps * max(G.shape) * s[0]
    return -s[keep].sum() * (U[:, keep] @ Vh[keep, :])


def mmd_notebook(steps):
    torch.manual_seed(1234)
    c = torch.tensor([[-3.4, -1.1], [-0.6, 3.0], [3.8, -2.5]])
    sc = torch.tensor([[0.55, 0.30], [0.35, 0.65], [0.45, 0.35]])
    Y = torch.cat([c[k] + torch.randn(n, 2) * sc[k] for k, n in enumerate((80, 70, 50))])[torch.randperm(200)]
    X0 = torch.randn(200, 2) @ torch.tensor([[1.4, 0.8], [-0.3, 0.6]]).T + torch.tensor([2.8, 2.4])
    d = lambda P, Q: torch.sqrt(((P[:, None, :] - Q[None, :, :]) ** 2).sum(-1) + 1e-4)
    for p, step in ((1, 5.0), (math.inf, 3.2)):
        X = X0.clone()
        for _ in range(steps):
            X = X.detach().requires_grad_(True)
            (2 * d(X, Y).mean() - d(X, X).mean() - d(Y, Y).mean()).backward()
            X = (X + step * lmo(X.grad, p)).detach()


def mlp_notebook(steps):
    torch.manual_seed(7)
    z = torch.randn(2000, 2)
    torch.randn(4000, 2)
    a = torch.tensor([0.38, 2.42, 4.63])
    T = torch.stack([torch.tensor([1.0, 1.0, -1.0]), torch.cos(a), torch.sin(a)], 1)
    pred = lambda X: (X[:, 0:1] * torch.clamp(X[:, 1:3] @ z.T, min=0.0)).mean(0)
    y = pred(T)
    X0 = T.mean(0) + math.sqrt(0.5) * T.std(0, unbiased=False) * torch.randn(1920, 3)
    for p, dt in ((1, 75.0), (math.inf, 50.0)):
        X = X0.clone()
        for _ in range(steps):
            X = X.detach().requires_grad_(True)
            (0.5 * ((pred(X) - y) ** 2).mean()).backward()
            with torch.no_grad():
                dX = dt * lmo(X.grad, p)
                nrm = float(torch.linalg.norm(dX))
                if nrm > 0.2:
                    dX = dX * (0.2 / (nrm + 1e-12))
                X = torch.clamp(torch.nan_to_num(X + dX, nan=0.0, posinf=30.0, neginf=-30.0), -30.0, 30.0)


def main():
    out = tempfile.mkdtemp(prefix="specot_bench_paper_")
    print(f"== paper experiments (--quick) vs the torch notebooks (torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads) ==")
    for name, ref in (("mmd", mmd_notebook), ("mlp", mlp_notebook)):
        t0 = time.perf_counter()
        proc = subprocess.run([CLI, "paper", name, "--quick", "--quiet", "--json", "--out", os.path.join(out, name)],
                              capture_output=True, text=True, check=True)
        t_cli = time.perf_counter() - t0
        steps = json.loads(proc.stdout)["steps"]
        t0 = time.perf_counter()
        ref(steps)
        t_ref = time.perf_counter() - t0
        print(f"paper {name}: {steps} steps x 2 p: specot {t_cli:.2f} s (with figures), torch {t_ref:.2f} s, "
              f"ratio specot/torch {t_cli / t_ref:.3f}")


if __name__ == "__main__":
    main()
