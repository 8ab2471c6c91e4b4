#!/usr/bin/env python3
"""Bad input, class by class, through the CLI (argv[1] = the binary): NaN/Inf entries,
negative and unequal masses, shape mismatches, empty arrays, a non-PSD covariance, p out
of range, truncated files, a header announcing more data than the file holds, problems
whose n x m workspace exceeds the memory budget, and options the command/method does not
use.  Each case asserts: the exit code of the contract (2 usage, 3 bad input, 4
numerical), a first stderr line "specot CMD..." naming the offending file or option, and
that NO output is created or modified -- every output option is run once pointing at
pre-existing files with known content (must stay byte-identical) and once at new paths
(must not appear)."""
import os
import subprocess
import sys
import tempfile

import numpy as np

SPECOT = sys.argv[1]
FAILURES = []
ENV = dict(os.environ)
ENV.setdefault("LSAN_OPTIONS", "suppressions=" + os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                              "..", "lsan.supp"))
SENTINEL = b"pre-existing content: must stay untouched\n"


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def make_inputs(d):
    r = np.random.default_rng(5)
    p = lambda name: os.path.join(d, name)
    X, Y = r.standard_normal((5, 2)), r.standard_normal((4, 2)) + 0.5
    np.save(p("X.npy"), X)
    np.save(p("Y.npy"), Y)
    np.save(p("Y3.npy"), r.standard_normal((4, 3)))
    for name, (i, j, v) in {"Xnan.npy": (2, 1, np.nan), "Xinf.npy": (1, 0, np.inf),
                            "Ynan.npy": (0, 0, np.nan)}.items():
        Z = (X if name[0] == "X" else Y).copy()
        Z[i, j] = v
        np.save(p(name), Z)
    np.save(p("a.npy"), np.full(5, 0.2))
    np.save(p("aneg.npy"), np.array([0.5, 0.5, 0.2, -0.1, -0.1]))
    np.save(p("azero.npy"), np.zeros(5))
    np.save(p("a2.npy"), np.full(5, 0.4))
    np.save(p("a4.npy"), np.full(4, 0.25))
    np.save(p("b.npy"), np.full(4, 0.25))
    np.save(p("bbad.npy"), np.full(4, 1 / 3))
    np.save(p("bneg.npy"), np.array([0.5, 0.7, -0.1, -0.1]))
    np.save(p("C34.npy"), r.random((3, 4)))
    np.save(p("empty.npy"), np.zeros((0, 2)))
    open(p("empty.csv"), "w").write("# no rows\n")
    G = r.standard_normal((4, 3))
    np.save(p("G.npy"), G)
    Gn = G.copy()
    Gn[3, 2] = np.nan
    np.save(p("Gnan.npy"), Gn)
    Gi = G.copy()
    Gi[0, 1] = -np.inf
    np.save(p("Ginf.npy"), Gi)
    np.save(p("G53.npy"), r.standard_normal((5, 3)))
    np.save(p("w3.npy"), np.full(3, 1 / 3))
    np.save(p("wneg.npy"), np.array([0.5, 0.5, 0.5, -0.5]))
    np.save(p("X4.npy"), r.standard_normal((4, 4)))
    np.save(p("m.npy"), np.zeros(2))
    np.save(p("m3.npy"), np.zeros(3))
    np.save(p("A.npy"), np.array([[2.0, 0.5], [0.5, 1.0]]))
    np.save(p("Anan.npy"), np.array([[2.0, np.nan], [np.nan, 1.0]]))
    np.save(p("nonpsd.npy"), np.array([[1.0, 2.0], [2.0, 1.0]]))
    np.save(p("nu5.npy"), np.full(5, 0.3))
    np.save(p("mnan.npy"), np.array([np.nan, 0.0]))
    full = open(p("X.npy"), "rb").read()
    open(p("trunc.npy"), "wb").write(full[:-12])
    hdr_end = full.index(b"\n") + 1
    liar = full[:hdr_end].replace(b"(5, 2)", b"(500000, 2)").replace(b"     \n", b"\n")
    assert len(liar) == hdr_end
    open(p("liar.npy"), "wb").write(liar + full[hdr_end:])
    # The n x m workspace of these exceeds any machine's memory (~300 GiB and more).
    np.save(p("BX.npy"), r.standard_normal((200000, 2)))
    np.save(p("BY.npy"), r.standard_normal((200000, 2)))


