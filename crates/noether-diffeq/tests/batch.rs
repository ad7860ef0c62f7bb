//! Per-sample step control (`noether_diffeq::batch`):
//!
//! - 64 Lorenz states over t ∈ [0, 1] at rtol = atol = 1e-5 in f32, batched as a
//!   `HostBatch<f32>` and as a burn `Tensor<2>` (Flex, f32), with Dopri5 and Tsit5:
//!   every sample agrees with its own `Vec<f32>` solve to 1e-4 relative (they are
//!   in fact bitwise equal: the batched arithmetic rounds as the single solve's)
//!   and takes exactly that solve's accepted and rejected step counts;
//! - Euler–Maruyama on the same 64 Lorenz states with additive noise (σ = 0.5 per
//!   component, 200 fixed steps, one virtual Brownian tree for all 192 components),
//!   as a `Tensor<2>` (Flex, f32) against 64 `Vec<f32>` solves each driven by its
//!   own three components of the tree: agreement to 1e-4 relative (bitwise equal in
//!   fact);
//! - 64 Van der Pol oscillators with μ log-spaced in [0.1, 10]: per-sample control
//!   needs at least 2× fewer sample-evaluations than one shared step for the batch.

use burn::tensor::{DType, Device, Tensor, TensorData};
use noether_core::{BrownianPath, HostBatch, Ito, NoiseShape, Sde, Space};
use noether_diffeq::batch::{Autonomous, BatchOptions, BatchSolution, solve_batch};
use noether_diffeq::brownian::VirtualBrownianTree;
use noether_diffeq::erk::Erk;
use noether_diffeq::sde::EulerMaruyama;
use noether_diffeq::tableau::{ButcherTableau, DOPRI5, TSIT5};
use noether_diffeq::{OdeProblem, SolveOptions, solve};

use crate::common;

const B: usize = 64;

fn lorenz_rows(y: &[f32], dy: &mut [f32]) {
    for (s, d) in y.chunks_exact(3).zip(dy.chunks_exact_mut(3)) {
        d[0] = 10.0 * (s[1] - s[0]);
        d[1] = s[0] * (28.0 - s[2]) - s[1];
        d[2] = s[0] * s[1] - 8.0 / 3.0 * s[2];
    }
}

fn initial_states() -> Vec<f32> {
    (0..B)
        .flat_map(|b| {
            let u = b as f32 / B as f32;
            [
                1.0 + 10.0 * u,
                -5.0 + 8.0 * u * u,
                20.0 + 5.0 * (7.0 * u).sin(),
            ]
        })
        .collect()
}

/// Lorenz on a burn tensor `[B, 3]`, column by column.
fn lorenz_tensor(_t: f64, y: &Tensor<2>, dy: &mut Tensor<2>) {
    let x = y.clone().slice([0..B, 0..1]);
    let v = y.clone().slice([0..B, 1..2]);
    let z = y.clone().slice([0..B, 2..3]);
    let dx = (v.clone() - x.clone()).mul_scalar(10.0);
    let dv = x.clone() * (z.clone().neg().add_scalar(28.0)) - v.clone();
    let dz = x * v - z.mul_scalar(8.0 / 3.0);
    *dy = Tensor::cat(vec![dx, dv, dz], 1);
}

fn check(
    name: &str,
    tab: &ButcherTableau,
    sol: &BatchSolution<Vec<f32>>,
    singles: &[(Vec<f32>, usize, usize)],
    exact_steps: bool,
) {
    let mut worst = 0.0f32;
    let (mut ours, mut theirs) = (0, 0);
    for (b, (y, acc, rej)) in singles.iter().enumerate() {
        let got = &sol.y[3 * b..3 * b + 3];
        let norm = y.iter().map(|v| v * v).sum::<f32>().sqrt();
        let diff = got
            .iter()
            .zip(y)
            .map(|(a, c)| (a - c) * (a - c))
            .sum::<f32>()
            .sqrt();
        worst = worst.max(diff / norm);
        ours += sol.accepted[b] + sol.rejected[b];
        theirs += acc + rej;
        if exact_steps {
            assert_eq!(
                (sol.accepted[b], sol.rejected[b]),
                (*acc, *rej),
                "{name} {}: sample {b} steps",
                tab.name
            );
        }
    }
    eprintln!(
        "{name} {}: {ours} attempted steps over the batch, {theirs} by the single solves",
        tab.name
    );
    if !exact_steps {
        let rel = (ours as f64 - theirs as f64).abs() / theirs as f64;
        assert!(
            rel < 0.05,
            "{name} {}: attempted steps differ by {rel:.3}",
            tab.name
        );
    }
    eprintln!(
        "{name} {}: worst relative difference {worst:.2e}; steps per sample {}..{}",
        tab.name,
        sol.accepted.iter().min().unwrap_or(&0),
        sol.accepted.iter().max().unwrap_or(&0)
    );
    assert!(worst < 1e-4, "{name} {}: {worst:e}", tab.name);
}

