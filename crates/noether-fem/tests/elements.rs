//! Convergence of every element family on manufactured solutions in 2-D and 3-D:
//! fitted rates (least squares over three or four meshes) in L² and in H¹, H(curl) or
//! H(div), against the optimal rates.
//!
//! - Lagrange `Pk`: Poisson `−Δu = f`, exact Dirichlet data; L² rate k+1, H¹ rate k.
//! - Nédélec first kind, superdegree k: `curl curl E + E = f` with the tangential
//!   trace imposed; L² and H(curl) rates k.
//! - Raviart–Thomas, superdegree k: `−∇ div σ + σ = f` with the normal trace
//!   imposed; L² and H(div) rates k.
//! - DG_k: L² projection; rate k+1.

// index loops over small fixed dimensions read as the formulas they implement
#![allow(clippy::needless_range_loop)]

use crate::common;
use common::fitted_rate;
use noether_fem::assemble::{Term, bilinear, linear};
use noether_fem::direct::SparseCholesky;
use noether_fem::element::Element;
use noether_fem::space::{FunctionSpace, Op};
use noether_mesh::Mesh;
use noether_mesh::generate::{Diagonal, unit_cube, unit_square};
use std::f64::consts::PI;

fn mesh(d: usize, n: usize) -> Mesh {
    if d == 2 {
        unit_square(n, n, Diagonal::Alternating).unwrap()
    } else {
        unit_cube(n).unwrap()
    }
}

/// Solves `A u = b` with `u = g` on `fixed` by elimination of the fixed dofs and a
/// sparse Cholesky solve of the free block.
fn solve_constrained(
    a: &faer::sparse::SparseRowMat<usize, f64>,
    b: &[f64],
    fixed: &[usize],
    g: &[f64],
) -> Vec<f64> {
    let mut rhs = b.to_vec();
    let lifted = noether_fem::dirichlet::apply_dirichlet(
        a,
        &mut rhs,
        fixed,
        &fixed.iter().map(|&i| g[i]).collect::<Vec<_>>(),
    )
    .unwrap();
    SparseCholesky::new(&lifted).unwrap().solve(&rhs).unwrap()
}

// Scalar exact solution and its derivatives.
fn u_exact(x: &[f64]) -> f64 {
    let s: f64 = x.iter().map(|v| (PI * v).sin()).product();
    s + x[0] * x[1]
}
fn grad_exact(x: &[f64], g: &mut [f64]) {
    let d = x.len();
    for k in 0..d {
        g[k] = (0..d)
            .map(|j| {
                if j == k {
                    PI * (PI * x[j]).cos()
                } else {
                    (PI * x[j]).sin()
                }
            })
            .product();
    }
    g[0] += x[1];
    g[1] += x[0];
}
fn minus_laplacian(x: &[f64]) -> f64 {
    let d = x.len() as f64;
    d * PI * PI * x.iter().map(|v| (PI * v).sin()).product::<f64>()
}

fn lagrange_rates(d: usize, k: usize, ns: &[usize]) -> (f64, f64) {
    let (mut hs, mut e0, mut e1) = (vec![], vec![], vec![]);
    for &n in ns {
        let m = mesh(d, n);
        let v = FunctionSpace::new(&m, Element::lagrange(d, k).unwrap()).unwrap();
        let a = bilinear(&v, &v, &[Term::new(Op::Grad, Op::Grad)]).unwrap();
        let b = linear(&v, Op::Value, &|x, o| o[0] = minus_laplacian(x)).unwrap();
        let g = v.interpolate(&|x, o| o[0] = u_exact(x)).unwrap();
        let bd = v.boundary_dofs(&[]).unwrap();
        let u = solve_constrained(&a, &b, &bd, &g);
        hs.push(1.0 / n as f64);
        e0.push(v.error(&u, Op::Value, &|x, o| o[0] = u_exact(x)).unwrap());
        e1.push(v.error(&u, Op::Grad, &grad_exact).unwrap());
    }
    let r = (fitted_rate(&hs, &e0), fitted_rate(&hs, &e1));
    println!(
        "P{k} {d}-D: L2 {e0:?} rate {:.3}; H1 {e1:?} rate {:.3}",
        r.0, r.1
    );
    r
}

#[test]
fn lagrange_2d_rates_are_optimal() {
    for (k, ns) in [
        (1, vec![8, 16, 32]),
        (2, vec![4, 8, 16]),
        (3, vec![4, 8, 16]),
    ] {
        let (r0, r1) = lagrange_rates(2, k, &ns);
        assert!((r0 - (k + 1) as f64).abs() < 0.1, "P{k} L2 rate {r0}");
        assert!((r1 - k as f64).abs() < 0.1, "P{k} H1 rate {r1}");
    }
}

