//! Workloads shared by the criterion benchmarks (`benches/*.rs`) and by the
//! side-by-side peer comparisons of `cargo xtask bench`.
//!
//! Each workload builds its problem once and returns timings per unit of work, so
//! that the same numbers can be compared with a peer library timed in the same run.
#![deny(missing_docs)]

use std::time::Instant;

use noether_core::krylov::{KrylovOptions, cg};
use noether_core::operator::{Laplacian2d, LinearOperator};
use noether_core::{CoreError, Result};

/// Timing of a fixed number of CG iterations.
#[derive(Debug, Clone, PartialEq)]
pub struct CgTiming {
    /// Median wall time per iteration over the repeats, in seconds.
    pub per_iter_s: f64,
    /// All per-iteration times, one per repeat.
    pub samples: Vec<f64>,
    /// Iterations per repeat.
    pub iterations: usize,
}

/// Median of a non-empty slice.
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Runs exactly `iters` CG iterations on `A x = 1` (tolerance unreachable) `repeats`
/// times and returns the median time per iteration.
pub fn time_cg_iterations<A: LinearOperator<Vec<f64>>>(
    a: &A,
    iters: usize,
    repeats: usize,
) -> Result<CgTiming> {
    let n = a.nrows();
    let b = vec![1.0; n];
    let opts = KrylovOptions {
        rtol: 1e-300,
        atol: 0.0,
        max_iters: iters,
    };
    let mut samples = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let mut x = vec![0.0; n];
        let t0 = Instant::now();
        match cg(a, &b, &mut x, None, &opts) {
            Err(CoreError::NotConverged { iterations, .. }) if iterations == iters => {}
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        samples.push(t0.elapsed().as_secs_f64() / iters as f64);
    }
    Ok(CgTiming {
        per_iter_s: median(&samples),
        samples,
        iterations: iters,
    })
}

/// CG iterations needed to reach relative residual `rtol` on `A x = 1`.
pub fn cg_iterations_to<A: LinearOperator<Vec<f64>>>(a: &A, rtol: f64) -> Result<usize> {
    let n = a.nrows();
    let b = vec![1.0; n];
    let mut x = vec![0.0; n];
    let opts = KrylovOptions {
        rtol,
        max_iters: 100_000,
        ..Default::default()
    };
    Ok(cg(a, &b, &mut x, None, &opts)?.iterations)
}

/// The 2-D 5-point Laplacian on an `m × m` interior grid (`m²` unknowns).
pub fn laplacian(m: usize) -> Result<Laplacian2d> {
    Laplacian2d::new(m, m)
}
