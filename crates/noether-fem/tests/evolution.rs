//! Time-dependent FE problems driven by noether-diffeq through the core traits: the
//! wave equation with leapfrog keeps its discrete energy bounded over 10⁴ steps, the
//! heat equation converges at O(h²) to the decaying eigenmode.

use noether_core::{Hamiltonian, VectorField};
use noether_diffeq::esdirk::{Esdirk, KVAERNO5};
use noether_diffeq::newton::KrylovNewton;
use noether_diffeq::symplectic::{Symplectic, SymplecticMethod};
use noether_diffeq::{Integrator, OdeProblem, SolveOptions, solve};
use noether_fem::element::Element;
use noether_fem::evolution::{HeatEquation, Semidiscrete, WaveHamiltonian};
use noether_fem::space::{FunctionSpace, Op};
use noether_mesh::generate::{Diagonal, unit_square};
use std::f64::consts::PI;

fn mode(x: &[f64]) -> f64 {
    (PI * x[0]).sin() * (PI * x[1]).sin()
}

#[test]
fn leapfrog_wave_energy_is_bounded_without_drift() {
    let n = 24;
    let mesh = unit_square(n, n, Diagonal::Alternating).unwrap();
    let space = FunctionSpace::new(&mesh, Element::lagrange(2, 1).unwrap()).unwrap();
    let semi = Semidiscrete::new(&space, None, &[]).unwrap();
    // a non-modal initial state excites many frequencies
    let u0 = space
        .interpolate(&|x, o| {
            o[0] = mode(x) + 0.5 * (x[0] * x[1] * (1.0 - x[0]) * (1.0 - x[1])).powi(2) * 40.0
        })
        .unwrap();
    let q0 = semi.restrict(&u0);
    let p0 = vec![0.0; q0.len()];
    let ham = WaveHamiltonian(semi);
    let e0 = ham.energy(&q0, &p0).unwrap();
    let dt = 0.2 / n as f64;
    let steps = 10_000;
    let mut errs = Vec::with_capacity(steps);
    let problem = OdeProblem::new(&ham, (0.0, dt * steps as f64), (q0.clone(), p0.clone()));
    let opts = SolveOptions::default().fixed(dt).max_steps(steps + 1);
    let verlet = Symplectic::new(SymplecticMethod::Verlet);
    let mut it = Integrator::new(&problem, verlet, &opts).unwrap();
    while it.step().unwrap().is_some() {
        let (q, p) = it.y();
        errs.push((ham.energy(q, p).unwrap() - e0) / e0);
    }
    assert_eq!(errs.len(), steps);
    let max_in = |r: std::ops::Range<usize>| errs[r].iter().fold(0.0f64, |a, e| a.max(e.abs()));
    let (first, last, all) = (
        max_in(0..1000),
        max_in(steps - 1000..steps),
        max_in(0..steps),
    );
    println!(
        "relative energy error: first 1000 steps {first:.3e}, last 1000 {last:.3e}, all {all:.3e}"
    );
    assert!(all < 1e-2, "energy error {all}");
    // bounded oscillation, no drift: the late error is no larger than the early one
    assert!(last < 1.5 * first, "drift: {first:e} → {last:e}");
    // the mean of the error over the last window does not trend away from the first
    let mean = |r: std::ops::Range<usize>| errs[r.clone()].iter().sum::<f64>() / r.len() as f64;
    assert!(
        (mean(steps - 1000..steps) - mean(0..1000)).abs() < 0.2 * first,
        "mean drift"
    );
}

#[test]
fn heat_equation_converges_at_second_order() {
    let t1 = 0.05;
    let mut errs = vec![];
    let ns = [8usize, 16, 32];
    for &n in &ns {
        let mesh = unit_square(n, n, Diagonal::Alternating).unwrap();
        let space = FunctionSpace::new(&mesh, Element::lagrange(2, 1).unwrap()).unwrap();
        let heat = HeatEquation::new(&space, None, None, &[]).unwrap();
        let u0 = heat
            .semi
            .restrict(&space.interpolate(&|x, o| o[0] = mode(x)).unwrap());
        let newton = KrylovNewton::finite_difference(KrylovNewton::<Vec<f64>>::default_options())
            .with_mass(heat.mass());
        let problem = OdeProblem::new(&heat, (0.0, t1), u0.clone()).tolerances(1e-9, 1e-12);
        let sol = solve(
            &problem,
            Esdirk::new(&KVAERNO5, newton),
            SolveOptions::default(),
        )
        .unwrap();
        // Today's other formulation, u̇ = M⁻¹(F − K u) with a sparse Cholesky solve in
        // every evaluation, reaches the same solution within the tolerance.
        let inverted = |t: f64, u: &Vec<f64>, out: &mut Vec<f64>| {
            heat.eval(t, u, out);
            *out = heat.semi.mass_solve(out);
        };
        let old = OdeProblem::new(&inverted, (0.0, t1), u0.clone()).tolerances(1e-9, 1e-12);
        let newton = KrylovNewton::finite_difference(KrylovNewton::<Vec<f64>>::default_options());
        let sol_old = solve(
            &old,
            Esdirk::new(&KVAERNO5, newton),
            SolveOptions::default(),
        )
        .unwrap();
        let (a, b) = (sol.ys.last().unwrap(), sol_old.ys.last().unwrap());
        let diff = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        let scale = b.iter().map(|y| y.abs()).fold(0.0, f64::max);
        assert!(
            diff < 1e-7 * scale,
            "n = {n}: mass-matrix and M⁻¹ forms differ by {diff:e}"
        );
        let u = heat.semi.extend(sol.ys.last().unwrap());
        let decay = (-2.0 * PI * PI * t1).exp();
        errs.push(
            space
                .error(&u, Op::Value, &|x, o| o[0] = decay * mode(x))
                .unwrap(),
        );
    }
    let rate = (errs[0] / errs[2]).ln() / 4f64.ln();
    println!("heat L2 errors {errs:?}, rate {rate:.3}");
    assert!((rate - 2.0).abs() < 0.15, "rate {rate}");
}
