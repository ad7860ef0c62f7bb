"""Python half of `cargo xtask bench gp`: the exact solve of (K1⊗K2⊗K3 + σ²I)x = y
by the same eigendecomposition algorithm in numpy (eigh of the factors, mode
products by tensordot), on the same factors noether builds (squared-exponential
Gram matrices on a uniform grid of [0, 1], jitter 1e-6). Prints one JSON object with
the median time over repeats.

    VENV/bin/python gp_kron.py N SIGMA2 REPEATS [--serve]

With `--serve`, it then answers `solve 0 N` requests (N wall times of the solve, as
a JSON list) until `quit`, so that `cargo xtask bench gp` can interleave its timings
with ours under the same machine load.
"""

import sys

import numpy as np

from peer import median_time, report, serve


def main():
    n, sigma2, repeats = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    x = np.linspace(0.0, 1.0, n)
    k = np.exp(-((x[:, None] - x[None, :]) ** 2) / (2 * 0.2**2)) + 1e-6 * np.eye(n)
    factors = [k, k, k]
    y = np.cos(np.arange(n**3) * 0.37).reshape(n, n, n)

    def solve():
        eig = [np.linalg.eigh(f) for f in factors]
        lam = [e[0] for e in eig]
        q = [e[1] for e in eig]
        z = y
        for d in range(3):  # Qᵀ along each mode
            z = np.moveaxis(np.tensordot(q[d].T, z, axes=([1], [d])), 0, d)
        s = lam[0][:, None, None] * lam[1][None, :, None] * lam[2][None, None, :] + sigma2
        z = z / s
        for d in range(3):
            z = np.moveaxis(np.tensordot(q[d], z, axes=([1], [d])), 0, d)
        return z, np.log(s).sum()

    wall, (z, logdet) = median_time(solve, repeats)
    report({
        "library": f"numpy {np.__version__}",
        "solve_s": wall,
        "checksum": float(z.ravel()[:1000].sum()),
        "logdet": float(logdet),
    })
    serve(lambda _name, _arg: solve)


if __name__ == "__main__":
    main()
