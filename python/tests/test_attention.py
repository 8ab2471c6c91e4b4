"""The mean-field attention model of flows.h through specot.flow /
attention_predict / attention_effective_tokens, against a NumPy forward pass."""
import numpy as np
import pytest

import specot


def numpy_heads(x, z, dh):
    """Per-head outputs phi (n, nseq, m, dt) and attention matrices A (n, nseq, m, m)."""
    n, tdim = x.shape[0], z.shape[2]
    P = x.reshape(n, 4, dh, tdim)
    phis, As = [], []
    for Q, K, V, O in P:
        q, k, v = z @ Q.T, z @ K.T, z @ V.T              # (nseq, m, dh)
        s = q @ k.transpose(0, 2, 1) / np.sqrt(dh)        # (nseq, m_j, m_i)
        A = np.exp(s - s.max(axis=2, keepdims=True))
        A /= A.sum(axis=2, keepdims=True)
        phis.append((A @ v) @ O)                          # O^T (A V z): (nseq, m, dt)
        As.append(A)
    return np.array(phis), np.array(As)


@pytest.fixture
def problem(rng):
    n, dh, tdim, nseq, m = 3, 2, 3, 4, 5
    x = 0.5 * rng.normal(size=(n, 4 * dh * tdim))
    z = rng.normal(size=(nseq, m, tdim))
    y = rng.normal(size=(nseq, m, tdim))
    return x, z, y, dh


def test_predict_and_tokens_match_numpy(problem, rng):
    x, z, _, dh = problem
    phi, A = numpy_heads(x, z, dh)
    np.testing.assert_allclose(specot.attention_predict(x, z), phi.mean(axis=0), rtol=1e-12,
                               atol=1e-13)
    w = rng.uniform(0.1, 1, size=3)
    w /= w.sum()
    np.testing.assert_allclose(specot.attention_predict(x, z, w), np.tensordot(w, phi, 1),
                               rtol=1e-12, atol=1e-13)
    ref = np.mean(1 / (A ** 2).sum(axis=3))
    assert specot.attention_effective_tokens(x, z) == pytest.approx(ref, rel=1e-12)


def test_flow_energy_and_descent(problem):
    x, z, y, dh = problem
    phi, _ = numpy_heads(x, z, dh)
    E0 = 0.5 * np.mean((phi.mean(axis=0) - y) ** 2)
    traj = specot.flow(x, "attention", z=z, y=y, steps=20, dt=0.05, p=1)
    assert traj["energy"][0] == pytest.approx(E0, rel=1e-12)
    assert traj["energy"][-1] < traj["energy"][0]
    phi1, _ = numpy_heads(traj["particles"], z, dh)
    assert traj["energy"][-1] == pytest.approx(0.5 * np.mean((phi1.mean(axis=0) - y) ** 2),
                                               rel=1e-12)


def test_errors(problem):
    x, z, y, _ = problem
    with pytest.raises(ValueError, match="attention"):
        specot.flow(x[:, :-1], "attention", z=z, y=y, steps=1)
    with pytest.raises(ValueError):
        specot.flow(x, "attention", z=z, y=y[:, :2], steps=1)
    with pytest.raises(ValueError, match="multiple"):
        specot.attention_predict(x[:, :-1], z)
    with pytest.raises(ValueError):
        specot.attention_predict(x, z[0])
