//! Symmetric positive definite Toeplitz matrices (a stationary kernel on a uniform
//! grid): the inverse and the log-determinant in `O(n²)` by Durbin's recursion and
//! Trench's algorithm (Golub & Van Loan, *Matrix Computations*, 4th ed., §4.7),
//! instead of the `O(n³)` of a Cholesky factorisation.
//!
//! Both are weakly stable for positive definite matrices (Cybenko 1980): the error
//! grows with the condition number as a Cholesky solve's does. A reflection
//! coefficient of modulus ≥ 1 means the matrix is not numerically positive definite
//! and is reported as [`GpError::NotPositiveDefinite`].

use faer::Mat;

use crate::error::{GpError, Result, invalid};

/// The inverse and log-determinant of the symmetric Toeplitz matrix with first row
/// `t` (`T_ij = t_|i−j|`).
///
/// ```
/// use noether_gp::toeplitz::toeplitz_inverse;
/// let t = [2.0, 0.5, 0.1];
/// let (inv, log_det) = toeplitz_inverse(&t).unwrap();
/// // T · T⁻¹ = I
/// for i in 0..3usize {
///     for j in 0..3 {
///         let s: f64 = (0..3).map(|k| t[i.abs_diff(k)] * inv[(k, j)]).sum();
///         assert!((s - if i == j { 1.0 } else { 0.0 }).abs() < 1e-14);
///     }
/// }
/// let det = 2.0 * (4.0 - 0.25) - 0.5 * (1.0 - 0.05) + 0.1 * (0.25 - 0.2);
/// assert!((log_det - f64::ln(det)).abs() < 1e-14);
/// ```
pub fn toeplitz_inverse(t: &[f64]) -> Result<(Mat<f64>, f64)> {
    let mut inv = Mat::<f64>::zeros(t.len(), t.len());
    let log_det = toeplitz_inverse_into(t, &mut inv)?;
    Ok((inv, log_det))
}

/// [`toeplitz_inverse`] into `inv` (resized to `n × n` if needed); returns the
/// log-determinant.
pub fn toeplitz_inverse_into(t: &[f64], inv: &mut Mat<f64>) -> Result<f64> {
    let n = t.len();
    if n == 0 {
        return Err(invalid("first row", 0, "must not be empty"));
    }
    if t.iter().any(|v| !v.is_finite()) {
        return Err(GpError::LinearAlgebra("non-finite Toeplitz entry".into()));
    }
    let t0 = t[0];
    if t0 <= 0.0 {
        return Err(GpError::NotPositiveDefinite(format!(
            "Toeplitz diagonal {t0:e}"
        )));
    }
    if inv.nrows() != n || inv.ncols() != n {
        *inv = Mat::zeros(n, n);
    }
    if n == 1 {
        inv[(0, 0)] = 1.0 / t0;
        return Ok(t0.ln());
    }
    // normalised first row 1, r_1 … r_{n−1}
    let r: Vec<f64> = t[1..].iter().map(|v| v / t0).collect();
    let (y, log_det_norm) = durbin(&r[..n - 1])?;
    // Trench: γ = 1/(1 + r·y), ν = γ·reverse(y)
    let ry: f64 = r.iter().zip(&y).map(|(a, b)| a * b).sum();
    let gamma = 1.0 / (1.0 + ry);
    if !gamma.is_finite() || gamma <= 0.0 {
        return Err(GpError::NotPositiveDefinite(format!(
            "Toeplitz matrix of size {n} (Trench γ = {gamma:e})"
        )));
    }
    // v[k] = ν_{k+1} (1-based ν of length n − 1): ν = γ·(y_{n−1}, …, y_1)
    let v: Vec<f64> = y.iter().rev().map(|yk| gamma * yk).collect();
    // B = T_norm⁻¹ (1-based in the book): B(1,1) = γ, B(1, j) = ν(n + 1 − j) for j ≥ 2,
    // then B(i, j) = B(i−1, j−1) + (ν(n+1−j)ν(n+1−i) − ν(i−1)ν(j−1))/γ on the
    // persymmetric wedge, the rest by symmetry and persymmetry.
    let nu = |k: usize| v[k - 1]; // 1-based
    let b = |i: usize, j: usize, val: f64, inv: &mut Mat<f64>| {
        // (i, j) 1-based; fill the four symmetric/persymmetric images, scaled by 1/t0
        let s = val / t0;
        let (i0, j0) = (i - 1, j - 1);
        inv[(i0, j0)] = s;
        inv[(j0, i0)] = s;
        inv[(n - 1 - j0, n - 1 - i0)] = s;
        inv[(n - 1 - i0, n - 1 - j0)] = s;
    };
    b(1, 1, gamma, inv);
    for j in 2..=n {
        b(1, j, nu(n + 1 - j), inv);
    }
    for i in 2..=(n - 1) / 2 + 1 {
        for j in i..=n - i + 1 {
            let prev = inv[(i - 2, j - 2)] * t0;
            let val = prev + (nu(n + 1 - j) * nu(n + 1 - i) - nu(i - 1) * nu(j - 1)) / gamma;
            b(i, j, val, inv);
        }
    }
    Ok(n as f64 * t0.ln() + log_det_norm)
}

/// Durbin's algorithm: the solution `y` of the Yule–Walker system
/// `T_m y = −(r_1, …, r_m)` for the normalised symmetric Toeplitz `T_m` with first
/// row `1, r_1, …, r_{m−1}`, and `log det T_{m+1}` (the sum of the logarithms of the
/// prediction-error variances).
fn durbin(r: &[f64]) -> Result<(Vec<f64>, f64)> {
    let m = r.len();
    let mut y = Vec::with_capacity(m);
    let mut z = vec![0.0; m];
    let mut alpha = -r[0];
    let mut beta = 1.0_f64;
    y.push(alpha);
    // log det T_{k+1} = Σ log β_j, with β_0 = 1 and β_k = (1 − α_{k−1}²) β_{k−1}
    let mut log_det = 0.0;
    let pivot = |alpha: f64, beta: f64| -> Result<f64> {
        let next = (1.0 - alpha * alpha) * beta;
        if next.is_nan() || next <= 0.0 || !next.is_finite() {
            return Err(GpError::NotPositiveDefinite(format!(
                "Toeplitz matrix (reflection coefficient {alpha:e})"
            )));
        }
        Ok(next)
    };
    for k in 1..m {
        beta = pivot(alpha, beta)?;
        log_det += beta.ln();
        let dot: f64 = (0..k).map(|j| r[k - 1 - j] * y[j]).sum();
        alpha = -(r[k] + dot) / beta;
        for j in 0..k {
            z[j] = y[j] + alpha * y[k - 1 - j];
        }
        y[..k].copy_from_slice(&z[..k]);
        y.push(alpha);
    }
    beta = pivot(alpha, beta)?;
    log_det += beta.ln();
    Ok((y, log_det))
}
