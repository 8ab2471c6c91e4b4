"""specot.torch_randn / torch_randperm against real torch."""
import numpy as np
import pytest

import specot

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("seed,n", [(0, 1), (0, 15), (1, 16), (42, 17), (123456789, 1000),
                                    (2**32 + 5, 33), (7, 0)])
def test_randn_float64_bit_for_bit(seed, n):
    torch.manual_seed(seed)
    ref = torch.randn(n, dtype=torch.float64).numpy()
    got = specot.torch_randn(seed, n)
    assert got.dtype == np.float64 and got.shape == (n,)
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("seed,n", [(0, 10), (3, 100)])
def test_randn_float32(seed, n):
    torch.manual_seed(seed)
    ref = torch.randn(n, dtype=torch.float32).numpy()
    got = specot.torch_randn(seed, n, dtype="float32")
    assert got.dtype == np.float32
    if n < 16:
        np.testing.assert_array_equal(got, ref)
    else:
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)


def test_randperm():
    for seed, n in ((0, 10), (5, 1000)):
        torch.manual_seed(seed)
        np.testing.assert_array_equal(specot.torch_randperm(seed, n), torch.randperm(n).numpy())


def test_errors():
    with pytest.raises(ValueError):
        specot.torch_randn(0, -1)
    with pytest.raises(ValueError):
        specot.torch_randn(0, 3, dtype="int32")
