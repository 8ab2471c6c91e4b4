#!/usr/bin/env python3
"""CLI tests of `specot flow` features not covered by flow_cli_test.py (found
by a coverage run): the sphere and gaussian-kl models, the Hamiltonian ReLU
run with its (1, 2) column blocks, the --max-step / --clamp / --tau
safeguards, the progress display, and usage/input errors with their messages.
argv[1] = the specot binary."""
import json
import os
import pty
import subprocess
import sys
import tempfile

import numpy as np

SPECOT = sys.argv[1]
FAILURES = []
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


def trajectory(out):
    return np.loadtxt(os.path.join(out, "trajectory.csv"), delimiter=",", ndmin=2)


def sphere(tmp):
    """Reduced sphere flow: masses stay positive, directions unit, energy decreases."""
    out = os.path.join(tmp, "sphere")
    rc, so, se = run("flow", "--model", "sphere", "-p", "2", "--steps", "20", "--particles", "64",
                     "--out", out, "--json", "--quiet")
    check(rc == 0, "sphere exit 0: " + se)
    if rc:
        return
    s = json.loads(so)
    check(s["model"] == "sphere" and s["particles"] == 64 and s["steps"] == 20, "sphere json values")
    check(s["final_energy"] < s["initial_energy"], "sphere energy decreases")
    check(1.0 <= s["initial_dissipation_ratio"] <= 3.0, "sphere ratio in [1, rank]")
    x = np.load(os.path.join(out, "particles.npy"))
    check(x.shape == (64, 4), "sphere output (mass, omega) shape %s" % (x.shape,))
    check(np.all(x[:, 0] > 0), "sphere masses positive")
    check(np.allclose(np.linalg.norm(x[:, 1:], axis=1), 1.0, rtol=0, atol=1e-12), "sphere directions unit")
    t = trajectory(out)
    check(t.shape == (21, 10) and np.all(np.diff(t[:, 3]) <= 0), "sphere energy non-increasing per step")
    check(np.all(t[:, 4] <= 0), "sphere dissipation rate <= 0")


def gaussian_kl(tmp):
    out = os.path.join(tmp, "gkl")
    rc, so, se = run("flow", "--model", "gaussian-kl", "-p", "inf", "--steps", "30", "--particles", "100",
                     "--out", out, "--json", "--quiet")
    check(rc == 0, "gaussian-kl exit 0: " + se)
    if rc:
        return
    s = json.loads(so)
    check(0.0 <= s["final_energy"] < s["initial_energy"], "KL >= 0 and decreasing")
    check(np.load(os.path.join(out, "particles.npy")).shape == (100, 3), "gaussian-kl particles 100 x 3")


def hamiltonian_relu(tmp):
    """The ReLU Hamiltonian run uses column blocks (1, 2) at dt = 0.05."""
    out = os.path.join(tmp, "hrelu")
    rc, so, se = run("flow", "--model", "mlp-relu", "--method", "hamiltonian", "-p", "inf", "--steps", "10",
                     "--particles", "96", "--out", out, "--json", "--quiet")
    check(rc == 0, "hamiltonian relu exit 0: " + se)
    if rc:
        return
    s = json.loads(so)
    check(abs(s["dt"] - 0.05) < 1e-15, "hamiltonian relu dt 0.05")
    check(s["hamiltonian_increases"] == 0, "hamiltonian relu: H non-increasing")
    t = trajectory(out)
    check(np.all(np.diff(t[:, 7]) <= 1e-12 * abs(t[0, 7])), "H column non-increasing")


def safeguards(tmp):
    base = ["flow", "--model", "mmd", "--method", "momentum", "-p", "2", "--steps", "10", "--particles", "30",
            "--quiet", "--json"]
    cap = os.path.join(tmp, "cap")
    rc, so, se = run(*base, "--max-step", "0.05", "--tau", "0.5", "--out", cap)
    check(rc == 0, "--max-step run: " + se)
    if not rc:
        t = trajectory(cap)
        check(np.all(t[1:, 9] <= 0.05 * (1 + 1e-12)), "--max-step caps ||X+ - X||_F: %s" % t[:, 9])
        check(np.all(t[1:, 9] > 0.04), "--max-step is active (steps at the cap)")
    clamp = os.path.join(tmp, "clamp")
    rc, so, se = run(*base, "--clamp", "0.7", "--out", clamp)
    check(rc == 0, "--clamp run: " + se)
    if not rc:
        x = np.load(os.path.join(clamp, "particles.npy"))
        check(np.abs(x).max() <= 0.7 and np.isclose(np.abs(x).max(), 0.7), "--clamp bounds coordinates")
    # the progress bar (no --quiet) is drawn on a terminal only: none into a pipe or log
    prog = ["flow", "--model", "mmd", "-p", "2", "--steps", "10", "--particles", "20", "--out",
            os.path.join(tmp, "prog")]
    rc, so, se = run(*prog)
    check(rc == 0 and "steps/s" not in se and "\r" not in se, "no progress in a pipe: %r" % se[-200:])
    master, slave = pty.openpty()
    p = subprocess.Popen([SPECOT, *prog], stdout=subprocess.DEVNULL, stderr=slave, env=ENV)
    os.close(slave)
    tty_err = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO once the child closed the terminal
            break
        if not chunk:
            break
        tty_err += chunk
    os.close(master)
    check(p.wait(timeout=60) == 0 and b"10/10" in tty_err and b"steps/s" in tty_err,
          "progress bar on a terminal: %r" % tty_err[-200:])
    rc, so, se = run(*prog, "--quiet")
    check(rc == 0 and "specot" not in se and "steps/s" not in se, "--quiet: nothing on stderr: %r" % se)


def errors(tmp):
    rc, _, se = run("flow", "--model", "mmd", "-p", "1", "--bogus")
    check(rc == 2 and "--bogus" in se, "unknown option -> 2 naming it: %r" % se)
    rc, _, se = run("flow", "--model", "mmd", "-p", "1", "--method", "leapfrog")
    check(rc == 2 and "leapfrog" in se, "unknown method -> 2 naming it: %r" % se)
    rc, _, se = run("flow", "--model", "mmd", "-p", "1", "--particles", "0")
    check(rc == 2 and "must be positive" in se, "--particles 0 -> 2: %r" % se)
    rc, _, se = run("flow", "--model", "mmd", "-p", "1", "--clamp", "nan")
    check(rc == 2 and "--clamp" in se, "--clamp nan -> 2: %r" % se)
    rc, _, se = run("flow", "--resume", tmp, "--model", "mmd")
    check(rc == 2 and "run.cfg" in se, "--resume with --model -> 2: %r" % se)
    blocker = os.path.join(tmp, "a_file")
    open(blocker, "w").close()
    rc, _, se = run("flow", "--model", "mmd", "-p", "1", "--steps", "1", "--quiet",
                    "--out", os.path.join(blocker, "sub"))
    check(rc == 3 and "cannot create folder" in se, "unwritable --out -> 3: %r" % se)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        sphere(tmp)
        gaussian_kl(tmp)
        hamiltonian_relu(tmp)
        safeguards(tmp)
        errors(tmp)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        sys.exit(1)
    print("all flow CLI feature checks passed")


if __name__ == "__main__":
    main()
