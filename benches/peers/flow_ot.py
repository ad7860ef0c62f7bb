"""POT half of `cargo xtask bench flow`: entropic OT by `ot.sinkhorn2` (kernel form)
and `ot.sinkhorn_log` (log domain) at n = N, and exact W2 by `ot.emd2` at n = M, on
the point clouds noether wrote (raw little-endian f64: x then y, each n x 2).

    VENV/bin/python flow_ot.py SINKHORN_POINTS N REG TOL EMD_POINTS M REPEATS

Settings: squared Euclidean costs (`ot.dist`), uniform weights, stopping threshold
TOL on the Euclidean norm of the column-marginal error (POT's rule, checked every
10 iterations), numItermax 1e5 for Sinkhorn; `ot.emd2` with numItermax 1e9.
`ot.sinkhorn_log` is timed over 20 iterations and scaled by sinkhorn2's iteration
count (a run to the threshold takes about an hour at n = 5000); the others are
medians of REPEATS. Timings include building the cost matrix, as ours do.
"""

import sys
import time
import warnings

import numpy as np
import ot

from peer import median, report

LOG_ITERS = 20


def load(path, n):
    pts = np.fromfile(path, dtype="<f8")
    return pts[: 2 * n].reshape(n, 2), pts[2 * n :].reshape(n, 2)


def timed(fn, repeats):
    samples, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        samples.append(time.perf_counter() - t0)
    return median(samples), samples, out


def main():
    sk_path, n, reg, tol = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    emd_path, m, repeats = sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
    x, y = load(sk_path, n)
    w = np.full(n, 1.0 / n)

    def kernel():
        M = ot.dist(x, y)
        cost, log = ot.sinkhorn2(w, w, M, reg, numItermax=100_000, stopThr=tol, log=True)
        return float(cost), int(log["niter"])

    def logdomain():
        # A fixed number of iterations (stopThr 0): the per-iteration time. The log
        # domain runs the same iteration as the kernel form (equal counts checked at
        # n = 1000 and 3000), so its time to TOL is this per-iteration time times
        # sinkhorn2's count; a full run at n = 5000 takes about an hour.
        M = ot.dist(x, y)
        t0 = time.perf_counter()
        G, log = ot.sinkhorn(w, w, M, reg, method="sinkhorn_log", numItermax=LOG_ITERS,
                             stopThr=0.0, log=True, warn=False)
        return (time.perf_counter() - t0) / LOG_ITERS, float(np.sum(G * M))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sk_s, sk_samples, (sk_cost, sk_iters) = timed(kernel, repeats)
        _, _, (log_per_iter, log_cost) = timed(logdomain, 1)
        log_s = log_per_iter * sk_iters
    xe, ye = load(emd_path, m)
    we = np.full(m, 1.0 / m)

    def exact():
        M = ot.dist(xe, ye)
        cost, log = ot.emd2(we, we, M, numItermax=1_000_000_000, log=True)
        return float(cost), log["warning"]

    emd_s, emd_samples, (emd_cost, emd_warning) = timed(exact, max(1, repeats // 2))
    report({
        "library": f"POT {ot.__version__} (numpy {np.__version__})",
        "sinkhorn2_s": sk_s,
        "sinkhorn2_samples": sk_samples,
        "sinkhorn2_cost": sk_cost,
        "sinkhorn2_iterations": sk_iters,
        "sinkhorn_log_s": log_s,
        "sinkhorn_log_s_per_iteration": log_per_iter,
        "sinkhorn_log_cost_after_fixed_iterations": log_cost,
        "emd2_s": emd_s,
        "emd2_samples": emd_samples,
        "emd2_cost": emd_cost,
        "emd2_warning": emd_warning,
        "warnings": sorted({str(w.message) for w in caught}),
    })


if __name__ == "__main__":
    main()
