//! GP regression for large scattered data without factorising: the kernel matrix
//! applied matrix-free (rows evaluated on the fly in parallel, memory O(N)), the
//! representer weights by CG from noether-core, and `log det(K + σ²I)` by stochastic
//! Lanczos quadrature (Ubaru, Chen & Saad, SIAM J. Matrix Anal. Appl. 2017): for
//! Rademacher probes `z`, `zᵀ log(A) z ≈ ‖z‖² Σ_k τ_k² log θ_k` from the Ritz values
//! `θ_k` and first eigenvector components `τ_k` of the Lanczos tridiagonal.
//!
//! ```
//! use noether_gp::iterative::{slq_log_det, SlqOptions};
//! use noether_core::operator::Diagonal;
//! // log det diag(1..=50) = ln 50!
//! let d: Vec<f64> = (1..=50).map(|i| i as f64).collect();
//! let exact: f64 = d.iter().map(|v| v.ln()).sum();
//! let est = slq_log_det(&Diagonal::new(d), &SlqOptions { probes: 64, steps: 30, seed: 1 }).unwrap();
//! assert!((est.value - exact).abs() < 4.0 * est.std_error + 1e-9);
//! ```

use faer::{Mat, Side};
use noether_core::LinearOperator;
use noether_core::krylov::{KrylovOptions, cg};
use rayon::prelude::*;

use crate::error::{GpError, Result, invalid};
use crate::kernel::Kernel1d;

/// Options of [`slq_log_det`].
#[derive(Debug, Clone, PartialEq)]
pub struct SlqOptions {
    /// Number of Rademacher probes.
    pub probes: usize,
    /// Lanczos steps per probe (quadrature nodes).
    pub steps: usize,
    /// Seed of the probes.
    pub seed: u64,
}

impl Default for SlqOptions {
    fn default() -> Self {
        Self {
            probes: 30,
            steps: 40,
            seed: 0,
        }
    }
}

/// A stochastic estimate with its standard error over probes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The mean over probes.
    pub value: f64,
    /// The standard error of the mean.
    pub std_error: f64,
}

/// `log det A` of a symmetric positive definite operator by stochastic Lanczos
/// quadrature (full re-orthogonalisation). Fails on a non-positive Ritz value (`A`
/// not SPD) or a zero operator size.
pub fn slq_log_det(a: &dyn LinearOperator<Vec<f64>>, opts: &SlqOptions) -> Result<Estimate> {
    let n = a.nrows();
    if n == 0 || a.ncols() != n || opts.probes == 0 || opts.steps == 0 {
        return Err(invalid(
            "slq",
            n,
            "square non-empty operator, probes and steps ≥ 1",
        ));
    }
    let mut state = opts
        .seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(1);
    let mut samples = Vec::with_capacity(opts.probes);
    for _ in 0..opts.probes {
        let z: Vec<f64> = (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                if state & 1 == 0 { 1.0 } else { -1.0 }
            })
            .collect();
        let norm2 = n as f64;
        let (alpha, beta) = lanczos(a, &z, opts.steps.min(n))?;
        let m = alpha.len();
        let t = Mat::from_fn(m, m, |i, j| {
            if i == j {
                alpha[i]
            } else if i + 1 == j {
                beta[i]
            } else if j + 1 == i {
                beta[j]
            } else {
                0.0
            }
        });
        let eig = t
            .self_adjoint_eigen(Side::Lower)
            .map_err(crate::error::eigen_failed("tridiagonal eigen"))?;
        let mut s = 0.0;
        for k in 0..m {
            let theta = eig.S()[k];
            if theta.is_nan() || theta <= 0.0 {
                return Err(GpError::NotPositiveDefinite(format!(
                    "Ritz value {theta:e}"
                )));
            }
            let tau = eig.U()[(0, k)];
            s += tau * tau * theta.ln();
        }
        samples.push(norm2 * s);
    }
    let p = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / p;
    let var = if samples.len() > 1 {
        samples.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (p - 1.0)
    } else {
        0.0
    };
    Ok(Estimate {
        value: mean,
        std_error: (var / p).sqrt(),
    })
}

/// `m` Lanczos steps from `z` (normalised) with full re-orthogonalisation: the
/// diagonal `α` and off-diagonal `β` of the tridiagonal (shorter on breakdown).
fn lanczos(a: &dyn LinearOperator<Vec<f64>>, z: &[f64], m: usize) -> Result<(Vec<f64>, Vec<f64>)> {
    let n = z.len();
    let norm = z.iter().map(|v| v * v).sum::<f64>().sqrt();
    let mut q: Vec<Vec<f64>> = vec![z.iter().map(|v| v / norm).collect()];
    let (mut alpha, mut beta) = (Vec::new(), Vec::new());
    let mut w = vec![0.0; n];
    for k in 0..m {
        a.apply(&q[k], &mut w);
        if w.iter().any(|v| !v.is_finite()) {
            return Err(GpError::LinearAlgebra(
                "non-finite operator product in Lanczos".into(),
            ));
        }
        let ak: f64 = w.iter().zip(&q[k]).map(|(x, y)| x * y).sum();
        alpha.push(ak);
        // full re-orthogonalisation (twice)
        for _ in 0..2 {
            for qi in &q {
                let c: f64 = w.iter().zip(qi).map(|(x, y)| x * y).sum();
                w.iter_mut().zip(qi).for_each(|(x, y)| *x -= c * y);
            }
        }
        let b = w.iter().map(|v| v * v).sum::<f64>().sqrt();
        if k + 1 == m || b <= 1e-12 * ak.abs().max(1e-300) {
            break;
        }
        beta.push(b);
        q.push(w.iter().map(|v| v / b).collect());
    }
    beta.truncate(alpha.len().saturating_sub(1));
    Ok((alpha, beta))
}

