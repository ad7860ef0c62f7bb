//! The heat equation as a `VectorField`, integrated by noether-diffeq's Kvaerno5
//! with matrix-free Newton–GMRES:
//! `cargo run --release -p noether-fem --example heat -- [n]`.
use noether_diffeq::esdirk::{Esdirk, KVAERNO5};
use noether_diffeq::newton::KrylovNewton;
use noether_diffeq::{OdeProblem, SolveOptions, solve};
use noether_fem::element::Element;
use noether_fem::evolution::HeatEquation;
use noether_fem::space::{FunctionSpace, Op};
use noether_mesh::generate::{Diagonal, unit_square};
use std::f64::consts::PI;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).map_or(Ok(32), |s| s.parse())?;
    let mesh = unit_square(n, n, Diagonal::Alternating)?;
    let space = FunctionSpace::new(&mesh, Element::lagrange(2, 2)?)?;
    let heat = HeatEquation::new(&space, None, None, &[])?;
    let mode = |x: &[f64]| (PI * x[0]).sin() * (PI * x[1]).sin();
    let u0 = heat
        .semi
        .restrict(&space.interpolate(&|x, o| o[0] = mode(x))?);
    let mut newton = KrylovNewton::finite_difference(KrylovNewton::<Vec<f64>>::default_options());
    let t1 = 0.1;
    let sol = solve(
        &OdeProblem::new(&heat, (0.0, t1), u0.clone()).tolerances(1e-8, 1e-10),
        Esdirk::new(&KVAERNO5, &mut newton),
        SolveOptions::default(),
    )?;
    let u = heat.semi.extend(sol.ys.last().ok_or("no output")?);
    let decay = (-2.0 * PI * PI * t1).exp();
    let err = space.error(&u, Op::Value, &|x, o| o[0] = decay * mode(x))?;
    println!(
        "P2 heat on {n}×{n}: {} steps ({} rejected), L2 error at t = {t1}: {err:.3e} (solution norm {:.3e})",
        sol.stats.accepted,
        sol.stats.rejected,
        0.5 * decay
    );
    Ok(())
}
