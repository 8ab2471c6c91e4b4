"""POT-compatible calls: `import specot as ot` runs POT code that uses these
names (emd, emd2, emd_1d, emd2_1d, sinkhorn, sinkhorn2, sinkhorn_divergence /
empirical_sinkhorn_divergence, dist, unif).  Differences are listed in
docs/python.md."""

import numpy as np

from . import _specot
from ._common import like

__all__ = ["emd", "emd2", "emd_1d", "emd2_1d", "sinkhorn", "sinkhorn2", "sinkhorn_divergence",
           "empirical_sinkhorn_divergence", "dist", "unif"]

# POT's network-simplex result codes.
_OPTIMAL, _MAX_ITER_REACHED = 1, 3
# Every POT Sinkhorn variant computes the same entropic plan; specot solves it
# with one log-domain, eps-scaled, over-relaxed solver.
_SINKHORN_METHODS = ("sinkhorn", "sinkhorn_knopp", "sinkhorn_log", "sinkhorn_stabilized",
                     "sinkhorn_epsilon_scaling", "greenkhorn")

def unif(n):
    """Uniform histogram of length n (POT's ot.unif)."""
    return np.full(int(n), 1.0 / int(n))

def _empty(x):
    """POT: None or an empty list/array means uniform weights."""
    if x is None:
        return True
    try:
        return len(x) == 0
    except TypeError:  # a scalar
        return False


def _one_histogram(b, who):
    if isinstance(b, np.ndarray):
        several = b.ndim > 1
    else:
        several = not _empty(b) and isinstance(b[0], (list, tuple, np.ndarray))
    if several:
        raise ValueError(f"{who}: several target histograms (2-D b) are not supported")


def _emd_type(a, b, M):
    """POT's ot.emd returns the type of a, else b (when a is empty), else M."""
    for x in (a, b):
        if not _empty(x):
            return x
    return M


def _sinkhorn_type(a, b, M):
    """NumPy's promotion of the inputs (POT's Sinkhorn computes in it)."""
    arrays = [x for x in (a, b, M) if not _empty(x)]
    if all(isinstance(x, np.ndarray) for x in arrays):
        return np.empty(0, dtype=np.result_type(*arrays))
    return M


def _emd(a, b, M, numItermax, dense):
    _one_histogram(b, "emd")
    return _specot.emd(a, b, M, int(numItermax), dense, True)

def _emd_log(cost, f, g, info, M):
    code = _MAX_ITER_REACHED if info["status"] == 1 else _OPTIMAL
    log = {"cost": cost, "u": like(f, M), "v": like(g, M), "warning": info["message"],
           "result_code": code}
    log.update({k: info[k] for k in ("lower_bound", "iterations", "marginal_error")})
    return log

def emd(a, b, M, numItermax=100000, log=False, center_dual=True, numThreads=1, **kwargs):
    """Exact OT plan (dense n x m) of POT's ot.emd, by specot's network simplex.
    a, b: histograms (empty list or None = uniform); M: cost matrix.  log=True
    adds {'cost', 'u', 'v', 'warning', 'result_code'} (potentials centred so
    that <a,u> = <b,v>, POT's center_dual rule)."""
    G, cost, f, g, info = _emd(a, b, M, numItermax, True)
    ref = _emd_type(a, b, M)
    if log:
        return like(G, ref), _emd_log(cost, f, g, info, ref)
    return like(G, ref)

def emd2(a, b, M, processes=1, numItermax=100000, log=False, return_matrix=False,
         center_dual=True, numThreads=1, **kwargs):
    """Exact OT cost <pi*, M> (POT's ot.emd2).  log=True returns (cost, log) with
    the keys of emd's log (and 'G' when return_matrix=True)."""
    G, cost, f, g, info = _emd(a, b, M, numItermax, bool(return_matrix))
    ref = _emd_type(a, b, M)
    if log or return_matrix:
        lg = _emd_log(cost, f, g, info, ref)
        if return_matrix:
            lg["G"] = like(G, ref)
        return cost, lg
    return cost

def _plan_1d(x_a, x_b, a, b, metric, p):
    (rows, cols, mass), cost, _, _ = _specot.emd_1d(x_a, a, x_b, b)
    if metric == "sqeuclidean":
        return rows, cols, mass, cost
    # The monotone plan is optimal for every convex function of x - y.
    x = np.asarray(x_a, dtype=np.float64).reshape(-1)
    y = np.asarray(x_b, dtype=np.float64).reshape(-1)
    gap = np.abs(x[rows] - y[cols])
    if metric in ("euclidean", "cityblock"):
        return rows, cols, mass, float(mass @ gap)
    if metric == "minkowski":
        if not p >= 1:
            raise ValueError(f"emd_1d: minkowski p = {p} must be >= 1")
        return rows, cols, mass, float(mass @ gap**p)
    raise ValueError(f"emd_1d: metric {metric!r} is not supported (sqeuclidean, euclidean, "
                     "cityblock, minkowski)")

def emd_1d(x_a, x_b, a=None, b=None, metric="sqeuclidean", p=1.0, dense=True, log=False):
    """1-D exact OT plan by sorting (POT's ot.emd_1d): dense n x m, or a
    scipy.sparse COO matrix with dense=False."""
    rows, cols, mass, cost = _plan_1d(x_a, x_b, a, b, metric, p)
    n, m = np.size(x_a), np.size(x_b)
    if dense:
        G = np.zeros((n, m))
        np.add.at(G, (rows, cols), mass)
    else:
        from scipy.sparse import coo_matrix
        G = coo_matrix((mass, (rows, cols)), shape=(n, m))
    return (G, {"cost": cost}) if log else G

