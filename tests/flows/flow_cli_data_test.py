#!/usr/bin/env python3
"""CLI tests of `specot flow` on user data and the paper's draws (issue 12):
--rng torch (the paper's initial dissipation ratio 2.5576465476583627, and PyTorch's own
draws for another seed), --x0/--weights, --target/--target-weights (mmd), --data/--labels
(mlp-relu) against NumPy formulas, per-p --dt and --steps, --snapshot-every, the attention
model against torch, checkpoint/resume with the new options, and the usage errors for
options a model or method does not use.  argv[1] = the specot binary."""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

SPECOT = sys.argv[1]
FAILURES = []
ENV = dict(os.environ)
ENV.setdefault("LSAN_OPTIONS", "suppressions=" + os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                              "..", "lsan.supp"))
TEACHER = np.c_[[1.0, 1.0, -1.0], np.cos([0.38, 2.42, 4.63]), np.sin([0.38, 2.42, 4.63])]


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def run(*args):
    p = subprocess.run([SPECOT, "flow", *args], capture_output=True, text=True, timeout=300, env=ENV)
    return p.returncode, p.stdout, p.stderr


def run_json(what, *args):
    rc, so, se = run(*args, "--json", "--quiet")
    check(rc == 0, "%s: exit 0: %s" % (what, se))
    return json.loads(so) if rc == 0 else None


def torch_rng(tmp):
    s = run_json("paper ratio", "--model", "mlp-relu", "--rng", "torch", "--seed", "7", "-p", "inf",
                 "--steps", "0", "--out", os.path.join(tmp, "ratio"))
    if s:
        print("initial dissipation ratio (torch stream, seed 7): %.16g" % s["initial_dissipation_ratio"])
        check(abs(s["initial_dissipation_ratio"] - 2.5576465476583627) <= 1e-9,
              "paper ratio 2.5576465476583627: %r" % s["initial_dissipation_ratio"])
        check(abs(s["initial_energy"] - 0.0679779536177119) <= 1e-14, "paper initial loss")
        check(s["rng"] == "torch", "json names the rng")
    # another seed and size: the initial particles are what PyTorch draws
    out = os.path.join(tmp, "seed3")
    s = run_json("torch seed 3", "--model", "mlp-relu", "--rng", "torch", "--seed", "3", "-p", "1",
                 "--steps", "0", "--particles", "37", "--out", out)
    if s:
        torch.manual_seed(3)
        torch.randn(2000, 2, dtype=torch.float64)
        torch.randn(4000, 2, dtype=torch.float64)
        noise = torch.randn(37, 3, dtype=torch.float64).numpy()
        x0 = TEACHER.mean(0) + math.sqrt(0.5) * TEACHER.std(0) * noise
        x = np.load(os.path.join(out, "particles.npy"))
        check(np.abs(x - x0).max() <= 1e-15, "torch seed 3, n = 37 (tail path): X0 = torch's: %g"
              % np.abs(x - x0).max())
    # the other built-in models under --rng torch: one torch.randn call per array
    for model, n, draw in (("quadratic", 32, lambda: (torch.randn(36 * 32), torch.randn(36 * 4),
                                                      torch.randn(32, 4))[2]),
                           ("gaussian-kl", 50, lambda: torch.randn(50, 3)),
                           ("mmd", 21, lambda: 0.3 * torch.randn(21, 2) - torch.tensor([1.5, 0.0]))):
        out = os.path.join(tmp, "torch_" + model)
        args = ["--particles", str(n)] if model != "quadratic" else []
        s = run_json("torch " + model, "--model", model, "--rng", "torch", "--seed", "5", "-p", "2",
                     "--steps", "0", *args, "--out", out)
        if s:
            torch.set_default_dtype(torch.float64)
            torch.manual_seed(5)
            want = draw().numpy()
            torch.set_default_dtype(torch.float32)
            got = np.load(os.path.join(out, "particles.npy"))
            check(got.shape == want.shape and np.abs(got - want).max() <= 1e-15,
                  "--rng torch %s: X0 = torch's draws" % model)
    # the default stream is specot's own: a different start
    s2 = run_json("specot seed 7", "--model", "mlp-relu", "--seed", "7", "-p", "inf", "--steps", "0",
                  "--out", os.path.join(tmp, "ratio2"))
    if s2:
        check(s2["rng"] == "specot" and abs(s2["initial_dissipation_ratio"] - 2.5576465476583627) > 1e-6,
              "default rng is specot's stream")


