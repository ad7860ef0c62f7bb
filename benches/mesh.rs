//! Criterion benchmarks of noether-mesh: the Kuhn unit-cube mesh and its topology,
//! uniform refinement, and the MSH reader.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use noether_mesh::io::msh::{MshFormat, read_msh, write_msh};
use noether_mesh::refine::refine_uniform;
use noether_mesh::{Topology, generate};
use std::hint::black_box;
use std::time::Duration;

fn topology(c: &mut Criterion) {
    let mut g = c.benchmark_group("mesh");
    for n in [10usize, 25] {
        let mesh = generate::unit_cube(n).expect("cube");
        g.throughput(Throughput::Elements(mesh.n_cells() as u64));
        g.bench_with_input(BenchmarkId::new("unit_cube", n), &n, |b, &n| {
            b.iter(|| generate::unit_cube(black_box(n)).expect("cube"))
        });
        g.bench_with_input(BenchmarkId::new("topology", n), &n, |b, _| {
            b.iter(|| Topology::new(black_box(&mesh)).expect("topology"))
        });
        g.bench_with_input(BenchmarkId::new("refine_uniform", n), &n, |b, _| {
            b.iter(|| refine_uniform(black_box(&mesh)).expect("refine"))
        });
        let bin = write_msh(&mesh, MshFormat::V41 { binary: true });
        g.bench_with_input(BenchmarkId::new("read_msh41_binary", n), &n, |b, _| {
            b.iter(|| read_msh(black_box(&bin)).expect("read"))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).sample_size(10);
    targets = topology
}
criterion_main!(benches);
