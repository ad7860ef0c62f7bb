//! Kronecker algebra against the dense computation (total size up to 512), and
//! kernel derivatives against finite differences.

use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use noether_core::LinearOperator;
use noether_gp::kernel::{
    Envelope, Kernel1d, Matern, Nu, Periodic, SpectralMixture, SquaredExponential,
};
use noether_gp::kron::{JitteredCholesky, Kronecker, KroneckerEigen, KroneckerSum};
use proptest::prelude::*;

/// A random SPD factor: a kernel Gram matrix on random points plus jitter.
fn spd(points: &[f64], ls: f64, jitter: f64) -> Mat<f64> {
    let n = points.len();
    Mat::from_fn(n, n, |i, j| {
        (-(points[i] - points[j]).powi(2) / (2.0 * ls * ls)).exp()
            + if i == j { jitter } else { 0.0 }
    })
}

fn dense_apply(a: &Mat<f64>, x: &[f64]) -> Vec<f64> {
    (0..a.nrows())
        .map(|i| (0..a.ncols()).map(|j| a[(i, j)] * x[j]).sum())
        .collect()
}

fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    let num = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt();
    let den = b.iter().map(|y| y * y).sum::<f64>().sqrt().max(1e-300);
    num / den
}

/// The reference: `A⁻¹y` and `log det A` by dense Cholesky.
fn dense_solve_and_log_det(a: &Mat<f64>, y: &[f64]) -> (Vec<f64>, f64) {
    let llt = a.llt(Side::Lower).expect("SPD reference matrix");
    let mut x = Mat::from_fn(y.len(), 1, |i, _| y[i]);
    llt.solve_in_place(x.as_mut());
    let l = llt.L();
    let log_det = 2.0 * (0..y.len()).map(|i| l[(i, i)].ln()).sum::<f64>();
    ((0..y.len()).map(|i| x[(i, 0)]).collect(), log_det)
}

fn shapes() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(1usize..=8, 1..=3)
        .prop_filter("total ≤ 512", |s| s.iter().product::<usize>() <= 512)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn matvec_and_transpose_equal_dense(shape in shapes(), seed in 0u64..1000) {
        let mut s = seed;
        let mut rnd = || { s = s.wrapping_mul(6364136223846793005).wrapping_add(1); ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5 };
        // rectangular factors: n_d × (n_d + 1) when n_d is odd
        let factors: Vec<Mat<f64>> = shape.iter().map(|&n| {
            let m = if n % 2 == 1 { n + 1 } else { n };
            Mat::from_fn(n, m, |_, _| rnd())
        }).collect();
        let k = Kronecker::new(factors).unwrap();
        let dense = k.to_dense();
        let x: Vec<f64> = (0..k.cols()).map(|_| rnd()).collect();
        prop_assert!(rel_err(&k.apply_vec(&x).unwrap(), &dense_apply(&dense, &x)) < 1e-12);
        let y: Vec<f64> = (0..k.rows()).map(|_| rnd()).collect();
        let mut kty = vec![0.0; k.cols()];
        k.apply_transpose(&y, &mut kty).unwrap();
        let dt = dense.transpose().to_owned();
        prop_assert!(rel_err(&kty, &dense_apply(&dt, &y)) < 1e-12);
    }

    #[test]
    fn solve_and_log_det_equal_dense(shape in shapes(), seed in 0u64..1000, sigma2 in 1e-3f64..1.0) {
        let mut s = seed.wrapping_add(17);
        let mut rnd = || { s = s.wrapping_mul(6364136223846793005).wrapping_add(1); (s >> 11) as f64 / (1u64 << 53) as f64 };
        let factors: Vec<Mat<f64>> = shape.iter().map(|&n| {
            let pts: Vec<f64> = (0..n).map(|_| 3.0 * rnd()).collect();
            spd(&pts, 0.3 + rnd(), 1e-2)
        }).collect();
        let gram = KroneckerEigen::new(&factors, sigma2).unwrap();
        let mut dense = Kronecker::new(factors).unwrap().to_dense();
        let n = dense.nrows();
        for i in 0..n { dense[(i, i)] += sigma2; }
        let y: Vec<f64> = (0..n).map(|_| rnd() - 0.5).collect();
        let x = gram.solve(&y).unwrap();
        let (xd, ld) = dense_solve_and_log_det(&dense, &y);
        prop_assert!(rel_err(&x, &xd) < 1e-10, "solve {}", rel_err(&x, &xd));
        prop_assert!((gram.log_det() - ld).abs() <= 1e-10 * ld.abs().max(1.0), "logdet {} vs {}", gram.log_det(), ld);
    }

    #[test]
    fn kronecker_sum_equals_dense(shape in shapes(), seed in 0u64..1000) {
        let mut s = seed.wrapping_add(99);
        let mut rnd = || { s = s.wrapping_mul(6364136223846793005).wrapping_add(1); ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5 };
        let terms: Vec<Mat<f64>> = shape.iter().map(|&n| Mat::from_fn(n, n, |_, _| rnd())).collect();
        let ksum = KroneckerSum::new(terms.clone()).unwrap();
        let n: usize = shape.iter().product();
        // dense: Σ_d I ⊗ … ⊗ A_d ⊗ … ⊗ I
        let mut dense = Mat::<f64>::zeros(n, n);
        for d in 0..terms.len() {
            let f: Vec<Mat<f64>> = (0..terms.len()).map(|e| if e == d { terms[e].clone() } else { Mat::identity(shape[e], shape[e]) }).collect();
            dense += Kronecker::new(f).unwrap().to_dense();
        }
        let x: Vec<f64> = (0..n).map(|_| rnd()).collect();
        prop_assert!(rel_err(&ksum.apply_vec(&x).unwrap(), &dense_apply(&dense, &x)) < 1e-12);
    }
}

