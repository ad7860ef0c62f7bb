//! `cargo xtask reproduce krylov-laplacian`.

use std::time::Instant;

use crate::areas::slope_of;
use noether_core::krylov::{KrylovOptions, cg};
use noether_core::operator::Laplacian2d;
use xtask::Result;
use xtask::paths::reports_dir;

use crate::plot::{self, Series};
use crate::progress::bar;
use crate::report::{Report, Row};

/// CG iteration counts on the 2-D Laplacian grow like √κ (κ ∝ h⁻²): the fitted
/// slope of log(iterations) against log(κ) is ½.
pub fn krylov_laplacian() -> Result<()> {
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
    let slope = slope_of(&pts);
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
