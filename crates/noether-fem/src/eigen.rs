//! The lowest eigenpairs of symmetric generalised eigenproblems `K x = λ M x` (`K`
//! semi-definite, `M` SPD) by shifted block inverse (subspace) iteration with
//! Rayleigh–Ritz (Bathe & Wilson 1972; Saad, *Numerical Methods for Large Eigenvalue
//! Problems*, §5.1), with an optional projector that removes a known null space
//! (the gradients of the Maxwell eigenproblem). A block method finds multiple
//! eigenvalues (the cavity's doubles) without special care.
//!
//! ```
//! use faer::sparse::{SparseRowMat, Triplet};
//! use noether_fem::eigen::{lowest_eigenpairs, EigenOptions};
//! // K = diag(1..=40), M = I: the lowest three are 1, 2, 3
//! let n = 40;
//! let k = SparseRowMat::<usize, f64>::try_new_from_triplets(n, n,
//!     &(0..n).map(|i| Triplet::new(i, i, (i + 1) as f64)).collect::<Vec<_>>()).unwrap();
//! let m = SparseRowMat::<usize, f64>::try_new_from_triplets(n, n,
//!     &(0..n).map(|i| Triplet::new(i, i, 1.0)).collect::<Vec<_>>()).unwrap();
//! let pairs = lowest_eigenpairs(&k, &m, &EigenOptions { nev: 3, ..Default::default() }, None).unwrap();
//! assert!((pairs.values[2] - 3.0).abs() < 1e-9);
//! ```

use faer::sparse::SparseRowMat;
use nalgebra::DMatrix;

use crate::direct::{SparseCholesky, add_scaled};
use crate::error::{FemError, Result, invalid};

/// Options of [`lowest_eigenpairs`].
#[derive(Debug, Clone, PartialEq)]
pub struct EigenOptions {
    /// Number of eigenpairs wanted.
    pub nev: usize,
    /// Extra block vectors beyond `nev` (they speed convergence of the last ones).
    pub guard: usize,
    /// Shift `σ`: `K − σM` must be positive definite (σ below the lowest wanted
    /// eigenvalue and below every eigenvalue left in after the projection).
    pub shift: f64,
    /// Relative residual `‖Kx − λMx‖ / ‖Kx‖` (or `/‖Mx‖` when λ ≈ 0) to accept.
    pub tol: f64,
    /// Maximum block iterations.
    pub max_iters: usize,
    /// Seed of the random starting block.
    pub seed: u64,
}

impl Default for EigenOptions {
    fn default() -> Self {
        Self {
            nev: 6,
            guard: 8,
            shift: -1.0,
            tol: 1e-10,
            max_iters: 300,
            seed: 7,
        }
    }
}

/// A projector applied in place (onto the complement of a known null space).
pub type Projector<'a> = &'a dyn Fn(&mut [f64]);

/// Converged eigenpairs, ascending.
#[derive(Debug, Clone, PartialEq)]
pub struct EigenPairs {
    /// Eigenvalues.
    pub values: Vec<f64>,
    /// M-orthonormal eigenvectors.
    pub vectors: Vec<Vec<f64>>,
    /// Relative residuals.
    pub residuals: Vec<f64>,
    /// Block iterations used.
    pub iterations: usize,
}

