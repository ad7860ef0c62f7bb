//! Lanczos iteration for the extreme eigenvalues of a symmetric operator.

use faer::{Mat, Side};

use crate::error::{CoreError, Result};
use crate::operator::{LinearOperator, require_square};
use crate::real::Real;
use crate::space::Space;

/// Options of [`lanczos_extremes`].
#[derive(Debug, Clone, PartialEq)]
pub struct LanczosOptions {
    /// Maximum Krylov dimension.
    pub max_iters: usize,
    /// Stop when both extreme Ritz values have residual bound
    /// `|β_k s_{k,i}| ≤ tol·max(|λ_min|, |λ_max|)`.
    pub tol: f64,
}

impl Default for LanczosOptions {
    fn default() -> Self {
        Self {
            max_iters: 300,
            tol: 1e-8,
        }
    }
}

/// Extreme Ritz values of a symmetric operator and their error bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct LanczosReport {
    /// Smallest Ritz value (approximates `λ_min` from above).
    pub min: f64,
    /// Largest Ritz value (approximates `λ_max` from below).
    pub max: f64,
    /// Residual bound `‖A y − θ y‖` of the smallest Ritz pair.
    pub min_residual: f64,
    /// Residual bound of the largest Ritz pair.
    pub max_residual: f64,
    /// Lanczos steps taken (dimension of the Krylov space).
    pub iterations: usize,
}

/// Estimates the smallest and largest eigenvalues of a symmetric operator by the
/// Lanczos process with full re-orthogonalisation, started from `v0` (any nonzero
/// vector; a random one avoids missing eigenvectors orthogonal to it).
///
/// The Ritz residual bound `|β_k s_{k,i}|` bounds the distance from each Ritz value
/// to an eigenvalue. The iteration ends when both bounds reach `tol` relative to the
/// spectral radius estimate, or the Krylov space is exhausted (invariant subspace).
///
/// Errors: [`CoreError::InvalidArgument`] for a zero start vector or zero
/// `max_iters`; [`CoreError::NonFinite`]; [`CoreError::NotConverged`] when the bounds
/// are not reached in `max_iters` steps.
///
/// ```
/// use noether_core::krylov::{lanczos_extremes, LanczosOptions};
/// use noether_core::operator::Laplacian2d;
///
/// let a = Laplacian2d::new(30, 30).unwrap();
/// let v0: Vec<f64> = (0..900).map(|i| ((i * 7919) % 101) as f64 / 101.0 + 0.1).collect();
/// let r = lanczos_extremes(&a, &v0, &LanczosOptions::default()).unwrap();
/// let (lo, hi) = a.eigenvalue_bounds();
/// assert!((r.max - hi).abs() / hi < 1e-6);
/// assert!((r.min - lo).abs() / lo < 1e-6);
/// ```
pub fn lanczos_extremes<V, A>(a: &A, v0: &V, opts: &LanczosOptions) -> Result<LanczosReport>
where
    V: Space,
    A: LinearOperator<V> + ?Sized,
{
    let n = require_square(a, "Lanczos")?;
    if v0.len() != n {
        return Err(CoreError::DimensionMismatch {
            context: "Lanczos start vector length",
            expected: n,
            got: v0.len(),
        });
    }
    if opts.max_iters == 0 {
        return Err(CoreError::InvalidArgument {
            name: "max_iters",
            value: "0".into(),
            reason: "at least one Lanczos step is needed",
        });
    }
    let nrm = v0.norm2().as_f64();
    if !nrm.is_finite() {
        return Err(CoreError::NonFinite {
            context: "Lanczos start vector",
        });
    }
    if nrm == 0.0 {
        return Err(CoreError::InvalidArgument {
            name: "v0",
            value: "0".into(),
            reason: "start vector must be nonzero",
        });
    }
    let sc = V::Scalar::of_f64;
    let kmax = opts.max_iters.min(n);
    let mut basis: Vec<V> = Vec::with_capacity(kmax + 1);
    let mut v = v0.clone();
    v.scale(sc(1.0 / nrm));
    basis.push(v);
    let mut alphas: Vec<f64> = Vec::with_capacity(kmax);
    let mut betas: Vec<f64> = Vec::with_capacity(kmax);
    let mut w = v0.zeros_like();
    let mut last = None;
    for k in 0..kmax {
        a.apply(&basis[k], &mut w);
        let alpha = w.dot(&basis[k]).as_f64();
        // Full re-orthogonalisation (two passes of classical Gram–Schmidt).
        for _ in 0..2 {
            for vi in &basis {
                let c = w.dot(vi).as_f64();
                w.axpy(sc(-c), vi);
            }
        }
        let beta = w.norm2().as_f64();
        if !(alpha.is_finite() && beta.is_finite()) {
            return Err(CoreError::NonFinite {
                context: "Lanczos recurrence",
            });
        }
        alphas.push(alpha);
        betas.push(beta);
        let steps = k + 1;
        let exhausted = steps == kmax || beta <= 1e-14 * alpha.abs().max(f64::MIN_POSITIVE);
        if steps % 5 == 0 || exhausted {
            let rep = ritz_extremes(&alphas, &betas)?;
            let scale = rep.min.abs().max(rep.max.abs()).max(f64::MIN_POSITIVE);
            let done = rep.min_residual <= opts.tol * scale && rep.max_residual <= opts.tol * scale;
            if done || exhausted {
                if done || beta <= 1e-14 * scale || steps == n {
                    return Ok(rep);
                }
                last = Some(rep);
                break;
            }
        }
        let mut next = w.clone();
        next.scale(sc(1.0 / beta));
        basis.push(next);
    }
    let rep = match last {
        Some(r) => r,
        None => ritz_extremes(&alphas, &betas)?,
    };
    let scale = rep.min.abs().max(rep.max.abs()).max(f64::MIN_POSITIVE);
    Err(CoreError::NotConverged {
        method: "Lanczos",
        iterations: rep.iterations,
        residual: rep.min_residual.max(rep.max_residual) / scale,
        tolerance: opts.tol,
    })
}

/// Extreme eigenpairs of the Lanczos tridiagonal matrix with their residual bounds.
fn ritz_extremes(alphas: &[f64], betas: &[f64]) -> Result<LanczosReport> {
    let k = alphas.len();
    let t = Mat::from_fn(k, k, |i, j| {
        if i == j {
            alphas[i]
        } else if i == j + 1 {
            betas[j]
        } else if j == i + 1 {
            betas[i]
        } else {
            0.0
        }
    });
    let evd = t
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| CoreError::NonFinite {
            context: "Lanczos tridiagonal eigenproblem",
        })?;
    let s = evd.S();
    let u = evd.U();
    let beta_k = betas[k - 1];
    Ok(LanczosReport {
        min: s[0],
        max: s[k - 1],
        min_residual: (beta_k * u[(k - 1, 0)]).abs(),
        max_residual: (beta_k * u[(k - 1, k - 1)]).abs(),
        iterations: k,
    })
}
