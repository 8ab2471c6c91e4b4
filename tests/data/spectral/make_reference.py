#!/usr/bin/env python3
"""Reference values for the spectral transport tests, computed with POT.

Run with /usr/bin/python3 (numpy 1.24, POT 0.8.2) from this folder:
    /usr/bin/python3 make_reference.py
Writes inst<k>_{X,Y,a,b}.npy and reference.csv with, per instance k:
    w2        = W_2^2 = W_{gamma_1}^2 by ot.emd2 (exact; the p = 1 value)
    fw_p2_ub  = gamma_2(Sigma(pi)) after 400 Frank-Wolfe steps with ot.emd as
                the LMO (a feasible plan: an UPPER bound on W_{gamma_2}^2)
    fw_inf_ub = same for p = inf with log-sum-exp smoothing (UPPER bound)
    sliced_lb = max over 400 random directions u of W_2^2(u#mu, u#nu)
                (a LOWER bound on W_p^2 for every p, spec section 6)
"""
import numpy as np
import ot


def sigma(X, Y, P):
    D = X[:, None, :] - Y[None, :, :]
    return np.einsum('ij,ijk,ijl->kl', P, D, D)


def gamma(S, p):
    w = np.clip(np.linalg.eigvalsh((S + S.T) / 2), 0, None)
    return w.max() if np.isinf(p) else (w ** p).sum() ** (1 / p)


def grad(S, p, tau):
    w, U = np.linalg.eigh((S + S.T) / 2)
    w = np.clip(w, 0, None)
    if np.isinf(p):
        q = np.exp((w - w.max()) / tau)
        q /= q.sum()
    else:
        q = (w / w.max()) ** (p - 1)
    return (U * q) @ U.T


def frank_wolfe(X, Y, a, b, p, iters=400):
    P = ot.emd(a, b, ot.dist(X, Y))
    best = gamma(sigma(X, Y, P), p)
    for t in range(iters):
        S = sigma(X, Y, P)
        Q = grad(S, p, 1e-3 * gamma(S, p))
        L = np.linalg.cholesky(Q + 1e-15 * np.eye(len(Q)))
        Pn = ot.emd(a, b, ot.dist(X @ L, Y @ L))
        Sn = sigma(X, Y, Pn)
        etas = np.linspace(0, 1, 101)
        vals = [gamma((1 - e) * S + e * Sn, p) for e in etas]
        e = etas[int(np.argmin(vals))]
        P = (1 - e) * P + e * Pn
        best = min(best, gamma(sigma(X, Y, P), p))
    return best


def sliced(X, Y, a, b, rng, ndir=400):
    d = X.shape[1]
    best = 0.0
    for _ in range(ndir):
        u = rng.standard_normal(d)
        u /= np.linalg.norm(u)
        x, y = X @ u, Y @ u
        best = max(best, ot.emd2_1d(x, y, a, b, metric='sqeuclidean'))
    return best


def main():
    rng = np.random.default_rng(20261125)
    rows = []
    for k, (n, m, d) in enumerate([(30, 25, 2), (40, 40, 3), (20, 35, 4)]):
        X = rng.standard_normal((n, d))
        Y = rng.standard_normal((m, d)) * np.linspace(2.0, 0.7, d) + 0.4
        a = rng.uniform(0.2, 1.0, n); a /= a.sum()
        b = rng.uniform(0.2, 1.0, m); b /= b.sum()
        for name, arr in zip('XYab', (X, Y, a, b)):
            np.save(f'inst{k}_{name}.npy', arr)
        w2 = ot.emd2(a, b, ot.dist(X, Y), numItermax=10**7)
        rows.append((k, w2, frank_wolfe(X, Y, a, b, 2.0), frank_wolfe(X, Y, a, b, np.inf),
                     sliced(X, Y, a, b, rng)))
    with open('reference.csv', 'w') as f:
        f.write('# k, w2, fw_p2_ub, fw_inf_ub, sliced_lb (see make_reference.py)\n')
        for r in rows:
            f.write(','.join(repr(float(v)) for v in r) + '\n')


if __name__ == '__main__':
    main()
