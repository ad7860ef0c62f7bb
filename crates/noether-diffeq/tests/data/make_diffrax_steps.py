"""diffrax's Kvaerno5 step counts on Robertson, for the step-sequence parity test.

Run with the peer venv that `cargo xtask bench` creates:
    target/noether/venv/bin/python crates/noether-diffeq/tests/data/make_diffrax_steps.py \
        > crates/noether-diffeq/tests/data/diffrax_kvaerno5_robertson.csv
Each line: root_finder,rtol,atol,accepted,rejected,y1[0..3].

Robertson on t in [0, 1e5] from (1, 0, 0), float64, `dt0=None`, PIDController at
(rtol, atol). Two root finders: diffrax's default for Kvaerno5 (VeryChord with the
controller's tolerances and RMS norm) and an explicit `VeryChord(rtol, atol)` (max
norm). Values in the file: diffrax 0.7.2, optimistix 0.1.0, jax 0.10.2 on CPU.
"""
import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)
import diffrax  # noqa: E402


def rober(t, y, args):
    r1, r2, r3 = 0.04 * y[0], 3e7 * y[1] ** 2, 1e4 * y[1] * y[2]
    return jnp.stack([-r1 + r3, r1 - r2 - r3, r2])


def main():
    print(f"# diffrax {diffrax.__version__}, jax {jax.__version__}, CPU, float64")
    for rtol, atol in [(1e-4, 1e-8), (1e-6, 1e-10), (1e-8, 1e-12)]:
        for name, solver in [
            ("default_rms", diffrax.Kvaerno5()),
            ("verychord_max", diffrax.Kvaerno5(root_finder=diffrax.VeryChord(rtol=rtol, atol=atol))),
        ]:
            sol = diffrax.diffeqsolve(
                diffrax.ODETerm(rober), solver, t0=0.0, t1=1e5, dt0=None,
                y0=jnp.array([1.0, 0.0, 0.0]),
                stepsize_controller=diffrax.PIDController(rtol=rtol, atol=atol),
                max_steps=100_000,
            )
            y1 = ",".join(repr(float(v)) for v in sol.ys[-1])
            print(f"{name},{rtol},{atol},{int(sol.stats['num_accepted_steps'])},"
                  f"{int(sol.stats['num_rejected_steps'])},{y1}")


if __name__ == "__main__":
    main()
