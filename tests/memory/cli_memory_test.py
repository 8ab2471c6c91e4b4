#!/usr/bin/env python3
"""`specot memory` against the spec's sec. 8.4 values and a NumPy+POT reference of S_eps,
plus the exit codes, output files, trace, bench JSON and the demo section.
usage: cli_memory_test.py PATH/TO/specot"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import ot

specot = os.path.abspath(sys.argv[1])
failures = []


def check(name, ok):
    if not ok:
        failures.append(name)
        print("FAIL:", name)


def run(*args):
    return subprocess.run([specot, *args], capture_output=True, text=True)


def ot_eps(a, b, X, Y, eps):
    """OT_eps in the KL convention from POT's log-domain plan (cost |x-y|^2/2)."""
    C = ot.dist(X, Y) / 2
    G = ot.sinkhorn(a, b, C, eps, method="sinkhorn_log", stopThr=1e-14, numItermax=100000)
    pos = G > 0
    return np.sum(G * C) + eps * np.sum(G[pos] * np.log(G[pos] / np.outer(a, b)[pos]))


with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    X1 = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], float)
    X2 = np.array([[2, 2], [3, 2], [2, 3], [3.5, 3.5]], float)
    Q = np.array([[0.2, 0.1], [0.9, -0.1], [-0.1, 1.2], [1.1, 0.8]])
    for name, v in (("X1", X1), ("X2", X2), ("Q", Q), ("b1", np.full(4, 0.25)),
                    ("b2", np.array([.1, .2, .3, .4])), ("a", np.array([.3, .2, .25, .25])),
                    ("Q3", np.zeros((4, 3))), ("bad", np.array([.5, -.1, .3, .3])),
                    ("b3", np.ones(3))):
        np.save(name + ".npy", v)

    # sec. 8.4: store, one step with tau 0.5, eta 1
    r = run("memory", "store", "X1.npy", "X2.npy", "--weights", "b1.npy,b2.npy", "--eps", "0.25",
            "--beta", "2", "--tol", "1e-13", "--max-iter", "100000", "-o", "mem", "--json")
    check("store exits 0: " + r.stderr, r.returncode == 0)
    js = json.loads(r.stdout)
    check("self terms", np.allclose(js["self_terms"], [0.283109584758, 0.296978190663],
                                    atol=1e-10))
    r = run("memory", "retrieve", "mem", "Q.npy", "--qweights", "a.npy", "--steps", "1", "--tau",
            "0.5", "--eta", "1", "--halvings", "0", "--tol-energy", "0", "-o", "out.npy",
            "--trace", "trace.csv", "--json")
    check("retrieve exits 0: " + r.stderr, r.returncode == 0)
    js = json.loads(r.stdout)
    check("index 0", js["index"] == 0 and js["steps"] == 1 and js["halvings"] == 0)
    check("energy_before", abs(js["energy_before"] - 0.015187194041) < 1e-10)
    check("energy_after", abs(js["energy_after"] - 0.00517234980868) < 1e-10)
    check("S_before", np.allclose(js["S_before"], [0.0151936091061, 5.64704751729], rtol=1e-10,
                                  atol=1e-10))
    check("S_after", np.allclose(js["S_after"], [0.00517927043572, 5.59910430967], rtol=1e-10,
                                 atol=1e-10))
    Xp = np.array([[0.138607842805, 0.0975584219747], [0.948011918501, -0.0932515404375],
                   [-0.0227091580208, 1.11052105238], [1.07802923007, 0.867071657832]])
    ap = np.array([0.301030658264, 0.199701866892, 0.236143634004, 0.263123840841])
    check("X+ in out.npy", np.allclose(np.load("out.npy"), Xp, atol=1e-9))
    check("a+ in out_weights.npy", np.allclose(np.load("out_weights.npy"), ap, atol=1e-9))
    tr = np.loadtxt("trace.csv", delimiter=",", ndmin=2)
    check("trace has steps 0 and 1", tr.shape == (2, 7) and abs(tr[1, 1] - js["energy_after"]) < 1e-15)

    # S_eps against POT on a random instance (3 clouds of sizes 5, 7, 4 in R^3)
    rng = np.random.default_rng(1)
    P = [rng.normal(size=(n, 3)) + 2 * rng.normal(size=3) for n in (5, 7, 4)]
    B = [rng.uniform(0.5, 1.5, size=len(p)) for p in P]
    B = [b / b.sum() for b in B]
    q = rng.normal(size=(6, 3))
    aq = rng.uniform(0.5, 1.5, size=6)
    aq /= aq.sum()
    names = []
    for k, (p, b) in enumerate(zip(P, B)):
        np.save("P%d.npy" % k, p)
        np.save("w%d.npy" % k, b)
        names.append("P%d.npy" % k)
    np.save("q.npy", q)
    np.save("aq.npy", aq)
    eps, beta = 0.7, 3.0
    r = run("memory", "store", *names, "--weights", "w0.npy,w1.npy,w2.npy", "--eps", str(eps),
            "--beta", str(beta), "--tol", "1e-13", "--max-iter", "100000", "-o", "rmem")
    check("random store: " + r.stderr, r.returncode == 0)
    r = run("memory", "retrieve", "rmem", "q.npy", "--qweights", "aq.npy", "--steps", "0", "-o",
            "rq.npy", "--json")
    js = json.loads(r.stdout)
    S = [ot_eps(aq, b, q, p, eps) - ot_eps(aq, aq, q, q, eps) / 2 - ot_eps(b, b, p, p, eps) / 2
         for p, b in zip(P, B)]
    check("S_eps vs POT %s %s" % (js["S_before"], S), np.allclose(js["S_before"], S, rtol=1e-8,
                                                                   atol=1e-10))
    E = -np.log(np.sum(np.exp(-beta * np.array(S)))) / beta
    check("E vs POT", abs(js["energy_before"] - E) < 1e-9)
    check("no flow: output = input", np.allclose(np.load("rq.npy"), q))

    # exit codes and messages
    def code(expect, *args, text=None):
        r = run(*args)
        ok = r.returncode == expect and (text is None or text in r.stderr)
        check("%s -> %d (got %d: %s)" % (" ".join(args), expect, r.returncode, r.stderr.strip()),
              ok)

    code(3, "memory", "retrieve", ".", "Q.npy", "-o", "x.npy", text="not a specot memory")
    code(3, "memory", "retrieve", "mem", "Q3.npy", "-o", "x.npy", text="dimension mismatch")
    code(2, "memory", "store", "X1.npy", "--eps", "0", "--beta", "2", "-o", "m2", text="--eps")
    code(2, "memory", "store", "X1.npy", "--eps", "-1", "--beta", "2", "-o", "m2")
    code(2, "memory", "store", "X1.npy", "--eps", "1", "--beta", "0", "-o", "m2", text="--beta")
    code(2, "memory", "store", "X1.npy", "--eps", "1", "--beta", "2")
    code(2, "memory", "store", "--eps", "1", "--beta", "2", "-o", "m2")
    code(3, "memory", "store", "X1.npy", "Q3.npy", "--eps", "1", "--beta", "2", "-o", "m2",
         text="dimension mismatch")
    code(3, "memory", "store", "X1.npy", "--weights", "bad.npy", "--eps", "1", "--beta", "2",
         "-o", "m2", text="weight")
    code(3, "memory", "store", "X1.npy", "--weights", "b3.npy", "--eps", "1", "--beta", "2",
         "-o", "m2", text="has 3 entries")
    code(2, "memory", "store", "X1.npy", "--weights", "b1.npy,b1.npy", "--eps", "1", "--beta",
         "2", "-o", "m2")
    code(3, "memory", "retrieve", "mem", "Q.npy", "--qweights", "bad.npy", "-o", "x.npy",
         text="query weight")
    code(2, "memory", "retrieve", "mem", "Q.npy")
    code(2, "memory", "retrieve", "mem", "Q.npy", "-o", "x.npy", "--tau", "-1")
    code(2, "memory")
    code(2, "memory", "frobnicate")
    code(2, "memory", "bench", "--k", "0")
    code(2, "memory", "bench", "--outliers", "2")
    check("failed retrieves wrote nothing", not os.path.exists("x.npy"))
    with open("mem/manifest.json", "w") as f:
        f.write('{"format": "specot-memory", "version": 7}')
    code(3, "memory", "retrieve", "mem", "Q.npy", "-o", "x.npy", text="version")
    for sub in ("store", "retrieve", "bench"):
        r = run("memory", sub, "--help")
        check("memory %s --help" % sub, r.returncode == 0 and "usage: specot memory" in r.stdout)
    r = run("memory", "--help")
    check("memory --help", r.returncode == 0 and "retrieve" in r.stdout)

    # bench JSON (tiny)
    r = run("memory", "bench", "--queries", "3", "--sigmas", "0,1", "--outliers", "0", "--json",
            "--quiet", "--capacity", "--cap-d", "2,4", "--cap-k", "2", "--cap-queries", "2")
    check("bench exits 0: " + r.stderr, r.returncode == 0)
    js = json.loads(r.stdout)
    rec = js["recovery"]
    check("bench recovery rows", rec["sigma"] == [0, 1] and len(rec["shk"]) == 2 and
          all(0 <= x <= 1 for m in ("shk", "noflow", "dist_raw", "dot_sorted") for x in rec[m]))
    check("bench capacity rows", js["capacity"]["d"] == [2, 4] and js["kmax"]["d"] == [2, 4])

    # demo section
    r = run("demo", "--out", "demo", "--only", "memory", "--quiet")
    check("demo memory exits 0: " + r.stderr, r.returncode == 0)
    for png in ("memory_trajectory.png", "memory_energy.png"):
        path = os.path.join("demo", png)
        check("demo wrote " + png, os.path.exists(path) and
              open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n")
    check("demo prints the table", "DIST/SORTED" in r.stdout)

print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
