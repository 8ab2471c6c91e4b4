"""Spectral particle flows and the discrete Muon step (C: specot/flows.h,
docs/flows.md)."""
import math

from . import _specot
from ._common import choice, exponent

__all__ = ["flow", "muon_step", "attention_predict", "attention_effective_tokens"]

_METHODS = ("euler", "momentum", "hamiltonian")
_GAUGES = ("schatten", "block_sum", "block_max")
_KINETIC = ("particle", "matrix")


def flow(x0, model, steps=100, dt=0.01, p=math.inf, method="euler", weights=None,
         target=None, target_weights=None, A=None, B=None, z=None, y=None, mmd_eps=0.1,
         tau=1.0, gamma=1.0, eps=0.01, kinetic="particle", gauge="schatten", blocks=None,
         max_step=0.0, clamp=0.0, record_every=1):
    """Runs `steps` steps of the spectral particle flow from x0 (n x d) and
    returns the trajectory as arrays: a dict with 't', 'energy', 'dissipation',
    'ratio', 'kinetic', 'hamiltonian', 'distance', 'step_norm' (length
    steps + 1; index 0 is the initial state), 'snapshots' (particles at steps
    0, record_every, 2 record_every, ...: shape (steps // record_every + 1, n, d)),
    'particles' (the final ones), 'rises', 'inequality_violations', 'max_rise'.

    model: 'mmd' (target, target_weights, mmd_eps), 'quadratic'
    (1/2 ||A X - B||_F^2), 'gaussian_kl' (target covariance), 'relu' (data z,
    labels y; particles (u, v) with d = 1 + z.shape[1]), 'attention' (the
    mean-field attention layer: sequences z and targets y, both nseq x m x dt;
    particles are heads (Q, K, V, O) of d = 4 dh dt, energy 1/2 mean (f - y)^2).
    method: 'euler', 'momentum' (tau), 'hamiltonian' (gamma, eps, kinetic).
    p in [1, inf] (1: gradient flow, inf: Muon flow); gauge 'schatten',
    'block_sum', 'block_max' with blocks = column widths."""
    models = ("mmd", "quadratic", "gaussian_kl", "relu", "attention")
    name = models[choice(model, models, "model")]
    data = {"mmd": (target, target_weights), "quadratic": (A, B), "gaussian_kl": (target, None),
            "relu": (z, y), "attention": (z, y)}[name]
    return _specot.flow(x0, weights, name, data[0], data[1], float(mmd_eps),
                        choice(method, _METHODS, "method"), exponent(p), float(dt), float(tau),
                        float(gamma), float(eps), choice(kinetic, _KINETIC, "kinetic"),
                        choice(gauge, _GAUGES, "gauge"), None if blocks is None else list(blocks),
                        float(max_step), float(clamp), int(steps), int(record_every))


_CONVENTIONS = ("kj", "torch", "torch_rms", "moonlight")
_ORTHO = ("ns5", "polar", "regularized")


def muon_step(W, G, momentum=None, convention="kj", lr=None, beta=None, nesterov=None,
              weight_decay=None, ortho="ns5", ns_steps=5, eps=None):
    """One Muon optimizer step (Keller Jordan 'kj', torch.optim.Muon 'torch',
    'torch_rms' (match_rms_adamw), 'moonlight'); None keeps the convention's
    default.  Returns (W_new, momentum_new, update) without changing the inputs;
    momentum None means zeros (the first step)."""
    neg = -1.0
    return _specot.muon_step(W, G, momentum, choice(convention, _CONVENTIONS, "convention"),
                             neg if lr is None else float(lr), neg if beta is None else float(beta),
                             -1 if nesterov is None else int(bool(nesterov)),
                             neg if weight_decay is None else float(weight_decay),
                             choice(ortho, _ORTHO, "ortho"), int(ns_steps),
                             neg if eps is None else float(eps))


def attention_predict(heads, z, weights=None):
    """Predictions f(z_s) (nseq x m x dt) of the attention heads (n x 4 dh dt,
    rows (Q, K, V, O) each dh x dt row-major; weights None = 1/n) on the
    sequences z (nseq x m x dt): f(z)_j = sum_h w_h O_h^T sum_i A_ji V_h z_i,
    A_j. = softmax_i(<Q z_j, K z_i> / sqrt(dh))."""
    return _specot.attention(heads, weights, z, 0)


def attention_effective_tokens(heads, z):
    """Mean participation ratio 1 / sum_i A_ji^2 over sequences, heads and
    query positions (in [1, m])."""
    return _specot.attention(heads, None, z, 1)
