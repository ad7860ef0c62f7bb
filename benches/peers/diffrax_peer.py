"""The diffrax half shared by the diffeq peer scripts: import JAX in float64, and
jit-compile, warm up and time one `diffrax.diffeqsolve` from 0 to t1."""

import numpy as np

from peer import median_time


def import_diffrax():
    """`(jax, jnp, diffrax)` with float64 enabled, or raises what the import raised."""
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import diffrax
    return jax, jnp, diffrax


def diffrax_or_note():
    """`((jax, jnp, diffrax), None)`, or `(None, note)` saying why diffrax is unavailable."""
    try:
        return import_diffrax(), None
    except Exception as exc:  # noqa: BLE001
        return None, f"diffrax unavailable: {exc}"


def timed_solve(term, solver, ctrl, t1, y0, max_steps, repeats):
    """Compiles and warms the solve, times `repeats` runs; returns the row fields
    (library, wall time, steps, final state) and the warmed callable."""
    jax, _, diffrax = import_diffrax()

    @jax.jit
    def solve(y0):
        return diffrax.diffeqsolve(
            term, solver, t0=0.0, t1=t1, dt0=None, y0=y0,
            stepsize_controller=ctrl, max_steps=max_steps,
            saveat=diffrax.SaveAt(t1=True),
        )

    def run():
        return jax.block_until_ready(solve(y0))

    run()  # compile and warm up
    wall, sol = median_time(run, repeats)
    row = {
        "library": f"diffrax {diffrax.__version__} (jax {jax.__version__}, CPU, jit)",
        "wall_s": wall,
        "steps": int(sol.stats["num_accepted_steps"]),
        "rejected": int(sol.stats["num_rejected_steps"]),
        "y1": [float(v) for v in np.asarray(sol.ys[-1])],
    }
    return row, run
