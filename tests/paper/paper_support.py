#!/usr/bin/env python3
"""Shared checks of `specot paper NAME --quick` (run by paper_*_test.py): each experiment's key numbers against independent
references -- closed forms, the spec's measured values, SciPy/POT/torch re-implementations
of the paper's notebooks -- plus the command's usage errors and the libpng reader's error
paths.  argv[1] is the specot CLI."""
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # the torch comparisons are then reported as failures
    torch = None

CLI = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="specot_paper_")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def close(actual, expected, rtol, atol, what):
    ok = abs(actual - expected) <= atol + rtol * abs(expected)
    check(ok, f"{what}: {actual!r} vs {expected!r} (rtol {rtol}, atol {atol})")


def run(name, *extra, expect=0):
    out = os.path.join(TMP, name)
    proc = subprocess.run([CLI, "paper", name, "--quick", "--quiet", "--json", "--out", out, *extra],
                          capture_output=True, text=True)
    check(proc.returncode == expect, f"paper {name} {extra}: exit {proc.returncode}, want {expect}: {proc.stderr}")
    if expect != 0:
        return proc
    summary = json.load(open(os.path.join(out, "summary.json")))
    check(json.loads(proc.stdout) == summary, f"{name}: --json output differs from summary.json")
    check(summary["experiment"] == name and summary["quick"] is True, f"{name}: header")
    return summary, out


def pkey(p):
    return "inf" if math.isinf(p) else f"{p:g}"


# ------------------------------------------------------------------ gaussians
def modal_rhs(y, p, beta):
    K = len(beta)
    q = 1.0 if math.isinf(p) else 2 * p / (2 * p - 1)
    a, b = np.maximum(y[:K], 1e-12), np.maximum(y[K:], 1e-12)
    err = (a - b) / 2 - beta
    norm = np.sum(np.abs(2 * err) ** q * (a ** (q / 2) + b ** (q / 2)))
    pref = 1.0 if q == 2 else norm ** ((2 - q) / q)
    return np.concatenate([-4 * err * pref * a ** (q / 2), 4 * err * pref * b ** (q / 2)])


def test_gaussians():
    from scipy.integrate import solve_ivp
    s, _ = run("gaussians")
    starts = [(-1.5, 1.8), (-0.5, 2.0)]
    for p in (1.0, 2.0, 4.0, math.inf):
        k = pkey(p)
        # the leaves are conserved up to RK4's truncation at dt = 1e-3 (O(dt^4))
        close(s["dt"], 1e-3, 0, 0, "gaussians quick dt")
        check(s["max_invariant_drift"][k] < 1e-6, f"gaussians drift p={k}: {s['max_invariant_drift'][k]}")
        check(s["two_mode_max_invariant_drift"][k] < 1e-6, f"gaussians two-mode drift p={k}")
        for i, (r0, s0) in enumerate(starts):
            sol = solve_ivp(lambda t, y: modal_rhs(y, p, np.array([1.0])), (0, 18), [s0 + r0, s0 - r0],
                            method="DOP853", rtol=1e-12, atol=1e-14)
            a, b = sol.y[:, -1]
            close(s["final_r"][k][i], (a - b) / 2, 0, 1e-5, f"gaussians final r p={k} start {i}")
            close(s["final_s"][k][i], (a + b) / 2, 0, 1e-5, f"gaussians final s p={k} start {i}")
    # p = 1: pref = 1, nothing reaches the floor and both modes converge
    check(s["two_mode_modes_on_floor"]["1"] == 0, "p = 1 two-mode runs stay off the floor")
    check(s["two_mode_modes_on_floor"]["inf"] > 0, "p = inf two-mode runs reach the floor")
    close(s["two_mode_max_final_residual"]["1"], 0.0, 0, 1e-12, "p = 1 two-mode residual")


# ---------------------------------------------------------------- gaussian-kl
def test_gaussian_kl():
    s, _ = run("gaussian-kl")
    for p, rho in ((1.0, 2.0), (2.0, 2 * math.sqrt(2)), (math.inf, 4.0)):
        k = pkey(p)
        close(s["rho"][k], rho, 1e-14, 0, f"gaussian-kl rho p={k}")
        # spec section 3: solve_ivp matches the closed form to <= 9e-10
        check(s["max_error_closed_form"][k] < 1e-9, f"gaussian-kl RK4 vs closed form p={k}")
        close(s["final_sigma"][k], 1 + math.exp(-rho * 3.0), 0, 1e-9, f"gaussian-kl Sigma_T p={k}")
        # Euler particles (dt = 2e-3) follow the covariance ODE to O(dt)
        check(s["particle_max_error"][k] < 3e-3, f"gaussian-kl particles p={k}: {s['particle_max_error'][k]}")


