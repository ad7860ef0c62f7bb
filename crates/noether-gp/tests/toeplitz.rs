//! The O(n²) Toeplitz inverse and log-determinant (Durbin, Trench) against the
//! dense Cholesky computation, on kernel matrices of the sizes and conditioning GP-HM
//! uses, and typed errors for indefinite input; the Toeplitz products and lag sums
//! that GP-HM contracts its 1-D gradients with.

use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use noether_gp::GpError;
use noether_gp::centro::CentroHalves;
use noether_gp::kernel::{Envelope, Kernel1d, SpectralMixture};
use noether_gp::toeplitz::{
    folded_cross_correlation, folded_diagonal_sums, signed_diagonal_sums, symmetric_matvec,
    toeplitz_inverse,
};
use proptest::prelude::*;

fn dense_check(row: &[f64], tol: f64) -> Result<(), TestCaseError> {
    let n = row.len();
    let t = Mat::from_fn(n, n, |i, j| row[i.abs_diff(j)]);
    let (inv, log_det) = toeplitz_inverse(row).unwrap();
    let llt = t.llt(Side::Lower).unwrap();
    let l = llt.L();
    let ld: f64 = 2.0 * (0..n).map(|i| l[(i, i)].ln()).sum::<f64>();
    prop_assert!(
        (log_det - ld).abs() <= 1e-9 * ld.abs().max(1.0),
        "log det {log_det} vs {ld}"
    );
    let mut dense_inv = Mat::<f64>::identity(n, n);
    llt.solve_in_place(dense_inv.as_mut());
    let scale = (0..n).map(|i| dense_inv[(i, i)].abs()).fold(0.0, f64::max);
    for i in 0..n {
        for j in 0..n {
            let d = (inv[(i, j)] - dense_inv[(i, j)]).abs();
            prop_assert!(
                d <= tol * scale,
                "({i}, {j}): {} vs {}",
                inv[(i, j)],
                dense_inv[(i, j)]
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Squared-exponential rows with a nugget: well to moderately conditioned.
    #[test]
    fn inverse_and_log_det_equal_cholesky(n in 1usize..80, ell in 0.02f64..0.5, nugget in 1e-3f64..1.0) {
        let h = 1.0 / n as f64;
        let row: Vec<f64> = (0..n)
            .map(|k| (-(k as f64 * h).powi(2) / (2.0 * ell * ell)).exp() + if k == 0 { nugget } else { 0.0 })
            .collect();
        dense_check(&row, 1e-10)?;
    }
}

/// GP-HM's factors: a 30-component Student-t spectral mixture at its initialisation
/// on 400 points of [0, 2π] with jitter 1e-6 (condition number ~10⁶–10⁷).
#[test]
fn gp_hm_factor_matches_cholesky() {
    let n = 400;
    let h = 2.0 * std::f64::consts::PI / (n - 1) as f64;
    let k = SpectralMixture::gp_hm_init(Envelope::Matern52, 30, 20.0).unwrap();
    let row: Vec<f64> = (0..n)
        .map(|m| k.value(m as f64 * h) + if m == 0 { 1e-6 } else { 0.0 })
        .collect();
    dense_check(&row, 1e-7).unwrap();
}

#[test]
fn indefinite_or_bad_rows_are_typed_errors() {
    assert!(matches!(
        toeplitz_inverse(&[1.0, 2.0]),
        Err(GpError::NotPositiveDefinite(_))
    ));
    assert!(matches!(
        toeplitz_inverse(&[-1.0]),
        Err(GpError::NotPositiveDefinite(_))
    ));
    assert!(toeplitz_inverse(&[]).is_err());
    assert!(toeplitz_inverse(&[1.0, f64::NAN]).is_err());
    // singular: all-ones matrix of size 3
    assert!(toeplitz_inverse(&[1.0, 1.0, 1.0]).is_err());
}

fn vector(seed: u64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| ((i as f64 + 1.0) * (0.7 + seed as f64 * 0.013)).sin())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The O(n²) Toeplitz products and lag contractions against the dense matrices:
    /// `T x`, the folded cross-correlation as `xᵀ E_l y` with `E_l` the symmetric
    /// Toeplitz indicator of lag `l`, and the folded diagonal sums of `x yᵀ`.
    #[test]
    fn toeplitz_products_and_lag_sums_equal_dense(n in 1usize..40, seed in 0u64..500) {
        let (t, x, y) = (vector(seed, n), vector(seed + 1, n), vector(seed + 2, n));
        let mut tx = vec![0.0; n];
        symmetric_matvec(&t, &x, &mut tx);
        for (i, v) in tx.iter().enumerate() {
            let dense: f64 = (0..n).map(|j| t[i.abs_diff(j)] * x[j]).sum();
            prop_assert!((v - dense).abs() <= 1e-12 * (1.0 + dense.abs()));
        }
        let c = folded_cross_correlation(&x, &y);
        let outer = Mat::from_fn(n, n, |i, j| x[i] * y[j]);
        let d = folded_diagonal_sums(outer.as_ref());
        for l in 0..n {
            let dense: f64 = (0..n)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .filter(|&(i, j)| i.abs_diff(j) == l)
                .map(|(i, j)| x[i] * y[j])
                .sum();
            prop_assert!((c[l] - dense).abs() <= 1e-12 * (1.0 + dense.abs()));
            prop_assert!((d[l] - dense).abs() <= 1e-12 * (1.0 + dense.abs()));
        }
        // signed sums: the gradient of ⟨M, T⟩ in the first column t of a skew
        // Toeplitz T (T_ij = sign(i − j)·t_|i−j|): lag-l entries below the
        // diagonal count +, above it −
        let e = signed_diagonal_sums(outer.as_ref());
        prop_assert_eq!(e[0], 0.0);
        for (l, el) in e.iter().enumerate().skip(1) {
            let dense: f64 = (0..n)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .filter(|&(i, j)| i.abs_diff(j) == l)
                .map(|(i, j)| if i > j { x[i] * y[j] } else { -x[i] * y[j] })
                .sum();
            prop_assert!((el - dense).abs() <= 1e-12 * (1.0 + dense.abs()));
        }
    }
}

/// The lag table of a spectral mixture: its rows equal the kernel and its second
/// derivative, and its contraction equals the per-lag parameter gradients of
/// [`SpectralMixture::param_gradients_fast`] (dual numbers), for both envelopes.
#[test]
fn lag_table_matches_pointwise_kernel_and_dual_gradients() {
    let (n, h) = (57, 0.037);
    for envelope in [Envelope::Gaussian, Envelope::Matern52] {
        let k = SpectralMixture::new(
            envelope,
            &[(0.3, 0.4, 1.7), (1.2, -0.8, 0.0), (0.05, 1.3, 9.5)],
        )
        .unwrap();
        let table = k.lag_table(h, n);
        let (c, e) = (vector(3, n), vector(4, n));
        let mut expect = vec![0.0; k.n_params()];
        for m in 0..n {
            let z = m as f64 * h;
            let [k0, _, k2, _] = k.derivatives(z);
            assert!((table.k()[m] - k0).abs() <= 1e-13 * (1.0 + k0.abs()));
            assert!((table.k2()[m] - k2).abs() <= 1e-12 * (1.0 + k2.abs()));
            for (g, pg) in expect.iter_mut().zip(k.param_gradients_fast(z)) {
                *g += c[m] * pg[0] + e[m] * pg[2];
            }
        }
        let got = table.gradient(&c, &e);
        for (a, b) in got.iter().zip(&expect) {
            assert!(
                (a - b).abs() <= 1e-10 * (1.0 + b.abs()),
                "{envelope:?}: {a} vs {b}"
            );
        }
        // without slopes the first-derivative contraction is zero
        assert!(table.k1().is_empty());
        assert!(table.gradient_first(&c).iter().all(|&g| g == 0.0));
        // with slopes: k' and the contraction of its parameter gradients
        let sloped = k.lag_table_with_slope(h, n);
        assert_eq!(sloped.k(), table.k());
        let mut expect1 = vec![0.0; k.n_params()];
        for (m, (&em, &got)) in e.iter().zip(sloped.k1()).enumerate() {
            let z = m as f64 * h;
            let k1 = k.derivatives(z)[1];
            assert!((got - k1).abs() <= 1e-12 * (1.0 + k1.abs()));
            for (g, pg) in expect1.iter_mut().zip(k.param_gradients_fast(z)) {
                *g += em * pg[1];
            }
        }
        for (a, b) in sloped.gradient_first(&e).iter().zip(&expect1) {
            assert!(
                (a - b).abs() <= 1e-10 * (1.0 + b.abs()),
                "{envelope:?} k': {a} vs {b}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Centrosymmetric and centro-skew halves: `M x` through the butterfly and two
    /// half-size products equals the dense product, for a symmetric Toeplitz `T`,
    /// its inverse (centrosymmetric, not Toeplitz), a skew Toeplitz `S` (centro-skew)
    /// and every kind of product among them, also scaled, applied to row-major and
    /// column-major right-hand sides; odd sizes are refused.
    #[test]
    fn centrosymmetric_halves_equal_dense_products(half in 1usize..20, m in 1usize..9, seed in 0u64..300) {
        let n = 2 * half;
        let mut t = vector(seed, n);
        // Strictly diagonally dominant, hence SPD: every lag appears twice in a
        // middle row, so t₀ must exceed 2 Σ_{k≥1} |t_k|.
        t[0] = 2.0 + 2.0 * t[1..].iter().map(|v| v.abs()).sum::<f64>();
        let dense = Mat::from_fn(n, n, |i, j| t[i.abs_diff(j)]);
        let (inv, _) = toeplitz_inverse(&t).unwrap();
        let mut r = vector(seed + 7, n);
        r[0] = 0.0;
        let skew = Mat::from_fn(n, n, |i, j| if i >= j { r[i - j] } else { -r[j - i] });
        let ht = CentroHalves::new(dense.as_ref()).unwrap();
        let hi = CentroHalves::new(inv.as_ref()).unwrap();
        let hs = CentroHalves::new_skew(skew.as_ref()).unwrap();
        prop_assert!(hs.is_skew() && !ht.is_skew());
        prop_assert!(hi.product(&hs).is_skew() && hs.product(&ht).is_skew());
        prop_assert!(!hs.product(&hs).is_skew());
        let x = Mat::from_fn(n, m, |i, j| ((i * m + j) as f64 * 0.37 + seed as f64).sin());
        let xt = x.transpose().to_owned();
        let cases = [
            (ht.clone(), dense.clone()),
            (hi.clone(), inv.clone()),
            (hi.product(&ht), &inv * &dense),
            (hs.clone(), skew.clone()),
            (hi.product(&hs).scaled(-1.5), -1.5 * (&inv * &skew)),
            (hs.product(&ht), &skew * &dense),
            (hs.product(&hs), &skew * &skew),
        ];
        for (halves, full) in &cases {
            let expect = full * &x;
            let mut y = Mat::zeros(n, m);
            halves.apply(x.as_ref(), y.as_mut());
            // the same from a row-major view (the transpose of a column-major matrix)
            let mut z = Mat::zeros(m, n);
            halves.apply(xt.as_ref().transpose(), z.as_mut().transpose_mut());
            let scale = expect.norm_max().max(1.0);
            prop_assert!((&y - &expect).norm_max() <= 1e-12 * scale);
            prop_assert!((z.transpose() - &expect).norm_max() <= 1e-12 * scale);
        }
        prop_assert!(CentroHalves::new(Mat::<f64>::identity(n + 1, n + 1).as_ref()).is_none());
    }
}
