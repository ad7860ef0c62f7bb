//! Kronecker algebra without ever forming the product: `(⊗_d K_d) x` by mode
//! products, transposes, Kronecker sums, and the exact solve and log-determinant of
//! `⊗_d K_d + σ²I` from the factors' eigendecompositions (Saatçi 2011, §5.2.2),
//! `O(Σ n_d³ + N Σ n_d)`; and a Cholesky that reports the jitter it needed.
//!
//! Vec convention: row-major, the first factor acting on the slowest index, so
//! `(A ⊗ B) vec(X) = vec(A X Bᵀ)` for `X` of shape `(n_A, n_B)` stored row by row.
//!
//! ```
//! use faer::Mat;
//! use noether_gp::kron::Kronecker;
//! let a = Mat::<f64>::from_fn(2, 2, |i, j| (1 + i + 2 * j) as f64);
//! let b = Mat::<f64>::from_fn(3, 3, |i, j| if i == j { 2.0 } else { 0.0 });
//! let k = Kronecker::new(vec![a, b]).unwrap();
//! let x = vec![1.0; 6];
//! // (A ⊗ 2I) 1 = 2 (A 1) ⊗ 1
//! assert_eq!(k.apply_vec(&x).unwrap(), vec![8.0, 8.0, 8.0, 12.0, 12.0, 12.0]);
//! ```

use faer::linalg::solvers::Solve;
use faer::{Mat, MatMut, MatRef, Side};
use noether_core::LinearOperator;
use rayon::prelude::*;
use std::sync::OnceLock;

use crate::error::{GpError, Result, invalid};
use crate::kron_mirror::{MirrorBasis, MirrorFactor};
use crate::kron_spectral::{lead_product, spectral_in_place};
use crate::workspace::with_buffer;

