"""POT-compatible calls against POT itself (`import ot`) on random inputs, and
POT's usage patterns: list inputs, empty weights, float32, non-contiguous
arrays, log=True."""
import numpy as np
import pytest

import specot

ot = pytest.importorskip("ot")


def clouds(rng, n=30, m=25, d=3):
    X = rng.normal(size=(n, d))
    Y = rng.normal(size=(m, d)) + 0.7
    a = rng.uniform(0.2, 1.0, size=n)
    b = rng.uniform(0.2, 1.0, size=m)
    return X, Y, a / a.sum(), b / b.sum()


def test_dist_matches_pot(rng):
    X, Y, _, _ = clouds(rng)
    np.testing.assert_allclose(specot.dist(X, Y), ot.dist(X, Y), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(specot.dist(X, Y, metric="euclidean"),
                               ot.dist(X, Y, metric="euclidean"), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(specot.dist(X, Y, metric="cityblock"),
                               ot.dist(X, Y, metric="cityblock"), rtol=1e-12)
    np.testing.assert_allclose(specot.dist(X), ot.dist(X, X), atol=1e-12)
    assert (specot.dist(X) >= 0).all()


def test_emd_and_emd2_match_pot(rng):
    X, Y, a, b = clouds(rng)
    M = ot.dist(X, Y)
    cost = specot.emd2(a, b, M)
    assert np.isclose(cost, ot.emd2(a, b, M), rtol=1e-12)
    G = specot.emd(a, b, M)
    np.testing.assert_allclose(G.sum(1), a, atol=1e-14)
    np.testing.assert_allclose(G.sum(0), b, atol=1e-14)
    assert np.isclose(np.sum(G * M), cost, rtol=1e-12)
    assert (G >= 0).all()


def test_emd_empty_weights_and_lists(rng):
    X, Y, _, _ = clouds(rng, 12, 9, 2)
    M = ot.dist(X, Y)
    ref = ot.emd2([], [], M)
    assert np.isclose(specot.emd2([], [], M), ref, rtol=1e-12)
    assert np.isclose(specot.emd2(None, None, M.tolist()), ref, rtol=1e-12)
    assert np.isclose(specot.emd2(list(ot.unif(12)), list(ot.unif(9)), M), ref, rtol=1e-12)
    np.testing.assert_allclose(specot.unif(7), ot.unif(7))


def test_emd_log_keys_and_potentials(rng):
    X, Y, a, b = clouds(rng)
    M = ot.dist(X, Y)
    G, log = specot.emd(a, b, M, log=True)
    _, ref = ot.emd(a, b, M, log=True)
    for key in ("cost", "u", "v", "warning", "result_code"):
        assert key in log
    assert log["result_code"] == ref["result_code"] == 1
    assert log["warning"] is None
    # Same centring rule as POT (center_dual): the potentials agree where the
    # dual is unique; always check feasibility and strong duality.
    u, v = log["u"], log["v"]
    assert (M - u[:, None] - v[None, :]).min() > -1e-12
    assert np.isclose(a @ u + b @ v, log["cost"], rtol=1e-12)
    assert np.isclose(a @ u, b @ v, rtol=1e-10, atol=1e-12)
    cost, log2 = specot.emd2(a, b, M, log=True, return_matrix=True)
    np.testing.assert_allclose(log2["G"], G)


def test_emd_float32_non_contiguous(rng):
    X, Y, a, b = clouds(rng, 20, 20, 2)
    M = ot.dist(X, Y)
    M32 = M.astype(np.float32)
    assert specot.emd(a, b, M32).dtype == ot.emd(a, b, M32).dtype == np.float64  # type of a
    G = specot.emd([], [], M32)
    assert G.dtype == ot.emd([], [], M32).dtype == np.float32  # type of M
    assert np.isclose(specot.emd2(a, b, M32), ot.emd2(a, b, M32), rtol=1e-6)
    big = np.zeros((40, 40))
    big[::2, ::2] = M
    view = big[::2, ::2]
    assert not view.flags.c_contiguous
    assert np.isclose(specot.emd2(a, b, view), ot.emd2(a, b, M), rtol=1e-12)


def test_float32_histograms_with_rounded_totals(rng):
    X, Y, a, b = clouds(rng, 30, 20, 2)
    M = ot.dist(X, Y)
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    assert a32.astype(float).sum() != b32.astype(float).sum()  # totals differ by rounding
    # Costs are Python floats at full precision (POT rounds them to float32 here).
    cost = specot.emd2(a32, b32, M)
    assert isinstance(cost, float) and np.isclose(cost, ot.emd2(a32, b32, M), rtol=1e-7)
    assert specot.emd(a32, b32, M).dtype == np.float32  # POT: the type of a
    G = specot.sinkhorn(a32, b32, M, 1.0)
    np.testing.assert_allclose(G.sum(1), a32, rtol=1e-6)


def test_emd_iteration_cap_warns_like_pot(rng):
    X, Y, a, b = clouds(rng, 40, 40, 2)
    M = ot.dist(X, Y)
    with pytest.warns(UserWarning, match="max_iter"):
        G, log = specot.emd(a, b, M, numItermax=5, log=True)
    assert log["result_code"] == 3 and "max_iter" in log["warning"]
    np.testing.assert_allclose(G.sum(1), a, atol=1e-12)  # still a feasible plan


@pytest.mark.parametrize("metric,p", [("sqeuclidean", 1.0), ("minkowski", 1.5),
                                      ("euclidean", 1.0), ("cityblock", 1.0)])
def test_emd_1d_matches_pot(rng, metric, p):
    x, y = rng.normal(size=15), rng.normal(size=11) + 0.3
    a, b = rng.uniform(0.1, 1, 15), rng.uniform(0.1, 1, 11)
    a, b = a / a.sum(), b / b.sum()
    assert np.isclose(specot.emd2_1d(x, y, a, b, metric=metric, p=p),
                      ot.emd2_1d(x, y, a, b, metric=metric, p=p), rtol=1e-12)
    G = specot.emd_1d(x, y, a, b, metric=metric, p=p)
    np.testing.assert_allclose(G, ot.emd_1d(x, y, a, b, metric=metric, p=p), atol=1e-14)
    S = specot.emd_1d(list(x), list(y), dense=False)
    np.testing.assert_allclose(S.toarray(), ot.emd_1d(x, y), atol=1e-14)


@pytest.mark.parametrize("reg", [0.05, 0.5, 5.0])
def test_sinkhorn_matches_pot(rng, reg):
    X, Y, a, b = clouds(rng)
    M = ot.dist(X, Y)
    ref = ot.sinkhorn(a, b, M, reg, method="sinkhorn_log", numItermax=100000, stopThr=1e-13)
    G = specot.sinkhorn(a, b, M, reg, stopThr=1e-12, numItermax=100000)
    np.testing.assert_allclose(G, ref, rtol=1e-7, atol=1e-12)
    assert np.isclose(specot.sinkhorn2(a, b, M, reg, stopThr=1e-12, numItermax=100000),
                      np.sum(ref * M), rtol=1e-8)


def test_sinkhorn_log_dict(rng):
    X, Y, a, b = clouds(rng)
    M = ot.dist(X, Y)
    reg = 0.5
    G, log = specot.sinkhorn(a, b, M, reg, log=True)
    for key in ("u", "v", "log_u", "log_v", "niter", "err"):
        assert key in log
    K = np.exp(-M / reg)
    np.testing.assert_allclose(log["u"][:, None] * K * log["v"][None, :], G, rtol=1e-10,
                               atol=1e-15)
    assert log["err"][-1] <= 1e-9
    cost, log2 = specot.sinkhorn2(a, b, M, reg, log=True)
    assert np.isclose(cost, np.sum(G * M), rtol=1e-10)
    assert log2["niter"] >= 1


def test_sinkhorn_uniform_lists_float32(rng):
    X, Y, _, _ = clouds(rng, 10, 8, 2)
    M = ot.dist(X, Y)
    ref = ot.sinkhorn(ot.unif(10), ot.unif(8), M, 1.0, stopThr=1e-12, numItermax=10000)
    np.testing.assert_allclose(specot.sinkhorn([], [], M.tolist(), 1.0), ref, rtol=1e-6)
    G32 = specot.sinkhorn([], [], M.astype(np.float32), 1.0)
    assert G32.dtype == np.float32
    np.testing.assert_allclose(G32, ref, rtol=1e-5)


def test_sinkhorn_methods_and_warn(rng):
    X, Y, a, b = clouds(rng, 10, 8, 2)
    M = ot.dist(X, Y)
    G = specot.sinkhorn(a, b, M, 1.0)
    for method in ("sinkhorn_log", "sinkhorn_stabilized", "sinkhorn_epsilon_scaling"):
        np.testing.assert_allclose(specot.sinkhorn(a, b, M, 1.0, method=method), G)
    with pytest.raises(ValueError, match="method"):
        specot.sinkhorn(a, b, M, 1.0, method="bogus")
    with pytest.warns(UserWarning, match="max_iter"):
        specot.sinkhorn(a, b, M, 0.01, numItermax=2)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        specot.sinkhorn(a, b, M, 0.01, numItermax=2, warn=False)


def test_sinkhorn_divergence_matches_pot(rng):
    X, Y, a, b = clouds(rng, 20, 15, 2)
    for reg in (0.5, 2.0):
        ref = ot.bregman.empirical_sinkhorn_divergence(X, Y, reg, a, b)
        assert np.isclose(specot.sinkhorn_divergence(X, Y, reg, a, b), ref, rtol=1e-8)
    ref = ot.bregman.empirical_sinkhorn_divergence(X, Y, 1.0)
    value, log = specot.empirical_sinkhorn_divergence(X, Y, 1.0, log=True)
    assert np.isclose(value, ref, rtol=1e-8)
    assert set(log) >= {"sinkhorn_loss_ab", "sinkhorn_loss_a", "sinkhorn_loss_b"}


def test_pot_errors_map_to_value_error(rng):
    M = np.ones((3, 2))
    with pytest.raises(ValueError, match="length 3"):
        specot.emd([0.5, 0.5], [], M)
    with pytest.raises(ValueError, match="sum to"):
        specot.emd2([0.2, 0.3, 0.5], [0.2, 0.2], M)
    with pytest.raises(ValueError, match="2-D"):
        specot.emd2([], [], np.ones(3))
    with pytest.raises(ValueError, match="eps|reg"):
        specot.sinkhorn([], [], M, -1.0)
    with pytest.raises(ValueError, match="non-finite"):
        specot.emd2([], [], [[1.0, np.inf], [0.0, 1.0]])
    with pytest.raises(ValueError, match="real numeric"):
        specot.emd2([], [], [["a", "b"]])
