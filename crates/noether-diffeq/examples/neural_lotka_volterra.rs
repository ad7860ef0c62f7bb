//! A neural ODE fitting Lotka–Volterra trajectories: an MLP field `f_θ(t, y)`
//! (2 → 32 → 32 → 2, tanh, f64 on burn's Flex) is trained by Adam on 32
//! trajectories observed at 8 times in `[0, 4]`, with gradients through Dopri5 by
//! the checkpointed adjoint; held-out trajectories measure the fit.
//!
//! `cargo run --release -p noether-diffeq --features burn --example neural_lotka_volterra -- [steps]`
//! (default 300 steps; writes `target/noether/neural_lotka_volterra.safetensors`).

use burn::tensor::{DType, Device, Tensor};
use noether_diffeq::DiffeqError;
use noether_diffeq::neural::NeuralField;
use noether_diffeq::neural::fit::{FitSolver, evaluate, fit_step, observe};
use noether_diffeq::neural::mlp::MlpConfig;
use noether_diffeq::neural::train::{Schedule, SplitMix64, TrainConfig, Trainer};
use noether_diffeq::problems::LotkaVolterra;
use noether_diffeq::tableau::DOPRI5;

const TIMES: [f64; 8] = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0];

/// `n` seeded initial states in `[0.5, 2]²` and their Lotka–Volterra trajectories.
fn trajectories(n: usize, seed: u64) -> Result<(Tensor<2>, Vec<Tensor<2>>), DiffeqError> {
    let mut rng = SplitMix64::new(seed);
    let y0s: Vec<Vec<f64>> = (0..n)
        .map(|_| vec![0.5 + 1.5 * rng.uniform(), 0.5 + 1.5 * rng.uniform()])
        .collect();
    observe(
        &LotkaVolterra::classic(),
        &y0s,
        &TIMES,
        1e-10,
        (&Device::flex(), DType::F64),
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let steps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let (y0, data) = trajectories(32, 1)?;
    let (y0_test, data_test) = trajectories(16, 2)?;
    let net = MlpConfig::new(2, &[32, 32])
        .dtype(DType::F64)
        .seed(0)
        .init(&Device::flex().autodiff())?;
    let mut field = NeuralField::new(net)?;
    let n = noether_core::Space::len(noether_core::ParamField::params(&field));
    let mut trainer = Trainer::new(
        n,
        TrainConfig::adam(3e-3).schedule(Schedule::Cosine {
            steps: steps as u64,
            final_fraction: 0.1,
        }),
    )?;
    let solver = FitSolver::new(&DOPRI5, 1e-6);
    let start = std::time::Instant::now();
    for k in 0..steps {
        let s = fit_step(&mut field, &mut trainer, y0.clone(), &TIMES, &data, solver)?;
        if k % (steps / 10).max(1) == 0 || k + 1 == steps {
            println!(
                "step {k:4}: loss {:.4e}, forward {} steps / {} evaluations, backward {} VJPs",
                s.loss, s.forward.accepted, s.forward.nfev, s.backward.vjps
            );
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let test_loss = evaluate(&field, y0_test, &TIMES, &data_test, solver)?;
    println!(
        "{steps} steps in {elapsed:.1} s ({:.1} ms/step); held-out loss {test_loss:.4e}",
        1e3 * elapsed / steps as f64
    );
    let dir = std::path::Path::new("target/noether");
    std::fs::create_dir_all(dir)?;
    let path = dir.join("neural_lotka_volterra.safetensors");
    trainer.save(&path, noether_core::ParamField::params(&field))?;
    println!("wrote {}", path.display());
    Ok(())
}
