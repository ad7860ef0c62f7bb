//! Criterion benchmarks of noether-gp: the exact solve and log-determinant of
//! `K ⊗ K ⊗ K + σ²I` (mirror basis for a uniform grid, dense eigenbasis for a
//! non-uniform one), and one GP-HM Adam step in 1-D (N = 400) and 2-D (200²).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use faer::Mat;
use noether_gp::gphm::GpHmOptions;
use noether_gp::kernel::Envelope;
use noether_gp::kron::KroneckerEigen;
use noether_gp::problems::{Poisson2d, TABLE_1D};
use std::hint::black_box;
use std::time::Duration;

/// The squared-exponential Gram matrix (length scale 0.2, jitter 1e-6) on `x`.
fn se_gram(x: &[f64]) -> Mat<f64> {
    Mat::from_fn(x.len(), x.len(), |i, j| {
        (-(x[i] - x[j]).powi(2) / 0.08).exp() + if i == j { 1e-6 } else { 0.0 }
    })
}

fn kronecker(c: &mut Criterion) {
    let mut g = c.benchmark_group("gp-kron-solve-logdet");
    for (name, n, stretched) in [
        ("uniform", 64usize, false),
        ("uniform", 128, false),
        ("stretched", 128, true),
    ] {
        // a stretched grid is not centrosymmetric: the dense eigenbasis
        let x: Vec<f64> = (0..n)
            .map(|i| {
                let t = i as f64 / (n - 1) as f64;
                if stretched { t * t } else { t }
            })
            .collect();
        let k = se_gram(&x);
        let y: Vec<f64> = (0..n * n * n).map(|i| (i as f64 * 0.37).cos()).collect();
        g.throughput(Throughput::Elements(y.len() as u64));
        g.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
            b.iter(|| {
                let gram = KroneckerEigen::new(&[k.clone(), k.clone(), k.clone()], 1e-2)
                    .expect("factorisation");
                let z = gram.solve(black_box(&y)).expect("solve");
                (z[0], gram.log_det())
            })
        });
    }
    g.finish();
}

fn gphm_step(c: &mut Criterion) {
    let mut g = c.benchmark_group("gp-hm-adam-step");
    let opts = GpHmOptions {
        envelope: Envelope::Gaussian,
        ..GpHmOptions::default()
    };
    let mut s1 = TABLE_1D[0].solver(opts.clone()).expect("1-D solver");
    g.bench_function("poisson1d-400", |b| b.iter(|| s1.step().expect("step")));
    let mut s2 = Poisson2d { k: 100.0, n: 200 }
        .solver(opts)
        .expect("2-D solver");
    g.bench_function("poisson2d-200x200", |b| b.iter(|| s2.step().expect("step")));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(4)).sample_size(20);
    targets = kronecker, gphm_step
}
criterion_main!(benches);
