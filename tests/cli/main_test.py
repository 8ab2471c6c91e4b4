#!/usr/bin/env python3
"""CLI tests of the top-level `specot` dispatcher (argv[1] = the binary):
usage without a command (exit 2, on stderr), --help / help (exit 0, on
stdout, listing every command), version / --version, unknown commands."""
import os
import re
import subprocess
import sys

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
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        sys.exit(1)
    print("all dispatcher checks passed")


if __name__ == "__main__":
    main()
