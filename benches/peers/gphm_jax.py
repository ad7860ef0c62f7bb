"""An independent implementation of the GP-HM loss for 1-D Poisson in JAX (autodiff
gradients, optax Adam), used two ways:

    python gphm_jax.py trajectory OUT.json   # reference losses for the Rust test
    python gphm_jax.py advection OUT.json    # the same for 2-D advection
    python gphm_jax.py time N STEPS          # ms per Adam step (for `bench gp`)
    python gphm_jax.py time2d N STEPS        # the same on an N² grid (2-D Poisson)

Loss (as noether's `GpHm` and the paper): ½log|K| + ½uᵀK⁻¹u
+ λ_b(½τ₁‖u_b − g‖² − ½N_b log τ₁) + ½τ₂‖D2 K⁻¹u − f‖² − ½N log τ₂, with the
Gaussian spectral-mixture kernel Σ w e^{−r z²} cos(2πμz), K = k(Z) + 1e-6 I,
D2 = k''(Z), Adam(1e-2), the paper's initialisation.
"""

import json
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

jax.config.update("jax_enable_x64", True)


def setup(k, n, q, fs):
    x = jnp.linspace(0.0, 2 * np.pi, n)
    f = -k * k * jnp.sin(k * x)
    g = jnp.array([jnp.sin(k * x[0]), jnp.sin(k * x[-1])])
    z = x[:, None] - x[None, :]

    def k2(t, p):
        return jax.grad(jax.grad(lambda s: kernel(s, p)))(t)

    def loss(p):
        kk = kernel(z, p) + 1e-6 * jnp.eye(n)
        d2 = jax.vmap(jax.vmap(lambda t: k2(t, p)))(z)
        a = jnp.linalg.solve(kk, p["u"])
        h = d2 @ a - f
        rb = jnp.array([p["u"][0], p["u"][-1]]) - g
        t1, t2 = jnp.exp(p["lt1"]), jnp.exp(p["lt2"])
        return (0.5 * jnp.linalg.slogdet(kk)[1] + 0.5 * p["u"] @ a
                + 200.0 * (0.5 * t1 * rb @ rb - 0.5 * 2 * p["lt1"])
                + 0.5 * t2 * h @ h - 0.5 * n * p["lt2"])

    p = {"u": jnp.zeros(n), "logw": jnp.full(q, np.log(1 / q)), "logls": jnp.zeros(q),
         "mu": jnp.linspace(0, 1, q) * fs, "lt1": jnp.float64(0.0), "lt2": jnp.float64(0.0)}
    return adam(loss, p)


def adam(loss, p):
    """The initial parameters, Adam(1e-2)'s initial state and a jitted step."""
    opt = optax.adam(1e-2)

    @jax.jit
    def step(p, st):
        l, gr = jax.value_and_grad(loss)(p)
        up, st = opt.update(gr, st, p)
        return optax.apply_updates(p, up), st, l

    return p, opt.init(p), step


def initial_2d(shape, q, fs):
    """The paper's initialisation on a 2-D grid: U = 0, log τ = 0, and per dimension
    log w = log(1/Q), log ls = 0, μ = linspace(0, 1, Q)·freq_scale."""
    def kp():
        return {"logw": jnp.full(q, np.log(1 / q)), "logls": jnp.zeros(q),
                "mu": jnp.linspace(0, 1, q) * fs}

    return {"u": jnp.zeros(shape), "k1": kp(), "k2": kp(),
            "lt1": jnp.float64(0.0), "lt2": jnp.float64(0.0)}


def kernel(t, p):
    """The Gaussian spectral mixture Σ w e^{−r t²} cos(2πμt) at every entry of t."""
    w, r, mu = jnp.exp(p["logw"]), jnp.exp(p["logls"]), p["mu"]
    return jnp.sum(w * jnp.exp(-r * t[..., None] ** 2) * jnp.cos(2 * jnp.pi * mu * t[..., None]), -1)


def setup2d(k, n, q, fs):
    """2-D Poisson Δu = f, u = sin kx sin ky on [0, 2π]², with the Kronecker model
    vec U ~ N(0, K₁ ⊗ K₂): ½n log|K₁| + ½n log|K₂| + ½⟨U, K₁⁻¹UK₂⁻¹⟩ + boundary
    + ½τ₂‖D2₁K₁⁻¹U + UK₂⁻¹D2₂ − F‖² − ½N log τ₂ (every edge point, corners twice)."""
    x = jnp.linspace(0.0, 2 * np.pi, n)
    z = x[:, None] - x[None, :]
    s = jnp.sin(k * x)
    exact = s[:, None] * s[None, :]
    f = -2 * k * k * exact

    def edges(m):
        return jnp.concatenate([m[0, :], m[-1, :], m[:, 0], m[:, -1]])

    g = edges(exact)

    def factor(p):
        kk = kernel(z, p) + 1e-6 * jnp.eye(n)
        d2 = jax.vmap(jax.vmap(lambda t: jax.grad(jax.grad(lambda v: kernel(v, p)))(t)))(z)
        return kk, d2

    def loss(p):
        k1, d1 = factor(p["k1"])
        k2, d2 = factor(p["k2"])
        u = p["u"]
        b1 = jnp.linalg.solve(k1, u)
        b2 = jnp.linalg.solve(k2, u.T).T
        a = jnp.linalg.solve(k2, b1.T).T
        h = d1 @ b1 + b2 @ d2 - f
        rb = edges(u) - g
        t1, t2 = jnp.exp(p["lt1"]), jnp.exp(p["lt2"])
        return (0.5 * n * (jnp.linalg.slogdet(k1)[1] + jnp.linalg.slogdet(k2)[1])
                + 0.5 * jnp.sum(u * a)
                + 200.0 * (0.5 * t1 * rb @ rb - 0.5 * rb.size * p["lt1"])
                + 0.5 * t2 * jnp.sum(h * h) - 0.5 * n * n * p["lt2"])

    return adam(loss, initial_2d((n, n), q, fs))