/// The matrix-free kernel operator `(K + σ²I) v` on scattered points, rows evaluated
/// in parallel on every application.
#[derive(Debug, Clone)]
pub struct KernelOperator<K> {
    x: Vec<f64>,
    dim: usize,
    kernels: Vec<K>,
    sigma2: f64,
}

impl<K: Kernel1d> KernelOperator<K> {
    /// The operator of the product kernel on the points `x` (`dim` coordinates each)
    /// plus `σ²I`.
    pub fn new(x: &[f64], dim: usize, kernels: Vec<K>, sigma2: f64) -> Result<Self> {
        if dim == 0 || kernels.len() != dim || x.is_empty() || !x.len().is_multiple_of(dim) {
            return Err(invalid(
                "x",
                x.len(),
                "dim coordinates per point, one kernel per dimension",
            ));
        }
        if !(sigma2 >= 0.0 && sigma2.is_finite()) || x.iter().any(|v| !v.is_finite()) {
            return Err(invalid("data", sigma2, "finite points and σ² ≥ 0"));
        }
        Ok(Self {
            x: x.to_vec(),
            dim,
            kernels,
            sigma2,
        })
    }

    fn k(&self, i: usize, j: usize) -> f64 {
        let (a, b) = (
            &self.x[i * self.dim..(i + 1) * self.dim],
            &self.x[j * self.dim..(j + 1) * self.dim],
        );
        self.kernels
            .iter()
            .enumerate()
            .map(|(d, k)| k.value(a[d] - b[d]))
            .product()
    }
}

impl<K: Kernel1d> LinearOperator<Vec<f64>> for KernelOperator<K> {
    fn nrows(&self) -> usize {
        self.x.len() / self.dim
    }
    fn ncols(&self) -> usize {
        self.nrows()
    }
    fn apply(&self, v: &Vec<f64>, y: &mut Vec<f64>) {
        let n = self.nrows();
        y.par_iter_mut().enumerate().for_each(|(i, yi)| {
            *yi = (0..n).map(|j| self.k(i, j) * v[j]).sum::<f64>() + self.sigma2 * v[i];
        });
    }
}

/// The preconditioner `P = LLᵀ + σ²I` from a rank-`r` pivoted Cholesky factor `L`
/// of the kernel matrix (Harbrecht, Peters & Schneider 2012; Gardner et al. 2018),
/// applied as `P⁻¹v = (v − L(σ²I + LᵀL)⁻¹Lᵀv)/σ²` (Woodbury).
#[derive(Debug)]
pub struct PivotedCholeskyPreconditioner {
    l: Mat<f64>,
    sigma2: f64,
    inner: crate::kron::JitteredCholesky,
}

impl PivotedCholeskyPreconditioner {
    /// Greedy pivoted Cholesky of the kernel matrix of `op` (without its noise) to
    /// rank `rank` (or until the remaining diagonal falls below 1e-12 of its
    /// start), `O(N r²)` plus `N r` kernel evaluations. Needs `σ² > 0`.
    pub fn new<K: Kernel1d>(op: &KernelOperator<K>, rank: usize) -> Result<Self> {
        if op.sigma2.is_nan() || op.sigma2 <= 0.0 {
            return Err(invalid(
                "sigma2",
                op.sigma2,
                "the preconditioner needs noise",
            ));
        }
        let n = op.nrows();
        let rank = rank.min(n);
        let mut diag: Vec<f64> = (0..n).map(|i| op.k(i, i)).collect();
        let start = diag.iter().cloned().fold(0.0, f64::max);
        let mut cols: Vec<Vec<f64>> = Vec::with_capacity(rank);
        for _ in 0..rank {
            let (piv, &dmax) = diag
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .ok_or_else(|| invalid("n", 0, "empty operator"))?;
            if dmax <= 1e-12 * start {
                break;
            }
            let s = dmax.sqrt();
            let col: Vec<f64> = (0..n)
                .into_par_iter()
                .map(|j| (op.k(j, piv) - cols.iter().map(|c| c[j] * c[piv]).sum::<f64>()) / s)
                .collect();
            for (d, v) in diag.iter_mut().zip(&col) {
                *d -= v * v;
            }
            cols.push(col);
        }
        let r = cols.len();
        let l = Mat::from_fn(n, r, |i, k| cols[k][i]);
        let inner_m = Mat::from_fn(r, r, |a, b| {
            (0..n).map(|i| l[(i, a)] * l[(i, b)]).sum::<f64>()
                + if a == b { op.sigma2 } else { 0.0 }
        });
        let inner = crate::kron::JitteredCholesky::new(&inner_m, 0.0)?;
        Ok(Self {
            l,
            sigma2: op.sigma2,
            inner,
        })
    }

