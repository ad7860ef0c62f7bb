//! The discrete de Rham complex: `d_{k+1} d_k = 0`, the derivatives equal the
//! mesh's signed incidence matrices (scaled by `±1/|T|` into DG0), the canonical
//! interpolants commute with the derivatives on random cubic fields, and the
//! discrete cohomology has the mesh's Betti numbers.

use faer::sparse::SparseRowMat;
use nalgebra::DMatrix;
use noether_fem::derham::DeRham;
use noether_fem::space::Op;
use noether_mesh::generate::{Diagonal, annulus, unit_cube, unit_square};
use noether_mesh::geometry::simplex_volume;
use noether_mesh::{Mesh, Topology};
use proptest::prelude::*;

/// Moves interior vertices by up to `amp · h` with a fixed pseudo-random pattern so
/// the mesh is unstructured but valid.
fn jiggle(mut mesh: Mesh, amp: f64, seed: u64) -> Mesh {
    let topo = Topology::new(&mesh).unwrap();
    let mut on_boundary = vec![false; mesh.n_vertices()];
    for f in topo.boundary_facets() {
        for v in topo.facet_vertices(f) {
            on_boundary[v] = true;
        }
    }
    let g = mesh.gdim();
    let mut state = seed;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    let mut coords = mesh.coords().to_vec();
    for v in 0..mesh.n_vertices() {
        for k in 0..g {
            let r = next();
            if !on_boundary[v] {
                coords[v * g + k] += amp * r;
            }
        }
    }
    mesh.set_coords(coords).unwrap();
    mesh
}

fn max_abs(m: &SparseRowMat<usize, f64>) -> f64 {
    m.val().iter().fold(0.0, |a, v| a.max(v.abs()))
}

fn dense(m: &SparseRowMat<usize, f64>) -> DMatrix<f64> {
    let mut out = DMatrix::zeros(m.nrows(), m.ncols());
    let sym = m.symbolic();
    for r in 0..m.nrows() {
        let range = sym.row_range(r);
        for (&c, &v) in sym.col_idx()[range.clone()].iter().zip(&m.val()[range]) {
            out[(r, c)] = v;
        }
    }
    out
}

fn rank(m: &DMatrix<f64>) -> usize {
    if m.nrows() == 0 || m.ncols() == 0 {
        return 0;
    }
    let s = m.clone().svd(false, false).singular_values;
    let smax = s.iter().cloned().fold(0.0, f64::max);
    s.iter().filter(|&&v| v > 1e-9 * smax).count()
}

#[test]
fn derivatives_compose_to_zero() {
    let meshes = [
        jiggle(unit_square(10, 10, Diagonal::Alternating).unwrap(), 0.03, 1),
        annulus(4, 24, 0.5, 1.0).unwrap(),
        jiggle(unit_cube(4).unwrap(), 0.05, 2),
    ];
    for mesh in &meshes {
        for complex in [
            Some(DeRham::new(mesh).unwrap()),
            (mesh.dim() == 2).then(|| DeRham::new_div_2d(mesh).unwrap()),
        ]
        .into_iter()
        .flatten()
        {
            for k in 0..complex.len() - 2 {
                let (a, b) = (complex.derivative(k), complex.derivative(k + 1));
                let prod = b * a;
                let scale = max_abs(a) * max_abs(b);
                let rel = max_abs(&prod) / scale;
                assert!(rel < 1e-12, "d{} d{k} = {rel:e} relative", k + 1);
            }
        }
    }
}

#[test]
fn derivatives_are_the_incidence_matrices() {
    for mesh in [
        jiggle(unit_square(6, 6, Diagonal::Right).unwrap(), 0.04, 3),
        jiggle(unit_cube(3).unwrap(), 0.05, 4),
    ] {
        let d = mesh.dim();
        let topo = Topology::new(&mesh).unwrap();
        let complex = DeRham::new(&mesh).unwrap();
        for k in 0..d {
            let ours = dense(complex.derivative(k));
            let inc = dense(&topo.incidence(k).unwrap());
            assert_eq!(ours.shape(), inc.shape());
            if k + 1 < d {
                // gradient (and 3-D curl): exactly the incidence matrix
                assert!(
                    (&ours - &inc).amax() < 1e-12,
                    "d{k} differs from the incidence"
                );
            } else {
                // into DG0 (cell means): row T is ±(1/|T|) times the incidence row
                for c in 0..mesh.n_cells() {
                    let vol = simplex_volume(&mesh, mesh.cell(c));
                    let row = ours.row(c) * vol;
                    let inc_row = inc.row(c);
                    let s = if (row.clone() - inc_row).amax() < 1e-10 {
                        1.0
                    } else {
                        -1.0
                    };
                    assert!((row - inc_row * s).amax() < 1e-10, "cell {c}");
                }
            }
        }
    }
}

