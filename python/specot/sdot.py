"""Semi-discrete optimal transport (C: specot/sdot.h, docs/sdot.md): heights
h of the Brenier potential u_h(x) = max_j <x, y_j> + h_j from a continuous
source (uniform cube [-1/2, 1/2]^d or N(0, I_d)) to weighted points Y."""
import math

from . import _specot
from ._common import choice

__all__ = ["sdot_solve", "sdot_map", "sdot_cells", "sdot_exact", "sdot_generate",
           "precision_recall"]

_SOURCES = ("cube", "gauss")
_SOLVERS = ("adam", "asgd", "newton")
_MAPS = ("hard", "soft", "masked")


def _source(source):
    s = str(source).lower()
    return choice("gauss" if s in ("gaussian", "normal") else s, _SOURCES, "source")


def sdot_solve(Y, nu=None, source="cube", solver="adam", h0=None, seed=1, **options):
    """Solves semi-discrete OT from `source` ('cube' = uniform on
    [-1/2, 1/2]^d, 'gauss' = N(0, I_d)) to the points Y (n x d; 1-D = n
    points in d = 1) with weights nu (None = uniform; > 0, summing to 1).

    solver 'adam' (pyOMT's Adam; options lr, lr_decay, beta1, beta2,
    adam_eps, bias_correction, batch_size, batches, max_batches, patience,
    qmc, average_from, max_iter, tol, grad_tol, eval_samples, eval_every),
    'asgd' (averaged SGD on the entropic semi-dual; lr, eps, step_power,
    eps_power, batch_size, max_iter, tol, eval_samples, eval_every) or
    'newton' (exact damped Newton, d = 1 or d = 2 cube; tol, max_iter,
    max_halvings, warm_start).  Unset options keep the C defaults
    (docs/sdot.md).  h0: start heights (None = zeros).

    Returns a dict: h (mean 0), iterations, max_rel_error (max_j |w_j -
    nu_j| / nu_j on the evaluation sample, exact for Newton), empty_cells,
    energy, w2 (W2^2), grad_norm, samples, status ('converged' or 'max_iter',
    the latter also a UserWarning), status_code."""
    s = choice(solver, _SOLVERS, "solver")
    allowed = {
        "adam": ("lr", "lr_decay", "beta1", "beta2", "adam_eps", "bias_correction", "batch_size",
                 "batches", "max_batches", "patience", "qmc", "average_from", "max_iter", "tol",
                 "grad_tol", "eval_samples", "eval_every"),
        "asgd": ("lr", "eps", "step_power", "eps_power", "batch_size", "max_iter", "tol",
                 "eval_samples", "eval_every"),
        "newton": ("tol", "max_iter", "max_halvings", "warm_start"),
    }[_SOLVERS[s]]
    for k in options:
        if k not in allowed:
            raise TypeError(f"sdot_solve: unknown option {k!r} for solver {_SOLVERS[s]!r} "
                            f"(accepted: {', '.join(allowed)})")
    opts = {k: (int(v) if isinstance(v, bool) else v) for k, v in options.items()}
    return _specot.sdot_solve(Y, nu, _source(source), s, h0, int(seed) & 0xFFFFFFFFFFFFFFFF,
                              opts)


def sdot_map(Y, h, X, kind="hard", tau=None, theta_max=math.pi, full=False):
    """The map of heights h at the points X (N x d): 'hard' T_h(x) = y_{j*(x)},
    'soft' grad u_tau(x) = sum_j softmax(pi(x)/tau)_j y_j, 'masked' the soft
    map restricted to planes within the facet angle theta_max of the best.
    tau > 0 is required by 'soft' and 'masked'.  full=True returns
    (T, u_tau, neff): the smoothed potential and the effective number of
    targets 1 / sum_j p_j^2."""
    k = choice(kind, _MAPS, "kind")
    if tau is None:
        if k != 0:
            raise ValueError(f"sdot_map: kind {_MAPS[k]!r} needs tau > 0")
        tau = 1.0
    out, u, neff = _specot.sdot_map(Y, h, X, k, float(tau), float(theta_max))
    return (out, u, neff) if full else out


def sdot_cells(Y, h, X, nu=None, source="cube"):
    """The cells of heights h at the points X: (idx, best, gap, mass) with
    idx[k] = argmax_j <x_k, y_j> + h_j (lowest index on ties), best = u_h(x_k),
    gap = best minus the second best value, mass[j] = fraction of X in cell j."""
    return _specot.sdot_cells(Y, nu, _source(source), h, X)


def sdot_exact(Y, h, nu=None, source="cube", hessian=False):
    """Exact cells (d = 1 cube or Gaussian, d = 2 cube): a dict with masses
    w, first moments (n x d), energy E(h) and, with hessian=True, the
    Hessian dw/dh (n x n)."""
    w, mom, H, energy = _specot.sdot_exact(Y, nu, _source(source), h, bool(hessian))
    out = {"w": w, "moment": mom, "energy": energy}
    if hessian:
        out["hessian"] = H
    return out


def sdot_generate(Y, h, X, count=None, top_k=2, theta_max=0.4, lam=None, one_per_first=False,
                  seed=1):
    """AE-OT's released generator (pyOMT demo1/demo2): for each source point of
    X take the top_k planes, keep the pairs (best, other) whose facet angle is
    below theta_max, and emit count samples (1 - lam) y_a + lam y_b over the
    shuffled pairs (lam None = uniform random per sample, demo1; demo2 uses
    top_k=20, lam=0.75, one_per_first=True).  Returns (samples, npairs); with
    no admissible pair the samples are hard-map targets and a UserWarning is
    issued.  count None = len(X)."""
    n = len(X) if count is None else int(count)
    return _specot.sdot_generate(Y, h, X, n, int(top_k), float(theta_max),
                                 -1.0 if lam is None else float(lam), bool(one_per_first),
                                 int(seed) & 0xFFFFFFFFFFFFFFFF)


def precision_recall(real, generated, k=3):
    """Improved precision and recall (Kynkaanniemi et al. 2019) with k nearest
    neighbours: (precision, recall)."""
    return _specot.precision_recall(real, generated, int(k))
