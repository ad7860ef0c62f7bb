//! GMRES orthogonalises its Krylov basis by classical Gram–Schmidt applied twice
//! (CGS2). On a badly conditioned nonnormal matrix, where modified Gram–Schmidt
//! (one pass, the textbook Arnoldi) visibly loses orthogonality, the basis GMRES
//! builds stays orthonormal to 1e-12.

use noether_core::krylov::{GmresOptions, GmresWorkspace};
use noether_core::operator::FnOperator;

/// `A = D + N`: `D` diagonal with eigenvalues spread over 10 decades, `N` a
/// strictly upper bidiagonal coupling (nonnormal). With as many Arnoldi steps as
/// unknowns GMRES runs to the exact solution, where MGS's loss of orthogonality
/// grows like ε·κ(A) (Paige, Rozložník & Strakoš 2006).
fn apply(x: &[f64], y: &mut [f64]) {
    let n = x.len();
    for i in 0..n {
        let d = 10f64.powf(-10.0 * i as f64 / (n - 1) as f64);
        y[i] = d * x[i] + if i + 1 < n { 0.5 * d * x[i + 1] } else { 0.0 };
    }
}

fn rhs(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| ((i * 7919) % 101) as f64 / 101.0 + 0.1)
        .collect()
}

/// `max |I − VᵀV|` over the basis.
fn loss(basis: &[Vec<f64>]) -> f64 {
    let mut worst = 0.0f64;
    for (i, a) in basis.iter().enumerate() {
        for (j, b) in basis.iter().enumerate() {
            let d: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            let want = if i == j { 1.0 } else { 0.0 };
            worst = worst.max((d - want).abs());
        }
    }
    worst
}

/// The textbook Arnoldi process with modified Gram–Schmidt (one pass).
fn mgs_basis(n: usize, k: usize) -> Vec<Vec<f64>> {
    let b = rhs(n);
    let nb = b.iter().map(|v| v * v).sum::<f64>().sqrt();
    let mut basis = vec![b.iter().map(|v| v / nb).collect::<Vec<f64>>()];
    let mut w = vec![0.0; n];
    for j in 0..k {
        apply(&basis[j], &mut w);
        for v in &basis {
            let h: f64 = w.iter().zip(v).map(|(a, b)| a * b).sum();
            for (wi, vi) in w.iter_mut().zip(v) {
                *wi -= h * vi;
            }
        }
        let nw = w.iter().map(|v| v * v).sum::<f64>().sqrt();
        basis.push(w.iter().map(|v| v / nw).collect());
    }
    basis
}

#[test]
fn cgs2_basis_stays_orthogonal_where_mgs_does_not() {
    let (n, k) = (100, 90);
    let op = FnOperator::new(n, n, |x: &Vec<f64>, y: &mut Vec<f64>| apply(x, y));
    let b = rhs(n);
    let mut x = vec![0.0; n];
    let opts = GmresOptions {
        rtol: 1e-300,
        atol: 1e-300,
        max_iters: k,
        restart: k,
    };
    let mut ws = GmresWorkspace::new(&b, k);
    // The solve cannot reach its tolerance in k steps: it stops with NotConverged
    // and leaves the full basis of the cycle in the workspace.
    assert!(ws.solve(&op, &b, &mut x, None, &opts).is_err());
    assert_eq!(ws.basis().len(), k + 1);
    let ours = loss(ws.basis());
    let mgs = loss(&mgs_basis(n, k));
    eprintln!(
        "max |I − VᵀV| over {} vectors: CGS2 {ours:.2e}, MGS {mgs:.2e}",
        k + 1
    );
    assert!(ours < 1e-12, "CGS2 lost orthogonality: {ours:e}");
    assert!(
        mgs > 1e-8,
        "MGS kept orthogonality ({mgs:e}): the matrix is too easy"
    );
}

/// The workspace gives the same answer as a fresh solve, solve after solve.
#[test]
fn a_reused_workspace_solves_like_a_fresh_one() {
    let n = 300;
    let op = FnOperator::new(n, n, |x: &Vec<f64>, y: &mut Vec<f64>| {
        for i in 0..n {
            let left = if i > 0 { x[i - 1] } else { 0.0 };
            let right = if i + 1 < n { x[i + 1] } else { 0.0 };
            y[i] = 3.0 * x[i] - 1.2 * left - 0.6 * right;
        }
    });
    let opts = GmresOptions {
        rtol: 1e-12,
        restart: 20,
        ..Default::default()
    };
    let mut ws = GmresWorkspace::new(&vec![0.0; n], 20);
    for seed in 0..3usize {
        let b: Vec<f64> = (0..n)
            .map(|i| (((i + 1) * (seed + 3)) % 17) as f64)
            .collect();
        let mut x1 = vec![0.0; n];
        let mut x2 = vec![0.0; n];
        ws.solve(&op, &b, &mut x1, None, &opts).unwrap();
        noether_core::krylov::gmres(&op, &b, &mut x2, None, &opts).unwrap();
        assert_eq!(x1, x2, "solve {seed}");
    }
}