#[test]
fn cohomology_has_the_betti_numbers() {
    // square: (1, 0, 0); annulus: (1, 1, 0); cube: (1, 0, 0, 0)
    for (mesh, betti) in [
        (
            unit_square(4, 4, Diagonal::Alternating).unwrap(),
            vec![1, 0, 0],
        ),
        (annulus(2, 12, 0.5, 1.0).unwrap(), vec![1, 1, 0]),
        (unit_cube(2).unwrap(), vec![1, 0, 0, 0]),
    ] {
        let complex = DeRham::new(&mesh).unwrap();
        let ranks: Vec<usize> = (0..complex.len() - 1)
            .map(|k| rank(&dense(complex.derivative(k))))
            .collect();
        for k in 0..complex.len() {
            let n = complex.space(k).ndofs();
            let kernel = n - if k + 1 < complex.len() { ranks[k] } else { 0 };
            let image = if k > 0 { ranks[k - 1] } else { 0 };
            assert_eq!((kernel - image) as i64, betti[k], "H^{k}");
        }
        assert_eq!(Topology::new(&mesh).unwrap().betti_numbers(), betti);
    }
}

/// A cubic polynomial field with `vd` components from 20·vd coefficients.
fn cubic(coef: &[f64], x: &[f64], vd: usize, out: &mut [f64]) {
    let mono = noether_fem::poly::Monomials::new(x.len(), 3);
    let mut v = vec![0.0; mono.len()];
    mono.eval(x, &mut v);
    for c in 0..vd {
        out[c] = (0..mono.len())
            .map(|m| coef[(c * 20 + m) % coef.len()] * v[m])
            .sum();
    }
}

/// `op` of the cubic field by its exact monomial derivatives.
fn cubic_op(coef: &[f64], x: &[f64], vd: usize, op: Op, out: &mut [f64]) {
    let d = x.len();
    let mono = noether_fem::poly::Monomials::new(d, 3);
    let mut g = vec![0.0; mono.len() * d];
    mono.eval_grad(x, &mut g);
    // j[c][k] = ∂_k u_c
    let j = |c: usize, k: usize| -> f64 {
        (0..mono.len())
            .map(|m| coef[(c * 20 + m) % coef.len()] * g[m * d + k])
            .sum()
    };
    match (op, d, vd) {
        (Op::Grad, _, 1) => (0..d).for_each(|k| out[k] = j(0, k)),
        (Op::Curl, 2, 1) => {
            out[0] = j(0, 1);
            out[1] = -j(0, 0);
        }
        (Op::Curl, 2, 2) => out[0] = j(1, 0) - j(0, 1),
        (Op::Curl, 3, 3) => {
            out[0] = j(2, 1) - j(1, 2);
            out[1] = j(0, 2) - j(2, 0);
            out[2] = j(1, 0) - j(0, 1);
        }
        _ => out[0] = (0..d).map(|k| j(k, k)).sum(),
    }
}

fn check_commuting(complex: &DeRham, coef: &[f64]) {
    for k in 0..complex.len() - 1 {
        let (s, t) = (complex.space(k), complex.space(k + 1));
        let vd = s.element().value_dim();
        let d = s.dim();
        let op = complex.op(k);
        let pi_u = s.interpolate(&|x, o| cubic(coef, x, vd, o)).unwrap();
        let lhs = complex.derivative(k) * faer::col::Col::from_fn(pi_u.len(), |i| pi_u[i]);
        let rhs = t.interpolate(&|x, o| cubic_op(coef, x, vd, op, o)).unwrap();
        let scale = rhs.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let err = (0..rhs.len())
            .map(|i| (lhs[i] - rhs[i]).abs())
            .fold(0.0, f64::max);
        assert!(
            err <= 1e-12 * scale,
            "{d}-D d{k}: commuting error {err:e} (scale {scale:e})"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn interpolants_commute_with_the_derivatives(coef in proptest::collection::vec(-1.0f64..1.0, 60)) {
        let square = jiggle(unit_square(5, 5, Diagonal::Alternating).unwrap(), 0.05, 5);
        check_commuting(&DeRham::new(&square).unwrap(), &coef);
        check_commuting(&DeRham::new_div_2d(&square).unwrap(), &coef);
        let cube = jiggle(unit_cube(2).unwrap(), 0.08, 6);
        check_commuting(&DeRham::new(&cube).unwrap(), &coef);
    }
}
