//! The noether-core showcase of `cargo xtask demo`.

use std::time::Instant;

use noether_core::krylov::{
    GmresOptions, KrylovOptions, LanczosOptions, cg, gmres, lanczos_extremes, minres,
};
use noether_core::operator::Laplacian2d;
use noether_core::precond::Ic0;
use xtask::Result;
use xtask::paths::reports_dir;

use crate::plot::{self, Series};
use crate::progress::bar;
use crate::report::{Report, Row};

/// Centre value of the torsion function of the unit square (−Δu = 1, u = 0 on the
/// boundary), from its Fourier series.
const TORSION_CENTRE: f64 = 0.073_671_353;

pub fn run(report: &mut Report) -> Result<()> {
    println!("noether-core: the torsion problem −Δu = 1 on the unit square, matrix-free CG");
    let sizes = [128usize, 256, 512, 1024];
    let pb = bar(sizes.len() as u64, "grid sizes");
    for &m in &sizes {
        pb.set_message(format!("{m}×{m} grid"));
        let a = Laplacian2d::new(m, m)?;
        let n = m * m;
        let b = vec![1.0; n];
        let mut u = vec![0.0; n];
        let t0 = Instant::now();
        let rep = cg(
            &a,
            &b,
            &mut u,
            None,
            &KrylovOptions {
                rtol: 1e-10,
                max_iters: 100_000,
                ..Default::default()
            },
        )?;
        let elapsed = t0.elapsed().as_secs_f64();
        let c = m / 2;
        let centre = if m % 2 == 0 {
            (u[(c - 1) * m + c - 1] + u[(c - 1) * m + c] + u[c * m + c - 1] + u[c * m + c]) / 4.0
        } else {
            u[c * m + c]
        };
        report.push(Row {
            case: format!("torsion-{m}x{m}"),
            metric: "centre_value".into(),
            value: centre,
            reference: Some(TORSION_CENTRE),
            reference_source: Some("Fourier series of the torsion function of the square".into()),
            elapsed_s: elapsed,
            ..Default::default()
        });
        report.push(Row {
            case: format!("torsion-{m}x{m}"),
            metric: "cg_iterations_to_1e-10".into(),
            value: rep.iterations as f64,
            elapsed_s: elapsed,
            ..Default::default()
        });
        pb.inc(1);
    }
    pb.finish_with_message("done");

    println!("noether-core: CG, CG+IC(0), MINRES and GMRES(30) on a 256×256 Laplacian");
    let m = 256;
    let lap = Laplacian2d::new(m, m)?;
    let csr = lap.to_csr()?;
    let ic = Ic0::new(&csr)?;
    let b: Vec<f64> = (0..m * m)
        .map(|k| ((k * 7919) % 1009) as f64 / 1009.0)
        .collect();
    let opts = KrylovOptions {
        rtol: 1e-10,
        max_iters: 20_000,
        ..Default::default()
    };
    let gmres_opts = GmresOptions {
        restart: 30,
        ..GmresOptions::from(opts.clone())
    };
    let pb = bar(4, "solvers");
    let mut series = Vec::new();
    for name in ["CG", "CG + IC(0)", "MINRES", "GMRES(30)"] {
        pb.set_message(name);
        let mut x = vec![0.0; m * m];
        let t0 = Instant::now();
        let rep = match name {
            "CG" => cg(&lap, &b, &mut x, None, &opts)?,
            "CG + IC(0)" => cg(&csr, &b, &mut x, Some(&ic), &opts)?,
            "MINRES" => minres(&lap, &b, &mut x, None, &opts)?,
            _ => gmres(&lap, &b, &mut x, None, &gmres_opts)?,
        };
        let elapsed = t0.elapsed().as_secs_f64();
        let h0 = rep.residual_history[0];
        series.push(Series {
            label: format!("{name} ({} it.)", rep.iterations),
            points: rep
                .residual_history
                .iter()
                .enumerate()
                .map(|(i, r)| (i as f64, r / h0))
                .collect(),
        });
        report.push(Row {
            case: format!(
                "laplacian-256x256-{}",
                name.to_lowercase().replace([' ', '(', ')', '+'], "")
            ),
            metric: "iterations_to_1e-10".into(),
            value: rep.iterations as f64,
            elapsed_s: elapsed,
            ..Default::default()
        });
        pb.inc(1);
    }
    pb.finish_with_message("done");
    let png = reports_dir().join("demo-core-residuals.png");
    std::fs::create_dir_all(reports_dir())?;
    match plot::log_y(
        &png,
        "Krylov solvers on the 256×256 Laplacian",
        "iteration",
        "relative residual",
        &series,
    ) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }

    let t0 = Instant::now();
    let v0: Vec<f64> = (0..m * m)
        .map(|k| 1.0 + ((k * 104_729) % 997) as f64 / 997.0)
        .collect();
    let l = lanczos_extremes(
        &lap,
        &v0,
        &LanczosOptions {
            max_iters: 1000,
            tol: 1e-5,
        },
    )?;
    let (lo, hi) = lap.eigenvalue_bounds();
    report.push(Row {
        case: "laplacian-256x256-lanczos".into(),
        metric: "condition_number".into(),
        value: l.max / l.min,
        reference: Some(hi / lo),
        reference_source: Some("closed-form eigenvalues of the 5-point Laplacian".into()),
        elapsed_s: t0.elapsed().as_secs_f64(),
        ..Default::default()
    });
    Ok(())
}
