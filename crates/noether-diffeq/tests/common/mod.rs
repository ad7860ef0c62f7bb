//! Helpers shared by the integration tests: the matrix exponential, the random
//! linear test system and least-squares slopes.
#![allow(dead_code)] // each test binary uses a subset

use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

/// exp(M) by scaling and squaring with a degree-24 Taylor polynomial (error far
/// below f64 resolution for ‖M/2^s‖ ≤ 1/2).
pub fn expm(m: &DMatrix<f64>) -> DMatrix<f64> {
    let norm = m.abs().row_sum().max();
    let s = if norm > 0.5 {
        (norm / 0.5).log2().ceil() as i32
    } else {
        0
    };
    let a = m / 2f64.powi(s);
    let n = m.nrows();
    let mut term = DMatrix::<f64>::identity(n, n);
    let mut sum = term.clone();
    for k in 1..=24 {
        term = &term * &a / k as f64;
        sum += &term;
    }
    for _ in 0..s {
        sum = &sum * &sum;
    }
    sum
}

/// `A = G/√10 − I/2` with a seeded Gaussian `G`, and `y₀ = 1`.
pub fn random_system(seed: u64) -> (DMatrix<f64>, DVector<f64>) {
    let mut r = StdRng::seed_from_u64(seed);
    let mut g = |_, _| -> f64 { StandardNormal.sample(&mut r) };
    let a = DMatrix::from_fn(10, 10, &mut g) / 10f64.sqrt() - DMatrix::identity(10, 10) * 0.5;
    let y0 = DVector::from_fn(10, |_, _| 1.0);
    (a, y0)
}

#[allow(unused_imports)] // each test binary uses a subset
pub use noether_core::stats::fit_slope;

/// The two adjoints checked against finite differences: checkpointed, and the
/// backsolve adjoint at rtol = atol = 1e-10.
pub const TIGHT_ADJOINTS: [noether_diffeq::adjoint::Adjoint; 2] = [
    noether_diffeq::adjoint::Adjoint::Checkpointed,
    noether_diffeq::adjoint::Adjoint::Backsolve {
        rtol: 1e-10,
        atol: 1e-10,
    },
];

/// The stored reference of a named problem (`noether_diffeq::problems::named`):
/// `(t1, y0, y1)`.
pub fn reference(name: &str) -> (f64, Vec<f64>, Vec<f64>) {
    let p = noether_diffeq::problems::named::by_name(name).expect("a named problem");
    let y1 = p.reference.expect("its stored reference");
    (p.span.1, p.y0, y1)
}

/// scipy's BDF on a stiff reference problem at `tol` (from `make_reference.py`):
/// `(relative final error, steps, nfev)`.
pub fn scipy_bdf(name: &str, tol: f64) -> (f64, usize, usize) {
    let text = include_str!("../../data/reference.csv");
    let key = format!("scipy-bdf:{name}:{tol:e}");
    for line in text.lines() {
        let mut parts = line.split(',');
        let Some(head) = parts.next() else { continue };
        let Some(rest) = head.strip_prefix("scipy-bdf:") else {
            continue;
        };
        let (n, t) = rest.rsplit_once(':').unwrap();
        if format!("scipy-bdf:{n}:{:e}", t.parse::<f64>().unwrap()) == key {
            let v: Vec<f64> = parts.map(|p| p.parse().unwrap()).collect();
            return (v[0], v[1] as usize, v[2] as usize);
        }
    }
    panic!("no scipy BDF record for {key}");
}

/// The end state of `sde` driven by `path` over `span` in `n` equal steps of
/// `method`, through the one step loop.
pub fn sde_fixed<V, S, P, M>(
    method: M,
    sde: &S,
    path: &P,
    span: (f64, f64),
    y0: &V,
    n: usize,
) -> noether_diffeq::Result<V>
where
    V: noether_core::Space,
    S: noether_core::Sde<V> + ?Sized,
    P: noether_core::BrownianPath<V> + ?Sized,
    M: noether_diffeq::sde::SdeSolver<V, Calculus = S::Calculus>,
    M::State: Clone,
{
    use noether_diffeq::sde::{Scheme, SdeSystem};
    use noether_diffeq::{OdeProblem, SolveOptions, solve};
    let system = SdeSystem::new(sde, path);
    let problem = OdeProblem::new(&system, span, y0.clone());
    let h = (span.1 - span.0) / n as f64;
    let opts = SolveOptions::default().fixed(h).max_steps(n + 1);
    let sol = solve(&problem, Scheme::new(method), opts)?;
    assert_eq!(sol.stats.accepted, n, "fixed SDE steps");
    Ok(sol
        .ys
        .into_iter()
        .next_back()
        .expect("SaveAt::End records the end"))
}

/// The end state and counters of an adaptive SDE solve of `sde` driven by `path`
/// over `span` at `tol` (rtol = atol), first step `h0`, with the PI controller
/// (0.1, 0.3) diffrax suggests for SDEs.
pub fn sde_adaptive<V, S, P, M>(
    method: M,
    sde: &S,
    path: &P,
    span: (f64, f64),
    y0: &V,
    (tol, h0): (f64, f64),
) -> noether_diffeq::Result<(V, noether_diffeq::SolveStats)>
where
    V: noether_core::Space,
    S: noether_core::Sde<V> + ?Sized,
    P: noether_core::BrownianPath<V> + ?Sized,
    M: noether_diffeq::sde::SdeSolver<V, Calculus = S::Calculus>,
    M::State: Clone,
{
    use noether_diffeq::controller::PidController;
    use noether_diffeq::sde::{Scheme, SdeSystem};
    use noether_diffeq::{OdeProblem, SolveOptions, solve};
    let system = SdeSystem::new(sde, path);
    let problem = OdeProblem::new(&system, span, y0.clone()).tolerances(tol, tol);
    let opts = SolveOptions::default()
        .h0(h0)
        .controller(PidController::pi(0.1, 0.3))
        .max_steps(1_000_000);
    let sol = solve(&problem, Scheme::new(method), opts)?;
    let stats = sol.stats;
    Ok((
        sol.ys
            .into_iter()
            .next_back()
            .expect("SaveAt::End records the end"),
        stats,
    ))
}
