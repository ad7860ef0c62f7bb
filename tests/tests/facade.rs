//! The facade re-exports the crates, and a story that crosses them runs through it:
//! an operator built from the core algebra, solved by each Krylov method through
//! `noether::core`, gives the same answer on every host `Space`.

use noether::core::HostSpace;
use noether::core::krylov::{GmresOptions, KrylovOptions, cg, gmres, minres};
use noether::core::operator::{Diagonal, Laplacian2d, Scaled, Sum};

fn solve_all<V: HostSpace<Scalar = f64>>() -> Vec<Vec<f64>> {
    // (−Δ_h + 3 I) u = 1 on a 40 × 40 grid: SPD, built from the operator algebra.
    let m = 40;
    let n = m * m;
    let lap = Laplacian2d::new(m, m).expect("grid");
    let shift = Diagonal::new(V::from_slice(&vec![3.0; n]));
    let a = Sum::new(Scaled::new(1.0, lap), shift).expect("shapes match");
    let b = V::from_slice(&vec![1.0; n]);
    let opts = KrylovOptions {
        rtol: 1e-11,
        ..Default::default()
    };
    let mut out = Vec::new();
    for solver in [cg, minres] {
        let mut x = b.zeros_like();
        let rep = solver(&a, &b, &mut x, None, &opts).expect("converges");
        assert!(rep.relative_residual <= 1e-11);
        out.push(x.to_f64_vec());
    }
    let mut x = b.zeros_like();
    let rep = gmres(&a, &b, &mut x, None, &GmresOptions::from(opts)).expect("converges");
    assert!(rep.relative_residual <= 1e-11);
    out.push(x.to_f64_vec());
    out
}

#[test]
fn same_solution_on_every_host_space_and_solver() {
    let v = solve_all::<Vec<f64>>();
    let d = solve_all::<nalgebra::DVector<f64>>();
    let c = solve_all::<faer::Col<f64>>();
    let reference = &v[0];
    let norm = reference.iter().map(|x| x * x).sum::<f64>().sqrt();
    for sol in v.iter().chain(&d).chain(&c) {
        let err = sol
            .iter()
            .zip(reference)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt()
            / norm;
        assert!(err < 1e-9, "solutions differ by {err}");
    }
}
