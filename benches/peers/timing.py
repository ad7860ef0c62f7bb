"""Timing helper shared by the peer scripts of `cargo xtask bench`."""

import time

import numpy as np


def median_time(fn, repeats):
    """Median wall time of `repeats` calls of `fn`, and the last call's result."""
    samples, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        samples.append(time.perf_counter() - t0)
    return float(np.median(samples)), out