def mmd_energy(x, w, y, b, eps=0.01):
    def dist(p, q):
        return np.sqrt(((p[:, None, :] - q[None, :, :]) ** 2).sum(-1) + eps ** 2)
    return 2 * w @ dist(x, y) @ b - w @ dist(x, x) @ w - b @ dist(y, y) @ b


def user_mmd(tmp):
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(12, 3)), rng.normal(size=(9, 3)) + 1.0
    w, b = rng.uniform(0.5, 1.5, 12), rng.uniform(0.0, 1.0, 9)
    w, b = w / w.sum(), b / b.sum()
    paths = {}
    for name, arr in (("x", x), ("w", w), ("y", y), ("b", b)):
        paths[name] = os.path.join(tmp, name + ".npy")
        np.save(paths[name], arr)
    files = ["--x0", paths["x"], "--weights", paths["w"], "--target", paths["y"], "--target-weights", paths["b"]]
    out = os.path.join(tmp, "ummd0")
    s = run_json("mmd user data", "--model", "mmd", "-p", "2", "--steps", "0", *files, "--out", out)
    if s:
        check(np.array_equal(np.load(os.path.join(out, "particles.npy")), x), "--x0 round trip")
        check(abs(s["initial_energy"] - mmd_energy(x, w, y, b)) <= 1e-12 * abs(s["initial_energy"]) + 1e-14,
              "mmd energy with --weights/--target-weights = NumPy: %r vs %r" % (s["initial_energy"],
                                                                                mmd_energy(x, w, y, b)))
        check(s["particles"] == 12, "n from --x0")
    out = os.path.join(tmp, "ummd")
    s = run_json("mmd user data run", "--model", "mmd", "-p", "1,inf", "--steps", "20,10", "--dt", "0.05,0.02",
                 *files, "--snapshot-every", "5", "--out", out)
    if s:
        check(s["steps"] == [20, 10] and s["dt"] == [0.05, 0.02], "per-p steps and dt in the JSON: %r %r"
              % (s["steps"], s["dt"]))
        check(all(f < i for f, i in zip(s["final_energy"], s["initial_energy"])), "mmd energy decreases")
        t = np.loadtxt(os.path.join(out, "trajectory.csv"), delimiter=",", ndmin=2)
        p1, pinf = t[t[:, 0] == 1], t[np.isinf(t[:, 0])]
        check(len(p1) == 21 and len(pinf) == 11, "rows per p: %d, %d" % (len(p1), len(pinf)))
        check(np.allclose(p1[:, 2], 0.05 * p1[:, 1], rtol=1e-15) and
              np.allclose(pinf[:, 2], 0.02 * pinf[:, 1], rtol=1e-15), "t = step * dt per p")
        snaps = sorted(os.listdir(os.path.join(out, "snapshots")))
        want = sorted(["p1_%d.npy" % k for k in (0, 5, 10, 15, 20)] + ["pinf_%d.npy" % k for k in (0, 5, 10)])
        check(snaps == want, "snapshot files: %s" % snaps)
        snap = lambda name: np.load(os.path.join(out, "snapshots", name))
        check(np.array_equal(snap("p1_0.npy"), x) and np.array_equal(snap("pinf_0.npy"), x), "snapshot 0 = X0")
        check(np.array_equal(snap("p1_20.npy"), np.load(os.path.join(out, "particles_p1.npy"))) and
              np.array_equal(snap("pinf_10.npy"), np.load(os.path.join(out, "particles_pinf.npy"))),
              "last snapshot = final particles")
    # bad user arrays: exit 3 naming the file or option
    bad, x2 = os.path.join(tmp, "bad_w.npy"), os.path.join(tmp, "x2.npy")
    np.save(bad, np.ones(5))
    np.save(x2, x[:, :2])
    rc, _, se = run("--model", "mmd", "-p", "1", "--x0", x2, "--weights", bad, "--steps", "1", "--quiet",
                    "--out", os.path.join(tmp, "bad1"))
    check(rc == 3 and "--weights" in se, "--weights of the wrong length -> 3: %r" % se)
    rc, _, se = run("--model", "mmd", "-p", "1", "--x0", paths["y"][:-4] + "_missing.npy", "--quiet",
                    "--out", os.path.join(tmp, "bad2"))
    check(rc == 3 and "_missing" in se, "missing --x0 -> 3: %r" % se)
    rc, _, se = run("--model", "gaussian-kl", "-p", "1", "--x0", paths["w"], "--quiet", "--out", os.path.join(tmp, "bad3"))
    check(rc == 3 and "--x0" in se and "3 columns" in se, "--x0 of the wrong width -> 3: %r" % se)
    neg = os.path.join(tmp, "neg_w.npy")
    np.save(neg, -w)
    rc, _, se = run("--model", "mmd", "-p", "1", "--x0", x2, "--weights", neg, "--steps", "1", "--quiet",
                    "--out", os.path.join(tmp, "bad4"))
    check(rc == 3 and "weight" in se, "negative --weights -> 3: %r" % se)


