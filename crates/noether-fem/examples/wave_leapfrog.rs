//! The wave equation on the unit square as a separable Hamiltonian, integrated by
//! leapfrog (Störmer–Verlet):
//! `cargo run --release -p noether-fem --example wave_leapfrog -- [n] [steps]`.
//! The discrete energy error oscillates at the level of dt² and does not drift.
use noether_core::Hamiltonian;
use noether_diffeq::symplectic::{Symplectic, SymplecticMethod};
use noether_diffeq::{Integrator, OdeProblem, SolveOptions};
use noether_fem::element::Element;
use noether_fem::evolution::{Semidiscrete, WaveHamiltonian};
use noether_fem::space::FunctionSpace;
use noether_mesh::generate::{Diagonal, unit_square};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(32), |s| s.parse())?;
    let steps: usize = args.next().map_or(Ok(10_000), |s| s.parse())?;
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
    let mut worst = 0.0f64;
    let problem = OdeProblem::new(&ham, (0.0, dt * steps as f64), (q0.clone(), p0.clone()));
    let opts = SolveOptions::default().fixed(dt).max_steps(steps + 1);
    let verlet = Symplectic::new(SymplecticMethod::Verlet);
    let mut it = Integrator::new(&problem, verlet, &opts)?;
    while it.step()?.is_some() {
        let (q, p) = it.y();
        worst = worst.max((ham.energy(q, p).unwrap_or(f64::NAN) - e0).abs() / e0);
    }
    println!(
        "P1 wave on {n}×{n}, dt = {dt:.3e}, {steps} leapfrog steps: max relative energy error {worst:.3e}"
    );
    Ok(())
}
