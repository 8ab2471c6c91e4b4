"""specot's linear algebra against NumPy SVD definitions on random inputs."""
import numpy as np
import pytest

import specot


def lmo_ref(G, p):
    """J_p(G) = -||G||_{S_q}^{2-q} U diag(s^{q-1}) W^T (the toolbox's definition)."""
    U, s, Wt = np.linalg.svd(G, full_matrices=False)
    if p == 1:
        return -G
    q = 1.0 if np.isinf(p) else 2 * p / (2 * p - 1)
    nq = np.sum(s**q) ** (1 / q)
    return -(nq ** (2 - q)) * (U * s ** (q - 1)) @ Wt


@pytest.mark.parametrize("shape", [(7, 4), (3, 9), (6, 6)])
@pytest.mark.parametrize("p", [1.0, 1.5, 2.0, 4.0, np.inf])
def test_schatten_lmo_matches_svd_definition(rng, shape, p):
    G = rng.normal(size=shape)
    V, dual = specot.schatten_lmo(G, p, return_dual=True)
    np.testing.assert_allclose(V, lmo_ref(G, p), rtol=1e-11, atol=1e-12)
    assert np.isclose(np.sum(G * V), -dual**2, rtol=1e-12)


def test_schatten_lmo_string_inf_and_list_input():
    G = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    np.testing.assert_allclose(specot.schatten_lmo(G, "inf"), lmo_ref(np.array(G), np.inf),
                               rtol=1e-12)


def test_non_contiguous_and_float32_inputs_are_converted(rng):
    big = rng.normal(size=(12, 10))
    G = big[::2, 1::2]  # a strided view
    assert not G.flags.c_contiguous
    np.testing.assert_allclose(specot.schatten_lmo(G, 2.0), lmo_ref(np.ascontiguousarray(G), 2.0),
                               rtol=1e-11)
    G32 = G.astype(np.float32)
    np.testing.assert_allclose(specot.schatten_lmo(G32, 2.0),
                               lmo_ref(G32.astype(np.float64), 2.0), rtol=1e-10)
    F = np.asfortranarray(G)
    np.testing.assert_allclose(specot.polar(F), specot.polar(np.ascontiguousarray(G)), rtol=1e-13)


def test_particle_lmo_weighted_definition(rng):
    g = rng.normal(size=(9, 3))
    w = rng.uniform(0.5, 1.5, size=9)
    w /= w.sum()
    V = specot.particle_lmo(g, np.inf, weights=w)
    sw = np.sqrt(w)[:, None]
    np.testing.assert_allclose(V, lmo_ref(sw * g, np.inf) / sw, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(specot.particle_lmo(g, 2.0), lmo_ref(g, 2.0), rtol=1e-11)


def test_block_lmo_sum_and_max(rng):
    G = rng.normal(size=(5, 5))
    V = specot.block_lmo(G, [2, 3], 2.0, gauge="sum")
    np.testing.assert_allclose(V[:, :2], lmo_ref(G[:, :2], 2.0), rtol=1e-11)
    np.testing.assert_allclose(V[:, 2:], lmo_ref(G[:, 2:], 2.0), rtol=1e-11)
    Vm = specot.block_lmo(G, (2, 3), np.inf, gauge="max")
    total = sum(np.linalg.svd(G[:, b], compute_uv=False).sum() for b in (slice(0, 2), slice(2, 5)))
    for b in (slice(0, 2), slice(2, 5)):
        U, _, Wt = np.linalg.svd(G[:, b], full_matrices=False)
        np.testing.assert_allclose(Vm[:, b], -total * U @ Wt, rtol=1e-10)


@pytest.mark.parametrize("method", ["auto", "svd", "gram"])
def test_polar_matches_svd(rng, method):
    G = rng.normal(size=(8, 5))
    U, _, Wt = np.linalg.svd(G, full_matrices=False)
    np.testing.assert_allclose(specot.polar(G, method=method), U @ Wt, rtol=1e-10, atol=1e-12)


def test_newton_schulz_is_the_composed_polynomial(rng):
    G = rng.normal(size=(6, 4))
    U, s, Wt = np.linalg.svd(G, full_matrices=False)
    x = s / np.linalg.norm(G)
    a, b, c = 3.4445, -4.7750, 2.0315
    for _ in range(5):
        x = a * x + b * x**3 + c * x**5
    np.testing.assert_allclose(specot.newton_schulz(G), (U * x) @ Wt, rtol=1e-10, atol=1e-12)
    Q = specot.newton_schulz(G, steps=40, schedule="cubic")
    np.testing.assert_allclose(Q, U @ Wt, rtol=1e-9, atol=1e-10)


def test_regularized_polar_and_potential(rng):
    G = rng.normal(size=(4, 7))
    eps = 0.3
    U, s, Wt = np.linalg.svd(G, full_matrices=False)
    O, phi = specot.regularized_polar(G, eps, return_potential=True)
    np.testing.assert_allclose(O, (U * (s / np.sqrt(s**2 + eps))) @ Wt, rtol=1e-11)
    assert np.isclose(phi, np.sum(np.sqrt(s**2 + eps)), rtol=1e-12)


def test_norm_and_gauge(rng):
    A = rng.normal(size=(5, 3))
    s = np.linalg.svd(A, compute_uv=False)
    assert np.isclose(specot.schatten_norm(A, 3), np.sum(s**3) ** (1 / 3), rtol=1e-12)
    S = A.T @ A
    assert np.isclose(specot.schatten_gauge(S, "inf"), s[0] ** 2, rtol=1e-12)


def test_linalg_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="p"):
        specot.schatten_lmo(np.eye(2), 0.25)
    with pytest.raises(ValueError, match="2-D"):
        specot.schatten_lmo(np.ones(3), 2.0)
    with pytest.raises(ValueError, match="non-finite|finite"):
        specot.polar([[1.0, np.nan], [0.0, 1.0]])
    with pytest.raises(ValueError, match="method"):
        specot.polar(np.eye(2), method="qr")
    with pytest.raises(ValueError, match="width"):
        specot.block_lmo(np.eye(3), [0, 3], 2.0)


def test_numerical_error_is_an_arithmetic_error():
    assert issubclass(specot.NumericalError, ArithmeticError)
    # O_eps of a matrix whose Gram matrix overflows is a numerical failure.
    with pytest.raises(specot.NumericalError):
        specot.regularized_polar(np.full((2, 2), 1e300), 1.0)


def test_read_only_input_is_used_in_place(rng):
    G = rng.normal(size=(5, 4))
    G.flags.writeable = False
    np.testing.assert_allclose(specot.schatten_lmo(G, np.inf), lmo_ref(G, np.inf), rtol=1e-11)
