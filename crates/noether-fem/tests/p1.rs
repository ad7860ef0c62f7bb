//! Quadrature exactness, P1 convergence rates on manufactured solutions in 2-D and
//! 3-D, exactness on linear solutions, and the P1 stiffness against the DEC
//! cotangent Laplacian of noether-mesh.

use std::f64::consts::PI;

use noether_fem::FemError;
use noether_fem::dirichlet::{apply_dirichlet, boundary_vertices, solve_dirichlet};
use noether_fem::p1::P1Space;
use noether_fem::quadrature::simplex_rule;
use noether_mesh::generate::{self, Diagonal};
use noether_mesh::{Mesh, Topology};
use proptest::prelude::*;

fn factorial(n: u32) -> f64 {
    (1..=n).map(f64::from).product()
}

proptest! {
    #[test]
    fn simplex_rules_integrate_monomials_exactly(dim in 1usize..4, degree in 0usize..11) {
        let rule = simplex_rule(dim, degree).unwrap();
        for a in 0..=degree as u32 {
            for b in 0..=(degree as u32 - a) * u32::from(dim > 1) {
                for c in 0..=(degree as u32 - a - b) * u32::from(dim > 2) {
                    let exact = factorial(a) * factorial(b) * factorial(c) / factorial(a + b + c + dim as u32);
                    let q: f64 = (0..rule.len())
                        .map(|i| {
                            let x = rule.point(i);
                            let mut m = x[0].powi(a as i32);
                            if dim > 1 { m *= x[1].powi(b as i32); }
                            if dim > 2 { m *= x[2].powi(c as i32); }
                            rule.weights[i] * m
                        })
                        .sum();
                    prop_assert!((q - exact).abs() <= 1e-13 * exact, "dim {dim} deg {degree}: x^{a} y^{b} z^{c}: {q} vs {exact}");
                }
            }
        }
        // and not beyond: x^(2n) with n points per direction
        let n = degree / 2 + 1;
        let p = 2 * n as i32;
        let q: f64 = (0..rule.len()).map(|i| rule.weights[i] * rule.point(i)[0].powi(p)).sum();
        let exact = factorial(p as u32) / factorial(p as u32 + dim as u32);
        prop_assert!((q - exact).abs() > 1e-15 * exact);
    }
}

/// Solves −∇·(κ∇u) = f with u = exact on the boundary; returns (h, L² error, H¹ error).
#[allow(clippy::type_complexity)]
fn solve(
    mesh: &Mesh,
    kappa: Option<&(dyn Fn(&[f64]) -> f64 + Sync)>,
    f: &(dyn Fn(&[f64]) -> f64 + Sync),
    u: &(dyn Fn(&[f64]) -> f64 + Sync),
    grad: &(dyn Fn(&[f64]) -> Vec<f64> + Sync),
) -> (f64, f64, f64) {
    let space = P1Space::new(mesh).unwrap();
    let k = space.stiffness(kappa).unwrap();
    let b = space.load(f, 4).unwrap();
    let bd = boundary_vertices(mesh, &[]).unwrap();
    let g: Vec<f64> = bd.iter().map(|&v| u(mesh.vertex(v))).collect();
    let (uh, _) = solve_dirichlet(&k, &b, &bd, &g, 1e-12).unwrap();
    for (&v, gv) in bd.iter().zip(&g) {
        assert_eq!(uh[v], *gv, "boundary value not exact");
    }
    let (l2, h1) = space.errors(&uh, u, grad, 6).unwrap();
    let h = (0..mesh.n_cells())
        .map(|c| mesh.cell_diameter(c))
        .fold(0.0, f64::max);
    (h, l2, h1)
}

fn slopes(runs: &[(f64, f64, f64)]) -> (f64, f64) {
    let xs: Vec<f64> = runs.iter().map(|r| r.0.ln()).collect();
    let fit = |ys: Vec<f64>| noether_core::stats::fit_slope(&xs, &ys);
    (
        fit(runs.iter().map(|r| r.1.ln()).collect()),
        fit(runs.iter().map(|r| r.2.ln()).collect()),
    )
}

