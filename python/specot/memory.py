"""The Sinkhorn associative memory and its Euclidean Hopfield baselines (C:
specot/memory.h, docs/memory.md)."""
import os

import numpy as np

from . import _specot
from ._common import choice

__all__ = ["Memory", "RetrievalResult", "hopfield_flatten", "hopfield_retrieve"]


class RetrievalResult:
    """Result of Memory.retrieve: index (k* = argmin_k S_k at the end,
    0-based), index_start, points and weights (the retrieved cloud), S_start
    and S (debiased divergences to every pattern), w (attention weights),
    energy_start, energy, energy_trace (energy after each accepted step,
    index 0 = the query), attention_start, attention (exp of the entropy of
    w, in [1, K]), steps, halvings, evaluations, sinkhorn_iterations, stop
    ('tol', 'max_steps' or 'stationary'), status_code."""

    def __init__(self, d):
        self.__dict__.update(d)

    def __repr__(self):
        return (f"RetrievalResult(index={self.index}, energy={self.energy:.6g}, "
                f"attention={self.attention:.4g}, steps={self.steps}, stop={self.stop!r})")


def _opts(**kw):
    return {k: v for k, v in kw.items() if v is not None}


class Memory:
    """Stores K point clouds (patterns) for retrieval by the SHK flow of the
    energy E(q) = -(1/beta) log sum_k exp(-beta S_eps(q, P_k)).

    Memory(clouds, weights=None, eps=0.1, beta=1.0, sinkhorn_tol=None,
    sinkhorn_max_iter=None): clouds is a list of (n_k x d) arrays; weights
    None (uniform) or a list of n_k weights (normalised per pattern).
    Memory.load(path) reads a directory written by save(path)."""

    def __init__(self, clouds, weights=None, eps=0.1, beta=1.0, sinkhorn_tol=None,
                 sinkhorn_max_iter=None, _capsule=None):
        if _capsule is not None:
            self._mem = _capsule
            return
        clouds = [np.atleast_2d(np.asarray(c, dtype=float)) for c in clouds]
        if not clouds:
            raise ValueError("Memory: need at least one pattern")
        d = clouds[0].shape[1]
        for k, c in enumerate(clouds):
            if c.ndim != 2 or c.shape[1] != d:
                raise ValueError(f"Memory: pattern {k} has shape {c.shape}, expected (n, {d})")
        Y = np.concatenate(clouds, axis=0)
        sizes = [c.shape[0] for c in clouds]
        b = None
        if weights is not None:
            if len(weights) != len(clouds):
                raise ValueError(f"Memory: {len(weights)} weight vectors for {len(clouds)} "
                                 "patterns")
            parts = []
            for k, (w, n) in enumerate(zip(weights, sizes)):
                w = np.full(n, 1.0 / n) if w is None else np.asarray(w, dtype=float).ravel()
                if w.size != n:
                    raise ValueError(f"Memory: weights {k} has {w.size} entries, pattern {k} "
                                     f"has {n} points")
                parts.append(w)
            b = np.concatenate(parts)
        self._mem = _specot.memory_store(Y, sizes, b, float(eps), float(beta),
                                         _opts(sinkhorn_tol=sinkhorn_tol,
                                               sinkhorn_max_iter=sinkhorn_max_iter))

    @classmethod
    def load(cls, path, sinkhorn_tol=None, sinkhorn_max_iter=None):
        """Loads a memory saved by save() (OSError when path holds none)."""
        return cls(None, _capsule=_specot.memory_load(
            os.fspath(path), _opts(sinkhorn_tol=sinkhorn_tol,
                                   sinkhorn_max_iter=sinkhorn_max_iter)))

    def save(self, path):
        """Writes manifest.json and one .npy pair per pattern into the directory."""
        _specot.memory_save(self._mem, os.fspath(path))

    @property
    def K(self):
        return _specot.memory_info(self._mem)[0]

    def __len__(self):
        return self.K

    @property
    def d(self):
        return _specot.memory_info(self._mem)[1]

    @property
    def eps(self):
        return _specot.memory_info(self._mem)[2]

    @property
    def beta(self):
        return _specot.memory_info(self._mem)[3]

    def pattern(self, k):
        """(points, normalised weights, self term OT_eps(P_k, P_k)) of pattern k."""
        return _specot.memory_pattern(self._mem, int(k))

    def energy(self, X, a=None, gamma=0.0):
        """One evaluation at the query cloud X (m x d) with weights a (None =
        uniform): a dict with energy, attention, index, iterations, S (K
        divergences S_eps), w (attention weights), v (m x d velocity) and phi
        (m, the weight potential, centred)."""
        return _specot.memory_energy(self._mem, a, X, float(gamma))

    def retrieve(self, X, a=None, tau=None, eta=None, max_steps=None, max_halvings=None,
                 tol_energy=None, gamma=None, attention_warn=None):
        """Retrieval by the discretised SHK flow from the query (X, a); the
        inputs are not modified.  None keeps the C defaults (tau 0.5, eta =
        eps, max_steps 15, max_halvings 3, tol_energy 1e-5, gamma 0,
        attention_warn 2).  Returns a RetrievalResult; a spread attention at
        the end or a Sinkhorn iteration cap is a UserWarning."""
        return RetrievalResult(_specot.memory_retrieve(
            self._mem, a, X, _opts(tau=tau, eta=eta, max_steps=max_steps,
                                   max_halvings=max_halvings, tol_energy=tol_energy,
                                   gamma=gamma, attention_warn=attention_warn)))

    def __repr__(self):
        K, d, eps, beta = _specot.memory_info(self._mem)
        return f"Memory(K={K}, d={d}, eps={eps:g}, beta={beta:g})"


def hopfield_flatten(X, order="raw"):
    """vec of the n x d cloud X ('raw' order or 'sorted' lexicographically)."""
    return _specot.hopfield_flatten(X, choice(order, ("raw", "sorted"), "order") == 1)


def hopfield_retrieve(stored, xi, beta, mode="dot", max_iter=1, tol=0.0):
    """Modern Hopfield update (Ramsauer et al.) on the stored vectors (K x D)
    from xi (D): 'dot' xi <- Xi softmax(beta Xi^T xi), 'dist' with
    softmax(-(beta/2) |xi - Xi_k|^2).  Returns (xi, p, index, iterations)."""
    return _specot.hopfield_retrieve(stored, xi, float(beta),
                                     choice(mode, ("dot", "dist"), "mode"), int(max_iter),
                                     float(tol))
