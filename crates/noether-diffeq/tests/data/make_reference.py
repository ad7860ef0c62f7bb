"""Reference solutions for noether-diffeq's tests, from scipy's solve_ivp.

Run with the peer venv that `cargo xtask bench` creates:
    target/noether/venv/bin/python crates/noether-diffeq/tests/data/make_reference.py \
        > crates/noether-diffeq/data/reference.csv
Each line: name,t1,n,y0[0..n],y1[0..n] with y1 = y(t1).

Non-stiff problems: DOP853 at rtol = atol = 1e-13. Stiff problems (Van der Pol
mu = 1000, Robertson to 1e5, HIRES): DOP853 would need millions of steps, so Radau
(order 5, L-stable) at rtol = 1e-13 with atol = 1e-13 times the component scale,
cross-checked against LSODA at rtol = 1e-12 (scipy BDF stops with "step
size too small" at such tolerances on Van der Pol). The agreement is printed to
stderr: Van der Pol 6.8e-10, Robertson 1.7e-12, HIRES 7.9e-11 relative (scipy
1.17.1), and HIRES agrees with the IVP test set's reference to 3e-14.
"""
import sys

import numpy as np
import scipy
from scipy.integrate import solve_ivp


def lorenz(t, y):
    s, r, b = 10.0, 28.0, 8.0 / 3.0
    return [s * (y[1] - y[0]), y[0] * (r - y[2]) - y[1], y[0] * y[1] - b * y[2]]


def arenstorf(t, y):
    mu = 0.012277471
    mup = 1.0 - mu
    d1 = ((y[0] + mu) ** 2 + y[1] ** 2) ** 1.5
    d2 = ((y[0] - mup) ** 2 + y[1] ** 2) ** 1.5
    return [
        y[2],
        y[3],
        y[0] + 2 * y[3] - mup * (y[0] + mu) / d1 - mu * (y[0] - mup) / d2,
        y[1] - 2 * y[2] - mup * y[1] / d1 - mu * y[1] / d2,
    ]


def van_der_pol(t, y):
    mu = 1000.0
    return [y[1], mu * (1 - y[0] ** 2) * y[1] - y[0]]


def van_der_pol_jac(t, y):
    mu = 1000.0
    return [[0.0, 1.0], [-2 * mu * y[0] * y[1] - 1, mu * (1 - y[0] ** 2)]]


def robertson(t, y):
    r1, r2, r3 = 0.04 * y[0], 3e7 * y[1] ** 2, 1e4 * y[1] * y[2]
    return [-r1 + r3, r1 - r2 - r3, r2]


def robertson_jac(t, y):
    return [
        [-0.04, 1e4 * y[2], 1e4 * y[1]],
        [0.04, -6e7 * y[1] - 1e4 * y[2], -1e4 * y[1]],
        [0.0, 6e7 * y[1], 0.0],
    ]


def hires(t, y):
    r = 280.0 * y[5] * y[7]
    return [
        -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007,
        1.71 * y[0] - 8.75 * y[1],
        -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4],
        8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3],
        -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6],
        -r + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6],
        r - 1.81 * y[6],
        -r + 1.81 * y[6],
    ]


def hires_jac(t, y):
    j = np.zeros((8, 8))
    j[0, :3] = [-1.71, 0.43, 8.32]
    j[1, :2] = [1.71, -8.75]
    j[2, 2:5] = [-10.03, 0.43, 0.035]
    j[3, 1:4] = [8.32, 1.71, -1.12]
    j[4, 4:7] = [-1.745, 0.43, 0.43]
    j[5, 3:8] = [0.69, 1.71, -0.43 - 280 * y[7], 0.69, -280 * y[5]]
    j[6, 5:8] = [280 * y[7], -1.81, 280 * y[5]]
    j[7, 5:8] = [-280 * y[7], 1.81, -280 * y[5]]
    return j


STIFF = [
    ("van_der_pol", van_der_pol, van_der_pol_jac, 3000.0, [2.0, 0.0], 1.0),
    ("robertson", robertson, robertson_jac, 1e5, [1.0, 0.0, 0.0], 1e-4),
    ("hires", hires, hires_jac, 321.8122, [1.0, 0, 0, 0, 0, 0, 0, 0.0057], 1e-3),
]

PROBLEMS = [
    ("lorenz", lorenz, 1.0, [1.0, 1.0, 1.0]),
    # One period of the Arenstorf orbit (Hairer, Nørsett & Wanner I, II.0).
    ("arenstorf", arenstorf, 17.0652165601579625588917206249, [0.994, 0.0, 0.0, -2.00158510637908252240537862224]),
]

print(f"# scipy {scipy.__version__} solve_ivp DOP853 rtol=atol=1e-13 (non-stiff); Radau rtol=1e-13 (stiff)")
for name, f, t1, y0 in PROBLEMS:
    sol = solve_ivp(f, (0.0, t1), y0, method="DOP853", rtol=1e-13, atol=1e-13)
    y1 = sol.y[:, -1]
    vals = ",".join(repr(float(v)) for v in list(y0) + list(y1))
    print(f"{name},{t1!r},{len(y0)},{vals}")
for name, f, jac, t1, y0, scale in STIFF:
    tol = 1e-13
    ref = solve_ivp(f, (0.0, t1), y0, method="Radau", jac=jac, rtol=tol, atol=tol * scale)
    chk = solve_ivp(f, (0.0, t1), y0, method="LSODA", jac=jac, rtol=1e-12, atol=1e-12 * scale)
    y1 = ref.y[:, -1]
    diff = np.linalg.norm(y1 - chk.y[:, -1]) / np.linalg.norm(y1)
    print(f"{name}: Radau vs LSODA relative difference {diff:.2e}", file=sys.stderr)
    vals = ",".join(repr(float(v)) for v in list(y0) + list(y1))
    print(f"{name},{t1!r},{len(y0)},{vals}")
# scipy's own BDF (the algorithm noether-diffeq's `bdf` follows) at the tolerances of
# the tests, with the analytic Jacobian: final error against the reference, steps.
refs = {}
for name, f, jac, t1, y0, scale in STIFF:
    refs[name] = solve_ivp(f, (0.0, t1), y0, method="Radau", jac=jac, rtol=1e-13, atol=1e-13 * scale).y[:, -1]
for name, f, jac, t1, y0, scale in STIFF:
    for tol in (1e-6, 1e-9):
        s = solve_ivp(f, (0.0, t1), y0, method="BDF", jac=jac, rtol=tol, atol=tol * scale)
        err = np.linalg.norm(s.y[:, -1] - refs[name]) / np.linalg.norm(refs[name])
        print(f"scipy-bdf:{name}:{tol!r},{float(err)!r},{len(s.t) - 1},{s.nfev}")