/// Applies `⊗ factors` to `x` (row-major tensor, first factor on the slowest index)
/// by rotating mode products: each step contracts the fastest index with its
/// factor (the last one not yet applied) and makes the result the slowest index, so
/// after all factors the order is restored. Every step is one GEMM whose inner
/// dimension is contiguous in both operands, with no transposition.
pub fn kron_apply(factors: &[MatRef<'_, f64>], x: &[f64]) -> Result<Vec<f64>> {
    let ncols: usize = factors.iter().map(|f| f.ncols()).product();
    if x.len() != ncols {
        return Err(invalid(
            "x",
            x.len(),
            "must have the product of the factors' columns",
        ));
    }
    let mut cur = x.to_vec();
    let mut next = Vec::new();
    for f in factors.iter().rev() {
        rotate_mode_product(*f, &cur, &mut next);
        std::mem::swap(&mut cur, &mut next);
    }
    Ok(cur)
}

/// One rotating mode product: `cur`, read as a row-major `m × n_in` matrix (its
/// fastest index contracted), times `fᵀ`, written column-major `m × n_out` into
/// `out` (the new index slowest). `out` is resized as needed.
fn rotate_mode_product(f: MatRef<'_, f64>, cur: &[f64], out: &mut Vec<f64>) {
    out.resize(f.nrows() * (cur.len() / f.ncols()), 0.0);
    rotate_mode_product_into(f, cur, out, faer::get_global_parallelism());
}

/// [`rotate_mode_product`] into a slice of the right size, with parallelism `par`.
fn rotate_mode_product_into(f: MatRef<'_, f64>, cur: &[f64], out: &mut [f64], par: faer::Par) {
    let (n_out, n_in) = (f.nrows(), f.ncols());
    let m = cur.len() / n_in;
    faer::linalg::matmul::matmul(
        MatMut::from_column_major_slice_mut(out, m, n_out),
        faer::Accum::Replace,
        MatRef::from_row_major_slice(cur, m, n_in),
        f.transpose(),
        1.0,
        par,
    );
}

/// A Kronecker product `K_1 ⊗ … ⊗ K_D` of dense factors.
#[derive(Debug, Clone)]
pub struct Kronecker {
    factors: Vec<Mat<f64>>,
}

impl Kronecker {
    /// The product of `factors` (at least one, none empty).
    pub fn new(factors: Vec<Mat<f64>>) -> Result<Self> {
        if factors.is_empty() || factors.iter().any(|f| f.nrows() == 0 || f.ncols() == 0) {
            return Err(invalid(
                "factors",
                factors.len(),
                "need at least one non-empty factor",
            ));
        }
        Ok(Self { factors })
    }

    /// The factors.
    pub fn factors(&self) -> &[Mat<f64>] {
        &self.factors
    }

    /// Rows of the product.
    pub fn rows(&self) -> usize {
        self.factors.iter().map(|f| f.nrows()).product()
    }

    /// Columns of the product.
    pub fn cols(&self) -> usize {
        self.factors.iter().map(|f| f.ncols()).product()
    }

    /// `(⊗K_d) x`.
    pub fn apply_vec(&self, x: &[f64]) -> Result<Vec<f64>> {
        let refs: Vec<MatRef<'_, f64>> = self.factors.iter().map(|f| f.as_ref()).collect();
        kron_apply(&refs, x)
    }

    /// `⊗K_dᵀ`.
    pub fn transpose(&self) -> Self {
        Self {
            factors: self
                .factors
                .iter()
                .map(|f| f.transpose().to_owned())
                .collect(),
        }
    }

    /// The dense product (for tests and small sizes).
    pub fn to_dense(&self) -> Mat<f64> {
        let mut out = Mat::<f64>::from_fn(1, 1, |_, _| 1.0);
        for f in &self.factors {
            let (r, c) = (out.nrows(), out.ncols());
            out = Mat::from_fn(r * f.nrows(), c * f.ncols(), |i, j| {
                out[(i / f.nrows(), j / f.ncols())] * f[(i % f.nrows(), j % f.ncols())]
            });
        }
        out
    }
}

impl LinearOperator<Vec<f64>> for Kronecker {
    fn nrows(&self) -> usize {
        self.rows()
    }
    fn ncols(&self) -> usize {
        self.cols()
    }
    fn apply(&self, x: &Vec<f64>, y: &mut Vec<f64>) {
        match self.apply_vec(x) {
            Ok(v) => y.copy_from_slice(&v),
            Err(_) => y.fill(f64::NAN),
        }
    }
    fn has_transpose(&self) -> bool {
        true
    }
    fn apply_transpose(&self, x: &Vec<f64>, y: &mut Vec<f64>) -> noether_core::Result<()> {
        let v = self.transpose().apply_vec(x).map_err(|e| {
            noether_core::CoreError::InvalidArgument {
                name: "x",
                value: x.len().to_string(),
                reason: if matches!(e, GpError::InvalidArgument { .. }) {
                    "wrong length"
                } else {
                    "failed"
                },
            }
        })?;
        y.copy_from_slice(&v);
        Ok(())
    }
}

/// The Kronecker sum `A ⊕ B = A ⊗ I + I ⊗ B` of square factors (the discrete
/// Laplacian of a tensor grid is the sum of 1-D ones), applied by mode products.
#[derive(Debug, Clone)]
pub struct KroneckerSum {
    terms: Vec<Mat<f64>>,
}

impl KroneckerSum {
    /// `⊕_d A_d` of square factors.
    pub fn new(terms: Vec<Mat<f64>>) -> Result<Self> {
        if terms.is_empty()
            || terms
                .iter()
                .any(|t| t.nrows() != t.ncols() || t.nrows() == 0)
        {
            return Err(invalid(
                "terms",
                terms.len(),
                "need square non-empty factors",
            ));
        }
        Ok(Self { terms })
    }

    /// `(⊕A_d) x`.
    pub fn apply_vec(&self, x: &[f64]) -> Result<Vec<f64>> {
        let n: usize = self.terms.iter().map(|t| t.nrows()).product();
        if x.len() != n {
            return Err(invalid("x", x.len(), "wrong length"));
        }
        let eyes: Vec<Mat<f64>> = self
            .terms
            .iter()
            .map(|t| Mat::identity(t.nrows(), t.nrows()))
            .collect();
        let mut y = vec![0.0; n];
        for d in 0..self.terms.len() {
            let refs: Vec<MatRef<'_, f64>> = (0..self.terms.len())
                .map(|e| {
                    if e == d {
                        self.terms[e].as_ref()
                    } else {
                        eyes[e].as_ref()
                    }
                })
                .collect();
            let part = kron_apply(&refs, x)?;
            y.iter_mut().zip(&part).for_each(|(a, b)| *a += b);
        }
        Ok(y)
    }
}

/// `⊗_d K_d + σ²I` through the eigendecompositions `K_d = Q_d Λ_d Q_dᵀ`: exact
/// solves and log-determinant in `O(Σ n_d³ + N Σ n_d)`.
///
/// When every factor is centrosymmetric of even size (`J K J = K`, as the Gram
/// matrix of a stationary kernel on a uniform grid is), the eigenvectors are
/// symmetric or skew and the solve runs in the mirror basis: `2^D` independent
/// half-size problems, half the flops of the dense eigenbasis, with the same result
/// to rounding ([`Self::uses_mirror_symmetry`] says which path a factorisation
/// took). Both paths apply the eigenvectors by layout-preserving mode products (the
/// last two modes slab by slab, in cache).
///
/// ```
/// use faer::Mat;
/// use noether_gp::kron::KroneckerEigen;
/// let k1 = Mat::<f64>::from_fn(3, 3, |i, j| (-((i as f64 - j as f64).powi(2))).exp());
/// let gram = KroneckerEigen::new(&[k1.clone(), k1], 0.1).unwrap();
/// let y = vec![1.0; 9];
/// let x = gram.solve(&y).unwrap();
/// let back = gram.apply(&x).unwrap();
/// assert!(back.iter().zip(&y).all(|(a, b)| (a - b).abs() < 1e-12));
/// ```
#[derive(Debug, Clone)]
pub struct KroneckerEigen {
    q: Kronecker,
    /// Per factor, its eigenvalues (in the order of its eigenvectors).
    lambdas: Vec<Vec<f64>>,
    sigma2: f64,
    /// Number of grid points.
    len: usize,
    /// `⊗λ + σ²`, one per grid point, built on first use.
    spectrum: OnceLock<Vec<f64>>,
    /// The mirror basis when every factor is centrosymmetric of even size.
    mirror: Option<MirrorBasis>,
}

impl KroneckerEigen {
    /// Decomposes the symmetric factors; fails when `⊗K_d + σ²I` is not positive
    /// definite (an eigenvalue product plus `σ²` ≤ 0) or a factor is not square.
    pub fn new(factors: &[Mat<f64>], sigma2: f64) -> Result<Self> {
        if factors.is_empty()
            || factors
                .iter()
                .any(|f| f.nrows() != f.ncols() || f.nrows() == 0)
        {
            return Err(invalid(
                "factors",
                factors.len(),
                "need square non-empty factors",
            ));
        }
        if !sigma2.is_finite() || sigma2 < 0.0 {
            return Err(invalid("sigma2", sigma2, "must be finite and non-negative"));
        }
        if factors.iter().any(|f| !all_finite(f)) {
            return Err(GpError::LinearAlgebra("non-finite factor entry".into()));
        }
        let mut qs: Vec<Mat<f64>> = Vec::new();
        let mut lambdas: Vec<Vec<f64>> = Vec::new();
        let mut mirrors: Vec<MirrorFactor> = Vec::new();
        let mut all_mirror = true;
        for (d, f) in factors.iter().enumerate() {
            // a factor equal to an earlier one (isotropic grids) reuses its eigenpairs
            if let Some(e) = (0..d).find(|&e| factors[e] == *f) {
                qs.push(qs[e].clone());
                lambdas.push(lambdas[e].clone());
                if all_mirror {
                    mirrors.push(mirrors[e].clone());
                }
                continue;
            }
            if all_mirror {
                if let Some(m) = MirrorFactor::new(f)? {
                    qs.push(m.eigenvectors());
                    lambdas.push(m.eigenvalues());
                    mirrors.push(m);
                    continue;
                }
                all_mirror = false;
            }
            let eig = f
                .self_adjoint_eigen(Side::Lower)
                .map_err(crate::error::eigen_failed("eigendecomposition"))?;
            let s = eig.S();
            lambdas.push((0..f.nrows()).map(|i| s[i]).collect());
            qs.push(eig.U().to_owned());
        }
        let min = min_shifted_product(&lambdas, sigma2);
        if min.is_nan() || min <= 0.0 {
            return Err(GpError::NotPositiveDefinite(format!(
                "eigenvalue {min:e} of ⊗K + σ²I (add noise or jitter)"
            )));
        }
        let q = Kronecker::new(qs)?;
        Ok(Self {
            len: q.rows(),
            q,
            lambdas,
            sigma2,
            spectrum: OnceLock::new(),
            mirror: all_mirror.then(|| MirrorBasis::new(mirrors)),
        })
    }

    /// Whether solves run in the mirror basis of centrosymmetric factors (every
    /// factor centrosymmetric, of even size).
    pub fn uses_mirror_symmetry(&self) -> bool {
        self.mirror.is_some()
    }

    /// The eigenvalues of factor `d`, in the order that [`Self::spectrum`] uses.
    pub fn eigenvalues(&self, d: usize) -> &[f64] {
        &self.lambdas[d]
    }

    /// The (orthonormal) eigenvectors of factor `d` as columns, in the order of
    /// [`Self::eigenvalues`].
    pub fn eigenvectors(&self, d: usize) -> MatRef<'_, f64> {
        self.q.factors()[d].as_ref()
    }

    /// Number of grid points `N`.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether `N = 0` (never).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The eigenvalues of `⊗K_d + σ²I`, in tensor order (built on first use).
    pub fn spectrum(&self) -> &[f64] {
        self.spectrum
            .get_or_init(|| shifted_product_spectrum(&self.lambdas, self.sigma2))
    }

    /// `(⊗K_d + σ²I)⁻¹ y`.
    pub fn solve(&self, y: &[f64]) -> Result<Vec<f64>> {
        self.spectral(y, |a, s| *a /= s)
    }

    /// `(⊗K_d + σ²I) x`.
    pub fn apply(&self, x: &[f64]) -> Result<Vec<f64>> {
        self.spectral(x, |a, s| *a *= s)
    }

    /// `Q op(Λ + σ²) Qᵀ x`: in the mirror basis where there is one, else by
    /// layout-preserving mode products on the whole grid.
    fn spectral(&self, x: &[f64], op: impl Fn(&mut f64, f64) + Sync) -> Result<Vec<f64>> {
        if x.len() != self.len() {
            return Err(invalid("x", x.len(), "must have one entry per grid point"));
        }
        if let Some(mirror) = &self.mirror {
            return Ok(mirror.spectral(x, self.sigma2, &op));
        }
        let q: Vec<MatRef<'_, f64>> = self.q.factors().iter().map(|f| f.as_ref()).collect();
        let lambda: Vec<&[f64]> = self.lambdas.iter().map(|l| l.as_slice()).collect();
        let mut out = x.to_vec();
        with_buffer(x.len(), |tmp| {
            spectral_in_place(
                &q,
                &lambda,
                self.sigma2,
                &op,
                &mut out,
                tmp,
                faer::get_global_parallelism(),
            )
        });
        Ok(out)
    }

    /// `log det(⊗K_d + σ²I) = Σ log(Πλ + σ²)`, summed row by row (rows of the last
    /// dimension, built on the fly) as the logarithm of a product kept in
    /// mantissa–exponent form (one multiplication per eigenvalue instead of a
    /// logarithm, and no cancellation between terms).
    pub fn log_det(&self) -> f64 {
        let (lead, last) = self.lambdas.split_at(self.lambdas.len() - 1);
        let last = &last[0];
        let rows = self.len / last.len();
        let parts: Vec<f64> = (0..rows)
            .into_par_iter()
            .with_min_len(64)
            .map_init(
                || vec![0.0; last.len()],
                |row, r| {
                    let p = lead_product(lead, r);
                    row.iter_mut()
                        .zip(last)
                        .for_each(|(v, &l)| *v = p * l + self.sigma2);
                    sum_of_logs(row)
                },
            )
            .collect();
        parts.iter().sum()
    }
}

