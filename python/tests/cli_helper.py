"""Runs the specot CLI (path from $SPECOT_CLI, set by ctest; else the build
tree next to the package) and parses its --json output."""
import json
import math
import os
import pathlib
import subprocess

import pytest

import specot


def cli_path():
    p = os.environ.get("SPECOT_CLI")
    if p and os.path.exists(p):
        return p
    guess = pathlib.Path(specot.__file__).resolve().parents[2] / "specot"
    return str(guess) if guess.exists() else None


def run_json(*args):
    exe = cli_path()
    if exe is None:
        pytest.skip("specot CLI not found")
    out = subprocess.run([exe, *map(str, args), "--json"], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout, parse_constant=float)


def numbers(obj):
    """The CLI writes inf/nan as strings: back to floats, recursively."""
    if isinstance(obj, dict):
        return {k: numbers(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [numbers(v) for v in obj]
    if obj in ("inf", "-inf", "nan"):
        return float(obj)
    return obj


def same(a, b, rtol=1e-12):
    """Recursive equality with a relative tolerance on floats (NaN == NaN)."""
    if isinstance(a, dict):
        assert set(a) == set(b), (sorted(a), sorted(b))
        for k in a:
            same(a[k], b[k], rtol)
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y, rtol)
    elif isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        assert (math.isnan(a) and math.isnan(b)) or a == b or abs(a - b) <= rtol * abs(b), (a, b)
    else:
        assert a == b, (a, b)
