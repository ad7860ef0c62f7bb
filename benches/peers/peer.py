"""The Python half of the peer protocol of `cargo xtask bench` (the Rust half is
`xtask/workflows/src/peer.rs`), shared by every peer script.

A peer script prints one JSON report (`report`). Started with `--serve`, it then
stays up and answers timing requests on stdin (`serve`), one per line,
`NAME ARG N`, with a JSON list of N wall times of the solve that `lookup(NAME, ARG)`
returns; `quit` or the end of input stops it. This lets `cargo xtask bench`
interleave the peer's timings with its own under the same machine load.

Pure Python (no numpy), so that the scripts that run under Debian's system python3
(DOLFINx) can use it too.
"""

import json
import statistics
import sys
import time


def median(xs):
    """The median of a list of numbers."""
    return float(statistics.median(xs))


def wall_times(fn, n):
    """Wall times of `n` calls of `fn`, and the last call's result."""
    samples, out = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        samples.append(time.perf_counter() - t0)
    return samples, out


def median_time(fn, repeats):
    """Median wall time of `repeats` calls of `fn`, and the last call's result."""
    samples, out = wall_times(fn, repeats)
    return median(samples), out


def report(obj):
    """Prints the peer's JSON report as one line."""
    print(json.dumps(obj), flush=True)


def serve(lookup):
    """Answers `NAME ARG N` timing requests until `quit` or the end of input, if the
    script was started with `--serve`."""
    if "--serve" not in sys.argv:
        return
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] == "quit":
            break
        samples, _ = wall_times(lookup(parts[0], parts[1]), int(parts[2]))
        print(json.dumps(samples), flush=True)
