//! The heat equation `M u̇ = F − K u` integrated by noether-diffeq's Kvaerno5 with
//! matrix-free Newton–GMRES, the mass matrix in the Newton operator `M − cJ`, and
//! side by side the formulation `u̇ = M⁻¹(F − K u)` (a sparse Cholesky solve in every
//! evaluation), same tolerances, same run:
//! `cargo run --release -p noether-fem --example heat -- [n] [repeats]`.
use std::time::Instant;

use noether_core::VectorField;
use noether_diffeq::esdirk::{Esdirk, KVAERNO5};
use noether_diffeq::newton::KrylovNewton;
use noether_diffeq::{OdeProblem, Solution, SolveOptions, solve};
use noether_fem::element::Element;
use noether_fem::evolution::HeatEquation;
use noether_fem::space::{FunctionSpace, Op};
use noether_mesh::generate::{Diagonal, unit_square};
use std::f64::consts::PI;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(32), |s| s.parse())?;
    let repeats: usize = args.next().map_or(Ok(5), |s| s.parse())?;
    let mesh = unit_square(n, n, Diagonal::Alternating)?;
    let space = FunctionSpace::new(&mesh, Element::lagrange(2, 2)?)?;
    let heat = HeatEquation::new(&space, None, None, &[])?;
    let mode = |x: &[f64]| (PI * x[0]).sin() * (PI * x[1]).sin();
    let u0 = heat
        .semi
        .restrict(&space.interpolate(&|x, o| o[0] = mode(x))?);
    let t1 = 0.1;
    let gmres = KrylovNewton::<Vec<f64>>::default_options;
    let inverted = |t: f64, u: &Vec<f64>, out: &mut Vec<f64>| {
        heat.eval(t, u, out);
        *out = heat.semi.mass_solve(out);
    };
    let with_mass = OdeProblem::new(&heat, (0.0, t1), u0.clone()).tolerances(1e-8, 1e-10);
    let with_inverse = OdeProblem::new(&inverted, (0.0, t1), u0.clone()).tolerances(1e-8, 1e-10);
    let run_mass = || {
        let newton = KrylovNewton::finite_difference(gmres()).with_mass(heat.mass());
        solve(
            &with_mass,
            Esdirk::new(&KVAERNO5, newton),
            SolveOptions::default(),
        )
    };
    let run_inverse = || {
        let newton = KrylovNewton::finite_difference(gmres());
        solve(
            &with_inverse,
            Esdirk::new(&KVAERNO5, newton),
            SolveOptions::default(),
        )
    };
    // Alternate the two, one solve each per round; report medians.
    let (mut tm, mut ti) = (Vec::new(), Vec::new());
    let mut sm: Option<Solution<Vec<f64>>> = None;
    let mut si: Option<Solution<Vec<f64>>> = None;
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        sm = Some(run_mass()?);
        tm.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        si = Some(run_inverse()?);
        ti.push(t.elapsed().as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (sm, si) = (sm.ok_or("no run")?, si.ok_or("no run")?);
    let decay = (-2.0 * PI * PI * t1).exp();
    for (label, sol, times) in [
        ("M u' = F - K u", &sm, &mut tm),
        ("u' = M^-1 (F - K u)", &si, &mut ti),
    ] {
        let u = heat.semi.extend(sol.ys.last().ok_or("no output")?);
        let err = space.error(&u, Op::Value, &|x, o| o[0] = decay * mode(x))?;
        println!(
            "P2 heat on {n}×{n} ({} dofs), {label}: {} steps ({} rejected), {} f evaluations, \
             L2 error at t = {t1}: {err:.3e}, median {:.3} s over {} runs",
            heat.semi.len(),
            sol.stats.accepted,
            sol.stats.rejected,
            sol.stats.nfev,
            median(times),
            times.len()
        );
    }
    let (a, b) = (
        sm.ys.last().ok_or("no output")?,
        si.ys.last().ok_or("no output")?,
    );
    let diff = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    println!("max difference between the two solutions: {diff:.2e}");
    Ok(())
}
