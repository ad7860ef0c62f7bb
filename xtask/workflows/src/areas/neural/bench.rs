//! `cargo xtask bench neural-ode`: one training step (forward solve and gradient)
//! of diffrax's `benchmarks/small_neural_ode.py` model against diffrax + equinox,
//! the same weights and initial states on both sides, timings interleaved.
//!
//! The network is the burn [`Mlp`] (4 → 32 → 4, softplus, tanh output, no time
//! input) in f64, run two ways: as a [`NeuralField`] on burn tensors (Flex) and as
//! its host copy [`FusedMlp`] (the same network and flat parameters, hand-written
//! backpropagation). Our checkpointed adjoint runs against diffrax's
//! `RecursiveCheckpointAdjoint`, our backsolve adjoint (rtol = atol = 1e-6, as the
//! forward) against `BacksolveAdjoint`. torchdiffeq is not run: this machine's
//! package index has only the CUDA build of torch. The report ends with the memory
//! of the adjoints (peak heap by a counting allocator at 10², 10³, 10⁴ steps and
//! the fitted log-log slopes), from `tests/adjoint_memory.rs`.

use std::time::Instant;

use burn::tensor::{DType, Device, Tensor, TensorData};
use noether_core::{ParamField, Space};
use noether_diffeq::adjoint::{Adjoint, Tape};
use noether_diffeq::neural::mlp::{Activation, Mlp, MlpConfig};
use noether_diffeq::neural::{FusedMlp, NeuralField};
use noether_diffeq::tableau::DOPRI5_SHAMPINE;
use noether_diffeq::{OdeProblem, SolveOptions};
use serde::Deserialize;
use xtask::Result;

use crate::peer::PeerServer;
use crate::progress::bar;
use crate::report::{Report, Row};
use crate::venv;

const T1: f64 = 100.0;
const TOL: f64 = 1e-6;
const REPEATS: usize = 21;

#[derive(Deserialize)]
struct Layer {
    weight: Vec<Vec<f64>>,
    bias: Vec<f64>,
}

#[derive(Deserialize)]
struct PeerRun {
    adjoint: String,
    loss: f64,
    grad: Vec<f64>,
}

#[derive(Deserialize)]
struct Peer {
    #[serde(default)]
    library: String,
    #[serde(default)]
    weights: Vec<Layer>,
    #[serde(default)]
    y0: Vec<Vec<f64>>,
    #[serde(default)]
    accepted_steps: usize,
    #[serde(default)]
    rejected_steps: usize,
    runs: Vec<PeerRun>,
    note: Option<String>,
}

/// The flat parameters (our layout: per layer the `[in, out]` weight row by row,
/// then the bias) of equinox's layers (weight `[out, in]`).
fn flat_params(layers: &[Layer]) -> Vec<f64> {
    let mut flat = Vec::new();
    for l in layers {
        let (nout, nin) = (l.weight.len(), l.weight.first().map_or(0, Vec::len));
        flat.extend((0..nin * nout).map(|k| l.weight[k % nout][k / nout]));
        flat.extend(&l.bias);
    }
    flat
}

/// The benchmark's network, with random weights until the peer's are loaded.
fn network() -> Result<Mlp> {
    Ok(MlpConfig::new(4, &[32])
        .activation(Activation::Softplus)
        .final_activation(Activation::Tanh)
        .time_input(false)
        .dtype(DType::F64)
        .init(&Device::flex().autodiff())?)
}

/// One timed training step: `(loss, gradient, forward accepted steps, forward
/// evaluations, backward evaluations and VJPs)`.
struct StepResult {
    loss: f64,
    grad: Vec<f64>,
    accepted: usize,
    nfev: usize,
    backward: usize,
}

fn step<V, F>(field: &F, y0: &V, adjoint: Adjoint) -> Result<StepResult>
where
    V: Space<Scalar = f64>,
    F: ParamField<V>,
    F::Params: Space<Scalar = f64>,
{
    let problem = OdeProblem::new(field, (0.0, T1), y0.clone()).tolerances(TOL, TOL);
    let opts = SolveOptions::default().max_steps(1_000_000);
    let tape = Tape::record(&problem, &DOPRI5_SHAMPINE, &opts, &[T1], adjoint)?;
    let y1 = &tape.ys()[0];
    let mut ones = y1.zeros_like();
    ones.fill(1.0);
    let loss = y1.dot(&ones);
    let g = tape.vjp(&[ones])?;
    Ok(StepResult {
        loss,
        grad: g.params.to_f64_vec(),
        accepted: tape.stats().accepted,
        nfev: tape.stats().nfev,
        backward: g.stats.field_evals + g.stats.vjps,
    })
}