/// Each of the 64 Lorenz states solved alone as a `Vec<f32>`: final state and the
/// accepted and rejected step counts.
fn single_solves(tab: &ButcherTableau) -> Vec<(Vec<f32>, usize, usize)> {
    let f1 = |_t: f64, y: &Vec<f32>, dy: &mut Vec<f32>| lorenz_rows(y, dy);
    initial_states()
        .chunks_exact(3)
        .map(|s| {
            let p = OdeProblem::new(&f1, (0.0, 1.0), s.to_vec()).tolerances(1e-5, 1e-5);
            let sol = solve(&p, Erk::new(tab), SolveOptions::default()).unwrap();
            (sol.ys[0].clone(), sol.stats.accepted, sol.stats.rejected)
        })
        .collect()
}

/// The 64 Lorenz states as one `[64, 3]` f32 tensor on `device`.
fn tensor_states(device: &Device) -> Tensor<2> {
    Tensor::<2>::from_data(
        TensorData::new(initial_states(), [B, 3]),
        (device, DType::F32),
    )
}

/// The batch solved with per-sample control as a tensor on `device`, brought back
/// to the host.
fn tensor_batch(tab: &ButcherTableau, device: &Device) -> BatchSolution<Vec<f32>> {
    let opts = BatchOptions::new(1e-5, 1e-5);
    let ten = solve_batch(
        &Autonomous(&lorenz_tensor),
        tab,
        (0.0, 1.0),
        tensor_states(device),
        &opts,
    )
    .unwrap();
    BatchSolution {
        y: ten.y.to_f64_vec().iter().map(|v| *v as f32).collect(),
        accepted: ten.accepted.clone(),
        rejected: ten.rejected.clone(),
        batch_evals: ten.batch_evals,
        sample_evals: ten.sample_evals,
    }
}

#[test]
fn batched_lorenz_takes_each_samples_own_steps() {
    let y0 = initial_states();
    for tab in [&DOPRI5, &TSIT5] {
        let singles = single_solves(tab);
        let opts = BatchOptions::new(1e-5, 1e-5);
        // host batch
        let fb = |_t: f64, y: &HostBatch<f32>, dy: &mut HostBatch<f32>| {
            let mut out = vec![0.0f32; y.data().len()];
            lorenz_rows(y.data(), &mut out);
            *dy = HostBatch::new(out, B);
        };
        let host = solve_batch(
            &Autonomous(&fb),
            tab,
            (0.0, 1.0),
            HostBatch::new(y0.clone(), B),
            &opts,
        )
        .unwrap();
        let host_sol = BatchSolution {
            y: host.y.data().to_vec(),
            accepted: host.accepted.clone(),
            rejected: host.rejected.clone(),
            batch_evals: host.batch_evals,
            sample_evals: host.sample_evals,
        };
        check("HostBatch<f32>", tab, &host_sol, &singles, true);
        // burn tensor on Flex
        let ten_sol = tensor_batch(tab, &Device::flex());
        check("Tensor<2> f32", tab, &ten_sol, &singles, true);
    }
}

/// Euler–Maruyama on the noisy Lorenz batch as a tensor on `device`, against the
/// 64 single `Vec<f32>` solves: the worst relative difference.
fn euler_maruyama_batch_vs_single(device: &Device) -> f64 {
    let y0 = initial_states();
    let tree = VirtualBrownianTree::new(0.0, 1.0, 3 * B, 1e-6, 17).unwrap();
    let n = 200;
    let batch = common::sde_fixed(
        EulerMaruyama,
        &NoisyLorenz,
        &tree,
        (0.0, 1.0),
        &tensor_states(device),
        n,
    )
    .unwrap()
    .to_f64_vec();
    let mut worst = 0.0f64;
    for (b, s) in y0.chunks_exact(3).enumerate() {
        let path = SamplePath {
            tree: &tree,
            sample: b,
        };
        let single = common::sde_fixed(
            EulerMaruyama,
            &NoisyLorenz,
            &path,
            (0.0, 1.0),
            &s.to_vec(),
            n,
        )
        .unwrap();
        let scale = single.iter().map(|v| v.abs() as f64).fold(0.0, f64::max);
        for (a, v) in batch[3 * b..3 * b + 3].iter().zip(&single) {
            worst = worst.max((a - *v as f64).abs() / scale);
        }
    }
    worst
}

/// The same batch tests on burn's wgpu backend (cubecl on Vulkan; lavapipe on a
/// machine without a GPU): Dopri5 and Tsit5 with per-sample control and
/// Euler–Maruyama agree with the single host solves to 1e-4 relative. The device's
/// arithmetic need not round as the host's, so step counts are compared in total
/// (within 5%) and printed per sample rather than required equal.
#[cfg(feature = "wgpu")]
#[test]
fn batched_solves_run_on_wgpu() {
    let device = Device::wgpu(burn::tensor::DeviceKind::Cpu);
    for tab in [&DOPRI5, &TSIT5] {
        let singles = single_solves(tab);
        let sol = tensor_batch(tab, &device);
        let same = singles
            .iter()
            .enumerate()
            .filter(|(b, (_, a, r))| (sol.accepted[*b], sol.rejected[*b]) == (*a, *r))
            .count();
        eprintln!(
            "wgpu {}: {same} of {B} samples take their single solve's steps exactly",
            tab.name
        );
        check("Tensor<2> f32 on wgpu", tab, &sol, &singles, false);
    }
    let worst = euler_maruyama_batch_vs_single(&device);
    eprintln!("wgpu Euler–Maruyama: worst relative difference batch vs single {worst:.2e}");
    assert!(worst < 1e-4, "{worst:e}");
}

