//! The neural-ODE showcase of `cargo xtask demo`: an MLP field fitted to
//! Lotka–Volterra trajectories by Adam, with gradients through Dopri5.

use std::time::Instant;

use burn::tensor::{DType, Device, Tensor};
use noether_core::{ParamField, Space};
use noether_diffeq::erk::Erk;
use noether_diffeq::neural::NeuralField;
use noether_diffeq::neural::fit::{FitSolver, evaluate, fit_step, observe};
use noether_diffeq::neural::mlp::MlpConfig;
use noether_diffeq::neural::train::{Schedule, SplitMix64, TrainConfig, Trainer};
use noether_diffeq::problems::LotkaVolterra;
use noether_diffeq::tableau::DOPRI5;
use noether_diffeq::{OdeProblem, SaveAt, SolveOptions, solve};
use xtask::Result;
use xtask::paths::reports_dir;

use crate::plot::{self, Series};
use crate::progress::bar;
use crate::report::{Report, Row};

/// Observation times of the training trajectories.
const TIMES: [f64; 8] = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0];
/// Adam steps.
const STEPS: usize = 300;

fn initial_states(n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = SplitMix64::new(seed);
    (0..n)
        .map(|_| vec![0.5 + 1.5 * rng.uniform(), 0.5 + 1.5 * rng.uniform()])
        .collect()
}

/// noether-diffeq (neural): train, report the losses and the cost per step, plot
/// the loss curve and learned against true trajectories.
pub fn run(report: &mut Report) -> Result<()> {
    println!("noether-diffeq (neural): a neural ODE fitted to Lotka–Volterra trajectories");
    let opts = (&Device::flex(), DType::F64);
    let lv = LotkaVolterra::classic();
    let (y0, data) = observe(&lv, &initial_states(32, 1), &TIMES, 1e-10, opts)?;
    let test_states = initial_states(16, 2);
    let (y0_test, data_test) = observe(&lv, &test_states, &TIMES, 1e-10, opts)?;
    let net = MlpConfig::new(2, &[32, 32])
        .dtype(DType::F64)
        .seed(0)
        .init(&Device::flex().autodiff())?;
    let mut field = NeuralField::new(net)?;
    let mut trainer = Trainer::new(
        field.params().len(),
        TrainConfig::adam(1e-2).schedule(Schedule::Cosine {
            steps: STEPS as u64,
            final_fraction: 0.05,
        }),
    )?;
    let solver = FitSolver::new(&DOPRI5, 1e-6);
    let pb = bar(STEPS as u64, "neural ODE, Adam");
    let start = Instant::now();
    let mut losses = Vec::with_capacity(STEPS);
    let mut nfe = 0;
    for _ in 0..STEPS {
        let s = fit_step(&mut field, &mut trainer, y0.clone(), &TIMES, &data, solver)?;
        losses.push(s.loss);
        nfe = s.forward.nfev;
        pb.set_message(format!("loss {:.3e}", s.loss));
        pb.inc(1);
    }
    pb.finish_with_message("done");
    let elapsed = start.elapsed().as_secs_f64();
    let held_out = evaluate(&field, y0_test, &TIMES, &data_test, solver)?;
    let row = |metric: &str, value: f64| Row {
        case: "neural-ode-lotka-volterra-mlp-2-32-32-2".into(),
        metric: metric.into(),
        value,
        elapsed_s: elapsed,
        ..Default::default()
    };
    report.push(row("first_loss", losses[0]));
    report.push(row("final_loss", losses[STEPS - 1]));
    report.push(row("held_out_loss", held_out));
    report.push(row("ms_per_step", 1e3 * elapsed / STEPS as f64));
    report.push(row("forward_nfe_last_step", nfe as f64));
    let dir = reports_dir();
    std::fs::create_dir_all(&dir)?;
    let curve = [Series {
        label: "training loss".into(),
        points: losses
            .iter()
            .enumerate()
            .map(|(k, l)| (k as f64, *l))
            .collect(),
    }];
    let png = dir.join("demo-neural-loss.png");
    match plot::log_y(
        &png,
        "Neural ODE on Lotka–Volterra: loss",
        "Adam step",
        "loss",
        &curve,
    ) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    // three held-out trajectories, true against learned, on a fine grid
    let fine: Vec<f64> = (1..=200).map(|i| 4.0 * i as f64 / 200.0).collect();
    let mut series = Vec::new();
    for (k, y) in test_states.iter().take(3).enumerate() {
        let (_, truth) = observe(&lv, std::slice::from_ref(y), &fine, 1e-10, opts)?;
        let problem = OdeProblem::new(&field, (0.0, 4.0), y0_row(y, opts)).tolerances(1e-6, 1e-6);
        let learned = solve(
            &problem,
            Erk::new(&DOPRI5),
            SolveOptions::default().save_at(SaveAt::Times(fine.clone())),
        )?;
        let path = |ys: &[Tensor<2>]| -> Vec<(f64, f64)> {
            std::iter::once((y[0], y[1]))
                .chain(ys.iter().map(|t| {
                    let v = t.to_f64_vec();
                    (v[0], v[1])
                }))
                .collect()
        };
        series.push(Series {
            label: format!("true {}", k + 1),
            points: path(&truth),
        });
        series.push(Series {
            label: format!("learned {}", k + 1),
            points: path(&learned.ys),
        });
    }
    let png = dir.join("demo-neural-trajectories.png");
    match plot::xy(
        &png,
        "Held-out trajectories: true and learned",
        "prey",
        "predator",
        &series,
        false,
    ) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    Ok(())
}

/// One initial state as a `[1, 2]` tensor.
fn y0_row(y: &[f64], (device, dtype): (&Device, DType)) -> Tensor<2> {
    Tensor::from_data(
        burn::tensor::TensorData::new(y.to_vec(), [1, y.len()]),
        (device, dtype),
    )
}