#[test]
fn lagrange_3d_rates_are_optimal() {
    for (k, ns) in [(2, vec![4, 8, 16]), (3, vec![2, 4, 8])] {
        let (r0, r1) = lagrange_rates(3, k, &ns);
        assert!((r0 - (k + 1) as f64).abs() < 0.1, "P{k} L2 rate {r0}");
        assert!((r1 - k as f64).abs() < 0.1, "P{k} H1 rate {r1}");
    }
}

// A smooth vector field, its curl and divergence (2-D: curl scalar).
fn e_exact(x: &[f64], o: &mut [f64]) {
    if x.len() == 2 {
        o[0] = (PI * x[1]).sin() * x[0].exp();
        o[1] = (PI * x[0]).cos() * x[1];
    } else {
        o[0] = (PI * x[1]).sin() * x[2].exp();
        o[1] = (PI * x[2]).cos() * x[0];
        o[2] = (PI * x[0]).sin() * x[1] * x[1];
    }
}
fn curl_e(x: &[f64], o: &mut [f64]) {
    if x.len() == 2 {
        o[0] = -PI * (PI * x[0]).sin() * x[1] - PI * (PI * x[1]).cos() * x[0].exp();
    } else {
        // (∂y Ez − ∂z Ey, ∂z Ex − ∂x Ez, ∂x Ey − ∂y Ex)
        o[0] = 2.0 * (PI * x[0]).sin() * x[1] + PI * (PI * x[2]).sin() * x[0];
        o[1] = (PI * x[1]).sin() * x[2].exp() - PI * (PI * x[0]).cos() * x[1] * x[1];
        o[2] = (PI * x[2]).cos() - PI * (PI * x[1]).cos() * x[2].exp();
    }
}
/// curl curl E + E.
fn curl_curl_e_plus_e(x: &[f64], o: &mut [f64]) {
    let h = 1e-5;
    // curl of curl_e by central differences of the analytic curl (accurate to 1e-10)
    let d = x.len();
    let c = |y: &[f64]| {
        let mut v = [0.0; 3];
        curl_e(y, &mut v);
        v
    };
    let mut dc = [[0.0; 3]; 3]; // dc[k][i] = ∂_k curl_i
    for k in 0..d {
        let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
        xp[k] += h;
        xm[k] -= h;
        let (a, b) = (c(&xp), c(&xm));
        for i in 0..3 {
            dc[k][i] = (a[i] - b[i]) / (2.0 * h);
        }
    }
    e_exact(x, o);
    if d == 2 {
        // curl of scalar w: (∂y w, −∂x w)
        o[0] += dc[1][0];
        o[1] -= dc[0][0];
    } else {
        o[0] += dc[1][2] - dc[2][1];
        o[1] += dc[2][0] - dc[0][2];
        o[2] += dc[0][1] - dc[1][0];
    }
}

fn nedelec_rates(d: usize, k: usize, ns: &[usize]) -> (f64, f64) {
    let (mut hs, mut e0, mut e1) = (vec![], vec![], vec![]);
    for &n in ns {
        let m = mesh(d, n);
        let v = FunctionSpace::new(&m, Element::nedelec(d, k).unwrap()).unwrap();
        let a = bilinear(
            &v,
            &v,
            &[
                Term::new(Op::Curl, Op::Curl),
                Term::new(Op::Value, Op::Value),
            ],
        )
        .unwrap();
        let b = linear(&v, Op::Value, &curl_curl_e_plus_e).unwrap();
        let g = v.interpolate(&e_exact).unwrap();
        let bd = v.boundary_dofs(&[]).unwrap();
        let u = solve_constrained(&a, &b, &bd, &g);
        hs.push(1.0 / n as f64);
        e0.push(v.error(&u, Op::Value, &e_exact).unwrap());
        e1.push(v.error(&u, Op::Curl, &curl_e).unwrap());
    }
    let r = (fitted_rate(&hs, &e0), fitted_rate(&hs, &e1));
    println!(
        "N1curl{k} {d}-D: L2 {e0:?} rate {:.3}; curl {e1:?} rate {:.3}",
        r.0, r.1
    );
    r
}

#[test]
fn nedelec_rates_are_optimal() {
    for (d, k, ns) in [
        (2, 1, vec![8, 16, 32]),
        (2, 2, vec![4, 8, 16]),
        (3, 1, vec![4, 8, 16]),
        (3, 2, vec![2, 4, 8]),
    ] {
        let (r0, r1) = nedelec_rates(d, k, &ns);
        assert!((r0 - k as f64).abs() < 0.1, "N{k} {d}-D L2 rate {r0}");
        assert!((r1 - k as f64).abs() < 0.1, "N{k} {d}-D curl rate {r1}");
    }
}

