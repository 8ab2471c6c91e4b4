"""The torch-compatible generator (C: specot_torch_rng_* in specot/rng.h):
the numbers PyTorch's default CPU generator draws after torch.manual_seed."""
from . import _specot

__all__ = ["torch_randn", "torch_randperm"]


def torch_randn(seed, n, dtype="float64"):
    """torch.manual_seed(seed); torch.randn(n, dtype=...) as a NumPy array.
    float64 matches torch bit for bit (x86-64); float32 bit for bit below 16
    entries and to a few float ulps above.  Only the low 32 bits of seed are
    used, as in torch."""
    kind = str(getattr(dtype, "__name__", dtype)).replace("torch.", "").replace("numpy.", "")
    if kind in ("float64", "double", "f8", "<f8", "float"):
        f32 = False
    elif kind in ("float32", "single", "f4", "<f4"):
        f32 = True
    else:
        raise ValueError(f"torch_randn: dtype = {dtype!r} must be float64 or float32")
    return _specot.torch_randn(int(seed) & 0xFFFFFFFFFFFFFFFF, int(n), f32)


def torch_randperm(seed, n):
    """torch.manual_seed(seed); torch.randperm(n) as an int64 NumPy array."""
    return _specot.torch_randperm(int(seed) & 0xFFFFFFFFFFFFFFFF, int(n))
