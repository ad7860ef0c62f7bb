//! Exact GP regression on a tensor grid with a product kernel
//! `k(x, x') = Π_d k_d(x_d, x'_d)` and Gaussian noise: `K = ⊗_d K_d + σ²I`,
//! factorised by [`KroneckerEigen`]. Log marginal likelihood with its analytic
//! gradient in every kernel parameter and in `log σ²`, predictive mean and variance
//! on another grid, all in `O(Σ n_d³ + N Σ n_d)` (Saatçi 2011, ch. 5; Wilson et
//! al. 2014).
//!
//! ```
//! use noether_gp::grid::GridGp;
//! use noether_gp::kernel::SquaredExponential;
//! let x: Vec<f64> = (0..20).map(|i| i as f64 / 19.0).collect();
//! let grid = vec![x.clone(), x.clone()];
//! let y: Vec<f64> = x.iter().flat_map(|a| x.iter().map(move |b| (3.0 * a).sin() * b)).collect();
//! let k = vec![SquaredExponential::new(1.0, 0.3).unwrap(), SquaredExponential::new(1.0, 0.3).unwrap()];
//! let gp = GridGp::fit(grid.clone(), k, 1e-4, &y).unwrap();
//! let (mean, var) = gp.predict(&grid).unwrap();
//! assert!(mean.iter().zip(&y).all(|(m, t)| (m - t).abs() < 1e-2));
//! assert!(var.iter().all(|v| *v >= 0.0 && *v < 1e-3));
//! ```

use faer::Mat;

use crate::adam::Adam;
use crate::error::{Result, invalid};
use crate::kernel::Kernel1d;
use crate::kron::{Kronecker, KroneckerEigen};

/// A GP fitted to data on a tensor grid.
#[derive(Debug, Clone)]
pub struct GridGp<K> {
    grid: Vec<Vec<f64>>,
    kernels: Vec<K>,
    sigma2: f64,
    y: Vec<f64>,
    gram: KroneckerEigen,
    /// Per dimension, the Gram matrix `K_d`.
    factors: Vec<Mat<f64>>,
    /// Per dimension, the eigenvectors `Q_d` and eigenvalues `λ_d` of `K_d`.
    eig: Vec<(Mat<f64>, Vec<f64>)>,
    alpha: Vec<f64>,
}

fn gram<K: Kernel1d>(k: &K, a: &[f64], b: &[f64], order: usize) -> Mat<f64> {
    Mat::from_fn(a.len(), b.len(), |i, j| k.derivatives(a[i] - b[j])[order])
}

impl<K: Kernel1d + Clone> GridGp<K> {
    /// Fits to observations `y` (row-major over the grid, first axis slowest) with
    /// noise variance `σ² > 0`. Fails on size mismatches, non-finite data or a
    /// kernel whose Gram matrices are not positive semi-definite.
    pub fn fit(grid: Vec<Vec<f64>>, kernels: Vec<K>, sigma2: f64, y: &[f64]) -> Result<Self> {
        if grid.is_empty() || grid.len() != kernels.len() || grid.iter().any(|g| g.is_empty()) {
            return Err(invalid("grid", grid.len(), "one non-empty axis per kernel"));
        }
        if !(sigma2 > 0.0 && sigma2.is_finite()) {
            return Err(invalid("sigma2", sigma2, "must be positive"));
        }
        let n: usize = grid.iter().map(|g| g.len()).product();
        if y.len() != n || y.iter().any(|v| !v.is_finite()) {
            return Err(invalid("y", y.len(), "one finite value per grid point"));
        }
        let factors: Vec<Mat<f64>> = grid
            .iter()
            .zip(&kernels)
            .map(|(g, k)| gram(k, g, g, 0))
            .collect();
        let gram = KroneckerEigen::new(&factors, sigma2)?;
        // the eigenpairs in the order of the spectrum
        let eig = (0..factors.len())
            .map(|d| {
                (
                    gram.eigenvectors(d).to_owned(),
                    gram.eigenvalues(d).to_vec(),
                )
            })
            .collect();
        let alpha = gram.solve(y)?;
        Ok(Self {
            grid,
            kernels,
            sigma2,
            y: y.to_vec(),
            gram,
            factors,
            eig,
            alpha,
        })
    }

    /// `log p(y) = −½ yᵀK⁻¹y − ½ log|K| − (N/2) log 2π`.
    pub fn log_marginal_likelihood(&self) -> f64 {
        let n = self.y.len() as f64;
        let fit: f64 = self.y.iter().zip(&self.alpha).map(|(a, b)| a * b).sum();
        -0.5 * fit - 0.5 * self.gram.log_det() - 0.5 * n * (2.0 * std::f64::consts::PI).ln()
    }

