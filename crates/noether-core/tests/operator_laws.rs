//! Operator algebra laws and agreement of the dense, sparse and matrix-free
//! implementations.

use crate::common;

use common::*;
use faer::Mat;
use noether_core::CoreError;
use noether_core::operator::{
    Diagonal, FnOperator, Identity, Laplacian2d, LinearOperator, Product, Scaled, Sum, Transposed,
};
use proptest::prelude::*;

fn apply<A: LinearOperator<Vec<f64>>>(a: &A, x: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; a.nrows()];
    a.apply(&x.to_vec(), &mut y);
    y
}

fn apply_t<A: LinearOperator<Vec<f64>>>(a: &A, x: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; a.ncols()];
    a.apply_transpose(&x.to_vec(), &mut y)
        .expect("transpose available");
    y
}

fn assert_close(a: &[f64], b: &[f64], tol: f64) {
    assert!(
        rel_err(a, b) <= tol,
        "relative difference {} > {tol}",
        rel_err(a, b)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn composition_laws(n in 1usize..40, m in 1usize..40, k in 1usize..40, seed in any::<u64>(), alpha in -3.0..3.0_f64) {
        let mut r = rng(seed);
        let a = gaussian(&mut r, n, m, 1.0);
        let b = gaussian(&mut r, n, m, 1.0);
        let c = gaussian(&mut r, m, k, 1.0);
        let x = vector(&mut r, m);
        let xk = vector(&mut r, k);
        let xn = vector(&mut r, n);

        // (A + B) x = A x + B x
        let ab = Sum::new(&a, &b).unwrap();
        let want: Vec<f64> = apply(&a, &x).iter().zip(apply(&b, &x)).map(|(p, q)| p + q).collect();
        assert_close(&apply(&ab, &x), &want, 1e-13);
        // (A C) x = A (C x)
        let ac = Product::new(&a, &c).unwrap();
        assert_close(&apply(&ac, &xk), &apply(&a, &apply(&c, &xk)), 1e-13);
        // (α A) x = α (A x)
        let sa = Scaled::new(alpha, &a);
        let want: Vec<f64> = apply(&a, &x).iter().map(|v| alpha * v).collect();
        assert_close(&apply(&sa, &x), &want, 1e-13);
        // (A C)ᵀ y = Cᵀ Aᵀ y and (A + B)ᵀ = Aᵀ + Bᵀ
        assert_close(&apply_t(&ac, &xn), &apply_t(&c, &apply_t(&a, &xn)), 1e-13);
        let want: Vec<f64> = apply_t(&a, &xn).iter().zip(apply_t(&b, &xn)).map(|(p, q)| p + q).collect();
        assert_close(&apply_t(&ab, &xn), &want, 1e-13);
        // ⟨A x, y⟩ = ⟨x, Aᵀ y⟩
        let lhs: f64 = apply(&a, &x).iter().zip(&xn).map(|(p, q)| p * q).sum();
        let rhs: f64 = x.iter().zip(apply_t(&a, &xn)).map(|(p, q)| p * q).sum();
        prop_assert!((lhs - rhs).abs() <= 1e-12 * (1.0 + lhs.abs()));
        // I A = A, (Aᵀ)ᵀ = A
        let ia = Product::new(Identity::new(n), &a).unwrap();
        assert_close(&apply(&ia, &x), &apply(&a, &x), 0.0);
        let tt = Transposed::new::<Vec<f64>>(Transposed::new::<Vec<f64>>(&a).unwrap()).unwrap();
        assert_close(&apply(&tt, &x), &apply(&a, &x), 0.0);
        // Mismatched shapes are errors, not panics
        if n != m {
            let bad = matches!(Product::<_, _, Vec<f64>>::new(&a, &a), Err(CoreError::DimensionMismatch { .. }));
            prop_assert!(bad);
        }
        if k != m {
            let bad = matches!(Sum::<_, _, Vec<f64>>::new(&a, &c), Err(CoreError::DimensionMismatch { .. }));
            prop_assert!(bad);
        }
    }

    #[test]
    fn sparse_matches_dense(n in 1usize..200, m in 1usize..200, per_row in 1usize..8, seed in any::<u64>()) {
        let mut r = rng(seed);
        let (csr, csc, dense) = sparse(&mut r, n, m, per_row);
        let x = vector(&mut r, m);
        let y = vector(&mut r, n);
        assert_close(&apply(&csr, &x), &apply(&dense, &x), 1e-13);
        assert_close(&apply(&csc, &x), &apply(&dense, &x), 1e-13);
        assert_close(&apply_t(&csr, &y), &apply_t(&dense, &y), 1e-13);
        assert_close(&apply_t(&csc, &y), &apply_t(&dense, &y), 1e-13);
    }

    #[test]
    fn diagonal_and_closure(d in prop::collection::vec(-5.0..5.0_f64, 1..100), seed in any::<u64>()) {
        let n = d.len();
        let mut r = rng(seed);
        let x = vector(&mut r, n);
        let dg = Diagonal::new(d.clone());
        let want: Vec<f64> = d.iter().zip(&x).map(|(a, b)| a * b).collect();
        assert_close(&apply(&dg, &x), &want, 0.0);
        let dd = d.clone();
        let f = FnOperator::new(n, n, move |x: &Vec<f64>, y: &mut Vec<f64>| {
            for i in 0..x.len() { y[i] = dd[i] * x[i]; }
        });
        assert_close(&apply(&f, &x), &want, 0.0);
        let unsupported = matches!(f.apply_transpose(&x, &mut vec![0.0; n]), Err(CoreError::Unsupported(_)));
        prop_assert!(unsupported);
    }
}

#[test]
fn laplacian_stencil_matches_its_csr_and_closed_form_eigenvalues() {
    for (nx, ny) in [(1, 1), (3, 7), (64, 33), (300, 200)] {
        let a = Laplacian2d::new(nx, ny).unwrap();
        let csr = a.to_csr().unwrap();
        let mut r = rng(7);
        let x = vector(&mut r, nx * ny);
        assert_close(&apply(&a, &x), &apply(&csr, &x), 1e-14);
        // Smallest eigenvector sin(πx)sin(πy) is reproduced exactly by the stencil.
        let (lo, _) = a.eigenvalue_bounds();
        let (hx, hy) = (1.0 / (nx as f64 + 1.0), 1.0 / (ny as f64 + 1.0));
        let v: Vec<f64> = (0..nx * ny)
            .map(|k| {
                let (i, j) = (k % nx, k / nx);
                (std::f64::consts::PI * (i + 1) as f64 * hx).sin()
                    * (std::f64::consts::PI * (j + 1) as f64 * hy).sin()
            })
            .collect();
        let av = apply(&a, &v);
        let want: Vec<f64> = v.iter().map(|t| lo * t).collect();
        assert_close(&av, &want, 1e-10);
    }
    assert!(Laplacian2d::new(0, 4).is_err());
}

#[test]
fn faer_dense_operator_on_all_host_spaces() {
    let mut r = rng(3);
    let a: Mat<f64> = gaussian(&mut r, 17, 11, 1.0);
    let x = vector(&mut r, 11);
    let y_vec = apply(&a, &x);
    let xd = nalgebra::DVector::from_column_slice(&x);
    let mut yd = nalgebra::DVector::zeros(17);
    a.apply(&xd, &mut yd);
    assert_close(yd.as_slice(), &y_vec, 1e-15);
    let xc = faer::Col::<f64>::from_fn(11, |i| x[i]);
    let mut yc = faer::Col::<f64>::zeros(17);
    a.apply(&xc, &mut yc);
    let yc: Vec<f64> = (0..17).map(|i| yc[i]).collect();
    assert_close(&yc, &y_vec, 1e-15);
}