#[test]
fn per_sample_control_saves_work_on_mixed_stiffness() {
    // Van der Pol y₁' = y₂, y₂' = μ(1 − y₁²)y₂ − y₁ with μ log-spaced in [0.1, 10]
    let mus: Vec<f64> = (0..B)
        .map(|b| 0.1 * 100f64.powf(b as f64 / (B - 1) as f64))
        .collect();
    let f = |_t: f64, y: &HostBatch<f64>, dy: &mut HostBatch<f64>| {
        let out: Vec<f64> = y
            .data()
            .chunks_exact(2)
            .zip(&mus)
            .flat_map(|(s, mu)| [s[1], mu * (1.0 - s[0] * s[0]) * s[1] - s[0]])
            .collect();
        *dy = HostBatch::new(out, B);
    };
    let y0 = HostBatch::new([2.0, 0.0].repeat(B), B);
    let span = (0.0, 10.0);
    let per = solve_batch(
        &Autonomous(&f),
        &TSIT5,
        span,
        y0.clone(),
        &BatchOptions::new(1e-6, 1e-6),
    )
    .unwrap();
    // one shared step for the whole batch (the batch-wide norm)
    let problem = OdeProblem::new(&f, span, y0).tolerances(1e-6, 1e-6);
    let shared = solve(&problem, Erk::new(&TSIT5), SolveOptions::default()).unwrap();
    let shared_evals = B * shared.stats.nfev;
    let ratio = shared_evals as f64 / per.sample_evals as f64;
    eprintln!(
        "sample-evaluations: per-sample control {}, shared step {} ({} steps × {B}); ratio {ratio:.2}",
        per.sample_evals, shared_evals, shared.stats.accepted
    );
    eprintln!(
        "per-sample accepted steps: μ = 0.1: {}, μ = 10: {}",
        per.accepted[0],
        per.accepted[B - 1]
    );
    assert!(ratio >= 2.0, "ratio {ratio}");
    // and the two agree on the states
    let diff = per
        .y
        .data()
        .iter()
        .zip(shared.ys[0].data())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(diff < 1e-3, "{diff}");
}

/// Lorenz with additive noise `σ = 0.5` on every component, Itô.
struct NoisyLorenz;

impl Sde<Tensor<2>> for NoisyLorenz {
    type Calculus = Ito;
    fn noise_shape(&self) -> NoiseShape {
        NoiseShape::Additive
    }
    fn drift(&self, t: f64, x: &Tensor<2>, out: &mut Tensor<2>) {
        lorenz_tensor(t, x, out);
    }
    fn diffusion_times(&self, _t: f64, _x: &Tensor<2>, dw: &Tensor<2>, out: &mut Tensor<2>) {
        *out = dw.clone().mul_scalar(0.5);
    }
}

impl Sde<Vec<f32>> for NoisyLorenz {
    type Calculus = Ito;
    fn noise_shape(&self) -> NoiseShape {
        NoiseShape::Additive
    }
    fn drift(&self, _t: f64, x: &Vec<f32>, out: &mut Vec<f32>) {
        lorenz_rows(x, out);
    }
    fn diffusion_times(&self, _t: f64, _x: &Vec<f32>, dw: &Vec<f32>, out: &mut Vec<f32>) {
        for (o, d) in out.iter_mut().zip(dw) {
            *o = 0.5 * d;
        }
    }
}

/// Components `3b..3b + 3` of a batch-wide Brownian tree: sample `b`'s own path.
struct SamplePath<'a> {
    tree: &'a VirtualBrownianTree,
    sample: usize,
}

impl BrownianPath<Vec<f32>> for SamplePath<'_> {
    fn interval(&self) -> (f64, f64) {
        BrownianPath::<Vec<f32>>::interval(self.tree)
    }
    fn increment(&self, s: f64, t: f64, out: &mut Vec<f32>) {
        let mut all = vec![0.0; self.tree.dim()];
        self.tree.increment_into(s, t, &mut all);
        for (o, v) in out.iter_mut().zip(&all[3 * self.sample..]) {
            *o = *v as f32;
        }
    }
}

#[test]
fn batched_euler_maruyama_matches_single_solves() {
    let worst = euler_maruyama_batch_vs_single(&Device::flex());
    eprintln!(
        "Euler–Maruyama, {B} Lorenz states, 200 steps: worst relative difference batch vs single {worst:.2e}"
    );
    assert!(worst < 1e-4, "{worst:e}");
}