/// `A x`.
pub(crate) fn apply(a: &SparseRowMat<usize, f64>, x: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; a.nrows()];
    <SparseRowMat<usize, f64> as noether_core::operator::LinearOperator<Vec<f64>>>::apply(
        a,
        &x.to_vec(),
        &mut y,
    );
    y
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The `nev` lowest eigenpairs of `K x = λ M x`, restricted to the range of
/// `project` when given (a projector applied after every solve, e.g. the
/// M-orthogonal complement of a null space). Fails when `K − σM` is not positive
/// definite ([`FemError::Solver`]), or when the iteration does not converge.
pub fn lowest_eigenpairs(
    k: &SparseRowMat<usize, f64>,
    m: &SparseRowMat<usize, f64>,
    opts: &EigenOptions,
    project: Option<Projector>,
) -> Result<EigenPairs> {
    let n = k.nrows();
    if k.ncols() != n || m.nrows() != n || m.ncols() != n {
        return Err(invalid(
            "matrices",
            format!("{n}"),
            "K and M must be square of one size",
        ));
    }
    let p = (opts.nev + opts.guard).min(n);
    if opts.nev == 0 || opts.nev > n {
        return Err(invalid("nev", opts.nev, "must be in 1..=n"));
    }
    // A = K − σM
    let shifted = add_scaled(k, m, -opts.shift)?;
    let chol = SparseCholesky::new(&shifted)
        .map_err(|e| FemError::Solver(format!("K − σM with σ = {}: {e}", opts.shift)))?;
    let mut state = opts.seed.wrapping_add(0x9E3779B97F4A7C15);
    let mut rand = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut x: Vec<Vec<f64>> = (0..p).map(|_| (0..n).map(|_| rand()).collect()).collect();
    let mut values = vec![0.0; p];
    let mut residuals = vec![f64::INFINITY; p];
    for iter in 1..=opts.max_iters {
        // Y = A⁻¹ M X, projected
        let mut y = Vec::with_capacity(p);
        for xi in &x {
            let mut yi = chol.solve(&apply(m, xi))?;
            if let Some(pr) = project {
                pr(&mut yi);
            }
            y.push(yi);
        }
        // Rayleigh–Ritz on span(Y)
        let ky: Vec<Vec<f64>> = y.iter().map(|v| apply(k, v)).collect();
        let my: Vec<Vec<f64>> = y.iter().map(|v| apply(m, v)).collect();
        let kp = DMatrix::from_fn(p, p, |i, j| 0.5 * (dot(&y[i], &ky[j]) + dot(&y[j], &ky[i])));
        let mp = DMatrix::from_fn(p, p, |i, j| 0.5 * (dot(&y[i], &my[j]) + dot(&y[j], &my[i])));
        let (theta, coeffs) = generalized_dense(&kp, &mp)?;
        let combine = |vs: &[Vec<f64>], j: usize| -> Vec<f64> {
            let mut out = vec![0.0; n];
            for (i, v) in vs.iter().enumerate() {
                let c = coeffs[(i, j)];
                out.iter_mut().zip(v).for_each(|(o, a)| *o += c * a);
            }
            out
        };
        let mut converged = 0;
        for j in 0..p {
            let xj = combine(&y, j);
            if j < opts.nev {
                let (kx, mx) = (combine(&ky, j), combine(&my, j));
                let r: f64 = kx
                    .iter()
                    .zip(&mx)
                    .map(|(a, b)| (a - theta[j] * b).powi(2))
                    .sum::<f64>()
                    .sqrt();
                let scale = dot(&kx, &kx)
                    .sqrt()
                    .max(dot(&mx, &mx).sqrt() * theta[j].abs())
                    .max(1e-300);
                residuals[j] = r / scale;
                if residuals[j] < opts.tol {
                    converged += 1;
                }
            }
            x[j] = xj;
            values[j] = theta[j];
        }
        if converged == opts.nev {
            return Ok(EigenPairs {
                values: values[..opts.nev].to_vec(),
                vectors: x[..opts.nev].to_vec(),
                residuals: residuals[..opts.nev].to_vec(),
                iterations: iter,
            });
        }
    }
    Err(FemError::Solver(format!(
        "subspace iteration: {} of {} eigenpairs converged to {} in {} iterations (residuals {:?})",
        residuals
            .iter()
            .take(opts.nev)
            .filter(|r| **r < opts.tol)
            .count(),
        opts.nev,
        opts.tol,
        opts.max_iters,
        &residuals[..opts.nev]
    )))
}

/// Eigenvalues (ascending) and M-orthonormal eigenvectors (columns) of the dense
/// pencil `(K, M)`, `M` SPD, by Cholesky reduction.
pub fn generalized_dense(k: &DMatrix<f64>, m: &DMatrix<f64>) -> Result<(Vec<f64>, DMatrix<f64>)> {
    let chol = m.clone().cholesky().ok_or_else(|| {
        FemError::Solver(
            "Rayleigh–Ritz: mass matrix not positive definite (block lost rank)".into(),
        )
    })?;
    let l = chol.l();
    let linv = l
        .clone()
        .try_inverse()
        .ok_or_else(|| FemError::Solver("Rayleigh–Ritz: singular Cholesky factor".into()))?;
    let c = &linv * k * linv.transpose();
    let c = (&c + c.transpose()) * 0.5;
    let size = c.nrows();
    let eig = c.symmetric_eigen();
    let mut order: Vec<usize> = (0..eig.eigenvalues.len()).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[a].total_cmp(&eig.eigenvalues[b]));
    let vals = order.iter().map(|&i| eig.eigenvalues[i]).collect();
    let vecs = linv.transpose()
        * DMatrix::from_fn(size, order.len(), |r, j| eig.eigenvectors[(r, order[j])]);
    Ok((vals, vecs))
}
