//! Symmetric positive definite Toeplitz matrices (a stationary kernel on a uniform
//! grid): the inverse and the log-determinant in `O(n²)` by Durbin's recursion and
//! Trench's algorithm (Golub & Van Loan, *Matrix Computations*, 4th ed., §4.7),
//! instead of the `O(n³)` of a Cholesky factorisation.
//!
//! Both are weakly stable for positive definite matrices (Cybenko 1980): the error
//! grows with the condition number as a Cholesky solve's does. A reflection
//! coefficient of modulus ≥ 1 means the matrix is not numerically positive definite
//! and is reported as [`GpError::NotPositiveDefinite`].

use faer::{Mat, MatRef};

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
    // ν = γ·(y_{n−1}, …, y_1) (1-based, length n − 1). In 0-based indices the
    // normalised inverse B has B(0, 0) = γ, B(0, j) = ν(n − j) and, for i, j ≥ 1,
    // B(i, j) = B(i − 1, j − 1) + (p_j p_i − q_j q_i)/γ with p_i = ν(n − i),
    // q_i = ν(i) (Trench). Columns 0 … ⌊(n − 1)/2⌋ are built whole by that
    // recurrence, each from the one before (contiguous, at most n/2 accumulated
    // updates per entry, as Trench's wedge); the rest are their persymmetric images
    // B(i, j) = B(n − 1 − i, n − 1 − j).
    let nu = |k: usize| gamma * y[n - 1 - k]; // 1-based ν(k), k = 1 … n − 1
    let mut p = vec![0.0; n];
    let mut q = vec![0.0; n];
    for i in 1..n {
        p[i] = nu(n - i);
        q[i] = nu(i);
    }
    // the 1/t0 of T = t0·T_norm is folded into the recurrence's terms
    let scale = 1.0 / t0;
    let half = (n - 1) / 2;
    {
        let c0 = inv.col_as_slice_mut(0);
        c0[0] = gamma * scale;
        for (c, pi) in c0[1..].iter_mut().zip(&p[1..]) {
            *c = pi * scale;
        }
    }
    for j in 1..=half {
        let (pj, qj) = (p[j] * scale / gamma, q[j] * scale / gamma);
        let (prev, cur) = split_columns(inv, j - 1, j);
        cur[0] = p[j] * scale;
        for (((c, pr), pi), qi) in cur[1..]
            .iter_mut()
            .zip(&prev[..n - 1])
            .zip(&p[1..])
            .zip(&q[1..])
        {
            *c = pr + pj * pi - qj * qi;
        }
    }
    for j in half + 1..n {
        let (src, dst) = split_columns(inv, n - 1 - j, j);
        for (d, s) in dst.iter_mut().zip(src.iter().rev()) {
            *d = *s;
        }
    }
    Ok(n as f64 * t0.ln() + log_det_norm)
}

/// Columns `a < b` of `m`, the first shared and the second mutable.
fn split_columns(m: &mut Mat<f64>, a: usize, b: usize) -> (&[f64], &mut [f64]) {
    debug_assert!(a < b);
    let n = m.nrows();
    let (left, right) = m.as_mut().split_at_col_mut(b);
    let src = faer::reborrow::IntoConst::into_const(left)
        .col(a)
        .try_as_col_major()
        .map(|c| c.as_slice());
    let dst = right
        .col_mut(0)
        .try_as_col_major_mut()
        .map(|c| c.as_slice_mut());
    match (src, dst) {
        (Some(s), Some(d)) => (&s[..n], &mut d[..n]),
        _ => unreachable!("an owned Mat has contiguous columns"),
    }
}