#[test]
fn p1_rates_on_manufactured_solutions_2d() {
    let u = |x: &[f64]| (PI * x[0]).sin() * (PI * x[1]).sin();
    let grad = |x: &[f64]| {
        vec![
            PI * (PI * x[0]).cos() * (PI * x[1]).sin(),
            PI * (PI * x[0]).sin() * (PI * x[1]).cos(),
        ]
    };
    let f = |x: &[f64]| 2.0 * PI * PI * u(x);
    let runs: Vec<_> = [8, 16, 32, 64]
        .iter()
        .map(|&n| {
            solve(
                &generate::unit_square(n, n, Diagonal::Right).unwrap(),
                None,
                &f,
                &u,
                &grad,
            )
        })
        .collect();
    let (l2, h1) = slopes(&runs);
    eprintln!("P1 2-D: L2 rate {l2:.3}, H1 rate {h1:.3}, errors {runs:?}");
    assert!(
        (l2 - 2.0).abs() <= 0.1 && (h1 - 1.0).abs() <= 0.1,
        "{l2} {h1}"
    );

    // variable coefficient κ = 1 + x: f = −∇·(κ∇u) = κ·2π²u − ∂ₓu
    let kappa = |x: &[f64]| 1.0 + x[0];
    let fk = |x: &[f64]| {
        (1.0 + x[0]) * 2.0 * PI * PI * u(x) - PI * (PI * x[0]).cos() * (PI * x[1]).sin()
    };
    let runs: Vec<_> = [8, 16, 32, 64]
        .iter()
        .map(|&n| {
            solve(
                &generate::unit_square(n, n, Diagonal::Alternating).unwrap(),
                Some(&kappa),
                &fk,
                &u,
                &grad,
            )
        })
        .collect();
    let (l2, h1) = slopes(&runs);
    eprintln!("P1 2-D, κ = 1 + x: L2 rate {l2:.3}, H1 rate {h1:.3}");
    assert!(
        (l2 - 2.0).abs() <= 0.1 && (h1 - 1.0).abs() <= 0.1,
        "{l2} {h1}"
    );
}

#[test]
fn p1_rates_on_manufactured_solutions_3d() {
    let u = |x: &[f64]| (PI * x[0]).sin() * (PI * x[1]).sin() * (PI * x[2]).sin();
    let grad = |x: &[f64]| {
        let (s, c) = (|t: f64| (PI * t).sin(), |t: f64| PI * (PI * t).cos());
        vec![
            c(x[0]) * s(x[1]) * s(x[2]),
            s(x[0]) * c(x[1]) * s(x[2]),
            s(x[0]) * s(x[1]) * c(x[2]),
        ]
    };
    let f = |x: &[f64]| 3.0 * PI * PI * u(x);
    let runs: Vec<_> = [8, 12, 16, 24]
        .iter()
        .map(|&n| solve(&generate::unit_cube(n).unwrap(), None, &f, &u, &grad))
        .collect();
    let (l2, h1) = slopes(&runs);
    eprintln!("P1 3-D: L2 rate {l2:.3}, H1 rate {h1:.3}, errors {runs:?}");
    assert!(
        (l2 - 2.0).abs() <= 0.1 && (h1 - 1.0).abs() <= 0.1,
        "{l2} {h1}"
    );
}

#[test]
fn p1_stiffness_is_the_dec_cotangent_laplacian_in_2d() {
    let mesh = generate::disk(4, 1.0).unwrap();
    let k = P1Space::new(&mesh)
        .unwrap()
        .stiffness(None)
        .unwrap()
        .to_dense();
    let t = Topology::new(&mesh).unwrap();
    let l = noether_mesh::dec::laplacian0(&mesh, &t).unwrap().to_dense();
    for i in 0..mesh.n_vertices() {
        for j in 0..mesh.n_vertices() {
            assert!((k[(i, j)] - l[(i, j)]).abs() < 1e-12, "({i}, {j})");
        }
    }
}

