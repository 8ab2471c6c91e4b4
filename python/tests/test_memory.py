"""specot.Memory and the Hopfield baselines: the spec's 2-pattern example
(shk_dp_memory.md sec. 8.4), the two-Dirac closed form, save/load, agreement
with `specot memory retrieve`, error mapping."""
import subprocess
import warnings

import numpy as np
import pytest

import specot
from cli_helper import cli_path

X1 = [(0, 0), (1, 0), (0, 1), (1, 1)]
X2 = [(2, 2), (3, 2), (2, 3), (3.5, 3.5)]
B2 = [0.1, 0.2, 0.3, 0.4]
Q = [(0.2, 0.1), (0.9, -0.1), (-0.1, 1.2), (1.1, 0.8)]
A = [0.3, 0.2, 0.25, 0.25]
RTOL = 1e-8  # spec: solver run to 1e-13, compare with rtol 1e-8


@pytest.fixture
def mem():
    return specot.Memory([X1, X2], [None, B2], eps=0.25, beta=2.0, sinkhorn_tol=1e-13,
                         sinkhorn_max_iter=100000)


def test_spec_84_energy(mem):
    assert (mem.K, mem.d, mem.eps, mem.beta) == (2, 2, 0.25, 2.0) and len(mem) == 2
    assert mem.pattern(0)[2] == pytest.approx(0.283109584758, rel=RTOL)
    assert mem.pattern(1)[2] == pytest.approx(0.296978190663, rel=RTOL)
    np.testing.assert_allclose(mem.pattern(1)[1], B2, rtol=1e-15)
    e = mem.energy(Q, A)
    np.testing.assert_allclose(e["S"], [0.0151936091061, 5.64704751729], rtol=RTOL)
    assert e["energy"] == pytest.approx(0.015187194041, rel=RTOL)
    np.testing.assert_allclose(e["w"], [0.999987169952, 1.28300478924e-05], rtol=RTOL)
    np.testing.assert_allclose(e["v"], [[-0.12278431439, -0.00488315605061],
                                        [0.0960238370023, 0.013496919125],
                                        [0.154581683958, -0.178957895242],
                                        [-0.0439415398515, 0.134143315663]], rtol=1e-7,
                               atol=1e-12)
    np.testing.assert_allclose(e["phi"], [-0.00416330278418, 0.000758114505967,
                                          0.0562870161267, -0.0518975443904], rtol=1e-7)
    assert e["index"] == 0
    # E and w from S by their definitions (NumPy)
    S = e["S"]
    assert e["energy"] == pytest.approx(-np.log(np.exp(-2 * S).sum()) / 2, rel=1e-12)
    np.testing.assert_allclose(e["w"], np.exp(-2 * S) / np.exp(-2 * S).sum(), rtol=1e-12)


def test_spec_84_one_step(mem):
    r = mem.retrieve(Q, A, tau=0.5, eta=1.0, max_steps=1)
    assert isinstance(r, specot.RetrievalResult) and r.steps == 1 and r.halvings == 0
    np.testing.assert_allclose(r.points, [[0.138607842805, 0.0975584219747],
                                          [0.948011918501, -0.0932515404375],
                                          [-0.0227091580208, 1.11052105238],
                                          [1.07802923007, 0.867071657832]], rtol=RTOL)
    np.testing.assert_allclose(r.weights, [0.301030658264, 0.199701866892, 0.236143634004,
                                           0.263123840841], rtol=RTOL)
    assert r.energy == pytest.approx(0.00517234980868, rel=RTOL)
    np.testing.assert_allclose(r.S, [0.00517927043572, 5.59910430967], rtol=RTOL)
    np.testing.assert_allclose(r.energy_trace, [0.015187194041, 0.00517234980868], rtol=RTOL)
    assert r.stop == "max_steps" and r.index == 0 and r.index_start == 0


def test_two_diracs_closed_form():
    m = specot.Memory([[(1.0, 2.0)]], eps=0.7, beta=1.0)
    e = m.energy([(0.3, -0.4)])
    assert e["S"][0] == pytest.approx(3.125, rel=1e-9)
    assert e["energy"] == pytest.approx(3.125, rel=1e-9)


