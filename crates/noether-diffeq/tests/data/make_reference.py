"""Reference solutions for noether-diffeq's tests, from scipy's DOP853.

Run with the peer venv that `cargo xtask bench` creates:
    target/noether/venv/bin/python crates/noether-diffeq/tests/data/make_reference.py \
        > crates/noether-diffeq/tests/data/reference.csv
Each line: name,t1,n,y0[0..n],y1[0..n] with y1 = y(t1) at rtol = atol = 1e-13.
"""

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


PROBLEMS = [
    ("lorenz", lorenz, 1.0, [1.0, 1.0, 1.0]),
    # One period of the Arenstorf orbit (Hairer, Nørsett & Wanner I, II.0).
    ("arenstorf", arenstorf, 17.0652165601579625588917206249, [0.994, 0.0, 0.0, -2.00158510637908252240537862224]),
]

print(f"# scipy {scipy.__version__} solve_ivp DOP853 rtol=atol=1e-13")
for name, f, t1, y0 in PROBLEMS:
    sol = solve_ivp(f, (0.0, t1), y0, method="DOP853", rtol=1e-13, atol=1e-13)
    y1 = sol.y[:, -1]
    vals = ",".join(repr(float(v)) for v in list(y0) + list(y1))
    print(f"{name},{t1!r},{len(y0)},{vals}")