def user_relu(tmp):
    rng = np.random.default_rng(9)
    z, x = rng.normal(size=(50, 3)), rng.normal(size=(8, 4))
    y = np.maximum(z @ [1.0, -0.5, 0.2], 0.0)
    zp, yp, xp = (os.path.join(tmp, n + ".npy") for n in ("rz", "ry", "rx"))
    np.save(zp, z), np.save(yp, y), np.save(xp, x)
    s = run_json("relu user data", "--model", "mlp-relu", "-p", "inf", "--steps", "0", "--data", zp, "--labels", yp,
                 "--x0", xp, "--out", os.path.join(tmp, "urelu"))
    if s:
        f = (x[:, 0][:, None] * np.maximum(x[:, 1:] @ z.T, 0.0)).mean(0)
        e = 0.5 * np.mean((f - y) ** 2)
        check(abs(s["initial_energy"] - e) <= 1e-13 * e, "relu energy on --data = NumPy: %r vs %r"
              % (s["initial_energy"], e))
    rc, _, se = run("--model", "mlp-relu", "-p", "1", "--data", zp, "--labels", yp, "--quiet",
                    "--out", os.path.join(tmp, "urelu2"))
    check(rc == 3 and "--x0" in se, "--data with 3 features and no --x0 -> 3: %r" % se)
    rc, _, se = run("--model", "mlp-relu", "-p", "1", "--data", zp, "--labels", xp, "--quiet")
    check(rc == 3 and "--labels" in se, "--labels of the wrong length -> 3: %r" % se)


