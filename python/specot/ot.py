"""specot's own OT calls beyond the POT names (C: specot/ot.h, docs/ot.md)."""
from . import _specot

__all__ = ["divergence"]


def divergence(X, Y, eps, a=None, b=None, scale=1.0, tol=1e-9, max_iter=100000, grad=False):
    """Debiased Sinkhorn divergence of Feydy et al.,
    S_eps = OT_eps(a,b) - (OT_eps(a,a) + OT_eps(b,b))/2 with OT_eps the
    KL-regularized value, for the cost scale |x - y|^2 (S_eps >= 0, = 0 iff the
    measures agree).  grad=True returns (value, grad_X, grad_Y)."""
    value, _, gx, gy = _specot.divergence(X, a, Y, b, float(eps), float(scale), float(tol),
                                          int(max_iter), bool(grad))
    return (value, gx, gy) if grad else value