/// A field with non-zero divergence: `e_exact + ∇u_exact`.
fn s_exact(x: &[f64], o: &mut [f64]) {
    let mut g = [0.0; 3];
    e_exact(x, o);
    grad_exact(x, &mut g);
    for k in 0..x.len() {
        o[k] += g[k];
    }
}
fn div_s(x: &[f64], o: &mut [f64]) {
    let div_e = if x.len() == 2 {
        (PI * x[1]).sin() * x[0].exp() + (PI * x[0]).cos()
    } else {
        0.0
    };
    o[0] = div_e - minus_laplacian(x);
}
/// `−∇ div s + s`, the gradient by central differences of the analytic divergence.
fn grad_div_problem(x: &[f64], o: &mut [f64]) {
    let h = 1e-5;
    s_exact(x, o);
    for k in 0..x.len() {
        let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
        xp[k] += h;
        xm[k] -= h;
        let (mut a, mut b) = ([0.0], [0.0]);
        div_s(&xp, &mut a);
        div_s(&xm, &mut b);
        o[k] -= (a[0] - b[0]) / (2.0 * h);
    }
}

fn rt_rates(d: usize, k: usize, ns: &[usize]) -> (f64, f64) {
    let (mut hs, mut e0, mut e1) = (vec![], vec![], vec![]);
    for &n in ns {
        let m = mesh(d, n);
        let v = FunctionSpace::new(&m, Element::raviart_thomas(d, k).unwrap()).unwrap();
        let a = bilinear(
            &v,
            &v,
            &[Term::new(Op::Div, Op::Div), Term::new(Op::Value, Op::Value)],
        )
        .unwrap();
        let b = linear(&v, Op::Value, &grad_div_problem).unwrap();
        let g = v.interpolate(&s_exact).unwrap();
        let bd = v.boundary_dofs(&[]).unwrap();
        let u = solve_constrained(&a, &b, &bd, &g);
        hs.push(1.0 / n as f64);
        e0.push(v.error(&u, Op::Value, &s_exact).unwrap());
        e1.push(v.error(&u, Op::Div, &div_s).unwrap());
    }
    let r = (fitted_rate(&hs, &e0), fitted_rate(&hs, &e1));
    println!(
        "RT{k} {d}-D: L2 {e0:?} rate {:.3}; div {e1:?} rate {:.3}",
        r.0, r.1
    );
    r
}

#[test]
fn raviart_thomas_rates_are_optimal() {
    for (d, k, ns) in [
        (2, 1, vec![8, 16, 32]),
        (2, 2, vec![4, 8, 16]),
        (3, 1, vec![4, 8, 16]),
        (3, 2, vec![2, 4, 8]),
    ] {
        let (r0, r1) = rt_rates(d, k, &ns);
        assert!((r0 - k as f64).abs() < 0.1, "RT{k} {d}-D L2 rate {r0}");
        assert!((r1 - k as f64).abs() < 0.1, "RT{k} {d}-D div rate {r1}");
    }
}

#[test]
fn dg_projection_rates_are_optimal() {
    for (d, k, ns) in [
        (2, 0, vec![8, 16, 32]),
        (2, 1, vec![8, 16, 32]),
        (3, 0, vec![4, 8, 16]),
        (3, 1, vec![4, 8, 16]),
    ] {
        let (mut hs, mut e0) = (vec![], vec![]);
        for &n in &ns {
            let m = mesh(d, n);
            let v = FunctionSpace::new(&m, Element::discontinuous(d, k).unwrap()).unwrap();
            let mass = bilinear(&v, &v, &[Term::new(Op::Value, Op::Value)]).unwrap();
            let b = linear(&v, Op::Value, &|x, o| o[0] = u_exact(x)).unwrap();
            let u = SparseCholesky::new(&mass).unwrap().solve(&b).unwrap();
            // the canonical DG interpolant is the same L² projection (compared on a
            // cubic, which both integrate exactly)
            let cubic =
                |x: &[f64], o: &mut [f64]| o[0] = x[0] * x[0] * x[1] - 2.0 * x[1].powi(3) + x[0];
            let bc = linear(&v, Op::Value, &cubic).unwrap();
            let uc = SparseCholesky::new(&mass).unwrap().solve(&bc).unwrap();
            let ui = v.interpolate(&cubic).unwrap();
            let diff = uc
                .iter()
                .zip(&ui)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(
                diff < 1e-9,
                "DG{k} interpolant differs from the L2 projection by {diff}"
            );
            hs.push(1.0 / n as f64);
            e0.push(v.error(&u, Op::Value, &|x, o| o[0] = u_exact(x)).unwrap());
        }
        let r = fitted_rate(&hs, &e0);
        println!("DG{k} {d}-D: L2 {e0:?} rate {r:.3}");
        assert!((r - (k + 1) as f64).abs() < 0.1, "DG{k} {d}-D rate {r}");
    }
}