def attention(tmp):
    out = os.path.join(tmp, "attn")
    s = run_json("attention", "--model", "attention", "--regime", "sparse", "-p", "1,inf", "--steps", "4",
                 "--particles", "16", "--out", out)
    if not s:
        return
    # torch: the notebook's draws and model (float32 draws, float64 arithmetic here)
    torch.manual_seed(123)
    z = torch.randn(32, 16, 4)
    g = torch.Generator().manual_seed(7100)
    th = torch.cat([sc * torch.randn(5, 12, generator=g) for sc in (1.45, 1.45, 0.65, 0.65)], dim=1)
    x0 = 0.16 * torch.randn(16, 48, generator=torch.Generator().manual_seed(1000))

    def predict(x):
        Q, K, V, O = (x[:, 12 * k:12 * k + 12].reshape(-1, 3, 4) for k in range(4))
        zz = z.double()
        q, k, v = (torch.einsum("hab,njb->nhja", M, zz) for M in (Q, K, V))
        w = torch.softmax(torch.einsum("nhja,nhia->nhji", q, k) / math.sqrt(3), dim=-1)
        return torch.einsum("hab,nhja->nhjb", O, torch.einsum("nhji,nhia->nhja", w, v)).mean(1), w

    y, w = predict(th.double())
    eff = float((1.0 / (w ** 2).sum(-1)).mean())
    e0 = float(0.5 * ((predict(x0.double())[0] - y) ** 2).mean())
    check(abs(s["teacher_effective_tokens"] - eff) <= 1e-6 * eff, "teacher effective tokens %r vs torch %r"
          % (s["teacher_effective_tokens"], eff))
    check(abs(s["initial_energy"][0] - e0) <= 1e-5 * e0, "attention initial energy %r vs torch %r"
          % (s["initial_energy"][0], e0))
    check(s["dt"] == [100 / 16, 180 / 16] and s["regime"] == "sparse", "attention defaults dt = 100/n, 180/n")
    check(all(f < i for f, i in zip(s["final_energy"], s["initial_energy"])), "attention energy decreases")
    check(np.load(os.path.join(out, "particles.npy")).shape == (16, 48), "heads 16 x 48")
    t = np.loadtxt(os.path.join(out, "trajectory.csv"), delimiter=",", ndmin=2)
    check(np.all(t[1:, 9] <= 0.45 * (1 + 1e-12)), "attention cap 0.45")
    rc, _, se = run("--model", "attention", "--method", "hamiltonian", "--steps", "3", "--particles", "8", "--quiet",
                    "--out", os.path.join(tmp, "attn_h"))
    check(rc == 0, "attention hamiltonian (blocks Q, K, V, O): " + se)


def resume(tmp):
    rng = np.random.default_rng(2)
    xp, yp = os.path.join(tmp, "rx0.npy"), os.path.join(tmp, "ry0.npy")
    np.save(xp, rng.normal(size=(10, 2))), np.save(yp, rng.normal(size=(7, 2)))
    common = ["--model", "mmd", "-p", "inf", "--x0", xp, "--target", yp, "--dt", "0.03", "--max-step", "0.05",
              "--snapshot-every", "3", "--quiet"]
    a, b = os.path.join(tmp, "ra"), os.path.join(tmp, "rb")
    rc1, _, se1 = run(*common, "--steps", "12", "--out", a)
    rc2, _, se2 = run(*common, "--steps", "7", "--checkpoint-every", "4", "--out", b)
    cfg = open(os.path.join(b, "run.cfg")).read()
    kv = dict(line.split("=", 1) for line in cfg.splitlines())
    check(kv.get("x0") == xp and kv.get("target") == yp and kv.get("snapshot_every") == "3" and
          float(kv.get("dt", "nan")) == 0.03 and float(kv.get("max_step", "nan")) == 0.05,
          "run.cfg records the new options: %r" % cfg)
    rc3, _, se3 = run("--resume", b, "--steps", "12", "--quiet")
    check(rc1 == rc2 == rc3 == 0, "resume runs: %s %s %s" % (se1, se2, se3))
    read = lambda d, n: open(os.path.join(d, n), "rb").read()
    check(read(a, "trajectory.csv") == read(b, "trajectory.csv"), "resumed user-data run bit-identical")
    check(read(a, "particles.npy") == read(b, "particles.npy"), "resumed particles bit-identical")
    check(sorted(os.listdir(os.path.join(a, "snapshots"))) == sorted(os.listdir(os.path.join(b, "snapshots"))),
          "snapshots continue after resume")
    check(read(a, "snapshots/pinf_9.npy") == read(b, "snapshots/pinf_9.npy"), "snapshot after resume identical")
    # attention (sparse, run 1): resume keeps the regime and run of run.cfg
    common = ["--model", "attention", "--regime", "sparse", "--run", "1", "-p", "inf", "--particles", "6", "--quiet"]
    a, b = os.path.join(tmp, "aa"), os.path.join(tmp, "ab")
    rc1, _, se1 = run(*common, "--steps", "6", "--out", a)
    rc2, _, se2 = run(*common, "--steps", "3", "--checkpoint-every", "3", "--out", b)
    rc3, so, se3 = run("--resume", b, "--steps", "6", "--quiet", "--json")
    check(rc1 == rc2 == rc3 == 0, "attention resume runs: %s %s %s" % (se1, se2, se3))
    check(read(a, "trajectory.csv") == read(b, "trajectory.csv"), "resumed attention run bit-identical")
    if rc3 == 0:
        s = json.loads(so)
        check(s["regime"] == "sparse" and s["run"] == 1, "resume keeps --regime and --run")