# --------------------------------------------------------------------- static
def heuristic_reference(X, Y):
    """The paper's permutation-restricted rank-one alternation (generate_static_notebook.py)."""
    from scipy.optimize import linear_sum_assignment
    n, q, best = len(X), np.array([1.0, 0.0]), math.inf
    for _ in range(40):
        D = Y[None, :, :] - X[:, None, :]
        rows, cols = linear_sum_assignment((D @ q) ** 2)
        perm = np.empty(n, dtype=int)
        perm[rows] = cols
        E = Y[perm] - X
        vals, vecs = np.linalg.eigh(E.T @ E / n)
        qn = vecs[:, -1]
        best = min(best, vals[-1])
        if np.linalg.norm(qn - q) < 1e-10 or np.linalg.norm(qn + q) < 1e-10:
            break
        q = qn
    return best


def fps_spread(P):
    d = np.sqrt(((P[:, None, :] - P[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    nn = d.min(1)
    return nn.min() / nn.mean()


def test_static():
    import ot
    s, out = run("static")
    n = s["points"]
    check(n == 150, "static quick size")
    shift = {"annulus-twodisks": 1.55, "cross-heart": 1.45}
    # spec (spectral_w.md 9): the two-point cross has W^2 = 2 (p = 1) and 1 (p = inf) with the
    # plan split 1/4 everywhere, while every permutation has lambda_max(Sigma) = 2
    cross = s["pairs"].pop("two-point-cross")
    close(cross["cost_certified"]["1"], 2.0, 1e-12, 0, "cross W_2^2")
    close(cross["cost_certified"]["inf"], 1.0, 1e-6, 0, "cross W_inf^2 certified")
    close(cross["cost_heuristic"]["inf"], 2.0, 1e-12, 0, "cross W_inf^2 heuristic (permutations)")
    check(cross["certified_plan_nnz"] == 4, "cross certified plan splits mass")
    for name, pair in s["pairs"].items():
        X = np.load(os.path.join(out, f"static_{name}_x.npy"))
        Y = np.load(os.path.join(out, f"static_{name}_y.npy"))
        check(X.shape == (n, 2) and Y.shape == (n, 2), f"{name} shapes")
        # normalisation: centred (source at 0, target at (4.2, 0)), largest radius = scale
        close(np.abs(X.mean(0)).max(), 0.0, 0, 1e-12, f"{name} source centred")
        close(np.abs(Y.mean(0) - [4.2, 0]).max(), 0.0, 0, 1e-12, f"{name} target centred")
        close(np.linalg.norm(X - X.mean(0), axis=1).max(), shift[name], 1e-12, 0, f"{name} source radius")
        # farthest-point sampling spreads points: nearest-neighbour distances are even
        # (i.i.d. uniform samples give min/mean around 0.1; FPS gives > 0.4)
        check(fps_spread(X) > 0.4 and fps_spread(Y) > 0.4, f"{name} FPS spread {fps_spread(X)} {fps_spread(Y)}")
        if name == "annulus-twodisks":  # the hole survives sampling and normalisation
            r = np.linalg.norm(X, axis=1)
            check(r.min() / r.max() > 1.15 / 1.55 - 0.05, f"annulus hole: {r.min() / r.max()}")
        w = np.full(n, 1.0 / n)
        c1 = ot.emd2(w, w, ot.dist(X, Y))
        close(pair["cost_certified"]["1"], c1, 1e-10, 0, f"{name} p=1 cost vs POT")
        close(pair["cost_heuristic"]["1"], c1, 1e-10, 0, f"{name} p=1 heuristic")
        cert, heur, lb = pair["cost_certified"]["inf"], pair["cost_heuristic"]["inf"], pair["lower_bound_inf"]
        close(heur, heuristic_reference(X, Y), 1e-9, 0, f"{name} heuristic vs SciPy re-implementation")
        check(lb <= cert and cert - lb <= 1e-6 * cert, f"{name} certified gap {cert} {lb}")
        check(heur >= lb * (1 - 1e-12), f"{name} heuristic below the certified lower bound")
        # W_inf^2 in d = 2 lies in [W_2^2 / 2, W_2^2]
        check(c1 / 2 <= cert * (1 + 1e-9) and cert <= c1 * (1 + 1e-9), f"{name} W_inf vs W_2 bounds")


def write_png(path, pixels):
    """8-bit greyscale PNG (no dependency): pixels is an h x w uint8 array."""
    h, w = pixels.shape
    raw = b"".join(b"\x00" + bytes(row) for row in pixels.astype(np.uint8))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_images():
    yy, xx = np.mgrid[0:80, 0:120]
    img = np.full((80, 120), 255)
    img[(xx - 40) ** 2 + (yy - 40) ** 2 <= 30 ** 2] = 0  # a dark disk on the left
    png = os.path.join(TMP, "disk.png")
    write_png(png, img)
    s, out = run("static", "--image", png)
    check(list(s["pairs"]) == ["image-annulus"], "one image is paired with the annulus")
    X = np.load(os.path.join(out, "static_image-annulus_x.npy"))
    r = np.linalg.norm(X - X.mean(0), axis=1)
    check(abs(r.max() - 1.55) < 1e-12, "image cloud normalised")
    # a disk sampled by FPS: the points fill the disk (radius spread) and are centred
    check(r.min() < 0.3 and np.abs(X.mean(0)).max() < 1e-12, "image cloud fills the disk")
    s2, _ = run("static", "--image", png, "--image", png)
    close(s2["pairs"]["image-image"]["cost_certified"]["1"], 4.2 ** 2, 0.05, 0, "image to its translate: W_2^2 ~ 4.2^2")
    # error paths of the reader: missing file, not a PNG, too few dark pixels
    proc = run("static", "--image", os.path.join(TMP, "missing.png"), expect=3)
    check("missing.png" in proc.stderr and proc.stderr.count("\n") == 1, f"missing image message: {proc.stderr}")
    bad = os.path.join(TMP, "bad.png")
    open(bad, "w").write("this is not a PNG\n")
    proc = run("static", "--image", bad, expect=3)
    check("bad.png" in proc.stderr and proc.stderr.count("\n") == 1, f"not-a-PNG message: {proc.stderr}")
    tiny = os.path.join(TMP, "tiny.png")
    write_png(tiny, np.zeros((5, 5)))
    proc = run("static", "--image", tiny, expect=3)
    check("dark pixels" in proc.stderr, f"too-few-pixels message: {proc.stderr}")


def test_usage():
    for args in (["paper"], ["paper", "nosuch"], ["paper", "gaussians", "--image", "x.png"],
                 ["paper", "gaussians", "--bogus"], ["paper", "static", "--image", "a", "--image", "b", "--image", "c"]):
        proc = subprocess.run([CLI, *args], capture_output=True, text=True)
        check(proc.returncode == 2, f"{args}: exit {proc.returncode}")
    proc = subprocess.run([CLI, "paper", "list"], capture_output=True, text=True)
    names = [line.split()[0] for line in proc.stdout.splitlines()]
    check(proc.returncode == 0 and {"gaussians", "gaussian-kl", "static", "mmd", "mlp", "attention"} <= set(names),
          "paper list")
    proc = subprocess.run([CLI, "paper", "--help"], capture_output=True, text=True)
    check(proc.returncode == 0 and "summary.json" in proc.stdout, "paper --help")
    # an output folder that cannot be created
    blocker = os.path.join(TMP, "file")
    open(blocker, "w").write("x")
    proc = subprocess.run([CLI, "paper", "gaussians", "--quick", "--out", blocker + "/sub"], capture_output=True,
                          text=True)
    check(proc.returncode == 3 and "cannot create folder" in proc.stderr, f"bad --out: {proc.stderr}")


# ------------------------------------------------------------------------ mmd
def schatten_lmo_torch(G, p):
    """J_p(G) = -||G||_{S_q}^{2-q} U diag(s^{q-1}) V^T (spectral_w.md section 7), p in {1, inf}."""
    import torch
    if p == 1:
        return -G
    U, s, Vh = torch.linalg.svd(G, full_matrices=False)
    keep = s > torch.finfo(G.dtype).eps * max(G.shape) * s[0]
    return -s[keep].sum() * (U[:, keep] @ Vh[keep, :])


def mmd_notebook(steps):
    """generate_mmd_notebook.py in torch (autograd, float64), returning Y, X0, final losses."""
    import torch
    torch.manual_seed(1234)
    counts = [80, 70, 50]
    centers = torch.tensor([[-3.4, -1.1], [-0.6, 3.0], [3.8, -2.5]], dtype=torch.float64)
    scales = torch.tensor([[0.55, 0.30], [0.35, 0.65], [0.45, 0.35]], dtype=torch.float64)
    Y = torch.cat([c + torch.randn(k, 2, dtype=torch.float64) * s for c, s, k in zip(centers, scales, counts)])
    Y = Y[torch.randperm(200)]
    A = torch.tensor([[1.4, 0.8], [-0.3, 0.6]], dtype=torch.float64)
    X0 = torch.randn(200, 2, dtype=torch.float64) @ A.T + torch.tensor([2.8, 2.4], dtype=torch.float64)

    def loss(X):
        d = lambda P, Q: torch.sqrt(((P[:, None, :] - Q[None, :, :]) ** 2).sum(-1) + 1e-4)
        return 2 * d(X, Y).mean() - d(X, X).mean() - d(Y, Y).mean()

    finals = {}
    for p, step in ((1, 5.0), (math.inf, 3.2)):
        X = X0.clone()
        for _ in range(steps):
            X = X.detach().requires_grad_(True)
            L = loss(X)
            L.backward()
            X = (X + step * schatten_lmo_torch(X.grad, p)).detach()
        finals[pkey(p)] = float(loss(X))
    return Y.numpy(), X0.numpy(), float(loss(X0)), finals


MMD_REF_STEPS = 300  # the torch reference runs the first 300 of the quick run's 1000 steps


def test_mmd():
    s, out = run("mmd")
    Y, X0, initial, finals = mmd_notebook(MMD_REF_STEPS)
    # the torch-compatible draws reproduce the notebook's point clouds
    close(np.abs(np.load(os.path.join(out, "mmd_target.npy")) - Y).max(), 0.0, 0, 1e-14, "mmd target = torch")
    close(np.abs(np.load(os.path.join(out, "mmd_source.npy")) - X0).max(), 0.0, 0, 1e-14, "mmd source = torch")
    close(s["initial_mmd2"], initial, 1e-12, 0, "mmd initial MMD^2")
    for k, v in finals.items():
        trace = s["energy_every_10_steps"][k]
        check(len(trace) == s["steps"] // 10 + 1 and trace[-1] == s["final_mmd2"][k], f"mmd trace p={k}")
        close(trace[MMD_REF_STEPS // 10], v, 1e-9, 0, f"mmd MMD^2 after {MMD_REF_STEPS} steps p={k} vs torch")
    check(s["final_mmd2"]["inf"] < s["final_mmd2"]["1"], "p = inf ends lower than p = 1")


# ------------------------------------------------------------------------ mlp
RELU_REF_STEPS = 20  # the torch reference costs ~0.1-0.2 s per step on the CI machine


def mlp_notebook(steps):
    """generate_mlp_spectral_flow_relu_notebook.py in torch (float64, autograd), first `steps` steps;
    returns the training energies after `steps` steps, z_eval, y_eval and the initial losses."""
    torch.manual_seed(7)
    z_train = torch.randn(2000, 2, dtype=torch.float64)
    z_eval = torch.randn(4000, 2, dtype=torch.float64)
    ang = torch.tensor([0.38, 2.42, 4.63], dtype=torch.float64)
    teacher = torch.stack([torch.tensor([1.0, 1.0, -1.0], dtype=torch.float64), torch.cos(ang), torch.sin(ang)], 1)
    pred = lambda X, z: (X[:, 0:1] * torch.clamp(X[:, 1:3] @ z.T, min=0.0)).mean(0)
    y_train, y_eval = pred(teacher, z_train), pred(teacher, z_eval)
    risk = lambda X, z, y: 0.5 * ((pred(X, z) - y) ** 2).mean()
    X0 = teacher.mean(0)[None, :] + math.sqrt(0.5) * teacher.std(0, unbiased=False)[None, :] * torch.randn(
        1920, 3, dtype=torch.float64)
    out = {}
    for p, dt in ((1, 75.0), (math.inf, 50.0)):
        X = X0.clone()
        for _ in range(steps):
            X = X.detach().requires_grad_(True)
            risk(X, z_train, y_train).backward()
            with torch.no_grad():
                dX = dt * schatten_lmo_torch(X.grad, p)
                nrm = float(torch.linalg.norm(dX))
                if nrm > 0.2:
                    dX = dX * (0.2 / (nrm + 1e-12))
                X = torch.clamp(torch.nan_to_num(X + dX, nan=0.0, posinf=30.0, neginf=-30.0), -30.0, 30.0)
        out[pkey(p)] = float(risk(X, z_train, y_train))
    eval_loss = lambda X: float(risk(torch.as_tensor(X), z_eval, y_eval))
    return out, float(risk(X0, z_train, y_train)), eval_loss(X0), eval_loss


def test_mlp():
    s, out = run("mlp")
    # spec section 3: the torch-exact initial state of the paper
    close(s["initial_dissipation_ratio"], 2.5576465476583627, 1e-12, 0, "mlp initial dissipation ratio")
    close(s["initial_energy"], 0.0679779536177119, 1e-13, 0, "mlp initial loss")
    ref, e0, ev0, eval_loss = mlp_notebook(RELU_REF_STEPS)
    close(s["initial_eval_loss"], ev0, 1e-12, 0, "mlp initial eval loss")
    for k, train in ref.items():
        trace = s["energy_every_10_steps"][k]
        check(len(trace) == s["steps"] // 10 + 1, f"mlp energy trace length p={k}")
        close(trace[RELU_REF_STEPS // 10], train, 1e-9, 0, f"mlp energy after {RELU_REF_STEPS} steps p={k} vs torch")
        close(trace[-1], s["final_energy"][k], 0, 0, f"mlp trace ends at the final energy p={k}")
        check(all(b <= a * (1 + 1e-12) for a, b in zip(trace, trace[1:])), f"mlp energy decreases p={k}")
        X = np.load(os.path.join(out, f"mlp_final_p{k}.npy"))
        close(s["final_eval_loss"][k], eval_loss(X), 1e-12, 0, f"mlp final eval loss p={k} (torch on the final X)")
    for k in ("1", "inf"):
        check(s["final_energy"][k] < 0.5 * s["initial_energy"], f"mlp p={k}: the energy halves over the quick run")


def main(tests):
    only = sys.argv[2:]
    for t in tests:
        if not only or t.__name__ in only:
            t()
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


# ------------------------------------------------------------------ attention
def test_attention():
    s, _ = run("attention")
    # published teacher statistics (attention_energy_stats.json: population std over 5 runs);
    # the notebook computes in float32, hence 1e-6
    published = {"dense": (15.989243507385254, 0.004036244361808352),
                 "sparse": (2.1278050899505616, 0.1222121135819087)}
    check(s["steps"] == {"1": 24, "inf": 12} and s["flow_runs"] == 1, "attention quick protocol")
    for regime, (mean, std) in published.items():
        r = s[regime]
        close(r["effective_tokens_mean"], mean, 1e-6, 0, f"attention {regime} effective tokens mean")
        close(r["effective_tokens_std"], std, 0, 1e-6, f"attention {regime} effective tokens std")
        toks = np.array(r["effective_tokens"])
        close(toks.mean(), r["effective_tokens_mean"], 1e-14, 0, f"attention {regime} mean of the runs")
        close(toks.std(), r["effective_tokens_std"], 1e-12, 1e-15, f"attention {regime} population std")
        check(np.all((toks >= 1) & (toks <= 16)), f"attention {regime}: 1 <= effective tokens <= m")
        close(r["initial_energy"]["1"], r["initial_energy"]["inf"], 0, 0, f"attention {regime} same start")
        for k in ("1", "inf"):
            check(r["final_energy"][k] < r["initial_energy"][k], f"attention {regime} p={k} energy decreases")
            close(r["final_energy"][k], r["final_energy_runs"][k][0], 0, 0, f"attention {regime} p={k} mean of 1 run")