# (name, args, outputs, expected exit, names): outputs are (option or None, file name);
# option None means a positional output (convert OUT); a name ending in "/" is a folder.
GAUSS = ["--mean0", "m.npy", "--mean1", "m.npy", "-p", "2"]
CASES = [
    # NaN / Inf entries
    ("nan ot", ["ot", "Xnan.npy", "Y.npy"], [("--plan", "P.csv")], 3, ["Xnan.npy", "(2, 1)"]),
    ("inf ot", ["ot", "Xinf.npy", "Y.npy", "--solver", "sinkhorn", "--eps", "0.5"],
     [("--plan", "P.csv")], 3, ["Xinf.npy"]),
    ("nan transport", ["transport", "X.npy", "Ynan.npy", "-p", "2"],
     [("--plan", "P.csv"), ("--dual", "Q.npy")], 3, ["Ynan.npy"]),
    ("nan divergence", ["divergence", "Xnan.npy", "Y.npy", "--eps", "0.5"], [("--grad", "g.npy")], 3,
     ["Xnan.npy"]),
    ("nan geodesic", ["geodesic", "X.npy", "Ynan.npy", "-p", "2", "-t", "0.5"],
     [("-o", "Z.npy"), ("--weights-out", "wz.npy")], 3, ["Ynan.npy"]),
    ("nan lmo", ["lmo", "Gnan.npy", "-p", "2"], [("-o", "V.npy")], 3, ["Gnan.npy"]),
    ("inf polar", ["polar", "Ginf.npy"], [("-o", "Qp.npy")], 3, ["Ginf.npy"]),
    ("nan norm", ["norm", "Gnan.npy", "--schatten", "2"], [], 3, ["Gnan.npy"]),
    ("nan muon-step", ["muon-step", "Gnan.npy", "G.npy"], [("-o", "W.npy")], 3, ["Gnan.npy"]),
    ("nan gaussian", ["gaussian", "--cov0", "Anan.npy", "--cov1", "A.npy"] + GAUSS,
     [("--cross", "K.npy")], 3, ["Anan.npy"]),
    ("nan convert", ["convert", "Xnan.npy"], [(None, "out.csv")], 3, ["Xnan.npy"]),
    ("nan flow x0", ["flow", "--model", "quadratic", "-p", "2", "--x0", "Xnan.npy", "--steps", "2"],
     [("--out", "run/")], 3, ["Xnan.npy"]),
    # negative masses
    ("neg ot", ["ot", "X.npy", "Y.npy", "--a", "aneg.npy"], [("--plan", "P.csv")], 3, ["aneg.npy", "--a"]),
    ("neg transport", ["transport", "X.npy", "Y.npy", "-p", "inf", "--b", "bneg.npy"],
     [("--dual", "Q.npy")], 3, ["bneg.npy"]),
    ("neg divergence", ["divergence", "X.npy", "Y.npy", "--eps", "1", "--a", "aneg.npy"],
     [("--grad", "g.npy")], 3, ["aneg.npy"]),
    ("neg geodesic", ["geodesic", "X.npy", "Y.npy", "-p", "2", "-t", "0.5", "--b", "bneg.npy"],
     [("-o", "Z.npy")], 3, ["bneg.npy"]),
    ("neg lmo", ["lmo", "G.npy", "-p", "2", "--weights", "wneg.npy"], [("-o", "V.npy")], 3, ["wneg.npy"]),
    ("zero mass ot", ["ot", "X.npy", "Y.npy", "--a", "azero.npy"], [("--plan", "P.csv")], 3, ["azero.npy"]),
    ("neg flow weights", ["flow", "--model", "quadratic", "-p", "2", "--x0", "X4.npy", "--weights",
                          "wneg.npy", "--steps", "2"], [("--out", "run/")], 3, ["wneg.npy"]),
    # unequal masses
    ("mass ot", ["ot", "X.npy", "Y.npy", "--a", "a2.npy"], [("--plan", "P.csv")], 3, ["a2.npy"]),
    ("mass transport", ["transport", "X.npy", "Y.npy", "-p", "2", "--a", "a.npy", "--b", "bbad.npy"],
     [("--plan", "P.csv")], 3, ["a.npy", "bbad.npy"]),
    ("mass divergence", ["divergence", "X.npy", "Y.npy", "--eps", "1", "--b", "bbad.npy"],
     [("--grad", "g.npy")], 3, ["bbad.npy"]),
    ("mass geodesic", ["geodesic", "X.npy", "Y.npy", "-p", "2", "-t", "0.2", "--a", "a2.npy"],
     [("-o", "Z.npy")], 3, ["a2.npy"]),
    # shape mismatches
    ("shape ot", ["ot", "X.npy", "Y3.npy"], [("--plan", "P.csv")], 3, ["X.npy", "Y3.npy"]),
    ("shape ot a", ["ot", "X.npy", "Y.npy", "--a", "a4.npy"], [("--plan", "P.csv")], 3, ["a4.npy"]),
    ("shape ot cost", ["ot", "X.npy", "Y.npy", "--cost", "C34.npy"], [("--plan", "P.csv")], 3,
     ["C34.npy"]),
    ("shape transport", ["transport", "X.npy", "Y3.npy", "-p", "2"], [("--dual", "Q.npy")], 3, ["Y3.npy"]),
    ("shape divergence", ["divergence", "X.npy", "Y3.npy", "--eps", "1"], [("--grad", "g.npy")], 3,
     ["Y3.npy"]),
    ("shape geodesic", ["geodesic", "X.npy", "Y3.npy", "-p", "2", "-t", "0.5"], [("-o", "Z.npy")], 3,
     ["Y3.npy"]),
    ("shape muon-step", ["muon-step", "G.npy", "G53.npy"], [("-o", "W.npy")], 3, ["G53.npy"]),
    ("shape lmo weights", ["lmo", "G.npy", "-p", "2", "--weights", "w3.npy"], [("-o", "V.npy")], 3,
     ["w3.npy"]),
    ("shape gaussian", ["gaussian", "--mean0", "m.npy", "--cov0", "A.npy", "--mean1", "m3.npy",
                        "--cov1", "A.npy", "-p", "2"], [("--cross", "K.npy")], 3, ["m3.npy"]),
    # empty arrays
    ("empty ot", ["ot", "empty.npy", "Y.npy"], [("--plan", "P.csv")], 3, ["empty.npy"]),
    ("empty csv", ["transport", "X.npy", "empty.csv", "-p", "2"], [("--dual", "Q.npy")], 3, ["empty.csv"]),
    ("empty norm", ["norm", "empty.npy", "--schatten", "2"], [], 3, ["empty.npy"]),
    ("empty polar", ["polar", "empty.npy"], [("-o", "Qp.npy")], 3, ["empty.npy"]),
    ("empty lmo", ["lmo", "empty.npy", "-p", "inf"], [("-o", "V.npy")], 3, ["empty.npy"]),
    ("empty convert", ["convert", "empty.npy"], [(None, "out.csv")], 3, ["empty.npy"]),
    # non-PSD covariance / matrix
    ("psd gaussian", ["gaussian", "--cov0", "A.npy", "--cov1", "nonpsd.npy"] + GAUSS,
     [("--cross", "K.npy")], 3, ["nonpsd.npy"]),
    ("psd gauge", ["gauge", "nonpsd.npy", "-p", "2"], [], 3, ["nonpsd.npy"]),
    # p out of range: a usage error naming the option
    ("p transport", ["transport", "X.npy", "Y.npy", "-p", "0.5"], [("--dual", "Q.npy")], 2, ["-p"]),
    ("p geodesic", ["geodesic", "X.npy", "Y.npy", "-p", "0.9", "-t", "0.5"], [("-o", "Z.npy")], 2, ["-p"]),
    ("p gaussian", ["gaussian", "--cov0", "A.npy", "--cov1", "A.npy", "--mean0", "m.npy", "--mean1",
                    "m.npy", "-p", "-1"], [("--cross", "K.npy")], 2, ["-p"]),
    ("kyfan 0", ["transport", "X.npy", "Y.npy", "--kyfan", "0"], [("--dual", "Q.npy")], 2, ["--kyfan"]),
    ("p lmo", ["lmo", "G.npy", "-p", "0.3"], [("-o", "V.npy")], 2, ["-p"]),
    ("p gauge", ["gauge", "A.npy", "-p", "0.4"], [], 2, ["-p"]),
    ("p norm", ["norm", "G.npy", "--schatten", "0.5"], [], 2, ["--schatten"]),
    ("p flow", ["flow", "--model", "mmd", "-p", "0.5"], [("--out", "run/")], 2, ["-p"]),
    # truncated files, and a header announcing more data than the file holds
    ("trunc ot", ["ot", "trunc.npy", "Y.npy"], [("--plan", "P.csv")], 3, ["trunc.npy", "truncated"]),
    ("trunc lmo", ["lmo", "trunc.npy", "-p", "2"], [("-o", "V.npy")], 3, ["trunc.npy"]),
    ("trunc flow", ["flow", "--model", "quadratic", "-p", "2", "--x0", "trunc.npy", "--steps", "2"],
     [("--out", "run/")], 3, ["trunc.npy"]),
    ("liar ot", ["ot", "liar.npy", "Y.npy"], [("--plan", "P.csv")], 3, ["liar.npy", "1000000"]),
    ("liar polar", ["polar", "liar.npy"], [("-o", "Qp.npy")], 3, ["liar.npy"]),
    # n x m beyond the memory budget: refused up front, naming the inputs
    ("memory ot", ["ot", "BX.npy", "BY.npy"], [("--plan", "P.csv")], 3, ["BX.npy", "GiB"]),
    # (Sinkhorn and the divergence switch to the matrix-free online solver there: no n x m
    # memory; only a dense --plan would need it, and that is refused up front.)
    ("memory sinkhorn plan", ["ot", "BX.npy", "BY.npy", "--solver", "sinkhorn", "--eps", "1"],
     [("--plan", "P.csv")], 2, ["--plan", "200000 x 200000"]),
    ("memory transport", ["transport", "BX.npy", "BY.npy", "-p", "2"], [("--dual", "Q.npy")], 3,
     ["BX.npy", "GiB"]),
    ("memory geodesic", ["geodesic", "BX.npy", "BY.npy", "-p", "2", "-t", "0.5"], [("-o", "Z.npy")], 3,
     ["BX.npy", "GiB"]),
    # options the command, model or method does not use
    ("unused ot eps", ["ot", "X.npy", "Y.npy", "--eps", "0.1"], [("--plan", "P.csv")], 2, ["--eps"]),
    ("unused polar eps", ["polar", "G.npy", "--eps", "0.1"], [("-o", "Qp.npy")], 2, ["--eps"]),
    ("unused polar steps", ["polar", "G.npy", "--method", "svd", "--steps", "3"], [("-o", "Qp.npy")], 2,
     ["--steps"]),
    ("unused lmo gauge", ["lmo", "G.npy", "-p", "2", "--gauge", "max"], [("-o", "V.npy")], 2, ["--gauge"]),
    ("unused transport eps", ["transport", "X.npy", "Y.npy", "-p", "2", "--eps", "0.1"],
     [("--dual", "Q.npy")], 2, ["--eps"]),
    # a second output that cannot be written: refused before the first is written (fuzz finding:
    # geodesic wrote -o and then failed on --weights-out)
    ("bad 2nd output geodesic", ["geodesic", "X.npy", "Y.npy", "-p", "2", "-t", "0.5", "--weights-out",
                                 "w.bad"], [("-o", "Z.npy")], 2, ["--weights-out"]),
    ("bad 2nd output ot", ["ot", "X.npy", "Y.npy", "--potentials", "nodir/f.npy,nodir/g.npy"],
     [("--plan", "P.csv")], 3, ["--potentials", "nodir"]),
    ("bad 2nd output transport", ["transport", "X.npy", "Y.npy", "-p", "2", "--sigma", "S.bin"],
     [("--plan", "P.csv"), ("--dual", "Q.npy")], 2, ["--sigma"]),
    ("bad 2nd output muon-step", ["muon-step", "G.npy", "G.npy", "--state", "nodir/M.npy"],
     [("-o", "W.npy")], 3, ["--state"]),
    ("bad 2nd output divergence", ["divergence", "X.npy", "Y.npy", "--eps", "1", "--grad-y", "gy"],
     [("--grad", "g.npy")], 2, ["--grad-y"]),
    ("bad 2nd output gaussian", ["gaussian", "--cov0", "A.npy", "--cov1", "A.npy", "--dual", "nodir/D.npy"]
     + GAUSS, [("--cross", "K.npy")], 3, ["--dual"]),
    # commands of wave 2 (sdot, shk, memory, generate, dpcert)
    ("nan sdot", ["sdot", "Xnan.npy"], [("-o", "h.npy")], 3, ["Xnan.npy"]),
    ("empty sdot", ["sdot", "empty.npy"], [("-o", "h.npy")], 3, ["empty.npy"]),
    ("neg sdot nu", ["sdot", "X.npy", "--nu", "aneg.npy"], [("-o", "h.npy")], 3, ["aneg.npy", "--nu"]),
    ("mass sdot nu", ["sdot", "X.npy", "--nu", "nu5.npy"], [("-o", "h.npy")], 3, ["nu5.npy"]),
    ("shape sdot nu", ["sdot", "X.npy", "--nu", "a4.npy"], [("-o", "h.npy")], 3, ["a4.npy"]),
    ("unused sdot lr", ["sdot", "X.npy", "--solver", "newton", "--lr", "0.1"], [("-o", "h.npy")], 2,
     ["--lr"]),
    ("nan shk mean", ["shk", "--target", "gauss", "--mean", "mnan.npy"], [("-o", "s.npy")], 3,
     ["mnan.npy"]),
    ("psd shk cov", ["shk", "--target", "gauss", "--mean", "m.npy", "--cov", "nonpsd.npy"],
     [("-o", "s.npy")], 3, ["nonpsd.npy"]),
    ("shape shk cov", ["shk", "--target", "gauss", "--mean", "m.npy", "--cov", "C34.npy"],
     [("-o", "s.npy")], 3, ["C34.npy"]),
    ("unused shk mean", ["shk", "--target", "mixture", "--mean", "m.npy"], [("-o", "s.npy")], 2,
     ["--mean"]),
    ("nan memory", ["memory", "store", "Xnan.npy", "Y.npy", "--eps", "0.5", "--beta", "1"],
     [("-o", "mem/")], 3, ["Xnan.npy"]),
    ("shape memory", ["memory", "store", "X.npy", "Y3.npy", "--eps", "0.5", "--beta", "1"],
     [("-o", "mem/")], 3, ["Y3.npy"]),
    ("empty memory", ["memory", "store", "X.npy", "empty.npy", "--eps", "0.5", "--beta", "1"],
     [("-o", "mem/")], 3, ["empty.npy"]),
    ("nan generate", ["generate", "--data", "Xnan.npy"], [("-o", "gen.npy")], 3, ["Xnan.npy"]),
    ("unused generate tau", ["generate", "--data", "8gaussians", "--map", "hard", "--tau", "0.1"],
     [("-o", "gen.npy")], 2, ["--tau"]),
    ("range dpcert", ["dpcert", "--du", "0", "--eps0", "1", "--t", "1"], [], 2, ["--du"]),
    ("unused muon-step eps", ["muon-step", "G.npy", "G.npy", "--eps", "0.1"], [("-o", "W.npy")], 2,
     ["--eps"]),
    ("unused muon-step ns-steps", ["muon-step", "G.npy", "G.npy", "--ortho", "polar", "--ns-steps", "3"],
     [("-o", "W.npy")], 2, ["--ns-steps"]),
    ("unused polar rtol", ["polar", "G.npy", "--method", "ns5", "--rtol", "0.1"], [("-o", "Qp.npy")], 2,
     ["--rtol"]),
    ("unused flow beta", ["flow", "--model", "mmd", "-p", "2", "--method", "euler", "--beta", "0.9"],
     [("--out", "run/")], 2, ["--beta"]),
]