/// Shapes of up to four dimensions, total ≤ 512, most of them all even (the mirror
/// path), some with an odd size (the dense eigenbasis).
fn mirror_shapes() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(
        prop_oneof![4 => (1usize..=4).prop_map(|h| 2 * h), 1 => Just(3usize)],
        1..=4,
    )
    .prop_filter("total ≤ 512", |s| s.iter().product::<usize>() <= 512)
}

/// A stationary kernel's Gram matrix on a uniform grid (symmetric Toeplitz, so
/// centrosymmetric), with `offset` breaking the Toeplitz form within rounding as
/// real grids do: points `offset + i·h` in floating point.
fn uniform_gram(n: usize, ls: f64, offset: f64, jitter: f64) -> Mat<f64> {
    let pts: Vec<f64> = (0..n).map(|i| offset + i as f64 / n as f64).collect();
    spd(&pts, ls, jitter)
}

/// The same kernel's Gram matrix built from its lags: exactly Toeplitz.
fn toeplitz_gram(n: usize, ls: f64, jitter: f64) -> Mat<f64> {
    let t: Vec<f64> = (0..n)
        .map(|l| (-(l as f64 / n as f64).powi(2) / (2.0 * ls * ls)).exp())
        .collect();
    Mat::from_fn(n, n, |i, j| {
        t[i.abs_diff(j)] + if i == j { jitter } else { 0.0 }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    /// Solve, apply, log-determinant and the factors' eigenpairs in the mirror basis
    /// of centrosymmetric factors equal the dense computation.
    #[test]
    fn mirror_basis_equals_dense(shape in mirror_shapes(), seed in 0u64..1000, sigma2 in 1e-3f64..1.0) {
        let mut s = seed.wrapping_add(5);
        let mut rnd = || { s = s.wrapping_mul(6364136223846793005).wrapping_add(1); (s >> 11) as f64 / (1u64 << 53) as f64 };
        // exact Toeplitz factors, or grids whose rounding breaks it slightly (either
        // path must give the dense answer; the exact ones must take the mirror path)
        let exact = seed % 2 == 0;
        let factors: Vec<Mat<f64>> = shape.iter().map(|&n| {
            let ls = 0.1 + 0.5 * rnd();
            if exact { toeplitz_gram(n, ls, 1e-3) } else { uniform_gram(n, ls, 2.0 * rnd() - 1.0, 1e-3) }
        }).collect();
        let gram = KroneckerEigen::new(&factors, sigma2).unwrap();
        let all_even = shape.iter().all(|n| n % 2 == 0);
        prop_assert!(!gram.uses_mirror_symmetry() || all_even);
        prop_assert!(gram.uses_mirror_symmetry() || !(exact && all_even));
        for (d, f) in factors.iter().enumerate() {
            let q = gram.eigenvectors(d);
            let l = gram.eigenvalues(d);
            let back = Mat::from_fn(f.nrows(), f.nrows(), |i, j| (0..l.len()).map(|k| q[(i, k)] * l[k] * q[(j, k)]).sum::<f64>());
            prop_assert!((&back - f).norm_max() < 1e-12, "Q Λ Qᵀ ≠ K_{}", d);
            let qtq = q.transpose() * q;
            prop_assert!((&qtq - Mat::<f64>::identity(l.len(), l.len())).norm_max() < 1e-12);
        }
        let mut dense = Kronecker::new(factors).unwrap().to_dense();
        let n = dense.nrows();
        for i in 0..n { dense[(i, i)] += sigma2; }
        let y: Vec<f64> = (0..n).map(|_| rnd() - 0.5).collect();
        prop_assert!(rel_err(&gram.apply(&y).unwrap(), &dense_apply(&dense, &y)) < 1e-12);
        let x = gram.solve(&y).unwrap();
        let (xd, ld) = dense_solve_and_log_det(&dense, &y);
        prop_assert!(rel_err(&x, &xd) < 1e-10, "solve {}", rel_err(&x, &xd));
        prop_assert!((gram.log_det() - ld).abs() <= 1e-10 * ld.abs().max(1.0), "logdet {} vs {}", gram.log_det(), ld);
        let spec_logdet: f64 = gram.spectrum().iter().map(|v| v.ln()).sum();
        prop_assert!((spec_logdet - ld).abs() <= 1e-10 * ld.abs().max(1.0));
    }
}

/// At a size no dense matrix reaches (a 3-D grid of 7 680 points, differing
/// sizes), the mirror-basis solve leaves a residual at rounding level against the
/// operator applied by plain mode products of the original factors.
#[test]
fn mirror_basis_solve_has_small_residual_on_a_large_grid() {
    let factors: Vec<Mat<f64>> = [24, 16, 20]
        .iter()
        .zip([0.05, 0.2, 0.1])
        .map(|(&n, ls)| uniform_gram(n, ls, 0.3, 1e-4))
        .collect();
    let sigma2 = 1e-3;
    let gram = KroneckerEigen::new(&factors, sigma2).unwrap();
    assert!(gram.uses_mirror_symmetry());
    let y: Vec<f64> = (0..gram.len()).map(|i| (i as f64 * 0.37).cos()).collect();
    let x = gram.solve(&y).unwrap();
    let mut back = Kronecker::new(factors).unwrap().apply_vec(&x).unwrap();
    back.iter_mut().zip(&x).for_each(|(b, x)| *b += sigma2 * x);
    assert!(
        rel_err(&back, &y) < 1e-12,
        "residual {}",
        rel_err(&back, &y)
    );
}

fn check_derivatives<K: Kernel1d>(k: &K, name: &str, orders: usize) {
    for &z in &[-1.3, -0.4, -0.05, 0.07, 0.3, 0.9, 2.1] {
        let d = k.derivatives(z);
        let h = 1e-5;
        let (p, m) = (k.derivatives(z + h), k.derivatives(z - h));
        for o in 0..orders {
            let fd = (p[o] - m[o]) / (2.0 * h);
            let scale = d[o + 1].abs().max(fd.abs()).max(1.0);
            assert!(
                (fd - d[o + 1]).abs() < 1e-6 * scale,
                "{name} order {}: {} vs fd {fd} at z = {z}",
                o + 1,
                d[o + 1]
            );
        }
        // parameter gradients against central differences in each parameter
        let grads = k.param_gradients(z);
        let p0 = k.params();
        for j in 0..p0.len() {
            let mut kp = k.params();
            let mut km = k.params();
            kp[j] += h;
            km[j] -= h;
            let eval = |params: &[f64]| {
                let mut kk = k.params();
                kk.copy_from_slice(params);
                kk
            };
            let (vp, vm) = (param_eval(k, &eval(&kp), z), param_eval(k, &eval(&km), z));
            for o in 0..3 {
                let fd = (vp[o] - vm[o]) / (2.0 * h);
                let scale = grads[j][o].abs().max(fd.abs()).max(1.0);
                assert!(
                    (fd - grads[j][o]).abs() < 1e-6 * scale,
                    "{name} ∂/∂θ{j} of order {o}: {} vs {fd}",
                    grads[j][o]
                );
            }
        }
    }
}

fn param_eval<K: Kernel1d>(k: &K, p: &[f64], z: f64) -> [f64; 4] {
    k.eval_with(p, z)
}

#[test]
fn kernel_derivatives_equal_finite_differences() {
    check_derivatives(&SquaredExponential::new(1.3, 0.7).unwrap(), "SE", 3);
    check_derivatives(&Matern::new(Nu::Half, 0.8, 0.6).unwrap(), "Matern12", 3);
    check_derivatives(
        &Matern::new(Nu::ThreeHalves, 0.8, 0.6).unwrap(),
        "Matern32",
        3,
    );
    check_derivatives(
        &Matern::new(Nu::FiveHalves, 0.8, 0.6).unwrap(),
        "Matern52",
        3,
    );
    check_derivatives(&Periodic::new(1.1, 0.9, 1.7).unwrap(), "Periodic", 3);
    let comps = [(0.5, 0.3, 0.8), (0.2, -0.4, 2.5), (0.3, 1.0, 0.0)];
    check_derivatives(
        &SpectralMixture::new(Envelope::Gaussian, &comps).unwrap(),
        "GM",
        3,
    );
    check_derivatives(
        &SpectralMixture::new(Envelope::Matern52, &comps).unwrap(),
        "StM",
        3,
    );
}

#[test]
fn kernels_are_positive_definite_and_symmetric_derivative_matrices() {
    // Gram matrices factor; D1 = [k'(x_i − x_j)] is antisymmetric, D2 symmetric
    let pts: Vec<f64> = (0..20).map(|i| i as f64 * 0.17).collect();
    let sm = SpectralMixture::gp_hm_init(Envelope::Matern52, 30, 20.0).unwrap();
    let n = pts.len();
    let k = Mat::from_fn(n, n, |i, j| sm.value(pts[i] - pts[j]));
    let chol = JitteredCholesky::new(&k, 1e-2).unwrap();
    println!("jitter used: {:e}", chol.jitter);
    for i in 0..n {
        for j in 0..n {
            let (a, b) = (
                sm.derivatives(pts[i] - pts[j]),
                sm.derivatives(pts[j] - pts[i]),
            );
            assert!((a[1] + b[1]).abs() < 1e-12 && (a[2] - b[2]).abs() < 1e-12);
        }
    }
    // a matrix that is not PSD fails with a typed error and says so
    let bad = Mat::from_fn(2, 2, |i, j| if i == j { 1.0 } else { 2.0 });
    assert!(matches!(
        JitteredCholesky::new(&bad, 1e-6),
        Err(noether_gp::GpError::NotPositiveDefinite(_))
    ));
}

#[test]
fn kronecker_eigen_rejects_indefinite_systems() {
    let a = Mat::from_fn(2, 2, |i, j| if i == j { 1.0 } else { 2.0 });
    assert!(KroneckerEigen::new(&[a], 0.0).is_err());
    assert!(KroneckerEigen::new(&[], 1.0).is_err());
}

#[test]
fn large_grid_solve_is_consistent() {
    // 40 × 30 × 20 = 24 000 points: solve then apply returns the data
    let factors: Vec<Mat<f64>> = [40usize, 30, 20]
        .iter()
        .map(|&n| {
            spd(
                &(0..n).map(|i| i as f64 / n as f64).collect::<Vec<_>>(),
                0.2,
                1e-6,
            )
        })
        .collect();
    let gram = KroneckerEigen::new(&factors, 1e-2).unwrap();
    let y: Vec<f64> = (0..gram.len())
        .map(|i| ((i * 7919) % 1000) as f64 / 1000.0 - 0.5)
        .collect();
    let x = gram.solve(&y).unwrap();
    let back = gram.apply(&x).unwrap();
    assert!(rel_err(&back, &y) < 1e-10);
}