def emd2_1d(x_a, x_b, a=None, b=None, metric="sqeuclidean", p=1.0, dense=True, log=False):
    """1-D exact OT cost (POT's ot.emd2_1d)."""
    rows, cols, mass, cost = _plan_1d(x_a, x_b, a, b, metric, p)
    if log:
        n, m = np.size(x_a), np.size(x_b)
        G = np.zeros((n, m))
        np.add.at(G, (rows, cols), mass)
        return cost, {"G": G}
    return cost

def _sinkhorn(a, b, M, reg, method, numItermax, stopThr, warn, want_plan):
    if str(method).lower() not in _SINKHORN_METHODS:
        raise ValueError(f"sinkhorn: unknown method {method!r}")
    _one_histogram(b, "sinkhorn")
    return _specot.sinkhorn(a, b, M, float(reg), float(stopThr), int(numItermax), want_plan,
                            bool(warn))

def _sinkhorn_log(a, b, M, reg, f, g, info):
    n, m = f.shape[0], g.shape[0]
    with np.errstate(divide="ignore"):
        la = np.log(np.full(n, 1.0 / n) if a is None or np.size(a) == 0 else np.asarray(a, float))
        lb = np.log(np.full(m, 1.0 / m) if b is None or np.size(b) == 0 else np.asarray(b, float))
    log_u, log_v = la + f / reg, lb + g / reg
    with np.errstate(over="ignore"):
        u, v = np.exp(log_u), np.exp(log_v)
    return {"u": like(u, M), "v": like(v, M), "log_u": log_u, "log_v": log_v,
            "niter": info["iterations"], "err": [info["marginal_error"]], "f": f, "g": g,
            "cost": info["cost"], "regularized_cost": info["regularized_cost"],
            "lower_bound": info["lower_bound"]}

def sinkhorn(a, b, M, reg, method="sinkhorn", numItermax=1000, stopThr=1e-9, verbose=False,
             log=False, warn=True, **kwargs):
    """Entropic OT plan pi = diag(u) exp(-M/reg) diag(v) (POT's ot.sinkhorn).
    stopThr bounds the L1 column-marginal violation (POT: the L2 norm, so ours
    is at least as strict).  log=True adds {'u', 'v', 'log_u', 'log_v', 'niter',
    'err'} (+ specot's 'f', 'g', 'cost', 'regularized_cost', 'lower_bound')."""
    plan, f, g, info = _sinkhorn(a, b, M, reg, method, numItermax, stopThr, warn, True)
    ref = _sinkhorn_type(a, b, M)
    if log:
        return like(plan, ref), _sinkhorn_log(a, b, ref, reg, f, g, info)
    return like(plan, ref)

def sinkhorn2(a, b, M, reg, method="sinkhorn", numItermax=1000, stopThr=1e-9, verbose=False,
              log=False, warn=True, **kwargs):
    """Linear cost <pi, M> of the entropic plan (POT's ot.sinkhorn2)."""
    _, f, g, info = _sinkhorn(a, b, M, reg, method, numItermax, stopThr, warn, False)
    ref = _sinkhorn_type(a, b, M)
    if log:
        return info["cost"], _sinkhorn_log(a, b, ref, reg, f, g, info)
    return info["cost"]

def dist(x1, x2=None, metric="sqeuclidean", p=2, w=None):
    """Pairwise cost matrix (POT's ot.dist): 'sqeuclidean' (default) and
    'euclidean' by specot (differences, never the expanded form, so >= 0);
    other metrics through scipy.spatial.distance.cdist."""
    x2 = x1 if x2 is None else x2
    if metric == "sqeuclidean" and w is None:
        return _specot.dist_sq(x1, x2)
    if metric == "euclidean" and w is None:
        return np.sqrt(_specot.dist_sq(x1, x2))
    from scipy.spatial.distance import cdist
    kw = {"p": p} if metric == "minkowski" else {}
    if w is not None:
        kw["w"] = w
    return cdist(np.asarray(x1, float), np.asarray(x2, float), metric=metric, **kw)

def sinkhorn_divergence(X, Y, reg, a=None, b=None, metric="sqeuclidean", numIterMax=10000,
                        stopThr=1e-9, verbose=False, log=False, warn=True, **kwargs):
    """POT's ot.bregman.empirical_sinkhorn_divergence: the debiased
    combination W(a,b) - (W(a,a) + W(b,b))/2 of the linear costs <pi, M> of the
    three entropic plans (POT's convention; specot.divergence gives the
    Feydy et al. S_eps built on the regularized values)."""
    terms = []
    logs = {}
    for key, (P, Q, p, q) in (("sinkhorn_loss_ab", (X, Y, a, b)), ("sinkhorn_loss_a", (X, X, a, a)),
                              ("sinkhorn_loss_b", (Y, Y, b, b))):
        M = dist(P, Q, metric=metric)
        value = sinkhorn2(p, q, M, reg, numItermax=numIterMax, stopThr=stopThr, warn=warn)
        terms.append(value)
        logs[key] = value
    div = terms[0] - 0.5 * (terms[1] + terms[2])
    return (div, logs) if log else div

def empirical_sinkhorn_divergence(X_s, X_t, reg, a=None, b=None, metric="sqeuclidean",
                                  numIterMax=10000, stopThr=1e-9, verbose=False, log=False,
                                  warn=True, **kwargs):
    """Alias of sinkhorn_divergence under POT's name and argument names."""
    return sinkhorn_divergence(X_s, X_t, reg, a, b, metric, numIterMax, stopThr, verbose, log,
                               warn, **kwargs)
