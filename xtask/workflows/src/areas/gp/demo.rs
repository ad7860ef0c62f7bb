//! The noether-gp showcase of `cargo xtask demo`.

use std::time::Instant;

use xtask::Result;
use xtask::paths::reports_dir;

use crate::plot::{self, Series};
use crate::progress::bar;
use crate::report::{Report, Row};

/// noether-gp: GP-HM on a multi-scale 1-D Poisson problem, the solution with its
/// error and the learned spectrum (mixture weights against frequency).
pub fn run(report: &mut Report) -> Result<()> {
    use noether_gp::gphm::{GpHmOptions, Pde, relative_l2};
    use noether_gp::problems::{Exact1d, Problem1d, axis};
    use std::f64::consts::PI;

    println!("noether-gp: GP-HM on u'' = f with u = sin 6x cos 20x on [0, 2π]");
    let pb = bar(1, "GP-HM");
    let n = 200;
    let steps = 20_000;
    pb.set_message(format!("N = {n}, {steps} Adam steps"));
    // two scales: sin 6x cos 20x = ½(sin 26x − sin 14x)
    let problem = Problem1d {
        id: "poisson_1d-sin6x_cos20x",
        pde: Pde::Poisson,
        exact: Exact1d::SinCos { a: 6.0, k: 20.0 },
        n,
        freq_scale: GpHmOptions::default().freq_scale,
        paper_steps: steps,
        authors: [f64::NAN; 2],
        target: f64::NAN,
    };
    let t0 = Instant::now();
    let mut solver = problem.solver(GpHmOptions::default())?;
    let test = axis(600, 2.0 * PI);
    let exact = problem.exact.values(&test);
    let mut history = Vec::new();
    for s in 1..=steps {
        solver.step()?;
        if s % 500 == 0 {
            let e = relative_l2(&solver.predict(std::slice::from_ref(&test))?, &exact);
            history.push((s as f64, e.max(1e-16)));
        }
    }
    let pred = solver.predict(std::slice::from_ref(&test))?;
    let err = relative_l2(&pred, &exact);
    report.push(Row {
        case: format!("gp-hm-poisson1d-sin6x-cos20x-N{n}-{steps}-steps"),
        metric: "rel_l2".into(),
        value: err,
        elapsed_s: t0.elapsed().as_secs_f64(),
        ..Default::default()
    });
    pb.inc(1);
    pb.finish_with_message("done");
    let dir = reports_dir();
    std::fs::create_dir_all(&dir)?;
    let png = dir.join("demo-gp-solution.png");
    let series = vec![
        Series {
            label: "exact".into(),
            points: test.iter().zip(&exact).map(|(a, b)| (*a, *b)).collect(),
        },
        Series {
            label: format!("GP-HM (rel. L2 {err:.1e})"),
            points: test.iter().zip(&pred).map(|(a, b)| (*a, *b)).collect(),
        },
    ];
    match plot::xy(&png, "GP-HM: u = sin 6x cos 20x", "x", "u", &series, false) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    let png = dir.join("demo-gp-error.png");
    let series = vec![Series {
        label: "|u_GP − u|".into(),
        points: test
            .iter()
            .zip(pred.iter().zip(&exact))
            .map(|(x, (p, e))| (*x, (p - e).abs().max(1e-16)))
            .collect(),
    }];
    match plot::log_y(&png, "GP-HM: pointwise error", "x", "error", &series) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    let png = dir.join("demo-gp-convergence.png");
    match plot::log_y(
        &png,
        "GP-HM: relative L2 error",
        "Adam step",
        "error",
        &[Series {
            label: "rel. L2".into(),
            points: history,
        }],
    ) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    // learned spectrum: weight of each component against its frequency (angular:
    // 2πμ, to compare with the 14 and 26 of the solution)
    let mut spectrum: Vec<(f64, f64)> = solver.kernels()[0]
        .spectrum()
        .into_iter()
        .map(|(w, mu)| (2.0 * PI * mu.abs(), w.max(1e-12)))
        .collect();
    spectrum.sort_by(|a, b| a.0.total_cmp(&b.0));
    let png = dir.join("demo-gp-spectrum.png");
    match plot::log_y(
        &png,
        "GP-HM: learned spectrum (true frequencies 14 and 26)",
        "angular frequency 2πμ",
        "weight w",
        &[Series {
            label: "mixture components".into(),
            points: spectrum,
        }],
    ) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    Ok(())
}
