"""scipy's BDF on Robertson with a per-component atol, for noether-diffeq's
vector-tolerance test (`tests/stiff.rs`).

Run with any Python that has scipy (the peer venv of `cargo xtask bench` does):
    python crates/noether-diffeq/tests/data/make_vector_atol.py \
        > crates/noether-diffeq/tests/data/scipy_bdf_vector_atol.csv
Each data line: t1,rtol,atol0,atol1,atol2,accepted_steps,nfev,njev,y1[0..3].
"""
import scipy
from scipy.integrate import solve_ivp


def robertson(t, y):
    r1, r2, r3 = 0.04 * y[0], 3e7 * y[1] ** 2, 1e4 * y[1] * y[2]
    return [-r1 + r3, r1 - r2 - r3, r2]


def robertson_jac(t, y):
    return [
        [-0.04, 1e4 * y[2], 1e4 * y[1]],
        [0.04, -6e7 * y[1] - 1e4 * y[2], -1e4 * y[1]],
        [0.0, 6e7 * y[1], 0.0],
    ]


print(f"# scipy {scipy.__version__} solve_ivp(method='BDF', jac=analytic)")
print("# t1,rtol,atol0,atol1,atol2,accepted_steps,nfev,njev,y1_0,y1_1,y1_2")
for t1 in (40.0, 1e5):
    for rtol, atol in ((1e-6, [1e-8, 1e-14, 1e-6]), (1e-4, [1e-6, 1e-12, 1e-4])):
        s = solve_ivp(robertson, (0.0, t1), [1.0, 0.0, 0.0], method="BDF",
                      jac=robertson_jac, rtol=rtol, atol=atol)
        assert s.success, s.message
        y1 = s.y[:, -1]
        print(",".join(repr(float(v)) for v in (t1, rtol, *atol))
              + f",{len(s.t) - 1},{s.nfev},{s.njev},"
              + ",".join(repr(float(v)) for v in y1))
