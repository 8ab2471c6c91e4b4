"""specot.shk_sample and shk_gauss_ode: closed forms of the mean-field
dynamics, the sampler's moments on Gaussian targets, bit-for-bit agreement
with `specot shk` on the same options, error mapping."""
import json
import math
import subprocess

import numpy as np
import pytest

import specot
from cli_helper import cli_path


def test_gauss_ode_langevin_is_ou():
    # Langevin only (lambda = 0): Ornstein-Uhlenbeck closed form.
    m, s2, mu0, v0, t = 1.5, 0.7, -1.0, 2.0, 0.8
    mean, var = specot.shk_gauss_ode(t, m=m, s2=s2, mean0=mu0, var0=v0, lam=0.0)
    assert mean == pytest.approx(m + (mu0 - m) * math.exp(-t / s2), rel=1e-12)
    assert var == pytest.approx(s2 + (v0 - s2) * math.exp(-2 * t / s2), rel=1e-12)


def test_gauss_ode_reaction_closed_form():
    # Reaction only, exact rate: natural parameters relax linearly (shk.h).
    m, s2, mu0, v0, lam, t = 0.5, 2.0, -1.0, 0.5, 1.3, 0.9
    mean, var = specot.shk_gauss_ode(t, m=m, s2=s2, mean0=mu0, var0=v0, lam=lam,
                                     langevin=False)
    e = math.exp(-lam * t)
    a = 1 / s2 + (1 / v0 - 1 / s2) * e
    b = m / s2 + (mu0 / v0 - m / s2) * e
    assert var == pytest.approx(1 / a, rel=1e-12)
    assert mean == pytest.approx(b / a, rel=1e-12)


def test_sampler_reaches_gaussian_target():
    # N(m, s2) in 1-D: ULA + birth-death from N(0, 1); moments within Monte Carlo error.
    m, s2 = 2.0, 0.5
    X, st = specot.shk_sample("gaussian", particles=1000, steps=400, dt=0.01, mean=[m],
                              cov=[[s2]], seed=7)
    assert X.shape == (1000, 1)
    assert st["steps"] == 400 and st["sweeps"] == 400 and st["t"] == pytest.approx(4.0)
    assert st["kills"] + st["duplications"] > 0
    assert X.mean() == pytest.approx(m, abs=0.1)
    assert X.var() == pytest.approx(s2, rel=0.2)


def test_plain_langevin_matches_ou_and_conserves_n(rng):
    # lam = 0: no birth-death; the particle law follows the OU mean-field solution.
    x0 = rng.normal(-1.0, 1.0, size=(3000, 1))
    X, st = specot.shk_sample("gaussian", x0, steps=100, dt=0.005, lam=0.0, mean=[1.0],
                              cov=[[1.0]], seed=3)
    assert st["sweeps"] == 0 and st["kills"] == 0
    mean, var = specot.shk_gauss_ode(0.5, m=1.0, s2=1.0, mean0=-1.0, var0=1.0, lam=0.0)
    assert X.mean() == pytest.approx(mean, abs=0.06)
    assert X.var() == pytest.approx(var, rel=0.08)
    assert x0[0, 0] != X[0, 0]  # the input is not modified, the output moved
    assert np.all(np.isfinite(X))


def test_reaction_only_kernelised_matches_ode(rng):
    # Reaction only with a fixed bandwidth: the kernelised mean-field ODE (shk.h).
    h = 0.3
    x0 = rng.normal(0.0, 1.5, size=(1500, 1))
    X, _ = specot.shk_sample("gaussian", x0, steps=50, dt=0.02, lam=1.0, langevin=False,
                             bandwidth=h, mean=[0.5], cov=[[1.0]], seed=11)
    mean, var = specot.shk_gauss_ode(1.0, m=0.5, s2=1.0, mean0=0.0, var0=2.25, lam=1.0, h=h,
                                     langevin=False)
    assert X.mean() == pytest.approx(mean, abs=0.1)
    assert X.var() == pytest.approx(var, rel=0.15)


def test_double_well_symmetric():
    X, _ = specot.shk_sample("double_well", particles=600, steps=300, dt=0.005, dim=2,
                             barrier=2.0, seed=5)
    assert X.shape == (600, 2)
    frac = np.mean(X[:, 0] > 0)
    assert 0.35 < frac < 0.65
    assert np.mean(np.abs(np.abs(X[:, 0]) - 1) < 0.6) > 0.6


def test_expmech_median_concentrates():
    data = np.array([0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.9])
    X, st = specot.shk_sample("expmech", particles=400, steps=400, loss="median", data=data,
                              eps0=50.0, seed=2)
    assert st["du"] == pytest.approx(1.0) and st["U"] == pytest.approx(len(data))
    assert np.median(X) == pytest.approx(np.median(data), abs=0.1)


@pytest.mark.parametrize("target", ["gauss", "double-well", "expmech"])
def test_particles_agree_with_cli(tmp_path, target):
    exe = cli_path()
    if exe is None:
        pytest.skip("specot CLI not found")
    out = tmp_path / "x.npy"
    args = [exe, "shk", "--target", target, "--particles", "200", "--steps", "60", "--seed",
            "9", "--stride", "2", "-o", str(out), "--json"]
    kw = {}
    if target == "double-well":
        args += ["--dim", "2", "--dt", "0.01"]
        kw = dict(dim=2, dt=0.01)
    elif target == "expmech":
        data = np.array([0.1, 0.3, 0.35, 0.5, 0.8])
        np.savetxt(tmp_path / "d.csv", data[:, None], delimiter=",")
        args += ["--data", str(tmp_path / "d.csv"), "--eps0", "5", "--U", "5"]
        kw = dict(data=data, eps0=5.0)
    else:
        args += ["--dt", "0.01"]
        kw = dict(dt=0.01)
    j = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    kind = {"gauss": "gaussian", "double-well": "double_well", "expmech": "expmech"}[target]
    X, st = specot.shk_sample(kind, particles=200, steps=60, stride=2, seed=9, **kw)
    np.testing.assert_array_equal(X, np.load(out))
    for key in ("sweeps", "kills", "duplications", "skipped"):
        assert st[key] == j[key]
    assert st["bandwidth"] == j["bandwidth"] and st["t"] == pytest.approx(j["t"], rel=1e-15)
    if target == "expmech":
        assert st["du"] == j["du"] and st["U"] == j["U"]
        cert = specot.dpcert(du=st["du"], eps0=5.0, t=st["t"], U=st["U"])
        assert cert["eta"] == j["certificate"]["eta"]


def test_errors():
    with pytest.raises(ValueError, match="potential"):
        specot.shk_sample("banana", np.zeros((4, 1)), steps=1, dt=0.1)
    with pytest.raises(ValueError):
        specot.shk_sample("gaussian", np.zeros((4, 1)), steps=1, dt=-0.1)
    with pytest.raises(ValueError, match="columns"):
        specot.shk_sample("gaussian", np.zeros((4, 2)), steps=1, dt=0.1, mean=[0.0, 0.0, 0.0])
    with pytest.raises(ValueError):
        specot.shk_sample("mixture", np.zeros((4, 1)), steps=1, dt=0.1, weights=[1, -1],
                          means=[[0.0], [1.0]])
    with pytest.raises(ValueError):
        specot.shk_sample("gaussian", np.full((4, 1), np.nan), steps=1, dt=0.1)
    with pytest.raises(ValueError, match="du"):
        specot.shk_sample("expmech", particles=10, steps=1, loss="linreg",
                          data=np.ones((5, 3)))