#[test]
fn bad_input_gives_typed_errors() {
    // a clockwise cell is accepted and gives the counter-clockwise cell's matrix
    let flipped = Mesh::new(2, 2, vec![0.0, 0.0, 1.0, 0.0, 0.0, 1.0], vec![0, 2, 1]).unwrap();
    let ccw = Mesh::new(2, 2, vec![0.0, 0.0, 1.0, 0.0, 0.0, 1.0], vec![0, 1, 2]).unwrap();
    let (kf, kc) = (
        P1Space::new(&flipped)
            .unwrap()
            .stiffness(None)
            .unwrap()
            .to_dense(),
        P1Space::new(&ccw)
            .unwrap()
            .stiffness(None)
            .unwrap()
            .to_dense(),
    );
    assert!((0..3).all(|i| (0..3).all(|j| (kf[(i, j)] - kc[(i, j)]).abs() < 1e-15)));
    assert!((kc[(0, 0)] - 1.0).abs() < 1e-15);
    let mesh = generate::unit_square(2, 2, Diagonal::Right).unwrap();
    let space = P1Space::new(&mesh).unwrap();
    assert!(matches!(
        space.load(&|_| f64::NAN, 2),
        Err(FemError::NonFinite { .. })
    ));
    assert!(space.integrate(&[1.0]).is_err());
    let k = space.stiffness(None).unwrap();
    let mut b = vec![0.0; space.ndofs()];
    assert!(apply_dirichlet(&k, &mut b, &[0, 99], &[0.0, 0.0]).is_err());
    assert!(apply_dirichlet(&k, &mut b, &[0], &[f64::INFINITY]).is_err());
    assert!(simplex_rule(4, 2).is_err());
}

/// A cell flattened by moving a vertex (`Mesh::set_coords` does not check) is
/// reported as a typed error by every operation that needs the geometry.
#[test]
fn a_degenerate_cell_is_a_typed_error_where_geometry_is_needed() {
    let mut mesh = generate::unit_square(3, 3, Diagonal::Right).unwrap();
    let mut x = mesh.coords().to_vec();
    // move the first cell's third vertex onto the line through its first two
    let cell = mesh.cell(0).to_vec();
    let (a, b) = (cell[0], cell[1]);
    for k in 0..2 {
        x[2 * cell[2] + k] = 0.5 * (x[2 * a + k] + x[2 * b + k]);
    }
    mesh.set_coords(x).unwrap();
    let space = P1Space::new(&mesh).unwrap();
    let degenerate =
        |r: Result<_, FemError>| matches!(r, Err(FemError::Mesh(m)) if m.contains("degenerate"));
    assert!(degenerate(space.stiffness(None).map(|_| ())));
    assert!(degenerate(space.stiffness(Some(&|_| 2.0)).map(|_| ())));
    assert!(degenerate(space.mass().map(|_| ())));
    assert!(degenerate(space.load(&|_| 1.0, 2).map(|_| ())));
    assert!(degenerate(space.volume(0).map(|_| ())));
    assert!(degenerate(space.gradients(0).map(|_| ())));
    assert!(
        P1Space::new(&generate::unit_square(2, 2, Diagonal::Right).unwrap())
            .unwrap()
            .volume(99)
            .is_err()
    );
}

/// The parallel assembly (vertex adjacency by vertex ranges, rows in blocks) gives
/// bitwise the same matrix whatever the number of threads.
#[test]
fn p1_stiffness_is_bitwise_independent_of_the_thread_count() {
    let mesh = generate::unit_cube(9).unwrap();
    let assemble = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let s = P1Space::new(&mesh).unwrap();
            let k = s.stiffness(None).unwrap();
            let m = s.mass().unwrap();
            (k, m)
        })
    };
    let (k1, m1) = assemble(1);
    for threads in [2, 3, 5] {
        let (k, m) = assemble(threads);
        assert_eq!(k.row_ptr(), k1.row_ptr());
        assert_eq!(k.col_idx(), k1.col_idx());
        assert!(
            k.val()
                .iter()
                .zip(k1.val())
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        assert!(
            m.val()
                .iter()
                .zip(m1.val())
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
    }
}
