//! Criterion benchmarks of noether-diffeq: explicit tableaux on Lorenz (t ∈ [0, 100])
//! and the stiff solvers on Robertson (t ∈ [0, 10⁵]) with an analytic Jacobian.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use faer::Mat;
use noether_diffeq::bdf::Bdf;
use noether_diffeq::erk::Erk;
use noether_diffeq::esdirk::{Esdirk, KVAERNO5, TRBDF2};
use noether_diffeq::newton::DenseNewton;
use noether_diffeq::problems::{lorenz, named, robertson, robertson_jacobian};
use noether_diffeq::tableau::{DOP853, DOPRI5, TSIT5};
use noether_diffeq::{SolveOptions, solve};
use std::hint::black_box;
use std::time::Duration;

fn explicit(c: &mut Criterion) {
    let mut g = c.benchmark_group("lorenz_t100");
    for tol in [1e-6, 1e-9] {
        let setup = named::lorenz().until(100.0).tolerances(tol, tol);
        let problem = setup.ode_with(&lorenz);
        let opts = || SolveOptions::default().max_steps(10_000_000);
        for tab in [&TSIT5, &DOPRI5, &DOP853] {
            g.bench_with_input(BenchmarkId::new(tab.name, tol), &tol, |b, _| {
                b.iter(|| solve(black_box(&problem), Erk::new(tab), opts()).expect("solve"))
            });
        }
    }
    g.finish();
}

fn stiff(c: &mut Criterion) {
    let mut g = c.benchmark_group("robertson_t1e5");
    let newton = || {
        DenseNewton::with_jacobian(|_t, y: &[f64], j: &mut Mat<f64>| {
            let r = robertson_jacobian(y);
            *j = Mat::from_fn(3, 3, |a, b| r[a][b]);
        })
    };
    for rtol in [1e-4, 1e-8] {
        let setup = named::robertson().tolerances(rtol, rtol * 1e-4);
        let problem = setup.ode_with(&robertson);
        let opts = || SolveOptions::default().max_steps(1_000_000);
        for (name, tab) in [("Kvaerno5", &KVAERNO5), ("TRBDF2", &TRBDF2)] {
            g.bench_with_input(BenchmarkId::new(name, rtol), &rtol, |b, _| {
                b.iter(|| {
                    solve(black_box(&problem), Esdirk::new(tab, newton()), opts()).expect("solve")
                })
            });
        }
        g.bench_with_input(BenchmarkId::new("BDF", rtol), &rtol, |b, _| {
            b.iter(|| solve(black_box(&problem), Bdf::new(newton()), opts()).expect("solve"))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).sample_size(20);
    targets = explicit, stiff
}
criterion_main!(benches);