/// The smallest `Πλ + σ²` over the tensor grid: a product is multilinear in each
/// factor's eigenvalue, so its extremes sit at the factors' extreme eigenvalues
/// (`2^D` candidates instead of `N`). NaN when an eigenvalue is.
fn min_shifted_product(lambdas: &[Vec<f64>], sigma2: f64) -> f64 {
    let mut extremes = vec![1.0];
    for l in lambdas {
        let lo = l.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = l.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if l.iter().any(|v| v.is_nan()) {
            return f64::NAN;
        }
        extremes = extremes.iter().flat_map(|&p| [p * lo, p * hi]).collect();
    }
    extremes.iter().copied().fold(f64::INFINITY, f64::min) + sigma2
}

/// `Πλ + σ²` over the tensor grid, in row-major order (first factor slowest).
fn shifted_product_spectrum(lambdas: &[Vec<f64>], sigma2: f64) -> Vec<f64> {
    let mut prod = vec![1.0];
    for l in lambdas {
        let mut next = Vec::with_capacity(prod.len() * l.len());
        for &a in &prod {
            next.extend(l.iter().map(|&b| a * b));
        }
        prod = next;
    }
    prod.par_iter_mut().for_each(|s| *s += sigma2);
    prod
}

/// `Σ ln vᵢ` for positive `v`: products of 16 entries are folded into a running
/// mantissa in [1, 2) and a binary exponent; a block whose product leaves the
/// normal range is summed by logarithms instead.
fn sum_of_logs(v: &[f64]) -> f64 {
    const EXP_MASK: u64 = 0x7ff << 52;
    let (mut mant, mut exp) = (1.0_f64, 0_i64);
    let mut direct = 0.0;
    for block in v.chunks(16) {
        let p: f64 = block.iter().product();
        if !p.is_normal() {
            direct += block.iter().map(|x| x.ln()).sum::<f64>();
            continue;
        }
        mant *= p;
        let bits = mant.to_bits();
        exp += ((bits & EXP_MASK) >> 52) as i64 - 1023;
        mant = f64::from_bits((bits & !EXP_MASK) | (1023 << 52));
    }
    mant.ln() + exp as f64 * std::f64::consts::LN_2 + direct
}

