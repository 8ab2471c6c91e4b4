"""Certified spectral transport W_gamma^2 between point clouds and Gaussians,
and displacement interpolation (C: specot/spectral.h, docs/spectral.md)."""
import math
import warnings

import numpy as np

from . import _specot
from ._common import choice, exponent

__all__ = ["TransportResult", "transport", "gaussian", "geodesic"]


def _gauge(p, kyfan):
    if kyfan is not None:
        if p is not None:
            raise ValueError("give either p or kyfan, not both")
        if int(kyfan) != kyfan or kyfan < 1:
            raise ValueError(f"kyfan = {kyfan!r} must be an integer >= 1")
        return 1, 1.0, int(kyfan)
    return 0, exponent(math.inf if p is None else p), 0


class TransportResult:
    """Result of specot.transport: squared_cost (upper bound W_gamma^2 from the
    returned plan), lower_bound (W_Q^2 of the certificate Q), gap, relative_gap,
    sigma (d x d displacement matrix of the plan), dual (the certificate Q),
    plan (scipy.sparse COO n x m when SciPy is present, else the triplet
    (rows, cols, mass)), rows/cols/mass, iterations, ot_calls, converged."""

    def __init__(self, raw, n, m):
        self.squared_cost = raw["squared_cost"]
        self.lower_bound = raw["lower_bound"]
        self.gap = raw["gap"]
        self.relative_gap = raw["relative_gap"]
        self.sigma = raw["sigma"]
        self.dual = raw["dual"]
        self.rows, self.cols, self.mass = raw["rows"], raw["cols"], raw["mass"]
        self.iterations = raw["iterations"]
        self.ot_calls = raw["ot_calls"]
        self.columns = raw["columns"]
        self.converged = raw["status"] == 0
        self.message = raw["message"]
        self.shape = (n, m)

    @property
    def plan(self):
        try:
            from scipy.sparse import coo_matrix
        except ImportError:
            return self.rows, self.cols, self.mass
        return coo_matrix((self.mass, (self.rows, self.cols)), shape=self.shape)

    def __repr__(self):
        return (f"TransportResult(squared_cost={self.squared_cost:.12g}, "
                f"lower_bound={self.lower_bound:.12g}, gap={self.gap:.3g}, "
                f"converged={self.converged})")


def transport(X, Y, p=None, kyfan=None, a=None, b=None, tol=1e-6, max_iter=1000,
              oracle="exact", entropic_eps=0.01):
    """Certified W_gamma^2 = min_pi gamma(Sigma(pi)) between mu = (X, a) and
    nu = (Y, b), gamma the Schatten-p gauge (p in [1, inf], default inf) or the
    Ky Fan k gauge (kyfan=k).  Stops when (UB - LB) <= tol UB.  Returns a
    TransportResult; an iteration cap gives a UserWarning and valid bounds."""
    kind, pv, k = _gauge(p, kyfan)
    orc = choice(oracle, ("exact", "entropic"), "oracle")
    raw = _specot.transport(X, a, Y, b, kind, pv, k, float(tol), int(max_iter), orc,
                            float(entropic_eps))
    if raw["message"]:
        warnings.warn(raw["message"], UserWarning, stacklevel=2)
    return TransportResult(raw, np.shape(X)[0], np.shape(Y)[0])


def gaussian(m0, A, m1, B, p=None, kyfan=None, tol=1e-6, max_iter=1000):
    """Certified W_gamma^2 between N(m0, A) and N(m1, B).  Returns a dict with
    squared_cost, lower_bound, gap, relative_gap, cross (optimal
    cross-covariance K), sigma, dual, iterations, closed_form."""
    kind, pv, k = _gauge(p, kyfan)
    return _specot.gaussian(m0, A, m1, B, kind, pv, k, float(tol), int(max_iter))


def geodesic(X, Y, t, p=None, kyfan=None, a=None, b=None, plan=None, tol=1e-6):
    """Displacement interpolation mu_t at t in [0, 1]: atoms
    (1 - t) x_i + t y_j with the plan's masses.  plan: a TransportResult (or a
    scipy.sparse matrix / (rows, cols, mass) triplet); None solves
    transport(X, Y, p, kyfan, a, b, tol) first.  Returns (Z, weights)."""
    if plan is None:
        plan = transport(X, Y, p=p, kyfan=kyfan, a=a, b=b, tol=tol)
    if isinstance(plan, TransportResult):
        rows, cols, mass = plan.rows, plan.cols, plan.mass
    elif hasattr(plan, "tocoo"):
        coo = plan.tocoo()
        rows, cols, mass = coo.row, coo.col, coo.data
    else:
        rows, cols, mass = plan
    return _specot.geodesic(X, Y, rows, cols, mass, float(t))
