//! The Maxwell cavity eigenproblem on `[0, π]²`: Nédélec elements give the exact
//! spectrum 1, 1, 2, 4, 4, 5, 5, 8, 9, 9 with O(h²) (N0) convergence and nothing in
//! between; nodal vector P1 elements produce eigenvalues of no mode.

use crate::common;
use common::fitted_rate;
use noether_fem::maxwell::{cavity_eigenpairs, nodal_cavity_spectrum, square_cavity_exact};
use noether_mesh::generate::{Diagonal, rectangle};
use std::f64::consts::PI;

#[test]
fn nedelec_cavity_spectrum_converges_without_spurious_modes() {
    let exact = square_cavity_exact(10);
    assert_eq!(
        exact,
        vec![1.0, 1.0, 2.0, 4.0, 4.0, 5.0, 5.0, 8.0, 9.0, 9.0]
    );
    let ns = [8usize, 16, 32];
    let mut errs = vec![];
    for &n in &ns {
        let mesh = rectangle(n, n, [0.0, 0.0], [PI, PI], Diagonal::Alternating).unwrap();
        let pairs = cavity_eigenpairs(&mesh, 1, 10).unwrap();
        println!(
            "n = {n}: {:?} ({} iterations)",
            pairs.values, pairs.iterations
        );
        // one computed eigenvalue per exact one, in order: nothing spurious in between
        for (l, e) in pairs.values.iter().zip(&exact) {
            assert!((l - e).abs() / e < 0.15, "n = {n}: {l} against {e}");
        }
        errs.push(
            pairs
                .values
                .iter()
                .zip(&exact)
                .map(|(l, e)| (l - e).abs() / e)
                .sum::<f64>(),
        );
    }
    let rate = fitted_rate(
        &ns.iter().map(|&n| 1.0 / n as f64).collect::<Vec<_>>(),
        &errs,
    );
    println!("summed relative errors {errs:?}, rate {rate:.3}");
    assert!((rate - 2.0).abs() < 0.15, "rate {rate}");
}

#[test]
fn second_order_nedelec_converges_at_rate_four() {
    let exact = square_cavity_exact(10);
    let ns = [8usize, 16, 32];
    let mut errs = vec![];
    for &n in &ns {
        let mesh = rectangle(n, n, [0.0, 0.0], [PI, PI], Diagonal::Alternating).unwrap();
        let pairs = cavity_eigenpairs(&mesh, 2, 10).unwrap();
        errs.push(
            pairs
                .values
                .iter()
                .zip(&exact)
                .map(|(l, e)| (l - e).abs() / e)
                .sum::<f64>(),
        );
    }
    let rate = fitted_rate(
        &ns.iter().map(|&n| 1.0 / n as f64).collect::<Vec<_>>(),
        &errs,
    );
    println!("N1curl2: summed relative errors {errs:?}, rate {rate:.3}");
    assert!((rate - 4.0).abs() < 0.3, "rate {rate}");
}

#[test]
fn nodal_elements_produce_spurious_eigenvalues() {
    let exact = square_cavity_exact(40);
    let mesh = rectangle(12, 12, [0.0, 0.0], [PI, PI], Diagonal::Alternating).unwrap();
    let spectrum = nodal_cavity_spectrum(&mesh).unwrap();
    let spurious: Vec<f64> = spectrum
        .iter()
        .cloned()
        .filter(|&l| l > 1e-8 && l < 9.5)
        .filter(|l| exact.iter().all(|e| (l - e).abs() / e > 0.05))
        .collect();
    println!(
        "nodal P1 spectrum below 9.5: {:?}",
        spectrum.iter().filter(|&&l| l < 9.5).collect::<Vec<_>>()
    );
    assert!(!spurious.is_empty(), "no spurious eigenvalue found");
}
