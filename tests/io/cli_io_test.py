"""CLI round trips of `specot convert` against NumPy-written and NumPy-read files.

Run by ctest as: /usr/bin/python3 cli_io_test.py PATH/TO/specot
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

SPECOT = sys.argv[1]
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what)


def run(*args):
    p = subprocess.run([SPECOT, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


with tempfile.TemporaryDirectory() as d:
    rng = np.random.default_rng(1)
    a = rng.standard_normal((7, 3))
    # float64, float32, int32, int64, big-endian, 1-D, v2.0 header
    cases = {
        "f8.npy": a,
        "f4.npy": a.astype(np.float32),
        "i4.npy": (a * 100).astype(np.int32),
        "i8.npy": (a * 1e12).astype(np.int64),
        "be.npy": a.astype(">f8"),
        "vec.npy": a[:, 0].copy(),
    }
    for name, arr in cases.items():
        src = os.path.join(d, name)
        np.save(src, arr)
        for ext in (".npy", ".csv"):
            dst = os.path.join(d, "out_" + name + ext)
            rc, out, err = run("convert", src, dst, "--json")
            check(rc == 0, f"convert {name} -> {ext}: rc {rc} {err}")
            got = np.load(dst) if ext == ".npy" else np.loadtxt(dst, delimiter=",", ndmin=2)
            want = arr.astype(np.float64)
            if ext == ".csv" and want.ndim == 1:
                want = want[:, None]
            check(got.shape == want.shape, f"{name}{ext} shape {got.shape} vs {want.shape}")
            check(np.array_equal(got, want), f"{name}{ext} values differ")
    v2 = os.path.join(d, "v2.npy")
    with open(v2, "wb") as f:
        np.lib.format.write_array(f, a, version=(2, 0))
    rc, out, err = run("convert", v2, os.path.join(d, "v2o.npy"))
    check(rc == 0 and np.array_equal(np.load(os.path.join(d, "v2o.npy")), a), "v2.0 header")

    # CSV written by specot reads back exactly in NumPy (17 significant digits).
    csv = os.path.join(d, "exact.csv")
    rc, _, err = run("convert", os.path.join(d, "f8.npy"), csv)
    check(rc == 0 and np.array_equal(np.loadtxt(csv, delimiter=","), a), "csv exact round trip")

    # Error paths: exit 3 with a precise one-line message; no output file left behind.
    def expect_error(path, fragment, code=3):
        dst = os.path.join(d, "never.npy")
        rc, out, err = run("convert", path, dst)
        check(rc == code, f"{os.path.basename(path)}: rc {rc} (want {code}) {err!r}")
        check(fragment in err, f"{os.path.basename(path)}: message {err!r} lacks {fragment!r}")
        check(not os.path.exists(dst), f"{os.path.basename(path)}: output written on error")

    np.save(os.path.join(d, "fortran.npy"), np.asfortranarray(a))
    expect_error(os.path.join(d, "fortran.npy"), "Fortran")
    np.save(os.path.join(d, "obj.npy"), np.array([1, "x"], dtype=object), allow_pickle=True)
    expect_error(os.path.join(d, "obj.npy"), "object dtype")
    np.save(os.path.join(d, "cplx.npy"), a.astype(np.complex128))
    expect_error(os.path.join(d, "cplx.npy"), "unsupported dtype")
    np.save(os.path.join(d, "nan.npy"), np.array([[1.0, np.nan]]))
    expect_error(os.path.join(d, "nan.npy"), "NaN")
    raw = open(os.path.join(d, "f8.npy"), "rb").read()
    open(os.path.join(d, "trunc.npy"), "wb").write(raw[:-5])
    expect_error(os.path.join(d, "trunc.npy"), "truncated")
    open(os.path.join(d, "ragged.csv"), "w").write("1,2\n3,4,5\n")
    expect_error(os.path.join(d, "ragged.csv"), "ragged")
    open(os.path.join(d, "word.csv"), "w").write("# c\n1,2\n3,x4\n")
    expect_error(os.path.join(d, "word.csv"), "line 3, column 2")
    open(os.path.join(d, "empty.csv"), "w").write("")
    expect_error(os.path.join(d, "empty.csv"), "empty")
    expect_error(os.path.join(d, "missing.npy"), "cannot open")
    rc, out, err = run("convert", os.path.join(d, "nan.npy"), os.path.join(d, "nan2.npy"), "--allow-nonfinite")
    check(rc == 0 and np.isnan(np.load(os.path.join(d, "nan2.npy"))[0, 1]), "--allow-nonfinite")
    rc, out, err = run("convert", "only-one-arg.npy")
    check(rc == 2, "usage error exit code 2")
    rc, out, err = run("convert", "--bogus")
    check(rc == 2, "unknown option exit code 2")
    rc, out, err = run("convert", "--help")
    check(rc == 0 and "usage" in out, "--help")
    rc, out, err = run("no-such-command")
    check(rc == 2, "unknown command exit 2")

print(f"{checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
