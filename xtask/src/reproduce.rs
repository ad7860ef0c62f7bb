//! `cargo xtask reproduce [NAME]`: experiments with published or closed-form targets,
//! writing `target/noether/reports/NAME.{json,md}` and plots.

use std::time::Instant;

use noether_core::krylov::{KrylovOptions, cg};
use noether_core::operator::Laplacian2d;

use crate::paths::reports_dir;
use crate::plot::{self, Series};
use crate::progress::bar;
use crate::report::anyhow_lite::Result;
use crate::report::{Report, Row};

/// Reproduce targets that exist.
pub const TARGETS: &[&str] = &["krylov-laplacian"];

pub fn run(name: Option<&str>) -> Result<()> {
    let names: Vec<&str> = match name {
        Some(n) if TARGETS.contains(&n) => vec![n],
        Some(n) => {
            return Err(format!(
                "no reproduce target '{n}'; available: {}",
                TARGETS.join(", ")
            )
            .into());
        }
        None => TARGETS.to_vec(),
    };
    for n in names {
        match n {
            "krylov-laplacian" => krylov_laplacian()?,
            _ => unreachable!("checked against TARGETS"),
        }
    }
    Ok(())
}

/// CG iteration counts on the 2-D Laplacian grow like √κ (κ ∝ h⁻²): the fitted
/// slope of log(iterations) against log(κ) is ½.
fn krylov_laplacian() -> Result<()> {
    let mut report = Report::new("krylov-laplacian");
    let sizes = [32usize, 64, 128, 256, 512, 1024];
    let pb = bar(sizes.len() as u64, "CG on growing grids");
    let mut pts = Vec::new();
    let mut bound_pts = Vec::new();
    let start = Instant::now();
    for &m in &sizes {
        pb.set_message(format!("{m}×{m}"));
        let a = Laplacian2d::new(m, m)?;
        let (lo, hi) = a.eigenvalue_bounds();
        let kappa = hi / lo;
        let b = vec![1.0; m * m];
        let mut x = vec![0.0; m * m];
        let t0 = Instant::now();
        let rep = cg(
            &a,
            &b,
            &mut x,
            None,
            &KrylovOptions {
                rtol: 1e-8,
                max_iters: 100_000,
                ..Default::default()
            },
        )?;
        // Classical bound: ‖e_k‖_A ≤ 2 ((√κ−1)/(√κ+1))^k ‖e_0‖_A, and ‖r‖/‖b‖ ≤ √κ ‖e‖_A/‖e_0‖_A.
        let rate = (kappa.sqrt() - 1.0) / (kappa.sqrt() + 1.0);
        let bound = ((1e-8 / (2.0 * kappa.sqrt())).ln() / rate.ln()).ceil();
        pts.push((kappa.ln(), (rep.iterations as f64).ln()));
        bound_pts.push((kappa.sqrt(), bound));
        report.push(Row {
            case: format!("laplacian-{m}x{m}"),
            metric: "cg_iterations_to_1e-8".into(),
            value: rep.iterations as f64,
            reference: Some(bound),
            reference_source: Some(
                "CG bound 2((√κ−1)/(√κ+1))^k (Greenbaum 1997, Thm 3.1.1)".into(),
            ),
            elapsed_s: t0.elapsed().as_secs_f64(),
            ..Default::default()
        });
        pb.inc(1);
    }
    pb.finish_with_message("done");
    let slope = fit_slope(&pts);
    report.push(Row {
        case: "laplacian-all".into(),
        metric: "slope_log_iterations_vs_log_kappa".into(),
        value: slope,
        reference: Some(0.5),
        reference_source: Some("iterations ∝ √κ for CG".into()),
        elapsed_s: start.elapsed().as_secs_f64(),
        ..Default::default()
    });
    report.print();
    let dir = reports_dir();
    report.write_json(&dir)?;
    report.write_markdown(
        &dir,
        "CG on the 5-point Laplacian with right-hand side 1, relative residual 1e-8 \
         (`cargo xtask reproduce krylov-laplacian`).",
    )?;
    let series = vec![
        Series {
            label: "CG iterations".into(),
            points: pts
                .iter()
                .zip(&bound_pts)
                .map(|(p, b)| (b.0, p.1.exp()))
                .collect(),
        },
        Series {
            label: "bound".into(),
            points: bound_pts,
        },
    ];
    let png = dir.join("krylov-laplacian.png");
    match plot::log_y(
        &png,
        "CG iterations on the Laplacian",
        "√κ",
        "iterations",
        &series,
    ) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    Ok(())
}

/// Least-squares slope of y against x.
fn fit_slope(pts: &[(f64, f64)]) -> f64 {
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}
