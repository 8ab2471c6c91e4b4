#!/usr/bin/env python3
"""`specot sdot` / `specot generate` / `specot demo --only sdot`.

Run by ctest as: /usr/bin/python3 cli_sdot_test.py path/to/specot
Checks: the 1-D closed form (spec aeot.md sec. 5.1) through the CLI; W2^2 of the
exact 2-D Newton solution against POT's ot.emd2 on a fine grid discretisation of
the square (tolerance: the rigorous bound |W2^2 - W2g^2| <= (W2 + W2g) W2(mu, mu_g),
W2(mu, mu_g) <= h/sqrt(6) for a grid of spacing h); Adam and ASGD against Newton;
generate on the toys and digits (JSON keys, output shapes, PNG); every error exit.
"""
import json
import os
import subprocess
import sys
import tempfile

import gzip
import numpy as np
import ot

CLI = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, expect=0, env=None):
    p = subprocess.run([CLI, *args], capture_output=True, text=True, env=env)
    check(p.returncode == expect,
          "exit %d (expected %d) for %s: %s" % (p.returncode, expect, " ".join(args), p.stderr))
    if expect == 3 or expect == 4:
        check(p.stderr.count("\n") == 1 and "error" in p.stderr,
              "one-line error for %s: %r" % (" ".join(args), p.stderr))
    elif expect == 2:  # the usage line, then the hint to --help
        check(p.stderr.startswith("specot ") and "--help" in p.stderr.splitlines()[-1],
              "usage error for %s: %r" % (" ".join(args), p.stderr))
    return p


def is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


