//! Criterion benchmarks of noether-gp: the exact solve and log-determinant of
//! `K ⊗ K ⊗ K + σ²I` (mirror basis for a uniform grid, dense eigenbasis for a
//! non-uniform one), and one GP-HM Adam step in 1-D (N = 400) and 2-D (200²).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use faer::Mat;
use noether_gp::gphm::{GpHm, GpHmOptions};
use noether_gp::kernel::Envelope;
use noether_gp::kron::KroneckerEigen;
use std::f64::consts::PI;
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
    let axis = |n: usize| -> Vec<f64> {
        (0..n)
            .map(|i| 2.0 * PI * i as f64 / (n - 1) as f64)
            .collect()
    };
    let x1 = axis(400);
    let f1: Vec<f64> = x1.iter().map(|v| -1e4 * (100.0 * v).sin()).collect();
    let mut s1 =
        GpHm::new(vec![x1], &f1, &|p| (100.0 * p[0]).sin(), opts.clone()).expect("1-D solver");
    g.bench_function("poisson1d-400", |b| b.iter(|| s1.step().expect("step")));
    let x2 = axis(200);
    let f2: Vec<f64> = x2
        .iter()
        .flat_map(|&a| {
            x2.iter()
                .map(move |&b| -2e4 * (100.0 * a).sin() * (100.0 * b).sin())
        })
        .collect();
    let mut s2 = GpHm::new(
        vec![x2.clone(), x2.clone()],
        &f2,
        &|p| (100.0 * p[0]).sin() * (100.0 * p[1]).sin(),
        opts,
    )
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