def out_args(outs, d, fresh):
    args, paths = [], []
    for opt, name in outs:
        names = name.split(",")
        full = [os.path.join(d, ("new_" if fresh else "old_") + n) for n in names]
        paths += full
        value = ",".join(full)
        args += [value] if opt is None else [opt, value]
    return args, paths


def snapshot(path):
    if path.endswith("/"):
        return sorted((f, open(os.path.join(path, f), "rb").read()) for f in os.listdir(path))
    return open(path, "rb").read()


def prepare_old(path):
    if path.endswith("/"):
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "trajectory.csv"), "wb") as f:
            f.write(SENTINEL)
        with open(os.path.join(path, "run.cfg"), "wb") as f:
            f.write(SENTINEL)
    else:
        with open(path, "wb") as f:
            f.write(SENTINEL)


def main():
    with tempfile.TemporaryDirectory() as d:
        make_inputs(d)
        for name, args, outs, code, names in CASES:
            full = [os.path.join(d, a) if (a.endswith((".npy", ".csv")) and "/" not in a) else a
                    for a in args]
            full = [os.path.join(d, a) if a.startswith("nodir/") else a for a in full]
            full = [",".join(os.path.join(d, x) for x in a.split(",")) if a.startswith("nodir/") and "," in a
                    else a for a in args] if "--potentials" in args else full
            for fresh in (False, True):
                oargs, paths = out_args(outs, d, fresh)
                if fresh:
                    for pth in paths:
                        check(not os.path.exists(pth), "%s: stale %s" % (name, pth))
                else:
                    for pth in paths:
                        prepare_old(pth)
                before = {pth: snapshot(pth) for pth in paths if not fresh}
                cmd = full + oargs
                pr = subprocess.run([SPECOT, *cmd], capture_output=True, text=True, timeout=120, env=ENV,
                                    cwd=d)
                first = pr.stderr.splitlines()[0] if pr.stderr else ""
                check(pr.returncode == code,
                      "%s: exit %d, expected %d (%r)" % (name, pr.returncode, code, pr.stderr))
                check(first.startswith("specot %s" % args[0]), "%s: first line %r" % (name, first))
                for n in names:
                    check(n in first, "%s: message %r does not name %r" % (name, first, n))
                check(pr.stdout == "", "%s: printed a result on stdout: %r" % (name, pr.stdout[:200]))
                for pth in paths:
                    if fresh:
                        check(not os.path.exists(pth.rstrip("/")), "%s: created %s" % (name, pth))
                    else:
                        check(snapshot(pth) == before[pth], "%s: modified %s" % (name, pth))
                    subprocess.run(["rm", "-rf", pth])
    print("%d cases, %d failures" % (len(CASES), len(FAILURES)))
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
