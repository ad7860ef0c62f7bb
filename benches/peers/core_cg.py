"""scipy half of `cargo xtask bench core`: CG on the 2-D 5-point Laplacian.

Builds the same matrix as noether's `Laplacian2d` (m x m interior grid on the unit
square, Dirichlet, scaled by 1/h^2) as CSR and times `scipy.sparse.linalg.cg`:
a fixed number of iterations (time per iteration, median of repeats) and the
iteration count to relative residual 1e-8. Prints one JSON object.
"""

import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from peer import median, report


def laplacian(m: int) -> sp.csr_matrix:
    h = 1.0 / (m + 1)
    t = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(m, m), format="csr")
    eye = sp.identity(m, format="csr")
    return ((sp.kron(eye, t) + sp.kron(t, eye)) / (h * h)).tocsr()


def main() -> None:
    m = int(sys.argv[1])
    iters = int(sys.argv[2])
    repeats = int(sys.argv[3])
    a = laplacian(m)
    n = m * m
    b = np.ones(n)
    samples = []
    for _ in range(repeats):
        count = [0]

        def cb(_xk):
            count[0] += 1

        t0 = time.perf_counter()
        spla.cg(a, b, x0=np.zeros(n), rtol=1e-300, atol=0.0, maxiter=iters, callback=cb)
        samples.append((time.perf_counter() - t0) / max(count[0], 1))
    count = [0]

    def cb2(_xk):
        count[0] += 1

    x, info = spla.cg(a, b, x0=np.zeros(n), rtol=1e-8, atol=0.0, maxiter=100000, callback=cb2)
    rel = float(np.linalg.norm(b - a @ x) / np.linalg.norm(b))
    report({
        "per_iter_s": median(samples),
        "samples": samples,
        "iterations_to_1e-8": count[0],
        "relative_residual": rel,
        "info": int(info),
        "scipy": scipy.__version__,
        "numpy": np.__version__,
    })


if __name__ == "__main__":
    main()
