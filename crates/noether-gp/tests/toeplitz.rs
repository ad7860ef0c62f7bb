//! The O(n²) Toeplitz inverse and log-determinant (Durbin, Trench) against the
//! dense Cholesky computation, on kernel matrices of the sizes and conditioning GP-HM
//! uses, and typed errors for indefinite input.

use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use noether_gp::GpError;
use noether_gp::kernel::{Envelope, Kernel1d, SpectralMixture};
use noether_gp::toeplitz::toeplitz_inverse;
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
