//! The error type of noether-gp.

use thiserror::Error;

/// What can go wrong in kernels, Kronecker algebra and GP solves.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum GpError {
    /// An argument is out of its valid range.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidArgument {
        /// Argument name.
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// What is required.
        reason: &'static str,
    },
    /// A matrix that must be symmetric positive definite is not, even with the
    /// largest jitter tried.
    #[error("not positive definite: {0}")]
    NotPositiveDefinite(String),
    /// A decomposition failed or produced non-finite values.
    #[error("linear algebra: {0}")]
    LinearAlgebra(String),
    /// A Krylov solver of noether-core failed (match the
    /// [`CoreError`](noether_core::CoreError), e.g. `NotConverged`).
    #[error(transparent)]
    Core(#[from] noether_core::CoreError),
}

/// Result alias of noether-gp.
pub type Result<T> = std::result::Result<T, GpError>;

/// A [`GpError::InvalidArgument`].
pub(crate) fn invalid(
    name: &'static str,
    value: impl std::fmt::Display,
    reason: &'static str,
) -> GpError {
    GpError::InvalidArgument {
        name,
        value: value.to_string(),
        reason,
    }
}

/// A [`GpError::LinearAlgebra`] for a symmetric eigendecomposition that failed in
/// `context`.
pub(crate) fn eigen_failed(
    context: &'static str,
) -> impl Fn(faer::linalg::evd::EvdError) -> GpError {
    move |e| match e {
        faer::linalg::evd::EvdError::NoConvergence => GpError::LinearAlgebra(format!(
            "{context}: the eigenvalue iteration did not converge"
        )),
    }
}

/// A [`GpError::NotPositiveDefinite`] from a failed dense Cholesky factorisation.
pub(crate) fn cholesky_failed(e: faer::linalg::cholesky::llt::factor::LltError) -> GpError {
    match e {
        faer::linalg::cholesky::llt::factor::LltError::NonPositivePivot { index } => {
            GpError::NotPositiveDefinite(format!("non-positive Cholesky pivot at index {index}"))
        }
    }
}