    /// The rank reached.
    pub fn rank(&self) -> usize {
        self.l.ncols()
    }
}

impl LinearOperator<Vec<f64>> for PivotedCholeskyPreconditioner {
    fn nrows(&self) -> usize {
        self.l.nrows()
    }
    fn ncols(&self) -> usize {
        self.l.nrows()
    }
    fn apply(&self, v: &Vec<f64>, y: &mut Vec<f64>) {
        let (n, r) = (self.l.nrows(), self.l.ncols());
        let ltv: Vec<f64> = (0..r)
            .map(|k| (0..n).map(|i| self.l[(i, k)] * v[i]).sum())
            .collect();
        let w = self.inner.solve(&ltv);
        for i in 0..n {
            let lw: f64 = (0..r).map(|k| self.l[(i, k)] * w[k]).sum();
            y[i] = (v[i] - lw) / self.sigma2;
        }
    }
}

/// A GP fitted iteratively: representer weights by CG, the log marginal likelihood
/// with its log-determinant from stochastic Lanczos quadrature.
#[derive(Debug, Clone)]
pub struct IterativeGp<K> {
    op: KernelOperator<K>,
    y: Vec<f64>,
    alpha: Vec<f64>,
    /// CG iterations used.
    pub cg_iterations: usize,
}

impl<K: Kernel1d + Clone> IterativeGp<K> {
    /// Solves `(K + σ²I)α = y` by CG to relative residual `rtol`.
    pub fn fit(
        x: &[f64],
        dim: usize,
        kernels: Vec<K>,
        sigma2: f64,
        y: &[f64],
        rtol: f64,
    ) -> Result<Self> {
        Self::fit_preconditioned(x, dim, kernels, sigma2, y, rtol, 0)
    }

    /// As [`Self::fit`], with CG preconditioned by a rank-`rank` pivoted Cholesky
    /// factor ([`PivotedCholeskyPreconditioner`]; none when `rank = 0`).
    pub fn fit_preconditioned(
        x: &[f64],
        dim: usize,
        kernels: Vec<K>,
        sigma2: f64,
        y: &[f64],
        rtol: f64,
        rank: usize,
    ) -> Result<Self> {
        let op = KernelOperator::new(x, dim, kernels, sigma2)?;
        if y.len() != op.nrows() || y.iter().any(|v| !v.is_finite()) {
            return Err(invalid("y", y.len(), "one finite value per point"));
        }
        let mut alpha = vec![0.0; y.len()];
        let pre = if rank > 0 {
            Some(PivotedCholeskyPreconditioner::new(&op, rank)?)
        } else {
            None
        };
        let rep = cg(
            &op,
            &y.to_vec(),
            &mut alpha,
            pre.as_ref().map(|p| p as &dyn LinearOperator<Vec<f64>>),
            &KrylovOptions {
                rtol,
                max_iters: 20 * y.len().max(50),
                ..Default::default()
            },
        )?;
        Ok(Self {
            op,
            y: y.to_vec(),
            alpha,
            cg_iterations: rep.iterations,
        })
    }

    /// The representer weights `α = (K + σ²I)⁻¹y`.
    pub fn alpha(&self) -> &[f64] {
        &self.alpha
    }

    /// `log p(y) ≈ −½yᵀα − ½ log det (SLQ) − (N/2) log 2π`, with the standard error
    /// of the stochastic part.
    pub fn log_marginal_likelihood(&self, opts: &SlqOptions) -> Result<Estimate> {
        let ld = slq_log_det(&self.op, opts)?;
        let n = self.y.len() as f64;
        let fit: f64 = self.y.iter().zip(&self.alpha).map(|(a, b)| a * b).sum();
        Ok(Estimate {
            value: -0.5 * fit - 0.5 * ld.value - 0.5 * n * (2.0 * std::f64::consts::PI).ln(),
            std_error: 0.5 * ld.std_error,
        })
    }

    /// Predictive mean at `points`: `k(x*, X) α`.
    pub fn predict_mean(&self, points: &[f64]) -> Result<Vec<f64>> {
        let dim = self.op.dim;
        if !points.len().is_multiple_of(dim) {
            return Err(invalid("points", points.len(), "dim coordinates per point"));
        }
        let n = self.op.nrows();
        Ok(points
            .par_chunks(dim)
            .map(|p| {
                (0..n)
                    .map(|j| {
                        let b = &self.op.x[j * dim..(j + 1) * dim];
                        self.op
                            .kernels
                            .iter()
                            .enumerate()
                            .map(|(d, k)| k.value(p[d] - b[d]))
                            .product::<f64>()
                            * self.alpha[j]
                    })
                    .sum()
            })
            .collect())
    }
}
