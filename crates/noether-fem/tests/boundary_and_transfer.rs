//! Neumann and Robin conditions (optimal rates), the matrix-free operator in CG,
//! point evaluation, L² projection and interpolation between spaces and meshes, VTU
//! output of solutions.
#![allow(clippy::needless_range_loop)]

use noether_core::krylov::{KrylovOptions, cg};
use noether_fem::assemble::{MatrixFree, Term, bilinear, boundary_linear, boundary_mass, linear};
use noether_fem::direct::{SparseCholesky, add_scaled};
use noether_fem::element::Element;
use noether_fem::space::{FunctionSpace, Op};
use noether_fem::transfer::{interpolate_from, project, project_from, solution_vtu, vertex_values};
use noether_mesh::generate::{Diagonal, unit_cube, unit_square};
use noether_mesh::refine::refine_uniform;
use std::f64::consts::PI;

fn u(x: &[f64]) -> f64 {
    (PI * x[0]).cos() * (PI * x[1]).cos() + x[0] * x[1]
}
fn grad_u(x: &[f64]) -> [f64; 2] {
    [
        -PI * (PI * x[0]).sin() * (PI * x[1]).cos() + x[1],
        -PI * (PI * x[0]).cos() * (PI * x[1]).sin() + x[0],
    ]
}
fn lap_u(x: &[f64]) -> f64 {
    -2.0 * PI * PI * (PI * x[0]).cos() * (PI * x[1]).cos()
}

fn rate(e: &[f64]) -> f64 {
    (e[0] / e[e.len() - 1]).ln() / ((1 << (e.len() - 1)) as f64).ln()
}

/// −Δu + u = f with ∂u/∂n = g (Neumann), or −Δu = f with ∂u/∂n + αu = g (Robin).
fn boundary_problem(k: usize, robin: bool) -> (f64, f64) {
    let alpha = 2.0;
    let (mut e0, mut e1) = (vec![], vec![]);
    for n in [8usize, 16, 32] {
        let mesh = unit_square(n, n, Diagonal::Alternating).unwrap();
        let v = FunctionSpace::new(&mesh, Element::lagrange(2, k).unwrap()).unwrap();
        let stiff = bilinear(&v, &v, &[Term::new(Op::Grad, Op::Grad)]).unwrap();
        type Source = Box<dyn Fn(&[f64]) -> f64 + Sync>;
        let (a, f): (_, Source) = if robin {
            let r = boundary_mass(&v, &[], &|_| alpha).unwrap();
            (
                add_scaled(&stiff, &r, 1.0).unwrap(),
                Box::new(|x: &[f64]| -lap_u(x)),
            )
        } else {
            let m = bilinear(&v, &v, &[Term::new(Op::Value, Op::Value)]).unwrap();
            (
                add_scaled(&stiff, &m, 1.0).unwrap(),
                Box::new(|x: &[f64]| -lap_u(x) + u(x)),
            )
        };
        let mut b = linear(&v, Op::Value, &|x, o| o[0] = f(x)).unwrap();
        let g = boundary_linear(&v, &[], &|x, nrm| {
            let gu = grad_u(x);
            gu[0] * nrm[0] + gu[1] * nrm[1] + if robin { alpha * u(x) } else { 0.0 }
        })
        .unwrap();
        b.iter_mut().zip(&g).for_each(|(a, b)| *a += b);
        let uh = SparseCholesky::new(&a).unwrap().solve(&b).unwrap();
        e0.push(v.error(&uh, Op::Value, &|x, o| o[0] = u(x)).unwrap());
        e1.push(
            v.error(&uh, Op::Grad, &|x, o| o.copy_from_slice(&grad_u(x)))
                .unwrap(),
        );
    }
    println!(
        "{} P{k}: L2 {e0:?}, H1 {e1:?}",
        if robin { "Robin" } else { "Neumann" }
    );
    (rate(&e0), rate(&e1))
}

#[test]
fn neumann_and_robin_rates_are_optimal() {
    for k in [1usize, 2] {
        for robin in [false, true] {
            let (r0, r1) = boundary_problem(k, robin);
            assert!((r0 - (k + 1) as f64).abs() < 0.1, "L2 rate {r0}");
            assert!((r1 - k as f64).abs() < 0.1, "H1 rate {r1}");
        }
    }
}

#[test]
fn neumann_data_on_a_marker_only_touches_that_side() {
    // unit square markers: the generator tags its four sides
    let mesh = unit_square(6, 6, Diagonal::Right).unwrap();
    let v = FunctionSpace::new(&mesh, Element::lagrange(2, 2).unwrap()).unwrap();
    let markers: Vec<i32> = {
        let mut m = mesh.facet_markers().to_vec();
        m.sort_unstable();
        m.dedup();
        m
    };
    let total: f64 = boundary_linear(&v, &[], &|_, _| 1.0).unwrap().iter().sum();
    assert!((total - 4.0).abs() < 1e-12, "perimeter {total}");
    let per_side: f64 = markers
        .iter()
        .map(|&m| {
            boundary_linear(&v, &[m], &|_, _| 1.0)
                .unwrap()
                .iter()
                .sum::<f64>()
        })
        .sum();
    assert!((per_side - 4.0).abs() < 1e-12, "sides sum to {per_side}");
    assert_eq!(markers.len(), 4);
}

