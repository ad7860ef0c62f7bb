//! # noether-gp
//!
//! Gaussian processes with product structure on grids, solved exactly with Kronecker
//! algebra (never a low-rank shortcut).
//!
//! - [`kernel`]: stationary 1-D kernels (squared exponential, Matérn ½, 3/2, 5/2,
//!   periodic, Gaussian and Student-t spectral mixtures) with analytic derivatives
//!   in `z = x − x'` up to third order and exact parameter gradients (dual numbers).
//! - [`kron`]: Kronecker products applied by mode products (a
//!   `noether_core::LinearOperator`), Kronecker sums, the exact solve and
//!   log-determinant of `⊗K_d + σ²I` from the factors' eigendecompositions (in the
//!   mirror basis of centrosymmetric factors, half the flops, when every factor is
//!   one: a stationary kernel on a uniform grid), and a Cholesky that reports the
//!   jitter it needed.
//!
//! - [`adam`]: Adam on host parameter vectors (GP-HM training, grid hyperparameters;
//!   re-exported from `noether_core::optim`).
//! - [`grid`]: exact GP regression on tensor grids (log marginal likelihood with
//!   analytic gradients, Adam hyperparameter learning, predictive mean and
//!   variance).
//!
//! - [`scattered`]: exact GP regression on scattered points by jittered Cholesky
//!   (likelihood, gradient, prediction) and conditioning on linear functionals.
//! - [`gphm`]: the GP-HM solver for high-frequency and multi-scale PDEs
//!   (Poisson, Allen–Cahn, advection; spectral-mixture kernels, hand-written
//!   adjoints, Adam).
//!
//! - [`problems`]: the GP-HM paper's benchmark problems (exact solutions, grids,
//!   sources, the authors' settings and logged errors), shared by tests, benches,
//!   examples and `cargo xtask reproduce gp-hm`.
//! - [`toeplitz`]: inverse and log-determinant of symmetric positive definite
//!   Toeplitz matrices in `O(n²)` (Durbin and Trench), used by GP-HM's uniform grids.
//! - [`centro`]: centrosymmetric and centro-skew matrices by their half-size blocks
//!   (half the flops of a product), used by GP-HM's mode products.
//!
//! - [`iterative`]: large scattered data: a matrix-free kernel operator, CG
//!   (optionally preconditioned by a pivoted Cholesky factor) for the representer
//!   weights, stochastic Lanczos quadrature for the log-determinant.
//!
//! Status: issue 6's acceptance items hold (Kronecker 128³ solve 0.21–0.27× numpy,
//! median 0.23 over six runs of `cargo xtask bench gp`).
#![deny(missing_docs)]

/// Adam on host parameter vectors: the workspace's one copy, in noether-core.
pub mod adam {
    pub use noether_core::optim::Adam;
}
pub mod centro;
pub mod error;
pub mod gphm;
pub mod grid;
pub mod iterative;
pub mod kernel;
pub mod kron;
mod kron_mirror;
mod kron_spectral;
pub mod problems;
pub mod scattered;
pub mod toeplitz;
mod workspace;

pub use error::{GpError, Result};
