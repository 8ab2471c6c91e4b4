"""Ctrl-C during a long solve: SIGINT stops the C solver at its next poll of
the cancel flag and KeyboardInterrupt is raised; the interpreter's handler is
restored and later calls work."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import specot


def interrupt_after(delay):
    def fire():
        time.sleep(delay)
        os.kill(os.getpid(), signal.SIGINT)

    t = threading.Thread(target=fire)
    t.start()
    return t


def long_sinkhorn():
    # stopThr below any reachable violation: the solve runs all numItermax iterations (minutes).
    rng = np.random.default_rng(0)
    M = specot.dist(rng.normal(size=(300, 2)), rng.normal(size=(300, 2)))
    return specot.sinkhorn2([], [], M, 1e-3, numItermax=10**8, stopThr=1e-300)


def long_flow():
    rng = np.random.default_rng(1)
    return specot.flow(rng.normal(size=(50, 3)), "mmd", target=rng.normal(size=(40, 3)),
                       steps=10**7, record_every=10**7)


def long_shk():
    return specot.shk_sample("gaussian", particles=400, steps=10**8, dt=0.001)


def long_sdot():
    # tol 0 is never met: Adam runs max_iter steps (hours).
    return specot.sdot_solve(np.linspace(-1, 1, 20), solver="adam", tol=0.0, max_iter=10**9,
                             batch_size=2000, eval_every=10**8)


@pytest.mark.parametrize("solve", [long_sinkhorn, long_flow, long_shk, long_sdot])
def test_sigint_interrupts_a_long_solve(solve):
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    before = signal.getsignal(signal.SIGINT)
    t = interrupt_after(0.3)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        solve()
    elapsed = time.monotonic() - start
    t.join()
    assert elapsed < 20.0  # the uninterrupted solve would take minutes
    assert signal.getsignal(signal.SIGINT) is before
    # The next call runs normally.
    assert np.isclose(specot.emd2([], [], [[0.0, 1.0], [1.0, 0.0]]), 0.0)


def test_calls_from_another_thread_work():
    result = {}

    def work():
        result["v"] = specot.emd2([], [], [[0.0, 1.0], [1.0, 0.0]])

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert result["v"] == 0.0


def test_concurrent_solves_agree_with_serial():
    rng = np.random.default_rng(3)
    problems = [specot.dist(rng.normal(size=(60, 3)), rng.normal(size=(50, 3))) for _ in range(4)]
    serial = [specot.emd2([], [], M) for M in problems]
    results = [None] * 4

    def work(k):
        results[k] = specot.emd2([], [], problems[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == serial
