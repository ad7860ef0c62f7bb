//! `cargo xtask demo`: each crate's showcase, writing `target/noether/reports/demo.json`.

use std::time::Instant;

use noether_core::Hamiltonian;
use noether_core::krylov::{
    GmresOptions, KrylovOptions, LanczosOptions, cg, gmres, lanczos_extremes, minres,
};
use noether_core::operator::Laplacian2d;
use noether_core::precond::Ic0;
use noether_diffeq::erk::Erk;
use noether_diffeq::problems::{Kepler, lorenz};
use noether_diffeq::symplectic::{Symplectic, SymplecticMethod};
use noether_diffeq::tableau::{RK4, TSIT5};
use noether_diffeq::{Integrator, OdeProblem, SaveAt, SolveOptions, solve};

use crate::paths::reports_dir;
use crate::plot::{self, Series};
use crate::progress::bar;
use crate::report::anyhow_lite::Result;
use crate::report::{Report, Row};

/// Centre value of the torsion function of the unit square (−Δu = 1, u = 0 on the
/// boundary), from its Fourier series.
const TORSION_CENTRE: f64 = 0.073_671_353;

pub fn run() -> Result<()> {
    let mut report = Report::new("demo");
    core_showcase(&mut report)?;
    diffeq_showcase(&mut report)?;
    mesh_showcase(&mut report)?;
    fem_showcase(&mut report)?;
    gp_showcase(&mut report)?;
    for name in ["noether-flow", "noether-kernels"] {
        println!("{name}: no showcase yet");
    }
    report.print();
    let dir = reports_dir();
    let json = report.write_json(&dir)?;
    let md = report.write_markdown(&dir, "Showcase of the noether crates (`cargo xtask demo`).")?;
    println!("\nwrote {} and {}", json.display(), md.display());
    Ok(())
}