    /// The gradient of [`Self::log_marginal_likelihood`]: for each dimension its
    /// kernel's parameters in order, then `log σ²`. Uses
    /// `∂L/∂θ = ½ αᵀ(∂K)α − ½ tr(K⁻¹∂K)` with `∂K = K_1 ⊗ … ⊗ ∂K_d ⊗ … ⊗ K_D`,
    /// the trace from the eigenbasis:
    /// `Σ_j (Π_{e≠d} λ_{e,j_e}) (Q_dᵀ ∂K_d Q_d)_{j_d j_d} / s_j`.
    #[allow(clippy::needless_range_loop)] // p indexes the parameter inside each gradient
    pub fn log_marginal_likelihood_gradient(&self) -> Result<Vec<f64>> {
        let dims: Vec<usize> = self.grid.iter().map(|g| g.len()).collect();
        let big_d = dims.len();
        let spectrum = self.gram.spectrum();
        let mut grad = Vec::new();
        for d in 0..big_d {
            let g = &self.grid[d];
            let nd = g.len();
            let pg: Vec<Vec<[f64; 4]>> = (0..nd * nd)
                .map(|ij| self.kernels[d].param_gradients(g[ij / nd] - g[ij % nd]))
                .collect();
            let np = self.kernels[d].n_params();
            for p in 0..np {
                let dk = Mat::from_fn(nd, nd, |i, j| pg[i * nd + j][p][0]);
                // αᵀ (K_1 ⊗ … ⊗ ∂K_d ⊗ … ⊗ K_D) α
                let factors: Vec<Mat<f64>> = (0..big_d)
                    .map(|e| {
                        if e == d {
                            dk.clone()
                        } else {
                            self.factors[e].clone()
                        }
                    })
                    .collect();
                let dka = Kronecker::new(factors)?.apply_vec(&self.alpha)?;
                let quad: f64 = self.alpha.iter().zip(&dka).map(|(a, b)| a * b).sum();
                // diag(Q_dᵀ ∂K_d Q_d)
                let q = &self.eig[d].0;
                let qdq: Vec<f64> = (0..nd)
                    .map(|j| {
                        (0..nd)
                            .map(|a| {
                                (0..nd)
                                    .map(|b| q[(a, j)] * dk[(a, b)] * q[(b, j)])
                                    .sum::<f64>()
                            })
                            .sum()
                    })
                    .collect();
                let mut trace = 0.0;
                for (idx, s) in spectrum.iter().enumerate() {
                    // multi-index of idx, row-major
                    let mut rest = idx;
                    let mut others = 1.0;
                    let mut jd = 0;
                    for e in (0..big_d).rev() {
                        let je = rest % dims[e];
                        rest /= dims[e];
                        if e == d {
                            jd = je;
                        } else {
                            others *= self.eig[e].1[je];
                        }
                    }
                    trace += others * qdq[jd] / s;
                }
                grad.push(0.5 * quad - 0.5 * trace);
            }
        }
        // log σ²: ∂K = σ² I
        let quad: f64 = self.alpha.iter().map(|a| a * a).sum();
        let trace: f64 = spectrum.iter().map(|s| 1.0 / s).sum();
        grad.push(0.5 * self.sigma2 * (quad - trace));
        Ok(grad)
    }

    /// Predictive mean and variance of the latent function on the tensor grid
    /// `test` (row-major): `μ = (⊗K_{*d}) α`,
    /// `v = Π k_d(0) − (⊗ (K_{*d}Q_d)^{∘2}) s⁻¹`.
    pub fn predict(&self, test: &[Vec<f64>]) -> Result<(Vec<f64>, Vec<f64>)> {
        if test.len() != self.grid.len() {
            return Err(invalid("test", test.len(), "one axis per dimension"));
        }
        let cross: Vec<Mat<f64>> = test
            .iter()
            .zip(&self.grid)
            .zip(&self.kernels)
            .map(|((t, g), k)| gram(k, t, g, 0))
            .collect();
        let mean = Kronecker::new(cross.clone())?.apply_vec(&self.alpha)?;
        let squares: Vec<Mat<f64>> = cross
            .iter()
            .zip(&self.eig)
            .map(|(c, (q, _))| {
                let w = c * q;
                Mat::from_fn(w.nrows(), w.ncols(), |i, j| w[(i, j)] * w[(i, j)])
            })
            .collect();
        let inv_s: Vec<f64> = self.gram.spectrum().iter().map(|s| 1.0 / s).collect();
        let reduction = Kronecker::new(squares)?.apply_vec(&inv_s)?;
        let prior: f64 = self.kernels.iter().map(|k| k.value(0.0)).product();
        let var = reduction.iter().map(|r| (prior - r).max(0.0)).collect();
        Ok((mean, var))
    }

    /// The kernels.
    pub fn kernels(&self) -> &[K] {
        &self.kernels
    }

    /// The noise variance.
    pub fn sigma2(&self) -> f64 {
        self.sigma2
    }
}

/// Maximises the log marginal likelihood over all kernel parameters and `log σ²`
/// by Adam with learning rate `lr` for `steps` steps (analytic gradients), from the
/// given starting point; returns the fitted GP.
pub fn learn_hyperparameters<K: Kernel1d + Clone>(
    grid: Vec<Vec<f64>>,
    mut kernels: Vec<K>,
    mut sigma2: f64,
    y: &[f64],
    lr: f64,
    steps: usize,
) -> Result<GridGp<K>> {
    let mut theta: Vec<f64> = kernels.iter().flat_map(|k| k.params()).collect();
    theta.push(sigma2.ln());
    let mut adam = Adam::new(theta.len(), lr);
    for _ in 0..steps {
        let gp = GridGp::fit(grid.clone(), kernels.clone(), sigma2, y)?;
        // Ascent on L: descent on −L (negation is exact, so the steps are Adam's
        // ascent steps to the bit).
        let minus_g: Vec<f64> = gp
            .log_marginal_likelihood_gradient()?
            .iter()
            .map(|g| -g)
            .collect();
        adam.next_step();
        adam.descend(0, &mut theta, &minus_g);
        let mut o = 0;
        for k in kernels.iter_mut() {
            let np = k.n_params();
            k.set_params(&theta[o..o + np])?;
            o += np;
        }
        sigma2 = theta[o].exp();
    }
    GridGp::fit(grid, kernels, sigma2, y)
}
