#!/usr/bin/env python3
"""CLI tests of `specot transport`, `specot gaussian` and `specot geodesic`
against POT reference values (tests/data/spectral, made by make_reference.py)
and NumPy recomputations of the outputs.  argv[1] is the specot binary."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

CLI = sys.argv[1]
DATA = os.path.join(os.environ.get('SPECOT_TEST_DATA', 'tests/data'), 'spectral')
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print('FAIL:', msg)


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)


def transport(*args):
    r = run('transport', *args, '--json', '--quiet')
    check(r.returncode == 0, f'transport {args}: exit {r.returncode} {r.stderr}')
    return json.loads(r.stdout)


def gamma(S, p):
    w = np.clip(np.linalg.eigvalsh((S + S.T) / 2), 0, None)
    return w.max() if np.isinf(p) else (w ** p).sum() ** (1 / p)


def main():
    tmp = tempfile.mkdtemp()
    ref = np.loadtxt(os.path.join(DATA, 'reference.csv'), delimiter=',', ndmin=2)
    for k, w2, fw2, fwinf, sliced in ref:
        k = int(k)
        f = {c: os.path.join(DATA, f'inst{k}_{c}.npy') for c in 'XYab'}
        X, Y, a, b = (np.load(f[c]) for c in 'XYab')
        common = [f['X'], f['Y'], '--a', f['a'], '--b', f['b']]
        r1 = transport(*common, '-p', '1')
        check(abs(r1['squared_cost'] - w2) <= 1e-9 * w2, f'inst{k} p=1 vs ot.emd2')
        plan = os.path.join(tmp, 'plan.csv')
        dual = os.path.join(tmp, 'Q.npy')
        for p, fw in ((2.0, fw2), (np.inf, fwinf)):
            r = transport(*common, '-p', str(p), '--plan', plan, '--dual', dual, '--tol', '1e-7')
            ub, lb = r['squared_cost'], r['lower_bound']
            check(r['status'] == 'converged', f'inst{k} p={p} status')
            check(0 <= r['gap'] <= 1e-7 * ub + 1e-14, f'inst{k} p={p} gap {r["gap"]}')
            check(ub <= fw * (1 + 1e-9), f'inst{k} p={p}: {ub} above the POT Frank-Wolfe {fw}')
            check(ub >= sliced * (1 - 1e-9), f'inst{k} p={p}: below the sliced bound')
            check(ub <= w2 * (1 + 1e-12), f'inst{k} p={p}: above W2^2')
            # The plan is feasible and gives the reported UB; Q certifies LB.
            P = np.loadtxt(plan, delimiter=',', ndmin=2)
            dense = np.zeros((len(a), len(b)))
            dense[P[:, 0].astype(int), P[:, 1].astype(int)] = P[:, 2]
            check(np.allclose(dense.sum(1), a, atol=1e-13) and np.allclose(dense.sum(0), b, atol=1e-13),
                  f'inst{k} p={p}: plan marginals')
            D = X[:, None, :] - Y[None, :, :]
            S = np.einsum('ij,ijk,ijl->kl', dense, D, D)
            check(abs(gamma(S, p) - ub) <= 1e-12 * ub, f'inst{k} p={p}: UB is gamma(Sigma(plan))')
            Q = np.load(dual)
            wq = np.linalg.eigvalsh(Q)
            check(wq.min() >= -1e-12, f'inst{k} p={p}: Q not PSD')
            if np.isinf(p):
                check(wq.sum() <= 1 + 1e-12, f'inst{k}: tr Q > 1')
            else:
                check((np.clip(wq, 0, None) ** 2).sum() <= 1 + 1e-12, f'inst{k}: ||Q||_2 > 1')
            import ot
            L = np.linalg.cholesky(Q + 1e-14 * np.eye(len(Q)))
            wqot = ot.emd2(a, b, ot.dist(X @ L, Y @ L), numItermax=10**7)
            check(abs(wqot - lb) <= 1e-7 * ub, f'inst{k} p={p}: LB {lb} vs POT W_Q^2 {wqot}')
        # Entropic oracle (instance 0 only): certified bounds bracket the exact value.
        if k == 0:
            exact = transport(*common, '-p', '2', '--tol', '1e-9')['squared_cost']
            re = transport(*common, '-p', '2', '--entropic', '1e-3', '--tol', '1e-2')
            check(re['lower_bound'] <= exact * (1 + 1e-9) <= re['squared_cost'] * (1 + 2e-9),
                  f'entropic bounds {re["lower_bound"]} {exact} {re["squared_cost"]}')
        # Ky Fan d is W2^2; Ky Fan 1 is p = inf.
        d = X.shape[1]
        rk = transport(*common, '--kyfan', str(d))
        check(abs(rk['squared_cost'] - w2) <= 1e-9 * w2, f'inst{k} Ky Fan d')

    # Geodesic: the midpoint is at W^2/4 from mu_0 (instance B of the spec, p = 2).
    Xb = np.array([[-1.2, -1.2], [1.2, -1.5], [-0.8, 1.6]])
    Yb = np.array([[0.8, 0.4], [-1.7, -1.7], [-1.7, -1.3]])
    fx, fy = os.path.join(tmp, 'X.npy'), os.path.join(tmp, 'Y.npy')
    np.save(fx, Xb)
    np.save(fy, Yb)
    z0, w0 = os.path.join(tmp, 'Z0.npy'), os.path.join(tmp, 'w0.npy')
    zh, wh = os.path.join(tmp, 'Zh.npy'), os.path.join(tmp, 'wh.npy')
    for t, z, w in (('0', z0, w0), ('0.5', zh, wh)):
        r = run('geodesic', fx, fy, '-p', '2', '-t', t, '-o', z, '--weights-out', w, '--quiet')
        check(r.returncode == 0, f'geodesic t={t}: {r.stderr}')
    r = transport(z0, zh, '--a', w0, '--b', wh, '-p', '2', '--tol', '1e-10')
    check(abs(r['squared_cost'] - 0.77030803405458) <= 1e-8, f'geodesic midpoint {r["squared_cost"]}')

    # Gaussian G3 of the spec and its cross-covariance output.
    files = {}
    for name, arr in (('m0', [0, 0]), ('m1', [1, .5]), ('A', [[2, .5], [.5, 1]]),
                      ('B', [[1, -.3], [-.3, 3]]), ('N', [[1, 0], [0, -1]])):
        files[name] = os.path.join(tmp, name + '.npy')
        np.save(files[name], np.array(arr, dtype=float))
    kf = os.path.join(tmp, 'K.npy')
    r = run('gaussian', '--mean0', files['m0'], '--cov0', files['A'], '--mean1', files['m1'],
            '--cov1', files['B'], '-p', 'inf', '--json', '--cross', kf, '--tol', '1e-9')
    check(r.returncode == 0, 'gaussian: ' + r.stderr)
    g = json.loads(r.stdout)
    check(abs(g['squared_cost'] - 1.4496093089982) <= 1e-8, f'gaussian G3 p=inf {g["squared_cost"]}')
    K = np.load(kf)
    A, B = np.array([[2, .5], [.5, 1]]), np.array([[1, -.3], [-.3, 3]])
    joint = np.block([[A, K], [K.T, B]])
    check(np.linalg.eigvalsh(joint).min() >= -1e-9, 'gaussian: cross-covariance infeasible')
    dl = np.array([1, .5])
    check(abs(gamma(np.outer(dl, dl) + A + B - K - K.T, np.inf) - g['squared_cost']) <= 1e-9,
          'gaussian: UB is gamma(D(K))')

    # Error paths: exit codes and one-line messages.
    bad = [
        (['transport', fx, fy, '-p', '0.5'], 2, "'0.5' for -p"),
        (['transport', fx, fy, '--kyfan', '3'], 3, 'k = 3'),
        (['transport', fx, fy], 2, '-p'),
        (['transport', fx, fy, '-p', '2', '--entropic', '0'], 2, '--entropic'),
        (['transport', fx, fy, '-p', '2', '--kyfan', '1'], 2, 'exactly one'),
        (['transport', fx, files['m0'], '-p', '2'], 3, 'dimension mismatch'),
        (['transport', fx, fy, '-p', '2', '--a', files['m1'], '--b', os.path.join(DATA, 'inst0_a.npy')],
         3, 'entries'),
        (['gaussian', '--mean0', files['m0'], '--cov0', files['N'], '--mean1', files['m1'], '--cov1',
          files['B'], '-p', '2'], 3, 'positive semidefinite'),
        (['gaussian', '--mean0', files['m0'], '--cov0', files['A'], '-p', '2'], 2, 'required'),
        (['geodesic', fx, fy, '-p', '2', '-t', '2', '-o', z0], 2, '-t'),
        (['transport', fx, '/nonexistent.npy', '-p', '2'], 3, 'nonexistent'),
    ]
    wa, wb = os.path.join(tmp, 'wa.npy'), os.path.join(tmp, 'wb.npy')
    np.save(wa, np.array([0.5, 0.3, 0.2]))
    np.save(wb, np.array([0.5, 0.3, 0.3]))
    bad.append((['transport', fx, fy, '-p', '2', '--a', wa, '--b', wb], 3, 'sum to'))
    nanf = os.path.join(tmp, 'nan.csv')
    with open(nanf, 'w') as f:
        f.write('0,0\nnan,1\n1,1\n')
    bad.append((['transport', nanf, fy, '-p', '2'], 3, ''))
    # Further usage and input errors: unknown options, non-symmetric
    # covariance, Ky Fan order out of range, bad -p values.
    nsym = os.path.join(tmp, 'nsym.npy')
    np.save(nsym, np.array([[1, .3], [-.3, 3]]))
    bad += [
        (['transport', fx, fy, '-p', '2', '--bogus'], 2, 'unknown option'),
        (['transport', fx, fy, '-p', 'nan'], 2, '-p'),
        (['transport', fx, fy, '--kyfan', '0'], 2, "'0' for --kyfan"),
        (['gaussian', '--mean0', files['m0'], '--cov0', files['A'], '--mean1', files['m1'], '--cov1',
          nsym, '-p', '2'], 3, 'not symmetric'),
        (['gaussian', '--mean0', files['m0'], '--cov0', files['A'], '--mean1', files['m1'], '--cov1',
          files['B'], '--kyfan', '3'], 3, 'k = 3'),
        (['gaussian', '--mean0', files['m0'], '--cov0', files['A'], '--mean1', files['m1'], '--cov1',
          files['B'], '-p', '2', '--bogus'], 2, 'unknown'),
        (['geodesic', fx, fy, '-p', '0.5', '-t', '0.5', '-o', z0], 2, "'0.5' for -p"),
    ]
    # --quiet is accepted by gaussian as by transport and geodesic; a
    # max-iterations warning is then silent too.
    r = run('gaussian', '--mean0', files['m0'], '--cov0', files['A'], '--mean1', files['m1'],
            '--cov1', files['B'], '-p', 'inf', '--max-iter', '1', '--quiet')
    check(r.returncode == 0 and r.stderr == '', f'gaussian --quiet: {r.returncode} {r.stderr!r}')
    for args, code, text in bad:
        r = subprocess.run([CLI, *args], capture_output=True, text=True, timeout=60)
        check(r.returncode == code, f'{args}: exit {r.returncode}, expected {code} ({r.stderr.strip()})')
        check(text in r.stderr, f'{args}: message {r.stderr.strip()!r} lacks {text!r}')

    if failures:
        print(f'{len(failures)} failure(s)')
        sys.exit(1)
    print('all CLI checks passed')


if __name__ == '__main__':
    main()
