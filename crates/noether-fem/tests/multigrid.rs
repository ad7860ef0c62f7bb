//! Geometric multigrid: CG iteration counts independent of the mesh size.

use noether_core::krylov::{KrylovOptions, cg};
use noether_fem::dirichlet::{apply_dirichlet, boundary_vertices, solve_cg};
use noether_fem::multigrid::{Hierarchy, Multigrid, MultigridOptions};
use noether_fem::p1::P1Space;
use noether_mesh::Mesh;
use noether_mesh::generate::{self, Diagonal};

/// (CG + V-cycle iterations, Jacobi-CG iterations, max difference of the solutions)
fn iterations(coarse: &Mesh, levels: usize) -> (usize, usize, f64) {
    let h = Hierarchy::uniform(coarse, levels).unwrap();
    let mesh = h.finest();
    let space = P1Space::new(mesh).unwrap();
    let k = space.stiffness(None).unwrap();
    let mut b = space.load(&|x: &[f64]| 1.0 + x[0] * x[1], 2).unwrap();
    let bd = boundary_vertices(mesh, &[]).unwrap();
    let a = apply_dirichlet(&k, &mut b, &bd, &vec![0.0; bd.len()]).unwrap();
    let mg = Multigrid::new(&a, &h, &bd, MultigridOptions::default()).unwrap();
    assert_eq!(mg.n_levels(), levels + 1);
    let mut u = vec![0.0; b.len()];
    let opts = KrylovOptions {
        rtol: 1e-8,
        ..KrylovOptions::default()
    };
    let rep = cg(&a, &b, &mut u, Some(&mg), &opts).unwrap();
    let (uj, jac) = solve_cg(&a, &b, 1e-8).unwrap();
    let diff = u
        .iter()
        .zip(&uj)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    (rep.iterations, jac, diff)
}

#[test]
fn v_cycle_cg_iterations_do_not_grow_with_refinement() {
    let coarse = generate::unit_square(4, 4, Diagonal::Right).unwrap();
    let mut counts = Vec::new();
    for levels in 1..=4 {
        let (mg, jac, diff) = iterations(&coarse, levels);
        eprintln!(
            "2-D n = {}: CG+MG {mg} iterations, Jacobi-CG {jac}, solutions differ by {diff:.1e}",
            4 << levels
        );
        assert!(diff < 1e-7);
        counts.push((mg, jac));
    }
    let mg: Vec<usize> = counts.iter().map(|c| c.0).collect();
    assert!(mg.iter().all(|&m| m <= 15), "{mg:?}");
    assert!(
        mg.iter().max().unwrap() - mg.iter().min().unwrap() <= 4,
        "{mg:?}"
    );
    // Jacobi-CG grows like 1/h
    assert!(counts[3].1 > 4 * counts[0].1);

    let cube = generate::unit_cube(2).unwrap();
    let mut mg3 = Vec::new();
    for levels in 1..=4 {
        let (mg, jac, diff) = iterations(&cube, levels);
        eprintln!(
            "3-D n = {}: CG+MG {mg} iterations, Jacobi-CG {jac}",
            2 << levels
        );
        assert!(diff < 1e-7);
        mg3.push(mg);
    }
    // (the first level, 4³ cubes, is too small to show the asymptotic count)
    let tail = &mg3[1..];
    assert!(tail.iter().all(|&m| m <= 15), "{mg3:?}");
    assert!(
        tail.iter().max().unwrap() - tail.iter().min().unwrap() <= 2,
        "{mg3:?}"
    );
}
