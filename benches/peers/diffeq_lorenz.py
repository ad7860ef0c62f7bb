"""Python half of `cargo xtask bench diffeq`: work-precision on Lorenz, t in [0, 100].

For each tolerance, times diffrax (JAX on CPU, float64, jit-compiled and warmed) with
Tsit5, Dopri5 and Dopri8 under a PID controller with diffrax's defaults, and
`scipy.integrate.solve_ivp` with RK45 (the Dopri5 pair) and DOP853. Reports median
wall time over repeats, step counts, RHS evaluations where the library reports them,
and the final state. Prints one JSON object.

With `--serve`, it then keeps the jit-compiled diffrax solves and answers timing
requests on stdin, one per line: `METHOD TOL N` prints a JSON list of N wall times;
`quit` ends. `cargo xtask bench diffeq` uses this to interleave diffrax's timings
with its own, so that both see the same machine load.
"""

import sys

import scipy
from scipy.integrate import solve_ivp

from diffrax_peer import diffrax_or_note, timed_solve
from peer import median_time, report, serve


T1 = 100.0
Y0 = [1.0, 1.0, 1.0]


def lorenz_np(t, y):
    return [10.0 * (y[1] - y[0]), y[0] * (28.0 - y[2]) - y[1], y[0] * y[1] - 8.0 / 3.0 * y[2]]


def run_scipy(tols, repeats):
    rows = []
    for method in ["RK45", "DOP853"]:
        for tol in tols:
            wall, sol = median_time(
                lambda: solve_ivp(lorenz_np, (0.0, T1), Y0, method=method, rtol=tol, atol=tol), repeats
            )
            rows.append({
                "library": f"scipy {scipy.__version__}", "method": method, "tol": tol,
                "wall_s": wall, "nfev": int(sol.nfev), "steps": int(len(sol.t) - 1),
                "y1": [float(v) for v in sol.y[:, -1]],
            })
    return rows


COMPILED = {}


def run_diffrax(tols, repeats):
    modules, note = diffrax_or_note()
    if modules is None:
        return [], note
    _, jnp, diffrax = modules

    def vf(t, y, args):
        return jnp.stack([10.0 * (y[1] - y[0]), y[0] * (28.0 - y[2]) - y[1], y[0] * y[1] - 8.0 / 3.0 * y[2]])

    term = diffrax.ODETerm(vf)
    y0 = jnp.array(Y0, dtype=jnp.float64)
    rows = []
    for name, solver in [("Tsit5", diffrax.Tsit5()), ("Dopri5", diffrax.Dopri5()), ("Dopri8", diffrax.Dopri8())]:
        for tol in tols:
            ctrl = diffrax.PIDController(rtol=tol, atol=tol)
            row, run = timed_solve(term, solver, ctrl, T1, y0, 10_000_000, repeats)
            COMPILED[(name, tol)] = run
            rows.append({"method": name, "tol": tol, **row})
    return rows, None


def main():
    tols = [float(t) for t in sys.argv[1].split(",")]
    repeats = int(sys.argv[2])
    ref = solve_ivp(lorenz_np, (0.0, T1), Y0, method="DOP853", rtol=1e-13, atol=1e-13)
    diffrax_rows, note = run_diffrax(tols, repeats)
    report({
        "reference_y1": [float(v) for v in ref.y[:, -1]],
        "scipy": run_scipy(tols, repeats),
        "diffrax": diffrax_rows,
        "note": note,
    })
    serve(lambda method, tol: COMPILED[(method, float(tol))])


if __name__ == "__main__":
    main()
