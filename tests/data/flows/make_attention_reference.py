#!/usr/bin/env python3
"""Reference data for tests/flows/test_attention.c (run with /usr/bin/python3, torch 1.13).

Writes, next to this script:
  attn_x.npy, attn_z.npy, attn_y.npy, attn_ref.npy
      a small random instance in float64 (n = 4 heads, N = 3 sequences, m = 6 tokens,
      d_T = 4, d_H = 3; x: n x 48, z and y: N x (m d_T)) and [energy, autodiff gradient
      (n x 48)] of 0.5 * mean((pred - y)^2), pred = heads averaged (the notebook's model,
      generate_attention_notebook.py, written here with torch.einsum and torch.softmax).
  attn_teacher_sparse_run0.npy   the notebook's teacher heads (5 x 48), regime 1, run 0
  attn_x0_run0.npy               the notebook's X0 = 0.16 randn(200, 48), run 0 (float32 -> float64)
  attn_tokens_stats.npy          [mean, std] of the teacher effective tokens over runs 0-4,
                                 dense then sparse, computed by torch in float32 as the notebook does
"""
import math
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
D_T, D_H = 4, 3
BLOCK = D_H * D_T


def predict(x, z):
    Q, K, V, O = (x[:, k * BLOCK:(k + 1) * BLOCK].reshape(-1, D_H, D_T) for k in range(4))
    q = torch.einsum("hab,njb->nhja", Q, z)
    k = torch.einsum("hab,nib->nhia", K, z)
    v = torch.einsum("hab,nib->nhia", V, z)
    w = torch.softmax(torch.einsum("nhja,nhia->nhji", q, k) / math.sqrt(D_H), dim=-1)
    h = torch.einsum("nhji,nhia->nhja", w, v)
    return torch.einsum("hab,nhja->nhjb", O, h).mean(dim=1), w


def teacher(regime, run):
    scale = (0.08, 1.45)[regime]
    g = torch.Generator().manual_seed(7000 + 100 * regime + run)
    parts = [s * torch.randn(5, BLOCK, generator=g) for s in (scale, scale, 0.65, 0.65)]
    return torch.cat(parts, dim=1)


def main():
    rng = np.random.default_rng(12)
    n, N, m = 4, 3, 6
    x = rng.normal(size=(n, 4 * BLOCK))
    z = rng.normal(size=(N, m, D_T))
    y = rng.normal(size=(N, m, D_T))
    X = torch.tensor(x, requires_grad=True)
    loss = 0.5 * ((predict(X, torch.tensor(z))[0] - torch.tensor(y)) ** 2).mean()
    loss.backward()
    np.save(HERE / "attn_x.npy", x)
    np.save(HERE / "attn_z.npy", z.reshape(N, m * D_T))
    np.save(HERE / "attn_y.npy", y.reshape(N, m * D_T))
    np.save(HERE / "attn_ref.npy", np.concatenate([[loss.item()], X.grad.numpy().ravel()]))

    torch.manual_seed(123)
    z_train = torch.randn(32, 16, D_T)
    np.save(HERE / "attn_teacher_sparse_run0.npy", teacher(1, 0).double().numpy())
    g = torch.Generator().manual_seed(1000)
    np.save(HERE / "attn_x0_run0.npy", (0.16 * torch.randn(200, 4 * BLOCK, generator=g)).double().numpy())
    stats = []
    for regime in (0, 1):
        eff = []
        for run in range(5):
            w = predict(teacher(regime, run), z_train)[1]
            eff.append(float((1.0 / (w.square().sum(dim=-1) + 1e-12)).mean()))
        stats += [np.mean(eff), np.std(eff)]
    np.save(HERE / "attn_tokens_stats.npy", np.array(stats))
    print("effective tokens (torch float32): dense %.6f +- %.6f, sparse %.6f +- %.6f" % tuple(stats))


if __name__ == "__main__":
    main()
