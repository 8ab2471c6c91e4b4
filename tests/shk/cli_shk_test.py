#!/usr/bin/env python3
"""`specot shk` and `specot dpcert`: JSON keys and values, exit codes and messages.

Run by ctest as: /usr/bin/python3 cli_shk_test.py path/to/specot
Checks: dpcert against the spec's 4.6 vectors (case 1, 2, 5) to 1e-10 and against
closed forms computed here with NumPy; shk's mixture default (spec 8.1 T-S4 mode
weights, Langevin-only comparison), a Gaussian run (T-S1 moments computed with
NumPy from the written samples), JSON moments against NumPy, the expmech
certificate against `dpcert`, and the error paths (2 usage, 3 bad input, no
output file left behind).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

CLI = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, expect=0):
    p = subprocess.run([CLI, *args], capture_output=True, text=True)
    check(p.returncode == expect,
          "exit %d (expected %d) for %s: %s" % (p.returncode, expect, " ".join(args), p.stderr))
    return p


def close(a, b, rtol, atol=0.0):
    return abs(a - b) <= atol + rtol * abs(b)


def dpcert_tests():
    p = run("dpcert", "--du", "1", "--eps0", "1", "--t", "2", "--K", "0", "--U", "6", "--d", "2",
            "--eps", "0,0.1,0.25,0.5", "--delta", "0.01,0.1", "--json")
    j = json.loads(p.stdout)
    for k in ["eta_A", "eta_B", "eta", "eps_pure", "kl", "renyi", "delta", "eps_for_delta", "utility", "scope"]:
        check(k in j, "dpcert key %s" % k)
    check(close(j["eta_A"], 0.864664716763, 1e-10), "case 1 eta_A")
    check(close(j["eta_B"], 1.81201169942, 1e-10), "case 1 eta_B")
    check(close(j["kl"], 0.0934556340519, 1e-10), "case 1 KL")
    check(close(j["renyi"]["2"], 0.186911268104, 1e-10), "case 1 D_2")
    eta = j["eta"]
    check(close(j["renyi"]["8"], min(eta, 8 * eta ** 2 / 8), 1e-14), "D_8 = min(eta, 8 eta^2/8)")
    br = [2.128609526583e-01, 1.744163700953e-01, 1.209554812697e-01, 4.799659675854e-02]
    for row, ref, eps in zip(j["delta"], br, [0, 0.1, 0.25, 0.5]):
        check(close(row["eps"], eps, 0) and close(row["delta_br"], ref, 1e-10), "case 1 delta_BR(%g)" % eps)
        closed = (np.exp(eta / 2) - np.exp(eps / 2)) ** 2 / (np.exp(eta) - 1)
        check(close(row["delta_br"], closed, 1e-12), "delta_BR closed form at %g" % eps)
        check(close(row["delta_pinsker"], 2.161661791908e-01, 1e-10), "case 1 Pinsker")
    check(close(j["eps_for_delta"][0]["eps"], 0.706406469967, 1e-10), "case 1 eps(0.01)")
    check(close(j["eps_for_delta"][1]["eps"], 0.314253241301, 1e-10), "case 1 eps(0.1)")
    check(close(j["utility"]["sampling_error"], 0.606925910517, 1e-10), "case 1 sampling error")
    check(close(j["utility"]["intrinsic"], 4, 1e-12), "case 1 intrinsic")
    check("mean-field" in j["scope"], "scope line")
    # case 2: K unknown -> eta_A "inf"
    j = json.loads(run("dpcert", "--du", "1", "--eps0", "1", "--t", "2", "--U", "6", "--eps", "0,0.5,1",
                       "--json").stdout)
    check(j["eta_A"] == "inf", "case 2 eta_A is inf")
    check(close(j["eta"], 1.81201169942, 1e-10) and close(j["kl"], 0.410423299854, 1e-10), "case 2 eta, KL")
    for row, ref in zip(j["delta"], [4.243642824261e-01, 2.766165878220e-01, 1.330881623224e-01]):
        check(close(row["delta_br"], ref, 1e-10), "case 2 delta_BR")
    # case 5: no U -> no utility object
    j = json.loads(run("dpcert", "--du", "1", "--eps0", "0.5", "--t", "0.5", "--K", "0", "--eps", "0,0.1",
                       "--json").stdout)
    check("utility" not in j, "case 5 has no utility")
    check(close(j["eta"], 0.196734670144, 1e-10), "case 5 eta")
    check(close(j["delta"][1]["delta_br"], 1.248310574398e-02, 1e-10), "case 5 delta_BR(0.1)")
    # case 4 with a finite Theta (--n-out), --monotone, --reaction-only, --M, --kl
    j = json.loads(run("dpcert", "--du", "0.5", "--eps0", "2", "--lambda", "2", "--t", "1", "--K", "0.25", "--U", "4",
                       "--n-out", "1000", "--eps", "0.5", "--json").stdout)
    check(close(j["eta_A"], 1.94549561272, 1e-10) and close(j["eta_B"], 4.16536453179, 1e-10), "case 4 etas")
    check(close(j["delta"][0]["delta_br"], 3.089501153039e-01, 1e-10), "case 4 delta_BR(0.5)")
    check(close(j["utility"]["intrinsic"], 3.95387763949, 1e-10) and close(j["utility"]["tv"], 0.264248688504, 1e-10),
          "case 4 utility")
    j = json.loads(run("dpcert", "--du", "1", "--eps0", "1", "--t", "50", "--U", "6", "--monotone", "--json").stdout)
    check(close(j["eta"], 0.5, 1e-12), "monotone: eta -> eps0/2")
    j = json.loads(run("dpcert", "--du", "1", "--eps0", "1", "--t", "1", "--reaction-only", "--json").stdout)
    check(close(j["eta"], 0.632120558829, 1e-11), "reaction-only eta_A without K")
    j = json.loads(run("dpcert", "--du", "1", "--eps0", "1", "--t", "1", "--M", "2", "--kl", "0.001", "--json").stdout)
    check(close(j["eta_B"], 1 + 4 * np.exp(-1), 1e-14) and j["kl"] == 0.001, "--M and --kl")
    j2 = json.loads(run("dpcert", "--du", "1", "--eps0", "1", "--t", "1", "--M", "2", "--kl", "0.001",
                        "--particles", "500", "--stride", "3", "--json").stdout)
    check(j2["particles"] == 500 and j2["stride"] == 3 and j2["eta"] == j["eta"], "N, stride echoed, not used")
    run("dpcert", "--du", "1", "--eps0", "1", "--t", "1", "--K", "0", "--d", "2", "--n-out", "5", expect=2)
    # text output carries the scope line first
    p = run("dpcert", "--du", "1", "--eps0", "1", "--t", "2", "--K", "0")
    check(p.stdout.startswith("mean-field certificate"), "text output starts with the scope line")
    # errors
    p = run("dpcert", "--du", "1", "--eps0", "1", "--t", "2", expect=3)
    check("--K" in p.stderr and "--U" in p.stderr and p.stderr.count("\n") == 1, "no-certificate message")
    p = run("dpcert", "--eps0", "1", "--t", "2", "--K", "0", expect=2)
    check("--du" in p.stderr, "missing --du named")
    run("dpcert", "--du", "0", "--eps0", "1", "--t", "2", "--K", "0", expect=2)
    run("dpcert", "--du", "1", "--eps0", "1", "--t", "-1", "--K", "0", expect=2)
    p = run("dpcert", "--du", "1", "--eps0", "1", "--t", "1", "--K", "0", "--delta", "0,0.1", expect=2)
    check("--delta" in p.stderr, "bad --delta named")
    run("dpcert", "--du", "1", "--eps0", "1", "--t", "1", "--K", "0", "--bogus", expect=2)
    check("usage" in run("dpcert", "--help").stdout, "dpcert --help")


def bad_out(tmp):
    return os.path.join(tmp, "never.npy")


def shk_tests(tmp):
    out = os.path.join(tmp, "s.npy")
    png = os.path.join(tmp, "h.png")
    j = json.loads(run("shk", "-o", out, "--png", png, "--json").stdout)
    for k in ["particles", "steps", "kills", "duplications", "mean", "cov"]:
        check(k in j, "shk key %s" % k)
    X = np.load(out)
    check(X.shape == (1000, 1), "mixture samples shape %s" % (X.shape,))
    frac = float(np.mean(X[:, 0] > 0))
    check(abs(frac - 0.75) <= 0.05, "T-S4 SHK fraction %g" % frac)
    check(close(j["mean"][0], X.mean(), 1e-12, 1e-12), "JSON mean = NumPy mean")
    check(close(j["cov"][0][0], X.var(ddof=1), 1e-10), "JSON cov = NumPy var")
    check(j["kills"] > 0 and j["duplications"] > 0 and j["steps"] == 1000, "event counts")
    with open(png, "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", "PNG written")
    j = json.loads(run("shk", "--no-reaction", "-o", out, "--json").stdout)
    frac = float(np.mean(np.load(out)[:, 0] > 0))
    check(abs(frac - 0.5) <= 0.08 and j["kills"] == 0, "T-S4 Langevin-only fraction %g" % frac)
    # T-S1 through the CLI: N(2, 1) target from N(-2, 0.5^2), T = 3
    np.save(os.path.join(tmp, "m.npy"), np.array([2.0]))
    np.save(os.path.join(tmp, "c.npy"), np.array([[1.0]]))
    run("shk", "--target", "gauss", "--mean", os.path.join(tmp, "m.npy"), "--cov", os.path.join(tmp, "c.npy"),
        "--init-mean", "-2", "--init-std", "0.5", "--bandwidth", "0.2", "--dt", "0.01", "--steps", "300",
        "--seed", "3", "-o", out)
    X = np.load(out)[:, 0]
    check(abs(X.mean() - 1.9863) <= 0.10 and abs(X.var(ddof=1) - 0.9870) <= 0.12,
          "T-S1 at T = 3: mean %g var %g" % (X.mean(), X.var(ddof=1)))
    # 2-D Gaussian with a covariance file: moments in JSON match NumPy
    C = np.array([[1.0, 0.6], [0.6, 2.0]])
    np.save(os.path.join(tmp, "m2.npy"), np.array([1.0, -1.0]))
    np.save(os.path.join(tmp, "c2.npy"), C)
    j = json.loads(run("shk", "--target", "gauss", "--mean", os.path.join(tmp, "m2.npy"), "--cov",
                       os.path.join(tmp, "c2.npy"), "--particles", "800", "--steps", "400", "-o", out,
                       "--json").stdout)
    X = np.load(out)
    check(X.shape == (800, 2) and np.allclose(np.array(j["cov"]), np.cov(X.T), rtol=1e-10), "2-D JSON cov")
    check(np.allclose(X.mean(0), [1, -1], atol=0.35) and np.allclose(np.cov(X.T), C, atol=0.6),
          "2-D Gaussian moments near the target")
    # exponential mechanism: private median; its certificate equals `dpcert` on the same inputs
    data = os.path.join(tmp, "d.csv")
    np.savetxt(data, np.clip(np.random.default_rng(0).normal(0.6, 0.1, 20), 0, 1))
    j = json.loads(run("shk", "--target", "expmech", "--data", data, "--loss", "median", "--eps0", "2",
                       "--particles", "300", "--steps", "3000", "-o", out, "--json").stdout)
    check(j["U"] == 20 and j["du"] == 1, "median U = n (hi - lo), du = hi - lo")
    ref = json.loads(run("dpcert", "--du", "1", "--eps0", "2", "--t", repr(j["t"]), "--U", "20", "--json").stdout)
    check(close(j["certificate"]["eta"], ref["eta"], 1e-14), "expmech certificate = dpcert")
    X = np.load(out)[:, 0]
    check(abs(np.median(X) - 0.6) < 0.2, "private median sample near the data median")
    j = json.loads(run("shk", "--target", "expmech", "--data", data, "--no-reaction", "--steps", "10", "-o", out,
                       "--json").stdout)
    check("error" in j["certificate"], "no certificate for plain Langevin")
    # double well: symmetric target, x_2 ~ N(0, 1)
    j = json.loads(run("shk", "--target", "double-well", "--dim", "2", "--barrier", "1", "--dt", "0.005",
                       "--steps", "600", "-o", out, "--json").stdout)
    X = np.load(out)
    check(X.shape == (1000, 2) and abs(X[:, 1].var(ddof=1) - 1) < 0.2 and abs(j["frac_positive"] - 0.5) < 0.1,
          "double well: var x_2 %g, frac %g" % (X[:, 1].var(ddof=1), j["frac_positive"]))
    # subsampled KDE runs and keeps N
    j = json.loads(run("shk", "--kde", "subsample", "--kde-m", "200", "--steps", "200", "-o", out, "--json").stdout)
    check(np.load(out).shape == (1000, 1) and j["sweeps"] == 200, "subsampled KDE run")
    run("shk", "--kde", "bogus", "-o", bad_out(tmp), expect=2)
    # errors: usage 2, bad input 3, no output left behind
    bad = os.path.join(tmp, "never.npy")
    run("shk", "--target", "nope", "-o", bad, expect=2)
    run("shk", "--dt", "0", "-o", bad, expect=2)
    run("shk", "--lambda", "-1", "-o", bad, expect=2)
    run("shk", "--particles", "1", "-o", bad, expect=2)
    run("shk", "--stride", "0", "-o", bad, expect=2)
    p = run("shk", expect=2)
    check("-o" in p.stderr, "missing -o named")
    run("shk", "--no-reaction", "--reaction-only", "-o", bad, expect=2)
    run("shk", "--mix-weights", os.path.join(tmp, "m.npy"), "-o", bad, expect=2)
    np.save(os.path.join(tmp, "w.npy"), np.array([0.5, 0.5]))
    np.save(os.path.join(tmp, "mm.npy"), np.array([[0.0]]))
    np.save(os.path.join(tmp, "ss.npy"), np.array([1.0, 1.0]))
    p = run("shk", "--mix-weights", os.path.join(tmp, "w.npy"), "--mix-means", os.path.join(tmp, "mm.npy"),
            "--mix-std", os.path.join(tmp, "ss.npy"), "-o", bad, expect=3)
    check("--mix-means" in p.stderr, "mixture row mismatch named")
    np.save(os.path.join(tmp, "cbad.npy"), np.array([[1.0, 2.0], [2.0, 1.0]]))
    p = run("shk", "--target", "gauss", "--mean", os.path.join(tmp, "m2.npy"), "--cov",
            os.path.join(tmp, "cbad.npy"), "-o", bad, expect=3)
    check("positive definite" in p.stderr, "non-PD covariance message")
    run("shk", "--target", "gauss", "--mean", os.path.join(tmp, "missing.npy"), "-o", bad, expect=3)
    run("shk", "--target", "expmech", "-o", bad, expect=2)
    p = run("shk", "--target", "expmech", "--data", data, "--loss", "table", "-o", bad, expect=3)
    np.savetxt(os.path.join(tmp, "reg.csv"), np.ones((5, 3)))
    p = run("shk", "--target", "expmech", "--data", os.path.join(tmp, "reg.csv"), "--loss", "linreg", "-o", bad,
            expect=3)
    check("du" in p.stderr, "linreg without --du names du")
    check(not os.path.exists(bad), "no output file after errors")
    check("usage" in run("shk", "--help").stdout, "shk --help")


with tempfile.TemporaryDirectory() as tmp:
    dpcert_tests()
    shk_tests(tmp)
if failures:
    print("%d failure(s)" % len(failures))
    sys.exit(1)
print("all shk/dpcert CLI checks passed")
