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
pub const TARGETS: &[&str] = &["krylov-laplacian", "maxwell", "gp-hm", "gp-hm-advection"];

pub fn run(name: Option<&str>, budget: f64, only: Option<&str>) -> Result<()> {
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
            "maxwell" => maxwell()?,
            "gp-hm" => gp_hm(budget, only.unwrap_or(""))?,
            "gp-hm-advection" => gp_hm_advection(budget)?,
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

/// Least-squares slope of y against x (the workspace's one fit).
fn fit_slope(pts: &[(f64, f64)]) -> f64 {
    let (xs, ys): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
    noether_core::stats::fit_slope(&xs, &ys)
}

/// The Maxwell cavity `[0, π]²`: Nédélec (N0, and second order) eigenvalues against
/// the exact `m² + n²` with fitted convergence rates, and the nodal vector-P1
/// spectrum with its spurious eigenvalues.
fn maxwell() -> Result<()> {
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
                value: fit_slope(&pts),
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

/// One GP-HM benchmark problem (references §3.5).
struct GpHmProblem {
    id: &'static str,
    pde: noether_gp::gphm::Pde,
    /// exact solution on the domain
    u: fn(f64) -> f64,
    /// u''
    u2: fn(f64) -> f64,
    n: usize,
    freq_scale: f64,
    /// the paper's steps
    paper_steps: usize,
    /// the authors' logged relative L² with the StM and the GM envelope, and the
    /// acceptance target
    authors: [f64; 2],
    target: f64,
}

/// `cargo xtask reproduce gp-hm`: the 1-D Poisson and Allen–Cahn problems of the
/// paper with GP-HM (StM and GM envelopes), GP-SE and GP-Matérn (no cosine), on
/// [0, 2π], and the 2-D Poisson sin 100x sin 100y on the 300² grid (GP-HM, GM). The budget
/// multiplier scales the Adam steps (1: 5·10³ per GP-HM run, 5·10² per baseline;
/// 20: the paper's 10⁵).
fn gp_hm(budget: f64, only: &str) -> Result<()> {
    use noether_gp::gphm::{GpHm, GpHmOptions, Pde, relative_l2};
    use noether_gp::kernel::Envelope;
    use std::f64::consts::PI;

    let problems = [
        GpHmProblem {
            id: "poisson_1d-sin100x",
            pde: Pde::Poisson,
            u: |x| (100.0 * x).sin(),
            u2: |x| -1e4 * (100.0 * x).sin(),
            n: 400,
            freq_scale: 20.0,
            paper_steps: 100_000,
            authors: [6.5e-7, 4.0e-7],
            target: 1e-5,
        },
        GpHmProblem {
            id: "poisson_1d-sin6x_cos100x",
            pde: Pde::Poisson,
            u: |x| (6.0 * x).sin() * (100.0 * x).cos(),
            u2: |x| {
                let (s6, c6, s100, c100) = (
                    (6.0 * x).sin(),
                    (6.0 * x).cos(),
                    (100.0 * x).sin(),
                    (100.0 * x).cos(),
                );
                -36.0 * s6 * c100 - 1200.0 * c6 * s100 - 1e4 * s6 * c100
            },
            n: 400,
            freq_scale: 20.0,
            paper_steps: 100_000,
            authors: [5.5e-6, 1.5e-6],
            target: 1e-5,
        },
        GpHmProblem {
            id: "poisson_1d-x_sin200x",
            pde: Pde::Poisson,
            u: |x| x * (200.0 * x).sin(),
            u2: |x| 400.0 * (200.0 * x).cos() - 4e4 * x * (200.0 * x).sin(),
            n: 900,
            freq_scale: 50.0,
            paper_steps: 100_000,
            authors: [9.0e-7, 1.55e-6],
            target: 1e-5,
        },
        GpHmProblem {
            id: "allencahn_1d-sin100x",
            pde: Pde::AllenCahn,
            u: |x| (100.0 * x).sin(),
            u2: |x| -1e4 * (100.0 * x).sin(),
            n: 400,
            freq_scale: 20.0,
            paper_steps: 100_000,
            authors: [4.9e-6, 7.7e-7],
            target: 1e-5,
        },
    ];
    let steps_for = |paper: usize| ((paper as f64 * budget / 20.0).round() as usize).max(10);
    let mut report = Report::new("gp-hm");
    // (name, envelope, learn frequencies, index into `authors`)
    let variants: [(&str, Envelope, bool, usize); 4] = [
        ("GP-HM (StM)", Envelope::Matern52, true, 0),
        ("GP-HM (GM)", Envelope::Gaussian, true, 1),
        ("GP-SE", Envelope::Gaussian, false, 0),
        ("GP-Matern", Envelope::Matern52, false, 0),
    ];
    let pb = bar((problems.len() * variants.len() + 1) as u64, "GP-HM");
    let test: Vec<f64> = (0..300).map(|i| 2.0 * PI * i as f64 / 299.0).collect();
    // the 1-D runs are independent and sequential work: two at a time, longest first
    let mut runs: Vec<(usize, usize)> = (0..problems.len())
        .flat_map(|p| (0..variants.len()).map(move |v| (p, v)))
        .filter(|&(p, v)| format!("{}-{}", problems[p].id, variants[v].0).contains(only))
        .collect();
    runs.sort_by_key(|&(p, v)| std::cmp::Reverse(problems[p].n * usize::from(variants[v].2)));
    let one_run = |&(pi, vi): &(usize, usize)| -> Result<Vec<Row>> {
        let p = &problems[pi];
        let (name, envelope, learn, which) = variants[vi];
        let x: Vec<f64> = (0..p.n)
            .map(|i| 2.0 * PI * i as f64 / (p.n - 1) as f64)
            .collect();
        let f: Vec<f64> = x
            .iter()
            .map(|&v| {
                let u = (p.u)(v);
                (p.u2)(v)
                    + if p.pde == Pde::AllenCahn {
                        u * (u * u - 1.0)
                    } else {
                        0.0
                    }
            })
            .collect();
        let exact: Vec<f64> = test.iter().map(|&v| (p.u)(v)).collect();
        // the baselines get a tenth of the budget: they stall early (paper)
        let steps = if learn {
            steps_for(p.paper_steps)
        } else {
            steps_for(p.paper_steps / 10)
        };
        pb.set_message(format!("{} {name}, {steps} steps", p.id));
        let opts = GpHmOptions {
            envelope,
            freq_scale: p.freq_scale,
            pde: p.pde,
            learn_frequencies: learn,
            ..GpHmOptions::default()
        };
        let solver = GpHm::new(vec![x], &f, &|q| (p.u)(q[0]), opts)?;
        let run = checkpointed(solver, steps, &format!("{} {name}", p.id), |s| {
            Ok(relative_l2(
                &s.predict(std::slice::from_ref(&test))?,
                &exact,
            ))
        })?;
        pb.inc(1);
        Ok(run.rows(
            &format!("{}-{}-N{}-{}steps", p.id, name, p.n, steps),
            if learn { p.authors[which] } else { p.target },
            if learn {
                format!(
                    "authors' log, {}, {} steps (acceptance ≤ {:e})",
                    if envelope == Envelope::Gaussian {
                        "GM"
                    } else {
                        "StM"
                    },
                    p.paper_steps,
                    p.target
                )
            } else {
                "the paper: baselines fail (errors ≫ 1e-2)".into()
            },
        ))
    };
    let results: Vec<Result<Vec<Row>>> = {
        use rayon::prelude::*;
        runs.par_iter().with_max_len(1).map(one_run).collect()
    };
    for rows in results {
        for row in rows? {
            report.push(row);
        }
    }
    // 2-D Poisson Δu = f, u = sin 100x sin 100y on [0, 2π]², 300² grid, GP-HM with the
    // GM envelope (the authors' 10⁵ steps give 4.7e-6 with GM, 1.5e-4 with StM)
    if "poisson_2d-sin100x_sin100y-GP-HM (GM)".contains(only) {
        let n = 300;
        let steps = steps_for(100_000);
        pb.set_message(format!("poisson_2d-sin100x_sin100y 300², {steps} steps"));
        let axis: Vec<f64> = (0..n)
            .map(|i| 2.0 * PI * i as f64 / (n - 1) as f64)
            .collect();
        let f: Vec<f64> = axis
            .iter()
            .flat_map(|&a| {
                axis.iter()
                    .map(move |&b| -2e4 * (100.0 * a).sin() * (100.0 * b).sin())
            })
            .collect();
        let opts = GpHmOptions {
            envelope: Envelope::Gaussian,
            freq_scale: 20.0,
            ..GpHmOptions::default()
        };
        let solver = GpHm::new(
            vec![axis.clone(), axis],
            &f,
            &|q| (100.0 * q[0]).sin() * (100.0 * q[1]).sin(),
            opts,
        )?;
        let exact: Vec<f64> = test
            .iter()
            .flat_map(|&a| {
                test.iter()
                    .map(move |&b| (100.0 * a).sin() * (100.0 * b).sin())
            })
            .collect();
        let run = checkpointed(solver, steps, "poisson_2d", |s| {
            Ok(relative_l2(
                &s.predict(&[test.clone(), test.clone()])?,
                &exact,
            ))
        })?;
        for row in run.rows(
            &format!("poisson_2d-sin100x_sin100y-GP-HM (GM)-300x300-{steps}steps"),
            4.7e-6,
            "authors' log, GM, 1e5 steps (acceptance ≤ 1e-3)".into(),
        ) {
            report.push(row);
        }
    }
    pb.finish_with_message("done");
    report.print();
    let dir = reports_dir();
    report.write_json(&dir)?;
    report.write_markdown(
        &dir,
        &format!(
            "GP-HM on the paper's 1-D problems and 2-D Poisson 300² (`cargo xtask reproduce gp-hm --budget {budget}{}`): Q = 30, lr 1e-2, \
             λ_b = 200, jitter 1e-6, relative L² on 300 test points, minimum over 20 checkpoints as the \
             authors report, and the final iterate. Budget 20 = the paper's step counts.",
            if only.is_empty() {
                String::new()
            } else {
                format!(" --only '{only}'")
            }
        ),
    )?;
    Ok(())
}

/// `cargo xtask reproduce gp-hm-advection`: GP-HM's advection benchmark
/// (`advection-sin`): `βu_x + u_t = 0`, `β = 200`, `u = sin(x − 200t)` on [0, 1]²
/// (x the first axis, t the second), a 200² grid, the boundary datum on all four
/// sides, StM, Q = 30, freq_scale 40, λ_b = 500 (the authors' config). The budget
/// scales the Adam steps (20: 10⁵; the authors' logged 1.4e-4 took 10⁶, budget 200,
/// hours on this machine). Their own 2·10⁴-step log (SE envelope, λ_b = 1000,
/// freq_scale 60) is at 0.989: the method needs long runs on this problem.
fn gp_hm_advection(budget: f64) -> Result<()> {
    use noether_gp::gphm::{GpHm, GpHmOptions, Pde, relative_l2};
    use noether_gp::kernel::Envelope;

    let (beta, n) = (200.0, 200);
    let steps = ((100_000.0 * budget / 20.0).round() as usize).max(10);
    let exact = |p: &[f64]| (p[0] - beta * p[1]).sin();
    let axis = |m: usize| -> Vec<f64> { (0..m).map(|i| i as f64 / (m - 1) as f64).collect() };
    let opts = GpHmOptions {
        envelope: Envelope::Matern52,
        freq_scale: 40.0,
        lambda_b: 500.0,
        pde: Pde::Advection { beta },
        ..GpHmOptions::default()
    };
    let solver = GpHm::new(vec![axis(n), axis(n)], &vec![0.0; n * n], &exact, opts)?;
    let test = axis(300);
    let truth: Vec<f64> = test
        .iter()
        .flat_map(|&x| test.iter().map(move |&t| exact(&[x, t])))
        .collect();
    let pb = bar(1, "GP-HM advection");
    pb.set_message(format!("advection-sin 200², {steps} steps"));
    let run = checkpointed(solver, steps, "advection-sin", |s| {
        Ok(relative_l2(
            &s.predict(&[test.clone(), test.clone()])?,
            &truth,
        ))
    })?;
    pb.finish_with_message("done");
    let mut report = Report::new("gp-hm-advection");
    for row in run.rows(
        &format!("advection-sin-beta200-GP-HM (StM)-200x200-{steps}steps"),
        1.4e-4,
        "authors' log, StM, 1e6 steps (no acceptance target)".into(),
    ) {
        report.push(row);
    }
    report.print();
    let dir = reports_dir();
    report.write_json(&dir)?;
    report.write_markdown(
        &dir,
        &format!(
            "GP-HM on advection βu_x + u_t = 0, β = 200, u = sin(x − 200t) on [0, 1]², 200² grid \
             (`cargo xtask reproduce gp-hm-advection --budget {budget}`): StM, Q = 30, \
             freq_scale 40, λ_b = 500, lr 1e-2; relative L² on a 300² test grid, minimum over \
             20 checkpoints and final. The authors' 1.4e-4 took 10⁶ Adam steps."
        ),
    )?;
    Ok(())
}

/// One GP-HM optimisation's outcome: the relative L² error, minimum over 20
/// checkpoints (as the authors report) and at the last step, and the wall time.
struct GpHmRun {
    best: f64,
    last: f64,
    elapsed_s: f64,
}

impl GpHmRun {
    /// The two report rows of this run.
    fn rows(&self, case: &str, reference: f64, source: String) -> Vec<Row> {
        [
            ("rel_l2_min_over_checkpoints", self.best),
            ("rel_l2_final", self.last),
        ]
        .into_iter()
        .map(|(metric, value)| Row {
            case: case.into(),
            metric: metric.into(),
            value,
            reference: Some(reference),
            reference_source: Some(source.clone()),
            elapsed_s: self.elapsed_s,
            ..Default::default()
        })
        .collect()
    }
}

/// `steps` Adam steps of `solver`, evaluating the error at 20 checkpoints. A solver
/// failure is printed and ends the run with the errors measured before it.
fn checkpointed(
    mut solver: noether_gp::gphm::GpHm,
    steps: usize,
    label: &str,
    error: impl Fn(&noether_gp::gphm::GpHm) -> Result<f64>,
) -> Result<GpHmRun> {
    let t0 = Instant::now();
    let check_every = (steps / 20).max(1);
    let (mut best, mut last) = (f64::INFINITY, f64::NAN);
    for s in 1..=steps {
        if let Err(e) = solver.step() {
            println!("{label}: stopped at step {s}: {e}");
            break;
        }
        if s % check_every == 0 || s == steps {
            last = error(&solver)?;
            best = best.min(last);
        }
    }
    Ok(GpHmRun {
        best,
        last,
        elapsed_s: t0.elapsed().as_secs_f64(),
    })
}
