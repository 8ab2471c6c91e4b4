"""The SHK birth-death Langevin sampler and its DP certificates (C:
specot/shk.h, specot/dpcert.h; docs/shk.md)."""
import math

import numpy as np

from . import _specot
from ._common import choice

__all__ = ["shk_sample", "shk_gauss_ode", "dpcert", "dpcert_delta_br", "dpcert_eps_br",
           "dpcert_delta_rr", "dpcert_delta_cks", "dpcert_renyi", "DPCERT_SCOPE"]

_POTENTIALS = ("gaussian", "mixture", "double_well", "expmech")
_LOSSES = ("table", "median", "quantile", "linreg")
DPCERT_SCOPE = _specot.dpcert_scope()


def _nan(x):
    return math.nan if x is None else float(x)


def _potential(potential, dim, mean, cov, weights, means, covs, barrier, loss, data, eps0, du,
               lo, hi, q, wall):
    """Builds the C potential; returns (capsule, extra stats)."""
    kind = _POTENTIALS[choice(potential, _POTENTIALS, "potential")]
    if kind == "gaussian":
        m = np.atleast_1d(np.asarray(0.0 if mean is None else mean, dtype=float))
        if m.size == 1 and dim is not None:
            m = np.full(int(dim), float(m[0]))
        c = None if cov is None else np.asarray(cov, dtype=float)
        if c is not None and c.ndim < 2:
            c = np.diag(np.broadcast_to(np.atleast_1d(c), m.shape))
        return _specot.shk_potential_mixture([1.0], m[None, :],
                                             None if c is None else c[None, :, :]), {}
    if kind == "mixture":
        if weights is None or means is None:
            raise ValueError("shk_sample: potential 'mixture' needs weights and means")
        return _specot.shk_potential_mixture(weights, np.atleast_2d(means), covs), {}
    if kind == "double_well":
        return _specot.shk_potential_double_well(int(1 if dim is None else dim),
                                                 float(barrier)), {}
    if data is None:
        raise ValueError("shk_sample: potential 'expmech' needs data")
    ls = choice(loss, _LOSSES, "loss")
    d = 1
    if _LOSSES[ls] == "linreg":
        d = np.asarray(data).shape[1] - 1
    cap, du_used, U = _specot.shk_potential_expmech(ls, float(eps0), _nan(du), float(lo),
                                                    float(hi), float(q), _nan(wall), data, d)
    return cap, {"du": du_used, "U": U}


