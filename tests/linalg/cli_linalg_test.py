"""CLI round trips of `specot lmo|polar|norm|gauge` through .npy and .csv,
compared with NumPy SVD-based definitions (the paper toolbox's conventions).
Usage: cli_linalg_test.py /path/to/specot"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

CLI = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="specot_linalg_cli_")
FAILURES = []


def run(*args, code=0):
    proc = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    if proc.returncode != code:
        FAILURES.append(f"{args}: exit {proc.returncode} != {code}\n{proc.stderr}")
    return proc


def check(name, ok, detail=""):
    if not ok:
        FAILURES.append(f"{name}: {detail}")


def close(name, a, b, tol):
    a, b = np.asarray(a, float), np.asarray(b, float)
    err = np.max(np.abs(a - b)) if a.size else 0.0
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    check(name, a.shape == b.shape and err <= tol * scale, f"shape {a.shape} vs {b.shape}, err {err}")


def path(name):
    return os.path.join(TMP, name)


def save(name, arr):
    p = path(name)
    if p.endswith(".npy"):
        np.save(p, arr)
    else:
        np.savetxt(p, np.atleast_2d(arr), delimiter=",", fmt="%.17g")
    return p


def load(p):
    return np.load(p) if p.endswith(".npy") else np.loadtxt(p, delimiter=",", ndmin=2)


# --- NumPy reference definitions (spectral.py conventions) ---
def schatten_lmo(g, p, rtol=None):
    if rtol is None:
        rtol = np.finfo(float).eps * max(g.shape)
    if p == 1:
        return -g.copy()
    u, s, vh = np.linalg.svd(g, full_matrices=False)
    if s[0] == 0:
        return np.zeros_like(g)
    s = np.where(s > rtol * s[0], s, 0)
    if p == 0.5:
        active = s >= (1 - rtol) * s[0]
        resp = s[0] * active / active.sum()
    elif np.isinf(p):
        resp = s[s > 0].sum() * (s > 0)
    else:
        q = 1 + 1 / (2 * p - 1)
        sn = s / s[0]
        nu = np.sum(sn**q) ** (1 / q)
        resp = np.where(s > 0, s[0] * nu * (sn / nu) ** (q - 1), 0)
    return -(u * resp) @ vh


def dual_norm(g, p):
    s = np.linalg.svd(g, compute_uv=False)
    if p == 1:
        return np.linalg.norm(g)
    if p == 0.5:
        return s[0]
    q = 1 + 1 / (2 * p - 1)
    return np.sum(s**q) ** (1 / q) if q > 1 else s.sum()


def polar(g):
    u, s, vh = np.linalg.svd(g, full_matrices=False)
    r = int(np.sum(s > np.finfo(float).eps * max(g.shape) * s[0]))
    return u[:, :r] @ vh[:r]


def ns(g, sched, steps):
    pe = [(8.28721201814563, -23.595886519098837, 17.300387312530933),
          (4.107059111542203, -2.9478499167379106, 0.5448431082926601),
          (3.9486908534822946, -2.908902115962949, 0.5518191394370137),
          (3.3184196573706015, -2.488488024314874, 0.51004894012372),
          (2.300652019954817, -1.6689039845747493, 0.4188073119525673),
          (1.891301407787398, -1.2679958271945868, 0.37680408948524835),
          (1.8750014808534479, -1.2500016453999487, 0.3750001645474248),
          (1.875, -1.25, 0.375)]
    pe = [(a / 1.01, b / 1.01**3, c / 1.01**5) for (a, b, c) in pe[:-1]] + [pe[-1]]
    x = g.T if g.shape[0] > g.shape[1] else g
    x = x / (np.linalg.norm(x) * (1.01 if sched == "polar-express" else 1.0))
    for t in range(steps):
        a, b, c = {"ns5": (3.4445, -4.7750, 2.0315), "cubic": (1.5, -0.5, 0.0)}.get(
            sched, pe[min(t, 7)])
        A = x @ x.T
        x = a * x + (b * A + c * A @ A) @ x
    return x.T if g.shape[0] > g.shape[1] else x


def reg_polar(g, eps):
    w, v = np.linalg.eigh(g.T @ g + eps * np.eye(g.shape[1]))
    return g @ (v / np.sqrt(w)) @ v.T


rng = np.random.default_rng(5)
shapes = [(7, 4), (4, 7), (6, 6), (1, 5), (5, 1)]
exts = [".npy", ".csv"]

# --- lmo: matrix ---
for si, (m, n) in enumerate(shapes):
    g = rng.standard_normal((m, n))
    for p in [0.5, 1, 1.5, 2, 3, float("inf")]:
        ext = exts[si % 2]
        gp, vp = save(f"g{si}{ext}", g), path(f"v{si}_{p}{ext}")
        out = run("lmo", gp, "-p", p, "-o", vp, "--json")
        if out.returncode:
            continue
        info = json.loads(out.stdout)
        v = load(vp)
        ref = schatten_lmo(g, p)
        close(f"lmo {m}x{n} p={p}", v.reshape(ref.shape), ref, 1e-11)
        dn = dual_norm(g, p)
        close(f"lmo dual {m}x{n} p={p}", info["dual_norm"], dn, 1e-11)
        close(f"lmo pairing {m}x{n} p={p}", info["pairing"], -dn**2, 1e-11)
        close(f"lmo velocity {m}x{n} p={p}", info["velocity_norm"], dn, 1e-11)

# rank-deficient and zero inputs; rtol option
g = np.array([[3.0, 0], [4, 0], [0, 0]])
run("lmo", save("rd.npy", g), "-p", "inf", "-o", path("rd_v.npy"))
close("lmo rank-deficient", np.load(path("rd_v.npy")), -5 * np.array([[0.6, 0], [0.8, 0], [0, 0]]), 1e-14)
run("lmo", save("z.csv", np.zeros((2, 3))), "-p", "2", "-o", path("z_v.csv"))
close("lmo zero", load(path("z_v.csv")), np.zeros((2, 3)), 0)
g = np.diag([1.0, 1e-10])
run("lmo", save("cut.npy", g), "-p", "inf", "--rtol", "1e-8", "-o", path("cut_v.npy"))
close("lmo rtol", np.load(path("cut_v.npy")), schatten_lmo(g, np.inf, 1e-8), 1e-15)

# --- lmo: particles and blocks ---
g = rng.standard_normal((9, 3))
w = rng.uniform(0.1, 1, 9)
w /= w.sum()
for p in [0.75, 2, float("inf")]:
    out = run("lmo", save("gp.npy", g), "-p", p, "--weights", save("w.csv", w[:, None]),
              "-o", path("vp.npy"), "--json")
    if out.returncode == 0:
        info = json.loads(out.stdout)
        root = np.sqrt(w)[:, None]
        ref = schatten_lmo(root * g, p) / root
        close(f"particle p={p}", np.load(path("vp.npy")), ref, 1e-11)
        pair = np.sum(w[:, None] * g * ref)
        close(f"particle pairing p={p}", info["pairing"], pair, 1e-11)
        close(f"particle pairing=-dual^2 p={p}", info["pairing"], -info["dual_norm"] ** 2, 1e-11)
g = rng.standard_normal((5, 6))
for gauge in ["sum", "max"]:
    out = run("lmo", save("gb.npy", g), "-p", "2", "--blocks", "2,3,1", "--gauge", gauge,
              "-o", path("vb.npy"), "--json")
    if out.returncode == 0:
        info = json.loads(out.stdout)
        blocks = np.split(g, [2, 5], axis=1)
        js = [schatten_lmo(b, 2) for b in blocks]
        ds = [dual_norm(b, 2) for b in blocks]
        if gauge == "sum":
            ref = np.concatenate(js, axis=1)
        else:
            ref = np.concatenate([j * sum(ds) / d for j, d in zip(js, ds)], axis=1)
        close(f"block {gauge}", np.load(path("vb.npy")), ref, 1e-11)
        close(f"block {gauge} pairing", info["pairing"], np.sum(g * ref), 1e-11)

# --- polar ---
for si, (m, n) in enumerate(shapes):
    g = rng.standard_normal((m, n))
    ext = exts[(si + 1) % 2]
    gp = save(f"pg{si}{ext}", g)
    for method in ["auto", "svd", "gram"]:
        out = run("polar", gp, "--method", method, "-o", path(f"q{si}{method}{ext}"), "--json")
        if out.returncode == 0:
            q = load(path(f"q{si}{method}{ext}")).reshape(m, n)
            close(f"polar {method} {m}x{n}", q, polar(g), 1e-12)
            info = json.loads(out.stdout)
            check(f"polar json {method}", info["orth_error"] < 1e-12 and abs(info["sigma_max"] - 1) < 1e-12,
                  str(info))
    for method in ["ns5", "polar-express", "cubic"]:
        for steps in [1, 5, 9]:
            out = run("polar", gp, "--method", method, "--steps", steps, "-o", path("qn.npy"), "--json")
            if out.returncode == 0:
                close(f"{method} {steps} {m}x{n}", np.load(path("qn.npy")).reshape(m, n),
                      ns(g, method, steps), 1e-12)
                check(f"{method} json steps", json.loads(out.stdout)["steps"] == steps)
    out = run("polar", gp, "--method", "regularized", "--eps", "0.1", "-o", path("qr.npy"))
    if out.returncode == 0:
        close(f"regularized {m}x{n}", np.load(path("qr.npy")).reshape(m, n), reg_polar(g, 0.1), 1e-12)
g = np.array([[3.0, 0], [4, 0], [0, 0]])
run("polar", save("tr.csv", g), "-o", path("tr_q.csv"))
close("polar truncation", load(path("tr_q.csv")), [[0.6, 0], [0.8, 0], [0, 0]], 1e-15)
run("polar", save("zz.npy", np.zeros((3, 2))), "--method", "ns5", "-o", path("zz_q.npy"))
close("ns zero", np.load(path("zz_q.npy")), np.zeros((3, 2)), 0)

# --- norm and gauge ---
g = rng.standard_normal((6, 4))
s = np.linalg.svd(g, compute_uv=False)
for r in [1, 2, 3.5, float("inf")]:
    out = run("norm", save("ng.npy", g), "--schatten", r)
    if out.returncode == 0:
        ref = s[0] if np.isinf(r) else np.sum(s**r) ** (1 / r)
        close(f"norm {r}", float(out.stdout), ref, 1e-13)
out = run("norm", save("ng.csv", g), "--schatten", "1", "--json")
if out.returncode == 0:
    close("norm json", json.loads(out.stdout)["value"], s.sum(), 1e-13)
S = g.T @ g / 6
lam = np.linalg.eigvalsh(S)
for p in [0.5, 1, 2, float("inf")]:
    out = run("gauge", save("S.npy", S), "-p", p, "--json")
    if out.returncode == 0:
        ref = lam.max() if np.isinf(p) else np.sum(lam**p) ** (1 / p)
        close(f"gauge {p}", json.loads(out.stdout)["value"], ref, 1e-12)

# --- help and error exits ---
for cmd in ["lmo", "polar", "norm", "gauge"]:
    out = run(cmd, "--help")
    check(f"{cmd} --help", "usage: specot " + cmd in out.stdout, out.stdout[:80])
gp = save("e.npy", np.ones((3, 2)))
run("lmo", gp, code=2)                                    # missing -p
run("lmo", gp, "-p", "x", code=2)                         # bad number
run("lmo", gp, "-p", "2", "--bogus", code=2)              # unknown option
run("lmo", gp, "-p", "2", "--weights", gp, "--blocks", "1,1", code=2)
run("lmo", gp, "-p", "2", "--gauge", "mean", "--blocks", "1,1", code=2)
run("lmo", gp, "-p", "0.3", code=2)                       # p < 1/2
run("lmo", gp, "-p", "2", "--blocks", "1,2", code=3)      # widths do not sum to n
run("lmo", gp, "-p", "2", "--weights", save("wb.npy", np.array([0.5, 0.6, -0.1])), code=3)
run("lmo", gp, "-p", "2", "--weights", save("w2.npy", np.array([0.5, 0.5])), code=3)
run("lmo", path("missing.npy"), "-p", "2", code=3)
with open(path("nan.csv"), "w") as f:
    f.write("1,nan\n2,3\n")
run("lmo", path("nan.csv"), "-p", "2", code=3)
run("polar", gp, "--method", "qr", code=2)
run("polar", gp, "--method", "regularized", code=2)       # needs --eps
run("polar", gp, "--method", "regularized", "--eps", "0", code=3)
run("polar", gp, "--steps", "3", code=2)                  # steps only for NS
run("norm", gp, "--schatten", "0.5", code=2)            # option out of range: usage
run("norm", gp, code=2)
run("gauge", save("ns.npy", np.array([[1.0, 2], [0, 1]])), "-p", "1", code=3)   # not symmetric
run("gauge", save("np.npy", np.array([[1.0, 0], [0, -1]])), "-p", "1", code=3)  # not PSD
run("gauge", gp, "-p", "1", code=3)                       # not square
run("gauge", save("id.npy", np.eye(2)), "-p", "0.4", code=2)
# An option value out of range is a usage line naming the option and the value.
out = run("lmo", gp, "-p", "0.3", code=2)
check("lmo p < 1/2 message", out.stderr.startswith("specot lmo: bad value '0.3' for -p")
      and "1/2" in out.stderr, repr(out.stderr))

# --- overflow at the edge of the double range ---
# The pairing -||G||_{S_q}^2 exceeds DBL_MAX: JSON says -inf (never NaN from inf - inf).
huge = save("huge.npy", np.random.default_rng(5).standard_normal((4, 3)) * 1e307)
for p in ["3", "inf"]:
    s = json.loads(run("lmo", huge, "-p", p, "--json").stdout)
    check(f"lmo huge p={p} pairing", s["pairing"] == "-inf", str(s))
    check(f"lmo huge p={p} dual norm finite", isinstance(s["dual_norm"], float), str(s))
# G^T G overflows and eps cannot be rescaled with G: numerical failure (4) with a message.
out = run("polar", save("g200.npy", np.arange(1.0, 7.0).reshape(3, 2) * 1e200), "--method", "regularized",
          "--eps", "1e-3", code=4)
check("regularized overflow message", "overflows" in out.stderr, out.stderr)

if FAILURES:
    print("\n".join(FAILURES))
    sys.exit(1)
print("all linalg CLI checks passed")