#[test]
fn matrix_free_operator_solves_with_cg() {
    let mesh = unit_cube(4).unwrap();
    let v = FunctionSpace::new(&mesh, Element::nedelec(3, 1).unwrap()).unwrap();
    let terms = [
        Term::new(Op::Curl, Op::Curl),
        Term::new(Op::Value, Op::Value),
    ];
    let op = MatrixFree::new(&v, &v, &terms).unwrap();
    let a = bilinear(&v, &v, &terms).unwrap();
    let b = linear(&v, Op::Value, &|x, o| {
        o[0] = x[1];
        o[1] = x[2] * x[0];
        o[2] = 1.0;
    })
    .unwrap();
    let opts = KrylovOptions {
        rtol: 1e-10,
        ..Default::default()
    };
    let (mut x1, mut x2) = (vec![0.0; b.len()], vec![0.0; b.len()]);
    cg(&op, &b, &mut x1, None, &opts).unwrap();
    cg(&a, &b, &mut x2, None, &opts).unwrap();
    let diff = x1
        .iter()
        .zip(&x2)
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max);
    let scale = x2.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(
        diff < 1e-8 * scale,
        "matrix-free and assembled solutions differ by {diff}"
    );
}

#[test]
fn evaluation_projection_and_interpolation_between_meshes() {
    let coarse = unit_square(5, 5, Diagonal::Alternating).unwrap();
    let fine = refine_uniform(&refine_uniform(&coarse).unwrap().mesh)
        .unwrap()
        .mesh;
    let quad = |x: &[f64], o: &mut [f64]| o[0] = 1.0 + x[0] * x[0] - 2.0 * x[0] * x[1];
    // point evaluation reproduces a P2 field exactly at arbitrary points
    let p2c = FunctionSpace::new(&coarse, Element::lagrange(2, 2).unwrap()).unwrap();
    let uq = p2c.interpolate(&quad).unwrap();
    let pts = [0.013, 0.71, 0.5, 0.5, 0.999, 0.0, 0.33, 0.97];
    let vals = p2c.evaluate(&uq, Op::Value, &pts).unwrap();
    for (x, v) in pts.chunks(2).zip(&vals) {
        let mut e = [0.0];
        quad(x, &mut e);
        assert!((v - e[0]).abs() < 1e-12, "at {x:?}: {v} vs {}", e[0]);
    }
    assert!(
        p2c.evaluate(&uq, Op::Value, &[1.5, 0.5]).is_err(),
        "outside the mesh"
    );
    // nested meshes: coarse P2 ⊂ fine P2, so projection and interpolation are exact
    let p2f = FunctionSpace::new(&fine, Element::lagrange(2, 2).unwrap()).unwrap();
    let exact = p2f.interpolate(&quad).unwrap();
    for w in [
        project_from(&p2f, &p2c, &uq).unwrap(),
        interpolate_from(&p2f, &p2c, &uq).unwrap(),
    ] {
        let err = w
            .iter()
            .zip(&exact)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-10, "nested transfer error {err}");
    }
    // fine → coarse projection of a field not in the coarse space: equals the direct
    // projection of the same function (the fine P2 interpolant of a quadratic is exact)
    let dg1 = FunctionSpace::new(&coarse, Element::discontinuous(2, 1).unwrap()).unwrap();
    let a = project_from(&dg1, &p2f, &exact).unwrap();
    let b = project(&dg1, &quad).unwrap();
    let err = a
        .iter()
        .zip(&b)
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max);
    assert!(err < 1e-10, "projection between meshes {err}");
    // same mesh, between spaces: RT1 → vector DG... use N0 → its own projection
    let n1 = FunctionSpace::new(&coarse, Element::nedelec(2, 2).unwrap()).unwrap();
    let field = |x: &[f64], o: &mut [f64]| {
        o[0] = x[1];
        o[1] = 2.0 - x[0];
    };
    let e = n1.interpolate(&field).unwrap();
    let pe = project_from(&n1, &n1, &e).unwrap();
    let err = e
        .iter()
        .zip(&pe)
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max);
    assert!(err < 1e-10, "self-projection {err}");
    // vertex values of a continuous field are its nodal values
    let vv = vertex_values(&p2c, &uq).unwrap();
    for v in 0..coarse.n_vertices() {
        let mut e = [0.0];
        quad(coarse.vertex(v), &mut e);
        assert!((vv[v] - e[0]).abs() < 1e-12);
    }
}

#[test]
fn vtu_output_carries_point_and_cell_fields() {
    let mesh = unit_square(3, 3, Diagonal::Right).unwrap();
    let p1 = FunctionSpace::new(&mesh, Element::lagrange(2, 1).unwrap()).unwrap();
    let rt = FunctionSpace::new(&mesh, Element::raviart_thomas(2, 1).unwrap()).unwrap();
    let u = p1.interpolate(&|x, o| o[0] = x[0]).unwrap();
    let s = rt
        .interpolate(&|_, o| {
            o[0] = 1.0;
            o[1] = 2.0;
        })
        .unwrap();
    let doc = solution_vtu(&[("u", &p1, &u), ("flux", &rt, &s)]).unwrap();
    assert!(doc.contains("<PointData") && doc.contains("Name=\"u\""));
    assert!(doc.contains("<CellData") && doc.contains("Name=\"flux\""));
    // 18 cells × (1, 2, 0)
    assert!(doc.contains("1 2 0"), "flux values");
}
