"""specot.sdot_solve / sdot_map / sdot_cells / sdot_exact: the 1-D closed
form of aeot.md sec. 5 (cube and Gaussian sources), the symmetric 2-D case,
agreement with `specot sdot --json` on the same inputs, map bounds, errors."""
import math
import subprocess
import warnings

import numpy as np
import pytest

import specot
from cli_helper import cli_path, run_json


def closed_form_1d(y, nu, ppf):
    """aeot.md 5.1: boundaries b_j = F^-1(nu_1 + ... + nu_j), h_{j+1} = h_j - b_j (y_{j+1} -
    y_j), centred (sorted targets)."""
    b = ppf(np.cumsum(nu)[:-1])
    h = np.concatenate([[0.0], -np.cumsum(b * np.diff(y))])
    return h - h.mean(), b


def test_newton_1d_cube_spec_values():
    n = 10
    y = (np.arange(n) + 0.5) / n          # the spec's targets on the source [0, 1]
    r = specot.sdot_solve(y - 0.5, solver="newton")   # the cube is [0, 1] shifted by -1/2
    assert r["status"] == "converged" and r["max_rel_error"] <= 1e-10
    assert r["w2"] == pytest.approx(1 / (12 * n * n), rel=1e-9)
    # spec h on [0, 1] after centring; on the cube h' = h + y/2 (x = x' + 1/2), recentred
    spec_h = np.array([.165, .155, .135, .105, .065, .015, -.045, -.115, -.195, -.285])
    want = spec_h + (y - 0.5) / 2
    np.testing.assert_allclose(r["h"], want - want.mean(), atol=1e-12)
    # E(h*) = 0.3325 on [0, 1]; the shift x' = x - 1/2 lowers it by sum nu_j y_j / 2
    assert r["energy"] == pytest.approx(0.3325 - y.mean() / 2, rel=1e-12)


def test_newton_1d_random_weights_cube(rng):
    y = np.sort(rng.uniform(-2, 2, size=7))
    nu = rng.uniform(0.5, 2, size=7)
    nu /= nu.sum()
    h, _ = closed_form_1d(y, nu, lambda p: p - 0.5)
    r = specot.sdot_solve(y, nu, solver="newton")
    np.testing.assert_allclose(r["h"], h, atol=1e-9)
    ex = specot.sdot_exact(y, r["h"], nu)
    np.testing.assert_allclose(ex["w"], nu, rtol=1e-9)
    assert ex["energy"] == pytest.approx(r["energy"], rel=1e-12)


def test_newton_1d_gauss_spec_boundaries():
    scipy_stats = pytest.importorskip("scipy.stats")
    y = np.array([-2, -.5, 0, 1, 3.0])
    nu = np.array([.1, .3, .2, .25, .15])
    h, b = closed_form_1d(y, nu, scipy_stats.norm.ppf)
    np.testing.assert_allclose(b, [-1.2816, -.2533, .2533, 1.0364], atol=5e-5)
    r = specot.sdot_solve(y, nu, source="gauss", solver="newton")
    np.testing.assert_allclose(r["h"], h, atol=1e-8)
    got_b = -np.diff(r["h"]) / np.diff(y)
    np.testing.assert_allclose(got_b, b, atol=1e-8)


