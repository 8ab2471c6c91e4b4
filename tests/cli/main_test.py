#!/usr/bin/env python3
"""CLI tests of the top-level `specot` dispatcher (argv[1] = the binary):
usage without a command (exit 2, on stderr), --help / help (exit 0, on
stdout, listing every command), version / --version, unknown commands; and the
option parsing every command shares (cli/args.c): one usage line naming the
option and the bad value (exit 2), unknown options, and input-shape errors
naming the file (exit 3)."""
import os
import re
import subprocess
import sys
import tempfile

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
    p = subprocess.run([SPECOT, *args], capture_output=True, text=True, timeout=60, env=ENV)
    return p.returncode, p.stdout, p.stderr


def usage_line(se):
    """The message line of a usage error (the second line is the --help hint)."""
    lines = se.splitlines()
    return lines[0] if len(lines) == 2 and "--help' for usage" in lines[1] else None


def shared_options():
    # Bad values: exit 2 before any file is read, one line naming option and value.
    bad = [
        (["lmo", "G.npy", "-p", "2", "--rtol", "-1"], "--rtol", "-1"),
        (["polar", "G.npy", "--method", "ns5", "--steps", "100001"], "--steps", "100001"),
        (["norm", "A.npy", "--schatten", "nan"], "--schatten", "nan"),
        (["ot", "X.npy", "Y.npy", "--max-iter", "0"], "--max-iter", "0"),
        (["transport", "X.npy", "Y.npy", "-p", "2", "--tol", "inf"], "--tol", "inf"),
        (["geodesic", "X.npy", "Y.npy", "-p", "2", "-t", "1.5", "-o", "Z.npy"], "-t", "1.5"),
        (["muon-step", "W.npy", "G.npy", "-o", "W2.npy", "--lr", "inf"], "--lr", "inf"),
        (["flow", "--model", "mmd", "-p", "1", "--dt", "0"], "--dt", "0"),
    ]
    for args, opt, value in bad:
        rc, _, se = run(*args)
        line = usage_line(se)
        check(rc == 2 and line is not None and opt in line and "'%s'" % value in line,
              "%s: bad value -> 2, one line naming %s and '%s': %r" % (args[0], opt, value, se))
    # A missing value is one message, not two.
    rc, _, se = run("transport", "X.npy", "Y.npy", "-p", "2", "--tol")
    check(rc == 2 and usage_line(se) is not None and "needs a value" in se, "missing value: %r" % se)
    # Unknown options and stray arguments name the argument.
    for cmd in ("lmo", "polar", "norm", "gauge", "convert", "ot", "divergence", "transport", "gaussian",
                "geodesic", "flow", "muon-step", "demo"):
        rc, _, se = run(cmd, "--bogus")
        check(rc == 2 and "unknown option '--bogus'" in se, "%s --bogus -> 2: %r" % (cmd, se))
    rc, _, se = run("lmo", "a.npy", "b.npy", "-p", "2")
    check(rc == 2 and "unexpected argument 'b.npy'" in se, "lmo stray argument: %r" % se)
    # Shape errors name the file, what it is and both sizes.
    with tempfile.TemporaryDirectory() as d:
        def csv(name, text):
            path = os.path.join(d, name)
            with open(path, "w") as f:
                f.write(text)
            return path
        x, y = csv("x.csv", "0,0\n1,0\n0,1\n"), csv("y.csv", "1,1\n2,2\n")
        a, y3 = csv("a.csv", "0.5\n0.5\n"), csv("y3.csv", "1,1,1\n2,2,2\n")
        rc, _, se = run("ot", x, y, "--a", a)
        check(rc == 3 and "a.csv" in se and "2 entries, expected 3" in se, "ot weights length: %r" % se)
        rc, _, se = run("ot", x, y3)
        check(rc == 3 and "dimension mismatch" in se and "3 x 2" in se and "2 x 3" in se, "ot d mismatch: %r" % se)
        rc, _, se = run("ot", x, y, "--cost", y)
        check(rc == 3 and "cost matrix" in se and "expected 3 x 2" in se, "ot cost shape: %r" % se)
        rc, _, se = run("muon-step", x, y, "-o", os.path.join(d, "w.npy"))
        check(rc == 3 and "y.csv" in se and "2 x 2, expected 3 x 2" in se, "muon-step G shape: %r" % se)


def main():
    rc, so, se = run()
    check(rc == 2 and so == "" and se.startswith("usage: specot <command>"), "no command -> usage on stderr, 2")
    for arg in ("--help", "-h", "help"):
        rc, so, se = run(arg)
        check(rc == 0 and so.startswith("usage: specot <command>"), "%s -> usage on stdout, 0" % arg)
        for name in ("flow", "muon-step", "convert", "norm", "polar", "lmo", "version"):
            check(re.search(r"^  %s\s" % re.escape(name), so, re.M) is not None, "%s lists %s" % (arg, name))
        check("Exit status: 0 ok, 2 usage error, 3 bad input, 4 numerical failure" in so, "%s exit codes" % arg)
    rc, so, _ = run("version")
    check(rc == 0 and re.fullmatch(r"specot \d+\.\d+\.\d+\S*\n", so) is not None, "version: %r" % so)
    rc2, so2, _ = run("--version")
    check(rc2 == 0 and so2 == so, "--version == version")
    rc, so, _ = run("version", "--help")
    check(rc == 0 and so.startswith("usage: specot version"), "version --help")
    rc, _, se = run("version", "extra")
    check(rc == 2 and "extra" in se, "version with an argument -> 2 naming it: %r" % se)
    rc, _, se = run("frobnicate")
    check(rc == 2 and "unknown command 'frobnicate'" in se, "unknown command -> 2: %r" % se)
    shared_options()
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        sys.exit(1)
    print("all dispatcher checks passed")


if __name__ == "__main__":
    main()
