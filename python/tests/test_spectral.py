"""Spectral transport, Gaussians and geodesics against POT / NumPy / SciPy
definitions on random inputs."""
import numpy as np
import pytest

import specot

ot = pytest.importorskip("ot")


def clouds(rng, n=25, m=20, d=3):
    X = rng.normal(size=(n, d)) * np.array([1.0, 0.6, 0.3])[:d]
    Y = rng.normal(size=(m, d)) + 0.5
    a = rng.uniform(0.2, 1.0, n)
    b = rng.uniform(0.2, 1.0, m)
    return X, Y, a / a.sum(), b / b.sum()


def sigma_of(X, Y, rows, cols, mass):
    D = X[rows] - Y[cols]
    return (D * mass[:, None]).T @ D


def test_transport_p1_is_w2_squared(rng):
    X, Y, a, b = clouds(rng)
    r = specot.transport(X, Y, p=1, a=a, b=b, tol=1e-10)
    w2 = ot.emd2(a, b, ot.dist(X, Y))
    assert np.isclose(r.squared_cost, w2, rtol=1e-9)
    assert r.lower_bound <= r.squared_cost + 1e-12


@pytest.mark.parametrize("p", [2.0, np.inf, "inf"])
def test_transport_certificate_against_pot(rng, p):
    X, Y, a, b = clouds(rng)
    r = specot.transport(X, Y, p=p, a=a, b=b, tol=1e-8)
    assert r.converged and r.relative_gap <= 1e-8
    # The plan is feasible and its Sigma is the returned one.
    P = r.plan.toarray()
    np.testing.assert_allclose(P.sum(1), a, atol=1e-12)
    np.testing.assert_allclose(P.sum(0), b, atol=1e-12)
    S = sigma_of(X, Y, r.rows, r.cols, r.mass)
    np.testing.assert_allclose(r.sigma, S, rtol=1e-10, atol=1e-13)
    lam = np.linalg.eigvalsh(S)
    pp = np.inf if p == "inf" else p
    ub = lam.max() if np.isinf(pp) else np.sum(np.clip(lam, 0, None) ** pp) ** (1 / pp)
    assert np.isclose(r.squared_cost, ub, rtol=1e-10)
    # Lower bound = exact OT with the Mahalanobis cost of the certificate Q (POT).
    Q = r.dual
    D = X[:, None, :] - Y[None, :, :]
    MQ = np.einsum("ijk,kl,ijl->ij", D, Q, D)
    assert np.isclose(ot.emd2(a, b, MQ), r.lower_bound, rtol=1e-8)
    assert np.linalg.eigvalsh(Q).min() > -1e-12


def test_kyfan_d_is_the_trace(rng):
    X, Y, a, b = clouds(rng, d=2)
    r = specot.transport(X, Y, kyfan=2, a=a, b=b, tol=1e-10)
    assert np.isclose(r.squared_cost, ot.emd2(a, b, ot.dist(X, Y)), rtol=1e-8)
    with pytest.raises(ValueError, match="either"):
        specot.transport(X, Y, p=2, kyfan=1)


def test_transport_list_inputs_and_repr(rng):
    X, Y, _, _ = clouds(rng, 8, 6, 2)
    r = specot.transport(X.tolist(), Y.tolist())
    assert r.plan.shape == (8, 6)
    assert "squared_cost" in repr(r)


def test_gaussian_commuting_closed_form_and_bures():
    A, B = np.diag([2.0, 0.5, 1.0]), np.diag([0.3, 1.5, 1.0])
    m = np.zeros(3)
    for p in (1.0, 2.0, np.inf):
        r = specot.gaussian(m, A, m, B, p=p, tol=1e-10)
        t = np.abs(np.sqrt(np.diag(A)) - np.sqrt(np.diag(B))) ** 2
        ref = t.max() if np.isinf(p) else np.sum(t**p) ** (1 / p)
        assert np.isclose(r["squared_cost"], ref, rtol=1e-9)


def test_gaussian_p1_is_bures_wasserstein(rng):
    from scipy.linalg import sqrtm
    L1, L2 = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    A, B = L1 @ L1.T + 0.1 * np.eye(3), L2 @ L2.T + 0.1 * np.eye(3)
    m0, m1 = rng.normal(size=3), rng.normal(size=3)
    rA = np.real(sqrtm(A))
    bures = np.trace(A) + np.trace(B) - 2 * np.trace(np.real(sqrtm(rA @ B @ rA)))
    r = specot.gaussian(m0, A, m1, B, p=1, tol=1e-10)
    assert np.isclose(r["squared_cost"], np.sum((m0 - m1) ** 2) + bures, rtol=1e-8)
    assert r["lower_bound"] <= r["squared_cost"] * (1 + 1e-12)


def test_geodesic_atoms(rng):
    X, Y, a, b = clouds(rng, 10, 12, 2)
    r = specot.transport(X, Y, p=np.inf, a=a, b=b)
    for t in (0.0, 0.3, 1.0):
        Z, w = specot.geodesic(X, Y, t, plan=r)
        np.testing.assert_allclose(Z, (1 - t) * X[r.rows] + t * Y[r.cols], rtol=1e-14)
        np.testing.assert_allclose(w, r.mass)
    Z2, _ = specot.geodesic(X, Y, 0.3, plan=r.plan)
    Z3, _ = specot.geodesic(X, Y, 0.3, p=np.inf, a=a, b=b)
    np.testing.assert_allclose(Z2, (0.7 * X[r.rows] + 0.3 * Y[r.cols]), rtol=1e-14)
    assert Z3.shape[1] == 2
    with pytest.raises(ValueError, match="t"):
        specot.geodesic(X, Y, 1.5, plan=r)


def test_spectral_errors(rng):
    X, Y, _, _ = clouds(rng, 5, 4, 2)
    with pytest.raises(ValueError, match="columns"):
        specot.transport(X, Y[:, :1])
    with pytest.raises(ValueError, match="sum to"):
        specot.transport(X, Y, a=np.ones(5), b=np.ones(4))
    with pytest.raises(ValueError):
        specot.gaussian(np.zeros(2), -np.eye(2), np.zeros(2), np.eye(2), p=1)
    with pytest.raises(ValueError, match="oracle"):
        specot.transport(X, Y, oracle="magic")


def test_entropic_oracle_brackets_the_exact_value(rng):
    X, Y, a, b = clouds(rng, 20, 18, 2)
    exact = specot.transport(X, Y, p=np.inf, a=a, b=b, tol=1e-8)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the entropic bias may stop it early
        ent = specot.transport(X, Y, p=np.inf, a=a, b=b, oracle="entropic", tol=1e-3)
    assert ent.lower_bound <= exact.squared_cost * (1 + 1e-9)
    assert ent.squared_cost >= exact.lower_bound * (1 - 1e-9)
    P = ent.plan.toarray()
    np.testing.assert_allclose(P.sum(1), a, atol=1e-10)


def test_gaussian_kyfan_d_is_the_p1_value(rng):
    L1, L2 = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    A, B = L1 @ L1.T + 0.2 * np.eye(2), L2 @ L2.T + 0.2 * np.eye(2)
    m0, m1 = rng.normal(size=2), rng.normal(size=2)
    r1 = specot.gaussian(m0, A, m1, B, p=1, tol=1e-10)
    rk = specot.gaussian(m0, A, m1, B, kyfan=2, tol=1e-10)
    assert np.isclose(rk["squared_cost"], r1["squared_cost"], rtol=1e-8)
