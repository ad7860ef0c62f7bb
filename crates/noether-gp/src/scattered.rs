//! GP regression on scattered data with a product kernel: exact by (jittered)
//! Cholesky for moderate `N`, with the log marginal likelihood and its analytic
//! gradient, predictive mean and variance; and conditioning of a Gaussian on linear
//! functionals `G u = b` (integrals, conservation constraints as in ProbConserv,
//! Hansen et al. 2023), after which the constraints hold exactly.
//!
//! ```
//! use noether_gp::kernel::SquaredExponential;
//! use noether_gp::scattered::ExactGp;
//! let x: Vec<f64> = (0..30).map(|i| i as f64 / 29.0).collect();
//! let y: Vec<f64> = x.iter().map(|v| (6.0 * v).sin()).collect();
//! let gp = ExactGp::fit(&x, 1, vec![SquaredExponential::new(1.0, 0.2).unwrap()], 1e-6, &y).unwrap();
//! let (m, v) = gp.predict(&[0.5]).unwrap();
//! assert!((m[0] - 3f64.sin()).abs() < 1e-4 && v[0] < 1e-5);
//! ```

use faer::Mat;

use crate::error::{GpError, Result, invalid};
use crate::kernel::Kernel1d;
use crate::kron::JitteredCholesky;

/// An exact GP on scattered points in `dim` dimensions with kernel
/// `Π_d k_d(x_d − x'_d)` and noise variance `σ²`.
#[derive(Debug)]
pub struct ExactGp<K> {
    x: Vec<f64>,
    dim: usize,
    kernels: Vec<K>,
    sigma2: f64,
    y: Vec<f64>,
    chol: JitteredCholesky,
    alpha: Vec<f64>,
}

fn product_kernel<K: Kernel1d>(kernels: &[K], a: &[f64], b: &[f64]) -> f64 {
    kernels
        .iter()
        .enumerate()
        .map(|(d, k)| k.value(a[d] - b[d]))
        .product()
}

impl<K: Kernel1d + Clone> ExactGp<K> {
    /// Fits to `y` at the points `x` (`dim` coordinates each). The Cholesky of
    /// `K + σ²I` may add jitter up to `1e-8·mean diag`, reported by
    /// [`Self::jitter`].
    pub fn fit(x: &[f64], dim: usize, kernels: Vec<K>, sigma2: f64, y: &[f64]) -> Result<Self> {
        if dim == 0 || kernels.len() != dim || !x.len().is_multiple_of(dim) {
            return Err(invalid(
                "x",
                x.len(),
                "dim coordinates per point and one kernel per dimension",
            ));
        }
        let n = x.len() / dim;
        if y.len() != n || n == 0 {
            return Err(invalid("y", y.len(), "one value per point"));
        }
        if x.iter().chain(y).any(|v| !v.is_finite()) {
            return Err(invalid(
                "data",
                "non-finite",
                "points and values must be finite",
            ));
        }
        if !(sigma2 >= 0.0 && sigma2.is_finite()) {
            return Err(invalid("sigma2", sigma2, "must be finite and non-negative"));
        }
        let k = Mat::from_fn(n, n, |i, j| {
            product_kernel(
                &kernels,
                &x[i * dim..(i + 1) * dim],
                &x[j * dim..(j + 1) * dim],
            ) + if i == j { sigma2 } else { 0.0 }
        });
        let chol = JitteredCholesky::new(&k, 1e-8)?;
        let alpha = chol.solve(y);
        Ok(Self {
            x: x.to_vec(),
            dim,
            kernels,
            sigma2,
            y: y.to_vec(),
            chol,
            alpha,
        })
    }

    /// The jitter the Cholesky needed (0 when none).
    pub fn jitter(&self) -> f64 {
        self.chol.jitter
    }

    /// `log p(y)`.
    pub fn log_marginal_likelihood(&self) -> f64 {
        let n = self.y.len() as f64;
        -0.5 * self
            .y
            .iter()
            .zip(&self.alpha)
            .map(|(a, b)| a * b)
            .sum::<f64>()
            - 0.5 * self.chol.log_det()
            - 0.5 * n * (2.0 * std::f64::consts::PI).ln()
    }

    /// The gradient of the log marginal likelihood in every kernel parameter
    /// (dimension by dimension) and `log σ²`:
    /// `½ tr((ααᵀ − K⁻¹) ∂K)`.
    pub fn log_marginal_likelihood_gradient(&self) -> Result<Vec<f64>> {
        let n = self.y.len();
        let dim = self.dim;
        // W = ααᵀ − K⁻¹
        let mut kinv = Mat::<f64>::zeros(n, n);
        for j in 0..n {
            let mut e = vec![0.0; n];
            e[j] = 1.0;
            let col = self.chol.solve(&e);
            for i in 0..n {
                kinv[(i, j)] = col[i];
            }
        }
        let w = |i: usize, j: usize| self.alpha[i] * self.alpha[j] - kinv[(i, j)];
        let mut grad = Vec::new();
        for d in 0..dim {
            let np = self.kernels[d].n_params();
            let mut g = vec![0.0; np];
            for i in 0..n {
                for j in 0..n {
                    let (a, b) = (
                        &self.x[i * dim..(i + 1) * dim],
                        &self.x[j * dim..(j + 1) * dim],
                    );
                    let others: f64 = (0..dim)
                        .filter(|&e| e != d)
                        .map(|e| self.kernels[e].value(a[e] - b[e]))
                        .product();
                    let pg = self.kernels[d].param_gradients(a[d] - b[d]);
                    let wij = w(i, j);
                    for (p, gp) in pg.iter().enumerate() {
                        g[p] += 0.5 * wij * others * gp[0];
                    }
                }
            }
            grad.extend(g);
        }
        let tr: f64 = (0..n).map(|i| w(i, i)).sum();
        grad.push(0.5 * self.sigma2 * tr);
        Ok(grad)
    }

