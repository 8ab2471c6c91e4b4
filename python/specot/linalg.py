"""Schatten steepest-descent maps (LMOs), polar factors, Newton–Schulz and the
regularized orthogonalization O_eps (C: specot/linalg.h, docs/linalg.md)."""
from . import _specot
from ._common import choice, exponent, rtol_arg

__all__ = ["schatten_lmo", "particle_lmo", "block_lmo", "polar", "newton_schulz",
           "regularized_polar", "schatten_norm", "schatten_gauge"]


def schatten_lmo(G, p, rtol=None, return_dual=False):
    """J_p(G) = -||G||_{S_q}^{2-q} U diag(sigma^{q-1}) W^T, q = 2p/(2p-1), for p in
    [1/2, inf] (p = 1: -G; p = inf: Muon's -||G||_* U W^T), as the paper's
    toolbox `schatten_lmo(G, p, rtol=None)`.  rtol: rank cut-off relative to
    sigma_1 (None: DBL_EPSILON max(m, n)).  With return_dual=True also returns
    the dual norm ||G||_{S_q}."""
    V, dual = _specot.lmo(G, exponent(p), rtol_arg(rtol))
    return (V, dual) if return_dual else V


def particle_lmo(g, p, weights=None, rtol=None, return_dual=False):
    """Weighted particle LMO: v_i = [J_p(diag(sqrt w) g)]_i / sqrt(w_i) for the
    n x d forces g and weights w (None: uniform 1/n; must sum to 1)."""
    V, dual = _specot.particle_lmo(g, exponent(p), weights, rtol_arg(rtol))
    return (V, dual) if return_dual else V


def block_lmo(G, widths, p, gauge="sum", rtol=None, return_dual=False):
    """LMO over column blocks of the given widths with the 'sum' gauge (an
    independent J_p per block) or the 'max' gauge (a common clock)."""
    V, dual = _specot.block_lmo(G, list(widths), exponent(p), choice(gauge, ("sum", "max"), "gauge"),
                                rtol_arg(rtol))
    return (V, dual) if return_dual else V


def polar(G, method="auto", rtol=None):
    """Canonical polar factor U_r W_r^T of G (method 'auto', 'svd' or 'gram')."""
    return _specot.polar(G, choice(method, ("auto", "svd", "gram"), "method"), rtol_arg(rtol))


def newton_schulz(G, steps=5, schedule="kj5", eps=0.0):
    """Newton–Schulz orthogonalization as in Muon implementations, in double
    precision: X0 = G / (c ||G||_F + eps), then `steps` polynomial steps with the
    'kj5' (Keller Jordan quintic), 'polar_express' or 'cubic' coefficients."""
    sched = choice(schedule, ("kj5", "polar_express", "cubic"), "schedule")
    return _specot.newton_schulz(G, sched, int(steps), float(eps))


def regularized_polar(G, eps, return_potential=False):
    """O_eps(G) = G (G^T G + eps I)^{-1/2}; with return_potential=True also
    Phi_eps(G) = sum_i sqrt(sigma_i^2 + eps)."""
    O, phi = _specot.reg_polar(G, float(eps))
    return (O, phi) if return_potential else O


def schatten_norm(A, r):
    """||A||_{S_r} = (sum sigma_i^r)^(1/r), r >= 1 or inf (not squared)."""
    return _specot.schatten_norm(A, exponent(r, "r"))


def schatten_gauge(S, p):
    """gamma_p(S) = ||lambda(S)||_p of a symmetric PSD matrix, p in [1/2, inf]."""
    return _specot.schatten_gauge(S, exponent(p))