def shk_sample(potential, x0=None, steps=500, dt=None, lam=1.0, stride=1, bandwidth=0.0,
               self_term=True, langevin=True, kde="exact", kde_m=1000, max_events_warn=1.0, seed=1,
               dim=None, mean=None, cov=None, weights=None, means=None, covs=None, barrier=4.0,
               loss="median", data=None, eps0=1.0, du=None, lo=0.0, hi=1.0, q=0.5, wall=None,
               particles=1000, init_mean=0.0, init_std=None):
    """Runs `steps` steps of the SHK sampler (birth-death Langevin) from the
    particles x0 (N x d; 1-D = N particles in d = 1) and returns
    (particles, stats) with stats a dict: steps, sweeps, kills, duplications,
    skipped, expected_events, max_rate_tau, bandwidth (of the last sweep), t
    (= steps dt), plus du and U for 'expmech'.

    potential: 'gaussian' (mean, cov: full, diagonal or scalar), 'mixture'
    (weights, means K x d, covs K x d x d or None = identity), 'double_well'
    (barrier; dim = d), 'expmech' (loss 'median' | 'quantile' (q) | 'linreg'
    (data n x (d+1)) | 'table' (data 2 x n: grid, losses), eps0, du (None =
    the built-in sensitivity), box [lo, hi], wall).
    lam: reaction rate (0 = plain ULA); langevin=False: reaction only;
    bandwidth 0 = Silverman per sweep; kde 'exact' or 'subsample' (kde_m).

    x0 None: `particles` start points drawn as `specot shk --seed seed` draws
    them (N(init_mean, init_std^2) entries, init_std None = 3 for 'mixture',
    else 1; uniform on [lo, hi] for 'expmech'), so the same options give the
    CLI's particles.  Defaults are the CLI's: steps 500, dt 0.01 (None; for
    'expmech' 1e-3 (hi - lo)^2), barrier 4, particles 1000, seed 1."""
    kind = _POTENTIALS[choice(potential, _POTENTIALS, "potential")]
    if dt is None:
        dt = 1e-3 * (float(hi) - float(lo)) ** 2 if kind == "expmech" else 0.01
    if x0 is None:
        if dim is None:
            dim = 1
            if kind == "gaussian" and mean is not None:
                dim = np.atleast_1d(mean).size
            elif kind == "mixture" and means is not None:
                dim = np.atleast_2d(means).shape[1]
            elif kind == "expmech" and data is not None and str(loss).lower() == "linreg":
                dim = np.asarray(data).shape[1] - 1
        sd = (3.0 if kind == "mixture" else 1.0) if init_std is None else float(init_std)
        X = _specot.shk_start(int(seed) & 0xFFFFFFFFFFFFFFFF, int(particles), int(dim),
                              float(init_mean), sd, float(lo), float(hi), kind == "expmech")
    else:
        X = np.asarray(x0, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        if dim is None:
            dim = X.shape[1] if X.ndim == 2 else None
    cap, extra = _potential(potential, dim, mean, cov, weights, means, covs, barrier, loss, data,
                            eps0, du, lo, hi, q, wall)
    kde_i = choice(kde, ("exact", "subsample"), "kde")
    out, stats = _specot.shk_run(cap, X, int(steps), float(dt), float(lam), int(stride),
                                 float(bandwidth), int(bool(self_term)), int(bool(langevin)),
                                 kde_i, int(kde_m), float(max_events_warn),
                                 int(seed) & 0xFFFFFFFFFFFFFFFF)
    stats["t"] = int(steps) * float(dt)
    stats.update(extra)
    return out, stats


def shk_gauss_ode(t, m=0.0, s2=1.0, mean0=0.0, var0=1.0, lam=1.0, h=0.0, langevin=True):
    """Mean-field 1-D Gaussian reference (specot_shk_gauss_ode): (mean, var)
    of rho_t for the target N(m, s2) from N(mean0, var0)."""
    return _specot.shk_gauss_ode(float(m), float(s2), float(mean0), float(var0), float(lam),
                                 float(h), int(bool(langevin)), float(t))


def dpcert_renyi(eta, alpha):
    """min(eta, alpha eta^2 / 8), alpha > 1."""
    return _specot.dpcert_fn(0, float(eta), float(alpha))


def dpcert_delta_br(eps, eta):
    """The exact hockey-stick curve delta_BR(eps) of an eta-bounded-range pair."""
    return _specot.dpcert_fn(1, float(eps), float(eta))


def dpcert_eps_br(delta, eta):
    """The smallest eps >= 0 with delta_BR(eps) <= delta."""
    return _specot.dpcert_fn(2, float(delta), float(eta))


def dpcert_delta_rr(eps, eta):
    """delta_RR(eps) (randomized-response dominance), a cross-check."""
    return _specot.dpcert_fn(3, float(eps), float(eta))


def dpcert_delta_cks(eps, rho):
    """CKS conversion of rho-zCDP to delta at eps, a cross-check."""
    return _specot.dpcert_fn(5, float(eps), float(rho))


def dpcert(du, eps0, t, lam=1.0, K=None, U=None, M=None, monotone=False, reaction_only=False,
           kl=None, d=None, n_out=None, eps=(0, 0.1, 0.25, 0.5, 1),
           delta=(1e-6, 1e-5, 1e-3, 1e-2)):
    """Mean-field DP certificate of one draw from an SHK sampler of the
    exponential mechanism (specot_dpcert_shk), as a dict with the keys of
    `specot dpcert --json`: eta_A, eta_B, eta, eps_pure, kl, renyi {'2', '4',
    '8'}, delta [{eps, delta_br, delta_pinsker}], eps_for_delta [{delta, eps}],
    utility {tv, sampling_error[, intrinsic, bound]} (with U), scope; plus
    omega and M.  Unbounded values are float('inf') (the CLI writes "inf").
    Without K, U or M (and not reaction_only) no certificate exists:
    ValueError."""
    if d is not None and n_out is not None:
        raise ValueError("dpcert: give d or n_out, not both")
    eps = [float(e) for e in eps]
    delta = [float(x) for x in delta]
    if any(not e >= 0 for e in eps):
        raise ValueError(f"dpcert: eps values must be >= 0, got {eps}")
    if any(not 0 < x <= 1 for x in delta):
        raise ValueError(f"dpcert: delta values must be in (0, 1], got {delta}")
    c = _specot.dpcert(float(du), float(eps0), float(lam), float(t), _nan(K), _nan(U), _nan(M),
                       bool(monotone), bool(reaction_only), _nan(kl),
                       0 if d is None else int(d), 0 if n_out is None else int(n_out))
    eta = c["eta"]
    out = {k: c[k] for k in ("eta_A", "eta_B", "eta", "eps_pure", "kl")}
    out["renyi"] = {str(a): dpcert_renyi(eta, a) for a in (2, 4, 8)}
    pinsker = _specot.dpcert_fn(4, c["kl"], 0.0)
    out["delta"] = [{"eps": float(e), "delta_br": dpcert_delta_br(e, eta),
                     "delta_pinsker": pinsker} for e in eps]
    out["eps_for_delta"] = [{"delta": float(x), "eps": dpcert_eps_br(x, eta)} for x in delta]
    if U is not None:
        u = {"tv": c["tv"], "sampling_error": c["sampling_error"]}
        if not math.isnan(c["intrinsic"]):
            u["intrinsic"] = c["intrinsic"]
            u["bound"] = c["intrinsic"] + c["sampling_error"]
        out["utility"] = u
    out["scope"] = DPCERT_SCOPE
    out["omega"] = c["omega"]
    out["M"] = c["M"]
    return out
