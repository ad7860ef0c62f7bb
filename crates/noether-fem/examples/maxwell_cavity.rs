//! The Maxwell eigenproblem in the square cavity [0, π]² with Nédélec elements:
//! `cargo run --release -p noether-fem --example maxwell_cavity -- [n] [degree]`.
//! Prints the first 10 eigenvalues against the exact 1, 1, 2, 4, 4, 5, 5, 8, 9, 9,
//! and the spurious eigenvalues of nodal vector P1 elements on the same mesh.
use noether_fem::maxwell::{cavity_eigenpairs, nodal_cavity_spectrum, square_cavity_exact};
use noether_mesh::generate::{Diagonal, rectangle};
use std::f64::consts::PI;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(32), |s| s.parse())?;
    let degree: usize = args.next().map_or(Ok(1), |s| s.parse())?;
    let mesh = rectangle(n, n, [0.0, 0.0], [PI, PI], Diagonal::Alternating)?;
    let pairs = cavity_eigenpairs(&mesh, degree, 10)?;
    println!(
        "Nédélec degree {degree} on {n}×{n} squares ({} iterations):",
        pairs.iterations
    );
    for (l, e) in pairs.values.iter().zip(square_cavity_exact(10)) {
        println!(
            "  {l:12.8}   exact {e:4}   relative error {:.2e}",
            (l - e).abs() / e
        );
    }
    let small = rectangle(16, 16, [0.0, 0.0], [PI, PI], Diagonal::Alternating)?;
    let nodal: Vec<f64> = nodal_cavity_spectrum(&small)?
        .into_iter()
        .filter(|&l| l > 1e-8 && l < 9.5)
        .collect();
    println!(
        "nodal vector P1 on 16×16, non-zero eigenvalues below 9.5 (≈3 and ≈6 belong to no mode):"
    );
    println!("  {nodal:.4?}");
    Ok(())
}