def setup_advection(k, beta, nx, nt, q, fs):
    """2-D advection βu_x + u_t = 0, u = sin k(x − βt) on [0, 1]² (x the first
    axis, t the second), vec U ~ N(0, K₁ ⊗ K₂): the residual's first derivatives
    are D1₁K₁⁻¹U and UK₂⁻¹D1₂ᵀ with D1 = k'(Z) (skew); boundary on all four sides
    (corners twice)."""
    x = jnp.linspace(0.0, 1.0, nx)
    t = jnp.linspace(0.0, 1.0, nt)
    exact = jnp.sin(k * (x[:, None] - beta * t[None, :]))

    def edges(m):
        return jnp.concatenate([m[0, :], m[-1, :], m[:, 0], m[:, -1]])

    g = edges(exact)

    def factor(p, axis):
        z = axis[:, None] - axis[None, :]
        kk = kernel(z, p) + 1e-6 * jnp.eye(axis.size)
        d1 = jax.vmap(jax.vmap(lambda v: jax.grad(lambda w: kernel(w, p))(v)))(z)
        return kk, d1

    def loss(p):
        k1, d1 = factor(p["k1"], x)
        k2, d2 = factor(p["k2"], t)
        u = p["u"]
        b1 = jnp.linalg.solve(k1, u)
        b2 = jnp.linalg.solve(k2, u.T).T
        a = jnp.linalg.solve(k2, b1.T).T
        h = beta * (d1 @ b1) + b2 @ d2.T
        rb = edges(u) - g
        t1, t2 = jnp.exp(p["lt1"]), jnp.exp(p["lt2"])
        return (0.5 * nt * jnp.linalg.slogdet(k1)[1] + 0.5 * nx * jnp.linalg.slogdet(k2)[1]
                + 0.5 * jnp.sum(u * a)
                + 200.0 * (0.5 * t1 * rb @ rb - 0.5 * rb.size * p["lt1"])
                + 0.5 * t2 * jnp.sum(h * h) - 0.5 * nx * nt * p["lt2"])

    return adam(loss, initial_2d((nx, nt), q, fs))


def time_steps(p, st, step, steps):
    """Median seconds per jitted Adam step, after one compiling step."""
    p, st, _ = step(p, st)
    jax.block_until_ready(p["u"])
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        p, st, _ = step(p, st)
        jax.block_until_ready(p["u"])
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def main():
    if sys.argv[1] == "trajectory":
        k, n, q, fs, steps = 20.0, 60, 5, 5.0, 60
        p, st, step = setup(k, n, q, fs)
        losses = []
        for _ in range(steps):
            p, st, l = step(p, st)
            losses.append(float(l))
        with open(sys.argv[2], "w") as fh:
            json.dump({"k": k, "n": n, "q": q, "freq_scale": fs, "jax": jax.__version__,
                       "losses": losses, "u_final": [float(v) for v in p["u"]]}, fh)
    elif sys.argv[1] == "advection":
        k, beta, nx, nt, q, fs, steps = 3.0, 2.0, 16, 12, 5, 3.0, 60
        p, st, step = setup_advection(k, beta, nx, nt, q, fs)
        losses = []
        for _ in range(steps):
            p, st, l = step(p, st)
            losses.append(float(l))
        with open(sys.argv[2], "w") as fh:
            json.dump({"k": k, "beta": beta, "nx": nx, "nt": nt, "q": q, "freq_scale": fs,
                       "jax": jax.__version__, "losses": losses,
                       "u_final": [float(v) for v in p["u"].ravel()]}, fh)
    else:
        n, steps = int(sys.argv[2]), int(sys.argv[3])
        if sys.argv[1] == "time2d":
            p, st, step = setup2d(100.0, n, 30, 20.0)
        else:
            p, st, step = setup(100.0, n, 30, 20.0)
        print(json.dumps({"library": f"JAX {jax.__version__} (autodiff, jit, CPU)",
                          "step_s": time_steps(p, st, step, steps)}))


if __name__ == "__main__":
    main()
