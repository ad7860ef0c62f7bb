//! A neural SDE fitting the law of an Ornstein–Uhlenbeck process: drift and
//! diffusion MLPs (`NeuralSde`, 2 → 16 → 1 each with time input, tanh, f64 on burn's
//! Flex) trained so that the means and variances of 512 sampled paths at 10 times in
//! `(0, 1]` match those of `dX = θ(μ − X) dt + s dW`, `X(0) = 0` (θ = 2, μ = 1,
//! s = 0.5): `m(t) = μ(1 − e^{−θt})`, `v(t) = s²(1 − e^{−2θt})/(2θ)`. Gradients
//! through 100 reversible Heun steps by the reversible adjoint (`SdeTape`, O(1)
//! memory), a fresh Brownian path every step, Adam through the training workflow.
//!
//! `cargo run --release -p noether-diffeq --features burn --example neural_sde_ou -- [steps]`
//! (default 300 steps).

use burn::tensor::{DType, Device, Tensor, TensorData};
use noether_core::{ParamSde, Space};
use noether_diffeq::adjoint::{SdeAdjoint, SdeTape};
use noether_diffeq::brownian::VirtualBrownianTree;
use noether_diffeq::neural::NeuralSde;
use noether_diffeq::neural::mlp::{Mlp, MlpConfig};
use noether_diffeq::neural::train::{Schedule, TrainConfig, Trainer};

const BATCH: usize = 512;
const STEPS: usize = 100;
const THETA: f64 = 2.0;
const MU: f64 = 1.0;
const S: f64 = 0.5;

fn exact(t: f64) -> (f64, f64) {
    (
        MU * (1.0 - (-THETA * t).exp()),
        S * S * (1.0 - (-2.0 * THETA * t).exp()) / (2.0 * THETA),
    )
}

/// The moment loss `Σₜ (m̂ − m)² + (v̂ − v)²` over the saved states, and its
/// cotangents with respect to every sample.
fn moment_loss(ys: &[Tensor<2>], times: &[f64]) -> (f64, Vec<Tensor<2>>, f64) {
    let n = BATCH as f64;
    let mut loss = 0.0;
    let mut last_err = 0.0;
    let cots = ys
        .iter()
        .zip(times)
        .map(|(y, &t)| {
            let x = y.to_f64_vec();
            let m = x.iter().sum::<f64>() / n;
            let v = x.iter().map(|xi| (xi - m) * (xi - m)).sum::<f64>() / n;
            let (me, ve) = exact(t);
            loss += (m - me).powi(2) + (v - ve).powi(2);
            last_err = ((m - me).abs()).max((v - ve).abs());
            // ∂/∂xᵢ: 2(m̂ − m)/n + 2(v̂ − v)·2(xᵢ − m̂)/n.
            let c: Vec<f64> = x
                .iter()
                .map(|xi| 2.0 * (m - me) / n + 4.0 * (v - ve) * (xi - m) / n)
                .collect();
            Tensor::<2>::from_data(TensorData::new(c, [BATCH, 1]), (&y.device(), y.dtype()))
        })
        .collect();
    (loss, cots, last_err)
}

fn mlp(seed: u64) -> Result<Mlp, noether_diffeq::DiffeqError> {
    MlpConfig::new(1, &[16])
        .dtype(DType::F64)
        .seed(seed)
        .init(&Device::flex().autodiff())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let steps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let mut sde = NeuralSde::new(mlp(1)?, mlp(2)?)?;
    let n = sde.params().len();
    let mut trainer = Trainer::new(
        n,
        TrainConfig::adam(1e-2).schedule(Schedule::Cosine {
            steps: steps as u64,
            final_fraction: 0.1,
        }),
    )?;
    let times: Vec<f64> = (1..=10).map(|i| i as f64 / 10.0).collect();
    let y0 = Tensor::<2>::zeros([BATCH, 1], (&Device::flex(), DType::F64));
    let start = std::time::Instant::now();
    let mut first = None;
    let mut last = (0.0, 0.0);
    for k in 0..steps {
        let path = VirtualBrownianTree::new(0.0, 1.0, BATCH, 1e-6, 100 + k as u64)?;
        let (loss, grad, err) = {
            let tape = SdeTape::record(
                &sde,
                &path,
                (0.0, 1.0),
                y0.clone(),
                STEPS,
                &times,
                SdeAdjoint::Reversible,
            )?;
            let (loss, cots, err) = moment_loss(tape.ys(), &times);
            (loss, tape.vjp(&cots)?.params, err)
        };
        first.get_or_insert((loss, err));
        last = (loss, err);
        let theta = trainer.step(sde.params(), &grad, loss)?;
        sde.set_params(&theta)?;
        if k % (steps / 10).max(1) == 0 || k + 1 == steps {
            println!("step {k:4}: moment loss {loss:.3e}, worst moment error at t = 1: {err:.3e}");
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let (l0, e0) = first.unwrap_or_default();
    println!(
        "{steps} steps in {elapsed:.1} s: moment loss {l0:.3e} → {:.3e}, worst moment error at t = 1 {e0:.3e} → {:.3e}",
        last.0, last.1
    );
    Ok(())
}
