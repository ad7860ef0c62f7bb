//! The training workflow end to end on a neural ODE (an MLP field fitting
//! Lotka–Volterra trajectories, Flex f64, checkpointed gradients through Dopri5):
//!
//! - 200 Adam steps in one go, against 100 steps, a checkpoint, the process ending,
//!   a new process resuming from the checkpoint and taking 100 more: the final
//!   parameters are bitwise equal (the batches come from the checkpointed
//!   generator, Adam's moments and step are restored exactly);
//! - the loss falls;
//! - a corrupt, truncated or mismatched checkpoint is a typed error.
#![cfg(feature = "burn")]

use std::path::{Path, PathBuf};
use std::process::Command;

use burn::tensor::{DType, Device, Tensor};
use noether_core::{ParamField, Space};
use noether_diffeq::DiffeqError;
use noether_diffeq::neural::NeuralField;
use noether_diffeq::neural::fit::{FitSolver, fit_step, observe, rows};
use noether_diffeq::neural::mlp::{Mlp, MlpConfig};
use noether_diffeq::neural::train::{Schedule, SplitMix64, TrainConfig, Trainer};
use noether_diffeq::problems::LotkaVolterra;
use noether_diffeq::tableau::DOPRI5;

const TIMES: [f64; 2] = [1.0, 2.0];
const TRAJECTORIES: usize = 16;
const BATCH: usize = 8;

fn dev() -> (Device, DType) {
    (Device::flex(), DType::F64)
}

/// Lotka–Volterra trajectories from seeded initial states: initial states and one
/// `[TRAJECTORIES, 2]` tensor per time.
fn data() -> (Tensor<2>, Vec<Tensor<2>>) {
    let mut rng = SplitMix64::new(11);
    let y0s: Vec<Vec<f64>> = (0..TRAJECTORIES)
        .map(|_| vec![0.5 + rng.uniform(), 0.5 + rng.uniform()])
        .collect();
    let (d, t) = dev();
    observe(&LotkaVolterra::classic(), &y0s, &TIMES, 1e-10, (&d, t)).unwrap()
}

fn new_field() -> NeuralField<Mlp> {
    let net = MlpConfig::new(2, &[16])
        .dtype(DType::F64)
        .seed(5)
        .init(&Device::flex().autodiff())
        .unwrap();
    NeuralField::new(net).unwrap()
}

/// One training step on a batch drawn by the trainer's generator.
fn train_step(
    field: &mut NeuralField<Mlp>,
    trainer: &mut Trainer,
    data: &(Tensor<2>, Vec<Tensor<2>>),
) -> f64 {
    let idx = trainer.rng().sample(TRAJECTORIES, BATCH);
    let y0 = rows(&data.0, &idx);
    let targets: Vec<Tensor<2>> = data.1.iter().map(|y| rows(y, &idx)).collect();
    let solver = FitSolver::new(&DOPRI5, 1e-5);
    fit_step(field, trainer, y0, &TIMES, &targets, solver)
        .unwrap()
        .loss
}

fn config() -> TrainConfig {
    TrainConfig::adam(1e-2)
        .schedule(Schedule::Cosine {
            steps: 200,
            final_fraction: 0.1,
        })
        .ema(0.99)
        .seed(3)
}

/// Trains `steps` steps from `resume` (a checkpoint) or from scratch, then writes a
/// checkpoint to `save`. Returns the losses.
fn run(steps: usize, resume: Option<&Path>, save: &Path) -> Vec<f64> {
    let data = data();
    let mut field = new_field();
    let mut trainer = match resume {
        Some(path) => {
            let (t, theta) = Trainer::load(path, field.params()).unwrap();
            field.set_params(&theta).unwrap();
            t
        }
        None => Trainer::new(field.params().len(), config()).unwrap(),
    };
    let losses = (0..steps)
        .map(|_| train_step(&mut field, &mut trainer, &data))
        .collect();
    trainer.save(save, field.params()).unwrap();
    losses
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("noether-train-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Run by `resume_in_a_new_process_is_bitwise_equal` in a child process: the
/// second half of the interrupted run.
#[test]
#[ignore = "run as a child process by resume_in_a_new_process_is_bitwise_equal"]
fn child_resumes_from_checkpoint() {
    let (Ok(from), Ok(to)) = (
        std::env::var("NOETHER_RESUME_FROM"),
        std::env::var("NOETHER_RESUME_TO"),
    ) else {
        return;
    };
    run(100, Some(Path::new(&from)), Path::new(&to));
}

#[test]
fn resume_in_a_new_process_is_bitwise_equal() {
    let (straight, half, resumed) = (
        scratch("straight.safetensors"),
        scratch("half.safetensors"),
        scratch("resumed.safetensors"),
    );
    let losses = run(200, None, &straight);
    run(100, None, &half);
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_resumes_from_checkpoint",
            "--ignored",
            "--quiet",
        ])
        .env("NOETHER_RESUME_FROM", &half)
        .env("NOETHER_RESUME_TO", &resumed)
        .status()
        .unwrap();
    assert!(status.success(), "the resuming process failed");
    let like = new_field().params().clone();
    let (_, a) = Trainer::load(&straight, &like).unwrap();
    let (tb, b) = Trainer::load(&resumed, &like).unwrap();
    assert_eq!(tb.steps(), 200);
    let (a, b) = (a.to_f64_vec(), b.to_f64_vec());
    let same = a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits());
    assert!(
        same,
        "resumed parameters differ: max |Δ| = {:e}",
        a.iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    );
    let first: f64 = losses[..10].iter().sum::<f64>() / 10.0;
    let last: f64 = losses[190..].iter().sum::<f64>() / 10.0;
    eprintln!("loss: first 10 steps {first:.4e}, last 10 {last:.4e}");
    assert!(
        last < 0.5 * first,
        "the loss did not fall: {first:e} → {last:e}"
    );
}

#[test]
fn bad_checkpoints_are_typed_errors() {
    let path = scratch("good.safetensors");
    let field = new_field();
    let trainer = Trainer::new(field.params().len(), config()).unwrap();
    trainer.save(&path, field.params()).unwrap();
    let like = field.params().clone();
    // a model of another size
    let (d, t) = dev();
    let other = Tensor::<1>::zeros([like.dims()[0] + 1], (&d, t));
    assert!(matches!(
        Trainer::load(&path, &other),
        Err(DiffeqError::Checkpoint { .. })
    ));
    // truncated, garbage, missing
    let bytes = std::fs::read(&path).unwrap();
    let cut = scratch("cut.safetensors");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(
        Trainer::load(&cut, &like),
        Err(DiffeqError::Checkpoint { .. })
    ));
    let junk = scratch("junk.safetensors");
    std::fs::write(&junk, b"not a checkpoint at all").unwrap();
    assert!(matches!(
        Trainer::load(&junk, &like),
        Err(DiffeqError::Checkpoint { .. })
    ));
    assert!(matches!(
        Trainer::load(&scratch("missing"), &like),
        Err(DiffeqError::Checkpoint { .. })
    ));
    // a NaN gradient stops training with a typed error, the weights untouched
    let mut tr = Trainer::new(like.dims()[0], config()).unwrap();
    let nan = like.clone().mul_scalar(f64::NAN);
    assert!(matches!(
        tr.step(&like, &nan, 1.0),
        Err(DiffeqError::NonFiniteLoss { step: 0, .. })
    ));
    assert!(matches!(
        tr.step(&like, &like, f64::NAN),
        Err(DiffeqError::NonFiniteLoss { .. })
    ));
    assert_eq!(tr.steps(), 0);
}
