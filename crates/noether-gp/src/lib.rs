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
//!   log-determinant of `⊗K_d + σ²I` from the factors' eigendecompositions, and a
//!   Cholesky that reports the jitter it needed.
//!
//! - [`grid`]: exact GP regression on tensor grids (log marginal likelihood with
//!   analytic gradients, Adam hyperparameter learning, predictive mean and
//!   variance).
//!
//! Status: issue 6 in progress (scattered-data regression, conditioning on linear
//! functionals and the GP-HM solver are not built yet).
#![deny(missing_docs)]

pub mod error;
pub mod gphm;
pub mod grid;
pub mod kernel;
pub mod kron;

pub use error::{GpError, Result};
