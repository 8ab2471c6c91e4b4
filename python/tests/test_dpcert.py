"""specot.dpcert against the spec's test vectors (shk_dp_memory.md sec. 4.6)
and against `specot dpcert --json` on the same inputs."""
import math

import pytest

import specot
from cli_helper import numbers, run_json, same

CASE1 = dict(du=1, eps0=1, lam=1, t=2, K=0, U=6, d=2)


def test_spec_case1_values():
    c = specot.dpcert(**CASE1, eps=(0, 0.1, 0.25, 0.5), delta=(0.01, 0.1))
    assert c["eta_A"] == pytest.approx(1 - math.exp(-2), rel=1e-11)
    assert c["eta_A"] == pytest.approx(0.864664716763, rel=1e-11)
    assert c["eta_B"] == pytest.approx(1.81201169942, rel=1e-11)
    assert c["eta"] == c["eps_pure"] == c["eta_A"]
    assert c["kl"] == pytest.approx(0.0934556340519, rel=1e-11)
    assert c["renyi"]["2"] == pytest.approx(0.186911268104, rel=1e-11)
    u = c["utility"]
    assert u["tv"] == pytest.approx(0.101154318419, rel=1e-11)
    assert u["sampling_error"] == pytest.approx(0.606925910517, rel=1e-11)
    assert u["intrinsic"] == pytest.approx(4.0, rel=1e-14)
    table = {0: (2.128609526583e-01, 4.072686502678e-01, 2.161661791908e-01, 2.581827098748e-01),
             0.1: (1.744163700953e-01, 3.760996001560e-01, 2.161661791908e-01, 2.120570563638e-01),
             0.25: (1.209554812697e-01, 3.230932659720e-01, 2.161661791908e-01,
                    1.492228294351e-01),
             0.5: (4.799659675854e-02, 2.150099330768e-01, 2.161661791908e-01, 6.982392511168e-02)}
    rho = c["eta"] ** 2 / 8
    for row in c["delta"]:
        br, rr, pinsker, cks = table[row["eps"]]
        assert row["delta_br"] == pytest.approx(br, rel=1e-10)
        assert row["delta_pinsker"] == pytest.approx(pinsker, rel=1e-10)
        assert specot.dpcert_delta_rr(row["eps"], c["eta"]) == pytest.approx(rr, rel=1e-10)
        assert specot.dpcert_delta_cks(row["eps"], rho) == pytest.approx(cks, rel=1e-9)
        # delta_BR is the smallest of the four in every row (spec 4.5)
        assert row["delta_br"] <= min(rr, pinsker, cks)
    inv = {r["delta"]: r["eps"] for r in c["eps_for_delta"]}
    assert inv[0.01] == pytest.approx(0.706406469967, rel=1e-10)
    assert inv[0.1] == pytest.approx(0.314253241301, rel=1e-10)


def test_spec_case2_unknown_K():
    c = specot.dpcert(du=1, eps0=1, lam=1, t=2, U=6, eps=(0, 0.5, 1), delta=(0.01, 0.1))
    assert math.isinf(c["eta_A"])
    assert c["eta"] == pytest.approx(1.81201169942, rel=1e-11)
    assert c["kl"] == pytest.approx(0.410423299854, rel=1e-11)
    got = [r["delta_br"] for r in c["delta"]]
    for g, want in zip(got, (4.243642824261e-01, 2.766165878220e-01, 1.330881623224e-01)):
        assert g == pytest.approx(want, rel=1e-10)
    inv = [r["eps"] for r in c["eps_for_delta"]]
    assert inv[0] == pytest.approx(1.620157119585, rel=1e-10)
    assert inv[1] == pytest.approx(1.129133337272, rel=1e-10)


def test_closed_forms_random_inputs(rng):
    # eta_A, eta_B, KL by their formulas (dpcert.h) on random valid inputs.
    for _ in range(20):
        du, eps0, lam, t = rng.uniform(0.2, 3, size=4)
        K, U = rng.uniform(0, 5, size=2)
        c = specot.dpcert(du=du, eps0=eps0, lam=lam, t=t, K=K, U=U)
        omega, M = eps0, eps0 * U / (2 * du)
        eta_a = (omega + 2 * K / lam) * (1 - math.exp(-lam * t))
        eta_b = omega + 2 * math.exp(-lam * t) * M
        assert c["eta_A"] == pytest.approx(eta_a, rel=1e-12)
        assert c["eta_B"] == pytest.approx(eta_b, rel=1e-12)
        assert c["eta"] == pytest.approx(min(eta_a, eta_b), rel=1e-12)
        assert c["kl"] == pytest.approx(c["eta"] ** 2 / 8, rel=1e-12)


@pytest.mark.parametrize("args", [
    dict(du=1, eps0=1, lam=1, t=2, K=0, U=6, d=2),
    dict(du=1, eps0=1, lam=1, t=2, U=6),
    dict(du=0.5, eps0=2, lam=0.3, t=5, M=1.5, monotone=True, kl=0.01, n_out=100),
    dict(du=1, eps0=1, lam=2, t=1, reaction_only=True),
])
def test_agrees_with_cli_json(args):
    flags = []
    names = {"lam": "--lambda", "kl": "--kl", "n_out": "--n-out"}
    for k, v in args.items():
        opt = names.get(k, "--" + k.replace("_", "-"))
        if v is True:
            flags.append(opt)
        else:
            flags += [opt, v]
    cli = numbers(run_json("dpcert", *flags))
    py = specot.dpcert(**args)
    del py["omega"], py["M"]
    same(py, cli, rtol=1e-15)


def test_errors():
    with pytest.raises(ValueError, match="certificate"):
        specot.dpcert(du=1, eps0=1, t=1)          # neither K nor U: eta = inf
    with pytest.raises(ValueError):
        specot.dpcert(du=-1, eps0=1, t=1, K=0)
    with pytest.raises(ValueError, match="delta"):
        specot.dpcert(du=1, eps0=1, t=1, K=0, delta=(0.5, 2.0))
    with pytest.raises(ValueError, match="eps"):
        specot.dpcert(du=1, eps0=1, t=1, K=0, eps=(-1,))
    with pytest.raises(ValueError, match="not both"):
        specot.dpcert(du=1, eps0=1, t=1, K=0, d=2, n_out=3)
