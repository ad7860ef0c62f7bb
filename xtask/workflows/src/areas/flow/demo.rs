//! The flow showcase of `cargo xtask demo`: 8 Gaussians → moons by I-CFM and
//! OT-CFM, trajectories drawn, straightness measured by one-step Euler W₂.

use std::time::Instant;

use noether_core::rng::SplitMix64;
use noether_diffeq::erk::Erk;
use noether_diffeq::neural::train::{Schedule, TrainConfig, Trainer};
use noether_diffeq::tableau::RK4;
use noether_diffeq::{OdeProblem, SaveAt, SolveOptions, solve};
use noether_flow::cfm::{FlowConfig, FlowModel, Sampler};
use noether_flow::data::Toy;
use noether_flow::metrics::wasserstein;
use noether_flow::ot::Cloud;
use xtask::Result;
use xtask::paths::reports_dir;

use crate::plot::{self, Series};
use crate::report::{Report, Row};

const STEPS: u64 = 3000;
const POINTS: usize = 2000;
const PATHS: usize = 150;

/// Trains I-CFM and OT-CFM (σ = 0.1, 3×64 SELU, batch 256), reports W₂ with 100
/// and with one Euler step, and draws each model's trajectories.
pub fn run(report: &mut Report) -> Result<()> {
    println!("noether-flow: 8 Gaussians → moons by I-CFM and OT-CFM ({STEPS} Adam steps each)");
    let dir = reports_dir();
    std::fs::create_dir_all(&dir)?;
    for (name, cfg) in [
        ("I-CFM", FlowConfig::i_cfm(0.1)),
        ("OT-CFM", FlowConfig::ot_cfm(0.1)),
    ] {
        let start = Instant::now();
        let mut model = FlowModel::new(2, cfg.seed(1))?;
        let schedule = Schedule::Cosine {
            steps: STEPS,
            final_fraction: 0.05,
        };
        let mut trainer = Trainer::new(
            model.param_count(),
            TrainConfig::adam(3e-3)
                .schedule(schedule)
                .ema(0.999)
                .seed(2),
        )?;
        for _ in 0..STEPS {
            model.train_step(
                &mut trainer,
                |n, r| Toy::EightGaussians.sample(n, r),
                |n, r| Toy::Moons.sample(n, r),
            )?;
        }
        model.set_params(trainer.ema_host().ok_or("no EMA kept")?)?;
        let mut rng = SplitMix64::new(3);
        let x0 = Toy::EightGaussians.sample(POINTS, &mut rng);
        let truth = Toy::Moons.sample(POINTS, &mut rng);
        let truth_cloud = Cloud::new("moons", &truth, 2)?;
        let w2 = |steps: usize| -> Result<f64> {
            let x1 = model.sample(&x0, Sampler::Euler { steps })?;
            Ok(wasserstein(&Cloud::new("model", &x1, 2)?, &truth_cloud, 2)?)
        };
        let (w2_100, w2_1) = (w2(100)?, w2(1)?);
        let elapsed = start.elapsed().as_secs_f64();
        println!(
            "  {name}: W2 {w2_100:.3} (100 Euler steps), {w2_1:.3} (one step), {elapsed:.0} s"
        );
        for (metric, value) in [("w2_100_euler_steps", w2_100), ("w2_one_euler_step", w2_1)] {
            report.push(Row {
                case: format!("flow-8gaussians-moons-{name}"),
                metric: metric.into(),
                value,
                elapsed_s: elapsed,
                ..Default::default()
            });
        }
        // Trajectories of a few points, by RK4 with output at 21 times.
        let field = model.velocity();
        let times: Vec<f64> = (0..=20).map(|k| k as f64 / 20.0).collect();
        let y0 = x0[..2 * PATHS].to_vec();
        let sol = solve(
            &OdeProblem::new(&field, (0.0, 1.0), y0),
            Erk::new(&RK4),
            SolveOptions::default()
                .fixed(0.01)
                .save_at(SaveAt::Times(times)),
        )?;
        let along: Vec<(f64, f64)> = sol.ys[1..sol.ys.len() - 1]
            .iter()
            .flat_map(|y| y.chunks(2).map(|p| (p[0], p[1])).collect::<Vec<_>>())
            .collect();
        let ends = sol.ys.last().ok_or("no end state")?;
        let series = vec![
            Series {
                label: "trajectories (t = 0.05 … 0.95)".into(),
                points: along,
            },
            Series {
                label: "x₀ ~ 8 Gaussians".into(),
                points: sol.ys[0].chunks(2).map(|p| (p[0], p[1])).collect(),
            },
            Series {
                label: "x₁ (model)".into(),
                points: ends.chunks(2).map(|p| (p[0], p[1])).collect(),
            },
        ];
        let png = dir.join(format!("demo-flow-{}.png", name.to_lowercase()));
        match plot::markers(
            &png,
            &format!("{name}: 8 Gaussians → moons, one-step W₂ {w2_1:.2}"),
            "x",
            "y",
            &series,
        ) {
            Ok(()) => println!("wrote {}", png.display()),
            Err(e) => println!("plot skipped: {e}"),
        }
    }
    Ok(())
}
