"""Python half of the Robertson part of `cargo xtask bench diffeq`.

Robertson's stiff chemical kinetics on t in [0, 1e5] from (1, 0, 0). For each
(rtol, atol) pair: scipy `solve_ivp` BDF and Radau (analytic Jacobian), and diffrax
Kvaerno5 (JAX on CPU, float64, jit-compiled and warmed, PID controller at the same
tolerances). Median wall time over repeats, steps, RHS evaluations where reported,
final state. The reference is Radau at rtol 1e-13. Prints one JSON object.
"""

import sys

import scipy
from scipy.integrate import solve_ivp

from diffrax_peer import diffrax_or_note, timed_solve
from peer import median_time, report


T1 = 1e5
Y0 = [1.0, 0.0, 0.0]


def rober(t, y):
    r1, r2, r3 = 0.04 * y[0], 3e7 * y[1] ** 2, 1e4 * y[1] * y[2]
    return [-r1 + r3, r1 - r2 - r3, r2]


def rober_jac(t, y):
    return [
        [-0.04, 1e4 * y[2], 1e4 * y[1]],
        [0.04, -6e7 * y[1] - 1e4 * y[2], -1e4 * y[1]],
        [0.0, 6e7 * y[1], 0.0],
    ]


def run_scipy(tols, repeats):
    rows = []
    for method in ["BDF", "Radau"]:
        for rtol, atol in tols:
            wall, sol = median_time(
                lambda: solve_ivp(rober, (0.0, T1), Y0, method=method, jac=rober_jac, rtol=rtol, atol=atol),
                repeats,
            )
            rows.append({
                "library": f"scipy {scipy.__version__}", "method": method, "tol": rtol, "atol": atol,
                "wall_s": wall, "nfev": int(sol.nfev), "steps": int(len(sol.t) - 1),
                "y1": [float(v) for v in sol.y[:, -1]],
            })
    return rows


def run_diffrax(tols, repeats):
    modules, note = diffrax_or_note()
    if modules is None:
        return [], note
    _, jnp, diffrax = modules

    def vf(t, y, args):
        r1, r2, r3 = 0.04 * y[0], 3e7 * y[1] ** 2, 1e4 * y[1] * y[2]
        return jnp.stack([-r1 + r3, r1 - r2 - r3, r2])

    term = diffrax.ODETerm(vf)
    y0 = jnp.array(Y0, dtype=jnp.float64)
    rows = []
    for rtol, atol in tols:
        # The default root finder: VeryChord with the controller's tolerances and norm.
        ctrl = diffrax.PIDController(rtol=rtol, atol=atol)
        row, _ = timed_solve(term, diffrax.Kvaerno5(), ctrl, T1, y0, 1_000_000, repeats)
        rows.append({"method": "Kvaerno5", "tol": rtol, "atol": atol, **row})
    return rows, None


def main():
    tols = [tuple(float(v) for v in pair.split(":")) for pair in sys.argv[1].split(",")]
    repeats = int(sys.argv[2])
    ref = solve_ivp(rober, (0.0, T1), Y0, method="Radau", jac=rober_jac, rtol=1e-13, atol=1e-17)
    diffrax_rows, note = run_diffrax(tols, repeats)
    report({
        "reference_y1": [float(v) for v in ref.y[:, -1]],
        "scipy": run_scipy(tols, repeats),
        "diffrax": diffrax_rows,
        "note": note,
    })


if __name__ == "__main__":
    main()
