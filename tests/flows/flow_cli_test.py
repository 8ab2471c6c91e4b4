#!/usr/bin/env python3
"""CLI tests of `specot flow` and `specot muon-step` (argv[1] = the specot binary).

Checks: output files and JSON summary; resume from a checkpoint reproduces the
uninterrupted trajectory bit for bit; usage and input errors; muon-step against
a NumPy implementation of the KJ / Moonlight formulas (muon.md 2.1)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

SPECOT = sys.argv[1]
FAILURES = []
# Under AddressSanitizer, PLplot's font/driver caches are reported as leaks:
# use the repository's suppression list unless the caller set LSAN_OPTIONS.
ENV = dict(os.environ)
ENV.setdefault("LSAN_OPTIONS", "suppressions=" + os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                              "..", "lsan.supp"))


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def run(*args):
    p = subprocess.run([SPECOT, *args], capture_output=True, text=True, timeout=300, env=ENV)
    return p.returncode, p.stdout, p.stderr


def flow_outputs(tmp):
    out = os.path.join(tmp, "relu")
    rc, so, se = run("flow", "--model", "mlp-relu", "-p", "1,inf", "--steps", "40", "--particles", "192",
                     "--out", out, "--json", "--quiet")
    check(rc == 0, "flow mlp-relu exit 0: " + se)
    s = json.loads(so)
    for key in ("model", "p", "method", "steps", "dt", "particles", "initial_energy", "final_energy",
                "initial_dissipation_ratio", "hamiltonian_increases", "wall_seconds"):
        check(key in s, "json has " + key)
    check(s["p"] == [1, "inf"] and s["steps"] == 40 and s["particles"] == 192, "json values")
    check(all(1.0 <= r <= 3.0 for r in s["initial_dissipation_ratio"]), "ratio in [1, rank]")
    check(all(f < i for f, i in zip(s["final_energy"], s["initial_energy"])), "energy decreases")
    check(abs(s["dt"][0] - 75 / 192) < 1e-15 and abs(s["dt"][1] - 50 / 192) < 1e-15, "paper dt / n")
    t = np.loadtxt(os.path.join(out, "trajectory.csv"), delimiter=",")
    check(t.shape == (82, 10), "trajectory rows %s" % (t.shape,))
    check(np.all(t[:41, 0] == 1) and np.all(np.isinf(t[41:, 0])), "p column")
    check(np.all(t[:, 4] <= 0), "dissipation <= 0")
    for name in ("particles.npy", "particles_p1.npy", "particles_pinf.npy", "energy.png"):
        check(os.path.getsize(os.path.join(out, name)) > 0, name + " written")
    x = np.load(os.path.join(out, "particles_pinf.npy"))
    check(x.shape == (192, 3) and np.all(np.abs(x) <= 30), "particles shape and clamp")
    # the Euler rate at step 0 is -N*(g)^2: for p = inf it is the largest of all p
    check(t[41, 4] <= t[0, 4], "p = inf dissipates faster at t = 0")


def resume_bit_identical(tmp):
    a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    common = ["--model", "mmd", "-p", "2", "--method", "momentum", "--particles", "40", "--quiet"]
    rc, _, se = run("flow", *common, "--steps", "30", "--out", a)
    check(rc == 0, "uninterrupted run: " + se)
    rc, _, se = run("flow", *common, "--steps", "17", "--checkpoint-every", "5", "--out", b)
    check(rc == 0, "first leg: " + se)
    check(os.path.exists(os.path.join(b, "checkpoint.bin")) and os.path.exists(os.path.join(b, "run.cfg")),
          "checkpoint and run.cfg written")
    rc, so, se = run("flow", "--resume", b, "--steps", "30", "--quiet", "--json")
    check(rc == 0, "resume: " + se)
    ta = open(os.path.join(a, "trajectory.csv")).read()
    tb = open(os.path.join(b, "trajectory.csv")).read()
    check(ta == tb, "resumed trajectory.csv is bit-identical")
    pa = open(os.path.join(a, "particles.npy"), "rb").read()
    pb = open(os.path.join(b, "particles.npy"), "rb").read()
    check(pa == pb, "resumed particles.npy is bit-identical")
    check(not [f for f in os.listdir(b) if ".tmp" in f], "no temporary files left")
    # Resume errors and edge cases: a damaged log is reported (3), a missing
    # one restarts the log, a run already at --steps takes no step (and the
    # plot of an empty log must not hang PLplot).
    e = os.path.join(tmp, "e")
    shutil.copytree(b, e)
    with open(os.path.join(e, "trajectory.csv"), "a") as f:
        f.write("2,99,x\n")
    rc, _, se = run("flow", "--resume", e, "--steps", "30", "--quiet")
    check(rc == 3 and "not a number" in se, "damaged trajectory.csv -> 3: %r" % se)
    os.remove(os.path.join(e, "trajectory.csv"))
    rc, _, se = run("flow", "--resume", e, "--steps", "30", "--quiet")
    check(rc == 0, "resume without a log, no step left: " + se)
    rc, _, se = run("flow", "--model", "quadratic", "-p", "1,1", "--steps", "2", "--quiet")
    check(rc == 2 and "given twice" in se, "repeated p -> usage error: %r" % se)
    rc, _, se = run("flow", "--resume", e, "--steps", "10")
    check(rc == 0 and "asks for no further step" in se, "resume below the checkpoint warns: %r" % se)
    rc, _, se = run("flow", "--resume", os.path.join(tmp, "nowhere"), "--steps", "10", "--quiet")
    check(rc == 3 and "nowhere" in se, "resume from a missing folder -> 3: %r" % se)
    rc, _, se = run("flow", "--resume", e, "--steps", "32", "--quiet")
    t = np.loadtxt(os.path.join(e, "trajectory.csv"), delimiter=",", ndmin=2)
    check(rc == 0 and t.shape == (2, 10) and list(t[:, 1]) == [31, 32], "log restarted after resume: " + se)
    # hamiltonian with checkpoints, resumed twice
    c, d = os.path.join(tmp, "c"), os.path.join(tmp, "d")
    hcommon = ["--model", "quadratic", "-p", "inf", "--method", "hamiltonian", "--quiet"]
    run("flow", *hcommon, "--steps", "25", "--out", c)
    run("flow", *hcommon, "--steps", "8", "--checkpoint-every", "4", "--out", d)
    run("flow", "--resume", d, "--steps", "16", "--quiet")
    rc, so, se = run("flow", "--resume", d, "--steps", "25", "--quiet", "--json")
    check(rc == 0, "second resume: " + se)
    check(open(os.path.join(c, "trajectory.csv")).read() == open(os.path.join(d, "trajectory.csv")).read(),
          "hamiltonian trajectory bit-identical after two resumes")
    check(json.loads(so)["hamiltonian_increases"] == 0, "H non-increasing at the default step")


def errors(tmp):
    check(run("flow", "--model", "nope", "-p", "1")[0] == 2, "unknown model -> 2")
    check(run("flow", "--model", "mmd", "-p", "0.5")[0] == 2, "p < 1 -> 2")
    check(run("flow", "--model", "mmd")[0] == 2, "missing -p -> 2")
    check(run("flow", "--model", "sphere", "-p", "1", "--method", "hamiltonian")[0] == 2, "sphere hamiltonian -> 2")
    check(run("flow", "--model", "mmd", "-p", "1,inf", "--checkpoint-every", "3")[0] == 2, "multi-p checkpoint -> 2")
    check(run("flow", "--resume", os.path.join(tmp, "missing"))[0] == 3, "resume missing -> 3")
    check(run("flow", "--model", "mmd", "-p", "1", "--steps", "x")[0] == 2, "bad --steps -> 2")
    check(run("flow", "--help")[0] == 0, "help -> 0")
    for opt in ["--dt", "--eps", "--tau"]:
        rc, _, se = run("flow", "--model", "quadratic", "-p", "inf", "--method", "hamiltonian", opt, "0")
        check(rc == 2 and "> 0" in se, "%s 0 -> 2 with a message: %r" % (opt, se))
    check(run("flow", "--model", "mmd", "-p", "1", "--dt", "-1")[0] == 2, "negative --dt -> 2")
    # gamma = 0 (undamped) still gets a positive default step
    rc, so, se = run("flow", "--model", "quadratic", "--method", "hamiltonian", "--gamma", "0",
                     "--steps", "5", "--quiet", "--json", "--out", os.path.join(tmp, "gamma0"))
    check(rc == 0 and json.loads(so)["dt"] > 0, "hamiltonian --gamma 0: " + se)
    check(run("muon-step", "W.npy")[0] == 2, "muon-step needs G -> 2")
    check(run("muon-step", "--help")[0] == 0, "muon-step help -> 0")


def ns5(u):
    a, b, c = 3.4445, -4.7750, 2.0315
    x = u.T if u.shape[0] > u.shape[1] else u
    x = x / np.linalg.norm(x)
    for _ in range(5):
        A = x @ x.T
        B = b * A + c * A @ A
        x = a * x + B @ x
    return x.T if u.shape[0] > u.shape[1] else x


def polar(u):
    U, s, Vt = np.linalg.svd(u, full_matrices=False)
    return U @ Vt


def muon_step(tmp):
    rng = np.random.default_rng(3)
    W, G, M0 = rng.standard_normal((7, 4)), rng.standard_normal((7, 4)), rng.standard_normal((7, 4))
    for name, arr in (("W", W), ("G", G)):
        np.save(os.path.join(tmp, name + ".npy"), arr)
    cases = [("kj", "polar", 0.02, 0.0, True, np.sqrt(7 / 4), polar),
             ("moonlight", "ns5", 1e-3, 0.1, False, 0.2 * np.sqrt(7), ns5),
             ("torch", "ns5", 1e-3, 0.1, True, np.sqrt(7 / 4), ns5)]
    for conv, ortho, lr, wd, ema, s, orth in cases:
        state = os.path.join(tmp, "M_%s.npy" % conv)
        np.save(state, M0)
        out = os.path.join(tmp, "W_%s.npy" % conv)
        rc, so, se = run("muon-step", os.path.join(tmp, "W.npy"), os.path.join(tmp, "G.npy"), "-o", out,
                         "--state", state, "--convention", conv, "--ortho", ortho, "--json")
        check(rc == 0, "muon-step %s: %s" % (conv, se))
        beta = 0.95
        gm = 1 - beta if ema else 1.0
        M = beta * M0 + gm * G
        U = gm * G + beta * M
        expect = W * (1 - lr * wd) - lr * s * orth(U)
        check(np.allclose(np.load(out), expect, rtol=1e-12, atol=1e-13), "muon-step %s matches NumPy" % conv)
        check(np.allclose(np.load(state), M, rtol=1e-14, atol=1e-15), "momentum state %s" % conv)
        check(abs(json.loads(so)["scale"] - s) < 1e-14, "scale %s" % conv)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        flow_outputs(tmp)
        resume_bit_identical(tmp)
        errors(tmp)
        muon_step(tmp)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        sys.exit(1)
    print("all flow CLI checks passed")


if __name__ == "__main__":
    main()
