//! `cargo xtask reproduce flows-2d`: the 2-D W₂ table of \[SF\]²M (Tong et al.,
//! AISTATS 2024, Table 2) for OT-CFM, I-CFM, SB-CFM and a stochastic interpolant.

use std::time::Instant;

use noether_core::rng::SplitMix64;
use noether_diffeq::neural::train::{Schedule, TrainConfig, Trainer};
use noether_flow::cfm::{FlowConfig, FlowModel, Sampler};
use noether_flow::data::{GaussianMixture, Toy};
use noether_flow::interpolant::{Interpolant, Noise, Path};
use noether_flow::metrics::wasserstein;
use noether_flow::ot::Cloud;
use rayon::prelude::*;
use xtask::Result;
use xtask::paths::reports_dir;

use crate::digits::{PIXELS, load_digits};
use crate::plot::{Series, log_y};
use crate::report::{Report, Row};

/// Samples at evaluation (each side), and Euler steps.
const EVAL: usize = 10_000;
const EULER_STEPS: usize = 100;
const BATCH: usize = 256;
const LR: f64 = 3e-3;

/// A transport problem of the table: name, source, target, published OT-CFM,
/// I-CFM and SB-CFM W₂ (mean, sd). N → moons and N → s-curve use the \[SF\]²M
/// runner's generators; 8 Gaussians → moons uses torchcfm's (the example that
/// C2OT's straightness numbers follow).
struct Problem {
    name: &'static str,
    source: Toy,
    target: Toy,
    published: [(f64, f64); 3],
}

const PROBLEMS: [Problem; 4] = [
    Problem {
        name: "N-8gaussians",
        source: Toy::Gaussian,
        target: Toy::EightGaussians,
        published: [(0.303, 0.043), (0.373, 0.103), (2.314, 2.112)],
    },
    Problem {
        name: "8gaussians-moons",
        source: Toy::EightGaussians,
        target: Toy::Moons,
        published: [(0.601, 0.027), (1.557, 0.407), (f64::NAN, f64::NAN)],
    },
    Problem {
        name: "N-moons",
        source: Toy::Gaussian,
        target: Toy::RunnerMoons,
        published: [(0.130, 0.016), (0.178, 0.014), (0.434, 0.594)],
    },
    Problem {
        name: "N-scurve",
        source: Toy::Gaussian,
        target: Toy::SCurve,
        published: [(0.144, 0.028), (0.242, 0.141), (0.341, 0.468)],
    },
];

/// A method of the table: name, configuration, seeds.
fn methods() -> Vec<(&'static str, FlowConfig, u64)> {
    vec![
        ("OT-CFM", FlowConfig::ot_cfm(0.1), 5),
        ("I-CFM", FlowConfig::i_cfm(0.1), 5),
        ("SB-CFM", FlowConfig::sb_cfm(1.0), 3),
        (
            "SI",
            FlowConfig::interpolant(Interpolant {
                path: Path::Linear,
                noise: Noise::SqrtQuadratic(0.1),
            }),
            3,
        ),
    ]
}

/// One trained model's results.
struct Run {
    problem: usize,
    method: usize,
    seed: u64,
    w2: f64,
    w2_one_step: f64,
    /// Mean loss per block of 100 steps.
    curve: Vec<f64>,
    seconds: f64,
}