/// Inner product with sixteen independent accumulators (four AVX2 registers):
/// Durbin's recursion is a chain of such reductions, latency-bound with fewer.
fn dot_wide(x: &[f64], y: &[f64]) -> f64 {
    let mut acc = [0.0f64; 16];
    let (xs, ys) = (x.chunks_exact(16), y.chunks_exact(16));
    let tail: f64 = xs
        .remainder()
        .iter()
        .zip(ys.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (a, b) in xs.zip(ys) {
        for ((s, u), v) in acc.iter_mut().zip(a).zip(b) {
            *s += u * v;
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// Durbin's algorithm: the solution `y` of the Yule–Walker system
/// `T_m y = −(r_1, …, r_m)` for the normalised symmetric Toeplitz `T_m` with first
/// row `1, r_1, …, r_{m−1}`, and `log det T_{m+1}` (the sum of the logarithms of the
/// prediction-error variances).
fn durbin(r: &[f64]) -> Result<(Vec<f64>, f64)> {
    let m = r.len();
    let mut y = Vec::with_capacity(m);
    // r reversed, so that Σ_j r_{k−1−j} y_j is a contiguous inner product
    let rr: Vec<f64> = r.iter().rev().copied().collect();
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
        alpha = -(r[k] + dot_wide(&rr[m - k..], &y[..k])) / beta;
        // y_j ← y_j + α y_{k−1−j}, in place pair by pair
        for j in 0..k / 2 {
            let (a, b) = (y[j], y[k - 1 - j]);
            y[j] = a + alpha * b;
            y[k - 1 - j] = b + alpha * a;
        }
        if k % 2 == 1 {
            y[k / 2] *= 1.0 + alpha;
        }
        y.push(alpha);
    }
    beta = pivot(alpha, beta)?;
    log_det += beta.ln();
    Ok((y, log_det))
}

/// `out = T x` for the symmetric Toeplitz `T` with first row `t` (`T_ij = t_|i−j|`),
/// in `O(n²)` contiguous inner products without forming `T`.
///
/// ```
/// use noether_gp::toeplitz::symmetric_matvec;
/// let mut out = [0.0; 3];
/// symmetric_matvec(&[2.0, 1.0, 0.5], &[1.0, 0.0, -1.0], &mut out);
/// assert_eq!(out, [1.5, 0.0, -1.5]);
/// ```
pub fn symmetric_matvec(t: &[f64], x: &[f64], out: &mut [f64]) {
    let n = t.len();
    assert!(x.len() == n && out.len() == n, "symmetric_matvec: lengths");
    if n == 0 {
        return;
    }
    // T x = Σ_j x_j T[:, j], and column j of T is s[n − 1 − j .. 2n − 1 − j] with
    // s = (t_{n−1}, …, t_1, t_0, t_1, …, t_{n−1}): axpys, which vectorise without a
    // reduction's dependency chain
    let s: Vec<f64> = t[1..].iter().rev().chain(t).copied().collect();
    out.iter_mut().for_each(|o| *o = 0.0);
    for (j, &xj) in x.iter().enumerate() {
        for (o, sv) in out.iter_mut().zip(&s[n - 1 - j..2 * n - 1 - j]) {
            *o += xj * sv;
        }
    }
}

/// The folded diagonal sums of the outer product `x yᵀ`:
/// `c_l = Σ_{|i−j| = l} x_i y_j`, `l = 0 … n − 1`, that is `∂(xᵀ T y)/∂t_l` for the
/// symmetric Toeplitz `T` with first row `t`. `O(n²)`, without forming `x yᵀ`.
///
/// ```
/// use noether_gp::toeplitz::folded_cross_correlation;
/// let c = folded_cross_correlation(&[1.0, 2.0], &[3.0, 4.0]);
/// assert_eq!(c, vec![1.0 * 3.0 + 2.0 * 4.0, 1.0 * 4.0 + 2.0 * 3.0]);
/// ```
pub fn folded_cross_correlation(x: &[f64], y: &[f64]) -> Vec<f64> {
    let n = x.len();
    assert_eq!(y.len(), n, "folded_cross_correlation: lengths");
    // c_l = Σ_i (x_{i+l} y_i + y_{i+l} x_i) for l ≥ 1, as axpys over i
    let mut c = vec![0.0; n];
    for i in 0..n {
        let (xi, yi) = (x[i], y[i]);
        for ((cl, xv), yv) in c.iter_mut().zip(&x[i..]).zip(&y[i..]) {
            *cl += yi * xv + xi * yv;
        }
    }
    // the lag-0 term was counted twice
    c[0] *= 0.5;
    c
}

/// The signed diagonal sums `e_l = Σ_{i−j = l} M_ij − Σ_{j−i = l} M_ij`,
/// `l = 0 … n − 1` (`e_0 = 0`), of a square matrix `M`: the gradient of `⟨M, T⟩` in
/// the first column `t` of a skew Toeplitz `T` (`T_ij = sign(i − j)·t_{|i−j|}`,
/// the matrix of an odd kernel's values such as `k'`).
pub fn signed_diagonal_sums(m: MatRef<'_, f64>) -> Vec<f64> {
    let n = m.nrows();
    assert_eq!(m.ncols(), n, "signed_diagonal_sums: square matrix");
    let mut e = vec![0.0; n];
    for j in 0..n {
        let col = m.col(j);
        for i in 0..j {
            e[j - i] -= col[i];
        }
        for i in j + 1..n {
            e[i - j] += col[i];
        }
    }
    e
}

/// The folded diagonal sums `c_l = Σ_{|i−j| = l} M_ij`, `l = 0 … n − 1`, of a square
/// matrix `M`: the gradient of `⟨M, T⟩` in the first row of a symmetric Toeplitz `T`.
pub fn folded_diagonal_sums(m: MatRef<'_, f64>) -> Vec<f64> {
    let n = m.nrows();
    assert_eq!(m.ncols(), n, "folded_diagonal_sums: square matrix");
    let mut c = vec![0.0; n];
    for j in 0..n {
        let col = m.col(j);
        // rows i < j: lag j − i; rows i ≥ j: lag i − j (column order, contiguous)
        for i in 0..j {
            c[j - i] += col[i];
        }
        for i in j..n {
            c[i - j] += col[i];
        }
    }
    c
}
