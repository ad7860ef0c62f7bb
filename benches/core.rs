//! Criterion benchmarks of noether-core: the fused vector kernels, the matrix-free
//! stencil against the same operator as CSR, and CG iterations.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use noether_benches::{laplacian, time_cg_iterations};
use noether_core::Space;
use noether_core::operator::LinearOperator;
use std::hint::black_box;
use std::time::Duration;

fn vectors(n: usize, k: usize) -> Vec<Vec<f64>> {
    (0..k)
        .map(|j| {
            (0..n)
                .map(|i| ((i * (j + 3)) % 101) as f64 / 101.0)
                .collect()
        })
        .collect()
}

fn space_kernels(c: &mut Criterion) {
    let mut g = c.benchmark_group("space");
    for n in [10_000usize, 1_000_000] {
        let xs = vectors(n, 7);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("lincomb6_fused", n), &n, |b, _| {
            let mut y = xs[6].clone();
            let terms: Vec<(f64, &Vec<f64>)> = xs[..6].iter().map(|v| (0.5, v)).collect();
            b.iter(|| y.lincomb(black_box(&terms)));
        });
        g.bench_with_input(BenchmarkId::new("lincomb6_as_axpys", n), &n, |b, _| {
            let mut y = xs[6].clone();
            b.iter(|| {
                y.fill(0.0);
                for x in &xs[..6] {
                    y.axpy(0.5, black_box(x));
                }
            });
        });
        g.bench_with_input(BenchmarkId::new("dot", n), &n, |b, _| {
            b.iter(|| black_box(xs[0].dot(&xs[1])));
        });
    }
    g.finish();
}

fn stencil_vs_csr(c: &mut Criterion) {
    let mut g = c.benchmark_group("laplacian_apply");
    for m in [100usize, 1000] {
        let a = laplacian(m).expect("valid grid");
        let csr = a.to_csr().expect("assembles");
        let x = vectors(m * m, 1).remove(0);
        let mut y = vec![0.0; m * m];
        g.throughput(Throughput::Elements((m * m) as u64));
        g.bench_with_input(BenchmarkId::new("matrix_free", m * m), &m, |b, _| {
            b.iter(|| a.apply(black_box(&x), &mut y));
        });
        g.bench_with_input(BenchmarkId::new("csr", m * m), &m, |b, _| {
            b.iter(|| csr.apply(black_box(&x), &mut y));
        });
    }
    g.finish();
}

fn cg_iterations(c: &mut Criterion) {
    let mut g = c.benchmark_group("cg");
    let a = laplacian(300).expect("valid grid");
    g.bench_function("laplacian_90k_50_iterations", |b| {
        b.iter(|| time_cg_iterations(&a, 50, 1).expect("runs"));
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = space_kernels, stencil_vs_csr, cg_iterations
}
criterion_main!(benches);