with tempfile.TemporaryDirectory() as tmp:
    path = lambda name: os.path.join(tmp, name)  # noqa: E731

    # ---- sec. 5.1: 1-D uniform, n = 10 ------------------------------------
    n = 10
    y = (np.arange(n) + 0.5) / n - 0.5
    np.save(path("y1.npy"), y)
    p = run("sdot", path("y1.npy"), "--solver", "newton", "-o", path("h1.npy"), "--json")
    r = json.loads(p.stdout)
    for key in ("w2", "max_rel_cell_error", "empty_cells", "iterations", "solver"):
        check(key in r, "sdot JSON has " + key)
    check(abs(r["w2"] - 1 / (12 * n * n)) < 1e-14, "1-D W2^2 = 1/(12 n^2): %r" % r["w2"])
    spec_h = np.array([.165, .155, .135, .105, .065, .015, -.045, -.115, -.195, -.285]) + 0.5 * y
    h = np.load(path("h1.npy"))
    check(np.abs(h - (spec_h - spec_h.mean())).max() < 1e-12, "1-D heights as in the spec")

    # ---- 2-D Newton vs POT emd2 on a grid ----------------------------------
    rng = np.random.default_rng(3)
    Y = rng.uniform(-0.6, 0.6, size=(8, 2))
    nu = rng.uniform(0.5, 1.5, 8)
    nu /= nu.sum()
    np.save(path("Y.npy"), Y)
    np.save(path("nu.npy"), nu)
    p = run("sdot", path("Y.npy"), "--nu", path("nu.npy"), "--solver", "newton", "-o",
            path("h.npy"), "--json")
    r = json.loads(p.stdout)
    g = 120
    t = (np.arange(g) + 0.5) / g - 0.5
    G = np.stack(np.meshgrid(t, t, indexing="ij"), -1).reshape(-1, 2)
    w2g = ot.emd2(np.full(len(G), 1.0 / len(G)), nu, ot.dist(G, Y), numItermax=10**7)
    bound = (np.sqrt(r["w2"]) + np.sqrt(w2g)) * (1.0 / g) / np.sqrt(6)
    check(abs(r["w2"] - w2g) <= bound, "W2^2 %r vs POT grid %r (bound %g)" % (r["w2"], w2g, bound))
    check(r["max_rel_cell_error"] <= 1e-10 and r["iterations"] <= 20, "newton converged: %r" % r)
    hn = np.load(path("h.npy"))

    # ---- Adam and ASGD agree with Newton ------------------------------------
    for solver, extra in (("adam", ["--lr", "2e-3", "--lr-decay", "200", "--average-from", "300",
                                    "--patience", "0"]),
                          ("asgd", ["--lr", "0.5"]),
                          ("asgd", ["--lr", "0.5", "--drag", "--eps", "0.01"])):
        p = run("sdot", path("Y.npy"), "--nu", path("nu.npy"), "--solver", solver, "--samples",
                "5000", "--steps", "3000", "--tol", "0.02", "--eval-samples", "400000", "-o",
                path("hs.npy"), "--json", *extra)
        r2 = json.loads(p.stdout)
        hs = np.load(path("hs.npy"))
        check(r2["max_rel_cell_error"] <= 0.03 and r2["empty_cells"] == 0,
              "%s cell error %r" % (solver, r2["max_rel_cell_error"]))
        check(np.abs(hs - hn).max() < 3e-3, "%s h vs newton: %g" % (solver, np.abs(hs - hn).max()))
        check(abs(r2["w2"] - r["w2"]) < 2e-3, "%s W2 %r vs %r" % (solver, r2["w2"], r["w2"]))

    # ---- sdot errors ---------------------------------------------------------
    np.save(path("neg.npy"), np.r_[-0.1, np.full(7, 1.1 / 7)])
    np.save(path("half.npy"), np.full(8, 0.5 / 8))
    np.save(path("short.npy"), np.full(5, 0.2))
    np.save(path("Y3.npy"), rng.normal(size=(6, 3)))
    run("sdot", path("Y.npy"), "--nu", path("neg.npy"), "-o", path("x.npy"), expect=3)
    p = run("sdot", path("Y.npy"), "--nu", path("half.npy"), "-o", path("x.npy"), expect=3)
    check("sum to 0.5" in p.stderr, "unequal masses message: " + p.stderr)
    run("sdot", path("Y.npy"), "--nu", path("short.npy"), "-o", path("x.npy"), expect=3)
    p = run("sdot", path("Y3.npy"), "--solver", "newton", "-o", path("x.npy"), expect=3)
    check("d = 3" in p.stderr, "newton d = 3 message: " + p.stderr)
    run("sdot", path("missing.npy"), "-o", path("x.npy"), expect=3)
    run("sdot", path("Y.npy"), "--solver", "simplex", "-o", path("x.npy"), expect=2)
    run("sdot", path("Y.npy"), "--source", "ball", "-o", path("x.npy"), expect=2)
    run("sdot", path("Y.npy"), expect=2)
    run("sdot", path("Y.npy"), "--lr", "0", "-o", path("x.npy"), expect=2)
    run("sdot", path("Y.npy"), "--patience", "x", "-o", path("x.npy"), expect=2)
    run("sdot", path("Y.npy"), "--max-batches", "0", "-o", path("x.npy"), expect=2)
    check(not os.path.exists(path("x.npy")), "no output file after errors")
    check("usage: specot sdot" in run("sdot", "--help").stdout, "sdot --help")

    # ---- generate on the toys -----------------------------------------------
    for data, maps in (("8gaussians", ("hard", "masked")), ("25gaussians", ("aeot",)),
                       ("swissroll", ("soft",))):
        for m in maps:
            p = run("generate", "--data", data, "--map", m, "--count", "600", "-o",
                    path("s.npy"), "--png", path("s.png"), "--json")
            r = json.loads(p.stdout)
            for key in ("modes_captured", "high_quality_fraction", "precision", "recall", "count"):
                check(key in r, "generate JSON has %s (%s)" % (key, data))
            check(np.load(path("s.npy")).shape == (600, 2) and is_png(path("s.png")),
                  "generate %s %s outputs" % (data, m))
            if data != "swissroll":
                check(r["modes_captured"] == (8 if data == "8gaussians" else 25),
                      "%s %s modes %r" % (data, m, r["modes_captured"]))
                check(r["high_quality_fraction"] > 0.9, "%s %s HQ %r" % (data, m, r["high_quality_fraction"]))
    # generic X.npy with a PCA latent
    np.save(path("X3.npy"), rng.normal(size=(200, 3)) * [1, 0.5, 0.1])
    p = run("generate", "--data", path("X3.npy"), "--latent", "pca:2", "--map", "soft", "--count",
            "50", "-o", path("s3.npy"), "--json")
    check(np.load(path("s3.npy")).shape == (50, 3), "generate X.npy shape")
    run("generate", "--data", path("X3.npy"), "--png", path("no.png"), "-o", path("no.npy"), expect=2)
    check(not os.path.exists(path("no.npy")), "no output after a --png usage error")

    # ---- generate errors ------------------------------------------------------
    run("generate", "--data", "8gaussians", "--tau", "0", "-o", path("e.npy"), expect=2)
    run("generate", "--data", "8gaussians", "--map", "smooth", "-o", path("e.npy"), expect=2)
    run("generate", "--data", "8gaussians", "--latent", "pca:x", "-o", path("e.npy"), expect=2)
    run("generate", "--data", "8gaussians", expect=2)
    run("generate", "-o", path("e.npy"), expect=2)
    run("generate", "--data", path("nothere.npy"), "-o", path("e.npy"), expect=3)
    p = run("generate", "--data", path("nothere.csv.gz"), "-o", path("e.npy"), expect=3)
    check("nothere.csv.gz" in p.stderr, "missing digits file named: " + p.stderr)
    raw = gzip.compress(("1," * 64 + "3\n").encode() * 200)
    with open(path("trunc.csv.gz"), "wb") as f:
        f.write(raw[: len(raw) // 2])
    p = run("generate", "--data", path("trunc.csv.gz"), "-o", path("e.npy"), expect=3)
    check("truncated" in p.stderr, "truncated gzip message: " + p.stderr)
    np.save(path("empty.npy"), np.zeros((0, 2)))
    run("generate", "--data", path("empty.npy"), "-o", path("e.npy"), expect=3)
    check(not os.path.exists(path("e.npy")), "no output file after generate errors")
    check("usage: specot generate" in run("generate", "--help").stdout, "generate --help")

    # ---- digits (skipped when python3-sklearn is absent) ----------------------
    digits = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
    if os.path.exists(digits):
        for m, latent in (("masked", "pca:8"), ("aeot", "mlp:4")):
            p = run("generate", "--data", "digits", "--latent", latent, "--map", m, "--steps", "20",
                    "--samples", "1000", "--eval-samples", "5000", "--ae-epochs", "3", "--count",
                    "100", "-o", path("d.npy"), "--png", path("d.png"), "--json")
            r = json.loads(p.stdout)
            for key in ("modes_captured", "high_quality_fraction", "precision", "recall",
                        "ambiguous_fraction", "count"):
                check(key in r, "digits JSON has " + key)
            d = np.load(path("d.npy"))
            check(d.shape == (100, 64) and d.min() >= 0 and d.max() <= 16, "digits samples shape/range")
            check(is_png(path("d.png")), "digits PNG")
            check(abs(sum(r["label_histogram"]) - 1) < 1e-9, "label histogram sums to 1")
        env = dict(os.environ, SPECOT_DIGITS=path("trunc.csv.gz"))
        run("generate", "--data", "digits", "-o", path("e.npy"), expect=3, env=env)
    else:
        print("digits.csv.gz not installed: digits checks skipped")

    # ---- demo section ---------------------------------------------------------
    p = run("demo", "--only", "sdot", "--out", path("demo"), "--quiet")
    check(is_png(path("demo/sdot_8gaussians.png")), "demo PNG")
    check("masked soft-max" in p.stdout and "HQ" in p.stdout, "demo table")

print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