def test_retrieval_recovers_noisy_pattern(rng):
    pats = [rng.normal(size=(6, 2)) + 4 * k for k in range(3)]
    m = specot.Memory(pats, eps=0.1, beta=5.0)
    q = pats[2] + 0.2 * rng.normal(size=(6, 2))
    q0 = q.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a Sinkhorn cap is a warning with valid output
        r = m.retrieve(q)
    assert r.index == 2
    assert np.all(np.diff(r.energy_trace) <= 1e-12)  # accepted steps lower the energy
    assert r.energy <= r.energy_start
    np.testing.assert_array_equal(q, q0)  # the query is not modified
    assert not np.array_equal(r.points, q0)


def test_save_load_roundtrip(mem, tmp_path):
    mem.save(tmp_path / "m")
    m2 = specot.Memory.load(tmp_path / "m")
    assert (m2.K, m2.d, m2.eps, m2.beta) == (2, 2, 0.25, 2.0)
    for k in range(2):
        P, b, s = mem.pattern(k)
        P2, b2, s2 = m2.pattern(k)
        np.testing.assert_array_equal(P, P2)
        np.testing.assert_array_equal(b, b2)
        assert s2 == pytest.approx(s, rel=1e-10)
    np.testing.assert_allclose(m2.energy(Q, A)["S"], mem.energy(Q, A)["S"], rtol=1e-10)


def test_agrees_with_cli_retrieve(mem, tmp_path):
    exe = cli_path()
    if exe is None:
        pytest.skip("specot CLI not found")
    mem.save(tmp_path / "m")
    np.save(tmp_path / "q.npy", np.array(Q, dtype=float))
    np.save(tmp_path / "a.npy", np.array(A, dtype=float))
    subprocess.run([exe, "memory", "retrieve", str(tmp_path / "m"), str(tmp_path / "q.npy"),
                    "-o", str(tmp_path / "out.npy"), "--qweights", str(tmp_path / "a.npy"),
                    "--steps", "5", "--tau", "0.4"], check=True, capture_output=True)
    r = specot.Memory.load(tmp_path / "m").retrieve(Q, A, max_steps=5, tau=0.4)
    np.testing.assert_allclose(r.points, np.load(tmp_path / "out.npy"), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(r.weights, np.load(tmp_path / "out_weights.npy"), rtol=1e-12)


def test_hopfield_spec_84():
    Xi = np.stack([specot.hopfield_flatten(X1), specot.hopfield_flatten(X2)])
    xi0 = specot.hopfield_flatten(Q)
    for order in ("raw", "sorted"):
        Xs = np.stack([specot.hopfield_flatten(X1, order), specot.hopfield_flatten(X2, order)])
        _, p, idx, it = specot.hopfield_retrieve(Xs, specot.hopfield_flatten(Q, order), 2.0,
                                                 "dot")
        np.testing.assert_allclose(p, [1.1282646368e-08, 0.99999998872], rtol=1e-9)
        assert idx == 1 and it == 1
    xi, p, idx, _ = specot.hopfield_retrieve(Xi, xi0, 2.0, "dist")
    assert idx == 0 and p[1] == pytest.approx(1.8990646736e-16, rel=1e-9)
    # NumPy reference of one DOT update
    z = 2.0 * Xi @ xi0
    ref = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    xi, p, _, _ = specot.hopfield_retrieve(Xi, xi0, 2.0, "dot")
    np.testing.assert_allclose(p, ref, rtol=1e-12)
    np.testing.assert_allclose(xi, Xi.T @ ref, rtol=1e-12)


def test_errors(mem, tmp_path):
    with pytest.raises(ValueError, match="eps"):
        specot.Memory([X1], eps=0.0)
    with pytest.raises(ValueError, match="pattern 1"):
        specot.Memory([X1, [(1, 2, 3)]])
    with pytest.raises(ValueError):
        specot.Memory([X1], [[1, 1, -5, 1]])
    with pytest.raises(ValueError, match="columns"):
        mem.energy([(0, 0, 0)])
    with pytest.raises(ValueError):
        mem.energy(Q, [1, 1])
    with pytest.raises(IndexError):
        mem.pattern(2)
    with pytest.raises(OSError):
        specot.Memory.load(tmp_path / "nothing")
    with pytest.raises(ValueError, match="mode"):
        specot.hopfield_retrieve(np.eye(2), [1, 0], 1.0, "cosine")
