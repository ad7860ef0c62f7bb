"""Reference values of POT (Python Optimal Transport) for noether-flow's OT tests.

Run from the repository root with the bench venv (`cargo xtask bench flow` creates
it; or `pip install pot numpy`):

    target/noether/venv/bin/python crates/noether-flow/tests/data/make_pot_reference.py

It writes `pot_reference.json` next to this file, with the points, the weights and
POT's results, so the tests never need Python. Settings are stored with each case.
"""

import json
import pathlib
import warnings

import numpy as np
import ot

rng = np.random.default_rng(20261205)


def cloud(n, shift):
    return rng.normal(size=(n, 2)) * np.array([1.0, 0.6]) + np.array(shift)


def weights(n):
    w = rng.uniform(0.2, 1.0, size=n)
    return w / w.sum()


def kl_objective(G, M, a, b, reg):
    """<G, M> + reg KL(G | a b^T) (generalised KL; masses 1 here)."""
    q = a[:, None] * b[None, :]
    pos = G > 0
    kl = np.sum(G[pos] * np.log(G[pos] / q[pos])) - G.sum() + q.sum()
    return float(np.sum(G * M) + reg * kl)


def gkl(p, q):
    """The generalised KL divergence sum(p log(p/q) - p + q)."""
    pos = p > 0
    return float(np.sum(p[pos] * np.log(p[pos] / q[pos])) - p.sum() + q.sum())


out = {"pot_version": ot.__version__}

# Entropic, balanced: 60 -> 50 points, non-uniform weights, several reg values.
x, y = cloud(60, [0.0, 0.0]), cloud(50, [2.0, 1.0])
a, b = weights(60), weights(50)
M = ot.dist(x, y)  # squared Euclidean
cases = []
for reg in [2.0, 0.5, 0.1, 0.05]:
    G = ot.sinkhorn(a, b, M, reg, method="sinkhorn", numItermax=1_000_000, stopThr=1e-14)
    Gl = ot.sinkhorn(a, b, M, reg, method="sinkhorn_log", numItermax=1_000_000, stopThr=1e-14)
    cases.append(
        {
            "reg": reg,
            "sinkhorn2": float(ot.sinkhorn2(a, b, M, reg, numItermax=1_000_000, stopThr=1e-14)),
            "sinkhorn_log_linear": float(np.sum(Gl * M)),
            "objective": kl_objective(G, M, a, b, reg),
            "objective_log": kl_objective(Gl, M, a, b, reg),
        }
    )
out["sinkhorn"] = {
    "settings": "ot.sinkhorn2 / ot.sinkhorn(method='sinkhorn_log'), numItermax=1e6, stopThr=1e-14; "
    "objective = <G,M> + reg*KL(G|a b^T) from POT's plan",
    "x": x.ravel().tolist(),
    "y": y.ravel().tolist(),
    "a": a.tolist(),
    "b": b.tolist(),
    "cases": cases,
}

# Small reg: 1e-4 of the cost scale, where the kernel exp(-M/reg) underflows.
reg_small = 1e-4 * float(M.max())
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    Gs = ot.sinkhorn(a, b, M, reg_small, method="sinkhorn", numItermax=10_000, stopThr=1e-9)
out["small_reg"] = {
    "reg": reg_small,
    "settings": "ot.sinkhorn(method='sinkhorn', numItermax=1e4, stopThr=1e-9) at reg = 1e-4 * max M",
    "kernel_plan_has_nan": bool(np.isnan(Gs).any()),
    "kernel_plan_mass": float(np.nansum(Gs)),
    "warnings": sorted({str(w.message) for w in caught}),
    "emd2": float(ot.emd2(a, b, M, numItermax=10_000_000)),
}

# Exact OT: non-uniform weights, squared and plain Euclidean costs.
x, y = cloud(300, [0.0, 0.0]), cloud(250, [1.5, -1.0])
a, b = weights(300), weights(250)
exact = {"x": x.ravel().tolist(), "y": y.ravel().tolist(), "a": a.tolist(), "b": b.tolist()}
for name, metric in [("sqeuclidean", "sqeuclidean"), ("euclidean", "euclidean")]:
    Me = ot.dist(x, y, metric=metric)
    cost, log = ot.emd2(a, b, Me, numItermax=10_000_000, log=True)
    exact[name] = {"emd2": float(cost), "warning": log["warning"]}
out["emd"] = exact

# Equal-size uniform clouds (the assignment case).
x, y = cloud(200, [0.0, 0.0]), cloud(200, [0.5, 2.0])
Mu = ot.dist(x, y)
cost, log = ot.emd2([], [], Mu, numItermax=10_000_000, log=True)
out["uniform"] = {
    "x": x.ravel().tolist(),
    "y": y.ravel().tolist(),
    "emd2": float(cost),
    "warning": log["warning"],
}

# Unbalanced (KL marginals): masses 1 and 1.5.
x, y = cloud(40, [0.0, 0.0]), cloud(30, [1.0, 1.0])
a, b = weights(40), 1.5 * weights(30)
Mb = ot.dist(x, y)
ub = []
for reg, reg_m in [(0.1, 1.0), (0.5, 0.3), (0.1, 5.0)]:
    kw = dict(method="sinkhorn", numItermax=1_000_000, stopThr=1e-15)
    lin = ot.unbalanced.sinkhorn_unbalanced2(a, b, Mb, reg, reg_m, returnCost="linear", **kw)
    G = ot.unbalanced.sinkhorn_unbalanced(a, b, Mb, reg, reg_m, **kw)
    objective = (
        np.sum(G * Mb)
        + reg * gkl(G, a[:, None] * b[None, :])
        + reg_m * gkl(G.sum(1), a)
        + reg_m * gkl(G.sum(0), b)
    )
    ub.append({"reg": reg, "reg_m": reg_m, "linear": float(lin), "objective": float(objective)})
out["unbalanced"] = {
    "settings": "ot.unbalanced.sinkhorn_unbalanced2(method='sinkhorn', reg_type='kl', "
    "numItermax=1e6, stopThr=1e-15), returnCost='linear'; objective = <G,M> + reg KL(G|ab^T) "
    "+ reg_m KL(G1|a) + reg_m KL(G^T1|b), generalised KL, from POT's plan (POT's returnCost='total' "
    "leaves out the mass terms of the KL divergences and is 0 at the optimum)",
    "x": x.ravel().tolist(),
    "y": y.ravel().tolist(),
    "a": a.tolist(),
    "b": b.tolist(),
    "cases": ub,
}

path = pathlib.Path(__file__).with_name("pot_reference.json")
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path}")
