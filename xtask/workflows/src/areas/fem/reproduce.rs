//! `cargo xtask reproduce maxwell`.

use std::time::Instant;

use crate::areas::slope_of;
use xtask::Result;
use xtask::paths::reports_dir;

use crate::plot::{self, Series};
use crate::progress::bar;
use crate::report::{Report, Row};

/// The Maxwell cavity `[0, π]²`: Nédélec (N0, and second order) eigenvalues against
/// the exact `m² + n²` with fitted convergence rates, and the nodal vector-P1
/// spectrum with its spurious eigenvalues.
pub fn maxwell() -> Result<()> {
    use noether_fem::maxwell::{cavity_eigenpairs, nodal_cavity_spectrum, square_cavity_exact};
    use noether_mesh::generate::{Diagonal, rectangle};
    use std::f64::consts::PI;

    let mut report = Report::new("maxwell");
    let exact = square_cavity_exact(10);
    let start = Instant::now();
    let runs: [(usize, &[usize]); 2] = [(1, &[8, 16, 32, 64]), (2, &[8, 16, 32, 64])];
    let pb = bar(
        runs.iter().map(|r| r.1.len() as u64).sum::<u64>() + 3,
        "Maxwell cavity",
    );
    let mut plot_series = Vec::new();
    for (degree, ns) in runs {
        let mut errs: Vec<Vec<f64>> = Vec::new();
        for &n in ns {
            pb.set_message(format!("Nédélec degree {degree}, n = {n}"));
            let mesh = rectangle(n, n, [0.0, 0.0], [PI, PI], Diagonal::Alternating)?;
            let t0 = Instant::now();
            let pairs = cavity_eigenpairs(&mesh, degree, 10)?;
            let elapsed = t0.elapsed().as_secs_f64();
            for (i, (l, e)) in pairs.values.iter().zip(&exact).enumerate() {
                report.push(Row {
                    case: format!("nedelec{degree}-n{n}-eig{}", i + 1),
                    metric: "eigenvalue".into(),
                    value: *l,
                    reference: Some(*e),
                    reference_source: Some("exact m² + n²".into()),
                    elapsed_s: elapsed,
                    ..Default::default()
                });
            }
            errs.push(
                pairs
                    .values
                    .iter()
                    .zip(&exact)
                    .map(|(l, e)| (l - e).abs())
                    .collect(),
            );
            pb.inc(1);
        }
        let hs: Vec<f64> = ns.iter().map(|&n| (1.0 / n as f64).ln()).collect();
        for i in 0..exact.len() {
            let pts: Vec<(f64, f64)> = hs.iter().zip(&errs).map(|(h, e)| (*h, e[i].ln())).collect();
            report.push(Row {
                case: format!("nedelec{degree}-eig{}", i + 1),
                metric: "fitted_rate_in_h".into(),
                value: slope_of(&pts),
                reference: Some(2.0 * degree as f64),
                reference_source: Some("O(h^2k) eigenvalue convergence (Boffi 2010)".into()),
                elapsed_s: start.elapsed().as_secs_f64(),
                ..Default::default()
            });
        }
        plot_series.push(Series {
            label: format!("Nédélec degree {degree}: Σ|λ_h − λ|"),
            points: ns
                .iter()
                .zip(&errs)
                .map(|(&n, e)| (n as f64, e.iter().sum()))
                .collect(),
        });
    }
    // nodal vector P1 on the same meshes: count eigenvalues of no mode
    let all_exact = square_cavity_exact(60);
    for n in [8usize, 16, 24] {
        pb.set_message(format!("nodal P1, n = {n}"));
        let mesh = rectangle(n, n, [0.0, 0.0], [PI, PI], Diagonal::Alternating)?;
        let t0 = Instant::now();
        let spectrum = nodal_cavity_spectrum(&mesh)?;
        let low: Vec<f64> = spectrum
            .iter()
            .cloned()
            .filter(|&l| l > 1e-8 && l < 9.5)
            .collect();
        let spurious: Vec<f64> = low
            .iter()
            .cloned()
            .filter(|l| all_exact.iter().all(|e| (l - e).abs() / e > 0.05))
            .collect();
        println!(
            "nodal P1 n = {n}: non-zero eigenvalues below 9.5 {low:.4?}; spurious {spurious:.4?}"
        );
        report.push(Row {
            case: format!("nodal-p1-n{n}"),
            metric: "spurious_eigenvalues_below_9.5".into(),
            value: spurious.len() as f64,
            reference: Some(0.0),
            reference_source: Some("a correct discretisation has none".into()),
            elapsed_s: t0.elapsed().as_secs_f64(),
            ..Default::default()
        });
        for (i, l) in low.iter().take(14).enumerate() {
            report.push(Row {
                case: format!("nodal-p1-n{n}-eig{}", i + 1),
                metric: "eigenvalue".into(),
                value: *l,
                reference: all_exact.get(i).copied(),
                reference_source: Some("exact m² + n² (same index)".into()),
                elapsed_s: 0.0,
                ..Default::default()
            });
        }
        pb.inc(1);
    }
    pb.finish_with_message("done");
    report.print();
    let dir = reports_dir();
    report.write_json(&dir)?;
    report.write_markdown(
        &dir,
        "Maxwell eigenproblem curl curl E = λE in [0, π]² with E × n = 0, meshes of n × n \
         squares with alternating diagonals (`cargo xtask reproduce maxwell`). Nédélec \
         first-kind elements with the discrete gradients projected out; nodal vector P1 \
         for comparison, whose spectrum contains eigenvalues of no cavity mode.",
    )?;
    let png = dir.join("maxwell.png");
    match plot::log_y(
        &png,
        "Maxwell cavity: eigenvalue error",
        "n",
        "summed error",
        &plot_series,
    ) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    Ok(())
}