    /// Predictive mean and variance of the latent function at `points`.
    pub fn predict(&self, points: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
        if !points.len().is_multiple_of(self.dim) {
            return Err(invalid("points", points.len(), "dim coordinates per point"));
        }
        let n = self.y.len();
        let dim = self.dim;
        let mut mean = Vec::new();
        let mut var = Vec::new();
        for p in points.chunks(dim) {
            let kx: Vec<f64> = (0..n)
                .map(|j| product_kernel(&self.kernels, p, &self.x[j * dim..(j + 1) * dim]))
                .collect();
            mean.push(kx.iter().zip(&self.alpha).map(|(a, b)| a * b).sum());
            let v = self.chol.solve(&kx);
            let prior = product_kernel(&self.kernels, p, p);
            var.push((prior - kx.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>()).max(0.0));
        }
        Ok((mean, var))
    }
}

/// A Gaussian `N(μ, Σ)` conditioned on `G u = b` observed with noise variance
/// `noise` (0 for exact constraints): `μ' = μ + ΣGᵀ(GΣGᵀ + noise·I)⁻¹(b − Gμ)`,
/// `Σ' = Σ − ΣGᵀ(GΣGᵀ + noise·I)⁻¹GΣ`. `G` is `m × n` (row-major), `Σ` `n × n`.
/// With `noise = 0` the constraints hold exactly for the conditioned mean (to
/// rounding) and the conditioned covariance has `G` in its null space.
///
/// ```
/// use faer::Mat;
/// use noether_gp::scattered::condition_on_linear;
/// // u ~ N(0, I) in R³ conditioned on u₀ + u₁ + u₂ = 3
/// let s = Mat::<f64>::identity(3, 3);
/// let (m, c) = condition_on_linear(&[0.0; 3], &s, &[1.0, 1.0, 1.0], &[3.0], 0.0).unwrap();
/// assert!(m.iter().all(|v| (v - 1.0).abs() < 1e-12));
/// assert!((c[(0, 0)] - 2.0 / 3.0).abs() < 1e-12);
/// ```
pub fn condition_on_linear(
    mu: &[f64],
    sigma: &Mat<f64>,
    g: &[f64],
    b: &[f64],
    noise: f64,
) -> Result<(Vec<f64>, Mat<f64>)> {
    let n = mu.len();
    let m = b.len();
    if sigma.nrows() != n || sigma.ncols() != n || g.len() != m * n || m == 0 {
        return Err(invalid(
            "shapes",
            format!(
                "μ {n}, Σ {}x{}, G {}, b {m}",
                sigma.nrows(),
                sigma.ncols(),
                g.len()
            ),
            "must agree",
        ));
    }
    if !(noise >= 0.0 && noise.is_finite()) {
        return Err(invalid("noise", noise, "must be finite and non-negative"));
    }
    let gm = Mat::from_fn(m, n, |i, j| g[i * n + j]);
    let sgt = sigma * gm.transpose(); // n × m
    let s = &gm * &sgt; // m × m
    let s = Mat::from_fn(m, m, |i, j| {
        0.5 * (s[(i, j)] + s[(j, i)]) + if i == j { noise } else { 0.0 }
    });
    let chol = JitteredCholesky::new(&s, 0.0).map_err(|_| {
        GpError::NotPositiveDefinite(
            "GΣGᵀ: the constraints are linearly dependent or Σ is degenerate on them".into(),
        )
    })?;
    let resid: Vec<f64> = (0..m)
        .map(|i| b[i] - (0..n).map(|j| gm[(i, j)] * mu[j]).sum::<f64>())
        .collect();
    let w = chol.solve(&resid);
    let mean: Vec<f64> = (0..n)
        .map(|i| mu[i] + (0..m).map(|k| sgt[(i, k)] * w[k]).sum::<f64>())
        .collect();
    // Σ' = Σ − (ΣGᵀ) S⁻¹ (GΣ)
    let mut sinv_gs = Mat::<f64>::zeros(m, n);
    for j in 0..n {
        let col: Vec<f64> = (0..m).map(|k| sgt[(j, k)]).collect();
        let s_col = chol.solve(&col);
        for k in 0..m {
            sinv_gs[(k, j)] = s_col[k];
        }
    }
    let update = &sgt * &sinv_gs;
    let cov = Mat::from_fn(n, n, |i, j| {
        sigma[(i, j)] - 0.5 * (update[(i, j)] + update[(j, i)])
    });
    Ok((mean, cov))
}
