//! The noether-diffeq showcase of `cargo xtask demo`.

use std::time::Instant;

use noether_core::Hamiltonian;
use noether_diffeq::erk::Erk;
use noether_diffeq::problems::{Kepler, lorenz, named};
use noether_diffeq::symplectic::{Symplectic, SymplecticMethod};
use noether_diffeq::tableau::{RK4, TSIT5};
use noether_diffeq::{Integrator, OdeProblem, SaveAt, SolveOptions, solve};
use xtask::Result;
use xtask::paths::reports_dir;

use crate::plot::{self, Series};
use crate::progress::bar;
use crate::report::{Report, Row};

pub fn run(report: &mut Report) -> Result<()> {
    println!(
        "noether-diffeq: the Lorenz attractor (Tsit5) and a Kepler orbit (Störmer–Verlet vs RK4)"
    );
    let pb = bar(3, "integrators");
    pb.set_message("Lorenz, Tsit5, rtol 1e-8");
    let times: Vec<f64> = (0..=20_000).map(|i| i as f64 * 0.0025).collect();
    let t0 = Instant::now();
    let setup = named::lorenz().until(50.0).tolerances(1e-8, 1e-8);
    let sol = solve(
        &setup.ode_with(&lorenz),
        Erk::new(&TSIT5),
        SolveOptions::default()
            .save_at(SaveAt::Times(times))
            .max_steps(1_000_000),
    )?;
    report.push(Row {
        case: "lorenz-t50-tsit5-rtol1e-8".into(),
        metric: "rhs_evaluations".into(),
        value: sol.stats.nfev as f64,
        elapsed_s: t0.elapsed().as_secs_f64(),
        ..Default::default()
    });
    let dir = reports_dir();
    std::fs::create_dir_all(&dir)?;
    let png = dir.join("demo-diffeq-lorenz.png");
    let series = vec![Series {
        label: "Tsit5, t ∈ [0, 50]".into(),
        points: sol.ys.iter().map(|y| (y[0], y[2])).collect(),
    }];
    match plot::xy(&png, "Lorenz attractor (x, z)", "x", "z", &series, false) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    pb.inc(1);

    pb.set_message("Kepler e = 0.6, 1000 periods");
    let e: f64 = 0.6;
    let (q0, p0) = Kepler::start(e);
    let h0 = Kepler.energy(&q0, &p0).unwrap_or(f64::NAN);
    let steps_per_period = 200;
    let periods = 1000;
    let dt = 2.0 * std::f64::consts::PI / steps_per_period as f64;
    let mut orbit = Vec::new();
    let mut verlet_energy = Vec::new();
    let t0 = Instant::now();
    let mut worst = 0.0_f64;
    let n = steps_per_period * periods;
    let problem = OdeProblem::new(&Kepler, (0.0, dt * n as f64), (q0.clone(), p0.clone()));
    let opts = SolveOptions::default().fixed(dt).max_steps(n + 1);
    let mut it = Integrator::new(&problem, Symplectic::new(SymplecticMethod::Verlet), &opts)?;
    let mut step = 0;
    while it.step()?.is_some() {
        step += 1;
        let (q, p) = it.y();
        if step <= steps_per_period {
            orbit.push((q[0], q[1]));
        }
        let err = (Kepler.energy(q, p).unwrap_or(f64::NAN) - h0).abs();
        worst = worst.max(err);
        if step % steps_per_period == 0 {
            verlet_energy.push(((step / steps_per_period) as f64, err.max(1e-18)));
        }
    }
    report.push(Row {
        case: "kepler-e0.6-1000-periods-verlet".into(),
        metric: "max_energy_error".into(),
        value: worst,
        elapsed_s: t0.elapsed().as_secs_f64(),
        ..Default::default()
    });
    pb.inc(1);
    pb.set_message("Kepler, RK4 with the same step");
    let t0 = Instant::now();
    let f = Kepler::vector_field;
    let period_times: Vec<f64> = (0..=periods)
        .map(|k| k as f64 * 2.0 * std::f64::consts::PI)
        .collect();
    let t_end = *period_times.last().unwrap_or(&0.0);
    let rk = solve(
        &OdeProblem::new(&f, (0.0, t_end), vec![q0[0], q0[1], p0[0], p0[1]]),
        Erk::new(&RK4),
        SolveOptions::default()
            .fixed(dt)
            .save_at(SaveAt::Times(period_times))
            .max_steps(10_000_000),
    )?;
    let rk_energy: Vec<(f64, f64)> = rk
        .ys
        .iter()
        .enumerate()
        .skip(1)
        .map(|(k, y)| {
            (
                k as f64,
                (Kepler
                    .energy(&y[..2].to_vec(), &y[2..].to_vec())
                    .unwrap_or(f64::NAN)
                    - h0)
                    .abs()
                    .max(1e-18),
            )
        })
        .collect();
    report.push(Row {
        case: "kepler-e0.6-1000-periods-rk4".into(),
        metric: "final_energy_error".into(),
        value: rk_energy.last().map(|p| p.1).unwrap_or(f64::NAN),
        elapsed_s: t0.elapsed().as_secs_f64(),
        ..Default::default()
    });
    pb.inc(1);
    pb.finish_with_message("done");
    let png = dir.join("demo-diffeq-kepler-orbit.png");
    match plot::xy(
        &png,
        "Kepler orbit, e = 0.6 (Störmer–Verlet)",
        "q₁",
        "q₂",
        &[Series {
            label: "first period".into(),
            points: orbit,
        }],
        true,
    ) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    let png = dir.join("demo-diffeq-kepler-energy.png");
    let series = vec![
        Series {
            label: "Störmer–Verlet (symplectic)".into(),
            points: verlet_energy,
        },
        Series {
            label: "RK4 (same step)".into(),
            points: rk_energy,
        },
    ];
    match plot::log_y(
        &png,
        "Kepler energy error per period, 200 steps/period",
        "period",
        "|H − H₀|",
        &series,
    ) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    Ok(())
}
