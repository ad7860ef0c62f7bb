//! The noether-fem showcase of `cargo xtask demo`.

use std::time::Instant;

use noether_core::Hamiltonian;
use noether_diffeq::symplectic::{Symplectic, SymplecticMethod};
use noether_diffeq::{Integrator, OdeProblem, SaveAt, SolveOptions, solve};
use xtask::Result;
use xtask::paths::reports_dir;

use crate::plot::{self, Series};
use crate::progress::bar;
use crate::report::{Report, Row};

/// noether-fem: the Maxwell cavity spectrum (Nédélec against nodal P1), mixed
/// Poisson's exact local conservation, leapfrog energy for the wave equation, and
/// heat decay through noether-diffeq.
pub fn run(report: &mut Report) -> Result<()> {
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