@pytest.mark.parametrize("solver,opts", [
    ("adam", dict(lr=2e-3, batch_size=4000, max_iter=1500, tol=0.02, eval_samples=40000)),
    ("asgd", dict(lr=0.5, batch_size=2000, max_iter=3000, tol=0.02, eval_samples=40000)),
])
def test_stochastic_solvers_1d(solver, opts):
    n = 5
    y = (np.arange(n) + 0.5) / n - 0.5
    h, _ = closed_form_1d(y, np.full(n, 1 / n), lambda p: p - 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = specot.sdot_solve(y, solver=solver, seed=4, **opts)
    assert r["max_rel_error"] <= 0.05
    assert abs(r["h"].mean()) < 1e-12
    np.testing.assert_allclose(r["h"], h, atol=3e-3)


def test_symmetric_2d():
    a = 0.2
    Y = np.array([(sx * a, sy * a) for sx in (-1, 1) for sy in (-1, 1)])
    r = specot.sdot_solve(Y, solver="newton")
    np.testing.assert_allclose(r["h"], 0, atol=1e-10)
    assert r["w2"] == pytest.approx(2 * (1 / 12 - a / 2 + a * a), rel=1e-9)


def test_agrees_with_cli(tmp_path, rng):
    if cli_path() is None:
        pytest.skip("specot CLI not found")
    Y = rng.uniform(-1, 1, size=(12, 2))
    np.save(tmp_path / "y.npy", Y)
    for solver, extra, kw in (("newton", [], {}),
                              ("adam", ["--steps", 150, "--samples", 2000, "--seed", 3,
                                        "--eval-samples", 20000],
                               dict(max_iter=150, batch_size=2000, seed=3, eval_samples=20000)),
                              ("asgd", ["--steps", 200, "--samples", 500, "--seed", 5,
                                        "--eval-samples", 20000],
                               dict(max_iter=200, batch_size=500, seed=5, eval_samples=20000))):
        j = run_json("sdot", tmp_path / "y.npy", "--solver", solver, "-o", tmp_path / "h.npy",
                     *extra)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = specot.sdot_solve(Y, solver=solver, **kw)
        np.testing.assert_allclose(r["h"], np.load(tmp_path / "h.npy"), rtol=1e-12, atol=1e-15)
        assert r["w2"] == pytest.approx(j["w2"], rel=1e-12)
        assert r["iterations"] == j["iterations"] and r["status"] == j["status"]
        assert r["max_rel_error"] == pytest.approx(j["max_rel_cell_error"], rel=1e-12)


def test_maps_and_cells(rng):
    Y = rng.normal(size=(9, 2))
    r = specot.sdot_solve(Y, solver="newton")
    h = r["h"]
    X = rng.uniform(-0.5, 0.5, size=(500, 2))
    idx, best, gap, mass = specot.sdot_cells(Y, h, X)
    scores = X @ Y.T + h
    np.testing.assert_array_equal(idx, scores.argmax(axis=1))
    np.testing.assert_allclose(best, scores.max(axis=1), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gap, np.sort(scores, axis=1)[:, -1] - np.sort(scores, axis=1)[:, -2],
                               atol=1e-12)
    np.testing.assert_allclose(mass, np.bincount(idx, minlength=9) / 500, atol=1e-15)
    np.testing.assert_array_equal(specot.sdot_map(Y, h, X), Y[idx])
    tau = 0.05
    T, u, neff = specot.sdot_map(Y, h, X, kind="soft", tau=tau, full=True)
    assert np.all(u >= best - 1e-12) and np.all(u <= best + tau * math.log(9) + 1e-12)
    p = np.exp((scores - scores.max(axis=1, keepdims=True)) / tau)
    p /= p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(T, p @ Y, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(neff, 1 / (p ** 2).sum(axis=1), rtol=1e-10)
    Tm = specot.sdot_map(Y, h, X, kind="masked", tau=tau, theta_max=math.pi)
    np.testing.assert_allclose(Tm, T, rtol=1e-10, atol=1e-12)


def test_errors():
    Y = np.array([[0.0], [1.0]])
    with pytest.raises(ValueError, match="1"):
        specot.sdot_solve(Y, [0.3, 0.3], solver="newton")       # weights do not sum to 1
    with pytest.raises(ValueError, match="solver"):
        specot.sdot_solve(Y, solver="lbfgs")
    with pytest.raises(ValueError, match="source"):
        specot.sdot_solve(Y, source="sphere")
    with pytest.raises(TypeError, match="unknown option"):
        specot.sdot_solve(Y, solver="newton", lr=0.1)
    with pytest.raises(ValueError):
        specot.sdot_solve(np.zeros((3, 3)) + np.arange(3)[:, None], solver="newton")  # d = 3
    with pytest.raises(ValueError):
        specot.sdot_solve([[0.0], [np.nan]])
    with pytest.raises(ValueError, match="tau"):
        specot.sdot_map(Y, [0, 0], [[0.1]], kind="soft")
    with pytest.raises(ValueError, match="columns"):
        specot.sdot_map(Y, [0, 0], [[0.1, 0.2]])
    with pytest.raises(ValueError, match="length"):
        specot.sdot_cells(Y, [0, 0, 0], [[0.1]])


def facet_angle(ya, yb):
    na = np.append(ya, -1.0)
    nb = np.append(yb, -1.0)
    c = na @ nb / (np.linalg.norm(na) * np.linalg.norm(nb))
    return math.acos(min(1.0, max(-1.0, c)))


def test_generate_interpolates_admissible_pairs(rng):
    Y = rng.normal(size=(10, 2))
    h = specot.sdot_solve(Y, solver="newton")["h"]
    X = rng.uniform(-0.5, 0.5, size=(300, 2))
    S, npairs = specot.sdot_generate(Y, h, X, count=200, top_k=3, theta_max=1.0, lam=0.75)
    assert S.shape == (200, 2) and npairs >= 1
    # the admissible pairs by definition (NumPy): (best, one of the next top_k - 1 planes)
    order = np.argsort(-(X @ Y.T + h), axis=1, kind="stable")
    pairs = {tuple(sorted((o[0], o[i]))) for o in order for i in (1, 2)
             if facet_angle(Y[o[0]], Y[o[i]]) < 1.0}
    assert npairs == len(pairs)
    cands = np.array([[(1 - 0.75) * Y[a] + 0.75 * Y[b] for a, b in pairs]
                      + [(1 - 0.75) * Y[b] + 0.75 * Y[a] for a, b in pairs]]).reshape(-1, 2)
    dist = np.min(np.linalg.norm(S[:, None, :] - cands[None, :, :], axis=2), axis=1)
    assert dist.max() < 1e-12
    with pytest.warns(UserWarning):
        S0, n0 = specot.sdot_generate(Y, h, X, count=5, theta_max=1e-9)
    assert n0 == 0


def test_precision_recall_numpy(rng):
    R = rng.normal(size=(120, 3))
    G = rng.normal(size=(100, 3)) + 0.7
    k = 3

    def radii(A):
        D = np.linalg.norm(A[:, None] - A[None], axis=2)
        return np.sort(D, axis=1)[:, k]   # column 0 is the point itself

    def inside(P, A):
        D = np.linalg.norm(P[:, None] - A[None], axis=2)
        return np.mean(np.any(D <= radii(A)[None, :], axis=1))

    p, r = specot.precision_recall(R, G, k)
    assert p == pytest.approx(inside(G, R), abs=1e-12)
    assert r == pytest.approx(inside(R, G), abs=1e-12)
