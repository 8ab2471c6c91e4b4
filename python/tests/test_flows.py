"""Flows and the Muon step against NumPy re-implementations of their update rules."""
import numpy as np
import pytest

import specot


def lmo_ref(G, p):
    U, s, Wt = np.linalg.svd(G, full_matrices=False)
    if p == 1:
        return -G
    return -s.sum() * U @ Wt  # p = inf


@pytest.mark.parametrize("p", [1.0, np.inf])
def test_quadratic_euler_flow_matches_numpy(rng, p):
    n, d, dt, steps = 6, 3, 0.05, 15
    B = rng.normal(size=(n, d))
    X = rng.normal(size=(n, d))
    out = specot.flow(X, "quadratic", A=np.eye(n), B=B, p=p, dt=dt, steps=steps,
                      weights=np.ones(n))
    x = X.copy()
    energies = [0.5 * np.sum((x - B) ** 2)]
    for _ in range(steps):
        x = x + dt * lmo_ref(x - B, p)
        energies.append(0.5 * np.sum((x - B) ** 2))
    np.testing.assert_allclose(out["particles"], x, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(out["energy"], energies, rtol=1e-11)
    np.testing.assert_allclose(out["t"], dt * np.arange(steps + 1), rtol=1e-14)
    assert out["snapshots"].shape == (steps + 1, n, d)
    np.testing.assert_allclose(out["snapshots"][0], X)


def test_flow_record_every_and_mmd_energy_decreases(rng):
    X, Y = rng.normal(size=(20, 2)), rng.normal(size=(15, 2)) + 1.0
    out = specot.flow(X, "mmd", target=Y, steps=30, dt=0.02, p="inf", record_every=10)
    assert out["snapshots"].shape == (4, 20, 2)
    assert out["energy"][-1] < out["energy"][0]
    assert np.all(out["dissipation"][:-1] <= 0)
    ham = specot.flow(X, "mmd", target=Y, steps=20, dt=0.02, method="hamiltonian")
    assert ham["kinetic"][0] == 0 and np.isfinite(ham["hamiltonian"]).all()


def test_flow_bad_input():
    with pytest.raises(ValueError, match="model"):
        specot.flow(np.ones((3, 2)), "bogus")
    with pytest.raises(ValueError, match="expected 2 x 2"):
        specot.flow(np.ones((3, 2)), "quadratic", A=np.eye(2), B=np.ones((2, 2)))
    with pytest.raises(ValueError, match="dt"):
        specot.flow(np.ones((3, 2)), "mmd", target=np.zeros((2, 2)), dt=0.0)


def ns5_ref(U, steps=5):
    a, b, c = 3.4445, -4.7750, 2.0315
    X = U / np.linalg.norm(U)
    tr = X.shape[0] > X.shape[1]
    if tr:
        X = X.T
    for _ in range(steps):
        A = X @ X.T
        X = a * X + (b * A + c * A @ A) @ X
    return X.T if tr else X


@pytest.mark.parametrize("shape", [(5, 3), (3, 6)])
def test_muon_step_keller_jordan(rng, shape):
    W, G, M = rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape)
    lr, beta = 0.02, 0.95
    W1, M1, O = specot.muon_step(W, G, M, convention="kj", lr=lr)
    Mr = beta * M + (1 - beta) * G
    U = (1 - beta) * G + beta * Mr
    Or = ns5_ref(U)
    scale = np.sqrt(max(1.0, shape[0] / shape[1]))
    np.testing.assert_allclose(M1, Mr, rtol=1e-14)
    np.testing.assert_allclose(O, Or, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(W1, W - lr * scale * Or, rtol=1e-12)
    # Inputs untouched (functional step); momentum None = zeros.
    W2, M2, _ = specot.muon_step(W, G)
    np.testing.assert_allclose(M2, (1 - beta) * G, rtol=1e-14)


def test_muon_step_errors(rng):
    with pytest.raises(ValueError, match="shape"):
        specot.muon_step(np.ones((3, 2)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="convention"):
        specot.muon_step(np.ones((3, 2)), np.ones((3, 2)), convention="adam")


def test_divergence_is_feydy_s_eps_from_pot_plans(rng):
    ot = pytest.importorskip("ot")
    X, Y = rng.normal(size=(15, 2)), rng.normal(size=(12, 2)) + 0.4
    a, b = ot.unif(15), ot.unif(12)
    eps = 0.5

    def ot_eps(P, Q, p, q):
        M = ot.dist(P, Q)
        pi = ot.sinkhorn(p, q, M, eps, method="sinkhorn_log", stopThr=1e-14, numItermax=100000)
        ab = np.outer(p, q)
        return np.sum(pi * M) + eps * np.sum(pi * np.log(pi / ab) - pi + ab)

    ref = ot_eps(X, Y, a, b) - 0.5 * (ot_eps(X, X, a, a) + ot_eps(Y, Y, b, b))
    value, gx, gy = specot.divergence(X, Y, eps, grad=True)
    assert np.isclose(value, ref, rtol=1e-7)
    assert value > 0 and gx.shape == X.shape and gy.shape == Y.shape
    assert abs(specot.divergence(X, X, eps)) < 1e-9


def test_momentum_flow_matches_numpy(rng):
    n, d, dt, tau, steps = 5, 2, 0.1, 0.5, 8
    B, X = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    out = specot.flow(X, "quadratic", A=np.eye(n), B=B, p=1, dt=dt, steps=steps,
                      method="momentum", tau=tau, weights=np.ones(n))
    x, A = X.copy(), X - B
    for _ in range(steps):
        A = A + (dt / tau) * ((x - B) - A)
        x = x - dt * A
    np.testing.assert_allclose(out["particles"], x, rtol=1e-12, atol=1e-13)


def test_relu_and_gaussian_kl_energies(rng):
    z, w = rng.normal(size=(40, 2)), None
    y = np.maximum(z @ np.array([1.0, -0.5]), 0)
    X = rng.normal(size=(7, 3))  # particles (u, v1, v2)
    out = specot.flow(X, "relu", z=z, y=y, steps=3, dt=0.05, p=1)
    f = (X[:, 0][None, :] * np.maximum(z @ X[:, 1:].T, 0)).mean(axis=1)
    assert np.isclose(out["energy"][0], 0.5 * np.mean((f - y) ** 2), rtol=1e-12)
    assert out["energy"][-1] < out["energy"][0]
    T = np.array([[2.0, 0.3], [0.3, 1.0]])
    P = rng.normal(size=(30, 2))
    g = specot.flow(P, "gaussian_kl", target=T, steps=2, dt=0.01, weights=w)
    S = P.T @ P / 30
    kl = 0.5 * (np.trace(np.linalg.solve(T, S)) - 2 + np.log(np.linalg.det(T) / np.linalg.det(S)))
    assert np.isclose(g["energy"][0], kl, rtol=1e-11)


def test_muon_step_moonlight(rng):
    W, G, M = rng.normal(size=(4, 6)), rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    lr, wd, beta = 1e-3, 0.1, 0.95
    W1, M1, O = specot.muon_step(W, G, M, convention="moonlight")
    Mr = beta * M + G
    Or = ns5_ref(G + beta * Mr)
    np.testing.assert_allclose(M1, Mr, rtol=1e-14)
    np.testing.assert_allclose(W1, W * (1 - lr * wd) - lr * 0.2 * np.sqrt(6) * Or, rtol=1e-11)


def test_flow_final_particles_with_sparse_snapshots(rng):
    X, B = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    every = specot.flow(X, "quadratic", A=np.eye(4), B=B, steps=7, weights=np.ones(4))
    sparse = specot.flow(X, "quadratic", A=np.eye(4), B=B, steps=7, weights=np.ones(4),
                         record_every=3)
    assert sparse["snapshots"].shape == (3, 4, 2)  # steps 0, 3, 6
    np.testing.assert_array_equal(sparse["snapshots"][2], every["snapshots"][6])
    np.testing.assert_array_equal(sparse["particles"], every["snapshots"][7])


def test_block_sum_of_single_columns_is_gradient_descent(rng):
    # Each n x 1 block: J_inf(g) = -||g||_* g / ||g|| = -g, the p = 1 direction.
    X, B = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    blk = specot.flow(X, "quadratic", A=np.eye(5), B=B, steps=5, p="inf", gauge="block_sum",
                      blocks=[1, 1], weights=np.ones(5))
    gd = specot.flow(X, "quadratic", A=np.eye(5), B=B, steps=5, p=1, weights=np.ones(5))
    np.testing.assert_allclose(blk["particles"], gd["particles"], rtol=1e-12)
    with pytest.raises(ValueError, match="block"):
        specot.flow(X, "quadratic", A=np.eye(5), B=B, gauge="block_sum", blocks=[1, 5])