fn core_showcase(report: &mut Report) -> Result<()> {
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

fn diffeq_showcase(report: &mut Report) -> Result<()> {
    println!(
        "noether-diffeq: the Lorenz attractor (Tsit5) and a Kepler orbit (Störmer–Verlet vs RK4)"
    );
    let pb = bar(3, "integrators");
    pb.set_message("Lorenz, Tsit5, rtol 1e-8");
    let times: Vec<f64> = (0..=20_000).map(|i| i as f64 * 0.0025).collect();
    let t0 = Instant::now();
    let sol = solve(
        &OdeProblem::new(&lorenz, (0.0, 50.0), vec![1.0, 1.0, 1.0]).tolerances(1e-8, 1e-8),
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

/// The edges of a 2-D mesh as segments, for wireframe plots.
fn mesh_edges(mesh: &noether_mesh::Mesh) -> Result<Vec<plot::Segment>> {
    let topo = noether_mesh::Topology::new(mesh)?;
    Ok((0..topo.count(1))
        .map(|e| {
            let s = topo.simplex(1, e);
            let p = |v: usize| (mesh.vertex(v)[0], mesh.vertex(v)[1]);
            [p(s[0]), p(s[1])]
        })
        .collect())
}

fn mesh_showcase(report: &mut Report) -> Result<()> {
    use noether_mesh::geometry::{inverted_cells, radius_ratio};
    use noether_mesh::io::vtu::{Field, write_vtu};
    use noether_mesh::mover::{MoverOptions, move_unit_square};

    println!("noether-mesh: Monge–Ampère mesh movement onto a ring monitor");
    let pb = bar(1, "mesh mover");
    pb.set_message("parabolic Monge–Ampère, 48 × 48 squares");
    let ring = |x: &[f64]| {
        let r = ((x[0] - 0.5).powi(2) + (x[1] - 0.5).powi(2)).sqrt();
        1.0 + 10.0 / (50.0 * (r - 0.25)).cosh().powi(2)
    };
    let n = 48;
    let t0 = Instant::now();
    let out = move_unit_square(n, ring, &MoverOptions::default())?;
    let elapsed = t0.elapsed().as_secs_f64();
    let (before, after) = out.equidistribution;
    let min_q = (0..out.mesh.n_cells())
        .map(|c| radius_ratio(&out.mesh, c))
        .fold(f64::INFINITY, f64::min);
    let case = format!("monge-ampere-ring-n{n}");
    for (metric, value) in [
        ("equidistribution_cv_before", before),
        ("equidistribution_cv_after", after),
        ("improvement", before / after),
        ("min_radius_ratio", min_q),
        ("inverted_cells", inverted_cells(&out.mesh).len() as f64),
        ("pseudo_time_steps", out.steps as f64),
    ] {
        report.push(Row {
            case: case.clone(),
            metric: metric.into(),
            value,
            elapsed_s: elapsed,
            ..Default::default()
        });
    }
    pb.inc(1);
    pb.finish_with_message("done");
    let dir = reports_dir();
    std::fs::create_dir_all(&dir)?;
    let base = noether_mesh::generate::unit_square(n, n, noether_mesh::generate::Diagonal::Right)?;
    let png = dir.join("demo-mesh-mover.png");
    let panels = vec![
        (
            format!("uniform: CV of m·|T| = {before:.2}"),
            mesh_edges(&base)?,
        ),
        (
            format!("moved (Monge–Ampère): CV = {after:.3}"),
            mesh_edges(&out.mesh)?,
        ),
    ];
    match plot::wireframes(&png, &panels) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    for (name, mesh) in [("uniform", &base), ("moved", &out.mesh)] {
        let m: Vec<f64> = (0..mesh.n_vertices())
            .map(|v| ring(mesh.vertex(v)))
            .collect();
        let q: Vec<f64> = (0..mesh.n_cells()).map(|c| radius_ratio(mesh, c)).collect();
        let xml = write_vtu(
            mesh,
            &[Field::scalar("monitor", &m)],
            &[Field::scalar("radius_ratio", &q)],
        )?;
        let path = dir.join(format!("demo-mesh-{name}.vtu"));
        std::fs::write(&path, xml)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// noether-fem: the Maxwell cavity spectrum (Nédélec against nodal P1), mixed
/// Poisson's exact local conservation, leapfrog energy for the wave equation, and
/// heat decay through noether-diffeq.
fn fem_showcase(report: &mut Report) -> Result<()> {
    use noether_diffeq::esdirk::{Esdirk, KVAERNO5};
    use noether_diffeq::newton::KrylovNewton;
    use noether_fem::element::Element;
    use noether_fem::evolution::{HeatEquation, Semidiscrete, WaveHamiltonian};
    use noether_fem::maxwell::{cavity_eigenpairs, nodal_cavity_spectrum, square_cavity_exact};
    use noether_fem::mixed::solve_mixed_poisson;
    use noether_fem::space::{FunctionSpace, Op};
    use noether_fem::transfer::solution_vtu;
    use noether_mesh::generate::{Diagonal, rectangle, unit_square};
    use std::f64::consts::PI;

    println!("noether-fem: Maxwell cavity, mixed Poisson, wave and heat equations");
    let dir = reports_dir();
    std::fs::create_dir_all(&dir)?;
    let pb = bar(4, "finite elements");

    pb.set_message("Maxwell cavity [0, π]², 16 × 16");
    let t0 = Instant::now();
    let mesh = rectangle(16, 16, [0.0, 0.0], [PI, PI], Diagonal::Alternating)?;
    let ned = cavity_eigenpairs(&mesh, 1, 12)?;
    let nodal: Vec<f64> = nodal_cavity_spectrum(&mesh)?
        .into_iter()
        .filter(|&l| l > 1e-8)
        .take(12)
        .collect();
    let exact = square_cavity_exact(12);
    let spurious = nodal
        .iter()
        .filter(|&&l| exact.iter().all(|e| (l - e).abs() / e > 0.05))
        .count();
    let worst = ned
        .values
        .iter()
        .zip(&exact)
        .map(|(l, e)| (l - e).abs() / e)
        .fold(0.0, f64::max);
    for (metric, value) in [
        ("nedelec_max_relative_error_first_12", worst),
        ("nodal_p1_spurious_among_first_12", spurious as f64),
    ] {
        report.push(Row {
            case: "maxwell-cavity-n16".into(),
            metric: metric.into(),
            value,
            elapsed_s: t0.elapsed().as_secs_f64(),
            ..Default::default()
        });
    }
    let idx = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .map(|(i, &l)| ((i + 1) as f64, l))
            .collect()
    };
    let series = vec![
        Series {
            label: "exact m² + n²".into(),
            points: idx(&exact),
        },
        Series {
            label: "Nédélec N0".into(),
            points: idx(&ned.values),
        },
        Series {
            label: "nodal P1 (spurious ≈3, ≈6)".into(),
            points: idx(&nodal),
        },
    ];
    let png = dir.join("demo-fem-maxwell.png");
    match plot::markers(
        &png,
        "Maxwell cavity eigenvalues",
        "index",
        "eigenvalue",
        &series,
    ) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    pb.inc(1);

    pb.set_message("mixed Poisson RT0–DG0");
    let t0 = Instant::now();
    let p_exact = |x: &[f64]| (PI * x[0]).sin() * (PI * x[1]).sin();
    let mut conv = Vec::new();
    let mut last = None;
    for n in [8usize, 16, 32, 64] {
        let mesh = unit_square(n, n, Diagonal::Alternating)?;
        let sol = solve_mixed_poisson(&mesh, 1, &|x| 2.0 * PI * PI * p_exact(x), &|_, _| 0.0)?;
        let worst = sol
            .cell_residuals
            .iter()
            .fold(0.0f64, |a, r| a.max(r.abs()))
            / sol.f_norm;
        let ep = sol
            .pressure
            .error(&sol.p, Op::Value, &|x, o| o[0] = p_exact(x))?;
        conv.push((n as f64, ep));
        if n == 32 {
            let vtu = solution_vtu(&[
                ("flux", &sol.flux, &sol.sigma),
                ("pressure", &sol.pressure, &sol.p),
            ])?;
            let path = dir.join("demo-fem-mixed-poisson.vtu");
            std::fs::write(&path, vtu)?;
            println!("wrote {}", path.display());
        }
        last = Some(worst);
    }
    report.push(Row {
        case: "mixed-poisson-rt0-n64".into(),
        metric: "max_cell_residual_over_f_norm".into(),
        value: last.unwrap_or(f64::NAN),
        reference: Some(1e-12),
        reference_source: Some("exact local conservation".into()),
        elapsed_s: t0.elapsed().as_secs_f64(),
        ..Default::default()
    });
    let png = dir.join("demo-fem-mixed-poisson.png");
    let series = vec![Series {
        label: "‖p − p_h‖ (RT0–DG0), slope −1".into(),
        points: conv,
    }];
    match plot::log_y(
        &png,
        "Mixed Poisson: pressure error",
        "n",
        "L2 error",
        &series,
    ) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    pb.inc(1);

    pb.set_message("wave equation, leapfrog, 10⁴ steps");
    let t0 = Instant::now();
    let n = 32;
    let mesh = unit_square(n, n, Diagonal::Alternating)?;
    let space = FunctionSpace::new(&mesh, Element::lagrange(2, 1)?)?;
    let semi = Semidiscrete::new(&space, None, &[])?;
    let u0 = space.interpolate(&|x, o| {
        let r2 = (x[0] - 0.4).powi(2) + (x[1] - 0.6).powi(2);
        o[0] = (-r2 / 0.01).exp() * x[0] * (1.0 - x[0]) * x[1] * (1.0 - x[1]) * 16.0;
    })?;
    let q0 = semi.restrict(&u0);
    let p0 = vec![0.0; q0.len()];
    let ham = WaveHamiltonian(semi);
    let e0 = ham.energy(&q0, &p0).unwrap_or(f64::NAN);
    let dt = 0.25 / n as f64;
    let mut energy = Vec::new();
    let mut worst = 0.0f64;
    let problem = OdeProblem::new(&ham, (0.0, dt * 10_000.0), (q0.clone(), p0.clone()));
    let opts = SolveOptions::default().fixed(dt).max_steps(10_001);
    let mut it = Integrator::new(&problem, Symplectic::new(SymplecticMethod::Verlet), &opts)?;
    let mut step = 0;
    while it.step()?.is_some() {
        step += 1;
        let (q, p) = it.y();
        let err = (ham.energy(q, p).unwrap_or(f64::NAN) - e0) / e0;
        worst = worst.max(err.abs());
        if step % 10 == 0 {
            energy.push((step as f64 * dt, err));
        }
    }
    report.push(Row {
        case: "wave-p1-n32-leapfrog-1e4-steps".into(),
        metric: "max_relative_energy_error".into(),
        value: worst,
        elapsed_s: t0.elapsed().as_secs_f64(),
        ..Default::default()
    });
    let png = dir.join("demo-fem-wave-energy.png");
    let series = vec![Series {
        label: "(H − H₀)/H₀, Störmer–Verlet".into(),
        points: energy,
    }];
    match plot::xy(
        &png,
        "Wave equation: discrete energy",
        "t",
        "relative energy error",
        &series,
        false,
    ) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    pb.inc(1);

    pb.set_message("heat equation, Kvaerno5");
    let t0 = Instant::now();
    let mesh = unit_square(24, 24, Diagonal::Alternating)?;
    let space = FunctionSpace::new(&mesh, Element::lagrange(2, 2)?)?;
    let heat = HeatEquation::new(&space, None, None, &[])?;
    let mode = |x: &[f64]| (PI * x[0]).sin() * (PI * x[1]).sin();
    let u0 = heat
        .semi
        .restrict(&space.interpolate(&|x, o| o[0] = mode(x))?);
    let newton = KrylovNewton::finite_difference(KrylovNewton::<Vec<f64>>::default_options())
        .with_mass(heat.mass());
    let times: Vec<f64> = (0..=20).map(|i| i as f64 * 0.01).collect();
    let sol = solve(
        &OdeProblem::new(&heat, (0.0, 0.2), u0.clone()).tolerances(1e-8, 1e-10),
        Esdirk::new(&KVAERNO5, newton),
        SolveOptions::default().save_at(SaveAt::Times(times.clone())),
    )?;
    let mut norms = Vec::new();
    let mut exact_norms = Vec::new();
    let mut worst = 0.0f64;
    for (t, y) in sol.ts.iter().zip(&sol.ys) {
        let u = heat.semi.extend(y);
        let norm = space.error(&u, Op::Value, &|_, o| o[0] = 0.0)?;
        let decay = (-2.0 * PI * PI * t).exp();
        worst =
            worst.max(space.error(&u, Op::Value, &|x, o| o[0] = decay * mode(x))? / (0.5 * decay));
        norms.push((*t, norm));
        exact_norms.push((*t, 0.5 * decay));
    }
    report.push(Row {
        case: "heat-p2-n24-kvaerno5".into(),
        metric: "max_relative_l2_error".into(),
        value: worst,
        elapsed_s: t0.elapsed().as_secs_f64(),
        ..Default::default()
    });
    let png = dir.join("demo-fem-heat.png");
    let series = vec![
        Series {
            label: "‖u_h(t)‖ (P2, Kvaerno5)".into(),
            points: norms,
        },
        Series {
            label: "exact e^{−2π²t}/2".into(),
            points: exact_norms,
        },
    ];
    match plot::log_y(
        &png,
        "Heat equation: decay of the first mode",
        "t",
        "L2 norm",
        &series,
    ) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    pb.inc(1);
    pb.finish_with_message("done");
    Ok(())
}

/// noether-gp: GP-HM on a multi-scale 1-D Poisson problem, the solution with its
/// error and the learned spectrum (mixture weights against frequency).
fn gp_showcase(report: &mut Report) -> Result<()> {
    use noether_gp::gphm::{GpHm, GpHmOptions, relative_l2};
    use std::f64::consts::PI;

    println!("noether-gp: GP-HM on u'' = f with u = sin 6x cos 20x on [0, 2π]");
    let pb = bar(1, "GP-HM");
    let n = 200;
    let steps = 20_000;
    pb.set_message(format!("N = {n}, {steps} Adam steps"));
    // two scales: sin 6x cos 20x = ½(sin 26x − sin 14x)
    let u = |x: f64| (6.0 * x).sin() * (20.0 * x).cos();
    let u2 = |x: f64| {
        let (s6, c6, s20, c20) = (
            (6.0 * x).sin(),
            (6.0 * x).cos(),
            (20.0 * x).sin(),
            (20.0 * x).cos(),
        );
        -436.0 * s6 * c20 - 240.0 * c6 * s20
    };
    let x: Vec<f64> = (0..n)
        .map(|i| 2.0 * PI * i as f64 / (n - 1) as f64)
        .collect();
    let f: Vec<f64> = x.iter().map(|&v| u2(v)).collect();
    let t0 = Instant::now();
    let mut solver = GpHm::new(vec![x], &f, &|p| u(p[0]), GpHmOptions::default())?;
    let test: Vec<f64> = (0..600).map(|i| 2.0 * PI * i as f64 / 599.0).collect();
    let exact: Vec<f64> = test.iter().map(|&v| u(v)).collect();
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
