"""Argument helpers shared by the specot Python modules."""
import math

import numpy as np


def exponent(p, name="p"):
    """A Schatten exponent: a number, numpy.inf, or the string 'inf'."""
    if isinstance(p, str):
        if p.strip().lower() in ("inf", "infinity", "+inf"):
            return math.inf
        try:
            return float(p)
        except ValueError:
            raise ValueError(f"{name} = {p!r} is not a number or 'inf'") from None
    try:
        return float(p)
    except (TypeError, ValueError):
        raise ValueError(f"{name} = {p!r} is not a number or 'inf'") from None


def rtol_arg(rtol):
    """None selects the library's default rank cut-off (any negative value)."""
    return -1.0 if rtol is None else float(rtol)


def choice(value, options, name):
    """Index of `value` among `options` (a tuple of accepted strings)."""
    try:
        return options.index(str(value).lower().replace("-", "_"))
    except ValueError:
        raise ValueError(f"{name} = {value!r} must be one of {', '.join(options)}") from None


def like(result, ref):
    """Casts a float64 result to the floating dtype of a NumPy input (POT returns
    float32 plans for float32 costs)."""
    if not isinstance(ref, np.ndarray) or ref.dtype == np.float64:
        return result
    dt = ref.dtype
    if np.issubdtype(dt, np.floating):
        return result.astype(dt) if isinstance(result, np.ndarray) else dt.type(result)
    return result