def usage_errors(tmp):
    xp = os.path.join(tmp, "ux.npy")
    np.save(xp, np.zeros((4, 2)))
    cases = [
        (["--model", "quadratic", "--method", "hamiltonian", "-p", "1"], "hamiltonian"),
        (["--model", "quadratic", "--method", "hamiltonian", "-p", "1,inf"], "-p inf"),
        (["--model", "mmd", "-p", "1", "--tau", "2"], "--tau"),
        (["--model", "mmd", "-p", "1", "--gamma", "2"], "--gamma"),
        (["--model", "mmd", "--method", "momentum", "-p", "1", "--eps", "0.1"], "--eps"),
        (["--model", "sphere", "-p", "1", "--max-step", "0.1"], "--max-step"),
        (["--model", "sphere", "-p", "1", "--clamp", "3"], "--clamp"),
        (["--model", "mmd", "-p", "1", "--regime", "sparse"], "--regime"),
        (["--model", "mmd", "-p", "1", "--run", "2"], "--run"),
        (["--model", "attention", "-p", "1", "--seed", "3"], "--seed"),
        (["--model", "attention", "-p", "1", "--rng", "specot"], "--rng"),
        (["--model", "mlp-relu", "-p", "1", "--target", xp], "--target"),
        (["--model", "mmd", "-p", "1", "--target-weights", xp], "--target-weights"),
        (["--model", "mlp-relu", "-p", "1", "--data", xp], "--labels"),
        (["--model", "mmd", "-p", "1", "--data", xp, "--labels", xp], "--data"),
        (["--model", "mmd", "-p", "1", "--x0", xp, "--particles", "4"], "--particles"),
        (["--model", "mmd", "-p", "1", "--weights", xp], "--weights"),
        (["--model", "mmd", "-p", "1", "--x0", xp, "--target", xp, "--seed", "3"], "--seed"),
        (["--model", "gaussian-kl", "-p", "1", "--x0", xp, "--rng", "torch"], "--rng"),
        (["--model", "mmd", "-p", "1", "--rng", "numpy"], "--rng"),
        (["--model", "mmd", "-p", "1,inf", "--dt", "0.1,0.2,0.3"], "--dt"),
        (["--model", "mmd", "-p", "1,inf", "--steps", "3,4,5"], "--steps"),
        (["--model", "mmd", "-p", "1", "--steps", "2.5"], "--steps"),
        (["--model", "mmd", "-p", "1", "--dt", "0.1,0"], "--dt"),
        (["--model", "mmd", "-p", "1", "--snapshot-every", "0"], "--snapshot-every"),
    ]
    for args, name in cases:
        rc, _, se = run(*args, "--steps", "1", "--quiet", "--out", os.path.join(tmp, "never")) \
            if "--steps" not in args else run(*args, "--quiet", "--out", os.path.join(tmp, "never"))
        check(rc == 2 and name in se and se.count("\n") <= 2, "%s -> usage error naming %s: rc %d %r"
              % (" ".join(args), name, rc, se))
    check(not os.path.exists(os.path.join(tmp, "never")), "no output folder after a usage error")
    s = run_json("hamiltonian without -p", "--model", "quadratic", "--method", "hamiltonian", "--steps", "2",
                 "--out", os.path.join(tmp, "hnop"))
    check(s is not None and s["p"] == "inf", "hamiltonian without -p runs as p = inf")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        torch_rng(tmp)
        user_mmd(tmp)
        user_relu(tmp)
        attention(tmp)
        resume(tmp)
        usage_errors(tmp)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        sys.exit(1)
    print("all flow CLI data checks passed")


if __name__ == "__main__":
    main()
