"""Python half of `cargo xtask bench neural-ode`: one training step (forward solve and
gradient) of diffrax's `benchmarks/small_neural_ode.py` model.

The model: an equinox MLP 4 -> 32 -> 4 (softplus hidden, tanh output, no time
input, initialised from PRNGKey(0)) applied to a batch of 64 states drawn from
PRNGKey(1); Dopri5 with a PID controller at rtol = atol = 1e-6 from t = 0 to 100;
loss = sum of y(t1). Here in float64 (the Rust side runs f64). Two adjoints:
`RecursiveCheckpointAdjoint` (diffrax's default, discretise-then-optimise) and
`BacksolveAdjoint` (the continuous adjoint), each jit-compiled and warmed.

Prints one JSON object: the weights (equinox layout, weight [out, in]) and y0 so the
Rust side loads the very same model, and per adjoint the median wall time, the loss,
the gradient (flattened in the Rust layout: per layer the [in, out] weight row by row,
then the bias), and the forward solve's accepted steps. With `--serve` it then answers
timing requests `ADJOINT 0 N` (see peer.py).
"""

import sys

import numpy as np

from diffrax_peer import diffrax_or_note
from peer import median_time, report, serve

BATCH, DIM, WIDTH, T1, TOL = 64, 4, 32, 100.0, 1e-6
COMPILED = {}


def main():
    repeats = int(sys.argv[1])
    modules, note = diffrax_or_note()
    if modules is None:
        report({"note": note, "runs": []})
        return
    jax, jnp, diffrax = modules
    import equinox as eqx
    import jax.nn as jnn
    import jax.random as jr

    mlp = eqx.nn.MLP(
        in_size=DIM, out_size=DIM, width_size=WIDTH, depth=1,
        activation=jnn.softplus, final_activation=jnn.tanh, key=jr.PRNGKey(0),
    )
    mlp = jax.tree_util.tree_map(lambda x: x.astype(jnp.float64) if eqx.is_array(x) else x, mlp)
    y0 = jr.normal(jr.PRNGKey(1), (BATCH, DIM), dtype=jnp.float64)

    def solve(m, y0, adjoint):
        term = diffrax.ODETerm(lambda t, y, args: jax.vmap(args)(y))
        return diffrax.diffeqsolve(
            term, diffrax.Dopri5(), t0=0.0, t1=T1, dt0=None, y0=y0, args=m,
            stepsize_controller=diffrax.PIDController(rtol=TOL, atol=TOL),
            saveat=diffrax.SaveAt(t1=True), adjoint=adjoint,
        )

    def rust_layout(grads):
        parts = []
        for layer in grads.layers:
            parts.append(np.asarray(layer.weight).T.ravel())
            parts.append(np.asarray(layer.bias).ravel())
        return [float(v) for v in np.concatenate(parts)]

    stats = eqx.filter_jit(lambda m, y: solve(m, y, diffrax.RecursiveCheckpointAdjoint()).stats)(mlp, y0)
    runs = []
    for name, adjoint in [
        ("RecursiveCheckpointAdjoint", diffrax.RecursiveCheckpointAdjoint()),
        ("BacksolveAdjoint", diffrax.BacksolveAdjoint()),
    ]:
        @eqx.filter_jit
        @eqx.filter_value_and_grad
        def step(m, y0, adjoint=adjoint):
            return jnp.sum(solve(m, y0, adjoint).ys)

        def run(step=step):
            value, grads = step(mlp, y0)
            return jax.block_until_ready(value), jax.block_until_ready(grads)

        run()  # compile and warm up
        wall, (value, grads) = median_time(run, repeats)
        COMPILED[name] = run
        runs.append({
            "adjoint": name, "wall_s": wall, "loss": float(value),
            "grad": rust_layout(grads),
        })
    report({
        "library": f"diffrax {diffrax.__version__} + equinox {eqx.__version__} (jax {jax.__version__}, CPU, jit, f64)",
        "weights": [
            {"weight": np.asarray(layer.weight).tolist(), "bias": np.asarray(layer.bias).tolist()}
            for layer in mlp.layers
        ],
        "y0": np.asarray(y0).tolist(),
        "accepted_steps": int(stats["num_accepted_steps"]),
        "rejected_steps": int(stats["num_rejected_steps"]),
        "runs": runs,
        "note": None,
    })
    serve(lambda name, _arg: COMPILED[name])


if __name__ == "__main__":
    main()