fn train_and_evaluate(p: usize, m: usize, seed: u64, steps: u64) -> Result<Run> {
    let problem = &PROBLEMS[p];
    let (_, config, _) = &methods()[m];
    let start = Instant::now();
    let mut model = FlowModel::new(2, config.clone().batch(BATCH).seed(1000 + seed))?;
    let schedule = Schedule::Cosine {
        steps,
        final_fraction: 0.05,
    };
    let mut trainer = Trainer::new(
        model.param_count(),
        TrainConfig::adam(LR)
            .schedule(schedule)
            .ema(0.999)
            .seed(seed),
    )?;
    let mut curve = Vec::new();
    let mut block = 0.0;
    for step in 0..steps {
        block += model.train_step(
            &mut trainer,
            |n, rng| problem.source.sample(n, rng),
            |n, rng| problem.target.sample(n, rng),
        )?;
        if (step + 1) % 100 == 0 {
            curve.push(block / 100.0);
            block = 0.0;
        }
    }
    let ema = trainer.ema_host().ok_or("no EMA kept")?.to_vec();
    model.set_params(&ema)?;
    let mut rng = SplitMix64::new(7_000 + 31 * seed + p as u64);
    let x0 = problem.source.sample(EVAL, &mut rng);
    let truth = problem.target.sample(EVAL, &mut rng);
    let truth_cloud = Cloud::new("target", &truth, 2)?;
    let w2_of = |x: &[f64]| -> Result<f64> {
        Ok(wasserstein(&Cloud::new("model", x, 2)?, &truth_cloud, 2)?)
    };
    let w2 = w2_of(&model.sample(&x0, Sampler::Euler { steps: EULER_STEPS })?)?;
    let w2_one_step = w2_of(&model.sample(&x0, Sampler::Euler { steps: 1 })?)?;
    Ok(Run {
        problem: p,
        method: m,
        seed,
        w2,
        w2_one_step,
        curve,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// OT-CFM on the 64-D digits: W₂ between generated images and a held-out split,
/// and the floor W₂ between an equal-size training split and the held-out one.
/// Returns (W₂, floor, held-out size, seconds).
fn digits(steps: u64) -> Result<(f64, f64, usize, f64)> {
    let start = Instant::now();
    let mut data: Vec<Vec<f64>> = load_digits()?.into_iter().map(|(x, _)| x).collect();
    let mut rng = SplitMix64::new(2024);
    for i in (1..data.len()).rev() {
        data.swap(i, rng.index(i + 1));
    }
    let held = data.split_off(data.len() - 797);
    let train: Vec<f64> = data.concat();
    let n_train = data.len();
    let cfg = FlowConfig::ot_cfm(0.05)
        .hidden(&[256, 256, 256])
        .batch(BATCH)
        .seed(5);
    let mut model = FlowModel::new(PIXELS, cfg)?;
    let schedule = Schedule::Cosine {
        steps,
        final_fraction: 0.05,
    };
    let mut trainer = Trainer::new(
        model.param_count(),
        TrainConfig::adam(1e-3)
            .schedule(schedule)
            .ema(0.999)
            .seed(6),
    )?;
    let gauss =
        |n: usize, r: &mut SplitMix64| (0..n * PIXELS).map(|_| r.normal()).collect::<Vec<f64>>();
    for _ in 0..steps {
        model.train_step(&mut trainer, gauss, |n, r| {
            (0..n)
                .flat_map(|_| {
                    let i = r.index(n_train);
                    train[i * PIXELS..(i + 1) * PIXELS].to_vec()
                })
                .collect()
        })?;
    }
    model.set_params(trainer.ema_host().ok_or("no EMA kept")?)?;
    let held_flat = held.concat();
    let held_cloud = Cloud::new("held-out", &held_flat, PIXELS)?;
    let x0 = gauss(held.len(), &mut SplitMix64::new(77));
    let generated = model.sample(&x0, Sampler::Euler { steps: EULER_STEPS })?;
    let w2 = wasserstein(
        &Cloud::new("generated", &generated, PIXELS)?,
        &held_cloud,
        2,
    )?;
    let floor = wasserstein(
        &Cloud::new("train", &train[..held.len() * PIXELS], PIXELS)?,
        &held_cloud,
        2,
    )?;
    Ok((w2, floor, held.len(), start.elapsed().as_secs_f64()))
}

/// Classifier-free guidance on three overlapping Gaussians (means (−1.2, 0),
/// (1.2, 0), (0, 2), sd 1.1): the share of samples that the true posterior assigns
/// to the asked class, for true samples and at guidance weights 0, 1, 3.
fn guidance(steps: u64) -> Result<(f64, Vec<f64>)> {
    let mix = GaussianMixture {
        means: vec![vec![-1.2, 0.0], vec![1.2, 0.0], vec![0.0, 2.0]],
        sd: 1.1,
    };
    let cfg = FlowConfig::i_cfm(0.0).batch(BATCH).seed(11).classes(3, 0.2);
    let mut model = FlowModel::new(2, cfg)?;
    let mut trainer = Trainer::new(
        model.param_count(),
        TrainConfig::adam(1e-3).ema(0.999).seed(12),
    )?;
    for _ in 0..steps {
        model.train_step_labelled(
            &mut trainer,
            |n, r| Toy::Gaussian.sample(n, r),
            |n, r| mix.sample_labelled(n, r),
        )?;
    }
    model.set_params(trainer.ema_host().ok_or("no EMA kept")?)?;
    let n = 3000;
    let x0 = Toy::Gaussian.sample(3 * n, &mut SplitMix64::new(13));
    let labels: Vec<usize> = (0..3 * n).map(|i| i / n).collect();
    let mut truth = 0;
    for k in 0..3 {
        let s = mix.sample_component(k, n, &mut SplitMix64::new(14 + k as u64));
        truth += s.chunks(2).filter(|p| mix.classify(p) == k).count();
    }
    let mut shares = Vec::new();
    for w in [0.0, 1.0, 3.0] {
        let x1 = model.sample_guided(&x0, &labels, w, Sampler::Euler { steps: EULER_STEPS })?;
        let hits = x1
            .chunks(2)
            .zip(&labels)
            .filter(|(p, l)| mix.classify(p) == **l)
            .count();
        shares.push(hits as f64 / (3 * n) as f64);
    }
    Ok((truth as f64 / (3 * n) as f64, shares))
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 {
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

/// Trains every (problem, method, seed) in parallel and writes `flows-2d.json`,
/// its Markdown table and the loss curves.
pub fn flows_2d(budget: f64, only: &str) -> Result<()> {
    // The default budget 20 is 5000 steps of batch 256 per model.
    let steps = ((250.0 * budget).round() as u64).max(100);
    let methods = methods();
    let jobs: Vec<(usize, usize, u64)> = (0..PROBLEMS.len())
        .filter(|&p| only.is_empty() || PROBLEMS[p].name.contains(only))
        .flat_map(|p| {
            methods
                .iter()
                .enumerate()
                .flat_map(move |(m, (_, _, seeds))| (0..*seeds).map(move |s| (p, m, s)))
        })
        .collect();
    println!(
        "flows-2d: {} models, {steps} Adam steps (lr {LR:e}, cosine to 5 %, EMA 0.999) of batch {BATCH}, \
         then W2 by exact OT between {EVAL} samples (Euler, {EULER_STEPS} steps) and {EVAL} target samples",
        jobs.len()
    );
    let start = Instant::now();
    let runs: Vec<Run> = jobs
        .par_iter()
        .map(|&(p, m, s)| {
            let r = train_and_evaluate(p, m, s, steps);
            if let Ok(r) = &r {
                println!(
                    "  {} {} seed {}: W2 {:.4} (one step {:.3}) in {:.0} s",
                    PROBLEMS[p].name, methods[m].0, s, r.w2, r.w2_one_step, r.seconds
                );
            }
            r
        })
        .collect::<Result<_>>()?;
    let elapsed = start.elapsed().as_secs_f64();
    // A run restricted by --only writes a report of its own beside the full one.
    let mut report = if only.is_empty() {
        Report::new("flows-2d")
    } else {
        Report::new(&format!("flows-2d-{only}"))
    };
    let mut verdicts = Vec::new();
    for (p, problem) in PROBLEMS.iter().enumerate() {
        if !(only.is_empty() || problem.name.contains(only)) {
            continue;
        }
        // The finite-sample floor: W₂ between two fresh target samples.
        let mut rng = SplitMix64::new(99 + p as u64);
        let a = problem.target.sample(EVAL, &mut rng);
        let b = problem.target.sample(EVAL, &mut rng);
        let floor = wasserstein(&Cloud::new("a", &a, 2)?, &Cloud::new("b", &b, 2)?, 2)?;
        report.push(Row {
            case: problem.name.into(),
            metric: "w2_floor_target_vs_target".into(),
            value: floor,
            elapsed_s: 0.0,
            ..Default::default()
        });
        for (m, (name, _, _)) in methods.iter().enumerate() {
            let mine: Vec<&Run> = runs
                .iter()
                .filter(|r| r.problem == p && r.method == m)
                .collect();
            let (mean, sd) = mean_sd(&mine.iter().map(|r| r.w2).collect::<Vec<_>>());
            let published = problem
                .published
                .get(m)
                .copied()
                .filter(|x| x.0.is_finite());
            report.push(Row {
                case: format!("{}-{name}", problem.name),
                metric: format!("w2_mean_over_{}_seeds", mine.len()),
                value: mean,
                reference: published.map(|x| x.0),
                reference_source: published
                    .map(|(pm, ps)| format!("[SF]²M Table 2: {pm} ± {ps} (5 seeds)")),
                elapsed_s: mine.iter().map(|r| r.seconds).sum(),
                ..Default::default()
            });
            report.push(Row::compared(
                &format!("{}-{name}", problem.name),
                "w2_sd",
                sd,
                0.0,
                None,
            ));
            if m == 0
                && let Some((pm, ps)) = published
            {
                verdicts.push(format!(
                    "{}: OT-CFM {mean:.3} {} {:.3} (published mean + sd)",
                    problem.name,
                    if mean <= pm + ps { "≤" } else { ">" },
                    pm + ps
                ));
            }
            if p == 1 && m < 2 {
                let (one, one_sd) =
                    mean_sd(&mine.iter().map(|r| r.w2_one_step).collect::<Vec<_>>());
                report.push(Row {
                    case: format!("{}-{name}", problem.name),
                    metric: "w2_one_euler_step_mean".into(),
                    value: one,
                    reference: Some(if m == 0 { 0.072 } else { 6.232 }),
                    reference_source: Some(format!(
                        "C2OT Fig. 1 (torchcfm-style, 10 runs): {}; ours sd {one_sd:.3}",
                        if m == 0 {
                            "OT-CFM 0.072 ± 0.025"
                        } else {
                            "FM 6.232 ± 0.186"
                        }
                    )),
                    elapsed_s: 0.0,
                    ..Default::default()
                });
            }
            // Plateau: mean loss over the last tenth against the tenth before it.
            let curve = &mine[0].curve;
            let k = (curve.len() / 10).max(1);
            if curve.len() >= 2 * k {
                let last: f64 = curve[curve.len() - k..].iter().sum::<f64>() / k as f64;
                let before: f64 = curve[curve.len() - 2 * k..curve.len() - k]
                    .iter()
                    .sum::<f64>()
                    / k as f64;
                report.push(Row::compared(
                    &format!("{}-{name}", problem.name),
                    "loss_last_tenth_over_previous_tenth",
                    last / before,
                    0.0,
                    None,
                ));
            }
        }
        let series: Vec<Series> = methods
            .iter()
            .enumerate()
            .filter_map(|(m, (name, _, _))| {
                runs.iter()
                    .find(|r| r.problem == p && r.method == m && r.seed == 0)
                    .map(|r| Series {
                        label: (*name).to_string(),
                        points: r
                            .curve
                            .iter()
                            .enumerate()
                            .map(|(i, l)| (100.0 * (i + 1) as f64, *l))
                            .collect(),
                    })
            })
            .collect();
        let dir = reports_dir();
        std::fs::create_dir_all(&dir)?;
        log_y(
            &dir.join(format!("flows-2d-loss-{}-{steps}-steps.png", problem.name)),
            &format!(
                "{}: training loss (seed 0, mean per 100 steps)",
                problem.name
            ),
            "step",
            "loss",
            &series,
        )?;
    }
    if only.is_empty() || "digits".contains(only) {
        let (w2, floor, n, secs) = digits(steps)?;
        println!("digits (64-D) OT-CFM: W2 {w2:.4} to the {n} held-out images; floor {floor:.4}");
        report.push(Row {
            case: "digits8x8-OT-CFM".into(),
            metric: format!("w2_to_{n}_held_out"),
            value: w2,
            reference: Some(floor),
            reference_source: Some(format!(
                "floor: W2 between {n} training and the {n} held-out images"
            )),
            elapsed_s: secs,
            ..Default::default()
        });
    }
    if only.is_empty() || "guidance".contains(only) {
        let t0 = Instant::now();
        let (truth, shares) = guidance(steps)?;
        println!(
            "guidance: posterior-assigned share {shares:?} at w = 0, 1, 3 (true samples {truth:.3})"
        );
        for (w, share) in [0.0, 1.0, 3.0].iter().zip(&shares) {
            report.push(Row {
                case: "mixture3-guidance".into(),
                metric: format!("posterior_assigned_share_w{w}"),
                value: *share,
                reference: Some(truth),
                reference_source: Some("the same share for true samples of each class".into()),
                elapsed_s: t0.elapsed().as_secs_f64(),
                ..Default::default()
            });
        }
        verdicts.push(format!(
            "guidance shares {:.3} / {:.3} / {:.3} at w = 0 / 1 / 3 ({})",
            shares[0],
            shares[1],
            shares[2],
            if shares[0] < shares[1] && shares[1] < shares[2] {
                "rising"
            } else {
                "NOT rising"
            }
        ));
    }
    report.push(Row::compared(
        "all",
        "adam_steps_per_model",
        steps as f64,
        elapsed,
        None,
    ));
    for v in &verdicts {
        println!("{v}");
    }
    let dir = reports_dir();
    report.write_json(&dir)?;
    report.write_markdown(
        &dir,
        &format!(
            "[SF]²M Table 2 protocol (3×64 SELU MLP, {EULER_STEPS} Euler steps, W₂ by exact OT between \
             {EVAL} samples each), {steps} Adam steps of batch {BATCH} per model (lr {LR:e}, cosine \
             decay to 5 %, weights' EMA 0.999 at evaluation); OT-CFM and I-CFM σ = 0.1, SB-CFM σ = 1 \
             (entropic plan at 2σ²), SI: linear path with γ = √(0.1 t(1 − t)); {:.1} min on this \
             machine; `cargo xtask reproduce flows-2d`. {}",
            elapsed / 60.0,
            verdicts.join("; ")
        ),
    )?;
    report.print();
    Ok(())
}
