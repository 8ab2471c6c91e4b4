#!/usr/bin/env python3
"""Kill safety of `specot flow` checkpoints (argv[1] = the CLI).

SIGKILL: a run that checkpoints (and snapshots) every step is killed at random points
(fixed seed, 6 kills): after a random number of 1..12 further steps, seen as new snapshot
files, plus a random fraction of one step's wall time, so kills land anywhere inside a
step, including its checkpoint and log writes, and every run is killed before it can
finish whatever the machine's speed (6 x 13 steps < 120).  Each time the run is continued
with --resume from the last complete checkpoint (or restarted when none exists yet).  The
final trajectory.csv and particles.npy must equal the uninterrupted run's byte for byte.

SIGINT (Ctrl-C): the run stops at the end of the current step with exit 130, says on
stderr at which step it stopped, writes a final checkpoint (when checkpointing is on) at
exactly that step, prints no progress bar into a pipe, and --resume finishes the run bit
for bit; without checkpointing it stops the same way and says there is no checkpoint."""
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time

SPECOT = sys.argv[1]
FAILURES = []
ENV = dict(os.environ)
ENV.setdefault("LSAN_OPTIONS", "suppressions=" + os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                              "..", "lsan.supp"))
COMMON = ["--model", "mmd", "-p", "inf", "--method", "momentum", "--particles", "60", "--steps", "120"]


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def outputs(d):
    return read(os.path.join(d, "trajectory.csv")), read(os.path.join(d, "particles.npy"))


def checkpoint_step(d):
    """The step of DIR/checkpoint.bin via a resume that asks for no further step."""
    p = subprocess.run([SPECOT, "flow", "--resume", d, "--steps", "0"], capture_output=True, text=True,
                       env=ENV, timeout=60)
    m = re.search(r"is at step (\d+)", p.stderr)
    return int(m.group(1)) if m else None


def snapshot_count(d):
    s = os.path.join(d, "snapshots")
    return len([f for f in os.listdir(s) if f.endswith(".npy") and ".tmp" not in f]) if os.path.isdir(s) else 0


def sigkill_loop(tmp, ref, wall):
    rnd = random.Random(20261206)
    d = os.path.join(tmp, "killed")
    step_wall = wall / 120.0
    kills = 0
    for _ in range(6):
        resumable = os.path.exists(os.path.join(d, "checkpoint.bin"))
        args = ["flow", "--resume", d, "--steps", "120", "--quiet"] if resumable else \
            ["flow", *COMMON, "--checkpoint-every", "1", "--snapshot-every", "1", "--out", d, "--quiet"]
        target = snapshot_count(d) + rnd.randint(1, 12)
        proc = subprocess.Popen([SPECOT, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
        deadline = time.monotonic() + 120
        while proc.poll() is None and snapshot_count(d) < target and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(rnd.uniform(0.0, 1.0) * step_wall)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        _, err = proc.communicate(timeout=60)
        check(proc.returncode in (0, -signal.SIGKILL), "killed run: rc %s %r" % (proc.returncode, err))
    print("sigkill: %d of 6 runs killed" % kills)
    check(kills == 6, "only %d of 6 runs were killed before finishing" % kills)
    args = ["flow", "--resume", d, "--steps", "120", "--quiet"] if os.path.exists(
        os.path.join(d, "checkpoint.bin")) else \
        ["flow", *COMMON, "--checkpoint-every", "1", "--snapshot-every", "1", "--out", d, "--quiet"]
    p = subprocess.run([SPECOT, *args], capture_output=True, text=True, env=ENV, timeout=300)
    check(p.returncode == 0, "final resume: %r" % p.stderr)
    if p.returncode == 0:
        got = outputs(d)
        check(got[0] == ref[0], "SIGKILL/resume: trajectory.csv differs from the uninterrupted run")
        check(got[1] == ref[1], "SIGKILL/resume: particles.npy differs from the uninterrupted run")


def sigint(tmp, ref, wall, ckpt):
    d = os.path.join(tmp, "sigint%d" % ckpt)
    # --snapshot-every 1: every step writes a file (slow enough to interrupt, and it shows
    # how far the run got); checkpoints every 1000 steps: only the SIGINT one is written
    extra = ["--checkpoint-every", "1000"] if ckpt else []
    proc = subprocess.Popen([SPECOT, "flow", *COMMON, *extra, "--snapshot-every", "1", "--out", d],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
    snaps = os.path.join(d, "snapshots")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and \
            (not os.path.isdir(snaps) or len(os.listdir(snaps)) < 10):
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:  # finished before the signal arrived: nothing to check
        print("note: run finished before SIGINT")
        return
    check(proc.returncode == 130, "SIGINT -> exit 130, got %s: %r" % (proc.returncode, err))
    m = re.search(r"interrupted at step (\d+) of 120", err)
    check(m is not None, "SIGINT: says where it stopped: %r" % err)
    check("[" not in err and "\r" not in err, "no progress bar in a pipe: %r" % err)
    check(not os.path.exists(os.path.join(d, "particles.npy")), "SIGINT: no final particles written")
    if not m:
        return
    step = int(m.group(1))
    if not ckpt:
        check("no checkpoint" in err, "SIGINT without checkpoints says so: %r" % err)
        return
    check(checkpoint_step(d) == step, "SIGINT: final checkpoint at the step it stopped (%d)" % step)
    p = subprocess.run([SPECOT, "flow", "--resume", d, "--steps", "120", "--quiet"], capture_output=True,
                       text=True, env=ENV, timeout=300)
    check(p.returncode == 0, "resume after SIGINT: %r" % p.stderr)
    if p.returncode == 0:
        got = outputs(d)
        check(got == ref, "SIGINT/resume: outputs differ from the uninterrupted run")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        ref_dir = os.path.join(tmp, "ref")
        t0 = time.monotonic()
        p = subprocess.run([SPECOT, "flow", *COMMON, "--checkpoint-every", "1", "--out", ref_dir, "--quiet"],
                           capture_output=True, text=True, env=ENV, timeout=300)
        wall = time.monotonic() - t0
        check(p.returncode == 0, "reference run: %r" % p.stderr)
        ref = outputs(ref_dir)
        # checkpointing does not change the trajectory
        plain = os.path.join(tmp, "plain")
        subprocess.run([SPECOT, "flow", *COMMON, "--out", plain, "--quiet"], env=ENV, timeout=300)
        check(outputs(plain) == ref, "a run with checkpoints equals one without")
        sigkill_loop(tmp, ref, wall)
        sigint(tmp, ref, wall, 1)
        sigint(tmp, ref, wall, 0)
    print("kill safety: %d failures" % len(FAILURES))
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