/// A Cholesky factorisation `A + jitter·I = LLᵀ` with the jitter it needed.
#[derive(Debug)]
pub struct JitteredCholesky {
    llt: faer::linalg::solvers::Llt<f64>,
    /// The jitter added to the diagonal (0 when none was needed).
    pub jitter: f64,
}

impl JitteredCholesky {
    /// Tries `A`, then `A + εI` with `ε = 1e-12·mean(diag A)` growing tenfold up to
    /// `max_relative_jitter·mean(diag A)`; reports the jitter used, never clamps
    /// silently. Fails with [`GpError::NotPositiveDefinite`] past the largest.
    pub fn new(a: &Mat<f64>, max_relative_jitter: f64) -> Result<Self> {
        let n = a.nrows();
        if n == 0 || a.ncols() != n {
            return Err(invalid(
                "matrix",
                format!("{}x{}", a.nrows(), a.ncols()),
                "must be square, non-empty",
            ));
        }
        if !all_finite(a) {
            return Err(GpError::LinearAlgebra("non-finite matrix entry".into()));
        }
        let mean_diag = (0..n).map(|i| a[(i, i)]).sum::<f64>() / n as f64;
        let mut jitter = 0.0;
        let mut rel = 1e-12;
        loop {
            let m = Mat::from_fn(n, n, |i, j| a[(i, j)] + if i == j { jitter } else { 0.0 });
            if let Ok(llt) = m.llt(Side::Lower) {
                return Ok(Self { llt, jitter });
            }
            if rel > max_relative_jitter {
                return Err(GpError::NotPositiveDefinite(format!(
                    "Cholesky failed with jitter up to {jitter:e} (mean diagonal {mean_diag:e})"
                )));
            }
            jitter = rel * mean_diag.abs().max(f64::MIN_POSITIVE);
            rel *= 10.0;
        }
    }

