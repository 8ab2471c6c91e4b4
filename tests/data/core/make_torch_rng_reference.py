#!/usr/bin/env python3
"""Reference draws of PyTorch's CPU generator for tests/core/test_torch_rng.c.

Run with /usr/bin/python3 (torch 1.13, CPU).  Writes, next to this script:
  torch_randn_f64.npy  concatenation over SEEDS x SIZES of torch.randn(size, float64)
                       right after torch.manual_seed(seed)
  torch_randn_f32.npy  the same with dtype=float32 (stored as float64, exactly)
  torch_rand_f64.npy   concatenation over SEEDS of torch.rand(40, float64)
  torch_randperm.npy   concatenation over SEEDS of torch.randperm(n) for n in PERM_SIZES
  torch_sequence.npy   seed 11: randn(3), randn(16), randn(1), randn(5), randn(40), randn(2)
                       (the scalar path's cached deviate across calls), float64
The lists SEEDS, SIZES and PERM_SIZES must match the test.
"""
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
SEEDS = [0, 1, 7, 42, 123, 1000, 7101, 4294967295, 4294967296 + 5]
SIZES = [0, 1, 2, 3, 5, 8, 15, 16, 17, 31, 32, 33, 47, 100, 257, 700, 1000]
SEQUENCE = [3, 16, 1, 5, 40, 2]
PERM_SIZES = [0, 1, 2, 7, 200, 1000]


def draws(dtype):
    out = []
    for s in SEEDS:
        for n in SIZES:
            torch.manual_seed(s)
            out.append(torch.randn(n, dtype=dtype).double().numpy())
    return np.concatenate(out)


def main():
    np.save(HERE / "torch_randn_f64.npy", draws(torch.float64))
    np.save(HERE / "torch_randn_f32.npy", draws(torch.float32))
    rand = []
    for s in SEEDS:
        torch.manual_seed(s)
        rand.append(torch.rand(40, dtype=torch.float64).numpy())
    np.save(HERE / "torch_rand_f64.npy", np.concatenate(rand))
    perm = []
    for s in SEEDS:
        for n in PERM_SIZES:
            torch.manual_seed(s)
            perm.append(torch.randperm(n).double().numpy())
    np.save(HERE / "torch_randperm.npy", np.concatenate(perm))
    torch.manual_seed(11)
    np.save(HERE / "torch_sequence.npy",
            np.concatenate([torch.randn(n, dtype=torch.float64).numpy() for n in SEQUENCE]))


if __name__ == "__main__":
    main()