/// The bench report.
pub fn run() -> Result<Report> {
    use noether_benches::median;
    let py = venv::python()?;
    let pb = bar(3, "neural-ode: diffrax's small neural ODE");
    pb.set_message("diffrax + equinox (compile and warm up)");
    let (mut server, peer): (_, Peer) =
        PeerServer::start(&py, "neural_ode.py", &[REPEATS.to_string()])?;
    pb.inc(1);
    let mut report = Report::new("neural-ode");
    if let Some(note) = &peer.note {
        println!("note: {note}");
        return Ok(report);
    }
    let theta = flat_params(&peer.weights);
    let y0_flat: Vec<f64> = peer.y0.iter().flatten().copied().collect();
    let batch = peer.y0.len();
    let mut field = NeuralField::new(network()?)?;
    let device = (&Device::flex(), DType::F64);
    field.set_params(&Tensor::<1>::from_data(
        TensorData::new(theta.clone(), [theta.len()]),
        device,
    ))?;
    let mut fused = FusedMlp::new(field.model())?;
    fused.set_params(&theta)?;
    let y0_tensor = Tensor::<2>::from_data(TensorData::new(y0_flat.clone(), [batch, 4]), device);
    pb.set_message("noether (burn tensors and fused host MLP)");
    let adjoints = [
        (
            "checkpointed",
            Adjoint::Checkpointed,
            "RecursiveCheckpointAdjoint",
        ),
        (
            "backsolve",
            Adjoint::Backsolve {
                rtol: TOL,
                atol: TOL,
            },
            "BacksolveAdjoint",
        ),
    ];
    for (path, on_burn) in [("burn-flex", true), ("fused-host", false)] {
        for (name, adjoint, peer_name) in adjoints {
            let start = Instant::now();
            let run = || {
                if on_burn {
                    step(&field, &y0_tensor, adjoint)
                } else {
                    step(&fused, &y0_flat, adjoint)
                }
            };
            let mut result = run()?;
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            for _ in 0..REPEATS {
                let t = Instant::now();
                result = run()?;
                ours.push(t.elapsed().as_secs_f64());
                theirs.extend(server.times(peer_name, 0.0, 1)?);
            }
            let elapsed = start.elapsed().as_secs_f64();
            let Some(pr) = peer.runs.iter().find(|r| r.adjoint == peer_name) else {
                continue;
            };
            let label = format!("{} {peer_name}", peer.library);
            let case = format!("small-neural-ode-{path}-{name}");
            let with = |v: f64| Some((label.as_str(), v));
            report.push(Row::compared(
                &case,
                "wall_s_per_training_step",
                median(&ours),
                elapsed,
                with(median(&theirs)),
            ));
            report.push(Row::compared(
                &case,
                "forward_accepted_steps",
                result.accepted as f64,
                elapsed,
                with(peer.accepted_steps as f64),
            ));
            // Dopri5 is FSAL: 6 evaluations per step tried and one to start.
            report.push(Row::compared(
                &case,
                "forward_rhs_evaluations",
                result.nfev as f64,
                elapsed,
                with((6 * (peer.accepted_steps + peer.rejected_steps) + 1) as f64),
            ));
            report.push(Row::compared(
                &case,
                "backward_evaluations_and_vjps",
                result.backward as f64,
                elapsed,
                None,
            ));
            report.push(Row::compared(
                &case,
                "loss_rel_diff_vs_diffrax",
                (result.loss - pr.loss).abs() / pr.loss.abs(),
                elapsed,
                None,
            ));
            report.push(Row::compared(
                &case,
                "grad_rel_l2_diff_vs_diffrax",
                noether_core::stats::relative_l2(&result.grad, &pr.grad),
                elapsed,
                None,
            ));
        }
        pb.inc(1);
    }
    pb.finish_with_message("done");
    memory(&mut report)?;
    Ok(report)
}

/// Peak heap of gradients through a solve, from the counting-allocator test
/// (`crates/noether-diffeq/tests/adjoint_memory.rs`, run in release): peak bytes
/// at 10², 10³ and 10⁴ steps and the fitted slope of log memory against log steps
/// for each adjoint, with the limits as references.
fn memory(report: &mut Report) -> Result<()> {
    let start = Instant::now();
    println!("adjoint memory: cargo test --release -p noether-diffeq --test adjoint_memory");
    let out = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "test",
            "--release",
            "-p",
            "noether-diffeq",
            "--test",
            "adjoint_memory",
            "--",
            "--nocapture",
        ])
        .current_dir(xtask::paths::root())
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "adjoint_memory test failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let elapsed = start.elapsed().as_secs_f64();
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    for line in text.lines() {
        // "{label}, {n} steps: peak {bytes} bytes above baseline"
        if let Some((label, rest)) = line.split_once(" steps: peak ")
            && let Some((name, n)) = label.rsplit_once(", ")
            && let Some(bytes) = rest
                .split_whitespace()
                .next()
                .and_then(|b| b.parse::<f64>().ok())
        {
            let case = format!("adjoint-memory-{}", slug(name));
            report.push(Row::compared(
                &case,
                &format!("peak_bytes_{n}_steps"),
                bytes,
                elapsed,
                None,
            ));
        }
        // "{label}: fitted slope of log memory vs log steps {slope} (limit {limit})"
        if let Some((name, rest)) = line.split_once(": fitted slope of log memory vs log steps ")
            && let Some((slope, limit)) = rest.split_once(" (limit ")
            && let (Ok(slope), Ok(limit)) = (
                slope.trim().parse::<f64>(),
                limit.trim_end_matches(')').trim().parse::<f64>(),
            )
        {
            report.push(Row {
                case: format!("adjoint-memory-{}", slug(name)),
                metric: "log_memory_vs_log_steps_slope".into(),
                value: slope,
                reference: Some(limit),
                reference_source: Some("issue 18 limit (counting allocator)".into()),
                elapsed_s: elapsed,
                ..Default::default()
            });
        }
    }
    Ok(())
}

/// `Backsolve { rtol: 1e-8, atol: 1e-8 }` → `backsolve`, `SDE Reversible` → `sde-reversible`.
fn slug(name: &str) -> String {
    name.split(['{', '('])
        .next()
        .unwrap_or(name)
        .trim()
        .to_lowercase()
        .replace(' ', "-")
}