    /// The factor `L`.
    pub fn l(&self) -> MatRef<'_, f64> {
        self.llt.L()
    }

    /// `(A + jitter·I)⁻¹ b`.
    pub fn solve(&self, b: &[f64]) -> Vec<f64> {
        let mut x = Mat::from_fn(b.len(), 1, |i, _| b[i]);
        self.llt.solve_in_place(x.as_mut());
        (0..b.len()).map(|i| x[(i, 0)]).collect()
    }

    /// `log det(A + jitter·I) = 2 Σ log L_ii`.
    pub fn log_det(&self) -> f64 {
        let l = self.llt.L();
        2.0 * (0..l.nrows()).map(|i| l[(i, i)].ln()).sum::<f64>()
    }
}

fn all_finite(m: &Mat<f64>) -> bool {
    (0..m.ncols()).all(|j| m.col(j).iter().all(|v| v.is_finite()))
}

#[cfg(test)]
mod tests {
    use super::sum_of_logs;

    /// The mantissa–exponent product equals the direct sum of logarithms, also for
    /// entries whose blocks under- or overflow (which fall back to logarithms).
    #[test]
    fn sum_of_logs_matches_direct_sum() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for (lo, hi) in [(-3.0, 3.0), (-300.0, 300.0), (-30.0, -20.0), (250.0, 300.0)] {
            let v: Vec<f64> = (0..10_007)
                .map(|_| 10f64.powf(lo + (hi - lo) * next()))
                .collect();
            let direct: f64 = v.iter().map(|x| x.ln()).sum();
            let ours = sum_of_logs(&v);
            assert!(
                (ours - direct).abs() <= 1e-11 * direct.abs().max(1.0),
                "range 1e{lo}..1e{hi}: {ours} vs {direct}"
            );
        }
    }
}
